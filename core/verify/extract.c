/*
 * extract.c -- layout-to-netlist extraction: conducting pieces, their
 * connectivity through shared edges, contacts and vias (union-find), net
 * names from top-level pins and labels, and the netlist.  Device
 * recognition is in extract_devices.c.  See extract.h.
 *
 * Connectivity follows the layer stack as Magic's sky130 tech reads it:
 * diffusion under poly is a channel, not a conductor (source and drain
 * are separate pieces); poly under the resistor marker is a resistor body;
 * a via3 landing on a MIM top plate (capm) joins capm to met4 and never
 * met3 (the dielectric lies between); a tap inside nwell is the well's
 * contact, a tap outside it contacts the substrate, one implicit node.
 */
#include "extract_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) abort();
    return q;
}

/* ---------------------------------------------------------------- geometry */

lay_box ext_intersect(lay_box a, lay_box b)
{
    lay_box r = {a.x0 > b.x0 ? a.x0 : b.x0, a.y0 > b.y0 ? a.y0 : b.y0,
                 a.x1 < b.x1 ? a.x1 : b.x1, a.y1 < b.y1 ? a.y1 : b.y1};
    return r;
}

int ext_overlaps(lay_box a, lay_box b)
{
    lay_box i = ext_intersect(a, b);
    return i.x1 > i.x0 && i.y1 > i.y0;
}

int ext_connects(lay_box a, lay_box b)
{
    lay_box i = ext_intersect(a, b);
    int64_t ix = (int64_t)i.x1 - i.x0, iy = (int64_t)i.y1 - i.y0;
    return (ix > 0 && iy >= 0) || (ix >= 0 && iy > 0);
}

int ext_touches(lay_box a, lay_box b)
{
    lay_box i = ext_intersect(a, b);
    return i.x1 >= i.x0 && i.y1 >= i.y0;
}

/* a minus b as up to 4 boxes (below, above, left, right); returns count. */
static int box_subtract(lay_box a, lay_box b, lay_box out[4])
{
    if (!ext_overlaps(a, b)) {
        out[0] = a;
        return 1;
    }
    int n = 0;
    lay_box i = ext_intersect(a, b);
    if (a.y0 < i.y0) out[n++] = (lay_box){a.x0, a.y0, a.x1, i.y0};
    if (i.y1 < a.y1) out[n++] = (lay_box){a.x0, i.y1, a.x1, a.y1};
    if (a.x0 < i.x0) out[n++] = (lay_box){a.x0, i.y0, i.x0, i.y1};
    if (i.x1 < a.x1) out[n++] = (lay_box){i.x1, i.y0, a.x1, i.y1};
    return n;
}

/* ---------------------------------------------------------------- union-find */

int ext_find(ext_ctx *x, int a)
{
    while (x->uf[a] != a) {
        x->uf[a] = x->uf[x->uf[a]];      /* path halving keeps it near-linear */
        a = x->uf[a];
    }
    return a;
}

void ext_union(ext_ctx *x, int a, int b)
{
    a = ext_find(x, a);
    b = ext_find(x, b);
    if (a == b) return;
    /* the lower node stays the root: net order then follows piece order */
    if (a < b) x->uf[b] = a;
    else x->uf[a] = b;
}

/* ---------------------------------------------------------------- layers */

static const char *const role_names[XR_NROLES] = {
    "nwell", "pwell", "diff", "tap", "poly", "licon1", "li1", "mcon", "met1", "via", "met2",
    "via2", "met3", "via3", "met4", "via4", "met5", "capm", "nsdm", "psdm", "lvtn", "hvtp",
    "rpm", "urpm", "polyres"};

/* Roles whose rectangles carry a net. */
static int role_conducts(int r)
{
    return r == XR_NWELL || (r >= XR_DIFF && r <= XR_CAPM);
}

static int role_of_layer(const ext_ctx *x, int layer)
{
    for (int r = 0; r < XR_NROLES; r++)
        if (x->role[r] == layer && layer >= 0) return r;
    return -1;
}

static int query(ext_ctx *x, int r, lay_box box)
{
    if (x->role[r] < 0) return 0;
    return flat_query(x->f, x->role[r], box, &x->q, &x->qcap);
}

