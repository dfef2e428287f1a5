/*
 * size_kern.h -- the elementwise kernels the sizing models run millions
 * of times per call: SiLU and GELU (forward and backward), a row softmax,
 * the no-affine layer norm with adaLN modulation, the gated residual and
 * the attention of short sequences (sampling's hot loops).
 *
 * Why not nn_act_forward: a default sizing model evaluates its MLP
 * activation about 2e8 times to draw 100 sizings for 6 blocks, and libm's
 * expf / erff cost 7-20 ns each, a second or more on their own.  These
 * kernels are written with GCC/Clang vector extensions (8 floats: AVX2
 * when the CPU has it, else SSE2 halves on x86-64; whatever the target
 * offers elsewhere), on a branch-free exp
 * (Cody-Waite reduction, the Cephes polynomial: relative error below
 * 2e-7 over the clamped range [-87, 88]) and Abramowitz & Stegun 7.1.26
 * for erf (absolute error below 1.5e-7), so they agree with the exact
 * functions to float rounding.  Training and sampling both use them, so a
 * model samples with the very functions it was trained with.
 */
#ifndef HALO_SIZE_KERN_H
#define HALO_SIZE_KERN_H

#include <stddef.h>

#include "nn/nn_layers.h"

/* y = act(x) over n values (y may equal x).  SiLU and GELU take the fast
 * path; every other activation is nn_act_forward's. */
void size_act_forward(nn_act a, const float *x, size_t n, float *y);
/* dx = dy * act'(x) (the forward's input x and output y; dx may equal dy). */
void size_act_backward(nn_act a, const float *x, const float *y, const float *dy, size_t n, float *dx);

/* exp over n values in place (inputs clamped to [-87, 88]). */
void size_exp_inplace(float *x, size_t n);

/* y[r] = LN(x[r]) * (1 + scale) + shift for rows of d, every row with the
 * same shift and scale (no affine weights; variance biased, eps added),
 * statistics two-pass in float.  y may equal x. */
void size_modulate_rows(const float *x, int rows, int d, const float *shift, const float *scale, float eps, float *y);
/* h[r] += gate * y[r] for rows of d, one gate for all rows. */
void size_gate_add_rows(float *h, const float *y, const float *gate, int rows, int d);

/* Multi-head self-attention of n short sequences, what nn_mhsa_forward
 * computes between its two projections: qkv [n][T][3e] packed q | k | v
 * rows (head j at columns j*dh of each), o [n][T][e] = softmax(q k^T /
 * sqrt(dh)) v per sample and head.  work holds size_attention_work
 * floats.  Made for T of a few dozen at most (one score row per query is
 * kept; the keys of one head are transposed so a row is dh vector
 * updates). */
size_t size_attention_work(int T, int e, int heads);
void size_attention(const float *qkv, int n, int T, int e, int heads, float *o, float *work);

#endif
