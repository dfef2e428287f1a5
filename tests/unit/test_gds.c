/* test_gds.c -- GDSII write and read: real8 numbers, round trips (cells,
 * nets, pins, labels, 8 orientations, byte-identical rewrite), polygon and
 * path cutting, AREF, forward references, errors, and files written by
 * KLayout and Magic (tests/data/gds). */
#include "layout/gds.h"
#include "tech/tech.h"
#include "unit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- helpers */

static halo_tech *sky130(void)
{
    static halo_tech *t;
    halo_err err;
    if (!t) t = tech_load("sky130", &err);
    return t;
}

static int L(const lay_lib *lib, const char *name)
{
    return lay_layer_find(lib, name);
}

/* A GDS stream assembled record by record, for inputs halo would not write. */
typedef struct gb {
    unsigned char *d;
    size_t n, cap;
} gb;

static void gb_bytes(gb *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->d = realloc(b->d, b->cap);
    }
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void gb_head(gb *b, size_t datalen, int type, int dtype)
{
    unsigned char h[4] = {(unsigned char)((datalen + 4) >> 8), (unsigned char)(datalen + 4), (unsigned char)type,
                          (unsigned char)dtype};
    gb_bytes(b, h, 4);
}

static void gb_rec(gb *b, int type)
{
    gb_head(b, 0, type, GDS_NODATA);
}

static void gb_i16(gb *b, int type, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    gb_head(b, (size_t)n * 2, type, type == GDS_STRANS ? GDS_BITS : GDS_INT16);
    for (int i = 0; i < n; i++) {
        int v = va_arg(ap, int);
        unsigned char d[2] = {(unsigned char)(v >> 8), (unsigned char)v};
        gb_bytes(b, d, 2);
    }
    va_end(ap);
}

static void gb_i32v(gb *b, int type, int n, const int32_t *v)
{
    gb_head(b, (size_t)n * 4, type, GDS_INT32);
    for (int i = 0; i < n; i++) {
        uint32_t u = (uint32_t)v[i];
        unsigned char d[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16), (unsigned char)(u >> 8),
                              (unsigned char)u};
        gb_bytes(b, d, 4);
    }
}

static void gb_str(gb *b, int type, const char *s)
{
    size_t n = strlen(s);
    gb_head(b, n + (n & 1), type, GDS_ASCII);
    gb_bytes(b, s, n);
    if (n & 1) gb_bytes(b, "", 1);
}

static void gb_real8(gb *b, int type, int n, const double *v)
{
    gb_head(b, (size_t)n * 8, type, GDS_REAL8);
    for (int i = 0; i < n; i++) {
        unsigned char d[8];
        gds_real8_encode(v[i], d);
        gb_bytes(b, d, 8);
    }
}

static void gb_lib(gb *b, double db_metres)
{
    const double units[2] = {db_metres / 1e-6, db_metres};
    gb_i16(b, GDS_HEADER, 1, 600);
    gb_i16(b, GDS_BGNLIB, 12, 2024, 1, 2, 3, 4, 5, 2024, 1, 2, 3, 4, 5);
    gb_str(b, GDS_LIBNAME, "hand");
    gb_real8(b, GDS_UNITS, 2, units);
}

static void gb_str_begin(gb *b, const char *name)
{
    gb_i16(b, GDS_BGNSTR, 12, 2024, 1, 2, 3, 4, 5, 2024, 1, 2, 3, 4, 5);
    gb_str(b, GDS_STRNAME, name);
}

/* BOUNDARY from n points given as x0, y0, x1, y1, ... (not closed: the
 * first point is repeated at the end). */
static void gb_boundary(gb *b, int layer, int dt, int n, const int32_t *pts)
{
    int32_t *xy = malloc((size_t)(2 * n + 2) * sizeof *xy);
    memcpy(xy, pts, (size_t)(2 * n) * sizeof *xy);
    xy[2 * n] = pts[0];
    xy[2 * n + 1] = pts[1];
    gb_rec(b, GDS_BOUNDARY);
    gb_i16(b, GDS_LAYER, 1, layer);
    gb_i16(b, GDS_DATATYPE, 1, dt);
    gb_i32v(b, GDS_XY, 2 * n + 2, xy);
    gb_rec(b, GDS_ENDEL);
    free(xy);
}

static void gb_text(gb *b, int layer, int tt, int32_t x, int32_t y, const char *s)
{
    const int32_t xy[2] = {x, y};
    gb_rec(b, GDS_TEXT);
    gb_i16(b, GDS_LAYER, 1, layer);
    gb_i16(b, GDS_TEXTTYPE, 1, tt);
    gb_i32v(b, GDS_XY, 2, xy);
    gb_str(b, GDS_STRING, s);
    gb_rec(b, GDS_ENDEL);
}

static void gb_sref(gb *b, const char *name, int32_t x, int32_t y)
{
    const int32_t xy[2] = {x, y};
    gb_rec(b, GDS_SREF);
    gb_str(b, GDS_SNAME, name);
    gb_i32v(b, GDS_XY, 2, xy);
    gb_rec(b, GDS_ENDEL);
}

static void gb_end(gb *b)
{
    gb_rec(b, GDS_ENDLIB);
}

static lay_lib *read_gb(const gb *b, halo_err *err)
{
    halo_err_clear(err);
    return gds_read_mem(b->d, b->n, "t.gds", sky130(), err);
}

static int64_t rect_area(const lay_cell *c)
{
    int64_t a = 0;
    for (int i = 0; i < c->nrects; i++)
        a += (int64_t)(c->rects[i].box.x1 - c->rects[i].box.x0) * (c->rects[i].box.y1 - c->rects[i].box.y0);
    return a;
}

/* Even-odd point-in-polygon at a half-integer point. */
static int poly_holds(const int32_t *p, int n, double x, double y)
{
    int in = 0;
    for (int i = 0, j = n - 1; i < n; j = i++) {
        double xi = p[2 * i], yi = p[2 * i + 1], xj = p[2 * j], yj = p[2 * j + 1];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
    }
    return in;
}

/* Every unit square of the bounding box is covered by exactly one
 * rectangle when inside the polygon (scaled by `scale`) and by none
 * outside: the rectangles are disjoint and their union is the polygon. */
