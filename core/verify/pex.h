/*
 * pex.h -- parasitic extraction: the capacitance (C mode) or the
 * resistance and capacitance (RC mode) of the wires of an extracted
 * layout, and the post-layout SPICE netlist that carries them.
 *
 * Owns: pex_result (nodes, lumped or distributed capacitors, wire and
 * contact resistors), the capacitance model below, and pex_spice.
 *
 * Capacitance model (the one Magic's extractor uses, with the tech's "pex"
 * coefficients; aF/um^2 for areas, aF/um for lengths):
 *   - area: every conducting region (the union of a net's rectangles on a
 *     layer, so overlaps count once) couples through its bottom face to the
 *     nearest conductor below it (overlap area x "overlaps" area coefficient
 *     upper-over-lower), and to the substrate where nothing lies below
 *     (area x the layer's area_aF_um2).  A conductor of the same net only
 *     shields.  nwell is a lower plate for li1 and the metals (coefficient:
 *     the upper layer's area cap, as Magic's tech file has it).
 *   - fringe: each outline edge of a region (not an edge against more of the
 *     same region) couples down to the nearest lower conductor that lies
 *     just beyond the edge (edge length x "overlaps" fringe_aF_um), and to
 *     the substrate elsewhere (edge length x fringe_aF_um).  An edge also
 *     couples up to an upper conductor that covers the area just beyond it
 *     (fringe_up_aF_um); that does not reduce its fringe to substrate.
 *   - sidewall: facing parallel edges of two nets on one layer within
 *     PEX_SIDE_HALO_NM couple by sidewall_aF_um x length /
 *     (separation + sidewall_offset_um), separation in um (Magic's
 *     formula); only the nearest facing conductor counts (it shields those
 *     behind it).
 *   - excluded, as the device models carry them: diffusion, the gate
 *     (poly over diff), the resistor body (poly under the polyres
 *     marker) and the resistor's heads (the rest of its poly rectangle:
 *     sky130's res_high_po model charges (L + 2 x 2.08 um) x W of poly
 *     and its perimeter to the bulk, and Magic's tech extracts no
 *     parasitic from resistor types) have no capacitance of their own; the
 *     gate and the heads still are lower plates (poly) for the layers
 *     above, the resistor body is not.  A MIM
 *     top plate (capm, cap2m) shields the layers above it and carries no
 *     parasitic of its own (that is the device).
 *   - nets of split conductors: a diffusion rectangle spans the sources
 *     and drains of all fingers and a resistor's poly both heads, so the
 *     piece around a point (diffusion between gates, poly beside the
 *     resistor body) takes the net of the li1 its licon reaches, not the
 *     rectangle's rect_net (used only when the piece has no contact).
 *
 * Against Magic 8.3.105 with the sky130A.tech of Dec 2020 this model with
 * that file's coefficients gives the same totals on wires and crossings;
 * the differences are (1) Magic's sidewall numbers (no offset: met1 45/s
 * aF/um, 2.8x tech.json's 44/(s+0.25) at minimum spacing), (2) Magic
 * couples a wire to conductors behind its nearest neighbour, (3) Magic
 * puts a MIM top plate's met4 over capm to substrate.
 *
 * Resistance model (RC mode): a net's region on each routing layer (poly,
 * li1, metals) is cut into pieces -- the merged slabs, the gates cut out of
 * poly, and slabs longer than PEX_MAX_SQUARES squares split along their
 * length -- and each piece is a node.  Touching pieces are joined by
 * R = sheet x (half length / width) of each piece, centre to centre; a
 * contact or via joins the pieces it lands on, R = ohm per cut / number of
 * cuts in parallel.  Diffusion and taps are lumped into one node per net
 * ("NET:sd") that device sources, drains and bulks connect to; each gate
 * finger's poly joins the net's gate node ("NET:g") through its
 * distributed resistance sheet x W / (3 L).  A net's port node (the piece
 * under its pin) is named after the net; other nodes are "NET:k".  Every
 * capacitance is attached to the node whose piece produced it.
 *
 * Invariants: caps are listed once per node pair (a < b, or b == -1 for the
 * substrate); net_cap_f[i] = net_ground_f[i] + all coupling touching net i;
 * in C mode nodes are nets.
 */
#ifndef HALO_PEX_H
#define HALO_PEX_H

#include "extract.h"
#include "layout/flat.h"
#include "base/halo_err.h"
#include "tech/tech.h"

#define PEX_SIDE_HALO_NM 2000   /* sidewall search distance (Magic's sidehalo 2) */
#define PEX_MAX_SQUARES 16      /* RC mode: longest piece, in squares */

typedef enum { PEX_C, PEX_RC } pex_mode;

typedef struct pex_cap {
    int a, b;               /* nodes; b = -1: to substrate (ground) */
    double farad;
} pex_cap;

typedef struct pex_res {
    int a, b;               /* nodes */
    double ohm;
    int net;
} pex_res;

typedef struct pex_result {
    pex_mode mode;
    int nnets;
    double *net_cap_f;      /* total per net: to ground + every coupling */
    double *net_ground_f;   /* to the substrate per net */
    pex_cap *caps; int ncaps;
    pex_res *res; int nres; /* RC mode only */
    int nnodes;
    int *node_net;          /* node -> net (C mode: identity) */
    char **node_name;       /* "VOUT" (port node / net), "VOUT:3" */
    int *net_node;          /* net -> its main node (port node, else first) */
    int *net_sd_node;       /* net -> node device S/D/B pins attach to, -1 */
    int *net_gate_node;     /* net -> node device gates attach to, -1 */
} pex_result;

/* Extract the parasitics of flat, whose nets ext gives.  Returns NULL with
 * err set when the tech has no pex coefficients. */
pex_result *pex_run(lay_flat *flat, const ext_result *ext, const halo_tech *tech, pex_mode mode,
                    halo_err *err);
/* The same with an alternative set of layer coefficients (tech_find_pex_set;
 * NULL: the nominal ones). */
pex_result *pex_run_set(lay_flat *flat, const ext_result *ext, const halo_tech *tech, const tech_pex_set *set,
                        pex_mode mode, halo_err *err);
void pex_free(pex_result *r);

/* Capacitance between nets a and b (b = -1: to substrate) in farad. */
double pex_net_pair_cap(const pex_result *r, int a, int b);

/* The post-layout netlist: a .subckt named name with ports (names of
 * extracted nets, in that order), the extracted devices (MOS as
 * W=<finger width> L m=<nf> with per-finger ad as pd ps, the form ngspice
 * simulates with the sky130 models), then the parasitic C and R elements.
 * Returns malloc'ed text, NULL with err on an unknown port name. */
char *pex_spice(const pex_result *p, const ext_result *ext, const char *name,
                const char *const *ports, int nports, halo_err *err);

/* A device the layout does not hold but the post-layout netlist must: an
 * ideal source of the design (netlist_is_sim_only), each pin on a net of
 * the extraction (found through LVS's net correspondence). */
typedef struct pex_extra {
    const netlist_device *dev;
    const int *pin_net;     /* per pin: net index in ext->nl */
} pex_extra;

/* pex_spice with the extra devices written after the extracted ones. */
char *pex_spice_with(const pex_result *p, const ext_result *ext, const char *name,
                     const char *const *ports, int nports, const pex_extra *extra, int nextra,
                     halo_err *err);

#endif
