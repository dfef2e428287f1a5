/*
 * place_seqpair.c -- sequence pairs for the placer: states, symmetric
 * feasibility, and the packing the annealer evaluates most moves with.
 *
 * The packing is the classic longest path over the pair's horizontal and
 * vertical constraint graphs (each item as far left/down as its
 * predecessors' halos allow, on the grid), followed by symmetry pushes:
 * each class's axis goes where its widest-spread pair needs it, the right
 * member of every other pair moves right until the pair is mirrored, and
 * pair members' y meet at the higher one; the longest paths are then run
 * again until nothing moves.  A symmetric-feasible pair always has a
 * symmetric placement (Balasa and Lampaert), and the pushes find it in a
 * few rounds; if they do not settle, the ILP decides.
 */
#include "place_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

static const lay_orient orient_of_index[4] = {LAY_R0, LAY_MX, LAY_MY, LAY_R180};

/* ---------------------------------------------------------------- states */

void sp_state_init(sp_state *s, int n)
{
    s->n = n;
    s->gp = halo_xcalloc((size_t)n + 1, sizeof *s->gp);
    s->gm = halo_xcalloc((size_t)n + 1, sizeof *s->gm);
    s->orient = halo_xcalloc((size_t)n + 1, sizeof *s->orient);
}

void sp_state_free(sp_state *s)
{
    free(s->gp);
    free(s->gm);
    free(s->orient);
    memset(s, 0, sizeof *s);
}

void sp_state_copy(sp_state *dst, const sp_state *src)
{
    memcpy(dst->gp, src->gp, (size_t)src->n * sizeof *src->gp);
    memcpy(dst->gm, src->gm, (size_t)src->n * sizeof *src->gm);
    memcpy(dst->orient, src->orient, (size_t)src->n * sizeof *src->orient);
}

int sp_state_equal(const sp_state *a, const sp_state *b)
{
    size_t n = (size_t)a->n;
    return memcmp(a->gp, b->gp, n * sizeof *a->gp) == 0 && memcmp(a->gm, b->gm, n * sizeof *a->gm) == 0 &&
           memcmp(a->orient, b->orient, n * sizeof *a->orient) == 0;
}

void sp_geom_init(sp_geom *g, int n)
{
    g->x = halo_xcalloc((size_t)n + 1, sizeof *g->x);
    g->y = halo_xcalloc((size_t)n + 1, sizeof *g->y);
    g->width = g->height = 0;
}

void sp_geom_free(sp_geom *g)
{
    free(g->x);
    free(g->y);
    memset(g, 0, sizeof *g);
}

/* ---------------------------------------------------------------- context */

static void ctx_units(sp_ctx *c)
{
    const place_ir *ir = c->ir;
    int n = c->n;
    c->pair_a = halo_xcalloc((size_t)n + 1, sizeof *c->pair_a);
    c->pair_b = halo_xcalloc((size_t)n + 1, sizeof *c->pair_b);
    c->unit_class = halo_xcalloc((size_t)n + 1, sizeof *c->unit_class);
    for (int i = 0; i < n; i++) {
        int p = ir->items[i].partner;
        if (p < i) continue;
        c->pair_a[c->nunits] = i;
        c->pair_b[c->nunits] = p;
        c->unit_class[c->nunits++] = ir->items[i].symclass;
    }
    c->nclasses = ir->nclasses;
}

