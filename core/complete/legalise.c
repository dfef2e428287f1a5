/*
 * legalise.c -- predicted pixels to rule-clean shapes (see legalise.h).
 */
#include "legalise.h"

#include "base/minheap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

typedef struct shape_list {
    lfm_shape *v;
    int n, cap;
} shape_list;

static int push(shape_list *l, int layer, lay_box b)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        lfm_shape *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        l->v = v, l->cap = cap;
    }
    l->v[l->n++] = (lfm_shape){layer, b};
    return 0;
}

static int32_t snap(double v, int32_t grid)
{
    return (int32_t)(floor(v / grid + 0.5) * grid);
}

/* b widened, about its centre and on the grid, to at least wmin a side. */
static lay_box widen_to(lay_box b, int32_t wmin, int32_t grid)
{
    if (b.x1 - b.x0 < wmin) {
        double c = (b.x0 + b.x1) / 2.0;
        b.x0 = snap(c - wmin / 2.0, grid), b.x1 = b.x0 + wmin;
    }
    if (b.y1 - b.y0 < wmin) {
        double c = (b.y0 + b.y1) / 2.0;
        b.y0 = snap(c - wmin / 2.0, grid), b.y1 = b.y0 + wmin;
    }
    return b;
}

/* The largest value of the rules of kind between layer (outer) and other. */
static int32_t rule_value(const halo_tech *t, const char *kind, const char *layer, const char *other)
{
    int32_t v = 0;
    for (int i = 0; i < t->n_rules; i++) {
        const tech_rule *r = &t->rules[i];
        if (!strcmp(r->kind, kind) && !strcmp(r->layer, layer) && !strcmp(r->other ? r->other : "", other) &&
            r->value_nm > v)
            v = r->value_nm;
    }
    return v;
}

/* The overlap of a and b (empty when they do not overlap). */
static lay_box box_and(lay_box a, lay_box b)
{
    return lay_box_make(a.x0 > b.x0 ? a.x0 : b.x0, a.y0 > b.y0 ? a.y0 : b.y0, a.x1 < b.x1 ? a.x1 : b.x1,
                        a.y1 < b.y1 ? a.y1 : b.y1);
}

/* Whether the union of layer l's shapes in f (plus extra boxes on l)
 * covers box b. */
static int covered(lay_flat *f, int l, lay_box b, const shape_list *extra)
{
    if (l < 0 || lay_box_empty(b)) return 0;
    int *idx = NULL, cap = 0, n = flat_query(f, l, b, &idx, &cap);
    lay_box *clip = malloc(((size_t)n + (extra ? extra->n : 0) + 1) * sizeof *clip);
    int k = 0;
    for (int i = 0; clip && i < n; i++) {
        lay_box c = box_and(f->layers[l].boxes[idx[i]], b);
        if (c.x1 > c.x0 && c.y1 > c.y0) clip[k++] = c;
    }
    for (int i = 0; clip && extra && i < extra->n; i++) {
        if (extra->v[i].layer != l) continue;
        lay_box c = box_and(extra->v[i].box, b);
        if (c.x1 > c.x0 && c.y1 > c.y0) clip[k++] = c;
    }
    lay_box *merged = NULL;
    int nm = clip ? flat_merge(clip, k, &merged) : 0;
    int64_t area = nm > 0 ? flat_area(merged, nm) : 0;
    free(merged), free(clip), free(idx);
    return area == (int64_t)(b.x1 - b.x0) * (b.y1 - b.y0);
}

static int overlaps_layer(lay_flat *f, int l, lay_box b)
{
    if (l < 0) return 0;
    int *idx = NULL, cap = 0, n = flat_query(f, l, b, &idx, &cap), hit = 0;
    for (int i = 0; i < n && !hit; i++) {
        lay_box a = f->layers[l].boxes[idx[i]];
        hit = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
    }
    free(idx);
    return hit;
}

static double box_distance(lay_box a, lay_box b)
{
    double dx = a.x1 < b.x0 ? b.x0 - a.x1 : b.x1 < a.x0 ? a.x0 - b.x1 : 0;
    double dy = a.y1 < b.y0 ? b.y0 - a.y1 : b.y1 < a.y0 ? a.y0 - b.y1 : 0;
    return sqrt(dx * dx + dy * dy);
}

/* ---------------------------------------------------------------- cuts */

/* The conductors a cut joins, by cut layer; a marker layer that must
 * enclose the cut's part over one of them (a poly contact's npc:
 * licon.15 and .18 measure licon AND poly, as the open_pdks deck does);
 * and the MIM plate the cut may land on (via3 on capm: capm.4 and
 * capm.5, see plate_ok). */
static const struct {
    const char *cut, *below[3], *above;
    const char *marker, *marker_over, *plate;
} cut_stack[] = {
    {"licon1", {"diff", "tap", "poly"}, "li1", "npc", "poly", NULL},
    {"mcon", {"li1"}, "met1", NULL, NULL, NULL},
    {"via", {"met1"}, "met2", NULL, NULL, NULL},
    {"via2", {"met2"}, "met3", NULL, NULL, NULL},
    {"via3", {"met3"}, "met4", NULL, NULL, "capm"},
};

/* Whether outer (when the cut touches it) encloses the cut as the rules
 * between them ask: all round by the enclosure value, and by the
 * one-side value on one pair of opposite sides. */
static int enclosed(lay_flat *f, const halo_tech *t, const char *outer, const char *cut, lay_box b)
{
    int l = flat_layer_find(f, outer);
    if (!overlaps_layer(f, l, b)) return -1;                  /* not on this conductor */
    int32_t e = rule_value(t, "enclosure", outer, cut), e1 = rule_value(t, "enclosure_one_side", outer, cut);
    if (!covered(f, l, lay_box_grow(b, e), NULL)) return 0;
    if (e1 <= e) return 1;
    lay_box h = lay_box_make(b.x0 - e1, b.y0 - e, b.x1 + e1, b.y1 + e);
    lay_box v = lay_box_make(b.x0 - e, b.y0 - e1, b.x1 + e, b.y1 + e1);
    return covered(f, l, h, NULL) || covered(f, l, v, NULL);
}

/* Whether the part of cut b over layer over lies inside marker by the
 * marker's enclosure rule; true when b is on none of over, or the rules
 * give the marker no enclosure of the cut. */
static int part_in_marker(lay_flat *f, const halo_tech *t, const char *marker, const char *over, const char *cut,
                          lay_box b)
{
    int ol = flat_layer_find(f, over), ml = flat_layer_find(f, marker);
    int32_t e = rule_value(t, "enclosure", marker, cut);
    if (ol < 0 || ml < 0 || e <= 0) return 1;
    int *idx = NULL, cap = 0, n = flat_query(f, ol, b, &idx, &cap), ok = 1;
    for (int i = 0; i < n && ok; i++) {
        lay_box c = box_and(f->layers[ol].boxes[idx[i]], b);
        if (c.x1 > c.x0 && c.y1 > c.y0) ok = covered(f, ml, lay_box_grow(c, e), NULL);
    }
    free(idx);
    return ok;
}

/* A cut on a MIM plate lies inside it by the plate's enclosure (capm.4);
 * one off it keeps the plate's spacing (capm.5). */
