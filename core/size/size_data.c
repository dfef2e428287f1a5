/*
 * size_data.c -- sizing rows as JSONL (cJSON) and back (see size_data.h).
 */
#include "size_data.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/strutil.h"

/* ---------------------------------------------------------------- writing */

static cJSON *sim_params_of(const size_space *s, const double *x, const size_row_info *in)
{
    cJSON *sp = cJSON_CreateObject();
    cJSON_AddNumberToObject(sp, "vdd", in->vdd);
    cJSON *mm = cJSON_AddObjectToObject(sp, "model_map");
    cJSON_AddStringToObject(mm, "nmos4", "sky130_fd_pr__nfet_01v8");
    cJSON_AddStringToObject(mm, "pmos4", "sky130_fd_pr__pfet_01v8");
    cJSON_AddStringToObject(sp, "testbench", "OpampTestbench");
    cJSON_AddStringToObject(sp, "models", in->models ? in->models : "");
    cJSON_AddObjectToObject(sp, "convergence_opts");
    cJSON *sweep = cJSON_AddObjectToObject(sp, "sweep");
    cJSON *design = cJSON_AddObjectToObject(sweep, "design");
    cJSON_AddNumberToObject(design, "seed", (double)in->seed);
    cJSON_AddNumberToObject(design, "index", in->index);
    cJSON *sizing = cJSON_AddObjectToObject(design, "sizing");
    for (int i = 0; i < s->nvars; i++) cJSON_AddNumberToObject(sizing, s->vars[i].name, x[i]);
    cJSON *test = cJSON_AddObjectToObject(sweep, "test");
    cJSON_AddNumberToObject(test, "vcm_V", in->vcm);
    cJSON_AddNumberToObject(test, "cl_F", in->cl);
    cJSON_AddNumberToObject(test, "ib_A", in->ibias);
    return sp;
}

static cJSON *metrics_of(const size_row_info *in)
{
    cJSON *m = in->extra_json ? cJSON_Parse(in->extra_json) : NULL;
    if (!cJSON_IsObject(m)) {
        cJSON_Delete(m);
        m = cJSON_CreateObject();
    }
    for (int i = 0; i < in->nmetrics; i++)
        if (isfinite(in->values[i])) cJSON_AddNumberToObject(m, in->keys[i], in->values[i]);
    return m;
}

/* A cJSON object serialised compactly and added as a string field: the
 * schema carries sim_params, metrics and netlist_json as JSON strings. */
static void add_json_string(cJSON *row, const char *key, cJSON *obj)
{
    char *text = cJSON_PrintUnformatted(obj);
    cJSON_AddStringToObject(row, key, text ? text : "{}");
    free(text);
    cJSON_Delete(obj);
}

char *size_row_json(const size_space *s, const double *x, const size_row_info *in)
{
    char id[160];
    snprintf(id, sizeof id, "%s_s%05d", in->design, in->index);
    cJSON *row = cJSON_CreateObject();
    cJSON_AddStringToObject(row, "circuit_id", id);
    cJSON_AddStringToObject(row, "base_circuit_id", in->design);
    cJSON_AddStringToObject(row, "topology", in->design);
    cJSON_AddStringToObject(row, "source_dataset", "halo");
    cJSON_AddStringToObject(row, "pdk", in->pdk ? in->pdk : "sky130");
    add_json_string(row, "sim_params", sim_params_of(s, x, in));
    int ok = in->status == NULL || in->status[0] == 0;
    cJSON_AddBoolToObject(row, "converged", ok);
    cJSON_AddStringToObject(row, "error", ok ? "" : in->status);
    if (!ok && in->detail) cJSON_AddStringToObject(row, "error_detail", in->detail);
    add_json_string(row, "metrics", metrics_of(in));
    cJSON_AddStringToObject(row, "netlist_json", in->netlist_json ? in->netlist_json : "");
    char *text = cJSON_PrintUnformatted(row);
    cJSON_Delete(row);
    return text;
}

