/*
 * sim_metrics.c -- metrics and trajectories from simulation results, and
 * pscore.  Definitions in sim_metrics.h.
 */
#include "sim_metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

void sim_result_free(sim_result *r)
{
    free(r->detail);
    free(r->freq);
    free(r->mag);
    free(r->phase_deg);
    free(r->re);
    free(r->im);
    free(r->log);
    memset(r, 0, sizeof *r);
}

const double *sim_result_metric(const sim_result *r, const char *key)
{
    for (int i = 0; i < r->nmetrics; i++)
        if (strcmp(r->keys[i], key) == 0) return &r->values[i];
    return NULL;
}

static void put(sim_result *r, const char *key, double v)
{
    if (r->nmetrics >= SIM_MAX_METRICS || !isfinite(v)) return;
    snprintf(r->keys[r->nmetrics], sizeof r->keys[0], "%s", key);
    r->values[r->nmetrics++] = v;
}

static void fail(sim_result *r, sim_status st, const char *detail)
{
    r->status = st;
    free(r->detail);
    r->detail = su_strdup(detail ? detail : "");
}

/* First x where y crosses target (either way), linear in x, as ngspice's
 * `meas ... when`.  Returns 0 and sets *x and *k (the segment's start). */
static int crossing(const double *x, const double *y, int n, double target, double *xc, int *k)
{
    for (int i = 1; i < n; i++) {
        double a = y[i - 1] - target, b = y[i] - target;
        if ((a < 0 && b >= 0) || (a > 0 && b <= 0) || (a == 0 && i == 1)) {
            double t = (b == a) ? 0 : -a / (b - a);
            *xc = x[i - 1] + t * (x[i] - x[i - 1]);
            *k = i - 1;
            return 0;
        }
    }
    return -1;
}

static double interp(const double *x, const double *y, int k, double xc)
{
    double dx = x[k + 1] - x[k];
    double t = dx == 0 ? 0 : (xc - x[k]) / dx;
    return y[k] + t * (y[k + 1] - y[k]);
}

static double mag_of(const sim_vector *v, int i)
{
    double im = v->im ? v->im[i] : 0;
    return hypot(v->re[i], im);
}

/* The trajectory of the sweep plot: frequency, |v|, continuous phase. */
static int take_trajectory(const sim_plot *pl, const char *out, sim_result *r)
{
    const sim_vector *f = sim_plot_vector(pl, "frequency");
    const sim_vector *v = sim_plot_vector(pl, out);
    if (!f || !v || f->len != v->len || v->len < 2) return -1;
    int n = v->len;
    r->npoints = n;
    r->freq = halo_xmalloc((size_t)n * sizeof(double));
    r->mag = halo_xmalloc((size_t)n * sizeof(double));
    r->phase_deg = halo_xmalloc((size_t)n * sizeof(double));
    r->re = halo_xmalloc((size_t)n * sizeof(double));
    r->im = halo_xmalloc((size_t)n * sizeof(double));
    double last = 0;
    for (int i = 0; i < n; i++) {
        r->freq[i] = f->re[i];
        r->re[i] = v->re[i];
        r->im[i] = v->im ? v->im[i] : 0;
        r->mag[i] = mag_of(v, i);
        double ph = atan2(v->im ? v->im[i] : 0, v->re[i]);
        /* ngspice's cph: nearest 2*pi multiple to the previous point */
        if (i > 0) ph -= 2 * M_PI * floor((ph - last) / (2 * M_PI) + 0.5);
        last = ph;
        r->phase_deg[i] = ph * 180.0 / M_PI;
    }
    return 0;
}

static void sweep_metrics(const tb_deck *deck, sim_result *r, double dc_gain_db, int have_dc)
{
    int n = r->npoints, k;
    double *db = halo_xmalloc((size_t)n * sizeof *db);
    for (int i = 0; i < n; i++) db[i] = 20.0 * log10(r->mag[i]);
    double x;
    if (crossing(r->freq, db, n, 0.0, &x, &k) == 0) {
        put(r, "ugf_Hz", x);
        put(r, "phase_at_ugf_deg", interp(r->freq, r->phase_deg, k, x));
    }
    if (deck->type == TB_FILTER && have_dc && crossing(r->freq, db, n, dc_gain_db - 3.0, &x, &k) == 0)
        put(r, "f_3dB_Hz", x);
    free(db);
}

