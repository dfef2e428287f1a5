/* test_unet.c -- the layout-completion U-Net (complete/unet.h).
 *
 *   - a finite-difference check of the whole model's gradient (BCE plus
 *     Dice) on a tiny configuration with command channels and attention,
 *     a few elements of every parameter tensor;
 *   - a generated completion task (rectangles of "diffusion" on channel
 *     0; the target on channel 1 is their enclosure by a fixed margin, as
 *     an N-well encloses diffusion; the input lacks channel 1): a tiny
 *     model trained for a few hundred Adam steps must find the enclosure
 *     on held-out samples with a Dice score above 0.8 (an empty
 *     prediction scores 0), its loss falling;
 *   - save -> load gives the same logits bit for bit; copying a model
 *     without commands into one with two gives that model exactly while
 *     the commands are zero (the command stem has no bias), and a
 *     different output once they are not;
 *   - refused configurations, shapes and model files, each with a message
 *     naming what is wrong. */
#include "complete/unet.h"
#include "base/rng.h"
#include "nn/nn_safetensors.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- helpers */

static void tmp_path(char *buf, size_t n, const char *leaf)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, n, "%s/halo-unet-%ld-%s", dir && *dir ? dir : "/tmp", (long)getpid(), leaf);
}

static float *random_binary(halo_rng *r, size_t n, double p)
{
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = rng_uniform(r) < p ? 1.0f : 0.0f;
    return v;
}

static lfm_cfg tiny_cfg(void)
{
    return (lfm_cfg){.layer_ch = 3, .cmd_ch = 1, .stem_ch = 2, .base_ch = 4, .levels = 2, .res_blocks = 1,
                     .attn = 1, .heads = 2};
}

/* ---------------------------------------------------------------- gradient check */

/* The whole model's analytic gradient against difference quotients, the
 * loss counting the channels of mask (NULL: all). */
static void check_gradients(int *unit_failed_, const uint8_t *mask)
{
    lfm_cfg cfg = tiny_cfg();
    char err[512];
    lfm_unet *m = lfm_unet_new(&cfg, 7, err, sizeof err);
    CHECK(m != NULL);
    if (!m) return;
    lfm_unet_set_loss_channels(m, mask);
    nn_params *ps = lfm_unet_params(m);
    halo_rng r;
    rng_seed(&r, 11);
    /* GroupNorm starts at weight 1, bias 0 and attention's biases at 0:
       perturb every weight so no path is special */
    for (int i = 0; i < ps->n; i++)
        for (size_t k = 0; k < ps->p[i]->n; k++) ps->p[i]->w[k] += (float)(0.1 * rng_normal(&r));
    const int n = 2, h = 8, w = 8, cin = cfg.layer_ch + cfg.cmd_ch;
    float *x = random_binary(&r, (size_t)n * cin * h * w, 0.3);
    float *t = random_binary(&r, (size_t)n * cfg.layer_ch * h * w, 0.2);
    const float dice_weight = 1.0f;
    double loss = lfm_unet_loss_grad(m, x, t, n, h, w, dice_weight);
    CHECK(loss > 0);
    CHECK_NEAR(lfm_unet_loss(m, x, t, n, h, w, dice_weight), loss, 1e-6);
    /* The analytic gradients stay in g: the checks below run forwards
       only.  The loss is a mean of about 1.4 summed from float logits, so
       it carries rounding noise of about 2e-8: a difference quotient over
       +-eps is good to about 1e-5, hence the absolute term. */
    const double eps = 3e-3, rtol = 0.03, atol = 2e-5;
    double worst = 0;
    const char *worst_name = "";
    int checked = 0, strong = 0, tensors_nonzero = 0;
    for (int i = 0; i < ps->n; i++) {
        nn_param *p = ps->p[i];
        double gsum = 0;
        for (size_t k = 0; k < p->n; k++) gsum += fabs(p->g[k]);
        tensors_nonzero += gsum > 0;
        size_t picks = p->n < 3 ? p->n : 3;
        for (size_t j = 0; j < picks; j++) {
            size_t k = (j * p->n) / picks + (p->n > picks ? 1 : 0);   /* off the first element */
            if (k >= p->n) k = p->n - 1;
            float keep = p->w[k];
            double ana = p->g[k];
            p->w[k] = keep + (float)eps;
            double up = lfm_unet_loss(m, x, t, n, h, w, dice_weight);
            p->w[k] = keep - (float)eps;
            double down = lfm_unet_loss(m, x, t, n, h, w, dice_weight);
            p->w[k] = keep;
            /* the step actually taken in float */
            double num = (up - down) / ((double)(keep + (float)eps) - (double)(keep - (float)eps));
            double e = fabs(num - ana) / (rtol * fmax(fabs(num), fabs(ana)) + atol);
            if (getenv("UNET_GC_DEBUG")) printf("    %-40s %10.3e %10.3e %8.3g\n", p->name, num, ana, e);
            if (e > worst) worst = e, worst_name = p->name;
            strong += fabs(ana) > 10 * atol;
            checked++;
        }
    }
    if (worst > 1) printf("    worst error %.3g of the tolerance at %s\n", worst, worst_name);
    CHECK(worst <= 1);
    CHECK_INT(tensors_nonzero, ps->n);   /* every tensor gets gradient */
    CHECK(checked > 3 * 40);
    CHECK(strong > checked / 2);         /* most checks well above the noise */
    free(x);
    free(t);
    lfm_unet_free(m);
}