/* Pins per net, for the slide towards the nets. */
static void ctx_nets(sp_ctx *c)
{
    const place_ir *ir = c->ir;
    int nn = ir->nnets, total = 0;
    c->net_start = halo_xcalloc((size_t)nn + 2, sizeof *c->net_start);
    for (int i = 0; i < c->n; i++)
        for (int p = 0; p < ir->items[i].npins; p++) {
            c->net_start[ir->items[i].pins[p].net + 1]++;
            total++;
        }
    for (int k = 0; k < nn; k++) c->net_start[k + 1] += c->net_start[k];
    c->net_item = halo_xcalloc((size_t)total + 1, sizeof *c->net_item);
    c->net_pin = halo_xcalloc((size_t)total + 1, sizeof *c->net_pin);
    int *fill = halo_xcalloc((size_t)nn + 1, sizeof *fill);
    for (int i = 0; i < c->n; i++)
        for (int p = 0; p < ir->items[i].npins; p++) {
            int k = ir->items[i].pins[p].net, at = c->net_start[k] + fill[k]++;
            c->net_item[at] = i;
            c->net_pin[at] = p;
        }
    free(fill);
    c->ends = halo_xcalloc(2 * (size_t)total + 2, sizeof *c->ends);
    c->q_off[0] = halo_xcalloc((size_t)total + 1, sizeof *c->q_off[0]);
    c->q_off[1] = halo_xcalloc((size_t)total + 1, sizeof *c->q_off[1]);
    c->pin_q = halo_xcalloc((size_t)c->n + 1, sizeof *c->pin_q);
    for (int i = 0; i < c->n; i++) c->pin_q[i] = halo_xcalloc((size_t)ir->items[i].npins + 1, sizeof **c->pin_q);
    for (int q = 0; q < total; q++) c->pin_q[c->net_item[q]][c->net_pin[q]] = q;
    c->pin_off2 = halo_xcalloc((size_t)c->n + 1, sizeof *c->pin_off2);
    for (int i = 0; i < c->n; i++) {
        const place_item *it = &ir->items[i];
        c->pin_off2[i] = halo_xcalloc(8 * ((size_t)it->npins + 1), sizeof **c->pin_off2);
        for (int o = 0; o < 4; o++)
            for (int p = 0; p < it->npins; p++) {
                int64_t x2, y2;
                place_pin_pos2(it, &it->pins[p], orient_of_index[o], 0, 0, &x2, &y2);
                c->pin_off2[i][(o * it->npins + p) * 2] = (int32_t)x2;
                c->pin_off2[i][(o * it->npins + p) * 2 + 1] = (int32_t)y2;
            }
    }
}

/* Doubled offset of pin p of item i along the axis in its state's orientation. */
static inline int32_t pin_off2(const sp_ctx *c, const sp_state *s, int i, int p, int vertical)
{
    return c->pin_off2[i][(place_orient_index(s->orient[i]) * c->ir->items[i].npins + p) * 2 + vertical];
}

int sp_ctx_init(sp_ctx *c, const place_ir *ir, halo_err *err)
{
    (void)err;
    memset(c, 0, sizeof *c);
    c->ir = ir;
    c->n = ir->n;
    c->g = ir->grid;
    c->marg = halo_xcalloc((size_t)ir->n + 1, sizeof *c->marg);
    for (int i = 0; i < ir->n; i++)
        for (int o = 0; o < 4; o++) {
            place_keepout(&ir->items[i], orient_of_index[o], c->marg[i][o]);
            for (int s = 0; s < 4; s++) c->marg[i][o][s] += ir->margin;
        }
    ctx_units(c);
    ctx_nets(c);
    c->pos_p = halo_xcalloc((size_t)ir->n + 1, sizeof *c->pos_p);
    c->pos_m = halo_xcalloc((size_t)ir->n + 1, sizeof *c->pos_m);
    c->lb = halo_xcalloc((size_t)ir->n + 1, sizeof *c->lb);
    c->pos = halo_xcalloc((size_t)ir->n + 1, sizeof *c->pos);
    c->sep = halo_xcalloc((size_t)ir->n * ir->n + 1, sizeof *c->sep);
    return 0;
}

void sp_ctx_free(sp_ctx *c)
{
    free(c->marg);
    free(c->pair_a);
    free(c->pair_b);
    free(c->unit_class);
    free(c->pos_p);
    free(c->pos_m);
    free(c->lb);
    free(c->pos);
    free(c->sep);
    free(c->ends);
    free(c->net_start);
    free(c->net_item);
    free(c->net_pin);
    for (int i = 0; c->pin_off2 && i < c->n; i++) free(c->pin_off2[i]);
    free(c->pin_off2);
    for (int i = 0; c->pin_q && i < c->n; i++) free(c->pin_q[i]);
    free(c->pin_q);
    free(c->q_off[0]);
    free(c->q_off[1]);
    memset(c, 0, sizeof *c);
}

/* ---------------------------------------------------------------- feasibility */

