/* test_sim.c -- failure classification, metrics from vectors, pscore, and
 * the worker pool running a real circuit in libngspice. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/sim_metrics.h"
#include "unit.h"

TEST(classify_vocabulary)
{
    struct {
        const char *log;
        sim_status want;
        const char *detail;
    } cases[] = {
        {"Note: x\nError: unknown subckt: x1 a b nosub\nError: there aren't any circuits loaded.\n",
         SIM_MODEL_NOT_FOUND, "Error: unknown subckt: x1 a b nosub"},
        {"warning, can't find model 'nch' from line\n", SIM_MODEL_NOT_FOUND, "warning, can't find model 'nch' from line"},
        {"Warning: singular matrix:  check node a\ndoAnalyses: OP:  Timestep too small\n", SIM_SINGULAR_MATRIX,
         "Warning: singular matrix:  check node a"},
        {"doAnalyses: TRAN:  Timestep too small; time = 1e-9\n", SIM_NO_CONVERGENCE,
         "doAnalyses: TRAN:  Timestep too small; time = 1e-9"},
        {"Warning: Dynamic gmin stepping failed\nWarning: source stepping failed\n", SIM_NO_CONVERGENCE,
         "Warning: Dynamic gmin stepping failed"},
        {"Fatal error: detected during BSIM4.8.2 parameter checking\nTimestep too small\n", SIM_ERROR,
         "Fatal error: detected during BSIM4.8.2 parameter checking"},
        {"something odd\nlast words\n", SIM_ERROR, "last words"},
        {"", SIM_ERROR, "ngspice failed without a message"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *detail = NULL;
        CHECK_INT(sim_classify(cases[i].log, &detail), cases[i].want);
        CHECK_STR(detail, cases[i].detail);
        free(detail);
    }
    CHECK_STR(sim_status_name(SIM_OK), "");
    CHECK_STR(sim_status_name(SIM_TIMEOUT), "timeout");
    CHECK_STR(sim_status_name(SIM_NO_OUTPUT_PORT), "no_output_port");
}

/* A result with a given trajectory. */
static void fake(sim_result *r, const double *mag, int n)
{
    memset(r, 0, sizeof *r);
    r->npoints = n;
    r->freq = malloc(n * sizeof(double));
    r->mag = malloc(n * sizeof(double));
    r->phase_deg = calloc(n, sizeof(double));
    r->re = malloc(n * sizeof(double));
    r->im = calloc(n, sizeof(double));
    for (int i = 0; i < n; i++) {
        r->freq[i] = 1e3 * pow(10, i / 50.0);
        r->mag[i] = fabs(mag[i]);
        r->re[i] = mag[i];
    }
}

