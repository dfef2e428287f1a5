/*
 * unet.c -- the layout-completion U-Net (unet.h): checking a
 * configuration, building its layers, forward and backward over a batch.
 * Losses, the optimiser step and the model file are unet_train.c's.
 *
 * Residual blocks are numbered down path first ([levels][res_blocks]),
 * then the two of the middle, then the up path ([levels][res_blocks], by
 * level, not by the order they run in), so block i's parameters and its
 * saved activations share one index.
 */
#include "unet_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "nn/nn_layers.h"

/* ---------------------------------------------------------------- configuration */

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int field_out_of_range(char *err, size_t errlen, const char *name, int v, int lo, int hi)
{
    return fail(err, errlen, "lfm_cfg %s \"%d\": expected an integer from %d to %d.", name, v, lo, hi);
}

int lfm_cfg_check(const lfm_cfg *c, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        size_t off;
        int lo, hi;
    } fields[] = {
        {"layer_ch", offsetof(lfm_cfg, layer_ch), 1, LFM_MAX_LAYER_CH},   {"cmd_ch", offsetof(lfm_cfg, cmd_ch), 0, 64},
        {"stem_ch", offsetof(lfm_cfg, stem_ch), 1, 256},     {"base_ch", offsetof(lfm_cfg, base_ch), 1, 1024},
        {"levels", offsetof(lfm_cfg, levels), 1, 7},         {"res_blocks", offsetof(lfm_cfg, res_blocks), 1, 8},
        {"attn", offsetof(lfm_cfg, attn), 0, 1},             {"heads", offsetof(lfm_cfg, heads), 0, 1024},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        int v = *(const int *)(const void *)((const char *)c + fields[i].off);
        if (v < fields[i].lo || v > fields[i].hi)
            return field_out_of_range(err, errlen, fields[i].name, v, fields[i].lo, fields[i].hi);
    }
    int bottom = lfm_ch(c, c->levels);
    if (bottom > 8192)
        return fail(err, errlen, "lfm_cfg base_ch \"%d\": expected at most %d with %d levels (the bottleneck's "
                    "channels base_ch * 2^levels at most 8192).", c->base_ch, 8192 >> c->levels, c->levels);
    if (c->attn && (c->heads < 1 || bottom % c->heads))
        return fail(err, errlen, "lfm_cfg heads \"%d\": expected a divisor of the bottleneck's %d channels.",
                    c->heads, bottom);
    return 0;
}

int lfm_unet_check_input(const lfm_unet *m, int n, int h, int w, char *err, size_t errlen)
{
    int step = 1 << m->cfg.levels;
    if (n < 1 || n > (1 << 20)) return fail(err, errlen, "Batch size \"%d\": expected 1 to %d.", n, 1 << 20);
    if (h < step || h % step || h > 16384)
        return fail(err, errlen, "Picture height \"%d\": expected a multiple of %d (2^levels) up to 16384.", h, step);
    if (w < step || w % step || w > 16384)
        return fail(err, errlen, "Picture width \"%d\": expected a multiple of %d (2^levels) up to 16384.", w, step);
    return 0;
}

/* ---------------------------------------------------------------- building */

/* The largest group count <= LFM_GROUPS dividing ch: 8 groups for the
 * usual channel counts, fewer for the tiny models of tests. */
static int norm_groups(int ch)
{
    int g = ch < LFM_GROUPS ? ch : LFM_GROUPS;
    while (ch % g) g--;
    return g;
}

static int add_norm(lfm_unet *m, nn_groupnorm *gn, const char *prefix, const char *leaf, int ch)
{
    char name[96];
    snprintf(name, sizeof name, "%s.%s", prefix, leaf);
    return nn_groupnorm_init(gn, &m->ps, name, norm_groups(ch), ch);
}

static int add_conv(lfm_unet *m, nn_conv2d *c, const char *prefix, const char *leaf, int cin, int cout, int k,
                    int stride, int bias, halo_rng *rng)
{
    char name[96];
    if (leaf) snprintf(name, sizeof name, "%s.%s", prefix, leaf);
    else snprintf(name, sizeof name, "%s", prefix);
    return nn_conv2d_init(c, &m->ps, name, cin, cout, k, stride, k / 2, 1, 1, bias, rng);
}

