/*
 * cmd_chart.c -- the write_chart command: box plots, histograms and line charts as
 * PNG files (core/layout/render_chart.h draws them).
 *
 * The options become a dict of panel keys (the option name without its
 * dash).  Without -panels that dict is the one panel; with -panels each
 * element is a dict of the same keys laid over it, so options given once
 * (a shared -groups, -xlabel, -bins) serve every panel, and -title names
 * the whole figure.  Every value is checked before anything is drawn; an
 * error names the option -- or the panel and its key -- and the bad
 * element.  The command keeps no state and touches no design.
 */
#include "halo_tcl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "layout/render_chart.h"

static const char *const kind_names[] = {"box", "hist", "line", NULL};

/* The keys of a panel, and for each the kinds it applies to (bit per
 * chart_kind; 7 = all). */
static const struct {
    const char *key;
    int kinds;
} panel_keys[] = {
    {"kind", 7}, {"title", 7}, {"xlabel", 7}, {"ylabel", 7}, {"ylim", 7},
    {"groups", 1}, {"series", 5}, {"outliers", 1}, {"ref", 5},
    {"values", 2}, {"bins", 2}, {"truth", 2}, {"truth_label", 2},
    {"logx", 4},
};
#define NKEYS ((int)(sizeof panel_keys / sizeof panel_keys[0]))
#define KEY_LIST "kind, title, xlabel, ylabel, ylim, groups, series, outliers, ref, values, bins, truth, " \
                 "truth_label or logx"

/* Where a panel's keys come from: the options, and for a panel of
 * -panels its own dict (which names the key in errors). */
typedef struct pctx {
    Tcl_Interp *interp;
    Tcl_Obj *own;           /* the panel's dict; NULL without -panels */
    int index;              /* 0-based, in -panels */
} pctx;

static Tcl_Obj *get(Tcl_Obj *dict, const char *key)
{
    Tcl_Obj *k = Tcl_NewStringObj(key, -1), *v = NULL;
    Tcl_IncrRefCount(k);
    if (dict) Tcl_DictObjGet(NULL, dict, k, &v);
    Tcl_DecrRefCount(k);
    return v;
}

/* "-values", or "-panels, panel 2, values" when the panel's dict set it. */
static const char *where(const pctx *x, const char *key, char *buf, size_t n)
{
    if (x->own && get(x->own, key)) snprintf(buf, n, "-panels, panel %d, %s", x->index + 1, key);
    else snprintf(buf, n, "-%s", key);
    return buf;
}

/* A value as an error shows it: at most 60 characters. */
static const char *shown(Tcl_Obj *o, char buf[80])
{
    const char *s = Tcl_GetString(o);
    if (strlen(s) <= 60) return s;
    snprintf(buf, 80, "%.57s...", s);
    return buf;
}

static int fail_value(const pctx *x, const char *key, Tcl_Obj *v, const char *expected)
{
    char w[96], b[80];
    return halo_tcl_fail(x->interp, HALO_E_PLT_VALUE, where(x, key, w, sizeof w), shown(v, b), expected);
}

static int fail_shape(const pctx *x, const char *key, const char *why)
{
    char w[96];
    return halo_tcl_fail(x->interp, HALO_E_PLT_SHAPE, where(x, key, w, sizeof w), why);
}

/* ---------------------------------------------------------------- values */

/* A number, or NaN for "nan" (Tcl's own parser refuses it): charts skip
 * and count such values rather than refuse them. */
static int get_number(Tcl_Obj *o, double *v)
{
    if (Tcl_GetDoubleFromObj(NULL, o, v) == TCL_OK) return 1;
    const char *s = Tcl_GetString(o);
    if (*s == '-' || *s == '+') s++;
    if (su_casecmp(s, "nan") != 0) return 0;
    *v = NAN;
    return 1;
}

/* The numbers of list into out; what names the list in errors ("" or
 * "series mlp, group 2 (gain)"). */
