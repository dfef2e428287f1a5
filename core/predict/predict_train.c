/*
 * predict_train.c -- predictor data, tasks, training, evaluation, model
 * files and the graph-propagation sampler (predict_train.h).
 */
#include "predict_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strutil.h"
#include "nn/nn_train.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- data */

static int data_fail(halo_err *err, const char *path, const char *why)
{
    return halo_err_set(err, HALO_E_PRD_DATA, NULL, 0, path, why);
}

int pt_data_read(const char *path, pt_data *d, halo_err *err)
{
    memset(d, 0, sizeof *d);
    nn_params_init(&d->file);
    if (nn_safetensors_read(path, &d->file, &d->meta, err) != 0) {
        pt_data_free(d);   /* the tensors read before the fault */
        return -1;
    }
    nn_param *x = nn_params_find(&d->file, "features");
    if (!x || x->ndim != 4 || x->shape[0] < 1 || x->shape[2] != x->shape[3]) {
        pt_data_free(d);
        return data_fail(err, path, "no tensor \"features\" of shape [N, C, S, S]");
    }
    d->n = x->shape[0];
    d->c = x->shape[1];
    d->size = x->shape[2];
    d->x = x->w;
    free(x->g);
    x->g = NULL;
    for (int i = 0; i < d->file.n; i++) {
        nn_param *p = d->file.p[i];
        if (strncmp(p->name, "metric.", 7) != 0) continue;
        if (p->ndim != 1 || p->shape[0] != d->n) {
            pt_data_free(d);
            return data_fail(err, path, "a metric.* tensor must have one value per sample");
        }
        d->metric_name = halo_xrealloc(d->metric_name, sizeof *d->metric_name * (size_t)(d->nmetrics + 1));
        d->metric = halo_xrealloc(d->metric, sizeof *d->metric * (size_t)(d->nmetrics + 1));
        d->metric_name[d->nmetrics] = p->name + 7;
        d->metric[d->nmetrics++] = p->w;
    }
    if (d->nmetrics == 0) {
        pt_data_free(d);
        return data_fail(err, path, "no metric.<name> tensor");
    }
    return 0;
}

void pt_data_free(pt_data *d)
{
    free(d->metric_name);
    free(d->metric);
    nn_params_free(&d->file);
    nn_meta_free(&d->meta);
    memset(d, 0, sizeof *d);
}

const float *pt_data_metric(const pt_data *d, const char *name)
{
    for (int i = 0; i < d->nmetrics; i++)
        if (strcmp(d->metric_name[i], name) == 0) return d->metric[i];
    return NULL;
}

/* ---------------------------------------------------------------- task */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Threshold (quantile of the train part) and standardisation. */
static void task_fit(pt_task *t)
{
    double *v = halo_xmalloc(sizeof *v * (size_t)(t->ntrain ? t->ntrain : 1));
    int all_pos = 1;
    for (int i = 0; i < t->ntrain; i++) {
        v[i] = t->y[t->train[i]];
        if (!(v[i] > 0)) all_pos = 0;
    }
    qsort(v, (size_t)t->ntrain, sizeof *v, cmp_double);
    int k = (int)floor(t->quantile * (t->ntrain - 1) + 0.5);
    t->threshold = t->ntrain ? v[k < 0 ? 0 : k] : 0;
    t->log_metric = all_pos;
    double s = 0, s2 = 0;
    for (int i = 0; i < t->ntrain; i++) {
        double z = all_pos ? log(v[i]) : v[i];
        s += z;
        s2 += z * z;
    }
    t->mean = t->ntrain ? s / t->ntrain : 0;
    double var = t->ntrain ? s2 / t->ntrain - t->mean * t->mean : 1;
    t->std = var > 1e-24 ? sqrt(var) : 1;
    free(v);
}

/* Per-channel mean and standard deviation over (up to 512 of) the train
 * part's pictures. */
