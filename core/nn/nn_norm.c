/*
 * nn_norm.c -- layer norm, group norm, adaLN-Zero modulation (nn_norm.h).
 *
 * Statistics are summed in double per row / group; the biased variance is
 * used as PyTorch does.  The backward of a normalisation with per-element
 * multiplier m (the affine weight, or 1 + scale) is, with xh the
 * normalised input and g = dy * m,
 *   dx = rstd * (g - mean(g) - xh * mean(g * xh)).
 */
#include "nn_norm.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static nn_param *add_named(nn_params *ps, const char *prefix, const char *leaf, int ndim, const int *shape)
{
    char name[256];
    int k = snprintf(name, sizeof name, "%s.%s", prefix, leaf);
    if (k < 0 || (size_t)k >= sizeof name) return NULL;
    return nn_params_add(ps, name, ndim, shape);
}

/* Mean and rstd of m values. */
static void stats(const float *x, size_t m, float eps, float *mean, float *rstd)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < m; i++) s += x[i];
    double mu = s / (double)m;
    for (size_t i = 0; i < m; i++) {
        double e = x[i] - mu;
        ss += e * e;
    }
    *mean = (float)mu;
    *rstd = (float)(1.0 / sqrt(ss / (double)m + (double)eps));
}

/* One row of length d: dx from dy with per-element multiplier mult (NULL:
 * 1) and plus_one (mult read as 1 + mult). */
static void row_backward(const float *x, int d, float mean, float rstd, const float *dy, const float *mult,
                         int plus_one, float *dx)
{
    double sg = 0, sgx = 0;
    for (int i = 0; i < d; i++) {
        float m = mult ? (plus_one ? 1.0f + mult[i] : mult[i]) : 1.0f;
        double g = (double)dy[i] * m, xh = ((double)x[i] - mean) * rstd;
        sg += g;
        sgx += g * xh;
    }
    double mg = sg / d, mgx = sgx / d;
    for (int i = 0; i < d; i++) {
        float m = mult ? (plus_one ? 1.0f + mult[i] : mult[i]) : 1.0f;
        double g = (double)dy[i] * m, xh = ((double)x[i] - mean) * rstd;
        dx[i] = (float)(rstd * (g - mg - xh * mgx));
    }
}

/* ---------------------------------------------------------------- layer norm */

int nn_layernorm_init(nn_layernorm *l, nn_params *ps, const char *prefix, int d)
{
    memset(l, 0, sizeof *l);
    l->d = d;
    l->eps = NN_NORM_EPS;
    l->weight = add_named(ps, prefix, "weight", 1, &d);
    l->bias = add_named(ps, prefix, "bias", 1, &d);
    if (!l->weight || !l->bias) return -1;
    nn_init_const(l->weight, 1.0f);
    nn_init_const(l->bias, 0.0f);
    return 0;
}

void nn_layernorm_plain_forward(const float *x, int rows, int d, float eps, float *y, float *mean, float *rstd)
{
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * d;
        float *yr = y + (size_t)r * d;
        float mu, rs;
        stats(xr, (size_t)d, eps, &mu, &rs);
        mean[r] = mu;
        rstd[r] = rs;
        for (int i = 0; i < d; i++) yr[i] = (xr[i] - mu) * rs;
    }
}

void nn_layernorm_plain_backward(const float *x, int rows, int d, const float *mean, const float *rstd,
                                 const float *dy, float *dx)
{
    if (!dx) return;
    for (int r = 0; r < rows; r++) {
        size_t o = (size_t)r * d;
        row_backward(x + o, d, mean[r], rstd[r], dy + o, NULL, 0, dx + o);
    }
}

void nn_layernorm_forward(const nn_layernorm *l, const float *x, int rows, float *y, float *mean, float *rstd)
{
    int d = l->d;
    const float *w = l->weight->w, *b = l->bias->w;
    nn_layernorm_plain_forward(x, rows, d, l->eps, y, mean, rstd);
    for (int r = 0; r < rows; r++) {
        float *yr = y + (size_t)r * d;
        for (int i = 0; i < d; i++) yr[i] = yr[i] * w[i] + b[i];
    }
}

