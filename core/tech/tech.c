/*
 * tech.c -- reading a tech.json into a halo_tech, and recording a real PDK.
 *
 * The text is parsed with cJSON, then every entry is checked and copied into
 * plain C arrays, so no caller ever sees cJSON and a bad file is refused as a
 * whole: either the complete tech is returned or NULL with *err naming the
 * source and the entry ("rule 12 (m1.2): value_um missing").  Lengths arrive
 * in µm and must land exactly on the manufacturing grid; they are stored as
 * integer nm (areas as int64 nm^2).  Entries are numbered from 1.
 */
#define _POSIX_C_SOURCE 200809L

#include "tech.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "netlist/netlist.h"
#include "base/strutil.h"

/* What tech_load_json needs while it walks the tree. */
typedef struct load_ctx {
    const char *source;   /* names the input in every error */
    halo_err *err;
    int32_t grid_nm;      /* manufacturing grid, known before any length */
    char entry[128];      /* entry being read, "rule 12 (m1.2)"; "" at top */
} load_ctx;

static const char *const layer_kinds[] = {
    "well", "diff", "tap", "poly", "cut", "metal", "implant", "marker", "cap",
    "boundary", NULL};
static const char *const rule_kinds[] = {
    "width", "spacing", "enclosure", "enclosure_one_side", "extension", "size",
    "area", "hole_area", "notch", "overlap", "max_width", "min_length",
    "spacing_other", "max_distance", "max_enclosure", "allowed_width", "straddle", NULL};
static const char *const corners[] = {"tt", "ss", "ff", "sf", "fs", NULL};

/* Largest length accepted, 1 m: keeps nm values far inside int32_t. */
#define TECH_MAX_UM 1.0e6

/* ---------------------------------------------------------------- helpers */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static int in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0) return 1;
    return 0;
}


/* Format-error with the current entry as prefix; always returns -1. */
__attribute__((format(printf, 2, 3)))
static int fail(load_ctx *c, const char *fmt, ...)
{
    char detail[400], full[560];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (c->entry[0])
        snprintf(full, sizeof full, "%s: %s", c->entry, detail);
    else
        snprintf(full, sizeof full, "%s", detail);
    halo_err_set(c->err, HALO_E_TEC_FORMAT, NULL, 0, c->source, full);
    return -1;
}

static int fail_nomem(load_ctx *c)
{
    halo_err_set(c->err, HALO_E_NOMEM, NULL, 0);
    return -1;
}

static void set_entry(load_ctx *c, const char *what, int index, const char *name)
{
    if (name)
        snprintf(c->entry, sizeof c->entry, "%s %d (%s)", what, index, name);
    else
        snprintf(c->entry, sizeof c->entry, "%s %d", what, index);
}

/* The entry's name for error messages, or NULL when it has none yet. */
static const char *entry_name(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ------------------------------------------------------------ field readers */

/* A string field, copied; an absent optional field becomes "". */
static int get_str(load_ctx *c, const cJSON *o, const char *key, int required,
                   char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v && required) return fail(c, "%s missing", key);
    if (v && !cJSON_IsString(v)) return fail(c, "%s must be a string", key);
    *out = dup_str(v ? v->valuestring : "");
    return *out ? 0 : fail_nomem(c);
}

/* A number field; an absent optional field reads as 0. */
static int get_num(load_ctx *c, const cJSON *o, const char *key, int required,
                   double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = 0;
    if (!v) return required ? fail(c, "%s missing", key) : 0;
    if (!cJSON_IsNumber(v)) return fail(c, "%s must be a number", key);
    *out = v->valuedouble;
    return 0;
}

/* A length in µm that must be a whole number of grid steps, stored in nm. */
static int um_to_nm(load_ctx *c, const char *key, double um, int32_t *out)
{
    if (!(um >= 0 && um <= TECH_MAX_UM))
        return fail(c, "%s = %g um is out of range", key, um);
    double steps = um * 1000.0 / c->grid_nm;
    if (fabs(steps - round(steps)) > 1e-6)
        return fail(c, "%s = %g um is off the %d nm grid", key, um, (int)c->grid_nm);
    *out = (int32_t)(llround(steps) * c->grid_nm);
    return 0;
}

