/*
 * extract_devices.c -- device recognition for extract.c: MOS transistors
 * (gate = poly AND diff, fingers merged as Netgen merges them), MIM
 * capacitors (capm) and precision poly resistors (poly under the polyres
 * marker in rpm or urpm).  See extract.h and extract_int.h.
 */
#include "extract_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Magic's sky130 tech reads a resistor's contact head as the poly outside
 * the polyres marker grown 60 nm back into it (cifinput xpolyterm); the
 * body between the heads is therefore the marker less 60 nm at each end. */
#define RES_HEAD_SURROUND_NM 60

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) abort();
    return q;
}

/* ---------------------------------------------------------------- regions */

/* A connected region of merged slabs: bounding box, area, first slab. */
typedef struct ext_region {
    lay_box bb;
    int64_t area;
    int first, n;             /* slabs first .. first+n-1 of the sorted list */
} ext_region;

static int find_root(int *p, int a)
{
    while (p[a] != a) {
        p[a] = p[p[a]];
        a = p[a];
    }
    return a;
}

/* Group the slabs (sorted by y0 as flat_merge gives them) into connected
 * regions; slabs are reordered so each region's slabs are contiguous.
 * Returns the region count, *out malloc'ed. */
static int group_regions(lay_box *slabs, int n, ext_region **out)
{
    *out = NULL;
    if (n == 0) return 0;
    int *p = xrealloc(NULL, (size_t)n * sizeof *p);
    for (int i = 0; i < n; i++) p[i] = i;
    /* slabs sorted by y0: only those starting at or below i's top can meet i */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n && slabs[j].y0 <= slabs[i].y1; j++)
            if (ext_connects(slabs[i], slabs[j])) {
                int a = find_root(p, i), b = find_root(p, j);
                if (a != b) p[a > b ? a : b] = a < b ? a : b;
            }
    /* regions in order of their lowest slab */
    int *rid = xrealloc(NULL, (size_t)n * sizeof *rid), nr = 0;
    for (int i = 0; i < n; i++) rid[i] = find_root(p, i) == i ? nr++ : -1;
    ext_region *R = calloc((size_t)nr, sizeof *R);
    lay_box *sorted = xrealloc(NULL, (size_t)n * sizeof *sorted);
    if (!R) abort();
    for (int i = 0; i < n; i++) R[rid[find_root(p, i)]].n++;
    for (int r = 1; r < nr; r++) R[r].first = R[r - 1].first + R[r - 1].n;
    for (int r = 0; r < nr; r++) R[r].n = 0;
    for (int i = 0; i < n; i++) {
        ext_region *g = &R[rid[find_root(p, i)]];
        sorted[g->first + g->n++] = slabs[i];
        g->bb = g->n == 1 ? slabs[i] : lay_box_union(g->bb, slabs[i]);
        g->area += (int64_t)(slabs[i].x1 - slabs[i].x0) * (slabs[i].y1 - slabs[i].y0);
    }
    memcpy(slabs, sorted, (size_t)n * sizeof *slabs);
    free(sorted);
    free(rid);
    free(p);
    *out = R;
    return nr;
}

/* The intersections of every rectangle of role a with those of role b,
 * merged into slabs and grouped into regions. */
static int and_regions(ext_ctx *x, int ra, int rb, lay_box **slabs, ext_region **regs)
{
    *slabs = NULL;
    *regs = NULL;
    if (x->role[ra] < 0 || x->role[rb] < 0) return 0;
    flat_layer *A = &x->f->layers[x->role[ra]];
    const lay_box *bb = x->f->layers[x->role[rb]].boxes;
    lay_box *raw = NULL;
    int n = 0, cap = 0;
    for (int i = 0; i < A->n; i++) {
        int m = flat_query(x->f, x->role[rb], A->boxes[i], &x->q, &x->qcap);
        for (int k = 0; k < m; k++) {
            if (!ext_overlaps(A->boxes[i], bb[x->q[k]])) continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                raw = xrealloc(raw, (size_t)cap * sizeof *raw);
            }
            raw[n++] = ext_intersect(A->boxes[i], bb[x->q[k]]);
        }
    }
    int ns = flat_merge(raw, n, slabs);
    free(raw);
    return group_regions(*slabs, ns, regs);
}