static int build_res(lfm_unet *m, lfm_res *b, const char *prefix, int cin, int cout, halo_rng *rng)
{
    b->cin = cin;
    b->cout = cout;
    b->has_skip = cin != cout;
    if (add_norm(m, &b->norm1, prefix, "norm1", cin) || add_conv(m, &b->conv1, prefix, "conv1", cin, cout, 3, 1, 1, rng) ||
        add_norm(m, &b->norm2, prefix, "norm2", cout) || add_conv(m, &b->conv2, prefix, "conv2", cout, cout, 3, 1, 1, rng))
        return -1;
    return b->has_skip ? add_conv(m, &b->skip, prefix, "skip", cin, cout, 1, 1, 1, rng) : 0;
}

static int res_down(const lfm_cfg *c, int l, int r) { return l * c->res_blocks + r; }
static int res_mid(const lfm_cfg *c, int i) { return c->levels * c->res_blocks + i; }
static int res_up(const lfm_cfg *c, int l, int r) { return c->levels * c->res_blocks + 2 + l * c->res_blocks + r; }
static int res_count(const lfm_cfg *c) { return 2 * c->levels * c->res_blocks + 2; }

static int build_down(lfm_unet *m, int l, halo_rng *rng)
{
    const lfm_cfg *c = &m->cfg;
    char prefix[64];
    for (int r = 0; r < c->res_blocks; r++) {
        snprintf(prefix, sizeof prefix, "down.%d.res.%d", l, r);
        if (build_res(m, &m->res[res_down(c, l, r)], prefix, lfm_ch(c, l), lfm_ch(c, l), rng)) return -1;
    }
    snprintf(prefix, sizeof prefix, "down.%d.downsample", l);
    return add_conv(m, &m->down[l], prefix, NULL, lfm_ch(c, l), lfm_ch(c, l + 1), 3, 2, 1, rng);
}

static int build_mid(lfm_unet *m, halo_rng *rng)
{
    const lfm_cfg *c = &m->cfg;
    int ch = lfm_ch(c, c->levels);
    if (build_res(m, &m->res[res_mid(c, 0)], "mid.res.0", ch, ch, rng)) return -1;
    if (c->attn && (add_norm(m, &m->attn.norm, "mid.attn", "norm", ch) ||
                    nn_mhsa_init(&m->attn.mhsa, &m->ps, "mid.attn.mhsa", ch, c->heads, rng)))
        return -1;
    return build_res(m, &m->res[res_mid(c, 1)], "mid.res.1", ch, ch, rng);
}

static int build_up(lfm_unet *m, int l, halo_rng *rng)
{
    const lfm_cfg *c = &m->cfg;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "up.%d.upsample.conv", l);
    if (add_conv(m, &m->up[l], prefix, NULL, lfm_ch(c, l + 1), lfm_ch(c, l), 3, 1, 1, rng)) return -1;
    for (int r = 0; r < c->res_blocks; r++) {
        snprintf(prefix, sizeof prefix, "up.%d.res.%d", l, r);
        int cin = r == 0 ? 2 * lfm_ch(c, l) : lfm_ch(c, l);   /* the first sees the skip concatenated */
        if (build_res(m, &m->res[res_up(c, l, r)], prefix, cin, lfm_ch(c, l), rng)) return -1;
    }
    return 0;
}

/* The layers in the order they run, which is also the order of the
 * parameters in the model file and of the initialiser's draws. */
static int build(lfm_unet *m, halo_rng *rng)
{
    const lfm_cfg *c = &m->cfg;
    if (add_conv(m, &m->stem_layout, "stem.layout", NULL, c->layer_ch, c->stem_ch, 1, 1, 1, rng)) return -1;
    if (c->cmd_ch && add_conv(m, &m->stem_cmd, "stem.cmd", NULL, c->cmd_ch, c->stem_ch, 1, 1, 0, rng)) return -1;
    if (add_conv(m, &m->conv_in, "conv_in", NULL, c->stem_ch, lfm_ch(c, 0), 3, 1, 1, rng)) return -1;
    for (int l = 0; l < c->levels; l++)
        if (build_down(m, l, rng)) return -1;
    if (build_mid(m, rng)) return -1;
    for (int l = c->levels - 1; l >= 0; l--)
        if (build_up(m, l, rng)) return -1;
    if (add_norm(m, &m->out_norm, "out", "norm", lfm_ch(c, 0))) return -1;
    return add_conv(m, &m->out_conv, "out.conv", NULL, lfm_ch(c, 0), c->layer_ch, 1, 1, 1, rng);
}

