/*
 * fuzz_testbench.c -- libFuzzer harness of the testbench template reader
 * and deck composition.
 *
 * Any input must either give a testbench or an error with a message.  A
 * testbench is then checked against a fixed three-port design (its XXX
 * placeholder, the port roles it implies) and composed into a deck;
 * each must succeed or fail with a message, the roles must be of the
 * vocabulary, and a deck must end with ".end", carry the three analyses
 * and hold the design's definition once.  The template's directory is
 * fixed (/fuzz), so .include paths are rewritten and looked up (stat),
 * never read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netlist/netlist.h"
#include "sim/testbench.h"

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
    netlist_netrole roles[3];
    halo_err_clear(&err);
    if (testbench_port_roles(tb, nl, roles, &err) == 0) {
        for (int i = 0; i < 3; i++)
            if (roles[i] < 0 || roles[i] >= NL_NROLES) abort();
    } else if (err.id == HALO_OK || err.msg[0] == '\0') {
        abort();
    }
    halo_err_clear(&err);
    if (testbench_check_placeholder(tb, nl, &err) != 0 && (err.id == HALO_OK || err.msg[0] == '\0')) abort();
    tb_models m = {".model dummy r\n", NULL, NULL, "fuzz models"};
    tb_deck deck;
    halo_err_clear(&err);
    if (testbench_deck(tb, nl, ".subckt dut VDD VIN VOUT\nR1 VIN VOUT 1k\n.ends\n", &m, "pre", &deck, &err) == 0) {
        if (deck.nlines < 2 || strcmp(deck.lines[deck.nlines - 1], ".end") != 0 || deck.ncommands != 3) abort();
        int defs = 0;   /* (a kept .control block is the template's text) */
        for (int i = 0; i < deck.nlines && strcmp(deck.lines[i], ".control") != 0; i++)
            defs += strcmp(deck.lines[i], ".subckt dut VDD VIN VOUT") == 0;
        if (defs != 1) abort();
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
