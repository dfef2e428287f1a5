/*
 * testbench.h -- simulation testbenches and the decks built from them.
 *
 * Owns: testbench (a SPICE template that instantiates the design under
 * test by its subcircuit name without defining it, with its sources, load
 * and analysis; or a built-in type generated from the design's port roles),
 * and the composition of a complete ngspice deck from a testbench, the
 * design's subcircuit (schematic or post-layout) and the model library --
 * either as lines plus analysis commands for the in-process simulator, or
 * as one text with a .control block that prints the metrics, for a plain
 * `ngspice -b` run of the very same circuit.
 *
 * Template rules (what an ngspice user expects, and OSIRIS's published
 * <circuit>_pre.spice templates):
 *   - the first line is the title, unless it is a .lib/.include card (ngspice
 *     reads those there too); '+' continues a line; '*' starts a comment
 *     line, ';' an inline comment anywhere outside quotes and braces, and
 *     '$' after a blank one outside .control (where '$' names a variable);
 *   - the models line, replaced by the loaded PDK's models (its corner is
 *     the PDK's, not the line's): a line holding {{SKY130_LIB}}, or a
 *     `.lib ".../sky130.lib.spice" CORNER` of any path, existing or not
 *     (OSIRIS ships "/path/to/pdk/..."), since that is the PDK's own
 *     library; at most one per template;
 *   - other .include/.lib paths are made absolute against the template's
 *     directory and must exist when the template is read;
 *   - the design is instantiated by its subcircuit name, its nodes bare or
 *     in parentheses (`x1 (a b c) amp`, written without them); the template
 *     does not define it, except as OSIRIS's placeholder: a `.subckt NAME
 *     PORTS` whose only body line is XXX, where halo inserts the design's
 *     definition; NAME and PORTS (in order, any case) must be the design's;
 *   - the first `ac` analysis (in .control or as .ac) is the sweep whose
 *     output trajectory halo records (default ac dec 50 1k 1G); other
 *     .control lines (run, set, write, quit ...) are not run unless the
 *     testbench keeps its control block;
 *   - the output node: the caller's (read_testbench -output), else a comment
 *     "* halo testbench: output=NODE type=OpampTestbench" (which also sets
 *     the metric set), else the first v(NODE) of a write/print/wrdata line
 *     in .control, else the design's output_v port.
 * testbench_port_roles reads back what the template connects to each port
 * of the design (output node, sources) as net roles.
 */
#ifndef HALO_TESTBENCH_H
#define HALO_TESTBENCH_H

#include "base/halo_err.h"
#include "netlist/netlist.h"

typedef enum { TB_OPAMP = 0, TB_FILTER = 1 } tb_type;

const char *testbench_type_name(tb_type t);   /* "OpampTestbench" */

typedef struct testbench {
    char *name;          /* "OpampTestbench" or the template's file name */
    char *source;        /* template path, NULL for a built-in */
    tb_type type;        /* which metric set */
    char **lines;        /* kept logical lines, title/.end/.control/analyses removed */
    int *lineno;         /* their source lines */
    int nlines;
    int lib_at;          /* index in lines of the models line, or -1 */
    char *models_line;   /* that line as written ({{SKY130_LIB}} or .../sky130.lib.spice), or NULL */
    int models_lineno;   /* its source line */
    int dut_at;          /* index in lines before which the XXX placeholder stood (the
                          * design's definition goes there; == nlines at the end), or -1 */
    char *dut_name;      /* the placeholder's .subckt name, NULL when none */
    char **dut_ports;    /* and its ports */
    int ndut_ports;
    int dut_lineno;      /* the placeholder's .subckt line */
    char *output;        /* output node, "" when not given */
    char *ac_sweep;      /* the trajectory analysis, "ac dec 50 1k 1G" */
    char **control;      /* .control lines kept (keep_control), in order */
    int ncontrol;
    int keep_control;
    int ndropped;        /* .control/analysis lines halo does not run */
    char *fault;         /* test hook "fault=segv|abort|exit|hang", honoured
                            only when HALO_TEST_FAULTS=1; else NULL */
} testbench;