static int covers_exactly(const lay_cell *c, const int32_t *p, int n, int scale, int32_t x0, int32_t y0,
                          int32_t x1, int32_t y1)
{
    for (int32_t y = y0; y < y1; y++)
        for (int32_t x = x0; x < x1; x++) {
            int hits = 0;
            for (int i = 0; i < c->nrects; i++) {
                lay_box b = c->rects[i].box;
                hits += x * scale >= b.x0 && x * scale < b.x1 && y * scale >= b.y0 && y * scale < b.y1;
            }
            if (hits != poly_holds(p, n, x + 0.5, y + 0.5)) {
                printf("    square (%d, %d): %d rectangles\n", x, y, hits);
                return 0;
            }
        }
    return 1;
}

static int compare_libs(const lay_lib *a, const lay_lib *b)
{
    if (a->ncells != b->ncells) {
        printf("    %d cells vs %d\n", a->ncells, b->ncells);
        return 1;
    }
    for (int i = 0; i < a->ncells; i++) {
        int j = lay_cell_find(b, a->cells[i]->name);
        char why[512] = "";
        if (j < 0) {
            printf("    cell %s lost\n", a->cells[i]->name);
            return 1;
        }
        if (lay_cell_compare(a, i, b, j, why, sizeof why)) {
            printf("    %s\n", why);
            return 1;
        }
    }
    return 0;
}

static void expect_error(const gb *b, halo_msg_id id, const char *needle, int *unit_failed_)
{
    halo_err err;
    lay_lib *lib = read_gb(b, &err);
    CHECK(lib == NULL);
    lay_lib_free(lib);
    CHECK_INT(err.id, id);
    if (!strstr(err.msg, needle) || strncmp(err.msg, "t.gds: offset ", 14) != 0)
        printf("    message: %s\n", err.msg);
    CHECK(strstr(err.msg, needle) != NULL);
    CHECK(strncmp(err.msg, "t.gds: offset ", 14) == 0);
}

/* ---------------------------------------------------------------- numbers */

TEST(real8_encoding)
{
    /* 1e-3 exactly as KLayout 0.28 writes it (nearest, not truncated) */
    static const unsigned char um[8] = {0x3e, 0x41, 0x89, 0x37, 0x4b, 0xc6, 0xa7, 0xf0};
    static const unsigned char ninety[8] = {0x42, 0x5a, 0, 0, 0, 0, 0, 0};
    static const unsigned char minus_half[8] = {0xc0, 0x80, 0, 0, 0, 0, 0, 0};
    unsigned char d[8];
    gds_real8_encode(1e-3, d);
    CHECK(memcmp(d, um, 8) == 0);
    gds_real8_encode(90, d);
    CHECK(memcmp(d, ninety, 8) == 0);
    gds_real8_encode(-0.5, d);
    CHECK(memcmp(d, minus_half, 8) == 0);
    const double values[] = {1e-9, 1e-3, 1, 90, 180, 270, 0.1, 12345.678, -3.25, 1e-30, 1e30};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        gds_real8_encode(values[i], d);
        CHECK(gds_real8_decode(d) == values[i]);   /* 56-bit fraction holds a double exactly */
    }
    gds_real8_encode(0, d);
    CHECK(gds_real8_decode(d) == 0);
}

/* ---------------------------------------------------------------- round trip */

static const lay_orient all_orients[8] = {LAY_R0, LAY_R90, LAY_R180, LAY_R270, LAY_MX, LAY_MY, LAY_MXR90, LAY_MYR90};
/* (1000, 2000) under each orientation, by hand from the GDS rule
 * "mirror about x, then rotate counter-clockwise". */
static const int32_t turned[8][2] = {
    {1000, 2000}, {-2000, 1000}, {-1000, -2000}, {2000, -1000},
    {1000, -2000}, {-1000, 2000}, {2000, 1000}, {-2000, -1000},
};

static lay_lib *sample_lib(void)
{
    lay_lib *lib = lay_lib_new("sample", sky130());
    int child = lay_cell_new(lib, "child"), top = lay_cell_new(lib, "top");
    lay_cell *c = lib->cells[child];
    lay_rect_add(c, L(lib, "met1"), lay_box_make(0, 0, 5000, 480), lay_net(c, "VDD"));
    lay_rect_add(c, L(lib, "met1"), lay_box_make(0, 1000, 5000, 1480), -1);
    lay_rect_add(c, L(lib, "li1"), lay_box_make(-170, -170, 170, 2170), lay_net(c, "OUT"));
    lay_rect_add(c, L(lib, "poly"), lay_box_make(300, -130, 450, 1130), lay_net(c, "VDD"));
    lay_rect_add(c, L(lib, "nwell"), lay_box_make(-1000, -1000, 6000, 3000), -1);
    lay_pin_add(c, "A", L(lib, "met1"), lay_box_make(0, 0, 480, 481));
    lay_pin_add(c, "B", L(lib, "li1"), lay_box_make(-170, 2000, 170, 2170));
    lay_pin_add(c, "B2", L(lib, "li1"), lay_box_make(-170, 2000, 170, 2170));   /* same box, second name */
    lay_pin_add(c, "W", L(lib, "dnwell"), lay_box_make(0, 0, 100, 100));       /* no pin datatype */
    lay_pin_add(c, "CUT", L(lib, "licon1"), lay_box_make(0, 0, 170, 170));     /* no label datatype */
    lay_label_add(c, "inside_A", L(lib, "met1"), 240, 240);                      /* a label within a pin */
    lay_label_add(c, "note", L(lib, "met2"), -5, 7);
    lay_label_add(c, "capm_note", L(lib, "capm"), 10, 10);                      /* no label datatype */
    lay_label_add(c, "", L(lib, "met3"), 1, 1);
    lay_cell *t = lib->cells[top];
    lay_rect_add(t, L(lib, "met2"), lay_box_make(-100000, -100000, 100000, -99000), lay_net(t, "GND"));
    for (int i = 0; i < 8; i++) {
        char name[16];
        snprintf(name, sizeof name, "X%s", lay_orient_name(all_orients[i]));
        lay_inst_add(lib, top, name, child, 20000 * i, -7000, all_orients[i]);
    }
    lay_inst_add(lib, top, "", child, 1, 1, LAY_R0);   /* an empty instance name survives too */
    return lib;
}

