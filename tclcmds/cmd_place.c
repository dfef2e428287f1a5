/*
 * cmd_place.c -- the placement commands: place, report_placement, perturb,
 * snapshot.
 *
 * The placement (core/place/place.h), the cell it is written into, the
 * last run's figures and the named snapshots that exploration saves and
 * restores are the design's (core/design.h), which drops the placement
 * whenever the device cells change.
 */
#include "halo_tcl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout/layout.h"
#include "place/place.h"
#include "layout/render.h"
#include "base/strutil.h"

static double um(double nm)
{
    return nm / 1000.0;
}

/* The placement, or an error saying how to make one. */
static place_ir *need_placement(Tcl_Interp *interp, halo_design *d, int *top)
{
    place_ir *ir = design_placement(d, top);
    if (!ir) halo_tcl_fail(interp, HALO_E_PLC_STATE, "No placement: run place first (after generate_devices).");
    return ir;
}

/* ---------------------------------------------------------------- place */

typedef struct place_args {
    place_opts o;
    double grid_um, halo_um;
} place_args;

static int parse_place_args(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], place_args *a)
{
    static const char *const options[] = {"-seed", "-effort", "-objective", "-halo", "-grid", "-random", NULL};
    static const char *const objectives[] = {"hpwl", "area", "both", NULL};
    for (int i = 1; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-seed, -effort, -objective, -halo, -grid or -random",
                            &which) != TCL_OK)
            return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        Tcl_WideInt w;
        double d;
        int k;
        switch (which) {
        case 0:
            if (Tcl_GetWideIntFromObj(NULL, v, &w) != TCL_OK || w < 0)
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-seed", Tcl_GetString(v), "a non-negative integer");
            a->o.seed = (uint64_t)w;
            break;
        case 1:
            if (Tcl_GetDoubleFromObj(NULL, v, &d) != TCL_OK || !(d >= 0 && d <= 1000))
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-effort", Tcl_GetString(v), "a number from 0 to 1000");
            a->o.effort = d;
            break;
        case 2:
            if (Tcl_GetIndexFromObj(NULL, v, objectives, "objective", 0, &k) != TCL_OK)
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-objective", Tcl_GetString(v), "hpwl, area or both");
            a->o.objective = k == 0 ? PLACE_OBJ_HPWL : k == 1 ? PLACE_OBJ_AREA : PLACE_OBJ_BOTH;
            break;
        case 3:
        case 4:
            if (Tcl_GetDoubleFromObj(NULL, v, &d) != TCL_OK || !(d >= 0 && d <= 1000))
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, options[which], Tcl_GetString(v), "a length in um");
            if (which == 3) a->halo_um = d;
            else a->grid_um = d;
            break;
        default:
            if (Tcl_GetIntFromObj(NULL, v, &k) != TCL_OK || k < 1 || k > 100000)
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-random", Tcl_GetString(v), "a count from 1 to 100000");
            a->o.random_samples = k;
        }
    }
    return TCL_OK;
}



/* The figures place returns and report_placement ends with. */
static Tcl_Obj *summary_obj(const place_ir *ir)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    halo_dict_put(d, "devices", Tcl_NewIntObj(ir->n));
    halo_dict_put(d, "hpwl", halo_num_obj(round(place_hpwl(ir)) / 1000.0));
    halo_dict_put(d, "area", halo_num_obj(round(place_device_area(ir) / 1e4) / 100.0));
    halo_dict_put(d, "halo_area", halo_num_obj(round(place_halo_area(ir) / 1e4) / 100.0));
    lay_box b = ir->boundary;
    halo_dict_put(d, "width", halo_num_obj(um(b.x1 - b.x0)));
    halo_dict_put(d, "height", halo_num_obj(um(b.y1 - b.y0)));
    halo_dict_put(d, "bbox_area", halo_num_obj(round((double)(b.x1 - b.x0) * (b.y1 - b.y0) / 1e4) / 100.0));
    Tcl_Obj *axes = Tcl_NewListObj(0, NULL);
    for (int k = 0; k < ir->nclasses; k++) Tcl_ListObjAppendElement(NULL, axes, halo_num_obj(ir->axis4[k] / 4000.0));
    halo_dict_put(d, "axes", axes);
    return d;
}

