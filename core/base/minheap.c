/*
 * minheap.c -- a binary min-heap of (key, item) pairs (see minheap.h).
 */
#include "minheap.h"

#include <stdlib.h>

int halo_minheap_push(halo_minheap *h, double key, int item)
{
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 1024;
        halo_minheap_item *v = realloc(h->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        h->v = v, h->cap = cap;
    }
    int k = h->n++;
    while (k > 0) {
        int p = (k - 1) / 2;
        if (h->v[p].key <= key) break;
        h->v[k] = h->v[p];
        k = p;
    }
    h->v[k] = (halo_minheap_item){key, item};
    return 0;
}

halo_minheap_item halo_minheap_pop(halo_minheap *h)
{
    halo_minheap_item top = h->v[0], last = h->v[--h->n];
    int k = 0, n = h->n;
    for (;;) {
        int c = 2 * k + 1;
        if (c >= n) break;
        if (c + 1 < n && h->v[c + 1].key < h->v[c].key) c++;
        if (h->v[c].key >= last.key) break;
        h->v[k] = h->v[c];
        k = c;
    }
    if (n > 0) h->v[k] = last;
    return top;
}

void halo_minheap_free(halo_minheap *h)
{
    free(h->v);
    h->v = NULL, h->n = h->cap = 0;
}
