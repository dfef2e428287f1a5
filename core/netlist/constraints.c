/*
 * constraints.c -- match groups and pairs.json (see constraints.h).
 */
#include "constraints.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/strutil.h"

/* Renumber groups 0..k-1 in order of their first device. */
static void renumber(netlist *nl)
{
    int max = -1;
    for (int i = 0; i < nl->ndevs; i++)
        if (nl->devs[i].match_group > max) max = nl->devs[i].match_group;
    int *map = halo_xmalloc((size_t)(max + 2) * sizeof *map);
    for (int g = 0; g <= max; g++) map[g] = -1;
    int next = 0;
    for (int i = 0; i < nl->ndevs; i++) {
        int g = nl->devs[i].match_group;
        if (g < 0) continue;
        if (map[g] < 0) map[g] = next++;
        nl->devs[i].match_group = map[g];
    }
    nl->nmatch_groups = next;
    free(map);
}

/* Check names exist, are distinct enough and share one type. */
static int resolve(const netlist *nl, const char *const *names, int n, const char *source, int *idx,
                   halo_err *err)
{
    for (int i = 0; i < n; i++) {
        idx[i] = netlist_device_find(nl, names[i]);
        if (idx[i] < 0) return halo_err_set(err, HALO_E_CON_DEVICE, NULL, 0, names[i], source);
        const netlist_device *a = &nl->devs[idx[0]], *b = &nl->devs[idx[i]];
        if (a->type != b->type)
            return halo_err_set(err, HALO_E_CON_TYPE, NULL, 0, a->name, netlist_devtype_name(a->type),
                                b->name, netlist_devtype_name(b->type));
    }
    int distinct = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++) seen |= idx[j] == idx[i];
        distinct += !seen;
    }
    if (distinct < 2) return halo_err_set(err, HALO_E_CON_SELF, NULL, 0, n ? names[0] : "nothing");
    return 0;
}

/* Union: the devices and every group they already belong to become one. */
static void merge(netlist *nl, const int *idx, int n)
{
    int target = nl->nmatch_groups + 1;   /* fresh id above all current ones */
    for (int i = 0; i < n; i++) {
        int old = nl->devs[idx[i]].match_group;
        if (old >= 0) {
            for (int d = 0; d < nl->ndevs; d++)
                if (nl->devs[d].match_group == old) nl->devs[d].match_group = target;
        }
        nl->devs[idx[i]].match_group = target;
    }
    renumber(nl);
}

int constraints_match(netlist *nl, const char *const *names, int n, const char *source, halo_err *err)
{
    int *idx = halo_xcalloc((size_t)(n ? n : 1), sizeof *idx);
    int rc = resolve(nl, names, n, source, idx, err);
    if (!rc) merge(nl, idx, n);
    free(idx);
    return rc;
}

void constraints_clear(netlist *nl)
{
    for (int i = 0; i < nl->ndevs; i++) nl->devs[i].match_group = -1;
    nl->nmatch_groups = 0;
}

int constraints_group_members(const netlist *nl, int g, int *out, int cap)
{
    int n = 0;
    for (int i = 0; i < nl->ndevs; i++)
        if (nl->devs[i].match_group == g) {
            if (out && n < cap) out[n] = i;
            n++;
        }
    return n;
}

static int format_error(halo_err *err, const char *source, const char *what)
{
    return halo_err_set(err, HALO_E_CON_FORMAT, NULL, 0, source, what);
}

/* Validate every pair before applying any, so a bad file changes nothing. */
static int apply_pairs(netlist *nl, const cJSON *pairs, const char *source, int dry_run, halo_err *err)
{
    const cJSON *pair;
    int rc = 0;
    cJSON_ArrayForEach(pair, pairs) {
        int n = cJSON_GetArraySize(pair);
        if (!cJSON_IsArray(pair) || n < 2) return format_error(err, source, "each entry of \"pairs\" must be a list of two or more device names");
        const char **names = halo_xcalloc((size_t)n, sizeof *names);
        int i = 0;
        const cJSON *name;
        cJSON_ArrayForEach(name, pair) {
            names[i++] = cJSON_IsString(name) ? name->valuestring : NULL;
        }
        for (i = 0; i < n && !rc; i++)
            if (!names[i]) rc = format_error(err, source, "device names in \"pairs\" must be strings");
        int *idx = halo_xcalloc((size_t)n, sizeof *idx);
        if (!rc) rc = resolve(nl, names, n, source, idx, err);
        if (!rc && !dry_run) merge(nl, idx, n);
        free(idx);
        free(names);
        if (rc) return rc;
    }
    return 0;
}

/* The whole text must be one JSON value: cJSON stops after the first, so
 * what follows it (a second object, a stray bracket) is checked here.
 * NULL with err naming the line and byte where the JSON goes wrong. */
static cJSON *parse_whole(const char *text, size_t len, const char *source, halo_err *err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    const char *p = root ? end : NULL;
    while (p && p < text + len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    if (root && p == text + len) return root;
    int trailing = root != NULL;
    const char *at = trailing ? p : end ? end : text;
    cJSON_Delete(root);
    int line = 1;
    for (const char *q = text; q < at; q++) line += *q == '\n';
    char what[120];
    snprintf(what, sizeof what, "%s at line %d (byte %ld)", trailing ? "text after the JSON value" : "not valid JSON",
             line, (long)(at - text));
    format_error(err, source, what);
    return NULL;
}

int constraints_read_pairs_text(netlist *nl, const char *text, size_t len, const char *source, halo_err *err)
{
    cJSON *root = parse_whole(text, len, source, err);
    if (!root) return err->id;
    const cJSON *pairs = cJSON_GetObjectItemCaseSensitive(root, "pairs");
    int rc;
    if (!cJSON_IsObject(root) || !cJSON_IsArray(pairs))
        rc = format_error(err, source, "expected {\"pairs\": [[\"M1\", \"M2\"], ...]}");
    else
        rc = apply_pairs(nl, pairs, source, 1, err);
    if (!rc) rc = apply_pairs(nl, pairs, source, 0, err);
    cJSON_Delete(root);
    return rc;
}

int constraints_read_pairs_file(netlist *nl, const char *path, halo_err *err)
{
    size_t len;
    char *text = halo_read_file(path, &len, err, NULL, 0);
    if (!text) return err->id;
    int rc = constraints_read_pairs_text(nl, text, len, path, err);
    free(text);
    return rc;
}
