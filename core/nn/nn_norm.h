/*
 * nn_norm.h -- normalisation layers of halo's neural-network core: layer
 * norm over the last dimension, group norm over NCHW, and DiT's adaLN-Zero
 * modulation (a zero-initialised linear map of a conditioning vector to
 * shift / scale / gate, the modulated layer norm, the gated residual).
 *
 * Follows the layer convention of nn.h.  Parameter names and default
 * initialisation are PyTorch's: nn.LayerNorm and nn.GroupNorm register
 * "prefix.weight" (ones) and "prefix.bias" (zeros); the adaLN linear is an
 * nn.Linear "prefix.weight" [chunks*D][Dc], "prefix.bias" [chunks*D],
 * both zero as adaLN-Zero initialises them.
 *
 * What forward saves for backward: the per-row (per-group) mean and
 * reciprocal standard deviation, in caller-provided buffers (mean, rstd);
 * backward also takes the forward's input x again.  Nothing here needs
 * scratch memory, so nothing takes an arena.  Activation gradients (dx,
 * dshift, ...) are overwritten; parameter gradients are added to p->g.
 */
#ifndef HALO_NN_NORM_H
#define HALO_NN_NORM_H

#include "nn.h"

#define NN_NORM_EPS 1e-5f

/* ---------------------------------------------------------------- layer norm */

typedef struct nn_layernorm {
    int d;                    /* normalised (last) dimension */
    float eps;                /* 1e-5 */
    nn_param *weight, *bias;  /* [d] each */
} nn_layernorm;

/* Registers "prefix.weight" = 1, "prefix.bias" = 0; 0, or -1 when a name
 * is taken. */
int nn_layernorm_init(nn_layernorm *l, nn_params *ps, const char *prefix, int d);
/* x, y [rows][d] (y may equal x); saves mean[rows], rstd[rows]. */
void nn_layernorm_forward(const nn_layernorm *l, const float *x, int rows, float *y, float *mean, float *rstd);
/* dx [rows][d] or NULL; dx may equal dy. */
void nn_layernorm_backward(const nn_layernorm *l, const float *x, int rows, const float *mean, const float *rstd,
                           const float *dy, float *dx);

/* The same without affine parameters (weight 1, bias 0, nothing learnt). */
void nn_layernorm_plain_forward(const float *x, int rows, int d, float eps, float *y, float *mean, float *rstd);
void nn_layernorm_plain_backward(const float *x, int rows, int d, const float *mean, const float *rstd,
                                 const float *dy, float *dx);

/* ---------------------------------------------------------------- group norm */

typedef struct nn_groupnorm {
    int groups, channels;     /* channels % groups == 0 */
    float eps;                /* 1e-5 */
    nn_param *weight, *bias;  /* [channels] each */
} nn_groupnorm;

/* As torch.nn.GroupNorm(groups, channels): weight 1, bias 0.  -1 when
 * channels is not a multiple of groups or a name is taken. */
int nn_groupnorm_init(nn_groupnorm *l, nn_params *ps, const char *prefix, int groups, int channels);
/* x, y [n][channels][hw] (y may equal x); saves mean, rstd [n][groups]. */
void nn_groupnorm_forward(const nn_groupnorm *l, const float *x, int n, int hw, float *y, float *mean,
                          float *rstd);
/* dx may be NULL or equal dy. */
void nn_groupnorm_backward(const nn_groupnorm *l, const float *x, int n, int hw, const float *mean,
                           const float *rstd, const float *dy, float *dx);

/* ---------------------------------------------------------------- adaLN-Zero */

/* The modulation linear: mod[n] = W c[n] + b, mod [n][chunks*d] read as
 * chunks consecutive [d] blocks.  DiT's order with chunks = 3 is shift,
 * scale, gate (6 for a DiT block: shift/scale/gate of attention, then of
 * the MLP; 2 for the final layer: shift, scale).  DiT applies SiLU to c
 * before this linear; do that before calling (nothing here does it). */
typedef struct nn_adaln {
    int d, dc, chunks;
    nn_param *weight;         /* [chunks*d][dc], zero */
    nn_param *bias;           /* [chunks*d], zero */
} nn_adaln;

int nn_adaln_init(nn_adaln *l, nn_params *ps, const char *prefix, int d, int dc, int chunks);
/* c [n][dc] -> mod [n][chunks*d]. */
void nn_adaln_forward(const nn_adaln *l, const float *c, int n, float *mod);
/* dmod [n][chunks*d]; adds weight/bias gradients; dc [n][dc] or NULL. */
void nn_adaln_backward(const nn_adaln *l, const float *c, int n, const float *dmod, float *dc);

/* y = LN_noaffine(x) * (1 + scale) + shift, x and y [n][t][d] ([n][d]
 * is t = 1), shift and scale [n][d] each starting at the given pointers
 * with a row stride of ld floats between samples (ld = chunks*d when they
 * point into an nn_adaln output: shift = mod, scale = mod + d).  Saves
 * mean, rstd [n*t].  y may equal x. */
void nn_modulate_forward(const float *x, int n, int t, int d, const float *shift, const float *scale, int ld,
                         float eps, float *y, float *mean, float *rstd);
/* Overwrites dx [n][t][d] and dshift, dscale ([n][d] rows at stride ld);
 * any of them may be NULL. */
void nn_modulate_backward(const float *x, int n, int t, int d, const float *scale, int ld, const float *mean,
                          const float *rstd, const float *dy, float *dx, float *dshift, float *dscale);

/* Gated residual y = x + gate * h, x, h, y [n][t][d], gate [n][d] rows at
 * stride ld (gate = mod + 2d with chunks = 3).  y may equal x or h. */
void nn_gated_residual_forward(const float *x, const float *h, const float *gate, int ld, int n, int t, int d,
                               float *y);
/* Overwrites dx (= dy), dh (= gate * dy), dgate (sum over t of dy * h);
 * any may be NULL. */
void nn_gated_residual_backward(const float *h, const float *gate, int ld, int n, int t, int d,
                                const float *dy, float *dx, float *dh, float *dgate);

#endif
