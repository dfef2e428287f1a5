/*
 * drc_geom.c -- regions for the DRC: merged slabs with a uniform bin
 * index, booleans, components and boundary edges.  See drc_int.h.
 */
#include "drc_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"

static int32_t min32(int32_t a, int32_t b) { return a < b ? a : b; }
static int32_t max32(int32_t a, int32_t b) { return a > b ? a : b; }

/* Bins about as many as boxes, each at least 500 nm: a query of a rule's
 * reach (< 2 um mostly) then touches a handful of bins. */
static void rgn_index(drc_rgn *r)
{
    lay_box bb = r->b[0];
    for (int i = 1; i < r->n; i++) bb = lay_box_union(bb, r->b[i]);
    double w = (double)bb.x1 - bb.x0, h = (double)bb.y1 - bb.y0;
    double bs = sqrt(w * h / r->n);
    if (bs < 500) bs = 500;
    r->bs = (int32_t)bs;
    r->ox = bb.x0;
    r->oy = bb.y0;
    r->nbx = (int)(w / bs) + 1;
    r->nby = (int)(h / bs) + 1;
    size_t nb = (size_t)r->nbx * r->nby;
    r->start = halo_xcalloc(nb + 1, sizeof *r->start);
    int *fill = NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < r->n; i++) {
            int bx0 = (r->b[i].x0 - r->ox) / r->bs, bx1 = (r->b[i].x1 - r->ox) / r->bs;
            int by0 = (r->b[i].y0 - r->oy) / r->bs, by1 = (r->b[i].y1 - r->oy) / r->bs;
            if (bx1 >= r->nbx) bx1 = r->nbx - 1;
            if (by1 >= r->nby) by1 = r->nby - 1;
            for (int y = by0; y <= by1; y++)
                for (int x = bx0; x <= bx1; x++) {
                    size_t k = (size_t)y * r->nbx + x;
                    if (pass == 0) r->start[k + 1]++;
                    else r->items[fill[k]++] = i;
                }
        }
        if (pass == 0) {
            for (size_t k = 0; k < nb; k++) r->start[k + 1] += r->start[k];
            r->items = halo_xmalloc((size_t)(r->start[nb] ? r->start[nb] : 1) * sizeof *r->items);
            fill = halo_xmalloc(nb * sizeof *fill);
            memcpy(fill, r->start, nb * sizeof *fill);
        }
    }
    free(fill);
    r->stamp = halo_xcalloc((size_t)r->n, sizeof *r->stamp);
}

drc_rgn *drc_rgn_new(const lay_box *boxes, int n)
{
    drc_rgn *r = halo_xcalloc(1, sizeof *r);
    r->n = n > 0 ? flat_merge(boxes, n, &r->b) : 0;
    if (r->n > 0) rgn_index(r);
    return r;
}

drc_rgn *drc_rgn_clone(const drc_rgn *a)
{
    drc_rgn *r = halo_xcalloc(1, sizeof *r);
    if (a->n == 0) return r;
    r->n = a->n;
    r->b = halo_xmalloc((size_t)a->n * sizeof *r->b);
    memcpy(r->b, a->b, (size_t)a->n * sizeof *r->b);   /* already merged */
    rgn_index(r);
    return r;
}

void drc_rgn_free(drc_rgn *r)
{
    if (!r) return;
    free(r->b);
    free(r->start);
    free(r->items);
    free(r->stamp);
    free(r->comp);
    free(r);
}

