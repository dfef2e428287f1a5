/*
 * techmap.c -- netlist devices onto the technology's devices, and the
 * limits check (see techmap.h).
 *
 * The choices, for an analog designer to predict (and the README repeats):
 *   Resistor of value R.  The high-resistance poly family (res_high_po,
 *   about 320 ohm/sq, the usual precision resistor) in the narrowest fixed
 *   width whose length L = (R - heads) / sheet x W reaches the minimum
 *   length; when even the narrowest would be longer than 200 um, the
 *   extra-high family (res_xhigh_po, 2 kohm/sq) the same way, up to the
 *   2000 um the generator draws.  L is rounded to the grid, so the drawn
 *   resistance differs from R by at most half a grid step of body.
 *   Capacitor of value C.  A square MIM capacitor (cap_mim_m3_1) whose area
 *   and perimeter capacitance (Ca W L + Cp 2 (W + L)) give C, side on the
 *   grid, inside the device's 1..30 um.
 *   A value out of reach is refused with the limit, never clipped.
 */
#include "techmap.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/eng.h"
#include "base/strutil.h"

#define RES_PREFERRED_MAX_UM 200.0   /* beyond this, the next family */
#define RES_DRAWN_MAX_UM 2000.0      /* the longest body devgen draws */
#define CAP_DRAWN_MAX_UM 1000.0      /* the largest MIM side devgen draws */
#define CAP_DW_UM 0.025              /* drawn minus effective MIM side */
#define CAP_MAX_ASPECT 20            /* capm.6 */

static const char *const res_families[] = {"res_high_po_", "res_xhigh_po_"};

