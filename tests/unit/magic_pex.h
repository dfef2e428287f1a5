/*
 * magic_pex.h -- Magic's parasitic extraction as a reference for halo's:
 * run Magic's extraction over a GDS file and read each net's total
 * capacitance from its .ext files, naming Magic's nodes by halo's nets.
 *
 * Shared by test_pex.c (hand-built wires and device cells) and
 * pex_magic.c (placed and routed designs).  Header-only: each test is one
 * program.
 *
 * What this Magic (8.3.105, sky130A.tech of Dec 2020) needs for true
 * values (../shared/pdk/README.md): scalegrid 1 2 to read the 5 nm grid,
 * yet on that grid its capacitances come out wrong (area terms a quarter,
 * perimeter terms a half), so layouts are compared on a copy snapped to
 * 10 nm; "extract no adjust", since its hierarchical adjustment subtracts
 * bogus "subcap" values even from flat cells.
 */
#ifndef HALO_MAGIC_PEX_H
#define HALO_MAGIC_PEX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/extract.h"
#include "layout/flat.h"
#include "layout/layout.h"

/* Snap every rectangle and pin of cell outward to the 10 nm grid. */
static inline void magic_pex_snap10(lay_cell *c)
{
    for (int i = 0; i < c->nrects; i++) {
        lay_box *b = &c->rects[i].box;
        b->x0 = b->x0 / 10 * 10; b->y0 = b->y0 / 10 * 10;
        b->x1 = (b->x1 + 9) / 10 * 10; b->y1 = (b->y1 + 9) / 10 * 10;
    }
    for (int i = 0; i < c->npins; i++) {
        lay_box *b = &c->pins[i].box;
        b->x0 = b->x0 / 10 * 10; b->y0 = b->y0 / 10 * 10;
        b->x1 = (b->x1 + 9) / 10 * 10; b->y1 = (b->y1 + 9) / 10 * 10;
    }
}

/* Magic's flat extraction of every cell of gds into dir (CELL.ext). */
static inline int magic_pex_run(const char *techfile, const char *dir, const char *gds)
{
    char path[1024], cmd[2048];
    snprintf(path, sizeof path, "%s/pex.tcl", dir);
    FILE *fp = fopen(path, "w");
    if (!fp) return -1;
    fprintf(fp, "tech load %s\nscalegrid 1 2\ncif istyle sky130(vendor)\ngds read %s\ncd %s\n"
                "foreach c [cellname list allcells] {\n  if {$c eq \"(UNNAMED)\"} continue\n"
                "  load $c\n  select top cell\n  extract no adjust\n  extract all\n}\nquit -noprompt\n",
            techfile, gds, dir);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "cd %s && magic -dnull -noconsole -rcfile /dev/null pex.tcl > magic.log 2>&1", dir);
    return system(cmd);
}

/* The halo net under an unlabelled Magic node ("m3_0_0#"): Magic names it
 * after its type and the lower-left corner of its first tile, in internal
 * units of 5 nm (scalegrid 1 2).  -1 when not on a routing layer. */
static inline int magic_pex_node_net(const lay_flat *f, const ext_result *x, const char *type, long mx, long my)
{
    static const char *map[][2] = {{"m1", "met1"}, {"m2", "met2"}, {"m3", "met3"}, {"m4", "met4"},
                                   {"m5", "met5"}, {"li", "li1"}, {"p", "poly"}};
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
        if (strcmp(type, map[k][0]) != 0) continue;
        int l = flat_layer_find(f, map[k][1]);
        int32_t px = (int32_t)(5 * mx + 2), py = (int32_t)(5 * my + 2);
        for (int i = 0; l >= 0 && i < f->layers[l].n; i++) {
            lay_box b = f->layers[l].boxes[i];
            if (b.x0 <= px && px <= b.x1 && b.y0 <= py && py <= b.y1 && x->rect_net[l][i] >= 0)
                return x->rect_net[l][i];
        }
    }
    return -1;
}

