/*
 * gds_read.c -- GDSII stream input into the layout database (see gds.h).
 *
 * Owns: record framing with strict length and type checks, the library /
 * structure / element grammar, unit scaling to nanometres, the cutting of
 * Manhattan polygons and paths into rectangles, the pairing of TEXTs with
 * pin shapes, AREF expansion, forward references and the hierarchy check.
 *
 * Hostile input: every count comes from the bytes actually present, and
 * the two things that can multiply (AREF elements, polygon cutting and
 * text-to-pin pairing work) draw on budgets proportional to the file size,
 * so a small file cannot make the reader allocate or loop without bound.
 * Instances are held back until the whole file is read: then the
 * hierarchy is checked for cycles and depth in linear time, and the
 * instances are added parents first, which keeps lay_inst_add's own cycle
 * search trivial (the child has no instances yet).
 */
#include "gds.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/strutil.h"

/* Deeper hierarchies are refused: real layouts stay below a few dozen
 * levels, and the recursive walks of layout.c must not exhaust the stack. */
#define GDS_MAX_DEPTH 1000

/* ---------------------------------------------------------------- vocabulary */

static const char *const record_names[GDS_NRECORDS] = {
    "HEADER", "BGNLIB", "LIBNAME", "UNITS", "ENDLIB", "BGNSTR", "STRNAME", "ENDSTR", "BOUNDARY", "PATH",
    "SREF", "AREF", "TEXT", "LAYER", "DATATYPE", "WIDTH", "XY", "ENDEL", "SNAME", "COLROW", "TEXTNODE",
    "NODE", "TEXTTYPE", "PRESENTATION", "SPACING", "STRING", "STRANS", "MAG", "ANGLE", "UINTEGER",
    "USTRING", "REFLIBS", "FONTS", "PATHTYPE", "GENERATIONS", "ATTRTABLE", "STYPTABLE", "STRTYPE",
    "ELFLAGS", "ELKEY", "LINKTYPE", "LINKKEYS", "NODETYPE", "PROPATTR", "PROPVALUE", "BOX", "BOXTYPE",
    "PLEX", "BGNEXTN", "ENDEXTN", "TAPENUM", "TAPECODE", "STRCLASS", "RESERVED", "FORMAT", "MASK",
    "ENDMASKS", "LIBDIRSIZE", "SRFNAME", "LIBSECUR",
};

const char *gds_record_name(int type)
{
    return type >= 0 && type < GDS_NRECORDS ? record_names[type] : "unknown record";
}

/* Expected data type and size of each record's data: size > 0 exactly
 * that many bytes, size < 0 a nonzero multiple of -size, SIZE_ANY for
 * strings and records halo does not look into. */
#define SIZE_ANY 0x7fff
#define DTYPE_ANY (-1)
static const struct {
    signed char dtype;
    short size;
} record_shape[GDS_NRECORDS] = {
    [GDS_HEADER] = {GDS_INT16, 2},       [GDS_BGNLIB] = {GDS_INT16, 24},
    [GDS_LIBNAME] = {GDS_ASCII, SIZE_ANY}, [GDS_UNITS] = {GDS_REAL8, 16},
    [GDS_ENDLIB] = {GDS_NODATA, 0},      [GDS_BGNSTR] = {GDS_INT16, 24},
    [GDS_STRNAME] = {GDS_ASCII, SIZE_ANY}, [GDS_ENDSTR] = {GDS_NODATA, 0},
    [GDS_BOUNDARY] = {GDS_NODATA, 0},    [GDS_PATH] = {GDS_NODATA, 0},
    [GDS_SREF] = {GDS_NODATA, 0},        [GDS_AREF] = {GDS_NODATA, 0},
    [GDS_TEXT] = {GDS_NODATA, 0},        [GDS_LAYER] = {GDS_INT16, 2},
    [GDS_DATATYPE] = {GDS_INT16, 2},     [GDS_WIDTH] = {GDS_INT32, 4},
    [GDS_XY] = {GDS_INT32, -8},          [GDS_ENDEL] = {GDS_NODATA, 0},
    [GDS_SNAME] = {GDS_ASCII, SIZE_ANY}, [GDS_COLROW] = {GDS_INT16, 4},
    [GDS_TEXTNODE] = {GDS_NODATA, 0},    [GDS_NODE] = {GDS_NODATA, 0},
    [GDS_TEXTTYPE] = {GDS_INT16, 2},     [GDS_PRESENTATION] = {GDS_BITS, 2},
    [GDS_SPACING] = {DTYPE_ANY, SIZE_ANY}, [GDS_STRING] = {GDS_ASCII, SIZE_ANY},
    [GDS_STRANS] = {GDS_BITS, 2},        [GDS_MAG] = {GDS_REAL8, 8},
    [GDS_ANGLE] = {GDS_REAL8, 8},        [GDS_UINTEGER] = {DTYPE_ANY, SIZE_ANY},
    [GDS_USTRING] = {DTYPE_ANY, SIZE_ANY}, [GDS_REFLIBS] = {GDS_ASCII, SIZE_ANY},
    [GDS_FONTS] = {GDS_ASCII, SIZE_ANY}, [GDS_PATHTYPE] = {GDS_INT16, 2},
    [GDS_GENERATIONS] = {GDS_INT16, 2},  [GDS_ATTRTABLE] = {GDS_ASCII, SIZE_ANY},
    [GDS_STYPTABLE] = {DTYPE_ANY, SIZE_ANY}, [GDS_STRTYPE] = {DTYPE_ANY, SIZE_ANY},
    [GDS_ELFLAGS] = {GDS_BITS, 2},       [GDS_ELKEY] = {DTYPE_ANY, SIZE_ANY},
    [GDS_LINKTYPE] = {DTYPE_ANY, SIZE_ANY}, [GDS_LINKKEYS] = {DTYPE_ANY, SIZE_ANY},
    [GDS_NODETYPE] = {GDS_INT16, 2},     [GDS_PROPATTR] = {GDS_INT16, 2},
    [GDS_PROPVALUE] = {GDS_ASCII, SIZE_ANY}, [GDS_BOX] = {GDS_NODATA, 0},
    [GDS_BOXTYPE] = {GDS_INT16, 2},      [GDS_PLEX] = {GDS_INT32, 4},
    [GDS_BGNEXTN] = {GDS_INT32, 4},      [GDS_ENDEXTN] = {GDS_INT32, 4},
    [GDS_TAPENUM] = {DTYPE_ANY, SIZE_ANY}, [GDS_TAPECODE] = {DTYPE_ANY, SIZE_ANY},
    [GDS_STRCLASS] = {DTYPE_ANY, SIZE_ANY}, [GDS_RESERVED] = {DTYPE_ANY, SIZE_ANY},
    [GDS_FORMAT] = {GDS_INT16, 2},       [GDS_MASK] = {GDS_ASCII, SIZE_ANY},
    [GDS_ENDMASKS] = {GDS_NODATA, 0},    [GDS_LIBDIRSIZE] = {GDS_INT16, 2},
    [GDS_SRFNAME] = {GDS_ASCII, SIZE_ANY}, [GDS_LIBSECUR] = {GDS_INT16, -6},
};

