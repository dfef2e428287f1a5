/* test_nn.c -- the nn core's dense layers, activations, losses,
 * policy-gradient helpers, optimisers and safetensors files: every
 * gradient against central differences (relative error < 1e-3 in
 * float32, losses summed in double), the optimisers against PyTorch's
 * update rules worked by hand, an MLP that learns XOR, and files written
 * and read back (and refused when broken), every dtype PyTorch writes
 * built by hand and read as float32. */
#include "nn/nn.h"
#include "nn/nn_layers.h"
#include "nn/nn_safetensors.h"
#include "nn/nn_train.h"
#include "nn_gradcheck.h"
#include "unit.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOL 1e-3

static void fill(float *v, size_t n, halo_rng *r, float scale)
{
    for (size_t i = 0; i < n; i++) v[i] = (float)(rng_normal(r) * scale);
}

/* ---------------------------------------------------------------- linear */

typedef struct lin_ctx {
    nn_linear *l;
    float *x, *y, *r;
    int rows;
} lin_ctx;

static double lin_loss(void *p)
{
    lin_ctx *c = p;
    nn_linear_forward(c->l, c->x, c->rows, c->y);
    return nn_dot_loss(c->y, c->r, (size_t)c->rows * c->l->out);
}

TEST(linear_gradients)
{
    halo_rng rng;
    rng_seed(&rng, 1);
    nn_params ps;
    nn_params_init(&ps);
    nn_linear l;
    CHECK_INT(nn_linear_init(&l, &ps, "fc", 7, 5, 1, &rng), 0);
    CHECK_INT(nn_params_count(&ps), 7 * 5 + 5);
    CHECK(nn_params_find(&ps, "fc.weight") == l.w && nn_params_find(&ps, "fc.bias") == l.b);
    int rows = 4;
    float x[28], y[20], r[20], dx[28];
    fill(x, 28, &rng, 1);
    fill(r, 20, &rng, 1);
    lin_ctx c = {&l, x, y, r, rows};
    lin_loss(&c);
    nn_params_zero_grad(&ps);
    nn_linear_backward(&l, x, r, rows, dx);
    CHECK(nn_gradcheck(lin_loss, &c, x, dx, 28, 1e-2f, 0) < TOL);
    CHECK(nn_gradcheck(lin_loss, &c, l.w->w, l.w->g, l.w->n, 1e-2f, 0) < TOL);
    CHECK(nn_gradcheck(lin_loss, &c, l.b->w, l.b->g, l.b->n, 1e-2f, 0) < TOL);
    /* forward by hand for one element */
    double want = l.b->w[2];
    for (int i = 0; i < 7; i++) want += (double)x[7 + i] * l.w->w[2 * 7 + i];
    CHECK_NEAR(y[5 + 2], want, 1e-5);
    nn_params_free(&ps);
}

/* ---------------------------------------------------------------- activations */

typedef struct act_ctx {
    nn_act a;
    float *x, *y, *r;
    size_t n;
} act_ctx;

static double act_loss(void *p)
{
    act_ctx *c = p;
    nn_act_forward(c->a, c->x, c->n, c->y);
    return nn_dot_loss(c->y, c->r, c->n);
}

TEST(activation_gradients)
{
    halo_rng rng;
    rng_seed(&rng, 2);
    float x[64], y[64], r[64], dx[64];
    for (int a = NN_RELU; a <= NN_SIGMOID; a++) {
        fill(x, 64, &rng, 2);
        /* ReLU's kink: keep inputs away from 0 */
        for (int i = 0; i < 64; i++)
            if (fabsf(x[i]) < 0.05f) x[i] = 0.3f;
        fill(r, 64, &rng, 1);
        act_ctx c = {(nn_act)a, x, y, r, 64};
        act_loss(&c);
        nn_act_backward((nn_act)a, x, y, r, 64, dx);
        double e = nn_gradcheck(act_loss, &c, x, dx, 64, 1e-2f, 0);
        if (e >= TOL) printf("    %s: %g\n", nn_act_name((nn_act)a), e);
        CHECK(e < TOL);
    }
    float v[3] = {-1, 0, 2}, o[3];
    nn_act_forward(NN_GELU, v, 3, o);
    CHECK_NEAR(o[0], -0.158655253931457, 1e-6);   /* x Phi(x), PyTorch's exact GELU */
    CHECK_NEAR(o[2], 1.954499736103642, 1e-6);
    nn_act a;
    CHECK_INT(nn_act_parse("silu", &a), 0);
    CHECK_INT(a, NN_SILU);
    CHECK_INT(nn_act_parse("swish", &a), -1);
}

/* ---------------------------------------------------------------- losses */

typedef struct loss_ctx {
    int kind;
    float *z, *t;
    int *labels;
    size_t n;
    int classes;
} loss_ctx;

