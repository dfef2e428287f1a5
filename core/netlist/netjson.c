/*
 * netjson.c -- netlist_json reader and writer on cJSON (see netjson.h).
 */
#include "netjson.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/eng.h"
#include "base/fileio.h"
#include "spice.h"
#include "base/strutil.h"

/* ---------------------------------------------------------------- write */

static int writes_w_finger(const netlist_device *d)
{
    return netlist_is_mos(d) && d->wmode == NETLIST_W_PER_FINGER && d->nf == 0;
}

/* A number as the shortest text that reads back as the same double:
 * cJSON prints 15 digits whenever they come within DBL_EPSILON of the
 * value (9.003879454643068 became 9.00387945464307).  JSON has no inf or
 * NaN: null, as cJSON writes them. */
static void add_number(cJSON *o, const char *name, double v)
{
    if (!isfinite(v)) {
        cJSON_AddNullToObject(o, name);
        return;
    }
    char num[32];
    eng_format(v, num);
    cJSON_AddRawToObject(o, name, num);
}

static void write_params(cJSON *params, const netlist_device *d)
{
    double w;
    if (netlist_is_mos(d) && netlist_param_get(d, "W", &w) == 0)
        add_number(params, writes_w_finger(d) ? "W_finger" : "W", writes_w_finger(d) ? w : netlist_total_w(d));
    for (int i = 0; i < d->nparams; i++) {
        const netlist_param *p = &d->params[i];
        if (netlist_is_mos(d) && su_casecmp(p->name, "W") == 0) continue;
        if (p->text) cJSON_AddStringToObject(params, p->name, p->text);
        else add_number(params, p->name, p->value);
    }
    if (netlist_is_mos(d)) {
        if (d->nf == 0) cJSON_AddStringToObject(params, "nf", "ZZZ");
        else cJSON_AddNumberToObject(params, "nf", d->nf);
    }
}

static cJSON *write_device(const netlist *nl, const netlist_device *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", d->name);
    cJSON_AddStringToObject(o, "type", netlist_devtype_name(d->type));
    cJSON_AddStringToObject(o, "model", d->model);
    cJSON *pins = cJSON_AddArrayToObject(o, "pins");
    for (int p = 0; p < d->npins; p++) {
        cJSON *pin = cJSON_CreateObject();
        cJSON_AddStringToObject(pin, "role", d->pins[p].role);
        cJSON_AddStringToObject(pin, "net", nl->nets[d->pins[p].net].name);
        cJSON_AddItemToArray(pins, pin);
    }
    write_params(cJSON_AddObjectToObject(o, "params"), d);
    return o;
}

static cJSON *write_net(const netlist_net *n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", n->name);
    cJSON_AddStringToObject(o, "role", netlist_netrole_name(n->role));
    cJSON_AddBoolToObject(o, "external", n->external != 0);
    return o;
}

char *netjson_write_text(const netlist *nl, int pretty)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *nets = cJSON_AddArrayToObject(root, "nets");
    /* ports first, in port order, so the reader recovers the port order */
    for (int i = 0; i < nl->nports; i++) cJSON_AddItemToArray(nets, write_net(&nl->nets[nl->ports[i]]));
    for (int i = 0; i < nl->nnets; i++)
        if (!nl->nets[i].external) cJSON_AddItemToArray(nets, write_net(&nl->nets[i]));
    cJSON *devs = cJSON_AddArrayToObject(root, "devices");
    for (int i = 0; i < nl->ndevs; i++) cJSON_AddItemToArray(devs, write_device(nl, &nl->devs[i]));
    char *cj = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    /* hand back memory the caller frees with free(), whatever cJSON uses */
    char *out = su_strdup(cj);
    cJSON_free(cj);
    return out;
}