TEST(gradient_matches_finite_differences)
{
    check_gradients(unit_failed_, NULL);
}

TEST(gradient_matches_finite_differences_with_a_channel_mask)
{
    const uint8_t mask[3] = {1, 1, 0};
    check_gradients(unit_failed_, mask);
}

/* A mask makes the loss that of the counted channels alone: the other
 * channels' targets do not change it, and it equals BCE + per-sample Dice
 * computed by hand on the counted channel's logits. */
TEST(channel_mask_counts_only_its_channels)
{
    lfm_cfg cfg = tiny_cfg();
    char err[512];
    lfm_unet *m = lfm_unet_new(&cfg, 9, err, sizeof err);
    CHECK(m != NULL);
    if (!m) return;
    halo_rng r;
    rng_seed(&r, 5);
    const int n = 2, h = 8, w = 8, C = cfg.layer_ch, hw = h * w, cin = C + cfg.cmd_ch;
    float *x = random_binary(&r, (size_t)n * cin * hw, 0.3), *t = random_binary(&r, (size_t)n * C * hw, 0.2);
    float *t2 = random_binary(&r, (size_t)n * C * hw, 0.6), *z = malloc((size_t)n * C * hw * sizeof *z);
    float *zc = malloc((size_t)n * hw * sizeof *zc), *tc = malloc((size_t)n * hw * sizeof *tc);
    for (int s = 0; s < n; s++)   /* t2: t's channel 1, other channels different */
        memcpy(t2 + ((size_t)s * C + 1) * hw, t + ((size_t)s * C + 1) * hw, hw * sizeof *t);
    const uint8_t mask[3] = {0, 1, 0};
    double all = lfm_unet_loss(m, x, t, n, h, w, 1.0f);
    lfm_unet_set_loss_channels(m, mask);
    double one = lfm_unet_loss(m, x, t, n, h, w, 1.0f), one2 = lfm_unet_loss(m, x, t2, n, h, w, 1.0f);
    CHECK(fabs(one - all) > 1e-4);
    CHECK_NEAR(one, one2, 1e-9);
    CHECK_INT(lfm_unet_forward(m, x, n, h, w, z), 0);
    double dice = 0;
    for (int s = 0; s < n; s++) {
        memcpy(zc + (size_t)s * hw, z + ((size_t)s * C + 1) * hw, hw * sizeof *z);
        memcpy(tc + (size_t)s * hw, t + ((size_t)s * C + 1) * hw, hw * sizeof *t);
        dice += nn_loss_dice_logits(zc + (size_t)s * hw, tc + (size_t)s * hw, (size_t)hw, LFM_DICE_SMOOTH, NULL);
    }
    double by_hand = nn_loss_bce_logits(zc, tc, (size_t)n * hw, NULL) + dice / n;
    CHECK_NEAR(one, by_hand, 1e-6);
    lfm_unet_set_loss_channels(m, NULL);
    CHECK_NEAR(lfm_unet_loss(m, x, t, n, h, w, 1.0f), all, 1e-12);
    /* two counted channels, and sample 0 has nothing to add in channel
       0: its Dice is channel 1's alone, sample 1's both channels' */
    const uint8_t mask2[3] = {1, 1, 0};
    memset(t, 0, hw * sizeof *t);
    lfm_unet_set_loss_channels(m, mask2);
    double two = lfm_unet_loss(m, x, t, n, h, w, 1.0f), bce = 0;
    for (int s = 0; s < n; s++)
        bce += nn_loss_bce_logits(z + (size_t)s * C * hw, t + (size_t)s * C * hw, 2 * (size_t)hw, NULL) / n;
    dice = nn_loss_dice_logits(z + hw, t + hw, (size_t)hw, LFM_DICE_SMOOTH, NULL) +
           nn_loss_dice_logits(z + (size_t)C * hw, t + (size_t)C * hw, 2 * (size_t)hw, LFM_DICE_SMOOTH, NULL);
    CHECK_NEAR(two, bce + dice / n, 1e-6);
    /* joint Dice: sample 0's spans channel 0 as well */
    lfm_unet_set_dice_joint(m, 1);
    double joint = lfm_unet_loss(m, x, t, n, h, w, 1.0f);
    dice = nn_loss_dice_logits(z, t, 2 * (size_t)hw, LFM_DICE_SMOOTH, NULL) +
           nn_loss_dice_logits(z + (size_t)C * hw, t + (size_t)C * hw, 2 * (size_t)hw, LFM_DICE_SMOOTH, NULL);
    CHECK_NEAR(joint, bce + dice / n, 1e-6);
    CHECK(fabs(joint - two) > 1e-6);
    lfm_unet_set_dice_joint(m, 0);
    lfm_unet_set_loss_channels(m, NULL);   /* back to every channel */
    CHECK(fabs(lfm_unet_loss(m, x, t, n, h, w, 1.0f) - two) > 1e-4);
    free(x), free(t), free(t2), free(z), free(zc), free(tc);
    lfm_unet_free(m);
}

