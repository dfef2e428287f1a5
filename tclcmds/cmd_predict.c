/*
 * cmd_predict.c -- the placement-quality predictor commands:
 * placement_features, predictor_data, train_predictor, nas_search,
 * predict, predictor_info.
 *
 * The models, their training and the search live in core/predict; this
 * file parses options, calls them, prints progress through halo_report
 * and returns dicts.
 */
#include "halo_tcl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "design.h"
#include "nn/nn_safetensors.h"
#include "predict/predict_features.h"
#include "place/place.h"
#include "predict/predict_train.h"

static Tcl_Obj *num(double v) { return halo_num_obj(v); }

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- placement_features */

/* Rasterise the current placement into a malloc'ed [channels][size][size]
 * (channels PF_CHANNELS, or PF_MOVE_CHANNELS leaving room for the move's
 * difference after the picture). */
static float *current_picture(Tcl_Interp *interp, halo_design *d, int size, int channels, double *extent)
{
    netlist *nl = halo_need_design(interp, d);
    if (!nl) return NULL;
    place_ir *ir = design_placement(d, NULL);
    float *x = halo_xmalloc(sizeof *x * channels * (size_t)size * size);
    halo_err err;
    halo_err_clear(&err);
    if (pf_raster(ir, nl, size, x, extent, &err) != 0) {
        free(x);
        halo_tcl_error(interp, &err);
        return NULL;
    }
    return x;
}

/* The picture a model of in_c input channels reads, of the placement ir,
 * into out ([in_c][size][size]): halo's placement picture, or its first
 * PF_CHANNELS_V1 channels for a model made before the finger channels.
 * A move model's second half (the change) is the caller's. */
static int model_picture(const place_ir *ir, const netlist *nl, int in_c, int size, float *out, halo_err *err)
{
    if (in_c >= PF_CHANNELS) return pf_raster(ir, nl, size, out, NULL, err);
    size_t n = (size_t)PF_CHANNELS * size * size;
    float *full = halo_xmalloc(sizeof *full * n);
    int rc = pf_raster(ir, nl, size, full, NULL, err);
    if (rc == 0) memcpy(out, full, sizeof *out * (size_t)in_c * size * size);
    free(full);
    return rc;
}

static Tcl_Obj *channel_list(int channels)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (int c = 0; c < channels; c++) Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj(pf_channel_name(c), -1));
    return l;
}

/* placement_features ?-size N? ?-before DATA?: with DATA (the data of an
 * earlier placement_features of the same size), a move picture. */
static int PlacementFeaturesCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    int size = 64;
    Tcl_Obj *before = NULL;
    opt_spec spec[] = {{"-size", OPT_INT, &size, 4, PF_MAX_SIZE, "4 to 512 pixels"},
                       {"-before", OPT_OBJ, &before, 0, 0, ""},
                       {NULL}};
    if (halo_parse_opts(interp, objc, objv, 1, spec) != TCL_OK) return TCL_ERROR;
    size_t plane = (size_t)size * size;
    int blen = 0, channels = before ? PF_MOVE_CHANNELS : PF_CHANNELS;
    const unsigned char *bbytes = before ? Tcl_GetByteArrayFromObj(before, &blen) : NULL;
    if (before && (size_t)blen != sizeof(float) * PF_CHANNELS * plane)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-before", "(bytes)",
                             "the data of placement_features of the same -size");
    double extent = 0;
    float *x = current_picture(interp, cd, size, channels, &extent);
    if (!x) return TCL_ERROR;
    if (bbytes) {
        float *b = halo_xmalloc(sizeof *b * PF_CHANNELS * plane);
        memcpy(b, bbytes, (size_t)blen);
        pf_move_picture(x, b, size);
        free(b);
    }
    Tcl_Obj *r = Tcl_NewDictObj(), *sums = Tcl_NewDictObj();
    for (int c = 0; c < channels; c++) {
        double s = 0;
        for (size_t k = 0; k < plane; k++) s += x[c * plane + k];
        Tcl_DictObjPut(NULL, sums, Tcl_NewStringObj(pf_channel_name(c), -1), Tcl_NewDoubleObj(s));
    }
    halo_dict_put(r, "size", Tcl_NewIntObj(size));
    halo_dict_put(r, "extent_um", num(extent));
    halo_dict_put(r, "channels", channel_list(channels));
    halo_dict_put(r, "sums", sums);
    halo_dict_put(r, "data", Tcl_NewByteArrayObj((unsigned char *)x, (int)(sizeof *x * channels * plane)));
    free(x);
    Tcl_SetObjResult(interp, r);
    return TCL_OK;
}

/* ---------------------------------------------------------------- predictor_data */

/* predictor_data FILE -features RAW -size S -metrics {name {v ...} ...} ?-meta DICT? ?-channels C?
 * RAW holds N pictures of C (PF_CHANNELS, or PF_MOVE_CHANNELS for move
 * pictures) x S x S float32 (placement_features' data, appended). */
