/*
 * explore_agent.c -- the PPO actor-critic and the REINFORCE candidate
 * chooser of explore_agent.h.
 *
 * Both agents are small tanh MLPs on nn_linear; activations live in the
 * agent's arena for the length of one call and are released at its end.
 * Buffers grow by doubling and are cleared (not freed) by an update.
 */
#include "explore_agent.h"
#include "explore_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_attn.h"
#include "nn/nn_layers.h"
#include "nn/nn_safetensors.h"
#include "nn/nn_train.h"
#include "base/rng.h"
#include "base/strutil.h"


/* ---------------------------------------------------------------- MLP */

/* Layers named "name.0", "name.2", ... like PyTorch's Sequential with the
 * activations at the odd indices, so the file loads there unchanged. */
void mlp_init(mlp *m, nn_params *ps, const char *name, const int *sizes, int nl, halo_rng *rng)
{
    char key[64];
    m->nl = nl;
    for (int k = 0; k < nl; k++) {
        snprintf(key, sizeof key, "%s.%d", name, 2 * k);
        nn_linear_init(&m->l[k], ps, key, sizes[k], sizes[k + 1], 1, rng);
    }
}

void mlp_forward(const mlp *m, const float *x, int rows, nn_arena *ar, mlp_trace *t)
{
    const float *in = x;
    for (int k = 0; k < m->nl - 1; k++) {
        size_t n = (size_t)rows * (size_t)m->l[k].out;
        t->pre[k] = nn_arena_alloc(ar, n);
        t->post[k] = nn_arena_alloc(ar, n);
        nn_linear_forward(&m->l[k], in, rows, t->pre[k]);
        nn_act_forward(NN_TANH, t->pre[k], n, t->post[k]);
        in = t->post[k];
    }
    t->out = nn_arena_alloc(ar, (size_t)rows * (size_t)m->l[m->nl - 1].out);
    nn_linear_forward(&m->l[m->nl - 1], in, rows, t->out);
}

/* Accumulate the parameters' gradients for dout; the input needs none. */
void mlp_backward(const mlp *m, const float *x, const mlp_trace *t, const float *dout, int rows,
                         nn_arena *ar)
{
    const float *dy = dout;
    for (int k = m->nl - 1; k >= 0; k--) {
        const float *in = k ? t->post[k - 1] : x;
        if (k == 0) {
            nn_linear_backward(&m->l[0], in, dy, rows, NULL);
            break;
        }
        size_t n = (size_t)rows * (size_t)m->l[k].in;
        float *dpost = nn_arena_alloc(ar, n), *dpre = nn_arena_alloc(ar, n);
        nn_linear_backward(&m->l[k], in, dy, rows, dpost);
        nn_act_backward(NN_TANH, t->pre[k - 1], t->post[k - 1], dpost, n, dpre);
        dy = dpre;
    }
}

/* ---------------------------------------------------------------- helpers */

/* Overwrite masked logits; the count of allowed ones. */
int apply_mask(float *logits, const unsigned char *mask, int n)
{
    int allowed = 0;
    for (int i = 0; i < n; i++) {
        if (mask && !mask[i]) logits[i] = XAGENT_MASKED_LOGIT;
        else allowed++;
    }
    return allowed;
}

int count_allowed(const unsigned char *mask, int n)
{
    int allowed = 0;
    for (int i = 0; i < n; i++) allowed += !mask || mask[i];
    return allowed;
}

void learner_init(learner *l, uint64_t seed, double lr)
{
    rng_seed(&l->rng, seed);
    nn_params_init(&l->ps);
    nn_optim_init(&l->opt, NN_ADAM, (float)lr);
    nn_arena_init(&l->ar, ARENA_BLOCK);
}

void learner_free(learner *l)
{
    nn_params_free(&l->ps);
    nn_arena_free(&l->ar);
}

