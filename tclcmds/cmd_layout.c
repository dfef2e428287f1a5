/*
 * cmd_layout.c -- the layout commands: generate_devices, generate_device,
 * report_devices, report_layout, write_gds, read_gds, write_image.
 *
 * The layout, the current cell and which cell each device of the design
 * uses are the design's (core/design.h); these commands read and edit
 * them.
 */
#include "halo_tcl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout/devgen.h"
#include "layout/gds.h"
#include "layout/layout.h"
#include "layout/render.h"
#include "base/strutil.h"

static double um(int64_t nm)
{
    return nm / 1000.0;
}

/* ---------------------------------------------------------------- generate */

static int parse_generate_opts(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], devgen_opts *o)
{
    static const char *const options[] = {"-dummies", NULL};
    for (int i = 1; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-dummies", &which) != TCL_OK) return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        if (Tcl_GetBooleanFromObj(NULL, v, &o->dummies) != TCL_OK)
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-dummies", Tcl_GetString(v), "a boolean");
    }
    return TCL_OK;
}

static int GenerateDevicesCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    devgen_opts o = {0};
    if (parse_generate_opts(interp, objc, objv, &o) != TCL_OK) return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    if (design_generate_devices(d, &o, &err) != 0) return halo_tcl_error(interp, &err);
    const netlist *nl = design_netlist(d);
    const int *dev_cell;
    int n = design_device_cells(d, &dev_cell, NULL);
    Tcl_Obj *result = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < n; i++) {
        if (dev_cell[i] < 0) continue;
        Tcl_ListObjAppendElement(NULL, result, Tcl_NewStringObj(nl->devs[i].name, -1));
        Tcl_ListObjAppendElement(NULL, result, Tcl_NewStringObj(design_layout(d)->cells[dev_cell[i]]->name, -1));
    }
    Tcl_SetObjResult(interp, result);
    return TCL_OK;
}

/* generate_device MODEL ?-w W? ?-l L? ?-nf N? ?-m M? ?-dummies B? ?-r OHMS? */
static int GenerateDeviceCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    static const char *const options[] = {"-w", "-l", "-nf", "-m", "-dummies", "-r", NULL};
    if (objc < 2) return halo_usage(interp, "generate_device");
    double val[6] = {0, 0, 1, 1, 0, 0};
    for (int i = 2; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-w, -l, -nf, -m, -dummies or -r", &which) != TCL_OK)
            return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        if (which == 4) {
            int b;
            if (Tcl_GetBooleanFromObj(NULL, v, &b) != TCL_OK)
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-dummies", Tcl_GetString(v), "a boolean");
            val[4] = b;
        } else if (Tcl_GetDoubleFromObj(NULL, v, &val[which]) != TCL_OK || !(val[which] > 0)) {
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, options[which], Tcl_GetString(v), "a positive number");
        }
    }
    halo_err err;
    halo_err_clear(&err);
    int c;
    if (design_generate_device(d, Tcl_GetString(objv[1]), val[0], val[1], val[2], val[3], (int)val[4], val[5], &c,
                               &err) != 0)
        return halo_tcl_error(interp, &err);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(design_layout(d)->cells[c]->name, -1));
    return TCL_OK;
}

static int ClearLayoutCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)objv;
    if (objc != 1) return halo_usage(interp, "clear_layout");
    halo_design *d = cd;
    design_replace_layout(d, lay_lib_new("halo", design_tech(d)), -1);
    return TCL_OK;
}

/* ---------------------------------------------------------------- reports */



