/*
 * design.h -- one design's pipeline state, and the pipeline run on it.
 *
 * Owns: halo_design, everything a flow builds for one circuit -- the
 * technology, the netlist, the layout library with the design's device
 * cells, the placement and its named snapshots, the routing, the last
 * verification results, the testbench and post-layout netlist with the
 * simulation workers and their result cache, and the exploration agents.
 * It also owns the rules of what invalidates what, so that no caller can
 * keep a stale stage:
 *
 *   new netlist          drops the device cells (and so the placement and
 *                        routing) and the post-layout netlist
 *   new fingers          drops the device cells, placement and routing
 *   generate_devices     replaces the device cells; drops placement, routing
 *   new layout library   (read_gds, clear_layout) drops the device cells
 *   place                replaces the placement; drops the routing
 *   snapshot restore     replaces the placement; keeps the routing, which
 *                        an incremental route brings to the new positions
 *   perturb              moves devices in the placement and the layout;
 *                        keeps the routing for an incremental route
 *   extract_parasitics   replaces the post-layout netlist
 *
 * Every call that can fail returns 0, or nonzero after filling *err (the
 * message ids of core/base/messages.def); nothing here prints.  The Tcl
 * commands (tclcmds/) are adapters over this header: they parse
 * arguments, call one function, and turn the result into a dict.  A C
 * program drives the same pipeline without Tcl (examples/c/flow.c).
 *
 * The stage folders below it (core/README.md) know nothing of it.
 */
#ifndef HALO_DESIGN_H
#define HALO_DESIGN_H

#include <stdint.h>

#include "base/halo_err.h"
#include "explore/agent_set.h"
#include "layout/devgen.h"
#include "layout/gds.h"
#include "layout/layout.h"
#include "layout/render.h"
#include "netlist/netlist.h"
#include "netlist/spice.h"
#include "place/place.h"
#include "route/route.h"
#include "sim/sim.h"
#include "sim/sim_metrics.h"
#include "sim/tb_opamp.h"
#include "sim/testbench.h"
#include "tech/tech.h"
#include "verify/drc.h"
#include "verify/extract.h"
#include "verify/lvs.h"
#include "verify/pex.h"

typedef struct halo_design halo_design;

/* ---------------------------------------------------------------- life */

/* A design on the technology tech (taken; freed with the design). */
halo_design *design_new(halo_tech *tech);
void design_free(halo_design *d);

/* The technology; replacing it (taken) keeps everything else. */
halo_tech *design_tech(const halo_design *d);
void design_set_tech(halo_design *d, halo_tech *tech);

/* ---------------------------------------------------------------- netlist */

/* The netlist, or NULL before one is read. */
netlist *design_netlist(const halo_design *d);
/* The netlist, or GEN-5 (no design loaded) in *err. */
netlist *design_need_netlist(const halo_design *d, halo_err *err);
/* Make nl (taken, freed on failure too) the design once it maps onto the
 * technology's devices (techmap). */
int design_adopt_netlist(halo_design *d, netlist *nl, halo_err *err);
/* read_spice and read_netlist_json: read, then adopt. */
int design_read_spice(halo_design *d, const char *path, spice_read_opts *opts, halo_err *err);
int design_read_netlist_json(halo_design *d, const char *path, halo_err *err);
/* Set the finger counts of the named MOS devices (fingers_apply). */
int design_set_fingers(halo_design *d, const char *const *names, const int *nf, int n, halo_err *err);
/* Draw one legal finger arrangement (counts 1..16, matched devices equal,
 * as enumerate_fingers -sample 1 -seed seed) and set it. */
int design_sample_fingers(halo_design *d, uint64_t seed, halo_err *err);

/* ---------------------------------------------------------------- layout */

/* The layout library (created empty on first use) and its current cell,
 * the one pictures, GDS and checks default to (-1 when none). */
