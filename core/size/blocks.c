/*
 * blocks.c -- recognition of structural and functional blocks (see
 * blocks.h for the rules).
 *
 * One pass per rule over a small index of the netlist: each transistor's
 * drain, gate and source nets, the devices on each net, and per-net flags
 * (rail, supply, input, diode node, signal).  Groups (devices sharing a
 * source, or a gate and a source) come from sorting keys, so the work is
 * O(n log n) plus the nets' neighbourhoods, microseconds for an op-amp.
 */
#include "blocks.h"

#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

enum { T_NONE = 0, T_FULL, T_DEGENERATE };   /* what a device is as a transistor */

typedef struct ctx {
    const netlist *nl;
    int ndev, nnets;
    int *d, *g, *s;          /* a transistor's drain, gate, source net; -1 none */
    char *tr;                /* T_* per device */
    char *rail, *supply, *input, *diode, *signal;   /* per net */
    int *net_start, *net_dev;    /* the devices with a pin on each net (CSR) */
    int *partner;            /* per net: its image across the axis, -1 */
    int *image;              /* per device: its image across the axis, -1 */
    int *queue, qhead, qtail;    /* nets to visit */
    char *in_dp, *in_ccm, *in_cm, *in_any, *cascode, *mirror_ref;
    int *mirror_of;          /* per device: the cm or ccm block it is in, -1 */
    blocks_result *r;
    int capblocks, capsymblocks;
} ctx;

const char *blocks_kind_name(blocks_kind k)
{
    static const char *const names[BLK_NKINDS] = {"dp", "cm", "ccm", "cascode", "ls", "single", "passive"};
    return (int)k >= 0 && k < BLK_NKINDS ? names[k] : "?";
}

const char *blocks_func_name(blocks_func f)
{
    switch (f) {
    case BLK_FN_BIAS: return "bias";
    case BLK_FN_LOAD: return "load";
    case BLK_FN_GM: return "transconductance";
    default: return "none";
    }
}

/* ---------------------------------------------------------------- index */

static int is_transistor(netlist_devtype t)
{
    return t == NL_NMOS || t == NL_PMOS || t == NL_NPN || t == NL_PNP;
}

static int is_passive(netlist_devtype t)
{
    return t == NL_RES || t == NL_CAP || t == NL_IND;
}

static int pin_net(const ctx *c, const netlist_device *dv, const char *role)
{
    for (int i = 0; i < dv->npins; i++)
        if (strcmp(dv->pins[i].role, role) == 0)
            return dv->pins[i].net >= 0 && dv->pins[i].net < c->nnets ? dv->pins[i].net : -1;
    return -1;
}

/* A BJT's collector, base and emitter play drain, gate and source. */
static void index_transistor(ctx *c, int i)
{
    const netlist_device *dv = &c->nl->devs[i];
    int mos = dv->type == NL_NMOS || dv->type == NL_PMOS;
    c->d[i] = pin_net(c, dv, mos ? "D" : "C");
    c->g[i] = pin_net(c, dv, mos ? "G" : "B");
    c->s[i] = pin_net(c, dv, mos ? "S" : "E");
    int whole = c->d[i] >= 0 && c->g[i] >= 0 && c->s[i] >= 0 && c->d[i] != c->s[i] && c->g[i] != c->s[i];
    c->tr[i] = whole ? T_FULL : T_DEGENERATE;
    if (whole && c->d[i] == c->g[i]) c->diode[c->d[i]] = 1;
}

static void index_nets(ctx *c)
{
    for (int n = 0; n < c->nnets; n++) {
        netlist_netrole role = c->nl->nets[n].role;
        c->supply[n] = role == NL_SUPPLY_POS || role == NL_SUPPLY_NEG;
        c->rail[n] = c->supply[n] || role == NL_BIAS_VOLTAGE || role == NL_BIAS_CURRENT;
        c->input[n] = role == NL_INPUT_V || role == NL_INPUT_I || role == NL_RF_INPUT;
    }
}

/* Whether device i already counted net n (a pin before pin p on it). */
static int seen_before(const netlist_device *dv, int p)
{
    for (int q = 0; q < p; q++)
        if (dv->pins[q].net == dv->pins[p].net) return 1;
    return 0;
}

