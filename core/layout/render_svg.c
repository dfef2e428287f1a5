/*
 * render_svg.c -- a scene written as SVG text (see render_scene.h);
 * render_svg_text of render.h.
 *
 * Owns: the SVG form of the picture.  Coordinates are the scene's pixels
 * (µm scaled, y flipped) in a viewBox of the image size, so the SVG and
 * the PNG of a cell line up exactly.  Each layer is a group
 * <g id="layer-NAME"> holding one <rect> per shape; its fill opacity is
 * applied to the group as a whole so overlapping shapes of one layer read
 * as one area (as in the raster), and its outlines (and the crosses of
 * cuts) follow as a single <path>.  Text uses a monospace font whose
 * advance matches the raster font, so legend entries do not collide.
 */
#include "render_scene.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

/* A coordinate with at most two decimals, trailing zeros dropped. */
static void put_num(su_buf *b, double v)
{
    char s[48];
    snprintf(s, sizeof s, "%.2f", v);
    char *dot = strchr(s, '.');
    if (dot) {
        char *end = s + strlen(s) - 1;
        while (end > dot && *end == '0') *end-- = '\0';
        if (end == dot) *end = '\0';
    }
    if (strcmp(s, "-0") == 0) strcpy(s, "0");
    su_buf_add(b, s);
}

static void put_attr_num(su_buf *b, const char *name, double v)
{
    su_buf_printf(b, " %s=\"", name);
    put_num(b, v);
    su_buf_add(b, "\"");
}

/* Text content or attribute value, XML-escaped; control characters are
 * not allowed in XML 1.0 and become '?'. */
static void put_escaped(su_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': su_buf_add(b, "&amp;"); break;
        case '<': su_buf_add(b, "&lt;"); break;
        case '>': su_buf_add(b, "&gt;"); break;
        case '"': su_buf_add(b, "&quot;"); break;
        default:
            if (c < 32 && c != '\t') su_buf_add(b, "?");
            else su_buf_addn(b, s, 1);
        }
    }
}

static void put_rect_geometry(su_buf *b, rs_rect r)
{
    put_attr_num(b, "x", r.x0);
    put_attr_num(b, "y", r.y0);
    put_attr_num(b, "width", r.x1 - r.x0);
    put_attr_num(b, "height", r.y1 - r.y0);
}

/* ---------------------------------------------------------------- layers */

/* "M x y" (or L): one path command with its point. */
static void put_point(su_buf *b, const char *cmd, double x, double y)
{
    su_buf_add(b, cmd);
    put_num(b, x);
    su_buf_add(b, " ");
    put_num(b, y);
}

static void put_box_path(su_buf *b, rs_rect r)
{
    put_point(b, "M", r.x0, r.y0);
    su_buf_add(b, "H");
    put_num(b, r.x1);
    su_buf_add(b, "V");
    put_num(b, r.y1);
    su_buf_add(b, "H");
    put_num(b, r.x0);
    su_buf_add(b, "Z");
}

static void put_cross_path(su_buf *b, rs_rect r)
{
    put_point(b, "M", r.x0, r.y0);
    put_point(b, "L", r.x1, r.y1);
    put_point(b, "M", r.x1, r.y0);
    put_point(b, "L", r.x0, r.y1);
}

/* All outlines of a layer -- and the crosses of its cuts, when big enough
 * to read, as in the raster -- in one path. */
static void put_outline_path(su_buf *b, const rs_layer *l)
{
    su_buf_printf(b, "<path fill=\"none\" stroke=\"#%06x\" stroke-width=\"1\" d=\"", l->style.stroke);
    for (int i = 0; i < l->nrects; i++) {
        rs_rect r = l->rects[i];
        put_box_path(b, r);
        if (l->style.paint == RS_PAINT_CUT && r.x1 - r.x0 >= 6 && r.y1 - r.y0 >= 6) put_cross_path(b, r);
    }
    su_buf_add(b, "\"/>\n");
}

static void put_rects(su_buf *b, const rs_layer *l)
{
    for (int i = 0; i < l->nrects; i++) {
        su_buf_add(b, "<rect");
        put_rect_geometry(b, l->rects[i]);
        su_buf_add(b, "/>\n");
    }
}