static int plate_ok(lay_flat *f, const halo_tech *t, const char *plate, const char *cut, lay_box b)
{
    int pl = flat_layer_find(f, plate);
    if (pl < 0) return 1;
    if (overlaps_layer(f, pl, b)) return covered(f, pl, lay_box_grow(b, rule_value(t, "enclosure", plate, cut)), NULL);
    int32_t s = rule_value(t, "spacing_other", plate, cut);
    int *idx = NULL, cap = 0, n = flat_query(f, pl, lay_box_grow(b, s), &idx, &cap), ok = 1;
    for (int i = 0; i < n && ok; i++) ok = box_distance(f->layers[pl].boxes[idx[i]], b) >= s;
    free(idx);
    return ok;
}

/* How a cut keeps from the other cuts of its layer: space apart, corner
 * to corner; on a MIM plate also as a contact area (lattice_ok). */
typedef struct cut_gap {
    int32_t space, grid;
    int lattice;
} cut_gap;

/* The gaps between a and b along x and along y (0 where they overlap). */
static void box_gaps(lay_box a, lay_box b, int32_t *dx, int32_t *dy)
{
    *dx = a.x1 <= b.x0 ? b.x0 - a.x1 : b.x1 <= a.x0 ? a.x0 - b.x1 : 0;
    *dy = a.y1 <= b.y0 ? b.y0 - a.y1 : b.y1 <= a.y0 ? a.y0 - b.y1 : 0;
}

static int same_box(lay_box a, lay_box b)
{
    return a.x0 == b.x0 && a.y0 == b.y0 && a.x1 == b.x1 && a.y1 == b.y1;
}

/* On a MIM plate halo's DRC reads cuts as Magic does, as contact areas:
 * each cut grown by its metal's enclosure, then closed, so areas nearer
 * than twice the closing distance along both x and y merge.  Cuts on one
 * lattice (the array's pitch) merge into a rectilinear area as wide as a
 * grown cut; any other near pair leaves a stepped area or a neck (via3.1,
 * via3.2).  So a cut at b, among its neighbours nb, is either one grid
 * step more than the spacing from each along x or y, or on its lattice:
 * in its row or column at exactly the spacing, or diagonal to it with one
 * of the two cells between them taken. */
static int lattice_ok(lay_box b, const lay_box *nb, int n, cut_gap g)
{
    for (int i = 0; i < n; i++) {
        int32_t dx, dy;
        box_gaps(nb[i], b, &dx, &dy);
        if ((dx > dy ? dx : dy) >= g.space + g.grid) continue;
        int row = nb[i].y0 == b.y0 && nb[i].y1 == b.y1 && dx == g.space;
        int col = nb[i].x0 == b.x0 && nb[i].x1 == b.x1 && dy == g.space;
        if (row || col) continue;
        if (dx != g.space || dy != g.space) return 0;
        lay_box c1 = lay_box_make(b.x0, nb[i].y0, b.x1, nb[i].y1), c2 = lay_box_make(nb[i].x0, b.y0, nb[i].x1, b.y1);
        int taken = 0;
        for (int j = 0; j < n && !taken; j++) taken = same_box(nb[j], c1) || same_box(nb[j], c2);
        if (!taken) return 0;
    }
    return 1;
}

/* The gap rule for a cut at b: the lattice's on a MIM plate. */
static cut_gap cut_space(lay_flat *f, int ci, lay_box b, int32_t space, int32_t grid)
{
    const char *plate = cut_stack[ci].plate;
    return (cut_gap){space, grid, plate && overlaps_layer(f, flat_layer_find(f, plate), b)};
}

/* Whether a cut at b keeps its gap from the layout's cuts of its layer
 * and those placed so far: 1 or 0, -1 on no memory. */
static int cut_clear(lay_flat *f, int cutl, lay_box b, cut_gap g, const shape_list *placed)
{
    lay_box near = lay_box_grow(b, g.space + g.grid);
    int *idx = NULL, cap = 0, n = flat_query(f, cutl, near, &idx, &cap), k = 0, ok = 1;
    lay_box *nb = malloc(((size_t)n + placed->n + 1) * sizeof *nb);
    if (!nb) {
        free(idx);
        return -1;
    }
    for (int i = 0; ok && i < n; i++) nb[k++] = f->layers[cutl].boxes[idx[i]];
    for (int i = 0; ok && i < placed->n; i++)
        if (placed->v[i].layer == cutl && !lay_box_empty(box_and(placed->v[i].box, near))) nb[k++] = placed->v[i].box;
    for (int i = 0; ok && i < k; i++) ok = box_distance(nb[i], b) >= g.space;
    if (ok && g.lattice) ok = lattice_ok(b, nb, k, g);
    free(nb), free(idx);
    return ok;
}

/* Whether a cut of cutl at b fits: 1 or 0, -1 on no memory. */
static int cut_fits(lay_flat *f, const halo_tech *t, int ci, int cutl, lay_box b, cut_gap gap,
                    const shape_list *placed)
{
    const char *cut = cut_stack[ci].cut;
    int below = 0;
    for (int k = 0; k < 3 && cut_stack[ci].below[k]; k++) {
        int e = enclosed(f, t, cut_stack[ci].below[k], cut, b);
        if (e == 0) return 0;
        below |= e == 1;
    }
    if (!below || enclosed(f, t, cut_stack[ci].above, cut, b) != 1) return 0;
    if (cut_stack[ci].marker && !part_in_marker(f, t, cut_stack[ci].marker, cut_stack[ci].marker_over, cut, b))
        return 0;
    if (cut_stack[ci].plate && !plate_ok(f, t, cut_stack[ci].plate, cut, b)) return 0;
    return cut_clear(f, cutl, b, gap, placed);
}

/* A place a cut could go: its cut_stack entry and layer, its lower-left
 * corner in nm, the model's mean probability over the pixels it covers,
 * and how many of those are predicted. */
typedef struct cut_site {
    int ci, cutl;
    int32_t x0, y0;
    float score;
    int cover;
} cut_site;

typedef struct site_list {
    cut_site *v;
    int n, cap;
} site_list;

/* Summed-area tables of the predicted pixels (count) and of the model's
 * probability over one channel, each [(h+1)(w+1)], so any box of pixels
 * sums in four reads. */
typedef struct pixel_sums {
    int w;
    double *pred, *prob;
} pixel_sums;

static int sums_build(pixel_sums *s, const lfm_raster *in, const uint8_t *plane, const float *prob)
{
    int W = in->w, H = in->h;
    s->w = W;
    s->pred = calloc((size_t)(W + 1) * (H + 1), sizeof *s->pred);
    s->prob = calloc((size_t)(W + 1) * (H + 1), sizeof *s->prob);
    if (!s->pred || !s->prob) return -1;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            size_t o = (size_t)(y + 1) * (W + 1) + x + 1, p = (size_t)y * W + x;
            s->pred[o] = plane[p] + s->pred[o - 1] + s->pred[o - W - 1] - s->pred[o - W - 2];
            s->prob[o] = prob[p] + s->prob[o - 1] + s->prob[o - W - 1] - s->prob[o - W - 2];
        }
    return 0;
}

/* The sum of t over pixels [i0, i1] x [j0, j1] (inclusive). */
static double box_sum(const double *t, int w, int i0, int j0, int i1, int j1)
{
    size_t W = (size_t)w + 1;
    return t[(j1 + 1) * W + i1 + 1] - t[j0 * W + i1 + 1] - t[(j1 + 1) * W + i0] + t[j0 * W + i0];
}

