/*
 * cmd_verify.c -- the verification commands: check_drc, report_drc,
 * extract, check_lvs, report_lvs, extract_parasitics, and the Magic and
 * Netgen engines behind check_drc -engine magic / check_lvs -engine netgen.
 *
 * The last DRC, extraction, LVS and parasitic results are the design's
 * (core/design.h, design_verify.c), which the report_* commands print and
 * write_spice -stage post / simulate -stage post use.  The external
 * engines are Tcl procs
 * (tclcmds/engines.tcl, compiled in) that this file calls after writing
 * the GDS and schematic they need to a scratch directory.
 */
#include "halo_tcl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/drc.h"
#include "verify/extract.h"
#include "layout/gds.h"
#include "layout/layout.h"
#include "verify/lvs.h"
#include "verify/pex.h"
#include "netlist/spice.h"
#include "base/strutil.h"

static Tcl_Obj *box_um(lay_box b)
{
    Tcl_Obj *e[4] = {halo_num_obj(b.x0 / 1000.0), halo_num_obj(b.y0 / 1000.0), halo_num_obj(b.x1 / 1000.0),
                     halo_num_obj(b.y1 / 1000.0)};
    return Tcl_NewListObj(4, e);
}

/* Options shared by the checks: -cell NAME, -engine E, and per command one
 * more (-limit, -netlist, -mode).  Unset strings stay NULL. */
typedef struct verify_opts {
    Tcl_Obj *cell;
    const char *engine;
    Tcl_Obj *extra;
} verify_opts;

/* Is name one of the space-separated engines? */
static int engine_listed(const char *engines, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = engines; p && *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static int parse_verify_opts(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], const char *extra,
                             const char *engines, verify_opts *o)
{
    const char *options[4] = {"-cell", engines ? "-engine" : extra, engines ? extra : NULL, NULL};
    char expected[80];
    snprintf(expected, sizeof expected, "-cell%s%s%s", engines ? ", -engine" : "", extra ? " or " : "",
             extra ? extra : "");
    memset(o, 0, sizeof *o);
    for (int i = 1; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, expected, &which) != TCL_OK) return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        const char *name = options[which];
        if (strcmp(name, "-cell") == 0) o->cell = v;
        else if (strcmp(name, "-engine") == 0) o->engine = Tcl_GetString(v);
        else o->extra = v;
    }
    if (o->engine && strcmp(o->engine, "builtin") != 0 && !engine_listed(engines, o->engine)) {
        /* "builtin or magic", "builtin, magic or klayout" */
        char want[80];
        const char *last = strrchr(engines, ' ');
        if (last) snprintf(want, sizeof want, "builtin, %.*s or %s", (int)(last - engines), engines, last + 1);
        else snprintf(want, sizeof want, "builtin or %s", engines);
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-engine", o->engine, want);
    }
    return TCL_OK;
}

static int external_engine(const verify_opts *o)
{
    return o->engine && strcmp(o->engine, "builtin") != 0;
}

/* ---------------------------------------------------------------- DRC */

static int run_drc_builtin(Tcl_Interp *interp, halo_design *d, int cell)
{
    halo_err err;
    halo_err_clear(&err);
    int n;
    if (design_check_drc(d, cell, &n, &err) != 0) return halo_tcl_error(interp, &err);
    Tcl_SetObjResult(interp, Tcl_NewIntObj(n));
    return TCL_OK;
}

/* The real PDK's Magic tech file, or an error saying how to get one. */
static const char *need_magic_tech(Tcl_Interp *interp, halo_design *d)
{
    if (design_tech(d)->magic_tech) return design_tech(d)->magic_tech;
    halo_tcl_fail(interp, HALO_E_VER_ENGINE,
                  "The Magic engines need a real PDK's tech file: pdk load sky130 -root DIR first "
                  "(DIR/sky130A/libs.tech/magic/sky130A.tech).");
    return NULL;
}

/* Write a flattened copy of cell (named prefix+name) to a GDS file in a
 * fresh scratch directory; returns the copy's name in *flat_name. */
