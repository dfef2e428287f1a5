/*
 * raster.h -- a layout as a multi-channel picture and back: the input and
 * output format of the layout foundation model (core/complete).
 *
 * Owns:
 *   - lfm_chanmap, the layer -> channel table.  A channel is a physical
 *     function (N-well, diffusion, contact, metal 1, ...), not a GDS layer,
 *     so another technology maps its layers onto the same channels and the
 *     model needs no change (the seed's layer-mapping table).  The default
 *     is sky130's 21 channels (lfm_chanmap_sky130, table in raster.c);
 *   - lfm_raster, a binary picture [C][H][W] of uint8 at a pixel size in
 *     nm, with the nm coordinates of its lower-left corner.  Row 0 is the
 *     bottom row (y grows with the row), column 0 the left column;
 *   - rasterising a flattened cell: a pixel is on when its centre lies in
 *     a shape of one of the channel's layers (for rectangles that is the
 *     "at least half covered" rule along each axis, and it is exact and
 *     cheap);
 *   - vectorising: the on pixels of a channel as maximal rectangles (runs
 *     of each row, merged with identical runs of the rows above), whose
 *     edges lie on pixel edges, so on the technology grid when the pixel
 *     size and the origin are multiples of it.
 * Invariant: rasterising the rectangles lfm_raster_boxes returns gives
 * back the same pixels.
 */
#ifndef HALO_COMPLETE_RASTER_H
#define HALO_COMPLETE_RASTER_H

#include <stdint.h>

#include "base/halo_err.h"
#include "layout/flat.h"
#include "layout/layout.h"

#define LFM_MAX_CHANNELS 32

typedef struct lfm_chanmap {
    int nch;
    char name[LFM_MAX_CHANNELS][24];       /* "nwell", "contact", "met1" */
    char layers[LFM_MAX_CHANNELS][128];    /* its layers, space-separated */
} lfm_chanmap;

/* sky130's 21 channels (the seed's count; see raster.c for the table). */
void lfm_chanmap_sky130(lfm_chanmap *m);
/* Add a channel with its layers; -1 when full or the name is taken. */
int lfm_chanmap_add(lfm_chanmap *m, const char *name, const char *layers);
/* Channel by name, -1 when absent. */
int lfm_chanmap_find(const lfm_chanmap *m, const char *name);
/* The channel a layer name maps to, -1 for none. */
int lfm_chanmap_of_layer(const lfm_chanmap *m, const char *layer);
/* The first layer of a channel (what vectorised shapes are drawn on), in
 * buf; returns buf. */
const char *lfm_chanmap_layer(const lfm_chanmap *m, int ch, char *buf, size_t len);

/* The table as the text model and raster files keep in their metadata,
 * "name=layer layer;name=..." (truncated to len), and back (0, or -1 for
 * text that is no such table). */
void lfm_chanmap_to_text(const lfm_chanmap *m, char *buf, size_t len);
int lfm_chanmap_from_text(const char *text, lfm_chanmap *m);

typedef struct lfm_raster {
    int c, h, w;
    int32_t x0, y0;          /* nm, lower-left corner of pixel (0, 0) */
    int32_t px;              /* pixel size in nm */
    uint8_t *v;              /* [c][h][w], 0 or 1 */
} lfm_raster;

/* Zeroed raster; NULL when a side is not positive or it would exceed
 * 2^31 pixels. */
lfm_raster *lfm_raster_new(int c, int h, int w, int32_t x0, int32_t y0, int32_t px);
void lfm_raster_free(lfm_raster *r);
static inline uint8_t *lfm_raster_plane(const lfm_raster *r, int ch)
{
    return r->v + (size_t)ch * r->h * r->w;
}

/* Set (value 1) or clear (0) the pixels of channel ch whose centres lie
 * in box b (nm). */
void lfm_raster_box(lfm_raster *r, int ch, lay_box b, uint8_t value);

/* The shapes of f inside window (nm; rounded outwards to whole pixels
 * from window's lower-left corner) as a raster of m's channels. */
lfm_raster *lfm_raster_flat(const lay_flat *f, const lfm_chanmap *m, int32_t px, lay_box window);

/* Flatten a cell and rasterise it: over window when it is not empty,
 * else over the cell's bounding box; either way the origin is rounded
 * down to a multiple of px, so pixel edges fall on the technology grid
 * whenever px is a multiple of it. */
lfm_raster *lfm_raster_cell(const lay_lib *lib, int cell, const lfm_chanmap *m, int32_t px, lay_box window);

/* Floor of v / px * px (towards minus infinity). */
int32_t lfm_floor_to(int32_t v, int32_t px);

/* The on pixels of channel ch as maximal rectangles in nm (malloc'ed in
 * *out); returns the count, -1 on no memory. */
int lfm_raster_boxes(const lfm_raster *r, int ch, lay_box **out);

/* Number of on pixels of a channel. */
long lfm_raster_count(const lfm_raster *r, int ch);

#endif
