/*
 * size_kern.c -- vectorised activations, exp, softmax and modulated layer
 * norm of the sizing models (size_kern.h).
 *
 * Every kernel runs over blocks of 4 floats as a vector (v4f) and over a
 * tail of fewer than 4 through the same vector code on a padded copy, so
 * a value's result does not depend on where in the array it sits.
 */
#include "size_kern.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
#define V4(c) ((v4f){(c), (c), (c), (c)})
#else
#error "size_kern.c needs GCC or Clang vector extensions"
#endif

static inline v4f load4(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store4(float *p, v4f v)
{
    memcpy(p, &v, sizeof v);
}

/* m ? a : b lane by lane (m from a vector comparison: all ones or zero). */
static inline v4f vsel(v4i m, v4f a, v4f b)
{
    return (v4f)((m & (v4i)a) | (~m & (v4i)b));
}

/* exp(x), x clamped to [-87, 88]: x = k ln2 + r, |r| <= ln2/2, e^r by
 * Cephes' expf polynomial, 2^k built in the exponent bits. */
static inline v4f vexp(v4f x)
{
    x = vsel(x < V4(-87.0f), V4(-87.0f), x);
    x = vsel(x > V4(88.0f), V4(88.0f), x);
    /* round to nearest by the 1.5 * 2^23 trick (|x log2 e| < 2^22) */
    v4f k = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    v4f r = x - k * 0.693359375f + k * 2.12194440e-4f;
    v4f p = r * 1.9875691500e-4f + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    v4i e = (__builtin_convertvector(k, v4i) + 127) << 23;
    return p * (v4f)e;
}

/* erf(z) by Abramowitz & Stegun 7.1.26 on |z|, the sign restored. */
static inline v4f verf(v4f z)
{
    v4i neg = z < V4(0.0f);
    v4f a = vsel(neg, -z, z);
    v4f t = 1.0f / (1.0f + 0.3275911f * a);
    v4f p = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
    v4f y = 1.0f - p * vexp(-a * a);
    return vsel(neg, -y, y);
}

static inline v4f silu4(v4f x)
{
    return x / (1.0f + vexp(-x));
}

static inline v4f silu_grad4(v4f x)
{
    v4f s = 1.0f / (1.0f + vexp(-x));
    return s * (1.0f + x * (1.0f - s));
}

static inline v4f gelu4(v4f x)
{
    return 0.5f * x * (1.0f + verf(x * 0.70710678118654752f));
}

static inline v4f gelu_grad4(v4f x)
{
    /* Phi(x) + x phi(x) */
    return 0.5f * (1.0f + verf(x * 0.70710678118654752f)) + x * 0.39894228040143268f * vexp(-0.5f * x * x);
}

/* ---------------------------------------------------------------- activations */

void size_act_forward(nn_act a, const float *x, size_t n, float *y)
{
    if (a != NN_SILU && a != NN_GELU) {
        nn_act_forward(a, x, n, y);
        return;
    }
    size_t i = 0;
    for (; i + 4 <= n; i += 4) store4(y + i, a == NN_SILU ? silu4(load4(x + i)) : gelu4(load4(x + i)));
    if (i < n) {
        float t[4] = {0, 0, 0, 0};
        memcpy(t, x + i, (n - i) * sizeof *t);
        v4f v = a == NN_SILU ? silu4(load4(t)) : gelu4(load4(t));
        store4(t, v);
        memcpy(y + i, t, (n - i) * sizeof *t);
    }
}

void size_act_backward(nn_act a, const float *x, const float *y, const float *dy, size_t n, float *dx)
{
    if (a != NN_SILU && a != NN_GELU) {
        nn_act_backward(a, x, y, dy, n, dx);
        return;
    }
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f g = a == NN_SILU ? silu_grad4(load4(x + i)) : gelu_grad4(load4(x + i));
        store4(dx + i, load4(dy + i) * g);
    }
    if (i < n) {
        float t[4] = {0, 0, 0, 0};
        memcpy(t, x + i, (n - i) * sizeof *t);
        store4(t, a == NN_SILU ? silu_grad4(load4(t)) : gelu_grad4(load4(t)));
        for (size_t k = i; k < n; k++) dx[k] = dy[k] * t[k - i];
    }
}

/* ---------------------------------------------------------------- exp, softmax */

void size_exp_inplace(float *x, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) store4(x + i, vexp(load4(x + i)));
    if (i < n) {
        float t[4] = {0, 0, 0, 0};
        memcpy(t, x + i, (n - i) * sizeof *t);
        store4(t, vexp(load4(t)));
        memcpy(x + i, t, (n - i) * sizeof *t);
    }
}

void size_softmax_row(float *v, int n)
{
    float mx = v[0], s = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > mx) mx = v[i];
    for (int i = 0; i < n; i++) v[i] -= mx;
    size_exp_inplace(v, (size_t)n);
    for (int i = 0; i < n; i++) s += v[i];
    float inv = 1.0f / s;
    for (int i = 0; i < n; i++) v[i] *= inv;
}

/* ---------------------------------------------------------------- dot, axpy */

float size_dot(const float *a, const float *b, int n)
{
    v4f acc = V4(0.0f);
    int i = 0;
    for (; i + 4 <= n; i += 4) acc += load4(a + i) * load4(b + i);
    float s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

void size_axpy(float *y, float s, const float *x, int n)
{
    int i = 0;
    for (; i + 4 <= n; i += 4) store4(y + i, load4(y + i) + s * load4(x + i));
    for (; i < n; i++) y[i] += s * x[i];
}

/* ---------------------------------------------------------------- modulated layer norm */

static float row_sum(const float *x, int d)
{
    v4f acc = V4(0.0f);
    int i = 0;
    for (; i + 4 <= d; i += 4) acc += load4(x + i);
    float s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; i < d; i++) s += x[i];
    return s;
}

static float row_sumsq_dev(const float *x, int d, float mean)
{
    v4f acc = V4(0.0f), m = V4(mean);
    int i = 0;
    for (; i + 4 <= d; i += 4) {
        v4f e = load4(x + i) - m;
        acc += e * e;
    }
    float s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; i < d; i++) s += (x[i] - mean) * (x[i] - mean);
    return s;
}

void size_modulate_rows(const float *x, int rows, int d, const float *shift, const float *scale, float eps, float *y)
{
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * d;
        float *yr = y + (size_t)r * d;
        float mean = row_sum(xr, d) / (float)d;
        float rstd = 1.0f / sqrtf(row_sumsq_dev(xr, d, mean) / (float)d + eps);
        int i = 0;
        for (; i + 4 <= d; i += 4)
            store4(yr + i, (load4(xr + i) - mean) * rstd * (1.0f + load4(scale + i)) + load4(shift + i));
        for (; i < d; i++) yr[i] = (xr[i] - mean) * rstd * (1.0f + scale[i]) + shift[i];
    }
}