/* ---------------------------------------------------------------- a completion task */

#define TASK_HW 32
#define TASK_C 4
#define TASK_MARGIN 2

static void fill_rect(float *plane, int x0, int y0, int x1, int y1)
{
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < TASK_HW; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < TASK_HW; x++) plane[y * TASK_HW + x] = 1.0f;
}

/* One sample: channel 0 one to three rectangles of diffusion, channel 2
 * an unrelated poly line; the target's channel 1 is the diffusion grown by
 * TASK_MARGIN on every side.  The input's channel 1 is empty (removed),
 * the target's other channels too (nothing to add there). */
static void make_sample(halo_rng *r, float *x, float *t)
{
    size_t plane = TASK_HW * TASK_HW;
    memset(x, 0, TASK_C * plane * sizeof *x);
    memset(t, 0, TASK_C * plane * sizeof *t);
    int rects = 1 + (int)(rng_uniform(r) * 3);
    for (int k = 0; k < rects; k++) {
        int wd = 3 + (int)(rng_uniform(r) * 7), ht = 3 + (int)(rng_uniform(r) * 7);
        int x0 = TASK_MARGIN + (int)(rng_uniform(r) * (TASK_HW - 2 * TASK_MARGIN - wd));
        int y0 = TASK_MARGIN + (int)(rng_uniform(r) * (TASK_HW - 2 * TASK_MARGIN - ht));
        fill_rect(x, x0, y0, x0 + wd, y0 + ht);
        fill_rect(t + plane, x0 - TASK_MARGIN, y0 - TASK_MARGIN, x0 + wd + TASK_MARGIN, y0 + ht + TASK_MARGIN);
    }
    int py = (int)(rng_uniform(r) * TASK_HW);
    fill_rect(x + 2 * plane, 0, py, TASK_HW, py + 1);
}

