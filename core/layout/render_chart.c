/*
 * render_chart.c -- the chart model, its layout and its entry points (see
 * render_chart.h).
 *
 * Owns: the builders; the grid (panels fill it row by row; a title band
 * on top when the chart has a title); each panel's layout from the top
 * down -- title, legend rows, plot area, tick labels, x label, a note of
 * what was skipped -- and from the left -- the y label turned a quarter,
 * tick labels, ticks; the axes (linear: 1-2-5 steps, the range widened to
 * whole steps; log: decades, with 2 and 5 between when few); tick and
 * value text in short engineering form; and the painting order: grid
 * lines, data (clipped to the plot area), frame, ticks, text.
 * The font scale of a panel follows its size, as write_image's does.
 * chart_panel_frame and the painter share panel_layout, so a test reading
 * the frame finds the pixels where the painter put them.
 */
#include "render_chart_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/strutil.h"

#define MAX_TICKS 64
#define DEFAULT_W 720
#define DEFAULT_H 480
#define CELL_W 400
#define CELL_H 300

/* ---------------------------------------------------------------- builders */

void chart_init(chart *c)
{
    memset(c, 0, sizeof *c);
}

static void vec_free(chart_vec *v)
{
    free(v->v);
    memset(v, 0, sizeof *v);
}

static void series_free(chart_series *s)
{
    free(s->name);
    for (int g = 0; g < s->ngroups; g++) vec_free(&s->groups[g]);
    free(s->groups);
    vec_free(&s->x);
    vec_free(&s->y);
}

static void panel_free(chart_panel *p)
{
    free(p->title), free(p->xlabel), free(p->ylabel), free(p->truth_label);
    for (int g = 0; g < p->ngroups; g++) free(p->groups[g]);
    free(p->groups);
    for (int i = 0; i < p->nseries; i++) series_free(&p->series[i]);
    free(p->series);
    vec_free(&p->refs), vec_free(&p->values), vec_free(&p->truth);
}

void chart_free(chart *c)
{
    for (int i = 0; i < c->npanels; i++) panel_free(&c->panels[i]);
    free(c->panels);
    free(c->title);
    memset(c, 0, sizeof *c);
}

chart_panel *chart_add_panel(chart *c, chart_kind kind)
{
    su_grow((void **)&c->panels, &c->cappanels, c->npanels + 1, sizeof *c->panels);
    chart_panel *p = &c->panels[c->npanels++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    return p;
}

chart_series *chart_add_series(chart_panel *p, const char *name)
{
    p->series = halo_xrealloc(p->series, sizeof *p->series * (size_t)(p->nseries + 1));
    chart_series *s = &p->series[p->nseries++];
    memset(s, 0, sizeof *s);
    s->name = su_strdup(name ? name : "");
    return s;
}

int chart_add_group(chart_panel *p, const char *name)
{
    p->groups = halo_xrealloc(p->groups, sizeof *p->groups * (size_t)(p->ngroups + 1));
    p->groups[p->ngroups] = su_strdup(name ? name : "");
    return p->ngroups++;
}

chart_vec *chart_series_group(chart_series *s, int g)
{
    if (g >= s->ngroups) {
        s->groups = halo_xrealloc(s->groups, sizeof *s->groups * (size_t)(g + 1));
        memset(s->groups + s->ngroups, 0, sizeof *s->groups * (size_t)(g + 1 - s->ngroups));
        s->ngroups = g + 1;
    }
    return &s->groups[g];
}

void chart_vec_push(chart_vec *v, double x)
{
    su_grow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v);
    v->v[v->n++] = x;
}

void chart_set_text(char **slot, const char *s)
{
    free(*slot);
    *slot = s ? su_strdup(s) : NULL;
}