static int parse_numbers(const pctx *x, const char *key, Tcl_Obj *list, const char *what, chart_vec *out)
{
    int n;
    Tcl_Obj **e;
    if (Tcl_ListObjGetElements(NULL, list, &n, &e) != TCL_OK) return fail_value(x, key, list, "a list of numbers");
    for (int i = 0; i < n; i++) {
        double v;
        if (get_number(e[i], &v)) {
            chart_vec_push(out, v);
            continue;
        }
        char w[96], el[200], b[80];
        snprintf(el, sizeof el, "%s%selement %d", what, *what ? ", " : "", i + 1);
        return halo_tcl_fail(x->interp, HALO_E_PLT_NUMBER, where(x, key, w, sizeof w), el, shown(e[i], b));
    }
    return TCL_OK;
}

static int parse_int(const pctx *x, const char *key, Tcl_Obj *v, int lo, int hi, const char *expected, int *out)
{
    if (Tcl_GetIntFromObj(NULL, v, out) != TCL_OK || *out < lo || *out > hi) return fail_value(x, key, v, expected);
    return TCL_OK;
}

static int parse_bool(const pctx *x, const char *key, Tcl_Obj *v, int *out)
{
    if (Tcl_GetBooleanFromObj(NULL, v, out) != TCL_OK) return fail_value(x, key, v, "a boolean");
    return TCL_OK;
}

static int parse_ylim(const pctx *x, Tcl_Obj *v, chart_panel *p)
{
    int n;
    Tcl_Obj **e;
    if (Tcl_ListObjGetElements(NULL, v, &n, &e) != TCL_OK || n != 2 || Tcl_GetDoubleFromObj(NULL, e[0], &p->ylim[0]) ||
        Tcl_GetDoubleFromObj(NULL, e[1], &p->ylim[1]) || !(p->ylim[0] < p->ylim[1]) || !isfinite(p->ylim[1] - p->ylim[0]))
        return fail_value(x, "ylim", v, "{LO HI}, two finite numbers with LO < HI");
    p->has_ylim = 1;
    return TCL_OK;
}

/* ---------------------------------------------------------------- series */

/* Series NAME DATA pairs: the elements of list (even count, not none). */
static int series_pairs(const pctx *x, Tcl_Obj *list, int *n, Tcl_Obj ***e, const char *expected)
{
    if (Tcl_ListObjGetElements(NULL, list, n, e) != TCL_OK || *n % 2) return fail_value(x, "series", list, expected);
    if (*n == 0) return fail_shape(x, "series", "the list is empty");
    return TCL_OK;
}

/* Box: each series gives one list of values per group; a series may be
 * {} (no data).  Without -groups the groups are numbered. */
static int parse_box_series(const pctx *x, Tcl_Obj *list, int named, chart_panel *p)
{
    int n;
    Tcl_Obj **e;
    if (series_pairs(x, list, &n, &e, "NAME {VALUES-OF-GROUP-1 VALUES-OF-GROUP-2 ...} pairs") != TCL_OK)
        return TCL_ERROR;
    for (int i = 0; i < n; i += 2) {
        const char *name = Tcl_GetString(e[i]);
        int ng;
        Tcl_Obj **g;
        if (Tcl_ListObjGetElements(NULL, e[i + 1], &ng, &g) != TCL_OK)
            return fail_value(x, "series", e[i + 1], "a list with one list of values per group");
        if (!named && p->ngroups == 0)
            for (int k = 0; k < ng; k++) {
                char num[16];
                snprintf(num, sizeof num, "%d", k + 1);
                chart_add_group(p, num);
            }
        if (ng && ng != p->ngroups) {
            char why[300];
            snprintf(why, sizeof why, "series %.80s has %d list%s of values; expected one per group, %d (%s)", name,
                     ng, ng == 1 ? "" : "s", p->ngroups, named ? "as -groups names" : "as the series before it");
            return fail_shape(x, "series", why);
        }
        chart_series *s = chart_add_series(p, name);
        for (int k = 0; k < ng; k++) {
            char what[200];
            snprintf(what, sizeof what, "series %.80s, group %d (%.60s)", name, k + 1, p->groups[k]);
            if (parse_numbers(x, "series", g[k], what, chart_series_group(s, k)) != TCL_OK) return TCL_ERROR;
        }
    }
    return TCL_OK;
}

