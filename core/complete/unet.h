/*
 * unet.h -- the layout-completion U-Net (the seed layout-foundation-model,
 * sections II.B and II.D): a picture of an incomplete layout, one channel
 * per layer (plus optional command channels), in; per layer, the logits of
 * the elements the model adds, out.
 *
 * Owns: lfm_cfg (the architecture), lfm_unet (its layers on halo's nn
 * core, forward and backward over a batch, the loss, one optimiser step),
 * its model file (safetensors, the configuration in __metadata__) and the
 * fine-tuning start point (copying a pre-trained model's weights into a
 * model with command channels).  Callers: the layout-completion commands
 * and their training loops.
 *
 * The network, channels ch_l = base_ch * 2^l at level l (resolution
 * h / 2^l):
 *   stem      stem.layout(x_layout) + stem.cmd(x_cmd), 1x1 convs to
 *             stem_ch; stem.cmd exists only when cmd_ch > 0 and has no
 *             bias, so a model fine-tuned from one without commands starts
 *             out as exactly that model while the command channels are
 *             zero; then conv_in, 3x3 stem_ch -> ch_0
 *   down l    down.l.res.r (r < res_blocks) at ch_l, the output kept as
 *             skip l, then down.l.down: 3x3 stride-2 conv ch_l -> ch_(l+1)
 *   middle    mid.res.0, mid.attn (GroupNorm, multi-head self-attention
 *             over the h*w tokens, residual add) when attn, mid.res.1
 *   up l      (l = levels-1 .. 0) up.l.up.conv: nearest x2, 3x3 conv
 *             ch_(l+1) -> ch_l; concatenated with skip l (2 ch_l channels);
 *             up.l.res.r, the first 2 ch_l -> ch_l
 *   head      out.norm (GroupNorm), SiLU, out.conv 1x1 ch_0 -> layer_ch
 * A residual block "P" is y = skip(x) + P.conv2(SiLU(P.norm2(P.conv1(
 * SiLU(P.norm1(x)))))), the convs 3x3, skip the identity or the 1x1 conv
 * P.skip when the channels change.  Every GroupNorm has the largest group
 * count <= LFM_GROUPS that divides its channels.  Parameter names and
 * initialisation are PyTorch's (nn.Conv2d, nn.GroupNorm,
 * nn.MultiheadAttention), so weights move to and from PyTorch unchanged.
 *
 * A model keeps the activations of its last forward in its own arena: one
 * model serves one thread at a time.  The same seed gives the same model;
 * the same inputs give the same outputs.  Nothing here prints.
 */
#ifndef HALO_COMPLETE_UNET_H
#define HALO_COMPLETE_UNET_H

#include <stddef.h>
#include <stdint.h>

#include "nn/nn.h"
#include "nn/nn_train.h"

#define LFM_GROUPS 8          /* GroupNorm groups at most */
#define LFM_GRAD_CLIP 1.0     /* global gradient-norm bound of a training step */
#define LFM_MAX_LAYER_CH 256  /* the most layout channels a model may have */
#define LFM_DICE_SMOOTH 1.0f  /* Dice's smoothing term */

typedef struct lfm_cfg {
    int layer_ch;   /* C: layout channels, in and out (halo uses 12-21) */
    int cmd_ch;     /* command channels concatenated to the input (0 = none; routing uses 2: start, end) */
    int stem_ch;    /* a 1x1 conv first reduces the layer_ch channels to this (paper: 21 -> 8) */
    int base_ch;    /* channels at full resolution; doubled per level */
    int levels;     /* downsamplings; h and w must be divisible by 2^levels */
    int res_blocks; /* residual blocks per level (>=1) */
    int attn;       /* 1: multi-head self-attention block at the bottleneck */
    int heads;
} lfm_cfg;

typedef struct lfm_unet lfm_unet;

/* Whether cfg describes a model that can be built: 0, or -1 with err
 * saying which field is wrong and what it must be. */
int lfm_cfg_check(const lfm_cfg *cfg, char *err, size_t errlen);

/* Build the layers of cfg, initialised from seed; NULL with err when cfg
 * is refused (lfm_cfg_check). */
