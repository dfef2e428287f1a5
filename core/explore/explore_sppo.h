/*
 * explore_sppo.h -- the inner exploration agent that carries over between
 * finger arrangements and circuits: PPO over a set of candidate actions.
 *
 * Owns xagent_sppo.  xagent_ppo (explore_agent.h) has one output per
 * action, so its state and action set are tied to one circuit's device
 * list, and an agent made for one arrangement learns from 30 steps and is
 * thrown away.  Here an action is a candidate with its own features (a
 * device, its neighbourhood and the move), scored by one shared actor MLP
 * on [context, candidate]; the policy is the softmax of the scores over
 * the step's candidates, however many there are.  The critic sees the
 * context only (a summary of the layout that has the same size for every
 * circuit).  So one agent explores every arrangement of a run, and a saved
 * agent explores a circuit it never saw.
 *
 * Learning: PPO with the clipped objective, GAE and normalised advantages,
 * full-batch epochs over what was recorded since the last update (the
 * caller batches: many episodes, several arrangements).  An episode cut
 * by the step budget is not an ending: xagent_sppo_truncate bootstraps
 * it with the critic's value of the state it stopped in (the reward of
 * its last step gains gamma * V(next)), as Stable-Baselines3 does.
 *
 * Parameters: "actor.0/2/4" (ctx+feat -> hidden -> hidden -> 1) and
 * "critic.0/2/4" (ctx -> hidden -> hidden -> 1), safetensors with
 * architecture "xagent_sppo"; xagent_sppo_load rebuilds an agent from
 * such a file.  Errors fill a halo_err (AGT-n); nothing prints.
 */
#ifndef HALO_EXPLORE_SPPO_H
#define HALO_EXPLORE_SPPO_H

#include "explore_agent.h"
#include "nn/nn_safetensors.h"

typedef struct xagent_sppo xagent_sppo;

/* xagent_ppo_opts serve: hidden, lr, gamma, lambda, clip, entropy_coef,
 * value_coef, epochs, max_grad_norm, seed. */
xagent_sppo *xagent_sppo_new(int ctx_dim, int feat_dim, const xagent_ppo_opts *o, halo_err *err);
void xagent_sppo_free(xagent_sppo *a);
int xagent_sppo_ctx_dim(const xagent_sppo *a);
int xagent_sppo_feat_dim(const xagent_sppo *a);
int xagent_sppo_pending(const xagent_sppo *a);
/* learn 0: act and record, but update changes no weight (the learning-off
 * arm of a comparison: same sampling, same stats). */
void xagent_sppo_set_learning(xagent_sppo *a, int learn);

/* Sample one of n candidates (feats n x feat_dim; mask n or NULL) at
 * context ctx and record the step.  Fails when n < 1 or all are masked. */
int xagent_sppo_act(xagent_sppo *a, const float *ctx, const float *feats, int n, const unsigned char *mask,
                    int *choice, halo_err *err);
/* The reward of the last step; done = 1 ends the episode there. */
void xagent_sppo_reward(xagent_sppo *a, double reward, int done);
/* The episode was cut after the last step, in context next_ctx: bootstrap
 * it (reward += gamma * V(next_ctx)) and close it. */
void xagent_sppo_truncate(xagent_sppo *a, const float *next_ctx);
int xagent_sppo_probs(xagent_sppo *a, const float *ctx, const float *feats, int n, const unsigned char *mask,
                      float *probs);
/* Learn from the recorded steps (the buffer's end closes an episode) and
 * clear them. */
int xagent_sppo_update(xagent_sppo *a, xagent_stats *out, halo_err *err);
/* The whole state: weights, Adam's moments and step, the sampling rng (a
 * run resumed from it goes on exactly as the one that wrote it); steps
 * recorded since the last update are not kept. */
int xagent_sppo_save(const xagent_sppo *a, const char *path, halo_err *err);
/* An agent from a file xagent_sppo_save wrote (dims and options from its
 * metadata; tensors checked by name, shape and finiteness; Adam state and
 * rng when present); NULL with err filled. */
xagent_sppo *xagent_sppo_load(const char *path, halo_err *err);
/* The same from a file's parsed tensors and metadata (source names it in
 * errors): the loader the fuzzer drives. */
xagent_sppo *xagent_sppo_from(const nn_params *file, const nn_meta *m, const char *source, halo_err *err);

#endif
