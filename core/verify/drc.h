/*
 * drc.h -- halo's in-process design-rule check: the sky130 rules of the
 * technology (tech.json, official ids) run over a flattened cell.
 *
 * Owns: drc_result and its violations; the rule table (drc_rules.c)
 * mapping each official rule id to the evaluator that knows what the rule
 * means (drc_eval.c) and the layers it reads, tech layers or derived ones
 * (drc.c: gate = poly AND diff, a licon on diff vs on poly, tap vs diff);
 * the region geometry it is built on (drc_geom.c, drc_int.h).
 * Callers: the check_drc command, the placer/router cross-checks, tests.
 *
 * Semantics follow Magic's drc(full) with sky130A.tech (8.3.105, read
 * with scalegrid 1 2 and cif istyle sky130(vendor)), the arbiter of a
 * layout's verdict; where Magic reads a rule differently from tech.json
 * the rule table follows Magic and says so:
 *   - every layer is merged into regions first, so shapes that touch or
 *     overlap are one region and never violate spacing between them;
 *   - width is Magic's edge rule: the strip of the rule's depth inside each
 *     boundary edge must be all layer; spacing looks the rule's depth beyond
 *     each edge, so a notch (a gap inside one region) is spacing too, and
 *     two shapes meeting only at a corner point are a violation;
 *   - at corners the spacing distance is max(dx, dy): Magic's corner check
 *     is a square (sky130A.tech does not turn on its Euclidean option);
 *   - layers are typed as Magic's cifinput types them: a licon is a
 *     contact only with li1 and its diff/tap (under an implant) or poly;
 *     cuts become contact areas (vias grown by their enclosure, cuts that
 *     nearly touch merged), which also count as metal of both layers; diff
 *     without nsdm is p-type; implant-less tap near a tap is that tap's
 *     type; a resistor head (rpm poly off polyres) is one poly contact;
 *   - enclosure checks each edge of the inner shape (not the corners);
 *     enclosure_one_side is Magic's "surround ... directional": the larger
 *     value on both sides in x or on both sides in y.
 * LU.2/LU.3 are checked as Magic does: every point of an S/D diffusion
 * within 15 um (a square grow) of a tap contact of the other type.
 * Two Magic rules have no tech.json entry and report Magic's ids:
 * nwell.4 (every nwell holds a contacted n-tap) and licon.16 (every tap
 * is contacted).
 *
 * Rules Magic's tech does not check but the foundry's rule text and the
 * open_pdks KLayout deck do, checked as the deck codes them: the implant
 * rules n/psd.1/2/5a/5b/7/10a/10b, npc.1/2/4, licon.18, rpm.1a/2-7,
 * capm.10 (straddle), capm.2b plate to plate (Magic's cifspacing for it
 * does not fire), and the exact size of every cut (licon.1, ct.1, via.1a,
 * via2.1a, via3.1, via4.1; Magic accepts any contact area from the
 * minimum up).  capm.3 also catches met3 drawn over another cell's capm,
 * which Magic, reading the hierarchy, takes for a cut through the cap.
 *
 * Not checked (by id, with why):
 *   n/psd.6        butting edge: halo never butts a tap to diffusion.
 *   licon.13/15    licon to npc / npc enclosure of a poly licon: the deck
 *                  codes neither; licon.18 (npc holds the licon) stands.
 *   ct.4           mcon is li1 itself in Magic: li1 encloses it by 0.
 *   poly.6         butting tap only; halo never butts a tap to diffusion.
 *   licon.5b, difftap.4/5/7  butted-tap rules: same reason.
 *   licon.2b/2c/2d resistor slots: Magic reads the head as one contact.
 *   m1.3b, m2.3b, m3.3d, m4.5b  the same check as the "a" rule.
 *   licon.12       max S/D width without contact: "NC" (not checked) in
 *                  the rule text; the KLayout deck's marker is waived
 *                  (engines.tcl), Magic has none.
 *   npc.5          max npc enclosure: recommended, not in Magic's deck.
 *   m1.7, m2.7     hole area: halo draws no rings on met1/met2.
 *   li.1a, li.7    li1 in s8rf2 cells / li1 resistors: halo draws neither.
 *   licon.10       varactor only.
 *   difftap.2b, licon.11a  inside areaid.sc (standard cells): none here.
 *   lvtn.3b, poly.1b  lvtn devices: halo draws no lvtn.
 *   nwell.5/6/7, dnwell.*  deep nwell: halo draws none.
 *   rpm.1b-f       allowed resistor widths: the generator picks from the
 *                  list; Magic does not check them as widths.
 *   capm.11, cap2m.11  capm to unrelated met3: Magic implements it
 *                  differently from the CSV (sky130.md 6.1); the router
 *                  keeps unrelated met3 capm.2b + capm.3 away, the larger.
 *   cap2m.2b       the second MIM's plate spacing: capm.2b's evaluator
 *                  would do, not wired up (no example uses cap_mim_m3_2).
 *   density rules: not in tech.json.
 */
#ifndef HALO_DRC_H
#define HALO_DRC_H

#include <stdint.h>

#include "layout/flat.h"
#include "layout/layout.h"
#include "tech/tech.h"

typedef struct drc_violation {
    const char *rule;      /* official id from tech, e.g. "m1.2" (points into the tech) */
    const char *kind;      /* rule kind: width spacing enclosure ... */
    int layer;             /* layer index checked */
    lay_box box;           /* where, top-cell nm: the offending edge pair / shape */
    int64_t measured;      /* nm, or nm^2 for area rules */
    int64_t required;      /* nm or nm^2 */
} drc_violation;

typedef struct drc_result {
    drc_violation *v;
    int n, cap;
    int rules_checked;     /* tech rules the run evaluated */
} drc_result;

/* Check flat against every rule of tech halo knows how to check.  Never
 * NULL; the result points into tech (rule ids), which must outlive it.
 * Reads flat's index (queries are not reentrant, so not concurrently with
 * another user of the same flat). */
drc_result *drc_run(lay_flat *flat, const halo_tech *tech);
void drc_free(drc_result *r);

#endif
