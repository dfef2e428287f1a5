/* test_pex.c -- parasitic extraction: the capacitance model on hand-built
 * wires against the formulas of pex.h, the RC network, the post-layout
 * SPICE (read back by spice_read and simulated by ngspice -b), and a
 * cross-check of total net capacitance against Magic's extraction.
 *
 * Nets come from the generators' own rectangle nets (a hand-built
 * ext_result), so these tests do not depend on extract.c. */
#include "layout/devgen.h"
#include "layout/gds.h"
#include "verify/pex.h"
#include "netlist/spice.h"
#include "base/strutil.h"
#include "magic_pex.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The reference PDK's Magic tech file (unit_pdk_root); NULL, with the
 * reason in WHY, when it is not here. */
static const char *magic_tech(char *why, size_t len)
{
    static char path[1100];
    const char *root = unit_pdk_root(why, len);
    if (!root) return NULL;
    snprintf(path, sizeof path, "%s/sky130A/libs.tech/magic/sky130A.tech", root);
    if (access(path, R_OK) != 0) {
        snprintf(why, len, "no %s", path);
        return NULL;
    }
    return path;
}

/* A directory of this run's own under TMPDIR (or /tmp), removed at exit. */
static char scratch[512];
static void remove_scratch(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0) printf("    could not remove %s\n", scratch);
}
static const char *scratch_dir(void)
{
    if (!scratch[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(scratch, sizeof scratch, "%s/halo_test_pex.%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
        mkdir(scratch, 0777);
        atexit(remove_scratch);
    }
    return scratch;
}
static const char *embedded_models(void)
{
    static char path[1024];
    const char *src = getenv("HALO_SRCDIR");
    if (!path[0]) snprintf(path, sizeof path, "%s/pdk/sky130/models/sky130_embedded.lib.spice", src ? src : "../..");
    return path;
}
#define EMBEDDED_MODELS embedded_models()

static halo_tech *tech(void)
{
    static halo_tech *t;
    halo_err err;
    if (!t) t = tech_load("sky130", &err);
    return t;
}

/* ------------------------------------------------------------- layouts */

static int new_cell(lay_lib *lib, const char *name)
{
    return lay_cell_new(lib, name);
}

/* A rectangle of net (created by name) on layer, with a pin when pin. */
static void rect(lay_lib *lib, int cell, const char *layer, int x0, int y0, int x1, int y1,
                 const char *net, int pin)
{
    int l = lay_layer_find(lib, layer);
    lay_cell *c = lib->cells[cell];
    int n = net ? lay_net(c, net) : -1;
    lay_rect_add(c, l, lay_box_make(x0, y0, x1, y1), n);
    if (pin) lay_pin_add(c, net, l, lay_box_make(x0, y0, x1, y1));
}

/* The extraction of a leaf cell by hand: its nets are the rectangles' own
 * nets; the flat layers keep the cell's drawing order.  nwell, drawn with
 * no net by the generators, joins the net of the taps inside it. */
static ext_result *hand_extract(lay_lib *lib, int cell, lay_flat *f)
{
    const lay_cell *c = lib->cells[cell];
    ext_result *x = halo_xcalloc(1, sizeof *x);
    x->nl = netlist_new(c->name);
    for (int i = 0; i < c->nnets; i++) netlist_net_get(x->nl, c->nets[i]);
    for (int i = 0; i < c->npins; i++) {
        int n = netlist_net_find(x->nl, c->pins[i].name);
        if (n >= 0 && !x->nl->nets[n].external) {
            x->nl->nets[n].external = 1;
            netlist_add_port(x->nl, n);
        }
    }
    x->nlayers = f->nlayers;
    x->rect_net = halo_xcalloc((size_t)f->nlayers, sizeof *x->rect_net);
    int *k = halo_xcalloc((size_t)f->nlayers, sizeof *k);
    for (int l = 0; l < f->nlayers; l++) x->rect_net[l] = halo_xcalloc((size_t)f->layers[l].n + 1, sizeof(int));
    for (int i = 0; i < c->nrects; i++) {
        int l = c->rects[i].layer;
        if (k[l] < f->layers[l].n) x->rect_net[l][k[l]++] = c->rects[i].net;
    }
    int nw = flat_layer_find(f, "nwell"), tap = flat_layer_find(f, "tap");
    for (int i = 0; nw >= 0 && i < f->layers[nw].n; i++)
        for (int t = 0; tap >= 0 && t < f->layers[tap].n; t++) {
            lay_box a = f->layers[nw].boxes[i], b = f->layers[tap].boxes[t];
            if (a.x0 <= b.x0 && b.x1 <= a.x1 && a.y0 <= b.y0 && b.y1 <= a.y1) x->rect_net[nw][i] = x->rect_net[tap][t];
        }
    free(k);
    return x;
}

static void hand_free(ext_result *x)
{
    for (int l = 0; l < x->nlayers; l++) free(x->rect_net[l]);
    free(x->rect_net);
    free(x->geom);
    netlist_free(x->nl);
    free(x);
}

static double net_cap(const pex_result *r, const ext_result *x, const char *net)
{
    int n = netlist_net_find(x->nl, net);
    return n < 0 ? -1 : r->net_cap_f[n];
}

/* ------------------------------------------------------ the C model */

TEST(single_wire_area_and_fringe)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = new_cell(lib, "w");
    rect(lib, c, "met1", 0, 0, 10000, 500, "A", 1);
    rect(lib, c, "met1", 2000, 0, 3000, 500, "A", 0);       /* overlap counts once */
    lay_flat *f = flat_build(lib, c);
    ext_result *x = hand_extract(lib, c, f);
    halo_err err;
    pex_result *r = pex_run(f, x, tech(), PEX_C, &err);
    CHECK(r != NULL);
    double want = (10 * 0.5 * 25.78 + 21 * 40.57) * 1e-18;
    CHECK_NEAR(net_cap(r, x, "A"), want, 1e-21);
    CHECK_NEAR(r->net_ground_f[0], want, 1e-21);
    CHECK_INT(r->ncaps, 1);
    pex_free(r);
    hand_free(x);
    flat_free(f);
    lay_lib_free(lib);
}

TEST(parallel_lines_sidewall)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = new_cell(lib, "p");
    rect(lib, c, "met1", 0, 0, 10000, 500, "A", 1);
    rect(lib, c, "met1", 0, 640, 10000, 1140, "B", 1);
    rect(lib, c, "met1", 0, 1640, 10000, 2140, "C", 1);     /* C: 0.5 um beyond B */
    lay_flat *f = flat_build(lib, c);
    ext_result *x = hand_extract(lib, c, f);
    halo_err err;
    pex_result *r = pex_run(f, x, tech(), PEX_C, &err);
    double ab = 44 * 10 / (0.14 + 0.25) * 1e-18, bc = 44 * 10 / (0.5 + 0.25) * 1e-18;
    CHECK_NEAR(pex_net_pair_cap(r, 0, 1), ab, 1e-21);
    CHECK_NEAR(pex_net_pair_cap(r, 1, 2), bc, 1e-21);
    CHECK_NEAR(pex_net_pair_cap(r, 0, 2), 0, 1e-21);     /* B shields */
    CHECK_NEAR(r->net_ground_f[0], (5 * 25.78 + 21 * 40.57) * 1e-18, 1e-21);
    CHECK_NEAR(r->net_cap_f[1], r->net_ground_f[1] + ab + bc, 1e-21);
    pex_free(r);
    hand_free(x);
    flat_free(f);
    lay_lib_free(lib);
}

