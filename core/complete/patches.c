/*
 * patches.c -- random patches, random masking and the task samplers of
 * the layout foundation model (see patches.h).
 */
#include "patches.h"

#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- tasks */

static const char *const task_names[LFM_NTASKS] = {"pretrain", "contact", "via", "nwell", "route", "nwell_edge"};

/* The channels each task removes, by channel name. */
static const char *const via_channels[] = {"mcon", "via", "via2", "via3", NULL};
static const char *const route_channels[] = {"li1", "met1", "met2", "met3", "met4", NULL};
static const char *const contact_channels[] = {"contact", NULL};
static const char *const nwell_channels[] = {"nwell", NULL};

static const char *const *task_channel_names(lfm_task t)
{
    switch (t) {
    case LFM_CONTACT: return contact_channels;
    case LFM_VIA: return via_channels;
    case LFM_NWELL:
    case LFM_NWELL_EDGE: return nwell_channels;
    case LFM_ROUTE: return route_channels;
    default: return NULL;
    }
}

const char *lfm_task_name(lfm_task t)
{
    return t >= 0 && t < LFM_NTASKS ? task_names[t] : "?";
}

int lfm_task_parse(const char *name, lfm_task *t)
{
    for (int i = 0; i < LFM_NTASKS; i++)
        if (!strcmp(name, task_names[i])) {
            *t = (lfm_task)i;
            return 0;
        }
    return -1;
}

/* Routing: the start and end points.  Vias: the window where cuts are
 * missing -- the seed's explicit command, which it names as what via
 * completion lacked (its §IV: context alone leaves which cuts, and of
 * which layer, open where large arrays are gone).  N-well edges: the
 * coarse well whose sides they place. */
int lfm_task_cmd_channels(lfm_task t)
{
    if (t == LFM_ROUTE) {
        /* one per layer: the points alone leave the layer open, and a
         * model given only them drew horizontal met1 stretches on met3,
         * where the router runs horizontal wires; whoever asks for a
         * route knows the layer its pins are on */
        int n = 0;
        while (route_channels[n]) n++;
        return n;
    }
    return t == LFM_VIA || t == LFM_NWELL_EDGE ? 1 : 0;
}

int lfm_task_targets(lfm_task t, const lfm_chanmap *m, int ch)
{
    const char *const *names = task_channel_names(t);
    if (!names) return t == LFM_PRETRAIN;
    return lfm_task_target_index(t, m, ch) >= 0;
}

int lfm_task_target_index(lfm_task t, const lfm_chanmap *m, int ch)
{
    const char *const *names = task_channel_names(t);
    for (int i = 0; names && names[i]; i++)
        if (lfm_chanmap_find(m, names[i]) == ch) return i;
    return -1;
}

/* ---------------------------------------------------------------- elements */

static int stack_push(lfm_stack *s, int p)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        int *v = realloc(s->v, cap * sizeof *v);
        if (!v) return -1;
        s->v = v, s->cap = cap;
    }
    s->v[s->n++] = p;
    return 0;
}

lfm_elem lfm_flood(const uint8_t *plane, int h, int w, int seed, int *lab, int mark, lfm_stack *s)
{
    lfm_elem e = {seed % w, seed / w, seed % w + 1, seed / w + 1, seed % w, seed / w, 0, 0, 0};
    s->n = 0;
    lab[seed] = mark;
    if (stack_push(s, seed)) e.pixels = -1;
    while (s->n && e.pixels >= 0) {
        int p = s->v[--s->n], x = p % w, y = p / w;
        e.pixels++, e.cx += x, e.cy += y;
        if (x < e.x0) e.x0 = x;
        if (x >= e.x1) e.x1 = x + 1;
        if (y < e.y0) e.y0 = y;
        if (y >= e.y1) e.y1 = y + 1;
        int nb[4] = {x > 0 ? p - 1 : -1, x + 1 < w ? p + 1 : -1, y > 0 ? p - w : -1, y + 1 < h ? p + w : -1};
        for (int k = 0; k < 4; k++)
            if (nb[k] >= 0 && plane[nb[k]] && !lab[nb[k]]) {
                lab[nb[k]] = mark;
                if (stack_push(s, nb[k])) e.pixels = -1;
            }
    }
    if (e.pixels > 0) e.cx /= e.pixels, e.cy /= e.pixels;
    return e;
}

