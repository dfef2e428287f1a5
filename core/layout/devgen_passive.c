/*
 * devgen_passive.c -- the MIM capacitor and precision poly resistor
 * generators.
 *
 * MIM cap (sky130_fd_pr__cap_mim_m3_1): the capm top plate W x L over a
 * met3 bottom plate that surrounds it (capm.3); an array of via3 on the top
 * plate (capm.4 from its edge, via3.2 apart) under a met4 plate (m4.3).
 * The met3 plate reaches m3.1 beyond the capm (the ring Magic checks as
 * plain met3 must be a legal wire), and on one side two met3 tracks
 * further: the landing where a route meets the bottom plate.  A route may
 * not draw met3 over the capm itself: read hierarchically, Magic takes a
 * parent's met3 over a sub-cell's capm for plain met3 cutting the
 * capacitor (capm.3, capm.2b), so the router lands beside it.
 * Pins: P = met4 (the top plate, model terminal c0), N = met3 (c1, the
 * landing) -- the terminals Magic's extraction gives (capm, met3).
 *
 * Poly resistor (sky130_fd_pr__res_high_po*, and res_xhigh_po* under urpm
 * instead of rpm): a straight poly line of the
 * allowed width W (rpm.1b-f), body length L between two contact heads of
 * licon.1c + 2 li.5 = 2.16 µm, each head holding licon slots
 * (licon.1b x licon.1c) under li1, with mcons and a met1 pad on top:
 * pins P (bottom head, r0) and N (top head, r1).  The body carries the
 * poly-resistor marker (66/13, 60 nm into each head, as Magic writes it so
 * it reads the head back whole); psdm (rpm.4), npc (rpm.5) and rpm (rpm.3,
 * at least rpm.1a wide) enclose the poly.  The body terminal is the
 * substrate, so the cell has no third pin.
 */
#include "devgen_int.h"

#include <string.h>

/* Magic writes the resistor's marker this far into each contact head. */
#define POLYRES_INTO_HEAD_NM 60

int devgen_draw_mimcap(devgen_ctx *g, const devgen_spec *s)
{
    const devgen_rules *r = g->r;
    int p = lay_net(g->cell, "P"), n = lay_net(g->cell, "N");
    int32_t W = s->w_nm, L = s->l_nm;
    devgen_rect(g, g->L.capm, 0, 0, W, L, p);
    /* capm.3, but Magic sees the plate beyond the capm as plain met3,
     * which must then be m3.1 wide */
    int32_t e = r->m3_enc_capm > r->m3_w ? r->m3_enc_capm : r->m3_w;
    int32_t land = e + 2 * (r->m3_w + r->m3_sp);
    lay_box plate = lay_box_make(-e, -land, W + e, L + e);
    devgen_rect(g, g->L.met3, plate.x0, plate.y0, plate.x1, plate.y1, n);
    /* via3 array inside the top plate */
    int32_t m = r->capm_enc_via3, sx = W - 2 * m, sy = L - 2 * m;
    int nx = devgen_cut_count(sx, r->via3, r->via3_sp), ny = devgen_cut_count(sy, r->via3, r->via3_sp);
    if (nx < 1 || ny < 1) {
        halo_err_set(g->err, HALO_E_DEV_PARAM, NULL, 0, s->dev->name, "the capacitor is too small for a via3");
        return -1;
    }
    int32_t x0 = m + devgen_cut_offset(sx, nx, r->via3, r->via3_sp, r->grid);
    int32_t y0 = m + devgen_cut_offset(sy, ny, r->via3, r->via3_sp, r->grid);
    for (int j = 0; j < ny; j++)
        devgen_cut_row(g, g->L.via3, x0, y0 + j * (r->via3 + r->via3_sp), nx, r->via3, r->via3_sp, 0, p);
    int32_t x1 = x0 + nx * r->via3 + (nx - 1) * r->via3_sp, y1 = y0 + ny * r->via3 + (ny - 1) * r->via3_sp;
    int32_t e4 = r->m4_enc_via3;
    lay_box top = lay_box_make(x0 - e4, y0 - e4, x1 + e4, y1 + e4);
    devgen_rect(g, g->L.met4, top.x0, top.y0, top.x1, top.y1, p);
    lay_pin_add(g->cell, "P", g->L.met4, top);
    /* N on the ring of plate outside the capm: Magic attaches a label
     * that also covers the capm to no node (its port then connects nothing) */
    lay_pin_add(g->cell, "N", g->L.met3, lay_box_make(plate.x0, plate.y0, plate.x1, 0));
    return 0;
}

