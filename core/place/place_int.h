/*
 * place_int.h -- what the placer's files share (private; the API is
 * place.h).
 *
 * Owns: the sequence-pair state the annealer moves (sp_state), the
 * per-run constants derived from the IR once (sp_ctx: oriented halo
 * margins, symmetry units and classes), and a solved geometry (sp_geom:
 * positions and boundary) that either the longest-path packing or the ILP
 * produces and place_sp_commit writes into the IR.
 *
 * Conventions: a before b in both sequences puts a left of b; a after b in
 * gp and before b in gm puts a below b.  A sequence pair is symmetric-
 * feasible when, for symmetric items u != v (of any class), u before v in
 * gp <=> sym(v) before sym(u) in gm; place_sp_repair restores that after
 * any move by reordering the symmetric items among their own slots of gm.
 * Positions are device-box lower-left corners in nm, multiples of the grid.
 */
#ifndef HALO_PLACE_INT_H
#define HALO_PLACE_INT_H

#include "place.h"
#include "base/rng.h"

typedef struct sp_state {
    int n;
    int *gp, *gm;            /* the two sequences of item indices */
    lay_orient *orient;      /* per item; a partner always holds the mirror */
} sp_state;

typedef struct sp_geom {
    int32_t *x, *y;          /* per item */
    int32_t width, height;   /* boundary */
} sp_geom;

typedef struct sp_ctx {
    const place_ir *ir;
    int n;
    int32_t g;               /* grid */
    int32_t (*marg)[4][4];   /* per item, per orientation R0 MX MY R180: l b r t halo margins */
    int *pair_a, *pair_b;    /* symmetric units: pair (a left, b right) or self (a == b) */
    int *unit_class;
    int nunits;
    int nclasses;
    int *net_start;          /* pins of net k: net_item/net_pin[net_start[k] .. net_start[k+1]) */
    int *net_item, *net_pin;
    int32_t **pin_off2;      /* per item: [orientation index][pin][axis], doubled pin offsets */
    int **pin_q;             /* per item and pin: its index in the net lists */
    double *q_off[2];        /* per net-list pin, this evaluation's offset along x and y */
    /* scratch */
    int *pos_p, *pos_m;
    int64_t *lb, *pos;       /* lower bounds, positions along the axis being packed */
    int64_t *sep;            /* n x n, one axis: sep[j*n+i] >= 0 when j precedes i, else -1 */
    double *ends;

} sp_ctx;

/* Orientation index 0..3 of R0 MX MY R180. */
static inline int place_orient_index(lay_orient o)
{
    return o == LAY_MX ? 1 : o == LAY_MY ? 2 : o == LAY_R180 ? 3 : 0;
}

void sp_state_init(sp_state *s, int n);
void sp_state_free(sp_state *s);
void sp_state_copy(sp_state *dst, const sp_state *src);
int sp_state_equal(const sp_state *a, const sp_state *b);
void sp_geom_init(sp_geom *g, int n);
void sp_geom_free(sp_geom *g);

int sp_ctx_init(sp_ctx *c, const place_ir *ir, halo_err *err);
void sp_ctx_free(sp_ctx *c);

/* The state the IR's items start from: both sequences in item order, the
 * items' orientations (partners mirrored), then repaired. */
void place_sp_initial(const sp_ctx *c, sp_state *s);
/* A uniformly random sequence pair and orientations, repaired. */
void place_sp_random(const sp_ctx *c, sp_state *s, halo_rng *rng);
/* Make gm symmetric-feasible against gp and partners' orientations mirrored. */
void place_sp_repair(const sp_ctx *c, sp_state *s);

/* Pack: minimum positions by longest paths with the symmetry pushes, then
 * each item (a pair as one, mirrored) slid within the room the others
 * leave towards its nets.  Returns 0, or -1 when the pushes do not settle
 * (the caller asks the ILP). */
int place_sp_pack(sp_ctx *c, const sp_state *s, sp_geom *out);
/* HPWL (nm) of a geometry. */
double place_sp_hpwl(const sp_ctx *c, const sp_state *s, const sp_geom *g);

/* Exact positions by ILP: minimise hpwl_weight * HPWL + width_weight * W +
 * height_weight * H under the pair's constraints, symmetry and the grid,
 * to within 0.1 % (or the best found in 4000 branch-and-bound nodes per
 * axis).  hint, when not
 * NULL, is a legal geometry of the same state (the packing) that starts
 * the search, so the result is never worse than it; without one, the
 * area-only problem is solved first to give the start.  Returns 0, -1 when
 * GLPK finds no solution. */
int place_ilp_solve(sp_ctx *c, const sp_state *s, double hpwl_weight, double width_weight,
                    double height_weight, const sp_geom *hint, sp_geom *out);

/* Write a solved state into the IR (orientations, positions, halo boxes,
 * axes, boundary). */
void place_sp_commit(const sp_ctx *c, const sp_state *s, const sp_geom *g, place_ir *ir);

#endif
