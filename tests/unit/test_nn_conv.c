/* test_nn_conv.c -- the convolution family of the nn core: conv2d forward
 * against a direct convolution summed in double (stride, padding,
 * dilation, groups, depthwise, pointwise, odd sizes), PyTorch's output
 * sizes, init shapes and bounds, finite-difference checks of every
 * gradient, upsample and both poolings against direct loops and finite
 * differences.  Everything is drawn from a seeded halo_rng. */
#include "nn/nn_conv.h"
#include "base/rng.h"
#include "nn_gradcheck.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#define GRAD_TOL 1e-3

/* ---------------------------------------------------------------- helpers */

static float *rand_buf(halo_rng *r, size_t n)
{
    float *v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (float)(2.0 * rng_uniform(r) - 1.0);
    return v;
}

/* Distinct values 0.05 apart in random order: a +-eps (eps < 0.025)
 * perturbation never changes which element of a window is the largest. */
static float *separated_buf(halo_rng *r, size_t n)
{
    float *v = calloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (float)(0.05 * (double)i - 0.025 * (double)n);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rng_below(r, i);
        float t = v[i - 1];
        v[i - 1] = v[j], v[j] = t;
    }
    return v;
}

/* ---------------------------------------------------------------- conv2d fixtures */

typedef struct conv_cfg {
    const char *label;
    int n, cin, cout, h, w, k, stride, pad, dil, groups, bias;
} conv_cfg;

static const conv_cfg CONV_CFGS[] = {
    {"odd sizes, pad 1", 2, 3, 4, 7, 9, 3, 1, 1, 1, 1, 1},
    {"stride 2", 1, 4, 6, 9, 8, 3, 2, 1, 1, 1, 1},
    {"dilation 2", 2, 3, 5, 11, 10, 3, 1, 2, 2, 1, 1},
    {"groups 2", 2, 4, 6, 7, 7, 3, 1, 1, 1, 2, 1},
    {"depthwise", 1, 6, 6, 8, 9, 3, 1, 1, 1, 6, 0},
    {"depthwise x2", 2, 3, 6, 5, 7, 3, 2, 1, 1, 3, 1},
    /* one channel per group: the direct depthwise loops (MixConv kernels) */
    {"depthwise k7 d2 bias", 2, 4, 4, 9, 11, 7, 1, 6, 2, 4, 1},
    {"depthwise k13 s2", 1, 3, 3, 15, 14, 13, 2, 6, 1, 3, 1},
    {"depthwise k9 > image", 2, 2, 2, 5, 6, 9, 1, 4, 1, 2, 1},
    {"depthwise k3 s3 d2", 1, 5, 5, 12, 10, 3, 3, 2, 2, 5, 0},
    {"pointwise", 2, 5, 7, 6, 5, 1, 1, 0, 1, 1, 1},
    {"1x1 stride 2", 1, 3, 4, 7, 6, 1, 2, 0, 1, 1, 1},
    {"k5 s3 p2 d2 g2", 1, 4, 8, 13, 11, 5, 3, 2, 2, 2, 1},
    {"no pad, stride 2", 1, 3, 4, 4, 6, 3, 2, 0, 1, 1, 0},
    /* stride 1: dx as the transposed convolution when Cout <= Cin, else
     * col2im; padding past the kernel's reach, an even kernel, and images
     * large enough for several 1 MB column tiles with a short last one,
     * both of x and of dy */
    {"pad 3 > reach, col2im", 1, 3, 4, 5, 6, 3, 1, 3, 1, 1, 1},
    {"k2 no pad", 2, 4, 3, 6, 5, 2, 1, 0, 1, 1, 1},
    {"5->3 pad 1", 2, 5, 3, 7, 9, 3, 1, 1, 1, 1, 1},
    {"6->4 d2 g2", 1, 6, 4, 9, 8, 3, 1, 2, 2, 2, 0},
    {"tiled 3x3 col2im", 1, 24, 32, 47, 100, 3, 1, 1, 1, 1, 1},
    {"tiled d2 g2", 1, 32, 24, 33, 128, 3, 1, 2, 2, 2, 1},
    {"tiled 1x1", 1, 21, 8, 40, 128, 1, 1, 0, 1, 1, 1},
    {"tiled s2", 1, 32, 8, 70, 150, 3, 2, 1, 1, 1, 0},
    /* depthwise register-blocked stride-1 passes: a full 32-pixel run
     * and a tail, rows past dW's 16-row flush, and padding past the
     * kernel's reach (dx then falls back to the per-tap loops).  Last in
     * the table so that the rows above keep their seeds. */
    {"depthwise k11 wide", 1, 3, 3, 37, 45, 11, 1, 5, 1, 3, 1},
    {"depthwise k13 d2 wide", 2, 2, 2, 19, 70, 13, 1, 12, 2, 2, 0},
    {"depthwise k3 pad past reach", 1, 2, 2, 7, 9, 3, 1, 3, 1, 2, 1},
};
#define NCONV ((int)(sizeof CONV_CFGS / sizeof CONV_CFGS[0]))