TEST(met2_crossing_met1)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = new_cell(lib, "x");
    rect(lib, c, "met1", 0, 0, 10000, 1000, "A", 1);
    rect(lib, c, "met2", 4500, -4500, 5500, 5500, "B", 1);
    lay_flat *f = flat_build(lib, c);
    ext_result *x = hand_extract(lib, c, f);
    halo_err err;
    pex_result *r = pex_run(f, x, tech(), PEX_C, &err);
    /* plate 1 um^2, B's two edges down onto A, A's two edges up onto B */
    double ab = (1 * 133.86 + 2 * 67.05 + 2 * 48.19) * 1e-18;
    CHECK_NEAR(pex_net_pair_cap(r, 0, 1), ab, 1e-21);
    CHECK_NEAR(r->net_ground_f[0], (10 * 25.78 + 22 * 40.57) * 1e-18, 1e-21);
    CHECK_NEAR(r->net_ground_f[1], (9 * 17.5 + 20 * 37.76) * 1e-18, 1e-21);
    pex_free(r);
    hand_free(x);
    flat_free(f);
    lay_lib_free(lib);
}

/* One diffusion rectangle holds a source and a drain: a wire over the
 * source side couples to the source, whatever the rectangle's own net. */
TEST(split_diffusion_takes_contact_nets)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = new_cell(lib, "d");
    rect(lib, c, "diff", 0, 0, 3000, 1000, NULL, 0);
    rect(lib, c, "poly", 1400, -200, 1600, 1200, "G", 1);
    rect(lib, c, "licon1", 300, 400, 470, 570, "S", 0);
    rect(lib, c, "li1", 250, 0, 520, 1000, "S", 1);
    rect(lib, c, "licon1", 2500, 400, 2670, 570, "D", 0);
    rect(lib, c, "li1", 2450, 0, 2720, 1000, "D", 1);
    rect(lib, c, "met1", 700, 0, 1200, 1000, "X", 1);       /* over the source side only */
    lay_flat *f = flat_build(lib, c);
    ext_result *x = hand_extract(lib, c, f);
    halo_err err;
    pex_result *r = pex_run(f, x, tech(), PEX_C, &err);
    int S = netlist_net_find(x->nl, "S"), D = netlist_net_find(x->nl, "D"), X = netlist_net_find(x->nl, "X");
    CHECK_NEAR(pex_net_pair_cap(r, X, S), (0.5 * 33.6 + 2 * 43.1) * 1e-18, 1e-21);
    CHECK_NEAR(pex_net_pair_cap(r, X, D), 0, 1e-21);
    /* li1 over its own diffusion: no capacitance to it; only the two ends
     * that leave the diffusion fringe to the substrate */
    CHECK_NEAR(r->net_ground_f[S], 2 * 0.27 * 40.7e-18, 1e-21);
    pex_free(r);
    hand_free(x);
    flat_free(f);
    lay_lib_free(lib);
}

