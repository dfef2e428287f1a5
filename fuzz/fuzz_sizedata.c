/*
 * fuzz_sizedata.c -- libFuzzer harness of the sizing readers that take
 * text from outside: sizing rows (size_data_read, JSONL) and a sizer's
 * sizer.json (sizer_load).
 *
 * Every input is written once as a JSONL file and once as DIR/sizer.json.
 * Oracles:
 *   - a refused input comes back with an error id and a message;
 *   - accepted rows are consistent: at least one row, every sizing value
 *     positive and finite, metric columns sorted and unique, converged 0
 *     or 1, and size_data_metric finds every column it lists;
 *   - an accepted sizer has metrics, variables and its forward model's
 *     members, outputs and parts in range.
 * The directory holds a one-variable, one-metric block model "dp1" and a
 * forward member "forward" (1 -> 1), made once per process, so that an
 * input naming them gets past the weights to the forward model's fields.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/halo_err.h"
#include "size/size_data.h"
#include "size/sizer.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_sizedata: %s\n", what);
    abort();
}

static void write_bytes(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
}

static void check_rows(const size_data *d)
{
    if (d->nrows < 1) fail("accepted with no rows");
    for (size_t i = 0; i < (size_t)d->nrows * d->nvars; i++)
        if (!(d->x[i] > 0) || !isfinite(d->x[i])) fail("a sizing value that is not positive");
    for (int k = 0; k < d->nmetrics; k++) {
        if (k && strcmp(d->metric[k - 1], d->metric[k]) >= 0) fail("metric columns not sorted and unique");
        if (size_data_metric(d, d->metric[k]) != k) fail("size_data_metric misses a column");
    }
    for (int r = 0; r < d->nrows; r++)
        if (d->converged[r] != 0 && d->converged[r] != 1) fail("converged is not 0 or 1");
}

static void rows_input(const uint8_t *data, size_t size, const char *dir)
{
    char path[300];
    snprintf(path, sizeof path, "%s/rows.jsonl", dir);
    write_bytes(path, data, size);
    size_data d;
    halo_err err;
    halo_err_clear(&err);
    if (size_data_read(path, &d, &err) != 0) {
        if (err.id == HALO_OK || !err.msg[0]) fail("rows refused without a message");
        return;
    }
    check_rows(&d);
    size_data_free(&d);
}

static void sizer_input(const uint8_t *data, size_t size, const char *dir)
{
    char path[300];
    snprintf(path, sizeof path, "%s/sizer.json", dir);
    write_bytes(path, data, size);
    halo_err err;
    halo_err_clear(&err);
    sizer *s = sizer_load(dir, &err);
    if (!s) {
        if (err.id == HALO_OK || !err.msg[0]) fail("a sizer refused without a message");
        return;
    }
    if (s->nmetrics < 1 || s->nmetrics > SIZER_MAX_METRICS || s->nvars < 1 || s->nblocks < 1) fail("a sizer out of range");
    const sizer_forward *f = s->forward;
    if (f) {
        if (f->nnets < 1 || f->nnets > SIZER_MAX_FORWARD || f->nout < 1 || f->nout > SIZER_MAX_OUTPUTS)
            fail("a forward model out of range");
        for (int k = 0; k < s->nmetrics; k++)
            if (f->part[k][0] < 0 || f->part[k][0] >= f->nout || f->part[k][1] < 0 || f->part[k][1] >= f->nout)
                fail("a forward part names no output");
    }
    sizer_free(s);
}

/* The process's directory with the weights an input may name. */
static const char *model_dir(void)
{
    static char dir[] = "/tmp/halo-fuzz-sizedata-XXXXXX";
    static int made;
    if (made) return dir;
    if (!mkdtemp(dir)) abort();
    char path[300];
    halo_err err;
    halo_err_clear(&err);
    ddpm_config dc;
    ddpm_config_default(&dc);
    dc.dx = 1, dc.dc = 1, dc.d_model = 8, dc.depth = 1, dc.heads = 1;
    ddpm *b = ddpm_new(&dc, 1, &err);
    snprintf(path, sizeof path, "%s/dp1.safetensors", dir);
    if (!b || ddpm_save(b, path, NULL, &err) != 0) abort();
    ddpm_free(b);
    size_mlp_config mc;
    size_mlp_config_default(&mc);
    mc.dc = 1, mc.dx = 1, mc.hidden = 4, mc.layers = 1;
    size_mlp *m = size_mlp_new(&mc, 1, &err);
    snprintf(path, sizeof path, "%s/forward.safetensors", dir);
    if (!m || size_mlp_save(m, path, NULL, &err) != 0) abort();
    size_mlp_free(m);
    made = 1;
    return dir;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = model_dir();
    rows_input(data, size, dir);
    sizer_input(data, size, dir);
    return 0;
}