typedef struct conv_fx {
    conv_cfg cfg;
    nn_params ps;
    nn_conv2d c;
    nn_arena ar;
    int ho, wo;
    size_t nx, ny;
    float *x, *y, *r, *dx;
} conv_fx;

static int conv_fx_init(conv_fx *f, const conv_cfg *cfg, uint64_t seed)
{
    halo_rng rng;
    rng_seed(&rng, seed);
    memset(f, 0, sizeof *f);
    f->cfg = *cfg;
    nn_params_init(&f->ps);
    nn_arena_init(&f->ar, 1 << 16);
    if (nn_conv2d_init(&f->c, &f->ps, "conv", cfg->cin, cfg->cout, cfg->k, cfg->stride, cfg->pad, cfg->dil,
                       cfg->groups, cfg->bias, &rng))
        return -1;
    nn_conv2d_out_hw(&f->c, cfg->h, cfg->w, &f->ho, &f->wo);
    f->nx = (size_t)cfg->n * cfg->cin * cfg->h * cfg->w;
    f->ny = (size_t)cfg->n * cfg->cout * f->ho * f->wo;
    f->x = rand_buf(&rng, f->nx);
    f->r = rand_buf(&rng, f->ny);
    f->y = calloc(f->ny, sizeof *f->y);
    f->dx = calloc(f->nx, sizeof *f->dx);
    return 0;
}

static void conv_fx_free(conv_fx *f)
{
    free(f->x), free(f->y), free(f->r), free(f->dx);
    nn_arena_free(&f->ar);
    nn_params_free(&f->ps);
}

/* The definition, summed in double, independent of im2col. */
static double conv_direct(const conv_fx *f, int b, int co, int oh, int ow)
{
    const nn_conv2d *c = &f->c;
    int cg = c->cin / c->groups, coutg = c->cout / c->groups, g = co / coutg;
    double s = c->bias ? c->bias->w[co] : 0;
    for (int ci = 0; ci < cg; ci++)
        for (int ki = 0; ki < c->kh; ki++)
            for (int kj = 0; kj < c->kw; kj++) {
                int ih = oh * c->stride_h - c->pad_h + ki * c->dil_h;
                int iw = ow * c->stride_w - c->pad_w + kj * c->dil_w;
                if (ih < 0 || ih >= f->cfg.h || iw < 0 || iw >= f->cfg.w) continue;
                double xv = f->x[(((size_t)b * c->cin + g * cg + ci) * f->cfg.h + ih) * f->cfg.w + iw];
                double wv = c->weight->w[(((size_t)co * cg + ci) * c->kh + ki) * c->kw + kj];
                s += xv * wv;
            }
    return s;
}

static double conv_loss(void *ctx)
{
    conv_fx *f = ctx;
    nn_conv2d_forward(&f->c, f->x, f->cfg.n, f->cfg.h, f->cfg.w, f->y, &f->ar);
    return nn_dot_loss(f->y, f->r, f->ny);
}

