/*
 * render_chart.h -- charts as PNG: box plots, histograms and line charts
 * drawn on the picture writer's canvas, font and PNG encoder.
 *
 * Owns: the chart model -- a grid of panels (rows x cols, filled row by
 * row), each a box plot, a histogram or a line chart with a title and axis
 * labels -- its builders, its layout and its painting:
 *   render_chart.c       model, builders, layout, axes and ticks, writing
 *   render_chart_draw.c  clipped primitives: lines, markers, rotated text
 *   render_chart_kinds.c the three kinds painted into their plot area
 * A chart owns every string and array it holds (chart_free releases them);
 * the builders copy what they are given.
 *
 * Invariants: nothing prints; failing calls fill halo_err.  Same chart,
 * same pixels, same bytes.  Data are drawn inside their plot area only
 * and nothing outside the canvas.  Values that are not finite (NaN, inf,
 * or beyond +-1e300, and x below 1e-300 on a log axis) are skipped and counted,
 * never drawn; a panel with nothing finite says "no data".  Text is the
 * 5x7 bitmap font (µ shows as u).  Callers: tclcmds/cmd_plot.c, tests.
 */
#ifndef HALO_RENDER_CHART_H
#define HALO_RENDER_CHART_H

#include "base/halo_err.h"

typedef enum { CHART_BOX, CHART_HIST, CHART_LINE } chart_kind;

typedef struct chart_vec {
    double *v;
    int n, cap;
} chart_vec;

typedef struct chart_series {
    char *name;
    chart_vec *groups; int ngroups;     /* box: the values of each group */
    chart_vec x, y;                     /* line: the points, x.n == y.n */
} chart_series;

typedef struct chart_panel {
    chart_kind kind;
    char *title, *xlabel, *ylabel;      /* NULL: none */
    char **groups; int ngroups;         /* box: the category names along x */
    chart_series *series; int nseries;  /* box, line */
    int hide_outliers;                  /* box: no dots beyond the whiskers */
    chart_vec refs;                     /* box, line: dashed horizontal lines at these y */
    chart_vec values;                   /* hist */
    int bins;                           /* hist: 0 = sqrt(n) within 5..50 */
    chart_vec truth;                    /* hist: red vertical markers */
    char *truth_label;                  /* hist: their label, NULL = "truth" */
    int logx;                           /* line: log10 x axis */
    int has_ylim; double ylim[2];       /* the y range, instead of the data's */
} chart_panel;

typedef struct chart {
    int width_px, height_px;            /* 0: a default from the grid */
    int cols;                           /* 0: automatic; rows follow */
    char *title;                        /* over the whole grid; NULL: none */
    chart_panel *panels; int npanels, cappanels;
} chart;

#define CHART_MIN_PX 160
#define CHART_MAX_PX 8000

void chart_init(chart *c);
void chart_free(chart *c);

/* Builders.  A returned pointer stays valid until the next call that adds
 * to the same array (another panel, series, group). */
chart_panel *chart_add_panel(chart *c, chart_kind kind);
chart_series *chart_add_series(chart_panel *p, const char *name);
/* Box: name the next category along x; returns its index. */
int chart_add_group(chart_panel *p, const char *name);
/* Box: the values of series s in group g (grown as needed). */
chart_vec *chart_series_group(chart_series *s, int g);
void chart_vec_push(chart_vec *v, double x);
/* Replace the owned string *slot by a copy of s (NULL clears it). */
void chart_set_text(char **slot, const char *s);

/* The size of the picture in pixels: width_px/height_px, or the defaults
 * of the grid (720 x 480 for one panel, 400 x 300 a panel for more). */
void chart_size(const chart *c, int *w, int *h);

/* The chart as RGB pixels (w*h*3, rows top to bottom, malloc'd), or NULL
 * with err filled: HALO_E_PLT_EMPTY when there is no panel or no panel
 * holds a finite value.  *skipped (may be NULL) gets the values not drawn. */
unsigned char *chart_render_rgb(const chart *c, int *w, int *h, int *skipped, halo_err *err);

/* Render and write path as PNG, atomically (a temporary name, renamed).
 * Errors: those of chart_render_rgb, HALO_E_IMG_PNG, HALO_E_WRITE. */
int chart_write_png(const chart *c, const char *path, int *skipped, halo_err *err);

/* Where a panel's data land: the plot area [x0,x1) x [y0,y1) in pixels and
 * the axis ranges (box plots: group g spans x g..g+1).  For tests and
 * annotations; the painter uses the same frame.  0, or -1 for a panel
 * out of range or a chart with nothing to draw. */
typedef struct chart_frame {
    int x0, y0, x1, y1;
    double xlo, xhi, ylo, yhi;
    int logx;
} chart_frame;
int chart_panel_frame(const chart *c, int panel, chart_frame *f);
/* Pixel column of x and row of y in a frame (not rounded, not clipped). */
double chart_frame_x(const chart_frame *f, double x);
double chart_frame_y(const chart_frame *f, double y);

/* Numbers as the axes show them: short engineering text ("50M", "62.1",
 * "1.5k", "12.3u"), at most 4 significant digits; an SI prefix from 1000
 * up and below 0.01. */
void chart_format_short(double v, char buf[32]);

/* The series colours, in order (0xRRGGBB), cycling after the last. */
unsigned chart_series_rgb(int i);

#endif
