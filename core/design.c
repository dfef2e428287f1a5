/*
 * design.c -- a design's life, netlist, layout, placement and routing, and
 * the rules of what invalidates what (design.h).  Verification is in
 * design_verify.c, simulation in design_sim.c.
 */
#include "design_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strutil.h"
#include "fingers/fingers.h"
#include "netlist/netjson.h"
#include "tech/techmap.h"

/* ---------------------------------------------------------------- invalidation */

static void forget_routing(halo_design *d)
{
    route_db_free(d->route);
    d->route = NULL;
}

/* The placement only: a restored snapshot keeps the routing, which an
 * incremental route then brings to the restored positions. */
static void drop_placement(halo_design *d)
{
    if (!d->placed) return;
    place_ir_free(&d->ir);
    d->placed = 0;
}

static void forget_placement(halo_design *d)
{
    forget_routing(d);
    drop_placement(d);
}

/* The device cells no longer match the netlist: the placement was of them. */
static void forget_cells(halo_design *d)
{
    forget_placement(d);
    free(d->dev_cell);
    free(d->dev_spec);
    d->dev_cell = NULL;
    d->dev_spec = NULL;
    d->ndev = 0;
}

/* ---------------------------------------------------------------- life */

halo_design *design_new(halo_tech *tech)
{
    halo_design *d = halo_xcalloc(1, sizeof *d);
    d->tech = tech;
    d->top = -1;
    return d;
}

static void snapshot_free(design_snapshot *s)
{
    for (int i = 0; i < s->ir.n; i++) free(s->cell_names[i]);
    free(s->cell_names);
    place_ir_free(&s->ir);
    free(s->name);
}

void design_free(halo_design *d)
{
    if (!d) return;
    design_sim_free(d);
    xagent_set_clear(&d->agents);
    design_verify_free(d);
    forget_cells(d);
    for (int i = 0; i < d->nsnaps; i++) snapshot_free(&d->snaps[i]);
    free(d->snaps);
    lay_lib_free(d->lib);
    netlist_free(d->nl);
    tech_free(d->tech);
    free(d);
}

halo_tech *design_tech(const halo_design *d)
{
    return d->tech;
}

void design_set_tech(halo_design *d, halo_tech *tech)
{
    tech_free(d->tech);
    d->tech = tech;
}

xagent_set *design_agents(halo_design *d)
{
    return &d->agents;
}

/* ---------------------------------------------------------------- netlist */

netlist *design_netlist(const halo_design *d)
{
    return d->nl;
}

netlist *design_need_netlist(const halo_design *d, halo_err *err)
{
    if (!d->nl) halo_err_set(err, HALO_E_NODESIGN, NULL, 0);
    return d->nl;
}

int design_adopt_netlist(halo_design *d, netlist *nl, halo_err *err)
{
    if (techmap_apply(nl, d->tech, err) != 0) {
        netlist_free(nl);
        return 1;
    }
    forget_cells(d);
    design_set_post(d, NULL, NULL);   /* it was another design's */
    netlist_free(d->nl);
    d->nl = nl;
    return 0;
}

int design_read_spice(halo_design *d, const char *path, spice_read_opts *opts, halo_err *err)
{
    opts->subckt_prefix = d->tech ? d->tech->spice_subckt_prefix : NULL;
    netlist *nl = spice_read_file(path, opts, err);
    return nl ? design_adopt_netlist(d, nl, err) : 1;
}

int design_read_netlist_json(halo_design *d, const char *path, halo_err *err)
{
    netlist *nl = netjson_read_file(path, err);
    return nl ? design_adopt_netlist(d, nl, err) : 1;
}

int design_set_fingers(halo_design *d, const char *const *names, const int *nf, int n, halo_err *err)
{
    netlist *nl = design_need_netlist(d, err);
    if (!nl) return 1;
    if (fingers_apply(nl, d->tech, names, nf, n, err) != 0) return 1;
    forget_cells(d);
    return 0;
}

int design_sample_fingers(halo_design *d, uint64_t seed, halo_err *err)
{
    netlist *nl = design_need_netlist(d, err);
    if (!nl) return 1;
    fingers_space fs;
    if (fingers_space_build(nl, d->tech, NULL, 0, &fs, err) != 0) return 1;
    int *digits = NULL;
    int rc = 0;
    if (fingers_sample(&fs, 1, seed, &digits) != 1) {
        rc = halo_err_set(err, HALO_E_CMD_VALUE, NULL, 0, "fingers", "", "a design with a legal arrangement");
    } else {
        const char **names = halo_xcalloc((size_t)fs.ntrans + 1, sizeof *names);
        int *nf = halo_xcalloc((size_t)fs.ntrans + 1, sizeof *nf);
        for (int t = 0; t < fs.ntrans; t++) {
            names[t] = nl->devs[fs.dev[t]].name;
            nf[t] = fingers_value(&fs, digits, t);
        }
        rc = design_set_fingers(d, names, nf, fs.ntrans, err);
        free(names);
        free(nf);
    }
    free(digits);
    fingers_space_free(&fs);
    return rc;
}

