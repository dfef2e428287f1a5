/*
 * ddpm.c -- the sizing diffusion model's schedule, life, training,
 * sampling and model file (ddpm.h); the backbone is in ddpm_net.c.
 */
#include "ddpm_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "nn/nn_train.h"
#include "size_util.h"

#define FORMAT "halo-ddpm-1"

/* ---------------------------------------------------------------- configuration */

void ddpm_config_default(ddpm_config *c)
{
    memset(c, 0, sizeof *c);
    c->d_model = 64;
    c->depth = 3;
    c->heads = 4;
    c->mlp_ratio = 4;
    c->T = 1000;
    c->p_uncond = 0.1f;
    c->act = NN_SILU;
}

static int bad_act(halo_err *err, const char *what, nn_act a, const char *expected)
{
    return halo_err_set(err, HALO_E_SZM_VALUE, NULL, 0, what, nn_act_name(a), expected);
}

int ddpm_config_check(const ddpm_config *c, halo_err *err)
{
    if (c->dx < 1 || c->dx > DDPM_MAX_DX) return size_bad_value(err, "ddpm dx", c->dx, "1 to 256 sizing dimensions");
    if (c->dc < 1 || c->dc > DDPM_MAX_DC) return size_bad_value(err, "ddpm dc", c->dc, "1 to 1024 condition dimensions");
    if (c->heads < 1 || c->heads > 64) return size_bad_value(err, "ddpm heads", c->heads, "1 to 64");
    if (c->d_model < 1 || c->d_model > DDPM_MAX_DMODEL || c->d_model % c->heads)
        return size_bad_value(err, "ddpm d_model", c->d_model, "a multiple of heads up to 1024");
    if (c->depth < 1 || c->depth > DDPM_MAX_DEPTH) return size_bad_value(err, "ddpm depth", c->depth, "1 to 32 blocks");
    if (c->mlp_ratio < 1 || c->mlp_ratio > DDPM_MAX_MLP_RATIO)
        return size_bad_value(err, "ddpm mlp_ratio", c->mlp_ratio, "1 to 16");
    if (c->T < 2 || c->T > DDPM_MAX_T) return size_bad_value(err, "ddpm T", c->T, "2 to 100000 timesteps");
    if (!(c->p_uncond >= 0 && c->p_uncond <= 1))
        return size_bad_value(err, "ddpm p_uncond", c->p_uncond, "a probability from 0 to 1");
    if (c->act != NN_GELU && c->act != NN_SILU && c->act != NN_RELU)
        return bad_act(err, "ddpm act", c->act, "gelu, silu or relu");
    if (ddpm_config_params(c) > DDPM_MAX_PARAMS)
        return size_bad_value(err, "ddpm d_model", c->d_model, "a model of at most 50 million parameters");
    return 0;
}

double ddpm_config_params(const ddpm_config *c)
{
    double d = c->d_model, h = (double)c->mlp_ratio * d;
    double embed = d + (double)c->dx * d + (DDPM_T_FREQ * d + d + d * d + d) + ((double)c->dc * d + d + d * d + d + d);
    double block = (6 * d * d + 6 * d) + (4 * d * d + 4 * d) + (d * h + h) + (h * d + d);
    double final = 2 * d * d + 2 * d + d + 1;
    return embed + c->depth * block + final;
}

/* ---------------------------------------------------------------- schedule */

int ddpm_schedule(int T, double *abar)
{
    if (T < 2) return -1;
    /* cosine schedule: betas from f(t) = cos^2((t/T + s)/(1 + s) pi/2),
       each clipped at 0.999, then abar their running product */
    const double s = 0.008;
    double prod = 1, f0 = cos(s / (1 + s) * M_PI / 2);
    f0 *= f0;
    for (int t = 0; t < T; t++) {
        double a = cos(((double)t / T + s) / (1 + s) * M_PI / 2), b = cos(((double)(t + 1) / T + s) / (1 + s) * M_PI / 2);
        double beta = 1 - (b * b / f0) / (a * a / f0);
        if (beta > 0.999) beta = 0.999;
        prod *= 1 - beta;
        abar[t] = prod;
    }
    /* zero terminal SNR: shift sqrt(abar) so the last is 0, scale so the
       first keeps its value */
    double first = sqrt(abar[0]), last = sqrt(abar[T - 1]);
    for (int t = 0; t < T; t++) {
        double r = (sqrt(abar[t]) - last) * first / (first - last);
        abar[t] = r * r;
    }
    abar[T - 1] = 0.0;   /* exactly, whatever the rounding above */
    return 0;
}

