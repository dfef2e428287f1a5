/*
 * lvs.c -- layout versus schematic by partition refinement (see lvs.h).
 *
 * Layout of this file: device properties and classes; parallel reduction
 * into a "side" (the bipartite graph of one netlist); colouring and
 * refinement; tie-breaking for symmetric circuits; the best-effort
 * correspondence used to explain a mismatch; the report.
 * Side 0 is always the schematic, side 1 the layout.
 */
#include "lvs.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_MOS, K_CAP, K_RES, K_OTHER };

#define HIST_MAX 64      /* refinement rounds kept for the mismatch diagnosis */
#define MAX_TRIES 16     /* candidates tried for one tie-break */

/* ---------------------------------------------------------------- hashing */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Not symmetric in a and b: (colour, terminal class) pairs stay distinct. */
static uint64_t mix2(uint64_t a, uint64_t b)
{
    return mix64(a ^ mix64(b + 0x9e3779b97f4a7c15ULL));
}

/* Case-insensitive: SPICE model and role names ignore case. */
static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n && s[i]; i++) {
        h ^= (unsigned char)tolower((unsigned char)s[i]);
        h *= 0x100000001b3ULL;
    }
    return mix64(h);
}

/* ---------------------------------------------------------------- devices */

/* One netlist device as compared: class, properties and terminals. */
typedef struct rawdev {
    int kind;
    uint64_t cls;            /* model (resistor: family) and type */
    double w, l, nf, mult, val;  /* NAN when not given */
    int pin0, npins;         /* into the side's raw pin arrays, sorted */
    uint64_t key;            /* class and terminals: equal for parallel devices */
} rawdev;

static int dev_kind(const netlist_device *d)
{
    if (netlist_is_mos(d)) return K_MOS;
    if (d->type == NL_CAP) return K_CAP;
    if (d->type == NL_RES) return K_RES;
    return K_OTHER;
}

static double param_or(const netlist_device *d, const char *name, double dflt)
{
    double v;
    return netlist_param_get(d, name, &v) == 0 ? v : dflt;
}

/* Resistor cells named by width ("..res_high_po_0p35") and the generic
 * "..res_high_po" with a W param are one device family: returns the length
 * of the family prefix and stores the width the name gives (NAN if none). */
static size_t res_family(const char *model, double *w)
{
    size_t n = strlen(model);
    *w = NAN;
    const char *us = strrchr(model, '_');
    if (!us || !su_contains_ci(model, "res_")) return n;
    const char *p = us + 1;
    char *end;
    long ip = strtol(p, &end, 10);
    if (end == p || (*end != 'p' && *end != 'P')) return n;
    const char *f = end + 1;
    size_t nf = strspn(f, "0123456789");
    if (nf == 0 || f[nf] != '\0') return n;
    *w = (double)ip + strtod(f, NULL) / pow(10.0, (double)nf);
    return (size_t)(us - model);
}

/* Terminal class of a pin: permutable terminals share one. */
static uint64_t term_class(int kind, const char *role)
{
    if (kind == K_MOS && (strcmp(role, "D") == 0 || strcmp(role, "S") == 0)) return str_hash("SD", 2);
    if ((kind == K_CAP || kind == K_RES) && (strcmp(role, "P") == 0 || strcmp(role, "N") == 0))
        return str_hash("PN", 2);
    return str_hash(role, strlen(role));
}

/* Multiplier of a device: "m" times "mf" (absent = 1). */
static double multiplier(const netlist_device *d)
{
    double m = param_or(d, "m", 1), mf = param_or(d, "mf", 1);
    if (!(m > 0)) m = 1;
    if (!(mf > 0)) mf = 1;
    return m * mf;
}

/* Class and comparable properties of a device.  A transistor's m folds
 * into W and nf (the layout of m devices is m times the fingers). */
static void raw_props(const netlist_device *d, rawdev *r)
{
    r->kind = dev_kind(d);
    r->w = r->l = r->nf = r->val = NAN;
    r->mult = 1;
    double wname = NAN;
    size_t mlen = r->kind == K_RES ? res_family(d->model, &wname) : strlen(d->model);
    r->cls = mix2(str_hash(d->model, mlen), (uint64_t)d->type + 1);
    if (r->kind == K_MOS) {
        double m = multiplier(d);
        r->w = netlist_total_w(d) * m;
        r->l = param_or(d, "L", NAN);
        r->nf = d->nf > 0 ? d->nf * m : NAN;
    } else if (r->kind == K_CAP || r->kind == K_RES) {
        r->mult = multiplier(d);
        r->w = param_or(d, "W", wname);
        r->l = param_or(d, "L", NAN);
        r->val = param_or(d, r->kind == K_CAP ? "c" : "r", NAN);
    }
}

static int close_enough(double a, double b, double tol)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (a == b) return 1;
    return fabs(a - b) <= tol * fmax(fabs(a), fabs(b));
}

/* Parallel devices merge only when their sizes agree (Netgen does the
 * same): a transistor's L; a passive's W, L and value. */
static int mergeable(const rawdev *a, const rawdev *b, double tol)
{
    if (a->kind == K_OTHER) return 0;
    if (a->kind == K_MOS) return close_enough(a->l, b->l, tol);
    return close_enough(a->w, b->w, tol) && close_enough(a->l, b->l, tol) &&
           close_enough(a->val, b->val, tol);
}

/* ---------------------------------------------------------------- sides */

/* A reduced device: one or more parallel netlist devices. */
typedef struct rdev {
    int kind;
    uint64_t cls;
    int first, nmembers;     /* netlist index of the first member */
    int pin0, npins;         /* into side.pin_* */
    double w, l, nf, mult, val;
} rdev;

/* One netlist as a bipartite graph: nodes 0..ndev-1 are devices,
 * ndev..nnode-1 nets. */
typedef struct side {
    const netlist *nl;
    rdev *dev;
    int ndev;
    int *pin_net, *pin_dev;  /* graph net and reduced device of a terminal */
    uint64_t *pin_tc;        /* terminal class */
    int npin;
    int *net_orig, *net_of;  /* graph net -> netlist net and back (-1) */
    int nnet;
    int *adj0, *adj;         /* terminals of graph net n: adj[adj0[n]..adj0[n+1]) */
    int *dev_of;             /* netlist device -> reduced device */
    int nnode, maxpins;
    uint64_t *col, *acc, *save, *save_acc;
    int *active, *next, nactive, nnext;   /* nodes to look at this round / next */
    unsigned *stamp, epoch;
    uint64_t *hist[HIST_MAX];
    int nhist;
} side;

/* Raw terminals of all devices, sorted per device so parallel devices
 * have equal arrays. */
typedef struct rawpins {
    uint64_t *tc;
    int *net;
} rawpins;

static void sort_pins(rawpins *rp, int a, int n)
{
    for (int i = a + 1; i < a + n; i++)
        for (int j = i; j > a; j--) {
            int before = rp->tc[j - 1] < rp->tc[j] ||
                         (rp->tc[j - 1] == rp->tc[j] && rp->net[j - 1] <= rp->net[j]);
            if (before) break;
            uint64_t t = rp->tc[j]; rp->tc[j] = rp->tc[j - 1]; rp->tc[j - 1] = t;
            int x = rp->net[j]; rp->net[j] = rp->net[j - 1]; rp->net[j - 1] = x;
        }
}

static rawdev *raw_build(const netlist *nl, rawpins *rp)
{
    rawdev *raw = halo_xcalloc((size_t)nl->ndevs + 1, sizeof *raw);
    int total = 0;
    for (int i = 0; i < nl->ndevs; i++) total += nl->devs[i].npins;
    rp->tc = halo_xcalloc((size_t)total + 1, sizeof *rp->tc);
    rp->net = halo_xcalloc((size_t)total + 1, sizeof *rp->net);
    int k = 0;
    for (int i = 0; i < nl->ndevs; i++) {
        const netlist_device *d = &nl->devs[i];
        rawdev *r = &raw[i];
        raw_props(d, r);
        r->pin0 = k;
        r->npins = d->npins;
        for (int p = 0; p < d->npins; p++, k++) {
            rp->tc[k] = term_class(r->kind, d->pins[p].role);
            rp->net[k] = d->pins[p].net;
        }
        sort_pins(rp, r->pin0, r->npins);
        r->key = r->cls;
        for (int p = r->pin0; p < r->pin0 + r->npins; p++) r->key = mix2(r->key, mix2(rp->tc[p], (uint64_t)rp->net[p]));
    }
    return raw;
}