/* ---------------------------------------------------------------- layout */

lay_lib *design_layout(halo_design *d)
{
    if (!d->lib) d->lib = lay_lib_new("halo", d->tech);
    return d->lib;
}

int design_top(halo_design *d)
{
    design_layout(d);
    return d->top;
}

void design_set_top(halo_design *d, int cell)
{
    design_layout(d);
    d->top = cell;
}

int design_use_top(halo_design *d, const char *name)
{
    lay_lib *lib = design_layout(d);
    int top = lay_cell_find(lib, name);
    if (top < 0) top = lay_cell_new(lib, name);
    d->top = top;
    return top;
}

void design_replace_layout(halo_design *d, lay_lib *lib, int top)
{
    design_layout(d);
    forget_cells(d);
    lay_lib_free(d->lib);
    d->lib = lib;
    d->top = top;
}

int design_device_cells(const halo_design *d, const int **dev_cell, const devgen_spec **spec)
{
    if (!d->lib || d->ndev == 0) return 0;
    if (dev_cell) *dev_cell = d->dev_cell;
    if (spec) *spec = d->dev_spec;
    return d->ndev;
}

/* The design's top cell: its devices in one row, halos abutting -- a
 * preview of the cells until place arranges them. */
static int build_preview_top(halo_design *d)
{
    lay_lib *lib = d->lib;
    const netlist *nl = d->nl;
    int top = lay_cell_find(lib, nl->name);
    if (top < 0) top = lay_cell_new(lib, nl->name);
    else lay_cell_clear(lib->cells[top]);
    int32_t x = 0;
    for (int i = 0; i < d->ndev; i++) {
        int c = d->dev_cell[i];
        if (c < 0) continue;
        const int32_t *h = lib->cells[c]->halo;
        lay_box bb = lay_cell_bbox(lib, c);
        x += h[0];
        if (lay_inst_add(lib, top, nl->devs[i].name, c, x - bb.x0, h[1] - bb.y0, LAY_R0) < 0) return -1;
        x += bb.x1 - bb.x0 + h[2];
    }
    return top;
}

int design_generate_devices(halo_design *d, const devgen_opts *o, halo_err *err)
{
    netlist *nl = design_need_netlist(d, err);
    if (!nl) return 1;
    /* Resolve every device first: a bad one changes nothing. */
    devgen_spec *specs = halo_xcalloc((size_t)nl->ndevs + 1, sizeof *specs);
    int *has = halo_xcalloc((size_t)nl->ndevs + 1, sizeof *has);
    for (int i = 0; i < nl->ndevs; i++) {
        int rc = devgen_spec_from_device(&nl->devs[i], d->tech, o, &specs[i], err);
        if (rc < 0) {
            free(specs);
            free(has);
            return 1;
        }
        has[i] = rc;
    }
    lay_lib *lib = design_layout(d);
    forget_cells(d);
    d->ndev = nl->ndevs;
    d->dev_spec = specs;
    d->dev_cell = halo_xmalloc(((size_t)nl->ndevs + 1) * sizeof *d->dev_cell);
    for (int i = 0; i < nl->ndevs; i++) {
        d->dev_cell[i] = -1;
        if (!has[i]) continue;
        int c = devgen_build(lib, d->tech, &specs[i], err);
        if (c < 0) {
            free(has);
            forget_cells(d);
            return 1;
        }
        d->dev_cell[i] = c;
    }
    free(has);
    d->top = build_preview_top(d);
    return 0;
}

int design_generate_device(halo_design *d, const char *model, double w, double l, double nf, double m, int dummies,
                           double r, int *cell, halo_err *err)
{
    const tech_device *dev = tech_find_device(d->tech, model);
    devgen_spec spec;
    int rc;
    if (!dev)
        return halo_err_set(err, HALO_E_DEV_KIND, NULL, 0, model, "an unknown device (pdk info lists the devices)");
    if (strcmp(dev->type, "nmos") == 0 || strcmp(dev->type, "pmos") == 0) {
        if (nf != (int)nf || m != (int)m) return halo_err_set(err, HALO_E_CMD_VALUE, NULL, 0, "-nf/-m", "", "integers");
        rc = devgen_spec_mos(d->tech, model, w, l, (int)nf, (int)m, dummies, &spec, err);
    } else if (strcmp(dev->type, "cap") == 0)
        rc = devgen_spec_cap(d->tech, model, w, l, &spec, err);
    else
        rc = devgen_spec_res(d->tech, model, w, l, r, &spec, err);
    if (rc != 0) return 1;
    lay_lib *lib = design_layout(d);
    int c = devgen_build(lib, d->tech, &spec, err);
    if (c < 0) return 1;
    d->top = c;
    *cell = c;
    return 0;
}