int ddpm_timesteps(int T, int steps, int *ts)
{
    if (steps > T) steps = T;
    if (steps < 1) steps = 1;
    double stride = (double)T / steps;
    for (int i = 0; i < steps; i++) {
        int t = (int)floor(T - i * stride + 0.5) - 1;
        ts[i] = t < 0 ? 0 : t;
    }
    return steps;
}

void ddpm_q_sample(double abar, const float *x0, const float *eps, int n, float *xt, float *v)
{
    double a = sqrt(abar), s = sqrt(1 - abar);
    for (int i = 0; i < n; i++) {
        if (xt) xt[i] = (float)(a * x0[i] + s * eps[i]);
        if (v) v[i] = (float)(a * eps[i] - s * x0[i]);
    }
}

void ddpm_from_v(double abar, const float *xt, const float *v, int n, float *x0, float *eps)
{
    double a = sqrt(abar), s = sqrt(1 - abar);
    for (int i = 0; i < n; i++) {
        if (x0) x0[i] = (float)(a * xt[i] - s * v[i]);
        if (eps) eps[i] = (float)(s * xt[i] + a * v[i]);
    }
}

/* ---------------------------------------------------------------- life */

ddpm *ddpm_new(const ddpm_config *c, uint64_t seed, halo_err *err)
{
    if (ddpm_config_check(c, err)) return NULL;
    ddpm *m = halo_xcalloc(1, sizeof *m);
    m->cfg = *c;
    nn_params_init(&m->ps);
    m->abar = halo_xmalloc(sizeof *m->abar * (size_t)c->T);
    ddpm_schedule(c->T, m->abar);
    m->blk = halo_xcalloc((size_t)c->depth, sizeof *m->blk);
    m->act.blk = halo_xcalloc((size_t)c->depth, sizeof *m->act.blk);
    nn_arena_init(&m->arena, (size_t)1 << 20);
    halo_rng rng;
    rng_seed(&rng, seed);
    if (ddpm_net_build(m, &rng)) {   /* names are fixed and distinct: cannot happen */
        ddpm_free(m);
        halo_err_set(err, HALO_E_SZM_VALUE, NULL, 0, "ddpm", "layers", "distinct parameter names");
        return NULL;
    }
    return m;
}

void ddpm_free(ddpm *m)
{
    if (!m) return;
    nn_params_free(&m->ps);
    nn_arena_free(&m->arena);
    free(m->abar);
    free(m->blk);
    free(m->act.blk);
    free(m->scratch);
    free(m->runs);
    free(m);
}

const ddpm_config *ddpm_get_config(const ddpm *m)
{
    return &m->cfg;
}

const double *ddpm_alpha_bar(const ddpm *m)
{
    return m->abar;
}

nn_params *ddpm_params(ddpm *m)
{
    return &m->ps;
}

/* ---------------------------------------------------------------- training */

void ddpm_train_opts_default(ddpm_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->steps = 2000;
    o->batch = 128;
    o->lr = 1e-3f;
    o->lr_min = 1e-5f;
    o->grad_clip = 1.0f;
    o->seed = 1;
}

/* A batch of training rows: for each sample idx[i], a timestep, noise,
 * the noised input xt, the target v, and whether its condition is
 * dropped. */
typedef struct train_batch {
    float *xt, *v, *t, *c, *eps;
    unsigned char *drop;
} train_batch;

static void batch_alloc(train_batch *b, int bs, int dx, int dc)
{
    b->xt = halo_xmalloc(sizeof(float) * (size_t)bs * dx);
    b->v = halo_xmalloc(sizeof(float) * (size_t)bs * dx);
    b->eps = halo_xmalloc(sizeof(float) * (size_t)bs * dx);
    b->t = halo_xmalloc(sizeof(float) * (size_t)bs);
    b->c = halo_xmalloc(sizeof(float) * (size_t)bs * dc);
    b->drop = halo_xmalloc((size_t)bs);
}

static void batch_free(train_batch *b)
{
    free(b->xt);
    free(b->v);
    free(b->eps);
    free(b->t);
    free(b->c);
    free(b->drop);
}

