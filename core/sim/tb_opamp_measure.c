/*
 * tb_opamp_measure.c -- the op-amp characterisation's metrics: computed
 * from a finished job (opamp_tb_result), and the same computations written
 * as an ngspice .control script (opamp_tb_deck_text).  The two must stay
 * step for step alike -- same points, same comparisons, same
 * interpolations -- so that a plain ngspice -b run of the deck prints
 * halo's numbers; each C step below names its script counterpart.
 * Definitions in tb_opamp.h.
 */
#include "tb_opamp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

/* The five analyses' plots, in command order. */
enum { PL_OP = 0, PL_AC, PL_DC, PL_TRAN, PL_COUNT };

#define ICMR_SLOPE 0.9      /* follower slope that bounds the input range */
#define SLEW_LO 0.1         /* the 10 % and 90 % points of a step */
#define SLEW_HI 0.9
#define SLEW_MIN_MOVE 0.1   /* output must move this share of the input step */

/* ------------------------------------------------------------ results */

void opamp_tb_result_free(opamp_result *r)
{
    for (int i = 0; i < r->ndevs; i++) free(r->dev_names[i]);
    free(r->dev_names);
    free(r->regions);
    free(r->vov_v);
    free(r->vds_margin_v);
    free(r->detail);
    free(r->log);
    memset(r, 0, sizeof *r);
}

const double *opamp_tb_result_metric(const opamp_result *r, const char *key)
{
    for (int i = 0; i < r->nmetrics; i++)
        if (strcmp(r->keys[i], key) == 0) return &r->values[i];
    return NULL;
}

static void put(opamp_result *r, const char *key, double v)
{
    if (r->nmetrics >= OPAMP_MAX_METRICS || !isfinite(v)) return;
    snprintf(r->keys[r->nmetrics], sizeof r->keys[0], "%s", key);
    r->values[r->nmetrics++] = v;
}

/* ------------------------------------------------------------ measurements */

void opamp_tb_slope(const double *x, const double *y, int n, double *g)
{
    if (n < 2) {
        if (n == 1) g[0] = 0;
        return;
    }
    g[0] = (y[1] - y[0]) / (x[1] - x[0]);
    g[n - 1] = (y[n - 1] - y[n - 2]) / (x[n - 1] - x[n - 2]);
    for (int i = 1; i < n - 1; i++) g[i] = (y[i + 1] - y[i - 1]) / (x[i + 1] - x[i - 1]);
}

/* v between points i and i+1 at weight t (v[i] at the last point). */
static double at_pair(const double *v, int n, int i, double t)
{
    return i < n - 1 ? v[i] + t * (v[i + 1] - v[i]) : v[i];
}

int opamp_tb_range(const double *x, const double *g, int n, int c, double th, double *lo, double *hi, int *ilo,
                double *tlo, int *ihi, double *thi)
{
    if (!(g[c] >= th)) return -1;
    int i = c, j = c;
    while (i > 0 && g[i - 1] >= th) i--;
    while (j < n - 1 && g[j + 1] >= th) j++;
    *ilo = i == 0 ? 0 : i - 1;
    *tlo = i == 0 ? 0 : (th - g[i - 1]) / (g[i] - g[i - 1]);
    *ihi = j;
    *thi = j == n - 1 ? 0 : (th - g[j]) / (g[j + 1] - g[j]);
    *lo = at_pair(x, n, *ilo, *tlo);
    *hi = at_pair(x, n, *ihi, *thi);
    return 0;
}

int opamp_tb_cross(const double *y, int n, int from, double th, int rising)
{
    for (int i = from + 1; i < n; i++) {
        if (rising && y[i - 1] < th && y[i] >= th) return i;
        if (!rising && y[i - 1] > th && y[i] <= th) return i;
    }
    return -1;
}

/* x where y crosses th between points i-1 and i. */
static double cross_at(const double *x, const double *y, int i, double th)
{
    return x[i - 1] + (th - y[i - 1]) / (y[i] - y[i - 1]) * (x[i] - x[i - 1]);
}

/* The first index with x >= q (n when none), and y there, interpolated
 * (script: the level blocks). */
static int level_at(const double *x, const double *y, int n, double q, double *v)
{
    int i = 0;
    while (i < n && !(x[i] >= q)) i++;
    if (i == 0) *v = y[0];
    else if (i == n) *v = y[n - 1];
    else *v = y[i - 1] + (q - x[i - 1]) / (x[i] - x[i - 1]) * (y[i] - y[i - 1]);
    return i;
}

