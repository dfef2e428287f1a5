/*
 * ddpm_net.c -- the DiT backbone of the sizing diffusion model: building
 * its layers, forward and backward over a batch (ddpm.h, ddpm_int.h).
 *
 * Shapes: n samples, T = dx tokens each, rows = n T, width d.
 *   tokens   h0[s][j] = xt[s][j] * x_w + pos[j]
 *   cond     cvec[s] = t2(SiLU(t0(sin(t[s])))) + (drop[s] ? null : y2(SiLU(y0(c[s]))))
 *            sc = SiLU(cvec), read by every adaLN
 *   block    mod = adaLN(sc): shift1 scale1 gate1 shift2 scale2 gate2
 *            h2  = h + gate1 * attn(LN(h) (1 + scale1) + shift1)
 *            out = h2 + gate2 * fc2(act(fc1(LN(h2) (1 + scale2) + shift2)))
 *   final    v = linear(LN(h) (1 + scalef) + shiftf), one value per token
 */
#include "ddpm_int.h"
#include "size_kern.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- build */

static nn_param *add_param(nn_params *ps, const char *name, int ndim, int a, int b, int c)
{
    int shape[3] = {a, b, c};
    return nn_params_add(ps, name, ndim, shape);
}

static int build_embedders(ddpm *m, halo_rng *rng)
{
    const ddpm_config *c = &m->cfg;
    int d = c->d_model;
    m->x_w = add_param(&m->ps, "x_embedder.weight", 2, d, 1, 0);
    m->pos = add_param(&m->ps, "pos_embed", 3, 1, c->dx, d);
    if (!m->x_w || !m->pos) return -1;
    nn_init_uniform(m->x_w, rng, 1.0f);   /* nn.Linear(1, d): U(+-1/sqrt(1)) */
    /* learned positions about as large as value * x_w, so the layer norms
       that follow still see the value's size relative to its position */
    nn_init_normal(m->pos, rng, 0.5f);
    if (nn_linear_init(&m->t0, &m->ps, "t_embedder.mlp.0", DDPM_T_FREQ, d, 1, rng) ||
        nn_linear_init(&m->t2, &m->ps, "t_embedder.mlp.2", d, d, 1, rng) ||
        nn_linear_init(&m->y0, &m->ps, "y_embedder.mlp.0", c->dc, d, 1, rng) ||
        nn_linear_init(&m->y2, &m->ps, "y_embedder.mlp.2", d, d, 1, rng))
        return -1;
    m->null_emb = add_param(&m->ps, "y_embedder.null_embedding", 2, 1, d, 0);
    if (!m->null_emb) return -1;
    nn_init_normal(m->null_emb, rng, 0.02f);   /* DiT's LabelEmbedder table */
    return 0;
}

static int build_block(ddpm *m, int b, halo_rng *rng)
{
    const ddpm_config *c = &m->cfg;
    int d = c->d_model;
    ddpm_block *B = &m->blk[b];
    char p[24], q[64];
    snprintf(p, sizeof p, "blocks.%d", b);
    snprintf(q, sizeof q, "%s.adaLN_modulation.1", p);
    if (nn_adaln_init(&B->ada, &m->ps, q, d, d, 6)) return -1;
    snprintf(q, sizeof q, "%s.attn", p);
    if (nn_mhsa_init(&B->attn, &m->ps, q, d, c->heads, rng)) return -1;
    snprintf(q, sizeof q, "%s.mlp.fc1", p);
    if (nn_linear_init(&B->fc1, &m->ps, q, d, c->mlp_ratio * d, 1, rng)) return -1;
    snprintf(q, sizeof q, "%s.mlp.fc2", p);
    return nn_linear_init(&B->fc2, &m->ps, q, c->mlp_ratio * d, d, 1, rng);
}

