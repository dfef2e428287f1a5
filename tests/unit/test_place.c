/* test_place.c -- the placer: every placement place_run makes passes an
 * independent brute-force legality check, the checker catches each kind of
 * violation, the sequence-pair repair gives symmetric feasibility, the ILP
 * never loses to the packing (and matches a hand computation), the moves
 * of exploration keep legality, HPWL by hand.  Fixtures are synthetic
 * device cells built here; no technology or generator is involved. */
#include "netlist/constraints.h"
#include "place/place_int.h"
#include "base/rng.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- fixtures */

typedef struct fx_cell {
    const char *name;
    int32_t w, h;
    int32_t k[4];            /* keep-out: left bottom right top */
    int two;                 /* two-terminal (P N) rather than D G S */
} fx_cell;

typedef struct fx_dev {
    const char *name;
    int cell;                /* -1: a device without a layout cell */
    const char *net[3];
} fx_dev;

typedef struct fx_desc {
    const char *label;
    int32_t grid, margin;
    int ncells;
    fx_cell cells[8];
    int ndevs;
    fx_dev devs[10];
    const char *groups[3][4];   /* matched names in device order, NULL-terminated */
    int nclasses;               /* symmetry classes expected */
} fx_desc;

typedef struct fixture {
    lay_lib *lib;
    netlist *nl;
    int *dev_cell;
    place_ir ir;
} fixture;

static const fx_desc FX_PLAIN = {
    .label = "plain", .grid = 5, .margin = 0,
    .ncells = 4,
    .cells = {{"nA", 1005, 500, {190, 300, 190, 100}, 0},
              {"nB", 500, 800, {55, 20, 35, 40}, 0},
              {"rC", 735, 300, {0, 0, 0, 0}, 1},
              {"nD", 2000, 400, {100, 100, 100, 100}, 0}},
    .ndevs = 4,
    .devs = {{"M1", 0, {"a", "b", "gnd"}}, {"M2", 1, {"b", "c", "gnd"}},
             {"R1", 2, {"a", "c", NULL}}, {"M3", 3, {"c", "a", "vdd"}}},
    .nclasses = 0,
};

/* A differential pair, loads, a tail and a device without a cell. */
static const fx_desc FX_PAIR = {
    .label = "pair", .grid = 10, .margin = 50,
    .ncells = 4,
    .cells = {{"nP", 1000, 600, {190, 300, 190, 100}, 0},
              {"nB", 500, 800, {55, 20, 35, 40}, 0},
              {"rC", 735, 300, {10, 0, 30, 0}, 1},
              {"nD", 1500, 400, {100, 150, 100, 50}, 0}},
    .ndevs = 7,
    .devs = {{"M1", 0, {"d1", "inp", "tail"}}, {"M2", 0, {"d2", "inn", "tail"}},
             {"M3", 1, {"tail", "bias", "gnd"}}, {"R1", 2, {"d1", "vdd", NULL}},
             {"R2", 2, {"d2", "vdd", NULL}}, {"M4", 3, {"out", "d2", "vdd"}},
             {"V1", -1, {"vdd", "gnd", NULL}}},
    .groups = {{"M1", "M2", NULL}},
    .nclasses = 1,
};

/* An odd group of three (M3 on the axis) and a second pair whose widths
 * cannot share that axis on the grid: two symmetry classes. */
static const fx_desc FX_ODD = {
    .label = "odd", .grid = 10, .margin = 0,
    .ncells = 4,
    .cells = {{"nO", 1005, 500, {190, 300, 190, 100}, 0},
              {"nQ", 800, 450, {60, 40, 60, 40}, 0},
              {"nB", 500, 800, {55, 20, 35, 40}, 0},
              {"rC", 735, 300, {0, 0, 0, 0}, 1}},
    .ndevs = 7,
    .devs = {{"M1", 0, {"a", "g1", "s"}}, {"M2", 0, {"b", "g2", "s"}}, {"M3", 0, {"c", "g1", "s"}},
             {"M4", 1, {"a", "b", "vdd"}}, {"M5", 1, {"b", "a", "vdd"}}, {"M6", 2, {"s", "bias", "gnd"}},
             {"R1", 3, {"c", "vdd", NULL}}},
    .groups = {{"M1", "M2", "M3", NULL}, {"M4", "M5", NULL}},
    .nclasses = 2,
};

/* Pair members of different heights, a pair of different widths, an odd
 * group: all on one axis (grid 20). */
static const fx_desc FX_MIXED = {
    .label = "mixed", .grid = 20, .margin = 45,
    .ncells = 6,
    .cells = {{"nH1", 1000, 500, {190, 300, 190, 100}, 0},
              {"nH2", 1000, 700, {190, 300, 190, 100}, 0},
              {"nW1", 800, 400, {50, 50, 50, 50}, 0},
              {"nW2", 840, 400, {50, 50, 50, 50}, 0},
              {"nL", 600, 300, {30, 60, 30, 20}, 0},
              {"rC", 735, 300, {0, 0, 0, 0}, 1}},
    .ndevs = 8,
    .devs = {{"M1", 0, {"a", "inp", "t"}}, {"M2", 1, {"b", "inn", "t"}}, {"M3", 2, {"a", "b", "vdd"}},
             {"M4", 3, {"b", "b", "vdd"}}, {"M5", 4, {"t", "bias", "gnd"}}, {"M6", 4, {"c", "bias", "gnd"}},
             {"M7", 4, {"bias", "bias", "gnd"}}, {"R1", 5, {"c", "b", NULL}}},
    .groups = {{"M1", "M2", NULL}, {"M3", "M4", NULL}, {"M5", "M6", "M7", NULL}},
    .nclasses = 1,
};

/* Just a matched pair; just one device. */
static const fx_desc FX_TWO = {
    .label = "two", .grid = 5, .margin = 10,
    .ncells = 1,
    .cells = {{"nP", 1000, 600, {190, 300, 190, 100}, 0}},
    .ndevs = 2,
    .devs = {{"M1", 0, {"a", "g", "s"}}, {"M2", 0, {"b", "g", "s"}}},
    .groups = {{"M1", "M2", NULL}},
    .nclasses = 1,
};

static const fx_desc FX_ONE = {
    .label = "one", .grid = 10, .margin = 20,
    .ncells = 1,
    .cells = {{"nB", 500, 800, {55, 20, 35, 40}, 0}},
    .ndevs = 1,
    .devs = {{"M1", 0, {"a", "g", "s"}}},
    .nclasses = 0,
};

/* Three unmatched cells for the hand computation (grid 20, margin 15). */
static const fx_desc FX_ROW = {
    .label = "row", .grid = 20, .margin = 15,
    .ncells = 3,
    .cells = {{"nA", 1005, 500, {190, 300, 190, 100}, 0},
              {"nB", 500, 800, {55, 20, 35, 40}, 0},
              {"rC", 735, 300, {0, 0, 0, 0}, 1}},
    .ndevs = 3,
    .devs = {{"M1", 0, {"a", "b", "gnd"}}, {"M2", 1, {"b", "a", "gnd"}}, {"R1", 2, {"a", "b", NULL}}},
    .nclasses = 0,
};

static const fx_desc *const ALL_FX[] = {&FX_PLAIN, &FX_PAIR, &FX_ODD, &FX_MIXED, &FX_TWO, &FX_ONE};
#define N_ALL_FX ((int)(sizeof ALL_FX / sizeof ALL_FX[0]))

static int add_cell(lay_lib *lib, int layer, const fx_cell *s)
{
    int c = lay_cell_new(lib, s->name);
    lay_cell *cell = lib->cells[c];
    int32_t w = s->w, h = s->h;
    lay_rect_add(cell, layer, lay_box_make(0, 0, w, h), -1);
    if (s->two) {
        lay_pin_add(cell, "P", layer, lay_box_make(0, h / 2 - 40, 60, h / 2 + 40));
        lay_pin_add(cell, "N", layer, lay_box_make(w - 60, h / 3, w, h / 3 + 70));
    } else {
        lay_pin_add(cell, "D", layer, lay_box_make(0, 0, 105, 105));   /* centre on a half nm */
        lay_pin_add(cell, "G", layer, lay_box_make(w / 2 - 25, h - 55, w / 2 + 25, h));
        lay_pin_add(cell, "S", layer, lay_box_make(w - 80, 20, w, 100));
    }
    memcpy(cell->halo, s->k, sizeof cell->halo);
    return c;
}

/* Library, netlist, constraints and IR of a description; grid and margin
 * override the description's when positive / non-negative. */
