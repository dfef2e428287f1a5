/*
 * fuzz_predict.c -- libFuzzer harness of the two readers of core/predict:
 * the architecture text form (pn_arch_parse) and the predictor model file
 * (pt_model_load).
 *
 * An input starting with "pnet1" is an architecture text (up to its first
 * NUL).  Oracles:
 *   - a refused text comes back nonzero with HALO_E_PRD_ARCH and a
 *     message (the value is halo_err_set's, the id, though predict_net.h
 *     says -1: every caller tests != 0);
 *   - an accepted one is a well-formed arch (sizes in range, edges j < k,
 *     an operation exactly on the vertices an edge reaches, no edge from a
 *     vertex nothing reaches), formats to a text that parses back to the
 *     same arch (memcmp: pn_arch_empty clears the struct) and formats again
 *     to the same text;
 *   - a small accepted arch (in*size*size <= 16*32*32, width <= 1, every
 *     stem and fc <= 64) builds (pn_model_new), and when size <= 32 runs a
 *     forward and backward pass over one zero picture with finite outputs
 *     and gradients; a second forward gives the same outputs bit for bit.
 * Any other input is a model file (written to a temporary file: the loader
 * reads a path).  Oracles: a model, or an error with a message; a model
 * saves (pt_model_save) and loads back to the same arch, task fields and
 * weights bit for bit.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/halo_err.h"
#include "nn/nn_safetensors.h"
#include "predict/predict_net.h"
#include "predict/predict_train.h"

static void fail(const char *what, const char *text)
{
    fprintf(stderr, "fuzz_predict: %s\n  %s\n", what, text ? text : "");
    abort();
}

/* ---------------------------------------------------------------- arch */

static void check_wellformed(const pn_arch *a, const char *text)
{
    if (a->in_c < 1 || a->in_c > 256 || a->size < 8 || a->size > 512 || !(a->width >= 0.03 && a->width <= 8) ||
        a->fc < 1 || a->fc > 4096)
        fail("accepted an arch with sizes out of range", text);
    for (int s = 0; s < 3; s++)
        if (a->stem[s] < 1 || a->stem[s] > 1024) fail("accepted a stem out of range", text);
    for (int d = 0; d < PN_NDAGS; d++) {
        const pn_dag *g = &a->dag[d];
        if (g->op[0] != -1) fail("v0 has an operation", text);
        for (int k = 0; k <= PN_MAXV; k++) {
            for (int j = 0; j <= PN_MAXV; j++) {
                if (g->edge[j][k] > 1) fail("an edge flag other than 0 or 1", text);
                if (g->edge[j][k] && j >= k) fail("an edge j>k with j >= k", text);
            }
            if (k == 0) continue;
            int used = pn_dag_used(g, k);
            if (used != (g->op[k] >= 0)) fail("an operation on an unreached vertex, or a reached one without", text);
            if (g->op[k] >= PN_NOPS) fail("an operation out of range", text);
            for (int m = k + 1; m <= PN_MAXV; m++)
                if (g->edge[k][m] && !used) fail("an edge from a vertex nothing reaches", text);
        }
    }
}

static int all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* Build a small arch and run it: the builder on an arbitrary DAG. */
static void run_model(const pn_arch *a, const char *text)
{
    if ((long)a->in_c * a->size * a->size > 16L * 32 * 32 || a->width > 1 || a->fc > 64) return;
    for (int s = 0; s < 3; s++)
        if (a->stem[s] > 64) return;
    halo_err err;
    halo_err_clear(&err);
    pn_model *m = pn_model_new(a, 1, &err);
    if (!m) fail("a valid small arch does not build", err.msg);
    if (memcmp(pn_model_arch(m), a, sizeof *a) != 0) fail("the model's arch is not the one given", text);
    if (!(pn_model_macs(m) > 0)) fail("no multiply-adds", text);
    if (a->size <= 32) {
        size_t nx = (size_t)a->in_c * a->size * a->size;
        float *x = calloc(nx, sizeof *x), out[PN_HEAD], again[PN_HEAD], dout[PN_HEAD] = {1, -1};
        if (!x) abort();
        pn_model_forward(m, x, 1, out);
        if (!all_finite(out, PN_HEAD)) fail("forward gives a non-finite output", text);
        pn_model_backward(m, dout);
        nn_params *ps = pn_model_params(m);
        for (int i = 0; i < ps->n; i++)
            if (ps->p[i]->g && !all_finite(ps->p[i]->g, ps->p[i]->n)) fail("a non-finite gradient", ps->p[i]->name);
        pn_model_forward(m, x, 1, again);
        if (memcmp(out, again, sizeof out) != 0) fail("a second forward of the same input differs", text);
        free(x);
    }
    pn_model_free(m);
}