int bad_option(halo_err *err, const char *name, double value, const char *expected)
{
    char v[64];
    snprintf(v, sizeof v, "%g", value);
    return halo_err_set(err, HALO_E_AGT_OPTION, NULL, 0, name, v, expected);
}

int check_int(halo_err *err, const char *name, int v, int lo, int hi)
{
    if (v >= lo && v <= hi) return 0;
    char expected[64];
    snprintf(expected, sizeof expected, "an integer from %d to %d", lo, hi);
    return bad_option(err, name, v, expected);
}

/* lo_open: v > lo, else v >= lo; NaN always fails. */
int check_real(halo_err *err, const char *name, double v, double lo, int lo_open, double hi)
{
    int ok = (lo_open ? v > lo : v >= lo) && v <= hi;
    if (ok) return 0;
    char expected[96];
    snprintf(expected, sizeof expected, "a number %s %g and <= %g", lo_open ? ">" : ">=", lo, hi);
    return bad_option(err, name, v, expected);
}

void meta_num(nn_meta *m, const char *key, double v)
{
    char text[64];
    snprintf(text, sizeof text, "%.9g", v);
    nn_meta_set(m, key, text);
}

/* Grow a buffer of elem-byte items to hold need of them. */
void *grow(void *p, int *cap, int need, size_t elem)
{
    if (need <= *cap) return p;
    int c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    *cap = c;
    return halo_xrealloc(p, (size_t)c * elem);
}

/* ---------------------------------------------------------------- PPO */

struct xagent_ppo {
    int sdim, nact;
    xagent_ppo_opts o;
    learner core;
    mlp actor, critic;
    /* the buffer: n steps, capacity cap */
    int n, cap;
    float *state;             /* n x sdim */
    unsigned char *mask;      /* n x nact */
    int *action;
    float *logp, *value, *reward, *done;
};

void xagent_ppo_defaults(xagent_ppo_opts *o)
{
    o->hidden = 64;
    o->lr = 3e-4;
    o->gamma = 0.95;
    o->lambda = 0.9;
    o->clip = 0.2;
    o->entropy_coef = 0.01;
    o->value_coef = 0.5;
    o->epochs = 4;
    o->max_grad_norm = 0.5;
    o->seed = 1;
}

int ppo_opts_check(const xagent_ppo_opts *o, halo_err *err)
{
    if (check_int(err, "hidden", o->hidden, 1, XAGENT_MAX_HIDDEN) || check_int(err, "epochs", o->epochs, 1, 1000) ||
        check_real(err, "lr", o->lr, 0, 1, 1) || check_real(err, "gamma", o->gamma, 0, 0, 1) ||
        check_real(err, "lambda", o->lambda, 0, 0, 1) || check_real(err, "clip", o->clip, 0, 1, 1) ||
        check_real(err, "entropy", o->entropy_coef, 0, 0, 1e6) ||
        check_real(err, "value_coef", o->value_coef, 0, 0, 1e6) ||
        check_real(err, "max_grad_norm", o->max_grad_norm, 0, 1, 1e6))
        return -1;
    return 0;
}

static int ppo_check(int sdim, int nact, const xagent_ppo_opts *o, halo_err *err)
{
    if (check_int(err, "state_dim", sdim, 1, XAGENT_MAX_DIM) || check_int(err, "actions", nact, 1, XAGENT_MAX_DIM))
        return -1;
    return ppo_opts_check(o, err);
}

void actor_critic_init(learner *l, mlp *actor, mlp *critic, int actor_in, int actor_out, int critic_in,
                       const xagent_ppo_opts *o)
{
    learner_init(l, o->seed, o->lr);
    int as[4] = {actor_in, o->hidden, o->hidden, actor_out}, cs[4] = {critic_in, o->hidden, o->hidden, 1};
    mlp_init(actor, &l->ps, "actor", as, 3, &l->rng);
    mlp_init(critic, &l->ps, "critic", cs, 3, &l->rng);
    /* a small policy head starts the policy near uniform over the allowed
     * actions, so early exploration does not favour any of them */
    nn_param *head = actor->l[2].w;
    for (size_t i = 0; i < head->n; i++) head->w[i] *= 0.01f;
    nn_init_const(actor->l[2].b, 0.0f);
}