TEST(round_trip)
{
    lay_lib *a = sample_lib();
    halo_err err;
    halo_err_clear(&err);
    unsigned char *d1 = NULL, *d2 = NULL;
    size_t n1 = 0, n2 = 0;
    CHECK(gds_write_mem(a, NULL, 0, &d1, &n1, &err) == 0);
    lay_lib *b = gds_read_mem(d1, n1, "rt.gds", sky130(), &err);
    CHECK(b != NULL);
    if (!b) {
        printf("    %s\n", err.msg);
        return;
    }
    CHECK_STR(b->name, "sample");
    CHECK_INT(b->nlayers, a->nlayers);   /* nothing unknown on the way */
    CHECK(compare_libs(a, b) == 0);
    CHECK(gds_write_mem(b, NULL, 0, &d2, &n2, &err) == 0);
    CHECK(n1 == n2 && memcmp(d1, d2, n1) == 0);
    /* children first: the reader meets child before top */
    CHECK_STR(b->cells[0]->name, "child");
    /* every orientation lands a child point where lay_xform_point and the
     * GDS rule put it */
    const lay_cell *top = b->cells[lay_cell_find(b, "top")];
    CHECK_INT(top->ninsts, 9);
    for (int i = 0; i < 8 && i < top->ninsts; i++) {
        const lay_inst *in = &top->insts[i];
        char name[16];
        snprintf(name, sizeof name, "X%s", lay_orient_name(all_orients[i]));
        CHECK_STR(in->name, name);
        CHECK_INT(in->orient, all_orients[i]);
        lay_xform t = {in->orient, in->x, in->y};
        int32_t x, y;
        lay_xform_point(&t, 1000, 2000, &x, &y);
        CHECK_INT(x, turned[i][0] + 20000 * i);
        CHECK_INT(y, turned[i][1] - 7000);
    }
    free(d1);
    free(d2);
    lay_lib_free(a);
    lay_lib_free(b);
}

TEST(deterministic_and_tops)
{
    lay_lib *a = sample_lib();
    halo_err err;
    unsigned char *d1, *d2;
    size_t n1, n2;
    CHECK(gds_write_mem(a, NULL, 0, &d1, &n1, &err) == 0);
    CHECK(gds_write_mem(a, NULL, 0, &d2, &n2, &err) == 0);
    CHECK(n1 == n2 && memcmp(d1, d2, n1) == 0);
    free(d1);
    free(d2);
    int child = lay_cell_find(a, "child"), top = lay_cell_find(a, "top");
    CHECK(gds_write_mem(a, &child, 1, &d1, &n1, &err) == 0);
    lay_lib *b = gds_read_mem(d1, n1, "c.gds", sky130(), &err);
    CHECK(b && b->ncells == 1);
    lay_lib_free(b);
    free(d1);
    CHECK(gds_write_mem(a, &top, 1, &d1, &n1, &err) == 0);
    b = gds_read_mem(d1, n1, "t.gds", sky130(), &err);
    CHECK(b && b->ncells == 2 && strcmp(b->cells[0]->name, "child") == 0);
    lay_lib_free(b);
    free(d1);
    int bad = 99;
    CHECK(gds_write_mem(a, &bad, 1, &d1, &n1, &err) != 0);
    CHECK_INT(err.id, HALO_E_GDS_NOCELL);
    lay_lib_free(a);
}

TEST(write_file_and_read_file)
{
    lay_lib *a = sample_lib();
    halo_err err;
    halo_err_clear(&err);
    char path[] = "/tmp/halo_test_gds_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) close(fd);
    CHECK(gds_write_file(a, NULL, 0, path, &err) == 0);
    lay_lib *b = gds_read_file(path, sky130(), &err);
    CHECK(b != NULL);
    if (b) CHECK(compare_libs(a, b) == 0);
    remove(path);
    lay_lib_free(b);
    CHECK(gds_read_file("/nonexistent/x.gds", NULL, &err) == NULL);
    CHECK_INT(err.id, HALO_E_OPEN);
    lay_lib_free(a);
}

TEST(write_refuses_layer_without_gds_number)
{
    lay_lib *a = lay_lib_new("x", NULL);
    int l = lay_layer_add(a, "virtual", -1, -1, -1, -1);
    int c = lay_cell_new(a, "c");
    lay_rect_add(a->cells[c], l, lay_box_make(0, 0, 10, 10), -1);
    halo_err err;
    unsigned char *d;
    size_t n;
    CHECK(gds_write_mem(a, NULL, 0, &d, &n, &err) != 0);
    CHECK_INT(err.id, HALO_E_GDS_LAYER);
    CHECK(strstr(err.msg, "virtual") != NULL);
    lay_lib_free(a);
}

/* ---------------------------------------------------------------- polygons */

static void check_polygon(const int32_t *pts, int n, double db_metres, int scale, int *unit_failed_)
{
    gb b = {0};
    gb_lib(&b, db_metres);
    gb_str_begin(&b, "poly");
    gb_boundary(&b, 68, 20, n, pts);
    gb_rec(&b, GDS_ENDSTR);
    gb_end(&b);
    halo_err err;
    lay_lib *lib = read_gb(&b, &err);
    CHECK(lib != NULL);
    if (!lib) {
        printf("    %s\n", err.msg);
        free(b.d);
        return;
    }
    const lay_cell *c = lib->cells[0];
    int64_t area2 = 0;   /* shoelace, doubled */
    int32_t x0 = pts[0], y0 = pts[1], x1 = pts[0], y1 = pts[1];
    for (int i = 0; i < n; i++) {
        int j = (i + 1) % n;
        area2 += (int64_t)pts[2 * i] * pts[2 * j + 1] - (int64_t)pts[2 * j] * pts[2 * i + 1];
        if (pts[2 * i] < x0) x0 = pts[2 * i];
        if (pts[2 * i] > x1) x1 = pts[2 * i];
        if (pts[2 * i + 1] < y0) y0 = pts[2 * i + 1];
        if (pts[2 * i + 1] > y1) y1 = pts[2 * i + 1];
    }
    CHECK_INT(rect_area(c), llabs(area2) / 2 * scale * scale);
    CHECK(covers_exactly(c, pts, n, scale, x0, y0, x1, y1));
    for (int i = 0; i < c->nrects; i++) CHECK_INT(c->rects[i].layer, L(lib, "met1"));
    lay_lib_free(lib);
    free(b.d);
}

TEST(polygon_l_shape)
{
    const int32_t l_ccw[] = {0, 0, 30, 0, 30, 10, 10, 10, 10, 30, 0, 30};
    const int32_t l_cw[] = {0, 0, 0, 30, 10, 30, 10, 10, 30, 10, 30, 0};
    check_polygon(l_ccw, 6, 1e-9, 1, unit_failed_);
    check_polygon(l_cw, 6, 1e-9, 1, unit_failed_);
    check_polygon(l_ccw, 6, 5e-9, 5, unit_failed_);   /* 5 nm database unit */
}

