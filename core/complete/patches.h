/*
 * patches.h -- training pairs for the layout foundation model: random
 * patches of layout rasters with layout elements removed (the input) and
 * the removed elements (the target), for self-supervised pre-training and
 * for each completion task's fine-tuning (the seed's §II.C and §II.D).
 *
 * Owns:
 *   - lfm_corpus: the rasters of a set of layouts, with the connected
 *     components ("layout elements") of every channel found once, so a
 *     sample is drawn in O(patch) time;
 *   - the tasks: pretrain (random masking: a channel drawn uniformly among
 *     the channels the corpus has, so every layer type gets the same
 *     number of samples, then a random subset of that channel's elements
 *     in the patch removed), contact (cuts of the contact channel inside a
 *     random box removed), via (the same for one via channel: mcon, via,
 *     via2, via3; a quarter of the boxes the whole patch, the others up to
 *     a patch a side; the box round the removed cuts, grown by 0-8 pixels,
 *     goes to a command channel: the window where cuts are missing, the
 *     seed's explicit command for vias), nwell (every
 *     N-well of a patch sampled where N-wells are), route (one metal element cut inside a random box; the points
 *     where the cut part met the kept part go to a command channel, the
 *     seed's start and end points), nwell_edge (every N-well of a patch
 *     round a well's side, the command channel a coarse well: the well
 *     on a grid LFM_EDGE_COARSE times coarser, each side moved up to two
 *     coarse pixels in or out, as a coarse model's sides land; the task
 *     places the sides at the fine pixel);
 *   - lfm_sample: one (input, target) pair at a chosen patch size.
 * Patch windows may reach past the layout's edge; what lies outside is
 * empty, as it is on a chip.  The same rng state gives the same sample.
 */
#ifndef HALO_COMPLETE_PATCHES_H
#define HALO_COMPLETE_PATCHES_H

#include "base/rng.h"
#include "layout/gds.h"
#include "raster.h"

typedef enum { LFM_PRETRAIN, LFM_CONTACT, LFM_VIA, LFM_NWELL, LFM_ROUTE, LFM_NWELL_EDGE, LFM_NTASKS } lfm_task;

/* nwell_edge: the hint (its command channel) is the well as a model at
 * LFM_EDGE_COARSE times the pixel draws it, each side slipped up to
 * LFM_EDGE_SLIP coarse pixels; so a true side lies within LFM_EDGE_BAND
 * pixels of the hint's (the slip, plus the coarse pixel's rounding), and
 * an edge model changes nothing farther out. */
#define LFM_EDGE_COARSE 4
#define LFM_EDGE_SLIP 2
#define LFM_EDGE_BAND ((LFM_EDGE_SLIP + 1) * LFM_EDGE_COARSE)

const char *lfm_task_name(lfm_task t);
/* 0, or -1 for an unknown name. */
int lfm_task_parse(const char *name, lfm_task *t);
/* Command channels the task's input carries after the layout channels. */
int lfm_task_cmd_channels(lfm_task t);
/* Whether channel ch (of m) is one the task removes and completes. */
int lfm_task_targets(lfm_task t, const lfm_chanmap *m, int ch);
/* The place of channel ch among the task's layers (route: li1 met1 met2
 * met3 met4 -> 0..4), -1 when the task does not complete it. */
int lfm_task_target_index(lfm_task t, const lfm_chanmap *m, int ch);

/* A command byte per pixel: 0 where nothing is marked.  With one command
 * channel any mark is on; with one per layer (routing: a point is marked
 * on the layer whose wire ends there) bit j of the byte is layer j's.
 * The value of command channel j (of ncmd) for byte v: */
static inline float lfm_cmd_value(uint8_t v, int ncmd, int j)
{
    return ncmd == 1 ? v != 0 : (float)((v >> j) & 1);
}

/* One connected element of a channel. */
typedef struct lfm_elem {
    int x0, y0, x1, y1;      /* pixel bounding box, [x0, x1) */
    int sx, sy;              /* one of its pixels */
    int pixels;
    double cx, cy;           /* the mean of its pixels' coordinates (lfm_flood) */
} lfm_elem;

/* Flood fill: the 4-connected on pixels of plane [h][w] reachable from
 * pixel seed get mark in lab (0 = not yet seen); returns the element's
 * box, size and centroid, pixels = -1 on no memory.  s is scratch the caller
 * frees (s->v). */
typedef struct lfm_stack {
    int *v;
    size_t n, cap;
} lfm_stack;
lfm_elem lfm_flood(const uint8_t *plane, int h, int w, int seed, int *lab, int mark, lfm_stack *s);

typedef struct lfm_corpus {
    lfm_chanmap map;
    int n;
    lfm_raster **r;          /* owned */
    char **name;             /* owned */
    lfm_elem **elems;        /* [n * nch]: elements of layout i, channel c */
    int *nelems;             /* [n * nch] */
} lfm_corpus;

void lfm_corpus_init(lfm_corpus *c, const lfm_chanmap *m);
/* Adopt a raster (its channels are m's); finds its elements. */
int lfm_corpus_add(lfm_corpus *c, const char *name, lfm_raster *r);
/* Read a GDS file and adopt the raster of each of its top cells at pixel
 * size px (nm); returns the number of layouts added, -1 with err filled. */
int lfm_corpus_add_gds(lfm_corpus *c, const char *path, const halo_tech *tech, int32_t px, halo_err *err);
void lfm_corpus_free(lfm_corpus *c);
/* Elements of channel ch over the whole corpus. */
long lfm_corpus_elements(const lfm_corpus *c, int ch);

typedef struct lfm_sample_info {
    int layout;              /* corpus index */
    int channel;             /* the channel elements were removed from */
    int x0, y0;              /* patch's lower-left pixel in the layout */
    long removed;            /* target pixels */
} lfm_sample_info;

/* One pair: x [C + cmd][size][size] (layout channels without the removed
 * elements, then the task's command channels), y [C][size][size] (the
 * removed elements).  Returns 0, or -1 when the corpus has nothing the
 * task can remove. */
int lfm_sample(const lfm_corpus *c, lfm_task t, int size, halo_rng *rng, float *x, float *y,
               lfm_sample_info *info);

#endif