/* A resistor's poly is one rectangle: each head belongs to the net its
 * contacts reach; neither the body nor the heads have capacitance of their
 * own (sky130's res_high_po model charges body and heads to the bulk). */
TEST(resistor_heads_take_contact_nets)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = new_cell(lib, "r");
    rect(lib, c, "poly", 0, 0, 1000, 12000, NULL, 0);
    rect(lib, c, "polyres", 0, 1000, 1000, 11000, NULL, 0);
    rect(lib, c, "licon1", 400, 400, 570, 570, "P", 0);
    rect(lib, c, "li1", 0, 0, 1000, 900, "P", 1);
    rect(lib, c, "licon1", 400, 11400, 570, 11570, "N", 0);
    rect(lib, c, "li1", 0, 11100, 1000, 12000, "N", 1);
    lay_flat *f = flat_build(lib, c);
    ext_result *x = hand_extract(lib, c, f);
    halo_err err;
    pex_result *r = pex_run(f, x, tech(), PEX_C, &err);
    int P = netlist_net_find(x->nl, "P"), N = netlist_net_find(x->nl, "N");
    CHECK_NEAR(r->net_cap_f[P], r->net_cap_f[N], 1e-21);
    /* only the li1 (1 x 0.9 um, over its own head): the three edges that
     * do not face more of the head fringe to the substrate */
    CHECK_NEAR(r->net_ground_f[P], (0.9 + 0.9 + 1.0) * 40.7e-18, 1e-21);
    CHECK_NEAR(pex_net_pair_cap(r, P, N), 0, 1e-21);
    pex_free(r);
    hand_free(x);
    flat_free(f);
    lay_lib_free(lib);
}