unsigned chart_series_rgb(int i)
{
    /* Tableau 10: distinct hues that stay apart for the colour-blind */
    static const unsigned rgb[] = {0x4e79a7, 0xf28e2b, 0x59a14f, 0xe15759, 0xb07aa1,
                                   0x76b7b2, 0xedc948, 0xff9da7, 0x9c755f, 0xbab0ac};
    return rgb[(i < 0 ? -i : i) % 10];
}

/* ---------------------------------------------------------------- numbers */

static const char *const si_prefix[] = {"a", "f", "p", "n", "u", "m", "", "k", "M", "G", "T", "P", "E"};

/* The multiple of 3 at or below log10(m), or 99 outside atto..exa. */
static int exp3_of(double m)
{
    int e = (int)floor(log10(m) / 3) * 3;
    return e < -18 || e > 18 ? 99 : e;
}

void chart_format_short(double v, char buf[32])
{
    double m = fabs(v);
    if (v == 0 || !isfinite(v)) {
        snprintf(buf, 32, "%g", v == 0 ? 0.0 : v);
        return;
    }
    if (m >= 1e-2 && m < 999.95) {
        snprintf(buf, 32, "%.4g", v);
        return;
    }
    int e = exp3_of(m);
    if (e == 99) {
        snprintf(buf, 32, "%.3g", v);
        return;
    }
    double mant = v / pow(10, e);
    if (fabs(mant) >= 999.95 && e < 18) mant /= 1000, e += 3;
    snprintf(buf, 32, "%.4g%s", mant, si_prefix[(e + 18) / 3]);
}

/* ---------------------------------------------------------------- axes */

typedef struct axis {
    double lo, hi;
    double step;                /* linear: the tick step; log: 0 */
    double tick[MAX_TICKS];
    int nticks;
    int log;
} axis;

/* 1, 2 or 5 times a power of ten, at least raw. */
static double nice_step(double raw)
{
    if (!(raw > 0) || !isfinite(raw)) return 1;
    double e = pow(10, floor(log10(raw)));
    double m = raw / e;
    return (m <= 1.0000001 ? 1 : m <= 2.0000001 ? 2 : m <= 5.0000001 ? 5 : 10) * e;
}

/* Ticks at the multiples of step within [a->lo, a->hi]. */
static void ticks_linear(axis *a, double step)
{
    a->step = step;
    a->nticks = 0;
    double k0 = ceil(a->lo / step - 1e-9), k1 = floor(a->hi / step + 1e-9);
    for (double k = k0; k <= k1 && a->nticks < MAX_TICKS; k++) a->tick[a->nticks++] = k * step;
}

/* A linear axis over exactly [lo, hi] (widened when empty) with about
 * target ticks at 1-2-5 steps inside it. */
static void axis_linear(axis *a, double lo, double hi, int target, int integer)
{
    if (!(hi > lo)) {
        double d = lo == 0 ? 1 : fabs(lo) * 0.1;
        lo -= d, hi += d;
    }
    a->log = 0;
    a->lo = lo, a->hi = hi;
    double step = nice_step((hi - lo) / target);
    ticks_linear(a, integer && step < 1 ? 1 : step);
}

/* A log axis over [lo, hi] (both > 0): ticks at the decades inside it,
 * with 2 and 5 between them when it spans few, every n-th when many; a
 * range too short for three such ticks gets linear ones (step != 0). */
static void axis_log(axis *a, double lo, double hi, int allow_fine)
{
    a->log = 1;
    a->lo = lo, a->hi = hi;
    a->nticks = 0;
    double l0 = log10(lo), l1 = log10(hi);
    int d0 = (int)floor(l0), d1 = (int)ceil(l1), every = (d1 - d0 + 7) / 8;
    int fine = allow_fine && l1 - l0 <= 2.5;
    static const double mult[] = {1, 2, 5};
    for (int d = d0; d <= d1; d += every)
        for (int m = 0; m < (fine ? 3 : 1) && a->nticks < MAX_TICKS; m++) {
            double t = mult[m] * pow(10, d);
            if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) a->tick[a->nticks++] = t;
        }
    if (a->nticks >= 3) {
        a->step = 0;
        return;
    }
    ticks_linear(a, nice_step((hi - lo) / 6));
}