static int get_len(load_ctx *c, const cJSON *o, const char *key, int required,
                   int32_t *out)
{
    double um;
    *out = 0;
    if (get_num(c, o, key, required, &um)) return -1;
    return um_to_nm(c, key, um, out);
}

/* An area in µm² stored in nm²; areas are not grid-checked because the
 * foundry states some (tap 0.07011) that no on-grid rectangle has. */
static int get_area(load_ctx *c, const cJSON *o, const char *key, int64_t *out)
{
    double um2;
    if (get_num(c, o, key, 1, &um2)) return -1;
    if (!(um2 >= 0 && um2 <= TECH_MAX_UM * TECH_MAX_UM))
        return fail(c, "%s = %g um2 is out of range", key, um2);
    *out = llround(um2 * 1.0e6);
    return 0;
}

/* A [layer, datatype] pair; null (or absent, when optional) gives -1 -1. */
static int get_pair(load_ctx *c, const cJSON *o, const char *key, int required,
                    int *layer, int *datatype)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *layer = *datatype = -1;
    if (!v && required) return fail(c, "%s missing", key);
    if (!v || (cJSON_IsNull(v) && !required)) return 0;
    int ok = cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2;
    for (int i = 0; ok && i < 2; i++) {
        const cJSON *n = cJSON_GetArrayItem(v, i);
        ok = cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble <= 32767
             && n->valuedouble == floor(n->valuedouble);
    }
    if (!ok) return fail(c, "%s must be [layer, datatype] with integers 0..32767", key);
    *layer = (int)cJSON_GetArrayItem(v, 0)->valuedouble;
    *datatype = (int)cJSON_GetArrayItem(v, 1)->valuedouble;
    return 0;
}

/* An array member of o; absent optional arrays read as NULL (no entries). */
static int get_array(load_ctx *c, const cJSON *o, const char *key, int required,
                     const cJSON **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v) return required ? fail(c, "%s missing", key) : 0;
    if (!cJSON_IsArray(v)) return fail(c, "%s must be an array", key);
    *out = v;
    return 0;
}

/* Allocate n zeroed elements; n == 0 is fine and gives NULL. */
static int alloc_array(load_ctx *c, const cJSON *arr, size_t elem, void **out, int *n)
{
    *n = arr ? cJSON_GetArraySize(arr) : 0;
    *out = NULL;
    if (*n == 0) return 0;
    *out = calloc((size_t)*n, elem);
    return *out ? 0 : fail_nomem(c);
}

static int check_object(load_ctx *c, const cJSON *v)
{
    return cJSON_IsObject(v) ? 0 : fail(c, "must be an object");
}

/* ------------------------------------------------------------------ layers */

/* Pins and labels are stored as datatypes only, so they must share the
 * drawing layer's GDS layer number. */
static int get_purpose(load_ctx *c, const cJSON *o, const char *key, int gds_layer,
                       int *datatype)
{
    int layer;
    if (get_pair(c, o, key, 0, &layer, datatype)) return -1;
    if (layer >= 0 && layer != gds_layer)
        return fail(c, "%s is on GDS layer %d, not the drawing layer %d", key,
                    layer, gds_layer);
    return 0;
}

static int read_layer(load_ctx *c, const cJSON *o, tech_layer *l)
{
    if (check_object(c, o) || get_str(c, o, "name", 1, &l->name)) return -1;
    if (!l->name[0]) return fail(c, "name is empty");
    if (get_pair(c, o, "gds", 1, &l->gds_layer, &l->gds_datatype)) return -1;
    if (get_purpose(c, o, "pin", l->gds_layer, &l->pin_datatype)) return -1;
    if (get_purpose(c, o, "label", l->gds_layer, &l->label_datatype)) return -1;
    if (get_str(c, o, "kind", 1, &l->kind)) return -1;
    if (!in_list(l->kind, layer_kinds)) return fail(c, "unknown kind \"%s\"", l->kind);
    if (get_str(c, o, "direction", 0, &l->direction)) return -1;
    if (l->direction[0] && strcmp(l->direction, "horizontal") != 0
        && strcmp(l->direction, "vertical") != 0)
        return fail(c, "direction must be horizontal, vertical or \"\"");
    if (get_len(c, o, "width_um", 0, &l->width_nm)) return -1;
    if (get_len(c, o, "spacing_um", 0, &l->spacing_nm)) return -1;
    if (get_len(c, o, "pitch_um", 0, &l->pitch_nm)) return -1;
    return get_str(c, o, "source", 1, &l->source);
}