/* ---------------------------------------------------------- RC mode */

static double res_between(const pex_result *r, int a, int b)
{
    for (int i = 0; i < r->nres; i++)
        if ((r->res[i].a == a && r->res[i].b == b) || (r->res[i].a == b && r->res[i].b == a)) return r->res[i].ohm;
    return -1;
}

TEST(rc_long_wire_and_vias)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = new_cell(lib, "rc");
    rect(lib, c, "met1", 0, 0, 80000, 500, "A", 0);          /* 160 squares */
    rect(lib, c, "met1", 0, 0, 500, 500, "A", 1);
    rect(lib, c, "met2", 79000, 0, 80000, 1000, "A", 0);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            rect(lib, c, "via", 79100 + 450 * i, 50 + 250 * j, 79250 + 450 * i, 200 + 250 * j, "A", 0);
    lay_flat *f = flat_build(lib, c);
    ext_result *x = hand_extract(lib, c, f);
    halo_err err;
    pex_result *r = pex_run(f, x, tech(), PEX_RC, &err);
    CHECK(r != NULL);
    CHECK(r->nnodes >= 10);
    double wire = 0, via = -1;
    int m2 = -1;
    for (int i = 0; i < r->nnodes; i++)
        if (strcmp(r->node_name[i], "A") != 0 && r->node_net[i] == 0) m2 = i;   /* last node is met2 */
    for (int i = 0; i < r->nres; i++) {
        if (r->res[i].a == m2 || r->res[i].b == m2) via = r->res[i].ohm;
        else wire += r->res[i].ohm;
    }
    CHECK_NEAR(via, 4.5 / 4, 1e-9);
    /* ten pieces of 16 squares: centre of the first to centre of the last */
    CHECK_NEAR(wire, 0.125 * 144, 1e-9);
    CHECK_STR(r->node_name[r->net_node[0]], "A");
    CHECK(res_between(r, r->net_node[0], m2) < 0);
    /* the RC caps add up to the C mode total */
    pex_result *cm = pex_run(f, x, tech(), PEX_C, &err);
    CHECK_NEAR(r->net_cap_f[0], cm->net_cap_f[0], 1e-21);
    pex_free(cm);
    pex_free(r);
    hand_free(x);
    flat_free(f);
    lay_lib_free(lib);
}

/* ------------------------------------------------- post-layout SPICE */

/* An nfet cell with its device in the hand extraction. */
static int nfet_cell(lay_lib *lib, int pmos, double w, int nf)
{
    devgen_spec s;
    halo_err err;
    if (devgen_spec_mos(tech(), pmos ? "pfet_01v8" : "nfet_01v8", w, 0.15, nf, 1, 0, &s, &err)) return -1;
    return devgen_build(lib, tech(), &s, &err);
}

static void add_mos(ext_result *x, int pmos, double w, int nf)
{
    netlist *nl = x->nl;
    int d = netlist_device_add(nl, "M1", pmos ? NL_PMOS : NL_NMOS, 'X',
                               pmos ? "sky130_fd_pr__pfet_01v8" : "sky130_fd_pr__nfet_01v8");
    const char *roles[4] = {"D", "G", "S", "B"};
    for (int i = 0; i < 4; i++) netlist_device_add_pin(nl, d, roles[i], netlist_net_find(nl, roles[i]));
    netlist_param_set(&nl->devs[d], "W", w);
    netlist_param_set(&nl->devs[d], "L", 0.15);
    nl->devs[d].nf = nf;
    x->geom = halo_xcalloc((size_t)nl->ndevs, sizeof *x->geom);
    x->geom[d] = (ext_devgeom){0.29 * w, 0.29 * w * 1.5, 2 * w, 3 * w};
}

