/*
 * predict_net.c -- the placement-quality network (predict_net.h): the
 * architecture's text form, the layers built from it as a list of nodes
 * in topological order, and forward / backward over a batch.
 *
 * A node is the input, a convolution or a MixConv; its input is the
 * channel concatenation of earlier nodes' outputs.  Activations live in an
 * arena released at the next forward; gradients flow back node by node,
 * each node's dy accumulated from the nodes it feeds.
 */
#include "predict_net.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "nn/nn_conv.h"
#include "nn/nn_layers.h"

static const char *const op_names[PN_NOPS] = {"c32", "c64", "a32", "mix"};
static const int mix_kernels[4] = {7, 9, 11, 13};

const char *pn_op_name(pn_op op)
{
    return op >= 0 && op < PN_NOPS ? op_names[op] : "?";
}

/* ---------------------------------------------------------------- arch */

static int scaled_filters(double width, int filters)
{
    int c = (int)lround(width * filters);
    return c < 4 ? 4 : c;
}

void pn_arch_empty(pn_arch *a, int in_c, int size, double width)
{
    memset(a, 0, sizeof *a);
    a->in_c = in_c;
    a->size = size;
    a->width = width;
    a->stem[0] = 32;
    a->stem[1] = 64;
    a->stem[2] = 64;
    a->fc = 32;
    for (int d = 0; d < PN_NDAGS; d++)
        for (int k = 0; k <= PN_MAXV; k++) a->dag[d].op[k] = -1;
}

void pn_arch_cnn(pn_arch *a, int in_c, int size, double width)
{
    pn_arch_empty(a, in_c, size, width);
    for (int d = 0; d < PN_NDAGS; d++) {
        a->dag[d].edge[0][1] = 1;
        a->dag[d].op[1] = d < 2 ? PN_OP_C32 : PN_OP_C64;
    }
}

int pn_dag_used(const pn_dag *d, int k)
{
    for (int j = 0; j < k; j++)
        if (d->edge[j][k]) return 1;
    return 0;
}

void pn_dag_count(const pn_dag *d, int *vertices, int *edges)
{
    int v = 0, e = 0;
    for (int k = 1; k <= PN_MAXV; k++) {
        v += pn_dag_used(d, k);
        for (int j = 0; j < k; j++) e += d->edge[j][k];
    }
    *vertices = v;
    *edges = e;
}

char *pn_arch_format(const pn_arch *a)
{
    su_buf b = {NULL, 0, 0};
    /* the width in the fewest digits (six or more) that read back the
       same: %g alone turned 0.4843749 into 0.484375, 16 filters of c32
       where the saved weights have 15 */
    char width[32];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(width, sizeof width, "%.*g", prec, a->width);
        if (strtod(width, NULL) == a->width) break;
    }
    su_buf_printf(&b, "pnet1 in=%d size=%d width=%s stem=%d,%d,%d fc=%d dags=", a->in_c, a->size, width,
                  a->stem[0], a->stem[1], a->stem[2], a->fc);
    for (int d = 0; d < PN_NDAGS; d++) {
        const pn_dag *g = &a->dag[d];
        int first = 1;
        if (d) su_buf_add(&b, "|");
        for (int k = 1; k <= PN_MAXV; k++)
            for (int j = 0; j < k; j++)
                if (g->edge[j][k]) {
                    su_buf_printf(&b, "%s%d>%d", first ? "" : ",", j, k);
                    first = 0;
                }
        su_buf_add(&b, first ? "-;" : ";");
        first = 1;
        for (int k = 1; k <= PN_MAXV; k++)
            if (pn_dag_used(g, k)) {
                su_buf_printf(&b, "%s%d=%s", first ? "" : ",", k, pn_op_name((pn_op)g->op[k]));
                first = 0;
            }
        if (first) su_buf_add(&b, "-");
    }
    return b.s;
}

static int arch_fail(halo_err *err, const char *text, const char *why)
{
    char shown[120];
    snprintf(shown, sizeof shown, "%.100s%s", text, strlen(text) > 100 ? "..." : "");
    return halo_err_set(err, HALO_E_PRD_ARCH, NULL, 0, shown, why);
}