static int PredictorDataCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    if (objc < 2) return halo_usage(interp, "predictor_data");
    const char *raw = NULL, *metrics = NULL, *metastr = "";
    int size = 64, channels = PF_CHANNELS;
    opt_spec spec[] = {{"-features", OPT_STR, &raw, 0, 0, ""},
                       {"-size", OPT_INT, &size, 4, PF_MAX_SIZE, "4 to 512 pixels"},
                       {"-channels", OPT_INT, &channels, PF_CHANNELS, PF_MOVE_CHANNELS, "17 or 34"},
                       {"-metrics", OPT_STR, &metrics, 0, 0, ""},
                       {"-meta", OPT_STR, &metastr, 0, 0, ""},
                       {NULL}};
    if (halo_parse_opts(interp, objc, objv, 2, spec) != TCL_OK) return TCL_ERROR;
    if (!raw || !metrics) return halo_usage(interp, "predictor_data");
    if (channels != PF_CHANNELS && channels != PF_MOVE_CHANNELS)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-channels", Tcl_GetString(Tcl_NewIntObj(channels)),
                             "17 (placement pictures) or 34 (move pictures)");
    halo_err err;
    halo_err_clear(&err);
    size_t len;
    char *bytes = halo_read_file_max(raw, &len, HALO_MAX_DATA_BYTES, &err, NULL, 0);
    if (!bytes) return halo_tcl_error(interp, &err);
    size_t per = sizeof(float) * channels * (size_t)size * size;
    if (len == 0 || len % per != 0) {
        free(bytes);
        return halo_tcl_fail(interp, HALO_E_PRD_DATA, raw, "its length is not a whole number of pictures of that -size");
    }
    int n = (int)(len / per);
    nn_params ps;
    nn_params_init(&ps);
    nn_meta meta = {0};
    int shape[4] = {n, channels, size, size};
    nn_param *x = nn_params_add(&ps, "features", 4, shape);
    memcpy(x->w, bytes, len);
    free(bytes);
    Tcl_Obj **mv;
    int mc, rc = TCL_OK;
    if (Tcl_ListObjGetElements(NULL, Tcl_NewStringObj(metrics, -1), &mc, &mv) != TCL_OK || mc % 2) {
        rc = halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-metrics", metrics, "a dict: metric name -> list of values");
        goto out;
    }
    for (int k = 0; k < mc; k += 2) {
        Tcl_Obj **vv;
        int vc;
        char name[200];
        snprintf(name, sizeof name, "metric.%.180s", Tcl_GetString(mv[k]));
        if (Tcl_ListObjGetElements(NULL, mv[k + 1], &vc, &vv) != TCL_OK || vc != n) {
            char why[300];
            snprintf(why, sizeof why, "metric %.100s has %d values for %d pictures", Tcl_GetString(mv[k]), vc, n);
            rc = halo_tcl_fail(interp, HALO_E_PRD_DATA, raw, why);
            goto out;
        }
        int one = n;
        nn_param *p = nn_params_add(&ps, name, 1, &one);
        for (int i = 0; p && i < n; i++) {
            double v;
            if (Tcl_GetDoubleFromObj(NULL, vv[i], &v) != TCL_OK) v = NAN;
            p->w[i] = (float)v;
        }
    }
    Tcl_Obj **kv;
    int kc;
    if (Tcl_ListObjGetElements(NULL, Tcl_NewStringObj(metastr, -1), &kc, &kv) == TCL_OK && kc % 2 == 0)
        for (int k = 0; k < kc; k += 2) nn_meta_set(&meta, Tcl_GetString(kv[k]), Tcl_GetString(kv[k + 1]));
    Tcl_Obj *chl = channel_list(channels);
    Tcl_IncrRefCount(chl);
    nn_meta_set(&meta, "channels", Tcl_GetString(chl));
    Tcl_DecrRefCount(chl);
    if (nn_safetensors_write(Tcl_GetString(objv[1]), &ps, &meta, &err) != 0) rc = halo_tcl_error(interp, &err);
    else {
        Tcl_Obj *r = Tcl_NewDictObj();
        halo_dict_put(r, "file", objv[1]);
        halo_dict_put(r, "samples", Tcl_NewIntObj(n));
        halo_dict_put(r, "size", Tcl_NewIntObj(size));
        halo_dict_put(r, "channels", Tcl_NewIntObj(channels));
        Tcl_SetObjResult(interp, r);
    }
out:
    nn_params_free(&ps);
    nn_meta_free(&meta);
    return rc;
}

/* ---------------------------------------------------------------- training */

typedef struct train_args {
    const char *data, *metric, *arch, *out, *init;
    double quantile, lr, wd, reg, width, alpha, val, test;
    int epochs, batch, seed, quiet;
} train_args;

static void train_args_default(train_args *a)
{
    memset(a, 0, sizeof *a);
    a->metric = "pscore";
    a->arch = "cnn";
    a->quantile = 0.75;
    a->lr = 5e-4;
    a->wd = 1e-3;
    a->reg = 0.25;
    a->width = 1;
    a->alpha = -1;
    a->val = 0.16;
    a->test = 0.2;
    a->epochs = 45;
    a->batch = 48;
    a->seed = 1;
}

