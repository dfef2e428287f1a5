/*
 * render_chart_int.h -- what the render_chart*.c files share (private; the
 * public API is render_chart.h).
 *
 * Owns: the clipped pen the painters draw with (render_chart_draw.c) and
 * the per-kind entry points (render_chart_kinds.c): the extent of a
 * panel's finite data, which the axes are fitted to, and the painting of
 * that data into a frame.  Both passes filter values the same way
 * (chart_finite), so what is counted as skipped is exactly what is not
 * drawn.
 */
#ifndef HALO_RENDER_CHART_INT_H
#define HALO_RENDER_CHART_INT_H

#include "render_chart.h"
#include "render_scene.h"

#define CHART_TEXT_RGB 0x202020
#define CHART_NOTE_RGB 0x707070
#define CHART_GRID_RGB 0xe4e4e4
#define CHART_FRAME_RGB 0x404040
#define CHART_REF_RGB 0x606060
#define CHART_TRUTH_RGB 0xd62728
#define CHART_BAR_RGB 0x4e79a7

/* ---------------------------------------------------------------- pen */

/* A canvas and the rectangle [cx0,cx1) x [cy0,cy1) drawing is clipped to
 * (always within the canvas). */
typedef struct chart_pen {
    rs_canvas *cv;
    int cx0, cy0, cx1, cy1;
} chart_pen;

typedef enum { CHART_AT_LEFT, CHART_AT_CENTER, CHART_AT_RIGHT } chart_anchor;

chart_pen chart_pen_clip(rs_canvas *cv, int x0, int y0, int x1, int y1);
void chart_rect(const chart_pen *p, int x0, int y0, int x1, int y1, unsigned rgb, int alpha);
/* An outline of thickness t inside the box [x0,x1) x [y0,y1). */
void chart_outline(const chart_pen *p, int x0, int y0, int x1, int y1, int t, unsigned rgb);
/* Lines t pixels thick, centred on the given coordinate; dashed or not. */
void chart_hline(const chart_pen *p, int x0, int x1, int y, int t, unsigned rgb, int dashed);
void chart_vline(const chart_pen *p, int x, int y0, int y1, int t, unsigned rgb, int dashed);
/* A segment between two points (pixel coordinates, any magnitude). */
void chart_line(const chart_pen *p, double x0, double y0, double x1, double y1, int t, unsigned rgb);
/* Marker shape (square, disc, triangle, diamond, inverted triangle,
 * cross; cycling) of radius r at (x, y); filled, or a ring. */
void chart_marker(const chart_pen *p, int shape, double x, double y, int r, unsigned rgb, int filled);
/* Text with its baseline at y, anchored at x. */
void chart_text(const chart_pen *p, const char *s, int x, int y, int scale, unsigned rgb, chart_anchor a);
/* Text turned a quarter left (reading bottom to top), centred on (cx, cy). */
void chart_text_up(const chart_pen *p, const char *s, int cx, int cy, int scale, unsigned rgb);
/* s cut to at most maxw pixels at scale, ending in ".." when cut (malloc'd). */
char *chart_fit_text(const char *s, int scale, int maxw);
/* rgb darkened towards black by f (0..1). */
unsigned chart_darken(unsigned rgb, double f);

/* ---------------------------------------------------------------- kinds */

typedef struct chart_span {
    double lo, hi;
    int any;            /* 0: no finite value, lo/hi meaningless */
} chart_span;

/* 1 when v is drawn: finite and within +-1e300 (so spans never overflow). */
int chart_finite(double v);
void chart_span_add(chart_span *s, double v);

/* The finite data of p along x and y (box plots: x is 0..groups), and the
 * number of values skipped (may be NULL).  Returns the number of values
 * drawn (reference lines and truth markers not counted). */
int chart_kind_extent(const chart_panel *p, chart_span *x, chart_span *y, int *skipped);
/* Paint p's data into frame f with pen (clipped to the plot area); scale
 * is the panel's font scale. */
void chart_kind_paint(const chart_panel *p, const chart_frame *f, const chart_pen *pen, int scale);

/* Histogram bins of p: the bin count and the range they cover. */
int chart_hist_bins(const chart_panel *p, double *lo, double *hi);

#endif
