/*
 * nn_train.c -- losses, policy-gradient helpers, optimisers and schedules
 * (see nn_train.h).
 */
#include "nn_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

static double sigmoid(double x)
{
    return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

double nn_loss_mse(const float *y, const float *target, size_t n, float *dy)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)y[i] - target[i];
        s += d * d;
        if (dy) dy[i] = (float)(2.0 * d / (double)n);
    }
    return n ? s / (double)n : 0;
}

double nn_loss_bce_logits(const float *z, const float *target, size_t n, float *dz)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double x = z[i], t = target[i];
        /* max(x,0) - x t + log(1 + e^-|x|): no overflow for any x */
        s += (x > 0 ? x : 0) - x * t + log1p(exp(-fabs(x)));
        if (dz) dz[i] = (float)((sigmoid(x) - t) / (double)n);
    }
    return n ? s / (double)n : 0;
}

/* log-sum-exp of a row, and the softmax into p (may be NULL). */
static double log_softmax_row(const float *logits, int n, double *p)
{
    double m = logits[0];
    for (int i = 1; i < n; i++)
        if (logits[i] > m) m = logits[i];
    double s = 0;
    for (int i = 0; i < n; i++) s += exp(logits[i] - m);
    double lse = m + log(s);
    if (p)
        for (int i = 0; i < n; i++) p[i] = exp(logits[i] - lse);
    return lse;
}

double nn_loss_cross_entropy(const float *logits, const int *labels, int rows, int classes, float *dlogits)
{
    double s = 0, *p = halo_xcalloc((size_t)classes, sizeof *p);
    for (int r = 0; r < rows; r++) {
        const float *row = logits + (size_t)r * classes;
        double lse = log_softmax_row(row, classes, p);
        s += lse - row[labels[r]];
        if (dlogits)
            for (int c = 0; c < classes; c++)
                dlogits[(size_t)r * classes + c] = (float)((p[c] - (c == labels[r])) / rows);
    }
    free(p);
    return rows ? s / rows : 0;
}

double nn_loss_dice_logits(const float *z, const float *target, size_t n, float smooth, float *dz)
{
    double spt = 0, sp = 0, st = 0;
    for (size_t i = 0; i < n; i++) {
        double p = sigmoid(z[i]);
        spt += p * target[i];
        sp += p;
        st += target[i];
    }
    double num = 2 * spt + smooth, den = sp + st + smooth;
    if (dz)
        for (size_t i = 0; i < n; i++) {
            double p = sigmoid(z[i]);
            /* d/dp of -(num/den) = -(2 t den - num) / den^2, times p(1-p) */
            double dp = -(2.0 * target[i] * den - num) / (den * den);
            dz[i] = (float)(dp * p * (1 - p));
        }
    return 1.0 - num / den;
}

double nn_categorical_logprob(const float *logits, int n, int action, float *dlogits)
{
    double *p = halo_xcalloc((size_t)n, sizeof *p);
    double lse = log_softmax_row(logits, n, p);
    if (dlogits)
        for (int i = 0; i < n; i++) dlogits[i] = (float)((i == action) - p[i]);
    free(p);
    return logits[action] - lse;
}

double nn_categorical_entropy(const float *logits, int n, float *dlogits)
{
    double *p = halo_xcalloc((size_t)n, sizeof *p);
    double lse = log_softmax_row(logits, n, p), h = 0;
    for (int i = 0; i < n; i++) h -= p[i] * (logits[i] - lse);
    /* dH/dz_i = -p_i (log p_i + H) */
    if (dlogits)
        for (int i = 0; i < n; i++) dlogits[i] = (float)(-p[i] * ((logits[i] - lse) + h));
    free(p);
    return h;
}

double nn_ppo_clip_loss(const float *logp_new, const float *logp_old, const float *adv, int n, float eps,
                        float *dnew)
{
    double s = 0;
    for (int i = 0; i < n; i++) {
        double r = exp((double)logp_new[i] - logp_old[i]), a = adv[i];
        double rc = r < 1 - eps ? 1 - eps : r > 1 + eps ? 1 + eps : r;
        double un = r * a, cl = rc * a;
        /* the unclipped term is the minimum, or both are equal: its
         * gradient flows; a clipped minimum has none */
        int unclipped = un <= cl;
        s += unclipped ? un : cl;
        if (dnew) dnew[i] = (float)(unclipped ? -un / n : 0.0);
    }
    return n ? -s / n : 0;
}

