/*
 * render.c -- the scene of a layout picture (see render.h, render_scene.h):
 * what to draw and where, independent of the output format.
 *
 * Owns: gathering the flattened cell (shapes per layer, pins, labels),
 * fitting it into the image (y flipped: layout y points up), the page
 * layout around it (title band on top; scale bar and legend rows below the
 * drawing, so the height is the drawing's aspect ratio plus those bands),
 * the round scale-bar length, and the public entry points render_write and
 * render_parse_layers.  render_svg.c and render_raster.c only paint the
 * scene built here, which is why both formats show the same picture.
 */
#include "render_scene.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/strutil.h"

#define DEFAULT_WIDTH 1200
#define MIN_WIDTH 160
#define MAX_WIDTH 8000
#define MAX_ASPECT 2.0          /* drawing height at most this times its width */

#define TEXT_RGB 0x202020
#define NOTE_RGB 0x505050
#define INST_RGB 0x404040

/* ---------------------------------------------------------------- gathering */

typedef struct box_list {
    lay_box *b;
    int n, cap;
} box_list;

typedef struct gpin {
    lay_box box;
    int layer;
    const char *name;
    int depth;              /* 0 for the cell's own pins, 1 inside an instance, ... */
} gpin;

typedef struct glabel {
    int32_t x, y;
    int layer;
    const char *text;
    int depth;
} glabel;

typedef struct gathered {
    int nlayers;
    char *want;             /* per layer: 1 when it is drawn */
    box_list *per_layer;
    gpin *pins;     int npins, cappins;
    glabel *labels; int nlabels, caplabels;
    lay_box extent;         /* every shape, pin and label of every layer */
    int any;
} gathered;

static int path_depth(const char *path)
{
    if (!*path) return 0;
    int d = 1;
    for (; *path; path++) d += *path == '/';
    return d;
}

/* Extend the extent by a box that may be a point (labels). */
static void extent_add(gathered *g, lay_box b)
{
    if (!g->any) {
        g->extent = b;
        g->any = 1;
        return;
    }
    if (b.x0 < g->extent.x0) g->extent.x0 = b.x0;
    if (b.y0 < g->extent.y0) g->extent.y0 = b.y0;
    if (b.x1 > g->extent.x1) g->extent.x1 = b.x1;
    if (b.y1 > g->extent.y1) g->extent.y1 = b.y1;
}

static int wanted(const gathered *g, int layer)
{
    return layer >= 0 && layer < g->nlayers && g->want[layer];
}

static void on_rect(void *ctx, const char *path, const lay_cell *c, const lay_rect *r, lay_box b)
{
    (void)path, (void)c;
    gathered *g = ctx;
    extent_add(g, b);
    if (!wanted(g, r->layer)) return;
    box_list *l = &g->per_layer[r->layer];
    su_grow((void **)&l->b, &l->cap, l->n + 1, sizeof *l->b);
    l->b[l->n++] = b;
}

static void on_pin(void *ctx, const char *path, const lay_cell *c, const lay_pin *p, lay_box b)
{
    (void)c;
    gathered *g = ctx;
    extent_add(g, b);
    if (!wanted(g, p->layer)) return;
    su_grow((void **)&g->pins, &g->cappins, g->npins + 1, sizeof *g->pins);
    g->pins[g->npins++] = (gpin){b, p->layer, p->name, path_depth(path)};
}

static void on_label(void *ctx, const char *path, const lay_cell *c, const lay_label *l,
                     int32_t x, int32_t y)
{
    (void)c;
    gathered *g = ctx;
    extent_add(g, (lay_box){x, y, x, y});
    if (!wanted(g, l->layer)) return;
    su_grow((void **)&g->labels, &g->caplabels, g->nlabels + 1, sizeof *g->labels);
    g->labels[g->nlabels++] = (glabel){x, y, l->layer, l->text, path_depth(path)};
}

