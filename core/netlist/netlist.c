/*
 * netlist.c -- the flat circuit database (see netlist.h).
 */
#include "netlist.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const devtype_names[NL_NTYPES] = {
    "nmos", "pmos", "npn", "pnp", "res", "cap", "ind", "isrc", "vsrc", "other",
};

static const char *const netrole_names[NL_NROLES] = {
    "supply_pos", "supply_neg", "input_v", "input_i", "output_v", "output_i",
    "bias_voltage", "bias_current", "clock", "logic", "lo_drive", "rf_input",
    "internal", "unknown",
};

static const char *const pin_roles[] = {"D", "G", "S", "B", "C", "E", "SUB", "P", "N", "X"};

const char *netlist_devtype_name(netlist_devtype t)
{
    return (t >= 0 && t < NL_NTYPES) ? devtype_names[t] : "other";
}

int netlist_devtype_parse(const char *name, netlist_devtype *t)
{
    for (int i = 0; i < NL_NTYPES; i++)
        if (strcmp(name, devtype_names[i]) == 0) {
            *t = (netlist_devtype)i;
            return 0;
        }
    return -1;
}

const char *netlist_netrole_name(netlist_netrole r)
{
    return (r >= 0 && r < NL_NROLES) ? netrole_names[r] : "unknown";
}

int netlist_netrole_parse(const char *name, netlist_netrole *r)
{
    for (int i = 0; i < NL_NROLES; i++)
        if (strcmp(name, netrole_names[i]) == 0) {
            *r = (netlist_netrole)i;
            return 0;
        }
    return -1;
}

int netlist_pinrole_valid(const char *role)
{
    for (size_t i = 0; i < sizeof pin_roles / sizeof pin_roles[0]; i++)
        if (strcmp(role, pin_roles[i]) == 0) return 1;
    return 0;
}

/* Name-based roles follow common analog naming; first match wins, so the
 * more specific prefixes come first. */
netlist_netrole netlist_guess_netrole(const char *name, int external)
{
    static const struct { const char *prefix; int exact; netlist_netrole role; } rules[] = {
        {"0", 1, NL_SUPPLY_NEG},      {"gnd", 0, NL_SUPPLY_NEG},   {"vss", 0, NL_SUPPLY_NEG},
        {"vgnd", 0, NL_SUPPLY_NEG},   {"avss", 0, NL_SUPPLY_NEG},  {"dvss", 0, NL_SUPPLY_NEG},
        {"vdd", 0, NL_SUPPLY_POS},    {"vcc", 0, NL_SUPPLY_POS},   {"vpwr", 0, NL_SUPPLY_POS},
        {"avdd", 0, NL_SUPPLY_POS},   {"dvdd", 0, NL_SUPPLY_POS},
        {"ibias", 0, NL_BIAS_CURRENT}, {"iref", 0, NL_BIAS_CURRENT}, {"ib", 0, NL_BIAS_CURRENT},
        {"iin", 0, NL_INPUT_I},       {"iout", 0, NL_OUTPUT_I},
        {"vbias", 0, NL_BIAS_VOLTAGE}, {"vref", 0, NL_BIAS_VOLTAGE}, {"vcm", 0, NL_BIAS_VOLTAGE},
        {"vb", 0, NL_BIAS_VOLTAGE},
        {"vin", 0, NL_INPUT_V},       {"in", 0, NL_INPUT_V},       {"vip", 0, NL_INPUT_V},
        {"vim", 0, NL_INPUT_V},
        {"vout", 0, NL_OUTPUT_V},     {"out", 0, NL_OUTPUT_V},     {"vo", 1, NL_OUTPUT_V},
        {"clk", 0, NL_CLOCK},         {"phi", 0, NL_CLOCK},
        {"lo", 1, NL_LO_DRIVE},       {"rfin", 0, NL_RF_INPUT},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        int hit = rules[i].exact ? su_casecmp(name, rules[i].prefix) == 0
                                 : su_has_prefix_ci(name, rules[i].prefix);
        if (hit) return rules[i].role;
    }
    return external ? NL_UNKNOWN : NL_INTERNAL;
}

netlist *netlist_new(const char *name)
{
    netlist *nl = halo_xcalloc(1, sizeof *nl);
    nl->name = su_strdup(name ? name : "top");
    nl->source = su_strdup("");
    /* SPICE names are case-insensitive: VDD and vdd are one net */
    su_map_init(&nl->net_index, 1);
    su_map_init(&nl->dev_index, 1);
    return nl;
}

