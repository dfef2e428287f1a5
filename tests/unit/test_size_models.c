/* test_size_models.c -- the sizing models of core/size: the diffusion
 * model (ddpm.h) and the MLP baseline (size_mlp.h).
 *
 *   - finite-difference gradient checks of the DiT backbone (every
 *     parameter, with the adaLN-Zero and output zeros perturbed away so
 *     every path carries gradient) and of the MLP;
 *   - the schedule: abar strictly decreasing from below 1, abar[T-1] == 0
 *     exactly, the trailing timesteps, the v <-> (x0, eps) identities;
 *   - a generated conditional task: c in [-1,1]^2, x in R^4 with three
 *     dimensions a smooth function of c plus small noise and a fourth that
 *     is +-mu(c) with a fair coin.  A tiny model trained for about a
 *     second must sample held-out conditions with a clearly smaller error
 *     than the data mean, and cover both modes of the fourth dimension,
 *     which the MLP (the conditional mean) cannot;
 *   - classifier-free guidance against w = 0 on the same task;
 *   - save -> load -> the same samples bit for bit; truncated, garbage and
 *     inconsistent files refused with a message;
 *   - option and configuration errors;
 *   - the Bayesian-optimisation baseline's Gaussian process (size_bo.h):
 *     it interpolates what it was fitted to, is unsure far from it, and
 *     expected improvement drives a search that beats random draws of the
 *     same budget on a smooth bowl. */
#include "size/ddpm.h"
#include "size/size_bo.h"
#include "size/size_kern.h"
#include "size/size_mlp.h"
#include "base/rng.h"
#include "nn_gradcheck.h"
#include "unit.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- helpers */

static void tmp_path(char *buf, size_t n, const char *leaf)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, n, "%s/halo-size-%ld-%s", dir && *dir ? dir : "/tmp", (long)getpid(), leaf);
}

/* Perturb every weight so no gradient is structurally zero. */
static void jitter_params(nn_params *ps, halo_rng *r, float s)
{
    for (int i = 0; i < ps->n; i++)
        for (size_t k = 0; k < ps->p[i]->n; k++) ps->p[i]->w[k] += (float)(rng_normal(r) * s);
}

/* ---------------------------------------------------------------- gradient check */

typedef struct net_ctx {
    ddpm *m;
    int n;
    float *xt, *t, *c, *v, *r;
    unsigned char *drop;
} net_ctx;

static double net_loss(void *p)
{
    net_ctx *k = p;
    ddpm_net_forward(k->m, k->xt, k->t, k->c, k->drop, k->n, k->v);
    return nn_dot_loss(k->v, k->r, (size_t)k->n * ddpm_get_config(k->m)->dx);
}

static void small_config(ddpm_config *c)
{
    ddpm_config_default(c);
    c->dx = 3;
    c->dc = 2;
    c->d_model = 8;
    c->depth = 2;
    c->heads = 2;
    c->mlp_ratio = 2;
    c->T = 50;
}

/* Worst relative error of the backbone's gradients for one activation. */
static double backbone_gradcheck(nn_act act, char *where, size_t wlen)
{
    ddpm_config cfg;
    small_config(&cfg);
    cfg.act = act;
    halo_err err;
    ddpm *m = ddpm_new(&cfg, 7, &err);
    if (!m) return 1;
    halo_rng r;
    rng_seed(&r, 11);
    nn_params *ps = ddpm_params(m);
    jitter_params(ps, &r, 0.2f);
    enum { N = 3 };
    float xt[N * 3], t[N] = {3, 17, 49}, c[N * 2], v[N * 3], rr[N * 3];
    unsigned char drop[N] = {0, 1, 0};
    for (int i = 0; i < N * 3; i++) xt[i] = (float)rng_normal(&r), rr[i] = (float)rng_normal(&r);
    for (int i = 0; i < N * 2; i++) c[i] = (float)rng_normal(&r);
    net_ctx k = {m, N, xt, t, c, v, rr, drop};
    nn_params_zero_grad(ps);
    net_loss(&k);
    ddpm_net_backward(m, rr);
    double worst = 0;
    for (int i = 0; i < ps->n; i++) {
        nn_param *p = ps->p[i];
        double e = nn_gradcheck(net_loss, &k, p->w, p->g, p->n, 1e-2f, 24);
        if (e > worst) worst = e, snprintf(where, wlen, "%s", p->name);
    }
    ddpm_free(m);
    return worst;
}

