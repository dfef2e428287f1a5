/*
 * cmd_sim.c -- read_testbench, read_post_netlist, simulate, write_testbench,
 * report_qos: simulation and the parasitic quality score.
 *
 * The testbench, the post-layout netlist, the workers and the result cache
 * are the design's (core/design.h, design_sim.c); these commands parse
 * options, call it and turn results into dicts.  ::halo::sim_memory_limit
 * bounds a worker's memory.
 */
#include "halo_tcl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "sim/sim.h"
#include "sim/sim_metrics.h"
#include "netlist/spice.h"
#include "base/strutil.h"
#include "sim/testbench.h"

/* ------------------------------------------------------------- options */

typedef struct sim_opts {
    int post;            /* -stage post */
    design_sim_opts run; /* -timeout S, -models full, -nocache */
} sim_opts;

static int parse_sim_opts(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], int first, sim_opts *o,
                          int allow_stage)
{
    static const char *const options[] = {"-stage", "-timeout", "-models", "-nocache", NULL};
    o->post = 0;
    design_sim_opts_default(&o->run);
    for (int i = first; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-stage, -timeout, -models or -nocache",
                            &which) != TCL_OK)
            return TCL_ERROR;
        if (which == 3) {
            o->run.nocache = 1;
            continue;
        }
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        const char *s = Tcl_GetString(v);
        if (which == 0 && !allow_stage) {
            /* report_qos runs both stages */
            return halo_tcl_fail(interp, HALO_E_CMD_OPTION, "-stage", "-timeout, -models or -nocache");
        } else if (which == 0) {
            if (strcmp(s, "pre") != 0 && strcmp(s, "post") != 0)
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-stage", s, "pre or post");
            o->post = strcmp(s, "post") == 0;
        } else if (which == 1) {
            if (Tcl_GetDoubleFromObj(NULL, v, &o->run.timeout_s) != TCL_OK || !(o->run.timeout_s > 0))
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-timeout", s, "seconds > 0");
        } else if (which == 2) {
            if (strcmp(s, "reduced") != 0 && strcmp(s, "full") != 0)
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-models", s, "reduced or full");
            o->run.full_models = strcmp(s, "full") == 0;
        }
    }
    return TCL_OK;
}

/* ------------------------------------------------------------- decks */

/* The deck of one stage. */
static int build_deck(Tcl_Interp *interp, halo_design *d, const sim_opts *o, tb_deck *deck)
{
    halo_err err;
    halo_err_clear(&err);
    if (design_deck(d, o->post, &o->run, deck, &err) != 0) return halo_tcl_error(interp, &err);
    return TCL_OK;
}

/* Simulate decks[0..n-1] (concurrently on the pool), results into res[],
 * cached[i] says which came from the cache. */
static int run_decks(Tcl_Interp *interp, halo_design *d, tb_deck *decks, int n, sim_opts *o, sim_result *res,
                     int *cached)
{
    if (halo_sim_memory_limit(interp, &o->run) != TCL_OK) return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    if (design_run_decks(d, decks, n, &o->run, res, cached, &err) != 0) return halo_tcl_error(interp, &err);
    return TCL_OK;
}

/* ------------------------------------------------------------- results */

static Tcl_Obj *double_list(const double *v, int n)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < n; i++) Tcl_ListObjAppendElement(NULL, l, Tcl_NewDoubleObj(v[i]));
    return l;
}


static Tcl_Obj *metrics_obj(const sim_result *r)
{
    Tcl_Obj *m = Tcl_NewDictObj();
    for (int i = 0; i < r->nmetrics; i++) halo_dict_put(m, r->keys[i], Tcl_NewDoubleObj(r->values[i]));
    return m;
}