static int write_flat_gds(Tcl_Interp *interp, halo_design *d, int cell, Tcl_Obj **dir, Tcl_Obj **gds,
                          Tcl_Obj **flat_name)
{
    if (Tcl_Eval(interp, "::halo::engine::tempdir") != TCL_OK) return TCL_ERROR;
    *dir = Tcl_GetObjResult(interp);
    Tcl_IncrRefCount(*dir);
    lay_lib *lib = design_layout(d);
    char name[512];
    snprintf(name, sizeof name, "halo_flat_%s", lib->cells[cell]->name);
    *flat_name = Tcl_NewStringObj(name, -1);
    Tcl_IncrRefCount(*flat_name);
    *gds = Tcl_ObjPrintf("%s/layout.gds", Tcl_GetString(*dir));
    Tcl_IncrRefCount(*gds);
    int copy = lay_cell_flatten(lib, cell, name);
    if (copy < 0) return halo_tcl_fail(interp, HALO_E_VER_STATE, "A cell named halo_flat_... already exists.");
    halo_err err;
    halo_err_clear(&err);
    int rc = gds_write_file(lib, &copy, 1, Tcl_GetString(*gds), &err);
    lay_cell_remove_last(lib);
    if (rc != 0) return halo_tcl_error(interp, &err);
    return TCL_OK;
}

static void release(Tcl_Obj *o)
{
    if (o) Tcl_DecrRefCount(o);
}

/* Remove a scratch directory, keeping the interpreter's result. */
static void remove_dir(Tcl_Interp *interp, Tcl_Obj *dir)
{
    if (!dir) return;
    Tcl_Obj *saved = Tcl_GetObjResult(interp);
    Tcl_IncrRefCount(saved);
    Tcl_Obj *cmd[] = {Tcl_NewStringObj("file", -1), Tcl_NewStringObj("delete", -1), Tcl_NewStringObj("-force", -1), dir};
    Tcl_Obj *call = Tcl_NewListObj(4, cmd);
    Tcl_IncrRefCount(call);
    (void)Tcl_EvalObjEx(interp, call, 0);
    Tcl_DecrRefCount(call);
    Tcl_SetObjResult(interp, saved);
    Tcl_DecrRefCount(saved);
}

/* Remove an engine run's scratch directory and drop its objects. */
static void finish_engine(Tcl_Interp *interp, Tcl_Obj *dir, Tcl_Obj *gds, Tcl_Obj *name)
{
    remove_dir(interp, dir);
    release(dir);
    release(gds);
    release(name);
}

/* Write cell and the cells under it, as write_gds does, to a GDS file in a
 * fresh scratch directory: the external engines judge the file as halo
 * writes it, hierarchy and all. */
static int write_cell_gds(Tcl_Interp *interp, halo_design *d, int cell, Tcl_Obj **dir, Tcl_Obj **gds)
{
    if (Tcl_Eval(interp, "::halo::engine::tempdir") != TCL_OK) return TCL_ERROR;
    *dir = Tcl_GetObjResult(interp);
    Tcl_IncrRefCount(*dir);
    *gds = Tcl_ObjPrintf("%s/layout.gds", Tcl_GetString(*dir));
    Tcl_IncrRefCount(*gds);
    halo_err err;
    halo_err_clear(&err);
    if (gds_write_file(design_layout(d), &cell, 1, Tcl_GetString(*gds), &err) != 0)
        return halo_tcl_error(interp, &err);
    return TCL_OK;
}

/* Keep an engine's DRC verdict (a dict with count) for report_drc. */
static int keep_engine_drc(Tcl_Interp *interp, halo_design *d, int cell, const char *engine, Tcl_Obj *entry)
{
    Tcl_Obj *count = NULL, *k = Tcl_NewStringObj("count", -1);
    Tcl_IncrRefCount(k);
    int ok = entry && Tcl_DictObjGet(NULL, entry, k, &count) == TCL_OK && count;
    Tcl_DecrRefCount(k);
    if (!ok) return halo_tcl_fail(interp, HALO_E_VER_ENGINE, "The engine reported nothing for the cell.");
    Tcl_Obj *verdict = Tcl_DuplicateObj(entry);
    Tcl_IncrRefCount(verdict);
    halo_dict_put(verdict, "engine", Tcl_NewStringObj(engine, -1));
    design_keep_engine_drc(d, cell, Tcl_GetString(verdict));
    Tcl_DecrRefCount(verdict);
    Tcl_SetObjResult(interp, count);
    return TCL_OK;
}