static int read_layers(load_ctx *c, const cJSON *root, halo_tech *t)
{
    const cJSON *arr, *o;
    if (get_array(c, root, "layers", 1, &arr)) return -1;
    void *mem;
    if (alloc_array(c, arr, sizeof *t->layers, &mem, &t->n_layers)) return -1;
    t->layers = mem;
    if (t->n_layers == 0) return fail(c, "layers is empty");
    int i = 0;
    cJSON_ArrayForEach(o, arr) {
        set_entry(c, "layer", i + 1, entry_name(o, "name"));
        if (read_layer(c, o, &t->layers[i])) return -1;
        for (int j = 0; j < i; j++)
            if (strcmp(t->layers[j].name, t->layers[i].name) == 0)
                return fail(c, "duplicate layer name (also layer %d)", j + 1);
        i++;
    }
    return 0;
}

/* ------------------------------------------------------------------- rules */

static int is_area_kind(const char *kind)
{
    return strcmp(kind, "area") == 0 || strcmp(kind, "hole_area") == 0;
}

static int check_layer_name(load_ctx *c, const halo_tech *t, const char *key,
                            const char *name)
{
    if (tech_find_layer(t, name)) return 0;
    return fail(c, "%s \"%s\" is not a layer of this tech", key, name);
}

static int read_rule(load_ctx *c, const cJSON *o, const halo_tech *t, tech_rule *r)
{
    if (check_object(c, o) || get_str(c, o, "id", 1, &r->id)) return -1;
    if (get_str(c, o, "kind", 1, &r->kind)) return -1;
    if (!in_list(r->kind, rule_kinds)) return fail(c, "unknown kind \"%s\"", r->kind);
    if (get_str(c, o, "layer", 1, &r->layer)) return -1;
    if (check_layer_name(c, t, "layer", r->layer)) return -1;
    if (get_str(c, o, "other", 0, &r->other)) return -1;
    if (r->other[0] && check_layer_name(c, t, "other", r->other)) return -1;
    if (is_area_kind(r->kind)) {
        if (get_area(c, o, "area_um2", &r->value_nm2)) return -1;
    } else if (get_len(c, o, "value_um", 1, &r->value_nm)) {
        return -1;
    }
    if (get_str(c, o, "description", 0, &r->description)) return -1;
    return get_str(c, o, "source", 1, &r->source);
}

/* One rule id may appear once per layer pair it applies to (n/psd.1 on
 * nsdm and on psdm), but never twice for the same pair. */
static int same_rule(const tech_rule *a, const tech_rule *b)
{
    return strcmp(a->id, b->id) == 0 && strcmp(a->kind, b->kind) == 0
           && strcmp(a->layer, b->layer) == 0 && strcmp(a->other, b->other) == 0;
}

static int read_rules(load_ctx *c, const cJSON *root, halo_tech *t)
{
    const cJSON *arr, *o;
    if (get_array(c, root, "rules", 1, &arr)) return -1;
    void *mem;
    if (alloc_array(c, arr, sizeof *t->rules, &mem, &t->n_rules)) return -1;
    t->rules = mem;
    int i = 0;
    cJSON_ArrayForEach(o, arr) {
        set_entry(c, "rule", i + 1, entry_name(o, "id"));
        if (read_rule(c, o, t, &t->rules[i])) return -1;
        for (int j = 0; j < i; j++)
            if (same_rule(&t->rules[j], &t->rules[i]))
                return fail(c, "duplicate of rule %d", j + 1);
        i++;
    }
    return 0;
}

/* ----------------------------------------------------------------- devices */

/* pins is a space-separated list of netlist_json pin roles. */
static int check_pins(load_ctx *c, const char *pins)
{
    int n = 0;
    for (const char *p = pins; *p; ) {
        size_t len = strcspn(p, " ");
        char role[8];
        if (len > 0) {
            snprintf(role, sizeof role, "%.*s", (int)len, p);
            if (len >= sizeof role || !netlist_pinrole_valid(role))
                return fail(c, "pin role \"%.*s\" is not one of D G S B C E SUB P N X",
                            (int)len, p);
            n++;
        }
        p += len;
        if (*p == ' ') p++;
    }
    return n ? 0 : fail(c, "pins is empty");
}