static int PlaceCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    place_args a;
    memset(&a, 0, sizeof a);
    a.o.seed = 1;
    a.o.effort = 1;
    a.o.objective = PLACE_OBJ_BOTH;
    a.grid_um = 0.005;
    a.halo_um = 0.5;
    if (parse_place_args(interp, objc, objv, &a) != TCL_OK) return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    if (design_place(d, &a.o, (int32_t)llround(a.grid_um * 1000), (int32_t)llround(a.halo_um * 1000), &err) != 0)
        return halo_tcl_error(interp, &err);
    place_stats stats;
    double time_ms;
    design_place_stats(d, &stats, &time_ms);
    Tcl_Obj *r = summary_obj(design_placement(d, NULL));
    halo_dict_put(r, "moves", Tcl_NewIntObj(stats.moves));
    halo_dict_put(r, "accepted", Tcl_NewIntObj(stats.accepted));
    halo_dict_put(r, "ilp_calls", Tcl_NewIntObj(stats.ilp_calls));
    halo_dict_put(r, "time_ms", halo_num_obj(round(time_ms * 1000) / 1000));
    Tcl_SetObjResult(interp, r);
    return TCL_OK;
}

/* ---------------------------------------------------------------- report */

static Tcl_Obj *item_obj(const place_ir *ir, const lay_lib *lib, const place_item *it)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    halo_dict_put(d, "cell", Tcl_NewStringObj(lib->cells[it->cell]->name, -1));
    halo_dict_put(d, "x", halo_num_obj(um(it->x)));
    halo_dict_put(d, "y", halo_num_obj(um(it->y)));
    halo_dict_put(d, "w", halo_num_obj(um(it->w)));
    halo_dict_put(d, "h", halo_num_obj(um(it->h)));
    halo_dict_put(d, "orient", Tcl_NewStringObj(lay_orient_name(it->orient), -1));
    halo_dict_put(d, "halo", halo_box_obj(&it->halo));
    halo_dict_put(d, "partner", Tcl_NewStringObj(it->partner >= 0 ? ir->items[it->partner].name : "", -1));
    return d;
}

static void report_text(const place_ir *ir, const lay_lib *lib, const char *design, su_buf *b)
{
    lay_box bd = ir->boundary;
    su_buf_printf(b, "Placement of %s: %d devices in %.3f x %.3f um, grid %g um, halo margin %g um\n", design, ir->n,
                  um(bd.x1), um(bd.y1), um(ir->grid), um(ir->margin));
    su_buf_printf(b, "  %-8s %-34s %9s %9s %-6s %17s  %-31s %s\n", "device", "cell", "x", "y", "orient",
                  "size", "halo box", "mirror of");
    for (int i = 0; i < ir->n; i++) {
        const place_item *it = &ir->items[i];
        char size[40], halo[64];
        snprintf(size, sizeof size, "%.3f x %.3f", um(it->w), um(it->h));
        snprintf(halo, sizeof halo, "%.3f %.3f %.3f %.3f", um(it->halo.x0), um(it->halo.y0), um(it->halo.x1),
                 um(it->halo.y1));
        const char *mirror = it->partner < 0 ? "" : it->partner == i ? "(on the axis)" : ir->items[it->partner].name;
        su_buf_printf(b, "  %-8s %-34s %9.3f %9.3f %-6s %17s  %-31s %s\n", it->name, lib->cells[it->cell]->name,
                      um(it->x), um(it->y), lay_orient_name(it->orient), size, halo, mirror);
    }
    su_buf_printf(b, "  HPWL %.3f um; area %.2f um^2 (sum of device boxes), %.2f um^2 (halo boxes), %.2f um^2 (boundary)",
                  um(place_hpwl(ir)), place_device_area(ir) / 1e6, place_halo_area(ir) / 1e6,
                  (double)bd.x1 * bd.y1 / 1e6);
    for (int k = 0; k < ir->nclasses; k++)
        su_buf_printf(b, "%s%.4f", k ? ", " : "; symmetry axis x = ", ir->axis4[k] / 4000.0);
    su_buf_add(b, ir->nclasses ? " um\n" : "\n");
}

