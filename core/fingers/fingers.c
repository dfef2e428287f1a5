/*
 * fingers.c -- finger arrangements: legality, counting, enumeration,
 * sampling and application (see fingers.h).
 */
#include "fingers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "base/strutil.h"

#define DEFAULT_W_MIN_NM 420

/* Minimum finger width and grid for a device, from the tech when it knows
 * the model, else the tech's smallest MOS width. */
static void device_limits(const halo_tech *tech, const netlist_device *d, int32_t *wmin, int32_t *grid)
{
    *grid = tech && tech->grid_nm > 0 ? tech->grid_nm : 5;
    *wmin = DEFAULT_W_MIN_NM;
    const tech_device *td = tech ? tech_find_device(tech, d->model) : NULL;
    if (td && td->w_min_nm > 0) {
        *wmin = td->w_min_nm;
        return;
    }
    for (int i = 0; tech && i < tech->n_devices; i++) {
        const tech_device *t = &tech->devices[i];
        int mos = strcmp(t->type, "nmos") == 0 || strcmp(t->type, "pmos") == 0;
        if (mos && t->w_min_nm > 0 && t->w_min_nm < *wmin) *wmin = t->w_min_nm;
    }
}

int fingers_check(const netlist *nl, const halo_tech *tech, int dev, int nf, char *why, size_t whylen)
{
    const netlist_device *d = &nl->devs[dev];
    double w;
    if (nf < 1 || nf > FINGERS_MAX_VALUE) {
        snprintf(why, whylen, "%s: nf=%d is out of range 1..%d", d->name, nf, FINGERS_MAX_VALUE);
        return -1;
    }
    if (netlist_param_get(d, "W", &w) != 0 || !(w > 0)) {
        snprintf(why, whylen, "%s has no width W", d->name);
        return -1;
    }
    int32_t wmin, grid;
    device_limits(tech, d, &wmin, &grid);
    long long w_nm = llround(w * 1000.0);
    long long finger_nm;
    if (d->wmode == NETLIST_W_PER_FINGER) {
        finger_nm = w_nm;
    } else {
        if (w_nm % nf != 0) {
            snprintf(why, whylen, "%s: W=%g µm does not split into %d equal fingers on a 1 nm grid", d->name, w, nf);
            return -1;
        }
        finger_nm = w_nm / nf;
    }
    if (finger_nm % grid != 0) {
        snprintf(why, whylen, "%s: finger width %g µm with nf=%d is off the %d nm grid", d->name,
                 (double)finger_nm / 1000.0, nf, grid);
        return -1;
    }
    if (finger_nm < wmin) {
        snprintf(why, whylen, "%s: finger width %g µm with nf=%d is below the minimum %g µm", d->name,
                 (double)finger_nm / 1000.0, nf, wmin / 1000.0);
        return -1;
    }
    if (why && whylen) why[0] = '\0';
    return 0;
}