/* The names of net's nodes in an .ext file: the one carrying its label,
 * and unlabelled ones lying on its shapes (Magic leaves the MIM bottom
 * plate apart from the N label).  Returns their number; *ground gets
 * their capacitance to substrate, aF. */
#define MAGIC_PEX_MAXNODES 64
static inline int magic_pex_nodes(FILE *fp, const lay_flat *f, const ext_result *x, int net,
                                  char names[][80], double *ground)
{
    char line[4096];
    int n = 0, found = 0;
    snprintf(names[n++], 80, "\"%s\"", x->nl->nets[net].name);
    *ground = 0;
    rewind(fp);
    while (fgets(line, sizeof line, fp)) {
        char a[80], type[16];
        double r, v;
        long mx, my;
        if (sscanf(line, "node %79s %lf %lf %ld %ld %15s", a, &r, &v, &mx, &my, type) != 6) continue;
        int mine = strcmp(a, names[0]) == 0;
        if (!mine && a[strlen(a) - 2] == '#' && n < MAGIC_PEX_MAXNODES && magic_pex_node_net(f, x, type, mx, my) == net) {
            snprintf(names[n++], 80, "%s", a);
            mine = 1;
        }
        if (mine) { *ground += v; found = 1; }
    }
    return found ? n : 0;
}

static inline int magic_pex_named(char names[][80], int n, const char *a)
{
    for (int k = 0; k < n; k++)
        if (strcmp(a, names[k]) == 0) return 1;
    return 0;
}

/* Magic's total capacitance of net in an .ext file, aF: its nodes'
 * capacitance to substrate plus every coupling capacitor touching them,
 * except those to net apart (-1: none; the other plate of a MIM cap when
 * the cap's dielectric is left out).  -1 when Magic has no node of net. */
static inline double magic_pex_total_apart(const char *path, const lay_flat *f, const ext_result *x, int net,
                                           int apart, double *ground)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return -1;
    char line[4096], names[MAGIC_PEX_MAXNODES][80], other[MAGIC_PEX_MAXNODES][80];
    int nn = magic_pex_nodes(fp, f, x, net, names, ground), no = 0;
    double g2, tot = *ground;
    if (apart >= 0) no = magic_pex_nodes(fp, f, x, apart, other, &g2);
    rewind(fp);
    while (nn && fgets(line, sizeof line, fp)) {
        char a[80], b[80];
        double v;
        if (sscanf(line, "cap %79s %79s %lf", a, b, &v) != 3) continue;
        int ia = magic_pex_named(names, nn, a), ib = magic_pex_named(names, nn, b);
        if (ia == ib) continue;
        if (magic_pex_named(other, no, ia ? b : a)) continue;
        tot += v;
    }
    fclose(fp);
    return nn ? tot : -1;
}

static inline double magic_pex_total(const char *path, const lay_flat *f, const ext_result *x, int net,
                                     double *ground)
{
    return magic_pex_total_apart(path, f, x, net, -1, ground);
}

/* Magic's coefficients (sky130A.tech, extract section) for what it
 * charges wrongly around a MIM cap, aF/um^2 and aF/um. */
#define MAGIC_M4_AREA 8.0     /* defaultareacap allm4 metal4 ... well 8 */
#define MAGIC_M4_PERIM 37.0   /* defaultperimeter allm4 metal4 well 37 */
#define MAGIC_M3_AREA 12.0    /* defaultareacap allm3 metal3 ... well 12 */
#define MAGIC_M3_PERIM 41.0   /* defaultperimeter allm3 metal3 ... well 41 */

static inline lay_box magic_pex_clip(lay_box a, lay_box m)
{
    lay_box r = {a.x0 > m.x0 ? a.x0 : m.x0, a.y0 > m.y0 ? a.y0 : m.y0,
                 a.x1 < m.x1 ? a.x1 : m.x1, a.y1 < m.y1 ? a.y1 : m.y1};
    return r;
}

static inline double magic_pex_area(lay_box b)
{
    return b.x1 > b.x0 && b.y1 > b.y0 ? (double)(b.x1 - b.x0) * (b.y1 - b.y0) * 1e-6 : 0;
}

