/* test_layout.c -- the layout database: orientations against their
 * definitions, bounding boxes through a hierarchy, the walk, cycles,
 * comparison. */
#include "layout/layout.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

TEST(orientations_match_their_definitions)
{
    /* (x, y) = (3, 1) under each orientation, worked by hand */
    const int want[LAY_NORIENT][2] = {
        {3, 1}, {-1, 3}, {-3, -1}, {1, -3},   /* R0 R90 R180 R270 */
        {3, -1}, {-3, 1},                     /* MX: y -> -y; MY: x -> -x */
        {1, 3}, {-1, -3},                     /* MXR90: mirror x then rotate; MYR90 */
    };
    for (int o = 0; o < LAY_NORIENT; o++) {
        lay_xform t = {(lay_orient)o, 0, 0};
        int32_t x, y;
        lay_xform_point(&t, 3, 1, &x, &y);
        CHECK_INT(x, want[o][0]);
        CHECK_INT(y, want[o][1]);
        lay_orient back;
        CHECK_STR(lay_orient_name((lay_orient)o), lay_orient_name((lay_orient)o));
        CHECK_INT(lay_orient_parse(lay_orient_name((lay_orient)o), &back), 0);
        CHECK_INT(back, o);
        int refl, angle;
        lay_orient_to_gds((lay_orient)o, &refl, &angle);
        CHECK_INT(lay_orient_from_gds(refl, angle, &back), 0);
        CHECK_INT(back, o);
    }
    lay_orient o;
    CHECK_INT(lay_orient_from_gds(0, 45, &o), -1);
    CHECK_INT(lay_orient_from_gds(1, -90, &o), 0);
    CHECK_INT(o, LAY_MYR90);
}

TEST(composition_is_applying_in_turn)
{
    for (int a = 0; a < LAY_NORIENT; a++)
        for (int b = 0; b < LAY_NORIENT; b++) {
            lay_xform outer = {(lay_orient)a, 7, -2}, inner = {(lay_orient)b, -5, 11};
            lay_xform both = lay_xform_compose(&outer, &inner);
            int32_t x1, y1, x2, y2;
            lay_xform_point(&inner, 3, 4, &x1, &y1);
            lay_xform_point(&outer, x1, y1, &x1, &y1);
            lay_xform_point(&both, 3, 4, &x2, &y2);
            CHECK(x1 == x2 && y1 == y2);
        }
}

static int rects_seen;
static int64_t area_seen;
static char last_path[64];
static void count_rect(void *ctx, const char *path, const lay_cell *c, const lay_rect *r, lay_box b)
{
    (void)ctx, (void)c, (void)r;
    rects_seen++;
    area_seen += (int64_t)(b.x1 - b.x0) * (b.y1 - b.y0);
    snprintf(last_path, sizeof last_path, "%s", path);
}

TEST(hierarchy_bbox_walk_and_cycles)
{
    lay_lib *lib = lay_lib_new("t", NULL);
    int m1 = lay_layer_add(lib, "met1", 68, 20, 16, 5);
    int leaf = lay_cell_new(lib, "leaf"), mid = lay_cell_new(lib, "mid"), top = lay_cell_new(lib, "top");
    CHECK_INT(lay_cell_new(lib, "leaf"), -1);
    lay_rect_add(lib->cells[leaf], m1, lay_box_make(0, 0, 100, 50), lay_net(lib->cells[leaf], "A"));
    CHECK_INT(lay_inst_add(lib, mid, "I1", leaf, 1000, 0, LAY_R90), 0);
    CHECK_INT(lay_inst_add(lib, top, "X1", mid, 0, 2000, LAY_MX), 0);
    CHECK_INT(lay_inst_add(lib, top, "X2", leaf, -500, -500, LAY_R0), 1);
    /* a cycle is refused */
    CHECK_INT(lay_inst_add(lib, leaf, "bad", top, 0, 0, LAY_R0), -1);
    CHECK_INT(lay_inst_add(lib, mid, "self", mid, 0, 0, LAY_R0), -1);
    /* leaf under R90 at (1000,0): x -50..0 +1000, y 0..100; under MX at (0,2000): y 1900..2000 */
    lay_box bb = lay_cell_bbox(lib, top);
    CHECK_INT(bb.x0, -500);
    CHECK_INT(bb.y0, -500);
    CHECK_INT(bb.x1, 1000);
    CHECK_INT(bb.y1, 2000);
    lay_walker w = {NULL, count_rect, NULL, NULL};
    rects_seen = 0;
    area_seen = 0;
    lay_walk(lib, top, &w);
    CHECK_INT(rects_seen, 2);
    CHECK_INT(area_seen, 2 * 5000);
    CHECK_STR(last_path, "X2");
    int *order, n = lay_cell_closure(lib, top, &order);
    CHECK_INT(n, 3);
    CHECK_INT(order[0], leaf);   /* children first */
    CHECK_INT(order[2], top);
    free(order);
    int *tops;
    CHECK_INT(lay_top_cells(lib, &tops), 1);
    CHECK_INT(tops[0], top);
    free(tops);
    /* the last cell can be undone only while nothing uses it */
    CHECK_INT(lay_cell_remove_last(lib), 0);
    CHECK_INT(lib->ncells, 2);
    CHECK_INT(lay_cell_find(lib, "top"), -1);
    int z = lay_cell_new(lib, "z");
    CHECK_INT(lay_inst_add(lib, mid, "Z", z, 0, 0, LAY_R0), 1);
    CHECK_INT(lay_cell_remove_last(lib), -1);   /* mid uses z */
    CHECK_INT(lay_cell_find(lib, "z"), z);
    lay_lib_free(lib);
}