int design_check_expansion(halo_design *d, int cell, uint64_t limit, halo_err *err)
{
    lay_lib *lib = design_layout(d);
    uint64_t n = lay_expanded_shapes(lib, cell);
    if (n <= limit) return 0;
    char have[32], max[32];
    if (n == UINT64_MAX) snprintf(have, sizeof have, "more than 1.8e19");
    else snprintf(have, sizeof have, "%llu", (unsigned long long)n);
    snprintf(max, sizeof max, "%llu", (unsigned long long)limit);
    return halo_err_set(err, HALO_E_GDS_EXPAND, NULL, 0, lib->cells[cell]->name, have, max);
}

/* ---------------------------------------------------------------- placement */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int design_place(halo_design *d, const place_opts *o, int32_t grid_nm, int32_t halo_nm, halo_err *err)
{
    netlist *nl = design_need_netlist(d, err);
    if (!nl) return 1;
    const int *dev_cell;
    if (design_device_cells(d, &dev_cell, NULL) == 0)
        return halo_err_set(err, HALO_E_PLC_STATE, NULL, 0, "No device cells to place: run generate_devices first.");
    double t0 = now_ms();
    place_ir ir;
    if (place_ir_init(&ir, d->lib, nl, dev_cell, grid_nm, halo_nm, err) != 0) return 1;
    place_stats stats;
    if (place_run(&ir, o, &stats, err) != 0) {
        place_ir_free(&ir);
        return 1;
    }
    forget_placement(d);
    d->ir = ir;
    d->placed = 1;
    d->place_stats = stats;
    d->place_top = design_use_top(d, nl->name);
    place_apply(&d->ir, d->lib, d->place_top);
    d->place_ms = now_ms() - t0;
    return 0;
}

place_ir *design_placement(const halo_design *d, int *top)
{
    if (!d->placed) return NULL;
    if (top) *top = d->place_top;
    return (place_ir *)&d->ir;
}

void design_place_stats(const halo_design *d, place_stats *stats, double *time_ms)
{
    *stats = d->place_stats;
    *time_ms = d->place_ms;
}

/* Write a moved item, and its mirror partner, into the layout. */
static void apply_move(halo_design *d, int item)
{
    place_apply_item(&d->ir, d->lib, d->place_top, item);
    int p = d->ir.items[item].partner;
    if (p >= 0 && p != item) place_apply_item(&d->ir, d->lib, d->place_top, p);
}

int design_shift(halo_design *d, int item, int32_t dx, int32_t dy)
{
    if (!d->placed || !place_shift(&d->ir, item, dx, dy)) return 0;
    apply_move(d, item);
    return 1;
}

int design_flip(halo_design *d, int item, int x_axis)
{
    if (!d->placed || !place_flip(&d->ir, item, x_axis)) return 0;
    apply_move(d, item);
    return 1;
}

int design_place_qos(const halo_design *d, double *area_um2, double *bbox_um2, double *hpwl_um)
{
    if (!d->placed) return 0;
    lay_box b = d->ir.boundary;
    *area_um2 = place_device_area(&d->ir) / 1e6;
    *bbox_um2 = (double)(b.x1 - b.x0) * (b.y1 - b.y0) / 1e6;
    *hpwl_um = place_hpwl(&d->ir) / 1e3;
    return 1;
}

int design_place_overlays(const halo_design *d, int cell, render_overlay **out)
{
    *out = NULL;
    if (!d->placed || cell != d->place_top) return 0;
    const place_ir *ir = &d->ir;
    int n = 0;
    render_overlay *ov = halo_xcalloc((size_t)ir->n + (size_t)ir->nclasses + 2, sizeof *ov);
    ov[n++] = (render_overlay){ir->boundary, NULL, 0x404040, 1};
    for (int i = 0; i < ir->n; i++) ov[n++] = (render_overlay){ir->items[i].halo, NULL, 0x2f7fd0, 1};
    int32_t thick = ir->boundary.y1 / 500 > 10 ? ir->boundary.y1 / 500 : 10;
    for (int k = 0; k < ir->nclasses; k++) {
        int32_t x = (int32_t)(ir->axis4[k] / 4);
        ov[n++] = (render_overlay){lay_box_make(x - thick / 2, 0, x + thick / 2 + 1, ir->boundary.y1),
                                   su_strdup("axis"), 0xd02020, 1};
    }
    *out = ov;
    return n;
}