TEST(polygon_u_shape)
{
    const int32_t u[] = {0, 0, 50, 0, 50, 40, 40, 40, 40, 10, 10, 10, 10, 40, 0, 40};
    check_polygon(u, 8, 1e-9, 1, unit_failed_);
    /* a comb with a notch in its spine and a rectangle that stays one */
    const int32_t comb[] = {0, 0, 70, 0, 70, 30, 60, 30, 60, 10, 40, 10, 40, 30, 30, 30, 30, 10,
                            20, 10, 20, 5, 10, 5, 10, 30, 0, 30};
    check_polygon(comb, 14, 1e-9, 1, unit_failed_);
    const int32_t rect[] = {0, 0, 7, 0, 7, 3, 0, 3};
    check_polygon(rect, 4, 1e-9, 1, unit_failed_);
    gb b = {0};
    gb_lib(&b, 1e-9);
    gb_str_begin(&b, "r");
    gb_boundary(&b, 68, 20, 4, rect);
    gb_rec(&b, GDS_ENDSTR);
    gb_end(&b);
    halo_err err;
    lay_lib *lib = read_gb(&b, &err);
    CHECK(lib && lib->cells[0]->nrects == 1);
    lay_lib_free(lib);
    free(b.d);
}

/* ---------------------------------------------------------------- paths */

static lay_lib *read_path(int pathtype, int32_t width, int32_t bgn, int32_t end, int n, const int32_t *pts,
                          halo_err *err)
{
    gb b = {0};
    gb_lib(&b, 1e-9);
    gb_str_begin(&b, "p");
    const int32_t w[1] = {width}, be[1] = {bgn}, ee[1] = {end};
    gb_rec(&b, GDS_PATH);
    gb_i16(&b, GDS_LAYER, 1, 67);
    gb_i16(&b, GDS_DATATYPE, 1, 20);
    gb_i16(&b, GDS_PATHTYPE, 1, pathtype);
    gb_i32v(&b, GDS_WIDTH, 1, w);
    if (pathtype == 4) {
        gb_i32v(&b, GDS_BGNEXTN, 1, be);
        gb_i32v(&b, GDS_ENDEXTN, 1, ee);
    }
    gb_i32v(&b, GDS_XY, 2 * n, pts);
    gb_rec(&b, GDS_ENDEL);
    gb_rec(&b, GDS_ENDSTR);
    gb_end(&b);
    lay_lib *lib = read_gb(&b, err);
    free(b.d);
    return lib;
}

TEST(path_shapes)
{
    /* an L path, width 20: the bend's outer corner must be filled */
    const int32_t bend[] = {0, 0, 100, 0, 100, 100};
    const int32_t outline0[] = {0, -10, 110, -10, 110, 100, 90, 100, 90, 10, 0, 10};
    const int32_t outline2[] = {-10, -10, 110, -10, 110, 110, 90, 110, 90, 10, -10, 10};
    halo_err err;
    lay_lib *lib = read_path(0, 20, 0, 0, 3, bend, &err);
    CHECK(lib != NULL);
    if (lib) {
        CHECK_INT(lib->cells[0]->nrects, 2);
        CHECK_INT(lib->cells[0]->rects[0].layer, L(lib, "li1"));
        /* union area: 110 x 20 + 20 x 90 */
        const lay_cell *c = lib->cells[0];
        int covered = 0;
        for (int y = -20; y < 130; y++)
            for (int x = -20; x < 130; x++) {
                int hit = 0;
                for (int i = 0; i < c->nrects; i++)
                    hit |= x >= c->rects[i].box.x0 && x < c->rects[i].box.x1 && y >= c->rects[i].box.y0 &&
                           y < c->rects[i].box.y1;
                CHECK(hit == poly_holds(outline0, 6, x + 0.5, y + 0.5));
                covered += hit;
            }
        CHECK_INT(covered, 110 * 20 + 20 * 90);
    }
    lay_lib_free(lib);
    lib = read_path(2, 20, 0, 0, 3, bend, &err);   /* square ends */
    CHECK(lib != NULL);
    if (lib) {
        const lay_cell *c = lib->cells[0];
        int bad = 0;
        for (int y = -20; y < 130; y++)
            for (int x = -20; x < 130; x++) {
                int hit = 0;
                for (int i = 0; i < c->nrects; i++)
                    hit |= x >= c->rects[i].box.x0 && x < c->rects[i].box.x1 && y >= c->rects[i].box.y0 &&
                           y < c->rects[i].box.y1;
                bad += hit != poly_holds(outline2, 6, x + 0.5, y + 0.5);
            }
        CHECK_INT(bad, 0);
    }
    lay_lib_free(lib);
    const int32_t straight[] = {0, 0, 100, 0};
    lib = read_path(4, 20, 5, -30, 2, straight, &err);   /* custom extensions, one negative */
    CHECK(lib && lib->cells[0]->nrects == 1);
    if (lib && lib->cells[0]->nrects == 1) {
        lay_box bx = lib->cells[0]->rects[0].box;
        CHECK(bx.x0 == -5 && bx.x1 == 70 && bx.y0 == -10 && bx.y1 == 10);
    }
    lay_lib_free(lib);
    lib = read_path(1, 20, 0, 0, 2, straight, &err);
    CHECK(lib == NULL && err.id == HALO_E_GDS_UNSUPPORTED && strstr(err.msg, "path type 1"));
    lib = read_path(0, 21, 0, 0, 2, straight, &err);
    CHECK(lib == NULL && err.id == HALO_E_GDS_UNSUPPORTED && strstr(err.msg, "odd"));
    /* a width (or end extension) that carries the outline out of the
     * design space is refused, as a coordinate there would be: halo must
     * read back every GDS it writes */
    lib = read_path(0, 2000000000, 0, 0, 2, straight, &err);
    CHECK(lib == NULL && err.id == HALO_E_GDS_UNSUPPORTED && strstr(err.msg, "wider than halo's design space"));
    lib = read_path(0, -2000000000, 0, 0, 2, straight, &err);
    CHECK(lib == NULL && err.id == HALO_E_GDS_UNSUPPORTED && strstr(err.msg, "wider than halo's design space"));
    const int32_t edge[] = {0, 536000000, 100, 536000000};
    lib = read_path(0, 2000000, 0, 0, 2, edge, &err);
    CHECK(lib == NULL && err.id == HALO_E_GDS_UNSUPPORTED && strstr(err.msg, "outside halo's design space"));
    lib = read_path(4, 20, 0, 600000000, 2, straight, &err);
    CHECK(lib == NULL && err.id == HALO_E_GDS_UNSUPPORTED && strstr(err.msg, "outside halo's design space"));
    const int32_t diagonal[] = {0, 0, 100, 100};
    lib = read_path(0, 20, 0, 0, 2, diagonal, &err);
    CHECK(lib == NULL && err.id == HALO_E_GDS_UNSUPPORTED && strstr(err.msg, "not Manhattan") &&
          strstr(err.msg, "layer 67/20"));
}