static Tcl_Obj *device_dict(const lay_lib *lib, const netlist_device *d, int cell, const devgen_spec *s)
{
    devgen_info info;
    devgen_describe(lib, cell, s, &info);
    Tcl_Obj *o = Tcl_NewDictObj();
    halo_dict_put(o, "device", Tcl_NewStringObj(d ? d->name : lib->cells[cell]->name, -1));
    halo_dict_put(o, "cell", Tcl_NewStringObj(lib->cells[cell]->name, -1));
    halo_dict_put(o, "kind", Tcl_NewStringObj(s->dev->name, -1));
    double w = um(info.bbox.x1 - info.bbox.x0), h = um(info.bbox.y1 - info.bbox.y0);
    halo_dict_put(o, "width", halo_num_obj(w));
    halo_dict_put(o, "height", halo_num_obj(h));
    halo_dict_put(o, "area", halo_num_obj(w * h));
    Tcl_Obj *halo = Tcl_NewListObj(0, NULL);
    for (int k = 0; k < 4; k++) Tcl_ListObjAppendElement(NULL, halo, halo_num_obj(um(info.halo[k])));
    halo_dict_put(o, "halo", halo);
    if (s->kind == DEVGEN_MOS) {
        halo_dict_put(o, "W", halo_num_obj(info.w_total_um));
        halo_dict_put(o, "L", halo_num_obj(info.l_um));
        halo_dict_put(o, "nf", Tcl_NewIntObj(s->nf));
        halo_dict_put(o, "m", Tcl_NewIntObj(s->m));
    } else {
        halo_dict_put(o, "W", halo_num_obj(info.w_total_um));
        halo_dict_put(o, "L", halo_num_obj(info.l_um));
        halo_dict_put(o, s->kind == DEVGEN_MIMCAP ? "C" : "R", Tcl_NewDoubleObj(info.value));
    }
    Tcl_Obj *pins = Tcl_NewListObj(0, NULL);
    const lay_cell *c = lib->cells[cell];
    for (int k = 0; k < c->npins; k++) {
        Tcl_ListObjAppendElement(NULL, pins, Tcl_NewStringObj(c->pins[k].name, -1));
        Tcl_ListObjAppendElement(NULL, pins, Tcl_NewStringObj(lib->layers[c->pins[k].layer].name, -1));
    }
    halo_dict_put(o, "pins", pins);
    return o;
}

static void device_row(su_buf *b, const lay_lib *lib, const char *name, int cell, const devgen_spec *s)
{
    devgen_info info;
    devgen_describe(lib, cell, s, &info);
    char what[64];
    if (s->kind == DEVGEN_MOS)
        snprintf(what, sizeof what, "W=%g L=%g nf=%d%s", info.w_total_um, info.l_um, s->nf, s->m > 1 ? " m>1" : "");
    else if (s->kind == DEVGEN_MIMCAP)
        snprintf(what, sizeof what, "%gx%g %.4g fF", info.w_total_um, info.l_um, info.value * 1e15);
    else
        snprintf(what, sizeof what, "W=%g L=%g %.5g ohm", info.w_total_um, info.l_um, info.value);
    double w = um(info.bbox.x1 - info.bbox.x0), h = um(info.bbox.y1 - info.bbox.y0);
    su_buf_printf(b, "  %-8s %-16s %-24s %7.3f x %-7.3f %9.2f  %.3g/%.3g/%.3g/%.3g\n", name, s->dev->name, what, w, h,
                  w * h, um(info.halo[0]), um(info.halo[1]), um(info.halo[2]), um(info.halo[3]));
}

static int ReportDevicesCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    (void)objv;
    if (objc != 1) return halo_usage(interp, "report_devices");
    const netlist *nl = design_netlist(d);
    const int *dev_cell;
    const devgen_spec *spec;
    int ndev = design_device_cells(d, &dev_cell, &spec);
    if (ndev == 0 || !nl)
        return halo_tcl_fail(interp, HALO_E_DEV_STATE, "No devices are generated for the current design; run generate_devices first.");
    su_buf b = {0};
    su_buf_printf(&b, "Devices of %s (um; halo left/bottom/right/top)\n", nl->name);
    su_buf_printf(&b, "  %-8s %-16s %-24s %-17s %9s  %s\n", "device", "kind", "size", "box", "area", "halo");
    Tcl_Obj *result = Tcl_NewListObj(0, NULL);
    double total = 0;
    const lay_lib *lib = design_layout(d);
    for (int i = 0; i < ndev; i++) {
        int c = dev_cell[i];
        if (c < 0) continue;
        device_row(&b, lib, nl->devs[i].name, c, &spec[i]);
        Tcl_ListObjAppendElement(NULL, result, device_dict(lib, &nl->devs[i], c, &spec[i]));
        lay_box bb = lay_cell_bbox(lib, c);
        total += um(bb.x1 - bb.x0) * um(bb.y1 - bb.y0);
    }
    su_buf_printf(&b, "  total device area %.2f um^2\n", total);
    halo_report(interp, b.s);
    su_buf_free(&b);
    Tcl_SetObjResult(interp, result);
    return TCL_OK;
}