static int parse_int(const char **s, int *v, int lo, int hi)
{
    char *end;
    long x = strtol(*s, &end, 10);
    if (end == *s || x < lo || x > hi) return -1;
    *v = (int)x;
    *s = end;
    return 0;
}

static int parse_op(const char **s, signed char *op)
{
    for (int o = 0; o < PN_NOPS; o++)
        if (strncmp(*s, op_names[o], 3) == 0) {
            *op = (signed char)o;
            *s += 3;
            return 0;
        }
    return -1;
}

/* One DAG "EDGES;OPS" up to '|' or the end. */
static int parse_dag(const char **s, pn_dag *g, char *why, size_t whylen)
{
    const char *p = *s;
    if (*p == '-') p++;
    else
        for (;;) {
            int j, k;
            if (parse_int(&p, &j, 0, PN_MAXV - 1) || *p++ != '>' || parse_int(&p, &k, 1, PN_MAXV) || j >= k) {
                snprintf(why, whylen, "an edge must be j>k with 0 <= j < k <= %d", PN_MAXV);
                return -1;
            }
            g->edge[j][k] = 1;
            if (*p != ',') break;
            p++;
        }
    if (*p++ != ';') {
        snprintf(why, whylen, "a DAG is EDGES;OPS");
        return -1;
    }
    if (*p == '-') p++;
    else
        for (;;) {
            int k;
            if (parse_int(&p, &k, 1, PN_MAXV) || *p++ != '=' || parse_op(&p, &g->op[k])) {
                snprintf(why, whylen, "an operation must be k=c32|c64|a32|mix with 1 <= k <= %d", PN_MAXV);
                return -1;
            }
            if (*p != ',') break;
            p++;
        }
    for (int k = 1; k <= PN_MAXV; k++) {
        if (pn_dag_used(g, k) && g->op[k] < 0) {
            snprintf(why, whylen, "vertex %d has edges but no operation", k);
            return -1;
        }
        if (!pn_dag_used(g, k) && g->op[k] >= 0) {
            snprintf(why, whylen, "vertex %d has an operation but no incoming edge", k);
            return -1;
        }
        /* a vertex no edge reaches cannot feed one */
        for (int m = k + 1; m <= PN_MAXV; m++)
            if (g->edge[k][m] && !pn_dag_used(g, k)) {
                snprintf(why, whylen, "edge %d>%d leaves a vertex nothing reaches", k, m);
                return -1;
            }
    }
    *s = p;
    return 0;
}

static int parse_key(const char **s, const char *key)
{
    size_t n = strlen(key);
    while (**s == ' ') (*s)++;
    if (strncmp(*s, key, n) != 0) return -1;
    *s += n;
    return 0;
}

int pn_arch_parse(const char *text, pn_arch *a, halo_err *err)
{
    const char *p = text;
    char why[160];
    int in_c, size, fc, stem[3];
    char *end;
    pn_arch_empty(a, 1, 8, 1);
    if (parse_key(&p, "pnet1") || parse_key(&p, "in=") || parse_int(&p, &in_c, 1, 256))
        return arch_fail(err, text, "expected \"pnet1 in=C\" with 1 <= C <= 256");
    if (parse_key(&p, "size=") || parse_int(&p, &size, 8, 512))
        return arch_fail(err, text, "expected size=S with 8 <= S <= 512");
    if (parse_key(&p, "width=")) return arch_fail(err, text, "expected width=W");
    double width = strtod(p, &end);
    if (end == p || !(width >= 0.03 && width <= 8)) return arch_fail(err, text, "width must be 0.03 to 8");
    p = end;
    if (parse_key(&p, "stem=") || parse_int(&p, &stem[0], 1, 1024) || *p++ != ',' ||
        parse_int(&p, &stem[1], 1, 1024) || *p++ != ',' || parse_int(&p, &stem[2], 1, 1024))
        return arch_fail(err, text, "expected stem=A,B,C, each 1 to 1024 filters");
    if (parse_key(&p, "fc=") || parse_int(&p, &fc, 1, 4096)) return arch_fail(err, text, "expected fc=N, 1 to 4096");
    if (parse_key(&p, "dags=")) return arch_fail(err, text, "expected dags=");
    pn_arch_empty(a, in_c, size, width);
    memcpy(a->stem, stem, sizeof stem);
    a->fc = fc;
    for (int d = 0; d < PN_NDAGS; d++) {
        if (d && *p++ != '|') return arch_fail(err, text, "expected six DAGs separated by |");
        if (parse_dag(&p, &a->dag[d], why, sizeof why)) return arch_fail(err, text, why);
    }
    while (*p == ' ' || *p == '\n') p++;
    if (*p) return arch_fail(err, text, "trailing text after the sixth DAG");
    return 0;
}

