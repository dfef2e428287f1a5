/*
 * route.h -- the router: connects every net of a placed design on li1,
 * met1, met2, met3 and met4, clean under the foundry's rules by
 * construction, and reroutes only what a perturbation disturbed.
 *
 * Owns: route_db -- the routing lattice of one placement, the obstacles
 * and pin accesses derived from the device cells, each net's routed tree,
 * and the figures of the last run -- and the stages that fill it:
 *   route.c         rules, lattice, obstacles, blocking, pin access, the
 *                   full and incremental runs, symmetric nets, figures
 *   route_global.c  global routing: Dijkstra over routing cells with
 *                   capacity-aware costs, rip-up and reroute of nets that
 *                   use overflowing cell edges (negotiated congestion)
 *   route_detail.c  detailed routing: A* on the lattice inside each net's
 *                   global corridor, multi-terminal trees, rip-up of the
 *                   nets in the way when a connection fails
 *   route_write.c   the routed shapes (wires, vias with their pads, pin
 *                   accesses) and the ports' pins written into a cell
 *
 * The model, and why it is clean by construction.  All routing layers
 * share one lattice of pitch P; met3 and met4 use every second node.  P
 * is derived from the rules (never hard-coded): on each layer, the largest
 * shape the router may centre on a node (a via pad, a wide supply wire, a
 * minimum-area pad) plus the layer's spacing fits in one step.  So any two
 * shapes on different nodes are spacing-clean, whichever nets they belong
 * to, and a net is a set of nodes and edges no other net uses.  Only
 * shapes that are not on the lattice -- the device cells and the pin
 * accesses that reach into them -- need geometry: each node and edge
 * records which net may use it (any, one, none), computed once from those
 * shapes grown by the spacing rules.
 *
 * Pins on met1 (transistor and resistor bars) are reached from met2 by a
 * via placed inside the bar, then a short thick stub to the nearest
 * lattice node; pins on upper layers (the MIM capacitor's plates) are
 * reached by any lattice node inside the plate.
 *
 * Units: nm.  Nothing here prints; errors fill halo_err.
 */
#ifndef HALO_ROUTE_H
#define HALO_ROUTE_H

#include <stdint.h>

#include "base/halo_err.h"
#include "layout/layout.h"
#include "netlist/netlist.h"
#include "place/place.h"
#include "tech/tech.h"

/* The routing layers, bottom up, and the cuts between them. */
enum { ROUTE_LI1, ROUTE_MET1, ROUTE_MET2, ROUTE_MET3, ROUTE_MET4, ROUTE_NLAYERS };

typedef struct route_opts {
    int global_iterations;   /* negotiated-congestion rounds, default 6 */
    int ripup_rounds;        /* detailed rip-up rounds, default 8 */
    int symmetric;           /* route matched nets as mirror images, default 1 */
} route_opts;

void route_opts_default(route_opts *o);

typedef struct route_stats {
    int nets;                /* nets with two or more terminals */
    int routed, failed;
    int rerouted;            /* nets routed by this run (all, or the disturbed ones) */
    int symmetric;           /* net pairs routed as exact mirror images */
    int ripups;              /* nets ripped up by detailed rip-up and reroute */
    int global_overflow;     /* cell-edge overflow left after global routing */
    int64_t wirelength_nm[ROUTE_NLAYERS];
    int vias[ROUTE_NLAYERS - 1];     /* mcon, via, via2, via3 */
    double time_ms;
} route_stats;

typedef struct route_db route_db;

/* One routed net, for reports. */
typedef struct route_net_info {
    const char *name;
    int terminals;
    int routed;              /* 1 routed, 0 failed, -1 nothing to route (one terminal) */
    int supply;              /* routed with the wide supply widths */
    int mirror_of;           /* net index routed as its mirror image, -1 */
    int64_t wirelength_nm[ROUTE_NLAYERS];
    int vias[ROUTE_NLAYERS - 1];
    const char *why;         /* failure reason, "" */
} route_net_info;

route_db *route_db_new(void);
void route_db_free(route_db *db);

/* Route every net of the placed design from scratch.  lib holds the
 * device cells the IR names.  Returns 0 (even when some nets failed: see
 * stats->failed), or -1 with *err when the design cannot be routed at all
 * (no placement, a technology without the routing layers or rules). */
int route_run(route_db *db, const place_ir *ir, const lay_lib *lib, const netlist *nl,
              const halo_tech *tech, const route_opts *o, route_stats *stats, halo_err *err);

/* Reroute after the placement changed (perturb, snapshot restore): devices
 * whose position or orientation differs from the last run are moved, nets
 * touching them and nets whose routes the moved devices now obstruct are
 * ripped up and routed again; every other route stays.  Falls back to a
 * full run when there is no previous run of the same devices. */
int route_incremental(route_db *db, const place_ir *ir, const lay_lib *lib, const netlist *nl,
                      const halo_tech *tech, const route_opts *o, route_stats *stats, halo_err *err);

/* Is there a routing of this IR's devices (any state)? */
int route_has_result(const route_db *db);

/* Nets and their figures (index: the netlist's nets). */
int route_net_count(const route_db *db);
void route_net_info_get(const route_db *db, int net, route_net_info *out);

/* Write the routed shapes into cell top (its rectangles, pins and labels
 * are replaced; its instances -- the devices -- stay): wires and vias with
 * their nets, and a pin named after each port of the design on its net. */
int route_write(const route_db *db, lay_lib *lib, int top, halo_err *err);

/* The lattice pitch and the met3/met4 step, nm (for reports and tests). */
int32_t route_pitch(const route_db *db);

#endif