static void gather(const lay_lib *lib, int cell, const render_opts *o, gathered *g)
{
    memset(g, 0, sizeof *g);
    g->nlayers = lib->nlayers;
    g->want = halo_xcalloc((size_t)lib->nlayers + 1, 1);
    g->per_layer = halo_xcalloc((size_t)lib->nlayers + 1, sizeof *g->per_layer);
    for (int i = 0; i < lib->nlayers; i++) g->want[i] = o->layers == NULL;
    for (int i = 0; o->layers && i < o->nlayers; i++)
        if (o->layers[i] >= 0 && o->layers[i] < lib->nlayers) g->want[o->layers[i]] = 1;
    lay_walker w = {g, on_rect, on_pin, on_label};
    lay_walk(lib, cell, &w);
    /* The extent covers every layer, drawn or not, so pictures of one cell
     * with different -layers line up; overlays may reach beyond the cell. */
    for (int i = 0; i < o->noverlays; i++)
        if (!lay_box_empty(o->overlays[i].box)) extent_add(g, o->overlays[i].box);
}

static void gathered_free(gathered *g)
{
    for (int i = 0; i < g->nlayers; i++) free(g->per_layer[i].b);
    free(g->per_layer);
    free(g->want);
    free(g->pins);
    free(g->labels);
}

/* ---------------------------------------------------------------- scene items */

static void push_mark(render_scene *sc, rs_mark m)
{
    su_grow((void **)&sc->marks, &sc->capmarks, sc->nmarks + 1, sizeof *sc->marks);
    sc->marks[sc->nmarks++] = m;
}

static rs_text *push_text(render_scene *sc, float x, float y, int scale, unsigned rgb,
                          const char *s, const char *cls)
{
    su_grow((void **)&sc->texts, &sc->captexts, sc->ntexts + 1, sizeof *sc->texts);
    rs_text *t = &sc->texts[sc->ntexts++];
    *t = (rs_text){x, y, scale, rgb, RS_LEFT, 0, 0, su_strdup(s), cls};
    return t;
}

void render_scene_free(render_scene *sc)
{
    for (int i = 0; i < sc->nlayers; i++) free(sc->layers[i].rects);
    for (int i = 0; i < sc->ntexts; i++) free(sc->texts[i].s);
    free(sc->layers);
    free(sc->marks);
    free(sc->texts);
    free(sc->title);
    memset(sc, 0, sizeof *sc);
}

/* A colour moved toward black by frac (0..1): text in a layer's colour
 * must stay dark enough to read on white. */
static unsigned darken(unsigned rgb, double frac)
{
    unsigned out = 0;
    for (int sh = 0; sh <= 16; sh += 8) {
        double c = (double)((rgb >> sh) & 0xff) * (1.0 - frac);
        out |= (unsigned)lrint(c) << sh;
    }
    return out;
}

/* "5.2", "0.43", "12": µm with at most 3 decimals (the grid is 5 nm). */
static void format_um(char *buf, size_t n, double nm)
{
    snprintf(buf, n, "%.3f", nm / 1000.0);
    char *dot = strchr(buf, '.');
    if (!dot) return;
    char *end = buf + strlen(buf) - 1;
    while (end > dot && *end == '0') *end-- = '\0';
    if (end == dot) *end = '\0';
}

/* ---------------------------------------------------------------- page layout */

/* Where everything goes, in pixels. */
typedef struct frame {
    int w, h;
    int ts;                 /* text scale of labels, legend, scale bar */
    int tts;                /* text scale of the title */
    int margin;
    float ax, ay, aw, ah;   /* drawing area */
    double s;               /* pixels per nm */
    lay_box ext;            /* content, nm */
    float ox, oy;           /* pixel of (ext.x0, ext.y0): bottom left */
    int scale_y;            /* top of the scale-bar row */
    int legend_y;           /* top of the legend */
    int swatch, row_h;      /* legend swatch side and row height */
} frame;

static rs_rect to_px(const frame *f, lay_box b)
{
    /* differences in double: far-apart int32 coordinates would overflow */
    double x0 = f->ext.x0, y0 = f->ext.y0;
    rs_rect r;
    r.x0 = f->ox + (float)(((double)b.x0 - x0) * f->s);
    r.x1 = f->ox + (float)(((double)b.x1 - x0) * f->s);
    r.y0 = f->oy - (float)(((double)b.y1 - y0) * f->s);
    r.y1 = f->oy - (float)(((double)b.y0 - y0) * f->s);
    return r;
}

