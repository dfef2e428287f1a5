/*
 * fuzz_gds.c -- libFuzzer harness of the GDSII reader and writer.
 *
 * Any input must give a library or an error whose message names the file
 * and a byte offset.  A library read from GDS must write, read back to
 * cells that lay_cell_compare finds equal one by one, and write again to
 * the same bytes.  Each input is read twice: with the sky130 layer table
 * (pins, labels, known layers) and with none (every pair a new layer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layout/gds.h"
#include "tech/tech.h"

static const halo_tech *sky130(void)
{
    static halo_tech *tech;
    static int loaded;
    if (!loaded) {
        halo_err err;
        loaded = 1;
        tech = tech_load("sky130", &err);
        if (!tech) abort();
    }
    return tech;
}

/* Every cell of a has an equal namesake in b, and the counts agree. */
static void compare_cells(const lay_lib *a, const lay_lib *b)
{
    if (a->ncells != b->ncells) abort();
    for (int i = 0; i < a->ncells; i++) {
        char why[512];
        int j = lay_cell_find(b, a->cells[i]->name);
        if (j < 0 || lay_cell_compare(a, i, b, j, why, sizeof why) != 0) abort();
    }
}

static void round_trip(const uint8_t *data, size_t size, const halo_tech *tech)
{
    halo_err err;
    halo_err_clear(&err);
    lay_lib *a = gds_read_mem(data, size, "fuzz.gds", tech, &err);
    if (!a) {
        if (err.id == HALO_OK || strncmp(err.msg, "fuzz.gds: offset ", 17) != 0) abort();
        return;
    }
    unsigned char *d1, *d2;
    size_t n1, n2;
    if (gds_write_mem(a, NULL, 0, &d1, &n1, &err) != 0) abort();   /* what halo reads it can write */
    lay_lib *b = gds_read_mem(d1, n1, "fuzz.gds", tech, &err);
    if (!b) abort();                                               /* and read back */
    compare_cells(a, b);
    if (gds_write_mem(b, NULL, 0, &d2, &n2, &err) != 0) abort();
    if (n1 != n2 || memcmp(d1, d2, n1) != 0) abort();              /* byte for byte */
    free(d1);
    free(d2);
    lay_lib_free(a);
    lay_lib_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    round_trip(data, size, sky130());
    round_trip(data, size, NULL);
    return 0;
}
