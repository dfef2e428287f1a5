/*
 * explore_sppo.c -- PPO over a set of candidate actions (explore_sppo.h).
 *
 * The buffer keeps, per step, the context, the range of its candidate rows
 * (features and mask) and the choice; an epoch scores every recorded
 * candidate in one batched forward pass of the actor, takes each step's
 * softmax over its own rows, and sends the clipped-loss and entropy
 * gradients back through the same rows.
 */
#include "explore_sppo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore_int.h"
#include "nn/nn_attn.h"
#include "base/strutil.h"

struct xagent_sppo {
    int cdim, fdim, learn;
    xagent_ppo_opts o;
    learner core;
    mlp actor, critic;
    /* steps: n of them (capacity cap); candidate rows of all: rows */
    int n, cap;
    float *ctx;               /* n x cdim */
    int *first, *count, *choice;
    float *logp, *value, *reward, *done;
    int rows, rows_cap;
    float *feats;             /* rows x fdim */
    unsigned char *mask;      /* rows */
};

static int sppo_check(int cdim, int fdim, const xagent_ppo_opts *o, halo_err *err)
{
    if (check_int(err, "context_dim", cdim, 1, XAGENT_MAX_DIM) || check_int(err, "features", fdim, 1, XAGENT_MAX_DIM))
        return -1;
    return ppo_opts_check(o, err);
}

xagent_sppo *xagent_sppo_new(int ctx_dim, int feat_dim, const xagent_ppo_opts *o, halo_err *err)
{
    xagent_ppo_opts def;
    xagent_ppo_defaults(&def);
    if (!o) o = &def;
    if (sppo_check(ctx_dim, feat_dim, o, err)) return NULL;
    xagent_sppo *a = halo_xcalloc(1, sizeof *a);
    a->cdim = ctx_dim;
    a->fdim = feat_dim;
    a->learn = 1;
    a->o = *o;
    actor_critic_init(&a->core, &a->actor, &a->critic, ctx_dim + feat_dim, 1, ctx_dim, o);
    return a;
}

void xagent_sppo_free(xagent_sppo *a)
{
    if (!a) return;
    learner_free(&a->core);
    free(a->ctx);
    free(a->first);
    free(a->count);
    free(a->choice);
    free(a->logp);
    free(a->value);
    free(a->reward);
    free(a->done);
    free(a->feats);
    free(a->mask);
    free(a);
}

int xagent_sppo_ctx_dim(const xagent_sppo *a) { return a->cdim; }
int xagent_sppo_feat_dim(const xagent_sppo *a) { return a->fdim; }
int xagent_sppo_pending(const xagent_sppo *a) { return a->n; }
void xagent_sppo_set_learning(xagent_sppo *a, int learn) { a->learn = learn != 0; }

/* The actor's input rows [ctx, feat_i] for n candidates, in the arena. */
static float *actor_rows(xagent_sppo *a, const float *ctx, const float *feats, int n)
{
    int d = a->cdim + a->fdim;
    float *x = nn_arena_alloc(&a->core.ar, (size_t)n * d);
    for (int i = 0; i < n; i++) {
        memcpy(x + (size_t)i * d, ctx, (size_t)a->cdim * sizeof(float));
        memcpy(x + (size_t)i * d + a->cdim, feats + (size_t)i * a->fdim, (size_t)a->fdim * sizeof(float));
    }
    return x;
}

/* Masked scores of n candidates, in the arena; NULL when none is allowed. */
static float *sppo_scores(xagent_sppo *a, const float *ctx, const float *feats, int n, const unsigned char *mask)
{
    if (n < 1 || count_allowed(mask, n) == 0) return NULL;
    mlp_trace t;
    mlp_forward(&a->actor, actor_rows(a, ctx, feats, n), n, &a->core.ar, &t);
    apply_mask(t.out, mask, n);
    return t.out;
}

static float sppo_value(xagent_sppo *a, const float *ctx)
{
    mlp_trace t;
    mlp_forward(&a->critic, ctx, 1, &a->core.ar, &t);
    return t.out[0];
}

