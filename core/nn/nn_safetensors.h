/*
 * nn_safetensors.h -- model files in the safetensors format, so weights
 * move to and from PyTorch unchanged.
 *
 * The format: an 8-byte little-endian header length N, N bytes of JSON
 * ({"NAME": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]},
 * ..., "__metadata__": {"key": "string value", ...}}), then the raw
 * little-endian data, offsets relative to its start.  halo writes F32
 * tensors in parameter order, the header padded with spaces to a multiple
 * of 8 bytes, and records the model's architecture in the metadata.  The
 * reader checks everything a hostile file could get wrong (lengths,
 * offsets out of range or overlapping, shapes that disagree with their
 * byte count, duplicate names) and names the problem.
 */
#ifndef HALO_NN_SAFETENSORS_H
#define HALO_NN_SAFETENSORS_H

#include <stddef.h>

#include "base/halo_err.h"
#include "nn.h"

typedef struct nn_meta {
    char **key, **value;
    int n;
} nn_meta;

void nn_meta_set(nn_meta *m, const char *key, const char *value);
const char *nn_meta_get(const nn_meta *m, const char *key);
void nn_meta_free(nn_meta *m);

/* The file's bytes (malloc'ed): every parameter's values, in order, and
 * the metadata. */
void nn_safetensors_encode(const nn_params *ps, const nn_meta *meta, unsigned char **out, size_t *len);
/* Write them, atomically. */
int nn_safetensors_write(const char *path, const nn_params *ps, const nn_meta *meta, halo_err *err);

/* Parse a file's bytes: every tensor becomes a parameter of ps (which
 * should be empty), the metadata goes into meta (may be NULL).  source
 * names the file in errors. */
int nn_safetensors_parse(const unsigned char *buf, size_t len, const char *source, nn_params *ps, nn_meta *meta,
                         halo_err *err);
int nn_safetensors_read(const char *path, nn_params *ps, nn_meta *meta, halo_err *err);

#endif