/* Widen [*lo, *hi] by frac of its length at each end (at the low end by
 * lo_frac), never across zero: charts of positive values start at zero. */
static void span_pad(double *lo, double *hi, double lo_frac, double frac)
{
    double d = *hi - *lo;
    if (!(d > 0)) d = *lo == 0 ? 1 : fabs(*lo) * 0.1;
    double plo = *lo - d * lo_frac, phi = *hi + d * frac;
    if (*lo >= 0 && plo < 0) plo = 0;
    if (*hi <= 0 && phi > 0) phi = 0;
    *lo = plo, *hi = phi;
}

/* A tick's text: on a linear axis every tick has the same prefix and as
 * many decimals as the step needs, so neighbours never read the same. */
static void tick_text(const axis *a, double v, char buf[32])
{
    if (a->log && a->step == 0) {
        chart_format_short(v, buf);
        return;
    }
    double m = fmax(fabs(a->lo), fabs(a->hi));
    int e = m >= 1e4 || m < 1e-2 ? exp3_of(m) : 0;
    if (e == 99) {
        snprintf(buf, 32, "%.3g", v);
        return;
    }
    double unit = pow(10, e), st = a->step / unit;
    int dec = st >= 1 ? 0 : (int)ceil(-log10(st) - 1e-9);
    if (dec > 12) dec = 12;
    if (fabs(v) < a->step * 1e-6) v = 0;
    if (v == 0) snprintf(buf, 32, "0");
    else snprintf(buf, 32, "%.*f%s", dec, v / unit, si_prefix[(e + 18) / 3]);
}

static int widest_tick(const axis *a, int s)
{
    int w = 0;
    char buf[32];
    for (int i = 0; i < a->nticks; i++) {
        tick_text(a, a->tick[i], buf);
        int t = render_font_width(buf, s);
        if (t > w) w = t;
    }
    return w;
}

/* Where tick t falls along an axis width pixels long. */
static double tick_pos(const axis *a, double t, int width)
{
    if (a->log) return width * log10(t / a->lo) / log10(a->hi / a->lo);
    return width * (t - a->lo) / (a->hi - a->lo);
}

/* 1 when neighbouring tick labels would come closer than two characters. */
static int ticks_crowded(const axis *a, int width, int s)
{
    char b0[32], b1[32];
    for (int i = 1; i < a->nticks; i++) {
        tick_text(a, a->tick[i - 1], b0);
        tick_text(a, a->tick[i], b1);
        double need = (render_font_width(b0, s) + render_font_width(b1, s)) / 2.0 + 2 * RS_FONT_ADVANCE * s;
        if (tick_pos(a, a->tick[i], width) - tick_pos(a, a->tick[i - 1], width) < need) return 1;
    }
    return 0;
}

double chart_frame_x(const chart_frame *f, double x)
{
    double a = f->xlo, b = f->xhi;
    if (f->logx) {
        if (!(x > 0)) return -1e9;
        x = log10(x), a = log10(a), b = log10(b);
    }
    return f->x0 + (x - a) / (b - a) * (f->x1 - 1 - f->x0);
}

double chart_frame_y(const chart_frame *f, double y)
{
    return f->y0 + (f->yhi - y) / (f->yhi - f->ylo) * (f->y1 - 1 - f->y0);
}

/* ---------------------------------------------------------------- layout */

typedef struct grid {
    int w, h, cols, rows;
    int band, ts;               /* the title band's height and font scale */
} grid;