#define TRAIN_OPTS(a)                                                                                      \
    {"-data", OPT_STR, &(a)->data, 0, 0, ""}, {"-metric", OPT_STR, &(a)->metric, 0, 0, ""},                 \
        {"-quantile", OPT_NUM, &(a)->quantile, 0.01, 0.99, "a fraction labelled good, 0.01 to 0.99"},    \
        {"-epochs", OPT_INT, &(a)->epochs, 0, 100000, "a count of epochs"},                              \
        {"-batch", OPT_INT, &(a)->batch, 1, 100000, "a batch size"},                                     \
        {"-lr", OPT_NUM, &(a)->lr, 1e-9, 10, "a learning rate"},                                          \
        {"-weight_decay", OPT_NUM, &(a)->wd, 0, 1, "an L2 weight decay, 0 to 1"},                         \
        {"-reg_weight", OPT_NUM, &(a)->reg, 0, 100, "the metric regression's loss weight"},             \
        {"-width", OPT_NUM, &(a)->width, 0.03, 8, "a filter multiplier, 0.03 to 8"},                     \
        {"-alpha", OPT_NUM, &(a)->alpha, 0, 1, "the share of all samples trained on, 0 to 1"},          \
        {"-val", OPT_NUM, &(a)->val, 0, 0.5, "a validation share, 0 to 0.5"},                             \
        {"-test", OPT_NUM, &(a)->test, 0, 0.5, "a test share, 0 to 0.5"},                                 \
        {"-seed", OPT_INT, &(a)->seed, 0, 2147483647, "a seed, 0 or more"},                               \
        {"-out", OPT_STR, &(a)->out, 0, 0, ""}, {"-quiet", OPT_INT, &(a)->quiet, 0, 1, "0 or 1"}

typedef struct progress_ctx {
    Tcl_Interp *interp;
    const char *what;
    int every;
} progress_ctx;

static int show_progress(void *ctx, int epoch, double loss, double val_acc)
{
    progress_ctx *p = ctx;
    if (p->every > 0 && epoch % p->every == 0) {
        char line[200];
        if (val_acc >= 0) snprintf(line, sizeof line, "%s: epoch %d loss %.4f val %.3f\n", p->what, epoch, loss, val_acc);
        else snprintf(line, sizeof line, "%s: epoch %d loss %.4f\n", p->what, epoch, loss);
        halo_report(p->interp, line);
    }
    return 0;
}

/* The architecture -arch names: cnn, a pnet1 text, or a model file's. */
static int resolve_arch(Tcl_Interp *interp, const char *spec, const pt_data *d, double width, pn_arch *a)
{
    halo_err err;
    halo_err_clear(&err);
    if (strcmp(spec, "cnn") == 0) {
        pn_arch_cnn(a, d->c, d->size, width);
        return TCL_OK;
    }
    if (strncmp(spec, "pnet1", 5) == 0) {
        if (pn_arch_parse(spec, a, &err) != 0) return halo_tcl_error(interp, &err);
    } else {
        pt_task t;
        nn_meta meta = {0};
        pn_model *m = pt_model_load(spec, &t, &meta, &err);
        nn_meta_free(&meta);
        if (!m) return halo_tcl_error(interp, &err);
        *a = *pn_model_arch(m);
        pn_model_free(m);
    }
    if (a->in_c != d->c || a->size != d->size)
        return halo_tcl_fail(interp, HALO_E_PRD_ARCH, spec, "its input shape differs from the data's");
    return TCL_OK;
}

static Tcl_Obj *eval_dict(pn_model *m, pt_task *t)
{
    Tcl_Obj *r = Tcl_NewDictObj();
    double mae;
    halo_dict_put(r, "train_acc", num(pt_accuracy(m, t, t->train, t->ntrain, NULL)));
    halo_dict_put(r, "val_acc", num(t->nval ? pt_accuracy(m, t, t->val, t->nval, NULL) : 0));
    halo_dict_put(r, "test_acc", num(pt_accuracy(m, t, t->test, t->ntest, &mae)));
    halo_dict_put(r, "test_majority", num(pt_majority(t, t->test, t->ntest)));
    halo_dict_put(r, "test_mae", num(mae));
    halo_dict_put(r, "train", Tcl_NewIntObj(t->ntrain));
    halo_dict_put(r, "val", Tcl_NewIntObj(t->nval));
    halo_dict_put(r, "test", Tcl_NewIntObj(t->ntest));
    halo_dict_put(r, "threshold", num(t->threshold));
    return r;
}

/* What a saved model keeps of where it came from: the data's circuit
 * (predictor_data -meta), the data file, the seed and the test accuracy
 * (read from result, eval_dict's, not evaluated again), so predictor_info
 * can say which circuit a shipped model is for. */
static void model_provenance(nn_meta *extra, const pt_data *d, const train_args *a, Tcl_Obj *result)
{
    const char *circuit = nn_meta_get(&d->meta, "circuit");
    char text[64];
    if (circuit) nn_meta_set(extra, "circuit", circuit);
    nn_meta_set(extra, "data", a->data);
    snprintf(text, sizeof text, "%d", a->seed);
    nn_meta_set(extra, "seed", text);
    Tcl_Obj *key = Tcl_NewStringObj("test_acc", -1), *value = NULL;
    double acc;
    Tcl_IncrRefCount(key);
    if (Tcl_DictObjGet(NULL, result, key, &value) == TCL_OK && value &&
        Tcl_GetDoubleFromObj(NULL, value, &acc) == TCL_OK) {
        snprintf(text, sizeof text, "%.4f", acc);
        nn_meta_set(extra, "test_acc", text);
    }
    Tcl_DecrRefCount(key);
}

