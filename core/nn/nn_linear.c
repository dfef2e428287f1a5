/*
 * nn_linear.c -- the linear layer on cblas_sgemm and the elementwise
 * activations (see nn_layers.h).
 */
#include "nn_layers.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int nn_linear_init(nn_linear *l, nn_params *ps, const char *prefix, int in, int out, int bias, halo_rng *rng)
{
    char name[256];
    int ws[2] = {out, in}, bs[1] = {out};
    memset(l, 0, sizeof *l);
    l->in = in;
    l->out = out;
    snprintf(name, sizeof name, "%s.weight", prefix);
    l->w = nn_params_add(ps, name, 2, ws);
    if (!l->w) return -1;
    float bound = in > 0 ? 1.0f / sqrtf((float)in) : 0;
    nn_init_uniform(l->w, rng, bound);
    if (bias) {
        snprintf(name, sizeof name, "%s.bias", prefix);
        l->b = nn_params_add(ps, name, 1, bs);
        if (!l->b) return -1;
        nn_init_uniform(l->b, rng, bound);
    }
    return 0;
}

void nn_linear_forward(const nn_linear *l, const float *x, int rows, float *y)
{
    for (int r = 0; r < rows; r++) {
        if (l->b) memcpy(y + (size_t)r * l->out, l->b->w, (size_t)l->out * sizeof *y);
        else memset(y + (size_t)r * l->out, 0, (size_t)l->out * sizeof *y);
    }
    /* y[rows][out] += x[rows][in] · Wᵀ */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, l->out, l->in, 1.0f, x, l->in, l->w->w, l->in, 1.0f,
                y, l->out);
}

void nn_linear_backward(const nn_linear *l, const float *x, const float *dy, int rows, float *dx)
{
    /* dW[out][in] += dyᵀ[out][rows] · x[rows][in] */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l->out, l->in, rows, 1.0f, dy, l->out, x, l->in, 1.0f,
                l->w->g, l->in);
    if (l->b)
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < l->out; o++) l->b->g[o] += dy[(size_t)r * l->out + o];
    if (dx)   /* dx[rows][in] = dy[rows][out] · W[out][in] */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, l->in, l->out, 1.0f, dy, l->out, l->w->w, l->in,
                    0.0f, dx, l->in);
}

/* ---------------------------------------------------------------- activations */

static float sigmoidf(float x)
{
    return x >= 0 ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
}

void nn_act_forward(nn_act a, const float *x, size_t n, float *y)
{
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        switch (a) {
        case NN_RELU: y[i] = v > 0 ? v : 0; break;
        case NN_GELU: y[i] = 0.5f * v * (1.0f + erff(v * (float)M_SQRT1_2)); break;
        case NN_SILU: y[i] = v * sigmoidf(v); break;
        case NN_TANH: y[i] = tanhf(v); break;
        default: y[i] = sigmoidf(v); break;
        }
    }
}

void nn_act_backward(nn_act a, const float *x, const float *y, const float *dy, size_t n, float *dx)
{
    const float inv_sqrt_2pi = 0.3989422804014327f;
    for (size_t i = 0; i < n; i++) {
        float v = x[i], d;
        switch (a) {
        case NN_RELU: d = v > 0 ? 1.0f : 0.0f; break;
        case NN_GELU: d = 0.5f * (1.0f + erff(v * (float)M_SQRT1_2)) + v * inv_sqrt_2pi * expf(-0.5f * v * v); break;
        case NN_SILU: {
            float s = sigmoidf(v);
            d = s * (1.0f + v * (1.0f - s));
            break;
        }
        case NN_TANH: d = 1.0f - y[i] * y[i]; break;
        default: d = y[i] * (1.0f - y[i]); break;
        }
        dx[i] = dy[i] * d;
    }
}

static const char *const act_names[] = {"relu", "gelu", "silu", "tanh", "sigmoid"};

int nn_act_parse(const char *name, nn_act *a)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(name, act_names[i]) == 0) {
            *a = (nn_act)i;
            return 0;
        }
    return -1;
}

const char *nn_act_name(nn_act a)
{
    return (unsigned)a < 5 ? act_names[a] : "?";
}