int ext_layer_overlaps(ext_ctx *x, int r, lay_box box)
{
    int n = query(x, r, box);
    const lay_box *bx = r >= 0 && x->role[r] >= 0 ? x->f->layers[x->role[r]].boxes : NULL;
    for (int k = 0; k < n; k++)
        if (ext_overlaps(bx[x->q[k]], box)) return 1;
    return 0;
}

int ext_piece_overlapping(ext_ctx *x, int r, lay_box box)
{
    int n = query(x, r, box), best = -1;
    const int *ps = n ? x->piece_start[x->role[r]] : NULL;
    for (int k = 0; k < n; k++) {
        int i = x->q[k];
        for (int p = ps[i]; p < ps[i + 1]; p++)
            if (ext_overlaps(x->pc[p].b, box) && (best < 0 || p < best)) best = p;
    }
    return best;
}

/* ---------------------------------------------------------------- pieces */

static void piece_push(ext_ctx *x, lay_box b, int layer)
{
    if (x->npc == x->cappc) {
        x->cappc = x->cappc ? 2 * x->cappc : 256;
        x->pc = xrealloc(x->pc, (size_t)x->cappc * sizeof *x->pc);
    }
    x->pc[x->npc].b = b;
    x->pc[x->npc++].layer = layer;
}

/* Push rect b of layer minus every rectangle of role cutter overlapping it
 * (gates out of diffusion, resistor bodies out of poly). */
static void push_cut_pieces(ext_ctx *x, lay_box b, int layer, int cutter)
{
    int n = query(x, cutter, b);
    if (n == 0) {
        piece_push(x, b, layer);
        return;
    }
    const lay_box *cb = x->f->layers[x->role[cutter]].boxes;
    int *idx = xrealloc(NULL, (size_t)n * sizeof *idx);
    memcpy(idx, x->q, (size_t)n * sizeof *idx);
    /* fragments so far (cur) and after the next cutter (nxt); each cutter
     * turns a fragment into at most 4 */
    int ncur = 1, capcur = 4, capnxt = 4;
    lay_box *cur = xrealloc(NULL, (size_t)capcur * sizeof *cur);
    lay_box *nxt = xrealloc(NULL, (size_t)capnxt * sizeof *nxt);
    cur[0] = b;
    for (int k = 0; k < n && ncur > 0; k++) {
        if (capnxt < 4 * ncur) {
            capnxt = 4 * ncur;
            nxt = xrealloc(nxt, (size_t)capnxt * sizeof *nxt);
        }
        int nn = 0;
        for (int j = 0; j < ncur; j++) nn += box_subtract(cur[j], cb[idx[k]], nxt + nn);
        lay_box *t = cur;
        int tc = capcur;
        cur = nxt;
        capcur = capnxt;
        nxt = t;
        capnxt = tc;
        ncur = nn;
    }
    for (int j = 0; j < ncur; j++) piece_push(x, cur[j], layer);
    free(cur);
    free(nxt);
    free(idx);
}

static void build_pieces(ext_ctx *x)
{
    int nl = x->f->nlayers;
    x->piece_start = calloc((size_t)nl, sizeof *x->piece_start);
    if (!x->piece_start) abort();
    for (int l = 0; l < nl; l++) {
        int r = role_of_layer(x, l);
        if (r < 0 || !role_conducts(r)) continue;
        flat_layer *L = &x->f->layers[l];
        int *ps = xrealloc(NULL, (size_t)(L->n + 1) * sizeof *ps);
        for (int i = 0; i < L->n; i++) {
            ps[i] = x->npc;
            if (r == XR_DIFF) push_cut_pieces(x, L->boxes[i], l, XR_POLY);
            else if (r == XR_POLY) push_cut_pieces(x, L->boxes[i], l, XR_POLYRES);
            else piece_push(x, L->boxes[i], l);
        }
        ps[L->n] = x->npc;
        x->piece_start[l] = ps;
    }
    x->sub = x->npc;
    x->uf = xrealloc(NULL, (size_t)(x->npc + 1) * sizeof *x->uf);
    for (int i = 0; i <= x->npc; i++) x->uf[i] = i;
}

