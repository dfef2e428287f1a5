/*
 * fuzz_testbench.c -- libFuzzer harness of the testbench template reader
 * and deck composition.
 *
 * Any input must either give a testbench or an error with a message.  A
 * testbench is then composed into a deck with a fixed three-port design;
 * composition must succeed or fail with a message, and a deck must end
 * with ".end" and carry the three analyses.  The template's directory is
 * fixed, so relative .include paths are only rewritten, never read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netlist.h"
#include "testbench.h"

static netlist *design(void)
{
    netlist *nl = netlist_new("dut");
    const char *ports[] = {"VDD", "VIN", "VOUT"};
    for (int i = 0; i < 3; i++) {
        int n = netlist_net_get(nl, ports[i]);
        netlist_add_port(nl, n);
        nl->nets[n].external = 1;
    }
    int d = netlist_device_add(nl, "R1", NL_RES, 'R', "");
    netlist_device_add_pin(nl, d, "P", netlist_net_find(nl, "VIN"));
    netlist_device_add_pin(nl, d, "N", netlist_net_find(nl, "VOUT"));
    return nl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    halo_err err;
    halo_err_clear(&err);
    testbench *tb = testbench_parse((const char *)data, size, "/fuzz/tb.sp", NULL, size && (data[0] & 1), &err);
    if (!tb) {
        if (err.id == HALO_OK || err.msg[0] == '\0') abort();
        return 0;
    }
    netlist *nl = design();
    tb_models m = {".model dummy r\n", NULL, NULL, "fuzz models"};
    tb_deck deck;
    halo_err_clear(&err);
    if (testbench_deck(tb, nl, ".subckt dut VDD VIN VOUT\nR1 VIN VOUT 1k\n.ends\n", &m, "pre", &deck, &err) == 0) {
        if (deck.nlines < 2 || strcmp(deck.lines[deck.nlines - 1], ".end") != 0 || deck.ncommands != 3) abort();
        char *text = testbench_deck_text(&deck);
        if (!strstr(text, ".endc")) abort();
        free(text);
        tb_deck_free(&deck);
    } else if (err.id == HALO_OK || err.msg[0] == '\0') {
        abort();
    }
    netlist_free(nl);
    testbench_free(tb);
    return 0;
}
