/*
 * place_sa.c -- the placer: simulated annealing over symmetric-feasible
 * sequence pairs and orientations, finished by the ILP (place_run).
 *
 * Cost (lower is better), relative to the initial pair's packing:
 *   hpwl  HPWL/HPWL0 + 0.05 area/area0      area  area/area0 + 0.05 HPWL/HPWL0
 *   both  HPWL/HPWL0 + area/area0
 * where area is the boundary's.  Moves: swap two items in one sequence or
 * in both, move an item to another place in one sequence, flip an item
 * (left-right or top-bottom; a partner follows).  Every candidate is
 * repaired to symmetric feasibility and evaluated by the packing
 * (place_seqpair.c); the best few distinct states seen go to the ILP, which
 * spends the packing's slack on wirelength with the area linearised around
 * the candidate's packing (dA = H0 dW + W0 dH).  The best of ILP and
 * packing results wins.  Everything random comes from one generator seeded
 * by the caller, so a seed gives one placement.
 */
#include "place_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

typedef struct sa_ref {
    double hpwl_w, area_w;   /* objective weights */
    double hpwl0, area0;     /* the initial pair's packing */
} sa_ref;

typedef struct sa_candidate {
    sp_state s;
    double cost;
    int used;
} sa_candidate;

static double cost_of(const sa_ref *r, double hpwl, const sp_geom *g)
{
    return r->hpwl_w * hpwl / r->hpwl0 + r->area_w * ((double)g->width * g->height) / r->area0;
}

/* Cost of a state by packing, HUGE_VAL when the packing does not settle. */
static double evaluate(sp_ctx *c, const sa_ref *r, const sp_state *s, sp_geom *g)
{
    if (place_sp_pack(c, s, g) != 0) return HUGE_VAL;
    return cost_of(r, place_sp_hpwl(c, s, g), g);
}

/* ---------------------------------------------------------------- moves */

static void swap_in(int *seq, int a, int b)
{
    int t = seq[a];
    seq[a] = seq[b];
    seq[b] = t;
}

static void move_in(int *seq, int from, int to)
{
    int v = seq[from];
    if (from < to) memmove(seq + from, seq + from + 1, (size_t)(to - from) * sizeof *seq);
    else memmove(seq + to + 1, seq + to, (size_t)(from - to) * sizeof *seq);
    seq[to] = v;
}

static int index_of(const int *seq, int n, int v)
{
    for (int i = 0; i < n; i++)
        if (seq[i] == v) return i;
    return -1;
}

static void random_move(const sp_ctx *c, sp_state *s, halo_rng *rng)
{
    int n = c->n;
    if (n < 2) {
        s->orient[0] = place_mirror_x(s->orient[0]);
        return;
    }
    int a = (int)rng_below(rng, (uint64_t)n), b = (int)rng_below(rng, (uint64_t)n - 1);
    if (b >= a) b++;
    switch (rng_below(rng, 6)) {
    case 0: swap_in(s->gp, a, b); break;
    case 1: swap_in(s->gm, a, b); break;
    case 2: {
        int ia = s->gp[a], ib = s->gp[b];
        swap_in(s->gp, a, b);
        swap_in(s->gm, index_of(s->gm, n, ia), index_of(s->gm, n, ib));
        break;
    }
    case 3: move_in(s->gp, a, b); break;
    case 4: move_in(s->gm, a, b); break;
    default: {
        /* Flip the pair's first member; repair mirrors the partner. */
        int it = a, p = c->ir->items[a].partner;
        if (p >= 0 && p < it) it = p;
        s->orient[it] = rng_below(rng, 2) ? place_mirror_x(s->orient[it]) : place_mirror_y(s->orient[it]);
        break;
    }
    }
    place_sp_repair(c, s);
}

/* ---------------------------------------------------------------- candidates */

/* Keep the k best distinct states seen. */
static void remember(sa_candidate *best, int k, const sp_state *s, double cost)
{
    int worst = 0;
    for (int i = 0; i < k; i++) {
        if (best[i].used && sp_state_equal(&best[i].s, s)) return;
        if (!best[i].used) {
            worst = i;
            break;
        }
        if (best[i].cost > best[worst].cost) worst = i;
    }
    if (best[worst].used && best[worst].cost <= cost) return;
    sp_state_copy(&best[worst].s, s);
    best[worst].cost = cost;
    best[worst].used = 1;
}

/* ILP on state s (weights linearised around its packing); keeps the better
 * of the ILP and packing geometries in *g; returns its cost. */
static double finish(sp_ctx *c, const sa_ref *r, const sp_state *s, sp_geom *g, sp_geom *tmp,
                     place_stats *st)
{
    double packed = evaluate(c, r, s, g);
    double w0 = g->width > 0 ? g->width : 1, h0 = g->height > 0 ? g->height : 1;
    if (!isfinite(packed)) w0 = h0 = sqrt(r->area0);   /* linearise around a square */
    /* Objective in units of HPWL0: hpwl_w HPWL + area_w (H0 W + W0 H) HPWL0/area0. */
    double k = r->area_w * r->hpwl0 / r->area0;
    st->ilp_calls++;
    /* Started from the packing; when it did not settle, the ILP finds its
     * own start. */
    if (place_ilp_solve(c, s, r->hpwl_w, k * h0, k * w0, isfinite(packed) ? g : NULL, tmp) != 0) {
        st->ilp_failures++;
        return packed;
    }
    double exact = cost_of(r, place_sp_hpwl(c, s, tmp), tmp);
    if (exact <= packed) {
        memcpy(g->x, tmp->x, (size_t)c->n * sizeof *g->x);
        memcpy(g->y, tmp->y, (size_t)c->n * sizeof *g->y);
        g->width = tmp->width;
        g->height = tmp->height;
        return exact;
    }
    return packed;
}

