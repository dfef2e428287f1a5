/*
 * layout.c -- the layout database (see layout.h): cells, layers,
 * orientations, bounding boxes, the hierarchy walk and cell comparison.
 */
#include "layout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- library */

lay_lib *lay_lib_new(const char *name, const halo_tech *tech)
{
    lay_lib *lib = halo_xcalloc(1, sizeof *lib);
    lib->name = su_strdup(name ? name : "halo");
    su_map_init(&lib->cell_index, 0);
    for (int i = 0; tech && i < tech->n_layers; i++) {
        const tech_layer *tl = &tech->layers[i];
        lay_layer_add(lib, tl->name, tl->gds_layer, tl->gds_datatype, tl->pin_datatype, tl->label_datatype);
    }
    return lib;
}

static void cell_free(lay_cell *c)
{
    lay_cell_clear(c);
    su_map_free(&c->net_index);
    free(c->rects);
    free(c->pins);
    free(c->labels);
    free(c->insts);
    free(c->nets);
    free(c->name);
    free(c);
}

void lay_lib_free(lay_lib *lib)
{
    if (!lib) return;
    for (int i = 0; i < lib->ncells; i++) cell_free(lib->cells[i]);
    free(lib->cells);
    free(lib->layers);
    su_map_free(&lib->cell_index);
    free(lib->name);
    free(lib);
}

int lay_layer_find(const lay_lib *lib, const char *name)
{
    for (int i = 0; i < lib->nlayers; i++)
        if (strcmp(lib->layers[i].name, name) == 0) return i;
    return -1;
}

int lay_layer_by_gds(const lay_lib *lib, int gds_layer, int gds_datatype, int *purpose)
{
    for (int i = 0; i < lib->nlayers; i++) {
        const lay_layer *l = &lib->layers[i];
        if (l->gds_layer != gds_layer) continue;
        int p = l->gds_datatype == gds_datatype ? 0
              : l->pin_datatype == gds_datatype ? 1
              : l->label_datatype == gds_datatype ? 2 : -1;
        if (p >= 0) {
            if (purpose) *purpose = p;
            return i;
        }
    }
    if (purpose) *purpose = -1;
    return -1;
}

int lay_layer_add(lay_lib *lib, const char *name, int gds_layer, int gds_datatype,
                  int pin_datatype, int label_datatype)
{
    su_grow((void **)&lib->layers, &lib->caplayers, lib->nlayers + 1, sizeof *lib->layers);
    lay_layer *l = &lib->layers[lib->nlayers];
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s", name);
    l->gds_layer = gds_layer;
    l->gds_datatype = gds_datatype;
    l->pin_datatype = pin_datatype;
    l->label_datatype = label_datatype;
    return lib->nlayers++;
}

/* ---------------------------------------------------------------- cells */

int lay_cell_find(const lay_lib *lib, const char *name)
{
    return su_map_get(&lib->cell_index, name);
}

int lay_cell_new(lay_lib *lib, const char *name)
{
    if (lay_cell_find(lib, name) >= 0) return -1;
    su_grow((void **)&lib->cells, &lib->capcells, lib->ncells + 1, sizeof *lib->cells);
    lay_cell *c = halo_xcalloc(1, sizeof *c);
    c->name = su_strdup(name);
    su_map_init(&c->net_index, 0);
    lib->cells[lib->ncells] = c;
    su_map_put(&lib->cell_index, name, lib->ncells);
    return lib->ncells++;
}

int lay_cell_remove_last(lay_lib *lib)
{
    if (lib->ncells == 0) return -1;
    int last = lib->ncells - 1;
    for (int i = 0; i < last; i++)
        for (int k = 0; k < lib->cells[i]->ninsts; k++)
            if (lib->cells[i]->insts[k].cell == last) return -1;
    /* su_map has no delete: rebuild the index without the last name */
    su_map_free(&lib->cell_index);
    su_map_init(&lib->cell_index, 0);
    for (int i = 0; i < last; i++) su_map_put(&lib->cell_index, lib->cells[i]->name, i);
    cell_free(lib->cells[last]);
    lib->ncells--;
    return 0;
}