typedef struct tb_builtin_opts {
    double vdd;          /* supply, V (1.8) */
    double vin_dc;       /* input common mode, V (vdd/2) */
    double cl;           /* load capacitance, F (1e-12) */
    double ibias;        /* bias current of a bias_current port, A (10e-6) */
    double vbias;        /* voltage of a bias_voltage port, V (vdd/2) */
} tb_builtin_opts;

void testbench_builtin_defaults(tb_builtin_opts *o);

/* Read a template file; output (may be NULL) overrides the header's. */
testbench *testbench_read(const char *path, const char *output, int keep_control, halo_err *err);
/* The same from text in memory; name is used in messages and for paths. */
testbench *testbench_parse(const char *text, size_t len, const char *name, const char *output,
                           int keep_control, halo_err *err);
/* A built-in testbench ("OpampTestbench", "FilterTestbench") for design. */
testbench *testbench_builtin(const char *type, const netlist *design, const tb_builtin_opts *o,
                             const char *output, halo_err *err);
/* 1 when name is a built-in type. */
int testbench_is_builtin(const char *name);
void testbench_free(testbench *tb);

/* The roles the testbench gives the design's ports, in port order
 * (NL_UNKNOWN where it implies none): the output node's port output_v and
 * any other port tied to it (unity-gain feedback) input_v; a port on
 * ground (0 or GND) supply_neg; a V source between the port and ground
 * with an ac part input_v, at 0 V DC supply_neg, at the largest positive
 * DC among the DUT's DC sources supply_pos, at the most negative DC
 * supply_neg, at any other DC bias_voltage; an I source bias_current.
 * The output port among several tied to the output node: the one already
 * output_v, else the one named like the node, else the last of unknown
 * role, else the last.  0, or -1
 * with err when the DUT instance is missing or does not match. */
int testbench_port_roles(const testbench *tb, const netlist *design, netlist_netrole *roles,
                         halo_err *err);
/* Check the XXX placeholder (if any) against design: its name and ports.
 * 0, or -1 with err naming the placeholder's file:line and both port lists. */
int testbench_check_placeholder(const testbench *tb, const netlist *design, halo_err *err);

/* What replaces {{SKY130_LIB}}: model text to splice in (lines), or a
 * .lib line to a library file and section. */
typedef struct tb_models {
    const char *text;        /* model text, or NULL */
    const char *lib_path;    /* used when text is NULL */
    const char *corner;
    const char *label;       /* "embedded sky130 models (tt)" for the title */
} tb_models;

/* A deck ready for the simulator. */
typedef struct tb_deck {
    char **lines;        /* title first, ".end" last */
    int nlines;
    char **commands;     /* "op", "ac lin 1 1 1", the sweep */
    int ncommands;
    char **want;         /* vectors to bring back */
    int nwant;
    char *out_vec;       /* the output node's vector name, lower case */
    char *supply_vec;    /* "vdd#branch", or NULL when no supply was found */
    double vdd;          /* supply voltage, V (0 when none) */
    tb_type type;
    char *fault;         /* the testbench's test hook, or NULL (sim_job) */
} tb_deck;

/* Compose the deck: dut_text is the .subckt of the design (schematic or
 * post-layout) named design->name with design's ports.  stage names it in
 * the title. */
int testbench_deck(const testbench *tb, const netlist *design, const char *dut_text,
                   const tb_models *models, const char *stage, tb_deck *deck, halo_err *err);
/* The deck as one ngspice -b input: lines, a .control block running the
 * same analyses and printing each metric as "halo_<key> = value". */
char *testbench_deck_text(const tb_deck *deck);
void tb_deck_free(tb_deck *deck);

/* Check a post-layout netlist text defines .subckt NAME with nports ports
 * (0 on success, else a message in err naming the file). */
int testbench_check_post(const char *text, const char *path, const char *name, int nports,
                         halo_err *err);

#endif
