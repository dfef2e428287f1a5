/*
 * design_verify.c -- a design's verification: built-in DRC, extraction,
 * LVS and parasitics, the external engines' verdicts kept for the
 * reports, and the post-layout netlist made from the parasitics
 * (design.h).  Every check flattens its cell afresh (lay_flat), so a
 * result always describes the layout as it was when the check ran.
 */
#include "design_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "layout/flat.h"

static void forget_drc(design_verify *v)
{
    drc_free(v->drc);
    free(v->drc_cell);
    for (int i = 0; i < v->ndrc_layers; i++) free(v->drc_layers[i]);
    free(v->drc_layers);
    free(v->engine_drc);
    v->drc = NULL;
    v->drc_cell = NULL;
    v->drc_layers = NULL;
    v->ndrc_layers = 0;
    v->engine_drc = NULL;
}

static void forget_lvs(design_verify *v)
{
    lvs_free(v->lvs);
    free(v->lvs_cell);
    free(v->engine_lvs);
    v->lvs = NULL;
    v->lvs_cell = NULL;
    v->engine_lvs = NULL;
}

static void forget_extraction(design_verify *v)
{
    pex_free(v->pex);
    extract_free(v->ext);
    flat_free(v->flat);
    v->pex = NULL;
    v->ext = NULL;
    v->flat = NULL;
}

void design_verify_free(halo_design *d)
{
    forget_drc(&d->v);
    forget_lvs(&d->v);
    forget_extraction(&d->v);
}

static char *cell_name(halo_design *d, int cell)
{
    return su_strdup(design_layout(d)->cells[cell]->name);
}

/* ---------------------------------------------------------------- DRC */

int design_check_drc(halo_design *d, int cell, int *violations, halo_err *err)
{
    (void)err;
    design_verify *v = &d->v;
    lay_lib *lib = design_layout(d);
    lay_flat *flat = flat_build(lib, cell);
    forget_drc(v);
    v->drc = drc_run(flat, d->tech);
    v->drc_cell = cell_name(d, cell);
    /* the layer names now: the library may be replaced before the report */
    v->ndrc_layers = lib->nlayers;
    v->drc_layers = halo_xcalloc((size_t)lib->nlayers + 1, sizeof *v->drc_layers);
    for (int i = 0; i < lib->nlayers; i++) v->drc_layers[i] = su_strdup(lib->layers[i].name);
    flat_free(flat);
    *violations = v->drc->n;
    return 0;
}

const drc_result *design_drc(const halo_design *d, const char **cell, const char *const **layer_names,
                             int *nlayers)
{
    if (cell) *cell = d->v.drc_cell;
    if (layer_names) *layer_names = (const char *const *)d->v.drc_layers;
    if (nlayers) *nlayers = d->v.ndrc_layers;
    return d->v.drc;
}

void design_keep_engine_drc(halo_design *d, int cell, const char *verdict)
{
    forget_drc(&d->v);
    d->v.engine_drc = su_strdup(verdict);
    d->v.drc_cell = cell_name(d, cell);
}

const char *design_engine_drc(const halo_design *d)
{
    return d->v.engine_drc;
}

void design_keep_engine_lvs(halo_design *d, int cell, const char *verdict)
{
    forget_lvs(&d->v);
    d->v.engine_lvs = su_strdup(verdict);
    d->v.lvs_cell = cell_name(d, cell);
}

const char *design_engine_lvs(const halo_design *d)
{
    return d->v.engine_lvs;
}

/* ---------------------------------------------------------------- extraction */

int design_extract(halo_design *d, int cell, const ext_result **out, halo_err *err)
{
    design_verify *v = &d->v;
    lay_lib *lib = design_layout(d);
    forget_extraction(v);
    v->flat = flat_build(lib, cell);
    v->ext = extract_run(v->flat, d->tech, lib->cells[cell]->name, err);
    if (!v->ext) {
        flat_free(v->flat);
        v->flat = NULL;
        return 1;
    }
    if (out) *out = v->ext;
    return 0;
}

/* ---------------------------------------------------------------- LVS */

static netlist *read_schematic(const char *file, const char *cell, halo_err *err)
{
    spice_read_opts ro = {.top = cell, .wmode = NETLIST_W_TOTAL};
    netlist *nl = spice_read_file(file, &ro, err);
    if (!nl) {
        ro.top = NULL;
        halo_err_clear(err);
        nl = spice_read_file(file, &ro, err);
    }
    return nl;
}

netlist *design_schematic(halo_design *d, const char *file, const char *cell, int *owned, halo_err *err)
{
    *owned = 0;
    if (file) {
        netlist *nl = read_schematic(file, cell, err);
        *owned = nl != NULL;
        return nl;
    }
    netlist *nl = design_need_netlist(d, err);
    if (!nl) return NULL;
    for (int i = 0; i < nl->ndevs; i++)
        if (netlist_is_mos(&nl->devs[i]) && nl->devs[i].nf < 1) {
            halo_err_set(err, HALO_E_VER_SCHEMATIC, NULL, 0,
                         "The design's finger counts are not set: set_fingers first, or give -netlist FILE.");
            return NULL;
        }
    if (netlist_count_sim_only(nl) == 0) return nl;
    /* ideal sources are simulation-only: not in the layout, not compared */
    *owned = 1;
    return netlist_layout_view(nl);
}