/* ---------------------------------------------------------------- connectivity */

/* Pieces of one layer that overlap or share an edge are one conductor. */
static void join_layer(ext_ctx *x, int l)
{
    flat_layer *L = &x->f->layers[l];
    const int *ps = x->piece_start[l];
    for (int i = 0; i < L->n; i++) {
        int n = flat_query(x->f, l, L->boxes[i], &x->q, &x->qcap);
        for (int k = 0; k < n; k++) {
            int j = x->q[k];
            if (j < i) continue;
            for (int a = ps[i]; a < ps[i + 1]; a++)
                for (int b = j == i ? a + 1 : ps[j]; b < ps[j + 1]; b++)
                    if (ext_connects(x->pc[a].b, x->pc[b].b)) ext_union(x, a, b);
        }
    }
}

/* Join cut piece c to every piece of role r it overlaps. */
static void join_cut_to(ext_ctx *x, int c, int r)
{
    if (x->role[r] < 0) return;
    lay_box cb = x->pc[c].b;
    int n = query(x, r, cb);
    const int *ps = x->piece_start[x->role[r]];
    for (int k = 0; k < n; k++) {
        int i = x->q[k];
        for (int p = ps[i]; p < ps[i + 1]; p++)
            if (ext_overlaps(x->pc[p].b, cb)) ext_union(x, c, p);
    }
}

static void join_cuts(ext_ctx *x, int cut, const int *targets, int nt)
{
    int l = x->role[cut];
    if (l < 0) return;
    const int *ps = x->piece_start[l];
    for (int i = 0; i < x->f->layers[l].n; i++) {
        int c = ps[i];
        int on_capm = cut == XR_VIA3 && ext_layer_overlaps(x, XR_CAPM, x->pc[c].b);
        for (int t = 0; t < nt; t++) {
            /* a via3 on a MIM top plate contacts capm, not the met3 below */
            int r = on_capm && targets[t] == XR_M3 ? XR_CAPM : targets[t];
            join_cut_to(x, c, r);
        }
    }
}

/* Taps: inside nwell they contact the well, outside it the substrate. */
static void join_taps(ext_ctx *x)
{
    int l = x->role[XR_TAP];
    if (l < 0) return;
    const int *ps = x->piece_start[l];
    for (int i = 0; i < x->f->layers[l].n; i++)
        for (int p = ps[i]; p < ps[i + 1]; p++) {
            int w = ext_piece_overlapping(x, XR_NWELL, x->pc[p].b);
            if (w >= 0) ext_union(x, p, w);
            else {
                ext_union(x, p, x->sub);
                x->sub_used = 1;
            }
        }
}

static void connect_all(ext_ctx *x)
{
    for (int l = 0; l < x->f->nlayers; l++)
        if (x->piece_start[l]) join_layer(x, l);
    static const int licon[] = {XR_POLY, XR_DIFF, XR_TAP, XR_LI}, mcon[] = {XR_LI, XR_M1},
                     via[] = {XR_M1, XR_M2}, via2[] = {XR_M2, XR_M3}, via3[] = {XR_M3, XR_M4},
                     via4[] = {XR_M4, XR_M5};
    join_cuts(x, XR_LICON, licon, 4);
    join_cuts(x, XR_MCON, mcon, 2);
    join_cuts(x, XR_VIA, via, 2);
    join_cuts(x, XR_VIA2, via2, 2);
    join_cuts(x, XR_VIA3, via3, 2);
    join_cuts(x, XR_VIA4, via4, 2);
    join_taps(x);
}

/* ---------------------------------------------------------------- labels */

/* What the naming pass learns: per node root its name (text index) and
 * the warnings, by node. */
typedef struct ext_naming {
    int *node_text;           /* per node: text that named it, -1 */
    char **node_name;         /* per node: name given, NULL */
    int *text_node;           /* per text: node it attached to, -1 */
    ext_warning *w;
    int nw, capw;
    int *w_node;              /* node per warning, -1 */
    su_map taken;             /* names given so far */
} ext_naming;