void design_free_overlays(render_overlay *ov, int n)
{
    for (int i = 0; i < n; i++) free((char *)ov[i].text);
    free(ov);
}

/* ---------------------------------------------------------------- snapshots */

static int find_snapshot(const halo_design *d, const char *name)
{
    for (int i = 0; i < d->nsnaps; i++)
        if (strcmp(d->snaps[i].name, name) == 0) return i;
    return -1;
}

int design_snapshot_save(halo_design *d, const char *name, halo_err *err)
{
    if (!d->placed)
        return halo_err_set(err, HALO_E_PLC_STATE, NULL, 0, "No placement: run place first (after generate_devices).");
    int i = find_snapshot(d, name);
    if (i >= 0) {
        snapshot_free(&d->snaps[i]);
    } else {
        su_grow((void **)&d->snaps, &d->capsnaps, d->nsnaps + 1, sizeof *d->snaps);
        i = d->nsnaps++;
    }
    design_snapshot *s = &d->snaps[i];
    s->name = su_strdup(name);
    place_ir_copy(&s->ir, &d->ir);
    const lay_lib *lib = design_layout(d);
    s->cell_names = halo_xcalloc((size_t)s->ir.n + 1, sizeof *s->cell_names);
    for (int k = 0; k < s->ir.n; k++) s->cell_names[k] = su_strdup(lib->cells[s->ir.items[k].cell]->name);
    return 0;
}

/* Restore: the snapshot's devices must have the cells they had. */
int design_snapshot_restore(halo_design *d, const char *name, halo_err *err)
{
    int i = find_snapshot(d, name);
    char why[400];
    if (i < 0) {
        snprintf(why, sizeof why, "No snapshot named \"%s\"; snapshot list names them.", name);
        return halo_err_set(err, HALO_E_PLC_SNAPSHOT, NULL, 0, why);
    }
    const design_snapshot *s = &d->snaps[i];
    const int *dev_cell = NULL;
    int ndev = design_device_cells(d, &dev_cell, NULL);
    const lay_lib *lib = design_layout(d);
    for (int k = 0; k < s->ir.n; k++) {
        const place_item *it = &s->ir.items[k];
        int c = it->dev < ndev ? dev_cell[it->dev] : -1;
        if (c < 0 || strcmp(lib->cells[c]->name, s->cell_names[k]) != 0) {
            snprintf(why, sizeof why,
                     "Snapshot \"%s\" placed %s as cell %s, which the design's devices no longer use; "
                     "set_fingers and generate_devices as when it was saved.", name, it->name, s->cell_names[k]);
            return halo_err_set(err, HALO_E_PLC_SNAPSHOT, NULL, 0, why);
        }
    }
    drop_placement(d);
    place_ir_copy(&d->ir, &s->ir);
    for (int k = 0; k < d->ir.n; k++) d->ir.items[k].cell = dev_cell[d->ir.items[k].dev];
    d->placed = 1;
    d->place_top = design_use_top(d, d->nl ? d->nl->name : name);
    place_apply(&d->ir, d->lib, d->place_top);
    return 0;
}

int design_snapshot_delete(halo_design *d, const char *name)
{
    int i = find_snapshot(d, name);
    if (i < 0) return 0;
    snapshot_free(&d->snaps[i]);
    memmove(d->snaps + i, d->snaps + i + 1, (size_t)(d->nsnaps - i - 1) * sizeof *d->snaps);
    d->nsnaps--;
    return 1;
}

int design_snapshot_count(const halo_design *d)
{
    return d->nsnaps;
}

const char *design_snapshot_name(const halo_design *d, int i)
{
    return i >= 0 && i < d->nsnaps ? d->snaps[i].name : NULL;
}

/* ---------------------------------------------------------------- routing */

int design_route(halo_design *d, const route_opts *o, int incremental, halo_err *err)
{
    netlist *nl = design_need_netlist(d, err);
    if (!nl) return 1;
    int top;
    place_ir *ir = design_placement(d, &top);
    if (!ir) return halo_err_set(err, HALO_E_RTE_STATE, NULL, 0, "No placement to route: run place first.");
    if (!d->route) d->route = route_db_new();
    lay_lib *lib = design_layout(d);
    int rc = incremental ? route_incremental(d->route, ir, lib, nl, d->tech, o, &d->route_stats, err)
                         : route_run(d->route, ir, lib, nl, d->tech, o, &d->route_stats, err);
    if (rc != 0 || route_write(d->route, lib, top, err) != 0) {
        forget_routing(d);
        return 1;
    }
    return 0;
}

const route_db *design_routing(const halo_design *d, const route_stats **stats)
{
    if (stats) *stats = &d->route_stats;
    return d->route;
}
