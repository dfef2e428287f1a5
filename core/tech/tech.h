/*
 * tech.h -- the technology: layers, design rules, device limits and
 * parasitic coefficients of one process (embedded default: sky130).
 *
 * Owns: halo_tech and its loading from a tech.json file or from the copy of
 * pdk/sky130/tech.json compiled into halo (tech_sky130_json, generated at
 * build time), plus the record of a real installed PDK (-root) used by later
 * simulation and cross-checks.
 * Invariants: all lengths are integer nanometres on the tech's manufacturing
 * grid; areas in nm^2 are int64; electrical coefficients in SI-derived units
 * named in the field; every rule keeps its official id and the section of
 * shared/pdk-facts/sky130.md it came from.  A loaded tech is immutable.
 * Callers: tclcmds (pdk load/info), fingers (device limits), and later the
 * device generators, router, DRC and PEX.
 */
#ifndef HALO_TECH_H
#define HALO_TECH_H

#include <stdint.h>
#include "base/halo_err.h"

typedef struct tech_layer {
    char *name;           /* "met1" */
    int gds_layer;        /* 68 */
    int gds_datatype;     /* 20 (drawing) */
    int pin_datatype;     /* 16, or -1 when the layer has no pin purpose */
    int label_datatype;   /* 5, or -1 */
    char *kind;           /* "well" "diff" "tap" "poly" "cut" "metal" "implant"
                             "marker" "cap" "boundary" */
    char *direction;      /* "horizontal" "vertical" or "" for non-routing layers */
    int32_t width_nm;     /* minimum width, 0 when no rule */
    int32_t spacing_nm;   /* minimum spacing, 0 when no rule */
    int32_t pitch_nm;     /* routing pitch, 0 for non-routing layers */
    char *source;         /* "sky130.md §1" */
} tech_layer;

/* One design rule.  kind is one of: width, spacing, enclosure,
 * enclosure_one_side (the larger value on two opposite sides), extension,
 * size (exact cut size), area (value_nm2), hole_area (value_nm2), notch,
 * overlap, max_width, min_length, spacing_other (between layer and other),
 * max_distance (LU.2/LU.3), max_enclosure (npc.5), allowed_width (one of a
 * set of permitted widths, rpm.1b-f), straddle (layer may not lie partly
 * under other: capm.10).  layer is the checked layer (for
 * enclosure and extension: the outer / extending one), other the second
 * layer of two-layer rules ("" otherwise).  An id that applies to several
 * layers appears once per layer (n/psd.1 on nsdm and on psdm);
 * tech_find_rule returns the first. */
typedef struct tech_rule {
    char *id;             /* official id: "m1.2" */
    char *kind;
    char *layer;
    char *other;
    int32_t value_nm;     /* for length rules */
    int64_t value_nm2;    /* for area rules */
    char *description;    /* "met1 spacing" */
    char *source;         /* "sky130.md §2.7" */
} tech_rule;

typedef struct tech_device {
    char *name;           /* short name: "nfet_01v8" */
    char *model;          /* SPICE subcircuit: "sky130_fd_pr__nfet_01v8" */
    char *type;           /* netlist_json type: nmos pmos res cap ... */
    char *pins;           /* pin roles in SPICE order, space separated: "D G S B" */
    int32_t w_min_nm, w_max_nm;   /* per-finger width limits (0 = none) */
    int32_t l_min_nm, l_max_nm;
    double cap_area_f_per_um2;    /* MIM: area capacitance, 0 otherwise */
    double cap_perim_f_per_um;    /* MIM: perimeter capacitance */
    double sheet_ohm;             /* resistors: body sheet resistance */
    double end_ohm;               /* resistors: both contact heads together,
                                     R = sheet_ohm * L / W + end_ohm */
    int32_t *widths_nm;           /* allowed discrete widths, or NULL */
    int n_widths;
    char *source;
} tech_device;

