/*
 * size_space.c -- building the sizing space, sampling it, applying a
 * sizing (see size_space.h for the rules).
 */
#include "size_space.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

void sspace_opts_default(sspace_opts *o)
{
    memset(o, 0, sizeof *o);
    o->w_lo = 0.5, o->w_hi = 2.0;
    o->l_lo = 0.67, o->l_hi = 2.0;
    o->p_lo = 0.7, o->p_hi = 1.4;
    o->passives = 1;
    o->grid_um = 0.01;
}

/* ---------------------------------------------------------------- ties */

static int uf_find(int *parent, int i)
{
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
}

/* Union keeping the lower index as the root, so the representative of a
 * group is its first device in netlist order. */
static void uf_union(int *parent, int a, int b)
{
    a = uf_find(parent, a), b = uf_find(parent, b);
    if (a == b) return;
    if (a < b) parent[b] = a;
    else parent[a] = b;
}

/* The class of device a sizing treats alike: MOS of one polarity, one
 * kind of passive; 0 when the device is not sized. */
static int size_class(const netlist_device *d, int passives)
{
    if (d->type == NL_NMOS) return 1;
    if (d->type == NL_PMOS) return 2;
    if (!passives || d->element != 'X') return 0;  /* ideal R/C: a value, not a size */
    if (d->type == NL_CAP) return 3;
    if (d->type == NL_RES) return 4;
    return 0;
}

static void tie_devices(const netlist *nl, const sspace_opts *o, int *parent)
{
    for (int i = 0; i < nl->ndevs; i++) parent[i] = i;
    for (int i = 0; i < nl->ndevs; i++)
        for (int j = i + 1; j < nl->ndevs; j++)
            if (nl->devs[i].match_group >= 0 && nl->devs[i].match_group == nl->devs[j].match_group &&
                size_class(&nl->devs[i], o->passives) == size_class(&nl->devs[j], o->passives))
                uf_union(parent, i, j);
    for (int k = 0; k < o->nties; k++) {
        int a = o->ties[k][0], b = o->ties[k][1];
        if (a >= 0 && b >= 0 && a < nl->ndevs && b < nl->ndevs &&
            size_class(&nl->devs[a], o->passives) == size_class(&nl->devs[b], o->passives))
            uf_union(parent, a, b);
    }
}

/* ---------------------------------------------------------------- variables */

/* The value a variable of kind reads from device d (µm), 0 when absent. */
static double device_value(const netlist_device *d, sspace_kind kind)
{
    double v = 0;
    const char *p = (kind == SSPACE_W || kind == SSPACE_CAP_SIDE) ? "W" : "L";
    if (netlist_param_get(d, p, &v) != 0) return 0;
    return v;
}

/* Technology limits of a variable of kind on device d: [*lo, *hi] µm
 * (0 = none). */
static void tech_limits(const halo_tech *tech, const netlist_device *d, sspace_kind kind, double *lo,
                        double *hi)
{
    *lo = 0, *hi = 0;
    const tech_device *td = tech ? tech_find_device(tech, d->model) : NULL;
    if (!td) return;
    int fingers = (d->wmode == NETLIST_W_TOTAL && d->nf > 0) ? d->nf : 1;
    if (kind == SSPACE_W || kind == SSPACE_CAP_SIDE) {
        *lo = td->w_min_nm * 1e-3 * fingers;
        *hi = td->w_max_nm * 1e-3 * fingers;
    } else {
        *lo = td->l_min_nm * 1e-3;
        *hi = td->l_max_nm * 1e-3;
    }
}

static int add_var(size_space *s, const netlist *nl, const halo_tech *tech, const sspace_opts *o,
                   const int *members, int nmem, sspace_kind kind)
{
    const netlist_device *rep = &nl->devs[members[0]];
    double nominal = device_value(rep, kind);
    if (!(nominal > 0) || !isfinite(nominal)) return 0;  /* unsized device: nothing to vary */
    double slo = o->w_lo, shi = o->w_hi;
    if (kind == SSPACE_L) slo = o->l_lo, shi = o->l_hi;
    if (kind == SSPACE_CAP_SIDE || kind == SSPACE_RES_L) slo = o->p_lo, shi = o->p_hi;
    sspace_var *v = &s->vars[s->nvars];
    memset(v, 0, sizeof *v);
    static const char *suffix[] = {"W", "L", "W", "L"};
    snprintf(v->name, sizeof v->name, "%s.%s", rep->name, suffix[kind]);
    v->kind = kind;
    v->nominal = nominal;
    v->lo = nominal * slo, v->hi = nominal * shi;
    v->dev = halo_xmalloc(sizeof *v->dev * nmem);
    v->ratio = halo_xmalloc(sizeof *v->ratio * nmem);
    for (int k = 0; k < nmem; k++) {
        double mv = device_value(&nl->devs[members[k]], kind);
        v->dev[v->ndev] = members[k];
        v->ratio[v->ndev++] = mv > 0 ? mv / nominal : 1.0;
        /* every member must stay within its own limits: narrow the range */
        double tlo, thi, r = v->ratio[v->ndev - 1];
        tech_limits(tech, &nl->devs[members[k]], kind, &tlo, &thi);
        if (tlo > 0 && v->lo * r < tlo) v->lo = tlo / r;
        if (thi > 0 && v->hi * r > thi) v->hi = thi / r;
    }
    if (v->hi < v->lo) v->hi = v->lo;   /* a range the limits pinch to one point */
    s->nvars++;
    return 0;
}

