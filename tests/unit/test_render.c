/* test_render.c -- layout pictures: PNG pixels, SVG structure, layer
 * filters, errors, determinism and speed.
 *
 * With HALO_RENDER_SAMPLES=DIR set, the pictures of the test cells are also
 * written to DIR (nfet.png/.svg, pair.png/.svg, met1.png, placement.png)
 * for a person to look at. */
#include "layout/render.h"
#include "layout/render_scene.h"
#include "tech/tech.h"
#include "unit.h"

#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- fixture */

typedef struct fixture {
    halo_tech *tech;
    lay_lib *lib;
    int nfet, pair, empty;
    int count[64];          /* shapes added per layer of nfet */
} fixture;

static int L(const fixture *f, const char *name)
{
    return lay_layer_find(f->lib, name);
}

static void add(fixture *f, const char *layer, int32_t x0, int32_t y0, int32_t x1, int32_t y1)
{
    int l = L(f, layer);
    lay_rect_add(f->lib->cells[f->nfet], l, lay_box_make(x0, y0, x1, y1), -1);
    f->count[l]++;
}

/* Source/drain column i of the nfet: licons on diff, li1 over them, an
 * mcon and a met1 strap running to the source (down) or drain (up) bus. */
static void add_sd_column(fixture *f, int i)
{
    int32_t xc = i * 580 + 215;
    for (int k = 0; k < 3; k++) add(f, "licon1", xc - 85, 150 + k * 265, xc + 85, 320 + k * 265);
    add(f, "li1", xc - 125, 70, xc + 125, 930);
    add(f, "mcon", xc - 85, 415, xc + 85, 585);
    if (i % 2 == 0) add(f, "met1", xc - 140, -700, xc + 140, 930);
    else add(f, "met1", xc - 140, 70, xc + 140, 2000);
}

/* A 4-finger nfet with a body tap: 5 source/drain columns, 4 poly gates
 * joined by a head, source and drain buses on met1 with pins, nsdm/psdm. */
static void build_nfet(fixture *f)
{
    f->nfet = lay_cell_new(f->lib, "nfet_demo");
    lay_cell *c = f->lib->cells[f->nfet];
    add(f, "diff", 0, 0, 2750, 1000);
    add(f, "nsdm", -125, -125, 2875, 1125);
    for (int i = 0; i < 4; i++) add(f, "poly", 430 + i * 580, -130, 580 + i * 580, 1130);
    add(f, "poly", 430, 1130, 2320, 1460);
    add(f, "licon1", 1290, 1210, 1460, 1380);
    add(f, "li1", 1210, 1170, 1540, 1420);
    for (int i = 0; i < 5; i++) add_sd_column(f, i);
    add(f, "met1", 0, -700, 2750, -400);       /* source bus */
    add(f, "met1", 0, 1700, 2750, 2000);       /* drain bus */
    add(f, "tap", 0, -1400, 2750, -1060);
    add(f, "psdm", -125, -1525, 2875, -935);
    for (int k = 0; k < 6; k++) add(f, "licon1", 200 + k * 430, -1315, 370 + k * 430, -1145);
    add(f, "li1", 100, -1360, 2650, -1100);
    lay_pin_add(c, "D", L(f, "met1"), lay_box_make(0, 1700, 2750, 2000));
    lay_pin_add(c, "S", L(f, "met1"), lay_box_make(0, -700, 2750, -400));
    lay_pin_add(c, "G", L(f, "li1"), lay_box_make(1210, 1170, 1540, 1420));
    lay_label_add(c, "VSS", L(f, "li1"), 2300, -1230);
}

/* Two nfets side by side, the second mirrored: instance outlines. */
static void build_pair(fixture *f)
{
    f->pair = lay_cell_new(f->lib, "pair");
    lay_inst_add(f->lib, f->pair, "M1", f->nfet, 0, 0, LAY_R0);
    lay_inst_add(f->lib, f->pair, "M2", f->nfet, 6500, 0, LAY_MY);
}