void place_sp_repair(const sp_ctx *c, sp_state *s)
{
    const place_ir *ir = c->ir;
    int n = c->n;
    int *want = halo_xmalloc(((size_t)n + 1) * sizeof *want);
    /* The symmetric items in gp order, reversed and mapped to partners, go
     * into the symmetric items' slots of gm in order.  All classes at once:
     * the condition across classes makes a vertical relation hold between
     * the partners too (u below v => sym(u) below sym(v)), without which
     * equal y for the pairs of two classes can contradict each other. */
    int m = 0;
    for (int j = n - 1; j >= 0; j--) {
        const place_item *it = &ir->items[s->gp[j]];
        if (it->partner >= 0) want[m++] = it->partner;
    }
    int next = 0;
    for (int j = 0; j < n && next < m; j++)
        if (ir->items[s->gm[j]].partner >= 0) s->gm[j] = want[next++];
    free(want);
    for (int u = 0; u < c->nunits; u++)
        if (c->pair_a[u] != c->pair_b[u]) s->orient[c->pair_b[u]] = place_mirror_x(s->orient[c->pair_a[u]]);
}

void place_sp_initial(const sp_ctx *c, sp_state *s)
{
    for (int i = 0; i < c->n; i++) {
        s->gp[i] = s->gm[i] = i;
        s->orient[i] = c->ir->items[i].orient;
    }
    place_sp_repair(c, s);
}

void place_sp_random(const sp_ctx *c, sp_state *s, halo_rng *rng)
{
    for (int i = 0; i < c->n; i++) {
        s->gp[i] = s->gm[i] = i;
        s->orient[i] = orient_of_index[rng_below(rng, 4)];
    }
    rng_shuffle(rng, s->gp, c->n);
    rng_shuffle(rng, s->gm, c->n);
    place_sp_repair(c, s);
}

/* ---------------------------------------------------------------- packing */

static int64_t round_up(int64_t v, int64_t g)
{
    int64_t r = v % g;
    if (r < 0) r += g;
    return r ? v + g - r : v;
}

/* Does j precede i along the axis (left of it; below it when vertical)?
 * Then *sep is the distance their halos need between the two positions. */
static int relation(const sp_ctx *c, const sp_state *s, int vertical, int j, int i, int64_t *sep)
{
    const place_item *a = &c->ir->items[j];
    const int32_t *mj = c->marg[j][place_orient_index(s->orient[j])];
    const int32_t *mi = c->marg[i][place_orient_index(s->orient[i])];
    if (c->pos_m[j] >= c->pos_m[i]) return 0;
    if (!vertical && c->pos_p[j] < c->pos_p[i]) {
        *sep = (int64_t)a->w + mj[2] + mi[0];
        return 1;
    }
    if (vertical && c->pos_p[j] > c->pos_p[i]) {
        *sep = (int64_t)a->h + mj[3] + mi[1];
        return 1;
    }
    return 0;
}

/* The separation table of one axis for the current pair (pos_p, pos_m set). */
static void fill_separations(sp_ctx *c, const sp_state *s, int vertical)
{
    int n = c->n;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            int64_t sep;
            c->sep[j * n + i] = i != j && relation(c, s, vertical, j, i, &sep) ? sep : -1;
        }
}

/* Does j precede i along the axis of the table?  Then *sep as above. */
static inline int precedes(const sp_ctx *c, const sp_state *s, int vertical, int j, int i, int64_t *sep)
{
    (void)s;
    (void)vertical;
    *sep = c->sep[j * c->n + i];
    return *sep >= 0;
}

/* Longest paths along one axis from the lower bounds c->lb; gp is a
 * topological order of left-of, gm of below. */
static void longest_paths(sp_ctx *c, const sp_state *s, int vertical, int64_t *pos)
{
    const int *order = vertical ? s->gm : s->gp;
    for (int k = 0; k < c->n; k++) {
        int i = order[k];
        int64_t v = c->lb[i], sep;
        for (int k2 = 0; k2 < k; k2++) {
            int j = order[k2];
            if (precedes(c, s, vertical, j, i, &sep) && pos[j] + sep > v) v = pos[j] + sep;
        }
        pos[i] = round_up(v, c->g);
    }
}

static int64_t round_down(int64_t v, int64_t g)
{
    return round_up(v - g + 1, g);
}

/* The range [*lo, *hi] item i may take along the axis with every other
 * item (but `skip`) where it is, inside [0, extent]. */
