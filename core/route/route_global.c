/*
 * route_global.c -- global routing: each net's corridor through a coarse
 * grid of routing cells.
 *
 * A cell is gsize x gsize lattice nodes.  The capacity of the boundary
 * between two neighbouring cells is the number of lattice tracks that
 * cross it on the layers whose preferred direction crosses it, counting
 * only tracks no obstacle blocks.  A net's global tree grows like the
 * detailed one (Dijkstra from the tree to the nearest terminal cell); a
 * boundary's cost is one plus its history plus a penalty when it is full.
 * Negotiated congestion (PathFinder): after each round, boundaries used
 * beyond capacity raise their history, the penalty grows, and the nets
 * through them are ripped up and routed again, until nothing overflows or
 * the rounds run out.  The corridor handed to detailed routing is the
 * net's cells and their neighbours.
 */
#include "route_int.h"

#include <stdlib.h>
#include <string.h>

#define GCELL_NODES 8

typedef struct gnet {
    int *edges; int nedges, capedges;   /* boundary ids: 2*cell + (0 h, 1 v) */
    int *cells; int ncells;             /* terminal cells */
} gnet;

static int cell_of_node(const route_db *db, int node)
{
    int l, i, j;
    rt_node_ij(db, node, &l, &i, &j);
    return (j / db->gsize) * db->gnx + i / db->gsize;
}

static int track_open(const route_db *db, int l, int i, int j)
{
    if (i < 0 || j < 0 || i >= db->nx || j >= db->ny || !rt_on_layer(db, l, i, j)) return 0;
    return db->owner[rt_node(db, l, i, j)] != RT_BLOCKED;
}

static void capacities(route_db *db)
{
    int cells = db->gnx * db->gny, gs = db->gsize;
    for (int c = 0; c < cells; c++) {
        int gi = c % db->gnx, gj = c / db->gnx, h = 0, v = 0;
        for (int l = 0; l < ROUTE_NLAYERS; l++) {
            if (l == ROUTE_LI1) continue;   /* li1 is a last resort, not capacity */
            int ib = (gi + 1) * gs, jb = (gj + 1) * gs;
            for (int k = 0; k < gs; k++) {
                if (db->R.horizontal[l] && track_open(db, l, ib, gj * gs + k) && track_open(db, l, ib - 1, gj * gs + k))
                    h++;
                if (!db->R.horizontal[l] && track_open(db, l, gi * gs + k, jb) && track_open(db, l, gi * gs + k, jb - 1))
                    v++;
            }
            /* met3/met4 tracks sit on every second node: counted above only
             * where the node exists */
        }
        db->gcap_h[c] = gi + 1 < db->gnx ? (h > 0 ? h : 1) : 0;
        db->gcap_v[c] = gj + 1 < db->gny ? (v > 0 ? v : 1) : 0;
    }
}

static double edge_cost(const route_db *db, int e, double pres)
{
    int c = e / 2;
    int use = e % 2 ? db->guse_v[c] : db->guse_h[c], cap = e % 2 ? db->gcap_v[c] : db->gcap_h[c];
    double hist = e % 2 ? db->ghist_v[c] : db->ghist_h[c];
    double over = use + 1 > cap ? pres * (use + 1 - cap) : 0;
    return 1.0 + hist + over;
}

static void use_edges(route_db *db, const gnet *g, int delta)
{
    for (int k = 0; k < g->nedges; k++) {
        int e = g->edges[k];
        if (e % 2) db->guse_v[e / 2] += delta;
        else db->guse_h[e / 2] += delta;
    }
}

/* Dijkstra over cells from the tree (flag 1) to the nearest cell flagged
 * 2; appends the boundaries crossed.  Scratch arrays sized to the cells. */
typedef struct gscratch {
    double *dist;
    int *from, *via_edge;
    unsigned char *flag, *done;
} gscratch;

static void gheap_push(int *heap, int *n, const double *dist, int c)
{
    int k = (*n)++;
    while (k > 0 && dist[heap[(k - 1) / 2]] > dist[c]) {
        heap[k] = heap[(k - 1) / 2];
        k = (k - 1) / 2;
    }
    heap[k] = c;
}

static int gheap_pop(int *heap, int *n, const double *dist)
{
    int top = heap[0], last = heap[--(*n)], k = 0;
    for (;;) {
        int c = 2 * k + 1;
        if (c >= *n) break;
        if (c + 1 < *n && dist[heap[c + 1]] < dist[heap[c]]) c++;
        if (dist[heap[c]] >= dist[last]) break;
        heap[k] = heap[c];
        k = c;
    }
    if (*n > 0) heap[k] = last;
    return top;
}