int ddpm_net_build(ddpm *m, halo_rng *rng)
{
    const ddpm_config *c = &m->cfg;
    int d = c->d_model;
    if (build_embedders(m, rng)) return -1;
    for (int b = 0; b < c->depth; b++)
        if (build_block(m, b, rng)) return -1;
    if (nn_adaln_init(&m->fada, &m->ps, "final_layer.adaLN_modulation.1", d, d, 2) ||
        nn_linear_init(&m->fout, &m->ps, "final_layer.linear", d, 1, 1, rng))
        return -1;
    /* DiT zeroes the output layer too: the untrained model predicts v = 0 */
    nn_init_const(m->fout.w, 0.0f);
    nn_init_const(m->fout.b, 0.0f);
    return 0;
}

/* ---------------------------------------------------------------- forward */

static float *get(ddpm *m, size_t n)
{
    return nn_arena_alloc(&m->arena, n);
}

static void embed_condition(ddpm *m, const float *t, const float *c, const unsigned char *uncond, int n)
{
    ddpm_acts *A = &m->act;
    int d = m->cfg.d_model, dc = m->cfg.dc;
    size_t nd = (size_t)n * d;
    A->freq = get(m, (size_t)n * DDPM_T_FREQ);
    nn_timestep_embedding(t, n, DDPM_T_FREQ, 10000.0f, 1, A->freq);
    A->th = get(m, nd);
    A->ta = get(m, nd);
    A->temb = get(m, nd);
    nn_linear_forward(&m->t0, A->freq, n, A->th);
    size_act_forward(NN_SILU, A->th, nd, A->ta);
    nn_linear_forward(&m->t2, A->ta, n, A->temb);
    A->drop = get(m, (size_t)n);
    A->cemb = get(m, nd);
    A->c = NULL;
    if (c) {
        A->c = get(m, (size_t)n * dc);
        memcpy(A->c, c, (size_t)n * dc * sizeof *c);
        A->yh = get(m, nd);
        A->ya = get(m, nd);
        nn_linear_forward(&m->y0, A->c, n, A->yh);
        size_act_forward(NN_SILU, A->yh, nd, A->ya);
        nn_linear_forward(&m->y2, A->ya, n, A->cemb);
    }
    for (int s = 0; s < n; s++) {
        A->drop[s] = !c || (uncond && uncond[s]) ? 1.0f : 0.0f;
        if (A->drop[s] != 0.0f) memcpy(A->cemb + (size_t)s * d, m->null_emb->w, (size_t)d * sizeof(float));
    }
    A->cvec = get(m, nd);
    A->sc = get(m, nd);
    nn_add_forward(A->temb, A->cemb, nd, A->cvec);
    size_act_forward(NN_SILU, A->cvec, nd, A->sc);
}

static void embed_tokens(ddpm *m, int n)
{
    ddpm_acts *A = &m->act;
    int d = m->cfg.d_model, T = m->cfg.dx;
    A->h0 = get(m, (size_t)n * T * d);
    for (int s = 0; s < n; s++)
        for (int j = 0; j < T; j++) {
            float v = A->xt[(size_t)s * T + j], *h = A->h0 + ((size_t)s * T + j) * d;
            const float *p = m->pos->w + (size_t)j * d;
            for (int k = 0; k < d; k++) h[k] = v * m->x_w->w[k] + p[k];
        }
}

static void block_forward(ddpm *m, int b, const float *h, int n)
{
    const ddpm_config *c = &m->cfg;
    ddpm_block *B = &m->blk[b];
    ddpm_block_act *a = &m->act.blk[b];
    int d = c->d_model, T = c->dx, ld = 6 * d, rows = n * T, hid = c->mlp_ratio * d;
    size_t rd = (size_t)rows * d, rh = (size_t)rows * hid;
    a->in = h;
    a->mod = get(m, (size_t)n * ld);
    nn_adaln_forward(&B->ada, m->act.sc, n, a->mod);
    a->m1 = get(m, rd);
    a->mean1 = get(m, (size_t)rows);
    a->rstd1 = get(m, (size_t)rows);
    nn_modulate_forward(h, n, T, d, a->mod, a->mod + d, ld, NN_NORM_EPS, a->m1, a->mean1, a->rstd1);
    a->att = get(m, rd);
    nn_mhsa_forward(&B->attn, a->m1, n, T, a->att, &a->ac, &m->arena);
    a->h2 = get(m, rd);
    nn_gated_residual_forward(h, a->att, a->mod + 2 * d, ld, n, T, d, a->h2);
    a->m2 = get(m, rd);
    a->mean2 = get(m, (size_t)rows);
    a->rstd2 = get(m, (size_t)rows);
    nn_modulate_forward(a->h2, n, T, d, a->mod + 3 * d, a->mod + 4 * d, ld, NN_NORM_EPS, a->m2, a->mean2, a->rstd2);
    a->f1 = get(m, rh);
    a->f1a = get(m, rh);
    a->f2 = get(m, rd);
    nn_linear_forward(&B->fc1, a->m2, rows, a->f1);
    size_act_forward(c->act, a->f1, rh, a->f1a);
    nn_linear_forward(&B->fc2, a->f1a, rows, a->f2);
    a->out = get(m, rd);
    nn_gated_residual_forward(a->h2, a->f2, a->mod + 5 * d, ld, n, T, d, a->out);
}