static double loss_value(void *p)
{
    loss_ctx *c = p;
    switch (c->kind) {
    case 0: return nn_loss_mse(c->z, c->t, c->n, NULL);
    case 1: return nn_loss_bce_logits(c->z, c->t, c->n, NULL);
    case 2: return nn_loss_cross_entropy(c->z, c->labels, (int)(c->n / c->classes), c->classes, NULL);
    case 3: return nn_loss_dice_logits(c->z, c->t, c->n, 1.0f, NULL);
    case 4: return nn_categorical_logprob(c->z, (int)c->n, c->labels[0], NULL);
    default: return nn_categorical_entropy(c->z, (int)c->n, NULL);
    }
}

static void loss_grad(loss_ctx *c, float *g)
{
    switch (c->kind) {
    case 0: nn_loss_mse(c->z, c->t, c->n, g); break;
    case 1: nn_loss_bce_logits(c->z, c->t, c->n, g); break;
    case 2: nn_loss_cross_entropy(c->z, c->labels, (int)(c->n / c->classes), c->classes, g); break;
    case 3: nn_loss_dice_logits(c->z, c->t, c->n, 1.0f, g); break;
    case 4: nn_categorical_logprob(c->z, (int)c->n, c->labels[0], g); break;
    default: nn_categorical_entropy(c->z, (int)c->n, g); break;
    }
}

TEST(loss_gradients)
{
    static const char *const names[] = {"mse", "bce", "cross-entropy", "dice", "logprob", "entropy"};
    halo_rng rng;
    rng_seed(&rng, 3);
    float z[24], t[24], g[24];
    int labels[6] = {0, 3, 1, 2, 3, 0};
    for (int kind = 0; kind < 6; kind++) {
        fill(z, 24, &rng, 1.5f);
        for (int i = 0; i < 24; i++) t[i] = kind == 0 ? (float)rng_normal(&rng) : (float)(rng_uniform(&rng) < 0.4);
        loss_ctx c = {kind, z, t, labels, kind >= 4 ? 6 : 24, 4};
        loss_grad(&c, g);
        double e = nn_gradcheck(loss_value, &c, z, g, c.n, 1e-2f, 0);
        if (e >= TOL) printf("    %s: %g\n", names[kind], e);
        CHECK(e < TOL);
    }
    /* values by hand */
    float a[2] = {0, 2}, b[2] = {1, 0};
    CHECK_NEAR(nn_loss_mse(a, b, 2, NULL), 2.5, 1e-12);
    float zz[1] = {0}, tt[1] = {1};
    CHECK_NEAR(nn_loss_bce_logits(zz, tt, 1, NULL), log(2.0), 1e-9);
    float big[1] = {1000};   /* no overflow */
    CHECK_NEAR(nn_loss_bce_logits(big, tt, 1, NULL), 0, 1e-9);
    float u[4] = {0, 0, 0, 0};
    int lab[1] = {2};
    CHECK_NEAR(nn_loss_cross_entropy(u, lab, 1, 4, NULL), log(4.0), 1e-9);
    CHECK_NEAR(nn_categorical_entropy(u, 4, NULL), log(4.0), 1e-9);
}

/* ---------------------------------------------------------------- PPO, GAE */

typedef struct ppo_ctx {
    float *logp_new, *logp_old, *adv;
    int n;
} ppo_ctx;

static double ppo_value(void *p)
{
    ppo_ctx *c = p;
    return nn_ppo_clip_loss(c->logp_new, c->logp_old, c->adv, c->n, 0.2f, NULL);
}

TEST(ppo_and_gae)
{
    halo_rng rng;
    rng_seed(&rng, 4);
    float lnew[16], lold[16], adv[16], g[16];
    for (int i = 0; i < 16; i++) {
        lold[i] = (float)(-1 - rng_uniform(&rng));
        /* ratios spread over [0.6, 1.4], away from the clip edges */
        double r = 0.6 + 0.8 * rng_uniform(&rng);
        if (fabs(r - 0.8) < 0.03 || fabs(r - 1.2) < 0.03) r = 1.0;
        lnew[i] = lold[i] + (float)log(r);
        adv[i] = (float)rng_normal(&rng);
    }
    ppo_ctx c = {lnew, lold, adv, 16};
    nn_ppo_clip_loss(lnew, lold, adv, 16, 0.2f, g);
    CHECK(nn_gradcheck(ppo_value, &c, lnew, g, 16, 1e-3f, 0) < TOL);
    /* by hand: ratio 1.5 with A > 0 is clipped to 1.2, with A < 0 it is not */
    float n1[2] = {(float)log(1.5), (float)log(1.5)}, o1[2] = {0, 0}, a1[2] = {1, -1};
    CHECK_NEAR(nn_ppo_clip_loss(n1, o1, a1, 2, 0.2f, NULL), -(1.2 - 1.5) / 2, 1e-6);
    /* GAE on a 3-step episode that ends, gamma 0.9, lambda 0.5, by hand */
    float rew[3] = {1, 0, 2}, val[3] = {0.5f, 1, 1.5f}, done[3] = {0, 0, 1}, ad[3], ret[3];
    nn_gae(rew, val, done, 3, 7.0f, 0.9f, 0.5f, ad, ret);
    double d2 = 2 - 1.5, d1 = 0 + 0.9 * 1.5 - 1, d0 = 1 + 0.9 * 1 - 0.5;
    double a2 = d2, a1g = d1 + 0.45 * a2, a0 = d0 + 0.45 * a1g;
    CHECK_NEAR(ad[2], a2, 1e-6);
    CHECK_NEAR(ad[1], a1g, 1e-6);
    CHECK_NEAR(ad[0], a0, 1e-6);
    CHECK_NEAR(ret[0], a0 + 0.5, 1e-6);
}