/* Magic's drc(full) of the cell's hierarchy as written: Magic reads a
 * parent's shapes over a sub-cell's as its own types meeting, which a
 * flattened copy hides. */
static int run_drc_magic(Tcl_Interp *interp, halo_design *d, int cell)
{
    const char *techfile = need_magic_tech(interp, d);
    if (!techfile) return TCL_ERROR;
    Tcl_Obj *dir = NULL, *gds = NULL, *name = Tcl_NewStringObj(design_layout(d)->cells[cell]->name, -1);
    Tcl_IncrRefCount(name);
    int rc = write_cell_gds(interp, d, cell, &dir, &gds);
    if (rc == TCL_OK) {
        Tcl_Obj *cmd[] = {Tcl_NewStringObj("::halo::engine::magic_drc", -1), Tcl_NewStringObj(techfile, -1), gds,
                          Tcl_NewListObj(1, &name)};
        Tcl_Obj *call = Tcl_NewListObj(4, cmd);
        Tcl_IncrRefCount(call);
        rc = Tcl_EvalObjEx(interp, call, TCL_EVAL_GLOBAL);
        Tcl_DecrRefCount(call);
    }
    if (rc == TCL_OK) {
        Tcl_Obj *entry = NULL;
        Tcl_DictObjGet(NULL, Tcl_GetObjResult(interp), name, &entry);
        rc = keep_engine_drc(interp, d, cell, "magic", entry);
    }
    finish_engine(interp, dir, gds, name);
    return rc;
}

/* The open_pdks KLayout deck (FEOL on) on the cell's hierarchy, with the
 * waivers engines.tcl documents. */
static int run_drc_klayout(Tcl_Interp *interp, halo_design *d, int cell)
{
    const char *deck = design_tech(d)->klayout_drc;
    if (!deck)
        return halo_tcl_fail(interp, HALO_E_VER_ENGINE,
                             "The KLayout engine needs a real PDK's deck: pdk load sky130 -root DIR first "
                             "(DIR/sky130A/libs.tech/klayout/sky130.drc).");
    Tcl_Obj *dir = NULL, *gds = NULL;
    int rc = write_cell_gds(interp, d, cell, &dir, &gds);
    if (rc == TCL_OK) {
        Tcl_Obj *cmd[] = {Tcl_NewStringObj("::halo::engine::klayout_drc", -1), Tcl_NewStringObj(deck, -1), gds};
        Tcl_Obj *call = Tcl_NewListObj(3, cmd);
        Tcl_IncrRefCount(call);
        rc = Tcl_EvalObjEx(interp, call, TCL_EVAL_GLOBAL);
        Tcl_DecrRefCount(call);
    }
    if (rc == TCL_OK) rc = keep_engine_drc(interp, d, cell, "klayout", Tcl_GetObjResult(interp));
    finish_engine(interp, dir, gds, NULL);
    return rc;
}

/* check_drc ?-cell NAME? ?-engine builtin|magic|klayout? */
static int CheckDrcCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    verify_opts o;
    int cell;
    if (parse_verify_opts(interp, objc, objv, NULL, "magic klayout", &o) != TCL_OK) return TCL_ERROR;
    if (halo_pick_flat_cell(interp, d, o.cell, &cell) != TCL_OK) return TCL_ERROR;
    if (!external_engine(&o)) return run_drc_builtin(interp, d, cell);
    return strcmp(o.engine, "magic") == 0 ? run_drc_magic(interp, d, cell) : run_drc_klayout(interp, d, cell);
}

/* report_drc after an external engine: its verdict as it gave it (Magic:
 * the rule texts; KLayout: the markers, waived ones with why). */