static int read_widths(load_ctx *c, const cJSON *o, tech_device *d)
{
    const cJSON *arr, *w;
    if (get_array(c, o, "widths_um", 0, &arr)) return -1;
    void *mem;
    if (alloc_array(c, arr, sizeof *d->widths_nm, &mem, &d->n_widths)) return -1;
    d->widths_nm = mem;
    if (arr && d->n_widths == 0) return fail(c, "widths_um is empty");
    int i = 0;
    cJSON_ArrayForEach(w, arr) {
        if (!cJSON_IsNumber(w)) return fail(c, "widths_um must hold numbers");
        if (um_to_nm(c, "widths_um", w->valuedouble, &d->widths_nm[i++])) return -1;
    }
    return 0;
}

static int check_range(load_ctx *c, const char *what, int32_t lo, int32_t hi)
{
    if (hi > 0 && lo > hi) return fail(c, "%s_min_um is larger than %s_max_um", what, what);
    return 0;
}

/* Capacitances arrive in fF and are stored in F (SI). */
static int read_device_values(load_ctx *c, const cJSON *o, tech_device *d)
{
    double ca_ff, cp_ff;
    if (get_len(c, o, "w_min_um", 0, &d->w_min_nm) || get_len(c, o, "w_max_um", 0, &d->w_max_nm)
        || get_len(c, o, "l_min_um", 0, &d->l_min_nm) || get_len(c, o, "l_max_um", 0, &d->l_max_nm))
        return -1;
    if (check_range(c, "w", d->w_min_nm, d->w_max_nm)) return -1;
    if (check_range(c, "l", d->l_min_nm, d->l_max_nm)) return -1;
    if (get_num(c, o, "cap_area_fF_um2", 0, &ca_ff) || get_num(c, o, "cap_perim_fF_um", 0, &cp_ff)
        || get_num(c, o, "sheet_ohm", 0, &d->sheet_ohm) || get_num(c, o, "end_ohm", 0, &d->end_ohm))
        return -1;
    d->cap_area_f_per_um2 = ca_ff * 1e-15;
    d->cap_perim_f_per_um = cp_ff * 1e-15;
    return read_widths(c, o, d);
}

static int read_device(load_ctx *c, const cJSON *o, tech_device *d)
{
    if (check_object(c, o) || get_str(c, o, "name", 1, &d->name)) return -1;
    if (get_str(c, o, "model", 1, &d->model)) return -1;
    if (get_str(c, o, "type", 1, &d->type)) return -1;
    netlist_devtype type;
    if (netlist_devtype_parse(d->type, &type) != 0)
        return fail(c, "type \"%s\" is not in the netlist_json vocabulary", d->type);
    if (get_str(c, o, "pins", 1, &d->pins) || check_pins(c, d->pins)) return -1;
    if (read_device_values(c, o, d)) return -1;
    return get_str(c, o, "source", 1, &d->source);
}

static int read_devices(load_ctx *c, const cJSON *root, halo_tech *t)
{
    const cJSON *arr, *o;
    if (get_array(c, root, "devices", 1, &arr)) return -1;
    void *mem;
    if (alloc_array(c, arr, sizeof *t->devices, &mem, &t->n_devices)) return -1;
    t->devices = mem;
    int i = 0;
    cJSON_ArrayForEach(o, arr) {
        set_entry(c, "device", i + 1, entry_name(o, "name"));
        tech_device *d = &t->devices[i];
        if (read_device(c, o, d)) return -1;
        /* tech_find_device looks a device up by name or by model: no
         * name or model may be another device's name or model */
        for (int j = 0; j < i; j++)
            if (su_casecmp(t->devices[j].name, d->name) == 0 || su_casecmp(t->devices[j].model, d->model) == 0
                || su_casecmp(t->devices[j].name, d->model) == 0 || su_casecmp(t->devices[j].model, d->name) == 0)
                return fail(c, "same name or model as device %d", j + 1);
        i++;
    }
    return 0;
}

/* --------------------------------------------------------------------- pex */

