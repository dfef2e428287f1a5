/* test_drc.c -- the DRC engine: no violation on any generator cell or on
 * cells placed at their halos, and each kind of breakage found under its
 * rule id (Magic's verdicts on the same layouts: tools/magic/drc_cells.tcl). */
#include "layout/devgen.h"
#include "verify/drc.h"
#include "layout/flat.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static halo_tech *tech(void)
{
    static halo_tech *t;
    halo_err err;
    if (!t) t = tech_load("sky130", &err);
    return t;
}

static drc_result *check(lay_lib *lib, int cell)
{
    lay_flat *f = flat_build(lib, cell);
    drc_result *r = drc_run(f, tech());
    flat_free(f);
    return r;
}

static void print_violations(const char *what, const drc_result *r)
{
    for (int i = 0; i < r->n && i < 8; i++)
        printf("    %s: %s (%s) at %d %d %d %d: %lld < %lld\n", what, r->v[i].rule, r->v[i].kind,
               r->v[i].box.x0, r->v[i].box.y0, r->v[i].box.x1, r->v[i].box.y1,
               (long long)r->v[i].measured, (long long)r->v[i].required);
}

static int has_rule(const drc_result *r, const char *id)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->v[i].rule, id) == 0) return 1;
    return 0;
}

/* The generator sweep of tests/devgen_magic.test. */
static int sweep(lay_lib *lib, int *cells, int max)
{
    static const char *mos[] = {"nfet_01v8", "pfet_01v8"};
    static const double ws[] = {0.42, 1, 2.1, 5, 20}, ls[] = {0.15, 0.5, 2};
    static const int nfs[] = {1, 2, 3, 4, 8, 16};
    static const double caps[] = {2, 5, 10, 20, 30}, ohms[] = {1000, 2000, 5000, 10000, 20000, 50000};
    static const double rw[] = {0.35, 0.69, 1.41, 2.85, 5.73};
    devgen_spec s[200];
    int n = 0;
    halo_err err;
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 6; k++)
                    if (ws[i] / nfs[k] >= 0.42 - 1e-9)
                        n += devgen_spec_mos(tech(), mos[t], ws[i], ls[j], nfs[k], 1, 0, &s[n], &err) == 0;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) n += devgen_spec_cap(tech(), "cap_mim_m3_1", caps[i], caps[j], &s[n], &err) == 0;
    for (int i = 0; i < 6; i++) n += devgen_spec_res(tech(), "res_high_po", 0, 0, ohms[i], &s[n], &err) == 0;
    for (int i = 0; i < 5; i++) n += devgen_spec_res(tech(), "res_high_po", rw[i], 5, 0, &s[n], &err) == 0;
    n += devgen_spec_res(tech(), "res_xhigh_po", 0, 0, 50000, &s[n], &err) == 0;
    n += devgen_spec_res(tech(), "res_xhigh_po_1p41", 0, 10, 0, &s[n], &err) == 0;
    n += devgen_spec_mos(tech(), "nfet_01v8", 4, 0.15, 2, 3, 1, &s[n], &err) == 0;
    n += devgen_spec_mos(tech(), "pfet_01v8", 8, 0.5, 4, 1, 1, &s[n], &err) == 0;
    int nc = 0;
    for (int i = 0; i < n && nc < max; i++) {
        int c = devgen_build(lib, tech(), &s[i], &err);
        if (c >= 0) cells[nc++] = c;
    }
    return nc;
}

TEST(generator_cells_are_clean)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int cells[200];
    int n = sweep(lib, cells, 200);
    CHECK_INT(n, 148);
    for (int i = 0; i < n; i++) {
        drc_result *r = check(lib, cells[i]);
        if (r->n) {
            print_violations(lib->cells[cells[i]]->name, r);
            CHECK_INT(r->n, 0);
        }
        CHECK(r->rules_checked > 100);
        drc_free(r);
    }
    lay_lib_free(lib);
}

/* A device cell (built fresh) for the breakage tests. */
static int mos(lay_lib *lib, const char *type, double w, double l, int nf)
{
    devgen_spec s;
    halo_err err;
    if (devgen_spec_mos(tech(), type, w, l, nf, 1, 0, &s, &err)) return -1;
    return devgen_build(lib, tech(), &s, &err);
}

