/*
 * nn_layers.h -- the dense layers and activations of the nn core: linear
 * (y = x Wᵀ + b, PyTorch's layout) and elementwise ReLU, GELU (exact, erf),
 * SiLU, tanh and sigmoid.  They follow the layer convention of nn.h.
 */
#ifndef HALO_NN_LAYERS_H
#define HALO_NN_LAYERS_H

#include "nn.h"

typedef struct nn_linear {
    int in, out;
    nn_param *w;              /* [out][in] */
    nn_param *b;              /* [out], NULL without bias */
} nn_linear;

/* PyTorch's default init: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias.
 * Returns 0, -1 when a parameter name is taken. */
int nn_linear_init(nn_linear *l, nn_params *ps, const char *prefix, int in, int out, int bias, halo_rng *rng);
/* x [rows][in] -> y [rows][out]. */
void nn_linear_forward(const nn_linear *l, const float *x, int rows, float *y);
/* Adds dW = dyᵀ x, db = sum dy; dx = dy W (when dx != NULL). */
void nn_linear_backward(const nn_linear *l, const float *x, const float *dy, int rows, float *dx);

typedef enum { NN_RELU, NN_GELU, NN_SILU, NN_TANH, NN_SIGMOID } nn_act;

void nn_act_forward(nn_act a, const float *x, size_t n, float *y);
/* dx from the forward's input x and output y. */
void nn_act_backward(nn_act a, const float *x, const float *y, const float *dy, size_t n, float *dx);
/* "relu" "gelu" "silu" "tanh" "sigmoid"; -1 when unknown. */
int nn_act_parse(const char *name, nn_act *a);
const char *nn_act_name(nn_act a);

#endif
