/*
 * size_kern.c -- vectorised activations, exp, softmax, modulated layer
 * norm, gated residual and small-sequence attention of the sizing models
 * (size_kern.h).
 *
 * Every kernel is written once, on vectors of 8 floats (GCC/Clang vector
 * extensions), as an always-inlined body.  Each public function compiles
 * that body twice on x86-64: for the baseline ISA (SSE2: the compiler
 * splits a vector into two halves) and with target("avx2") (one 256-bit
 * register), and picks the AVX2 copy when the CPU has it.  Both copies do
 * the same IEEE operations lane by lane (no FMA contraction: the avx2
 * target has none), so results are bit-identical on every x86-64.  Tails
 * shorter than a vector go through the same vector code on a padded copy,
 * so a value's result does not depend on where in an array it sits.
 */
#include "size_kern.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if !defined(__GNUC__) && !defined(__clang__)
#error "size_kern.c needs GCC or Clang vector extensions"
#endif
/* 32-byte vectors passed between functions would change the ABI without
   AVX; every function here that takes one is always inlined, so no call
   ever passes one (GCC and Clang both name the warning -Wpsabi). */
#pragma GCC diagnostic ignored "-Wpsabi"

#define W 8
typedef float vf __attribute__((vector_size(4 * W)));
typedef int32_t vi __attribute__((vector_size(4 * W)));
#define INL static inline __attribute__((always_inline))

INL vf splat(float c)
{
    return (vf){c, c, c, c, c, c, c, c};
}

INL vf vload(const float *p)
{
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}

INL void vstore(float *p, vf v)
{
    memcpy(p, &v, sizeof v);
}

/* m ? a : b lane by lane (m from a vector comparison: all ones or zero). */
INL vf vsel(vi m, vf a, vf b)
{
    return (vf)((m & (vi)a) | (~m & (vi)b));
}

INL float hsum(vf v)
{
    return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

/* exp(x), x clamped to [-87, 88]: x = k ln2 + r, |r| <= ln2/2 (ln 2 split
 * in two, Cody-Waite), e^r by Cephes' expf polynomial, 2^k built in the
 * exponent bits. */
INL vf vexp(vf x)
{
    x = vsel(x < splat(-87.0f), splat(-87.0f), x);
    x = vsel(x > splat(88.0f), splat(88.0f), x);
    /* round to nearest by the 1.5 * 2^23 trick (|x log2 e| < 2^22) */
    vf k = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    k = vsel(k == k, k, splat(0.0f));   /* NaN: no float-to-int conversion of it (the result stays NaN) */
    vf r = x - k * 0.693359375f + k * 2.12194440e-4f;
    vf p = r * 1.9875691500e-4f + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    vi e = (__builtin_convertvector(k, vi) + 127) << 23;
    return p * (vf)e;
}

/* erf(z) by Abramowitz & Stegun 7.1.26 on |z|, the sign restored. */
INL vf verf(vf z)
{
    vi neg = z < splat(0.0f);
    vf a = vsel(neg, -z, z);
    vf t = 1.0f / (1.0f + 0.3275911f * a);
    vf p = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
    vf y = 1.0f - p * vexp(-a * a);
    return vsel(neg, -y, y);
}

INL vf silu4(vf x)
{
    return x / (1.0f + vexp(-x));
}

INL vf silu_grad4(vf x)
{
    vf s = 1.0f / (1.0f + vexp(-x));
    return s * (1.0f + x * (1.0f - s));
}

INL vf gelu4(vf x)
{
    return 0.5f * x * (1.0f + verf(x * 0.70710678118654752f));
}

INL vf gelu_grad4(vf x)
{
    /* Phi(x) + x phi(x) */
    return 0.5f * (1.0f + verf(x * 0.70710678118654752f)) + x * 0.39894228040143268f * vexp(-0.5f * x * x);
}

/* ---------------------------------------------------------------- bodies */

/* y = F(x) over n values, F a vector function. */
#define MAP_BODY(F, x, n, y)                                     \
    do {                                                         \
        size_t i_ = 0;                                           \
        for (; i_ + W <= (n); i_ += W) vstore((y) + i_, F(vload((x) + i_))); \
        if (i_ < (n)) {                                          \
            float t_[W] = {0};                                   \
            memcpy(t_, (x) + i_, ((n) - i_) * sizeof *t_);        \
            vstore(t_, F(vload(t_)));                            \
            memcpy((y) + i_, t_, ((n) - i_) * sizeof *t_);        \
        }                                                        \
    } while (0)

INL void act_fwd_body(nn_act a, const float *x, size_t n, float *y)
{
    if (a == NN_SILU) MAP_BODY(silu4, x, n, y);
    else MAP_BODY(gelu4, x, n, y);
}

/* dx = dy * G(x), G the derivative's vector function. */
#define GRAD_BODY(G, x, dy, n, dx)                                            \
    do {                                                                      \
        size_t i_ = 0;                                                        \
        for (; i_ + W <= (n); i_ += W) vstore((dx) + i_, vload((dy) + i_) * G(vload((x) + i_))); \
        if (i_ < (n)) {                                                       \
            float t_[W] = {0};                                                \
            memcpy(t_, (x) + i_, ((n) - i_) * sizeof *t_);                     \
            vstore(t_, G(vload(t_)));                                         \
            for (size_t k_ = i_; k_ < (n); k_++) (dx)[k_] = (dy)[k_] * t_[k_ - i_]; \
        }                                                                     \
    } while (0)

INL void act_bwd_body(nn_act a, const float *x, const float *dy, size_t n, float *dx)
{
    if (a == NN_SILU) GRAD_BODY(silu_grad4, x, dy, n, dx);
    else GRAD_BODY(gelu_grad4, x, dy, n, dx);
}

INL void exp_body(float *x, size_t n)
{
    MAP_BODY(vexp, x, n, x);
}

INL float sum_body(const float *x, int d)
{
    vf acc = splat(0.0f);
    int i = 0;
    for (; i + W <= d; i += W) acc += vload(x + i);
    float s = hsum(acc);
    for (; i < d; i++) s += x[i];
    return s;
}

INL float sumsq_dev_body(const float *x, int d, float mean)
{
    vf acc = splat(0.0f), m = splat(mean);
    int i = 0;
    for (; i + W <= d; i += W) {
        vf e = vload(x + i) - m;
        acc += e * e;
    }
    float s = hsum(acc);
    for (; i < d; i++) s += (x[i] - mean) * (x[i] - mean);
    return s;
}

INL void modulate_body(const float *x, int rows, int d, const float *shift, const float *scale, float eps, float *y)
{
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * d;
        float *yr = y + (size_t)r * d;
        float mean = sum_body(xr, d) / (float)d;
        float rstd = 1.0f / sqrtf(sumsq_dev_body(xr, d, mean) / (float)d + eps);
        int i = 0;
        for (; i + W <= d; i += W)
            vstore(yr + i, (vload(xr + i) - mean) * rstd * (1.0f + vload(scale + i)) + vload(shift + i));
        for (; i < d; i++) yr[i] = (xr[i] - mean) * rstd * (1.0f + scale[i]) + shift[i];
    }
}

