/*
 * size_util.c -- metadata numbers, parameter filling, batch order and
 * progress cadence of the sizing models (size_util.h).
 */
#include "size_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strutil.h"
#include "nn/nn_train.h"

/* ---------------------------------------------------------------- metadata */

int size_meta_int(const nn_meta *meta, const char *key, int lo, int hi, int *v)
{
    const char *s = nn_meta_get(meta, key);
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || *end || end == s || x < lo || x > hi) return -1;
    *v = (int)x;
    return 0;
}

int size_meta_float(const nn_meta *meta, const char *key, double lo, double hi, float *v)
{
    const char *s = nn_meta_get(meta, key);
    if (!s || !*s) return -1;
    char *end;
    double x = strtod(s, &end);
    if (*end || end == s || !isfinite(x) || x < lo || x > hi) return -1;
    *v = (float)x;
    return 0;
}

void size_meta_set_int(nn_meta *meta, const char *key, long v)
{
    char s[32];
    snprintf(s, sizeof s, "%ld", v);
    nn_meta_set(meta, key, s);
}

void size_meta_set_float(nn_meta *meta, const char *key, float v)
{
    char s[48];
    /* the fewest digits that read back to the same float (9 always do) */
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, (double)v);
        if (strtof(s, NULL) == v) break;
    }
    nn_meta_set(meta, key, s);
}

int size_meta_merge(nn_meta *meta, const nn_meta *extra, const char **bad)
{
    for (int i = 0; extra && i < extra->n; i++)
        if (nn_meta_get(meta, extra->key[i])) {
            *bad = extra->key[i];
            return -1;
        }
    for (int i = 0; extra && i < extra->n; i++) nn_meta_set(meta, extra->key[i], extra->value[i]);
    return 0;
}

/* ---------------------------------------------------------------- parameters */

