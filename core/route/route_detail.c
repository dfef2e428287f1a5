/*
 * route_detail.c -- detailed routing: A* on the routing lattice.
 *
 * A net's tree grows one terminal at a time (the nearest unconnected one
 * first): every node already on the tree is a source at cost zero, the
 * terminal's entry nodes are the targets, so later connections branch off
 * anywhere on the tree (Steiner points come for free).  Costs per nm
 * follow the layer (li1 dear, met2/met3 cheap), triple against the
 * layer's preferred direction, plus a fixed cost per via; the heuristic is
 * the Manhattan distance to the target's bounding box at the cheapest
 * rate, so it never overestimates; it is weighted by 1 + 1/1000, which
 * breaks the many ties of a lattice towards the deeper node (far fewer
 * expansions) and keeps every path within 0.1% of the cheapest.
 *
 * The search stays inside the net's global corridor when it has one and
 * retries without it.  When a net still fails, a second search that may
 * cross other nets' routes (at a high price) names the nets in the way;
 * they are ripped up, the failed net is routed, and they are queued again.
 */
#include "route_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The open list: halo_minheap, with no way on when memory runs out (as
 * every other allocation of the router). */
static void q_push(route_db *db, int node, double key)
{
    if (halo_minheap_push(&db->queue, key, node)) abort();
}

/* ---------------------------------------------------------------- search */

typedef struct search {
    route_db *db;
    rt_net *net;
    int use_corridor;
    int soft;                 /* may cross other nets' routes, at a price */
    lay_box target;           /* bounding box of the target nodes (x, y) */
    double min_cost;
} search;

#define CROSS_PENALTY 50.0    /* per crossed node of another net, in pitches */
#define H_WEIGHT 1.001        /* heuristic weight: tie-breaking */

static int in_corridor(const search *s, int i, int j)
{
    const route_db *db = s->db;
    if (!s->use_corridor || !s->net->corridor) return 1;
    return s->net->corridor[(j / db->gsize) * db->gnx + i / db->gsize];
}

static int node_ok(const search *s, int n)
{
    const route_db *db = s->db;
    int o = db->owner[n];
    if (o != RT_FREE && o != s->net->index) return 0;
    int c = db->occ[n];
    return c < 0 || c == s->net->index || s->soft;
}

static double crossing(const search *s, int n)
{
    int c = s->db->occ[n];
    return s->soft && c >= 0 && c != s->net->index ? CROSS_PENALTY * s->db->R.pitch : 0;
}

static double heuristic(const search *s, int i, int j)
{
    const route_db *db = s->db;
    int32_t x = rt_x(db, i), y = rt_y(db, j);
    double dx = x < s->target.x0 ? s->target.x0 - x : x > s->target.x1 ? x - s->target.x1 : 0;
    double dy = y < s->target.y0 ? s->target.y0 - y : y > s->target.y1 ? y - s->target.y1 : 0;
    return (dx + dy) * s->min_cost;
}

static void relax(search *s, int from, int to, double step_cost)
{
    route_db *db = s->db;
    double g = db->g[from] + step_cost + crossing(s, to);
    if (db->stamp[to] == db->cur_stamp && db->g[to] <= g) return;
    db->stamp[to] = db->cur_stamp;
    db->g[to] = g;
    db->from[to] = from;
    int l, i, j;
    rt_node_ij(db, to, &l, &i, &j);
    q_push(db, to, g + H_WEIGHT * heuristic(s, i, j));
}

/* Edge from node n (layer l, i, j) to the neighbour d steps away along
 * dir (0 x, 1 y); the edge owner sits at the lower node. */
static void expand_wire(search *s, int n, int l, int i, int j, int dir, int sign)
{
    route_db *db = s->db;
    int st = db->R.step[l];
    int ni = i + (dir == 0 ? sign * st : 0), nj = j + (dir == 1 ? sign * st : 0);
    if (ni < 0 || nj < 0 || ni >= db->nx || nj >= db->ny) return;
    if (!in_corridor(s, ni, nj)) return;
    int m = rt_node(db, l, ni, nj);
    if (!node_ok(s, m)) return;
    int lo = sign > 0 ? n : m;
    int eo = dir == 0 ? db->eown_x[lo] : db->eown_y[lo];
    if (eo != RT_FREE && eo != s->net->index) return;
    double len = (double)st * db->R.pitch * db->R.cost[l];
    if ((dir == 0) != db->R.horizontal[l]) len *= db->R.wrong_way;
    relax(s, n, m, len);
}

static void expand_via(search *s, int n, int l, int up)
{
    route_db *db = s->db;
    int per = rt_nodes(db);
    int m = up ? n + per : n - per;
    int lower = up ? n : m;
    if (up ? l + 1 >= ROUTE_NLAYERS : l == 0) return;
    if (db->cut_block[lower]) return;
    int ml, mi, mj;
    rt_node_ij(db, m, &ml, &mi, &mj);
    if (!rt_on_layer(db, ml, mi, mj) || !node_ok(s, m)) return;
    relax(s, n, m, db->R.via_cost);
}

