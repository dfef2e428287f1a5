/*
 * ddpm.h -- the conditional denoising diffusion model of the sizing seed
 * (diffusion-inverse-sizing): a generative model of one building block's
 * sizing x in R^dx given the whole circuit's performance vector c in R^dc,
 * both normalised by the caller.
 *
 * Owns:
 *   the noise schedule   cosine (Nichol & Dhariwal, s = 0.008, beta <=
 *                        0.999) rescaled to zero terminal SNR (Lin et al.
 *                        2024, Algorithm 1: sqrt(abar) shifted so its last
 *                        value is 0 and scaled so its first is unchanged).
 *                        Timesteps are 0..T-1 (0 the least noisy), so
 *                        abar[T-1] == 0 exactly: the last step's input is
 *                        pure noise, as sampling starts it;
 *   the parametrisation  v-prediction: with a = sqrt(abar_t), s =
 *                        sqrt(1 - abar_t), x_t = a x0 + s eps and the net
 *                        predicts v = a eps - s x0; then x0 = a x_t - s v
 *                        and eps = s x_t + a v.  The loss is the MSE on v;
 *   the backbone         a small DiT with adaLN-Zero (Peebles & Xie): one
 *                        token per dimension of x (value * a learned vector
 *                        + a learned per-position embedding); conditioning
 *                        vector = MLP(sinusoidal(t)) + MLP(c), or a learned
 *                        null embedding for the unconditional branch; depth
 *                        blocks of [adaLN modulation -> self-attention ->
 *                        gated residual -> adaLN modulation -> MLP -> gated
 *                        residual], every modulation zero-initialised so a
 *                        block starts as the identity; a final adaLN and a
 *                        zero-initialised linear give one v per token;
 *   classifier-free      training drops c for the null embedding with
 *   guidance             probability p_uncond; sampling mixes
 *                        v = (1 + w) v_cond - w v_uncond;
 *   sampling             DDIM over a "trailing" subsequence of the T steps
 *                        (Lin et al.: it starts at T-1, the zero-SNR step):
 *                        eta = 0 deterministic, eta = 1 ancestral (the DDPM
 *                        posterior on the subsequence), both CFG branches
 *                        in one batched forward pass per step;
 *   training             Adam, optional AdamW decay, cosine learning-rate
 *                        decay, gradient clipping, mini-batches in a seeded
 *                        order, an optional fixed-draw validation loss;
 *   the model file       safetensors, PyTorch-style names (DiT's:
 *                        x_embedder, pos_embed, t_embedder.mlp.{0,2},
 *                        y_embedder.{mlp.{0,2},null_embedding},
 *                        blocks.i.{adaLN_modulation.1,attn,mlp.fc1,mlp.fc2},
 *                        final_layer.{adaLN_modulation.1,linear}), the
 *                        configuration in the metadata ("format" =
 *                        "halo-ddpm-1") next to the caller's own keys.
 *
 * Invariants: same configuration, data and seeds give the same numbers;
 * nothing prints; a loaded file is checked (configuration ranges, every
 * tensor present with its shape, the size bounded before anything is
 * built) and refused with HALO_E_SZM_FILE naming the fault.  A model keeps
 * its forward passes' buffers, so one thread uses it at a time.
 * Callers: the sizing commands (train_sizer, size) through core/size.
 */
#ifndef HALO_SIZE_DDPM_H
#define HALO_SIZE_DDPM_H

#include <stdint.h>

#include "base/halo_err.h"
#include "nn/nn.h"
#include "nn/nn_layers.h"
#include "nn/nn_safetensors.h"
#include "size_util.h"

/* Bounds a configuration (and so a model file) must respect. */
#define DDPM_MAX_DX 256
#define DDPM_MAX_DC 1024
#define DDPM_MAX_DMODEL 1024
#define DDPM_MAX_DEPTH 32
#define DDPM_MAX_MLP_RATIO 16
#define DDPM_MAX_T 100000
#define DDPM_MAX_PARAMS 50e6
/* Width of the sinusoidal timestep features (DiT's frequency_embedding_size). */
#define DDPM_T_FREQ 256

typedef struct ddpm_config {
    int dx;                   /* sizing dimensions (tokens), 1..DDPM_MAX_DX; no default */
    int dc;                   /* condition dimensions, 1..DDPM_MAX_DC; no default */
    int d_model;              /* 64; a multiple of heads */
    int depth;                /* 3 blocks */
    int heads;                /* 4 */
    int mlp_ratio;            /* 4: the MLP's hidden width is mlp_ratio * d_model */
    int T;                    /* 1000 training timesteps */
    float p_uncond;           /* 0.1: probability of training on the null condition */
    nn_act act;               /* the MLP's: NN_SILU; NN_GELU (exact erf) and NN_RELU also fit */
} ddpm_config;

/* The defaults above; dx and dc set to 0 (the caller sets them). */
void ddpm_config_default(ddpm_config *c);
/* 0 when every field is in range, else HALO_E_SZM_VALUE naming the field. */
int ddpm_config_check(const ddpm_config *c, halo_err *err);
/* Parameters of the model a (checked) configuration describes. */
double ddpm_config_params(const ddpm_config *c);

/* ---------------------------------------------------------------- schedule */

/* abar[0..T-1] of the zero-terminal-SNR cosine schedule (T >= 2):
 * strictly decreasing, abar[T-1] == 0.  Returns 0, -1 when T < 2. */
int ddpm_schedule(int T, double *abar);
/* The sampling subsequence: steps timesteps, descending, "trailing"
 * (ts[i] = round(T - i T / steps) - 1, so ts[0] = T-1); steps is clamped
 * to 1..T.  Returns how many were written. */
