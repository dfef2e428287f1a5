/*
 * place.c -- the placement IR: construction from a design and its device
 * cells, metrics, the legality checker, the spatial moves of exploration,
 * copies, and writing the IR into a layout cell.  The placer itself is in
 * place_sa.c (annealing), place_seqpair.c (packing) and place_ilp.c (ILP).
 */
#include "place.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlist/constraints.h"
#include "base/strutil.h"

/* ---------------------------------------------------------------- orientation */

lay_orient place_mirror_x(lay_orient o)
{
    switch (o) {
    case LAY_R0: return LAY_MY;
    case LAY_MY: return LAY_R0;
    case LAY_MX: return LAY_R180;
    case LAY_R180: return LAY_MX;
    default: return o;
    }
}

lay_orient place_mirror_y(lay_orient o)
{
    switch (o) {
    case LAY_R0: return LAY_MX;
    case LAY_MX: return LAY_R0;
    case LAY_MY: return LAY_R180;
    case LAY_R180: return LAY_MY;
    default: return o;
    }
}

static int flips_x(lay_orient o)
{
    return o == LAY_MY || o == LAY_R180;
}

static int flips_y(lay_orient o)
{
    return o == LAY_MX || o == LAY_R180;
}

static int orient_allowed(lay_orient o)
{
    return o == LAY_R0 || o == LAY_MX || o == LAY_MY || o == LAY_R180;
}

void place_keepout(const place_item *it, lay_orient o, int32_t out[4])
{
    const int32_t *k = it->keepout;
    out[0] = flips_x(o) ? k[2] : k[0];
    out[2] = flips_x(o) ? k[0] : k[2];
    out[1] = flips_y(o) ? k[3] : k[1];
    out[3] = flips_y(o) ? k[1] : k[3];
}

void place_pin_pos2(const place_item *it, const place_pin *p, lay_orient o, int32_t x, int32_t y,
                    int64_t *px2, int64_t *py2)
{
    int64_t dx2 = flips_x(o) ? 2 * (int64_t)it->w - p->dx2 : p->dx2;
    int64_t dy2 = flips_y(o) ? 2 * (int64_t)it->h - p->dy2 : p->dy2;
    *px2 = 2 * (int64_t)x + dx2;
    *py2 = 2 * (int64_t)y + dy2;
}

lay_box place_device_box(const place_item *it)
{
    return lay_box_make(it->x, it->y, it->x + it->w, it->y + it->h);
}

lay_box place_keepout_box(const place_item *it)
{
    int32_t k[4];
    place_keepout(it, it->orient, k);
    return lay_box_make(it->x - k[0], it->y - k[1], it->x + it->w + k[2], it->y + it->h + k[3]);
}

/* ---------------------------------------------------------------- construction */

/* Pins of a device: each netlist pin whose role names a pin of the cell. */
static void collect_pins(place_item *it, const lay_lib *lib, const netlist_device *d)
{
    const lay_cell *c = lib->cells[it->cell];
    it->pins = halo_xcalloc((size_t)d->npins + 1, sizeof *it->pins);
    for (int k = 0; k < d->npins; k++) {
        for (int p = 0; p < c->npins; p++) {
            if (strcmp(c->pins[p].name, d->pins[k].role) != 0) continue;
            lay_box b = c->pins[p].box;
            place_pin *pp = &it->pins[it->npins++];
            pp->net = d->pins[k].net;
            pp->dx2 = b.x0 + b.x1 - 2 * it->cell_x0;
            pp->dy2 = b.y0 + b.y1 - 2 * it->cell_y0;
            break;
        }
    }
}

/* Does some S satisfy S = res (mod m) for both congruences?  Returns the
 * combined modulus (the larger: moduli are 2g or 4g) and residue, or 0. */
static int64_t combine(int64_t m1, int64_t r1, int64_t m2, int64_t r2, int64_t *res)
{
    int64_t m = m1 > m2 ? m1 : m2;
    for (int64_t s = 0; s < m; s++)
        if (s % m1 == r1 && s % m2 == r2) {
            *res = s;
            return m;
        }
    return 0;
}

