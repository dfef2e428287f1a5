/*
 * cmd_pdk.c -- pdk load / pdk info: choosing the technology and describing
 * it (layers, rule count, device limits, the real PDK root if recorded).
 */
#include "halo_tcl.h"

#include <stdio.h>
#include <string.h>

#include "base/strutil.h"

static double um(int32_t nm)
{
    return nm / 1000.0;
}

static Tcl_Obj *device_dict(const tech_device *d)
{
    Tcl_Obj *o = Tcl_NewDictObj();
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("model", -1), Tcl_NewStringObj(d->model, -1));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("type", -1), Tcl_NewStringObj(d->type, -1));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("w_min_um", -1), Tcl_NewDoubleObj(um(d->w_min_nm)));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("l_min_um", -1), Tcl_NewDoubleObj(um(d->l_min_nm)));
    return o;
}

static Tcl_Obj *opt_str(const char *s)
{
    return Tcl_NewStringObj(s ? s : "", -1);
}

static Tcl_Obj *info_dict(const halo_tech *t)
{
    Tcl_Obj *o = Tcl_NewDictObj(), *devs = Tcl_NewDictObj(), *layers = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < t->n_devices; i++)
        Tcl_DictObjPut(NULL, devs, Tcl_NewStringObj(t->devices[i].name, -1), device_dict(&t->devices[i]));
    for (int i = 0; i < t->n_layers; i++) Tcl_ListObjAppendElement(NULL, layers, Tcl_NewStringObj(t->layers[i].name, -1));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("name", -1), Tcl_NewStringObj(t->name, -1));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("source", -1), opt_str(t->source_file));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("grid_um", -1), Tcl_NewDoubleObj(um(t->grid_nm)));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("layers", -1), layers);
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("rules", -1), Tcl_NewIntObj(t->n_rules));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("devices", -1), devs);
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("root", -1), opt_str(t->pdk_root));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("corner", -1), opt_str(t->pdk_root ? t->corner : ""));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("spice_lib", -1), opt_str(t->spice_lib));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("magic_tech", -1), opt_str(t->magic_tech));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("netgen_setup", -1), opt_str(t->netgen_setup));
    return o;
}

static void info_report(Tcl_Interp *interp, const halo_tech *t)
{
    su_buf b = {0};
    su_buf_printf(&b, "Technology %s from %s\n  grid %g um, %d layers, %d rules, %d devices\n", t->name,
                  t->source_file ? t->source_file : "", um(t->grid_nm), t->n_layers, t->n_rules, t->n_devices);
    su_buf_add(&b, "  layer        gds     pin    label  width   space   pitch (um)\n");
    for (int i = 0; i < t->n_layers; i++) {
        const tech_layer *l = &t->layers[i];
        char pin[16] = "-", label[16] = "-";
        if (l->pin_datatype >= 0) snprintf(pin, sizeof pin, "%d/%d", l->gds_layer, l->pin_datatype);
        if (l->label_datatype >= 0) snprintf(label, sizeof label, "%d/%d", l->gds_layer, l->label_datatype);
        su_buf_printf(&b, "  %-12s %3d/%-3d %-6s %-6s %-7g %-7g %g\n", l->name, l->gds_layer, l->gds_datatype, pin,
                      label, um(l->width_nm), um(l->spacing_nm), um(l->pitch_nm));
    }
    su_buf_add(&b, "  device               model                              Wmin   Lmin (um)\n");
    for (int i = 0; i < t->n_devices; i++) {
        const tech_device *d = &t->devices[i];
        su_buf_printf(&b, "  %-20s %-34s %-6g %g\n", d->name, d->model, um(d->w_min_nm), um(d->l_min_nm));
    }
    if (t->pdk_root)
        su_buf_printf(&b, "  installed PDK: %s (corner %s)\n    spice %s\n    magic %s\n", t->pdk_root, t->corner,
                      t->spice_lib, t->magic_tech ? t->magic_tech : "(none)");
    else
        su_buf_add(&b, "  installed PDK: none (pdk load sky130 -root DIR records one)\n");
    halo_report(interp, b.s);
    su_buf_free(&b);
}

static int pdk_load(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    static const char *const options[] = {"-root", "-corner", NULL};
    if (objc < 3) return halo_usage(interp, "pdk");
    const char *root = NULL, *corner = "tt";
    for (int i = 3; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-root or -corner", &which) != TCL_OK) return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        if (which == 0) root = Tcl_GetString(v);
        else corner = Tcl_GetString(v);
    }
    if (!root && strcmp(corner, "tt") != 0)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-corner", corner,
                             "-root DIR with it (a corner selects the installed PDK's models)");
    halo_err err;
    halo_err_clear(&err);
    halo_tech *t = tech_load(Tcl_GetString(objv[2]), &err);
    if (!t) return halo_tcl_error(interp, &err);
    if (root && tech_set_root(t, root, corner, &err) != 0) {
        tech_free(t);
        return halo_tcl_error(interp, &err);
    }
    design_set_tech(d, t);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(t->name, -1));
    return TCL_OK;
}

static int PdkCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    static const char *const subs[] = {"load", "info", NULL};
    enum { SUB_LOAD, SUB_INFO };
    int sub;
    if (objc < 2) return halo_usage(interp, "pdk");
    if (Tcl_GetIndexFromObj(interp, objv[1], subs, "subcommand", 0, &sub) != TCL_OK) {
        Tcl_SetErrorCode(interp, "HALO", "CMD", "USAGE", "0", NULL);
        return TCL_ERROR;
    }
    switch (sub) {
    case SUB_LOAD:
        return pdk_load(interp, d, objc, objv);
    case SUB_INFO:
        if (objc != 2) return halo_usage(interp, "pdk");
        info_report(interp, design_tech(d));
        Tcl_SetObjResult(interp, info_dict(design_tech(d)));
        return TCL_OK;
    }
    return TCL_ERROR;
}

const HaloCmd halo_pdk_cmds[] = {
    {"pdk", PdkCmd, "pdk load NAME ?-root DIR? ?-corner tt|ss|ff|sf|fs? | pdk info",
     "Chooses and describes the technology. pdk load sky130 loads the sky130 data embedded in halo "
     "(layers with GDS numbers, design rules with official ids, device limits, parasitic "
     "coefficients; the default at start-up); NAME may also be a path to a tech.json. -root DIR "
     "additionally records a real installed PDK laid out as DIR/sky130A/libs.tech/{ngspice,magic,"
     "netgen}, used by simulation and the Magic/Netgen cross-checks, and fails naming the missing "
     "file when DIR is not such a tree. pdk info prints the technology and returns it as a dict "
     "(name grid_um layers rules devices root corner spice_lib magic_tech netgen_setup).",
     "Chooses and describes the technology."},
    {NULL, NULL, NULL, NULL, NULL},
};
