/*
 * ddpm_infer.c -- the backbone's forward pass for sampling (ddpm.h:
 * ddpm_net_infer): the same function as ddpm_net_forward, computed for
 * speed instead of for backward.
 *
 * What makes it cheaper than the training forward:
 *   - nothing is kept: one set of buffers (the model's scratch, grown on
 *     demand, never cleared: every value is written before it is read)
 *     serves every block;
 *   - the conditioning (timestep MLP, condition MLP, every adaLN) runs
 *     once per run of consecutive rows with the same (t, c, drop): when
 *     sampling 100 sizings of one specification that is 2 rows (the
 *     conditional and the unconditional branch), not 200;
 *   - attention over dx <= a few dozen tokens is done by vector loops
 *     (size_attention), not by 2 BLAS calls per sample and head, which
 *     cost more in call overhead than in flops;
 *   - the layer norms and gated residuals run in float with vector code
 *     (size_kern.h).
 * The token-wise linear maps stay cblas_sgemm.  Results agree with
 * ddpm_net_forward to float rounding (the tests hold them to 1e-4).
 */
#include "ddpm_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "size_kern.h"

/* Token rows per slice of the MLP. */
#define MLP_SLICE 512

/* The scratch buffers of one call. */
typedef struct infer_bufs {
    int nruns;
    int *run;                 /* [nruns + 1] first row of each run, then n */
    float *tu, *cu;           /* [U] timesteps, [U][dc] conditions of the runs */
    float *freq, *th, *temb, *yh, *cemb, *sc, *mod;   /* per run */
    float *h, *x1, *qkv, *o, *f1;                     /* per token row */
    float *work;                                      /* size_attention's */
} infer_bufs;

static int same_condition(const float *t, const float *c, const unsigned char *uncond, int dc, int a, int b)
{
    int da = !c || (uncond && uncond[a]), db = !c || (uncond && uncond[b]);
    if (t[a] != t[b] || da != db) return 0;
    return da || memcmp(c + (size_t)a * dc, c + (size_t)b * dc, sizeof(float) * (size_t)dc) == 0;
}

/* Lay the buffers out in the model's scratch, growing it when needed. */
static void bufs_take(ddpm *m, infer_bufs *B, int n, int U)
{
    const ddpm_config *c = &m->cfg;
    size_t d = (size_t)c->d_model, rows = (size_t)n * c->dx, u = (size_t)U;
    size_t work = size_attention_work(c->dx, c->d_model, c->heads);
    size_t slice = rows < MLP_SLICE ? rows : MLP_SLICE;
    size_t need = u + u * c->dc + u * DDPM_T_FREQ + 11 * u * d + 6 * rows * d + slice * d * c->mlp_ratio + work;
    if (need > m->scratch_cap) {
        free(m->scratch);
        m->scratch = halo_xmalloc(sizeof(float) * need);
        m->scratch_cap = need;
    }
    float *p = m->scratch;
#define TAKE(field, count) (B->field = p, p += (count))
    TAKE(tu, u);
    TAKE(cu, u * c->dc);
    TAKE(freq, u * DDPM_T_FREQ);
    TAKE(th, u * d);
    TAKE(temb, u * d);
    TAKE(yh, u * d);
    TAKE(cemb, u * d);
    TAKE(sc, u * d);
    TAKE(mod, 6 * u * d);
    TAKE(h, rows * d);
    TAKE(x1, rows * d);
    TAKE(qkv, 3 * rows * d);
    TAKE(o, rows * d);
    TAKE(f1, slice * d * c->mlp_ratio);
    TAKE(work, work);
#undef TAKE
}

/* Runs of rows sharing their conditioning; returns how many. */
static int find_runs(ddpm *m, const float *t, const float *c, const unsigned char *uncond, int n)
{
    if (n + 1 > m->runs_cap) {
        free(m->runs);
        m->runs = halo_xmalloc(sizeof(int) * (size_t)(n + 1));
        m->runs_cap = n + 1;
    }
    int U = 0;
    for (int i = 0; i < n; i++)
        if (i == 0 || !same_condition(t, c, uncond, m->cfg.dc, i - 1, i)) m->runs[U++] = i;
    m->runs[U] = n;
    return U;
}