/* One contact head from y0 to y1 across the resistor width: licon slots,
 * li1, mcons and the met1 pad that is the pin. */
static void draw_res_head(devgen_ctx *g, int32_t W, int32_t y0, int32_t y1, int net, const char *pin)
{
    const devgen_rules *r = g->r;
    int32_t border = r->li_enc1;                                       /* li.5 around the slots */
    int32_t span = W - 2 * border;
    int n = devgen_cut_count(span, r->slot_w, r->slot_sp);
    int32_t sx = border + devgen_cut_offset(span, n, r->slot_w, r->slot_sp, r->grid);
    for (int i = 0; i < n; i++) {
        int32_t x = sx + i * (r->slot_w + r->slot_sp);
        devgen_rect(g, g->L.licon, x, y0 + border, x + r->slot_w, y0 + border + r->slot_l, net);
    }
    devgen_rect(g, g->L.li1, 0, y0, W, y1, net);
    /* mcons m1.5 inside the pad on every side */
    int32_t e = r->m1_enc1, mx = W - 2 * e, my = (y1 - y0) - 2 * e;
    int nx = devgen_cut_count(mx, r->mcon, r->mcon_sp), ny = devgen_cut_count(my, r->mcon, r->mcon_sp);
    int32_t x0 = e + devgen_cut_offset(mx, nx, r->mcon, r->mcon_sp, r->grid);
    int32_t yy = y0 + e + devgen_cut_offset(my, ny, r->mcon, r->mcon_sp, r->grid);
    for (int j = 0; j < ny; j++)
        devgen_cut_row(g, g->L.mcon, x0, yy + j * (r->mcon + r->mcon_sp), nx, r->mcon, r->mcon_sp, 0, net);
    devgen_rect(g, g->L.met1, 0, y0, W, y1, net);
    lay_pin_add(g->cell, pin, g->L.met1, lay_box_make(0, y0, W, y1));
}

int devgen_draw_polyres(devgen_ctx *g, const devgen_spec *s)
{
    const devgen_rules *r = g->r;
    int p = lay_net(g->cell, "P"), n = lay_net(g->cell, "N");
    int32_t W = s->w_nm, L = s->l_nm;
    int32_t head = r->slot_l + 2 * r->li_enc1;                          /* licon.1c + 2 li.5 */
    int32_t top = 2 * head + L;
    devgen_rect(g, g->L.poly, 0, 0, W, top, -1);
    devgen_rect(g, g->L.polyres, 0, head - POLYRES_INTO_HEAD_NM, W, head + L + POLYRES_INTO_HEAD_NM, -1);
    draw_res_head(g, W, 0, head, p, "P");
    draw_res_head(g, W, head + L, top, n, "N");
    int32_t e = r->res_psdm_enc;
    devgen_rect(g, g->L.psdm, -e, -e, W + e, top + e, -1);
    e = r->res_npc_enc;
    devgen_rect(g, g->L.npc, -e, -e, W + e, top + e, -1);
    e = r->rpm_enc;
    int32_t rx0 = -e, rx1 = W + e;
    if (rx1 - rx0 < r->rpm_w) {
        int32_t grow = devgen_snap_up((r->rpm_w - (rx1 - rx0) + 1) / 2, r->grid);
        rx0 -= grow;
        rx1 += grow;
    }
    int implant = strncmp(s->dev->name, "res_xhigh_po", 12) == 0 ? g->L.urpm : g->L.rpm;
    devgen_rect(g, implant, rx0, -e, rx1, top + e, -1);
    return 0;
}