static int report_engine_drc(Tcl_Interp *interp, const char *cell, const char *text, int limit)
{
    Tcl_Obj *verdict = Tcl_NewStringObj(text, -1);
    Tcl_Obj *engine = NULL, *count = NULL, *list = NULL;
    Tcl_Obj *keys[3] = {Tcl_NewStringObj("engine", -1), Tcl_NewStringObj("count", -1), NULL};
    for (int i = 0; i < 2; i++) Tcl_IncrRefCount(keys[i]);
    Tcl_DictObjGet(NULL, verdict, keys[0], &engine);
    Tcl_DictObjGet(NULL, verdict, keys[1], &count);
    int is_magic = engine && strcmp(Tcl_GetString(engine), "magic") == 0;
    keys[2] = Tcl_NewStringObj(is_magic ? "why" : "items", -1);
    Tcl_IncrRefCount(keys[2]);
    Tcl_DictObjGet(NULL, verdict, keys[2], &list);
    su_buf b = {0};
    su_buf_printf(&b, "DRC of %s (%s): %s violation(s)\n", cell, is_magic ? "Magic" : "KLayout deck",
                  count ? Tcl_GetString(count) : "?");
    int n = 0;
    if (list) Tcl_ListObjLength(NULL, list, &n);
    for (int i = 0; i < n && i < limit; i++) {
        Tcl_Obj *it;
        Tcl_ListObjIndex(NULL, list, i, &it);
        su_buf_printf(&b, "  %s\n", Tcl_GetString(it));
    }
    if (n > limit) su_buf_printf(&b, "  ... %d more (report_drc -limit N)\n", n - limit);
    halo_report(interp, b.s);
    su_buf_free(&b);
    for (int i = 0; i < 3; i++) Tcl_DecrRefCount(keys[i]);
    Tcl_SetObjResult(interp, verdict);
    return TCL_OK;
}

/* report_drc ?-limit N? */
static int ReportDrcCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    int limit = 50;
    if (objc == 3 && strcmp(Tcl_GetString(objv[1]), "-limit") == 0) {
        if (Tcl_GetIntFromObj(NULL, objv[2], &limit) != TCL_OK || limit < 0)
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-limit", Tcl_GetString(objv[2]), "a count >= 0");
    } else if (objc != 1) {
        return halo_usage(interp, "report_drc");
    }
    const char *cell, *const *layers;
    int nlayers;
    const drc_result *drc = design_drc(d, &cell, &layers, &nlayers);
    if (design_engine_drc(d)) return report_engine_drc(interp, cell, design_engine_drc(d), limit);
    if (!drc) return halo_tcl_fail(interp, HALO_E_VER_STATE, "No DRC result: run check_drc first.");
    su_buf b = {0};
    su_buf_printf(&b, "DRC of %s: %d violation%s (%d rules checked)\n", cell, drc->n, drc->n == 1 ? "" : "s",
                  drc->rules_checked);
    Tcl_Obj *list = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < drc->n && i < limit; i++) {
        const drc_violation *x = &drc->v[i];
        const char *layer = x->layer >= 0 && x->layer < nlayers ? layers[x->layer] : "";
        int area = strcmp(x->kind, "area") == 0 || strcmp(x->kind, "hole_area") == 0;
        double scale = area ? 1e6 : 1e3;
        su_buf_printf(&b, "  %-12s %-7s %-18s (%.3f %.3f) (%.3f %.3f)  measured %g required %g %s\n", x->rule,
                      layer, x->kind, x->box.x0 / 1e3, x->box.y0 / 1e3, x->box.x1 / 1e3, x->box.y1 / 1e3,
                      x->measured / scale, x->required / scale, area ? "um^2" : "um");
        Tcl_Obj *e = Tcl_NewDictObj();
        halo_dict_put(e, "rule", Tcl_NewStringObj(x->rule, -1));
        halo_dict_put(e, "layer", Tcl_NewStringObj(layer, -1));
        halo_dict_put(e, "kind", Tcl_NewStringObj(x->kind, -1));
        halo_dict_put(e, "box", box_um(x->box));
        halo_dict_put(e, "measured", halo_num_obj(x->measured / scale));
        halo_dict_put(e, "required", halo_num_obj(x->required / scale));
        Tcl_ListObjAppendElement(NULL, list, e);
    }
    if (drc->n > limit) su_buf_printf(&b, "  ... %d more (report_drc -limit N)\n", drc->n - limit);
    halo_report(interp, b.s);
    su_buf_free(&b);
    Tcl_SetObjResult(interp, list);
    return TCL_OK;
}

