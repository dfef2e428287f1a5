/*
 * explore_int.h -- what the agents of core/explore share inside the
 * folder: small tanh MLPs on nn_linear with their traces, the learner
 * (parameters, Adam, rng, arena), masks, option checks and buffers.
 * Not part of any public API (explore_agent.h, explore_sppo.h are).
 */
#ifndef HALO_EXPLORE_INT_H
#define HALO_EXPLORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/halo_err.h"
#include "explore_agent.h"
#include "base/rng.h"
#include "nn/nn.h"
#include "nn/nn_layers.h"
#include "nn/nn_safetensors.h"
#include "nn/nn_train.h"

/* Logit of a masked action: exp() of it underflows to exactly 0 in float,
 * so the action has probability 0 and contributes nothing to the entropy. */
#define XAGENT_MASKED_LOGIT (-1e9f)
#define XAGENT_MAX_DIM 65536
#define XAGENT_MAX_HIDDEN 4096
#define ARENA_BLOCK (1u << 16)

/* Up to three linear layers with tanh between them. */
typedef struct mlp {
    nn_linear l[3];
    int nl;
} mlp;

/* A forward pass's activations, kept for the backward pass. */
typedef struct mlp_trace {
    float *pre[2], *post[2];  /* before and after tanh, per hidden layer */
    float *out;
} mlp_trace;

/* What every agent learns with: parameters, Adam, its rng (weights and
 * sampling) and the arena of one forward/backward. */
typedef struct learner {
    nn_params ps;
    nn_optim opt;
    halo_rng rng;
    nn_arena ar;
} learner;

/* Layers named "name.0", "name.2", ... like PyTorch's Sequential. */
void mlp_init(mlp *m, nn_params *ps, const char *name, const int *sizes, int nl, halo_rng *rng);
void mlp_forward(const mlp *m, const float *x, int rows, nn_arena *ar, mlp_trace *t);
/* Accumulate the parameters' gradients for dout; the input needs none. */
void mlp_backward(const mlp *m, const float *x, const mlp_trace *t, const float *dout, int rows, nn_arena *ar);
/* Overwrite masked logits; the count of allowed ones. */
int apply_mask(float *logits, const unsigned char *mask, int n);
int count_allowed(const unsigned char *mask, int n);
void learner_init(learner *l, uint64_t seed, double lr);
void learner_free(learner *l);
/* AGT-2 option errors. */
int bad_option(halo_err *err, const char *name, double value, const char *expected);
int check_int(halo_err *err, const char *name, int v, int lo, int hi);
/* lo_open: v > lo, else v >= lo; NaN always fails. */
int check_real(halo_err *err, const char *name, double v, double lo, int lo_open, double hi);
void meta_num(nn_meta *m, const char *key, double v);
/* Grow a buffer of elem-byte items to hold need of them. */
void *grow(void *p, int *cap, int need, size_t elem);

/* What the two PPO agents (explore_agent.c, explore_sppo.c) share. */
/* AGT-1 unless every option of o is in range. */
int ppo_opts_check(const xagent_ppo_opts *o, halo_err *err);
/* The learner, an actor (actor_in -> hidden -> hidden -> actor_out) with
 * a small head (a near-uniform first policy) and a critic (critic_in ->
 * hidden -> hidden -> 1), as "actor.N" and "critic.N". */
void actor_critic_init(learner *l, mlp *actor, mlp *critic, int actor_in, int actor_out, int critic_in,
                       const xagent_ppo_opts *o);
/* GAE advantages over T steps (normalised when T > 1) and returns; the
 * buffer's end closes an episode.  The mean summed reward per episode. */
double ppo_advantages_of(nn_arena *ar, const float *reward, const float *value, const float *done, int T,
                         const xagent_ppo_opts *o, float *adv, float *ret);
/* The options as safetensors metadata (seed as an integer). */
void ppo_opts_meta(nn_meta *m, const xagent_ppo_opts *o);

#endif
