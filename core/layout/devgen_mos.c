/*
 * devgen_mos.c -- the nfet_01v8 / pfet_01v8 generator.
 *
 * Floor plan (y up; the diffusion spans x from 0, y from 0 to the finger
 * width wf; gates are vertical poly lines):
 *
 *        D bar (met1) ─────────────────────────────  pin D
 *        ║           ║           ║     drain strips rise to it
 *   G ▣══╪═ li1 ═════╪═══════════╪═══  gate bar: poly + licons + li1,
 *   pad  │  │ poly │ │  │      │ │     the G pad (mcon + met1) at its left
 *        S  │      D │  S      │ D    S/D columns: licons, li1, mcons,
 *        ║  │      ║ │  ║      │ ║      met1 strips over the diffusion
 *        S bar (met1) ──────────────────────────────  pin S
 *        B bar (met1) over the body tap ────────────  pin B
 *
 * Columns alternate S, D, S, ... from the left, so nf*m gates share their
 * diffusion and every terminal has one strap and one pin.  Sources rise no
 * higher than the top of the contacts and drains reach no lower, which
 * leaves room for the two bars on met1 without crossing.  The gate bar is
 * contacted along its whole length (low gate resistance for wide devices).
 * Devices taller than the latch-up reach of the bottom tap get a tap on
 * each side as well (LU.2/LU.3).  Dummy poly lines, when asked for, sit one
 * poly-to-diff space beyond each end of the diffusion.
 *
 * Every distance below is a rule of devgen_rules (read from the tech by
 * id); the comments name the rule.
 */
#include "devgen_int.h"

#include <stdio.h>

/* Latch-up: every diffusion point within this distance of a tap contact
 * (LU.2 / LU.3 allow 15 µm; 1 µm kept in reserve). */
#define LU_REACH_NM 14000
/* The terminals, in the order of the SPICE pins. */
enum { NET_D, NET_G, NET_S, NET_B };

typedef struct mos_geom {
    int32_t wf, L, pitch;    /* finger width, gate length, gate pitch */
    int fingers;             /* gates drawn: nf * m */
    int32_t gate_x0;         /* left edge of gate 0 */
    int32_t diff_x1;         /* right end of the diffusion */
    int32_t lic_y0, lic_n;   /* S/D contact stack */
    int32_t li_y0, li_y1;    /* S/D li1 columns */
    int32_t mc_y0, mc_n;     /* S/D mcon stack */
    int32_t m_lo, m_hi;      /* met1 over the contacts */
    int32_t bar_h;           /* met1 bar height */
    int32_t sbar_y0, dbar_y0, bbar_y0;
    int32_t pc_y0;           /* bottom of the gate licons */
    int32_t tap_y0, tap_y1;  /* bottom tap */
    int side_taps;
    int32_t left_x, right_x; /* extent of the tap row and pads */
    int nets[4];
} mos_geom;

static int32_t column_licon_x(const mos_geom *m, const devgen_rules *r, int c)
{
    if (c == 0) return m->gate_x0 - r->licon_gate - r->licon;
    return m->gate_x0 + (c - 1) * m->pitch + m->L + r->licon_gate;
}

static int32_t column_centre(const mos_geom *m, const devgen_rules *r, int c)
{
    return column_licon_x(m, r, c) + r->licon / 2;
}

static int is_drain_column(int c)
{
    return c % 2 == 1;
}

/* Vertical plan of the S/D columns: contacts, li1, mcons, met1. */
static void plan_columns(mos_geom *m, const devgen_rules *r)
{
    int32_t span = m->wf - 2 * r->diff_enc;                        /* licon.5a top and bottom */
    m->lic_n = devgen_cut_count(span, r->licon, r->licon_sp);
    m->lic_y0 = r->diff_enc + devgen_cut_offset(span, m->lic_n, r->licon, r->licon_sp, r->grid);
    int32_t lic_y1 = m->lic_y0 + m->lic_n * r->licon + (m->lic_n - 1) * r->licon_sp;
    m->li_y0 = m->lic_y0 - r->li_enc1;                              /* li.5 along the column */
    m->li_y1 = lic_y1 + r->li_enc1;
    int32_t li_len = m->li_y1 - m->li_y0;
    m->mc_n = devgen_cut_count(li_len, r->mcon, r->mcon_sp);
    m->mc_y0 = m->li_y0 + devgen_cut_offset(li_len, m->mc_n, r->mcon, r->mcon_sp, r->grid);
    int32_t mc_y1 = m->mc_y0 + m->mc_n * r->mcon + (m->mc_n - 1) * r->mcon_sp;
    m->m_lo = m->mc_y0 - r->m1_enc1;                                /* m1.5 along the column */
    m->m_hi = mc_y1 + r->m1_enc1;
}