/* The sweep point nearest v, the first of equals (script: halo_c). */
static int nearest(const double *x, int n, double v)
{
    int c = 0;
    for (int i = 1; i < n; i++)
        if (fabs(x[i] - v) < fabs(x[c] - v)) c = i;
    return c;
}

/* ------------------------------------------------------------ from the plots */

/* A real vector of a plot with at least min points (the real part of a
 * complex one), or NULL. */
static const sim_vector *vec(const sim_plot *pl, const char *name, int min)
{
    const sim_vector *v = pl && pl->ok ? sim_plot_vector(pl, name) : NULL;
    return v && v->len >= min ? v : NULL;
}

static void op_metrics(const opamp_tb_deck *d, const sim_plot *op, opamp_result *r)
{
    const sim_vector *out = vec(op, "out_ol", 1), *i = vec(op, "vdd_ol#branch", 1);
    if (out) put(r, "vout_dc_V", out->re[0]);
    if (i) {
        put(r, "vdd_current_A", i->re[0]);
        put(r, "power_W", fabs(i->re[0]) * d->o.vdd);
    }
    static const char *const params[] = {"vgs", "vds", "vth", "vdsat"};
    int known = 0, off = 0;
    for (int k = 0; k < d->ndevs; k++) {
        double v[4];
        int have = 0;
        for (int j = 0; j < 4; j++) {
            char name[800];
            snprintf(name, sizeof name, "%s[%s]", d->dev_vecs[k], params[j]);
            const sim_vector *pv = vec(op, name, 1);
            if (pv) v[have++] = pv->re[0];
        }
        r->regions[k] = OPAMP_UNKNOWN;
        r->vov_v[k] = r->vds_margin_v[k] = NAN;
        if (have < 4) continue;
        /* script: halo_vov, halo_vdm */
        r->vov_v[k] = v[0] - v[2];
        r->vds_margin_v[k] = v[1] - v[3];
        r->regions[k] = r->vov_v[k] < 0 ? OPAMP_OFF : r->vds_margin_v[k] < 0 ? OPAMP_TRIODE : OPAMP_SAT;
        known++;
        off += r->regions[k] != OPAMP_SAT;
    }
    if (known == d->ndevs) put(r, "n_not_saturated", off);
}

/* 20 log10 |v| of a complex vector. */
static double *decibels(const sim_vector *v)
{
    double *db = halo_xmalloc((size_t)v->len * sizeof *db);
    for (int i = 0; i < v->len; i++) db[i] = 20.0 * log10(hypot(v->re[i], v->im ? v->im[i] : 0));
    return db;
}

/* Continuous phase in degrees: each point takes the 2 pi multiple nearest
 * the previous one, as ngspice's cph (script: halo_ph). */
static double *phase_deg(const sim_vector *v)
{
    double *ph = halo_xmalloc((size_t)v->len * sizeof *ph), last = 0;
    for (int i = 0; i < v->len; i++) {
        double p = atan2(v->im ? v->im[i] : 0, v->re[i]);
        if (i > 0) p -= 2 * M_PI * floor((p - last) / (2 * M_PI) + 0.5);
        last = p;
        ph[i] = p * 180.0 / M_PI;
    }
    return ph;
}

static void ac_metrics(const sim_plot *ac, opamp_result *r)
{
    const sim_vector *f = vec(ac, "frequency", 2), *ol = vec(ac, "out_ol", 2);
    const sim_vector *cm = vec(ac, "out_cm", 1), *ps = vec(ac, "out_ps", 1);
    if (!f || !ol || ol->len != f->len) return;
    int n = f->len;
    double *db = decibels(ol), *ph = phase_deg(ol), *lf = halo_xmalloc((size_t)n * sizeof *lf);
    for (int i = 0; i < n; i++) lf[i] = log10(f->re[i]);
    put(r, "dc_gain_dB", db[0]);
    if (cm) {
        double *c = decibels(cm);
        put(r, "cmrr_dB", db[0] - c[0]);
        free(c);
    }
    if (ps) {
        double *p = decibels(ps);
        put(r, "psrr_dB", db[0] - p[0]);
        free(p);
    }
    int k = opamp_tb_cross(db, n, 0, 0.0, 0);   /* script: halo_k */
    if (k > 0) {
        double t = (0 - db[k - 1]) / (db[k] - db[k - 1]);
        double phase = ph[k - 1] + t * (ph[k] - ph[k - 1]);
        put(r, "ugf_Hz", pow(10, lf[k - 1] + t * (lf[k] - lf[k - 1])));
        put(r, "phase_at_ugf_deg", phase);
        put(r, "phase_margin_deg", 180 + phase);
    }
    free(db);
    free(ph);
    free(lf);
}

