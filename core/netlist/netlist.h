/*
 * netlist.h -- halo's flat circuit database.
 *
 * Owns: the design read from SPICE or netlist_json -- nets (name, role,
 * external), devices (name, netlist_json type, model, typed pins, params),
 * the top-level port order, matched-device groups -- and the vocabularies
 * of the netlist_json schema (device types, pin roles, net roles).
 *
 * Units and conventions (invariants):
 *   - MOS "W" and "L" params are in µm.  W is the TOTAL width of all
 *     fingers (BSIM4 convention) when wmode is NETLIST_W_TOTAL; for
 *     templates read with -width per_finger it is the width of one finger
 *     (NETLIST_W_PER_FINGER) until set_fingers fixes nf.
 *   - nf is a field, not a param: >= 1, or 0 for the OSIRIS placeholder ZZZ.
 *   - Other params keep the names they were written with, lower case, in
 *     SI units (R in ohm, C in farad, dc/ac in V or A).  A param whose value
 *     is not a number (a source's transient spec) keeps its text.
 *   - Names are unique; hierarchical names use '/' ("X1/XM3").
 * Callers: spice_read/write, netjson, constraints, fingers, tclcmds.
 */
#ifndef HALO_NETLIST_H
#define HALO_NETLIST_H

#include "base/halo_err.h"
#include "base/strutil.h"

typedef enum {
    NL_NMOS, NL_PMOS, NL_NPN, NL_PNP, NL_RES, NL_CAP, NL_IND, NL_ISRC, NL_VSRC, NL_OTHER,
    NL_NTYPES
} netlist_devtype;

typedef enum {
    NL_SUPPLY_POS, NL_SUPPLY_NEG, NL_INPUT_V, NL_INPUT_I, NL_OUTPUT_V, NL_OUTPUT_I,
    NL_BIAS_VOLTAGE, NL_BIAS_CURRENT, NL_CLOCK, NL_LOGIC, NL_LO_DRIVE, NL_RF_INPUT,
    NL_INTERNAL, NL_UNKNOWN, NL_NROLES
} netlist_netrole;

enum { NETLIST_W_TOTAL = 0, NETLIST_W_PER_FINGER = 1 };

/* The unit a device's geometry (W, L, ad, pd ...) was written in: none
 * given, micrometres (sky130's .option scale=1.0u convention), metres
 * (plain SPICE), or metres times an .option scale. */
enum { NETLIST_UNITS_NONE = 0, NETLIST_UNITS_UM, NETLIST_UNITS_M, NETLIST_UNITS_SCALE };

typedef struct netlist_param {
    char *name;
    double value;
    char *text;          /* non-NULL for a non-numeric value */
} netlist_param;

typedef struct netlist_pin {
    char role[4];        /* D G S B C E SUB P N X */
    int net;             /* index into nets */
} netlist_pin;

typedef struct netlist_device {
    char *name;
    netlist_devtype type;
    char element;        /* SPICE letter it is written with: M X R C L Q D V I */
    char *model;         /* model or PDK subcircuit name, "" when none */
    netlist_pin *pins;
    int npins;
    netlist_param *params;
    int nparams, capparams;
    int nf;              /* MOS fingers; 0 = placeholder ZZZ */
    int wmode;           /* NETLIST_W_TOTAL or NETLIST_W_PER_FINGER */
    int match_group;     /* -1 when not matched */
    int line;            /* source line, 0 when unknown */
    char *file;          /* source file when not the netlist's own (an
                            .include), else NULL */
    char *origin;        /* how the input wrote the device when halo mapped
                            it onto a technology device ("R0 ... r=18k"),
                            else NULL */
    int units;           /* how its geometry was written: NETLIST_UNITS_* */
} netlist_device;

typedef struct netlist_net {
    char *name;
    netlist_netrole role;
    int external;        /* a port of the top cell */
} netlist_net;

