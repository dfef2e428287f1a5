/*
 * nn_conv.c -- 2-D convolution by im2col + cblas_sgemm (direct loops when
 * depthwise), nearest-neighbour upsampling, max and average pooling (see
 * nn_conv.h).
 *
 * Owns the im2col/col2im lowering.  For one batch item and one group the
 * input planes become a [Cin/g * KH * KW][Ho * Wo] column matrix, so the
 * convolution is a GEMM with the group's [Cout/g][Cin/g * KH * KW] weight
 * block, and both gradients are GEMMs too.  The column matrix is never
 * built whole: it is made a tile of output rows at a time (tile_rows), a
 * tile small enough to stay in cache between im2col writing it and the
 * GEMM reading it.  At stride 1 and Cout <= Cin, dx is the convolution
 * of dy with the flipped kernel (conv_lower_dx), lowered the same way,
 * instead of a dcol GEMM and col2im's scatter-add; other layers keep
 * col2im, tiled too.  Column
 * tiles are arena scratch, sized once per call and reused across tiles,
 * items and groups; results match the untiled lowering up to float
 * rounding (the GEMMs sum in a different order).
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

/* The sizes of a layer's GEMMs, per group. */
typedef struct conv_geom {
    int h, w, ho, wo;
    int cg, coutg;            /* input / output channels per group */
    int kdim;                 /* cg * kh * kw: GEMM inner dimension */
    int p;                    /* ho * wo: output plane */
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

/* One im2col lowering: ch planes of h x w read by a kh x kw kernel give
 * ho x wo outputs.  The forward pass lowers x with the layer's own
 * kernel; the backward pass of a stride-1 layer lowers dy with the
 * transposed kernel to get dx (see conv_lower_dx). */
typedef struct conv_lower {
    int ch, h, w, ho, wo;
    int kh, kw, sh, sw, ph, pw, dh, dw;
} conv_lower;

static conv_lower conv_lower_x(const nn_conv2d *c, const conv_geom *g)
{
    conv_lower l = {g->cg, g->h, g->w, g->ho, g->wo, c->kh, c->kw, c->stride_h, c->stride_w,
                    c->pad_h, c->pad_w, c->dil_h, c->dil_w};
    return l;
}

/* At stride 1, dx[ih][iw] = sum over taps (ki, kj) of
 * W[ki][kj] dy[ih + pad - ki dil][iw + pad - kj dil], which is a
 * convolution of dy with the kernel flipped on both axes and padding
 * dil (k - 1) - pad; its output is h x w again.  Lowering that (im2col of
 * dy, one GEMM) writes each dx element once, instead of col2im's
 * scatter-add of a [kdim][p] matrix nine times the size of dx.  But it
 * lowers dy, Cout/g channels, where col2im's route builds Cin/g channels'
 * worth of dcol, so it pays only when Cout <= Cin (measured: 16->16 and
 * 32->32 faster, 8->16 and 21->32 slower).  Returns 0 when col2im is
 * the better route or the only one (stride > 1, padding past the
 * kernel's reach). */
static int conv_lower_dx(const nn_conv2d *c, const conv_geom *g, conv_lower *l)
{
    int ph = c->dil_h * (c->kh - 1) - c->pad_h, pw = c->dil_w * (c->kw - 1) - c->pad_w;
    if (c->stride_h != 1 || c->stride_w != 1 || ph < 0 || pw < 0 || g->coutg > g->cg) return 0;
    conv_lower t = {g->coutg, g->ho, g->wo, g->h, g->w, c->kh, c->kw, 1, 1, ph, pw, c->dil_h, c->dil_w};
    *l = t;
    return 1;
}

/* A 1x1, stride-1, unpadded kernel reads each input pixel once in output
 * order: the input planes already are the column matrix, no copy needed. */
static int lower_is_identity(const conv_lower *l)
{
    return l->kh == 1 && l->kw == 1 && l->sh == 1 && l->sw == 1 && l->ph == 0 && l->pw == 0;
}

static int lower_kdim(const conv_lower *l)
{
    return l->ch * l->kh * l->kw;
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

/* The output rows [oh0, oh1) of the column matrix:
 * col[(ci, ki, kj)][(oh - oh0) * wo + ow] = src[ci][ih][iw], zero where
 * (ih, iw) falls in the padding.  Every element is written, so col can be
 * reused without clearing. */
static void im2col_rows(const conv_lower *l, const float *src, int oh0, int oh1, float *col)
{
    size_t cols = (size_t)(oh1 - oh0) * l->wo;
    float *row = col;
    for (int ci = 0; ci < l->ch; ci++) {
        const float *plane = src + (size_t)ci * l->h * l->w;
        for (int ki = 0; ki < l->kh; ki++) {
            for (int kj = 0; kj < l->kw; kj++, row += cols) {
                int woff = kj * l->dw - l->pw, lo, hi;
                valid_range(woff, l->sw, l->wo, l->w, &lo, &hi);
                for (int oh = oh0; oh < oh1; oh++) {
                    float *r = row + (size_t)(oh - oh0) * l->wo;
                    int ih = oh * l->sh - l->ph + ki * l->dh;
                    if (ih < 0 || ih >= l->h) {
                        memset(r, 0, (size_t)l->wo * sizeof *r);
                        continue;
                    }
                    /* Index rather than offset the pointer: woff may be
                     * negative and a pointer before the array is UB. */
                    const float *s = plane + (size_t)ih * l->w;
                    for (int ow = 0; ow < lo; ow++) r[ow] = 0;
                    if (l->sw == 1) memcpy(r + lo, s + lo + woff, (size_t)(hi - lo) * sizeof *r);
                    else
                        for (int ow = lo; ow < hi; ow++) r[ow] = s[ow * l->sw + woff];
                    for (int ow = hi; ow < l->wo; ow++) r[ow] = 0;
                }
            }
        }
    }
}

/* The adjoint of im2col_rows: adds each column entry of rows [oh0, oh1)
 * back onto the pixel it was copied from (overlapping windows sum);
 * padding entries vanish. */
static void col2im_rows(const conv_lower *l, const float *col, int oh0, int oh1, float *dst)
{
    size_t cols = (size_t)(oh1 - oh0) * l->wo;
    const float *row = col;
    for (int ci = 0; ci < l->ch; ci++) {
        float *plane = dst + (size_t)ci * l->h * l->w;
        for (int ki = 0; ki < l->kh; ki++) {
            for (int kj = 0; kj < l->kw; kj++, row += cols) {
                int woff = kj * l->dw - l->pw, lo, hi;
                valid_range(woff, l->sw, l->wo, l->w, &lo, &hi);
                for (int oh = oh0; oh < oh1; oh++) {
                    int ih = oh * l->sh - l->ph + ki * l->dh;
                    if (ih < 0 || ih >= l->h) continue;
                    const float *r = row + (size_t)(oh - oh0) * l->wo;
                    float *d = plane + (size_t)ih * l->w;
                    for (int ow = lo; ow < hi; ow++) d[ow * l->sw + woff] += r[ow];
                }
            }
        }
    }
}

/* Output rows per column tile.  One image's whole column matrix is
 * kdim * ho * wo floats -- 9 MB for 16 channels at 128^2 -- so building
 * it all and then multiplying streams it through memory twice, and the
 * GEMM runs at memory speed.  A tile of about COL_TILE_FLOATS (1 MB, one
 * core's L2) is still in cache when the GEMM reads it, and still wide
 * enough (hundreds to thousands of columns) for OpenBLAS to split between
 * threads; smaller tiles measured no faster on one thread and slower on
 * two.  Whole output rows keep im2col's copies long. */
#define COL_TILE_FLOATS (256 * 1024)

static int tile_rows(const conv_lower *l)
{
    if (lower_is_identity(l)) return l->ho;   /* nothing is copied */
    long per_row = (long)lower_kdim(l) * l->wo;
    long r = COL_TILE_FLOATS / (per_row > 0 ? per_row : 1);
    return r < 1 ? 1 : r > l->ho ? l->ho : (int)r;
}

/* The column matrix of output rows [oh0, oh1) of src: src itself for an
 * identity lowering (leading dimension ho * wo), else built in col. */
static const float *lower_rows(const conv_lower *l, const float *src, int oh0, int oh1, float *col, int *ld)
{
    if (lower_is_identity(l)) {
        *ld = l->ho * l->wo;
        return src + (size_t)oh0 * l->wo;
    }
    *ld = (oh1 - oh0) * l->wo;
    im2col_rows(l, src, oh0, oh1, col);
    return col;
}

/* Column scratch for the tiles of l (NULL when lowering copies nothing). */
static float *col_scratch(const conv_lower *l, nn_arena *ar)
{
    if (lower_is_identity(l)) return NULL;
    return nn_arena_alloc(ar, (size_t)lower_kdim(l) * tile_rows(l) * l->wo);
}

/* db[o] += sum of dy[o][0 .. cols) for o < coutg, rows ld apart; summed in
 * double because a plane can hold thousands of terms. */
static void conv_bias_grad(float *db, const float *dyg, int coutg, int cols, int ld)
{
    for (int o = 0; o < coutg; o++) {
        const float *r = dyg + (size_t)o * ld;
        double s = 0;
        for (int i = 0; i < cols; i++) s += r[i];
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
 * leaves them scalar, so GCC compiles these few functions at -O3.  On
 * x86-64 Linux it also builds an AVX2/FMA copy of each (x86-64-v3), which
 * the loader picks when the CPU has them: twice the lanes of the SSE2
 * baseline the build otherwise targets (measured 1.5-1.6x on bench_nn's
 * MixConv rows). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define DW_FAST __attribute__((optimize("O3"), target_clones("arch=x86-64-v3", "default")))
#elif defined(__GNUC__) && !defined(__clang__)
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
 * row is one full-width unit-stride run, with no range clipping.  Work is
 * then register-blocked: a pass holds DW_RUN outputs of one row in
 * registers across all of the kernel's taps and stores them once, so a
 * multiply-add costs one load (the tap-by-tap order costs two loads and a
 * store).  dx is the same pass over a zero-bordered dy with the kernel
 * flipped (as conv_lower_dx), so it too writes each element once; dW holds
 * four taps' sums in registers and reads each dy vector once for them. */
static int dw_padded(const nn_conv2d *c)
{
    return c->stride_h == 1 && c->stride_w == 1;
}

enum { DW_RUN = 32, DW_LANES = 8, DW_TAPS = 4 };

/* A zero-bordered copy of a plane: rows hp of pitch wp, the plane at
 * (top, left).  DW_RUN floats of zero slack follow the last row: a pass at
 * the end of a row reads up to DW_RUN - 1 floats past it. */
typedef struct dw_border {
    int top, left, hp, wp;
} dw_border;

static dw_border dw_border_of(int h, int w, int top, int left, int bottom, int right)
{
    dw_border b = {top, left, h + top + bottom, w + left + right};
    return b;
}

static size_t dw_border_floats(dw_border b)
{
    return (size_t)b.hp * b.wp + DW_RUN;
}

static void dw_border_fill(dw_border b, const float *x, int h, int w, float *xp)
{
    memset(xp, 0, sizeof *xp * dw_border_floats(b));
    for (int i = 0; i < h; i++)
        memcpy(xp + (size_t)(i + b.top) * b.wp + b.left, x + (size_t)i * w, sizeof *x * (size_t)w);
}

/* The taps of one kernel on a bordered plane: kh x kw, dilation dh, dw. */
typedef struct dw_taps {
    int kh, kw, dh, dw;
} dw_taps;

/* dst[0 .. n) = bias + sum over taps of wk[tap] * the tap's input run,
 * src the top-left tap's input for dst[0]; n <= DW_RUN. */
DW_FAST static void dw_pass(const float *src, int wp, dw_taps t, const float *wk, float bias, int n, float *dst)
{
    float acc[DW_RUN];
    for (int k = 0; k < DW_RUN; k++) acc[k] = bias;
    for (int ki = 0; ki < t.kh; ki++) {
        const float *row = src + (size_t)ki * t.dh * wp;
        for (int kj = 0; kj < t.kw; kj++) {
            float wv = wk[ki * t.kw + kj];
            const float *s = row + (size_t)kj * t.dw;
            for (int k = 0; k < DW_RUN; k++) acc[k] += wv * s[k];
        }
    }
    memcpy(dst, acc, sizeof *dst * (size_t)n);
}

/* y (ho x wo) = the taps' correlation of the bordered plane xp, + bias. */
static void dw_correlate(const float *xp, dw_border b, dw_taps t, const float *wk, float bias, int ho, int wo, float *y)
{
    for (int oh = 0; oh < ho; oh++)
        for (int ow = 0; ow < wo; ow += DW_RUN)
            dw_pass(xp + (size_t)oh * b.wp + ow, b.wp, t, wk, bias, wo - ow < DW_RUN ? wo - ow : DW_RUN,
                    y + (size_t)oh * wo + ow);
}

/* Float partial sums of dW are flushed to double every DW_FLUSH rows: a
 * plane can hold thousands of terms per lane. */
enum { DW_FLUSH = 16 };

/* sums[j] += dy . (the input run of tap j) over output rows [oh0, oh1),
 * src the input for dy[oh0][0] under tap 0, taps dw apart along the row,
 * j < nt <= DW_TAPS; DW_LANES float partial sums per tap, the tail in
 * double. */
DW_FAST static void dw_rows_dots(const float *dy, const float *src, int wp, int dw, int nt, int oh0, int oh1,
                                 int wo, double *sums)
{
    float acc[DW_TAPS][DW_LANES] = {{0}};
    int body = wo - wo % DW_LANES;
    for (int oh = oh0; oh < oh1; oh++) {
        const float *d = dy + (size_t)oh * wo, *row = src + (size_t)(oh - oh0) * wp;
        for (int ow = 0; ow < body; ow += DW_LANES)
            for (int j = 0; j < nt; j++)
                for (int k = 0; k < DW_LANES; k++) acc[j][k] += d[ow + k] * row[(size_t)j * dw + ow + k];
        for (int j = 0; j < nt; j++)
            for (int ow = body; ow < wo; ow++) sums[j] += (double)d[ow] * row[(size_t)j * dw + ow];
    }
    for (int j = 0; j < nt; j++)
        for (int k = 0; k < DW_LANES; k++) sums[j] += acc[j][k];
}

/* dwk[tap] += sum over the output plane of dy * the tap's input. */
static void dw_weight_grad(const float *xp, dw_border b, dw_taps t, const float *dy, int ho, int wo, float *dwk)
{
    for (int ki = 0; ki < t.kh; ki++)
        for (int kj0 = 0; kj0 < t.kw; kj0 += DW_TAPS) {
            int nt = t.kw - kj0 < DW_TAPS ? t.kw - kj0 : DW_TAPS;
            double sums[DW_TAPS] = {0};
            for (int oh = 0; oh < ho; oh += DW_FLUSH)
                dw_rows_dots(dy, xp + (size_t)(oh + ki * t.dh) * b.wp + (size_t)kj0 * t.dw, b.wp, t.dw, nt, oh,
                             oh + DW_FLUSH < ho ? oh + DW_FLUSH : ho, wo, sums);
            for (int j = 0; j < nt; j++) dwk[ki * t.kw + kj0 + j] += (float)sums[j];
        }
}

static dw_taps dw_taps_of(const nn_conv2d *c)
{
    dw_taps t = {c->kh, c->kw, c->dil_h, c->dil_w};
    return t;
}

static dw_border dw_x_border(const nn_conv2d *c, const conv_geom *g)
{
    return dw_border_of(g->h, g->w, c->pad_h, c->pad_w, c->pad_h, c->pad_w);
}

/* dy bordered for dx by the flipped kernel: dil (k - 1) - pad on each
 * side.  Returns 0 when the padding reaches past the kernel (that border
 * would be negative). */
static int dw_dy_border(const nn_conv2d *c, const conv_geom *g, dw_border *b)
{
    int bh = c->dil_h * (c->kh - 1) - c->pad_h, bw = c->dil_w * (c->kw - 1) - c->pad_w;
    if (bh < 0 || bw < 0) return 0;
    *b = dw_border_of(g->ho, g->wo, bh, bw, bh, bw);
    return 1;
}

static void dw_forward(const nn_conv2d *c, const conv_geom *g, const float *x, int n, float *y, nn_arena *ar)
{
    int taps = c->kh * c->kw;
    dw_border bx = dw_x_border(c, g);
    size_t mark = nn_arena_mark(ar);
    float *xp = dw_padded(c) ? nn_arena_alloc(ar, dw_border_floats(bx)) : NULL;
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c->cout; ch++) {
            size_t plane = (size_t)b * c->cout + ch;
            const float *xc = x + plane * g->h * g->w, *wk = c->weight->w + (size_t)ch * taps;
            float bias = c->bias ? c->bias->w[ch] : 0.0f;
            if (xp) {
                dw_border_fill(bx, xc, g->h, g->w, xp);
                dw_correlate(xp, bx, dw_taps_of(c), wk, bias, g->ho, g->wo, y + plane * g->p);
            } else dw_forward_plane(c, g, xc, wk, bias, y + plane * g->p);
        }
    nn_arena_release(ar, mark);
}

/* One channel's backward pass at stride 1: dW from the bordered x, and dx
 * (written whole) from the bordered dy and the flipped kernel. */
static void dw_backward_channel(const nn_conv2d *c, const conv_geom *g, const float *xc, const float *dyc,
                                const float *wk, float *dwk, float *dxc, float *xp, float *dyp, float *wflip)
{
    int taps = c->kh * c->kw;
    dw_border bx = dw_x_border(c, g), bd;
    dw_border_fill(bx, xc, g->h, g->w, xp);
    dw_weight_grad(xp, bx, dw_taps_of(c), dyc, g->ho, g->wo, dwk);
    if (!dxc) return;
    dw_dy_border(c, g, &bd);
    dw_border_fill(bd, dyc, g->ho, g->wo, dyp);
    for (int k = 0; k < taps; k++) wflip[k] = wk[taps - 1 - k];
    dw_correlate(dyp, bd, dw_taps_of(c), wflip, 0.0f, g->h, g->w, dxc);
}

/* dx arrives zeroed (nn_conv2d_backward). */
static void dw_backward(const nn_conv2d *c, const conv_geom *g, const float *x, int n, const float *dy, float *dx,
                        nn_arena *ar)
{
    int taps = c->kh * c->kw;
    dw_border bd;
    int fast = dw_padded(c) && dw_dy_border(c, g, &bd);
    size_t mark = nn_arena_mark(ar);
    float *xp = fast ? nn_arena_alloc(ar, dw_border_floats(dw_x_border(c, g))) : NULL;
    float *dyp = fast && dx ? nn_arena_alloc(ar, dw_border_floats(bd)) : NULL;
    float *wflip = fast && dx ? nn_arena_alloc(ar, (size_t)taps) : NULL;
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c->cout; ch++) {
            size_t plane = (size_t)b * c->cout + ch;
            const float *dyc = dy + plane * g->p, *xc = x + plane * g->h * g->w, *wk = c->weight->w + (size_t)ch * taps;
            float *dwk = c->weight->g + (size_t)ch * taps, *dxc = dx ? dx + plane * g->h * g->w : NULL;
            if (fast) dw_backward_channel(c, g, xc, dyc, wk, dwk, dxc, xp, dyp, wflip);
            else dw_backward_plane(c, g, xc, wk, dyc, dwk, dxc);
            if (c->bias) conv_bias_grad(c->bias->g + ch, dyc, 1, g->p, g->p);
        }
    nn_arena_release(ar, mark);
}

/* ---------------------------------------------------------------- conv2d: passes */

/* y rows [oh0, oh1) of one (item, group): GEMM on the tile's columns,
 * then the bias while the tile is still in cache. */
static void fwd_tile(const nn_conv2d *c, const conv_geom *g, const conv_lower *l, int gi, const float *xg,
                     float *yg, int oh0, int oh1, float *col)
{
    int ld, cols = (oh1 - oh0) * g->wo;
    const float *wg = c->weight->w + (size_t)gi * g->coutg * g->kdim;
    const float *b = lower_rows(l, xg, oh0, oh1, col, &ld);
    float *yt = yg + (size_t)oh0 * g->wo;
    /* yt[coutg][cols] = wg[coutg][kdim] . col[kdim][cols], rows p apart */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->coutg, cols, g->kdim, 1.0f, wg, g->kdim, b, ld,
                0.0f, yt, g->p);
    if (!c->bias) return;
    for (int o = 0; o < g->coutg; o++) {
        float bv = c->bias->w[gi * g->coutg + o], *r = yt + (size_t)o * g->p;
        for (int i = 0; i < cols; i++) r[i] += bv;
    }
}

void nn_conv2d_forward(const nn_conv2d *c, const float *x, int n, int h, int w, float *y, nn_arena *ar)
{
    conv_geom g = conv_geometry(c, h, w);
    if (n <= 0 || g.p == 0) return;
    if (conv_is_depthwise(c)) {
        dw_forward(c, &g, x, n, y, ar);
        return;
    }
    size_t mark = nn_arena_mark(ar);
    conv_lower l = conv_lower_x(c, &g);
    int rt = tile_rows(&l);
    float *col = col_scratch(&l, ar);
    for (int b = 0; b < n; b++)
        for (int gi = 0; gi < c->groups; gi++) {
            const float *xg = x + ((size_t)b * c->cin + (size_t)gi * g.cg) * h * w;
            float *yg = y + ((size_t)b * c->cout + (size_t)gi * g.coutg) * g.p;
            for (int oh0 = 0; oh0 < g.ho; oh0 += rt)
                fwd_tile(c, &g, &l, gi, xg, yg, oh0, oh0 + rt < g.ho ? oh0 + rt : g.ho, col);
        }
    nn_arena_release(ar, mark);
}

/* The weights of the transposed convolution conv_lower_dx runs, per group
 * [cg][coutg][kh][kw]: wt[ci][co][ki][kj] = W[co][ci][kh-1-ki][kw-1-kj]. */
static float *flipped_weights(const nn_conv2d *c, const conv_geom *g, nn_arena *ar)
{
    int kk = c->kh * c->kw;
    float *wt = nn_arena_alloc(ar, c->weight->n);
    for (int gi = 0; gi < c->groups; gi++)
        for (int co = 0; co < g->coutg; co++)
            for (int ci = 0; ci < g->cg; ci++) {
                const float *src = c->weight->w + ((size_t)(gi * g->coutg + co) * g->cg + ci) * kk;
                float *dst = wt + ((size_t)(gi * g->cg + ci) * g->coutg + co) * kk;
                for (int t = 0; t < kk; t++) dst[t] = src[kk - 1 - t];
            }
    return wt;
}

/* dW, db and -- when dcol is given, the col2im route -- dx of output rows
 * [oh0, oh1) of one (item, group). */
static void bwd_tile(const nn_conv2d *c, const conv_geom *g, const conv_lower *l, int gi, const float *xg,
                     const float *dyg, float *dxg, int oh0, int oh1, float *col, float *dcol)
{
    int ld, cols = (oh1 - oh0) * g->wo;
    const float *dyt = dyg + (size_t)oh0 * g->wo;
    const float *b = lower_rows(l, xg, oh0, oh1, col, &ld);
    size_t woff = (size_t)gi * g->coutg * g->kdim;
    /* dW[coutg][kdim] += dy[coutg][cols] . col[kdim][cols]^T */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g->coutg, g->kdim, cols, 1.0f, dyt, g->p, b, ld, 1.0f,
                c->weight->g + woff, g->kdim);
    if (c->bias) conv_bias_grad(c->bias->g + gi * g->coutg, dyt, g->coutg, cols, g->p);
    if (!dxg) return;
    /* dcol[kdim][cols] = W[coutg][kdim]^T . dy[coutg][cols]; an identity
     * lowering's dcol is dx itself (one tile, the whole plane) */
    int id = lower_is_identity(l);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g->kdim, cols, g->coutg, 1.0f, c->weight->w + woff,
                g->kdim, dyt, g->p, 0.0f, id ? dxg : dcol, id ? g->p : cols);
    if (!id) col2im_rows(l, dcol, oh0, oh1, dxg);
}