TEST(ddpm_backbone_gradcheck)
{
    /* float32 forward passes, weights jittered by 0.2: the worst error
       seen is 3e-3 (curvature over eps = 1e-2 and float rounding, as in
       test_nn_norm's attention checks); a wrong term gives 1e-1 or more */
    /* (ReLU's kink defeats central differences: SiLU and GELU only) */
    const nn_act acts[] = {NN_SILU, NN_GELU};
    for (int a = 0; a < 2; a++) {
        char where[128] = "";
        double worst = backbone_gradcheck(acts[a], where, sizeof where);
        if (!(worst < 1e-2) || getenv("SIZE_VERBOSE"))
            printf("    %s: worst gradient error %.3g in %s\n", nn_act_name(acts[a]), worst, where);
        CHECK(worst < 1e-2);
    }
    ddpm_config cfg;
    small_config(&cfg);
    halo_err err;
    ddpm *m = ddpm_new(&cfg, 7, &err);
    nn_params *ps = ddpm_params(m);
    CHECK_INT(ps->n, 11 + 10 * 2 + 4);
    CHECK(ddpm_config_params(&cfg) == (double)nn_params_count(ps));
    CHECK(nn_params_find(ps, "blocks.1.adaLN_modulation.1.weight") && nn_params_find(ps, "blocks.0.attn.in_proj_weight") &&
          nn_params_find(ps, "final_layer.linear.bias") && nn_params_find(ps, "y_embedder.null_embedding"));
    ddpm_free(m);
}

/* The sampling forward agrees with the training forward, rows of equal
 * and of different conditioning mixed. */
TEST(ddpm_infer_matches_forward)
{
    ddpm_config cfg;
    small_config(&cfg);
    halo_err err;
    ddpm *m = ddpm_new(&cfg, 9, &err);
    halo_rng r;
    rng_seed(&r, 12);
    jitter_params(ddpm_params(m), &r, 0.3f);
    enum { N = 7 };
    float xt[N * 3], t[N] = {5, 5, 5, 5, 9, 9, 49}, c[N * 2], a[N * 3], b[N * 3];
    unsigned char drop[N] = {0, 0, 1, 1, 0, 0, 1};
    for (int i = 0; i < N * 3; i++) xt[i] = (float)rng_normal(&r);
    for (int i = 0; i < N * 2; i++) c[i] = (float)rng_normal(&r);
    memcpy(c + 2, c, 2 * sizeof *c);   /* rows 0, 1 alike */
    for (int pass = 0; pass < 2; pass++) {
        const float *cc = pass ? NULL : c;
        ddpm_net_forward(m, xt, t, cc, drop, N, a);
        ddpm_net_infer(m, xt, t, cc, drop, N, b);
        double worst = 0, scale = 0;
        for (int i = 0; i < N * 3; i++) worst = fmax(worst, fabs(a[i] - b[i])), scale = fmax(scale, fabs(a[i]));
        if (!(worst < 1e-4 * (1 + scale))) printf("    infer vs forward: %.3g (|v| up to %.3g)\n", worst, scale);
        CHECK(worst < 1e-4 * (1 + scale));
        CHECK(scale > 0.1);
    }
    ddpm_free(m);
}

/* The vector kernels against double-precision libm. */
TEST(kernels_match_libm)
{
    enum { N = 4003 };   /* not a multiple of 4: the tail path too */
    static float x[N], y[N], g[N], one[N];
    for (int i = 0; i < N; i++) x[i] = -20.0f + 40.0f * i / (N - 1), one[i] = 1.0f;
    double we = 0;
    for (int a = 0; a < 2; a++) {
        nn_act act = a ? NN_GELU : NN_SILU;
        size_act_forward(act, x, N, y);
        size_act_backward(act, x, y, one, N, g);
        for (int i = 0; i < N; i++) {
            double v = x[i], f, d;
            if (act == NN_SILU) {
                double s = 1 / (1 + exp(-v));
                f = v * s, d = s * (1 + v * (1 - s));
            } else {
                double P = 0.5 * (1 + erf(v / sqrt(2.0)));
                f = v * P, d = P + v * exp(-0.5 * v * v) / sqrt(2 * M_PI);
            }
            we = fmax(we, fabs(y[i] - f) / (1 + fabs(f)));
            we = fmax(we, fabs(g[i] - d) / (1 + fabs(d)));
        }
    }
    if (!(we < 1e-6)) printf("    activation error %.3g\n", we);
    CHECK(we < 1e-6);
    double wx = 0;
    for (int i = 0; i < N; i++) y[i] = -80.0f + 160.0f * i / (N - 1);
    memcpy(g, y, sizeof g);
    size_exp_inplace(y, N);
    for (int i = 0; i < N; i++) wx = fmax(wx, fabs(y[i] - exp((double)g[i])) / exp((double)g[i]));
    if (!(wx < 3e-7)) printf("    exp error %.3g\n", wx);
    CHECK(wx < 3e-7);
    /* a value's result does not depend on where it sits */
    float t5[5] = {0.3f, -1.2f, 2.5f, 7.0f, -0.01f}, t1;
    size_act_forward(NN_SILU, t5, 5, y);
    size_act_forward(NN_SILU, t5 + 4, 1, &t1);
    CHECK(t1 == y[4]);
}

typedef struct mlp_ctx {
    size_mlp *m;
    int n;
    float *c, *y, *r;
} mlp_ctx;

static double mlp_loss(void *p)
{
    mlp_ctx *k = p;
    size_mlp_forward(k->m, k->c, k->n, k->y);
    return nn_dot_loss(k->y, k->r, (size_t)k->n * size_mlp_get_config(k->m)->dx);
}

