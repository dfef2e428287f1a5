/*
 * sim_models.h -- which SPICE device models a simulation splices in.
 *
 * Owns: the embedded sky130 models (pdk/sky130/models/
 * sky130_embedded.lib.spice, fitted by halo to the foundry's tt models and
 * compiled in, so every example simulates with no PDK installed) and the
 * selection of one of their sections; and the list of device uses (model
 * name, per-finger W, L) by which a real PDK's library is reduced to what
 * a design needs (modellib_reduce).
 */
#ifndef HALO_SIM_MODELS_H
#define HALO_SIM_MODELS_H

#include <stddef.h>

#include "base/halo_err.h"
#include "modellib.h"
#include "netlist/netlist.h"

/* The embedded library text, generated at build time. */
extern const char sky130_models_embedded[];

/* The body of section `corner` of the embedded library (malloc'd). */
int sim_models_embedded(const char *corner, char **text, halo_err *err);

/* Append the device uses of a netlist to *uses (names point into nl, which
 * must outlive the array).  MOS devices give their per-finger W (as halo
 * writes them for simulation) and L; other devices "any geometry". */
void sim_models_uses(const netlist *nl, modellib_use **uses, size_t *n, size_t *cap);

#endif