void sim_result_from_job(const tb_deck *deck, const sim_job *job, sim_result *r)
{
    memset(r, 0, sizeof *r);
    r->seconds = job->seconds;
    if (job->status != SIM_OK || job->nplots < 3) r->log = su_strdup(job->log ? job->log : "");
    if (job->status != SIM_OK) {
        fail(r, job->status, job->detail);
        return;
    }
    if (job->nplots < 3) {
        fail(r, SIM_ERROR, "the simulation ran fewer analyses than asked");
        return;
    }
    const sim_plot *op = &job->plots[0], *one = &job->plots[1], *sweep = &job->plots[2];
    const sim_vector *vo = sim_plot_vector(op, deck->out_vec);
    if (!vo || vo->len < 1 || !sim_plot_vector(sweep, deck->out_vec)) {
        char msg[300];
        snprintf(msg, sizeof msg, "node %s is not in the circuit", deck->out_vec);
        fail(r, SIM_NO_OUTPUT_PORT, msg);
        return;
    }
    double dc_gain = 0;
    int have_dc = 0;
    put(r, "vout_dc_V", vo->re[0]);
    const sim_vector *vone = sim_plot_vector(one, deck->out_vec);
    if (vone && vone->len >= 1) {
        dc_gain = 20.0 * log10(mag_of(vone, 0));
        have_dc = isfinite(dc_gain);
        put(r, "dc_gain_dB", dc_gain);
    }
    const sim_vector *is = deck->supply_vec ? sim_plot_vector(op, deck->supply_vec) : NULL;
    if (is && is->len >= 1) {
        put(r, "vdd_current_A", is->re[0]);
        if (deck->vdd != 0) put(r, "power_W", fabs(is->re[0]) * deck->vdd);
    }
    if (take_trajectory(sweep, deck->out_vec, r) != 0) {
        fail(r, SIM_ERROR, "the AC sweep returned no trajectory");
        return;
    }
    sweep_metrics(deck, r, dc_gain, have_dc);
    r->status = SIM_OK;
    r->detail = su_strdup("");
}

static double rmse(const double *a, const double *b, int from, int to)
{
    double s = 0;
    for (int i = from; i < to; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return to > from ? sqrt(s / (to - from)) : 0;
}

int sim_pscore_compute(const sim_result *pre, const sim_result *post, sim_pscore *ps, char *why,
                       size_t whylen)
{
    memset(ps, 0, sizeof *ps);
    if (pre->status != SIM_OK || post->status != SIM_OK) {
        snprintf(why, whylen, "the %s-layout simulation failed (%s)",
                 pre->status != SIM_OK ? "pre" : "post",
                 sim_status_name(pre->status != SIM_OK ? pre->status : post->status));
        return -1;
    }
    int n = pre->npoints;
    if (n != post->npoints || n < 3) {
        snprintf(why, whylen, "pre- and post-layout sweeps have %d and %d points", n, post->npoints);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (fabs(pre->freq[i] - post->freq[i]) > 1e-9 * fabs(pre->freq[i])) {
            snprintf(why, whylen, "pre- and post-layout sweeps differ at point %d (%g vs %g Hz)", i,
                     pre->freq[i], post->freq[i]);
            return -1;
        }
    if (!pre->re || !post->re) {
        snprintf(why, whylen, "a trajectory lacks the real part of v(out)");
        return -1;
    }
    ps->npoints = n;
    ps->osiris = sim_pscore_osiris(pre->re, post->re, n, &ps->osiris_out);
    ps->osiris_rmse = rmse(pre->re, post->re, 0, n);
    ps->overall = rmse(pre->mag, post->mag, 0, n);
    ps->low = rmse(pre->mag, post->mag, 0, n / 3);
    ps->mid = rmse(pre->mag, post->mag, n / 3, 2 * n / 3);
    ps->high = rmse(pre->mag, post->mag, 2 * n / 3, n);
    return 0;
}

double sim_pscore_osiris(const double *pre_re, const double *post_re, int n, int *nout)
{
    int out = 0;
    for (int i = 0; i < n; i++) {
        /* pex_score's bounds, pre * (1 - 0.1) and pre * (1 + 0.1): 0.9 and
         * 1.1 are those very doubles.  Where pre < 0 the interval is empty;
         * a NaN is never inside. */
        double lo = pre_re[i] * (1.0 - SIM_OSIRIS_TOLERANCE), hi = pre_re[i] * (1.0 + SIM_OSIRIS_TOLERANCE);
        if (!(lo <= post_re[i] && post_re[i] <= hi)) out++;
    }
    if (nout) *nout = out;
    return rmse(pre_re, post_re, 0, n) + SIM_OSIRIS_WEIGHT * out;
}
