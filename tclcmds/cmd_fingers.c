/*
 * cmd_fingers.c -- enumerate_fingers and set_fingers (OSIRIS stage 1).
 */
#include "halo_tcl.h"

#include <stdlib.h>
#include <string.h>

#include "fingers/fingers.h"
#include "base/strutil.h"

/* Listing more than this many arrangements needs -count or -sample. */
#define FINGERS_LIST_LIMIT 2000000

typedef struct enum_opts {
    int *values;
    int nvalues;
    int count_only;
    int sample;          /* -1: no sampling */
    Tcl_WideInt seed;
} enum_opts;

static int parse_values(Tcl_Interp *interp, Tcl_Obj *list, enum_opts *o)
{
    int n;
    Tcl_Obj **elems;
    if (Tcl_ListObjGetElements(NULL, list, &n, &elems) != TCL_OK || n == 0)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-values", Tcl_GetString(list), "a list of finger counts");
    o->values = halo_xmalloc((size_t)n * sizeof *o->values);
    o->nvalues = (int)n;
    for (int i = 0; i < n; i++) {
        int v;
        if (Tcl_GetIntFromObj(NULL, elems[i], &v) != TCL_OK || v < 1 || v > FINGERS_MAX_VALUE)
            return halo_tcl_fail(interp, HALO_E_FNG_VALUES, FINGERS_MAX_VALUE, Tcl_GetString(elems[i]));
        o->values[i] = v;
    }
    return TCL_OK;
}

static int parse_enum_opts(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], enum_opts *o)
{
    static const char *const options[] = {"-values", "-count", "-sample", "-seed", NULL};
    for (int i = 1; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-values, -count, -sample or -seed", &which) != TCL_OK)
            return TCL_ERROR;
        if (which == 1) {
            o->count_only = 1;
            continue;
        }
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        if (which == 0 && parse_values(interp, v, o) != TCL_OK) return TCL_ERROR;
        if (which == 2 && (Tcl_GetIntFromObj(NULL, v, &o->sample) != TCL_OK || o->sample < 0))
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-sample", Tcl_GetString(v), "a count >= 0");
        if (which == 3 && Tcl_GetWideIntFromObj(NULL, v, &o->seed) != TCL_OK)
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-seed", Tcl_GetString(v), "an integer");
    }
    return TCL_OK;
}

static Tcl_Obj *arrangement_obj(const netlist *nl, const fingers_space *fs, const int *digits)
{
    Tcl_Obj *o = Tcl_NewListObj(0, NULL);
    for (int t = 0; t < fs->ntrans; t++) {
        Tcl_ListObjAppendElement(NULL, o, Tcl_NewStringObj(nl->devs[fs->dev[t]].name, -1));
        Tcl_ListObjAppendElement(NULL, o, Tcl_NewIntObj(fingers_value(fs, digits, t)));
    }
    return o;
}

static int list_all(Tcl_Interp *interp, const netlist *nl, const fingers_space *fs)
{
    uint64_t count;
    if (fingers_count_u64(fs, &count) != 0 || count > FINGERS_LIST_LIMIT) {
        char text[256];
        fingers_count_text(fs, text, sizeof text);
        return halo_tcl_fail(interp, HALO_E_CMD_TOOMANY, text);
    }
    Tcl_Obj *result = Tcl_NewListObj(0, NULL);
    int *digits = halo_xmalloc((size_t)(fs->ngroups + 1) * sizeof *digits);
    for (int more = fingers_first(fs, digits); more; more = fingers_next(fs, digits))
        Tcl_ListObjAppendElement(NULL, result, arrangement_obj(nl, fs, digits));
    free(digits);
    Tcl_SetObjResult(interp, result);
    return TCL_OK;
}

static int list_sample(Tcl_Interp *interp, const netlist *nl, const fingers_space *fs, const enum_opts *o)
{
    int *tuples;
    int n = fingers_sample(fs, o->sample, (uint64_t)o->seed, &tuples);
    Tcl_Obj *result = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < n; i++)
        Tcl_ListObjAppendElement(NULL, result, arrangement_obj(nl, fs, tuples + (size_t)i * (size_t)fs->ngroups));
    free(tuples);
    Tcl_SetObjResult(interp, result);
    return TCL_OK;
}