static int setup(fixture *f)
{
    memset(f, 0, sizeof *f);
    halo_err err;
    halo_err_clear(&err);
    f->tech = tech_load("sky130", &err);
    if (!f->tech) {
        printf("    %s\n", err.msg);
        return -1;
    }
    f->lib = lay_lib_new("test", f->tech);
    build_nfet(f);
    build_pair(f);
    f->empty = lay_cell_new(f->lib, "empty");
    return 0;
}

static void teardown(fixture *f)
{
    lay_lib_free(f->lib);
    tech_free(f->tech);
}

/* ---------------------------------------------------------------- helpers */

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
    static char path[160];
    if (!*tmpdir) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/halo-render-XXXXXX");
        if (!mkdtemp(tmpdir)) return "/nonexistent/x";
    }
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static unsigned char *read_png(const char *path, int *w, int *h)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) return NULL;
    img.format = PNG_FORMAT_RGB;
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(img));
    if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
        free(buf);
        png_image_free(&img);
        return NULL;
    }
    *w = (int)img.width;
    *h = (int)img.height;
    return buf;
}

static unsigned pixel(const unsigned char *rgb, int w, int x, int y)
{
    const unsigned char *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
    return (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
}

/* The colour a fill of rgb with alpha gives over white, as the raster blends. */
static unsigned over_white(unsigned rgb, int alpha)
{
    unsigned out = 0;
    for (int sh = 0; sh <= 16; sh += 8) {
        int c = (int)((rgb >> sh) & 0xff);
        out |= (unsigned)((255 * (255 - alpha) + c * alpha + 127) / 255) << sh;
    }
    return out;
}

static int near_rgb(unsigned a, unsigned b, int tol)
{
    for (int sh = 0; sh <= 16; sh += 8) {
        int d = (int)((a >> sh) & 0xff) - (int)((b >> sh) & 0xff);
        if (d > tol || d < -tol) return 0;
    }
    return 1;
}

static unsigned layer_over_white(const char *name)
{
    rs_style st = render_style_of(name, 0);
    return over_white(st.fill, st.alpha);
}

static const rs_layer *scene_layer(const render_scene *sc, const char *name)
{
    for (int i = 0; i < sc->nlayers; i++)
        if (strcmp(sc->layers[i].name, name) == 0) return &sc->layers[i];
    return NULL;
}

/* Number of "<rect" inside the group of layer name. */
static int svg_layer_rects(const char *svg, const char *name)
{
    char id[64];
    snprintf(id, sizeof id, "<g id=\"layer-%s\"", name);
    const char *start = strstr(svg, id);
    if (!start) return -1;
    const char *end = strstr(start + 1, "<g id=\"");
    int n = 0;
    for (const char *p = strstr(start, "<rect"); p && (!end || p < end); p = strstr(p + 1, "<rect")) n++;
    return n;
}

static void write_sample(const fixture *f, int cell, const char *name, const render_opts *o)
{
    const char *dir = getenv("HALO_RENDER_SAMPLES");
    if (!dir || !*dir) return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    halo_err err;
    if (render_write(f->lib, cell, path, o, &err)) printf("    sample %s: %s\n", path, err.msg);
}

/* ---------------------------------------------------------------- tests */

TEST(png_size_and_pixels)
{
    fixture f;
    if (setup(&f)) { CHECK(0); return; }
    halo_err err;
    halo_err_clear(&err);
    const char *path = tmp_path("nfet.png");
    CHECK_INT(render_write(f.lib, f.nfet, path, NULL, &err), 0);
    int w = 0, h = 0;
    unsigned char *rgb = read_png(path, &w, &h);
    CHECK(rgb != NULL);
    if (!rgb) { teardown(&f); return; }
    render_scene sc;
    CHECK_INT(render_scene_build(f.lib, f.nfet, NULL, &sc, &err), 0);
    CHECK_INT(w, 1200);
    CHECK_INT(h, sc.h);
    CHECK(h > 300 && h < 2400);

    /* The drain bus, left of its pin name: met1 alone over white. */
    const rs_layer *m1 = scene_layer(&sc, "met1");
    CHECK(m1 != NULL);
    if (m1) {
        rs_rect bus = m1->rects[m1->nrects - 1];
        int x = (int)(bus.x0 + (bus.x1 - bus.x0) * 0.12f), y = (int)((bus.y0 + bus.y1) / 2);
        unsigned got = pixel(rgb, w, x, y);
        CHECK(got != 0xffffff);
        CHECK(near_rgb(got, layer_over_white("met1"), 2));
        CHECK(!near_rgb(got, layer_over_white("poly"), 8));
        CHECK(!near_rgb(got, layer_over_white("li1"), 8));
        CHECK(!near_rgb(got, layer_over_white("diff"), 8));
    }
    /* Background: the corners and the margin. */
    CHECK_INT(pixel(rgb, w, 1, 1), 0xffffff);
    CHECK_INT(pixel(rgb, w, w - 2, h - 2), 0xffffff);
    CHECK_INT(pixel(rgb, w, w - 2, h / 2), 0xffffff);

    /* Legend swatches of the filled layers show their colour over white. */
    int swatches = 0;
    for (int i = 0; i < sc.nmarks; i++) {
        const rs_mark *m = &sc.marks[i];
        if (strcmp(m->cls, "legend") != 0 || m->fill_alpha == 0 || m->cross) continue;
        int x = (int)((m->r.x0 + m->r.x1) / 2), y = (int)((m->r.y0 + m->r.y1) / 2);
        CHECK(near_rgb(pixel(rgb, w, x, y), over_white(m->fill, m->fill_alpha), 2));
        swatches++;
    }
    CHECK_INT(swatches, 5);      /* diff tap poly li1 met1; cuts and implants differ */
    render_scene_free(&sc);
    free(rgb);
    teardown(&f);
}

TEST(svg_structure)
{
    fixture f;
    if (setup(&f)) { CHECK(0); return; }
    halo_err err;
    char *svg = render_svg_text(f.lib, f.nfet, NULL, &err);
    CHECK(svg != NULL);
    if (!svg) { printf("    %s\n", err.msg); teardown(&f); return; }
    static const char *layers[] = {"diff", "tap", "nsdm", "psdm", "poly", "licon1", "li1", "mcon", "met1"};
    for (size_t i = 0; i < sizeof layers / sizeof *layers; i++) {
        int l = L(&f, layers[i]);
        CHECK_INT(svg_layer_rects(svg, layers[i]), f.count[l]);
        char legend[64];
        snprintf(legend, sizeof legend, "class=\"legend\"");
        CHECK(strstr(svg, legend) != NULL);
        snprintf(legend, sizeof legend, ">%s</text>", layers[i]);
        CHECK(strstr(svg, legend) != NULL);
    }
    CHECK(svg_layer_rects(svg, "met2") < 0);
    CHECK(strstr(svg, ">D</text>") != NULL);
    CHECK(strstr(svg, ">S</text>") != NULL);
    CHECK(strstr(svg, ">VSS</text>") != NULL);
    CHECK(strstr(svg, ">nfet_demo</text>") != NULL);
    CHECK(strstr(svg, "3 \xc3\x97 3.525 \xc2\xb5m</text>") != NULL);
    /* the scale bar reads "N µm" with N = 1, 2 or 5 times a power of ten */
    const char *scale = strstr(svg, "<text class=\"scale\"");
    CHECK(scale != NULL);
    if (scale) {
        double len = 0;
        char unit[8] = "";
        CHECK_INT(sscanf(strchr(scale, '>') + 1, "%lf %7[^<]", &len, unit), 2);
        CHECK_STR(unit, "\xc2\xb5m");
        double mant = len / pow(10, floor(log10(len) + 1e-9));
        CHECK(fabs(mant - 1) < 1e-6 || fabs(mant - 2) < 1e-6 || fabs(mant - 5) < 1e-6);
    }
    /* process order: wells/implants, diff, poly, licon1, li1, mcon, met1 */
    const char *order[] = {"nsdm", "diff", "tap", "poly", "licon1", "li1", "mcon", "met1"};
    for (int i = 1; i < 8; i++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "<g id=\"layer-%s\"", order[i - 1]);
        snprintf(b, sizeof b, "<g id=\"layer-%s\"", order[i]);
        CHECK(strstr(svg, a) && strstr(svg, b) && strstr(svg, a) < strstr(svg, b));
    }
    free(svg);
    teardown(&f);
}