static int read_pex_layer(load_ctx *c, const cJSON *o, tech_pex_layer *p)
{
    if (check_object(c, o) || get_str(c, o, "layer", 1, &p->layer)) return -1;
    if (get_num(c, o, "sheet_ohm", 0, &p->sheet_ohm)) return -1;
    if (get_num(c, o, "area_aF_um2", 0, &p->area_af_per_um2)) return -1;
    if (get_num(c, o, "fringe_aF_um", 0, &p->fringe_af_per_um)) return -1;
    if (get_num(c, o, "sidewall_aF_um", 0, &p->sidewall_af_per_um)) return -1;
    return get_len(c, o, "sidewall_offset_um", 0, &p->sidewall_offset_nm);
}

static int read_pex_contact(load_ctx *c, const cJSON *o, tech_pex_contact *p)
{
    if (check_object(c, o) || get_str(c, o, "cut", 1, &p->cut)) return -1;
    return get_num(c, o, "ohm", 1, &p->ohm);
}

static int read_pex_overlap(load_ctx *c, const cJSON *o, tech_pex_overlap *p)
{
    if (check_object(c, o) || get_str(c, o, "upper", 1, &p->upper)) return -1;
    if (get_str(c, o, "lower", 1, &p->lower)) return -1;
    if (get_num(c, o, "area_aF_um2", 1, &p->area_af_per_um2)) return -1;
    if (get_num(c, o, "fringe_up_aF_um", 0, &p->fringe_up_af_per_um)) return -1;
    return get_num(c, o, "fringe_aF_um", 0, &p->fringe_af_per_um);
}

static int read_pex_layers(load_ctx *c, const cJSON *pex, halo_tech *t)
{
    const cJSON *arr, *o;
    void *mem;
    if (get_array(c, pex, "layers", 0, &arr)
        || alloc_array(c, arr, sizeof *t->pex_layers, &mem, &t->n_pex_layers))
        return -1;
    t->pex_layers = mem;
    int i = 0;
    cJSON_ArrayForEach(o, arr) {
        set_entry(c, "pex layer", i + 1, entry_name(o, "layer"));
        if (read_pex_layer(c, o, &t->pex_layers[i++])) return -1;
    }
    return 0;
}

static int read_pex_contacts(load_ctx *c, const cJSON *pex, halo_tech *t)
{
    const cJSON *arr, *o;
    void *mem;
    if (get_array(c, pex, "contacts", 0, &arr)
        || alloc_array(c, arr, sizeof *t->pex_contacts, &mem, &t->n_pex_contacts))
        return -1;
    t->pex_contacts = mem;
    int i = 0;
    cJSON_ArrayForEach(o, arr) {
        set_entry(c, "pex contact", i + 1, entry_name(o, "cut"));
        if (read_pex_contact(c, o, &t->pex_contacts[i++])) return -1;
    }
    return 0;
}

static int read_pex_overlaps(load_ctx *c, const cJSON *pex, halo_tech *t)
{
    const cJSON *arr, *o;
    void *mem;
    if (get_array(c, pex, "overlaps", 0, &arr)
        || alloc_array(c, arr, sizeof *t->pex_overlaps, &mem, &t->n_pex_overlaps))
        return -1;
    t->pex_overlaps = mem;
    int i = 0;
    cJSON_ArrayForEach(o, arr) {
        set_entry(c, "pex overlap", i + 1, entry_name(o, "upper"));
        if (read_pex_overlap(c, o, &t->pex_overlaps[i++])) return -1;
    }
    return 0;
}

/* The pex section is optional: a tech without it extracts no parasitics. */
static int read_pex(load_ctx *c, const cJSON *root, halo_tech *t)
{
    const cJSON *pex = cJSON_GetObjectItemCaseSensitive(root, "pex");
    if (!pex) return 0;
    if (!cJSON_IsObject(pex)) return fail(c, "pex must be an object");
    if (read_pex_layers(c, pex, t)) return -1;
    c->entry[0] = '\0';
    if (read_pex_contacts(c, pex, t)) return -1;
    c->entry[0] = '\0';
    return read_pex_overlaps(c, pex, t);
}

