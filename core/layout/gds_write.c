/*
 * gds_write.c -- GDSII stream output of the layout database (see gds.h).
 *
 * Owns: the real8 encoder, record emission, the children-first cell order,
 * and how rectangles, pins, labels and instances become GDS elements.
 * Everything is checked before the first byte is emitted, so emission
 * itself cannot fail and a failed write leaves no partial output.
 */
#include "gds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/strutil.h"

/* ---------------------------------------------------------------- numbers */

void gds_real8_encode(double v, unsigned char out[8])
{
    memset(out, 0, 8);
    if (v == 0 || !isfinite(v)) return;
    unsigned char sign = v < 0 ? 0x80 : 0;
    int p;
    double f = frexp(fabs(v), &p);            /* |v| = f * 2^p, f in [0.5, 1) */
    int q = p > 0 ? (p + 3) / 4 : -(-p / 4);  /* ceil(p / 4): |v| = (f 2^-r) 16^q */
    int r = 4 * q - p;                        /* 0..3, so f 2^-r is in [1/16, 1) */
    /* f has 53 significant bits and 56 - r >= 53: the fraction is exact */
    uint64_t m = (uint64_t)ldexp(f, 56 - r);
    int e = q + 64;
    if (e > 127) {
        e = 127;
        m = (UINT64_C(1) << 56) - 1;
    } else if (e < 0) {
        m = -e >= 14 ? 0 : m >> (4 * -e);     /* below the smallest normal: denormalise */
        e = 0;
    }
    out[0] = (unsigned char)(sign | e);
    for (int i = 7; i >= 1; i--, m >>= 8) out[i] = (unsigned char)(m & 0xff);
}

/* ---------------------------------------------------------------- records */

static void put_header(su_buf *b, size_t datalen, int type, int dtype)
{
    size_t n = datalen + 4;
    char h[4] = {(char)(n >> 8), (char)(n & 0xff), (char)type, (char)dtype};
    su_buf_addn(b, h, 4);
}

static void put_empty(su_buf *b, int type)
{
    put_header(b, 0, type, GDS_NODATA);
}

static void put_int16s(su_buf *b, int type, int dtype, const int *v, int n)
{
    put_header(b, (size_t)n * 2, type, dtype);
    for (int i = 0; i < n; i++) {
        char d[2] = {(char)((v[i] >> 8) & 0xff), (char)(v[i] & 0xff)};
        su_buf_addn(b, d, 2);
    }
}

static void put_int16(su_buf *b, int type, int v)
{
    put_int16s(b, type, GDS_INT16, &v, 1);
}

static void put_int32s(su_buf *b, int type, const int32_t *v, int n)
{
    put_header(b, (size_t)n * 4, type, GDS_INT32);
    for (int i = 0; i < n; i++) {
        uint32_t u = (uint32_t)v[i];
        char d[4] = {(char)(u >> 24), (char)((u >> 16) & 0xff), (char)((u >> 8) & 0xff), (char)(u & 0xff)};
        su_buf_addn(b, d, 4);
    }
}

static void put_real8s(su_buf *b, int type, const double *v, int n)
{
    put_header(b, (size_t)n * 8, type, GDS_REAL8);
    for (int i = 0; i < n; i++) {
        unsigned char d[8];
        gds_real8_encode(v[i], d);
        su_buf_addn(b, (const char *)d, 8);
    }
}

/* Strings are padded with a NUL to an even length (GDS records are whole
 * 16-bit words).  Lengths were checked by check_string. */
static void put_string(su_buf *b, int type, const char *s)
{
    size_t n = strlen(s), padded = n + (n & 1);
    put_header(b, padded, type, GDS_ASCII);
    su_buf_addn(b, s, n);
    if (padded != n) su_buf_addn(b, "", 1);
}

static void put_property(su_buf *b, int attr, const char *value)
{
    put_int16(b, GDS_PROPATTR, attr);
    put_string(b, GDS_PROPVALUE, value);
}

/* BGNLIB and BGNSTR carry modification and access times; a fixed date
 * keeps the output a function of the library alone. */
static void put_timestamp(su_buf *b, int type)
{
    static const int when[12] = {2000, 1, 1, 0, 0, 0, 2000, 1, 1, 0, 0, 0};
    put_int16s(b, type, GDS_INT16, when, 12);
}

/* ---------------------------------------------------------------- elements */

static int has_purpose(int datatype)
{
    return datatype >= 0 && datatype <= 0xffff;
}

/* A pin shape needs a datatype the reader can tell from drawing: the pin
 * purpose when the layer has a distinct one, else drawing plus the
 * GDS_PROP_PIN property. */
static int pin_datatype_distinct(const lay_layer *l)
{
    return has_purpose(l->pin_datatype) && l->pin_datatype != l->gds_datatype;
}

/* Texts go on the label purpose; a layer without one takes them on its
 * drawing datatype, where the reader still finds them by layer. */
static int text_datatype(const lay_layer *l)
{
    return has_purpose(l->label_datatype) ? l->label_datatype : l->gds_datatype;
}