/* Parasitic coefficients, per layer name, SI-derived units in the names. */
typedef struct tech_pex_layer {
    char *layer;
    double sheet_ohm;             /* ohm per square */
    double area_af_per_um2;       /* to substrate */
    double fringe_af_per_um;      /* perimeter to substrate */
    double sidewall_af_per_um;    /* same-layer coupling at sidewall_offset */
    int32_t sidewall_offset_nm;
} tech_pex_layer;

typedef struct tech_pex_contact {
    char *cut;                    /* "mcon", "licon_ndiff", "via" ... */
    double ohm;                   /* per cut */
} tech_pex_contact;

typedef struct tech_pex_overlap {
    char *upper, *lower;
    double area_af_per_um2;       /* parallel plate, upper over lower */
    double fringe_af_per_um;      /* upper edge down onto lower */
    double fringe_up_af_per_um;   /* lower edge up onto upper (0: none) */
} tech_pex_overlap;

/* A named alternative to the per-layer coefficients of the pex section
 * (area, fringe, sidewall), e.g. the ones an older extraction deck uses:
 * the nominal layers with the set's overrides applied.  Contacts and
 * overlaps are the nominal ones for every set. */
typedef struct tech_pex_set {
    char *name;                   /* "magic2020" */
    char *source;
    tech_pex_layer *layers; int n_layers;
} tech_pex_set;

typedef struct halo_tech {
    char *name;                   /* "sky130" */
    char *description;
    char *source_file;            /* path or "(embedded)" */
    /* Models whose names start with this are subcircuits in the PDK's
     * SPICE library ("sky130_fd_pr__"): a netlist must instantiate them
     * with X whatever element letter it used; "" when none. */
    char *spice_subckt_prefix;
    int32_t grid_nm;              /* manufacturing grid: 5 */
    tech_layer *layers;   int n_layers;
    tech_rule *rules;     int n_rules;
    tech_device *devices; int n_devices;
    tech_pex_layer *pex_layers;     int n_pex_layers;
    tech_pex_contact *pex_contacts; int n_pex_contacts;
    tech_pex_overlap *pex_overlaps; int n_pex_overlaps;
    tech_pex_set *pex_sets;         int n_pex_sets;   /* alternatives ("pex_sets") */
    /* real installed PDK, set by tech_set_root; NULL when none */
    char *pdk_root;               /* DIR as given */
    char *spice_lib;              /* DIR/sky130A/libs.tech/ngspice/sky130.lib.spice */
    char *magic_tech;             /* DIR/sky130A/libs.tech/magic/sky130A.tech */
    char *netgen_setup;           /* DIR/.../netgen/sky130A_setup.tcl or NULL */
    char *klayout_drc;            /* DIR/.../klayout/sky130.drc (open_pdks' deck) or NULL */
    char corner[8];               /* "tt" */
} halo_tech;

/* The embedded sky130 tech.json text, generated from pdk/sky130/tech.json. */
extern const char tech_sky130_json[];

/* Parse tech JSON text; source names it in errors.  Returns NULL on error. */
halo_tech *tech_load_json(const char *text, const char *source, halo_err *err);

/* Load by name ("sky130": the embedded copy) or by path to a tech.json. */
halo_tech *tech_load(const char *name_or_path, halo_err *err);

/* Record a real installed PDK under root (DIR/<pdkvariant>/libs.tech/...),
 * for the given corner.  Checks the files exist; error names the missing one. */
int tech_set_root(halo_tech *tech, const char *root, const char *corner, halo_err *err);

void tech_free(halo_tech *tech);

const tech_layer  *tech_find_layer(const halo_tech *tech, const char *name);
const tech_rule   *tech_find_rule(const halo_tech *tech, const char *id);
/* Alternative pex coefficients by name, NULL when absent. */
const tech_pex_set *tech_find_pex_set(const halo_tech *tech, const char *name);
/* Device by short name or by SPICE model name (case-insensitive). */
const tech_device *tech_find_device(const halo_tech *tech, const char *name_or_model);

#endif
