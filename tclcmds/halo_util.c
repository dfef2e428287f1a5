/*
 * halo_util.c -- error conversion, reports and option parsing shared by the
 * command modules (see halo_tcl.h).
 */
#include "halo_tcl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "layout/layout.h"

int halo_tcl_error(Tcl_Interp *interp, const halo_err *err)
{
    const halo_msg_info *info = halo_msg_lookup(err->id);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(err->msg, -1));
    Tcl_Obj *code = Tcl_NewListObj(0, NULL);
    Tcl_ListObjAppendElement(NULL, code, Tcl_NewStringObj("HALO", -1));
    Tcl_ListObjAppendElement(NULL, code, Tcl_NewStringObj(info ? info->module : "GEN", -1));
    Tcl_ListObjAppendElement(NULL, code, Tcl_NewStringObj(info ? info->kind : "ERROR", -1));
    Tcl_ListObjAppendElement(NULL, code, Tcl_NewIntObj(info ? info->number : 0));
    Tcl_SetObjErrorCode(interp, code);
    return TCL_ERROR;
}

int halo_tcl_fail(Tcl_Interp *interp, halo_msg_id id, ...)
{
    halo_err err;
    halo_err_clear(&err);
    const halo_msg_info *info = halo_msg_lookup(id);
    char body[640];
    va_list ap;
    va_start(ap, id);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(body, sizeof body, info ? info->format : "%s", ap);
#pragma GCC diagnostic pop
    va_end(ap);
    err.id = id;
    snprintf(err.msg, sizeof err.msg, "%s", body);
    return halo_tcl_error(interp, &err);
}

int halo_usage(Tcl_Interp *interp, const char *name)
{
    const HaloCmd *cmd = halo_find_cmd(name);
    Tcl_SetObjResult(interp, Tcl_ObjPrintf("wrong # args: should be \"%s\"", cmd ? cmd->usage : name));
    Tcl_SetErrorCode(interp, "HALO", "CMD", "USAGE", "0", NULL);
    return TCL_ERROR;
}

netlist *halo_need_design(Tcl_Interp *interp, halo_design *d)
{
    netlist *nl = design_netlist(d);
    if (!nl) halo_tcl_fail(interp, HALO_E_NODESIGN);
    return nl;
}

int halo_pick_cell(Tcl_Interp *interp, halo_design *d, Tcl_Obj *name, int *cell)
{
    if (name) {
        *cell = lay_cell_find(design_layout(d), Tcl_GetString(name));
        if (*cell >= 0) return TCL_OK;
        char why[300];
        snprintf(why, sizeof why, "No cell named \"%s\" in the layout; report_layout lists the cells.",
                 Tcl_GetString(name));
        return halo_tcl_fail(interp, HALO_E_GDS_NOCELL, why);
    }
    *cell = design_top(d);
    if (*cell >= 0) return TCL_OK;
    return halo_tcl_fail(interp, HALO_E_GDS_NOCELL,
                         "No current cell: generate_devices, generate_device or read_gds make one, or name it with -cell.");
}

int halo_check_expansion(Tcl_Interp *interp, halo_design *d, int cell)
{
    Tcl_WideInt limit = HALO_MAX_SHAPES;
    Tcl_Obj *v = Tcl_GetVar2Ex(interp, "::halo::max_shapes", NULL, TCL_GLOBAL_ONLY);
    if (v && (Tcl_GetWideIntFromObj(NULL, v, &limit) != TCL_OK || limit < 1))
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "::halo::max_shapes", Tcl_GetString(v), "a positive integer");
    halo_err err;
    halo_err_clear(&err);
    if (design_check_expansion(d, cell, (uint64_t)limit, &err) != 0) return halo_tcl_error(interp, &err);
    return TCL_OK;
}

int halo_pick_flat_cell(Tcl_Interp *interp, halo_design *d, Tcl_Obj *name, int *cell)
{
    if (halo_pick_cell(interp, d, name, cell) != TCL_OK) return TCL_ERROR;
    return halo_check_expansion(interp, d, *cell);
}

void halo_report(Tcl_Interp *interp, const char *text)
{
    const char *name = Tcl_GetVar(interp, "::halo::output", TCL_GLOBAL_ONLY);
    if (!name) name = "stdout";
    if (!*name) return;
    Tcl_Channel chan = Tcl_GetChannel(interp, name, NULL);
    if (!chan) return;
    Tcl_WriteChars(chan, text, -1);
    Tcl_Flush(chan);
}