typedef struct panel_geom {
    int cx0, cy0, cx1, cy1;     /* the panel's cell of the grid */
    int s, pad;                 /* font scale, margin */
    int title_scale, title_base;
    int legend_top;
    int xlabel_base, note_base; /* 0: none */
    int stagger;                /* box: group names on two alternating rows */
    chart_frame f;
    axis xa, ya;
    int drawn, skipped;
} panel_geom;

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void grid_of(const chart *c, grid *g)
{
    int n = c->npanels > 0 ? c->npanels : 1;
    g->cols = c->cols > 0 ? c->cols : n <= 3 ? n : (int)ceil(sqrt((double)n));
    g->rows = (n + g->cols - 1) / g->cols;
    int one = n == 1 && g->cols == 1;
    g->w = c->width_px > 0 ? c->width_px : one ? DEFAULT_W : clampi(CELL_W * g->cols, 480, 1800);
    g->ts = g->w >= 1600 ? 3 : 2;
    g->band = c->title && *c->title ? RS_FONT_HEIGHT * g->ts + 12 : 0;
    g->h = c->height_px > 0 ? c->height_px : one ? DEFAULT_H + g->band : CELL_H * g->rows + g->band;
    g->w = clampi(g->w, CHART_MIN_PX, CHART_MAX_PX);
    g->h = clampi(g->h, CHART_MIN_PX, CHART_MAX_PX);
}

void chart_size(const chart *c, int *w, int *h)
{
    grid g;
    grid_of(c, &g);
    *w = g.w, *h = g.h;
}

static int has_legend(const chart_panel *p)
{
    return p->kind != CHART_HIST && p->nseries > 0 && (p->nseries > 1 || p->series[0].name[0]);
}

/* Values series i draws. */
static int series_drawn(const chart_panel *p, int i)
{
    chart_panel one = *p;
    one.series = &p->series[i];
    one.nseries = 1;
    one.refs.n = 0;
    one.values.n = 0;
    chart_span x, y;
    return chart_kind_extent(&one, &x, &y, NULL);
}

static int legend_swatch_w(const chart_panel *p, int s)
{
    return p->kind == CHART_LINE ? 16 * s : 8 * s;
}

/* The legend's text of series i (malloc'd), cut to maxw. */
static char *legend_text(const chart_panel *p, int i, int s, int maxw)
{
    char *full = halo_xmalloc(strlen(p->series[i].name) + 16);
    sprintf(full, "%s%s", p->series[i].name, series_drawn(p, i) ? "" : " (no data)");
    char *t = chart_fit_text(full, s, maxw - legend_swatch_w(p, s) - 4 * s);
    free(full);
    return t;
}

static void legend_item(const chart_panel *p, int i, int x, int base, int s, const char *text, const chart_pen *pen)
{
    unsigned rgb = chart_series_rgb(i), dark = chart_darken(rgb, 0.35);
    int sw = legend_swatch_w(p, s), mid = base - RS_FONT_ASCENT * s / 2 - 1;
    if (p->kind == CHART_LINE) {
        chart_hline(pen, x, x + sw, mid, s + 1, rgb, 0);
        chart_marker(pen, i, x + sw / 2, mid, 2 + s, rgb, 1);
    } else {
        chart_rect(pen, x, mid - 4 * s, x + sw, mid + 4 * s, rgb, 110);
        chart_outline(pen, x, mid - 4 * s, x + sw, mid + 4 * s, s, dark);
    }
    chart_text(pen, text, x + sw + 4 * s, base, s, CHART_TEXT_RGB, CHART_AT_LEFT);
}

/* Lay the legend out in centred rows between x0 and x1 from top; paint it
 * when pen is given.  Returns the number of rows. */
static int legend(const chart_panel *p, int s, int x0, int x1, int top, const chart_pen *pen)
{
    int rows = 0, gap = 14 * s, rowh = RS_FONT_HEIGHT * s + 2 * s;
    for (int i = 0; i < p->nseries; rows++) {
        int j = i, w = 0;
        while (j < p->nseries) {
            char *t = legend_text(p, j, s, x1 - x0);
            int iw = legend_swatch_w(p, s) + 4 * s + render_font_width(t, s) + (j > i ? gap : 0);
            free(t);
            if (j > i && w + iw > x1 - x0) break;
            w += iw, j++;
        }
        for (int k = i, x = x0 + (x1 - x0 - w) / 2; pen && k < j; k++) {
            char *t = legend_text(p, k, s, x1 - x0);
            legend_item(p, k, x, top + rows * rowh + RS_FONT_ASCENT * s + s, s, t, pen);
            x += legend_swatch_w(p, s) + 4 * s + render_font_width(t, s) + gap;
            free(t);
        }
        i = j;
    }
    return rows;
}