/* The pixels whose centres lie in [a, a + side) nm along one axis. */
static void pixel_span(int32_t origin, int32_t px, int32_t a, int32_t side, int *i0, int *i1)
{
    *i0 = (int)ceil((double)(a - origin) / px - 0.5);
    *i1 = (int)ceil((double)(a + side - origin) / px - 0.5) - 1;
}

static int sites_push(site_list *l, cut_site site)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 256;
        cut_site *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        l->v = v, l->cap = cap;
    }
    l->v[l->n++] = site;
    return 0;
}

/* Most probable first; among equally probable sites (to a thousandth),
 * the one covering most predicted pixels, which on a blob narrower than a
 * cut is the one centred on it; then the lowest, leftmost (several grid
 * spots cover the same pixels; a fixed order keeps results the same on
 * every C library). */
static int by_score(const void *a, const void *b)
{
    const cut_site *p = a, *q = b;
    long x = lround(p->score * 1000.0), y = lround(q->score * 1000.0);
    if (x != y) return (x < y) - (x > y);
    if (p->cover != q->cover) return (p->cover < q->cover) - (p->cover > q->cover);
    if (p->y0 != q->y0) return (p->y0 > q->y0) - (p->y0 < q->y0);
    return (p->x0 > q->x0) - (p->x0 < q->x0);
}

/* One channel's cut layer, with the tables its sites are scored from. */
typedef struct cut_channel {
    int ci, cutl;
    int32_t side, space;
    const uint8_t *plane;
    pixel_sums sums;
} cut_channel;

/* Every grid position inside the pixel box {x0, y0, x1, y1} where a cut
 * of c covers predicted pixels for at least min_cover of its pixels,
 * scored by the model's mean probability over them. */
static int cut_sites(const lfm_raster *in, const cut_channel *c, const int box[4], int32_t grid, double min_cover,
                     site_list *out)
{
    int32_t px = in->px, side = c->side;
    int32_t xa = lfm_floor_to(in->x0 + box[0] * px, grid), xb = in->x0 + box[2] * px - side;
    int32_t ya = lfm_floor_to(in->y0 + box[1] * px, grid), yb = in->y0 + box[3] * px - side;
    const pixel_sums *s = &c->sums;
    for (int32_t y = ya; y <= yb; y += grid) {
        int j0, j1;
        pixel_span(in->y0, px, y, side, &j0, &j1);
        if (j0 < 0 || j1 >= in->h || j1 < j0) continue;
        for (int32_t x = xa; x <= xb; x += grid) {
            int i0, i1;
            pixel_span(in->x0, px, x, side, &i0, &i1);
            if (i0 < 0 || i1 >= in->w || i1 < i0) continue;
            double n = (double)(i1 - i0 + 1) * (j1 - j0 + 1), cover = box_sum(s->pred, s->w, i0, j0, i1, j1);
            if (cover < min_cover * n) continue;
            float score = (float)(box_sum(s->prob, s->w, i0, j0, i1, j1) / n);
            cut_site site = {c->ci, c->cutl, x, y, score, (int)lround(cover)};
            if (sites_push(out, site)) return -1;
        }
    }
    return 0;
}

/* What the cut placement knows besides the sites: the layout, the rules,
 * where this completion's cuts begin in out, and whether cuts of several
 * layers may stack on one spot. */
typedef struct cut_ctx {
    lay_flat *f;
    const halo_tech *t;
    int from, stack;
    shape_list *out;
} cut_ctx;

/* Whether a cut of layer cutl at b keeps space from this completion's
 * other cuts of its layer and, unless stacking is allowed, lies on no
 * spot where this completion put a cut of another layer: the cheap tests,
 * made before cut_fits's queries. */
static int clear_of_placed(const cut_ctx *x, int cutl, lay_box b, int32_t space)
{
    for (int i = 0; i < x->out->n; i++) {
        const lfm_shape *p = &x->out->v[i];
        if (p->layer == cutl && box_distance(p->box, b) < space) return 0;
        if (!x->stack && i >= x->from && p->layer != cutl && p->box.x0 < b.x1 && b.x0 < p->box.x1 &&
            p->box.y0 < b.y1 && b.y0 < p->box.y1)
            return 0;
    }
    return 1;
}

/* Places the sites, most probable first, each where it fits (cut_fits:
 * enclosed by the conductors below and above, spaced from every cut); at
 * most max cuts (0: no limit). */
static int place_sites(site_list *sites, const cut_channel *chans, int max, cut_ctx *x)
{
    int placed = 0;
    if (sites->n) qsort(sites->v, (size_t)sites->n, sizeof *sites->v, by_score);
    for (int i = 0; i < sites->n && (!max || placed < max); i++) {
        const cut_site *st = &sites->v[i];
        const cut_channel *c = chans;
        while (c->ci != st->ci) c++;
        lay_box b = lay_box_make(st->x0, st->y0, st->x0 + c->side, st->y0 + c->side);
        cut_gap gap = cut_space(x->f, c->ci, b, c->space, x->t->grid_nm > 0 ? x->t->grid_nm : 5);
        if (!clear_of_placed(x, c->cutl, b, c->space)) continue;
        int fits = cut_fits(x->f, x->t, c->ci, c->cutl, b, gap, x->out);
        if (fits < 0) return -1;
        if (!fits) continue;
        if (push(x->out, c->cutl, b)) return -1;
        placed++;
    }
    return 0;
}

/* Whether a cut of cutl among this completion's lies within reach nm of b. */
static int placed_near(const cut_ctx *x, int cutl, lay_box b, int32_t reach)
{
    for (int i = x->from; i < x->out->n; i++)
        if (x->out->v[i].layer == cutl && box_distance(x->out->v[i].box, b) <= reach) return 1;
    return 0;
}

/* How far, in pixels, a blob's cut may move to a place where it fits. */
enum { CUT_REACH_PX = 4 };

/* The blobs of channel c the first pass left without a cut: the model saw
 * a cut there but drew it a few pixels off any place where one fits (it
 * localises to a few pixels; the rules decide the exact spot).  Each gets
 * the most probable fitting site within CUT_REACH_PX pixels of it. */
static int rescue_blobs(const lfm_raster *in, const cut_channel *c, const int win[4], int32_t grid, cut_ctx *x)
{
    int W = in->w, H = in->h, mark = 0, rc = 0;
    double min_pixels = 0.3 * ((double)c->side / in->px) * ((double)c->side / in->px);
    int *lab = calloc((size_t)W * H, sizeof *lab);
    lfm_stack st = {0};
    site_list sites = {0};
    if (!lab) return -1;
    for (int p0 = 0; p0 < W * H && !rc; p0++) {
        if (!c->plane[p0] || lab[p0]) continue;
        lfm_elem e = lfm_flood(c->plane, H, W, p0, lab, ++mark, &st);
        if (e.pixels < 0) rc = -1;
        if (rc || e.pixels < min_pixels) continue;
        lay_box nm = lay_box_make(in->x0 + e.x0 * in->px, in->y0 + e.y0 * in->px, in->x0 + e.x1 * in->px,
                                  in->y0 + e.y1 * in->px);
        if (placed_near(x, c->cutl, nm, in->px)) continue;
        int box[4] = {e.x0 - CUT_REACH_PX, e.y0 - CUT_REACH_PX, e.x1 + CUT_REACH_PX, e.y1 + CUT_REACH_PX};
        for (int k = 0; k < 2; k++) box[k] = box[k] < win[k] ? win[k] : box[k];
        for (int k = 2; k < 4; k++) box[k] = box[k] > win[k] ? win[k] : box[k];
        sites.n = 0;
        rc = cut_sites(in, c, box, grid, 0, &sites) ? -1 : place_sites(&sites, c, 1, x);
    }
    free(lab), free(st.v), free(sites.v);
    return rc;
}