/* Output channels of one DAG on cin0 input channels; *params gains its
 * weights and biases.  The same walk as build_dag, without the layers. */
static double dag_channels(const pn_dag *g, double width, double cin0, double *params)
{
    double cout[PN_MAXV + 1] = {cin0};
    for (int k = 1; k <= PN_MAXV; k++) {
        if (!pn_dag_used(g, k)) continue;
        double cin = 0;
        for (int j = 0; j < k; j++)
            if (g->edge[j][k]) cin += cout[j];
        switch (g->op[k]) {
        case PN_OP_C64: cout[k] = scaled_filters(width, 64); break;
        case PN_OP_MIX: cout[k] = cin; break;
        default: cout[k] = scaled_filters(width, 32); break;
        }
        /* a MixConv's kernels average under 13 x 13 per channel */
        *params += g->op[k] == PN_OP_MIX ? cin * (13 * 13 + 1) : cout[k] * (cin * 9 + 1);
    }
    double out = 0;
    for (int j = 0; j <= PN_MAXV; j++) {
        if (j > 0 && !pn_dag_used(g, j)) continue;
        int leaves = 0;
        for (int k = j + 1; k <= PN_MAXV; k++) leaves |= g->edge[j][k];
        if (!leaves) out += cout[j];
    }
    return out;
}

double pn_arch_params(const pn_arch *a)
{
    double params = 0, c = a->in_c;
    for (int s = 0; s < 3; s++) {
        params += a->stem[s] * (c * 9 + 1);
        c = a->stem[s];
        for (int d = 2 * s; d < 2 * s + 2; d++) c = dag_channels(&a->dag[d], a->width, c, &params);
    }
    return params + c * a->fc + a->fc + (double)a->fc * PN_HEAD + PN_HEAD;
}

/* ---------------------------------------------------------------- nodes */

enum { N_INPUT, N_CONV, N_MIX };

typedef struct pn_node {
    int kind;
    int *in, nin;                 /* input nodes, concatenated in order */
    int cin, cout;
    int in_h, in_w, h, w;
    nn_conv2d conv;               /* N_CONV */
    nn_conv2d mix[4];             /* N_MIX: one depthwise conv per group */
    int mix_c[4], nmix;
    /* per batch, from the arena */
    float *x;                     /* the concatenated input (or an input's y) */
    float *pre, *y, *dy;
} pn_node;

struct pn_model {
    pn_arch arch;
    nn_params params;
    pn_node *node;
    int nnodes, cap;
    int *head_in, nhead_in;       /* sinks of the last DAG */
    int feat;                     /* channels into the head */
    nn_linear fc1, fc2;
    nn_arena ar;
    int batch;                    /* of the last forward */
    float *feat_x, *h1pre, *h1;   /* head activations */
};


/* He (Kaiming) normal init, std sqrt(2 / fan_in), zero bias, as
 * torchvision's VGG does: the networks have no normalisation layer, and
 * PyTorch's default conv init would shrink the signal by about 1/sqrt(6)
 * in variance per ReLU layer -- nine layers deep the outputs no longer
 * depend on the input. */
static void he_init(nn_conv2d *c, halo_rng *rng)
{
    int fan_in = c->cin / c->groups * c->kh * c->kw;
    nn_init_normal(c->weight, rng, (float)sqrt(2.0 / fan_in));
    if (c->bias) nn_init_const(c->bias, 0);
}

static int add_node(pn_model *m, int kind, const int *in, int nin)
{
    su_grow((void **)&m->node, &m->cap, m->nnodes + 1, sizeof *m->node);
    pn_node *n = &m->node[m->nnodes];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->nin = nin;
    n->in = nin ? halo_xmalloc(sizeof *n->in * (size_t)nin) : NULL;
    for (int i = 0; i < nin; i++) {
        n->in[i] = in[i];
        n->cin += m->node[in[i]].cout;
    }
    if (nin) {
        n->in_h = m->node[in[0]].h;
        n->in_w = m->node[in[0]].w;
    }
    return m->nnodes++;
}

