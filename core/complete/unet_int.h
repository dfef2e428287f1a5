/*
 * unet_int.h -- the lfm_unet struct shared by unet.c (building the layers,
 * forward and backward) and unet_train.c (losses, the optimiser step, the
 * model file, copying weights).  Not for callers: they have unet.h.
 *
 * Activations of the last forward live in the model's arena, emptied by
 * the next forward.  A training forward keeps everything backward reads;
 * an inference forward gives each block's internals back as soon as the
 * block's output exists.  Backward takes its scratch above the
 * activations and gives it back before returning.
 */
#ifndef HALO_COMPLETE_UNET_INT_H
#define HALO_COMPLETE_UNET_INT_H

#include "unet.h"
#include "nn/nn_attn.h"
#include "nn/nn_conv.h"
#include "nn/nn_norm.h"

/* A residual block: y = skip(x) + conv2(SiLU(norm2(conv1(SiLU(norm1(x)))))). */
typedef struct lfm_res {
    int cin, cout;
    nn_groupnorm norm1, norm2;
    nn_conv2d conv1, conv2;
    nn_conv2d skip;           /* 1x1, only when has_skip (cin != cout) */
    int has_skip;
} lfm_res;

/* What a residual block's backward reads, from a training forward. */
typedef struct lfm_res_act {
    const float *x;           /* [n][cin][hw] the block's input */
    float *n1, *mean1, *rstd1;   /* norm1(x) and its statistics */
    float *a1;                /* SiLU(n1): conv1's input */
    float *h1;                /* conv1's output: norm2's input */
    float *n2, *mean2, *rstd2;
    float *a2;                /* conv2's input */
} lfm_res_act;

/* The bottleneck's attention: y = x + tokens⁻¹(mhsa(tokens(norm(x)))). */
typedef struct lfm_attn {
    nn_groupnorm norm;
    nn_mhsa mhsa;
} lfm_attn;

typedef struct lfm_attn_act {
    const float *x;           /* [n][E][t] */
    float *g, *mean, *rstd;   /* norm(x) */
    float *tok;               /* [n][t][E]: g with tokens as rows, mhsa's input */
    nn_mhsa_cache cache;
} lfm_attn_act;

/* The network-level activations of the last forward. */
typedef struct lfm_acts {
    int n, h, w;
    float *xl, *xc;           /* layout / command channels of the input, split apart */
    float *s;                 /* the stem's output: conv_in's input */
    float **skip;             /* [levels] each level's last down-path output */
    float **up_in;            /* [levels] the upsampled input of each up conv */
    float **dskip;            /* [levels] backward: the skips' gradients from the up path */
    const float *hx;          /* the head's input */
    float *hn, *hmean, *hrstd, *ha;   /* out.norm, its statistics, SiLU of it */
} lfm_acts;

struct lfm_unet {
    lfm_cfg cfg;
    nn_params ps;
    nn_conv2d stem_layout;    /* 1x1 layer_ch -> stem_ch */
    nn_conv2d stem_cmd;       /* 1x1 cmd_ch -> stem_ch, no bias; unused when cmd_ch == 0 */
    nn_conv2d conv_in;        /* 3x3 stem_ch -> ch_0 */
    lfm_res *res;             /* down [levels][res_blocks], mid [2], up [levels][res_blocks] */
    lfm_res_act *res_act;     /* one per block, the same order */
    nn_conv2d *down;          /* [levels] stride-2 3x3 ch_l -> ch_(l+1) */
    nn_conv2d *up;            /* [levels] 3x3 ch_(l+1) -> ch_l after nearest x2 */
    lfm_attn attn;            /* when cfg.attn */
    lfm_attn_act attn_act;
    nn_groupnorm out_norm;
    nn_conv2d out_conv;       /* 1x1 ch_0 -> layer_ch */
    nn_arena arena;
    lfm_acts act;
    uint8_t *loss_ch;         /* [layer_ch] the channels the loss counts; NULL: all */
    int dice_joint;           /* each sample's Dice over every counted channel */
};

/* Channels at level l. */
static inline int lfm_ch(const lfm_cfg *c, int l)
{
    return c->base_ch << l;
}

/* The forward pass.  keep: a training forward (everything backward reads
 * stays in the arena).  logits: where the output goes; NULL puts it in
 * the arena.  Returns the logits.  The shape must have passed
 * lfm_unet_check_input. */
float *lfm_net_forward(lfm_unet *m, const float *x, int n, int h, int w, float *logits, int keep);
/* Adds every parameter's gradient for dlogits (shaped as the logits) of
 * the last forward, which must have been a keep forward. */
void lfm_net_backward(lfm_unet *m, const float *dlogits);
/* Scratch from the model's arena, above the last forward's activations. */
float *lfm_scratch(lfm_unet *m, size_t n);

#endif