/* The top of the plot area: below the title and the legend. */
static int layout_top(const chart_panel *p, panel_geom *g)
{
    int s = g->s, top = g->cy0 + g->pad;
    if (p->title && *p->title) {
        int room = g->cx1 - g->cx0 - 2 * g->pad;
        g->title_scale = render_font_width(p->title, s + 1) <= room ? s + 1 : s;
        g->title_base = top + RS_FONT_ASCENT * g->title_scale;
        top += RS_FONT_HEIGHT * g->title_scale + g->pad / 2;
    }
    if (has_legend(p)) {
        g->legend_top = top;
        int rows = legend(p, s, g->cx0 + g->pad, g->cx1 - g->pad, top, NULL);
        top += rows * (RS_FONT_HEIGHT * s + 2 * s) + g->pad / 2;
    }
    return top + RS_FONT_HEIGHT * s / 2;
}

/* The bottom of the plot area: above the note, the x label and the tick
 * labels. */
static int layout_bottom(const chart_panel *p, panel_geom *g)
{
    int s = g->s, ch = RS_FONT_HEIGHT * s, bottom = g->cy1 - g->pad;
    if (g->skipped > 0) {
        g->note_base = bottom - (RS_FONT_HEIGHT - RS_FONT_ASCENT) * s;
        bottom -= ch + s;
    }
    if (p->xlabel && *p->xlabel) {
        g->xlabel_base = bottom - (RS_FONT_HEIGHT - RS_FONT_ASCENT) * s;
        bottom -= ch + 2 * s;
    }
    return bottom - (ch + 4 * s + 3 * s);
}

/* The y axis: the data's span widened a little (never across zero) so no
 * whisker or marker sits on the frame, or the range asked for. */
static void layout_yaxis(const chart_panel *p, const chart_span *ys, int height, panel_geom *g)
{
    int target = clampi(height / (RS_FONT_HEIGHT * g->s * 4), 2, 10);
    if (p->has_ylim) {
        axis_linear(&g->ya, p->ylim[0], p->ylim[1], target, 0);
        return;
    }
    double lo = ys->any ? ys->lo : 0, hi = ys->any ? ys->hi : 1;
    double top = p->kind != CHART_HIST ? 0.05 : p->truth.n ? 0.16 : 0.06;
    span_pad(&lo, &hi, p->kind == CHART_HIST ? 0 : 0.05, top);
    axis_linear(&g->ya, lo, hi, target, p->kind == CHART_HIST);
}

static int widest_group(const chart_panel *p, int s)
{
    int w = 0;
    for (int i = 0; i < p->ngroups; i++) {
        int t = render_font_width(p->groups[i], s);
        if (t > w) w = t;
    }
    return w;
}

/* The x axis and the right edge: numeric axes leave room for half the last
 * tick label; box plots stagger group names that do not fit their slot. */