static void index_adjacency(ctx *c)
{
    c->net_start = halo_xcalloc((size_t)c->nnets + 1, sizeof *c->net_start);
    for (int pass = 0; pass < 2; pass++) {
        int *fill = pass ? halo_xcalloc((size_t)c->nnets + 1, sizeof *fill) : NULL;
        for (int i = 0; i < c->ndev; i++) {
            const netlist_device *dv = &c->nl->devs[i];
            for (int p = 0; p < dv->npins; p++) {
                int n = dv->pins[p].net;
                if (n < 0 || n >= c->nnets || seen_before(dv, p)) continue;
                if (pass) c->net_dev[c->net_start[n] + fill[n]++] = i;
                else c->net_start[n + 1]++;
            }
        }
        if (pass) free(fill);
        else {
            for (int n = 0; n < c->nnets; n++) c->net_start[n + 1] += c->net_start[n];
            c->net_dev = halo_xmalloc(((size_t)c->net_start[c->nnets] + 1) * sizeof *c->net_dev);
        }
    }
}

static void ctx_init(ctx *c, const netlist *nl, blocks_result *r)
{
    memset(c, 0, sizeof *c);
    c->nl = nl;
    c->r = r;
    c->ndev = nl->ndevs;
    c->nnets = nl->nnets;
    size_t nd = (size_t)c->ndev + 1, nn = (size_t)c->nnets + 1;
    c->d = halo_xmalloc(nd * sizeof *c->d);
    c->g = halo_xmalloc(nd * sizeof *c->g);
    c->s = halo_xmalloc(nd * sizeof *c->s);
    c->image = halo_xmalloc(nd * sizeof *c->image);
    c->mirror_of = halo_xmalloc(nd * sizeof *c->mirror_of);
    c->tr = halo_xcalloc(nd, 1);
    c->in_dp = halo_xcalloc(nd, 1);
    c->in_ccm = halo_xcalloc(nd, 1);
    c->in_cm = halo_xcalloc(nd, 1);
    c->in_any = halo_xcalloc(nd, 1);
    c->cascode = halo_xcalloc(nd, 1);
    c->mirror_ref = halo_xcalloc(nd, 1);
    c->rail = halo_xcalloc(nn, 1);
    c->supply = halo_xcalloc(nn, 1);
    c->input = halo_xcalloc(nn, 1);
    c->diode = halo_xcalloc(nn, 1);
    c->signal = halo_xcalloc(nn, 1);
    c->partner = halo_xmalloc(nn * sizeof *c->partner);
    c->queue = halo_xmalloc(nn * sizeof *c->queue);
    for (int n = 0; n < c->nnets; n++) c->partner[n] = -1;
    index_nets(c);
    for (int i = 0; i < c->ndev; i++) {
        c->d[i] = c->g[i] = c->s[i] = -1;
        c->image[i] = c->mirror_of[i] = -1;
        if (is_transistor(nl->devs[i].type)) index_transistor(c, i);
    }
    index_adjacency(c);
}

static void ctx_free(ctx *c)
{
    void *all[] = {c->d, c->g, c->s, c->image, c->mirror_of, c->tr, c->in_dp, c->in_ccm, c->in_cm, c->in_any,
                   c->cascode, c->mirror_ref, c->rail, c->supply, c->input, c->diode, c->signal, c->partner,
                   c->queue, c->net_start, c->net_dev};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
}

/* ---------------------------------------------------------------- blocks */

static int add_block(ctx *c, blocks_kind kind, const int *dev, int n)
{
    blocks_result *r = c->r;
    su_grow((void **)&r->blocks, &c->capblocks, r->nblocks + 1, sizeof *r->blocks);
    blocks_block *b = &r->blocks[r->nblocks];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    b->func = BLK_FN_NONE;
    b->ndev = n;
    b->dev = halo_xmalloc((size_t)n * sizeof *b->dev);
    memcpy(b->dev, dev, (size_t)n * sizeof *dev);
    for (int i = 0; i < n; i++) c->in_any[dev[i]] = 1;
    return r->nblocks++;
}

/* Transistors sorted by (type, a, b): the groups sharing a source (a = s)
 * or a gate and a source (a = g, b = s). */
typedef struct key3 { int type, a, b, idx; } key3;

static int cmp_key3(const void *x, const void *y)
{
    const key3 *p = x, *q = y;
    if (p->type != q->type) return p->type < q->type ? -1 : 1;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    if (p->b != q->b) return p->b < q->b ? -1 : 1;
    return (p->idx > q->idx) - (p->idx < q->idx);
}