static void sppo_record(xagent_sppo *a, const float *ctx, const float *feats, int n, const unsigned char *mask,
                        int choice, float logp, float value)
{
    int c = a->cap, need = a->n + 1;
    a->ctx = grow(a->ctx, &c, need, (size_t)a->cdim * sizeof(float));
    int **ints[] = {&a->first, &a->count, &a->choice};
    for (int k = 0; k < 3; k++) {
        c = a->cap;
        *ints[k] = grow(*ints[k], &c, need, sizeof(int));
    }
    float **fl[] = {&a->logp, &a->value, &a->reward, &a->done};
    for (int k = 0; k < 4; k++) {
        c = a->cap;
        *fl[k] = grow(*fl[k], &c, need, sizeof(float));
    }
    a->cap = c;
    c = a->rows_cap;
    a->feats = grow(a->feats, &c, a->rows + n, (size_t)a->fdim * sizeof(float));
    c = a->rows_cap;
    a->mask = grow(a->mask, &c, a->rows + n, 1);
    a->rows_cap = c;
    int k = a->n++;
    memcpy(a->ctx + (size_t)k * a->cdim, ctx, (size_t)a->cdim * sizeof(float));
    memcpy(a->feats + (size_t)a->rows * a->fdim, feats, (size_t)n * a->fdim * sizeof(float));
    for (int i = 0; i < n; i++) a->mask[a->rows + i] = !mask || mask[i];
    a->first[k] = a->rows;
    a->count[k] = n;
    a->choice[k] = choice;
    a->logp[k] = logp;
    a->value[k] = value;
    a->reward[k] = 0;
    a->done[k] = 0;
    a->rows += n;
}

int xagent_sppo_act(xagent_sppo *a, const float *ctx, const float *feats, int n, const unsigned char *mask,
                    int *choice, halo_err *err)
{
    size_t mark = nn_arena_mark(&a->core.ar);
    float *z = sppo_scores(a, ctx, feats, n, mask);
    if (!z) {
        nn_arena_release(&a->core.ar, mark);
        if (n < 1) return halo_err_set(err, HALO_E_AGT_STATE, NULL, 0, "No candidate actions to choose from.");
        return halo_err_set(err, HALO_E_AGT_MASKED, NULL, 0, "candidate action");
    }
    float *p = nn_arena_alloc(&a->core.ar, (size_t)n);
    nn_softmax_forward(z, 1, n, p);
    int c = rng_categorical(&a->core.rng, p, n);
    float logp = (float)nn_categorical_logprob(z, n, c, NULL);
    float v = sppo_value(a, ctx);
    nn_arena_release(&a->core.ar, mark);
    sppo_record(a, ctx, feats, n, mask, c, logp, v);
    *choice = c;
    return 0;
}

void xagent_sppo_reward(xagent_sppo *a, double reward, int done)
{
    if (a->n == 0) return;
    a->reward[a->n - 1] = (float)reward;
    a->done[a->n - 1] = done ? 1.0f : 0.0f;
}

void xagent_sppo_truncate(xagent_sppo *a, const float *next_ctx)
{
    if (a->n == 0) return;
    size_t mark = nn_arena_mark(&a->core.ar);
    float v = sppo_value(a, next_ctx);
    nn_arena_release(&a->core.ar, mark);
    a->reward[a->n - 1] += (float)a->o.gamma * v;
    a->done[a->n - 1] = 1.0f;
}

int xagent_sppo_probs(xagent_sppo *a, const float *ctx, const float *feats, int n, const unsigned char *mask,
                      float *probs)
{
    size_t mark = nn_arena_mark(&a->core.ar);
    float *z = sppo_scores(a, ctx, feats, n, mask);
    if (z) nn_softmax_forward(z, 1, n, probs);
    nn_arena_release(&a->core.ar, mark);
    return z ? 0 : -1;
}

/* ---------------------------------------------------------------- update */

static double sppo_advantages(xagent_sppo *a, float *adv, float *ret)
{
    return ppo_advantages_of(&a->core.ar, a->reward, a->value, a->done, a->n, &a->o, adv, ret);
}

/* Policy gradient of one epoch into dz (one per candidate row): clipped
 * loss through each step's chosen log-probability, minus the entropy
 * bonus; masked rows are constants and get none. */