static void make_batch(halo_rng *r, int n, float *x, float *t)
{
    size_t per = (size_t)TASK_C * TASK_HW * TASK_HW;
    for (int s = 0; s < n; s++) make_sample(r, x + s * per, t + s * per);
}

/* Mean over samples of the Dice score of logits > 0 against the target. */
static double dice_score(const float *z, const float *t, int n, size_t per)
{
    double sum = 0;
    for (int s = 0; s < n; s++) {
        double inter = 0, np = 0, nt = 0;
        for (size_t i = (size_t)s * per; i < (size_t)(s + 1) * per; i++) {
            double p = z[i] > 0;
            inter += p * t[i];
            np += p;
            nt += t[i];
        }
        sum += np + nt > 0 ? 2 * inter / (np + nt) : 1;
    }
    return sum / n;
}

TEST(learns_an_enclosure)
{
    lfm_cfg cfg = {.layer_ch = TASK_C, .cmd_ch = 0, .stem_ch = 4, .base_ch = 8, .levels = 2, .res_blocks = 1,
                   .attn = 1, .heads = 2};
    char err[512];
    lfm_unet *m = lfm_unet_new(&cfg, 3, err, sizeof err);
    CHECK(m != NULL);
    if (!m) return;
    const int batch = 4, steps = 200, nval = 32;
    size_t per = (size_t)TASK_C * TASK_HW * TASK_HW;
    float *x = malloc(batch * per * sizeof *x), *t = malloc(batch * per * sizeof *t);
    float *vx = malloc(nval * per * sizeof *vx), *vt = malloc(nval * per * sizeof *vt);
    float *vz = malloc(nval * per * sizeof *vz);
    halo_rng r;
    rng_seed(&r, 5);
    make_batch(&r, nval, vx, vt);
    nn_optim opt;
    nn_optim_init(&opt, NN_ADAM, 1e-2f);
    double first = 0, last = 0;
    for (int s = 0; s < steps; s++) {
        opt.lr = nn_lr_cosine(1e-2f, 1e-3f, s, steps, 10);
        make_batch(&r, batch, x, t);
        double loss = lfm_unet_train_step(m, &opt, x, t, batch, TASK_HW, TASK_HW, 1.0f);
        if (s < 20) first += loss / 20;
        if (s >= steps - 20) last += loss / 20;
    }
    CHECK_INT(lfm_unet_forward(m, vx, nval, TASK_HW, TASK_HW, vz), 0);
    double dice = dice_score(vz, vt, nval, per);
    double val = lfm_unet_loss(m, vx, vt, nval, TASK_HW, TASK_HW, 1.0f);
    if (!(dice > 0.8) || !(last < 0.1 * first) || !(val < 0.1 * first))
        printf("    loss %.4f -> %.4f, validation loss %.4f, held-out Dice %.3f\n", first, last, val, dice);
    CHECK(dice > 0.8);
    CHECK(last < 0.1 * first);
    CHECK(val < 0.1 * first);   /* held out: learnt, not memorised */
    free(x);
    free(t);
    free(vx);
    free(vt);
    free(vz);
    lfm_unet_free(m);
}

/* ---------------------------------------------------------------- files and fine-tuning */