xagent_ppo *xagent_ppo_new(int state_dim, int n_actions, const xagent_ppo_opts *o, halo_err *err)
{
    xagent_ppo_opts def;
    xagent_ppo_defaults(&def);
    if (!o) o = &def;
    if (ppo_check(state_dim, n_actions, o, err)) return NULL;
    xagent_ppo *a = halo_xcalloc(1, sizeof *a);
    a->sdim = state_dim;
    a->nact = n_actions;
    a->o = *o;
    actor_critic_init(&a->core, &a->actor, &a->critic, state_dim, n_actions, state_dim, o);
    return a;
}

void xagent_ppo_free(xagent_ppo *a)
{
    if (!a) return;
    learner_free(&a->core);
    free(a->state);
    free(a->mask);
    free(a->action);
    free(a->logp);
    free(a->value);
    free(a->reward);
    free(a->done);
    free(a);
}

int xagent_ppo_state_dim(const xagent_ppo *a) { return a->sdim; }
int xagent_ppo_actions(const xagent_ppo *a) { return a->nact; }
int xagent_ppo_pending(const xagent_ppo *a) { return a->n; }

/* Room for one more step in every buffer array. */
static void ppo_reserve(xagent_ppo *a)
{
    int cap = a->cap, need = a->n + 1;
    if (need <= cap) return;
    int c = cap;
    a->state = grow(a->state, &c, need, (size_t)a->sdim * sizeof(float));
    c = cap;
    a->mask = grow(a->mask, &c, need, (size_t)a->nact);
    c = cap;
    a->action = grow(a->action, &c, need, sizeof(int));
    float **f[] = {&a->logp, &a->value, &a->reward, &a->done};
    for (int k = 0; k < 4; k++) {
        c = cap;
        *f[k] = grow(*f[k], &c, need, sizeof(float));
    }
    a->cap = c;
}

/* Masked logits and value of one state, in the arena. */
static void ppo_eval(xagent_ppo *a, const float *state, const unsigned char *mask, float **logits, float *value)
{
    mlp_trace ta, tc;
    mlp_forward(&a->actor, state, 1, &a->core.ar, &ta);
    mlp_forward(&a->critic, state, 1, &a->core.ar, &tc);
    apply_mask(ta.out, mask, a->nact);
    *logits = ta.out;
    *value = tc.out[0];
}

int xagent_ppo_act(xagent_ppo *a, const float *state, const unsigned char *mask, int *action, halo_err *err)
{
    if (count_allowed(mask, a->nact) == 0) return halo_err_set(err, HALO_E_AGT_MASKED, NULL, 0, "action");
    size_t mark = nn_arena_mark(&a->core.ar);
    float *logits, value;
    ppo_eval(a, state, mask, &logits, &value);
    float *p = nn_arena_alloc(&a->core.ar, (size_t)a->nact);
    nn_softmax_forward(logits, 1, a->nact, p);
    int act = rng_categorical(&a->core.rng, p, a->nact);
    ppo_reserve(a);
    int k = a->n++;
    memcpy(a->state + (size_t)k * a->sdim, state, (size_t)a->sdim * sizeof(float));
    for (int i = 0; i < a->nact; i++) a->mask[(size_t)k * a->nact + i] = !mask || mask[i];
    a->action[k] = act;
    a->logp[k] = (float)nn_categorical_logprob(logits, a->nact, act, NULL);
    a->value[k] = value;
    a->reward[k] = 0;
    a->done[k] = 0;
    nn_arena_release(&a->core.ar, mark);
    *action = act;
    return 0;
}