static void opts_from_args(pt_opts *o, const train_args *a)
{
    pt_opts_default(o);
    o->epochs = a->epochs;
    o->batch = a->batch;
    o->lr = (float)a->lr;
    o->weight_decay = (float)a->wd;
    o->reg_weight = (float)a->reg;
    o->seed = (uint64_t)a->seed;
}

/* train_predictor -data FILE ?options? */
static int TrainPredictorCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    train_args a;
    train_args_default(&a);
    const char *keep = "last";
    opt_spec spec[] = {TRAIN_OPTS(&a), {"-arch", OPT_STR, &a.arch, 0, 0, ""}, {"-init", OPT_STR, &a.init, 0, 0, ""},
                       {"-keep", OPT_STR, &keep, 0, 0, ""}, {NULL}};
    if (halo_parse_opts(interp, objc, objv, 1, spec) != TCL_OK) return TCL_ERROR;
    if (!a.data) return halo_usage(interp, "train_predictor");
    if (strcmp(keep, "last") != 0 && strcmp(keep, "best") != 0)
        return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-keep", keep, "last or best");
    halo_err err;
    halo_err_clear(&err);
    pt_data d;
    if (pt_data_read(a.data, &d, &err) != 0) return halo_tcl_error(interp, &err);
    pt_task t;
    pn_arch arch;
    pn_model *m = NULL;
    int rc = TCL_ERROR;
    if (pt_task_init(&t, &d, a.metric, a.quantile, a.val, a.test, a.alpha, (uint64_t)a.seed, &err) != 0) {
        rc = halo_tcl_error(interp, &err);
        pt_data_free(&d);
        return rc;
    }
    if (resolve_arch(interp, a.init ? a.init : a.arch, &d, a.width, &arch) != TCL_OK) goto out;
    m = pn_model_new(&arch, (uint64_t)a.seed, &err);
    if (!m) {
        rc = halo_tcl_error(interp, &err);
        goto out;
    }
    int copied = 0;
    if (a.init) {
        /* transfer: the pretrained weights, and the target's own threshold */
        pt_task pre;
        nn_meta meta = {0};
        pn_model *src = pt_model_load(a.init, &pre, &meta, &err);
        nn_meta_free(&meta);
        if (!src) {
            rc = halo_tcl_error(interp, &err);
            goto out;
        }
        copied = pt_copy_weights(m, src);
        pn_model_free(src);
    }
    pt_opts o;
    opts_from_args(&o, &a);
    progress_ctx pc = {interp, "train_predictor", a.quiet ? 0 : (a.epochs >= 10 ? a.epochs / 5 : 1)};
    o.progress = show_progress;
    o.ctx = &pc;
    o.keep_best = strcmp(keep, "best") == 0;
    pt_stats st;
    pt_train(m, &t, &o, &st);
    Tcl_Obj *r = eval_dict(m, &t);
    if (o.keep_best) halo_dict_put(r, "best_epoch", Tcl_NewIntObj(st.best_epoch));
    char *text = pn_arch_format(&arch);
    halo_dict_put(r, "architecture", Tcl_NewStringObj(text, -1));
    free(text);
    halo_dict_put(r, "metric", Tcl_NewStringObj(a.metric, -1));
    halo_dict_put(r, "epochs", Tcl_NewIntObj(st.epochs));
    halo_dict_put(r, "loss", num(st.loss));
    halo_dict_put(r, "seconds", num(st.seconds));
    halo_dict_put(r, "parameters", Tcl_NewWideIntObj((Tcl_WideInt)nn_params_count(pn_model_params(m))));
    halo_dict_put(r, "macs", num(pn_model_macs(m)));
    if (a.init) halo_dict_put(r, "pretrained_tensors", Tcl_NewIntObj(copied));
    nn_meta extra = {0};
    if (a.out) model_provenance(&extra, &d, &a, r);
    if (a.out && pt_model_save(a.out, m, &t, &extra, &err) != 0) {
        nn_meta_free(&extra);
        rc = halo_tcl_error(interp, &err);
        Tcl_DecrRefCount(r);
        goto out;
    }
    nn_meta_free(&extra);
    Tcl_SetObjResult(interp, r);
    rc = TCL_OK;
out:
    pn_model_free(m);
    pt_task_free(&t);
    pt_data_free(&d);
    return rc;
}

/* ---------------------------------------------------------------- nas_search */

