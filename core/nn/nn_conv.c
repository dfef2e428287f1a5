/*
 * nn_conv.c -- 2-D convolution by im2col + cblas_sgemm, nearest-neighbour
 * upsampling, max and average pooling (see nn_conv.h).
 *
 * Owns the im2col/col2im lowering: for one batch item and one group the
 * input planes become a [Cin/g * KH * KW][Ho * Wo] column matrix, so the
 * convolution is one GEMM with the group's [Cout/g][Cin/g * KH * KW]
 * weight block, and both gradients are GEMMs too.  The column buffer is
 * arena scratch, sized once per call and reused across items and groups.
 */
#include "nn_conv.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- conv2d: setup */

int nn_conv_out_size(int in, int k, int stride, int pad, int dil)
{
    int span = in + 2 * pad - dil * (k - 1) - 1;
    /* span < 0: the dilated kernel is wider than the padded input; C's
     * truncating division would round -1/2 up to 0 and claim one output. */
    return span < 0 ? 0 : span / stride + 1;
}

/* "prefix.suffix" (just "suffix" for an empty prefix), truncated to fit. */
static void param_name(char *buf, size_t len, const char *prefix, const char *suffix)
{
    if (prefix && *prefix) snprintf(buf, len, "%s.%s", prefix, suffix);
    else snprintf(buf, len, "%s", suffix);
}

int nn_conv2d_init(nn_conv2d *c, nn_params *ps, const char *prefix, int cin, int cout, int k, int stride,
                   int pad, int dil, int groups, int bias, halo_rng *rng)
{
    memset(c, 0, sizeof *c);
    if (cin <= 0 || cout <= 0 || k <= 0 || stride <= 0 || dil <= 0 || pad < 0 || groups <= 0 ||
        cin % groups || cout % groups)
        return -1;
    c->cin = cin, c->cout = cout, c->groups = groups;
    c->kh = c->kw = k;
    c->stride_h = c->stride_w = stride;
    c->pad_h = c->pad_w = pad;
    c->dil_h = c->dil_w = dil;

    char name[256];
    int wshape[4] = {cout, cin / groups, k, k};
    param_name(name, sizeof name, prefix, "weight");
    if (!(c->weight = nn_params_add(ps, name, 4, wshape))) return -1;
    /* PyTorch: kaiming_uniform_(a = sqrt(5)) gives bound
     * sqrt(3) * sqrt(2 / (1 + 5)) / sqrt(fan_in) = 1 / sqrt(fan_in), and
     * the bias uses the same 1 / sqrt(fan_in). */
    float bound = 1.0f / sqrtf((float)(cin / groups * k * k));
    nn_init_uniform(c->weight, rng, bound);
    if (bias) {
        param_name(name, sizeof name, prefix, "bias");
        if (!(c->bias = nn_params_add(ps, name, 1, &cout))) return -1;
        nn_init_uniform(c->bias, rng, bound);
    }
    return 0;
}

void nn_conv2d_out_hw(const nn_conv2d *c, int h, int w, int *ho, int *wo)
{
    *ho = nn_conv_out_size(h, c->kh, c->stride_h, c->pad_h, c->dil_h);
    *wo = nn_conv_out_size(w, c->kw, c->stride_w, c->pad_w, c->dil_w);
}

/* ---------------------------------------------------------------- conv2d: lowering */

/* The sizes one (item, group) GEMM works on. */
typedef struct conv_geom {
    int h, w, ho, wo;
    int cg, coutg;            /* input / output channels per group */
    int kdim;                 /* cg * kh * kw: GEMM inner dimension */
    int p;                    /* ho * wo: GEMM columns */
} conv_geom;

static conv_geom conv_geometry(const nn_conv2d *c, int h, int w)
{
    conv_geom g;
    g.h = h, g.w = w;
    nn_conv2d_out_hw(c, h, w, &g.ho, &g.wo);
    g.cg = c->cin / c->groups;
    g.coutg = c->cout / c->groups;
    g.kdim = g.cg * c->kh * c->kw;
    g.p = g.ho * g.wo;
    return g;
}

/* A 1x1, stride-1, unpadded kernel reads each input pixel once in output
 * order: the input planes already are the column matrix, no copy needed. */
