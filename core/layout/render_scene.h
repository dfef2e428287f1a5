/*
 * render_scene.h -- the format-independent picture shared by the render_*
 * files (private to them; the public API is render.h).
 *
 * Owns: the scene -- everything to draw, already fitted to the image, in
 * pixel coordinates with y pointing down -- and the small interfaces the
 * render files offer each other: layer styles (render_style.c), the bitmap
 * font (render_font.c), the RGB canvas (render_raster.c) and the PNG
 * encoder (render_png.c).
 * Invariants: every rs_rect has x0 <= x1 and y0 <= y1; layers are in draw
 * order and each holds at least one rectangle; text is UTF-8 (the raster
 * font shows µ as u and × as x).
 */
#ifndef HALO_RENDER_SCENE_H
#define HALO_RENDER_SCENE_H

#include <stddef.h>

#include "render.h"

/* ---------------------------------------------------------------- styles */

typedef enum {
    RS_PAINT_FILL,      /* semi-transparent fill, solid outline per shape */
    RS_PAINT_CUT,       /* dark near-opaque square with a cross */
    RS_PAINT_OUTLINE    /* thin dashed outline only: implants, markers */
} rs_paint;

typedef struct rs_style {
    int rank;           /* draw order, lower first */
    unsigned fill;      /* 0xRRGGBB */
    unsigned stroke;
    int alpha;          /* fill opacity 0..255 */
    rs_paint paint;
} rs_style;

/* The style of a layer by name; a layer the table does not know (another
 * technology, a GDS "gds_L_D" layer) gets a muted colour of its own and is
 * drawn after the known ones, in index order. */
rs_style render_style_of(const char *layer_name, int layer_index);

/* ---------------------------------------------------------------- scene */

typedef struct rs_rect {
    float x0, y0, x1, y1;
} rs_rect;

typedef struct rs_layer {
    int layer;              /* index into lib->layers */
    const char *name;       /* lib's layer name */
    rs_style style;
    rs_rect *rects; int nrects, caprects;
} rs_layer;

/* A box drawn over the layers: pin, instance, overlay, legend swatch,
 * scale bar piece.  cls names its kind in SVG. */
typedef struct rs_mark {
    rs_rect r;
    unsigned stroke; float stroke_w;    /* stroke_w 0: no outline */
    int dashed;
    unsigned fill; int fill_alpha;      /* fill_alpha 0: no fill */
    int cross;                          /* diagonals, as on a cut */
    const char *cls;
} rs_mark;

typedef enum { RS_LEFT, RS_CENTER } rs_anchor;

typedef struct rs_text {
    float x, y;             /* anchor point on the baseline */
    int scale;              /* font scale: glyph cell 6*scale x 9*scale px */
    unsigned rgb;
    rs_anchor anchor;
    int bold;
    int halo;               /* white surround, readable over any fill */
    char *s;                /* UTF-8, owned */
    const char *cls;
} rs_text;

typedef struct render_scene {
    int w, h;
    char *title;            /* the picture's title text, owned */
    rs_layer *layers; int nlayers;
    rs_mark *marks; int nmarks, capmarks;
    rs_text *texts; int ntexts, captexts;
} render_scene;

/* Build the scene of cell; 0, or nonzero with err filled. */
int render_scene_build(const lay_lib *lib, int cell, const render_opts *o, render_scene *sc,
                       halo_err *err);
void render_scene_free(render_scene *sc);

/* The scene as RGB pixels (w*h*3, malloc'd) and as SVG text (malloc'd). */
unsigned char *render_scene_rgb(const render_scene *sc);
char *render_scene_svg(const render_scene *sc);

/* ---------------------------------------------------------------- font */

#define RS_FONT_ADVANCE 6   /* glyph cell width, unscaled */
#define RS_FONT_ASCENT 7    /* rows above the baseline */
#define RS_FONT_HEIGHT 9    /* with two descender rows */

typedef struct rs_canvas {
    unsigned char *rgb;     /* w*h*3 */
    int w, h;
} rs_canvas;

/* Blend rgb with opacity alpha (0..255) over the pixels [x0,x1) x [y0,y1),
 * clipped to the canvas. */
void rs_canvas_fill(rs_canvas *cv, int x0, int y0, int x1, int y1, unsigned rgb, int alpha);

/* Width in pixels of s drawn at scale. */
int render_font_width(const char *s, int scale);
/* Draw s with its left end at x and its baseline at y. */
void render_font_draw(rs_canvas *cv, const char *s, int x, int y, int scale, unsigned rgb);

/* ---------------------------------------------------------------- png */

/* Encode w x h RGB pixels as PNG (malloc'd *png, *len); path names the file
 * in errors (HALO_E_IMG_PNG). */
int render_png_encode(const unsigned char *rgb, int w, int h, const char *path,
                      unsigned char **png, size_t *len, halo_err *err);

#endif
