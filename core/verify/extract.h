/*
 * extract.h -- layout-to-netlist extraction: connectivity through contacts
 * and vias, net names from pin labels, and device recognition (MOS, MIM
 * capacitors, poly resistors), giving a netlist in halo's own database.
 *
 * Owns: ext_result -- the extracted netlist, the net of every flattened
 * rectangle (for parasitic extraction), and the warnings a signoff engineer
 * must see (a label on two unconnected pieces, a pin on no shape, a name
 * given to two nets).
 *
 * Invariants: net i of ext_result.nl is net i everywhere in the result
 * (rect_net values, warnings); a net named by a top-level pin or label
 * carries that name and is external; other nets are named "net<N>" in a
 * deterministic order (lowest rectangle first); MOS devices are recognised
 * as gate = poly AND diff (diff inside or outside nwell decides pmos/nmos,
 * marker layers lvtn/hvtp choose the model), fingers of one transistor
 * that share gate, source/drain and bulk nets are one device with W the
 * total width and nf the finger count (params W and L in um, as the design
 * netlist after set_fingers).
 */
#ifndef HALO_EXTRACT_H
#define HALO_EXTRACT_H

#include "layout/flat.h"
#include "netlist/netlist.h"
#include "tech/tech.h"

typedef struct ext_warning {
    char *code;             /* "label_split" "pin_unconnected" "name_conflict" */
    char *message;          /* one line naming the net or label and where */
    int net;                /* net concerned, or -1 */
} ext_warning;

/* The per-device geometry post-layout SPICE needs (index = device index in
 * nl).  Areas in um^2, perimeters in um; zero for non-MOS devices. */
typedef struct ext_devgeom {
    double ad, as, pd, ps;
} ext_devgeom;

typedef struct ext_result {
    netlist *nl;            /* devices and nets; name = the cell's */
    int **rect_net;         /* rect_net[layer][i]: net of flat rectangle i
                               of a conducting layer, -1 for layers that
                               carry no net (implants, markers) */
    int nlayers;
    ext_devgeom *geom;      /* nl->ndevs entries */
    ext_warning *warnings;
    int nwarnings;
} ext_result;

/* Extract the flattened cell.  flat must come from a library whose layer
 * table is the tech's (lay_lib_new(name, tech)).  Returns NULL with err
 * set only on failure of the inputs (no tech layer table). */
ext_result *extract_run(lay_flat *flat, const halo_tech *tech, const char *name, halo_err *err);
void extract_free(ext_result *r);

#endif