/* The input range of the follower and the output range of the gain-K
 * instance (script: the dc blocks). */
/* min(a, b) written as the script computes it (ngspice's control
 * language has no elementwise min), so both give the same bits. */
static double min_as_script(double a, double b) { return (a + b - fabs(a - b)) / 2; }

/* g[i] = min(g[i], the saturation margin of every MOS of instance inst
 * that is saturated at point c): the sweep's criterion (see tb_opamp.h).
 * A device whose vectors are missing does not constrain. */
static void saturation_bound(const opamp_tb_deck *d, const sim_plot *dc, const char *inst, int n, int c, double *g)
{
    static const char *const params[] = {"vgs", "vth", "vds", "vdsat"};
    for (int k = 0; k < d->ndevs; k++) {
        const sim_vector *v[4];
        char stem[720], name[800];
        opamp_tb_instance_stem(d->dev_vecs[k], inst, stem, sizeof stem);
        int have = 0;
        for (int j = 0; j < 4; j++) {
            snprintf(name, sizeof name, "%s[%s]", stem, params[j]);
            v[j] = vec(dc, name, n);
            have += v[j] != NULL;
        }
        if (have < 4) continue;
        double mc = min_as_script(v[0]->re[c] - v[1]->re[c], v[2]->re[c] - v[3]->re[c]);
        if (!(mc >= 0)) continue;   /* out of saturation at vcm already: a bias device's own matter */
        for (int i = 0; i < n; i++)
            g[i] = min_as_script(g[i], min_as_script(v[0]->re[i] - v[1]->re[i], v[2]->re[i] - v[3]->re[i]));
    }
}

static void dc_metrics(const opamp_tb_deck *d, const sim_plot *dc, opamp_result *r)
{
    const sim_vector *x = vec(dc, "sw", 3), *fo = vec(dc, "out_fo", 3), *gk = vec(dc, "out_gk", 3);
    if (!x || !fo || !gk || fo->len != x->len || gk->len != x->len) return;
    int n = x->len, c = nearest(x->re, n, d->o.vcm), ilo, ihi;
    double *g = halo_xmalloc((size_t)n * sizeof *g), lo, hi, tlo, thi;
    opamp_tb_slope(x->re, fo->re, n, g);
    for (int i = 0; i < n; i++) g[i] -= ICMR_SLOPE;
    saturation_bound(d, dc, "fo", n, c, g);
    if (opamp_tb_range(x->re, g, n, c, 0, &lo, &hi, &ilo, &tlo, &ihi, &thi) == 0) {
        put(r, "icmr_min_V", lo);
        put(r, "icmr_max_V", hi);
    }
    opamp_tb_slope(x->re, gk->re, n, g);
    double k = d->o.gain_k;
    for (int i = 0; i < n; i++) g[i] *= k;   /* dvout/dvin: the input moves 1/K as fast as vsw */
    for (int i = 0; i < n; i++) g[i] -= k / 2;
    saturation_bound(d, dc, "gk", n, c, g);
    if (opamp_tb_range(x->re, g, n, c, 0, &lo, &hi, &ilo, &tlo, &ihi, &thi) == 0) {
        put(r, "vout_min_V", at_pair(gk->re, n, ilo, tlo));
        put(r, "vout_max_V", at_pair(gk->re, n, ihi, thi));
    }
    free(g);
}

/* The 10-90 % slope of one edge from level a to level b, searched after
 * point from; NAN when the output hardly moves or a crossing is missing. */
