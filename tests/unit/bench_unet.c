/* bench_unet.c -- the layout-completion U-Net's speed (complete/unet.h).
 *
 * For the configuration halo trains on a small machine (16 layers, stem 8,
 * base 16, three levels, one residual block per level, attention at the
 * bottleneck; 128 x 128 pictures, batches of 8) prints the parameter
 * count, then samples/s and GFLOP/s of inference (lfm_unet_forward) and of
 * a training step (lfm_unet_train_step: forward, loss, backward, clipping,
 * Adam).  FLOPs are 2 per multiply-add of lfm_unet_macs, a training step
 * counted as three forwards (the forward, and backward's two passes: the
 * weights' gradients and the inputs').  Each measurement repeats until
 * about two seconds have passed.  Not a test: `make bench` runs it,
 * nothing checks its numbers. */
#include "complete/unet.h"
#include "base/rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_SECONDS 2.0

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct run {
    lfm_unet *m;
    nn_optim opt;
    int n, h, w;
    float *x, *t, *z;
} run;

static void forward_pass(run *r) { lfm_unet_forward(r->m, r->x, r->n, r->h, r->w, r->z); }
static void train_pass(run *r) { lfm_unet_train_step(r->m, &r->opt, r->x, r->t, r->n, r->h, r->w, 1.0f); }

/* Seconds per call, after one untimed call (page faults, BLAS threads). */
static double time_per_call(void (*fn)(run *), run *r)
{
    fn(r);
    int reps = 0;
    double t0 = now(), t;
    do {
        fn(r);
        reps++;
        t = now() - t0;
    } while (t < BENCH_SECONDS);
    return t / reps;
}

int main(void)
{
    lfm_cfg cfg = {.layer_ch = 16, .cmd_ch = 0, .stem_ch = 8, .base_ch = 16, .levels = 3, .res_blocks = 1,
                   .attn = 1, .heads = 4};
    char err[512];
    run r = {.n = 8, .h = 128, .w = 128};
    r.m = lfm_unet_new(&cfg, 1, err, sizeof err);
    if (!r.m) {
        fprintf(stderr, "bench_unet: %s\n", err);
        return 1;
    }
    nn_optim_init(&r.opt, NN_ADAM, 1e-3f);
    size_t nx = (size_t)r.n * cfg.layer_ch * r.h * r.w;
    r.x = malloc(nx * sizeof *r.x), r.t = malloc(nx * sizeof *r.t), r.z = malloc(nx * sizeof *r.z);
    halo_rng rng;
    rng_seed(&rng, 2);
    for (size_t i = 0; i < nx; i++) {
        r.x[i] = rng_uniform(&rng) < 0.2 ? 1.0f : 0.0f;
        r.t[i] = rng_uniform(&rng) < 0.05 ? 1.0f : 0.0f;
    }
    double flop = 2.0 * lfm_unet_macs(r.m, r.h, r.w);   /* per sample, forward */
    printf("lfm_unet layer_ch %d stem %d base %d levels %d res_blocks %d attn %d heads %d: %zu parameters, "
           "%.2f GFLOP per %dx%d forward\n",
           cfg.layer_ch, cfg.stem_ch, cfg.base_ch, cfg.levels, cfg.res_blocks, cfg.attn, cfg.heads,
           nn_params_count(lfm_unet_params(r.m)), flop * 1e-9, r.h, r.w);
    double tf = time_per_call(forward_pass, &r);
    printf("  forward     batch %d: %7.1f samples/s  %6.2f GFLOP/s\n", r.n, r.n / tf, r.n * flop / tf * 1e-9);
    fflush(stdout);
    double tt = time_per_call(train_pass, &r);
    printf("  train step  batch %d: %7.1f samples/s  %6.2f GFLOP/s\n", r.n, r.n / tt, 3 * r.n * flop / tt * 1e-9);
    free(r.x), free(r.t), free(r.z);
    lfm_unet_free(r.m);
    return 0;
}
