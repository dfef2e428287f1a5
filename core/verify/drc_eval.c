/*
 * drc_eval.c -- the evaluators the rule table is built from: each takes
 * the rule value v and the entry's regions (drc_rule_def.a, .b) and
 * reports what breaks the rule as Magic's drc(full) would see it.
 */
#include "drc_int.h"

#include <stdint.h>
#include <stdlib.h>

#include "base/strutil.h"

static lay_box grow_xy(lay_box b, int32_t dx, int32_t dy)
{
    return (lay_box){b.x0 - dx, b.y0 - dy, b.x1 + dx, b.y1 + dy};
}



/* Is the outside of box b's side, just beyond position at (along the
 * side, towards dir -1 or +1), layer?  Then the boundary turns there into
 * a concave corner. */
static int concave_end(drc_rgn *r, lay_box b, int side, int32_t at, int dir)
{
    lay_box p = drc_side_rect(b, side, dir < 0 ? at - 1 : at, dir < 0 ? at : at + 1, 1);
    return drc_rgn_covers(r, p);
}

/* Width as Magic's edge rule: the strip of depth v inside every boundary
 * edge must be all layer, and where the boundary turns into a concave
 * corner the strip runs on v beyond the edge's end (Magic's corner check:
 * two shapes overlapping only at their corners leave a diagonal neck
 * there, narrower than v, though every straight strip is whole). */
void drc_ev_width(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    drc_rgn *r = drc_named(c, d->a);
    int32_t seg[64];
    int exact = drc_rgn_exact(r);
    for (int i = 0; i < r->n; i++) {
        lay_box b = r->b[i];
        for (int side = 0; side < 4; side++) {
            /* a slab at least v across holds its own strips on those sides */
            int thick = exact && v > 0 && (side % 2 ? b.y1 - b.y0 : b.x1 - b.x0) >= v;
            int n = drc_rgn_edges(r, i, side, seg, 32);
            int bad = 0;
            for (int k = 0; k < n && !bad; k++) {
                int32_t lo = seg[2 * k], hi = seg[2 * k + 1];
                lay_box s = drc_side_rect(b, side, lo, hi, -v);
                if (!thick && !drc_rgn_covers(r, s)) {
                    bad = 1;
                    drc_report(c, s, side % 2 ? b.y1 - b.y0 : b.x1 - b.x0, v);
                    break;
                }
                for (int end = 0; end < 2 && !bad; end++) {
                    int32_t at = end ? hi : lo;
                    if (!concave_end(r, b, side, at, end ? 1 : -1)) continue;
                    lay_box ext = drc_side_rect(b, side, end ? hi : lo - v, end ? hi + v : lo, -v);
                    if (drc_rgn_covers(r, ext)) continue;
                    bad = 1;
                    if (!drc_reported(c, ext)) drc_report(c, ext, 0, v);   /* seen from both edges */
                }
            }
            if (bad) break;
        }
    }
}

/* The gap between two disjoint boxes, widened by 1 nm where it has no
 * extent (boxes meeting at a corner line) so that coverage is testable. */
static lay_box gap_box(lay_box a, lay_box b)
{
    lay_box g;
    g.x0 = a.x1 <= b.x0 ? a.x1 : b.x1 <= a.x0 ? b.x1 : (a.x0 > b.x0 ? a.x0 : b.x0);
    g.x1 = a.x1 <= b.x0 ? b.x0 : b.x1 <= a.x0 ? a.x0 : (a.x1 < b.x1 ? a.x1 : b.x1);
    g.y0 = a.y1 <= b.y0 ? a.y1 : b.y1 <= a.y0 ? b.y1 : (a.y0 > b.y0 ? a.y0 : b.y0);
    g.y1 = a.y1 <= b.y0 ? b.y0 : b.y1 <= a.y0 ? a.y0 : (a.y1 < b.y1 ? a.y1 : b.y1);
    if (g.x1 <= g.x0) g.x0 -= 1, g.x1 += 1;
    if (g.y1 <= g.y0) g.y0 -= 1, g.y1 += 1;
    return g;
}

/* Two boxes meeting only at a corner point with nothing else filling the
 * other two quadrants there: Magic flags the pinch as spacing (and width). */