static int ReportLayoutCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    (void)objv;
    if (objc != 1) return halo_usage(interp, "report_layout");
    const lay_lib *lib = design_layout(d);
    su_buf b = {0};
    su_buf_printf(&b, "Layout %s: %d cells%s%s\n", lib->name, lib->ncells, design_top(d) >= 0 ? ", current " : "",
                  design_top(d) >= 0 ? lib->cells[design_top(d)]->name : "");
    Tcl_Obj *result = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < lib->ncells; i++) {
        const lay_cell *c = lib->cells[i];
        lay_box bb = lay_cell_bbox(lib, i);
        su_buf_printf(&b, "  %-36s %8.3f x %-8.3f %6d shapes %3d pins %3d instances\n", c->name, um(bb.x1 - bb.x0),
                      um(bb.y1 - bb.y0), c->nrects, c->npins, c->ninsts);
        Tcl_Obj *d = Tcl_NewDictObj();
        halo_dict_put(d, "cell", Tcl_NewStringObj(c->name, -1));
        halo_dict_put(d, "bbox", halo_box_obj(&bb));
        halo_dict_put(d, "shapes", Tcl_NewIntObj(c->nrects));
        halo_dict_put(d, "pins", Tcl_NewIntObj(c->npins));
        halo_dict_put(d, "instances", Tcl_NewIntObj(c->ninsts));
        Tcl_ListObjAppendElement(NULL, result, d);
    }
    halo_report(interp, b.s);
    su_buf_free(&b);
    Tcl_SetObjResult(interp, result);
    return TCL_OK;
}

/* ---------------------------------------------------------------- files */

/* Cell indices of a list of names; an unknown name is an error. */
static int cells_of_list(Tcl_Interp *interp, halo_design *d, Tcl_Obj *list, int **out, int *n)
{
    int count;
    Tcl_Obj **elems;
    if (Tcl_ListObjGetElements(interp, list, &count, &elems) != TCL_OK) return TCL_ERROR;
    *out = halo_xmalloc(((size_t)count + 1) * sizeof **out);
    for (int i = 0; i < count; i++)
        if (halo_pick_cell(interp, d, elems[i], &(*out)[i]) != TCL_OK) {
            free(*out);
            *out = NULL;
            return TCL_ERROR;
        }
    *n = count;
    return TCL_OK;
}

/* write_gds FILE ?-cells LIST? ?-all?: the current cell and what it uses
 * by default, so the file has exactly one top cell (Magic and KLayout take
 * a file's top cell as the design; device cells of an earlier arrangement
 * would be more tops). */
static int WriteGdsCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    static const char *const options[] = {"-cells", "-all", NULL};
    if (objc < 2) return halo_usage(interp, "write_gds");
    int *cells = NULL, n = 0, all = 0, listed = 0;
    for (int i = 2; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-cells or -all", &which) != TCL_OK) {
            free(cells);
            return TCL_ERROR;
        }
        if (which == 1) {
            all = 1;
            continue;
        }
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) {
            free(cells);
            return TCL_ERROR;
        }
        free(cells);
        cells = NULL;
        if (cells_of_list(interp, d, v, &cells, &n) != TCL_OK) return TCL_ERROR;
        listed = 1;
    }
    if (design_layout(d)->ncells == 0) {
        free(cells);
        return halo_tcl_fail(interp, HALO_E_DEV_STATE, "The layout is empty: generate_devices or read_gds first.");
    }
    if (all && listed) {
        free(cells);
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-all", "with -cells", "one of -cells LIST or -all");
    }
    if (!all && !listed && design_top(d) >= 0) {
        cells = halo_xmalloc(sizeof *cells);
        cells[0] = design_top(d);
        n = 1;
    }
    halo_err err;
    halo_err_clear(&err);
    int rc = gds_write_file(design_layout(d), cells, n, Tcl_GetString(objv[1]), &err);
    free(cells);
    if (rc != 0) return halo_tcl_error(interp, &err);
    Tcl_SetObjResult(interp, objv[1]);
    return TCL_OK;
}

static int ReadGdsCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    static const char *const options[] = {"-top", NULL};
    if (objc < 2) return halo_usage(interp, "read_gds");
    const char *want_top = NULL;
    for (int i = 2; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-top", &which) != TCL_OK) return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        want_top = Tcl_GetString(v);
    }
    halo_err err;
    halo_err_clear(&err);
    lay_lib *lib = gds_read_file(Tcl_GetString(objv[1]), design_tech(d), &err);
    if (!lib) return halo_tcl_error(interp, &err);
    int top = -1;
    if (want_top) {
        top = lay_cell_find(lib, want_top);
        if (top < 0) {
            char why[400];
            snprintf(why, sizeof why, "No cell named \"%s\" in %s.", want_top, Tcl_GetString(objv[1]));
            lay_lib_free(lib);
            return halo_tcl_fail(interp, HALO_E_GDS_NOCELL, why);
        }
    } else {
        int *tops, n = lay_top_cells(lib, &tops);
        if (n > 0) top = tops[n - 1];
        free(tops);
    }
    design_replace_layout(d, lib, top);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(top >= 0 ? lib->cells[top]->name : "", -1));
    return TCL_OK;
}