static void warn(ext_naming *nm, const char *code, int node, const char *msg)
{
    if (nm->nw == nm->capw) {
        nm->capw = nm->capw ? 2 * nm->capw : 8;
        nm->w = xrealloc(nm->w, (size_t)nm->capw * sizeof *nm->w);
        nm->w_node = xrealloc(nm->w_node, (size_t)nm->capw * sizeof *nm->w_node);
    }
    nm->w[nm->nw].code = su_strdup(code);
    nm->w[nm->nw].message = su_strdup(msg);
    nm->w[nm->nw].net = -1;
    nm->w_node[nm->nw++] = node;
}

/* The node a text sits on: the piece of its layer with the largest
 * overlap (a pin box), or any touching piece (a label point). */
static int text_node(ext_ctx *x, const flat_text *t)
{
    int r = role_of_layer(x, t->layer);
    if (r == XR_PWELL) {
        x->sub_used = 1;
        return x->sub;
    }
    if (r < 0 || !role_conducts(r)) return -1;
    int n = query(x, r, t->box), best = -1;
    int64_t best_area = -1;
    const int *ps = x->piece_start[t->layer];
    for (int k = 0; k < n; k++) {
        int i = x->q[k];
        for (int p = ps[i]; p < ps[i + 1]; p++) {
            if (!ext_touches(x->pc[p].b, t->box)) continue;
            lay_box in = ext_intersect(x->pc[p].b, t->box);
            int64_t area = (int64_t)(in.x1 - in.x0) * (in.y1 - in.y0);
            if (area > best_area || (area == best_area && p < best)) {
                best = p;
                best_area = area;
            }
        }
    }
    return best;
}

static int name_taken(ext_naming *nm, const char *name)
{
    return su_map_get(&nm->taken, name) >= 0;
}

static void give_name(ext_naming *nm, int root, char *name)
{
    nm->node_name[root] = name;
    su_map_put(&nm->taken, name, root);
}

/* A name not yet given: "VOUT#2", "VOUT#3" ... */
static char *split_name(ext_naming *nm, const char *base)
{
    char buf[256];
    for (int k = 2;; k++) {
        snprintf(buf, sizeof buf, "%s#%d", base, k);
        if (!name_taken(nm, buf)) return su_strdup(buf);
    }
}

static void name_nodes(ext_ctx *x, ext_naming *nm)
{
    lay_flat *f = x->f;
    char msg[512];
    for (int ti = 0; ti < f->ntexts; ti++) {
        const flat_text *t = &f->texts[ti];
        nm->text_node[ti] = -1;
        if (t->path[0] != '\0' || !t->text[0]) continue;    /* only the top cell names nets */
        double tx = t->box.x0 / 1000.0, ty = t->box.y0 / 1000.0;
        const char *lname = t->layer >= 0 && t->layer < f->nlayers ? f->lib->layers[t->layer].name : "?";
        int p = text_node(x, t);
        if (p < 0) {
            snprintf(msg, sizeof msg, "%s %s at (%.3f, %.3f) um on %s touches no shape of its layer",
                     t->is_pin ? "pin" : "label", t->text, tx, ty, lname);
            warn(nm, "pin_unconnected", -1, msg);
            continue;
        }
        int root = ext_find(x, p);
        nm->text_node[ti] = root;
        if (nm->node_name[root]) {
            const char *first = f->texts[nm->node_text[root]].text;
            if (su_casecmp(first, t->text) != 0) {
                snprintf(msg, sizeof msg, "one net is named both %s and %s (at (%.3f, %.3f) um on %s); kept %s",
                         nm->node_name[root], t->text, tx, ty, lname, nm->node_name[root]);
                warn(nm, "name_conflict", root, msg);
            }
            continue;
        }
        if (name_taken(nm, t->text)) {
            /* Netgen would silently merge the two pieces: keep them apart */
            give_name(nm, root, split_name(nm, t->text));
            snprintf(msg, sizeof msg, "%s labels two unconnected nets; the piece at (%.3f, %.3f) um on %s is %s",
                     t->text, tx, ty, lname, nm->node_name[root]);
            warn(nm, "label_split", root, msg);
        } else {
            give_name(nm, root, su_strdup(t->text));
        }
        nm->node_text[root] = ti;
    }
}

