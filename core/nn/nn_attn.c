/*
 * nn_attn.c -- softmax, dropout, residual add, concat, timestep embedding,
 * multi-head self-attention (nn_attn.h).
 *
 * Attention per sample s and head j, dh = e / h, with Q, K, V the [t][dh]
 * column blocks of the packed qkv rows (leading dimension 3e):
 *   S = Q K^T / sqrt(dh), P = softmax(S) by rows, O_j = P V,
 *   y = O W_out^T + b_out.
 * Backward: dO = dy W_out, dP = dO_j V^T, dV = P^T dO_j,
 *   dS = P * (dP - rowsum(dP * P)) / sqrt(dh), dQ = dS K, dK = dS^T Q,
 * then the in-projection's gradients from dqkv.  All products are sgemm.
 */
#include "nn_attn.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- softmax */

void nn_softmax_forward(const float *x, int rows, int n, float *y)
{
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * n;
        float *yr = y + (size_t)r * n;
        float mx = -INFINITY;
        for (int i = 0; i < n; i++)
            if (xr[i] > mx) mx = xr[i];
        double s = 0;
        for (int i = 0; i < n; i++) {
            float e = expf(xr[i] - mx);
            yr[i] = e;
            s += e;
        }
        float inv = (float)(1.0 / s);
        for (int i = 0; i < n; i++) yr[i] *= inv;
    }
}

void nn_softmax_backward(const float *y, const float *dy, int rows, int n, float *dx)
{
    if (!dx) return;
    for (int r = 0; r < rows; r++) {
        const float *yr = y + (size_t)r * n, *dr = dy + (size_t)r * n;
        float *xr = dx + (size_t)r * n;
        double dot = 0;
        for (int i = 0; i < n; i++) dot += (double)dr[i] * yr[i];
        float d = (float)dot;
        for (int i = 0; i < n; i++) xr[i] = yr[i] * (dr[i] - d);
    }
}

/* ---------------------------------------------------------------- dropout */

void nn_dropout_forward(const float *x, size_t n, float p, int training, halo_rng *rng, float *mask, float *y)
{
    if (!training || p <= 0.0f) {
        for (size_t i = 0; i < n; i++) mask[i] = 1.0f;
        if (y != x) memmove(y, x, n * sizeof *y);
        return;
    }
    if (p >= 1.0f) {
        memset(mask, 0, n * sizeof *mask);
        memset(y, 0, n * sizeof *y);
        return;
    }
    float keep = 1.0f - p;
    for (size_t i = 0; i < n; i++) {
        int k = rng_uniform(rng) >= (double)p;
        mask[i] = k ? 1.0f : 0.0f;
        y[i] = k ? x[i] / keep : 0.0f;
    }
}

void nn_dropout_backward(const float *mask, const float *dy, size_t n, float p, int training, float *dx)
{
    if (!dx) return;
    if (!training || p <= 0.0f) {
        if (dx != dy) memmove(dx, dy, n * sizeof *dx);
        return;
    }
    if (p >= 1.0f) {
        memset(dx, 0, n * sizeof *dx);
        return;
    }
    float keep = 1.0f - p;
    for (size_t i = 0; i < n; i++) dx[i] = mask[i] != 0.0f ? dy[i] / keep : 0.0f;
}

/* ---------------------------------------------------------------- residual, concat */