/* Symmetry classes: the units (pairs and lone members) whose centres can
 * share one axis on the grid.  A pair needs S = 4*axis = C_a + C_b where
 * C = 2x + w, so S = w_a + w_b (mod 2g); a lone member needs S = 2C, so
 * S = 2w (mod 4g).  Units with equal widths always share one class. */
static void assign_classes(place_ir *ir)
{
    int64_t *mod = halo_xcalloc((size_t)ir->n + 1, sizeof *mod), *res = halo_xcalloc((size_t)ir->n + 1, sizeof *res);
    int nc = 0;
    int64_t g = ir->grid;
    for (int i = 0; i < ir->n; i++) {
        place_item *a = &ir->items[i];
        if (a->partner < 0 || a->partner < i) continue;
        const place_item *b = &ir->items[a->partner];
        int64_t um = a->partner == i ? 4 * g : 2 * g;
        int64_t ur = a->partner == i ? (2 * (int64_t)a->w) % um : ((int64_t)a->w + b->w) % um;
        int c;
        for (c = 0; c < nc; c++) {
            int64_t r, m = combine(mod[c], res[c], um, ur, &r);
            if (m) {
                mod[c] = m;
                res[c] = r;
                break;
            }
        }
        if (c == nc) {
            mod[nc] = um;
            res[nc] = ur;
            nc++;
        }
        a->symclass = c;
        ir->items[a->partner].symclass = c;
    }
    ir->nclasses = nc;
    ir->axis4 = halo_xcalloc((size_t)nc + 1, sizeof *ir->axis4);
    ir->class_mod = mod;
    ir->class_res = res;
}

/* Partners from the match groups: members in device order pair up, a lone
 * last member of an odd group sits on the axis. */
static void assign_partners(place_ir *ir, const netlist *nl, const int *item_of_dev)
{
    int *members = halo_xcalloc((size_t)nl->ndevs + 1, sizeof *members);
    for (int g = 0; g < nl->nmatch_groups; g++) {
        int n = constraints_group_members(nl, g, members, nl->ndevs), k = 0;
        for (int j = 0; j < n; j++) {
            int it = item_of_dev[members[j]];
            if (it >= 0) members[k++] = it;
        }
        for (int j = 0; j + 1 < k; j += 2) {
            ir->items[members[j]].partner = members[j + 1];
            ir->items[members[j + 1]].partner = members[j];
        }
        if (k % 2 == 1 && k > 1) ir->items[members[k - 1]].partner = members[k - 1];
    }
    free(members);
}

int place_ir_init(place_ir *ir, const lay_lib *lib, const netlist *nl, const int *dev_cell, int32_t grid,
                  int32_t margin, halo_err *err)
{
    memset(ir, 0, sizeof *ir);
    if (grid <= 0 || grid % 5 != 0 || grid > 100000)
        return halo_err_set(err, HALO_E_PLC_GRID, NULL, 0, grid / 1000.0);
    if (margin < 0 || margin % 5 != 0 || margin > 1000000)
        return halo_err_set(err, HALO_E_PLC_MARGIN, NULL, 0, margin / 1000.0);
    ir->grid = grid;
    ir->margin = margin;
    ir->nnets = nl->nnets;
    int *item_of_dev = halo_xmalloc(((size_t)nl->ndevs + 1) * sizeof *item_of_dev);
    ir->items = halo_xcalloc((size_t)nl->ndevs + 1, sizeof *ir->items);
    for (int d = 0; d < nl->ndevs; d++) {
        item_of_dev[d] = -1;
        if (!dev_cell || dev_cell[d] < 0) continue;
        place_item *it = &ir->items[ir->n];
        item_of_dev[d] = ir->n++;
        it->name = su_strdup(nl->devs[d].name);
        it->dev = d;
        it->cell = dev_cell[d];
        lay_box bb = lay_cell_bbox(lib, it->cell);
        it->w = bb.x1 - bb.x0;
        it->h = bb.y1 - bb.y0;
        it->cell_x0 = bb.x0;
        it->cell_y0 = bb.y0;
        memcpy(it->keepout, lib->cells[it->cell]->halo, sizeof it->keepout);
        it->partner = -1;
        it->symclass = -1;
        it->orient = LAY_R0;
        collect_pins(it, lib, &nl->devs[d]);
    }
    if (ir->n == 0) {
        free(item_of_dev);
        place_ir_free(ir);
        return halo_err_set(err, HALO_E_PLC_EMPTY, NULL, 0);
    }
    assign_partners(ir, nl, item_of_dev);
    free(item_of_dev);
    for (int i = 0; i < ir->n; i++) {
        place_item *it = &ir->items[i];
        if (it->partner > i) ir->items[it->partner].orient = place_mirror_x(it->orient);
    }
    assign_classes(ir);
    return 0;
}

