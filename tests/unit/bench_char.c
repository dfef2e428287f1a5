/* bench_char.c -- the op-amp characterisation's speed, through
 * core/design.h as the sizing work calls it.
 *
 *   bench_char NETLIST.spice [N [WORKERS [PDK_ROOT]]]
 *
 * 1. one worker: the design characterised 5 times after a warm-up, the
 *    job's time in its worker (ngspice load + op, ac, dc, tran) and the
 *    wall time per call seen by the caller;
 * 2. WORKERS workers (2): N (40) sized variants of the design, every MOS
 *    width scaled by one factor per variant drawn log-uniform in [0.5, 2]
 *    (seed 1; the dataset schema's w_scale), characterised by one
 *    design_characterize call: wall time, variants per second, how many
 *    converged, and the spread of the gain.
 * With PDK_ROOT the foundry's models (reduced to the bins the variants
 * use), else halo's embedded ones.  Not a test: `make bench` runs it on
 * examples/sizing/fcoa.spice; nothing checks its numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/rng.h"
#include "design.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A design on sky130 (the foundry's models under root, when given) with
 * its worker pool sized by HALO_SIM_WORKERS. */
static halo_design *open_design(const char *path, const char *root, int workers, halo_err *err)
{
    char n[16];
    snprintf(n, sizeof n, "%d", workers);
    setenv("HALO_SIM_WORKERS", n, 1);
    halo_tech *tech = tech_load("sky130", err);
    if (!tech || (root && tech_set_root(tech, root, "tt", err) != 0)) return NULL;
    halo_design *d = design_new(tech);
    spice_read_opts ro = {.wmode = NETLIST_W_TOTAL};
    if (design_read_spice(d, path, &ro, err) != 0) {
        design_free(d);
        return NULL;
    }
    return d;
}

static int one_worker(const char *path, const char *root, const opamp_tb_opts *o, const design_sim_opts *so)
{
    halo_err err;
    halo_design *d = open_design(path, root, 1, &err);
    if (!d) return fprintf(stderr, "bench_char: %s\n", err.msg), 1;
    opamp_result r;
    if (design_characterize(d, NULL, 1, o, so, &r, &err) != 0) return fprintf(stderr, "%s\n", err.msg), 1;
    opamp_tb_result_free(&r);   /* the warm-up: worker started, models parsed once */
    double job = 0, wall = 0, t0;
    int reps = 5;
    for (int i = 0; i < reps; i++) {
        t0 = now();
        if (design_characterize(d, NULL, 1, o, so, &r, &err) != 0) return fprintf(stderr, "%s\n", err.msg), 1;
        wall += now() - t0;
        job += r.seconds;
        if (i == 0) {
            printf("  %-20s", "metrics:");
            for (int k = 0; k < r.nmetrics; k++) printf(" %s=%.4g", r.keys[k], r.values[k]);
            printf("\n");
        }
        opamp_tb_result_free(&r);
    }
    printf("  1 worker: %.3f s per job in the worker, %.3f s per call (wall), mean of %d\n", job / reps,
           wall / reps, reps);
    design_free(d);
    return 0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* n copies of the design, each with its MOS widths scaled by one factor. */
static netlist **variants(const netlist *nl, int n)
{
    halo_rng rng;
    rng_seed(&rng, 1);
    netlist **v = calloc((size_t)n, sizeof *v);
    for (int i = 0; i < n; i++) {
        v[i] = netlist_clone(nl);
        double s = exp(log(0.5) + rng_uniform(&rng) * log(4.0));
        for (int k = 0; k < v[i]->ndevs; k++) {
            netlist_device *dev = &v[i]->devs[k];
            double w;
            if (netlist_is_mos(dev) && netlist_param_get(dev, "W", &w) == 0)
                netlist_param_set(dev, "W", round(w * s / 0.005) * 0.005);   /* on the 5 nm grid */
        }
    }
    return v;
}

static int many(const char *path, const char *root, int n, int workers, const opamp_tb_opts *o,
                const design_sim_opts *so)
{
    halo_err err;
    halo_design *d = open_design(path, root, workers, &err);
    if (!d) return fprintf(stderr, "bench_char: %s\n", err.msg), 1;
    netlist **v = variants(design_netlist(d), n);
    opamp_result *res = calloc((size_t)n, sizeof *res), warm;
    if (design_characterize(d, NULL, 1, o, so, &warm, &err) != 0) return fprintf(stderr, "%s\n", err.msg), 1;
    opamp_tb_result_free(&warm);
    double t0 = now();
    if (design_characterize(d, v, n, o, so, res, &err) != 0) return fprintf(stderr, "%s\n", err.msg), 1;
    double wall = now() - t0, job = 0, gmin = INFINITY, gmax = -INFINITY;
    double *secs = calloc((size_t)n, sizeof *secs);
    int ok = 0;
    for (int i = 0; i < n; i++) {
        job += res[i].seconds;
        secs[i] = res[i].seconds;
        ok += res[i].status == SIM_OK;
        const double *g = opamp_tb_result_metric(&res[i], "dc_gain_dB");
        if (g) gmin = fmin(gmin, *g), gmax = fmax(gmax, *g);
        opamp_tb_result_free(&res[i]);
        netlist_free(v[i]);
    }
    qsort(secs, (size_t)n, sizeof *secs, by_value);
    printf("  %d workers, %d variants: %.2f s wall, %.2f variants/s; per job in its worker %.3f s mean, "
           "%.3f min, %.3f median, %.3f max; %d converged; dc_gain_dB %.1f .. %.1f\n",
           workers, n, wall, n / wall, job / n, secs[0], secs[n / 2], secs[n - 1], ok, gmin, gmax);
    free(secs);
    free(res);
    free(v);
    design_free(d);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_char NETLIST.spice [N [WORKERS [PDK_ROOT]]]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 40, workers = argc > 3 ? atoi(argv[3]) : 2;
    const char *root = argc > 4 ? argv[4] : NULL;
    opamp_tb_opts o;
    opamp_tb_defaults(&o);
    design_sim_opts so;
    design_sim_opts_default(&so);
    printf("bench_char: %s, %s models\n", argv[1], root ? "the PDK's reduced" : "embedded");
    if (one_worker(argv[1], root, &o, &so) != 0) return 1;
    return many(argv[1], root, n > 0 ? n : 40, workers > 0 ? workers : 2, &o, &so);
}
