/*
 * fuzz_netcmp.h -- the round-trip property of the SPICE harnesses
 * (fuzz_spice.c, fuzz_postnet.c): a netlist halo wrote with
 * spice_write_text reads back, with spice_read_text, into the same
 * netlist, device by device.  A difference is printed with the text that
 * was written, then the harness aborts.
 *
 * What the writer legitimately normalises, and so what is compared in
 * normalised form:
 *   - a device whose name does not start with its element letter (a name
 *     from a subcircuit, "X1/M3", or a PDK model on M/R/C, which makes an
 *     X) is written with the letter in front ("MX1/M3", "XM1"): b's device
 *     is looked up under that name;
 *   - a netlist without ports is written as bare elements and takes the
 *     file's name when read again: the name is compared only with ports;
 *   - W of a transistor with a finger count is written as the total width
 *     (BSIM4), whatever the width mode it was read in: the total widths
 *     are compared, not the W params;
 *   - numbers are printed as the shortest text that reads back as the
 *     same double, geometry of M elements in metres with a u/p suffix and
 *     of X elements in um; reading converts and rounds lengths to 12
 *     significant digits (spice_read.c round_um), so values are equal
 *     within a relative 1e-9;
 *   - a param whose value is text is written as NAME=TEXT and compared as
 *     text.
 * Net roles are guessed from names and port membership on every read, so
 * nets present in both must agree on them.
 */
#ifndef HALO_FUZZ_NETCMP_H
#define HALO_FUZZ_NETCMP_H

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlist/netlist.h"

/* The name spice_write.c (add_name) gives a device (malloc'd). */
static inline char *fuzz_written_name(const netlist_device *d)
{
    size_t n = strlen(d->name) + 2;
    char *out = malloc(n);
    if (!out) abort();
    if (tolower((unsigned char)d->name[0]) != tolower((unsigned char)d->element))
        snprintf(out, n, "%c%s", d->element, d->name);
    else
        snprintf(out, n, "%s", d->name);
    return out;
}

static inline int fuzz_close(double a, double b)
{
    if (a == b) return 1;
    if (!isfinite(a) || !isfinite(b)) return 0;
    return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

__attribute__((noreturn)) static inline void fuzz_differ(const char *what, const char *text)
{
    fprintf(stderr, "round trip differs: %s\n--- written text:\n%s---\n", what, text);
    abort();
}

/* The params a writer puts in a form of its own (MOS W: the total width). */
static inline int fuzz_param_special(const netlist_device *d, const char *name)
{
    return netlist_is_mos(d) && d->nf > 0 && strcmp(name, "W") == 0;
}

static inline void fuzz_same_params(const netlist_device *a, const netlist_device *b, const char *text)
{
    char why[512];
    for (int i = 0; i < a->nparams; i++) {
        const netlist_param *pa = &a->params[i];
        if (fuzz_param_special(a, pa->name)) continue;
        const netlist_param *pb = netlist_param_find(b, pa->name);
        if (!pb) {
            snprintf(why, sizeof why, "device %s: param %s is missing", a->name, pa->name);
            fuzz_differ(why, text);
        }
        int same = pa->text ? (pb->text && strcmp(pa->text, pb->text) == 0)
                            : (!pb->text && fuzz_close(pa->value, pb->value));
        if (!same) {
            snprintf(why, sizeof why, "device %s: param %s = %.17g/%s vs %.17g/%s", a->name, pa->name, pa->value,
                     pa->text ? pa->text : "-", pb->value, pb->text ? pb->text : "-");
            fuzz_differ(why, text);
        }
    }
}

static inline void fuzz_same_device(const netlist *na, const netlist_device *a, const netlist *nb,
                                    const netlist_device *b, const char *text)
{
    char why[512];
    if (a->type != b->type || a->element != b->element || strcmp(a->model, b->model) != 0) {
        snprintf(why, sizeof why, "device %s: %s %c %s vs %s %c %s", a->name, netlist_devtype_name(a->type),
                 a->element, a->model, netlist_devtype_name(b->type), b->element, b->model);
        fuzz_differ(why, text);
    }
    if (a->npins != b->npins) {
        snprintf(why, sizeof why, "device %s: %d vs %d pins", a->name, a->npins, b->npins);
        fuzz_differ(why, text);
    }
    for (int p = 0; p < a->npins; p++) {
        const char *neta = na->nets[a->pins[p].net].name, *netb = nb->nets[b->pins[p].net].name;
        if (strcmp(a->pins[p].role, b->pins[p].role) != 0 || strcmp(neta, netb) != 0) {
            snprintf(why, sizeof why, "device %s pin %d: %s=%s vs %s=%s", a->name, p + 1, a->pins[p].role, neta,
                     b->pins[p].role, netb);
            fuzz_differ(why, text);
        }
    }
    if (a->nf != b->nf || (netlist_is_mos(a) && a->nf > 0 && !fuzz_close(netlist_total_w(a), netlist_total_w(b)))) {
        snprintf(why, sizeof why, "device %s: nf %d W %.17g vs nf %d W %.17g", a->name, a->nf, netlist_total_w(a),
                 b->nf, netlist_total_w(b));
        fuzz_differ(why, text);
    }
    fuzz_same_params(a, b, text);
    fuzz_same_params(b, a, text);
}

/* Abort unless b (read from text, which halo wrote of a) is a. */
static inline void fuzz_same_netlist(const netlist *a, const netlist *b, const char *text)
{
    char why[512];
    if (a->ndevs != b->ndevs || a->nports != b->nports) {
        snprintf(why, sizeof why, "%d devices %d ports vs %d devices %d ports", a->ndevs, a->nports, b->ndevs,
                 b->nports);
        fuzz_differ(why, text);
    }
    if (a->nports > 0 && strcmp(a->name, b->name) != 0) {
        snprintf(why, sizeof why, "name %s vs %s", a->name, b->name);
        fuzz_differ(why, text);
    }
    for (int i = 0; i < a->nports; i++)
        if (strcmp(a->nets[a->ports[i]].name, b->nets[b->ports[i]].name) != 0) {
            snprintf(why, sizeof why, "port %d: %s vs %s", i + 1, a->nets[a->ports[i]].name,
                     b->nets[b->ports[i]].name);
            fuzz_differ(why, text);
        }
    for (int i = 0; i < a->ndevs; i++) {
        char *name = fuzz_written_name(&a->devs[i]);
        int j = netlist_device_find(b, name);
        if (j < 0) {
            snprintf(why, sizeof why, "device %.200s (written %.200s) is missing", a->devs[i].name, name);
            fuzz_differ(why, text);
        }
        free(name);
        fuzz_same_device(a, &a->devs[i], b, &b->devs[j], text);
    }
    for (int i = 0; i < a->nnets; i++) {
        int j = netlist_net_find(b, a->nets[i].name);
        if (j < 0) continue;   /* a net no device uses is not written */
        if (a->nets[i].role != b->nets[j].role || a->nets[i].external != b->nets[j].external) {
            snprintf(why, sizeof why, "net %s: role %s/%d vs %s/%d", a->nets[i].name,
                     netlist_netrole_name(a->nets[i].role), a->nets[i].external,
                     netlist_netrole_name(b->nets[j].role), b->nets[j].external);
            fuzz_differ(why, text);
        }
    }
}

#endif
