/*
 * sizer_forward.c -- the sizer's forward surrogate: training the
 * ensemble, prediction, the specification distance and refinement (see
 * sizer_forward.h).
 */
#include "sizer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Metrics the testbench measures as the lesser of two parts (tb_opamp.h). */
static const struct {
    const char *metric, *a, *b;
} lesser_of[] = {{"slew_rate_V_per_s", "slew_rise_V_per_s", "slew_fall_V_per_s"}};

/* ---------------------------------------------------------------- transforms */

double sizer_metric_standard(const sizer_metric *m, double v)
{
    double t = m->logscale ? log10(fabs(v) > 1e-300 ? fabs(v) : 1e-300) : v;
    return (t - m->mean) / m->std;
}

double sizer_metric_value(const sizer_metric *m, double t)
{
    double v = t * m->std + m->mean;
    return m->logscale ? pow(10.0, v) : v;
}

/* d value / d standardised value at t. */
static double metric_slope(const sizer_metric *m, double t)
{
    return m->logscale ? sizer_metric_value(m, t) * log(10.0) * m->std : m->std;
}

/* Output o's transform from data column col over the rows: log10 when
 * every value is positive; mean and standard deviation of the result. */
static void fit_output(sizer_metric *o, const char *key, const size_data *d, const int *rows, int n, int col)
{
    snprintf(o->key, sizeof o->key, "%s", key);
    o->logscale = 1, o->mean = 0, o->std = 1;
    for (int r = 0; r < n; r++) o->logscale &= d->m[(size_t)rows[r] * d->nmetrics + col] > 0;
    double sum = 0, sq = 0;
    for (int r = 0; r < n; r++) sum += sizer_metric_standard(o, d->m[(size_t)rows[r] * d->nmetrics + col]);
    o->mean = sum / n;
    for (int r = 0; r < n; r++) {
        double t = sizer_metric_standard(o, d->m[(size_t)rows[r] * d->nmetrics + col]);
        sq += t * t;
    }
    o->std = sqrt(sq / n) > 1e-12 ? sqrt(sq / n) : 1;
}

/* Data column of every row's finite value of key, or -1. */
static int column_everywhere(const size_data *d, const char *key, const int *rows, int n)
{
    int col = size_data_metric(d, key);
    for (int r = 0; r < n && col >= 0; r++)
        if (!isfinite(d->m[(size_t)rows[r] * d->nmetrics + col])) col = -1;
    return col;
}

/* The outputs for the sizer's metrics (a lesser-of metric as its parts
 * when the rows carry them), each output's data column into ocol. */
static void choose_outputs(const struct sizer *s, sizer_forward *f, const size_data *d, const int *rows, int n,
                           const int *mcol, int *ocol)
{
    f->nout = 0;
    for (int k = 0; k < s->nmetrics; k++) {
        const char *key = s->metric[k].key;
        int ca = -1, cb = -1;
        for (size_t i = 0; i < sizeof lesser_of / sizeof *lesser_of; i++)
            if (strcmp(key, lesser_of[i].metric) == 0) {
                ca = column_everywhere(d, lesser_of[i].a, rows, n), cb = column_everywhere(d, lesser_of[i].b, rows, n);
                if (ca >= 0 && cb >= 0) {
                    fit_output(&f->out[f->nout], lesser_of[i].a, d, rows, n, ocol[f->nout] = ca);
                    fit_output(&f->out[f->nout + 1], lesser_of[i].b, d, rows, n, ocol[f->nout + 1] = cb);
                    f->part[k][0] = f->nout, f->part[k][1] = f->nout + 1;
                    f->nout += 2;
                }
            }
        if (ca >= 0 && cb >= 0) continue;
        fit_output(&f->out[f->nout], key, d, rows, n, ocol[f->nout] = mcol[k]);
        f->part[k][0] = f->part[k][1] = f->nout++;
    }
}

/* ---------------------------------------------------------------- training */

void sizer_relay_progress(void *ctx, int step, int nsteps, double loss)
{
    const sizer_progress_relay *p = ctx;
    if (p->progress) p->progress(p->ctx, p->what, step, nsteps, loss);
}

size_mlp *sizer_train_mlp(const float *in, int din, const float *out, int dout, int n, const sizer_forward_opts *o,
                          const char *what, uint64_t seed, double *loss, double *seconds, halo_err *err)
{
    size_mlp_config cfg;
    size_mlp_config_default(&cfg);
    cfg.dc = din, cfg.dx = dout;
    cfg.hidden = o->hidden, cfg.layers = o->layers;
    size_mlp *m = size_mlp_new(&cfg, seed, err);
    if (!m) return NULL;
    size_train_opts t;
    size_mlp_train_opts_default(&t);
    t.steps = o->steps, t.seed = seed + 1;
    sizer_progress_relay bp = {o->progress, o->ctx, what};
    t.progress = sizer_relay_progress, t.ctx = &bp;
    size_train_stats st;
    if (size_mlp_train(m, out, in, n, &t, &st, err) != 0) {
        size_mlp_free(m);
        return NULL;
    }
    *loss = st.loss, *seconds = st.seconds;
    return m;
}