static int have_ngspice(void) { return system("command -v ngspice >/dev/null 2>&1") == 0; }

TEST(post_layout_spice_reads_and_simulates)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = nfet_cell(lib, 0, 2.0, 2);
    CHECK(c >= 0);
    if (c < 0) return;
    lay_flat *f = flat_build(lib, c);
    ext_result *x = hand_extract(lib, c, f);
    add_mos(x, 0, 2.0, 2);
    halo_err err;
    pex_result *r = pex_run(f, x, tech(), PEX_RC, &err);
    const char *ports[4] = {"D", "G", "S", "B"};
    char *text = pex_spice(r, x, "nf2", ports, 4, &err);
    CHECK(text != NULL);
    CHECK(strstr(text, "XM1 D:sd G:g S:sd B:sd sky130_fd_pr__nfet_01v8 W=1 L=0.15") != NULL
          || strstr(text, "sky130_fd_pr__nfet_01v8 W=1 L=0.15") != NULL);
    CHECK(strstr(text, "m=2") != NULL);
    CHECK(strstr(text, "ad=") != NULL);
    CHECK(pex_spice(r, x, "nf2", (const char *const[]){"NOPE"}, 1, &err) == NULL);
    netlist *back = spice_read_text(text, strlen(text), "post.sp", NULL, &err);
    CHECK(back != NULL);
    if (back) {
        CHECK_INT(back->nports, 4);
        CHECK_INT(back->ndevs, 1 + r->ncaps + r->nres);
        netlist_free(back);
    }
    if (!have_ngspice()) unit_skip("needs ngspice to run the post-layout netlist: ngspice not on PATH (Debian package ngspice)");
    else if (access(EMBEDDED_MODELS, R_OK) != 0) unit_skip("needs the embedded models: no %s (set HALO_SRCDIR)", EMBEDDED_MODELS);
    else if (text) {
        char deck[600], cmd[800];
        snprintf(deck, sizeof deck, "%s/deck.sp", scratch_dir());
        FILE *fp = fopen(deck, "w");
        fprintf(fp, "* pex deck\n.lib \"%s\" tt\n%s\nX1 d g 0 0 nf2\nVD d 0 1.8\nVG g 0 1.8\n"
                    ".op\n.control\nrun\nprint i(VD)\n.endc\n.end\n", EMBEDDED_MODELS, text);
        fclose(fp);
        snprintf(cmd, sizeof cmd, "cd %s && ngspice -b deck.sp > deck.log 2>&1 && grep -q 'i(vd)' deck.log", scratch_dir());
        int rc = system(cmd);
        CHECK_INT(rc, 0);
    }
    free(text);
    pex_free(r);
    hand_free(x);
    flat_free(f);
    lay_lib_free(lib);
}

/* ------------------------------------------- cross-check against Magic */

/* Magic extracts cells on the 10 nm grid correctly (magic_pex.h), so the
 * cross-check moves every coordinate of the generated cells onto it
 * (magic_pex_snap10) and gives halo the same snapped layout. */