static Tcl_Obj *result_obj(const sim_result *r, const char *stage, const tb_deck *d, int cached)
{
    Tcl_Obj *o = Tcl_NewDictObj();
    halo_dict_put(o, "stage", Tcl_NewStringObj(stage, -1));
    halo_dict_put(o, "converged", Tcl_NewBooleanObj(r->status == SIM_OK));
    halo_dict_put(o, "error", Tcl_NewStringObj(sim_status_name(r->status), -1));
    halo_dict_put(o, "detail", Tcl_NewStringObj(r->detail ? r->detail : "", -1));
    halo_dict_put(o, "metrics", metrics_obj(r));
    Tcl_Obj *t = Tcl_NewDictObj();
    halo_dict_put(t, "node", Tcl_NewStringObj(d->out_vec, -1));
    halo_dict_put(t, "freq_Hz", double_list(r->freq, r->npoints));
    halo_dict_put(t, "mag_V", double_list(r->mag, r->npoints));
    halo_dict_put(t, "phase_deg", double_list(r->phase_deg, r->npoints));
    halo_dict_put(t, "re_V", double_list(r->re, r->re ? r->npoints : 0));
    halo_dict_put(t, "im_V", double_list(r->im, r->im ? r->npoints : 0));
    halo_dict_put(o, "trajectory", t);
    if (r->log) halo_dict_put(o, "log", Tcl_NewStringObj(r->log, -1));
    halo_dict_put(o, "seconds", Tcl_NewDoubleObj(r->seconds));
    halo_dict_put(o, "cached", Tcl_NewBooleanObj(cached));
    return o;
}

/* ------------------------------------------------------------- commands */

/* -roles {PORT ROLE ...}: the port indices and roles, checked against the
 * design before anything changes.  Returns the count, or -1 (error set). */
static int parse_roles(Tcl_Interp *interp, const netlist *nl, Tcl_Obj *list, int **ports,
                       netlist_netrole **roles)
{
    int n;
    Tcl_Obj **w;
    *ports = NULL;
    *roles = NULL;
    if (Tcl_ListObjGetElements(NULL, list, &n, &w) != TCL_OK || n % 2) {
        char body[200];
        snprintf(body, sizeof body, "expected a list of PORT ROLE pairs, got \"%.120s\"", Tcl_GetString(list));
        halo_tcl_fail(interp, HALO_E_TBN_ROLES, body);
        return -1;
    }
    *ports = (int *)ckalloc(sizeof(int) * (size_t)(n / 2 + 1));
    *roles = (netlist_netrole *)ckalloc(sizeof(netlist_netrole) * (size_t)(n / 2 + 1));
    for (int k = 0; k < n; k += 2) {
        const char *port = Tcl_GetString(w[k]), *role = Tcl_GetString(w[k + 1]);
        int found = -1;
        for (int i = 0; i < nl->nports && found < 0; i++)
            if (su_casecmp(nl->nets[nl->ports[i]].name, port) == 0) found = i;
        su_buf b = {0};
        if (found < 0) {
            su_buf_printf(&b, "\"%s\" is not a port of %s (its ports:", port, nl->name);
            for (int i = 0; i < nl->nports; i++) su_buf_printf(&b, " %s", nl->nets[nl->ports[i]].name);
            su_buf_add(&b, ")");
        } else if (netlist_netrole_parse(role, &(*roles)[k / 2]) != 0) {
            su_buf_printf(&b, "\"%s\" (for port %s) is not a net role; expected one of", role, port);
            for (int r = 0; r < NL_NROLES; r++) su_buf_printf(&b, " %s", netlist_netrole_name((netlist_netrole)r));
        }
        if (b.len) {
            halo_tcl_fail(interp, HALO_E_TBN_ROLES, b.s);
            su_buf_free(&b);
            ckfree(*ports);
            ckfree(*roles);
            *ports = NULL;
            *roles = NULL;
            return -1;
        }
        (*ports)[k / 2] = found;
    }
    return n / 2;
}