/* ---------------------------------------------------------------- extraction */

static Tcl_Obj *warnings_obj(const ext_result *r)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < r->nwarnings; i++) {
        Tcl_Obj *e[2] = {Tcl_NewStringObj(r->warnings[i].code, -1), Tcl_NewStringObj(r->warnings[i].message, -1)};
        Tcl_ListObjAppendElement(NULL, l, Tcl_NewListObj(2, e));
    }
    return l;
}

/* extract ?-cell NAME?: the netlist of the layout as a dict. */
static int ExtractCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    verify_opts o;
    int cell;
    if (parse_verify_opts(interp, objc, objv, NULL, NULL, &o) != TCL_OK) return TCL_ERROR;
    if (halo_pick_flat_cell(interp, d, o.cell, &cell) != TCL_OK) return TCL_ERROR;
    const ext_result *r;
    halo_err err;
    halo_err_clear(&err);
    if (design_extract(d, cell, &r, &err) != 0) return halo_tcl_error(interp, &err);
    spice_write_opts wo = {0, "extracted by halo", 1};
    char *text = spice_write_text(r->nl, &wo);
    Tcl_Obj *res = Tcl_NewDictObj();
    halo_dict_put(res, "devices", Tcl_NewIntObj(r->nl->ndevs));
    halo_dict_put(res, "nets", Tcl_NewIntObj(r->nl->nnets));
    halo_dict_put(res, "ports", Tcl_NewIntObj(r->nl->nports));
    halo_dict_put(res, "warnings", warnings_obj(r));
    halo_dict_put(res, "spice", Tcl_NewStringObj(text, -1));
    free(text);
    Tcl_SetObjResult(interp, res);
    return TCL_OK;
}

/* ---------------------------------------------------------------- LVS */

/* "I0 V1": the design's simulation-only devices, "" when none. */
static Tcl_Obj *sim_only_list(const halo_design *d)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    const netlist *nl = design_netlist(d);
    for (int i = 0; nl && i < nl->ndevs; i++)
        if (netlist_is_sim_only(&nl->devs[i])) Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj(nl->devs[i].name, -1));
    return l;
}

static Tcl_Obj *lvs_items_obj(const lvs_result *r)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < r->nitems; i++) {
        Tcl_Obj *d = Tcl_NewDictObj();
        halo_dict_put(d, "kind", Tcl_NewStringObj(r->items[i].kind, -1));
        halo_dict_put(d, "layout", Tcl_NewStringObj(r->items[i].layout, -1));
        halo_dict_put(d, "schematic", Tcl_NewStringObj(r->items[i].schematic, -1));
        halo_dict_put(d, "message", Tcl_NewStringObj(r->items[i].message, -1));
        Tcl_ListObjAppendElement(NULL, l, d);
    }
    return l;
}

static int run_lvs_builtin(Tcl_Interp *interp, halo_design *d, int cell, netlist *schematic)
{
    halo_err err;
    halo_err_clear(&err);
    int match;
    if (design_check_lvs(d, cell, schematic, &match, &err) != 0) return halo_tcl_error(interp, &err);
    Tcl_SetObjResult(interp, Tcl_NewBooleanObj(match));
    return TCL_OK;
}