INL void gate_add_body(float *h, const float *y, const float *gate, int rows, int d)
{
    for (int r = 0; r < rows; r++) {
        float *hr = h + (size_t)r * d;
        const float *yr = y + (size_t)r * d;
        int i = 0;
        for (; i + W <= d; i += W) vstore(hr + i, vload(hr + i) + vload(gate + i) * vload(yr + i));
        for (; i < d; i++) hr[i] += gate[i] * yr[i];
    }
}

INL void axpy_body(float *y, float s, const float *x, int n)
{
    int i = 0;
    for (; i + W <= n; i += W) vstore(y + i, vload(y + i) + s * vload(x + i));
    for (; i < n; i++) y[i] += s * x[i];
}

/* One sample's one head: T queries against T keys, scores along a row of
 * tp = T rounded up to W (the keys transposed into kt [dh][tp], zero
 * beyond T), so a score row is dh vector updates, with no horizontal
 * sums; padded scores get probability 0. */
INL void head_body(const float *q0, const float *k0, const float *v0, int ld, int T, int dh, float scale, float *o0,
                   int ldo, float *kt, float *p)
{
    int tp = (T + W - 1) / W * W;
    for (int c = 0; c < dh; c++) {
        for (int k = 0; k < T; k++) kt[(size_t)c * tp + k] = k0[(size_t)k * ld + c];
        for (int k = T; k < tp; k++) kt[(size_t)c * tp + k] = 0.0f;
    }
    for (int i = 0; i < T; i++) {
        const float *q = q0 + (size_t)i * ld;
        for (int k = 0; k < tp; k += W) {
            vf acc = splat(0.0f);
            for (int c = 0; c < dh; c++) acc += q[c] * vload(kt + (size_t)c * tp + k);
            vstore(p + k, acc * scale);
        }
        float mx = p[0], s = 0;
        for (int k = 1; k < T; k++) mx = p[k] > mx ? p[k] : mx;
        for (int k = 0; k < tp; k += W) vstore(p + k, vexp(vload(p + k) - mx));
        for (int k = 0; k < T; k++) s += p[k];
        float inv = 1.0f / s, *oi = o0 + (size_t)i * ldo;
        memset(oi, 0, sizeof(float) * (size_t)dh);
        for (int k = 0; k < T; k++) axpy_body(oi, p[k] * inv, v0 + (size_t)k * ld, dh);
    }
}