static int EnumerateFingersCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    enum_opts o = {NULL, 0, 0, -1, 1};
    netlist *nl = halo_need_design(interp, d);
    int rc = nl ? parse_enum_opts(interp, objc, objv, &o) : TCL_ERROR;
    fingers_space fs;
    halo_err err;
    halo_err_clear(&err);
    if (rc == TCL_OK && fingers_space_build(nl, design_tech(d), o.values, o.nvalues, &fs, &err) != 0)
        rc = halo_tcl_error(interp, &err);
    else if (rc == TCL_OK) {
        if (o.count_only) {
            char text[256];
            fingers_count_text(&fs, text, sizeof text);
            Tcl_Obj *n = Tcl_NewStringObj(text, -1);
            Tcl_WideInt w;
            if (Tcl_GetWideIntFromObj(NULL, n, &w) == TCL_OK) {   /* small: a plain integer */
                Tcl_DecrRefCount(n);
                n = Tcl_NewWideIntObj(w);
            }
            Tcl_SetObjResult(interp, n);
        } else if (o.sample >= 0) {
            rc = list_sample(interp, nl, &fs, &o);
        } else {
            rc = list_all(interp, nl, &fs);
        }
        fingers_space_free(&fs);
    }
    free(o.values);
    return rc;
}

static int SetFingersCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    if (objc != 2) return halo_usage(interp, "set_fingers");
    netlist *nl = halo_need_design(interp, d);
    if (!nl) return TCL_ERROR;
    int n;
    Tcl_Obj **elems;
    if (Tcl_ListObjGetElements(NULL, objv[1], &n, &elems) != TCL_OK || n % 2 != 0)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "set_fingers", Tcl_GetString(objv[1]),
                             "a dict of device names and finger counts");
    int npairs = (int)(n / 2);
    const char **names = halo_xcalloc((size_t)npairs + 1, sizeof *names);
    int *values = halo_xcalloc((size_t)npairs + 1, sizeof *values);
    int rc = TCL_OK;
    for (int i = 0; i < npairs && rc == TCL_OK; i++) {
        names[i] = Tcl_GetString(elems[2 * i]);
        if (Tcl_GetIntFromObj(NULL, elems[2 * i + 1], &values[i]) != TCL_OK || values[i] < 1)
            rc = halo_tcl_fail(interp, HALO_E_CMD_VALUE, names[i], Tcl_GetString(elems[2 * i + 1]),
                               "a finger count >= 1");
    }
    halo_err err;
    halo_err_clear(&err);
    if (rc == TCL_OK && design_set_fingers(d, names, values, npairs, &err) != 0) rc = halo_tcl_error(interp, &err);
    free(names);
    free(values);
    if (rc != TCL_OK) return rc;
    Tcl_Obj *result = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < nl->ndevs; i++) {
        if (!netlist_is_mos(&nl->devs[i])) continue;
        Tcl_ListObjAppendElement(NULL, result, Tcl_NewStringObj(nl->devs[i].name, -1));
        Tcl_ListObjAppendElement(NULL, result, nl->devs[i].nf ? Tcl_NewIntObj(nl->devs[i].nf) : Tcl_NewStringObj("ZZZ", -1));
    }
    Tcl_SetObjResult(interp, result);
    return TCL_OK;
}

const HaloCmd halo_fingers_cmds[] = {
    {"enumerate_fingers", EnumerateFingersCmd, "enumerate_fingers ?-values LIST? ?-count? ?-sample N? ?-seed S?",
     "Lists, counts or samples the legal finger arrangements (OSIRIS stage 1). Each transistor takes a "
     "finger count from the value set (default 1..16), matched transistors take the same count, and "
     "each finger's width (W/nf, or the template's finger width with -width per_finger) must be at "
     "least the PDK minimum and on the manufacturing grid. Returns a list of dicts {XM1 2 XM2 4 ...} "
     "in a fixed order (the first transistor varies slowest); with -count only the number, computed "
     "without listing, exact at any size; with -sample N -seed S (default seed 1) a reproducible "
     "uniform random subset of N arrangements without repetition, in the same order.",
     "Lists, counts or samples legal finger arrangements."},
    {"set_fingers", SetFingersCmd, "set_fingers DICT",
     "Applies one finger arrangement {DEV NF ...} to the design. A matched device's count goes to its "
     "whole group; an unknown device, a non-transistor, an illegal count (finger below the minimum "
     "width or off grid) or two counts for one match group are errors and change nothing. Keeps each "
     "device's total W. Returns the finger count of every transistor.",
     "Applies one finger arrangement {DEV NF ...}."},
    {NULL, NULL, NULL, NULL, NULL},
};
