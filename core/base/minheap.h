/*
 * minheap.h -- a binary min-heap of (key, item) pairs: the open list of
 * every shortest-path search in halo (the detailed router's A*, the
 * completion legaliser's route search).
 *
 * Owns: the growable array and its sift up / sift down.  Keys are fixed
 * when pushed; a search that finds a shorter way pushes the item again
 * and skips the stale entry when it pops (lazy deletion).
 */
#ifndef HALO_MINHEAP_H
#define HALO_MINHEAP_H

typedef struct halo_minheap_item {
    double key;
    int item;
} halo_minheap_item;

typedef struct halo_minheap {
    halo_minheap_item *v;
    int n, cap;
} halo_minheap;

/* 0, or -1 on no memory (the heap unchanged). */
int halo_minheap_push(halo_minheap *h, double key, int item);
/* The entry of least key, removed; h->n must be > 0. */
halo_minheap_item halo_minheap_pop(halo_minheap *h);
void halo_minheap_free(halo_minheap *h);

#endif
