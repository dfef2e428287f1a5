/*
 * flat.c -- flattening a cell into per-layer rectangle sets with a uniform
 * bin index, and the slab merge of a rectangle set.  See flat.h.
 */
#include "flat.h"

#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) abort();
    return q;
}

static void layer_push(flat_layer *L, lay_box b)
{
    if (L->n == L->cap) {
        L->cap = L->cap ? 2 * L->cap : 64;
        L->boxes = xrealloc(L->boxes, (size_t)L->cap * sizeof *L->boxes);
    }
    L->boxes[L->n++] = b;
}

static void text_push(lay_flat *f, const char *text, int layer, lay_box b, int is_pin,
                      const char *path)
{
    if (f->ntexts == f->captexts) {
        f->captexts = f->captexts ? 2 * f->captexts : 16;
        f->texts = xrealloc(f->texts, (size_t)f->captexts * sizeof *f->texts);
    }
    flat_text *t = &f->texts[f->ntexts++];
    t->text = su_strdup(text);
    t->layer = layer;
    t->box = b;
    t->is_pin = is_pin;
    t->path = su_strdup(path);
}

static void on_rect(void *ctx, const char *path, const lay_cell *c, const lay_rect *r, lay_box b)
{
    (void)path; (void)c;
    lay_flat *f = ctx;
    if (r->layer < 0 || r->layer >= f->nlayers) return;
    layer_push(&f->layers[r->layer], b);
}

static void on_pin(void *ctx, const char *path, const lay_cell *c, const lay_pin *p, lay_box b)
{
    (void)c;
    lay_flat *f = ctx;
    text_push(f, p->name, p->layer, b, 1, path);
}

static void on_label(void *ctx, const char *path, const lay_cell *c, const lay_label *l,
                     int32_t x, int32_t y)
{
    (void)c;
    lay_flat *f = ctx;
    lay_box b = {x, y, x, y};
    text_push(f, l->text, l->layer, b, 0, path);
}

static uint64_t box_hash(lay_box b)
{
    uint64_t h = 1469598103934665603ull;
    int32_t v[4] = {b.x0, b.y0, b.x1, b.y1};
    for (int i = 0; i < 4; i++) h = (h ^ (uint32_t)v[i]) * 1099511628211ull;
    return h;
}

/* Drop exact repeats of a box, keeping the first: an array reference or a
 * cell placed twice on the same spot adds nothing to the geometry, and
 * each repeat would cost every neighbour query (quadratic in the worst
 * case a fuzzer found: tens of thousands of copies of one box). */
static void layer_dedupe(flat_layer *L)
{
    if (L->n < 2) return;
    size_t cap = 16;
    while (cap < (size_t)L->n * 2) cap *= 2;
    int *slot = malloc(cap * sizeof *slot);
    if (!slot) abort();
    memset(slot, -1, cap * sizeof *slot);
    int w = 0;
    for (int i = 0; i < L->n; i++) {
        lay_box b = L->boxes[i];
        size_t k = box_hash(b) & (cap - 1);
        int dup = 0;
        for (; slot[k] >= 0; k = (k + 1) & (cap - 1)) {
            lay_box o = L->boxes[slot[k]];
            if (o.x0 == b.x0 && o.y0 == b.y0 && o.x1 == b.x1 && o.y1 == b.y1) {
                dup = 1;
                break;
            }
        }
        if (dup) continue;
        L->boxes[w] = b;
        slot[k] = w++;
    }
    L->n = w;
    free(slot);
}

/* Bins about 4x the mean rectangle size, at most ~4 bins per rectangle
 * on average: each query then touches a handful of bins. */