/* ---------------------------------------------------------------- sides */

enum { SIDE_LEFT, SIDE_RIGHT, SIDE_BOTTOM, SIDE_TOP };

/* Which side of bb piece p abuts (shares a stretch of bb's edge), -1. */
static int side_of(lay_box p, lay_box bb)
{
    int yo = p.y0 < bb.y1 && p.y1 > bb.y0, xo = p.x0 < bb.x1 && p.x1 > bb.x0;
    if (yo && p.x1 == bb.x0) return SIDE_LEFT;
    if (yo && p.x0 == bb.x1) return SIDE_RIGHT;
    if (xo && p.y1 == bb.y0) return SIDE_BOTTOM;
    if (xo && p.y0 == bb.y1) return SIDE_TOP;
    return -1;
}

/* Pieces of role r abutting bb on each side: the lowest piece per side in
 * first[] (-1 when none); when list is given, every abutting piece with its
 * side is appended (piece, side pairs). */
static void scan_sides(ext_ctx *x, int r, lay_box bb, int first[4], int **list, int *nlist, int *cap)
{
    for (int s = 0; s < 4; s++) first[s] = -1;
    if (x->role[r] < 0) return;
    int n = flat_query(x->f, x->role[r], bb, &x->q, &x->qcap);
    const int *ps = x->piece_start[x->role[r]];
    for (int k = 0; k < n; k++) {
        int i = x->q[k];
        for (int p = ps[i]; p < ps[i + 1]; p++) {
            int s = side_of(x->pc[p].b, bb);
            if (s < 0) continue;
            if (first[s] < 0 || p < first[s]) first[s] = p;
            if (!list) continue;
            if (*nlist + 2 > *cap) {
                *cap = *cap ? 2 * *cap : 32;
                *list = xrealloc(*list, (size_t)*cap * sizeof **list);
            }
            (*list)[(*nlist)++] = p;
            (*list)[(*nlist)++] = s;
        }
    }
}

/* The two terminals across a region: current along x when something abuts
 * the left or right edge, else along y.  a/b are nodes (-1 when that side
 * has nothing); returns 1 for current along x. */
static int terminals(ext_ctx *x, int r, lay_box bb, int *a, int *b)
{
    int first[4];
    scan_sides(x, r, bb, first, NULL, NULL, NULL);
    int horiz = first[SIDE_LEFT] >= 0 || first[SIDE_RIGHT] >= 0;
    int pa = horiz ? first[SIDE_LEFT] : first[SIDE_BOTTOM], pb = horiz ? first[SIDE_RIGHT] : first[SIDE_TOP];
    *a = pa >= 0 ? ext_find(x, pa) : -1;
    *b = pb >= 0 ? ext_find(x, pb) : -1;
    /* one-sided: both terminals on the one diffusion there is */
    if (*a < 0) *a = *b;
    if (*b < 0) *b = *a;
    return horiz;
}

/* The well under a box: the nwell node, or the substrate. */
static int bulk_node(ext_ctx *x, lay_box b, int *in_nwell)
{
    int w = ext_piece_overlapping(x, XR_NWELL, b);
    *in_nwell = w >= 0;
    if (w >= 0) return w;
    x->sub_used = 1;
    return x->sub;
}

static ext_dev *dev_push(ext_ctx *x)
{
    if (x->ndevs == x->capdevs) {
        x->capdevs = x->capdevs ? 2 * x->capdevs : 16;
        x->devs = xrealloc(x->devs, (size_t)x->capdevs * sizeof *x->devs);
    }
    ext_dev *d = &x->devs[x->ndevs++];
    memset(d, 0, sizeof *d);
    return d;
}

