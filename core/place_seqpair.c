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

#include <stdlib.h>
#include <string.h>

#include "strutil.h"

int place_orient_index(lay_orient o)
{
    switch (o) {
    case LAY_MX: return 1;
    case LAY_MY: return 2;
    case LAY_R180: return 3;
    default: return 0;
    }
}

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

/* The congruence S = res (mod m) a symmetric unit puts on its class's
 * S = 4 * axis: a pair S = w_a + w_b (mod 2g), a lone member S = 2w (mod 4g). */
static void unit_congruence(const place_ir *ir, int a, int b, int64_t *m, int64_t *res)
{
    int64_t g = ir->grid;
    *m = a == b ? 4 * g : 2 * g;
    *res = a == b ? (2 * (int64_t)ir->items[a].w) % *m : ((int64_t)ir->items[a].w + ir->items[b].w) % *m;
}

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
    c->class_mod = halo_xcalloc((size_t)c->nclasses + 1, sizeof *c->class_mod);
    c->class_res = halo_xcalloc((size_t)c->nclasses + 1, sizeof *c->class_res);
    for (int k = 0; k < c->nclasses; k++) {
        int64_t mod = 1;
        for (int u = 0; u < c->nunits; u++) {
            int64_t m, r;
            unit_congruence(ir, c->pair_a[u], c->pair_b[u], &m, &r);
            if (c->unit_class[u] == k && m > mod) mod = m;
        }
        int64_t s;
        for (s = 0; s < mod; s++) {
            int ok = 1;
            for (int u = 0; u < c->nunits && ok; u++) {
                int64_t m, r;
                unit_congruence(ir, c->pair_a[u], c->pair_b[u], &m, &r);
                if (c->unit_class[u] == k && s % m != r) ok = 0;
            }
            if (ok) break;
        }
        c->class_mod[k] = (int32_t)mod;
        c->class_res[k] = (int32_t)(s < mod ? s : 0);
    }
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
    c->pos_p = halo_xcalloc((size_t)ir->n + 1, sizeof *c->pos_p);
    c->pos_m = halo_xcalloc((size_t)ir->n + 1, sizeof *c->pos_m);
    c->lb = halo_xcalloc((size_t)ir->n + 1, sizeof *c->lb);
    return 0;
}

void sp_ctx_free(sp_ctx *c)
{
    free(c->marg);
    free(c->pair_a);
    free(c->pair_b);
    free(c->unit_class);
    free(c->class_mod);
    free(c->class_res);
    free(c->pos_p);
    free(c->pos_m);
    free(c->lb);
    memset(c, 0, sizeof *c);
}

/* ---------------------------------------------------------------- feasibility */

