/*
 * fingers.h -- OSIRIS stage 1: the legal finger arrangements of a design.
 *
 * Owns: the arrangement space -- every transistor takes a finger count from
 * a value set (default 1..16); matched transistors share one count (one
 * "choice group" per match group, one per unmatched transistor); a count is
 * legal for a device when its finger width W/nf is at least the PDK minimum
 * and lands on the manufacturing grid (per-finger templates: when the
 * finger width itself does).  The space is a mixed-radix number: groups in
 * order of their first transistor in the netlist, the first group the most
 * significant digit, each digit running over the group's legal values in
 * ascending order.  That order is the enumeration order.
 * Also: the exact count as a decimal string of any size, reproducible
 * uniform sampling without replacement, and applying one arrangement.
 * Callers: tclcmds (enumerate_fingers, set_fingers), later generate_dataset.
 */
#ifndef HALO_FINGERS_H
#define HALO_FINGERS_H

#include <stdint.h>
#include "base/halo_err.h"
#include "netlist/netlist.h"
#include "tech/tech.h"

#define FINGERS_MAX_VALUE 1024

typedef struct fingers_space {
    int ntrans;          /* transistors, in netlist order */
    int *dev;            /* device index of each transistor */
    int *group_of;       /* choice group of each transistor */
    int ngroups;
    int **legal;         /* legal values of each group, ascending */
    int *nlegal;
} fingers_space;

/* Build the space for the value set (NULL/0 = 1..16). */
int fingers_space_build(const netlist *nl, const halo_tech *tech, const int *values, int nvalues,
                        fingers_space *fs, halo_err *err);
void fingers_space_free(fingers_space *fs);

/* Number of arrangements as decimal text ("146"; "0" when a group has no
 * legal value).  Exact for any size. */
void fingers_count_text(const fingers_space *fs, char *buf, size_t len);
/* Count when it fits in 63 bits: returns 0 and stores it, else -1. */
int fingers_count_u64(const fingers_space *fs, uint64_t *count);

/* First arrangement (digits all 0) / the next one in order; digits has
 * ngroups entries.  fingers_next returns 0 after the last arrangement. */
int fingers_first(const fingers_space *fs, int *digits);
int fingers_next(const fingers_space *fs, int *digits);
/* Finger count of transistor t under digits. */
int fingers_value(const fingers_space *fs, const int *digits, int t);

/* A uniform random subset of n arrangements (all when n >= count), without
 * repetition, in enumeration order.  Returns the number m and a malloc'd
 * m*ngroups digit array in *out. */
int fingers_sample(const fingers_space *fs, int n, uint64_t seed, int **out);

/* Why nf is not legal for device dev ("" and 0 when it is). */
int fingers_check(const netlist *nl, const halo_tech *tech, int dev, int nf, char *why, size_t whylen);

/* Apply finger counts by device name.  A matched device's count goes to its
 * whole group; conflicting or illegal counts, unknown devices and
 * non-transistors are errors, and then nothing changes. */
int fingers_apply(netlist *nl, const halo_tech *tech, const char *const *names, const int *values, int n,
                  halo_err *err);

#endif