void sizer_forward_free(sizer_forward *f)
{
    if (!f) return;
    for (int i = 0; i < f->nnets; i++) size_mlp_free(f->net[i]);
    free(f);
}

int sizer_forward_train(sizer *s, const size_data *d, const int *rows, int n, const int *mcol, const float *u,
                        const sizer_forward_opts *o, halo_err *err)
{
    if (o->nets < 1 || o->nets > SIZER_MAX_FORWARD)
        return halo_err_set(err, HALO_E_SIZ_VALUE, NULL, 0, "forward nets", "", "1 to 16 ensemble members");
    sizer_forward *f = halo_xcalloc(1, sizeof *f);
    int ocol[SIZER_MAX_OUTPUTS];
    choose_outputs(s, f, d, rows, n, mcol, ocol);
    float *y = halo_xmalloc(sizeof *y * (size_t)n * f->nout);
    for (int r = 0; r < n; r++)
        for (int j = 0; j < f->nout; j++)
            y[(size_t)r * f->nout + j] = (float)sizer_metric_standard(&f->out[j], d->m[(size_t)rows[r] * d->nmetrics + ocol[j]]);
    int rc = 0;
    for (int i = 0; i < o->nets && rc == 0; i++) {
        char what[32];
        double loss, secs;
        snprintf(what, sizeof what, o->nets > 1 ? "forward_%d" : "forward", i);
        f->net[i] = sizer_train_mlp(u, s->nvars, y, f->nout, n, o, what, o->seed + 31 + 1009u * (uint64_t)i, &loss,
                                    &secs, err);
        if (!f->net[i]) rc = -1;
        else f->nnets++, f->loss += loss / o->nets, f->seconds += secs;
    }
    free(y);
    if (rc) {
        sizer_forward_free(f);
        return -1;
    }
    sizer_forward_free(s->forward);
    s->forward = f;
    return 0;
}

/* ---------------------------------------------------------------- prediction */

static int no_forward(halo_err *err)
{
    return halo_err_set(err, HALO_E_SIZ_STATE, NULL, 0,
                        "This sizer has no forward model to screen with (train it again with train_sizer).");
}

static void normalise_sizings(const sizer *s, const double *x, size_t nu, float *u)
{
    for (size_t i = 0; i < nu; i++) u[i] = (float)sizer_u_of(s, (int)(i % s->nvars), x[i]);
}

/* Metric k of one sizing from its mean standardised outputs t; *which
 * gets the output it came from. */
static double metric_from_outputs(const sizer_forward *f, int k, const float *t, int *which)
{
    int a = f->part[k][0], b = f->part[k][1];
    double va = sizer_metric_value(&f->out[a], t[a]), vb = sizer_metric_value(&f->out[b], t[b]);
    *which = vb < va ? b : a;
    return vb < va ? vb : va;
}

/* The ensemble's mean standardised outputs t [n][nout] for u [n][nvars]. */
static void ensemble_predict(sizer_forward *f, const float *u, int n, float *t)
{
    size_t nt = (size_t)n * f->nout;
    float *one = halo_xmalloc(sizeof *one * nt);
    memset(t, 0, sizeof *t * nt);
    for (int i = 0; i < f->nnets; i++) {
        size_mlp_predict(f->net[i], u, n, one);
        for (size_t j = 0; j < nt; j++) t[j] += one[j] / f->nnets;
    }
    free(one);
}

int sizer_predict(sizer *s, const double *x, int n, double *metrics, halo_err *err)
{
    sizer_forward *f = s->forward;
    if (!f) return no_forward(err);
    float *u = halo_xmalloc(sizeof *u * (size_t)n * s->nvars), *t = halo_xmalloc(sizeof *t * (size_t)n * f->nout);
    normalise_sizings(s, x, (size_t)n * s->nvars, u);
    ensemble_predict(f, u, n, t);
    for (int r = 0; r < n; r++)
        for (int k = 0; k < s->nmetrics; k++) {
            int which;
            metrics[(size_t)r * s->nmetrics + k] = metric_from_outputs(f, k, t + (size_t)r * f->nout, &which);
        }
    free(u);
    free(t);
    return 0;
}

double sizer_spec_distance(const sizer *s, const double *spec, const double *m)
{
    double sum = 0;
    int n = 0;
    for (int k = 0; k < s->nmetrics; k++) {
        if (!isfinite(spec[k])) continue;
        if (!isfinite(m[k])) return INFINITY;
        sum += fabs(m[k] - spec[k]) / fmax(fabs(spec[k]), 1e-30);   /* powers are 1e-4 W: no floor of 1e-3 */
        n++;
    }
    return n ? sum / n : INFINITY;
}

/* ---------------------------------------------------------------- refinement */

/* The gradient of the mean squared relative difference of the predicted
 * metrics to the given ones of spec, with respect to the mean
 * standardised outputs t [n][nout], into dt; a lesser-of metric's goes to
 * the part that is the lesser. */