static int same_terminals(const rawdev *a, const rawdev *b, const rawpins *rp)
{
    if (a->cls != b->cls || a->npins != b->npins) return 0;
    for (int p = 0; p < a->npins; p++)
        if (rp->tc[a->pin0 + p] != rp->tc[b->pin0 + p] || rp->net[a->pin0 + p] != rp->net[b->pin0 + p]) return 0;
    return 1;
}

typedef struct keyed {
    uint64_t key;
    int dev;
} keyed;

static int keyed_cmp(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->dev > b->dev) - (a->dev < b->dev);
}

static void merge_into(rdev *r, const rawdev *x)
{
    if (r->kind == K_MOS) {
        r->w += x->w;
        r->nf += x->nf;      /* NAN (placeholder) stays NAN */
    } else {
        r->mult += x->mult;
    }
    r->nmembers++;
}

/* Reduced devices in order of their first member. */
static int reduce(side *s, const rawdev *raw, const rawpins *rp, double tol)
{
    int n = s->nl->ndevs;
    keyed *kd = halo_xcalloc((size_t)n + 1, sizeof *kd);
    for (int i = 0; i < n; i++) kd[i] = (keyed){raw[i].key, i}, s->dev_of[i] = -1;
    qsort(kd, (size_t)n, sizeof *kd, keyed_cmp);
    int *order = halo_xcalloc((size_t)n + 1, sizeof *order);
    for (int i = 0; i < n; i++) order[i] = kd[i].dev;
    free(kd);
    /* leader[i]: the first member of device i's group */
    int *leader = halo_xcalloc((size_t)n + 1, sizeof *leader);
    for (int i = 0; i < n; i++) leader[i] = -1;
    for (int a = 0; a < n;) {
        int b = a;
        while (b < n && raw[order[b]].key == raw[order[a]].key) b++;
        for (int i = a; i < b; i++) {
            int di = order[i];
            if (leader[di] >= 0) continue;
            leader[di] = di;
            for (int j = i + 1; j < b; j++) {
                int dj = order[j];
                if (leader[dj] < 0 && same_terminals(&raw[di], &raw[dj], rp) && mergeable(&raw[di], &raw[dj], tol))
                    leader[dj] = di;
            }
        }
        a = b;
    }
    int nd = 0;
    for (int i = 0; i < n; i++) {
        if (leader[i] != i) continue;
        rdev *r = &s->dev[nd];
        const rawdev *x = &raw[i];
        *r = (rdev){x->kind, x->cls, i, 1, 0, x->npins, x->w, x->l, x->nf, x->mult, x->val};
        s->dev_of[i] = nd++;
    }
    for (int i = 0; i < n; i++)
        if (leader[i] != i) {
            s->dev_of[i] = s->dev_of[leader[i]];
            merge_into(&s->dev[s->dev_of[i]], &raw[i]);
        }
    free(order);
    free(leader);
    return nd;
}

/* Graph nets: nets with a terminal, and ports (a floating port matters). */
static void side_nets(side *s, const rawdev *raw, const rawpins *rp)
{
    const netlist *nl = s->nl;
    for (int n = 0; n < nl->nnets; n++) s->net_of[n] = nl->nets[n].external ? 0 : -1;
    for (int d = 0; d < s->ndev; d++) {
        const rawdev *x = &raw[s->dev[d].first];
        for (int p = 0; p < x->npins; p++) s->net_of[rp->net[x->pin0 + p]] = 0;
    }
    s->nnet = 0;
    for (int n = 0; n < nl->nnets; n++)
        if (s->net_of[n] == 0) {
            s->net_orig[s->nnet] = n;
            s->net_of[n] = s->nnet++;
        }
}

static void side_pins(side *s, const rawdev *raw, const rawpins *rp)
{
    int k = 0;
    for (int d = 0; d < s->ndev; d++) {
        const rawdev *x = &raw[s->dev[d].first];
        s->dev[d].pin0 = k;
        if (x->npins > s->maxpins) s->maxpins = x->npins;
        for (int p = 0; p < x->npins; p++, k++) {
            s->pin_tc[k] = rp->tc[x->pin0 + p];
            s->pin_net[k] = s->net_of[rp->net[x->pin0 + p]];
            s->pin_dev[k] = d;
        }
    }
    s->npin = k;
    s->adj0 = halo_xcalloc((size_t)s->nnet + 2, sizeof *s->adj0);
    s->adj = halo_xcalloc((size_t)k + 1, sizeof *s->adj);
    for (int p = 0; p < k; p++) s->adj0[s->pin_net[p] + 1]++;
    for (int n = 0; n < s->nnet; n++) s->adj0[n + 1] += s->adj0[n];
    int *fill = halo_xcalloc((size_t)s->nnet + 1, sizeof *fill);
    for (int p = 0; p < k; p++) s->adj[s->adj0[s->pin_net[p]] + fill[s->pin_net[p]]++] = p;
    free(fill);
}

static void side_build(side *s, const netlist *nl, double tol)
{
    memset(s, 0, sizeof *s);
    s->nl = nl;
    rawpins rp;
    rawdev *raw = raw_build(nl, &rp);
    int total = 0;
    for (int i = 0; i < nl->ndevs; i++) total += nl->devs[i].npins;
    s->dev = halo_xcalloc((size_t)nl->ndevs + 1, sizeof *s->dev);
    s->dev_of = halo_xcalloc((size_t)nl->ndevs + 1, sizeof *s->dev_of);
    s->ndev = reduce(s, raw, &rp, tol);
    s->net_orig = halo_xcalloc((size_t)nl->nnets + 1, sizeof *s->net_orig);
    s->net_of = halo_xcalloc((size_t)nl->nnets + 1, sizeof *s->net_of);
    side_nets(s, raw, &rp);
    s->pin_net = halo_xcalloc((size_t)total + 1, sizeof *s->pin_net);
    s->pin_dev = halo_xcalloc((size_t)total + 1, sizeof *s->pin_dev);
    s->pin_tc = halo_xcalloc((size_t)total + 1, sizeof *s->pin_tc);
    side_pins(s, raw, &rp);
    s->nnode = s->ndev + s->nnet;
    s->col = halo_xcalloc((size_t)s->nnode + 1, sizeof *s->col);
    s->acc = halo_xcalloc((size_t)s->nnode + 1, sizeof *s->acc);
    s->save = halo_xcalloc((size_t)s->nnode + 1, sizeof *s->save);
    s->save_acc = halo_xcalloc((size_t)s->nnode + 1, sizeof *s->save_acc);
    s->active = halo_xcalloc((size_t)s->nnode + 1, sizeof *s->active);
    s->next = halo_xcalloc((size_t)s->nnode + 1, sizeof *s->next);
    s->stamp = halo_xcalloc((size_t)s->nnode + 1, sizeof *s->stamp);
    free(raw);
    free(rp.tc);
    free(rp.net);
}

static void side_free(side *s)
{
    free(s->dev);
    free(s->pin_net);
    free(s->pin_dev);
    free(s->pin_tc);
    free(s->net_orig);
    free(s->net_of);
    free(s->adj0);
    free(s->adj);
    free(s->dev_of);
    free(s->col);
    free(s->acc);
    free(s->save);
    free(s->save_acc);
    free(s->active);
    free(s->next);
    free(s->stamp);
    for (int k = 0; k < s->nhist; k++) free(s->hist[k]);
}

static int deg(const side *s, int n) { return s->adj0[n + 1] - s->adj0[n]; }

static const char *net_name(const side *s, int n) { return s->nl->nets[s->net_orig[n]].name; }

static const char *dev_name(const side *s, int d) { return s->nl->devs[s->dev[d].first].name; }