void place_sp_repair(const sp_ctx *c, sp_state *s)
{
    const place_ir *ir = c->ir;
    int n = c->n;
    int *want = halo_xmalloc(((size_t)n + 1) * sizeof *want);
    for (int k = 0; k < c->nclasses; k++) {
        /* The class's items in gp order, reversed and mapped to partners,
         * go into the class's slots of gm in order. */
        int m = 0;
        for (int j = n - 1; j >= 0; j--) {
            const place_item *it = &ir->items[s->gp[j]];
            if (it->partner >= 0 && it->symclass == k) want[m++] = it->partner;
        }
        int next = 0;
        for (int j = 0; j < n && next < m; j++) {
            const place_item *it = &ir->items[s->gm[j]];
            if (it->partner >= 0 && it->symclass == k) s->gm[j] = want[next++];
        }
    }
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

static void shuffle(int *a, int n, halo_rng *rng)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(rng, (uint64_t)i + 1), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void place_sp_random(const sp_ctx *c, sp_state *s, halo_rng *rng)
{
    for (int i = 0; i < c->n; i++) {
        s->gp[i] = s->gm[i] = i;
        s->orient[i] = orient_of_index[rng_below(rng, 4)];
    }
    shuffle(s->gp, c->n, rng);
    shuffle(s->gm, c->n, rng);
    place_sp_repair(c, s);
}

/* ---------------------------------------------------------------- packing */

static int64_t round_up(int64_t v, int64_t g)
{
    int64_t r = v % g;
    if (r < 0) r += g;
    return r ? v + g - r : v;
}

/* Longest paths along one axis (horizontal: before in both sequences;
 * vertical: after in gp, before in gm), from the lower bounds c->lb. */
static void longest_paths(sp_ctx *c, const sp_state *s, int vertical, int64_t *pos)
{
    int n = c->n;
    for (int k = 0; k < n; k++) {
        int i = vertical ? s->gm[k] : s->gp[k];
        int oi = place_orient_index(s->orient[i]);
        int64_t v = c->lb[i];
        for (int k2 = 0; k2 < k; k2++) {
            int j = vertical ? s->gm[k2] : s->gp[k2];
            int oj = place_orient_index(s->orient[j]);
            int64_t need;
            if (!vertical && c->pos_m[j] < c->pos_m[i])
                need = pos[j] + c->ir->items[j].w + c->marg[j][oj][2] + c->marg[i][oi][0];
            else if (vertical && c->pos_p[j] > c->pos_p[i])
                need = pos[j] + c->ir->items[j].h + c->marg[j][oj][3] + c->marg[i][oi][1];
            else
                continue;
            if (need > v) v = need;
        }
        pos[i] = round_up(v, c->g);
    }
}

/* Raise lower bounds so the pairs become mirrored; 1 if anything moved. */
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
        int64_t mod = c->class_mod[k], S = need + ((c->class_res[k] - need % mod) % mod + mod) % mod;
        for (int u = 0; u < c->nunits; u++) {
            if (c->unit_class[u] != k) continue;
            int a = c->pair_a[u], b = c->pair_b[u];
            int64_t s = 2 * x[a] + c->ir->items[a].w + 2 * x[b] + c->ir->items[b].w;
            if (s == S) continue;
            int right = a == b || c->pos_p[a] < c->pos_p[b] ? b : a;
            int64_t step = a == b ? (S - s) / 4 : (S - s) / 2;
            if (x[right] + step > c->lb[right]) c->lb[right] = x[right] + step;
            moved = 1;
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

int place_sp_pack(sp_ctx *c, const sp_state *s, sp_geom *out)
{
    int n = c->n;
    for (int k = 0; k < n; k++) {
        c->pos_p[s->gp[k]] = k;
        c->pos_m[s->gm[k]] = k;
    }
    int64_t *pos = halo_xmalloc(((size_t)n + 1) * sizeof *pos);
    int rc = 0;
    for (int vertical = 0; vertical < 2 && rc == 0; vertical++) {
        rc = pack_axis(c, s, vertical, pos);
        int64_t extent = 0;
        for (int i = 0; i < n; i++) {
            int o = place_orient_index(s->orient[i]);
            int64_t end = vertical ? pos[i] + c->ir->items[i].h + c->marg[i][o][3]
                                   : pos[i] + c->ir->items[i].w + c->marg[i][o][2];
            if (end > extent) extent = end;
            if (pos[i] > LAY_COORD_LIMIT / 2) rc = -1;
            if (vertical) out->y[i] = (int32_t)pos[i];
            else out->x[i] = (int32_t)pos[i];
        }
        if (extent > LAY_COORD_LIMIT / 2) rc = -1;
        if (vertical) out->height = (int32_t)extent;
        else out->width = (int32_t)extent;
    }
    free(pos);
    return rc;
}

double place_sp_hpwl(const sp_ctx *c, const sp_state *s, const sp_geom *g)
{
    const place_ir *ir = c->ir;
    int nn = ir->nnets + 1;
    int64_t *box = halo_xmalloc((size_t)nn * 4 * sizeof *box);
    unsigned char *seen = halo_xcalloc((size_t)nn, 1);
    unsigned char *multi = halo_xcalloc((size_t)nn, 1);
    for (int i = 0; i < c->n; i++) {
        const place_item *it = &ir->items[i];
        for (int p = 0; p < it->npins; p++) {
            int net = it->pins[p].net;
            int64_t x2, y2, *b = box + 4 * net;
            place_pin_pos2(it, &it->pins[p], s->orient[i], g->x[i], g->y[i], &x2, &y2);
            if (!seen[net]) {
                seen[net] = 1;
                b[0] = b[2] = x2;
                b[1] = b[3] = y2;
                continue;
            }
            multi[net] = 1;
            if (x2 < b[0]) b[0] = x2;
            if (x2 > b[2]) b[2] = x2;
            if (y2 < b[1]) b[1] = y2;
            if (y2 > b[3]) b[3] = y2;
        }
    }
    double sum2 = 0;
    for (int k = 0; k < nn; k++)
        if (multi[k]) sum2 += (double)(box[4 * k + 2] - box[4 * k] + box[4 * k + 3] - box[4 * k + 1]);
    free(box);
    free(seen);
    free(multi);
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
