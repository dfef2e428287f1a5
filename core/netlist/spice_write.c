/*
 * spice_write.c -- a flat netlist as SPICE text (see spice.h).
 *
 * The design is written as one .subckt named after the top cell with its
 * ports in order (or as bare elements when it has no ports), one element
 * per line.  PDK devices are X instances with W/L in µm, as the sky130
 * models expect (.option scale=1.0u in their library); M elements get W/L
 * in metres with a 'u' suffix.  Output is deterministic: no dates.
 */
#include "spice.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/eng.h"
#include "base/fileio.h"
#include "base/strutil.h"

static void add_value(su_buf *b, const char *name, double v)
{
    char num[32];
    eng_format(v, num);
    su_buf_printf(b, " %s=%s", name, num);
}

/* The element name, prefixed with its letter when a name read from JSON
 * does not start with it (SPICE decides the element kind by that letter). */
static void add_name(su_buf *b, const netlist_device *d)
{
    if (tolower((unsigned char)d->name[0]) != tolower((unsigned char)d->element))
        su_buf_printf(b, "%c", d->element);
    su_buf_add(b, d->name);
}

static void add_pins(su_buf *b, const netlist *nl, const netlist_device *d)
{
    for (int p = 0; p < d->npins; p++) su_buf_printf(b, " %s", nl->nets[d->pins[p].net].name);
}

static int is_special_param(const netlist_device *d, const char *name)
{
    if (netlist_is_mos(d) && (strcmp(name, "W") == 0 || strcmp(name, "L") == 0 || strcmp(name, "m") == 0))
        return 1;
    if (d->element == 'X' && (strcmp(name, "W") == 0 || strcmp(name, "L") == 0)) return 1;
    return 0;
}

/* Whether d's geometry is written in metres.  M elements always are.  A
 * PDK subcircuit (X) is written in µm, which a reader tells from metres by
 * magnitude (spice.h): a W or L below SPICE_UM_MIN µm would read back as
 * metres, so such a device (no real one: techmap refuses it, but an
 * unmapped netlist may hold it) is written in metres too. */
static int geometry_in_metres(const netlist_device *d)
{
    if (d->element == 'M') return 1;
    if (d->element != 'X') return 0;
    static const char *const wl[] = {"W", "L"};
    for (int i = 0; i < 2; i++) {
        double v;
        if (netlist_param_dim(d, wl[i]) == NETLIST_DIM_LENGTH && netlist_param_get(d, wl[i], &v) == 0
            && v < SPICE_UM_MIN)
            return 1;
    }
    return 0;
}

/* A value in halo's units (µm, µm²) as the element takes it: PDK
 * subcircuits (X) in µm as sky130's .option scale=1.0u wants, M elements
 * in metres with a suffix (2.5u, 0.58p). */
static void add_geometry(su_buf *b, const netlist_device *d, const char *name, double v, int dim)
{
    char num[32];
    eng_format(v, num);
    const char *suffix = "";
    if (geometry_in_metres(d)) suffix = dim == NETLIST_DIM_AREA ? "p" : dim == NETLIST_DIM_LENGTH ? "u" : "";
    su_buf_printf(b, " %s=%s%s", name, num, suffix);
}

/* The source/drain geometry of one finger when fingers are written as m
 * copies: areas and perimeters split over the fingers, squares (nrd, nrs)
 * grow with them (each finger is nf times narrower). */
static int per_finger_diffusion(const char *name, int nf, double *scale)
{
    if (!strcmp(name, "ad") || !strcmp(name, "as") || !strcmp(name, "pd") || !strcmp(name, "ps")) {
        *scale = 1.0 / nf;
        return 1;
    }
    if (!strcmp(name, "nrd") || !strcmp(name, "nrs")) {
        *scale = nf;
        return 1;
    }
    return 0;
}

static void add_other_params(su_buf *b, const netlist_device *d, const char *skip, int per_finger_nf)
{
    for (int i = 0; i < d->nparams; i++) {
        const netlist_param *p = &d->params[i];
        if (is_special_param(d, p->name) || (skip && su_casecmp(p->name, skip) == 0)) continue;
        if (p->text) {
            su_buf_printf(b, " %s=%s", p->name, p->text);
            continue;
        }
        double v = p->value, scale;
        if (per_finger_nf > 0 && netlist_is_mos(d) && per_finger_diffusion(p->name, per_finger_nf, &scale)) {
            /* 9 digits: the split need not show 0.06999999999999999 */
            char num[32];
            snprintf(num, sizeof num, "%.9g", v * scale);
            v = strtod(num, NULL);
        }
        add_geometry(b, d, p->name, v, netlist_param_dim(d, p->name));
    }
}

/* W/L of a MOS: µm for PDK subcircuits, metres ("2.5u") for M elements. */
static void add_dimension(su_buf *b, const netlist_device *d, const char *name, double um)
{
    add_geometry(b, d, name, um, NETLIST_DIM_LENGTH);
}