static void set_model(const halo_tech *tech, const char *dev, char *out, size_t len)
{
    const tech_device *td = tech ? tech_find_device(tech, dev) : NULL;
    if (td) snprintf(out, len, "%s", td->model);
    else snprintf(out, len, "sky130_fd_pr__%s", dev);
}

/* ---------------------------------------------------------------- MOS */

typedef struct ext_finger {
    lay_box bb;
    int32_t l;                /* nm along the current */
    double w;                 /* nm across it */
    int g, b, sa, sb;         /* nodes: gate, bulk, the two sides */
    int horiz;
    char dev[32];             /* "nfet_01v8" ... */
} ext_finger;

/* Order of fingers: by transistor (device, L, gate, bulk, the S/D pair
 * either way round), then by position, so each transistor's fingers form
 * one run led by its lowest finger. */
static int cmp_finger(const void *a, const void *b)
{
    const ext_finger *p = a, *q = b;
    int c = strcmp(p->dev, q->dev);
    if (c) return c;
    int kp[5] = {p->l, p->g, p->b, p->sa < p->sb ? p->sa : p->sb, p->sa < p->sb ? p->sb : p->sa};
    int kq[5] = {q->l, q->g, q->b, q->sa < q->sb ? q->sa : q->sb, q->sa < q->sb ? q->sb : q->sa};
    for (int i = 0; i < 5; i++)
        if (kp[i] != kq[i]) return kp[i] < kq[i] ? -1 : 1;
    if (p->bb.y0 != q->bb.y0) return p->bb.y0 < q->bb.y0 ? -1 : 1;
    if (p->bb.x0 != q->bb.x0) return p->bb.x0 < q->bb.x0 ? -1 : 1;
    return 0;
}

/* One gate region as a finger; 0 when it has no gate poly or diffusion. */
static int make_finger(ext_ctx *x, const ext_region *g, ext_finger *f)
{
    memset(f, 0, sizeof *f);
    f->bb = g->bb;
    int gp = ext_piece_overlapping(x, XR_POLY, g->bb);
    if (gp < 0) return 0;
    f->g = ext_find(x, gp);
    f->horiz = terminals(x, XR_DIFF, g->bb, &f->sa, &f->sb);
    if (f->sa < 0) return 0;
    f->l = f->horiz ? g->bb.x1 - g->bb.x0 : g->bb.y1 - g->bb.y0;
    f->w = (double)g->area / f->l;
    int pmos;
    f->b = ext_find(x, bulk_node(x, g->bb, &pmos));
    const char *vt = "";
    if (ext_layer_overlaps(x, XR_LVTN, g->bb)) vt = "_lvt";
    else if (pmos && ext_layer_overlaps(x, XR_HVTP, g->bb)) vt = "_hvt";
    snprintf(f->dev, sizeof f->dev, "%s_01v8%s", pmos ? "pfet" : "nfet", vt);
    return 1;
}

/* Fingers of one transistor: same device, L, gate, bulk and S/D pair
 * (either way round: interdigitated fingers alternate S and D). */
static int same_transistor(const ext_finger *a, const ext_finger *b)
{
    if (strcmp(a->dev, b->dev) != 0 || a->l != b->l || a->g != b->g || a->b != b->b) return 0;
    return (a->sa == b->sa && a->sb == b->sb) || (a->sa == b->sb && a->sb == b->sa);
}

/* Perimeter of the union of non-overlapping slabs (flat_merge output):
 * slab perimeters less twice every shared edge. */
static int64_t slab_perimeter(const lay_box *s, int n)
{
    int64_t p = 0;
    for (int i = 0; i < n; i++) {
        p += 2 * ((int64_t)(s[i].x1 - s[i].x0) + (s[i].y1 - s[i].y0));
        for (int j = i + 1; j < n && s[j].y0 <= s[i].y1; j++) {
            lay_box c = ext_intersect(s[i], s[j]);
            if (c.x1 > c.x0 && c.y1 == c.y0) p -= 2 * (int64_t)(c.x1 - c.x0);
            if (c.y1 > c.y0 && c.x1 == c.x0) p -= 2 * (int64_t)(c.y1 - c.y0);
        }
    }
    return p;
}

