/* test_nn_norm.c -- the normalisation / attention family of the nn core:
 * finite-difference gradient checks of every input and parameter of layer
 * norm, group norm, the adaLN-Zero chain (linear, modulation, gated
 * residual), softmax, residual add, concat and multi-head self-attention;
 * dropout's exact backward; forward values against direct double
 * computations (layer norm statistics, softmax rows, the timestep
 * embedding, attention against a naive implementation); names, shapes and
 * initial values of the parameters. */
#include "nn/nn.h"
#include "nn/nn_attn.h"
#include "nn/nn_norm.h"
#include "base/rng.h"
#include "nn_gradcheck.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#define TOL 1e-3

static void fill_normal(float *v, size_t n, halo_rng *r, float s)
{
    for (size_t i = 0; i < n; i++) v[i] = (float)rng_normal(r) * s;
}

static float *newv(size_t n)
{
    return calloc(n ? n : 1, sizeof(float));
}

/* Gradient check of one array; prints the worst error on failure. */
#define GRADCHECK_TOL(fn, ctx, arr, grad, n, eps, tol)                             \
    do {                                                                           \
        double e_ = nn_gradcheck(fn, ctx, arr, grad, n, eps, 0);                   \
        if (!(e_ < (tol))) printf("    gradcheck %s: worst error %.3g\n", #arr, e_); \
        CHECK(e_ < (tol));                                                         \
    } while (0)
#define GRADCHECK(fn, ctx, arr, grad, n, eps) GRADCHECK_TOL(fn, ctx, arr, grad, n, eps, TOL)

/* Attention through a float32 forward: one input moves all t*e outputs of
 * its sample through softmax, and the forward's own rounding (~1e-7 of
 * |y| per output) reaches ~1e-5 in the central difference at eps 1e-2,
 * against in-projection gradients of ~5e-3 (and key-bias gradients that
 * are exactly 0) at PyTorch's init: worst errors seen 2e-3..4e-3.  So the
 * float32 difference is held to 1e-2 here, and the same gradients are
 * also checked to 1e-4 against central differences of the double-precision
 * naive forward (mhsa_naive), which has no such noise. */
#define MHSA_F32_TOL 1e-2
#define MHSA_F64_TOL 1e-4

/* ---------------------------------------------------------------- layer norm */

typedef struct ln_ctx {
    nn_layernorm l;
    int rows;
    float *x, *y, *mean, *rstd, *r;
} ln_ctx;

static double ln_loss(void *p)
{
    ln_ctx *c = p;
    nn_layernorm_forward(&c->l, c->x, c->rows, c->y, c->mean, c->rstd);
    return nn_dot_loss(c->y, c->r, (size_t)c->rows * c->l.d);
}

TEST(layernorm_init_and_stats)
{
    nn_params ps;
    nn_params_init(&ps);
    halo_rng rng;
    rng_seed(&rng, 1);
    nn_layernorm l;
    CHECK_INT(nn_layernorm_init(&l, &ps, "norm1", 16), 0);
    CHECK(nn_params_find(&ps, "norm1.weight") == l.weight);
    CHECK(nn_params_find(&ps, "norm1.bias") == l.bias);
    CHECK_INT(l.weight->ndim, 1);
    CHECK_INT(l.weight->shape[0], 16);
    CHECK(l.weight->w[3] == 1.0f && l.bias->w[3] == 0.0f);
    nn_layernorm dup;
    CHECK_INT(nn_layernorm_init(&dup, &ps, "norm1", 16), -1);
    int rows = 6, d = 16;
    float *x = newv((size_t)rows * d), *y = newv((size_t)rows * d), *mean = newv(rows), *rstd = newv(rows);
    fill_normal(x, (size_t)rows * d, &rng, 3.0f);
    for (int i = 0; i < rows * d; i++) x[i] += 5.0f;
    nn_layernorm_forward(&l, x, rows, y, mean, rstd);
    for (int r = 0; r < rows; r++) {
        double s = 0, ss = 0;
        for (int i = 0; i < d; i++) s += y[r * d + i];
        s /= d;
        for (int i = 0; i < d; i++) ss += (y[r * d + i] - s) * (y[r * d + i] - s);
        ss /= d;
        CHECK_NEAR(s, 0.0, 1e-5);
        CHECK_NEAR(ss, 1.0, 1e-3);   /* eps 1e-5 against var ~9 */
    }
    free(x), free(y), free(mean), free(rstd);
    nn_params_free(&ps);
}

TEST(layernorm_grad)
{
    nn_params ps;
    nn_params_init(&ps);
    halo_rng rng;
    rng_seed(&rng, 2);
    ln_ctx c = {.rows = 5};
    nn_layernorm_init(&c.l, &ps, "ln", 7);
    size_t n = (size_t)c.rows * 7;
    c.x = newv(n), c.y = newv(n), c.r = newv(n), c.mean = newv(c.rows), c.rstd = newv(c.rows);
    float *dx = newv(n);
    fill_normal(c.x, n, &rng, 1.5f);
    fill_normal(c.r, n, &rng, 1.0f);
    fill_normal(c.l.weight->w, 7, &rng, 1.0f);
    fill_normal(c.l.bias->w, 7, &rng, 1.0f);
    ln_loss(&c);
    nn_params_zero_grad(&ps);
    nn_layernorm_backward(&c.l, c.x, c.rows, c.mean, c.rstd, c.r, dx);
    GRADCHECK(ln_loss, &c, c.x, dx, n, 1e-2f);
    GRADCHECK(ln_loss, &c, c.l.weight->w, c.l.weight->g, 7, 1e-2f);
    GRADCHECK(ln_loss, &c, c.l.bias->w, c.l.bias->g, 7, 1e-2f);
    /* accumulation: a second backward doubles the parameter gradient */
    float g0 = c.l.weight->g[2];
    nn_layernorm_backward(&c.l, c.x, c.rows, c.mean, c.rstd, c.r, NULL);
    CHECK_NEAR(c.l.weight->g[2], 2 * g0, 1e-5 * (1 + fabs(g0)));
    free(c.x), free(c.y), free(c.r), free(c.mean), free(c.rstd), free(dx);
    nn_params_free(&ps);
}

/* ---------------------------------------------------------------- group norm */

typedef struct gn_ctx {
    nn_groupnorm l;
    int n, hw;
    float *x, *y, *mean, *rstd, *r;
} gn_ctx;

static double gn_loss(void *p)
{
    gn_ctx *c = p;
    nn_groupnorm_forward(&c->l, c->x, c->n, c->hw, c->y, c->mean, c->rstd);
    return nn_dot_loss(c->y, c->r, (size_t)c->n * c->l.channels * c->hw);
}

TEST(groupnorm)
{
    nn_params ps;
    nn_params_init(&ps);
    halo_rng rng;
    rng_seed(&rng, 3);
    nn_groupnorm bad;
    CHECK_INT(nn_groupnorm_init(&bad, &ps, "bad", 4, 6), -1);
    gn_ctx c = {.n = 2, .hw = 5};
    CHECK_INT(nn_groupnorm_init(&c.l, &ps, "gn", 3, 6), 0);
    CHECK(nn_params_find(&ps, "gn.weight") && c.l.weight->shape[0] == 6 && c.l.weight->w[5] == 1.0f);
    size_t n = (size_t)c.n * 6 * c.hw;
    c.x = newv(n), c.y = newv(n), c.r = newv(n), c.mean = newv(c.n * 3), c.rstd = newv(c.n * 3);
    float *dx = newv(n);
    fill_normal(c.x, n, &rng, 2.0f);
    fill_normal(c.r, n, &rng, 1.0f);
    /* statistics per group with the default affine */
    gn_loss(&c);
    for (int s = 0; s < c.n; s++)
        for (int g = 0; g < 3; g++) {
            const float *yg = c.y + ((size_t)s * 6 + g * 2) * c.hw;
            double m = 0, v = 0;
            for (int i = 0; i < 2 * c.hw; i++) m += yg[i];
            m /= 2 * c.hw;
            for (int i = 0; i < 2 * c.hw; i++) v += (yg[i] - m) * (yg[i] - m);
            v /= 2 * c.hw;
            CHECK_NEAR(m, 0.0, 1e-5);
            CHECK_NEAR(v, 1.0, 1e-4);
        }
    fill_normal(c.l.weight->w, 6, &rng, 1.0f);
    fill_normal(c.l.bias->w, 6, &rng, 1.0f);
    gn_loss(&c);
    nn_params_zero_grad(&ps);
    nn_groupnorm_backward(&c.l, c.x, c.n, c.hw, c.mean, c.rstd, c.r, dx);
    GRADCHECK(gn_loss, &c, c.x, dx, n, 1e-2f);
    GRADCHECK(gn_loss, &c, c.l.weight->w, c.l.weight->g, 6, 1e-2f);
    GRADCHECK(gn_loss, &c, c.l.bias->w, c.l.bias->g, 6, 1e-2f);
    free(c.x), free(c.y), free(c.r), free(c.mean), free(c.rstd), free(dx);
    nn_params_free(&ps);
}

/* ---------------------------------------------------------------- adaLN-Zero */

/* mod = adaln(c); y = x + gate * modulate(x, shift, scale). */
typedef struct ada_ctx {
    nn_adaln l;
    int n, t, d;
    float *x, *c, *mod, *hm, *y, *mean, *rstd, *r;
} ada_ctx;

static double ada_loss(void *p)
{
    ada_ctx *c = p;
    int d = c->d, ld = 3 * d;
    nn_adaln_forward(&c->l, c->c, c->n, c->mod);
    nn_modulate_forward(c->x, c->n, c->t, d, c->mod, c->mod + d, ld, NN_NORM_EPS, c->hm, c->mean, c->rstd);
    nn_gated_residual_forward(c->x, c->hm, c->mod + 2 * d, ld, c->n, c->t, d, c->y);
    return nn_dot_loss(c->y, c->r, (size_t)c->n * c->t * d);
}

static void ada_case(int *unit_failed_, int n, int t, int d, int dc, uint64_t seed)
{
    nn_params ps;
    nn_params_init(&ps);
    halo_rng rng;
    rng_seed(&rng, seed);
    ada_ctx c = {.n = n, .t = t, .d = d};
    CHECK_INT(nn_adaln_init(&c.l, &ps, "adaLN_modulation.1", d, dc, 3), 0);
    nn_param *w = nn_params_find(&ps, "adaLN_modulation.1.weight"), *b = nn_params_find(&ps, "adaLN_modulation.1.bias");
    CHECK(w == c.l.weight && b == c.l.bias);
    CHECK(w->ndim == 2 && w->shape[0] == 3 * d && w->shape[1] == dc && b->shape[0] == 3 * d);
    int zero = 1;
    for (size_t i = 0; i < w->n; i++) zero &= w->w[i] == 0.0f;
    for (size_t i = 0; i < b->n; i++) zero &= b->w[i] == 0.0f;
    CHECK(zero);
    size_t nx = (size_t)n * t * d, nm = (size_t)n * 3 * d;
    c.x = newv(nx), c.c = newv((size_t)n * dc), c.mod = newv(nm), c.hm = newv(nx), c.y = newv(nx);
    c.mean = newv((size_t)n * t), c.rstd = newv((size_t)n * t), c.r = newv(nx);
    float *dx = newv(nx), *dxm = newv(nx), *dh = newv(nx), *dmod = newv(nm), *dcv = newv((size_t)n * dc);
    fill_normal(c.x, nx, &rng, 1.0f);
    fill_normal(c.c, (size_t)n * dc, &rng, 1.0f);
    fill_normal(c.r, nx, &rng, 1.0f);
    /* zero init: the block is the identity */
    ada_loss(&c);
    int same = 1;
    for (size_t i = 0; i < nx; i++) same &= c.y[i] == c.x[i];
    CHECK(same);
    /* non-zero weights for the gradient check */
    fill_normal(w->w, w->n, &rng, 0.5f);
    fill_normal(b->w, b->n, &rng, 0.5f);
    ada_loss(&c);
    nn_params_zero_grad(&ps);
    nn_gated_residual_backward(c.hm, c.mod + 2 * d, 3 * d, n, t, d, c.r, dx, dh, dmod + 2 * d);
    nn_modulate_backward(c.x, n, t, d, c.mod + d, 3 * d, c.mean, c.rstd, dh, dxm, dmod, dmod + d);
    for (size_t i = 0; i < nx; i++) dx[i] += dxm[i];
    nn_adaln_backward(&c.l, c.c, n, dmod, dcv);
    GRADCHECK(ada_loss, &c, c.x, dx, nx, 1e-2f);
    GRADCHECK(ada_loss, &c, c.c, dcv, (size_t)n * dc, 1e-2f);
    GRADCHECK(ada_loss, &c, w->w, w->g, w->n, 1e-2f);
    GRADCHECK(ada_loss, &c, b->w, b->g, b->n, 1e-2f);
    free(c.x), free(c.c), free(c.mod), free(c.hm), free(c.y), free(c.mean), free(c.rstd), free(c.r);
    free(dx), free(dxm), free(dh), free(dmod), free(dcv);
    nn_params_free(&ps);
}

TEST(adaln_modulate_chain)
{
    ada_case(unit_failed_, 2, 3, 6, 5, 4);
    ada_case(unit_failed_, 3, 1, 8, 4, 5);   /* [N][D] */
}

typedef struct gr_ctx {
    int n, t, d, ld;
    float *x, *h, *gate, *y, *r;
} gr_ctx;

static double gr_loss(void *p)
{
    gr_ctx *c = p;
    nn_gated_residual_forward(c->x, c->h, c->gate, c->ld, c->n, c->t, c->d, c->y);
    return nn_dot_loss(c->y, c->r, (size_t)c->n * c->t * c->d);
}

TEST(gated_residual)
{
    halo_rng rng;
    rng_seed(&rng, 6);
    gr_ctx c = {.n = 2, .t = 4, .d = 5, .ld = 5};
    size_t nx = 40;
    c.x = newv(nx), c.h = newv(nx), c.gate = newv(10), c.y = newv(nx), c.r = newv(nx);
    float *dx = newv(nx), *dh = newv(nx), *dg = newv(10);
    fill_normal(c.x, nx, &rng, 1), fill_normal(c.h, nx, &rng, 1), fill_normal(c.gate, 10, &rng, 1);
    fill_normal(c.r, nx, &rng, 1);
    nn_gated_residual_backward(c.h, c.gate, c.ld, c.n, c.t, c.d, c.r, dx, dh, dg);
    GRADCHECK(gr_loss, &c, c.x, dx, nx, 1e-2f);
    GRADCHECK(gr_loss, &c, c.h, dh, nx, 1e-2f);
    GRADCHECK(gr_loss, &c, c.gate, dg, 10, 1e-2f);
    free(c.x), free(c.h), free(c.gate), free(c.y), free(c.r), free(dx), free(dh), free(dg);
}

/* ---------------------------------------------------------------- softmax */

typedef struct sm_ctx {
    int rows, n;
    float *x, *y, *r;
} sm_ctx;

static double sm_loss(void *p)
{
    sm_ctx *c = p;
    nn_softmax_forward(c->x, c->rows, c->n, c->y);
    return nn_dot_loss(c->y, c->r, (size_t)c->rows * c->n);
}

TEST(softmax)
{
    halo_rng rng;
    rng_seed(&rng, 7);
    sm_ctx c = {.rows = 4, .n = 9};
    size_t n = 36;
    c.x = newv(n), c.y = newv(n), c.r = newv(n);
    float *dx = newv(n);
    fill_normal(c.x, n, &rng, 2.0f);
    fill_normal(c.r, n, &rng, 1.0f);
    sm_loss(&c);
    for (int r = 0; r < c.rows; r++) {
        double s = 0;
        for (int i = 0; i < c.n; i++) s += c.y[r * c.n + i];
        CHECK_NEAR(s, 1.0, 1e-6);
    }
    nn_softmax_backward(c.y, c.r, c.rows, c.n, dx);
    GRADCHECK(sm_loss, &c, c.x, dx, n, 1e-2f);
    /* stability: huge logits, and in place */
    float big[4] = {1000.0f, 1001.0f, -1000.0f, 1000.0f};
    nn_softmax_forward(big, 1, 4, big);
    double e1 = exp(-1.0);
    CHECK_NEAR(big[1], 1.0 / (1 + 2 * e1), 1e-6);
    CHECK_NEAR(big[0], e1 / (1 + 2 * e1), 1e-6);
    CHECK(big[2] == 0.0f);
    free(c.x), free(c.y), free(c.r), free(dx);
}

/* ---------------------------------------------------------------- dropout */

TEST(dropout)
{
    halo_rng rng;
    rng_seed(&rng, 8);
    size_t n = 4000;
    float p = 0.3f;
    float *x = newv(n), *y = newv(n), *mask = newv(n), *dy = newv(n), *dx = newv(n), *mask2 = newv(n);
    fill_normal(x, n, &rng, 1.0f);
    fill_normal(dy, n, &rng, 1.0f);
    halo_rng d1;
    rng_seed(&d1, 99);
    nn_dropout_forward(x, n, p, 1, &d1, mask, y);
    size_t dropped = 0;
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        dropped += mask[i] == 0.0f;
        ok &= mask[i] == 0.0f || mask[i] == 1.0f;
        ok &= y[i] == (mask[i] != 0.0f ? x[i] / (1.0f - p) : 0.0f);
    }
    CHECK(ok);
    CHECK(dropped > n * 0.25 && dropped < n * 0.35);
    nn_dropout_backward(mask, dy, n, p, 1, dx);
    ok = 1;
    for (size_t i = 0; i < n; i++) ok &= dx[i] == mask[i] * dy[i] / (1.0f - p);
    CHECK(ok);
    /* same seed, same mask */
    halo_rng d2;
    rng_seed(&d2, 99);
    nn_dropout_forward(x, n, p, 1, &d2, mask2, y);
    CHECK(memcmp(mask, mask2, n * sizeof *mask) == 0);
    /* eval and p = 0: identity, rng untouched */
    halo_rng d3 = d2;
    nn_dropout_forward(x, n, p, 0, &d2, mask, y);
    CHECK(memcmp(x, y, n * sizeof *x) == 0);
    nn_dropout_backward(mask, dy, n, p, 0, dx);
    CHECK(memcmp(dx, dy, n * sizeof *dx) == 0);
    nn_dropout_forward(x, n, 0.0f, 1, &d2, mask, y);
    CHECK(memcmp(x, y, n * sizeof *x) == 0);
    nn_dropout_backward(mask, dy, n, 0.0f, 1, dx);
    CHECK(memcmp(dx, dy, n * sizeof *dx) == 0);
    CHECK(memcmp(&d2, &d3, sizeof d2) == 0);
    free(x), free(y), free(mask), free(dy), free(dx), free(mask2);
}

