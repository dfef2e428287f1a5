/* bench_nn.c -- conv2d speed against the GEMMs it is built on.
 *
 * For each layer size prints the GFLOP/s of conv2d forward, backward, and
 * forward + backward, the GFLOP/s of bare cblas_sgemm on the same problem,
 * and their ratio: what the lowering (im2col, col2im, bias, bookkeeping)
 * costs on top of the BLAS.
 *
 * Flop counts: forward 2 Cout (Cin/g) KH KW Ho Wo per batch item; backward
 * twice that (dW and dx; the bias gradient and the zero taps of the
 * padding are not counted).
 *
 * The sgemm baseline is fixed by the layer, not by how conv2d happens to
 * tile its work: per group, the three GEMMs of the textbook im2col
 * lowering over the whole batch, P = N Ho Wo columns, Kd = (Cin/g) KH KW,
 *   forward  Y[Cout/g][P]   = W[Cout/g][Kd] . col[Kd][P]
 *   dW       dW[Cout/g][Kd] = dY[Cout/g][P] . col[Kd][P]^T
 *   dcol     dcol[Kd][P]    = W[Cout/g][Kd]^T . dY[Cout/g][P]
 * with operands already in memory (no im2col time), so the ratio is
 * conv2d's rate over the rate of the BLAS doing the same arithmetic in
 * the largest, easiest shapes.  Each figure is the fastest of about half
 * a second of calls, conv2d and sgemm taking turns.  Not a test: `make
 * bench` runs it, nothing checks its numbers.  An argument selects rows
 * whose label contains it ("unet", "misc"). */
#include "nn/nn_conv.h"
#include "base/rng.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_SECONDS 0.5

typedef struct bench_cfg {
    const char *label;
    int n, cin, cout, h, w, k, stride, pad, groups;
} bench_cfg;