TEST(mlp_gradcheck)
{
    size_mlp_config cfg;
    size_mlp_config_default(&cfg);
    cfg.dc = 3;
    cfg.dx = 2;
    cfg.hidden = 6;
    cfg.layers = 3;
    halo_err err;
    size_mlp *m = size_mlp_new(&cfg, 3, &err);
    CHECK(m != NULL);
    if (!m) return;
    halo_rng r;
    rng_seed(&r, 5);
    enum { N = 4 };
    float c[N * 3], y[N * 2], rr[N * 2];
    for (int i = 0; i < N * 3; i++) c[i] = (float)rng_normal(&r);
    for (int i = 0; i < N * 2; i++) rr[i] = (float)rng_normal(&r);
    mlp_ctx k = {m, N, c, y, rr};
    nn_params *ps = size_mlp_params(m);
    nn_params_zero_grad(ps);
    mlp_loss(&k);
    size_mlp_backward(m, rr);
    double worst = 0;
    for (int i = 0; i < ps->n; i++) {
        double e = nn_gradcheck(mlp_loss, &k, ps->p[i]->w, ps->p[i]->g, ps->p[i]->n, 1e-2f, 0);
        if (e > worst) worst = e;
    }
    if (!(worst < 1e-2)) printf("    worst gradient error %.3g\n", worst);
    CHECK(worst < 1e-2);
    /* the input's gradient (size -refine moves a sizing by it) */
    float dc[N * 3];
    mlp_loss(&k);
    size_mlp_input_grad(m, rr, dc);
    double e_in = nn_gradcheck(mlp_loss, &k, c, dc, N * 3, 1e-2f, 0);
    if (!(e_in < 1e-2)) printf("    worst input gradient error %.3g\n", e_in);
    CHECK(e_in < 1e-2);
    CHECK(nn_params_find(ps, "net.0.weight") && nn_params_find(ps, "net.4.bias") && nn_params_find(ps, "net.6.weight"));
    CHECK(size_mlp_config_params(&cfg) == (double)nn_params_count(ps));
    size_mlp_free(m);
}

/* ---------------------------------------------------------------- schedule */

TEST(schedule_zero_terminal_snr)
{
    enum { T = 1000 };
    static double ab[T];
    CHECK_INT(ddpm_schedule(T, ab), 0);
    CHECK(ab[0] < 1 && ab[0] > 0.999);
    int decreasing = 1;
    for (int t = 1; t < T; t++)
        if (!(ab[t] < ab[t - 1])) decreasing = 0;
    CHECK(decreasing);
    CHECK(ab[T - 1] == 0.0);
    CHECK(ab[T - 2] > 0);
    /* the cosine shape survives the rescale: half the signal variance is
       gone near the middle of the schedule */
    CHECK(ab[T / 2] > 0.3 && ab[T / 2] < 0.7);
    CHECK_INT(ddpm_schedule(1, ab), -1);

    int ts[T];
    CHECK_INT(ddpm_timesteps(T, 50, ts), 50);
    CHECK_INT(ts[0], T - 1);
    CHECK_INT(ts[1], T - 21);
    CHECK_INT(ts[49], 19);
    CHECK_INT(ddpm_timesteps(10, 50, ts), 10);
    CHECK_INT(ts[9], 0);
    CHECK_INT(ddpm_timesteps(T, 1, ts), 1);
    CHECK_INT(ts[0], T - 1);
}

TEST(v_parametrisation_identities)
{
    halo_rng r;
    rng_seed(&r, 3);
    float x0[8], eps[8], xt[8], v[8], x0b[8], epsb[8];
    for (int i = 0; i < 8; i++) x0[i] = (float)rng_normal(&r), eps[i] = (float)rng_normal(&r);
    const double abars[] = {0.9999, 0.5, 0.01, 0.0};
    for (int k = 0; k < 4; k++) {
        double a = sqrt(abars[k]), s = sqrt(1 - abars[k]);
        ddpm_q_sample(abars[k], x0, eps, 8, xt, v);
        ddpm_from_v(abars[k], xt, v, 8, x0b, epsb);
        for (int i = 0; i < 8; i++) {
            CHECK_NEAR(xt[i], a * x0[i] + s * eps[i], 1e-6);
            CHECK_NEAR(v[i], a * eps[i] - s * x0[i], 1e-6);
            CHECK_NEAR(x0b[i], x0[i], 1e-5);
            CHECK_NEAR(epsb[i], eps[i], 1e-5);
            /* |v|^2 + |x_t|^2 = |eps|^2 + |x0|^2: a rotation */
            CHECK_NEAR(v[i] * v[i] + xt[i] * xt[i], eps[i] * eps[i] + x0[i] * x0[i], 1e-4);
        }
    }
    /* at zero SNR the input is the noise and v is -x0 */
    ddpm_q_sample(0.0, x0, eps, 8, xt, v);
    CHECK(xt[2] == eps[2] && v[2] == -x0[2]);
}

/* ---------------------------------------------------------------- the task */

#define TASK_DC 2
#define TASK_DX 4
#define NTRAIN 2000
#define NTEST 40
#define PER_C 32
#define TASK_STEPS 600

static float mode_mu(const float *c)
{
    return 1.0f + 0.3f * c[0];
}

