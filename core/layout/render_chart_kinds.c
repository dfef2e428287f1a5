/*
 * render_chart_kinds.c -- box plots, histograms and line charts: the
 * extent of a panel's data and its painting into a frame (see
 * render_chart_int.h).
 *
 * Owns the statistics drawn:
 *   box plot  quartiles by linear interpolation between order statistics
 *             (numpy's default, type 7), the median as a dark bar, the
 *             box from Q1 to Q3, whiskers to the furthest value within
 *             1.5 IQR of the box, the values beyond them as rings (unless
 *             hidden); the series of a group side by side in its slot;
 *   histogram equal bins over [min, max] of the finite values (the last
 *             bin closed), truth markers as red vertical lines with a
 *             triangle on top and a label "truth 62.1";
 *   line      the finite points of each series joined in order of x (ties
 *             in the order given), a marker shape per series.
 * A value is skipped, and counted, when chart_finite refuses it (and an x
 * below 1e-300 on a log axis); extent and paint apply the same filter.
 */
#include "render_chart_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

#define BOX_FILL_ALPHA 110
#define BAR_FILL_ALPHA 170
#define MEDIAN_RGB 0x1a1a1a

int chart_finite(double v)
{
    return isfinite(v) && fabs(v) <= 1e300;
}

void chart_span_add(chart_span *s, double v)
{
    if (!s->any) {
        s->lo = s->hi = v;
        s->any = 1;
        return;
    }
    if (v < s->lo) s->lo = v;
    if (v > s->hi) s->hi = v;
}

static void count_skip(int *skipped, int n)
{
    if (skipped) *skipped += n;
}

/* The finite values of v (malloc'd, sorted ascending); *n their count. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double *finite_sorted(const chart_vec *v, int *n, int *skipped)
{
    double *out = halo_xmalloc(sizeof *out * (size_t)(v->n > 0 ? v->n : 1));
    *n = 0;
    for (int i = 0; i < v->n; i++)
        if (chart_finite(v->v[i])) out[(*n)++] = v->v[i];
    count_skip(skipped, v->n - *n);
    qsort(out, (size_t)*n, sizeof *out, cmp_double);
    return out;
}

static void refs_extent(const chart_panel *p, chart_span *y, int *skipped)
{
    for (int i = 0; i < p->refs.n; i++) {
        if (chart_finite(p->refs.v[i])) chart_span_add(y, p->refs.v[i]);
        else count_skip(skipped, 1);
    }
}

/* ---------------------------------------------------------------- box plot */

typedef struct box_stats {
    double *v; int n;           /* the finite values, sorted */
    double q1, med, q3, wlo, whi;
} box_stats;

static double quantile(const double *v, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1) return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/* The statistics of one group of one series; b->v is malloc'd even when
 * empty (b->n 0). */
static void box_compute(const chart_vec *g, box_stats *b, int *skipped)
{
    b->v = finite_sorted(g, &b->n, skipped);
    if (b->n == 0) return;
    b->q1 = quantile(b->v, b->n, 0.25);
    b->med = quantile(b->v, b->n, 0.5);
    b->q3 = quantile(b->v, b->n, 0.75);
    double reach = 1.5 * (b->q3 - b->q1);
    int lo = 0, hi = b->n - 1;
    while (b->v[lo] < b->q1 - reach) lo++;
    while (b->v[hi] > b->q3 + reach) hi--;
    b->wlo = b->v[lo];
    b->whi = b->v[hi];
}

static int box_ngroups(const chart_panel *p)
{
    int n = p->ngroups;
    for (int i = 0; i < p->nseries; i++)
        if (p->series[i].ngroups > n) n = p->series[i].ngroups;
    return n;
}

static int box_extent(const chart_panel *p, chart_span *y, int *skipped)
{
    int drawn = 0;
    for (int i = 0; i < p->nseries; i++) {
        for (int g = 0; g < p->series[i].ngroups; g++) {
            box_stats b;
            box_compute(&p->series[i].groups[g], &b, skipped);
            drawn += b.n;
            if (b.n > 0) {
                chart_span_add(y, p->hide_outliers ? b.wlo : b.v[0]);
                chart_span_add(y, p->hide_outliers ? b.whi : b.v[b.n - 1]);
            }
            free(b.v);
        }
    }
    return drawn;
}