/* ---------------------------------------------------------------- conv2d tests */

TEST(conv_out_size_matches_pytorch)
{
    CHECK_INT(nn_conv_out_size(32, 3, 1, 1, 1), 32);
    CHECK_INT(nn_conv_out_size(32, 3, 2, 1, 1), 16);
    CHECK_INT(nn_conv_out_size(7, 3, 2, 0, 1), 3);
    CHECK_INT(nn_conv_out_size(11, 3, 1, 2, 2), 11);
    CHECK_INT(nn_conv_out_size(13, 5, 3, 2, 2), 3);   /* (13+4-8-1)/3+1 */
    CHECK_INT(nn_conv_out_size(2, 5, 1, 0, 1), 0);
    CHECK_INT(nn_conv_out_size(4, 5, 2, 0, 1), 0);   /* span -1: no output, not one */
}

TEST(conv_init_shapes_and_bounds)
{
    halo_rng rng;
    rng_seed(&rng, 1);
    nn_params ps;
    nn_params_init(&ps);
    nn_conv2d c;
    CHECK_INT(nn_conv2d_init(&c, &ps, "enc.0", 4, 6, 3, 1, 1, 1, 2, 1, &rng), 0);
    nn_param *w = nn_params_find(&ps, "enc.0.weight"), *b = nn_params_find(&ps, "enc.0.bias");
    CHECK(w == c.weight && b == c.bias);
    CHECK_INT(w->ndim, 4);
    CHECK(w->shape[0] == 6 && w->shape[1] == 2 && w->shape[2] == 3 && w->shape[3] == 3);
    CHECK(b->ndim == 1 && b->shape[0] == 6);
    double bound = 1.0 / sqrt(2.0 * 3 * 3), maxabs = 0;
    for (size_t i = 0; i < w->n; i++) maxabs = fmax(maxabs, fabs(w->w[i]));
    for (size_t i = 0; i < b->n; i++) maxabs = fmax(maxabs, fabs(b->w[i]));
    CHECK(maxabs <= bound && maxabs > 0.5 * bound);
    /* a taken name, groups not dividing, no bias */
    CHECK_INT(nn_conv2d_init(&c, &ps, "enc.0", 4, 6, 3, 1, 1, 1, 1, 1, &rng), -1);
    CHECK_INT(nn_conv2d_init(&c, &ps, "enc.1", 4, 6, 3, 1, 1, 1, 4, 1, &rng), -1);
    CHECK_INT(nn_conv2d_init(&c, &ps, "enc.2", 4, 6, 3, 1, 1, 1, 1, 0, &rng), 0);
    CHECK(c.bias == NULL && nn_params_find(&ps, "enc.2.bias") == NULL);
    nn_params_free(&ps);
}

TEST(conv_forward_matches_direct)
{
    for (int t = 0; t < NCONV; t++) {
        conv_fx f;
        if (conv_fx_init(&f, &CONV_CFGS[t], 100 + t)) {
            printf("    %s: init failed\n", CONV_CFGS[t].label);
            *unit_failed_ = 1;
            continue;
        }
        size_t mark = nn_arena_mark(&f.ar);
        nn_conv2d_forward(&f.c, f.x, f.cfg.n, f.cfg.h, f.cfg.w, f.y, &f.ar);
        CHECK(nn_arena_mark(&f.ar) == mark);
        double worst = 0;
        size_t i = 0;
        for (int b = 0; b < f.cfg.n; b++)
            for (int co = 0; co < f.cfg.cout; co++)
                for (int oh = 0; oh < f.ho; oh++)
                    for (int ow = 0; ow < f.wo; ow++, i++)
                        worst = fmax(worst, fabs(f.y[i] - conv_direct(&f, b, co, oh, ow)));
        if (worst > 1e-5) printf("    %s: max |y - direct| = %g\n", f.cfg.label, worst);
        CHECK(worst <= 1e-5);
        CHECK(f.ho > 0 && f.wo > 0);
        conv_fx_free(&f);
    }
}