static int add_conv(pn_model *m, const char *name, const int *in, int nin, int cout, int stride, int dil,
                    halo_rng *rng)
{
    int id = add_node(m, N_CONV, in, nin);
    pn_node *n = &m->node[id];
    n->cout = cout;
    if (nn_conv2d_init(&n->conv, &m->params, name, n->cin, cout, 3, stride, dil, dil, 1, 1, rng)) return -1;
    he_init(&n->conv, rng);
    nn_conv2d_out_hw(&n->conv, n->in_h, n->in_w, &n->h, &n->w);
    return n->h > 0 && n->w > 0 ? id : -1;
}

static int add_mix(pn_model *m, const char *name, const int *in, int nin, halo_rng *rng)
{
    int id = add_node(m, N_MIX, in, nin);
    pn_node *n = &m->node[id];
    n->cout = n->cin;
    n->h = n->in_h;
    n->w = n->in_w;
    n->nmix = n->cin < 4 ? n->cin : 4;
    for (int g = 0; g < n->nmix; g++) n->mix_c[g] = n->cin / n->nmix;
    n->mix_c[0] += n->cin - n->nmix * (n->cin / n->nmix);
    for (int g = 0; g < n->nmix; g++) {
        char pre[200];
        int k = mix_kernels[g], c = n->mix_c[g];
        snprintf(pre, sizeof pre, "%s.%d", name, g);
        if (nn_conv2d_init(&n->mix[g], &m->params, pre, c, c, k, 1, k / 2, 1, c, 1, rng)) return -1;
        he_init(&n->mix[g], rng);
    }
    return id;
}

/* Build one DAG on top of the node list `src` (its v0); leaves its sinks
 * in `out`.  Returns the number of sinks, -1 on failure. */
static int build_dag(pn_model *m, int d, const int *src, int nsrc, int *out, halo_rng *rng)
{
    const pn_dag *g = &m->arch.dag[d];
    int vnode[PN_MAXV + 1][64], vn[PN_MAXV + 1];
    memset(vn, 0, sizeof vn);
    for (int i = 0; i < nsrc && i < 64; i++) vnode[0][vn[0]++] = src[i];
    for (int k = 1; k <= PN_MAXV; k++) {
        if (!pn_dag_used(g, k)) continue;
        int in[64], nin = 0;
        for (int j = 0; j < k; j++)
            if (g->edge[j][k])
                for (int i = 0; i < vn[j] && nin < 64; i++) in[nin++] = vnode[j][i];
        char name[64];
        snprintf(name, sizeof name, "dags.%d.v%d", d, k);
        int id;
        switch (g->op[k]) {
        case PN_OP_C32: id = add_conv(m, name, in, nin, scaled_filters(m->arch.width, 32), 1, 1, rng); break;
        case PN_OP_C64: id = add_conv(m, name, in, nin, scaled_filters(m->arch.width, 64), 1, 1, rng); break;
        case PN_OP_A32: id = add_conv(m, name, in, nin, scaled_filters(m->arch.width, 32), 1, 2, rng); break;
        case PN_OP_MIX: id = add_mix(m, name, in, nin, rng); break;
        default: return -1;
        }
        if (id < 0) return -1;
        vnode[k][0] = id;
        vn[k] = 1;
    }
    int nout = 0;
    for (int j = 0; j <= PN_MAXV; j++) {
        if (j > 0 && !pn_dag_used(g, j)) continue;
        int leaves = 0;
        for (int k = j + 1; k <= PN_MAXV; k++) leaves |= g->edge[j][k];
        if (!leaves)
            for (int i = 0; i < vn[j] && nout < 64; i++) out[nout++] = vnode[j][i];
    }
    return nout;
}