TEST(same_seed_same_model)
{
    lfm_cfg cfg = tiny_cfg();
    char err[512];
    lfm_unet *a = lfm_unet_new(&cfg, 42, err, sizeof err), *b = lfm_unet_new(&cfg, 42, err, sizeof err);
    lfm_unet *c = lfm_unet_new(&cfg, 43, err, sizeof err);
    nn_params *pa = lfm_unet_params(a), *pb = lfm_unet_params(b), *pc = lfm_unet_params(c);
    int same = 1, differ = 0;
    for (int i = 0; i < pa->n; i++) {
        same &= memcmp(pa->p[i]->w, pb->p[i]->w, pa->p[i]->n * sizeof(float)) == 0;
        differ |= memcmp(pa->p[i]->w, pc->p[i]->w, pa->p[i]->n * sizeof(float)) != 0;
    }
    CHECK(same);
    CHECK(differ);
    CHECK_STR(pa->p[0]->name, "stem.layout.weight");
    CHECK(nn_params_find(pa, "down.0.res.0.conv1.weight") != NULL);
    CHECK(nn_params_find(pa, "down.1.downsample.weight") != NULL);
    CHECK(nn_params_find(pa, "mid.attn.mhsa.in_proj_weight") != NULL);
    CHECK(nn_params_find(pa, "up.0.res.0.skip.weight") != NULL);
    CHECK(nn_params_find(pa, "up.1.upsample.conv.weight") != NULL);
    CHECK(nn_params_find(pa, "stem.cmd.weight") != NULL);
    CHECK(nn_params_find(pa, "stem.cmd.bias") == NULL);
    CHECK(nn_params_find(pa, "out.conv.bias") != NULL);
    lfm_unet_free(a);
    lfm_unet_free(b);
    lfm_unet_free(c);
}

TEST(save_load_same_logits)
{
    lfm_cfg cfg = tiny_cfg();
    char err[512], path[512];
    tmp_path(path, sizeof path, "roundtrip.safetensors");
    lfm_unet *m = lfm_unet_new(&cfg, 9, err, sizeof err);
    halo_rng r;
    rng_seed(&r, 1);
    const int n = 3, h = 16, w = 8;
    size_t nin = (size_t)n * (cfg.layer_ch + cfg.cmd_ch) * h * w, nout = (size_t)n * cfg.layer_ch * h * w;
    float *x = random_binary(&r, nin, 0.4), *z1 = malloc(nout * sizeof *z1), *z2 = malloc(nout * sizeof *z2);
    float *t = random_binary(&r, nout, 0.2);
    nn_optim opt;
    nn_optim_init(&opt, NN_ADAMW, 1e-2f);
    for (int s = 0; s < 3; s++) lfm_unet_train_step(m, &opt, x, t, n, h, w, 0.5f);   /* off the init */
    CHECK_INT(lfm_unet_forward(m, x, n, h, w, z1), 0);
    CHECK_INT(lfm_unet_save(m, path, err, sizeof err), 0);
    lfm_unet *back = lfm_unet_load(path, err, sizeof err);
    CHECK(back != NULL);
    if (back) {
        CHECK(memcmp(lfm_unet_config(back), &cfg, sizeof cfg) == 0);
        CHECK_INT(lfm_unet_forward(back, x, n, h, w, z2), 0);
        CHECK(memcmp(z1, z2, nout * sizeof *z1) == 0);
    } else printf("    %s\n", err);
    unlink(path);
    free(x);
    free(t);
    free(z1);
    free(z2);
    lfm_unet_free(m);
    lfm_unet_free(back);
}

TEST(copy_weights_for_fine_tuning)
{
    lfm_cfg pre = tiny_cfg(), fine = tiny_cfg();
    pre.cmd_ch = 0;
    fine.cmd_ch = 2;
    char err[512];
    lfm_unet *src = lfm_unet_new(&pre, 1, err, sizeof err), *dst = lfm_unet_new(&fine, 2, err, sizeof err);
    nn_params *ps = lfm_unet_params(src), *pd = lfm_unet_params(dst);
    CHECK_INT(pd->n, ps->n + 1);   /* stem.cmd.weight only */
    CHECK_INT(lfm_unet_copy_weights(dst, src), ps->n);
    halo_rng r;
    rng_seed(&r, 4);
    const int n = 2, h = 8, w = 8;
    size_t plane = (size_t)h * w, nout = (size_t)n * pre.layer_ch * plane;
    float *xs = random_binary(&r, (size_t)n * pre.layer_ch * plane, 0.4);
    float *xd = calloc((size_t)n * (fine.layer_ch + fine.cmd_ch) * plane, sizeof *xd);
    for (int s = 0; s < n; s++)
        memcpy(xd + (size_t)s * (fine.layer_ch + fine.cmd_ch) * plane, xs + (size_t)s * pre.layer_ch * plane,
               pre.layer_ch * plane * sizeof *xs);
    float *zs = malloc(nout * sizeof *zs), *zd = malloc(nout * sizeof *zd);
    lfm_unet_forward(src, xs, n, h, w, zs);
    lfm_unet_forward(dst, xd, n, h, w, zd);
    /* zero commands: exactly the pre-trained model */
    CHECK(memcmp(zs, zd, nout * sizeof *zs) == 0);
    /* a command changes the output */
    xd[(size_t)pre.layer_ch * plane + 3 * w + 4] = 1.0f;
    xd[(size_t)(pre.layer_ch + 1) * plane + 6 * w + 2] = 1.0f;
    lfm_unet_forward(dst, xd, n, h, w, zd);
    CHECK(memcmp(zs, zd, nout * sizeof *zs) != 0);
    /* and back: the model without commands takes everything it has */
    CHECK_INT(lfm_unet_copy_weights(src, dst), ps->n);
    free(xs);
    free(xd);
    free(zs);
    free(zd);
    lfm_unet_free(src);
    lfm_unet_free(dst);
}

