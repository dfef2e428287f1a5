/*
 * fuzz_sizemodel.c -- libFuzzer harness of the sizing models' file
 * readers (core/size: ddpm_load_buffer, size_mlp_load_buffer).
 *
 * Every input goes to both readers.  Oracles:
 *   - a refused file comes back NULL with an error id and a message
 *     (HALO_E_SZM_FILE, or the safetensors reader's own);
 *   - an accepted model has a configuration in range (the *_config_check
 *     of its kind passes) whose parameter count is the file's;
 *   - a small accepted model runs: a diffusion model samples 2 sizings in
 *     3 steps with guidance, the MLP predicts one sizing (values may be
 *     anything a hostile file's weights make them; only crashes, hangs and
 *     sanitizer reports count);
 *   - what is accepted saves and loads back with the same configuration
 *     and the same weights bit for bit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/halo_err.h"
#include "size/ddpm.h"
#include "size/size_mlp.h"

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_sizemodel: %s\n  %s\n", what, detail ? detail : "");
    abort();
}

static void check_refusal(const halo_err *err, const char *kind)
{
    if (err->id == HALO_OK || !err->msg[0]) fail("a file refused without a message", kind);
}

static void same_params(nn_params *a, nn_params *b)
{
    if (a->n != b->n) fail("saved and loaded: another parameter count", NULL);
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->p[i]->name, b->p[i]->name) != 0 || a->p[i]->n != b->p[i]->n ||
            memcmp(a->p[i]->w, b->p[i]->w, sizeof(float) * a->p[i]->n) != 0)
            fail("saved and loaded: other weights", a->p[i]->name);
}

static void temp_path(char *path, size_t n)
{
    snprintf(path, n, "/tmp/halo-fuzz-sizemodel-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) abort();
    close(fd);
}

static void ddpm_input(const uint8_t *data, size_t size)
{
    halo_err err;
    halo_err_clear(&err);
    nn_meta meta;
    ddpm *m = ddpm_load_buffer(data, size, "input", &meta, &err);
    if (!m) {
        check_refusal(&err, "ddpm");
        return;
    }
    const ddpm_config *c = ddpm_get_config(m);
    if (ddpm_config_check(c, &err) != 0) fail("an accepted ddpm has a bad configuration", err.msg);
    if (ddpm_config_params(c) != (double)nn_params_count(ddpm_params(m))) fail("ddpm parameter count", NULL);
    if (c->dx <= 16 && c->dc <= 64 && c->d_model <= 64 && c->depth <= 4 && c->mlp_ratio <= 4) {
        float *cond = calloc((size_t)c->dc, sizeof *cond), out[2 * 16];
        ddpm_sample_opts so;
        ddpm_sample_opts_default(&so);
        so.steps = 3;
        so.eta = 1.0f;
        so.clip = 3.0f;
        if (ddpm_sample(m, cond, 1, 2, &so, out, &err) != 0) fail("a small ddpm does not sample", err.msg);
        free(cond);
    }
    char path[64];
    temp_path(path, sizeof path);
    if (ddpm_save(m, path, NULL, &err) != 0) fail("a loaded ddpm does not save", err.msg);
    ddpm *m2 = ddpm_load(path, NULL, &err);
    unlink(path);
    if (!m2) fail("a saved ddpm does not load back", err.msg);
    if (memcmp(ddpm_get_config(m2), c, sizeof *c) != 0) fail("saved and loaded: another ddpm configuration", NULL);
    same_params(ddpm_params(m), ddpm_params(m2));
    ddpm_free(m2);
    ddpm_free(m);
    nn_meta_free(&meta);
}

static void mlp_input(const uint8_t *data, size_t size)
{
    halo_err err;
    halo_err_clear(&err);
    size_mlp *m = size_mlp_load_buffer(data, size, "input", NULL, &err);
    if (!m) {
        check_refusal(&err, "size_mlp");
        return;
    }
    const size_mlp_config *c = size_mlp_get_config(m);
    if (size_mlp_config_check(c, &err) != 0) fail("an accepted size_mlp has a bad configuration", err.msg);
    if (size_mlp_config_params(c) <= 1e6) {
        float *in = calloc((size_t)c->dc, sizeof *in), *out = calloc((size_t)c->dx, sizeof *out);
        size_mlp_predict(m, in, 1, out);
        free(in);
        free(out);
    }
    char path[64];
    temp_path(path, sizeof path);
    if (size_mlp_save(m, path, NULL, &err) != 0) fail("a loaded size_mlp does not save", err.msg);
    size_mlp *m2 = size_mlp_load(path, NULL, &err);
    unlink(path);
    if (!m2) fail("a saved size_mlp does not load back", err.msg);
    if (memcmp(size_mlp_get_config(m2), c, sizeof *c) != 0) fail("saved and loaded: another MLP configuration", NULL);
    same_params(size_mlp_params(m), size_mlp_params(m2));
    size_mlp_free(m2);
    size_mlp_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ddpm_input(data, size);
    mlp_input(data, size);
    return 0;
}