/* Keys of the whole transistors not in a dp; n set to their count. */
static key3 *sorted_keys(const ctx *c, int by_gate, int *n)
{
    key3 *k = halo_xmalloc(((size_t)c->ndev + 1) * sizeof *k);
    *n = 0;
    for (int i = 0; i < c->ndev; i++) {
        if (c->tr[i] != T_FULL || c->in_dp[i]) continue;
        k[(*n)++] = (key3){(int)c->nl->devs[i].type, by_gate ? c->g[i] : c->s[i], by_gate ? c->s[i] : 0, i};
    }
    qsort(k, (size_t)*n, sizeof *k, cmp_key3);
    return k;
}

static void add_dp(ctx *c, int a, int b)
{
    int dev[2] = {a < b ? a : b, a < b ? b : a};
    add_block(c, BLK_DP, dev, 2);
    c->in_dp[a] = c->in_dp[b] = 1;
}

/* The candidates cand[0..n) share a source: two on different gates are a
 * dp; more than two pair up only by their match groups (pending[] holds,
 * per group, a candidate waiting for its partner). */
static void dp_group(ctx *c, const int *cand, int n, int *pending)
{
    if (n == 2) {
        if (c->g[cand[0]] != c->g[cand[1]]) add_dp(c, cand[0], cand[1]);
        return;
    }
    for (int i = 0; i < n; i++) {
        int mg = c->nl->devs[cand[i]].match_group;
        if (mg < 0 || mg >= c->nl->nmatch_groups) continue;
        int p = pending[mg];
        if (p >= 0 && c->g[p] != c->g[cand[i]]) {
            add_dp(c, p, cand[i]);
            pending[mg] = -1;
        } else {
            pending[mg] = cand[i];
        }
    }
    for (int i = 0; i < n; i++) {
        int mg = c->nl->devs[cand[i]].match_group;
        if (mg >= 0 && mg < c->nl->nmatch_groups) pending[mg] = -1;
    }
}

static void find_dps(ctx *c)
{
    int n;
    key3 *k = sorted_keys(c, 0, &n);
    int *cand = halo_xmalloc(((size_t)n + 1) * sizeof *cand);
    int *pending = halo_xmalloc(((size_t)c->nl->nmatch_groups + 1) * sizeof *pending);
    for (int m = 0; m < c->nl->nmatch_groups; m++) pending[m] = -1;
    for (int i = 0; i < n;) {
        int j = i, ncand = 0;
        for (; j < n && k[j].type == k[i].type && k[j].a == k[i].a; j++) {
            /* on a supply, only a pseudo-differential pair of inputs */
            if (!c->supply[k[j].a] || c->input[c->g[k[j].idx]]) cand[ncand++] = k[j].idx;
        }
        if (ncand >= 2) dp_group(c, cand, ncand, pending);
        i = j;
    }
    free(pending);
    free(cand);
    free(k);
}

/* ---------------------------------------------------------------- signal */

static void push_net(ctx *c, int n)
{
    c->queue[c->qtail++] = n;
}

static void mark_signal(ctx *c, int n)
{
    if (n < 0 || c->rail[n] || c->signal[n]) return;
    c->signal[n] = 1;
    push_net(c, n);
}

/* What a signal on net n reaches through device i. */
static void spread_signal(ctx *c, int i, int n)
{
    const netlist_device *dv = &c->nl->devs[i];
    if (c->tr[i] == T_FULL) {
        if (c->g[i] == n) {
            mark_signal(c, c->d[i]);
            mark_signal(c, c->s[i]);
        }
        if (c->s[i] == n) mark_signal(c, c->d[i]);
    } else if (is_passive(dv->type)) {
        for (int p = 0; p < dv->npins; p++)
            if (strcmp(dv->pins[p].role, "B") != 0 && strcmp(dv->pins[p].role, "SUB") != 0)
                mark_signal(c, dv->pins[p].net < c->nnets ? dv->pins[p].net : -1);
    }
}

/* Runs right after find_dps: the blocks so far are the dps, whose gates
 * are signal whatever their roles say (the lpf's buffer inputs). */
static void find_signal(ctx *c)
{
    c->qhead = c->qtail = 0;
    for (int n = 0; n < c->nnets; n++)
        if (c->input[n]) mark_signal(c, n);
    for (int b = 0; b < c->r->nblocks; b++)
        for (int k = 0; k < 2; k++) mark_signal(c, c->g[c->r->blocks[b].dev[k]]);
    while (c->qhead < c->qtail) {
        int n = c->queue[c->qhead++];
        for (int e = c->net_start[n]; e < c->net_start[n + 1]; e++) spread_signal(c, c->net_dev[e], n);
    }
}

/* ---------------------------------------------------------------- the axis */