void xagent_ppo_reward(xagent_ppo *a, double reward, int done)
{
    if (a->n == 0) return;
    a->reward[a->n - 1] = (float)reward;
    a->done[a->n - 1] = done ? 1.0f : 0.0f;
}

int xagent_ppo_probs(xagent_ppo *a, const float *state, const unsigned char *mask, float *probs)
{
    if (count_allowed(mask, a->nact) == 0) return -1;
    size_t mark = nn_arena_mark(&a->core.ar);
    float *logits, value;
    ppo_eval(a, state, mask, &logits, &value);
    nn_softmax_forward(logits, 1, a->nact, probs);
    nn_arena_release(&a->core.ar, mark);
    return 0;
}

/* Advantages (normalised over the buffer) and returns by GAE; the buffer's end closes an
 * episode, since the state after it is not known.  Returns the mean
 * summed reward per episode. */
double ppo_advantages_of(nn_arena *ar, const float *reward, const float *value, const float *done_in, int T,
                         const xagent_ppo_opts *o, float *adv, float *ret)
{
    float *done = nn_arena_alloc(ar, (size_t)T);
    memcpy(done, done_in, (size_t)T * sizeof(float));
    done[T - 1] = 1;
    nn_gae(reward, value, done, T, 0.0f, (float)o->gamma, (float)o->lambda, adv, ret);
    double sum = 0, episodes = 0, mean = 0, var = 0;
    for (int t = 0; t < T; t++) {
        sum += reward[t];
        episodes += done[t];
        mean += adv[t] / (double)T;
    }
    /* one step normalises to 0 and would teach the policy nothing: keep
     * its raw advantage (as Stable-Baselines3 does) */
    if (T > 1) {
        for (int t = 0; t < T; t++) var += (adv[t] - mean) * (adv[t] - mean) / T;
        for (int t = 0; t < T; t++) adv[t] = (float)((adv[t] - mean) / (sqrt(var) + 1e-8));
    }
    return sum / episodes;
}

static double ppo_advantages(xagent_ppo *a, float *adv, float *ret)
{
    return ppo_advantages_of(&a->core.ar, a->reward, a->value, a->done, a->n, &a->o, adv, ret);
}

/* The policy part of one epoch: loss gradients into dlogits; the clipped
 * loss and mean entropy into *pl, *ent. */
static void ppo_policy_grad(xagent_ppo *a, float *logits, const float *adv, float *dlogits, double *pl, double *ent)
{
    int T = a->n, A = a->nact;
    float *lnew = nn_arena_alloc(&a->core.ar, (size_t)T), *dnew = nn_arena_alloc(&a->core.ar, (size_t)T);
    float *g = nn_arena_alloc(&a->core.ar, (size_t)A), *ge = nn_arena_alloc(&a->core.ar, (size_t)A);
    for (int t = 0; t < T; t++) {
        apply_mask(logits + (size_t)t * A, a->mask + (size_t)t * A, A);
        lnew[t] = (float)nn_categorical_logprob(logits + (size_t)t * A, A, a->action[t], NULL);
    }
    *pl = nn_ppo_clip_loss(lnew, a->logp, adv, T, (float)a->o.clip, dnew);
    *ent = 0;
    for (int t = 0; t < T; t++) {
        const float *z = logits + (size_t)t * A;
        const unsigned char *m = a->mask + (size_t)t * A;
        nn_categorical_logprob(z, A, a->action[t], g);
        *ent += nn_categorical_entropy(z, A, ge) / T;
        /* masked logits are constants, not outputs of the net: no gradient */
        for (int i = 0; i < A; i++)
            dlogits[(size_t)t * A + i] = m[i] ? dnew[t] * g[i] - (float)a->o.entropy_coef * ge[i] / (float)T : 0.0f;
    }
}