static int fx_build(const fx_desc *d, int32_t grid, int32_t margin, fixture *f)
{
    memset(f, 0, sizeof *f);
    f->lib = lay_lib_new("t", NULL);
    int layer = lay_layer_add(f->lib, "met1", 68, 20, 16, 5);
    int cells[8];
    for (int i = 0; i < d->ncells; i++) cells[i] = add_cell(f->lib, layer, &d->cells[i]);
    f->nl = netlist_new("t");
    f->dev_cell = calloc((size_t)d->ndevs + 1, sizeof *f->dev_cell);
    for (int i = 0; i < d->ndevs; i++) {
        const fx_dev *v = &d->devs[i];
        int two = v->cell < 0 || d->cells[v->cell].two;
        int dev = v->cell < 0 ? netlist_device_add(f->nl, v->name, NL_VSRC, 'V', "")
                  : two       ? netlist_device_add(f->nl, v->name, NL_RES, 'R', "sky130_fd_pr__res_generic_po")
                              : netlist_device_add(f->nl, v->name, NL_NMOS, 'X', "sky130_fd_pr__nfet_01v8");
        static const char *const mos[3] = {"D", "G", "S"}, *const res[3] = {"P", "N", NULL};
        for (int p = 0; p < 3; p++) {
            const char *role = two ? res[p] : mos[p];
            if (!role || !v->net[p]) continue;
            netlist_device_add_pin(f->nl, dev, role, netlist_net_get(f->nl, v->net[p]));
        }
        f->dev_cell[dev] = v->cell < 0 ? -1 : cells[v->cell];
    }
    for (int g = 0; g < 3 && d->groups[g][0]; g++) {
        int n = 0;
        while (n < 4 && d->groups[g][n]) n++;
        halo_err err;
        if (constraints_match(f->nl, d->groups[g], n, "test", &err) != 0) return -1;
    }
    halo_err err;
    return place_ir_init(&f->ir, f->lib, f->nl, f->dev_cell, grid > 0 ? grid : d->grid,
                         margin >= 0 ? margin : d->margin, &err);
}

static void fx_free(fixture *f)
{
    place_ir_free(&f->ir);
    netlist_free(f->nl);
    lay_lib_free(f->lib);
    free(f->dev_cell);
}

/* ---------------------------------------------------------------- independent checks */

static int orient_ok(lay_orient o)
{
    return o == LAY_R0 || o == LAY_MX || o == LAY_MY || o == LAY_R180;
}

/* Left-right mirror by its definition (MY composed with o). */
static lay_orient mirror_lr(lay_orient o)
{
    switch (o) {
    case LAY_R0: return LAY_MY;
    case LAY_MY: return LAY_R0;
    case LAY_MX: return LAY_R180;
    case LAY_R180: return LAY_MX;
    default: return LAY_NORIENT;
    }
}

static lay_orient mirror_tb(lay_orient o)
{
    switch (o) {
    case LAY_R0: return LAY_MX;
    case LAY_MX: return LAY_R0;
    case LAY_MY: return LAY_R180;
    case LAY_R180: return LAY_MY;
    default: return LAY_NORIENT;
    }
}

/* Keep-out margins in orientation o, by transforming the keep-out box with
 * the layout module's own orientation definitions. */
static void my_keepout(const place_item *it, lay_orient o, int32_t k[4])
{
    lay_xform t = {o, 0, 0};
    lay_box dev = lay_xform_box(&t, lay_box_make(0, 0, it->w, it->h));
    lay_box ko = lay_xform_box(&t, lay_box_make(-it->keepout[0], -it->keepout[1], it->w + it->keepout[2],
                                                it->h + it->keepout[3]));
    k[0] = dev.x0 - ko.x0;
    k[1] = dev.y0 - ko.y0;
    k[2] = ko.x1 - dev.x1;
    k[3] = ko.y1 - dev.y1;
}

#define BAD(...)                                                  \
    do {                                                          \
        if (bad++ == 0 && why) snprintf(why, whylen, __VA_ARGS__); \
    } while (0)

/* The invariants of place.h, by brute force; returns the violations. */
static int indep_check(const place_ir *ir, char *why, size_t whylen)
{
    int bad = 0;
    if (why && whylen) why[0] = 0;
    if (!ir->placed) BAD("not placed");
    lay_box B = ir->boundary;
    if (B.x0 != 0 || B.y0 != 0 || B.x1 <= 0 || B.y1 <= 0) BAD("boundary %d %d %d %d", B.x0, B.y0, B.x1, B.y1);
    for (int i = 0; i < ir->n; i++) {
        const place_item *a = &ir->items[i];
        if (!orient_ok(a->orient)) BAD("%s orientation %d", a->name, (int)a->orient);
        if (a->x % ir->grid != 0 || a->y % ir->grid != 0) BAD("%s off grid (%d, %d)", a->name, a->x, a->y);
        int32_t k[4];
        my_keepout(a, a->orient, k);
        lay_box h = a->halo;
        if ((int64_t)a->x - k[0] < h.x0 || (int64_t)a->y - k[1] < h.y0 ||
            (int64_t)a->x + a->w + k[2] > h.x1 || (int64_t)a->y + a->h + k[3] > h.y1)
            BAD("%s keep-out outside its halo", a->name);
        if (h.x0 < 0 || h.y0 < 0 || h.x1 > B.x1 || h.y1 > B.y1 || h.x0 >= h.x1 || h.y0 >= h.y1)
            BAD("%s halo outside the boundary", a->name);
        for (int j = i + 1; j < ir->n; j++) {
            lay_box g = ir->items[j].halo;
            if (h.x0 < g.x1 && g.x0 < h.x1 && h.y0 < g.y1 && g.y0 < h.y1)
                BAD("halos of %s and %s overlap", a->name, ir->items[j].name);
        }
        int p = a->partner;
        if (p < 0) {
            if (a->symclass != -1) BAD("%s unmatched with a class", a->name);
            continue;
        }
        if (p >= ir->n || ir->items[p].partner != i) {
            BAD("%s partner not mutual", a->name);
            continue;
        }
        int c = a->symclass;
        if (c < 0 || c >= ir->nclasses || ir->items[p].symclass != c) {
            BAD("%s bad class", a->name);
            continue;
        }
        int64_t ca = 2 * (int64_t)a->x + a->w;
        if (p == i) {
            if (2 * ca != ir->axis4[c]) BAD("%s off its axis", a->name);
            continue;
        }
        if (p < i) continue;
        const place_item *b = &ir->items[p];
        if (ca + 2 * (int64_t)b->x + b->w != ir->axis4[c]) BAD("%s/%s not mirrored", a->name, b->name);
        if (a->y != b->y) BAD("%s/%s different y", a->name, b->name);
        if (b->orient != mirror_lr(a->orient)) BAD("%s/%s orientations", a->name, b->name);
    }
    return bad;
}

/* What a fresh placement also guarantees: every halo is exactly the
 * keep-out box grown by the margin. */
static int fresh_check(const place_ir *ir, char *why, size_t whylen)
{
    int bad = 0;
    if (why && whylen) why[0] = 0;
    for (int i = 0; i < ir->n; i++) {
        const place_item *a = &ir->items[i];
        int32_t k[4], m = ir->margin;
        my_keepout(a, a->orient, k);
        lay_box want = lay_box_make(a->x - k[0] - m, a->y - k[1] - m, a->x + a->w + k[2] + m, a->y + a->h + k[3] + m);
        if (memcmp(&want, &a->halo, sizeof want) != 0) BAD("%s halo is not keep-out + margin", a->name);
    }
    return bad;
}

static int same_state(const place_ir *a, const place_ir *b)
{
    if (a->n != b->n || a->placed != b->placed || a->nclasses != b->nclasses) return 0;
    if (memcmp(&a->boundary, &b->boundary, sizeof a->boundary) != 0) return 0;
    for (int i = 0; i < a->n; i++) {
        const place_item *p = &a->items[i], *q = &b->items[i];
        if (p->x != q->x || p->y != q->y || p->orient != q->orient) return 0;
        if (memcmp(&p->halo, &q->halo, sizeof p->halo) != 0) return 0;
    }
    for (int c = 0; c < a->nclasses; c++)
        if (a->axis4[c] != b->axis4[c]) return 0;
    return 1;
}

/* Item of a device name, -1 when absent. */
static int item(const fixture *f, const char *name)
{
    return place_find(&f->ir, name);
}

static const lay_orient ORIENTS[4] = {LAY_R0, LAY_MX, LAY_MY, LAY_R180};

static void shuffle(int *a, int n, halo_rng *r)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(r, (uint64_t)i + 1), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