static void pair_nets(ctx *c, int x, int y)
{
    c->partner[x] = y;
    c->partner[y] = x;
    push_net(c, x);
}

static void seed_pair(ctx *c, int x, int y)
{
    if (x != y && !c->rail[x] && !c->rail[y] && c->partner[x] < 0 && c->partner[y] < 0) pair_nets(c, x, y);
}

/* Pairs (x, y) to be made so far clash with (a, b)?  1: clash, 0: fits
 * (*dup set when it is one of them already). */
static int clashes(const int (*fresh)[2], int nfresh, int a, int b, int *dup)
{
    *dup = 0;
    for (int k = 0; k < nfresh; k++) {
        int x = fresh[k][0], y = fresh[k][1];
        if ((x == a && y == b) || (x == b && y == a)) {
            *dup = 1;
            continue;
        }
        if (x == a || x == b || y == a || y == b) return 1;
    }
    return 0;
}

/* The nets of device i the axis compares, in a fixed order: a
 * transistor's drain, gate and source; a passive's two terminals (swap:
 * the other way round -- a resistor is the same either way).  Their
 * count, 0 for a device the axis does not pass. */
static int image_nets(const ctx *c, int i, int swap, int *n)
{
    if (c->tr[i] == T_FULL) {
        n[0] = c->d[i];
        n[1] = c->g[i];
        n[2] = c->s[i];
        return 3;
    }
    const netlist_device *dv = &c->nl->devs[i];
    if (!is_passive(dv->type)) return 0;
    int p = pin_net(c, dv, "P"), q = pin_net(c, dv, "N");
    if (p < 0 || q < 0 || p == q) return 0;
    n[0] = swap ? q : p;
    n[1] = swap ? p : q;
    return 2;
}

/* u and v are mirror images when, net by net (nu, nv), their nets are
 * equal, already images, or both free (to become images), one at least
 * already images.  Makes them images and returns 1, else changes nothing. */
static int try_image(ctx *c, int u, int v, const int *nu, const int *nv, int k)
{
    int fresh[3][2], nfresh = 0, anchored = 0;
    for (int r = 0; r < k; r++) {
        int a = nu[r], b = nv[r], dup;
        if (a == b) continue;
        if (c->partner[a] == b) {
            anchored = 1;
            continue;
        }
        if (c->rail[a] || c->rail[b] || c->partner[a] >= 0 || c->partner[b] >= 0) return 0;
        if (clashes((const int (*)[2])fresh, nfresh, a, b, &dup)) return 0;
        if (!dup) {
            fresh[nfresh][0] = a;
            fresh[nfresh++][1] = b;
        }
    }
    if (!anchored) return 0;
    for (int f = 0; f < nfresh; f++) pair_nets(c, fresh[f][0], fresh[f][1]);
    c->image[u] = v;
    c->image[v] = u;
    return 1;
}

static int try_devices(ctx *c, int u, int v)
{
    int nu[3], nv[3], k = image_nets(c, u, 0, nu);
    if (image_nets(c, v, 0, nv) != k) return 0;
    if (try_image(c, u, v, nu, nv, k)) return 1;
    return k == 2 && image_nets(c, v, 1, nv) == 2 && try_image(c, u, v, nu, nv, k);
}

/* The devices on net x against those on its image: the first fit pairs. */
static void match_across(ctx *c, int x)
{
    int y = c->partner[x], scratch[3];
    for (int e = c->net_start[x]; e < c->net_start[x + 1]; e++) {
        int u = c->net_dev[e];
        if (c->image[u] >= 0 || !image_nets(c, u, 0, scratch)) continue;
        for (int f = c->net_start[y]; f < c->net_start[y + 1]; f++) {
            int v = c->net_dev[f];
            if (v == u || c->image[v] >= 0 || c->nl->devs[v].type != c->nl->devs[u].type) continue;
            if (try_devices(c, u, v)) break;
        }
    }
}

/* Runs while the blocks are still the dps alone: they seed the axis. */
static void find_axis(ctx *c)
{
    c->qhead = c->qtail = 0;
    for (int b = 0; b < c->r->nblocks; b++) {
        int u = c->r->blocks[b].dev[0], v = c->r->blocks[b].dev[1];
        c->image[u] = v;
        c->image[v] = u;
        /* drains first: in a unity-gain buffer one gate is the output,
         * which the other side's drain must pair with (the lpf's XM2) */
        seed_pair(c, c->d[u], c->d[v]);
        seed_pair(c, c->g[u], c->g[v]);
    }
    while (c->qhead < c->qtail) match_across(c, c->queue[c->qhead++]);
}

