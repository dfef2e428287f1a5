/*
 * size_mlp.c -- the MLP inverse regressor: layers, training, model file
 * (size_mlp.h).
 */
#include "size_mlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "nn/nn_train.h"

#define FORMAT "halo-size-mlp-1"

struct size_mlp {
    size_mlp_config cfg;
    nn_params ps;
    nn_linear *lin;           /* [layers + 1] */
    nn_arena arena;
    int n;                    /* rows of the last forward */
    const float *in;          /* its input (the caller's, kept until backward) */
    float **pre, **post;      /* [layers] each layer's linear output and activation */
};

/* ---------------------------------------------------------------- configuration */

void size_mlp_config_default(size_mlp_config *c)
{
    memset(c, 0, sizeof *c);
    c->hidden = 256;
    c->layers = 3;
    c->act = NN_SILU;
}

static int bad_act(halo_err *err, const char *what, nn_act a, const char *expected)
{
    return halo_err_set(err, HALO_E_SZM_VALUE, NULL, 0, what, nn_act_name(a), expected);
}

int size_mlp_config_check(const size_mlp_config *c, halo_err *err)
{
    if (c->dc < 1 || c->dc > SIZE_MLP_MAX_IO) return size_bad_value(err, "size_mlp dc", c->dc, "1 to 4096 inputs");
    if (c->dx < 1 || c->dx > SIZE_MLP_MAX_IO) return size_bad_value(err, "size_mlp dx", c->dx, "1 to 4096 outputs");
    if (c->hidden < 1 || c->hidden > SIZE_MLP_MAX_HIDDEN)
        return size_bad_value(err, "size_mlp hidden", c->hidden, "1 to 8192 units");
    if (c->layers < 1 || c->layers > SIZE_MLP_MAX_LAYERS)
        return size_bad_value(err, "size_mlp layers", c->layers, "1 to 16 hidden layers");
    if (c->act != NN_RELU && c->act != NN_GELU && c->act != NN_SILU && c->act != NN_TANH)
        return bad_act(err, "size_mlp act", c->act, "relu, gelu, silu or tanh");
    if (size_mlp_config_params(c) > SIZE_MLP_MAX_PARAMS)
        return size_bad_value(err, "size_mlp hidden", c->hidden, "a model of at most 50 million parameters");
    return 0;
}

double size_mlp_config_params(const size_mlp_config *c)
{
    double h = c->hidden;
    return ((double)c->dc * h + h) + (c->layers - 1) * (h * h + h) + (h * c->dx + c->dx);
}

/* ---------------------------------------------------------------- life */

size_mlp *size_mlp_new(const size_mlp_config *c, uint64_t seed, halo_err *err)
{
    if (size_mlp_config_check(c, err)) return NULL;
    size_mlp *m = halo_xcalloc(1, sizeof *m);
    m->cfg = *c;
    nn_params_init(&m->ps);
    m->lin = halo_xcalloc((size_t)c->layers + 1, sizeof *m->lin);
    m->pre = halo_xcalloc((size_t)c->layers, sizeof *m->pre);
    m->post = halo_xcalloc((size_t)c->layers, sizeof *m->post);
    nn_arena_init(&m->arena, (size_t)1 << 18);
    halo_rng rng;
    rng_seed(&rng, seed);
    for (int l = 0; l <= c->layers; l++) {
        char name[32];
        snprintf(name, sizeof name, "net.%d", 2 * l);   /* nn.Sequential: activations at odd indices */
        int in = l == 0 ? c->dc : c->hidden, out = l == c->layers ? c->dx : c->hidden;
        nn_linear_init(&m->lin[l], &m->ps, name, in, out, 1, &rng);   /* names distinct: cannot fail */
    }
    return m;
}

void size_mlp_free(size_mlp *m)
{
    if (!m) return;
    nn_params_free(&m->ps);
    nn_arena_free(&m->arena);
    free(m->lin);
    free(m->pre);
    free(m->post);
    free(m);
}

const size_mlp_config *size_mlp_get_config(const size_mlp *m)
{
    return &m->cfg;
}

nn_params *size_mlp_params(size_mlp *m)
{
    return &m->ps;
}

/* ---------------------------------------------------------------- forward, backward */

void size_mlp_forward(size_mlp *m, const float *c, int n, float *x)
{
    const size_mlp_config *cf = &m->cfg;
    nn_arena_release(&m->arena, 0);
    m->n = n;
    m->in = c;
    if (n <= 0) return;
    const float *h = c;
    size_t nh = (size_t)n * cf->hidden;
    for (int l = 0; l < cf->layers; l++) {
        m->pre[l] = nn_arena_alloc(&m->arena, nh);
        m->post[l] = nn_arena_alloc(&m->arena, nh);
        nn_linear_forward(&m->lin[l], h, n, m->pre[l]);
        nn_act_forward(cf->act, m->pre[l], nh, m->post[l]);
        h = m->post[l];
    }
    nn_linear_forward(&m->lin[cf->layers], h, n, x);
}