void nn_layernorm_backward(const nn_layernorm *l, const float *x, int rows, const float *mean, const float *rstd,
                           const float *dy, float *dx)
{
    int d = l->d;
    float *gw = l->weight->g, *gb = l->bias->g;
    for (int r = 0; r < rows; r++) {
        size_t o = (size_t)r * d;
        for (int i = 0; i < d; i++) {
            float xh = (x[o + i] - mean[r]) * rstd[r];
            gw[i] += dy[o + i] * xh;
            gb[i] += dy[o + i];
        }
    }
    if (!dx) return;
    for (int r = 0; r < rows; r++) {
        size_t o = (size_t)r * d;
        row_backward(x + o, d, mean[r], rstd[r], dy + o, l->weight->w, 0, dx + o);
    }
}

/* ---------------------------------------------------------------- group norm */

int nn_groupnorm_init(nn_groupnorm *l, nn_params *ps, const char *prefix, int groups, int channels)
{
    memset(l, 0, sizeof *l);
    if (groups <= 0 || channels <= 0 || channels % groups) return -1;
    l->groups = groups;
    l->channels = channels;
    l->eps = NN_NORM_EPS;
    l->weight = add_named(ps, prefix, "weight", 1, &channels);
    l->bias = add_named(ps, prefix, "bias", 1, &channels);
    if (!l->weight || !l->bias) return -1;
    nn_init_const(l->weight, 1.0f);
    nn_init_const(l->bias, 0.0f);
    return 0;
}

void nn_groupnorm_forward(const nn_groupnorm *l, const float *x, int n, int hw, float *y, float *mean,
                          float *rstd)
{
    int G = l->groups, C = l->channels, cpg = C / G;
    const float *w = l->weight->w, *b = l->bias->w;
    for (int s = 0; s < n; s++)
        for (int g = 0; g < G; g++) {
            size_t o = ((size_t)s * C + (size_t)g * cpg) * hw;
            float mu, rs;
            stats(x + o, (size_t)cpg * hw, l->eps, &mu, &rs);
            mean[s * G + g] = mu;
            rstd[s * G + g] = rs;
            for (int c = 0; c < cpg; c++) {
                int ch = g * cpg + c;
                const float *xc = x + o + (size_t)c * hw;
                float *yc = y + o + (size_t)c * hw;
                for (int i = 0; i < hw; i++) yc[i] = (xc[i] - mu) * rs * w[ch] + b[ch];
            }
        }
}

void nn_groupnorm_backward(const nn_groupnorm *l, const float *x, int n, int hw, const float *mean,
                           const float *rstd, const float *dy, float *dx)
{
    int G = l->groups, C = l->channels, cpg = C / G;
    const float *w = l->weight->w;
    float *gw = l->weight->g, *gb = l->bias->g;
    double m = (double)cpg * hw;
    for (int s = 0; s < n; s++)
        for (int g = 0; g < G; g++) {
            size_t o = ((size_t)s * C + (size_t)g * cpg) * hw;
            double mu = mean[s * G + g], rs = rstd[s * G + g];
            double sg = 0, sgx = 0;
            for (int c = 0; c < cpg; c++) {
                int ch = g * cpg + c;
                const float *xc = x + o + (size_t)c * hw, *dc = dy + o + (size_t)c * hw;
                double sdx = 0, sd = 0;
                for (int i = 0; i < hw; i++) {
                    double xh = (xc[i] - mu) * rs;
                    sdx += dc[i] * xh;
                    sd += dc[i];
                }
                gw[ch] += (float)sdx;
                gb[ch] += (float)sd;
                sg += sd * w[ch];
                sgx += sdx * w[ch];
            }
            if (!dx) continue;
            double mg = sg / m, mgx = sgx / m;
            for (int c = 0; c < cpg; c++) {
                int ch = g * cpg + c;
                const float *xc = x + o + (size_t)c * hw, *dc = dy + o + (size_t)c * hw;
                float *dxc = dx + o + (size_t)c * hw;
                for (int i = 0; i < hw; i++) {
                    double xh = (xc[i] - mu) * rs;
                    dxc[i] = (float)(rs * ((double)dc[i] * w[ch] - mg - xh * mgx));
                }
            }
        }
}

/* ---------------------------------------------------------------- adaLN-Zero */

int nn_adaln_init(nn_adaln *l, nn_params *ps, const char *prefix, int d, int dc, int chunks)
{
    memset(l, 0, sizeof *l);
    if (d <= 0 || dc <= 0 || chunks <= 0) return -1;
    l->d = d;
    l->dc = dc;
    l->chunks = chunks;
    int ws[2] = {chunks * d, dc}, bs = chunks * d;
    l->weight = add_named(ps, prefix, "weight", 2, ws);
    l->bias = add_named(ps, prefix, "bias", 1, &bs);
    if (!l->weight || !l->bias) return -1;
    nn_init_const(l->weight, 0.0f);   /* adaLN-Zero */
    nn_init_const(l->bias, 0.0f);
    return 0;
}