/* ---------------------------------------------------------------- mirrors */

/* The one transistor of low's type standing on low's drain, or -1. */
static int upper_of(const ctx *c, int low)
{
    int x = c->d[low], found = -1;
    if (c->rail[x]) return -1;
    for (int e = c->net_start[x]; e < c->net_start[x + 1]; e++) {
        int u = c->net_dev[e];
        if (c->tr[u] != T_FULL || c->s[u] != x || c->in_dp[u] || c->in_ccm[u]) continue;
        if (c->nl->devs[u].type != c->nl->devs[low].type) continue;
        if (found >= 0) return -1;
        found = u;
    }
    return found;
}

/* The group low[0..n) (sharing gate and source) with its upper devices as
 * a ccm: added and 1, or 0. */
static int try_ccm(ctx *c, const int *low, int n)
{
    int *dev = halo_xmalloc((size_t)(2 * n) * sizeof *dev), ok = 1, ref = -1;
    for (int k = 0; k < n && ok; k++) {
        int up = upper_of(c, low[k]);
        ok = up >= 0 && (k == 0 || c->g[up] == c->g[dev[n]]);
        for (int j = 0; j < k && ok; j++) ok = dev[n + j] != up;
        dev[n + k] = up;
        int gl = c->g[low[k]];
        if (ok && ref < 0 && (gl == c->d[low[k]] || gl == c->d[up])) ref = k;
    }
    if (ok && ref >= 0) {
        int *order = halo_xmalloc((size_t)(2 * n) * sizeof *order), m = 0;
        order[m++] = low[ref];
        for (int k = 0; k < n; k++) if (k != ref) order[m++] = low[k];
        order[m++] = dev[n + ref];
        for (int k = 0; k < n; k++) if (k != ref) order[m++] = dev[n + k];
        add_block(c, BLK_CCM, order, m);
        for (int k = 0; k < m; k++) c->in_ccm[order[k]] = 1;
        c->mirror_ref[low[ref]] = c->mirror_ref[dev[n + ref]] = 1;
        free(order);
    }
    free(dev);
    return ok && ref >= 0;
}

/* A group sharing gate and source with a diode in it: a cm, diodes first. */
static void try_cm(ctx *c, const int *grp, int n)
{
    int *order = halo_xmalloc((size_t)n * sizeof *order), m = 0;
    for (int k = 0; k < n; k++) if (c->d[grp[k]] == c->g[grp[k]]) order[m++] = grp[k];
    if (m > 0) {
        for (int k = 0; k < m; k++) c->mirror_ref[order[k]] = 1;
        for (int k = 0; k < n; k++) if (c->d[grp[k]] != c->g[grp[k]]) order[m++] = grp[k];
        add_block(c, BLK_CM, order, n);
        for (int k = 0; k < n; k++) c->in_cm[grp[k]] = 1;
    }
    free(order);
}

static void find_mirrors(ctx *c)
{
    int n;
    key3 *k = sorted_keys(c, 1, &n);
    int *grp = halo_xmalloc(((size_t)n + 1) * sizeof *grp);
    for (int i = 0; i < n;) {
        int j = i, m = 0;
        for (; j < n && k[j].type == k[i].type && k[j].a == k[i].a && k[j].b == k[i].b; j++)
            if (!c->in_ccm[k[j].idx]) grp[m++] = k[j].idx;
        if (m >= 2 && !try_ccm(c, grp, m)) try_cm(c, grp, m);
        i = j;
    }
    free(grp);
    free(k);
}

/* ---------------------------------------------------------------- the rest */

static int is_cascode(const ctx *c, int i)
{
    if (c->tr[i] != T_FULL || c->in_dp[i] || c->in_ccm[i] || c->d[i] == c->g[i]) return 0;
    int x = c->s[i];
    if (c->rail[x] || c->signal[c->g[i]]) return 0;
    for (int e = c->net_start[x]; e < c->net_start[x + 1]; e++) {
        int u = c->net_dev[e];
        if (u != i && c->tr[u] == T_FULL && c->d[u] == x && c->nl->devs[u].type == c->nl->devs[i].type) return 1;
    }
    return 0;
}

/* The cascode to put in one block with cascode i: its image, else one on
 * the same gate in its match group; -1 when none. */