/* ---------------------------------------------------------------- add, concat */

typedef struct ac_ctx {
    int n, ca, cb, hw;
    float *a, *b, *y, *r;
    int concat;
} ac_ctx;

static double ac_loss(void *p)
{
    ac_ctx *c = p;
    size_t ny;
    if (c->concat) {
        nn_concat_forward(c->a, c->ca, c->b, c->cb, c->n, c->hw, c->y);
        ny = (size_t)c->n * (c->ca + c->cb) * c->hw;
    } else {
        ny = (size_t)c->n * c->ca * c->hw;
        nn_add_forward(c->a, c->b, ny, c->y);
    }
    return nn_dot_loss(c->y, c->r, ny);
}

TEST(add_and_concat)
{
    halo_rng rng;
    rng_seed(&rng, 9);
    ac_ctx c = {.n = 2, .ca = 3, .cb = 2, .hw = 6};
    size_t na = 36, nb = 24, ny = 60;
    c.a = newv(na), c.b = newv(na), c.y = newv(ny), c.r = newv(ny);
    float *da = newv(na), *db = newv(na);
    fill_normal(c.a, na, &rng, 1), fill_normal(c.b, na, &rng, 1), fill_normal(c.r, ny, &rng, 1);
    /* add */
    nn_add_backward(c.r, na, da, db);
    GRADCHECK(ac_loss, &c, c.a, da, na, 1e-2f);
    GRADCHECK(ac_loss, &c, c.b, db, na, 1e-2f);
    /* concat: check a value, then the gradients */
    c.concat = 1;
    ac_loss(&c);
    CHECK(c.y[1 * 30 + 3 * 6 + 4] == c.b[1 * 12 + 4]);
    CHECK(c.y[1 * 30 + 2 * 6 + 5] == c.a[1 * 18 + 2 * 6 + 5]);
    nn_concat_backward(c.r, c.ca, c.cb, c.n, c.hw, da, db);
    GRADCHECK(ac_loss, &c, c.a, da, na, 1e-2f);
    GRADCHECK(ac_loss, &c, c.b, db, nb, 1e-2f);
    free(c.a), free(c.b), free(c.y), free(c.r), free(da), free(db);
}