/* Area and perimeter of the diffusion of terminal node t next to the
 * fingers fs; the gate edges are not counted in the perimeter
 * (they are the channel's, not the junction's sidewall to field). */
static void sd_geometry(ext_ctx *x, const ext_finger *fs, int nf, int t, double *area, double *perim)
{
    int *list = NULL, nlist = 0, cap = 0, first[4];
    double gate_edges = 0;
    for (int i = 0; i < nf; i++) {
        int from = nlist;
        scan_sides(x, XR_DIFF, fs[i].bb, first, &list, &nlist, &cap);
        int keep = from;
        for (int k = from; k < nlist; k += 2) {
            int p = list[k], s = list[k + 1];
            int along = fs[i].horiz ? (s == SIDE_LEFT || s == SIDE_RIGHT) : (s == SIDE_BOTTOM || s == SIDE_TOP);
            if (!along || ext_find(x, p) != t) continue;
            list[keep++] = p;
            list[keep++] = s;
        }
        nlist = keep;
        if (fs[i].sa == t) gate_edges += fs[i].w;
        if (fs[i].sb == t) gate_edges += fs[i].w;
    }
    lay_box *boxes = xrealloc(NULL, (size_t)(nlist / 2 + 1) * sizeof *boxes);
    int nb = 0;
    for (int k = 0; k < nlist; k += 2) boxes[nb++] = x->pc[list[k]].b;   /* duplicates merge away */
    lay_box *slabs = NULL;
    int ns = flat_merge(boxes, nb, &slabs);
    *area = (double)flat_area(slabs, ns) * 1e-6;
    double p = (double)slab_perimeter(slabs, ns) - gate_edges;
    *perim = (p > 0 ? p : 0) * 1e-3;
    free(slabs);
    free(boxes);
    free(list);
}

/* One transistor from its run of fingers fs[0..nf-1], fs[0] the lowest. */
static void emit_mos(ext_ctx *x, const ext_finger *fs, int nf)
{
    const ext_finger *f = &fs[0];
    ext_dev *d = dev_push(x);
    d->prefix = 'M';
    d->type = strncmp(f->dev, "pfet", 4) == 0 ? NL_PMOS : NL_NMOS;
    set_model(x->tech, f->dev, d->model, sizeof d->model);
    /* the lowest finger's left (or lower) side is the source, as the
     * generators draw it (columns S, D, S ... from the left) */
    int s = f->sa, dn = f->sb;
    static const char *const roles[] = {"D", "G", "S", "B"};
    int nodes[] = {dn, f->g, s, f->b};
    for (int i = 0; i < 4; i++) {
        d->roles[i] = roles[i];
        d->node[i] = nodes[i];
    }
    d->npins = 4;
    double w = 0;
    for (int i = 0; i < nf; i++) w += fs[i].w;
    d->w_um = w * 1e-3;
    d->l_um = f->l * 1e-3;
    d->nf = nf;
    d->pos = f->bb;
    sd_geometry(x, fs, nf, dn, &d->geom.ad, &d->geom.pd);
    sd_geometry(x, fs, nf, s, &d->geom.as, &d->geom.ps);
}

static void find_mos(ext_ctx *x)
{
    lay_box *slabs;
    ext_region *regs;
    int nr = and_regions(x, XR_DIFF, XR_POLY, &slabs, &regs);
    ext_finger *fs = xrealloc(NULL, (size_t)(nr ? nr : 1) * sizeof *fs);
    int nf = 0;
    for (int i = 0; i < nr; i++)
        if (make_finger(x, &regs[i], &fs[nf])) nf++;
    if (nf > 1) qsort(fs, (size_t)nf, sizeof *fs, cmp_finger);
    for (int i = 0, j; i < nf; i = j) {
        for (j = i + 1; j < nf && same_transistor(&fs[i], &fs[j]); j++) {}
        emit_mos(x, fs + i, j - i);
    }
    free(fs);
    free(slabs);
    free(regs);
}