static void layer_index(flat_layer *L)
{
    if (L->n == 0) return;
    lay_box bb = L->boxes[0];
    int64_t sum = 0;
    for (int i = 0; i < L->n; i++) {
        lay_box b = L->boxes[i];
        bb = lay_box_union(bb, b);
        sum += (int64_t)(b.x1 - b.x0) + (b.y1 - b.y0);
    }
    int64_t mean = sum / (2 * L->n);
    int64_t bin = mean * 4;
    if (bin < 100) bin = 100;
    if (bin > LAY_COORD_LIMIT) bin = LAY_COORD_LIMIT;   /* one bin spans the design space */
    /* a table of at most ~4 bins per rectangle: a few huge rectangles must
     * not make millions of empty bins that every query walks */
    while (((int64_t)(bb.x1 - bb.x0) / bin + 1) * ((int64_t)(bb.y1 - bb.y0) / bin + 1) > 4 * (int64_t)L->n + 64)
        bin *= 2;
    L->bin_size = (int32_t)bin;
    L->org_x = bb.x0;
    L->org_y = bb.y0;
    L->nbx = (int)((bb.x1 - bb.x0) / bin) + 1;
    L->nby = (int)((bb.y1 - bb.y0) / bin) + 1;
    size_t nbins = (size_t)L->nbx * L->nby;
    L->bin_start = calloc(nbins + 1, sizeof *L->bin_start);
    if (!L->bin_start) abort();
    /* two passes: count, then fill */
    for (int pass = 0; pass < 2; pass++) {
        int *fill = NULL;
        if (pass == 1) {
            for (size_t k = 0; k < nbins; k++) L->bin_start[k + 1] += L->bin_start[k];
            L->bin_items = xrealloc(NULL, (size_t)L->bin_start[nbins] * sizeof *L->bin_items);
            fill = xrealloc(NULL, nbins * sizeof *fill);
            memcpy(fill, L->bin_start, nbins * sizeof *fill);
        }
        for (int i = 0; i < L->n; i++) {
            lay_box b = L->boxes[i];
            int bx0 = (int)((b.x0 - L->org_x) / bin), bx1 = (int)((b.x1 - L->org_x) / bin);
            int by0 = (int)((b.y0 - L->org_y) / bin), by1 = (int)((b.y1 - L->org_y) / bin);
            for (int by = by0; by <= by1; by++)
                for (int bx = bx0; bx <= bx1; bx++) {
                    size_t k = (size_t)by * L->nbx + bx;
                    if (pass == 0) L->bin_start[k + 1]++;
                    else L->bin_items[fill[k]++] = i;
                }
        }
        free(fill);
    }
    L->stamp = calloc((size_t)L->n, sizeof *L->stamp);
    if (!L->stamp) abort();
}

lay_flat *flat_build(const lay_lib *lib, int cell)
{
    lay_flat *f = calloc(1, sizeof *f);
    if (!f) abort();
    f->lib = lib;
    f->nlayers = lib->nlayers;
    f->layers = calloc((size_t)(f->nlayers ? f->nlayers : 1), sizeof *f->layers);
    if (!f->layers) abort();
    lay_walker w = {f, on_rect, on_pin, on_label};
    lay_walk(lib, cell, &w);
    int any = 0;
    for (int l = 0; l < f->nlayers; l++) {
        flat_layer *L = &f->layers[l];
        for (int i = 0; i < L->n; i++) {
            f->bbox = any ? lay_box_union(f->bbox, L->boxes[i]) : L->boxes[i];
            any = 1;
        }
        layer_dedupe(L);
        layer_index(L);
    }
    return f;
}

void flat_free(lay_flat *f)
{
    if (!f) return;
    for (int l = 0; l < f->nlayers; l++) {
        flat_layer *L = &f->layers[l];
        free(L->boxes);
        free(L->bin_start);
        free(L->bin_items);
        free(L->stamp);
    }
    for (int i = 0; i < f->ntexts; i++) {
        free(f->texts[i].text);
        free(f->texts[i].path);
    }
    free(f->texts);
    free(f->layers);
    free(f);
}

