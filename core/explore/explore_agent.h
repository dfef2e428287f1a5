/*
 * explore_agent.h -- the learning agents of OSIRIS-style layout
 * exploration, on the nn core.
 *
 * Owns two agents, each with its own parameters, Adam state, seeded rng
 * and experience buffer (no global state; the same seed and the same calls
 * give the same numbers):
 *
 *   xagent_ppo  the inner agent: which device to move and how.  A PPO
 *               actor-critic over a fixed action set with an optional
 *               per-step mask.  Actor and critic are separate MLPs
 *               (state -> hidden -> hidden -> out, tanh), named like
 *               PyTorch's Sequential ("actor.0", "actor.2", "actor.4",
 *               "critic.0", ...), so the value loss never pulls on the
 *               policy's features.  Masked actions get a large negative
 *               logit in act, probs and update alike: probability zero,
 *               no gradient.
 *   xagent_rf   the outer agent: which finger arrangement among a set of
 *               candidates, each a feature vector.  One tanh hidden layer
 *               scores a candidate ("score.0", "score.2"); the policy is
 *               the softmax of the scores over the (masked) set; REINFORCE
 *               with an exponential running-mean baseline.
 *
 * Protocol: act/choose records a step, reward gives the last recorded step
 * its reward, update learns from the buffer and clears it.  Errors fill a
 * halo_err (AGT-n); nothing prints.  Callers: tclcmds/cmd_agent.c
 * (rl_agent), the exploration flow, tests/unit/test_agent.c.
 */
#ifndef HALO_EXPLORE_AGENT_H
#define HALO_EXPLORE_AGENT_H

#include <stdint.h>

#include "base/halo_err.h"

/* What an update learned from and how it went. */
typedef struct xagent_stats {
    int steps;                /* recorded steps (ppo) or choices (rf) used */
    double policy_loss;       /* mean over epochs (ppo) of the clipped / REINFORCE loss */
    double value_loss;        /* critic MSE, mean over epochs; 0 for rf */
    double entropy;           /* mean policy entropy (nats) */
    double mean_return;       /* ppo: mean summed reward per episode; rf: mean reward */
} xagent_stats;

/* ---------------------------------------------------------------- PPO */

typedef struct xagent_ppo_opts {
    int hidden;               /* width of both hidden layers, 64 */
    double lr;                /* Adam, 3e-4 */
    double gamma;             /* discount, 0.95 */
    double lambda;            /* GAE, 0.9 */
    double clip;              /* PPO ratio clip, 0.2 */
    double entropy_coef;      /* 0.01 */
    double value_coef;        /* 0.5 */
    int epochs;               /* passes over the buffer per update, 4 */
    double max_grad_norm;     /* global L2 clip, 0.5 */
    uint64_t seed;            /* weights and sampling, 1 */
} xagent_ppo_opts;

typedef struct xagent_ppo xagent_ppo;

void xagent_ppo_defaults(xagent_ppo_opts *o);
/* NULL with err filled (AGT-1) when a dimension or option is out of range;
 * o NULL means the defaults. */
xagent_ppo *xagent_ppo_new(int state_dim, int n_actions, const xagent_ppo_opts *o, halo_err *err);
void xagent_ppo_free(xagent_ppo *a);
int xagent_ppo_state_dim(const xagent_ppo *a);
int xagent_ppo_actions(const xagent_ppo *a);
/* Steps recorded since the last update. */
int xagent_ppo_pending(const xagent_ppo *a);

/* Sample an action from the masked policy (mask[i] = 1 allowed; NULL all)
 * and record the step.  Fails (AGT-5) when every action is masked. */
int xagent_ppo_act(xagent_ppo *a, const float *state, const unsigned char *mask, int *action, halo_err *err);
/* The reward of the last recorded step; done = 1 ends the episode there.
 * Ignored when nothing is recorded. */
void xagent_ppo_reward(xagent_ppo *a, double reward, int done);
/* GAE (the buffer's end counts as an episode end), advantages normalised
 * (when there are two steps or more),
 * `epochs` full-batch passes of clipped loss + value MSE - entropy bonus,
 * Adam with gradient clipping; clears the buffer.  An empty buffer gives
 * zero stats and changes nothing. */
int xagent_ppo_update(xagent_ppo *a, xagent_stats *out, halo_err *err);
/* The masked policy at state: probs[n_actions].  -1 when all are masked. */
int xagent_ppo_probs(xagent_ppo *a, const float *state, const unsigned char *mask, float *probs);
/* The weights as safetensors, architecture "xagent_ppo" with dims and
 * options in the metadata. */
int xagent_ppo_save(const xagent_ppo *a, const char *path, halo_err *err);

/* ---------------------------------------------------------------- REINFORCE */

typedef struct xagent_rf_opts {
    int hidden;               /* 32 */
    double lr;                /* Adam, 1e-2 */
    uint64_t seed;            /* 1 */
} xagent_rf_opts;

typedef struct xagent_rf xagent_rf;

void xagent_rf_defaults(xagent_rf_opts *o);
xagent_rf *xagent_rf_new(int feat_dim, const xagent_rf_opts *o, halo_err *err);
void xagent_rf_free(xagent_rf *a);
int xagent_rf_feat_dim(const xagent_rf *a);
/* Choices recorded since the last update. */
int xagent_rf_pending(const xagent_rf *a);

/* Sample one of n candidates (feats n x feat_dim, mask n or NULL) and
 * record the set and the choice.  Fails when n < 1 or all are masked. */
int xagent_rf_choose(xagent_rf *a, const float *feats, int n, const unsigned char *mask, int *choice,
                     halo_err *err);
/* The reward of the last choice; ignored when nothing is recorded. */
void xagent_rf_reward(xagent_rf *a, double reward);
/* One Adam step on -mean (r - b) log pi(choice) over the recorded choices
 * (b the running-mean baseline before each reward); clears them. */
int xagent_rf_update(xagent_rf *a, xagent_stats *out, halo_err *err);
/* The policy over n candidates: probs[n].  -1 when n < 1 or all masked. */
int xagent_rf_probs(xagent_rf *a, const float *feats, int n, const unsigned char *mask, float *probs);
int xagent_rf_save(const xagent_rf *a, const char *path, halo_err *err);

#endif