/* ---------------------------------------------------------------- hierarchy */

TEST(aref_expands)
{
    gb b = {0};
    gb_lib(&b, 1e-9);
    gb_str_begin(&b, "unit");
    const int32_t sq[] = {0, 0, 10, 0, 10, 10, 0, 10};
    gb_boundary(&b, 68, 20, 4, sq);
    gb_rec(&b, GDS_ENDSTR);
    gb_str_begin(&b, "array");
    const int32_t xy[6] = {1000, 2000, 1000 + 3 * 100, 2000, 1000, 2000 + 2 * 50};
    gb_rec(&b, GDS_AREF);
    gb_str(&b, GDS_SNAME, "unit");
    gb_i16(&b, GDS_STRANS, 1, 0x8000);
    gb_i16(&b, GDS_COLROW, 2, 3, 2);
    gb_i32v(&b, GDS_XY, 6, xy);
    gb_i16(&b, GDS_PROPATTR, 1, 61);
    gb_str(&b, GDS_PROPVALUE, "arr");
    gb_rec(&b, GDS_ENDEL);
    gb_rec(&b, GDS_AREF);   /* unnamed: I<n>_c_r */
    gb_str(&b, GDS_SNAME, "unit");
    gb_i16(&b, GDS_COLROW, 2, 1, 1);
    gb_i32v(&b, GDS_XY, 6, xy);
    gb_rec(&b, GDS_ENDEL);
    gb_rec(&b, GDS_ENDSTR);
    gb_end(&b);
    halo_err err;
    lay_lib *lib = read_gb(&b, &err);
    CHECK(lib != NULL);
    if (lib) {
        const lay_cell *a = lib->cells[lay_cell_find(lib, "array")];
        CHECK_INT(a->ninsts, 7);
        for (int i = 0; i < 6 && i < a->ninsts; i++) {
            char name[32];
            snprintf(name, sizeof name, "arr_%d_%d", i % 3, i / 3);
            CHECK_STR(a->insts[i].name, name);
            CHECK_INT(a->insts[i].x, 1000 + 100 * (i % 3));
            CHECK_INT(a->insts[i].y, 2000 + 50 * (i / 3));
            CHECK_INT(a->insts[i].orient, LAY_MX);
        }
        if (a->ninsts == 7) CHECK_STR(a->insts[6].name, "I6_0_0");
    } else {
        printf("    %s\n", err.msg);
    }
    lay_lib_free(lib);
    free(b.d);
}

TEST(forward_reference)
{
    gb b = {0};
    gb_lib(&b, 1e-9);
    gb_str_begin(&b, "top");
    gb_sref(&b, "leaf", 5, 6);
    gb_sref(&b, "mid", 0, 0);
    gb_rec(&b, GDS_ENDSTR);
    gb_str_begin(&b, "mid");
    gb_sref(&b, "leaf", 100, 0);
    gb_rec(&b, GDS_ENDSTR);
    gb_str_begin(&b, "leaf");
    const int32_t sq[] = {0, 0, 10, 0, 10, 10, 0, 10};
    gb_boundary(&b, 69, 20, 4, sq);
    gb_rec(&b, GDS_ENDSTR);
    gb_end(&b);
    halo_err err;
    lay_lib *lib = read_gb(&b, &err);
    CHECK(lib != NULL);
    if (lib) {
        const lay_cell *top = lib->cells[lay_cell_find(lib, "top")];
        CHECK_INT(top->ninsts, 2);
        CHECK_STR(top->insts[0].name, "I0");
        CHECK_STR(top->insts[1].name, "I1");
        CHECK_STR(lib->cells[top->insts[0].cell]->name, "leaf");
        CHECK_INT(lib->cells[top->insts[0].cell]->nrects, 1);
        lay_box bb = lay_cell_bbox(lib, lay_cell_find(lib, "top"));
        CHECK(bb.x0 == 5 && bb.x1 == 110 && bb.y0 == 0 && bb.y1 == 16);
        /* written back children first, it reads the same */
        unsigned char *d;
        size_t n;
        CHECK(gds_write_mem(lib, NULL, 0, &d, &n, &err) == 0);
        lay_lib *again = gds_read_mem(d, n, "f.gds", sky130(), &err);
        CHECK(again && compare_libs(lib, again) == 0);
        lay_lib_free(again);
        free(d);
    } else {
        printf("    %s\n", err.msg);
    }
    lay_lib_free(lib);
    free(b.d);
}

/* ---------------------------------------------------------------- texts, pins, layers */

