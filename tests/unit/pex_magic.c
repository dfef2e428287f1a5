/*
 * pex_magic.c -- halo's parasitic extraction against Magic's on whole
 * layouts (placed and routed designs), net by net.
 *
 *   pex_magic MAGIC_TECH DIR GDS CELL... 
 *
 * Each CELL of GDS is flattened and snapped outward to 10 nm (Magic's
 * extraction is wrong on the 5 nm grid, magic_pex.h), every net given a
 * label (so that Magic names each node by halo's net, whatever layer its
 * first tile is on), written to DIR/snapped.gds, extracted by Magic, and
 * extracted by halo with its
 * nominal coefficients and with those of Magic's tech file (tech.json
 * pex_sets magic2020).
 *
 * Magic's tech misreads a MIM cap (magic_pex_mim_artifact, magic_pex.h): it charges
 * met4 over a capm to the substrate and takes the met3 under it away from
 * the bottom plate.  The tool computes that error from Magic's own
 * coefficients and the geometry, and prints Magic's value with and
 * without it.
 *
 * Prints, per net,
 *   net CELL NET HALO_FF HALO_MAGIC2020_FF MAGIC_FF MAGIC_CORRECTED_FF
 * and per cell
 *   total CELL HALO_FF HALO_MAGIC2020_FF MAGIC_FF MAGIC_CORRECTED_FF
 * (totals over the nets Magic has a node for).  Exits 1 on a usage or
 * file error, 0 otherwise: the caller judges the numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout/gds.h"
#include "verify/pex.h"
#include "magic_pex.h"

/* A label for every net of cell that has none, on one of its
 * rectangles of the highest conducting layer it has. */
static void label_nets(lay_lib *lib, int cell, const halo_tech *tech)
{
    static const char *const order[] = {"met4", "met3", "met2", "met1", "li1", "poly"};
    lay_flat *f = flat_build(lib, cell);
    halo_err err;
    ext_result *x = extract_run(f, tech, lib->cells[cell]->name, &err);
    lay_cell *c = lib->cells[cell];
    for (int n = 0; x && n < x->nl->nnets; n++) {
        int named = 0;
        for (int p = 0; p < c->npins; p++) named |= strcmp(c->pins[p].name, x->nl->nets[n].name) == 0;
        for (size_t o = 0; o < sizeof order / sizeof *order && !named; o++) {
            int l = flat_layer_find(f, order[o]);
            for (int i = 0; l >= 0 && i < f->layers[l].n && !named; i++)
                if (x->rect_net[l][i] == n) {
                    lay_pin_add(c, x->nl->nets[n].name, l, f->layers[l].boxes[i]);
                    named = 1;
                }
        }
    }
    extract_free(x);
    flat_free(f);
}

static int compare(lay_lib *lib, int cell, const halo_tech *tech, const char *dir)
{
    lay_flat *f = flat_build(lib, cell);
    halo_err err;
    ext_result *x = extract_run(f, tech, lib->cells[cell]->name, &err);
    if (!x) {
        fprintf(stderr, "pex_magic: %s: %s\n", lib->cells[cell]->name, err.msg);
        flat_free(f);
        return -1;
    }
    pex_result *nom = pex_run_set(f, x, tech, NULL, PEX_C, &err);
    pex_result *mag = pex_run_set(f, x, tech, tech_find_pex_set(tech, "magic2020"), PEX_C, &err);
    double *excess = calloc((size_t)x->nl->nnets + 1, sizeof *excess);
    magic_pex_mim_artifact(f, x, excess);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.ext", dir, lib->cells[cell]->name);
    double th = 0, tm2 = 0, tm = 0, tc = 0;
    for (int n = 0; nom && mag && n < x->nl->nnets; n++) {
        double g, m = magic_pex_total(path, f, x, n, &g);
        if (m < 0) continue;
        double h = nom->net_cap_f[n] * 1e15, h2 = mag->net_cap_f[n] * 1e15;
        double mc = (m - excess[n]) / 1e3;
        printf("net %s %s %.4f %.4f %.4f %.4f\n", lib->cells[cell]->name, x->nl->nets[n].name, h, h2, m / 1e3, mc);
        th += h;
        tm2 += h2;
        tm += m / 1e3;
        tc += mc;
    }
    printf("total %s %.4f %.4f %.4f %.4f\n", lib->cells[cell]->name, th, tm2, tm, tc);
    free(excess);
    pex_free(nom);
    pex_free(mag);
    extract_free(x);
    flat_free(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: pex_magic MAGIC_TECH DIR GDS CELL...\n");
        return 1;
    }
    halo_err err;
    halo_tech *tech = tech_load("sky130", &err);
    lay_lib *in = tech ? gds_read_file(argv[3], tech, &err) : NULL;
    if (!in) {
        fprintf(stderr, "pex_magic: %s\n", err.msg);
        return 1;
    }
    /* the flat, snapped copies, alone in a library of their own */
    int ncells = argc - 4, *copies = calloc((size_t)ncells, sizeof *copies);
    for (int k = 0; k < ncells; k++) {
        int c = lay_cell_find(in, argv[4 + k]);
        char name[300];
        snprintf(name, sizeof name, "%s_s10", argv[4 + k]);
        if (c < 0 || (copies[k] = lay_cell_flatten(in, c, name)) < 0) {
            fprintf(stderr, "pex_magic: no cell %s in %s\n", argv[4 + k], argv[3]);
            return 1;
        }
        magic_pex_snap10(in->cells[copies[k]]);
        label_nets(in, copies[k], tech);
    }
    char gds[1024];
    snprintf(gds, sizeof gds, "%s/snapped.gds", argv[2]);
    if (gds_write_file(in, copies, ncells, gds, &err) != 0) {
        fprintf(stderr, "pex_magic: %s\n", err.msg);
        return 1;
    }
    if (magic_pex_run(argv[1], argv[2], gds) != 0) {
        fprintf(stderr, "pex_magic: Magic failed (see %s/magic.log)\n", argv[2]);
        return 1;
    }
    int rc = 0;
    for (int k = 0; k < ncells; k++) rc |= compare(in, copies[k], tech, argv[2]);
    free(copies);
    lay_lib_free(in);
    tech_free(tech);
    return rc ? 1 : 0;
}
