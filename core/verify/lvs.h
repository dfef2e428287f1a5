/*
 * lvs.h -- layout versus schematic: is the extracted netlist the circuit
 * the designer drew, and if not, what differs.
 *
 * Owns: the comparison of two netlists (layout side from extract_run,
 * schematic side from spice_read after set_fingers) and its report.
 *
 * How it compares (Netgen's method, with the checks Netgen lacks):
 *   1. Reduction, on both sides alike: parallel transistors (same model,
 *      same G and B nets, same {S,D} pair of nets, same L within tol_rel)
 *      become one device with W and nf summed; parallel capacitors or
 *      resistors with the same W and L (and R) become one device whose
 *      multiplicity is the sum.  A schematic "m" multiplies a transistor's
 *      total W and its nf (m=2 nf=2 W=4 compares as nf=4 W=8, the layout
 *      of two 2-finger devices); "m" or "mf" of a capacitor or resistor is
 *      its multiplicity.  Series devices are not reduced.
 *   2. Graph matching by partition refinement: devices and nets are the
 *      nodes of a bipartite graph, both sides coloured by the same hash.
 *      A device starts from its class (model ignoring case, type, terminal
 *      classes), a net from nothing; each round a node's colour absorbs
 *      the order-free sum of its neighbours' (colour, terminal class).
 *      Permutable terminals share a terminal class: MOS S/D, capacitor P/N
 *      (Netgen's default, although a MIM cap is not symmetric), resistor
 *      P/N.  Refinement is incremental (only nodes next to a split look
 *      again), so a 1,000-device chain costs milliseconds.  Once the
 *      structure is balanced, device properties (clustered within
 *      tol_rel) refine it further when they can do so without unbalancing
 *      it: that tells apart the halves of a symmetric circuit whose sizes
 *      differ.  Classes still holding more than one node (automorphisms:
 *      differential pairs, identical cells) are split by fixing a pair --
 *      same-named ports first, then the smallest class, devices of equal
 *      properties preferred -- and refining again; a pair that unbalances
 *      the partition is retried with another candidate (no deeper
 *      backtracking).
 *      Net names do NOT steer the structure: ports are checked after the
 *      match, so swapped labels are reported as port items, not as a
 *      structural mismatch.
 *   3. Properties of matched devices, within tol_rel: MOS W (total), L,
 *      nf; capacitor W, L, C and multiplicity; resistor W, L, R and
 *      multiplicity -- each only when given on both sides (nf is skipped
 *      while the schematic holds the placeholder ZZZ; a resistor's W may
 *      come from its model name, res_high_po_0p35 = 0.35 um).
 *   4. When the structure does not match, a best-effort correspondence is
 *      built: same-named ports first, then pairs that the matched
 *      neighbourhood makes unambiguous, then nodes whose neighbourhoods
 *      agreed over the most refinement rounds; guesses (ties) come last
 *      and one at a time.  Reported: unmatched devices (a missing device
 *      names the schematic device, an extra one the layout device),
 *      shorts (a layout net carrying terminals of two schematic nets),
 *      opens (a schematic net whose terminals land on two layout nets --
 *      also a port label left on a floating piece), matched nets whose
 *      terminal counts differ, and nets without counterpart.
 *   5. Ports (check_ports): a schematic port must correspond to the layout
 *      net carrying its name; a layout label must name the schematic net
 *      it sits on (or a port).  With check_ports 0 names still break ties.
 *
 * Item fields name nets and devices as each side names them; a merged
 * parallel group is named by its first member.  For a short the schematic
 * field lists all schematic nets involved, space-separated; for an open the
 * layout field lists all layout nets.  Core code: never prints or exits.
 */
#ifndef HALO_LVS_H
#define HALO_LVS_H

#include "netlist/netlist.h"

typedef struct lvs_opts {
    double tol_rel;      /* relative property tolerance, default 0.01 */
    int check_ports;     /* compare port names (default 1) */
} lvs_opts;

typedef struct lvs_item {
    char *kind;          /* "device" "net" "property" "port" "count" */
    char *layout;        /* layout-side name(s), "" when none */
    char *schematic;     /* schematic-side name(s), "" when none */
    char *message;       /* one line: what differs */
} lvs_item;

typedef struct lvs_result {
    int match;           /* 1 when equivalent (no items) */
    /* sizes after parallel reduction; nets counted are those with a device
     * terminal, plus ports */
    int layout_devices, schematic_devices, layout_nets, schematic_nets;
    lvs_item *items;
    int nitems;
    /* schematic device / net index (netlist indices) -> layout index, -1
     * when unmatched.  Every member of a merged schematic group maps to
     * the first member of its layout group.  Arrays of schematic->ndevs and
     * schematic->nnets entries. */
    int *dev_map;
    int *net_map;
} lvs_result;

void lvs_opts_default(lvs_opts *o);
/* Compare; o NULL = defaults.  Never returns NULL. */
lvs_result *lvs_compare(const netlist *layout, const netlist *schematic, const lvs_opts *o);
void lvs_free(lvs_result *r);

#endif