int drc_rgn_query(drc_rgn *r, lay_box w, int strict, int **out, int *cap)
{
    if (r->n == 0 || w.x1 < r->ox || w.y1 < r->oy) return 0;
    if (++r->cur == 0) {
        memset(r->stamp, 0, (size_t)r->n * sizeof *r->stamp);
        r->cur = 1;
    }
    int bx0 = w.x0 < r->ox ? 0 : (w.x0 - r->ox) / r->bs;
    int by0 = w.y0 < r->oy ? 0 : (w.y0 - r->oy) / r->bs;
    int bx1 = (int)(((int64_t)w.x1 - r->ox) / r->bs), by1 = (int)(((int64_t)w.y1 - r->oy) / r->bs);
    if (bx1 >= r->nbx) bx1 = r->nbx - 1;
    if (by1 >= r->nby) by1 = r->nby - 1;
    int found = 0;
    for (int y = by0; y <= by1; y++)
        for (int x = bx0; x <= bx1; x++) {
            size_t k = (size_t)y * r->nbx + x;
            for (int j = r->start[k]; j < r->start[k + 1]; j++) {
                int i = r->items[j];
                if (r->stamp[i] == r->cur) continue;
                r->stamp[i] = r->cur;
                lay_box b = r->b[i];
                if (strict ? (b.x0 >= w.x1 || b.x1 <= w.x0 || b.y0 >= w.y1 || b.y1 <= w.y0)
                           : (b.x0 > w.x1 || b.x1 < w.x0 || b.y0 > w.y1 || b.y1 < w.y0))
                    continue;
                if (found == *cap) {
                    *cap = *cap ? 2 * *cap : 16;
                    *out = halo_xrealloc(*out, (size_t)*cap * sizeof **out);
                }
                (*out)[found++] = i;
            }
        }
    return found;
}

static lay_box isect(lay_box a, lay_box b)
{
    return (lay_box){max32(a.x0, b.x0), max32(a.y0, b.y0), min32(a.x1, b.x1), min32(a.y1, b.y1)};
}

int64_t drc_rgn_area_in(drc_rgn *r, lay_box w)
{
    int *hit = NULL, cap = 0;
    int n = drc_rgn_query(r, w, 1, &hit, &cap);
    int64_t a = 0;
    for (int k = 0; k < n; k++) {
        lay_box c = isect(r->b[hit[k]], w);
        a += (int64_t)(c.x1 - c.x0) * (c.y1 - c.y0);
    }
    free(hit);
    return a;
}

int drc_rgn_covers(drc_rgn *r, lay_box w)
{
    if (w.x1 <= w.x0 || w.y1 <= w.y0) return 1;
    return drc_rgn_area_in(r, w) == (int64_t)(w.x1 - w.x0) * (w.y1 - w.y0);
}

/* A growable box list. */
typedef struct boxv { lay_box *b; int n, cap; } boxv;

static void boxv_push(boxv *v, lay_box b)
{
    if (b.x1 <= b.x0 || b.y1 <= b.y0) return;
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 16;
        v->b = halo_xrealloc(v->b, (size_t)v->cap * sizeof *v->b);
    }
    v->b[v->n++] = b;
}

static drc_rgn *rgn_take(boxv *v)
{
    drc_rgn *r = drc_rgn_new(v->b, v->n);
    free(v->b);
    return r;
}

drc_rgn *drc_rgn_and(drc_rgn *a, drc_rgn *b)
{
    boxv v = {0};
    int *hit = NULL, cap = 0;
    for (int i = 0; i < a->n; i++) {
        int n = drc_rgn_query(b, a->b[i], 1, &hit, &cap);
        for (int k = 0; k < n; k++) boxv_push(&v, isect(a->b[i], b->b[hit[k]]));
    }
    free(hit);
    return rgn_take(&v);
}

/* Pieces of box a outside box c (up to 4), pushed onto v. */
static void box_minus(boxv *v, lay_box a, lay_box c)
{
    if (c.x0 >= a.x1 || c.x1 <= a.x0 || c.y0 >= a.y1 || c.y1 <= a.y0) {
        boxv_push(v, a);
        return;
    }
    boxv_push(v, (lay_box){a.x0, a.y0, a.x1, c.y0});                 /* below */
    boxv_push(v, (lay_box){a.x0, c.y1, a.x1, a.y1});                 /* above */
    int32_t y0 = max32(a.y0, c.y0), y1 = min32(a.y1, c.y1);
    boxv_push(v, (lay_box){a.x0, y0, c.x0, y1});                     /* left */
    boxv_push(v, (lay_box){c.x1, y0, a.x1, y1});                     /* right */
}