/* Backward through the net; the input's gradient into dc when dc is not
 * NULL. */
static void backward(size_mlp *m, const float *dx, float *dc)
{
    const size_mlp_config *cf = &m->cfg;
    int n = m->n, L = cf->layers;
    if (n <= 0) return;
    size_t nh = (size_t)n * cf->hidden, mark = nn_arena_mark(&m->arena);
    float *dh = nn_arena_alloc(&m->arena, nh), *dprev = nn_arena_alloc(&m->arena, nh);
    nn_linear_backward(&m->lin[L], m->post[L - 1], dx, n, dh);
    for (int l = L - 1; l >= 0; l--) {
        nn_act_backward(cf->act, m->pre[l], m->post[l], dh, nh, dh);
        /* sgemm may not write its input: alternate two buffers */
        nn_linear_backward(&m->lin[l], l ? m->post[l - 1] : m->in, dh, n, l ? dprev : dc);
        float *t = dh;
        dh = dprev;
        dprev = t;
    }
    nn_arena_release(&m->arena, mark);
}

void size_mlp_backward(size_mlp *m, const float *dx)
{
    backward(m, dx, NULL);
}

void size_mlp_input_grad(size_mlp *m, const float *dx, float *dc)
{
    backward(m, dx, dc);
}

/* ---------------------------------------------------------------- training */

void size_mlp_train_opts_default(size_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->steps = 3000;
    o->batch = 64;
    o->lr = 1e-3f;
    o->lr_min = 1e-5f;
    o->seed = 1;
}

static void gather(const float *src, int width, const int *idx, int k, float *dst)
{
    for (int i = 0; i < k; i++)
        memcpy(dst + (size_t)i * width, src + (size_t)idx[i] * width, sizeof(float) * (size_t)width);
}

/* What a training step needs besides the model. */
typedef struct train_ctx {
    size_mlp *m;
    const float *x, *c;
    const size_train_opts *o;
    float *bx, *bc, *y, *dy;  /* a batch's targets, inputs, outputs, output gradients */
    nn_optim opt;
} train_ctx;

static double train_step(void *ctx, const int *idx, int bs, float lr)
{
    train_ctx *k = ctx;
    size_mlp *m = k->m;
    gather(k->x, m->cfg.dx, idx, bs, k->bx);
    gather(k->c, m->cfg.dc, idx, bs, k->bc);
    size_mlp_forward(m, k->bc, bs, k->y);
    double loss = nn_loss_mse(k->y, k->bx, (size_t)bs * m->cfg.dx, k->dy);
    nn_params_zero_grad(&m->ps);
    size_mlp_backward(m, k->dy);
    if (k->o->grad_clip > 0) nn_clip_grad_norm(&m->ps, k->o->grad_clip);
    k->opt.lr = lr;
    nn_optim_step(&k->opt, &m->ps);
    return loss;
}

static double train_validate(void *ctx)
{
    train_ctx *k = ctx;
    return size_mlp_eval_loss(k->m, k->o->val_x, k->o->val_c, k->o->nval);
}

int size_mlp_train(size_mlp *m, const float *x, const float *c, int n, const size_train_opts *o,
                   size_train_stats *st, halo_err *err)
{
    const size_mlp_config *cf = &m->cfg;
    memset(st, 0, sizeof *st);
    st->val_loss = -1;
    if (size_train_opts_check(o, n, "size_mlp_train", err)) return -1;
    if (!size_all_finite(x, (size_t)n * cf->dx) || !size_all_finite(c, (size_t)n * cf->dc) ||
        (o->nval > 0 && (!size_all_finite(o->val_x, (size_t)o->nval * cf->dx) ||
                         !size_all_finite(o->val_c, (size_t)o->nval * cf->dc))))
        return halo_err_set(err, HALO_E_SZM_DATA, NULL, 0, "a sizing or performance value is not finite");
    size_t bs = (size_t)(o->batch < n ? o->batch : n);
    train_ctx k = {.m = m, .x = x, .c = c, .o = o};
    k.bx = halo_xmalloc(sizeof(float) * bs * cf->dx);
    k.bc = halo_xmalloc(sizeof(float) * bs * cf->dc);
    k.y = halo_xmalloc(sizeof(float) * bs * cf->dx);
    k.dy = halo_xmalloc(sizeof(float) * bs * cf->dx);
    nn_optim_init(&k.opt, o->weight_decay > 0 ? NN_ADAMW : NN_ADAM, o->lr);
    k.opt.weight_decay = o->weight_decay;
    size_trainer t = {train_step, train_validate, &k};
    size_train_loop(o, n, &t, st);
    free(k.bx);
    free(k.bc);
    free(k.y);
    free(k.dy);
    return 0;
}

