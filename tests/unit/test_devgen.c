/* test_devgen.c -- device generators: geometry checked against the rules
 * and the request (Magic's verdicts are in tests/devgen_magic.test). */
#include "layout/devgen.h"
#include "netlist/spice.h"
#include "base/strutil.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static halo_tech *tech(void)
{
    static halo_tech *t;
    halo_err err;
    if (!t) t = tech_load("sky130", &err);
    return t;
}

static int build(lay_lib *lib, const devgen_spec *s)
{
    halo_err err;
    int c = devgen_build(lib, tech(), s, &err);
    if (c < 0) printf("    build: %s\n", err.msg);
    return c;
}

static int count_layer(const lay_cell *c, int layer)
{
    int n = 0;
    for (int i = 0; i < c->nrects; i++) n += c->rects[i].layer == layer;
    return n;
}

static const lay_pin *find_pin(const lay_cell *c, const char *name)
{
    for (int i = 0; i < c->npins; i++)
        if (strcmp(c->pins[i].name, name) == 0) return &c->pins[i];
    return NULL;
}

static int overlaps(lay_box a, lay_box b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/* Gates: poly rectangles crossing the diffusion; their summed width
 * (diffusion height under each) is the drawn W. */
static void gates_of(const lay_lib *lib, const lay_cell *c, int *n, int64_t *w, int32_t *l)
{
    int poly = lay_layer_find(lib, "poly"), diff = lay_layer_find(lib, "diff");
    *n = 0;
    *w = 0;
    *l = 0;
    for (int d = 0; d < c->nrects; d++) {
        if (c->rects[d].layer != diff) continue;
        for (int p = 0; p < c->nrects; p++) {
            if (c->rects[p].layer != poly || !overlaps(c->rects[p].box, c->rects[d].box)) continue;
            lay_box g = c->rects[p].box, df = c->rects[d].box;
            (*n)++;
            *w += (g.y1 < df.y1 ? g.y1 : df.y1) - (g.y0 > df.y0 ? g.y0 : df.y0);
            *l = g.x1 - g.x0;
        }
    }
}

TEST(mos_fingers_width_length_pins)
{
    lay_lib *lib = lay_lib_new("t", tech());
    devgen_spec s;
    halo_err err;
    CHECK_INT(devgen_spec_mos(tech(), "nfet_01v8", 2.1, 0.15, 4, 1, 0, &s, &err), 0);
    int c = build(lib, &s);
    CHECK(c >= 0);
    const lay_cell *cell = lib->cells[c];
    CHECK_STR(cell->name, "nfet_01v8_w2p1_l0p15_nf4");
    int n;
    int64_t w;
    int32_t l;
    gates_of(lib, cell, &n, &w, &l);
    CHECK_INT(n, 4);
    CHECK_INT(w, 2100);
    CHECK_INT(l, 150);
    const char *pins[] = {"D", "G", "S", "B"};
    int met1 = lay_layer_find(lib, "met1");
    for (int i = 0; i < 4; i++) {
        const lay_pin *p = find_pin(cell, pins[i]);
        CHECK(p != NULL);
        if (p) CHECK_INT(p->layer, met1);
    }
    CHECK_INT(cell->npins, 4);
    lay_box bb = lay_cell_bbox(lib, c);
    CHECK_INT(bb.x0, 0);
    CHECK_INT(bb.y0, 0);
    /* an nfet has no nwell; its halo keeps nsdm.2 / 2 = 0.19 */
    CHECK_INT(count_layer(cell, lay_layer_find(lib, "nwell")), 0);
    CHECK_INT(cell->halo[0], 190);
    /* every licon is the exact 0.17 square, every coordinate on the 5 nm grid */
    int licon = lay_layer_find(lib, "licon1");
    for (int i = 0; i < cell->nrects; i++) {
        lay_box b = cell->rects[i].box;
        CHECK(b.x0 % 5 == 0 && b.y0 % 5 == 0 && b.x1 % 5 == 0 && b.y1 % 5 == 0);
        if (cell->rects[i].layer == licon) CHECK(b.x1 - b.x0 == 170 && b.y1 - b.y0 == 170);
    }
    /* the same spec again gives the same cell */
    CHECK_INT(build(lib, &s), c);
    lay_lib_free(lib);
}

TEST(pmos_nwell_halo_and_multiplier)
{
    lay_lib *lib = lay_lib_new("t", tech());
    devgen_spec s;
    halo_err err;
    CHECK_INT(devgen_spec_mos(tech(), "sky130_fd_pr__pfet_01v8", 8, 0.5, 4, 2, 1, &s, &err), 0);
    int c = build(lib, &s);
    const lay_cell *cell = lib->cells[c];
    CHECK_STR(cell->name, "pfet_01v8_w8_l0p5_nf4_m2_dum");
    int n;
    int64_t w;
    int32_t l;
    gates_of(lib, cell, &n, &w, &l);
    CHECK_INT(n, 8);           /* nf * m gates; the dummies are off the diffusion */
    CHECK_INT(w, 16000);       /* m copies of W */
    CHECK_INT(count_layer(cell, lay_layer_find(lib, "poly")), 8 + 2 + 1);   /* gates, dummies, gate bar */
    CHECK_INT(count_layer(cell, lay_layer_find(lib, "nwell")), 1);
    /* nwell.2a / 2 = 0.635 on the sides the nwell reaches */
    CHECK(cell->halo[0] >= 635 - 200 && cell->halo[1] >= 635 - 200);
    lay_lib_free(lib);
}

TEST(tall_fingers_get_side_taps)
{
    lay_lib *lib = lay_lib_new("t", tech());
    devgen_spec s;
    halo_err err;
    int tap = lay_layer_find(lib, "tap");
    CHECK_INT(devgen_spec_mos(tech(), "nfet_01v8", 20, 0.15, 1, 1, 0, &s, &err), 0);
    { int c = build(lib, &s); CHECK(c >= 0); if (c >= 0) CHECK_INT(count_layer(lib->cells[c], tap), 3); }
    CHECK_INT(devgen_spec_mos(tech(), "nfet_01v8", 20, 0.15, 2, 1, 0, &s, &err), 0);
    { int c = build(lib, &s); CHECK(c >= 0); if (c >= 0) CHECK_INT(count_layer(lib->cells[c], tap), 1); }
    lay_lib_free(lib);
}

TEST(mos_bad_parameters)
{
    devgen_spec s;
    halo_err err;
    CHECK_INT(devgen_spec_mos(tech(), "nfet_01v8", 1, 0.15, 3, 1, 0, &s, &err), -1);
    CHECK_INT(err.id, HALO_E_DEV_PARAM);
    CHECK(strstr(err.msg, "below the minimum") != NULL);
    CHECK_INT(devgen_spec_mos(tech(), "nfet_01v8", 1, 0.1, 1, 1, 0, &s, &err), -1);
    CHECK(strstr(err.msg, "L = 0.1") != NULL);
    CHECK_INT(devgen_spec_mos(tech(), "pfet_01v8_lvt", 1, 0.5, 1, 1, 0, &s, &err), -1);
    CHECK_INT(err.id, HALO_E_DEV_KIND);
    CHECK_INT(devgen_spec_mos(tech(), "nfet_01v8", 1, 0.15, 0, 1, 0, &s, &err), -1);
}

TEST(mim_cap_plates_vias_pins)
{
    lay_lib *lib = lay_lib_new("t", tech());
    devgen_spec s;
    halo_err err;
    CHECK_INT(devgen_spec_cap(tech(), "cap_mim_m3_1", 10, 5, &s, &err), 0);
    /* C = 2 fF/um2 * wc * lc + 0.19 fF/um * 2 (wc + lc), wc = w - 0.025 */
    CHECK_NEAR(s.value * 1e15, 2.0 * 9.975 * 4.975 + 0.19 * 2 * (9.975 + 4.975), 1e-9);
    int c = build(lib, &s);
    const lay_cell *cell = lib->cells[c];
    int capm = lay_layer_find(lib, "capm"), via3 = lay_layer_find(lib, "via3");
    CHECK_INT(count_layer(cell, capm), 1);
    /* vias 0.2 at 0.2 spacing, 0.14 inside: (10-0.28+0.2)/0.4 = 24, (5-0.28+0.2)/0.4 = 12 */
    CHECK_INT(count_layer(cell, via3), 24 * 12);
    for (int i = 0; i < cell->nrects; i++)
        if (cell->rects[i].layer == capm) {
            CHECK_INT(cell->rects[i].box.x1 - cell->rects[i].box.x0, 10000);
            CHECK_INT(cell->rects[i].box.y1 - cell->rects[i].box.y0, 5000);
        }
    CHECK(find_pin(cell, "P") && find_pin(cell, "P")->layer == lay_layer_find(lib, "met4"));
    CHECK(find_pin(cell, "N") && find_pin(cell, "N")->layer == lay_layer_find(lib, "met3"));
    CHECK_INT(devgen_spec_cap(tech(), "cap_mim_m3_1", 0.5, 5, &s, &err), -1);
    CHECK_INT(devgen_spec_cap(tech(), "cap_mim_m3_1", 1, 30, &s, &err), -1);   /* capm.6 aspect */
    lay_lib_free(lib);
}

TEST(poly_resistor_value_and_slots)
{
    lay_lib *lib = lay_lib_new("t", tech());
    devgen_spec s;
    halo_err err;
    /* 10 kOhm: the narrowest fixed-width cell (0.35) reaches it; R = sheet * L / W + ends */
    CHECK_INT(devgen_spec_res(tech(), "res_high_po", 0, 0, 10000, &s, &err), 0);
    CHECK_STR(s.dev->name, "res_high_po_0p35");
    CHECK_NEAR(s.value, 10000, 10000 * 0.002);
    /* 1 kOhm is shorter than lmin at 0.35: the next width */
    CHECK_INT(devgen_spec_res(tech(), "res_high_po", 0, 0, 1000, &s, &err), 0);
    CHECK_STR(s.dev->name, "res_high_po_0p69");
    CHECK_NEAR(s.value, 1000, 5);
    /* rpm.1g-1k: licon slots per head 1 1 2 4 8 */
    const double widths[] = {0.35, 0.69, 1.41, 2.85, 5.73};
    const int slots[] = {1, 1, 2, 4, 8};
    int licon = lay_layer_find(lib, "licon1");
    for (int k = 0; k < 5; k++) {
        CHECK_INT(devgen_spec_res(tech(), "res_high_po", widths[k], 5, 0, &s, &err), 0);
        int c = build(lib, &s);
        CHECK(c >= 0);
        if (c < 0) continue;
        CHECK_INT(count_layer(lib->cells[c], licon), 2 * slots[k]);
        CHECK(find_pin(lib->cells[c], "P") && find_pin(lib->cells[c], "N"));
    }
    CHECK_INT(devgen_spec_res(tech(), "res_high_po", 0.5, 5, 0, &s, &err), -1);   /* not an allowed width */
    CHECK_INT(err.id, HALO_E_DEV_PARAM);
    lay_lib_free(lib);
}

TEST(spec_from_netlist_devices)
{
    const char *text = ".subckt t a b vss\n"
                       "XM1 a b vss vss sky130_fd_pr__nfet_01v8 W=4 L=0.5 nf=ZZZ\n"
                       "XM2 a b vss vss sky130_fd_pr__nfet_01v8 W=4 L=0.5 nf=2 m=2\n"
                       "R1 a b 20k\n"
                       "C1 a b 500f\n"
                       "XR2 a b vss sky130_fd_pr__res_high_po_0p35 L=2.7\n"
                       "V1 a 0 1\n"
                       ".ends\n";
    halo_err err;
    netlist *nl = spice_read_text(text, strlen(text), "t.sp", NULL, &err);
    CHECK(nl != NULL);
    if (!nl) return;
    devgen_spec s;
    CHECK_INT(devgen_spec_from_device(&nl->devs[0], tech(), NULL, &s, &err), -1);
    CHECK(strstr(err.msg, "XM1") && strstr(err.msg, "set_fingers"));
    CHECK_INT(devgen_spec_from_device(&nl->devs[1], tech(), NULL, &s, &err), 1);
    CHECK_INT(s.nf, 2);
    CHECK_INT(s.m, 2);
    CHECK_INT(s.w_nm, 2000);
    CHECK_INT(devgen_spec_from_device(&nl->devs[2], tech(), NULL, &s, &err), 1);
    CHECK_NEAR(s.value, 20000, 20);
    CHECK_INT(devgen_spec_from_device(&nl->devs[3], tech(), NULL, &s, &err), 1);
    CHECK_NEAR(s.value, 500e-15, 1e-15);
    CHECK_INT(s.w_nm, s.l_nm);
    CHECK_INT(devgen_spec_from_device(&nl->devs[4], tech(), NULL, &s, &err), 1);
    CHECK_INT(s.w_nm, 350);
    CHECK_INT(s.l_nm, 2700);
    CHECK_INT(devgen_spec_from_device(&nl->devs[5], tech(), NULL, &s, &err), 0);
    netlist_free(nl);
}

TEST(halos_keep_neighbours_apart)
{
    /* Two cells abutting halo to halo keep every spacing rule the halo
     * accounts for: check nwell (1.27) and nsdm (0.38) between copies. */
    lay_lib *lib = lay_lib_new("t", tech());
    devgen_spec s;
    halo_err err;
    CHECK_INT(devgen_spec_mos(tech(), "pfet_01v8", 2, 0.15, 2, 1, 0, &s, &err), 0);
    int c = build(lib, &s);
    CHECK(c >= 0);
    if (c < 0) return;
    const lay_cell *p = lib->cells[c];
    int nwell = lay_layer_find(lib, "nwell");
    lay_box bb = {0, 0, 0, 0}, nw = {0, 0, 0, 0};
    for (int i = 0; i < p->nrects; i++) {
        bb = lay_box_union(bb, p->rects[i].box);
        if (p->rects[i].layer == nwell) nw = p->rects[i].box;
    }
    /* right copy placed at bb.x1 + halo_r + halo_l */
    int32_t gap = (bb.x1 - nw.x1) + p->halo[2] + p->halo[0] + (nw.x0 - bb.x0);
    CHECK(gap >= 1270);
    lay_lib_free(lib);
}

UNIT_MAIN("test_devgen")