/* ---------------------------------------------------------------- reading */

typedef struct row_acc {
    size_data *d;
    int cap;
    char (*keys)[32];         /* metric keys in order of first appearance */
    int nkeys, capkeys;
    double *mv;               /* nrows * capkeys (grown), NaN when absent */
    int mcols;                /* columns of mv as allocated */
} row_acc;

static int key_index(row_acc *a, const char *key)
{
    for (int i = 0; i < a->nkeys; i++)
        if (strcmp(a->keys[i], key) == 0) return i;
    if (strlen(key) >= 32) return -1;
    su_grow((void **)&a->keys, &a->capkeys, a->nkeys + 1, sizeof *a->keys);
    snprintf(a->keys[a->nkeys], 32, "%s", key);
    return a->nkeys++;
}

/* Make room for one more row with at least ncols metric columns. */
static void grow_rows(row_acc *a, int ncols)
{
    size_data *d = a->d;
    if (ncols > a->mcols) {
        int nc = ncols + 8;
        double *mv = halo_xmalloc(sizeof *mv * (size_t)(a->cap ? a->cap : 1) * nc);
        for (int r = 0; r < d->nrows; r++)
            for (int c = 0; c < nc; c++) mv[(size_t)r * nc + c] = c < a->mcols ? a->mv[(size_t)r * a->mcols + c] : NAN;
        free(a->mv);
        a->mv = mv, a->mcols = nc;
    }
    if (d->nrows < a->cap) return;
    a->cap = a->cap ? 2 * a->cap : 64;
    a->mv = halo_xrealloc(a->mv, sizeof *a->mv * (size_t)a->cap * a->mcols);
    d->x = halo_xrealloc(d->x, sizeof *d->x * (size_t)a->cap * (d->nvars ? d->nvars : 1));
    d->converged = halo_xrealloc(d->converged, sizeof *d->converged * a->cap);
    d->id = halo_xrealloc(d->id, sizeof *d->id * a->cap);
}

static cJSON *parse_field(const cJSON *row, const char *key)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(row, key);
    return cJSON_IsString(f) ? cJSON_Parse(f->valuestring) : NULL;
}

/* The variables of the first row fix the columns. */
static void take_vars(size_data *d, const cJSON *sizing)
{
    d->nvars = cJSON_GetArraySize(sizing);
    d->var = halo_xcalloc(d->nvars ? d->nvars : 1, sizeof *d->var);
    int i = 0;
    for (const cJSON *v = sizing->child; v; v = v->next) snprintf(d->var[i++], 80, "%s", v->string);
}

static int row_sizing(size_data *d, const cJSON *sizing, double *x, char *why, size_t len)
{
    if (cJSON_GetArraySize(sizing) != d->nvars) {
        snprintf(why, len, "it sizes %d variables, the first row %d", cJSON_GetArraySize(sizing), d->nvars);
        return -1;
    }
    for (int i = 0; i < d->nvars; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(sizing, d->var[i]);
        if (!cJSON_IsNumber(v) || !(v->valuedouble > 0)) {
            snprintf(why, len, "sizing variable %s is missing or not a positive number", d->var[i]);
            return -1;
        }
        x[i] = v->valuedouble;
    }
    return 0;
}