TEST(conv_gradients_match_finite_differences)
{
    for (int t = 0; t < NCONV; t++) {
        conv_fx f;
        if (conv_fx_init(&f, &CONV_CFGS[t], 200 + t)) {
            *unit_failed_ = 1;
            continue;
        }
        nn_params_zero_grad(&f.ps);
        size_t mark = nn_arena_mark(&f.ar);
        nn_conv2d_backward(&f.c, f.x, f.cfg.n, f.cfg.h, f.cfg.w, f.r, f.dx, &f.ar);
        CHECK(nn_arena_mark(&f.ar) == mark);
        /* conv is linear in x and W, so a coarse eps loses nothing and keeps
         * float32 rounding of the loss (which depends on the sgemm kernel the
         * CPU selects) far below the tolerance */
        double ex = nn_gradcheck(conv_loss, &f, f.x, f.dx, f.nx, 1e-1f, 300);
        double ew = nn_gradcheck(conv_loss, &f, f.c.weight->w, f.c.weight->g, f.c.weight->n, 1e-1f, 300);
        double eb = f.c.bias ? nn_gradcheck(conv_loss, &f, f.c.bias->w, f.c.bias->g, f.c.bias->n, 1e-1f, 0) : 0;
        if (ex >= GRAD_TOL || ew >= GRAD_TOL || eb >= GRAD_TOL)
            printf("    %s: dx %g dW %g db %g\n", f.cfg.label, ex, ew, eb);
        CHECK(ex < GRAD_TOL && ew < GRAD_TOL && eb < GRAD_TOL);
        conv_fx_free(&f);
    }
}

/* backward adds into g (two calls give twice the gradient), overwrites dx
 * (a stale dx does not leak in) and accepts dx == NULL. */
TEST(conv_backward_accumulates_and_overwrites)
{
    conv_fx f;
    CHECK_INT(conv_fx_init(&f, &CONV_CFGS[3], 7), 0);
    nn_params_zero_grad(&f.ps);
    nn_conv2d_backward(&f.c, f.x, f.cfg.n, f.cfg.h, f.cfg.w, f.r, f.dx, &f.ar);
    size_t nw = f.c.weight->n;
    float *g1 = malloc(nw * sizeof *g1), *dx1 = malloc(f.nx * sizeof *dx1);
    memcpy(g1, f.c.weight->g, nw * sizeof *g1);
    memcpy(dx1, f.dx, f.nx * sizeof *dx1);
    float b1 = f.c.bias->g[0];
    for (size_t i = 0; i < f.nx; i++) f.dx[i] = 1e3f;
    nn_conv2d_backward(&f.c, f.x, f.cfg.n, f.cfg.h, f.cfg.w, f.r, f.dx, &f.ar);
    nn_conv2d_backward(&f.c, f.x, f.cfg.n, f.cfg.h, f.cfg.w, f.r, NULL, &f.ar);
    double ew = 0, ex = 0;
    for (size_t i = 0; i < nw; i++) ew = fmax(ew, fabs(f.c.weight->g[i] - 3.0 * g1[i]));
    for (size_t i = 0; i < f.nx; i++) ex = fmax(ex, fabs(f.dx[i] - dx1[i]));
    CHECK(ew < 1e-4);
    CHECK(ex == 0);
    CHECK_NEAR(f.c.bias->g[0], 3.0 * b1, 1e-4);
    free(g1), free(dx1);
    conv_fx_free(&f);
}

TEST(conv_is_deterministic)
{
    conv_fx a, b;
    CHECK_INT(conv_fx_init(&a, &CONV_CFGS[8], 42), 0);
    CHECK_INT(conv_fx_init(&b, &CONV_CFGS[8], 42), 0);
    conv_loss(&a), conv_loss(&b);
    CHECK(memcmp(a.y, b.y, a.ny * sizeof *a.y) == 0);
    conv_fx_free(&a), conv_fx_free(&b);
}