static void refine_loss_grad(const sizer *s, const double *spec, const float *t, int n, float *dt)
{
    const sizer_forward *f = s->forward;
    int given = 0;
    for (int k = 0; k < s->nmetrics; k++) given += isfinite(spec[k]) != 0;
    memset(dt, 0, sizeof *dt * (size_t)n * f->nout);
    if (given == 0) return;
    for (int r = 0; r < n; r++)
        for (int k = 0; k < s->nmetrics; k++) {
            if (!isfinite(spec[k])) continue;
            const float *tr = t + (size_t)r * f->nout;
            int j;
            double scale = fmax(fabs(spec[k]), 1e-30);
            double rel = (metric_from_outputs(f, k, tr, &j) - spec[k]) / scale;
            dt[(size_t)r * f->nout + j] += (float)(2 * rel / scale * metric_slope(&f->out[j], tr[j]) / given);
        }
}

/* The box each normalised variable of the n sizings u0 may move in during
 * refinement: within reach of its start and within the variable's range. */
static void refine_bounds(const sizer *s, const float *u0, size_t nu, double reach, float *lo, float *hi)
{
    for (size_t i = 0; i < nu; i++) {
        int v = (int)(i % s->nvars);
        lo[i] = u0[i] - (float)reach, hi[i] = u0[i] + (float)reach;
        if (s->lo[v] > 0) lo[i] = fmaxf(lo[i], (float)sizer_u_of(s, v, s->lo[v]));
        if (s->hi[v] > 0 && s->hi[v] < 1e9) hi[i] = fminf(hi[i], (float)sizer_u_of(s, v, s->hi[v]));
    }
}

/* du [n][nvars] = d loss / d u through the ensemble at u, whose mean
 * outputs go to t (each member keeps its own last forward, which its
 * input_grad reads). */
static void ensemble_input_grad(const sizer *s, const double *spec, const float *u, int n, float *t, float *one,
                                float *dt, float *du, float *dui)
{
    sizer_forward *f = s->forward;
    size_t nt = (size_t)n * f->nout, nu = (size_t)n * s->nvars;
    memset(t, 0, sizeof *t * nt);
    for (int i = 0; i < f->nnets; i++) {
        size_mlp_forward(f->net[i], u, n, one);
        for (size_t j = 0; j < nt; j++) t[j] += one[j] / f->nnets;
    }
    refine_loss_grad(s, spec, t, n, dt);
    for (size_t j = 0; j < nt; j++) dt[j] /= (float)f->nnets;   /* each member's share of the mean */
    memset(du, 0, sizeof *du * nu);
    for (int i = 0; i < f->nnets; i++) {
        size_mlp_input_grad(f->net[i], dt, dui);
        for (size_t j = 0; j < nu; j++) du[j] += dui[j];
    }
}

int sizer_refine(sizer *s, const double *spec, double *x, int n, int steps, double reach, halo_err *err)
{
    sizer_forward *f = s->forward;
    if (!f) return no_forward(err);
    size_t nu = (size_t)n * s->nvars, nt = (size_t)n * f->nout;
    float *u = halo_xmalloc(sizeof *u * nu), *du = halo_xmalloc(sizeof *du * nu), *dui = halo_xmalloc(sizeof *dui * nu);
    float *lo = halo_xmalloc(sizeof *lo * nu), *hi = halo_xmalloc(sizeof *hi * nu);
    float *m1 = halo_xcalloc(nu, sizeof *m1), *m2 = halo_xcalloc(nu, sizeof *m2);
    float *t = halo_xmalloc(sizeof *t * nt), *one = halo_xmalloc(sizeof *one * nt), *dt = halo_xmalloc(sizeof *dt * nt);
    normalise_sizings(s, x, nu, u);
    refine_bounds(s, u, nu, reach, lo, hi);
    const float lr = 0.02f, b1 = 0.9f, b2 = 0.999f;   /* Adam */
    for (int step = 1; step <= steps; step++) {
        ensemble_input_grad(s, spec, u, n, t, one, dt, du, dui);
        float c1 = 1 - powf(b1, (float)step), c2 = 1 - powf(b2, (float)step);
        for (size_t i = 0; i < nu; i++) {
            m1[i] = b1 * m1[i] + (1 - b1) * du[i];
            m2[i] = b2 * m2[i] + (1 - b2) * du[i] * du[i];
            u[i] -= lr * (m1[i] / c1) / (sqrtf(m2[i] / c2) + 1e-8f);
            u[i] = fminf(fmaxf(u[i], lo[i]), hi[i]);
        }
    }
    for (size_t i = 0; i < nu; i++) x[i] = sizer_x_of(s, (int)(i % s->nvars), u[i]);
    free(u);
    free(du);
    free(dui);
    free(lo);
    free(hi);
    free(m1);
    free(m2);
    free(t);
    free(one);
    free(dt);
    return 0;
}
