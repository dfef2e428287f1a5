/*
 * techmap.h -- a netlist from outside made into devices of the loaded
 * technology, and checked against the technology's limits.
 *
 * Owns: what happens between reading a netlist and laying it out:
 *   - a resistor given by its value (R1 a b 18k, R0 a b resistor r=18k)
 *     becomes a high-resistance poly resistor of that resistance; a
 *     capacitor given by its value (C1 a b 1p, C0 a b 'CC') a square MIM
 *     capacitor of that capacitance (the rules are in techmap.c and in the
 *     README, section Netlists);
 *   - a two-terminal R naming a three-terminal PDK resistor gets its body
 *     terminal on the design's ground port;
 *   - every device's geometry is checked against the technology: W and L
 *     positive and finite, a transistor's L and finger width, a
 *     capacitor's W and L, a resistor's width and length inside the
 *     device's limits -- each refusal names file:line and the limit.
 * Ideal V and I sources stay as written: simulation-only devices
 * (netlist_is_sim_only), kept in the decks, left out of layout and LVS.
 * The mapped device remembers what was written in its `origin`.
 * Callers: tclcmds (read_spice, read_netlist_json), tests.  May call:
 * netlist, tech, eng.
 */
#ifndef HALO_TECHMAP_H
#define HALO_TECHMAP_H

#include "base/halo_err.h"
#include "netlist/netlist.h"
#include "tech.h"

/* Map and check nl in place.  0, or an error naming the device. */
int techmap_apply(netlist *nl, const halo_tech *tech, halo_err *err);

/* The poly resistor halo draws for `ohm`: the device and its length on
 * the technology's grid, and the resistance that length gives (sheet x
 * L / W + heads).  0, or nonzero with why filled when no device of the
 * technology reaches the value. */
int techmap_pick_resistor(const halo_tech *tech, double ohm, const tech_device **dev, int32_t *l_nm,
                          double *achieved, char *why, size_t whylen);

/* The square MIM capacitor for `farad`: its side on the grid and the
 * capacitance it gives.  0, or nonzero with why filled. */
int techmap_pick_capacitor(const halo_tech *tech, double farad, const tech_device **dev, int32_t *side_nm,
                           double *achieved, char *why, size_t whylen);

#endif