static int ReportPlacementCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)objv;
    halo_design *d = cd;
    if (objc != 1) return halo_usage(interp, "report_placement");
    const place_ir *ir = need_placement(interp, d, NULL);
    if (!ir) return TCL_ERROR;
    const lay_lib *lib = design_layout(d);
    su_buf b = {0};
    report_text(ir, lib, design_netlist(d) ? design_netlist(d)->name : "", &b);
    halo_report(interp, b.s);
    su_buf_free(&b);
    Tcl_Obj *r = summary_obj(ir), *devs = Tcl_NewDictObj();
    for (int i = 0; i < ir->n; i++) halo_dict_put(devs, ir->items[i].name, item_obj(ir, lib, &ir->items[i]));
    halo_dict_put(r, "boundary", halo_box_obj(&ir->boundary));
    halo_dict_put(r, "grid", halo_num_obj(um(ir->grid)));
    halo_dict_put(r, "margin", halo_num_obj(um(ir->margin)));
    halo_dict_put(r, "device", devs);
    Tcl_SetObjResult(interp, r);
    return TCL_OK;
}

/* ---------------------------------------------------------------- perturb */

static int PerturbCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    static const char *const dirs[] = {"left", "right", "up", "down", "-flip", NULL};
    if (objc != 3 && objc != 4 && objc != 5) return halo_usage(interp, "perturb");
    place_ir *ir = need_placement(interp, d, NULL);
    if (!ir) return TCL_ERROR;
    int item = place_find(ir, Tcl_GetString(objv[1])), dir;
    if (item < 0) return halo_tcl_fail(interp, HALO_E_PLC_DEVICE, Tcl_GetString(objv[1]));
    if (Tcl_GetIndexFromObj(NULL, objv[2], dirs, "direction", 0, &dir) != TCL_OK)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "direction", Tcl_GetString(objv[2]),
                             "left, right, up, down or -flip x|y");
    int applied;
    if (dir == 4) {
        const char *axis = objc == 4 ? Tcl_GetString(objv[3]) : "";
        if (objc != 4 || (strcmp(axis, "x") != 0 && strcmp(axis, "y") != 0))
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-flip", axis, "x (mirror left-right) or y (mirror top-bottom)");
        applied = design_flip(d, item, axis[0] == 'x');
    } else {
        int step = 100;
        if (objc == 4) return halo_usage(interp, "perturb");
        if (objc == 5 && (strcmp(Tcl_GetString(objv[3]), "-step") != 0 ||
                          Tcl_GetIntFromObj(NULL, objv[4], &step) != TCL_OK || step <= 0 || step > 1000000))
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, Tcl_GetString(objv[3]), Tcl_GetString(objv[4]),
                                 "-step NM, a positive whole number of nanometres");
        int32_t dx = dir == 0 ? -step : dir == 1 ? step : 0, dy = dir == 2 ? step : dir == 3 ? -step : 0;
        applied = design_shift(d, item, dx, dy);
    }
    Tcl_SetObjResult(interp, Tcl_NewIntObj(applied));
    return TCL_OK;
}

/* ---------------------------------------------------------------- check */

static int CheckPlacementCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)objv;
    halo_design *d = cd;
    if (objc != 1) return halo_usage(interp, "check_placement");
    const place_ir *ir = need_placement(interp, d, NULL);
    if (!ir) return TCL_ERROR;
    char why[1200];
    int n = place_check(ir, why, sizeof why);
    Tcl_Obj *r = Tcl_NewListObj(0, NULL);
    Tcl_ListObjAppendElement(NULL, r, Tcl_NewIntObj(n));
    Tcl_ListObjAppendElement(NULL, r, Tcl_NewStringObj(why, -1));
    Tcl_SetObjResult(interp, r);
    return TCL_OK;
}