void nn_add_forward(const float *a, const float *b, size_t n, float *y)
{
    for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

void nn_add_backward(const float *dy, size_t n, float *da, float *db)
{
    if (da && da != dy) memmove(da, dy, n * sizeof *da);
    if (db && db != dy) memmove(db, dy, n * sizeof *db);
}

void nn_concat_forward(const float *a, int ca, const float *b, int cb, int n, int hw, float *y)
{
    size_t sa = (size_t)ca * hw, sb = (size_t)cb * hw;
    for (int s = 0; s < n; s++) {
        float *ys = y + (size_t)s * (sa + sb);
        memcpy(ys, a + (size_t)s * sa, sa * sizeof *ys);
        memcpy(ys + sa, b + (size_t)s * sb, sb * sizeof *ys);
    }
}

void nn_concat_backward(const float *dy, int ca, int cb, int n, int hw, float *da, float *db)
{
    size_t sa = (size_t)ca * hw, sb = (size_t)cb * hw;
    for (int s = 0; s < n; s++) {
        const float *ds = dy + (size_t)s * (sa + sb);
        if (da) memcpy(da + (size_t)s * sa, ds, sa * sizeof *da);
        if (db) memcpy(db + (size_t)s * sb, ds + sa, sb * sizeof *db);
    }
}

/* ---------------------------------------------------------------- timestep embedding */

void nn_timestep_embedding(const float *t, int n, int dim, float max_period, int cos_first, float *out)
{
    int half = dim / 2;
    double lm = log((double)max_period);
    for (int s = 0; s < n; s++) {
        float *o = out + (size_t)s * dim;
        for (int i = 0; i < half; i++) {
            double f = exp(-lm * (double)i / (double)half), arg = (double)t[s] * f;
            double c = cos(arg), sn = sin(arg);
            o[i] = (float)(cos_first ? c : sn);
            o[half + i] = (float)(cos_first ? sn : c);
        }
        if (dim % 2) o[dim - 1] = 0.0f;
    }
}

/* ---------------------------------------------------------------- self-attention */

static nn_param *add_named(nn_params *ps, const char *prefix, const char *leaf, int ndim, const int *shape)
{
    char name[256];
    int k = snprintf(name, sizeof name, "%s.%s", prefix, leaf);
    if (k < 0 || (size_t)k >= sizeof name) return NULL;
    return nn_params_add(ps, name, ndim, shape);
}

int nn_mhsa_init(nn_mhsa *l, nn_params *ps, const char *prefix, int e, int h, halo_rng *rng)
{
    memset(l, 0, sizeof *l);
    if (e <= 0 || h <= 0 || e % h) return -1;
    l->e = e;
    l->h = h;
    int iw[2] = {3 * e, e}, ib = 3 * e, ow[2] = {e, e};
    l->in_w = add_named(ps, prefix, "in_proj_weight", 2, iw);
    l->in_b = add_named(ps, prefix, "in_proj_bias", 1, &ib);
    l->out_w = add_named(ps, prefix, "out_proj.weight", 2, ow);
    l->out_b = add_named(ps, prefix, "out_proj.bias", 1, &e);
    if (!l->in_w || !l->in_b || !l->out_w || !l->out_b) return -1;
    /* xavier_uniform_: fan_in e, fan_out 3e */
    nn_init_uniform(l->in_w, rng, (float)sqrt(6.0 / (4.0 * e)));
    nn_init_const(l->in_b, 0.0f);
    /* nn.Linear's kaiming_uniform_(a = sqrt(5)): bound 1/sqrt(fan_in) */
    nn_init_uniform(l->out_w, rng, (float)(1.0 / sqrt((double)e)));
    nn_init_const(l->out_b, 0.0f);
    return 0;
}

void nn_mhsa_forward(const nn_mhsa *l, const float *x, int n, int t, float *y, nn_mhsa_cache *cache, nn_arena *a)
{
    int e = l->e, h = l->h, dh = e / h, e3 = 3 * e, rows = n * t;
    cache->n = n;
    cache->t = t;
    cache->qkv = nn_arena_alloc(a, (size_t)rows * e3);
    cache->p = nn_arena_alloc(a, (size_t)n * h * t * t);
    cache->o = nn_arena_alloc(a, (size_t)rows * e);
    if (rows <= 0) return;
    float *qkv = cache->qkv, *P = cache->p, *O = cache->o;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, e3, e, 1.0f, x, e, l->in_w->w, e, 0.0f, qkv, e3);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < e3; j++) qkv[(size_t)r * e3 + j] += l->in_b->w[j];
    float scale = (float)(1.0 / sqrt((double)dh));
    for (int s = 0; s < n; s++)
        for (int j = 0; j < h; j++) {
            const float *q = qkv + (size_t)s * t * e3 + (size_t)j * dh, *k = q + e, *v = q + 2 * e;
            float *p = P + ((size_t)s * h + j) * t * t;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, dh, scale, q, e3, k, e3, 0.0f, p, t);
            nn_softmax_forward(p, t, t, p);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, dh, t, 1.0f, p, t, v, e3, 0.0f,
                        O + (size_t)s * t * e + (size_t)j * dh, e);
        }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, e, e, 1.0f, O, e, l->out_w->w, e, 0.0f, y, e);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < e; j++) y[(size_t)r * e + j] += l->out_b->w[j];
}

void nn_mhsa_backward(const nn_mhsa *l, const float *x, const nn_mhsa_cache *cache, const float *dy, float *dx,
                      nn_arena *a)
{
    int e = l->e, h = l->h, dh = e / h, e3 = 3 * e, n = cache->n, t = cache->t, rows = n * t;
    if (rows <= 0) return;
    size_t mark = nn_arena_mark(a);
    float *dO = nn_arena_alloc(a, (size_t)rows * e);
    float *dqkv = nn_arena_alloc(a, (size_t)rows * e3);
    float *dP = nn_arena_alloc(a, (size_t)t * t);
    const float *qkv = cache->qkv, *P = cache->p, *O = cache->o;
    float scale = (float)(1.0 / sqrt((double)dh));

    /* out_proj */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, e, e, rows, 1.0f, dy, e, O, e, 1.0f, l->out_w->g, e);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < e; j++) l->out_b->g[j] += dy[(size_t)r * e + j];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, e, e, 1.0f, dy, e, l->out_w->w, e, 0.0f, dO, e);

    for (int s = 0; s < n; s++)
        for (int j = 0; j < h; j++) {
            size_t qo = (size_t)s * t * e3 + (size_t)j * dh;
            const float *q = qkv + qo, *k = q + e, *v = q + 2 * e;
            float *dq = dqkv + qo, *dk = dq + e, *dv = dq + 2 * e;
            const float *p = P + ((size_t)s * h + j) * t * t;
            const float *dOj = dO + (size_t)s * t * e + (size_t)j * dh;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, dh, 1.0f, dOj, e, v, e3, 0.0f, dP, t);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, t, dh, t, 1.0f, p, t, dOj, e, 0.0f, dv, e3);
            nn_softmax_backward(p, dP, t, t, dP);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, dh, t, scale, dP, t, k, e3, 0.0f, dq, e3);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, t, dh, t, scale, dP, t, q, e3, 0.0f, dk, e3);
        }

    /* in_proj */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, e3, e, rows, 1.0f, dqkv, e3, x, e, 1.0f, l->in_w->g, e);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < e3; j++) l->in_b->g[j] += dqkv[(size_t)r * e3 + j];
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, e, e3, 1.0f, dqkv, e3, l->in_w->w, e, 0.0f,
                    dx, e);
    nn_arena_release(a, mark);
}
