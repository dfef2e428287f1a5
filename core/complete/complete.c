/*
 * complete.c -- the layout model's file, training, validation and
 * inference (see complete.h).
 */
#include "complete.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/nn_safetensors.h"

/* ---------------------------------------------------------------- model */

int lfm_model_new(lfm_model *m, const lfm_cfg *cfg, const lfm_chanmap *map, lfm_task task, int32_t px, int patch,
                  uint64_t seed, halo_err *err)
{
    memset(m, 0, sizeof *m);
    lfm_cfg c = *cfg;
    c.layer_ch = map->nch;
    c.cmd_ch = lfm_task_cmd_channels(task);
    char why[256] = "";
    m->net = lfm_unet_new(&c, seed, why, sizeof why);
    if (!m->net) return halo_err_set(err, HALO_E_LFM_VALUE, NULL, 0, "U-Net configuration", why, "a buildable model");
    m->map = *map, m->task = task, m->px = px, m->patch = patch;
    return 0;
}

int lfm_model_derive(lfm_model *m, const lfm_model *src, lfm_task task, uint64_t seed, halo_err *err)
{
    if (lfm_model_new(m, lfm_unet_config(src->net), &src->map, task, src->px, src->patch, seed, err)) return -1;
    lfm_unet_copy_weights(m->net, src->net);
    m->trained_steps = src->trained_steps;
    return 0;
}

int lfm_model_cmd_channels(const lfm_model *m)
{
    return lfm_unet_config(m->net)->cmd_ch;
}

/* Training and validation pairs carry the task's command channels today;
 * a model saved before its task gained one (a via model without the
 * window) runs, but trains only after lfm_model_derive. */
static int check_cmd_channels(const lfm_model *m, halo_err *err)
{
    if (lfm_model_cmd_channels(m) == lfm_task_cmd_channels(m->task)) return 0;
    char have[32], want[96];
    snprintf(have, sizeof have, "%d", lfm_model_cmd_channels(m));
    snprintf(want, sizeof want, "%d, as the %s task's pairs have (fine-tune with -init to derive one)",
             lfm_task_cmd_channels(m->task), lfm_task_name(m->task));
    return halo_err_set(err, HALO_E_LFM_VALUE, NULL, 0, "layout model's command channels", have, want);
}

void lfm_model_free(lfm_model *m)
{
    if (m->net) lfm_unet_free(m->net);
    memset(m, 0, sizeof *m);
}

static void meta_int(nn_meta *meta, const char *key, long v)
{
    char num[32];
    snprintf(num, sizeof num, "%ld", v);
    nn_meta_set(meta, key, num);
}

int lfm_model_save(const lfm_model *m, const char *path, halo_err *err)
{
    const lfm_cfg *c = lfm_unet_config(m->net);
    nn_meta meta = {NULL, NULL, 0};
    char text[4096];
    lfm_chanmap_to_text(&m->map, text, sizeof text);
    nn_meta_set(&meta, "format", "halo.layout_model");
    nn_meta_set(&meta, "architecture", "unet");
    nn_meta_set(&meta, "channels", text);
    nn_meta_set(&meta, "task", lfm_task_name(m->task));
    meta_int(&meta, "pixel_nm", m->px);
    meta_int(&meta, "patch", m->patch);
    meta_int(&meta, "trained_steps", m->trained_steps);
    meta_int(&meta, "layer_ch", c->layer_ch);
    meta_int(&meta, "cmd_ch", c->cmd_ch);
    meta_int(&meta, "stem_ch", c->stem_ch);
    meta_int(&meta, "base_ch", c->base_ch);
    meta_int(&meta, "levels", c->levels);
    meta_int(&meta, "res_blocks", c->res_blocks);
    meta_int(&meta, "attn", c->attn);
    meta_int(&meta, "heads", c->heads);
    int rc = nn_safetensors_write(path, lfm_unet_params(m->net), &meta, err);
    nn_meta_free(&meta);
    return rc;
}

static int meta_get_int(const nn_meta *meta, const char *key, int lo, int hi, int *v)
{
    const char *s = nn_meta_get(meta, key);
    char *end;
    long x = s ? strtol(s, &end, 10) : 0;
    if (!s || *end || x < lo || x > hi) return -1;
    *v = (int)x;
    return 0;
}