/* ---------------------------------------------------------------- timestep embedding */

TEST(timestep_embedding)
{
    float t[4] = {0.0f, 1.0f, 17.5f, 999.0f};
    for (int dim = 8; dim <= 9; dim++)
        for (int cf = 0; cf <= 1; cf++) {
            float out[4 * 9];
            nn_timestep_embedding(t, 4, dim, 10000.0f, cf, out);
            int half = dim / 2;
            for (int s = 0; s < 4; s++) {
                for (int i = 0; i < half; i++) {
                    double f = exp(-log(10000.0) * i / half), a = t[s] * f;
                    CHECK_NEAR(out[s * dim + i], cf ? cos(a) : sin(a), 1e-6);
                    CHECK_NEAR(out[s * dim + half + i], cf ? sin(a) : cos(a), 1e-6);
                }
                if (dim % 2) CHECK(out[s * dim + dim - 1] == 0.0f);
            }
        }
}

/* ---------------------------------------------------------------- self-attention */

typedef struct mh_ctx {
    nn_mhsa l;
    int n, t;
    float *x, *y, *r;
    nn_arena *a;
} mh_ctx;

static double mh_loss(void *p)
{
    mh_ctx *c = p;
    size_t mark = nn_arena_mark(c->a);
    nn_mhsa_cache cache;
    nn_mhsa_forward(&c->l, c->x, c->n, c->t, c->y, &cache, c->a);
    nn_arena_release(c->a, mark);
    return nn_dot_loss(c->y, c->r, (size_t)c->n * c->t * c->l.e);
}