static int find_elements(const lfm_raster *r, int ch, lfm_elem **out, int *nout)
{
    const uint8_t *plane = lfm_raster_plane(r, ch);
    size_t np = (size_t)r->h * r->w;
    int *lab = calloc(np, sizeof *lab);
    lfm_stack s = {0};
    lfm_elem *v = NULL;
    int n = 0, cap = 0, rc = lab ? 0 : -1;
    for (size_t p = 0; p < np && !rc; p++) {
        if (!plane[p] || lab[p]) continue;
        lfm_elem e = lfm_flood(plane, r->h, r->w, (int)p, lab, n + 1, &s);
        if (e.pixels < 0) rc = -1;
        else {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                lfm_elem *nv = realloc(v, (size_t)cap * sizeof *nv);
                if (!nv) {
                    rc = -1;
                    break;
                }
                v = nv;
            }
            v[n++] = e;
        }
    }
    free(lab);
    free(s.v);
    if (rc) {
        free(v);
        return -1;
    }
    *out = v, *nout = n;
    return 0;
}

/* ---------------------------------------------------------------- corpus */

void lfm_corpus_init(lfm_corpus *c, const lfm_chanmap *m)
{
    memset(c, 0, sizeof *c);
    c->map = *m;
}

int lfm_corpus_add(lfm_corpus *c, const char *name, lfm_raster *r)
{
    int nch = c->map.nch;
    lfm_raster **rr = realloc(c->r, (size_t)(c->n + 1) * sizeof *rr);
    if (!rr) return -1;
    c->r = rr;
    char **nn = realloc(c->name, (size_t)(c->n + 1) * sizeof *nn);
    if (!nn) return -1;
    c->name = nn;
    lfm_elem **ee = realloc(c->elems, (size_t)(c->n + 1) * nch * sizeof *ee);
    if (!ee) return -1;
    c->elems = ee;
    int *ne = realloc(c->nelems, (size_t)(c->n + 1) * nch * sizeof *ne);
    if (!ne) return -1;
    c->nelems = ne;
    for (int ch = 0; ch < nch; ch++) {
        size_t k = (size_t)c->n * nch + ch;
        c->elems[k] = NULL, c->nelems[k] = 0;
        if (ch < r->c && find_elements(r, ch, &c->elems[k], &c->nelems[k])) {
            for (int j = 0; j < ch; j++) free(c->elems[(size_t)c->n * nch + j]);
            return -1;
        }
    }
    c->r[c->n] = r;
    c->name[c->n] = strdup(name ? name : "");
    c->n++;
    return 0;
}

int lfm_corpus_add_gds(lfm_corpus *c, const char *path, const halo_tech *tech, int32_t px, halo_err *err)
{
    lay_lib *lib = gds_read_file(path, tech, err);
    if (!lib) return -1;
    int *tops = NULL, ntops = lay_top_cells(lib, &tops), added = 0;
    for (int i = 0; i < ntops; i++) {
        lfm_raster *r = lfm_raster_cell(lib, tops[i], &c->map, px, lay_box_make(0, 0, 0, 0));
        if (!r) continue;                           /* an empty cell */
        char name[512];
        snprintf(name, sizeof name, "%s:%s", path, lib->cells[tops[i]]->name);
        if (lfm_corpus_add(c, name, r)) {
            lfm_raster_free(r);
            free(tops);
            lay_lib_free(lib);
            return halo_err_set(err, HALO_E_NOMEM, NULL, 0), -1;
        }
        added++;
    }
    free(tops);
    lay_lib_free(lib);
    return added;
}

void lfm_corpus_free(lfm_corpus *c)
{
    for (int i = 0; i < c->n; i++) {
        lfm_raster_free(c->r[i]);
        free(c->name[i]);
        for (int ch = 0; ch < c->map.nch; ch++) free(c->elems[(size_t)i * c->map.nch + ch]);
    }
    free(c->r), free(c->name), free(c->elems), free(c->nelems);
    memset(c, 0, sizeof *c);
}

long lfm_corpus_elements(const lfm_corpus *c, int ch)
{
    long n = 0;
    for (int i = 0; i < c->n; i++) n += c->nelems[(size_t)i * c->map.nch + ch];
    return n;
}

/* ---------------------------------------------------------------- sampling */