static int parse_point(const pctx *x, Tcl_Obj *pt, const char *name, int k, chart_series *s)
{
    int n;
    Tcl_Obj **e;
    char what[160];
    snprintf(what, sizeof what, "series %.80s, point %d", name, k + 1);
    if (Tcl_ListObjGetElements(NULL, pt, &n, &e) != TCL_OK || n != 2) {
        char w[96], b[80], key[256];
        snprintf(key, sizeof key, "%s, %s", where(x, "series", w, sizeof w), what);
        return halo_tcl_fail(x->interp, HALO_E_PLT_VALUE, key, shown(pt, b), "a point {X Y}");
    }
    for (int c = 0; c < 2; c++) {
        double v;
        if (!get_number(e[c], &v)) {
            char w[96], b[80], el[200];
            snprintf(el, sizeof el, "%s, %s", what, c ? "y" : "x");
            return halo_tcl_fail(x->interp, HALO_E_PLT_NUMBER, where(x, "series", w, sizeof w), el, shown(e[c], b));
        }
        chart_vec_push(c ? &s->y : &s->x, v);
    }
    return TCL_OK;
}

/* Line: each series gives a list of {X Y} points; {} is a series with no
 * data. */
static int parse_line_series(const pctx *x, Tcl_Obj *list, chart_panel *p)
{
    int n;
    Tcl_Obj **e;
    if (series_pairs(x, list, &n, &e, "NAME {{X Y} {X Y} ...} pairs") != TCL_OK) return TCL_ERROR;
    for (int i = 0; i < n; i += 2) {
        const char *name = Tcl_GetString(e[i]);
        int np;
        Tcl_Obj **pts;
        if (Tcl_ListObjGetElements(NULL, e[i + 1], &np, &pts) != TCL_OK)
            return fail_value(x, "series", e[i + 1], "a list of points {X Y}");
        chart_series *s = chart_add_series(p, name);
        for (int k = 0; k < np; k++)
            if (parse_point(x, pts[k], name, k, s) != TCL_OK) return TCL_ERROR;
    }
    return TCL_OK;
}

/* ---------------------------------------------------------------- panels */

/* Every key of d is a panel key that applies to kind. */
static int check_keys(const pctx *x, Tcl_Obj *d, chart_kind kind)
{
    Tcl_DictSearch search;
    Tcl_Obj *k, *v;
    int done, rc = TCL_OK;
    Tcl_DictObjFirst(NULL, d, &search, &k, &v, &done);
    for (; !done && rc == TCL_OK; Tcl_DictObjNext(&search, &k, &v, &done)) {
        int i = 0;
        while (i < NKEYS && strcmp(panel_keys[i].key, Tcl_GetString(k)) != 0) i++;
        if (i == NKEYS) {
            char w[64], b[80];
            snprintf(w, sizeof w, "-panels, panel %d, key", x->index + 1);
            rc = halo_tcl_fail(x->interp, HALO_E_PLT_VALUE, w, shown(k, b), "one of " KEY_LIST);
        } else if (!(panel_keys[i].kinds & (1 << kind))) {
            char why[160];
            snprintf(why, sizeof why, "a %s chart does not use it", kind_names[kind]);
            rc = fail_shape(x, panel_keys[i].key, why);
        }
    }
    Tcl_DictObjDone(&search);
    return rc;
}

static int panel_kind(const pctx *x, Tcl_Obj *d, chart_kind *kind)
{
    Tcl_Obj *v = get(d, "kind");
    int k;
    if (!v) return fail_shape(x, "kind", "none given; expected box, hist or line");
    if (Tcl_GetIndexFromObjStruct(NULL, v, kind_names, sizeof(char *), "kind", 0, &k) != TCL_OK)
        return fail_value(x, "kind", v, "box, hist or line");
    *kind = (chart_kind)k;
    return TCL_OK;
}

static int need(const pctx *x, Tcl_Obj *d, chart_kind kind, const char *key, const char *form)
{
    if (get(d, key)) return TCL_OK;
    char what[200];
    snprintf(what, sizeof what, "-%s %s", key, form);
    if (x->own) snprintf(what + strlen(what), sizeof what - strlen(what), " (panel %d has none)", x->index + 1);
    return halo_tcl_fail(x->interp, HALO_E_PLT_NEED, kind_names[kind], what);
}

