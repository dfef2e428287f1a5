/*
 * sizer_io.c -- a sizer's files: DIR/sizer.json with everything but the
 * weights, DIR/<block>.safetensors per block, DIR/mlp.safetensors and
 * DIR/forward.safetensors (see
 * sizer.h).  Loading checks every field before it builds anything, so a
 * damaged or foreign directory is refused with the file and the reason.
 */
#include "sizer.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "nn/nn_safetensors.h"

#define SIZER_MAX_VARS 512
#define SIZER_MAX_TRAIN 1000000

static cJSON *numbers(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static cJSON *metric_json(const sizer_metric *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key", m->key);
    cJSON_AddBoolToObject(o, "log10", m->logscale);
    cJSON_AddNumberToObject(o, "mean", m->mean);
    cJSON_AddNumberToObject(o, "std", m->std);
    return o;
}

/* "forward": the ensemble's size, its outputs with their transforms,
 * which outputs make each metric, and its training. */
static cJSON *forward_json(const sizer *s)
{
    const sizer_forward *f = s->forward;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "nets", f->nnets);
    cJSON *outs = cJSON_AddArrayToObject(o, "outputs");
    for (int j = 0; j < f->nout; j++) cJSON_AddItemToArray(outs, metric_json(&f->out[j]));
    cJSON *parts = cJSON_AddArrayToObject(o, "parts");
    for (int k = 0; k < s->nmetrics; k++) {
        double p[2] = {f->part[k][0], f->part[k][1]};
        cJSON_AddItemToArray(parts, numbers(p, 2));
    }
    cJSON_AddNumberToObject(o, "loss", f->loss);
    cJSON_AddNumberToObject(o, "seconds", f->seconds);
    return o;
}

static cJSON *sizer_json(const sizer *s)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "format", "halo-sizer-1");
    cJSON_AddStringToObject(j, "design", s->design);
    cJSON *vars = cJSON_AddArrayToObject(j, "variables");
    for (int v = 0; v < s->nvars; v++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", s->var[v]);
        cJSON_AddNumberToObject(o, "lo", s->lo[v]);
        cJSON_AddNumberToObject(o, "hi", s->hi[v]);
        cJSON_AddNumberToObject(o, "ln_mean", s->umean[v]);
        cJSON_AddNumberToObject(o, "ln_std", s->ustd[v]);
        cJSON_AddItemToArray(vars, o);
    }
    cJSON *mets = cJSON_AddArrayToObject(j, "metrics");
    for (int k = 0; k < s->nmetrics; k++) cJSON_AddItemToArray(mets, metric_json(&s->metric[k]));
    cJSON *blocks = cJSON_AddArrayToObject(j, "blocks");
    for (int b = 0; b < s->nblocks; b++) {
        const sizer_block *k = &s->blocks[b];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", k->name);
        cJSON_AddStringToObject(o, "kind", k->kind);
        double vi[SIZER_MAX_VARS];
        for (int i = 0; i < k->nvar && i < SIZER_MAX_VARS; i++) vi[i] = k->var[i];
        cJSON_AddItemToObject(o, "variables", numbers(vi, k->nvar));
        cJSON_AddNumberToObject(o, "loss", k->loss);
        cJSON_AddNumberToObject(o, "seconds", k->seconds);
        cJSON_AddItemToArray(blocks, o);
    }
    cJSON_AddBoolToObject(j, "mlp", s->mlp != NULL);
    cJSON_AddNumberToObject(j, "mlp_loss", s->mlp_loss);
    cJSON_AddNumberToObject(j, "mlp_seconds", s->mlp_seconds);
    if (s->forward) cJSON_AddItemToObject(j, "forward", forward_json(s));
    else cJSON_AddBoolToObject(j, "forward", 0);
    cJSON *tc = cJSON_AddArrayToObject(j, "train_conditions");
    for (int r = 0; r < s->ntrain; r++) {
        double row[SIZER_MAX_METRICS];
        for (int k = 0; k < s->nmetrics; k++) row[k] = s->train_c[(size_t)r * s->nmetrics + k];
        cJSON_AddItemToArray(tc, numbers(row, s->nmetrics));
    }
    return j;
}