static int read_row(row_acc *a, const char *line, char *why, size_t len)
{
    size_data *d = a->d;
    cJSON *row = cJSON_Parse(line);
    cJSON *sp = row ? parse_field(row, "sim_params") : NULL;
    cJSON *m = row ? parse_field(row, "metrics") : NULL;
    int rc = -1;
    const cJSON *sizing = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sp, "sweep"), "design"), "sizing");
    const cJSON *conv = cJSON_GetObjectItemCaseSensitive(row, "converged");
    const cJSON *cid = cJSON_GetObjectItemCaseSensitive(row, "circuit_id");
    if (!row) snprintf(why, len, "not a JSON object");
    else if (!cJSON_IsObject(sizing)) snprintf(why, len, "no sim_params.sweep.design.sizing");
    else if (!cJSON_IsObject(m) || !cJSON_IsBool(conv)) snprintf(why, len, "no metrics or converged");
    else {
        if (d->nrows == 0) {
            take_vars(d, sizing);
            const cJSON *base = cJSON_GetObjectItemCaseSensitive(row, "base_circuit_id");
            snprintf(d->design, sizeof d->design, "%s", cJSON_IsString(base) ? base->valuestring : "");
        }
        int nnew = a->nkeys;
        for (const cJSON *v = m->child; v; v = v->next) nnew += cJSON_IsNumber(v);
        grow_rows(a, nnew);
        if (row_sizing(d, sizing, d->x + (size_t)d->nrows * d->nvars, why, len) == 0) {
            double *mrow = a->mv + (size_t)d->nrows * a->mcols;
            for (int c = 0; c < a->mcols; c++) mrow[c] = NAN;
            for (const cJSON *v = m->child; v; v = v->next) {
                int k = cJSON_IsNumber(v) ? key_index(a, v->string) : -1;
                if (k >= 0) mrow[k] = v->valuedouble;
            }
            d->converged[d->nrows] = cJSON_IsTrue(conv);
            snprintf(d->id[d->nrows], 48, "%s", cJSON_IsString(cid) ? cid->valuestring : "");
            d->nrows++;
            rc = 0;
        }
    }
    cJSON_Delete(row);
    cJSON_Delete(sp);
    cJSON_Delete(m);
    return rc;
}

static int cmp_key(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* Sort the metric columns by key, so every reader sees the same order. */
static void finish_metrics(row_acc *a)
{
    size_data *d = a->d;
    d->nmetrics = a->nkeys;
    d->metric = halo_xcalloc(a->nkeys ? a->nkeys : 1, sizeof *d->metric);
    if (a->nkeys) memcpy(d->metric, a->keys, sizeof *d->metric * a->nkeys);   /* rows without metrics: keys is NULL */
    qsort(d->metric, a->nkeys, sizeof *d->metric, cmp_key);
    d->m = halo_xmalloc(sizeof *d->m * (size_t)(d->nrows ? d->nrows : 1) * (a->nkeys ? a->nkeys : 1));
    for (int k = 0; k < a->nkeys; k++) {
        int src = 0;
        while (strcmp(a->keys[src], d->metric[k]) != 0) src++;
        for (int r = 0; r < d->nrows; r++) d->m[(size_t)r * a->nkeys + k] = a->mv[(size_t)r * a->mcols + src];
    }
}

int size_data_read(const char *path, size_data *d, halo_err *err)
{
    memset(d, 0, sizeof *d);
    size_t len;
    char *text = halo_read_file(path, &len, err, NULL, 0);
    if (!text) return -1;
    row_acc a = {.d = d};
    int lineno = 0, rc = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        lineno++;
        if (strspn(line, " \t\r") == strlen(line)) continue;
        char why[200];
        if (read_row(&a, line, why, sizeof why) != 0) {
            rc = halo_err_set(err, HALO_E_SIZ_DATA, path, lineno, path, why);
            break;
        }
    }
    free(text);
    if (rc == 0 && d->nrows == 0) rc = halo_err_set(err, HALO_E_SIZ_DATA, path, 0, path, "no rows");
    if (rc == 0) finish_metrics(&a);
    free(a.keys);
    free(a.mv);
    if (rc) size_data_free(d);
    return rc ? -1 : 0;
}

void size_data_free(size_data *d)
{
    free(d->var);
    free(d->metric);
    free(d->x);
    free(d->m);
    free(d->converged);
    free(d->id);
    memset(d, 0, sizeof *d);
}

int size_data_metric(const size_data *d, const char *key)
{
    for (int i = 0; i < d->nmetrics; i++)
        if (strcmp(d->metric[i], key) == 0) return i;
    return -1;
}