static int conv_is_pointwise(const nn_conv2d *c)
{
    return c->kh == 1 && c->kw == 1 && c->stride_h == 1 && c->stride_w == 1 && c->pad_h == 0 &&
           c->pad_w == 0;
}

/* Outputs o in [*lo, *hi) read input o * stride + off inside [0, in). */
static void valid_range(int off, int stride, int nout, int in, int *lo, int *hi)
{
    int l = off >= 0 ? 0 : (-off + stride - 1) / stride;
    int last = in - 1 - off;                 /* largest o * stride allowed */
    int h = last < 0 ? 0 : last / stride + 1;
    if (l > nout) l = nout;
    if (h > nout) h = nout;
    if (h < l) h = l;
    *lo = l, *hi = h;
}

/* col[(ci, ki, kj)][oh * wo + ow] = xg[ci][ih][iw], zero where (ih, iw)
 * falls in the padding.  Every element is written, so col can be reused. */
static void im2col(const nn_conv2d *c, const conv_geom *g, const float *xg, float *col)
{
    float *row = col;
    for (int ci = 0; ci < g->cg; ci++) {
        const float *plane = xg + (size_t)ci * g->h * g->w;
        for (int ki = 0; ki < c->kh; ki++) {
            for (int kj = 0; kj < c->kw; kj++, row += g->p) {
                int woff = kj * c->dil_w - c->pad_w, lo, hi;
                valid_range(woff, c->stride_w, g->wo, g->w, &lo, &hi);
                for (int oh = 0; oh < g->ho; oh++) {
                    float *r = row + (size_t)oh * g->wo;
                    int ih = oh * c->stride_h - c->pad_h + ki * c->dil_h;
                    if (ih < 0 || ih >= g->h) {
                        memset(r, 0, (size_t)g->wo * sizeof *r);
                        continue;
                    }
                    /* Index rather than offset the pointer: woff may be
                     * negative and a pointer before the array is UB. */
                    const float *src = plane + (size_t)ih * g->w;
                    for (int ow = 0; ow < lo; ow++) r[ow] = 0;
                    if (c->stride_w == 1) memcpy(r + lo, src + lo + woff, (size_t)(hi - lo) * sizeof *r);
                    else
                        for (int ow = lo; ow < hi; ow++) r[ow] = src[ow * c->stride_w + woff];
                    for (int ow = hi; ow < g->wo; ow++) r[ow] = 0;
                }
            }
        }
    }
}

/* The adjoint of im2col: adds each column entry back onto the input pixel
 * it was copied from (overlapping windows sum); padding entries vanish. */
static void col2im(const nn_conv2d *c, const conv_geom *g, const float *col, float *dxg)
{
    const float *row = col;
    for (int ci = 0; ci < g->cg; ci++) {
        float *plane = dxg + (size_t)ci * g->h * g->w;
        for (int ki = 0; ki < c->kh; ki++) {
            for (int kj = 0; kj < c->kw; kj++, row += g->p) {
                int woff = kj * c->dil_w - c->pad_w, lo, hi;
                valid_range(woff, c->stride_w, g->wo, g->w, &lo, &hi);
                for (int oh = 0; oh < g->ho; oh++) {
                    int ih = oh * c->stride_h - c->pad_h + ki * c->dil_h;
                    if (ih < 0 || ih >= g->h) continue;
                    const float *r = row + (size_t)oh * g->wo;
                    float *dst = plane + (size_t)ih * g->w;
                    for (int ow = lo; ow < hi; ow++) dst[ow * c->stride_w + woff] += r[ow];
                }
            }
        }
    }
}

/* db[o] += sum over the output plane of dy[o]; summed in double because a
 * plane can hold thousands of terms. */
static void conv_bias_grad(float *db, const float *dyg, int coutg, int p)
{
    for (int o = 0; o < coutg; o++) {
        const float *r = dyg + (size_t)o * p;
        double s = 0;
        for (int i = 0; i < p; i++) s += r[i];
        db[o] += (float)s;
    }
}

/* ---------------------------------------------------------------- conv2d: depthwise */

/* One input channel per output channel (groups == cin == cout, MixConv's
 * and MobileNet's kernels): lowered to GEMM each group is a 1-row
 * product, memory-bound and ~0.4 of bare sgemm, which itself crawls at
 * that shape.  Direct loops instead: per kernel tap, a run of output
 * pixels times one weight, unit-stride along the row when stride is 1 (the
 * compiler vectorises it).  The same valid ranges as im2col, so the same
 * zero padding. */