/* Horizontal plan: gate pitch, outer source/drain, diffusion end. */
static void plan_gates(mos_geom *m, const devgen_rules *r)
{
    int32_t sd = 2 * r->licon_gate + r->licon;                      /* licon.11 both sides */
    m->pitch = m->L + sd;
    int32_t outer = r->diff_enc1 + r->licon + r->licon_gate;        /* licon.5c, licon.11 */
    if (outer < r->diff_ext) outer = r->diff_ext;                   /* poly.7 */
    m->gate_x0 = outer;
    m->diff_x1 = m->gate_x0 + (m->fingers - 1) * m->pitch + m->L + outer;
}

/* Vertical plan of the bars, the gate contacts and the tap. */
static void plan_bars(mos_geom *m, const devgen_rules *r, int pmos)
{
    m->bar_h = r->mcon + 2 * r->m1_enc1;                            /* one mcon, m1.5 both ends */
    m->sbar_y0 = m->m_lo - r->m1_sp - m->bar_h;                     /* m1.2 below the drains */
    m->dbar_y0 = m->m_hi + r->m1_sp;                                /* m1.2 above the sources */
    m->bbar_y0 = m->sbar_y0 - r->m1_sp - m->bar_h;
    int32_t tap_cy = m->bbar_y0 + m->bar_h / 2;
    m->tap_y0 = tap_cy - r->licon / 2 - r->tap_enc1;                /* licon.7 */
    m->tap_y1 = tap_cy + r->licon / 2 + r->tap_enc1;
    /* Gate contacts: licon.14 (licon.9 + psdm.5a near p+) from the
     * diffusion, npc.4 + licon.15 from the gate, li.3 from the S/D li1. */
    int32_t pc = m->wf + (pmos ? r->pc_pdiff : r->pc_diff);
    if (pc < m->wf + r->npc_gate + r->npc_enc) pc = m->wf + r->npc_gate + r->npc_enc;
    if (pc < m->li_y1 + r->li_sp) pc = m->li_y1 + r->li_sp;
    m->pc_y0 = devgen_snap_up(pc, r->grid);
}

static int check_latchup(const mos_geom *m, const devgen_rules *r, devgen_ctx *g, const devgen_spec *s)
{
    int32_t tap_contact_top = (m->tap_y0 + m->tap_y1) / 2 + r->licon / 2;
    int32_t reach_up = m->wf - tap_contact_top;
    if (reach_up <= LU_REACH_NM) return 0;
    /* Side taps reach the middle of the diffusion from both ends. */
    int32_t reach_side = m->diff_x1 / 2 + r->diff_sp + r->tap_enc1 + r->licon;
    if (reach_side > LU_REACH_NM) {
        char why[200];
        snprintf(why, sizeof why,
                 "a %.2f um tall and %.2f um wide diffusion is beyond the 15 um latch-up reach of the "
                 "taps around it (LU.2/LU.3); use more fingers",
                 m->wf / 1000.0, m->diff_x1 / 1000.0);
        halo_err_set(g->err, HALO_E_DEV_PARAM, NULL, 0, s->dev->name, why);
        return -1;
    }
    return 1;
}

static void draw_diffusion_and_gates(devgen_ctx *g, const mos_geom *m, const devgen_spec *s)
{
    const devgen_rules *r = g->r;
    devgen_rect(g, g->L.diff, 0, 0, m->diff_x1, m->wf, -1);
    int32_t poly_top = m->pc_y0 + r->licon + r->poly_enc;
    for (int i = 0; i < m->fingers; i++) {
        int32_t x = m->gate_x0 + i * m->pitch;
        devgen_rect(g, g->L.poly, x, -r->endcap, x + m->L, poly_top, m->nets[NET_G]);   /* poly.8 */
    }
    if (s->dummies) {
        devgen_rect(g, g->L.poly, -r->poly_diff - m->L, -r->endcap, -r->poly_diff, m->wf + r->endcap, -1);
        devgen_rect(g, g->L.poly, m->diff_x1 + r->poly_diff, -r->endcap, m->diff_x1 + r->poly_diff + m->L,
                    m->wf + r->endcap, -1);                                             /* poly.4 */
    }
}