static int read_testbench_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    if (objc < 2) return halo_usage(interp, "read_testbench");
    static const char *const options[] = {"-output", "-control", "-vdd", "-vin", "-cl", "-ibias",
                                          "-vbias", "-roles", NULL};
    const char *output = NULL;
    Tcl_Obj *roles_opt = NULL;
    int keep = 0;
    tb_builtin_opts bo;
    testbench_builtin_defaults(&bo);
    double *targets[] = {NULL, NULL, &bo.vdd, &bo.vin_dc, &bo.cl, &bo.ibias, &bo.vbias, NULL};
    int vin_set = 0, vbias_set = 0;
    for (int i = 2; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options,
                            "-output, -control, -vdd, -vin, -cl, -ibias, -vbias or -roles", &which) != TCL_OK)
            return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        const char *sv = Tcl_GetString(v);
        if (which == 0) {
            output = sv;
        } else if (which == 1) {
            if (strcmp(sv, "keep") != 0 && strcmp(sv, "drop") != 0)
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-control", sv, "keep or drop");
            keep = strcmp(sv, "keep") == 0;
        } else if (which == 7) {
            roles_opt = v;
        } else if (Tcl_GetDoubleFromObj(NULL, v, targets[which]) != TCL_OK || !isfinite(*targets[which])) {
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, options[which], sv, "a number (SI units)");
        } else {
            vin_set |= which == 3;
            vbias_set |= which == 6;
        }
    }
    if (!vin_set) bo.vin_dc = bo.vdd / 2;
    if (!vbias_set) bo.vbias = bo.vdd / 2;
    const char *what = Tcl_GetString(objv[1]);
    int builtin = testbench_is_builtin(what);
    netlist *nl = design_netlist(d);
    if ((builtin || roles_opt) && !(nl = halo_need_design(interp, d))) return TCL_ERROR;
    int *rport = NULL, nroles = 0;
    netlist_netrole *rrole = NULL, *saved = NULL;
    if (roles_opt && (nroles = parse_roles(interp, nl, roles_opt, &rport, &rrole)) < 0) return TCL_ERROR;
    if (nl) {   /* the roles before, restored when the testbench is refused */
        saved = (netlist_netrole *)ckalloc(sizeof(netlist_netrole) * (size_t)(nl->nports + 1));
        for (int i = 0; i < nl->nports; i++) saved[i] = nl->nets[nl->ports[i]].role;
    }
    /* -roles first: the built-in testbenches are made from the roles */
    for (int k = 0; k < nroles; k++) nl->nets[nl->ports[rport[k]]].role = rrole[k];
    halo_err err;
    testbench *tb = builtin ? testbench_builtin(what, nl, &bo, output, &err)
                            : testbench_read(what, output, keep, &err);
    if (tb && !builtin && nl && testbench_check_placeholder(tb, nl, &err) != 0) {
        testbench_free(tb);
        tb = NULL;
    }
    Tcl_Obj *given = Tcl_NewDictObj();
    for (int k = 0; k < nroles; k++)
        halo_dict_put(given, nl->nets[nl->ports[rport[k]]].name, Tcl_NewStringObj(netlist_netrole_name(rrole[k]), -1));
    if (tb && !builtin && nl) {
        /* what the template connects to the ports names the roles names did not */
        netlist_netrole *from_tb = (netlist_netrole *)ckalloc(sizeof(netlist_netrole) * (size_t)(nl->nports + 1));
        halo_err ignored;   /* a template that does not instantiate the design fails in simulate */
        if (testbench_port_roles(tb, nl, from_tb, &ignored) == 0) {
            for (int i = 0; i < nl->nports; i++) {
                netlist_net *n = &nl->nets[nl->ports[i]];
                if (n->role != NL_UNKNOWN || from_tb[i] == NL_UNKNOWN) continue;
                n->role = from_tb[i];
                halo_dict_put(given, n->name, Tcl_NewStringObj(netlist_netrole_name(n->role), -1));
            }
        }
        ckfree(from_tb);
    }
    if (!tb && nl)
        for (int i = 0; i < nl->nports; i++) nl->nets[nl->ports[i]].role = saved[i];
    if (rport) ckfree(rport);
    if (rrole) ckfree(rrole);
    if (saved) ckfree(saved);
    if (!tb) {
        Tcl_IncrRefCount(given);   /* frees it */
        Tcl_DecrRefCount(given);
        return halo_tcl_error(interp, &err);
    }
    design_set_testbench(d, tb);
    Tcl_Obj *o = Tcl_NewDictObj();
    halo_dict_put(o, "testbench", Tcl_NewStringObj(tb->name, -1));
    halo_dict_put(o, "type", Tcl_NewStringObj(testbench_type_name(tb->type), -1));
    halo_dict_put(o, "output", Tcl_NewStringObj(tb->output, -1));
    halo_dict_put(o, "sweep", Tcl_NewStringObj(tb->ac_sweep, -1));
    halo_dict_put(o, "lines", Tcl_NewIntObj(tb->nlines));
    halo_dict_put(o, "models_placeholder", Tcl_NewBooleanObj(tb->lib_at >= 0));
    Tcl_Obj *ml = Tcl_NewDictObj();
    if (tb->models_line && !builtin) {
        halo_dict_put(ml, "line", Tcl_NewIntObj(tb->models_lineno));
        halo_dict_put(ml, "text", Tcl_NewStringObj(tb->models_line, -1));
    }
    halo_dict_put(o, "models_line", ml);
    Tcl_Obj *ph = Tcl_NewDictObj();
    if (tb->dut_name) {
        Tcl_Obj *ports = Tcl_NewListObj(0, NULL);
        for (int i = 0; i < tb->ndut_ports; i++)
            Tcl_ListObjAppendElement(NULL, ports, Tcl_NewStringObj(tb->dut_ports[i], -1));
        halo_dict_put(ph, "line", Tcl_NewIntObj(tb->dut_lineno));
        halo_dict_put(ph, "subckt", Tcl_NewStringObj(tb->dut_name, -1));
        halo_dict_put(ph, "ports", ports);
    }
    halo_dict_put(o, "placeholder", ph);
    halo_dict_put(o, "roles", given);
    Tcl_Obj *unknown = Tcl_NewListObj(0, NULL);
    for (int i = 0; nl && i < nl->nports; i++)
        if (nl->nets[nl->ports[i]].role == NL_UNKNOWN)
            Tcl_ListObjAppendElement(NULL, unknown, Tcl_NewStringObj(nl->nets[nl->ports[i]].name, -1));
    halo_dict_put(o, "unknown_roles", unknown);
    halo_dict_put(o, "control_kept", Tcl_NewIntObj(tb->ncontrol));
    halo_dict_put(o, "dropped", Tcl_NewIntObj(tb->ndropped));
    Tcl_SetObjResult(interp, o);
    return TCL_OK;
}