/* The loops below are what must vectorise; -O2's very cheap cost model
 * leaves them scalar, so GCC compiles these few functions at -O3. */
#if defined(__GNUC__) && !defined(__clang__)
#define DW_FAST __attribute__((optimize("O3")))
#else
#define DW_FAST
#endif

static int conv_is_depthwise(const nn_conv2d *c)
{
    return c->groups == c->cin && c->groups == c->cout;
}

/* Calls body(oh, ih, lo, hi, woff) for every output row oh of tap (ki, kj)
 * whose input row ih lies inside the image, lo..hi the valid outputs. */
#define DW_TAP_ROWS(c, g, ki, kj, BODY)                                                   \
    do {                                                                                 \
        int woff = (kj) * (c)->dil_w - (c)->pad_w, lo, hi;                              \
        valid_range(woff, (c)->stride_w, (g)->wo, (g)->w, &lo, &hi);                    \
        for (int oh = 0; oh < (g)->ho; oh++) {                                           \
            int ih = oh * (c)->stride_h - (c)->pad_h + (ki) * (c)->dil_h;               \
            if (ih < 0 || ih >= (g)->h || lo >= hi) continue;                            \
            BODY;                                                                        \
        }                                                                                \
    } while (0)

DW_FAST static void dw_forward_plane(const nn_conv2d *c, const conv_geom *g, const float *x, const float *wk, float bias,
                             float *y)
{
    for (int i = 0; i < g->p; i++) y[i] = bias;
    int sw = c->stride_w;
    for (int ki = 0; ki < c->kh; ki++)
        for (int kj = 0; kj < c->kw; kj++) {
            float wv = wk[ki * c->kw + kj];
            DW_TAP_ROWS(c, g, ki, kj, {
                const float *src = x + (size_t)ih * g->w;
                float *dst = y + (size_t)oh * g->wo;
                if (sw == 1)
                    for (int ow = lo; ow < hi; ow++) dst[ow] += wv * src[ow + woff];
                else
                    for (int ow = lo; ow < hi; ow++) dst[ow] += wv * src[ow * sw + woff];
            });
        }
}

/* dW of one channel's taps (accumulated), and dx of its plane (added). */
DW_FAST static void dw_backward_plane(const nn_conv2d *c, const conv_geom *g, const float *x, const float *wk,
                              const float *dy, float *dwk, float *dx)
{
    int sw = c->stride_w;
    for (int ki = 0; ki < c->kh; ki++)
        for (int kj = 0; kj < c->kw; kj++) {
            float wv = wk[ki * c->kw + kj];
            double acc = 0;
            DW_TAP_ROWS(c, g, ki, kj, {
                const float *src = x + (size_t)ih * g->w;
                const float *d = dy + (size_t)oh * g->wo;
                /* eight partial sums: a float reduction vectorises only
                 * when its order is spelled out */
                float part[8] = {0};
                int ow = lo;
                if (sw == 1)
                    for (; ow + 8 <= hi; ow += 8)
                        for (int k = 0; k < 8; k++) part[k] += d[ow + k] * src[ow + k + woff];
                for (; ow < hi; ow++) part[0] += d[ow] * src[ow * sw + woff];
                for (int k = 0; k < 8; k++) acc += part[k];
                if (dx) {
                    float *dst = dx + (size_t)ih * g->w;
                    if (sw == 1)
                        for (int ow = lo; ow < hi; ow++) dst[ow + woff] += wv * d[ow];
                    else
                        for (int ow = lo; ow < hi; ow++) dst[ow * sw + woff] += wv * d[ow];
                }
            });
            dwk[ki * c->kw + kj] += (float)acc;
        }
}

/* Stride 1 (MixConv's and most depthwise layers): each plane is copied
 * once into a zero-bordered buffer, after which every tap of every output
 * row is one full-width unit-stride run -- no range clipping per row, and
 * loops of a fixed length the compiler vectorises whole. */
static int dw_padded(const nn_conv2d *c)
{
    return c->stride_h == 1 && c->stride_w == 1;
}

typedef struct dw_pad {
    int hp, wp;               /* padded plane */
} dw_pad;

