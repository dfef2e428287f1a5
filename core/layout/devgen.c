/*
 * devgen.c -- device generator front end (see devgen.h): rule values from
 * the technology, specs from netlist devices, cell names, building a cell
 * (draw, move to the origin, halo) and describing it.
 */
#include "devgen_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Magic's slot spacing for precision-resistor heads: wider than licon.2b
 * (0.35) so the slot counts per width are those of rpm.1g-1k (1 1 2 4 8). */
#define RES_SLOT_SPACING_NM 520

/* ---------------------------------------------------------------- rules */

typedef struct rule_ref {
    const char *id;
    size_t offset;
} rule_ref;

#define RULE(id, field) {id, offsetof(devgen_rules, field)}
static const rule_ref rule_refs[] = {
    RULE("poly.2", poly_sp),        RULE("poly.8", endcap),       RULE("poly.7", diff_ext),
    RULE("poly.4", poly_diff),      RULE("poly.5", poly_tap),     RULE("licon.1", licon),
    RULE("licon.2", licon_sp),      RULE("licon.5a", diff_enc),   RULE("licon.5c", diff_enc1),
    RULE("licon.7", tap_enc1),      RULE("licon.8", poly_enc),    RULE("licon.8a", poly_enc1),
    RULE("licon.11", licon_gate),   RULE("licon.14", pc_diff),    RULE("licon.15", npc_enc),
    RULE("npc.4", npc_gate),        RULE("li.1", li_w),           RULE("li.3", li_sp),
    RULE("li.5", li_enc1),          RULE("ct.1", mcon),           RULE("ct.2", mcon_sp),
    RULE("m1.4", m1_enc),           RULE("m1.5", m1_enc1),        RULE("m1.2", m1_sp),
    RULE("difftap.3", diff_sp),     RULE("difftap.8", nw_enc_diff), RULE("difftap.10", nw_enc_tap),
    RULE("n/psd.5a", impl_enc),     RULE("capm.1", capm_w),       RULE("m3.1", m3_w),       RULE("m3.2", m3_sp),
    RULE("capm.3", m3_enc_capm),
    RULE("capm.4", capm_enc_via3),  RULE("via3.1", via3),         RULE("via3.2", via3_sp),
    RULE("m4.3", m4_enc_via3),      RULE("rpm.1a", rpm_w),        RULE("rpm.3", rpm_enc),
    RULE("rpm.4", res_psdm_enc),    RULE("rpm.5", res_npc_enc),   RULE("licon.1b", slot_w),
    RULE("licon.1c", slot_l),
};

static int missing_rule(halo_err *err, const char *id)
{
    char why[160];
    snprintf(why, sizeof why, "The technology has no rule %s, which the device generators draw with", id);
    halo_err_set(err, HALO_E_DEV_STATE, NULL, 0, why);
    return -1;
}

int devgen_rules_of(const halo_tech *tech, devgen_rules *r, halo_err *err)
{
    memset(r, 0, sizeof *r);
    r->grid = tech->grid_nm > 0 ? tech->grid_nm : 1;
    for (size_t i = 0; i < sizeof rule_refs / sizeof rule_refs[0]; i++) {
        const tech_rule *tr = tech_find_rule(tech, rule_refs[i].id);
        if (!tr) return missing_rule(err, rule_refs[i].id);
        *(int32_t *)((char *)r + rule_refs[i].offset) = tr->value_nm;
    }
    const tech_rule *area = tech_find_rule(tech, "m1.6"), *l9 = tech_find_rule(tech, "licon.9");
    if (!area || !l9) return missing_rule(err, !area ? "m1.6" : "licon.9");
    r->m1_area = area->value_nm2;
    /* A poly contact keeps licon.9 from psdm, which reaches n/psd.5a
     * beyond p+ diffusion (Magic checks the sum, 0.235). */
    r->pc_pdiff = l9->value_nm + r->impl_enc;
    r->slot_sp = RES_SLOT_SPACING_NM;
    return 0;
}