/* ---------------------------------------------------------------- refinement
 *
 * Refinement is incremental, so that a long chain (whose classes split one
 * stage per round) costs rounds times the frontier, not rounds times the
 * circuit.  Colours name classes: a node looks again only when a neighbour
 * changed colour, and a node changes colour only when its class splits:
 * members of a class whose neighbour sum (acc) changed take the colour
 * mix(class, acc), except one part that keeps the class colour (see
 * apply_class).  A class of one schematic and one layout node is final
 * and never looked at again.  The partition is exactly that of plain
 * refinement; the colours, being functions of structure only, are
 * comparable across the two sides. */

#define NET_SEED 0x6e65747365656431ULL

/* Open-addressing table counting each colour's nodes per side; keys whose
 * counts fell to zero stay until the next rebuild. */
typedef struct ctab {
    uint64_t *key;
    int *cnt[2];
    unsigned char *used;
    size_t mask, nkeys;
    int live, unbal;         /* classes with nodes; classes with unequal counts */
} ctab;

static size_t ctab_slot(ctab *t, uint64_t c)
{
    size_t h = (size_t)mix64(c) & t->mask;
    while (t->used[h] && t->key[h] != c) h = (h + 1) & t->mask;
    if (!t->used[h]) {
        t->used[h] = 1;
        t->key[h] = c;
        t->cnt[0][h] = t->cnt[1][h] = 0;
        t->nkeys++;
    }
    return h;
}

static void ctab_add(ctab *t, uint64_t c, int sd, int delta)
{
    size_t h = ctab_slot(t, c);
    int *a = &t->cnt[0][h], *b = &t->cnt[1][h];
    t->live -= (*a + *b) > 0;
    t->unbal -= *a != *b;
    *(sd == 0 ? a : b) += delta;
    t->live += (*a + *b) > 0;
    t->unbal += *a != *b;
}

/* A class of one schematic and one layout node: matched for good. */
static int ctab_final(const ctab *t, uint64_t c)
{
    size_t h = (size_t)mix64(c) & t->mask;
    while (t->used[h] && t->key[h] != c) h = (h + 1) & t->mask;
    return t->used[h] && t->cnt[0][h] == 1 && t->cnt[1][h] == 1;
}

static void ctab_free(ctab *t)
{
    free(t->key);
    free(t->cnt[0]);
    free(t->cnt[1]);
    free(t->used);
}

typedef struct change {
    int node;                /* side 0: node, side 1: nnode(schematic) + node */
    uint64_t old, acc;
} change;

static int change_cmp(const void *pa, const void *pb)
{
    const change *a = pa, *b = pb;
    if (a->old != b->old) return a->old < b->old ? -1 : 1;
    if (a->acc != b->acc) return a->acc < b->acc ? -1 : 1;
    return a->node - b->node;
}

typedef struct lvs_state {
    side s[2];
    ctab tab;
    const lvs_opts *o;
    uint64_t fresh;
    change *chg;             /* changes of one round, both sides */
    int nchg, capchg;
} lvs_state;

static void ctab_rebuild(lvs_state *st)
{
    ctab *t = &st->tab;
    int nodes = st->s[0].nnode + st->s[1].nnode;
    size_t size = 64;
    while (size < (size_t)nodes * 8 + 64) size <<= 1;
    ctab_free(t);
    t->mask = size - 1;
    t->key = halo_xcalloc(size, sizeof *t->key);
    t->cnt[0] = halo_xcalloc(size, sizeof *t->cnt[0]);
    t->cnt[1] = halo_xcalloc(size, sizeof *t->cnt[1]);
    t->used = halo_xcalloc(size, 1);
    t->nkeys = 0;
    t->live = t->unbal = 0;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < st->s[k].nnode; i++) ctab_add(t, st->s[k].col[i], k, 1);
}

/* A device starts from its class and the multiset of its terminal
 * classes; nets start equal (their degree shows after one round). */
static void colour_init(side *s)
{
    for (int d = 0; d < s->ndev; d++) {
        uint64_t acc = 0;
        for (int p = s->dev[d].pin0; p < s->dev[d].pin0 + s->dev[d].npins; p++) acc += mix2(s->pin_tc[p], 0x51);
        s->col[d] = mix2(s->dev[d].cls, acc);
    }
    for (int n = 0; n < s->nnet; n++) s->col[s->ndev + n] = NET_SEED;
    for (int i = 0; i < s->nnode; i++) s->acc[i] = 0, s->active[i] = i;
    s->nactive = s->nnode;
}

/* Order-free sum over a node's terminals of (neighbour colour, terminal
 * class). */
static uint64_t node_acc(const side *s, int u)
{
    uint64_t acc = 0;
    if (u < s->ndev) {
        for (int p = s->dev[u].pin0; p < s->dev[u].pin0 + s->dev[u].npins; p++)
            acc += mix2(s->col[s->ndev + s->pin_net[p]], s->pin_tc[p]);
        return acc ^ 0xde;
    }
    int n = u - s->ndev;
    for (int q = s->adj0[n]; q < s->adj0[n + 1]; q++) {
        int p = s->adj[q];
        acc += mix2(s->col[s->pin_dev[p]], s->pin_tc[p]);
    }
    return acc ^ 0xe7;
}

static void activate(side *s, int u)
{
    if (s->stamp[u] == s->epoch) return;
    s->stamp[u] = s->epoch;
    s->next[s->nnext++] = u;
}

/* Give node u of side k colour c: counts follow, neighbours look again. */
static void set_colour(lvs_state *st, int k, int u, uint64_t c)
{
    side *s = &st->s[k];
    ctab_add(&st->tab, s->col[u], k, -1);
    ctab_add(&st->tab, c, k, 1);
    s->col[u] = c;
    if (u < s->ndev) {
        for (int p = s->dev[u].pin0; p < s->dev[u].pin0 + s->dev[u].npins; p++) activate(s, s->ndev + s->pin_net[p]);
    } else {
        for (int q = s->adj0[u - s->ndev]; q < s->adj0[u - s->ndev + 1]; q++) activate(s, s->pin_dev[s->adj[q]]);
    }
}

/* Active nodes of one side whose neighbour sum changed. */
static void side_changes(lvs_state *st, int k)
{
    side *s = &st->s[k];
    for (int i = 0; i < s->nactive; i++) {
        int u = s->active[i];
        if (ctab_final(&st->tab, s->col[u])) continue;
        uint64_t acc = node_acc(s, u);
        if (s->acc[u] == acc) continue;
        su_grow((void **)&st->chg, &st->capchg, st->nchg + 1, sizeof *st->chg);
        st->chg[st->nchg++] = (change){k * st->s[0].nnode + u, s->col[u], acc};
    }
}

/* Class total of colour c over both sides. */
static int ctab_total(ctab *t, uint64_t c)
{
    size_t h = ctab_slot(t, c);
    return t->cnt[0][h] + t->cnt[1][h];
}

/* Changes of one old class, c[0..n), sorted by acc.  Each group of equal
 * acc becomes a class.  One part keeps the old colour so that a split
 * costs the smaller parts only: the members that did not move when there
 * are some, else the largest group (first in acc order on a tie).  Sizes
 * count both sides, so the choice is the same for both. */
static void apply_class(lvs_state *st, const change *c, int n)
{
    int n0 = st->s[0].nnode, keep = -1, keep_size = 0;
    if (n == ctab_total(&st->tab, c[0].old))
        for (int a = 0; a < n;) {
            int b = a;
            while (b < n && c[b].acc == c[a].acc) b++;
            if (b - a > keep_size) keep = a, keep_size = b - a;
            a = b;
        }
    for (int i = 0; i < n; i++) {
        int k = c[i].node >= n0, u = c[i].node - k * n0;
        st->s[k].acc[u] = c[i].acc;
        if (keep < 0 || c[i].acc != c[keep].acc) set_colour(st, k, u, mix2(c[i].old, c[i].acc));
    }
}

static void begin_epoch(side *s)
{
    s->epoch++;
    s->nnext = 0;
}

static void end_epoch(side *s)
{
    int *t = s->active;
    s->active = s->next;
    s->next = t;
    s->nactive = s->nnext;
}