static int gconnect(route_db *db, gscratch *s, gnet *g, double pres, int *heap)
{
    int cells = db->gnx * db->gny, nh = 0;
    for (int c = 0; c < cells; c++) {
        s->dist[c] = 1e300;
        s->done[c] = 0;
        if (s->flag[c] == 1) {
            s->dist[c] = 0;
            s->from[c] = -1;
            gheap_push(heap, &nh, s->dist, c);
        }
    }
    int hit = -1;
    while (nh > 0) {
        int c = gheap_pop(heap, &nh, s->dist);
        if (s->done[c]) continue;
        s->done[c] = 1;
        if (s->flag[c] == 2) {
            hit = c;
            break;
        }
        int gi = c % db->gnx, gj = c / db->gnx;
        int nb[4] = {gi + 1 < db->gnx ? c + 1 : -1, gi > 0 ? c - 1 : -1, gj + 1 < db->gny ? c + db->gnx : -1,
                     gj > 0 ? c - db->gnx : -1};
        int eid[4] = {2 * c, 2 * (c - 1), 2 * c + 1, 2 * (c - db->gnx) + 1};
        for (int k = 0; k < 4; k++) {
            if (nb[k] < 0 || s->done[nb[k]]) continue;
            double d = s->dist[c] + edge_cost(db, eid[k], pres);
            if (d < s->dist[nb[k]]) {
                s->dist[nb[k]] = d;
                s->from[nb[k]] = c;
                s->via_edge[nb[k]] = eid[k];
                gheap_push(heap, &nh, s->dist, nb[k]);
            }
        }
    }
    if (hit < 0) return 0;
    for (int c = hit; s->from[c] >= 0; c = s->from[c]) {
        if (g->nedges == g->capedges) {
            g->capedges = g->capedges ? 2 * g->capedges : 16;
            g->edges = realloc(g->edges, (size_t)g->capedges * sizeof *g->edges);
            if (!g->edges) abort();
        }
        g->edges[g->nedges++] = s->via_edge[c];
        s->flag[c] = 1;
    }
    s->flag[hit] = 1;
    return 1;
}

static void groute_net(route_db *db, gscratch *s, gnet *g, double pres, int *heap)
{
    int cells = db->gnx * db->gny;
    g->nedges = 0;
    if (g->ncells == 0) return;
    memset(s->flag, 0, (size_t)cells);
    s->flag[g->cells[0]] = 1;
    for (int k = 1; k < g->ncells; k++)
        if (!s->flag[g->cells[k]]) s->flag[g->cells[k]] = 2;
    for (;;) {
        int left = 0;
        for (int k = 0; k < g->ncells; k++) left |= s->flag[g->cells[k]] == 2;
        if (!left || !gconnect(db, s, g, pres, heap)) break;
    }
    use_edges(db, g, 1);
}

static int overflow_of(const route_db *db, int e)
{
    int c = e / 2;
    int use = e % 2 ? db->guse_v[c] : db->guse_h[c], cap = e % 2 ? db->gcap_v[c] : db->gcap_h[c];
    return use > cap ? use - cap : 0;
}

static int total_overflow(const route_db *db)
{
    int cells = db->gnx * db->gny, o = 0;
    for (int c = 0; c < cells; c++) {
        o += overflow_of(db, 2 * c);
        o += overflow_of(db, 2 * c + 1);
    }
    return o;
}

/* The corridor: the net's terminal cells, the cells its boundaries join,
 * and their neighbours. */
static void set_corridor(route_db *db, rt_net *net, const gnet *g)
{
    int cells = db->gnx * db->gny;
    unsigned char *on = calloc((size_t)cells, 1);
    if (!on) abort();
    for (int k = 0; k < g->ncells; k++) on[g->cells[k]] = 1;
    for (int k = 0; k < g->nedges; k++) {
        int c = g->edges[k] / 2;
        on[c] = 1;
        on[g->edges[k] % 2 ? c + db->gnx : c + 1] = 1;
    }
    free(net->corridor);
    net->corridor = calloc((size_t)cells, sizeof *net->corridor);
    if (!net->corridor) abort();
    for (int c = 0; c < cells; c++) {
        if (!on[c]) continue;
        int gi = c % db->gnx, gj = c / db->gnx;
        for (int dj = -1; dj <= 1; dj++)
            for (int di = -1; di <= 1; di++) {
                int i = gi + di, j = gj + dj;
                if (i >= 0 && j >= 0 && i < db->gnx && j < db->gny) net->corridor[j * db->gnx + i] = 1;
            }
    }
    free(on);
}