/* ---------------------------------------------------------------- annealing */

static void anneal(sp_ctx *c, const sa_ref *r, const place_opts *o, sp_state *cur, sa_candidate *best, int k,
                   place_stats *st, halo_rng *rng)
{
    int n = c->n;
    long iters = (long)(o->effort * 200.0 * n);
    if (iters < 50) iters = 50;
    sp_state cand;
    sp_state_init(&cand, n);
    sp_geom g;
    sp_geom_init(&g, n);
    double cost = evaluate(c, r, cur, &g);
    remember(best, k, cur, cost);
    /* Starting temperature: uphill steps of a short random walk accepted
     * with probability 0.8 on average. */
    double up = 0;
    int nup = 0;
    for (int i = 0; i < 40; i++) {
        sp_state_copy(&cand, cur);
        random_move(c, &cand, rng);
        double d = evaluate(c, r, &cand, &g) - cost;
        if (isfinite(d) && d > 0) {
            up += d;
            nup++;
        }
    }
    double t = nup ? (up / nup) / -log(0.8) : 0.01, t_end = t * 1e-3;
    double cool = pow(t_end / t, 1.0 / (double)iters);
    for (long it = 0; it < iters; it++, t *= cool) {
        sp_state_copy(&cand, cur);
        random_move(c, &cand, rng);
        double cc = evaluate(c, r, &cand, &g);
        st->moves++;
        if (!isfinite(cc)) continue;
        if (cc <= cost || rng_uniform(rng) < exp(-(cc - cost) / t)) {
            sp_state_copy(cur, &cand);
            cost = cc;
            st->accepted++;
            remember(best, k, cur, cost);
        }
    }
    sp_state_free(&cand);
    sp_geom_free(&g);
}

static void objective_weights(place_objective obj, sa_ref *r)
{
    r->hpwl_w = obj == PLACE_OBJ_AREA ? 0.05 : 1.0;
    r->area_w = obj == PLACE_OBJ_HPWL ? 0.05 : 1.0;
}

/* References from the initial pair: its packing, or its ILP when the
 * packing does not settle. */
static int references(sp_ctx *c, const sp_state *init, sa_ref *r, sp_geom *g)
{
    if (place_sp_pack(c, init, g) != 0 && place_ilp_solve(c, init, 0, 1, 1, NULL, g) != 0) return -1;
    r->hpwl0 = place_sp_hpwl(c, init, g);
    r->area0 = (double)g->width * g->height;
    if (r->hpwl0 <= 0) r->hpwl0 = 1;
    if (r->area0 <= 0) r->area0 = 1;
    return 0;
}

int place_run(place_ir *ir, const place_opts *o, place_stats *st, halo_err *err)
{
    memset(st, 0, sizeof *st);
    sp_ctx c;
    sp_ctx_init(&c, ir, err);
    int n = ir->n, k = o->ilp_candidates > 0 ? o->ilp_candidates : 4;
    halo_rng rng;
    rng_seed(&rng, o->seed);
    sa_ref r;
    objective_weights(o->objective, &r);
    sp_state cur;
    sp_state_init(&cur, n);
    place_sp_initial(&c, &cur);
    sp_geom g, tmp, best_g;
    sp_geom_init(&g, n);
    sp_geom_init(&tmp, n);
    sp_geom_init(&best_g, n);
    sa_candidate *cands = halo_xcalloc((size_t)(o->random_samples > k ? o->random_samples : k) + 1, sizeof *cands);
    int ncand = 0, rc = -1;
    if (references(&c, &cur, &r, &g) == 0) {
        if (o->random_samples > 0) {
            ncand = o->random_samples;
            for (int i = 0; i < ncand; i++) {
                sp_state_init(&cands[i].s, n);
                place_sp_random(&c, &cands[i].s, &rng);
                cands[i].used = 1;
            }
        } else {
            ncand = o->effort > 0 ? k : 1;
            for (int i = 0; i < ncand; i++) sp_state_init(&cands[i].s, n);
            if (o->effort > 0) {
                anneal(&c, &r, o, &cur, cands, k, st, &rng);
            } else {
                sp_state_copy(&cands[0].s, &cur);
                cands[0].used = 1;
            }
        }
        double best = HUGE_VAL;
        int best_i = -1;
        for (int i = 0; i < ncand; i++) {
            if (!cands[i].used) continue;
            double cost = finish(&c, &r, &cands[i].s, &g, &tmp, st);
            if (cost < best) {
                best = cost;
                best_i = i;
                memcpy(best_g.x, g.x, (size_t)n * sizeof *g.x);
                memcpy(best_g.y, g.y, (size_t)n * sizeof *g.y);
                best_g.width = g.width;
                best_g.height = g.height;
            }
        }
        if (best_i >= 0) {
            place_sp_commit(&c, &cands[best_i].s, &best_g, ir);
            st->cost = best;
            st->hpwl_nm = place_hpwl(ir);
            st->bbox_area_nm2 = (double)best_g.width * best_g.height;
            rc = 0;
        }
    }
    if (rc != 0) halo_err_set(err, HALO_E_PLC_SOLVE, NULL, 0);
    for (int i = 0; i < ncand; i++) sp_state_free(&cands[i].s);
    free(cands);
    sp_state_free(&cur);
    sp_geom_free(&g);
    sp_geom_free(&tmp);
    sp_geom_free(&best_g);
    sp_ctx_free(&c);
    return rc;
}