static double edge_slope(const double *t, const double *y, int n, int from, double a, double b, double step)
{
    int rising = b > a;
    if (fabs(b - a) <= SLEW_MIN_MOVE * step) return NAN;
    double lo = rising ? a : b, span = fabs(b - a);
    double th10 = lo + SLEW_LO * span, th90 = lo + SLEW_HI * span;
    int i10 = opamp_tb_cross(y, n, from, th10, rising), i90 = opamp_tb_cross(y, n, from, th90, rising);
    if (i10 < 0 || i90 < 0) return NAN;
    double t10 = cross_at(t, y, i10, th10), t90 = cross_at(t, y, i90, th90);
    double dt = rising ? t90 - t10 : t10 - t90;
    return dt > 0 ? (th90 - th10) / dt : NAN;
}

static void tran_metrics(const opamp_tb_deck *d, const sim_plot *tr, opamp_result *r)
{
    const sim_vector *t = vec(tr, "time", 3), *y = vec(tr, "out_fo", 3);
    if (!t || !y || t->len != y->len) return;
    int n = t->len;
    double y0, y1, y2, step = 2 * d->o.step_v;
    int k0 = level_at(t->re, y->re, n, d->t_rise, &y0);
    int kf = level_at(t->re, y->re, n, d->t_fall, &y1);
    level_at(t->re, y->re, n, d->t_stop, &y2);
    /* only an edge that rises counts as the rise (and falls as the fall) */
    double rise = y1 > y0 ? edge_slope(t->re, y->re, n, k0, y0, y1, step) : NAN;
    double fall = y1 > y2 ? edge_slope(t->re, y->re, n, kf, y1, y2, step) : NAN;
    put(r, "slew_rise_V_per_s", rise);
    put(r, "slew_fall_V_per_s", fall);
    if (isfinite(rise) && isfinite(fall)) put(r, "slew_rate_V_per_s", rise < fall ? rise : fall);
}

void opamp_tb_result(const opamp_tb_deck *d, const sim_job *job, opamp_result *r)
{
    memset(r, 0, sizeof *r);
    r->seconds = job->seconds;
    r->status = job->status;
    r->detail = su_strdup(job->detail ? job->detail : "");
    if (job->status != SIM_OK) r->log = su_strdup(job->log ? job->log : "");
    r->ndevs = d->ndevs;
    r->dev_names = halo_xcalloc((size_t)d->ndevs + 1, sizeof *r->dev_names);
    r->regions = halo_xcalloc((size_t)d->ndevs + 1, sizeof *r->regions);
    r->vov_v = halo_xcalloc((size_t)d->ndevs + 1, sizeof *r->vov_v);
    r->vds_margin_v = halo_xcalloc((size_t)d->ndevs + 1, sizeof *r->vds_margin_v);
    for (int k = 0; k < d->ndevs; k++) {
        r->dev_names[k] = su_strdup(d->dev_names[k]);
        r->regions[k] = OPAMP_UNKNOWN;
        r->vov_v[k] = r->vds_margin_v[k] = NAN;
    }
    const sim_plot *pl[PL_COUNT] = {NULL};
    for (int i = 0; i < PL_COUNT && i < job->nplots; i++) pl[i] = &job->plots[i];
    if (!pl[PL_OP] || !pl[PL_OP]->ok) {
        if (r->status == SIM_OK) {   /* cannot happen with a complete job; say so if it does */
            r->status = SIM_ERROR;
            free(r->detail);
            r->detail = su_strdup("the operating point returned no data");
        }
        return;
    }
    op_metrics(d, pl[PL_OP], r);
    ac_metrics(pl[PL_AC], r);
    dc_metrics(d, pl[PL_DC], r);
    tran_metrics(d, pl[PL_TRAN], r);
}

/* ------------------------------------------------------------ the script */

/* "let VAR = y at q" and "let KVAR = the first index with x >= q"
 * (level_at). */
static void sc_level(su_buf *b, double q, const char *var, const char *kvar)
{
    su_buf_printf(b, "let halo_i = 0\nwhile halo_i < halo_n\n  if halo_tt[halo_i] >= %.17g\n    break\n"
                     "  end\n  let halo_i = halo_i + 1\nend\nlet %s = halo_i\n", q, kvar);
    su_buf_printf(b, "if halo_i eq 0\n  let %s = halo_y[0]\nelse\n  if halo_i eq halo_n\n"
                     "    let %s = halo_y[halo_n - 1]\n  else\n", var, var);
    su_buf_printf(b, "    let %s = halo_y[halo_i - 1] + (%.17g - halo_tt[halo_i - 1]) / (halo_tt[halo_i] - "
                     "halo_tt[halo_i - 1]) * (halo_y[halo_i] - halo_y[halo_i - 1])\n  end\nend\n", var, q);
}

