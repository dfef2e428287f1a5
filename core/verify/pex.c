/*
 * pex.c -- parasitic extraction: conducting pieces become nodes, their
 * faces and edges become capacitors, their junctions and cuts resistors.
 * The model is documented in pex.h.
 */
#include "pex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "base/fileio.h"
#include "netlist/spice.h"
#include "base/strutil.h"

/* --------------------------------------------------------------- types */

enum role { RL_NONE, RL_WELL, RL_DIFF, RL_POLY, RL_METAL, RL_CUT, RL_CAPM };
/* NK_HEAD: the poly of a resistor's head, between its body and its
 * contacts -- a conductor and a lower plate, but its capacitance is the
 * device model's (sky130's res_high_po charges (L + 2 x 2.08 um) x W of
 * poly and its perimeter to the bulk), so it has none of its own. */
enum nkind { NK_WIRE, NK_GATE, NK_LUMP, NK_HEAD };

/* 1 mohm: joins pieces the geometry leaves apart but extraction calls one
 * net (a net joined only through diffusion, a device pin with no contact),
 * so the netlist stays connected. */
#define PEX_R_SHORT 1e-3
#define AF 1e-18

typedef struct node {
    lay_box box;
    int layer, net, kind;
} node;

/* A uniform grid over boxes (the node boxes of one layer, for point
 * lookups; the same-net outlines).  Each bin lists its boxes in (y0, id)
 * order with their running top, so a lookup in a dense bin (thousands of
 * 1 nm slabs) binary-searches to the boxes that can reach it. */
typedef struct grid {
    int32_t org_x, org_y, bin;
    int nbx, nby;
    int *start, *items;         /* per bin, ids in (y0, id) order */
    int32_t *reach;             /* per entry: highest y1 of its bin so far */
} grid;

/* Pair -> accumulated value (capacitance or cut count), open addressing. */
typedef struct pairmap {
    int64_t *keys;
    double *vals;
    int cap, count;
} pairmap;


typedef struct cx {
    lay_flat *f;
    const ext_result *ext;
    const halo_tech *t;
    int nl;
    int *role, *rank;
    const tech_pex_layer **pl;
    int poly, diff, tap, polyres, psdm;
    node *nodes; int nn, capn;
    grid *grids;                /* per layer */
    struct outline_index **outl; /* per layer, lazily: edge_outline's shapes */
    int *main_node, *sd_node, *gate_node;   /* per net */
    pairmap caps, cuts;
    pex_res *res; int nres, capres;
    const tech_pex_layer *coef; int ncoef;   /* the layer coefficients in use */
    const tech_pex_overlap **ov;             /* [upper * nl + lower], looked up once */
    struct diff_split **ds;     /* per diffusion layer and rectangle, lazily */
    int *q; int qcap;           /* flat_query buffer */
    int *order;                 /* conducting layers, top to bottom */
    int norder;
} cx;

/* ------------------------------------------------------------ pair map */

static int64_t pair_key(int a, int b) { return ((int64_t)a << 32) | (uint32_t)b; }

static void pm_add(pairmap *m, int64_t key, double v);

static void pm_grow(pairmap *m)
{
    pairmap n = {0};
    n.cap = m->cap ? 2 * m->cap : 256;
    n.keys = halo_xmalloc((size_t)n.cap * sizeof *n.keys);
    n.vals = halo_xcalloc((size_t)n.cap, sizeof *n.vals);
    for (int i = 0; i < n.cap; i++) n.keys[i] = INT64_MIN;
    for (int i = 0; i < m->cap; i++)
        if (m->keys[i] != INT64_MIN) pm_add(&n, m->keys[i], m->vals[i]);
    free(m->keys);
    free(m->vals);
    *m = n;
}

static void pm_add(pairmap *m, int64_t key, double v)
{
    if (2 * (m->count + 1) > m->cap) pm_grow(m);
    uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
    int i = (int)(h >> 33) & (m->cap - 1);
    while (m->keys[i] != INT64_MIN && m->keys[i] != key) i = (i + 1) & (m->cap - 1);
    if (m->keys[i] == INT64_MIN) {
        m->keys[i] = key;
        m->count++;
    }
    m->vals[i] += v;
}

static void pm_free(pairmap *m)
{
    free(m->keys);
    free(m->vals);
}

/* ------------------------------------------------------------ geometry */

static int64_t box_area(lay_box b) { return (int64_t)(b.x1 - b.x0) * (b.y1 - b.y0); }

static int box_isect(lay_box a, lay_box b, lay_box *out)
{
    lay_box r = {a.x0 > b.x0 ? a.x0 : b.x0, a.y0 > b.y0 ? a.y0 : b.y0,
                 a.x1 < b.x1 ? a.x1 : b.x1, a.y1 < b.y1 ? a.y1 : b.y1};
    if (r.x0 >= r.x1 || r.y0 >= r.y1) return 0;
    *out = r;
    return 1;
}

typedef struct boxv { lay_box *v; int n, cap; } boxv;

static void bv_push(boxv *b, lay_box x)
{
    su_grow((void **)&b->v, &b->cap, b->n + 1, sizeof *b->v);
    b->v[b->n++] = x;
}

/* a minus c, appended to out as up to four boxes. */
static void box_minus(lay_box a, lay_box c, boxv *out)
{
    lay_box i;
    if (!box_isect(a, c, &i)) { bv_push(out, a); return; }
    if (a.y0 < i.y0) bv_push(out, (lay_box){a.x0, a.y0, a.x1, i.y0});
    if (i.y1 < a.y1) bv_push(out, (lay_box){a.x0, i.y1, a.x1, a.y1});
    if (a.x0 < i.x0) bv_push(out, (lay_box){a.x0, i.y0, i.x0, i.y1});
    if (i.x1 < a.x1) bv_push(out, (lay_box){i.x1, i.y0, a.x1, i.y1});
}

/* set minus every cut (in place). */
static void bv_subtract(boxv *set, const lay_box *cuts, int ncuts)
{
    for (int c = 0; c < ncuts && set->n > 0; c++) {
        boxv next = {0};
        for (int i = 0; i < set->n; i++) box_minus(set->v[i], cuts[c], &next);
        free(set->v);
        *set = next;
    }
}

/* The rectangles of layer within window (closed), as indices. */
static int query(cx *c, int layer, lay_box w)
{
    if (layer < 0 || c->f->layers[layer].n == 0) return 0;
    return flat_query(c->f, layer, w, &c->q, &c->qcap);
}

static int rect_net(const cx *c, int layer, int i)
{
    if (layer >= c->ext->nlayers || !c->ext->rect_net[layer]) return -1;
    return c->ext->rect_net[layer][i];
}

/* Clip the rectangles of layer to window, keeping those accepted (net
 * filter: want_net >= -1 keeps that net only, -2 keeps all). */
static void clip_layer(cx *c, int layer, lay_box w, int want_net, boxv *out)
{
    int n = query(c, layer, w);
    for (int k = 0; k < n; k++) {
        int i = c->q[k];
        lay_box x;
        if (want_net != -2 && rect_net(c, layer, i) != want_net) continue;
        if (box_isect(c->f->layers[layer].boxes[i], w, &x)) bv_push(out, x);
    }
}

/* ---------------------------------------------------------- tech tables */

static const tech_pex_layer *find_pl(const cx *c, const char *name)
{
    for (int i = 0; i < c->ncoef; i++)
        if (strcmp(c->coef[i].layer, name) == 0) return &c->coef[i];
    return NULL;
}

/* The overlap tables name diffusion and taps "diff". */
static const char *ov_name(const cx *c, int layer)
{
    if (c->role[layer] == RL_DIFF) return "diff";
    return c->f->lib->layers[layer].name;
}

static const tech_pex_overlap *lookup_ov(const cx *c, int upper, int lower)
{
    const char *u = ov_name(c, upper), *l = ov_name(c, lower);
    for (int i = 0; i < c->t->n_pex_overlaps; i++) {
        const tech_pex_overlap *o = &c->t->pex_overlaps[i];
        if (strcmp(o->upper, u) == 0 && strcmp(o->lower, l) == 0) return o;
    }
    return NULL;
}

/* The overlap coefficients of a layer pair, from the table setup_overlaps
 * fills (the inner loops ask for them once per edge). */
static const tech_pex_overlap *find_ov(const cx *c, int upper, int lower)
{
    return c->ov[upper * c->nl + lower];
}

static void setup_overlaps(cx *c)
{
    c->ov = halo_xcalloc((size_t)c->nl * (size_t)c->nl, sizeof *c->ov);
    /* only layers some overlap names can have an entry */
    char *named = halo_xcalloc((size_t)c->nl, 1);
    for (int i = 0; i < c->t->n_pex_overlaps; i++)
        for (int L = 0; L < c->nl; L++) {
            const char *n = ov_name(c, L);
            if (strcmp(n, c->t->pex_overlaps[i].upper) == 0 || strcmp(n, c->t->pex_overlaps[i].lower) == 0)
                named[L] = 1;
        }
    for (int u = 0; u < c->nl; u++)
        for (int l = 0; l < c->nl; l++)
            if (named[u] && named[l]) c->ov[u * c->nl + l] = lookup_ov(c, u, l);
    free(named);
}