static int read_post_netlist_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    if (objc != 2) return halo_usage(interp, "read_post_netlist");
    halo_err err;
    halo_err_clear(&err);
    if (design_read_post(d, Tcl_GetString(objv[1]), &err) != 0) return halo_tcl_error(interp, &err);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(design_netlist(d)->name, -1));
    return TCL_OK;
}

static int simulate_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    sim_opts o;
    if (parse_sim_opts(interp, objc, objv, 1, &o, 1) != TCL_OK) return TCL_ERROR;
    tb_deck deck;
    if (build_deck(interp, d, &o, &deck) != TCL_OK) return TCL_ERROR;
    sim_result r;
    int cached = 0;
    if (run_decks(interp, d, &deck, 1, &o, &r, &cached) != TCL_OK) {
        tb_deck_free(&deck);
        return TCL_ERROR;
    }
    Tcl_SetObjResult(interp, result_obj(&r, o.post ? "post" : "pre", &deck, cached));
    sim_result_free(&r);
    tb_deck_free(&deck);
    return TCL_OK;
}

static int write_testbench_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    if (objc < 2) return halo_usage(interp, "write_testbench");
    sim_opts o;
    if (parse_sim_opts(interp, objc, objv, 2, &o, 1) != TCL_OK) return TCL_ERROR;
    tb_deck deck;
    if (build_deck(interp, d, &o, &deck) != TCL_OK) return TCL_ERROR;
    char *text = testbench_deck_text(&deck);
    tb_deck_free(&deck);
    halo_err err;
    const char *path = Tcl_GetString(objv[1]);
    int rc = halo_write_atomic(path, text, strlen(text), &err);
    free(text);
    if (rc != 0) return halo_tcl_error(interp, &err);
    Tcl_SetObjResult(interp, objv[1]);
    return TCL_OK;
}

static void fmt_value(char *buf, size_t n, const double *v)
{
    if (v) snprintf(buf, n, "%.6g", *v);
    else snprintf(buf, n, "-");
}