static void my_random_state(int n, sp_state *s, halo_rng *r)
{
    for (int i = 0; i < n; i++) {
        s->gp[i] = s->gm[i] = i;
        s->orient[i] = ORIENTS[rng_below(r, 4)];
    }
    shuffle(s->gp, n, r);
    shuffle(s->gm, n, r);
}

/* ---------------------------------------------------------------- basics */

TEST(keepout_mirror_and_pins_follow_the_orientation_definitions)
{
    const lay_orient os[4] = {LAY_R0, LAY_MX, LAY_MY, LAY_R180};
    place_item it;
    memset(&it, 0, sizeof it);
    it.w = 1000;
    it.h = 600;
    it.keepout[0] = 10;
    it.keepout[1] = 20;
    it.keepout[2] = 30;
    it.keepout[3] = 40;
    place_pin pin = {0, 2 * 100 + 5, 2 * 450};   /* centre (102.5, 450) */
    for (int k = 0; k < 4; k++) {
        int32_t a[4], b[4];
        place_keepout(&it, os[k], a);
        my_keepout(&it, os[k], b);
        for (int s = 0; s < 4; s++) CHECK_INT(a[s], b[s]);
        CHECK_INT(place_mirror_x(os[k]), mirror_lr(os[k]));
        CHECK_INT(place_mirror_y(os[k]), mirror_tb(os[k]));
        CHECK_INT(place_mirror_x(place_mirror_x(os[k])), os[k]);
        /* pin centre: transform, then put the device box's corner at (x, y) */
        lay_xform t = {os[k], 0, 0};
        lay_box dev = lay_xform_box(&t, lay_box_make(0, 0, it.w, it.h));
        lay_box pb = lay_xform_box(&t, lay_box_make(100, 400, 105, 500));
        int64_t px2, py2;
        place_pin_pos2(&it, &pin, os[k], 3000, 7000, &px2, &py2);
        CHECK_INT(px2, 2 * 3000 + (pb.x0 + pb.x1) - 2 * dev.x0);
        CHECK_INT(py2, 2 * 7000 + (pb.y0 + pb.y1) - 2 * dev.y0);
    }
    /* MX flips top-bottom: the values worked by hand */
    int32_t k[4];
    place_keepout(&it, LAY_MX, k);
    CHECK_INT(k[0], 10);
    CHECK_INT(k[1], 40);
    CHECK_INT(k[2], 30);
    CHECK_INT(k[3], 20);
}

TEST(ir_init_pairs_classes_and_errors)
{
    for (int fi = 0; fi < N_ALL_FX; fi++) {
        const fx_desc *d = ALL_FX[fi];
        fixture f;
        CHECK_INT(fx_build(d, -1, -1, &f), 0);
        int cells = 0;
        for (int i = 0; i < d->ndevs; i++) cells += d->devs[i].cell >= 0;
        CHECK_INT(f.ir.n, cells);
        CHECK_INT(f.ir.nclasses, d->nclasses);
        CHECK(!f.ir.placed);
        /* partners: members in device order pair up, an odd last one is alone */
        int matched = 0;
        for (int g = 0; g < 3 && d->groups[g][0]; g++) {
            int n = 0;
            while (n < 4 && d->groups[g][n]) n++;
            matched += n;
            for (int j = 0; j + 1 < n; j += 2) {
                int a = item(&f, d->groups[g][j]), b = item(&f, d->groups[g][j + 1]);
                CHECK(a >= 0 && b >= 0);
                if (a < 0 || b < 0) continue;
                CHECK_INT(f.ir.items[a].partner, b);
                CHECK_INT(f.ir.items[b].partner, a);
                CHECK_INT(f.ir.items[b].orient, mirror_lr(f.ir.items[a].orient));
            }
            if (n % 2) {
                int a = item(&f, d->groups[g][n - 1]);
                CHECK(a >= 0);
                if (a >= 0) CHECK_INT(f.ir.items[a].partner, a);
            }
        }
        int with_partner = 0;
        for (int i = 0; i < f.ir.n; i++) {
            with_partner += f.ir.items[i].partner >= 0;
            CHECK_INT(f.ir.items[i].partner >= 0, f.ir.items[i].symclass >= 0);
        }
        CHECK_INT(with_partner, matched);
        fx_free(&f);
    }
    /* the two classes of FX_ODD: the odd group's widths, the other pair's */
    fixture f;
    CHECK_INT(fx_build(&FX_ODD, -1, -1, &f), 0);
    CHECK_INT(f.ir.items[item(&f, "M1")].symclass, f.ir.items[item(&f, "M3")].symclass);
    CHECK(f.ir.items[item(&f, "M1")].symclass != f.ir.items[item(&f, "M4")].symclass);
    fx_free(&f);
    /* the device without a cell has no item */
    CHECK_INT(fx_build(&FX_PAIR, -1, -1, &f), 0);
    CHECK_INT(item(&f, "V1"), -1);
    CHECK(item(&f, "R2") >= 0);
    fx_free(&f);
    /* errors */
    halo_err err;
    place_ir ir;
    CHECK_INT(fx_build(&FX_PAIR, -1, -1, &f), 0);
    CHECK(place_ir_init(&ir, f.lib, f.nl, f.dev_cell, 0, 0, &err) != 0);
    CHECK(place_ir_init(&ir, f.lib, f.nl, f.dev_cell, 7, 0, &err) != 0);
    CHECK(place_ir_init(&ir, f.lib, f.nl, f.dev_cell, 10, -5, &err) != 0);
    CHECK(place_ir_init(&ir, f.lib, f.nl, f.dev_cell, 10, 12, &err) != 0);
    int none[10];
    for (int i = 0; i < 10; i++) none[i] = -1;
    CHECK(place_ir_init(&ir, f.lib, f.nl, none, 10, 0, &err) != 0);
    CHECK(place_ir_init(&ir, f.lib, f.nl, NULL, 10, 0, &err) != 0);
    fx_free(&f);
}

/* ---------------------------------------------------------------- place_run */

TEST(place_run_is_legal_for_every_seed_and_mode)
{
    static const place_objective objs[3] = {PLACE_OBJ_HPWL, PLACE_OBJ_AREA, PLACE_OBJ_BOTH};
    char why[400], why2[400], why3[400];
    for (int fi = 0; fi < N_ALL_FX; fi++) {
        fixture f;
        CHECK_INT(fx_build(ALL_FX[fi], -1, -1, &f), 0);
        for (int seed = 1; seed <= 30; seed++)
            for (int mode = 0; mode < 3; mode++) {
                /* random samples: every other seed (ten ILPs a run, and the
                 * ILP spends its 300 ms on candidates the packing cannot place) */
                if (mode == 2 && seed % 2) continue;
                place_opts o = {(uint64_t)seed * 7919u, mode == 1 ? 0.3 : 0.0, objs[seed % 3], mode == 2 ? 10 : 0, 0};
                place_ir run;
                place_ir_copy(&run, &f.ir);
                place_stats st;
                halo_err err;
                int rc = place_run(&run, &o, &st, &err);
                CHECK_INT(rc, 0);
                int nc = place_check(&run, why, sizeof why), ni = indep_check(&run, why2, sizeof why2);
                int nf = fresh_check(&run, why3, sizeof why3);
                if (rc != 0 || nc != 0 || ni != 0 || nf != 0) {
                    printf("    %s seed %d mode %d: place_check %d (%s), independent %d (%s), fresh %d (%s)\n",
                           ALL_FX[fi]->label, seed, mode, nc, why, ni, why2, nf, why3);
                    CHECK(0);
                }
                CHECK_NEAR(st.hpwl_nm, place_hpwl(&run), 1e-6);
                CHECK_NEAR(st.bbox_area_nm2, (double)run.boundary.x1 * run.boundary.y1, 0.5);
                CHECK(st.ilp_calls >= 1);
                CHECK(place_halo_area(&run) <= (double)run.boundary.x1 * run.boundary.y1);
                CHECK(place_device_area(&run) < place_halo_area(&run) || run.margin == 0);
                place_ir_free(&run);
                if (*unit_failed_) {
                    fx_free(&f);
                    return;
                }
            }
        fx_free(&f);
    }
}

