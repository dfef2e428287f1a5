/*
 * predict_train.h -- data, training, evaluation and the NAS search of the
 * placement-quality predictors (the seed: nas-placement-quality).
 *
 * Owns:
 *   pt_data    a predictor dataset: features [N][C][S][S] and named
 *              metrics [N], read from the safetensors file the dataset
 *              flow writes ("features", "metric.<name>"; metadata:
 *              channels, circuit);
 *   pt_task    what to learn: one metric, the split (three-way, seeded;
 *              the test part is never seen by training or search), the
 *              threshold (the training part's quantile: the seed's good
 *              75 % / bad 25 %; lower is better) and the metric's
 *              standardisation for the regression output;
 *   pt_train   Adam with L2 weight decay, BCE on "good" plus a weighted
 *              MSE on the standardised metric, mini-batches in a seeded
 *              order;
 *   pt_nas     graph propagation (Algorithm 1 of the seed): edge and
 *              operation weights per guide-DAG, sampling, training each
 *              candidate on the train part and scoring it on the
 *              validation part, w <- w exp(alpha (acc - beta)) with beta
 *              the mean accuracy so far;
 *   the model file: safetensors with the weights under PyTorch names and
 *   the arch text, metric, threshold and standardisation as metadata.
 */
#ifndef HALO_PREDICT_TRAIN_H
#define HALO_PREDICT_TRAIN_H

#include <stdint.h>

#include "base/halo_err.h"
#include "nn/nn_safetensors.h"
#include "predict_net.h"

typedef struct pt_data {
    int n, c, size;
    float *x;                     /* [n][c][size][size] */
    int nmetrics;
    char **metric_name;
    float **metric;               /* [nmetrics][n] */
    nn_params file;               /* owns x and the metrics */
    nn_meta meta;
} pt_data;

int pt_data_read(const char *path, pt_data *d, halo_err *err);
void pt_data_free(pt_data *d);
/* The metric's values, NULL when absent. */
const float *pt_data_metric(const pt_data *d, const char *name);

typedef struct pt_task {
    const pt_data *data;
    const float *y;               /* the metric */
    char metric[64];
    double quantile;              /* fraction labelled good, 0.75 */
    double threshold;             /* good: y <= threshold */
    int log_metric;               /* standardise log(y) (all y > 0) */
    double mean, std;             /* of the (log) metric over the train part */
    int nchan;                    /* input standardisation per channel, */
    float cmean[256], cstd[256];  /* from the train part: (x - mean) / std */
    int *train, ntrain, *val, nval, *test, ntest;
    float *label;                 /* [n] 1 good, 0 bad */
} pt_task;

/* Split seeded: test = test_frac of all, val = val_frac of all, the rest
 * train; train_fraction < 1 keeps only that share of the train part
 * (the seed's alpha, of all data: alpha = 0.1 keeps 0.1 n).  Threshold and
 * standardisation come from the train part (or, when ref is given, are
 * copied from it -- a pretrained model's). */
int pt_task_init(pt_task *t, const pt_data *d, const char *metric, double quantile, double val_frac,
                 double test_frac, double alpha, uint64_t seed, halo_err *err);
void pt_task_free(pt_task *t);

typedef struct pt_opts {
    int epochs, batch;
    float lr, weight_decay, reg_weight;
    uint64_t seed;
    double deadline;              /* seconds since an epoch start; 0: none */
    int keep_best;                /* end with the weights of the epoch best on the
                                     validation part (the test part is never looked at) */
    /* progress: called after every epoch; returns nonzero to stop */
    int (*progress)(void *ctx, int epoch, double loss, double val_acc);
    void *ctx;
} pt_opts;

void pt_opts_default(pt_opts *o);   /* 45 epochs, batch 48, Adam 5e-4, wd 1e-3, reg 0.25 */

typedef struct pt_stats {
    int epochs;
    double loss;                  /* last epoch's mean loss */
    int best_epoch;               /* with keep_best: the epoch whose weights were kept */
    double seconds;
} pt_stats;

int pt_train(pn_model *m, const pt_task *t, const pt_opts *o, pt_stats *st);
/* Accuracy of sigmoid(logit) > 0.5 against the labels over idx; the
 * mean absolute error of the metric prediction (in the metric's units)
 * into *mae when not NULL. */
double pt_accuracy(pn_model *m, const pt_task *t, const int *idx, int n, double *mae);
/* The majority-class accuracy over idx (what a constant guess gets). */
double pt_majority(const pt_task *t, const int *idx, int n);
/* The metric a regression output stands for (undoes the standardisation). */
double pt_metric_of(const pt_task *t, float z);
/* Standardise n pictures in place with the task's channel statistics. */
void pt_normalize(const pt_task *t, float *x, int n, int size);
/* Predict for one picture (raw, as pf_raster draws it; standardised
 * here): probability of good, and the metric. */
void pt_predict(pn_model *m, const pt_task *t, float *x, double *p_good, double *metric);

/* ---------------------------------------------------------------- model file */

int pt_model_save(const char *path, pn_model *m, const pt_task *t, const nn_meta *extra, halo_err *err);
/* Loads the model and fills *t's metric, threshold and standardisation
 * (t->data NULL, no split). */
pn_model *pt_model_load(const char *path, pt_task *t, nn_meta *meta, halo_err *err);
/* Copy weights of the same names and shapes from src into dst; returns
 * how many tensors were copied. */
int pt_copy_weights(pn_model *dst, pn_model *src);

/* ---------------------------------------------------------------- NAS */

typedef struct pt_guide {
    double w_edge[PN_NDAGS][PN_MAXV + 1][PN_MAXV + 1];
    double w_op[PN_NDAGS][PN_MAXV + 1][PN_NOPS];
} pt_guide;

void pt_guide_init(pt_guide *g);
/* Algorithm 1: sample every DAG of a from the guide. */
void pt_guide_sample(const pt_guide *g, pn_arch *a, halo_rng *rng);
/* w <- w exp(alpha (acc - beta)) for a's edges and operations. */
void pt_guide_update(pt_guide *g, const pn_arch *a, double alpha, double acc, double beta);

#endif