TEST(pins_labels_nets_and_unknown_layers)
{
    gb b = {0};
    gb_lib(&b, 1e-9);
    gb_str_begin(&b, "c");
    gb_text(&b, 68, 5, 50, 50, "A");                   /* before its shape */
    const int32_t pin[] = {0, 0, 100, 0, 100, 100, 0, 100};
    const int32_t pin2[] = {200, 0, 300, 0, 300, 100, 200, 100};
    gb_boundary(&b, 68, 16, 4, pin);
    gb_boundary(&b, 68, 16, 4, pin2);                  /* no text: stays a rectangle */
    gb_text(&b, 68, 5, 500, 500, "free");              /* outside every pin shape: a label */
    gb_text(&b, 68, 20, 100, 100, "A2");               /* drawing texttype, on the corner: no free shape left */
    const int32_t sq[] = {0, 0, 10, 0, 10, 10, 0, 10};
    gb_rec(&b, GDS_BOUNDARY);                          /* with a net */
    gb_i16(&b, GDS_LAYER, 1, 67);
    gb_i16(&b, GDS_DATATYPE, 1, 20);
    const int32_t xy[] = {0, 0, 10, 0, 10, 10, 0, 10, 0, 0};
    gb_i32v(&b, GDS_XY, 10, xy);
    gb_i16(&b, GDS_PROPATTR, 1, 1);
    gb_str(&b, GDS_PROPVALUE, "VDD");
    gb_rec(&b, GDS_ENDEL);
    gb_boundary(&b, 200, 7, 4, sq);                    /* unknown to sky130 */
    gb_text(&b, 200, 7, 3, 3, "odd");
    gb_rec(&b, GDS_BOX);                               /* skipped */
    gb_i16(&b, GDS_LAYER, 1, 68);
    gb_i16(&b, GDS_BOXTYPE, 1, 0);
    gb_i32v(&b, GDS_XY, 10, xy);
    gb_rec(&b, GDS_ENDEL);
    gb_rec(&b, GDS_ENDSTR);
    gb_end(&b);
    halo_err err;
    lay_lib *lib = read_gb(&b, &err);
    CHECK(lib != NULL);
    if (!lib) {
        printf("    %s\n", err.msg);
        free(b.d);
        return;
    }
    const lay_cell *c = lib->cells[0];
    int m1 = L(lib, "met1"), unk = L(lib, "gds_200_7");
    CHECK(unk >= 0);
    CHECK_INT(c->npins, 1);
    if (c->npins == 1) {
        CHECK_STR(c->pins[0].name, "A");
        CHECK_INT(c->pins[0].layer, m1);
        CHECK_INT(c->pins[0].box.x1, 100);
    }
    CHECK_INT(c->nlabels, 3);
    CHECK_INT(c->nrects, 3);   /* li1 with net, the unknown-layer square, the unnamed pin shape */
    if (c->nrects == 3) {
        CHECK_STR(lay_net_name(c, c->rects[0].net), "VDD");
        CHECK_INT(c->rects[1].layer, unk);
        CHECK_INT(c->rects[2].layer, m1);
        CHECK_INT(c->rects[2].box.x0, 200);
    }
    if (unk >= 0) {
        CHECK_INT(lib->layers[unk].gds_layer, 200);
        CHECK_INT(lib->layers[unk].gds_datatype, 7);
    }
    /* and the whole thing round-trips */
    unsigned char *d1, *d2;
    size_t n1, n2;
    CHECK(gds_write_mem(lib, NULL, 0, &d1, &n1, &err) == 0);
    lay_lib *again = gds_read_mem(d1, n1, "x.gds", sky130(), &err);
    CHECK(again && compare_libs(lib, again) == 0);
    CHECK(again && gds_write_mem(again, NULL, 0, &d2, &n2, &err) == 0);
    CHECK(again && n1 == n2 && memcmp(d1, d2, n1) == 0);
    if (again) free(d2);
    free(d1);
    lay_lib_free(again);
    lay_lib_free(lib);
    free(b.d);
}

TEST(no_tech)
{
    lay_lib *a = sample_lib();
    halo_err err;
    unsigned char *d1, *d2;
    size_t n1, n2;
    CHECK(gds_write_mem(a, NULL, 0, &d1, &n1, &err) == 0);
    lay_lib *b = gds_read_mem(d1, n1, "n.gds", NULL, &err);   /* every layer becomes gds_L_D */
    CHECK(b != NULL);
    CHECK(b && L(b, "gds_68_20") >= 0 && L(b, "gds_68_16") >= 0);
    CHECK(b && gds_write_mem(b, NULL, 0, &d2, &n2, &err) == 0);
    lay_lib *c = b ? gds_read_mem(d2, n2, "n.gds", NULL, &err) : NULL;
    CHECK(c && compare_libs(b, c) == 0);
    if (b) free(d2);
    free(d1);
    lay_lib_free(a);
    lay_lib_free(b);
    lay_lib_free(c);
}

/* ---------------------------------------------------------------- errors */

static void valid_stream(gb *b)
{
    gb_lib(b, 1e-9);
    gb_str_begin(b, "c");
    const int32_t sq[] = {0, 0, 10, 0, 10, 10, 0, 10};
    gb_boundary(b, 68, 20, 4, sq);
    gb_rec(b, GDS_ENDSTR);
    gb_end(b);
}

TEST(error_truncated_and_odd)
{
    gb b = {0};
    valid_stream(&b);
    size_t full = b.n;
    b.n = full - 10;
    expect_error(&b, HALO_E_GDS_FORMAT, "truncated", unit_failed_);
    b.n = full - 4;   /* exactly without ENDLIB */
    expect_error(&b, HALO_E_GDS_FORMAT, "before ENDLIB", unit_failed_);
    b.n = full;
    b.d[1] = 5;       /* HEADER length 5 */
    expect_error(&b, HALO_E_GDS_FORMAT, "odd record length", unit_failed_);
    b.d[1] = 8;       /* HEADER length 8: 4 data bytes where 2 belong */
    expect_error(&b, HALO_E_GDS_FORMAT, "HEADER record holds", unit_failed_);
    free(b.d);
    gb t = {0};
    gb_bytes(&t, "hello, world", 12);
    expect_error(&t, HALO_E_GDS_FORMAT, "offset 0", unit_failed_);
    free(t.d);
}

TEST(error_units)
{
    gb b = {0};
    gb_lib(&b, 0.5e-9);
    gb_end(&b);
    expect_error(&b, HALO_E_GDS_UNSUPPORTED, "whole number of nanometres", unit_failed_);
    free(b.d);
    gb z = {0};
    gb_lib(&z, 0);
    gb_end(&z);
    expect_error(&z, HALO_E_GDS_FORMAT, "not positive", unit_failed_);
    free(z.d);
    gb big = {0};   /* 1 um database unit: 3e6 units overflow 32-bit nm */
    gb_lib(&big, 1e-6);
    gb_str_begin(&big, "c");
    const int32_t sq[] = {0, 0, 3000000, 0, 3000000, 10, 0, 10};
    gb_boundary(&big, 68, 20, 4, sq);
    gb_rec(&big, GDS_ENDSTR);
    gb_end(&big);
    expect_error(&big, HALO_E_GDS_UNSUPPORTED, "outside halo's design space", unit_failed_);
    free(big.d);
}

TEST(error_not_manhattan)
{
    gb b = {0};
    gb_lib(&b, 1e-9);
    gb_str_begin(&b, "slanted");
    const int32_t tri[] = {0, 0, 100, 0, 0, 100};
    gb_boundary(&b, 68, 20, 3, tri);
    gb_rec(&b, GDS_ENDSTR);
    gb_end(&b);
    expect_error(&b, HALO_E_GDS_UNSUPPORTED, "BOUNDARY in cell slanted: polygon is not Manhattan (layer 68/20",
                 unit_failed_);
    free(b.d);
}