/* The task's cuts over all its channels at once: the sites the prediction
 * proposes (a third of a cut's pixels predicted or more), most probable
 * first whatever their layer, each placed where it fits, so a blob of an
 * array gets as many cuts as fit, as arrays are drawn; then each
 * channel's blobs left without one (rescue_blobs).  The model ranks
 * places the rules allow rather than a blob's centre being forced into
 * place.  Without stack, a spot takes a cut of one layer only: the model,
 * unsure of the layer, proposes several where a cut was removed. */
static int legalise_cuts(const lfm_model *m, const lfm_raster *in, const float *prob, const uint8_t *pred,
                         const int win[4], int stack, lay_flat *f, const halo_tech *t, shape_list *out)
{
    size_t hw = (size_t)in->h * in->w, ncut = sizeof cut_stack / sizeof cut_stack[0];
    int32_t grid = t->grid_nm > 0 ? t->grid_nm : 5;
    cut_channel chans[sizeof cut_stack / sizeof cut_stack[0]] = {{0}};
    int nch = 0, rc = 0;
    for (int ch = 0; ch < m->map.nch; ch++) {
        if (!lfm_task_targets(m->task, &m->map, ch)) continue;
        char layer[64];
        lfm_chanmap_layer(&m->map, ch, layer, sizeof layer);
        for (size_t ci = 0; ci < ncut && nch < (int)ncut; ci++) {
            const tech_layer *tl = tech_find_layer(t, cut_stack[ci].cut);
            int cutl = flat_layer_find(f, cut_stack[ci].cut);
            if (strcmp(cut_stack[ci].cut, layer) || !tl || cutl < 0 || tl->width_nm <= 0) continue;
            cut_channel *c = &chans[nch++];
            *c = (cut_channel){(int)ci, cutl, tl->width_nm, tl->spacing_nm, pred + (size_t)ch * hw, {0}};
            if (sums_build(&c->sums, in, c->plane, prob + (size_t)ch * hw)) rc = -1;
        }
    }
    cut_ctx x = {f, t, out->n, stack, out};
    site_list sites = {0};
    for (int i = 0; i < nch && !rc; i++) rc = cut_sites(in, &chans[i], win, grid, 0.3, &sites);
    if (!rc) rc = place_sites(&sites, chans, 0, &x);
    for (int i = 0; i < nch && !rc; i++) rc = rescue_blobs(in, &chans[i], win, grid, &x);
    for (int i = 0; i < nch; i++) free(chans[i].sums.pred), free(chans[i].sums.prob);
    free(sites.v);
    return rc;
}

/* ---------------------------------------------------------------- nwell */

/* Fill runs of empty pixels shorter than gap between two on pixels, along
 * rows then columns. */
static void close_gaps(uint8_t *m, int W, int H, int gap)
{
    for (int pass = 0; pass < 2; pass++) {
        int outer = pass ? W : H, inner = pass ? H : W;
        for (int o = 0; o < outer; o++) {
            int last = -1;
            for (int i = 0; i < inner; i++) {
                size_t at = pass ? (size_t)i * W + o : (size_t)o * W + i;
                if (!m[at]) continue;
                if (last >= 0 && i - last - 1 > 0 && i - last - 1 < gap)
                    for (int k = last + 1; k < i; k++) m[pass ? (size_t)k * W + o : (size_t)o * W + k] = 1;
                last = i;
            }
        }
    }
}

/* Clear the pixels whose centres lie within dist of a box (nm). */
static void clear_near(const lfm_raster *in, uint8_t *m, lay_box b, int32_t dist)
{
    lfm_raster view = *in;
    view.c = 1, view.v = m;
    lfm_raster_box(&view, 0, lay_box_grow(b, dist), 0);
}

/* Diffusion boxes of f on layer dl that overlap implant il. */
static int implanted(lay_flat *f, int dl, int il, int i)
{
    return overlaps_layer(f, il, f->layers[dl].boxes[i]);
}

/* The boxes a well must cover exactly: every P diffusion and N tap grown
 * by its enclosure rule, at least the well's minimum width wide. */
static int required_wells(lay_flat *f, const halo_tech *t, int32_t wmin, int32_t grid, shape_list *req)
{
    int diff = flat_layer_find(f, "diff"), tap = flat_layer_find(f, "tap");
    int nsdm = flat_layer_find(f, "nsdm"), psdm = flat_layer_find(f, "psdm");
    int32_t enc = rule_value(t, "enclosure", "nwell", "diff"), enc_tap = rule_value(t, "enclosure", "nwell", "tap");
    for (int pass = 0; pass < 2; pass++) {
        int dl = pass ? tap : diff, il = pass ? nsdm : psdm;
        for (int i = 0; dl >= 0 && i < f->layers[dl].n; i++) {
            if (!implanted(f, dl, il, i)) continue;
            lay_box b = widen_to(lay_box_grow(f->layers[dl].boxes[i], pass ? enc_tap : enc), wmin, grid);
            if (push(req, -1, b)) return -1;
        }
    }
    return 0;
}

/* How near (nm) a predicted well side must come to the required boxes'
 * extent to take it: a pixel, and at least 0.16 um, the coarse N-well
 * model's pixel, so that a side a 40 nm edge model puts a few of its
 * pixels off is snapped as the coarse model's side one pixel off is. */
#define WELL_SNAP_NM 160

/* The rectangle a near-rectangular component stands for: its columns
 * (rows) with at least half the fullest column's (row's) pixels.  Its
 * bounding box would follow the farthest speck on a side: a 40 nm
 * model's side has bumps a few pixels out that a 0.16 um model's
 * rounding hid (one took a well 0.4 um past its true side). */
static void majority_box(const uint8_t *comp, int W, lfm_elem e, int *x0, int *y0, int *x1, int *y1)
{
    int cols = e.x1 - e.x0, rows = e.y1 - e.y0, cmax = 0, rmax = 0;
    int *cc = calloc((size_t)cols + rows, sizeof *cc), *rc = cc ? cc + cols : NULL;
    *x0 = e.x0, *y0 = e.y0, *x1 = e.x1, *y1 = e.y1;
    if (!cc) return;   /* no memory: the bounding box */
    for (int y = e.y0; y < e.y1; y++)
        for (int x = e.x0; x < e.x1; x++)
            if (comp[(size_t)y * W + x]) cc[x - e.x0]++, rc[y - e.y0]++;
    for (int i = 0; i < cols; i++) cmax = cc[i] > cmax ? cc[i] : cmax;
    for (int j = 0; j < rows; j++) rmax = rc[j] > rmax ? rc[j] : rmax;
    while (*x0 < *x1 - 1 && 2 * cc[*x0 - e.x0] < cmax) (*x0)++;
    while (*x1 - 1 > *x0 && 2 * cc[*x1 - 1 - e.x0] < cmax) (*x1)--;
    while (*y0 < *y1 - 1 && 2 * rc[*y0 - e.y0] < rmax) (*y0)++;
    while (*y1 - 1 > *y0 && 2 * rc[*y1 - 1 - e.y0] < rmax) (*y1)--;
    free(cc);
}