int flat_layer_find(const lay_flat *f, const char *name)
{
    return lay_layer_find(f->lib, name);
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int flat_query(lay_flat *f, int layer, lay_box win, int **out, int *cap)
{
    if (layer < 0 || layer >= f->nlayers) return 0;
    flat_layer *L = &f->layers[layer];
    if (L->n == 0) return 0;
    if (++L->cur_stamp == 0) {              /* wrapped: reset the stamps */
        memset(L->stamp, 0, (size_t)L->n * sizeof *L->stamp);
        L->cur_stamp = 1;
    }
    int64_t bin = L->bin_size;
    int64_t rx0 = ((int64_t)win.x0 - L->org_x), rx1 = ((int64_t)win.x1 - L->org_x);
    int64_t ry0 = ((int64_t)win.y0 - L->org_y), ry1 = ((int64_t)win.y1 - L->org_y);
    if (rx1 < 0 || ry1 < 0) return 0;
    int bx0 = clampi(rx0 < 0 ? 0 : (int)(rx0 / bin), 0, L->nbx - 1);
    int bx1 = (int)(rx1 / bin > L->nbx - 1 ? L->nbx - 1 : rx1 / bin);
    int by0 = clampi(ry0 < 0 ? 0 : (int)(ry0 / bin), 0, L->nby - 1);
    int by1 = (int)(ry1 / bin > L->nby - 1 ? L->nby - 1 : ry1 / bin);
    if (rx0 > (int64_t)L->nbx * bin || ry0 > (int64_t)L->nby * bin) return 0;
    int found = 0;
    for (int by = by0; by <= by1; by++)
        for (int bx = bx0; bx <= bx1; bx++) {
            size_t k = (size_t)by * L->nbx + bx;
            for (int j = L->bin_start[k]; j < L->bin_start[k + 1]; j++) {
                int i = L->bin_items[j];
                if (L->stamp[i] == L->cur_stamp) continue;
                L->stamp[i] = L->cur_stamp;
                lay_box b = L->boxes[i];
                if (b.x0 > win.x1 || b.x1 < win.x0 || b.y0 > win.y1 || b.y1 < win.y0) continue;
                if (found == 0 && *cap == 0) {
                    *cap = 16;
                    *out = xrealloc(*out, (size_t)*cap * sizeof **out);
                }
                if (found == *cap) {
                    *cap *= 2;
                    *out = xrealloc(*out, (size_t)*cap * sizeof **out);
                }
                (*out)[found++] = i;
            }
        }
    return found;
}

/* ---------------------------------------------------------------- merge */

typedef struct { int32_t lo, hi; } span;

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Shell sorts with Ciura's gaps, typed and inlined: merging runs for
 * every derived layer of every DRC, where qsort's indirect compares and
 * allocation dominated the profile. */
static const int shell_gaps[] = {1750, 701, 301, 132, 57, 23, 10, 4, 1};

static void sort_i32(int32_t *v, int n)
{
    for (size_t g = 0; g < sizeof shell_gaps / sizeof *shell_gaps; g++) {
        int gap = shell_gaps[g];
        for (int i = gap; i < n; i++) {
            int32_t x = v[i];
            int j = i;
            for (; j >= gap && v[j - gap] > x; j -= gap) v[j] = v[j - gap];
            v[j] = x;
        }
    }
}

static int box_before(lay_box a, lay_box b, int by_x)
{
    if (a.y0 != b.y0) return a.y0 < b.y0;
    return by_x && a.x0 < b.x0;
}

static void sort_boxes(lay_box *v, int n, int by_x)
{
    for (size_t g = 0; g < sizeof shell_gaps / sizeof *shell_gaps; g++) {
        int gap = shell_gaps[g];
        for (int i = gap; i < n; i++) {
            lay_box x = v[i];
            int j = i;
            for (; j >= gap && box_before(x, v[j - gap], by_x); j -= gap) v[j] = v[j - gap];
            v[j] = x;
        }
    }
}

/* Bands hold few spans: insertion sort beats qsort's set-up there. */
static void sort_spans(span *v, int n)
{
    if (n > 32) {
        qsort(v, (size_t)n, sizeof *v, cmp_span);
        return;
    }
    for (int i = 1; i < n; i++) {
        span x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j].lo > x.lo) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

/* Sweep the distinct y coordinates; in each band the x spans of the boxes
 * covering it are unioned; a band's span that continues an open slab with
 * the same extent (from the band below) extends it instead of starting a
 * new one. */
int flat_merge(const lay_box *boxes, int n, lay_box **out)
{
    *out = NULL;
    if (n <= 0) return 0;
    int32_t *ys = xrealloc(NULL, (size_t)2 * n * sizeof *ys);
    for (int i = 0; i < n; i++) {
        ys[2 * i] = boxes[i].y0;
        ys[2 * i + 1] = boxes[i].y1;
    }
    sort_i32(ys, 2 * n);
    int ny = 0;
    for (int i = 0; i < 2 * n; i++)
        if (ny == 0 || ys[ny - 1] != ys[i]) ys[ny++] = ys[i];
    lay_box *sorted = xrealloc(NULL, (size_t)n * sizeof *sorted);
    memcpy(sorted, boxes, (size_t)n * sizeof *sorted);
    sort_boxes(sorted, n, 0);

    int *active = xrealloc(NULL, (size_t)n * sizeof *active);
    int nactive = 0, next = 0;
    span *spans = xrealloc(NULL, (size_t)n * sizeof *spans);
    lay_box *res = NULL;
    int nres = 0, capres = 0;
    int open0 = 0;              /* res[open0..nres) are the slabs ending at the band below */
    for (int k = 0; k + 1 < ny; k++) {
        int32_t y0 = ys[k], y1 = ys[k + 1];
        int w = 0;
        for (int a = 0; a < nactive; a++)
            if (sorted[active[a]].y1 > y0) active[w++] = active[a];
        nactive = w;
        while (next < n && sorted[next].y0 <= y0) {
            if (sorted[next].y1 > y0) active[nactive++] = next;
            next++;
        }
        int ns = 0;
        for (int a = 0; a < nactive; a++) {
            spans[ns].lo = sorted[active[a]].x0;
            spans[ns].hi = sorted[active[a]].x1;
            ns++;
        }
        sort_spans(spans, ns);
        int m = 0;
        for (int s = 0; s < ns; s++) {
            if (m > 0 && spans[s].lo <= spans[m - 1].hi) {
                if (spans[s].hi > spans[m - 1].hi) spans[m - 1].hi = spans[s].hi;
            } else spans[m++] = spans[s];
        }
        /* continue or open slabs; open ones from the previous band are
         * res[open0..prev_end), sorted by x0 like spans */
        int prev_end = nres, p = open0;
        for (int s = 0; s < m; s++) {
            while (p < prev_end && res[p].x0 < spans[s].lo) p++;
            if (p < prev_end && res[p].x0 == spans[s].lo && res[p].x1 == spans[s].hi &&
                res[p].y1 == y0) {
                /* extend: move it to the new open run by copying */
                lay_box b = res[p];
                b.y1 = y1;
                res[p].y1 = INT32_MIN;  /* mark for removal below: no coordinate is this */
                if (nres == capres) {
                    capres = capres ? 2 * capres : 64;
                    res = xrealloc(res, (size_t)capres * sizeof *res);
                }
                res[nres++] = b;
                p++;
                continue;
            }
            if (nres == capres) {
                capres = capres ? 2 * capres : 64;
                res = xrealloc(res, (size_t)capres * sizeof *res);
            }
            res[nres++] = lay_box_make(spans[s].lo, y0, spans[s].hi, y1);
        }
        /* compact away the slabs that were extended; the slabs of this
         * band are then the tail whose top is y1 */
        int wr = open0;
        for (int r = open0; r < nres; r++) {
            if (r < prev_end && res[r].y1 == INT32_MIN) continue;
            res[wr++] = res[r];
        }
        int created = 0;
        for (int r = wr - 1; r >= open0 && res[r].y1 == y1; r--) created++;
        nres = wr;
        open0 = wr - created;
    }
    free(ys);
    free(sorted);
    free(active);
    free(spans);
    sort_boxes(res, nres, 1);
    *out = res;
    return nres;
}

int64_t flat_area(const lay_box *boxes, int n)
{
    int64_t a = 0;
    for (int i = 0; i < n; i++) a += (int64_t)(boxes[i].x1 - boxes[i].x0) * (boxes[i].y1 - boxes[i].y0);
    return a;
}