static int cascode_partner(const ctx *c, int i, const char *placed)
{
    int p = c->image[i];
    if (p >= 0 && c->cascode[p] && !placed[p] && c->g[p] == c->g[i]) return p;
    int mg = c->nl->devs[i].match_group, x = c->g[i];
    if (mg < 0) return -1;
    for (int e = c->net_start[x]; e < c->net_start[x + 1]; e++) {
        int u = c->net_dev[e];
        if (u != i && c->cascode[u] && !placed[u] && c->g[u] == x && c->nl->devs[u].match_group == mg) return u;
    }
    return -1;
}

static void find_cascodes(ctx *c)
{
    for (int i = 0; i < c->ndev; i++) c->cascode[i] = (char)is_cascode(c, i);
    char *placed = halo_xcalloc((size_t)c->ndev + 1, 1);
    for (int i = 0; i < c->ndev; i++) {
        if (!c->cascode[i] || placed[i]) continue;
        int dev[2] = {i, cascode_partner(c, i, placed)};
        placed[i] = 1;
        if (dev[1] >= 0) placed[dev[1]] = 1;
        add_block(c, BLK_CASCODE, dev, dev[1] >= 0 ? 2 : 1);
    }
    free(placed);
}

static void find_rest(ctx *c)
{
    for (int i = 0; i < c->ndev; i++)
        if (c->tr[i] == T_FULL && c->d[i] == c->g[i] && !c->in_dp[i] && !c->in_cm[i] && !c->in_ccm[i])
            add_block(c, BLK_LS, &i, 1);
    for (int i = 0; i < c->ndev; i++)
        if (c->tr[i] != T_NONE && !c->in_any[i]) add_block(c, BLK_SINGLE, &i, 1);
    for (int i = 0; i < c->ndev; i++)
        if (is_passive(c->nl->devs[i].type)) add_block(c, BLK_PASSIVE, &i, 1);
}

static int block_first(const blocks_block *b)
{
    int m = b->dev[0];
    for (int i = 1; i < b->ndev; i++) if (b->dev[i] < m) m = b->dev[i];
    return m;
}

static int cmp_block(const void *x, const void *y)
{
    const blocks_block *p = x, *q = y;
    if (p->kind != q->kind) return p->kind < q->kind ? -1 : 1;
    int a = block_first(p), b = block_first(q);
    return (a > b) - (a < b);
}

/* ---------------------------------------------------------------- functions */

static blocks_func signal_func(const ctx *c, int n, blocks_func yes)
{
    return n >= 0 && c->signal[n] ? yes : BLK_FN_BIAS;
}

static blocks_func block_func(const ctx *c, const blocks_block *b)
{
    int i = b->dev[0];
    switch (b->kind) {
    case BLK_DP: return BLK_FN_GM;
    case BLK_CM: return signal_func(c, c->d[i], BLK_FN_LOAD);
    case BLK_CCM: return signal_func(c, c->d[b->dev[b->ndev / 2]], BLK_FN_LOAD);
    case BLK_LS: return signal_func(c, c->d[i], BLK_FN_LOAD);
    case BLK_CASCODE:
        for (int k = 0; k < b->ndev; k++)
            if (c->signal[c->s[b->dev[k]]] || c->signal[c->d[b->dev[k]]]) return BLK_FN_LOAD;
        return BLK_FN_BIAS;
    case BLK_SINGLE:
        if (c->tr[i] != T_FULL) return BLK_FN_NONE;
        if (!c->signal[c->g[i]]) return BLK_FN_BIAS;
        return c->diode[c->g[i]] ? BLK_FN_LOAD : BLK_FN_GM;
    default: return BLK_FN_NONE;
    }
}

static void assign_functions(ctx *c)
{
    /* the kind that decides a device's function: dp, ccm, cm, cascode, ls, single */
    static const int rank[BLK_NKINDS] = {0, 2, 1, 3, 4, 5, 6};
    blocks_result *r = c->r;
    int *best = halo_xmalloc(((size_t)c->ndev + 1) * sizeof *best);
    for (int i = 0; i < c->ndev; i++) {
        r->func[i] = BLK_FN_NONE;
        best[i] = BLK_NKINDS;
    }
    for (int b = 0; b < r->nblocks; b++) {
        blocks_block *blk = &r->blocks[b];
        blk->func = block_func(c, blk);
        for (int k = 0; k < blk->ndev; k++) {
            int i = blk->dev[k];
            if (rank[blk->kind] < best[i]) {
                best[i] = rank[blk->kind];
                r->func[i] = blk->func;
            }
            if ((blk->kind == BLK_CM || blk->kind == BLK_CCM) && c->mirror_of[i] < 0) c->mirror_of[i] = b;
        }
    }
    free(best);
}

/* ---------------------------------------------------------------- symmetry */