static dw_pad dw_pad_of(const nn_conv2d *c, const conv_geom *g)
{
    dw_pad p = {g->h + 2 * c->pad_h, g->w + 2 * c->pad_w};
    return p;
}

static void dw_pad_plane(const nn_conv2d *c, const conv_geom *g, dw_pad pd, const float *x, float *xp)
{
    memset(xp, 0, sizeof *xp * (size_t)pd.hp * pd.wp);
    for (int i = 0; i < g->h; i++)
        memcpy(xp + (size_t)(i + c->pad_h) * pd.wp + c->pad_w, x + (size_t)i * g->w, sizeof *x * (size_t)g->w);
}

DW_FAST static void dw_forward_padded(const nn_conv2d *c, const conv_geom *g, dw_pad pd, const float *xp,
                                      const float *wk, float bias, float *y)
{
    int wo = g->wo;
    for (int oh = 0; oh < g->ho; oh++) {
        float *dst = y + (size_t)oh * wo;
        for (int ow = 0; ow < wo; ow++) dst[ow] = bias;
        for (int ki = 0; ki < c->kh; ki++) {
            const float *row = xp + (size_t)(oh + ki * c->dil_h) * pd.wp;
            for (int kj = 0; kj < c->kw; kj++) {
                float wv = wk[ki * c->kw + kj];
                const float *src = row + kj * c->dil_w;
                for (int ow = 0; ow < wo; ow++) dst[ow] += wv * src[ow];
            }
        }
    }
}

/* dW of the taps (accumulated) and, when dxp, the padded plane's dx
 * (accumulated; the caller crops it). */
DW_FAST static void dw_backward_padded(const nn_conv2d *c, const conv_geom *g, dw_pad pd, const float *xp,
                                       const float *wk, const float *dy, float *dwk, float *dxp)
{
    int wo = g->wo;
    for (int ki = 0; ki < c->kh; ki++)
        for (int kj = 0; kj < c->kw; kj++) {
            float wv = wk[ki * c->kw + kj];
            double acc = 0;
            for (int oh = 0; oh < g->ho; oh++) {
                size_t off = (size_t)(oh + ki * c->dil_h) * pd.wp + (size_t)kj * c->dil_w;
                const float *src = xp + off, *d = dy + (size_t)oh * wo;
                float part[8] = {0};
                int ow = 0;
                for (; ow + 8 <= wo; ow += 8)
                    for (int k = 0; k < 8; k++) part[k] += d[ow + k] * src[ow + k];
                for (; ow < wo; ow++) part[0] += d[ow] * src[ow];
                for (int k = 0; k < 8; k++) acc += part[k];
                if (dxp) {
                    float *dst = dxp + off;
                    for (int o = 0; o < wo; o++) dst[o] += wv * d[o];
                }
            }
            dwk[ki * c->kw + kj] += (float)acc;
        }
}

static void dw_forward(const nn_conv2d *c, const conv_geom *g, const float *x, int n, float *y, nn_arena *ar)
{
    int taps = c->kh * c->kw;
    dw_pad pd = dw_pad_of(c, g);
    size_t mark = nn_arena_mark(ar);
    float *xp = dw_padded(c) ? nn_arena_alloc(ar, (size_t)pd.hp * pd.wp) : NULL;
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c->cout; ch++) {
            size_t plane = (size_t)b * c->cout + ch;
            const float *xc = x + plane * g->h * g->w, *wk = c->weight->w + (size_t)ch * taps;
            float bias = c->bias ? c->bias->w[ch] : 0.0f;
            if (xp) {
                dw_pad_plane(c, g, pd, xc, xp);
                dw_forward_padded(c, g, pd, xp, wk, bias, y + plane * g->p);
            } else dw_forward_plane(c, g, xc, wk, bias, y + plane * g->p);
        }
    nn_arena_release(ar, mark);
}

