/*
 * sizer.c -- training, sampling and files of the inverse sizer (see
 * sizer.h).
 */
#include "sizer.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/fileio.h"
#include "base/strutil.h"

void sizer_train_opts_default(sizer_train_opts *o)
{
    memset(o, 0, sizeof *o);
    ddpm_config_default(&o->model);
    o->model.mlp_ratio = 2;   /* a third less work per sampling step than 4, for the 100-sizings-in-1-s target */
    ddpm_train_opts_default(&o->train);
    o->mlp = 1;
    o->mlp_hidden = 128, o->mlp_layers = 3, o->mlp_steps = 4000;
    o->forward = 1;
    o->forward_nets = 5, o->forward_layers = 4;
}

/* ---------------------------------------------------------------- normalisation */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int metric_logscale(const char *key)
{
    return ends_with(key, "_Hz") || ends_with(key, "_W") || ends_with(key, "_A") || ends_with(key, "_V_per_s");
}

/* Mean and standard deviation of the transformed metrics, and of ln x. */
static void fit_normalisation(sizer *s, const size_data *d, const int *rows, int n, const int *mcol)
{
    for (int k = 0; k < s->nmetrics; k++) {
        sizer_metric *m = &s->metric[k];
        double sum = 0, sq = 0;
        m->mean = 0, m->std = 1;
        for (int r = 0; r < n; r++) sum += sizer_metric_standard(m, d->m[(size_t)rows[r] * d->nmetrics + mcol[k]]);
        m->mean = sum / n;
        for (int r = 0; r < n; r++) {
            double t = sizer_metric_standard(m, d->m[(size_t)rows[r] * d->nmetrics + mcol[k]]);
            sq += t * t;
        }
        m->std = sqrt(sq / n) > 1e-12 ? sqrt(sq / n) : 1;
    }
    for (int v = 0; v < s->nvars; v++) {
        double sum = 0, sq = 0;
        for (int r = 0; r < n; r++) sum += log(d->x[(size_t)rows[r] * d->nvars + v]);
        s->umean[v] = sum / n;
        for (int r = 0; r < n; r++) {
            double t = log(d->x[(size_t)rows[r] * d->nvars + v]) - s->umean[v];
            sq += t * t;
        }
        s->ustd[v] = sqrt(sq / n) > 1e-9 ? sqrt(sq / n) : 1;
    }
}

double sizer_u_of(const sizer *s, int v, double x) { return (log(x) - s->umean[v]) / s->ustd[v]; }

double sizer_x_of(const sizer *s, int v, double u)
{
    double x = exp(u * s->ustd[v] + s->umean[v]);
    if (s->lo && x < s->lo[v]) x = s->lo[v];
    if (s->hi && x > s->hi[v]) x = s->hi[v];
    return x;
}

/* ---------------------------------------------------------------- life */

sizer *sizer_alloc(int nvars, int nblocks)
{
    sizer *s = halo_xcalloc(1, sizeof *s);
    s->nvars = nvars;
    s->var = halo_xcalloc(nvars, sizeof *s->var);
    s->lo = halo_xcalloc(nvars, sizeof *s->lo);
    s->hi = halo_xcalloc(nvars, sizeof *s->hi);
    s->umean = halo_xcalloc(nvars, sizeof *s->umean);
    s->ustd = halo_xcalloc(nvars, sizeof *s->ustd);
    s->nblocks = nblocks;
    s->blocks = halo_xcalloc(nblocks ? nblocks : 1, sizeof *s->blocks);
    return s;
}

void sizer_free(sizer *s)
{
    if (!s) return;
    for (int b = 0; b < s->nblocks; b++) {
        free(s->blocks[b].var);
        ddpm_free(s->blocks[b].model);
    }
    free(s->blocks);
    size_mlp_free(s->mlp);
    sizer_forward_free(s->forward);
    free(s->var);
    free(s->lo);
    free(s->hi);
    free(s->umean);
    free(s->ustd);
    free(s->train_c);
    free(s);
}

int sizer_metric_index(const sizer *s, const char *key)
{
    for (int k = 0; k < s->nmetrics; k++)
        if (strcmp(s->metric[k].key, key) == 0) return k;
    return -1;
}