TEST(compare_sees_every_difference)
{
    lay_lib *a = lay_lib_new("a", NULL), *b = lay_lib_new("b", NULL);
    lay_layer_add(a, "met1", 68, 20, 16, 5);
    lay_layer_add(b, "met1", 68, 20, 16, 5);
    int ca = lay_cell_new(a, "c"), cb = lay_cell_new(b, "c");
    char why[256];
    /* same items in another order are equal */
    lay_rect_add(a->cells[ca], 0, lay_box_make(0, 0, 10, 10), lay_net(a->cells[ca], "N"));
    lay_rect_add(a->cells[ca], 0, lay_box_make(20, 0, 30, 10), -1);
    lay_rect_add(b->cells[cb], 0, lay_box_make(20, 0, 30, 10), -1);
    lay_rect_add(b->cells[cb], 0, lay_box_make(0, 0, 10, 10), lay_net(b->cells[cb], "N"));
    lay_pin_add(a->cells[ca], "P", 0, lay_box_make(0, 0, 10, 10));
    lay_pin_add(b->cells[cb], "P", 0, lay_box_make(0, 0, 10, 10));
    CHECK_INT(lay_cell_compare(a, ca, b, cb, why, sizeof why), 0);
    /* a net name differs */
    lay_rect_add(a->cells[ca], 0, lay_box_make(40, 0, 50, 10), lay_net(a->cells[ca], "X"));
    lay_rect_add(b->cells[cb], 0, lay_box_make(40, 0, 50, 10), lay_net(b->cells[cb], "Y"));
    CHECK_INT(lay_cell_compare(a, ca, b, cb, why, sizeof why), 1);
    CHECK(strstr(why, "X") != NULL);
    /* pins and labels count */
    lay_cell *c = b->cells[cb];
    c->rects[c->nrects - 1].net = lay_net(c, "X");
    CHECK_INT(lay_cell_compare(a, ca, b, cb, why, sizeof why), 0);
    lay_label_add(c, "hello", 0, 5, 5);
    CHECK_INT(lay_cell_compare(a, ca, b, cb, why, sizeof why), 1);
    CHECK(strstr(why, "hello") != NULL);
    lay_lib_free(a);
    lay_lib_free(b);
}

TEST(degenerate_boxes)
{
    lay_lib *lib = lay_lib_new("t", NULL);
    lay_layer_add(lib, "met1", 68, 20, 16, 5);
    int ci = lay_cell_new(lib, "c");
    lay_cell *c = lib->cells[ci];
    CHECK_INT(lay_rect_add(c, 0, lay_box_make(5, 5, 5, 10), -1), -1);
    CHECK_INT(lay_pin_add(c, "A", 0, lay_box_make(0, 0, 0, 0)), -1);
    CHECK_INT(lay_pin_add(c, "", 0, lay_box_make(0, 0, 1, 1)), -1);
    /* boxes are normalised */
    CHECK_INT(lay_rect_add(c, 0, lay_box_make(10, 10, 0, 0), -1), 0);
    CHECK_INT(c->rects[0].box.x0, 0);
    CHECK_INT(lay_net(c, ""), -1);
    CHECK(lay_net_name(c, 7) == NULL);
    lay_box empty = lay_cell_bbox(lib, 99);
    CHECK(lay_box_empty(empty));
    lay_lib_free(lib);
}

TEST(deep_shared_hierarchy_is_linear)
{
    /* 40 levels, each using the next twice: 2^40 paths, 41 cells.  The
     * box and the cycle check must visit each cell once. */
    lay_lib *lib = lay_lib_new("t", NULL);
    lay_layer_add(lib, "met1", 68, 20, 16, 5);
    int prev = lay_cell_new(lib, "c0");
    lay_rect_add(lib->cells[prev], 0, lay_box_make(0, 0, 10, 10), -1);
    for (int k = 1; k <= 40; k++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", k);
        int c = lay_cell_new(lib, name);
        CHECK_INT(lay_inst_add(lib, c, "a", prev, 0, 0, LAY_R0), 0);
        CHECK_INT(lay_inst_add(lib, c, "b", prev, 10, 0, LAY_R0), 1);
        prev = c;
    }
    lay_box bb = lay_cell_bbox(lib, prev);
    CHECK_INT(bb.x1, 10 * 41);
    CHECK_INT(lay_inst_add(lib, 0, "loop", prev, 0, 0, LAY_R0), -1);
    lay_lib_free(lib);
}

UNIT_MAIN("test_layout")