/* Layer indices of a Tcl list of names (render_parse_layers names a bad one). */
static int parse_layers(Tcl_Interp *interp, const lay_lib *lib, Tcl_Obj *list, int **out, int *n)
{
    halo_err err;
    halo_err_clear(&err);
    if (render_parse_layers(lib, Tcl_GetString(list), out, n, &err) != 0) return halo_tcl_error(interp, &err);
    return TCL_OK;
}

static int WriteImageCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    static const char *const options[] = {"-cell", "-layers", "-width", NULL};
    if (objc < 2) return halo_usage(interp, "write_image");
    render_opts ro;
    memset(&ro, 0, sizeof ro);
    int cell = design_top(d), *layers = NULL, nlayers = 0, rc = TCL_OK;
    for (int i = 2; i < objc && rc == TCL_OK; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-cell, -layers or -width", &which) != TCL_OK) {
            rc = TCL_ERROR;
            break;
        }
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) {
            rc = TCL_ERROR;
        } else if (which == 0) {
            rc = halo_pick_cell(interp, d, v, &cell);
        } else if (which == 1) {
            free(layers);
            rc = parse_layers(interp, design_layout(d), v, &layers, &nlayers);
        } else if (Tcl_GetIntFromObj(NULL, v, &ro.width_px) != TCL_OK || ro.width_px < 160 || ro.width_px > 8000) {
            rc = halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-width", Tcl_GetString(v), "a width in pixels, 160..8000");
        }
    }
    if (rc == TCL_OK && cell < 0)
        rc = halo_tcl_fail(interp, HALO_E_DEV_STATE,
                           "No cell to draw: generate_devices, generate_device or read_gds first, or name one with -cell.");
    if (rc == TCL_OK) rc = halo_check_expansion(interp, d, cell);
    render_overlay *overlays = NULL;
    if (rc == TCL_OK) {
        ro.layers = layers;
        ro.nlayers = nlayers;
        ro.noverlays = design_place_overlays(d, cell, &overlays);
        ro.overlays = overlays;
        halo_err err;
        halo_err_clear(&err);
        if (render_write(design_layout(d), cell, Tcl_GetString(objv[1]), &ro, &err) != 0) rc = halo_tcl_error(interp, &err);
        else Tcl_SetObjResult(interp, objv[1]);
    }
    free(layers);
    design_free_overlays(overlays, ro.noverlays);
    return rc;
}

/* ---------------------------------------------------------------- shapes */

static int box_from_obj(Tcl_Interp *interp, Tcl_Obj *o, lay_box *b)
{
    int n;
    Tcl_Obj **e;
    double v[4];
    if (Tcl_ListObjGetElements(NULL, o, &n, &e) != TCL_OK || n != 4)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "box", Tcl_GetString(o), "{x0 y0 x1 y1} in um");
    for (int i = 0; i < 4; i++)
        if (Tcl_GetDoubleFromObj(NULL, e[i], &v[i]) != TCL_OK || fabs(v[i]) > LAY_COORD_LIMIT / 1000.0)
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "box", Tcl_GetString(o), "{x0 y0 x1 y1} in um");
    *b = lay_box_make((int32_t)llround(v[0] * 1000), (int32_t)llround(v[1] * 1000), (int32_t)llround(v[2] * 1000),
                      (int32_t)llround(v[3] * 1000));
    if (lay_box_empty(*b)) return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "box", Tcl_GetString(o), "a box of nonzero area");
    return TCL_OK;
}

