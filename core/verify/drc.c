/*
 * drc.c -- the DRC driver: named regions (tech layers and the derived
 * layers of derive_table, built on demand and cached for one run), the
 * result list, and drc_run, which looks every tech rule up in the rule
 * table (drc_rules.c) and runs its evaluators (drc_eval.c).  See drc.h.
 */
#include "drc_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

/* ---- derived layers: what each means ---------------------------------- */

typedef enum { D_AND, D_NOT, D_OR, D_SEL, D_UNSEL, D_GROW, D_CLOSE, D_CUT } drc_op;
typedef struct derive_def {
    const char *name;
    drc_op op;
    const char *a, *b;        /* D_GROW: a grown by grow_nm; D_CLOSE: a grown
                                 then shrunk by grow_nm; b unused */
    int32_t grow_nm;
    int32_t open_nm;          /* D_CUT: closing by grow_nm, opening by
                                 open_nm, or'ed with a (Magic's cifinput
                                 of a contact) */
} derive_def;

static const derive_def derive_table[] = {
    {"gate", D_AND, "poly", "diff", 0, 0},              /* transistor channel */
    {"fpoly", D_NOT, "poly", "diff", 0, 0},             /* field poly */
    {"difftap", D_OR, "diff", "tap", 0, 0},
    /* Magic reads a licon as a contact only where li1 and the layer it
       contacts are both present (its cifinput ANDs them); a licon without
       li1 is not a contact and no contact rule applies to it */
    {"licon_li", D_AND, "licon1", "li1", 0, 0},
    {"implant", D_OR, "nsdm", "psdm", 0, 0},
    {"licon_lii", D_AND, "licon_li", "implant", 0, 0},  /* diff contacts need an implant too */
    {"licon_diff", D_AND, "licon_lii", "diff", 0, 0},   /* S/D contacts */
    {"licon_tap", D_AND, "licon_lii", "tap", 0, 0},     /* tap contacts */
    {"licon_dt", D_OR, "licon_diff", "licon_tap", 0, 0},
    {"resmark", D_OR, "rpm", "urpm", 0, 0},             /* precision resistor implants */
    {"licon_nodt", D_NOT, "licon_li", "difftap", 0, 0},
    {"licon_pcall", D_AND, "licon_nodt", "poly", 0, 0},
    {"licon_pc", D_UNSEL, "licon_pcall", "resmark", 0, 0},   /* poly contacts */
    {"licon_sq", D_OR, "licon_dt", "licon_pc", 0, 0},   /* ordinary square contacts */
    {"licon_poly", D_AND, "licon1", "poly", 0, 0},      /* any licon on poly (licon.18) */
    {"nsc", D_AND, "licon_tap", "nsdm", 0, 0},          /* n-tap contacts */
    {"nsc_nw", D_AND, "nsc", "nwell", 0, 0},
    {"psc", D_AND, "licon_tap", "psdm", 0, 0},          /* p-tap contacts */
    {"ndiff", D_AND, "diff", "nsdm", 0, 0},
    {"ndifftap", D_AND, "difftap", "nsdm", 0, 0},       /* n+ diff and tap (n/psd.7) */
    {"pdifftap", D_AND, "difftap", "psdm", 0, 0},
    {"ntap", D_AND, "tap", "nsdm", 0, 0},
    {"ptap", D_AND, "tap", "psdm", 0, 0},
    {"sdiff_n", D_NOT, "ndiff", "poly", 0, 0},          /* n source/drain (Magic's ndiff) */
    {"sdiff_p", D_NOT, "pdev", "poly", 0, 0},
    {"respoly", D_SEL, "poly", "resmark", 0, 0},     /* resistor body and heads */
    {"respoly_r", D_AND, "poly", "resmark", 0, 0},
    {"polyres_p", D_AND, "poly", "polyres", 0, 0},
    /* P+ resistor bodies as Magic types them: xhrpoly needs rpm, psdm
       and npc, uhrpoly urpm and npc */
    {"xhr_rpm", D_AND, "polyres_p", "rpm", 0, 0},
    {"xhr_rp", D_AND, "xhr_rpm", "psdm", 0, 0},
    {"xhr_u", D_AND, "polyres_p", "urpm", 0, 0},
    {"xhr_any", D_OR, "xhr_rp", "xhr_u", 0, 0},
    {"xhr", D_AND, "xhr_any", "npc", 0, 0},
    {"mrp1", D_NOT, "polyres_p", "resmark", 0, 0},   /* N+ poly resistor bodies */
    {"via3_cap", D_SEL, "via3", "capm", 0, 0},          /* top-plate vias */
    /* Magic's mim_bottom: the capm bloated into all the met3 it touches */
    {"mim_met3", D_SEL, "met3", "capm", 0, 0},
    {"mim_bottom", D_OR, "mim_met3", "capm", 0, 0},
    {"via3_off", D_UNSEL, "via3", "capm", 0, 0},
    {"via4_cap", D_SEL, "via4", "cap2m", 0, 0},
    {"via4_off", D_UNSEL, "via4", "cap2m", 0, 0},
    {"gate_hvtp", D_SEL, "gate", "hvtp", 0, 0},
    {"gate_nohvtp", D_UNSEL, "gate", "hvtp", 0, 0},
    {"gate_lvtn", D_SEL, "gate", "lvtn", 0, 0},
    {"gate_nolvtn", D_UNSEL, "gate", "lvtn", 0, 0},
    {"lvtn_nw", D_SEL, "lvtn", "nwell", 0, 0},
    /* Magic reads diffusion without nsdm as p-type (a gate there is a
       pfet), which needs an nwell around it */
    {"pdev", D_NOT, "diff", "nsdm", 0, 0},
    /* Magic's p-tap (psd) and n-tap (nsd): tap under its implant, and
       tap under no implant within 0.5 um of such a tap */
    {"psd_real", D_NOT, "ptap", "nwell", 0, 0},
    {"nsd_real", D_AND, "ntap", "nwell", 0, 0},
    {"psd_near", D_GROW, "psd_real", NULL, 500, 0},
    {"nsd_near", D_GROW, "nsd_real", NULL, 500, 0},
    {"tap_noimp", D_NOT, "tap", "implant", 0, 0},
    {"psd_x", D_AND, "tap_noimp", "psd_near", 0, 0},
    {"nsd_x", D_AND, "tap_noimp", "nsd_near", 0, 0},
    {"tap_typed", D_OR, "ptap", "ntap", 0, 0},
    {"tap_x", D_OR, "psd_x", "nsd_x", 0, 0},
    {"tap_impl", D_OR, "tap_typed", "tap_x", 0, 0},
    /* Magic's contact areas carry their metals: a via is read as the cut
       grown by its all-round enclosure, and counts as metal of both layers
       (area, width and spacing of the metal see it); an mcon is li1 */
    {"via_g", D_GROW, "via", NULL, 55, 0},
    {"via2_g", D_GROW, "via2", NULL, 40, 0},
    {"via3_g", D_GROW, "via3_off", NULL, 60, 0},
    {"via3c_g", D_GROW, "via3_cap", NULL, 60, 0},
    {"via4_g", D_GROW, "via4_off", NULL, 190, 0},
    /* Magic's xpc: a resistor head (poly in rpm/urpm off the polyres
       marker, plus 60 nm back into the body) is one poly-li contact
       whatever licon slots are drawn in it */
    {"reshead0", D_NOT, "respoly_r", "polyres", 0, 0},
    {"reshead_g", D_GROW, "reshead0", NULL, 60, 0},
    {"xpc", D_AND, "reshead_g", "poly", 0, 0},
    /* Magic's contact areas, as its cifinput builds them (cut_area): cuts
       that nearly touch merge into one contact, so the cut size is a
       minimum width of the area and cut spacing is between areas */
    {"ndc_b", D_AND, "licon_diff", "nsdm", 0, 0},
    {"pdc_b", D_AND, "licon_diff", "psdm", 0, 0},
    {"nsc_b", D_AND, "licon_tap", "nsdm", 0, 0},
    {"psc_b", D_AND, "licon_tap", "psdm", 0, 0},
    {"ndc_a", D_CUT, "ndc_b", NULL, 85, 85},
    {"pdc_a", D_CUT, "pdc_b", NULL, 85, 85},
    {"nsc_a", D_CUT, "nsc_b", NULL, 85, 85},
    {"psc_a", D_CUT, "psc_b", NULL, 85, 85},
    {"ncont_a", D_OR, "ndc_a", "nsc_a", 0, 0},
    {"pcont_a", D_OR, "pdc_a", "psc_a", 0, 0},
    {"pc_a", D_CUT, "licon_pc", NULL, 85, 85},
    {"mcon_a", D_CUT, "mcon", NULL, 95, 85},
    {"via_a", D_CUT, "via_g", NULL, 30, 130},
    {"via2_a", D_CUT, "via2_g", NULL, 60, 140},
    {"via3_a", D_CUT, "via3_g", NULL, 40, 160},
    {"via3c_a", D_CLOSE, "via3c_g", NULL, 40, 0},
    {"via4_a", D_CUT, "via4_g", NULL, 210, 590},
    {"xhr_body", D_NOT, "xhr", "xpc", 0, 0},
    {"resall", D_OR, "xhr", "xpc", 0, 0},       /* P+ resistors with heads */
    {"resany", D_OR, "resall", "mrp1", 0, 0},
    {"poly_nr", D_UNSEL, "poly", "resany", 0, 0},  /* poly of no resistor */
    {"li_c", D_OR, "li1", "mcon", 0, 0},
    {"li_m", D_OR, "li_c", "xpc", 0, 0},
    {"met1_c", D_OR, "met1", "mcon", 0, 0},
    {"met1_m", D_OR, "met1_c", "via_g", 0, 0},
    {"met2_c", D_OR, "met2", "via_g", 0, 0},
    {"met2_m", D_OR, "met2_c", "via2_g", 0, 0},
    {"met3_c", D_OR, "met3", "via2_g", 0, 0},
    {"met3_m", D_OR, "met3_c", "via3_g", 0, 0},
    {"met3_nocap", D_NOT, "met3_m", "capm", 0, 0},      /* Magic's m3: not the MIM plate */
    {"met4_c", D_OR, "met4", "via3_g", 0, 0},
    {"met4_c2", D_OR, "met4_c", "via3c_g", 0, 0},
    {"met4_m", D_OR, "met4_c2", "via4_g", 0, 0},
    {"met5_m", D_OR, "met5", "via4_g", 0, 0},
};