static void layout_xaxis(const chart_panel *p, const chart_span *xs, panel_geom *g)
{
    int s = g->s, width = g->f.x1 - g->f.x0;
    if (p->kind == CHART_BOX) {
        int ng = xs->any ? (int)xs->hi : 1;
        g->xa = (axis){.lo = 0, .hi = ng > 0 ? ng : 1};
        if (widest_group(p, s) > width / g->xa.hi - 4 * s) {
            g->stagger = 1;
            g->f.y1 -= RS_FONT_HEIGHT * s + s;
        }
        return;
    }
    double lo = xs->any ? xs->lo : p->logx, hi = xs->any ? xs->hi : 1 + 9 * p->logx;
    if (p->logx) {
        double l0 = log10(lo), l1 = log10(hi), d = l1 - l0 < 0.2 ? 0.1 : 0.04 * (l1 - l0);
        l0 = fmax(l0 - d, -300), l1 += d;
        axis_log(&g->xa, pow(10, l0), pow(10, l1), 1);
        if (ticks_crowded(&g->xa, width, s)) axis_log(&g->xa, pow(10, l0), pow(10, l1), 0);
    } else {
        span_pad(&lo, &hi, 0.04, 0.04);
        int target = clampi(width / (RS_FONT_ADVANCE * s * 8), 2, 10);
        do axis_linear(&g->xa, lo, hi, target, 0);
        while (ticks_crowded(&g->xa, width, s) && --target >= 2);
    }
    char last[32];
    tick_text(&g->xa, g->xa.tick[g->xa.nticks > 0 ? g->xa.nticks - 1 : 0], last);
    int half = render_font_width(last, s) / 2 + s;
    if (half > g->pad) g->f.x1 -= half - g->pad;
}

static void panel_layout(const chart_panel *p, int cx0, int cy0, int cx1, int cy1, panel_geom *g)
{
    memset(g, 0, sizeof *g);
    g->cx0 = cx0, g->cy0 = cy0, g->cx1 = cx1, g->cy1 = cy1;
    int w = cx1 - cx0, h = cy1 - cy0;
    g->s = clampi(((w < h * 3 / 2 ? w : h * 3 / 2) + 300) / 600, 1, 4);
    g->pad = 6 * g->s;
    chart_span xs, ys;
    g->drawn = chart_kind_extent(p, &xs, &ys, &g->skipped);
    int top = layout_top(p, g), bottom = layout_bottom(p, g), s = g->s;
    int left = cx0 + g->pad + (p->ylabel && *p->ylabel ? RS_FONT_HEIGHT * s + 4 * s : 0);
    layout_yaxis(p, &ys, bottom - top, g);
    left += widest_tick(&g->ya, s) + 4 * s + 3 * s;
    g->f = (chart_frame){left, top, cx1 - g->pad, bottom, 0, 0, 0, 0, 0};
    layout_xaxis(p, &xs, g);
    if (g->f.x1 < g->f.x0 + 2) g->f.x1 = g->f.x0 + 2;
    if (g->f.y1 < g->f.y0 + 2) g->f.y1 = g->f.y0 + 2;
    g->f.xlo = g->xa.lo, g->f.xhi = g->xa.hi, g->f.logx = g->xa.log;
    g->f.ylo = g->ya.lo, g->f.yhi = g->ya.hi;
}

/* Panel i's cell in the grid. */
static void cell_of(const grid *gr, int i, int *x0, int *y0, int *x1, int *y1)
{
    int col = i % gr->cols, row = i / gr->cols, hh = gr->h - gr->band;
    *x0 = col * gr->w / gr->cols, *x1 = (col + 1) * gr->w / gr->cols;
    *y0 = gr->band + row * hh / gr->rows, *y1 = gr->band + (row + 1) * hh / gr->rows;
}

/* Every panel laid out (malloc'd), or NULL with err when nothing is drawn. */
static panel_geom *layout_all(const chart *c, grid *gr, halo_err *err)
{
    if (c->npanels <= 0) {
        halo_err_set(err, HALO_E_PLT_EMPTY, NULL, 0, "the chart has no panel");
        return NULL;
    }
    grid_of(c, gr);
    panel_geom *g = halo_xcalloc((size_t)c->npanels, sizeof *g);
    int drawn = 0;
    for (int i = 0; i < c->npanels; i++) {
        int x0, y0, x1, y1;
        cell_of(gr, i, &x0, &y0, &x1, &y1);
        panel_layout(&c->panels[i], x0, y0, x1, y1, &g[i]);
        drawn += g[i].drawn;
    }
    if (drawn == 0) {
        halo_err_set(err, HALO_E_PLT_EMPTY, NULL, 0, "no panel holds a finite value");
        free(g);
        return NULL;
    }
    return g;
}