static void task_fit_channels(pt_task *t)
{
    const pt_data *d = t->data;
    size_t plane = (size_t)d->size * d->size;
    int use = t->ntrain < 512 ? t->ntrain : 512;
    t->nchan = d->c <= 256 ? d->c : 256;
    for (int c = 0; c < t->nchan; c++) {
        double s = 0, s2 = 0;
        for (int i = 0; i < use; i++) {
            const float *p = d->x + ((size_t)t->train[i] * d->c + c) * plane;
            for (size_t k = 0; k < plane; k++) {
                s += p[k];
                s2 += (double)p[k] * p[k];
            }
        }
        double cnt = (double)use * plane, mean = cnt > 0 ? s / cnt : 0, var = cnt > 0 ? s2 / cnt - mean * mean : 0;
        t->cmean[c] = (float)mean;
        t->cstd[c] = var > 1e-12 ? (float)sqrt(var) : 1.0f;
    }
}

void pt_normalize(const pt_task *t, float *x, int n, int size)
{
    size_t plane = (size_t)size * size;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < t->nchan; c++) {
            float *p = x + ((size_t)i * t->nchan + c) * plane, m = t->cmean[c], r = 1.0f / t->cstd[c];
            for (size_t k = 0; k < plane; k++) p[k] = (p[k] - m) * r;
        }
}

static void task_label(pt_task *t)
{
    int n = t->data->n;
    t->label = halo_xmalloc(sizeof *t->label * (size_t)n);
    for (int i = 0; i < n; i++) t->label[i] = t->y[i] <= t->threshold ? 1.0f : 0.0f;
}

int pt_task_init(pt_task *t, const pt_data *d, const char *metric, double quantile, double val_frac,
                 double test_frac, double alpha, uint64_t seed, halo_err *err)
{
    memset(t, 0, sizeof *t);
    t->data = d;
    t->y = pt_data_metric(d, metric);
    if (!t->y) return halo_err_set(err, HALO_E_PRD_VALUE, NULL, 0, "-metric", metric, "a metric of the data");
    snprintf(t->metric, sizeof t->metric, "%s", metric);
    for (int i = 0; i < d->n; i++)
        if (!isfinite(t->y[i]))
            return halo_err_set(err, HALO_E_PRD_DATA, NULL, 0, metric, "a value is not finite");
    t->quantile = quantile;
    int n = d->n;
    int *perm = halo_xmalloc(sizeof *perm * (size_t)n);
    for (int i = 0; i < n; i++) perm[i] = i;
    halo_rng rng;
    rng_seed(&rng, seed);
    rng_shuffle(&rng, perm, n);
    t->ntest = (int)floor(test_frac * n + 0.5);
    t->nval = (int)floor(val_frac * n + 0.5);
    int rest = n - t->ntest - t->nval;
    if (rest < 2) {
        free(perm);
        memset(t, 0, sizeof *t);
        return halo_err_set(err, HALO_E_PRD_DATA, NULL, 0, metric, "too few samples for a train part");
    }
    t->test = halo_xmalloc(sizeof *t->test * (size_t)(t->ntest + 1));
    t->val = halo_xmalloc(sizeof *t->val * (size_t)(t->nval + 1));
    t->train = halo_xmalloc(sizeof *t->train * (size_t)rest);
    memcpy(t->test, perm, sizeof *perm * (size_t)t->ntest);
    memcpy(t->val, perm + t->ntest, sizeof *perm * (size_t)t->nval);
    memcpy(t->train, perm + t->ntest + t->nval, sizeof *perm * (size_t)rest);
    free(perm);
    /* the threshold and standardisation come from all of the train part;
       alpha then keeps only its first alpha n samples for training */
    t->ntrain = rest;
    task_fit(t);
    task_fit_channels(t);
    int keep = alpha >= 0 ? (int)floor(alpha * n + 0.5) : rest;
    t->ntrain = keep < rest ? keep : rest;
    task_label(t);
    return 0;
}

