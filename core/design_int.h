/*
 * design_int.h -- the halo_design struct, shared by design.c (life,
 * netlist, layout, placement, routing), design_verify.c, design_sim.c and
 * design_char.c.  Nothing outside those files includes it.
 */
#ifndef HALO_DESIGN_INT_H
#define HALO_DESIGN_INT_H

#include "design.h"
#include "sim/modellib.h"

typedef struct design_snapshot {
    char *name;
    place_ir ir;
    char **cell_names;       /* per item: its cell's name when saved */
} design_snapshot;

/* The last verification results; every check flattens its cell afresh, so
 * a result describes the layout as it was when the check ran. */
typedef struct design_verify {
    drc_result *drc;         /* last built-in DRC */
    char *drc_cell;
    char **drc_layers;       /* layer names of the library it ran on */
    int ndrc_layers;
    char *engine_drc;        /* last external DRC verdict (a dict's text) */
    lvs_result *lvs;         /* last built-in LVS */
    char *lvs_cell;
    char *engine_lvs;        /* last Netgen verdict (a dict's text) */
    ext_result *ext;         /* extraction behind the last extract/LVS/PEX */
    pex_result *pex;
    lay_flat *flat;          /* the flat view ext and pex refer to */
} design_verify;

#define DESIGN_SIM_CACHE 8

typedef struct design_sim_cached {
    char *key;               /* the deck and its commands, verbatim */
    sim_result result;
} design_sim_cached;

/* The testbench, the post-layout netlist, the workers, the real PDK's
 * model library once loaded, and a small cache of results keyed by the
 * exact deck, so the unchanged pre-layout simulation of an arrangement
 * runs once however many layout variants are scored against it. */
typedef struct design_sim {
    testbench *tb;
    char *post_text;         /* NULL when none */
    char *post_source;
    sim_pool *pool;
    modellib *lib;
    char *lib_key;           /* "path|corner" it was loaded for */
    design_sim_cached cache[DESIGN_SIM_CACHE];
    int cache_next;
} design_sim;

struct halo_design {
    halo_tech *tech;
    netlist *nl;

    lay_lib *lib;            /* NULL until first used */
    int top;                 /* the current cell, -1 none */
    int ndev;                /* netlist devices bound to cells, 0 none */
    int *dev_cell;           /* per device: its cell, -1 none */
    devgen_spec *dev_spec;

    place_ir ir;
    int placed;              /* ir holds a placement */
    int place_top;           /* the cell it is written into */
    place_stats place_stats;
    double place_ms;
    design_snapshot *snaps;
    int nsnaps, capsnaps;

    route_db *route;         /* NULL when there is no routing */
    route_stats route_stats;

    design_verify v;
    design_sim sim;
    xagent_set agents;
};

/* design_verify.c and design_sim.c: free their parts. */
void design_verify_free(halo_design *d);
void design_sim_free(halo_design *d);

/* design_sim.c for design_char.c: the schematic subcircuit of a netlist as
 * simulated (unset fingers as one, fingers as W=<finger> m=<nf>); the
 * models of the loaded technology for the design (variants NULL) or for
 * the n variants of it (*owned freed by the caller); the worker pool with
 * o's memory limit. */
char *design_sim_subckt(const netlist *design);
int design_sim_models(halo_design *d, netlist *const *variants, int n, const design_sim_opts *o, tb_models *m,
                      char **owned, char *label, size_t labellen, halo_err *err);
sim_pool *design_sim_pool(halo_design *d, const design_sim_opts *o);

#endif