/* The noise-free sizing of c in dims 0..2. */
static void task_f(const float *c, float *x)
{
    x[0] = sinf(2.0f * c[0]) + 0.5f * c[1];
    x[1] = 1.5f * c[0] * c[1] + 0.3f * c[0];
    x[2] = tanhf(2.0f * c[1]) - 0.5f * c[0] * c[0] + 0.2f;
}

static void task_data(int n, uint64_t seed, float *c, float *x)
{
    halo_rng r;
    rng_seed(&r, seed);
    for (int i = 0; i < n; i++) {
        float *ci = c + (size_t)i * TASK_DC, *xi = x + (size_t)i * TASK_DX;
        ci[0] = (float)(2 * rng_uniform(&r) - 1);
        ci[1] = (float)(2 * rng_uniform(&r) - 1);
        task_f(ci, xi);
        for (int j = 0; j < 3; j++) xi[j] += (float)(0.05 * rng_normal(&r));
        xi[3] = (rng_uniform(&r) < 0.5 ? -1.0f : 1.0f) * mode_mu(ci) + (float)(0.05 * rng_normal(&r));
    }
}

typedef struct task_score {
    double err;               /* RMS error of dims 0..2 per sample, averaged */
    double mode_dist;         /* mean distance of dim 3 to the nearer mode */
    double both_modes;        /* share of conditions whose samples hit each mode at least 20 % */
} task_score;

/* Score samples [NTEST][per][TASK_DX] of the test conditions. */
static task_score score(const float *ctest, const float *xs, int per)
{
    task_score s = {0, 0, 0};
    for (int i = 0; i < NTEST; i++) {
        float f[3];
        const float *ci = ctest + (size_t)i * TASK_DC;
        task_f(ci, f);
        int pos = 0;
        for (int k = 0; k < per; k++) {
            const float *x = xs + ((size_t)i * per + k) * TASK_DX;
            double e = 0;
            for (int j = 0; j < 3; j++) e += (x[j] - f[j]) * (x[j] - f[j]);
            s.err += sqrt(e / 3);
            float mu = mode_mu(ci);
            s.mode_dist += fmin(fabs(x[3] - mu), fabs(x[3] + mu));
            pos += x[3] > 0;
        }
        s.both_modes += pos >= 0.2 * per && pos <= 0.8 * per;
    }
    s.err /= NTEST * per;
    s.mode_dist /= NTEST * per;
    s.both_modes /= NTEST;
    return s;
}

/* The baseline: the training data's mean for every condition. */
static task_score mean_baseline(const float *x, const float *ctest)
{
    double mean[TASK_DX] = {0};
    for (int i = 0; i < NTRAIN; i++)
        for (int j = 0; j < TASK_DX; j++) mean[j] += x[(size_t)i * TASK_DX + j] / NTRAIN;
    float *xs = malloc(sizeof(float) * NTEST * TASK_DX);
    for (int i = 0; i < NTEST; i++)
        for (int j = 0; j < TASK_DX; j++) xs[i * TASK_DX + j] = (float)mean[j];
    task_score s = score(ctest, xs, 1);
    free(xs);
    return s;
}

/* One trained tiny model shared by the task tests (training is the slow
 * part). */
static struct {
    int ready;
    ddpm *m;
    float c[NTRAIN * TASK_DC], x[NTRAIN * TASK_DX], ctest[NTEST * TASK_DC], xtest[NTEST * TASK_DX];
    ddpm_train_stats st;
    int progress_calls, last_step;
} task;

static void count_progress(void *ctx, int step, int nsteps, double loss)
{
    (void)nsteps;
    (void)loss;
    int *calls = ctx;
    calls[0]++;
    calls[1] = step;
}

static void tiny_config(ddpm_config *c)
{
    ddpm_config_default(c);
    c->dx = TASK_DX;
    c->dc = TASK_DC;
    c->d_model = 32;
    c->depth = 2;
    c->heads = 2;
    c->mlp_ratio = 2;
}

static ddpm *task_model(void)
{
    if (task.ready) return task.m;
    task.ready = 1;
    task_data(NTRAIN, 1, task.c, task.x);
    task_data(NTEST, 99, task.ctest, task.xtest);
    ddpm_config cfg;
    tiny_config(&cfg);
    halo_err err;
    task.m = ddpm_new(&cfg, 1, &err);
    if (!task.m) return NULL;
    ddpm_train_opts o;
    ddpm_train_opts_default(&o);
    o.steps = TASK_STEPS;
    o.batch = 64;
    o.lr = 2e-3f;
    o.val_x = task.xtest;
    o.val_c = task.ctest;
    o.nval = NTEST;
    int calls[2] = {0, 0};
    o.progress = count_progress;
    o.ctx = calls;
    if (ddpm_train(task.m, task.x, task.c, NTRAIN, &o, &task.st, &err) != 0) {
        ddpm_free(task.m);
        task.m = NULL;
    }
    task.progress_calls = calls[0];
    task.last_step = calls[1];
    return task.m;
}

