/*
 * fuzz_verify.c -- libFuzzer harness of the verification engines on
 * arbitrary layouts: a GDSII input read with the sky130 layer table, then
 * for every top cell DRC, extraction, LVS and parasitic extraction.
 *
 * Oracles, beyond "no crash, no leak, no undefined behaviour":
 *   - DRC gives the same violations when run twice (no state leaks
 *     between runs through the shared index);
 *   - the extracted netlist matches a copy of itself under LVS (partition
 *     refinement with tie-breaking must resolve any symmetry);
 *   - the post-layout netlist PEX writes reads back with halo's SPICE
 *     reader, in C and in RC mode.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/drc.h"
#include "verify/extract.h"
#include "layout/flat.h"
#include "layout/gds.h"
#include "verify/lvs.h"
#include "verify/pex.h"
#include "fuzz_tech.h"
#include "netlist/spice.h"
#include "tech/tech.h"

static void same_drc(lay_flat *f)
{
    drc_result *a = drc_run(f, fuzz_sky130()), *b = drc_run(f, fuzz_sky130());
    if (a->n != b->n) abort();
    for (int i = 0; i < a->n; i++)
        if (a->v[i].rule != b->v[i].rule || memcmp(&a->v[i].box, &b->v[i].box, sizeof a->v[i].box) != 0) abort();
    drc_free(a);
    drc_free(b);
}

static void post_layout_reads_back(lay_flat *f, const ext_result *x, pex_mode mode)
{
    halo_err err;
    halo_err_clear(&err);
    pex_result *p = pex_run(f, x, fuzz_sky130(), mode, &err);
    if (!p) return;
    const char **ports = calloc((size_t)x->nl->nports + 1, sizeof *ports);
    for (int i = 0; i < x->nl->nports; i++) ports[i] = x->nl->nets[x->nl->ports[i]].name;
    char *text = pex_spice(p, x, "fuzzcell", ports, x->nl->nports, &err);
    /* (an empty circuit is no netlist to the reader: nothing to check) */
    if (text && x->nl->ndevs + p->ncaps + p->nres > 0) {
        spice_read_opts ro = {.top = "fuzzcell", .wmode = NETLIST_W_TOTAL, .no_include = 1};
        netlist *back = spice_read_text(text, strlen(text), "post.spice", &ro, &err);
        if (!back) {
            fprintf(stderr, "post-layout netlist does not read back: %s\n%s", err.msg, text);
            abort();
        }
        netlist_free(back);
    }
    free(text);
    free(ports);
    pex_free(p);
}

/* The fuzzer hunts crashes and wrong answers, not throughput: an array
 * reference can expand a few bytes into more shapes than a sanitizer
 * build checks within libFuzzer's timeout.  (Such an input, 93,000 shapes
 * strung along 8 cm, takes 20 s: the uniform bins of the spatial indexes
 * suit compact layouts, not sparse ones.)  The instrumented build
 * (make fuzz-build: -O1, ASan, UBSan, comparison tracing) runs about 30
 * times slower than the suite's replay, so it stops lower: the staircase
 * of 10,412 overlapping shapes in fuzz/crashers/fuzz_verify takes 2 s in
 * the replay (regress_verify, which checks it in full) and a minute
 * instrumented. */
#ifdef HALO_FUZZ_INSTRUMENTED
#define FUZZ_MAX_SHAPES 4000
#else
#define FUZZ_MAX_SHAPES 20000
#endif

static int shape_count(const lay_flat *f)
{
    int n = 0;
    for (int l = 0; l < f->nlayers; l++) n += f->layers[l].n;
    return n;
}

static void verify_cell(const lay_lib *lib, int cell)
{
    lay_flat *f = flat_build(lib, cell);
    if (shape_count(f) > FUZZ_MAX_SHAPES) {
        flat_free(f);
        return;
    }
    same_drc(f);
    halo_err err;
    halo_err_clear(&err);
    ext_result *x = extract_run(f, fuzz_sky130(), lib->cells[cell]->name, &err);
    if (!x) abort();
    netlist *copy = netlist_clone(x->nl);
    lvs_result *r = lvs_compare(x->nl, copy, NULL);
    if (!r->match) abort();
    lvs_free(r);
    netlist_free(copy);
    post_layout_reads_back(f, x, PEX_C);
    post_layout_reads_back(f, x, PEX_RC);
    extract_free(x);
    flat_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    halo_err err;
    halo_err_clear(&err);
    lay_lib *lib = gds_read_mem(data, size, "fuzz.gds", fuzz_sky130(), &err);
    if (!lib) return 0;
    int *tops = NULL;
    int n = lay_top_cells(lib, &tops);
    for (int i = 0; i < n && i < 4; i++) verify_cell(lib, tops[i]);
    free(tops);
    lay_lib_free(lib);
    return 0;
}