/* get_shapes CELL ?-layer NAME?: {INDEX LAYER {x0 y0 x1 y1} NET} per shape. */
static int GetShapesCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    if (objc != 2 && !(objc == 4 && strcmp(Tcl_GetString(objv[2]), "-layer") == 0))
        return halo_usage(interp, "get_shapes");
    int cell, layer = -1;
    if (halo_pick_cell(interp, d, objv[1], &cell) != TCL_OK) return TCL_ERROR;
    if (objc == 4) {
        int *ls, n;
        if (parse_layers(interp, design_layout(d), objv[3], &ls, &n) != TCL_OK) return TCL_ERROR;
        layer = n > 0 ? ls[0] : -1;
        free(ls);
    }
    const lay_cell *c = design_layout(d)->cells[cell];
    Tcl_Obj *result = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < c->nrects; i++) {
        if (layer >= 0 && c->rects[i].layer != layer) continue;
        const char *net = lay_net_name(c, c->rects[i].net);
        Tcl_Obj *e[4] = {Tcl_NewIntObj(i), Tcl_NewStringObj(design_layout(d)->layers[c->rects[i].layer].name, -1),
                         halo_box_obj(&c->rects[i].box), Tcl_NewStringObj(net ? net : "", -1)};
        Tcl_ListObjAppendElement(NULL, result, Tcl_NewListObj(4, e));
    }
    Tcl_SetObjResult(interp, result);
    return TCL_OK;
}

/* edit_shape CELL INDEX move DX DY | resize {x0 y0 x1 y1} | delete */
static int EditShapeCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    static const char *const actions[] = {"move", "resize", "delete", NULL};
    int cell, index, action;
    if (objc < 4) return halo_usage(interp, "edit_shape");
    if (halo_pick_cell(interp, d, objv[1], &cell) != TCL_OK) return TCL_ERROR;
    lay_cell *c = design_layout(d)->cells[cell];
    if (Tcl_GetIntFromObj(NULL, objv[2], &index) != TCL_OK || index < 0 || index >= c->nrects)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "shape index", Tcl_GetString(objv[2]), "an index from get_shapes");
    if (Tcl_GetIndexFromObj(NULL, objv[3], actions, "action", 0, &action) != TCL_OK)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "edit_shape action", Tcl_GetString(objv[3]), "move, resize or delete");
    lay_box *b = &c->rects[index].box;
    if (action == 0) {
        double dx, dy;
        if (objc != 6 || Tcl_GetDoubleFromObj(NULL, objv[4], &dx) != TCL_OK || Tcl_GetDoubleFromObj(NULL, objv[5], &dy) != TCL_OK
            || fabs(dx) > 1e6 || fabs(dy) > 1e6)
            return halo_usage(interp, "edit_shape");
        int64_t mx = llround(dx * 1000), my = llround(dy * 1000);
        int64_t lim = LAY_COORD_LIMIT;
        if (llabs(b->x0 + mx) > lim || llabs(b->x1 + mx) > lim || llabs(b->y0 + my) > lim || llabs(b->y1 + my) > lim)
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "move", Tcl_GetString(objv[4]),
                                 "a move that keeps the shape within +-536870 um");
        b->x0 += (int32_t)mx, b->x1 += (int32_t)mx, b->y0 += (int32_t)my, b->y1 += (int32_t)my;
    } else if (action == 1) {
        if (objc != 5) return halo_usage(interp, "edit_shape");
        if (box_from_obj(interp, objv[4], b) != TCL_OK) return TCL_ERROR;
    } else {
        if (objc != 4) return halo_usage(interp, "edit_shape");
        memmove(&c->rects[index], &c->rects[index + 1], (size_t)(c->nrects - index - 1) * sizeof *c->rects);
        c->nrects--;
    }
    return TCL_OK;
}

/* add_shape CELL LAYER {x0 y0 x1 y1} ?NET? */
static int AddShapeCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    if (objc != 4 && objc != 5) return halo_usage(interp, "add_shape");
    int cell, *ls, n;
    lay_box b;
    if (halo_pick_cell(interp, d, objv[1], &cell) != TCL_OK) return TCL_ERROR;
    if (parse_layers(interp, design_layout(d), objv[2], &ls, &n) != TCL_OK) return TCL_ERROR;
    int layer = n == 1 ? ls[0] : -1;
    free(ls);
    if (layer < 0) return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "layer", Tcl_GetString(objv[2]), "one layer name");
    if (box_from_obj(interp, objv[3], &b) != TCL_OK) return TCL_ERROR;
    lay_cell *c = design_layout(d)->cells[cell];
    int net = objc == 5 ? lay_net(c, Tcl_GetString(objv[4])) : -1;
    Tcl_SetObjResult(interp, Tcl_NewIntObj(lay_rect_add(c, layer, b, net)));
    return TCL_OK;
}

/* ---------------------------------------------------------------- building */

/* A name a script gives a cell, instance or pin, checked against the name
 * rule (strutil.h) before it goes into the layout and from there into GDS
 * and file names. */
