/*
 * raster.c -- layouts as channel rasters and back (see raster.h).
 */
#include "raster.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- channel table */

/* sky130 -> the 21 channels, in the order of the process: well,
 * front-end, local interconnect, the metal stack with its cuts, then the
 * implants and markers a completion must respect.  dnwell, pwell, lvtn,
 * hvtp and the boundary/area-id markers carry no shape a completion
 * task draws or needs and are left out. */
static const char *const sky130_channels[][2] = {
    {"nwell", "nwell"},   {"diff", "diff"},       {"tap", "tap"},
    {"poly", "poly"},     {"contact", "licon1"},  {"li1", "li1"},
    {"mcon", "mcon"},     {"met1", "met1"},       {"via", "via"},
    {"met2", "met2"},     {"via2", "via2"},       {"met3", "met3"},
    {"via3", "via3"},     {"met4", "met4"},       {"via4", "via4"},
    {"met5", "met5"},     {"nsdm", "nsdm"},       {"psdm", "psdm"},
    {"npc", "npc"},       {"mim", "capm cap2m"},  {"resistor", "rpm urpm polyres"},
};

void lfm_chanmap_sky130(lfm_chanmap *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < sizeof sky130_channels / sizeof sky130_channels[0]; i++)
        lfm_chanmap_add(m, sky130_channels[i][0], sky130_channels[i][1]);
}

int lfm_chanmap_add(lfm_chanmap *m, const char *name, const char *layers)
{
    if (m->nch >= LFM_MAX_CHANNELS || !name || !*name || strlen(name) >= sizeof m->name[0] ||
        strlen(layers) >= sizeof m->layers[0] || lfm_chanmap_find(m, name) >= 0)
        return -1;
    strcpy(m->name[m->nch], name);
    strcpy(m->layers[m->nch], layers);
    return m->nch++;
}

int lfm_chanmap_find(const lfm_chanmap *m, const char *name)
{
    for (int i = 0; i < m->nch; i++)
        if (!strcmp(m->name[i], name)) return i;
    return -1;
}

/* Whether the space-separated list holds word. */
static int list_has(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        while (*p == ' ') p++;
        const char *e = p;
        while (*e && *e != ' ') e++;
        if ((size_t)(e - p) == n && n && !strncmp(p, word, n)) return 1;
        p = e;
    }
    return 0;
}

int lfm_chanmap_of_layer(const lfm_chanmap *m, const char *layer)
{
    for (int i = 0; i < m->nch; i++)
        if (list_has(m->layers[i], layer)) return i;
    return -1;
}

const char *lfm_chanmap_layer(const lfm_chanmap *m, int ch, char *buf, size_t len)
{
    const char *p = m->layers[ch];
    while (*p == ' ') p++;
    size_t n = strcspn(p, " ");
    if (n >= len) n = len - 1;
    memcpy(buf, p, n);
    buf[n] = 0;
    return buf;
}

void lfm_chanmap_to_text(const lfm_chanmap *m, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < m->nch && k < len; i++)
        k += (size_t)snprintf(buf + k, len - k, "%s%s=%s", i ? ";" : "", m->name[i], m->layers[i]);
}

int lfm_chanmap_from_text(const char *text, lfm_chanmap *m)
{
    memset(m, 0, sizeof *m);
    char buf[4096];
    if (!text || strlen(text) >= sizeof buf) return -1;
    strcpy(buf, text);
    for (char *save = NULL, *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) return -1;
        *eq = 0;
        if (lfm_chanmap_add(m, tok, eq + 1) < 0) return -1;
    }
    return m->nch ? 0 : -1;
}

/* ---------------------------------------------------------------- rasters */

lfm_raster *lfm_raster_new(int c, int h, int w, int32_t x0, int32_t y0, int32_t px)
{
    if (c <= 0 || h <= 0 || w <= 0 || px <= 0) return NULL;
    if ((double)c * h * w > (double)INT_MAX) return NULL;
    lfm_raster *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->v = calloc((size_t)c * h * w, 1);
    if (!r->v) {
        free(r);
        return NULL;
    }
    r->c = c, r->h = h, r->w = w, r->x0 = x0, r->y0 = y0, r->px = px;
    return r;
}

void lfm_raster_free(lfm_raster *r)
{
    if (!r) return;
    free(r->v);
    free(r);
}

/* The first pixel index whose centre o + (i + 1/2) px is >= coordinate
 * v, clamped to [0, n]: pixels [first(a), first(b)) have centres in
 * [a, b). */
static int first_centre_at_or_after(int64_t v, int32_t o, int32_t px, int n)
{
    /* o + (i + 1/2) px >= v  <=>  2i >= 2 (v - o) / px - 1 */
    int64_t num = 2 * (v - o) - px;                 /* want i >= num / (2 px) */
    int64_t den = 2 * (int64_t)px;
    int64_t i = num >= 0 ? (num + den - 1) / den : -((-num) / den);
    if (i < 0) i = 0;
    if (i > n) i = n;
    return (int)i;
}

