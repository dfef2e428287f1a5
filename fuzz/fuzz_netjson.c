/*
 * fuzz_netjson.c -- libFuzzer harness of the netlist_json reader.
 *
 * Any input must give a netlist or an error with a message; a netlist read
 * from JSON must write back to JSON that reads again to the same JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netlist/netjson.h"
#include "netlist/spice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    halo_err err;
    halo_err_clear(&err);
    netlist *nl = netjson_read_text((const char *)data, size, "fuzz.json", &err);
    if (!nl) {
        if (err.id == HALO_OK || err.msg[0] == '\0') abort();
        return 0;
    }
    char *j1 = netjson_write_text(nl, 0);
    netlist *nl2 = netjson_read_text(j1, strlen(j1), "fuzz.json", &err);
    if (!nl2) abort();                      /* halo must read what it wrote */
    char *j2 = netjson_write_text(nl2, 0);
    if (strcmp(j1, j2) != 0) abort();       /* and write it identically */
    char *sp = spice_write_text(nl, NULL);  /* the SPICE writer must not crash */
    free(sp);
    free(j1);
    free(j2);
    netlist_free(nl2);
    netlist_free(nl);
    return 0;
}