static int rand_between(halo_rng *rng, int lo, int hi)     /* [lo, hi] */
{
    return hi <= lo ? lo : lo + (int)rng_below(rng, (uint64_t)(hi - lo + 1));
}

/* The channel a sample removes: uniform over the task's channels that
 * the corpus has elements of (every channel for pre-training). */
static int pick_channel(const lfm_corpus *c, lfm_task t, halo_rng *rng)
{
    int cand[LFM_MAX_CHANNELS], n = 0;
    for (int ch = 0; ch < c->map.nch; ch++)
        if (lfm_task_targets(t, &c->map, ch) && lfm_corpus_elements(c, ch) > 0) cand[n++] = ch;
    return n ? cand[rng_below(rng, (uint64_t)n)] : -1;
}

/* An element of channel ch drawn uniformly over the corpus. */
static const lfm_elem *pick_element(const lfm_corpus *c, int ch, halo_rng *rng, int *layout)
{
    long k = (long)rng_below(rng, (uint64_t)lfm_corpus_elements(c, ch));
    for (int i = 0; i < c->n; i++) {
        int n = c->nelems[(size_t)i * c->map.nch + ch];
        if (k < n) {
            *layout = i;
            return &c->elems[(size_t)i * c->map.nch + ch][k];
        }
        k -= n;
    }
    return NULL;
}

/* The patch of every channel at (ox, oy), zero outside the raster. */
static void copy_patch(const lfm_raster *r, int ox, int oy, int size, uint8_t *p)
{
    memset(p, 0, (size_t)r->c * size * size);
    for (int ch = 0; ch < r->c; ch++) {
        const uint8_t *plane = lfm_raster_plane(r, ch);
        uint8_t *dst = p + (size_t)ch * size * size;
        for (int y = 0; y < size; y++) {
            int ry = oy + y;
            if (ry < 0 || ry >= r->h) continue;
            int x0 = ox < 0 ? -ox : 0, x1 = ox + size > r->w ? r->w - ox : size;
            if (x1 > x0) memcpy(dst + (size_t)y * size + x0, plane + (size_t)ry * r->w + ox + x0, (size_t)(x1 - x0));
        }
    }
}

/* Local elements of one patch plane: lab[p] = element number (1-based). */
static int label_patch(const uint8_t *plane, int size, int *lab, lfm_stack *s)
{
    memset(lab, 0, (size_t)size * size * sizeof *lab);
    int n = 0;
    for (int p = 0; p < size * size; p++)
        if (plane[p] && !lab[p]) {
            if (lfm_flood(plane, size, size, p, lab, ++n, s).pixels < 0) return -1;
        }
    return n;
}

typedef struct patch_ctx {
    int size, ch, ax, ay;    /* anchor pixel, patch coordinates */
    uint8_t *removed;        /* [size][size] */
    uint8_t *cmd;            /* [size][size], command bytes (lfm_cmd_value) */
    uint8_t mark;            /* the byte a mark gets */
    int *lab;
    int nlab;
    halo_rng *rng;
} patch_ctx;

/* Pre-training's random masking: the anchor's element and each other
 * element of the channel with one probability drawn per sample. */
static void mask_random(patch_ctx *k, const uint8_t *plane)
{
    float q = 0.2f + 0.7f * (float)rng_uniform(k->rng);
    uint8_t *drop = calloc((size_t)k->nlab + 1, 1);
    if (!drop) return;
    for (int i = 1; i <= k->nlab; i++) drop[i] = rng_uniform(k->rng) < q;
    drop[k->lab[k->ay * k->size + k->ax]] = 1;
    for (int p = 0; p < k->size * k->size; p++)
        if (plane[p] && drop[k->lab[p]]) k->removed[p] = 1;
    free(drop);
}

/* A random box around the anchor, between 1/8 and max_side of the patch a side. */
static void anchor_box(patch_ctx *k, double max_side, int *bx0, int *by0, int *bx1, int *by1)
{
    int hi = (int)(k->size * max_side);
    int bw = rand_between(k->rng, k->size / 8, hi), bh = rand_between(k->rng, k->size / 8, hi);
    *bx0 = k->ax - rand_between(k->rng, 0, bw - 1), *by0 = k->ay - rand_between(k->rng, 0, bh - 1);
    *bx1 = *bx0 + bw, *by1 = *by0 + bh;
}