void lay_cell_clear(lay_cell *c)
{
    for (int i = 0; i < c->npins; i++) free(c->pins[i].name);
    for (int i = 0; i < c->nlabels; i++) free(c->labels[i].text);
    for (int i = 0; i < c->ninsts; i++) free(c->insts[i].name);
    for (int i = 0; i < c->nnets; i++) free(c->nets[i]);
    c->nrects = c->npins = c->nlabels = c->ninsts = c->nnets = 0;
    su_map_free(&c->net_index);
    su_map_init(&c->net_index, 0);
    memset(c->halo, 0, sizeof c->halo);
    free(c->device);
    c->device = NULL;
}

void lay_cell_clear_shapes(lay_cell *c)
{
    for (int i = 0; i < c->npins; i++) free(c->pins[i].name);
    for (int i = 0; i < c->nlabels; i++) free(c->labels[i].text);
    c->nrects = c->npins = c->nlabels = 0;
}

int lay_net(lay_cell *c, const char *name)
{
    if (!name || !*name) return -1;
    int i = su_map_get(&c->net_index, name);
    if (i >= 0) return i;
    su_grow((void **)&c->nets, &c->capnets, c->nnets + 1, sizeof *c->nets);
    c->nets[c->nnets] = su_strdup(name);
    su_map_put(&c->net_index, name, c->nnets);
    return c->nnets++;
}

const char *lay_net_name(const lay_cell *c, int net)
{
    return net >= 0 && net < c->nnets ? c->nets[net] : NULL;
}

lay_box lay_box_make(int32_t x0, int32_t y0, int32_t x1, int32_t y1)
{
    lay_box b;
    b.x0 = x0 < x1 ? x0 : x1;
    b.x1 = x0 < x1 ? x1 : x0;
    b.y0 = y0 < y1 ? y0 : y1;
    b.y1 = y0 < y1 ? y1 : y0;
    return b;
}

int lay_box_empty(lay_box b)
{
    return b.x1 <= b.x0 || b.y1 <= b.y0;
}

lay_box lay_box_union(lay_box a, lay_box b)
{
    if (lay_box_empty(a)) return b;
    if (lay_box_empty(b)) return a;
    lay_box u = a;
    if (b.x0 < u.x0) u.x0 = b.x0;
    if (b.y0 < u.y0) u.y0 = b.y0;
    if (b.x1 > u.x1) u.x1 = b.x1;
    if (b.y1 > u.y1) u.y1 = b.y1;
    return u;
}

lay_box lay_box_grow(lay_box b, int32_t d)
{
    b.x0 -= d;
    b.y0 -= d;
    b.x1 += d;
    b.y1 += d;
    return b;
}

int lay_rect_add(lay_cell *c, int layer, lay_box b, int net)
{
    b = lay_box_make(b.x0, b.y0, b.x1, b.y1);
    if (lay_box_empty(b)) return -1;
    su_grow((void **)&c->rects, &c->caprects, c->nrects + 1, sizeof *c->rects);
    c->rects[c->nrects] = (lay_rect){b, layer, net};
    return c->nrects++;
}

int lay_pin_add(lay_cell *c, const char *name, int layer, lay_box b)
{
    b = lay_box_make(b.x0, b.y0, b.x1, b.y1);
    if (lay_box_empty(b) || !name || !*name) return -1;
    su_grow((void **)&c->pins, &c->cappins, c->npins + 1, sizeof *c->pins);
    c->pins[c->npins] = (lay_pin){su_strdup(name), layer, b};
    return c->npins++;
}

int lay_label_add(lay_cell *c, const char *text, int layer, int32_t x, int32_t y)
{
    su_grow((void **)&c->labels, &c->caplabels, c->nlabels + 1, sizeof *c->labels);
    c->labels[c->nlabels] = (lay_label){su_strdup(text), layer, x, y};
    return c->nlabels++;
}

/* 1 when cell `from` reaches cell `to` through instances; seen marks cells
 * already explored (each at most once, so shared children cost nothing). */