typedef struct netlist {
    char *name;          /* top subcircuit name */
    char *source;        /* file it was read from */
    netlist_net *nets;
    int nnets, capnets;
    netlist_device *devs;
    int ndevs, capdevs;
    int *ports;          /* net indices of the top ports, in order */
    int nports, capports;
    int nmatch_groups;
    su_map net_index, dev_index;
} netlist;

/* Vocabulary names, and their parsing (0 on success, -1 if unknown). */
const char *netlist_devtype_name(netlist_devtype t);
int netlist_devtype_parse(const char *name, netlist_devtype *t);
const char *netlist_netrole_name(netlist_netrole r);
int netlist_netrole_parse(const char *name, netlist_netrole *r);
int netlist_pinrole_valid(const char *role);
/* Role halo gives a net from its name: VDD -> supply_pos, VOUT -> output_v ... */
netlist_netrole netlist_guess_netrole(const char *name, int external);

netlist *netlist_new(const char *name);
void netlist_free(netlist *nl);
netlist *netlist_clone(const netlist *nl);
/* The design as laid out: a clone without its simulation-only devices
 * (same nets, same net indices). */
netlist *netlist_layout_view(const netlist *nl);
/* The number of simulation-only devices. */
int netlist_count_sim_only(const netlist *nl);

/* Index of net name, creating it (role guessed, not external) if absent. */
int netlist_net_get(netlist *nl, const char *name);
int netlist_net_find(const netlist *nl, const char *name);
/* Mark a net as the next top-level port. */
void netlist_add_port(netlist *nl, int net);
/* Append a device; name must be unique (returns -1 when taken). */
int netlist_device_add(netlist *nl, const char *name, netlist_devtype type, char element,
                       const char *model);
int netlist_device_find(const netlist *nl, const char *name);
void netlist_device_add_pin(netlist *nl, int dev, const char *role, int net);

/* Params (names compared ignoring case). */
void netlist_param_set(netlist_device *d, const char *name, double value);
void netlist_param_set_text(netlist_device *d, const char *name, const char *text);
/* Returns 0 and stores the value when the param exists and is numeric. */
int netlist_param_get(const netlist_device *d, const char *name, double *value);
const netlist_param *netlist_param_find(const netlist_device *d, const char *name);

int netlist_is_mos(const netlist_device *d);

/* What a param measures, for unit conversion: a length (MOS W L pd ps sa
 * sb sd; W L of a PDK passive), an area (MOS ad as), or neither. */
enum { NETLIST_DIM_NONE = 0, NETLIST_DIM_LENGTH, NETLIST_DIM_AREA };
int netlist_param_dim(const netlist_device *d, const char *name);
/* The stored name of a param: lower case, except W and L of transistors
 * and PDK subcircuit devices (element X), which are upper case in µm. */
void netlist_canonical_param(const netlist_device *d, const char *name, char *out, size_t len);
/* Total and per-finger width in µm of a MOS device; 0 when unknown (nf unset
 * in per-finger mode, or no W). */
double netlist_total_w(const netlist_device *d);
double netlist_finger_w(const netlist_device *d);
/* Set the finger count.  A W_TOTAL device keeps its total W; a per-finger
 * template keeps its finger width (the template stays the source of truth
 * however often the count changes).  A change drops the source/drain
 * geometry (ad as pd ps nrd nrs): it described the old fingering. */
void netlist_set_nf(netlist_device *d, int nf);
void netlist_param_remove(netlist_device *d, const char *name);

/* Devices that exist only for simulation: ideal V and I sources inside
 * the design (a bias current written into the amplifier).  They are kept
 * in every simulation deck and left out of the layout and of LVS. */
int netlist_is_sim_only(const netlist_device *d);
/* The file a device was read from (its own or the netlist's). */
const char *netlist_device_file(const netlist *nl, const netlist_device *d);

/* Structural equality of two netlists (devices by name, connections by net
 * name, params within relative tol): 0 when equal, else writes the first
 * difference to why. */
int netlist_compare(const netlist *a, const netlist *b, double tol, char *why, size_t whylen);

#endif