static void put_layer(su_buf *b, const rs_layer *l)
{
    su_buf_add(b, "<g id=\"layer-");
    put_escaped(b, l->name);
    su_buf_add(b, "\" class=\"layer\"");
    if (l->style.paint == RS_PAINT_OUTLINE) {
        su_buf_printf(b, " fill=\"none\" stroke=\"#%06x\" stroke-width=\"1\" stroke-dasharray=\"4 3\">\n",
                      l->style.stroke);
        put_rects(b, l);
        su_buf_add(b, "</g>\n");
        return;
    }
    su_buf_printf(b, ">\n<g fill=\"#%06x\" opacity=\"%.3f\">\n", l->style.fill, l->style.alpha / 255.0);
    put_rects(b, l);
    su_buf_add(b, "</g>\n");
    put_outline_path(b, l);
    su_buf_add(b, "</g>\n");
}

/* ---------------------------------------------------------------- marks, text */

static void put_mark(su_buf *b, const rs_mark *m)
{
    su_buf_printf(b, "<rect class=\"%s\"", m->cls);
    put_rect_geometry(b, m->r);
    if (m->fill_alpha > 0) {
        su_buf_printf(b, " fill=\"#%06x\"", m->fill);
        if (m->fill_alpha < 255) su_buf_printf(b, " fill-opacity=\"%.3f\"", m->fill_alpha / 255.0);
    } else {
        su_buf_add(b, " fill=\"none\"");
    }
    if (m->stroke_w > 0) {
        su_buf_printf(b, " stroke=\"#%06x\"", m->stroke);
        put_attr_num(b, "stroke-width", m->stroke_w);
        if (m->dashed) su_buf_add(b, " stroke-dasharray=\"4 3\"");
    }
    su_buf_add(b, "/>\n");
    if (!m->cross) return;
    su_buf_printf(b, "<path class=\"%s\" stroke=\"#%06x\" stroke-width=\"1\" d=\"", m->cls, m->stroke);
    put_cross_path(b, m->r);
    su_buf_add(b, "\"/>\n");
}

static void put_text(su_buf *b, const rs_text *t)
{
    su_buf_printf(b, "<text class=\"%s\"", t->cls);
    put_attr_num(b, "x", t->x);
    put_attr_num(b, "y", t->y);
    su_buf_printf(b, " font-size=\"%d\"", 10 * t->scale);
    if (t->anchor == RS_CENTER) su_buf_add(b, " text-anchor=\"middle\"");
    if (t->bold) su_buf_add(b, " font-weight=\"bold\"");
    su_buf_printf(b, " fill=\"#%06x\"", t->rgb);
    if (t->halo)
        su_buf_printf(b, " stroke=\"#ffffff\" stroke-opacity=\"0.7\" stroke-width=\"%d\""
                         " paint-order=\"stroke\"", 2 * t->scale);
    su_buf_add(b, ">");
    put_escaped(b, t->s);
    su_buf_add(b, "</text>\n");
}

/* ---------------------------------------------------------------- document */

static void put_header(su_buf *b, const render_scene *sc)
{
    su_buf_add(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    su_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                     " viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, Menlo, Consolas,"
                     " monospace\">\n", sc->w, sc->h, sc->w, sc->h);
    su_buf_add(b, "<title>");
    put_escaped(b, sc->title ? sc->title : "");
    su_buf_add(b, "</title>\n");
    su_buf_printf(b, "<rect class=\"background\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                  sc->w, sc->h);
}

char *render_scene_svg(const render_scene *sc)
{
    su_buf b = {0};
    put_header(&b, sc);
    for (int i = 0; i < sc->nlayers; i++) put_layer(&b, &sc->layers[i]);
    su_buf_add(&b, "<g id=\"marks\">\n");
    for (int i = 0; i < sc->nmarks; i++) put_mark(&b, &sc->marks[i]);
    su_buf_add(&b, "</g>\n<g id=\"texts\">\n");
    for (int i = 0; i < sc->ntexts; i++) put_text(&b, &sc->texts[i]);
    su_buf_add(&b, "</g>\n</svg>\n");
    return b.s;
}

char *render_svg_text(const lay_lib *lib, int cell, const render_opts *o, halo_err *err)
{
    render_scene sc;
    if (render_scene_build(lib, cell, o, &sc, err)) return NULL;
    char *svg = render_scene_svg(&sc);
    render_scene_free(&sc);
    return svg;
}
