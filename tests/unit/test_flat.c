/* test_flat.c -- flattening, the bin index and the slab merge, checked
 * against brute force on random rectangle sets. */
#include "layout/flat.h"
#include "base/rng.h"
#include "unit.h"

#include <stdlib.h>

/* Covered area by rasterising on the 10 nm lattice the boxes use. */
static long long raster_area(const lay_box *b, int n, int size)
{
    long long a = 0;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
            for (int i = 0; i < n; i++)
                if (x * 10 >= b[i].x0 && x * 10 < b[i].x1 && y * 10 >= b[i].y0 && y * 10 < b[i].y1) {
                    a += 100;
                    break;
                }
    return a;
}

static lay_box random_box(halo_rng *r, int size)
{
    int x = (int)rng_below(r, (uint64_t)size - 1), y = (int)rng_below(r, (uint64_t)size - 1);
    int w = 1 + (int)rng_below(r, (uint64_t)(size - x)), h = 1 + (int)rng_below(r, (uint64_t)(size - y));
    if (x + w > size) w = size - x;
    if (y + h > size) h = size - y;
    return lay_box_make(x * 10, y * 10, (x + w) * 10, (y + h) * 10);
}

TEST(merge_covers_the_union_without_overlap)
{
    halo_rng r;
    rng_seed(&r, 7);
    for (int trial = 0; trial < 300; trial++) {
        int n = 1 + (int)rng_below(&r, 12), size = 30;
        lay_box b[12];
        for (int i = 0; i < n; i++) b[i] = random_box(&r, size);
        lay_box *m;
        int nm = flat_merge(b, n, &m);
        CHECK_INT(flat_area(m, nm), raster_area(b, n, size));
        for (int i = 0; i < nm; i++)
            for (int j = i + 1; j < nm; j++) {
                int overlap = m[i].x0 < m[j].x1 && m[j].x0 < m[i].x1 && m[i].y0 < m[j].y1 &&
                              m[j].y0 < m[i].y1;
                CHECK(!overlap);
                /* maximal: no two slabs side by side on the same rows */
                CHECK(!(m[i].y0 == m[j].y0 && m[i].y1 == m[j].y1 &&
                        (m[i].x1 == m[j].x0 || m[j].x1 == m[i].x0)));
            }
        /* canonical: merging the merge gives the same slabs */
        lay_box *m2;
        int nm2 = flat_merge(m, nm, &m2);
        CHECK_INT(nm2, nm);
        if (nm2 == nm) CHECK(memcmp(m, m2, (size_t)nm * sizeof *m) == 0);
        free(m);
        free(m2);
        if (*unit_failed_) return;
    }
}

TEST(merge_keeps_slabs_ending_at_minus_one)
{
    /* the sweep once marked extended slabs with y1 = -1 and lost real
     * slabs ending there */
    lay_box b[] = {{0, -10, 10, -1}, {20, -10, 30, 5}, {0, -1, 5, 3}};
    lay_box *m;
    int n = flat_merge(b, 3, &m);
    CHECK_INT(flat_area(m, n), 90 + 150 + 20);
    free(m);
}

TEST(query_finds_exactly_the_touching_boxes)
{
    halo_tech *t = NULL;
    lay_lib *lib = lay_lib_new("t", t);
    int met1 = lay_layer_add(lib, "met1", 68, 20, 16, 5);
    int c = lay_cell_new(lib, "top");
    halo_rng r;
    rng_seed(&r, 11);
    for (int i = 0; i < 2000; i++) {
        lay_box b = random_box(&r, 3000);
        b.x1 = b.x0 + (b.x1 - b.x0) % 400 + 10;
        b.y1 = b.y0 + (b.y1 - b.y0) % 400 + 10;
        lay_rect_add(lib->cells[c], met1, b, -1);
    }
    lay_flat *f = flat_build(lib, c);
    CHECK_INT(f->layers[met1].n, 2000);
    int *hits = NULL, cap = 0;
    for (int q = 0; q < 200; q++) {
        lay_box w = random_box(&r, 3000);
        int n = flat_query(f, met1, w, &hits, &cap);
        int brute = 0;
        for (int i = 0; i < f->layers[met1].n; i++) {
            lay_box b = f->layers[met1].boxes[i];
            brute += !(b.x0 > w.x1 || b.x1 < w.x0 || b.y0 > w.y1 || b.y1 < w.y0);
        }
        CHECK_INT(n, brute);
        for (int k = 0; k < n; k++)
            for (int j = k + 1; j < n; j++) CHECK(hits[k] != hits[j]);
        if (*unit_failed_) break;
    }
    /* a window outside everything */
    CHECK_INT(flat_query(f, met1, lay_box_make(-900000, -900000, -800000, -800000), &hits, &cap), 0);
    free(hits);
    flat_free(f);
    lay_lib_free(lib);
}

UNIT_MAIN("test_flat")