void place_ir_free(place_ir *ir)
{
    for (int i = 0; i < ir->n; i++) {
        free(ir->items[i].name);
        free(ir->items[i].pins);
    }
    free(ir->items);
    free(ir->axis4);
    free(ir->class_mod);
    free(ir->class_res);
    memset(ir, 0, sizeof *ir);
}

void place_ir_copy(place_ir *dst, const place_ir *src)
{
    *dst = *src;
    dst->items = halo_xcalloc((size_t)src->n + 1, sizeof *dst->items);
    for (int i = 0; i < src->n; i++) {
        place_item *d = &dst->items[i];
        *d = src->items[i];
        d->name = su_strdup(src->items[i].name);
        d->pins = halo_xcalloc((size_t)d->npins + 1, sizeof *d->pins);
        memcpy(d->pins, src->items[i].pins, (size_t)d->npins * sizeof *d->pins);
    }
    size_t nc = (size_t)src->nclasses;
    dst->axis4 = halo_xcalloc(nc + 1, sizeof *dst->axis4);
    memcpy(dst->axis4, src->axis4, nc * sizeof *dst->axis4);
    dst->class_mod = halo_xcalloc(nc + 1, sizeof *dst->class_mod);
    memcpy(dst->class_mod, src->class_mod, nc * sizeof *dst->class_mod);
    dst->class_res = halo_xcalloc(nc + 1, sizeof *dst->class_res);
    memcpy(dst->class_res, src->class_res, nc * sizeof *dst->class_res);
}

void place_ir_copy_state(place_ir *dst, const place_ir *src)
{
    for (int i = 0; i < src->n && i < dst->n; i++) {
        dst->items[i].orient = src->items[i].orient;
        dst->items[i].x = src->items[i].x;
        dst->items[i].y = src->items[i].y;
        dst->items[i].halo = src->items[i].halo;
    }
    for (int c = 0; c < src->nclasses && c < dst->nclasses; c++) dst->axis4[c] = src->axis4[c];
    dst->boundary = src->boundary;
    dst->placed = src->placed;
}

int place_find(const place_ir *ir, const char *name)
{
    for (int i = 0; i < ir->n; i++)
        if (strcmp(ir->items[i].name, name) == 0) return i;
    return -1;
}

/* ---------------------------------------------------------------- metrics */

double place_hpwl(const place_ir *ir)
{
    int64_t *lo_x = halo_xmalloc(((size_t)ir->nnets + 1) * 4 * sizeof *lo_x);
    int64_t *hi_x = lo_x + ir->nnets + 1, *lo_y = hi_x + ir->nnets + 1, *hi_y = lo_y + ir->nnets + 1;
    int *count = halo_xcalloc((size_t)ir->nnets + 1, sizeof *count);
    for (int i = 0; i < ir->n; i++) {
        const place_item *it = &ir->items[i];
        for (int p = 0; p < it->npins; p++) {
            int net = it->pins[p].net;
            int64_t x2, y2;
            place_pin_pos2(it, &it->pins[p], it->orient, it->x, it->y, &x2, &y2);
            if (count[net]++ == 0) {
                lo_x[net] = hi_x[net] = x2;
                lo_y[net] = hi_y[net] = y2;
                continue;
            }
            if (x2 < lo_x[net]) lo_x[net] = x2;
            if (x2 > hi_x[net]) hi_x[net] = x2;
            if (y2 < lo_y[net]) lo_y[net] = y2;
            if (y2 > hi_y[net]) hi_y[net] = y2;
        }
    }
    double sum2 = 0;
    for (int k = 0; k < ir->nnets; k++)
        if (count[k] >= 2) sum2 += (double)(hi_x[k] - lo_x[k] + hi_y[k] - lo_y[k]);
    free(lo_x);
    free(count);
    return sum2 / 2;
}