/* Samples of every test condition with the given sampler options. */
static task_score score_sampler(ddpm *m, float w, float eta, float clip)
{
    float *cs = malloc(sizeof(float) * NTEST * PER_C * TASK_DC), *xs = malloc(sizeof(float) * NTEST * PER_C * TASK_DX);
    for (int i = 0; i < NTEST * PER_C; i++) memcpy(cs + (size_t)i * TASK_DC, task.ctest + i / PER_C * TASK_DC, sizeof(float) * TASK_DC);
    ddpm_sample_opts so;
    ddpm_sample_opts_default(&so);
    so.guidance = w;
    so.eta = eta;
    so.clip = clip;
    so.seed = 5;
    halo_err err;
    task_score s = {1e9, 1e9, 0};
    if (ddpm_sample(m, cs, NTEST * PER_C, NTEST * PER_C, &so, xs, &err) == 0) s = score(task.ctest, xs, PER_C);
    float mx = 0;
    for (int i = 0; i < NTEST * PER_C * TASK_DX; i++) mx = fmaxf(mx, fabsf(xs[i]));
    if (clip > 0 && mx > clip) s.err = 1e9;   /* the last step returns the clamped x0 */
    free(cs);
    free(xs);
    return s;
}

TEST(ddpm_learns_the_conditional_task)
{
    ddpm *m = task_model();
    CHECK(m != NULL);
    if (!m) return;
    CHECK_INT(task.st.steps, TASK_STEPS);
    CHECK(task.progress_calls >= 100 && task.progress_calls <= 101);
    CHECK_INT(task.last_step, TASK_STEPS);
    CHECK(task.st.val_loss > 0 && task.st.val_loss < 1);
    task_score d = score_sampler(m, 0, 0, 0), b = mean_baseline(task.x, task.ctest);
    printf("    ddpm (w=0, %.1f s training, loss %.3f, val %.3f): error %.3f vs mean baseline %.3f; "
           "mode distance %.3f, both modes hit for %.0f %% of conditions\n",
           task.st.seconds, task.st.loss, task.st.val_loss, d.err, b.err, d.mode_dist, 100 * d.both_modes);
    CHECK(d.err < 0.5 * b.err);
    CHECK(d.mode_dist < 0.3);
    CHECK(d.both_modes >= 0.8);
}

TEST(ddpm_guidance_and_samplers)
{
    ddpm *m = task_model();
    if (!m) return;
    task_score s0 = score_sampler(m, 0, 0, 0), s1 = score_sampler(m, 1, 0, 0), s3 = score_sampler(m, 3, 0, 0);
    task_score anc = score_sampler(m, 1, 1, 0), clip = score_sampler(m, 1, 0, 1.2f);
    printf("    guidance (DDIM): error w=0 %.3f, w=1 %.3f, w=3 %.3f; mode distance %.3f %.3f %.3f\n", s0.err, s1.err,
           s3.err, s0.mode_dist, s1.mode_dist, s3.mode_dist);
    printf("    w=1 ancestral (eta 1): error %.3f, mode distance %.3f; DDIM with x0 clipped to 1.2: error %.3f\n",
           anc.err, anc.mode_dist, clip.err);
    /* measured: guidance w = 1 lowers the error of the smooth part by a
       third and keeps both modes; w = 3 overshoots but still beats w = 0 */
    CHECK(s1.err < s0.err);
    CHECK(s3.err < s0.err);
    CHECK(s1.both_modes >= 0.8 && s3.both_modes >= 0.8);
    CHECK(anc.err < 0.3 * mean_baseline(task.x, task.ctest).err && anc.both_modes >= 0.8);
    CHECK(clip.err < 0.3 * mean_baseline(task.x, task.ctest).err);
}

/* Same seed, same weights: training twice gives the same bits. */
TEST(training_is_deterministic)
{
    task_model();   /* the data */
    ddpm_config cfg;
    small_config(&cfg);
    cfg.dx = TASK_DX;
    cfg.dc = TASK_DC;
    halo_err err;
    ddpm_train_opts o;
    ddpm_train_opts_default(&o);
    o.steps = 20;
    o.batch = 32;
    ddpm_train_stats st;
    ddpm *a = ddpm_new(&cfg, 3, &err), *b = ddpm_new(&cfg, 3, &err);
    ddpm_train(a, task.x, task.c, NTRAIN, &o, &st, &err);
    ddpm_train(b, task.x, task.c, NTRAIN, &o, &st, &err);
    nn_params *pa = ddpm_params(a), *pb = ddpm_params(b);
    int same = 1;
    for (int i = 0; i < pa->n; i++) same &= memcmp(pa->p[i]->w, pb->p[i]->w, pa->p[i]->n * sizeof(float)) == 0;
    CHECK(same);
    ddpm_free(a);
    ddpm_free(b);
    size_mlp_config mc;
    size_mlp_config_default(&mc);
    mc.dc = TASK_DC;
    mc.dx = TASK_DX;
    mc.hidden = 16;
    size_train_opts mo;
    size_mlp_train_opts_default(&mo);
    mo.steps = 20;
    size_train_stats ms;
    size_mlp *ma = size_mlp_new(&mc, 3, &err), *mb = size_mlp_new(&mc, 3, &err);
    size_mlp_train(ma, task.x, task.c, NTRAIN, &mo, &ms, &err);
    size_mlp_train(mb, task.x, task.c, NTRAIN, &mo, &ms, &err);
    pa = size_mlp_params(ma);
    pb = size_mlp_params(mb);
    for (int i = 0; i < pa->n; i++) same &= memcmp(pa->p[i]->w, pb->p[i]->w, pa->p[i]->n * sizeof(float)) == 0;
    CHECK(same);
    size_mlp_free(ma);
    size_mlp_free(mb);
}