int devgen_layers_of(const lay_lib *lib, devgen_layers *L, halo_err *err)
{
    static const char *const names[] = {"nwell", "diff", "tap", "poly", "licon1", "npc", "li1", "mcon", "met1",
                                        "met3", "via3", "met4", "capm", "nsdm", "psdm", "rpm", "urpm", "polyres"};
    int *slots[] = {&L->nwell, &L->diff, &L->tap, &L->poly, &L->licon, &L->npc, &L->li1, &L->mcon, &L->met1,
                    &L->met3, &L->via3, &L->met4, &L->capm, &L->nsdm, &L->psdm, &L->rpm, &L->urpm, &L->polyres};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        *slots[i] = lay_layer_find(lib, names[i]);
        if (*slots[i] < 0) {
            char why[160];
            snprintf(why, sizeof why, "The layout has no layer %s, which the device generators draw on", names[i]);
            halo_err_set(err, HALO_E_DEV_STATE, NULL, 0, why);
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- drawing helpers */

int32_t devgen_snap_down(int32_t v, int32_t grid)
{
    int32_t q = v / grid;
    if (v < 0 && q * grid != v) q--;
    return q * grid;
}

int32_t devgen_snap_up(int32_t v, int32_t grid)
{
    return -devgen_snap_down(-v, grid);
}

int devgen_cut_count(int32_t span, int32_t cut, int32_t sp)
{
    if (span < cut) return 0;
    return (int)((span - cut) / (cut + sp)) + 1;
}

int32_t devgen_cut_offset(int32_t span, int n, int32_t cut, int32_t sp, int32_t grid)
{
    if (n <= 0) return 0;
    int32_t used = n * cut + (n - 1) * sp;
    return devgen_snap_down((span - used) / 2, grid);
}

void devgen_rect(devgen_ctx *g, int layer, int32_t x0, int32_t y0, int32_t x1, int32_t y1, int net)
{
    lay_rect_add(g->cell, layer, lay_box_make(x0, y0, x1, y1), net);
}

void devgen_cut_row(devgen_ctx *g, int layer, int32_t x, int32_t y, int n, int32_t cut, int32_t sp, int dir,
                    int net)
{
    for (int i = 0; i < n; i++) {
        int32_t d = i * (cut + sp);
        if (dir == 0) devgen_rect(g, layer, x + d, y, x + d + cut, y + cut, net);
        else devgen_rect(g, layer, x, y + d, x + cut, y + d + cut, net);
    }
}

/* ---------------------------------------------------------------- specs */

static int param_fail(halo_err *err, const char *who, const char *why)
{
    halo_err_set(err, HALO_E_DEV_PARAM, NULL, 0, who, why);
    return -1;
}

static int32_t um_to_grid_nm(double um, int32_t grid)
{
    double nm = um * 1000.0;
    return (int32_t)(floor(nm / grid + 0.5) * grid);
}

/* who names the device in errors: the instance (M1) or the model. */
static int spec_mos(const halo_tech *tech, const char *who, const char *device, double w_total_um, double l_um,
                    int nf, int m, int dummies, devgen_spec *spec, halo_err *err)
{
    char why[200];
    const tech_device *dev = tech_find_device(tech, device);
    if (!dev || (strcmp(dev->type, "nmos") != 0 && strcmp(dev->type, "pmos") != 0))
        return param_fail(err, who, "not a transistor of the technology");
    if (strcmp(dev->name, "nfet_01v8") != 0 && strcmp(dev->name, "pfet_01v8") != 0) {
        halo_err_set(err, HALO_E_DEV_KIND, NULL, 0, who, dev->name);
        return -1;
    }
    if (nf < 1 || m < 1) return param_fail(err, who, "nf and m must be positive");
    if ((long long)nf * m > DEVGEN_MAX_GATES) {
        snprintf(why, sizeof why, "nf x m = %d x %d = %lld gates; one device is drawn with at most %d gates "
                 "(split it into several devices)", nf, m, (long long)nf * m, DEVGEN_MAX_GATES);
        return param_fail(err, who, why);
    }
    if (!(w_total_um > 0) || !(l_um > 0) || w_total_um > 1e4 || l_um > 1e3)
        return param_fail(err, who, "W and L must be positive lengths in um");
    memset(spec, 0, sizeof *spec);
    spec->kind = DEVGEN_MOS;
    spec->dev = dev;
    spec->pmos = strcmp(dev->type, "pmos") == 0;
    spec->w_nm = um_to_grid_nm(w_total_um / nf, tech->grid_nm);
    spec->l_nm = um_to_grid_nm(l_um, tech->grid_nm);
    spec->nf = nf;
    spec->m = m;
    spec->dummies = dummies;
    if (spec->w_nm < dev->w_min_nm) {
        snprintf(why, sizeof why, "finger width W/nf = %.4g um is below the minimum %.3g um", w_total_um / nf,
                 dev->w_min_nm / 1000.0);
        return param_fail(err, who, why);
    }
    if (spec->l_nm < dev->l_min_nm || (dev->l_max_nm > 0 && spec->l_nm > dev->l_max_nm)) {
        snprintf(why, sizeof why, "L = %.4g um is outside %.3g..%.3g um", l_um, dev->l_min_nm / 1000.0,
                 dev->l_max_nm / 1000.0);
        return param_fail(err, who, why);
    }
    return 0;
}

int devgen_spec_mos(const halo_tech *tech, const char *device, double w_total_um, double l_um, int nf,
                    int m, int dummies, devgen_spec *spec, halo_err *err)
{
    return spec_mos(tech, device, device, w_total_um, l_um, nf, m, dummies, spec, err);
}

int devgen_spec_cap(const halo_tech *tech, const char *device, double w_um, double l_um, devgen_spec *spec,
                    halo_err *err)
{
    char why[200];
    const tech_device *dev = tech_find_device(tech, device);
    if (!dev || strcmp(dev->type, "cap") != 0) return param_fail(err, device, "not a capacitor of the technology");
    if (strcmp(dev->name, "cap_mim_m3_1") != 0) {
        halo_err_set(err, HALO_E_DEV_KIND, NULL, 0, device, dev->name);
        return -1;
    }
    memset(spec, 0, sizeof *spec);
    spec->kind = DEVGEN_MIMCAP;
    spec->dev = dev;
    spec->w_nm = um_to_grid_nm(w_um, tech->grid_nm);
    spec->l_nm = um_to_grid_nm(l_um, tech->grid_nm);
    devgen_rules rules;
    if (devgen_rules_of(tech, &rules, err) != 0) return -1;
    const devgen_rules *r = &rules;
    if (spec->w_nm < r->capm_w || spec->l_nm < r->capm_w || w_um > 1000 || l_um > 1000) {
        snprintf(why, sizeof why, "W x L = %.4g x %.4g um: each side must be %.3g..1000 um (capm.1)", w_um, l_um,
                 r->capm_w / 1000.0);
        return param_fail(err, device, why);
    }
    /* capm.6: aspect ratio at most 20 */
    if (spec->w_nm > 20 * (int64_t)spec->l_nm || spec->l_nm > 20 * (int64_t)spec->w_nm)
        return param_fail(err, device, "the aspect ratio of a MIM capacitor may not exceed 20 (capm.6)");
    double wc = w_um - 0.025, lc = l_um - 0.025;   /* sky130.md §4.2: m3_dw */
    spec->value = dev->cap_area_f_per_um2 * wc * lc + dev->cap_perim_f_per_um * 2 * (wc + lc);
    return 0;
}

/* Narrowest fixed-width res_high_po cell whose length for `ohms` is at
 * least the minimum length. */
static const tech_device *res_for_value(const halo_tech *tech, const char *family, double ohms,
                                        const tech_device *generic)
{
    for (int k = 0; generic->widths_nm && k < generic->n_widths; k++) {
        char name[64];
        int32_t w = generic->widths_nm[k];
        snprintf(name, sizeof name, "%s_%dp%02d", family, w / 1000, (w % 1000) / 10);
        const tech_device *d = tech_find_device(tech, name);
        if (!d || d->sheet_ohm <= 0) continue;
        double l = (ohms - d->end_ohm) / d->sheet_ohm * (w / 1000.0);
        if (l * 1000.0 >= d->l_min_nm) return d;
    }
    return NULL;
}

int devgen_spec_res(const halo_tech *tech, const char *device, double w_um, double l_um, double ohms,
                    devgen_spec *spec, halo_err *err)
{
    char why[200];
    const tech_device *dev = tech_find_device(tech, device);
    if (!dev || strcmp(dev->type, "res") != 0) return param_fail(err, device, "not a resistor of the technology");
    if (strncmp(dev->name, "res_high_po", 11) != 0 && strncmp(dev->name, "res_xhigh_po", 12) != 0) {
        halo_err_set(err, HALO_E_DEV_KIND, NULL, 0, device, dev->name);
        return -1;
    }
    if (l_um <= 0 && ohms > 0 && dev->n_widths > 1) {
        const tech_device *fixed = res_for_value(tech, strncmp(dev->name, "res_x", 5) == 0 ? "res_xhigh_po"
                                                                                         : "res_high_po", ohms, dev);
        if (!fixed) {
            snprintf(why, sizeof why, "%.4g ohm is below what the shortest resistor of the family gives", ohms);
            return param_fail(err, device, why);
        }
        dev = fixed;
    }
    if (w_um <= 0) w_um = dev->n_widths == 1 ? dev->widths_nm[0] / 1000.0 : 0.69;
    int32_t w = um_to_grid_nm(w_um, tech->grid_nm);
    int ok = 0;
    for (int k = 0; dev->widths_nm && k < dev->n_widths; k++) ok |= dev->widths_nm[k] == w;
    if (!ok) {
        snprintf(why, sizeof why, "W = %.4g um is not one of the allowed widths (rpm.1b-f)", w_um);
        return param_fail(err, device, why);
    }
    if (l_um <= 0) {
        if (!(ohms > 0)) return param_fail(err, device, "give a length L or a value r");
        l_um = (ohms - dev->end_ohm) / dev->sheet_ohm * (w / 1000.0);
    }
    memset(spec, 0, sizeof *spec);
    spec->kind = DEVGEN_POLYRES;
    spec->dev = dev;
    spec->w_nm = w;
    spec->l_nm = um_to_grid_nm(l_um, tech->grid_nm);
    if (spec->l_nm < dev->l_min_nm || l_um > 2000) {
        snprintf(why, sizeof why, "L = %.4g um is outside %.3g..2000 um", l_um, dev->l_min_nm / 1000.0);
        return param_fail(err, device, why);
    }
    spec->value = dev->sheet_ohm * spec->l_nm / (double)w + dev->end_ohm;
    return 0;
}

static double param_or(const netlist_device *d, const char *name, double dflt)
{
    double v;
    return netlist_param_get(d, name, &v) == 0 ? v : dflt;
}

int devgen_spec_from_device(const netlist_device *d, const halo_tech *tech, const devgen_opts *o,
                            devgen_spec *spec, halo_err *err)
{
    int dummies = o ? o->dummies : 0;
    double m = param_or(d, "m", 1);
    if (m != floor(m) || m < 1) {
        char why[120];
        snprintf(why, sizeof why, "m = %g must be a positive whole number", m);
        return param_fail(err, d->name, why);
    }
    if (m > DEVGEN_MAX_GATES) {
        char why[200];
        snprintf(why, sizeof why, "m = %g copies; one device is drawn with at most %d gates "
                 "(split it into several devices)", m, DEVGEN_MAX_GATES);
        return param_fail(err, d->name, why);
    }
    if (netlist_is_mos(d)) {
        if (d->nf < 1)
            return param_fail(err, d->name, "its finger count is not set yet (nf=ZZZ); run set_fingers first");
        double l = param_or(d, "L", 0);
        return spec_mos(tech, d->name, d->model, netlist_total_w(d), l, d->nf, (int)m, dummies, spec, err) ? -1 : 1;
    }
    if (d->type == NL_CAP) {
        if ((int)m != 1) return param_fail(err, d->name, "m > 1 is not drawn for capacitors; use one larger W x L");
        if (d->model && *d->model)
            return devgen_spec_cap(tech, d->model, param_or(d, "W", 0), param_or(d, "L", 0), spec, err) ? -1 : 1;
        double c = param_or(d, "c", 0);
        if (!(c > 0)) return param_fail(err, d->name, "a capacitor needs a value");
        /* a square MIM: 2.0 fF/um2 area + 0.19 fF/um perimeter (sky130.md §4.2) */
        const tech_device *mim = tech_find_device(tech, "cap_mim_m3_1");
        if (!mim) return param_fail(err, d->name, "the technology has no cap_mim_m3_1");
        double a = mim->cap_area_f_per_um2, p = 4 * mim->cap_perim_f_per_um;
        double side = (-p + sqrt(p * p + 4 * a * c)) / (2 * a) + 0.025;
        return devgen_spec_cap(tech, "cap_mim_m3_1", side, side, spec, err) ? -1 : 1;
    }
    if (d->type == NL_RES) {
        if ((int)m != 1) return param_fail(err, d->name, "m > 1 is not drawn for resistors");
        const char *model = d->model && *d->model ? d->model : "res_high_po";
        double l = param_or(d, "L", 0), w = param_or(d, "W", 0), r = param_or(d, "r", 0);
        if (!(d->model && *d->model)) l = 0, w = 0;
        return devgen_spec_res(tech, model, w, l, r, spec, err) ? -1 : 1;
    }
    if (d->type == NL_VSRC || d->type == NL_ISRC) return 0;
    halo_err_set(err, HALO_E_DEV_KIND, NULL, 0, d->name,
                 d->model && *d->model ? d->model : netlist_devtype_name(d->type));
    return -1;
}

/* ---------------------------------------------------------------- naming */

/* µm with up to 3 decimals, '.' written as 'p': 2.1 -> "2p1". */
static void um_text(int64_t nm, char *out, size_t len)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.3f", nm / 1000.0);
    char *dot = strchr(buf, '.');
    char *end = buf + strlen(buf);
    while (end > dot + 1 && end[-1] == '0') *--end = '\0';
    if (end == dot + 1) *dot = '\0';
    else *dot = 'p';
    snprintf(out, len, "%s", buf);
}

void devgen_cell_name(const devgen_spec *s, char *out, size_t len)
{
    char w[40], l[40];
    if (s->kind == DEVGEN_MOS) {
        um_text((int64_t)s->w_nm * s->nf, w, sizeof w);
        um_text(s->l_nm, l, sizeof l);
        int n = snprintf(out, len, "%s_w%s_l%s_nf%d", s->dev->name, w, l, s->nf);
        if (s->m > 1 && n > 0 && (size_t)n < len) n += snprintf(out + n, len - (size_t)n, "_m%d", s->m);
        if (s->dummies && n > 0 && (size_t)n < len) snprintf(out + n, len - (size_t)n, "_dum");
    } else if (s->kind == DEVGEN_MIMCAP) {
        um_text(s->w_nm, w, sizeof w);
        um_text(s->l_nm, l, sizeof l);
        snprintf(out, len, "%s_w%s_l%s", s->dev->name, w, l);
    } else {
        um_text(s->w_nm, w, sizeof w);
        um_text(s->l_nm, l, sizeof l);
        snprintf(out, len, "%s_w%s_l%s", s->dev->name, w, l);
    }
}

/* ---------------------------------------------------------------- build */

static void move_to_origin(lay_cell *c)
{
    lay_box bb = {0, 0, 0, 0};
    for (int i = 0; i < c->nrects; i++) bb = lay_box_union(bb, c->rects[i].box);
    for (int i = 0; i < c->nrects; i++) {
        lay_box *b = &c->rects[i].box;
        b->x0 -= bb.x0, b->x1 -= bb.x0, b->y0 -= bb.y0, b->y1 -= bb.y0;
    }
    for (int i = 0; i < c->npins; i++) {
        lay_box *b = &c->pins[i].box;
        b->x0 -= bb.x0, b->x1 -= bb.x0, b->y0 -= bb.y0, b->y1 -= bb.y0;
    }
}

/* The halo: for every layer the cell draws, half the largest spacing any
 * rule asks of it (to itself or to a layer some device draws) minus how
 * far inside the box the layer stays, per side.  Two cells whose halos do
 * not overlap then keep every such spacing: each contributes its half. */
static void compute_halo(const lay_lib *lib, const halo_tech *tech, const devgen_layers *L, lay_cell *c)
{
    lay_box bb = {0, 0, 0, 0};
    for (int i = 0; i < c->nrects; i++) bb = lay_box_union(bb, c->rects[i].box);
    /* devgen_layers is nothing but layer indices: every layer a device draws */
    const int *drawn_by_devices = (const int *)L;
    const size_t ndrawn = sizeof *L / sizeof(int);
    int grid = tech->grid_nm > 0 ? tech->grid_nm : 1;
    memset(c->halo, 0, sizeof c->halo);
    for (int li = 0; li < lib->nlayers; li++) {
        lay_box ext = {0, 0, 0, 0};
        for (int i = 0; i < c->nrects; i++)
            if (c->rects[i].layer == li) ext = lay_box_union(ext, c->rects[i].box);
        if (lay_box_empty(ext)) continue;
        int32_t need = 0;
        for (int k = 0; k < tech->n_rules; k++) {
            const tech_rule *r = &tech->rules[k];
            if (strcmp(r->kind, "spacing") != 0 && strcmp(r->kind, "spacing_other") != 0) continue;
            int layer_match = strcmp(r->layer, lib->layers[li].name) == 0;
            int other_match = r->other[0] && strcmp(r->other, lib->layers[li].name) == 0;
            if (!layer_match && !other_match) continue;
            if (r->other[0]) {
                /* a two-layer rule counts when devices draw the other layer */
                int o = lay_layer_find(lib, layer_match ? r->other : r->layer), drawn = 0;
                for (size_t d = 0; d < ndrawn; d++)
                    drawn |= o >= 0 && drawn_by_devices[d] == o;
                if (!drawn) continue;
            }
            if (r->value_nm > need) need = r->value_nm;
        }
        int32_t half = devgen_snap_up((need + 1) / 2, grid);
        int32_t inset[4] = {ext.x0 - bb.x0, ext.y0 - bb.y0, bb.x1 - ext.x1, bb.y1 - ext.y1};
        for (int s = 0; s < 4; s++)
            if (half - inset[s] > c->halo[s]) c->halo[s] = half - inset[s];
    }
}

int devgen_build(lay_lib *lib, const halo_tech *tech, const devgen_spec *s, halo_err *err)
{
    char name[160];
    devgen_cell_name(s, name, sizeof name);
    int idx = lay_cell_find(lib, name);
    if (idx >= 0 && lib->cells[idx]->device) return idx;
    /* A cell of that name the generator did not make (read from GDS) has
     * no keep-out and no terminal nets: the generated one replaces it. */
    int imported = idx;
    if (imported >= 0) snprintf(name + strlen(name), sizeof name - strlen(name), "__regenerated");
    devgen_ctx g;
    devgen_rules rules;
    memset(&g, 0, sizeof g);
    g.err = err;
    g.r = &rules;
    if (devgen_rules_of(tech, &rules, err) != 0 || devgen_layers_of(lib, &g.L, err) != 0) return -1;
    idx = lay_cell_new(lib, name);
    g.cell = lib->cells[idx];
    int rc = s->kind == DEVGEN_MOS      ? devgen_draw_mos(&g, s)
           : s->kind == DEVGEN_MIMCAP   ? devgen_draw_mimcap(&g, s)
                                        : devgen_draw_polyres(&g, s);
    if (rc != 0) {
        lay_cell_remove_last(lib);
        return -1;
    }
    move_to_origin(g.cell);
    compute_halo(lib, tech, &g.L, g.cell);
    char desc[200], w[40], l[40];
    um_text(s->kind == DEVGEN_MOS ? (int64_t)s->w_nm * s->nf : s->w_nm, w, sizeof w);
    um_text(s->l_nm, l, sizeof l);
    if (s->kind == DEVGEN_MOS)
        snprintf(desc, sizeof desc, "%s w=%s l=%s nf=%d m=%d", s->dev->name, w, l, s->nf, s->m);
    else
        snprintf(desc, sizeof desc, "%s w=%s l=%s value=%.6g", s->dev->name, w, l, s->value);
    g.cell->device = su_strdup(desc);
    if (imported >= 0) {
        /* the new drawing takes the imported cell's place and name */
        lay_cell *fresh = lib->cells[idx], *old = lib->cells[imported];
        char *fresh_name = fresh->name;
        fresh->name = old->name;
        old->name = fresh_name;
        lib->cells[imported] = fresh;
        lib->cells[idx] = old;
        lay_cell_remove_last(lib);
        return imported;
    }
    return idx;
}

void devgen_describe(const lay_lib *lib, int cell, const devgen_spec *s, devgen_info *info)
{
    memset(info, 0, sizeof *info);
    info->bbox = lay_cell_bbox(lib, cell);
    memcpy(info->halo, lib->cells[cell]->halo, sizeof info->halo);
    info->l_um = s->l_nm / 1000.0;
    if (s->kind == DEVGEN_MOS) {
        info->w_total_um = (double)s->w_nm * s->nf / 1000.0;
        info->fingers = s->nf * s->m;
    } else {
        info->w_total_um = s->w_nm / 1000.0;
        info->value = s->value;
    }
}