lay_lib *design_layout(halo_design *d);
int design_top(halo_design *d);
void design_set_top(halo_design *d, int cell);
/* Make the cell named name (created empty when absent) the current cell. */
int design_use_top(halo_design *d, const char *name);
/* Replace the library (taken) and its current cell. */
void design_replace_layout(halo_design *d, lay_lib *lib, int top);
/* The design's device cells (per netlist device, -1 when it has none) and
 * the generators' specs: the count bound, 0 before generate_devices. */
int design_device_cells(const halo_design *d, const int **dev_cell, const devgen_spec **spec);
/* Build a cell per device of the netlist and a preview top cell of them in
 * a row; a device that cannot be built changes nothing. */
int design_generate_devices(halo_design *d, const devgen_opts *o, halo_err *err);
/* Build one device cell of a technology device, not bound to the netlist;
 * it becomes the current cell.  w, l in um (0: the device's minimum), nf
 * and m whole numbers for a MOS device, r in ohms for a resistor given by
 * value. */
int design_generate_device(halo_design *d, const char *model, double w, double l, double nf, double m, int dummies,
                           double r, int *cell, halo_err *err);
/* Shapes the expansion of cell would hold; LAY-? (GDS-5) when more than
 * limit, naming the cell. */
int design_check_expansion(halo_design *d, int cell, uint64_t limit, halo_err *err);

/* ---------------------------------------------------------------- placement */

/* place: a new placement of the device cells, written into the design's
 * cell (named after the netlist), which becomes the current cell. */
int design_place(halo_design *d, const place_opts *o, int32_t grid_nm, int32_t halo_nm, halo_err *err);
/* The placement and its cell, or NULL when there is none; the last run's
 * figures and wall time. */
place_ir *design_placement(const halo_design *d, int *top);
void design_place_stats(const halo_design *d, place_stats *stats, double *time_ms);
/* Move device item by (dx, dy) nm, or mirror it (x_axis: left-right), in
 * the placement and in the layout; 1 when it moved, 0 when it could not. */
int design_shift(halo_design *d, int item, int32_t dx, int32_t dy);
int design_flip(halo_design *d, int item, int x_axis);
/* Sum of device boxes and boundary area (um^2), HPWL (um); 1 when placed. */
int design_place_qos(const halo_design *d, double *area_um2, double *bbox_um2, double *hpwl_um);
/* Overlays of a picture of cell: the boundary, halo boxes and symmetry
 * axes when cell is the placed cell (malloc'ed in *out; the count). */
int design_place_overlays(const halo_design *d, int cell, render_overlay **out);
void design_free_overlays(render_overlay *ov, int n);

/* Named copies of the placement.  Restore checks that every device still
 * has the cell it had when saved. */
int design_snapshot_save(halo_design *d, const char *name, halo_err *err);
int design_snapshot_restore(halo_design *d, const char *name, halo_err *err);
int design_snapshot_delete(halo_design *d, const char *name);   /* 1 when it existed */
int design_snapshot_count(const halo_design *d);
const char *design_snapshot_name(const halo_design *d, int i);

/* ---------------------------------------------------------------- routing */

/* Route the placement (incremental: only what moved) into its cell. */
int design_route(halo_design *d, const route_opts *o, int incremental, halo_err *err);
/* The routing of the last run and its figures, or NULL when none. */
const route_db *design_routing(const halo_design *d, const route_stats **stats);

/* ---------------------------------------------------------------- verification */

/* Built-in DRC of cell (flattened afresh); the violation count. */
int design_check_drc(halo_design *d, int cell, int *violations, halo_err *err);
/* The last DRC: the built-in result (NULL after an external engine), the
 * cell's name, the layer names of its violations; NULL when none. */
const drc_result *design_drc(const halo_design *d, const char **cell, const char *const **layer_names,
                             int *nlayers);
/* An external engine's verdict (its dict, as text) of cell for report_drc
 * and report_lvs, replacing the last result; NULL when there is none. */
void design_keep_engine_drc(halo_design *d, int cell, const char *verdict);
const char *design_engine_drc(const halo_design *d);
void design_keep_engine_lvs(halo_design *d, int cell, const char *verdict);
const char *design_engine_lvs(const halo_design *d);

