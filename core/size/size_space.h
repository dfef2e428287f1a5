/*
 * size_space.h -- the sizing space of a netlist: which numbers a sizing
 * sets, their ranges and grid, seeded samples, and applying a sizing.
 *
 * Owns: size_space, a list of variables, each one number in µm that a
 * sizing chooses: the total width W or the length L of a transistor, the
 * side of a square MIM capacitor, the length of a poly resistor.
 *
 * Rules (what an analog designer expects of "vary the sizes"):
 *   - devices that must stay alike share one variable: the devices of one
 *     match group (constraints, pairs.json) and every pair the caller ties
 *     (the symmetric pairs block recognition finds).  The variable is the
 *     size of the group's first device; the others keep their nominal
 *     ratio to it, so a 4:1 mirror pair stays 4:1 and a differential pair
 *     stays equal;
 *   - the range of a variable is its nominal value times [lo, hi] (W
 *     0.5..2, L 0.67..2 by default, passives 0.7..1.4), clipped to the
 *     technology's limits (minimum L, minimum and maximum finger width for
 *     the device's current finger count);
 *   - samples are log-uniform in the range and snapped to the grid
 *     (10 nm by default; the technology's manufacturing grid is 5 nm);
 *   - fingers are not a sizing variable: the total W is, and the layout
 *     flow chooses the fingers afterwards (set_fingers).
 * Invariants: every variable has lo <= nominal-clipped <= hi, lo > 0;
 * sspace_apply writes only W, L (or the passive's W and L) of the devices
 * it names and drops their source/drain geometry (ad as pd ps), which
 * described the old size.
 */
#ifndef HALO_SIZE_SPACE_H
#define HALO_SIZE_SPACE_H

#include "base/halo_err.h"
#include "base/rng.h"
#include "netlist/netlist.h"
#include "tech/tech.h"

typedef enum { SSPACE_W = 0, SSPACE_L, SSPACE_CAP_SIDE, SSPACE_RES_L } sspace_kind;

typedef struct sspace_var {
    char name[80];       /* "XM1.W": the representative device and what */
    sspace_kind kind;
    double nominal;      /* the netlist's value, µm */
    double lo, hi;       /* range, µm */
    int ndev;
    int *dev;            /* the devices it sets; dev[0] is the representative */
    double *ratio;       /* per device: its nominal / the representative's */
} sspace_var;

typedef struct size_space {
    int nvars;
    sspace_var *vars;
    double grid_um;
} size_space;

typedef struct sspace_opts {
    double w_lo, w_hi;        /* scale range of W (0.5, 2) */
    double l_lo, l_hi;        /* of L (0.67, 2) */
    double p_lo, p_hi;        /* of a passive's size (0.7, 1.4) */
    int passives;             /* include capacitors and resistors (1) */
    double grid_um;           /* 0.01 */
    const int (*ties)[2];     /* extra device pairs sized alike, or NULL */
    int nties;
} sspace_opts;

void sspace_opts_default(sspace_opts *o);

/* The space of nl's devices on tech (tech may be NULL: no technology
 * limits).  0, or -1 with err when nothing can be sized. */
int sspace_build(const netlist *nl, const halo_tech *tech, const sspace_opts *o, size_space *s,
                 halo_err *err);
void sspace_free(size_space *s);

/* A seeded sample: x[nvars], log-uniform, on the grid. */
void sspace_sample(const size_space *s, halo_rng *rng, double *x);
/* The netlist's own sizing (clipped into the ranges, on the grid). */
void sspace_nominal(const size_space *s, double *x);
/* Snap x into the ranges and onto the grid, in place. */
void sspace_snap(const size_space *s, double *x);
/* Write sizing x into nl (a netlist with the same devices as the one the
 * space was built from). */
void sspace_apply(const size_space *s, const double *x, netlist *nl);
/* Read the sizing of nl back (the representative devices' values). */
void sspace_read(const size_space *s, const netlist *nl, double *x);
/* Index of a variable by name, -1 when none. */
int sspace_find(const size_space *s, const char *name);

#endif