static int parse_box(const pctx *x, Tcl_Obj *d, chart_panel *p)
{
    Tcl_Obj *v;
    if (need(x, d, CHART_BOX, "series", "{NAME {VALUES-OF-GROUP-1 ...} ...}") != TCL_OK) return TCL_ERROR;
    if ((v = get(d, "groups"))) {
        int n;
        Tcl_Obj **e;
        if (Tcl_ListObjGetElements(NULL, v, &n, &e) != TCL_OK || n == 0)
            return fail_value(x, "groups", v, "a list of group names");
        for (int i = 0; i < n; i++) chart_add_group(p, Tcl_GetString(e[i]));
    }
    if (parse_box_series(x, get(d, "series"), p->ngroups > 0, p) != TCL_OK) return TCL_ERROR;
    int shown_out = 1;
    if ((v = get(d, "outliers")) && parse_bool(x, "outliers", v, &shown_out) != TCL_OK) return TCL_ERROR;
    p->hide_outliers = !shown_out;
    if ((v = get(d, "ref")) && parse_numbers(x, "ref", v, "", &p->refs) != TCL_OK) return TCL_ERROR;
    return TCL_OK;
}

static int parse_hist(const pctx *x, Tcl_Obj *d, chart_panel *p)
{
    Tcl_Obj *v;
    if (need(x, d, CHART_HIST, "values", "{V V ...}") != TCL_OK) return TCL_ERROR;
    if (parse_numbers(x, "values", get(d, "values"), "", &p->values) != TCL_OK) return TCL_ERROR;
    if (p->values.n == 0) return fail_shape(x, "values", "the list is empty");
    if ((v = get(d, "bins")) && parse_int(x, "bins", v, 1, 1000, "a bin count from 1 to 1000", &p->bins) != TCL_OK)
        return TCL_ERROR;
    if ((v = get(d, "truth")) && parse_numbers(x, "truth", v, "", &p->truth) != TCL_OK) return TCL_ERROR;
    if ((v = get(d, "truth_label"))) chart_set_text(&p->truth_label, Tcl_GetString(v));
    return TCL_OK;
}

static int parse_line(const pctx *x, Tcl_Obj *d, chart_panel *p)
{
    Tcl_Obj *v;
    if (need(x, d, CHART_LINE, "series", "{NAME {{X Y} ...} ...}") != TCL_OK) return TCL_ERROR;
    if (parse_line_series(x, get(d, "series"), p) != TCL_OK) return TCL_ERROR;
    if ((v = get(d, "logx")) && parse_bool(x, "logx", v, &p->logx) != TCL_OK) return TCL_ERROR;
    if ((v = get(d, "ref")) && parse_numbers(x, "ref", v, "", &p->refs) != TCL_OK) return TCL_ERROR;
    return TCL_OK;
}

/* One panel of c from the keys of d. */
static int parse_panel(const pctx *x, Tcl_Obj *d, chart *c)
{
    chart_kind kind = CHART_BOX;
    if (panel_kind(x, d, &kind) != TCL_OK || check_keys(x, d, kind) != TCL_OK) return TCL_ERROR;
    chart_panel *p = chart_add_panel(c, kind);
    static const char *const texts[] = {"title", "xlabel", "ylabel"};
    char **slots[] = {&p->title, &p->xlabel, &p->ylabel};
    for (int i = 0; i < 3; i++) {
        Tcl_Obj *v = get(d, texts[i]);
        if (v) chart_set_text(slots[i], Tcl_GetString(v));
    }
    Tcl_Obj *v = get(d, "ylim");
    if (v && parse_ylim(x, v, p) != TCL_OK) return TCL_ERROR;
    if (kind == CHART_BOX) return parse_box(x, d, p);
    if (kind == CHART_HIST) return parse_hist(x, d, p);
    return parse_line(x, d, p);
}

