/*
 * route.c -- the router's frame: the rules it draws with (read from the
 * technology by rule id), the lattice over a placement, the obstacles the
 * device cells make, the pin accesses, the node and edge owners computed
 * from them, symmetric net pairs, and the full and incremental runs that
 * call the global and detailed stages.  See route.h for the model.
 */
#include "route_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strutil.h"

static const char *const layer_names[ROUTE_NLAYERS] = {"li1", "met1", "met2", "met3", "met4"};
static const char *const cut_names[ROUTE_NLAYERS - 1] = {"mcon", "via", "via2", "via3"};

/* Rule ids per cut: size, lower enclosure all round, lower enclosure on
 * one pair of sides, the same for the upper layer (NULL: none). */
static const char *const cut_rules[ROUTE_NLAYERS - 1][5] = {
    {"ct.1", "ct.4", NULL, "m1.4", "m1.5"},
    {"via.1a", "via.4a", "via.5a", "m2.4", "m2.5"},
    {"via2.1a", "via2.4", "via2.5", "m3.4", NULL},
    {"via3.1", "via3.4", "via3.5", "m4.3", NULL},
};
static const char *const area_rules[ROUTE_NLAYERS] = {"li.6", "m1.6", "m2.6", "m3.6", "m4.4a"};
static const char *const huge_rules[ROUTE_NLAYERS] = {NULL, "m1.3a", "m2.3a", "m3.3c", "m4.5a"};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

lay_box rt_box_at(int32_t x, int32_t y, rt_half h)
{
    return lay_box_make(x - h.x, y - h.y, x + h.x, y + h.y);
}