int halo_get_option(Tcl_Interp *interp, Tcl_Obj *const objv[], int objc, int *i, const char *const *options,
                    const char *expected, int *which)
{
    (void)objc;
    if (Tcl_GetIndexFromObjStruct(NULL, objv[*i], options, sizeof(char *), "option", 0, which) != TCL_OK)
        return halo_tcl_fail(interp, HALO_E_CMD_OPTION, Tcl_GetString(objv[*i]), expected);
    return TCL_OK;
}

Tcl_Obj *halo_option_value(Tcl_Interp *interp, Tcl_Obj *const objv[], int objc, int *i)
{
    if (*i + 1 >= objc) {
        halo_tcl_fail(interp, HALO_E_CMD_MISSING, Tcl_GetString(objv[*i]));
        return NULL;
    }
    return objv[++*i];
}

Tcl_Obj *halo_num_obj(double v)
{
    if (v == floor(v) && fabs(v) < 9e15) return Tcl_NewWideIntObj((Tcl_WideInt)v);
    return Tcl_NewDoubleObj(v);
}

void halo_dict_put(Tcl_Obj *dict, const char *key, Tcl_Obj *value)
{
    Tcl_DictObjPut(NULL, dict, Tcl_NewStringObj(key, -1), value);
}

Tcl_Obj *halo_box_obj(const lay_box *b)
{
    Tcl_Obj *o = Tcl_NewListObj(0, NULL);
    int32_t v[4] = {b->x0, b->y0, b->x1, b->y1};
    for (int i = 0; i < 4; i++) Tcl_ListObjAppendElement(NULL, o, halo_num_obj(v[i] / 1000.0));
    return o;
}

Tcl_Obj *halo_match_groups_obj(const netlist *nl)
{
    Tcl_Obj *groups = Tcl_NewListObj(0, NULL);
    for (int g = 0; g < nl->nmatch_groups; g++) {
        Tcl_Obj *members = Tcl_NewListObj(0, NULL);
        for (int i = 0; i < nl->ndevs; i++)
            if (nl->devs[i].match_group == g)
                Tcl_ListObjAppendElement(NULL, members, Tcl_NewStringObj(nl->devs[i].name, -1));
        Tcl_ListObjAppendElement(NULL, groups, members);
    }
    return groups;
}

int halo_forward_flow(Tcl_Interp *interp, const char *name, int objc, Tcl_Obj *const objv[])
{
    Tcl_Obj **args = (Tcl_Obj **)ckalloc(sizeof(Tcl_Obj *) * (size_t)objc);
    args[0] = Tcl_ObjPrintf("::halo::flow::%s", name);
    Tcl_IncrRefCount(args[0]);
    for (int i = 1; i < objc; i++) args[i] = objv[i];
    int rc = Tcl_EvalObjv(interp, objc, args, 0);
    Tcl_DecrRefCount(args[0]);
    ckfree(args);
    return rc;
}

/* Parse objv[first..] as -name value pairs of the table. */
int halo_parse_opts(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], int first, const opt_spec *spec)
{
    const char *names[32];
    char expected[512] = "";
    int n = 0;
    for (; spec[n].name && n < 31; n++) {
        names[n] = spec[n].name;
        snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s%s", n ? ", " : "",
                 spec[n].name);
    }
    names[n] = NULL;
    for (int i = first; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, names, expected, &which) != TCL_OK) return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        const opt_spec *s = &spec[which];
        double d;
        int k;
        if (s->type == OPT_STR) {
            *(const char **)s->value = Tcl_GetString(v);
        } else if (s->type == OPT_OBJ) {
            *(Tcl_Obj **)s->value = v;
        } else if (s->type == OPT_INT) {
            if (Tcl_GetIntFromObj(NULL, v, &k) != TCL_OK || k < s->lo || k > s->hi)
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, s->name, Tcl_GetString(v), s->expected);
            *(int *)s->value = k;
        } else {
            if (Tcl_GetDoubleFromObj(NULL, v, &d) != TCL_OK || !(d >= s->lo && d <= s->hi))
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, s->name, Tcl_GetString(v), s->expected);
            *(double *)s->value = d;
        }
    }
    return TCL_OK;
}

int halo_sim_memory_limit(Tcl_Interp *interp, design_sim_opts *o)
{
    Tcl_WideInt mb = SIM_DEFAULT_MEMORY_MB;
    Tcl_Obj *v = Tcl_GetVar2Ex(interp, "::halo::sim_memory_limit", NULL, TCL_GLOBAL_ONLY);
    if (v && (Tcl_GetWideIntFromObj(NULL, v, &mb) != TCL_OK || mb < 0 || mb > (1 << 30)))
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "::halo::sim_memory_limit", Tcl_GetString(v),
                             "a size in MB (0 for no limit)");
    o->memory_mb = (long)mb;
    return TCL_OK;
}