#define N_DERIVED ((int)(sizeof derive_table / sizeof *derive_table))

/* ---- name lookup ----------------------------------------------------------
 * Names are looked up for every rule and every evaluator: string maps built
 * once per run (derived names, layer names, rule ids) and a cache by
 * pointer (names come from static tables, so one pointer is one name)
 * replace the linear strcmp scans. */

static uint32_t str_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Open addressing, power-of-two size; the first insert of a key wins (as
 * the first match of a linear scan would). */
static void smap_init(drc_smap *m, int n)
{
    m->size = 16;
    while (m->size < 2 * n) m->size *= 2;
    m->key = halo_xcalloc((size_t)m->size, sizeof *m->key);
    m->val = halo_xmalloc((size_t)m->size * sizeof *m->val);
}

static void smap_put(drc_smap *m, const char *k, int v)
{
    uint32_t i = str_hash(k) & (uint32_t)(m->size - 1);
    for (; m->key[i]; i = (i + 1) & (uint32_t)(m->size - 1))
        if (strcmp(m->key[i], k) == 0) return;
    m->key[i] = k;
    m->val[i] = v;
}

static int smap_get(const drc_smap *m, const char *k)
{
    uint32_t i = str_hash(k) & (uint32_t)(m->size - 1);
    for (; m->key[i]; i = (i + 1) & (uint32_t)(m->size - 1))
        if (strcmp(m->key[i], k) == 0) return m->val[i];
    return -1;
}

