/*
 * drc_rules.c -- the rule table: every sky130 rule halo checks, by its
 * official id, mapped to an evaluator and the regions it reads.  Where
 * Magic checks a rule on a combined or derived form the entry says so.
 */
#include "drc_int.h"

/* ---- the rule table --------------------------------------------------------
 * id, tech layer, tech other: the tech rule; then evaluator, regions, flag.
 * Comments say how the id is read where the tech entry alone is ambiguous. */

const drc_rule_def drc_rule_table[] = {
    {"nwell.1", "nwell", "", drc_ev_width, "nwell", NULL, 0, 0},
    {"nwell.2a", "nwell", "", drc_ev_space, "nwell", NULL, 0, 0},
    {"difftap.1", "diff", "", drc_ev_width, "diff", NULL, 0, 0},
    {"difftap.1", "tap", "", drc_ev_width, "tap_impl", NULL, 0, 0},
    /* transistor width: the gate's extent between its endcaps */
    {"difftap.2", "diff", "poly", drc_ev_gate_width, "gate", NULL, 0, 0},
    {"difftap.3", "diff", "", drc_ev_space, "diff", NULL, 0, 0},
    {"difftap.3", "tap", "", drc_ev_space, "tap", NULL, 0, 0},
    {"difftap.3", "diff", "tap", drc_ev_space2, "diff", "tap", 0, 0},  /* butting is fine */
    {"difftap.8", "nwell", "diff", drc_ev_enc, "nwell", "pdev", 0, 0},
    {"difftap.9", "diff", "nwell", drc_ev_space2, "ndiff", "nwell", 1, 0},
    {"difftap.10", "nwell", "tap", drc_ev_enc, "nwell", "ntap", 0, 0},
    {"difftap.11", "tap", "nwell", drc_ev_space2, "ptap", "nwell", 1, 0},
    {"nsd/psd.10b", "tap", "", drc_ev_area, "tap_impl", NULL, 0, 0},
    {"poly.1a", "poly", "", drc_ev_width, "poly", NULL, 0, 0},
    {"poly.2", "poly", "", drc_ev_space, "poly", NULL, 0, 0},
    {"poly.3", "polyres", "", drc_ev_width, "mrp1", NULL, 0, 0},
    /* Magic: P+ resistor bodies (xhrpoly, uhrpoly) are at least 0.35 wide */
    {"poly.3", "polyres", "", drc_ev_width, "xhr_body", NULL, 0, 20},
    /* field poly (poly off diff) to diff and tap; the gate edge touches */
    {"poly.4", "poly", "diff", drc_ev_space2, "fpoly", "diff", 2, 0},
    {"poly.5", "poly", "tap", drc_ev_space2, "fpoly", "ntap", 2, 0},   /* Magic: n-tap only */
    {"poly.7", "diff", "poly", drc_ev_extension, "gate", NULL, 1, 0},
    {"poly.8", "poly", "diff", drc_ev_extension, "gate", NULL, 0, 0},
    /* resistor marker to poly of no resistor, to diff and to tap */
    {"poly.9", "polyres", "poly", drc_ev_space2, "resany", "poly_nr", 1, 0},
    {"poly.9", "polyres", "diff", drc_ev_space2, "resany", "diff", 1, 0},
    {"poly.9", "polyres", "tap", drc_ev_space2, "resany", "tap", 1, 0},
    /* square contacts vs resistor head slots (width, length) */
    /* cut size and spacing on Magic's contact areas (see cut_area) */
    {"licon.1", "licon1", "", drc_ev_width, "ndc_a", NULL, 0, 0},
    {"licon.1", "licon1", "", drc_ev_width, "pdc_a", NULL, 0, 0},
    {"licon.1", "licon1", "", drc_ev_width, "nsc_a", NULL, 0, 0},
    {"licon.1", "licon1", "", drc_ev_width, "psc_a", NULL, 0, 0},
    {"licon.1", "licon1", "", drc_ev_width, "pc_a", NULL, 0, 0},
    {"licon.2", "licon1", "", drc_ev_space, "ncont_a", NULL, 0, 0},
    {"licon.2", "licon1", "", drc_ev_space, "pcont_a", NULL, 0, 0},
    {"licon.2", "licon1", "", drc_ev_space2, "ncont_a", "pcont_a", 1, 0},
    {"licon.2", "licon1", "", drc_ev_space, "pc_a", NULL, 0, 0},
    /* the slot rules as Magic checks them, on the head (xpc): width
       licon.1b + 2 * li.5, area licon.1c x that width */
    {"licon.1b", "licon1", "rpm", drc_ev_width, "xpc", NULL, 0, 160},
    {"licon.1c", "licon1", "rpm", drc_ev_area, "xpc", NULL, 350, 0},
    {"licon.1c", "licon1", "rpm", drc_ev_head, "xhr_body", "xpc", 0, 160},
    /* a licon on diff vs one on tap vs one on poly outside diff */
    {"licon.5a", "diff", "licon1", drc_ev_enc, "diff", "licon_diff", 0, 0},
    {"licon.5c", "diff", "licon1", drc_ev_enc1, "diff", "licon_diff", 0, 0},
    {"licon.7", "tap", "licon1", drc_ev_enc1, "tap", "licon_tap", 0, 0},
    {"licon.8", "poly", "licon1", drc_ev_enc, "poly", "licon_pc", 0, 0},
    {"licon.8a", "poly", "licon1", drc_ev_enc1, "poly", "licon_pc", 0, 0},
    /* poly contact to p+ S/D: Magic checks licon.9 + psdm.5a (0.235) */
    {"licon.9", "licon1", "psdm", drc_ev_space2, "licon_pc", "sdiff_p", 1, 125},
    {"licon.11", "licon1", "poly", drc_ev_space2, "licon_dt", "gate", 1, 0},
    {"licon.14", "licon1", "diff", drc_ev_space2, "licon_pc", "diff", 1, 0},
    {"licon.14", "licon1", "tap", drc_ev_space2, "licon_pc", "tap", 1, 0},
    /* cuts exactly their size, as drawn (what the foundry's decks check;
       Magic reads contact areas and accepts larger ones) */
    {"licon.1", "licon1", "", drc_ev_cut_size, "licon1", "xpc", 0, 0},
    {"ct.1", "mcon", "", drc_ev_cut_size, "mcon", NULL, 0, 0},
    {"via.1a", "via", "", drc_ev_cut_size, "via", NULL, 0, 0},
    {"via2.1a", "via2", "", drc_ev_cut_size, "via2", NULL, 0, 0},
    {"via3.1", "via3", "", drc_ev_cut_size, "via3", NULL, 0, 0},
    {"via4.1", "via4", "", drc_ev_cut_size, "via4", NULL, 0, 0},
    /* implants, npc and resistor implants: no Magic layers (Magic never
       checks them), but rules of their own the foundry's decks check;
       halo checks them as the open_pdks KLayout deck codes them */
    {"n/psd.1", "nsdm", "", drc_ev_width, "nsdm", NULL, 0, 0},
    {"n/psd.1", "psdm", "", drc_ev_width, "psdm", NULL, 0, 0},
    {"n/psd.2", "nsdm", "", drc_ev_space, "nsdm", NULL, 0, 0},
    {"n/psd.2", "psdm", "", drc_ev_space, "psdm", NULL, 0, 0},
    /* implant enclosure of diff and tap (halo butts no tap to diff, so
       n/psd.6's butting edge never arises), n+ to p+ spacing, area */
    {"n/psd.5a", "nsdm", "diff", drc_ev_enc, "implant", "diff", 0, 0},
    {"n/psd.5b", "nsdm", "tap", drc_ev_enc, "implant", "tap", 0, 0},
    {"n/psd.7", "nsdm", "diff", drc_ev_space2, "ndifftap", "pdifftap", 0, 0},
    {"n/psd.10a", "nsdm", "", drc_ev_area, "nsdm", NULL, 0, 0},
    {"n/psd.10b", "psdm", "", drc_ev_area, "psdm", NULL, 0, 0},
    {"npc.1", "npc", "", drc_ev_width, "npc", NULL, 0, 0},
    {"npc.2", "npc", "", drc_ev_space, "npc", NULL, 0, 0},
    {"npc.4", "npc", "poly", drc_ev_space2, "npc", "gate", 0, 0},
    {"licon.18", "npc", "licon1", drc_ev_contains, "npc", "licon_poly", 0, 0},
    {"licon.15", "npc", "licon1", drc_ev_enc, "npc", "licon_poly", 0, 0},
    {"rpm.1a", "rpm", "", drc_ev_width, "rpm", NULL, 0, 0},
    {"rpm.2", "rpm", "", drc_ev_space, "rpm", NULL, 0, 0},
    {"rpm.2", "urpm", "", drc_ev_space, "urpm", NULL, 0, 0},
    {"rpm.3", "rpm", "poly", drc_ev_enc, "rpm", "xhr_rp", 0, 0},
    {"rpm.4", "psdm", "poly", drc_ev_enc, "psdm", "xhr_rpm", 0, 0},
    {"rpm.5", "npc", "poly", drc_ev_enc, "npc", "xhr_rpm", 0, 0},
    {"rpm.6", "rpm", "nsdm", drc_ev_space2, "rpm", "nsdm", 0, 0},
    {"rpm.7", "rpm", "poly", drc_ev_space2, "rpm", "poly", 0, 0},
    {"hvtp.1", "hvtp", "", drc_ev_width, "hvtp", NULL, 0, 0},
    {"hvtp.2", "hvtp", "", drc_ev_space, "hvtp", NULL, 0, 0},
    {"hvtp.3", "hvtp", "poly", drc_ev_enc, "hvtp", "gate_hvtp", 0, 0},
    {"hvtp.4", "hvtp", "poly", drc_ev_space2, "hvtp", "gate_nohvtp", 0, 0},
    {"hvtp.5", "hvtp", "", drc_ev_area, "hvtp", NULL, 0, 0},
    {"lvtn.1a", "lvtn", "", drc_ev_width, "lvtn", NULL, 0, 0},
    {"lvtn.2", "lvtn", "", drc_ev_space, "lvtn", NULL, 0, 0},
    {"lvtn.3a", "lvtn", "poly", drc_ev_space2, "lvtn", "gate_nolvtn", 0, 0},
    {"lvtn.4b", "lvtn", "poly", drc_ev_enc, "lvtn", "gate_lvtn", 0, 0},
    {"lvtn.9", "lvtn", "hvtp", drc_ev_space2, "lvtn", "hvtp", 1, 0},
    {"lvtn.10", "nwell", "lvtn", drc_ev_enc, "nwell", "lvtn_nw", 0, 0},
    {"lvtn.13", "lvtn", "", drc_ev_area, "lvtn", NULL, 0, 0},
    {"li.1", "li1", "", drc_ev_width, "li_m", NULL, 0, 0},
    {"li.3", "li1", "", drc_ev_space, "li_m", NULL, 0, 0},
    {"li.5", "li1", "licon1", drc_ev_enc1, "li_m", "licon_sq", 0, 0},
    /* LU: S/D diffusion within reach of a tap contact of the other type */
    {"LU.2", "diff", "tap", drc_ev_reach, "sdiff_n", "psc", 0, 0},
    {"LU.3", "diff", "tap", drc_ev_reach, "sdiff_p", "nsc_nw", 0, 0},
    {"li.6", "li1", "", drc_ev_area, "li_m", NULL, 0, 0},
    {"ct.1", "mcon", "", drc_ev_width, "mcon_a", NULL, 0, 0},
    {"ct.2", "mcon", "", drc_ev_space, "mcon_a", NULL, 0, 0},
    {"m1.1", "met1", "", drc_ev_width, "met1_m", NULL, 0, 0},
    {"m1.2", "met1", "", drc_ev_space, "met1_m", NULL, 0, 0},
    {"m1.3a", "met1", "", drc_ev_huge, "met1_m", NULL, 0, 0},   /* m1.3b: the same check */
    {"m1.4", "met1", "mcon", drc_ev_enc, "met1", "mcon", 0, 0},
    {"m1.5", "met1", "mcon", drc_ev_enc1, "met1", "mcon", 0, 0},
    {"m1.6", "met1", "", drc_ev_area, "met1_m", NULL, 0, 0},
    {"via.1a", "via", "", drc_ev_width, "via_a", NULL, 0, 110},
    {"via.2", "via", "", drc_ev_space, "via_a", NULL, 0, -110},
    {"via.4a", "met1", "via", drc_ev_enc, "met1", "via", 0, 0},
    {"via.5a", "met1", "via", drc_ev_enc1, "met1", "via", 0, 0},
    {"m2.1", "met2", "", drc_ev_width, "met2_m", NULL, 0, 0},
    {"m2.2", "met2", "", drc_ev_space, "met2_m", NULL, 0, 0},
    {"m2.3a", "met2", "", drc_ev_huge, "met2_m", NULL, 0, 0},
    {"m2.4", "met2", "via", drc_ev_enc, "met2", "via", 0, 0},
    {"m2.5", "met2", "via", drc_ev_enc1, "met2", "via", 0, 0},
    {"m2.6", "met2", "", drc_ev_area, "met2_m", NULL, 0, 0},
    {"via2.1a", "via2", "", drc_ev_width, "via2_a", NULL, 0, 80},
    {"via2.2", "via2", "", drc_ev_space, "via2_a", NULL, 0, -80},
    {"via2.4", "met2", "via2", drc_ev_enc, "met2", "via2", 0, 0},
    {"via2.5", "met2", "via2", drc_ev_enc1, "met2", "via2", 0, 0},
    {"m3.1", "met3", "", drc_ev_width, "met3_nocap", NULL, 0, 0},
    {"m3.2", "met3", "", drc_ev_space, "met3_m", NULL, 0, 0},
    {"m3.3c", "met3", "", drc_ev_huge, "met3_m", NULL, 0, 0},
    {"m3.4", "met3", "via2", drc_ev_enc, "met3", "via2", 0, 0},
    {"m3.6", "met3", "", drc_ev_area, "met3_m", NULL, 0, 0},
    {"via3.1", "via3", "", drc_ev_width, "via3_a", NULL, 0, 120},
    {"via3.1", "via3", "", drc_ev_width, "via3c_a", NULL, 0, 120},
    {"via3.2", "via3", "", drc_ev_space, "via3_a", NULL, 0, -120},
    {"via3.2", "via3", "", drc_ev_space, "via3c_a", NULL, 0, -120},
    /* a via3 on a MIM top plate sits on capm, not met3 (capm.4) */
    {"via3.4", "met3", "via3", drc_ev_enc, "met3", "via3_off", 0, 0},
    {"via3.5", "met3", "via3", drc_ev_enc1, "met3", "via3_off", 0, 0},
    {"m4.1", "met4", "", drc_ev_width, "met4_m", NULL, 0, 0},
    {"m4.2", "met4", "", drc_ev_space, "met4_m", NULL, 0, 0},
    {"m4.3", "met4", "via3", drc_ev_enc, "met4", "via3_off", 0, 0},
    /* on a MIM top plate Magic asks met4 around the via3 only in one
       direction, and of its mimcc contact area (the via grown by via3.4,
       itself metal4): that area grown by m4.3 - via3.4 = 5 nm across x or
       across y must be metal4 */
    {"m4.3", "met4", "via3", drc_ev_enc1, "met4_m", "via3c_g", 0, -60},
    {"m4.4a", "met4", "", drc_ev_area, "met4_m", NULL, 0, 0},
    {"m4.5a", "met4", "", drc_ev_huge, "met4_m", NULL, 0, 0},
    {"via4.1", "via4", "", drc_ev_width, "via4_a", NULL, 0, 380},
    {"via4.2", "via4", "", drc_ev_space, "via4_a", NULL, 0, -380},
    {"via4.4", "met4", "via4", drc_ev_enc, "met4", "via4_off", 0, 0},
    {"m5.1", "met5", "", drc_ev_width, "met5_m", NULL, 0, 0},
    {"m5.2", "met5", "", drc_ev_space, "met5_m", NULL, 0, 0},
    {"m5.3", "met5", "via4", drc_ev_enc, "met5", "via4", 0, 0},
    {"m5.4", "met5", "", drc_ev_area, "met5_m", NULL, 0, 0},
    {"capm.1", "capm", "", drc_ev_width, "capm", NULL, 0, 0},
    {"capm.2a", "capm", "", drc_ev_space, "capm", NULL, 0, 0},
    /* bottom plates apart, plate to plate: the rule text, though Magic's cifspacing for it
       does not fire (a corpus case marks Magic blind to it) */
    {"capm.2b", "met3", "capm", drc_ev_space, "mim_bottom", NULL, 1, 0},
    {"capm.3", "met3", "capm", drc_ev_enc, "met3", "capm", 0, 0},
    /* Magic's hierarchical reading: met3 drawn over part of a capm */
    {"capm.3", "met3", "capm", drc_ev_capm_cut, "met3", "capm", 0, 0},
    /* capm.10: the capacitor lies over a layer wholly or not at all */
    {"capm.10", "capm", "nwell", drc_ev_straddle, "capm", "nwell", 0, 0},
    {"capm.10", "capm", "diff", drc_ev_straddle, "capm", "diff", 0, 0},
    {"capm.10", "capm", "tap", drc_ev_straddle, "capm", "tap", 0, 0},
    {"capm.10", "capm", "poly", drc_ev_straddle, "capm", "poly", 0, 0},
    {"capm.10", "capm", "li1", drc_ev_straddle, "capm", "li1", 0, 0},
    {"capm.10", "capm", "met1", drc_ev_straddle, "capm", "met1", 0, 0},
    {"capm.4", "capm", "via3", drc_ev_enc, "capm", "via3_cap", 0, 0},
    {"capm.5", "capm", "via3", drc_ev_space2, "capm", "via3_off", 0, 0},
    {"capm.8", "capm", "via2", drc_ev_space2, "capm", "via2", 1, 0},
    {"cap2m.1", "cap2m", "", drc_ev_width, "cap2m", NULL, 0, 0},
    {"cap2m.2a", "cap2m", "", drc_ev_space, "cap2m", NULL, 0, 0},
    {"cap2m.3", "met4", "cap2m", drc_ev_enc, "met4", "cap2m", 0, 0},
    {"cap2m.4", "cap2m", "via4", drc_ev_enc, "cap2m", "via4_cap", 0, 0},
    {"cap2m.5", "cap2m", "via4", drc_ev_space2, "cap2m", "via4_off", 0, 0},
    {"cap2m.8", "cap2m", "via3", drc_ev_space2, "cap2m", "via3", 1, 0},
    /* Magic checks rpm spacing between the resistors themselves, rpm.2 +
       2 * rpm.3 (rpm is no Magic layer: it only types the poly) */
    {"rpm.2", "rpm", "", drc_ev_space, "resall", NULL, 1, 400},
    /* rpm is no Magic layer (it only types the poly): Magic checks the
       resistor itself, to n+ diffusion at rpm.3 + rpm.6 + nsd.5a and to
       unrelated poly at rpm.3 + rpm.7 */
    {"rpm.6", "rpm", "nsdm", drc_ev_space2, "resall", "ndiff", 1, 580},
    {"rpm.7", "rpm", "poly", drc_ev_space2, "resall", "poly_nr", 1, 200},
    {"rpm.9", "poly", "hvntm", drc_ev_space2, "respoly", "hvntm", 1, 0},
};

/* Rules Magic's drc(full) checks that tech.json has no entry for; their
 * ids are Magic's. */
static char x_nw4[] = "nwell.4", x_l16[] = "licon.16", x_kind[] = "contains", x_nwell[] = "nwell",
            x_tap[] = "tap", x_licon[] = "licon1", x_src[] = "sky130A.tech (Magic)";
static char x_d1[] = "every nwell holds a contacted n-tap", x_d2[] = "every tap is contacted";
const tech_rule drc_extra_rules[] = {
    {x_nw4, x_kind, x_nwell, x_tap, 0, 0, x_d1, x_src},
    {x_l16, x_kind, x_tap, x_licon, 0, 0, x_d2, x_src},
};
const drc_rule_def drc_extra_defs[] = {
    {"nwell.4", "nwell", "tap", drc_ev_contains, "nwell", "nsc", 0, 0},
    {"licon.16", "tap", "licon1", drc_ev_contains, "tap_impl", "licon_tap", 0, 0},
};

const int drc_rule_count = (int)(sizeof drc_rule_table / sizeof *drc_rule_table);
const int drc_extra_count = (int)(sizeof drc_extra_defs / sizeof *drc_extra_defs);