static int same_shape(const nn_param *a, const nn_param *b)
{
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

int size_params_fill(nn_params *dst, const nn_params *file, const char *source, const char *kind, halo_err *err)
{
    char why[400];
    for (int i = 0; i < dst->n; i++) {
        nn_param *p = dst->p[i];
        const nn_param *q = nn_params_find(file, p->name);
        if (!q || !same_shape(p, q)) {
            snprintf(why, sizeof why, "tensor %.200s is %s", p->name, q ? "of another shape" : "missing");
            return halo_err_set(err, HALO_E_SZM_FILE, NULL, 0, source, kind, why);
        }
        memcpy(p->w, q->w, p->n * sizeof *p->w);
        if (!size_all_finite(p->w, p->n)) {
            snprintf(why, sizeof why, "tensor %.200s holds a value that is not finite", p->name);
            return halo_err_set(err, HALO_E_SZM_FILE, NULL, 0, source, kind, why);
        }
    }
    for (int i = 0; i < file->n; i++)
        if (!nn_params_find(dst, file->p[i]->name)) {
            snprintf(why, sizeof why, "tensor %.200s is not part of the model its metadata describes",
                     file->p[i]->name);
            return halo_err_set(err, HALO_E_SZM_FILE, NULL, 0, source, kind, why);
        }
    return 0;
}

int size_all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* ---------------------------------------------------------------- training runs */

int size_bad_value(halo_err *err, const char *what, double v, const char *expected)
{
    char val[48];
    snprintf(val, sizeof val, "%.9g", v);
    return halo_err_set(err, HALO_E_SZM_VALUE, NULL, 0, what, val, expected);
}

static int bad_opt(halo_err *err, const char *what, const char *opt, double v, const char *expected)
{
    char name[96];
    snprintf(name, sizeof name, "%s %s", what, opt);
    return size_bad_value(err, name, v, expected);
}

int size_train_opts_check(const size_train_opts *o, int n, const char *what, halo_err *err)
{
    if (n < 1) return bad_opt(err, what, "n", n, "at least one training pair");
    if (o->steps < 0) return bad_opt(err, what, "steps", o->steps, "0 or more");
    if (o->batch < 1) return bad_opt(err, what, "batch", o->batch, "1 or more");
    if (!(o->lr > 0 && o->lr < 10)) return bad_opt(err, what, "lr", o->lr, "a learning rate above 0");
    if (!(o->lr_min >= 0 && o->lr_min <= o->lr)) return bad_opt(err, what, "lr_min", o->lr_min, "0 to lr");
    if (o->warmup < 0) return bad_opt(err, what, "warmup", o->warmup, "0 or more steps");
    if (!(o->weight_decay >= 0 && o->weight_decay < 1))
        return bad_opt(err, what, "weight_decay", o->weight_decay, "0 to 1");
    if (!(o->grad_clip >= 0)) return bad_opt(err, what, "grad_clip", o->grad_clip, "0 (none) or a bound above 0");
    if (o->nval < 0 || (o->nval > 0 && (!o->val_x || !o->val_c)))
        return bad_opt(err, what, "nval", o->nval, "0, or the number of val_x and val_c rows");
    if (o->val_every < 0) return bad_opt(err, what, "val_every", o->val_every, "0 or more steps");
    return 0;
}

/* ---------------------------------------------------------------- batches */

void size_batcher_init(size_batcher *b, int n, uint64_t seed)
{
    b->n = n;
    b->pos = n;   /* shuffled on the first draw */
    b->perm = halo_xmalloc(sizeof *b->perm * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) b->perm[i] = i;
    rng_seed(&b->rng, seed);
}

void size_batcher_next(size_batcher *b, int *idx, int k)
{
    for (int i = 0; i < k; i++) {
        if (b->pos >= b->n) {
            rng_shuffle(&b->rng, b->perm, b->n);
            b->pos = 0;
        }
        idx[i] = b->perm[b->pos++];
    }
}

void size_batcher_free(size_batcher *b)
{
    free(b->perm);
    memset(b, 0, sizeof *b);
}

int size_progress_due(int step, int nsteps, int every)
{
    if (step >= nsteps) return 1;
    if (every <= 0) every = nsteps >= 100 ? nsteps / 100 : 1;
    return step % every == 0;
}

/* ---------------------------------------------------------------- the loop */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void size_train_loop(const size_train_opts *o, int n, const size_trainer *t, size_train_stats *st)
{
    double t0 = now_seconds(), since = 0, tail = 0;
    int bs = o->batch < n ? o->batch : n, nsince = 0, ntail = 0, tail_from = o->steps - (o->steps + 9) / 10;
    int *idx = halo_xmalloc(sizeof(int) * (size_t)bs);
    size_batcher order;
    size_batcher_init(&order, n, o->seed ^ 0x6a09e667f3bcc908ULL);
    memset(st, 0, sizeof *st);
    st->val_loss = -1;
    for (int s = 0; s < o->steps; s++) {
        size_batcher_next(&order, idx, bs);
        double loss = t->step(t->ctx, idx, bs, nn_lr_cosine(o->lr, o->lr_min, s, o->steps, o->warmup));
        since += loss;
        nsince++;
        if (s >= tail_from) {
            tail += loss;
            ntail++;
        }
        st->steps = s + 1;
        if (o->nval > 0 && o->val_every > 0 && (s + 1) % o->val_every == 0 && s + 1 < o->steps)
            st->val_loss = t->validate(t->ctx);
        if (o->progress && size_progress_due(s + 1, o->steps, o->progress_every)) {
            o->progress(o->ctx, s + 1, o->steps, since / nsince);
            since = 0;
            nsince = 0;
        }
    }
    st->loss = ntail ? tail / ntail : 0;
    if (o->nval > 0) st->val_loss = t->validate(t->ctx);
    size_batcher_free(&order);
    free(idx);
    st->seconds = now_seconds() - t0;
}

int size_model_write(const char *path, const nn_params *ps, nn_meta *meta, const nn_meta *extra, const char *what,
                     const char *own, halo_err *err)
{
    const char *bad = NULL;
    char label[80], expected[200];
    int rc = size_meta_merge(meta, extra, &bad);
    if (rc) {
        snprintf(label, sizeof label, "%s metadata key", what);
        snprintf(expected, sizeof expected, "a key the model does not use itself (%s)", own);
        halo_err_set(err, HALO_E_SZM_VALUE, NULL, 0, label, bad, expected);
    } else {
        rc = nn_safetensors_write(path, ps, meta, err);
    }
    nn_meta_free(meta);
    return rc;
}