/* One synchronous round on both sides. */
static void refine_round(lvs_state *st)
{
    st->nchg = 0;
    side_changes(st, 0);
    side_changes(st, 1);
    if (st->tab.nkeys + (size_t)st->nchg > st->tab.mask / 2) ctab_rebuild(st);
    if (st->nchg > 1) qsort(st->chg, (size_t)st->nchg, sizeof *st->chg, change_cmp);
    begin_epoch(&st->s[0]);
    begin_epoch(&st->s[1]);
    for (int a = 0; a < st->nchg;) {
        int b = a;
        while (b < st->nchg && st->chg[b].old == st->chg[a].old) b++;
        apply_class(st, st->chg + a, b - a);
        a = b;
    }
    end_epoch(&st->s[0]);
    end_epoch(&st->s[1]);
}

static void hist_record(side *s)
{
    if (s->nhist >= HIST_MAX) return;
    s->hist[s->nhist] = halo_xmalloc(((size_t)s->nnode + 1) * sizeof(uint64_t));
    memcpy(s->hist[s->nhist], s->col, (size_t)s->nnode * sizeof(uint64_t));
    s->nhist++;
}

/* Refine until the partition stops splitting.  Returns 1 when balanced.
 * stop_early: give up as soon as a class is unbalanced (it stays so). */
static int refine(lvs_state *st, int stop_early, int record)
{
    int prev = st->tab.live;
    if (stop_early && st->tab.unbal) return 0;
    while (st->s[0].nactive + st->s[1].nactive > 0) {
        refine_round(st);
        if (record) hist_record(&st->s[0]), hist_record(&st->s[1]);
        if (stop_early && st->tab.unbal) return 0;
        if (st->tab.live == prev) break;
        prev = st->tab.live;
    }
    return st->tab.unbal == 0;
}

/* ---------------------------------------------------------------- tie-breaking */

typedef struct ent {
    uint64_t c;
    int side, node;
} ent;

static int ent_cmp(const void *pa, const void *pb)
{
    const ent *a = pa, *b = pb;
    if (a->c != b->c) return a->c < b->c ? -1 : 1;
    if (a->side != b->side) return a->side - b->side;
    return a->node - b->node;
}

/* All nodes of both sides sorted by colour. */
static ent *sorted_nodes(const lvs_state *st, int *n)
{
    *n = st->s[0].nnode + st->s[1].nnode;
    ent *e = halo_xcalloc((size_t)*n + 1, sizeof *e);
    int k = 0;
    for (int sd = 0; sd < 2; sd++)
        for (int i = 0; i < st->s[sd].nnode; i++) e[k++] = (ent){st->s[sd].col[i], sd, i};
    qsort(e, (size_t)*n, sizeof *e, ent_cmp);
    return e;
}

/* Layout node of the same-named net, or -1: names only ever break ties. */
static int named_twin(const lvs_state *st, int snode)
{
    const side *s = &st->s[0], *l = &st->s[1];
    if (snode < s->ndev) return -1;
    int n = snode - s->ndev;
    int ln = netlist_net_find(l->nl, net_name(s, n));
    if (ln < 0 || l->net_of[ln] < 0) return -1;
    return l->ndev + l->net_of[ln];
}

/* A property given on one side only is not a difference (the schematic
 * may still hold nf=ZZZ, the extractor gives no resistor value). */
static int agree(double a, double b, double tol)
{
    return isnan(a) || isnan(b) || close_enough(a, b, tol);
}

static int props_equal(const rdev *a, const rdev *b, double tol)
{
    return agree(a->w, b->w, tol) && agree(a->l, b->l, tol) && agree(a->nf, b->nf, tol) &&
           agree(a->mult, b->mult, tol) && agree(a->val, b->val, tol);
}

/* How well layout node ln suits schematic node sn (lower is better):
 * same name for nets, same properties for devices. */
static int preference(const lvs_state *st, int sn, int ln)
{
    const side *s = &st->s[0], *l = &st->s[1];
    if (sn < s->ndev) return props_equal(&s->dev[sn], &l->dev[ln], st->o->tol_rel) ? 0 : 1;
    return named_twin(st, sn) == ln ? 0 : 1;
}

/* Save or restore the refinement state around one tie-break attempt.
 * After a restore every node is looked at again: that is always safe (a
 * node whose neighbourhood did not change keeps its colour). */
static void save_colours(lvs_state *st, int restore)
{
    for (int k = 0; k < 2; k++) {
        side *s = &st->s[k];
        size_t n = (size_t)s->nnode;
        if (!restore) {
            memcpy(s->save, s->col, n * sizeof *s->col);
            memcpy(s->save_acc, s->acc, n * sizeof *s->acc);
            continue;
        }
        memcpy(s->col, s->save, n * sizeof *s->col);
        memcpy(s->acc, s->save_acc, n * sizeof *s->acc);
        for (int i = 0; i < s->nnode; i++) s->active[i] = i;
        s->nactive = s->nnode;
    }
    if (restore) ctab_rebuild(st);
}

static int try_pair(lvs_state *st, int sn, int ln)
{
    uint64_t f = mix2(0xf4e54ULL, ++st->fresh);
    for (int k = 0; k < 2; k++) {
        side *s = &st->s[k];
        /* keep the pending looks of the last round, add the pair's */
        s->epoch++;
        s->nnext = 0;
        for (int i = 0; i < s->nactive; i++) activate(s, s->active[i]);
        set_colour(st, k, k == 0 ? sn : ln, f);
        end_epoch(s);
    }
    return refine(st, 1, 0);
}

/* Candidates for schematic node sn among the layout nodes of its stale
 * run e[a..b) that still share its colour, best first. */
static int candidates(const lvs_state *st, const ent *e, int a, int b, int sn, int *cand)
{
    int n = 0;
    uint64_t c = st->s[0].col[sn];
    for (int pass = 0; pass < 2; pass++)
        for (int i = a; i < b && n < MAX_TRIES; i++)
            if (e[i].side == 1 && st->s[1].col[e[i].node] == c && preference(st, sn, e[i].node) == pass)
                cand[n++] = e[i].node;
    return n;
}

/* Fix sn to one of its candidates.  A pair that unbalances the partition
 * was the wrong orbit, so the next candidate is tried. */
static int break_tie(lvs_state *st, int sn, const int *cand, int n)
{
    save_colours(st, 0);
    for (int t = 0; t < n; t++) {
        if (try_pair(st, sn, cand[t])) return 1;
        save_colours(st, 1);
    }
    return 0;
}

/* An ambiguous run of the colour-sorted nodes: e[a..b), ns per side. */
typedef struct run {
    int a, b, ns, named;
} run;

static int run_cmp(const void *pa, const void *pb)
{
    const run *x = pa, *y = pb;
    if (x->named != y->named) return y->named - x->named;
    if (x->ns != y->ns) return x->ns - y->ns;
    return x->a - y->a;
}

/* Ambiguous runs of e, same-named ports first, then the smallest;
 * -1 when a run is unbalanced. */
static int ambiguous_runs(const lvs_state *st, const ent *e, int n, run **out)
{
    run *r = halo_xcalloc((size_t)n + 1, sizeof *r);
    int nr = 0;
    for (int a = 0; a < n;) {
        int b = a, ns = 0, named = 0;
        while (b < n && e[b].c == e[a].c) ns += e[b].side == 0, b++;
        if (ns * 2 != b - a) {
            free(r);
            return -1;
        }
        for (int i = a; i < a + ns && ns > 1 && !named; i++) named = named_twin(st, e[i].node) >= 0;
        if (ns > 1) r[nr++] = (run){a, b, ns, named};
        a = b;
    }
    qsort(r, (size_t)nr, sizeof *r, run_cmp);
    *out = r;
    return nr;
}

/* Break the ties of one colour-sorted snapshot.  Classes only split, so
 * a node's current class lies inside its run of the snapshot: one sort
 * serves many tie-breaks.  Returns the number made, -1 on failure. */