static void path_in(char *out, size_t len, const char *dir, const char *name, const char *ext)
{
    snprintf(out, len, "%s/%s%s", dir, name, ext);
}

/* The file stem of forward member i: "forward", then "forward_1" ... */
static void forward_stem(char *out, size_t len, int i)
{
    if (i == 0) snprintf(out, len, "forward");
    else snprintf(out, len, "forward_%d", i);
}

static int save_net(const sizer *s, const size_mlp *m, const char *dir, const char *name, const char *role,
                    halo_err *err)
{
    char path[1200];
    path_in(path, sizeof path, dir, name, ".safetensors");
    nn_meta meta = {0};
    nn_meta_set(&meta, "design", s->design);
    nn_meta_set(&meta, "role", role);
    int rc = size_mlp_save(m, path, &meta, err);
    nn_meta_free(&meta);
    return rc;
}

int sizer_save(const sizer *s, const char *dir, halo_err *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) return halo_err_set(err, HALO_E_WRITE, dir, 0, dir, strerror(errno));
    char path[1200];
    for (int b = 0; b < s->nblocks; b++) {
        path_in(path, sizeof path, dir, s->blocks[b].name, ".safetensors");
        nn_meta meta = {0};
        nn_meta_set(&meta, "design", s->design);
        nn_meta_set(&meta, "block", s->blocks[b].name);
        nn_meta_set(&meta, "kind", s->blocks[b].kind);
        int rc = ddpm_save(s->blocks[b].model, path, &meta, err);
        nn_meta_free(&meta);
        if (rc != 0) return -1;
    }
    if (s->mlp && save_net(s, s->mlp, dir, "mlp", "whole-netlist MLP inverse regressor", err)) return -1;
    for (int i = 0; s->forward && i < s->forward->nnets; i++) {
        char stem[32];
        forward_stem(stem, sizeof stem, i);
        if (save_net(s, s->forward->net[i], dir, stem, "forward model member: sizing to metrics, for screening", err))
            return -1;
    }
    cJSON *j = sizer_json(s);
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    path_in(path, sizeof path, dir, "sizer", ".json");
    int rc = halo_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- loading */

typedef struct load_ctx {
    const char *path;
    halo_err *err;
} load_ctx;

static int bad(load_ctx *l, const char *why) { return halo_err_set(l->err, HALO_E_SIZ_FILE, l->path, 0, l->path, why); }

static int get_num(const cJSON *o, const char *key, double *v)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble)) return -1;
    *v = n->valuedouble;
    return 0;
}

static int get_str(const cJSON *o, const char *key, char *out, size_t len)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(n) || strlen(n->valuestring) >= len || !n->valuestring[0]) return -1;
    snprintf(out, len, "%s", n->valuestring);
    return 0;
}

static int load_vars(load_ctx *l, sizer *s, const cJSON *vars)
{
    int v = 0;
    for (const cJSON *o = vars->child; o; o = o->next, v++)
        if (get_str(o, "name", s->var[v], sizeof s->var[v]) || get_num(o, "lo", &s->lo[v]) ||
            get_num(o, "hi", &s->hi[v]) || get_num(o, "ln_mean", &s->umean[v]) || get_num(o, "ln_std", &s->ustd[v]) ||
            !(s->ustd[v] > 0))
            return bad(l, "a variable lacks name, lo, hi, ln_mean or a positive ln_std");
    return 0;
}

/* An array of 1 to max metrics with their transforms into m, their
 * count into *n. */
static int load_metric_list(load_ctx *l, const cJSON *mets, int max, sizer_metric *m, int *n)
{
    *n = cJSON_IsArray(mets) ? cJSON_GetArraySize(mets) : 0;
    if (*n < 1 || *n > max) return bad(l, "a list of metrics or outputs is empty or too long");
    int k = 0;
    for (const cJSON *o = mets->child; o; o = o->next, k++) {
        if (get_str(o, "key", m[k].key, sizeof m[k].key) || get_num(o, "mean", &m[k].mean) ||
            get_num(o, "std", &m[k].std) || !(m[k].std > 0))
            return bad(l, "a metric lacks key, mean or a positive std");
        m[k].logscale = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "log10"));
    }
    return 0;
}