/* One override of a set: the fields it gives replace the nominal ones. */
static int read_pex_override(load_ctx *c, const cJSON *o, tech_pex_set *set)
{
    char *name = NULL;
    if (check_object(c, o) || get_str(c, o, "layer", 1, &name)) return -1;
    tech_pex_layer *p = NULL;
    for (int i = 0; i < set->n_layers; i++)
        if (strcmp(set->layers[i].layer, name) == 0) p = &set->layers[i];
    free(name);
    if (!p) return fail(c, "layer has no coefficients in the pex section");
    if (cJSON_GetObjectItemCaseSensitive(o, "area_aF_um2") && get_num(c, o, "area_aF_um2", 1, &p->area_af_per_um2))
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(o, "fringe_aF_um") && get_num(c, o, "fringe_aF_um", 1, &p->fringe_af_per_um))
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(o, "sidewall_aF_um")
        && get_num(c, o, "sidewall_aF_um", 1, &p->sidewall_af_per_um))
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(o, "sidewall_offset_um")
        && get_len(c, o, "sidewall_offset_um", 1, &p->sidewall_offset_nm))
        return -1;
    return 0;
}

static int read_pex_set(load_ctx *c, const cJSON *o, const halo_tech *t, tech_pex_set *set)
{
    const cJSON *arr, *e;
    if (check_object(c, o) || get_str(c, o, "name", 1, &set->name)) return -1;
    if (get_str(c, o, "source", 0, &set->source)) return -1;
    set->layers = calloc((size_t)(t->n_pex_layers ? t->n_pex_layers : 1), sizeof *set->layers);
    if (!set->layers) return fail_nomem(c);
    for (int i = 0; i < t->n_pex_layers; i++) {
        set->layers[i] = t->pex_layers[i];
        set->layers[i].layer = su_strdup(t->pex_layers[i].layer);
        set->n_layers = i + 1;
    }
    if (get_array(c, o, "layers", 1, &arr)) return -1;
    cJSON_ArrayForEach(e, arr) {
        if (read_pex_override(c, e, set)) return -1;
    }
    return 0;
}

/* Alternative per-layer coefficients; optional. */
static int read_pex_sets(load_ctx *c, const cJSON *root, halo_tech *t)
{
    const cJSON *arr, *o;
    void *mem;
    if (get_array(c, root, "pex_sets", 0, &arr)) return -1;
    if (!arr) return 0;
    if (alloc_array(c, arr, sizeof *t->pex_sets, &mem, &t->n_pex_sets)) return -1;
    t->pex_sets = mem;
    int i = 0;
    cJSON_ArrayForEach(o, arr) {
        set_entry(c, "pex set", i + 1, entry_name(o, "name"));
        if (read_pex_set(c, o, t, &t->pex_sets[i++])) return -1;
    }
    return 0;
}

const tech_pex_set *tech_find_pex_set(const halo_tech *tech, const char *name)
{
    for (int i = 0; i < tech->n_pex_sets; i++)
        if (tech->pex_sets[i].name && strcmp(tech->pex_sets[i].name, name) == 0) return &tech->pex_sets[i];
    return NULL;
}

/* --------------------------------------------------------------- top level */

static int read_grid(load_ctx *c, const cJSON *root, halo_tech *t)
{
    double um;
    if (get_num(c, root, "grid_um", 1, &um)) return -1;
    double nm = um * 1000.0;
    if (!(nm >= 1 && nm <= 1000) || fabs(nm - round(nm)) > 1e-6)
        return fail(c, "grid_um = %g must be a whole number of nm from 1 to 1000", um);
    t->grid_nm = c->grid_nm = (int32_t)llround(nm);
    return 0;
}

static int read_top(load_ctx *c, const cJSON *root, halo_tech *t)
{
    if (!cJSON_IsObject(root)) return fail(c, "the top level must be a JSON object");
    if (get_str(c, root, "name", 1, &t->name)) return -1;
    if (!t->name[0]) return fail(c, "name is empty");
    if (get_str(c, root, "description", 0, &t->description)) return -1;
    if (get_str(c, root, "spice_subckt_prefix", 0, &t->spice_subckt_prefix)) return -1;
    if (read_grid(c, root, t) || read_layers(c, root, t)) return -1;
    c->entry[0] = '\0';   /* a missing section is not part of the last entry */
    if (read_rules(c, root, t)) return -1;
    c->entry[0] = '\0';
    if (read_devices(c, root, t)) return -1;
    c->entry[0] = '\0';
    if (read_pex(c, root, t)) return -1;
    c->entry[0] = '\0';
    return read_pex_sets(c, root, t);
}