static int check_name(Tcl_Interp *interp, const char *what, Tcl_Obj *name, int cell_kind)
{
    halo_err err = {0};
    if (halo_err_check_name(&err, NULL, 0, what, Tcl_GetString(name), cell_kind)) return halo_tcl_error(interp, &err);
    return TCL_OK;
}

/* new_cell NAME: an empty cell, which becomes the current one. */
static int NewCellCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    if (objc != 2) return halo_usage(interp, "new_cell");
    if (check_name(interp, "cell", objv[1], 1) != TCL_OK) return TCL_ERROR;
    int c = lay_cell_new(design_layout(d), Tcl_GetString(objv[1]));
    if (c < 0) return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "cell name", Tcl_GetString(objv[1]), "a name no cell has");
    design_set_top(d, c);
    Tcl_SetObjResult(interp, objv[1]);
    return TCL_OK;
}

/* flatten_cell CELL NEWNAME */
static int FlattenCellCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    int cell;
    if (objc != 3) return halo_usage(interp, "flatten_cell");
    if (check_name(interp, "cell", objv[2], 1) != TCL_OK) return TCL_ERROR;
    if (halo_pick_cell(interp, d, objv[1], &cell) != TCL_OK) return TCL_ERROR;
    if (halo_check_expansion(interp, d, cell) != TCL_OK) return TCL_ERROR;
    if (lay_cell_flatten(design_layout(d), cell, Tcl_GetString(objv[2])) < 0)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "cell name", Tcl_GetString(objv[2]), "a name no cell has");
    Tcl_SetObjResult(interp, objv[2]);
    return TCL_OK;
}

static int um_to_nm(Tcl_Interp *interp, Tcl_Obj *o, int32_t *nm)
{
    double v;
    if (Tcl_GetDoubleFromObj(NULL, o, &v) != TCL_OK || fabs(v) > LAY_COORD_LIMIT / 1000.0)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "coordinate", Tcl_GetString(o), "a number in um");
    *nm = (int32_t)llround(v * 1000);
    return TCL_OK;
}

/* add_instance CELL CHILD NAME X Y ?ORIENT? */
static int AddInstanceCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    int cell, child;
    int32_t x, y;
    lay_orient o = LAY_R0;
    if (objc != 6 && objc != 7) return halo_usage(interp, "add_instance");
    if (check_name(interp, "instance", objv[3], 0) != TCL_OK) return TCL_ERROR;
    if (halo_pick_cell(interp, d, objv[1], &cell) != TCL_OK || halo_pick_cell(interp, d, objv[2], &child) != TCL_OK ||
        um_to_nm(interp, objv[4], &x) != TCL_OK || um_to_nm(interp, objv[5], &y) != TCL_OK)
        return TCL_ERROR;
    if (objc == 7 && lay_orient_parse(Tcl_GetString(objv[6]), &o) != 0)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "orientation", Tcl_GetString(objv[6]), "R0 R90 R180 R270 MX MY MXR90 or MYR90");
    const lay_cell *parent = design_layout(d)->cells[cell];
    for (int i = 0; i < parent->ninsts; i++)
        if (strcmp(parent->insts[i].name, Tcl_GetString(objv[3])) == 0)
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "instance name", Tcl_GetString(objv[3]),
                                 "a name no other instance of the cell has");
    if (lay_inst_add(design_layout(d), cell, Tcl_GetString(objv[3]), child, x, y, o) < 0)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "child cell", Tcl_GetString(objv[2]), "a cell that does not contain the parent");
    return TCL_OK;
}

/* add_pin CELL NAME LAYER {x0 y0 x1 y1} */
static int AddPinCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    int cell, *ls, n;
    lay_box b;
    if (objc != 5) return halo_usage(interp, "add_pin");
    if (check_name(interp, "pin", objv[2], 0) != TCL_OK) return TCL_ERROR;
    if (halo_pick_cell(interp, d, objv[1], &cell) != TCL_OK) return TCL_ERROR;
    if (parse_layers(interp, design_layout(d), objv[3], &ls, &n) != TCL_OK) return TCL_ERROR;
    int layer = n == 1 ? ls[0] : -1;
    free(ls);
    if (layer < 0) return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "layer", Tcl_GetString(objv[3]), "one layer name");
    if (box_from_obj(interp, objv[4], &b) != TCL_OK) return TCL_ERROR;
    lay_pin_add(design_layout(d)->cells[cell], Tcl_GetString(objv[2]), layer, b);
    return TCL_OK;
}