/* The via command: the box holding the removed cuts (the anchor's cut
 * may reach past the removal box) grown by 0 to 8 pixels, as a user's
 * window is drawn round the missing cuts, not on them; clipped to the
 * patch. */
static void mark_window(patch_ctx *k, int bx0, int by0, int bx1, int by1)
{
    int s = k->size, g = rand_between(k->rng, 0, 8);
    for (int p = 0; p < s * s; p++)
        if (k->removed[p]) {
            int x = p % s, y = p / s;
            bx0 = x < bx0 ? x : bx0, by0 = y < by0 ? y : by0;
            bx1 = x + 1 > bx1 ? x + 1 : bx1, by1 = y + 1 > by1 ? y + 1 : by1;
        }
    bx0 -= g, by0 -= g, bx1 += g, by1 += g;
    for (int y = by0 < 0 ? 0 : by0; y < by1 && y < s; y++)
        for (int x = bx0 < 0 ? 0 : bx0; x < bx1 && x < s; x++) k->cmd[y * s + x] = 1;
}

/* Contacts and vias: every cut of the channel lying wholly inside a box
 * around the anchor (the anchor's cut always).  Vias, with the window in
 * the command channel: a quarter of the boxes cover the whole patch, as
 * where a window larger than a patch was deleted (a large array), the
 * others are up to a patch a side. */
static void mask_cuts_in_box(patch_ctx *k, const uint8_t *plane, int window_cmd)
{
    int bx0, by0, bx1, by1;
    if (window_cmd && rng_uniform(k->rng) < 0.25) bx0 = by0 = 0, bx1 = by1 = k->size;
    else anchor_box(k, window_cmd ? 1.0 : 0.5, &bx0, &by0, &bx1, &by1);
    uint8_t *outside = calloc((size_t)k->nlab + 1, 1);
    if (!outside) return;
    for (int p = 0; p < k->size * k->size; p++) {
        int x = p % k->size, y = p / k->size;
        if (plane[p] && (x < bx0 || x >= bx1 || y < by0 || y >= by1)) outside[k->lab[p]] = 1;
    }
    outside[k->lab[k->ay * k->size + k->ax]] = 0;
    for (int p = 0; p < k->size * k->size; p++)
        if (plane[p] && !outside[k->lab[p]]) k->removed[p] = 1;
    free(outside);
    if (window_cmd) mark_window(k, bx0, by0, bx1, by1);
}

/* The anchor element's straight run through the anchor along x (dx = 1)
 * or y (dx = 0): its first and last pixel on that line. */
static void anchor_run(const patch_ctx *k, const uint8_t *plane, int dx, int *lo, int *hi)
{
    int s = k->size, me = k->lab[k->ay * s + k->ax], a = dx ? k->ax : k->ay;
    for (int d = -1; d <= 1; d += 2) {
        int at = a;
        for (;;) {
            int n = at + d, x = dx ? n : k->ax, y = dx ? k->ay : n;
            if (n < 0 || n >= s || !plane[y * s + x] || k->lab[y * s + x] != me) break;
            at = n;
        }
        if (d < 0) *lo = at;
        else *hi = at;
    }
}

/* A slab across the wire at the anchor, the whole patch across it, so
 * the wire's full width is cut, as a stretch of a routed net is (the
 * benchmark's deletion, a user's -from -to along one wire): 4 to 5/8 of
 * the patch along the wire, inside the wire's straight run through the
 * anchor, so that wire is kept at both ends (a slab drawn anywhere would
 * mostly reach past a wire's end or the patch edge), the length drawn
 * towards the long end (long stretches are the hardest).  Returns -1
 * where the run leaves no room for 8 pixels: a stub, redrawn. */
static int anchor_slab(patch_ctx *k, const uint8_t *plane, int *bx0, int *by0, int *bx1, int *by1)
{
    int s = k->size, xlo, xhi, ylo, yhi;
    anchor_run(k, plane, 1, &xlo, &xhi);
    anchor_run(k, plane, 0, &ylo, &yhi);
    int along_x = xhi - xlo >= yhi - ylo, lo = along_x ? xlo : ylo, hi = along_x ? xhi : yhi;
    int room = hi - lo - 1, top = s * 5 / 8 < room ? s * 5 / 8 : room;
    if (room < 8) return -1;
    int len = rand_between(k->rng, rand_between(k->rng, 4, top), top);
    int start = rand_between(k->rng, lo + 1, hi - len);
    if (along_x) *bx0 = start, *bx1 = start + len, *by0 = 0, *by1 = s;
    else *by0 = start, *by1 = start + len, *bx0 = 0, *bx1 = s;
    return 0;
}