static const bench_cfg CFGS[] = {
    /* the placement U-Net: 3x3 same-size convs down a 128^2 pyramid, and
     * its 1x1 head; training batch 8, inference batch 1 */
    {"unet", 8, 8, 16, 128, 128, 3, 1, 1, 1},
    {"unet", 8, 16, 16, 128, 128, 3, 1, 1, 1},
    {"unet", 8, 21, 32, 128, 128, 3, 1, 1, 1},
    {"unet", 8, 16, 32, 64, 64, 3, 1, 1, 1},
    {"unet", 8, 32, 32, 64, 64, 3, 1, 1, 1},
    {"unet", 8, 32, 64, 32, 32, 3, 1, 1, 1},
    {"unet", 8, 64, 64, 32, 32, 3, 1, 1, 1},
    {"unet", 8, 64, 64, 16, 16, 3, 1, 1, 1},
    {"unet", 8, 21, 8, 128, 128, 1, 1, 0, 1},
    {"unet", 1, 8, 16, 128, 128, 3, 1, 1, 1},
    {"unet", 1, 16, 16, 128, 128, 3, 1, 1, 1},
    {"unet", 1, 21, 32, 128, 128, 3, 1, 1, 1},
    {"unet", 1, 16, 32, 64, 64, 3, 1, 1, 1},
    {"unet", 1, 32, 32, 64, 64, 3, 1, 1, 1},
    {"unet", 1, 32, 64, 32, 32, 3, 1, 1, 1},
    {"unet", 1, 64, 64, 32, 32, 3, 1, 1, 1},
    {"unet", 1, 64, 64, 16, 16, 3, 1, 1, 1},
    {"unet", 1, 21, 8, 128, 128, 1, 1, 0, 1},
    {"misc", 8, 64, 128, 16, 16, 3, 2, 1, 1},
    {"misc", 8, 64, 64, 16, 16, 1, 1, 0, 1},
    {"misc", 8, 64, 64, 32, 32, 3, 1, 1, 64},
    /* MixConv's depthwise kernels (the NAS of nas-placement-quality) */
    {"misc", 8, 32, 32, 32, 32, 7, 1, 3, 32},
    {"misc", 8, 32, 32, 32, 32, 9, 1, 4, 32},
    {"misc", 8, 32, 32, 32, 32, 11, 1, 5, 32},
    {"misc", 8, 32, 32, 32, 32, 13, 1, 6, 32},
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
    if (!v) {
        fprintf(stderr, "bench_nn: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) v[i] = (float)(2.0 * rng_uniform(r) - 1.0);
    return v;
}

typedef void (*bench_fn)(void *ctx);

/* Seconds per call of each of fns[0 .. nf): the fastest of the calls
 * made until nf * BENCH_SECONDS have passed, after one untimed warm-up
 * call each (first-touch page faults, BLAS threads).  The calls take
 * turns, and the fastest rather than the mean counts, so that on a shared
 * machine another process's burst slows conv2d and its baseline alike
 * instead of landing on whichever happened to run during it. */
static void time_per_call(bench_fn *fns, int nf, void *ctx, double *best)
{
    for (int i = 0; i < nf; i++) fns[i](ctx), best[i] = 1e30;
    double t0 = now(), t = t0;
    do {
        for (int i = 0; i < nf; i++) {
            double s = t;
            fns[i](ctx);
            t = now();
            if (t - s < best[i]) best[i] = t - s;
        }
    } while (t - t0 < nf * BENCH_SECONDS);
}

typedef struct conv_run {
    const bench_cfg *cfg;
    nn_conv2d c;
    nn_arena ar;
    int ho, wo;
    float *x, *y, *dy, *dx;
    /* bare GEMM operands of the whole-batch per-group shapes */
    int m, p, kdim;
    float *a, *b, *cmat, *d, *dw;   /* dw apart from a: accumulating into
                                      * the forward's operand would grow it */
} conv_run;

static void conv_fwd(void *ctx)
{
    conv_run *r = ctx;
    nn_conv2d_forward(&r->c, r->x, r->cfg->n, r->cfg->h, r->cfg->w, r->y, &r->ar);
}

static void conv_bwd(void *ctx)
{
    conv_run *r = ctx;
    nn_conv2d_backward(&r->c, r->x, r->cfg->n, r->cfg->h, r->cfg->w, r->dy, r->dx, &r->ar);
}

/* The baseline's three GEMMs per group (see the header). */
static void gemm_pass(void *ctx)
{
    conv_run *r = ctx;
    for (int i = 0; i < r->cfg->groups; i++) {
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
    r.p = cfg->n * r.ho * r.wo;
    r.kdim = cfg->cin / cfg->groups * cfg->k * cfg->k;
    r.a = rand_buf(rng, (size_t)r.m * r.kdim);
    r.b = rand_buf(rng, (size_t)r.kdim * r.p);
    r.cmat = rand_buf(rng, (size_t)r.m * r.p);
    r.d = rand_buf(rng, (size_t)r.kdim * r.p);
    r.dw = rand_buf(rng, (size_t)r.m * r.kdim);

    double fwd = 2.0 * cfg->n * cfg->cout * r.ho * r.wo * (double)(cfg->cin / cfg->groups) * cfg->k * cfg->k;
    bench_fn fns[3] = {conv_fwd, conv_bwd, gemm_pass};
    double t[3];
    time_per_call(fns, 3, &r, t);
    double tf = t[0], tb = t[1], tg = t[2];
    double gc = 3.0 * fwd / (tf + tb) * 1e-9, gg = 3.0 * fwd / tg * 1e-9;
    printf("N=%d %3d->%-3d %3dx%-3d k%d s%d p%d g%-2d %7.1f %7.1f %8.1f %8.1f  %5.2f   %dx%dx%d\n", cfg->n,
           cfg->cin, cfg->cout, cfg->h, cfg->w, cfg->k, cfg->stride, cfg->pad, cfg->groups, fwd / tf * 1e-9,
           2.0 * fwd / tb * 1e-9, gc, gg, gc / gg, r.m, r.kdim, r.p);
    fflush(stdout);

    free(r.x), free(r.dx), free(r.y), free(r.dy), free(r.a), free(r.b), free(r.cmat), free(r.d), free(r.dw);
    nn_arena_free(&r.ar);
    nn_params_free(&ps);
}

int main(int argc, char **argv)
{
    halo_rng rng;
    rng_seed(&rng, 1);
    printf("bench_nn: conv2d (im2col + cblas_sgemm; direct loops when depthwise) vs bare sgemm, float32, GFLOP/s\n"
           "  flops: fwd 2*Cout*(Cin/g)*K*K*Ho*Wo per item, bwd (dW + dx) twice that\n"
           "  sgemm: per group, the 3 whole-batch im2col GEMMs (MxKdxP below), operands in memory\n"
           "  ratio: conv fwd+bwd / sgemm\n");
    printf("%-38s %7s %7s %8s %8s  %5s   %s\n", "layer", "fwd", "bwd", "fwd+bwd", "sgemm", "ratio", "MxKdxP");
    for (size_t i = 0; i < sizeof CFGS / sizeof CFGS[0]; i++)
        if (argc < 2 || strstr(CFGS[i].label, argv[1])) bench_one(&CFGS[i], &rng);
    return 0;
}