/* get_instances CELL: {NAME CHILD X Y ORIENT} per instance. */
static int GetInstancesCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    int cell;
    if (objc != 2) return halo_usage(interp, "get_instances");
    if (halo_pick_cell(interp, d, objv[1], &cell) != TCL_OK) return TCL_ERROR;
    const lay_cell *c = design_layout(d)->cells[cell];
    Tcl_Obj *result = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < c->ninsts; i++) {
        const lay_inst *in = &c->insts[i];
        Tcl_Obj *e[5] = {Tcl_NewStringObj(in->name, -1), Tcl_NewStringObj(design_layout(d)->cells[in->cell]->name, -1),
                         Tcl_NewDoubleObj(um(in->x)), Tcl_NewDoubleObj(um(in->y)),
                         Tcl_NewStringObj(lay_orient_name(in->orient), -1)};
        Tcl_ListObjAppendElement(NULL, result, Tcl_NewListObj(5, e));
    }
    Tcl_SetObjResult(interp, result);
    return TCL_OK;
}

/* get_pins CELL: {NAME LAYER {x0 y0 x1 y1}} per pin of the cell itself. */
static int GetPinsCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    int cell;
    if (objc != 2) return halo_usage(interp, "get_pins");
    if (halo_pick_cell(interp, d, objv[1], &cell) != TCL_OK) return TCL_ERROR;
    const lay_cell *c = design_layout(d)->cells[cell];
    Tcl_Obj *result = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < c->npins; i++) {
        Tcl_Obj *e[3] = {Tcl_NewStringObj(c->pins[i].name, -1), Tcl_NewStringObj(design_layout(d)->layers[c->pins[i].layer].name, -1),
                         halo_box_obj(&c->pins[i].box)};
        Tcl_ListObjAppendElement(NULL, result, Tcl_NewListObj(3, e));
    }
    Tcl_SetObjResult(interp, result);
    return TCL_OK;
}

