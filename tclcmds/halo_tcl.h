/*
 * halo_tcl.h -- what the Tcl command modules share.
 *
 * Owns: HaloState (the per-interpreter design and technology, passed as
 * ClientData and freed with the interpreter), HaloCmd (one row per command:
 * name, proc, usage line, summary -- the tables that drive both
 * registration and `help`), and the helpers that turn core errors into Tcl
 * errors with -errorcode {HALO <module> <kind> <number>} and print reports
 * through the one logger.
 * Every command lives in ::halo and is exported; tclcmds never hold state
 * in globals.
 */
#ifndef HALO_TCL_H
#define HALO_TCL_H

#include <tcl.h>

#include "halo_err.h"
#include "netlist.h"
#include "tech.h"

typedef struct HaloSim HaloSim;   /* simulation state, cmd_sim.c */
typedef struct HaloLayout HaloLayout;   /* layout library and device cells, cmd_layout.c */
typedef struct HaloVerify HaloVerify;   /* last DRC, LVS and parasitic results, cmd_verify.c */
typedef struct HaloPlace HaloPlace;     /* placement IR and snapshots, cmd_place.c */
typedef struct HaloRoute HaloRoute;     /* the routing of the placement, cmd_route.c */
typedef struct HaloAgents HaloAgents;   /* exploration agents by handle, cmd_agent.c */
struct place_ir;
struct lay_lib;
struct lay_box;
struct render_overlay;

typedef struct HaloState {
    halo_tech *tech;     /* the loaded technology, never NULL after init */
    netlist *design;     /* the current design, NULL until one is read */
    HaloSim *sim;        /* testbench, workers, results; NULL until used */
    HaloLayout *layout;  /* cells, top cell, device binding; NULL until used */
    HaloVerify *verify;  /* verification results; NULL until used */
    HaloPlace *place;    /* placement IR and snapshots; NULL until used */
    HaloRoute *route;    /* routing of the current placement; NULL until used */
    HaloAgents *agents;  /* rl_agent's agents; NULL until used */
} HaloState;

/* Free the simulation state (workers stop). */
void halo_sim_free(HaloState *st);
/* Free the layout; drop only the design's device cells binding. */
void halo_layout_free(HaloState *st);
void halo_layout_forget_design(HaloState *st);
/* The layout library (created empty when there is none). */
struct lay_lib *halo_layout_lib(HaloState *st);
/* The cell named by name, or the current cell when name is NULL; an error
 * naming what to do when there is none. */
int halo_layout_pick_cell(Tcl_Interp *interp, HaloState *st, Tcl_Obj *name, int *cell);
/* The same for a command that expands the cell's hierarchy (checks,
 * pictures, flatten_cell): fails with GDS-5 when the expansion would hold
 * more than ::halo::max_shapes shapes (default HALO_MAX_SHAPES). */
#define HALO_MAX_SHAPES 10000000
int halo_layout_pick_flat_cell(Tcl_Interp *interp, HaloState *st, Tcl_Obj *name, int *cell);
int halo_layout_check_expansion(Tcl_Interp *interp, HaloState *st, int cell);
/* The design's device cells (per netlist device, -1 when none): the count
 * of devices bound, 0 before generate_devices. */
int halo_layout_device_cells(HaloState *st, const int **dev_cell);
/* Make the cell `name` (created empty when absent) the current cell. */
int halo_layout_use_top(HaloState *st, const char *name);
/* Drop the placement (the device cells changed); free everything. */
void halo_place_forget(HaloState *st);
void halo_place_free(HaloState *st);
/* Placement overlays (halo boxes, axes, boundary) for a picture of cell,
 * malloc'ed in *out; the count, 0 when cell is not the placed top cell. */
int halo_place_overlays(HaloState *st, int cell, struct render_overlay **out);
void halo_place_free_overlays(struct render_overlay *ov, int n);
/* The placement's QoS figures: sum of device boxes and boundary area
 * (um^2), HPWL (um).  1 when there is a placement, else 0. */