/* One well component (dropped when it comes near no P diffusion or N
 * tap): a near-rectangle (its majority_box 85 % full; the bumps past
 * that box are dropped) becomes one rectangle whose sides
 * within the snap distance of the required boxes' extent take that exact
 * extent (the pixels only say where the edge is to a pixel); any other shape
 * stays as its pixel rectangles.  Either way the required boxes it
 * touches are added whole. */
static int well_component(const lfm_raster *in, const uint8_t *comp, lfm_elem e, const shape_list *req, int nw,
                          shape_list *out)
{
    int32_t snap = in->px > WELL_SNAP_NM ? in->px : WELL_SNAP_NM;
    lay_box bb = lay_box_make(in->x0 + e.x0 * in->px, in->y0 + e.y0 * in->px, in->x0 + e.x1 * in->px,
                              in->y0 + e.y1 * in->px);
    lay_box need = lay_box_make(0, 0, 0, 0);
    for (int i = 0; i < req->n; i++)
        if (box_distance(req->v[i].box, bb) <= snap) need = lay_box_union(need, req->v[i].box);
    /* a well round no P diffusion or N tap holds no device: drop it */
    if (lay_box_empty(need)) return 0;
    int x0, y0, x1, y1;
    majority_box(comp, in->w, e, &x0, &y0, &x1, &y1);
    long area = (long)(x1 - x0) * (y1 - y0), inside = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) inside += comp[(size_t)y * in->w + x] != 0;
    if (inside >= 0.85 * area) {
        lay_box r = lay_box_make(in->x0 + x0 * in->px, in->y0 + y0 * in->px, in->x0 + x1 * in->px, in->y0 + y1 * in->px);
        if (!lay_box_empty(need)) {
            if (abs(r.x0 - need.x0) <= snap) r.x0 = need.x0;
            if (abs(r.y0 - need.y0) <= snap) r.y0 = need.y0;
            if (abs(r.x1 - need.x1) <= snap) r.x1 = need.x1;
            if (abs(r.y1 - need.y1) <= snap) r.y1 = need.y1;
            r = lay_box_union(r, need);
        }
        return push(out, nw, r);
    }
    lfm_raster view = *in;
    view.c = 1, view.v = (uint8_t *)comp;
    lay_box *bx = NULL;
    int nb = lfm_raster_boxes(&view, 0, &bx), rc = nb < 0 ? -1 : 0;
    for (int i = 0; i < nb && !rc; i++) rc = push(out, nw, bx[i]);
    free(bx);
    return rc;
}

/* Whether a well drawn as box b keeps the rules with what is not well:
 * N diffusion and P taps at their distance, and no MIM capacitor partly
 * over it (capm.10). */
static int well_box_allowed(lay_flat *f, const halo_tech *t, lay_box b)
{
    static const struct {
        const char *layer, *implant;
    } keep_out[] = {{"diff", "nsdm"}, {"tap", "psdm"}};
    for (size_t k = 0; k < sizeof keep_out / sizeof keep_out[0]; k++) {
        int dl = flat_layer_find(f, keep_out[k].layer), il = flat_layer_find(f, keep_out[k].implant);
        int32_t d = rule_value(t, "spacing_other", keep_out[k].layer, "nwell");
        int *idx = NULL, cap = 0, n = dl >= 0 ? flat_query(f, dl, lay_box_grow(b, d), &idx, &cap) : 0, ok = 1;
        for (int i = 0; i < n && ok; i++)
            if (implanted(f, dl, il, idx[i])) ok = box_distance(f->layers[dl].boxes[idx[i]], b) >= d;
        free(idx);
        if (!ok) return 0;
    }
    int capm = flat_layer_find(f, "capm");
    int *idx = NULL, cap = 0, n = capm >= 0 ? flat_query(f, capm, b, &idx, &cap) : 0, ok = 1;
    for (int i = 0; i < n && ok; i++) {
        lay_box c = f->layers[capm].boxes[idx[i]];
        int over = c.x0 < b.x1 && b.x0 < c.x1 && c.y0 < b.y1 && b.y0 < c.y1;
        int inside = c.x0 >= b.x0 && c.x1 <= b.x1 && c.y0 >= b.y0 && c.y1 <= b.y1;
        ok = !over || inside;
    }
    free(idx);
    return ok;
}

static int find_root(int *parent, int i)
{
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
}

/* One pass of well regularisation over the new wells out->v[from..]:
 * wells nearer each other than the well spacing must be one well
 * (nwell.2a), and a well drawn from pixels has notches and spurs narrower
 * than the well width (nwell.1).  Each group of wells within the spacing
 * of each other becomes its bounding box where that box is allowed
 * (well_box_allowed); a group whose box is not stays as it is.  Returns
 * how many groups changed, or -1 on no memory. */
static int merge_well_groups(lay_flat *f, const halo_tech *t, shape_list *out, int from, int32_t space)
{
    int n = out->n - from, changed = 0;
    int *parent = malloc((size_t)(n > 0 ? n : 1) * sizeof *parent);
    if (!parent) return -1;
    for (int i = 0; i < n; i++) parent[i] = i;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (box_distance(out->v[from + i].box, out->v[from + j].box) < space)
                parent[find_root(parent, i)] = find_root(parent, j);
    for (int i = 0; i < n; i++) parent[i] = find_root(parent, i);   /* each box's group, flat */
    shape_list next = {0};
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        int root = parent[i], leader = 1, members = 0;
        for (int j = 0; j < i && leader; j++) leader = parent[j] != root;
        if (!leader) continue;                /* the group is handled at its first member */
        lay_box bb = lay_box_make(0, 0, 0, 0);
        for (int j = i; j < n; j++)
            if (parent[j] == root) bb = lay_box_union(bb, out->v[from + j].box), members++;
        if (members > 1 && well_box_allowed(f, t, bb)) {
            rc = push(&next, out->v[from + i].layer, bb), changed++;
            continue;
        }
        for (int j = i; j < n && !rc; j++)
            if (parent[j] == root) rc = push(&next, out->v[from + j].layer, out->v[from + j].box);
    }
    free(parent);
    if (rc) {
        free(next.v);
        return -1;
    }
    out->n = from;
    for (int i = 0; i < next.n && !rc; i++) rc = push(out, next.v[i].layer, next.v[i].box);
    free(next.v);
    return rc ? -1 : changed;
}

