/*
 * nn_safetensors.c -- reading and writing safetensors files with cJSON
 * (see nn_safetensors.h).
 */
#include "nn_safetensors.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/strutil.h"

void nn_meta_set(nn_meta *m, const char *key, const char *value)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->key[i], key) == 0) {
            free(m->value[i]);
            m->value[i] = su_strdup(value);
            return;
        }
    m->key = realloc(m->key, (size_t)(m->n + 1) * sizeof *m->key);
    m->value = realloc(m->value, (size_t)(m->n + 1) * sizeof *m->value);
    if (!m->key || !m->value) abort();
    m->key[m->n] = su_strdup(key);
    m->value[m->n++] = su_strdup(value);
}

const char *nn_meta_get(const nn_meta *m, const char *key)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->key[i], key) == 0) return m->value[i];
    return NULL;
}

void nn_meta_free(nn_meta *m)
{
    for (int i = 0; i < m->n; i++) {
        free(m->key[i]);
        free(m->value[i]);
    }
    free(m->key);
    free(m->value);
    memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------- write */

static void put_le32(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(u >> (8 * i));
}

static char *header_json(const nn_params *ps, const nn_meta *meta)
{
    cJSON *root = cJSON_CreateObject();
    if (meta && meta->n > 0) {
        cJSON *md = cJSON_AddObjectToObject(root, "__metadata__");
        for (int i = 0; i < meta->n; i++) cJSON_AddStringToObject(md, meta->key[i], meta->value[i]);
    }
    size_t off = 0;
    for (int k = 0; k < ps->n; k++) {
        const nn_param *p = ps->p[k];
        cJSON *t = cJSON_AddObjectToObject(root, p->name);
        cJSON_AddStringToObject(t, "dtype", "F32");
        cJSON *shape = cJSON_AddArrayToObject(t, "shape");
        for (int d = 0; d < p->ndim; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber(p->shape[d]));
        cJSON *offs = cJSON_AddArrayToObject(t, "data_offsets");
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
        off += p->n * 4;
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

void nn_safetensors_encode(const nn_params *ps, const nn_meta *meta, unsigned char **out, size_t *len)
{
    char *json = header_json(ps, meta);
    if (!json) abort();
    size_t hlen = strlen(json), padded = (hlen + 7) / 8 * 8, data = 4 * nn_params_count(ps);
    size_t total = 8 + padded + data;
    unsigned char *buf = halo_xcalloc(total, 1);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    memcpy(buf + 8, json, hlen);
    memset(buf + 8 + hlen, ' ', padded - hlen);
    unsigned char *q = buf + 8 + padded;
    for (int k = 0; k < ps->n; k++)
        for (size_t i = 0; i < ps->p[k]->n; i++, q += 4) put_le32(q, ps->p[k]->w[i]);
    free(json);
    *out = buf;
    *len = total;
}

int nn_safetensors_write(const char *path, const nn_params *ps, const nn_meta *meta, halo_err *err)
{
    unsigned char *buf;
    size_t len;
    nn_safetensors_encode(ps, meta, &buf, &len);
    int rc = halo_write_atomic(path, (const char *)buf, len, err);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------- read */

static int bad(halo_err *err, const char *source, const char *why)
{
    return halo_err_set(err, HALO_E_NN_FORMAT, NULL, 0, source, why);
}

/* A non-negative integer that fits what it counts. */
static int get_count(const cJSON *v, double max, size_t *out)
{
    if (!cJSON_IsNumber(v)) return -1;
    double d = v->valuedouble;
    if (!(d >= 0 && d <= max) || d != (double)(size_t)d) return -1;
    *out = (size_t)d;
    return 0;
}

/* ---------------------------------------------------------------- dtypes */

/* A little-endian unsigned integer of n bytes. */
static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t u = 0;
    for (int i = 0; i < n; i++) u |= (uint64_t)p[i] << (8 * i);
    return u;
}

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* IEEE binary16 to binary32, bit exact: every half is a float; subnormal
 * halves become normal floats, infinities stay infinite, NaNs keep their
 * sign and payload (shifted into the top of the float's mantissa). */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    if (exp == 0x1f) return from_bits(sign | 0x7f800000u | mant << 13);
    if (exp != 0) return from_bits(sign | (exp + 112) << 23 | mant << 13);
    if (mant == 0) return from_bits(sign);
    uint32_t e = 113;   /* mant * 2^-24: shift the leading 1 to the implicit bit */
    while (!(mant & 0x400u)) {
        mant <<= 1;
        e--;
    }
    return from_bits(sign | e << 23 | (mant & 0x3ffu) << 13);
}

/* binary64 to binary32, rounded to nearest even; past FLT_MAX's rounding
 * range it is infinite (said outright, not left to the conversion). */
static float double_to_float(double d)
{
    if (isfinite(d) && fabs(d) >= 0x1.ffffffp+127) return d > 0 ? INFINITY : -INFINITY;
    return (float)d;
}

/* The dtypes read (safetensors' names): their element size and how one
 * becomes a float. */
typedef enum {
    DT_F16, DT_BF16, DT_F32, DT_F64, DT_I8, DT_I16, DT_I32, DT_I64, DT_U8, DT_U16, DT_U32, DT_U64, DT_BOOL
} dt_kind;

static const struct dtype_info {
    const char *name;
    dt_kind kind;
    int size;
} dtypes[] = {
    {"F32", DT_F32, 4},  {"F16", DT_F16, 2},  {"BF16", DT_BF16, 2}, {"F64", DT_F64, 8},   {"I64", DT_I64, 8},
    {"I32", DT_I32, 4},  {"I16", DT_I16, 2},  {"I8", DT_I8, 1},     {"U8", DT_U8, 1},     {"U16", DT_U16, 2},
    {"U32", DT_U32, 4},  {"U64", DT_U64, 8},  {"BOOL", DT_BOOL, 1},
};

static const struct dtype_info *find_dtype(const char *name)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(dtypes[i].name, name) == 0) return &dtypes[i];
    return NULL;
}

/* One element at p as a float. */
static float get_value(const struct dtype_info *dt, const unsigned char *p)
{
    uint64_t u = get_le(p, dt->size);
    switch (dt->kind) {
    case DT_F16: return half_to_float((uint16_t)u);
    case DT_BF16: return from_bits((uint32_t)u << 16);
    case DT_F32: return from_bits((uint32_t)u);
    case DT_F64: {
        double d;
        memcpy(&d, &u, 8);
        return double_to_float(d);
    }
    case DT_I8: return (float)(int8_t)(uint8_t)u;
    case DT_I16: return (float)(int16_t)(uint16_t)u;
    case DT_I32: return (float)(int32_t)(uint32_t)u;
    case DT_I64: return (float)(int64_t)u;
    case DT_U8:
    case DT_U16:
    case DT_U32:
    case DT_U64:
    case DT_BOOL: return (float)u;
    }
    return 0;
}

typedef struct span {
    size_t b, e;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->b < y->b ? -1 : x->b > y->b;
}

static int read_tensor(const cJSON *t, const unsigned char *data, size_t dlen, const char *source, nn_params *ps,
                       span *sp, halo_err *err)
{
    char why[300];
    if (halo_err_check_name(err, source, 0, "tensor", t->string, 0)) return err->id;
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(t, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
    if (!cJSON_IsObject(t) || !cJSON_IsString(dtype) || !cJSON_IsArray(shape) || !cJSON_IsArray(offs) ||
        cJSON_GetArraySize(offs) != 2) {
        snprintf(why, sizeof why, "tensor \"%.100s\" lacks dtype, shape or data_offsets [begin, end]", t->string);
        return bad(err, source, why);
    }
    const struct dtype_info *dt = find_dtype(dtype->valuestring);
    if (!dt) return halo_err_set(err, HALO_E_NN_DTYPE, NULL, 0, source, t->string, dtype->valuestring);
    int ndim = cJSON_GetArraySize(shape), dims[NN_MAXDIM];
    if (ndim > NN_MAXDIM) {
        snprintf(why, sizeof why, "tensor \"%.100s\" has %d dimensions; halo handles up to %d", t->string, ndim,
                 NN_MAXDIM);
        return bad(err, source, why);
    }
    size_t count = 1;
    for (int d = 0; d < ndim; d++) {
        size_t v;
        if (get_count(cJSON_GetArrayItem(shape, d), 2147483647.0, &v) != 0) {
            snprintf(why, sizeof why, "tensor \"%.100s\": shape entry %d is not a size", t->string, d);
            return bad(err, source, why);
        }
        dims[d] = (int)v;
        if (v != 0 && count > ((size_t)1 << 40) / v) count = (size_t)1 << 41;   /* too big: caught below */
        else count *= v;
    }
    size_t b, e;
    if (get_count(cJSON_GetArrayItem(offs, 0), (double)dlen, &b) != 0 ||
        get_count(cJSON_GetArrayItem(offs, 1), (double)dlen, &e) != 0 || e < b) {
        snprintf(why, sizeof why, "tensor \"%.100s\": data_offsets outside the %zu data bytes", t->string, dlen);
        return bad(err, source, why);
    }
    /* divided, not multiplied: no count * size can overflow */
    size_t es = (size_t)dt->size;
    if ((e - b) % es != 0 || (e - b) / es != count) {
        snprintf(why, sizeof why, "tensor \"%.100s\": %zu bytes for a shape of %zu %s values", t->string, e - b,
                 count, dt->name);
        return bad(err, source, why);
    }
    if (dt->kind == DT_BOOL)
        for (size_t i = 0; i < count; i++)
            if (data[b + i] > 1) {
                snprintf(why, sizeof why, "tensor \"%.100s\": BOOL value %zu is byte %u, not 0 or 1", t->string, i,
                         data[b + i]);
                return bad(err, source, why);
            }
    int shp[NN_MAXDIM] = {1, 1, 1, 1};
    for (int d = 0; d < ndim; d++) shp[d] = dims[d];
    nn_param *p = nn_params_add(ps, t->string, ndim > 0 ? ndim : 1, shp);
    if (!p) {
        snprintf(why, sizeof why, "tensor \"%.100s\" appears twice", t->string);
        return bad(err, source, why);
    }
    for (size_t i = 0; i < count; i++) p->w[i] = get_value(dt, data + b + es * i);
    sp->b = b;
    sp->e = e;
    return 0;
}

static int read_meta(const cJSON *md, const char *source, nn_meta *meta, halo_err *err)
{
    if (!cJSON_IsObject(md)) return bad(err, source, "__metadata__ is not an object");
    for (const cJSON *kv = md->child; kv; kv = kv->next) {
        if (!cJSON_IsString(kv)) return bad(err, source, "a __metadata__ value is not a string");
        if (meta) nn_meta_set(meta, kv->string, kv->valuestring);
    }
    return 0;
}

/* Tensors may not overlap (the format's own rule). */
static int check_spans(span *sp, int n, const char *source, halo_err *err)
{
    qsort(sp, (size_t)n, sizeof *sp, span_cmp);
    for (int i = 1; i < n; i++)
        if (sp[i].b < sp[i - 1].e) return bad(err, source, "two tensors' data overlap");
    return 0;
}

int nn_safetensors_parse(const unsigned char *buf, size_t len, const char *source, nn_params *ps, nn_meta *meta,
                         halo_err *err)
{
    if (len < 8) return bad(err, source, "shorter than its 8-byte header length");
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++) hlen |= (uint64_t)buf[i] << (8 * i);
    if (hlen > len - 8) return bad(err, source, "the header length runs past the end of the file");
    char *json = halo_xcalloc((size_t)hlen + 1, 1);
    memcpy(json, buf + 8, (size_t)hlen);
    cJSON *root = cJSON_Parse(json);
    free(json);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return bad(err, source, "the header is not a JSON object");
    }
    const unsigned char *data = buf + 8 + hlen;
    size_t dlen = len - 8 - (size_t)hlen;
    int n = cJSON_GetArraySize(root), k = 0, rc = 0;
    span *sp = halo_xcalloc((size_t)n + 1, sizeof *sp);
    for (const cJSON *t = root->child; t && rc == 0; t = t->next) {
        if (strcmp(t->string, "__metadata__") == 0) rc = read_meta(t, source, meta, err);
        else rc = read_tensor(t, data, dlen, source, ps, &sp[k++], err);
    }
    if (rc == 0) rc = check_spans(sp, k, source, err);
    free(sp);
    cJSON_Delete(root);
    return rc;
}

int nn_safetensors_read(const char *path, nn_params *ps, nn_meta *meta, halo_err *err)
{
    size_t len;
    char *buf = halo_read_file_max(path, &len, HALO_MAX_DATA_BYTES, err, NULL, 0);
    if (!buf) return -1;
    int rc = nn_safetensors_parse((const unsigned char *)buf, len, path, ps, meta, err);
    free(buf);
    return rc;
}
