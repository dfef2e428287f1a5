/*
 * render_raster.c -- a scene painted into RGB pixels (see render_scene.h);
 * render_rgb of render.h.
 *
 * Owns: the canvas (white, 8-bit RGB, rows top to bottom), alpha blending
 * of filled boxes, outlines (solid or dashed), cut crosses and text.
 * A layer's fill is blended once per pixel, however many of its shapes
 * overlap there: two overlapping met1 shapes are one met1 area, not a
 * darker third colour that would read as another layer.  Outlines are opaque and 1 px so the
 * edges of every shape stay crisp whatever lies under them.  Pixel edges
 * round to the nearest pixel; a shape thinner than a pixel still gets one.
 */
#include "render_scene.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

/* ---------------------------------------------------------------- canvas */

typedef struct ibox {
    int x0, y0, x1, y1;     /* [x0,x1) x [y0,y1) */
} ibox;

static inline void blend(unsigned char *px, unsigned rgb, int alpha)
{
    int keep = 255 - alpha;
    px[0] = (unsigned char)((px[0] * keep + (int)((rgb >> 16) & 0xff) * alpha + 127) / 255);
    px[1] = (unsigned char)((px[1] * keep + (int)((rgb >> 8) & 0xff) * alpha + 127) / 255);
    px[2] = (unsigned char)((px[2] * keep + (int)(rgb & 0xff) * alpha + 127) / 255);
}

static ibox clip(const rs_canvas *cv, ibox b)
{
    if (b.x0 < 0) b.x0 = 0;
    if (b.y0 < 0) b.y0 = 0;
    if (b.x1 > cv->w) b.x1 = cv->w;
    if (b.y1 > cv->h) b.y1 = cv->h;
    return b;
}

void rs_canvas_fill(rs_canvas *cv, int x0, int y0, int x1, int y1, unsigned rgb, int alpha)
{
    ibox b = clip(cv, (ibox){x0, y0, x1, y1});
    for (int y = b.y0; y < b.y1; y++) {
        unsigned char *px = cv->rgb + ((size_t)y * (size_t)cv->w + (size_t)b.x0) * 3;
        for (int x = b.x0; x < b.x1; x++, px += 3) blend(px, rgb, alpha);
    }
}

/* Pixel coordinate of a scene coordinate, kept in a range where the
 * conversion to int is defined. */
static int to_pixel(float v)
{
    if (!(v > -1e6f)) return -1000000;
    if (v > 1e6f) return 1000000;
    return (int)lrintf(v);
}

static ibox pixel_box(rs_rect r)
{
    ibox b = {to_pixel(r.x0), to_pixel(r.y0), to_pixel(r.x1), to_pixel(r.y1)};
    if (b.x1 <= b.x0) b.x1 = b.x0 + 1;
    if (b.y1 <= b.y0) b.y1 = b.y0 + 1;
    return b;
}

/* ---------------------------------------------------------------- outlines */

#define DASH_ON 4
#define DASH_OFF 3

/* A run of pixels along one edge; dashed runs count from the edge's start. */
static void edge_run(rs_canvas *cv, int x, int y, int dx, int dy, int len, int thick,
                     unsigned rgb, int dashed)
{
    for (int i = 0; i < len; i++) {
        if (dashed && i % (DASH_ON + DASH_OFF) >= DASH_ON) continue;
        int px = x + dx * i, py = y + dy * i;
        rs_canvas_fill(cv, px, py, px + (dx ? 1 : thick), py + (dy ? 1 : thick), rgb, 255);
    }
}

/* An outline of thickness t drawn inside the box. */
static void stroke_box(rs_canvas *cv, ibox b, int t, unsigned rgb, int dashed)
{
    int w = b.x1 - b.x0, h = b.y1 - b.y0;
    if (!dashed) {
        rs_canvas_fill(cv, b.x0, b.y0, b.x1, b.y0 + t, rgb, 255);
        rs_canvas_fill(cv, b.x0, b.y1 - t, b.x1, b.y1, rgb, 255);
        rs_canvas_fill(cv, b.x0, b.y0, b.x0 + t, b.y1, rgb, 255);
        rs_canvas_fill(cv, b.x1 - t, b.y0, b.x1, b.y1, rgb, 255);
        return;
    }
    edge_run(cv, b.x0, b.y0, 1, 0, w, t, rgb, 1);
    edge_run(cv, b.x0, b.y1 - t, 1, 0, w, t, rgb, 1);
    edge_run(cv, b.x0, b.y0, 0, 1, h, t, rgb, 1);
    edge_run(cv, b.x1 - t, b.y0, 0, 1, h, t, rgb, 1);
}