/* ---------------------------------------------------------------- upsample, pooling fixtures */

enum { OP_UPSAMPLE, OP_MAXPOOL, OP_AVGPOOL };

typedef struct map_fx {
    int op;
    nn_upsample up;
    nn_pool2d pool;
    int n, c, h, w, ho, wo;
    size_t nx, ny;
    float *x, *y, *r, *dx;
    int *idx;
    nn_arena ar;
} map_fx;

static void map_fx_init(map_fx *f, int op, int arg_k, int stride, int pad, int n, int c, int h, int w,
                        uint64_t seed)
{
    halo_rng rng;
    rng_seed(&rng, seed);
    memset(f, 0, sizeof *f);
    f->op = op, f->n = n, f->c = c, f->h = h, f->w = w;
    if (op == OP_UPSAMPLE) {
        nn_upsample_init(&f->up, arg_k);
        f->ho = h * arg_k, f->wo = w * arg_k;
    } else {
        nn_pool2d_init(&f->pool, arg_k, stride, pad);
        nn_pool2d_out_hw(&f->pool, h, w, &f->ho, &f->wo);
    }
    f->nx = (size_t)n * c * h * w;
    f->ny = (size_t)n * c * f->ho * f->wo;
    f->x = op == OP_MAXPOOL ? separated_buf(&rng, f->nx) : rand_buf(&rng, f->nx);
    f->r = rand_buf(&rng, f->ny);
    f->y = calloc(f->ny, sizeof *f->y);
    f->dx = calloc(f->nx, sizeof *f->dx);
    f->idx = calloc(f->ny, sizeof *f->idx);
    nn_arena_init(&f->ar, 4096);
}

static void map_fx_free(map_fx *f)
{
    free(f->x), free(f->y), free(f->r), free(f->dx), free(f->idx);
    nn_arena_free(&f->ar);
}

static void map_forward(map_fx *f)
{
    if (f->op == OP_UPSAMPLE) nn_upsample_forward(&f->up, f->x, f->n, f->c, f->h, f->w, f->y);
    else if (f->op == OP_MAXPOOL) nn_maxpool2d_forward(&f->pool, f->x, f->n, f->c, f->h, f->w, f->y, f->idx);
    else nn_avgpool2d_forward(&f->pool, f->x, f->n, f->c, f->h, f->w, f->y);
}

static double map_loss(void *ctx)
{
    map_fx *f = ctx;
    map_forward(f);
    return nn_dot_loss(f->y, f->r, f->ny);
}

/* dx of dot loss through the op; with_idx picks maxpool's saved argmaxes
 * over its recomputation. */
static void map_backward(map_fx *f, int with_idx)
{
    if (f->op == OP_UPSAMPLE) nn_upsample_backward(&f->up, f->n, f->c, f->h, f->w, f->r, f->dx);
    else if (f->op == OP_MAXPOOL)
        nn_maxpool2d_backward(&f->pool, f->x, with_idx ? f->idx : NULL, f->n, f->c, f->h, f->w, f->r, f->dx,
                              &f->ar);
    else nn_avgpool2d_backward(&f->pool, f->n, f->c, f->h, f->w, f->r, f->dx);
}

/* The direct value of output (plane, oh, ow). */
static double map_direct(const map_fx *f, size_t pl, int oh, int ow)
{
    const float *xp = f->x + pl * f->h * f->w;
    if (f->op == OP_UPSAMPLE) return xp[(oh / f->up.scale) * f->w + ow / f->up.scale];
    const nn_pool2d *p = &f->pool;
    double best = -INFINITY, sum = 0;
    for (int ki = 0; ki < p->kh; ki++)
        for (int kj = 0; kj < p->kw; kj++) {
            int ih = oh * p->stride_h - p->pad_h + ki, iw = ow * p->stride_w - p->pad_w + kj;
            if (ih < 0 || ih >= f->h || iw < 0 || iw >= f->w) continue;   /* pad: -inf / 0 */
            best = fmax(best, xp[ih * f->w + iw]);
            sum += xp[ih * f->w + iw];
        }
    return f->op == OP_MAXPOOL ? best : sum / (p->kh * p->kw);
}