static void free_device(netlist_device *d)
{
    free(d->name);
    free(d->model);
    free(d->file);
    free(d->origin);
    free(d->pins);
    for (int i = 0; i < d->nparams; i++) {
        free(d->params[i].name);
        free(d->params[i].text);
    }
    free(d->params);
}

void netlist_free(netlist *nl)
{
    if (!nl) return;
    for (int i = 0; i < nl->nnets; i++) free(nl->nets[i].name);
    for (int i = 0; i < nl->ndevs; i++) free_device(&nl->devs[i]);
    free(nl->nets);
    free(nl->devs);
    free(nl->ports);
    free(nl->name);
    free(nl->source);
    su_map_free(&nl->net_index);
    su_map_free(&nl->dev_index);
    free(nl);
}

static netlist *clone_devices(const netlist *src, int skip_sim_only);

netlist *netlist_clone(const netlist *src)
{
    return clone_devices(src, 0);
}

netlist *netlist_layout_view(const netlist *src)
{
    return clone_devices(src, 1);
}

int netlist_count_sim_only(const netlist *nl)
{
    int n = 0;
    for (int i = 0; i < nl->ndevs; i++) n += netlist_is_sim_only(&nl->devs[i]);
    return n;
}

static netlist *clone_devices(const netlist *src, int skip_sim_only)
{
    netlist *nl = netlist_new(src->name);
    free(nl->source);
    nl->source = su_strdup(src->source);
    for (int i = 0; i < src->nnets; i++) {
        int n = netlist_net_get(nl, src->nets[i].name);
        nl->nets[n].role = src->nets[i].role;
        nl->nets[n].external = src->nets[i].external;
    }
    for (int i = 0; i < src->nports; i++) netlist_add_port(nl, src->ports[i]);
    for (int i = 0; i < src->ndevs; i++) {
        const netlist_device *s = &src->devs[i];
        if (skip_sim_only && netlist_is_sim_only(s)) continue;
        int d = netlist_device_add(nl, s->name, s->type, s->element, s->model);
        for (int p = 0; p < s->npins; p++) netlist_device_add_pin(nl, d, s->pins[p].role, s->pins[p].net);
        for (int p = 0; p < s->nparams; p++) {
            if (s->params[p].text) netlist_param_set_text(&nl->devs[d], s->params[p].name, s->params[p].text);
            else netlist_param_set(&nl->devs[d], s->params[p].name, s->params[p].value);
        }
        nl->devs[d].nf = s->nf;
        nl->devs[d].wmode = s->wmode;
        nl->devs[d].match_group = s->match_group;
        nl->devs[d].line = s->line;
        nl->devs[d].file = s->file ? su_strdup(s->file) : NULL;
        nl->devs[d].origin = s->origin ? su_strdup(s->origin) : NULL;
        nl->devs[d].units = s->units;
    }
    nl->nmatch_groups = src->nmatch_groups;
    return nl;
}

int netlist_net_find(const netlist *nl, const char *name)
{
    return su_map_get(&nl->net_index, name);
}

int netlist_net_get(netlist *nl, const char *name)
{
    int n = su_map_get(&nl->net_index, name);
    if (n >= 0) return n;
    su_grow((void **)&nl->nets, &nl->capnets, nl->nnets + 1, sizeof *nl->nets);
    n = nl->nnets++;
    nl->nets[n].name = su_strdup(name);
    nl->nets[n].role = netlist_guess_netrole(name, 0);
    nl->nets[n].external = 0;
    su_map_put(&nl->net_index, name, n);
    return n;
}

void netlist_add_port(netlist *nl, int net)
{
    su_grow((void **)&nl->ports, &nl->capports, nl->nports + 1, sizeof *nl->ports);
    nl->ports[nl->nports++] = net;
    nl->nets[net].external = 1;
    if (nl->nets[net].role == NL_INTERNAL) nl->nets[net].role = NL_UNKNOWN;
}

int netlist_device_add(netlist *nl, const char *name, netlist_devtype type, char element,
                       const char *model)
{
    if (su_map_get(&nl->dev_index, name) >= 0) return -1;
    su_grow((void **)&nl->devs, &nl->capdevs, nl->ndevs + 1, sizeof *nl->devs);
    int d = nl->ndevs++;
    netlist_device *dev = &nl->devs[d];
    memset(dev, 0, sizeof *dev);
    dev->name = su_strdup(name);
    dev->type = type;
    dev->element = element;
    dev->model = su_strdup(model ? model : "");
    dev->nf = 1;
    dev->match_group = -1;
    su_map_put(&nl->dev_index, name, d);
    return d;
}