void size_mlp_predict(size_mlp *m, const float *c, int n, float *x)
{
    enum { CHUNK = 512 };
    for (int at = 0; at < n; at += CHUNK) {
        int k = n - at < CHUNK ? n - at : CHUNK;
        size_mlp_forward(m, c + (size_t)at * m->cfg.dc, k, x + (size_t)at * m->cfg.dx);
    }
}

double size_mlp_eval_loss(size_mlp *m, const float *x, const float *c, int n)
{
    if (n <= 0) return 0;
    float *y = halo_xmalloc(sizeof(float) * (size_t)n * m->cfg.dx);
    size_mlp_predict(m, c, n, y);
    double loss = nn_loss_mse(y, x, (size_t)n * m->cfg.dx, NULL);
    free(y);
    return loss;
}

/* ---------------------------------------------------------------- model file */

int size_mlp_save(const size_mlp *m, const char *path, const nn_meta *extra, halo_err *err)
{
    const size_mlp_config *c = &m->cfg;
    nn_meta meta = {0};
    nn_meta_set(&meta, "format", FORMAT);
    size_meta_set_int(&meta, "dc", c->dc);
    size_meta_set_int(&meta, "dx", c->dx);
    size_meta_set_int(&meta, "hidden", c->hidden);
    size_meta_set_int(&meta, "layers", c->layers);
    nn_meta_set(&meta, "act", nn_act_name(c->act));
    return size_model_write(path, &m->ps, &meta, extra, "size_mlp_save", "format, dc, dx, hidden, layers, act", err);
}

static int file_fail(halo_err *err, const char *source, const char *why)
{
    return halo_err_set(err, HALO_E_SZM_FILE, NULL, 0, source, "size_mlp", why);
}

static int config_from_meta(const nn_meta *meta, const char *source, size_mlp_config *c, halo_err *err)
{
    const char *fmt = nn_meta_get(meta, "format"), *act = nn_meta_get(meta, "act");
    size_mlp_config_default(c);
    if (!fmt || strcmp(fmt, FORMAT) != 0) return file_fail(err, source, "its metadata lacks format " FORMAT);
    if (size_meta_int(meta, "dc", 1, SIZE_MLP_MAX_IO, &c->dc) || size_meta_int(meta, "dx", 1, SIZE_MLP_MAX_IO, &c->dx) ||
        size_meta_int(meta, "hidden", 1, SIZE_MLP_MAX_HIDDEN, &c->hidden) ||
        size_meta_int(meta, "layers", 1, SIZE_MLP_MAX_LAYERS, &c->layers))
        return file_fail(err, source, "dc, dx, hidden or layers is missing or out of range");
    if (!act || nn_act_parse(act, &c->act) != 0) return file_fail(err, source, "act names no activation halo has");
    halo_err e2;
    if (size_mlp_config_check(c, &e2)) return file_fail(err, source, e2.msg);
    return 0;
}

size_mlp *size_mlp_load_buffer(const unsigned char *buf, size_t len, const char *source, nn_meta *meta,
                               halo_err *err)
{
    nn_params file;
    nn_meta own = {0}, *md = meta ? meta : &own;
    size_mlp_config c;
    size_mlp *m = NULL;
    nn_params_init(&file);
    if (meta) memset(meta, 0, sizeof *meta);
    if (nn_safetensors_parse(buf, len, source, &file, md, err) != 0) goto out;
    if (config_from_meta(md, source, &c, err)) goto out;
    /* nothing is built that the file's own weights do not pay for */
    if (size_mlp_config_params(&c) != (double)nn_params_count(&file)) {
        file_fail(err, source, "its tensors do not hold the weights its configuration needs");
        goto out;
    }
    m = size_mlp_new(&c, 1, err);
    if (m && size_params_fill(&m->ps, &file, source, "size_mlp", err)) {
        size_mlp_free(m);
        m = NULL;
    }
out:
    nn_params_free(&file);
    if (!m) nn_meta_free(md);
    else if (!meta) nn_meta_free(&own);
    return m;
}

size_mlp *size_mlp_load(const char *path, nn_meta *meta, halo_err *err)
{
    size_t len;
    if (meta) memset(meta, 0, sizeof *meta);
    char *buf = halo_read_file(path, &len, err, NULL, 0);
    if (!buf) return NULL;
    size_mlp *m = size_mlp_load_buffer((const unsigned char *)buf, len, path, meta, err);
    free(buf);
    return m;
}