/* ---------------------------------------------------------------- optimisers */

static nn_param *one_param(nn_params *ps, float w, float g)
{
    int shape[1] = {1};
    nn_param *p = nn_params_add(ps, "w", 1, shape);
    p->w[0] = w;
    p->g[0] = g;
    return p;
}

TEST(optimisers_follow_pytorch)
{
    nn_params ps;
    nn_optim o;
    /* SGD with momentum 0.9, lr 0.1, gradient 1 twice: buffer 1 then 1.9 */
    nn_params_init(&ps);
    nn_param *p = one_param(&ps, 1.0f, 1.0f);
    nn_optim_init(&o, NN_SGD, 0.1f);
    o.momentum = 0.9f;
    nn_optim_step(&o, &ps);
    CHECK_NEAR(p->w[0], 0.9, 1e-7);
    nn_optim_step(&o, &ps);
    CHECK_NEAR(p->w[0], 0.9 - 0.19, 1e-6);
    nn_params_free(&ps);
    /* Adam, lr 0.1: the first step moves by lr whatever the gradient */
    nn_params_init(&ps);
    p = one_param(&ps, 1.0f, 0.5f);
    nn_optim_init(&o, NN_ADAM, 0.1f);
    nn_optim_step(&o, &ps);
    CHECK_NEAR(p->w[0], 1.0 - 0.1 * 0.5 / (0.5 + 1e-8), 1e-6);
    /* second step, gradient 0.25: m = 0.1*0.25+0.9*0.05, v = ... */
    p->g[0] = 0.25f;
    nn_optim_step(&o, &ps);
    double m = 0.9 * 0.05 + 0.1 * 0.25, v = 0.999 * 0.00025 + 0.001 * 0.0625;
    double mh = m / (1 - 0.81), vh = v / (1 - 0.999 * 0.999);
    CHECK_NEAR(p->w[0], 0.9 - 0.1 * mh / (sqrt(vh) + 1e-8), 1e-6);
    nn_params_free(&ps);
    /* AdamW decays the weight apart from the gradient */
    nn_params_init(&ps);
    p = one_param(&ps, 2.0f, 0.0f);
    nn_optim_init(&o, NN_ADAMW, 0.1f);
    CHECK_NEAR(o.weight_decay, 0.01, 1e-9);
    nn_optim_step(&o, &ps);
    CHECK_NEAR(p->w[0], 2.0 * (1 - 0.1 * 0.01), 1e-6);
    nn_params_free(&ps);
    /* clipping and the cosine schedule */
    nn_params_init(&ps);
    int s2[1] = {2};
    nn_param *q = nn_params_add(&ps, "q", 1, s2);
    q->g[0] = 3;
    q->g[1] = 4;
    CHECK_NEAR(nn_clip_grad_norm(&ps, 1.0), 5.0, 1e-9);
    CHECK_NEAR(q->g[0], 0.6, 1e-5);
    CHECK_NEAR(q->g[1], 0.8, 1e-5);
    nn_params_free(&ps);
    CHECK_NEAR(nn_lr_cosine(1.0f, 0.0f, 0, 100, 0), 1.0, 1e-7);
    CHECK_NEAR(nn_lr_cosine(1.0f, 0.0f, 50, 100, 0), 0.5, 1e-7);
    CHECK_NEAR(nn_lr_cosine(1.0f, 0.1f, 100, 100, 0), 0.1, 1e-7);
    CHECK_NEAR(nn_lr_cosine(1.0f, 0.0f, 4, 100, 10), 0.5, 1e-7);
}

/* ---------------------------------------------------------------- XOR */

/* 2-8-1 MLP, tanh hidden, BCE with logits, Adam: returns the final loss
 * and the predictions. */