drc_rgn *drc_rgn_not(drc_rgn *a, drc_rgn *b)
{
    boxv out = {0};
    int *hit = NULL, cap = 0;
    for (int i = 0; i < a->n; i++) {
        boxv cur = {0};
        boxv_push(&cur, a->b[i]);
        int n = drc_rgn_query(b, a->b[i], 1, &hit, &cap);
        for (int k = 0; k < n && cur.n; k++) {
            boxv next = {0};
            for (int j = 0; j < cur.n; j++) box_minus(&next, cur.b[j], b->b[hit[k]]);
            free(cur.b);
            cur = next;
        }
        for (int j = 0; j < cur.n; j++) boxv_push(&out, cur.b[j]);
        free(cur.b);
    }
    free(hit);
    return rgn_take(&out);
}

drc_rgn *drc_rgn_or(const drc_rgn *a, const drc_rgn *b)
{
    boxv v = {0};
    for (int i = 0; i < a->n; i++) boxv_push(&v, a->b[i]);
    for (int i = 0; i < b->n; i++) boxv_push(&v, b->b[i]);
    return rgn_take(&v);
}

static int uf_find(int *p, int i)
{
    while (p[i] != i) i = p[i] = p[p[i]];
    return i;
}

void drc_rgn_components(drc_rgn *r)
{
    if (r->comp) return;
    int *p = halo_xmalloc((size_t)(r->n ? r->n : 1) * sizeof *p);
    for (int i = 0; i < r->n; i++) p[i] = i;
    int *hit = NULL, cap = 0;
    for (int i = 0; i < r->n; i++) {
        int n = drc_rgn_query(r, r->b[i], 0, &hit, &cap);
        for (int k = 0; k < n; k++) {
            lay_box c = isect(r->b[i], r->b[hit[k]]);
            /* an edge of positive length, not a corner point */
            if (c.x1 - c.x0 <= 0 && c.y1 - c.y0 <= 0) continue;
            int x = uf_find(p, i), y = uf_find(p, hit[k]);
            if (x != y) p[x] = y;
        }
    }
    free(hit);
    r->comp = halo_xmalloc((size_t)(r->n ? r->n : 1) * sizeof *r->comp);
    int *id = halo_xmalloc((size_t)(r->n ? r->n : 1) * sizeof *id);
    for (int i = 0; i < r->n; i++) id[i] = -1;
    r->ncomp = 0;
    for (int i = 0; i < r->n; i++) {
        int root = uf_find(p, i);
        if (id[root] < 0) id[root] = r->ncomp++;
        r->comp[i] = id[root];
    }
    free(id);
    free(p);
}

drc_rgn *drc_rgn_select(drc_rgn *a, drc_rgn *b, int invert)
{
    drc_rgn_components(a);
    char *hitc = halo_xcalloc((size_t)a->ncomp + 1, 1);
    int *hit = NULL, cap = 0;
    for (int i = 0; i < a->n; i++)
        if (!hitc[a->comp[i]] && drc_rgn_query(b, a->b[i], 1, &hit, &cap) > 0) hitc[a->comp[i]] = 1;
    free(hit);
    boxv v = {0};
    for (int i = 0; i < a->n; i++)
        if (hitc[a->comp[i]] != invert) boxv_push(&v, a->b[i]);
    free(hitc);
    return rgn_take(&v);
}

void drc_gap(lay_box a, lay_box b, int64_t *dx, int64_t *dy)
{
    int64_t gx = max32(a.x0 - b.x1, b.x0 - a.x1), gy = max32(a.y0 - b.y1, b.y0 - a.y1);
    *dx = gx > 0 ? gx : 0;
    *dy = gy > 0 ? gy : 0;
}