static int legalise_nwell(const lfm_raster *in, const uint8_t *plane, lay_flat *f, const halo_tech *t,
                          shape_list *out)
{
    int nw = flat_layer_find(f, "nwell"), diff = flat_layer_find(f, "diff"), nsdm = flat_layer_find(f, "nsdm");
    const tech_layer *tl = tech_find_layer(t, "nwell");
    if (nw < 0 || !tl) return 0;
    int W = in->w, H = in->h, from = out->n;
    int32_t grid = t->grid_nm > 0 ? t->grid_nm : 5;
    shape_list req = {0};
    uint8_t *m = malloc((size_t)W * H), *comp = calloc((size_t)W * H, 1);
    int *lab = calloc((size_t)W * H, sizeof *lab);
    lfm_stack st = {0};
    int rc = m && comp && lab ? required_wells(f, t, tl->width_nm, grid, &req) : -1;
    if (!rc) {
        memcpy(m, plane, (size_t)W * H);
        close_gaps(m, W, H, (int)(tl->spacing_nm / in->px) + 1);
        /* N diffusion keeps its distance from the well */
        int32_t keep = rule_value(t, "spacing_other", "diff", "nwell");
        for (int i = 0; diff >= 0 && i < f->layers[diff].n; i++)
            if (implanted(f, diff, nsdm, i)) clear_near(in, m, f->layers[diff].boxes[i], keep + in->px / 2);
        double speck = ((double)tl->width_nm / in->px) * ((double)tl->width_nm / in->px);
        int mark = 0;
        for (int p = 0; p < W * H && !rc; p++) {
            if (!m[p] || lab[p]) continue;
            lfm_elem e = lfm_flood(m, H, W, p, lab, ++mark, &st);
            if (e.pixels < 0) rc = -1;
            else if (e.pixels >= speck) {
                for (int y = e.y0; y < e.y1; y++)
                    for (int x = e.x0; x < e.x1; x++) comp[(size_t)y * W + x] = lab[(size_t)y * W + x] == mark;
                rc = well_component(in, comp, e, &req, nw, out);
                for (int y = e.y0; y < e.y1; y++) memset(comp + (size_t)y * W + e.x0, 0, (size_t)(e.x1 - e.x0));
            }
        }
    }
    /* every P diffusion and N tap inside a well, exactly */
    for (int i = 0; i < req.n && !rc; i++) rc = push(out, nw, req.v[i].box);
    /* then whole wells, as far as the surroundings allow */
    for (int pass = 0, k = 1; pass < 8 && k > 0 && !rc; pass++)
        if ((k = merge_well_groups(f, t, out, from, tl->spacing_nm)) < 0) rc = -1;
    free(m), free(comp), free(lab), free(st.v), free(req.v);
    return rc;
}

/* ---------------------------------------------------------------- route */

/* The nearest of the existing shapes' edge coordinates (along one axis)
 * to v within reach, or v. */
static int32_t nearest_edge(const lay_box *near, int n, int vertical_edge, int32_t v, int32_t reach)
{
    int32_t best = v, dbest = reach + 1;
    for (int i = 0; i < n; i++) {
        int32_t c[2] = {vertical_edge ? near[i].x0 : near[i].y0, vertical_edge ? near[i].x1 : near[i].y1};
        for (int k = 0; k < 2; k++) {
            int32_t d = abs(c[k] - v);
            if (d < dbest) dbest = d, best = c[k];
        }
    }
    return best;
}

/* Polygon edge adjustment: a predicted box's sides lie on pixel edges,
 * the kept wiring's on the technology grid; each side within a pixel of
 * an edge of the layer's existing shapes moves onto it, so the new metal
 * continues the old without a sliver or a notch. */
static lay_box snap_edges(lay_flat *f, int l, lay_box b, int32_t px)
{
    int *idx = NULL, cap = 0, n = flat_query(f, l, lay_box_grow(b, 2 * px), &idx, &cap);
    lay_box *near = malloc(((size_t)n + 1) * sizeof *near);
    if (!near) {
        free(idx);
        return b;
    }
    for (int i = 0; i < n; i++) near[i] = f->layers[l].boxes[idx[i]];
    lay_box r = lay_box_make(nearest_edge(near, n, 1, b.x0, px), nearest_edge(near, n, 0, b.y0, px),
                             nearest_edge(near, n, 1, b.x1, px), nearest_edge(near, n, 0, b.y1, px));
    free(near), free(idx);
    return lay_box_empty(r) ? b : r;
}

/* A route joins two points of one layer's existing wiring.  Of the
 * route channels whose metal both command marks touch, the one whose most
 * probable connecting path (Dijkstra, a pixel costing -log p of the
 * model's probability, the wiring at either end free, every other piece
 * of that layer's metal barred as a short) costs least is the route's
 * layer, and that path, drawn as the wire it continues, is the route.
 * So the model chooses the layer and the way; the legaliser guarantees
 * the route is one connected wire of the layer's width. */

typedef struct route_ctx {
    const lfm_raster *in;
    int W, H;
    int x0, y0, x1, y1;      /* the pixel window the path may use */
    int *lab;                /* [H*W] scratch */
    lfm_stack st;
} route_ctx;

/* The command marks: mark[p] = 1..n over each mark's pixels, centre[k-1]
 * a pixel near mark k's centre.  Returns n (at most max), -1 on no memory. */
static int command_marks(route_ctx *r, const uint8_t *cmd, int *mark, int *centre, int max)
{
    int n = 0;
    memset(mark, 0, (size_t)r->W * r->H * sizeof *mark);
    for (int p = 0; p < r->W * r->H && n < max; p++) {
        if (!cmd[p] || mark[p]) continue;
        lfm_elem e = lfm_flood(cmd, r->H, r->W, p, mark, ++n, &r->st);
        if (e.pixels < 0) return -1;
        centre[n - 1] = (int)floor(e.cy + 0.5) * r->W + (int)floor(e.cx + 0.5);
    }
    return n;
}

/* The label (in r->lab, by lfm_flood) of channel metal under mark k, or 0. */
static int metal_under_mark(route_ctx *r, const uint8_t *have, const int *mark, int k, int *next)
{
    for (int p = 0; p < r->W * r->H; p++)
        if (mark[p] == k && have[p]) {
            if (!r->lab[p]) {
                lfm_elem e = lfm_flood(have, r->H, r->W, p, r->lab, ++*next, &r->st);
                if (e.pixels < 0) return -1;
            }
            return r->lab[p];
        }
    return 0;
}

/* Dijkstra's states: a pixel and the direction it was entered by (0-3,
 * 4 at a start), so that a bend can cost something. */
#define ROUTE_DIRS 5
/* A bend costs what six pixels of probability e^-1 do: the path bends
 * where the model is sure of it, not to follow a pixel or two of noise
 * sideways (on the bench's held-out cuts, 94.7 % clean against 93.3 % at
 * a cost of 1). */
#define ROUTE_BEND_COST 6.0

/* The cheapest path from metal a to metal b of one channel (labels in
 * r->lab), through no barred pixel (when barred is given); prev[]
 * (ROUTE_DIRS states a pixel) leads back from the returned end state.
 * -1: none; -2: no memory. */
static int cheapest_path(const route_ctx *r, const float *prob, const uint8_t *have, const uint8_t *barred, int a,
                         int b, double *cost, int *prev)
{
    int W = r->W, N = r->W * r->H, S = ROUTE_DIRS * N, end = -1, rc = 0;
    double *dist = malloc((size_t)S * sizeof *dist);
    halo_minheap open = {0};
    if (!dist) return -2;
    for (int st = 0; st < S; st++) dist[st] = INFINITY, prev[st] = -1;
    for (int p = 0; p < N && !rc; p++)
        if (have[p] && r->lab[p] == a) dist[p * ROUTE_DIRS + 4] = 0, rc = halo_minheap_push(&open, 0, p * ROUTE_DIRS + 4);
    while (open.n && !rc) {
        halo_minheap_item it = halo_minheap_pop(&open);
        if (it.key > dist[it.item]) continue;   /* stale entry */
        int p = it.item / ROUTE_DIRS, came = it.item % ROUTE_DIRS;
        if (have[p] && r->lab[p] == b) {
            end = it.item, *cost = it.key;
            break;
        }
        int x = p % W, y = p / W;
        int nb[4] = {x > r->x0 ? p - 1 : -1, x + 1 < r->x1 ? p + 1 : -1, y > r->y0 ? p - W : -1,
                     y + 1 < r->y1 ? p + W : -1};
        for (int k = 0; k < 4 && !rc; k++) {
            int q = nb[k];
            if (q < 0) continue;
            double step = came != 4 && came != k ? ROUTE_BEND_COST : 0;
            if (have[q]) {
                if (r->lab[q] != a && r->lab[q] != b) continue;   /* another wire: a short */
            } else if (barred && barred[q]) {
                continue;                                        /* too near another wire */
            } else {
                float pq = prob[q] > 1e-6f ? prob[q] : 1e-6f;
                step += -log(pq < 1 ? pq : 1);
            }
            int qs = q * ROUTE_DIRS + k;
            if (it.key + step < dist[qs]) dist[qs] = it.key + step, prev[qs] = it.item, rc = halo_minheap_push(&open, dist[qs], qs);
        }
    }
    free(dist), halo_minheap_free(&open);
    return rc ? -2 : end;
}