TEST(place_run_is_deterministic)
{
    for (int fi = 0; fi < N_ALL_FX; fi++) {
        fixture f;
        CHECK_INT(fx_build(ALL_FX[fi], -1, -1, &f), 0);
        for (int seed = 1; seed <= 6; seed++)
            for (int mode = 0; mode < 3; mode++) {
                place_opts o = {(uint64_t)seed, mode == 1 ? 0.3 : 0.0, PLACE_OBJ_BOTH, mode == 2 ? 10 : 0, 0};
                place_ir r1, r2;
                place_ir_copy(&r1, &f.ir);
                place_ir_copy(&r2, &f.ir);
                place_stats s1, s2;
                halo_err err;
                CHECK_INT(place_run(&r1, &o, &s1, &err), 0);
                CHECK_INT(place_run(&r2, &o, &s2, &err), 0);
                CHECK(same_state(&r1, &r2));
                CHECK_INT(s1.moves, s2.moves);
                CHECK_INT(s1.accepted, s2.accepted);
                CHECK(s1.cost == s2.cost);
                place_ir_free(&r1);
                place_ir_free(&r2);
            }
        fx_free(&f);
    }
}

/* The same design with its devices in another order is the same problem:
 * place_run must place it.  (The orders listed first once made the initial
 * pair's packing not settle and the ILP, started from nothing, give up:
 * place_run returned -1.) */
TEST(place_run_places_every_device_order)
{
    static const char *const orders[][8] = {
        {"M5", "M7", "M1", "M3", "M4", "R1", "M6", "M2"},
        {"M2", "M7", "M3", "M4", "M5", "R1", "M6", "M1"},
        {"M2", "M7", "M5", "M3", "M4", "R1", "M6", "M1"},
        {"M2", "M3", "M7", "M4", "M1", "M6", "M5", "R1"},
    };
    const int nfixed = (int)(sizeof orders / sizeof orders[0]);
    halo_rng r;
    rng_seed(&r, 77);
    char why[400];
    for (int t = 0; t < nfixed + 16; t++) {
        fx_desc d = FX_MIXED;
        int perm[8];
        for (int i = 0; i < 8; i++) perm[i] = i;
        if (t < nfixed) {
            for (int i = 0; i < 8; i++)
                for (int j = 0; j < 8; j++)
                    if (strcmp(FX_MIXED.devs[j].name, orders[t][i]) == 0) perm[i] = j;
        } else {
            shuffle(perm, 8, &r);
        }
        for (int i = 0; i < 8; i++) d.devs[i] = FX_MIXED.devs[perm[i]];
        fixture f;
        CHECK_INT(fx_build(&d, -1, -1, &f), 0);
        place_opts o = {1, 0.0, PLACE_OBJ_BOTH, 0, 0};
        place_stats st;
        halo_err err;
        int rc = place_run(&f.ir, &o, &st, &err);
        if (rc != 0) {
            printf("    order");
            for (int i = 0; i < 8; i++) printf(" %s", d.devs[i].name);
            printf(": place_run %d: %s\n", rc, err.msg);
        }
        CHECK_INT(rc, 0);
        if (rc == 0) {
            int v = place_check(&f.ir, why, sizeof why) + indep_check(&f.ir, NULL, 0);
            CHECK_INT(v, 0);
        }
        fx_free(&f);
    }
}

/* ---------------------------------------------------------------- checker */

/* A legal placement of FX_MIXED: margin 45 leaves 45 nm of slack around
 * every keep-out, enough for one 20 nm grid step. */
static void mixed_placed(fixture *f)
{
    fx_build(&FX_MIXED, -1, -1, f);
    place_opts o = {3, 0.0, PLACE_OBJ_BOTH, 0, 0};
    place_stats st;
    halo_err err;
    place_run(&f->ir, &o, &st, &err);
}

typedef struct corrupt_case {
    const char *what;
    int exact;               /* place_check's count, or -1: at least one */
    const char *word;        /* in the description */
} corrupt_case;

TEST(checker_catches_each_violation)
{
    fixture f;
    mixed_placed(&f);
    char why[400];
    CHECK_INT(place_check(&f.ir, why, sizeof why), 0);
    CHECK_INT(indep_check(&f.ir, NULL, 0), 0);
    int r1 = item(&f, "R1"), m1 = item(&f, "M1"), m2 = item(&f, "M2"), m7 = item(&f, "M7");
    CHECK(r1 >= 0 && m1 >= 0 && m2 >= 0 && m7 >= 0);
    CHECK_INT(f.ir.items[m7].partner, m7);
    CHECK_INT(f.ir.items[r1].partner, -1);
    if (*unit_failed_) {
        fx_free(&f);
        return;
    }
    static const corrupt_case cases[] = {
        {"overlapping halos", -1, "overlap"},
        {"off-grid x", 1, "grid"},
        {"off-grid y", 1, "grid"},
        {"device leaves its halo (x)", 1, "leaves its halo"},
        {"device leaves its halo (y)", 1, "leaves its halo"},
        {"halo outside the boundary", -1, "leaves the boundary"},
        {"halo left of the origin", 1, "leaves the boundary"},
        {"boundary not at the origin", -1, "(0, 0)"},
        {"pair member moved in x", 1, "not mirrored"},
        {"pair member moved in y", 1, "same y"},
        {"partner orientation", 1, "mirror-oriented"},
        {"orientation R90", 1, "R90"},
        {"pair member R90", -1, "R90"},
        {"lone member off the axis", 1, "centred"},
        {"axis moved", 4, "axis"},
        {"nothing placed", 1, "placed"},
    };
    int g = f.ir.grid;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        place_ir c;
        place_ir_copy(&c, &f.ir);
        place_item *R = &c.items[r1], *A = &c.items[m1], *B = &c.items[m2], *L = &c.items[m7];
        switch (k) {
        case 0: R->halo = lay_box_union(R->halo, A->halo); break;
        case 1: R->x += 5; break;
        case 2: R->y += 5; break;
        case 3: R->x -= 3 * g; break;
        case 4: R->y += 3 * g; break;
        case 5: c.boundary.x1 -= g; break;
        case 6:   /* moved with its halo to the left of the origin, clear of the others */
            R->x = -4000;
            R->halo = lay_box_make(R->x - 45, R->y - 45, R->x + R->w + 45, R->y + R->h + 45);
            break;
        case 7: c.boundary.x0 = -g; c.boundary.y0 = -g; break;
        case 8: B->x += g; break;
        case 9: B->y += g; break;
        case 10: B->orient = A->orient; break;   /* left-right symmetric keep-out: stays in its halo */
        case 11: R->orient = LAY_R90; break;
        case 12: A->orient = LAY_R90; break;
        case 13: L->x += g; break;
        case 14: c.axis4[0] += 8 * g; break;
        case 15: c.placed = 0; break;
        }
        int n = place_check(&c, why, sizeof why), ni = indep_check(&c, NULL, 0);
        if ((cases[k].exact >= 0 ? n != cases[k].exact : n < 1) || !strstr(why, cases[k].word) || ni < 1) {
            printf("    %s: place_check %d \"%s\", independent %d\n", cases[k].what, n, why, ni);
            CHECK(0);
        }
        CHECK_INT(place_check(&c, NULL, 0), n);
        place_ir_free(&c);
    }
    fx_free(&f);
}

/* ---------------------------------------------------------------- sequence pairs */

/* Symmetric feasibility and mirrored orientations of a state, by brute
 * force over all item pairs.  Returns the violations. */
static int feasibility_violations(const place_ir *ir, const sp_state *s)
{
    int n = ir->n, bad = 0;
    int pp[16], pm[16];
    for (int k = 0; k < n; k++) pp[k] = pm[k] = -1;
    for (int k = 0; k < n; k++) {
        pp[s->gp[k]] = k;
        pm[s->gm[k]] = k;
    }
    for (int i = 0; i < n; i++)
        if (pp[i] < 0 || pm[i] < 0) bad++;   /* not a permutation */
    if (bad) return bad;
    for (int u = 0; u < n; u++) {
        const place_item *a = &ir->items[u];
        if (a->partner < 0) continue;
        if (a->partner != u) {
            /* pair members related horizontally */
            int p = a->partner;
            if ((pp[u] < pp[p]) != (pm[u] < pm[p])) bad++;
            if (s->orient[p] != mirror_lr(s->orient[u])) bad++;
        }
        for (int v = 0; v < n; v++) {
            const place_item *b = &ir->items[v];
            if (v == u || b->partner < 0 || b->symclass != a->symclass) continue;
            if ((pp[u] < pp[v]) != (pm[b->partner] < pm[a->partner])) bad++;
        }
    }
    return bad;
}

