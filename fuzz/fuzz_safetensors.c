/*
 * fuzz_safetensors.c -- libFuzzer harness of the safetensors reader.
 *
 * Any input must give tensors or an error naming the file.  What halo
 * reads it must write, read back to the same names, shapes, values (bit
 * for bit) and metadata, and write again to the same bytes.  A file that
 * parses is also offered to the sppo agent's loader (xagent_sppo_from):
 * an agent or an error naming the file; an agent saves and loads back to
 * the same bytes.
 */
#include <stdint.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "explore/explore_sppo.h"
#include "nn/nn_safetensors.h"

static void same(const nn_params *a, const nn_meta *ma, const nn_params *b, const nn_meta *mb)
{
    if (a->n != b->n || ma->n != mb->n) abort();
    for (int k = 0; k < a->n; k++) {
        const nn_param *p = a->p[k], *q = nn_params_find(b, p->name);
        if (!q || q->n != p->n || q->ndim != p->ndim) abort();
        if (memcmp(q->shape, p->shape, sizeof p->shape) != 0 || memcmp(q->w, p->w, p->n * sizeof *p->w) != 0) abort();
    }
    for (int i = 0; i < ma->n; i++) {
        const char *v = nn_meta_get(mb, ma->key[i]);
        if (!v || strcmp(v, ma->value[i]) != 0) abort();
    }
}

/* A parsed file as an sppo agent: refused with the file named, or an agent
 * whose saved bytes load back to an agent saving the same bytes. */
static void as_agent(const nn_params *ps, const nn_meta *m)
{
    halo_err err;
    halo_err_clear(&err);
    xagent_sppo *x = xagent_sppo_from(ps, m, "fuzz.safetensors", &err);
    if (!x) {
        if (strncmp(err.msg, "fuzz.safetensors", 16) != 0) abort();
        return;
    }
    char path[] = "/tmp/halo-fuzz-sppo-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) abort();
    close(fd);
    if (xagent_sppo_save(x, path, &err) != 0) abort();
    xagent_sppo *y = xagent_sppo_load(path, &err);
    if (!y) abort();
    size_t n1, n2;
    char *b1 = halo_read_file(path, &n1, &err, NULL, 0);
    if (!b1 || xagent_sppo_save(y, path, &err) != 0) abort();
    char *b2 = halo_read_file(path, &n2, &err, NULL, 0);
    if (!b2 || n1 != n2 || memcmp(b1, b2, n1) != 0) abort();
    free(b1);
    free(b2);
    unlink(path);
    xagent_sppo_free(x);
    xagent_sppo_free(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_params a, b;
    nn_meta ma = {NULL, NULL, 0}, mb = {NULL, NULL, 0};
    nn_params_init(&a);
    nn_params_init(&b);
    halo_err err;
    halo_err_clear(&err);
    if (nn_safetensors_parse(data, size, "fuzz.safetensors", &a, &ma, &err) != 0) {
        if (strncmp(err.msg, "fuzz.safetensors: ", 18) != 0) abort();
    } else {
        unsigned char *d1, *d2;
        size_t n1, n2;
        nn_safetensors_encode(&a, &ma, &d1, &n1);
        if (nn_safetensors_parse(d1, n1, "again", &b, &mb, &err) != 0) abort();
        same(&a, &ma, &b, &mb);
        nn_safetensors_encode(&b, &mb, &d2, &n2);
        if (n1 != n2 || memcmp(d1, d2, n1) != 0) abort();
        free(d1);
        free(d2);
        as_agent(&a, &ma);
    }
    nn_params_free(&a);
    nn_params_free(&b);
    nn_meta_free(&ma);
    nn_meta_free(&mb);
    return 0;
}