static void free_range(const sp_ctx *c, const sp_state *s, int vertical, const int64_t *pos, int64_t extent, int i,
                       int skip, int64_t *lo, int64_t *hi)
{
    const place_item *it = &c->ir->items[i];
    const int32_t *m = c->marg[i][place_orient_index(s->orient[i])];
    int64_t l = m[vertical ? 1 : 0], h = extent - (vertical ? it->h + m[3] : it->w + m[2]), sep;
    for (int j = 0; j < c->n; j++) {
        if (j == i || j == skip) continue;
        if (precedes(c, s, vertical, j, i, &sep) && pos[j] + sep > l) l = pos[j] + sep;
        if (precedes(c, s, vertical, i, j, &sep) && pos[j] - sep < h) h = pos[j] - sep;
    }
    *lo = round_up(l, c->g);
    *hi = round_down(h, c->g);
}

/* Add to c->ends the displacements of item i (sign -1: mirrored) that put
 * each of its pins inside the span of its net's other pins (offsets of
 * this evaluation: c->q_off, set by place_sp_pack). */
static int add_pulls(sp_ctx *c, int vertical, const int64_t *pos, int i, int skip, int sign,
                     int m)
{
    const place_item *it = &c->ir->items[i];
    for (int p = 0; p < it->npins; p++) {
        int k = it->pins[p].net, any = 0;
        double lo = 0, hi = 0;
        for (int q = c->net_start[k]; q < c->net_start[k + 1]; q++) {
            int j = c->net_item[q];
            if (j == i || j == skip) continue;
            double v = (double)pos[j] + c->q_off[vertical][q];
            if (!any || v < lo) lo = v;
            if (!any || v > hi) hi = v;
            any = 1;
        }
        if (!any) continue;
        double at = (double)pos[i] + c->q_off[vertical][c->pin_q[i][p]];
        c->ends[m++] = sign * (lo - at);
        c->ends[m++] = sign * (hi - at);
    }
    return m;
}

/* The k-th smallest of v[0..m) (Hoare's selection); afterwards v[0..k]
 * hold the k+1 smallest and v[k+1..m) the rest. */