static void smap_free(drc_smap *m)
{
    free(m->key);
    free(m->val);
}

/* The slot of a name: derived layers first (they shadow tech layers of the
 * same name), then tech layers; -1 for a name that is neither. */
static int name_slot(drc_ctx *c, const char *name)
{
    int d = smap_get(&c->derived, name);
    if (d >= 0) return d;
    int L = smap_get(&c->layers, name);
    return L >= 0 ? N_DERIVED + L : -1;
}

/* A tech layer's index as flat_layer_find gives it. */
static int layer_index(drc_ctx *c, const char *name)
{
    return smap_get(&c->layers, name);
}

/* Pointer cache: slot by the name's address. */
static int ptr_slot(drc_ctx *c, const char *name)
{
    uint32_t mask = (uint32_t)(sizeof c->pkey / sizeof *c->pkey - 1);
    uint32_t i = (uint32_t)(((uintptr_t)name >> 3) * 2654435761u) & mask;
    for (uint32_t probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
        if (c->pkey[i] == name) return c->pval[i];
        if (c->pkey[i]) continue;
        c->pkey[i] = name;
        return c->pval[i] = name_slot(c, name);
    }
    return name_slot(c, name);   /* full: look it up every time */
}

/* ---- deriving ------------------------------------------------------------ */

