/*
 * unet_train.c -- what the layout-completion U-Net (unet.h) needs beyond
 * its layers: the loss (BCE plus per-sample soft Dice), its gradient, one
 * optimiser step, the model file and copying weights for fine-tuning.
 */
#include "unet_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_safetensors.h"

#define LFM_MODEL_NAME "lfm_unet"
#define LFM_FORMAT "halo-lfm-unet-1"   /* the metadata's "format": the file layout's version */

/* ---------------------------------------------------------------- loss */

/* mean BCE over every logit + dice_weight * mean over samples of the soft
 * Dice loss of the sample's channels and pixels.  dz (may be NULL) gets
 * the gradient; Dice per sample, so that samples with few target pixels
 * weigh as much as crowded ones. */
static double loss_dense(lfm_unet *m, const float *z, const float *target, int n, size_t per_sample,
                         float dice_weight, float *dz)
{
    double loss = nn_loss_bce_logits(z, target, (size_t)n * per_sample, dz);
    if (dice_weight == 0.0f) return loss;
    size_t mark = nn_arena_mark(&m->arena);
    float *dd = dz ? lfm_scratch(m, per_sample) : NULL;
    double dice = 0;
    for (int s = 0; s < n; s++) {
        size_t off = (size_t)s * per_sample;
        dice += nn_loss_dice_logits(z + off, target + off, per_sample, LFM_DICE_SMOOTH, dd);
        if (dz)
            for (size_t i = 0; i < per_sample; i++) dz[off + i] += dice_weight / (float)n * dd[i];
    }
    nn_arena_release(&m->arena, mark);
    return loss + dice_weight * dice / n;
}

/* The loss over the channels m->loss_ch counts: BCE over all of them,
 * and each sample's soft Dice over those of its channels that have
 * something to add (all counted channels when none has).  A fine-tuning
 * pair removes the elements of one channel, so its Dice is that
 * channel's: otherwise a sample's Dice also punishes every other task
 * channel's faintest output, and a channel whose cuts are hard to place
 * (single met1-met2 vias among crossings) is pushed to never firing by
 * the other channels' samples.  With m->dice_joint (routes, whose layer is
 * part of the answer) it spans every counted channel.  The gradient goes back to the channels'
 * places in dz; the uncounted channels get 0. */
static double loss_of(lfm_unet *m, const float *z, const float *target, int n, size_t per_sample, float dice_weight,
                      float *dz)
{
    int C = m->cfg.layer_ch, k = 0, sel[LFM_MAX_LAYER_CH];
    for (int ch = 0; m->loss_ch && ch < C; ch++)
        if (m->loss_ch[ch]) sel[k++] = ch;
    if (!m->loss_ch || k == C || k == 0) return loss_dense(m, z, target, n, per_sample, dice_weight, dz);
    size_t hw = per_sample / (size_t)C, mark = nn_arena_mark(&m->arena);
    float *zc = lfm_scratch(m, (size_t)k * hw), *tc = lfm_scratch(m, (size_t)k * hw);
    float *dd = dz ? lfm_scratch(m, (size_t)k * hw) : NULL;
    double bce = 0, dice = 0;
    for (int s = 0; s < n; s++) {
        int q = 0, own[LFM_MAX_LAYER_CH];
        for (int j = 0; j < k; j++) {
            const float *zs = z + ((size_t)s * C + sel[j]) * hw, *ts = target + ((size_t)s * C + sel[j]) * hw;
            float *dzs = dz ? dz + ((size_t)s * C + sel[j]) * hw : NULL;
            /* BCE, as a mean over every counted logit of the batch */
            bce += nn_loss_bce_logits(zs, ts, hw, dzs) * hw;
            if (dzs)
                for (size_t i = 0; i < hw; i++) dzs[i] /= (float)((size_t)n * k);
            int any = 0;
            for (size_t i = 0; i < hw && !any; i++) any = ts[i] > 0.5f;
            if (any) own[q++] = j;
        }
        if (dice_weight == 0.0f) continue;
        if (q == 0 || m->dice_joint)
            for (q = 0; q < k; q++) own[q] = q;
        for (int j = 0; j < q; j++) {
            memcpy(zc + (size_t)j * hw, z + ((size_t)s * C + sel[own[j]]) * hw, hw * sizeof *zc);
            memcpy(tc + (size_t)j * hw, target + ((size_t)s * C + sel[own[j]]) * hw, hw * sizeof *tc);
        }
        dice += nn_loss_dice_logits(zc, tc, (size_t)q * hw, LFM_DICE_SMOOTH, dd);
        for (int j = 0; dz && j < q; j++) {
            float *dzs = dz + ((size_t)s * C + sel[own[j]]) * hw;
            for (size_t i = 0; i < hw; i++) dzs[i] += dice_weight / (float)n * dd[(size_t)j * hw + i];
        }
    }
    if (dz)   /* the uncounted channels */
        for (int s = 0; s < n; s++)
            for (int ch = 0; ch < C; ch++)
                if (!m->loss_ch[ch]) memset(dz + ((size_t)s * C + ch) * hw, 0, hw * sizeof *dz);
    nn_arena_release(&m->arena, mark);
    return bce / ((double)n * k * hw) + dice_weight * dice / n;
}