lfm_unet *lfm_unet_new(const lfm_cfg *cfg, uint64_t seed, char *err, size_t errlen)
{
    if (lfm_cfg_check(cfg, err, errlen)) return NULL;
    lfm_unet *m = halo_xcalloc(1, sizeof *m);
    m->cfg = *cfg;
    nn_params_init(&m->ps);
    nn_arena_init(&m->arena, (size_t)1 << 20);
    int nres = res_count(cfg), L = cfg->levels;
    m->res = halo_xcalloc((size_t)nres, sizeof *m->res);
    m->res_act = halo_xcalloc((size_t)nres, sizeof *m->res_act);
    m->down = halo_xcalloc((size_t)L, sizeof *m->down);
    m->up = halo_xcalloc((size_t)L, sizeof *m->up);
    m->act.skip = halo_xcalloc((size_t)L, sizeof *m->act.skip);
    m->act.up_in = halo_xcalloc((size_t)L, sizeof *m->act.up_in);
    m->act.dskip = halo_xcalloc((size_t)L, sizeof *m->act.dskip);
    halo_rng rng;
    rng_seed(&rng, seed);
    if (build(m, &rng)) {
        /* lfm_cfg_check admits only buildable models: this is a bug */
        fail(err, errlen, "lfm_unet: the layers of a checked configuration could not be built.");
        lfm_unet_free(m);
        return NULL;
    }
    return m;
}

void lfm_unet_free(lfm_unet *m)
{
    if (!m) return;
    nn_params_free(&m->ps);
    nn_arena_free(&m->arena);
    free(m->res);
    free(m->res_act);
    free(m->down);
    free(m->up);
    free(m->act.skip);
    free(m->act.up_in);
    free(m->act.dskip);
    free(m->loss_ch);
    free(m);
}

const lfm_cfg *lfm_unet_config(const lfm_unet *m) { return &m->cfg; }
nn_params *lfm_unet_params(lfm_unet *m) { return &m->ps; }

/* ---------------------------------------------------------------- cost */

static double conv_macs(const nn_conv2d *c, int ho, int wo)
{
    return (double)c->cout * (c->cin / c->groups) * c->kh * c->kw * ho * wo;
}

static double res_macs(const lfm_res *b, int h, int w)
{
    double s = conv_macs(&b->conv1, h, w) + conv_macs(&b->conv2, h, w);
    return b->has_skip ? s + conv_macs(&b->skip, h, w) : s;
}

double lfm_unet_macs(const lfm_unet *m, int h, int w)
{
    const lfm_cfg *c = &m->cfg;
    double s = conv_macs(&m->stem_layout, h, w) + (c->cmd_ch ? conv_macs(&m->stem_cmd, h, w) : 0) +
               conv_macs(&m->conv_in, h, w) + conv_macs(&m->out_conv, h, w);
    for (int l = 0; l < c->levels; l++) {
        int hl = h >> l, wl = w >> l;
        for (int r = 0; r < c->res_blocks; r++)
            s += res_macs(&m->res[res_down(c, l, r)], hl, wl) + res_macs(&m->res[res_up(c, l, r)], hl, wl);
        s += conv_macs(&m->down[l], hl / 2, wl / 2) + conv_macs(&m->up[l], hl, wl);
    }
    int hb = h >> c->levels, wb = w >> c->levels;
    s += res_macs(&m->res[res_mid(c, 0)], hb, wb) + res_macs(&m->res[res_mid(c, 1)], hb, wb);
    if (c->attn) {
        double e = lfm_ch(c, c->levels), t = (double)hb * wb;
        s += 4 * e * e * t + 2 * t * t * e;   /* projections in and out; scores and their weighted sum */
    }
    return s;
}

/* ---------------------------------------------------------------- arena */

float *lfm_scratch(lfm_unet *m, size_t n)
{
    return nn_arena_alloc(&m->arena, n);
}

/* Empty the arena for a new forward.  When the last step needed more than
 * one block, start over with one block that holds it all: blocks beyond
 * the first go back to the system on every release, and fetching them
 * again costs page faults every step. */
static void arena_reset(lfm_unet *m)
{
    size_t hw = m->arena.high_water;
    if (hw > m->arena.block_floats) {
        nn_arena_free(&m->arena);
        nn_arena_init(&m->arena, hw + hw / 4);
        m->arena.high_water = hw;
        return;
    }
    nn_arena_release(&m->arena, 0);
}