TEST(repair_gives_symmetric_feasibility)
{
    const fx_desc *fx[] = {&FX_PAIR, &FX_ODD, &FX_MIXED, &FX_TWO, &FX_PLAIN};
    halo_rng r;
    rng_seed(&r, 11);
    for (size_t fi = 0; fi < sizeof fx / sizeof fx[0]; fi++) {
        fixture f;
        CHECK_INT(fx_build(fx[fi], -1, -1, &f), 0);
        sp_ctx c;
        halo_err err;
        CHECK_INT(sp_ctx_init(&c, &f.ir, &err), 0);
        int n = f.ir.n;
        sp_state s, before, again;
        sp_state_init(&s, n);
        sp_state_init(&before, n);
        sp_state_init(&again, n);
        int infeasible_before = 0;
        for (int t = 0; t < 3000; t++) {
            my_random_state(n, &s, &r);
            sp_state_copy(&before, &s);
            infeasible_before += feasibility_violations(&f.ir, &s) > 0;
            place_sp_repair(&c, &s);
            int v = feasibility_violations(&f.ir, &s);
            CHECK_INT(v, 0);
            /* gp untouched; gm changes only at symmetric items' slots */
            CHECK(memcmp(s.gp, before.gp, (size_t)n * sizeof *s.gp) == 0);
            for (int k = 0; k < n; k++) {
                if (f.ir.items[before.gm[k]].partner < 0) CHECK_INT(s.gm[k], before.gm[k]);
                else CHECK(f.ir.items[s.gm[k]].partner >= 0);
            }
            /* first members keep their orientation */
            for (int i = 0; i < n; i++)
                if (f.ir.items[i].partner < 0 || f.ir.items[i].partner >= i) CHECK_INT(s.orient[i], before.orient[i]);
            /* idempotent */
            sp_state_copy(&again, &s);
            place_sp_repair(&c, &again);
            CHECK(sp_state_equal(&again, &s));
            /* place_sp_random is repaired too */
            place_sp_random(&c, &again, &r);
            CHECK_INT(feasibility_violations(&f.ir, &again), 0);
            if (*unit_failed_) break;
        }
        /* the generator made infeasible pairs: the repair had work to do */
        if (f.ir.nclasses > 0) CHECK(infeasible_before > 1000);
        place_sp_initial(&c, &s);
        CHECK_INT(feasibility_violations(&f.ir, &s), 0);
        sp_state_free(&s);
        sp_state_free(&before);
        sp_state_free(&again);
        sp_ctx_free(&c);
        fx_free(&f);
        if (*unit_failed_) return;
    }
}

/* Commit a geometry into a copy of the IR and run both checkers. */
static int committed_violations(const sp_ctx *c, const sp_state *s, const sp_geom *g, const place_ir *ir,
                                char *why, size_t whylen)
{
    place_ir t;
    place_ir_copy(&t, ir);
    place_sp_commit(c, s, g, &t);
    int n = place_check(&t, why, whylen);
    n += indep_check(&t, n ? NULL : why, whylen);
    n += fresh_check(&t, n ? NULL : why, whylen);
    if (t.boundary.x1 != g->width || t.boundary.y1 != g->height) n++;
    /* the sequence pair's HPWL is the IR's */
    if (fabs(place_sp_hpwl(c, s, g) - place_hpwl(&t)) > 1e-6) n++;
    place_ir_free(&t);
    return n;
}

TEST(ilp_never_loses_to_the_packing_and_both_are_legal)
{
    const fx_desc *fx[] = {&FX_PAIR, &FX_ODD, &FX_MIXED, &FX_TWO, &FX_PLAIN};
    halo_rng r;
    rng_seed(&r, 5);
    char why[400];
    for (size_t fi = 0; fi < sizeof fx / sizeof fx[0]; fi++) {
        fixture f;
        CHECK_INT(fx_build(fx[fi], -1, -1, &f), 0);
        sp_ctx c;
        halo_err err;
        sp_ctx_init(&c, &f.ir, &err);
        int n = f.ir.n, packed = 0, trials = 60;
        sp_state s;
        sp_state_init(&s, n);
        sp_geom gp, gi, gn;
        sp_geom_init(&gp, n);
        sp_geom_init(&gi, n);
        sp_geom_init(&gn, n);
        for (int t = 0; t < trials; t++) {
            if (t % 2) {
                my_random_state(n, &s, &r);
                place_sp_repair(&c, &s);
            } else {
                place_sp_random(&c, &s, &r);
            }
            int prc = place_sp_pack(&c, &s, &gp);
            /* started from the packing when there is one, as the placer does */
            int irc = place_ilp_solve(&c, &s, 0, 1, 1, prc == 0 ? &gp : NULL, &gi);
            CHECK_INT(irc, 0);   /* a symmetric-feasible pair always has a solution */
            /* and on its own: optimal to within the 0.1 % gap */
            int nrc = place_ilp_solve(&c, &s, 0, 1, 1, NULL, &gn);
            CHECK_INT(nrc, 0);
            if (nrc == 0) {
                CHECK_INT(committed_violations(&c, &s, &gn, &f.ir, why, sizeof why), 0);
                if (prc == 0) {
                    CHECK((double)gn.width <= 1.001 * gp.width);
                    CHECK((double)gn.height <= 1.001 * gp.height);
                }
            }
            if (irc == 0) {
                int v = committed_violations(&c, &s, &gi, &f.ir, why, sizeof why);
                if (v) printf("    %s trial %d: ILP geometry: %d violations: %s\n", fx[fi]->label, t, v, why);
                CHECK_INT(v, 0);
            }
            if (prc == 0) {
                packed++;
                int v = committed_violations(&c, &s, &gp, &f.ir, why, sizeof why);
                if (v) printf("    %s trial %d: packing: %d violations: %s\n", fx[fi]->label, t, v, why);
                CHECK_INT(v, 0);
                if (irc == 0) {
                    if (gi.width > gp.width || gi.height > gp.height)
                        printf("    %s trial %d: ILP %d x %d, packing %d x %d\n", fx[fi]->label, t, gi.width,
                               gi.height, gp.width, gp.height);
                    CHECK(gi.width <= gp.width);
                    CHECK(gi.height <= gp.height);
                }
            }
            if (*unit_failed_) break;
        }
        /* the pushes settle for most pairs (FX_MIXED: about 3 in 4) */
        CHECK(packed > trials / 2);
        sp_state_free(&s);
        sp_geom_free(&gp);
        sp_geom_free(&gi);
        sp_geom_free(&gn);
        sp_ctx_free(&c);
        fx_free(&f);
        if (*unit_failed_) return;
    }
}

/* FX_ODD has two classes: {M1 M2 M3} and {M4 M5}.  With gp = M3 M4 M1 M2
 * M5 M6 R1 and gm = M1 M4 M5 M2 M3 M6 R1 each class is symmetric-feasible
 * on its own (a repair class by class leaves the pair as it is), but M1 is
 * below M4 and M5 below M2, so y(M1) = y(M2) and y(M4) = y(M5) cannot both
 * hold.  The repair must not leave such a pair. */
TEST(pairs_of_two_classes_stay_vertically_feasible)
{
    fixture f;
    CHECK_INT(fx_build(&FX_ODD, -1, -1, &f), 0);
    CHECK_INT(f.ir.nclasses, 2);
    sp_ctx c;
    halo_err err;
    sp_ctx_init(&c, &f.ir, &err);
    int n = f.ir.n;
    sp_state s, t;
    sp_state_init(&s, n);
    sp_state_init(&t, n);
    sp_geom g;
    sp_geom_init(&g, n);
    static const char *const gp[7] = {"M3", "M4", "M1", "M2", "M5", "M6", "R1"};
    static const char *const gm[7] = {"M1", "M4", "M5", "M2", "M3", "M6", "R1"};
    for (int k = 0; k < n; k++) {
        s.gp[k] = item(&f, gp[k]);
        s.gm[k] = item(&f, gm[k]);
    }
    for (int i = 0; i < n; i++) s.orient[i] = LAY_R0;
    s.orient[item(&f, "M2")] = s.orient[item(&f, "M5")] = LAY_MY;
    sp_state_copy(&t, &s);
    place_sp_repair(&c, &s);
    char why[400];
    /* whatever the repair makes of it, the result must be placeable */
    int prc = place_sp_pack(&c, &s, &g);
    if (prc == 0) CHECK_INT(committed_violations(&c, &s, &g, &f.ir, why, sizeof why), 0);
    int irc = place_ilp_solve(&c, &s, 0, 1, 1, NULL, &g);
    if (irc != 0)
        printf("    repaired state %s the input: packing %d, ILP %d\n", sp_state_equal(&s, &t) ? "is" : "is not", prc,
               irc);
    CHECK_INT(irc, 0);
    if (irc == 0) CHECK_INT(committed_violations(&c, &s, &g, &f.ir, why, sizeof why), 0);
    /* and random repaired pairs */
    halo_rng r;
    rng_seed(&r, 23);
    int failed = 0;
    for (int k = 0; k < 300; k++) {
        place_sp_random(&c, &s, &r);
        if (place_sp_pack(&c, &s, &g) == 0) {
            CHECK_INT(committed_violations(&c, &s, &g, &f.ir, why, sizeof why), 0);
            continue;
        }
        if (place_ilp_solve(&c, &s, 0, 1, 1, NULL, &g) != 0) failed++;
        else CHECK_INT(committed_violations(&c, &s, &g, &f.ir, why, sizeof why), 0);
    }
    if (failed) printf("    %d of 300 random repaired pairs have no placement\n", failed);
    CHECK_INT(failed, 0);
    sp_state_free(&s);
    sp_state_free(&t);
    sp_geom_free(&g);
    sp_ctx_free(&c);
    fx_free(&f);
}