static int layer(lay_lib *lib, const char *name)
{
    return lay_layer_find(lib, name);
}

/* The k-th rectangle of a cell on a layer, or NULL. */
static lay_rect *nth(lay_lib *lib, int cell, const char *lname, int k)
{
    lay_cell *c = lib->cells[cell];
    int L = layer(lib, lname);
    for (int i = 0; i < c->nrects; i++)
        if (c->rects[i].layer == L && k-- == 0) return &c->rects[i];
    return NULL;
}

/* Remove every licon over the cell's (first) tap: the body contact. */
static void remove_tap_contacts(lay_lib *lib, int cell)
{
    lay_box tap = nth(lib, cell, "tap", 0)->box;
    lay_cell *c = lib->cells[cell];
    for (int i = c->nrects - 1; i >= 0; i--) {
        lay_box b = c->rects[i].box;
        if (c->rects[i].layer == layer(lib, "licon1") && b.y0 < tap.y1 && b.y1 > tap.y0 &&
            b.x0 < tap.x1 && b.x1 > tap.x0)
            c->rects[i] = c->rects[--c->nrects];
    }
}

/* A bare cell with a few rectangles on one layer. */
static int shapes(lay_lib *lib, const char *name, const char *lname, const lay_box *b, int n)
{
    int c = lay_cell_new(lib, name);
    for (int i = 0; i < n; i++) lay_rect_add(lib->cells[c], layer(lib, lname), b[i], -1);
    return c;
}

/* Run the check and expect exactly the verdict `dirty`, with rule id
 * among the violations when given. */
static int expect(lay_lib *lib, int cell, int dirty, const char *id)
{
    drc_result *r = check(lib, cell);
    int ok = (r->n > 0) == dirty && (!id || has_rule(r, id));
    if (!ok) {
        printf("    %s: %d violations, want %s %s\n", lib->cells[cell]->name, r->n,
               dirty ? "dirty" : "clean", id ? id : "");
        print_violations(lib->cells[cell]->name, r);
    }
    drc_free(r);
    return ok;
}

TEST(width_spacing_notch_corner_area)
{
    lay_lib *lib = lay_lib_new("t", tech());
    /* met1 0.14 wide passes, 0.13 fails m1.1 (area kept legal) */
    lay_box w_ok[] = {{0, 0, 140, 1000}}, w_bad[] = {{0, 0, 130, 1000}};
    CHECK(expect(lib, shapes(lib, "w_ok", "met1", w_ok, 1), 0, NULL));
    CHECK(expect(lib, shapes(lib, "w_bad", "met1", w_bad, 1), 1, "m1.1"));
    /* spacing 0.14 passes, 0.135 fails; overlapping shapes are one region */
    lay_box s_ok[] = {{0, 0, 300, 300}, {440, 0, 740, 300}};
    lay_box s_bad[] = {{0, 0, 300, 300}, {435, 0, 735, 300}};
    lay_box s_ovl[] = {{0, 0, 300, 300}, {200, 100, 500, 400}};
    CHECK(expect(lib, shapes(lib, "s_ok", "met1", s_ok, 2), 0, NULL));
    CHECK(expect(lib, shapes(lib, "s_bad", "met1", s_bad, 2), 1, "m1.2"));
    CHECK(expect(lib, shapes(lib, "s_ovl", "met1", s_ovl, 2), 0, NULL));
    /* a notch: a U whose slot is 0.1 wide */
    lay_box notch[] = {{0, 0, 700, 300}, {0, 300, 300, 800}, {400, 300, 700, 800}};
    CHECK(expect(lib, shapes(lib, "notch", "met1", notch, 3), 1, "m1.2"));
    /* corners: Magic's corner check is a square, not Euclidean */
    lay_box c_bad[] = {{0, 0, 300, 300}, {400, 400, 700, 700}};
    lay_box c_ok[] = {{0, 0, 300, 300}, {440, 440, 740, 740}};
    lay_box c_touch[] = {{0, 0, 300, 300}, {300, 300, 600, 600}};
    CHECK(expect(lib, shapes(lib, "c_bad", "met1", c_bad, 2), 1, "m1.2"));
    CHECK(expect(lib, shapes(lib, "c_ok", "met1", c_ok, 2), 0, NULL));
    CHECK(expect(lib, shapes(lib, "c_touch", "met1", c_touch, 2), 1, "m1.2"));
    /* minimum area: 0.083 um^2 on met1 */
    lay_box a_bad[] = {{0, 0, 200, 400}}, a_ok[] = {{0, 0, 300, 300}};
    CHECK(expect(lib, shapes(lib, "a_bad", "met1", a_bad, 1), 1, "m1.6"));
    CHECK(expect(lib, shapes(lib, "a_ok", "met1", a_ok, 1), 0, NULL));
    lay_lib_free(lib);
}