static void batch_fill(const ddpm *m, train_batch *b, const float *x, const float *c, const int *idx, int bs,
                       float p_uncond, halo_rng *rng)
{
    int dx = m->cfg.dx, dc = m->cfg.dc;
    for (int i = 0; i < bs; i++) {
        int t = (int)rng_below(rng, (uint64_t)m->cfg.T);
        float *eps = b->eps + (size_t)i * dx;
        for (int j = 0; j < dx; j++) eps[j] = (float)rng_normal(rng);
        b->t[i] = (float)t;
        b->drop[i] = p_uncond > 0 && rng_uniform(rng) < p_uncond;
        ddpm_q_sample(m->abar[t], x + (size_t)idx[i] * dx, eps, dx, b->xt + (size_t)i * dx, b->v + (size_t)i * dx);
        memcpy(b->c + (size_t)i * dc, c + (size_t)idx[i] * dc, (size_t)dc * sizeof(float));
    }
}

static int train_check(const ddpm *m, const float *x, const float *c, int n, const ddpm_train_opts *o, halo_err *err)
{
    if (size_train_opts_check(o, n, "ddpm_train", err)) return -1;
    if (!size_all_finite(x, (size_t)n * m->cfg.dx) || !size_all_finite(c, (size_t)n * m->cfg.dc))
        return halo_err_set(err, HALO_E_SZM_DATA, NULL, 0, "a sizing or condition value is not finite");
    if (o->nval > 0 && (!size_all_finite(o->val_x, (size_t)o->nval * m->cfg.dx) ||
                        !size_all_finite(o->val_c, (size_t)o->nval * m->cfg.dc)))
        return halo_err_set(err, HALO_E_SZM_DATA, NULL, 0, "a validation value is not finite");
    return 0;
}

/* What a training step needs besides the model. */
typedef struct train_ctx {
    ddpm *m;
    const float *x, *c;
    const ddpm_train_opts *o;
    train_batch b;
    float *vhat, *dv;
    nn_optim opt;
    halo_rng rng;             /* timesteps, noise, condition drops */
} train_ctx;

static double train_step(void *ctx, const int *idx, int bs, float lr)
{
    train_ctx *k = ctx;
    ddpm *m = k->m;
    batch_fill(m, &k->b, k->x, k->c, idx, bs, m->cfg.p_uncond, &k->rng);
    ddpm_net_forward(m, k->b.xt, k->b.t, k->b.c, k->b.drop, bs, k->vhat);
    double loss = nn_loss_mse(k->vhat, k->b.v, (size_t)bs * m->cfg.dx, k->dv);
    nn_params_zero_grad(&m->ps);
    ddpm_net_backward(m, k->dv);
    if (k->o->grad_clip > 0) nn_clip_grad_norm(&m->ps, k->o->grad_clip);
    k->opt.lr = lr;
    nn_optim_step(&k->opt, &m->ps);
    return loss;
}

static double train_validate(void *ctx)
{
    train_ctx *k = ctx;
    return ddpm_eval_loss(k->m, k->o->val_x, k->o->val_c, k->o->nval, k->o->seed ^ 0xbb67ae8584caa73bULL);
}

int ddpm_train(ddpm *m, const float *x, const float *c, int n, const ddpm_train_opts *o, ddpm_train_stats *st,
               halo_err *err)
{
    memset(st, 0, sizeof *st);
    st->val_loss = -1;
    if (train_check(m, x, c, n, o, err)) return -1;
    int bs = o->batch < n ? o->batch : n;
    train_ctx k = {.m = m, .x = x, .c = c, .o = o};
    batch_alloc(&k.b, bs, m->cfg.dx, m->cfg.dc);
    k.vhat = halo_xmalloc(sizeof(float) * (size_t)bs * m->cfg.dx);
    k.dv = halo_xmalloc(sizeof(float) * (size_t)bs * m->cfg.dx);
    nn_optim_init(&k.opt, o->weight_decay > 0 ? NN_ADAMW : NN_ADAM, o->lr);
    k.opt.weight_decay = o->weight_decay;
    rng_seed(&k.rng, o->seed);
    size_trainer t = {train_step, train_validate, &k};
    size_train_loop(o, n, &t, st);
    batch_free(&k.b);
    free(k.vhat);
    free(k.dv);
    return 0;
}