const HaloCmd halo_layout_cmds[] = {
    {"generate_devices", GenerateDevicesCmd, "generate_devices ?-dummies BOOL?",
     "Builds the layout cell of every device of the current design (after set_fingers): nfet_01v8 and "
     "pfet_01v8 with nf*m gate fingers over one diffusion, contacted and strapped so each terminal D G S B "
     "has one met1 pin, implants, an nwell around pfets, a body tap (and side taps when the fingers are "
     "taller than the latch-up reach), dummy poly at both ends with -dummies 1; MIM capacitors "
     "(cap_mim_m3_1, pins P on met4 and N on met3; a plain C becomes a square MIM of that value); "
     "res_high_po* resistors (pins P N on met1; a plain R becomes the narrowest res_high_po whose "
     "length gives the value). Devices with equal parameters share one cell. Every cell is clean under "
     "the sky130 rules and has a halo, the margin its neighbours keep. Also puts the devices in a row in "
     "a top cell named after the design, a preview until place arranges them. Returns {DEVICE CELL ...}.",
     "Builds the layout cell of every device of the design."},
    {"generate_device", GenerateDeviceCmd,
     "generate_device MODEL ?-w UM? ?-l UM? ?-nf N? ?-m M? ?-dummies BOOL? ?-r OHMS?",
     "Builds one device cell without a design: MODEL is a technology device (nfet_01v8, pfet_01v8, "
     "cap_mim_m3_1, res_high_po, res_high_po_0p35 ...). For transistors -w is the total width of the nf "
     "fingers (default nf 1, m 1); for the MIM cap -w and -l are its sides; for resistors -l is the body "
     "length, or -r the value from which the length follows (-w one of the allowed widths). Returns the "
     "cell name, which becomes the current cell of write_image.",
     "Builds one device cell without a design."},
    {"clear_layout", ClearLayoutCmd, "clear_layout",
     "Empties the layout: every cell goes, and the design's devices need generate_devices again. Cells "
     "otherwise accumulate (generate_devices reuses a cell whose parameters it has built before).",
     "Empties the layout."},
    {"report_devices", ReportDevicesCmd, "report_devices",
     "Prints the device cells of the current design -- device, kind, parameters, box width x height, area "
     "(um, um^2) and halo -- and the total device area (the area OSIRIS reports). Returns a list of dicts "
     "with the keys device cell kind width height area halo W L nf m (C or R for passives) pins.",
     "Prints the device cells, their sizes and total area."},
    {"report_layout", ReportLayoutCmd, "report_layout",
     "Prints the cells of the layout with their size, shapes, pins and instances, and returns them as a "
     "list of dicts (cell bbox shapes pins instances).",
     "Prints the layout's cells; returns them as dicts."},
    {"write_gds", WriteGdsCmd, "write_gds FILE ?-cells LIST? ?-all?",
     "Writes the layout as GDSII (1 nm database unit): the current cell and the cells under it, so the "
     "file has one top cell (-cells LIST: the cells named and the cells they use; -all: every cell of the "
     "library, which may leave several tops, e.g. an earlier arrangement's device cells). Shapes go on their layer's drawing purpose, pins on the pin purpose with a text label on the "
     "label purpose (today's sky130 convention: met1 68/20, pin 68/16, label 68/5), nets and instance "
     "names as GDS properties. Same layout, same bytes.",
     "Writes the layout as GDSII."},
    {"read_gds", ReadGdsCmd, "read_gds FILE ?-top CELL?",
     "Reads a GDSII file as the layout, replacing the current one. Manhattan polygons and paths become "
     "rectangles; texts inside a pin-purpose shape name that pin; unknown layers are kept as gds_L_D. "
     "The current cell becomes CELL, or the last top cell of the file. Returns its name.",
     "Reads a GDSII file as the layout."},
    {"write_image", WriteImageCmd, "write_image FILE.png|FILE.svg ?-cell NAME? ?-layers LIST? ?-width PX?",
     "Draws a cell (default: the current one) with its hierarchy flattened, in the conventional sky130 "
     "layer colours, with pins and their names, a legend of the layers drawn, a scale bar and the cell "
     "size. PNG or SVG by the file's extension; -layers limits the layers drawn; -width sets the image "
     "width in pixels (default 1200).",
     "Draws a cell as a PNG or SVG picture."},
    {"get_shapes", GetShapesCmd, "get_shapes CELL ?-layer NAME?",
     "Lists the shapes a cell draws itself (not those of its instances), each as {INDEX LAYER {x0 y0 x1 y1} "
     "NET} in um; INDEX is what edit_shape takes. With -layer only that layer's shapes.",
     "Lists the shapes a cell draws itself."},
    {"edit_shape", EditShapeCmd, "edit_shape CELL INDEX move DX DY | resize {x0 y0 x1 y1} | delete",
     "Moves a shape by DX DY um, gives it a new box, or deletes it (the indices after it shift down). Meant "
     "for scripts that build test layouts, such as the broken copies the verification corpus checks.",
     "Moves, resizes or deletes one shape of a cell."},
    {"add_shape", AddShapeCmd, "add_shape CELL LAYER {x0 y0 x1 y1} ?NET?",
     "Adds a rectangle in um on a layer, optionally on a net of the cell. Returns its index.",
     "Adds a rectangle on a layer to a cell."},
    {"new_cell", NewCellCmd, "new_cell NAME",
     "Adds an empty cell, which becomes the current cell. With add_instance, add_shape and add_pin, scripts "
     "build layouts by hand (test corpora, fixtures).",
     "Adds an empty cell and makes it the current one."},
    {"flatten_cell", FlattenCellCmd, "flatten_cell CELL NEWNAME",
     "Adds NEWNAME holding every shape of CELL's hierarchy in CELL's coordinates and CELL's own pins "
     "(sub-cell terminal names are dropped); for a cell without instances, an exact copy to edit.",
     "Copies a cell's whole hierarchy into one new flat cell."},
    {"add_instance", AddInstanceCmd, "add_instance CELL CHILD NAME X Y ?ORIENT?",
     "Places cell CHILD in CELL as instance NAME with its origin at X Y um and orientation ORIENT (R0 R90 "
     "R180 R270 MX MY MXR90 MYR90; MX mirrors y).",
     "Places one cell inside another."},
    {"add_pin", AddPinCmd, "add_pin CELL NAME LAYER {x0 y0 x1 y1}",
     "Adds a pin: a box in um on a layer carrying terminal or port NAME; at the top cell it names the net "
     "of the shape under it.",
     "Adds a pin (a box carrying a terminal name) to a cell."},
    {"get_instances", GetInstancesCmd, "get_instances CELL",
     "Lists the instances a cell places as {NAME CHILD X Y ORIENT}, X Y the child's origin in um.",
     "Lists the instances a cell places."},
    {"get_pins", GetPinsCmd, "get_pins CELL",
     "Lists the pins a cell draws itself as {NAME LAYER {x0 y0 x1 y1}} in um.",
     "Lists the pins a cell draws itself."},
    {NULL, NULL, NULL, NULL, NULL},
};
