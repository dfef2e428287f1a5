/*
 * fuzz_pairs.c -- libFuzzer harness of the pairs.json reader
 * (constraints_read_pairs_text, behind read_constraints).
 *
 * The input is read as the pairs.json of a fixed design (M1..M6 nmos, M7
 * M8 pmos, R1 R2, C1) in which M5 and M6 are already matched (set_match
 * before read_constraints).  Oracles:
 *   - a refused file comes with a message and leaves the groups as they
 *     were;
 *   - a file is accepted exactly when it is one JSON object (nothing but
 *     white space after it) whose "pairs" is a list of lists of two or more
 *     names of devices of the design, each list of one type and naming at
 *     least two distinct devices (an independent reading with cJSON);
 *   - the groups are then the union of the lists and the earlier group
 *     (union-find here), numbered 0..n-1 in device order, one type each;
 *   - halo has no pairs.json writer, so this harness writes the groups as
 *     one: read into a fresh copy of the design it gives the same groups.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlist/constraints.h"
#include "netlist/netlist.h"

#define NDEVS 11

static netlist *design(void)
{
    static const struct { const char *name; netlist_devtype type; char element; } devs[NDEVS] = {
        {"M1", NL_NMOS, 'M'}, {"M2", NL_NMOS, 'M'}, {"M3", NL_NMOS, 'M'}, {"M4", NL_NMOS, 'M'},
        {"M5", NL_NMOS, 'M'}, {"M6", NL_NMOS, 'M'}, {"M7", NL_PMOS, 'M'}, {"M8", NL_PMOS, 'M'},
        {"R1", NL_RES, 'R'},  {"R2", NL_RES, 'R'},  {"C1", NL_CAP, 'C'},
    };
    netlist *nl = netlist_new("pairs");
    int a = netlist_net_get(nl, "a"), b = netlist_net_get(nl, "b");
    for (int i = 0; i < NDEVS; i++) {
        int d = netlist_device_add(nl, devs[i].name, devs[i].type, devs[i].element, "");
        netlist_device_add_pin(nl, d, "P", a);
        netlist_device_add_pin(nl, d, "N", b);
    }
    return nl;
}

/* ---------------------------------------------------------------- oracle */

static int find(int *up, int i)
{
    while (up[i] != i) i = up[i] = up[up[i]];
    return i;
}

/* Whether halo must accept the text, and if so the union-find of the
 * groups it must make (up[], NDEVS entries, seeded by the caller). */
static int acceptable(const uint8_t *data, size_t size, const netlist *nl, int *up)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts((const char *)data, size, &end, 0);
    if (!root) return 0;
    int ok = 1;
    for (const char *p = end; ok && p < (const char *)data + size; p++)
        ok = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
    const cJSON *pairs = cJSON_GetObjectItemCaseSensitive(root, "pairs");
    ok = ok && cJSON_IsObject(root) && cJSON_IsArray(pairs);
    const cJSON *pair;
    if (ok) cJSON_ArrayForEach(pair, pairs) {
        if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) < 2) {
            ok = 0;
            break;
        }
        int first = -1, distinct = 0;
        const cJSON *name;
        cJSON_ArrayForEach(name, pair) {
            int d = cJSON_IsString(name) ? netlist_device_find(nl, name->valuestring) : -1;
            if (d < 0 || (first >= 0 && nl->devs[d].type != nl->devs[first].type)) {
                ok = 0;
                break;
            }
            if (first < 0) first = d;
            distinct |= d != first;
        }
        if (!ok || !distinct) {
            ok = 0;
            break;
        }
        cJSON_ArrayForEach(name, pair) up[find(up, netlist_device_find(nl, name->valuestring))] = find(up, first);
    }
    cJSON_Delete(root);
    return ok;
}

/* ------------------------------------------------------------- checking */

static void check_groups(const netlist *nl, int *up)
{
    int size[NDEVS] = {0};
    for (int i = 0; i < NDEVS; i++) size[find(up, i)]++;
    int next = 0, first_of[NDEVS];
    for (int g = 0; g < NDEVS; g++) first_of[g] = -1;
    for (int i = 0; i < NDEVS; i++) {
        int g = nl->devs[i].match_group, r = find(up, i);
        if (size[r] < 2) {
            if (g != -1) abort();                   /* matched with nothing */
            continue;
        }
        if (g < 0 || g >= nl->nmatch_groups) abort();
        if (first_of[g] < 0) {
            if (g != next++) abort();               /* numbered in device order */
            first_of[g] = i;
        }
        if (find(up, first_of[g]) != r) abort();    /* one group per set */
        if (nl->devs[first_of[g]].type != nl->devs[i].type) abort();
    }
    if (next != nl->nmatch_groups) abort();
}

/* The groups as a pairs.json, one list per group. */
static char *groups_json(const netlist *nl)
{
    cJSON *root = cJSON_CreateObject(), *pairs = cJSON_AddArrayToObject(root, "pairs");
    for (int g = 0; g < nl->nmatch_groups; g++) {
        cJSON *list = cJSON_CreateArray();
        for (int i = 0; i < nl->ndevs; i++)
            if (nl->devs[i].match_group == g) cJSON_AddItemToArray(list, cJSON_CreateString(nl->devs[i].name));
        cJSON_AddItemToArray(pairs, list);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

static void round_trip(const netlist *nl)
{
    char *text = groups_json(nl);
    netlist *again = design();
    halo_err err;
    halo_err_clear(&err);
    if (constraints_read_pairs_text(again, text, strlen(text), "written.json", &err) != 0) abort();
    if (again->nmatch_groups != nl->nmatch_groups) abort();
    for (int i = 0; i < NDEVS; i++)
        if (again->devs[i].match_group != nl->devs[i].match_group) abort();
    netlist_free(again);
    cJSON_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    netlist *nl = design();
    halo_err err;
    halo_err_clear(&err);
    const char *seed[] = {"M5", "M6"};
    if (constraints_match(nl, seed, 2, "set_match", &err) != 0) abort();
    int before[NDEVS], up[NDEVS];
    for (int i = 0; i < NDEVS; i++) before[i] = nl->devs[i].match_group, up[i] = i;
    up[5] = 4;                                      /* M6 with M5 */
    int expect = acceptable(data, size, nl, up);
    int rc = constraints_read_pairs_text(nl, (const char *)data, size, "fuzz.json", &err);
    if (rc != 0) {
        if (err.id == HALO_OK || err.msg[0] == '\0') abort();   /* refused without a message */
        if (expect) {
            fprintf(stderr, "refused a valid pairs.json: %s\n", err.msg);
            abort();
        }
        for (int i = 0; i < NDEVS; i++)
            if (nl->devs[i].match_group != before[i]) abort();  /* a refusal changed the groups */
    } else {
        if (!expect) {
            fprintf(stderr, "accepted an invalid pairs.json\n");
            abort();
        }
        check_groups(nl, up);
        round_trip(nl);
    }
    netlist_free(nl);
    return 0;
}