double ddpm_eval_loss(ddpm *m, const float *x, const float *c, int n, uint64_t seed)
{
    enum { CHUNK = 256 };
    int dx = m->cfg.dx, k0 = n < CHUNK ? n : CHUNK;
    if (n <= 0) return 0;
    train_batch b;
    batch_alloc(&b, k0, dx, m->cfg.dc);
    float *vhat = halo_xmalloc(sizeof(float) * (size_t)k0 * dx);
    int idx[CHUNK];
    halo_rng rng;
    rng_seed(&rng, seed);
    double sum = 0;
    for (int at = 0; at < n; at += CHUNK) {
        int k = n - at < CHUNK ? n - at : CHUNK;
        for (int i = 0; i < k; i++) idx[i] = at + i;
        batch_fill(m, &b, x, c, idx, k, 0.0f, &rng);
        ddpm_net_infer(m, b.xt, b.t, b.c, NULL, k, vhat);
        sum += nn_loss_mse(vhat, b.v, (size_t)k * dx, NULL) * k;
    }
    batch_free(&b);
    free(vhat);
    return sum / n;
}

/* ---------------------------------------------------------------- sampling */

void ddpm_sample_opts_default(ddpm_sample_opts *o)
{
    memset(o, 0, sizeof *o);
    o->steps = 50;
    o->guidance = 1.0f;
    o->eta = 0.0f;
    o->seed = 1;
}

/* Samples per forward pass: bounds the activations a call holds. */
#define SAMPLE_CHUNK 128

typedef struct sampler {
    ddpm *m;
    const ddpm_sample_opts *o;
    int cfg;                  /* both branches per step */
    float *x, *in, *t, *c, *v;   /* [k][dx] state; [rows][dx] input, [rows] t, [rows][dc], [rows][dx] */
    unsigned char *drop;
    halo_rng *rng;            /* [k] one stream per sample */
} sampler;

/* The guided v of the chunk's k samples at timestep t, into s->v[0..k). */
static void sampler_eval(sampler *s, int k, int t, int have_c)
{
    int dx = s->m->cfg.dx, rows = s->cfg ? 2 * k : k;
    memcpy(s->in, s->x, sizeof(float) * (size_t)k * dx);
    if (s->cfg) memcpy(s->in + (size_t)k * dx, s->x, sizeof(float) * (size_t)k * dx);
    for (int i = 0; i < rows; i++) s->t[i] = (float)t;
    ddpm_net_infer(s->m, s->in, s->t, have_c ? s->c : NULL, s->drop, rows, s->v);
    if (!s->cfg) return;
    double w = s->o->guidance;
    for (size_t i = 0; i < (size_t)k * dx; i++)
        s->v[i] = (float)((1 + w) * s->v[i] - w * s->v[i + (size_t)k * dx]);
}

/* One DDIM step from abar_t to abar_p (eta 0 deterministic, 1 ancestral). */
static void sampler_step(sampler *s, int k, double abar_t, double abar_p)
{
    int dx = s->m->cfg.dx;
    double at = sqrt(abar_t), st = sqrt(1 - abar_t), ap = sqrt(abar_p), clip = s->o->clip;
    double sigma = 0;
    if (s->o->eta > 0 && abar_p > 0 && abar_p < 1)
        sigma = s->o->eta * sqrt((1 - abar_p) / (1 - abar_t) * (1 - abar_t / abar_p));
    double dir = sqrt(fmax(0.0, 1 - abar_p - sigma * sigma));
    for (int i = 0; i < k; i++)
        for (int j = 0; j < dx; j++) {
            size_t q = (size_t)i * dx + j;
            double xt = s->x[q], v = s->v[q], x0 = at * xt - st * v, eps = st * xt + at * v;
            if (clip > 0 && fabs(x0) > clip) {
                x0 = x0 > 0 ? clip : -clip;
                eps = (xt - at * x0) / st;   /* st > 0: abar_t < 1 for every t */
            }
            double z = sigma > 0 ? rng_normal(&s->rng[i]) : 0;
            s->x[q] = (float)(ap * x0 + dir * eps + sigma * z);
        }
}