/* Each element of -panels laid over the options' dict. */
static int parse_panels(Tcl_Interp *interp, Tcl_Obj *base, Tcl_Obj *list, chart *c)
{
    int n;
    Tcl_Obj **e;
    pctx x = {interp, NULL, 0};
    if (Tcl_ListObjGetElements(NULL, list, &n, &e) != TCL_OK || n == 0)
        return fail_value(&x, "panels", list, "a list of panel dicts {title T values {...} ...}");
    for (int i = 0; i < n; i++) {
        int size;
        if (Tcl_DictObjSize(NULL, e[i], &size) != TCL_OK) {
            char key[32];
            snprintf(key, sizeof key, "panels, panel %d", i + 1);
            return fail_value(&x, key, e[i], "a dict of panel keys {title T values {...} ...}");
        }
        Tcl_Obj *d = Tcl_DuplicateObj(base);
        Tcl_IncrRefCount(d);
        Tcl_DictSearch search;
        Tcl_Obj *k, *v;
        int done;
        Tcl_DictObjFirst(NULL, e[i], &search, &k, &v, &done);
        for (; !done; Tcl_DictObjNext(&search, &k, &v, &done)) Tcl_DictObjPut(NULL, d, k, v);
        Tcl_DictObjDone(&search);
        x.own = e[i], x.index = i;
        int rc = parse_panel(&x, d, c);
        Tcl_DecrRefCount(d);
        if (rc != TCL_OK) return TCL_ERROR;
    }
    return TCL_OK;
}

/* ---------------------------------------------------------------- command */

typedef struct plot_args {
    Tcl_Obj *keys;          /* panel keys from the options */
    Tcl_Obj *title, *panels;
    int width, height, cols, rows;
} plot_args;

static const char *const options[] = {"-kind", "-title", "-xlabel", "-ylabel", "-width", "-height", "-panels",
                                      "-cols", "-rows", "-groups", "-series", "-values", "-bins", "-truth",
                                      "-truth_label", "-ref", "-outliers", "-logx", "-ylim", NULL};
enum { O_KIND, O_TITLE, O_XLABEL, O_YLABEL, O_WIDTH, O_HEIGHT, O_PANELS, O_COLS, O_ROWS, O_LOGX = 17 };
#define OPTION_LIST "-kind, -title, -xlabel, -ylabel, -width, -height, -panels, -cols, -rows, -groups, -series, " \
                    "-values, -bins, -truth, -truth_label, -ref, -outliers, -logx or -ylim"

/* The sizes of the picture and the grid. */
static int parse_size(Tcl_Interp *interp, int which, Tcl_Obj *v, plot_args *a)
{
    pctx x = {interp, NULL, 0};
    const char *key = options[which] + 1;
    if (which == O_WIDTH || which == O_HEIGHT)
        return parse_int(&x, key, v, CHART_MIN_PX, CHART_MAX_PX, "a size in pixels, 160..8000",
                         which == O_WIDTH ? &a->width : &a->height);
    return parse_int(&x, key, v, 1, 64, "a count from 1 to 64", which == O_COLS ? &a->cols : &a->rows);
}

static int parse_args(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], plot_args *a)
{
    for (int i = 2; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, OPTION_LIST, &which) != TCL_OK) return TCL_ERROR;
        if (which == O_LOGX) {
            Tcl_DictObjPut(NULL, a->keys, Tcl_NewStringObj("logx", -1), Tcl_NewIntObj(1));
            continue;
        }
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        if (which == O_TITLE) a->title = v;
        else if (which == O_PANELS) a->panels = v;
        else if (which >= O_WIDTH && which <= O_ROWS) {
            if (parse_size(interp, which, v, a) != TCL_OK) return TCL_ERROR;
        } else Tcl_DictObjPut(NULL, a->keys, Tcl_NewStringObj(options[which] + 1, -1), v);
    }
    return TCL_OK;
}

/* The chart of the options: one panel, or the grid of -panels. */
static int build_chart(Tcl_Interp *interp, plot_args *a, chart *c)
{
    c->width_px = a->width, c->height_px = a->height;
    if (!a->panels) {
        pctx x = {interp, NULL, 0};
        if (a->title) Tcl_DictObjPut(NULL, a->keys, Tcl_NewStringObj("title", -1), a->title);
        return parse_panel(&x, a->keys, c);
    }
    if (a->title) chart_set_text(&c->title, Tcl_GetString(a->title));
    if (parse_panels(interp, a->keys, a->panels, c) != TCL_OK) return TCL_ERROR;
    c->cols = a->cols ? a->cols : a->rows ? (c->npanels + a->rows - 1) / a->rows : 0;
    if (a->cols && a->rows && a->cols * a->rows < c->npanels) {
        pctx x = {interp, NULL, 0};
        char why[160];
        snprintf(why, sizeof why, "-rows %d and -cols %d make room for %d panels, not %d", a->rows, a->cols,
                 a->rows * a->cols, c->npanels);
        return fail_shape(&x, "rows", why);
    }
    return TCL_OK;
}