TEST(error_hierarchy)
{
    gb b = {0};
    gb_lib(&b, 1e-9);
    gb_str_begin(&b, "top");
    gb_sref(&b, "ghost", 0, 0);
    gb_rec(&b, GDS_ENDSTR);
    gb_end(&b);
    expect_error(&b, HALO_E_GDS_NOCELL, "ghost", unit_failed_);
    free(b.d);

    gb s = {0};
    gb_lib(&s, 1e-9);
    gb_str_begin(&s, "me");
    gb_sref(&s, "me", 0, 0);
    gb_rec(&s, GDS_ENDSTR);
    gb_end(&s);
    expect_error(&s, HALO_E_GDS_FORMAT, "SREF in cell me instantiates the cell itself", unit_failed_);
    free(s.d);

    gb c = {0};
    gb_lib(&c, 1e-9);
    gb_str_begin(&c, "a");
    gb_sref(&c, "b", 0, 0);
    gb_rec(&c, GDS_ENDSTR);
    gb_str_begin(&c, "b");
    gb_sref(&c, "a", 0, 0);
    gb_rec(&c, GDS_ENDSTR);
    gb_end(&c);
    expect_error(&c, HALO_E_GDS_FORMAT, "cycle", unit_failed_);
    free(c.d);

    gb d = {0};
    gb_lib(&d, 1e-9);
    gb_str_begin(&d, "twice");
    gb_rec(&d, GDS_ENDSTR);
    gb_str_begin(&d, "twice");
    gb_rec(&d, GDS_ENDSTR);
    gb_end(&d);
    expect_error(&d, HALO_E_GDS_FORMAT, "defined twice", unit_failed_);
    free(d.d);
}

TEST(error_transforms)
{
    for (int k = 0; k < 2; k++) {
        gb b = {0};
        gb_lib(&b, 1e-9);
        gb_str_begin(&b, "leaf");
        gb_rec(&b, GDS_ENDSTR);
        gb_str_begin(&b, "top");
        const int32_t xy[2] = {0, 0};
        const double v = k == 0 ? 2.0 : 45.0;
        gb_rec(&b, GDS_SREF);
        gb_str(&b, GDS_SNAME, "leaf");
        gb_i16(&b, GDS_STRANS, 1, 0);
        gb_real8(&b, k == 0 ? GDS_MAG : GDS_ANGLE, 1, &v);
        gb_i32v(&b, GDS_XY, 2, xy);
        gb_rec(&b, GDS_ENDEL);
        gb_rec(&b, GDS_ENDSTR);
        gb_end(&b);
        expect_error(&b, HALO_E_GDS_UNSUPPORTED, k == 0 ? "magnification 2" : "angle 45", unit_failed_);
        free(b.d);
    }
}

TEST(error_missing_endel)
{
    gb b = {0};
    gb_lib(&b, 1e-9);
    gb_str_begin(&b, "c");
    gb_rec(&b, GDS_BOUNDARY);
    gb_i16(&b, GDS_LAYER, 1, 68);
    gb_rec(&b, GDS_ENDSTR);
    gb_end(&b);
    expect_error(&b, HALO_E_GDS_FORMAT, "missing ENDEL", unit_failed_);
    free(b.d);
}

/* A chain of 1002 cells: deeper than layout.c's recursive walks should go. */
TEST(error_too_deep)
{
    gb b = {0};
    gb_lib(&b, 1e-9);
    for (int i = 0; i < 1002; i++) {
        char name[16], child[16];
        snprintf(name, sizeof name, "c%d", i);
        snprintf(child, sizeof child, "c%d", i + 1);
        gb_str_begin(&b, name);
        if (i < 1001) gb_sref(&b, child, 0, 0);
        gb_rec(&b, GDS_ENDSTR);
    }
    gb_end(&b);
    expect_error(&b, HALO_E_GDS_UNSUPPORTED, "more than 1000 levels deep", unit_failed_);
    free(b.d);
}

TEST(hostile_aref_is_bounded)
{
    gb b = {0};
    gb_lib(&b, 1e-9);
    gb_str_begin(&b, "leaf");
    gb_rec(&b, GDS_ENDSTR);
    gb_str_begin(&b, "top");
    const int32_t xy[6] = {0, 0, 32767, 0, 0, 32767};
    gb_rec(&b, GDS_AREF);
    gb_str(&b, GDS_SNAME, "leaf");
    gb_i16(&b, GDS_COLROW, 2, 32767, 32767);
    gb_i32v(&b, GDS_XY, 6, xy);
    gb_rec(&b, GDS_ENDEL);
    gb_rec(&b, GDS_ENDSTR);
    gb_end(&b);
    expect_error(&b, HALO_E_GDS_UNSUPPORTED, "too large", unit_failed_);
    free(b.d);
}

/* ---------------------------------------------------------------- other tools */