/* Append an item to an LVS result (what extraction saw that the netlists
 * cannot show). */
static void add_lvs_item(lvs_result *r, const char *kind, const char *layout, const char *schematic,
                         const char *message)
{
    r->items = realloc(r->items, (size_t)(r->nitems + 1) * sizeof *r->items);
    if (!r->items) abort();
    lvs_item *it = &r->items[r->nitems++];
    it->kind = su_strdup(kind);
    it->layout = su_strdup(layout);
    it->schematic = su_strdup(schematic);
    it->message = su_strdup(message);
    r->match = 0;
}

int design_check_lvs(halo_design *d, int cell, const netlist *schematic, int *match, halo_err *err)
{
    if (design_extract(d, cell, NULL, err) != 0) return 1;
    design_verify *v = &d->v;
    forget_lvs(v);
    lvs_opts lo;
    lvs_opts_default(&lo);
    v->lvs = lvs_compare(v->ext->nl, schematic, &lo);
    v->lvs_cell = cell_name(d, cell);
    /* what Netgen would not see: a label on two unconnected pieces, a pin
     * on no shape */
    for (int i = 0; i < v->ext->nwarnings; i++) {
        const ext_warning *w = &v->ext->warnings[i];
        if (strcmp(w->code, "name_conflict") == 0) continue;
        const char *net = w->net >= 0 ? v->ext->nl->nets[w->net].name : "";
        add_lvs_item(v->lvs, w->code, net, "", w->message);
    }
    *match = v->lvs->match;
    return 0;
}

const lvs_result *design_lvs(const halo_design *d, const char **cell)
{
    if (cell) *cell = d->v.lvs_cell;
    return d->v.lvs;
}

/* ---------------------------------------------------------------- PEX */

/* The design's ideal sources, each pin on the extracted net LVS matches
 * with its schematic net: the post-layout netlist simulates with the same
 * bias as the schematic.  0, or an error naming a net without a
 * counterpart. */
static int sim_only_extras(const netlist *design, const ext_result *ext, pex_extra **out, int *n,
                           halo_err *err)
{
    *out = NULL;
    *n = 0;
    if (netlist_count_sim_only(design) == 0) return 0;
    netlist *view = netlist_layout_view(design);
    lvs_opts lo;
    lvs_opts_default(&lo);
    lvs_result *r = lvs_compare(ext->nl, view, &lo);
    int rc = 0;
    *out = halo_xcalloc((size_t)netlist_count_sim_only(design), sizeof **out);
    for (int i = 0; i < design->ndevs && !rc; i++) {
        const netlist_device *dv = &design->devs[i];
        if (!netlist_is_sim_only(dv)) continue;
        int *pin_net = halo_xmalloc((size_t)(dv->npins ? dv->npins : 1) * sizeof *pin_net);
        (*out)[(*n)++] = (pex_extra){dv, pin_net};
        for (int k = 0; k < dv->npins && !rc; k++) {
            const char *name = design->nets[dv->pins[k].net].name;
            int gnd = strcmp(name, "0") == 0;
            pin_net[k] = gnd ? -1 : r->net_map[dv->pins[k].net];
            if (!gnd && pin_net[k] < 0) {
                char why[400];
                snprintf(why, sizeof why, "The post-layout netlist needs %s on net %s, which has no counterpart in "
                         "the layout (run check_lvs to see why).", dv->name, name);
                rc = halo_err_set(err, HALO_E_VER_SCHEMATIC, NULL, 0, why);
            }
        }
    }
    lvs_free(r);
    netlist_free(view);
    return rc;
}

/* The post-layout netlist: named and ported like the design when there is
 * one whose ports all exist in the layout, else like the extraction. */
static char *post_netlist(halo_design *d, halo_err *err)
{
    const ext_result *ext = d->v.ext;
    const netlist *design = d->nl;
    const netlist *named = ext->nl;
    if (design) {
        int all = 1;
        for (int i = 0; i < design->nports && all; i++)
            all = netlist_net_find(ext->nl, design->nets[design->ports[i]].name) >= 0;
        if (all) named = design;
    }
    const char **ports = halo_xcalloc((size_t)named->nports + 1, sizeof *ports);
    for (int i = 0; i < named->nports; i++) ports[i] = named->nets[named->ports[i]].name;
    pex_extra *extra = NULL;
    int nextra = 0;
    char *text = NULL;
    if (!design || sim_only_extras(design, ext, &extra, &nextra, err) == 0)
        text = pex_spice_with(d->v.pex, ext, named->name, ports, named->nports, extra, nextra, err);
    for (int i = 0; i < nextra; i++) free((int *)extra[i].pin_net);
    free(extra);
    free(ports);
    return text;
}

int design_extract_parasitics(halo_design *d, int cell, pex_mode mode, const tech_pex_set *set,
                              const pex_result **pex, const ext_result **ext, halo_err *err)
{
    if (design_extract(d, cell, NULL, err) != 0) return 1;
    design_verify *v = &d->v;
    v->pex = pex_run_set(v->flat, v->ext, d->tech, set, mode, err);
    if (!v->pex) return 1;
    char *text = post_netlist(d, err);
    if (!text) return 1;
    design_set_post(d, text, "extract_parasitics");   /* takes text */
    if (pex) *pex = v->pex;
    if (ext) *ext = v->ext;
    return 0;
}