/* Routing: the anchor element's pixels inside a region around the
 * anchor: three times in four a slab across the wire (a straight
 * stretch), else a box (which may take a bend or part of a wide wire's
 * width).  Where the removed part meets the kept part of that element
 * lies a start or end point: each such meeting (a run of touching
 * pixels, as wide as the wire) is marked in the command channel over
 * its removed pixels and the kept pixels they touch, two pixels deep and
 * as wide as the wire's end, the mark complete_layout draws for -from
 * and -to: the model is told where the ends are and how wide (a 3x3 mark
 * at a point said neither, and thin wires came out drawn twice their
 * width).  Returns the number of marks (-1: out of memory). */
static int mask_route(patch_ctx *k, const uint8_t *plane)
{
    int bx0, by0, bx1, by1, s = k->size;
    if (!rand_between(k->rng, 0, 3)) anchor_box(k, 0.5, &bx0, &by0, &bx1, &by1);
    else if (anchor_slab(k, plane, &bx0, &by0, &bx1, &by1)) return 0;
    int me = k->lab[k->ay * s + k->ax];
    for (int y = by0 < 0 ? 0 : by0; y < by1 && y < s; y++)
        for (int x = bx0 < 0 ? 0 : bx0; x < bx1 && x < s; x++)
            if (plane[y * s + x] && k->lab[y * s + x] == me) k->removed[y * s + x] = 1;
    uint8_t *meet = calloc((size_t)s * s, 1);
    int *lab = calloc((size_t)s * s, sizeof *lab), marks = 0;
    lfm_stack st = {0};
    if (!meet || !lab) {
        free(meet), free(lab);
        return -1;
    }
    /* meet: 1 on a removed pixel touching a kept one, 2 on that kept one */
    for (int p = 0; p < s * s; p++) {
        if (!k->removed[p]) continue;
        int x = p % s, y = p / s;
        int nb[4] = {x > 0 ? p - 1 : -1, x + 1 < s ? p + 1 : -1, y > 0 ? p - s : -1, y + 1 < s ? p + s : -1};
        for (int j = 0; j < 4; j++)
            if (nb[j] >= 0 && plane[nb[j]] && k->lab[nb[j]] == me && !k->removed[nb[j]]) meet[p] = 1, meet[nb[j]] = 2;
    }
    for (int p = 0; p < s * s; p++) {
        if (meet[p] == 1 && !lab[p] && lfm_flood(meet, s, s, p, lab, ++marks, &st).pixels < 0) {
            marks = -1;
            break;
        }
        if (meet[p]) k->cmd[p] = k->mark;
    }
    free(meet), free(lab), free(st.v);
    return marks;
}

/* ---------------------------------------------------------------- coarse wells */

/* How far a coarse model's well side lands from the truth, in coarse
 * pixels (out positive).  Measured on the training layouts (every row and
 * column crossing a well side, 12 layouts), the shipped 0.16 um model's
 * sides lie within their own rounding 89 % of the time, one pixel off 6 %
 * and two 4.5 %.  The pairs slip a side more often (one pixel 30 %, two
 * 10 %): on layouts it did not train on the coarse model misses more
 * (pair IoU 0.90 against 0.95 on its own).  Slipping every side two
 * pixels in three taught the edge model to distrust the hint where
 * only the coarse model's context shows the side (a tap row 5 um along
 * a well that sets its side 0.4 um past the diffusion). */
static int side_slip(halo_rng *rng)
{
    static const int slip[20] = {-2, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2};
    _Static_assert(LFM_EDGE_SLIP == 2, "the slips reach LFM_EDGE_SLIP");
    return slip[rng_below(rng, 20)];
}

/* Moves the sides of the on cells of grid g ([n][n]) facing (dx, dy)
 * by d cells: out (d > 0) an on cell spreads d cells that way, in (d < 0)
 * a cell stays on only when the d cells that way are on too. */