static int load_block(load_ctx *l, sizer *s, sizer_block *k, const cJSON *o, const char *dir)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(o, "variables");
    if (get_str(o, "name", k->name, sizeof k->name) || !cJSON_IsArray(vars) || cJSON_GetArraySize(vars) < 1 ||
        cJSON_GetArraySize(vars) > s->nvars || strchr(k->name, '/') || k->name[0] == '.')
        return bad(l, "a block lacks a plain name or its variables");
    get_str(o, "kind", k->kind, sizeof k->kind);
    get_num(o, "loss", &k->loss);        /* provenance: optional */
    get_num(o, "seconds", &k->seconds);
    k->var = halo_xmalloc(sizeof *k->var * cJSON_GetArraySize(vars));
    for (const cJSON *v = vars->child; v; v = v->next) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble >= s->nvars || v->valuedouble != (int)v->valuedouble)
            return bad(l, "a block names a variable that does not exist");
        k->var[k->nvar++] = (int)v->valuedouble;
    }
    char path[1200];
    path_in(path, sizeof path, dir, k->name, ".safetensors");
    k->model = ddpm_load(path, NULL, l->err);
    if (!k->model) return -1;
    if (ddpm_get_config(k->model)->dx != k->nvar || ddpm_get_config(k->model)->dc != s->nmetrics)
        return halo_err_set(l->err, HALO_E_SIZ_FILE, path, 0, path, "its dimensions differ from sizer.json's block");
    return 0;
}

static int load_train(load_ctx *l, sizer *s, const cJSON *tc)
{
    s->ntrain = cJSON_IsArray(tc) ? cJSON_GetArraySize(tc) : 0;
    if (s->ntrain > SIZER_MAX_TRAIN) return bad(l, "too many train_conditions");
    s->train_c = halo_xmalloc(sizeof *s->train_c * ((size_t)s->ntrain * s->nmetrics + 1));
    int r = 0;
    for (const cJSON *row = tc ? tc->child : NULL; row; row = row->next, r++) {
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != s->nmetrics) return bad(l, "a train_conditions row has the wrong length");
        int k = 0;
        for (const cJSON *v = row->child; v; v = v->next, k++) {
            if (!cJSON_IsNumber(v)) return bad(l, "train_conditions holds a non-number");
            s->train_c[(size_t)r * s->nmetrics + k] = (float)v->valuedouble;
        }
    }
    return 0;
}

/* DIR/<name>.safetensors of dimensions din -> dout. */
static int load_net(load_ctx *l, const char *dir, const char *name, int din, int dout, size_mlp **out)
{
    char path[1200];
    path_in(path, sizeof path, dir, name, ".safetensors");
    *out = size_mlp_load(path, NULL, l->err);
    if (!*out) return -1;
    if (size_mlp_get_config(*out)->dc != din || size_mlp_get_config(*out)->dx != dout)
        return halo_err_set(l->err, HALO_E_SIZ_FILE, path, 0, path, "its dimensions differ from sizer.json");
    return 0;
}

/* Which outputs make each metric: [[a, b], ...], one pair per metric. */
static int load_parts(load_ctx *l, const sizer *s, sizer_forward *f, const cJSON *parts)
{
    if (!cJSON_IsArray(parts) || cJSON_GetArraySize(parts) != s->nmetrics) return bad(l, "forward parts: one pair per metric");
    int k = 0;
    for (const cJSON *p = parts->child; p; p = p->next, k++) {
        if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2) return bad(l, "forward parts: one pair per metric");
        for (int i = 0; i < 2; i++) {
            const cJSON *v = cJSON_GetArrayItem(p, i);
            if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble >= f->nout || v->valuedouble != (int)v->valuedouble)
                return bad(l, "forward parts names an output that does not exist");
            f->part[k][i] = (int)v->valuedouble;
        }
    }
    return 0;
}

