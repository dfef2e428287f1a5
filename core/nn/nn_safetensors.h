/*
 * nn_safetensors.h -- model files in the safetensors format, so weights
 * move to and from PyTorch unchanged.
 *
 * The format: an 8-byte little-endian header length N, N bytes of JSON
 * ({"NAME": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]},
 * ..., "__metadata__": {"key": "string value", ...}}), then the raw
 * little-endian data, offsets relative to its start.  halo writes F32
 * tensors in parameter order, the header padded with spaces to a multiple
 * of 8 bytes, and records the model's architecture in the metadata.
 *
 * The reader takes the dtypes PyTorch files carry and converts every
 * value to float32 (halo holds nothing else): F32 as is; F16 (IEEE half)
 * and BF16 (the upper 16 bits of a float32) exactly, subnormals,
 * infinities and NaNs (sign and payload) included; F64 rounded to nearest,
 * beyond the float range to infinity; I8, I16, I32, I64, U8, U16, U32,
 * U64 to the nearest float (integers past 2^24 may round); BOOL (bytes 0
 * or 1 only) to 0 or 1.  Any other dtype (F8_E4M3, ...) is refused,
 * naming the file, tensor and dtype.  A 0-d tensor (shape []) becomes a
 * 1-element parameter of ndim 1, shape [1]; written back it is [1].  It
 * checks everything a hostile file could get wrong (lengths, offsets out
 * of range or overlapping, a byte count other than the shape's element
 * count times the dtype's size, duplicate names) and names the problem.
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