static double train_xor(uint64_t seed, float pred[4])
{
    static const float X[8] = {0, 0, 0, 1, 1, 0, 1, 1}, T[4] = {0, 1, 1, 0};
    halo_rng rng;
    rng_seed(&rng, seed);
    nn_params ps;
    nn_params_init(&ps);
    nn_linear l1, l2;
    nn_linear_init(&l1, &ps, "0", 2, 8, 1, &rng);
    nn_linear_init(&l2, &ps, "2", 8, 1, 1, &rng);
    nn_optim o;
    nn_optim_init(&o, NN_ADAM, 0.05f);
    float h[32], a[32], z[4], dz[4], da[32], dh[32];
    double loss = 0;
    for (int step = 0; step < 500; step++) {
        nn_params_zero_grad(&ps);
        nn_linear_forward(&l1, X, 4, h);
        nn_act_forward(NN_TANH, h, 32, a);
        nn_linear_forward(&l2, a, 4, z);
        loss = nn_loss_bce_logits(z, T, 4, dz);
        nn_linear_backward(&l2, a, dz, 4, da);
        nn_act_backward(NN_TANH, h, a, da, 32, dh);
        nn_linear_backward(&l1, X, dh, 4, NULL);
        nn_optim_step(&o, &ps);
    }
    nn_linear_forward(&l1, X, 4, h);
    nn_act_forward(NN_TANH, h, 32, a);
    nn_linear_forward(&l2, a, 4, pred);
    nn_params_free(&ps);
    return loss;
}

TEST(mlp_learns_xor_deterministically)
{
    float p1[4], p2[4];
    double l1 = train_xor(7, p1), l2 = train_xor(7, p2);
    CHECK(l1 < 0.02);
    CHECK(p1[0] < 0 && p1[1] > 0 && p1[2] > 0 && p1[3] < 0);
    CHECK(memcmp(p1, p2, sizeof p1) == 0);
    CHECK(l1 == l2);
}

/* ---------------------------------------------------------------- safetensors */

TEST(safetensors_roundtrip_and_refusals)
{
    halo_rng rng;
    rng_seed(&rng, 5);
    nn_params ps;
    nn_params_init(&ps);
    nn_linear l;
    nn_linear_init(&l, &ps, "encoder.fc", 3, 4, 1, &rng);
    nn_meta meta = {NULL, NULL, 0};
    nn_meta_set(&meta, "architecture", "mlp 3-4");
    nn_meta_set(&meta, "format", "pt");
    char path[] = "/tmp/halo-nn-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    halo_err err;
    halo_err_clear(&err);
    CHECK_INT(nn_safetensors_write(path, &ps, &meta, &err), 0);
    nn_params back;
    nn_params_init(&back);
    nn_meta mb = {NULL, NULL, 0};
    CHECK_INT(nn_safetensors_read(path, &back, &mb, &err), 0);
    CHECK_INT(back.n, 2);
    nn_param *w = nn_params_find(&back, "encoder.fc.weight");
    CHECK(w && w->ndim == 2 && w->shape[0] == 4 && w->shape[1] == 3);
    CHECK(w && memcmp(w->w, l.w->w, 12 * sizeof(float)) == 0);
    CHECK_STR(nn_meta_get(&mb, "architecture"), "mlp 3-4");
    /* the header length is a multiple of 8 and the data follows it */
    FILE *f = fopen(path, "rb");
    unsigned char buf[4096];
    size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++) hlen |= (uint64_t)buf[i] << (8 * i);
    CHECK_INT(hlen % 8, 0);
    CHECK_INT(len, 8 + hlen + 4 * (12 + 4));
    unlink(path);
    /* broken copies are refused with the reason */
    static const struct {
        const char *json, *why;
    } broken[] = {
        {"{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", "is F8_E4M3; halo reads"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", "bytes for a shape"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,400]}}", "outside"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "overlap"},
        {"[1,2]", "not a JSON object"},
        {"{\"__metadata__\":{\"k\":1}}", "not a string"},
    };
    for (size_t k = 0; k < sizeof broken / sizeof broken[0]; k++) {
        unsigned char file[512];
        size_t jl = strlen(broken[k].json);
        memset(file, 0, sizeof file);
        for (int i = 0; i < 8; i++) file[i] = (unsigned char)((uint64_t)jl >> (8 * i));
        memcpy(file + 8, broken[k].json, jl);
        nn_params bad;
        nn_params_init(&bad);
        halo_err_clear(&err);
        CHECK(nn_safetensors_parse(file, 8 + jl + 8, "t.safetensors", &bad, NULL, &err) != 0);
        if (!strstr(err.msg, broken[k].why)) printf("    got \"%s\", want \"%s\"\n", err.msg, broken[k].why);
        CHECK(strstr(err.msg, broken[k].why) != NULL);
        nn_params_free(&bad);
    }
    unsigned char tiny[4] = {0};
    nn_params none;
    nn_params_init(&none);
    CHECK(nn_safetensors_parse(tiny, 4, "t", &none, NULL, &err) != 0);
    nn_params_free(&none);
    nn_params_free(&back);
    nn_meta_free(&mb);
    nn_meta_free(&meta);
    nn_params_free(&ps);
}

/* ---------------------------------------------------------------- PPO */

/* A 4x4 grid world: start at (0,0), goal at (3,3), actions up right down
 * left (walls keep the agent in), -0.01 a step, +1 at the goal, episodes
 * end there or after 20 steps.  Optimal: 6 steps. */
#define GW 4
#define GW_MAX 20

static int gw_step(int s, int a, float *reward, int *done)
{
    int x = s % GW, y = s / GW;
    if (a == 0 && y < GW - 1) y++;
    else if (a == 1 && x < GW - 1) x++;
    else if (a == 2 && y > 0) y--;
    else if (a == 3 && x > 0) x--;
    int n = y * GW + x;
    *done = n == GW * GW - 1;
    *reward = *done ? 1.0f : -0.01f;
    return n;
}