void pt_task_free(pt_task *t)
{
    free(t->train);
    free(t->val);
    free(t->test);
    free(t->label);
    memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- training */

void pt_opts_default(pt_opts *o)
{
    memset(o, 0, sizeof *o);
    o->epochs = 45;
    o->batch = 48;
    o->lr = 5e-4f;
    o->weight_decay = 1e-3f;
    o->reg_weight = 0.25f;
    o->seed = 1;
}

static float metric_z(const pt_task *t, float y)
{
    double v = t->log_metric ? log(fmax(y, 1e-300)) : y;
    return (float)((v - t->mean) / t->std);
}

static double metric_from_z(const pt_task *t, double z)
{
    double v = z * t->std + t->mean;
    return t->log_metric ? exp(v) : v;
}

double pt_metric_of(const pt_task *t, float z)
{
    return metric_from_z(t, z);
}

/* Gather a batch of samples idx[0..n) into x, standardised. */
static void gather_batch(const pt_task *t, const int *idx, int n, float *x)
{
    const pt_data *d = t->data;
    size_t per = (size_t)d->c * d->size * d->size;
    for (int i = 0; i < n; i++) memcpy(x + per * i, d->x + per * idx[i], per * sizeof *x);
    pt_normalize(t, x, n, d->size);
}

/* One step on a batch; returns its loss. */
static double train_step(pn_model *m, const pt_task *t, const pt_opts *o, nn_optim *opt, const int *idx, int n,
                         float *x, float *out, float *dout)
{
    gather_batch(t, idx, n, x);
    pn_model_forward(m, x, n, out);
    float logit[n > 0 ? n : 1], lab[n > 0 ? n : 1], z[n > 0 ? n : 1], zt[n > 0 ? n : 1];
    float dl[n > 0 ? n : 1], dz[n > 0 ? n : 1];
    for (int i = 0; i < n; i++) {
        logit[i] = out[i * PN_HEAD];
        z[i] = out[i * PN_HEAD + 1];
        lab[i] = t->label[idx[i]];
        zt[i] = metric_z(t, t->y[idx[i]]);
    }
    double loss = nn_loss_bce_logits(logit, lab, (size_t)n, dl);
    loss += o->reg_weight * nn_loss_mse(z, zt, (size_t)n, dz);
    for (int i = 0; i < n; i++) {
        dout[i * PN_HEAD] = dl[i];
        dout[i * PN_HEAD + 1] = o->reg_weight * dz[i];
    }
    nn_params_zero_grad(pn_model_params(m));
    pn_model_backward(m, dout);
    nn_optim_step(opt, pn_model_params(m));
    return loss;
}

/* Copy every weight of ps into buf (to_buf) or back. */
static void weights_copy(nn_params *ps, float *buf, int to_buf)
{
    for (int i = 0; i < ps->n; i++) {
        nn_param *p = ps->p[i];
        if (to_buf) memcpy(buf, p->w, sizeof *buf * p->n);
        else memcpy(p->w, buf, sizeof *buf * p->n);
        buf += p->n;
    }
}

int pt_train(pn_model *m, const pt_task *t, const pt_opts *o, pt_stats *st)
{
    double t0 = now_seconds();
    memset(st, 0, sizeof *st);
    if (t->ntrain == 0) return 0;
    nn_optim opt;
    nn_optim_init(&opt, NN_ADAM, o->lr);
    opt.weight_decay = o->weight_decay;
    int bs = o->batch < t->ntrain ? o->batch : t->ntrain;
    size_t per = (size_t)t->data->c * t->data->size * t->data->size;
    float *x = halo_xmalloc(sizeof *x * per * (size_t)bs);
    float *out = halo_xmalloc(sizeof *out * PN_HEAD * (size_t)bs);
    float *dout = halo_xmalloc(sizeof *dout * PN_HEAD * (size_t)bs);
    int *order = halo_xmalloc(sizeof *order * (size_t)t->ntrain);
    memcpy(order, t->train, sizeof *order * (size_t)t->ntrain);
    halo_rng rng;
    rng_seed(&rng, o->seed ^ 0x5eedULL);
    /* keep_best: a copy of the best epoch's weights so far */
    int keep = o->keep_best && t->nval > 0;
    float *best = keep ? halo_xmalloc(sizeof *best * nn_params_count(pn_model_params(m))) : NULL;
    double best_acc = -1;
    for (int e = 0; e < o->epochs; e++) {
        rng_shuffle(&rng, order, t->ntrain);
        double sum = 0;
        int steps = 0;
        for (int b = 0; b < t->ntrain; b += bs) {
            int n = t->ntrain - b < bs ? t->ntrain - b : bs;
            sum += train_step(m, t, o, &opt, order + b, n, x, out, dout);
            steps++;
        }
        st->epochs = e + 1;
        st->loss = steps ? sum / steps : 0;
        double va = (o->progress || keep) && t->nval ? pt_accuracy(m, t, t->val, t->nval, NULL) : -1;
        if (keep && va > best_acc) {
            best_acc = va;
            st->best_epoch = e + 1;
            weights_copy(pn_model_params(m), best, 1);
        }
        if (o->progress && o->progress(o->ctx, e + 1, st->loss, va)) break;
        if (o->deadline > 0 && now_seconds() - t0 > o->deadline) break;
    }
    if (keep && st->best_epoch > 0) weights_copy(pn_model_params(m), best, 0);
    free(best);
    free(x);
    free(out);
    free(dout);
    free(order);
    st->seconds = now_seconds() - t0;
    return 0;
}

double pt_accuracy(pn_model *m, const pt_task *t, const int *idx, int n, double *mae)
{
    if (n <= 0) {
        if (mae) *mae = 0;
        return 0;
    }
    enum { B = 64 };
    size_t per = (size_t)t->data->c * t->data->size * t->data->size;
    float *x = halo_xmalloc(sizeof *x * per * B), out[B * PN_HEAD];
    int right = 0;
    double err = 0;
    for (int b = 0; b < n; b += B) {
        int k = n - b < B ? n - b : B;
        gather_batch(t, idx + b, k, x);
        pn_model_forward(m, x, k, out);
        for (int i = 0; i < k; i++) {
            int good = out[i * PN_HEAD] > 0;
            right += good == (t->label[idx[b + i]] > 0.5f);
            err += fabs(metric_from_z(t, out[i * PN_HEAD + 1]) - t->y[idx[b + i]]);
        }
    }
    free(x);
    if (mae) *mae = err / n;
    return (double)right / n;
}

double pt_majority(const pt_task *t, const int *idx, int n)
{
    int good = 0;
    for (int i = 0; i < n; i++) good += t->label[idx[i]] > 0.5f;
    return n ? (double)(good > n - good ? good : n - good) / n : 0;
}

void pt_predict(pn_model *m, const pt_task *t, float *x, double *p_good, double *metric)
{
    float out[PN_HEAD];
    pt_normalize(t, x, 1, pn_model_arch(m)->size);
    pn_model_forward(m, x, 1, out);
    *p_good = 1.0 / (1.0 + exp(-(double)out[0]));
    *metric = metric_from_z(t, out[1]);
}

/* ---------------------------------------------------------------- model file */

static void meta_num(nn_meta *m, const char *key, double v)
{
    char s[64];
    snprintf(s, sizeof s, "%.17g", v);
    nn_meta_set(m, key, s);
}

int pt_model_save(const char *path, pn_model *m, const pt_task *t, const nn_meta *extra, halo_err *err)
{
    nn_meta meta = {0};
    char *arch = pn_arch_format(pn_model_arch(m));
    nn_meta_set(&meta, "format", "halo-predictor-1");
    nn_meta_set(&meta, "architecture", arch);
    nn_meta_set(&meta, "metric", t->metric);
    meta_num(&meta, "quantile", t->quantile);
    meta_num(&meta, "threshold", t->threshold);
    meta_num(&meta, "log_metric", t->log_metric);
    meta_num(&meta, "mean", t->mean);
    meta_num(&meta, "std", t->std);
    su_buf cm = {NULL, 0, 0}, cs = {NULL, 0, 0};
    for (int c = 0; c < t->nchan; c++) {
        su_buf_printf(&cm, "%s%.9g", c ? " " : "", t->cmean[c]);
        su_buf_printf(&cs, "%s%.9g", c ? " " : "", t->cstd[c]);
    }
    nn_meta_set(&meta, "channel_mean", cm.s ? cm.s : "");
    nn_meta_set(&meta, "channel_std", cs.s ? cs.s : "");
    su_buf_free(&cm);
    su_buf_free(&cs);
    for (int i = 0; extra && i < extra->n; i++) nn_meta_set(&meta, extra->key[i], extra->value[i]);
    free(arch);
    int rc = nn_safetensors_write(path, pn_model_params(m), &meta, err);
    nn_meta_free(&meta);
    return rc;
}

static int meta_double(const nn_meta *meta, const char *key, double *v)
{
    const char *s = nn_meta_get(meta, key);
    char *end;
    if (!s) return -1;
    *v = strtod(s, &end);
    return end != s && *end == 0 && isfinite(*v) ? 0 : -1;
}

/* n numbers separated by blanks (every std positive when key says so). */
static int meta_floats(const nn_meta *meta, const char *key, float *v, int n)
{
    const char *s = nn_meta_get(meta, key);
    if (!s || n > 256) return -1;
    for (int i = 0; i < n; i++) {
        char *end;
        double x = strtod(s, &end);
        if (end == s || !isfinite(x) || (strstr(key, "std") && !(x > 0))) return -1;
        v[i] = (float)x;
        s = end;
    }
    while (*s == ' ') s++;
    return *s ? -1 : 0;
}

pn_model *pt_model_load(const char *path, pt_task *t, nn_meta *meta, halo_err *err)
{
    nn_params file;
    nn_params_init(&file);
    memset(t, 0, sizeof *t);
    if (nn_safetensors_read(path, &file, meta, err) != 0) {
        nn_params_free(&file);   /* the tensors read before the fault */
        return NULL;
    }
    const char *fmt = nn_meta_get(meta, "format"), *arch_text = nn_meta_get(meta, "architecture"),
               *metric = nn_meta_get(meta, "metric");
    double lm = 0;
    pn_arch arch;
    pn_model *m = NULL;
    if (!fmt || strcmp(fmt, "halo-predictor-1") != 0 || !arch_text || !metric ||
        meta_double(meta, "quantile", &t->quantile) || meta_double(meta, "threshold", &t->threshold) ||
        meta_double(meta, "log_metric", &lm) || meta_double(meta, "mean", &t->mean) ||
        meta_double(meta, "std", &t->std) || !(t->std > 0)) {
        halo_err_set(err, HALO_E_PRD_FILE, NULL, 0, path,
                     "the metadata lacks format halo-predictor-1, architecture, metric, threshold or standardisation");
        goto out;
    }
    t->log_metric = lm != 0;
    snprintf(t->metric, sizeof t->metric, "%s", metric);
    if (pn_arch_parse(arch_text, &arch, err) != 0) goto out;
    /* a few bytes of metadata must not make a huge network: the file has
       to hold about the weights its architecture needs (the count is an
       upper bound within 1.7x for MixConv) before anything is built */
    if (pn_arch_params(&arch) > 4.0 * (double)nn_params_count(&file) + 1000) {
        halo_err_set(err, HALO_E_PRD_FILE, NULL, 0, path, "its architecture needs far more weights than it holds");
        goto out;
    }
    if (meta_floats(meta, "channel_mean", t->cmean, arch.in_c) ||
        meta_floats(meta, "channel_std", t->cstd, arch.in_c)) {
        halo_err_set(err, HALO_E_PRD_FILE, NULL, 0, path,
                     "channel_mean and channel_std must give one number per input channel, every std > 0");
        goto out;
    }
    t->nchan = arch.in_c;
    m = pn_model_new(&arch, 1, err);
    if (!m) goto out;
    nn_params *ps = pn_model_params(m);
    for (int i = 0; i < ps->n; i++) {
        nn_param *p = ps->p[i], *q = nn_params_find(&file, p->name);
        if (!q || q->n != p->n) {
            char why[300];
            snprintf(why, sizeof why, "tensor %.200s is %s", p->name, q ? "of another size" : "missing");
            halo_err_set(err, HALO_E_PRD_FILE, NULL, 0, path, why);
            pn_model_free(m);
            m = NULL;
            goto out;
        }
        memcpy(p->w, q->w, sizeof *p->w * p->n);
    }
out:
    nn_params_free(&file);
    return m;
}

int pt_copy_weights(pn_model *dst, pn_model *src)
{
    nn_params *d = pn_model_params(dst), *s = pn_model_params(src);
    int copied = 0;
    for (int i = 0; i < d->n; i++) {
        nn_param *q = nn_params_find(s, d->p[i]->name);
        if (!q || q->n != d->p[i]->n || q->ndim != d->p[i]->ndim) continue;
        memcpy(d->p[i]->w, q->w, sizeof *q->w * q->n);
        copied++;
    }
    return copied;
}

/* ---------------------------------------------------------------- NAS sampler */

void pt_guide_init(pt_guide *g)
{
    for (int d = 0; d < PN_NDAGS; d++)
        for (int j = 0; j <= PN_MAXV; j++) {
            for (int k = 0; k <= PN_MAXV; k++) g->w_edge[d][j][k] = 1.0;
            for (int o = 0; o < PN_NOPS; o++) g->w_op[d][j][o] = 1.0;
        }
}

/* Algorithm 1 for one guide-DAG: edges out of every vertex already in
 * the sample, each kept with its softmax probability over the vertex's
 * outgoing edges; then one operation per sampled vertex by softmax. */
static void sample_dag(const pt_guide *g, int d, pn_dag *s, halo_rng *rng)
{
    int in[PN_MAXV + 1] = {1};
    memset(s->edge, 0, sizeof s->edge);
    for (int k = 0; k <= PN_MAXV; k++) s->op[k] = -1;
    for (int j = 0; j < PN_MAXV; j++) {
        if (!in[j]) continue;
        double z = 0;
        for (int k = j + 1; k <= PN_MAXV; k++) z += exp(g->w_edge[d][j][k]);
        for (int k = j + 1; k <= PN_MAXV; k++) {
            double p = exp(g->w_edge[d][j][k]) / z;
            if (p > rng_uniform(rng)) {
                s->edge[j][k] = 1;
                in[k] = 1;
            }
        }
    }
    for (int k = 1; k <= PN_MAXV; k++) {
        if (!in[k]) continue;
        double z = 0, acc = 0, r = rng_uniform(rng);
        for (int o = 0; o < PN_NOPS; o++) z += exp(g->w_op[d][k][o]);
        s->op[k] = PN_NOPS - 1;
        for (int o = 0; o < PN_NOPS; o++) {
            acc += exp(g->w_op[d][k][o]) / z;
            if (acc > r) {
                s->op[k] = (signed char)o;
                break;
            }
        }
    }
}

void pt_guide_sample(const pt_guide *g, pn_arch *a, halo_rng *rng)
{
    for (int d = 0; d < PN_NDAGS; d++) sample_dag(g, d, &a->dag[d], rng);
}

void pt_guide_update(pt_guide *g, const pn_arch *a, double alpha, double acc, double beta)
{
    double f = exp(alpha * (acc - beta));
    for (int d = 0; d < PN_NDAGS; d++)
        for (int k = 1; k <= PN_MAXV; k++) {
            for (int j = 0; j < k; j++)
                if (a->dag[d].edge[j][k]) g->w_edge[d][j][k] *= f;
            if (a->dag[d].op[k] >= 0) g->w_op[d][k][a->dag[d].op[k]] *= f;
        }
}