/* One full-batch epoch: forward, losses, backward, clip, Adam. */
static void ppo_epoch(xagent_ppo *a, const float *adv, const float *ret, xagent_stats *s)
{
    int T = a->n;
    size_t mark = nn_arena_mark(&a->core.ar);
    nn_params_zero_grad(&a->core.ps);
    mlp_trace ta, tc;
    mlp_forward(&a->actor, a->state, T, &a->core.ar, &ta);
    mlp_forward(&a->critic, a->state, T, &a->core.ar, &tc);
    float *dlogits = nn_arena_alloc(&a->core.ar, (size_t)T * a->nact), *dvalue = nn_arena_alloc(&a->core.ar, (size_t)T);
    double pl, ent;
    ppo_policy_grad(a, ta.out, adv, dlogits, &pl, &ent);
    double vl = nn_loss_mse(tc.out, ret, (size_t)T, dvalue);
    for (int t = 0; t < T; t++) dvalue[t] *= (float)a->o.value_coef;
    mlp_backward(&a->actor, a->state, &ta, dlogits, T, &a->core.ar);
    mlp_backward(&a->critic, a->state, &tc, dvalue, T, &a->core.ar);
    nn_clip_grad_norm(&a->core.ps, a->o.max_grad_norm);
    nn_optim_step(&a->core.opt, &a->core.ps);
    s->policy_loss += pl / a->o.epochs;
    s->value_loss += vl / a->o.epochs;
    s->entropy += ent / a->o.epochs;
    nn_arena_release(&a->core.ar, mark);
}

int xagent_ppo_update(xagent_ppo *a, xagent_stats *out, halo_err *err)
{
    (void)err;   /* nothing can fail once the buffer holds valid steps */
    xagent_stats s;
    memset(&s, 0, sizeof s);
    if (a->n > 0) {
        size_t mark = nn_arena_mark(&a->core.ar);
        float *adv = nn_arena_alloc(&a->core.ar, (size_t)a->n), *ret = nn_arena_alloc(&a->core.ar, (size_t)a->n);
        s.steps = a->n;
        s.mean_return = ppo_advantages(a, adv, ret);
        for (int e = 0; e < a->o.epochs; e++) ppo_epoch(a, adv, ret, &s);
        nn_arena_release(&a->core.ar, mark);
        a->n = 0;
    }
    if (out) *out = s;
    return 0;
}

void ppo_opts_meta(nn_meta *m, const xagent_ppo_opts *o)
{
    meta_num(m, "hidden", o->hidden);
    meta_num(m, "lr", o->lr);
    meta_num(m, "gamma", o->gamma);
    meta_num(m, "lambda", o->lambda);
    meta_num(m, "clip", o->clip);
    meta_num(m, "entropy_coef", o->entropy_coef);
    meta_num(m, "value_coef", o->value_coef);
    meta_num(m, "epochs", o->epochs);
    meta_num(m, "max_grad_norm", o->max_grad_norm);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    nn_meta_set(m, "seed", seed);
}

int xagent_ppo_save(const xagent_ppo *a, const char *path, halo_err *err)
{
    nn_meta m = {NULL, NULL, 0};
    nn_meta_set(&m, "architecture", "xagent_ppo");
    nn_meta_set(&m, "layout", "separate actor and critic MLPs: in-hidden-hidden-out, tanh");
    meta_num(&m, "state_dim", a->sdim);
    meta_num(&m, "actions", a->nact);
    ppo_opts_meta(&m, &a->o);
    int rc = nn_safetensors_write(path, &a->core.ps, &m, err);
    nn_meta_free(&m);
    return rc;
}

/* ---------------------------------------------------------------- REINFORCE */

struct xagent_rf {
    int fdim;
    xagent_rf_opts o;
    learner core;
    mlp net;
    double baseline;
    int have_baseline;        /* the first reward initialises the baseline */
    /* recorded choices: n of them; candidate rows of all of them: rows */
    int n, cap;
    int *first, *count, *choice;
    float *reward;
    int rows, rows_cap;
    float *feats;             /* rows x fdim */
    unsigned char *mask;      /* rows */
};