typedef struct ac_net {
    nn_params ps;
    nn_linear p1, p2, v1, v2;
} ac_net;

/* Policy logits and value of a batch of one-hot states. */
static void ac_forward(ac_net *n, const float *x, int rows, float *ph, float *pa, float *logits, float *vh,
                       float *va, float *value)
{
    nn_linear_forward(&n->p1, x, rows, ph);
    nn_act_forward(NN_TANH, ph, (size_t)rows * 32, pa);
    nn_linear_forward(&n->p2, pa, rows, logits);
    nn_linear_forward(&n->v1, x, rows, vh);
    nn_act_forward(NN_TANH, vh, (size_t)rows * 32, va);
    nn_linear_forward(&n->v2, va, rows, value);
}

typedef struct rollout {
    float x[8 * GW_MAX][GW * GW];
    int action[8 * GW_MAX];
    float logp[8 * GW_MAX], value[8 * GW_MAX], reward[8 * GW_MAX], done[8 * GW_MAX];
    float adv[8 * GW_MAX], ret[8 * GW_MAX];
    int n;
    double mean_return;
} rollout;

/* Eight episodes with the current policy; advantages by GAE. */
static void collect(ac_net *n, halo_rng *rng, rollout *r)
{
    float ph[32], pa[32], logits[4], vh[32], va[32], v, p[4];
    r->n = 0;
    r->mean_return = 0;
    for (int ep = 0; ep < 8; ep++) {
        int s = 0, start = r->n, done = 0;
        for (int t = 0; t < GW_MAX && !done; t++) {
            int k = r->n++;
            memset(r->x[k], 0, sizeof r->x[k]);
            r->x[k][s] = 1;
            ac_forward(n, r->x[k], 1, ph, pa, logits, vh, va, &v);
            double m = logits[0];
            for (int a = 1; a < 4; a++) m = logits[a] > m ? logits[a] : m;
            for (int a = 0; a < 4; a++) p[a] = (float)exp(logits[a] - m);
            int a = rng_categorical(rng, p, 4);
            r->action[k] = a;
            r->logp[k] = (float)nn_categorical_logprob(logits, 4, a, NULL);
            r->value[k] = v;
            s = gw_step(s, a, &r->reward[k], &done);
            r->done[k] = (float)done;
            r->mean_return += r->reward[k] / 8.0;
        }
        /* a truncated episode is bootstrapped with the value where it stopped */
        float last = 0;
        if (!done) {
            float x[GW * GW] = {0};
            x[s] = 1;
            ac_forward(n, x, 1, ph, pa, logits, vh, va, &last);
        }
        nn_gae(r->reward + start, r->value + start, r->done + start, r->n - start, last, 0.99f, 0.95f,
               r->adv + start, r->ret + start);
    }
}

/* Four epochs of PPO on one rollout: clipped policy loss, value MSE,
 * entropy bonus. */
static void ppo_update(ac_net *n, nn_optim *o, const rollout *r)
{
    enum { MAXN = 8 * GW_MAX };
    static float ph[MAXN * 32], pa[MAXN * 32], logits[MAXN * 4], vh[MAXN * 32], va[MAXN * 32], value[MAXN];
    static float lnew[MAXN], dnew[MAXN], dlogits[MAXN * 4], dvalue[MAXN], da[MAXN * 32], dh[MAXN * 32];
    float adv[MAXN], g[4], ge[4];
    int rows = r->n;
    double mean = 0, var = 0;
    for (int i = 0; i < rows; i++) mean += r->adv[i] / rows;
    for (int i = 0; i < rows; i++) var += (r->adv[i] - mean) * (r->adv[i] - mean) / rows;
    for (int i = 0; i < rows; i++) adv[i] = (float)((r->adv[i] - mean) / (sqrt(var) + 1e-8));
    for (int epoch = 0; epoch < 4; epoch++) {
        nn_params_zero_grad(&n->ps);
        ac_forward(n, &r->x[0][0], rows, ph, pa, logits, vh, va, value);
        for (int i = 0; i < rows; i++) lnew[i] = (float)nn_categorical_logprob(logits + 4 * i, 4, r->action[i], NULL);
        nn_ppo_clip_loss(lnew, r->logp, adv, rows, 0.2f, dnew);
        for (int i = 0; i < rows; i++) {
            nn_categorical_logprob(logits + 4 * i, 4, r->action[i], g);
            nn_categorical_entropy(logits + 4 * i, 4, ge);
            for (int a = 0; a < 4; a++) dlogits[4 * i + a] = dnew[i] * g[a] - 0.01f * ge[a] / rows;
        }
        nn_loss_mse(value, r->ret, (size_t)rows, dvalue);
        for (int i = 0; i < rows; i++) dvalue[i] *= 0.5f;
        nn_linear_backward(&n->p2, pa, dlogits, rows, da);
        nn_act_backward(NN_TANH, ph, pa, da, (size_t)rows * 32, dh);
        nn_linear_backward(&n->p1, &r->x[0][0], dh, rows, NULL);
        nn_linear_backward(&n->v2, va, dvalue, rows, da);
        nn_act_backward(NN_TANH, vh, va, da, (size_t)rows * 32, dh);
        nn_linear_backward(&n->v1, &r->x[0][0], dh, rows, NULL);
        nn_clip_grad_norm(&n->ps, 0.5);
        nn_optim_step(o, &n->ps);
    }
}