/* ---------------------------------------------------------------- refusals */

TEST(bad_configurations_refused)
{
    char err[512];
    lfm_cfg c = tiny_cfg();
    c.heads = 3;
    CHECK(lfm_unet_new(&c, 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "heads \"3\"") && strstr(err, "16 channels"));
    c = tiny_cfg();
    c.levels = 0;
    CHECK(lfm_unet_new(&c, 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "levels \"0\"") != NULL);
    c = tiny_cfg();
    c.res_blocks = 0;
    CHECK(lfm_unet_new(&c, 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "res_blocks") != NULL);
    c = tiny_cfg();
    c.attn = 0;
    c.heads = 0;   /* unused without attention */
    lfm_unet *m = lfm_unet_new(&c, 1, err, sizeof err);
    CHECK(m != NULL);
    lfm_unet_free(m);
}

TEST(bad_shapes_refused)
{
    lfm_cfg cfg = tiny_cfg();
    char err[512];
    lfm_unet *m = lfm_unet_new(&cfg, 1, err, sizeof err);
    CHECK_INT(lfm_unet_check_input(m, 2, 30, 8, err, sizeof err), -1);
    CHECK(strstr(err, "height \"30\"") && strstr(err, "multiple of 4"));
    CHECK_INT(lfm_unet_check_input(m, 2, 8, 2, err, sizeof err), -1);
    CHECK(strstr(err, "width \"2\"") != NULL);
    CHECK_INT(lfm_unet_check_input(m, 0, 8, 8, err, sizeof err), -1);
    CHECK(strstr(err, "Batch size \"0\"") != NULL);
    CHECK_INT(lfm_unet_check_input(m, 1, 8, 12, err, sizeof err), 0);
    float x[4 * 6 * 8] = {0}, t[3 * 6 * 8] = {0}, z[3 * 6 * 8];
    CHECK_INT(lfm_unet_forward(m, x, 1, 6, 8, z), -1);
    nn_optim opt;
    nn_optim_init(&opt, NN_ADAM, 1e-3f);
    CHECK(lfm_unet_train_step(m, &opt, x, t, 1, 6, 8, 1.0f) < 0);
    CHECK(lfm_unet_loss(m, x, t, 1, 6, 8, 1.0f) < 0);
    CHECK_INT(opt.step, 0);
    lfm_unet_free(m);
}

/* Write the tiny model's tensors with the given metadata. */
static void write_with_meta(const char *path, const lfm_cfg *cfg, const char *const *kv)
{
    char err[512];
    lfm_unet *m = lfm_unet_new(cfg, 1, err, sizeof err);
    nn_meta meta = {0};
    for (int i = 0; kv[i]; i += 2) nn_meta_set(&meta, kv[i], kv[i + 1]);
    halo_err herr;
    nn_safetensors_write(path, lfm_unet_params(m), &meta, &herr);
    nn_meta_free(&meta);
    lfm_unet_free(m);
}