int halo_place_qos(HaloState *st, double *area_um2, double *bbox_um2, double *hpwl_um);
/* The current placement IR and the cell it is written into, or NULL. */
struct place_ir *halo_place_ir(HaloState *st, int *top);
/* Drop the routing (the placement was replaced); free everything. */
void halo_route_forget(HaloState *st);
void halo_route_free(HaloState *st);
/* Free every rl_agent agent. */
void halo_agent_free(HaloState *st);
/* Free the verification results. */
void halo_verify_free(HaloState *st);
/* Make text (malloc'ed; taken) the post-layout netlist simulate -stage
 * post runs and write_spice -stage post writes; source names it. */
void halo_sim_set_post(HaloState *st, char *text, const char *source);
/* The post-layout netlist text, or NULL. */
const char *halo_sim_post_text(HaloState *st);

typedef struct HaloCmd {
    const char *name;    /* "read_spice" */
    Tcl_ObjCmdProc *proc;
    const char *usage;   /* "read_spice FILE ?-top SUBCKT? ..." */
    const char *summary; /* one paragraph for `help NAME` */
    const char *brief;   /* one line (at most 57 characters) for `help`'s list */
} HaloCmd;

/* Command tables of the modules, each ending with a {NULL} row. */
extern const HaloCmd halo_help_cmds[];
extern const HaloCmd halo_pdk_cmds[];
extern const HaloCmd halo_netlist_cmds[];
extern const HaloCmd halo_constraints_cmds[];
extern const HaloCmd halo_fingers_cmds[];
extern const HaloCmd halo_sim_cmds[];
extern const HaloCmd halo_layout_cmds[];
extern const HaloCmd halo_verify_cmds[];
extern const HaloCmd halo_place_cmds[];
extern const HaloCmd halo_route_cmds[];
extern const HaloCmd halo_nn_cmds[];
extern const HaloCmd halo_explore_cmds[];
extern const HaloCmd halo_agent_cmds[];
extern const HaloCmd *const halo_cmd_tables[];

const HaloCmd *halo_find_cmd(const char *name);
/* Create ::halo::flow::message and ::halo::flow::json_decode (cmd_explore.c). */
int halo_explore_helpers(Tcl_Interp *interp);

/* Set the interpreter's result and -errorcode from a core error. */
int halo_tcl_error(Tcl_Interp *interp, const halo_err *err);
/* Format a message of the table and raise it. */
int halo_tcl_fail(Tcl_Interp *interp, halo_msg_id id, ...);
/* Usage error: "wrong # args: should be \"USAGE\"" with {HALO CMD USAGE 0}. */
int halo_usage(Tcl_Interp *interp, const char *name);

/* The current design, or an error (GEN-5) when none is loaded. */
netlist *halo_need_design(Tcl_Interp *interp, HaloState *st);

/* Print text (a report) through the logger: the channel named by
 * ::halo::output (default stdout); "" silences reports. */
void halo_report(Tcl_Interp *interp, const char *text);

/* Option parsing: objv[*i] is an option from the list (NULL-terminated);
 * stores its index, moves *i to its value when it takes one. */
int halo_get_option(Tcl_Interp *interp, Tcl_Obj *const objv[], int objc, int *i, const char *const *options,
                    const char *expected, int *which);
/* Value of the option at objv[*i] (advancing *i), or an error naming it. */
Tcl_Obj *halo_option_value(Tcl_Interp *interp, Tcl_Obj *const objv[], int objc, int *i);

/* The design's match groups as a list of lists of device names. */
Tcl_Obj *halo_match_groups_obj(const netlist *nl);

/* A number as a Tcl_Obj, integer-valued doubles as integers. */
Tcl_Obj *halo_num_obj(double v);
/* Put key -> value into a dict object (unshared). */
void halo_dict_put(Tcl_Obj *dict, const char *key, Tcl_Obj *value);
/* A box in nm as the list {x0 y0 x1 y1} in um. */
Tcl_Obj *halo_box_obj(const struct lay_box *b);

#endif
