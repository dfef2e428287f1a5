/*
 * drc_geom.c -- regions for the DRC: merged slabs with a uniform bin
 * index, booleans, components and boundary edges.  See drc_int.h.
 */
#include "drc_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

static int32_t min32(int32_t a, int32_t b) { return a < b ? a : b; }
static int32_t max32(int32_t a, int32_t b) { return a > b ? a : b; }

/* lay_box_union, inlined: it runs for every box of every region. */
static lay_box box_union(lay_box a, lay_box b)
{
    if (a.x1 <= a.x0 || a.y1 <= a.y0) return b;
    if (b.x1 <= b.x0 || b.y1 <= b.y0) return a;
    return (lay_box){min32(a.x0, b.x0), min32(a.y0, b.y0), max32(a.x1, b.x1), max32(a.y1, b.y1)};
}

/* ---- merge: the slabs of flat_merge, faster ------------------------------
 * The same sweep as flat_merge (so the same canonical slabs), but one
 * allocation for the scratch, radix sorts for large inputs, an active list
 * kept in x order (no sort per band), and slabs kept where they were made:
 * they are made band by band from the left, which is already flat_merge's
 * final (y0, x0) order. */

typedef struct span { int32_t lo, hi; } span;

static uint32_t key32(int32_t v) { return (uint32_t)v ^ 0x80000000u; }

/* LSD radix sort by a 32-bit key, bytes at a time, ping-ponging between v
 * and tmp; a byte all keys share needs no pass (the top one, mostly).
 * KEY(x) is the sort key of element x. */
#define RADIX_SORT(T, v, tmp, n, KEY)                                                  \
    do {                                                                               \
        int cnt_[4][257] = {{0}};                                                      \
        for (int i_ = 0; i_ < (n); i_++)                                               \
            for (int d_ = 0; d_ < 4; d_++) cnt_[d_][((KEY((v)[i_]) >> (8 * d_)) & 255) + 1]++; \
        T *src_ = (v), *dst_ = (tmp);                                                  \
        for (int d_ = 0; d_ < 4; d_++) {                                               \
            int *c_ = cnt_[d_];                                                        \
            if (c_[((KEY(src_[0]) >> (8 * d_)) & 255) + 1] == (n)) continue;           \
            for (int b_ = 0; b_ < 256; b_++) c_[b_ + 1] += c_[b_];                     \
            for (int i_ = 0; i_ < (n); i_++) dst_[c_[(KEY(src_[i_]) >> (8 * d_)) & 255]++] = src_[i_]; \
            T *t_ = src_;                                                              \
            src_ = dst_;                                                               \
            dst_ = t_;                                                                 \
        }                                                                              \
        if (src_ != (v)) memcpy((v), src_, (size_t)(n) * sizeof *(v));                 \
    } while (0)

#define KEY_I32(x) key32(x)
#define KEY_Y0(x) key32((x).y0)