/* The table report_qos prints. */
static void qos_report(Tcl_Interp *interp, halo_design *d, const char *node,
                       const sim_result *r, const sim_pscore *ps, const char *why)
{
    const netlist *nl = design_netlist(d);
    const char *post = design_post_source(d);
    su_buf b = {0};
    su_buf_printf(&b, "QoS of %s  (testbench %s, post-layout netlist %s)\n", nl->name, design_testbench(d)->name,
                  post ? post : "-");
    if (!why) {
        su_buf_printf(&b, "pscore  RMSE of |v(%s)| pre vs post over %d points %.4g..%.4g Hz\n",
                      node, ps->npoints, r[0].freq[0], r[0].freq[ps->npoints - 1]);
        su_buf_printf(&b, "  overall %-12.6g low %-12.6g mid %-12.6g high %.6g  (V)\n", ps->overall, ps->low,
                      ps->mid, ps->high);
        su_buf_printf(&b, "pscore_osiris  %.6g = RMSE of Re v(%s) %.6g V + %g x %d points outside pre*[0.9, 1.1]\n",
                      ps->osiris, node, ps->osiris_rmse, SIM_OSIRIS_WEIGHT,
                      ps->osiris_out);
    } else {
        su_buf_printf(&b, "pscore  n/a: %s\n", why);
    }
    su_buf_printf(&b, "%-18s %14s %14s %14s\n", "metric", "pre", "post", "delta");
    for (int i = 0; i < r[0].nmetrics || i < r[1].nmetrics; i++) {
        const char *key = i < r[0].nmetrics ? r[0].keys[i] : r[1].keys[i];
        if (i >= r[0].nmetrics && sim_result_metric(&r[0], key)) continue;
        const double *a = sim_result_metric(&r[0], key), *p = sim_result_metric(&r[1], key);
        char sa[32], sp[32], sd[32];
        fmt_value(sa, sizeof sa, a);
        fmt_value(sp, sizeof sp, p);
        double d = (a && p) ? *p - *a : 0;
        fmt_value(sd, sizeof sd, (a && p) ? &d : NULL);
        su_buf_printf(&b, "%-18s %14s %14s %14s\n", key, sa, sp, sd);
    }
    double area, bbox, hpwl;
    if (design_place_qos(d, &area, &bbox, &hpwl))
        su_buf_printf(&b, "area               %.2f um^2 (sum of device boxes; boundary %.2f um^2), HPWL %.3f um\n",
                      area, bbox, hpwl);
    else
        su_buf_add(&b, "area               n/a (no placement: run place)\n");
    halo_report(interp, b.s);
    su_buf_free(&b);
}

static Tcl_Obj *deltas_obj(const sim_result *r)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    for (int i = 0; i < r[0].nmetrics; i++) {
        const double *p = sim_result_metric(&r[1], r[0].keys[i]);
        if (!p) continue;
        Tcl_Obj *e = Tcl_NewDictObj();
        halo_dict_put(e, "pre", Tcl_NewDoubleObj(r[0].values[i]));
        halo_dict_put(e, "post", Tcl_NewDoubleObj(*p));
        halo_dict_put(e, "delta", Tcl_NewDoubleObj(*p - r[0].values[i]));
        halo_dict_put(d, r[0].keys[i], e);
    }
    return d;
}