static int map_check_forward(map_fx *f)
{
    map_forward(f);
    double worst = 0;
    size_t i = 0;
    for (size_t pl = 0; pl < (size_t)f->n * f->c; pl++)
        for (int oh = 0; oh < f->ho; oh++)
            for (int ow = 0; ow < f->wo; ow++, i++) worst = fmax(worst, fabs(f->y[i] - map_direct(f, pl, oh, ow)));
    return worst <= 1e-6;
}

/* ---------------------------------------------------------------- upsample, pooling tests */

TEST(upsample_forward_and_gradient)
{
    const int scales[] = {1, 2, 3};
    for (int t = 0; t < 3; t++) {
        map_fx f;
        map_fx_init(&f, OP_UPSAMPLE, scales[t], 0, 0, 2, 3, 5, 7, 300 + t);
        CHECK(map_check_forward(&f));
        map_backward(&f, 1);
        double e = nn_gradcheck(map_loss, &f, f.x, f.dx, f.nx, 1e-2f, 0);
        if (e >= GRAD_TOL) printf("    scale %d: dx %g\n", scales[t], e);
        CHECK(e < GRAD_TOL);
        map_fx_free(&f);
    }
}

/* kernel, stride, padding: non-overlapping, overlapping with padding, and
 * stride 1 where neighbouring windows share their maximum. */
static const int POOL_CFGS[][3] = {{2, 2, 0}, {3, 2, 1}, {3, 1, 1}, {2, 1, 0}, {5, 3, 2}};
#define NPOOL ((int)(sizeof POOL_CFGS / sizeof POOL_CFGS[0]))

TEST(pool_init_rejects_wide_padding)
{
    nn_pool2d p;
    CHECK_INT(nn_pool2d_init(&p, 3, 0, 1), 0);
    CHECK_INT(p.stride_h, 3);                         /* stride 0: the kernel */
    CHECK_INT(nn_pool2d_init(&p, 3, 1, 2), -1);       /* pad > k/2 */
    int ho, wo;
    nn_pool2d_init(&p, 3, 2, 1);
    nn_pool2d_out_hw(&p, 7, 8, &ho, &wo);
    CHECK(ho == 4 && wo == 4);
}

TEST(maxpool_forward_and_gradient)
{
    for (int t = 0; t < NPOOL; t++) {
        for (int with_idx = 0; with_idx < 2; with_idx++) {
            map_fx f;
            map_fx_init(&f, OP_MAXPOOL, POOL_CFGS[t][0], POOL_CFGS[t][1], POOL_CFGS[t][2], 2, 3, 9, 7,
                        400 + t);
            CHECK(map_check_forward(&f));
            size_t mark = nn_arena_mark(&f.ar);
            map_backward(&f, with_idx);
            CHECK(nn_arena_mark(&f.ar) == mark);
            double e = nn_gradcheck(map_loss, &f, f.x, f.dx, f.nx, 1e-2f, 0);
            if (e >= GRAD_TOL) printf("    maxpool cfg %d idx %d: dx %g\n", t, with_idx, e);
            CHECK(e < GRAD_TOL);
            map_fx_free(&f);
        }
    }
}

TEST(avgpool_forward_and_gradient)
{
    for (int t = 0; t < NPOOL; t++) {
        map_fx f;
        map_fx_init(&f, OP_AVGPOOL, POOL_CFGS[t][0], POOL_CFGS[t][1], POOL_CFGS[t][2], 2, 3, 9, 7, 500 + t);
        CHECK(map_check_forward(&f));
        map_backward(&f, 1);
        double e = nn_gradcheck(map_loss, &f, f.x, f.dx, f.nx, 1e-2f, 0);
        if (e >= GRAD_TOL) printf("    avgpool cfg %d: dx %g\n", t, e);
        CHECK(e < GRAD_TOL);
        map_fx_free(&f);
    }
}