static int run_lvs_netgen(Tcl_Interp *interp, halo_design *d, int cell, netlist *schematic)
{
    const char *techfile = need_magic_tech(interp, d);
    if (!techfile) return TCL_ERROR;
    Tcl_Obj *dir = NULL, *gds = NULL, *name = NULL;
    int rc = write_flat_gds(interp, d, cell, &dir, &gds, &name);
    if (rc == TCL_OK) {
        /* the schematic as a subcircuit of the flattened copy's name */
        netlist *copy = netlist_clone(schematic);
        free(copy->name);
        copy->name = su_strdup(Tcl_GetString(name));
        Tcl_Obj *sch = Tcl_ObjPrintf("%s/schematic.spice", Tcl_GetString(dir));
        Tcl_IncrRefCount(sch);
        halo_err err;
        halo_err_clear(&err);
        spice_write_opts wo = {0, NULL, 1};
        rc = spice_write_file(copy, Tcl_GetString(sch), &wo, &err) == 0 ? TCL_OK : halo_tcl_error(interp, &err);
        netlist_free(copy);
        if (rc == TCL_OK) {
            Tcl_Obj *schematics = Tcl_NewDictObj();
            Tcl_DictObjPut(NULL, schematics, name, sch);
            Tcl_Obj *cmd[] = {Tcl_NewStringObj("::halo::engine::lvs_cells", -1), Tcl_NewStringObj(techfile, -1),
                              gds, schematics, dir};
            Tcl_Obj *call = Tcl_NewListObj(5, cmd);
            Tcl_IncrRefCount(call);
            rc = Tcl_EvalObjEx(interp, call, TCL_EVAL_GLOBAL);
            Tcl_DecrRefCount(call);
        }
        Tcl_DecrRefCount(sch);
    }
    if (rc == TCL_OK) {
        Tcl_Obj *entry = NULL, *match = NULL;
        Tcl_DictObjGet(NULL, Tcl_GetObjResult(interp), name, &entry);
        Tcl_Obj *k = Tcl_NewStringObj("match", -1);
        Tcl_IncrRefCount(k);
        if (entry) Tcl_DictObjGet(NULL, entry, k, &match);
        Tcl_DecrRefCount(k);
        if (!match) {
            rc = halo_tcl_fail(interp, HALO_E_VER_ENGINE, "Netgen reported nothing for the cell.");
        } else {
            design_keep_engine_lvs(d, cell, Tcl_GetString(entry));
            Tcl_SetObjResult(interp, match);
        }
    }
    finish_engine(interp, dir, gds, name);
    return rc;
}

/* check_lvs ?-cell NAME? ?-engine builtin|netgen? ?-netlist FILE? */
static int CheckLvsCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    verify_opts o;
    int cell, owned;
    if (parse_verify_opts(interp, objc, objv, "-netlist", "netgen", &o) != TCL_OK) return TCL_ERROR;
    if (halo_pick_flat_cell(interp, d, o.cell, &cell) != TCL_OK) return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    netlist *schematic = design_schematic(d, o.extra ? Tcl_GetString(o.extra) : NULL,
                                          design_layout(d)->cells[cell]->name, &owned, &err);
    if (!schematic) return halo_tcl_error(interp, &err);
    int rc = external_engine(&o) ? run_lvs_netgen(interp, d, cell, schematic)
                                 : run_lvs_builtin(interp, d, cell, schematic);
    if (owned) netlist_free(schematic);
    return rc;
}

/* report_lvs: prints the last comparison, returns it as a dict. */
static int ReportLvsCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)objv;
    halo_design *d = cd;
    if (objc != 1) return halo_usage(interp, "report_lvs");
    const char *cell;
    const lvs_result *r = design_lvs(d, &cell);
    if (design_engine_lvs(d)) {
        Tcl_Obj *verdict = Tcl_NewStringObj(design_engine_lvs(d), -1);
        Tcl_Obj *problems = NULL, *k = Tcl_NewStringObj("problems", -1);
        Tcl_IncrRefCount(k);
        Tcl_DictObjGet(NULL, verdict, k, &problems);
        Tcl_DecrRefCount(k);
        su_buf b = {0};
        int n = 0;
        if (problems) Tcl_ListObjLength(NULL, problems, &n);
        su_buf_printf(&b, "LVS of %s (Magic + Netgen): %s\n", cell, n ? "MISMATCH" : "match");
        for (int i = 0; i < n; i++) {
            Tcl_Obj *p;
            Tcl_ListObjIndex(NULL, problems, i, &p);
            su_buf_printf(&b, "  %s\n", Tcl_GetString(p));
        }
        halo_report(interp, b.s);
        su_buf_free(&b);
        Tcl_SetObjResult(interp, verdict);
        return TCL_OK;
    }
    if (!r) return halo_tcl_fail(interp, HALO_E_VER_STATE, "No LVS result: run check_lvs first.");
    su_buf b = {0};
    su_buf_printf(&b, "LVS of %s: %s\n  devices: layout %d, schematic %d\n  nets:    layout %d, schematic %d\n",
                  cell, r->match ? "match" : "MISMATCH", r->layout_devices, r->schematic_devices,
                  r->layout_nets, r->schematic_nets);
    for (int i = 0; i < r->nitems; i++)
        su_buf_printf(&b, "  %-8s %s\n", r->items[i].kind, r->items[i].message);
    Tcl_Obj *sim_only = sim_only_list(d);
    int nsim = 0;
    Tcl_ListObjLength(NULL, sim_only, &nsim);
    if (nsim) su_buf_printf(&b, "  simulation only, not in the layout and not compared: %s\n", Tcl_GetString(sim_only));
    halo_report(interp, b.s);
    su_buf_free(&b);
    Tcl_Obj *o = Tcl_NewDictObj();
    halo_dict_put(o, "match", Tcl_NewBooleanObj(r->match));
    halo_dict_put(o, "layout_devices", Tcl_NewIntObj(r->layout_devices));
    halo_dict_put(o, "schematic_devices", Tcl_NewIntObj(r->schematic_devices));
    halo_dict_put(o, "layout_nets", Tcl_NewIntObj(r->layout_nets));
    halo_dict_put(o, "schematic_nets", Tcl_NewIntObj(r->schematic_nets));
    halo_dict_put(o, "items", lvs_items_obj(r));
    halo_dict_put(o, "sim_only", sim_only);
    Tcl_SetObjResult(interp, o);
    return TCL_OK;
}