static int report_qos_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    sim_opts o;
    if (parse_sim_opts(interp, objc, objv, 1, &o, 0) != TCL_OK) return TCL_ERROR;
    tb_deck decks[2];
    o.post = 0;
    if (build_deck(interp, d, &o, &decks[0]) != TCL_OK) return TCL_ERROR;
    o.post = 1;
    if (build_deck(interp, d, &o, &decks[1]) != TCL_OK) {
        tb_deck_free(&decks[0]);
        return TCL_ERROR;
    }
    sim_result r[2];
    int cached[2];
    int rc = run_decks(interp, d, decks, 2, &o, r, cached);
    if (rc == TCL_OK) {
        sim_pscore ps;
        char why[300];
        int bad = sim_pscore_compute(&r[0], &r[1], &ps, why, sizeof why);
        qos_report(interp, d, decks[0].out_vec, r, &ps, bad ? why : NULL);
        Tcl_Obj *q = Tcl_NewDictObj();
        if (!bad) {
            halo_dict_put(q, "pscore", Tcl_NewDoubleObj(ps.overall));
            halo_dict_put(q, "pscore_low", Tcl_NewDoubleObj(ps.low));
            halo_dict_put(q, "pscore_mid", Tcl_NewDoubleObj(ps.mid));
            halo_dict_put(q, "pscore_high", Tcl_NewDoubleObj(ps.high));
            halo_dict_put(q, "npoints", Tcl_NewIntObj(ps.npoints));
            halo_dict_put(q, "pscore_osiris", Tcl_NewDoubleObj(ps.osiris));
            halo_dict_put(q, "pscore_osiris_out", Tcl_NewIntObj(ps.osiris_out));
        } else {
            halo_dict_put(q, "pscore_error", Tcl_NewStringObj(why, -1));
        }
        double area, bbox, hpwl;
        if (design_place_qos(d, &area, &bbox, &hpwl)) {
            halo_dict_put(q, "area", Tcl_NewDoubleObj(area));
            halo_dict_put(q, "bbox_area", Tcl_NewDoubleObj(bbox));
            halo_dict_put(q, "hpwl", Tcl_NewDoubleObj(hpwl));
        }
        halo_dict_put(q, "metrics", deltas_obj(r));
        const testbench *tb = design_testbench(d);
        halo_dict_put(q, "testbench", Tcl_NewStringObj(tb->name, -1));
        halo_dict_put(q, "testbench_type", Tcl_NewStringObj(testbench_type_name(tb->type), -1));
        halo_dict_put(q, "sweep", Tcl_NewStringObj(tb->ac_sweep, -1));
        halo_dict_put(q, "pre", result_obj(&r[0], "pre", &decks[0], cached[0]));
        halo_dict_put(q, "post", result_obj(&r[1], "post", &decks[1], cached[1]));
        Tcl_SetObjResult(interp, q);
        sim_result_free(&r[0]);
        sim_result_free(&r[1]);
    }
    tb_deck_free(&decks[0]);
    tb_deck_free(&decks[1]);
    return rc;
}