static void draw_columns(devgen_ctx *g, const mos_geom *m)
{
    const devgen_rules *r = g->r;
    int32_t half_m1 = r->mcon / 2 + r->m1_enc;                        /* m1.4 across the strip */
    for (int c = 0; c <= m->fingers; c++) {
        int net = m->nets[is_drain_column(c) ? NET_D : NET_S];
        int32_t lx = column_licon_x(m, r, c), cx = column_centre(m, r, c);
        devgen_cut_row(g, g->L.licon, lx, m->lic_y0, m->lic_n, r->licon, r->licon_sp, 1, net);
        devgen_rect(g, g->L.li1, lx, m->li_y0, lx + r->licon, m->li_y1, net);
        devgen_cut_row(g, g->L.mcon, cx - r->mcon / 2, m->mc_y0, m->mc_n, r->mcon, r->mcon_sp, 1, net);
        if (is_drain_column(c))
            devgen_rect(g, g->L.met1, cx - half_m1, m->m_lo, cx + half_m1, m->dbar_y0 + m->bar_h, net);
        else
            devgen_rect(g, g->L.met1, cx - half_m1, m->sbar_y0, cx + half_m1, m->m_hi, net);
    }
}

/* The S and D bars span their strips; pins are the bars. */
static void draw_bars(devgen_ctx *g, const mos_geom *m)
{
    const devgen_rules *r = g->r;
    int32_t half_m1 = r->mcon / 2 + r->m1_enc;
    int last_s = m->fingers % 2 == 0 ? m->fingers : m->fingers - 1;
    int last_d = m->fingers % 2 == 1 ? m->fingers : m->fingers - 1;
    int32_t sx0 = column_centre(m, r, 0) - half_m1, sx1 = column_centre(m, r, last_s) + half_m1;
    int32_t dx0 = column_centre(m, r, 1) - half_m1, dx1 = column_centre(m, r, last_d) + half_m1;
    devgen_rect(g, g->L.met1, sx0, m->sbar_y0, sx1, m->sbar_y0 + m->bar_h, m->nets[NET_S]);
    devgen_rect(g, g->L.met1, dx0, m->dbar_y0, dx1, m->dbar_y0 + m->bar_h, m->nets[NET_D]);
    lay_pin_add(g->cell, "S", g->L.met1, lay_box_make(sx0, m->sbar_y0, sx1, m->sbar_y0 + m->bar_h));
    lay_pin_add(g->cell, "D", g->L.met1, lay_box_make(dx0, m->dbar_y0, dx1, m->dbar_y0 + m->bar_h));
}

/* Gate bar: poly strap contacted along its length, li1 over the contacts
 * running left to the G pad (mcon + met1) beyond the first column. */
static void draw_gate_bar(devgen_ctx *g, mos_geom *m)
{
    const devgen_rules *r = g->r;
    int net = m->nets[NET_G];
    int32_t bx0 = m->gate_x0, bx1 = m->gate_x0 + (m->fingers - 1) * m->pitch + m->L;
    int32_t min_bar = r->licon + 2 * r->poly_enc1;                  /* licon.8a at the bar ends */
    if (bx1 - bx0 < min_bar) {
        int32_t grow = devgen_snap_up((min_bar - (bx1 - bx0) + 1) / 2, r->grid);
        bx0 -= grow;
        bx1 += grow;
    }
    int32_t y0 = m->pc_y0, y1 = m->pc_y0 + r->licon;
    devgen_rect(g, g->L.poly, bx0, y0 - r->poly_enc, bx1, y1 + r->poly_enc, net);       /* licon.8 */
    int32_t span = bx1 - bx0 - 2 * r->poly_enc1;
    int n = devgen_cut_count(span, r->licon, r->licon_sp);
    int32_t cx0 = bx0 + r->poly_enc1 + devgen_cut_offset(span, n, r->licon, r->licon_sp, r->grid);
    int32_t cx1 = cx0 + n * r->licon + (n - 1) * r->licon_sp;
    devgen_cut_row(g, g->L.licon, cx0, y0, n, r->licon, r->licon_sp, 0, net);
    devgen_rect(g, g->L.npc, cx0 - r->npc_enc, y0 - r->npc_enc, cx1 + r->npc_enc, y1 + r->npc_enc, -1);
    /* G pad left of the first source strip, m1.2 away. */
    int32_t pad_w = r->mcon + 2 * r->m1_enc1;
    int32_t pad_x1 = column_centre(m, r, 0) - r->mcon / 2 - r->m1_enc - r->m1_sp;
    int32_t pad_x0 = pad_x1 - pad_w;
    int32_t mcx0 = pad_x0 + r->m1_enc1;
    devgen_rect(g, g->L.li1, mcx0, y0, cx1 + r->li_enc1, y1, net);                      /* li.5 */
    devgen_rect(g, g->L.mcon, mcx0, y0, mcx0 + r->mcon, y1, net);
    lay_box pad = lay_box_make(pad_x0, y0 - r->m1_enc1, pad_x1, y1 + r->m1_enc1);
    devgen_rect(g, g->L.met1, pad.x0, pad.y0, pad.x1, pad.y1, net);
    lay_pin_add(g->cell, "G", g->L.met1, pad);
    if (pad_x0 < m->left_x) m->left_x = pad_x0;
}