static void put_box_xy(su_buf *b, lay_box box)
{
    const int32_t xy[10] = {box.x0, box.y0, box.x1, box.y0, box.x1, box.y1, box.x0, box.y1, box.x0, box.y0};
    put_int32s(b, GDS_XY, xy, 10);
}

/* One BOUNDARY; prop_attr 0 for none. */
static void put_boundary(su_buf *b, int layer, int datatype, lay_box box, int prop_attr, const char *prop_value)
{
    put_empty(b, GDS_BOUNDARY);
    put_int16(b, GDS_LAYER, layer);
    put_int16(b, GDS_DATATYPE, datatype);
    put_box_xy(b, box);
    if (prop_attr) put_property(b, prop_attr, prop_value);
    put_empty(b, GDS_ENDEL);
}

static void put_text(su_buf *b, int layer, int texttype, int32_t x, int32_t y, const char *s)
{
    const int32_t xy[2] = {x, y};
    put_empty(b, GDS_TEXT);
    put_int16(b, GDS_LAYER, layer);
    put_int16(b, GDS_TEXTTYPE, texttype);
    put_int32s(b, GDS_XY, xy, 2);
    put_string(b, GDS_STRING, s);
    put_empty(b, GDS_ENDEL);
}

static void put_rect(su_buf *b, const lay_lib *lib, const lay_cell *c, const lay_rect *r)
{
    const lay_layer *l = &lib->layers[r->layer];
    const char *net = lay_net_name(c, r->net);
    put_boundary(b, l->gds_layer, l->gds_datatype, r->box, net ? GDS_PROP_NET : 0, net);
}

/* The pin shape, then its name at the box centre: the centre lies inside
 * the box, which is what the reader pairs on. */
static void put_pin(su_buf *b, const lay_lib *lib, const lay_pin *p)
{
    const lay_layer *l = &lib->layers[p->layer];
    if (pin_datatype_distinct(l))
        put_boundary(b, l->gds_layer, l->pin_datatype, p->box, 0, NULL);
    else
        put_boundary(b, l->gds_layer, l->gds_datatype, p->box, GDS_PROP_PIN, "pin");
    int32_t cx = (int32_t)(((int64_t)p->box.x0 + p->box.x1) / 2);
    int32_t cy = (int32_t)(((int64_t)p->box.y0 + p->box.y1) / 2);
    put_text(b, l->gds_layer, text_datatype(l), cx, cy, p->name);
}

static void put_label(su_buf *b, const lay_lib *lib, const lay_label *t)
{
    const lay_layer *l = &lib->layers[t->layer];
    put_text(b, l->gds_layer, text_datatype(l), t->x, t->y, t->text);
}

static void put_sref(su_buf *b, const lay_lib *lib, const lay_inst *in)
{
    int reflect, angle;
    lay_orient_to_gds(in->orient, &reflect, &angle);
    put_empty(b, GDS_SREF);
    put_string(b, GDS_SNAME, lib->cells[in->cell]->name);
    if (reflect || angle) {
        int strans = reflect ? 0x8000 : 0;
        put_int16s(b, GDS_STRANS, GDS_BITS, &strans, 1);
    }
    if (angle) {
        double a = angle;
        put_real8s(b, GDS_ANGLE, &a, 1);
    }
    const int32_t xy[2] = {in->x, in->y};
    put_int32s(b, GDS_XY, xy, 2);
    /* always written, even when empty, so the reader does not invent one */
    put_property(b, GDS_PROP_INSTNAME, in->name);
    put_empty(b, GDS_ENDEL);
}

static void put_cell(su_buf *b, const lay_lib *lib, const lay_cell *c)
{
    put_timestamp(b, GDS_BGNSTR);
    put_string(b, GDS_STRNAME, c->name);
    for (int i = 0; i < c->nrects; i++) put_rect(b, lib, c, &c->rects[i]);
    for (int i = 0; i < c->npins; i++) put_pin(b, lib, &c->pins[i]);
    for (int i = 0; i < c->nlabels; i++) put_label(b, lib, &c->labels[i]);
    for (int i = 0; i < c->ninsts; i++) put_sref(b, lib, &c->insts[i]);
    put_empty(b, GDS_ENDSTR);
}

/* ---------------------------------------------------------------- checks */

static int check_string(const char *what, const char *cell, const char *s, halo_err *err)
{
    size_t n = strlen(s);
    if (n <= GDS_MAX_STRING) return 0;
    char text[256];
    snprintf(text, sizeof text, "Cell %.80s: %s of %zu bytes is longer than a GDS record holds (%d)", cell,
             what, n, GDS_MAX_STRING);
    return halo_err_set(err, HALO_E_GDS_FORMAT, NULL, 0, text);
}

static int check_layer(const lay_lib *lib, const lay_cell *c, int layer, halo_err *err)
{
    char text[256];
    if (layer < 0 || layer >= lib->nlayers) {
        snprintf(text, sizeof text, "Cell %.80s uses layer index %d, but the library has %d layers.", c->name,
                 layer, lib->nlayers);
        return halo_err_set(err, HALO_E_GDS_LAYER, NULL, 0, text);
    }
    const lay_layer *l = &lib->layers[layer];
    if (has_purpose(l->gds_layer) && has_purpose(l->gds_datatype)) return 0;
    snprintf(text, sizeof text, "Cell %.80s: layer %s has no GDS layer/datatype (%d/%d); GDS needs 0..65535.",
             c->name, l->name, l->gds_layer, l->gds_datatype);
    return halo_err_set(err, HALO_E_GDS_LAYER, NULL, 0, text);
}