static int build(pn_model *m, halo_rng *rng)
{
    const pn_arch *a = &m->arch;
    int inp = add_node(m, N_INPUT, NULL, 0);
    m->node[inp].cout = a->in_c;
    m->node[inp].h = m->node[inp].w = a->size;
    int cur[64], ncur = 1;
    cur[0] = inp;
    for (int s = 0; s < 3; s++) {
        char name[32];
        snprintf(name, sizeof name, "stem.%d", s);
        int id = add_conv(m, name, cur, ncur, a->stem[s], 2, 1, rng);
        if (id < 0) return -1;
        cur[0] = id;
        ncur = 1;
        for (int d = 2 * s; d < 2 * s + 2; d++) {
            int out[64];
            ncur = build_dag(m, d, cur, ncur, out, rng);
            if (ncur <= 0) return -1;
            memcpy(cur, out, sizeof *out * (size_t)ncur);
        }
    }
    m->nhead_in = ncur;
    m->head_in = halo_xmalloc(sizeof *m->head_in * (size_t)ncur);
    m->feat = 0;
    for (int i = 0; i < ncur; i++) {
        m->head_in[i] = cur[i];
        m->feat += m->node[cur[i]].cout;
    }
    if (nn_linear_init(&m->fc1, &m->params, "head.fc1", m->feat, a->fc, 1, rng)) return -1;
    if (nn_linear_init(&m->fc2, &m->params, "head.fc2", a->fc, PN_HEAD, 1, rng)) return -1;
    return 0;
}

pn_model *pn_model_new(const pn_arch *a, uint64_t seed, halo_err *err)
{
    if (a->in_c < 1 || a->size < 8 || a->fc < 1 || !(a->width > 0)) {
        halo_err_set(err, HALO_E_PRD_ARCH, NULL, 0, "(in memory)", "sizes must be positive, the picture >= 8");
        return NULL;
    }
    if (pn_arch_params(a) > PN_MAX_PARAMS) {
        char *t = pn_arch_format(a);
        halo_err_set(err, HALO_E_PRD_ARCH, NULL, 0, t, "more than 50 million parameters");
        free(t);
        return NULL;
    }
    pn_model *m = halo_xcalloc(1, sizeof *m);
    m->arch = *a;
    nn_params_init(&m->params);
    nn_arena_init(&m->ar, 1 << 20);
    halo_rng rng;
    rng_seed(&rng, seed);
    if (build(m, &rng) != 0) {
        char *t = pn_arch_format(a);
        halo_err_set(err, HALO_E_PRD_ARCH, NULL, 0, t, "cannot be built (a DAG too wide, or the picture too small)");
        free(t);
        pn_model_free(m);
        return NULL;
    }
    return m;
}

void pn_model_free(pn_model *m)
{
    if (!m) return;
    for (int i = 0; i < m->nnodes; i++) free(m->node[i].in);
    free(m->node);
    free(m->head_in);
    nn_params_free(&m->params);
    nn_arena_free(&m->ar);
    free(m);
}

const pn_arch *pn_model_arch(const pn_model *m) { return &m->arch; }
nn_params *pn_model_params(pn_model *m) { return &m->params; }

double pn_model_macs(const pn_model *m)
{
    double macs = 0;
    for (int i = 0; i < m->nnodes; i++) {
        const pn_node *n = &m->node[i];
        if (n->kind == N_CONV) macs += (double)n->cout * n->h * n->w * n->cin * 9;
        else if (n->kind == N_MIX)
            for (int g = 0; g < n->nmix; g++)
                macs += (double)n->mix_c[g] * n->h * n->w * mix_kernels[g] * mix_kernels[g];
    }
    return macs + (double)m->feat * m->arch.fc + (double)m->arch.fc * PN_HEAD;
}

/* ---------------------------------------------------------------- forward */

/* Copy channels [c0, c0+c) of every sample of src [n][csrc][hw] into dst
 * [n][cdst][hw] at channel d0 (add when accumulate). */
static void copy_channels(const float *src, int csrc, int c0, float *dst, int cdst, int d0, int c, int n, size_t hw,
                          int accumulate)
{
    for (int s = 0; s < n; s++) {
        const float *a = src + ((size_t)s * csrc + c0) * hw;
        float *b = dst + ((size_t)s * cdst + d0) * hw;
        if (accumulate)
            for (size_t k = 0; k < (size_t)c * hw; k++) b[k] += a[k];
        else memcpy(b, a, sizeof *a * (size_t)c * hw);
    }
}