/* nas_search -data FILE ?-candidates N? ?-minutes M? ?-update_rate A? ?train options? */
static int NasSearchCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    train_args a;
    train_args_default(&a);
    a.epochs = 8;
    int candidates = 50;
    double minutes = 120, rate = 10;
    opt_spec spec[] = {TRAIN_OPTS(&a),
                       {"-candidates", OPT_INT, &candidates, 1, 1000000, "a count of candidates"},
                       {"-minutes", OPT_NUM, &minutes, 0, 1e6, "a time budget in minutes"},
                       {"-update_rate", OPT_NUM, &rate, 0, 1e4, "the update rate alpha of w <- w exp(alpha (acc - beta))"},
                       {NULL}};
    if (halo_parse_opts(interp, objc, objv, 1, spec) != TCL_OK) return TCL_ERROR;
    if (!a.data) return halo_usage(interp, "nas_search");
    halo_err err;
    halo_err_clear(&err);
    pt_data d;
    if (pt_data_read(a.data, &d, &err) != 0) return halo_tcl_error(interp, &err);
    pt_task t;
    if (pt_task_init(&t, &d, a.metric, a.quantile, a.val, a.test, a.alpha, (uint64_t)a.seed, &err) != 0) {
        pt_data_free(&d);
        return halo_tcl_error(interp, &err);
    }
    if (t.nval == 0) {
        pt_task_free(&t);
        pt_data_free(&d);
        return halo_tcl_fail(interp, HALO_E_PRD_DATA, a.data, "the search needs a validation part (-val > 0)");
    }
    pt_guide guide;
    pt_guide_init(&guide);
    halo_rng rng;
    rng_seed(&rng, (uint64_t)a.seed ^ 0x4e4153ULL);
    pt_opts o;
    opts_from_args(&o, &a);
    double t0 = seconds_now(), beta = 0, best_val = -1;
    int tried = 0;
    pn_model *best = NULL;
    Tcl_Obj *history = Tcl_NewListObj(0, NULL);
    Tcl_IncrRefCount(history);
    while (tried < candidates && (minutes <= 0 || seconds_now() - t0 < minutes * 60)) {
        pn_arch arch;
        pn_arch_empty(&arch, d.c, d.size, a.width);
        pt_guide_sample(&guide, &arch, &rng);
        o.seed = (uint64_t)a.seed + (uint64_t)tried;
        pn_model *m = pn_model_new(&arch, o.seed, &err);
        if (!m) continue;
        pt_stats st;
        pt_train(m, &t, &o, &st);
        double acc = pt_accuracy(m, &t, t.val, t.nval, NULL);
        /* beta: the mean accuracy of the candidates before this one */
        double b = tried ? beta : acc;
        pt_guide_update(&guide, &arch, rate, acc, b);
        beta = (beta * tried + acc) / (tried + 1);
        tried++;
        char *text = pn_arch_format(&arch);
        Tcl_Obj *h = Tcl_NewDictObj();
        halo_dict_put(h, "candidate", Tcl_NewIntObj(tried));
        halo_dict_put(h, "val_acc", num(acc));
        halo_dict_put(h, "seconds", num(st.seconds));
        halo_dict_put(h, "architecture", Tcl_NewStringObj(text, -1));
        Tcl_ListObjAppendElement(NULL, history, h);
        if (!a.quiet) {
            char line[200];
            snprintf(line, sizeof line, "nas_search: candidate %d val %.3f (mean %.3f, best %.3f) %.1f s, %.1f min\n",
                     tried, acc, beta, acc > best_val ? acc : best_val, st.seconds, (seconds_now() - t0) / 60);
            halo_report(interp, line);
        }
        free(text);
        if (acc > best_val) {
            best_val = acc;
            pn_model_free(best);
            best = m;
        } else pn_model_free(m);
    }
    int rc = TCL_OK;
    Tcl_Obj *r = NULL;
    if (!best) rc = halo_tcl_fail(interp, HALO_E_PRD_STATE, "nas_search: no candidate was trained (budget 0?).");
    else {
        r = eval_dict(best, &t);
        char *text = pn_arch_format(pn_model_arch(best));
        halo_dict_put(r, "architecture", Tcl_NewStringObj(text, -1));
        free(text);
        halo_dict_put(r, "candidates", Tcl_NewIntObj(tried));
        halo_dict_put(r, "minutes", num((seconds_now() - t0) / 60));
        halo_dict_put(r, "mean_val_acc", num(beta));
        halo_dict_put(r, "parameters", Tcl_NewWideIntObj((Tcl_WideInt)nn_params_count(pn_model_params(best))));
        halo_dict_put(r, "history", history);
        nn_meta extra = {0};
        if (a.out) model_provenance(&extra, &d, &a, r);
        if (a.out && pt_model_save(a.out, best, &t, &extra, &err) != 0) {
            rc = halo_tcl_error(interp, &err);
            Tcl_DecrRefCount(r);
            r = NULL;
        }
        nn_meta_free(&extra);
    }
    if (r) Tcl_SetObjResult(interp, r);
    Tcl_DecrRefCount(history);
    pn_model_free(best);
    pt_task_free(&t);
    pt_data_free(&d);
    return rc;
}

/* predictor_dataset: the flow in tclcmds/predict.tcl. */
static int PredictorDatasetCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    return halo_forward_flow(interp, "predictor_dataset", objc, objv);
}

/* ---------------------------------------------------------------- predict, predictor_info */

/* Apply one candidate {DEVICE MOVE ?STEP_NM?} to a copy of the IR: 1
 * applied, 0 illegal (leaves the halo), -1 bad candidate (message set). */