TEST(mlp_learns_the_unimodal_part_only)
{
    task_model();   /* the data */
    size_mlp_config cfg;
    size_mlp_config_default(&cfg);
    cfg.dc = TASK_DC;
    cfg.dx = TASK_DX;
    cfg.hidden = 64;
    cfg.layers = 2;
    halo_err err;
    size_mlp *m = size_mlp_new(&cfg, 1, &err);
    CHECK(m != NULL);
    if (!m) return;
    size_train_opts o;
    size_mlp_train_opts_default(&o);
    o.steps = 1500;
    size_train_stats st;
    CHECK_INT(size_mlp_train(m, task.x, task.c, NTRAIN, &o, &st, &err), 0);
    float xs[NTEST * TASK_DX];
    size_mlp_predict(m, task.ctest, NTEST, xs);
    task_score s = score(task.ctest, xs, 1), b = mean_baseline(task.x, task.ctest);
    printf("    mlp (%.2f s): error %.3f vs mean baseline %.3f; mode distance %.3f\n", st.seconds, s.err, b.err,
           s.mode_dist);
    CHECK(s.err < 0.5 * b.err);
    CHECK(s.mode_dist > 0.6);   /* it predicts between the modes */
    CHECK(s.both_modes == 0);

    char path[512];
    tmp_path(path, sizeof path, "mlp.safetensors");
    nn_meta extra = {0}, meta;
    nn_meta_set(&extra, "x_mean", "0 0 0 0");
    CHECK_INT(size_mlp_save(m, path, &extra, &err), 0);
    size_mlp *l = size_mlp_load(path, &meta, &err);
    CHECK(l != NULL);
    if (l) {
        float ys[NTEST * TASK_DX];
        size_mlp_predict(l, task.ctest, NTEST, ys);
        CHECK(memcmp(xs, ys, sizeof xs) == 0);
        CHECK_STR(nn_meta_get(&meta, "x_mean"), "0 0 0 0");
        CHECK_STR(nn_meta_get(&meta, "act"), "silu");
        nn_meta_free(&meta);
        size_mlp_free(l);
    }
    /* a ddpm file is not an MLP */
    CHECK(ddpm_load(path, NULL, &err) == NULL && err.id == HALO_E_SZM_FILE);
    unlink(path);
    nn_meta_free(&extra);
    size_mlp_free(m);
}

/* ---------------------------------------------------------------- files */

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

TEST(ddpm_save_load_same_samples)
{
    ddpm_config cfg;
    small_config(&cfg);
    halo_err err;
    ddpm *m = ddpm_new(&cfg, 4, &err);
    halo_rng r;
    rng_seed(&r, 8);
    jitter_params(ddpm_params(m), &r, 0.2f);
    char path[512];
    tmp_path(path, sizeof path, "ddpm.safetensors");
    nn_meta extra = {0}, meta;
    nn_meta_set(&extra, "blocks", "dp1 cm2");
    nn_meta_set(&extra, "x_std", "1.5 2 3");
    CHECK_INT(ddpm_save(m, path, &extra, &err), 0);
    ddpm *l = ddpm_load(path, &meta, &err);
    CHECK(l != NULL);
    if (!l) {
        printf("    %s\n", err.msg);
        return;
    }
    CHECK_STR(nn_meta_get(&meta, "blocks"), "dp1 cm2");
    CHECK_STR(nn_meta_get(&meta, "format"), "halo-ddpm-1");
    CHECK_STR(nn_meta_get(&meta, "depth"), "2");
    CHECK(memcmp(ddpm_get_config(l), &cfg, sizeof cfg) == 0);
    float c[2] = {0.3f, -0.7f}, a[10 * 3], b[10 * 3], a5[5 * 3];
    ddpm_sample_opts so;
    ddpm_sample_opts_default(&so);
    so.steps = 20;
    so.eta = 1.0f;
    so.seed = 77;
    CHECK_INT(ddpm_sample(m, c, 1, 10, &so, a, &err), 0);
    CHECK_INT(ddpm_sample(l, c, 1, 10, &so, b, &err), 0);
    CHECK(memcmp(a, b, sizeof a) == 0);
    /* sample i does not depend on how many follow it */
    CHECK_INT(ddpm_sample(l, c, 1, 5, &so, a5, &err), 0);
    /* (to rounding: BLAS may block a product of 10 rows unlike one of 5) */
    for (int i = 0; i < 5 * 3; i++) CHECK_NEAR(a5[i], a[i], 1e-5);
    so.seed = 78;
    CHECK_INT(ddpm_sample(l, c, 1, 10, &so, b, &err), 0);
    CHECK(memcmp(a, b, sizeof a) != 0);

    /* a reserved key is refused */
    nn_meta_set(&extra, "depth", "9");
    CHECK(ddpm_save(m, path, &extra, &err) != 0 && err.id == HALO_E_SZM_VALUE);
    nn_meta_free(&extra);
    nn_meta_free(&meta);
    ddpm_free(l);
    ddpm_free(m);
    unlink(path);
}