/* ---------------------------------------------------------------- PEX */

/* Options of extract_parasitics. */
typedef struct pex_opts {
    Tcl_Obj *cell;
    pex_mode mode;
    const tech_pex_set *set;     /* NULL: the nominal coefficients */
} pex_opts;

static int parse_pex_opts(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[], pex_opts *o)
{
    static const char *const options[] = {"-cell", "-mode", "-coefficients", NULL};
    memset(o, 0, sizeof *o);
    o->mode = PEX_C;
    for (int i = 1; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-cell, -mode or -coefficients", &which) != TCL_OK)
            return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        const char *s = Tcl_GetString(v);
        if (which == 0) {
            o->cell = v;
        } else if (which == 1) {
            if (strcmp(s, "rc") == 0) o->mode = PEX_RC;
            else if (strcmp(s, "c") != 0) return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-mode", s, "c or rc");
        } else if (strcmp(s, "nominal") != 0) {
            o->set = tech_find_pex_set(design_tech(d), s);
            if (!o->set) return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-coefficients", s, "nominal or a pex_sets name of the tech");
        }
    }
    return TCL_OK;
}

/* extract_parasitics ?-cell NAME? ?-mode c|rc? ?-coefficients NAME? */
static int ExtractParasiticsCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    pex_opts o;
    int cell;
    if (parse_pex_opts(interp, d, objc, objv, &o) != TCL_OK) return TCL_ERROR;
    pex_mode mode = o.mode;
    if (halo_pick_flat_cell(interp, d, o.cell, &cell) != TCL_OK) return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    const pex_result *pex;
    const ext_result *ext;
    if (design_extract_parasitics(d, cell, mode, o.set, &pex, &ext, &err) != 0) return halo_tcl_error(interp, &err);
    Tcl_Obj *nets = Tcl_NewDictObj();
    for (int i = 0; i < pex->nnets; i++)
        halo_dict_put(nets, ext->nl->nets[i].name, halo_num_obj(pex->net_cap_f[i] * 1e15));
    /* each capacitor once (a net's total counts its couplings too) */
    double total = 0;
    for (int i = 0; i < pex->ncaps; i++) total += pex->caps[i].farad;
    Tcl_Obj *r = Tcl_NewDictObj();
    halo_dict_put(r, "mode", Tcl_NewStringObj(mode == PEX_RC ? "rc" : "c", -1));
    halo_dict_put(r, "coefficients", Tcl_NewStringObj(o.set ? o.set->name : "nominal", -1));
    halo_dict_put(r, "nets_fF", nets);
    halo_dict_put(r, "capacitors", Tcl_NewIntObj(pex->ncaps));
    halo_dict_put(r, "resistors", Tcl_NewIntObj(pex->nres));
    halo_dict_put(r, "total_fF", halo_num_obj(total * 1e15));
    Tcl_SetObjResult(interp, r);
    return TCL_OK;
}