static void wire_layouts(lay_lib *lib)
{
    static const int sp[] = {140, 300, 500, 1000, 2000};
    for (int i = 0; i < 5; i++) {
        char n[32];
        snprintf(n, sizeof n, "m1par_s%d", sp[i]);
        int c = new_cell(lib, n);
        rect(lib, c, "met1", 0, 0, 20000, 500, "A", 1);
        rect(lib, c, "met1", 0, 500 + sp[i], 20000, 1000 + sp[i], "B", 1);
        snprintf(n, sizeof n, "m2par_s%d", sp[i]);
        c = new_cell(lib, n);
        rect(lib, c, "met2", 0, 0, 20000, 500, "A", 1);
        rect(lib, c, "met2", 0, 500 + sp[i], 20000, 1000 + sp[i], "B", 1);
    }
    int c = new_cell(lib, "m2x_m1");
    rect(lib, c, "met1", 0, 0, 20000, 1000, "A", 1);
    /* one name per line: Magic would merge two unconnected pieces that
     * share a label, which halo's extraction keeps apart */
    static const char *const xname[] = {"B", "C", "D", "E"};
    for (int k = 0; k < 4; k++) rect(lib, c, "met2", 2000 + 5000 * k, -5000, 3000 + 5000 * k, 6000, xname[k], 1);
    c = new_cell(lib, "m2_on_m1");
    rect(lib, c, "met1", 0, 0, 10000, 10000, "A", 1);
    rect(lib, c, "met2", 2000, 2000, 8000, 8000, "B", 1);
    c = new_cell(lib, "li_long");
    rect(lib, c, "li1", 0, 0, 50000, 170, "A", 1);
    c = new_cell(lib, "m1_long");
    rect(lib, c, "met1", 0, 0, 100000, 140, "A", 1);
    c = new_cell(lib, "bus3");          /* three met1 lines, the middle one shielded */
    for (int k = 0; k < 3; k++) rect(lib, c, "met1", 0, 600 * k, 30000, 600 * k + 300, k == 0 ? "A" : k == 1 ? "B" : "C", 1);
    c = new_cell(lib, "li_m1_stack");   /* met1 over li1 over poly, offset */
    rect(lib, c, "poly", 0, 0, 10000, 2000, "P", 1);
    rect(lib, c, "li1", 1000, 500, 15000, 1500, "L", 1);
    rect(lib, c, "met1", 3000, 0, 8000, 3000, "M", 1);
}

typedef struct cellcheck { char name[64]; int cell; } cellcheck;