lay_box drc_side_rect(lay_box b, int side, int32_t lo, int32_t hi, int32_t d)
{
    switch (side) {
    case 0: return d > 0 ? (lay_box){b.x0 - d, lo, b.x0, hi} : (lay_box){b.x0, lo, b.x0 - d, hi};
    case 2: return d > 0 ? (lay_box){b.x1, lo, b.x1 + d, hi} : (lay_box){b.x1 + d, lo, b.x1, hi};
    case 1: return d > 0 ? (lay_box){lo, b.y0 - d, hi, b.y0} : (lay_box){lo, b.y0, hi, b.y0 - d};
    default: return d > 0 ? (lay_box){lo, b.y1, hi, b.y1 + d} : (lay_box){lo, b.y1 + d, hi, b.y1};
    }
}

/* Remove [lo, hi] from the sorted disjoint interval list seg (n pairs). */
static int seg_cut(int32_t *seg, int n, int max, int32_t lo, int32_t hi)
{
    int32_t tmp[64];
    int m = 0;
    for (int k = 0; k < n; k++) {
        int32_t a = seg[2 * k], b = seg[2 * k + 1];
        if (hi <= a || lo >= b) {
            if (m < 32) tmp[2 * m] = a, tmp[2 * m + 1] = b, m++;
            continue;
        }
        if (lo > a && m < 32) tmp[2 * m] = a, tmp[2 * m + 1] = lo, m++;
        if (hi < b && m < 32) tmp[2 * m] = hi, tmp[2 * m + 1] = b, m++;
    }
    if (m > max) m = max;
    memcpy(seg, tmp, (size_t)m * 2 * sizeof *seg);
    return m;
}

int drc_rgn_edges(drc_rgn *r, int i, int side, int32_t *seg, int max)
{
    lay_box b = r->b[i];
    int vert = side == 0 || side == 2;
    seg[0] = vert ? b.y0 : b.x0;
    seg[1] = vert ? b.y1 : b.x1;
    int n = 1;
    lay_box probe = drc_side_rect(b, side, seg[0], seg[1], 1);
    int *hit = NULL, cap = 0;
    int m = drc_rgn_query(r, probe, 1, &hit, &cap);
    for (int k = 0; k < m && n > 0; k++) {
        lay_box c = r->b[hit[k]];
        n = vert ? seg_cut(seg, n, max, c.y0, c.y1) : seg_cut(seg, n, max, c.x0, c.x1);
    }
    free(hit);
    return n;
}

/* Shrink by d: what stays when the complement (within the bounding box
 * grown by d) is grown by d and taken away. */
drc_rgn *drc_rgn_shrink(drc_rgn *r, int32_t d)
{
    if (r->n == 0) return drc_rgn_new(NULL, 0);
    lay_box bb = r->b[0];
    for (int i = 1; i < r->n; i++) bb = lay_box_union(bb, r->b[i]);
    bb = lay_box_grow(bb, d + 1);
    drc_rgn *frame = drc_rgn_new(&bb, 1);
    drc_rgn *hole = drc_rgn_not(frame, r);
    drc_rgn *ghole = drc_rgn_grow(hole, d);
    drc_rgn *out = drc_rgn_not(r, ghole);
    drc_rgn_free(frame);
    drc_rgn_free(hole);
    drc_rgn_free(ghole);
    return out;
}

drc_rgn *drc_rgn_grow(const drc_rgn *a, int32_t d)
{
    lay_box *g = halo_xmalloc((size_t)(a->n ? a->n : 1) * sizeof *g);
    for (int i = 0; i < a->n; i++) g[i] = lay_box_grow(a->b[i], d);
    drc_rgn *r = drc_rgn_new(g, a->n);
    free(g);
    return r;
}