static void sampler_chunk(sampler *s, const float *c, int nc, int first, int k, const int *ts, int nts, float *out)
{
    ddpm *m = s->m;
    int dx = m->cfg.dx, dc = m->cfg.dc;
    for (int i = 0; i < k; i++) {
        rng_seed(&s->rng[i], s->o->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(first + i + 1)));
        for (int j = 0; j < dx; j++) s->x[(size_t)i * dx + j] = (float)rng_normal(&s->rng[i]);
        if (c) memcpy(s->c + (size_t)i * dc, c + (size_t)(nc == 1 ? 0 : first + i) * dc, sizeof(float) * (size_t)dc);
        s->drop[i] = 0;
    }
    if (s->cfg) {
        memcpy(s->c + (size_t)k * dc, s->c, sizeof(float) * (size_t)k * dc);
        memset(s->drop + k, 1, (size_t)k);
    }
    for (int i = 0; i < nts; i++) {
        sampler_eval(s, k, ts[i], c != NULL);
        sampler_step(s, k, m->abar[ts[i]], i + 1 < nts ? m->abar[ts[i + 1]] : 1.0);
    }
    memcpy(out, s->x, sizeof(float) * (size_t)k * dx);
}

int ddpm_sample(ddpm *m, const float *c, int nc, int nsamples, const ddpm_sample_opts *o, float *out,
                halo_err *err)
{
    const ddpm_config *cf = &m->cfg;
    if (nsamples < 0) return size_bad_value(err, "ddpm_sample nsamples", nsamples, "0 or more");
    if (c && nc != 1 && nc != nsamples)
        return size_bad_value(err, "ddpm_sample nc", nc, "1 or the number of samples");
    if (o->steps < 1 || o->steps > cf->T) {
        char range[64];
        snprintf(range, sizeof range, "1 to the model's %d timesteps", cf->T);
        return size_bad_value(err, "ddpm_sample steps", o->steps, range);
    }
    if (!isfinite(o->guidance) || !(o->eta >= 0 && o->eta <= 1) || !(o->clip >= 0))
        return halo_err_set(err, HALO_E_SZM_VALUE, NULL, 0, "ddpm_sample", "guidance/eta/clip",
                            "a finite guidance, eta from 0 to 1, clip >= 0");
    if (c && !size_all_finite(c, (size_t)(nc == 1 ? 1 : nsamples) * cf->dc))
        return halo_err_set(err, HALO_E_SZM_DATA, NULL, 0, "a condition value is not finite");
    int *ts = halo_xmalloc(sizeof *ts * (size_t)o->steps), nts = ddpm_timesteps(cf->T, o->steps, ts);
    sampler s = {.m = m, .o = o, .cfg = c && o->guidance != 0};
    size_t rows = (size_t)SAMPLE_CHUNK * 2;
    s.x = halo_xmalloc(sizeof(float) * SAMPLE_CHUNK * cf->dx);
    s.in = halo_xmalloc(sizeof(float) * rows * cf->dx);
    s.v = halo_xmalloc(sizeof(float) * rows * cf->dx);
    s.t = halo_xmalloc(sizeof(float) * rows);
    s.c = halo_xmalloc(sizeof(float) * rows * cf->dc);
    s.drop = halo_xmalloc(rows);
    s.rng = halo_xmalloc(sizeof *s.rng * SAMPLE_CHUNK);
    for (int at = 0; at < nsamples; at += SAMPLE_CHUNK) {
        int k = nsamples - at < SAMPLE_CHUNK ? nsamples - at : SAMPLE_CHUNK;
        sampler_chunk(&s, c, nc, at, k, ts, nts, out + (size_t)at * cf->dx);
    }
    free(s.x);
    free(s.in);
    free(s.v);
    free(s.t);
    free(s.c);
    free(s.drop);
    free(s.rng);
    free(ts);
    return 0;
}

/* ---------------------------------------------------------------- model file */

int ddpm_save(const ddpm *m, const char *path, const nn_meta *extra, halo_err *err)
{
    const ddpm_config *c = &m->cfg;
    nn_meta meta = {0};
    nn_meta_set(&meta, "format", FORMAT);
    size_meta_set_int(&meta, "dx", c->dx);
    size_meta_set_int(&meta, "dc", c->dc);
    size_meta_set_int(&meta, "d_model", c->d_model);
    size_meta_set_int(&meta, "depth", c->depth);
    size_meta_set_int(&meta, "heads", c->heads);
    size_meta_set_int(&meta, "mlp_ratio", c->mlp_ratio);
    size_meta_set_int(&meta, "T", c->T);
    size_meta_set_float(&meta, "p_uncond", c->p_uncond);
    nn_meta_set(&meta, "act", nn_act_name(c->act));
    size_meta_set_int(&meta, "t_freq", DDPM_T_FREQ);
    nn_meta_set(&meta, "schedule", "cosine-zero-terminal-snr");
    nn_meta_set(&meta, "prediction", "v");
    return size_model_write(path, &m->ps, &meta, extra, "ddpm_save", "format, dx, dc, d_model, depth, ...", err);
}