TEST(layer_filter)
{
    fixture f;
    if (setup(&f)) { CHECK(0); return; }
    halo_err err;
    int *layers = NULL, n = 0;
    CHECK_INT(render_parse_layers(f.lib, "met1", &layers, &n, &err), 0);
    CHECK_INT(n, 1);
    render_opts o = {0, layers, n, NULL, NULL, 0};
    char *svg = render_svg_text(f.lib, f.nfet, &o, &err);
    CHECK(svg != NULL);
    if (svg) {
        CHECK(strstr(svg, "layer-poly") == NULL);
        CHECK(strstr(svg, ">poly</text>") == NULL);
        CHECK_INT(svg_layer_rects(svg, "met1"), f.count[L(&f, "met1")]);
        CHECK(strstr(svg, ">D</text>") != NULL);
        CHECK(strstr(svg, ">G</text>") == NULL);      /* on li1: filtered out */
    }
    int w, h;
    unsigned char *rgb = render_rgb(f.lib, f.nfet, &o, &w, &h, &err);
    CHECK(rgb != NULL);
    if (rgb) {
        unsigned poly = layer_over_white("poly");
        int found = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) found += near_rgb(pixel(rgb, w, x, y), poly, 3);
        CHECK_INT(found, 0);
    }
    write_sample(&f, f.nfet, "met1.png", &o);
    free(rgb);
    free(svg);
    free(layers);
    teardown(&f);
}