int netjson_write_file(const netlist *nl, const char *path, halo_err *err)
{
    char *text = netjson_write_text(nl, 1);
    su_buf b = {0};
    su_buf_add(&b, text);
    su_buf_add(&b, "\n");
    free(text);
    int rc = halo_write_atomic(path, b.s, b.len, err);
    su_buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- read */

typedef struct jreader {
    const char *source;
    halo_err *err;
    netlist *nl;
} jreader;

static int schema_error(jreader *jr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int schema_error(jreader *jr, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return halo_err_set(jr->err, HALO_E_JSN_SCHEMA, jr->source, 0, what);
}

/* A name SPICE can carry: non-empty, no blanks or SPICE punctuation. */
static int valid_name(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (isspace((unsigned char)*s) || strchr("=(){}',;$\"", *s) || !isprint((unsigned char)*s))
            return 0;
    return 1;
}

static const char *get_string(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int read_net(jreader *jr, const cJSON *item, int index)
{
    const char *name = get_string(item, "name");
    if (!cJSON_IsObject(item) || !name) return schema_error(jr, "nets[%d]: expected an object with a string \"name\"", index);
    if (!valid_name(name)) return schema_error(jr, "nets[%d]: \"%s\" is not a usable net name", index, name);
    if (netlist_net_find(jr->nl, name) >= 0) return schema_error(jr, "nets[%d]: net \"%s\" is listed twice", index, name);
    int n = netlist_net_get(jr->nl, name);
    const cJSON *ext = cJSON_GetObjectItemCaseSensitive(item, "external");
    if (ext && !cJSON_IsBool(ext)) return schema_error(jr, "nets[%d] (%s): \"external\" must be true or false", index, name);
    if (cJSON_IsTrue(ext)) netlist_add_port(jr->nl, n);
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(item, "role");
    if (role) {
        netlist_netrole r;
        if (!cJSON_IsString(role) || netlist_netrole_parse(role->valuestring, &r) != 0)
            return halo_err_set(jr->err, HALO_E_JSN_VOCAB, jr->source, 0, "Net role",
                                cJSON_IsString(role) ? role->valuestring : "(not a string)",
                                "supply_pos supply_neg input_v input_i output_v output_i bias_voltage "
                                "bias_current clock logic lo_drive rf_input internal unknown");
        jr->nl->nets[n].role = r;
    } else {
        jr->nl->nets[n].role = netlist_guess_netrole(name, cJSON_IsTrue(ext));
    }
    return 0;
}

/* The SPICE letter a device is written with, from its type and model. */
static char element_for(netlist_devtype type, const char *model, const netlist_device *d)
{
    if (su_has_prefix_ci(model, "sky130_")) return 'X';
    switch (type) {
    case NL_NMOS: case NL_PMOS: return 'M';
    case NL_NPN: case NL_PNP: return 'Q';
    case NL_RES: return *model ? 'X' : 'R';
    case NL_CAP: return *model ? 'X' : 'C';
    case NL_IND: return 'L';
    case NL_VSRC: return 'V';
    case NL_ISRC: return 'I';
    default:
        if (d && d->npins == 2 && su_contains_ci(model, "diode")) return 'D';
        return 'X';
    }
}

static int read_pins(jreader *jr, int dev, const cJSON *pins, int index)
{
    const char *dname = jr->nl->devs[dev].name;
    if (!cJSON_IsArray(pins)) return schema_error(jr, "devices[%d] (%s): \"pins\" must be an array", index, dname);
    int p = 0;
    const cJSON *pin;
    cJSON_ArrayForEach(pin, pins) {
        const char *role = get_string(pin, "role"), *net = get_string(pin, "net");
        if (!role || !net)
            return schema_error(jr, "devices[%d] (%s): pins[%d] needs string \"role\" and \"net\"", index, dname, p);
        if (!netlist_pinrole_valid(role))
            return halo_err_set(jr->err, HALO_E_JSN_VOCAB, jr->source, 0, "Pin role", role, "D G S B C E SUB P N X");
        int n = netlist_net_find(jr->nl, net);
        if (n < 0) return halo_err_set(jr->err, HALO_E_JSN_NET, jr->source, 0, dname, role, net);
        netlist_device_add_pin(jr->nl, dev, role, n);
        p++;
    }
    return 0;
}

/* One params entry.  Keys are stored under their canonical name (netlist.h),
 * so "nF" is nf and "w" is W, and a key given twice in any case is refused. */
static int read_param(jreader *jr, int dev, const cJSON *v, int index)
{
    netlist_device *d = &jr->nl->devs[dev];
    const char *key = v->string;
    if (!valid_name(key) || strlen(key) > 64)
        return schema_error(jr, "devices[%d] (%s): bad param name \"%s\"", index, d->name, key);
    char name[128];
    netlist_canonical_param(d, key, name, sizeof name);
    if (netlist_param_find(d, name))   /* W_finger is stored as W, so it is caught too */
        return schema_error(jr, "devices[%d] (%s): param \"%s\" given twice", index, d->name, key);
    if (netlist_is_mos(d) && strcmp(name, "nf") == 0) {
        if (cJSON_IsString(v) && su_casecmp(v->valuestring, "ZZZ") == 0) d->nf = 0;
        else if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 100000 &&
                 v->valuedouble == floor(v->valuedouble)) d->nf = (int)v->valuedouble;
        else return schema_error(jr, "devices[%d] (%s): nf must be a positive integer or \"ZZZ\"", index, d->name);
        return 0;
    }
    if (netlist_is_mos(d) && strcmp(name, "w_finger") == 0) {
        if (!cJSON_IsNumber(v) || netlist_param_find(d, "W"))
            return schema_error(jr, "devices[%d] (%s): W_finger must be a number and excludes W", index, d->name);
        netlist_param_set(d, "W", v->valuedouble);
        d->wmode = NETLIST_W_PER_FINGER;
        return 0;
    }
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) netlist_param_set(d, name, v->valuedouble);
    else if (cJSON_IsString(v) && !strpbrk(v->valuestring, "\n\r")) netlist_param_set_text(d, name, v->valuestring);
    else return schema_error(jr, "devices[%d] (%s): param \"%s\" must be a number", index, d->name, key);
    return 0;
}

static int read_device(jreader *jr, const cJSON *item, int index)
{
    const char *name = get_string(item, "name"), *type_s = get_string(item, "type");
    if (!cJSON_IsObject(item) || !name || !type_s)
        return schema_error(jr, "devices[%d]: expected an object with string \"name\" and \"type\"", index);
    if (!valid_name(name)) return schema_error(jr, "devices[%d]: \"%s\" is not a usable device name", index, name);
    netlist_devtype type;
    if (netlist_devtype_parse(type_s, &type) != 0)
        return halo_err_set(jr->err, HALO_E_JSN_VOCAB, jr->source, 0, "Device type", type_s,
                            "nmos pmos npn pnp res cap ind isrc vsrc other");
    const cJSON *model_j = cJSON_GetObjectItemCaseSensitive(item, "model");
    const char *model = cJSON_IsString(model_j) ? model_j->valuestring : "";
    if (*model && !valid_name(model)) return schema_error(jr, "devices[%d] (%s): bad model name", index, name);
    int dev = netlist_device_add(jr->nl, name, type, 'X', model);
    if (dev < 0) return schema_error(jr, "devices[%d]: device \"%s\" is listed twice", index, name);
    int rc = read_pins(jr, dev, cJSON_GetObjectItemCaseSensitive(item, "pins"), index);
    if (rc) return rc;
    jr->nl->devs[dev].element = element_for(type, model, &jr->nl->devs[dev]);
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(item, "params"), *v;
    if (params && !cJSON_IsObject(params)) return schema_error(jr, "devices[%d] (%s): \"params\" must be an object", index, name);
    cJSON_ArrayForEach(v, params) {
        rc = read_param(jr, dev, v, index);
        if (rc) return rc;
    }
    const netlist_device *d = &jr->nl->devs[dev];
    if (netlist_is_mos(d) && d->npins != 4)
        return schema_error(jr, "devices[%d] (%s): a transistor needs 4 pins (D G S B), got %d", index, name, d->npins);
    return 0;
}

static int line_of_offset(const char *text, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n') line++;
    return line;
}

static int read_root(jreader *jr, const cJSON *root)
{
    const cJSON *nets = cJSON_GetObjectItemCaseSensitive(root, "nets");
    const cJSON *devs = cJSON_GetObjectItemCaseSensitive(root, "devices");
    if (!cJSON_IsObject(root)) return schema_error(jr, "the top level must be an object with \"nets\" and \"devices\"");
    if (!cJSON_IsArray(nets)) return schema_error(jr, "\"nets\" must be an array");
    if (!cJSON_IsArray(devs)) return schema_error(jr, "\"devices\" must be an array");
    int i = 0, rc;
    const cJSON *item;
    cJSON_ArrayForEach(item, nets) {
        if ((rc = read_net(jr, item, i++))) return rc;
    }
    i = 0;
    cJSON_ArrayForEach(item, devs) {
        if ((rc = read_device(jr, item, i++))) return rc;
    }
    if (jr->nl->ndevs == 0) return schema_error(jr, "\"devices\" is empty");
    return 0;
}

netlist *netjson_read_text(const char *text, size_t len, const char *name, halo_err *err)
{
    const char *end = NULL;
    const char *source = name ? name : "(json)";
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        size_t off = end && end >= text ? (size_t)(end - text) : 0;
        if (off > len) off = len;
        size_t rest = off + 1;
        while (rest < len && isspace((unsigned char)text[rest])) rest++;
        const char *why = rest >= len ? "the text ends too early" : "unexpected character";
        halo_err_set(err, HALO_E_JSN_SYNTAX, source, 0, (long)off, line_of_offset(text, off), why);
        return NULL;
    }
    while (end && end < text + len && isspace((unsigned char)*end)) end++;
    if (end && end < text + len) {
        size_t off = (size_t)(end - text);
        halo_err_set(err, HALO_E_JSN_SYNTAX, source, 0, (long)off, line_of_offset(text, off),
                     "text after the end of the JSON value");
        cJSON_Delete(root);
        return NULL;
    }
    char *dname = su_name_from_path(source, 1);
    jreader jr = {source, err, netlist_new(dname)};
    free(dname);
    free(jr.nl->source);
    jr.nl->source = su_strdup(source);
    int rc = read_root(&jr, root);
    cJSON_Delete(root);
    if (rc) {
        netlist_free(jr.nl);
        return NULL;
    }
    return jr.nl;
}

netlist *netjson_read_file(const char *path, halo_err *err)
{
    size_t len;
    char *text = halo_read_file(path, &len, err, NULL, 0);
    if (!text) return NULL;
    netlist *nl = netjson_read_text(text, len, path, err);
    free(text);
    return nl;
}