/* Close by grow_nm; for D_CUT then open by open_nm and add the cuts back:
 * cuts that nearly touch become one contact area, and a thin bridge the
 * closing made between misaligned cuts is dropped again. */
static drc_rgn *cut_area(drc_rgn *a, const derive_def *d)
{
    drc_rgn *g = drc_rgn_grow(a, d->grow_nm), *r = drc_rgn_shrink(g, d->grow_nm);
    drc_rgn_free(g);
    if (d->op == D_CLOSE) return r;
    drc_rgn *s = drc_rgn_shrink(r, d->open_nm), *o = drc_rgn_grow(s, d->open_nm);
    drc_rgn *out = drc_rgn_or(o, a);
    drc_rgn_free(r);
    drc_rgn_free(s);
    drc_rgn_free(o);
    return out;
}

/* Which components of a meet b, shared by the select and the unselect of
 * one pair (via3_cap and via3_off ...). */
static const char *touched(drc_ctx *c, drc_rgn *a, drc_rgn *b)
{
    for (int i = 0; i < c->nsel; i++)
        if (c->sel[i].a == a && c->sel[i].b == b) return c->sel[i].hitc;
    if (c->nsel == c->capsel) {
        c->capsel = c->capsel ? 2 * c->capsel : 8;
        c->sel = halo_xrealloc(c->sel, (size_t)c->capsel * sizeof *c->sel);
    }
    c->sel[c->nsel] = (drc_selc){a, b, drc_rgn_touched(a, b)};
    return c->sel[c->nsel++].hitc;
}

/* Derived entry d; *alias set when the result is an operand itself (an
 * empty operand decides it: no geometry, no copy). */
static drc_rgn *derive(drc_ctx *c, const derive_def *d, int *alias)
{
    static drc_rgn none;        /* the empty region: never written */
    *alias = 1;
    drc_rgn *a = drc_named(c, d->a);
    if (a->n == 0) return d->op == D_OR ? drc_named(c, d->b) : a;
    *alias = 0;
    if (d->op == D_GROW) return drc_rgn_grow(a, d->grow_nm);
    if (d->op == D_CLOSE || d->op == D_CUT) return cut_area(a, d);
    drc_rgn *b = drc_named(c, d->b);
    *alias = 1;
    if (b->n == 0) return d->op == D_AND || d->op == D_SEL ? &none : a;
    *alias = 0;
    switch (d->op) {
    case D_AND: return drc_rgn_and(a, b);
    case D_NOT: return drc_rgn_not(a, b);
    case D_OR: return drc_rgn_or(a, b);
    default: return drc_rgn_pick(a, touched(c, a, b), d->op == D_UNSEL);
    }
}

static drc_rgn *build_slot(drc_ctx *c, int k, int *alias)
{
    if (k < N_DERIVED) return derive(c, &derive_table[k], alias);
    *alias = 0;
    const flat_layer *L = &c->f->layers[k - N_DERIVED];
    return drc_rgn_new(L->boxes, L->n);
}

/* The region of a name, built on first use and cached for the run. */
drc_rgn *drc_named(drc_ctx *c, const char *name)
{
    static drc_rgn none;        /* unknown names: empty */
    int k = ptr_slot(c, name);
    if (k < 0) return &none;
    if (!c->rg[k]) {
        int alias;
        drc_rgn *r = build_slot(c, k, &alias);
        c->rg[k] = r;
        c->own[k] = !alias;
    }
    return c->rg[k];
}

/* ---- results ----------------------------------------------------------- */