static void slip_sides(uint8_t *g, uint8_t *tmp, int n, int dx, int dy, int d)
{
    memcpy(tmp, g, (size_t)n * n);
    for (int b = 0; b < n; b++)
        for (int a = 0; a < n; a++) {
            int v = tmp[b * n + a];
            for (int s = 1; s <= (d < 0 ? -d : d); s++) {
                int sgn = d > 0 ? -1 : 1, x = a + sgn * s * dx, y = b + sgn * s * dy;
                int u = x >= 0 && y >= 0 && x < n && y < n ? tmp[y * n + x] : tmp[b * n + a];
                v = d > 0 ? v || u : v && u;
            }
            g[b * n + a] = (uint8_t)v;
        }
}

/* The nwell_edge hint over the patch at (ox, oy): channel ch of r on a
 * grid LFM_EDGE_COARSE times coarser at a random phase (a coarse cell on
 * when the pixel at its centre is), each of the four sides slipped by
 * side_slip, as one byte per patch pixel. */
static int coarse_hint(const lfm_raster *r, int ch, int ox, int oy, int size, halo_rng *rng, uint8_t *cmd)
{
    const int K = LFM_EDGE_COARSE, margin = 3;
    int n = size / K + 2 * margin + 2;
    int gx0 = ox - margin * K - rand_between(rng, 0, K - 1), gy0 = oy - margin * K - rand_between(rng, 0, K - 1);
    uint8_t *g = malloc((size_t)n * n * 2);
    if (!g) return -1;
    const uint8_t *plane = lfm_raster_plane(r, ch);
    for (int b = 0; b < n; b++)
        for (int a = 0; a < n; a++) {
            int x = gx0 + a * K + K / 2, y = gy0 + b * K + K / 2;
            g[b * n + a] = x >= 0 && y >= 0 && x < r->w && y < r->h && plane[(size_t)y * r->w + x];
        }
    static const int dir[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
    for (int k = 0; k < 4; k++) slip_sides(g, g + (size_t)n * n, n, dir[k][0], dir[k][1], side_slip(rng));
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) cmd[y * size + x] = g[((oy + y - gy0) / K) * n + (ox + x - gx0) / K];
    free(g);
    return 0;
}

/* Where the patch goes relative to the anchor: nwell patches anywhere
 * around the well (its edges matter most), or one in four anywhere in the
 * layout, so the model also sees the wide areas that must stay without a
 * well (capacitor plates, NMOS rows, wiring); the others with the anchor
 * in the middle half so its surroundings are seen. */
static void place_patch(const lfm_elem *e, const lfm_raster *r, lfm_task t, int size, halo_rng *rng, int *ox,
                        int *oy, int *ax, int *ay)
{
    if (t == LFM_NWELL) {
        int m = size / 4;
        if (rand_between(rng, 0, 3) == 0) {
            *ax = rand_between(rng, 0, r->w - 1);
            *ay = rand_between(rng, 0, r->h - 1);
        } else {
            *ax = rand_between(rng, e->x0 - m, e->x1 - 1 + m);
            *ay = rand_between(rng, e->y0 - m, e->y1 - 1 + m);
        }
        *ox = *ax - rand_between(rng, 0, size - 1);
        *oy = *ay - rand_between(rng, 0, size - 1);
        return;
    }
    *ax = e->sx, *ay = e->sy;
    if (t == LFM_NWELL_EDGE) {
        /* a point on one of the sides of the well's box, drawn uniformly
         * over the four sides and along the side */
        int side = rand_between(rng, 0, 3);
        if (side < 2) *ax = side ? e->x1 - 1 : e->x0, *ay = rand_between(rng, e->y0, e->y1 - 1);
        else *ay = side == 3 ? e->y1 - 1 : e->y0, *ax = rand_between(rng, e->x0, e->x1 - 1);
    }
    if (t == LFM_ROUTE || t == LFM_PRETRAIN) {
        /* any pixel of the element's box; lfm_sample redraws until it is
         * one of the element's own */
        *ax = rand_between(rng, e->x0, e->x1 - 1);
        *ay = rand_between(rng, e->y0, e->y1 - 1);
    }
    *ox = *ax - size / 4 - rand_between(rng, 0, size / 2 - 1);
    *oy = *ay - size / 4 - rand_between(rng, 0, size / 2 - 1);
}