static int reaches(const lay_lib *lib, int from, int to, char *seen)
{
    if (from == to) return 1;
    if (seen[from]) return 0;
    seen[from] = 1;
    const lay_cell *c = lib->cells[from];
    for (int i = 0; i < c->ninsts; i++)
        if (reaches(lib, c->insts[i].cell, to, seen)) return 1;
    return 0;
}

int lay_inst_add(lay_lib *lib, int parent, const char *name, int child, int32_t x, int32_t y,
                 lay_orient o)
{
    if (parent < 0 || parent >= lib->ncells || child < 0 || child >= lib->ncells) return -1;
    if ((unsigned)o >= LAY_NORIENT) return -1;
    char *seen = halo_xcalloc((size_t)lib->ncells + 1, 1);
    int cycle = reaches(lib, child, parent, seen);
    free(seen);
    if (cycle) return -1;
    lay_cell *c = lib->cells[parent];
    su_grow((void **)&c->insts, &c->capinsts, c->ninsts + 1, sizeof *c->insts);
    c->insts[c->ninsts] = (lay_inst){su_strdup(name ? name : ""), child, x, y, o};
    return c->ninsts++;
}

/* ---------------------------------------------------------------- orientations */

/* x' = a x + b y, y' = c x + d y, indexed by lay_orient. */
static const int orient_matrix[LAY_NORIENT][4] = {
    {1, 0, 0, 1},    /* R0 */
    {0, -1, 1, 0},   /* R90 */
    {-1, 0, 0, -1},  /* R180 */
    {0, 1, -1, 0},   /* R270 */
    {1, 0, 0, -1},   /* MX */
    {-1, 0, 0, 1},   /* MY */
    {0, 1, 1, 0},    /* MXR90 */
    {0, -1, -1, 0},  /* MYR90 */
};
static const char *const orient_names[LAY_NORIENT] = {
    "R0", "R90", "R180", "R270", "MX", "MY", "MXR90", "MYR90"
};
/* GDS: reflection about x before a counter-clockwise rotation. */
static const int orient_gds[LAY_NORIENT][2] = {
    {0, 0}, {0, 90}, {0, 180}, {0, 270}, {1, 0}, {1, 180}, {1, 90}, {1, 270}
};

const char *lay_orient_name(lay_orient o)
{
    return (unsigned)o < LAY_NORIENT ? orient_names[o] : "?";
}

int lay_orient_parse(const char *name, lay_orient *o)
{
    for (int i = 0; i < LAY_NORIENT; i++)
        if (su_casecmp(name, orient_names[i]) == 0) {
            *o = (lay_orient)i;
            return 0;
        }
    return -1;
}

void lay_orient_to_gds(lay_orient o, int *reflect, int *angle)
{
    *reflect = orient_gds[o][0];
    *angle = orient_gds[o][1];
}

int lay_orient_from_gds(int reflect, double angle, lay_orient *o)
{
    double a = fmod(angle, 360.0);
    if (a < 0) a += 360.0;
    double quarters = floor(a / 90.0 + 0.5);
    if (fabs(a - quarters * 90.0) > 1e-6) return -1;   /* not a multiple of 90 degrees */
    int q = (int)quarters % 4;
    for (int i = 0; i < LAY_NORIENT; i++)
        if (orient_gds[i][0] == (reflect != 0) && orient_gds[i][1] == q * 90) {
            *o = (lay_orient)i;
            return 0;
        }
    return -1;
}

static lay_orient orient_of_matrix(const int m[4])
{
    for (int i = 0; i < LAY_NORIENT; i++)
        if (memcmp(orient_matrix[i], m, sizeof orient_matrix[i]) == 0) return (lay_orient)i;
    return LAY_R0;   /* unreachable: the 8 matrices form a group */
}

lay_orient lay_orient_compose(lay_orient outer, lay_orient inner)
{
    const int *A = orient_matrix[outer], *B = orient_matrix[inner];
    int m[4] = {A[0] * B[0] + A[1] * B[2], A[0] * B[1] + A[1] * B[3],
                A[2] * B[0] + A[3] * B[2], A[2] * B[1] + A[3] * B[3]};
    return orient_of_matrix(m);
}