static void dw_backward(const nn_conv2d *c, const conv_geom *g, const float *x, int n, const float *dy, float *dx,
                        nn_arena *ar)
{
    int taps = c->kh * c->kw;
    dw_pad pd = dw_pad_of(c, g);
    size_t mark = nn_arena_mark(ar), pp = (size_t)pd.hp * pd.wp;
    float *xp = dw_padded(c) ? nn_arena_alloc(ar, pp) : NULL;
    float *dxp = xp && dx ? nn_arena_alloc(ar, pp) : NULL;
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c->cout; ch++) {
            size_t plane = (size_t)b * c->cout + ch;
            const float *dyp = dy + plane * g->p, *xc = x + plane * g->h * g->w, *wk = c->weight->w + (size_t)ch * taps;
            float *dwk = c->weight->g + (size_t)ch * taps, *dxc = dx ? dx + plane * g->h * g->w : NULL;
            if (xp) {
                dw_pad_plane(c, g, pd, xc, xp);
                if (dxp) memset(dxp, 0, sizeof *dxp * pp);
                dw_backward_padded(c, g, pd, xp, wk, dyp, dwk, dxp);
                for (int i = 0; dxc && i < g->h; i++) {
                    const float *src = dxp + (size_t)(i + c->pad_h) * pd.wp + c->pad_w;
                    float *dst = dxc + (size_t)i * g->w;
                    for (int j = 0; j < g->w; j++) dst[j] += src[j];
                }
            } else dw_backward_plane(c, g, xc, wk, dyp, dwk, dxc);
            if (c->bias) conv_bias_grad(c->bias->g + ch, dyp, 1, g->p);
        }
    nn_arena_release(ar, mark);
}

/* ---------------------------------------------------------------- conv2d: passes */

void nn_conv2d_forward(const nn_conv2d *c, const float *x, int n, int h, int w, float *y, nn_arena *ar)
{
    conv_geom g = conv_geometry(c, h, w);
    if (n <= 0 || g.p == 0) return;
    if (conv_is_depthwise(c)) {
        dw_forward(c, &g, x, n, y, ar);
        return;
    }
    size_t mark = nn_arena_mark(ar);
    int pointwise = conv_is_pointwise(c);
    float *col = pointwise ? NULL : nn_arena_alloc(ar, (size_t)g.kdim * g.p);
    for (int b = 0; b < n; b++) {
        for (int gi = 0; gi < c->groups; gi++) {
            const float *xg = x + ((size_t)b * c->cin + (size_t)gi * g.cg) * h * w;
            float *yg = y + ((size_t)b * c->cout + (size_t)gi * g.coutg) * g.p;
            const float *wg = c->weight->w + (size_t)gi * g.coutg * g.kdim;
            if (!pointwise) im2col(c, &g, xg, col);
            /* yg[coutg][p] = wg[coutg][kdim] . col[kdim][p] */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.coutg, g.p, g.kdim, 1.0f, wg, g.kdim,
                        pointwise ? xg : col, g.p, 0.0f, yg, g.p);
            if (!c->bias) continue;
            for (int o = 0; o < g.coutg; o++) {
                float bv = c->bias->w[gi * g.coutg + o], *r = yg + (size_t)o * g.p;
                for (int i = 0; i < g.p; i++) r[i] += bv;
            }
        }
    }
    nn_arena_release(ar, mark);
}


void nn_conv2d_backward(const nn_conv2d *c, const float *x, int n, int h, int w, const float *dy, float *dx,
                        nn_arena *ar)
{
    conv_geom g = conv_geometry(c, h, w);
    if (dx) memset(dx, 0, (size_t)n * c->cin * h * w * sizeof *dx);
    if (n <= 0 || g.p == 0) return;
    if (conv_is_depthwise(c)) {
        dw_backward(c, &g, x, n, dy, dx, ar);
        return;
    }
    size_t mark = nn_arena_mark(ar);
    int pointwise = conv_is_pointwise(c);
    float *col = pointwise ? NULL : nn_arena_alloc(ar, (size_t)g.kdim * g.p);
    float *dcol = pointwise || !dx ? NULL : nn_arena_alloc(ar, (size_t)g.kdim * g.p);
    for (int b = 0; b < n; b++) {
        for (int gi = 0; gi < c->groups; gi++) {
            size_t xoff = ((size_t)b * c->cin + (size_t)gi * g.cg) * h * w;
            const float *xg = x + xoff;
            const float *dyg = dy + ((size_t)b * c->cout + (size_t)gi * g.coutg) * g.p;
            const float *wg = c->weight->w + (size_t)gi * g.coutg * g.kdim;
            float *dwg = c->weight->g + (size_t)gi * g.coutg * g.kdim;
            if (!pointwise) im2col(c, &g, xg, col);
            /* dW[coutg][kdim] += dy[coutg][p] . col[kdim][p]^T */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g.coutg, g.kdim, g.p, 1.0f, dyg, g.p,
                        pointwise ? xg : col, g.p, 1.0f, dwg, g.kdim);
            if (c->bias) conv_bias_grad(c->bias->g + gi * g.coutg, dyg, g.coutg, g.p);
            if (!dx) continue;
            /* dcol[kdim][p] = W[coutg][kdim]^T . dy[coutg][p]; a pointwise
             * kernel's dcol is dx itself, as its col is x. */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g.kdim, g.p, g.coutg, 1.0f, wg, g.kdim, dyg,
                        g.p, 0.0f, pointwise ? dx + xoff : dcol, g.p);
            if (!pointwise) col2im(c, &g, dcol, dx + xoff);
        }
    }
    nn_arena_release(ar, mark);
}