/* The width of the wire of layer l at point (x, y) nm: the narrower side
 * of the existing shape there, else the layer's minimum width. */
static int32_t wire_width_at(lay_flat *f, int l, int32_t x, int32_t y, int32_t px, int32_t wmin)
{
    lay_box probe = lay_box_make(x - px, y - px, x + px, y + px);
    int *idx = NULL, cap = 0, n = flat_query(f, l, probe, &idx, &cap);
    int32_t w = 0;
    for (int i = 0; i < n; i++) {
        lay_box b = f->layers[l].boxes[idx[i]];
        int32_t side = b.x1 - b.x0 < b.y1 - b.y0 ? b.x1 - b.x0 : b.y1 - b.y0;
        if (side > w) w = side;
    }
    free(idx);
    return w > wmin ? w : wmin;
}

/* A box of the wire's width round pixel centres a..b of one straight run. */
static lay_box run_box(const lfm_raster *in, int W, int a, int b, int32_t width, int32_t grid)
{
    int ax = a % W, ay = a / W, bx = b % W, by = b / W;
    double x0 = in->x0 + ((ax < bx ? ax : bx) + 0.5) * in->px, x1 = in->x0 + ((ax > bx ? ax : bx) + 0.5) * in->px;
    double y0 = in->y0 + ((ay < by ? ay : by) + 0.5) * in->px, y1 = in->y0 + ((ay > by ? ay : by) + 0.5) * in->px;
    return lay_box_make(snap(x0 - width / 2.0, grid), snap(y0 - width / 2.0, grid), snap(x1 + width / 2.0, grid),
                        snap(y1 + width / 2.0, grid));
}

/* The wire of layer l under pixel (px, py) when that shape is a wire (no
 * more than twice width across) rather than a pad; an empty box if none. */
static lay_box wire_at(const lfm_raster *in, lay_flat *f, int l, int px, int py, int32_t width)
{
    int32_t x = in->x0 + (int32_t)((px + 0.5) * in->px), y = in->y0 + (int32_t)((py + 0.5) * in->px);
    int *idx = NULL, cap = 0, n = flat_query(f, l, lay_box_make(x, y, x + 1, y + 1), &idx, &cap);
    lay_box w = lay_box_make(0, 0, 0, 0);
    for (int i = 0; i < n; i++) {
        lay_box c = f->layers[l].boxes[idx[i]];
        if (c.x0 > x || c.x1 <= x || c.y0 > y || c.y1 <= y) continue;
        if (c.x1 - c.x0 <= 2 * width || c.y1 - c.y0 <= 2 * width) w = c;
        break;
    }
    free(idx);
    return w;
}

/* A cut wire's band: the strip its cross-section sweeps along its axis
 * (horizontal when along_x), where the joining path should lie on the
 * wire's own edges. */
typedef struct wire_band {
    int along_x;
    int32_t lo, hi;          /* the cross-section, nm */
    int valid;
} wire_band;

static wire_band band_of(lay_box w)
{
    wire_band b = {0, 0, 0, 0};
    if (lay_box_empty(w)) return b;
    b.valid = 1, b.along_x = w.x1 - w.x0 >= w.y1 - w.y0;
    b.lo = b.along_x ? w.y0 : w.x0, b.hi = b.along_x ? w.y1 : w.x1;
    return b;
}

/* Whether pixel p's centre lies across band b's cross-section. */
static int in_band(const lfm_raster *in, int W, wire_band b, int p)
{
    double c = b.along_x ? in->y0 + (p / W + 0.5) * in->px : in->x0 + (p % W + 0.5) * in->px;
    return b.valid && c >= b.lo && c < b.hi;
}

/* The path as straight runs as wide as the wire they continue.  Runs
 * inside either cut wire's band take its edges, and a sideways step that
 * stays inside a band is dropped, so a path the probabilities shift by a
 * pixel or two joins the wire without a jog. */
static int draw_path(const route_ctx *r, const uint8_t *have, const int *prev, int end, lay_flat *f, int l,
                     int32_t width, int32_t wmin, int32_t grid, shape_list *out)
{
    int N = r->W * r->H, W = r->W, n = 0, rc = 0;
    int *path = malloc((size_t)N * sizeof *path);
    if (!path) return -1;
    /* end lies in the far wiring; walk back to the near wiring */
    for (int st = end; st >= 0 && n < N; st = prev[st]) {
        int p = st / ROUTE_DIRS;
        if (have[p] && n > 0 && !have[path[n - 1]]) {
            path[n++] = p;      /* the near wiring's pixel: the last */
            break;
        }
        if (have[p]) n = 0;     /* still in the far wiring: keep only its last pixel */
        path[n++] = p;
    }
    wire_band bands[2] = {band_of(n ? wire_at(r->in, f, l, path[0] % W, path[0] / W, width) : lay_box_make(0, 0, 0, 0)),
                          band_of(n ? wire_at(r->in, f, l, path[n - 1] % W, path[n - 1] / W, width)
                                    : lay_box_make(0, 0, 0, 0))};
    for (int i = 0; i + 1 < n && !rc;) {
        int step = abs(path[i + 1] - path[i]), j = i + 1;
        while (j + 1 < n && abs(path[j + 1] - path[j]) == step) j++;
        lay_box b = snap_edges(f, l, run_box(r->in, W, path[i], path[j], width, grid), r->in->px);
        int skip = 0;
        for (int k = 0; k < 2; k++) {
            wire_band bd = bands[k];
            if (!in_band(r->in, W, bd, path[i]) || !in_band(r->in, W, bd, path[j])) continue;
            if (bd.along_x != (step == 1)) skip = 1;      /* a sideways step inside the band */
            else if (bd.along_x) b.y0 = bd.lo, b.y1 = bd.hi;
            else b.x0 = bd.lo, b.x1 = bd.hi;
            break;
        }
        if (!skip) rc = push(out, l, widen_to(b, wmin, grid));
        i = j;
    }
    free(path);
    return rc;
}


/* The pixels where a new wire's centre line would certainly break the
 * layer's spacing to another wire (one not labelled a or b): within
 * spacing + half the width, centre to pixel centre, of that wire's pixels,
 * so however the pixels quantise its edge the gap is short.  A path
 * through them is drawn too near another net. */