static double fringe_up(const cx *c, int lower, int upper)
{
    const tech_pex_overlap *o = find_ov(c, upper, lower);
    return o ? o->fringe_up_af_per_um : 0;
}

static int layer_role(const cx *c, int i)
{
    const tech_layer *tl = tech_find_layer(c->t, c->f->lib->layers[i].name);
    if (!tl) return RL_NONE;
    if (strcmp(tl->kind, "well") == 0) {
        const tech_pex_layer *p = find_pl(c, tl->name);
        return p && p->area_af_per_um2 > 0 ? RL_WELL : RL_NONE;
    }
    if (strcmp(tl->kind, "diff") == 0 || strcmp(tl->kind, "tap") == 0) return RL_DIFF;
    if (strcmp(tl->kind, "poly") == 0) return RL_POLY;
    if (strcmp(tl->kind, "metal") == 0) return RL_METAL;
    if (strcmp(tl->kind, "cut") == 0) return RL_CUT;
    if (strcmp(tl->kind, "cap") == 0) return RL_CAPM;
    return RL_NONE;
}

/* Layer roles, heights (the tech lists layers bottom-up) and the list of
 * layers that take part in coupling, top to bottom. */
static void setup_layers(cx *c)
{
    c->nl = c->f->nlayers;
    c->role = halo_xcalloc((size_t)c->nl, sizeof *c->role);
    c->rank = halo_xcalloc((size_t)c->nl, sizeof *c->rank);
    c->pl = halo_xcalloc((size_t)c->nl, sizeof *c->pl);
    c->order = halo_xcalloc((size_t)c->nl, sizeof *c->order);
    for (int i = 0; i < c->nl; i++) {
        const char *name = c->f->lib->layers[i].name;
        c->role[i] = layer_role(c, i);
        c->pl[i] = find_pl(c, name);
        c->rank[i] = 2000 + 2 * i;
        for (int k = 0; k < c->t->n_layers; k++)
            if (strcmp(c->t->layers[k].name, name) == 0) c->rank[i] = 2 * k;
    }
    /* The MIM top plates are listed last but lie just above the metal they
     * are drawn on (capm on met3, cap2m on met4). */
    for (int i = 0; i < c->nl; i++) {
        if (c->role[i] != RL_CAPM) continue;
        int base = flat_layer_find(c->f, strcmp(c->f->lib->layers[i].name, "capm") == 0 ? "met3" : "met4");
        if (base >= 0) c->rank[i] = c->rank[base] + 1;
    }
    c->poly = flat_layer_find(c->f, "poly");
    c->diff = flat_layer_find(c->f, "diff");
    c->tap = flat_layer_find(c->f, "tap");
    c->polyres = flat_layer_find(c->f, "polyres");
    c->psdm = flat_layer_find(c->f, "psdm");
    for (int i = 0; i < c->nl; i++) {
        int r = c->role[i];
        if (r == RL_WELL || r == RL_DIFF || r == RL_POLY || r == RL_METAL || r == RL_CAPM)
            c->order[c->norder++] = i;
    }
    for (int i = 1; i < c->norder; i++)         /* insertion sort, highest first */
        for (int j = i; j > 0 && c->rank[c->order[j]] > c->rank[c->order[j - 1]]; j--) {
            int t = c->order[j]; c->order[j] = c->order[j - 1]; c->order[j - 1] = t;
        }
}

/* ---------------------------------------------------------------- nodes */

static int node_add(cx *c, lay_box b, int layer, int net, int kind)
{
    su_grow((void **)&c->nodes, &c->capn, c->nn + 1, sizeof *c->nodes);
    c->nodes[c->nn] = (node){b, layer, net, kind};
    return c->nn++;
}

static int lump_node(cx *c, int *slot, int net)
{
    if (*slot < 0) *slot = node_add(c, (lay_box){0, 0, 0, 0}, -1, net, NK_LUMP);
    return *slot;
}

/* Split a long piece into pieces of at most PEX_MAX_SQUARES squares. */
static void add_chunks(cx *c, lay_box b, int layer, int net, int kind)
{
    int64_t w = b.x1 - b.x0, h = b.y1 - b.y0;
    int horiz = w >= h;
    int64_t len = horiz ? w : h, wid = horiz ? h : w;
    int k = (int)((len + PEX_MAX_SQUARES * wid - 1) / (PEX_MAX_SQUARES * wid));
    if (kind == NK_GATE || k < 1) k = 1;
    if (k > 64) k = 64;
    for (int i = 0; i < k; i++) {
        lay_box p = b;
        int32_t a = (int32_t)((horiz ? b.x0 : b.y0) + len * i / k);
        int32_t z = (int32_t)((horiz ? b.x0 : b.y0) + len * (i + 1) / k);
        if (horiz) { p.x0 = a; p.x1 = z; } else { p.y0 = a; p.y1 = z; }
        node_add(c, p, layer, net, kind);
    }
}

/* The pieces of one net's region on a routing layer: slabs, with gates
 * (poly over diff) as their own pieces and resistor bodies removed. */
static void net_pieces(cx *c, int layer, int net, const lay_box *slabs, int ns, int kind)
{
    boxv body = {0}, gates = {0};
    for (int i = 0; i < ns; i++) bv_push(&body, slabs[i]);
    if (layer == c->poly) {
        for (int i = 0; i < ns; i++) {
            boxv g = {0};
            clip_layer(c, c->diff, slabs[i], -2, &g);
            for (int k = 0; k < g.n; k++) bv_push(&gates, g.v[k]);
            bv_subtract(&body, g.v, g.n);
            free(g.v);
            boxv r = {0};
            if (c->polyres >= 0) clip_layer(c, c->polyres, slabs[i], -2, &r);
            bv_subtract(&body, r.v, r.n);
            bv_subtract(&gates, r.v, r.n);
            free(r.v);
        }
    }
    for (int i = 0; i < body.n; i++) add_chunks(c, body.v[i], layer, net, kind);
    for (int i = 0; i < gates.n; i++) add_chunks(c, gates.v[i], layer, net, NK_GATE);
    free(body.v);
    free(gates.v);
}