/* ---------------------------------------------------------------- upsample */

void nn_upsample_init(nn_upsample *u, int scale)
{
    u->scale = scale < 1 ? 1 : scale;
}

void nn_upsample_forward(const nn_upsample *u, const float *x, int n, int c, int h, int w, float *y)
{
    int s = u->scale, wo = w * s;
    size_t planes = (size_t)n * c;
    for (size_t pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * h * w;
        float *yp = y + pl * (size_t)h * s * wo;
        for (int ih = 0; ih < h; ih++) {
            /* Widen the row once, then repeat it for the other s-1 rows. */
            float *r = yp + (size_t)ih * s * wo;
            for (int iw = 0; iw < w; iw++)
                for (int k = 0; k < s; k++) r[iw * s + k] = xp[(size_t)ih * w + iw];
            for (int k = 1; k < s; k++) memcpy(r + (size_t)k * wo, r, (size_t)wo * sizeof *r);
        }
    }
}

void nn_upsample_backward(const nn_upsample *u, int n, int c, int h, int w, const float *dy, float *dx)
{
    int s = u->scale, wo = w * s;
    size_t planes = (size_t)n * c;
    for (size_t pl = 0; pl < planes; pl++) {
        const float *dyp = dy + pl * (size_t)h * s * wo;
        float *dxp = dx + pl * h * w;
        for (int ih = 0; ih < h; ih++) {
            for (int iw = 0; iw < w; iw++) {
                float acc = 0;
                for (int a = 0; a < s; a++) {
                    const float *r = dyp + ((size_t)ih * s + a) * wo + (size_t)iw * s;
                    for (int k = 0; k < s; k++) acc += r[k];
                }
                dxp[(size_t)ih * w + iw] = acc;
            }
        }
    }
}

/* ---------------------------------------------------------------- pooling */

int nn_pool2d_init(nn_pool2d *p, int k, int stride, int pad)
{
    memset(p, 0, sizeof *p);
    if (stride == 0) stride = k;
    if (k <= 0 || stride <= 0 || pad < 0 || pad > k / 2) return -1;
    p->kh = p->kw = k;
    p->stride_h = p->stride_w = stride;
    p->pad_h = p->pad_w = pad;
    return 0;
}

void nn_pool2d_out_hw(const nn_pool2d *p, int h, int w, int *ho, int *wo)
{
    *ho = nn_conv_out_size(h, p->kh, p->stride_h, p->pad_h, 1);
    *wo = nn_conv_out_size(w, p->kw, p->stride_w, p->pad_w, 1);
}

/* One output's window, clipped to the input: rows [h0, h1), cols [w0, w1). */
typedef struct pool_win {
    int h0, h1, w0, w1;
} pool_win;

static pool_win pool_window(const nn_pool2d *p, int oh, int ow, int h, int w)
{
    pool_win win;
    win.h0 = oh * p->stride_h - p->pad_h;
    win.w0 = ow * p->stride_w - p->pad_w;
    win.h1 = win.h0 + p->kh < h ? win.h0 + p->kh : h;
    win.w1 = win.w0 + p->kw < w ? win.w0 + p->kw : w;
    if (win.h0 < 0) win.h0 = 0;
    if (win.w0 < 0) win.w0 = 0;
    return win;
}

/* The max and argmax of every window; y or idx may be NULL.  NaN wins, as
 * in PyTorch, so a NaN input shows in the output instead of vanishing. */