static int corner_touch(drc_rgn *r, lay_box a, lay_box b)
{
    int32_t x = a.x1 == b.x0 ? a.x1 : a.x0 == b.x1 ? a.x0 : INT32_MIN;
    int32_t y = a.y1 == b.y0 ? a.y1 : a.y0 == b.y1 ? a.y0 : INT32_MIN;
    if (x == INT32_MIN || y == INT32_MIN) return 0;
    int ne = drc_rgn_covers(r, (lay_box){x, y, x + 1, y + 1});
    int nw = drc_rgn_covers(r, (lay_box){x - 1, y, x, y + 1});
    int se = drc_rgn_covers(r, (lay_box){x, y - 1, x + 1, y});
    int sw = drc_rgn_covers(r, (lay_box){x - 1, y - 1, x, y});
    return ne + nw + se + sw == 2 && ne == sw;
}

/* The window around one slab last proved covered by its region.  A
 * staircase of 1 nm slabs (an off-grid array of small shapes) asks, for
 * each slab, about hundreds of gap windows that grow one slab at a time:
 * proving each from scratch cost the slabs inside it, so the check grew
 * with the cube of the slab count.  A window the memo holds is covered;
 * one that extends it on one side needs only the strip beyond it.  The
 * answers are drc_rgn_covers' own; only the work differs. */
typedef struct cover_memo { lay_box c; int valid; } cover_memo;

static int inside(int32_t lo, int32_t hi, int32_t a, int32_t b) { return lo >= a && hi <= b; }

/* covers(g) given that m->c is covered: the strip of g beyond m->c when
 * g extends m->c on one side only (1 or 0), -1 when it does not. */
static int covers_beyond(drc_rgn *r, const cover_memo *m, lay_box g, lay_box *grown)
{
    lay_box c = m->c, s;
    if (inside(g.x0, g.x1, c.x0, c.x1) && g.y0 >= c.y0 && g.y0 <= c.y1) {          /* above */
        s = (lay_box){g.x0, c.y1, g.x1, g.y1};
        *grown = (lay_box){g.x0, c.y0, g.x1, g.y1 > c.y1 ? g.y1 : c.y1};
    } else if (inside(g.x0, g.x1, c.x0, c.x1) && g.y1 <= c.y1 && g.y1 >= c.y0) {   /* below */
        s = (lay_box){g.x0, g.y0, g.x1, c.y0};
        *grown = (lay_box){g.x0, g.y0, g.x1, c.y1};
    } else if (inside(g.y0, g.y1, c.y0, c.y1) && g.x0 >= c.x0 && g.x0 <= c.x1) {   /* right */
        s = (lay_box){c.x1, g.y0, g.x1, g.y1};
        *grown = (lay_box){c.x0, g.y0, g.x1 > c.x1 ? g.x1 : c.x1, g.y1};
    } else if (inside(g.y0, g.y1, c.y0, c.y1) && g.x1 <= c.x1 && g.x1 >= c.x0) {   /* left */
        s = (lay_box){g.x0, g.y0, c.x0, g.y1};
        *grown = (lay_box){g.x0, g.y0, c.x1, g.y1};
    } else
        return -1;
    return drc_rgn_covers(r, s);      /* an empty strip is covered */
}

static int covers_memo(drc_rgn *r, cover_memo *m, lay_box g)
{
    lay_box grown = g;
    int got = -1;
    if (m->valid) {
        if (inside(g.x0, g.x1, m->c.x0, m->c.x1) && inside(g.y0, g.y1, m->c.y0, m->c.y1)) return 1;
        got = covers_beyond(r, m, g, &grown);
    }
    if (got < 0) got = drc_rgn_covers(r, g);
    if (got) {
        m->c = grown;
        m->valid = 1;
    }
    return got;
}

/* Spacing and notch of one region: two slabs closer than v with open
 * space between them.  At corners the distance is the larger of the x and
 * y gaps, not Euclidean: Magic's corner check is a v x v square (the tech
 * file does not turn on its euclidean option).  flag 1: only between
 * different components (bottom plates, where the rule is plate to plate). */
void drc_ev_space(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    drc_rgn *r = drc_named(c, d->a);
    if (d->flag) drc_rgn_components(r);
    int *hit = NULL, cap = 0;
    for (int i = 0; i < r->n; i++) {
        int n = drc_rgn_query(r, lay_box_grow(r->b[i], v), 0, &hit, &cap);
        cover_memo memo = {.valid = 0};
        for (int k = 0; k < n; k++) {
            int j = hit[k];
            if (j <= i || (d->flag && r->comp[i] == r->comp[j])) continue;
            int64_t dx, dy;
            drc_gap(r->b[i], r->b[j], &dx, &dy);
            if (dx == 0 && dy == 0 && corner_touch(r, r->b[i], r->b[j])) {
                drc_report(c, lay_box_union(r->b[i], r->b[j]), 0, v);
                continue;
            }
            if ((dx == 0 && dy == 0) || (dx > dy ? dx : dy) >= v) continue;
            lay_box g = gap_box(r->b[i], r->b[j]);
            if (covers_memo(r, &memo, g)) continue;
            drc_report(c, g, (dx > dy ? dx : dy), v);
        }
    }
    free(hit);
}

