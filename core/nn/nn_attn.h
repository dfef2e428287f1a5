/*
 * nn_attn.h -- softmax, dropout, residual add, channel concat, the
 * sinusoidal timestep embedding and multi-head self-attention of halo's
 * neural-network core.
 *
 * Follows the layer convention of nn.h.  Multi-head self-attention is
 * torch.nn.MultiheadAttention(E, H, batch_first=True) used as
 * attn(x, x, x) without masks or attention dropout: parameters
 * "prefix.in_proj_weight" [3E][E] (rows q, k, v; Xavier-uniform),
 * "prefix.in_proj_bias" [3E] (zero), "prefix.out_proj.weight" [E][E]
 * (kaiming-uniform a = sqrt(5): U(+-1/sqrt(E))), "prefix.out_proj.bias"
 * [E] (zero), PyTorch's initialisation.
 *
 * What forward saves: softmax backward takes the forward's output y;
 * dropout saves its mask in a caller buffer; attention saves q, k, v,
 * the attention probabilities and the heads' output in arena memory
 * (nn_mhsa_cache), which the caller keeps until backward and then
 * releases.  Activation gradients are overwritten, parameter gradients
 * added to p->g.
 */
#ifndef HALO_NN_ATTN_H
#define HALO_NN_ATTN_H

#include "nn.h"

/* ---------------------------------------------------------------- softmax */

/* y[r] = softmax(x[r]) over rows of length n, max-subtracted; y may equal x. */
void nn_softmax_forward(const float *x, int rows, int n, float *y);
/* dx = y * (dy - sum(dy * y)) per row, from the forward's output y; dx may
 * equal dy. */
void nn_softmax_backward(const float *y, const float *dy, int rows, int n, float *dx);

/* ---------------------------------------------------------------- dropout */

/* Training (training != 0 and 0 < p): each element kept with probability
 * 1 - p, mask[i] = 1 (kept) or 0 (dropped), y = kept ? x / (1 - p) : 0;
 * p >= 1 drops everything.  Otherwise (eval, or p <= 0) y = x and the
 * mask is all 1; rng is not touched.  mask [n] is needed by backward; y
 * may equal x. */
void nn_dropout_forward(const float *x, size_t n, float p, int training, halo_rng *rng, float *mask, float *y);
/* dx = mask ? dy / (1 - p) : 0 (dx = dy when the forward was an identity:
 * pass the same p and training); dx may equal dy. */
void nn_dropout_backward(const float *mask, const float *dy, size_t n, float p, int training, float *dx);

/* ---------------------------------------------------------------- residual, concat */

/* y = a + b over n elements (y may equal a or b). */
void nn_add_forward(const float *a, const float *b, size_t n, float *y);
/* da = dy, db = dy; either may be NULL. */
void nn_add_backward(const float *dy, size_t n, float *da, float *db);

/* y [n][ca+cb][hw] = a [n][ca][hw] then b [n][cb][hw] along channels. */
void nn_concat_forward(const float *a, int ca, const float *b, int cb, int n, int hw, float *y);
/* The channel split of dy; da or db may be NULL. */
void nn_concat_backward(const float *dy, int ca, int cb, int n, int hw, float *da, float *db);

/* ---------------------------------------------------------------- timestep embedding */

/* out [n][dim]: with half = dim / 2 and f_i = exp(-ln(max_period) i / half),
 * i < half, args t[s] * f_i; cos_first != 0 gives [cos(args), sin(args)]
 * as DiT's TimestepEmbedder.timestep_embedding (and diffusers with
 * flip_sin_to_cos=True, downscale_freq_shift=0); cos_first == 0 gives
 * [sin(args), cos(args)].  An odd dim ends in a zero column.  max_period
 * is 10000 in DiT.  Computed in double, no parameters, forward only. */
void nn_timestep_embedding(const float *t, int n, int dim, float max_period, int cos_first, float *out);

/* ---------------------------------------------------------------- self-attention */

typedef struct nn_mhsa {
    int e, h;                 /* embedding, heads; e % h == 0 */
    nn_param *in_w;           /* in_proj_weight [3e][e] */
    nn_param *in_b;           /* in_proj_bias [3e] */
    nn_param *out_w;          /* out_proj.weight [e][e] */
    nn_param *out_b;          /* out_proj.bias [e] */
} nn_mhsa;

/* What forward leaves for backward, all in arena memory. */
typedef struct nn_mhsa_cache {
    int n, t;
    float *qkv;               /* [n][t][3e]: q | k | v per token, head j at columns j*dh */
    float *p;                 /* [n][h][t][t] attention probabilities */
    float *o;                 /* [n][t][e] heads' output, before out_proj */
} nn_mhsa_cache;

/* -1 when e % h != 0 or a name is taken. */
int nn_mhsa_init(nn_mhsa *l, nn_params *ps, const char *prefix, int e, int h, halo_rng *rng);
/* x, y [n][t][e] (y must not alias x); fills cache from arena a (keep it
 * until backward, then release to a mark taken before the forward). */
void nn_mhsa_forward(const nn_mhsa *l, const float *x, int n, int t, float *y, nn_mhsa_cache *cache, nn_arena *a);
/* dy [n][t][e]; adds all four parameter gradients; dx [n][t][e] or NULL.
 * Scratch from a, released before returning. */
void nn_mhsa_backward(const nn_mhsa *l, const float *x, const nn_mhsa_cache *cache, const float *dy, float *dx,
                      nn_arena *a);

#endif