static int device_layouts(lay_lib *lib, cellcheck *cc, int n)
{
    halo_err err;
    devgen_spec s;
    struct { const char *dev; double w; int nf; } mos[] = {
        {"nfet_01v8", 2.0, 2}, {"nfet_01v8", 8.0, 4}, {"pfet_01v8", 4.0, 2}, {"pfet_01v8", 12.0, 6},
    };
    for (int i = 0; i < 4; i++)
        if (devgen_spec_mos(tech(), mos[i].dev, mos[i].w, 0.15, mos[i].nf, 1, 0, &s, &err) == 0) {
            int c = devgen_build(lib, tech(), &s, &err);
            if (c >= 0) { snprintf(cc[n].name, sizeof cc[n].name, "%s", lib->cells[c]->name); cc[n++].cell = c; }
        }
    if (devgen_spec_cap(tech(), "cap_mim_m3_1", 10, 10, &s, &err) == 0) {
        int c = devgen_build(lib, tech(), &s, &err);
        if (c >= 0) { snprintf(cc[n].name, sizeof cc[n].name, "%s", lib->cells[c]->name); cc[n++].cell = c; }
    }
    if (devgen_spec_res(tech(), "res_high_po_0p35", 0, 10, 0, &s, &err) == 0) {
        int c = devgen_build(lib, tech(), &s, &err);
        if (c >= 0) { snprintf(cc[n].name, sizeof cc[n].name, "%s", lib->cells[c]->name); cc[n++].cell = c; }
    }
    return n;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Compare every net above 1 fF; returns the worst relative error. */
static double compare_cell(lay_lib *lib, int cell, const char *dir, const tech_pex_set *set, double *errs,
                           int *nerr)
{
    lay_flat *f = flat_build(lib, cell);
    halo_err err;
    /* halo's own extraction, as extract_parasitics runs it */
    ext_result *x = extract_run(f, tech(), lib->cells[cell]->name, &err);
    clock_t t0 = clock();
    pex_result *r = pex_run_set(f, x, tech(), set, PEX_C, &err);
    double ms = 1e3 * (double)(clock() - t0) / CLOCKS_PER_SEC;
    char path[512];
    snprintf(path, sizeof path, "%s/%s.ext", dir, lib->cells[cell]->name);
    double worst = 0, *excess = calloc((size_t)x->nl->nnets + 1, sizeof *excess);
    magic_pex_mim_artifact(f, x, excess);
    for (int n = 0; n < x->nl->nnets; n++) {
        double g, m = magic_pex_total(path, f, x, n, &g);
        double h = r->net_cap_f[n] * 1e18;
        if (m < 0) continue;
        /* Magic's tech misreads a MIM cap (magic_pex.h): its value less
         * what that costs, from its own coefficients */
        double mc = m - excess[n];
        double e = mc > 0 ? (h - mc) / mc : 0;
        int graded = mc > 1000 || h > 1000;
        printf("    %-34s %-3s halo %8.2f fF (gnd %7.2f)  magic %8.2f fF (gnd %7.2f, MIM-corrected %8.2f)  %+6.1f%%%s\n",
               lib->cells[cell]->name, x->nl->nets[n].name, h / 1e3, r->net_ground_f[n] * 1e15, m / 1e3,
               g / 1e3, mc / 1e3, 100 * e, graded ? "" : "  (<1 fF)");
        if (graded) {
            errs[(*nerr)++] = fabs(e);
            if (fabs(e) > worst) worst = fabs(e);
        }
    }
    free(excess);
    printf("    %-34s pex_run %.1f ms\n", lib->cells[cell]->name, ms);
    pex_free(r);
    extract_free(x);
    flat_free(f);
    return worst;
}

TEST(cross_check_with_magic)
{
    char why[1200];
    if (!unit_on_path("magic")) SKIP("needs Magic: magic not on PATH (Debian package magic)");
    const char *techf = magic_tech(why, sizeof why);
    if (!techf) SKIP("needs the sky130 PDK's Magic tech: %s", why);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/magic", scratch_dir());
    mkdir(dir, 0777);
    lay_lib *lib = lay_lib_new("pexcheck", tech());
    wire_layouts(lib);
    int nwires = lib->ncells;
    cellcheck cc[16];
    int ndev = device_layouts(lib, cc, 0);
    for (int i = 0; i < lib->ncells; i++) magic_pex_snap10(lib->cells[i]);
    halo_err err;
    char gds[1024];
    snprintf(gds, sizeof gds, "%s/pexcheck.gds", dir);
    CHECK_INT(gds_write_file(lib, NULL, 0, gds, &err), 0);
    CHECK_INT(magic_pex_run(techf, dir, gds), 0);
    /* once with halo's nominal coefficients (tech.json "pex"), once with
     * the ones of Magic's tech file (tech.json "pex_sets" magic2020): the
     * second isolates the model from the numbers */
    const tech_pex_set *magic = tech_find_pex_set(tech(), "magic2020");
    CHECK(magic != NULL);
    for (int pass = 0; pass < 2; pass++) {
        const tech_pex_set *t = pass ? magic : NULL;
        double errs[512];
        int nerr = 0;
        double worst = 0;
        printf("    -- %s coefficients --\n", pass ? "Magic tech file" : "tech.json");
        for (int i = 0; i < nwires; i++) {
            double w = compare_cell(lib, i, dir, t, errs, &nerr);
            if (w > worst) worst = w;
        }
        for (int i = 0; i < ndev; i++) {
            double w = compare_cell(lib, cc[i].cell, dir, t, errs, &nerr);
            if (w > worst) worst = w;
        }
        qsort(errs, (size_t)nerr, sizeof *errs, cmp_dbl);
        double median = nerr ? errs[nerr / 2] : 0;
        printf("    %s: %d nets above 1 fF: median |error| %.1f%%, worst %.1f%%\n",
               pass ? "Magic tech file" : "tech.json", nerr, 100 * median, 100 * worst);
        CHECK(nerr > 0);
        /* the bar: every net above 1 fF within 20 % of Magic with
         * the coefficients Magic uses */
        if (pass) CHECK(worst <= 0.20);
    }
    lay_lib_free(lib);
}

UNIT_MAIN("test_pex")