int lfm_model_load(const char *path, lfm_model *m, halo_err *err)
{
    memset(m, 0, sizeof *m);
    nn_params ps;
    nn_meta meta = {NULL, NULL, 0};
    nn_params_init(&ps);
    if (nn_safetensors_read(path, &ps, &meta, err)) {
        /* a file refused after its metadata parsed leaves that metadata */
        nn_params_free(&ps);
        nn_meta_free(&meta);
        return -1;
    }
    lfm_cfg c;
    memset(&c, 0, sizeof c);
    int px = 0, patch = 0, steps = 0, rc = 0;
    const char *fmt = nn_meta_get(&meta, "format"), *task = nn_meta_get(&meta, "task");
    if (!fmt || strcmp(fmt, "halo.layout_model") || lfm_chanmap_from_text(nn_meta_get(&meta, "channels"), &m->map) ||
        !task || lfm_task_parse(task, &m->task) || meta_get_int(&meta, "pixel_nm", 1, 100000, &px) ||
        meta_get_int(&meta, "patch", 8, 4096, &patch) || meta_get_int(&meta, "trained_steps", 0, 2000000000, &steps) ||
        meta_get_int(&meta, "layer_ch", 1, LFM_MAX_CHANNELS, &c.layer_ch) ||
        meta_get_int(&meta, "cmd_ch", 0, 8, &c.cmd_ch) || meta_get_int(&meta, "stem_ch", 1, 1024, &c.stem_ch) ||
        meta_get_int(&meta, "base_ch", 1, 1024, &c.base_ch) || meta_get_int(&meta, "levels", 0, 8, &c.levels) ||
        meta_get_int(&meta, "res_blocks", 1, 8, &c.res_blocks) || meta_get_int(&meta, "attn", 0, 1, &c.attn) ||
        meta_get_int(&meta, "heads", 0, 64, &c.heads) || c.layer_ch != m->map.nch)
        rc = halo_err_set(err, HALO_E_LFM_FILE, NULL, 0, path, "layout model",
                          "its metadata lacks or garbles format, channels, task, pixel_nm, patch or the U-Net's "
                          "configuration");
    char why[256] = "";
    if (!rc && !(m->net = lfm_unet_new(&c, 1, why, sizeof why)))
        rc = halo_err_set(err, HALO_E_LFM_FILE, NULL, 0, path, "layout model", why);
    nn_params *mine = rc ? NULL : lfm_unet_params(m->net);
    for (int i = 0; mine && i < mine->n && !rc; i++) {
        nn_param *dst = mine->p[i], *src = nn_params_find(&ps, dst->name);
        if (!src || src->n != dst->n) {
            char w[300];
            snprintf(w, sizeof w, "tensor %s is missing or has the wrong size", dst->name);
            rc = halo_err_set(err, HALO_E_LFM_FILE, NULL, 0, path, "layout model", w);
        } else memcpy(dst->w, src->w, dst->n * sizeof *dst->w);
    }
    m->px = px, m->patch = patch, m->trained_steps = steps;
    nn_params_free(&ps);
    nn_meta_free(&meta);
    if (rc) lfm_model_free(m);
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------------- scores */

void lfm_scores_finish(lfm_scores *s)
{
    double u = s->tp + s->fp + s->fn;
    s->iou = u > 0 ? s->tp / u : 1;
    s->dice = u > 0 ? 2 * s->tp / (2 * s->tp + s->fp + s->fn) : 1;
}

/* Adds the thresholded prediction of the task's channels to s (and an
 * all-empty prediction's to e). */
static void score_batch(const lfm_model *m, const float *logits, const float *y, int n, int S, lfm_scores *s,
                        lfm_scores *e)
{
    int C = m->map.nch;
    size_t ss = (size_t)S * S;
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < C; ch++) {
            if (!lfm_task_targets(m->task, &m->map, ch)) continue;
            const float *z = logits + ((size_t)b * C + ch) * ss, *t = y + ((size_t)b * C + ch) * ss;
            for (size_t i = 0; i < ss; i++) {
                int p = z[i] > 0, q = t[i] > 0.5f;
                s->tp += p && q, s->fp += p && !q, s->fn += !p && q;
                if (e) e->fn += q;
            }
        }
}

/* ---------------------------------------------------------------- pairs */

/* A fixed set of pairs, kept as bytes (they are 0/1). */
typedef struct pair_set {
    int n, S, cx, cy;
    uint8_t *x, *y;
} pair_set;

static int pair_set_make(pair_set *p, const lfm_corpus *c, lfm_task t, int n, int S, uint64_t seed, float *fx,
                         float *fy)
{
    p->n = n, p->S = S, p->cx = c->map.nch + lfm_task_cmd_channels(t), p->cy = c->map.nch;
    size_t xs = (size_t)p->cx * S * S, ys = (size_t)p->cy * S * S;
    p->x = malloc(xs * n), p->y = malloc(ys * n);
    if (!p->x || !p->y) return -1;
    halo_rng rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < n; i++) {
        if (lfm_sample(c, t, S, &rng, fx, fy, NULL)) return -2;
        for (size_t k = 0; k < xs; k++) p->x[(size_t)i * xs + k] = fx[k] > 0.5f;
        for (size_t k = 0; k < ys; k++) p->y[(size_t)i * ys + k] = fy[k] > 0.5f;
    }
    return 0;
}

static void pair_set_get(const pair_set *p, int i, float *fx, float *fy)
{
    size_t xs = (size_t)p->cx * p->S * p->S, ys = (size_t)p->cy * p->S * p->S;
    for (size_t k = 0; k < xs; k++) fx[k] = p->x[(size_t)i * xs + k];
    for (size_t k = 0; k < ys; k++) fy[k] = p->y[(size_t)i * ys + k];
}

