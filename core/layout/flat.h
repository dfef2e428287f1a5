/*
 * flat.h -- a cell flattened for verification: per-layer rectangle sets in
 * top-cell coordinates, with a spatial index, plus every pin and label.
 *
 * Owns: lay_flat (built once from a lay_lib cell; DRC, extraction and
 * parasitic extraction all read the same one), the uniform-bin spatial
 * index that keeps neighbour queries near-linear in shape count, and the
 * merge of a layer into non-overlapping maximal horizontal slabs (the
 * canonical region form: two layouts covering the same area give the same
 * slabs).
 *
 * Invariants: boxes are normalised integer nanometres; layer i is layer i
 * of the library it came from; rectangles keep their drawing order and
 * overlaps (merging is a separate, explicit step), except that an exact
 * repeat of a box on its layer is kept once, where it first came; a query
 * returns each rectangle at most once.
 */
#ifndef HALO_FLAT_H
#define HALO_FLAT_H

#include <stdint.h>
#include "layout.h"

/* One layer's rectangles and their index. */
typedef struct flat_layer {
    lay_box *boxes;
    int n, cap;
    /* index: bins of bin_size nm over [org_x, org_x + nbx*bin_size) x ... */
    int32_t org_x, org_y, bin_size;
    int nbx, nby;
    int *bin_start;         /* nbx*nby + 1 offsets into bin_items */
    int *bin_items;
    /* query dedup: stamp per rectangle */
    unsigned *stamp;
    unsigned cur_stamp;
} flat_layer;

/* A pin (a box with a terminal name) or a label (text at a point, box of
 * zero size), from any level of the hierarchy. */
typedef struct flat_text {
    char *text;
    int layer;
    lay_box box;            /* a label's box is its point: x0 == x1, y0 == y1 */
    int is_pin;
    char *path;             /* instance path, "" for the top cell */
} flat_text;

typedef struct lay_flat {
    int nlayers;
    flat_layer *layers;     /* nlayers entries */
    flat_text *texts;
    int ntexts, captexts;
    lay_box bbox;           /* of all rectangles */
    const lay_lib *lib;     /* layer names */
} lay_flat;

/* Flatten cell of lib.  Never fails for a valid library. */
lay_flat *flat_build(const lay_lib *lib, int cell);
void flat_free(lay_flat *f);

/* Layer index by name in the flattened library, -1 when absent. */
int flat_layer_find(const lay_flat *f, const char *name);

/* Indices of the rectangles of layer that overlap or touch window (closed
 * boxes: sharing an edge or a corner counts).  Appends to *out (grown with
 * realloc, *cap its capacity) and returns the number found.  Not
 * reentrant for one layer (the dedup stamp). */
int flat_query(lay_flat *f, int layer, lay_box window, int **out, int *cap);

/* The union of boxes as non-overlapping maximal horizontal slabs, sorted by
 * y0 then x0; horizontally adjacent pieces are merged and vertically
 * adjacent slabs with equal x extents are merged.  Returns the count;
 * *out is malloc'ed (NULL when n == 0). */
int flat_merge(const lay_box *boxes, int n, lay_box **out);

/* Sum of box areas in nm^2 (callers pass merged slabs for the area of a
 * region). */
int64_t flat_area(const lay_box *boxes, int n);

#endif