int chart_panel_frame(const chart *c, int panel, chart_frame *f)
{
    grid gr;
    halo_err err;
    halo_err_clear(&err);
    if (panel < 0 || panel >= c->npanels) return -1;
    panel_geom *g = layout_all(c, &gr, &err);
    if (!g) return -1;
    *f = g[panel].f;
    free(g);
    return 0;
}

/* ---------------------------------------------------------------- painting */

static void paint_grid_lines(const panel_geom *g, const chart_pen *plot)
{
    for (int i = 0; i < g->ya.nticks; i++)
        chart_hline(plot, g->f.x0, g->f.x1, (int)lrint(chart_frame_y(&g->f, g->ya.tick[i])), 1, CHART_GRID_RGB, 0);
    for (int i = 0; i < g->xa.nticks; i++)
        chart_vline(plot, (int)lrint(chart_frame_x(&g->f, g->xa.tick[i])), g->f.y0, g->f.y1, 1, CHART_GRID_RGB, 0);
}

static void paint_yticks(const panel_geom *g, const chart_pen *cell)
{
    int s = g->s, tick = 4 * s;
    char buf[32];
    for (int i = 0; i < g->ya.nticks; i++) {
        int y = (int)lrint(chart_frame_y(&g->f, g->ya.tick[i]));
        chart_hline(cell, g->f.x0 - 1 - tick, g->f.x0 - 1, y, 1, CHART_FRAME_RGB, 0);
        tick_text(&g->ya, g->ya.tick[i], buf);
        chart_text(cell, buf, g->f.x0 - tick - 3 * s, y + RS_FONT_ASCENT * s / 2, s, CHART_TEXT_RGB, CHART_AT_RIGHT);
    }
}

static void paint_xticks(const chart_panel *p, const panel_geom *g, const chart_pen *cell)
{
    int s = g->s, tick = 4 * s, base = g->f.y1 + tick + 3 * s + RS_FONT_ASCENT * s;
    char buf[32];
    if (p->kind == CHART_BOX) {
        int ng = (int)g->xa.hi, slot = (g->f.x1 - g->f.x0) / (ng > 0 ? ng : 1);
        for (int k = 0; k < p->ngroups && k < ng; k++) {
            char *t = chart_fit_text(p->groups[k], s, (g->stagger ? 2 * slot : slot) - 2 * s);
            int x = (int)lrint(chart_frame_x(&g->f, k + 0.5));
            int row = g->stagger && k % 2 ? RS_FONT_HEIGHT * s + s : 0;
            chart_vline(cell, x, g->f.y1, g->f.y1 + tick + row, 1, CHART_FRAME_RGB, 0);
            chart_text(cell, t, x, base + row, s, CHART_TEXT_RGB, CHART_AT_CENTER);
            free(t);
        }
        return;
    }
    for (int i = 0; i < g->xa.nticks; i++) {
        int x = (int)lrint(chart_frame_x(&g->f, g->xa.tick[i]));
        chart_vline(cell, x, g->f.y1, g->f.y1 + tick, 1, CHART_FRAME_RGB, 0);
        tick_text(&g->xa, g->xa.tick[i], buf);
        chart_text(cell, buf, x, base, s, CHART_TEXT_RGB, CHART_AT_CENTER);
    }
}