/* One tap region with its contact row (dir 0) or column (dir 1) and li1
 * over the contacts; returns the li1 box. */
static lay_box draw_tap_strip(devgen_ctx *g, const mos_geom *m, lay_box tap, int dir)
{
    const devgen_rules *r = g->r;
    int net = m->nets[NET_B];
    devgen_rect(g, g->L.tap, tap.x0, tap.y0, tap.x1, tap.y1, net);
    int32_t along0 = dir == 0 ? tap.x0 : tap.y0, along1 = dir == 0 ? tap.x1 : tap.y1;
    int32_t span = along1 - along0 - 2 * r->tap_enc1;                 /* licon.7 at the ends too */
    int n = devgen_cut_count(span, r->licon, r->licon_sp);
    int32_t a0 = along0 + r->tap_enc1 + devgen_cut_offset(span, n, r->licon, r->licon_sp, r->grid);
    int32_t a1 = a0 + n * r->licon + (n - 1) * r->licon_sp;
    lay_box li;
    if (dir == 0) {
        int32_t cy = (tap.y0 + tap.y1) / 2 - r->licon / 2;
        devgen_cut_row(g, g->L.licon, a0, cy, n, r->licon, r->licon_sp, 0, net);
        li = lay_box_make(a0, cy - r->li_enc1, a1, cy + r->licon + r->li_enc1);         /* li.5 */
    } else {
        int32_t cx = (tap.x0 + tap.x1) / 2 - r->licon / 2;
        devgen_cut_row(g, g->L.licon, cx, a0, n, r->licon, r->licon_sp, 1, net);
        li = lay_box_make(cx, a0 - r->li_enc1, cx + r->licon, a1 + r->li_enc1);
    }
    devgen_rect(g, g->L.li1, li.x0, li.y0, li.x1, li.y1, net);
    return li;
}

/* A side tap rising from the bottom tap to the top of the diffusion, its
 * li1 joined to the bottom row's (li.3 forbids the short gap between). */
static void draw_side_tap(devgen_ctx *g, const mos_geom *m, int32_t x0, lay_box bottom_li)
{
    int32_t tap_w = g->r->licon + 2 * g->r->tap_enc1;
    lay_box li = draw_tap_strip(g, m, lay_box_make(x0, m->tap_y1, x0 + tap_w, m->wf), 1);
    devgen_rect(g, g->L.li1, li.x0, bottom_li.y0, li.x1, li.y0 + g->r->licon, m->nets[NET_B]);
}

/* The body tap under the device (and beside it when tall), its li1, and
 * the B bar on met1 joined to it by mcons. */