/* Train; returns the greedy policy's steps to the goal (GW_MAX + 1 when
 * it never gets there) and the last rollout's mean return. */
static int train_gridworld(uint64_t seed, double *last_return)
{
    halo_rng rng;
    rng_seed(&rng, seed);
    ac_net n;
    nn_params_init(&n.ps);
    nn_linear_init(&n.p1, &n.ps, "actor.0", GW * GW, 32, 1, &rng);
    nn_linear_init(&n.p2, &n.ps, "actor.2", 32, 4, 1, &rng);
    nn_linear_init(&n.v1, &n.ps, "critic.0", GW * GW, 32, 1, &rng);
    nn_linear_init(&n.v2, &n.ps, "critic.2", 32, 1, 1, &rng);
    nn_optim o;
    nn_optim_init(&o, NN_ADAM, 0.01f);
    static rollout r;
    for (int it = 0; it < 60; it++) {
        collect(&n, &rng, &r);
        ppo_update(&n, &o, &r);
    }
    *last_return = r.mean_return;
    int s = 0, done = 0, steps = 0;
    float ph[32], pa[32], logits[4], vh[32], va[32], v, rew;
    while (!done && steps <= GW_MAX) {
        float x[GW * GW] = {0};
        x[s] = 1;
        ac_forward(&n, x, 1, ph, pa, logits, vh, va, &v);
        int best = 0;
        for (int a = 1; a < 4; a++) best = logits[a] > logits[best] ? a : best;
        s = gw_step(s, best, &rew, &done);
        steps++;
    }
    nn_params_free(&n.ps);
    return done ? steps : GW_MAX + 1;
}

/* A safetensors file in out: the 8-byte length, the header json, the data. */
static size_t st_bytes(unsigned char *out, const char *json, const unsigned char *data, size_t dlen)
{
    size_t jl = strlen(json);
    for (int i = 0; i < 8; i++) out[i] = (unsigned char)((uint64_t)jl >> (8 * i));
    memcpy(out + 8, json, jl);
    if (dlen) memcpy(out + 8 + jl, data, dlen);
    return 8 + jl + dlen;
}

/* n little-endian bytes of u at d[*at]. */
static void put_le(unsigned char *d, size_t *at, uint64_t u, int n)
{
    for (int i = 0; i < n; i++) d[(*at)++] = (unsigned char)(u >> (8 * i));
}

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

/* Every dtype PyTorch writes, built by hand, read as float32: halves bit
 * exact (subnormal, infinities, NaN payload, -0), bfloat16, doubles
 * rounded (and past FLT_MAX infinite), integers and bools; a 0-d tensor
 * as shape [1]; byte counts that disagree with the dtype's size refused. */
