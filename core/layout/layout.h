/*
 * layout.h -- the layout database: a library of cells holding rectangles per
 * layer, pins, labels and instances of other cells.
 *
 * Owns: lay_lib (cells, the layer table), lay_cell, the 8 orientations and
 * their transforms, bounding boxes, and the hierarchy walk that flattens a
 * cell for drawing, checking and writing.
 *
 * Invariants:
 *   - Coordinates are integer nanometres; every box is normalised
 *     (x0 < x1, y0 < y1).  The database unit of GDS files is 1 nm.
 *   - A layer is an index into lib->layers.  The table starts as a copy of
 *     the technology's layers (same order, so tech layer i is layout layer
 *     i) and read_gds appends a "gds_L_D" entry for a GDS pair the
 *     technology does not name.
 *   - A rectangle's net is an index into its cell's nets, or -1.
 *   - A pin is a box on a layer carrying a terminal name; a label is text at
 *     a point on a layer.  Pins are written to GDS as a shape on the layer's
 *     pin purpose plus a text on its label purpose.
 *   - Instances refer to cells of the same library by index; the hierarchy
 *     is acyclic (lay_inst_add refuses a cycle).
 *   - Cells are never removed while the library lives, so indices are
 *     stable; lay_cell_clear empties one for regeneration.
 *   - Orientation semantics follow GDS: the optional mirror is about the x
 *     axis (y -> -y) and comes before the counter-clockwise rotation.
 */
#ifndef HALO_LAYOUT_H
#define HALO_LAYOUT_H

#include <stdint.h>

#include "base/halo_err.h"
#include "base/strutil.h"
#include "tech/tech.h"

/* halo's design space: |coordinate| <= LAY_COORD_LIMIT nm (0.54 m).  The
 * GDS reader refuses anything beyond it, and placing cells clamps to it,
 * so differences of coordinates and rule-sized growths stay in 32 bits. */
#define LAY_COORD_LIMIT 536870911

typedef struct lay_box {
    int32_t x0, y0, x1, y1;
} lay_box;

/* The 8 orientations.  MX mirrors about the x axis (y -> -y), MY about the
 * y axis (x -> -x); MXR90 mirrors about x then rotates 90 degrees
 * counter-clockwise, MYR90 mirrors about y then rotates 90 degrees.
 * (DEF: N=R0, W=R90, S=R180, E=R270, FS=MX, FN=MY, FW=MXR90, FE=MYR90.) */
typedef enum {
    LAY_R0, LAY_R90, LAY_R180, LAY_R270, LAY_MX, LAY_MY, LAY_MXR90, LAY_MYR90, LAY_NORIENT
} lay_orient;

typedef struct lay_layer {
    char name[32];          /* "met1", or "gds_70_17" for an unknown pair */
    int gds_layer;          /* 68 */
    int gds_datatype;       /* drawing purpose: 20 */
    int pin_datatype;       /* -1 when the layer has no pin purpose */
    int label_datatype;     /* -1 when the layer has no label purpose */
} lay_layer;

typedef struct lay_rect {
    lay_box box;
    int layer;
    int net;                /* index into the cell's nets, -1 for none */
} lay_rect;

typedef struct lay_pin {
    char *name;             /* terminal: "D", "G", or a port name */
    int layer;
    lay_box box;
} lay_pin;

typedef struct lay_label {
    char *text;
    int layer;
    int32_t x, y;
} lay_label;

typedef struct lay_inst {
    char *name;             /* "M1" */
    int cell;               /* index into lib->cells */
    int32_t x, y;           /* the child's origin lands here */
    lay_orient orient;
} lay_inst;

typedef struct lay_cell {
    char *name;
    lay_rect *rects;   int nrects, caprects;
    lay_pin *pins;     int npins, cappins;
    lay_label *labels; int nlabels, caplabels;
    lay_inst *insts;   int ninsts, capinsts;
    char **nets;       int nnets, capnets;
    su_map net_index;
    /* Keep-out margins beyond the bounding box on the left, bottom, right
     * and top: another cell's shapes may come no closer.  Zero when the
     * cell has none (a top cell). */
    int32_t halo[4];
    char *device;           /* what a device generator made it from, or NULL:
                               "nfet_01v8 w=2.1 l=0.15 nf=4 m=1" */
} lay_cell;

typedef struct lay_lib {
    char *name;             /* GDS library name */
    lay_layer *layers; int nlayers, caplayers;
    lay_cell **cells;  int ncells, capcells;
    su_map cell_index;
} lay_lib;

/* A library whose layer table is the technology's (tech may be NULL: an
 * empty table, filled by read_gds). */
lay_lib *lay_lib_new(const char *name, const halo_tech *tech);
void lay_lib_free(lay_lib *lib);

/* Layer index by name (-1 when absent); by GDS pair and purpose: returns
 * the layer and sets *purpose to 0 drawing, 1 pin, 2 label (-1 if absent). */
int lay_layer_find(const lay_lib *lib, const char *name);
int lay_layer_by_gds(const lay_lib *lib, int gds_layer, int gds_datatype, int *purpose);
/* Append a layer (name must be new); returns its index. */
int lay_layer_add(lay_lib *lib, const char *name, int gds_layer, int gds_datatype,
                  int pin_datatype, int label_datatype);

