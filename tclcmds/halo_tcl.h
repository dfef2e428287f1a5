/*
 * halo_tcl.h -- what the Tcl command modules share.
 *
 * Owns: HaloCmd (one row per command: name, proc, usage line, summary,
 * brief -- the tables that drive both registration and `help`), and the
 * helpers that turn core errors into Tcl errors with -errorcode {HALO
 * <module> <kind> <number>}, print reports through the one logger, parse
 * options and pick the cell a command works on.
 * The state is core's: every command gets the interpreter's halo_design
 * (core/design.h) as its ClientData, freed with the interpreter.  A
 * command module holds no state and calls no other command module; every
 * command lives in ::halo and is exported.
 */
#ifndef HALO_TCL_H
#define HALO_TCL_H

#include <tcl.h>

#include "base/halo_err.h"
#include "design.h"

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
extern const HaloCmd halo_char_cmds[];
extern const HaloCmd halo_layout_cmds[];
extern const HaloCmd halo_verify_cmds[];
extern const HaloCmd halo_place_cmds[];
extern const HaloCmd halo_route_cmds[];
extern const HaloCmd halo_nn_cmds[];
extern const HaloCmd halo_explore_cmds[];
extern const HaloCmd halo_agent_cmds[];
extern const HaloCmd halo_predict_cmds[];
extern const HaloCmd halo_blocks_cmds[];
extern const HaloCmd halo_chart_cmds[];
extern const HaloCmd halo_size_cmds[];
extern const HaloCmd halo_complete_cmds[];
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
netlist *halo_need_design(Tcl_Interp *interp, halo_design *d);

/* The cell named by name, or the current cell when name is NULL; an error
 * naming what to do when there is none. */
int halo_pick_cell(Tcl_Interp *interp, halo_design *d, Tcl_Obj *name, int *cell);
/* The same for a command that expands the cell's hierarchy (checks,
 * pictures, flatten_cell): fails with GDS-5 when the expansion would hold
 * more than ::halo::max_shapes shapes (default HALO_MAX_SHAPES). */
#define HALO_MAX_SHAPES 10000000
int halo_pick_flat_cell(Tcl_Interp *interp, halo_design *d, Tcl_Obj *name, int *cell);
int halo_check_expansion(Tcl_Interp *interp, halo_design *d, int cell);

/* Call the proc ::halo::flow::<name> with objv[1..] (the commands whose
 * body is a Tcl flow: explore, generate_dataset, predictor_dataset ...). */
int halo_forward_flow(Tcl_Interp *interp, const char *name, int objc, Tcl_Obj *const objv[]);

/* Print text (a report) through the logger: the channel named by
 * ::halo::output (default stdout); "" silences reports. */
void halo_report(Tcl_Interp *interp, const char *text);

/* Option parsing: objv[*i] is an option from the list (NULL-terminated);
 * stores its index, moves *i to its value when it takes one. */
int halo_get_option(Tcl_Interp *interp, Tcl_Obj *const objv[], int objc, int *i, const char *const *options,
                    const char *expected, int *which);
/* Value of the option at objv[*i] (advancing *i), or an error naming it. */
Tcl_Obj *halo_option_value(Tcl_Interp *interp, Tcl_Obj *const objv[], int objc, int *i);

/* A table of -name value options: an int within [lo, hi], a number
 * within [lo, hi], a string, or the value itself (a Tcl_Obj * owned by
 * objv, for binary data a string would mangle); expected says what a bad
 * value should be. */
typedef enum { OPT_INT, OPT_NUM, OPT_STR, OPT_OBJ } opt_type;
typedef struct opt_spec {
    const char *name;
    opt_type type;
    void *value;                  /* int*, double*, const char**, Tcl_Obj** */
    double lo, hi;
    const char *expected;
} opt_spec;
/* Parse objv[first..] as -name value pairs of spec (ended by a {NULL} row). */
int halo_parse_opts(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], int first, const opt_spec *spec);

/* ::halo::sim_memory_limit MB (default SIM_DEFAULT_MEMORY_MB, 0 for none)
 * into o, or an error naming the bad value. */
int halo_sim_memory_limit(Tcl_Interp *interp, design_sim_opts *o);

/* The design's match groups as a list of lists of device names. */
Tcl_Obj *halo_match_groups_obj(const netlist *nl);

/* A number as a Tcl_Obj, integer-valued doubles as integers. */
Tcl_Obj *halo_num_obj(double v);
/* Put key -> value into a dict object (unshared). */
void halo_dict_put(Tcl_Obj *dict, const char *key, Tcl_Obj *value);
/* A box in nm as the list {x0 y0 x1 y1} in um. */
Tcl_Obj *halo_box_obj(const struct lay_box *b);

#endif