static void maxpool_run(const nn_pool2d *p, const float *x, int n, int c, int h, int w, float *y, int *idx)
{
    int ho, wo;
    nn_pool2d_out_hw(p, h, w, &ho, &wo);
    size_t planes = (size_t)n * c, op = (size_t)ho * wo;
    for (size_t pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * h * w;
        for (int oh = 0; oh < ho; oh++) {
            for (int ow = 0; ow < wo; ow++) {
                pool_win win = pool_window(p, oh, ow, h, w);
                float best = -INFINITY;
                int bi = -1;          /* stays -1 only for a window all padding */
                for (int ih = win.h0; ih < win.h1; ih++)
                    for (int iw = win.w0; iw < win.w1; iw++) {
                        float v = xp[ih * w + iw];
                        if (bi < 0 || v > best || isnan(v)) best = v, bi = ih * w + iw;
                    }
                size_t o = pl * op + (size_t)oh * wo + ow;
                if (y) y[o] = best;
                if (idx) idx[o] = bi;
            }
        }
    }
}

void nn_maxpool2d_forward(const nn_maxpool2d *p, const float *x, int n, int c, int h, int w, float *y,
                          int *idx)
{
    maxpool_run(p, x, n, c, h, w, y, idx);
}

/* Arena memory is untyped until written, so ints may live in it; they
 * take one float's slot each. */
_Static_assert(sizeof(int) <= sizeof(float), "an int must fit a float slot of the arena");

void nn_maxpool2d_backward(const nn_maxpool2d *p, const float *x, const int *idx, int n, int c, int h, int w,
                           const float *dy, float *dx, nn_arena *ar)
{
    int ho, wo;
    nn_pool2d_out_hw(p, h, w, &ho, &wo);
    size_t planes = (size_t)n * c, op = (size_t)ho * wo;
    size_t mark = nn_arena_mark(ar);
    if (!idx) {
        int *tmp = (int *)(void *)nn_arena_alloc(ar, planes * op);
        maxpool_run(p, x, n, c, h, w, NULL, tmp);
        idx = tmp;
    }
    memset(dx, 0, planes * h * w * sizeof *dx);
    for (size_t pl = 0; pl < planes; pl++) {
        float *dxp = dx + pl * h * w;
        for (size_t o = 0; o < op; o++) {
            int i = idx[pl * op + o];
            if (i >= 0) dxp[i] += dy[pl * op + o];   /* overlapping windows may share a max */
        }
    }
    nn_arena_release(ar, mark);
}

void nn_avgpool2d_forward(const nn_avgpool2d *p, const float *x, int n, int c, int h, int w, float *y)
{
    int ho, wo;
    nn_pool2d_out_hw(p, h, w, &ho, &wo);
    /* count_include_pad: in floor mode no window reaches past the padding,
     * so PyTorch's divisor is the full kernel area for every window. */
    float inv = 1.0f / (float)(p->kh * p->kw);
    size_t planes = (size_t)n * c;
    for (size_t pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * h * w;
        float *yp = y + pl * ho * wo;
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++) {
                pool_win win = pool_window(p, oh, ow, h, w);
                float s = 0;
                for (int ih = win.h0; ih < win.h1; ih++)
                    for (int iw = win.w0; iw < win.w1; iw++) s += xp[ih * w + iw];
                yp[oh * wo + ow] = s * inv;
            }
    }
}

void nn_avgpool2d_backward(const nn_avgpool2d *p, int n, int c, int h, int w, const float *dy, float *dx)
{
    int ho, wo;
    nn_pool2d_out_hw(p, h, w, &ho, &wo);
    float inv = 1.0f / (float)(p->kh * p->kw);
    size_t planes = (size_t)n * c;
    memset(dx, 0, planes * h * w * sizeof *dx);
    for (size_t pl = 0; pl < planes; pl++) {
        const float *dyp = dy + pl * ho * wo;
        float *dxp = dx + pl * h * w;
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++) {
                pool_win win = pool_window(p, oh, ow, h, w);
                float g = dyp[oh * wo + ow] * inv;
                for (int ih = win.h0; ih < win.h1; ih++)
                    for (int iw = win.w0; iw < win.w1; iw++) dxp[ih * w + iw] += g;
            }
    }
}