/* With wirelength in the objective the ILP must always give an answer
 * (started from the packing, or from its own area-only solve when the
 * packing does not settle), legal, and no worse than the packing by its
 * own objective.  (How fast it is, is for the benchmark to say.) */
TEST(ilp_with_wirelength_always_answers_and_beats_the_packing)
{
    const fx_desc *fx[] = {&FX_PAIR, &FX_MIXED, &FX_ODD};
    halo_rng r;
    rng_seed(&r, 41);
    char why[400];
    for (size_t fi = 0; fi < sizeof fx / sizeof fx[0]; fi++) {
        fixture f;
        CHECK_INT(fx_build(fx[fi], -1, -1, &f), 0);
        sp_ctx c;
        halo_err err;
        sp_ctx_init(&c, &f.ir, &err);
        int n = f.ir.n, hinted = 0;
        sp_state s;
        sp_state_init(&s, n);
        sp_geom gp, gh;
        sp_geom_init(&gp, n);
        sp_geom_init(&gh, n);
        for (int t = 0; t < 15; t++) {
            place_sp_random(&c, &s, &r);
            double w = t % 3 == 0 ? 0.05 : t % 3 == 1 ? 0.2 : 1.0;
            int prc = place_sp_pack(&c, &s, &gp);
            int hrc = place_ilp_solve(&c, &s, 1, w, w, prc == 0 ? &gp : NULL, &gh);
            if (hrc != 0)
                printf("    %s trial %d (weights 1, %g, %g): ILP returned %d\n", fx[fi]->label, t, w, w, hrc);
            CHECK_INT(hrc, 0);
            if (prc != 0) {
                /* no start given: its own start, a legal answer */
                if (hrc == 0) CHECK_INT(committed_violations(&c, &s, &gh, &f.ir, why, sizeof why), 0);
                continue;
            }
            hinted++;
            CHECK_INT(hrc, 0);
            if (hrc == 0) {
                CHECK_INT(committed_violations(&c, &s, &gh, &f.ir, why, sizeof why), 0);
                double ilp = place_sp_hpwl(&c, &s, &gh) + w * ((double)gh.width + gh.height);
                double pack = place_sp_hpwl(&c, &s, &gp) + w * ((double)gp.width + gp.height);
                if (ilp > pack + 1e-6) printf("    %s trial %d: ILP cost %.1f, packing %.1f\n", fx[fi]->label, t, ilp, pack);
                CHECK(ilp <= pack + 1e-6);
            }
            if (*unit_failed_) break;
        }
        CHECK(hinted >= 7);
        sp_state_free(&s);
        sp_geom_free(&gp);
        sp_geom_free(&gh);
        sp_ctx_free(&c);
        fx_free(&f);
        if (*unit_failed_) return;
    }
}

TEST(ilp_and_packing_match_a_hand_computation)
{
    /* grid 20, margin 15; halo margins in R0 (keep-out + 15):
     *   M1 1005 x 500  l 205 b 315 r 205 t 115
     *   M2  500 x 800  l  70 b  35 r  50 t  55
     *   R1  735 x 300  l  15 b  15 r  15 t  15
     * In a row (gp = gm = 0 1 2):
     *   x1 = ceil(205 / 20) 20 = 220
     *   x2 = 220 + ceil((1005 + 205 + 70) / 20) 20 = 220 + 1280 = 1500
     *   x3 = 1500 + ceil((500 + 50 + 15) / 20) 20 = 1500 + 580 = 2080
     *   width = 2080 + 735 + 15 = 2830
     *   height = max(ceil(315/20) 20 + 500 + 115, ceil(35/20) 20 + 800 + 55, 20 + 300 + 15)
     *          = max(935, 895, 335) = 935
     * Stacked (gp = 2 1 0, gm = 0 1 2: M1 below M2 below R1):
     *   y1 = 320, y2 = 320 + ceil((500 + 115 + 35) / 20) 20 = 980,
     *   y3 = 980 + ceil((800 + 55 + 15) / 20) 20 = 1860, height = 1860 + 300 + 15 = 2175
     *   width = max(220 + 1005 + 205, 80 + 500 + 50, 20 + 735 + 15) = 1430 */
    fixture f;
    CHECK_INT(fx_build(&FX_ROW, -1, -1, &f), 0);
    CHECK_INT(f.ir.n, 3);
    sp_ctx c;
    halo_err err;
    sp_ctx_init(&c, &f.ir, &err);
    sp_state s;
    sp_state_init(&s, 3);
    sp_geom g;
    sp_geom_init(&g, 3);
    for (int i = 0; i < 3; i++) {
        s.gp[i] = s.gm[i] = i;
        s.orient[i] = LAY_R0;
    }
    for (int how = 0; how < 2; how++) {
        int rc = how ? place_sp_pack(&c, &s, &g) : place_ilp_solve(&c, &s, 0, 1, 1, NULL, &g);
        CHECK_INT(rc, 0);
        CHECK_INT(g.width, 2830);
        CHECK_INT(g.height, 935);
        CHECK_INT(g.x[0], 220);
        CHECK_INT(g.x[1], 1500);
        CHECK_INT(g.x[2], 2080);
        CHECK_INT(g.y[0], 320);   /* M2 and R1 have vertical slack: either may slide */
        CHECK(g.y[1] >= 40 && g.y[1] + 800 + 55 <= 935);
        CHECK(g.y[2] >= 20 && g.y[2] + 300 + 15 <= 935);
    }
    /* the three in a column */
    s.gp[0] = 2;
    s.gp[2] = 0;
    for (int how = 0; how < 2; how++) {
        int rc = how ? place_sp_pack(&c, &s, &g) : place_ilp_solve(&c, &s, 0, 1, 1, NULL, &g);
        CHECK_INT(rc, 0);
        CHECK_INT(g.height, 2175);
        CHECK_INT(g.width, 1430);
        CHECK_INT(g.y[0], 320);
        CHECK_INT(g.y[1], 980);
        CHECK_INT(g.y[2], 1860);
        CHECK_INT(g.x[0], 220);
    }
    sp_state_free(&s);
    sp_geom_free(&g);
    sp_ctx_free(&c);
    fx_free(&f);
}

/* ---------------------------------------------------------------- moves */

/* FX_MIXED on grid 10 with a 200 nm margin, placed. */
static void roomy_placed(fixture *f)
{
    fx_build(&FX_MIXED, 10, 200, f);
    place_opts o = {1, 0.0, PLACE_OBJ_BOTH, 0, 0};
    place_stats st;
    halo_err err;
    place_run(&f->ir, &o, &st, &err);
}