void xagent_rf_defaults(xagent_rf_opts *o)
{
    o->hidden = 32;
    o->lr = 1e-2;
    o->seed = 1;
}

xagent_rf *xagent_rf_new(int feat_dim, const xagent_rf_opts *o, halo_err *err)
{
    xagent_rf_opts def;
    xagent_rf_defaults(&def);
    if (!o) o = &def;
    if (check_int(err, "features", feat_dim, 1, XAGENT_MAX_DIM) ||
        check_int(err, "hidden", o->hidden, 1, XAGENT_MAX_HIDDEN) || check_real(err, "lr", o->lr, 0, 1, 1))
        return NULL;
    xagent_rf *a = halo_xcalloc(1, sizeof *a);
    a->fdim = feat_dim;
    a->o = *o;
    learner_init(&a->core, o->seed, o->lr);
    int sizes[3] = {feat_dim, o->hidden, 1};
    mlp_init(&a->net, &a->core.ps, "score", sizes, 2, &a->core.rng);
    return a;
}

void xagent_rf_free(xagent_rf *a)
{
    if (!a) return;
    learner_free(&a->core);
    free(a->first);
    free(a->count);
    free(a->choice);
    free(a->reward);
    free(a->feats);
    free(a->mask);
    free(a);
}

int xagent_rf_feat_dim(const xagent_rf *a) { return a->fdim; }
int xagent_rf_pending(const xagent_rf *a) { return a->n; }

/* Masked scores of n candidates, in the arena; NULL when none is allowed. */
static float *rf_scores(xagent_rf *a, const float *feats, int n, const unsigned char *mask)
{
    if (n < 1 || count_allowed(mask, n) == 0) return NULL;
    mlp_trace t;
    mlp_forward(&a->net, feats, n, &a->core.ar, &t);
    apply_mask(t.out, mask, n);
    return t.out;
}

static int rf_refuse(halo_err *err, int n)
{
    if (n < 1) return halo_err_set(err, HALO_E_AGT_STATE, NULL, 0, "No candidates to choose from.");
    return halo_err_set(err, HALO_E_AGT_MASKED, NULL, 0, "candidate");
}

/* Keep the candidate set of a choice for the update. */
static void rf_record(xagent_rf *a, const float *feats, int n, const unsigned char *mask, int choice)
{
    int c = a->cap;
    a->first = grow(a->first, &c, a->n + 1, sizeof(int));
    c = a->cap;
    a->count = grow(a->count, &c, a->n + 1, sizeof(int));
    c = a->cap;
    a->choice = grow(a->choice, &c, a->n + 1, sizeof(int));
    c = a->cap;
    a->reward = grow(a->reward, &c, a->n + 1, sizeof(float));
    a->cap = c;
    c = a->rows_cap;
    a->feats = grow(a->feats, &c, a->rows + n, (size_t)a->fdim * sizeof(float));
    c = a->rows_cap;
    a->mask = grow(a->mask, &c, a->rows + n, 1);
    a->rows_cap = c;
    memcpy(a->feats + (size_t)a->rows * a->fdim, feats, (size_t)n * a->fdim * sizeof(float));
    for (int i = 0; i < n; i++) a->mask[a->rows + i] = !mask || mask[i];
    a->first[a->n] = a->rows;
    a->count[a->n] = n;
    a->choice[a->n] = choice;
    a->reward[a->n] = 0;
    a->n++;
    a->rows += n;
}