static int parse_error(load_ctx *c, const char *text, const char *end)
{
    int line = 1;
    if (!end) return fail(c, "invalid JSON");
    for (const char *p = text; p < end && *p; p++)
        if (*p == '\n') line++;
    return fail(c, "invalid JSON near line %d (offset %ld)", line, (long)(end - text));
}

halo_tech *tech_load_json(const char *text, const char *source, halo_err *err)
{
    load_ctx c = {source ? source : "(tech)", err, 0, ""};
    if (!text) {
        fail(&c, "no text");
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        parse_error(&c, text, end);
        return NULL;
    }
    halo_tech *t = calloc(1, sizeof *t);
    int rc = t ? read_top(&c, root, t) : fail_nomem(&c);
    cJSON_Delete(root);
    if (rc == 0 && !(t->source_file = dup_str(c.source))) rc = fail_nomem(&c);
    if (rc == 0) return t;
    tech_free(t);
    return NULL;
}

/* ---------------------------------------------------------- loading a file */

/* The whole file as one NUL-terminated string (*len bytes before the
 * terminator), or NULL with *err filled. */
static char *read_file(const char *path, size_t *len_out, halo_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        halo_err_set(err, HALO_E_OPEN, NULL, 0, path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap) break;
        char *bigger = realloc(buf, 2 * cap + 1);
        if (!bigger) { free(buf); buf = NULL; break; }
        buf = bigger;
        cap *= 2;
    }
    int bad = buf && ferror(f);
    fclose(f);
    if (!buf) halo_err_set(err, HALO_E_NOMEM, NULL, 0);
    if (bad) {
        halo_err_set(err, HALO_E_READ, NULL, 0, path, "read error");
        free(buf);
        return NULL;
    }
    if (buf) buf[len] = '\0';
    *len_out = len;
    return buf;
}

static int looks_like_path(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') != NULL || (n >= 5 && strcmp(s + n - 5, ".json") == 0);
}

halo_tech *tech_load(const char *name_or_path, halo_err *err)
{
    if (!name_or_path || !looks_like_path(name_or_path)) {
        if (name_or_path && su_casecmp(name_or_path, "sky130") == 0)
            return tech_load_json(tech_sky130_json, "(embedded)", err);
        halo_err_set(err, HALO_E_TEC_UNKNOWN, NULL, 0, name_or_path ? name_or_path : "");
        return NULL;
    }
    size_t len = 0;
    char *text = read_file(name_or_path, &len, err);
    if (!text) return NULL;
    if (strlen(text) != len) {   /* the parser would stop at the first NUL */
        halo_err_set(err, HALO_E_TEC_FORMAT, NULL, 0, name_or_path, "the file holds NUL bytes; a tech.json is text");
        free(text);
        return NULL;
    }
    halo_tech *t = tech_load_json(text, name_or_path, err);
    free(text);
    return t;
}

/* ------------------------------------------------------------ a real PDK */

__attribute__((format(printf, 1, 2)))
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!s) return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* path if that file exists, else NULL (freeing path). */
static char *keep_if_file(char *path)
{
    if (path && is_file(path)) return path;
    free(path);
    return NULL;
}

int tech_set_root(halo_tech *tech, const char *root, const char *corner, halo_err *err)
{
    if (!corner) corner = "tt";
    if (!in_list(corner, corners))
        return halo_err_set(err, HALO_E_TEC_CORNER, NULL, 0, corner);
    if (!root) root = "";
    /* open_pdks installs the default variant of NAME as NAMEA (sky130A). */
    char *variant = str_printf("%sA", tech->name);
    char *lib = variant ? str_printf("%s/%s/libs.tech/ngspice/%s.lib.spice", root,
                                     variant, tech->name) : NULL;
    char *magic = variant ? str_printf("%s/%s/libs.tech/magic/%s.tech", root,
                                       variant, variant) : NULL;
    char *netgen = variant ? str_printf("%s/%s/libs.tech/netgen/%s_setup.tcl", root,
                                        variant, variant) : NULL;
    char *klayout = variant ? str_printf("%s/%s/libs.tech/klayout/%s.drc", root, variant,
                                         tech->name) : NULL;
    char *root_copy = dup_str(root);
    int rc = 0;
    if (!variant || !lib || !magic || !netgen || !klayout || !root_copy)
        rc = halo_err_set(err, HALO_E_NOMEM, NULL, 0);
    else if (!is_file(lib))
        rc = halo_err_set(err, HALO_E_TEC_ROOT, NULL, 0, root, variant, lib);
    free(variant);
    if (rc) {
        free(lib); free(magic); free(netgen); free(klayout); free(root_copy);
        return rc;
    }
    free(tech->pdk_root); free(tech->spice_lib);
    free(tech->magic_tech); free(tech->netgen_setup); free(tech->klayout_drc);
    tech->pdk_root = root_copy;
    tech->spice_lib = lib;
    tech->magic_tech = keep_if_file(magic);
    tech->netgen_setup = keep_if_file(netgen);
    tech->klayout_drc = keep_if_file(klayout);
    snprintf(tech->corner, sizeof tech->corner, "%s", corner);
    return 0;
}