TEST(safetensors_dtypes)
{
    unsigned char d[256], file[2048];
    size_t at = 0;
    static const uint16_t half[] = {0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x0400,
                                    0x7c00, 0xfc00, 0x7e00, 0x8000, 0xfe01, 0x3555};
    static const uint32_t want_half[] = {0x3f800000, 0xc0200000, 0x477fe000, 0x33800000, 0x387fc000, 0x38800000,
                                         0x7f800000, 0xff800000, 0x7fc00000, 0x80000000, 0xffc02000, 0x3eaaa000};
    for (int i = 0; i < 12; i++) put_le(d, &at, half[i], 2);                         /* h: 0..24 */
    put_le(d, &at, 0x4049, 2);                                                      /* bf: 24..28 */
    put_le(d, &at, 0xff80, 2);
    put_le(d, &at, dbits(0.1), 8);                                                  /* f64: 28..68 */
    put_le(d, &at, dbits(1e300), 8);
    put_le(d, &at, dbits(-1e300), 8);
    put_le(d, &at, dbits(0x1.fffffefffffffp+127), 8);
    put_le(d, &at, dbits(0x1.ffffffp+127), 8);
    put_le(d, &at, (uint64_t)-7, 8);                                                /* i64: 68..92 */
    put_le(d, &at, (uint64_t)1 << 40, 8);
    put_le(d, &at, (uint64_t)1 << 63, 8);
    put_le(d, &at, (uint32_t)-123456, 4);                                           /* i32: 92..96 */
    put_le(d, &at, (uint16_t)-300, 2);                                              /* i16: 96..98 */
    put_le(d, &at, 0x80, 1);                                                        /* i8: 98..99 */
    put_le(d, &at, 0xff, 1);                                                        /* u8: 99..100 */
    put_le(d, &at, 0, 1);                                                           /* bool: 100..102 */
    put_le(d, &at, 1, 1);
    put_le(d, &at, 0xd5bc, 2);                                                      /* scalar F16: 102..104 */
    put_le(d, &at, UINT64_MAX, 8);                                                  /* u64: 104..112 */
    put_le(d, &at, 0xffffffffu, 4);                                                 /* u32: 112..116 */
    put_le(d, &at, 0xffff, 2);                                                      /* u16: 116..118 */
    CHECK_INT(at, 118);
    const char *json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3,4],\"data_offsets\":[0,24]},"
                       "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[24,28]},"
                       "\"f64\":{\"dtype\":\"F64\",\"shape\":[5],\"data_offsets\":[28,68]},"
                       "\"i64\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[68,92]},"
                       "\"i32\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[92,96]},"
                       "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[96,98]},"
                       "\"i8\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[98,99]},"
                       "\"u8\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[99,100]},"
                       "\"b\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[100,102]},"
                       "\"s\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[102,104]},"
                       "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[104,112]},"
                       "\"u32\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[112,116]},"
                       "\"u16\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[116,118]},"
                       "\"__metadata__\":{\"format\":\"pt\"}}";
    size_t len = st_bytes(file, json, d, at);
    nn_params ps;
    nn_params_init(&ps);
    nn_meta meta = {NULL, NULL, 0};
    halo_err err;
    halo_err_clear(&err);
    CHECK_INT(nn_safetensors_parse(file, len, "d.safetensors", &ps, &meta, &err), 0);
    if (err.id) printf("    %s\n", err.msg);
    CHECK_INT(ps.n, 13);
    CHECK_STR(nn_meta_get(&meta, "format"), "pt");
    nn_param *p = nn_params_find(&ps, "h");
    CHECK(p && p->ndim == 2 && p->shape[0] == 3 && p->shape[1] == 4 && p->n == 12);
    for (int i = 0; p && i < 12; i++) {
        if (bits_of(p->w[i]) != want_half[i])
            printf("    half 0x%04x -> 0x%08x, want 0x%08x\n", half[i], bits_of(p->w[i]), want_half[i]);
        CHECK(bits_of(p->w[i]) == want_half[i]);
    }
    if (p) {
        CHECK(p->w[0] == 1.0f && p->w[1] == -2.5f && p->w[2] == 65504.0f);
        CHECK(p->w[3] == 0x1p-24f && p->w[3] > 5.960464e-8f && p->w[3] < 5.960465e-8f);
        CHECK(p->w[4] == 1023 * 0x1p-24f && p->w[5] == 0x1p-14f);
        CHECK(isinf(p->w[6]) && p->w[6] > 0 && isinf(p->w[7]) && p->w[7] < 0);
        CHECK(isnan(p->w[8]) && isnan(p->w[10]) && signbit(p->w[9]) && p->w[9] == 0);
    }
    p = nn_params_find(&ps, "bf");
    CHECK(p && p->n == 2 && p->w[0] == 3.140625f && isinf(p->w[1]) && p->w[1] < 0);
    p = nn_params_find(&ps, "f64");
    CHECK(p && p->n == 5);
    if (p) {
        CHECK(p->w[0] == 0.1f);
        CHECK(isinf(p->w[1]) && p->w[1] > 0 && isinf(p->w[2]) && p->w[2] < 0);
        CHECK(p->w[3] == FLT_MAX);   /* below the halfway point: rounds down */
        CHECK(isinf(p->w[4]));       /* halfway: ties to even, which is 2^128 */
    }
    p = nn_params_find(&ps, "i64");
    CHECK(p && p->n == 3 && p->w[0] == -7.0f && p->w[1] == 1099511627776.0f && p->w[2] == -0x1p63f);
    p = nn_params_find(&ps, "i32");
    CHECK(p && p->w[0] == -123456.0f);
    p = nn_params_find(&ps, "i16");
    CHECK(p && p->w[0] == -300.0f);
    p = nn_params_find(&ps, "i8");
    CHECK(p && p->w[0] == -128.0f);
    p = nn_params_find(&ps, "u8");
    CHECK(p && p->w[0] == 255.0f);
    p = nn_params_find(&ps, "b");
    CHECK(p && p->n == 2 && p->w[0] == 0.0f && p->w[1] == 1.0f);
    p = nn_params_find(&ps, "s");   /* 0-d: one value, ndim 1, shape [1] */
    CHECK(p && p->ndim == 1 && p->shape[0] == 1 && p->n == 1 && p->w[0] == -91.75f);
    p = nn_params_find(&ps, "u64");
    CHECK(p && p->w[0] == 0x1p64f);
    p = nn_params_find(&ps, "u32");
    CHECK(p && p->w[0] == 0x1p32f);
    p = nn_params_find(&ps, "u16");
    CHECK(p && p->w[0] == 65535.0f);
    /* written back, everything is F32 and reads back the same bits; the
     * 0-d tensor is now [1] */
    unsigned char *enc;
    size_t elen;
    nn_safetensors_encode(&ps, &meta, &enc, &elen);
    nn_params back;
    nn_params_init(&back);
    CHECK_INT(nn_safetensors_parse(enc, elen, "again", &back, NULL, &err), 0);
    CHECK_INT(back.n, ps.n);
    for (int k = 0; k < ps.n && k < back.n; k++) {
        nn_param *q = nn_params_find(&back, ps.p[k]->name);
        CHECK(q && q->n == ps.p[k]->n && memcmp(q->w, ps.p[k]->w, q->n * sizeof(float)) == 0);
    }
    uint64_t hl = 0;
    for (int i = 0; i < 8; i++) hl |= (uint64_t)enc[i] << (8 * i);
    char *hdr = calloc(hl + 1, 1);
    if (hdr && hl <= elen - 8) memcpy(hdr, enc + 8, hl);
    CHECK(hdr && strstr(hdr, "\"s\":{\"dtype\":\"F32\",\"shape\":[1]") != NULL);
    CHECK(hdr && strstr(hdr, "F16") == NULL);
    free(hdr);
    free(enc);
    nn_params_free(&back);
    nn_params_free(&ps);
    nn_meta_free(&meta);

    /* byte counts are the element count times the dtype's size */
    static const struct {
        const char *json, *why;
    } wrong[] = {
        {"{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,2]}}", "2 bytes for a shape of 2 F16 values"},
        {"{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", "8 bytes for a shape of 2 F16 values"},
        {"{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,3]}}", "3 bytes for a shape of 1 F16 values"},
        {"{\"a\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[0,4]}}", "4 bytes for a shape of 1 F16 values"},
        {"{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,4]}}", "4 bytes for a shape of 1 I64 values"},
        {"{\"a\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647,2147483647],"
         "\"data_offsets\":[0,8]}}", "bytes for a shape"},
        {"{\"a\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", "BOOL value 1 is byte 2"},
    };
    for (size_t k = 0; k < sizeof wrong / sizeof wrong[0]; k++) {
        unsigned char zero[8] = {1, 2, 0, 0, 0, 0, 0, 0};
        len = st_bytes(file, wrong[k].json, zero, sizeof zero);
        nn_params bad;
        nn_params_init(&bad);
        halo_err_clear(&err);
        CHECK(nn_safetensors_parse(file, len, "w.safetensors", &bad, NULL, &err) != 0);
        CHECK_INT(err.id, HALO_E_NN_FORMAT);
        if (!strstr(err.msg, wrong[k].why)) printf("    got \"%s\", want \"%s\"\n", err.msg, wrong[k].why);
        CHECK(strstr(err.msg, wrong[k].why) != NULL);
        CHECK_INT(bad.n, 0);
        nn_params_free(&bad);
    }
    /* an unknown dtype names the file, the tensor and the dtype */
    len = st_bytes(file, "{\"enc.w\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", d, 8);
    nn_params bad;
    nn_params_init(&bad);
    halo_err_clear(&err);
    CHECK(nn_safetensors_parse(file, len, "u.safetensors", &bad, NULL, &err) != 0);
    CHECK_INT(err.id, HALO_E_NN_DTYPE);
    CHECK(strncmp(err.msg, "u.safetensors: tensor \"enc.w\" is C64;", 37) == 0);
    nn_params_free(&bad);
}

