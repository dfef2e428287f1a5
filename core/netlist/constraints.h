/*
 * constraints.h -- matched-device constraints of a design.
 *
 * Owns: match groups (devices that must stay identical: same finger count,
 * mirrored placement), read from OSIRIS's pairs.json
 * ({"pairs": [["M3","M4"], ...]}) or given one group at a time.  Groups
 * sharing a device merge (union).  Stored as netlist_device.match_group,
 * renumbered 0..n-1 in device order after every change.
 * Invariants: every device of a group has one netlist type; a failed call
 * leaves the groups as they were.
 * Callers: tclcmds (read_constraints, set_match), fingers, later the placer.
 */
#ifndef HALO_CONSTRAINTS_H
#define HALO_CONSTRAINTS_H

#include <stddef.h>
#include "base/halo_err.h"
#include "netlist.h"

/* Match the named devices; source names the origin in messages ("set_match"). */
int constraints_match(netlist *nl, const char *const *names, int n, const char *source, halo_err *err);

int constraints_read_pairs_text(netlist *nl, const char *text, size_t len, const char *source, halo_err *err);
int constraints_read_pairs_file(netlist *nl, const char *path, halo_err *err);

void constraints_clear(netlist *nl);

/* Devices of group g (indices into nl->devs), count returned; out may be NULL. */
int constraints_group_members(const netlist *nl, int g, int *out, int cap);

#endif