/* ---------------------------------------------------------------- nets */

/* Net of every node root: roots in piece order, the substrate last (when
 * anything uses it).  Returns the number of nets; node_net[root] filled. */
static int number_nets(ext_ctx *x, int *node_net)
{
    int nnets = 0;
    for (int i = 0; i <= x->sub; i++) node_net[i] = -1;
    for (int p = 0; p < x->npc; p++) {
        int r = ext_find(x, p);
        if (node_net[r] < 0) node_net[r] = nnets++;
    }
    int s = ext_find(x, x->sub);
    if (node_net[s] < 0 && x->sub_used) node_net[s] = nnets++;
    return nnets;
}

static void create_nets(ext_ctx *x, ext_naming *nm, const int *node_net, int nnets, netlist *nl)
{
    int *root_of = xrealloc(NULL, (size_t)(nnets ? nnets : 1) * sizeof *root_of);
    for (int i = 0; i <= x->sub; i++)
        if (node_net[i] >= 0) root_of[node_net[i]] = i;
    int k = 0;
    for (int n = 0; n < nnets; n++) {
        const char *name = nm->node_name[root_of[n]];
        char buf[32];
        if (!name) {
            do snprintf(buf, sizeof buf, "net%d", ++k);
            while (name_taken(nm, buf));
            name = buf;
        }
        netlist_net_get(nl, name);     /* index n: names are unique, created in order */
    }
    for (int ti = 0; ti < x->f->ntexts; ti++) {
        int root = nm->text_node[ti];
        if (root < 0 || nm->node_text[root] != ti) continue;   /* first label of its net */
        int net = node_net[root];
        if (net >= 0 && !nl->nets[net].external) {
            nl->nets[net].external = 1;
            nl->nets[net].role = netlist_guess_netrole(nl->nets[net].name, 1);
            netlist_add_port(nl, net);
        }
    }
    free(root_of);
}

/* ---------------------------------------------------------------- devices into the netlist */

static int cmp_dev_pos(const void *a, const void *b)
{
    const ext_dev *p = a, *q = b;
    if (p->prefix != q->prefix) return p->prefix == 'M' ? -1 : q->prefix == 'M' ? 1 : p->prefix - q->prefix;
    if (p->pos.y0 != q->pos.y0) return p->pos.y0 < q->pos.y0 ? -1 : 1;
    if (p->pos.x0 != q->pos.x0) return p->pos.x0 < q->pos.x0 ? -1 : 1;
    if (p->pos.y1 != q->pos.y1) return p->pos.y1 < q->pos.y1 ? -1 : 1;
    if (p->pos.x1 != q->pos.x1) return p->pos.x1 < q->pos.x1 ? -1 : 1;
    return strcmp(p->model, q->model);
}

static void add_devices(ext_ctx *x, const int *node_net, netlist *nl, ext_devgeom *geom)
{
    if (x->ndevs > 1) qsort(x->devs, (size_t)x->ndevs, sizeof *x->devs, cmp_dev_pos);
    int count[128] = {0};
    for (int i = 0; i < x->ndevs; i++) {
        ext_dev *d = &x->devs[i];
        char name[32];
        snprintf(name, sizeof name, "%c%d", d->prefix, ++count[(unsigned char)d->prefix]);
        int di = netlist_device_add(nl, name, d->type, 'X', d->model);
        netlist_device *nd = &nl->devs[di];
        nd->wmode = NETLIST_W_TOTAL;
        nd->nf = d->type == NL_NMOS || d->type == NL_PMOS ? d->nf : 1;
        netlist_param_set(nd, "W", d->w_um);
        netlist_param_set(nd, "L", d->l_um);
        if (d->type == NL_RES) netlist_param_set(nd, "R", d->r_ohm);
        for (int p = 0; p < d->npins; p++)
            netlist_device_add_pin(nl, di, d->roles[p], node_net[ext_find(x, d->node[p])]);
        geom[di] = d->geom;
    }
}

/* ---------------------------------------------------------------- driver */