TEST(vias_and_contacts)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int good = lay_cell_new(lib, "via_ok"), bad = lay_cell_new(lib, "via_bad");
    int small = lay_cell_new(lib, "via_small");
    /* via 0.15 with met1 / met2 0.085 on two sides, 0.055 on the others */
    lay_box v = {0, 0, 150, 150}, m = {-85, -55, 235, 205};
    lay_rect_add(lib->cells[good], layer(lib, "via"), v, -1);
    lay_rect_add(lib->cells[good], layer(lib, "met1"), m, -1);
    lay_rect_add(lib->cells[good], layer(lib, "met2"), m, -1);
    CHECK(expect(lib, good, 0, NULL));
    /* met1 only 0.04 around: too little enclosure */
    lay_rect_add(lib->cells[bad], layer(lib, "via"), v, -1);
    lay_rect_add(lib->cells[bad], layer(lib, "met1"), (lay_box){-40, -40, 190, 190}, -1);
    lay_rect_add(lib->cells[bad], layer(lib, "met2"), m, -1);
    CHECK(expect(lib, bad, 1, "via.5a"));
    /* a cut narrower than its size */
    lay_rect_add(lib->cells[small], layer(lib, "via"), (lay_box){0, 0, 140, 150}, -1);
    lay_rect_add(lib->cells[small], layer(lib, "met1"), m, -1);
    lay_rect_add(lib->cells[small], layer(lib, "met2"), m, -1);
    CHECK(expect(lib, small, 1, "via.1a"));
    lay_lib_free(lib);
}

TEST(broken_transistors)
{
    lay_lib *lib = lay_lib_new("t", tech());
    /* the gate moved onto its contacts (devgen_magic-3) */
    int c = mos(lib, "nfet_01v8", 2.1, 0.15, 4);
    lay_rect *p = nth(lib, c, "poly", 0);
    p->box.x0 -= 50, p->box.x1 -= 50;
    CHECK(expect(lib, c, 1, "licon.11"));
    /* a poly endcap cut short */
    c = lay_cell_new(lib, "endcap");
    int src = mos(lib, "nfet_01v8", 1, 0.15, 1);
    lay_cell *s = lib->cells[src];
    for (int i = 0; i < s->nrects; i++) lay_rect_add(lib->cells[c], s->rects[i].layer, s->rects[i].box, -1);
    nth(lib, c, "poly", 0)->box.y0 = 1050 - 100;     /* diff starts at 1050 */
    CHECK(expect(lib, c, 1, "poly.8"));
    /* the body tap's contacts removed: Magic's licon.16 and latch-up */
    c = mos(lib, "nfet_01v8", 5, 0.5, 2);
    remove_tap_contacts(lib, c);
    CHECK(expect(lib, c, 1, "licon.16"));
    CHECK(expect(lib, c, 1, "LU.2"));
    /* pfet: nwell pulled in from the left past the p+ diffusion margin */
    c = mos(lib, "pfet_01v8", 2.1, 0.5, 2);
    lay_rect *nw = nth(lib, c, "nwell", 0);
    lay_box d = nth(lib, c, "diff", 0)->box;
    nw->box.x0 = d.x0 - 100;
    CHECK(expect(lib, c, 1, "difftap.8"));
    /* pfet without its n-tap contacts: the nwell holds no contacted tap */
    c = mos(lib, "pfet_01v8", 1, 0.15, 1);
    remove_tap_contacts(lib, c);
    CHECK(expect(lib, c, 1, "nwell.4"));
    lay_lib_free(lib);
}