static void gather_input(pn_model *m, pn_node *n, int batch)
{
    if (n->nin == 1) {
        n->x = m->node[n->in[0]].y;
        return;
    }
    size_t hw = (size_t)n->in_h * n->in_w;
    n->x = nn_arena_alloc(&m->ar, (size_t)batch * n->cin * hw);
    for (int i = 0, off = 0; i < n->nin; i++) {
        const pn_node *src = &m->node[n->in[i]];
        copy_channels(src->y, src->cout, 0, n->x, n->cin, off, src->cout, batch, hw, 0);
        off += src->cout;
    }
}

static void mix_forward(pn_model *m, pn_node *n, int batch)
{
    size_t hw = (size_t)n->h * n->w;
    for (int g = 0, off = 0; g < n->nmix; g++) {
        int c = n->mix_c[g];
        size_t mark = nn_arena_mark(&m->ar);
        float *xi = nn_arena_alloc(&m->ar, (size_t)batch * c * hw);
        float *yo = nn_arena_alloc(&m->ar, (size_t)batch * c * hw);
        copy_channels(n->x, n->cin, off, xi, c, 0, c, batch, hw, 0);
        nn_conv2d_forward(&n->mix[g], xi, batch, n->h, n->w, yo, &m->ar);
        copy_channels(yo, c, 0, n->pre, n->cout, off, c, batch, hw, 0);
        nn_arena_release(&m->ar, mark);
        off += c;
    }
}

void pn_model_forward(pn_model *m, const float *x, int n, float *out)
{
    /* one block as large as the largest step so far: blocks freed and
       allocated again every step cost page faults (system time) */
    if (m->ar.high_water > m->ar.block_floats) {
        size_t want = m->ar.high_water + m->ar.high_water / 4;
        nn_arena_free(&m->ar);
        nn_arena_init(&m->ar, want);
    }
    nn_arena_release(&m->ar, 0);
    m->batch = n;
    pn_node *inp = &m->node[0];
    inp->y = (float *)x;
    for (int i = 1; i < m->nnodes; i++) {
        pn_node *nd = &m->node[i];
        size_t sz = (size_t)n * nd->cout * nd->h * nd->w;
        gather_input(m, nd, n);
        nd->pre = nn_arena_alloc(&m->ar, sz);
        nd->y = nn_arena_alloc(&m->ar, sz);
        nd->dy = NULL;
        if (nd->kind == N_CONV) nn_conv2d_forward(&nd->conv, nd->x, n, nd->in_h, nd->in_w, nd->pre, &m->ar);
        else mix_forward(m, nd, n);
        nn_act_forward(NN_RELU, nd->pre, sz, nd->y);
    }
    /* head: global mean over the sinks' concatenation, FC, ReLU, FC */
    m->feat_x = nn_arena_alloc(&m->ar, (size_t)n * m->feat);
    for (int s = 0; s < n; s++)
        for (int i = 0, off = 0; i < m->nhead_in; i++) {
            const pn_node *src = &m->node[m->head_in[i]];
            size_t hw = (size_t)src->h * src->w;
            for (int c = 0; c < src->cout; c++) {
                const float *p = src->y + ((size_t)s * src->cout + c) * hw;
                double sum = 0;
                for (size_t k = 0; k < hw; k++) sum += p[k];
                m->feat_x[(size_t)s * m->feat + off + c] = (float)(sum / (double)hw);
            }
            off += src->cout;
        }
    m->h1pre = nn_arena_alloc(&m->ar, (size_t)n * m->arch.fc);
    m->h1 = nn_arena_alloc(&m->ar, (size_t)n * m->arch.fc);
    nn_linear_forward(&m->fc1, m->feat_x, n, m->h1pre);
    nn_act_forward(NN_RELU, m->h1pre, (size_t)n * m->arch.fc, m->h1);
    nn_linear_forward(&m->fc2, m->h1, n, out);
}

/* ---------------------------------------------------------------- backward */

static float *node_dy(pn_model *m, pn_node *n)
{
    if (!n->dy) n->dy = nn_arena_alloc(&m->ar, (size_t)m->batch * n->cout * n->h * n->w);
    return n->dy;
}