static void write_mos(su_buf *b, const netlist *nl, const netlist_device *d, const spice_write_opts *o)
{
    add_name(b, d);
    add_pins(b, nl, d);
    su_buf_printf(b, " %s", d->model);
    double w, l, m = 1;
    int has_w = netlist_param_get(d, "W", &w) == 0;
    int has_m = netlist_param_get(d, "m", &m) == 0;
    if (d->nf == 0) {                     /* template: W as written, nf=ZZZ */
        if (has_w) add_dimension(b, d, "W", w);
    } else if (o->fingers_as_m) {
        if (has_w) add_dimension(b, d, "W", netlist_finger_w(d));
    } else if (has_w) {
        add_dimension(b, d, "W", netlist_total_w(d));
    }
    if (netlist_param_get(d, "L", &l) == 0) add_dimension(b, d, "L", l);
    if (d->nf == 0) su_buf_add(b, " nf=ZZZ");
    else if (!o->fingers_as_m) su_buf_printf(b, " nf=%d", d->nf);
    if (o->fingers_as_m && d->nf > 0) add_value(b, "m", m * d->nf);
    else if (has_m) add_value(b, "m", m);
    add_other_params(b, d, NULL, o->fingers_as_m ? d->nf : 0);
}

static void write_x(su_buf *b, const netlist *nl, const netlist_device *d)
{
    add_name(b, d);
    add_pins(b, nl, d);
    su_buf_printf(b, " %s", d->model);
    double v;
    if (netlist_param_get(d, "W", &v) == 0) add_geometry(b, d, "W", v, netlist_param_dim(d, "W"));
    if (netlist_param_get(d, "L", &v) == 0) add_geometry(b, d, "L", v, netlist_param_dim(d, "L"));
    add_other_params(b, d, NULL, 0);
}

/* R C L: "R1 a b 10k [model] params". */
static void write_passive(su_buf *b, const netlist *nl, const netlist_device *d, const char *value_name)
{
    add_name(b, d);
    add_pins(b, nl, d);
    double v;
    int has_value = netlist_param_get(d, value_name, &v) == 0;
    if (has_value) {
        char num[32];
        eng_format(v, num);
        su_buf_printf(b, " %s", num);
    }
    if (*d->model) su_buf_printf(b, " %s", d->model);
    add_other_params(b, d, has_value ? value_name : NULL, 0);
}

static void write_source(su_buf *b, const netlist *nl, const netlist_device *d)
{
    add_name(b, d);
    add_pins(b, nl, d);
    double v;
    char num[32];
    if (netlist_param_get(d, "dc", &v) == 0) {
        eng_format(v, num);
        su_buf_printf(b, " DC %s", num);
    }
    if (netlist_param_get(d, "ac", &v) == 0) {
        eng_format(v, num);
        su_buf_printf(b, " AC %s", num);
        if (netlist_param_get(d, "acphase", &v) == 0) {
            eng_format(v, num);
            su_buf_printf(b, " %s", num);
        }
    }
    const netlist_param *tran = netlist_param_find(d, "tran");
    if (tran && tran->text) su_buf_printf(b, " %s", tran->text);
    for (int i = 0; i < d->nparams; i++) {
        const char *n = d->params[i].name;
        if (su_casecmp(n, "dc") && su_casecmp(n, "ac") && su_casecmp(n, "acphase") && su_casecmp(n, "tran")) {
            if (d->params[i].text) su_buf_printf(b, " %s=%s", n, d->params[i].text);
            else add_value(b, n, d->params[i].value);
        }
    }
}

/* Q and D: nodes, model, params. */
static void write_model_element(su_buf *b, const netlist *nl, const netlist_device *d)
{
    add_name(b, d);
    add_pins(b, nl, d);
    su_buf_printf(b, " %s", *d->model ? d->model : "unknown_model");
    add_other_params(b, d, NULL, 0);
}

static void write_device(su_buf *b, const netlist *nl, const netlist_device *d, const spice_write_opts *o)
{
    if (netlist_is_mos(d)) write_mos(b, nl, d, o);
    else if (d->element == 'X') write_x(b, nl, d);
    else if (d->element == 'R') write_passive(b, nl, d, "r");
    else if (d->element == 'C') write_passive(b, nl, d, "c");
    else if (d->element == 'L') write_passive(b, nl, d, "l");
    else if (d->element == 'V' || d->element == 'I') write_source(b, nl, d);
    else write_model_element(b, nl, d);
    su_buf_add(b, "\n");
}

char *spice_write_text(const netlist *nl, const spice_write_opts *opts)
{
    static const spice_write_opts defaults = {0, NULL, 0};
    const spice_write_opts *o = opts ? opts : &defaults;
    su_buf b = {0};
    su_buf_printf(&b, "* %s -- written by halo\n", nl->name);
    if (o->comment) su_buf_printf(&b, "* %s\n", o->comment);
    if (o->fingers_as_m) su_buf_add(&b, "* fingers written as m=<nf> with W=<finger width> (for ngspice)\n");
    int subckt = nl->nports > 0 || o->always_subckt;
    if (subckt) {
        su_buf_printf(&b, ".subckt %s", nl->name);
        for (int i = 0; i < nl->nports; i++) su_buf_printf(&b, " %s", nl->nets[nl->ports[i]].name);
        su_buf_add(&b, "\n");
    }
    for (int i = 0; i < nl->ndevs; i++) write_device(&b, nl, &nl->devs[i], o);
    if (subckt) su_buf_printf(&b, ".ends %s\n", nl->name);
    return b.s;
}

int spice_write_file(const netlist *nl, const char *path, const spice_write_opts *opts, halo_err *err)
{
    char *text = spice_write_text(nl, opts);
    int rc = halo_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}