/* One box of series i (of ns) in group g. */
static void paint_one_box(const box_stats *b, int i, int ns, int g, const chart_panel *p, const chart_frame *f,
                          const chart_pen *pen, int s)
{
    double left = chart_frame_x(f, g), sw = chart_frame_x(f, g + 1) - left;
    double bw = 0.8 * sw / ns, cx = left + 0.1 * sw + (i + 0.5) * bw, half = fmax(1.0, 0.4 * bw);
    unsigned rgb = chart_series_rgb(i), dark = chart_darken(rgb, 0.35);
    int xl = (int)lrint(cx - half), xr = (int)lrint(cx + half) + 1, xc = (int)lrint(cx);
    int ytop = (int)lrint(chart_frame_y(f, b->q3)), ybot = (int)lrint(chart_frame_y(f, b->q1)) + 1;
    int cap = (int)lrint(half / 2);
    for (int k = 0; k < 2; k++) {
        double w = k ? b->whi : b->wlo;
        int yw = (int)lrint(chart_frame_y(f, w));
        chart_vline(pen, xc, yw, k ? ytop : ybot, s, dark, 0);
        chart_hline(pen, xc - cap, xc + cap + 1, yw, s, dark, 0);
    }
    chart_rect(pen, xl, ytop, xr, ybot, 0xffffff, 255);
    chart_rect(pen, xl, ytop, xr, ybot, rgb, BOX_FILL_ALPHA);
    chart_outline(pen, xl, ytop, xr, ybot, s, dark);
    chart_hline(pen, xl, xr, (int)lrint(chart_frame_y(f, b->med)), 2 * s, MEDIAN_RGB, 0);
    if (p->hide_outliers) return;
    for (int k = 0; k < b->n; k++)
        if (b->v[k] < b->wlo || b->v[k] > b->whi)
            chart_marker(pen, 1, cx, chart_frame_y(f, b->v[k]), 2 * s, dark, 0);
}

static void paint_box(const chart_panel *p, const chart_frame *f, const chart_pen *pen, int s)
{
    int ng = box_ngroups(p);
    for (int g = 1; g < ng; g++)
        chart_vline(pen, (int)lrint(chart_frame_x(f, g)), f->y0, f->y1, 1, CHART_GRID_RGB, 0);
    for (int i = 0; i < p->nseries; i++) {
        for (int g = 0; g < p->series[i].ngroups; g++) {
            box_stats b;
            box_compute(&p->series[i].groups[g], &b, NULL);
            if (b.n > 0) paint_one_box(&b, i, p->nseries, g, p, f, pen, s);
            free(b.v);
        }
    }
}

/* ---------------------------------------------------------------- histogram */

int chart_hist_bins(const chart_panel *p, double *lo, double *hi)
{
    chart_span sp = {0, 0, 0};
    int n = 0;
    for (int i = 0; i < p->values.n; i++)
        if (chart_finite(p->values.v[i])) chart_span_add(&sp, p->values.v[i]), n++;
    if (!n) return 0;
    *lo = sp.lo, *hi = sp.hi;
    if (*hi == *lo) {
        double d = *lo == 0 ? 0.5 : fabs(*lo) * 0.05;
        *lo -= d, *hi += d;
    }
    if (p->bins > 0) return p->bins;
    int b = (int)ceil(sqrt((double)n));
    return b < 5 ? 5 : b > 50 ? 50 : b;
}

/* Counts per bin (malloc'd, nb entries). */
static int *hist_counts(const chart_panel *p, int nb, double lo, double hi)
{
    int *c = halo_xcalloc((size_t)nb, sizeof *c);
    for (int i = 0; i < p->values.n; i++) {
        double v = p->values.v[i];
        if (!chart_finite(v)) continue;
        int k = (int)floor((v - lo) / (hi - lo) * nb);
        c[k < 0 ? 0 : k >= nb ? nb - 1 : k]++;
    }
    return c;
}

static int hist_extent(const chart_panel *p, chart_span *x, chart_span *y, int *skipped)
{
    double lo, hi;
    int nb = chart_hist_bins(p, &lo, &hi), top = 0, drawn = 0;
    for (int i = 0; i < p->values.n; i++) drawn += chart_finite(p->values.v[i]);
    count_skip(skipped, p->values.n - drawn);
    for (int i = 0; i < p->truth.n; i++) {
        if (chart_finite(p->truth.v[i])) chart_span_add(x, p->truth.v[i]);
        else count_skip(skipped, 1);
    }
    if (!nb) return 0;
    int *c = hist_counts(p, nb, lo, hi);
    for (int k = 0; k < nb; k++) top = c[k] > top ? c[k] : top;
    free(c);
    chart_span_add(x, lo);
    chart_span_add(x, hi);
    chart_span_add(y, 0);
    chart_span_add(y, top);
    return drawn;
}

/* The k-th truth label, stacked down from the top of the plot area, on
 * the side of the line where it fits. */
static void truth_label(const chart_panel *p, double t, int k, int xl, const chart_frame *f, const chart_pen *pen,
                        int s)
{
    char num[32], text[160];
    chart_format_short(t, num);
    snprintf(text, sizeof text, "%s %s", p->truth_label ? p->truth_label : "truth", num);
    int w = render_font_width(text, s), base = f->y0 + 4 * s + 2 + (k + 1) * (RS_FONT_HEIGHT * s + 3);
    int x = xl + 3 * s + 2;
    if (x + w > f->x1 - 2) x = xl - 3 * s - 2 - w;
    chart_rect(pen, x - 1, base - RS_FONT_ASCENT * s - 1, x + w + 1, base + 2 * s + 1, 0xffffff, 210);
    chart_text(pen, text, x, base, s, CHART_TRUTH_RGB, CHART_AT_LEFT);
}