/* Ascending int32 sort: insertion for few, radix for many. */
static void sort_i32(int32_t *v, int32_t *tmp, int n)
{
    if (n > 32) {
        RADIX_SORT(int32_t, v, tmp, n, KEY_I32);
        return;
    }
    for (int i = 1; i < n; i++) {
        int32_t x = v[i];
        int j = i;
        for (; j > 0 && v[j - 1] > x; j--) v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Boxes by y0 (order among equal y0 does not matter to the sweep); the
 * slabs of a region come sorted already (OR, grow). */
static void sort_y0(lay_box *v, lay_box *tmp, int n)
{
    int i = 1;
    while (i < n && v[i - 1].y0 <= v[i].y0) i++;
    if (i >= n) return;
    if (n > 32) {
        RADIX_SORT(lay_box, v, tmp, n, KEY_Y0);
        return;
    }
    for (; i < n; i++) {
        lay_box x = v[i];
        int j = i;
        for (; j > 0 && v[j - 1].y0 > x.y0; j--) v[j] = v[j - 1];
        v[j] = x;
    }
}

typedef struct merge_buf {
    int32_t *ys, *ytmp;
    lay_box *sorted, *btmp;
    int *active, *open, *nopen;
    span *spans;
    lay_box *res;
    int nres, capres;
} merge_buf;

static void res_push(merge_buf *m, lay_box b)
{
    if (m->nres == m->capres) {
        m->capres = m->capres ? 2 * m->capres : 64;
        m->res = halo_xrealloc(m->res, (size_t)m->capres * sizeof *m->res);
    }
    m->res[m->nres++] = b;
}

/* Insert box index i into the active list, kept sorted by x0. */
static void active_add(const lay_box *sorted, int *active, int n, int i)
{
    int j = n;
    for (; j > 0 && sorted[active[j - 1]].x0 > sorted[i].x0; j--) active[j] = active[j - 1];
    active[j] = i;
}

/* The union of the active boxes' x spans (they are in x0 order). */
static int band_spans(const lay_box *sorted, const int *active, int na, span *sp)
{
    int m = 0;
    for (int a = 0; a < na; a++) {
        lay_box b = sorted[active[a]];
        if (m > 0 && b.x0 <= sp[m - 1].hi) {
            if (b.x1 > sp[m - 1].hi) sp[m - 1].hi = b.x1;
        } else sp[m++] = (span){b.x0, b.x1};
    }
    return m;
}

/* Sweep the distinct y; a band's span equal to a slab open from the band
 * below extends it, else opens a new slab. */
static void merge_sweep(merge_buf *m, int n, int ny)
{
    int nactive = 0, next = 0, nopen = 0;
    for (int k = 0; k + 1 < ny; k++) {
        int32_t y0 = m->ys[k], y1 = m->ys[k + 1];
        int w = 0;
        for (int a = 0; a < nactive; a++)
            if (m->sorted[m->active[a]].y1 > y0) m->active[w++] = m->active[a];
        nactive = w;
        for (; next < n && m->sorted[next].y0 <= y0; next++)
            if (m->sorted[next].y1 > y0) active_add(m->sorted, m->active, nactive++, next);
        int ns = band_spans(m->sorted, m->active, nactive, m->spans);
        int p = 0, nn = 0;
        for (int s = 0; s < ns; s++) {
            span sp = m->spans[s];
            while (p < nopen && m->res[m->open[p]].x0 < sp.lo) p++;
            if (p < nopen && m->res[m->open[p]].x0 == sp.lo && m->res[m->open[p]].x1 == sp.hi) {
                m->res[m->open[p]].y1 = y1;
                m->nopen[nn++] = m->open[p++];
                continue;
            }
            m->nopen[nn++] = m->nres;
            res_push(m, (lay_box){sp.lo, y0, sp.hi, y1});
        }
        int *t = m->open;
        m->open = m->nopen;
        m->nopen = t;
        nopen = nn;
    }
}

/* The distinct y0 and y1 of the boxes, ascending, into m->ys; the count.
 * The boxes are sorted by y0 already: only the tops need a sort, then the
 * two lists merge. */
static int band_edges(merge_buf *m, int n)
{
    int32_t *top = m->ys + n;
    for (int i = 0; i < n; i++) top[i] = m->sorted[i].y1;
    sort_i32(top, m->ytmp, n);
    int32_t *all = m->ytmp;
    int i = 0, j = 0, k = 0;
    while (i < n || j < n) {
        int32_t v = j >= n || (i < n && m->sorted[i].y0 <= top[j]) ? m->sorted[i++].y0 : top[j++];
        if (k == 0 || all[k - 1] != v) all[k++] = v;
    }
    memcpy(m->ys, all, (size_t)k * sizeof *all);
    return k;
}

/* flat_merge's slabs of boxes[0..n) into *out (malloc'ed); the count. */
static int rgn_merge(const lay_box *boxes, int n, lay_box **out)
{
    *out = NULL;
    if (n <= 0) return 0;
    size_t sz = (size_t)n * (4 * sizeof(int32_t) + 2 * sizeof(lay_box) + 3 * sizeof(int) + sizeof(span));
    char *mem = halo_xmalloc(sz), *q = mem;
    merge_buf m = {0};
    m.sorted = (lay_box *)q, q += (size_t)n * sizeof(lay_box);
    m.btmp = (lay_box *)q, q += (size_t)n * sizeof(lay_box);
    m.ys = (int32_t *)q, q += (size_t)2 * n * sizeof(int32_t);
    m.ytmp = (int32_t *)q, q += (size_t)2 * n * sizeof(int32_t);
    m.spans = (span *)q, q += (size_t)n * sizeof(span);
    m.active = (int *)q, q += (size_t)n * sizeof(int);
    m.open = (int *)q, q += (size_t)n * sizeof(int);
    m.nopen = (int *)q;
    memcpy(m.sorted, boxes, (size_t)n * sizeof *boxes);
    sort_y0(m.sorted, m.btmp, n);
    int ny = band_edges(&m, n);
    merge_sweep(&m, n, ny);
    free(mem);
    *out = m.res;
    return m.nres;
}

/* ---- regions -------------------------------------------------------------- */

/* Bins about as many as boxes, each at least 500 nm: a query of a rule's
 * reach (< 2 um mostly) then touches a handful of bins.  The bin layout
 * decides the order queries return boxes in (and so the order of
 * reports): keep it.  Index arrays share one allocation. */
static void rgn_grid(drc_rgn *r);

static void rgn_index(drc_rgn *r)
{
    rgn_grid(r);
    size_t nb = (size_t)r->nbx * r->nby;
    /* count first: start, then items, stamp and fill in one block */
    int *cnt = halo_xcalloc(nb + 1, sizeof *cnt);
    for (int i = 0; i < r->n; i++) {
        int bx0 = (r->b[i].x0 - r->ox) / r->bs, bx1 = (r->b[i].x1 - r->ox) / r->bs;
        int by0 = (r->b[i].y0 - r->oy) / r->bs, by1 = (r->b[i].y1 - r->oy) / r->bs;
        if (bx1 >= r->nbx) bx1 = r->nbx - 1;
        if (by1 >= r->nby) by1 = r->nby - 1;
        for (int y = by0; y <= by1; y++)
            for (int x = bx0; x <= bx1; x++) cnt[(size_t)y * r->nbx + x + 1]++;
    }
    for (size_t k = 0; k < nb; k++) cnt[k + 1] += cnt[k];
    size_t nitems = (size_t)cnt[nb];
    r->start = cnt;
    r->items = halo_xmalloc((nitems + nb + 1) * sizeof *r->items);   /* + fill */
    r->stamp = (unsigned *)halo_xcalloc((size_t)r->n, sizeof *r->stamp);
    int *fill = r->items + nitems;
    memcpy(fill, r->start, nb * sizeof *fill);
    for (int i = 0; i < r->n; i++) {
        int bx0 = (r->b[i].x0 - r->ox) / r->bs, bx1 = (r->b[i].x1 - r->ox) / r->bs;
        int by0 = (r->b[i].y0 - r->oy) / r->bs, by1 = (r->b[i].y1 - r->oy) / r->bs;
        if (bx1 >= r->nbx) bx1 = r->nbx - 1;
        if (by1 >= r->nby) by1 = r->nby - 1;
        for (int y = by0; y <= by1; y++)
            for (int x = bx0; x <= bx1; x++) r->items[fill[(size_t)y * r->nbx + x]++] = i;
    }
    r->reach = halo_xmalloc((nitems + 1) * sizeof *r->reach);
    for (size_t k = 0; k < nb; k++) {
        int32_t top = INT32_MIN;
        for (int j = r->start[k]; j < r->start[k + 1]; j++) {
            if (r->b[r->items[j]].y1 > top) top = r->b[r->items[j]].y1;
            r->reach[j] = top;
        }
    }
}

/* The first entry of bin k from which a box can reach y: every box before
 * it ends below y (reach, the running top of the bin's boxes, is
 * monotone, so a binary search finds it).  Boxes are in (y0, x0) order
 * (rgn_merge makes them so; join_neighbours relies on it too), so a scan
 * can also stop at the first box starting above a window: a window's scan
 * of a dense bin (a staircase of 1 nm slabs) costs the slabs near the
 * window, not the whole bin. */
static int bin_first(const drc_rgn *r, size_t k, int32_t y)
{
    int lo = r->start[k], hi = r->start[k + 1];
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (r->reach[mid] < y) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* A region owning boxes b[0..n) (already merged); indexed on its first
 * query (many regions are only read in order, as operands). */
static drc_rgn *rgn_own(lay_box *b, int n)
{
    drc_rgn *r = halo_xcalloc(1, sizeof *r);
    r->b = b;
    r->n = n;
    return r;
}

drc_rgn *drc_rgn_new(const lay_box *boxes, int n)
{
    lay_box *b;
    int m = rgn_merge(boxes, n, &b);
    return rgn_own(b, m);
}

drc_rgn *drc_rgn_clone(const drc_rgn *a)
{
    if (a->n == 0) return rgn_own(NULL, 0);
    lay_box *b = halo_xmalloc((size_t)a->n * sizeof *b);
    memcpy(b, a->b, (size_t)a->n * sizeof *b);   /* already merged */
    return rgn_own(b, a->n);
}

void drc_rgn_free(drc_rgn *r)
{
    if (!r) return;
    free(r->b);
    free(r->start);
    free(r->items);
    free(r->stamp);
    free(r->reach);
    free(r->comp);
    free(r->hit);
    free(r);
}

/* The bin grid of r (drc_int.h says what exact means).  The bin counts
 * come from the whole-nm bin size the bins use, so every box lies in the
 * grid (the first engine counted with the unrounded size and lost boxes in
 * the top or right strip of a region past the last bin). */
static void rgn_grid(drc_rgn *r)
{
    if (r->grid) return;
    r->grid = 1;
    lay_box bb = r->b[0];
    for (int i = 1; i < r->n; i++) bb = box_union(bb, r->b[i]);
    double w = (double)bb.x1 - bb.x0, h = (double)bb.y1 - bb.y0;
    double bs = sqrt(w * h / r->n);
    if (bs < 500) bs = 500;
    r->bs = (int32_t)bs;
    r->inv = 1.0 / r->bs;
    r->ox = bb.x0;
    r->oy = bb.y0;
    r->nbx = (int)(((int64_t)bb.x1 - bb.x0) / r->bs) + 1;
    r->nby = (int)(((int64_t)bb.y1 - bb.y0) / r->bs) + 1;
    r->exact = 1;
    for (int i = 0; i < r->n && r->exact; i++) {
        lay_box b = r->b[i];
        r->exact = b.x0 >= r->ox && b.y0 >= r->oy && ((int64_t)b.x1 - r->ox) / r->bs < r->nbx &&
                   ((int64_t)b.y1 - r->oy) / r->bs < r->nby;
    }
}

int drc_rgn_exact(drc_rgn *r)
{
    if (r->n == 0) return 1;
    rgn_grid(r);
    return r->exact;
}

/* v / bs for 0 <= v: a multiply by the reciprocal, corrected to the exact
 * quotient (a 64-bit division per window side cost more than the rest of
 * a query). */
static int bin_of(const drc_rgn *r, int64_t v)
{
    int64_t q = (int64_t)((double)v * r->inv);
    while (q > 0 && q * r->bs > v) q--;
    while ((q + 1) * r->bs <= v) q++;
    return q > INT32_MAX ? INT32_MAX : (int)q;
}

/* Bins of r a window meets (clamped); 0 when it misses r's index, 2 when
 * it meets at most one bin (its boxes need no dedup stamp), else 1. */
static int rgn_bins(drc_rgn *r, lay_box w, int *bx0, int *by0, int *bx1, int *by1)
{
    if (r->n == 0) return 0;
    if (!r->start) rgn_index(r);
    if (w.x1 < r->ox || w.y1 < r->oy) return 0;
    *bx0 = w.x0 < r->ox ? 0 : bin_of(r, (int64_t)w.x0 - r->ox);
    *by0 = w.y0 < r->oy ? 0 : bin_of(r, (int64_t)w.y0 - r->oy);
    *bx1 = bin_of(r, (int64_t)w.x1 - r->ox), *by1 = bin_of(r, (int64_t)w.y1 - r->oy);
    if (*bx1 >= r->nbx) *bx1 = r->nbx - 1;
    if (*by1 >= r->nby) *by1 = r->nby - 1;
    if (*bx0 >= *bx1 && *by0 >= *by1) return 2;      /* one bin: no box twice */
    if (++r->cur == 0) {
        memset(r->stamp, 0, (size_t)r->n * sizeof *r->stamp);
        r->cur = 1;
    }
    return 1;
}

static int misses(lay_box b, lay_box w, int strict)
{
    return strict ? (b.x0 >= w.x1 || b.x1 <= w.x0 || b.y0 >= w.y1 || b.y1 <= w.y0)
                  : (b.x0 > w.x1 || b.x1 < w.x0 || b.y0 > w.y1 || b.y1 < w.y0);
}

int drc_rgn_query(drc_rgn *r, lay_box w, int strict, int **out, int *cap)
{
    int bx0, by0, bx1, by1, got = rgn_bins(r, w, &bx0, &by0, &bx1, &by1);
    if (!got) return 0;
    int many = got == 1;
    int found = 0;
    for (int y = by0; y <= by1; y++)
        for (int x = bx0; x <= bx1; x++) {
            size_t k = (size_t)y * r->nbx + x;
            for (int j = bin_first(r, k, w.y0); j < r->start[k + 1]; j++) {
                int i = r->items[j];
                if (r->b[i].y0 > w.y1) break;        /* the rest start higher */
                if (many) {
                    if (r->stamp[i] == r->cur) continue;
                    r->stamp[i] = r->cur;
                }
                if (misses(r->b[i], w, strict)) continue;
                if (found == *cap) {
                    *cap = *cap ? 2 * *cap : 16;
                    *out = halo_xrealloc(*out, (size_t)*cap * sizeof **out);
                }
                (*out)[found++] = i;
            }
        }
    return found;
}

/* drc_rgn_query into the region's own buffer (r->hit): for the helpers
 * here, which finish with the hits before r is queried again. */
static int rgn_hits(drc_rgn *r, lay_box w, int strict)
{
    return drc_rgn_query(r, w, strict, &r->hit, &r->hcap);
}

static lay_box isect(lay_box a, lay_box b)
{
    return (lay_box){max32(a.x0, b.x0), max32(a.y0, b.y0), min32(a.x1, b.x1), min32(a.y1, b.y1)};
}

int64_t drc_rgn_area_in(drc_rgn *r, lay_box w)
{
    int n = rgn_hits(r, w, 1);
    int64_t a = 0;
    for (int k = 0; k < n; k++) {
        lay_box c = isect(r->b[r->hit[k]], w);
        a += (int64_t)(c.x1 - c.x0) * (c.y1 - c.y0);
    }
    return a;
}

/* The slabs do not overlap, so win is covered when the parts of it they
 * hold add up to its area; one slab holding all of it (the usual case)
 * decides at once. */
int drc_rgn_covers(drc_rgn *r, lay_box w)
{
    if (w.x1 <= w.x0 || w.y1 <= w.y0) return 1;
    int bx0, by0, bx1, by1, got = rgn_bins(r, w, &bx0, &by0, &bx1, &by1);
    if (!got) return 0;
    int many = got == 1;
    int64_t need = (int64_t)(w.x1 - w.x0) * (w.y1 - w.y0), a = 0;
    for (int y = by0; y <= by1; y++)
        for (int x = bx0; x <= bx1; x++) {
            size_t k = (size_t)y * r->nbx + x;
            for (int j = bin_first(r, k, w.y0); j < r->start[k + 1]; j++) {
                int i = r->items[j];
                if (r->b[i].y0 >= w.y1) break;       /* the rest start higher */
                if (many) {
                    if (r->stamp[i] == r->cur) continue;
                    r->stamp[i] = r->cur;
                }
                lay_box b = r->b[i];
                if (misses(b, w, 1)) continue;
                if (b.x0 <= w.x0 && b.y0 <= w.y0 && b.x1 >= w.x1 && b.y1 >= w.y1) return 1;
                lay_box c = isect(b, w);
                a += (int64_t)(c.x1 - c.x0) * (c.y1 - c.y0);
                if (a == need) return 1;             /* disjoint slabs: no more to add */
            }
        }
    return a == need;
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
    for (int i = 0; i < a->n; i++) {
        int n = rgn_hits(b, a->b[i], 1);
        for (int k = 0; k < n; k++) boxv_push(&v, isect(a->b[i], b->b[b->hit[k]]));
    }
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

/* Box a minus the boxes hit[0..n) of b, appended to out; cur and next are
 * reused work lists. */
static void box_not(boxv *out, lay_box a, const drc_rgn *b, int n, boxv *cur, boxv *next)
{
    cur->n = 0;
    boxv_push(cur, a);
    for (int k = 0; k < n && cur->n; k++) {
        next->n = 0;
        for (int j = 0; j < cur->n; j++) box_minus(next, cur->b[j], b->b[b->hit[k]]);
        boxv t = *cur;
        *cur = *next;
        *next = t;
    }
    for (int j = 0; j < cur->n; j++) boxv_push(out, cur->b[j]);
}

drc_rgn *drc_rgn_not(drc_rgn *a, drc_rgn *b)
{
    boxv out = {0}, cur = {0}, next = {0};
    for (int i = 0; i < a->n; i++) {
        int n = rgn_hits(b, a->b[i], 1);
        if (n == 0) boxv_push(&out, a->b[i]);
        else box_not(&out, a->b[i], b, n, &cur, &next);
    }
    free(cur.b);
    free(next.b);
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

/* First slab of r (sorted by y0, then x0) with y0 >= y. */
static int first_at(const drc_rgn *r, int32_t y)
{
    int lo = 0, hi = r->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (r->b[mid].y0 < y) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Join i with the slabs it shares an edge of positive length with.  With
 * an exact grid, by order: canonical slabs (rgn_merge) never touch side
 * by side over a height (their band would have merged them), so only the
 * slabs starting at i's top can, found by binary search in (y0, x0)
 * order.  Else as the queries see it. */
static void join_neighbours(drc_rgn *r, int *p, int i)
{
    lay_box a = r->b[i];
    if (r->exact) {
        for (int j = first_at(r, a.y1); j < r->n && r->b[j].y0 == a.y1 && r->b[j].x0 < a.x1; j++) {
            if (r->b[j].x1 <= a.x0) continue;
            int x = uf_find(p, i), y = uf_find(p, j);
            if (x != y) p[x] = y;
        }
        return;
    }
    int n = rgn_hits(r, a, 0);
    for (int k = 0; k < n; k++) {
        lay_box c = isect(a, r->b[r->hit[k]]);
        /* an edge of positive length, not a corner point */
        if (c.x1 - c.x0 <= 0 && c.y1 - c.y0 <= 0) continue;
        int x = uf_find(p, i), y = uf_find(p, r->hit[k]);
        if (x != y) p[x] = y;
    }
}

void drc_rgn_components(drc_rgn *r)
{
    if (r->comp || r->n == 0) return;      /* no boxes, no components (ncomp 0) */
    rgn_grid(r);
    int *p = halo_xmalloc((size_t)r->n * 2 * sizeof *p), *id = p + r->n;
    for (int i = 0; i < r->n; i++) p[i] = i;
    for (int i = 0; i < r->n; i++) join_neighbours(r, p, i);
    /* numbered by first slab: the partition alone decides the ids */
    r->comp = halo_xmalloc((size_t)r->n * sizeof *r->comp);
    for (int i = 0; i < r->n; i++) id[i] = -1;
    r->ncomp = 0;
    for (int i = 0; i < r->n; i++) {
        int root = uf_find(p, i);
        if (id[root] < 0) id[root] = r->ncomp++;
        r->comp[i] = id[root];
    }
    free(p);
}

char *drc_rgn_touched(drc_rgn *a, drc_rgn *b)
{
    drc_rgn_components(a);
    char *hitc = halo_xcalloc((size_t)a->ncomp + 1, 1);
    for (int i = 0; i < a->n; i++)
        if (!hitc[a->comp[i]] && rgn_hits(b, a->b[i], 1) > 0) hitc[a->comp[i]] = 1;
    return hitc;
}

drc_rgn *drc_rgn_pick(drc_rgn *a, const char *hitc, int invert)
{
    boxv v = {0};
    for (int i = 0; i < a->n; i++)
        if (hitc[a->comp[i]] != invert) boxv_push(&v, a->b[i]);
    return rgn_take(&v);
}

drc_rgn *drc_rgn_select(drc_rgn *a, drc_rgn *b, int invert)
{
    char *hitc = drc_rgn_touched(a, b);
    drc_rgn *r = drc_rgn_pick(a, hitc, invert);
    free(hitc);
    return r;
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
    int m = rgn_hits(r, probe, 1);
    for (int k = 0; k < m && n > 0; k++) {
        lay_box c = r->b[r->hit[k]];
        n = vert ? seg_cut(seg, n, max, c.y0, c.y1) : seg_cut(seg, n, max, c.x0, c.x1);
    }
    return n;
}

/* Shrink by d: what stays when the complement (within the bounding box
 * grown by d) is grown by d and taken away. */
drc_rgn *drc_rgn_shrink(drc_rgn *r, int32_t d)
{
    if (r->n == 0) return drc_rgn_new(NULL, 0);
    lay_box bb = r->b[0];
    for (int i = 1; i < r->n; i++) bb = box_union(bb, r->b[i]);
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