TEST(shift_and_flip_move_partners_and_refuse_illegal_moves)
{
    fixture f;
    roomy_placed(&f);
    CHECK_INT(place_check(&f.ir, NULL, 0), 0);
    int a = item(&f, "M1"), b = item(&f, "M2"), lone = item(&f, "M7"), r1 = item(&f, "R1");
    CHECK(a >= 0 && b >= 0 && lone >= 0 && r1 >= 0);
    if (*unit_failed_) {
        fx_free(&f);
        return;
    }
    place_ir snap;
    place_ir_copy(&snap, &f.ir);
    /* a pair member by (+100, +30): the partner by (-100, +30) */
    CHECK_INT(place_shift(&f.ir, a, 100, 30), 1);
    CHECK_INT(f.ir.items[a].x, snap.items[a].x + 100);
    CHECK_INT(f.ir.items[a].y, snap.items[a].y + 30);
    CHECK_INT(f.ir.items[b].x, snap.items[b].x - 100);
    CHECK_INT(f.ir.items[b].y, snap.items[b].y + 30);
    for (int i = 0; i < f.ir.n; i++)
        if (i != a && i != b) {
            CHECK_INT(f.ir.items[i].x, snap.items[i].x);
            CHECK_INT(f.ir.items[i].y, snap.items[i].y);
        }
    CHECK_INT(place_check(&f.ir, NULL, 0), 0);
    /* shifting the partner moves the first member mirrored, too */
    CHECK_INT(place_shift(&f.ir, b, 100, -30), 1);
    CHECK(same_state(&f.ir, &snap));
    /* out of the halo (margin 200): refused, nothing changes */
    CHECK_INT(place_shift(&f.ir, a, 210, 0), 0);
    CHECK(same_state(&f.ir, &snap));
    CHECK_INT(place_shift(&f.ir, a, -210, 0), 0);
    CHECK(same_state(&f.ir, &snap));
    CHECK_INT(place_shift(&f.ir, a, 0, 210), 0);
    CHECK(same_state(&f.ir, &snap));
    CHECK_INT(place_shift(&f.ir, r1, 0, -210), 0);
    CHECK(same_state(&f.ir, &snap));
    /* exactly to the edge is fine */
    CHECK_INT(place_shift(&f.ir, r1, 200, 0), 1);
    CHECK_INT(place_shift(&f.ir, r1, -200, 0), 1);
    CHECK(same_state(&f.ir, &snap));
    /* off the grid (10 nm): refused */
    CHECK_INT(place_shift(&f.ir, a, 5, 0), 0);
    CHECK_INT(place_shift(&f.ir, a, 0, 15), 0);
    CHECK_INT(place_shift(&f.ir, r1, 25, 0), 0);
    CHECK(same_state(&f.ir, &snap));
    /* the lone member stays on the axis: no dx, dy fine */
    CHECK_INT(place_shift(&f.ir, lone, 10, 0), 0);
    CHECK_INT(place_shift(&f.ir, lone, -10, 10), 0);
    CHECK(same_state(&f.ir, &snap));
    CHECK_INT(place_shift(&f.ir, lone, 0, 20), 1);
    CHECK_INT(f.ir.items[lone].y, snap.items[lone].y + 20);
    CHECK_INT(f.ir.items[lone].x, snap.items[lone].x);
    CHECK_INT(place_check(&f.ir, NULL, 0), 0);
    CHECK_INT(place_shift(&f.ir, lone, 0, -20), 1);
    CHECK(same_state(&f.ir, &snap));
    /* bad items, unplaced IRs */
    CHECK_INT(place_shift(&f.ir, -1, 0, 0), 0);
    CHECK_INT(place_shift(&f.ir, f.ir.n, 0, 0), 0);
    CHECK_INT(place_flip(&f.ir, f.ir.n, 1), 0);
    /* flip x of a pair member flips both (left-right symmetric keep-out) */
    lay_orient oa = f.ir.items[a].orient, ob = f.ir.items[b].orient;
    CHECK_INT(place_flip(&f.ir, a, 1), 1);
    CHECK_INT(f.ir.items[a].orient, mirror_lr(oa));
    CHECK_INT(f.ir.items[b].orient, mirror_lr(ob));
    CHECK_INT(place_check(&f.ir, NULL, 0), 0);
    CHECK_INT(place_flip(&f.ir, b, 1), 1);
    CHECK(same_state(&f.ir, &snap));
    /* flip y: keep-out bottom 300 / top 100 swaps, the margin of 200 absorbs it */
    CHECK_INT(place_flip(&f.ir, b, 0), 1);
    CHECK_INT(f.ir.items[a].orient, mirror_tb(oa));
    CHECK_INT(f.ir.items[b].orient, mirror_tb(ob));
    CHECK_INT(place_check(&f.ir, NULL, 0), 0);
    CHECK_INT(place_flip(&f.ir, b, 0), 1);
    CHECK(same_state(&f.ir, &snap));
    /* ... but not after a step of 10 away from the large keep-out's side:
     * flipped, it would leave the halo by 10 (R0, MY: 300 at the bottom) */
    int up = oa == LAY_R0 || oa == LAY_MY;
    CHECK_INT(place_shift(&f.ir, a, 0, up ? 10 : -10), 1);
    place_ir_copy_state(&snap, &f.ir);
    CHECK_INT(place_flip(&f.ir, a, 0), 0);
    CHECK_INT(place_flip(&f.ir, b, 0), 0);
    CHECK(same_state(&f.ir, &snap));
    CHECK_INT(place_flip(&f.ir, a, 1), 1);   /* left-right still fits */
    place_ir_free(&snap);
    fx_free(&f);

    /* margin 0: an asymmetric keep-out cannot flip inside its halo */
    CHECK_INT(fx_build(&FX_ODD, -1, -1, &f), 0);
    place_opts o = {2, 0.0, PLACE_OBJ_BOTH, 0, 0};
    place_stats st;
    halo_err err;
    CHECK_INT(place_run(&f.ir, &o, &st, &err), 0);
    place_ir_copy(&snap, &f.ir);
    int m6 = item(&f, "M6"), m1 = item(&f, "M1"), m2 = item(&f, "M2");
    CHECK_INT(place_flip(&f.ir, m6, 1), 0);   /* keep-out left 55 right 35 */
    CHECK_INT(place_flip(&f.ir, m6, 0), 0);   /* bottom 20 top 40 */
    CHECK_INT(place_flip(&f.ir, m1, 0), 0);   /* bottom 300 top 100 */
    CHECK_INT(place_shift(&f.ir, m6, 10, 0), 0);
    CHECK_INT(place_shift(&f.ir, m1, 0, -10), 0);
    CHECK(same_state(&f.ir, &snap));
    CHECK_INT(place_flip(&f.ir, m1, 1), 1);   /* left 190 right 190 */
    CHECK_INT(f.ir.items[m2].orient, mirror_lr(snap.items[m2].orient));
    CHECK_INT(place_check(&f.ir, NULL, 0), 0);
    place_ir_free(&snap);
    /* nothing placed: nothing moves */
    place_ir un;
    place_ir_copy(&un, &f.ir);
    un.placed = 0;
    CHECK_INT(place_shift(&un, m6, 0, 0), 0);
    CHECK_INT(place_flip(&un, m6, 1), 0);
    place_ir_free(&un);
    fx_free(&f);
}

TEST(random_moves_keep_the_placement_legal)
{
    fixture f;
    roomy_placed(&f);
    CHECK_INT(place_check(&f.ir, NULL, 0), 0);
    place_ir snap;
    place_ir_copy(&snap, &f.ir);
    halo_rng r;
    rng_seed(&r, 99);
    int applied = 0, refused = 0, n = f.ir.n;
    char why[400];
    for (int t = 0; t < 10000; t++) {
        place_ir_copy_state(&snap, &f.ir);
        int i = (int)rng_below(&r, (uint64_t)n), op = (int)rng_below(&r, 4), rc;
        int p = f.ir.items[i].partner;
        if (op < 2) {
            int32_t dx = ((int32_t)rng_below(&r, 21) - 10) * 20, dy = ((int32_t)rng_below(&r, 21) - 10) * 20;
            if (rng_below(&r, 8) == 0) dx += 5;
            if (rng_below(&r, 8) == 0) dy += 15;
            if (op == 1) dx = 0;
            rc = place_shift(&f.ir, i, dx, dy);
            if (rc) {
                CHECK_INT(f.ir.items[i].x, snap.items[i].x + dx);
                CHECK_INT(f.ir.items[i].y, snap.items[i].y + dy);
                if (p >= 0 && p != i) {
                    CHECK_INT(f.ir.items[p].x, snap.items[p].x - dx);
                    CHECK_INT(f.ir.items[p].y, snap.items[p].y + dy);
                }
                CHECK(dx % 10 == 0 && dy % 10 == 0);
                CHECK(p != i || dx == 0);
            }
        } else {
            rc = place_flip(&f.ir, i, op == 2);
            if (rc) {
                lay_orient (*m)(lay_orient) = op == 2 ? mirror_lr : mirror_tb;
                CHECK_INT(f.ir.items[i].orient, m(snap.items[i].orient));
                if (p >= 0 && p != i) CHECK_INT(f.ir.items[p].orient, m(snap.items[p].orient));
            }
        }
        if (rc) {
            applied++;
            for (int j = 0; j < n; j++)
                if (j != i && j != p) {
                    CHECK_INT(f.ir.items[j].x, snap.items[j].x);
                    CHECK_INT(f.ir.items[j].orient, snap.items[j].orient);
                }
        } else {
            refused++;
            CHECK(same_state(&f.ir, &snap));
        }
        int nc = place_check(&f.ir, why, sizeof why), ni = indep_check(&f.ir, NULL, 0);
        if (nc || ni) printf("    move %d (item %d op %d): place_check %d \"%s\", independent %d\n", t, i, op, nc, why, ni);
        CHECK_INT(nc, 0);
        CHECK_INT(ni, 0);
        if (*unit_failed_) break;
    }
    CHECK(applied > 1000);
    CHECK(refused > 1000);
    place_ir_free(&snap);
    fx_free(&f);
}