static int apply_candidate(Tcl_Interp *interp, place_ir *ir, Tcl_Obj *cand)
{
    static const char *const moves[] = {"left", "right", "up", "down", "flip_x", "flip_y", NULL};
    Tcl_Obj **v;
    int n, move, step = 100;
    if (Tcl_ListObjGetElements(NULL, cand, &n, &v) != TCL_OK || n < 2 || n > 3 ||
        Tcl_GetIndexFromObj(NULL, v[1], moves, "move", 0, &move) != TCL_OK ||
        (n == 3 && (Tcl_GetIntFromObj(NULL, v[2], &step) != TCL_OK || step <= 0 || step > 1000000))) {
        halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-moves", Tcl_GetString(cand),
                      "{DEVICE left|right|up|down|flip_x|flip_y ?STEP_NM?}");
        return -1;
    }
    int item = place_find(ir, Tcl_GetString(v[0]));
    if (item < 0) {
        halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-moves", Tcl_GetString(v[0]), "a placed device");
        return -1;
    }
    if (move >= 4) return place_flip(ir, item, move == 4);
    int32_t dx = move == 0 ? -step : move == 1 ? step : 0, dy = move == 2 ? step : move == 3 ? -step : 0;
    return place_shift(ir, item, dx, dy);
}

/* Score candidate moves without touching the design: each applied to a
 * copy of the placement, pictured (a move model: with the difference from
 * the placement as it is), and all run through the model in one batch.
 * Returns one {p_good predicted} per move, {-1 -1} for a move that leaves
 * the halo. */
static int predict_moves(Tcl_Interp *interp, halo_design *d, pn_model *m, const pt_task *t, Tcl_Obj *list)
{
    netlist *nl = halo_need_design(interp, d);
    place_ir *ir = nl ? design_placement(d, NULL) : NULL;
    if (!nl) return TCL_ERROR;
    if (!ir) return halo_tcl_fail(interp, HALO_E_PRD_STATE, "No placement: run place first.");
    Tcl_Obj **c;
    int n;
    if (Tcl_ListObjGetElements(interp, list, &n, &c) != TCL_OK) return TCL_ERROR;
    const pn_arch *a = pn_model_arch(m);
    size_t per = (size_t)a->in_c * a->size * a->size;
    float *x = halo_xmalloc(sizeof *x * per * (size_t)(n ? n : 1)), *before = NULL;
    float *out = halo_xmalloc(sizeof *out * PN_HEAD * (size_t)(n ? n : 1));
    int *legal = halo_xcalloc((size_t)(n ? n : 1), sizeof *legal), rows = 0, rc = TCL_OK;
    halo_err err;
    halo_err_clear(&err);
    if (pf_picture_kind(a->in_c) == PF_KIND_MOVE) {
        before = halo_xmalloc(sizeof *before * PF_CHANNELS * a->size * a->size);
        if (pf_raster(ir, nl, a->size, before, NULL, &err) != 0) rc = halo_tcl_error(interp, &err);
    }
    for (int i = 0; i < n && rc == TCL_OK; i++) {
        place_ir copy;
        place_ir_copy(&copy, ir);
        int ok = apply_candidate(interp, &copy, c[i]);
        if (ok < 0) rc = TCL_ERROR;
        else if (ok && model_picture(&copy, nl, a->in_c, a->size, x + per * rows, &err) == 0) {
            if (before) pf_move_picture(x + per * rows, before, a->size);
            legal[i] = ++rows;
        }
        place_ir_free(&copy);
    }
    free(before);
    if (rc == TCL_OK && rows) {
        pt_normalize(t, x, rows, a->size);
        pn_model_forward(m, x, rows, out);
    }
    Tcl_Obj *r = Tcl_NewListObj(0, NULL);
    for (int i = 0; rc == TCL_OK && i < n; i++) {
        Tcl_Obj *pair = Tcl_NewListObj(0, NULL);
        const float *o = legal[i] ? out + (size_t)(legal[i] - 1) * PN_HEAD : NULL;
        Tcl_ListObjAppendElement(NULL, pair, o ? num(1.0 / (1.0 + exp(-(double)o[0]))) : Tcl_NewIntObj(-1));
        Tcl_ListObjAppendElement(NULL, pair, o ? num(pt_metric_of(t, o[1])) : Tcl_NewIntObj(-1));
        Tcl_ListObjAppendElement(NULL, r, pair);
    }
    free(x);
    free(out);
    free(legal);
    if (rc == TCL_OK) Tcl_SetObjResult(interp, r);
    else Tcl_DecrRefCount(r);
    return rc;
}

/* predict -model FILE ?-moves LIST?: the current placement's probability
 * of good and predicted metric, or each candidate move's probability. */
