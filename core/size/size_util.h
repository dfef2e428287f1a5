/*
 * size_util.h -- what the sizing models of core/size share: reading and
 * checking numbers in a model file's metadata, filling a freshly built
 * model's parameters from a file's tensors (every one present, shapes
 * equal, nothing extra), the seeded mini-batch order, and when a training
 * loop reports progress.
 *
 * Owns no state beyond the batch order it hands out.  Errors are
 * HALO_E_SZM_FILE (a model file) or HALO_E_SZM_VALUE (an argument).
 */
#ifndef HALO_SIZE_UTIL_H
#define HALO_SIZE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/halo_err.h"
#include "base/rng.h"
#include "nn/nn.h"
#include "nn/nn_safetensors.h"

/* An integer metadata value in [lo, hi]: 0, or -1 when missing or not
 * exactly such a decimal integer. */
int size_meta_int(const nn_meta *meta, const char *key, int lo, int hi, int *v);
/* A finite float metadata value in [lo, hi]. */
int size_meta_float(const nn_meta *meta, const char *key, double lo, double hi, float *v);
void size_meta_set_int(nn_meta *meta, const char *key, long v);
/* Shortest text that reads back to the same float. */
void size_meta_set_float(nn_meta *meta, const char *key, float v);
/* Copy the caller's extra keys into meta; -1 (and *bad = the key) when one
 * is already there (the model's own keys are reserved). */
int size_meta_merge(nn_meta *meta, const nn_meta *extra, const char **bad);
/* Write a model file: the caller's keys (extra, may be NULL) merged into
 * meta (which is freed), then the parameters.  what names the model in the
 * error ("ddpm_save"), own lists the keys it reserves for itself. */
int size_model_write(const char *path, const nn_params *ps, nn_meta *meta, const nn_meta *extra, const char *what,
                     const char *own, halo_err *err);

/* Copy every parameter of dst from the tensor of the same name in file:
 * refused (HALO_E_SZM_FILE naming the tensor) when one is missing, has
 * another shape, or file holds a tensor dst has not.  kind is "ddpm",
 * "size_mlp", ... for the message. */
int size_params_fill(nn_params *dst, const nn_params *file, const char *source, const char *kind, halo_err *err);

/* Fill err with HALO_E_SZM_VALUE: `what "v": expected EXPECTED.`, v
 * printed as the shortest decimal that means it.  Returns the id. */
int size_bad_value(halo_err *err, const char *what, double v, const char *expected);

/* Whether all n values are finite. */
int size_all_finite(const float *v, size_t n);

/* ---------------------------------------------------------------- training runs */

/* What a training run of a sizing model takes (ddpm_train, size_mlp_train;
 * each model's *_train_opts_default fills its own defaults). */
typedef struct size_train_opts {
    int steps;                /* optimiser steps */
    int batch;                /* samples per step (capped at n) */
    float lr;                 /* Adam's learning rate */
    float lr_min;             /* cosine decay from lr to lr_min; = lr for a constant rate */
    int warmup;               /* linear warm-up steps */
    float weight_decay;       /* AdamW's decoupled decay when > 0 */
    float grad_clip;          /* global gradient-norm bound, 0 none */
    uint64_t seed;            /* batch order and every other draw */
    /* optional validation set (never trained on) */
    const float *val_x, *val_c;
    int nval;
    int val_every;            /* 0: validate only at the end; else also every val_every steps */
    /* progress: called about 100 times (every progress_every steps when
     * > 0) and after the last step, with the mean training loss since the
     * previous call */
    void (*progress)(void *ctx, int step, int nsteps, double loss);
    int progress_every;
    void *ctx;
} size_train_opts;

typedef struct size_train_stats {
    int steps;                /* done */
    double loss;              /* mean training loss over the last 10 % of the steps */
    double val_loss;          /* the last validation loss, -1 without a validation set */
    double seconds;
} size_train_stats;

/* Options every run needs in range: 0, or HALO_E_SZM_VALUE naming the
 * option (what names the caller, "ddpm_train"). */
int size_train_opts_check(const size_train_opts *o, int n, const char *what, halo_err *err);

/* The training loop both models share: for each step the learning rate
 * (cosine from lr to lr_min after `warmup` linear steps), the next batch
 * of a seeded order, the model's step; the mean loss over the last 10 %
 * of the steps, validation (every val_every steps and at the end) and the
 * progress callback.  The model's step does the forward, backward,
 * clipping and optimiser step on rows idx[0..bs) and returns the batch's
 * loss; validate returns the validation loss (called only with nval > 0).
 * Fills st (steps, loss, val_loss, seconds). */
typedef struct size_trainer {
    double (*step)(void *ctx, const int *idx, int bs, float lr);
    double (*validate)(void *ctx);
    void *ctx;
} size_trainer;

void size_train_loop(const size_train_opts *o, int n, const size_trainer *t, size_train_stats *st);

/* Mini-batches: indices drawn from a seeded permutation of 0..n-1,
 * reshuffled when used up (every sample once per pass). */
typedef struct size_batcher {
    int n, pos;
    int *perm;
    halo_rng rng;
} size_batcher;

void size_batcher_init(size_batcher *b, int n, uint64_t seed);
/* The next k indices into idx. */
void size_batcher_next(size_batcher *b, int *idx, int k);
void size_batcher_free(size_batcher *b);

/* Whether a loop of nsteps with a progress callback reports after step
 * (1-based): every `every` steps when every > 0, else about 100 times,
 * and always after the last. */
int size_progress_due(int step, int nsteps, int every);

#endif