int netlist_device_find(const netlist *nl, const char *name)
{
    return su_map_get(&nl->dev_index, name);
}

void netlist_device_add_pin(netlist *nl, int dev, const char *role, int net)
{
    netlist_device *d = &nl->devs[dev];
    d->pins = halo_xrealloc(d->pins, (size_t)(d->npins + 1) * sizeof *d->pins);
    snprintf(d->pins[d->npins].role, sizeof d->pins[d->npins].role, "%s", role);
    d->pins[d->npins].net = net;
    d->npins++;
}

static netlist_param *param_slot(netlist_device *d, const char *name)
{
    for (int i = 0; i < d->nparams; i++)
        if (su_casecmp(d->params[i].name, name) == 0) return &d->params[i];
    su_grow((void **)&d->params, &d->capparams, d->nparams + 1, sizeof *d->params);
    netlist_param *p = &d->params[d->nparams++];
    p->name = su_strdup(name);
    p->text = NULL;
    p->value = 0;
    return p;
}

void netlist_param_set(netlist_device *d, const char *name, double value)
{
    netlist_param *p = param_slot(d, name);
    free(p->text);
    p->text = NULL;
    p->value = value;
}

void netlist_param_set_text(netlist_device *d, const char *name, const char *text)
{
    netlist_param *p = param_slot(d, name);
    free(p->text);
    p->text = su_strdup(text);
    p->value = 0;
}

const netlist_param *netlist_param_find(const netlist_device *d, const char *name)
{
    for (int i = 0; i < d->nparams; i++)
        if (su_casecmp(d->params[i].name, name) == 0) return &d->params[i];
    return NULL;
}

int netlist_param_get(const netlist_device *d, const char *name, double *value)
{
    const netlist_param *p = netlist_param_find(d, name);
    if (!p || p->text) return -1;
    *value = p->value;
    return 0;
}

int netlist_is_mos(const netlist_device *d)
{
    return d->type == NL_NMOS || d->type == NL_PMOS;
}

int netlist_param_dim(const netlist_device *d, const char *name)
{
    static const char *const mos_lengths[] = {"W", "L", "pd", "ps", "sa", "sb", "sd"};
    if (netlist_is_mos(d)) {
        for (size_t i = 0; i < sizeof mos_lengths / sizeof mos_lengths[0]; i++)
            if (strcmp(name, mos_lengths[i]) == 0) return NETLIST_DIM_LENGTH;
        if (strcmp(name, "ad") == 0 || strcmp(name, "as") == 0) return NETLIST_DIM_AREA;
        return NETLIST_DIM_NONE;
    }
    if (d->element == 'X' && (strcmp(name, "W") == 0 || strcmp(name, "L") == 0)) return NETLIST_DIM_LENGTH;
    return NETLIST_DIM_NONE;
}

void netlist_canonical_param(const netlist_device *d, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s", name);
    su_lower(out);
    int geometric = netlist_is_mos(d) || d->element == 'X';
    if (geometric && (strcmp(out, "w") == 0 || strcmp(out, "l") == 0)) out[0] = (char)toupper((unsigned char)out[0]);
}

double netlist_total_w(const netlist_device *d)
{
    double w;
    if (netlist_param_get(d, "W", &w) != 0) return 0;
    if (d->wmode == NETLIST_W_TOTAL) return w;
    return d->nf > 0 ? w * d->nf : 0;
}

double netlist_finger_w(const netlist_device *d)
{
    double w;
    if (netlist_param_get(d, "W", &w) != 0) return 0;
    if (d->wmode == NETLIST_W_PER_FINGER) return w;
    return d->nf > 0 ? w / d->nf : 0;
}

void netlist_param_remove(netlist_device *d, const char *name)
{
    for (int i = 0; i < d->nparams; i++)
        if (su_casecmp(d->params[i].name, name) == 0) {
            free(d->params[i].name);
            free(d->params[i].text);
            memmove(&d->params[i], &d->params[i + 1], (size_t)(d->nparams - i - 1) * sizeof *d->params);
            d->nparams--;
            return;
        }
}

void netlist_set_nf(netlist_device *d, int nf)
{
    static const char *const diffusion[] = {"ad", "as", "pd", "ps", "nrd", "nrs"};
    if (nf != d->nf)
        for (size_t i = 0; i < sizeof diffusion / sizeof diffusion[0]; i++) netlist_param_remove(d, diffusion[i]);
    d->nf = nf;
}

