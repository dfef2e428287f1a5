/*
 * drc_int.h -- what the DRC files share (not a public API): merged regions
 * with their own bin index, the boolean operations that derive layers
 * (gate = poly AND diff ...), and the primitive checks the rule table of
 * drc.c is built from.
 *
 * Invariants: a region's boxes are the canonical slabs of flat_merge
 * (non-overlapping, so covered area is a plain sum); a region owns its
 * boxes and index (built on its first query); queries are not reentrant per region (dedup stamp).
 * Files: drc_geom.c (regions), drc.c (named regions, driver), drc_eval.c
 * (evaluators), drc_rules.c (the rule table).
 */
#ifndef HALO_DRC_INT_H
#define HALO_DRC_INT_H

#include "drc.h"

typedef struct drc_rgn {
    lay_box *b;
    int n;
    int32_t ox, oy, bs;     /* bin origin and size */
    double inv;             /* 1 / bs */
    int grid, exact;        /* grid computed; exact: every box in the grid
                               (queries see all of r; see drc_rgn_exact) */
    int nbx, nby;
    int *start, *items;     /* nbx*nby+1 offsets, box indices (ascending,
                               so in (y0, x0) order within a bin) */
    int32_t *reach;         /* per entry of items: the highest y1 of its bin's
                               boxes up to it (a scan's start, bin_first) */
    unsigned *stamp;
    unsigned cur;
    int *comp;              /* connected component per box, lazily built */
    int ncomp;
    int *hit, hcap;         /* query buffer of drc_geom.c's own helpers */
} drc_rgn;

/* Region of the union of boxes (copied, merged, indexed). */
drc_rgn *drc_rgn_new(const lay_box *boxes, int n);
/* A copy of a region (no second merge). */
drc_rgn *drc_rgn_clone(const drc_rgn *a);
void drc_rgn_free(drc_rgn *r);
/* Indices of boxes meeting win: strict = 1 needs a shared interior,
 * 0 counts touching.  Appends into *out (capacity *cap); returns count. */
int drc_rgn_query(drc_rgn *r, lay_box win, int strict, int **out, int *cap);
/* Area of r inside win, nm^2. */
int64_t drc_rgn_area_in(drc_rgn *r, lay_box win);
/* 1 when win (a zero-area box counts as covered) lies inside r. */
int drc_rgn_covers(drc_rgn *r, lay_box win);
/* Booleans. */
drc_rgn *drc_rgn_and(drc_rgn *a, drc_rgn *b);
drc_rgn *drc_rgn_not(drc_rgn *a, drc_rgn *b);
drc_rgn *drc_rgn_or(const drc_rgn *a, const drc_rgn *b);
/* Grow every box by d (square corners), shrink the region by d. */
drc_rgn *drc_rgn_grow(const drc_rgn *a, int32_t d);
drc_rgn *drc_rgn_shrink(drc_rgn *r, int32_t d);
/* Boxes of a whose component shares interior with b (interacting), or,
 * with invert, whose component does not. */
drc_rgn *drc_rgn_select(drc_rgn *a, drc_rgn *b, int invert);
/* The two halves of a select: per component of a, 1 when it shares
 * interior with b (malloc'ed, ncomp + 1 entries); and the boxes of a
 * whose flag is not invert.  Both selects of one pair share the first. */
char *drc_rgn_touched(drc_rgn *a, drc_rgn *b);
drc_rgn *drc_rgn_pick(drc_rgn *a, const char *hitc, int invert);
/* 1 when r's bin grid holds every box of r: then its queries see all of
 * it, and what follows from the boxes alone (a box covers itself) agrees
 * with them.  Some regions' top or right strip lies past the last bin
 * (the grid's rounding) and their queries miss it: kept as it was. */
int drc_rgn_exact(drc_rgn *r);
/* Connected components (boxes sharing an edge of positive length). */
void drc_rgn_components(drc_rgn *r);

/* Gaps between two boxes along x and y (0 when their projections meet). */
void drc_gap(lay_box a, lay_box b, int64_t *dx, int64_t *dy);

/* Boundary of box i of r on one side (0 left, 1 bottom, 2 right, 3 top):
 * the intervals of that side with no region material just beyond it.
 * Writes up to max pairs into seg (lo, hi); returns the count. */
int drc_rgn_edges(drc_rgn *r, int i, int side, int32_t *seg, int max);

/* The rectangle of depth d beyond (outward, d > 0) or inside (inward,
 * d < 0) the part lo..hi of box b's side. */
lay_box drc_side_rect(lay_box b, int side, int32_t lo, int32_t hi, int32_t d);

/* ---- the rule engine ---------------------------------------------------- */

/* A string map of a run (drc.c): name -> index. */
typedef struct drc_smap {
    const char **key;
    int *val;
    int size;
} drc_smap;

/* The components of a that meet b (drc_rgn_touched), kept for the run. */
typedef struct drc_selc {
    const drc_rgn *a, *b;
    char *hitc;
} drc_selc;

/* One run: the flat layout, the rule being evaluated, the results, and
 * the regions named so far (slot k < derived count: derived layer k, then
 * tech layer k - that count; own[k] 0 for a region that is another's or
 * the shared empty one). */
typedef struct drc_ctx {
    lay_flat *f;
    const halo_tech *tech;
    drc_result *res;
    const tech_rule *rule;      /* being evaluated */
    int layer;                  /* its layer index, -1 if not drawn */
    drc_smap derived, layers;
    const char *pkey[512];      /* slot cache by name pointer */
    int pval[512];
    drc_rgn **rg;
    unsigned char *own;
    int nrg;
    drc_selc *sel;
    int nsel, capsel;
} drc_ctx;

/* A rule table entry: the tech rule it implements and how. */
typedef struct drc_rule_def drc_rule_def;
typedef void (*drc_eval)(drc_ctx *c, const drc_rule_def *d, int32_t v);
struct drc_rule_def {
    const char *id, *layer, *other;   /* matches the tech rule */
    drc_eval eval;
    const char *a, *b;                /* region names */
    int flag;                         /* evaluator-specific */
    int32_t add;                      /* added to the rule value: Magic's
                                         combined rules (licon.9 + psdm.5a) */
};

/* The region of a tech layer or derived layer name (drc.c's derive
 * table), built on first use and owned by the run. */
drc_rgn *drc_named(drc_ctx *c, const char *name);
/* Record a violation of the current rule. */
void drc_report(drc_ctx *c, lay_box where, int64_t measured, int64_t required);
/* The same under another kind than the rule's (a second reading of it). */
void drc_report_as(drc_ctx *c, const char *kind, lay_box where, int64_t measured, int64_t required);
/* Has the current rule already reported exactly this box? */
int drc_reported(const drc_ctx *c, lay_box where);

/* Evaluators (drc_eval.c); what flag means is said at each. */
void drc_ev_width(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_space(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_space2(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_head(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_reach(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_contains(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_enc(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_enc1(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_area(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_extension(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_gate_width(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_huge(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_straddle(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_capm_cut(drc_ctx *c, const drc_rule_def *d, int32_t v);
void drc_ev_cut_size(drc_ctx *c, const drc_rule_def *d, int32_t v);

/* The rule table (drc_rules.c), and the rules Magic checks that tech.json
 * has no entry for (their ids are Magic's). */
extern const drc_rule_def drc_rule_table[];
extern const int drc_rule_count;
extern const tech_rule drc_extra_rules[];
extern const drc_rule_def drc_extra_defs[];
extern const int drc_extra_count;

#endif