/* FOUND = 1 and TVAR = the time of the first crossing of vector TH after
 * point KVAR (opamp_tb_cross, cross_at). */
static void sc_cross(su_buf *b, const char *kvar, const char *th, int rising, const char *found, const char *tvar)
{
    const char *cmp = rising ? "halo_y[halo_i - 1] < %s and halo_y[halo_i] >= %s"
                             : "halo_y[halo_i - 1] > %s and halo_y[halo_i] <= %s";
    su_buf_printf(b, "let %s = 0\nlet halo_i = %s + 1\nwhile halo_i < halo_n\n  if ", found, kvar);
    su_buf_printf(b, cmp, th, th);
    su_buf_printf(b, "\n    let %s = 1\n    break\n  end\n  let halo_i = halo_i + 1\nend\n", found);
    su_buf_printf(b, "if %s > 0\n  let %s = halo_tt[halo_i - 1] + (%s - halo_y[halo_i - 1]) / (halo_y[halo_i] - "
                     "halo_y[halo_i - 1]) * (halo_tt[halo_i] - halo_tt[halo_i - 1])\nend\n", found, tvar, th);
}

/* One edge (edge_slope): from level A to level B after point KVAR; sets
 * HAS and prints KEY. */
static void sc_edge(su_buf *b, const char *a, const char *bb, const char *kvar, int rising, double step,
                    const char *key, const char *has)
{
    const char *lo = rising ? a : bb, *hi = rising ? bb : a;
    su_buf_printf(b, "let %s = 0\nif %s > %s and abs(%s - %s) > %.17g\n", has, hi, lo, bb, a, SLEW_MIN_MOVE * step);
    su_buf_printf(b, "let halo_th10 = %s + %.17g * abs(%s - %s)\n", lo, SLEW_LO, bb, a);
    su_buf_printf(b, "let halo_th90 = %s + %.17g * abs(%s - %s)\n", lo, SLEW_HI, bb, a);
    sc_cross(b, kvar, "halo_th10", rising, "halo_f10", "halo_t10");
    sc_cross(b, kvar, "halo_th90", rising, "halo_f90", "halo_t90");
    su_buf_printf(b, "let halo_dt = %s\n", rising ? "halo_t90 - halo_t10" : "halo_t10 - halo_t90");
    su_buf_add(b, "if halo_f10 > 0 and halo_f90 > 0\nif halo_dt > 0\n");
    su_buf_printf(b, "let halo_%s = (halo_th90 - halo_th10) / halo_dt\nprint halo_%s\nlet %s = halo_%s\n", key, key,
                  has, key);
    su_buf_add(b, "end\nend\nend\n");
}

static void sc_tran(su_buf *b, const opamp_tb_deck *d)
{
    su_buf_printf(b, "%s\nlet halo_tt = time\nlet halo_y = v(out_fo)\nlet halo_n = length(halo_tt)\n", d->commands[3]);
    sc_level(b, d->t_rise, "halo_y0", "halo_k0");
    sc_level(b, d->t_fall, "halo_y1", "halo_kf");
    sc_level(b, d->t_stop, "halo_y2", "halo_ks");
    double step = 2 * d->o.step_v;
    sc_edge(b, "halo_y0", "halo_y1", "halo_k0", 1, step, "slew_rise_V_per_s", "halo_sr");
    sc_edge(b, "halo_y1", "halo_y2", "halo_kf", 0, step, "slew_fall_V_per_s", "halo_sf");
    su_buf_add(b, "if halo_sr > 0 and halo_sf > 0\n  let halo_slew_rate_V_per_s = halo_sr\n"
                  "  if halo_sf < halo_sr\n    let halo_slew_rate_V_per_s = halo_sf\n  end\n"
                  "  print halo_slew_rate_V_per_s\nend\n");
}