/* Length, um, of the boundary of the union of disjoint slabs s that lies
 * strictly inside m: each slab edge less what a slab on its other side
 * covers. */
static inline double magic_pex_perimeter_inside(const lay_box *s, int n, lay_box m)
{
    double len = 0;
    for (int i = 0; i < n; i++)
        for (int e = 0; e < 4; e++) {
            int horiz = e < 2;
            int32_t at = e == 0 ? s[i].y0 : e == 1 ? s[i].y1 : e == 2 ? s[i].x0 : s[i].x1;
            int32_t lo = horiz ? s[i].x0 : s[i].y0, hi = horiz ? s[i].x1 : s[i].y1;
            if (at <= (horiz ? m.y0 : m.x0) || at >= (horiz ? m.y1 : m.x1)) continue;
            if (lo < (horiz ? m.x0 : m.y0)) lo = horiz ? m.x0 : m.y0;
            if (hi > (horiz ? m.x1 : m.y1)) hi = horiz ? m.x1 : m.y1;
            int32_t covered = 0;
            for (int j = 0; j < n && lo < hi; j++) {
                int32_t other = e == 0 ? s[j].y1 : e == 1 ? s[j].y0 : e == 2 ? s[j].x1 : s[j].x0;
                if (j == i || other != at) continue;
                int32_t a = horiz ? s[j].x0 : s[j].y0, b = horiz ? s[j].x1 : s[j].y1;
                a = a > lo ? a : lo;
                b = b < hi ? b : hi;
                if (a < b) covered += b - a;
            }
            if (hi > lo) len += (hi - lo - covered) * 1e-3;
        }
    return len;
}

/* What Magic's tech gets wrong around each MIM cap, per net, aF, to be
 * subtracted from Magic's value.  Magic puts the dielectric (mimcap) on
 * the metal3 plane in place of metal3, so (1) any met4 over a capm sees
 * the substrate, not the bottom plate under it -- area and edge fringe
 * at met4-to-substrate rates -- and (2) the bottom plate loses its met3
 * area under the capm and gains the capm's outline as a met3 edge with
 * fringe to the substrate.  Physically the bottom plate lies under the
 * whole top plate and shields what is above it. */
static inline void magic_pex_mim_artifact(const lay_flat *f, const ext_result *x, double *excess)
{
    int capm = flat_layer_find(f, "capm"), met3 = flat_layer_find(f, "met3"), met4 = flat_layer_find(f, "met4");
    for (int n = 0; n < x->nl->nnets; n++) excess[n] = 0;
    if (capm < 0 || met3 < 0 || met4 < 0) return;
    for (int k = 0; k < f->layers[capm].n; k++) {
        lay_box m = f->layers[capm].boxes[k];
        for (int n = 0; n < x->nl->nnets; n++) {
            lay_box *in = calloc((size_t)f->layers[met4].n + 1, sizeof *in), *slabs = NULL;
            int nin = 0;
            for (int i = 0; i < f->layers[met4].n; i++)
                if (x->rect_net[met4][i] == n && magic_pex_area(magic_pex_clip(f->layers[met4].boxes[i], m)) > 0)
                    in[nin++] = f->layers[met4].boxes[i];
            int ns = flat_merge(in, nin, &slabs);
            for (int i = 0; i < ns; i++)
                excess[n] += MAGIC_M4_AREA * magic_pex_area(magic_pex_clip(slabs[i], m));
            excess[n] += MAGIC_M4_PERIM * magic_pex_perimeter_inside(slabs, ns, m);
            free(slabs);
            free(in);
        }
        for (int i = 0; i < f->layers[met3].n; i++) {
            lay_box b = f->layers[met3].boxes[i];
            int n = x->rect_net[met3][i];
            if (n < 0 || b.x0 > m.x0 || b.y0 > m.y0 || b.x1 < m.x1 || b.y1 < m.y1) continue;
            excess[n] += MAGIC_M3_PERIM * 2e-3 * ((m.x1 - m.x0) + (m.y1 - m.y0)) - MAGIC_M3_AREA * magic_pex_area(m);
            break;
        }
    }
}

#endif
