/*
 * nn_train.h -- what training needs besides layers: the losses (MSE,
 * binary cross-entropy with logits, cross-entropy, Dice), the
 * policy-gradient helpers (log-probability and entropy of a categorical
 * over logits, PPO's clipped objective, generalised advantage estimation),
 * the optimisers (SGD with momentum, Adam, AdamW), gradient clipping and
 * learning-rate schedules.
 *
 * Losses return their value (a mean, summed in double) and write the
 * gradient with respect to their input when the pointer is not NULL.
 * Optimisers follow PyTorch's update rules exactly, so a model trained
 * here and one trained there with the same numbers agree.
 */
#ifndef HALO_NN_TRAIN_H
#define HALO_NN_TRAIN_H

#include "nn.h"

/* ---------------------------------------------------------------- losses */

double nn_loss_mse(const float *y, const float *target, size_t n, float *dy);
/* mean over n of BCE(sigmoid(z), t), stable for any z. */
double nn_loss_bce_logits(const float *z, const float *target, size_t n, float *dz);
/* mean over rows of -log softmax(logits)[label]. */
double nn_loss_cross_entropy(const float *logits, const int *labels, int rows, int classes, float *dlogits);
/* 1 - (2 sum p t + s) / (sum p + sum t + s), p = sigmoid(z), smooth s. */
double nn_loss_dice_logits(const float *z, const float *target, size_t n, float smooth, float *dz);

/* ---------------------------------------------------------------- policy gradient */

/* log softmax(logits)[action]; dlogits (may be NULL) = its gradient. */
double nn_categorical_logprob(const float *logits, int n, int action, float *dlogits);
/* -sum p log p of softmax(logits); dlogits (may be NULL) = its gradient. */
double nn_categorical_entropy(const float *logits, int n, float *dlogits);
/* PPO's clipped surrogate as a loss to minimise:
 * -mean_i min(r_i A_i, clip(r_i, 1-eps, 1+eps) A_i), r_i = exp(new_i - old_i);
 * dnew (may be NULL) = its gradient with respect to the new log-probs. */
double nn_ppo_clip_loss(const float *logp_new, const float *logp_old, const float *adv, int n, float eps,
                        float *dnew);
/* Generalised advantage estimation over one trajectory of T steps:
 * done[t] = 1 ends the episode after step t; last_value bootstraps. */
void nn_gae(const float *reward, const float *value, const float *done, int T, float last_value, float gamma,
            float lambda, float *adv, float *ret);

/* ---------------------------------------------------------------- optimisers */

typedef enum { NN_SGD, NN_ADAM, NN_ADAMW } nn_optim_kind;

typedef struct nn_optim {
    nn_optim_kind kind;
    float lr;
    float momentum;           /* SGD */
    float beta1, beta2, eps;  /* Adam(W) */
    float weight_decay;       /* SGD/Adam: L2 in the gradient; AdamW: decoupled */
    long step;
} nn_optim;

/* PyTorch's defaults: SGD momentum 0; Adam betas 0.9/0.999, eps 1e-8,
 * weight decay 0 (AdamW 0.01). */
void nn_optim_init(nn_optim *o, nn_optim_kind kind, float lr);
void nn_optim_step(nn_optim *o, nn_params *ps);
/* Scale all gradients so their global L2 norm is at most max_norm;
 * returns the norm before. */
double nn_clip_grad_norm(nn_params *ps, double max_norm);
/* Learning rate at step (0-based) of total: constant, or cosine from base
 * to min_lr after `warmup` linear steps. */
float nn_lr_cosine(float base, float min_lr, long step, long total, long warmup);

#endif