static int check_cell(const lay_lib *lib, const lay_cell *c, halo_err *err)
{
    int rc = check_string("the cell name", c->name, c->name, err);
    for (int i = 0; !rc && i < c->nrects; i++) {
        const char *net = lay_net_name(c, c->rects[i].net);
        rc = check_layer(lib, c, c->rects[i].layer, err);
        if (!rc && net) rc = check_string("a net name", c->name, net, err);
    }
    for (int i = 0; !rc && i < c->npins; i++) {
        rc = check_layer(lib, c, c->pins[i].layer, err);
        if (!rc) rc = check_string("a pin name", c->name, c->pins[i].name, err);
    }
    for (int i = 0; !rc && i < c->nlabels; i++) {
        rc = check_layer(lib, c, c->labels[i].layer, err);
        if (!rc) rc = check_string("a label", c->name, c->labels[i].text, err);
    }
    for (int i = 0; !rc && i < c->ninsts; i++) rc = check_string("an instance name", c->name, c->insts[i].name, err);
    return rc;
}

/* ---------------------------------------------------------------- order */

/* Depth-first post-order from `start`: children before parents, each cell
 * once.  Iterative, so a deep hierarchy cannot exhaust the C stack. */
static void visit_children_first(const lay_lib *lib, int start, char *seen, int *stack, int *next, int *order,
                                 int *n)
{
    int sp = 0;
    seen[start] = 1;
    stack[sp] = start;
    next[sp++] = 0;
    while (sp > 0) {
        const lay_cell *c = lib->cells[stack[sp - 1]];
        if (next[sp - 1] < c->ninsts) {
            int child = c->insts[next[sp - 1]++].cell;
            if (seen[child]) continue;
            seen[child] = 1;
            stack[sp] = child;
            next[sp++] = 0;
        } else {
            order[(*n)++] = stack[--sp];
        }
    }
}

/* Cells to write, children first; -1 with err set when a top is bad. */
static int write_order(const lay_lib *lib, const int *tops, int ntops, int *order, halo_err *err)
{
    size_t cells = (size_t)lib->ncells + 1;
    char *seen = halo_xcalloc(cells, 1);
    int *stack = halo_xmalloc(cells * sizeof *stack), *next = halo_xmalloc(cells * sizeof *next);
    int n = 0;
    for (int i = 0; i < (ntops > 0 ? ntops : lib->ncells); i++) {
        int top = ntops > 0 ? tops[i] : i;
        if (top < 0 || top >= lib->ncells) {
            char text[128];
            snprintf(text, sizeof text, "No cell with index %d to write: the library has %d cells.", top,
                     lib->ncells);
            halo_err_set(err, HALO_E_GDS_NOCELL, NULL, 0, text);
            n = -1;
            break;
        }
        if (!seen[top]) visit_children_first(lib, top, seen, stack, next, order, &n);
    }
    free(seen);
    free(stack);
    free(next);
    return n;
}

/* ---------------------------------------------------------------- library */

int gds_write_mem(const lay_lib *lib, const int *tops, int ntops, unsigned char **out, size_t *len,
                  halo_err *err)
{
    int *order = halo_xmalloc(((size_t)lib->ncells + 1) * sizeof *order);
    int n = write_order(lib, tops, ntops, order, err);
    int rc = n < 0 ? HALO_E_GDS_NOCELL : 0;
    if (!rc && strlen(lib->name) > GDS_MAX_STRING)
        rc = halo_err_set(err, HALO_E_GDS_FORMAT, NULL, 0, "The library name is longer than a GDS record holds");
    for (int i = 0; !rc && i < n; i++) rc = check_cell(lib, lib->cells[order[i]], err);
    if (rc) {
        free(order);
        return rc;
    }
    su_buf b = {0};
    put_int16(&b, GDS_HEADER, 600);
    put_timestamp(&b, GDS_BGNLIB);
    put_string(&b, GDS_LIBNAME, lib->name);
    /* user unit 1 um and database unit 1 nm, both per database unit */
    const double units[2] = {1e-3, 1e-9};
    put_real8s(&b, GDS_UNITS, units, 2);
    for (int i = 0; i < n; i++) put_cell(&b, lib, lib->cells[order[i]]);
    put_empty(&b, GDS_ENDLIB);
    free(order);
    *out = (unsigned char *)b.s;
    *len = b.len;
    return 0;
}

int gds_write_file(const lay_lib *lib, const int *tops, int ntops, const char *path, halo_err *err)
{
    unsigned char *data;
    size_t len;
    int rc = gds_write_mem(lib, tops, ntops, &data, &len, err);
    if (rc) return rc;
    rc = halo_write_atomic(path, (const char *)data, len, err);
    free(data);
    return rc;
}