/* Extract cell; the result stays until the next extraction. */
int design_extract(halo_design *d, int cell, const ext_result **out, halo_err *err);
/* The reference netlist of LVS: the file's subcircuit named cell (else its
 * only one), or the design after set_fingers without its simulation-only
 * sources.  *owned: the caller frees it. */
netlist *design_schematic(halo_design *d, const char *file, const char *cell, int *owned, halo_err *err);
/* Built-in LVS of cell against schematic; *match. */
int design_check_lvs(halo_design *d, int cell, const netlist *schematic, int *match, halo_err *err);
const lvs_result *design_lvs(const halo_design *d, const char **cell);
/* Parasitics of cell (extracting it afresh), and from them the post-layout
 * netlist that simulation of the post stage runs. */
int design_extract_parasitics(halo_design *d, int cell, pex_mode mode, const tech_pex_set *set,
                              const pex_result **pex, const ext_result **ext, halo_err *err);

/* ---------------------------------------------------------------- simulation */

/* The testbench (taken) and the post-layout netlist (text taken, source
 * names it), or NULL. */
void design_set_testbench(halo_design *d, testbench *tb);
const testbench *design_testbench(const halo_design *d);
void design_set_post(halo_design *d, char *text, const char *source);
const char *design_post_text(const halo_design *d);
const char *design_post_source(const halo_design *d);
/* Check a post-layout netlist's text against the design, then keep it. */
int design_read_post(halo_design *d, const char *path, halo_err *err);

typedef struct design_sim_opts {
    double timeout_s;    /* per simulation */
    int full_models;     /* the real PDK's whole library, not the reduced text */
    int nocache;         /* run even when the same deck ran before */
    long memory_mb;      /* a worker's address space beyond its start-up (0: none) */
} design_sim_opts;
void design_sim_opts_default(design_sim_opts *o);
/* Stop the ngspice workers and remove their scratch directory; the next
 * simulation starts new ones. */
void design_sim_shutdown(halo_design *d);

/* The deck of one stage (post: the post-layout netlist, else the
 * schematic), ready for simulation or writing; tb_deck_free it. */
int design_deck(halo_design *d, int post, const design_sim_opts *o, tb_deck *deck, halo_err *err);
/* Simulate decks[0..n-1] (n <= 2) concurrently; results into res[] (the
 * caller frees them), cached[i] when deck i's result came from the cache. */
int design_run_decks(halo_design *d, tb_deck *decks, int n, const design_sim_opts *o, sim_result *res,
                     int *cached, halo_err *err);

/* Op-amp characterisation (design_char.c; the testbench and every metric's
 * definition in sim/tb_opamp.h): characterise n netlists -- the design
 * itself when variants is NULL and n == 1, else sized copies of it (same
 * ports and roles) -- one simulation job each, all handed to the design's
 * worker pool at once, with the models design_deck would use (so->
 * full_models: the real PDK's whole library; else the embedded models, or
 * the PDK's library reduced to the bins all n netlists need).  res[0..n-1]
 * get the results (the caller frees them with opamp_tb_result_free); a job
 * that fails has its schema error in res[i].status.  Nonzero, with err and
 * res untouched, only when no deck can be built (a design the testbench
 * cannot drive, a bad option) or no worker starts. */
int design_characterize(halo_design *d, netlist *const *variants, int n, const opamp_tb_opts *o,
                        const design_sim_opts *so, opamp_result *res, halo_err *err);
/* The design's characterisation deck as one ngspice -b input (*text
 * malloc'd), printing each metric as "halo_<key> = value". */
int design_characterize_deck(halo_design *d, const opamp_tb_opts *o, const design_sim_opts *so, char **text,
                             halo_err *err);

/* ---------------------------------------------------------------- exploration */

/* The exploration agents by handle. */
xagent_set *design_agents(halo_design *d);

#endif