/* ---------------------------------------------------------------- snapshots */

static int SnapshotCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    static const char *const subs[] = {"save", "restore", "delete", "list", NULL};
    int sub;
    if (objc < 2 || Tcl_GetIndexFromObj(NULL, objv[1], subs, "subcommand", 0, &sub) != TCL_OK ||
        (sub == 3 ? objc != 2 : objc != 3))
        return halo_usage(interp, "snapshot");
    if (sub == 3) {
        Tcl_Obj *l = Tcl_NewListObj(0, NULL);
        for (int i = 0; i < design_snapshot_count(d); i++)
            Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj(design_snapshot_name(d, i), -1));
        Tcl_SetObjResult(interp, l);
        return TCL_OK;
    }
    const char *name = Tcl_GetString(objv[2]);
    halo_err err;
    halo_err_clear(&err);
    if (sub == 2) {
        Tcl_SetObjResult(interp, Tcl_NewBooleanObj(design_snapshot_delete(d, name)));
        return TCL_OK;
    }
    int rc = sub == 0 ? design_snapshot_save(d, name, &err) : design_snapshot_restore(d, name, &err);
    return rc == 0 ? TCL_OK : halo_tcl_error(interp, &err);
}

const HaloCmd halo_place_cmds[] = {
    {"place", PlaceCmd,
     "place ?-seed S? ?-effort E? ?-objective hpwl|area|both? ?-halo UM? ?-grid UM? ?-random N?",
     "Places the design's device cells (generate_devices first) as OSIRIS's baseline does: simulated annealing "
     "over symmetric-feasible sequence pairs and orientations, each candidate packed by longest paths, the best "
     "few solved exactly by an ILP (GLPK) that keeps the halos apart, matched pairs mirrored about a shared "
     "vertical axis at equal y, positions on the grid (default 0.005 um), minimising HPWL and boundary area "
     "(-objective, default both). Each device's halo box is its keep-out plus -halo um (default 0.5), the room "
     "perturb moves it in. -effort scales the annealing (default 1; 0 = the ILP on the initial pair only); "
     "-random N instead keeps the best of N random pairs. The same seed gives the same placement. Writes the "
     "placement into the design's cell and returns its figures (hpwl um, area um^2 = sum of device boxes, "
     "halo_area, bbox_area, width, height, axes, moves, ilp_calls, time_ms).",
     "Places the device cells (annealing, then an exact ILP)."},
    {"report_placement", ReportPlacementCmd, "report_placement",
     "Prints the placement (per device: cell, position, orientation, size, halo box, mirror partner; then HPWL, "
     "areas and the symmetry axis) and returns it as a dict with a `device` dict per device.",
     "Prints the placement and returns it as a dict."},
    {"perturb", PerturbCmd, "perturb DEV left|right|up|down ?-step NM? | perturb DEV -flip x|y",
     "Moves one placed device by -step nanometres (default 100, as OSIRIS) inside its halo box, its matched "
     "partner mirrored (a left move of one is a right move of the other), or flips it in place (-flip x mirrors "
     "left-right, -flip y top-bottom; the partner flips too). Returns 1 when applied, 0 when the move would "
     "leave the halo or the grid, in which case nothing changes.",
     "Moves or flips one placed device inside its halo."},
    {"check_placement", CheckPlacementCmd, "check_placement",
     "Checks the placement's legality: halo boxes disjoint and inside the boundary, every device's keep-out "
     "inside its halo, positions on the grid, matched pairs mirror images about their axis. Returns {COUNT "
     "TEXT}: the number of violations and the first few described.",
     "Checks the placement's legality."},
    {"snapshot", SnapshotCmd, "snapshot save|restore|delete NAME | snapshot list",
     "Saves the placement under NAME, restores it (the design's devices must still use the same cells), deletes "
     "it, or lists the names. Exploration saves a variant before a move and restores it when the move fails.",
     "Saves, restores, deletes or lists named placements."},
    {NULL, NULL, NULL, NULL, NULL},
};