int sspace_build(const netlist *nl, const halo_tech *tech, const sspace_opts *o, size_space *s,
                 halo_err *err)
{
    memset(s, 0, sizeof *s);
    s->grid_um = o->grid_um > 0 ? o->grid_um : 0.01;
    int n = nl->ndevs;
    int *parent = halo_xmalloc(sizeof *parent * (n ? n : 1));
    int *members = halo_xmalloc(sizeof *members * (n ? n : 1));
    tie_devices(nl, o, parent);
    s->vars = halo_xmalloc(sizeof *s->vars * (2 * n + 1));
    for (int i = 0; i < n; i++) {
        int cls = size_class(&nl->devs[i], o->passives);
        if (!cls || uf_find(parent, i) != i) continue;
        int nmem = 0;
        for (int j = i; j < n; j++)
            if (uf_find(parent, j) == i) members[nmem++] = j;
        if (cls <= 2) {
            add_var(s, nl, tech, o, members, nmem, SSPACE_W);
            add_var(s, nl, tech, o, members, nmem, SSPACE_L);
        } else {
            add_var(s, nl, tech, o, members, nmem, cls == 3 ? SSPACE_CAP_SIDE : SSPACE_RES_L);
        }
    }
    free(parent);
    free(members);
    if (s->nvars == 0) {
        sspace_free(s);
        return halo_err_set(err, HALO_E_SIZ_STATE, NULL, 0,
                            "The design has no transistor or PDK passive with a numeric size to vary.");
    }
    return 0;
}

void sspace_free(size_space *s)
{
    for (int i = 0; i < s->nvars; i++) {
        free(s->vars[i].dev);
        free(s->vars[i].ratio);
    }
    free(s->vars);
    memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------- values */

/* v rounded to the grid g, as the decimal a designer writes: round(v/g)
 * divided by 1/g when that is a whole number (789 / 100 is 7.89 exactly
 * as a double can hold it; 789 * 0.01 is 7.890000000000001). */
static double grid_round(double v, double g)
{
    double inv = round(1.0 / g);
    if (inv > 0 && fabs(inv * g - 1) < 1e-12) return round(v * inv) / inv;
    return round(v / g) * g;
}

static double snap_one(const size_space *s, const sspace_var *v, double x)
{
    if (!isfinite(x)) x = v->nominal;
    if (x < v->lo) x = v->lo;
    if (x > v->hi) x = v->hi;
    double g = s->grid_um;
    double q = grid_round(x, g);
    if (q < v->lo - 1e-12) q += g;   /* rounding left the range: step back in */
    if (q > v->hi + 1e-12) q -= g;
    return q > 0 ? q : g;
}

void sspace_snap(const size_space *s, double *x)
{
    for (int i = 0; i < s->nvars; i++) x[i] = snap_one(s, &s->vars[i], x[i]);
}

void sspace_sample(const size_space *s, halo_rng *rng, double *x)
{
    for (int i = 0; i < s->nvars; i++) {
        const sspace_var *v = &s->vars[i];
        double u = rng_uniform(rng);
        x[i] = exp(log(v->lo) + u * (log(v->hi) - log(v->lo)));
    }
    sspace_snap(s, x);
}

void sspace_nominal(const size_space *s, double *x)
{
    for (int i = 0; i < s->nvars; i++) x[i] = s->vars[i].nominal;
    sspace_snap(s, x);
}

/* Round a member's size to the grid too: ratio * x is rarely on it. */
static double on_grid(double v, double g)
{
    double q = grid_round(v, g);
    return q > 0 ? q : g;
}

void sspace_apply(const size_space *s, const double *x, netlist *nl)
{
    for (int i = 0; i < s->nvars; i++) {
        const sspace_var *v = &s->vars[i];
        const char *p = (v->kind == SSPACE_W || v->kind == SSPACE_CAP_SIDE) ? "W" : "L";
        for (int k = 0; k < v->ndev; k++) {
            if (v->dev[k] >= nl->ndevs) continue;
            netlist_device *d = &nl->devs[v->dev[k]];
            double val = on_grid(x[i] * v->ratio[k], s->grid_um);
            double old = 0;
            netlist_param_get(d, p, &old);
            netlist_param_set(d, p, val);
            if (v->kind == SSPACE_CAP_SIDE && old > 0) {
                double l = 0;   /* a MIM keeps its aspect ratio */
                if (netlist_param_get(d, "L", &l) == 0) netlist_param_set(d, "L", on_grid(l * val / old, s->grid_um));
            }
            static const char *geometry[] = {"ad", "as", "pd", "ps"};
            for (int g = 0; g < 4; g++) netlist_param_remove(d, geometry[g]);
        }
    }
}

void sspace_read(const size_space *s, const netlist *nl, double *x)
{
    for (int i = 0; i < s->nvars; i++) {
        const sspace_var *v = &s->vars[i];
        x[i] = v->dev[0] < nl->ndevs ? device_value(&nl->devs[v->dev[0]], v->kind) : v->nominal;
    }
}

int sspace_find(const size_space *s, const char *name)
{
    for (int i = 0; i < s->nvars; i++)
        if (su_casecmp(s->vars[i].name, name) == 0) return i;
    return -1;
}
