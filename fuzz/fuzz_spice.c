/*
 * fuzz_spice.c -- libFuzzer harness of the SPICE reader, the technology
 * mapping and the writer.
 *
 * Any input must either give a netlist or an error with a message.  The
 * netlist as read, and again once mapped onto the embedded sky130
 * (techmap: passives by value, limits; which either succeeds or names
 * why), must write back to SPICE that reads again into the same netlist,
 * device by device (fuzz_netcmp.h says what "same" allows).  .include is
 * refused so the fuzzer cannot reach the file system.  The first byte
 * chooses the width mode and the unit convention of the first read; the
 * text halo writes is read back as read_spice reads a file by default.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_netcmp.h"
#include "fuzz_tech.h"
#include "netlist/spice.h"
#include "tech/techmap.h"

/* Write nl, read it back, compare.  The only accepted failure to read back
 * is a name SPICE cannot carry (one with '=', a brace, a quote or a
 * parenthesis inside is cut differently), and that must come with a
 * message. */
static void round_trip(const netlist *nl)
{
    char *text = spice_write_text(nl, NULL);
    halo_err err;
    halo_err_clear(&err);
    spice_read_opts again = {.wmode = NETLIST_W_TOTAL, .no_include = 1, .units = SPICE_UNITS_AUTO,
                             .subckt_prefix = "sky130_fd_pr__"};
    netlist *back = spice_read_text(text, strlen(text), "fuzz2.sp", &again, &err);
    if (back) fuzz_same_netlist(nl, back, text);
    else if (err.id == HALO_OK || err.msg[0] == '\0') abort();
    netlist_free(back);
    free(text);
}

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
    round_trip(nl);
    halo_err_clear(&err);
    if (techmap_apply(nl, fuzz_sky130(), &err) == 0) round_trip(nl);
    else if (err.id == HALO_OK || err.msg[0] == '\0') abort();
    netlist_free(nl);
    return 0;
}
