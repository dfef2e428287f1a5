/*
 * legalise.h -- from the model's pixels back to shapes the design rules
 * accept (the seed's legalisation: rectilinear shapes on the grid, then
 * the rules of the layers involved).
 *
 * Owns, per task:
 *   - cuts (contact, via): every grid spot where a cut of a task layer
 *     would cover predicted pixels for a third of its area or more is a
 *     site, scored by the model's mean probability there; sites of all
 *     the task's layers, most probable first, become cuts of the layer's
 *     exact size wherever the conductors below and above enclose them as
 *     the enclosure rules ask (and npc a poly contact's part over poly),
 *     and they keep their spacing to every other
 *     cut (so an array's blob becomes as many cuts as fit); a blob still
 *     without a cut then gets its most probable fitting spot within four
 *     pixels (the model localises to a few pixels); unless stacking is
 *     asked for, a spot takes one layer's cut only;
 *   - nwell: the predicted well with gaps narrower than the well spacing
 *     filled, specks smaller than a minimum-width square dropped, kept
 *     clear of N diffusion by the rule's distance, as maximal rectangles,
 *     plus the exact enclosure every P diffusion and N tap needs (so a
 *     PMOS is never left outside a well); then wells nearer each other
 *     than the well spacing, or too ragged for a rectangle, become their
 *     bounding box wherever N diffusion, P taps and MIM caps allow;
 *   - route: of the route layers whose wiring both command points touch,
 *     the one with the most probable connecting path (each pixel costing
 *     -log of the model's probability, a bend six times e^-1's cost,
 *     other wires of the layer barred, and so, while a path remains, are
 *     the pixels certainly nearer them than the spacing rule), and that
 *     path drawn as straight runs of the width of the wire it continues,
 *     runs inside a cut wire's band on its edges (a sideways step there
 *     dropped), other edges moved onto the wiring's within a pixel.
 * Everything lands on the technology grid.  What the legaliser adds is
 * judged by halo's DRC and LVS afterwards, not assumed clean.
 */
#ifndef HALO_COMPLETE_LEGALISE_H
#define HALO_COMPLETE_LEGALISE_H

#include "complete.h"
#include "layout/flat.h"
#include "tech/tech.h"

typedef struct lfm_shape {
    int layer;               /* lib's layer index */
    lay_box box;
} lfm_shape;

/* The predicted pixels of the task's channels: prob >= threshold, not
 * already in the input, inside the pixel window [wx0, wx1) x [wy0, wy1).
 * pred is [C][h][w], overwritten. */
void lfm_predicted(const lfm_model *m, const lfm_raster *in, const float *prob, float threshold, int wx0, int wy0,
                   int wx1, int wy1, uint8_t *pred);

/* Shapes (malloc'ed in *out, count in *n) that realise pred on f (the
 * flattened incomplete layout, whose library gives the layer indices)
 * under tech's rules.  prob ([C][h][w]) is what pred was thresholded
 * from: a route follows its most probable path.  cmd ([h][w] or NULL)
 * marks the route's points; win = {x0, y0, x1, y1} is the pixel window a
 * route or a cut may use; stack (cuts) lets cuts of several layers share
 * a spot. */
int lfm_legalise(const lfm_model *m, const lfm_raster *in, const float *prob, const uint8_t *pred, const uint8_t *cmd,
                 const int win[4], int stack, lay_flat *f, const halo_tech *tech, lfm_shape **out, int *n, halo_err *err);

#endif