INL void attention_body(const float *qkv, int n, int T, int e, int heads, float *o, float *work)
{
    int dh = e / heads, tp = (T + W - 1) / W * W, e3 = 3 * e;
    float scale = (float)(1.0 / sqrt((double)dh)), *kt = work, *p = work + (size_t)dh * tp;
    for (int s = 0; s < n; s++) {
        const float *base = qkv + (size_t)s * T * e3;
        for (int j = 0; j < heads; j++) {
            const float *q = base + (size_t)j * dh;
            head_body(q, q + e, q + 2 * e, e3, T, dh, scale, o + (size_t)s * T * e + (size_t)j * dh, e, kt, p);
        }
    }
}

/* ---------------------------------------------------------------- two copies, one choice */

#define KERNELS(SFX, ATTR)                                                                                   \
    ATTR static void act_fwd_##SFX(nn_act a, const float *x, size_t n, float *y)                             \
    {                                                                                                        \
        act_fwd_body(a, x, n, y);                                                                            \
    }                                                                                                        \
    ATTR static void act_bwd_##SFX(nn_act a, const float *x, const float *dy, size_t n, float *dx)           \
    {                                                                                                        \
        act_bwd_body(a, x, dy, n, dx);                                                                       \
    }                                                                                                        \
    ATTR static void exp_##SFX(float *x, size_t n)                                                           \
    {                                                                                                        \
        exp_body(x, n);                                                                                      \
    }                                                                                                        \
    ATTR static void modulate_##SFX(const float *x, int rows, int d, const float *shift, const float *scale, \
                                    float eps, float *y)                                                     \
    {                                                                                                        \
        modulate_body(x, rows, d, shift, scale, eps, y);                                                     \
    }                                                                                                        \
    ATTR static void gate_add_##SFX(float *h, const float *y, const float *gate, int rows, int d)            \
    {                                                                                                        \
        gate_add_body(h, y, gate, rows, d);                                                                  \
    }                                                                                                        \
    ATTR static void attention_##SFX(const float *qkv, int n, int T, int e, int heads, float *o, float *work) \
    {                                                                                                        \
        attention_body(qkv, n, T, e, heads, o, work);                                                        \
    }

KERNELS(base, )
#if defined(__x86_64__)
KERNELS(avx2, __attribute__((target("avx2"))))
#define AVX2() __builtin_cpu_supports("avx2")
#else
#define AVX2() 0
#define act_fwd_avx2 act_fwd_base
#define act_bwd_avx2 act_bwd_base
#define exp_avx2 exp_base
#define modulate_avx2 modulate_base
#define gate_add_avx2 gate_add_base
#define attention_avx2 attention_base
#endif

/* ---------------------------------------------------------------- the interface */

void size_act_forward(nn_act a, const float *x, size_t n, float *y)
{
    if (a != NN_SILU && a != NN_GELU) nn_act_forward(a, x, n, y);
    else if (AVX2()) act_fwd_avx2(a, x, n, y);
    else act_fwd_base(a, x, n, y);
}

void size_act_backward(nn_act a, const float *x, const float *y, const float *dy, size_t n, float *dx)
{
    if (a != NN_SILU && a != NN_GELU) nn_act_backward(a, x, y, dy, n, dx);
    else if (AVX2()) act_bwd_avx2(a, x, dy, n, dx);
    else act_bwd_base(a, x, dy, n, dx);
}

void size_exp_inplace(float *x, size_t n)
{
    if (AVX2()) exp_avx2(x, n);
    else exp_base(x, n);
}

void size_modulate_rows(const float *x, int rows, int d, const float *shift, const float *scale, float eps, float *y)
{
    if (AVX2()) modulate_avx2(x, rows, d, shift, scale, eps, y);
    else modulate_base(x, rows, d, shift, scale, eps, y);
}

void size_gate_add_rows(float *h, const float *y, const float *gate, int rows, int d)
{
    if (AVX2()) gate_add_avx2(h, y, gate, rows, d);
    else gate_add_base(h, y, gate, rows, d);
}

size_t size_attention_work(int T, int e, int heads)
{
    size_t tp = (size_t)(T + W - 1) / W * W;
    return (size_t)(e / heads) * tp + tp;
}

void size_attention(const float *qkv, int n, int T, int e, int heads, float *o, float *work)
{
    if (AVX2()) attention_avx2(qkv, n, T, e, heads, o, work);
    else attention_base(qkv, n, T, e, heads, o, work);
}