/* The two diagonals of a cut, when it is big enough for them to read. */
static void cross_box(rs_canvas *cv, ibox b, unsigned rgb)
{
    int w = b.x1 - b.x0, h = b.y1 - b.y0;
    if (w < 6 || h < 6) return;
    int n = w > h ? w : h;
    for (int i = 0; i < n; i++) {
        int x = b.x0 + (int)((long)i * w / n), y = b.y0 + (int)((long)i * h / n);
        rs_canvas_fill(cv, x, y, x + 1, y + 1, rgb, 255);
        rs_canvas_fill(cv, b.x1 - 1 - (x - b.x0), y, b.x1 - (x - b.x0), y + 1, rgb, 255);
    }
}

/* ---------------------------------------------------------------- layers */

/* Blend the layer's colour once over every pixel one of its shapes covers:
 * stamp[] remembers which layer last painted a pixel, so the cost is the
 * shapes' area and nothing needs clearing between layers. */
static void fill_layer(rs_canvas *cv, unsigned short *stamp, unsigned short id, const rs_layer *l)
{
    for (int i = 0; i < l->nrects; i++) {
        ibox b = clip(cv, pixel_box(l->rects[i]));
        for (int y = b.y0; y < b.y1; y++) {
            size_t row = (size_t)y * (size_t)cv->w;
            for (int x = b.x0; x < b.x1; x++) {
                if (stamp[row + (size_t)x] == id) continue;
                stamp[row + (size_t)x] = id;
                blend(cv->rgb + (row + (size_t)x) * 3, l->style.fill, l->style.alpha);
            }
        }
    }
}

static void paint_layer(rs_canvas *cv, unsigned short *stamp, unsigned short id, const rs_layer *l)
{
    const rs_style *st = &l->style;
    if (st->paint != RS_PAINT_OUTLINE) fill_layer(cv, stamp, id, l);
    for (int i = 0; i < l->nrects; i++) {
        ibox b = pixel_box(l->rects[i]);
        stroke_box(cv, b, 1, st->stroke, st->paint == RS_PAINT_OUTLINE);
        if (st->paint == RS_PAINT_CUT) cross_box(cv, b, st->stroke);
    }
}

/* ---------------------------------------------------------------- marks, text */

static void paint_mark(rs_canvas *cv, const rs_mark *m)
{
    ibox b = pixel_box(m->r);
    if (m->fill_alpha > 0) rs_canvas_fill(cv, b.x0, b.y0, b.x1, b.y1, m->fill, m->fill_alpha);
    if (m->stroke_w > 0) {
        int t = (int)lrintf(m->stroke_w);
        stroke_box(cv, b, t < 1 ? 1 : t, m->stroke, m->dashed);
    }
    if (m->cross) cross_box(cv, b, m->stroke);
}

static void paint_text(rs_canvas *cv, const rs_text *t)
{
    int x = to_pixel(t->x), y = to_pixel(t->y);
    int w = render_font_width(t->s, t->scale) + (t->bold ? 1 : 0);
    if (t->anchor == RS_CENTER) x -= w / 2;
    if (t->halo) {
        int r = t->scale > 1 ? 2 : 1;
        rs_canvas_fill(cv, x - r, y - RS_FONT_ASCENT * t->scale - r, x + w + r,
                       y + (RS_FONT_HEIGHT - RS_FONT_ASCENT) * t->scale + r, 0xffffff, 150);
    }
    render_font_draw(cv, t->s, x, y, t->scale, t->rgb);
    if (t->bold) render_font_draw(cv, t->s, x + 1, y, t->scale, t->rgb);
}

unsigned char *render_scene_rgb(const render_scene *sc)
{
    size_t npx = (size_t)sc->w * (size_t)sc->h;
    rs_canvas cv = {halo_xmalloc(npx * 3), sc->w, sc->h};
    memset(cv.rgb, 0xff, npx * 3);
    /* stamp ids are 1-based; a scene has one layer per library layer at
     * most, far fewer than 65535, but wrap safely all the same */
    unsigned short *stamp = halo_xcalloc(npx, sizeof *stamp);
    for (int i = 0; i < sc->nlayers; i++)
        paint_layer(&cv, stamp, (unsigned short)(i % 65535 + 1), &sc->layers[i]);
    free(stamp);
    for (int i = 0; i < sc->nmarks; i++) paint_mark(&cv, &sc->marks[i]);
    for (int i = 0; i < sc->ntexts; i++) paint_text(&cv, &sc->texts[i]);
    return cv.rgb;
}

unsigned char *render_rgb(const lay_lib *lib, int cell, const render_opts *o, int *w, int *h,
                          halo_err *err)
{
    render_scene sc;
    if (render_scene_build(lib, cell, o, &sc, err)) return NULL;
    unsigned char *rgb = render_scene_rgb(&sc);
    *w = sc.w;
    *h = sc.h;
    render_scene_free(&sc);
    return rgb;
}