/* Re-encode m's weights with one metadata value changed; load must refuse. */
static int load_with_meta(ddpm *m, const char *key, const char *value, halo_err *err)
{
    char path[512];
    tmp_path(path, sizeof path, "edit.safetensors");
    ddpm_save(m, path, NULL, err);
    size_t len;
    unsigned char *buf = read_all(path, &len);
    nn_params ps;
    nn_meta meta = {0};
    nn_params_init(&ps);
    nn_safetensors_parse(buf, len, path, &ps, &meta, err);
    if (value) nn_meta_set(&meta, key, value);
    else {
        /* drop the tensor named key */
        for (int i = 0; i < ps.n; i++)
            if (strcmp(ps.p[i]->name, key) == 0) {
                ps.p[i]->name[0] = '_';
            }
    }
    unsigned char *out;
    size_t olen;
    nn_safetensors_encode(&ps, &meta, &out, &olen);
    ddpm *l = ddpm_load_buffer(out, olen, "edited", NULL, err);
    int ok = l != NULL;
    ddpm_free(l);
    free(out);
    free(buf);
    nn_params_free(&ps);
    nn_meta_free(&meta);
    unlink(path);
    return ok;
}

TEST(ddpm_load_refuses_bad_files)
{
    ddpm_config cfg;
    small_config(&cfg);
    halo_err err;
    ddpm *m = ddpm_new(&cfg, 4, &err);
    char path[512];
    tmp_path(path, sizeof path, "bad.safetensors");
    CHECK_INT(ddpm_save(m, path, NULL, &err), 0);
    size_t len;
    unsigned char *buf = read_all(path, &len);
    /* every truncation is refused without a crash */
    int refused = 0, tried = 0;
    for (size_t cut = 0; cut < len; cut += len / 97 + 1, tried++) {
        ddpm *l = ddpm_load_buffer(buf, cut, "cut", NULL, &err);
        refused += l == NULL && err.msg[0];
        ddpm_free(l);
    }
    CHECK_INT(refused, tried);
    const unsigned char junk[] = "\x10\0\0\0\0\0\0\0{\"a\":1}        garbage";
    CHECK(ddpm_load_buffer(junk, sizeof junk, "junk", NULL, &err) == NULL);
    ddpm *good = ddpm_load(path, NULL, &err);
    CHECK(good != NULL);
    ddpm_free(good);

    CHECK(!load_with_meta(m, "depth", "3", &err));        /* more blocks than tensors */
    CHECK(strstr(err.msg, "weights its configuration needs") != NULL);
    CHECK(!load_with_meta(m, "depth", "100000", &err));   /* out of range */
    CHECK(!load_with_meta(m, "heads", "3", &err));        /* d_model 8 % 3 */
    CHECK(!load_with_meta(m, "dx", "x3", &err));
    CHECK(!load_with_meta(m, "act", "softmax", &err));
    CHECK(!load_with_meta(m, "format", "halo-ddpm-0", &err));
    CHECK(!load_with_meta(m, "prediction", "eps", &err));
    /* same count of weights, shapes swapped: dx 3 dc 2 -> dx 2 dc 3 */
    CHECK(!load_with_meta(m, "dx", "2", &err));
    CHECK(!load_with_meta(m, "pos_embed", NULL, &err));   /* a tensor renamed */
    CHECK(strstr(err.msg, "pos_embed") != NULL);
    CHECK(load_with_meta(m, "p_uncond", "0.2", &err));    /* harmless change loads */
    CHECK(ddpm_load("/nonexistent/x.safetensors", NULL, &err) == NULL && err.msg[0]);
    free(buf);
    unlink(path);
    ddpm_free(m);
}

/* ---------------------------------------------------------------- errors */

TEST(configuration_and_option_errors)
{
    ddpm_config cfg;
    small_config(&cfg);
    halo_err err;
    cfg.heads = 3;
    CHECK(ddpm_new(&cfg, 1, &err) == NULL && err.id == HALO_E_SZM_VALUE);
    CHECK(strstr(err.msg, "d_model") != NULL);
    small_config(&cfg);
    cfg.dx = 0;
    CHECK(ddpm_new(&cfg, 1, &err) == NULL);
    small_config(&cfg);
    cfg.d_model = 1024;
    cfg.depth = 32;
    CHECK(ddpm_new(&cfg, 1, &err) == NULL && strstr(err.msg, "50 million"));
    small_config(&cfg);
    ddpm *m = ddpm_new(&cfg, 1, &err);
    float x[6] = {0}, c[4] = {0}, out[6];
    ddpm_train_opts o;
    ddpm_train_opts_default(&o);
    ddpm_train_stats st;
    o.batch = 0;
    CHECK(ddpm_train(m, x, c, 2, &o, &st, &err) != 0 && strstr(err.msg, "batch"));
    ddpm_train_opts_default(&o);
    x[1] = NAN;
    CHECK(ddpm_train(m, x, c, 2, &o, &st, &err) != 0 && err.id == HALO_E_SZM_DATA);
    ddpm_sample_opts so;
    ddpm_sample_opts_default(&so);
    CHECK(ddpm_sample(m, c, 2, 3, &so, out, &err) != 0);   /* nc neither 1 nor 3 */
    so.steps = 51;
    CHECK(ddpm_sample(m, c, 1, 2, &so, out, &err) != 0);   /* T is 50 */
    so.steps = 50;
    CHECK_INT(ddpm_sample(m, NULL, 0, 2, &so, out, &err), 0);   /* unconditional */
    ddpm_free(m);
}