static int cmp_int_pair(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/* The net of the li1 reached by a licon inside piece p, or -1. */
static int licon_net_in(cx *c, lay_box p)
{
    int licon = flat_layer_find(c->f, "licon1"), li = flat_layer_find(c->f, "li1");
    int nq = query(c, licon, p), net = -1;
    int *cuts = halo_xmalloc((size_t)(nq + 1) * sizeof *cuts);
    if (nq) memcpy(cuts, c->q, (size_t)nq * sizeof *cuts);
    for (int k = 0; k < nq && net < 0; k++) {
        lay_box cb = c->f->layers[licon].boxes[cuts[k]];
        int32_t x = (cb.x0 + cb.x1) / 2, y = (cb.y0 + cb.y1) / 2;
        if (x < p.x0 || x > p.x1 || y < p.y0 || y > p.y1) continue;
        int nl = query(c, li, (lay_box){x, y, x, y});
        for (int j = 0; j < nl && net < 0; j++) net = rect_net(c, li, c->q[j]);
    }
    free(cuts);
    return net;
}

/* A poly rectangle holding a resistor body has a head of each net on
 * either side: each head becomes pieces of the net its contacts reach.
 * Returns 1 when the rectangle was such a resistor. */
static int resistor_poly(cx *c, int layer, int i)
{
    lay_box r = c->f->layers[layer].boxes[i];
    boxv body = {0};
    if (layer != c->poly || c->polyres < 0) return 0;
    clip_layer(c, c->polyres, r, -2, &body);
    if (body.n == 0) { free(body.v); return 0; }
    boxv heads = {0};
    bv_push(&heads, r);
    bv_subtract(&heads, body.v, body.n);
    for (int k = 0; k < heads.n; k++) {
        int net = licon_net_in(c, heads.v[k]);
        if (net < 0) net = rect_net(c, layer, i);
        if (net >= 0) net_pieces(c, layer, net, &heads.v[k], 1, NK_HEAD);
    }
    free(heads.v);
    free(body.v);
    return 1;
}

static void build_layer_nodes(cx *c, int layer)
{
    flat_layer *L = &c->f->layers[layer];
    int *pairs = halo_xmalloc((size_t)(L->n + 1) * 2 * sizeof *pairs);
    for (int i = 0; i < L->n; i++) {
        pairs[2 * i] = resistor_poly(c, layer, i) ? -1 : rect_net(c, layer, i);
        pairs[2 * i + 1] = i;
    }
    qsort(pairs, (size_t)L->n, 2 * sizeof *pairs, cmp_int_pair);
    lay_box *bx = halo_xmalloc((size_t)(L->n + 1) * sizeof *bx);
    for (int s = 0; s < L->n;) {
        int e = s, net = pairs[2 * s];
        while (e < L->n && pairs[2 * e] == net) { bx[e - s] = L->boxes[pairs[2 * e + 1]]; e++; }
        if (net >= 0) {
            lay_box *slabs = NULL;
            int ns = flat_merge(bx, e - s, &slabs);
            net_pieces(c, layer, net, slabs, ns, NK_WIRE);
            free(slabs);
        }
        s = e;
    }
    free(bx);
    free(pairs);
}

typedef struct grid_entry { int32_t y0, y1; int id; } grid_entry;

static int cmp_grid_entry(const void *x, const void *y)
{
    const grid_entry *p = x, *q = y;
    if (p->y0 != q->y0) return p->y0 < q->y0 ? -1 : 1;
    return (p->id > q->id) - (p->id < q->id);
}

/* Index boxes b[0..n) under the ids id[0..n): bins about as wide as the
 * boxes' mean half-perimeter, at most ~4 bins per box (see flat.c). */
static void grid_make(grid *g, const lay_box *b, const int *id, int n)
{
    if (n == 0) return;
    lay_box bb = b[0];
    int64_t sum = 0;
    for (int i = 0; i < n; i++) {
        bb = lay_box_union(bb, b[i]);
        sum += (int64_t)(b[i].x1 - b[i].x0) + (b[i].y1 - b[i].y0);
    }
    int64_t bin = 2 * sum / n;
    if (bin < 200) bin = 200;
    if (bin > LAY_COORD_LIMIT) bin = LAY_COORD_LIMIT;    /* one bin spans the design space */
    while (((int64_t)(bb.x1 - bb.x0) / bin + 1) * ((int64_t)(bb.y1 - bb.y0) / bin + 1) > 4 * (int64_t)n + 64)
        bin *= 2;
    g->org_x = bb.x0; g->org_y = bb.y0; g->bin = (int32_t)bin;
    g->nbx = (int)((bb.x1 - bb.x0) / bin) + 1;
    g->nby = (int)((bb.y1 - bb.y0) / bin) + 1;
    size_t nb = (size_t)g->nbx * g->nby;
    g->start = halo_xcalloc(nb + 1, sizeof *g->start);
    grid_entry *e = NULL;
    int *fill = NULL;
    for (int pass = 0; pass < 2; pass++) {
        if (pass) {
            for (size_t k = 0; k < nb; k++) g->start[k + 1] += g->start[k];
            e = halo_xmalloc((size_t)(g->start[nb] + 1) * sizeof *e);
            fill = halo_xmalloc(nb * sizeof *fill);
            memcpy(fill, g->start, nb * sizeof *fill);
        }
        for (int i = 0; i < n; i++)
            for (int by = (int)((b[i].y0 - g->org_y) / bin); by <= (b[i].y1 - g->org_y) / bin; by++)
                for (int bx = (int)((b[i].x0 - g->org_x) / bin); bx <= (b[i].x1 - g->org_x) / bin; bx++) {
                    size_t k = (size_t)by * g->nbx + bx;
                    if (pass) e[fill[k]++] = (grid_entry){b[i].y0, b[i].y1, id[i]};
                    else g->start[k + 1]++;
                }
    }
    free(fill);
    int total = g->start[nb];
    g->items = halo_xmalloc((size_t)(total + 1) * sizeof *g->items);
    g->reach = halo_xmalloc((size_t)(total + 1) * sizeof *g->reach);
    for (size_t k = 0; k < nb; k++) {
        qsort(e + g->start[k], (size_t)(g->start[k + 1] - g->start[k]), sizeof *e, cmp_grid_entry);
        int32_t top = INT32_MIN;
        for (int j = g->start[k]; j < g->start[k + 1]; j++) {
            if (e[j].y1 > top) top = e[j].y1;
            g->items[j] = e[j].id;
            g->reach[j] = top;
        }
    }
    free(e);
}

/* The first entry of bin k whose box can reach down to y. */
static int grid_first(const grid *g, size_t k, int32_t y)
{
    int lo = g->start[k], hi = g->start[k + 1];
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (g->reach[mid] < y) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void grid_free(grid *g)
{
    free(g->start);
    free(g->items);
    free(g->reach);
}

static void grid_build(cx *c, int layer, grid *g)
{
    lay_box *b = halo_xmalloc((size_t)(c->nn + 1) * sizeof *b);
    int *id = halo_xmalloc((size_t)(c->nn + 1) * sizeof *id);
    int n = 0;
    for (int i = 0; i < c->nn; i++)
        if (c->nodes[i].layer == layer) b[n] = c->nodes[i].box, id[n++] = i;
    grid_make(g, b, id, n);
    free(b);
    free(id);
}

/* The node of layer (a routing layer) covering point (x, y) with net (-2:
 * any net), -1 when none. */
static int grid_find(const cx *c, int layer, int net, int32_t x, int32_t y)
{
    const grid *g = &c->grids[layer];
    if (!g->start || x < g->org_x || y < g->org_y) return -1;
    int bx = (x - g->org_x) / g->bin, by = (y - g->org_y) / g->bin;
    if (bx >= g->nbx || by >= g->nby) return -1;
    size_t k = (size_t)by * g->nbx + bx;
    int best = -1;              /* the lowest node: on a shared edge two hold the point */
    for (int j = grid_first(g, k, y); j < g->start[k + 1]; j++) {
        const node *n = &c->nodes[g->items[j]];
        if (n->box.y0 > y) break;
        if ((n->net == net || net == -2) && n->box.x0 <= x && x <= n->box.x1 && n->box.y0 <= y && y <= n->box.y1
            && (best < 0 || g->items[j] < best))
            best = g->items[j];
    }
    return best;
}
/* The net of the diffusion at (x, y): one diffusion rectangle holds the
 * sources and drains of every finger, so its own net (if any) cannot tell;
 * the piece between gates around the point takes the net of the li1 that
 * a contact in it reaches.  -1 when there is none. */
/* A diffusion rectangle cut at its gates, with the net of each piece
 * (-1 where no contact reaches): computed once per rectangle, since every
 * edge and point of a transistor's diffusion asks. */
typedef struct diff_split {
    int done;
    boxv pieces;
    int *nets;
} diff_split;

static const diff_split *diff_split_of(cx *c, int layer, int rect)
{
    if (!c->ds) c->ds = halo_xcalloc((size_t)c->nl, sizeof *c->ds);
    if (!c->ds[layer]) c->ds[layer] = halo_xcalloc((size_t)c->f->layers[layer].n, sizeof **c->ds);
    diff_split *s = &c->ds[layer][rect];
    if (s->done) return s;
    s->done = 1;
    bv_push(&s->pieces, c->f->layers[layer].boxes[rect]);
    boxv gates = {0};
    clip_layer(c, c->poly, c->f->layers[layer].boxes[rect], -2, &gates);
    bv_subtract(&s->pieces, gates.v, gates.n);
    free(gates.v);
    s->nets = halo_xmalloc((size_t)(s->pieces.n + 1) * sizeof *s->nets);
    for (int i = 0; i < s->pieces.n; i++) s->nets[i] = licon_net_in(c, s->pieces.v[i]);
    return s;
}

static void diff_splits_free(cx *c)
{
    for (int L = 0; c->ds && L < c->nl; L++) {
        for (int i = 0; c->ds[L] && i < c->f->layers[L].n; i++) {
            free(c->ds[L][i].pieces.v);
            free(c->ds[L][i].nets);
        }
        free(c->ds[L]);
    }
    free(c->ds);
}

static int diff_net_at(cx *c, int layer, int rect, int32_t x, int32_t y)
{
    const diff_split *s = diff_split_of(c, layer, rect);
    for (int i = 0; i < s->pieces.n; i++) {
        lay_box p = s->pieces.v[i];
        if (x >= p.x0 && x <= p.x1 && y >= p.y0 && y <= p.y1 && s->nets[i] >= 0) return s->nets[i];
    }
    return rect_net(c, layer, rect);
}

/* The node a conductor of layer at (x, y) belongs to: -1 for none or a
 * conductor of no net (it counts as ground); *net_out gets its net. */
static int node_at(cx *c, int layer, int32_t x, int32_t y, int *net_out)
{
    *net_out = -1;
    int n = query(c, layer, (lay_box){x, y, x, y});
    int net = -1, first = n > 0 ? c->q[0] : -1;
    for (int k = 0; k < n && net < 0; k++) net = rect_net(c, layer, c->q[k]);
    if (c->role[layer] == RL_DIFF && first >= 0 && c->poly >= 0) net = diff_net_at(c, layer, first, x, y);
    if (layer == c->poly && first >= 0 && c->polyres >= 0) {
        /* a resistor's poly rectangle spans both heads: the head node
         * under the point decides, whatever the rectangle's net */
        int nd = grid_find(c, layer, -2, x, y);
        if (nd >= 0 && c->nodes[nd].kind == NK_HEAD) { *net_out = c->nodes[nd].net; return nd; }
    }
    if (net < 0 && first >= 0 && c->role[layer] != RL_DIFF && c->role[layer] != RL_WELL) {
        int nd = grid_find(c, layer, -2, x, y);         /* a resistor head */
        if (nd >= 0) { *net_out = c->nodes[nd].net; return nd; }
    }
    *net_out = net;
    if (net < 0) return -1;
    if (c->role[layer] == RL_DIFF) return lump_node(c, &c->sd_node[net], net);
    if (c->role[layer] == RL_WELL) return c->main_node[net];
    int nd = grid_find(c, layer, net, x, y);
    return nd >= 0 ? nd : c->main_node[net];
}

/* ----------------------------------------------------------- capacitors */

static void cap_add(cx *c, int a, int b, double af)
{
    if (af == 0 || a == b || (a < 0 && b < 0)) return;
    if (b >= 0 && a >= 0 && c->nodes[a].net == c->nodes[b].net) return;
    if (b >= 0 && b < a) { int t = a; a = b; b = t; }
    if (a < 0) { a = b; b = -1; }
    pm_add(&c->caps, pair_key(a, b), af * AF);
}

/* The area coefficient of upper over lower, 0 when lower does not shield
 * upper (no entry: the field passes to the substrate). */
static double area_coef(const cx *c, int upper, int lower, int *shields)
{
    *shields = 1;
    if (c->role[lower] == RL_CAPM) return 0;
    const tech_pex_overlap *o = find_ov(c, upper, lower);
    if (o) return o->area_af_per_um2;
    if (c->role[lower] == RL_WELL && c->role[upper] == RL_METAL && c->pl[upper])
        return c->pl[upper]->area_af_per_um2;
    *shields = 0;
    return 0;
}

/* Faces: the bottom of node nd over the nearest lower conductor, or the
 * substrate. */
static void area_caps(cx *c, int nd)
{
    node n = c->nodes[nd];
    boxv rem = {0};
    bv_push(&rem, n.box);
    for (int oi = 0; oi < c->norder && rem.n; oi++) {
        int k = c->order[oi], shields;
        if (c->rank[k] >= c->rank[n.layer]) continue;
        double coef = area_coef(c, n.layer, k, &shields);
        if (!shields) continue;
        boxv hit = {0};
        for (int i = 0; i < rem.n; i++) {
            boxv h = {0};
            clip_layer(c, k, rem.v[i], -2, &h);
            if (k == c->poly && c->polyres >= 0) {          /* resistor bodies don't shield */
                boxv r = {0};
                clip_layer(c, c->polyres, rem.v[i], -2, &r);
                bv_subtract(&h, r.v, r.n);
                free(r.v);
            }
            lay_box *m = NULL;
            int nm = flat_merge(h.v, h.n, &m);
            for (int j = 0; j < nm; j++) {
                int pnet;
                int pn = node_at(c, k, (m[j].x0 + m[j].x1) / 2, (m[j].y0 + m[j].y1) / 2, &pnet);
                if (pnet != n.net) cap_add(c, nd, pn, coef * (double)box_area(m[j]) * 1e-6);
                bv_push(&hit, m[j]);
            }
            free(m);
            free(h.v);
        }
        bv_subtract(&rem, hit.v, hit.n);
        free(hit.v);
    }
    double a = 0;
    for (int i = 0; i < rem.n; i++) a += (double)box_area(rem.v[i]) * 1e-6;
    if (c->pl[n.layer]) cap_add(c, nd, -1, a * c->pl[n.layer]->area_af_per_um2);
    free(rem.v);
}

/* An edge of a piece: along x (horizontal, at y = at) or along y, and the
 * direction of its outside (+1 / -1). */
typedef struct edge { int horiz; int32_t at, lo, hi; int out; } edge;

typedef struct ivl { int32_t lo, hi; } ivl;
typedef struct ivv { ivl *v; int n, cap; } ivv;

static void iv_push(ivv *s, int32_t lo, int32_t hi)
{
    if (lo >= hi) return;
    su_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
    s->v[s->n++] = (ivl){lo, hi};
}

/* s minus [lo, hi). */
static void iv_cut(ivv *s, int32_t lo, int32_t hi)
{
    ivv out = {0};
    for (int i = 0; i < s->n; i++) {
        ivl a = s->v[i];
        if (hi <= a.lo || lo >= a.hi) { iv_push(&out, a.lo, a.hi); continue; }
        iv_push(&out, a.lo, lo);
        iv_push(&out, hi, a.hi);
    }
    free(s->v);
    *s = out;
}

/* The part of rectangle r just outside edge e, as an interval along e:
 * r must reach across the edge line to the outside. */
static int outside_span(const edge *e, lay_box r, int32_t *lo, int32_t *hi)
{
    int32_t a0 = e->horiz ? r.y0 : r.x0, a1 = e->horiz ? r.y1 : r.x1;
    int32_t s0 = e->horiz ? r.x0 : r.y0, s1 = e->horiz ? r.x1 : r.y1;
    if (e->out > 0 ? !(a0 <= e->at && a1 > e->at) : !(a0 < e->at && a1 >= e->at)) return 0;
    *lo = s0 > e->lo ? s0 : e->lo;
    *hi = s1 < e->hi ? s1 : e->hi;
    return *lo < *hi;
}

static lay_box edge_probe(const edge *e, int32_t depth)
{
    int32_t a = e->out > 0 ? e->at : e->at - depth, b = e->out > 0 ? e->at + depth : e->at;
    return e->horiz ? (lay_box){e->lo, a, e->hi, b} : (lay_box){a, e->lo, b, e->hi};
}

static void probe_point(const edge *e, int32_t s, int32_t *x, int32_t *y)
{
    int32_t a = e->at + (e->out > 0 ? 1 : -1);
    *x = e->horiz ? s : a;
    *y = e->horiz ? a : s;
}

/* ------------------------------------------------ same-net outlines
 * edge_outline needs, along a piece's edge, where more of the same net
 * lies just outside.  The flat shapes answer that, but shapes can overlap
 * without bound (an off-grid array of thousands of copies a fraction of a
 * nanometre apart), and every edge's query then returned every copy.  The
 * answer depends only on each net's union, so it is read from the layer's
 * shapes merged per net: disjoint slabs in y order, binned, each bin
 * scanned from the first slab that reaches the probe (running top, as in
 * the DRC's regions) to the first that starts above it. */

typedef struct outline_index {
    lay_box *b;                 /* the slabs, in (y0, x0) order */
    int *net, n;
    grid g;
} outline_index;

typedef struct net_box { int net; lay_box b; } net_box;

static int cmp_net_box(const void *x, const void *y)
{
    const net_box *p = x, *q = y;
    return (p->net > q->net) - (p->net < q->net);
}

static int cmp_slab_y0(const void *x, const void *y)
{
    const net_box *p = x, *q = y;
    if (p->b.y0 != q->b.y0) return p->b.y0 < q->b.y0 ? -1 : 1;
    if (p->b.x0 != q->b.x0) return p->b.x0 < q->b.x0 ? -1 : 1;
    return (p->net > q->net) - (p->net < q->net);
}

/* The layer's shapes with a net, merged per net, in (y0, x0) order. */
static int outline_slabs(cx *c, int layer, net_box **out)
{
    const flat_layer *L = &c->f->layers[layer];
    net_box *in = halo_xmalloc((size_t)(L->n + 1) * sizeof *in);
    int m = 0;
    for (int i = 0; i < L->n; i++) {
        int net = rect_net(c, layer, i);
        if (net >= 0) in[m++] = (net_box){net, L->boxes[i]};
    }
    qsort(in, (size_t)m, sizeof *in, cmp_net_box);
    net_box *o = NULL;
    int n = 0, cap = 0;
    lay_box *bx = halo_xmalloc((size_t)(m + 1) * sizeof *bx);
    for (int s = 0; s < m;) {
        int e = s;
        for (; e < m && in[e].net == in[s].net; e++) bx[e - s] = in[e].b;
        lay_box *slabs = NULL;
        int ns = flat_merge(bx, e - s, &slabs);
        su_grow((void **)&o, &cap, n + ns + 1, sizeof *o);
        for (int k = 0; k < ns; k++) o[n++] = (net_box){in[s].net, slabs[k]};
        free(slabs);
        s = e;
    }
    if (n) qsort(o, (size_t)n, sizeof *o, cmp_slab_y0);
    free(bx);
    free(in);
    *out = o;
    return n;
}

static outline_index *outline_build(cx *c, int layer)
{
    outline_index *x = halo_xcalloc(1, sizeof *x);
    net_box *nb = NULL;
    x->n = outline_slabs(c, layer, &nb);
    x->b = halo_xmalloc((size_t)(x->n + 1) * sizeof *x->b);
    x->net = halo_xmalloc((size_t)(x->n + 1) * sizeof *x->net);
    for (int i = 0; i < x->n; i++) x->b[i] = nb[i].b, x->net[i] = nb[i].net;
    free(nb);
    int *id = halo_xmalloc((size_t)(x->n + 1) * sizeof *id);
    for (int i = 0; i < x->n; i++) id[i] = i;
    grid_make(&x->g, x->b, id, x->n);
    free(id);
    return x;
}

static void outline_free(outline_index *x)
{
    if (!x) return;
    free(x->b);
    free(x->net);
    grid_free(&x->g);
    free(x);
}

/* Cut from s what of net lies just outside e, from the slabs of x that
 * meet window w.  A slab in two bins is cut twice: cutting is idempotent. */
static void outline_cut(const outline_index *x, int net, const edge *e, lay_box w, ivv *s)
{
    const grid *g = &x->g;
    if (x->n == 0 || w.x1 < g->org_x || w.y1 < g->org_y) return;
    int bx0 = w.x0 < g->org_x ? 0 : (int)(((int64_t)w.x0 - g->org_x) / g->bin);
    int by0 = w.y0 < g->org_y ? 0 : (int)(((int64_t)w.y0 - g->org_y) / g->bin);
    int bx1 = (int)(((int64_t)w.x1 - g->org_x) / g->bin), by1 = (int)(((int64_t)w.y1 - g->org_y) / g->bin);
    if (bx1 >= g->nbx) bx1 = g->nbx - 1;
    if (by1 >= g->nby) by1 = g->nby - 1;
    for (int by = by0; by <= by1 && s->n; by++)
        for (int bx = bx0; bx <= bx1 && s->n; bx++) {
            size_t k = (size_t)by * g->nbx + bx;
            for (int j = grid_first(g, k, w.y0); j < g->start[k + 1] && s->n; j++) {
                int i = g->items[j];
                if (x->b[i].y0 > w.y1) break;       /* the rest start higher */
                int32_t a, b;
                if (x->net[i] == net && outside_span(e, x->b[i], &a, &b)) iv_cut(s, a, b);
            }
        }
}

/* Edge intervals, after removing parts that face more of the same net. */
static void edge_outline(cx *c, const node *n, const edge *e, ivv *s)
{
    iv_push(s, e->lo, e->hi);
    if (!c->outl[n->layer]) c->outl[n->layer] = outline_build(c, n->layer);
    outline_cut(c->outl[n->layer], n->net, e, edge_probe(e, 1), s);
}

/* Fringe of edge part s: down onto lower conductors just outside (nearest
 * first), the rest to the substrate; up onto upper conductors. */
static void fringe_caps(cx *c, int nd, const edge *e, ivv *s, int down)
{
    node n = c->nodes[nd];
    for (int oi = down ? 0 : c->norder - 1; oi >= 0 && oi < c->norder && s->n; oi += down ? 1 : -1) {
        int k = c->order[oi];
        if (down ? c->rank[k] >= c->rank[n.layer] : c->rank[k] <= c->rank[n.layer]) continue;
        double coef = 0;
        if (c->role[k] == RL_CAPM) {
            coef = 0;                   /* a MIM top plate shields, its cap is the device's */
        } else if (down) {
            const tech_pex_overlap *o = find_ov(c, n.layer, k);
            if (!o) continue;
            coef = o->fringe_af_per_um;
        } else {
            coef = fringe_up(c, n.layer, k);
            if (coef == 0) continue;
        }
        int q = query(c, k, edge_probe(e, 1));
        int *hits = halo_xmalloc((size_t)(q + 1) * sizeof *hits);
        if (q) memcpy(hits, c->q, (size_t)q * sizeof *hits);
        for (int j = 0; j < q; j++) {
            /* a resistor body is the device's: only its heads take fringe */
            boxv parts = {0};
            bv_push(&parts, c->f->layers[k].boxes[hits[j]]);
            if (k == c->poly && c->polyres >= 0) {
                boxv body = {0};
                clip_layer(c, c->polyres, parts.v[0], -2, &body);
                bv_subtract(&parts, body.v, body.n);
                free(body.v);
            }
            for (int p = 0; p < parts.n; p++) {
                int32_t lo, hi;
                if (!outside_span(e, parts.v[p], &lo, &hi)) continue;
                for (int t = 0; t < s->n; t++) {
                    int32_t a = s->v[t].lo > lo ? s->v[t].lo : lo, b = s->v[t].hi < hi ? s->v[t].hi : hi;
                    if (a >= b) continue;
                    int32_t x, y, pnet;
                    probe_point(e, (a + b) / 2, &x, &y);
                    int pn = node_at(c, k, x, y, &pnet);
                    if (pnet != n.net) cap_add(c, nd, pn, coef * (b - a) * 1e-3);
                }
                iv_cut(s, lo, hi);
            }
            free(parts.v);
        }
        free(hits);
    }
    if (down && c->pl[n.layer]) {
        double len = 0;
        for (int t = 0; t < s->n; t++) len += (s->v[t].hi - s->v[t].lo) * 1e-3;
        cap_add(c, nd, -1, len * c->pl[n.layer]->fringe_af_per_um);
    }
}

typedef struct facing { int32_t lo, hi, sep; int rect; } facing;

/* Same-layer rectangles facing edge part s within the halo; for each
 * stretch only the nearest counts.  Each pair is seen from both sides, so
 * each side adds half. */
static void sidewall_caps(cx *c, int nd, const edge *e, const ivv *s)
{
    node n = c->nodes[nd];
    const tech_pex_layer *p = c->pl[n.layer];
    if (!p || p->sidewall_af_per_um <= 0 || s->n == 0) return;
    int q = query(c, n.layer, edge_probe(e, PEX_SIDE_HALO_NM));
    facing *fv = halo_xmalloc((size_t)(q + 1) * sizeof *fv);
    int nf = 0;
    for (int k = 0; k < q; k++) {
        lay_box r = c->f->layers[n.layer].boxes[c->q[k]];
        int32_t near = e->horiz ? (e->out > 0 ? r.y0 : r.y1) : (e->out > 0 ? r.x0 : r.x1);
        int32_t sep = (near - e->at) * e->out;
        int32_t s0 = e->horiz ? r.x0 : r.y0, s1 = e->horiz ? r.x1 : r.y1;
        if (sep <= 0 || sep >= PEX_SIDE_HALO_NM) continue;
        fv[nf++] = (facing){s0 > e->lo ? s0 : e->lo, s1 < e->hi ? s1 : e->hi, sep, c->q[k]};
        if (fv[nf - 1].lo >= fv[nf - 1].hi) nf--;
    }
    for (int t = 0; t < s->n; t++) {
        /* elementary stretches between candidate ends */
        int32_t pos = s->v[t].lo;
        while (pos < s->v[t].hi) {
            int32_t next = s->v[t].hi;
            int best = -1;
            for (int j = 0; j < nf; j++) {
                if (fv[j].lo > pos && fv[j].lo < next) next = fv[j].lo;
                if (fv[j].hi > pos && fv[j].hi < next) next = fv[j].hi;
                if (fv[j].lo <= pos && fv[j].hi > pos && (best < 0 || fv[j].sep < fv[best].sep)) best = j;
            }
            if (best >= 0) {
                int pnet = rect_net(c, n.layer, fv[best].rect);
                if (pnet != n.net) {
                    int32_t x = e->horiz ? (pos + next) / 2 : e->at + e->out * (fv[best].sep + 1);
                    int32_t y = e->horiz ? e->at + e->out * (fv[best].sep + 1) : (pos + next) / 2;
                    int pn = pnet < 0 ? -1 : grid_find(c, n.layer, pnet, x, y);
                    if (pnet >= 0 && pn < 0) pn = c->main_node[pnet];
                    double um = (next - pos) * 1e-3, sep = fv[best].sep * 1e-3;
                    cap_add(c, nd, pn, 0.5 * p->sidewall_af_per_um * um / (sep + p->sidewall_offset_nm * 1e-3));
                }
            }
            pos = next;
        }
    }
    free(fv);
}

static void edge_caps(cx *c, int nd)
{
    node n = c->nodes[nd];
    lay_box b = n.box;
    edge es[4] = {{1, b.y0, b.x0, b.x1, -1}, {1, b.y1, b.x0, b.x1, 1},
                  {0, b.x0, b.y0, b.y1, -1}, {0, b.x1, b.y0, b.y1, 1}};
    for (int i = 0; i < 4; i++) {
        ivv s = {0};
        edge_outline(c, &n, &es[i], &s);
        sidewall_caps(c, nd, &es[i], &s);
        ivv up = {0};
        for (int t = 0; t < s.n; t++) iv_push(&up, s.v[t].lo, s.v[t].hi);
        fringe_caps(c, nd, &es[i], &s, 1);
        fringe_caps(c, nd, &es[i], &up, 0);
        free(s.v);
        free(up.v);
    }
}

/* ----------------------------------------------------------- resistors */

static void res_add(cx *c, int a, int b, double ohm, int net)
{
    if (a == b || a < 0 || b < 0) return;
    su_grow((void **)&c->res, &c->capres, c->nres + 1, sizeof *c->res);
    c->res[c->nres++] = (pex_res){a, b, ohm, net};
}

static double sheet(const cx *c, int layer)
{
    return c->pl[layer] ? c->pl[layer]->sheet_ohm : 0;
}

/* Touching pieces of one net and layer, centre to centre.
 *
 * Found by a sweep in y over each layer's pieces, not by scanning the
 * grid's bins: a hostile layout (thousands of 1 nm slabs of a staircase in
 * one bin) made the bin scan quadratic.  The resistors are then added in
 * the order the bin scan gave them, so netlists stay the same: by the
 * lower node, then the bin of the joint's low corner, then the other node. */

typedef struct wire_joint {
    int a, b;           /* nodes, a < b */
    size_t bin;         /* bin of the joint's low corner in a's grid */
    double ohm;
} wire_joint;

typedef struct joint_list { wire_joint *v; int n, cap; } joint_list;

static int cmp_joint(const void *x, const void *y)
{
    const wire_joint *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    if (p->bin != q->bin) return p->bin < q->bin ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

/* The joint of nodes a < b (same net and layer) when they touch along an
 * edge of positive length. */
static void wire_joint_add(cx *c, int a, int b, joint_list *out)
{
    lay_box p = c->nodes[a].box, d = c->nodes[b].box;
    int32_t ox0 = p.x0 > d.x0 ? p.x0 : d.x0, ox1 = p.x1 < d.x1 ? p.x1 : d.x1;
    int32_t oy0 = p.y0 > d.y0 ? p.y0 : d.y0, oy1 = p.y1 < d.y1 ? p.y1 : d.y1;
    double ra, rb, sh = sheet(c, c->nodes[a].layer);
    if (ox0 == ox1 && oy1 > oy0) {          /* side by side in x */
        ra = sh * 0.5 * (p.x1 - p.x0) / (p.y1 - p.y0);
        rb = sh * 0.5 * (d.x1 - d.x0) / (d.y1 - d.y0);
    } else if (oy0 == oy1 && ox1 > ox0) {   /* stacked in y */
        ra = sh * 0.5 * (p.y1 - p.y0) / (p.x1 - p.x0);
        rb = sh * 0.5 * (d.y1 - d.y0) / (d.x1 - d.x0);
    } else return;
    const grid *g = &c->grids[c->nodes[a].layer];
    size_t bin = (size_t)((oy0 - g->org_y) / g->bin) * g->nbx + (size_t)((ox0 - g->org_x) / g->bin);
    su_grow((void **)&out->v, &out->cap, out->n + 1, sizeof *out->v);
    out->v[out->n++] = (wire_joint){a, b, bin, ra + rb};
}

/* A node by the bottom of its box, for the sweep. */
typedef struct node_y0 { int32_t y0; int node; } node_y0;

static int cmp_node_by_y0(const void *x, const void *y)
{
    const node_y0 *p = x, *q = y;
    if (p->y0 != q->y0) return p->y0 < q->y0 ? -1 : 1;
    return (p->node > q->node) - (p->node < q->node);
}

static void wire_res(cx *c, int nwire)
{
    joint_list j = {0};
    node_y0 *ord = halo_xmalloc((size_t)(nwire + 1) * sizeof *ord);
    for (int L = 0; L < c->nl; L++) {
        if (!c->grids[L].start) continue;
        int n = 0;
        for (int i = 0; i < nwire; i++)
            if (c->nodes[i].kind != NK_LUMP && c->nodes[i].layer == L) ord[n++] = (node_y0){c->nodes[i].box.y0, i};
        qsort(ord, (size_t)n, sizeof *ord, cmp_node_by_y0);
        for (int p = 0; p < n; p++) {
            const node *a = &c->nodes[ord[p].node];
            for (int q = p + 1; q < n && ord[q].y0 <= a->box.y1; q++) {
                int x = ord[p].node, y = ord[q].node;
                if (c->nodes[y].net != a->net) continue;
                if (x < y) wire_joint_add(c, x, y, &j);
                else wire_joint_add(c, y, x, &j);
            }
        }
    }
    if (j.n) qsort(j.v, (size_t)j.n, sizeof *j.v, cmp_joint);   /* j.v is NULL when empty */
    for (int k = 0; k < j.n; k++) res_add(c, j.v[k].a, j.v[k].b, j.v[k].ohm, c->nodes[j.v[k].a].net);
    free(j.v);
    free(ord);
}

static const tech_pex_contact *find_contact(const halo_tech *t, const char *name)
{
    for (int i = 0; i < t->n_pex_contacts; i++)
        if (strcmp(t->pex_contacts[i].cut, name) == 0) return &t->pex_contacts[i];
    return NULL;
}

/* The conductor layers a cut joins: the highest one below it and the
 * lowest one above it (among diff, tap, poly below licon both count). */
static int cut_upper(const cx *c, int cut)
{
    int best = -1;
    for (int i = 0; i < c->nl; i++)
        if ((c->role[i] == RL_METAL) && c->rank[i] > c->rank[cut] && (best < 0 || c->rank[i] < c->rank[best]))
            best = i;
    return best;
}

static int cut_lower_node(cx *c, int cut, int32_t x, int32_t y, int upnet, char *kind, size_t klen)
{
    int best = -1;
    for (int i = 0; i < c->nl; i++)
        if ((c->role[i] == RL_METAL || c->role[i] == RL_POLY) && c->rank[i] < c->rank[cut]
            && (best < 0 || c->rank[i] > c->rank[best]))
            best = i;
    const char *cn = c->f->lib->layers[cut].name;
    int net;
    if (best >= 0 && c->role[best] == RL_POLY) {   /* licon: poly, else diff/tap */
        int nd = node_at(c, best, x, y, &net);
        if (net == upnet && nd >= 0) { snprintf(kind, klen, "licon_poly"); return nd; }
        for (int d = 0; d < 2; d++) {
            int L = d ? c->tap : c->diff;
            if (L < 0 || query(c, L, (lay_box){x, y, x, y}) == 0) continue;
            int p = c->psdm >= 0 && query(c, c->psdm, (lay_box){x, y, x, y}) > 0;
            snprintf(kind, klen, "licon_%s", p ? "pdiff" : "ndiff");
            return lump_node(c, &c->sd_node[upnet], upnet);
        }
        return -1;
    }
    snprintf(kind, klen, "%s", cn);
    if (best < 0) return -1;
    int nd = node_at(c, best, x, y, &net);
    return net == upnet ? nd : -1;
}

static void cut_res(cx *c)
{
    pairmap ohm = {0};
    for (int L = 0; L < c->nl; L++) {
        if (c->role[L] != RL_CUT) continue;
        int up = cut_upper(c, L);
        if (up < 0) continue;
        for (int i = 0; i < c->f->layers[L].n; i++) {
            lay_box b = c->f->layers[L].boxes[i];
            int32_t x = (b.x0 + b.x1) / 2, y = (b.y0 + b.y1) / 2;
            int unet, un = node_at(c, up, x, y, &unet);
            if (un < 0 || unet < 0) continue;
            char kind[32];
            int ln = cut_lower_node(c, L, x, y, unet, kind, sizeof kind);
            const tech_pex_contact *ct = find_contact(c->t, kind);
            if (ln < 0 || !ct) continue;
            /* parallel cuts: sum of conductances */
            pm_add(&ohm, pair_key(ln, un), 1.0 / (ct->ohm > 0 ? ct->ohm : PEX_R_SHORT));
        }
    }
    for (int i = 0; i < ohm.cap; i++) {
        if (ohm.keys[i] == INT64_MIN) continue;
        int a = (int)(ohm.keys[i] >> 32), b = (int)(uint32_t)ohm.keys[i];
        res_add(c, a, b, 1.0 / ohm.vals[i], c->nodes[b].net);
    }
    pm_free(&ohm);
}

/* Each gate finger joins the net's gate node through its distributed
 * resistance, sheet x W / (3 L) (contacted at one end). */
static void gate_res(cx *c)
{
    for (int i = 0; i < c->nn; i++) {
        node n = c->nodes[i];
        if (n.kind != NK_GATE) continue;
        double w = n.box.x1 - n.box.x0, h = n.box.y1 - n.box.y0;
        double W = w > h ? w : h, L = w > h ? h : w;
        int g = lump_node(c, &c->gate_node[n.net], n.net);
        res_add(c, i, g, sheet(c, n.layer) * W / (3 * L), n.net);
    }
}

/* Join what geometry leaves apart within one net (through diffusion, or a
 * device pin node with no contact) to the net's main node. */
static int uf_find(int *p, int i)
{
    while (p[i] != i) i = p[i] = p[p[i]];
    return i;
}

static void connect_components(cx *c)
{
    int *p = halo_xmalloc((size_t)(c->nn + 1) * sizeof *p);
    for (int i = 0; i < c->nn; i++) p[i] = i;
    for (int r = 0; r < c->nres; r++) p[uf_find(p, c->res[r].a)] = uf_find(p, c->res[r].b);
    for (int i = 0; i < c->nn; i++) {
        int m = c->main_node[c->nodes[i].net];
        if (uf_find(p, i) != uf_find(p, m)) {
            res_add(c, i, m, PEX_R_SHORT, c->nodes[i].net);
            p[uf_find(p, i)] = uf_find(p, m);
        }
    }
    free(p);
}

/* ------------------------------------------------------------ assembly */

/* Main node of each net: the piece under its top-level pin, else its
 * first piece, else a lumped node. */
static void main_nodes(cx *c)
{
    const netlist *nl = c->ext->nl;
    for (int t = 0; t < c->f->ntexts; t++) {
        const flat_text *x = &c->f->texts[t];
        if (*x->path || x->layer < 0 || x->layer >= c->nl) continue;
        int net = netlist_net_find(nl, x->text);
        if (net < 0 || c->main_node[net] >= 0) continue;
        int32_t px = (x->box.x0 + x->box.x1) / 2, py = (x->box.y0 + x->box.y1) / 2;
        int nd = grid_find(c, x->layer, net, px, py);
        if (nd >= 0 && x->is_pin) c->main_node[net] = nd;
    }
    for (int i = 0; i < c->nn; i++)
        if (c->main_node[c->nodes[i].net] < 0 && c->nodes[i].kind == NK_WIRE)
            c->main_node[c->nodes[i].net] = i;
    for (int n = 0; n < nl->nnets; n++)
        if (c->main_node[n] < 0) c->main_node[n] = node_add(c, (lay_box){0, 0, 0, 0}, -1, n, NK_LUMP);
}

/* Device pins need their nodes even when no contact reaches them. */
static void device_nodes(cx *c)
{
    const netlist *nl = c->ext->nl;
    for (int d = 0; d < nl->ndevs; d++) {
        const netlist_device *dv = &nl->devs[d];
        if (!netlist_is_mos(dv)) continue;
        for (int p = 0; p < dv->npins; p++) {
            int net = dv->pins[p].net;
            if (net < 0) continue;
            if (strcmp(dv->pins[p].role, "G") == 0) lump_node(c, &c->gate_node[net], net);
            else lump_node(c, &c->sd_node[net], net);
        }
    }
}

static void node_names(const cx *c, pex_result *r)
{
    const netlist *nl = c->ext->nl;
    int *count = halo_xcalloc((size_t)nl->nnets + 1, sizeof *count);
    r->node_name = halo_xcalloc((size_t)r->nnodes, sizeof *r->node_name);
    for (int i = 0; i < r->nnodes; i++) {
        int net = r->node_net[i];
        if (r->net_node[net] == i) { r->node_name[i] = su_strdup(nl->nets[net].name); continue; }
        su_buf b = {0};
        const char *suffix = i == r->net_sd_node[net] ? "sd" : i == r->net_gate_node[net] ? "g" : NULL;
        if (suffix) su_buf_printf(&b, "%s:%s", nl->nets[net].name, suffix);
        else su_buf_printf(&b, "%s:%d", nl->nets[net].name, ++count[net]);
        r->node_name[i] = b.s;
    }
    free(count);
}

static void totals(pex_result *r)
{
    r->net_cap_f = halo_xcalloc((size_t)r->nnets + 1, sizeof *r->net_cap_f);
    r->net_ground_f = halo_xcalloc((size_t)r->nnets + 1, sizeof *r->net_ground_f);
    for (int i = 0; i < r->ncaps; i++) {
        const pex_cap *k = &r->caps[i];
        int na = r->node_net[k->a];
        r->net_cap_f[na] += k->farad;
        if (k->b < 0) r->net_ground_f[na] += k->farad;
        else r->net_cap_f[r->node_net[k->b]] += k->farad;
    }
}

static int cmp_cap(const void *x, const void *y)
{
    const pex_cap *a = x, *b = y;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* Caps out of the pair map, mapped through map (node -> result node). */
static void emit_caps(const cx *c, pex_result *r, const int *map)
{
    pairmap m = {0};
    for (int i = 0; i < c->caps.cap; i++) {
        if (c->caps.keys[i] == INT64_MIN) continue;
        int a = map[(int)(c->caps.keys[i] >> 32)], b = (int)(uint32_t)c->caps.keys[i];
        b = b == -1 || (uint32_t)c->caps.keys[i] == 0xFFFFFFFFu ? -1 : map[b];
        if (a == b) continue;
        if (b >= 0 && b < a) { int t = a; a = b; b = t; }
        pm_add(&m, pair_key(a, b), c->caps.vals[i]);
    }
    r->caps = halo_xmalloc((size_t)(m.count + 1) * sizeof *r->caps);
    for (int i = 0; i < m.cap; i++)
        if (m.keys[i] != INT64_MIN) {
            int b = (int)(uint32_t)m.keys[i];
            r->caps[r->ncaps++] = (pex_cap){(int)(m.keys[i] >> 32), (uint32_t)m.keys[i] == 0xFFFFFFFFu ? -1 : b,
                                            m.vals[i]};
        }
    qsort(r->caps, (size_t)r->ncaps, sizeof *r->caps, cmp_cap);
    pm_free(&m);
}

static void result_rc(cx *c, pex_result *r)
{
    int nnets = c->ext->nl->nnets;
    r->nnodes = c->nn;
    r->node_net = halo_xmalloc((size_t)c->nn * sizeof *r->node_net);
    int *map = halo_xmalloc((size_t)c->nn * sizeof *map);
    for (int i = 0; i < c->nn; i++) { r->node_net[i] = c->nodes[i].net; map[i] = i; }
    memcpy(r->net_node, c->main_node, (size_t)nnets * sizeof *r->net_node);
    memcpy(r->net_sd_node, c->sd_node, (size_t)nnets * sizeof *r->net_sd_node);
    memcpy(r->net_gate_node, c->gate_node, (size_t)nnets * sizeof *r->net_gate_node);
    emit_caps(c, r, map);
    r->res = c->res;
    r->nres = c->nres;
    c->res = NULL;
    free(map);
}

static void result_c(cx *c, pex_result *r)
{
    int nnets = c->ext->nl->nnets;
    r->nnodes = nnets;
    r->node_net = halo_xmalloc((size_t)(nnets + 1) * sizeof *r->node_net);
    for (int n = 0; n < nnets; n++) {
        r->node_net[n] = n;
        r->net_node[n] = n;
        r->net_sd_node[n] = c->sd_node[n] >= 0 ? n : -1;
        r->net_gate_node[n] = c->gate_node[n] >= 0 ? n : -1;
    }
    int *map = halo_xmalloc((size_t)(c->nn + 1) * sizeof *map);
    for (int i = 0; i < c->nn; i++) map[i] = c->nodes[i].net;
    emit_caps(c, r, map);
    free(map);
}

static void cx_free(cx *c)
{
    for (int i = 0; i < c->nl && c->grids; i++) grid_free(&c->grids[i]);
    for (int i = 0; i < c->nl && c->outl; i++) outline_free(c->outl[i]);
    free(c->outl);
    free(c->grids);
    free(c->role); free(c->rank); free(c->pl); free(c->order);
    free(c->nodes); free(c->main_node); free(c->sd_node); free(c->gate_node);
    pm_free(&c->caps);
    free(c->res);
    free(c->q);
    free(c->ov);
    diff_splits_free(c);
}

pex_result *pex_run(lay_flat *flat, const ext_result *ext, const halo_tech *tech, pex_mode mode,
                    halo_err *err)
{
    return pex_run_set(flat, ext, tech, NULL, mode, err);
}

pex_result *pex_run_set(lay_flat *flat, const ext_result *ext, const halo_tech *tech, const tech_pex_set *set,
                        pex_mode mode, halo_err *err)
{
    if (!tech->n_pex_layers) {
        halo_err_set(err, HALO_E_TEC_FORMAT, NULL, 0, tech->name, "no pex coefficients");
        return NULL;
    }
    cx c = {0};
    c.f = flat; c.ext = ext; c.t = tech;
    c.coef = set ? set->layers : tech->pex_layers;
    c.ncoef = set ? set->n_layers : tech->n_pex_layers;
    setup_layers(&c);
    setup_overlaps(&c);
    int nnets = ext->nl->nnets;
    c.main_node = halo_xmalloc((size_t)(nnets + 1) * sizeof *c.main_node);
    c.sd_node = halo_xmalloc((size_t)(nnets + 1) * sizeof *c.sd_node);
    c.gate_node = halo_xmalloc((size_t)(nnets + 1) * sizeof *c.gate_node);
    for (int n = 0; n < nnets; n++) c.main_node[n] = c.sd_node[n] = c.gate_node[n] = -1;
    for (int L = 0; L < c.nl; L++)
        if (c.role[L] == RL_POLY || c.role[L] == RL_METAL) build_layer_nodes(&c, L);
    c.grids = halo_xcalloc((size_t)c.nl, sizeof *c.grids);
    c.outl = halo_xcalloc((size_t)c.nl, sizeof *c.outl);
    for (int L = 0; L < c.nl; L++)
        if (c.role[L] == RL_POLY || c.role[L] == RL_METAL) grid_build(&c, L, &c.grids[L]);
    main_nodes(&c);
    device_nodes(&c);
    int nwire = c.nn;
    for (int i = 0; i < nwire; i++) {
        if (c.nodes[i].kind != NK_WIRE) continue;
        area_caps(&c, i);
        edge_caps(&c, i);
    }
    /* nwell and other wells: area to the substrate, on the net's main node */
    for (int L = 0; L < c.nl; L++) {
        if (c.role[L] != RL_WELL || !c.pl[L]) continue;
        for (int n = 0; n < nnets; n++) {
            boxv b = {0};
            for (int i = 0; i < flat->layers[L].n; i++)
                if (rect_net(&c, L, i) == n) bv_push(&b, flat->layers[L].boxes[i]);
            lay_box *m = NULL;
            int nm = flat_merge(b.v, b.n, &m);
            cap_add(&c, c.main_node[n], -1, (double)flat_area(m, nm) * 1e-6 * c.pl[L]->area_af_per_um2);
            free(m);
            free(b.v);
        }
    }
    wire_res(&c, nwire);
    cut_res(&c);
    gate_res(&c);
    connect_components(&c);

    pex_result *r = halo_xcalloc(1, sizeof *r);
    r->mode = mode;
    r->nnets = nnets;
    r->net_node = halo_xmalloc((size_t)(nnets + 1) * sizeof *r->net_node);
    r->net_sd_node = halo_xmalloc((size_t)(nnets + 1) * sizeof *r->net_sd_node);
    r->net_gate_node = halo_xmalloc((size_t)(nnets + 1) * sizeof *r->net_gate_node);
    if (mode == PEX_RC) result_rc(&c, r);
    else result_c(&c, r);
    node_names(&c, r);
    totals(r);
    cx_free(&c);
    return r;
}

void pex_free(pex_result *r)
{
    if (!r) return;
    for (int i = 0; i < r->nnodes && r->node_name; i++) free(r->node_name[i]);
    free(r->node_name);
    free(r->node_net);
    free(r->net_cap_f); free(r->net_ground_f);
    free(r->caps); free(r->res);
    free(r->net_node); free(r->net_sd_node); free(r->net_gate_node);
    free(r);
}

double pex_net_pair_cap(const pex_result *r, int a, int b)
{
    double s = 0;
    for (int i = 0; i < r->ncaps; i++) {
        int na = r->node_net[r->caps[i].a], nb = r->caps[i].b < 0 ? -1 : r->node_net[r->caps[i].b];
        if ((na == a && nb == b) || (na == b && nb == a)) s += r->caps[i].farad;
    }
    return s;
}

/* ------------------------------------------------------------- SPICE */

/* Values to 6 significant digits: the extraction is not more exact, and
 * the netlist stays readable. */
static double round6(double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.6g", v);
    return strtod(buf, NULL);
}

/* The node a device pin connects to. */
static int pin_node(const pex_result *p, const netlist_device *d, int pin)
{
    int net = d->pins[pin].net;
    if (net < 0) return -1;
    if (netlist_is_mos(d)) {
        int g = strcmp(d->pins[pin].role, "G") == 0;
        int nd = g ? p->net_gate_node[net] : p->net_sd_node[net];
        if (nd >= 0) return nd;
    }
    return p->net_node[net];
}

/* The extraction names a high-resistance poly resistor as Magic does, the
 * generic model with its width (sky130_fd_pr__res_high_po W=0.35); the
 * simulation models may define only the fixed-width subcircuits, named by
 * width (sky130_fd_pr__res_high_po_0p35, no W).  Returns 1 and the name
 * for such a resistor. */
static int fixed_width_model(const netlist_device *s, char *model, size_t len)
{
    if (s->type != NL_RES || s->element != 'X') return 0;
    size_t n = strlen(s->model);
    int generic = (n >= 11 && strcmp(s->model + n - 11, "res_high_po") == 0) ||
                  (n >= 12 && strcmp(s->model + n - 12, "res_xhigh_po") == 0);
    if (!generic) return 0;
    for (int k = 0; k < s->nparams; k++) {
        if (su_casecmp(s->params[k].name, "w") != 0 || s->params[k].text) continue;
        char w[16];
        snprintf(w, sizeof w, "%.2f", s->params[k].value);
        if (fabs(strtod(w, NULL) - s->params[k].value) > 1e-6) return 0;
        char *dot = strchr(w, '.');
        if (dot) *dot = 'p';
        snprintf(model, len, "%s_%s", s->model, w);
        return 1;
    }
    return 0;
}

static void copy_device(const pex_result *p, const ext_result *ext, netlist *out, int di, int gnd)
{
    const netlist_device *s = &ext->nl->devs[di];
    char fixed[160];
    int by_width = fixed_width_model(s, fixed, sizeof fixed);
    int d = netlist_device_add(out, s->name, s->type, s->element, by_width ? fixed : s->model);
    if (d < 0) return;
    for (int k = 0; k < s->npins; k++) {
        int nd = pin_node(p, s, k);
        netlist_device_add_pin(out, d, s->pins[k].role, nd < 0 ? gnd : nd);
    }
    netlist_device *o = &out->devs[d];
    for (int k = 0; k < s->nparams; k++) {
        const char *pn = s->params[k].name;
        /* a PDK subcircuit takes its geometry, not the value it realises
         * (extraction records R= / C= for reports; ngspice would refuse) */
        if (s->element == 'X' && (su_casecmp(pn, "r") == 0 || su_casecmp(pn, "c") == 0)) continue;
        if (by_width && su_casecmp(pn, "w") == 0) continue;
        if (s->params[k].text) netlist_param_set_text(o, pn, s->params[k].text);
        else netlist_param_set(o, pn, round6(s->params[k].value));
    }
    o->nf = s->nf;
    o->wmode = s->wmode;
    if (netlist_is_mos(s) && ext->geom) {
        /* the device's totals; the writer splits them per finger, as the
         * models take junction geometry per finger as W is */
        const ext_devgeom *g = &ext->geom[di];
        netlist_param_set(o, "ad", round6(g->ad));
        netlist_param_set(o, "as", round6(g->as));
        netlist_param_set(o, "pd", round6(g->pd));
        netlist_param_set(o, "ps", round6(g->ps));
    }
}

/* An extra device on the nodes of its nets. */
static void copy_extra(const pex_result *p, netlist *out, const pex_extra *x, int gnd)
{
    const netlist_device *s = x->dev;
    int d = netlist_device_add(out, s->name, s->type, s->element, s->model);
    if (d < 0) return;
    for (int k = 0; k < s->npins; k++) {
        int net = x->pin_net[k];
        int nd = net >= 0 ? p->net_node[net] : -1;
        netlist_device_add_pin(out, d, s->pins[k].role, nd < 0 ? gnd : nd);
    }
    for (int k = 0; k < s->nparams; k++) {
        if (s->params[k].text) netlist_param_set_text(&out->devs[d], s->params[k].name, s->params[k].text);
        else netlist_param_set(&out->devs[d], s->params[k].name, s->params[k].value);
    }
}

char *pex_spice(const pex_result *p, const ext_result *ext, const char *name,
                const char *const *ports, int nports, halo_err *err)
{
    return pex_spice_with(p, ext, name, ports, nports, NULL, 0, err);
}

char *pex_spice_with(const pex_result *p, const ext_result *ext, const char *name,
                     const char *const *ports, int nports, const pex_extra *extra, int nextra,
                     halo_err *err)
{
    netlist *out = netlist_new(name);
    for (int i = 0; i < p->nnodes; i++) netlist_net_get(out, p->node_name[i]);
    int gnd = netlist_net_get(out, "0");
    for (int i = 0; i < nports; i++) {
        int net = netlist_net_find(ext->nl, ports[i]);
        if (net < 0) {
            char why[300];
            snprintf(why, sizeof why, "pex_spice: port %.200s is not an extracted net.", ports[i]);
            halo_err_set(err, HALO_E_SPC_TOP, NULL, 0, why);
            netlist_free(out);
            return NULL;
        }
        netlist_add_port(out, p->net_node[net]);
    }
    for (int d = 0; d < ext->nl->ndevs; d++) copy_device(p, ext, out, d, gnd);
    for (int i = 0; i < nextra; i++) copy_extra(p, out, &extra[i], gnd);
    char nm[64];
    for (int i = 0; i < p->ncaps; i++) {
        snprintf(nm, sizeof nm, "Cp%d", i + 1);
        int d = netlist_device_add(out, nm, NL_CAP, 'C', "");
        netlist_device_add_pin(out, d, "P", p->caps[i].a);
        netlist_device_add_pin(out, d, "N", p->caps[i].b < 0 ? gnd : p->caps[i].b);
        netlist_param_set(&out->devs[d], "c", round6(p->caps[i].farad));
    }
    for (int i = 0; i < p->nres; i++) {
        snprintf(nm, sizeof nm, "Rp%d", i + 1);
        int d = netlist_device_add(out, nm, NL_RES, 'R', "");
        netlist_device_add_pin(out, d, "P", p->res[i].a);
        netlist_device_add_pin(out, d, "N", p->res[i].b);
        netlist_param_set(&out->devs[d], "r", round6(p->res[i].ohm));
    }
    spice_write_opts o = {1, p->mode == PEX_RC ? "post-layout netlist: devices, parasitic R and C (halo pex)"
                                               : "post-layout netlist: devices and parasitic C (halo pex)",
                          1};
    char *text = spice_write_text(out, &o);
    netlist_free(out);
    return text;
}