static void pair_set_free(pair_set *p)
{
    free(p->x), free(p->y);
    memset(p, 0, sizeof *p);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The loss counts a task's target channels only; pre-training, all.  A
 * route's Dice spans its five metal channels: drawing the stretch on a
 * layer other than its own is wrong, and per-channel Dice let the model
 * draw it on every layer with a stub near the points. */
static void count_task_channels(lfm_model *m)
{
    uint8_t mask[LFM_MAX_CHANNELS] = {0};
    for (int ch = 0; ch < m->map.nch && ch < LFM_MAX_CHANNELS; ch++) mask[ch] = (uint8_t)lfm_task_targets(m->task, &m->map, ch);
    lfm_unet_set_loss_channels(m->net, m->task == LFM_PRETRAIN ? NULL : mask);
    lfm_unet_set_dice_joint(m->net, m->task == LFM_ROUTE);
}

/* ---------------------------------------------------------------- validation */

int lfm_evaluate(lfm_model *m, const lfm_corpus *c, int n, uint64_t seed, lfm_scores *s, lfm_scores *empty,
                 double *loss, halo_err *err)
{
    memset(s, 0, sizeof *s);
    if (empty) memset(empty, 0, sizeof *empty);
    if (check_cmd_channels(m, err)) return -1;
    int S = m->patch, C = m->map.nch, cx = C + lfm_task_cmd_channels(m->task), B = 8;
    size_t xs = (size_t)cx * S * S, ys = (size_t)C * S * S;
    float *x = malloc(xs * B * sizeof *x), *y = malloc(ys * B * sizeof *y), *z = malloc(ys * B * sizeof *z);
    halo_rng rng;
    rng_seed(&rng, seed);
    count_task_channels(m);
    double lsum = 0;
    int rc = x && y && z ? 0 : halo_err_set(err, HALO_E_NOMEM, NULL, 0);
    for (int done = 0; done < n && !rc;) {
        int b = n - done < B ? n - done : B;
        for (int i = 0; i < b && !rc; i++)
            if (lfm_sample(c, m->task, S, &rng, x + i * xs, y + i * ys, NULL))
                rc = halo_err_set(err, HALO_E_LFM_DATA, NULL, 0, "the validation layouts have nothing the task removes");
        if (rc) break;
        lsum += lfm_unet_loss(m->net, x, y, b, S, S, 1.0f) * b;
        lfm_unet_forward(m->net, x, b, S, S, z);
        score_batch(m, z, y, b, S, s, empty);
        done += b;
    }
    free(x), free(y), free(z);
    lfm_scores_finish(s);
    if (empty) lfm_scores_finish(empty);
    if (loss) *loss = n ? lsum / n : 0;
    return rc;
}

/* ---------------------------------------------------------------- training */

int lfm_train(lfm_model *m, const lfm_corpus *train, const lfm_corpus *val, const lfm_train_opts *o,
              lfm_train_result *res, halo_err *err)
{
    memset(res, 0, sizeof *res);
    if (check_cmd_channels(m, err)) return -1;
    int S = m->patch, C = m->map.nch, cx = C + lfm_task_cmd_channels(m->task), B = o->batch;
    size_t xs = (size_t)cx * S * S, ys = (size_t)C * S * S;
    float *x = malloc(xs * B * sizeof *x), *y = malloc(ys * B * sizeof *y);
    pair_set set = {0};
    int rc = x && y ? 0 : halo_err_set(err, HALO_E_NOMEM, NULL, 0);
    if (!rc && o->samples > 0) {
        int k = pair_set_make(&set, train, m->task, o->samples, S, o->seed ^ 0x5eed, x, y);
        if (k) rc = halo_err_set(err, k == -1 ? HALO_E_NOMEM : HALO_E_LFM_DATA, NULL, 0,
                                 "the training layouts have nothing the task removes");
    }
    count_task_channels(m);
    nn_optim opt;
    nn_optim_init(&opt, NN_ADAMW, o->lr);
    opt.weight_decay = 1e-4f;
    halo_rng rng;
    rng_seed(&rng, o->seed);
    double t0 = now_seconds(), head = 0, tail = 0;
    long nhead = 0, ntail = 0, tail_from = o->steps - o->steps / 10;
    long step = 0, horizon = o->max_seconds > 0 ? 200 : o->steps;   /* a guess until the pace is known */
    if (horizon > o->steps) horizon = o->steps;
    for (; step < o->steps && !rc; step++) {
        if (o->max_seconds > 0 && now_seconds() - t0 > o->max_seconds) break;
        for (int b = 0; b < B && !rc; b++) {
            if (o->samples > 0) pair_set_get(&set, (int)rng_below(&rng, (uint64_t)set.n), x + b * xs, y + b * ys);
            else if (lfm_sample(train, m->task, S, &rng, x + b * xs, y + b * ys, NULL))
                rc = halo_err_set(err, HALO_E_LFM_DATA, NULL, 0, "the training layouts have nothing the task removes");
        }
        if (rc) break;
        /* With a time limit the schedule spans the steps that fit in it,
         * re-estimated as the measured pace settles. */
        if (o->max_seconds > 0 && step >= 10 && step % 10 == 0) {
            double per = (now_seconds() - t0) / step;
            long fit = (long)(o->max_seconds / per);
            horizon = fit < o->steps ? (fit > step + 1 ? fit : step + 1) : o->steps;
        }
        opt.lr = nn_lr_cosine(o->lr, o->lr * 0.05f, step, horizon, horizon / 20);
        double loss = lfm_unet_train_step(m->net, &opt, x, y, B, S, S, o->dice_weight);
        if (step < (o->steps + 9) / 10) head += loss, nhead++;
        if (step >= tail_from) tail += loss, ntail++;
        res->last_loss = loss;
        if (o->progress && o->progress_every > 0 && (step + 1) % o->progress_every == 0)
            o->progress(o->ctx, step + 1, horizon, loss, now_seconds() - t0);   /* the steps the time allows */
    }
    res->steps = step;
    m->trained_steps += step;
    res->first_loss = nhead ? head / nhead : 0;
    if (ntail) res->last_loss = tail / ntail;
    if (!rc && val && o->val > 0)
        rc = lfm_evaluate(m, val, o->val, o->seed ^ 0xa11, &res->val, &res->val_empty, &res->val_loss, err);
    res->seconds = now_seconds() - t0;
    pair_set_free(&set);
    free(x), free(y);
    return rc;
}

/* ---------------------------------------------------------------- inference */

/* Weight of a patch pixel: 1 at the centre falling to 1/(S/2) at the
 * edge, on both axes. */
static float tent(int i, int S)
{
    int d = i < S - 1 - i ? i : S - 1 - i;
    return (float)(d + 1) / (float)(S / 2);
}

/* One tiling: patches of side S at origins off + k S covering the raster. */
static int tiling_origins(int len, int S, int off, int *o)
{
    int n = 0;
    for (int p = off; p < len; p += S) o[n++] = p;
    return n;
}

/* The part [lo, hi) of a patch's S pixels from p0 that lies inside
 * [0, len). */
static void clip_span(int p0, int S, int len, int *lo, int *hi)
{
    *lo = p0 < 0 ? -p0 : 0;
    *hi = p0 + S > len ? len - p0 : S;
}

/* A patch with no shape at all has nothing to complete: its pixels get
 * their weight with probability 0 and the network is not run (most of
 * a cell's area is empty between devices). */
static void add_empty_tile(float *wsum, int W, int H, int px0, int py0, int S)
{
    int i0, i1, j0, j1;
    clip_span(px0, S, W, &i0, &i1);
    clip_span(py0, S, H, &j0, &j1);
    for (int j = j0; j < j1; j++)
        for (int i = i0; i < i1; i++) wsum[(size_t)(py0 + j) * W + px0 + i] += tent(i, S) * tent(j, S);
}

/* The network's input for the patch of side S at (px0, py0): the
 * raster's channels, then the command channel (zero past the raster). */
static void fill_patch(const lfm_raster *in, const uint8_t *cmd, int cx, int S, int px0, int py0, float *xb)
{
    int C = in->c, W = in->w, i0, i1, j0, j1;
    clip_span(px0, S, W, &i0, &i1);
    clip_span(py0, S, in->h, &j0, &j1);
    memset(xb, 0, (size_t)cx * S * S * sizeof *xb);
    for (int ch = 0; ch < cx; ch++)
        for (int j = j0; j < j1; j++)
            for (int i = i0; i < i1; i++) {
                size_t at = (size_t)(py0 + j) * W + px0 + i;
                xb[((size_t)ch * S + j) * S + i] =
                    ch < C ? lfm_raster_plane(in, ch)[at] : cmd ? lfm_cmd_value(cmd[at], cx - C, ch - C) : 0;
            }
}

/* Adds one patch's probabilities (logits z, [C,S,S]) at (px0, py0),
 * weighted gain x the tent. */
static void add_patch(float *prob, float *wsum, const float *z, int C, int W, int H, int S, int px0, int py0,
                      float gain)
{
    size_t hw = (size_t)H * W;
    int i0, i1, j0, j1;
    clip_span(px0, S, W, &i0, &i1);
    clip_span(py0, S, H, &j0, &j1);
    for (int j = j0; j < j1; j++)
        for (int i = i0; i < i1; i++) {
            float w = gain * tent(i, S) * tent(j, S);
            size_t at = (size_t)(py0 + j) * W + px0 + i;
            wsum[at] += w;
            for (int ch = 0; ch < C; ch++)
                prob[(size_t)ch * hw + at] += w / (1 + expf(-z[((size_t)ch * S + j) * S + i]));
        }
}

/* Mirrors n planes of S x S in place: in x when fx, in y when fy. */
static void flip_planes(float *v, int n, int S, int fx, int fy)
{
    if (!fx && !fy) return;
    for (int c = 0; c < n; c++) {
        float *p = v + (size_t)c * S * S;
        for (int j = 0; j < (fy ? S / 2 : S); j++)
            for (int i = 0; i < (fy ? S : S / 2); i++) {
                int j2 = fy ? S - 1 - j : j, i2 = fx ? S - 1 - i : i;
                float t = p[j * S + i];
                p[j * S + i] = p[j2 * S + i2], p[j2 * S + i2] = t;
            }
    }
}

/* Runs nb patches x ([cx,S,S] each, at origins org) through the model in
 * views views (as drawn, mirrored in x, y, both; xf holds a view), each
 * mirrored back and added at gain / views. */
static void add_views(lfm_model *m, const lfm_raster *in, const float *x, float *xf, int nb, int S, int cx,
                      const int (*org)[2], int views, float gain, float *z, float *prob, float *wsum)
{
    int C = in->c;
    size_t xs = (size_t)cx * S * S, ys = (size_t)C * S * S;
    for (int f = 0; f < views; f++) {
        memcpy(xf, x, (size_t)nb * xs * sizeof *x);
        for (int b = 0; b < nb; b++) flip_planes(xf + (size_t)b * xs, cx, S, f & 1, f & 2);
        lfm_unet_forward(m->net, xf, nb, S, S, z);
        for (int b = 0; b < nb; b++) {
            flip_planes(z + (size_t)b * ys, C, S, f & 1, f & 2);
            add_patch(prob, wsum, z + (size_t)b * ys, C, in->w, in->h, S, org[b][0], org[b][1], gain / views);
        }
    }
}

/* Routing: one more patch centred on the start and end marks, so that
 * one patch sees the whole stretch (a tiling patch holds both ends of a
 * 40-pixel stretch less than half the time, and one end alone says
 * little), as wide as the stretch needs (a multiple of the U-Net's
 * 2^levels) and weighted 8x over the tilings.  Returns -1 when out of
 * memory. */
static int add_command_patch(lfm_model *m, const lfm_raster *in, const uint8_t *cmd, float *prob, float *wsum)
{
    int H = in->h, W = in->w, x0 = W, y0 = H, x1 = -1, y1 = -1;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (cmd[(size_t)y * W + x]) x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1, y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
    if (x1 < 0) return 0;
    int q = 1 << lfm_unet_config(m->net)->levels, span = (x1 - x0 > y1 - y0 ? x1 - x0 : y1 - y0) + 1;
    int S = m->patch, need = span + S / 2;
    if (need > S) S = (need + q - 1) / q * q;
    int cx = in->c + lfm_model_cmd_channels(m), px0 = (x0 + x1 + 1) / 2 - S / 2, py0 = (y0 + y1 + 1) / 2 - S / 2;
    size_t xs = (size_t)cx * S * S;
    float *x = malloc(2 * xs * sizeof *x), *z = malloc((size_t)in->c * S * S * sizeof *z);
    int rc = x && z ? 0 : -1;
    if (!rc) fill_patch(in, cmd, cx, S, px0, py0, x);
    /* the patch as drawn and mirrored in x, y and both, each mirrored
     * back: a stretch is the same wire either way round, and the four
     * views average out a view's one-pixel slips at the wire's edges */
    int org[1][2] = {{px0, py0}};
    if (!rc) add_views(m, in, x, x + xs, 1, S, cx, (const int (*)[2])org, 4, 8, z, prob, wsum);
    free(x), free(z);
    return rc;
}

/* ---------------------------------------------------------------- commands */

/* The pixel (i, j) of r holding point (x, y) nm. */
static void point_pixel(const lfm_raster *r, int32_t x, int32_t y, int *i, int *j)
{
    *i = (int)floor((double)(x - r->x0) / r->px), *j = (int)floor((double)(y - r->y0) / r->px);
}

/* A 3x3-pixel mark around a point, as the route samples draw them. */
static void mark_point(uint8_t *cmd, const lfm_raster *r, int32_t x, int32_t y, uint8_t byte)
{
    int i, j;
    point_pixel(r, x, y, &i, &j);
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
            if (i + dx >= 0 && i + dx < r->w && j + dy >= 0 && j + dy < r->h) cmd[(size_t)(j + dy) * r->w + i + dx] = byte;
}

/* The unit pixel step (ux, uy) from (x, y) toward (tx, ty) along the
 * longer axis between them: the way a route runs from its point. */
static void step_toward(int32_t x, int32_t y, int32_t tx, int32_t ty, int *ux, int *uy)
{
    *ux = *uy = 0;
    if (labs((long)tx - x) >= labs((long)ty - y)) *ux = tx >= x ? 1 : -1;
    else *uy = ty >= y ? 1 : -1;
}

/* The route layers (as bits, lfm_cmd_value) with a shape within a pixel
 * of point (x, y). */
static unsigned layers_at(const lfm_model *m, const lfm_raster *r, int32_t x, int32_t y)
{
    int i, j;
    point_pixel(r, x, y, &i, &j);
    unsigned bits = 0;
    for (int ch = 0; ch < r->c; ch++) {
        int b = lfm_task_target_index(m->task, &m->map, ch);
        const uint8_t *plane = lfm_raster_plane(r, ch);
        for (int dy = -1; b >= 0 && dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
                if (i + dx >= 0 && i + dx < r->w && j + dy >= 0 && j + dy < r->h && plane[(size_t)(j + dy) * r->w + i + dx])
                    bits |= 1u << b;
    }
    return bits;
}

/* The route layers whose wiring ends at point (x, y), facing the other
 * point (tx, ty): on a pixel behind it, off a pixel ahead, along the
 * longer axis between the two.  A strap that merely passes a point (a
 * device's li1 or met1 under a met3 wire) is on at both. */
static unsigned layers_ending(const lfm_model *m, const lfm_raster *r, int32_t x, int32_t y, int32_t tx, int32_t ty)
{
    int i, j, ux, uy;
    point_pixel(r, x, y, &i, &j);
    step_toward(x, y, tx, ty, &ux, &uy);
    int bi = i - ux, bj = j - uy, ai = i + ux, aj = j + uy;
    if (bi < 0 || bj < 0 || ai < 0 || aj < 0 || bi >= r->w || ai >= r->w || bj >= r->h || aj >= r->h) return 0;
    unsigned bits = 0;
    for (int ch = 0; ch < r->c; ch++) {
        int b = lfm_task_target_index(m->task, &m->map, ch);
        const uint8_t *plane = lfm_raster_plane(r, ch);
        if (b >= 0 && plane[(size_t)bj * r->w + bi] && !plane[(size_t)aj * r->w + ai]) bits |= 1u << b;
    }
    return bits;
}

/* The byte a route's points are marked with (lfm_command_route). */
static uint8_t route_mark(const lfm_model *m, const lfm_raster *in, const uint8_t *keep, int32_t fx, int32_t fy,
                          int32_t tx, int32_t ty)
{
    if (lfm_model_cmd_channels(m) <= 1) return 1;
    unsigned bits = 0;
    for (int ch = 0; keep && ch < in->c; ch++) {
        int b = lfm_task_target_index(m->task, &m->map, ch);
        if (keep[ch] && b >= 0) bits |= 1u << b;
    }
    unsigned ea = layers_ending(m, in, fx, fy, tx, ty), ez = layers_ending(m, in, tx, ty, fx, fy);
    unsigned a = layers_at(m, in, fx, fy), z = layers_at(m, in, tx, ty);
    if (!bits) bits = ea & ez;
    if (!bits) bits = ea | ez;
    if (!bits) bits = a & z;
    if (!bits) bits = a | z;
    if (!bits) bits = (1u << lfm_model_cmd_channels(m)) - 1;
    return (uint8_t)bits;
}

void lfm_command_window(const lfm_raster *r, int x0, int y0, int x1, int y1, uint8_t *cmd)
{
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < r->h; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < r->w; x++) cmd[(size_t)y * r->w + x] = 1;
}

lay_box lfm_context_area(const lfm_model *m, lay_box win)
{
    lay_box area = lay_box_grow(win, m->px * (m->patch / 2));
    area.x0 = lfm_floor_to(area.x0, m->px), area.y0 = lfm_floor_to(area.y0, m->px);
    return area;
}

/* One phase of the coarse well: the coarse model over area (its origin
 * the phase's), each pixel of in taking into phase_prob the probability
 * of the coarse pixel holding its centre (1 where the cell has a well). */
static int add_coarse_phase(lfm_model *coarse, const lay_flat *f, lay_box area, const lfm_raster *in,
                            float *phase_prob)
{
    int32_t cpx = coarse->px;
    lfm_raster *cin = lfm_raster_flat(f, &coarse->map, cpx, area);
    float *prob = cin ? lfm_infer(coarse, cin, NULL) : NULL;
    if (!prob) {
        lfm_raster_free(cin);
        return -1;
    }
    size_t chw = (size_t)cin->h * cin->w;
    for (int ch = 0; ch < cin->c; ch++) {
        if (!lfm_task_targets(coarse->task, &coarse->map, ch)) continue;
        const uint8_t *have = lfm_raster_plane(cin, ch);
        const float *p = prob + (size_t)ch * chw;
        for (int j = 0; j < in->h; j++) {
            int64_t cy = ((int64_t)in->y0 + (int64_t)j * in->px + in->px / 2 - cin->y0);
            int cj = cy < 0 ? -1 : (int)(cy / cpx);
            for (int i = 0; i < in->w; i++) {
                int64_t cx = ((int64_t)in->x0 + (int64_t)i * in->px + in->px / 2 - cin->x0);
                int ci = cx < 0 ? -1 : (int)(cx / cpx);
                if (ci < 0 || cj < 0 || ci >= cin->w || cj >= cin->h) continue;
                size_t at = (size_t)cj * cin->w + ci;
                float v = have[at] ? 1.0f : p[at], *to = phase_prob + (size_t)j * in->w + i;
                if (v > *to) *to = v;
            }
        }
    }
    free(prob);
    lfm_raster_free(cin);
    return 0;
}

int lfm_command_coarse(lfm_model *coarse, const lay_flat *f, lay_box win, const lfm_raster *in, float threshold,
                       int phases, uint8_t *cmd)
{
    size_t hw = (size_t)in->h * in->w;
    float *sum = calloc(hw, sizeof *sum), *phase_prob = malloc(hw * sizeof *phase_prob);
    int rc = sum && phase_prob ? 0 : -1;
    lay_box area = lfm_context_area(coarse, win);
    for (int k = 0; k < phases && !rc; k++) {
        int32_t shift = (int32_t)((int64_t)coarse->px * k / phases);
        lay_box shifted = {area.x0 - shift, area.y0 - shift, area.x1, area.y1};
        for (size_t p = 0; p < hw; p++) phase_prob[p] = 0;
        rc = add_coarse_phase(coarse, f, shifted, in, phase_prob);
        for (size_t p = 0; p < hw && !rc; p++) sum[p] += phase_prob[p];
    }
    for (size_t p = 0; p < hw && !rc; p++)
        if (sum[p] > threshold * phases) cmd[p] = 1;
    free(sum), free(phase_prob);
    return rc;
}

/* The wire end of channel ch at point (i, j) pixels, the route running
 * from it along (ux, uy): the last pixel on before the gap, looked for
 * at the point and a pixel either side along the route (a point on a
 * cut edge rounds to either pixel), then the wire's cross-section there
 * (the run of pixels on across the route, at most LFM_END_RUN) and the
 * same span a pixel ahead, into the gap: as the route samples mark a
 * meeting of kept and removed pixels.  Returns 0, or -1 when the point
 * is at no end of that channel's wiring. */
#define LFM_END_RUN 32
static int mark_wire_end(const lfm_raster *r, int ch, int i, int j, int ux, int uy, uint8_t byte, uint8_t *cmd)
{
    const uint8_t *plane = lfm_raster_plane(r, ch);
    int W = r->w, H = r->h, back[4] = {0, 1, -1, 2};
#define ON(x, y) ((x) >= 0 && (y) >= 0 && (x) < W && (y) < H && plane[(size_t)(y) * W + (x)])
    for (int k = 0; k < 4; k++) {
        int qx = i - back[k] * ux, qy = j - back[k] * uy;
        if (!ON(qx, qy) || ON(qx + ux, qy + uy) || qx + ux < 0 || qy + uy < 0 || qx + ux >= W || qy + uy >= H) continue;
        int px = uy != 0, py = ux != 0, lo = 0, hi = 0;   /* across the route */
        while (lo < LFM_END_RUN / 2 && ON(qx - (lo + 1) * px, qy - (lo + 1) * py)) lo++;
        while (hi < LFM_END_RUN / 2 && ON(qx + (hi + 1) * px, qy + (hi + 1) * py)) hi++;
        for (int t = -lo; t <= hi; t++) {
            int x = qx + t * px, y = qy + t * py;
            cmd[(size_t)y * W + x] |= byte;
            if (!ON(x + ux, y + uy)) cmd[(size_t)(y + uy) * W + x + ux] |= byte;
        }
        return 0;
    }
#undef ON
    return -1;
}

/* Marks point (x, y) nm, the route heading to (ox, oy): at the end of
 * each told layer's wiring there, else (no wire ends there: a pin on a
 * via or a device) a 3x3 mark. */
static void mark_route_point(const lfm_model *m, const lfm_raster *in, uint8_t byte, int32_t x, int32_t y,
                             int32_t ox, int32_t oy, uint8_t *cmd)
{
    int i, j, ux, uy, found = 0;
    point_pixel(in, x, y, &i, &j);
    step_toward(x, y, ox, oy, &ux, &uy);
    int ncmd = lfm_model_cmd_channels(m);
    for (int ch = 0; ch < in->c; ch++) {
        int b = lfm_task_target_index(m->task, &m->map, ch);
        if (b < 0 || (ncmd > 1 && !(byte >> b & 1))) continue;
        if (mark_wire_end(in, ch, i, j, ux, uy, byte, cmd) == 0) found = 1;
    }
    if (!found) mark_point(cmd, in, x, y, byte);
}

void lfm_command_route(const lfm_model *m, const lfm_raster *in, const uint8_t *keep, int32_t fx, int32_t fy,
                       int32_t tx, int32_t ty, uint8_t *cmd)
{
    uint8_t byte = route_mark(m, in, keep, fx, fy, tx, ty);
    mark_route_point(m, in, byte, fx, fy, tx, ty, cmd);
    mark_route_point(m, in, byte, tx, ty, fx, fy, cmd);
}

/* ---------------------------------------------------------------- inference */

/* N-well edges: whether the hint changes inside the patch at (px0, py0)
 * (or there is none), so the patch holds a side of the coarse well.  A
 * patch wholly inside or outside it is not run: its pixels keep the
 * hint (keep_hint_off_sides).  The edge model only saw patches across a
 * side, and a cell's wells are mostly inside or outside. */
static int hint_has_side(const uint8_t *cmd, int W, int H, int px0, int py0, int S)
{
    if (!cmd) return 1;
    int i0, i1, j0, j1, first = -1;
    clip_span(px0, S, W, &i0, &i1);
    clip_span(py0, S, H, &j0, &j1);
    for (int j = j0; j < j1; j++)
        for (int i = i0; i < i1; i++) {
            int v = cmd[(size_t)(py0 + j) * W + px0 + i] != 0;
            if (first < 0) first = v;
            else if (v != first) return 1;
        }
    return 0;
}

/* Whether each pixel of plane (h x w) has an on pixel of src within r
 * on both axes (a square dilation, one pass per axis). */
static int dilate_square(const uint8_t *src, int w, int h, int r, uint8_t *out)
{
    int n = w > h ? w : h;
    int *run = malloc(((size_t)n + 1) * sizeof *run);
    uint8_t *mid = malloc((size_t)w * h);
    if (!run || !mid) {
        free(run), free(mid);
        return -1;
    }
    for (int pass = 0; pass < 2; pass++) {
        const uint8_t *a = pass ? mid : src;
        uint8_t *b = pass ? out : mid;
        int len = pass ? h : w, lines = pass ? w : h;
        for (int l = 0; l < lines; l++) {
#define AT(k) (pass ? (size_t)(k) * w + l : (size_t)l * w + (k))
            run[0] = 0;
            for (int k = 0; k < len; k++) run[k + 1] = run[k] + (a[AT(k)] != 0);
            for (int k = 0; k < len; k++) {
                int lo = k - r < 0 ? 0 : k - r, hi = k + r + 1 > len ? len : k + r + 1;
                b[AT(k)] = run[hi] > run[lo];
            }
#undef AT
        }
    }
    free(run), free(mid);
    return 0;
}

/* An N-well edge model places the hint's sides and nothing else: a pixel
 * with no hint side within LFM_EDGE_BAND (the farthest a true side lies
 * from the hint's in its training pairs), or that no patch ran over,
 * keeps the hint.  Without the band the model drew wells in the open
 * beside a side, where its pairs had never shown it one to copy. */
static int keep_hint_off_sides(const lfm_model *m, const lfm_raster *in, const uint8_t *cmd, const float *wsum,
                               float *prob)
{
    int W = in->w, H = in->h;
    size_t hw = (size_t)H * W;
    uint8_t *side = malloc(hw), *near = malloc(hw);
    int rc = side && near ? 0 : -1;
    for (int y = 0; y < H && !rc; y++)
        for (int x = 0; x < W; x++) {
            size_t p = (size_t)y * W + x;
            int v = cmd[p] != 0;
            side[p] = (x + 1 < W && (cmd[p + 1] != 0) != v) || (y + 1 < H && (cmd[p + W] != 0) != v);
        }
    if (!rc) rc = dilate_square(side, W, H, LFM_EDGE_BAND, near);
    for (int ch = 0; ch < in->c && !rc; ch++)
        if (lfm_task_targets(m->task, &m->map, ch))
            for (size_t p = 0; p < hw; p++)
                if (wsum[p] <= 0 || !near[p]) prob[(size_t)ch * hw + p] = cmd[p] != 0;
    free(side), free(near);
    return rc;
}

/* How many views of each tiling patch are averaged: the patch as drawn
 * and mirrored in x, y and both (each mirrored back).  N-wells take all
 * four: a well's edge lies mid-pixel at the model's 0.16 um, and the
 * views' one-pixel slips average out (held-out bench IoU 0.892 -> 0.901,
 * 0.943 -> 0.954 after legalisation, for four times the inference), and
 * so do N-well edges (a side's bumps smooth out).  The other tasks take
 * one: a route's views are its command patch's (add_command_patch), and
 * cut completion runs over whole cells, where four times the inference
 * costs minutes of the benchmark. */
static int tiling_views(const lfm_model *m)
{
    return m->task == LFM_NWELL || m->task == LFM_NWELL_EDGE ? 4 : 1;
}

float *lfm_infer(lfm_model *m, const lfm_raster *in, const uint8_t *cmd)
{
    int S = m->patch, C = in->c, ncmd = lfm_model_cmd_channels(m), cx = C + ncmd, H = in->h, W = in->w;
    int views = tiling_views(m);
    size_t xs = (size_t)cx * S * S, ys = (size_t)C * S * S, hw = (size_t)H * W;
    float *prob = calloc((size_t)C * hw, sizeof *prob), *wsum = calloc(hw, sizeof *wsum);
    int *ox = malloc(((size_t)W / S + 3) * sizeof *ox), *oy = malloc(((size_t)H / S + 3) * sizeof *oy);
    int B = 8;
    float *x = malloc(2 * xs * B * sizeof *x), *z = malloc(ys * B * sizeof *z);
    int (*org)[2] = malloc((size_t)B * sizeof *org);
    if (!prob || !wsum || !ox || !oy || !x || !z || !org) {
        free(prob), prob = NULL;
        goto done;
    }
    /* Group A starts a quarter patch before the raster, group B half a
     * patch after A: every pixel lies in one patch of each. */
    for (int g = 0; g < 2; g++) {
        int off = -S / 4 + g * (S / 2) - (g ? S : 0);
        int nx = tiling_origins(W, S, off, ox), ny = tiling_origins(H, S, off, oy), nb = 0;
        for (int t = 0; t <= nx * ny; t++) {
            if (t < nx * ny) {
                int px0 = ox[t % nx], py0 = oy[t / nx];
                float *xb = x + (size_t)nb * xs;
                if (m->task == LFM_NWELL_EDGE && !hint_has_side(cmd, W, H, px0, py0, S)) continue;
                fill_patch(in, cmd, cx, S, px0, py0, xb);
                int any = 0;
                for (size_t k = 0; k < xs && !any; k++) any = xb[k] != 0;
                if (any) org[nb][0] = px0, org[nb][1] = py0, nb++;
                else add_empty_tile(wsum, W, H, px0, py0, S);
            }
            if (nb == B || (t == nx * ny && nb > 0)) {
                add_views(m, in, x, x + xs * B, nb, S, cx, (const int (*)[2])org, views, 1, z, prob, wsum);
                nb = 0;
            }
        }
    }
    if (cmd && m->task == LFM_ROUTE && add_command_patch(m, in, cmd, prob, wsum)) {
        free(prob), prob = NULL;
        goto done;
    }
    for (int ch = 0; ch < C; ch++)
        for (size_t p = 0; p < hw; p++) prob[(size_t)ch * hw + p] /= wsum[p] > 0 ? wsum[p] : 1;
    if (m->task == LFM_NWELL_EDGE && cmd && keep_hint_off_sides(m, in, cmd, wsum, prob)) {
        free(prob), prob = NULL;
        goto done;
    }
done:
    free(wsum), free(ox), free(oy), free(x), free(z), free(org);
    return prob;
}
