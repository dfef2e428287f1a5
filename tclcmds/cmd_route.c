/*
 * cmd_route.c -- the routing commands: route, report_route.
 *
 * The router's database (core/route/route.h) and the figures of its last
 * run are the design's (core/design.h), which drops them whenever the
 * placement is replaced.  route writes the routed shapes into the
 * placement's cell, next to the device instances; after a perturb, route
 * -incremental reroutes what moved.
 */
#include "halo_tcl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout/layout.h"
#include "place/place.h"
#include "route/route.h"
#include "base/strutil.h"

static const char *const layer_names[ROUTE_NLAYERS] = {"li1", "met1", "met2", "met3", "met4"};
static const char *const cut_names[ROUTE_NLAYERS - 1] = {"mcon", "via", "via2", "via3"};

static Tcl_Obj *per_layer_obj(const int64_t *wl)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    for (int l = 0; l < ROUTE_NLAYERS; l++) halo_dict_put(d, layer_names[l], halo_num_obj(wl[l] / 1000.0));
    return d;
}

static Tcl_Obj *per_cut_obj(const int *v)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    for (int c = 0; c < ROUTE_NLAYERS - 1; c++) halo_dict_put(d, cut_names[c], Tcl_NewIntObj(v[c]));
    return d;
}

static int64_t total_wl(const int64_t *wl)
{
    int64_t s = 0;
    for (int l = 0; l < ROUTE_NLAYERS; l++) s += wl[l];
    return s;
}

static int total_vias(const int *v)
{
    int s = 0;
    for (int c = 0; c < ROUTE_NLAYERS - 1; c++) s += v[c];
    return s;
}

static Tcl_Obj *unrouted_obj(const route_db *db)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (int m = 0; m < route_net_count(db); m++) {
        route_net_info ni;
        route_net_info_get(db, m, &ni);
        if (ni.routed == 0) Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj(ni.name, -1));
    }
    return l;
}

static Tcl_Obj *summary_obj(const route_db *db, const route_stats *s)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    halo_dict_put(d, "nets", Tcl_NewIntObj(s->nets));
    halo_dict_put(d, "routed", Tcl_NewIntObj(s->routed));
    halo_dict_put(d, "failed", Tcl_NewIntObj(s->failed));
    halo_dict_put(d, "unrouted", unrouted_obj(db));
    halo_dict_put(d, "rerouted", Tcl_NewIntObj(s->rerouted));
    halo_dict_put(d, "symmetric", Tcl_NewIntObj(s->symmetric));
    halo_dict_put(d, "ripups", Tcl_NewIntObj(s->ripups));
    halo_dict_put(d, "overflow", Tcl_NewIntObj(s->global_overflow));
    halo_dict_put(d, "wirelength", halo_num_obj(total_wl(s->wirelength_nm) / 1000.0));
    halo_dict_put(d, "layers", per_layer_obj(s->wirelength_nm));
    halo_dict_put(d, "vias", Tcl_NewIntObj(total_vias(s->vias)));
    halo_dict_put(d, "cuts", per_cut_obj(s->vias));
    halo_dict_put(d, "pitch", halo_num_obj(route_pitch(db) / 1000.0));
    halo_dict_put(d, "time_ms", halo_num_obj(((long long)(s->time_ms * 1000 + 0.5)) / 1000.0));
    return d;
}

/* ---------------------------------------------------------------- route */

static int RouteCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    static const char *const options[] = {"-incremental", "-no_symmetry", NULL};
    route_opts o;
    route_opts_default(&o);
    int incremental = 0;
    for (int i = 1; i < objc; i++) {
        int which;
        if (Tcl_GetIndexFromObj(NULL, objv[i], options, "option", 0, &which) != TCL_OK)
            return halo_tcl_fail(interp, HALO_E_CMD_OPTION, Tcl_GetString(objv[i]), "-incremental or -no_symmetry");
        if (which == 0) incremental = 1;
        else o.symmetric = 0;
    }
    halo_err err;
    halo_err_clear(&err);
    if (design_route(d, &o, incremental, &err) != 0) return halo_tcl_error(interp, &err);
    const route_stats *stats;
    const route_db *db = design_routing(d, &stats);
    Tcl_SetObjResult(interp, summary_obj(db, stats));
    return TCL_OK;
}

/* ---------------------------------------------------------------- report_route */