/* halo_g = SCALE * the slope of vector Y over halo_x (opamp_tb_slope). */
static void sc_slope(su_buf *b, const char *y, double scale)
{
    su_buf_printf(b, "let halo_y = %s\nlet halo_g = vector(halo_n)\n", y);
    su_buf_add(b, "let halo_g[0] = (halo_y[1] - halo_y[0]) / (halo_x[1] - halo_x[0])\n"
                  "let halo_g[halo_n - 1] = (halo_y[halo_n - 1] - halo_y[halo_n - 2]) / (halo_x[halo_n - 1] - "
                  "halo_x[halo_n - 2])\nlet halo_i = 1\nwhile halo_i < halo_n - 1\n"
                  "  let halo_g[halo_i] = (halo_y[halo_i + 1] - halo_y[halo_i - 1]) / (halo_x[halo_i + 1] - "
                  "halo_x[halo_i - 1])\n  let halo_i = halo_i + 1\nend\n");
    if (scale != 1) su_buf_printf(b, "let halo_g = halo_g * %.17g\n", scale);
}

/* The walk of opamp_tb_range on halo_g from halo_c with threshold TH; prints
 * LOKEY and HIKEY as vector V at the two ends (at_pair). */
static void sc_range(su_buf *b, double th, const char *v, const char *lokey, const char *hikey)
{
    su_buf_printf(b, "if halo_g[halo_c] >= %.17g\n", th);
    su_buf_printf(b, "let halo_i = halo_c\nwhile halo_i > 0\n  if halo_g[halo_i - 1] < %.17g\n    break\n  end\n"
                     "  let halo_i = halo_i - 1\nend\n", th);
    su_buf_printf(b, "let halo_j = halo_c\nwhile halo_j < halo_n - 1\n  if halo_g[halo_j + 1] < %.17g\n    break\n"
                     "  end\n  let halo_j = halo_j + 1\nend\n", th);
    su_buf_printf(b, "let halo_a = 0\nlet halo_ta = 0\nif halo_i > 0\n  let halo_a = halo_i - 1\n"
                     "  let halo_ta = (%.17g - halo_g[halo_i - 1]) / (halo_g[halo_i] - halo_g[halo_i - 1])\nend\n", th);
    su_buf_printf(b, "let halo_b = halo_j\nlet halo_tb = 0\nif halo_j < halo_n - 1\n"
                     "  let halo_tb = (%.17g - halo_g[halo_j]) / (halo_g[halo_j + 1] - halo_g[halo_j])\nend\n", th);
    su_buf_printf(b, "let halo_v = %s\nlet halo_%s = halo_v[halo_a] + halo_ta * (halo_v[halo_a + 1] - "
                     "halo_v[halo_a])\nprint halo_%s\n", v, lokey, lokey);
    su_buf_printf(b, "let halo_%s = halo_v[halo_b]\nif halo_b < halo_n - 1\n  let halo_%s = halo_v[halo_b] + "
                     "halo_tb * (halo_v[halo_b + 1] - halo_v[halo_b])\nend\nprint halo_%s\nend\n",
                  hikey, hikey, hikey);
}

/* saturation_bound on halo_g: elementwise min as (a + b - |a - b|) / 2. */
static void sc_saturation(su_buf *b, const opamp_tb_deck *d, const char *inst)
{
    for (int k = 0; k < d->ndevs; k++) {
        char s[720];
        opamp_tb_instance_stem(d->dev_vecs[k], inst, s, sizeof s);
        su_buf_printf(b, "let halo_a1 = %s[vgs] - %s[vth]\nlet halo_a2 = %s[vds] - %s[vdsat]\n", s, s, s, s);
        su_buf_add(b, "let halo_mk = (halo_a1 + halo_a2 - abs(halo_a1 - halo_a2)) / 2\n"
                      "if halo_mk[halo_c] >= 0\n"
                      "  let halo_g = (halo_g + halo_mk - abs(halo_g - halo_mk)) / 2\nend\n");
    }
}

static void sc_dc(su_buf *b, const opamp_tb_deck *d)
{
    su_buf_printf(b, "%s\nlet halo_x = v(sw)\nlet halo_n = length(halo_x)\n", d->commands[2]);
    su_buf_printf(b, "let halo_c = 0\nlet halo_i = 1\nwhile halo_i < halo_n\n  if abs(halo_x[halo_i] - %.17g) < "
                     "abs(halo_x[halo_c] - %.17g)\n    let halo_c = halo_i\n  end\n  let halo_i = halo_i + 1\nend\n",
                  d->o.vcm, d->o.vcm);
    sc_slope(b, "v(out_fo)", 1);
    su_buf_printf(b, "let halo_g = halo_g - %.17g\n", ICMR_SLOPE);
    sc_saturation(b, d, "fo");
    sc_range(b, 0, "halo_x", "icmr_min_V", "icmr_max_V");
    sc_slope(b, "v(out_gk)", d->o.gain_k);
    su_buf_printf(b, "let halo_g = halo_g - %.17g\n", d->o.gain_k / 2);
    sc_saturation(b, d, "gk");
    sc_range(b, 0, "v(out_gk)", "vout_min_V", "vout_max_V");
}