const lay_xform lay_identity = {LAY_R0, 0, 0};

static int32_t clamp_coord(int64_t v)
{
    return (int32_t)(v > LAY_COORD_LIMIT ? LAY_COORD_LIMIT : v < -LAY_COORD_LIMIT ? -LAY_COORD_LIMIT : v);
}

/* In 64 bits and clamped to the design space: instances nested far from
 * the origin cannot overflow. */
void lay_xform_point(const lay_xform *t, int32_t x, int32_t y, int32_t *ox, int32_t *oy)
{
    const int *m = orient_matrix[t->o];
    *ox = clamp_coord((int64_t)m[0] * x + (int64_t)m[1] * y + t->dx);
    *oy = clamp_coord((int64_t)m[2] * x + (int64_t)m[3] * y + t->dy);
}

lay_box lay_xform_box(const lay_xform *t, lay_box b)
{
    int32_t x0, y0, x1, y1;
    lay_xform_point(t, b.x0, b.y0, &x0, &y0);
    lay_xform_point(t, b.x1, b.y1, &x1, &y1);
    return lay_box_make(x0, y0, x1, y1);
}

lay_xform lay_xform_compose(const lay_xform *outer, const lay_xform *inner)
{
    lay_xform r;
    r.o = lay_orient_compose(outer->o, inner->o);
    lay_xform_point(outer, inner->dx, inner->dy, &r.dx, &r.dy);
    return r;
}

/* ---------------------------------------------------------------- bbox and walk */

/* Box of what a cell draws itself (shapes and pins, not instances). */
static lay_box own_bbox(const lay_cell *c)
{
    lay_box bb = {0, 0, 0, 0};
    for (int i = 0; i < c->nrects; i++) bb = lay_box_union(bb, c->rects[i].box);
    for (int i = 0; i < c->npins; i++) bb = lay_box_union(bb, c->pins[i].box);
    return bb;
}

/* Boxes of every cell reachable from `cell`, each computed once (memo[i]
 * valid when done[i]): a hierarchy that reuses a child many times costs
 * one pass per cell, not one per path. */
static lay_box cell_bbox_memo(const lay_lib *lib, int cell, lay_box *memo, char *done)
{
    if (done[cell]) return memo[cell];
    done[cell] = 1;   /* the hierarchy is acyclic; this also stops a corrupt one */
    const lay_cell *c = lib->cells[cell];
    lay_box bb = own_bbox(c);
    for (int i = 0; i < c->ninsts; i++) {
        const lay_inst *in = &c->insts[i];
        lay_xform t = {in->orient, in->x, in->y};
        lay_box cb = cell_bbox_memo(lib, in->cell, memo, done);
        if (!lay_box_empty(cb)) bb = lay_box_union(bb, lay_xform_box(&t, cb));
    }
    memo[cell] = bb;
    return bb;
}

lay_box lay_cell_bbox(const lay_lib *lib, int cell)
{
    if (cell < 0 || cell >= lib->ncells) return (lay_box){0, 0, 0, 0};
    const lay_cell *c = lib->cells[cell];
    if (c->ninsts == 0) return own_bbox(c);   /* a leaf, the common case */
    lay_box *memo = halo_xcalloc((size_t)lib->ncells, sizeof *memo);
    char *done = halo_xcalloc((size_t)lib->ncells, 1);
    lay_box bb = cell_bbox_memo(lib, cell, memo, done);
    free(memo);
    free(done);
    return bb;
}