static int32_t clamp_i32(int64_t v)
{
    return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* A cell of one label, or a single line of shapes, still gets an area:
 * each side at least a tenth of the other and 200 nm. */
static lay_box nondegenerate(lay_box b)
{
    int64_t w = (int64_t)b.x1 - b.x0, h = (int64_t)b.y1 - b.y0;
    int64_t minside = (w > h ? w : h) / 10;
    if (minside < 200) minside = 200;
    if (w < minside) {
        b.x0 = clamp_i32(b.x0 - (minside - w) / 2);
        b.x1 = clamp_i32((int64_t)b.x0 + minside);
    }
    if (h < minside) {
        b.y0 = clamp_i32(b.y0 - (minside - h) / 2);
        b.y1 = clamp_i32((int64_t)b.y0 + minside);
    }
    return b;
}

static void frame_text_metrics(frame *f, int width)
{
    f->w = width;
    f->ts = (width + 300) / 600;
    if (f->ts < 1) f->ts = 1;
    f->tts = f->ts + 1;
    f->margin = 8 * f->ts;
    f->swatch = 8 * f->ts;
    f->row_h = 11 * f->ts;
}

/* Fit ext into the drawing area: full width unless the cell is so tall
 * that its height would pass MAX_ASPECT times the width; then centred. */
static void frame_fit(frame *f, lay_box ext)
{
    f->ext = nondegenerate(ext);
    float pad = (float)(4 * f->ts);
    f->ax = (float)f->margin;
    f->ay = (float)(f->margin + RS_FONT_HEIGHT * f->tts + f->margin / 2);
    f->aw = (float)(f->w - 2 * f->margin);
    double bw = (double)f->ext.x1 - f->ext.x0, bh = (double)f->ext.y1 - f->ext.y0;
    double inner = f->aw - 2 * pad;
    f->s = inner / bw;
    if (bh * f->s > MAX_ASPECT * inner) f->s = MAX_ASPECT * inner / bh;
    f->ah = (float)(bh * f->s + 2 * pad);
    f->ox = f->ax + (float)((f->aw - bw * f->s) / 2);
    f->oy = f->ay + f->ah - pad;
}

/* Legend entries flow left to right and wrap; returns the row count and
 * fills x/row of each entry. */
static int legend_flow(const frame *f, const char *const *names, int n, int *x, int *row)
{
    int left = f->margin, right = f->w - f->margin, cx = left, r = 0;
    for (int i = 0; i < n; i++) {
        int wdt = f->swatch + 3 * f->ts + render_font_width(names[i], f->ts);
        if (cx > left && cx + wdt > right) cx = left, r++;
        x[i] = cx;
        row[i] = r;
        cx += wdt + 8 * f->ts;
    }
    return n ? r + 1 : 0;
}

static void frame_bands(frame *f, int legend_rows)
{
    f->scale_y = (int)lrintf(f->ay + f->ah) + f->margin / 2;
    f->legend_y = f->scale_y + RS_FONT_HEIGHT * f->ts + f->margin;
    f->h = f->legend_y + legend_rows * f->row_h + f->margin;
}

/* ---------------------------------------------------------------- drawing items */

static int layer_order(const void *a, const void *b)
{
    const rs_layer *x = a, *y = b;
    if (x->style.rank != y->style.rank) return x->style.rank < y->style.rank ? -1 : 1;
    return (x->layer > y->layer) - (x->layer < y->layer);
}

/* Every drawn layer -- with shapes or with pins -- in draw order; the
 * layers with shapes become scene layers.  Returns the count of all. */
static int collect_layers(const lay_lib *lib, const gathered *g, rs_layer **out)
{
    char *has_pin = halo_xcalloc((size_t)g->nlayers + 1, 1);
    for (int i = 0; i < g->npins; i++) has_pin[g->pins[i].layer] = 1;
    rs_layer *l = halo_xcalloc((size_t)g->nlayers + 1, sizeof *l);
    int n = 0;
    for (int i = 0; i < g->nlayers; i++) {
        if (!g->per_layer[i].n && !has_pin[i]) continue;
        l[n].layer = i;
        l[n].name = lib->layers[i].name;
        l[n].style = render_style_of(lib->layers[i].name, i);
        n++;
    }
    qsort(l, (size_t)n, sizeof *l, layer_order);
    free(has_pin);
    *out = l;
    return n;
}

static void add_layer_shapes(render_scene *sc, const gathered *g, const frame *f,
                             const rs_layer *drawn, int ndrawn)
{
    sc->layers = halo_xcalloc((size_t)ndrawn + 1, sizeof *sc->layers);
    for (int i = 0; i < ndrawn; i++) {
        const box_list *bl = &g->per_layer[drawn[i].layer];
        if (!bl->n) continue;
        rs_layer *l = &sc->layers[sc->nlayers++];
        *l = drawn[i];
        l->rects = halo_xmalloc((size_t)bl->n * sizeof *l->rects);
        l->nrects = l->caprects = bl->n;
        for (int k = 0; k < bl->n; k++) l->rects[k] = to_px(f, bl->b[k]);
    }
}

/* The bounding box and name of each instance of the drawn cell (depth 1). */
static void add_instances(render_scene *sc, const lay_lib *lib, int cell, const frame *f)
{
    const lay_cell *c = lib->cells[cell];
    for (int i = 0; i < c->ninsts; i++) {
        const lay_inst *in = &c->insts[i];
        lay_box cb = lay_cell_bbox(lib, in->cell);
        if (lay_box_empty(cb)) continue;
        lay_xform t = {in->orient, in->x, in->y};
        rs_rect r = to_px(f, lay_xform_box(&t, cb));
        push_mark(sc, (rs_mark){r, INST_RGB, 1.0f, 0, 0, 0, 0, "inst"});
        rs_text *tx = push_text(sc, r.x0 + (float)(2 * f->ts),
                                r.y0 + (float)((2 + RS_FONT_ASCENT) * f->ts), f->ts, INST_RGB,
                                in->name, "inst");
        tx->halo = 1;
    }
}

static unsigned layer_stroke(const lay_lib *lib, int layer)
{
    return render_style_of(lib->layers[layer].name, layer).stroke;
}

/* Boxes of the pin names placed so far, so two pins with one centre (the
 * plates of a MIM capacitor) do not print their names on top of each other. */
typedef struct text_boxes {
    rs_rect *r;
    int n, cap;
} text_boxes;

static int overlaps_any(const text_boxes *tb, rs_rect r)
{
    for (int i = 0; i < tb->n; i++)
        if (r.x0 < tb->r[i].x1 && tb->r[i].x0 < r.x1 && r.y0 < tb->r[i].y1 && tb->r[i].y0 < r.y1)
            return 1;
    return 0;
}

/* The vertical shift (0, one line down, one up, two down, ...) that keeps
 * box r clear of the names already placed; 0 when none does. */
static float clear_shift(text_boxes *tb, rs_rect r)
{
    float line = r.y1 - r.y0;
    for (int k = 0; k < 7; k++) {
        float dy = (float)((k + 1) / 2) * line * (k % 2 ? 1.0f : -1.0f);
        rs_rect m = {r.x0, r.y0 + dy, r.x1, r.y1 + dy};
        if (overlaps_any(tb, m)) continue;
        su_grow((void **)&tb->r, &tb->cap, tb->n + 1, sizeof *tb->r);
        tb->r[tb->n++] = m;
        return dy;
    }
    return 0;
}

/* Pins: a bold outline in the layer's colour, the terminal name at the
 * centre -- larger for the cell's own pins than for its instances'.  Names
 * of pins deeper than that are left out: in a big hierarchy they would
 * bury the picture. */
static void add_pins(render_scene *sc, const lay_lib *lib, const gathered *g, const frame *f)
{
    float bold = (float)(f->ts + 1);
    text_boxes placed = {0};
    for (int i = 0; i < g->npins; i++) {
        const gpin *p = &g->pins[i];
        rs_rect r = to_px(f, p->box);
        push_mark(sc, (rs_mark){r, layer_stroke(lib, p->layer), bold, 0, 0, 0, 0, "pin"});
        if (p->depth > 1 || !p->name || !*p->name) continue;
        int scale = p->depth ? f->ts : f->tts;
        float cx = (r.x0 + r.x1) / 2, half = (float)render_font_width(p->name, scale) / 2;
        float cy = (r.y0 + r.y1) / 2 + (float)RS_FONT_ASCENT * (float)scale / 2;
        rs_rect box = {cx - half, cy - (float)(RS_FONT_ASCENT * scale), cx + half,
                       cy + (float)((RS_FONT_HEIGHT - RS_FONT_ASCENT + 1) * scale)};
        rs_text *t = push_text(sc, cx, cy + clear_shift(&placed, box), scale, 0x000000, p->name, "pin");
        t->anchor = RS_CENTER;
        t->bold = t->halo = 1;
    }
    free(placed.r);
}

/* Labels: a small cross at the point, the text to its right. */
static void add_labels(render_scene *sc, const lay_lib *lib, const gathered *g, const frame *f)
{
    float arm = (float)(3 * f->ts), th = f->ts > 1 ? 2.0f : 1.0f;
    for (int i = 0; i < g->nlabels; i++) {
        const glabel *l = &g->labels[i];
        if (l->depth > 1 || !l->text || !*l->text) continue;
        rs_rect p = to_px(f, (lay_box){l->x, l->y, l->x, l->y});
        unsigned rgb = darken(layer_stroke(lib, l->layer), 0.25);
        push_mark(sc, (rs_mark){{p.x0 - arm, p.y0 - th / 2, p.x0 + arm, p.y0 + th / 2}, 0, 0, 0,
                                rgb, 255, 0, "label"});
        push_mark(sc, (rs_mark){{p.x0 - th / 2, p.y0 - arm, p.x0 + th / 2, p.y0 + arm}, 0, 0, 0,
                                rgb, 255, 0, "label"});
        rs_text *t = push_text(sc, p.x0 + arm + (float)f->ts,
                               p.y0 + (float)RS_FONT_ASCENT * (float)f->ts / 2, f->ts, rgb, l->text,
                               "label");
        t->halo = 1;
    }
}

static void add_overlays(render_scene *sc, const render_opts *o, const frame *f)
{
    float wdt = (float)(f->ts > 1 ? f->ts : 2);
    for (int i = 0; i < o->noverlays; i++) {
        const render_overlay *ov = &o->overlays[i];
        if (lay_box_empty(ov->box)) continue;
        rs_rect r = to_px(f, ov->box);
        push_mark(sc, (rs_mark){r, ov->rgb, wdt, ov->dashed, ov->rgb, 24, 0, "overlay"});
        if (!ov->text || !*ov->text) continue;
        rs_text *t = push_text(sc, r.x0 + (float)(2 * f->ts),
                               r.y0 + (float)((2 + RS_FONT_ASCENT) * f->ts), f->ts,
                               darken(ov->rgb, 0.3), ov->text, "overlay");
        t->bold = t->halo = 1;
    }
}

/* Title band: the name in bold, then the size in µm. */
static void add_title(render_scene *sc, const frame *f, const char *name, lay_box bbox)
{
    float base = (float)(f->margin + RS_FONT_ASCENT * f->tts);
    rs_text *t = push_text(sc, (float)f->margin, base, f->tts, TEXT_RGB, name, "title");
    t->bold = 1;
    char w[32], h[32], size[80];
    format_um(w, sizeof w, (double)bbox.x1 - bbox.x0);
    format_um(h, sizeof h, (double)bbox.y1 - bbox.y0);
    snprintf(size, sizeof size, "%s \xc3\x97 %s \xc2\xb5m", w, h);
    float x = (float)(f->margin + render_font_width(name, f->tts) + 8 * f->ts);
    push_text(sc, x, base, f->ts, NOTE_RGB, size, "title");
    sc->title = su_strdup(name);
}

/* The largest 1, 2 or 5 x 10^k nm not longer than max_nm (at least 1 nm). */
static double round_length_nm(double max_nm)
{
    double best = 1;
    for (double decade = 1; decade <= 1e12; decade *= 10) {
        static const double steps[] = {1, 2, 5};
        for (int i = 0; i < 3; i++)
            if (steps[i] * decade <= max_nm) best = steps[i] * decade;
    }
    return best;
}

static void add_scale_bar(render_scene *sc, const frame *f)
{
    double len_nm = round_length_nm(f->aw / 4 / f->s);
    float len = (float)(len_nm * f->s);
    float x0 = f->ax, mid = (float)f->scale_y + (float)(RS_FONT_ASCENT * f->ts) / 2;
    float th = (float)(f->ts > 1 ? f->ts : 2), tick = (float)(3 * f->ts);
    push_mark(sc, (rs_mark){{x0, mid - th / 2, x0 + len, mid + th / 2}, 0, 0, 0, TEXT_RGB, 255, 0,
                            "scale"});
    push_mark(sc, (rs_mark){{x0, mid - tick, x0 + th, mid + tick}, 0, 0, 0, TEXT_RGB, 255, 0,
                            "scale"});
    push_mark(sc, (rs_mark){{x0 + len - th, mid - tick, x0 + len, mid + tick}, 0, 0, 0, TEXT_RGB,
                            255, 0, "scale"});
    char num[32], label[48];
    format_um(num, sizeof num, len_nm);
    snprintf(label, sizeof label, "%s \xc2\xb5m", num);
    push_text(sc, x0 + len + (float)(4 * f->ts), (float)(f->scale_y + RS_FONT_ASCENT * f->ts),
              f->ts, TEXT_RGB, label, "scale");
}

/* A legend swatch looks like a piece of the layer. */
static rs_mark swatch_mark(const rs_style *st, rs_rect r)
{
    int outline = st->paint == RS_PAINT_OUTLINE;
    return (rs_mark){r, st->stroke, outline ? 1.5f : 1.0f, outline, st->fill,
                     outline ? 0 : st->alpha, st->paint == RS_PAINT_CUT, "legend"};
}

static void add_legend(render_scene *sc, const frame *f, const rs_layer *drawn, int n,
                       const int *x, const int *row)
{
    for (int i = 0; i < n; i++) {
        float top = (float)(f->legend_y + row[i] * f->row_h);
        float sx = (float)x[i], sw = (float)f->swatch;
        push_mark(sc, swatch_mark(&drawn[i].style, (rs_rect){sx, top, sx + sw, top + sw}));
        float base = top + (sw + (float)(RS_FONT_ASCENT * f->ts)) / 2;
        push_text(sc, sx + sw + (float)(3 * f->ts), base, f->ts, TEXT_RGB, drawn[i].name,
                  "legend");
    }
}

/* ---------------------------------------------------------------- the scene */

static int clamp_width(int w)
{
    if (w <= 0) return DEFAULT_WIDTH;
    return w < MIN_WIDTH ? MIN_WIDTH : w > MAX_WIDTH ? MAX_WIDTH : w;
}

static void place_everything(render_scene *sc, const lay_lib *lib, int cell, const render_opts *o,
                             const gathered *g)
{
    frame f;
    frame_text_metrics(&f, clamp_width(o->width_px));
    frame_fit(&f, g->extent);
    rs_layer *drawn;
    int ndrawn = collect_layers(lib, g, &drawn);
    const char **names = halo_xmalloc(((size_t)ndrawn + 1) * sizeof *names);
    int *lx = halo_xmalloc(((size_t)ndrawn + 1) * sizeof *lx);
    int *lrow = halo_xmalloc(((size_t)ndrawn + 1) * sizeof *lrow);
    for (int i = 0; i < ndrawn; i++) names[i] = drawn[i].name;
    frame_bands(&f, legend_flow(&f, names, ndrawn, lx, lrow));
    sc->w = f.w;
    sc->h = f.h;
    add_layer_shapes(sc, g, &f, drawn, ndrawn);
    add_instances(sc, lib, cell, &f);
    add_pins(sc, lib, g, &f);
    add_labels(sc, lib, g, &f);
    add_overlays(sc, o, &f);
    add_title(sc, &f, o->title ? o->title : lib->cells[cell]->name, lay_cell_bbox(lib, cell));
    add_scale_bar(sc, &f);
    add_legend(sc, &f, drawn, ndrawn, lx, lrow);
    free(drawn);
    free(names);
    free(lx);
    free(lrow);
}

int render_scene_build(const lay_lib *lib, int cell, const render_opts *o, render_scene *sc,
                       halo_err *err)
{
    static const render_opts defaults = {0, NULL, 0, NULL, NULL, 0};
    if (!o) o = &defaults;
    memset(sc, 0, sizeof *sc);
    if (cell < 0 || cell >= lib->ncells) {
        char name[32];
        snprintf(name, sizeof name, "#%d", cell);
        return halo_err_set(err, HALO_E_IMG_EMPTY, NULL, 0, name);
    }
    gathered g;
    gather(lib, cell, o, &g);
    if (!g.any) {
        gathered_free(&g);
        return halo_err_set(err, HALO_E_IMG_EMPTY, NULL, 0, lib->cells[cell]->name);
    }
    place_everything(sc, lib, cell, o, &g);
    gathered_free(&g);
    return 0;
}

/* ---------------------------------------------------------------- public API */

typedef enum { FORMAT_NONE, FORMAT_PNG, FORMAT_SVG } image_format;

static image_format format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && slash > dot)) return FORMAT_NONE;
    if (su_casecmp(dot, ".png") == 0) return FORMAT_PNG;
    if (su_casecmp(dot, ".svg") == 0) return FORMAT_SVG;
    return FORMAT_NONE;
}