const HaloCmd halo_verify_cmds[] = {
    {"check_drc", CheckDrcCmd, "check_drc ?-cell NAME? ?-engine builtin|magic|klayout?",
     "Checks a cell (default: the current one) against the sky130 design rules of every layer halo draws -- "
     "width, spacing (corner to corner as well), notch, exact cut sizes, enclosures (one-direction "
     "variants too), extensions, minimum area, implant and well rules, MIM (capm.10 straddling, met3 "
     "drawn over a capm as Magic reads a hierarchy) and poly-resistor rules -- and returns the number "
     "of violations; report_drc lists them with their rule ids. The external engines judge the cell "
     "and the cells under it as write_gds writes them (needs pdk load -root): -engine magic runs "
     "Magic's drc(full) with the PDK's tech file, -engine klayout the open_pdks KLayout deck (FEOL on), "
     "waiving the three markers its coding reports where the rule text forbids nothing (engines.tcl, "
     "README); each returns its count.",
     "Checks a cell against the sky130 design rules."},
    {"report_drc", ReportDrcCmd, "report_drc ?-limit N?",
     "Prints the violations of the last check_drc (at most N, default 50): rule id, layer, kind, box in "
     "um, measured and required value. Returns them as a list of dicts {rule layer kind box measured "
     "required}; after an external engine, its verdict as a dict (engine, count, and Magic's rule "
     "texts as why or KLayout's markers as items {rule where waived}).",
     "Prints the violations of the last check_drc."},
    {"extract", ExtractCmd, "extract ?-cell NAME?",
     "Extracts the netlist of a cell: connectivity through contacts and vias, net names from top-level "
     "pins and labels, MOS transistors (parallel fingers as one device with W the total width and nf the "
     "finger count), MIM capacitors and poly resistors with their value. Returns a dict {devices nets "
     "ports warnings spice}; warnings name labels on two unconnected pieces and pins on no shape.",
     "Extracts the device netlist of a cell."},
    {"check_lvs", CheckLvsCmd, "check_lvs ?-cell NAME? ?-engine builtin|netgen? ?-netlist FILE?",
     "Compares a cell's extracted netlist with the design after set_fingers (or the subcircuit of "
     "-netlist FILE) by partition refinement, with source/drain and resistor ends permutable and W, L, "
     "nf, C and R checked within 1%; pins are compared by name, and a label on two unconnected pieces or "
     "a pin on no shape fails. Returns 1 when they match. -engine netgen runs Magic's extraction and "
     "Netgen with halo's pdk/sky130/netgen_setup.tcl, plus the pin checks Netgen lacks.",
     "Compares a cell's layout with the design's netlist."},
    {"report_lvs", ReportLvsCmd, "report_lvs",
     "Prints the last check_lvs: the verdict, device and net counts, and each difference (unmatched nets "
     "and devices, property errors, pin problems) naming the layout and schematic objects. Returns a "
     "dict {match layout_devices schematic_devices layout_nets schematic_nets items}.",
     "Prints the verdict and differences of the last check_lvs."},
    {"extract_parasitics", ExtractParasiticsCmd,
     "extract_parasitics ?-cell NAME? ?-mode c|rc? ?-coefficients nominal|NAME?",
     "Extracts the cell's parasitics from the technology's coefficients: area and fringe capacitance to "
     "substrate per layer, coupling between neighbouring wires and between overlapping layers, and with "
     "-mode rc wire and via resistance. -coefficients picks another set of layer coefficients the tech "
     "names (sky130: magic2020, those of the Magic tech file Debian's magic loads). The post-layout netlist (devices with their extracted geometry, "
     "R and C) becomes what write_spice -stage post writes and simulate -stage post runs. Returns a dict "
     "{mode coefficients nets_fF capacitors resistors total_fF}: nets_fF each net's total (to substrate and "
     "to its neighbours), total_fF every capacitor once.",
     "Extracts wire capacitance (and resistance) of a cell."},
    {NULL, NULL, NULL, NULL, NULL},
};