static void walk(const lay_lib *lib, int cell, const lay_xform *t, char *path, size_t pathlen,
                 const lay_walker *w, int depth)
{
    if (depth > lib->ncells) return;
    const lay_cell *c = lib->cells[cell];
    for (int i = 0; w->rect && i < c->nrects; i++)
        w->rect(w->ctx, path, c, &c->rects[i], lay_xform_box(t, c->rects[i].box));
    for (int i = 0; w->pin && i < c->npins; i++)
        w->pin(w->ctx, path, c, &c->pins[i], lay_xform_box(t, c->pins[i].box));
    for (int i = 0; w->label && i < c->nlabels; i++) {
        int32_t x, y;
        lay_xform_point(t, c->labels[i].x, c->labels[i].y, &x, &y);
        w->label(w->ctx, path, c, &c->labels[i], x, y);
    }
    size_t base = strlen(path);
    for (int i = 0; i < c->ninsts; i++) {
        const lay_inst *in = &c->insts[i];
        lay_xform local = {in->orient, in->x, in->y};
        lay_xform child = lay_xform_compose(t, &local);
        snprintf(path + base, pathlen - base, "%s%s", base ? "/" : "", in->name);
        walk(lib, in->cell, &child, path, pathlen, w, depth + 1);
        path[base] = '\0';
    }
}

void lay_walk(const lay_lib *lib, int cell, const lay_walker *w)
{
    if (cell < 0 || cell >= lib->ncells) return;
    char path[1024] = "";
    walk(lib, cell, &lay_identity, path, sizeof path, w, 0);
}

static void closure_visit(const lay_lib *lib, int cell, char *seen, int *out, int *n)
{
    if (seen[cell]) return;
    seen[cell] = 1;
    const lay_cell *c = lib->cells[cell];
    for (int i = 0; i < c->ninsts; i++) closure_visit(lib, c->insts[i].cell, seen, out, n);
    out[(*n)++] = cell;
}

