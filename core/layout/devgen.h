/*
 * devgen.h -- parameterised device generators: the sky130 cells of the
 * transistors, MIM capacitors and precision poly resistors a design uses.
 *
 * Owns: devgen_spec (what to build, resolved from a netlist device after
 * set_fingers), the rule values the generators draw with (devgen_rules,
 * read from the technology by official rule id, never hard-coded), the
 * cell naming scheme (equal specs share one cell), and the generators:
 *   devgen_mos.c      nfet/pfet: fingers over one diffusion, contacts,
 *                     straps, implants, nwell, body tap, dummies
 *   devgen_passive.c  MIM cap on met3, res_high_po poly resistor
 *   devgen.c          spec resolution, rules, halos, dispatch
 *
 * Invariants: every generated cell is clean under the sky130 rules as
 * Magic checks them (tests/devgen_magic.test sweeps the generators), sits
 * with its bounding box's lower-left corner at (0, 0), carries exactly one
 * pin per electrical terminal on the layers halo routes to (met1; met3 and
 * met4 for the MIM cap), nets named after the terminals, and a halo: the
 * margin beyond the box that keeps two abutting halos DRC-clean.
 * All coordinates are nm on the 5 nm grid.
 */
#ifndef HALO_DEVGEN_H
#define HALO_DEVGEN_H

#include <stdint.h>

#include "base/halo_err.h"
#include "layout.h"
#include "netlist/netlist.h"
#include "tech/tech.h"

typedef enum { DEVGEN_MOS, DEVGEN_MIMCAP, DEVGEN_POLYRES } devgen_kind;

/* The most gates (nf x m) one transistor cell is drawn with: a row of
 * 1,000 minimum gates is already about 0.5 mm long. */
#define DEVGEN_MAX_GATES 1000

typedef struct devgen_spec {
    devgen_kind kind;
    const tech_device *dev;  /* the technology's device: nfet_01v8, cap_mim_m3_1 ... */
    int pmos;                /* MOS: 1 for a p-channel device */
    int32_t w_nm;            /* MOS: width of ONE finger; cap: W; resistor: body width */
    int32_t l_nm;            /* MOS: gate length; cap: L; resistor: body length */
    int nf, m;               /* MOS: fingers per device and multiplier (nf*m gates drawn) */
    int dummies;             /* MOS: 1 = a dummy poly line beyond each end */
    double value;            /* resistor ohm or capacitor farad the layout realises */
} devgen_spec;

/* Options of devgen_spec_from_device. */
typedef struct devgen_opts {
    int dummies;             /* draw dummy gates */
} devgen_opts;

/* Resolve what to draw for a netlist device: MOS from W (total), L, nf, m;
 * cap_mim_m3_1 from W, L (a plain capacitor c=... becomes a square MIM of
 * that value); res_high_po* from L (W from the model name or the w param;
 * a plain resistor r=... becomes a res_high_po whose length gives r).
 * Returns 1 and fills *spec; 0 when the device has no layout (a source);
 * -1 with *err on a device halo cannot draw or bad parameters. */
int devgen_spec_from_device(const netlist_device *d, const halo_tech *tech, const devgen_opts *o,
                            devgen_spec *spec, halo_err *err);

/* A MOS spec from explicit values (total W in µm); for tests and
 * generate_device.  Same checks as above. */
int devgen_spec_mos(const halo_tech *tech, const char *device, double w_total_um, double l_um, int nf,
                    int m, int dummies, devgen_spec *spec, halo_err *err);
int devgen_spec_cap(const halo_tech *tech, const char *device, double w_um, double l_um,
                    devgen_spec *spec, halo_err *err);
/* Resistor: either l_um > 0 (with w_um, 0 = the model's or the default
 * width) or ohms > 0 (length computed). */
int devgen_spec_res(const halo_tech *tech, const char *device, double w_um, double l_um, double ohms,
                    devgen_spec *spec, halo_err *err);

/* The cell name of a spec: "nfet_01v8_w2p1_l0p15_nf4" (w is the total). */
void devgen_cell_name(const devgen_spec *s, char *out, size_t len);

/* Build (or find, when a cell of that name exists) the cell of a spec in
 * lib.  Returns the cell index, -1 with *err. */
int devgen_build(lay_lib *lib, const halo_tech *tech, const devgen_spec *s, halo_err *err);

/* Summary of a built device cell, for report_devices. */
typedef struct devgen_info {
    lay_box bbox;            /* always at (0, 0) */
    int32_t halo[4];         /* left bottom right top */
    double w_total_um, l_um; /* drawn */
    int fingers;             /* gates drawn (nf*m), 0 for passives */
    double value;            /* ohm or farad for passives */
} devgen_info;
void devgen_describe(const lay_lib *lib, int cell, const devgen_spec *s, devgen_info *info);

#endif
