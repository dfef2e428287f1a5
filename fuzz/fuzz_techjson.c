/*
 * fuzz_techjson.c -- libFuzzer harness of the tech.json loader
 * (tech_load_json, behind `pdk load PATH`), and of what a loaded
 * technology is first used for.
 *
 * The input is the text of a tech.json (tech_load refuses a file with NUL
 * bytes before parsing it, so such input stops here).  Oracles:
 *   - a refused file comes with a message;
 *   - an accepted one keeps the invariants tech.h promises: a name, a grid
 *     of 1..1000 nm, every length a whole number of grid steps in
 *     0..1 m, GDS numbers in 0..32767, layer names unique, every rule's
 *     layer (and other layer) one of the tech's, known kinds, device types
 *     of the netlist_json vocabulary, min <= max, pex sets carrying one
 *     entry per pex layer; the finders find what the arrays hold;
 *   - loading the same text again gives the same values;
 *   - then, as after `pdk load` and read_spice: a small netlist (an
 *     nfet_01v8, an 18k resistor, a 1p capacitor) is mapped onto it
 *     (techmap) and each device is drawn (devgen), which must succeed or
 *     fail with a message -- and never overflow, whatever the rule values.
 * halo writes no tech.json, so there is no round trip to check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layout/devgen.h"
#include "layout/layout.h"
#include "netlist/netlist.h"
#include "tech/tech.h"
#include "tech/techmap.h"

#define NEED(c) do { if (!(c)) abort(); } while (0)

static int on_grid(int64_t nm, int32_t grid)
{
    return nm >= 0 && nm <= 1000000000 && nm % grid == 0;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_invariants(const halo_tech *t)
{
    NEED(t->name && t->name[0] && t->source_file);
    int32_t g = t->grid_nm;
    NEED(g >= 1 && g <= 1000);
    NEED(t->n_layers >= 1);
    for (int i = 0; i < t->n_layers; i++) {
        const tech_layer *l = &t->layers[i];
        NEED(l->name[0] && l->kind && l->direction && l->source);
        NEED(l->gds_layer >= 0 && l->gds_layer <= 32767 && l->gds_datatype >= 0 && l->gds_datatype <= 32767);
        NEED(l->pin_datatype >= -1 && l->label_datatype >= -1);
        NEED(on_grid(l->width_nm, g) && on_grid(l->spacing_nm, g) && on_grid(l->pitch_nm, g));
        NEED(tech_find_layer(t, l->name) == l);   /* unique names */
    }
    for (int i = 0; i < t->n_rules; i++) {
        const tech_rule *r = &t->rules[i];
        NEED(r->id && r->kind && r->other && r->source && r->description);
        NEED(tech_find_layer(t, r->layer));
        NEED(!r->other[0] || tech_find_layer(t, r->other));
        NEED(on_grid(r->value_nm, g) && r->value_nm2 >= 0);
        NEED(tech_find_rule(t, r->id) != NULL);
    }
    for (int i = 0; i < t->n_devices; i++) {
        const tech_device *d = &t->devices[i];
        netlist_devtype type;
        NEED(netlist_devtype_parse(d->type, &type) == 0 && d->pins[0] && d->source);
        NEED(on_grid(d->w_min_nm, g) && on_grid(d->w_max_nm, g) && on_grid(d->l_min_nm, g) && on_grid(d->l_max_nm, g));
        NEED(d->w_max_nm == 0 || d->w_min_nm <= d->w_max_nm);
        NEED(d->l_max_nm == 0 || d->l_min_nm <= d->l_max_nm);
        NEED((d->n_widths == 0) == (d->widths_nm == NULL));
        for (int k = 0; k < d->n_widths; k++) NEED(on_grid(d->widths_nm[k], g));
        NEED(tech_find_device(t, d->name) == d && tech_find_device(t, d->model) == d);
    }
    for (int i = 0; i < t->n_pex_layers; i++) NEED(t->pex_layers[i].layer && on_grid(t->pex_layers[i].sidewall_offset_nm, g));
    for (int i = 0; i < t->n_pex_sets; i++) {
        const tech_pex_set *s = &t->pex_sets[i];
        NEED(s->name && s->source && s->n_layers == t->n_pex_layers);
        for (int k = 0; k < s->n_layers; k++) NEED(strcmp(s->layers[k].layer, t->pex_layers[k].layer) == 0);
        NEED(tech_find_pex_set(t, s->name) != NULL);
    }
}