/* sc [U][d]: SiLU(t-MLP(t) + (null or c-MLP(c))) of each run's first row. */
static void condition_infer(ddpm *m, infer_bufs *B, const float *t, const float *c, const unsigned char *uncond)
{
    int U = B->nruns, d = m->cfg.d_model, dc = m->cfg.dc;
    size_t ud = (size_t)U * d;
    for (int u = 0; u < U; u++) {
        int r = B->run[u];
        B->tu[u] = t[r];
        if (c) memcpy(B->cu + (size_t)u * dc, c + (size_t)r * dc, sizeof(float) * (size_t)dc);
    }
    nn_timestep_embedding(B->tu, U, DDPM_T_FREQ, 10000.0f, 1, B->freq);
    nn_linear_forward(&m->t0, B->freq, U, B->th);
    size_act_forward(NN_SILU, B->th, ud, B->th);
    nn_linear_forward(&m->t2, B->th, U, B->temb);
    if (c) {
        nn_linear_forward(&m->y0, B->cu, U, B->yh);
        size_act_forward(NN_SILU, B->yh, ud, B->yh);
        nn_linear_forward(&m->y2, B->yh, U, B->cemb);
    }
    for (int u = 0; u < U; u++) {
        int r = B->run[u];
        if (!c || (uncond && uncond[r])) memcpy(B->cemb + (size_t)u * d, m->null_emb->w, sizeof(float) * (size_t)d);
    }
    for (size_t i = 0; i < ud; i++) B->sc[i] = B->temb[i] + B->cemb[i];
    size_act_forward(NN_SILU, B->sc, ud, B->sc);
}

/* y = LN(x) (1 + scale) + shift with each run's shift and scale (chunk k
 * of a mod row of ld floats). */
static void modulate_runs(ddpm *m, const infer_bufs *B, const float *x, const float *mod, int ld, int k, float *y)
{
    int d = m->cfg.d_model, T = m->cfg.dx;
    for (int u = 0; u < B->nruns; u++) {
        size_t r0 = (size_t)B->run[u] * T, nr = (size_t)(B->run[u + 1] - B->run[u]) * T;
        const float *mu = mod + (size_t)u * ld + (size_t)k * d;
        size_modulate_rows(x + r0 * d, (int)nr, d, mu, mu + d, NN_NORM_EPS, y + r0 * d);
    }
}

/* h += gate * y with each run's gate (chunk k of its mod row). */
static void gate_add_runs(ddpm *m, const infer_bufs *B, const float *mod, int ld, int k, const float *y, float *h)
{
    int d = m->cfg.d_model, T = m->cfg.dx;
    for (int u = 0; u < B->nruns; u++) {
        size_t r0 = (size_t)B->run[u] * T, nr = (size_t)(B->run[u + 1] - B->run[u]) * T;
        size_gate_add_rows(h + r0 * d, y + r0 * d, mod + (size_t)u * ld + (size_t)k * d, (int)nr, d);
    }
}

static void block_infer(ddpm *m, int b, infer_bufs *B, int n)
{
    const ddpm_config *c = &m->cfg;
    ddpm_block *K = &m->blk[b];
    int d = c->d_model, T = c->dx, rows = n * T, ld = 6 * d;
    nn_linear in = {d, 3 * d, K->attn.in_w, K->attn.in_b}, out = {d, d, K->attn.out_w, K->attn.out_b};
    nn_adaln_forward(&K->ada, B->sc, B->nruns, B->mod);
    modulate_runs(m, B, B->h, B->mod, ld, 0, B->x1);
    nn_linear_forward(&in, B->x1, rows, B->qkv);
    size_attention(B->qkv, n, T, d, c->heads, B->o, B->work);
    nn_linear_forward(&out, B->o, rows, B->x1);
    gate_add_runs(m, B, B->mod, ld, 2, B->x1, B->h);
    modulate_runs(m, B, B->h, B->mod, ld, 3, B->x1);
    /* the MLP in slices of rows, so its wide hidden layer stays in cache
       between the two products and the activation */
    for (int r0 = 0; r0 < rows; r0 += MLP_SLICE) {
        int nr = rows - r0 < MLP_SLICE ? rows - r0 : MLP_SLICE;
        float *x = B->x1 + (size_t)r0 * d;
        nn_linear_forward(&K->fc1, x, nr, B->f1);
        size_act_forward(c->act, B->f1, (size_t)nr * c->mlp_ratio * d, B->f1);
        nn_linear_forward(&K->fc2, B->f1, nr, x);
    }
    gate_add_runs(m, B, B->mod, ld, 5, B->x1, B->h);
}

void ddpm_net_infer(ddpm *m, const float *xt, const float *t, const float *c, const unsigned char *uncond, int n,
                    float *v)
{
    const ddpm_config *cf = &m->cfg;
    int d = cf->d_model, T = cf->dx;
    if (n <= 0) return;
    infer_bufs B;
    B.nruns = find_runs(m, t, c, uncond, n);
    bufs_take(m, &B, n, B.nruns);
    B.run = m->runs;
    condition_infer(m, &B, t, c, uncond);
    for (size_t r = 0; r < (size_t)n * T; r++) {
        float x = xt[r];
        const float *p = m->pos->w + (r % (size_t)T) * d;
        for (int k = 0; k < d; k++) B.h[r * d + k] = x * m->x_w->w[k] + p[k];
    }
    for (int b = 0; b < cf->depth; b++) block_infer(m, b, &B, n);
    nn_adaln_forward(&m->fada, B.sc, B.nruns, B.mod);
    modulate_runs(m, &B, B.h, B.mod, 2 * d, 0, B.x1);
    nn_linear_forward(&m->fout, B.x1, n * T, v);
}