int ddpm_timesteps(int T, int steps, int *ts);
/* v = a eps - s x0, x_t = a x0 + s eps, with a = sqrt(abar), s = sqrt(1 -
 * abar), over n values. */
void ddpm_q_sample(double abar, const float *x0, const float *eps, int n, float *xt, float *v);
/* From x_t and v: x0 = a x_t - s v, eps = s x_t + a v (either may be NULL). */
void ddpm_from_v(double abar, const float *xt, const float *v, int n, float *x0, float *eps);

/* ---------------------------------------------------------------- the model */

typedef struct ddpm ddpm;

/* A fresh model (PyTorch's default initialisation, adaLN-Zero; seeded).
 * NULL with HALO_E_SZM_VALUE when the configuration is out of range. */
ddpm *ddpm_new(const ddpm_config *c, uint64_t seed, halo_err *err);
void ddpm_free(ddpm *m);
const ddpm_config *ddpm_get_config(const ddpm *m);
/* The schedule, abar[0..T-1]. */
const double *ddpm_alpha_bar(const ddpm *m);
nn_params *ddpm_params(ddpm *m);

/* The backbone alone (training, sampling and the gradient checks use it).
 * xt [n][dx], t [n] (integer timesteps 0..T-1 as floats), c [n][dc] or
 * NULL (then every row is unconditional), uncond [n] (1: use the null
 * embedding for that row) or NULL (none) -> v [n][dx].  Keeps what
 * backward needs until the next forward. */
void ddpm_net_forward(ddpm *m, const float *xt, const float *t, const float *c, const unsigned char *uncond, int n,
                      float *v);
/* dv [n][dx] of the last forward: adds every parameter's gradient. */
void ddpm_net_backward(ddpm *m, const float *dv);
/* The same function as ddpm_net_forward for sampling: keeps nothing for
 * backward, computes the conditioning once per run of consecutive rows
 * with equal (t, c, uncond), and agrees with ddpm_net_forward to float
 * rounding (ddpm_infer.c says how). */
void ddpm_net_infer(ddpm *m, const float *xt, const float *t, const float *c, const unsigned char *uncond, int n,
                    float *v);

/* ---------------------------------------------------------------- training */

/* The options and report of a training run: size_train_opts and
 * size_train_stats of size_util.h (shared with size_mlp). */
typedef size_train_opts ddpm_train_opts;
typedef size_train_stats ddpm_train_stats;

/* 2000 steps, batch 128, Adam lr 1e-3 decaying to 1e-5 (cosine), no
 * warm-up, no weight decay, gradient norm clipped at 1, seed 1. */
void ddpm_train_opts_default(ddpm_train_opts *o);
/* Train on n pairs: x [n][dx], c [n][dc].  0, or nonzero with
 * HALO_E_SZM_VALUE / HALO_E_SZM_DATA (bad options, non-finite data). */
int ddpm_train(ddpm *m, const float *x, const float *c, int n, const ddpm_train_opts *o, ddpm_train_stats *st,
               halo_err *err);
/* The v-MSE of the model on n pairs with draws fixed by seed (every row
 * conditional), the number validation reports. */
double ddpm_eval_loss(ddpm *m, const float *x, const float *c, int n, uint64_t seed);

/* ---------------------------------------------------------------- sampling */

typedef struct ddpm_sample_opts {
    int steps;                /* 50 sampling steps (1..T) */
    float guidance;           /* w = 1: v = (1 + w) v_cond - w v_uncond; 0 skips the unconditional pass */
    float eta;                /* 0: DDIM (deterministic given the start noise); 1: ancestral */
    float clip;               /* 0: none; else x0 estimates clamped to [-clip, clip] */
    uint64_t seed;            /* 1 */
} ddpm_sample_opts;

void ddpm_sample_opts_default(ddpm_sample_opts *o);
/* nsamples sizings into out [nsamples][dx].  c holds nc conditions of dc
 * floats: nc = 1 (every sample for the same specification) or nc =
 * nsamples (one each); c = NULL samples the unconditional model.  Each
 * step is one forward pass over the samples, twice as many rows when
 * guided (conditional and unconditional branch together), in chunks of
 * 128 samples.  Sample i draws its noise from its own stream seeded by
 * (seed, i), so the first k samples of a call do not depend on how many
 * follow (up to float rounding: BLAS may sum a product of 10 rows
 * otherwise than one of 5).  0, or nonzero with HALO_E_SZM_VALUE /
 * HALO_E_SZM_DATA for bad arguments. */
int ddpm_sample(ddpm *m, const float *c, int nc, int nsamples, const ddpm_sample_opts *o, float *out,
                halo_err *err);

/* ---------------------------------------------------------------- model file */

/* Write the weights and the configuration (keys "format", "dx", "dc",
 * "d_model", "depth", "heads", "mlp_ratio", "T", "p_uncond", "act",
 * "t_freq", "schedule", "prediction"), plus the caller's keys from extra
 * (may be NULL), which must not reuse those names.  Atomic. */
int ddpm_save(const ddpm *m, const char *path, const nn_meta *extra, halo_err *err);
/* Load a model; all the file's metadata (the configuration and the
 * caller's keys) goes into *meta when meta is not NULL (the caller frees
 * it with nn_meta_free).  NULL with *err when the file is no such model. */
ddpm *ddpm_load(const char *path, nn_meta *meta, halo_err *err);
/* The same from a file's bytes; source names it in errors. */
ddpm *ddpm_load_buffer(const unsigned char *buf, size_t len, const char *source, nn_meta *meta, halo_err *err);

#endif