/* One connection: from the tree (tree[n] == 1) to any node with tree[n]
 * == 2.  Appends the path's segments to the net; returns the target
 * reached or -1. */
static int connect(search *s)
{
    route_db *db = s->db;
    rt_net *net = s->net;
    int reached = -1;
    while (db->queue.n > 0) {
        halo_minheap_item e = halo_minheap_pop(&db->queue);
        int n = e.item;
        int l, i, j;
        rt_node_ij(db, n, &l, &i, &j);
        if (e.key > db->g[n] + H_WEIGHT * heuristic(s, i, j) + 1e-6) continue;   /* stale entry */
        if (db->tree[n] == 2) {
            reached = n;
            break;
        }
        expand_wire(s, n, l, i, j, 0, 1);
        expand_wire(s, n, l, i, j, 0, -1);
        expand_wire(s, n, l, i, j, 1, 1);
        expand_wire(s, n, l, i, j, 1, -1);
        expand_via(s, n, l, 1);
        expand_via(s, n, l, 0);
    }
    db->queue.n = 0;
    if (reached < 0) return -1;
    for (int n = reached; db->tree[n] != 1; n = db->from[n]) {
        int p = db->from[n];
        if (net->npath + 2 > net->cappath) {
            net->cappath = net->cappath ? 2 * net->cappath : 64;
            net->path = realloc(net->path, (size_t)net->cappath * sizeof *net->path);
            if (!net->path) abort();
        }
        net->path[net->npath++] = p;
        net->path[net->npath++] = n;
    }
    return reached;
}

static void begin_search(route_db *db)
{
    if (++db->cur_stamp == 0) {
        memset(db->stamp, 0, (size_t)ROUTE_NLAYERS * rt_nodes(db) * sizeof *db->stamp);
        db->cur_stamp = 1;
    }
    db->queue.n = 0;
}

static void add_source(search *s, int n)
{
    route_db *db = s->db;
    db->stamp[n] = db->cur_stamp;
    db->g[n] = 0;
    db->from[n] = -1;
    int l, i, j;
    rt_node_ij(db, n, &l, &i, &j);
    q_push(db, n, H_WEIGHT * heuristic(s, i, j));
}

/* Nodes now on the tree: the path's and the connected terminals' entries
 * (a plate joins all of its own). */
static void mark_tree(route_db *db, rt_net *net, const int *connected, int *list, int *nlist)
{
    for (int k = 0; k < *nlist; k++) db->tree[list[k]] = 0;
    *nlist = 0;
    for (int k = 0; k < net->npath; k++)
        if (!db->tree[net->path[k]]) {
            db->tree[net->path[k]] = 1;
            list[(*nlist)++] = net->path[k];
        }
    for (int t = 0; t < net->nterms; t++) {
        if (!connected[t]) continue;
        for (int e = 0; e < net->terms[t].nnodes; e++) {
            int n = net->terms[t].nodes[e];
            if (!db->tree[n]) {
                db->tree[n] = 1;
                list[(*nlist)++] = n;
            }
        }
    }
}

static double term_distance(const rt_term *t, lay_box tree)
{
    double cx = (t->box.x0 + t->box.x1) / 2.0, cy = (t->box.y0 + t->box.y1) / 2.0;
    double dx = cx < tree.x0 ? tree.x0 - cx : cx > tree.x1 ? cx - tree.x1 : 0;
    double dy = cy < tree.y0 ? tree.y0 - cy : cy > tree.y1 ? cy - tree.y1 : 0;
    return dx + dy;
}

static lay_box nodes_box(const route_db *db, const int *nodes, int n)
{
    lay_box b = {0, 0, 0, 0};
    for (int k = 0; k < n; k++) {
        int l, i, j;
        rt_node_ij(db, nodes[k], &l, &i, &j);
        lay_box p = lay_box_make(rt_x(db, i), rt_y(db, j), rt_x(db, i), rt_y(db, j));
        if (k == 0) b = p;
        else {
            if (p.x0 < b.x0) b.x0 = p.x0;
            if (p.y0 < b.y0) b.y0 = p.y0;
            if (p.x1 > b.x1) b.x1 = p.x1;
            if (p.y1 > b.y1) b.y1 = p.y1;
        }
    }
    return b;
}

/* Grow the net's tree over all its terminals.  Returns 1 when all are
 * connected (the tree stays in net->path), 0 otherwise. */
