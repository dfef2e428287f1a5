/*
 * fuzz_layoutmodel.c -- libFuzzer harness of the layout foundation
 * model's readers and of its raster <-> shapes conversion (core/complete).
 *
 * Every input goes two ways:
 *   1. as a layout model file to lfm_model_load.  Oracles: a refused file
 *      comes back with an error id and a message; an accepted small model
 *      runs inference on a small raster (values may be anything a hostile
 *      file's weights make them; only crashes, hangs and sanitizer reports
 *      count) and saves and loads back with the same weights bit for bit;
 *   2. as a small binary raster (the first bytes its size, the rest its
 *      pixels).  Oracle: the rectangles lfm_raster_boxes makes of each
 *      channel rasterise back to exactly the same pixels, and none
 *      overlap another of its channel.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/halo_err.h"
#include "complete/complete.h"
#include "complete/raster.h"

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_layoutmodel: %s\n  %s\n", what, detail ? detail : "");
    abort();
}

static void temp_path(char *path, size_t n)
{
    snprintf(path, n, "/tmp/halo-fuzz-layoutmodel-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) abort();
    close(fd);
}

static void run_small(lfm_model *m)
{
    lfm_raster *r = lfm_raster_new(m->map.nch, m->patch, m->patch + 3, 0, 0, m->px);
    if (!r) return;
    for (size_t i = 0; i < (size_t)r->c * r->h * r->w; i += 7) r->v[i] = 1;
    uint8_t *cmd = calloc((size_t)r->h * r->w, 1);
    if (cmd) cmd[0] = 1;
    free(lfm_infer(m, r, cmd));
    free(cmd);
    lfm_raster_free(r);
}

static void model_input(const uint8_t *data, size_t size)
{
    char path[64], back[64];
    temp_path(path, sizeof path);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fwrite(data, 1, size, f);
    fclose(f);
    halo_err err;
    halo_err_clear(&err);
    lfm_model m;
    if (lfm_model_load(path, &m, &err)) {
        if (err.id == HALO_OK || !err.msg[0]) fail("a file refused without a message", NULL);
        unlink(path);
        return;
    }
    nn_params *ps = lfm_unet_params(m.net);
    if (nn_params_count(ps) < 200000 && m.patch <= 64) run_small(&m);
    temp_path(back, sizeof back);
    if (lfm_model_save(&m, back, &err)) fail("an accepted model does not save", err.msg);
    lfm_model m2;
    if (lfm_model_load(back, &m2, &err)) fail("a saved model does not load", err.msg);
    nn_params *qs = lfm_unet_params(m2.net);
    if (ps->n != qs->n) fail("saved and loaded: another parameter count", NULL);
    for (int i = 0; i < ps->n; i++)
        if (memcmp(ps->p[i]->w, qs->p[i]->w, sizeof(float) * ps->p[i]->n)) fail("saved and loaded: other weights", ps->p[i]->name);
    lfm_model_free(&m2);
    lfm_model_free(&m);
    unlink(path), unlink(back);
}

static void raster_input(const uint8_t *data, size_t size)
{
    if (size < 4) return;
    int c = 1 + data[0] % 3, h = 1 + data[1] % 40, w = 1 + data[2] % 40, px = 5 * (1 + data[3] % 8);
    lfm_raster *r = lfm_raster_new(c, h, w, -px * (data[3] & 7), px * (data[2] & 3), px);
    if (!r) abort();
    for (size_t i = 0; i < (size_t)c * h * w; i++) {
        size_t k = 4 + i / 8;
        r->v[i] = k < size ? (data[k] >> (i % 8)) & 1 : 0;
    }
    lfm_raster *again = lfm_raster_new(c, h, w, r->x0, r->y0, px);
    for (int ch = 0; ch < c; ch++) {
        lay_box *b = NULL;
        int n = lfm_raster_boxes(r, ch, &b);
        if (n < 0) abort();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++)
                if (b[i].x0 < b[j].x1 && b[j].x0 < b[i].x1 && b[i].y0 < b[j].y1 && b[j].y0 < b[i].y1)
                    fail("vectorised rectangles overlap", NULL);
            lfm_raster_box(again, ch, b[i], 1);
        }
        free(b);
    }
    if (memcmp(r->v, again->v, (size_t)c * h * w)) fail("rectangles do not rasterise back to the pixels", NULL);
    lfm_raster_free(r);
    lfm_raster_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    model_input(data, size);
    raster_input(data, size);
    return 0;
}