static void arch_input(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) abort();
    memcpy(text, data, size);
    text[size] = 0;
    pn_arch a, b;
    halo_err err;
    halo_err_clear(&err);
    int rc = pn_arch_parse(text, &a, &err);
    if (rc != 0) {
        if (err.id != HALO_E_PRD_ARCH || !err.msg[0]) fail("a refusal without HALO_E_PRD_ARCH", text);
        free(text);
        return;
    }
    check_wellformed(&a, text);
    char *s1 = pn_arch_format(&a);
    halo_err_clear(&err);
    if (pn_arch_parse(s1, &b, &err) != 0) {
        fprintf(stderr, "fuzz_predict: formatted as %s\n  refused: %s\n", s1, err.msg);
        fail("the formatted arch does not parse", text);
    }
    if (memcmp(&a, &b, sizeof a) != 0) {
        fprintf(stderr, "fuzz_predict: formatted as %s (width %.17g, back %.17g)\n", s1, a.width, b.width);
        fail("the formatted arch parses to another arch", text);
    }
    char *s2 = pn_arch_format(&b);
    if (strcmp(s1, s2) != 0) {
        fprintf(stderr, "fuzz_predict: %s\n  then %s\n", s1, s2);
        fail("formatting is not a fixed point", text);
    }
    free(s1);
    free(s2);
    run_model(&a, text);
    free(text);
}

/* ---------------------------------------------------------------- model file */

static char *temp_file(const uint8_t *data, size_t size)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/halo-fuzz-predict-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) abort();
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) abort();
        off += (size_t)w;
    }
    close(fd);
    return path;
}

static void same_model(pn_model *a, const pt_task *ta, pn_model *b, const pt_task *tb)
{
    char *fa = pn_arch_format(pn_model_arch(a)), *fb = pn_arch_format(pn_model_arch(b));
    if (memcmp(pn_model_arch(a), pn_model_arch(b), sizeof(pn_arch)) != 0) fail("saved and loaded: another arch", fb);
    if (strcmp(ta->metric, tb->metric) != 0 || memcmp(&ta->quantile, &tb->quantile, sizeof(double)) != 0 ||
        memcmp(&ta->threshold, &tb->threshold, sizeof(double)) != 0 || ta->log_metric != tb->log_metric ||
        memcmp(&ta->mean, &tb->mean, sizeof(double)) != 0 || memcmp(&ta->std, &tb->std, sizeof(double)) != 0)
        fail("saved and loaded: another metric, threshold or standardisation", fa);
    nn_params *pa = pn_model_params(a), *pb = pn_model_params(b);
    if (pa->n != pb->n) fail("saved and loaded: another parameter count", fa);
    for (int i = 0; i < pa->n; i++)
        if (strcmp(pa->p[i]->name, pb->p[i]->name) != 0 || pa->p[i]->n != pb->p[i]->n ||
            memcmp(pa->p[i]->w, pb->p[i]->w, sizeof *pa->p[i]->w * pa->p[i]->n) != 0)
            fail("saved and loaded: other weights", pa->p[i]->name);
    free(fa);
    free(fb);
}

static void model_input(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "%s", temp_file(data, size));
    pt_task t;
    nn_meta meta = {NULL, NULL, 0};
    halo_err err;
    halo_err_clear(&err);
    pn_model *m = pt_model_load(path, &t, &meta, &err);
    unlink(path);
    if (!m) {
        if (err.id == HALO_OK || !err.msg[0]) fail("a model file refused without a message", NULL);
        nn_meta_free(&meta);
        return;
    }
    if (t.data || t.y || t.train || t.val || t.test || t.label) fail("a loaded task with data or a split", NULL);
    if (!(t.std > 0) || !isfinite(t.std) || !isfinite(t.mean) || !isfinite(t.threshold) || !isfinite(t.quantile))
        fail("a loaded task with a bad standardisation", NULL);
    /* what halo loads it saves, and loads back the same */
    snprintf(path, sizeof path, "%s", temp_file(NULL, 0));
    if (pt_model_save(path, m, &t, NULL, &err) != 0) fail("a loaded model does not save", err.msg);
    pt_task t2;
    nn_meta meta2 = {NULL, NULL, 0};
    pn_model *m2 = pt_model_load(path, &t2, &meta2, &err);
    unlink(path);
    if (!m2) fail("a saved model does not load back", err.msg);
    same_model(m, &t, m2, &t2);
    pn_model_free(m);
    pn_model_free(m2);
    nn_meta_free(&meta);
    nn_meta_free(&meta2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 5 && memcmp(data, "pnet1", 5) == 0) arch_input(data, size);
    else model_input(data, size);
    return 0;
}
