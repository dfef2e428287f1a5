/*
 * cmd_constraints.c -- read_constraints and set_match: matched devices.
 */
#include "halo_tcl.h"

#include "netlist/constraints.h"
#include <stdlib.h>

#include "base/strutil.h"

static int ReadConstraintsCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 2) return halo_usage(interp, "read_constraints");
    netlist *nl = halo_need_design(interp, cd);
    if (!nl) return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    if (constraints_read_pairs_file(nl, Tcl_GetString(objv[1]), &err) != 0) return halo_tcl_error(interp, &err);
    Tcl_SetObjResult(interp, halo_match_groups_obj(nl));
    return TCL_OK;
}

static int SetMatchCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc < 3) return halo_usage(interp, "set_match");
    netlist *nl = halo_need_design(interp, cd);
    if (!nl) return TCL_ERROR;
    const char **names = halo_xcalloc((size_t)objc, sizeof *names);
    for (int i = 1; i < objc; i++) names[i - 1] = Tcl_GetString(objv[i]);
    halo_err err;
    halo_err_clear(&err);
    int rc = constraints_match(nl, names, objc - 1, "set_match", &err);
    free(names);
    if (rc) return halo_tcl_error(interp, &err);
    Tcl_SetObjResult(interp, halo_match_groups_obj(nl));
    return TCL_OK;
}

const HaloCmd halo_constraints_cmds[] = {
    {"read_constraints", ReadConstraintsCmd, "read_constraints FILE",
     "Reads matched devices from an OSIRIS pairs.json. The file is {\"pairs\": [[\"M3\", \"M4\"], ...]}; "
     "an entry may name more than two devices, and entries sharing a device merge into one group. "
     "Matched devices get one finger count and are placed mirror-symmetric. Unknown device names and "
     "devices of different types are errors, and then no constraint of the file is applied. Returns "
     "the match groups.",
     "Reads matched devices from an OSIRIS pairs.json."},
    {"set_match", SetMatchCmd, "set_match DEV DEV ?DEV...?",
     "Matches devices: one finger count, mirror-symmetric placement. The named devices join one "
     "group, merged with any group they already belong to. Returns the match groups.",
     "Matches devices: equal fingers, mirrored placement."},
    {NULL, NULL, NULL, NULL, NULL},
};