int lay_cell_closure(const lay_lib *lib, int cell, int **out)
{
    *out = halo_xmalloc((size_t)(lib->ncells + 1) * sizeof **out);
    if (cell < 0 || cell >= lib->ncells) return 0;
    char *seen = halo_xcalloc((size_t)lib->ncells + 1, 1);
    int n = 0;
    closure_visit(lib, cell, seen, *out, &n);
    free(seen);
    return n;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

uint64_t lay_expanded_shapes(const lay_lib *lib, int cell)
{
    if (cell < 0 || cell >= lib->ncells) return 0;
    int *order = NULL;
    int n = lay_cell_closure(lib, cell, &order);     /* children before parents */
    uint64_t *count = halo_xcalloc((size_t)lib->ncells + 1, sizeof *count);
    for (int k = 0; k < n; k++) {
        const lay_cell *c = lib->cells[order[k]];
        uint64_t sum = (uint64_t)c->nrects + (uint64_t)c->npins + (uint64_t)c->nlabels;
        for (int i = 0; i < c->ninsts; i++) sum = sat_add(sum, count[c->insts[i].cell]);
        count[order[k]] = sum;
    }
    uint64_t total = count[cell];
    free(count);
    free(order);
    return total;
}

int lay_top_cells(const lay_lib *lib, int **out)
{
    char *used = halo_xcalloc((size_t)lib->ncells + 1, 1);
    for (int i = 0; i < lib->ncells; i++)
        for (int k = 0; k < lib->cells[i]->ninsts; k++) used[lib->cells[i]->insts[k].cell] = 1;
    *out = halo_xmalloc((size_t)(lib->ncells + 1) * sizeof **out);
    int n = 0;
    for (int i = 0; i < lib->ncells; i++)
        if (!used[i]) (*out)[n++] = i;
    free(used);
    return n;
}

/* ---------------------------------------------------------------- comparison */

/* Every item rendered as one canonical text line, sorted, then compared:
 * simple, order-independent, and the first differing line is the report. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **cell_lines(const lay_lib *lib, const lay_cell *c, int *n)
{
    int cap = c->nrects + c->npins + c->nlabels + c->ninsts + 1;
    char **lines = halo_xmalloc((size_t)cap * sizeof *lines);
    char buf[512];
    *n = 0;
    for (int i = 0; i < c->nrects; i++) {
        const lay_rect *r = &c->rects[i];
        const char *net = lay_net_name(c, r->net);
        snprintf(buf, sizeof buf, "rect %s %d %d %d %d %s", lib->layers[r->layer].name, r->box.x0, r->box.y0,
                 r->box.x1, r->box.y1, net ? net : "-");
        lines[(*n)++] = su_strdup(buf);
    }
    for (int i = 0; i < c->npins; i++) {
        const lay_pin *p = &c->pins[i];
        snprintf(buf, sizeof buf, "pin %s %s %d %d %d %d", p->name, lib->layers[p->layer].name, p->box.x0,
                 p->box.y0, p->box.x1, p->box.y1);
        lines[(*n)++] = su_strdup(buf);
    }
    for (int i = 0; i < c->nlabels; i++) {
        const lay_label *l = &c->labels[i];
        snprintf(buf, sizeof buf, "label %s %s %d %d", l->text, lib->layers[l->layer].name, l->x, l->y);
        lines[(*n)++] = su_strdup(buf);
    }
    for (int i = 0; i < c->ninsts; i++) {
        const lay_inst *in = &c->insts[i];
        snprintf(buf, sizeof buf, "inst %s %s %d %d %s", in->name, lib->cells[in->cell]->name, in->x, in->y,
                 lay_orient_name(in->orient));
        lines[(*n)++] = su_strdup(buf);
    }
    qsort(lines, (size_t)*n, sizeof *lines, cmp_str);
    return lines;
}

int lay_cell_compare(const lay_lib *a, int ca, const lay_lib *b, int cb, char *why, size_t whylen)
{
    int na, nb, result = 0;
    char **la = cell_lines(a, a->cells[ca], &na);
    char **lb = cell_lines(b, b->cells[cb], &nb);
    int i = 0;
    for (; i < na && i < nb; i++) {
        if (strcmp(la[i], lb[i]) != 0) {
            snprintf(why, whylen, "cell %s: \"%s\" vs \"%s\"", a->cells[ca]->name, la[i], lb[i]);
            result = 1;
            break;
        }
    }
    if (!result && na != nb) {
        snprintf(why, whylen, "cell %s: %d items vs %d; first extra: \"%s\"", a->cells[ca]->name, na, nb,
                 na > nb ? la[i] : lb[i]);
        result = 1;
    }
    for (int k = 0; k < na; k++) free(la[k]);
    for (int k = 0; k < nb; k++) free(lb[k]);
    free(la);
    free(lb);
    return result;
}

/* ---------------------------------------------------------------- flatten */

typedef struct flatten_ctx {
    lay_cell *dst;
} flatten_ctx;

static void flatten_rect(void *ctx, const char *path, const lay_cell *c, const lay_rect *r, lay_box b)
{
    (void)path;
    flatten_ctx *f = ctx;
    /* a sub-cell's net names are local to it: only the top cell's carry over */
    const char *net = path[0] == '\0' ? lay_net_name(c, r->net) : NULL;
    lay_rect_add(f->dst, r->layer, b, net ? lay_net(f->dst, net) : -1);
}

static void flatten_pin(void *ctx, const char *path, const lay_cell *c, const lay_pin *p, lay_box b)
{
    (void)c;
    flatten_ctx *f = ctx;
    if (path[0] == '\0') lay_pin_add(f->dst, p->name, p->layer, b);
}

static void flatten_label(void *ctx, const char *path, const lay_cell *c, const lay_label *l,
                          int32_t x, int32_t y)
{
    (void)c;
    flatten_ctx *f = ctx;
    if (path[0] == '\0') lay_label_add(f->dst, l->text, l->layer, x, y);
}

int lay_cell_flatten(lay_lib *lib, int cell, const char *name)
{
    if (cell < 0 || cell >= lib->ncells) return -1;
    int dst = lay_cell_new(lib, name);
    if (dst < 0) return -1;
    flatten_ctx f = {lib->cells[dst]};
    lay_walker w = {&f, flatten_rect, flatten_pin, flatten_label};
    lay_walk(lib, cell, &w);
    const lay_cell *src = lib->cells[cell];
    memcpy(f.dst->halo, src->halo, sizeof src->halo);
    if (src->device) f.dst->device = su_strdup(src->device);
    return dst;
}