static double select_kth(double *v, int m, int k)
{
    int lo = 0, hi = m - 1;
    while (lo < hi) {
        double pivot = v[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                double t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else break;
    }
    return v[k];
}

/* The displacement in [lo, hi] (grid multiples) minimising the pulls'
 * total: the median of the ends, the one nearest to 0. */
static int64_t best_shift(sp_ctx *c, int m, int64_t lo, int64_t hi)
{
    if (m == 0 || lo > hi) return 0;
    double l = select_kth(c->ends, m, m / 2 - 1), h = c->ends[m / 2];
    for (int a = m / 2 + 1; a < m; a++)
        if (c->ends[a] < h) h = c->ends[a];
    double d = 0 < l ? l : 0 > h ? h : 0;
    int64_t v = round_down((int64_t)floor(d + 0.5) + c->g / 2, c->g);
    return v < lo ? lo : v > hi ? hi : v;
}

/* Move item i (with its partner mirrored in x, alike in y) to where its
 * nets pull it, within what every other item leaves free. */
static void slide_unit(sp_ctx *c, const sp_state *s, int vertical, int64_t *pos, int64_t extent, int i)
{
    int p = c->ir->items[i].partner;
    if (p == i && !vertical) return;                 /* on the axis */
    int64_t lo, hi, lo2, hi2;
    if (p < 0 || p == i) {
        free_range(c, s, vertical, pos, extent, i, -1, &lo, &hi);
        int m = add_pulls(c, vertical, pos, i, -1, 1, 0);
        pos[i] += best_shift(c, m, lo - pos[i], hi - pos[i]);
        return;
    }
    free_range(c, s, vertical, pos, extent, i, p, &lo, &hi);
    free_range(c, s, vertical, pos, extent, p, i, &lo2, &hi2);
    int sign = vertical ? 1 : -1;
    int64_t dlo = lo - pos[i], dhi = hi - pos[i];
    /* The partner moves by sign * d. */
    int64_t plo = sign > 0 ? lo2 - pos[p] : pos[p] - hi2, phi = sign > 0 ? hi2 - pos[p] : pos[p] - lo2;
    if (plo > dlo) dlo = plo;
    if (phi < dhi) dhi = phi;
    int64_t sep;
    if (!vertical) {
        /* Mirrored moves close or open the gap between the two. */
        int left = precedes(c, s, 0, i, p, &sep) ? i : p, right = left == i ? p : i;
        if (precedes(c, s, 0, left, right, &sep)) {
            int64_t room = round_down((pos[right] - pos[left] - sep) / 2, c->g);
            if (left == i && room < dhi) dhi = room;
            if (left == p && -room > dlo) dlo = -room;
        }
    }
    int m = add_pulls(c, vertical, pos, i, p, 1, 0);
    m = add_pulls(c, vertical, pos, p, i, sign, m);
    int64_t d = best_shift(c, m, dlo, dhi);
    pos[i] += d;
    pos[p] += sign * d;
}

/* One sweep of coordinate descent on wirelength after the packing: every
 * item (a pair as one) slides within the room the others leave, last
 * items first (the packing pressed everything to the lower left, so the
 * room opens from the far end).  Every step keeps the placement legal and
 * the extent never grows.  A second sweep costs as much again for little
 * (measured on the examples), so the annealer's budget goes to moves. */
static void slide_axis(sp_ctx *c, const sp_state *s, int vertical, int64_t *pos, int64_t extent)
{
    const int *order = vertical ? s->gm : s->gp;
    for (int k = c->n - 1; k >= 0; k--) slide_unit(c, s, vertical, pos, extent, order[k]);
}

/* How far item i can move right (on the grid) without pushing anything. */
static int64_t room_right(const sp_ctx *c, const int64_t *x, int i)
{
    int64_t room = INT64_MAX;
    for (int j = 0; j < c->n; j++) {
        int64_t sep = c->sep[i * c->n + j];
        if (sep >= 0 && x[j] - sep - x[i] < room) room = x[j] - sep - x[i];
    }
    return room == INT64_MAX ? 0 : round_down(room, c->g);
}

/* Raise lower bounds so the pairs become mirrored; 1 if anything moved.
 * A pair short of its class's axis sum first moves its left member right
 * into free room (which pushes nothing), then its right member: pushing
 * only right members can chase its own tail when a pushed member pushes
 * another pair's. */
static int push_x(sp_ctx *c, const int64_t *x)
{
    int moved = 0;
    for (int k = 0; k < c->nclasses; k++) {
        int64_t need = 0;
        for (int u = 0; u < c->nunits; u++) {
            if (c->unit_class[u] != k) continue;
            int a = c->pair_a[u], b = c->pair_b[u];
            int64_t s = 2 * x[a] + c->ir->items[a].w + 2 * x[b] + c->ir->items[b].w;
            if (s > need) need = s;
        }
        int64_t mod = c->ir->class_mod[k], S = need + ((c->ir->class_res[k] - need % mod) % mod + mod) % mod;
        for (int u = 0; u < c->nunits; u++) {
            if (c->unit_class[u] != k) continue;
            int a = c->pair_a[u], b = c->pair_b[u];
            int64_t s = 2 * x[a] + c->ir->items[a].w + 2 * x[b] + c->ir->items[b].w;
            if (s == S) continue;
            moved = 1;
            if (a == b) {
                if (x[a] + (S - s) / 4 > c->lb[a]) c->lb[a] = x[a] + (S - s) / 4;
                continue;
            }
            int right = c->pos_p[a] < c->pos_p[b] ? b : a, left = right == a ? b : a;
            int64_t half = (S - s) / 2, first = room_right(c, x, left);
            if (first > half) first = half;
            if (first > 0 && x[left] + first > c->lb[left]) c->lb[left] = x[left] + first;
            if (half > first && x[right] + half - first > c->lb[right]) c->lb[right] = x[right] + half - first;
        }
    }
    return moved;
}

static int push_y(sp_ctx *c, const int64_t *y)
{
    int moved = 0;
    for (int u = 0; u < c->nunits; u++) {
        int a = c->pair_a[u], b = c->pair_b[u];
        if (y[a] == y[b]) continue;
        int low = y[a] < y[b] ? a : b;
        int64_t top = y[a] < y[b] ? y[b] : y[a];
        if (top > c->lb[low]) c->lb[low] = top;
        moved = 1;
    }
    return moved;
}

/* One axis: longest paths and pushes until nothing moves. */
static int pack_axis(sp_ctx *c, const sp_state *s, int vertical, int64_t *pos)
{
    for (int i = 0; i < c->n; i++) {
        int o = place_orient_index(s->orient[i]);
        c->lb[i] = round_up(c->marg[i][o][vertical ? 1 : 0], c->g);
    }
    for (int round = 0; round < 2 * c->n + 8; round++) {
        longest_paths(c, s, vertical, pos);
        if (c->nunits == 0) return 0;
        if (!(vertical ? push_y(c, pos) : push_x(c, pos))) return 0;
    }
    return -1;
}

/* The far edge of the halos along an axis. */
static int64_t extent_of(const sp_ctx *c, const sp_state *s, int vertical, const int64_t *pos)
{
    int64_t extent = 0;
    for (int i = 0; i < c->n; i++) {
        const int32_t *m = c->marg[i][place_orient_index(s->orient[i])];
        int64_t end = vertical ? pos[i] + c->ir->items[i].h + m[3] : pos[i] + c->ir->items[i].w + m[2];
        if (end > extent) extent = end;
    }
    return extent;
}

int place_sp_pack(sp_ctx *c, const sp_state *s, sp_geom *out)
{
    int n = c->n;
    for (int k = 0; k < n; k++) {
        c->pos_p[s->gp[k]] = k;
        c->pos_m[s->gm[k]] = k;
    }
    for (int q = 0; q < c->net_start[c->ir->nnets]; q++) {
        c->q_off[0][q] = pin_off2(c, s, c->net_item[q], c->net_pin[q], 0) / 2.0;
        c->q_off[1][q] = pin_off2(c, s, c->net_item[q], c->net_pin[q], 1) / 2.0;
    }
    int64_t *pos = c->pos;
    int rc = 0;
    for (int vertical = 0; vertical < 2 && rc == 0; vertical++) {
        fill_separations(c, s, vertical);
        rc = pack_axis(c, s, vertical, pos);
        if (rc == 0 && extent_of(c, s, vertical, pos) > LAY_COORD_LIMIT / 2) rc = -1;
        if (rc != 0) break;
        slide_axis(c, s, vertical, pos, extent_of(c, s, vertical, pos));
        /* The slide may pull the outermost item in. */
        int64_t extent = extent_of(c, s, vertical, pos);
        for (int i = 0; i < n; i++) {
            if (vertical) out->y[i] = (int32_t)pos[i];
            else out->x[i] = (int32_t)pos[i];
        }
        if (vertical) out->height = (int32_t)extent;
        else out->width = (int32_t)extent;
    }
    return rc;
}

double place_sp_hpwl(const sp_ctx *c, const sp_state *s, const sp_geom *g)
{
    int nn = c->ir->nnets;
    double sum2 = 0;
    for (int k = 0; k < nn; k++) {
        if (c->net_start[k + 1] - c->net_start[k] < 2) continue;
        int64_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        for (int q = c->net_start[k]; q < c->net_start[k + 1]; q++) {
            int i = c->net_item[q], p = c->net_pin[q];
            int64_t x2 = 2 * (int64_t)g->x[i] + pin_off2(c, s, i, p, 0), y2 = 2 * (int64_t)g->y[i] + pin_off2(c, s, i, p, 1);
            if (q == c->net_start[k] || x2 < x0) x0 = x2;
            if (q == c->net_start[k] || x2 > x1) x1 = x2;
            if (q == c->net_start[k] || y2 < y0) y0 = y2;
            if (q == c->net_start[k] || y2 > y1) y1 = y2;
        }
        sum2 += (double)(x1 - x0 + y1 - y0);
    }
    return sum2 / 2;
}

void place_sp_commit(const sp_ctx *c, const sp_state *s, const sp_geom *g, place_ir *ir)
{
    for (int i = 0; i < c->n; i++) {
        place_item *it = &ir->items[i];
        const int32_t *m = c->marg[i][place_orient_index(s->orient[i])];
        it->orient = s->orient[i];
        it->x = g->x[i];
        it->y = g->y[i];
        it->halo = lay_box_make(it->x - m[0], it->y - m[1], it->x + it->w + m[2], it->y + it->h + m[3]);
    }
    for (int u = 0; u < c->nunits; u++) {
        const place_item *a = &ir->items[c->pair_a[u]], *b = &ir->items[c->pair_b[u]];
        ir->axis4[c->unit_class[u]] = 2 * (int64_t)a->x + a->w + 2 * (int64_t)b->x + b->w;
    }
    ir->boundary = lay_box_make(0, 0, g->width, g->height);
    ir->placed = 1;
}
