/*
 * render.h -- pictures of a layout cell: SVG text and PNG files.
 *
 * Owns: the public entry points of the picture writer.  A cell is flattened
 * (lay_walk) and drawn the way a layout engineer expects to see sky130:
 * conventional layer colours, semi-transparent fills with solid outlines in
 * process order (wells, implants, diff/tap, poly, licon1, li1, mcon, met1,
 * via, met2, ...), implants and markers as thin dashed outlines only, cuts
 * as dark squares with a cross, pins outlined boldly with their terminal
 * name, labels as text, the bounding boxes and names of the cell's own
 * instances, a legend of the layers drawn, a round scale bar and a title.
 *
 * The work is split by concern:
 *   render.c        the scene: gathering, fitting, legend/scale/title layout
 *   render_style.c  the layer styles (colours, draw order, paint kind)
 *   render_font.c   a 5x7 bitmap font (with descenders) for the raster
 *   render_raster.c the scene rasterised into RGB pixels (alpha blending)
 *   render_png.c    RGB pixels encoded by libpng
 *   render_svg.c    the scene as SVG text
 *
 * Invariants: nothing here prints or exits; failing calls fill halo_err.
 * Output is deterministic (same input, same bytes).  Files are written to a
 * temporary name and renamed.  Callers: tclcmds (write_picture), tests.
 */
#ifndef HALO_RENDER_H
#define HALO_RENDER_H

#include "base/halo_err.h"
#include "layout.h"

typedef struct render_overlay {      /* extra boxes drawn on top: placement pictures */
    lay_box box;                     /* nm, top-cell coordinates */
    const char *text;                /* drawn at the top-left inside the box; may be NULL */
    unsigned rgb;                    /* 0xRRGGBB */
    int dashed;
} render_overlay;

typedef struct render_opts {
    int width_px;                    /* image width, default 1200 when 0 (kept within
                                        160..8000); height follows the aspect ratio
                                        (+ title, scale bar, legend), the drawing at most
                                        twice as tall as wide */
    const int *layers; int nlayers;  /* only these layout layers; NULL = every layer with
                                        shapes.  The fit is always to the whole cell, so
                                        pictures of one cell with different layers line up */
    const char *title;               /* NULL: the cell name (the size in µm follows) */
    const render_overlay *overlays; int noverlays;
} render_opts;

/* Render cell (flattened) to path; the format comes from the extension
 * (.png / .svg, case-insensitive); o may be NULL for defaults.  Errors:
 * HALO_E_IMG_FORMAT (checked first), HALO_E_IMG_EMPTY (no shape, pin,
 * label or overlay at all -- a cell whose shapes are all filtered out by
 * layers still gives a picture), HALO_E_IMG_PNG, HALO_E_WRITE. */
int render_write(const lay_lib *lib, int cell, const char *path, const render_opts *o, halo_err *err);

/* SVG as text (malloc'd), or NULL with err filled. */
char *render_svg_text(const lay_lib *lib, int cell, const render_opts *o, halo_err *err);

/* RGB pixels (w*h*3, rows top to bottom, malloc'd), or NULL with err filled. */
unsigned char *render_rgb(const lay_lib *lib, int cell, const render_opts *o, int *w, int *h,
                          halo_err *err);

/* Parse a Tcl-style list of layer names ("met1 via {met2}") into layer
 * indices of lib (malloc'd in *layers, duplicates dropped, *nlayers set).
 * Error HALO_E_IMG_LAYER naming the first unknown name. */
int render_parse_layers(const lay_lib *lib, const char *list, int **layers, int *nlayers,
                        halo_err *err);

#endif