/* Spacing between two regions (corners as in drc_ev_space).  flag bit 1: touching or overlapping is a
 * violation too (Magic's touching_illegal); bit 2: only facing edges
 * count, not corners (Magic's corner_ok). */
void drc_ev_space2(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    drc_rgn *a = drc_named(c, d->a);
    if (a->n == 0) return;          /* b is not needed: do not derive it */
    drc_rgn *b = drc_named(c, d->b);
    int *hit = NULL, cap = 0;
    for (int i = 0; i < a->n; i++) {
        int n = drc_rgn_query(b, lay_box_grow(a->b[i], v), 0, &hit, &cap);
        for (int k = 0; k < n; k++) {
            lay_box o = b->b[hit[k]];
            int64_t dx, dy;
            drc_gap(a->b[i], o, &dx, &dy);
            if (dx == 0 && dy == 0) {
                if (d->flag & 1) drc_report(c, lay_box_union(a->b[i], o), 0, v);
                continue;
            }
            if ((dx > dy ? dx : dy) >= v || ((d->flag & 2) && dx && dy)) continue;
            drc_report(c, gap_box(a->b[i], o), (dx > dy ? dx : dy), v);
        }
    }
    free(hit);
}

/* Magic's "extend xpc xhrpoly": where a resistor head (b) meets a body
 * (a), the head goes on for at least v beyond the body. */
void drc_ev_head(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    drc_rgn *body = drc_named(c, d->a);
    if (body->n == 0) return;
    drc_rgn *head = drc_named(c, d->b);
    for (int i = 0; i < body->n; i++) {
        lay_box b = body->b[i];
        for (int side = 0; side < 4; side++) {
            int vert = side == 0 || side == 2;
            int32_t lo = vert ? b.y0 : b.x0, hi = vert ? b.y1 : b.x1;
            if (!drc_rgn_covers(head, drc_side_rect(b, side, lo, hi, 1))) continue;
            lay_box s = drc_side_rect(b, side, lo, hi, v);
            if (!drc_rgn_covers(head, s)) drc_report(c, s, -1, v);
        }
    }
}

/* Latch-up (LU.2, LU.3): every point of a source/drain diffusion lies
 * within v (a square grow, as Magic's reach) of a tap contact of the
 * other type. */
void drc_ev_reach(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    drc_rgn *a = drc_named(c, d->a);
    if (a->n == 0) return;
    drc_rgn *t = drc_named(c, d->b);
    drc_rgn *reach = drc_rgn_grow(t, v);
    drc_rgn *miss = drc_rgn_not(a, reach);
    for (int i = 0; i < miss->n; i++) drc_report(c, miss->b[i], -1, v);
    drc_rgn_free(miss);
    drc_rgn_free(reach);
}

/* Each region of a must contain some of b (nwell.4: every nwell holds a
 * contacted n-tap; licon.16: every tap is contacted). */
void drc_ev_contains(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    (void)v;
    drc_rgn *a = drc_named(c, d->a);
    if (a->n == 0) return;
    drc_rgn *miss = drc_rgn_select(a, drc_named(c, d->b), 1);
    drc_rgn_components(miss);
    lay_box *bb = halo_xcalloc((size_t)miss->ncomp + 1, sizeof *bb);
    for (int i = 0; i < miss->n; i++) bb[miss->comp[i]] = lay_box_union(bb[miss->comp[i]], miss->b[i]);
    for (int k = 0; k < miss->ncomp; k++) drc_report(c, bb[k], 0, 1);
    free(bb);
    drc_rgn_free(miss);
}

/* Enclosure of every boundary edge of b by a, edge strips only (Magic's
 * surround, corners free); the inner shape itself must lie in a. */
void drc_ev_enc(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    drc_rgn *in = drc_named(c, d->b);
    if (in->n == 0) return;
    drc_rgn *o = drc_named(c, d->a);
    int32_t seg[64];
    for (int i = 0; i < in->n; i++) {
        lay_box b = in->b[i];
        /* every edge strip and b itself lie in b grown by v (and what
         * covers the whole covers its parts, whatever the query sees) */
        if (v > 0 && drc_rgn_covers(o, lay_box_grow(b, v))) continue;
        int bad = !drc_rgn_covers(o, b);
        for (int side = 0; side < 4 && !bad && v > 0; side++) {
            int n = drc_rgn_edges(in, i, side, seg, 32);
            for (int k = 0; k < n && !bad; k++) {
                lay_box s = drc_side_rect(b, side, seg[2 * k], seg[2 * k + 1], v);
                bad = !drc_rgn_covers(o, s);
            }
        }
        if (bad) drc_report(c, b, -1, v);
    }
}