static int symmetric(const ctx *c, int a, int b)
{
    if (a == b) return 0;
    if (c->image[a] == b) return 1;
    int mg = c->nl->devs[a].match_group;
    if (mg < 0 || mg != c->nl->devs[b].match_group) return 0;
    /* a mirror's reference and its output set the mirror's gain */
    return !(c->mirror_of[a] >= 0 && c->mirror_of[a] == c->mirror_of[b] && c->mirror_ref[a] != c->mirror_ref[b]);
}

/* What the symmetry passes share: the members of each match group and
 * the blocks of each device (CSR), a position per device (-1 outside the
 * block at hand) and scratch room for a device's candidates. */
typedef struct symidx {
    int *mstart, *mdev, *bstart, *bdev, *pos, *cand;
} symidx;

/* The devices that may be a's equal: its image and its match group. */
static int candidates(const ctx *c, const symidx *x, int a, int *out)
{
    int n = 0, mg = c->nl->devs[a].match_group;
    if (c->image[a] >= 0) out[n++] = c->image[a];
    if (mg >= 0 && mg < c->nl->nmatch_groups)
        for (int e = x->mstart[mg]; e < x->mstart[mg + 1]; e++)
            if (x->mdev[e] != a && x->mdev[e] != c->image[a]) out[n++] = x->mdev[e];
    return n;
}

static void set_positions(const blocks_block *b, int *pos, int on)
{
    for (int k = 0; k < b->ndev; k++) pos[b->dev[k]] = on ? k : -1;
}

static int cmp_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

/* The symmetric pairs of a block, in block order: for each device, its
 * equals further on.  Linear in the block and its groups, not quadratic
 * (a bias mirror may have thousands of outputs). */
static void block_pairs(const ctx *c, const symidx *x, blocks_block *b)
{
    int cap = 0;
    set_positions(b, x->pos, 1);
    for (int i = 0; i < b->ndev; i++) {
        int a = b->dev[i], n = candidates(c, x, a, x->cand), m = 0;
        for (int k = 0; k < n; k++)   /* positions after i, to sort */
            if (x->pos[x->cand[k]] > i && symmetric(c, a, x->cand[k])) x->cand[m++] = x->pos[x->cand[k]];
        qsort(x->cand, (size_t)m, sizeof *x->cand, cmp_int);
        for (int k = 0; k < m; k++) {
            su_grow((void **)&b->sym, &cap, b->nsym + 1, sizeof *b->sym);
            b->sym[b->nsym][0] = a;
            b->sym[b->nsym++][1] = b->dev[x->cand[k]];
        }
    }
    set_positions(b, x->pos, 0);
}

/* Blocks a and b pair up device by device as symmetric (greedily, each
 * device of a taking its first free equal in b). */
static int blocks_mirror(const ctx *c, const symidx *x, const blocks_block *a, const blocks_block *b)
{
    if (a->kind != b->kind || a->ndev != b->ndev) return 0;
    set_positions(b, x->pos, 1);
    int ok = 1;
    for (int i = 0; i < a->ndev && ok; i++) {
        int n = candidates(c, x, a->dev[i], x->cand), k = 0;
        while (k < n && (x->pos[x->cand[k]] < 0 || !symmetric(c, a->dev[i], x->cand[k]))) k++;
        ok = k < n;
        if (ok) x->pos[x->cand[k]] = -1;   /* taken */
    }
    set_positions(b, x->pos, 0);
    return ok;
}

static void add_symblock(ctx *c, int a, int b)
{
    blocks_result *r = c->r;
    for (int k = r->nsymblocks - 1; k >= 0 && r->symblocks[k][0] == a; k--)
        if (r->symblocks[k][1] == b) return;
    su_grow((void **)&r->symblocks, &c->capsymblocks, r->nsymblocks + 1, sizeof *r->symblocks);
    r->symblocks[r->nsymblocks][0] = a;
    r->symblocks[r->nsymblocks++][1] = b;
}

/* A block's mirror image holds an equal of its first device: only the
 * blocks of those equals are tried. */
static void symmetric_blocks(ctx *c, const symidx *x)
{
    blocks_result *r = c->r;
    int *cand = halo_xmalloc(((size_t)c->ndev + 1) * sizeof *cand);
    for (int i = 0; i < r->nblocks; i++) {
        int a = r->blocks[i].dev[0], n = candidates(c, x, a, cand);
        for (int k = 0; k < n; k++) {
            if (!symmetric(c, a, cand[k])) continue;
            for (int e = x->bstart[cand[k]]; e < x->bstart[cand[k] + 1]; e++) {
                int j = x->bdev[e];
                if (j > i && blocks_mirror(c, x, &r->blocks[i], &r->blocks[j])) add_symblock(c, i, j);
            }
        }
    }
    free(cand);
}