/* y by a direct double computation. */
static void mhsa_naive(const nn_mhsa *l, const float *x, int n, int t, double *y)
{
    int e = l->e, h = l->h, dh = e / h;
    double *qkv = calloc((size_t)t * 3 * e, sizeof *qkv), *o = calloc((size_t)t * e, sizeof *o);
    double *s = calloc((size_t)t, sizeof *s);
    for (int b = 0; b < n; b++) {
        const float *xb = x + (size_t)b * t * e;
        for (int i = 0; i < t; i++)
            for (int j = 0; j < 3 * e; j++) {
                double acc = l->in_b->w[j];
                for (int k = 0; k < e; k++) acc += (double)l->in_w->w[j * e + k] * xb[i * e + k];
                qkv[i * 3 * e + j] = acc;
            }
        for (int hd = 0; hd < h; hd++)
            for (int i = 0; i < t; i++) {
                double mx = -1e300, z = 0;
                for (int j = 0; j < t; j++) {
                    double acc = 0;
                    for (int k = 0; k < dh; k++)
                        acc += qkv[i * 3 * e + hd * dh + k] * qkv[j * 3 * e + e + hd * dh + k];
                    s[j] = acc / sqrt((double)dh);
                    if (s[j] > mx) mx = s[j];
                }
                for (int j = 0; j < t; j++) z += (s[j] = exp(s[j] - mx));
                for (int k = 0; k < dh; k++) {
                    double acc = 0;
                    for (int j = 0; j < t; j++) acc += s[j] / z * qkv[j * 3 * e + 2 * e + hd * dh + k];
                    o[i * e + hd * dh + k] = acc;
                }
            }
        for (int i = 0; i < t; i++)
            for (int j = 0; j < e; j++) {
                double acc = l->out_b->w[j];
                for (int k = 0; k < e; k++) acc += (double)l->out_w->w[j * e + k] * o[i * e + k];
                y[((size_t)b * t + i) * e + j] = acc;
            }
    }
    free(qkv), free(o), free(s);
}