/* Add dx (of the concatenated input) into the inputs' dy. */
static void scatter_input_grad(pn_model *m, pn_node *n, const float *dx)
{
    size_t hw = (size_t)n->in_h * n->in_w;
    for (int i = 0, off = 0; i < n->nin; i++) {
        pn_node *src = &m->node[n->in[i]];
        if (src->kind != N_INPUT)
            copy_channels(dx, n->cin, off, node_dy(m, src), src->cout, 0, src->cout, m->batch, hw, 1);
        off += src->cout;
    }
}

static void mix_backward(pn_model *m, pn_node *n, const float *dpre, float *dx)
{
    int batch = m->batch;
    size_t hw = (size_t)n->h * n->w;
    for (int g = 0, off = 0; g < n->nmix; g++) {
        int c = n->mix_c[g];
        size_t mark = nn_arena_mark(&m->ar);
        float *xi = nn_arena_alloc(&m->ar, (size_t)batch * c * hw);
        float *dyo = nn_arena_alloc(&m->ar, (size_t)batch * c * hw);
        float *dxi = nn_arena_alloc(&m->ar, (size_t)batch * c * hw);
        copy_channels(n->x, n->cin, off, xi, c, 0, c, batch, hw, 0);
        copy_channels(dpre, n->cout, off, dyo, c, 0, c, batch, hw, 0);
        nn_conv2d_backward(&n->mix[g], xi, batch, n->h, n->w, dyo, dxi, &m->ar);
        copy_channels(dxi, c, 0, dx, n->cin, off, c, batch, hw, 0);
        nn_arena_release(&m->ar, mark);
        off += c;
    }
}

static void head_backward(pn_model *m, const float *dout)
{
    int n = m->batch, fc = m->arch.fc;
    size_t mark = nn_arena_mark(&m->ar);
    float *dh1 = nn_arena_alloc(&m->ar, (size_t)n * fc);
    float *dfeat = nn_arena_alloc(&m->ar, (size_t)n * m->feat);
    nn_linear_backward(&m->fc2, m->h1, dout, n, dh1);
    nn_act_backward(NN_RELU, m->h1pre, m->h1, dh1, (size_t)n * fc, dh1);
    nn_linear_backward(&m->fc1, m->feat_x, dh1, n, dfeat);
    for (int i = 0, off = 0; i < m->nhead_in; i++) {
        pn_node *src = &m->node[m->head_in[i]];
        size_t hw = (size_t)src->h * src->w;
        float *dy = node_dy(m, src);
        for (int s = 0; s < n; s++)
            for (int c = 0; c < src->cout; c++) {
                float g = dfeat[(size_t)s * m->feat + off + c] / (float)hw;
                float *p = dy + ((size_t)s * src->cout + c) * hw;
                for (size_t k = 0; k < hw; k++) p[k] += g;
            }
        off += src->cout;
    }
    (void)mark;   /* dh1/dfeat stay until the node gradients are done */
}

void pn_model_backward(pn_model *m, const float *dout)
{
    head_backward(m, dout);
    for (int i = m->nnodes - 1; i >= 1; i--) {
        pn_node *n = &m->node[i];
        if (!n->dy) continue;     /* feeds nothing that reaches the head */
        size_t sz = (size_t)m->batch * n->cout * n->h * n->w;
        size_t mark = nn_arena_mark(&m->ar);
        float *dpre = nn_arena_alloc(&m->ar, sz);
        nn_act_backward(NN_RELU, n->pre, n->y, n->dy, sz, dpre);
        int need_dx = 0;
        for (int k = 0; k < n->nin; k++) need_dx |= m->node[n->in[k]].kind != N_INPUT;
        float *dx = need_dx ? nn_arena_alloc(&m->ar, (size_t)m->batch * n->cin * n->in_h * n->in_w) : NULL;
        if (n->kind == N_CONV) nn_conv2d_backward(&n->conv, n->x, m->batch, n->in_h, n->in_w, dpre, dx, &m->ar);
        else {
            if (!dx) dx = nn_arena_alloc(&m->ar, (size_t)m->batch * n->cin * n->in_h * n->in_w);
            mix_backward(m, n, dpre, dx);
        }
        if (need_dx) scatter_input_grad(m, n, dx);
        /* the inputs' dy were allocated before this mark only if they
           existed already; release only what is scratch */
        (void)mark;
    }
}