TEST(pscore_is_rmse_by_thirds)
{
    double a[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, b[9] = {1, 1, 4, 1, 1, 1, 0, 0, 0};
    sim_result pre, post;
    fake(&pre, a, 9);
    fake(&post, b, 9);
    sim_pscore ps;
    char why[200];
    CHECK_INT(sim_pscore_compute(&pre, &post, &ps, why, sizeof why), 0);
    CHECK_NEAR(ps.overall, sqrt((9.0 + 3.0) / 9.0), 1e-15);
    CHECK_NEAR(ps.low, sqrt(9.0 / 3.0), 1e-15);
    CHECK_NEAR(ps.mid, 0.0, 0);
    CHECK_NEAR(ps.high, 1.0, 1e-15);
    post.freq[4] *= 1.01;   /* a different sweep is refused */
    CHECK(sim_pscore_compute(&pre, &post, &ps, why, sizeof why) != 0);
    CHECK(strstr(why, "point 4") != NULL);
    post.status = SIM_TIMEOUT;
    CHECK(sim_pscore_compute(&pre, &post, &ps, why, sizeof why) != 0);
    CHECK(strstr(why, "timeout") != NULL);
    sim_result_free(&pre);
    sim_result_free(&post);
}

TEST(pscore_osiris_is_pex_score)
{
    /* pre: positive, on the bounds, negative, zero; post against it */
    double pre[8] = {1.0, 1.0, 2.0, 2.0, -1.0, -1.0, 0.0, 0.5};
    double post[8];
    post[0] = 1.0;                          /* equal: in */
    post[1] = 1.0 * 0.9;                    /* exactly the lower bound: in */
    post[2] = 2.0 * 1.1;                    /* exactly the upper bound: in */
    post[3] = nextafter(2.0 * 1.1, 3.0);    /* just above it: out */
    post[4] = -1.0;                         /* pre < 0: the interval is empty, out */
    post[5] = -0.95;                        /* "within 10%" of a negative pre: still out */
    post[6] = 0.0;                          /* pre 0: only 0 is in */
    post[7] = 0.5 * 0.9 - 1e-9;             /* just below the lower bound: out */
    int out = -1;
    double s = 0;
    for (int i = 0; i < 8; i++) s += (pre[i] - post[i]) * (pre[i] - post[i]);
    double want = sqrt(s / 8) + 0.2 * 4;
    CHECK_NEAR(sim_pscore_osiris(pre, post, 8, &out), want, 1e-15);
    CHECK_INT(out, 4);
    /* the weight: each point out of bounds adds exactly 0.2 */
    double a[3] = {1, 1, 1}, b[3] = {1, 1, 1}, c[3] = {1, 1, 1.2};
    CHECK_NEAR(sim_pscore_osiris(a, b, 3, &out), 0.0, 0);
    CHECK_INT(out, 0);
    CHECK_NEAR(sim_pscore_osiris(a, c, 3, &out), sqrt(0.04 / 3) + 0.2, 1e-15);
    CHECK_INT(out, 1);
    /* through sim_pscore_compute: on the real parts, not the magnitudes */
    double m1[3] = {-1, 1, 1}, m2[3] = {-1, 1, 1};
    sim_result r1, r2;
    fake(&r1, m1, 3);
    fake(&r2, m2, 3);
    sim_pscore ps;
    char why[200];
    CHECK_INT(sim_pscore_compute(&r1, &r2, &ps, why, sizeof why), 0);
    CHECK_NEAR(ps.overall, 0.0, 0);
    CHECK_NEAR(ps.osiris, 0.2, 1e-15);   /* the negative point counts though equal */
    CHECK_INT(ps.osiris_out, 1);
    CHECK_NEAR(ps.osiris_rmse, 0.0, 0);
    sim_result_free(&r1);
    sim_result_free(&r2);
}

/* A first-order low-pass, R = 1 k, C = 1 uF: f_3dB = 159.15 Hz; with an
 * input AC amplitude 10 the gain crosses 0 dB at 159.15 * sqrt(99) Hz. */
static char *deck[] = {
    "* rc", "VDD vdd 0 dc 1.8", "VIN in 0 dc 0.5 ac 10", "R1 in out 1k", "C1 out 0 1u",
    "RL vdd 0 1k", ".end", NULL};
static char *cmds[] = {"op", "ac lin 1 1 1", "ac dec 50 10 1Meg"};
static char *want[] = {"frequency", "out", "vdd#branch"};

TEST(pool_runs_libngspice_and_metrics_follow)
{
    sim_pool *pool = sim_pool_new(2);
    sim_job job = {0};
    job.lines = deck;
    job.nlines = 7;
    job.commands = cmds;
    job.ncommands = 3;
    job.want = want;
    job.nwant = 3;
    job.timeout_s = 30;
    sim_job *jobs[1] = {&job};
    halo_err err;
    CHECK_INT(sim_pool_run(pool, jobs, 1, &err), 0);
    CHECK_INT(job.status, SIM_OK);
    CHECK_INT(job.nplots, 3);
    tb_deck d = {0};
    d.out_vec = "out";
    d.supply_vec = "vdd#branch";
    d.vdd = 1.8;
    d.type = TB_FILTER;
    sim_result r;
    sim_result_from_job(&d, &job, &r);
    CHECK_INT(r.status, SIM_OK);
    CHECK_NEAR(*sim_result_metric(&r, "vout_dc_V"), 0.5, 1e-9);
    CHECK_NEAR(*sim_result_metric(&r, "vdd_current_A"), -1.8e-3, 1e-12);
    CHECK_NEAR(*sim_result_metric(&r, "power_W"), 1.8 * 1.8e-3, 1e-12);
    CHECK_NEAR(*sim_result_metric(&r, "dc_gain_dB"), 20.0, 1e-3);
    double fc = 1.0 / (2 * M_PI * 1e3 * 1e-6);
    CHECK_NEAR(*sim_result_metric(&r, "f_3dB_Hz"), fc, fc * 5e-3);
    CHECK_NEAR(*sim_result_metric(&r, "ugf_Hz"), fc * sqrt(99.0), fc * sqrt(99.0) * 5e-3);
    /* phase of a single pole well past its corner: about -84 degrees */
    CHECK_NEAR(*sim_result_metric(&r, "phase_at_ugf_deg"), -atan(sqrt(99.0)) * 180 / M_PI, 0.5);
    CHECK_INT(r.npoints, 251);
    /* the real and imaginary parts are ngspice's own: 10 / (1 + j f/fc) */
    for (int i = 0; i < r.npoints; i += 50) {
        double x = r.freq[i] / fc;
        CHECK_NEAR(r.re[i], 10.0 / (1 + x * x), 1e-3 * 10.0 / (1 + x * x));
        CHECK_NEAR(r.im[i], -10.0 * x / (1 + x * x), 1e-3 * 10.0 * x / (1 + x * x));
        CHECK_NEAR(hypot(r.re[i], r.im[i]), r.mag[i], 1e-12 * r.mag[i]);
    }
    sim_result_free(&r);
    sim_job_clear(&job);
    CHECK_INT(sim_pool_spawned(pool), 1);
    sim_pool_free(pool);
}

/* "N:name" brings a vector back from command N's plot only. */
TEST(want_scoped_to_one_analysis)
{
    static char *scoped[] = {"0:out", "0:vdd#branch", "1:out", "2:frequency", "2:out"};
    sim_pool *pool = sim_pool_new(1);
    sim_job job = {0};
    job.lines = deck;
    job.nlines = 7;
    job.commands = cmds;
    job.ncommands = 3;
    job.want = scoped;
    job.nwant = 5;
    job.timeout_s = 30;
    sim_job *jobs[1] = {&job};
    halo_err err;
    CHECK_INT(sim_pool_run(pool, jobs, 1, &err), 0);
    CHECK_INT(job.status, SIM_OK);   /* each plot brought something back */
    CHECK_INT(job.nplots, 3);
    if (job.nplots == 3) {
        CHECK_INT(job.plots[0].nvecs, 2);
        CHECK(sim_plot_vector(&job.plots[0], "vdd#branch") != NULL);
        CHECK_INT(job.plots[1].nvecs, 1);
        CHECK(sim_plot_vector(&job.plots[1], "out") != NULL);
        CHECK_INT(job.plots[2].nvecs, 2);
        CHECK(sim_plot_vector(&job.plots[2], "vdd#branch") == NULL);
    }
    sim_job_clear(&job);
    sim_pool_free(pool);
}

TEST(pool_survives_a_dead_worker_and_a_deadline)
{
    sim_pool *pool = sim_pool_new(1);
    char *plain[] = {"* c", "R1 a 0 1", ".end", NULL};
    /* deck text that names a fault is a comment like any other: only the
     * job's fault field (a test hook) makes the worker fail */
    char *comment[] = {"* d", "R1 a 0 1", "*halo-fault: segv", ".end", NULL};
    sim_job a = {0}, b = {0}, c = {0}, d = {0};
    a.lines = plain;
    a.nlines = 3;
    a.commands = cmds;
    a.ncommands = 1;
    a.fault = "segv";
    b.lines = plain;
    b.nlines = 3;
    b.commands = cmds;
    b.ncommands = 1;
    b.fault = "hang";
    b.timeout_s = 0.5;
    c.lines = deck;
    c.nlines = 7;
    c.commands = cmds;
    c.ncommands = 3;
    d.lines = comment;
    d.nlines = 4;
    d.commands = cmds;
    d.ncommands = 1;
    sim_job *jobs[4] = {&a, &b, &c, &d};
    halo_err err;
    CHECK_INT(sim_pool_run(pool, jobs, 4, &err), 0);
    CHECK_INT(a.status, SIM_ERROR);
    /* signal 11, or ASan's exit status 1 in a sanitizer build */
    CHECK(strstr(a.detail, "signal 11") != NULL || strstr(a.detail, "status 1") != NULL);
    CHECK_INT(b.status, SIM_TIMEOUT);
    CHECK_INT(c.status, SIM_OK);
    CHECK_INT(d.status, SIM_OK);
    CHECK_INT(sim_pool_spawned(pool), 3);
    sim_job_clear(&a);
    sim_job_clear(&b);
    sim_job_clear(&c);
    sim_job_clear(&d);
    sim_pool_free(pool);
}

UNIT_MAIN("test_sim")