static void final_forward(ddpm *m, const float *h, int n, float *v)
{
    ddpm_acts *A = &m->act;
    int d = m->cfg.d_model, T = m->cfg.dx, rows = n * T;
    A->hf = h;
    A->modf = get(m, (size_t)n * 2 * d);
    nn_adaln_forward(&m->fada, A->sc, n, A->modf);
    A->mf = get(m, (size_t)rows * d);
    A->meanf = get(m, (size_t)rows);
    A->rstdf = get(m, (size_t)rows);
    nn_modulate_forward(h, n, T, d, A->modf, A->modf + d, 2 * d, NN_NORM_EPS, A->mf, A->meanf, A->rstdf);
    nn_linear_forward(&m->fout, A->mf, rows, v);   /* [rows][1] is [n][dx] */
}

/* Empty the arena for a new forward.  When the last forward and backward
 * needed more than one block, start over with one block that holds it
 * all: blocks beyond the first are returned to the system on every
 * release, and refetching them costs page faults on every step. */
static void arena_reset(ddpm *m)
{
    size_t hw = m->arena.high_water;
    if (hw > m->arena.block_floats) {
        nn_arena_free(&m->arena);
        nn_arena_init(&m->arena, hw + hw / 4);
        m->arena.high_water = hw;
        return;
    }
    nn_arena_release(&m->arena, 0);
}

void ddpm_net_forward(ddpm *m, const float *xt, const float *t, const float *c, const unsigned char *uncond, int n,
                      float *v)
{
    ddpm_acts *A = &m->act;
    arena_reset(m);
    A->n = n;
    if (n <= 0) return;
    A->xt = get(m, (size_t)n * m->cfg.dx);
    memcpy(A->xt, xt, (size_t)n * m->cfg.dx * sizeof *xt);
    embed_condition(m, t, c, uncond, n);
    embed_tokens(m, n);
    const float *h = A->h0;
    for (int b = 0; b < m->cfg.depth; b++) {
        block_forward(m, b, h, n);
        h = A->blk[b].out;
    }
    final_forward(m, h, n, v);
}

/* ---------------------------------------------------------------- backward */