static void sppo_policy_grad(xagent_sppo *a, float *z, const float *adv, float *dz, double *pl, double *ent)
{
    int T = a->n;
    float *lnew = nn_arena_alloc(&a->core.ar, (size_t)T), *dnew = nn_arena_alloc(&a->core.ar, (size_t)T);
    for (int t = 0; t < T; t++) {
        apply_mask(z + a->first[t], a->mask + a->first[t], a->count[t]);
        lnew[t] = (float)nn_categorical_logprob(z + a->first[t], a->count[t], a->choice[t], NULL);
    }
    *pl = nn_ppo_clip_loss(lnew, a->logp, adv, T, (float)a->o.clip, dnew);
    *ent = 0;
    for (int t = 0; t < T; t++) {
        int n = a->count[t];
        const float *zt = z + a->first[t];
        const unsigned char *m = a->mask + a->first[t];
        float *g = nn_arena_alloc(&a->core.ar, (size_t)n), *ge = nn_arena_alloc(&a->core.ar, (size_t)n);
        nn_categorical_logprob(zt, n, a->choice[t], g);
        *ent += nn_categorical_entropy(zt, n, ge) / T;
        for (int i = 0; i < n; i++)
            dz[a->first[t] + i] = m[i] ? dnew[t] * g[i] - (float)a->o.entropy_coef * ge[i] / (float)T : 0.0f;
    }
}

static void sppo_epoch(xagent_sppo *a, const float *adv, const float *ret, xagent_stats *s)
{
    int T = a->n, R = a->rows, d = a->cdim + a->fdim;
    size_t mark = nn_arena_mark(&a->core.ar);
    nn_params_zero_grad(&a->core.ps);
    float *x = nn_arena_alloc(&a->core.ar, (size_t)R * d);
    for (int t = 0; t < T; t++)
        for (int i = 0; i < a->count[t]; i++) {
            int r = a->first[t] + i;
            memcpy(x + (size_t)r * d, a->ctx + (size_t)t * a->cdim, (size_t)a->cdim * sizeof(float));
            memcpy(x + (size_t)r * d + a->cdim, a->feats + (size_t)r * a->fdim, (size_t)a->fdim * sizeof(float));
        }
    mlp_trace ta, tc;
    mlp_forward(&a->actor, x, R, &a->core.ar, &ta);
    mlp_forward(&a->critic, a->ctx, T, &a->core.ar, &tc);
    float *dz = nn_arena_alloc(&a->core.ar, (size_t)R), *dvalue = nn_arena_alloc(&a->core.ar, (size_t)T);
    double pl, ent;
    sppo_policy_grad(a, ta.out, adv, dz, &pl, &ent);
    double vl = nn_loss_mse(tc.out, ret, (size_t)T, dvalue);
    for (int t = 0; t < T; t++) dvalue[t] *= (float)a->o.value_coef;
    mlp_backward(&a->actor, x, &ta, dz, R, &a->core.ar);
    mlp_backward(&a->critic, a->ctx, &tc, dvalue, T, &a->core.ar);
    nn_clip_grad_norm(&a->core.ps, a->o.max_grad_norm);
    if (a->learn) nn_optim_step(&a->core.opt, &a->core.ps);
    s->policy_loss += pl / a->o.epochs;
    s->value_loss += vl / a->o.epochs;
    s->entropy += ent / a->o.epochs;
    nn_arena_release(&a->core.ar, mark);
}

int xagent_sppo_update(xagent_sppo *a, xagent_stats *out, halo_err *err)
{
    (void)err;
    xagent_stats s;
    memset(&s, 0, sizeof s);
    if (a->n > 0) {
        size_t mark = nn_arena_mark(&a->core.ar);
        float *adv = nn_arena_alloc(&a->core.ar, (size_t)a->n), *ret = nn_arena_alloc(&a->core.ar, (size_t)a->n);
        s.steps = a->n;
        s.mean_return = sppo_advantages(a, adv, ret);
        for (int e = 0; e < a->o.epochs; e++) sppo_epoch(a, adv, ret, &s);
        nn_arena_release(&a->core.ar, mark);
        a->n = 0;
        a->rows = 0;
    }
    if (out) *out = s;
    return 0;
}

/* ---------------------------------------------------------------- files */