/* The forward model: absent (false), one net over the conditioning
 * metrics (true: a sizer from before ensembles), or the object
 * forward_json writes. */
static int load_forward(load_ctx *l, sizer *s, const cJSON *j, const char *dir)
{
    const cJSON *fj = cJSON_GetObjectItemCaseSensitive(j, "forward");
    if (!cJSON_IsTrue(fj) && !cJSON_IsObject(fj)) return 0;
    sizer_forward *f = s->forward = halo_xcalloc(1, sizeof *f);
    double nets = 1;
    if (cJSON_IsTrue(fj)) {
        f->nout = s->nmetrics;
        for (int k = 0; k < s->nmetrics; k++) f->out[k] = s->metric[k], f->part[k][0] = f->part[k][1] = k;
        get_num(j, "forward_loss", &f->loss);
        get_num(j, "forward_seconds", &f->seconds);
    } else {
        if (get_num(fj, "nets", &nets) || nets < 1 || nets > SIZER_MAX_FORWARD || nets != (int)nets)
            return bad(l, "forward: nets must be 1 to 16");
        if (load_metric_list(l, cJSON_GetObjectItemCaseSensitive(fj, "outputs"), SIZER_MAX_OUTPUTS, f->out, &f->nout) ||
            load_parts(l, s, f, cJSON_GetObjectItemCaseSensitive(fj, "parts")))
            return -1;
        get_num(fj, "loss", &f->loss);
        get_num(fj, "seconds", &f->seconds);
    }
    for (int i = 0; i < (int)nets; i++) {
        char stem[32];
        forward_stem(stem, sizeof stem, i);
        if (load_net(l, dir, stem, s->nvars, f->nout, &f->net[i])) return -1;
        f->nnets++;
    }
    return 0;
}

static sizer *load_json(load_ctx *l, const cJSON *j, const char *dir)
{
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(j, "format");
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(j, "variables");
    const cJSON *mets = cJSON_GetObjectItemCaseSensitive(j, "metrics");
    const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(j, "blocks");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "halo-sizer-1") != 0) {
        bad(l, "no \"format\": \"halo-sizer-1\"");
        return NULL;
    }
    int nv = cJSON_GetArraySize(vars), nb = cJSON_GetArraySize(blocks);
    if (!cJSON_IsArray(vars) || nv < 1 || nv > SIZER_MAX_VARS || !cJSON_IsArray(mets) || !cJSON_IsArray(blocks) ||
        nb < 1 || nb > SIZER_MAX_VARS) {
        bad(l, "variables (1 to 512), metrics and blocks must be non-empty arrays");
        return NULL;
    }
    sizer *s = sizer_alloc(nv, nb);
    s->nblocks = 0;
    get_str(j, "design", s->design, sizeof s->design);
    get_num(j, "mlp_loss", &s->mlp_loss);
    get_num(j, "mlp_seconds", &s->mlp_seconds);
    int rc = load_vars(l, s, vars) || load_metric_list(l, mets, SIZER_MAX_METRICS, s->metric, &s->nmetrics) ||
             load_train(l, s, cJSON_GetObjectItemCaseSensitive(j, "train_conditions"));
    for (const cJSON *o = blocks->child; o && rc == 0; o = o->next) rc = load_block(l, s, &s->blocks[s->nblocks++], o, dir);
    if (rc == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "mlp")))
        rc = load_net(l, dir, "mlp", s->nmetrics, s->nvars, &s->mlp);
    if (rc == 0) rc = load_forward(l, s, j, dir);
    if (rc) {
        sizer_free(s);
        return NULL;
    }
    return s;
}

sizer *sizer_load(const char *dir, halo_err *err)
{
    char path[1200];
    path_in(path, sizeof path, dir, "sizer", ".json");
    size_t len;
    char *text = halo_read_file(path, &len, err, NULL, 0);
    if (!text) return NULL;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    load_ctx l = {path, err};
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        bad(&l, "not a JSON object");
        return NULL;
    }
    sizer *s = load_json(&l, j, dir);
    cJSON_Delete(j);
    return s;
}