lfm_unet *lfm_unet_new(const lfm_cfg *cfg, uint64_t seed, char *err, size_t errlen);
void lfm_unet_free(lfm_unet *);
const lfm_cfg *lfm_unet_config(const lfm_unet *);
nn_params *lfm_unet_params(lfm_unet *);
/* Multiply-adds of one forward pass of one h x w sample (convolutions,
 * the attention's projections and products). */
double lfm_unet_macs(const lfm_unet *, int h, int w);

/* Whether a batch of n samples of h x w can go through the model: 0, or
 * -1 with err (n < 1, h or w not a positive multiple of 2^levels, or a
 * batch too large to index). */
int lfm_unet_check_input(const lfm_unet *, int n, int h, int w, char *err, size_t errlen);

/* x [n][layer_ch + cmd_ch][h][w] (layout channels first, then command channels)
 * -> logits [n][layer_ch][h][w]: per layer, the elements the model adds.
 * Inference: keeps only what later layers read.  0, or -1 (nothing
 * written) when lfm_unet_check_input refuses the shape. */
int lfm_unet_forward(lfm_unet *, const float *x, int n, int h, int w, float *logits);

/* The training loss of a batch: mean BCE(logits, target) + dice_weight *
 * the soft Dice loss (per sample over all its channels and pixels, then
 * averaged over the batch).  target [n][layer_ch][h][w] in {0,1}.  All
 * three return -1 when lfm_unet_check_input refuses the shape. */

/* The loss, and every parameter's gradient of it in param->g (zeroed
 * first): for a caller's own optimiser loop or gradient checks. */
double lfm_unet_loss_grad(lfm_unet *, const float *x, const float *target, int n, int h, int w,
                          float dice_weight);
/* One optimiser step on a batch: the loss and gradients as above, the
 * gradient's global norm clipped to LFM_GRAD_CLIP, opt's step.  Returns
 * the loss before the step. */
double lfm_unet_train_step(lfm_unet *, nn_optim *opt, const float *x, const float *target, int n, int h, int w,
                           float dice_weight);
/* The same loss without a step (validation); gradients untouched. */
double lfm_unet_loss(lfm_unet *, const float *x, const float *target, int n, int h, int w, float dice_weight);

/* Which output channels the three losses above count: mask[layer_ch], 1
 * to count; NULL counts every channel (the default, and pre-training's
 * choice).  A fine-tuned task names only its target channels, so that
 * the 17-20 channels it never predicts neither dilute the BCE nor swell
 * Dice's denominator: otherwise a task whose targets are a few 4x4 px
 * cuts learns to predict only the crowded cut arrays.  Not saved with
 * the model. */
void lfm_unet_set_loss_channels(lfm_unet *, const uint8_t *mask);

/* joint 1: each sample's Dice spans every counted channel, not only those
 * its target fills, so output on a channel the sample did not remove
 * costs Dice too.  For a task where choosing the channel is part of the
 * answer (a route lies on one metal layer); 0 (the default) for the cut
 * tasks, whose hard channels would otherwise be taught never to fire.
 * Not saved with the model. */
void lfm_unet_set_dice_joint(lfm_unet *, int joint);

/* safetensors, the configuration in __metadata__ ("format" =
 * "halo-lfm-unet-1", then each lfm_cfg field by name, in decimal).  0, or
 * -1 with err. */
int lfm_unet_save(const lfm_unet *, const char *path, char *err, size_t errlen);
/* NULL with err naming the file and what is wrong with it (not
 * safetensors, not this model, a configuration value out of range, a
 * tensor missing, extra, of another shape or not finite). */
lfm_unet *lfm_unet_load(const char *path, char *err, size_t errlen);

/* Fine-tuning start point: copies every parameter of src whose name and shape match into dst; the
 * rest (e.g. the command-channel stem that a pre-trained model without commands lacks) keep their
 * random init, as the paper does. Returns the number of parameter tensors copied.  The optimiser
 * state of dst is left as it is: start fine-tuning with a fresh nn_optim. */
int lfm_unet_copy_weights(lfm_unet *dst, const lfm_unet *src);

#endif
