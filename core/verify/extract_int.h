/*
 * extract_int.h -- what the extraction files share (not a public API).
 *
 * Owns: ext_ctx, the working state of one extraction: the layer indices by
 * role, the conducting pieces (a rectangle of a conducting layer, or for
 * diffusion and poly the parts of it left after the gates and resistor
 * bodies are cut out), the union-find over pieces, and the device records
 * before they become netlist devices.
 *
 * Invariants: the pieces of rectangle i of layer l are
 * piece_start[l][i] .. piece_start[l][i+1]-1, built layer by layer in
 * library layer order (so "lowest piece" = lowest layer, first drawn);
 * node ctx->sub (after the last piece) is the implicit substrate.
 */
#ifndef HALO_EXTRACT_INT_H
#define HALO_EXTRACT_INT_H

#include "extract.h"

enum ext_role {
    XR_NWELL, XR_PWELL, XR_DIFF, XR_TAP, XR_POLY, XR_LICON, XR_LI, XR_MCON, XR_M1, XR_VIA, XR_M2,
    XR_VIA2, XR_M3, XR_VIA3, XR_M4, XR_VIA4, XR_M5, XR_CAPM, XR_NSDM, XR_PSDM, XR_LVTN, XR_HVTP,
    XR_RPM, XR_URPM, XR_POLYRES, XR_NROLES
};

typedef struct ext_piece {
    lay_box b;
    int layer;
} ext_piece;

/* One pin of a device in terms of union-find nodes. */
typedef struct ext_dev {
    netlist_devtype type;
    char model[64];
    char prefix;              /* name letter: M C R */
    int node[4];              /* in the order of roles[] */
    const char *roles[4];
    int npins;
    double w_um, l_um, r_ohm;
    int nf;
    lay_box pos;              /* for naming order */
    ext_devgeom geom;
} ext_dev;

typedef struct ext_ctx {
    lay_flat *f;
    const halo_tech *tech;
    int role[XR_NROLES];      /* layer index of each role, -1 when absent */
    ext_piece *pc;
    int npc, cappc;
    int **piece_start;        /* per layer: n+1 offsets, NULL for non-conductors */
    int *uf;                  /* npc + 1 entries */
    int sub;                  /* substrate node */
    int sub_used;
    int *q;                   /* flat_query buffer */
    int qcap;
    ext_dev *devs;
    int ndevs, capdevs;
} ext_ctx;

/* Union-find over nodes. */
int ext_find(ext_ctx *x, int a);
void ext_union(ext_ctx *x, int a, int b);

/* Geometry helpers: positive-area overlap; connection (overlap or a shared
 * edge of positive length); closed touch (corners count). */
int ext_overlaps(lay_box a, lay_box b);
int ext_connects(lay_box a, lay_box b);
int ext_touches(lay_box a, lay_box b);
lay_box ext_intersect(lay_box a, lay_box b);

/* The first piece of layer role r overlapping box (positive area), -1. */
int ext_piece_overlapping(ext_ctx *x, int r, lay_box box);
/* Whether some rectangle of layer role r overlaps box (positive area). */
int ext_layer_overlaps(ext_ctx *x, int r, lay_box box);

/* Recognise MOS transistors, MIM capacitors and poly resistors into
 * x->devs (nodes not yet nets). */
void ext_find_devices(ext_ctx *x);

#endif