/* Blocks as given, plus one block per variable no block names. */
static int take_blocks(sizer *s, const sizer_blockdef *defs, int nb)
{
    int *covered = halo_xcalloc(s->nvars, sizeof *covered);
    int n = 0;
    for (int b = 0; b < nb; b++) {
        if (defs[b].nvar <= 0) continue;
        sizer_block *k = &s->blocks[n++];
        snprintf(k->name, sizeof k->name, "%s", defs[b].name);
        snprintf(k->kind, sizeof k->kind, "%s", defs[b].kind ? defs[b].kind : "");
        k->var = halo_xmalloc(sizeof *k->var * defs[b].nvar);
        for (int i = 0; i < defs[b].nvar; i++)
            if (defs[b].var[i] >= 0 && defs[b].var[i] < s->nvars) {
                k->var[k->nvar++] = defs[b].var[i];
                covered[defs[b].var[i]] = 1;
            }
    }
    for (int v = 0; v < s->nvars; v++)
        if (!covered[v]) {
            sizer_block *k = &s->blocks[n++];
            snprintf(k->name, sizeof k->name, "rest_%d", v);
            snprintf(k->kind, sizeof k->kind, "single");
            k->var = halo_xmalloc(sizeof *k->var);
            k->var[k->nvar++] = v;
        }
    free(covered);
    return n;
}

/* ---------------------------------------------------------------- training */

static int train_block(sizer *s, sizer_block *k, const float *u, const float *c, int n, const sizer_train_opts *o,
                       int index, halo_err *err)
{
    ddpm_config cfg = o->model;
    cfg.dx = k->nvar, cfg.dc = s->nmetrics;
    k->model = ddpm_new(&cfg, o->train.seed + 7919u * (uint64_t)(index + 1), err);
    if (!k->model) return -1;
    float *x = halo_xmalloc(sizeof *x * (size_t)n * k->nvar);
    for (int r = 0; r < n; r++)
        for (int i = 0; i < k->nvar; i++) x[(size_t)r * k->nvar + i] = u[(size_t)r * s->nvars + k->var[i]];
    ddpm_train_opts t = o->train;
    t.seed += (uint64_t)index;
    sizer_progress_relay bp = {o->progress, o->ctx, k->name};
    t.progress = sizer_relay_progress, t.ctx = &bp;
    ddpm_train_stats st;
    int rc = ddpm_train(k->model, x, c, n, &t, &st, err);
    k->loss = st.loss, k->seconds = st.seconds;
    free(x);
    return rc;
}

static int check_metrics(const size_data *d, const char *const *metrics, int nm, int *mcol, halo_err *err)
{
    if (nm < 1 || nm > SIZER_MAX_METRICS)
        return halo_err_set(err, HALO_E_SIZ_VALUE, NULL, 0, "-metrics", "", "1 to 16 metric names");
    for (int k = 0; k < nm; k++)
        if ((mcol[k] = size_data_metric(d, metrics[k])) < 0)
            return halo_err_set(err, HALO_E_SIZ_VALUE, NULL, 0, "metric", metrics[k], "a metric the data carries");
    return 0;
}

