/*
 * halo_init.c -- Halo_Init: the one entry point of the Tcl package and the
 * halo shell.
 *
 * It initialises the stubs, creates ::halo with every command of every
 * module table (exported, so a shell or script may import them), loads the
 * embedded sky130 technology and provides the package.  The interpreter's
 * halo_design (core/design.h), every command's ClientData, is associated
 * with the interpreter and freed with it.
 */
#include "halo_tcl.h"

#include <stdlib.h>
#include <string.h>

#ifndef HALO_VERSION
#define HALO_VERSION "0.0"
#endif

const HaloCmd *const halo_cmd_tables[] = {
    halo_help_cmds, halo_pdk_cmds, halo_netlist_cmds, halo_constraints_cmds, halo_fingers_cmds, halo_sim_cmds,
    halo_char_cmds, halo_layout_cmds, halo_verify_cmds, halo_place_cmds, halo_route_cmds, halo_nn_cmds,
    halo_explore_cmds, halo_agent_cmds, halo_predict_cmds, halo_blocks_cmds, halo_chart_cmds, halo_size_cmds, halo_complete_cmds, NULL,
};

const HaloCmd *halo_find_cmd(const char *name)
{
    for (int t = 0; halo_cmd_tables[t]; t++)
        for (const HaloCmd *c = halo_cmd_tables[t]; c->name; c++)
            if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

/* Tcl's exit ends the process without deleting the interpreter, so
 * free_state would never run and the ngspice workers' scratch directory
 * (with the bsim4v5.out ngspice leaves in it) would stay behind in TMPDIR:
 * an exit handler stops them.  free_state cancels it when the interpreter
 * goes first. */
static void stop_workers_at_exit(ClientData cd)
{
    design_sim_shutdown(cd);
}

static void free_state(ClientData cd, Tcl_Interp *interp)
{
    (void)interp;
    Tcl_DeleteExitHandler(stop_workers_at_exit, cd);
    design_free(cd);
}

/* The engines' scripts (generated from tclcmds/engines.tcl, tools/magic/
 * and pdk/sky130/netgen_setup.tcl). */
extern const char halo_engines_tcl[], halo_magic_drc_cells_tcl[], halo_magic_extract_lvs_tcl[],
    halo_netgen_setup_tcl[];
/* The exploration, dataset and predictor-dataset commands' procs
 * (tclcmds/explore.tcl, dataset.tcl, predict.tcl). */
extern const char halo_explore_tcl[], halo_dataset_tcl[], halo_predict_tcl[];

static int load_flows(Tcl_Interp *interp)
{
    if (Tcl_Eval(interp, "namespace eval ::halo::flow {}") != TCL_OK) return TCL_ERROR;
    if (halo_explore_helpers(interp) != TCL_OK) return TCL_ERROR;
    if (Tcl_Eval(interp, halo_explore_tcl) != TCL_OK) return TCL_ERROR;
    if (Tcl_Eval(interp, halo_dataset_tcl) != TCL_OK) return TCL_ERROR;
    return Tcl_Eval(interp, halo_predict_tcl);
}

static int load_engines(Tcl_Interp *interp)
{
    static const struct { const char *name; const char *text; } texts[] = {
        {"drc_cells.tcl", halo_magic_drc_cells_tcl},
        {"extract_lvs.tcl", halo_magic_extract_lvs_tcl},
        {"netgen_setup.tcl", halo_netgen_setup_tcl},
    };
    if (Tcl_Eval(interp, "namespace eval ::halo::engine {variable text}") != TCL_OK) return TCL_ERROR;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (!Tcl_SetVar2(interp, "::halo::engine::text", texts[i].name, texts[i].text, TCL_LEAVE_ERR_MSG))
            return TCL_ERROR;
    return Tcl_Eval(interp, halo_engines_tcl);
}

static int register_commands(Tcl_Interp *interp, halo_design *d)
{
    for (int t = 0; halo_cmd_tables[t]; t++) {
        for (const HaloCmd *c = halo_cmd_tables[t]; c->name; c++) {
            Tcl_Obj *name = Tcl_ObjPrintf("::halo::%s", c->name);
            Tcl_IncrRefCount(name);
            Tcl_CreateObjCommand(interp, Tcl_GetString(name), c->proc, d, NULL);
            Tcl_DecrRefCount(name);
        }
    }
    return Tcl_Eval(interp, "namespace eval ::halo {namespace export *}");
}

int Halo_Init(Tcl_Interp *interp)
{
    if (Tcl_InitStubs(interp, "8.6", 0) == NULL) return TCL_ERROR;
    if (Tcl_GetAssocData(interp, "halo", NULL)) return Tcl_PkgProvide(interp, "halo", HALO_VERSION);
    halo_err err;
    halo_err_clear(&err);
    halo_tech *tech = tech_load("sky130", &err);
    if (!tech) return halo_tcl_error(interp, &err);
    halo_design *d = design_new(tech);
    Tcl_SetAssocData(interp, "halo", free_state, d);
    Tcl_CreateExitHandler(stop_workers_at_exit, d);
    if (Tcl_Eval(interp, "namespace eval ::halo {variable version " HALO_VERSION "; variable output stdout}") != TCL_OK)
        return TCL_ERROR;
    if (register_commands(interp, d) != TCL_OK) return TCL_ERROR;
    if (load_engines(interp) != TCL_OK) return TCL_ERROR;
    if (load_flows(interp) != TCL_OK) return TCL_ERROR;
    return Tcl_PkgProvide(interp, "halo", HALO_VERSION);
}