/* Magic's "surround ... directional": both sides in x, or both in y,
 * enclosed by v. */
void drc_ev_enc1(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    drc_rgn *in = drc_named(c, d->b);
    if (in->n == 0) return;
    drc_rgn *o = drc_named(c, d->a);
    for (int i = 0; i < in->n; i++) {
        lay_box b = in->b[i];
        if (drc_rgn_covers(o, grow_xy(b, v, 0)) || drc_rgn_covers(o, grow_xy(b, 0, v))) continue;
        drc_report(c, b, -1, v);
    }
}

/* Minimum area per connected region: the rule's area, or (flag > 0, a
 * length rule) v times flag. */
void drc_ev_area(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    int64_t need = d->flag ? (int64_t)v * d->flag : c->rule->value_nm2;
    drc_rgn *r = drc_named(c, d->a);
    drc_rgn_components(r);
    int64_t *area = halo_xcalloc((size_t)r->ncomp + 1, sizeof *area);
    lay_box *where = halo_xcalloc((size_t)r->ncomp + 1, sizeof *where);
    for (int i = 0; i < r->n; i++) {
        lay_box b = r->b[i];
        area[r->comp[i]] += (int64_t)(b.x1 - b.x0) * (b.y1 - b.y0);
        where[r->comp[i]] = lay_box_union(where[r->comp[i]], b);
    }
    for (int k = 0; k < r->ncomp; k++)
        if (area[k] < need) drc_report(c, where[k], area[k], need);
    free(area);
    free(where);
}

/* Gate sides: 0 neither continues (poly and diff end together), 1 only
 * poly continues (an endcap side), 2 only diff continues (a S/D side),
 * 3 both (the side is inside a larger gate). */
static int gate_side(drc_ctx *c, lay_box g, int side)
{
    int vert = side == 0 || side == 2;
    lay_box s = drc_side_rect(g, side, vert ? g.y0 : g.x0, vert ? g.y1 : g.x1, 1);
    return drc_rgn_covers(drc_named(c, "poly"), s) | drc_rgn_covers(drc_named(c, "diff"), s) << 1;
}

/* poly.8 (flag 0): poly past diff by v on endcap sides; poly.7 (flag 1):
 * diff past poly by v on S/D sides. */
void drc_ev_extension(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    drc_rgn *g = drc_named(c, "gate");
    for (int i = 0; i < g->n; i++) {
        lay_box b = g->b[i];
        for (int side = 0; side < 4; side++) {
            int k = gate_side(c, b, side), vert = side == 0 || side == 2;
            lay_box s = drc_side_rect(b, side, vert ? b.y0 : b.x0, vert ? b.y1 : b.x1, v);
            if (d->flag == 0 && (k == 1 || k == 0) && !drc_rgn_covers(drc_named(c, "poly"), s))
                drc_report(c, s, k == 0 ? 0 : -1, v);
            if (d->flag == 1 && k == 2 && !drc_rgn_covers(drc_named(c, "diff"), s)) drc_report(c, s, -1, v);
        }
    }
}

/* difftap.2 as Magic's edge4way from poly into a fet: from every gate
 * side where the poly goes on and the diff does not, the gate reaches at
 * least v inward (the transistor width). */
void drc_ev_gate_width(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    (void)d;
    drc_rgn *g = drc_named(c, "gate");
    int exact = drc_rgn_exact(g);
    for (int i = 0; i < g->n; i++) {
        lay_box b = g->b[i];
        for (int side = 0; side < 4; side++) {
            int vert = side == 0 || side == 2;
            /* the inward strip lies in b when b is at least v across */
            if (exact && v > 0 && (vert ? b.x1 - b.x0 : b.y1 - b.y0) >= v) continue;
            if (gate_side(c, b, side) != 1) continue;
            lay_box s = drc_side_rect(b, side, vert ? b.y0 : b.x0, vert ? b.y1 : b.x1, -v);
            if (!drc_rgn_covers(g, s)) {
                drc_report(c, s, vert ? b.x1 - b.x0 : b.y1 - b.y0, v);
                break;
            }
        }
    }
}

/* Spacing to huge metal: slabs wider than 3 um in both directions keep
 * v from other shapes of the layer (Magic's widespacing 3005). */