void nn_gae(const float *reward, const float *value, const float *done, int T, float last_value, float gamma,
            float lambda, float *adv, float *ret)
{
    double next_adv = 0, next_value = last_value;
    for (int t = T - 1; t >= 0; t--) {
        double live = 1.0 - done[t];
        double delta = reward[t] + gamma * next_value * live - value[t];
        next_adv = delta + gamma * lambda * live * next_adv;
        adv[t] = (float)next_adv;
        ret[t] = (float)(next_adv + value[t]);
        next_value = value[t];
    }
}

/* ---------------------------------------------------------------- optimisers */

void nn_optim_init(nn_optim *o, nn_optim_kind kind, float lr)
{
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->lr = lr;
    o->beta1 = 0.9f;
    o->beta2 = 0.999f;
    o->eps = 1e-8f;
    o->weight_decay = kind == NN_ADAMW ? 0.01f : 0.0f;
}

static void sgd_step(const nn_optim *o, nn_param *p)
{
    if (o->momentum != 0 && !p->m) p->m = halo_xcalloc(p->n, sizeof *p->m);
    for (size_t i = 0; i < p->n; i++) {
        float g = p->g[i] + o->weight_decay * p->w[i];
        if (o->momentum != 0) {
            /* PyTorch: the first step's buffer is the gradient itself */
            p->m[i] = o->step == 1 ? g : o->momentum * p->m[i] + g;
            g = p->m[i];
        }
        p->w[i] -= o->lr * g;
    }
}

static void adam_step(const nn_optim *o, nn_param *p)
{
    if (!p->m) p->m = halo_xcalloc(p->n, sizeof *p->m);
    if (!p->v) p->v = halo_xcalloc(p->n, sizeof *p->v);
    double bc1 = 1.0 - pow(o->beta1, (double)o->step), bc2 = 1.0 - pow(o->beta2, (double)o->step);
    for (size_t i = 0; i < p->n; i++) {
        float g = p->g[i];
        if (o->kind == NN_ADAMW) p->w[i] -= o->lr * o->weight_decay * p->w[i];
        else g += o->weight_decay * p->w[i];
        p->m[i] = o->beta1 * p->m[i] + (1 - o->beta1) * g;
        p->v[i] = o->beta2 * p->v[i] + (1 - o->beta2) * g * g;
        double mhat = p->m[i] / bc1, vhat = p->v[i] / bc2;
        p->w[i] -= (float)(o->lr * mhat / (sqrt(vhat) + o->eps));
    }
}

void nn_optim_step(nn_optim *o, nn_params *ps)
{
    o->step++;
    for (int k = 0; k < ps->n; k++) {
        if (o->kind == NN_SGD) sgd_step(o, ps->p[k]);
        else adam_step(o, ps->p[k]);
    }
}

double nn_clip_grad_norm(nn_params *ps, double max_norm)
{
    double s = 0;
    for (int k = 0; k < ps->n; k++)
        for (size_t i = 0; i < ps->p[k]->n; i++) s += (double)ps->p[k]->g[i] * ps->p[k]->g[i];
    double norm = sqrt(s);
    if (norm > max_norm && norm > 0) {
        float scale = (float)(max_norm / (norm + 1e-6));
        for (int k = 0; k < ps->n; k++)
            for (size_t i = 0; i < ps->p[k]->n; i++) ps->p[k]->g[i] *= scale;
    }
    return norm;
}

float nn_lr_cosine(float base, float min_lr, long step, long total, long warmup)
{
    if (warmup > 0 && step < warmup) return base * (float)(step + 1) / (float)warmup;
    if (total <= warmup) return base;
    double t = (double)(step - warmup) / (double)(total - warmup);
    if (t > 1) t = 1;
    return (float)(min_lr + 0.5 * (base - min_lr) * (1 + cos(M_PI * t)));
}
