/*
 * fuzz_postnet.c -- libFuzzer harness of the post-layout netlist reader:
 * read_post_netlist FILE (testbench_check_post) and what `simulate -post`
 * does with the text (the SPICE reader with -top, for the models it uses;
 * the deck it is spliced into).
 *
 * The design is fixed: .subckt ota inp inn out vdd vss, one nfet.  The
 * input is the post-layout netlist's text; like read_post_netlist, text
 * with NUL bytes is refused before any of this.  Oracles:
 *   - testbench_check_post accepts, or refuses with a message;
 *   - it agrees with the SPICE reader: when halo's reader finds .subckt ota
 *     in the text with P ports, the check with P ports passes (ngspice, and
 *     halo's reader, skip params:, NAME=VALUE and comments on the line);
 *   - an accepted netlist composes into a deck (OpampTestbench) whose
 *     lines hold the netlist's .subckt line once, or is refused with a
 *     message;
 *   - what the reader made of the subcircuit writes back (always as a
 *     .subckt, as pex writes post-layout netlists) to text that passes the
 *     check and reads back into the same netlist (fuzz_netcmp.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_netcmp.h"
#include "netlist/netlist.h"
#include "netlist/spice.h"
#include "sim/testbench.h"

#define DESIGN "ota"

static const char design_text[] =
    ".subckt ota inp inn out vdd vss\n"
    "XM1 out inp vss vss sky130_fd_pr__nfet_01v8 W=2 L=0.15 nf=1\n"
    ".ends\n";

static netlist *design(void)
{
    static const spice_read_opts o = {.wmode = NETLIST_W_TOTAL, .no_include = 1, .subckt_prefix = "sky130_fd_pr__"};
    halo_err err;
    netlist *nl = spice_read_text(design_text, strlen(design_text), "ota.sp", &o, &err);
    if (!nl) abort();
    return nl;
}

static netlist *read_post(const char *text, size_t len, const char *name, halo_err *err)
{
    /* as simulate -post reads it for the models it uses (cmd_sim.c) */
    spice_read_opts o = {.top = DESIGN, .wmode = NETLIST_W_TOTAL, .no_include = 1,
                         .subckt_prefix = "sky130_fd_pr__"};
    halo_err_clear(err);
    return spice_read_text(text, len, name, &o, err);
}

static void deck(const netlist *nl, const char *text)
{
    tb_builtin_opts bo;
    testbench_builtin_defaults(&bo);
    halo_err err;
    halo_err_clear(&err);
    testbench *tb = testbench_builtin("OpampTestbench", nl, &bo, NULL, &err);
    if (!tb) abort();   /* the design is fixed and fit for it */
    tb_models m = {".model dummy r\n", NULL, NULL, "fuzz models"};
    tb_deck d;
    if (testbench_deck(tb, nl, text, &m, "post-layout", &d, &err) == 0) {
        if (d.nlines < 2 || strcmp(d.lines[d.nlines - 1], ".end") != 0) abort();
        char *t = testbench_deck_text(&d);
        if (!strstr(t, ".endc")) abort();
        free(t);
        tb_deck_free(&d);
    } else if (err.id == HALO_OK || err.msg[0] == '\0') {
        abort();
    }
    testbench_free(tb);
}

/* The subcircuit as halo reads it, written and read again. */
static void round_trip(const netlist *post)
{
    spice_write_opts wo = {0, "post-layout netlist (fuzz)", 1};
    char *text = spice_write_text(post, &wo);
    halo_err err;
    halo_err_clear(&err);
    if (testbench_check_post(text, "written.sp", DESIGN, post->nports, &err) != 0) {
        fprintf(stderr, "halo's own post-layout netlist refused: %s\n%s", err.msg, text);
        abort();
    }
    netlist *back = read_post(text, strlen(text), "written.sp", &err);
    if (back) fuzz_same_netlist(post, back, text);
    else if (err.id == HALO_OK || err.msg[0] == '\0') abort();
    netlist_free(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '\0', size)) return 0;   /* read_post_netlist refuses it first */
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    netlist *nl = design();
    halo_err err;
    halo_err_clear(&err);
    int ok = testbench_check_post(text, "fuzz.sp", DESIGN, nl->nports, &err) == 0;
    if (!ok && (err.id == HALO_OK || err.msg[0] == '\0')) abort();   /* refused without a message */
    netlist *post = read_post(text, size, "fuzz.sp", &err);
    if (!post && (err.id == HALO_OK || err.msg[0] == '\0')) abort();
    if (post) {
        halo_err_clear(&err);
        if (testbench_check_post(text, "fuzz.sp", DESIGN, post->nports, &err) != 0) {
            fprintf(stderr, "the reader sees .subckt %s with %d ports; the check says: %s\n", DESIGN, post->nports,
                    err.msg);
            abort();
        }
        round_trip(post);
        netlist_free(post);
    }
    if (ok) deck(nl, text);
    netlist_free(nl);
    free(text);
    return 0;
}