/* ---------------------------------------------------------------- HPWL, apply */

/* Two devices on a cell each: hA with its bounding box at the origin, hB
 * with its box at (-100, -50), so pins are taken relative to the box. */
static void hpwl_fixture(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->lib = lay_lib_new("t", NULL);
    int L = lay_layer_add(f->lib, "met1", 68, 20, 16, 5);
    int ca = lay_cell_new(f->lib, "hA");
    lay_cell *A = f->lib->cells[ca];
    lay_rect_add(A, L, lay_box_make(0, 0, 1000, 500), -1);
    lay_pin_add(A, "D", L, lay_box_make(0, 0, 105, 105));       /* (52.5, 52.5) */
    lay_pin_add(A, "G", L, lay_box_make(450, 400, 550, 500));   /* (500, 450) */
    lay_pin_add(A, "S", L, lay_box_make(900, 0, 1000, 100));    /* (950, 50) */
    int cb = lay_cell_new(f->lib, "hB");
    lay_cell *B = f->lib->cells[cb];
    lay_rect_add(B, L, lay_box_make(-100, -50, 900, 450), -1);
    lay_pin_add(B, "D", L, lay_box_make(-100, -50, 0, 50));     /* (50, 50) from the box corner */
    lay_pin_add(B, "G", L, lay_box_make(350, 250, 450, 350));   /* (500, 350) */
    lay_pin_add(B, "S", L, lay_box_make(800, -50, 900, 50));    /* (950, 50) */
    f->nl = netlist_new("h");
    int n1 = netlist_net_get(f->nl, "n1"), n2 = netlist_net_get(f->nl, "n2");
    int n3 = netlist_net_get(f->nl, "n3"), n4 = netlist_net_get(f->nl, "n4");
    int da = netlist_device_add(f->nl, "XA", NL_NMOS, 'X', "sky130_fd_pr__nfet_01v8");
    netlist_device_add_pin(f->nl, da, "D", n1);
    netlist_device_add_pin(f->nl, da, "G", n2);
    netlist_device_add_pin(f->nl, da, "S", n3);
    int db = netlist_device_add(f->nl, "XB", NL_NMOS, 'X', "sky130_fd_pr__nfet_01v8");
    netlist_device_add_pin(f->nl, db, "D", n4);
    netlist_device_add_pin(f->nl, db, "G", n2);
    netlist_device_add_pin(f->nl, db, "S", n1);
    f->dev_cell = calloc(3, sizeof *f->dev_cell);
    f->dev_cell[da] = ca;
    f->dev_cell[db] = cb;
    halo_err err;
    place_ir_init(&f->ir, f->lib, f->nl, f->dev_cell, 10, 0, &err);
}

static void set_item(place_item *it, lay_orient o, int32_t x, int32_t y)
{
    it->orient = o;
    it->x = x;
    it->y = y;
    it->halo = lay_box_make(x, y, x + it->w, y + it->h);   /* no keep-out, no margin */
}

TEST(hpwl_matches_a_hand_computation)
{
    fixture f;
    hpwl_fixture(&f);
    CHECK_INT(f.ir.n, 2);
    CHECK_INT(f.ir.items[1].w, 1000);
    CHECK_INT(f.ir.items[1].h, 500);
    CHECK_INT(f.ir.items[1].cell_x0, -100);
    CHECK_INT(f.ir.items[0].npins, 3);
    /* XA at (200, 300), XB at (2000, 1000).  Two-pin nets n1 = XA.D + XB.S,
     * n2 = XA.G + XB.G; n3, n4 have one pin and count nothing.
     * XA R0: D (252.5, 352.5), G (700, 750).
     *   XB R0:   S (2950, 1050) G (2500, 1350): n1 2697.5 + 697.5, n2 1800 + 600 -> 5795
     *   XB MX:   S (2950, 1450) G (2500, 1150): n1 2697.5 + 1097.5, n2 1800 + 400 -> 5995
     *   XB MY:   S (2050, 1050) G (2500, 1350): n1 1797.5 + 697.5, n2 2400 -> 4895
     *   XB R180: S (2050, 1450) G (2500, 1150): n1 1797.5 + 1097.5, n2 2200 -> 5095
     * XA MY: D (1147.5, 352.5), G (700, 750); XB R0: n1 1802.5 + 697.5, n2 2400 -> 4900 */
    static const struct { lay_orient oa, ob; double want; } cases[] = {
        {LAY_R0, LAY_R0, 5795}, {LAY_R0, LAY_MX, 5995}, {LAY_R0, LAY_MY, 4895},
        {LAY_R0, LAY_R180, 5095}, {LAY_MY, LAY_R0, 4900},
    };
    f.ir.boundary = lay_box_make(0, 0, 3000, 1600);
    f.ir.placed = 1;
    char why[300];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        set_item(&f.ir.items[0], cases[k].oa, 200, 300);
        set_item(&f.ir.items[1], cases[k].ob, 2000, 1000);
        CHECK_INT(place_check(&f.ir, why, sizeof why), 0);
        CHECK_INT(indep_check(&f.ir, NULL, 0), 0);
        CHECK_NEAR(place_hpwl(&f.ir), cases[k].want, 1e-9);
    }
    /* and the sequence-pair HPWL of the same geometry */
    sp_ctx c;
    halo_err err;
    sp_ctx_init(&c, &f.ir, &err);
    sp_state s;
    sp_state_init(&s, 2);
    sp_geom g;
    sp_geom_init(&g, 2);
    s.gp[0] = s.gm[0] = 0;
    s.gp[1] = s.gm[1] = 1;
    s.orient[0] = LAY_R0;
    s.orient[1] = LAY_R180;
    g.x[0] = 200, g.y[0] = 300, g.x[1] = 2000, g.y[1] = 1000;
    CHECK_NEAR(place_sp_hpwl(&c, &s, &g), 5095, 1e-9);
    CHECK_NEAR(place_device_area(&f.ir), 2 * 1000.0 * 500, 1e-9);
    sp_state_free(&s);
    sp_geom_free(&g);
    sp_ctx_free(&c);
    fx_free(&f);
}

TEST(apply_puts_instances_on_the_device_boxes)
{
    fixture f;
    hpwl_fixture(&f);
    int top = lay_cell_new(f.lib, "top");
    f.ir.boundary = lay_box_make(0, 0, 3000, 1600);
    f.ir.placed = 1;
    const lay_orient os[4] = {LAY_R0, LAY_MX, LAY_MY, LAY_R180};
    for (int k = 0; k < 4; k++) {
        set_item(&f.ir.items[0], os[k], 200, 300);
        set_item(&f.ir.items[1], os[(k + 1) % 4], 2000, 1000);
        CHECK_INT(place_apply(&f.ir, f.lib, top), 0);
        lay_cell *t = f.lib->cells[top];
        CHECK_INT(t->ninsts, 2);
        for (int i = 0; i < t->ninsts && i < 2; i++) {
            const lay_inst *in = &t->insts[i];
            CHECK_STR(in->name, f.ir.items[i].name);
            lay_xform x = {in->orient, in->x, in->y};
            lay_box bb = lay_xform_box(&x, lay_cell_bbox(f.lib, in->cell));
            lay_box want = place_device_box(&f.ir.items[i]);
            CHECK(memcmp(&bb, &want, sizeof bb) == 0);
        }
        /* a move, then the one instance updated */
        set_item(&f.ir.items[1], os[k], 1500, 900);
        place_apply_item(&f.ir, f.lib, top, 1);
        const lay_inst *in = &t->insts[1];
        lay_xform x = {in->orient, in->x, in->y};
        lay_box bb = lay_xform_box(&x, lay_cell_bbox(f.lib, in->cell));
        lay_box want = place_device_box(&f.ir.items[1]);
        CHECK(memcmp(&bb, &want, sizeof bb) == 0);
    }
    CHECK_INT(place_apply(&f.ir, f.lib, -1), -1);
    fx_free(&f);
}

UNIT_MAIN("test_place.c")
