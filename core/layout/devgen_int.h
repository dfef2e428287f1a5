/*
 * devgen_int.h -- what the device generator files share (not a public API).
 *
 * Owns: devgen_rules, the rule values the generators draw with, each read
 * from the technology by its official id; the layer indices they draw on;
 * and the small drawing helpers (contact rows, grid snapping).
 */
#ifndef HALO_DEVGEN_INT_H
#define HALO_DEVGEN_INT_H

#include "devgen.h"

typedef struct devgen_rules {
    int32_t grid;
    /* poly (sky130.md §2.3) */
    int32_t poly_sp, endcap, diff_ext, poly_diff, poly_tap;
    /* licon and npc (§2.4) */
    int32_t licon, licon_sp, diff_enc, diff_enc1, tap_enc1, poly_enc, poly_enc1, licon_gate;
    int32_t pc_diff, pc_pdiff, npc_enc, npc_gate;
    /* li1, mcon, met1 (§2.6, §2.7) */
    int32_t li_w, li_sp, li_enc1, mcon, mcon_sp, m1_enc, m1_enc1, m1_sp;
    int64_t m1_area;
    /* diffusion, wells, implants (§2.1, §2.2, §2.5) */
    int32_t diff_sp, nw_enc_diff, nw_enc_tap, impl_enc;
    /* MIM capacitor (§2.8) and its vias (§2.7) */
    int32_t capm_w, m3_w, m3_sp, m3_enc_capm, capm_enc_via3, via3, via3_sp, m4_enc_via3;
    /* precision resistor (§2.9, §2.4 licon.1b/1c/2b) */
    int32_t rpm_w, rpm_enc, res_psdm_enc, res_npc_enc, slot_w, slot_l, slot_sp;
} devgen_rules;

/* Only int fields: compute_halo walks it as an array of layer indices. */
typedef struct devgen_layers {
    int nwell, diff, tap, poly, licon, npc, li1, mcon, met1, met3, via3, met4, capm;
    int nsdm, psdm, rpm, urpm, polyres;
} devgen_layers;

/* Everything a generator needs while drawing one cell. */
typedef struct devgen_ctx {
    const devgen_rules *r;
    devgen_layers L;
    lay_cell *cell;
    halo_err *err;
} devgen_ctx;

/* Rule values of tech into *r; -1 with *err naming a missing rule. */
int devgen_rules_of(const halo_tech *tech, devgen_rules *r, halo_err *err);
/* Layer indices of lib; -1 with *err naming a missing layer. */
int devgen_layers_of(const lay_lib *lib, devgen_layers *L, halo_err *err);

/* Round to the grid: down, up, nearest. */
int32_t devgen_snap_down(int32_t v, int32_t grid);
int32_t devgen_snap_up(int32_t v, int32_t grid);

/* How many cuts of size `cut` at spacing `sp` fit in `span`, and the offset
 * (grid-aligned, from the span start) that centres them; 0 when none fit. */
int devgen_cut_count(int32_t span, int32_t cut, int32_t sp);
int32_t devgen_cut_offset(int32_t span, int n, int32_t cut, int32_t sp, int32_t grid);

/* Draw n cuts of `cut` size along x (dir 0) or y (dir 1) starting at
 * (x, y), spaced sp. */
void devgen_cut_row(devgen_ctx *g, int layer, int32_t x, int32_t y, int n, int32_t cut, int32_t sp,
                    int dir, int net);

/* A rectangle on a layer with a net (-1 for none). */
void devgen_rect(devgen_ctx *g, int layer, int32_t x0, int32_t y0, int32_t x1, int32_t y1, int net);

/* The generators: draw into g->cell (already empty, named). 0 or -1. */
int devgen_draw_mos(devgen_ctx *g, const devgen_spec *s);
int devgen_draw_mimcap(devgen_ctx *g, const devgen_spec *s);
int devgen_draw_polyres(devgen_ctx *g, const devgen_spec *s);

#endif