static void paint_hist(const chart_panel *p, const chart_frame *f, const chart_pen *pen, int s)
{
    double lo, hi;
    int nb = chart_hist_bins(p, &lo, &hi);
    if (nb > 0) {
        int *c = hist_counts(p, nb, lo, hi);
        unsigned dark = chart_darken(CHART_BAR_RGB, 0.35);
        for (int k = 0; k < nb; k++) {
            if (!c[k]) continue;
            int xl = (int)lrint(chart_frame_x(f, lo + (hi - lo) * k / nb));
            int xr = (int)lrint(chart_frame_x(f, lo + (hi - lo) * (k + 1) / nb)) + 1;
            int yt = (int)lrint(chart_frame_y(f, c[k]));
            chart_rect(pen, xl, yt, xr, f->y1, CHART_BAR_RGB, BAR_FILL_ALPHA);
            chart_outline(pen, xl, yt, xr, f->y1 + 1, 1, dark);
        }
        free(c);
    }
    for (int i = 0, k = 0; i < p->truth.n; i++) {
        if (!chart_finite(p->truth.v[i])) continue;
        int xl = (int)lrint(chart_frame_x(f, p->truth.v[i]));
        chart_vline(pen, xl, f->y0, f->y1, 2 * s, CHART_TRUTH_RGB, 0);
        chart_marker(pen, 4, xl, f->y0 + 3 * s + 1, 3 * s + 1, CHART_TRUTH_RGB, 1);
        truth_label(p, p->truth.v[i], k++, xl, f, pen, s);
    }
}

/* ---------------------------------------------------------------- line */

typedef struct pt {
    double x, y;
    int i;
} pt;

static int cmp_pt(const void *a, const void *b)
{
    const pt *p = a, *q = b;
    if (p->x != q->x) return (p->x > q->x) - (p->x < q->x);
    return (p->i > q->i) - (p->i < q->i);
}

/* The drawn points of series s sorted by x (malloc'd); *n their count. */
static pt *line_points(const chart_panel *p, const chart_series *s, int *n, int *skipped)
{
    int m = s->x.n < s->y.n ? s->x.n : s->y.n;
    pt *out = halo_xmalloc(sizeof *out * (size_t)(m > 0 ? m : 1));
    *n = 0;
    for (int i = 0; i < m; i++) {
        double x = s->x.v[i], y = s->y.v[i];
        if (chart_finite(x) && chart_finite(y) && (!p->logx || x >= 1e-300)) out[(*n)++] = (pt){x, y, i};
    }
    count_skip(skipped, m - *n);
    qsort(out, (size_t)*n, sizeof *out, cmp_pt);
    return out;
}

static int line_extent(const chart_panel *p, chart_span *x, chart_span *y, int *skipped)
{
    int drawn = 0;
    for (int i = 0; i < p->nseries; i++) {
        int n;
        pt *q = line_points(p, &p->series[i], &n, skipped);
        for (int k = 0; k < n; k++) chart_span_add(x, q[k].x), chart_span_add(y, q[k].y);
        drawn += n;
        free(q);
    }
    return drawn;
}

static void paint_line(const chart_panel *p, const chart_frame *f, const chart_pen *pen, int s)
{
    for (int i = 0; i < p->nseries; i++) {
        int n;
        pt *q = line_points(p, &p->series[i], &n, NULL);
        unsigned rgb = chart_series_rgb(i);
        for (int k = 1; k < n; k++)
            chart_line(pen, chart_frame_x(f, q[k - 1].x), chart_frame_y(f, q[k - 1].y), chart_frame_x(f, q[k].x),
                       chart_frame_y(f, q[k].y), s + 1, rgb);
        for (int k = 0; k < n; k++)
            chart_marker(pen, i, chart_frame_x(f, q[k].x), chart_frame_y(f, q[k].y), 2 + s, rgb, 1);
        free(q);
    }
}

/* ---------------------------------------------------------------- entry points */

int chart_kind_extent(const chart_panel *p, chart_span *x, chart_span *y, int *skipped)
{
    *x = (chart_span){0, 0, 0};
    *y = (chart_span){0, 0, 0};
    int drawn;
    if (p->kind == CHART_BOX) drawn = box_extent(p, y, skipped);
    else if (p->kind == CHART_HIST) drawn = hist_extent(p, x, y, skipped);
    else drawn = line_extent(p, x, y, skipped);
    if (p->kind != CHART_HIST) refs_extent(p, y, skipped);
    if (p->kind == CHART_BOX) {
        x->lo = 0, x->hi = box_ngroups(p), x->any = x->hi > 0;
    }
    return drawn;
}

void chart_kind_paint(const chart_panel *p, const chart_frame *f, const chart_pen *pen, int scale)
{
    if (p->kind != CHART_HIST)
        for (int i = 0; i < p->refs.n; i++)
            if (chart_finite(p->refs.v[i]))
                chart_hline(pen, f->x0, f->x1, (int)lrint(chart_frame_y(f, p->refs.v[i])), scale, CHART_REF_RGB, 1);
    if (p->kind == CHART_BOX) paint_box(p, f, pen, scale);
    else if (p->kind == CHART_HIST) paint_hist(p, f, pen, scale);
    else paint_line(p, f, pen, scale);
}