TEST(ppo_actor_critic_solves_gridworld)
{
    double r1, r2;
    int s1 = train_gridworld(3, &r1), s2 = train_gridworld(3, &r2);
    printf("    greedy steps %d (optimal 6), last mean return %.3f\n", s1, r1);
    CHECK_INT(s1, 6);
    CHECK(r1 > 0.9);
    CHECK(s1 == s2 && r1 == r2);
}

TEST(arena_blocks_stay_put)
{
    nn_arena a;
    nn_arena_init(&a, 4096);
    float *x = nn_arena_alloc(&a, 100);
    x[0] = 1;
    size_t mark = nn_arena_mark(&a);
    float *big = nn_arena_alloc(&a, 10000);   /* a new block; x does not move */
    big[9999] = 2;
    CHECK(x[0] == 1);
    CHECK(((uintptr_t)big & 63) == 0);
    nn_arena_release(&a, mark);
    float *again = nn_arena_alloc(&a, 10);
    CHECK(again[0] == 0);
    CHECK(a.high_water >= 10000);
    nn_arena_free(&a);
    halo_rng r;
    rng_seed(&r, 9);
    float probs[3] = {0, 1, 3};
    int counts[3] = {0, 0, 0};
    for (int i = 0; i < 4000; i++) counts[rng_categorical(&r, probs, 3)]++;
    CHECK_INT(counts[0], 0);
    CHECK(counts[2] > 2 * counts[1] && counts[2] < 4 * counts[1]);
    float zero[2] = {0, 0};
    CHECK_INT(rng_categorical(&r, zero, 2), -1);
}

UNIT_MAIN("test_nn.c")