static void near_other_wires(const route_ctx *r, const uint8_t *have, int a, int b, double reach_px, uint8_t *barred)
{
    int W = r->W, H = r->H, k = (int)ceil(reach_px);
    double r2 = reach_px * reach_px;
    memset(barred, 0, (size_t)W * H);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int p = y * W + x;
            if (!have[p] || r->lab[p] == a || r->lab[p] == b) continue;
            for (int dy = -k; dy <= k; dy++)
                for (int dx = -k; dx <= k; dx++) {
                    int u = x + dx, v = y + dy;
                    if (u < 0 || v < 0 || u >= W || v >= H || dx * dx + dy * dy >= r2) continue;
                    barred[v * W + u] = 1;
                }
        }
}

/* The route's cheapest path on channel ch (prob its probabilities, have
 * its wiring, a and b the wires under the marks): first keeping clear of
 * other wires by the layer's spacing, else (a gap the legal path cannot
 * show at this pixel size) only not touching them. */
static int route_on_channel(route_ctx *r, const lfm_model *m, const float *prob, const uint8_t *have, int ch, int a,
                            int b, lay_flat *f, const halo_tech *t, const int32_t at_mark[2], double *cost, int *prev,
                            uint8_t *barred)
{
    char layer[64];
    lfm_chanmap_layer(&m->map, ch, layer, sizeof layer);
    const tech_layer *tl = tech_find_layer(t, layer);
    int l = flat_layer_find(f, layer);
    if (tl && l >= 0 && tl->spacing_nm > 0) {
        int32_t width = wire_width_at(f, l, at_mark[0], at_mark[1], r->in->px, tl->width_nm);
        near_other_wires(r, have, a, b, (tl->spacing_nm + width / 2.0) / r->in->px, barred);
        int end = cheapest_path(r, prob, have, barred, a, b, cost, prev);
        if (end != -1) return end;
    }
    return cheapest_path(r, prob, have, NULL, a, b, cost, prev);
}

static int legalise_route(const lfm_model *m, const lfm_raster *in, const float *prob, const uint8_t *cmd,
                          const int win[4], lay_flat *f, const halo_tech *t, shape_list *out)
{
    if (!cmd || !prob) return 0;
    int W = in->w, H = in->h, N = W * H;
    route_ctx r = {in, W, H, win[0] < 0 ? 0 : win[0], win[1] < 0 ? 0 : win[1], win[2] > W ? W : win[2],
                   win[3] > H ? H : win[3], calloc((size_t)N, sizeof(int)), {0}};
    int *mark = malloc((size_t)N * sizeof *mark), *prev = malloc((size_t)ROUTE_DIRS * N * sizeof *prev);
    int *best_prev = malloc((size_t)ROUTE_DIRS * N * sizeof *best_prev), centre[2];
    uint8_t *barred = malloc((size_t)N);
    int rc = r.lab && mark && prev && best_prev && barred ? 0 : -1, best_ch = -1, best_end = -1;
    double best = INFINITY;
    int marks = rc ? 0 : command_marks(&r, cmd, mark, centre, 2);
    if (marks < 0) rc = -1;
    /* a model with a command channel per layer was told the layer: join
     * on no other (the wiring of another layer may also meet both points,
     * as a strap under one of them does, and joining it shorts two nets) */
    unsigned told = 0;
    if (lfm_model_cmd_channels(m) > 1)
        for (int p = 0; p < N; p++) told |= cmd[p];
    if (marks == 2) {
        for (int ch = 0; ch < m->map.nch && !rc; ch++) {
            int bit = lfm_task_target_index(m->task, &m->map, ch);
            if (bit < 0 || (told && !(told >> bit & 1))) continue;
            const uint8_t *have = lfm_raster_plane(in, ch);
            memset(r.lab, 0, (size_t)N * sizeof *r.lab);
            int next = 0, a = metal_under_mark(&r, have, mark, 1, &next), b = a > 0 ? metal_under_mark(&r, have, mark, 2, &next) : 0;
            if (a < 0 || b < 0) rc = -1;
            if (rc || a <= 0 || b <= 0 || a == b) continue;   /* not this layer's wire, or not cut */
            double cost = 0;
            int32_t at[2] = {in->x0 + (int32_t)((centre[0] % W + 0.5) * in->px),
                             in->y0 + (int32_t)((centre[0] / W + 0.5) * in->px)};
            int end = route_on_channel(&r, m, prob + (size_t)ch * N, have, ch, a, b, f, t, at, &cost, prev, barred);
            if (end == -2) rc = -1;
            else if (end >= 0 && cost < best) {
                best = cost, best_ch = ch, best_end = end;
                memcpy(best_prev, prev, (size_t)ROUTE_DIRS * N * sizeof *prev);
            }
        }
    }
    if (!rc && best_ch >= 0) {
        char layer[64];
        lfm_chanmap_layer(&m->map, best_ch, layer, sizeof layer);
        int l = flat_layer_find(f, layer);
        const tech_layer *tl = tech_find_layer(t, layer);
        if (l >= 0 && tl) {
            int32_t grid = t->grid_nm > 0 ? t->grid_nm : 5;
            int cx = centre[0] % W, cy = centre[0] / W;
            int32_t width = wire_width_at(f, l, in->x0 + (int32_t)((cx + 0.5) * in->px),
                                          in->y0 + (int32_t)((cy + 0.5) * in->px), in->px, tl->width_nm);
            rc = draw_path(&r, lfm_raster_plane(in, best_ch), best_prev, best_end, f, l, width, tl->width_nm, grid, out);
        }
    }
    free(r.lab), free(r.st.v), free(mark), free(prev), free(best_prev), free(barred);
    return rc;
}

/* ---------------------------------------------------------------- entry points */

void lfm_predicted(const lfm_model *m, const lfm_raster *in, const float *prob, float threshold, int wx0, int wy0,
                   int wx1, int wy1, uint8_t *pred)
{
    size_t hw = (size_t)in->h * in->w;
    memset(pred, 0, (size_t)in->c * hw);
    for (int ch = 0; ch < in->c; ch++) {
        if (!lfm_task_targets(m->task, &m->map, ch)) continue;
        const uint8_t *have = lfm_raster_plane(in, ch);
        for (int y = wy0 < 0 ? 0 : wy0; y < wy1 && y < in->h; y++)
            for (int x = wx0 < 0 ? 0 : wx0; x < wx1 && x < in->w; x++) {
                size_t p = (size_t)y * in->w + x;
                pred[(size_t)ch * hw + p] = prob[(size_t)ch * hw + p] >= threshold && !have[p];
            }
    }
}

int lfm_legalise(const lfm_model *m, const lfm_raster *in, const float *prob, const uint8_t *pred, const uint8_t *cmd,
                 const int win[4], int stack, lay_flat *f, const halo_tech *t, lfm_shape **out, int *n, halo_err *err)
{
    shape_list l = {0};
    size_t hw = (size_t)in->h * in->w;
    int rc = 0;
    if (m->task == LFM_ROUTE) rc = legalise_route(m, in, prob, cmd, win, f, t, &l);
    else if (m->task == LFM_NWELL || m->task == LFM_NWELL_EDGE) {
        for (int ch = 0; ch < m->map.nch && !rc; ch++)
            if (lfm_task_targets(m->task, &m->map, ch)) rc = legalise_nwell(in, pred + (size_t)ch * hw, f, t, &l);
    } else rc = legalise_cuts(m, in, prob, pred, win, stack, f, t, &l);
    if (rc) {
        free(l.v);
        return halo_err_set(err, HALO_E_NOMEM, NULL, 0);
    }
    *out = l.v, *n = l.n;
    return 0;
}