double place_device_area(const place_ir *ir)
{
    double a = 0;
    for (int i = 0; i < ir->n; i++) a += (double)ir->items[i].w * ir->items[i].h;
    return a;
}

double place_halo_area(const place_ir *ir)
{
    double a = 0;
    for (int i = 0; i < ir->n; i++) {
        lay_box b = ir->items[i].halo;
        a += (double)(b.x1 - b.x0) * (b.y1 - b.y0);
    }
    return a;
}

/* ---------------------------------------------------------------- checker */

static int box_inside(lay_box in, lay_box out)
{
    return in.x0 >= out.x0 && in.y0 >= out.y0 && in.x1 <= out.x1 && in.y1 <= out.y1;
}

static int box_overlap(lay_box a, lay_box b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

typedef struct check_log {
    int count;
    su_buf why;
} check_log;

static void violation(check_log *log, const char *fmt, const char *a, const char *b)
{
    if (log->count++ < 4) {
        char line[300];
        snprintf(line, sizeof line, fmt, a, b);
        su_buf_printf(&log->why, "%s%s", log->why.len ? "; " : "", line);
    }
}

/* The symmetry of item i with its partner (or the axis, alone). */
static void check_symmetry(const place_ir *ir, int i, check_log *log)
{
    const place_item *a = &ir->items[i];
    if (a->partner < 0 || a->partner < i) return;
    if (a->symclass < 0 || a->symclass >= ir->nclasses) {
        violation(log, "%s has a partner but no symmetry axis%s", a->name, "");
        return;
    }
    int64_t s = ir->axis4[a->symclass], ca = 2 * (int64_t)a->x + a->w;
    if (a->partner == i) {
        if (2 * ca != s) violation(log, "%s is not centred on its symmetry axis%s", a->name, "");
        return;
    }
    const place_item *b = &ir->items[a->partner];
    int64_t cb = 2 * (int64_t)b->x + b->w;
    if (ca + cb != s) violation(log, "%s and %s are not mirrored about their axis", a->name, b->name);
    if (a->y != b->y) violation(log, "%s and %s are not at the same y", a->name, b->name);
    if (b->orient != place_mirror_x(a->orient))
        violation(log, "%s and %s are not mirror-oriented", a->name, b->name);
}

int place_check(const place_ir *ir, char *why, size_t whylen)
{
    check_log log = {0, {0}};
    lay_box bound = ir->boundary;
    if (!ir->placed) violation(&log, "nothing is placed%s%s", "", "");
    else if (bound.x0 != 0 || bound.y0 != 0 || lay_box_empty(bound))
        violation(&log, "the boundary does not start at (0, 0)%s%s", "", "");
    for (int i = 0; ir->placed && i < ir->n; i++) {
        const place_item *it = &ir->items[i];
        if (!orient_allowed(it->orient)) violation(&log, "%s has orientation %s", it->name, lay_orient_name(it->orient));
        if (it->x % ir->grid != 0 || it->y % ir->grid != 0) violation(&log, "%s is off the placement grid%s", it->name, "");
        if (!box_inside(place_keepout_box(it), it->halo)) violation(&log, "%s leaves its halo%s", it->name, "");
        if (!box_inside(it->halo, bound)) violation(&log, "the halo of %s leaves the boundary%s", it->name, "");
        for (int j = i + 1; j < ir->n; j++)
            if (box_overlap(it->halo, ir->items[j].halo))
                violation(&log, "the halos of %s and %s overlap", it->name, ir->items[j].name);
        check_symmetry(ir, i, &log);
    }
    if (why && whylen) snprintf(why, whylen, "%s", log.why.s ? log.why.s : "");
    free(log.why.s);
    return log.count;
}

/* ---------------------------------------------------------------- moves */

/* Would item i be legal at (x, y) in orientation o?  Only the item's own
 * halo matters: halos are fixed and disjoint. */
static int fits(const place_ir *ir, int i, int64_t x, int64_t y, lay_orient o)
{
    const place_item *it = &ir->items[i];
    if (x % ir->grid != 0 || y % ir->grid != 0) return 0;
    int32_t k[4];
    place_keepout(it, o, k);
    return x - k[0] >= it->halo.x0 && y - k[1] >= it->halo.y0 && x + it->w + k[2] <= it->halo.x1 &&
           y + it->h + k[3] <= it->halo.y1;
}

int place_shift(place_ir *ir, int i, int32_t dx, int32_t dy)
{
    if (!ir->placed || i < 0 || i >= ir->n) return 0;
    place_item *a = &ir->items[i];
    int p = a->partner;
    if (p == i && dx != 0) return 0;   /* on the axis: only vertical moves */
    int64_t ax = (int64_t)a->x + dx, ay = (int64_t)a->y + dy;
    if (!fits(ir, i, ax, ay, a->orient)) return 0;
    if (p >= 0 && p != i) {
        place_item *b = &ir->items[p];
        if (!fits(ir, p, (int64_t)b->x - dx, (int64_t)b->y + dy, b->orient)) return 0;
        b->x -= dx;
        b->y += dy;
    }
    a->x = (int32_t)ax;
    a->y = (int32_t)ay;
    return 1;
}

int place_flip(place_ir *ir, int i, int flip_x)
{
    if (!ir->placed || i < 0 || i >= ir->n) return 0;
    place_item *a = &ir->items[i];
    lay_orient oa = flip_x ? place_mirror_x(a->orient) : place_mirror_y(a->orient);
    if (!fits(ir, i, a->x, a->y, oa)) return 0;
    int p = a->partner;
    if (p >= 0 && p != i) {
        place_item *b = &ir->items[p];
        lay_orient ob = flip_x ? place_mirror_x(b->orient) : place_mirror_y(b->orient);
        if (!fits(ir, p, b->x, b->y, ob)) return 0;
        b->orient = ob;
    }
    a->orient = oa;
    return 1;
}

/* ---------------------------------------------------------------- layout */

static void inst_origin(const place_item *it, int32_t *ox, int32_t *oy)
{
    lay_xform t = {it->orient, 0, 0};
    lay_box cb = lay_box_make(it->cell_x0, it->cell_y0, it->cell_x0 + it->w, it->cell_y0 + it->h);
    lay_box tb = lay_xform_box(&t, cb);
    *ox = it->x - tb.x0;
    *oy = it->y - tb.y0;
}

int place_apply(const place_ir *ir, lay_lib *lib, int top)
{
    if (top < 0 || top >= lib->ncells) return -1;
    lay_cell_clear(lib->cells[top]);
    for (int i = 0; i < ir->n; i++) {
        const place_item *it = &ir->items[i];
        int32_t ox, oy;
        inst_origin(it, &ox, &oy);
        if (lay_inst_add(lib, top, it->name, it->cell, ox, oy, it->orient) < 0) return -1;
    }
    return 0;
}

void place_apply_item(const place_ir *ir, lay_lib *lib, int top, int item)
{
    lay_cell *c = lib->cells[top];
    if (item < 0 || item >= c->ninsts || item >= ir->n) return;
    const place_item *it = &ir->items[item];
    lay_inst *in = &c->insts[item];
    inst_origin(it, &in->x, &in->y);
    in->orient = it->orient;
}