static void sc_ac(su_buf *b, const opamp_tb_deck *d)
{
    su_buf_printf(b, "%s\nlet halo_db = vdb(out_ol)\nlet halo_ph = cph(out_ol) * 180 / pi\n"
                     "let halo_lf = log10(real(frequency))\nlet halo_dc_gain_dB = halo_db[0]\n"
                     "print halo_dc_gain_dB\n", d->commands[1]);
    su_buf_add(b, "let halo_dbcm = vdb(out_cm)\nlet halo_cmrr_dB = halo_db[0] - halo_dbcm[0]\nprint halo_cmrr_dB\n"
                  "let halo_dbps = vdb(out_ps)\nlet halo_psrr_dB = halo_db[0] - halo_dbps[0]\nprint halo_psrr_dB\n");
    su_buf_add(b, "let halo_n = length(halo_db)\nlet halo_k = 0\nlet halo_i = 1\nwhile halo_i < halo_n\n"
                  "  if halo_db[halo_i - 1] > 0 and halo_db[halo_i] <= 0\n    let halo_k = halo_i\n    break\n"
                  "  end\n  let halo_i = halo_i + 1\nend\n");
    su_buf_add(b, "if halo_k > 0\n"
                  "  let halo_t = (0 - halo_db[halo_k - 1]) / (halo_db[halo_k] - halo_db[halo_k - 1])\n"
                  "  let halo_ugf_Hz = 10 ^ (halo_lf[halo_k - 1] + halo_t * (halo_lf[halo_k] - halo_lf[halo_k - 1]))\n"
                  "  print halo_ugf_Hz\n"
                  "  let halo_phase_at_ugf_deg = halo_ph[halo_k - 1] + halo_t * (halo_ph[halo_k] - "
                  "halo_ph[halo_k - 1])\n"
                  "  print halo_phase_at_ugf_deg\n"
                  "  let halo_phase_margin_deg = 180 + halo_phase_at_ugf_deg\n  print halo_phase_margin_deg\nend\n");
}

static void sc_op(su_buf *b, const opamp_tb_deck *d)
{
    su_buf_printf(b, "%s\nlet halo_vout_dc_V = v(out_ol)\nprint halo_vout_dc_V\n"
                     "let halo_vdd_current_A = i(vdd_ol)\nprint halo_vdd_current_A\n"
                     "let halo_power_W = abs(halo_vdd_current_A) * %.17g\nprint halo_power_W\n",
                  d->commands[0], d->o.vdd);
    su_buf_add(b, "let halo_n_not_saturated = 0\n");
    for (int k = 0; k < d->ndevs; k++) {
        const char *s = d->dev_vecs[k];
        su_buf_printf(b, "let halo_vov = %s[vgs] - %s[vth]\nlet halo_vdm = %s[vds] - %s[vdsat]\n", s, s, s, s);
        su_buf_printf(b, "if halo_vov < 0 or halo_vdm < 0\n  let halo_n_not_saturated = halo_n_not_saturated + 1\n"
                         "  echo halo_not_saturated %s\nend\n", d->dev_names[k]);
    }
    su_buf_add(b, "print halo_n_not_saturated\n");
}

char *opamp_tb_deck_text(const opamp_tb_deck *d)
{
    su_buf b = {0};
    for (int i = 0; i < d->nlines - 1; i++) su_buf_printf(&b, "%s\n", d->lines[i]);
    /* one thread, as halo's workers run: OpenMP threads fighting over busy
     * cores make a plain run many times slower, and change no number */
    su_buf_add(&b, ".control\nset numdgt=15\nset num_threads=1\n"
                   "* the analyses halo runs in-process and its metric definitions, step for step\n");
    sc_op(&b, d);
    sc_ac(&b, d);
    sc_dc(&b, d);
    sc_tran(&b, d);
    su_buf_add(&b, ".endc\n.end\n");
    return b.s;
}