static int break_ties(lvs_state *st, const ent *e, int n)
{
    run *r = NULL;
    int nr = ambiguous_runs(st, e, n, &r), made = 0;
    for (int k = 0; k < nr && made >= 0; k++)
        for (int pass = 0; pass < 2 && made >= 0; pass++)
            for (int i = r[k].a; i < r[k].a + r[k].ns; i++) {
                int sn = e[i].node, cand[MAX_TRIES];
                if (ctab_final(&st->tab, st->s[0].col[sn])) continue;
                int twin = named_twin(st, sn);
                int named = twin >= 0 && st->s[1].col[twin] == st->s[0].col[sn];
                if (pass == 0 && !named) continue;   /* same-named ports first */
                int nc = candidates(st, e, r[k].a, r[k].b, sn, cand);
                if (nc == 0 || !break_tie(st, sn, cand, nc)) {
                    made = -1;
                    break;
                }
                made++;
            }
    free(r);
    return nr < 0 ? -1 : made;
}

/* ---------------------------------------------------------------- properties
 *
 * Structure cannot tell the halves of a symmetric circuit apart, their
 * sizes can (two caps on mirror-image nodes, 10x10 and 20x20).  Once the
 * structure is balanced, each device's colour takes in the cluster of each
 * property -- values of both sides sorted and chained while within
 * tol_rel -- and refinement runs again.  When that unbalances the
 * partition a property differs somewhere: the structural colours are
 * restored and the property check reports it. */

typedef struct pval {
    double v;
    int side, dev;
} pval;

static int pval_cmp(const void *pa, const void *pb)
{
    const pval *a = pa, *b = pb;
    return (a->v > b->v) - (a->v < b->v);
}

static double prop_field(const rdev *d, int f)
{
    switch (f) {
    case 0: return d->w;
    case 1: return d->l;
    case 2: return d->nf;
    case 3: return d->mult;
    default: return d->val;
    }
}

/* Mixes the cluster of property f into h[side][dev]; a property unknown
 * on any device is left out (it cannot separate anything reliably). */
static void cluster_field(const lvs_state *st, int f, uint64_t *h[2])
{
    int n = st->s[0].ndev + st->s[1].ndev, k = 0;
    pval *v = halo_xcalloc((size_t)n + 1, sizeof *v);
    for (int sd = 0; sd < 2; sd++)
        for (int d = 0; d < st->s[sd].ndev; d++) {
            double x = prop_field(&st->s[sd].dev[d], f);
            if (isnan(x)) {
                free(v);
                return;
            }
            v[k++] = (pval){x, sd, d};
        }
    qsort(v, (size_t)k, sizeof *v, pval_cmp);
    uint64_t id = 0;
    for (int i = 0; i < k; i++) {
        if (i > 0 && !close_enough(v[i - 1].v, v[i].v, st->o->tol_rel)) id++;
        h[v[i].side][v[i].dev] = mix2(h[v[i].side][v[i].dev], mix2((uint64_t)f + 1, id));
    }
    free(v);
}

static void refine_by_properties(lvs_state *st)
{
    uint64_t *h[2];
    for (int sd = 0; sd < 2; sd++) h[sd] = halo_xcalloc((size_t)st->s[sd].ndev + 1, sizeof *h[sd]);
    for (int f = 0; f < 5; f++) cluster_field(st, f, h);
    save_colours(st, 0);
    for (int sd = 0; sd < 2; sd++) {
        side *s = &st->s[sd];
        begin_epoch(s);
        for (int i = 0; i < s->nactive; i++) activate(s, s->active[i]);
        for (int d = 0; d < s->ndev; d++)
            if (h[sd][d]) set_colour(st, sd, d, mix2(s->col[d], h[sd][d]));
        end_epoch(s);
    }
    if (!refine(st, 1, 0)) save_colours(st, 1);
    free(h[0]);
    free(h[1]);
}

/* Structural matching.  Returns 1 when the partition ends in matched
 * pairs (colours then give the correspondence). */
static int match_structure(lvs_state *st)
{
    if (!refine(st, 0, 1)) return 0;
    refine_by_properties(st);
    for (;;) {
        int n;
        ent *e = sorted_nodes(st, &n);
        int made = break_ties(st, e, n);
        free(e);
        if (made <= 0) return made == 0;
    }
}

/* ---------------------------------------------------------------- correspondence */

/* sm: schematic node -> layout node, lm: the reverse (-1 unmatched). */
typedef struct corr {
    lvs_state *st;
    int *sm, *lm;
    int *used;               /* scratch, maxpins entries */
    int *best[2], *nbest[2]; /* scratch of accept, per node of each side */
    unsigned char *hopeless; /* schematic devices no guess can place */
} corr;

static void corr_pair(corr *c, int sn, int ln)
{
    c->sm[sn] = ln;
    c->lm[ln] = sn;
}

/* Rounds of refinement over which the two nodes' colours agreed. */
static int eq_depth(const lvs_state *st, int sn, int ln)
{
    const side *s = &st->s[0], *l = &st->s[1];
    int n = s->nhist < l->nhist ? s->nhist : l->nhist, k = 0;
    while (k < n && s->hist[k][sn] == l->hist[k][ln]) k++;
    return k;
}

/* Pairs each terminal of schematic device ds with one of layout device
 * dl of the same class: first where the nets already correspond, then
 * where their neighbourhoods agree longest.  out[i]: layout terminal of
 * ds's i-th terminal, -1 if none. */
static void pin_pairing(corr *c, int ds, int dl, int *out)
{
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    const rdev *a = &s->dev[ds], *b = &l->dev[dl];
    for (int j = 0; j < b->npins; j++) c->used[j] = 0;
    for (int i = 0; i < a->npins; i++) out[i] = -1;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < a->npins; i++) {
            if (out[i] >= 0) continue;
            int sp = a->pin0 + i, snode = s->ndev + s->pin_net[sp], best = -1, bestd = -1;
            for (int j = 0; j < b->npins; j++) {
                int lp = b->pin0 + j, lnode = l->ndev + l->pin_net[lp];
                if (c->used[j] || l->pin_tc[lp] != s->pin_tc[sp]) continue;
                if (pass == 0 && c->sm[snode] == lnode) { best = j; break; }
                int d = pass == 1 ? eq_depth(c->st, snode, lnode) : -1;
                if (pass == 1 && d > bestd) best = j, bestd = d;
            }
            if (best >= 0 && (pass == 1 || c->sm[snode] == l->ndev + l->pin_net[b->pin0 + best])) {
                out[i] = b->pin0 + best;
                c->used[best] = 1;
            }
        }
}

/* A proposed pair and how strongly the matched neighbourhood supports it. */
typedef struct cand {
    int s, l, score, depth;
} cand;

static int cand_cmp(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->score != b->score) return b->score - a->score;
    if (a->depth != b->depth) return b->depth - a->depth;
    if (a->s != b->s) return a->s - b->s;
    return a->l - b->l;
}

typedef struct candv {
    cand *v;
    int n, cap;
} candv;

static void cand_push(candv *cv, int s, int l, int score, int depth)
{
    su_grow((void **)&cv->v, &cv->cap, cv->n + 1, sizeof *cv->v);
    cv->v[cv->n++] = (cand){s, l, score, depth};
}

static int cand_by_pair(const void *pa, const void *pb);

static int cand_key(const cand *v) { return v->score * 4096 + (v->depth < 4095 ? v->depth : 4095); }

/* Best key of each node and how many candidates reach it. */
static void cand_best(corr *c, const candv *cv)
{
    for (int i = 0; i < cv->n; i++) c->best[0][cv->v[i].s] = c->best[1][cv->v[i].l] = INT_MIN;
    for (int i = 0; i < cv->n; i++) {
        int key = cand_key(&cv->v[i]);
        int *b[2] = {&c->best[0][cv->v[i].s], &c->best[1][cv->v[i].l]};
        int *n[2] = {&c->nbest[0][cv->v[i].s], &c->nbest[1][cv->v[i].l]};
        for (int k = 0; k < 2; k++) {
            if (key > *b[k]) *b[k] = key, *n[k] = 0;
            if (key == *b[k]) (*n[k])++;
        }
    }
}

/* Best-supported pairs first; a node already taken skips the pair.
 * strict: only pairs that are the single best choice of both nodes (a
 * tie is a guess, left for when nothing better remains).  limit: accept at
 * most that many (0: all). */