static int fail(halo_err *err, halo_msg_id id, const netlist *nl, const netlist_device *d, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(halo_err *err, halo_msg_id id, const netlist *nl, const netlist_device *d, const char *fmt, ...)
{
    char why[500];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return halo_err_set(err, id, netlist_device_file(nl, d), d->line, d->name, why);
}

/* um on the grid, in nm.  A length no device is drawn at (a capacitor of
 * a farad is kilometres a side) saturates rather than overflows: the
 * callers refuse it by its size. */
static int32_t snap(double um, int32_t grid_nm)
{
    double nm = round(um * 1000.0 / grid_nm) * grid_nm;
    if (!(nm < INT32_MAX)) return INT32_MAX;   /* (NaN too) */
    if (nm < INT32_MIN) return INT32_MIN;
    return (int32_t)nm;
}

/* The fixed-width devices of one resistor family, narrowest first. */
static int family_members(const halo_tech *tech, const char *family, const tech_device **out, int cap)
{
    int n = 0;
    for (int i = 0; i < tech->n_devices && n < cap; i++) {
        const tech_device *d = &tech->devices[i];
        if (strcmp(d->type, "res") != 0 || !su_has_prefix_ci(d->name, family)) continue;
        if (d->n_widths != 1 || !(d->sheet_ohm > 0)) continue;
        int k = n++;
        while (k > 0 && out[k - 1]->widths_nm[0] > d->widths_nm[0]) {
            out[k] = out[k - 1];
            k--;
        }
        out[k] = d;
    }
    return n;
}

int techmap_pick_resistor(const halo_tech *tech, double ohm, const tech_device **dev, int32_t *l_nm,
                          double *achieved, char *why, size_t whylen)
{
    enum { NFAM = sizeof res_families / sizeof res_families[0] };
    const tech_device *m[NFAM][16];
    int n[NFAM];
    double smallest = INFINITY, largest = 0;
    for (int f = 0; f < NFAM; f++) {
        n[f] = family_members(tech, res_families[f], m[f], 16);
        for (int i = 0; i < n[f]; i++) {
            double w = m[f][i]->widths_nm[0] / 1000.0;
            smallest = fmin(smallest, m[f][i]->sheet_ohm * (m[f][i]->l_min_nm / 1000.0) / w + m[f][i]->end_ohm);
            largest = fmax(largest, m[f][i]->sheet_ohm * RES_DRAWN_MAX_UM / w + m[f][i]->end_ohm);
        }
    }
    for (int f = 0; f < NFAM; f++) {
        double longest = f + 1 == NFAM ? RES_DRAWN_MAX_UM : RES_PREFERRED_MAX_UM;
        for (int i = 0; i < n[f]; i++) {
            double w = m[f][i]->widths_nm[0] / 1000.0, lmin = m[f][i]->l_min_nm / 1000.0;
            double l = (ohm - m[f][i]->end_ohm) / m[f][i]->sheet_ohm * w;
            if (!(l >= lmin)) continue;            /* too short: a wider one is longer */
            if (l > longest) break;                /* too long already: the next family */
            *dev = m[f][i];
            *l_nm = snap(l, tech->grid_nm);
            *achieved = m[f][i]->sheet_ohm * (*l_nm / 1000.0) / w + m[f][i]->end_ohm;
            return 0;
        }
    }
    if (!isfinite(smallest))
        snprintf(why, whylen, "the technology has no fixed-width poly resistor to draw %g ohm with", ohm);
    else
        snprintf(why, whylen, "%g ohm is outside the %g..%g ohm the poly resistors draw "
                 "(res_high_po / res_xhigh_po, L up to %g um)", ohm, smallest, largest, RES_DRAWN_MAX_UM);
    return -1;
}

int techmap_pick_capacitor(const halo_tech *tech, double farad, const tech_device **dev, int32_t *side_nm,
                           double *achieved, char *why, size_t whylen)
{
    const tech_device *mim = tech_find_device(tech, "cap_mim_m3_1");
    if (!mim || !(mim->cap_area_f_per_um2 > 0)) {
        snprintf(why, whylen, "the technology has no MIM capacitor (cap_mim_m3_1) to draw it with");
        return -1;
    }
    /* the capacitor is drawn CAP_DW smaller than its W (sky130.md §4.2
     * m3_dw), as devgen computes what it realises */
    double a = mim->cap_area_f_per_um2, p = 4 * mim->cap_perim_f_per_um;
    double side = (-p + sqrt(p * p + 4 * a * farad)) / (2 * a) + CAP_DW_UM;
    int32_t s = snap(side, tech->grid_nm);
    double smin = mim->w_min_nm / 1000.0, smax = mim->w_max_nm > 0 ? mim->w_max_nm / 1000.0 : CAP_DRAWN_MAX_UM;
    if (!(farad > 0) || s < mim->w_min_nm || s > smax * 1000.0) {
        double c0 = smin - CAP_DW_UM, c1 = smax - CAP_DW_UM;
        snprintf(why, whylen, "%g F is outside the %g..%g F of one square %s (%g..%g um a side)", farad,
                 a * c0 * c0 + p * c0, a * c1 * c1 + p * c1, mim->model, smin, smax);
        return -1;
    }
    *dev = mim;
    *side_nm = s;
    double wc = s / 1000.0 - CAP_DW_UM;
    *achieved = a * wc * wc + p * wc;
    return 0;
}

/* ------------------------------------------------------------- checks */

static int get_positive(const netlist *nl, const netlist_device *d, const char *name, double *v, halo_err *err)
{
    if (netlist_param_get(d, name, v) != 0) return 1;   /* absent */
    if (!(*v > 0) || !isfinite(*v))
        return -fail(err, HALO_E_SPC_LIMIT, nl, d, "%s = %g um must be a positive finite length", name, *v);
    return 0;
}

static int outside(double um, int32_t lo_nm, int32_t hi_nm)
{
    double nm = um * 1000.0;
    return (lo_nm > 0 && nm < lo_nm - 0.5) || (hi_nm > 0 && nm > hi_nm + 0.5);
}

/* "W = 0.2 um is below sky130_fd_pr__nfet_01v8's minimum 0.42 um". */
static int limit_fail(const netlist *nl, const netlist_device *d, const char *what, double um, int32_t lo_nm,
                      int32_t hi_nm, const tech_device *td, halo_err *err)
{
    int low = lo_nm > 0 && um * 1000.0 < lo_nm - 0.5;
    return fail(err, HALO_E_SPC_LIMIT, nl, d, "%s %g um is %s %s's %s %g um", what, um, low ? "below" : "above",
                td->model, low ? "minimum" : "maximum", (low ? lo_nm : hi_nm) / 1000.0);
}

static int check_mos(const netlist *nl, const netlist_device *d, const tech_device *td, halo_err *err)
{
    double w, l;
    int rw = get_positive(nl, d, "W", &w, err), rl = get_positive(nl, d, "L", &l, err);
    if (rw < 0 || rl < 0) return err->id;
    if (!td) return 0;
    if (rl == 0 && outside(l, td->l_min_nm, td->l_max_nm))
        return limit_fail(nl, d, "L =", l, td->l_min_nm, td->l_max_nm, td, err);
    if (rw != 0) return 0;
    /* a finger: the template's own, or W over a known count; an unsplit
     * total must hold one finger at least */
    double finger = netlist_finger_w(d);
    if (!(finger > 0)) {
        if (outside(w, td->w_min_nm, 0)) return limit_fail(nl, d, "W =", w, td->w_min_nm, 0, td, err);
        return 0;
    }
    if (outside(finger, td->w_min_nm, td->w_max_nm))
        return limit_fail(nl, d, "finger width", finger, td->w_min_nm, td->w_max_nm, td, err);
    return 0;
}

static int check_cap(const netlist *nl, const netlist_device *d, const tech_device *td, halo_err *err)
{
    const char *names[2] = {"W", "L"};
    double v[2];
    int got[2];
    for (int i = 0; i < 2; i++) {
        int r = get_positive(nl, d, names[i], &v[i], err);
        if (r < 0) return err->id;
        got[i] = r == 0;
        char what[8];
        snprintf(what, sizeof what, "%s =", names[i]);
        if (got[i] && td && outside(v[i], td->w_min_nm, td->w_max_nm))
            return limit_fail(nl, d, what, v[i], td->w_min_nm, td->w_max_nm, td, err);
    }
    if (td && got[0] && got[1] && (v[0] > CAP_MAX_ASPECT * v[1] || v[1] > CAP_MAX_ASPECT * v[0]))
        return fail(err, HALO_E_SPC_LIMIT, nl, d, "W x L = %g x %g um exceeds the aspect ratio %d of capm.6", v[0],
                    v[1], CAP_MAX_ASPECT);
    return 0;
}

static int check_res(const netlist *nl, const netlist_device *d, const tech_device *td, halo_err *err)
{
    double w, l;
    int rw = get_positive(nl, d, "W", &w, err), rl = get_positive(nl, d, "L", &l, err);
    if (rw < 0 || rl < 0) return err->id;
    if (!td) return 0;
    if (rl == 0 && outside(l, td->l_min_nm, 0)) return limit_fail(nl, d, "L =", l, td->l_min_nm, 0, td, err);
    if (rw == 0 && td->n_widths > 0) {
        for (int i = 0; i < td->n_widths; i++)
            if (fabs(w * 1000.0 - td->widths_nm[i]) < 0.5) return 0;
        su_buf b = {0};
        for (int i = 0; i < td->n_widths; i++) su_buf_printf(&b, "%s%g", i ? " " : "", td->widths_nm[i] / 1000.0);
        fail(err, HALO_E_SPC_LIMIT, nl, d, "W = %g um is not one of %s's widths (%s um)", w, td->model, b.s);
        su_buf_free(&b);
        return err->id;
    }
    if (rw == 0 && outside(w, td->w_min_nm, td->w_max_nm))
        return limit_fail(nl, d, "W =", w, td->w_min_nm, td->w_max_nm, td, err);
    return 0;
}

/* ------------------------------------------------------------- mapping */

/* The net a PDK resistor's body goes on: the design's ground port, else
 * a net called 0, GND or VSS; -1 when there is none. */
static int ground_net(const netlist *nl)
{
    for (int i = 0; i < nl->nports; i++)
        if (nl->nets[nl->ports[i]].role == NL_SUPPLY_NEG) return nl->ports[i];
    static const char *const names[] = {"0", "gnd", "vss"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int n = netlist_net_find(nl, names[i]);
        if (n >= 0) return n;
    }
    return -1;
}

static void set_origin(netlist_device *d, const char *what)
{
    free(d->origin);
    d->origin = su_strdup(what);
}

/* The value an ideal R or C is drawn for: r (c) folded with m. */
static int ideal_value(const netlist *nl, netlist_device *d, const char *key, double *v, halo_err *err)
{
    double m = 1;
    if (netlist_param_get(d, key, v) != 0)
        return fail(err, HALO_E_SPC_MAP, nl, d, "a %s without a value %s: halo lays out resistors and "
                    "capacitors by value, or by a PDK model with W and L",
                    d->type == NL_RES ? "resistor" : "capacitor", key);
    if (!(*v > 0) || !isfinite(*v))
        return fail(err, HALO_E_SPC_MAP, nl, d, "value %s = %g must be positive", key, *v);
    if (netlist_param_get(d, "m", &m) == 0 && m != 1) {
        if (!(m >= 1) || m != floor(m)) return fail(err, HALO_E_SPC_MAP, nl, d, "m = %g must be a whole number", m);
        *v = d->type == NL_RES ? *v / m : *v * m;   /* m in parallel */
        netlist_param_remove(d, "m");
    }
    return 0;
}

static void drop_params(netlist_device *d)
{
    while (d->nparams > 0) netlist_param_remove(d, d->params[d->nparams - 1].name);
}

/* The device becomes the technology's td: an X instance without the
 * params it was written with; `origin` keeps what that was. */
static void become(netlist_device *d, const char *key, double value, const tech_device *td)
{
    char origin[300];
    snprintf(origin, sizeof origin, "%c %s%s%s=%g", d->element, d->model, *d->model ? " " : "", key, value);
    set_origin(d, origin);
    free(d->model);
    d->model = su_strdup(td->model);
    d->element = 'X';
    drop_params(d);
}

static int map_resistor(netlist *nl, int di, const halo_tech *tech, int gnd, halo_err *err)
{
    netlist_device *d = &nl->devs[di];
    double ohm, got;
    const tech_device *td;
    int32_t l_nm;
    char why[400];
    int rc = ideal_value(nl, d, "r", &ohm, err);
    if (rc) return rc;
    if (gnd < 0)
        return fail(err, HALO_E_SPC_MAP, nl, d, "a poly resistor needs its body on the ground net, and the "
                    "design has no supply_neg port nor a net 0, GND or VSS");
    if (techmap_pick_resistor(tech, ohm, &td, &l_nm, &got, why, sizeof why) != 0)
        return fail(err, HALO_E_SPC_MAP, nl, d, "%s", why);
    become(d, "r", ohm, td);
    netlist_param_set(d, "L", l_nm / 1000.0);
    netlist_device_add_pin(nl, di, "B", gnd);
    return 0;
}

static int map_capacitor(netlist *nl, int di, const halo_tech *tech, halo_err *err)
{
    netlist_device *d = &nl->devs[di];
    double farad, got;
    const tech_device *td;
    int32_t side;
    char why[400];
    int rc = ideal_value(nl, d, "c", &farad, err);
    if (rc) return rc;
    if (techmap_pick_capacitor(tech, farad, &td, &side, &got, why, sizeof why) != 0)
        return fail(err, HALO_E_SPC_MAP, nl, d, "%s", why);
    become(d, "c", farad, td);
    netlist_param_set(d, "W", side / 1000.0);
    netlist_param_set(d, "L", side / 1000.0);
    return 0;
}

/* A resistor or capacitor element (R, C) the PDK does not define: an
 * ideal one, by value.  A PDK model made it an X when it was read. */
static int is_ideal_passive(const netlist_device *d)
{
    return (d->type == NL_RES && d->element == 'R') || (d->type == NL_CAP && d->element == 'C');
}

int techmap_apply(netlist *nl, const halo_tech *tech, halo_err *err)
{
    if (!tech) return 0;
    int gnd = ground_net(nl);
    for (int i = 0; i < nl->ndevs; i++) {
        netlist_device *d = &nl->devs[i];
        if (netlist_is_sim_only(d)) continue;
        int rc = 0;
        if (is_ideal_passive(d)) {
            rc = d->type == NL_RES ? map_resistor(nl, i, tech, gnd, err) : map_capacitor(nl, i, tech, err);
        } else if (d->type == NL_RES && d->element == 'X' && d->npins == 2) {
            /* R1 a b sky130_fd_pr__res_high_po_0p35 L=..: the body */
            if (gnd < 0)
                return fail(err, HALO_E_SPC_MAP, nl, d, "%s has a body terminal; write it with three nodes "
                            "or give the design a supply_neg port", d->model);
            netlist_device_add_pin(nl, i, "B", gnd);
        }
        if (rc) return rc;
        d = &nl->devs[i];
        const tech_device *td = tech_find_device(tech, d->model);
        if (netlist_is_mos(d)) rc = check_mos(nl, d, td, err);
        else if (d->type == NL_CAP) rc = check_cap(nl, d, td, err);
        else if (d->type == NL_RES) rc = check_res(nl, d, td, err);
        if (rc) return rc;
    }
    return 0;
}