void lfm_unet_set_loss_channels(lfm_unet *m, const uint8_t *mask)
{
    free(m->loss_ch);
    m->loss_ch = NULL;
    if (!mask || !(m->loss_ch = malloc((size_t)m->cfg.layer_ch))) return;
    memcpy(m->loss_ch, mask, (size_t)m->cfg.layer_ch);
}

void lfm_unet_set_dice_joint(lfm_unet *m, int joint) { m->dice_joint = joint != 0; }

double lfm_unet_loss_grad(lfm_unet *m, const float *x, const float *target, int n, int h, int w, float dice_weight)
{
    if (lfm_unet_check_input(m, n, h, w, NULL, 0)) return -1;
    size_t per_sample = (size_t)m->cfg.layer_ch * h * w;
    float *z = lfm_net_forward(m, x, n, h, w, NULL, 1);
    float *dz = lfm_scratch(m, (size_t)n * per_sample);
    double loss = loss_of(m, z, target, n, per_sample, dice_weight, dz);
    nn_params_zero_grad(&m->ps);
    lfm_net_backward(m, dz);
    return loss;
}

double lfm_unet_train_step(lfm_unet *m, nn_optim *opt, const float *x, const float *target, int n, int h, int w,
                           float dice_weight)
{
    double loss = lfm_unet_loss_grad(m, x, target, n, h, w, dice_weight);
    if (loss < 0) return loss;
    nn_clip_grad_norm(&m->ps, LFM_GRAD_CLIP);
    nn_optim_step(opt, &m->ps);
    return loss;
}

double lfm_unet_loss(lfm_unet *m, const float *x, const float *target, int n, int h, int w, float dice_weight)
{
    if (lfm_unet_check_input(m, n, h, w, NULL, 0)) return -1;
    float *z = lfm_net_forward(m, x, n, h, w, NULL, 0);
    return loss_of(m, z, target, n, (size_t)m->cfg.layer_ch * h * w, dice_weight, NULL);
}

/* ---------------------------------------------------------------- model file */

/* The configuration fields as the file names them. */
static const struct {
    const char *key;
    size_t off;
} cfg_keys[] = {
    {"layer_ch", offsetof(lfm_cfg, layer_ch)}, {"cmd_ch", offsetof(lfm_cfg, cmd_ch)},
    {"stem_ch", offsetof(lfm_cfg, stem_ch)},   {"base_ch", offsetof(lfm_cfg, base_ch)},
    {"levels", offsetof(lfm_cfg, levels)},     {"res_blocks", offsetof(lfm_cfg, res_blocks)},
    {"attn", offsetof(lfm_cfg, attn)},         {"heads", offsetof(lfm_cfg, heads)},
};
#define NCFG_KEYS (sizeof cfg_keys / sizeof *cfg_keys)

static int *cfg_field(lfm_cfg *c, size_t i)
{
    return (int *)(void *)((char *)c + cfg_keys[i].off);
}

static void copy_msg(char *err, size_t errlen, const char *msg)
{
    if (err && errlen) snprintf(err, errlen, "%s", msg);
}