/* count_include_pad=True by hand: a 2x2 input of ones, kernel 3, pad 1,
 * stride 2 gives one window holding 4 ones and 5 zeros of padding. */
TEST(avgpool_counts_padding)
{
    nn_pool2d p;
    nn_pool2d_init(&p, 3, 2, 1);
    float x[4] = {1, 1, 1, 1}, y[1] = {0};
    nn_avgpool2d_forward(&p, x, 1, 1, 2, 2, y);
    CHECK_NEAR(y[0], 4.0 / 9.0, 1e-7);
}

/* ---------------------------------------------------------------- training */

#include "nn/nn_layers.h"
#include "nn/nn_train.h"

/* The synthetic shapes task: 16x16 images holding one filled square, one
 * hollow square or one plus sign of random size and place, on noise. */
#define IMG 16

static int make_shape(halo_rng *r, float *img)
{
    int cls = (int)rng_below(r, 3), size = 5 + (int)rng_below(r, 5);
    int x0 = (int)rng_below(r, (uint64_t)(IMG - size + 1)), y0 = (int)rng_below(r, (uint64_t)(IMG - size + 1));
    for (int i = 0; i < IMG * IMG; i++) img[i] = (float)(0.2 * rng_normal(r));
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            int edge = x == 0 || y == 0 || x == size - 1 || y == size - 1;
            int mid = x == size / 2 || y == size / 2;
            int on = cls == 0 ? 1 : cls == 1 ? edge : mid;
            if (on) img[(y0 + y) * IMG + x0 + x] += 1.0f;
        }
    return cls;
}

typedef struct cnn {
    nn_params ps;
    nn_conv2d c1, c2;
    nn_maxpool2d pool;
    nn_linear fc;
} cnn;

/* Forward (and, with labels, backward + step) on a batch; returns the
 * number classified right. */
static int cnn_batch(cnn *m, nn_arena *ar, const float *x, const int *labels, int n, nn_optim *o)
{
    size_t mark = nn_arena_mark(ar);
    float *h1 = nn_arena_alloc(ar, (size_t)n * 8 * IMG * IMG), *a1 = nn_arena_alloc(ar, (size_t)n * 8 * IMG * IMG);
    float *p1 = nn_arena_alloc(ar, (size_t)n * 8 * 64), *h2 = nn_arena_alloc(ar, (size_t)n * 16 * 64);
    float *a2 = nn_arena_alloc(ar, (size_t)n * 16 * 64), *p2 = nn_arena_alloc(ar, (size_t)n * 16 * 16);
    float *z = nn_arena_alloc(ar, (size_t)n * 3);
    int *i1 = (int *)nn_arena_alloc(ar, (size_t)n * 8 * 64), *i2 = (int *)nn_arena_alloc(ar, (size_t)n * 16 * 16);
    nn_conv2d_forward(&m->c1, x, n, IMG, IMG, h1, ar);
    nn_act_forward(NN_RELU, h1, (size_t)n * 8 * IMG * IMG, a1);
    nn_maxpool2d_forward(&m->pool, a1, n, 8, IMG, IMG, p1, i1);
    nn_conv2d_forward(&m->c2, p1, n, 8, 8, h2, ar);
    nn_act_forward(NN_RELU, h2, (size_t)n * 16 * 64, a2);
    nn_maxpool2d_forward(&m->pool, a2, n, 16, 8, 8, p2, i2);
    nn_linear_forward(&m->fc, p2, n, z);
    int right = 0;
    for (int i = 0; i < n; i++) {
        int best = 0;
        for (int c = 1; c < 3; c++) best = z[3 * i + c] > z[3 * i + best] ? c : best;
        right += best == labels[i];
    }
    if (o) {
        float *dz = nn_arena_alloc(ar, (size_t)n * 3), *dp2 = nn_arena_alloc(ar, (size_t)n * 16 * 16);
        float *da2 = nn_arena_alloc(ar, (size_t)n * 16 * 64), *dh2 = nn_arena_alloc(ar, (size_t)n * 16 * 64);
        float *dp1 = nn_arena_alloc(ar, (size_t)n * 8 * 64), *da1 = nn_arena_alloc(ar, (size_t)n * 8 * IMG * IMG);
        float *dh1 = nn_arena_alloc(ar, (size_t)n * 8 * IMG * IMG);
        nn_params_zero_grad(&m->ps);
        nn_loss_cross_entropy(z, labels, n, 3, dz);
        nn_linear_backward(&m->fc, p2, dz, n, dp2);
        nn_maxpool2d_backward(&m->pool, a2, i2, n, 16, 8, 8, dp2, da2, ar);
        nn_act_backward(NN_RELU, h2, a2, da2, (size_t)n * 16 * 64, dh2);
        nn_conv2d_backward(&m->c2, p1, n, 8, 8, dh2, dp1, ar);
        nn_maxpool2d_backward(&m->pool, a1, i1, n, 8, IMG, IMG, dp1, da1, ar);
        nn_act_backward(NN_RELU, h1, a1, da1, (size_t)n * 8 * IMG * IMG, dh1);
        nn_conv2d_backward(&m->c1, x, n, IMG, IMG, dh1, NULL, ar);
        nn_optim_step(o, &m->ps);
    }
    nn_arena_release(ar, mark);
    return right;
}