static int is_png_name(const char *path)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    return dot && (!slash || dot > slash) && su_casecmp(dot, ".png") == 0;
}

static Tcl_Obj *result_dict(const char *path, const chart *c, int skipped)
{
    int w, h;
    chart_size(c, &w, &h);
    Tcl_Obj *d = Tcl_NewDictObj();
    halo_dict_put(d, "file", Tcl_NewStringObj(path, -1));
    halo_dict_put(d, "width", Tcl_NewIntObj(w));
    halo_dict_put(d, "height", Tcl_NewIntObj(h));
    halo_dict_put(d, "panels", Tcl_NewIntObj(c->npanels));
    halo_dict_put(d, "skipped", Tcl_NewIntObj(skipped));
    return d;
}

static int WriteChartCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    if (objc < 2) return halo_usage(interp, "write_chart");
    const char *path = Tcl_GetString(objv[1]);
    if (!is_png_name(path)) return halo_tcl_fail(interp, HALO_E_PLT_FORMAT, path);
    plot_args a = {Tcl_NewDictObj(), NULL, NULL, 0, 0, 0, 0};
    Tcl_IncrRefCount(a.keys);
    chart c;
    chart_init(&c);
    int rc = parse_args(interp, objc, objv, &a);
    if (rc == TCL_OK) rc = build_chart(interp, &a, &c);
    if (rc == TCL_OK) {
        halo_err err;
        halo_err_clear(&err);
        int skipped = 0;
        if (chart_write_png(&c, path, &skipped, &err) != 0) rc = halo_tcl_error(interp, &err);
        else Tcl_SetObjResult(interp, result_dict(path, &c, skipped));
    }
    chart_free(&c);
    Tcl_DecrRefCount(a.keys);
    return rc;
}

const HaloCmd halo_chart_cmds[] = {
    {"write_chart", WriteChartCmd,
     "write_chart FILE.png -kind box|hist|line ?-title T? ?-xlabel X? ?-ylabel Y? ?-width PX? ?-height PX? "
     "?-groups LIST? ?-series LIST? ?-outliers BOOL? ?-ref Y|LIST? ?-values LIST? ?-bins N? ?-truth V|LIST? "
     "?-truth_label T? ?-logx? ?-ylim {LO HI}? ?-panels LIST? ?-cols N? ?-rows N?",
     "Draws a chart as a PNG file. -kind box: -series {NAME {VALUES-OF-GROUP-1 VALUES-OF-GROUP-2 ...} ...} "
     "gives each series (a method) one list of values per group (a metric) named by -groups LIST (default "
     "1 2 ...); each gets a box from Q1 to Q3 with its median, whiskers to the furthest value within 1.5 IQR "
     "and the values beyond as rings (-outliers 0 hides them and fits the axis to the whiskers), the series "
     "side by side in their group's colour of the legend; -ref Y adds dashed horizontal lines (y = 0). "
     "-kind hist: -values LIST in -bins N equal bins (default sqrt(n) within 5..50) over their range, and "
     "-truth V|LIST as red vertical lines labelled \"truth V\" (-truth_label names them otherwise). "
     "-kind line: -series {NAME {{X Y} {X Y} ...} ...} joins each series' points in order of x with a "
     "marker shape of its own; -logx makes x logarithmic (x <= 0 is then skipped). -ylim {LO HI} fixes "
     "the y range; whatever falls outside is clipped. -panels {{KEY VALUE ...} ...} draws a grid of panels, "
     "-cols N wide (default: about square) or -rows N high, each a dict of the option names without their "
     "dash (kind title xlabel ylabel groups series values bins truth truth_label ref outliers logx ylim) "
     "laid over the options given to write_chart itself; -title then names the whole figure. The default size is "
     "720x480 for one panel, 400x300 per panel for more. Values may be nan or inf: they are skipped, "
     "counted and noted on the panel; a panel left with nothing says \"no data\". Same input, same bytes; "
     "the file is written to a temporary name and renamed. Returns a dict: file width height panels "
     "skipped.",
     "Draws box plots, histograms or line charts as a PNG."},
    {NULL, NULL, NULL, NULL, NULL},
};