int xagent_rf_choose(xagent_rf *a, const float *feats, int n, const unsigned char *mask, int *choice,
                     halo_err *err)
{
    size_t mark = nn_arena_mark(&a->core.ar);
    float *z = rf_scores(a, feats, n, mask);
    if (!z) return rf_refuse(err, n);
    float *p = nn_arena_alloc(&a->core.ar, (size_t)n);
    nn_softmax_forward(z, 1, n, p);
    int c = rng_categorical(&a->core.rng, p, n);
    nn_arena_release(&a->core.ar, mark);
    rf_record(a, feats, n, mask, c);
    *choice = c;
    return 0;
}

void xagent_rf_reward(xagent_rf *a, double reward)
{
    if (a->n > 0) a->reward[a->n - 1] = (float)reward;
}

int xagent_rf_probs(xagent_rf *a, const float *feats, int n, const unsigned char *mask, float *probs)
{
    size_t mark = nn_arena_mark(&a->core.ar);
    float *z = rf_scores(a, feats, n, mask);
    if (z) nn_softmax_forward(z, 1, n, probs);
    nn_arena_release(&a->core.ar, mark);
    return z ? 0 : -1;
}

/* The advantage of each recorded reward against the running mean as it
 * was before that reward, which then moves the mean. */
static void rf_advantages(xagent_rf *a, float *adv)
{
    for (int i = 0; i < a->n; i++) {
        double r = a->reward[i];
        if (!a->have_baseline) {
            a->baseline = r;
            a->have_baseline = 1;
        }
        adv[i] = (float)(r - a->baseline);
        a->baseline = 0.9 * a->baseline + 0.1 * r;
    }
}

int xagent_rf_update(xagent_rf *a, xagent_stats *out, halo_err *err)
{
    (void)err;   /* nothing can fail once choices are recorded */
    xagent_stats s;
    memset(&s, 0, sizeof s);
    if (a->n > 0) {
        size_t mark = nn_arena_mark(&a->core.ar);
        float *adv = nn_arena_alloc(&a->core.ar, (size_t)a->n), *dz = nn_arena_alloc(&a->core.ar, (size_t)a->rows);
        rf_advantages(a, adv);
        nn_params_zero_grad(&a->core.ps);
        mlp_trace t;
        mlp_forward(&a->net, a->feats, a->rows, &a->core.ar, &t);
        for (int i = 0; i < a->n; i++) {
            float *z = t.out + a->first[i], *dzi = dz + a->first[i];
            const unsigned char *m = a->mask + a->first[i];
            int n = a->count[i];
            apply_mask(z, m, n);
            double lp = nn_categorical_logprob(z, n, a->choice[i], dzi);
            s.policy_loss -= adv[i] * lp / a->n;
            s.entropy += nn_categorical_entropy(z, n, NULL) / a->n;
            s.mean_return += a->reward[i] / (double)a->n;
            /* d(-A log p)/dz over the batch mean; masked scores are constants */
            for (int k = 0; k < n; k++) dzi[k] = m[k] ? -adv[i] * dzi[k] / (float)a->n : 0.0f;
        }
        mlp_backward(&a->net, a->feats, &t, dz, a->rows, &a->core.ar);
        nn_optim_step(&a->core.opt, &a->core.ps);
        nn_arena_release(&a->core.ar, mark);
        s.steps = a->n;
        a->n = 0;
        a->rows = 0;
    }
    if (out) *out = s;
    return 0;
}

int xagent_rf_save(const xagent_rf *a, const char *path, halo_err *err)
{
    nn_meta m = {NULL, NULL, 0};
    nn_meta_set(&m, "architecture", "xagent_rf");
    nn_meta_set(&m, "layout", "candidate scorer: features-hidden-1, tanh; softmax over the candidates");
    meta_num(&m, "features", a->fdim);
    meta_num(&m, "hidden", a->o.hidden);
    meta_num(&m, "lr", a->o.lr);
    meta_num(&m, "baseline_decay", 0.9);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)a->o.seed);
    nn_meta_set(&m, "seed", seed);
    int rc = nn_safetensors_write(path, &a->core.ps, &m, err);
    nn_meta_free(&m);
    return rc;
}