static int accept(corr *c, candv *cv, int strict, int limit)
{
    if (cv->n == 0) return 0;
    qsort(cv->v, (size_t)cv->n, sizeof *cv->v, cand_by_pair);
    int m = 0;
    for (int i = 0; i < cv->n; i++)
        if (m == 0 || cv->v[m - 1].s != cv->v[i].s || cv->v[m - 1].l != cv->v[i].l) cv->v[m++] = cv->v[i];
    cv->n = m;
    if (strict) cand_best(c, cv);
    qsort(cv->v, (size_t)cv->n, sizeof *cv->v, cand_cmp);
    int k = 0;
    for (int i = 0; i < cv->n; i++) {
        const cand *v = &cv->v[i];
        int key = cand_key(v);
        if (strict && (key != c->best[0][v->s] || c->nbest[0][v->s] != 1 || key != c->best[1][v->l] ||
                       c->nbest[1][v->l] != 1))
            continue;
        if (c->sm[v->s] < 0 && c->lm[v->l] < 0) corr_pair(c, v->s, v->l), k++;
        if (limit && k >= limit) break;
    }
    cv->n = 0;
    return k;
}

static int cand_by_pair(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->s != b->s) return a->s - b->s;
    return a->l - b->l;
}

/* Unmatched nets pair by votes: terminals of matched devices that put
 * them in the same place. */
static int net_phase(corr *c, candv *cv, int strict, int limit)
{
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    int out[64];
    for (int d = 0; d < s->ndev; d++) {
        int dl = c->sm[d], open = 0;
        if (dl < 0 || s->dev[d].npins > 64) continue;
        for (int p = s->dev[d].pin0; p < s->dev[d].pin0 + s->dev[d].npins && !open; p++)
            open = c->sm[s->ndev + s->pin_net[p]] < 0;
        if (!open) continue;   /* nothing left to vote for */
        pin_pairing(c, d, dl, out);
        for (int i = 0; i < s->dev[d].npins; i++) {
            if (out[i] < 0) continue;
            int sn = s->ndev + s->pin_net[s->dev[d].pin0 + i], ln = l->ndev + l->pin_net[out[i]];
            if (c->sm[sn] < 0 && c->lm[ln] < 0) cand_push(cv, sn, ln, 1, 0);
        }
    }
    if (cv->n == 0) return 0;
    qsort(cv->v, (size_t)cv->n, sizeof *cv->v, cand_by_pair);
    int m = 0;
    for (int i = 0; i < cv->n; i++) {
        if (m > 0 && cv->v[m - 1].s == cv->v[i].s && cv->v[m - 1].l == cv->v[i].l) {
            cv->v[m - 1].score++;
            continue;
        }
        cv->v[m] = cv->v[i];
        cv->v[m].depth = eq_depth(c->st, cv->v[i].s, cv->v[i].l);
        m++;
    }
    cv->n = m;
    return accept(c, cv, strict, limit);
}

/* Matched nets of ds whose partners dl touches through the same terminal
 * class, minus those it does not.  Nets count once: a device tied to a
 * supply by both source and bulk is held by one net, not two. */
static int support(const corr *c, int ds, int dl)
{
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    int n = 0, p0 = s->dev[ds].pin0, p1 = p0 + s->dev[ds].npins;
    for (int p = p0; p < p1; p++) {
        int target = c->sm[s->ndev + s->pin_net[p]], hit = 0, seen = 0;
        if (target < 0) continue;
        for (int e = p0; e < p && !seen; e++) seen = s->pin_net[e] == s->pin_net[p];
        if (seen) continue;
        for (int q = l->dev[dl].pin0; q < l->dev[dl].pin0 + l->dev[dl].npins && !hit; q++)
            hit = l->pin_tc[q] == s->pin_tc[p] && l->ndev + l->pin_net[q] == target;
        n += hit ? 1 : -1;
    }
    return n;
}

/* Matched net of ds whose layout partner has the fewest terminals: the
 * candidates for ds are looked for there.  -1 when none is matched. */
static int anchor_pin(const corr *c, int ds)
{
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    int best = -1, bestdeg = 0;
    for (int p = s->dev[ds].pin0; p < s->dev[ds].pin0 + s->dev[ds].npins; p++) {
        int t = c->sm[s->ndev + s->pin_net[p]];
        if (t < 0) continue;
        int dg = l->adj0[t - l->ndev + 1] - l->adj0[t - l->ndev];
        if (best < 0 || dg < bestdeg) best = p, bestdeg = dg;
    }
    return best;
}

/* Unmatched devices pair with a same-class device on the partner nets
 * when more of their nets agree than disagree.  While strict, a device
 * known only through wide nets (supplies, bias lines) waits: its
 * candidates are many and alike, and a narrower net will come. */
#define STRICT_MAX_DEGREE 32

static void dev_candidates(corr *c, candv *cv, int ds, int p);

static int dev_phase(corr *c, candv *cv, int strict)
{
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    for (int ds = 0; ds < s->ndev; ds++) {
        if (c->sm[ds] >= 0) continue;
        int p = anchor_pin(c, ds);
        if (p < 0) continue;
        int ln = c->sm[s->ndev + s->pin_net[p]] - l->ndev;
        if (strict && l->adj0[ln + 1] - l->adj0[ln] > STRICT_MAX_DEGREE) continue;
        dev_candidates(c, cv, ds, p);
    }
    return accept(c, cv, strict, 0);
}

/* Same-class devices on the partner of ds's anchor net that more nets
 * support than contradict. */
static void dev_candidates(corr *c, candv *cv, int ds, int p)
{
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    int ln = c->sm[s->ndev + s->pin_net[p]] - l->ndev;
    for (int qa = l->adj0[ln]; qa < l->adj0[ln + 1]; qa++) {
        int q = l->adj[qa], dl = l->pin_dev[q];
        if (c->lm[dl] >= 0 || l->pin_tc[q] != s->pin_tc[p] || l->hist[0][dl] != s->hist[0][ds]) continue;
        int sc = support(c, ds, dl);
        if (sc >= 1) cand_push(cv, ds, dl, sc, eq_depth(c->st, ds, dl));
    }
}

/* One guess: the unmatched device with the narrowest anchor net takes its
 * best candidate.  Devices without any are not asked again. */
static int guess_dev(corr *c, candv *cv)
{
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    for (;;) {
        int best = -1, bestp = -1, bestdeg = 0;
        for (int ds = 0; ds < s->ndev; ds++) {
            if (c->sm[ds] >= 0 || c->hopeless[ds]) continue;
            int p = anchor_pin(c, ds);
            if (p < 0) continue;
            int t = c->sm[s->ndev + s->pin_net[p]] - l->ndev, dg = l->adj0[t + 1] - l->adj0[t];
            if (best < 0 || dg < bestdeg) best = ds, bestp = p, bestdeg = dg;
        }
        if (best < 0) return 0;
        dev_candidates(c, cv, best, bestp);
        if (accept(c, cv, 0, 1) > 0) return 1;
        c->hopeless[best] = 1;
    }
}

/* Certain pairs until none is left; then, when guessing, one guess (a
 * net by votes first, else a device) and certainty again: a guess in a
 * symmetric region makes its neighbours certain. */
static void grow(corr *c, int guess)
{
    candv cv = {NULL, 0, 0};
    for (;;) {
        while (net_phase(c, &cv, 1, 0) + dev_phase(c, &cv, 1) > 0) {}
        if (!guess) break;
        if (net_phase(c, &cv, 0, 1) > 0) continue;
        if (guess_dev(c, &cv) > 0) continue;
        break;
    }
    free(cv.v);
}

/* Pairs the unmatched nodes that are alone in their colour class of
 * round k on each side. */