TEST(parse_layers)
{
    fixture f;
    if (setup(&f)) { CHECK(0); return; }
    halo_err err;
    int *layers = NULL, n = 0;
    CHECK_INT(render_parse_layers(f.lib, " met1 {via}\t\"met2\" met1 ", &layers, &n, &err), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_INT(layers[0], L(&f, "met1"));
        CHECK_INT(layers[1], L(&f, "via"));
        CHECK_INT(layers[2], L(&f, "met2"));
    }
    free(layers);
    CHECK_INT(render_parse_layers(f.lib, "", &layers, &n, &err), 0);
    CHECK_INT(n, 0);
    free(layers);
    halo_err_clear(&err);
    CHECK_INT(render_parse_layers(f.lib, "met1 met9 poly", &layers, &n, &err), HALO_E_IMG_LAYER);
    CHECK(layers == NULL);
    CHECK(strstr(err.msg, "\"met9\"") != NULL);
    CHECK(strstr(err.msg, "met1") != NULL);
    teardown(&f);
}

TEST(errors)
{
    fixture f;
    if (setup(&f)) { CHECK(0); return; }
    halo_err err;
    halo_err_clear(&err);
    CHECK_INT(render_write(f.lib, f.nfet, tmp_path("x.jpg"), NULL, &err), HALO_E_IMG_FORMAT);
    CHECK_INT(render_write(f.lib, f.nfet, tmp_path("png"), NULL, &err), HALO_E_IMG_FORMAT);
    CHECK_INT(render_write(f.lib, f.nfet, "/tmp/x.png/y", NULL, &err), HALO_E_IMG_FORMAT);
    CHECK_INT(access(tmp_path("x.jpg"), F_OK), -1);
    CHECK_INT(render_write(f.lib, f.empty, tmp_path("e.png"), NULL, &err), HALO_E_IMG_EMPTY);
    CHECK(strstr(err.msg, "empty") != NULL);
    CHECK_INT(render_write(f.lib, f.empty, tmp_path("e.svg"), NULL, &err), HALO_E_IMG_EMPTY);
    int w, h;
    CHECK(render_rgb(f.lib, 99, NULL, &w, &h, &err) == NULL);
    CHECK_INT(err.id, HALO_E_IMG_EMPTY);
    CHECK_INT(render_write(f.lib, f.nfet, "/nonexistent/dir/a.PNG", NULL, &err), HALO_E_WRITE);
    CHECK_INT(render_write(f.lib, f.nfet, "/nonexistent/dir/a.Svg", NULL, &err), HALO_E_WRITE);
    teardown(&f);
}