double gds_real8_decode(const unsigned char in[8])
{
    uint64_t m = 0;
    for (int i = 1; i < 8; i++) m = m << 8 | in[i];
    double v = ldexp((double)m, 4 * ((in[0] & 0x7f) - 64) - 56);
    return in[0] & 0x80 ? -v : v;
}

static int be16(const unsigned char *p)
{
    return (int16_t)(uint16_t)(p[0] << 8 | p[1]);
}

static int be16u(const unsigned char *p)
{
    return p[0] << 8 | p[1];
}

static int32_t be32(const unsigned char *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/* ---------------------------------------------------------------- state */

typedef struct grec {
    int type, dtype;
    const unsigned char *data;
    size_t len;                 /* data bytes, header excluded */
    size_t off;                 /* file offset of the record header */
} grec;

/* An instance held until the hierarchy is known to be acyclic. */
typedef struct pend_inst {
    int child;
    int32_t x, y;
    lay_orient o;
    char *name;
    int kind;                   /* GDS_SREF or GDS_AREF, for messages */
    size_t off;
} pend_inst;

typedef struct cell_info {
    int defined;                /* its BGNSTR has been read */
    size_t ref_off;             /* first reference, when not yet defined */
    int ref_from;               /* the cell holding that reference */
    pend_inst *insts;
    int ninsts, capinsts;
} cell_info;

/* A rectangle of a pin-purpose shape, waiting for a TEXT to name it. */
typedef struct pin_shape {
    lay_box box;
    int layer, net, named;
} pin_shape;

typedef struct gtext {
    char *s;
    int layer;
    int32_t x, y;
} gtext;

typedef struct greader {
    const unsigned char *data;
    size_t len, pos;
    const char *file;
    halo_err *err;
    lay_lib *lib;
    su_map layer_map;           /* "L/D" -> layer * 4 + purpose */
    int64_t scale;              /* nm per database unit; 0 until UNITS */
    int64_t work;               /* steps left for polygon cutting and pairing */
    int64_t items;              /* AREF elements and polygon pieces left */
    cell_info *info;
    int capinfo;
    int cur;                    /* cell being read */
    pin_shape *pins;
    int npins, cappins;
    gtext *texts;
    int ntexts, captexts;
} greader;

/* Everything an element's records say, gathered until ENDEL. */
typedef struct gelem {
    int kind;
    size_t off;
    int layer, dt;              /* dt: DATATYPE, TEXTTYPE, NODETYPE or BOXTYPE */
    int has_layer, has_dt;
    int32_t width;
    int pathtype;
    int32_t bgnextn, endextn;
    const unsigned char *xy;
    int nxy;                    /* points */
    char *sname, *string, *net, *instname;
    char *magic_name;           /* property 98: instance name from Magic before 2022 */
    int strans, has_strans;
    double mag, angle;
    int has_mag;
    int cols, rows, has_colrow;
    int pin_mark;               /* carries GDS_PROP_PIN */
    int propattr;               /* pending PROPATTR, -1 for none */
} gelem;

/* ---------------------------------------------------------------- errors */

static const char *cur_cell_name(const greader *r)
{
    return r->cur >= 0 ? r->lib->cells[r->cur]->name : "?";
}

static int vfail(greader *r, halo_msg_id id, size_t off, const char *fmt, va_list ap)
{
    char what[512], text[600];
    vsnprintf(what, sizeof what, fmt, ap);
    /* formats without a closing period ("%s") get one from the text */
    const halo_msg_info *mi = halo_msg_lookup(id);
    size_t fl = mi ? strlen(mi->format) : 0;
    snprintf(text, sizeof text, "offset %zu: %s%s", off, what, fl && mi->format[fl - 1] == '.' ? "" : ".");
    halo_err_set(r->err, id, r->file, 0, text);
    return -1;
}

static int fail(greader *r, halo_msg_id id, size_t off, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(greader *r, halo_msg_id id, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(r, id, off, fmt, ap);
    va_end(ap);
    return rc;
}

/* An error about an element: "BOUNDARY in cell X: what". */
static int elem_fail(greader *r, const gelem *e, halo_msg_id id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int elem_fail(greader *r, const gelem *e, halo_msg_id id, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return fail(r, id, e->off, "%s in cell %.100s: %s", gds_record_name(e->kind), cur_cell_name(r), what);
}

/* Spend n steps of a budget; nonzero (with err set) when it runs out. */
static int spend(greader *r, int64_t *budget, int64_t n, size_t off, const char *what)
{
    *budget -= n;
    if (*budget >= 0) return 0;
    return fail(r, HALO_E_GDS_UNSUPPORTED, off, "cell %.100s: %s is too large for a file of %zu bytes",
                cur_cell_name(r), what, r->len);
}

/* ---------------------------------------------------------------- records */

static int check_shape(greader *r, const grec *rec)
{
    int dtype = record_shape[rec->type].dtype, size = record_shape[rec->type].size;
    const char *name = gds_record_name(rec->type);
    if (dtype != DTYPE_ANY && rec->dtype != dtype)
        return fail(r, HALO_E_GDS_FORMAT, rec->off, "%s record has data type %d, expected %d", name, rec->dtype,
                    dtype);
    if (size == SIZE_ANY) return 0;
    if (size >= 0 && rec->len != (size_t)size)
        return fail(r, HALO_E_GDS_FORMAT, rec->off, "%s record holds %zu bytes of data, expected %d", name,
                    rec->len, size);
    if (size < 0 && (rec->len == 0 || rec->len % (size_t)-size != 0))
        return fail(r, HALO_E_GDS_FORMAT, rec->off, "%s record holds %zu bytes of data, not a multiple of %d",
                    name, rec->len, -size);
    return 0;
}

/* The next record, framed and checked against the file end. */
static int next_record(greader *r, grec *rec)
{
    if (r->len - r->pos < 4)
        return fail(r, HALO_E_GDS_FORMAT, r->pos,
                    r->pos == r->len ? "the file ends before ENDLIB (truncated file)"
                                     : "the file ends inside a record header (truncated file)");
    const unsigned char *h = r->data + r->pos;
    size_t n = (size_t)be16u(h);
    if (n < 4) return fail(r, HALO_E_GDS_FORMAT, r->pos, "record length %zu is shorter than its header", n);
    if (n & 1) return fail(r, HALO_E_GDS_FORMAT, r->pos, "odd record length %zu", n);
    if (n > r->len - r->pos)
        return fail(r, HALO_E_GDS_FORMAT, r->pos,
                    "%s record of %zu bytes runs past the end of the file (truncated file)", gds_record_name(h[2]), n);
    rec->type = h[2];
    rec->dtype = h[3];
    rec->data = h + 4;
    rec->len = n - 4;
    rec->off = r->pos;
    r->pos += n;
    if (rec->type >= GDS_NRECORDS) return fail(r, HALO_E_GDS_FORMAT, rec->off, "unknown record type 0x%02x", rec->type);
    return check_shape(r, rec);
}

/* String data up to its first NUL (the padding, or a stray one). */
static char *rec_string(const grec *rec)
{
    const char *s = (const char *)rec->data;
    return su_strndup(s, strnlen(s, rec->len));
}

/* ---------------------------------------------------------------- layers */

static void map_layer(su_map *m, int gds_layer, int datatype, int value)
{
    if (gds_layer < 0 || datatype < 0) return;
    char key[32];
    snprintf(key, sizeof key, "%d/%d", gds_layer, datatype);
    if (su_map_get(m, key) < 0) su_map_put(m, key, value);
}

/* The same answers as lay_layer_by_gds (first layer wins; drawing before
 * pin before label) in constant time. */
static void build_layer_map(greader *r)
{
    su_map_init(&r->layer_map, 0);
    for (int i = 0; i < r->lib->nlayers; i++) {
        const lay_layer *l = &r->lib->layers[i];
        map_layer(&r->layer_map, l->gds_layer, l->gds_datatype, i * 4);
        map_layer(&r->layer_map, l->gds_layer, l->pin_datatype, i * 4 + 1);
        map_layer(&r->layer_map, l->gds_layer, l->label_datatype, i * 4 + 2);
    }
}

/* Layout layer and purpose (0 drawing, 1 pin, 2 label) of a GDS pair; a
 * pair the table does not know becomes layer "gds_L_D" so no shape is lost. */
static int resolve_layer(greader *r, int gds_layer, int datatype, int *purpose)
{
    char key[32];
    snprintf(key, sizeof key, "%d/%d", gds_layer, datatype);
    int v = su_map_get(&r->layer_map, key);
    if (v >= 0) {
        *purpose = v & 3;
        return v >> 2;
    }
    char name[32];
    snprintf(name, sizeof name, "gds_%d_%d", gds_layer, datatype);
    int i = lay_layer_add(r->lib, name, gds_layer, datatype, -1, -1);
    su_map_put(&r->layer_map, key, i * 4);
    *purpose = 0;
    return i;
}

/* ---------------------------------------------------------------- cells */

static int new_cell(greader *r, const char *name)
{
    int c = lay_cell_new(r->lib, name);
    su_grow((void **)&r->info, &r->capinfo, c + 1, sizeof *r->info);
    memset(&r->info[c], 0, sizeof r->info[c]);
    r->info[c].ref_from = -1;
    return c;
}

/* The cell an SREF/AREF names, created empty on a forward reference. */
static int ref_cell(greader *r, const char *name, size_t off)
{
    int c = lay_cell_find(r->lib, name);
    if (c >= 0) return c;
    c = new_cell(r, name);
    r->info[c].ref_off = off;
    r->info[c].ref_from = r->cur;
    return c;
}

static void add_pending(greader *r, int child, int32_t x, int32_t y, lay_orient o, const char *name, const gelem *e)
{
    cell_info *ci = &r->info[r->cur];
    su_grow((void **)&ci->insts, &ci->capinsts, ci->ninsts + 1, sizeof *ci->insts);
    ci->insts[ci->ninsts++] = (pend_inst){child, x, y, o, su_strdup(name), e->kind, e->off};
}

/* A rectangle of a BOUNDARY or PATH.  Pin shapes wait for the cell's end,
 * where a TEXT may name them; the rest go straight into the cell. */
static void add_shape(greader *r, int layer, int is_pin, lay_box b, int net)
{
    if (!is_pin) {
        lay_rect_add(r->lib->cells[r->cur], layer, b, net);
        return;
    }
    su_grow((void **)&r->pins, &r->cappins, r->npins + 1, sizeof *r->pins);
    r->pins[r->npins++] = (pin_shape){b, layer, net, 0};
}

/* ---------------------------------------------------------------- coordinates */

/* A coordinate in database units to nm; checked before multiplying so
 * that nothing overflows on the way. */
static int to_nm(greader *r, const gelem *e, int64_t v, int32_t *out)
{
    if (v > LAY_COORD_LIMIT / r->scale || v < -LAY_COORD_LIMIT / r->scale)
        return elem_fail(r, e, HALO_E_GDS_UNSUPPORTED,
                         "coordinate %lld x %lld nm is outside halo's design space (+-%d nm)", (long long)v,
                         (long long)r->scale, LAY_COORD_LIMIT);
    *out = (int32_t)(v * r->scale);
    return 0;
}

static int64_t xy_raw(const gelem *e, int i, int coord)
{
    return be32(e->xy + 8 * i + 4 * coord);
}

/* All points of the element in nm. */
static int element_points(greader *r, const gelem *e, int32_t *px, int32_t *py)
{
    for (int i = 0; i < e->nxy; i++)
        if (to_nm(r, e, xy_raw(e, i, 0), &px[i]) || to_nm(r, e, xy_raw(e, i, 1), &py[i])) return 1;
    return 0;
}

/* ---------------------------------------------------------------- polygons */

typedef struct vedge {
    int32_t x, y0, y1;
    int dir;                    /* +1 upwards, -1 downwards */
} vedge;

typedef struct span {
    int32_t x0, x1, y0, y1;
} span;

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_edge_y0(const void *a, const void *b)
{
    const vedge *x = a, *y = b;
    return (x->y0 > y->y0) - (x->y0 < y->y0);
}

static int cmp_edge_x(const void *a, const void *b)
{
    const vedge *x = *(vedge *const *)a, *y = *(vedge *const *)b;
    if (x->x != y->x) return (x->x > y->x) - (x->x < y->x);
    return (x->dir > y->dir) - (x->dir < y->dir);
}

/* The covered x intervals of one slab: a sweep over the crossing edges
 * sorted by x under the nonzero winding rule; touching intervals merge. */
static int slab_intervals(vedge **active, int nactive, span *out)
{
    int n = 0, wind = 0;
    int32_t start = 0;
    for (int i = 0; i < nactive; i++) {
        int before = wind;
        wind += active[i]->dir;
        if (before == 0 && wind != 0) start = active[i]->x;
        if (before != 0 && wind == 0 && active[i]->x > start) {
            if (n > 0 && out[n - 1].x1 == start) out[n - 1].x1 = active[i]->x;
            else out[n++] = (span){start, active[i]->x, 0, 0};
        }
    }
    return n;
}

typedef struct cutter {
    greader *r;
    const gelem *e;
    int layer, is_pin, net;
    span *open, *next;
    int nopen;
} cutter;

static int emit_span(cutter *k, const span *s)
{
    if (spend(k->r, &k->r->items, 1, k->e->off, "a polygon's rectangle count")) return 1;
    add_shape(k->r, k->layer, k->is_pin, lay_box_make(s->x0, s->y0, s->x1, s->y1), k->net);
    return 0;
}

/* Continue the open rectangles whose interval recurs in this slab, close
 * the others, open new ones for new intervals.  Both lists are sorted. */
static int advance_spans(cutter *k, const span *cur, int ncur, int32_t ylo, int32_t yhi)
{
    int i = 0, j = 0, nnext = 0;
    while (i < k->nopen || j < ncur) {
        if (i < k->nopen && j < ncur && k->open[i].x0 == cur[j].x0 && k->open[i].x1 == cur[j].x1) {
            k->next[nnext] = k->open[i++];
            k->next[nnext++].y1 = yhi;
            j++;
        } else if (j >= ncur || (i < k->nopen && k->open[i].x0 <= cur[j].x0)) {
            if (emit_span(k, &k->open[i++])) return 1;
        } else {
            k->next[nnext++] = (span){cur[j].x0, cur[j].x1, ylo, yhi};
            j++;
        }
    }
    span *t = k->open;
    k->open = k->next;
    k->next = t;
    k->nopen = nnext;
    return 0;
}

/* Cut a Manhattan polygon into rectangles: horizontal slabs between
 * successive vertex y values, each slab's covered intervals from the
 * vertical edges crossing it, and an interval that repeats the one below
 * extends that rectangle -- so a rectangle stays one rectangle and an L
 * gives two. */
static int cut_polygon(cutter *k, const int32_t *px, const int32_t *py, int n)
{
    vedge *edges = halo_xmalloc((size_t)n * sizeof *edges);
    vedge **active = halo_xmalloc((size_t)n * sizeof *active);
    int32_t *ys = halo_xmalloc((size_t)n * sizeof *ys);
    span *cur = halo_xmalloc((size_t)n * sizeof *cur);
    k->open = halo_xmalloc((size_t)n * sizeof *k->open);
    k->next = halo_xmalloc((size_t)n * sizeof *k->next);
    k->nopen = 0;
    int ne = 0, nys = 0, nactive = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        int j = (i + 1) % n;
        ys[nys++] = py[i];
        if (px[i] == px[j] && py[i] != py[j])
            edges[ne++] = (vedge){px[i], py[i] < py[j] ? py[i] : py[j], py[i] < py[j] ? py[j] : py[i],
                                  py[j] > py[i] ? 1 : -1};
    }
    qsort(ys, (size_t)nys, sizeof *ys, cmp_i32);
    qsort(edges, (size_t)ne, sizeof *edges, cmp_edge_y0);
    int u = 0;
    for (int i = 0; i < nys; i++)
        if (i == 0 || ys[i] != ys[u - 1]) ys[u++] = ys[i];
    nys = u;
    for (int s = 0, next_edge = 0; !rc && s + 1 < nys; s++) {
        int keep = 0;
        for (int i = 0; i < nactive; i++)
            if (active[i]->y1 > ys[s]) active[keep++] = active[i];
        nactive = keep;
        while (next_edge < ne && edges[next_edge].y0 <= ys[s]) active[nactive++] = &edges[next_edge++];
        rc = spend(k->r, &k->r->work, nactive + 1, k->e->off, "a polygon");
        if (rc) break;
        qsort(active, (size_t)nactive, sizeof *active, cmp_edge_x);
        int ncur = slab_intervals(active, nactive, cur);
        rc = advance_spans(k, cur, ncur, ys[s], ys[s + 1]);
    }
    for (int i = 0; !rc && i < k->nopen; i++) rc = emit_span(k, &k->open[i]);
    free(edges);
    free(active);
    free(ys);
    free(cur);
    free(k->open);
    free(k->next);
    return rc;
}

static int net_of(greader *r, const gelem *e)
{
    return e->net ? lay_net(r->lib->cells[r->cur], e->net) : -1;
}

/* Shapes a TEXT may name as a pin: those on the pin purpose; those on the
 * label purpose, because the sky130 Magic tech the project pins (OLD in
 * sky130.md 6.1) swaps the two and writes pin boxes on XX/5; and those
 * marked as pins (how halo writes pins of a layer without a pin datatype). */
static int is_pin_shape(int purpose, const gelem *e)
{
    return purpose == 1 || purpose == 2 || e->pin_mark;
}

static int read_boundary(greader *r, gelem *e)
{
    if (!e->has_layer || !e->has_dt || !e->xy)
        return elem_fail(r, e, HALO_E_GDS_FORMAT, "LAYER, DATATYPE or XY is missing");
    if (e->nxy < 4) return elem_fail(r, e, HALO_E_GDS_FORMAT, "%d points, a polygon needs at least 4", e->nxy);
    int purpose, layer = resolve_layer(r, e->layer, e->dt, &purpose);
    int32_t *px = halo_xmalloc((size_t)e->nxy * sizeof *px), *py = halo_xmalloc((size_t)e->nxy * sizeof *py);
    int rc = element_points(r, e, px, py);
    int n = e->nxy;
    if (!rc && px[n - 1] == px[0] && py[n - 1] == py[0]) n--;   /* the closing point; open ones close implicitly */
    for (int i = 0; !rc && i < n; i++) {
        int j = (i + 1) % n;
        if (px[i] != px[j] && py[i] != py[j])
            rc = elem_fail(r, e, HALO_E_GDS_UNSUPPORTED,
                           "polygon is not Manhattan (layer %d/%d, edge (%d, %d) to (%d, %d) nm)", e->layer, e->dt,
                           px[i], py[i], px[j], py[j]);
    }
    if (!rc) {
        cutter k = {r, e, layer, is_pin_shape(purpose, e), net_of(r, e), NULL, NULL, 0};
        rc = cut_polygon(&k, px, py, n);
    }
    free(px);
    free(py);
    return rc;
}

/* ---------------------------------------------------------------- paths */

typedef struct path_geom {
    int64_t half;               /* half width, nm */
    int64_t ext_begin, ext_end; /* extension beyond the first and last point */
} path_geom;

static int path_geometry(greader *r, const gelem *e, path_geom *g)
{
    if (e->pathtype != 0 && e->pathtype != 2 && e->pathtype != 4)
        return elem_fail(r, e, HALO_E_GDS_UNSUPPORTED, "path type %d (only 0, 2 and 4 are Manhattan)", e->pathtype);
    /* a negative width means "absolute" (immune to magnification): same here */
    int64_t w = llabs((long long)e->width) * r->scale;
    if (w > LAY_COORD_LIMIT)
        return elem_fail(r, e, HALO_E_GDS_UNSUPPORTED, "path width %lld nm is wider than halo's design space (+-%d nm)",
                         (long long)w, LAY_COORD_LIMIT);
    if (w & 1)
        return elem_fail(r, e, HALO_E_GDS_UNSUPPORTED, "path width %lld nm is odd: its edges fall between nanometres",
                         (long long)w);
    g->half = w / 2;
    g->ext_begin = e->pathtype == 2 ? g->half : e->pathtype == 4 ? (int64_t)e->bgnextn * r->scale : 0;
    g->ext_end = e->pathtype == 2 ? g->half : e->pathtype == 4 ? (int64_t)e->endextn * r->scale : 0;
    return 0;
}

/* One path segment as a rectangle.  Inner ends extend by the half width,
 * which fills the outer corner square of every bend. */
static int path_segment(greader *r, const gelem *e, const path_geom *g, int layer, int is_pin, int net,
                        int32_t ax, int32_t ay, int32_t bx, int32_t by, int64_t ext_a, int64_t ext_b)
{
    int horizontal = ay == by;
    int64_t a = horizontal ? ax : ay, b = horizontal ? bx : by, c = horizontal ? ay : ax;
    int64_t d = b > a ? 1 : -1;
    int64_t lo = a - d * ext_a, hi = b + d * ext_b;
    if (d < 0) {
        int64_t t = lo;
        lo = hi;
        hi = t;
    }
    if (hi <= lo || g->half == 0) return 0;   /* negative extensions ate it, or no width */
    int64_t v[4] = {lo, c - g->half, hi, c + g->half};
    for (int i = 0; i < 4; i++)
        if (v[i] < -LAY_COORD_LIMIT || v[i] > LAY_COORD_LIMIT)
            return elem_fail(r, e, HALO_E_GDS_UNSUPPORTED,
                             "path outline reaches %lld nm, outside halo's design space (+-%d nm)", (long long)v[i],
                             LAY_COORD_LIMIT);
    lay_box box = horizontal ? lay_box_make((int32_t)v[0], (int32_t)v[1], (int32_t)v[2], (int32_t)v[3])
                             : lay_box_make((int32_t)v[1], (int32_t)v[0], (int32_t)v[3], (int32_t)v[2]);
    add_shape(r, layer, is_pin, box, net);
    return 0;
}

static int read_path(greader *r, gelem *e)
{
    if (!e->has_layer || !e->has_dt || !e->xy)
        return elem_fail(r, e, HALO_E_GDS_FORMAT, "LAYER, DATATYPE or XY is missing");
    if (e->nxy < 2) return elem_fail(r, e, HALO_E_GDS_FORMAT, "%d point, a path needs at least 2", e->nxy);
    path_geom g = {0, 0, 0};
    if (path_geometry(r, e, &g)) return 1;
    int purpose, layer = resolve_layer(r, e->layer, e->dt, &purpose);
    int32_t *px = halo_xmalloc((size_t)e->nxy * sizeof *px), *py = halo_xmalloc((size_t)e->nxy * sizeof *py);
    int rc = element_points(r, e, px, py), n = 0;
    for (int i = 0; !rc && i < e->nxy; i++)        /* drop repeated points */
        if (n == 0 || px[i] != px[n - 1] || py[i] != py[n - 1]) {
            px[n] = px[i];
            py[n++] = py[i];
        }
    for (int i = 0; !rc && i + 1 < n; i++)
        if (px[i] != px[i + 1] && py[i] != py[i + 1])
            rc = elem_fail(r, e, HALO_E_GDS_UNSUPPORTED,
                           "path is not Manhattan (layer %d/%d, segment (%d, %d) to (%d, %d) nm)", e->layer, e->dt,
                           px[i], py[i], px[i + 1], py[i + 1]);
    int is_pin = is_pin_shape(purpose, e), net = rc ? -1 : net_of(r, e);
    for (int i = 0; !rc && i + 1 < n; i++)
        rc = path_segment(r, e, &g, layer, is_pin, net, px[i], py[i], px[i + 1], py[i + 1],
                          i == 0 ? g.ext_begin : g.half, i + 2 == n ? g.ext_end : g.half);
    free(px);
    free(py);
    return rc;
}

/* ---------------------------------------------------------------- references */

static int element_orient(greader *r, const gelem *e, lay_orient *o)
{
    if (e->has_strans && (e->strans & 0x0006))
        return elem_fail(r, e, HALO_E_GDS_UNSUPPORTED, "absolute magnification or angle (STRANS 0x%04x)", e->strans);
    if (e->has_mag && fabs(e->mag - 1.0) > 1e-9)
        return elem_fail(r, e, HALO_E_GDS_UNSUPPORTED, "magnification %g (only 1 is supported)", e->mag);
    if (lay_orient_from_gds(e->has_strans && (e->strans & 0x8000), e->angle, o) != 0)
        return elem_fail(r, e, HALO_E_GDS_UNSUPPORTED, "angle %g is not a multiple of 90 degrees", e->angle);
    return 0;
}

/* The instance name: property 61, else Magic's older 98, else "I<n>"
 * counting the cell's instances so far (buf holds that one). */
static const char *instance_name(const greader *r, const gelem *e, char *buf, size_t len)
{
    if (e->instname) return e->instname;
    if (e->magic_name) return e->magic_name;
    snprintf(buf, len, "I%d", r->info[r->cur].ninsts);
    return buf;
}

static int read_sref(greader *r, gelem *e)
{
    if (!e->sname || !e->xy) return elem_fail(r, e, HALO_E_GDS_FORMAT, "SNAME or XY is missing");
    if (e->nxy != 1) return elem_fail(r, e, HALO_E_GDS_FORMAT, "%d points, expected 1", e->nxy);
    lay_orient o;
    int32_t x = 0, y = 0;
    if (element_orient(r, e, &o) || to_nm(r, e, xy_raw(e, 0, 0), &x) || to_nm(r, e, xy_raw(e, 0, 1), &y)) return 1;
    char buf[32];
    add_pending(r, ref_cell(r, e->sname, e->off), x, y, o, instance_name(r, e, buf, sizeof buf), e);
    return 0;
}

/* a / b rounded to nearest, b > 0: array pitches that do not divide evenly
 * land on the nearest nanometre grid point. */
static int64_t div_nearest(int64_t a, int64_t b)
{
    return a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
}

static int aref_element(greader *r, gelem *e, int child, lay_orient o, const char *base, int c, int row)
{
    int64_t x = xy_raw(e, 0, 0) + div_nearest(c * (xy_raw(e, 1, 0) - xy_raw(e, 0, 0)), e->cols) +
                div_nearest(row * (xy_raw(e, 2, 0) - xy_raw(e, 0, 0)), e->rows);
    int64_t y = xy_raw(e, 0, 1) + div_nearest(c * (xy_raw(e, 1, 1) - xy_raw(e, 0, 1)), e->cols) +
                div_nearest(row * (xy_raw(e, 2, 1) - xy_raw(e, 0, 1)), e->rows);
    int32_t nx = 0, ny = 0;
    if (to_nm(r, e, x, &nx) || to_nm(r, e, y, &ny)) return 1;
    su_buf name = {0};
    su_buf_printf(&name, "%s_%d_%d", base, c, row);
    add_pending(r, child, nx, ny, o, name.s, e);
    su_buf_free(&name);
    return 0;
}

static int read_aref(greader *r, gelem *e)
{
    if (!e->sname || !e->xy || !e->has_colrow)
        return elem_fail(r, e, HALO_E_GDS_FORMAT, "SNAME, COLROW or XY is missing");
    if (e->nxy != 3) return elem_fail(r, e, HALO_E_GDS_FORMAT, "%d points, expected 3", e->nxy);
    if (e->cols < 1 || e->rows < 1)
        return elem_fail(r, e, HALO_E_GDS_FORMAT, "COLROW %d x %d: both must be positive", e->cols, e->rows);
    if (spend(r, &r->items, (int64_t)e->cols * e->rows, e->off, "an AREF's element count")) return 1;
    lay_orient o;
    if (element_orient(r, e, &o)) return 1;
    char buf[32];
    const char *base = instance_name(r, e, buf, sizeof buf);
    if (strlen(base) + 14 > GDS_MAX_STRING)   /* "_32767_32767" must still fit a record */
        return elem_fail(r, e, HALO_E_GDS_UNSUPPORTED, "instance name too long to number the array elements");
    int child = ref_cell(r, e->sname, e->off);
    for (int row = 0; row < e->rows; row++)
        for (int c = 0; c < e->cols; c++)
            if (aref_element(r, e, child, o, base, c, row)) return 1;
    return 0;
}

/* ---------------------------------------------------------------- texts */

static int read_text(greader *r, gelem *e)
{
    if (!e->has_layer || !e->has_dt || !e->xy || !e->string)
        return elem_fail(r, e, HALO_E_GDS_FORMAT, "LAYER, TEXTTYPE, XY or STRING is missing");
    /* a label names a net or a pin, which go into SPICE and LVS output */
    const char *why = *e->string ? su_name_problem(e->string, SU_NAME_MEMBER) : NULL;
    if (why) {
        for (char *p = e->string; *p; p++)
            if (*p < 0x20 || *p >= 0x7f) *p = '?';
        return elem_fail(r, e, HALO_E_GDS_FORMAT, "label \"%.40s\" is refused as a net name: %s", e->string, why);
    }
    int purpose, layer = resolve_layer(r, e->layer, e->dt, &purpose);
    int32_t x = 0, y = 0;
    if (to_nm(r, e, xy_raw(e, 0, 0), &x) || to_nm(r, e, xy_raw(e, 0, 1), &y)) return 1;
    su_grow((void **)&r->texts, &r->captexts, r->ntexts + 1, sizeof *r->texts);
    r->texts[r->ntexts++] = (gtext){e->string, layer, x, y};
    e->string = NULL;   /* now owned by the text list */
    return 0;
}

/* ---------------------------------------------------------------- elements */

static void set_string(char **field, const grec *rec)
{
    free(*field);
    *field = rec_string(rec);
}

static int read_property(greader *r, gelem *e, const grec *rec)
{
    if (rec->type == GDS_PROPATTR) {
        e->propattr = be16(rec->data);
        return 0;
    }
    if (e->propattr < 0) return fail(r, HALO_E_GDS_FORMAT, rec->off, "PROPVALUE without a PROPATTR before it");
    if (e->propattr == GDS_PROP_NET && (e->kind == GDS_BOUNDARY || e->kind == GDS_PATH)) set_string(&e->net, rec);
    if (e->propattr == GDS_PROP_PIN && (e->kind == GDS_BOUNDARY || e->kind == GDS_PATH)) e->pin_mark = 1;
    if (e->kind == GDS_SREF || e->kind == GDS_AREF) {
        if (e->propattr == GDS_PROP_INSTNAME) set_string(&e->instname, rec);
        if (e->propattr == GDS_PROP_MAGIC_INSTNAME) set_string(&e->magic_name, rec);
    }
    e->propattr = -1;
    return 0;
}

/* One record inside an element; the last of a repeated record wins. */
static int element_field(greader *r, gelem *e, const grec *rec)
{
    const unsigned char *d = rec->data;
    switch (rec->type) {
    case GDS_LAYER: e->layer = be16u(d); e->has_layer = 1; return 0;
    case GDS_DATATYPE: case GDS_TEXTTYPE: case GDS_NODETYPE: case GDS_BOXTYPE:
        e->dt = be16u(d); e->has_dt = 1; return 0;
    case GDS_WIDTH: e->width = be32(d); return 0;
    case GDS_PATHTYPE: e->pathtype = be16(d); return 0;
    case GDS_BGNEXTN: e->bgnextn = be32(d); return 0;
    case GDS_ENDEXTN: e->endextn = be32(d); return 0;
    case GDS_XY: e->xy = d; e->nxy = (int)(rec->len / 8); return 0;
    case GDS_SNAME: set_string(&e->sname, rec); return 0;
    case GDS_STRING: set_string(&e->string, rec); return 0;
    case GDS_STRANS: e->strans = be16u(d); e->has_strans = 1; return 0;
    case GDS_MAG: e->mag = gds_real8_decode(d); e->has_mag = 1; return 0;
    case GDS_ANGLE: e->angle = gds_real8_decode(d); return 0;
    case GDS_COLROW: e->cols = be16(d); e->rows = be16(d + 2); e->has_colrow = 1; return 0;
    case GDS_PROPATTR: case GDS_PROPVALUE: return read_property(r, e, rec);
    case GDS_ELFLAGS: case GDS_PLEX: case GDS_PRESENTATION: return 0;
    default:
        return fail(r, HALO_E_GDS_FORMAT, rec->off,
                    "unexpected %s record in a %s element of cell %.100s (missing ENDEL?)",
                    gds_record_name(rec->type), gds_record_name(e->kind), cur_cell_name(r));
    }
}

static int build_element(greader *r, gelem *e)
{
    switch (e->kind) {
    case GDS_BOUNDARY: return read_boundary(r, e);
    case GDS_PATH: return read_path(r, e);
    case GDS_SREF: return read_sref(r, e);
    case GDS_AREF: return read_aref(r, e);
    case GDS_TEXT: return read_text(r, e);
    default: return 0;   /* NODE and BOX carry no layout */
    }
}

static int read_element(greader *r, const grec *start)
{
    gelem e;
    memset(&e, 0, sizeof e);
    e.kind = start->type;
    e.off = start->off;
    e.propattr = -1;
    grec rec = {0};
    int rc;
    while (!(rc = next_record(r, &rec)) && rec.type != GDS_ENDEL)
        if ((rc = element_field(r, &e, &rec))) break;
    if (!rc) rc = build_element(r, &e);
    free(e.sname);
    free(e.string);
    free(e.net);
    free(e.instname);
    free(e.magic_name);
    return rc;
}

/* ---------------------------------------------------------------- structures */

/* A pin shape's place in the pairing order: by layer, then file position. */
typedef struct pin_key {
    int layer, index;
} pin_key;

static int cmp_pin_key(const void *a, const void *b)
{
    const pin_key *x = a, *y = b;
    if (x->layer != y->layer) return (x->layer > y->layer) - (x->layer < y->layer);
    return (x->index > y->index) - (x->index < y->index);
}

static int box_holds(lay_box b, int32_t x, int32_t y)
{
    return x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1;
}

/* Index into keys[] of the first pin shape of `layer`. */
static int first_of_layer(const pin_key *keys, int n, int layer)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (keys[mid].layer < layer) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The first unnamed pin shape of the text's layer, in file order, that
 * holds the text's point; -1 for none. */
static int pin_for_text(greader *r, const gtext *t, const pin_key *keys, size_t off, int *rc)
{
    for (int k = first_of_layer(keys, r->npins, t->layer); k < r->npins && keys[k].layer == t->layer; k++) {
        if ((*rc = spend(r, &r->work, 1, off, "pairing texts with pin shapes"))) return -1;
        const pin_shape *p = &r->pins[keys[k].index];
        if (!p->named && box_holds(p->box, t->x, t->y)) return keys[k].index;
    }
    return -1;
}

/* Pair TEXTs with pin shapes now that the whole cell is known (a TEXT may
 * come before its BOUNDARY): texts in file order each take the first
 * unnamed pin shape of their layer that holds their point.  Named shapes
 * become pins, unnamed ones plain rectangles, unpaired texts labels. */
static int finish_cell(greader *r, size_t off)
{
    lay_cell *c = r->lib->cells[r->cur];
    pin_key *keys = halo_xmalloc(((size_t)r->npins + 1) * sizeof *keys);
    int rc = 0;
    for (int i = 0; i < r->npins; i++) keys[i] = (pin_key){r->pins[i].layer, i};
    qsort(keys, (size_t)r->npins, sizeof *keys, cmp_pin_key);
    for (int i = 0; !rc && i < r->ntexts; i++) {
        const gtext *t = &r->texts[i];
        int p = *t->s ? pin_for_text(r, t, keys, off, &rc) : -1;
        if (rc) break;
        if (p >= 0) {
            r->pins[p].named = 1;
            lay_pin_add(c, t->s, t->layer, r->pins[p].box);
        } else {
            lay_label_add(c, t->s, t->layer, t->x, t->y);
        }
    }
    for (int i = 0; !rc && i < r->npins; i++)
        if (!r->pins[i].named) lay_rect_add(c, r->pins[i].layer, r->pins[i].box, r->pins[i].net);
    free(keys);
    return rc;
}

static void reset_cell_state(greader *r)
{
    for (int i = 0; i < r->ntexts; i++) free(r->texts[i].s);
    r->ntexts = r->npins = 0;
}

static int begin_structure(greader *r, const grec *bgn)
{
    grec rec = {0};
    if (next_record(r, &rec)) return 1;
    if (rec.type != GDS_STRNAME)
        return fail(r, HALO_E_GDS_FORMAT, rec.off, "BGNSTR is followed by %s, expected STRNAME",
                    gds_record_name(rec.type));
    char *name = rec_string(&rec);
    const char *why = su_name_problem(name, SU_NAME_CELL);
    if (why) {
        for (char *p = name; *p; p++)
            if (*p < 0x20 || *p >= 0x7f) *p = '?';
        fail(r, HALO_E_GDS_FORMAT, rec.off, "structure name \"%.60s\" is refused: %s", name, why);
        free(name);
        return 1;
    }
    int c = lay_cell_find(r->lib, name);
    if (c >= 0 && r->info[c].defined) {
        fail(r, HALO_E_GDS_FORMAT, bgn->off, "structure %.100s is defined twice", name);
        free(name);
        return 1;
    }
    if (c < 0) c = new_cell(r, name);
    free(name);
    r->info[c].defined = 1;
    r->cur = c;
    return 0;
}

static int read_structure(greader *r, const grec *bgn)
{
    if (begin_structure(r, bgn)) return 1;
    grec rec = {0};
    int rc;
    while (!(rc = next_record(r, &rec))) {
        if (rec.type == GDS_ENDSTR) break;
        if (rec.type == GDS_STRCLASS) continue;
        if (rec.type >= GDS_BOUNDARY && rec.type <= GDS_TEXT) rc = read_element(r, &rec);
        else if (rec.type == GDS_NODE || rec.type == GDS_BOX) rc = read_element(r, &rec);
        else rc = fail(r, HALO_E_GDS_FORMAT, rec.off, "unexpected %s record in structure %.100s",
                       gds_record_name(rec.type), cur_cell_name(r));
        if (rc) break;
    }
    if (!rc) rc = finish_cell(r, rec.off);
    reset_cell_state(r);
    r->cur = -1;
    return rc;
}

/* ---------------------------------------------------------------- hierarchy */

static int check_defined(greader *r)
{
    for (int c = 0; c < r->lib->ncells; c++) {
        const cell_info *ci = &r->info[c];
        if (ci->defined) continue;
        r->cur = ci->ref_from;
        return fail(r, HALO_E_GDS_NOCELL, ci->ref_off,
                    "cell %.100s refers to structure %.100s, which the file never defines", cur_cell_name(r),
                    r->lib->cells[c]->name);
    }
    return 0;
}

static int cycle_error(greader *r, int parent, const pend_inst *in)
{
    const char *p = r->lib->cells[parent]->name, *ch = r->lib->cells[in->child]->name;
    if (in->child == parent)
        return fail(r, HALO_E_GDS_FORMAT, in->off, "%s in cell %.100s instantiates the cell itself",
                    gds_record_name(in->kind), p);
    return fail(r, HALO_E_GDS_FORMAT, in->off,
                "%s in cell %.100s instantiates %.100s, which contains %.100s: the hierarchy has a cycle",
                gds_record_name(in->kind), p, ch, p);
}

/* Iterative depth-first search over the held instances: a child still on
 * the stack closes a cycle.  Appends cells in post-order (children first)
 * and computes each cell's height for the depth limit. */
static int visit_hierarchy(greader *r, int start, char *state, int *height, int *stack, int *next, int *post,
                           int *npost)
{
    int sp = 0;
    stack[sp] = start;
    next[sp++] = 0;
    state[start] = 1;
    while (sp > 0) {
        int c = stack[sp - 1];
        const cell_info *ci = &r->info[c];
        if (next[sp - 1] < ci->ninsts) {
            const pend_inst *in = &ci->insts[next[sp - 1]++];
            if (state[in->child] == 1) return cycle_error(r, c, in);
            if (state[in->child] == 0) {
                state[in->child] = 1;
                stack[sp] = in->child;
                next[sp++] = 0;
            } else if (height[in->child] + 1 > height[c]) {
                height[c] = height[in->child] + 1;
            }
            continue;
        }
        state[c] = 2;
        post[(*npost)++] = c;
        if (height[c] > GDS_MAX_DEPTH)
            return fail(r, HALO_E_GDS_UNSUPPORTED, ci->insts[0].off,
                        "the hierarchy under cell %.100s is more than %d levels deep", r->lib->cells[c]->name,
                        GDS_MAX_DEPTH);
        if (--sp > 0 && height[c] + 1 > height[stack[sp - 1]]) height[stack[sp - 1]] = height[c] + 1;
    }
    return 0;
}

/* Add the held instances, parents before children: then every child is
 * still empty when lay_inst_add looks for a cycle through it. */
static int add_instances(greader *r, const int *post, int npost)
{
    for (int k = npost - 1; k >= 0; k--) {
        int c = post[k];
        cell_info *ci = &r->info[c];
        for (int i = 0; i < ci->ninsts; i++) {
            const pend_inst *in = &ci->insts[i];
            if (lay_inst_add(r->lib, c, in->name, in->child, in->x, in->y, in->o) < 0) return cycle_error(r, c, in);
        }
    }
    return 0;
}

static int build_hierarchy(greader *r)
{
    int n = r->lib->ncells, rc = check_defined(r), npost = 0;
    size_t cells = (size_t)n + 1;
    char *state = halo_xcalloc(cells, 1);
    int *height = halo_xcalloc(cells, sizeof *height), *stack = halo_xmalloc(cells * sizeof *stack);
    int *next = halo_xmalloc(cells * sizeof *next), *post = halo_xmalloc(cells * sizeof *post);
    for (int c = 0; !rc && c < n; c++)
        if (!state[c]) rc = visit_hierarchy(r, c, state, height, stack, next, post, &npost);
    if (!rc) rc = add_instances(r, post, npost);
    free(state);
    free(height);
    free(stack);
    free(next);
    free(post);
    return rc;
}

/* ---------------------------------------------------------------- library */

static int read_units(greader *r, const grec *rec)
{
    if (r->scale) return fail(r, HALO_E_GDS_FORMAT, rec->off, "UNITS given twice");
    double metres = gds_real8_decode(rec->data + 8);
    if (!(metres > 0))
        return fail(r, HALO_E_GDS_FORMAT, rec->off, "database unit %g m is not positive", metres);
    double nm = metres * 1e9, whole = floor(nm + 0.5);
    if (whole < 1 || whole > 1e6 || fabs(nm - whole) > 1e-6)
        return fail(r, HALO_E_GDS_UNSUPPORTED, rec->off,
                    "database unit %g m is not a whole number of nanometres from 1 nm to 1 mm", metres);
    r->scale = (int64_t)whole;
    return 0;
}

static int expect_record(greader *r, int type)
{
    grec rec = {0};
    if (next_record(r, &rec)) return 1;
    if (rec.type == type) return 0;
    if (type == GDS_HEADER)
        return fail(r, HALO_E_GDS_FORMAT, rec.off, "not a GDSII file: it starts with %s, expected HEADER",
                    gds_record_name(rec.type));
    return fail(r, HALO_E_GDS_FORMAT, rec.off, "%s where %s was expected", gds_record_name(rec.type),
                gds_record_name(type));
}

static int library_record(greader *r, const grec *rec)
{
    switch (rec->type) {
    case GDS_LIBNAME:
        free(r->lib->name);
        r->lib->name = rec_string(rec);
        return 0;
    case GDS_UNITS:
        return read_units(r, rec);
    case GDS_BGNSTR:
        if (!r->scale) return fail(r, HALO_E_GDS_FORMAT, rec->off, "BGNSTR before UNITS");
        return read_structure(r, rec);
    case GDS_LIBDIRSIZE: case GDS_SRFNAME: case GDS_LIBSECUR: case GDS_REFLIBS: case GDS_FONTS:
    case GDS_ATTRTABLE: case GDS_GENERATIONS: case GDS_FORMAT: case GDS_MASK: case GDS_ENDMASKS:
        return 0;
    default:
        return fail(r, HALO_E_GDS_FORMAT, rec->off, "unexpected %s record between structures",
                    gds_record_name(rec->type));
    }
}

static int read_library(greader *r)
{
    if (expect_record(r, GDS_HEADER) || expect_record(r, GDS_BGNLIB)) return 1;
    grec rec = {0};
    int rc;
    while (!(rc = next_record(r, &rec)) && rec.type != GDS_ENDLIB)
        if ((rc = library_record(r, &rec))) return rc;
    /* bytes after ENDLIB (tape block padding) are ignored */
    return rc ? rc : build_hierarchy(r);
}

static void reader_free(greader *r)
{
    reset_cell_state(r);
    for (int c = 0; c < r->lib->ncells && c < r->capinfo; c++) {
        for (int i = 0; i < r->info[c].ninsts; i++) free(r->info[c].insts[i].name);
        free(r->info[c].insts);
    }
    free(r->info);
    free(r->pins);
    free(r->texts);
    su_map_free(&r->layer_map);
}

lay_lib *gds_read_mem(const unsigned char *data, size_t len, const char *name, const halo_tech *tech,
                      halo_err *err)
{
    greader r;
    memset(&r, 0, sizeof r);
    r.data = data;
    r.len = len;
    r.file = name ? name : "(gds)";
    r.err = err;
    r.lib = lay_lib_new(NULL, tech);
    r.cur = -1;
    /* budgets: generous for real layouts, small enough that a tiny hostile
     * file cannot ask for gigabytes or minutes */
    r.work = ((int64_t)1 << 24) + 64 * (int64_t)len;
    r.items = ((int64_t)1 << 16) + 16 * (int64_t)len;
    build_layer_map(&r);
    int rc = read_library(&r);
    reader_free(&r);
    if (rc) {
        lay_lib_free(r.lib);
        return NULL;
    }
    return r.lib;
}

lay_lib *gds_read_file(const char *path, const halo_tech *tech, halo_err *err)
{
    size_t len;
    char *data = halo_read_file(path, &len, err, NULL, 0);
    if (!data) return NULL;
    lay_lib *lib = gds_read_mem((const unsigned char *)data, len, path, tech, err);
    free(data);
    return lib;
}