void drc_ev_huge(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    drc_rgn *r = drc_named(c, d->a);
    int *hit = NULL, cap = 0;
    for (int i = 0; i < r->n; i++) {
        lay_box a = r->b[i];
        if (a.x1 - a.x0 < 3005 || a.y1 - a.y0 < 3005) continue;
        int n = drc_rgn_query(r, lay_box_grow(a, v), 0, &hit, &cap);
        for (int k = 0; k < n; k++) {
            lay_box o = r->b[hit[k]];
            int64_t dx, dy;
            drc_gap(a, o, &dx, &dy);
            if ((dx == 0 && dy == 0) || (dx > dy ? dx : dy) >= v) continue;
            lay_box g = gap_box(a, o);
            if (drc_rgn_covers(r, g)) continue;
            drc_report(c, g, (dx > dy ? dx : dy), v);
        }
    }
    free(hit);
}

/* capm.10: a capm may lie over a layer wholly or not at all -- never
 * partly, which would leave an edge of that layer under the capacitor
 * (the periphery rules' "straddle"; the KLayout deck's capm AND layer
 * edges that are not capm edges).  a = capm, b = the layer. */
void drc_ev_straddle(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    (void)v;
    drc_rgn *cap = drc_named(c, d->a), *other = drc_named(c, d->b);
    drc_rgn_components(cap);
    for (int k = 0; k < cap->ncomp; k++) {
        lay_box bb = {0, 0, 0, 0};
        int64_t area = 0, under = 0;
        int first = 1;
        for (int i = 0; i < cap->n; i++) {
            if (cap->comp[i] != k) continue;
            lay_box b = cap->b[i];
            bb = first ? b : lay_box_union(bb, b);
            first = 0;
            area += (int64_t)(b.x1 - b.x0) * (b.y1 - b.y0);
            under += drc_rgn_area_in(other, b);
        }
        if (under > 0 && under < area) drc_report(c, bb, under, area);
    }
}

/* capm.3 as Magic reads a hierarchy: a met3 shape that meets a capm
 * without enclosing it is, when it is drawn in another cell than the
 * capacitor (a route over its plate), plain met3 cutting the capacitor --
 * Magic then reports the plate's surround (capm.3) and bottom-plate
 * spacing (capm.2b) broken there, though the flattened union is whole.
 * The raw rectangles of layer a are read (before merging, which would
 * hide the cut); a plate drawn whole encloses its capm. */
void drc_ev_capm_cut(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    (void)v;
    int layer = flat_layer_find(c->f, d->a);
    if (layer < 0) return;
    drc_rgn *cap = drc_named(c, d->b);
    const flat_layer *fl = &c->f->layers[layer];
    int *hit = NULL, cap_hit = 0;
    for (int i = 0; i < fl->n; i++) {
        lay_box r = fl->boxes[i];
        int n = drc_rgn_query(cap, r, 1, &hit, &cap_hit);
        for (int k = 0; k < n; k++) {
            lay_box b = cap->b[hit[k]];
            if (r.x0 <= b.x0 && r.y0 <= b.y0 && r.x1 >= b.x1 && r.y1 >= b.y1) continue;
            lay_box cut = {r.x0 > b.x0 ? r.x0 : b.x0, r.y0 > b.y0 ? r.y0 : b.y0, r.x1 < b.x1 ? r.x1 : b.x1,
                           r.y1 < b.y1 ? r.y1 : b.y1};
            if (!drc_reported(c, cut)) drc_report(c, cut, 0, 0);
        }
    }
    free(hit);
}

/* The exact size of every cut as drawn (the foundry's decks: a via is v
 * by v, no larger), kind "exact_size".  Magic reads cuts as contact areas
 * of any size from the minimum up, so it never reports an oversized cut.
 * Layer a's raw rectangles are read; those inside region b (resistor
 * heads, whose licon slots licon.1b/1c size) are exempt. */
void drc_ev_cut_size(drc_ctx *c, const drc_rule_def *d, int32_t v)
{
    int layer = flat_layer_find(c->f, d->a);
    if (layer < 0) return;
    drc_rgn *skip = d->b ? drc_named(c, d->b) : NULL;
    const flat_layer *fl = &c->f->layers[layer];
    for (int i = 0; i < fl->n; i++) {
        lay_box r = fl->boxes[i];
        int32_t w = r.x1 - r.x0, h = r.y1 - r.y0;
        if (w == v && h == v) continue;
        if (skip && drc_rgn_covers(skip, r)) continue;
        drc_report_as(c, "exact_size", r, w > h ? w : h, v);
    }
}
