/*
 * predict_features.h -- a placement as an image: the input of the
 * placement-quality predictors (the seed's X_i in R^{w x h x c}).
 *
 * Owns: the channel table and the rasteriser.  The picture is a square of
 * size x size pixels over the placement boundary's longer side, lower-left
 * corner at (0, 0), so shapes keep their aspect ratio and a smaller layout
 * leaves the top or right margin empty; y grows with the row index.  The
 * placement alone is used: nothing routed, extracted or simulated.
 *
 * Channels (PF_CHANNELS), each documented where it is drawn:
 *   0 nmos      fraction of the pixel covered by NMOS device boxes
 *   1 pmos      ... by PMOS device boxes
 *   2 passive   ... by resistors and capacitors
 *   3 gate      gate pins per pixel (pins of role G)
 *   4 drain     drain pins (D)
 *   5 source    source / body pins (S, B)
 *   6 p_supply  pins on supply nets (supply_pos, supply_neg roles)
 *   7 p_signal  pins on input and output nets
 *   8 p_inner   pins on bias, internal and other nets
 *   9 rudy      RUDY: per net with 2+ pins, (w + h) / (w h) of its pin
 *               bounding box (um^-1) spread over that box -- the expected
 *               wire density, summed over nets
 *   10 rudy_sig RUDY of the input/output nets only (the signal path)
 *   11 matched  coverage by devices of a matched pair
 *   12 mismatch |matched coverage - the coverage of the matched devices'
 *               mirror images about their symmetry axis| (0 everywhere
 *               when every pair is an exact mirror image)
 *   13 halo     coverage by halo boxes (where devices may still move)
 *   14 scale    constant: the picture's side in um / 100 (absolute size,
 *               which the normalised picture loses)
 *   15 fingers  MOS device coverage x its finger count / 10: the finger
 *               arrangement, which a 32-pixel picture of the boxes barely
 *               shows and which decides much of the post-layout quality
 *   16 finger_w MOS device coverage x its width per finger (um)
 * Pin counts are per pixel; coverages are fractions in [0, 1].
 *
 * Models made before channels 15 and 16 existed read PF_CHANNELS_V1
 * channels: the first 15 of this picture, unchanged (pf_picture_kind).
 *
 * A move picture (PF_MOVE_CHANNELS) is what a move-level predictor sees:
 * the placement after a candidate move, channels 0 .. 16 as above, then
 * channels 17 .. 33 (d_nmos .. d_finger_w) the change the move made, after
 * minus before.  A picture of the whole placement cannot tell nearly
 * equal placements apart at 100 nm; the difference says which device
 * moved, where to, and what it moved against.
 */
#ifndef HALO_PREDICT_FEATURES_H
#define HALO_PREDICT_FEATURES_H

#include "base/halo_err.h"
#include "netlist/netlist.h"
#include "place/place.h"

#define PF_CHANNELS 17
#define PF_MOVE_CHANNELS (2 * PF_CHANNELS)
#define PF_CHANNELS_V1 15
#define PF_MAX_SIZE 512

/* What a model's input channel count asks for. */
typedef enum pf_kind {
    PF_KIND_NONE,       /* not a picture halo draws */
    PF_KIND_PLACEMENT,  /* PF_CHANNELS */
    PF_KIND_MOVE,       /* PF_MOVE_CHANNELS */
    PF_KIND_V1,         /* PF_CHANNELS_V1: the placement without the finger channels */
    PF_KIND_MOVE_V1     /* 2 x PF_CHANNELS_V1: a move picture of those; no longer drawn */
} pf_kind;
pf_kind pf_picture_kind(int channels);

/* Channel c's name, c < PF_MOVE_CHANNELS (d_<name> from PF_CHANNELS on);
 * NULL past the end. */
const char *pf_channel_name(int c);

/* Make after (a picture of PF_MOVE_CHANNELS x size x size whose first
 * PF_CHANNELS hold the placement after the move) a move picture: its last
 * PF_CHANNELS become after minus before. */
void pf_move_picture(float *after, const float *before, int size);

/* Rasterise a placed IR: out gets [PF_CHANNELS][size][size] floats
 * (row-major, row 0 at y = 0).  size 4 .. PF_MAX_SIZE.  *extent_um (may
 * be NULL) receives the picture's side.  Returns 0, or -1 with *err (not
 * placed, bad size). */
int pf_raster(const place_ir *ir, const netlist *nl, int size, float *out, double *extent_um, halo_err *err);

#endif
