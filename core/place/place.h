/*
 * place.h -- the placement IR (OSIRIS's internal representation) and the
 * placer that fills it.
 *
 * Owns: place_ir -- per device instance its cell, device box, keep-out,
 * halo box, orientation and position; the matched pairs and their shared
 * vertical symmetry axis; the placement boundary and grid -- and what is
 * done to it:
 *   place.c          IR construction from a netlist and its device cells,
 *                    metrics (HPWL, areas), the legality checker, the
 *                    spatial moves of exploration (shift, flip), copies,
 *                    and writing the IR into a layout top cell
 *   place_seqpair.c  sequence pairs: symmetric feasibility, the packing by
 *                    longest paths with the symmetry pushes
 *   place_ilp.c      positions of one sequence pair as an ILP (GLPK)
 *   place_sa.c       the annealer over sequence pairs and orientations
 *
 * The model.  A device keeps its generator's keep-out margin (the cell's
 * halo: abutting keep-outs are DRC-clean) and gets a placement margin
 * beyond it; keep-out plus margin is its halo box, fixed by place.  As in
 * OSIRIS, a device then moves freely inside its own halo box (perturb), so
 * halo boxes never overlap and every move is checked locally.
 *
 * Invariants of a legal IR (place_check):
 *   - halo boxes are pairwise disjoint and inside the boundary, whose
 *     lower-left corner is (0, 0);
 *   - every device's keep-out box lies inside its halo box;
 *   - device boxes' lower-left corners are on the placement grid;
 *   - orientations are R0, MX, MY or R180 (gates stay vertical);
 *   - matched pairs are mirror images about their symmetry axis: centres
 *     mirrored in x, equal bottom y, the partner's orientation the mirror
 *     (MY) of the other's; a lone member of an odd group sits on the axis.
 * Units: nm.  Nothing here prints; errors fill halo_err.
 */
#ifndef HALO_PLACE_H
#define HALO_PLACE_H

#include <stdint.h>

#include "base/halo_err.h"
#include "layout/layout.h"
#include "netlist/netlist.h"

/* Pin of a device for wirelength: its net (netlist index) and the centre
 * of its pin box, doubled (so half-nm centres stay integers), relative to
 * the device box's lower-left corner in R0. */
typedef struct place_pin {
    int net;
    int32_t dx2, dy2;
} place_pin;

typedef struct place_item {
    char *name;              /* device name, "XM1" */
    int dev;                 /* index into the netlist's devices */
    int cell;                /* layout cell */
    int32_t w, h;            /* device box (the cell's bounding box) */
    int32_t cell_x0, cell_y0;/* lower-left of that box in the cell's coordinates */
    int32_t keepout[4];      /* the cell's halo in R0: left bottom right top */
    place_pin *pins; int npins;
    int partner;             /* mirror partner; itself on the axis; -1 unmatched */
    int symclass;            /* symmetry class (axis) index, -1 unmatched */
    /* State. */
    lay_orient orient;       /* R0 MX MY R180 */
    int32_t x, y;            /* lower-left of the device box */
    lay_box halo;            /* the region the keep-out box must stay in */
} place_item;

typedef struct place_ir {
    place_item *items; int n;
    int nnets;               /* netlist net count (pins index it) */
    int32_t grid;            /* placement grid, nm */
    int32_t margin;          /* placement margin beyond the keep-out, nm */
    int nclasses;            /* symmetry classes: one axis each (usually 1) */
    int64_t *axis4;          /* per class: 4 x the axis position (exact) */
    int64_t *class_mod, *class_res;  /* per class: on the grid, axis4 = class_res (mod class_mod) */
    lay_box boundary;        /* (0, 0) - (W, H); empty before placing */
    int placed;              /* positions are set */
} place_ir;

/* Build the IR of a design: one item per device that has a cell
 * (dev_cell[i] >= 0), pins from the cells' pins named by the device's pin
 * roles, pairs from the netlist's match groups.  grid and margin in nm.
 * Returns 0, or -1 with *err (an empty design, a bad grid or margin). */
int place_ir_init(place_ir *ir, const lay_lib *lib, const netlist *nl, const int *dev_cell,
                  int32_t grid, int32_t margin, halo_err *err);
void place_ir_free(place_ir *ir);
/* Deep copy (dst uninitialised). */
void place_ir_copy(place_ir *dst, const place_ir *src);
/* Copy only the state (orientations, positions, halos, axes, boundary)
 * between IRs of the same items. */
void place_ir_copy_state(place_ir *dst, const place_ir *src);
int place_find(const place_ir *ir, const char *name);

/* Geometry of an item in its current state. */
lay_box place_device_box(const place_item *it);
lay_box place_keepout_box(const place_item *it);
/* Keep-out margins of an item in its orientation: left bottom right top. */
void place_keepout(const place_item *it, lay_orient o, int32_t out[4]);
/* Pin centre, doubled, of pin p of an item at (x, y) in orientation o. */
void place_pin_pos2(const place_item *it, const place_pin *p, lay_orient o, int32_t x, int32_t y,
                    int64_t *px2, int64_t *py2);

/* Metrics.  HPWL over nets with two or more pins, nm. */
double place_hpwl(const place_ir *ir);
/* Sum of device boxes and of halo boxes, nm^2. */
double place_device_area(const place_ir *ir);
double place_halo_area(const place_ir *ir);

/* Checker: the number of violations of the invariants above; the first
 * few are described in why (may be NULL). */
int place_check(const place_ir *ir, char *why, size_t whylen);

/* Spatial moves of exploration.  Shift an item by (dx, dy) nm, its
 * partner mirrored; flip it (flip_x: mirror left-right; else top-bottom)
 * in place, its partner the same way.  Return 1 when applied, 0 when the
 * result would not be legal (nothing changes). */
int place_shift(place_ir *ir, int item, int32_t dx, int32_t dy);
int place_flip(place_ir *ir, int item, int flip_x);

/* The orientation mirrored left-right (R0 <-> MY, MX <-> R180). */
lay_orient place_mirror_x(lay_orient o);
lay_orient place_mirror_y(lay_orient o);

/* Write the IR into cell top of lib: cleared, then one instance per item
 * in item order, named after the device.  Returns 0, -1 on a bad cell. */
int place_apply(const place_ir *ir, lay_lib *lib, int top);
/* Update instance i of top to item i's position (after a move). */
void place_apply_item(const place_ir *ir, lay_lib *lib, int top, int item);

/* ---------------------------------------------------------------- placer */

typedef enum { PLACE_OBJ_HPWL, PLACE_OBJ_AREA, PLACE_OBJ_BOTH } place_objective;

typedef struct place_opts {
    uint64_t seed;
    double effort;           /* annealing moves scale; 0: the ILP on the initial pair only */
    place_objective objective;
    int random_samples;      /* > 0: best of this many random pairs (each by the ILP), no annealing */
    int ilp_candidates;      /* annealing states the ILP finishes, default 4 */
} place_opts;

typedef struct place_stats {
    int moves, accepted;     /* annealing */
    int ilp_calls, ilp_failures;
    double cost;             /* final cost (relative to the initial pair's) */
    double hpwl_nm, bbox_area_nm2;
} place_stats;

/* Place every item: positions, orientations, halo boxes, boundary, axes.
 * Deterministic for o->seed.  Returns 0, or -1 with *err (GLPK failed on
 * every candidate -- not expected for a symmetric-feasible pair). */
int place_run(place_ir *ir, const place_opts *o, place_stats *stats, halo_err *err);

#endif