/* A copy of p's values under another name into ps. */
static void add_copy(nn_params *ps, const char *prefix, const nn_param *p, const float *values)
{
    char name[160];
    snprintf(name, sizeof name, "%s%s", prefix, p->name);
    nn_param *q = nn_params_add(ps, name, p->ndim, p->shape);
    memcpy(q->w, values, p->n * sizeof *q->w);
}

/* The whole state, so that a run resumed from it goes on exactly as the
 * run that wrote it: the weights, Adam's moments ("optim.m.", "optim.v."
 * tensors) and step count, and the sampling rng (metadata).  Steps
 * recorded since the last update are not kept. */
int xagent_sppo_save(const xagent_sppo *a, const char *path, halo_err *err)
{
    nn_meta m = {NULL, NULL, 0};
    nn_meta_set(&m, "architecture", "xagent_sppo");
    nn_meta_set(&m, "layout", "actor MLP scores [context, candidate]; critic MLP on context; in-hidden-hidden-1, tanh");
    meta_num(&m, "context_dim", a->cdim);
    meta_num(&m, "feat_dim", a->fdim);
    ppo_opts_meta(&m, &a->o);
    char text[96];
    snprintf(text, sizeof text, "%ld", a->core.opt.step);
    nn_meta_set(&m, "optim_step", text);
    snprintf(text, sizeof text, "%016llx%016llx%016llx%016llx", (unsigned long long)a->core.rng.s[0],
             (unsigned long long)a->core.rng.s[1], (unsigned long long)a->core.rng.s[2],
             (unsigned long long)a->core.rng.s[3]);
    nn_meta_set(&m, "rng", text);
    nn_params all;
    nn_params_init(&all);
    for (int i = 0; i < a->core.ps.n; i++) add_copy(&all, "", a->core.ps.p[i], a->core.ps.p[i]->w);
    for (int i = 0; i < a->core.ps.n; i++) {
        const nn_param *p = a->core.ps.p[i];
        if (p->m) add_copy(&all, "optim.m.", p, p->m);
        if (p->v) add_copy(&all, "optim.v.", p, p->v);
    }
    int rc = nn_safetensors_write(path, &all, &m, err);
    nn_params_free(&all);
    nn_meta_free(&m);
    return rc;
}

/* A number from the metadata, or NAN when missing or not a number. */
static double meta_number(const nn_meta *m, const char *key)
{
    const char *v = nn_meta_get(m, key);
    char *end;
    if (!v || !*v) return NAN;
    double x = strtod(v, &end);
    return *end ? NAN : x;
}

static int load_fail(halo_err *err, const char *path, const char *why)
{
    return halo_err_set(err, HALO_E_AGT_FILE, path, 0, path, why);
}

/* Options and dims from the file's metadata; -1 with err when any is
 * missing or out of range (sppo_check names it). */
static int load_options(const nn_meta *m, const char *path, int *cdim, int *fdim, xagent_ppo_opts *o, halo_err *err)
{
    const char *arch = nn_meta_get(m, "architecture");
    if (!arch || strcmp(arch, "xagent_sppo") != 0) return load_fail(err, path, "its architecture is not xagent_sppo");
    double c = meta_number(m, "context_dim"), f = meta_number(m, "feat_dim"), h = meta_number(m, "hidden");
    double e = meta_number(m, "epochs");
    const char *seed = nn_meta_get(m, "seed");
    if (!(c >= 1 && c <= XAGENT_MAX_DIM && f >= 1 && f <= XAGENT_MAX_DIM && h >= 1 && h <= XAGENT_MAX_HIDDEN &&
          e >= 1 && e <= 1000))
        return load_fail(err, path, "its dimensions are missing or out of range");
    /* a 64-bit seed: read as an integer, a double would round it */
    if (!seed || !*seed || strlen(seed) > 20 || strspn(seed, "0123456789") != strlen(seed))
        return load_fail(err, path, "its seed is not an unsigned integer");
    xagent_ppo_defaults(o);
    *cdim = (int)c;
    *fdim = (int)f;
    o->hidden = (int)h;
    o->epochs = (int)e;
    o->seed = strtoull(seed, NULL, 10);
    struct { const char *key; double *v; } reals[] = {
        {"lr", &o->lr}, {"gamma", &o->gamma}, {"lambda", &o->lambda}, {"clip", &o->clip},
        {"entropy_coef", &o->entropy_coef}, {"value_coef", &o->value_coef}, {"max_grad_norm", &o->max_grad_norm}};
    for (size_t k = 0; k < sizeof reals / sizeof reals[0]; k++) *reals[k].v = meta_number(m, reals[k].key);
    /* out-of-range options are the file's fault: name it */
    halo_err why;
    halo_err_clear(&why);
    if (sppo_check(*cdim, *fdim, o, &why) == 0) return 0;
    size_t n = strlen(why.msg);
    if (n && why.msg[n - 1] == '.') why.msg[n - 1] = 0;
    return load_fail(err, path, why.msg);
}