static void add_into(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

/* dh: the gradient of the block's output on entry, of its input on exit;
 * dsc gains the gradient through the block's adaLN. */
static void block_backward(ddpm *m, int b, float *dh, float *dsc, int n)
{
    const ddpm_config *c = &m->cfg;
    ddpm_block *B = &m->blk[b];
    ddpm_block_act *a = &m->act.blk[b];
    int d = c->d_model, T = c->dx, ld = 6 * d, rows = n * T, hid = c->mlp_ratio * d;
    size_t rd = (size_t)rows * d, rh = (size_t)rows * hid, mark = nn_arena_mark(&m->arena);
    float *dmod = get(m, (size_t)n * ld), *dtmp = get(m, rd), *dbr = get(m, rd), *dhid = get(m, rh);
    /* out = h2 + gate2 * f2: dh passes through unchanged */
    nn_gated_residual_backward(a->f2, a->mod + 5 * d, ld, n, T, d, dh, NULL, dbr, dmod + 5 * d);
    nn_linear_backward(&B->fc2, a->f1a, dbr, rows, dhid);
    size_act_backward(c->act, a->f1, a->f1a, dhid, rh, dhid);
    nn_linear_backward(&B->fc1, a->m2, dhid, rows, dbr);
    nn_modulate_backward(a->h2, n, T, d, a->mod + 4 * d, ld, a->mean2, a->rstd2, dbr, dtmp, dmod + 3 * d,
                         dmod + 4 * d);
    add_into(dh, dtmp, rd);
    /* h2 = in + gate1 * att */
    nn_gated_residual_backward(a->att, a->mod + 2 * d, ld, n, T, d, dh, NULL, dbr, dmod + 2 * d);
    nn_mhsa_backward(&B->attn, a->m1, &a->ac, dbr, dtmp, &m->arena);
    nn_modulate_backward(a->in, n, T, d, a->mod + d, ld, a->mean1, a->rstd1, dtmp, dbr, dmod, dmod + d);
    add_into(dh, dbr, rd);
    float *dsc_b = get(m, (size_t)n * d);
    nn_adaln_backward(&B->ada, m->act.sc, n, dmod, dsc_b);
    add_into(dsc, dsc_b, (size_t)n * d);
    nn_arena_release(&m->arena, mark);
}

static void tokens_backward(ddpm *m, const float *dh, int n)
{
    const ddpm_acts *A = &m->act;
    int d = m->cfg.d_model, T = m->cfg.dx;
    for (int s = 0; s < n; s++)
        for (int j = 0; j < T; j++) {
            float v = A->xt[(size_t)s * T + j];
            const float *g = dh + ((size_t)s * T + j) * d;
            float *gp = m->pos->g + (size_t)j * d;
            for (int k = 0; k < d; k++) {
                m->x_w->g[k] += v * g[k];
                gp[k] += g[k];
            }
        }
}

static void condition_backward(ddpm *m, const float *dsc, int n)
{
    const ddpm_acts *A = &m->act;
    int d = m->cfg.d_model;
    size_t nd = (size_t)n * d;
    float *dcv = get(m, nd), *dt = get(m, nd);
    size_act_backward(NN_SILU, A->cvec, A->sc, dsc, nd, dcv);
    nn_linear_backward(&m->t2, A->ta, dcv, n, dt);
    size_act_backward(NN_SILU, A->th, A->ta, dt, nd, dt);
    nn_linear_backward(&m->t0, A->freq, dt, n, NULL);
    float *dy = get(m, nd);
    memcpy(dy, dcv, nd * sizeof *dy);
    for (int s = 0; s < n; s++) {
        if (A->drop[s] == 0.0f) continue;
        float *g = dy + (size_t)s * d;
        for (int k = 0; k < d; k++) m->null_emb->g[k] += g[k];
        memset(g, 0, (size_t)d * sizeof *g);   /* the MLP's output was not used */
    }
    if (!A->c) return;
    nn_linear_backward(&m->y2, A->ya, dy, n, dt);
    size_act_backward(NN_SILU, A->yh, A->ya, dt, nd, dt);
    nn_linear_backward(&m->y0, A->c, dt, n, NULL);
}

void ddpm_net_backward(ddpm *m, const float *dv)
{
    const ddpm_acts *A = &m->act;
    int n = A->n, d = m->cfg.d_model, T = m->cfg.dx, rows = n * T;
    if (n <= 0) return;
    size_t rd = (size_t)rows * d, mark = nn_arena_mark(&m->arena);
    float *dmf = get(m, rd), *dh = get(m, rd), *dmodf = get(m, (size_t)n * 2 * d), *dsc = get(m, (size_t)n * d);
    nn_linear_backward(&m->fout, A->mf, dv, rows, dmf);
    nn_modulate_backward(A->hf, n, T, d, A->modf + d, 2 * d, A->meanf, A->rstdf, dmf, dh, dmodf, dmodf + d);
    nn_adaln_backward(&m->fada, A->sc, n, dmodf, dsc);
    for (int b = m->cfg.depth - 1; b >= 0; b--) block_backward(m, b, dh, dsc, n);
    tokens_backward(m, dh, n);
    condition_backward(m, dsc, n);
    nn_arena_release(&m->arena, mark);
}