/* f on [-2, 2]^2: smooth, one bump and a slope. */
static double gp_test_f(const double *u)
{
    return sin(1.5 * u[0]) + 0.5 * u[1] * u[1];
}

TEST(gp_interpolates_and_is_unsure_far_away)
{
    enum { N = 40, D = 2 };
    double u[N * D], y[N];
    halo_rng rng;
    rng_seed(&rng, 11);
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < D; k++) u[i * D + k] = 4 * rng_uniform(&rng) - 2;
        y[i] = gp_test_f(u + i * D);
    }
    size_gp gp;
    CHECK(size_gp_fit(&gp, u, y, N, D) == 0);
    CHECK(gp.noise <= 1e-2);   /* noiseless data: the likelihood picks little noise */
    double mean[N], sd[N], worst = 0, sd_in = 0;
    size_gp_predict(&gp, u, N, mean, sd);
    for (int i = 0; i < N; i++) {
        worst = fmax(worst, fabs(mean[i] - y[i]));
        sd_in = fmax(sd_in, sd[i]);
    }
    CHECK(worst < 0.1);
    /* between the points: close to f on a held-out grid */
    double q[25 * D], qm[25], qs[25], err = 0;
    for (int i = 0; i < 25; i++) q[i * D] = -1.5 + 0.75 * (i % 5), q[i * D + 1] = -1.5 + 0.75 * (i / 5);
    size_gp_predict(&gp, q, 25, qm, qs);
    for (int i = 0; i < 25; i++) err = fmax(err, fabs(qm[i] - gp_test_f(q + i * D)));
    CHECK(err < 0.25);
    /* far away: back to the mean, as unsure as the prior */
    double far[D] = {40, -40}, fm, fs;
    size_gp_predict(&gp, far, 1, &fm, &fs);
    CHECK(fabs(fm - gp.ymean) < 1e-6 && fs > 5 * sd_in && fabs(fs - gp.ystd) < 1e-3 * gp.ystd);
    size_gp_free(&gp);
    /* expected improvement: certain gain, zero when certain of none, grows with doubt */
    CHECK(fabs(size_expected_improvement(1.0, 0.0, 1.5) - 0.5) < 1e-12);
    CHECK(size_expected_improvement(2.0, 0.0, 1.5) == 0);
    CHECK(size_expected_improvement(2.0, 1.0, 1.5) > size_expected_improvement(2.0, 0.1, 1.5));
    CHECK(size_expected_improvement(2.0, 0.1, 1.5) > 0);
}

/* A bowl in [-1, 1]^4 with its bottom off centre. */
static double bowl(const double *u)
{
    static const double c[4] = {0.3, -0.5, 0.1, 0.6};
    double s = 0;
    for (int k = 0; k < 4; k++) s += (u[k] - c[k]) * (u[k] - c[k]);
    return s;
}

/* Best value of BUDGET evaluations: 8 random, then BUDGET - 8 rounds of
 * the GP and expected improvement over 512 random candidates (bo), or all
 * random (!bo). */
static double search_bowl(int bo, uint64_t seed)
{
    enum { D = 4, BUDGET = 30, CANDS = 512 };
    double u[BUDGET * D], y[BUDGET], cu[CANDS * D], m[CANDS], sd[CANDS];
    halo_rng rng;
    rng_seed(&rng, seed);
    double best = INFINITY;
    for (int n = 0; n < BUDGET; n++) {
        double *p = u + n * D;
        size_gp gp;
        if (bo && n >= 8 && size_gp_fit(&gp, u, y, n, D) == 0) {
            for (int i = 0; i < CANDS * D; i++) cu[i] = 2 * rng_uniform(&rng) - 1;
            size_gp_predict(&gp, cu, CANDS, m, sd);
            size_gp_free(&gp);
            int pick = size_best_improvement(m, sd, CANDS, best);
            memcpy(p, cu + pick * D, sizeof *p * D);
        } else {
            for (int k = 0; k < D; k++) p[k] = 2 * rng_uniform(&rng) - 1;
        }
        y[n] = bowl(p);
        best = fmin(best, y[n]);
    }
    return best;
}

TEST(gp_search_beats_random_draws_of_the_same_budget)
{
    double sb = 0, sr = 0;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        sb += search_bowl(1, seed);
        sr += search_bowl(0, seed);
    }
    printf("    bowl, best of 30 evaluations (mean of 5 seeds): GP + EI %.4f, random %.4f\n", sb / 5, sr / 5);
    CHECK(sb < 0.5 * sr);
}

UNIT_MAIN("test_size_models")
