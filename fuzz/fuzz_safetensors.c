/*
 * fuzz_safetensors.c -- libFuzzer harness of the safetensors reader.
 *
 * Any input must give tensors or an error naming the file.  What halo
 * reads it must write, read back to the same names, shapes, values (bit
 * for bit) and metadata, and write again to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    }
    nn_params_free(&a);
    nn_params_free(&b);
    nn_meta_free(&ma);
    nn_meta_free(&mb);
    return 0;
}