/* ---------------------------------------------------------------- MIM capacitors */

static void find_caps(ext_ctx *x)
{
    if (x->role[XR_CAPM] < 0) return;
    flat_layer *C = &x->f->layers[x->role[XR_CAPM]];
    lay_box *slabs = NULL;
    ext_region *regs = NULL;
    int ns = flat_merge(C->boxes, C->n, &slabs);
    int nr = group_regions(slabs, ns, &regs);
    for (int i = 0; i < nr; i++) {
        lay_box bb = regs[i].bb;
        int p = ext_piece_overlapping(x, XR_CAPM, slabs[regs[i].first]);
        int m3 = ext_piece_overlapping(x, XR_M3, slabs[regs[i].first]);
        if (p < 0 || m3 < 0) continue;      /* no bottom plate: not a capacitor */
        ext_dev *d = dev_push(x);
        d->prefix = 'C';
        d->type = NL_CAP;
        set_model(x->tech, "cap_mim_m3_1", d->model, sizeof d->model);
        d->roles[0] = "P";
        d->node[0] = p;
        d->roles[1] = "N";
        d->node[1] = m3;
        d->npins = 2;
        /* W along x, L along y, as Magic reports the plate */
        d->w_um = (bb.x1 - bb.x0) * 1e-3;
        d->l_um = (double)regs[i].area / (bb.x1 - bb.x0) * 1e-3;
        d->pos = bb;
    }
    free(slabs);
    free(regs);
}

/* ---------------------------------------------------------------- poly resistors */

static void emit_res(ext_ctx *x, const ext_region *g, int a, int b, int horiz, const char *dev, int heads_grown)
{
    lay_box bb = g->bb;
    int32_t along = horiz ? bb.x1 - bb.x0 : bb.y1 - bb.y0;
    double w = (double)g->area / along;
    if (heads_grown) along -= 2 * RES_HEAD_SURROUND_NM;
    if (along <= 0) return;
    ext_dev *d = dev_push(x);
    d->prefix = 'R';
    d->type = NL_RES;
    set_model(x->tech, dev, d->model, sizeof d->model);
    const tech_device *td = x->tech ? tech_find_device(x->tech, dev) : NULL;
    int in_nwell;
    static const char *const roles[] = {"P", "N", "B"};
    int nodes[] = {a, b, bulk_node(x, bb, &in_nwell)};
    for (int i = 0; i < 3; i++) {
        d->roles[i] = roles[i];
        d->node[i] = nodes[i];
    }
    d->npins = 3;
    d->w_um = w * 1e-3;
    d->l_um = along * 1e-3;
    d->r_ohm = td ? td->sheet_ohm * along / w + td->end_ohm : 0;
    d->pos = bb;
}

static void find_resistors(ext_ctx *x)
{
    lay_box *slabs;
    ext_region *regs;
    int nr = and_regions(x, XR_POLY, XR_POLYRES, &slabs, &regs);
    for (int i = 0; i < nr; i++) {
        int a, b;
        int horiz = terminals(x, XR_POLY, regs[i].bb, &a, &b);
        if (a < 0) continue;                /* no contact head: not a device */
        const char *dev = "res_generic_po";
        if (ext_layer_overlaps(x, XR_URPM, regs[i].bb)) dev = "res_xhigh_po";
        else if (ext_layer_overlaps(x, XR_RPM, regs[i].bb)) dev = "res_high_po";
        emit_res(x, &regs[i], a, b, horiz, dev, strcmp(dev, "res_generic_po") != 0);
    }
    free(slabs);
    free(regs);
}

void ext_find_devices(ext_ctx *x)
{
    find_mos(x);
    find_caps(x);
    find_resistors(x);
}