static int write_png(const render_scene *sc, const char *path, halo_err *err)
{
    unsigned char *rgb = render_scene_rgb(sc), *png;
    size_t len;
    int rc = render_png_encode(rgb, sc->w, sc->h, path, &png, &len, err);
    free(rgb);
    if (rc) return rc;
    rc = halo_write_atomic(path, (const char *)png, len, err);
    free(png);
    return rc;
}

static int write_svg(const render_scene *sc, const char *path, halo_err *err)
{
    char *svg = render_scene_svg(sc);
    int rc = halo_write_atomic(path, svg, strlen(svg), err);
    free(svg);
    return rc;
}

int render_write(const lay_lib *lib, int cell, const char *path, const render_opts *o, halo_err *err)
{
    image_format fmt = format_of(path);
    if (fmt == FORMAT_NONE) return halo_err_set(err, HALO_E_IMG_FORMAT, NULL, 0, path);
    render_scene sc;
    int rc = render_scene_build(lib, cell, o, &sc, err);
    if (rc) return rc;
    rc = fmt == FORMAT_PNG ? write_png(&sc, path, err) : write_svg(&sc, path, err);
    render_scene_free(&sc);
    return rc;
}

/* Next element of a Tcl list: a word, a {braced} or a "quoted" string.
 * Layer names hold no spaces or braces, so nesting is not needed; an
 * unterminated brace or quote takes the rest.  Returns 0 at the end. */