static int file_fail(halo_err *err, const char *source, const char *why)
{
    return halo_err_set(err, HALO_E_SZM_FILE, NULL, 0, source, "ddpm", why);
}

/* The configuration a file's metadata records, checked. */
static int config_from_meta(const nn_meta *meta, const char *source, ddpm_config *c, halo_err *err)
{
    const char *fmt = nn_meta_get(meta, "format"), *act = nn_meta_get(meta, "act");
    const char *sched = nn_meta_get(meta, "schedule"), *pred = nn_meta_get(meta, "prediction");
    int tf = 0;
    ddpm_config_default(c);
    if (!fmt || strcmp(fmt, FORMAT) != 0) return file_fail(err, source, "its metadata lacks format " FORMAT);
    if (size_meta_int(meta, "dx", 1, DDPM_MAX_DX, &c->dx) || size_meta_int(meta, "dc", 1, DDPM_MAX_DC, &c->dc) ||
        size_meta_int(meta, "d_model", 1, DDPM_MAX_DMODEL, &c->d_model) ||
        size_meta_int(meta, "depth", 1, DDPM_MAX_DEPTH, &c->depth) || size_meta_int(meta, "heads", 1, 64, &c->heads) ||
        size_meta_int(meta, "mlp_ratio", 1, DDPM_MAX_MLP_RATIO, &c->mlp_ratio) ||
        size_meta_int(meta, "T", 2, DDPM_MAX_T, &c->T) || size_meta_float(meta, "p_uncond", 0, 1, &c->p_uncond) ||
        size_meta_int(meta, "t_freq", DDPM_T_FREQ, DDPM_T_FREQ, &tf))
        return file_fail(err, source,
                         "dx, dc, d_model, depth, heads, mlp_ratio, T, p_uncond or t_freq is missing or out of range");
    if (!act || nn_act_parse(act, &c->act) != 0) return file_fail(err, source, "act names no activation halo has");
    if (!sched || strcmp(sched, "cosine-zero-terminal-snr") || !pred || strcmp(pred, "v"))
        return file_fail(err, source, "schedule or prediction is not cosine-zero-terminal-snr, v");
    halo_err e2;
    if (ddpm_config_check(c, &e2)) return file_fail(err, source, e2.msg);
    return 0;
}

ddpm *ddpm_load_buffer(const unsigned char *buf, size_t len, const char *source, nn_meta *meta, halo_err *err)
{
    nn_params file;
    nn_meta own = {0}, *md = meta ? meta : &own;
    ddpm_config c;
    ddpm *m = NULL;
    nn_params_init(&file);
    if (meta) memset(meta, 0, sizeof *meta);
    if (nn_safetensors_parse(buf, len, source, &file, md, err) != 0) goto out;
    if (config_from_meta(md, source, &c, err)) goto out;
    /* the metadata must not build a model larger than the file's weights:
       a few bytes of text cannot ask for a huge allocation */
    if (ddpm_config_params(&c) != (double)nn_params_count(&file)) {
        file_fail(err, source, "its tensors do not hold the weights its configuration needs");
        goto out;
    }
    m = ddpm_new(&c, 1, err);
    if (m && size_params_fill(&m->ps, &file, source, "ddpm", err)) {
        ddpm_free(m);
        m = NULL;
    }
out:
    nn_params_free(&file);
    if (!m) nn_meta_free(md);
    else if (!meta) nn_meta_free(&own);
    return m;
}

ddpm *ddpm_load(const char *path, nn_meta *meta, halo_err *err)
{
    size_t len;
    char *buf = halo_read_file(path, &len, err, NULL, 0);
    if (meta) memset(meta, 0, sizeof *meta);
    if (!buf) return NULL;
    ddpm *m = ddpm_load_buffer((const unsigned char *)buf, len, path, meta, err);
    free(buf);
    return m;
}