static void ensure_grid(route_db *db)
{
    if (db->gcap_h) return;
    db->gsize = GCELL_NODES;
    db->gnx = (db->nx + db->gsize - 1) / db->gsize;
    db->gny = (db->ny + db->gsize - 1) / db->gsize;
    size_t cells = (size_t)db->gnx * db->gny;
    db->gcap_h = calloc(cells, sizeof *db->gcap_h);
    db->gcap_v = calloc(cells, sizeof *db->gcap_v);
    db->guse_h = calloc(cells, sizeof *db->guse_h);
    db->guse_v = calloc(cells, sizeof *db->guse_v);
    db->ghist_h = calloc(cells, sizeof *db->ghist_h);
    db->ghist_v = calloc(cells, sizeof *db->ghist_v);
    if (!db->gcap_h || !db->gcap_v || !db->guse_h || !db->guse_v || !db->ghist_h || !db->ghist_v) abort();
}

/* Usage of the nets not being routed: their detailed trees' cell
 * crossings. */
static void usage_of_kept(route_db *db, const unsigned char *routing)
{
    size_t cells = (size_t)db->gnx * db->gny;
    memset(db->guse_h, 0, cells * sizeof *db->guse_h);
    memset(db->guse_v, 0, cells * sizeof *db->guse_v);
    int per = rt_nodes(db);
    for (int m = 0; m < db->nnets; m++) {
        const rt_net *n = &db->nets[m];
        if (routing[m] || !n->routed) continue;
        for (int k = 0; k + 1 < n->npath; k += 2) {
            int a = n->path[k], b = n->path[k + 1];
            if (abs(a - b) == per) continue;
            int ca = cell_of_node(db, a), cb = cell_of_node(db, b);
            if (ca == cb) continue;
            int lo = ca < cb ? ca : cb;
            if (abs(ca - cb) == 1) db->guse_h[lo]++;
            else db->guse_v[lo]++;
        }
    }
}

int rt_global_route(route_db *db, const int *nets, int count, const route_opts *o)
{
    ensure_grid(db);
    capacities(db);
    int cells = db->gnx * db->gny;
    memset(db->ghist_h, 0, (size_t)cells * sizeof *db->ghist_h);
    memset(db->ghist_v, 0, (size_t)cells * sizeof *db->ghist_v);
    unsigned char *routing = calloc((size_t)db->nnets + 1, 1);
    gnet *g = calloc((size_t)count + 1, sizeof *g);
    gscratch s;
    s.dist = malloc((size_t)cells * sizeof *s.dist);
    s.from = malloc((size_t)cells * sizeof *s.from);
    s.via_edge = malloc((size_t)cells * sizeof *s.via_edge);
    s.flag = malloc((size_t)cells);
    s.done = malloc((size_t)cells);
    int *heap = malloc((size_t)(8 * cells + 8) * sizeof *heap);
    if (!routing || !g || !s.dist || !s.from || !s.via_edge || !s.flag || !s.done || !heap) abort();
    for (int k = 0; k < count; k++) routing[nets[k]] = 1;
    usage_of_kept(db, routing);
    for (int k = 0; k < count; k++) {
        const rt_net *n = &db->nets[nets[k]];
        g[k].cells = malloc((size_t)(n->nterms + 1) * sizeof *g[k].cells);
        if (!g[k].cells) abort();
        for (int t = 0; t < n->nterms; t++)
            if (n->terms[t].nnodes > 0) g[k].cells[g[k].ncells++] = cell_of_node(db, n->terms[t].nodes[0]);
    }
    double pres = 1.0;
    for (int k = 0; k < count; k++) groute_net(db, &s, &g[k], pres, heap);
    int over = total_overflow(db);
    for (int round = 1; round < o->global_iterations && over > 0; round++) {
        for (int c = 0; c < cells; c++) {
            db->ghist_h[c] += overflow_of(db, 2 * c);
            db->ghist_v[c] += overflow_of(db, 2 * c + 1);
        }
        pres *= 2;
        for (int k = 0; k < count; k++) {
            int crosses = 0;
            for (int e = 0; e < g[k].nedges && !crosses; e++) crosses = overflow_of(db, g[k].edges[e]) > 0;
            if (!crosses) continue;
            use_edges(db, &g[k], -1);
            groute_net(db, &s, &g[k], pres, heap);
        }
        over = total_overflow(db);
    }
    for (int k = 0; k < count; k++) {
        set_corridor(db, &db->nets[nets[k]], &g[k]);
        free(g[k].edges);
        free(g[k].cells);
    }
    free(g);
    free(routing);
    free(s.dist);
    free(s.from);
    free(s.via_edge);
    free(s.flag);
    free(s.done);
    free(heap);
    return over;
}