static int finite_all(const float *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(v[k])) return 0;
    return 1;
}

/* Values of tensor prefix+p->name from the file into *dst (allocated when
 * optional and present); -1 with err when missing (and required), of
 * another shape or not finite. */
static int restore(const nn_params *file, const char *path, const char *prefix, const nn_param *p, float **dst,
                   int required, halo_err *err)
{
    char name[160], why[200];
    snprintf(name, sizeof name, "%s%s", prefix, p->name);
    const nn_param *q = nn_params_find(file, name);
    if (!q && !required) return 0;
    if (!q || q->n != p->n || !finite_all(q->w, q->n)) {
        snprintf(why, sizeof why, "tensor %s is %s", name,
                 !q ? "missing" : q->n != p->n ? "of another shape" : "not all finite numbers");
        return load_fail(err, path, why);
    }
    if (!*dst) *dst = halo_xcalloc(p->n, sizeof **dst);
    memcpy(*dst, q->w, p->n * sizeof **dst);
    return 0;
}

/* Adam's step count and the rng, when the file has them. */
static int restore_meta(xagent_sppo *a, const nn_meta *m, const char *path, halo_err *err)
{
    double step = meta_number(m, "optim_step");
    if (!isnan(step)) {
        if (step < 0 || step > 1e15) return load_fail(err, path, "its optim_step is out of range");
        a->core.opt.step = (long)step;
    }
    const char *r = nn_meta_get(m, "rng");
    if (r) {
        if (strlen(r) != 64 || strspn(r, "0123456789abcdef") != 64) return load_fail(err, path, "its rng is not 64 hex digits");
        for (int k = 0; k < 4; k++) {
            char word[17];
            memcpy(word, r + 16 * k, 16);
            word[16] = 0;
            a->core.rng.s[k] = strtoull(word, NULL, 16);
        }
        if ((a->core.rng.s[0] | a->core.rng.s[1] | a->core.rng.s[2] | a->core.rng.s[3]) == 0)
            return load_fail(err, path, "its rng state is all zero");
    }
    return 0;
}

xagent_sppo *xagent_sppo_from(const nn_params *file, const nn_meta *m, const char *source, halo_err *err)
{
    int cdim = 0, fdim = 0;
    xagent_ppo_opts o;
    if (load_options(m, source, &cdim, &fdim, &o, err) != 0) return NULL;
    xagent_sppo *a = xagent_sppo_new(cdim, fdim, &o, err);
    if (!a) return NULL;
    int bad = restore_meta(a, m, source, err);
    for (int i = 0; i < a->core.ps.n && !bad; i++) {
        nn_param *p = a->core.ps.p[i];
        bad = restore(file, source, "", p, &p->w, 1, err) || restore(file, source, "optim.m.", p, &p->m, 0, err) ||
              restore(file, source, "optim.v.", p, &p->v, 0, err);
    }
    if (bad) {
        xagent_sppo_free(a);
        return NULL;
    }
    return a;
}

xagent_sppo *xagent_sppo_load(const char *path, halo_err *err)
{
    nn_params file;
    nn_params_init(&file);
    nn_meta m = {NULL, NULL, 0};
    xagent_sppo *a = NULL;
    if (nn_safetensors_read(path, &file, &m, err) == 0) a = xagent_sppo_from(&file, &m, path, err);
    nn_params_free(&file);
    nn_meta_free(&m);
    return a;
}