static int grow_tree(route_db *db, rt_net *net, int use_corridor, int soft)
{
    search s = {db, net, use_corridor, soft, {0, 0, 0, 0}, 1e30};
    for (int l = 0; l < ROUTE_NLAYERS; l++)
        if (db->R.cost[l] < s.min_cost) s.min_cost = db->R.cost[l];
    int *connected = calloc((size_t)net->nterms, sizeof *connected);
    int cap = ROUTE_NLAYERS * rt_nodes(db);
    int *list = malloc((size_t)cap * sizeof *list), nlist = 0;
    if (!connected || !list) abort();
    net->npath = 0;
    int ok = 1;
    for (int t = 0; t < net->nterms; t++)
        if (net->terms[t].nnodes == 0) ok = 0;   /* no access: nothing to reach */
    /* start at a terminal with one entry (an access) when there is one */
    int first = 0;
    for (int t = 0; t < net->nterms; t++)
        if (net->terms[t].nnodes == 1) {
            first = t;
            break;
        }
    if (ok) connected[first] = 1;
    for (int done = 1; ok && done < net->nterms; done++) {
        mark_tree(db, net, connected, list, &nlist);
        lay_box tb = nodes_box(db, list, nlist);
        int next = -1;
        double best = 0;
        for (int t = 0; t < net->nterms; t++) {
            if (connected[t]) continue;
            double d = term_distance(&net->terms[t], tb);
            if (next < 0 || d < best) {
                next = t;
                best = d;
            }
        }
        rt_term *tm = &net->terms[next];
        int already = 0;
        for (int e = 0; e < tm->nnodes; e++) already |= db->tree[tm->nodes[e]] == 1;
        if (!already) {
            begin_search(db);
            s.target = nodes_box(db, tm->nodes, tm->nnodes);
            for (int e = 0; e < tm->nnodes; e++) db->tree[tm->nodes[e]] = 2;
            for (int k = 0; k < nlist; k++) add_source(&s, list[k]);
            int got = connect(&s);
            for (int e = 0; e < tm->nnodes; e++)
                if (db->tree[tm->nodes[e]] == 2) db->tree[tm->nodes[e]] = 0;
            if (got < 0) ok = 0;
        }
        connected[next] = 1;
    }
    for (int k = 0; k < nlist; k++) db->tree[list[k]] = 0;
    free(list);
    free(connected);
    return ok;
}

int rt_detail_net(route_db *db, rt_net *net, int use_corridor)
{
    rt_net_clear(db, net);
    if (!grow_tree(db, net, use_corridor, 0)) {
        net->npath = 0;
        rt_net_commit(db, net);   /* its accesses' entries stay its own */
        return 0;
    }
    net->routed = 1;
    net->why[0] = 0;
    rt_net_commit(db, net);
    return 1;
}

/* The nets a soft route of net crosses: flags in victims. */
static int find_victims(route_db *db, rt_net *net, int *victims)
{
    int n = 0;
    if (!grow_tree(db, net, 0, 1)) {
        net->npath = 0;
        return 0;
    }
    for (int k = 0; k < net->npath; k++) {
        int c = db->occ[net->path[k]];
        if (c >= 0 && c != net->index && !victims[c]) {
            victims[c] = 1;
            n++;
        }
    }
    net->npath = 0;
    return n;
}

int rt_detail_route(route_db *db, int *nets, int count, const route_opts *o, route_stats *st)
{
    int cap = count + 16, n = count, failed = 0;
    int *queue = malloc((size_t)cap * sizeof *queue);
    int *victims = calloc((size_t)db->nnets + 1, sizeof *victims);
    int *tries = calloc((size_t)db->nnets + 1, sizeof *tries);
    if (!queue || !victims || !tries) abort();
    memcpy(queue, nets, (size_t)count * sizeof *queue);
    int budget = o->ripup_rounds * (count > 4 ? count : 4);
    for (int k = 0; k < n; k++) {
        rt_net *net = &db->nets[queue[k]];
        if (net->routed || net->nterms < 2) continue;
        if (rt_detail_net(db, net, 1) || rt_detail_net(db, net, 0)) continue;
        if (budget <= 0 || tries[net->index] >= o->ripup_rounds) {
            if (!net->why[0]) snprintf(net->why, sizeof net->why, "no path (after %d rip-ups)", tries[net->index]);
            continue;
        }
        tries[net->index]++;
        memset(victims, 0, (size_t)db->nnets * sizeof *victims);
        int nv = find_victims(db, net, victims);
        if (nv == 0) {
            snprintf(net->why, sizeof net->why, "no path: the terminals are walled in");
            continue;
        }
        for (int m = 0; m < db->nnets; m++)
            if (victims[m]) {
                rt_net_clear(db, &db->nets[m]);
                rt_net_commit(db, &db->nets[m]);   /* keep its entries */
                st->ripups++;
                budget--;
            }
        if (!rt_detail_net(db, net, 0)) {
            snprintf(net->why, sizeof net->why, "no path even with %d nets ripped up", nv);
        }
        if (n + nv + 1 > cap) {
            cap = 2 * (n + nv + 1);
            queue = realloc(queue, (size_t)cap * sizeof *queue);
            if (!queue) abort();
        }
        if (!net->routed) queue[n++] = net->index;
        for (int m = 0; m < db->nnets; m++)
            if (victims[m]) queue[n++] = m;
    }
    for (int k = 0; k < count; k++)
        if (!db->nets[nets[k]].routed) failed++;
    free(queue);
    free(victims);
    free(tries);
    return failed;
}
