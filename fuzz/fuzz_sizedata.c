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
 *   - an accepted sizer (possible only when the input names no block file
 *     that exists, so in practice a refusal) has metrics and variables in
 *     range.
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
    sizer_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[] = "/tmp/halo-fuzz-sizedata-XXXXXX";
    if (!mkdtemp(dir)) abort();
    rows_input(data, size, dir);
    sizer_input(data, size, dir);
    char path[300];
    snprintf(path, sizeof path, "%s/rows.jsonl", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/sizer.json", dir);
    unlink(path);
    rmdir(dir);
    return 0;
}