/* Cell by name, -1 when absent. */
int lay_cell_find(const lay_lib *lib, const char *name);
/* New empty cell; -1 when the name is taken. */
int lay_cell_new(lay_lib *lib, const char *name);
/* Undo the most recent lay_cell_new (nothing may refer to that cell yet):
 * a generator that fails halfway leaves no trace.  0, or -1 when the last
 * cell is instantiated somewhere. */
int lay_cell_remove_last(lay_lib *lib);
/* Remove everything a cell holds (keeps name and index). */
void lay_cell_clear(lay_cell *c);

/* Remove a cell's rectangles, pins and labels; its instances and nets
 * stay (a router rewriting its wires over placed devices). */
void lay_cell_clear_shapes(lay_cell *c);

/* Net index in the cell, created when absent; "" or NULL gives -1. */
int lay_net(lay_cell *c, const char *name);
/* Net name of a rectangle or pin, or NULL. */
const char *lay_net_name(const lay_cell *c, int net);

/* Adders.  Boxes are normalised; a zero-area box is ignored (rect) or
 * refused (pin: returns -1). */
int lay_rect_add(lay_cell *c, int layer, lay_box b, int net);
int lay_pin_add(lay_cell *c, const char *name, int layer, lay_box b);
int lay_label_add(lay_cell *c, const char *text, int layer, int32_t x, int32_t y);
/* Instance of cell child at (x, y) with orientation; -1 when child would
 * (directly or indirectly) contain parent, or an index is out of range. */
int lay_inst_add(lay_lib *lib, int parent, const char *name, int child, int32_t x, int32_t y,
                 lay_orient o);

/* Constructors. */
lay_box lay_box_make(int32_t x0, int32_t y0, int32_t x1, int32_t y1);
int lay_box_empty(lay_box b);
lay_box lay_box_union(lay_box a, lay_box b);     /* empty boxes ignored */
lay_box lay_box_grow(lay_box b, int32_t d);

/* Orientation names "R0" "R90" ... "MYR90"; parse returns -1 if unknown. */
const char *lay_orient_name(lay_orient o);
int lay_orient_parse(const char *name, lay_orient *o);
/* Orientation as GDS STRANS reflection flag and angle in degrees, and back. */
void lay_orient_to_gds(lay_orient o, int *reflect, int *angle);
int lay_orient_from_gds(int reflect, double angle, lay_orient *o);
/* Compose: applying inner then outer equals applying the result. */
lay_orient lay_orient_compose(lay_orient outer, lay_orient inner);

/* A placement transform: orientation then translation. */
typedef struct lay_xform {
    lay_orient o;
    int32_t dx, dy;
} lay_xform;

extern const lay_xform lay_identity;
void lay_xform_point(const lay_xform *t, int32_t x, int32_t y, int32_t *ox, int32_t *oy);
lay_box lay_xform_box(const lay_xform *t, lay_box b);
/* outer after inner. */
lay_xform lay_xform_compose(const lay_xform *outer, const lay_xform *inner);

/* Bounding box of a cell's shapes, pins and instances (recursively);
 * an empty box (all zero) for an empty cell. */
lay_box lay_cell_bbox(const lay_lib *lib, int cell);

/* Walk every rectangle, pin and label of a cell's hierarchy in top-cell
 * coordinates.  path is the instance path ("" at the top, "M1", "X1/M1").
 * Callbacks may be NULL. */
typedef struct lay_walker {
    void *ctx;
    void (*rect)(void *ctx, const char *path, const lay_cell *c, const lay_rect *r, lay_box b);
    void (*pin)(void *ctx, const char *path, const lay_cell *c, const lay_pin *p, lay_box b);
    void (*label)(void *ctx, const char *path, const lay_cell *c, const lay_label *l,
                  int32_t x, int32_t y);
} lay_walker;
void lay_walk(const lay_lib *lib, int cell, const lay_walker *w);

/* A new cell `name` holding every rectangle of cell's hierarchy in cell
 * coordinates, the top cell's own pins and labels (a sub-cell's terminal
 * names are not net names of the whole), its halo and device text; the
 * copy of a leaf cell is an exact copy.  Returns its index, or -1 when the
 * name is taken. */
int lay_cell_flatten(lay_lib *lib, int cell, const char *name);

/* Cells reachable from cell (itself included), children before parents:
 * the order GDS writers want.  Returns the count; *out is malloc'ed. */
int lay_cell_closure(const lay_lib *lib, int cell, int **out);
/* How many shapes (rectangles, pins, labels) cell holds once its hierarchy
 * is expanded: what flattening it would make.  Counted without expanding
 * (each cell once), saturating at UINT64_MAX, so a file whose cells each
 * place the previous one twice is measured, not built. */
uint64_t lay_expanded_shapes(const lay_lib *lib, int cell);

/* Cells no other cell instantiates, in index order.  Returns the count. */
int lay_top_cells(const lay_lib *lib, int **out);

/* Structural comparison of two cells (shapes, pins, labels, instances as
 * multisets; nets by name; instance cells by name): 0 when equal, else a
 * description of the first difference in why. */
int lay_cell_compare(const lay_lib *a, int ca, const lay_lib *b, int cb, char *why, size_t whylen);

#endif