void nn_adaln_forward(const nn_adaln *l, const float *c, int n, float *mod)
{
    int out = l->chunks * l->d, dc = l->dc;
    if (n <= 0) return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, dc, 1.0f, c, dc, l->weight->w, dc, 0.0f, mod,
                out);
    for (int s = 0; s < n; s++)
        for (int j = 0; j < out; j++) mod[(size_t)s * out + j] += l->bias->w[j];
}

void nn_adaln_backward(const nn_adaln *l, const float *c, int n, const float *dmod, float *dc)
{
    int out = l->chunks * l->d, k = l->dc;
    if (n <= 0) return;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, k, n, 1.0f, dmod, out, c, k, 1.0f, l->weight->g,
                k);
    for (int s = 0; s < n; s++)
        for (int j = 0; j < out; j++) l->bias->g[j] += dmod[(size_t)s * out + j];
    if (dc)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, out, 1.0f, dmod, out, l->weight->w, k, 0.0f,
                    dc, k);
}

void nn_modulate_forward(const float *x, int n, int t, int d, const float *shift, const float *scale, int ld,
                         float eps, float *y, float *mean, float *rstd)
{
    nn_layernorm_plain_forward(x, n * t, d, eps, y, mean, rstd);
    for (int s = 0; s < n; s++) {
        const float *sh = shift + (size_t)s * ld, *sc = scale + (size_t)s * ld;
        for (int j = 0; j < t; j++) {
            float *yr = y + ((size_t)s * t + j) * d;
            for (int i = 0; i < d; i++) yr[i] = yr[i] * (1.0f + sc[i]) + sh[i];
        }
    }
}

void nn_modulate_backward(const float *x, int n, int t, int d, const float *scale, int ld, const float *mean,
                          const float *rstd, const float *dy, float *dx, float *dshift, float *dscale)
{
    for (int s = 0; s < n; s++) {
        const float *sc = scale + (size_t)s * ld;
        float *dsh = dshift ? dshift + (size_t)s * ld : NULL, *dsc = dscale ? dscale + (size_t)s * ld : NULL;
        if (dsh) memset(dsh, 0, (size_t)d * sizeof *dsh);
        if (dsc) memset(dsc, 0, (size_t)d * sizeof *dsc);
        for (int j = 0; j < t; j++) {
            size_t r = (size_t)s * t + j, o = r * d;
            for (int i = 0; i < d; i++) {
                if (dsh) dsh[i] += dy[o + i];
                if (dsc) dsc[i] += dy[o + i] * ((x[o + i] - mean[r]) * rstd[r]);
            }
            if (dx) row_backward(x + o, d, mean[r], rstd[r], dy + o, sc, 1, dx + o);
        }
    }
}

void nn_gated_residual_forward(const float *x, const float *h, const float *gate, int ld, int n, int t, int d,
                               float *y)
{
    for (int s = 0; s < n; s++) {
        const float *g = gate + (size_t)s * ld;
        for (int j = 0; j < t; j++) {
            size_t o = ((size_t)s * t + j) * d;
            for (int i = 0; i < d; i++) y[o + i] = x[o + i] + g[i] * h[o + i];
        }
    }
}

void nn_gated_residual_backward(const float *h, const float *gate, int ld, int n, int t, int d,
                                const float *dy, float *dx, float *dh, float *dgate)
{
    size_t total = (size_t)n * t * d;
    if (dgate)
        for (int s = 0; s < n; s++) {
            float *dg = dgate + (size_t)s * ld;
            memset(dg, 0, (size_t)d * sizeof *dg);
            for (int j = 0; j < t; j++) {
                size_t o = ((size_t)s * t + j) * d;
                for (int i = 0; i < d; i++) dg[i] += dy[o + i] * h[o + i];
            }
        }
    if (dx && dx != dy) memcpy(dx, dy, total * sizeof *dx);
    if (dh)
        for (int s = 0; s < n; s++) {
            const float *g = gate + (size_t)s * ld;
            for (int j = 0; j < t; j++) {
                size_t o = ((size_t)s * t + j) * d;
                for (int i = 0; i < d; i++) dh[o + i] = g[i] * dy[o + i];
            }
        }
}