/* dx rows [ih0, ih1) of one (item, group) as the transposed convolution
 * of dy (conv_lower_dx); overwrites them. */
static void dx_tile(const conv_geom *g, const conv_lower *lt, const float *wtg, const float *dyg, float *dxg,
                    int ih0, int ih1, float *col)
{
    int ld, cols = (ih1 - ih0) * g->w, kd = lower_kdim(lt);
    const float *b = lower_rows(lt, dyg, ih0, ih1, col, &ld);
    /* dx[cg][cols] = wt[cg][coutg kh kw] . col[coutg kh kw][cols] */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->cg, cols, kd, 1.0f, wtg, kd, b, ld, 0.0f,
                dxg + (size_t)ih0 * g->w, g->h * g->w);
}

void nn_conv2d_backward(const nn_conv2d *c, const float *x, int n, int h, int w, const float *dy, float *dx,
                        nn_arena *ar)
{
    conv_geom g = conv_geometry(c, h, w);
    conv_lower l = conv_lower_x(c, &g), lt;
    int transposed = dx && conv_lower_dx(c, &g, &lt);
    /* the transposed route writes every dx element; the others add */
    if (dx && (!transposed || n <= 0 || g.p == 0 || conv_is_depthwise(c)))
        memset(dx, 0, (size_t)n * c->cin * h * w * sizeof *dx);
    if (n <= 0 || g.p == 0) return;
    if (conv_is_depthwise(c)) {
        dw_backward(c, &g, x, n, dy, dx, ar);
        return;
    }
    size_t mark = nn_arena_mark(ar);
    int rt = tile_rows(&l);
    float *col = col_scratch(&l, ar);
    float *dcol = dx && !transposed && !lower_is_identity(&l) ? col_scratch(&l, ar) : NULL;
    float *wt = transposed ? flipped_weights(c, &g, ar) : NULL;
    float *colt = transposed ? col_scratch(&lt, ar) : NULL;
    int rtt = transposed ? tile_rows(&lt) : 0;
    for (int b = 0; b < n; b++)
        for (int gi = 0; gi < c->groups; gi++) {
            const float *xg = x + ((size_t)b * c->cin + (size_t)gi * g.cg) * h * w;
            const float *dyg = dy + ((size_t)b * c->cout + (size_t)gi * g.coutg) * g.p;
            float *dxg = dx ? dx + ((size_t)b * c->cin + (size_t)gi * g.cg) * h * w : NULL;
            for (int oh0 = 0; oh0 < g.ho; oh0 += rt)
                bwd_tile(c, &g, &l, gi, xg, dyg, transposed ? NULL : dxg, oh0, oh0 + rt < g.ho ? oh0 + rt : g.ho,
                         col, dcol);
            if (!transposed) continue;
            const float *wtg = wt + (size_t)gi * g.cg * lower_kdim(&lt);
            for (int ih0 = 0; ih0 < h; ih0 += rtt)
                dx_tile(&g, &lt, wtg, dyg, dxg, ih0, ih0 + rtt < h ? ih0 + rtt : h, colt);
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