/* Two loads of one text must agree (spot checks of every array). */
static void check_same(const halo_tech *a, const halo_tech *b)
{
    NEED(same_str(a->name, b->name) && same_str(a->description, b->description) && a->grid_nm == b->grid_nm);
    NEED(same_str(a->spice_subckt_prefix, b->spice_subckt_prefix));
    NEED(a->n_layers == b->n_layers && a->n_rules == b->n_rules && a->n_devices == b->n_devices);
    NEED(a->n_pex_layers == b->n_pex_layers && a->n_pex_contacts == b->n_pex_contacts);
    NEED(a->n_pex_overlaps == b->n_pex_overlaps && a->n_pex_sets == b->n_pex_sets);
    for (int i = 0; i < a->n_layers; i++) {
        const tech_layer *x = &a->layers[i], *y = &b->layers[i];
        NEED(same_str(x->name, y->name) && x->gds_layer == y->gds_layer && x->gds_datatype == y->gds_datatype);
        NEED(x->width_nm == y->width_nm && x->spacing_nm == y->spacing_nm && x->pitch_nm == y->pitch_nm);
    }
    for (int i = 0; i < a->n_rules; i++)
        NEED(same_str(a->rules[i].id, b->rules[i].id) && a->rules[i].value_nm == b->rules[i].value_nm
             && a->rules[i].value_nm2 == b->rules[i].value_nm2);
    for (int i = 0; i < a->n_devices; i++)
        NEED(same_str(a->devices[i].model, b->devices[i].model) && a->devices[i].w_min_nm == b->devices[i].w_min_nm
             && a->devices[i].sheet_ohm == b->devices[i].sheet_ohm);
}

/* What read_spice does next with the technology: map, then draw. */
static void use(const halo_tech *t)
{
    netlist *nl = netlist_new("fuzz");
    int vdd = netlist_net_get(nl, "vdd"), out = netlist_net_get(nl, "out"), gnd = netlist_net_get(nl, "vss");
    netlist_add_port(nl, vdd);
    netlist_add_port(nl, out);
    netlist_add_port(nl, gnd);
    int m = netlist_device_add(nl, "XM1", NL_NMOS, 'X', "sky130_fd_pr__nfet_01v8");
    const char *roles[] = {"D", "G", "S", "B"};
    const int nets[] = {out, vdd, gnd, gnd};
    for (int i = 0; i < 4; i++) netlist_device_add_pin(nl, m, roles[i], nets[i]);
    netlist_param_set(&nl->devs[m], "W", 2);
    netlist_param_set(&nl->devs[m], "L", 0.15);
    netlist_set_nf(&nl->devs[m], 2);
    int r = netlist_device_add(nl, "R1", NL_RES, 'R', "");
    netlist_device_add_pin(nl, r, "P", vdd);
    netlist_device_add_pin(nl, r, "N", out);
    netlist_param_set(&nl->devs[r], "r", 18e3);
    int c = netlist_device_add(nl, "C1", NL_CAP, 'C', "");
    netlist_device_add_pin(nl, c, "P", out);
    netlist_device_add_pin(nl, c, "N", gnd);
    netlist_param_set(&nl->devs[c], "c", 1e-12);
    halo_err err;
    halo_err_clear(&err);
    if (techmap_apply(nl, t, &err) != 0) {
        NEED(err.id != HALO_OK && err.msg[0]);
        netlist_free(nl);
        return;
    }
    lay_lib *lib = lay_lib_new("fuzz", t);
    devgen_opts o = {1};
    for (int i = 0; i < nl->ndevs; i++) {
        devgen_spec s;
        halo_err_clear(&err);
        int rc = devgen_spec_from_device(&nl->devs[i], t, &o, &s, &err);
        if (rc < 0) NEED(err.id != HALO_OK && err.msg[0]);
        if (rc <= 0) continue;
        halo_err_clear(&err);
        if (devgen_build(lib, t, &s, &err) < 0) NEED(err.id != HALO_OK && err.msg[0]);
    }
    lay_lib_free(lib);
    netlist_free(nl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '\0', size)) return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    halo_err err;
    halo_err_clear(&err);
    halo_tech *t = tech_load_json(text, "fuzz.json", &err);
    if (!t) {
        NEED(err.id != HALO_OK && err.msg[0]);   /* refused without a message */
        free(text);
        return 0;
    }
    check_invariants(t);
    halo_tech *again = tech_load_json(text, "fuzz.json", &err);
    NEED(again);
    check_same(t, again);
    tech_free(again);
    use(t);
    tech_free(t);
    free(text);
    return 0;
}