static void report_text(su_buf *b, const route_db *db, const route_stats *s)
{
    /* no time here: reports are compared with golden logs; the dict has it */
    su_buf_printf(b, "Routing: %d of %d nets routed, %d failed; lattice pitch %.3f um (%d nets routed by the last run, %d symmetric pairs, %d rip-ups)\n",
                  s->routed, s->nets, s->failed, route_pitch(db) / 1000.0, s->rerouted, s->symmetric, s->ripups);
    su_buf_printf(b, "  %-14s %5s %9s", "net", "terms", "length");
    for (int l = 0; l < ROUTE_NLAYERS; l++) su_buf_printf(b, " %7s", layer_names[l]);
    su_buf_printf(b, " %5s  %s\n", "vias", "status");
    for (int m = 0; m < route_net_count(db); m++) {
        route_net_info ni;
        route_net_info_get(db, m, &ni);
        if (ni.terminals == 0) continue;
        su_buf_printf(b, "  %-14s %5d %9.2f", ni.name, ni.terminals, total_wl(ni.wirelength_nm) / 1000.0);
        for (int l = 0; l < ROUTE_NLAYERS; l++) su_buf_printf(b, " %7.2f", ni.wirelength_nm[l] / 1000.0);
        const char *status = ni.routed < 0 ? "one terminal" : ni.routed ? "" : ni.why;
        su_buf_printf(b, " %5d  %s%s", total_vias(ni.vias), status, ni.supply ? "supply" : "");
        if (ni.mirror_of >= 0) {
            route_net_info mi;
            route_net_info_get(db, ni.mirror_of, &mi);
            su_buf_printf(b, "%smirror of %s", ni.supply ? ", " : "", mi.name);
        }
        su_buf_printf(b, "\n");
    }
    su_buf_printf(b, "  %-14s %5s %9.2f", "total", "", total_wl(s->wirelength_nm) / 1000.0);
    for (int l = 0; l < ROUTE_NLAYERS; l++) su_buf_printf(b, " %7.2f", s->wirelength_nm[l] / 1000.0);
    su_buf_printf(b, " %5d\n", total_vias(s->vias));
}

static Tcl_Obj *nets_obj(const route_db *db)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    for (int m = 0; m < route_net_count(db); m++) {
        route_net_info ni;
        route_net_info_get(db, m, &ni);
        if (ni.terminals == 0) continue;
        Tcl_Obj *n = Tcl_NewDictObj();
        halo_dict_put(n, "terminals", Tcl_NewIntObj(ni.terminals));
        halo_dict_put(n, "routed", Tcl_NewIntObj(ni.routed));
        halo_dict_put(n, "supply", Tcl_NewIntObj(ni.supply));
        halo_dict_put(n, "wirelength", halo_num_obj(total_wl(ni.wirelength_nm) / 1000.0));
        halo_dict_put(n, "layers", per_layer_obj(ni.wirelength_nm));
        halo_dict_put(n, "vias", Tcl_NewIntObj(total_vias(ni.vias)));
        route_net_info mi;
        if (ni.mirror_of >= 0) route_net_info_get(db, ni.mirror_of, &mi);
        halo_dict_put(n, "mirror_of", Tcl_NewStringObj(ni.mirror_of >= 0 ? mi.name : "", -1));
        halo_dict_put(n, "why", Tcl_NewStringObj(ni.why, -1));
        Tcl_DictObjPut(NULL, d, Tcl_NewStringObj(ni.name, -1), n);
    }
    return d;
}

static int ReportRouteCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    (void)objv;
    if (objc != 1) return halo_usage(interp, "report_route");
    const route_stats *stats;
    const route_db *db = design_routing(d, &stats);
    if (!db || !route_has_result(db))
        return halo_tcl_fail(interp, HALO_E_RTE_STATE, "No routing: run route first (after place).");
    su_buf b = {NULL, 0, 0};
    report_text(&b, db, stats);
    halo_report(interp, b.s);
    su_buf_free(&b);
    Tcl_Obj *r = summary_obj(db, stats);
    halo_dict_put(r, "net", nets_obj(db));
    Tcl_SetObjResult(interp, r);
    return TCL_OK;
}

const HaloCmd halo_route_cmds[] = {
    {"route", RouteCmd, "route ?-incremental? ?-no_symmetry?",
     "Routes every net of the placed design on li1, met1, met2, met3 and met4: global routing (Dijkstra over "
     "routing cells, negotiated congestion), then detailed A* on a lattice whose pitch the design rules set, so "
     "the result is DRC-clean by construction; supply nets run wide, and the nets of matched pairs are routed as "
     "mirror images where the placement is symmetric.  The shapes go into the placement's cell with a pin per "
     "port.  -incremental (after perturb) reroutes only the nets of moved devices and the nets they now "
     "obstruct.  Returns a dict: nets routed failed unrouted rerouted symmetric ripups overflow wirelength (um) "
     "layers vias cuts pitch time_ms.",
     "Routes every net of the placed design, DRC-clean."},
    {"report_route", ReportRouteCmd, "report_route",
     "Prints the last routing: per net its terminals, wirelength per layer and vias, and why a net failed; "
     "returns route's dict with a `net` sub-dict per net (terminals routed supply wirelength layers vias "
     "mirror_of why).",
     "Prints the last routing per net; returns it as a dict."},
    {NULL, NULL, NULL, NULL, NULL},
};