const HaloCmd halo_sim_cmds[] = {
    {"read_testbench", read_testbench_cmd,
     "read_testbench FILE|OpampTestbench|FilterTestbench ?-output NODE? ?-roles {PORT ROLE ...}? ?-control keep|drop? ?-vdd V? ?-vin V? ?-cl F? ?-ibias A? ?-vbias V?",
     "Sets the testbench that simulate and report_qos use.  FILE is a SPICE template (an ngspice deck; "
     "OSIRIS's <circuit>_pre.spice templates read as published) that instantiates the design by its "
     "subcircuit name, nodes bare or in parentheses, and holds the sources, load and analysis.  Its "
     "first line is the title unless it is a .lib/.include card; ';' starts an inline comment, and '$' "
     "after a blank outside .control.  The design's definition is inserted by halo: the template does "
     "not define it, except as OSIRIS's placeholder, a .subckt NAME PORTS whose only body line is XXX, "
     "where NAME and PORTS (in order, any case) must be the design's.  The models line, a line holding "
     "{{SKY130_LIB}} or a .lib \".../sky130.lib.spice\" CORNER of any path (existing or not), is "
     "replaced by the loaded PDK's models (the PDK's corner); other .include/.lib files must exist, "
     "relative paths taken from the template's directory.  The first ac analysis (in .control or .ac) "
     "is the sweep whose output trajectory is recorded (default ac dec 50 1k 1G).  Other .control lines "
     "(run, set, write, quit ...) are not run unless -control keep (then the block runs when the circuit "
     "loads, as ngspice would).  The output node comes from -output, a header comment \"* halo "
     "testbench: output=NODE type=FilterTestbench\", the first v(NODE) of a write, print or wrdata line "
     "in .control, or the design's output_v port.  With a design loaded, each port whose role is unknown "
     "(not guessed from its name) takes the one the template gives it: the output node's port output_v, "
     "another port tied to it input_v, a port on ground (0, GND) supply_neg, a V source to ground with "
     "an ac part input_v, at 0 V or the most negative DC supply_neg, at the largest positive DC "
     "supply_pos, at any other DC bias_voltage, an I source bias_current.  -roles {PORT ROLE ...} sets roles explicitly first "
     "(the netlist_json net roles: supply_pos supply_neg input_v output_v bias_voltage bias_current "
     "...).  OpampTestbench and FilterTestbench are built from the design's port roles: VDD (-vdd, "
     "1.8 V), the non-inverting input at -vin (vdd/2) DC + 1 V AC, the inverting input fed back from the "
     "output through 1 GOhm with 1 F to ground (closed loop at DC, open loop from 1 Hz), bias_current "
     "ports fed -ibias (10 uA), bias_voltage ports at -vbias, a -cl load (1 pF).  Returns a dict: "
     "testbench, type, output, sweep, lines, models_placeholder, models_line ({line N text ...} of the "
     "models line, empty when none), placeholder ({line subckt ports} of the XXX block, empty when "
     "none), roles (the port roles this call set: -roles and those read from the template), "
     "unknown_roles (ports still unknown), control_kept and dropped.",
     "Sets the testbench that simulate and report_qos use."},
    {"read_post_netlist", read_post_netlist_cmd, "read_post_netlist FILE",
     "Reads a post-layout netlist: a SPICE file defining the design's .subckt (same name and ports) with "
     "its devices and parasitic R and C, e.g. from an external extractor.  simulate -stage post and "
     "report_qos use it.  Returns the subcircuit name.",
     "Reads a post-layout netlist from an external extractor."},
    {"simulate", simulate_cmd, "simulate ?-stage pre|post? ?-timeout S? ?-models reduced|full? ?-nocache?",
     "Simulates the testbench with the design's schematic (-stage pre, the default; multi-finger devices "
     "as W=<finger> m=<nf>, unset fingers as one) or its post-layout netlist (-stage post) in a worker "
     "process holding libngspice, and returns a dict: converged, error (the schema's vocabulary: "
     "no_convergence singular_matrix timeout sim_error model_not_found no_output_port, \"\" when "
     "converged), detail, metrics (dc_gain_dB at 1 Hz, ugf_Hz, phase_at_ugf_deg, vout_dc_V, "
     "vdd_current_A, power_W; FilterTestbench adds f_3dB_Hz), trajectory (node, freq_Hz, mag_V, "
     "phase_deg, and re_V, im_V: v(out) as ngspice computed it, of the sweep), seconds and cached.  Models: the embedded sky130 models, or with pdk load "
     "-root the real library reduced to the bins the design uses (-models full splices the whole "
     "library, slow).  -timeout (60 s) bounds one simulation; a crash or hang becomes an error value, "
     "never a dead shell.  Results of an identical deck are reused unless -nocache.",
     "Simulates the testbench pre- or post-layout in ngspice."},
    {"write_testbench", write_testbench_cmd,
     "write_testbench FILE ?-stage pre|post? ?-models reduced|full?",
     "Writes the deck simulate runs as one ngspice input with a .control block that runs the same "
     "analyses and prints each metric as halo_<key> (ngspice prints the names in lower case), so a plain "
     "ngspice -b FILE reproduces simulate's metrics.  Returns FILE.",
     "Writes simulate's deck for a plain ngspice -b run."},
    {"report_qos", report_qos_cmd, "report_qos ?-timeout S? ?-models reduced|full? ?-nocache?",
     "Simulates pre- and post-layout (concurrently, reusing identical earlier results), prints and "
     "returns the quality of service: pscore, the OSIRIS score, is the RMSE between the pre- and "
     "post-layout magnitude |v(out)| in volts (not dB) at the K frequencies of the testbench's AC sweep, "
     "sqrt(sum_k (|Vpre_k| - |Vpost_k|)^2 / K); pscore_low, pscore_mid and pscore_high are the same over "
     "the first, second and last third of the points (split at K/3 and 2K/3).  pscore_osiris is the "
     "score OSIRIS's own post-processing (pex_score) computes, on the real part of v(out) as ngspice "
     "writes it: RMSE(Re Vpre, Re Vpost) + 0.2 x the number of points where NOT (Re Vpre * 0.9 <= Re "
     "Vpost <= Re Vpre * 1.1) -- where Re Vpre < 0 that interval is empty and the point always counts; "
     "pscore_osiris_out is that number.  Also the metric deltas "
     "pre -> post (metrics: key {pre post delta}), the testbench (testbench, testbench_type, sweep) and "
     "both simulation results (pre, post).  Once the "
     "design is placed, also area (the sum of device boxes in um^2, OSIRIS's area), bbox_area (the "
     "placement boundary) and hpwl (um).",
     "Simulates pre and post layout; returns pscore etc."},
    {NULL, NULL, NULL, NULL, NULL}};