void lfm_raster_box(lfm_raster *r, int ch, lay_box b, uint8_t value)
{
    if (ch < 0 || ch >= r->c) return;
    int i0 = first_centre_at_or_after(b.x0, r->x0, r->px, r->w);
    int i1 = first_centre_at_or_after(b.x1, r->x0, r->px, r->w);
    int j0 = first_centre_at_or_after(b.y0, r->y0, r->px, r->h);
    int j1 = first_centre_at_or_after(b.y1, r->y0, r->px, r->h);
    if (i1 <= i0) return;
    uint8_t *plane = lfm_raster_plane(r, ch);
    for (int j = j0; j < j1; j++) memset(plane + (size_t)j * r->w + i0, value, (size_t)(i1 - i0));
}

lfm_raster *lfm_raster_flat(const lay_flat *f, const lfm_chanmap *m, int32_t px, lay_box window)
{
    if (px <= 0 || window.x1 <= window.x0 || window.y1 <= window.y0) return NULL;
    int64_t w = ((int64_t)window.x1 - window.x0 + px - 1) / px;
    int64_t h = ((int64_t)window.y1 - window.y0 + px - 1) / px;
    if (w > INT_MAX || h > INT_MAX) return NULL;
    lfm_raster *r = lfm_raster_new(m->nch, (int)h, (int)w, window.x0, window.y0, px);
    if (!r) return NULL;
    for (int l = 0; l < f->nlayers; l++) {
        int ch = lfm_chanmap_of_layer(m, f->lib->layers[l].name);
        if (ch < 0) continue;
        const flat_layer *fl = &f->layers[l];
        for (int i = 0; i < fl->n; i++) lfm_raster_box(r, ch, fl->boxes[i], 1);
    }
    return r;
}

int32_t lfm_floor_to(int32_t v, int32_t px)
{
    int64_t q = v >= 0 ? v / px : -((-(int64_t)v + px - 1) / px);
    return (int32_t)(q * px);
}

lfm_raster *lfm_raster_cell(const lay_lib *lib, int cell, const lfm_chanmap *m, int32_t px, lay_box window)
{
    lay_flat *f = flat_build(lib, cell);
    if (!f) return NULL;
    lay_box w = lay_box_empty(window) ? f->bbox : window;
    lfm_raster *r = NULL;
    if (!lay_box_empty(w)) {
        w.x0 = lfm_floor_to(w.x0, px), w.y0 = lfm_floor_to(w.y0, px);
        r = lfm_raster_flat(f, m, px, w);
    }
    flat_free(f);
    return r;
}

long lfm_raster_count(const lfm_raster *r, int ch)
{
    const uint8_t *p = lfm_raster_plane(r, ch);
    long n = 0;
    for (size_t i = 0; i < (size_t)r->h * r->w; i++) n += p[i] != 0;
    return n;
}

/* ---------------------------------------------------------------- vectorising */

typedef struct run {
    int a, b;                /* columns [a, b) */
    int row0;                /* first row of the rectangle it grows */
} run;

typedef struct box_list {
    lay_box *v;
    int n, cap;
} box_list;

static int box_push(box_list *l, lay_box b)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        lay_box *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        l->v = v, l->cap = cap;
    }
    l->v[l->n++] = b;
    return 0;
}

static lay_box run_box(const lfm_raster *r, const run *u, int row_end)
{
    return lay_box_make(r->x0 + u->a * r->px, r->y0 + u->row0 * r->px, r->x0 + u->b * r->px,
                        r->y0 + row_end * r->px);
}

/* The runs [a, b) of on pixels of one row, in order. */
static int row_runs(const uint8_t *row, int w, run *out, int row_index)
{
    int n = 0;
    for (int i = 0; i < w;) {
        if (!row[i]) {
            i++;
            continue;
        }
        int a = i;
        while (i < w && row[i]) i++;
        out[n++] = (run){a, i, row_index};
    }
    return n;
}

/* A run of the previous row continues into this row when this row has
 * the identical run; otherwise its rectangle closes.  Both lists are
 * sorted by column, so one merge pass pairs them. */
int lfm_raster_boxes(const lfm_raster *r, int ch, lay_box **out)
{
    box_list res = {0};
    run *open = malloc(((size_t)r->w / 2 + 2) * sizeof *open);
    run *cur = malloc(((size_t)r->w / 2 + 2) * sizeof *cur);
    run *next = malloc(((size_t)r->w / 2 + 2) * sizeof *next);
    int nopen = 0, fail = !open || !cur || !next;
    const uint8_t *plane = lfm_raster_plane(r, ch);
    for (int j = 0; j <= r->h && !fail; j++) {
        int ncur = j < r->h ? row_runs(plane + (size_t)j * r->w, r->w, cur, j) : 0;
        int nnext = 0, k = 0;
        for (int i = 0; i < ncur; i++) {
            while (k < nopen && open[k].a < cur[i].a)
                if (box_push(&res, run_box(r, &open[k++], j))) fail = 1;
            if (k < nopen && open[k].a == cur[i].a && open[k].b == cur[i].b) next[nnext++] = open[k++];
            else next[nnext++] = cur[i];
        }
        while (k < nopen)
            if (box_push(&res, run_box(r, &open[k++], j))) fail = 1;
        run *t = open;
        open = next, next = t, nopen = nnext;
    }
    free(open), free(cur), free(next);
    if (fail) {
        free(res.v);
        *out = NULL;
        return -1;
    }
    *out = res.v;
    return res.n;
}