int netlist_is_sim_only(const netlist_device *d)
{
    return d->type == NL_VSRC || d->type == NL_ISRC;
}

const char *netlist_device_file(const netlist *nl, const netlist_device *d)
{
    return d->file ? d->file : nl->source;
}

/* ---------------------------------------------------------------- compare */

static int values_close(double a, double b, double tol)
{
    if (a == b) return 1;
    double scale = fmax(fabs(a), fabs(b));
    return fabs(a - b) <= tol * scale;
}

static int compare_params(const netlist_device *a, const netlist_device *b, double tol,
                          char *why, size_t whylen)
{
    for (int i = 0; i < a->nparams; i++) {
        const netlist_param *pa = &a->params[i];
        const netlist_param *pb = netlist_param_find(b, pa->name);
        if (!pb) {
            snprintf(why, whylen, "device %s: param %s missing", a->name, pa->name);
            return -1;
        }
        int same = pa->text ? (pb->text && strcmp(pa->text, pb->text) == 0)
                            : (!pb->text && values_close(pa->value, pb->value, tol));
        if (!same) {
            snprintf(why, whylen, "device %s: param %s differs (%.12g vs %.12g)", a->name,
                     pa->name, pa->value, pb->value);
            return -1;
        }
    }
    return 0;
}

static int compare_device(const netlist *na, const netlist_device *a, const netlist *nb,
                          const netlist_device *b, double tol, char *why, size_t whylen)
{
    if (a->type != b->type || su_casecmp(a->model, b->model) != 0) {
        snprintf(why, whylen, "device %s: %s %s vs %s %s", a->name, netlist_devtype_name(a->type),
                 a->model, netlist_devtype_name(b->type), b->model);
        return -1;
    }
    if (a->npins != b->npins) {
        snprintf(why, whylen, "device %s: %d vs %d pins", a->name, a->npins, b->npins);
        return -1;
    }
    for (int p = 0; p < a->npins; p++) {
        const char *neta = na->nets[a->pins[p].net].name, *netb = nb->nets[b->pins[p].net].name;
        if (strcmp(a->pins[p].role, b->pins[p].role) != 0 || strcmp(neta, netb) != 0) {
            snprintf(why, whylen, "device %s pin %d: %s=%s vs %s=%s", a->name, p + 1,
                     a->pins[p].role, neta, b->pins[p].role, netb);
            return -1;
        }
    }
    if (a->nf != b->nf || !values_close(netlist_total_w(a), netlist_total_w(b), tol)) {
        snprintf(why, whylen, "device %s: nf %d W %.12g vs nf %d W %.12g", a->name, a->nf,
                 netlist_total_w(a), b->nf, netlist_total_w(b));
        return -1;
    }
    if (compare_params(a, b, tol, why, whylen) || compare_params(b, a, tol, why, whylen)) return -1;
    return 0;
}

int netlist_compare(const netlist *a, const netlist *b, double tol, char *why, size_t whylen)
{
    if (a->ndevs != b->ndevs) {
        snprintf(why, whylen, "%d vs %d devices", a->ndevs, b->ndevs);
        return -1;
    }
    if (a->nports != b->nports) {
        snprintf(why, whylen, "%d vs %d ports", a->nports, b->nports);
        return -1;
    }
    for (int i = 0; i < a->nports; i++)
        if (strcmp(a->nets[a->ports[i]].name, b->nets[b->ports[i]].name) != 0) {
            snprintf(why, whylen, "port %d: %s vs %s", i + 1, a->nets[a->ports[i]].name,
                     b->nets[b->ports[i]].name);
            return -1;
        }
    for (int i = 0; i < a->ndevs; i++) {
        int j = netlist_device_find(b, a->devs[i].name);
        if (j < 0) {
            snprintf(why, whylen, "device %s missing", a->devs[i].name);
            return -1;
        }
        if (compare_device(a, &a->devs[i], b, &b->devs[j], tol, why, whylen)) return -1;
    }
    for (int i = 0; i < a->nnets; i++) {
        int j = netlist_net_find(b, a->nets[i].name);
        if (j < 0) continue;   /* an unused net need not survive a format */
        if (a->nets[i].role != b->nets[j].role || a->nets[i].external != b->nets[j].external) {
            snprintf(why, whylen, "net %s: role %s/%d vs %s/%d", a->nets[i].name,
                     netlist_netrole_name(a->nets[i].role), a->nets[i].external,
                     netlist_netrole_name(b->nets[j].role), b->nets[j].external);
            return -1;
        }
    }
    return 0;
}