static void depth_match(corr *c, int k)
{
    const side *sd[2] = {&c->st->s[0], &c->st->s[1]};
    int n = 0;
    ent *e = halo_xcalloc((size_t)(sd[0]->nnode + sd[1]->nnode) + 1, sizeof *e);
    for (int x = 0; x < 2; x++) {
        const int *m = x == 0 ? c->sm : c->lm;
        for (int i = 0; i < sd[x]->nnode; i++)
            if (m[i] < 0) e[n++] = (ent){sd[x]->hist[k][i], x, i};
    }
    qsort(e, (size_t)n, sizeof *e, ent_cmp);
    for (int a = 0; a < n;) {
        int b = a;
        while (b < n && e[b].c == e[a].c) b++;
        if (b - a == 2 && e[a].side == 0 && e[a + 1].side == 1) corr_pair(c, e[a].node, e[a + 1].node);
        a = b;
    }
    free(e);
}

static void corr_init(corr *c, lvs_state *st)
{
    c->st = st;
    c->sm = halo_xcalloc((size_t)st->s[0].nnode + 1, sizeof *c->sm);
    c->lm = halo_xcalloc((size_t)st->s[1].nnode + 1, sizeof *c->lm);
    int mp = st->s[0].maxpins > st->s[1].maxpins ? st->s[0].maxpins : st->s[1].maxpins;
    c->used = halo_xcalloc((size_t)mp + 1, sizeof *c->used);
    c->hopeless = halo_xcalloc((size_t)st->s[0].nnode + 1, 1);
    for (int k = 0; k < 2; k++) {
        c->best[k] = halo_xcalloc((size_t)st->s[k].nnode + 1, sizeof *c->best[k]);
        c->nbest[k] = halo_xcalloc((size_t)st->s[k].nnode + 1, sizeof *c->nbest[k]);
    }
    for (int i = 0; i < st->s[0].nnode; i++) c->sm[i] = -1;
    for (int i = 0; i < st->s[1].nnode; i++) c->lm[i] = -1;
}

static void corr_free(corr *c)
{
    free(c->sm);
    free(c->lm);
    free(c->used);
    for (int k = 0; k < 2; k++) free(c->best[k]), free(c->nbest[k]);
    free(c->hopeless);
}

/* After a structural match every colour class is one pair. */
static void corr_from_colours(corr *c)
{
    int n;
    ent *e = sorted_nodes(c->st, &n);
    for (int a = 0; a + 1 < n; a += 2)
        if (e[a].c == e[a + 1].c && e[a].side == 0 && e[a + 1].side == 1) corr_pair(c, e[a].node, e[a + 1].node);
    free(e);
}

/* Best-effort correspondence of a circuit that does not match: anchored
 * at same-named ports and at nodes whose neighbourhoods agree deepest,
 * grown through the graph from every pair found.  Growth first takes only
 * unambiguous pairs: a device held by shared nets alone (a current-source
 * leg on bias and ground) could be any of its siblings, and a guess made
 * early shifts whole regions past a missing device.  The guesses come
 * last, for what is left. */
static void corr_diagnose(corr *c)
{
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    for (int n = 0; n < s->nnet; n++) {
        int sn = s->ndev + n, twin = named_twin(c->st, sn);
        if (!s->nl->nets[s->net_orig[n]].external || twin < 0) continue;
        if (!l->nl->nets[l->net_orig[twin - l->ndev]].external) continue;
        if (c->lm[twin] < 0) corr_pair(c, sn, twin);
    }
    grow(c, 0);
    int nh = s->nhist < l->nhist ? s->nhist : l->nhist;
    for (int k = nh - 1; k >= 1; k--) {
        depth_match(c, k);
        grow(c, 0);
    }
    grow(c, 1);
    depth_match(c, 0);
    grow(c, 1);
}

/* ---------------------------------------------------------------- report */

