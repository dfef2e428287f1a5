/*
 * nn.h -- halo's neural-network core: float32 tensors, an arena for
 * activations, parameters with their gradients and optimiser state, and
 * the layer convention every layer file follows.
 *
 * Owns: nn_tensor (a view: shape plus data, never owning), nn_arena (bump
 * allocation in blocks that never move, released to a mark), nn_param and
 * nn_params (named weights, PyTorch's names, so safetensors files move to
 * and from PyTorch unchanged), weight initialisers on halo_rng.
 *
 * The layer convention (nn_linear.c, nn_act.c, nn_conv.c, ...):
 *   - a layer is a struct of hyperparameters and nn_param pointers, set up
 *     by nn_<layer>_init(layer, params, "prefix", ..., rng), which adds its
 *     parameters as "prefix.weight", "prefix.bias";
 *   - nn_<layer>_forward(layer, inputs..., shapes..., outputs...) writes
 *     the outputs; tensors are contiguous, row-major, NCHW for images;
 *   - nn_<layer>_backward(layer, the forward's inputs and outputs it needs,
 *     dy, dx) adds the parameters' gradients into param->g and writes
 *     (overwrites) dx; dx may be NULL when the input needs no gradient;
 *   - scratch memory comes from an nn_arena the caller passes and releases.
 * Nothing here prints; nothing allocates per element; the same seed gives
 * the same numbers.
 */
#ifndef HALO_NN_H
#define HALO_NN_H

#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"

#define NN_MAXDIM 4

typedef struct nn_tensor {
    int ndim;
    int shape[NN_MAXDIM];
    size_t n;                 /* elements */
    float *v;
} nn_tensor;

/* Elements of a shape. */
size_t nn_shape_count(int ndim, const int *shape);
/* A view of v with the given shape (ndim 1..4). */
nn_tensor nn_tensor_view(float *v, int ndim, const int *shape);

/* ---------------------------------------------------------------- arena */

typedef struct nn_arena_block nn_arena_block;
typedef struct nn_arena {
    nn_arena_block *head;     /* current block, older ones behind it */
    size_t block_floats;      /* size of a new block */
    size_t used_total;        /* floats handed out and not released */
    size_t high_water;
} nn_arena;

void nn_arena_init(nn_arena *a, size_t block_floats);
/* n floats, zeroed, 64-byte aligned; never moves while the arena lives. */
float *nn_arena_alloc(nn_arena *a, size_t n);
/* A mark to release back to (everything allocated after it). */
size_t nn_arena_mark(const nn_arena *a);
void nn_arena_release(nn_arena *a, size_t mark);
void nn_arena_free(nn_arena *a);

/* ---------------------------------------------------------------- parameters */

typedef struct nn_param {
    char *name;               /* "encoder.0.weight" */
    int ndim;
    int shape[NN_MAXDIM];
    size_t n;
    float *w;                 /* values */
    float *g;                 /* gradient, accumulated by backward */
    float *m, *v;             /* optimiser state (momentum / Adam moments), lazily made */
} nn_param;

typedef struct nn_params {
    nn_param **p;
    int n, cap;
} nn_params;

void nn_params_init(nn_params *ps);
/* Add a parameter (zeroed); NULL when the name is taken. */
nn_param *nn_params_add(nn_params *ps, const char *name, int ndim, const int *shape);
nn_param *nn_params_find(const nn_params *ps, const char *name);
size_t nn_params_count(const nn_params *ps);   /* scalars over all parameters */
void nn_params_zero_grad(nn_params *ps);
void nn_params_free(nn_params *ps);

/* Initialisers. */
void nn_init_uniform(nn_param *p, halo_rng *rng, float bound);   /* U(-bound, bound) */
void nn_init_normal(nn_param *p, halo_rng *rng, float std);
void nn_init_const(nn_param *p, float value);

#endif