static int32_t max32(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

static int32_t round_up(int32_t v, int32_t q)
{
    return (v + q - 1) / q * q;
}

static rt_half half_max(rt_half a, rt_half b)
{
    rt_half h = {max32(a.x, b.x), max32(a.y, b.y)};
    return h;
}

/* ---------------------------------------------------------------- rules */

static int tech_fail(halo_err *err, const char *what, const char *name)
{
    char why[160];
    snprintf(why, sizeof why, "%s %s is missing", what, name);
    return halo_err_set(err, HALO_E_RTE_TECH, NULL, 0, why);
}

/* A cut's pad on one layer: enclosure all round, and the larger one-side
 * enclosure along the layer's preferred direction. */
static rt_half cut_pad(int32_t cut, int32_t enc, int32_t enc1, int horizontal)
{
    rt_half h = {cut / 2 + enc, cut / 2 + enc};
    if (enc1 > enc) {
        if (horizontal) h.x = cut / 2 + enc1;
        else h.y = cut / 2 + enc1;
    }
    return h;
}

static int rule_value(const halo_tech *t, const char *id, int32_t *v, halo_err *err)
{
    if (!id) {
        *v = 0;
        return 0;
    }
    const tech_rule *r = tech_find_rule(t, id);
    if (!r) return tech_fail(err, "Rule", id);
    *v = r->value_nm;
    return 0;
}

static int read_cuts(rt_rules *R, const halo_tech *t, halo_err *err)
{
    for (int c = 0; c < ROUTE_NLAYERS - 1; c++) {
        int32_t v[5];
        for (int k = 0; k < 5; k++)
            if (rule_value(t, cut_rules[c][k], &v[k], err) != 0) return -1;
        R->cut[c] = v[0];
        R->pad_lo[c] = cut_pad(v[0], v[1], v[2], R->horizontal[c]);
        R->pad_hi[c] = cut_pad(v[0], v[3], v[4], R->horizontal[c + 1]);
    }
    return 0;
}

/* The capacitor rules: via2 and via3 keep off capm; unrelated met3 keeps
 * capm.11 from it, which Magic's deck checks as the bottom-plate spacing
 * plus the plate's enclosure (capm.2b + capm.3), the larger.  The plate's
 * own net lands on the plate beside the capm, capm.3 away: its met3 over
 * the capm is, read hierarchically, a cut through the capacitor.  Nothing
 * runs under a capm on li1, met1 or met2 (capm.10: capm may not straddle
 * li1 or met1; the open_pdks KLayout deck still checks capm against met2
 * and its vias, the old numbering, at capm.8's distance). */
static void read_capm(rt_rules *R, const halo_tech *t)
{
    const tech_rule *r8 = tech_find_rule(t, "capm.8"), *r5 = tech_find_rule(t, "capm.5");
    const tech_rule *r11 = tech_find_rule(t, "capm.11"), *r2b = tech_find_rule(t, "capm.2b");
    const tech_rule *r3 = tech_find_rule(t, "capm.3");
    R->capm_via_space[2] = r8 ? r8->value_nm : 0;
    R->capm_via_space[3] = r5 ? r5->value_nm : 0;
    int32_t s = r11 ? r11->value_nm : 0;
    if (r2b && r3) s = max32(s, r2b->value_nm + r3->value_nm);
    R->capm_met3_space = s;
    R->capm_own_space = r3 ? r3->value_nm : 0;
    R->capm_under_space = r8 ? r8->value_nm : 0;
    R->capm_via_space[0] = R->capm_via_space[1] = R->capm_under_space;
}

/* The lone pad: the largest pad on the layer, squared up to the minimum
 * area when it is smaller. */
static rt_half lone_pad(const rt_rules *R, int l, int32_t grid)
{
    rt_half h = {0, 0};
    if (l > 0) h = half_max(h, R->pad_hi[l - 1]);
    if (l < ROUTE_NLAYERS - 1) h = half_max(h, R->pad_lo[l]);
    if ((int64_t)4 * h.x * h.y >= R->min_area[l]) return h;
    int32_t side = round_up((int32_t)ceil(sqrt((double)R->min_area[l])), 2 * grid);
    h.x = max32(h.x, side / 2);
    h.y = max32(h.y, side / 2);
    return h;
}

static int rules_from_tech(rt_rules *R, const halo_tech *t, const lay_lib *lib, halo_err *err)
{
    memset(R, 0, sizeof *R);
    int32_t grid = t->grid_nm > 0 ? t->grid_nm : 5;
    for (int l = 0; l < ROUTE_NLAYERS; l++) {
        const tech_layer *tl = tech_find_layer(t, layer_names[l]);
        if (!tl || tl->width_nm <= 0 || tl->spacing_nm <= 0) return tech_fail(err, "Routing layer", layer_names[l]);
        R->horizontal[l] = strcmp(tl->direction, "horizontal") == 0;
        R->width[l] = tl->width_nm;
        R->space[l] = tl->spacing_nm;
        /* Supply nets run twice as wide, li1 excepted (it is only ever a
         * short hop). */
        R->wide[l] = l == ROUTE_LI1 ? tl->width_nm : 2 * tl->width_nm;
        const tech_rule *a = tech_find_rule(t, area_rules[l]);
        if (!a) return tech_fail(err, "Rule", area_rules[l]);
        R->min_area[l] = a->value_nm2;
        const tech_rule *hs = huge_rules[l] ? tech_find_rule(t, huge_rules[l]) : NULL;
        R->huge_space[l] = hs && hs->value_nm > R->space[l] ? hs->value_nm : R->space[l];
        R->layer[l] = lay_layer_find(lib, layer_names[l]);
        if (R->layer[l] < 0) return tech_fail(err, "Layout layer", layer_names[l]);
    }
    for (int c = 0; c < ROUTE_NLAYERS - 1; c++) {
        R->cut_layer[c] = lay_layer_find(lib, cut_names[c]);
        if (R->cut_layer[c] < 0) return tech_fail(err, "Layout layer", cut_names[c]);
    }
    R->capm_layer = lay_layer_find(lib, "capm");
    if (read_cuts(R, t, err) != 0) return -1;
    read_capm(R, t);
    /* The pitch: on every layer the largest centred shape plus spacing
     * fits in one step (met3/met4 in the fewest whole steps). */
    int32_t pitch = 0;
    for (int l = 0; l < ROUTE_NLAYERS; l++) {
        R->lone[l] = lone_pad(R, l, grid);
        rt_half wire = {R->wide[l] / 2, R->wide[l] / 2};
        R->maxbox[l] = half_max(R->lone[l], wire);
        if (l <= ROUTE_MET2) pitch = max32(pitch, 2 * max32(R->maxbox[l].x, R->maxbox[l].y) + R->space[l]);
    }
    R->pitch = round_up(pitch, 2 * grid);
    for (int l = 0; l < ROUTE_NLAYERS; l++) {
        int32_t need = 2 * max32(R->maxbox[l].x, R->maxbox[l].y) + R->space[l];
        R->step[l] = (need + R->pitch - 1) / R->pitch;
        if (R->step[l] > 2) return tech_fail(err, "A lattice step for", layer_names[l]);
    }
    /* Costs per nm: li1 is resistive (a last resort between pins), the
     * lower metals share the channels, met2 and met3 run over devices. */
    static const double cost[ROUTE_NLAYERS] = {8.0, 1.5, 1.0, 1.0, 1.3};
    memcpy(R->cost, cost, sizeof cost);
    R->wrong_way = 3.0;
    R->via_cost = 2.0 * R->pitch;
    return 0;
}

int32_t rt_plate_clear(const rt_rules *R, int layer, lay_box plate)
{
    int huge = plate.x1 - plate.x0 > RT_HUGE_NM && plate.y1 - plate.y0 > RT_HUGE_NM;
    return huge ? R->huge_space[layer] : R->space[layer];
}

/* ---------------------------------------------------------------- lattice */

static void db_clear(route_db *db)
{
    for (int k = 0; k < db->nnets; k++) {
        rt_net *n = &db->nets[k];
        for (int t = 0; t < n->nterms; t++) {
            free(n->terms[t].nodes);
            free(n->terms[t].dead);
        }
        free(n->terms);
        free(n->path);
        free(n->corridor);
        free(db->net_names[k]);
    }
    free(db->nets);
    free(db->net_names);
    free(db->ports);
    free(db->obs);
    free(db->item_box);
    free(db->item_orient);
    free(db->owner);
    free(db->eown_x);
    free(db->eown_y);
    free(db->occ);
    free(db->cut_block);
    free(db->g);
    free(db->from);
    free(db->stamp);
    halo_minheap_free(&db->queue);
    free(db->tree);
    free(db->gcap_h);
    free(db->gcap_v);
    free(db->guse_h);
    free(db->guse_v);
    free(db->ghist_h);
    free(db->ghist_v);
    rt_rules keep = db->R;
    memset(db, 0, sizeof *db);
    db->R = keep;
}

route_db *route_db_new(void)
{
    return halo_xcalloc(1, sizeof(route_db));
}

void route_db_free(route_db *db)
{
    if (!db) return;
    db_clear(db);
    free(db);
}

void route_opts_default(route_opts *o)
{
    o->global_iterations = 6;
    o->ripup_rounds = 8;
    o->symmetric = 1;
}

int route_has_result(const route_db *db)
{
    return db && db->have;
}

int32_t route_pitch(const route_db *db)
{
    return db->R.pitch;
}

/* The lattice covers the boundary and a ring around it wide enough for a
 * few tracks; with a symmetry axis on the manufacturing grid, a column
 * lies on the axis so that mirrored routes stay on the lattice. */
static void lattice_setup(route_db *db, const place_ir *ir, int32_t grid)
{
    int32_t P = db->R.pitch, ring = 6 * P;
    lay_box b = lay_box_grow(ir->boundary, ring);
    db->axis = INT32_MIN;
    if (ir->nclasses > 0 && ir->axis4[0] % (4 * grid) == 0) db->axis = (int32_t)(ir->axis4[0] / 4);
    int32_t anchor = db->axis != INT32_MIN ? db->axis : b.x0;
    int32_t back = (int32_t)(((int64_t)anchor - b.x0 + P - 1) / P);
    db->x0 = anchor - back * P;
    db->y0 = b.y0;
    db->nx = (b.x1 - db->x0) / P + 2;
    db->ny = (b.y1 - db->y0) / P + 2;
    db->origin_i = back % 2;
    db->origin_j = 0;
    size_t n = (size_t)ROUTE_NLAYERS * rt_nodes(db);
    db->owner = halo_xcalloc(n, sizeof *db->owner);
    db->eown_x = halo_xcalloc(n, sizeof *db->eown_x);
    db->eown_y = halo_xcalloc(n, sizeof *db->eown_y);
    db->occ = halo_xcalloc(n, sizeof *db->occ);
    db->cut_block = halo_xcalloc((size_t)(ROUTE_NLAYERS - 1) * rt_nodes(db), 1);
    db->g = halo_xcalloc(n, sizeof *db->g);
    db->from = halo_xcalloc(n, sizeof *db->from);
    db->stamp = halo_xcalloc(n, sizeof *db->stamp);
    db->tree = halo_xcalloc(n, 1);
    for (size_t k = 0; k < n; k++) db->occ[k] = -1;
}

/* ---------------------------------------------------------------- owners */

static int merge_owner(int cur, int add)
{
    if (cur == RT_FREE) return add;
    if (cur == add) return cur;
    return RT_BLOCKED;
}

static int boxes_overlap(lay_box a, lay_box b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/* Node range whose boxes of half extent h may come within reach of box. */
static void node_range(const route_db *db, lay_box box, int32_t reach, int *i0, int *i1, int *j0, int *j1)
{
    int32_t P = db->R.pitch;
    *i0 = (int)floor((double)(box.x0 - reach - db->x0) / P);
    *i1 = (int)ceil((double)(box.x1 + reach - db->x0) / P);
    *j0 = (int)floor((double)(box.y0 - reach - db->y0) / P);
    *j1 = (int)ceil((double)(box.y1 + reach - db->y0) / P);
    if (*i0 < 0) *i0 = 0;
    if (*j0 < 0) *j0 = 0;
    if (*i1 > db->nx - 1) *i1 = db->nx - 1;
    if (*j1 > db->ny - 1) *j1 = db->ny - 1;
}

/* The wire of the edge from node (i, j) to its +x (dir 0) or +y
 * neighbour, at the widest. */
static lay_box edge_box(const route_db *db, int l, int i, int j, int dir)
{
    int32_t hw = db->R.wide[l] / 2;
    if (hw < db->R.width[l] / 2) hw = db->R.width[l] / 2;
    int32_t x = rt_x(db, i), y = rt_y(db, j), len = db->R.step[l] * db->R.pitch;
    return dir == 0 ? lay_box_make(x - hw, y - hw, x + len + hw, y + hw)
                    : lay_box_make(x - hw, y - hw, x + hw, y + len + hw);
}

/* What an obstacle makes of the shapes the router may draw at a node or
 * along an edge (s: the largest of them; grown: the obstacle grown by its clearance)
 * when they come near it.  Everyone
 * but its owner keeps the clearance.  The owner may use its zone, and may
 * touch or nearly touch the obstacle (a plate) where the shapes lie
 * wholly within the plate's span in x or in y: then they meet it in a
 * straight T, and a near miss is bridged straight by the writer.  Meeting
 * it at a corner would leave a diagonal neck narrower than the minimum
 * width, so that is blocked. */
static int owner_for(const rt_obstacle *o, lay_box grown, lay_box s)
{
    if (!boxes_overlap(s, grown)) return RT_FREE;
    if (o->owner < 0) return RT_BLOCKED;
    if (o->zone) return o->owner;
    int within_x = s.x0 >= o->box.x0 && s.x1 <= o->box.x1, within_y = s.y0 >= o->box.y0 && s.y1 <= o->box.y1;
    return within_x || within_y ? o->owner : RT_BLOCKED;
}

static void apply_obstacle(route_db *db, const rt_obstacle *o)
{
    int i0, i1, j0, j1;
    if (o->layer < 0) {
        int c = -1 - o->layer;
        rt_half h = {db->R.cut[c] / 2, db->R.cut[c] / 2};
        node_range(db, o->box, o->clear + h.x, &i0, &i1, &j0, &j1);
        for (int j = j0; j <= j1; j++)
            for (int i = i0; i <= i1; i++)
                if (boxes_overlap(lay_box_grow(rt_box_at(rt_x(db, i), rt_y(db, j), h), o->clear), o->box))
                    db->cut_block[c * rt_nodes(db) + j * db->nx + i] = 1;
        return;
    }
    int l = o->layer;
    rt_half h = db->R.maxbox[l];
    lay_box grown = lay_box_grow(o->box, o->clear);
    node_range(db, o->box, o->clear + db->R.step[l] * db->R.pitch + max32(h.x, h.y), &i0, &i1, &j0, &j1);
    for (int j = j0; j <= j1; j++)
        for (int i = i0; i <= i1; i++) {
            if (!rt_on_layer(db, l, i, j)) continue;
            int n = rt_node(db, l, i, j);
            int w = owner_for(o, grown, rt_box_at(rt_x(db, i), rt_y(db, j), h));
            if (w != RT_FREE) db->owner[n] = merge_owner(db->owner[n], w);
            w = owner_for(o, grown, edge_box(db, l, i, j, 0));
            if (w != RT_FREE) db->eown_x[n] = merge_owner(db->eown_x[n], w);
            w = owner_for(o, grown, edge_box(db, l, i, j, 1));
            if (w != RT_FREE) db->eown_y[n] = merge_owner(db->eown_y[n], w);
        }
}

/* An access's met2 shapes: near nodes are kept for nobody (a near miss
 * of the net's own would leave a notch) except the entry; edges running
 * into the shapes belong to the net. */
static int access_owner(const route_db *db, const rt_access *a, lay_box s, int net, int node, int is_node)
{
    int near = boxes_overlap(lay_box_grow(s, db->R.space[ROUTE_MET2]), a->met2);
    int overlap = boxes_overlap(s, a->met2);
    if (!near) return RT_FREE;
    if (is_node) return node == a->entry ? net : RT_BLOCKED;
    return overlap ? net : RT_BLOCKED;   /* one rectangle: overlapping it is a T, never a notch */
}

static void apply_access(route_db *db, const rt_access *a, int net)
{
    const int l = ROUTE_MET2;
    rt_half h = db->R.maxbox[l];
    lay_box all = a->met2;
    int i0, i1, j0, j1;
    node_range(db, all, db->R.space[l] + db->R.pitch + max32(h.x, h.y), &i0, &i1, &j0, &j1);
    for (int j = j0; j <= j1; j++)
        for (int i = i0; i <= i1; i++) {
            int n = rt_node(db, l, i, j);
            int w = access_owner(db, a, rt_box_at(rt_x(db, i), rt_y(db, j), h), net, n, 1);
            if (w != RT_FREE) db->owner[n] = merge_owner(db->owner[n], w);
            w = access_owner(db, a, edge_box(db, l, i, j, 0), net, n, 0);
            if (w != RT_FREE) db->eown_x[n] = merge_owner(db->eown_x[n], w);
            w = access_owner(db, a, edge_box(db, l, i, j, 1), net, n, 0);
            if (w != RT_FREE) db->eown_y[n] = merge_owner(db->eown_y[n], w);
        }
    /* the via's met1 pad lies in the device, whose met1 is an obstacle */
}

/* Owners from scratch: the lattice's rim, the obstacles, the accesses. */
static void compute_owners(route_db *db)
{
    size_t n = (size_t)ROUTE_NLAYERS * rt_nodes(db);
    for (size_t k = 0; k < n; k++) db->owner[k] = db->eown_x[k] = db->eown_y[k] = RT_FREE;
    memset(db->cut_block, 0, (size_t)(ROUTE_NLAYERS - 1) * rt_nodes(db));
    for (int l = 0; l < ROUTE_NLAYERS; l++)
        for (int j = 0; j < db->ny; j++)
            for (int i = 0; i < db->nx; i++) {
                int k = rt_node(db, l, i, j);
                if (!rt_on_layer(db, l, i, j)) db->owner[k] = RT_BLOCKED;
                int s = db->R.step[l];
                if (i + s >= db->nx) db->eown_x[k] = RT_BLOCKED;
                if (j + s >= db->ny) db->eown_y[k] = RT_BLOCKED;
            }
    for (int k = 0; k < db->nobs; k++) apply_obstacle(db, &db->obs[k]);
    for (int k = 0; k < db->nnets; k++)
        for (int t = 0; t < db->nets[k].nterms; t++) {
            const rt_term *tm = &db->nets[k].terms[t];
            if (!tm->has_access) continue;
            apply_access(db, &tm->acc, k);
            /* the via's met1 pad may stick out of the pin: keep routes off */
            rt_obstacle pad = {ROUTE_MET1, tm->acc.met1, RT_FREE, db->R.space[ROUTE_MET1], 0};
            apply_obstacle(db, &pad);
        }
}

int rt_edge_usable(const route_db *db, int a, int b, int net)
{
    if (!rt_usable(db, a, net) || !rt_usable(db, b, net)) return 0;
    int lo = a < b ? a : b, hi = a < b ? b : a;
    int o = hi - lo < db->nx ? db->eown_x[lo] : db->eown_y[lo];
    return o == RT_FREE || o == net;
}

int rt_via_usable(const route_db *db, int lower, int net)
{
    int per = rt_nodes(db), c = lower / per;
    if (c >= ROUTE_NLAYERS - 1 || db->cut_block[lower]) return 0;
    return rt_usable(db, lower, net) && rt_usable(db, lower + per, net);
}

/* ---------------------------------------------------------------- design */

static void obs_add(route_db *db, int layer, lay_box box, int owner, int32_t clear, int zone)
{
    if (db->nobs == db->capobs) {
        db->capobs = db->capobs ? 2 * db->capobs : 64;
        db->obs = realloc(db->obs, (size_t)db->capobs * sizeof *db->obs);
        if (!db->obs) abort();
    }
    rt_obstacle o = {layer, box, owner, clear, zone};
    db->obs[db->nobs++] = o;
}

static lay_xform item_xform(const place_item *it)
{
    lay_xform t = {it->orient, 0, 0};
    lay_box cb = lay_box_make(it->cell_x0, it->cell_y0, it->cell_x0 + it->w, it->cell_y0 + it->h);
    lay_box tb = lay_xform_box(&t, cb);
    t.dx = it->x - tb.x0;
    t.dy = it->y - tb.y0;
    return t;
}

static int routing_layer_of(const route_db *db, int layout_layer)
{
    for (int l = 0; l < ROUTE_NLAYERS; l++)
        if (db->R.layer[l] == layout_layer) return l;
    return -1;
}

/* The design net a device's cell net stands for (its terminal), or -1. */
static int design_net(const netlist_device *d, const char *cell_net)
{
    if (!cell_net) return -1;
    for (int k = 0; k < d->npins; k++)
        if (strcmp(d->pins[k].role, cell_net) == 0) return d->pins[k].net;
    return -1;
}

/* A device's obstacles: per routing layer the box of its shapes, owned by
 * a net when every shape there is that terminal's (a capacitor plate);
 * capm keeps vias and foreign met3 away. */
static void device_obstacles(route_db *db, const place_item *it, const lay_lib *lib, const netlist_device *d)
{
    const lay_cell *c = lib->cells[it->cell];
    lay_xform t = item_xform(it);
    lay_box box[ROUTE_NLAYERS], capm = {0, 0, 0, 0};
    int net[ROUTE_NLAYERS], have[ROUTE_NLAYERS] = {0}, have_capm = 0;
    for (int r = 0; r < c->nrects; r++) {
        const lay_rect *rc = &c->rects[r];
        lay_box b = lay_xform_box(&t, rc->box);
        if (rc->layer == db->R.capm_layer) {
            capm = have_capm ? lay_box_union(capm, b) : b;
            have_capm = 1;
            continue;
        }
        int l = routing_layer_of(db, rc->layer);
        if (l < 0) continue;
        int dn = design_net(d, lay_net_name(c, rc->net));
        if (!have[l]) {
            box[l] = b;
            net[l] = dn;
            have[l] = 1;
        } else {
            box[l] = lay_box_union(box[l], b);
            if (net[l] != dn) net[l] = -1;
        }
    }
    for (int l = 0; l < ROUTE_NLAYERS; l++) {
        if (!have[l]) continue;
        /* met1 pins are reached through accesses; a plate on an upper
         * layer belongs to its net */
        int owner = l >= ROUTE_MET2 && net[l] >= 0 ? net[l] : RT_FREE;
        obs_add(db, l, box[l], owner, owner >= 0 ? rt_plate_clear(&db->R, l, box[l]) : db->R.space[l], 0);
    }
    if (have_capm) {
        for (int cut = 0; cut <= 3; cut++)
            if (db->R.capm_via_space[cut] > 0) obs_add(db, -1 - cut, capm, RT_FREE, db->R.capm_via_space[cut], 0);
        if (have[ROUTE_MET3] && net[ROUTE_MET3] >= 0)
            obs_add(db, ROUTE_MET3, capm, net[ROUTE_MET3], db->R.capm_met3_space, 1);
        obs_add(db, ROUTE_MET3, capm, RT_FREE, db->R.capm_own_space, 0);
        for (int l = ROUTE_LI1; l <= ROUTE_MET2; l++) obs_add(db, l, capm, RT_FREE, db->R.capm_under_space, 0);
    }
}

static void term_add(rt_net *n, const rt_term *t)
{
    n->terms = realloc(n->terms, (size_t)(n->nterms + 1) * sizeof *n->terms);
    if (!n->terms) abort();
    n->terms[n->nterms++] = *t;
}

/* A plate terminal is all of the terminal's metal on the pin's layer (a
 * capacitor's pin marks only a strip of its plate). */
static lay_box plate_of(const lay_cell *c, const lay_xform *t, int layer, const char *name, lay_box pin)
{
    lay_box b = pin;
    for (int r = 0; r < c->nrects; r++) {
        const char *nn = lay_net_name(c, c->rects[r].net);
        if (c->rects[r].layer == layer && nn && strcmp(nn, name) == 0) b = lay_box_union(b, lay_xform_box(t, c->rects[r].box));
    }
    return b;
}

/* Terminals: every device pin on a routing layer, in its net. */
static void collect_terms(route_db *db, const place_ir *ir, const lay_lib *lib, const netlist *nl)
{
    for (int i = 0; i < ir->n; i++) {
        const place_item *it = &ir->items[i];
        const netlist_device *d = &nl->devs[it->dev];
        const lay_cell *c = lib->cells[it->cell];
        lay_xform t = item_xform(it);
        for (int k = 0; k < d->npins; k++) {
            int net = d->pins[k].net;
            if (net < 0 || net >= db->nnets) continue;
            for (int p = 0; p < c->npins; p++) {
                if (strcmp(c->pins[p].name, d->pins[k].role) != 0) continue;
                int l = routing_layer_of(db, c->pins[p].layer);
                if (l < 0) break;
                rt_term tm;
                memset(&tm, 0, sizeof tm);
                tm.item = i;
                snprintf(tm.role, sizeof tm.role, "%s", d->pins[k].role);
                tm.layer = l;
                tm.box = lay_xform_box(&t, c->pins[p].box);
                tm.plate = l >= ROUTE_MET2;
                if (tm.plate) tm.box = plate_of(c, &t, c->pins[p].layer, c->pins[p].name, tm.box);
                term_add(&db->nets[net], &tm);
                break;
            }
        }
    }
}

/* ---------------------------------------------------------------- access */

/* Does an access's met1 pad keep clear of the device's met1 that is not
 * terminal `role` (and not nearly touch the terminal's own)? */
static int pad_clear_of_device(const route_db *db, const place_item *it, const lay_lib *lib, const char *role,
                               lay_box pad)
{
    const lay_cell *c = lib->cells[it->cell];
    lay_xform t = item_xform(it);
    lay_box grown = lay_box_grow(pad, db->R.space[ROUTE_MET1]);
    for (int r = 0; r < c->nrects; r++) {
        const lay_rect *rc = &c->rects[r];
        if (rc->layer != db->R.layer[ROUTE_MET1]) continue;
        const char *nn = lay_net_name(c, rc->net);
        lay_box b = lay_xform_box(&t, rc->box);
        if (nn && strcmp(nn, role) == 0) {
            /* the terminal's own metal: overlapping is fine, a near miss
             * would leave a notch */
            if (!boxes_overlap(pad, b) && boxes_overlap(grown, b)) return 0;
            continue;
        }
        if (boxes_overlap(grown, b)) return 0;
    }
    return 1;
}

/* The access shape for a via at (vx, vy) entering column i at row j: one
 * rectangle spanning the via's met2 pad and the entry node's largest
 * shape, so any wire leaving the entry meets it in a T and no notch is
 * left between the pad and a wire. */
static void access_shapes(const route_db *db, rt_access *a, int32_t vx, int32_t vy, int i, int j)
{
    const rt_rules *R = &db->R;
    a->vx = vx;
    a->vy = vy;
    a->entry = rt_node(db, ROUTE_MET2, i, j);
    a->met2 = lay_box_union(rt_box_at(vx, vy, R->pad_hi[1]), rt_box_at(rt_x(db, i), rt_y(db, j), R->maxbox[ROUTE_MET2]));
}

/* Are two boxes closer than space (or overlapping)? */
static int boxes_conflict(lay_box a, lay_box b, int32_t space)
{
    return boxes_overlap(lay_box_grow(a, space), b);
}

/* Is the candidate free of other terminals' accesses and entries, of
 * devices' met2, and is its entry usable by the net? */
static int access_ok(const route_db *db, const rt_access *a, int net, const rt_term *self)
{
    for (int k = 0; k < self->ndead; k++)
        if (self->dead[k] == a->entry) return 0;
    int32_t sp = db->R.space[ROUTE_MET2];
    rt_half node = db->R.maxbox[ROUTE_MET2];
    if (db->owner[a->entry] == RT_BLOCKED || (db->owner[a->entry] >= 0 && db->owner[a->entry] != net)) return 0;
    if (db->occ[a->entry] >= 0 && db->occ[a->entry] != net) return 0;
    for (int k = 0; k < db->nobs; k++)
        if (db->obs[k].layer == ROUTE_MET2 && boxes_conflict(a->met2, db->obs[k].box, db->obs[k].clear))
            return 0;
    for (int m = 0; m < db->nnets; m++)
        for (int t = 0; t < db->nets[m].nterms; t++) {
            const rt_term *o = &db->nets[m].terms[t];
            if (o == self || !o->has_access) continue;
            if (o->acc.entry == a->entry) return 0;
            if (boxes_conflict(a->met2, o->acc.met2, sp)) return 0;
            if (boxes_conflict(a->met1, o->acc.met1, db->R.space[ROUTE_MET1])) return 0;
            int l, i, j;
            rt_node_ij(db, o->acc.entry, &l, &i, &j);
            lay_box e = rt_box_at(rt_x(db, i), rt_y(db, j), node);
            if (boxes_conflict(a->met2, e, sp)) return 0;
            rt_node_ij(db, a->entry, &l, &i, &j);
            e = rt_box_at(rt_x(db, i), rt_y(db, j), node);
            if (boxes_conflict(o->acc.met2, e, sp)) return 0;
        }
    return 1;
}

/* Candidate via positions inside a met1 pin: on each lattice column the
 * bar spans, else at its centre; the via centred across the bar. */
/* Add candidate x (snapped down to the 5 nm grid) unless present. */
static int add_x(int32_t *xs, int n, int max, int32_t x)
{
    x -= x % 5;
    for (int k = 0; k < n; k++)
        if (xs[k] == x) return n;
    if (n < max) xs[n++] = x;
    return n;
}

static int access_candidates(const route_db *db, const rt_term *t, int32_t *xs, int max)
{
    int32_t cut = db->R.cut[1], w = t->box.x1 - t->box.x0;
    int n = 0;
    for (int i = 0; i < db->nx; i++) {
        int32_t x = rt_x(db, i);
        if (x - cut / 2 >= t->box.x0 && x + cut / 2 <= t->box.x1) n = add_x(xs, n, max, x);
    }
    /* the centre (a short pad, a gate contact, fits only there) and the
     * two ends, which keep furthest from a neighbouring pin's access */
    n = add_x(xs, n, max, (t->box.x0 + t->box.x1) / 2);
    int32_t h = w >= 2 * db->R.pad_lo[1].x ? db->R.pad_lo[1].x : cut / 2;
    if (w >= 2 * h) {
        n = add_x(xs, n, max, round_up(t->box.x0 + h, 5));   /* up: inside the bar */
        n = add_x(xs, n, max, t->box.x1 - h);
    }
    return n;
}

/* Where the net's other terminals are, for scoring. */
static void net_centre(const rt_net *n, const rt_term *self, double *cx, double *cy)
{
    double sx = 0, sy = 0;
    int k = 0;
    for (int t = 0; t < n->nterms; t++) {
        if (&n->terms[t] == self) continue;
        sx += (n->terms[t].box.x0 + n->terms[t].box.x1) / 2.0;
        sy += (n->terms[t].box.y0 + n->terms[t].box.y1) / 2.0;
        k++;
    }
    if (k == 0) {
        *cx = (self->box.x0 + self->box.x1) / 2.0;
        *cy = (self->box.y0 + self->box.y1) / 2.0;
        return;
    }
    *cx = sx / k;
    *cy = sy / k;
}

/* The mirror image of an access about the axis, if on the lattice. */
static int mirror_access(const route_db *db, const rt_access *src, rt_access *dst)
{
    if (db->axis == INT32_MIN) return 0;
    int l, i, j;
    rt_node_ij(db, src->entry, &l, &i, &j);
    int ia = (db->axis - db->x0) / db->R.pitch, mi = 2 * ia - i;
    if (mi < 0 || mi >= db->nx) return 0;
    access_shapes(db, dst, 2 * db->axis - src->vx, src->vy, mi, j);
    lay_box m1 = src->met1;
    dst->met1 = lay_box_make(2 * db->axis - m1.x1, m1.y0, 2 * db->axis - m1.x0, m1.y1);
    return 1;
}

static const rt_term *partner_term(const route_db *db, const place_ir *ir, const rt_term *t, int *net_out)
{
    int p = ir->items[t->item].partner;
    if (p < 0 || p == t->item) return NULL;
    for (int m = 0; m < db->nnets; m++)
        for (int k = 0; k < db->nets[m].nterms; k++) {
            const rt_term *o = &db->nets[m].terms[k];
            if (o->item == p && strcmp(o->role, t->role) == 0) {
                *net_out = m;
                return o;
            }
        }
    return NULL;
}

/* A candidate access and its score (lower is better). */
typedef struct access_cand {
    rt_access a;
    double score;
} access_cand;

#define MAX_ACCESS_CANDS 256

/* Every access of a met1 terminal whose via pad keeps clear of the
 * device's other terminals: the via on each lattice column the pin spans
 * (and its centre), its met1 pad along the bar or across it, entering the
 * columns and rows either side; the partner's mirror image first. */
static int access_list(const route_db *db, const place_ir *ir, const lay_lib *lib, int net, const rt_term *t,
                       access_cand *out)
{
    const place_item *it = &ir->items[t->item];
    double cx, cy;
    net_centre(&db->nets[net], t, &cx, &cy);
    int n = 0, pn;
    const rt_term *pt = partner_term(db, ir, t, &pn);
    rt_access a;
    if (pt && pt->has_access && mirror_access(db, &pt->acc, &a)) {
        /* partners of unequal height have their pins at other heights */
        rt_half cut = {db->R.cut[1] / 2, db->R.cut[1] / 2};
        lay_box c = rt_box_at(a.vx, a.vy, cut);
        int inside = c.x0 >= t->box.x0 && c.x1 <= t->box.x1 && c.y0 >= t->box.y0 && c.y1 <= t->box.y1;
        if (inside && pad_clear_of_device(db, it, lib, t->role, a.met1)) {
            out[n].a = a;
            out[n++].score = -1e9;
        }
    }
    int32_t xs[MAX_ACCESS_CANDS];
    int nc = access_candidates(db, t, xs, MAX_ACCESS_CANDS / 4);
    int32_t vy = (t->box.y0 + t->box.y1) / 2;
    vy -= vy % 5;
    rt_half along = db->R.pad_lo[1], across = {along.y, along.x};
    for (int k = 0; k < nc && n + 4 <= MAX_ACCESS_CANDS; k++) {
        lay_box pad = rt_box_at(xs[k], vy, along);
        if (!pad_clear_of_device(db, it, lib, t->role, pad)) {
            pad = rt_box_at(xs[k], vy, across);
            if (!pad_clear_of_device(db, it, lib, t->role, pad)) continue;
        }
        double fi = (double)(xs[k] - db->x0) / db->R.pitch, fj = (double)(vy - db->y0) / db->R.pitch;
        int cols[2] = {(int)floor(fi), (int)ceil(fi)}, rows[2] = {(int)floor(fj), (int)ceil(fj)};
        for (int a1 = 0; a1 < 2; a1++)
            for (int b1 = 0; b1 < 2; b1++) {
                if ((a1 == 1 && cols[1] == cols[0]) || (b1 == 1 && rows[1] == rows[0])) continue;
                if (cols[a1] < 0 || cols[a1] >= db->nx || rows[b1] < 0 || rows[b1] >= db->ny) continue;
                access_shapes(db, &out[n].a, xs[k], vy, cols[a1], rows[b1]);
                out[n].a.met1 = pad;
                int32_t ex = rt_x(db, cols[a1]), ey = rt_y(db, rows[b1]);
                out[n++].score = fabs(ex - cx) + fabs(ey - cy) + fabs((double)xs[k] - ex) * 4;
            }
    }
    return n;
}

/* Pick the best free candidate; 1 when one was taken. */
static int choose_access(route_db *db, const place_ir *ir, const lay_lib *lib, int net, rt_term *t,
                         access_cand *cands)
{
    int n = access_list(db, ir, lib, net, t, cands), best = -1;
    for (int k = 0; k < n; k++)
        if ((best < 0 || cands[k].score < cands[best].score) && access_ok(db, &cands[k].a, net, t)) best = k;
    if (best < 0) return 0;
    t->acc = cands[best].a;
    t->has_access = 1;
    return 1;
}

typedef struct term_ref {
    int net, term;
} term_ref;

/* A terminal that found no access: take, one at a time, the accesses of
 * the terminals in its way, give it one, and find them another; undo
 * when that fails. */
static int repair_access(route_db *db, const place_ir *ir, const lay_lib *lib, term_ref r,
                         access_cand *cands, access_cand *spare)
{
    rt_term *t = &db->nets[r.net].terms[r.term];
    int n = access_list(db, ir, lib, r.net, t, cands);
    int32_t sp = db->R.space[ROUTE_MET2];
    for (int m = 0; m < db->nnets; m++)
        for (int q = 0; q < db->nets[m].nterms; q++) {
            rt_term *o = &db->nets[m].terms[q];
            if (o == t || !o->has_access) continue;
            int blocks = 0;
            for (int k = 0; k < n && !blocks; k++)
                blocks = o->acc.entry == cands[k].a.entry ||
                         boxes_conflict(cands[k].a.met2, o->acc.met2, sp);
            if (!blocks) continue;
            rt_access saved = o->acc;
            o->has_access = 0;
            if (choose_access(db, ir, lib, r.net, t, cands)) {
                if (choose_access(db, ir, lib, m, o, spare)) return 1;
                t->has_access = 0;
            }
            o->acc = saved;
            o->has_access = 1;
        }
    return 0;
}

/* Accesses for every met1 terminal without one, the most constrained
 * (fewest candidate columns) first, then repairs.  Returns the number of
 * terminals left without. */
static int choose_accesses(route_db *db, const place_ir *ir, const lay_lib *lib)
{
    term_ref *p = NULL;
    int *cnt = NULL, np = 0, failed = 0;
    access_cand *cands = halo_xcalloc(MAX_ACCESS_CANDS, sizeof *cands);
    access_cand *spare = halo_xcalloc(MAX_ACCESS_CANDS, sizeof *spare);
    for (int m = 0; m < db->nnets; m++)
        for (int k = 0; k < db->nets[m].nterms; k++) {
            rt_term *t = &db->nets[m].terms[k];
            if (t->plate || t->has_access) continue;
            int32_t xs[MAX_ACCESS_CANDS];
            p = realloc(p, (size_t)(np + 1) * sizeof *p);
            cnt = realloc(cnt, (size_t)(np + 1) * sizeof *cnt);
            if (!p || !cnt) abort();
            p[np].net = m;
            p[np].term = k;
            cnt[np++] = access_candidates(db, t, xs, MAX_ACCESS_CANDS / 4);
        }
    /* insertion sort: few terminals, stable */
    for (int a = 1; a < np; a++)
        for (int b = a; b > 0 && cnt[b] < cnt[b - 1]; b--) {
            term_ref tr = p[b];
            int tc = cnt[b];
            p[b] = p[b - 1];
            cnt[b] = cnt[b - 1];
            p[b - 1] = tr;
            cnt[b - 1] = tc;
        }
    for (int k = 0; k < np; k++)
        choose_access(db, ir, lib, p[k].net, &db->nets[p[k].net].terms[p[k].term], cands);
    for (int k = 0; k < np; k++) {
        rt_net *n = &db->nets[p[k].net];
        rt_term *t = &n->terms[p[k].term];
        if (t->has_access || repair_access(db, ir, lib, p[k], cands, spare)) continue;
        snprintf(n->why, sizeof n->why, "no pin access to %s.%s", ir->items[t->item].name, t->role);
        failed++;
    }
    free(cands);
    free(spare);
    free(cnt);
    free(p);
    return failed;
}

/* Can the net leave an access's entry node -- along met2 to a neighbour
 * or up through via2 -- with the owners as they are? */
static int entry_has_exit(const route_db *db, int entry, int net)
{
    int l, i, j;
    rt_node_ij(db, entry, &l, &i, &j);
    int st = db->R.step[l];
    int nb[4][2] = {{i - st, j}, {i + st, j}, {i, j - st}, {i, j + st}};
    for (int q = 0; q < 4; q++) {
        if (nb[q][0] < 0 || nb[q][1] < 0 || nb[q][0] >= db->nx || nb[q][1] >= db->ny) continue;
        if (!rt_on_layer(db, l, nb[q][0], nb[q][1])) continue;
        if (rt_edge_usable(db, entry, rt_node(db, l, nb[q][0], nb[q][1]), net)) return 1;
    }
    return l + 1 < ROUTE_NLAYERS && rt_via_usable(db, entry, net);
}

/* Accesses whose entry the obstacles and the other accesses' pads wall in
 * (each chosen alone, they can enclose one another): each such entry is
 * marked dead for its terminal and the terminal chooses again, until none
 * is walled in or every candidate was tried.  Owners are recomputed. */
static void free_walled_accesses(route_db *db, const place_ir *ir, const lay_lib *lib)
{
    for (int round = 0; round < 8; round++) {
        int walled = 0;
        for (int m = 0; m < db->nnets; m++)
            for (int k = 0; k < db->nets[m].nterms; k++) {
                rt_term *t = &db->nets[m].terms[k];
                if (!t->has_access || entry_has_exit(db, t->acc.entry, m)) continue;
                t->dead = realloc(t->dead, (size_t)(t->ndead + 1) * sizeof *t->dead);
                if (!t->dead) abort();
                t->dead[t->ndead++] = t->acc.entry;
                t->has_access = 0;
                walled++;
            }
        if (!walled) return;
        compute_owners(db);
        choose_accesses(db, ir, lib);
        compute_owners(db);
    }
}

/* Entry nodes of every terminal: the access's, or every lattice node of
 * the plate's layer overlapping the plate that the net may use. */
static void compute_entries(route_db *db)
{
    for (int m = 0; m < db->nnets; m++)
        for (int k = 0; k < db->nets[m].nterms; k++) {
            rt_term *t = &db->nets[m].terms[k];
            free(t->nodes);
            t->nodes = NULL;
            t->nnodes = 0;
            if (t->has_access) {
                t->nodes = halo_xcalloc(1, sizeof *t->nodes);
                t->nodes[t->nnodes++] = t->acc.entry;
                continue;
            }
            if (!t->plate) continue;
            int i0, i1, j0, j1;
            node_range(db, t->box, 0, &i0, &i1, &j0, &j1);
            for (int j = j0; j <= j1; j++)
                for (int i = i0; i <= i1; i++) {
                    if (!rt_on_layer(db, t->layer, i, j)) continue;
                    int n = rt_node(db, t->layer, i, j);
                    lay_box b = rt_box_at(rt_x(db, i), rt_y(db, j), db->R.maxbox[t->layer]);
                    if (!boxes_overlap(b, t->box) || db->owner[n] != m) continue;
                    t->nodes = realloc(t->nodes, (size_t)(t->nnodes + 1) * sizeof *t->nodes);
                    if (!t->nodes) abort();
                    t->nodes[t->nnodes++] = n;
                }
        }
}

/* ---------------------------------------------------------------- nets */

void rt_net_clear(route_db *db, rt_net *n)
{
    for (int k = 0; k < n->npath; k++)
        if (db->occ[n->path[k]] == n->index) db->occ[n->path[k]] = -1;
    for (int t = 0; t < n->nterms; t++)
        if (n->terms[t].has_access && db->occ[n->terms[t].acc.entry] == n->index) db->occ[n->terms[t].acc.entry] = -1;
    n->npath = 0;
    n->routed = 0;
    n->mirror_done = 0;
}

void rt_net_commit(route_db *db, rt_net *n)
{
    for (int k = 0; k < n->npath; k++) db->occ[n->path[k]] = n->index;
    for (int t = 0; t < n->nterms; t++)
        if (n->terms[t].has_access) db->occ[n->terms[t].acc.entry] = n->index;
}

/* Symmetric net pairs: net a's terminals, each moved to the matched
 * partner device, are exactly net b's. */
static void find_mirrors(route_db *db, const place_ir *ir)
{
    for (int m = 0; m < db->nnets; m++) db->nets[m].mirror = -1;
    if (db->axis == INT32_MIN) return;
    for (int a = 0; a < db->nnets; a++) {
        rt_net *na = &db->nets[a];
        if (na->nterms < 2 || na->mirror >= 0) continue;
        int b = -1, ok = 1;
        for (int t = 0; t < na->nterms && ok; t++) {
            int pn;
            const rt_term *pt = partner_term(db, ir, &na->terms[t], &pn);
            if (!pt || pn == a || (b >= 0 && pn != b)) ok = 0;
            else b = pn;
        }
        if (!ok || b < 0 || db->nets[b].nterms != na->nterms || db->nets[b].mirror >= 0) continue;
        na->mirror = b;
        db->nets[b].mirror = a;
    }
}

/* Could net `net` hold the tree of segments path (n nodes, pairs): every
 * edge and via usable by it, and every terminal of the net on it? */
static int tree_holds(const route_db *db, const int *path, int n, const rt_net *net)
{
    int per = rt_nodes(db);
    for (int k = 0; k + 1 < n; k += 2) {
        int u = path[k], v = path[k + 1];
        if (abs(u - v) == per) {
            if (!rt_via_usable(db, u < v ? u : v, net->index)) return 0;
        } else if (!rt_edge_usable(db, u, v, net->index)) {
            return 0;
        }
    }
    for (int t = 0; t < net->nterms; t++) {
        int hit = 0;
        for (int e = 0; e < net->terms[t].nnodes && !hit; e++)
            for (int k = 0; k < n && !hit; k++) hit = path[k] == net->terms[t].nodes[e];
        if (!hit) return 0;
    }
    return 1;
}

/* Mirror node n about the axis column; -1 off the lattice. */
static int mirror_node(const route_db *db, int n)
{
    int l, i, j;
    rt_node_ij(db, n, &l, &i, &j);
    int ia = (db->axis - db->x0) / db->R.pitch, mi = 2 * ia - i;
    if (mi < 0 || mi >= db->nx) return -1;
    return rt_node(db, l, mi, j);
}

/* Route net b as the mirror image of a's tree, when every mirrored node,
 * edge and via is usable by b and the accesses are mirrors too. */
static int route_mirrored(route_db *db, rt_net *a, rt_net *b)
{
    if (!a->routed || a->npath == 0) return 0;
    int *path = halo_xcalloc((size_t)a->npath, sizeof *path);
    for (int k = 0; k < a->npath; k++) {
        path[k] = mirror_node(db, a->path[k]);
        if (path[k] < 0) goto fail;
    }
    if (!tree_holds(db, path, a->npath, b)) goto fail;
    free(b->path);
    b->path = path;
    b->npath = b->cappath = a->npath;
    b->routed = 1;
    b->mirror_done = 1;
    rt_net_commit(db, b);
    return 1;
fail:
    free(path);
    return 0;
}

/* ---------------------------------------------------------------- runs */

static int net_is_supply(const netlist *nl, int net)
{
    netlist_netrole r = nl->nets[net].role;
    return r == NL_SUPPLY_POS || r == NL_SUPPLY_NEG;
}

static int setup_design(route_db *db, const place_ir *ir, const lay_lib *lib, const netlist *nl,
                        const halo_tech *tech)
{
    db->nnets = nl->nnets;
    db->nets = halo_xcalloc((size_t)db->nnets + 1, sizeof *db->nets);
    db->net_names = halo_xcalloc((size_t)db->nnets + 1, sizeof *db->net_names);
    for (int m = 0; m < db->nnets; m++) {
        db->nets[m].index = m;
        db->nets[m].supply = net_is_supply(nl, m);
        db->nets[m].mirror = -1;
        db->net_names[m] = su_strdup(nl->nets[m].name);
    }
    db->ports = halo_xcalloc((size_t)nl->nports + 1, sizeof *db->ports);
    db->nports = nl->nports;
    memcpy(db->ports, nl->ports, (size_t)nl->nports * sizeof *db->ports);
    db->nitems = ir->n;
    db->boundary = ir->boundary;
    db->item_box = halo_xcalloc((size_t)ir->n + 1, sizeof *db->item_box);
    db->item_orient = halo_xcalloc((size_t)ir->n + 1, sizeof *db->item_orient);
    for (int i = 0; i < ir->n; i++) {
        db->item_box[i] = place_device_box(&ir->items[i]);
        db->item_orient[i] = ir->items[i].orient;
    }
    lattice_setup(db, ir, tech->grid_nm > 0 ? tech->grid_nm : 5);
    for (int i = 0; i < ir->n; i++) device_obstacles(db, &ir->items[i], lib, &nl->devs[ir->items[i].dev]);
    collect_terms(db, ir, lib, nl);
    return 0;
}

/* The nets to route, in order: mirrored pairs' first nets, then by
 * terminal spread (short nets first: they have the fewest detours). */
static int net_order(const route_db *db, const int *want, int *out)
{
    int n = 0;
    double *key = halo_xcalloc((size_t)db->nnets + 1, sizeof *key);
    for (int m = 0; m < db->nnets; m++) {
        const rt_net *net = &db->nets[m];
        if (!want[m] || net->nterms < 2) continue;
        lay_box b = net->terms[0].box;
        for (int t = 1; t < net->nterms; t++) b = lay_box_union(b, net->terms[t].box);
        key[m] = (double)(b.x1 - b.x0) + (b.y1 - b.y0) + (net->supply ? 1e9 : 0);
        if (net->mirror >= 0 && net->mirror > m) key[m] -= 1e10;
        out[n++] = m;
    }
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0 && key[out[b]] < key[out[b - 1]]; b--) {
            int tmp = out[b];
            out[b] = out[b - 1];
            out[b - 1] = tmp;
        }
    free(key);
    return n;
}

static void stats_fill(const route_db *db, route_stats *st);

/* Global then detailed routing of the nets flagged in want. */
static void route_nets(route_db *db, const int *want, const route_opts *o, route_stats *st)
{
    int *order = halo_xcalloc((size_t)db->nnets + 1, sizeof *order);
    int n = net_order(db, want, order);
    st->rerouted = n;
    st->global_overflow = rt_global_route(db, order, n, o);
    /* mirrored partners wait for their first net and copy it */
    int *first = halo_xcalloc((size_t)db->nnets + 1, sizeof *first);
    int nf = 0;
    for (int k = 0; k < n; k++) {
        const rt_net *net = &db->nets[order[k]];
        int partner_first = o->symmetric && net->mirror >= 0 && net->mirror < net->index && want[net->mirror];
        if (!partner_first) first[nf++] = order[k];
    }
    rt_detail_route(db, first, nf, o, st);
    int *rest = halo_xcalloc((size_t)db->nnets + 1, sizeof *rest);
    int nr = 0;
    for (int k = 0; k < n; k++) {
        rt_net *net = &db->nets[order[k]];
        int waits = o->symmetric && net->mirror >= 0 && net->mirror < net->index && want[net->mirror];
        if (!waits) continue;
        if (!route_mirrored(db, &db->nets[net->mirror], net)) rest[nr++] = order[k];
    }
    if (nr) rt_detail_route(db, rest, nr, o, st);
    free(first);
    free(rest);
    free(order);
}

int route_run(route_db *db, const place_ir *ir, const lay_lib *lib, const netlist *nl, const halo_tech *tech,
              const route_opts *o, route_stats *st, halo_err *err)
{
    double t0 = now_ms();
    memset(st, 0, sizeof *st);
    if (!ir->placed) return halo_err_set(err, HALO_E_RTE_STATE, NULL, 0, "No placement to route: run place first.");
    db_clear(db);
    if (rules_from_tech(&db->R, tech, lib, err) != 0) return -1;
    setup_design(db, ir, lib, nl, tech);
    compute_owners(db);
    find_mirrors(db, ir);
    choose_accesses(db, ir, lib);
    compute_owners(db);
    free_walled_accesses(db, ir, lib);
    compute_entries(db);
    int *want = halo_xcalloc((size_t)db->nnets + 1, sizeof *want);
    for (int m = 0; m < db->nnets; m++) want[m] = 1;
    route_nets(db, want, o, st);
    free(want);
    db->have = 1;
    stats_fill(db, st);
    st->time_ms = now_ms() - t0;
    db->last = *st;
    return 0;
}

/* Does net n's tree still hold: nodes, edges and vias usable, terminals
 * still on it? */
static int net_still_valid(const route_db *db, const rt_net *n)
{
    return tree_holds(db, n->path, n->npath, n);
}

/* Can the last run be reused: the same devices (box sizes, which follow
 * the cells and stay under R0/MX/MY/R180) in the same boundary, so the
 * lattice still covers them? */
static int same_devices(const route_db *db, const place_ir *ir)
{
    if (!db->have || db->nitems != ir->n || memcmp(&db->boundary, &ir->boundary, sizeof ir->boundary) != 0) return 0;
    for (int i = 0; i < ir->n; i++) {
        lay_box a = db->item_box[i], b = place_device_box(&ir->items[i]);
        if (a.x1 - a.x0 != b.x1 - b.x0 || a.y1 - a.y0 != b.y1 - b.y0) return 0;
    }
    return 1;
}

int route_incremental(route_db *db, const place_ir *ir, const lay_lib *lib, const netlist *nl,
                      const halo_tech *tech, const route_opts *o, route_stats *st, halo_err *err)
{
    if (!same_devices(db, ir) || db->nnets != nl->nnets)
        return route_run(db, ir, lib, nl, tech, o, st, err);
    double t0 = now_ms();
    memset(st, 0, sizeof *st);
    int *moved = halo_xcalloc((size_t)ir->n + 1, sizeof *moved);
    for (int i = 0; i < ir->n; i++) {
        lay_box b = place_device_box(&ir->items[i]);
        if (memcmp(&b, &db->item_box[i], sizeof b) != 0 || ir->items[i].orient != db->item_orient[i]) {
            moved[i] = 1;
        }
        db->item_box[i] = b;
        db->item_orient[i] = ir->items[i].orient;
    }
    int *want = halo_xcalloc((size_t)db->nnets + 1, sizeof *want);
    /* the devices' obstacles and terminals follow them */
    db->nobs = 0;
    for (int i = 0; i < ir->n; i++) device_obstacles(db, &ir->items[i], lib, &nl->devs[ir->items[i].dev]);
    for (int m = 0; m < db->nnets; m++) {
        rt_net *n = &db->nets[m];
        for (int t = 0; t < n->nterms; t++) {
            if (!moved[n->terms[t].item]) continue;
            want[m] = 1;
            n->terms[t].has_access = 0;
            n->terms[t].ndead = 0;   /* walled-in entries were where it stood */
        }
        if (!n->routed && n->nterms >= 2) want[m] = 1;
    }
    for (int m = 0; m < db->nnets; m++)
        if (want[m]) rt_net_clear(db, &db->nets[m]);
    /* terminals of moved devices: new boxes */
    for (int m = 0; m < db->nnets; m++) {
        rt_net *n = &db->nets[m];
        for (int t = 0; t < n->nterms; t++) {
            rt_term *tm = &n->terms[t];
            if (!moved[tm->item]) continue;
            const place_item *it = &ir->items[tm->item];
            const lay_cell *c = lib->cells[it->cell];
            lay_xform x = item_xform(it);
            for (int p = 0; p < c->npins; p++) {
                if (strcmp(c->pins[p].name, tm->role) != 0) continue;
                tm->box = lay_xform_box(&x, c->pins[p].box);
                if (tm->plate) tm->box = plate_of(c, &x, c->pins[p].layer, c->pins[p].name, tm->box);
            }
        }
    }
    compute_owners(db);
    choose_accesses(db, ir, lib);
    compute_owners(db);
    free_walled_accesses(db, ir, lib);
    compute_entries(db);
    /* routes the moved devices now obstruct */
    for (int m = 0; m < db->nnets; m++) {
        rt_net *n = &db->nets[m];
        if (want[m] || !n->routed) continue;
        if (!net_still_valid(db, n)) {
            want[m] = 1;
            rt_net_clear(db, n);
        }
    }
    /* a mirrored pair stays a pair: both are rerouted together */
    for (int m = 0; m < db->nnets; m++) {
        rt_net *n = &db->nets[m];
        if (want[m] && n->mirror >= 0 && !want[n->mirror] && n->mirror_done + db->nets[n->mirror].mirror_done) {
            want[n->mirror] = 1;
            rt_net_clear(db, &db->nets[n->mirror]);
        }
    }
    route_nets(db, want, o, st);
    free(want);
    free(moved);
    stats_fill(db, st);
    if (st->failed > 0) {
        /* what the kept routes leave may not admit the rest: start over */
        double spent = now_ms() - t0;
        int rc = route_run(db, ir, lib, nl, tech, o, st, err);
        st->time_ms += spent;
        db->last = *st;
        return rc;
    }
    st->time_ms = now_ms() - t0;
    db->last = *st;
    return 0;
}

/* ---------------------------------------------------------------- figures */

static void net_figures(const route_db *db, const rt_net *n, int64_t wl[ROUTE_NLAYERS], int vias[ROUTE_NLAYERS - 1])
{
    int per = rt_nodes(db);
    for (int l = 0; l < ROUTE_NLAYERS; l++) wl[l] = 0;
    for (int c = 0; c < ROUTE_NLAYERS - 1; c++) vias[c] = 0;
    for (int k = 0; k + 1 < n->npath; k += 2) {
        int u = n->path[k], v = n->path[k + 1];
        if (abs(u - v) == per) {
            vias[(u < v ? u : v) / per]++;
            continue;
        }
        wl[u / per] += (int64_t)db->R.step[u / per] * db->R.pitch;
    }
    for (int t = 0; t < n->nterms; t++) {
        if (!n->terms[t].has_access) continue;   /* written whether routed or not */
        const rt_access *a = &n->terms[t].acc;
        int l, i, j;
        rt_node_ij(db, a->entry, &l, &i, &j);
        vias[1]++;
        wl[ROUTE_MET2] += llabs((int64_t)a->vx - rt_x(db, i)) + llabs((int64_t)a->vy - rt_y(db, j));
    }
}

static void stats_fill(const route_db *db, route_stats *st)
{
    st->nets = st->routed = st->failed = st->symmetric = 0;
    memset(st->wirelength_nm, 0, sizeof st->wirelength_nm);
    memset(st->vias, 0, sizeof st->vias);
    for (int m = 0; m < db->nnets; m++) {
        const rt_net *n = &db->nets[m];
        if (n->nterms >= 2) {
            st->nets++;
            if (n->routed) st->routed++;
            else st->failed++;
            if (n->routed && n->mirror_done) st->symmetric++;
        }
        int64_t wl[ROUTE_NLAYERS];
        int v[ROUTE_NLAYERS - 1];
        net_figures(db, n, wl, v);
        for (int l = 0; l < ROUTE_NLAYERS; l++) st->wirelength_nm[l] += wl[l];
        for (int c = 0; c < ROUTE_NLAYERS - 1; c++) st->vias[c] += v[c];
    }
}

int route_net_count(const route_db *db)
{
    return db->nnets;
}

void route_net_info_get(const route_db *db, int net, route_net_info *out)
{
    memset(out, 0, sizeof *out);
    const rt_net *n = &db->nets[net];
    out->name = db->net_names[net];
    out->terminals = n->nterms;
    out->routed = n->nterms < 2 ? -1 : n->routed;
    out->supply = n->supply;
    out->mirror_of = n->mirror_done ? n->mirror : -1;
    out->why = n->routed ? "" : n->why;
    net_figures(db, n, out->wirelength_nm, out->vias);
}