/* Train on 2,400 images (batches of 32, Adam on a cosine schedule with
 * warm-up), test on 600 new ones: the test accuracy. */
static double train_shapes(uint64_t seed, int epochs)
{
    enum { NTRAIN = 2400, NTEST = 600, B = 32 };
    halo_rng rng;
    rng_seed(&rng, seed);
    static float xtr[NTRAIN * IMG * IMG], xte[NTEST * IMG * IMG];
    static int ytr[NTRAIN], yte[NTEST];
    for (int i = 0; i < NTRAIN; i++) ytr[i] = make_shape(&rng, xtr + (size_t)i * IMG * IMG);
    for (int i = 0; i < NTEST; i++) yte[i] = make_shape(&rng, xte + (size_t)i * IMG * IMG);
    cnn m;
    nn_params_init(&m.ps);
    nn_conv2d_init(&m.c1, &m.ps, "features.0", 1, 8, 3, 1, 1, 1, 1, 1, &rng);
    nn_conv2d_init(&m.c2, &m.ps, "features.3", 8, 16, 3, 1, 1, 1, 1, 1, &rng);
    nn_pool2d_init(&m.pool, 2, 2, 0);
    nn_linear_init(&m.fc, &m.ps, "classifier", 16 * 4 * 4, 3, 1, &rng);
    nn_optim o;
    nn_optim_init(&o, NN_ADAM, 0.003f);
    nn_arena ar;
    nn_arena_init(&ar, 1 << 20);
    long step = 0, total = (long)epochs * (NTRAIN / B);
    for (int epoch = 0; epoch < epochs; epoch++)
        for (int b = 0; b + B <= NTRAIN; b += B) {
            o.lr = nn_lr_cosine(0.003f, 0.0003f, step++, total, 20);
            cnn_batch(&m, &ar, xtr + (size_t)b * IMG * IMG, ytr + b, B, &o);
        }
    int right = 0;
    for (int b = 0; b < NTEST; b += 100) right += cnn_batch(&m, &ar, xte + (size_t)b * IMG * IMG, yte + b, 100, NULL);
    nn_arena_free(&ar);
    nn_params_free(&m.ps);
    return (double)right / NTEST;
}

TEST(cnn_learns_shapes)
{
    double a = train_shapes(21, 8);
    printf("    test accuracy %.1f%% (600 unseen images)\n", 100 * a);
    CHECK(a > 0.97);
    /* the same seed, the same network: one epoch twice, bit for bit */
    CHECK(train_shapes(5, 1) == train_shapes(5, 1));
}

UNIT_MAIN("test_nn_conv")
