/* bench_nn.c -- conv2d speed against the GEMMs it is built on.
 *
 * For a few realistic layer sizes prints the GFLOP/s of conv2d forward +
 * backward (2 N Cout Ho Wo Cin/g KH KW flops per pass, three passes:
 * forward, dW, dx), the GFLOP/s of bare cblas_sgemm on the same matrix
 * shapes the im2col lowering issues (same count of calls, same flops), and
 * their ratio: what im2col/col2im, bias and bookkeeping cost on top of the
 * BLAS.  Each measurement repeats until about half a second has passed.
 * Not a test: `make bench` runs it, nothing checks its numbers. */
#include "nn/nn_conv.h"
#include "base/rng.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_SECONDS 0.5

typedef struct bench_cfg {
    int n, cin, cout, h, w, k, stride, pad, groups;
} bench_cfg;

static const bench_cfg CFGS[] = {
    {8, 32, 64, 32, 32, 3, 1, 1, 1},
    {8, 64, 64, 16, 16, 3, 1, 1, 1},
    {8, 64, 128, 16, 16, 3, 2, 1, 1},
    {8, 64, 64, 16, 16, 1, 1, 0, 1},
    {8, 64, 64, 32, 32, 3, 1, 1, 64},
    /* MixConv's depthwise kernels (the NAS of nas-placement-quality) */
    {8, 32, 32, 32, 32, 7, 1, 3, 32},
    {8, 32, 32, 32, 32, 13, 1, 6, 32},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *rand_buf(halo_rng *r, size_t n)
{
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (float)(2.0 * rng_uniform(r) - 1.0);
    return v;
}

typedef void (*bench_fn)(void *ctx);

/* Seconds per call of fn, repeating until BENCH_SECONDS have passed (one
 * untimed warm-up call first: first-touch page faults, BLAS threads). */
static double time_per_call(bench_fn fn, void *ctx)
{
    fn(ctx);
    int reps = 0;
    double t0 = now(), t;
    do {
        fn(ctx);
        reps++;
        t = now() - t0;
    } while (t < BENCH_SECONDS);
    return t / reps;
}

typedef struct conv_run {
    const bench_cfg *cfg;
    nn_conv2d c;
    nn_arena ar;
    int ho, wo;
    float *x, *y, *dy, *dx;
    /* bare GEMM operands of the per-(item, group) shapes */
    int m, p, kdim;
    float *a, *b, *cmat, *d, *dw;   /* dw apart from a: accumulating into
                                      * the forward's operand would grow it */
} conv_run;

static void conv_pass(void *ctx)
{
    conv_run *r = ctx;
    nn_conv2d_forward(&r->c, r->x, r->cfg->n, r->cfg->h, r->cfg->w, r->y, &r->ar);
    nn_conv2d_backward(&r->c, r->x, r->cfg->n, r->cfg->h, r->cfg->w, r->dy, r->dx, &r->ar);
}

/* The three GEMMs conv2d issues per batch item and group: forward
 * [m x kdim][kdim x p], dW [m x p][p x kdim]^T, dcol [m x kdim]^T[m x p]. */
static void gemm_pass(void *ctx)
{
    conv_run *r = ctx;
    int calls = r->cfg->n * r->cfg->groups;
    for (int i = 0; i < calls; i++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r->m, r->p, r->kdim, 1.0f, r->a, r->kdim, r->b,
                    r->p, 0.0f, r->cmat, r->p);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r->m, r->kdim, r->p, 1.0f, r->cmat, r->p, r->b,
                    r->p, 1.0f, r->dw, r->kdim);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r->kdim, r->p, r->m, 1.0f, r->a, r->kdim,
                    r->cmat, r->p, 0.0f, r->d, r->p);
    }
}

static void bench_one(const bench_cfg *cfg, halo_rng *rng)
{
    conv_run r = {.cfg = cfg};
    nn_params ps;
    nn_params_init(&ps);
    nn_arena_init(&r.ar, 1 << 20);
    if (nn_conv2d_init(&r.c, &ps, "conv", cfg->cin, cfg->cout, cfg->k, cfg->stride, cfg->pad, 1, cfg->groups, 1,
                       rng)) {
        fprintf(stderr, "bench_nn: bad configuration\n");
        exit(1);
    }
    nn_conv2d_out_hw(&r.c, cfg->h, cfg->w, &r.ho, &r.wo);
    size_t nx = (size_t)cfg->n * cfg->cin * cfg->h * cfg->w, ny = (size_t)cfg->n * cfg->cout * r.ho * r.wo;
    r.x = rand_buf(rng, nx), r.dx = rand_buf(rng, nx);
    r.y = rand_buf(rng, ny), r.dy = rand_buf(rng, ny);
    r.m = cfg->cout / cfg->groups;
    r.p = r.ho * r.wo;
    r.kdim = cfg->cin / cfg->groups * cfg->k * cfg->k;
    r.a = rand_buf(rng, (size_t)r.m * r.kdim);
    r.b = rand_buf(rng, (size_t)r.kdim * r.p);
    r.cmat = rand_buf(rng, (size_t)r.m * r.p);
    r.d = rand_buf(rng, (size_t)r.kdim * r.p);
    r.dw = rand_buf(rng, (size_t)r.m * r.kdim);

    double flops = 3.0 * 2.0 * cfg->n * cfg->cout * r.ho * r.wo * (double)(cfg->cin / cfg->groups) * cfg->k * cfg->k;
    double tc = time_per_call(conv_pass, &r), tg = time_per_call(gemm_pass, &r);
    double gc = flops / tc * 1e-9, gg = flops / tg * 1e-9;
    printf("conv2d N=%d %3d->%-3d %2dx%-2d k%d s%d p%d g%-2d  fwd+bwd %7.2f GFLOP/s  sgemm %7.2f GFLOP/s"
           "  (%dx%dx%d)  ratio %.2f\n",
           cfg->n, cfg->cin, cfg->cout, cfg->h, cfg->w, cfg->k, cfg->stride, cfg->pad, cfg->groups, gc, gg, r.m,
           r.kdim, r.p, gc / gg);
    fflush(stdout);

    free(r.x), free(r.dx), free(r.y), free(r.dy), free(r.a), free(r.b), free(r.cmat), free(r.d), free(r.dw);
    nn_arena_free(&r.ar);
    nn_params_free(&ps);
}

int main(void)
{
    halo_rng rng;
    rng_seed(&rng, 1);
    printf("bench_nn: conv2d forward+backward (im2col + cblas_sgemm; direct loops when depthwise) vs bare sgemm, float32\n");
    for (size_t i = 0; i < sizeof CFGS / sizeof CFGS[0]; i++) bench_one(&CFGS[i], &rng);
    return 0;
}