/* The same loss through the double forward. */
typedef struct mh64_ctx {
    mh_ctx *c;
    double *y;
} mh64_ctx;

static double mh64_loss(void *p)
{
    mh64_ctx *m = p;
    size_t n = (size_t)m->c->n * m->c->t * m->c->l.e;
    mhsa_naive(&m->c->l, m->c->x, m->c->n, m->c->t, m->y);
    double s = 0;
    for (size_t i = 0; i < n; i++) s += m->y[i] * m->c->r[i];
    return s;
}

static void mhsa_case(int *unit_failed_, int n, int t, int e, int h, uint64_t seed)
{
    nn_params ps;
    nn_params_init(&ps);
    nn_arena arena;
    nn_arena_init(&arena, 1 << 12);
    halo_rng rng;
    rng_seed(&rng, seed);
    mh_ctx c = {.n = n, .t = t, .a = &arena};
    CHECK_INT(nn_mhsa_init(&c.l, &ps, "attn", e, h, &rng), 0);
    nn_param *iw = nn_params_find(&ps, "attn.in_proj_weight"), *ib = nn_params_find(&ps, "attn.in_proj_bias");
    nn_param *ow = nn_params_find(&ps, "attn.out_proj.weight"), *ob = nn_params_find(&ps, "attn.out_proj.bias");
    CHECK(iw && ib && ow && ob);
    if (!iw || !ib || !ow || !ob) return;
    CHECK(iw->ndim == 2 && iw->shape[0] == 3 * e && iw->shape[1] == e);
    CHECK(ib->ndim == 1 && ib->shape[0] == 3 * e);
    CHECK(ow->ndim == 2 && ow->shape[0] == e && ow->shape[1] == e && ob->shape[0] == e);
    float xb = (float)sqrt(6.0 / (4.0 * e)), obd = (float)(1.0 / sqrt((double)e));
    int inb = 1;
    for (size_t i = 0; i < iw->n; i++) inb &= fabsf(iw->w[i]) <= xb;
    for (size_t i = 0; i < ow->n; i++) inb &= fabsf(ow->w[i]) <= obd;
    for (size_t i = 0; i < ib->n; i++) inb &= ib->w[i] == 0.0f;
    CHECK(inb);
    /* non-zero biases so that their gradients are exercised */
    fill_normal(ib->w, ib->n, &rng, 0.3f);
    fill_normal(ob->w, ob->n, &rng, 0.3f);
    size_t nx = (size_t)n * t * e;
    c.x = newv(nx), c.y = newv(nx), c.r = newv(nx);
    float *dx = newv(nx);
    double *yn = calloc(nx, sizeof *yn);
    fill_normal(c.x, nx, &rng, 1.0f);
    fill_normal(c.r, nx, &rng, 1.0f);
    /* forward against the naive double computation, probabilities sum to 1 */
    size_t mark = nn_arena_mark(&arena);
    nn_mhsa_cache cache;
    nn_mhsa_forward(&c.l, c.x, n, t, c.y, &cache, &arena);
    mhsa_naive(&c.l, c.x, n, t, yn);
    double worst = 0;
    for (size_t i = 0; i < nx; i++) worst = fmax(worst, fabs(c.y[i] - yn[i]));
    CHECK(worst < 1e-5);
    for (int r = 0; r < n * h * t; r++) {
        double s = 0;
        for (int j = 0; j < t; j++) s += cache.p[(size_t)r * t + j];
        CHECK_NEAR(s, 1.0, 1e-5);
    }
    nn_params_zero_grad(&ps);
    nn_mhsa_backward(&c.l, c.x, &cache, c.r, dx, &arena);
    nn_arena_release(&arena, mark);
    CHECK(arena.used_total == 0);
    GRADCHECK_TOL(mh_loss, &c, c.x, dx, nx, 1e-2f, MHSA_F32_TOL);
    GRADCHECK_TOL(mh_loss, &c, iw->w, iw->g, iw->n, 1e-2f, MHSA_F32_TOL);
    GRADCHECK_TOL(mh_loss, &c, ib->w, ib->g, ib->n, 1e-2f, MHSA_F32_TOL);
    GRADCHECK_TOL(mh_loss, &c, ow->w, ow->g, ow->n, 1e-2f, MHSA_F32_TOL);
    GRADCHECK_TOL(mh_loss, &c, ob->w, ob->g, ob->n, 1e-2f, MHSA_F32_TOL);
    mh64_ctx c64 = {&c, yn};
    GRADCHECK_TOL(mh64_loss, &c64, c.x, dx, nx, 1e-3f, MHSA_F64_TOL);
    GRADCHECK_TOL(mh64_loss, &c64, iw->w, iw->g, iw->n, 1e-3f, MHSA_F64_TOL);
    GRADCHECK_TOL(mh64_loss, &c64, ib->w, ib->g, ib->n, 1e-3f, MHSA_F64_TOL);
    GRADCHECK_TOL(mh64_loss, &c64, ow->w, ow->g, ow->n, 1e-3f, MHSA_F64_TOL);
    GRADCHECK_TOL(mh64_loss, &c64, ob->w, ob->g, ob->n, 1e-3f, MHSA_F64_TOL);
    free(c.x), free(c.y), free(c.r), free(dx), free(yn);
    nn_arena_free(&arena);
    nn_params_free(&ps);
}

TEST(mhsa)
{
    nn_params ps;
    nn_params_init(&ps);
    halo_rng rng;
    rng_seed(&rng, 10);
    nn_mhsa bad;
    CHECK_INT(nn_mhsa_init(&bad, &ps, "bad", 6, 4, &rng), -1);
    nn_params_free(&ps);
    mhsa_case(unit_failed_, 2, 3, 4, 1, 11);   /* one head */
    mhsa_case(unit_failed_, 1, 5, 8, 4, 12);   /* dh = 2 */
    mhsa_case(unit_failed_, 2, 4, 8, 2, 13);
    mhsa_case(unit_failed_, 1, 1, 4, 4, 14);   /* a single token */
    mhsa_case(unit_failed_, 2, 7, 12, 3, 15);
}

UNIT_MAIN("test_nn_norm.c")
