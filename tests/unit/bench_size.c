/* bench_size.c -- speed of the sizing diffusion models (core/size/ddpm.h).
 *
 * The use the seed describes: one op-amp split into building blocks, one
 * model per block, and a designer asking for 100 sizings of one
 * specification.  Measured:
 *   - sampling 100 sizings for one specification (50 DDIM steps,
 *     classifier-free guidance w = 1: both branches every step) with each
 *     of 6 default-size block models (dx 2, 3, 4, 4, 6, 8; dc = 11), the
 *     total over the 6 (the target: at most 1 s on 2 cores), then the
 *     same with every block at dx = 8;
 *   - training throughput of a default-size model (dx 8, dc 11) at batch
 *     128: optimiser steps per second;
 *   - the MLP baseline's training throughput (dc 11, dx 24, 3 x 256) for
 *     comparison.
 * Each measurement repeats until about 3 seconds have passed (one untimed
 * warm-up first) and reports the mean wall time, the best, and the CPU
 * time of the process (the machine may be shared).  Not a test: `make bench` runs it; nothing checks its
 * numbers. */
#include "size/ddpm.h"
#include "size/size_mlp.h"
#include "base/rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_SECONDS 3.0
#define NBLOCKS 6
#define DC 11

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of the process (all its threads): on a machine shared with
 * other work the wall time says what a user waits, this what was spent. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void randomize(nn_params *ps, halo_rng *r)
{
    /* trained models have no zero gates; the speed does not care, but
       keep the numbers realistic */
    for (int i = 0; i < ps->n; i++)
        for (size_t k = 0; k < ps->p[i]->n; k++) ps->p[i]->w[k] += (float)(0.02 * rng_normal(r));
}

static ddpm *block_model(int dx, halo_rng *r)
{
    ddpm_config c;
    ddpm_config_default(&c);
    c.dx = dx;
    c.dc = DC;
    halo_err err;
    ddpm *m = ddpm_new(&c, (uint64_t)dx, &err);
    if (!m) {
        fprintf(stderr, "bench_size: %s\n", err.msg);
        exit(1);
    }
    randomize(ddpm_params(m), r);
    return m;
}

/* Seconds to sample 100 sizings from every model of ms. */
static double sample_all(ddpm **ms, int n, const float *spec, float *out)
{
    ddpm_sample_opts so;
    ddpm_sample_opts_default(&so);
    so.steps = 50;
    so.guidance = 1.0f;
    halo_err err;
    double t0 = now();
    for (int b = 0; b < n; b++)
        if (ddpm_sample(ms[b], spec, 1, 100, &so, out, &err)) {
            fprintf(stderr, "bench_size: %s\n", err.msg);
            exit(1);
        }
    return now() - t0;
}

static void bench_sampling(const char *label, const int *dxs, halo_rng *r)
{
    ddpm *ms[NBLOCKS];
    float spec[DC], *out = malloc(sizeof(float) * 100 * 8);
    for (int i = 0; i < DC; i++) spec[i] = (float)rng_normal(r);
    for (int b = 0; b < NBLOCKS; b++) ms[b] = block_model(dxs[b], r);
    sample_all(ms, NBLOCKS, spec, out);
    int reps = 0;
    double total = 0, best = 1e30, c0 = cpu_now();
    do {
        double t = sample_all(ms, NBLOCKS, spec, out);
        total += t;
        best = t < best ? t : best;
        reps++;
    } while (total < BENCH_SECONDS);
    printf("sampling %-18s 100 sizings x 6 blocks, 50 steps, CFG: %6.3f s wall (best %.3f), %6.3f s CPU\n", label,
           total / reps, best, (cpu_now() - c0) / reps);
    for (int b = 0; b < NBLOCKS; b++) ddpm_free(ms[b]);
    free(out);
}

static void bench_training(halo_rng *r)
{
    enum { N = 1024, DX = 8 };
    float *x = malloc(sizeof(float) * N * DX), *c = malloc(sizeof(float) * N * DC);
    for (int i = 0; i < N * DX; i++) x[i] = (float)rng_normal(r);
    for (int i = 0; i < N * DC; i++) c[i] = (float)rng_normal(r);
    ddpm *m = block_model(DX, r);
    ddpm_train_opts o;
    ddpm_train_opts_default(&o);
    o.batch = 128;
    o.steps = 20;
    ddpm_train_stats st;
    halo_err err;
    ddpm_train(m, x, c, N, &o, &st, &err);
    int steps = 0;
    double total = 0, c0 = cpu_now();
    do {
        ddpm_train(m, x, c, N, &o, &st, &err);
        total += st.seconds;
        steps += st.steps;
    } while (total < BENCH_SECONDS);
    printf("training ddpm (d_model 64, depth 3, dx 8, dc 11), batch 128: %.1f steps/s (%.2f ms wall, %.2f ms CPU per "
           "step), %.0f parameters\n",
           steps / total, 1000 * total / steps, 1000 * (cpu_now() - c0) / steps, ddpm_config_params(ddpm_get_config(m)));
    ddpm_free(m);

    size_mlp_config mc;
    size_mlp_config_default(&mc);
    mc.dc = DC;
    mc.dx = 24;
    size_mlp *mlp = size_mlp_new(&mc, 1, &err);
    float *x24 = malloc(sizeof(float) * N * 24);
    for (int i = 0; i < N * 24; i++) x24[i] = (float)rng_normal(r);
    size_train_opts mo;
    size_mlp_train_opts_default(&mo);
    mo.batch = 128;
    mo.steps = 200;
    size_train_stats ms;
    size_mlp_train(mlp, x24, c, N, &mo, &ms, &err);
    printf("training size_mlp (3 x 256, dc 11, dx 24), batch 128: %.0f steps/s\n", ms.steps / ms.seconds);
    size_mlp_free(mlp);
    free(x24);
    free(x);
    free(c);
}

int main(void)
{
    halo_rng r;
    rng_seed(&r, 1);
    const int mixed[NBLOCKS] = {2, 3, 4, 4, 6, 8}, all8[NBLOCKS] = {8, 8, 8, 8, 8, 8};
    bench_sampling("(dx 2,3,4,4,6,8)", mixed, &r);
    bench_sampling("(dx 8 each)", all8, &r);
    bench_training(&r);
    return 0;
}