static int PredictCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    const char *model = NULL, *moves = NULL;
    opt_spec spec[] = {{"-model", OPT_STR, &model, 0, 0, ""}, {"-moves", OPT_STR, &moves, 0, 0, ""}, {NULL}};
    if (halo_parse_opts(interp, objc, objv, 1, spec) != TCL_OK) return TCL_ERROR;
    if (!model) return halo_usage(interp, "predict");
    halo_err err;
    halo_err_clear(&err);
    pt_task t;
    nn_meta meta = {0};
    pn_model *m = pt_model_load(model, &t, &meta, &err);
    nn_meta_free(&meta);
    if (!m) return halo_tcl_error(interp, &err);
    const pn_arch *a = pn_model_arch(m);
    pf_kind kind = pf_picture_kind(a->in_c);
    if (kind == PF_KIND_NONE || kind == PF_KIND_MOVE_V1) {
        pn_model_free(m);
        return halo_tcl_fail(interp, HALO_E_PRD_FILE, model,
                             kind == PF_KIND_NONE ? "its input is not halo's placement picture"
                                                  : "a move model of 30 channels, from before the finger channels: retrain it");
    }
    if (kind == PF_KIND_MOVE && !moves) {
        pn_model_free(m);
        char why[1200];
        snprintf(why, sizeof why, "%.1000s is a move model: it scores candidate moves (predict -moves).", model);
        return halo_tcl_fail(interp, HALO_E_PRD_STATE, why);
    }
    if (moves) {
        Tcl_Obj *list = Tcl_NewStringObj(moves, -1);
        Tcl_IncrRefCount(list);
        int rc = predict_moves(interp, cd, m, &t, list);
        Tcl_DecrRefCount(list);
        pn_model_free(m);
        return rc;
    }
    float *x = current_picture(interp, cd, a->size, PF_CHANNELS, NULL);
    if (!x) {
        pn_model_free(m);
        return TCL_ERROR;
    }
    /* A PF_KIND_V1 model reads the picture's first channels, as they are. */
    double p, v;
    pt_predict(m, &t, x, &p, &v);
    free(x);
    pn_model_free(m);
    Tcl_Obj *r = Tcl_NewDictObj();
    halo_dict_put(r, "p_good", num(p));
    halo_dict_put(r, "good", Tcl_NewBooleanObj(p > 0.5));
    halo_dict_put(r, "metric", Tcl_NewStringObj(t.metric, -1));
    halo_dict_put(r, "predicted", num(v));
    halo_dict_put(r, "threshold", num(t.threshold));
    Tcl_SetObjResult(interp, r);
    return TCL_OK;
}

/* predictor_info FILE */
static int PredictorInfoCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    if (objc != 2) return halo_usage(interp, "predictor_info");
    halo_err err;
    halo_err_clear(&err);
    pt_task t;
    nn_meta meta = {0};
    pn_model *m = pt_model_load(Tcl_GetString(objv[1]), &t, &meta, &err);
    if (!m) {
        nn_meta_free(&meta);
        return halo_tcl_error(interp, &err);
    }
    Tcl_Obj *r = Tcl_NewDictObj(), *md = Tcl_NewDictObj();
    char *text = pn_arch_format(pn_model_arch(m));
    halo_dict_put(r, "architecture", Tcl_NewStringObj(text, -1));
    halo_dict_put(r, "metric", Tcl_NewStringObj(t.metric, -1));
    halo_dict_put(r, "threshold", num(t.threshold));
    halo_dict_put(r, "quantile", num(t.quantile));
    halo_dict_put(r, "parameters", Tcl_NewWideIntObj((Tcl_WideInt)nn_params_count(pn_model_params(m))));
    halo_dict_put(r, "macs", num(pn_model_macs(m)));
    Tcl_Obj *dags = Tcl_NewListObj(0, NULL);
    for (int k = 0; k < PN_NDAGS; k++) {
        int v, e;
        pn_dag_count(&pn_model_arch(m)->dag[k], &v, &e);
        Tcl_Obj *p = Tcl_NewListObj(0, NULL);
        Tcl_ListObjAppendElement(NULL, p, Tcl_NewIntObj(v));
        Tcl_ListObjAppendElement(NULL, p, Tcl_NewIntObj(e));
        Tcl_ListObjAppendElement(NULL, dags, p);
    }
    halo_dict_put(r, "dag_vertices_edges", dags);
    for (int i = 0; i < meta.n; i++)
        Tcl_DictObjPut(NULL, md, Tcl_NewStringObj(meta.key[i], -1), Tcl_NewStringObj(meta.value[i], -1));
    halo_dict_put(r, "metadata", md);
    char line[600];
    snprintf(line, sizeof line, "%s: %s predictor (good: %s <= %g), %zu parameters\n  %s\n", Tcl_GetString(objv[1]),
             t.metric, t.metric, t.threshold, nn_params_count(pn_model_params(m)), text);
    halo_report(interp, line);
    free(text);
    nn_meta_free(&meta);
    pn_model_free(m);
    Tcl_SetObjResult(interp, r);
    return TCL_OK;
}