/* The patch's origin and its anchor pixel on the element (nwell: near it),
 * in layout pixels. */
static void place_anchor(const lfm_corpus *c, int layout, const lfm_elem *e, int ch, lfm_task t, int size,
                         halo_rng *rng, int *ox, int *oy, int *ax, int *ay)
{
    const lfm_raster *r = c->r[layout];
    const uint8_t *full = lfm_raster_plane(r, ch);
    for (int tries = 0;; tries++) {
        place_patch(e, r, t, size, rng, ox, oy, ax, ay);
        int on = *ax >= 0 && *ay >= 0 && *ax < r->w && *ay < r->h && full[(size_t)*ay * r->w + *ax];
        if (t == LFM_NWELL || t == LFM_NWELL_EDGE || on) return;
        if (tries == 16) {       /* a sparse element: fall back to its known pixel */
            *ax = e->sx, *ay = e->sy, *ox = *ax - size / 2, *oy = *ay - size / 2;
            return;
        }
    }
}

int lfm_sample(const lfm_corpus *c, lfm_task t, int size, halo_rng *rng, float *x, float *y,
               lfm_sample_info *info)
{
    int ch = pick_channel(c, t, rng), layout = 0;
    if (ch < 0 || size <= 0) return -1;
    const lfm_elem *e = pick_element(c, ch, rng, &layout);
    const lfm_raster *r = c->r[layout];
    int C = r->c, ss = size * size, ncmd = lfm_task_cmd_channels(t);
    /* routing marks its points on the anchor's layer */
    uint8_t mark = ncmd > 1 ? (uint8_t)(1u << lfm_task_target_index(t, &c->map, ch)) : 1;
    uint8_t *patch = malloc((size_t)C * ss), *removed = calloc((size_t)ss, 2);
    int *lab = malloc((size_t)ss * sizeof *lab);
    lfm_stack st = {0};
    int rc = -1;
    if (!patch || !removed || !lab) goto done;

    int ox, oy, ax, ay;
    uint8_t *plane = patch + (size_t)ch * ss;
    patch_ctx k;
    /* A route pair is one stretch between a start and an end point, as
     * complete_layout -from -to asks for: a cut with one meeting (a wire's
     * end) or three and more (a junction) is drawn again, up to 32 times,
     * on another element after every 8. */
    for (int attempt = 0;; attempt++) {
        if (attempt && attempt % 8 == 0) e = pick_element(c, ch, rng, &layout), r = c->r[layout];
        place_anchor(c, layout, e, ch, t, size, rng, &ox, &oy, &ax, &ay);
        copy_patch(r, ox, oy, size, patch);
        memset(removed, 0, (size_t)ss * 2);
        k = (patch_ctx){size, ch, ax - ox, ay - oy, removed, removed + ss, mark, lab, 0, rng};
        if (t == LFM_NWELL || t == LFM_NWELL_EDGE) {
            memcpy(removed, plane, (size_t)ss);
            if (t == LFM_NWELL_EDGE && coarse_hint(r, ch, ox, oy, size, rng, k.cmd)) goto done;
            break;
        }
        if ((k.nlab = label_patch(plane, size, lab, &st)) < 0) goto done;
        if (t == LFM_PRETRAIN) mask_random(&k, plane);
        else if (t != LFM_ROUTE) mask_cuts_in_box(&k, plane, t == LFM_VIA);
        else {
            int marks = mask_route(&k, plane);
            if (marks < 0) goto done;
            if (marks != 2 && attempt < 31) continue;
        }
        break;
    }

    long nrem = 0;
    memset(y, 0, (size_t)C * ss * sizeof *y);
    for (int p = 0; p < ss; p++)
        if (removed[p]) plane[p] = 0, y[(size_t)ch * ss + p] = 1, nrem++;
    for (size_t i = 0; i < (size_t)C * ss; i++) x[i] = patch[i];
    for (int j = 0; j < ncmd; j++)
        for (int p = 0; p < ss; p++) x[(size_t)(C + j) * ss + p] = lfm_cmd_value(k.cmd[p], ncmd, j);
    if (info) *info = (lfm_sample_info){layout, ch, ox, oy, nrem};
    rc = 0;
done:
    free(patch), free(removed), free(lab), free(st.v);
    return rc;
}
