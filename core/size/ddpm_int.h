/*
 * ddpm_int.h -- the ddpm struct shared by ddpm.c (schedule, training,
 * sampling, files) and ddpm_net.c (the DiT backbone).  Not for callers.
 *
 * Activations of the last forward live in the model's arena, reset by the
 * next forward; backward takes its scratch above them and gives it back.
 */
#ifndef HALO_SIZE_DDPM_INT_H
#define HALO_SIZE_DDPM_INT_H

#include "ddpm.h"
#include "nn/nn_attn.h"
#include "nn/nn_norm.h"

typedef struct ddpm_block {
    nn_adaln ada;             /* 6 chunks: shift, scale, gate of attention, then of the MLP */
    nn_mhsa attn;
    nn_linear fc1, fc2;
} ddpm_block;

/* One block's forward values, rows = n * dx tokens of d. */
typedef struct ddpm_block_act {
    const float *in;          /* [rows][d] the block's input */
    float *mod;               /* [n][6d] */
    float *m1, *mean1, *rstd1;   /* modulated input of attention, its statistics */
    nn_mhsa_cache ac;
    float *att;               /* [rows][d] attention output */
    float *h2;                /* after the attention residual */
    float *m2, *mean2, *rstd2;   /* modulated input of the MLP */
    float *f1, *f1a, *f2;     /* fc1 output, activated, fc2 output */
    float *out;               /* [rows][d] the block's output */
} ddpm_block_act;

typedef struct ddpm_acts {
    int n;
    float *xt;                /* [n][dx] */
    float *freq;              /* [n][DDPM_T_FREQ] */
    float *th, *ta, *temb;    /* timestep MLP: linear, SiLU, linear */
    float *c;                 /* [n][dc] copy, NULL when every row is unconditional */
    float *yh, *ya, *cemb;    /* condition MLP (then null rows overwritten) */
    float *drop;              /* [n] 1: the row used the null embedding */
    float *cvec, *sc;         /* conditioning vector, SiLU of it (what adaLN reads) */
    float *h0;                /* token embeddings */
    ddpm_block_act *blk;      /* [depth] */
    float *modf, *mf, *meanf, *rstdf;   /* final adaLN, modulated last output */
    const float *hf;          /* the last block's output */
} ddpm_acts;

struct ddpm {
    ddpm_config cfg;
    nn_params ps;
    double *abar;             /* [T] */
    nn_param *x_w;            /* x_embedder.weight [d][1] */
    nn_param *pos;            /* pos_embed [1][dx][d] */
    nn_linear t0, t2;         /* t_embedder.mlp.0, .2 */
    nn_linear y0, y2;         /* y_embedder.mlp.0, .2 */
    nn_param *null_emb;       /* y_embedder.null_embedding [1][d] */
    ddpm_block *blk;          /* [depth] */
    nn_adaln fada;            /* final_layer.adaLN_modulation.1, 2 chunks: shift, scale */
    nn_linear fout;           /* final_layer.linear [1][d] */
    nn_arena arena;
    ddpm_acts act;
    float *scratch;           /* ddpm_net_infer's buffers */
    size_t scratch_cap;
    int *runs, runs_cap;      /* its runs of rows with one conditioning */
};

/* Build the layers of c (checked) into m->ps, initialised from rng. */
int ddpm_net_build(ddpm *m, halo_rng *rng);

#endif