TEST(instances_overlays_and_samples)
{
    fixture f;
    if (setup(&f)) { CHECK(0); return; }
    halo_err err;
    render_overlay ov[2] = {
        {{-500, -2000, 3300, 2600}, "slot A", 0xd02020, 1},
        {{6000, -2000, 9800, 2600}, "slot B", 0x2060d0, 0},
    };
    render_opts o = {900, NULL, 0, "pair placement", ov, 2};
    char *svg = render_svg_text(f.lib, f.pair, &o, &err);
    CHECK(svg != NULL);
    if (svg) {
        CHECK(strstr(svg, "<rect class=\"inst\"") != NULL);
        CHECK(strstr(svg, ">M1</text>") && strstr(svg, ">M2</text>"));
        CHECK(strstr(svg, ">slot A</text>") && strstr(svg, "stroke-dasharray"));
        CHECK(strstr(svg, ">pair placement</text>") != NULL);
        CHECK_INT(svg_layer_rects(svg, "poly"), 2 * f.count[L(&f, "poly")]);
        CHECK(strstr(svg, "width=\"900\"") != NULL);
    }
    free(svg);
    /* an empty cell with overlays is a placement picture, not an error */
    render_opts only = {600, NULL, 0, NULL, ov, 2};
    svg = render_svg_text(f.lib, f.empty, &only, &err);
    CHECK(svg != NULL);
    free(svg);
    write_sample(&f, f.nfet, "nfet.png", NULL);
    write_sample(&f, f.nfet, "nfet.svg", NULL);
    write_sample(&f, f.pair, "pair.png", NULL);
    write_sample(&f, f.pair, "pair.svg", NULL);
    write_sample(&f, f.pair, "placement.png", &o);
    teardown(&f);
}

TEST(deterministic_png)
{
    fixture f;
    if (setup(&f)) { CHECK(0); return; }
    halo_err err;
    size_t la = 0, lb = 0;
    CHECK_INT(render_write(f.lib, f.pair, tmp_path("a.png"), NULL, &err), 0);
    CHECK_INT(render_write(f.lib, f.pair, tmp_path("b.png"), NULL, &err), 0);
    FILE *a = fopen(tmp_path("a.png"), "rb");
    char *ba = malloc(1 << 22), *bb = malloc(1 << 22);
    if (a) { la = fread(ba, 1, 1 << 22, a); fclose(a); }
    FILE *b = fopen(tmp_path("b.png"), "rb");
    if (b) { lb = fread(bb, 1, 1 << 22, b); fclose(b); }
    CHECK(la > 1000 && la == lb && memcmp(ba, bb, la) == 0);
    CHECK(la > 8 && memcmp(ba + 1, "PNG", 3) == 0);
    CHECK(memmem(ba, la, "tIME", 4) == NULL);
    free(ba);
    free(bb);
    teardown(&f);
}

/* Odd cells draw without tripping the sanitizers: a lone label, a line,
 * coordinates at the ends of int32, widths outside the allowed range. */
