/*
 * legalise.c -- predicted pixels to rule-clean shapes (see legalise.h).
 */
#include "legalise.h"

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

/* Whether the union of layer l's shapes in f (plus extra boxes on l)
 * covers box b. */
static int covered(lay_flat *f, int l, lay_box b, const shape_list *extra)
{
    if (l < 0 || lay_box_empty(b)) return 0;
    int *idx = NULL, cap = 0, n = flat_query(f, l, b, &idx, &cap);
    lay_box *clip = malloc(((size_t)n + (extra ? extra->n : 0) + 1) * sizeof *clip);
    int k = 0;
    for (int i = 0; clip && i < n; i++) {
        lay_box a = f->layers[l].boxes[idx[i]];
        lay_box c = lay_box_make(a.x0 > b.x0 ? a.x0 : b.x0, a.y0 > b.y0 ? a.y0 : b.y0, a.x1 < b.x1 ? a.x1 : b.x1,
                                 a.y1 < b.y1 ? a.y1 : b.y1);
        if (c.x1 > c.x0 && c.y1 > c.y0) clip[k++] = c;
    }
    for (int i = 0; clip && extra && i < extra->n; i++) {
        if (extra->v[i].layer != l) continue;
        lay_box a = extra->v[i].box;
        lay_box c = lay_box_make(a.x0 > b.x0 ? a.x0 : b.x0, a.y0 > b.y0 ? a.y0 : b.y0, a.x1 < b.x1 ? a.x1 : b.x1,
                                 a.y1 < b.y1 ? a.y1 : b.y1);
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

/* The conductors a cut joins, by cut layer. */
static const struct {
    const char *cut, *below[3], *above;
} cut_stack[] = {
    {"licon1", {"diff", "tap", "poly"}, "li1"}, {"mcon", {"li1"}, "met1"},     {"via", {"met1"}, "met2"},
    {"via2", {"met2"}, "met3"},                 {"via3", {"met3"}, "met4"},
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

static int cut_fits(lay_flat *f, const halo_tech *t, int ci, int cutl, lay_box b, int32_t space,
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
    int *idx = NULL, cap = 0, n = flat_query(f, cutl, lay_box_grow(b, space), &idx, &cap), ok = 1;
    for (int i = 0; i < n && ok; i++) ok = box_distance(f->layers[cutl].boxes[idx[i]], b) >= space;
    free(idx);
    for (int i = 0; i < placed->n && ok; i++)
        if (placed->v[i].layer == cutl) ok = box_distance(placed->v[i].box, b) >= space;
    return ok;
}

/* One cut per blob of the channel's predicted pixels. */
static int legalise_cuts(const lfm_raster *in, const uint8_t *plane, int ci, lay_flat *f, const halo_tech *t,
                         shape_list *out)
{
    const tech_layer *tl = tech_find_layer(t, cut_stack[ci].cut);
    int cutl = flat_layer_find(f, cut_stack[ci].cut);
    if (!tl || cutl < 0 || tl->width_nm <= 0) return 0;
    int32_t side = tl->width_nm, space = tl->spacing_nm, grid = t->grid_nm > 0 ? t->grid_nm : 5;
    int W = in->w, H = in->h;
    uint8_t *seen = calloc((size_t)W * H, 1);
    int *stack = malloc((size_t)W * H * sizeof *stack);
    if (!seen || !stack) {
        free(seen), free(stack);
        return -1;
    }
    double min_pixels = 0.3 * ((double)side / in->px) * ((double)side / in->px);
    for (int p0 = 0; p0 < W * H; p0++) {
        if (!plane[p0] || seen[p0]) continue;
        int ns = 0, count = 0;
        double sx = 0, sy = 0;
        stack[ns++] = p0, seen[p0] = 1;
        while (ns) {
            int p = stack[--ns], x = p % W, y = p / W;
            count++, sx += x, sy += y;
            int nb[4] = {x > 0 ? p - 1 : -1, x + 1 < W ? p + 1 : -1, y > 0 ? p - W : -1, y + 1 < H ? p + W : -1};
            for (int k = 0; k < 4; k++)
                if (nb[k] >= 0 && plane[nb[k]] && !seen[nb[k]]) seen[nb[k]] = 1, stack[ns++] = nb[k];
        }
        if (count < min_pixels) continue;
        double cx = in->x0 + (sx / count + 0.5) * in->px, cy = in->y0 + (sy / count + 0.5) * in->px;
        int32_t x0 = snap(cx - side / 2.0, grid), y0 = snap(cy - side / 2.0, grid);
        /* nearest spot first: rings of growing grid distance up to a pixel */
        int reach = in->px / grid, done = 0;
        for (int r = 0; r <= reach && !done; r++)
            for (int dy = -r; dy <= r && !done; dy++)
                for (int dx = -r; dx <= r && !done; dx++) {
                    if (abs(dx) != r && abs(dy) != r) continue;
                    lay_box b = lay_box_make(x0 + dx * grid, y0 + dy * grid, x0 + dx * grid + side, y0 + dy * grid + side);
                    if (cut_fits(f, t, ci, cutl, b, space, out)) {
                        if (push(out, cutl, b)) {
                            free(seen), free(stack);
                            return -1;
                        }
                        done = 1;
                    }
                }
    }
    free(seen), free(stack);
    return 0;
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

/* One well component (dropped when it comes near no P diffusion or N
 * tap): a near-rectangle becomes one rectangle whose sides
 * within a pixel of the required boxes' extent take that exact extent
 * (the pixels only say where the edge is to a pixel); any other shape
 * stays as its pixel rectangles.  Either way the required boxes it
 * touches are added whole. */
static int well_component(const lfm_raster *in, const uint8_t *comp, lfm_elem e, const shape_list *req, int nw,
                          shape_list *out)
{
    lay_box bb = lay_box_make(in->x0 + e.x0 * in->px, in->y0 + e.y0 * in->px, in->x0 + e.x1 * in->px,
                              in->y0 + e.y1 * in->px);
    lay_box need = lay_box_make(0, 0, 0, 0);
    for (int i = 0; i < req->n; i++)
        if (box_distance(req->v[i].box, bb) <= in->px) need = lay_box_union(need, req->v[i].box);
    /* a well round no P diffusion or N tap holds no device: drop it */
    if (lay_box_empty(need)) return 0;
    long area = (long)(e.x1 - e.x0) * (e.y1 - e.y0);
    if (e.pixels >= 0.85 * area) {
        lay_box r = bb;
        if (!lay_box_empty(need)) {
            if (abs(r.x0 - need.x0) <= in->px) r.x0 = need.x0;
            if (abs(r.y0 - need.y0) <= in->px) r.y0 = need.y0;
            if (abs(r.x1 - need.x1) <= in->px) r.x1 = need.x1;
            if (abs(r.y1 - need.y1) <= in->px) r.y1 = need.y1;
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
    shape_list next = {0};
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        int root = find_root(parent, i), members = 0;
        lay_box bb = lay_box_make(0, 0, 0, 0);
        int first = -1;
        for (int j = 0; j < n; j++)
            if (find_root(parent, j) == root) {
                bb = lay_box_union(bb, out->v[from + j].box), members++;
                if (first < 0) first = j;
            }
        if (first != i) continue;             /* the group is handled at its first member */
        if (members > 1 && well_box_allowed(f, t, bb)) {
            rc = push(&next, out->v[from + i].layer, bb), changed++;
            continue;
        }
        for (int j = 0; j < n && !rc; j++)
            if (find_root(parent, j) == root) rc = push(&next, out->v[from + j].layer, out->v[from + j].box);
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

/* The predicted pixels 4-connected (through predicted or existing metal of
 * the channel) to a command point. */
static void keep_commanded(const lfm_raster *in, int ch, uint8_t *m, const uint8_t *cmd)
{
    int W = in->w, H = in->h;
    const uint8_t *have = lfm_raster_plane(in, ch);
    uint8_t *seen = calloc((size_t)W * H, 1);
    int *stack = malloc((size_t)W * H * sizeof *stack);
    if (!seen || !stack) {
        free(seen), free(stack);
        return;
    }
    int ns = 0;
    for (int p = 0; p < W * H; p++)
        if (cmd[p] && (m[p] || have[p])) seen[p] = 1, stack[ns++] = p;
    while (ns) {
        int p = stack[--ns], x = p % W, y = p / W;
        int nb[4] = {x > 0 ? p - 1 : -1, x + 1 < W ? p + 1 : -1, y > 0 ? p - W : -1, y + 1 < H ? p + W : -1};
        for (int k = 0; k < 4; k++)
            if (nb[k] >= 0 && !seen[nb[k]] && (m[nb[k]] || have[nb[k]])) seen[nb[k]] = 1, stack[ns++] = nb[k];
    }
    for (int p = 0; p < W * H; p++) m[p] = m[p] && seen[p];
    free(seen), free(stack);
}

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

static int legalise_route(const lfm_raster *in, int ch, const uint8_t *plane, const uint8_t *cmd, lay_flat *f,
                          const halo_tech *t, const char *layer, shape_list *out)
{
    int l = flat_layer_find(f, layer);
    const tech_layer *tl = tech_find_layer(t, layer);
    if (l < 0 || !tl) return 0;
    int W = in->w, H = in->h;
    int32_t grid = t->grid_nm > 0 ? t->grid_nm : 5, wmin = tl->width_nm;
    uint8_t *m = malloc((size_t)W * H);
    if (!m) return -1;
    memcpy(m, plane, (size_t)W * H);
    if (cmd) keep_commanded(in, ch, m, cmd);
    lfm_raster view = *in;
    view.c = 1, view.v = m;
    lay_box *bx = NULL;
    int nb = lfm_raster_boxes(&view, 0, &bx), rc = nb < 0 ? -1 : 0;
    for (int i = 0; i < nb && !rc; i++) {
        lay_box b = widen_to(snap_edges(f, l, bx[i], in->px), wmin, grid);
        rc = push(out, l, b);
    }
    free(bx), free(m);
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

int lfm_legalise(const lfm_model *m, const lfm_raster *in, const uint8_t *pred, const uint8_t *cmd, lay_flat *f,
                 const halo_tech *t, lfm_shape **out, int *n, halo_err *err)
{
    shape_list l = {0};
    size_t hw = (size_t)in->h * in->w;
    int rc = 0;
    for (int ch = 0; ch < m->map.nch && !rc; ch++) {
        if (!lfm_task_targets(m->task, &m->map, ch)) continue;
        char layer[64];
        lfm_chanmap_layer(&m->map, ch, layer, sizeof layer);
        const uint8_t *plane = pred + (size_t)ch * hw;
        if (m->task == LFM_NWELL) rc = legalise_nwell(in, plane, f, t, &l);
        else if (m->task == LFM_ROUTE) rc = legalise_route(in, ch, plane, cmd, f, t, layer, &l);
        else
            for (size_t ci = 0; ci < sizeof cut_stack / sizeof cut_stack[0] && !rc; ci++)
                if (!strcmp(cut_stack[ci].cut, layer)) rc = legalise_cuts(in, plane, (int)ci, f, t, &l);
    }
    if (rc) {
        free(l.v);
        return halo_err_set(err, HALO_E_NOMEM, NULL, 0);
    }
    *out = l.v, *n = l.n;
    return 0;
}