TEST(metal_bridge_and_mcon_enclosure)
{
    lay_lib *lib = lay_lib_new("t", tech());
    /* nfet w=1 nf=1: S strap met1 555..785, D strap 985..1215 (see the
       generator); a straight bridge is DRC-clean (a short is LVS's to
       find), one that pinches the D strap at a corner is not */
    int c = mos(lib, "nfet_01v8", 1, 0.15, 1);
    lay_rect_add(lib->cells[c], layer(lib, "met1"), (lay_box){700, 1300, 1100, 1500}, -1);
    CHECK(expect(lib, c, 0, NULL));
    c = mos(lib, "nfet_01v8", 1, 0.5, 1);
    lay_box dstrap = nth(lib, c, "met1", 1)->box;
    lay_rect_add(lib->cells[c], layer(lib, "met1"),
                 (lay_box){dstrap.x0 - 400, dstrap.y0 - 200, dstrap.x0, dstrap.y0}, -1);
    CHECK(expect(lib, c, 1, "m1.2"));
    /* a met1 strap narrowed so that it no longer covers its mcons */
    c = mos(lib, "nfet_01v8", 2.1, 0.15, 2);
    lay_rect *m = nth(lib, c, "met1", 0);
    m->box.x0 += 40;
    CHECK(expect(lib, c, 1, "m1.4"));
    lay_lib_free(lib);
}

TEST(mim_cap_and_resistor)
{
    lay_lib *lib = lay_lib_new("t", tech());
    devgen_spec s;
    halo_err err;
    CHECK_INT(devgen_spec_cap(tech(), "cap_mim_m3_1", 5, 5, &s, &err), 0);
    int c = devgen_build(lib, tech(), &s, &err);
    lay_rect *capm = nth(lib, c, "capm", 0), *m3 = nth(lib, c, "met3", 0);
    capm->box.x1 = m3->box.x1 + 100;        /* top plate off its bottom plate */
    CHECK(expect(lib, c, 1, "capm.3"));
    CHECK_INT(devgen_spec_res(tech(), "res_high_po", 0.35, 5, 0, &s, &err), 0);
    c = devgen_build(lib, tech(), &s, &err);
    lay_rect *poly = nth(lib, c, "poly", 0);
    /* the body narrowed below 0.35 */
    poly->box.x1 -= 20;
    CHECK(expect(lib, c, 1, "poly.3"));
    lay_lib_free(lib);
}

TEST(cells_at_their_halos_are_clean)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int cells[200];
    int n = sweep(lib, cells, 200);
    for (int i = 0; i + 1 < n; i += 2) {
        char name[32];
        snprintf(name, sizeof name, "pair%d", i);
        int top = lay_cell_new(lib, name);
        lay_cell *a = lib->cells[cells[i]], *b = lib->cells[cells[i + 1]];
        lay_box ba = lay_cell_bbox(lib, cells[i]);
        int32_t x = (ba.x1 + a->halo[2] + b->halo[0] + 4) / 5 * 5;
        lay_inst_add(lib, top, "X1", cells[i], 0, 0, LAY_R0);
        lay_inst_add(lib, top, "X2", cells[i + 1], x, 0, LAY_R0);
        CHECK(expect(lib, top, 0, NULL));
    }
    lay_lib_free(lib);
}

/* A 10k-rectangle layout checks in well under a second: the run is near
 * linear in shape count. */
TEST(large_array_is_fast)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = mos(lib, "nfet_01v8", 20, 0.15, 8);
    lay_box b = lay_cell_bbox(lib, c);
    int32_t px = (b.x1 + 2 * lib->cells[c]->halo[2] + 4) / 5 * 5;
    int32_t py = (b.y1 + 2 * lib->cells[c]->halo[3] + 4) / 5 * 5;
    int top = lay_cell_new(lib, "array");
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 10; j++) {
            char name[32];
            snprintf(name, sizeof name, "X%d_%d", i, j);
            lay_inst_add(lib, top, name, c, i * px, j * py, LAY_R0);
        }
    lay_flat *f = flat_build(lib, top);
    int nrect = 0;
    for (int L = 0; L < f->nlayers; L++) nrect += f->layers[L].n;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    drc_result *r = drc_run(f, tech());
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("    %d rectangles checked in %.1f ms\n", nrect, ms);
    CHECK(nrect > 10000);
    CHECK_INT(r->n, 0);
    /* the time is printed, never asserted: no test depends on the
     * machine's speed or load (flows/bench.tcl measures it) */
    drc_free(r);
    flat_free(f);
    lay_lib_free(lib);
}

UNIT_MAIN("test_drc")