TEST(extremes)
{
    fixture f;
    if (setup(&f)) { CHECK(0); return; }
    halo_err err;
    int lab = lay_cell_new(f.lib, "label_only");
    lay_label_add(f.lib->cells[lab], "hello", L(&f, "met1"), 0, 0);
    int line = lay_cell_new(f.lib, "line");
    lay_rect_add(f.lib->cells[line], L(&f, "met2"), lay_box_make(0, 0, 100000, 5), -1);
    int far = lay_cell_new(f.lib, "far");
    lay_rect_add(f.lib->cells[far], L(&f, "met3"), lay_box_make(INT32_MIN, INT32_MIN, INT32_MIN + 1000, INT32_MIN + 1000), -1);
    lay_rect_add(f.lib->cells[far], L(&f, "met3"), lay_box_make(INT32_MAX - 1000, INT32_MAX - 1000, INT32_MAX, INT32_MAX), -1);
    int cells[] = {lab, line, far, f.nfet};
    int widths[] = {0, 1, 200, 3000};
    for (int i = 0; i < 4; i++) {
        render_opts o = {widths[i], NULL, 0, NULL, NULL, 0};
        int w = 0, h = 0;
        unsigned char *rgb = render_rgb(f.lib, cells[i], &o, &w, &h, &err);
        CHECK(rgb != NULL);
        CHECK(w >= 160 && h > 0 && h < 4 * w);
        free(rgb);
        char *svg = render_svg_text(f.lib, cells[i], &o, &err);
        CHECK(svg && strstr(svg, "</svg>"));
        free(svg);
    }
    /* escaping: a name with XML specials */
    lay_pin_add(f.lib->cells[lab], "a<b&\"c\"", L(&f, "met1"), lay_box_make(0, 0, 500, 500));
    char *svg = render_svg_text(f.lib, lab, NULL, &err);
    CHECK(svg && strstr(svg, ">a&lt;b&amp;&quot;c&quot;</text>"));
    free(svg);
    teardown(&f);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 5,000 rectangles over 8 layers: a dense routed block. Timed, not asserted. */
TEST(timing_5000_rects)
{
    fixture f;
    if (setup(&f)) { CHECK(0); return; }
    int big = lay_cell_new(f.lib, "big");
    static const char *names[] = {"diff", "poly", "licon1", "li1", "mcon", "met1", "via", "met2"};
    unsigned seed = 12345;
    for (int i = 0; i < 5000; i++) {
        seed = seed * 1103515245u + 12345u;
        int32_t x = (int32_t)(seed >> 8) % 200000, y = (int32_t)(seed >> 4) % 150000;
        int l = lay_layer_find(f.lib, names[i % 8]);
        int32_t w = i % 8 == 2 || i % 8 == 4 || i % 8 == 6 ? 170 : 300 + (int32_t)(seed % 6000);
        lay_rect_add(f.lib->cells[big], l, lay_box_make(x, y, x + w, y + 340 + (int32_t)(seed % 3000)), -1);
    }
    halo_err err;
    double t0 = now_ms();
    int rc = render_write(f.lib, big, tmp_path("big.png"), NULL, &err);
    double t1 = now_ms();
    char *svg = render_svg_text(f.lib, big, NULL, &err);
    double t2 = now_ms();
    CHECK_INT(rc, 0);
    CHECK(svg != NULL);
    printf("    5000 rects: png %.1f ms, svg %.1f ms (%zu bytes)\n", t1 - t0, t2 - t1,
           svg ? strlen(svg) : 0);
    free(svg);
    teardown(&f);
}

static void cleanup(void) __attribute__((destructor));
static void cleanup(void)
{
    if (!*tmpdir) return;
    static const char *files[] = {"nfet.png", "a.png", "b.png", "big.png"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) unlink(tmp_path(files[i]));
    rmdir(tmpdir);
}

UNIT_MAIN("test_render")
