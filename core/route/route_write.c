/*
 * route_write.c -- the routed shapes, written into a layout cell.
 *
 * Per net: each straight run of lattice edges on a layer becomes one
 * rectangle (the net's wire width, reaching half a width past its end
 * nodes so corners are square); each via its cut and its two pads; a node
 * a net visits on a layer without a wire there (a via stack, a route's
 * end) the layer's lone pad, squared up to the minimum area; each pin
 * access its via, met1 pad and met2 stub.  A shape that ends within a
 * spacing of the net's own plate (near, not touching) is stretched to
 * touch it: the lattice reserves that gap for the net.  Each port of the
 * design gets a pin named after it on one of its net's shapes.
 */
#include "route_int.h"

#include <stdlib.h>
#include <string.h>

enum { F_HX = 1, F_HY = 2, F_WIRE = 4, F_NODE = 8, F_RUNX = 16, F_RUNY = 32 };

typedef struct writer {
    const route_db *db;
    lay_cell *cell;
    int net;                  /* cell net index */
    const rt_net *rn;
    unsigned char *flags;     /* per node */
} writer;

static int boxes_overlap(lay_box a, lay_box b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/* Stretch s to touch a plate of the net's on the same layer when it is a
 * near miss facing it. */
static lay_box bridge(const writer *w, int l, lay_box s)
{
    for (int t = 0; t < w->rn->nterms; t++) {
        const rt_term *tm = &w->rn->terms[t];
        if (!tm->plate || tm->layer != l) continue;
        lay_box p = tm->box;
        int32_t sp = rt_plate_clear(&w->db->R, l, p);
        if (boxes_overlap(s, p) || !boxes_overlap(lay_box_grow(s, sp), p)) continue;
        /* the lattice allows this only where s lies within the plate's
         * span in x or y: stretch it straight across the gap */
        if (s.x0 >= p.x0 && s.x1 <= p.x1) {
            if (s.y1 <= p.y0) s.y1 = p.y0;
            else if (s.y0 >= p.y1) s.y0 = p.y1;
        } else if (s.y0 >= p.y0 && s.y1 <= p.y1) {
            if (s.x1 <= p.x0) s.x1 = p.x0;
            else if (s.x0 >= p.x1) s.x0 = p.x1;
        }
    }
    return s;
}

static void put(writer *w, int l, lay_box b)
{
    lay_rect_add(w->cell, w->db->R.layer[l], bridge(w, l, b), w->net);
}

static void put_cut(writer *w, int c, int32_t x, int32_t y)
{
    int32_t h = w->db->R.cut[c] / 2;
    lay_rect_add(w->cell, w->db->R.cut_layer[c], lay_box_make(x - h, y - h, x + h, y + h), w->net);
}

static int32_t wire_half(const writer *w, int l)
{
    return (w->rn->supply ? w->db->R.wide[l] : w->db->R.width[l]) / 2;
}

/* Flags of the net's nodes: edges to +x/+y, wire ends, visited. */
static void mark(writer *w)
{
    const route_db *db = w->db;
    int per = rt_nodes(db);
    for (int k = 0; k + 1 < w->rn->npath; k += 2) {
        int a = w->rn->path[k], b = w->rn->path[k + 1];
        w->flags[a] |= F_NODE;
        w->flags[b] |= F_NODE;
        if (abs(a - b) == per) continue;
        int lo = a < b ? a : b;
        w->flags[a] |= F_WIRE;
        w->flags[b] |= F_WIRE;
        w->flags[lo] |= abs(a - b) < db->nx ? F_HX : F_HY;
    }
}

/* Runs of edges from their first node. */
static void write_wires(writer *w)
{
    const route_db *db = w->db;
    const rt_net *n = w->rn;
    for (int k = 0; k < n->npath; k++) {
        int a = n->path[k], l, i, j;
        rt_node_ij(db, a, &l, &i, &j);
        int st = db->R.step[l];
        int32_t hw = wire_half(w, l);
        if ((w->flags[a] & (F_HX | F_RUNX)) == F_HX && (i - st < 0 || !(w->flags[a - st] & F_HX))) {
            int e = i;
            while (w->flags[rt_node(db, l, e, j)] & F_HX) e += st;
            put(w, l, lay_box_make(rt_x(db, i) - hw, rt_y(db, j) - hw, rt_x(db, e) + hw, rt_y(db, j) + hw));
            w->flags[a] |= F_RUNX;
        }
        if ((w->flags[a] & (F_HY | F_RUNY)) == F_HY && (j - st < 0 || !(w->flags[a - st * db->nx] & F_HY))) {
            int e = j;
            while (w->flags[rt_node(db, l, i, e)] & F_HY) e += st;
            put(w, l, lay_box_make(rt_x(db, i) - hw, rt_y(db, j) - hw, rt_x(db, i) + hw, rt_y(db, e) + hw));
            w->flags[a] |= F_RUNY;
        }
    }
}

static void write_vias(writer *w)
{
    const route_db *db = w->db;
    const rt_net *n = w->rn;
    int per = rt_nodes(db);
    for (int k = 0; k + 1 < n->npath; k += 2) {
        int a = n->path[k], b = n->path[k + 1];
        if (abs(a - b) != per) continue;
        int lo = a < b ? a : b, c, i, j;
        rt_node_ij(db, lo, &c, &i, &j);
        int32_t x = rt_x(db, i), y = rt_y(db, j);
        put_cut(w, c, x, y);
        /* a pad where the layer has a wire; the lone pad where it has none */
        put(w, c, rt_box_at(x, y, (w->flags[lo] & F_WIRE) ? db->R.pad_lo[c] : db->R.lone[c]));
        put(w, c + 1, rt_box_at(x, y, (w->flags[lo + per] & F_WIRE) ? db->R.pad_hi[c] : db->R.lone[c + 1]));
    }
}

static void write_access(writer *w, const rt_access *a)
{
    const rt_rules *R = &w->db->R;
    put_cut(w, 1, a->vx, a->vy);
    lay_rect_add(w->cell, R->layer[ROUTE_MET1], a->met1, w->net);
    put(w, ROUTE_MET2, a->met2);
}

/* A pin for a port: on the first access's met2 pad, else on the first
 * tree node inside a plate, else on the first terminal's own pin. */
static void write_port(writer *w, const char *name)
{
    const route_db *db = w->db;
    const rt_net *n = w->rn;
    for (int t = 0; t < n->nterms; t++)
        if (n->terms[t].has_access) {
            const rt_access *a = &n->terms[t].acc;
            lay_pin_add(w->cell, name, db->R.layer[ROUTE_MET2], rt_box_at(a->vx, a->vy, db->R.pad_hi[1]));
            return;
        }
    if (n->nterms > 0) lay_pin_add(w->cell, name, db->R.layer[n->terms[0].layer], n->terms[0].box);
}

int route_write(const route_db *db, lay_lib *lib, int top, halo_err *err)
{
    if (!db->have) return halo_err_set(err, HALO_E_RTE_STATE, NULL, 0, "No routing: run route first.");
    if (top < 0 || top >= lib->ncells) return halo_err_set(err, HALO_E_RTE_STATE, NULL, 0, "No cell to write the routing into.");
    lay_cell *c = lib->cells[top];
    lay_cell_clear_shapes(c);
    size_t nodes = (size_t)ROUTE_NLAYERS * rt_nodes(db);
    unsigned char *flags = calloc(nodes, 1);
    if (!flags) abort();
    for (int m = 0; m < db->nnets; m++) {
        const rt_net *n = &db->nets[m];
        writer w = {db, c, lay_net(c, db->net_names[m]), n, flags};
        mark(&w);
        write_wires(&w);
        write_vias(&w);
        for (int t = 0; t < n->nterms; t++)
            if (n->terms[t].has_access) write_access(&w, &n->terms[t].acc);
        for (int k = 0; k < n->npath; k++) flags[n->path[k]] = 0;
    }
    for (int p = 0; p < db->nports; p++) {
        int m = db->ports[p];
        if (m < 0 || m >= db->nnets || db->nets[m].nterms == 0) continue;
        writer w = {db, c, lay_net(c, db->net_names[m]), &db->nets[m], flags};
        write_port(&w, db->net_names[m]);
    }
    free(flags);
    return 0;
}