static void add_item(lvs_result *r, int *cap, const char *kind, const char *layout, const char *schematic,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add_item(lvs_result *r, int *cap, const char *kind, const char *layout, const char *schematic,
                     const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    su_grow((void **)&r->items, cap, r->nitems + 1, sizeof *r->items);
    lvs_item *it = &r->items[r->nitems++];
    it->kind = su_strdup(kind);
    it->layout = su_strdup(layout ? layout : "");
    it->schematic = su_strdup(schematic ? schematic : "");
    it->message = su_strdup(msg);
}

typedef struct report {
    lvs_result *r;
    int cap;
    corr *c;
    unsigned char *sflag, *lflag;   /* net already explained by an open/short */
} report;

/* "D=n1 G=VINP S=tail B=VSS" of a netlist device. */
static void describe_pins(const netlist *nl, int d, su_buf *b)
{
    const netlist_device *x = &nl->devs[d];
    for (int p = 0; p < x->npins; p++)
        su_buf_printf(b, "%s%s=%s", p ? " " : "", x->pins[p].role, nl->nets[x->pins[p].net].name);
    if (!b->s) su_buf_add(b, "");
}

static void report_devices(report *rp)
{
    for (int k = 0; k < 2; k++) {
        const side *s = &rp->c->st->s[k];
        const int *m = k == 0 ? rp->c->sm : rp->c->lm;
        for (int d = 0; d < s->ndev; d++) {
            if (m[d] >= 0) continue;
            su_buf b = {0};
            describe_pins(s->nl, s->dev[d].first, &b);
            const char *nm = dev_name(s, d);
            const char *model = s->nl->devs[s->dev[d].first].model;
            if (k == 0)
                add_item(rp->r, &rp->cap, "device", "", nm, "schematic device %s (%s, %s) is missing from the layout",
                         nm, model, b.s);
            else
                add_item(rp->r, &rp->cap, "device", nm, "", "layout device %s (%s, %s) has no schematic counterpart",
                         nm, model, b.s);
            su_buf_free(&b);
        }
    }
}

typedef struct npair { int a, b; } npair;

static int npair_cmp(const void *pa, const void *pb)
{
    const npair *x = pa, *y = pb;
    if (x->a != y->a) return x->a - y->a;
    return x->b - y->b;
}

/* (schematic net, layout net) of every terminal of every matched device. */
static npair *touch_pairs(corr *c, int *n)
{
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    npair *t = halo_xcalloc((size_t)s->npin + 1, sizeof *t);
    int out[64];
    *n = 0;
    for (int d = 0; d < s->ndev; d++) {
        int dl = c->sm[d];
        if (dl < 0 || s->dev[d].npins > 64 || l->dev[dl].npins > 64) continue;
        pin_pairing(c, d, dl, out);
        for (int i = 0; i < s->dev[d].npins; i++)
            if (out[i] >= 0) t[(*n)++] = (npair){s->pin_net[s->dev[d].pin0 + i], l->pin_net[out[i]]};
    }
    return t;
}

/* Runs of pairs with equal .a whose .b values, with the node's own
 * partner, name two or more nets: an open (k = 0, schematic net split)
 * or a short (k = 1, layout net joining several schematic nets). */
static void report_splits(report *rp, npair *t, int n, int k)
{
    const side *a = &rp->c->st->s[k], *b = &rp->c->st->s[1 - k];
    const int *m = k == 0 ? rp->c->sm : rp->c->lm;
    qsort(t, (size_t)n, sizeof *t, npair_cmp);
    for (int i = 0; i < n;) {
        int j = i, distinct = 0, na = t[i].a;
        int partner = m[a->ndev + na] >= 0 ? m[a->ndev + na] - b->ndev : -1, has_partner = 0;
        su_buf names = {0};
        for (; j < n && t[j].a == na; j++) {
            if (j > i && t[j].b == t[j - 1].b) continue;
            su_buf_printf(&names, "%s%s", distinct ? " " : "", net_name(b, t[j].b));
            distinct++;
            has_partner |= t[j].b == partner;
        }
        if (partner >= 0 && !has_partner) su_buf_printf(&names, " %s", net_name(b, partner)), distinct++;
        if (distinct >= 2) {
            (k == 0 ? rp->sflag : rp->lflag)[na] = 1;
            for (int x = i; x < j; x++) (k == 0 ? rp->lflag : rp->sflag)[t[x].b] = 1;
            if (partner >= 0) (k == 0 ? rp->lflag : rp->sflag)[partner] = 1;
            if (k == 0)
                add_item(rp->r, &rp->cap, "net", names.s, net_name(a, na),
                         "net %s: open, its terminals land on layout nets %s", net_name(a, na), names.s);
            else
                add_item(rp->r, &rp->cap, "net", net_name(a, na), names.s,
                         "layout net %s: short, it joins schematic nets %s", net_name(a, na), names.s);
        }
        su_buf_free(&names);
        i = j;
    }
}

static void report_nets(report *rp)
{
    corr *c = rp->c;
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    int n;
    npair *t = touch_pairs(c, &n);
    report_splits(rp, t, n, 0);
    for (int i = 0; i < n; i++) t[i] = (npair){t[i].b, t[i].a};
    report_splits(rp, t, n, 1);
    free(t);
    for (int i = 0; i < s->nnet; i++) {
        if (rp->sflag[i]) continue;
        int ln = c->sm[s->ndev + i];
        if (ln < 0) {
            add_item(rp->r, &rp->cap, "net", "", net_name(s, i), "net %s (%d device terminals) has no layout counterpart",
                     net_name(s, i), deg(s, i));
            continue;
        }
        ln -= l->ndev;
        if (deg(s, i) != deg(l, ln) && !rp->lflag[ln])
            add_item(rp->r, &rp->cap, "net", net_name(l, ln), net_name(s, i),
                     "net %s: %d device terminals in schematic, layout net %s has %d", net_name(s, i), deg(s, i),
                     net_name(l, ln), deg(l, ln));
    }
    for (int i = 0; i < l->nnet; i++)
        if (!rp->lflag[i] && c->lm[l->ndev + i] < 0)
            add_item(rp->r, &rp->cap, "net", net_name(l, i), "",
                     "layout net %s (%d device terminals) has no schematic counterpart", net_name(l, i), deg(l, i));
}

static void prop_check(report *rp, int ds, int dl, const char *what, double vs, double vl)
{
    const side *s = &rp->c->st->s[0], *l = &rp->c->st->s[1];
    if (agree(vs, vl, rp->c->st->o->tol_rel)) return;
    const char *sn = dev_name(s, ds), *ln = dev_name(l, dl);
    if (strcmp(what, "nf") == 0)
        add_item(rp->r, &rp->cap, "property", ln, sn, "device %s: wrong finger count, nf %g in schematic, layout %s has %g",
                 sn, vs, ln, vl);
    else
        add_item(rp->r, &rp->cap, "property", ln, sn, "device %s: %s %g in schematic, layout %s has %g", sn, what, vs,
                 ln, vl);
}

static void report_props(report *rp)
{
    const side *s = &rp->c->st->s[0], *l = &rp->c->st->s[1];
    for (int d = 0; d < s->ndev; d++) {
        int e = rp->c->sm[d];
        if (e < 0) continue;
        const rdev *a = &s->dev[d], *b = &l->dev[e];
        prop_check(rp, d, e, "W", a->w, b->w);
        prop_check(rp, d, e, "L", a->l, b->l);
        if (a->kind == K_MOS) prop_check(rp, d, e, "nf", a->nf, b->nf);
        else prop_check(rp, d, e, "multiplicity", a->mult, b->mult);
        prop_check(rp, d, e, a->kind == K_CAP ? "C" : "R", a->val, b->val);
    }
}

/* Schematic ports must land on the layout nets labelled with their names;
 * layout labels must name the schematic net they sit on. */
static void report_ports(report *rp)
{
    corr *c = rp->c;
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    for (int i = 0; i < s->nnet; i++) {
        const netlist_net *net = &s->nl->nets[s->net_orig[i]];
        int m = c->sm[s->ndev + i];
        if (!net->external || m < 0) continue;
        int twin = named_twin(c->st, s->ndev + i);
        const char *lname = net_name(l, m - l->ndev);
        if (twin < 0)
            add_item(rp->r, &rp->cap, "port", lname, net->name,
                     "port %s: no layout net is labelled %s; it corresponds to layout net %s", net->name, net->name, lname);
        else if (twin != m)
            add_item(rp->r, &rp->cap, "port", lname, net->name,
                     "port %s: corresponds to layout net %s, not to the net labelled %s (swapped labels?)", net->name,
                     lname, net->name);
    }
    for (int i = 0; i < l->nnet; i++) {
        const netlist_net *net = &l->nl->nets[l->net_orig[i]];
        if (!net->external) continue;
        int sn = netlist_net_find(s->nl, net->name);
        if (sn >= 0 && s->nl->nets[sn].external) continue;   /* checked above */
        int m = c->lm[l->ndev + i];
        const char *sname = m >= 0 ? net_name(s, m - s->ndev) : "";
        if (sn < 0)
            add_item(rp->r, &rp->cap, "port", net->name, sname, "layout label %s names no schematic net", net->name);
        else if (m < 0 || s->net_orig[m - s->ndev] != sn)
            add_item(rp->r, &rp->cap, "port", net->name, sname, "layout label %s sits on the net of schematic %s",
                     net->name, m >= 0 ? sname : "(none)");
    }
}

static void fill_maps(lvs_result *r, const corr *c)
{
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    r->dev_map = halo_xcalloc((size_t)s->nl->ndevs + 1, sizeof *r->dev_map);
    r->net_map = halo_xcalloc((size_t)s->nl->nnets + 1, sizeof *r->net_map);
    for (int d = 0; d < s->nl->ndevs; d++) {
        int m = c->sm[s->dev_of[d]];
        r->dev_map[d] = m >= 0 ? l->dev[m].first : -1;
    }
    for (int n = 0; n < s->nl->nnets; n++) {
        int g = s->net_of[n], m = g >= 0 ? c->sm[s->ndev + g] : -1;
        r->net_map[n] = m >= 0 ? l->net_orig[m - l->ndev] : -1;
    }
}

static void build_report(lvs_result *r, corr *c)
{
    const side *s = &c->st->s[0], *l = &c->st->s[1];
    report rp = {r, 0, c, halo_xcalloc((size_t)s->nnet + 1, 1), halo_xcalloc((size_t)l->nnet + 1, 1)};
    if (s->ndev != l->ndev || s->nnet != l->nnet)
        add_item(r, &rp.cap, "count", "", "",
                 "schematic has %d devices and %d nets, layout %d devices and %d nets (parallel devices merged)",
                 s->ndev, s->nnet, l->ndev, l->nnet);
    report_devices(&rp);
    report_nets(&rp);
    report_props(&rp);
    if (c->st->o->check_ports) report_ports(&rp);
    free(rp.sflag);
    free(rp.lflag);
}

/* ---------------------------------------------------------------- API */

void lvs_opts_default(lvs_opts *o)
{
    o->tol_rel = 0.01;
    o->check_ports = 1;
}

lvs_result *lvs_compare(const netlist *layout, const netlist *schematic, const lvs_opts *o)
{
    lvs_opts dflt;
    if (!o) lvs_opts_default(&dflt), o = &dflt;
    lvs_state st;
    memset(&st, 0, sizeof st);
    st.o = o;
    side_build(&st.s[0], schematic, o->tol_rel);
    side_build(&st.s[1], layout, o->tol_rel);
    colour_init(&st.s[0]);
    colour_init(&st.s[1]);
    ctab_rebuild(&st);
    hist_record(&st.s[0]);
    hist_record(&st.s[1]);
    lvs_result *r = halo_xcalloc(1, sizeof *r);
    r->schematic_devices = st.s[0].ndev;
    r->layout_devices = st.s[1].ndev;
    r->schematic_nets = st.s[0].nnet;
    r->layout_nets = st.s[1].nnet;
    corr c;
    corr_init(&c, &st);
    if (match_structure(&st)) corr_from_colours(&c);
    else corr_diagnose(&c);
    build_report(r, &c);
    fill_maps(r, &c);
    r->match = r->nitems == 0;
    corr_free(&c);
    ctab_free(&st.tab);
    free(st.chg);
    side_free(&st.s[0]);
    side_free(&st.s[1]);
    return r;
}

void lvs_free(lvs_result *r)
{
    if (!r) return;
    for (int i = 0; i < r->nitems; i++) {
        free(r->items[i].kind);
        free(r->items[i].layout);
        free(r->items[i].schematic);
        free(r->items[i].message);
    }
    free(r->items);
    free(r->dev_map);
    free(r->net_map);
    free(r);
}