static void draw_body_tap(devgen_ctx *g, mos_geom *m)
{
    const devgen_rules *r = g->r;
    int net = m->nets[NET_B];
    int32_t tap_w = r->licon + 2 * r->tap_enc1;
    int32_t x0 = m->left_x, x1 = m->diff_x1;
    if (m->side_taps) {
        /* difftap.3 from the diffusion, poly.5 from a dummy */
        int32_t left_edge = m->left_x < -r->diff_sp ? m->left_x : -r->diff_sp;
        x0 = devgen_snap_down(left_edge - tap_w, r->grid);
        x1 = m->diff_x1 + (m->right_x > m->diff_x1 ? m->right_x - m->diff_x1 : 0) + r->diff_sp + tap_w;
    }
    lay_box bottom_li = draw_tap_strip(g, m, lay_box_make(x0, m->tap_y0, x1, m->tap_y1), 0);
    if (m->side_taps) {
        draw_side_tap(g, m, x0, bottom_li);
        draw_side_tap(g, m, x1 - tap_w, bottom_li);
    }
    /* mcons along the tap's li1, the B bar over them. */
    int32_t span = bottom_li.x1 - bottom_li.x0;
    int n = devgen_cut_count(span, r->mcon, r->mcon_sp);
    int32_t mx0 = bottom_li.x0 + devgen_cut_offset(span, n, r->mcon, r->mcon_sp, r->grid);
    int32_t cy = (m->tap_y0 + m->tap_y1) / 2 - r->mcon / 2;
    devgen_cut_row(g, g->L.mcon, mx0, cy, n, r->mcon, r->mcon_sp, 0, net);
    lay_box bar = lay_box_make(x0, m->bbar_y0, x1, m->bbar_y0 + m->bar_h);
    devgen_rect(g, g->L.met1, bar.x0, bar.y0, bar.x1, bar.y1, net);
    lay_pin_add(g->cell, "B", g->L.met1, bar);
    m->left_x = x0;
    m->right_x = x1;
}

/* Implants: the device's own type over the diffusion, the opposite over
 * the tap (n/psd.5a, .5b); an nwell around a pfet's diffusion and tap. */
static void draw_implants_and_well(devgen_ctx *g, const mos_geom *m, int pmos)
{
    const devgen_rules *r = g->r;
    int diff_impl = pmos ? g->L.psdm : g->L.nsdm, tap_impl = pmos ? g->L.nsdm : g->L.psdm;
    int32_t e = r->impl_enc;
    devgen_rect(g, diff_impl, -e, -e, m->diff_x1 + e, m->wf + e, -1);
    int32_t tap_x0 = m->left_x, tap_x1 = m->right_x;
    /* The tap's implant over the tap row and, when present, the side taps. */
    int32_t top = m->side_taps ? m->wf : m->tap_y1;
    if (m->side_taps) {
        int32_t tap_w = r->licon + 2 * r->tap_enc1;
        devgen_rect(g, tap_impl, tap_x0 - e, m->tap_y0 - e, tap_x0 + tap_w + e, top + e, -1);
        devgen_rect(g, tap_impl, tap_x1 - tap_w - e, m->tap_y0 - e, tap_x1 + e, top + e, -1);
    }
    devgen_rect(g, tap_impl, tap_x0 - e, m->tap_y0 - e, tap_x1 + e, m->tap_y1 + e, -1);
    if (pmos) {
        int32_t w = r->nw_enc_diff > r->nw_enc_tap ? r->nw_enc_diff : r->nw_enc_tap;   /* difftap.8, .10 */
        int32_t x0 = tap_x0 < 0 ? tap_x0 : 0, x1 = tap_x1 > m->diff_x1 ? tap_x1 : m->diff_x1;
        devgen_rect(g, g->L.nwell, x0 - w, m->tap_y0 - w, x1 + w, m->wf + w, -1);
    }
}

int devgen_draw_mos(devgen_ctx *g, const devgen_spec *s)
{
    const devgen_rules *r = g->r;
    mos_geom m = {0};
    m.wf = s->w_nm;
    m.L = s->l_nm;
    m.fingers = s->nf * s->m;
    static const char *const terms[] = {"D", "G", "S", "B"};
    for (int i = 0; i < 4; i++) m.nets[i] = lay_net(g->cell, terms[i]);
    plan_gates(&m, r);
    plan_columns(&m, r);
    plan_bars(&m, r, s->pmos);
    int lu = check_latchup(&m, r, g, s);
    if (lu < 0) return -1;
    m.side_taps = lu;
    m.left_x = 0;
    m.right_x = m.diff_x1;
    draw_diffusion_and_gates(g, &m, s);
    draw_columns(g, &m);
    draw_bars(g, &m);
    draw_gate_bar(g, &m);
    if (s->dummies) {
        int32_t dummy_x0 = -r->poly_diff - m.L - r->poly_tap;
        if (dummy_x0 < m.left_x) m.left_x = devgen_snap_down(dummy_x0, r->grid);
        m.right_x = m.diff_x1 + r->poly_diff + m.L + r->poly_tap;
    }
    draw_body_tap(g, &m);
    draw_implants_and_well(g, &m, s->pmos);
    return 0;
}