/* Legal values of transistor t: those of the value set fingers_check allows. */
static int legal_values(const netlist *nl, const halo_tech *tech, int dev, const int *values, int nvalues, int *out)
{
    int n = 0;
    char why[256];
    for (int i = 0; i < nvalues; i++)
        if (fingers_check(nl, tech, dev, values[i], why, sizeof why) == 0) out[n++] = values[i];
    return n;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Sorted, de-duplicated copy of the value set, validated. */
static int normalise_values(const int *values, int nvalues, int **out, halo_err *err)
{
    if (!values || nvalues <= 0) {
        *out = halo_xmalloc(16 * sizeof **out);
        for (int i = 0; i < 16; i++) (*out)[i] = i + 1;
        return 16;
    }
    int *v = halo_xmalloc((size_t)nvalues * sizeof *v);
    for (int i = 0; i < nvalues; i++) {
        if (values[i] < 1 || values[i] > FINGERS_MAX_VALUE) {
            char text[32];
            snprintf(text, sizeof text, "%d", values[i]);
            free(v);
            return -halo_err_set(err, HALO_E_FNG_VALUES, NULL, 0, FINGERS_MAX_VALUE, text);
        }
        v[i] = values[i];
    }
    qsort(v, (size_t)nvalues, sizeof *v, cmp_int);
    int n = 0;
    for (int i = 0; i < nvalues; i++)
        if (n == 0 || v[n - 1] != v[i]) v[n++] = v[i];
    *out = v;
    return n;
}

/* Intersect group g's legal set with transistor t's. */
static void intersect(fingers_space *fs, int g, const int *vals, int n)
{
    int k = 0;
    for (int i = 0; i < fs->nlegal[g]; i++) {
        int keep = 0;
        for (int j = 0; j < n; j++) keep |= vals[j] == fs->legal[g][i];
        if (keep) fs->legal[g][k++] = fs->legal[g][i];
    }
    fs->nlegal[g] = k;
}

int fingers_space_build(const netlist *nl, const halo_tech *tech, const int *values, int nvalues,
                        fingers_space *fs, halo_err *err)
{
    memset(fs, 0, sizeof *fs);
    int *vals = NULL;
    int nv = normalise_values(values, nvalues, &vals, err);
    if (nv < 0) return -nv;
    int cap = nl->ndevs ? nl->ndevs : 1;
    fs->dev = halo_xmalloc((size_t)cap * sizeof *fs->dev);
    fs->group_of = halo_xmalloc((size_t)cap * sizeof *fs->group_of);
    fs->legal = halo_xcalloc((size_t)cap, sizeof *fs->legal);
    fs->nlegal = halo_xcalloc((size_t)cap, sizeof *fs->nlegal);
    int *match_to_group = halo_xmalloc((size_t)(nl->nmatch_groups + 1) * sizeof *match_to_group);
    for (int g = 0; g <= nl->nmatch_groups; g++) match_to_group[g] = -1;
    int *tmp = halo_xmalloc((size_t)nv * sizeof *tmp);
    for (int i = 0; i < nl->ndevs; i++) {
        if (!netlist_is_mos(&nl->devs[i])) continue;
        int t = fs->ntrans++, mg = nl->devs[i].match_group;
        fs->dev[t] = i;
        int n = legal_values(nl, tech, i, vals, nv, tmp);
        int g = mg >= 0 ? match_to_group[mg] : -1;
        if (g < 0) {
            g = fs->ngroups++;
            fs->legal[g] = halo_xmalloc((size_t)nv * sizeof **fs->legal);
            memcpy(fs->legal[g], tmp, (size_t)n * sizeof *tmp);
            fs->nlegal[g] = n;
            if (mg >= 0) match_to_group[mg] = g;
        } else {
            intersect(fs, g, tmp, n);
        }
        fs->group_of[t] = g;
    }
    free(tmp);
    free(match_to_group);
    free(vals);
    if (fs->ntrans == 0) {
        fingers_space_free(fs);
        return halo_err_set(err, HALO_E_FNG_NOTRANS, NULL, 0);
    }
    return 0;
}

void fingers_space_free(fingers_space *fs)
{
    for (int g = 0; g < fs->ngroups; g++) free(fs->legal[g]);
    free(fs->legal);
    free(fs->nlegal);
    free(fs->dev);
    free(fs->group_of);
    memset(fs, 0, sizeof *fs);
}

/* Product of the group sizes in base-1e9 limbs, printed in decimal. */
void fingers_count_text(const fingers_space *fs, char *buf, size_t len)
{
    int cap = fs->ngroups + 2, n = 1;
    uint32_t *limb = halo_xcalloc((size_t)cap, sizeof *limb);
    limb[0] = 1;
    for (int g = 0; g < fs->ngroups; g++) {
        uint64_t carry = 0;
        for (int i = 0; i < n; i++) {
            uint64_t x = (uint64_t)limb[i] * (uint64_t)fs->nlegal[g] + carry;
            limb[i] = (uint32_t)(x % 1000000000u);
            carry = x / 1000000000u;
        }
        if (carry && n < cap) limb[n++] = (uint32_t)carry;
        while (n > 1 && limb[n - 1] == 0) n--;
    }
    size_t off = (size_t)snprintf(buf, len, "%u", limb[n - 1]);
    for (int i = n - 2; i >= 0 && off < len; i--) off += (size_t)snprintf(buf + off, len - off, "%09u", limb[i]);
    free(limb);
}

int fingers_count_u64(const fingers_space *fs, uint64_t *count)
{
    uint64_t c = 1;
    for (int g = 0; g < fs->ngroups; g++) {
        uint64_t k = (uint64_t)fs->nlegal[g];
        if (k && c > (uint64_t)INT64_MAX / k) return -1;
        c *= k;
    }
    *count = c;
    return 0;
}

int fingers_first(const fingers_space *fs, int *digits)
{
    for (int g = 0; g < fs->ngroups; g++) {
        digits[g] = 0;
        if (fs->nlegal[g] == 0) return 0;
    }
    return 1;
}

int fingers_next(const fingers_space *fs, int *digits)
{
    for (int g = fs->ngroups - 1; g >= 0; g--) {
        if (++digits[g] < fs->nlegal[g]) return 1;
        digits[g] = 0;
    }
    return 0;
}

int fingers_value(const fingers_space *fs, const int *digits, int t)
{
    int g = fs->group_of[t];
    return fs->legal[g][digits[g]];
}

/* ---------------------------------------------------------------- sampling */

static void unrank(const fingers_space *fs, uint64_t index, int *digits)
{
    for (int g = fs->ngroups - 1; g >= 0; g--) {
        digits[g] = (int)(index % (uint64_t)fs->nlegal[g]);
        index /= (uint64_t)fs->nlegal[g];
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Open-addressing set of indices for Floyd's algorithm. */
typedef struct u64set { uint64_t *slot; unsigned char *used; size_t mask; } u64set;

static int u64set_add(u64set *s, uint64_t v)
{
    size_t i = (size_t)((v * 0x9e3779b97f4a7c15ull) >> 17) & s->mask;
    while (s->used[i]) {
        if (s->slot[i] == v) return 0;
        i = (i + 1) & s->mask;
    }
    s->used[i] = 1;
    s->slot[i] = v;
    return 1;
}

/* Floyd's algorithm: n distinct uniform indices below count. */
static void sample_indices(uint64_t count, int n, halo_rng *rng, uint64_t *out)
{
    size_t cap = 16;
    while (cap < (size_t)n * 2) cap *= 2;
    u64set set = {halo_xcalloc(cap, sizeof *set.slot), halo_xcalloc(cap, 1), cap - 1};
    int k = 0;
    for (uint64_t j = count - (uint64_t)n; j < count; j++) {
        uint64_t t = rng_below(rng, j + 1);
        if (u64set_add(&set, t)) out[k++] = t;
        else if (u64set_add(&set, j)) out[k++] = j;
    }
    free(set.slot);
    free(set.used);
    qsort(out, (size_t)n, sizeof *out, cmp_u64);
}

/* Spaces beyond 63 bits: uniform digit tuples, duplicates redrawn (their
 * chance is below n^2 / 2^64). */
static void sample_tuples(const fingers_space *fs, int n, halo_rng *rng, int *out)
{
    su_map seen;
    su_map_init(&seen, 0);
    su_buf key = {0};
    int k = 0;
    while (k < n) {
        int *d = out + (size_t)k * (size_t)fs->ngroups;
        key.len = 0;
        for (int g = 0; g < fs->ngroups; g++) {
            d[g] = (int)rng_below(rng, (uint64_t)fs->nlegal[g]);
            su_buf_printf(&key, "%d,", d[g]);
        }
        if (su_map_get(&seen, key.s) < 0) {
            su_map_put(&seen, key.s, k);
            k++;
        }
    }
    su_buf_free(&key);
    su_map_free(&seen);
}

/* Lexicographic order of digit tuples = enumeration order. */
static int cmp_tuples(const void *a, const void *b, void *width)
{
    const int *x = a, *y = b;
    for (int g = 0; g < *(const int *)width; g++)
        if (x[g] != y[g]) return (x[g] > y[g]) - (x[g] < y[g]);
    return 0;
}

static void sort_tuples(const fingers_space *fs, int *tuples, int n)
{
    int width = fs->ngroups;
    qsort_r(tuples, (size_t)n, (size_t)width * sizeof *tuples, cmp_tuples, &width);
}

int fingers_sample(const fingers_space *fs, int n, uint64_t seed, int **out)
{
    halo_rng rng;
    rng_seed(&rng, seed);
    uint64_t count;
    int fits = fingers_count_u64(fs, &count) == 0;
    if (n < 0) n = 0;
    if (fits && (uint64_t)n > count) n = (int)count;
    size_t w = (size_t)fs->ngroups;
    int *tuples = halo_xmalloc(((size_t)n ? (size_t)n : 1) * w * sizeof *tuples);
    if (fits) {
        uint64_t *idx = halo_xmalloc(((size_t)n ? (size_t)n : 1) * sizeof *idx);
        if (n > 0) sample_indices(count, n, &rng, idx);
        for (int i = 0; i < n; i++) unrank(fs, idx[i], tuples + (size_t)i * w);
        free(idx);
    } else {
        sample_tuples(fs, n, &rng, tuples);
        sort_tuples(fs, tuples, n);
    }
    *out = tuples;
    return n;
}

/* ---------------------------------------------------------------- apply */

int fingers_apply(netlist *nl, const halo_tech *tech, const char *const *names, const int *values, int n,
                  halo_err *err)
{
    int *want = halo_xmalloc((size_t)(nl->ndevs ? nl->ndevs : 1) * sizeof *want);
    for (int i = 0; i < nl->ndevs; i++) want[i] = -1;
    char why[300];
    int rc = 0;
    for (int k = 0; k < n && !rc; k++) {
        int d = netlist_device_find(nl, names[k]);
        if (d < 0 || !netlist_is_mos(&nl->devs[d])) {
            rc = halo_err_set(err, HALO_E_FNG_DEVICE, NULL, 0, names[k]);
            break;
        }
        int g = nl->devs[d].match_group;
        for (int j = 0; j < nl->ndevs && !rc; j++) {
            if (j != d && (g < 0 || nl->devs[j].match_group != g)) continue;
            if (want[j] >= 0 && want[j] != values[k]) {
                snprintf(why, sizeof why, "%s and %s are matched but get %d and %d fingers", nl->devs[j].name,
                         names[k], want[j], values[k]);
                rc = halo_err_set(err, HALO_E_FNG_ILLEGAL, NULL, 0, why);
            } else if (fingers_check(nl, tech, j, values[k], why, sizeof why) != 0) {
                rc = halo_err_set(err, HALO_E_FNG_ILLEGAL, NULL, 0, why);
            }
            want[j] = values[k];
        }
    }
    for (int i = 0; i < nl->ndevs && !rc; i++)
        if (want[i] > 0) netlist_set_nf(&nl->devs[i], want[i]);
    free(want);
    return rc;
}