static void fill_rect_nets(ext_ctx *x, const int *node_net, ext_result *res)
{
    res->nlayers = x->f->nlayers;
    res->rect_net = calloc((size_t)res->nlayers, sizeof *res->rect_net);
    if (!res->rect_net) abort();
    for (int l = 0; l < res->nlayers; l++) {
        int n = x->f->layers[l].n;
        int *rn = xrealloc(NULL, (size_t)(n ? n : 1) * sizeof *rn);
        const int *ps = x->piece_start[l];
        for (int i = 0; i < n; i++)
            /* a diffusion rectangle split by gates: the net of its first piece */
            rn[i] = ps && ps[i] < ps[i + 1] ? node_net[ext_find(x, ps[i])] : -1;
        res->rect_net[l] = rn;
    }
}

static void ctx_free(ext_ctx *x)
{
    if (x->piece_start)
        for (int l = 0; l < x->f->nlayers; l++) free(x->piece_start[l]);
    free(x->piece_start);
    free(x->pc);
    free(x->uf);
    free(x->q);
    free(x->devs);
}

static void naming_finish(ext_ctx *x, ext_naming *nm, const int *node_net, ext_result *res)
{
    for (int i = 0; i < nm->nw; i++)
        if (nm->w_node[i] >= 0) nm->w[i].net = node_net[ext_find(x, nm->w_node[i])];
    res->warnings = nm->w;
    res->nwarnings = nm->nw;
    for (int i = 0; i <= x->sub; i++) free(nm->node_name[i]);
    free(nm->node_name);
    free(nm->node_text);
    free(nm->text_node);
    free(nm->w_node);
    su_map_free(&nm->taken);
}

ext_result *extract_run(lay_flat *flat, const halo_tech *tech, const char *name, halo_err *err)
{
    if (!flat || !flat->lib || flat_layer_find(flat, "poly") < 0 || flat_layer_find(flat, "met1") < 0) {
        halo_err_set(err, HALO_E_DEV_STATE, NULL, 0,
                     "Extraction needs a layout whose layer table is the technology's (poly, met1 ...)");
        return NULL;
    }
    ext_ctx x = {0};
    x.f = flat;
    x.tech = tech;
    for (int r = 0; r < XR_NROLES; r++) x.role[r] = flat_layer_find(flat, role_names[r]);
    build_pieces(&x);
    connect_all(&x);
    ext_find_devices(&x);

    ext_naming nm = {0};
    nm.node_text = xrealloc(NULL, (size_t)(x.sub + 1) * sizeof *nm.node_text);
    nm.node_name = calloc((size_t)x.sub + 1, sizeof *nm.node_name);
    nm.text_node = xrealloc(NULL, (size_t)(flat->ntexts ? flat->ntexts : 1) * sizeof *nm.text_node);
    if (!nm.node_name) abort();
    for (int i = 0; i <= x.sub; i++) nm.node_text[i] = -1;
    su_map_init(&nm.taken, 1);   /* SPICE names ignore case */
    name_nodes(&x, &nm);

    int *node_net = xrealloc(NULL, (size_t)(x.sub + 1) * sizeof *node_net);
    int nnets = number_nets(&x, node_net);
    ext_result *res = calloc(1, sizeof *res);
    if (!res) abort();
    res->nl = netlist_new(name ? name : "");
    create_nets(&x, &nm, node_net, nnets, res->nl);
    res->geom = calloc((size_t)x.ndevs + 1, sizeof *res->geom);
    if (!res->geom) abort();
    add_devices(&x, node_net, res->nl, res->geom);
    fill_rect_nets(&x, node_net, res);
    naming_finish(&x, &nm, node_net, res);
    free(node_net);
    ctx_free(&x);
    return res;
}

void extract_free(ext_result *r)
{
    if (!r) return;
    netlist_free(r->nl);
    if (r->rect_net)
        for (int l = 0; l < r->nlayers; l++) free(r->rect_net[l]);
    free(r->rect_net);
    free(r->geom);
    for (int i = 0; i < r->nwarnings; i++) {
        free(r->warnings[i].code);
        free(r->warnings[i].message);
    }
    free(r->warnings);
    free(r);
}
