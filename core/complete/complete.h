/*
 * complete.h -- the layout foundation model as a whole: a U-Net
 * (unet.h) with what it was trained on (channel table, pixel size, patch
 * size, task), its training (pre-training on random masking, fine-tuning
 * on a task's samples), inference over a layout of any size by
 * overlapping double sampling, and the scores of a completion.
 *
 * Owns:
 *   - lfm_model and its file (safetensors: the U-Net's tensors, and in the
 *     metadata the U-Net's configuration plus channels, pixel_nm,
 *     patch, task);
 *   - lfm_train: Adam with warm-up and cosine decay on batches of
 *     lfm_sample pairs -- fresh pairs every step when samples is 0
 *     (pre-training: the seed's augmentation by random patches and
 *     masks), else a fixed set of that many pairs (a task's data);
 *     validation on pairs from held-out layouts;
 *   - lfm_infer: the seed's slicing with overlapping double sampling: two
 *     tilings of the window offset by half a patch, each pixel the
 *     average of its two predictions weighted by how far inside each
 *     patch it lies, so no pixel is judged from a patch edge alone
 *     (N-well patches each run in four mirrored views, averaged; a route
 *     also through one patch centred on its two points);
 *   - the command planes inference takes: a route's two points marked on
 *     the layer it joins (lfm_command_route), a via window
 *     (lfm_command_window), the coarse well whose sides an N-well edge
 *     model places (lfm_command_coarse; its patches run only across
 *     the coarse well's sides);
 *   - lfm_scores: IoU and Dice of a prediction against the truth.
 * Legalisation, the step from pixels back to rule-clean shapes, is
 * legalise.h's.
 */
#ifndef HALO_COMPLETE_H
#define HALO_COMPLETE_H

#include "base/halo_err.h"
#include "nn/nn_train.h"
#include "patches.h"
#include "raster.h"
#include "unet.h"

typedef struct lfm_model {
    lfm_unet *net;
    lfm_chanmap map;
    lfm_task task;           /* what it was last trained for */
    int32_t px;              /* pixel size, nm */
    int patch;               /* patch side, pixels */
    long trained_steps;      /* over its whole history (pre-training + fine-tuning) */
} lfm_model;

/* A new model for map's channels and the task's command channels. */
int lfm_model_new(lfm_model *m, const lfm_cfg *cfg, const lfm_chanmap *map, lfm_task task, int32_t px, int patch,
                  uint64_t seed, halo_err *err);
/* Fine-tuning's start: a copy of src for task (new command channels
 * random, everything else src's weights). */
int lfm_model_derive(lfm_model *m, const lfm_model *src, lfm_task task, uint64_t seed, halo_err *err);
/* Command channels of m's input: its task's when it was made (a via model
 * saved before the window channel has none). */
int lfm_model_cmd_channels(const lfm_model *m);
int lfm_model_save(const lfm_model *m, const char *path, halo_err *err);
int lfm_model_load(const char *path, lfm_model *m, halo_err *err);
void lfm_model_free(lfm_model *m);

typedef struct lfm_scores {
    double tp, fp, fn;       /* pixels */
    double iou, dice;        /* 1 when prediction and truth are both empty */
} lfm_scores;
void lfm_scores_finish(lfm_scores *s);

typedef struct lfm_train_opts {
    int steps, batch;
    int samples;             /* 0: fresh pairs each step; N: a fixed set of N */
    int val;                 /* validation pairs (from the val corpus) */
    float lr, dice_weight;
    uint64_t seed;
    double max_seconds;      /* 0: no limit */
    int progress_every;      /* steps; 0: never */
    void (*progress)(void *ctx, long step, long steps, double loss, double seconds);
    void *ctx;
} lfm_train_opts;

typedef struct lfm_train_result {
    long steps;
    double first_loss, last_loss;   /* means over the first / last 10 % of steps */
    double val_loss;
    lfm_scores val;                 /* the task's channels, threshold 0.5 */
    lfm_scores val_empty;           /* an all-empty prediction, for comparison */
    double seconds;
} lfm_train_result;

int lfm_train(lfm_model *m, const lfm_corpus *train, const lfm_corpus *val, const lfm_train_opts *o,
              lfm_train_result *res, halo_err *err);

/* Validation alone: scores of m on n pairs of its task drawn from c. */
int lfm_evaluate(lfm_model *m, const lfm_corpus *c, int n, uint64_t seed, lfm_scores *s, lfm_scores *empty,
                 double *loss, halo_err *err);

/* Probabilities [C][in->h][in->w] of what the model adds to the raster in
 * (the layout with elements missing), with cmd ([h][w], or NULL) as the
 * command channel; malloc'ed, NULL on no memory. */
float *lfm_infer(lfm_model *m, const lfm_raster *in, const uint8_t *cmd);

/* The command plane ([in->h][in->w] bytes, lfm_cmd_value) for a route
 * from (fx, fy) to (tx, ty) nm, marked as the route samples mark their
 * ends: where a told layer's wiring ends at a point, facing the other,
 * its cross-section there and the pixels a step ahead (two pixels deep,
 * as wide as the wire); a 3x3 mark where no wire ends at the point.  A
 * model with one command channel takes any mark; one with a
 * channel per layer is told the layer to join them on -- keep's (the
 * channels -layers names, or NULL) when given, else the layer whose
 * wiring ends at both points (on a pixel behind, off a pixel ahead,
 * toward the other: the two ends of a cut wire, not a strap passing
 * under), else at either, else the layers with wiring within a pixel of
 * both points, of either, all. */
void lfm_command_route(const lfm_model *m, const lfm_raster *in, const uint8_t *keep, int32_t fx, int32_t fy,
                       int32_t tx, int32_t ty, uint8_t *cmd);
/* The via command: the window's pixels [x0, x1) x [y0, y1), as the via
 * samples mark the box their cuts were removed from. */
void lfm_command_window(const lfm_raster *r, int x0, int y0, int x1, int y1, uint8_t *cmd);
/* The area a completion of window win rasterises: half m's patch of
 * context round it, its origin on m's pixel grid. */
lay_box lfm_context_area(const lfm_model *m, lay_box win);
/* The N-well edge command: the well the coarse model (an nwell model at
 * a coarser pixel) predicts over window win of f, with half its own patch
 * of context, each pixel of in taking the coarse pixel that holds its
 * centre (1 where f has a well).  The coarse model runs phases times, its
 * grid shifted diagonally by a phases-th of its pixel each time, and a
 * pixel is on when its mean probability is over threshold: a well's side
 * lies mid-pixel on any one coarse grid, and the shifted grids between
 * them place it to a phases-th of the coarse pixel.  Returns 0, or -1 on
 * no memory. */
#define LFM_COARSE_PHASES 4
#define LFM_COARSE_PHASES_MAX 8
int lfm_command_coarse(lfm_model *coarse, const lay_flat *f, lay_box win, const lfm_raster *in, float threshold,
                       int phases, uint8_t *cmd);

#endif