/* ---------------------------------------------------------------- helpers */

/* y[s][j][i] = x[s][i][j] for n planes of a x b: channels-first pictures to
 * token rows and back. */
static void transpose(const float *x, int n, int a, int b, float *y)
{
    for (int s = 0; s < n; s++) {
        const float *xs = x + (size_t)s * a * b;
        float *ys = y + (size_t)s * a * b;
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++) ys[(size_t)j * a + i] = xs[(size_t)i * b + j];
    }
}

/* Channels [c0, c0 + c) of x [n][ctot][hw] into y [n][c][hw]. */
static void take_channels(const float *x, int n, int ctot, int c0, int c, size_t hw, float *y)
{
    for (int s = 0; s < n; s++)
        memcpy(y + (size_t)s * c * hw, x + ((size_t)s * ctot + c0) * hw, (size_t)c * hw * sizeof *y);
}

static void add_into(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

/* ---------------------------------------------------------------- residual block */

/* y = skip(x) + conv2(SiLU(norm2(conv1(SiLU(norm1(x)))))).  The output is
 * allocated first so that an inference forward can give the internals
 * back. */
static float *res_forward(lfm_unet *m, int i, const float *x, int n, int h, int w, int keep)
{
    const lfm_res *b = &m->res[i];
    lfm_res_act *a = &m->res_act[i];
    size_t hw = (size_t)h * w, in = (size_t)n * b->cin * hw, out = (size_t)n * b->cout * hw;
    float *y = lfm_scratch(m, out);
    size_t mark = nn_arena_mark(&m->arena);
    a->x = x;
    a->n1 = lfm_scratch(m, in);
    a->mean1 = lfm_scratch(m, (size_t)n * b->norm1.groups);
    a->rstd1 = lfm_scratch(m, (size_t)n * b->norm1.groups);
    a->a1 = lfm_scratch(m, in);
    a->h1 = lfm_scratch(m, out);
    a->n2 = lfm_scratch(m, out);
    a->mean2 = lfm_scratch(m, (size_t)n * b->norm2.groups);
    a->rstd2 = lfm_scratch(m, (size_t)n * b->norm2.groups);
    a->a2 = lfm_scratch(m, out);
    nn_groupnorm_forward(&b->norm1, x, n, (int)hw, a->n1, a->mean1, a->rstd1);
    nn_act_forward(NN_SILU, a->n1, in, a->a1);
    nn_conv2d_forward(&b->conv1, a->a1, n, h, w, a->h1, &m->arena);
    nn_groupnorm_forward(&b->norm2, a->h1, n, (int)hw, a->n2, a->mean2, a->rstd2);
    nn_act_forward(NN_SILU, a->n2, out, a->a2);
    nn_conv2d_forward(&b->conv2, a->a2, n, h, w, y, &m->arena);
    if (b->has_skip) {
        float *s = lfm_scratch(m, out);
        nn_conv2d_forward(&b->skip, x, n, h, w, s, &m->arena);
        add_into(y, s, out);
    } else add_into(y, x, out);
    if (!keep) nn_arena_release(&m->arena, mark);
    return y;
}

/* dy of the block's output -> the gradient of its input (arena memory the
 * caller's mark covers); scratch given back. */
static float *res_backward(lfm_unet *m, int i, const float *dy, int n, int h, int w)
{
    const lfm_res *b = &m->res[i];
    const lfm_res_act *a = &m->res_act[i];
    size_t hw = (size_t)h * w, in = (size_t)n * b->cin * hw, out = (size_t)n * b->cout * hw;
    float *dx = lfm_scratch(m, in);
    size_t mark = nn_arena_mark(&m->arena);
    float *d2 = lfm_scratch(m, out), *d1 = lfm_scratch(m, in);
    nn_conv2d_backward(&b->conv2, a->a2, n, h, w, dy, d2, &m->arena);
    nn_act_backward(NN_SILU, a->n2, a->a2, d2, out, d2);
    nn_groupnorm_backward(&b->norm2, a->h1, n, (int)hw, a->mean2, a->rstd2, d2, d2);
    nn_conv2d_backward(&b->conv1, a->a1, n, h, w, d2, d1, &m->arena);
    nn_act_backward(NN_SILU, a->n1, a->a1, d1, in, d1);
    nn_groupnorm_backward(&b->norm1, a->x, n, (int)hw, a->mean1, a->rstd1, d1, dx);
    if (b->has_skip) {
        nn_conv2d_backward(&b->skip, a->x, n, h, w, dy, d1, &m->arena);
        add_into(dx, d1, in);
    } else add_into(dx, dy, in);
    nn_arena_release(&m->arena, mark);
    return dx;
}

/* ---------------------------------------------------------------- attention */

/* y = x + back to channels-first(mhsa(tokens(norm(x)))), x [n][E][t]. */
static float *attn_forward(lfm_unet *m, const float *x, int n, int t, int keep)
{
    const lfm_attn *b = &m->attn;
    lfm_attn_act *a = &m->attn_act;
    int e = b->mhsa.e;
    size_t sz = (size_t)n * e * t;
    float *y = lfm_scratch(m, sz);
    size_t mark = nn_arena_mark(&m->arena);
    a->x = x;
    a->g = lfm_scratch(m, sz);
    a->mean = lfm_scratch(m, (size_t)n * b->norm.groups);
    a->rstd = lfm_scratch(m, (size_t)n * b->norm.groups);
    a->tok = lfm_scratch(m, sz);
    float *att = lfm_scratch(m, sz);
    nn_groupnorm_forward(&b->norm, x, n, t, a->g, a->mean, a->rstd);
    transpose(a->g, n, e, t, a->tok);
    nn_mhsa_forward(&b->mhsa, a->tok, n, t, att, &a->cache, &m->arena);
    transpose(att, n, t, e, y);
    add_into(y, x, sz);
    if (!keep) nn_arena_release(&m->arena, mark);
    return y;
}

static float *attn_backward(lfm_unet *m, const float *dy, int n, int t)
{
    const lfm_attn *b = &m->attn;
    const lfm_attn_act *a = &m->attn_act;
    int e = b->mhsa.e;
    size_t sz = (size_t)n * e * t;
    float *dx = lfm_scratch(m, sz);
    size_t mark = nn_arena_mark(&m->arena);
    float *dtok_out = lfm_scratch(m, sz), *dtok = lfm_scratch(m, sz);
    transpose(dy, n, e, t, dtok_out);
    nn_mhsa_backward(&b->mhsa, a->tok, &a->cache, dtok_out, dtok, &m->arena);
    transpose(dtok, n, t, e, dtok_out);   /* the norm's output gradient, channels first */
    nn_groupnorm_backward(&b->norm, a->x, n, t, a->mean, a->rstd, dtok_out, dx);
    add_into(dx, dy, sz);
    nn_arena_release(&m->arena, mark);
    return dx;
}

/* ---------------------------------------------------------------- forward */

/* stem.layout(x_layout) + stem.cmd(x_cmd), then conv_in. */
static float *stem_forward(lfm_unet *m, const float *x, int n, int h, int w)
{
    const lfm_cfg *c = &m->cfg;
    lfm_acts *A = &m->act;
    size_t hw = (size_t)h * w;
    A->xl = lfm_scratch(m, (size_t)n * c->layer_ch * hw);
    take_channels(x, n, c->layer_ch + c->cmd_ch, 0, c->layer_ch, hw, A->xl);
    A->xc = NULL;
    if (c->cmd_ch) {
        A->xc = lfm_scratch(m, (size_t)n * c->cmd_ch * hw);
        take_channels(x, n, c->layer_ch + c->cmd_ch, c->layer_ch, c->cmd_ch, hw, A->xc);
    }
    A->s = lfm_scratch(m, (size_t)n * c->stem_ch * hw);
    float *f = lfm_scratch(m, (size_t)n * lfm_ch(c, 0) * hw);
    size_t mark = nn_arena_mark(&m->arena);
    nn_conv2d_forward(&m->stem_layout, A->xl, n, h, w, A->s, &m->arena);
    if (c->cmd_ch) {
        float *t = lfm_scratch(m, (size_t)n * c->stem_ch * hw);
        nn_conv2d_forward(&m->stem_cmd, A->xc, n, h, w, t, &m->arena);
        add_into(A->s, t, (size_t)n * c->stem_ch * hw);
    }
    nn_arena_release(&m->arena, mark);   /* the command stem's output is not needed again */
    nn_conv2d_forward(&m->conv_in, A->s, n, h, w, f, &m->arena);
    return f;
}

/* Nearest x2 of x [n][ch_(l+1)][h/2][w/2], the up conv, concatenated with
 * skip l: the first up-path block's input [n][2 ch_l][h][w]. */
static float *up_forward(lfm_unet *m, int l, const float *x, int n, int h, int w, int keep)
{
    const lfm_cfg *c = &m->cfg;
    size_t hw = (size_t)h * w;
    int cl = lfm_ch(c, l);
    float *cat = lfm_scratch(m, (size_t)n * 2 * cl * hw);
    size_t mark = nn_arena_mark(&m->arena);
    float *u = lfm_scratch(m, (size_t)n * lfm_ch(c, l + 1) * hw), *y = lfm_scratch(m, (size_t)n * cl * hw);
    nn_upsample u2;
    nn_upsample_init(&u2, 2);
    nn_upsample_forward(&u2, x, n, lfm_ch(c, l + 1), h / 2, w / 2, u);
    nn_conv2d_forward(&m->up[l], u, n, h, w, y, &m->arena);
    nn_concat_forward(y, cl, m->act.skip[l], cl, n, (int)hw, cat);
    m->act.up_in[l] = u;
    if (!keep) nn_arena_release(&m->arena, mark);
    return cat;
}

static void head_forward(lfm_unet *m, const float *x, int n, int h, int w, float *logits)
{
    lfm_acts *A = &m->act;
    size_t sz = (size_t)n * lfm_ch(&m->cfg, 0) * h * w;
    A->hx = x;
    A->hn = lfm_scratch(m, sz);
    A->hmean = lfm_scratch(m, (size_t)n * m->out_norm.groups);
    A->hrstd = lfm_scratch(m, (size_t)n * m->out_norm.groups);
    A->ha = lfm_scratch(m, sz);
    nn_groupnorm_forward(&m->out_norm, x, n, h * w, A->hn, A->hmean, A->hrstd);
    nn_act_forward(NN_SILU, A->hn, sz, A->ha);
    nn_conv2d_forward(&m->out_conv, A->ha, n, h, w, logits, &m->arena);
}

float *lfm_net_forward(lfm_unet *m, const float *x, int n, int h, int w, float *logits, int keep)
{
    const lfm_cfg *c = &m->cfg;
    arena_reset(m);
    m->act.n = n, m->act.h = h, m->act.w = w;
    if (!logits) logits = lfm_scratch(m, (size_t)n * c->layer_ch * h * w);
    float *cur = stem_forward(m, x, n, h, w);
    for (int l = 0; l < c->levels; l++) {
        int hl = h >> l, wl = w >> l;
        for (int r = 0; r < c->res_blocks; r++) cur = res_forward(m, res_down(c, l, r), cur, n, hl, wl, keep);
        m->act.skip[l] = cur;
        float *d = lfm_scratch(m, (size_t)n * lfm_ch(c, l + 1) * (hl / 2) * (wl / 2));
        nn_conv2d_forward(&m->down[l], cur, n, hl, wl, d, &m->arena);
        cur = d;
    }
    int hb = h >> c->levels, wb = w >> c->levels;
    cur = res_forward(m, res_mid(c, 0), cur, n, hb, wb, keep);
    if (c->attn) cur = attn_forward(m, cur, n, hb * wb, keep);
    cur = res_forward(m, res_mid(c, 1), cur, n, hb, wb, keep);
    for (int l = c->levels - 1; l >= 0; l--) {
        int hl = h >> l, wl = w >> l;
        cur = up_forward(m, l, cur, n, hl, wl, keep);
        for (int r = 0; r < c->res_blocks; r++) cur = res_forward(m, res_up(c, l, r), cur, n, hl, wl, keep);
    }
    head_forward(m, cur, n, h, w, logits);
    return logits;
}

int lfm_unet_forward(lfm_unet *m, const float *x, int n, int h, int w, float *logits)
{
    if (lfm_unet_check_input(m, n, h, w, NULL, 0)) return -1;
    lfm_net_forward(m, x, n, h, w, logits, 0);
    return 0;
}

/* ---------------------------------------------------------------- backward */

static float *head_backward(lfm_unet *m, const float *dlogits, int n, int h, int w)
{
    const lfm_acts *A = &m->act;
    size_t sz = (size_t)n * lfm_ch(&m->cfg, 0) * h * w;
    float *dx = lfm_scratch(m, sz);
    size_t mark = nn_arena_mark(&m->arena);
    float *da = lfm_scratch(m, sz);
    nn_conv2d_backward(&m->out_conv, A->ha, n, h, w, dlogits, da, &m->arena);
    nn_act_backward(NN_SILU, A->hn, A->ha, da, sz, da);
    nn_groupnorm_backward(&m->out_norm, A->hx, n, h * w, A->hmean, A->hrstd, da, dx);
    nn_arena_release(&m->arena, mark);
    return dx;
}

/* dcat of up level l's concatenation -> the gradient of the level below's
 * output; the skip's share is kept in act.dskip[l] for the down path. */
static float *up_backward(lfm_unet *m, int l, const float *dcat, int n, int h, int w)
{
    const lfm_cfg *c = &m->cfg;
    size_t hw = (size_t)h * w;
    int cl = lfm_ch(c, l), cb = lfm_ch(c, l + 1);
    m->act.dskip[l] = lfm_scratch(m, (size_t)n * cl * hw);
    float *dx = lfm_scratch(m, (size_t)n * cb * hw / 4);
    size_t mark = nn_arena_mark(&m->arena);
    float *dy = lfm_scratch(m, (size_t)n * cl * hw), *du = lfm_scratch(m, (size_t)n * cb * hw);
    nn_concat_backward(dcat, cl, cl, n, (int)hw, dy, m->act.dskip[l]);
    nn_conv2d_backward(&m->up[l], m->act.up_in[l], n, h, w, dy, du, &m->arena);
    nn_upsample u2;
    nn_upsample_init(&u2, 2);
    nn_upsample_backward(&u2, n, cb, h / 2, w / 2, du, dx);
    nn_arena_release(&m->arena, mark);
    return dx;
}

/* dy of down level l's stride-2 output -> the gradient of skip l, both
 * its paths (the downsampling and the concatenation) added. */
static float *down_backward(lfm_unet *m, int l, const float *dy, int n, int h, int w)
{
    size_t sz = (size_t)n * lfm_ch(&m->cfg, l) * h * w;
    float *dx = lfm_scratch(m, sz);
    nn_conv2d_backward(&m->down[l], m->act.skip[l], n, h, w, dy, dx, &m->arena);
    add_into(dx, m->act.dskip[l], sz);
    return dx;
}

static void stem_backward(lfm_unet *m, const float *df, int n, int h, int w)
{
    const lfm_cfg *c = &m->cfg;
    const lfm_acts *A = &m->act;
    float *ds = lfm_scratch(m, (size_t)n * c->stem_ch * h * w);
    nn_conv2d_backward(&m->conv_in, A->s, n, h, w, df, ds, &m->arena);
    nn_conv2d_backward(&m->stem_layout, A->xl, n, h, w, ds, NULL, &m->arena);
    if (c->cmd_ch) nn_conv2d_backward(&m->stem_cmd, A->xc, n, h, w, ds, NULL, &m->arena);
}

void lfm_net_backward(lfm_unet *m, const float *dlogits)
{
    const lfm_cfg *c = &m->cfg;
    int n = m->act.n, h = m->act.h, w = m->act.w;
    size_t mark = nn_arena_mark(&m->arena);
    float *d = head_backward(m, dlogits, n, h, w);
    for (int l = 0; l < c->levels; l++) {
        int hl = h >> l, wl = w >> l;
        for (int r = c->res_blocks - 1; r >= 0; r--) d = res_backward(m, res_up(c, l, r), d, n, hl, wl);
        d = up_backward(m, l, d, n, hl, wl);
    }
    int hb = h >> c->levels, wb = w >> c->levels;
    d = res_backward(m, res_mid(c, 1), d, n, hb, wb);
    if (c->attn) d = attn_backward(m, d, n, hb * wb);
    d = res_backward(m, res_mid(c, 0), d, n, hb, wb);
    for (int l = c->levels - 1; l >= 0; l--) {
        int hl = h >> l, wl = w >> l;
        d = down_backward(m, l, d, n, hl, wl);
        for (int r = c->res_blocks - 1; r >= 0; r--) d = res_backward(m, res_down(c, l, r), d, n, hl, wl);
    }
    stem_backward(m, d, n, h, w);
    nn_arena_release(&m->arena, mark);
}