int lfm_unet_save(const lfm_unet *m, const char *path, char *err, size_t errlen)
{
    nn_meta meta = {0};
    char v[32];
    lfm_cfg c = m->cfg;
    nn_meta_set(&meta, "format", LFM_FORMAT);
    for (size_t i = 0; i < NCFG_KEYS; i++) {
        snprintf(v, sizeof v, "%d", *cfg_field(&c, i));
        nn_meta_set(&meta, cfg_keys[i].key, v);
    }
    halo_err herr;
    int rc = nn_safetensors_write(path, &m->ps, &meta, &herr);
    nn_meta_free(&meta);
    if (rc) copy_msg(err, errlen, herr.msg);
    return rc ? -1 : 0;
}

static int not_ours(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int not_ours(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (err && errlen) snprintf(err, errlen, "%s is not a halo %s model file: %s.", path, LFM_MODEL_NAME, why);
    return -1;
}

/* The configuration a file's metadata records. */
static int cfg_from_meta(const nn_meta *meta, const char *path, lfm_cfg *c, char *err, size_t errlen)
{
    const char *format = nn_meta_get(meta, "format");
    if (!format || strcmp(format, LFM_FORMAT) != 0)
        return not_ours(err, errlen, path, "its metadata format is %s%.60s%s, expected \"%s\"",
                        format ? "\"" : "", format ? format : "missing", format ? "\"" : "", LFM_FORMAT);
    for (size_t i = 0; i < NCFG_KEYS; i++) {
        const char *v = nn_meta_get(meta, cfg_keys[i].key);
        if (!v) return not_ours(err, errlen, path, "metadata %s is missing", cfg_keys[i].key);
        char *end;
        long x = strtol(v, &end, 10);
        if (end == v || *end || x < -100000 || x > 100000)
            return not_ours(err, errlen, path, "metadata %s is \"%.60s\", expected an integer", cfg_keys[i].key, v);
        *cfg_field(c, i) = (int)x;
    }
    char why[400];
    if (lfm_cfg_check(c, why, sizeof why)) return not_ours(err, errlen, path, "its metadata: %.300s", why);
    return 0;
}

static int same_shape(const nn_param *a, const nn_param *b)
{
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

/* Every parameter of m from the file's tensor of the same name: all
 * present, of the same shape, finite, and nothing extra in the file. */
static int fill_params(lfm_unet *m, const nn_params *file, const char *path, char *err, size_t errlen)
{
    for (int i = 0; i < m->ps.n; i++) {
        nn_param *p = m->ps.p[i];
        const nn_param *q = nn_params_find(file, p->name);
        if (!q) return not_ours(err, errlen, path, "tensor %.200s is missing", p->name);
        if (!same_shape(p, q))
            return not_ours(err, errlen, path, "tensor %.200s has another shape than its metadata implies", p->name);
        for (size_t k = 0; k < q->n; k++)
            if (!isfinite(q->w[k])) return not_ours(err, errlen, path, "tensor %.200s holds a value that is not finite", p->name);
        memcpy(p->w, q->w, p->n * sizeof *p->w);
    }
    for (int i = 0; i < file->n; i++)
        if (!nn_params_find(&m->ps, file->p[i]->name))
            return not_ours(err, errlen, path, "tensor %.200s is not part of the model its metadata describes",
                            file->p[i]->name);
    return 0;
}

lfm_unet *lfm_unet_load(const char *path, char *err, size_t errlen)
{
    nn_params file;
    nn_meta meta = {0};
    halo_err herr;
    lfm_unet *m = NULL;
    lfm_cfg c;
    nn_params_init(&file);
    if (nn_safetensors_read(path, &file, &meta, &herr)) copy_msg(err, errlen, herr.msg);
    else if (!cfg_from_meta(&meta, path, &c, err, errlen)) {
        m = lfm_unet_new(&c, 0, err, errlen);
        if (m && fill_params(m, &file, path, err, errlen)) {
            lfm_unet_free(m);
            m = NULL;
        }
    }
    nn_params_free(&file);
    nn_meta_free(&meta);
    return m;
}

/* ---------------------------------------------------------------- fine-tuning */

int lfm_unet_copy_weights(lfm_unet *dst, const lfm_unet *src)
{
    int copied = 0;
    for (int i = 0; i < dst->ps.n; i++) {
        nn_param *p = dst->ps.p[i];
        const nn_param *q = nn_params_find(&src->ps, p->name);
        if (!q || !same_shape(p, q)) continue;
        memcpy(p->w, q->w, p->n * sizeof *p->w);
        copied++;
    }
    return copied;
}