/* ---------------------------------------------------------- free and find */

static void free_layers(halo_tech *t)
{
    for (int i = 0; i < t->n_layers && t->layers; i++) {
        tech_layer *l = &t->layers[i];
        free(l->name); free(l->kind); free(l->direction); free(l->source);
    }
    free(t->layers);
}

static void free_rules(halo_tech *t)
{
    for (int i = 0; i < t->n_rules && t->rules; i++) {
        tech_rule *r = &t->rules[i];
        free(r->id); free(r->kind); free(r->layer); free(r->other);
        free(r->description); free(r->source);
    }
    free(t->rules);
}

static void free_devices(halo_tech *t)
{
    for (int i = 0; i < t->n_devices && t->devices; i++) {
        tech_device *d = &t->devices[i];
        free(d->name); free(d->model); free(d->type); free(d->pins);
        free(d->widths_nm); free(d->source);
    }
    free(t->devices);
}

static void free_pex(halo_tech *t)
{
    for (int i = 0; i < t->n_pex_layers && t->pex_layers; i++)
        free(t->pex_layers[i].layer);
    for (int i = 0; i < t->n_pex_contacts && t->pex_contacts; i++)
        free(t->pex_contacts[i].cut);
    for (int i = 0; i < t->n_pex_overlaps && t->pex_overlaps; i++) {
        free(t->pex_overlaps[i].upper);
        free(t->pex_overlaps[i].lower);
    }
    free(t->pex_layers); free(t->pex_contacts); free(t->pex_overlaps);
    for (int i = 0; i < t->n_pex_sets && t->pex_sets; i++) {
        tech_pex_set *set = &t->pex_sets[i];
        for (int k = 0; k < set->n_layers; k++) free(set->layers[k].layer);
        free(set->layers); free(set->name); free(set->source);
    }
    free(t->pex_sets);
}

void tech_free(halo_tech *tech)
{
    if (!tech) return;
    free_layers(tech);
    free_rules(tech);
    free_devices(tech);
    free_pex(tech);
    free(tech->name); free(tech->description); free(tech->source_file); free(tech->spice_subckt_prefix);
    free(tech->pdk_root); free(tech->spice_lib);
    free(tech->magic_tech); free(tech->netgen_setup); free(tech->klayout_drc);
    free(tech);
}

const tech_layer *tech_find_layer(const halo_tech *tech, const char *name)
{
    for (int i = 0; tech && name && i < tech->n_layers; i++)
        if (tech->layers[i].name && strcmp(tech->layers[i].name, name) == 0)
            return &tech->layers[i];
    return NULL;
}

const tech_rule *tech_find_rule(const halo_tech *tech, const char *id)
{
    for (int i = 0; tech && id && i < tech->n_rules; i++)
        if (tech->rules[i].id && strcmp(tech->rules[i].id, id) == 0)
            return &tech->rules[i];
    return NULL;
}

const tech_device *tech_find_device(const halo_tech *tech, const char *name_or_model)
{
    for (int i = 0; tech && name_or_model && i < tech->n_devices; i++) {
        const tech_device *d = &tech->devices[i];
        if ((d->name && su_casecmp(d->name, name_or_model) == 0)
            || (d->model && su_casecmp(d->model, name_or_model) == 0))
            return d;
    }
    return NULL;
}
