/*
 * size_mlp.h -- the MLP inverse regressor of the sizing seed's reference
 * [6] (Lourenço et al. 2018): one network maps the whole circuit's
 * performance vector c in R^dc to every device's sizing x in R^dx, both
 * normalised by the caller.  The baseline the per-block diffusion models
 * (ddpm.h) are measured against: it predicts one sizing per
 * specification, the conditional mean, so it cannot represent a sizing
 * that has two good answers.
 *
 * Owns: the network (layers hidden layers of `hidden` units, each a
 * linear map and an activation, then a linear output; PyTorch's
 * nn.Sequential names "net.0", "net.2", ..., default initialisation),
 * its training (MSE, Adam, cosine decay, seeded mini-batches, the
 * size_train_opts of size_util.h) and its model file (safetensors, the
 * configuration in the metadata with "format" = "halo-size-mlp-1", next to
 * the caller's keys).
 *
 * Invariants: as ddpm.h -- same seeds, same numbers; nothing prints; a
 * loaded file is checked before anything is built and refused with
 * HALO_E_SZM_FILE naming the fault.
 */
#ifndef HALO_SIZE_MLP_H
#define HALO_SIZE_MLP_H

#include <stdint.h>

#include "base/halo_err.h"
#include "nn/nn.h"
#include "nn/nn_layers.h"
#include "nn/nn_safetensors.h"
#include "size_util.h"

#define SIZE_MLP_MAX_IO 4096
#define SIZE_MLP_MAX_HIDDEN 8192
#define SIZE_MLP_MAX_LAYERS 16
#define SIZE_MLP_MAX_PARAMS 50e6

typedef struct size_mlp_config {
    int dc;                   /* inputs: performance dimensions, 1..4096; no default */
    int dx;                   /* outputs: sizing dimensions, 1..4096; no default */
    int hidden;               /* 256 units per hidden layer */
    int layers;               /* 3 hidden layers */
    nn_act act;               /* NN_SILU (relu, gelu, tanh also fit) */
} size_mlp_config;

/* The defaults above; dc and dx set to 0 (the caller sets them). */
void size_mlp_config_default(size_mlp_config *c);
/* 0 when every field is in range, else HALO_E_SZM_VALUE naming it. */
int size_mlp_config_check(const size_mlp_config *c, halo_err *err);
double size_mlp_config_params(const size_mlp_config *c);

typedef struct size_mlp size_mlp;

size_mlp *size_mlp_new(const size_mlp_config *c, uint64_t seed, halo_err *err);
void size_mlp_free(size_mlp *m);
const size_mlp_config *size_mlp_get_config(const size_mlp *m);
nn_params *size_mlp_params(size_mlp *m);

/* c [n][dc] -> x [n][dx]; keeps what backward needs until the next call. */
void size_mlp_forward(size_mlp *m, const float *c, int n, float *x);
/* dx [n][dx] of the last forward: adds every parameter's gradient. */
void size_mlp_backward(size_mlp *m, const float *dx);
/* The same, and the gradient with respect to the last forward's input
 * into dc [n][dc] (what moving the input toward a target needs). */
void size_mlp_input_grad(size_mlp *m, const float *dx, float *dc);

/* 3000 steps, batch 64, Adam lr 1e-3 decaying to 1e-5 (cosine), no
 * warm-up, no weight decay, no clipping, seed 1. */
void size_mlp_train_opts_default(size_train_opts *o);
/* Train on n pairs: x [n][dx] (the targets), c [n][dc] (the inputs) --
 * the argument order of ddpm_train.  0, or nonzero with HALO_E_SZM_VALUE
 * / HALO_E_SZM_DATA. */
int size_mlp_train(size_mlp *m, const float *x, const float *c, int n, const size_train_opts *o,
                   size_train_stats *st, halo_err *err);
/* The MSE of the predictions for n pairs. */
double size_mlp_eval_loss(size_mlp *m, const float *x, const float *c, int n);
/* c [n][dc] -> x [n][dx], in batches (any n). */
void size_mlp_predict(size_mlp *m, const float *c, int n, float *x);

/* Write the weights and the configuration (keys "format", "dc", "dx",
 * "hidden", "layers", "act") plus the caller's keys (extra may be NULL;
 * it must not reuse those names).  Atomic. */
int size_mlp_save(const size_mlp *m, const char *path, const nn_meta *extra, halo_err *err);
/* Load; all metadata into *meta when not NULL (free with nn_meta_free). */
size_mlp *size_mlp_load(const char *path, nn_meta *meta, halo_err *err);
size_mlp *size_mlp_load_buffer(const unsigned char *buf, size_t len, const char *source, nn_meta *meta,
                               halo_err *err);

#endif