int drc_reported(const drc_ctx *c, lay_box where)
{
    const drc_result *r = c->res;
    for (int k = r->n - 1; k >= 0 && r->v[k].rule == c->rule->id; k--)
        if (memcmp(&r->v[k].box, &where, sizeof where) == 0) return 1;
    return 0;
}

void drc_report(drc_ctx *c, lay_box where, int64_t measured, int64_t required)
{
    drc_report_as(c, c->rule->kind, where, measured, required);
}

void drc_report_as(drc_ctx *c, const char *kind, lay_box where, int64_t measured, int64_t required)
{
    drc_result *r = c->res;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->v = halo_xrealloc(r->v, (size_t)r->cap * sizeof *r->v);
    }
    r->v[r->n++] = (drc_violation){c->rule->id, kind, c->layer, where, measured, required};
}


/* ---- driver ------------------------------------------------------------- */

/* Rule table entries by id: head[hash] is the first entry, next[k] the
 * one after k, in table order (so rules run in the order of the table). */
static void rule_index(drc_ctx *c, int *head, int *next, int nhead)
{
    for (int h = 0; h < nhead; h++) head[h] = -1;
    for (int k = drc_rule_count - 1; k >= 0; k--) {
        int h = (int)(str_hash(drc_rule_table[k].id) & (uint32_t)(nhead - 1));
        next[k] = head[h];
        head[h] = k;
    }
    (void)c;
}

static int def_matches(const drc_rule_def *d, const tech_rule *t)
{
    return strcmp(d->id, t->id) == 0 && strcmp(d->layer, t->layer) == 0 &&
           strcmp(d->other, t->other ? t->other : "") == 0;
}

static void ctx_init(drc_ctx *c)
{
    const lay_lib *lib = c->f->lib;
    smap_init(&c->derived, N_DERIVED);
    for (int i = 0; i < N_DERIVED; i++) smap_put(&c->derived, derive_table[i].name, i);
    smap_init(&c->layers, lib->nlayers);
    for (int i = 0; i < lib->nlayers; i++) smap_put(&c->layers, lib->layers[i].name, i);
    c->nrg = N_DERIVED + c->f->nlayers;
    c->rg = halo_xcalloc((size_t)c->nrg, sizeof *c->rg);
    c->own = halo_xcalloc((size_t)c->nrg, 1);
}

static void ctx_free(drc_ctx *c)
{
    for (int i = 0; i < c->nrg; i++)
        if (c->own[i]) drc_rgn_free(c->rg[i]);
    free(c->rg);
    free(c->own);
    for (int i = 0; i < c->nsel; i++) free(c->sel[i].hitc);
    free(c->sel);
    smap_free(&c->derived);
    smap_free(&c->layers);
}

static void run_tech_rules(drc_ctx *c)
{
    enum { NHEAD = 256 };
    int head[NHEAD], *next = halo_xmalloc((size_t)drc_rule_count * sizeof *next);
    rule_index(c, head, next, NHEAD);
    for (int i = 0; i < c->tech->n_rules; i++) {
        const tech_rule *t = &c->tech->rules[i];
        int used = 0;
        for (int k = head[str_hash(t->id) & (NHEAD - 1)]; k >= 0; k = next[k]) {
            if (!def_matches(&drc_rule_table[k], t)) continue;
            c->rule = t;
            c->layer = layer_index(c, t->layer);
            drc_rule_table[k].eval(c, &drc_rule_table[k], t->value_nm + drc_rule_table[k].add);
            used = 1;
        }
        c->res->rules_checked += used;
    }
    free(next);
}

drc_result *drc_run(lay_flat *flat, const halo_tech *tech)
{
    drc_result *res = halo_xcalloc(1, sizeof *res);
    if (!flat || !tech) return res;
    drc_ctx c = {.f = flat, .tech = tech, .res = res};
    ctx_init(&c);
    run_tech_rules(&c);
    for (int k = 0; k < drc_extra_count; k++) {
        c.rule = &drc_extra_rules[k];
        c.layer = layer_index(&c, drc_extra_rules[k].layer);
        drc_extra_defs[k].eval(&c, &drc_extra_defs[k], 0);
        res->rules_checked++;
    }
    ctx_free(&c);
    return res;
}

void drc_free(drc_result *r)
{
    if (!r) return;
    free(r->v);
    free(r);
}