int sizer_train(const size_data *d, const int *rows, int nrows, const char *const *metrics, int nm,
                const sizer_blockdef *defs, int nblocks, const double *lo, const double *hi,
                const sizer_train_opts *o, sizer **out, halo_err *err)
{
    int mcol[SIZER_MAX_METRICS];
    *out = NULL;
    if (check_metrics(d, metrics, nm, mcol, err)) return -1;
    if (nrows < 8) return halo_err_set(err, HALO_E_SIZ_DATA, NULL, 0, d->design, "fewer than 8 usable rows to train on");
    sizer *s = sizer_alloc(d->nvars, nblocks + d->nvars);
    snprintf(s->design, sizeof s->design, "%s", d->design);
    for (int v = 0; v < d->nvars; v++) {
        snprintf(s->var[v], sizeof s->var[v], "%s", d->var[v]);
        s->lo[v] = lo ? lo[v] : 0, s->hi[v] = hi ? hi[v] : 1e9;
    }
    s->nmetrics = nm;
    for (int k = 0; k < nm; k++) {
        snprintf(s->metric[k].key, sizeof s->metric[k].key, "%s", metrics[k]);
        s->metric[k].logscale = metric_logscale(metrics[k]);
    }
    s->nblocks = take_blocks(s, defs, nblocks);
    fit_normalisation(s, d, rows, nrows, mcol);
    float *u = halo_xmalloc(sizeof *u * (size_t)nrows * s->nvars);
    s->train_c = halo_xmalloc(sizeof *s->train_c * (size_t)nrows * nm);
    s->ntrain = nrows;
    for (int r = 0; r < nrows; r++) {
        for (int v = 0; v < s->nvars; v++) u[(size_t)r * s->nvars + v] = (float)sizer_u_of(s, v, d->x[(size_t)rows[r] * d->nvars + v]);
        for (int k = 0; k < nm; k++)
            s->train_c[(size_t)r * nm + k] = (float)sizer_metric_standard(&s->metric[k], d->m[(size_t)rows[r] * d->nmetrics + mcol[k]]);
    }
    int rc = 0;
    for (int b = 0; b < s->nblocks && rc == 0; b++) rc = train_block(s, &s->blocks[b], u, s->train_c, nrows, o, b, err);
    sizer_forward_opts fo = {1, o->mlp_hidden, o->mlp_layers, o->mlp_steps, o->train.seed, o->progress, o->ctx};
    if (rc == 0 && o->mlp)
        rc = !(s->mlp = sizer_train_mlp(s->train_c, nm, u, s->nvars, nrows, &fo, "mlp", o->train.seed + 17, &s->mlp_loss,
                                        &s->mlp_seconds, err));
    fo.nets = o->forward_nets, fo.layers = o->forward_layers;
    if (rc == 0 && o->forward) rc = sizer_forward_train(s, d, rows, nrows, mcol, u, &fo, err);
    free(u);
    if (rc) {
        sizer_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

/* ---------------------------------------------------------------- sizing */

void sizer_condition(const sizer *s, const double *spec, float *c, int *filled)
{
    int given = 0;
    *filled = 0;
    for (int k = 0; k < s->nmetrics; k++) {
        int ok = isfinite(spec[k]);
        given += ok;
        c[k] = ok ? (float)sizer_metric_standard(&s->metric[k], spec[k]) : NAN;
    }
    if (given == s->nmetrics || s->ntrain == 0) return;
    int best = 0;
    double bestd = INFINITY;
    for (int r = 0; r < s->ntrain; r++) {
        double dist = 0;
        for (int k = 0; k < s->nmetrics; k++)
            if (isfinite(c[k])) {
                double e = c[k] - s->train_c[(size_t)r * s->nmetrics + k];
                dist += e * e;
            }
        if (dist < bestd) bestd = dist, best = r;
    }
    for (int k = 0; k < s->nmetrics; k++)
        if (!isfinite(c[k])) {
            c[k] = s->train_c[(size_t)best * s->nmetrics + k];
            (*filled)++;
        }
}

int sizer_sample(sizer *s, const double *spec, int n, float guidance, int steps, uint64_t seed, double *x,
                 halo_err *err)
{
    float c[SIZER_MAX_METRICS];
    int filled;
    sizer_condition(s, spec, c, &filled);
    double *usum = halo_xcalloc((size_t)n * s->nvars, sizeof *usum);
    int *count = halo_xcalloc(s->nvars, sizeof *count);
    int rc = 0;
    for (int b = 0; b < s->nblocks && rc == 0; b++) {
        sizer_block *k = &s->blocks[b];
        float *out = halo_xmalloc(sizeof *out * (size_t)n * k->nvar);
        ddpm_sample_opts so;
        ddpm_sample_opts_default(&so);
        so.guidance = guidance, so.seed = seed + 104729u * (uint64_t)b;
        if (steps > 0) so.steps = steps;
        rc = ddpm_sample(k->model, c, 1, n, &so, out, err);
        for (int r = 0; r < n && rc == 0; r++)
            for (int i = 0; i < k->nvar; i++) usum[(size_t)r * s->nvars + k->var[i]] += out[(size_t)r * k->nvar + i];
        for (int i = 0; i < k->nvar; i++) count[k->var[i]]++;
        free(out);
    }
    /* recombination: the mean over the blocks that size a variable */
    for (int r = 0; r < n && rc == 0; r++)
        for (int v = 0; v < s->nvars; v++)
            x[(size_t)r * s->nvars + v] = sizer_x_of(s, v, count[v] ? usum[(size_t)r * s->nvars + v] / count[v] : 0);
    free(usum);
    free(count);
    return rc;
}

int sizer_mlp_size(sizer *s, const double *spec, double *x, halo_err *err)
{
    if (!s->mlp) return halo_err_set(err, HALO_E_SIZ_STATE, NULL, 0, "This sizer was trained without the MLP baseline.");
    float c[SIZER_MAX_METRICS];
    int filled;
    sizer_condition(s, spec, c, &filled);
    float *u = halo_xmalloc(sizeof *u * s->nvars);
    size_mlp_predict(s->mlp, c, 1, u);
    for (int v = 0; v < s->nvars; v++) x[v] = sizer_x_of(s, v, u[v]);
    free(u);
    return 0;
}