/* Load must fail with a message naming the file and holding `why`. */
static int refused(const char *path, const char *why)
{
    char err[512] = "";
    lfm_unet *m = lfm_unet_load(path, err, sizeof err);
    int ok = m == NULL && strstr(err, path) && strstr(err, why);
    if (!ok) printf("    load %s: \"%s\", expected a refusal with \"%s\"\n", path, err, why);
    lfm_unet_free(m);
    return ok;
}

TEST(bad_files_refused)
{
    lfm_cfg cfg = tiny_cfg();
    char err[512], path[512];
    tmp_path(path, sizeof path, "bad.safetensors");
    CHECK(refused("/nonexistent-halo-dir/m.safetensors", "m.safetensors"));

    /* truncated at several points: header length, header, data */
    lfm_unet *m = lfm_unet_new(&cfg, 1, err, sizeof err);
    CHECK_INT(lfm_unet_save(m, path, err, sizeof err), 0);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    unsigned char *buf = malloc((size_t)len);
    CHECK_INT(fread(buf, 1, (size_t)len, f), len);
    fclose(f);
    long cuts[] = {0, 5, 40, len / 2, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        f = fopen(path, "wb");
        fwrite(buf, 1, (size_t)cuts[i], f);
        fclose(f);
        CHECK(refused(path, "safetensors"));
    }
    free(buf);
    lfm_unet_free(m);

    const char *other[] = {"format", "halo-ddpm-1", NULL};
    write_with_meta(path, &cfg, other);
    CHECK(refused(path, "format is \"halo-ddpm-1\""));
    const char *none[] = {NULL};
    write_with_meta(path, &cfg, none);
    CHECK(refused(path, "format is missing"));
    const char *partial[] = {"format", "halo-lfm-unet-1", "layer_ch", "3", NULL};
    write_with_meta(path, &cfg, partial);
    CHECK(refused(path, "metadata cmd_ch is missing"));
    const char *garbage[] = {"format", "halo-lfm-unet-1", "layer_ch", "3", "cmd_ch", "1", "stem_ch", "2x", NULL};
    write_with_meta(path, &cfg, garbage);
    CHECK(refused(path, "metadata stem_ch is \"2x\""));
    const char *range[] = {"format", "halo-lfm-unet-1", "layer_ch", "3", "cmd_ch", "1", "stem_ch", "2",
                           "base_ch", "4", "levels", "99", "res_blocks", "1", "attn", "1", "heads", "2", NULL};
    write_with_meta(path, &cfg, range);
    CHECK(refused(path, "levels \"99\""));
    /* metadata of another model than the tensors */
    const char *wider[] = {"format", "halo-lfm-unet-1", "layer_ch", "3", "cmd_ch", "1", "stem_ch", "2",
                           "base_ch", "8", "levels", "2", "res_blocks", "1", "attn", "1", "heads", "2", NULL};
    write_with_meta(path, &cfg, wider);
    CHECK(refused(path, "has another shape"));
    const char *nocmd[] = {"format", "halo-lfm-unet-1", "layer_ch", "3", "cmd_ch", "0", "stem_ch", "2",
                           "base_ch", "4", "levels", "2", "res_blocks", "1", "attn", "1", "heads", "2", NULL};
    write_with_meta(path, &cfg, nocmd);
    CHECK(refused(path, "tensor stem.cmd.weight is not part of the model"));
    const char *deeper[] = {"format", "halo-lfm-unet-1", "layer_ch", "3", "cmd_ch", "1", "stem_ch", "2",
                            "base_ch", "4", "levels", "2", "res_blocks", "2", "attn", "1", "heads", "2", NULL};
    write_with_meta(path, &cfg, deeper);
    CHECK(refused(path, "tensor down.0.res.1.norm1.weight is missing"));
    /* and the right metadata loads */
    const char *right[] = {"format", "halo-lfm-unet-1", "layer_ch", "3", "cmd_ch", "1", "stem_ch", "2",
                           "base_ch", "4", "levels", "2", "res_blocks", "1", "attn", "1", "heads", "2", NULL};
    write_with_meta(path, &cfg, right);
    m = lfm_unet_load(path, err, sizeof err);
    CHECK(m != NULL);
    lfm_unet_free(m);
    unlink(path);
}

UNIT_MAIN("test_unet.c")