static void paint_labels(const chart_panel *p, const panel_geom *g, const chart_pen *cell)
{
    int s = g->s, room = g->cx1 - g->cx0 - 2 * g->pad;
    if (g->title_base) {
        char *t = chart_fit_text(p->title, g->title_scale, room);
        chart_text(cell, t, (g->cx0 + g->cx1) / 2, g->title_base, g->title_scale, CHART_TEXT_RGB, CHART_AT_CENTER);
        free(t);
    }
    if (g->xlabel_base) {
        char *t = chart_fit_text(p->xlabel, s, room);
        chart_text(cell, t, (g->f.x0 + g->f.x1) / 2, g->xlabel_base, s, CHART_TEXT_RGB, CHART_AT_CENTER);
        free(t);
    }
    if (p->ylabel && *p->ylabel) {
        char *t = chart_fit_text(p->ylabel, s, g->cy1 - g->cy0 - 2 * g->pad);
        chart_text_up(cell, t, g->cx0 + g->pad + RS_FONT_HEIGHT * s / 2, (g->f.y0 + g->f.y1) / 2, s, CHART_TEXT_RGB);
        free(t);
    }
    if (g->note_base) {
        char note[96];
        snprintf(note, sizeof note, "%d value%s skipped (not finite%s)", g->skipped, g->skipped == 1 ? "" : "s",
                 p->logx ? " or x <= 0" : "");
        char *t = chart_fit_text(note, s, room);
        chart_text(cell, t, g->cx1 - g->pad, g->note_base, s, CHART_NOTE_RGB, CHART_AT_RIGHT);
        free(t);
    }
}

static void paint_panel(rs_canvas *cv, const chart_panel *p, const panel_geom *g)
{
    chart_pen cell = chart_pen_clip(cv, g->cx0, g->cy0, g->cx1, g->cy1);
    chart_pen plot = chart_pen_clip(cv, g->f.x0, g->f.y0, g->f.x1, g->f.y1);
    paint_grid_lines(g, &plot);
    if (g->drawn) {
        chart_kind_paint(p, &g->f, &plot, g->s);
    } else {
        chart_text(&plot, "no data", (g->f.x0 + g->f.x1) / 2, (g->f.y0 + g->f.y1) / 2, g->s, CHART_NOTE_RGB,
                   CHART_AT_CENTER);
    }
    chart_outline(&cell, g->f.x0 - 1, g->f.y0 - 1, g->f.x1 + 1, g->f.y1 + 1, 1, CHART_FRAME_RGB);
    paint_yticks(g, &cell);
    paint_xticks(p, g, &cell);
    paint_labels(p, g, &cell);
    if (has_legend(p)) legend(p, g->s, g->cx0 + g->pad, g->cx1 - g->pad, g->legend_top, &cell);
}

unsigned char *chart_render_rgb(const chart *c, int *w, int *h, int *skipped, halo_err *err)
{
    grid gr;
    panel_geom *g = layout_all(c, &gr, err);
    if (!g) return NULL;
    size_t npx = (size_t)gr.w * (size_t)gr.h;
    rs_canvas cv = {halo_xmalloc(npx * 3), gr.w, gr.h};
    memset(cv.rgb, 0xff, npx * 3);
    if (gr.band) {
        chart_pen all = chart_pen_clip(&cv, 0, 0, gr.w, gr.band);
        char *t = chart_fit_text(c->title, gr.ts, gr.w - 12);
        chart_text(&all, t, gr.w / 2, 6 + RS_FONT_ASCENT * gr.ts, gr.ts, CHART_TEXT_RGB, CHART_AT_CENTER);
        free(t);
    }
    int n = 0;
    for (int i = 0; i < c->npanels; i++) {
        paint_panel(&cv, &c->panels[i], &g[i]);
        n += g[i].skipped;
    }
    free(g);
    *w = gr.w, *h = gr.h;
    if (skipped) *skipped = n;
    return cv.rgb;
}

int chart_write_png(const chart *c, const char *path, int *skipped, halo_err *err)
{
    int w, h;
    unsigned char *rgb = chart_render_rgb(c, &w, &h, skipped, err), *png;
    if (!rgb) return err->id;
    size_t len;
    int rc = render_png_encode(rgb, w, h, path, &png, &len, err);
    free(rgb);
    if (rc) return rc;
    rc = halo_write_atomic(path, (const char *)png, len, err);
    free(png);
    return rc;
}