/* CSR of the members of each of n groups, group_of[i] being device i's
 * (-1: none). */
static void group_lists(int ndev, int n, const int *group_of, int **start, int **members)
{
    *start = halo_xcalloc((size_t)n + 2, sizeof **start);
    for (int i = 0; i < ndev; i++) if (group_of[i] >= 0 && group_of[i] < n) (*start)[group_of[i] + 1]++;
    for (int g = 0; g < n; g++) (*start)[g + 1] += (*start)[g];
    int *fill = halo_xcalloc((size_t)n + 1, sizeof *fill);
    *members = halo_xmalloc(((size_t)(*start)[n] + 1) * sizeof **members);
    for (int i = 0; i < ndev; i++)
        if (group_of[i] >= 0 && group_of[i] < n) (*members)[(*start)[group_of[i]] + fill[group_of[i]]++] = i;
    free(fill);
}

/* The blocks each device is in, CSR. */
static void device_blocks(const ctx *c, symidx *x)
{
    const blocks_result *r = c->r;
    int total = 0;
    for (int b = 0; b < r->nblocks; b++) total += r->blocks[b].ndev;
    x->bstart = halo_xcalloc((size_t)c->ndev + 2, sizeof *x->bstart);
    x->bdev = halo_xmalloc(((size_t)total + 1) * sizeof *x->bdev);
    int *fill = halo_xcalloc((size_t)c->ndev + 1, sizeof *fill);
    for (int b = 0; b < r->nblocks; b++)
        for (int k = 0; k < r->blocks[b].ndev; k++) x->bstart[r->blocks[b].dev[k] + 1]++;
    for (int i = 0; i < c->ndev; i++) x->bstart[i + 1] += x->bstart[i];
    for (int b = 0; b < r->nblocks; b++)
        for (int k = 0; k < r->blocks[b].ndev; k++) {
            int i = r->blocks[b].dev[k];
            x->bdev[x->bstart[i] + fill[i]++] = b;
        }
    free(fill);
}

static void find_symmetry(ctx *c)
{
    symidx x;
    size_t nd = (size_t)c->ndev + 1;
    int *group_of = halo_xmalloc(nd * sizeof *group_of);
    for (int i = 0; i < c->ndev; i++) group_of[i] = c->nl->devs[i].match_group;
    group_lists(c->ndev, c->nl->nmatch_groups, group_of, &x.mstart, &x.mdev);
    free(group_of);
    device_blocks(c, &x);
    x.pos = halo_xmalloc(nd * sizeof *x.pos);
    x.cand = halo_xmalloc(nd * sizeof *x.cand);
    for (int i = 0; i < c->ndev; i++) x.pos[i] = -1;
    for (int b = 0; b < c->r->nblocks; b++) block_pairs(c, &x, &c->r->blocks[b]);
    symmetric_blocks(c, &x);
    free(x.mstart);
    free(x.mdev);
    free(x.bstart);
    free(x.bdev);
    free(x.pos);
    free(x.cand);
}

/* ---------------------------------------------------------------- entry */

int blocks_recognize(const netlist *nl, blocks_result *r, halo_err *err)
{
    memset(r, 0, sizeof *r);
    if (!nl) return halo_err_set(err, HALO_E_BLK_NODESIGN, NULL, 0);
    ctx c;
    ctx_init(&c, nl, r);
    r->ndev = nl->ndevs;
    r->func = halo_xmalloc(((size_t)nl->ndevs + 1) * sizeof *r->func);
    find_dps(&c);            /* first: the dps seed the signal and the axis */
    find_signal(&c);
    find_axis(&c);
    find_mirrors(&c);
    find_cascodes(&c);
    find_rest(&c);
    if (r->nblocks > 1) qsort(r->blocks, (size_t)r->nblocks, sizeof *r->blocks, cmp_block);
    assign_functions(&c);
    find_symmetry(&c);
    ctx_free(&c);
    return 0;
}

void blocks_result_free(blocks_result *r)
{
    if (!r) return;
    for (int b = 0; b < r->nblocks; b++) {
        free(r->blocks[b].dev);
        free(r->blocks[b].sym);
    }
    free(r->blocks);
    free(r->func);
    free(r->symblocks);
    memset(r, 0, sizeof *r);
}