const HaloCmd halo_predict_cmds[] = {
    {"placement_features", PlacementFeaturesCmd, "placement_features ?-size N? ?-before DATA?",
     "The current placement as the predictors see it: a square picture of N x N pixels (default 64) over the "
     "placement boundary's longer side, with 15 channels (nmos pmos passive gate drain source p_supply p_signal "
     "p_inner rudy rudy_sig matched mismatch halo scale; core/predict/predict_features.h documents each). With "
     "-before DATA (the data of an earlier placement_features of the same size), a move picture: 30 channels, "
     "the 15 above then d_nmos .. d_scale, the current picture minus DATA. Returns a dict: size extent_um "
     "channels sums (per channel) data (the float32 values, channel-major, as a byte array).",
     "The current placement as a 15-channel picture."},
    {"predictor_data", PredictorDataCmd,
     "predictor_data FILE -features RAW -size S -metrics {NAME VALUES ...} ?-meta DICT? ?-channels C?",
     "Writes a predictor dataset as safetensors: the pictures in RAW (placement_features data appended, float32) "
     "become the tensor features [N, C, S, S] (C 15, or 30 for move pictures), each metric the tensor "
     "metric.NAME [N]; DICT goes into the metadata with the channel names.",
     "Writes predictor pictures and metrics as safetensors."},
    {"predictor_dataset", PredictorDatasetCmd,
     "predictor_dataset -out DIR ?-samples N? ?-size S? ?-arrangements K? ?-efforts LIST? ?-poor P? ?-moves M? "
     "?-step NM? ?-siblings K? ?-seed S?",
     "Makes a placement-quality dataset of the current design (with its testbench): N samples (200) over K finger "
     "arrangements (4, drawn by enumerate_fingers), each placed by the annealer at an effort from LIST (0.2 1 3) or, "
     "with probability P (0.2), as a best-of-one random sequence pair (a deliberately poor placement), then moved "
     "by 0..M (6) random legal perturb moves of NM nm (200); routed, verified (DRC, LVS), extracted and simulated "
     "before and after layout. Writes DIR/samples.jsonl, DIR/predictor.safetensors (placement_features pictures "
     "of S x S, default 64, and metric.<label> tensors) and DIR/labels.json (each label's spread). Labels: "
     "pscore pscore_osiris area hpwl wirelength, every post-layout metric and its shift_<metric> = |post - pre| / "
     "|pre|, pscore_rel (pscore over the median of its arrangement's samples) and arrangement (its index). "
     "With -siblings K (a move model's data) each verified placement is a parent: K single random moves of NM nm "
     "(explore's moves, flips included) are each applied to it, rerouted incrementally and verified; a sample is "
     "such a child, pictured as a move picture (placement_features -before the parent, 30 channels) and "
     "labelled also pscore_move, its pscore over its parent's. Returns a dict: dir file samples failures "
     "seconds labels.",
     "Makes a placement-quality dataset of the design."},
    {"train_predictor", TrainPredictorCmd,
     "train_predictor -data FILE ?-metric M? ?-arch cnn|PNET|MODEL? ?-epochs E? ?-batch B? ?-lr LR? "
     "?-weight_decay WD? ?-quantile Q? ?-width W? ?-alpha A? ?-init MODEL? ?-val V? ?-test T? ?-seed S? ?-out FILE? "
     "?-keep last|best? ?-quiet 1?",
     "Trains a placement-quality classifier on a predictor dataset: good means metric M (default pscore) at or "
     "below the Q quantile (default 0.75) of the train part. The split is three-way and seeded: test T (0.2) and "
     "validation V (0.16) of all samples; -alpha A trains on only A of all samples (the seed's transfer "
     "protocol). -arch cnn is the fixed baseline, or a pnet1 text, or a model file whose architecture is reused; "
     "-init MODEL starts from a pretrained model's weights (fine-tuning; -epochs 0 evaluates it as is). Adam "
     "(LR 5e-4, L2 decay 1e-3), batch 48, 45 epochs, BCE plus 0.25 x MSE of the standardised metric. Returns a "
     "dict: train_acc val_acc test_acc test_majority test_mae train val test threshold architecture metric epochs "
     "loss seconds parameters macs; -out saves the model as safetensors. -keep best ends with the weights of the "
     "epoch best on the validation part (and adds best_epoch) instead of the last epoch's.",
     "Trains a placement-quality predictor."},
    {"nas_search", NasSearchCmd,
     "nas_search -data FILE ?-candidates N? ?-minutes M? ?-update_rate A? ?train_predictor options? ?-out FILE?",
     "Neural architecture search by graph propagation (the seed's Algorithm 1): six guide-DAGs of 7 vertices, "
     "operations c32 c64 a32 mix; each candidate is sampled, trained on the train part for -epochs (default 8) and "
     "scored on the validation part; the weights of its edges and operations are multiplied by exp(A (acc - "
     "beta)), beta the mean accuracy so far (A default 10). Stops after N candidates (50) or M minutes (120). The "
     "best candidate by validation accuracy is kept (-out) and evaluated once on the test part, which the search "
     "never sees. Returns the train_predictor dict plus candidates minutes mean_val_acc history.",
     "Searches a predictor architecture (NAS)."},
    {"predict", PredictCmd, "predict -model FILE ?-moves LIST?",
     "Predicts the current placement's quality with a trained predictor: returns a dict p_good (the probability "
     "that its metric is at or below the threshold) good metric predicted threshold. With -moves, a list of "
     "candidate moves {DEVICE left|right|up|down|flip_x|flip_y ?STEP_NM?} (perturb's moves, step 100 nm), each is "
     "applied to a copy of the placement and scored in one batch without changing the design: returns one "
     "{p_good predicted} per move, {-1 -1} for a move that would leave the device's halo. A move model (trained "
     "on predictor_dataset -siblings data) sees each candidate as a move picture and scores only -moves.",
     "Predicts the current placement's layout quality."},
    {"predictor_info", PredictorInfoCmd, "predictor_info FILE",
     "Reads a predictor model file and prints its metric, threshold, parameter count and architecture. Returns a "
     "dict: architecture metric threshold quantile parameters macs dag_vertices_edges metadata.",
     "Describes a predictor model file."},
    {NULL, NULL, NULL, NULL, NULL}};
