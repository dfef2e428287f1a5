/*
 * nn_core.c -- tensors, the activation arena, parameters and their
 * initialisers (see nn.h).
 */
#include "nn.h"

#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

size_t nn_shape_count(int ndim, const int *shape)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)shape[i];
    return n;
}

nn_tensor nn_tensor_view(float *v, int ndim, const int *shape)
{
    nn_tensor t;
    memset(&t, 0, sizeof t);
    t.ndim = ndim < 1 ? 1 : ndim > NN_MAXDIM ? NN_MAXDIM : ndim;
    for (int i = 0; i < t.ndim; i++) t.shape[i] = shape[i];
    t.n = nn_shape_count(t.ndim, t.shape);
    t.v = v;
    return t;
}

/* ---------------------------------------------------------------- arena */

struct nn_arena_block {
    nn_arena_block *prev;
    size_t cap, used;         /* floats */
    size_t base_total;        /* used_total when this block was started */
    float *v;
};

#define ALIGN_FLOATS 16       /* 64 bytes */

void nn_arena_init(nn_arena *a, size_t block_floats)
{
    memset(a, 0, sizeof *a);
    a->block_floats = block_floats < 4096 ? 4096 : block_floats;
}

static nn_arena_block *new_block(size_t cap, size_t base_total)
{
    nn_arena_block *b = halo_xcalloc(1, sizeof *b);
    b->cap = cap;
    b->base_total = base_total;
    b->v = aligned_alloc(64, (cap * sizeof(float) + 63) / 64 * 64);
    if (!b->v) abort();
    return b;
}

float *nn_arena_alloc(nn_arena *a, size_t n)
{
    size_t need = (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
    nn_arena_block *b = a->head;
    if (!b || b->used + need > b->cap) {
        size_t cap = need > a->block_floats ? need : a->block_floats;
        nn_arena_block *nb = new_block(cap, a->used_total);
        nb->prev = b;
        a->head = b = nb;
    }
    float *p = b->v + b->used;
    b->used += need;
    a->used_total += need;
    if (a->used_total > a->high_water) a->high_water = a->used_total;
    memset(p, 0, n * sizeof *p);
    return p;
}

size_t nn_arena_mark(const nn_arena *a)
{
    return a->used_total;
}

/* Release to a mark: whole blocks started after it go, the block holding
 * it is cut back. */
void nn_arena_release(nn_arena *a, size_t mark)
{
    while (a->head && a->head->base_total >= mark && a->head->prev) {
        nn_arena_block *b = a->head;
        a->head = b->prev;
        free(b->v);
        free(b);
    }
    if (a->head) {
        size_t keep = mark > a->head->base_total ? mark - a->head->base_total : 0;
        if (keep < a->head->used) a->head->used = keep;
    }
    a->used_total = mark;
}

void nn_arena_free(nn_arena *a)
{
    while (a->head) {
        nn_arena_block *b = a->head;
        a->head = b->prev;
        free(b->v);
        free(b);
    }
    a->used_total = 0;
}

/* ---------------------------------------------------------------- parameters */

void nn_params_init(nn_params *ps)
{
    memset(ps, 0, sizeof *ps);
}

nn_param *nn_params_find(const nn_params *ps, const char *name)
{
    for (int i = 0; i < ps->n; i++)
        if (strcmp(ps->p[i]->name, name) == 0) return ps->p[i];
    return NULL;
}

nn_param *nn_params_add(nn_params *ps, const char *name, int ndim, const int *shape)
{
    if (nn_params_find(ps, name) || ndim < 1 || ndim > NN_MAXDIM) return NULL;
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 16;
        ps->p = realloc(ps->p, (size_t)ps->cap * sizeof *ps->p);
        if (!ps->p) abort();
    }
    nn_param *p = halo_xcalloc(1, sizeof *p);
    p->name = su_strdup(name);
    p->ndim = ndim;
    for (int i = 0; i < ndim; i++) p->shape[i] = shape[i];
    p->n = nn_shape_count(ndim, shape);
    p->w = halo_xcalloc(p->n ? p->n : 1, sizeof *p->w);
    p->g = halo_xcalloc(p->n ? p->n : 1, sizeof *p->g);
    ps->p[ps->n++] = p;
    return p;
}

size_t nn_params_count(const nn_params *ps)
{
    size_t n = 0;
    for (int i = 0; i < ps->n; i++) n += ps->p[i]->n;
    return n;
}

void nn_params_zero_grad(nn_params *ps)
{
    for (int i = 0; i < ps->n; i++) memset(ps->p[i]->g, 0, ps->p[i]->n * sizeof(float));
}

void nn_params_free(nn_params *ps)
{
    for (int i = 0; i < ps->n; i++) {
        nn_param *p = ps->p[i];
        free(p->name);
        free(p->w);
        free(p->g);
        free(p->m);
        free(p->v);
        free(p);
    }
    free(ps->p);
    memset(ps, 0, sizeof *ps);
}

void nn_init_uniform(nn_param *p, halo_rng *rng, float bound)
{
    for (size_t i = 0; i < p->n; i++) p->w[i] = (float)((2 * rng_uniform(rng) - 1) * bound);
}

void nn_init_normal(nn_param *p, halo_rng *rng, float std)
{
    for (size_t i = 0; i < p->n; i++) p->w[i] = (float)(rng_normal(rng) * std);
}

void nn_init_const(nn_param *p, float value)
{
    for (size_t i = 0; i < p->n; i++) p->w[i] = value;
}