static int next_list_word(const char **p, char *word, size_t n)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    if (!*s) return 0;
    const char *end;
    if (*s == '{' || *s == '"') {
        char close = *s == '{' ? '}' : '"';
        end = strchr(++s, close);
        if (!end) end = s + strlen(s);
        *p = *end ? end + 1 : end;
    } else {
        end = s + strcspn(s, " \t\n\r");
        *p = end;
    }
    size_t len = (size_t)(end - s) < n - 1 ? (size_t)(end - s) : n - 1;
    memcpy(word, s, len);
    word[len] = '\0';
    return 1;
}

static int unknown_layer(const lay_lib *lib, const char *name, halo_err *err)
{
    su_buf all = {0};
    for (int i = 0; i < lib->nlayers; i++)
        su_buf_printf(&all, "%s%s", i ? " " : "", lib->layers[i].name);
    int rc = halo_err_set(err, HALO_E_IMG_LAYER, NULL, 0, name, all.s ? all.s : "no layers");
    su_buf_free(&all);
    return rc;
}

int render_parse_layers(const lay_lib *lib, const char *list, int **layers, int *nlayers,
                        halo_err *err)
{
    int *out = halo_xmalloc(((size_t)lib->nlayers + 1) * sizeof *out);
    char *seen = halo_xcalloc((size_t)lib->nlayers + 1, 1);
    int n = 0, rc = 0;
    char word[256];
    const char *p = list ? list : "";
    while (next_list_word(&p, word, sizeof word)) {
        int l = lay_layer_find(lib, word);
        if (l < 0) {
            rc = unknown_layer(lib, word, err);
            break;
        }
        if (!seen[l]) out[n++] = l;
        seen[l] = 1;
    }
    free(seen);
    if (rc) {
        free(out);
        *layers = NULL;
        *nlayers = 0;
        return rc;
    }
    *layers = out;
    *nlayers = n;
    return 0;
}