static lay_lib *read_data(const char *name, halo_err *err, int *missing)
{
    const char *src = getenv("HALO_SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/gds/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    *missing = !f;
    if (!f) {
        snprintf(path, sizeof path, "../../tests/data/gds/%s", name);   /* run from tests/unit */
        f = fopen(path, "rb");
        *missing = !f;
    }
    if (!f) return NULL;
    fclose(f);
    halo_err_clear(err);
    return gds_read_file(path, sky130(), err);
}

/* Both files check round trips of what other tools wrote: read, write,
 * read again gives equal cells and a byte-identical second write. */
static void check_rewrite(const lay_lib *lib, int *unit_failed_)
{
    halo_err err;
    unsigned char *d1, *d2;
    size_t n1, n2;
    CHECK(gds_write_mem(lib, NULL, 0, &d1, &n1, &err) == 0);
    lay_lib *again = gds_read_mem(d1, n1, "again.gds", sky130(), &err);
    CHECK(again && compare_libs(lib, again) == 0);
    CHECK(again && gds_write_mem(again, NULL, 0, &d2, &n2, &err) == 0 && n1 == n2 && memcmp(d1, d2, n1) == 0);
    if (again) free(d2);
    free(d1);
    lay_lib_free(again);
}

static lay_lib *read_tool_file(const char *name, int *unit_failed_)
{
    halo_err err;
    int missing;
    lay_lib *lib = read_data(name, &err, &missing);
    if (missing && !getenv("HALO_SRCDIR")) {
        unit_skip("needs tests/data/gds/%s: set HALO_SRCDIR to the source tree", name);
    } else if (missing) {
        printf("    no tests/data/gds/%s under HALO_SRCDIR\n", name);
        CHECK(!missing);
    } else if (!lib) {
        printf("    %s\n", err.msg);
        CHECK(lib != NULL);
    }
    return lib;
}

/* KLayout 0.28 wrote tests/data/gds/klayout_cell.gds (script at the end
 * of this file): met1 box with a pin shape on 68/16 and text A on 68/5, an
 * li1 label, an L polygon, a path with a bend, an SREF named XLEAF by
 * property 61 (R90) and a 2x2 mirrored AREF. */
TEST(reads_klayout_file)
{
    lay_lib *lib = read_tool_file("klayout_cell.gds", unit_failed_);
    if (!lib) return;
    int top = lay_cell_find(lib, "TOP"), leaf = lay_cell_find(lib, "LEAF");
    CHECK(top >= 0 && leaf >= 0);
    if (top >= 0 && leaf >= 0) {
        const lay_cell *c = lib->cells[top];
        CHECK_INT(c->npins, 1);
        if (c->npins) {
            CHECK_STR(c->pins[0].name, "A");
            CHECK_INT(c->pins[0].layer, L(lib, "met1"));
            CHECK_INT(c->pins[0].box.x1, 480);
        }
        CHECK_INT(c->nlabels, 1);
        if (c->nlabels) CHECK_INT(c->labels[0].layer, L(lib, "li1"));
        CHECK_INT(c->nrects, 5);   /* met1, the L as two met2 pieces, the path as two li1 pieces */
        CHECK_INT(c->ninsts, 5);   /* one SREF, a 2x2 AREF */
        for (int i = 0; i < c->ninsts; i++)
            if (strcmp(c->insts[i].name, "XLEAF") == 0) CHECK_INT(c->insts[i].orient, LAY_R90);
            else CHECK_INT(c->insts[i].orient, LAY_MX);
    }
    check_rewrite(lib, unit_failed_);
    lay_lib_free(lib);
}

/* Magic 8.3.105 with the project's (old) sky130A.tech wrote
 * tests/data/gds/magic_cell.gds: the pin box on 68/5 and its text A on
 * 68/5 (old convention), label OUT on 67/16, instance names as property 98,
 * a leaf with a via. */
TEST(reads_magic_file)
{
    lay_lib *lib = read_tool_file("magic_cell.gds", unit_failed_);
    if (!lib) return;
    int top = lay_cell_find(lib, "magtop"), leaf = lay_cell_find(lib, "magleaf");
    CHECK(top >= 0 && leaf >= 0);
    if (top >= 0 && leaf >= 0) {
        const lay_cell *c = lib->cells[top];
        CHECK_INT(c->npins, 1);
        if (c->npins) {
            CHECK_STR(c->pins[0].name, "A");
            CHECK_INT(c->pins[0].layer, L(lib, "met1"));
            CHECK(c->pins[0].box.x0 == 0 && c->pins[0].box.x1 == 4800 && c->pins[0].box.y1 == 4800);
        }
        CHECK_INT(c->nlabels, 1);
        if (c->nlabels) {
            CHECK_STR(c->labels[0].text, "OUT");
            CHECK_INT(c->labels[0].layer, L(lib, "li1"));
        }
        CHECK_INT(c->ninsts, 2);
        if (c->ninsts == 2) {
            CHECK_STR(c->insts[0].name, "XMIR");
            CHECK_INT(c->insts[0].orient, LAY_MX);
            CHECK_STR(c->insts[1].name, "XLEAF");
            CHECK_INT(c->insts[1].orient, LAY_R270);   /* Magic's "getcell magleaf 90" turns clockwise */
        }
        int vias = 0;
        for (int i = 0; i < lib->cells[leaf]->nrects; i++) vias += lib->cells[leaf]->rects[i].layer == L(lib, "via");
        CHECK_INT(vias, 1);
    }
    check_rewrite(lib, unit_failed_);
    lay_lib_free(lib);
}

UNIT_MAIN("test_gds")

/* How the two tool files were made.
 *
 * klayout -b -r klayout_cell.py:
 *   import pya
 *   ly = pya.Layout(); ly.dbu = 0.001
 *   leaf = ly.create_cell("LEAF"); top = ly.create_cell("TOP")
 *   L = lambda l, d: ly.layer(l, d)
 *   leaf.shapes(L(68, 44)).insert(pya.Box(0, 0, 150, 150))
 *   leaf.shapes(L(68, 20)).insert(pya.Box(-30, -30, 180, 180))
 *   top.shapes(L(68, 20)).insert(pya.Box(0, 0, 1000, 480))
 *   top.shapes(L(68, 16)).insert(pya.Box(0, 0, 480, 480))
 *   top.shapes(L(68, 5)).insert(pya.Text("A", pya.Trans(240, 240)))
 *   top.shapes(L(67, 5)).insert(pya.Text("OUT", pya.Trans(100, 1000)))
 *   top.shapes(L(69, 20)).insert(pya.Polygon([pya.Point(0, 0), pya.Point(3000, 0), pya.Point(3000, 1000),
 *                                             pya.Point(1000, 1000), pya.Point(1000, 3000), pya.Point(0, 3000)]))
 *   top.shapes(L(67, 20)).insert(pya.Path([pya.Point(0, 2000), pya.Point(2000, 2000), pya.Point(2000, 4000)], 170))
 *   pid = ly.properties_id([[61, "XLEAF"]])
 *   top.insert(pya.CellInstArray(leaf.cell_index(), pya.Trans(pya.Trans.R90, 5000, 0)), pid)
 *   top.insert(pya.CellInstArray(leaf.cell_index(), pya.Trans(pya.Trans.M0, 8000, 0),
 *                                pya.Vector(500, 0), pya.Vector(0, 700), 2, 2))
 *   opt = pya.SaveLayoutOptions(); opt.gds2_write_timestamps = False
 *   ly.write("klayout_cell.gds", opt)
 *
 * magic -dnull -noconsole -rcfile /dev/null make.tcl:
 *   tech load .../sky130A/libs.tech/magic/sky130A.tech
 *   scalegrid 1 2
 *   drc off
 *   cellname rename (UNNAMED) magleaf
 *   box 0 0 40 40; paint via; box -10 -10 50 50; paint m1; paint m2; save magleaf
 *   load magtop
 *   box 0 0 1000 480; paint m1
 *   box 0 0 480 480; label A FreeSans 0 0 0 0 c m1; port make 1
 *   box 0 1000 200 1200; paint li
 *   box 100 1100 100 1100; label OUT FreeSans 0 0 0 0 c li
 *   box 0 2000 2000 2200; paint m2; box 1800 2000 2000 4000; paint m2
 *   box 5000 0 5000 0; getcell magleaf 90; identify XLEAF
 *   box 8000 0 8000 0; getcell magleaf v; identify XMIR
 *   select clear; save magtop; gds write magtop.gds; quit -noprompt
 * (one command per line in the real script)
 */
