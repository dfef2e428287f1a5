/*
 * cmd_size.c -- the sizing commands: sizing_dataset, train_sizer, size,
 * set_sizing, sizer_info.
 *
 * The sizing space, the dataset rows and the sizer live in core/size, the
 * characterisation testbench in core/sim (tb_opamp) run by the design's
 * simulation workers; this file parses options, calls them, prints
 * progress through halo_report and returns dicts.
 */
#include "halo_tcl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/rng.h"
#include "base/strutil.h"
#include "design.h"
#include "netlist/netjson.h"
#include "sim/tb_opamp.h"
#include "size/blocks.h"
#include "size/size_bo.h"
#include "size/size_data.h"
#include "size/size_space.h"
#include "size/sizer.h"

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- the space */

/* The sizing space of the current design: its match groups and the
 * symmetric pairs block recognition finds are sized alike. */
static int design_space(Tcl_Interp *interp, halo_design *d, const double *wr, const double *lr, size_space *s)
{
    netlist *nl = halo_need_design(interp, d);
    if (!nl) return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    blocks_result br;
    int (*ties)[2] = NULL, nties = 0, cap = 0;
    if (blocks_recognize(nl, &br, &err) == 0) {
        for (int b = 0; b < br.nblocks; b++)
            for (int k = 0; k < br.blocks[b].nsym; k++) {
                su_grow((void **)&ties, &cap, nties + 1, sizeof *ties);
                ties[nties][0] = br.blocks[b].sym[k][0], ties[nties][1] = br.blocks[b].sym[k][1];
                nties++;
            }
        blocks_result_free(&br);
    }
    sspace_opts o;
    sspace_opts_default(&o);
    if (wr) o.w_lo = wr[0], o.w_hi = wr[1];
    if (lr) o.l_lo = lr[0], o.l_hi = lr[1];
    o.ties = (const int(*)[2])ties, o.nties = nties;
    int rc = sspace_build(nl, design_tech(d), &o, s, &err);
    free(ties);
    return rc ? halo_tcl_error(interp, &err) : TCL_OK;
}

/* "{lo hi}" with 0 < lo <= 1 <= hi. */
static int parse_range(Tcl_Interp *interp, const char *opt, const char *text, double *r)
{
    if (!text) return TCL_OK;
    if (sscanf(text, "%lf %lf", &r[0], &r[1]) != 2 || !(r[0] > 0 && r[0] <= 1 && r[1] >= 1 && r[1] < 100))
        return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, opt, text, "{lo hi} with 0 < lo <= 1 <= hi < 100");
    return TCL_OK;
}

static Tcl_Obj *sizing_dict(const size_space *s, const double *x)
{
    Tcl_Obj *r = Tcl_NewDictObj();
    for (int i = 0; i < s->nvars; i++) halo_dict_put(r, s->vars[i].name, halo_num_obj(x[i]));
    return r;
}

/* ---------------------------------------------------------------- characterisation */

typedef struct char_opts {
    opamp_tb_opts tb;
    design_sim_opts sim;
} char_opts;

/* Characterise the sizings x[0..n-1] of the design; res[n] filled. */
static int characterize_sizings(Tcl_Interp *interp, halo_design *d, const size_space *s, const double *x, int n,
                                const char_opts *co, opamp_result *res)
{
    netlist *nl = design_netlist(d);
    netlist **v = halo_xmalloc(sizeof *v * n);
    for (int i = 0; i < n; i++) {
        v[i] = netlist_clone(nl);
        sspace_apply(s, x + (size_t)i * s->nvars, v[i]);
    }
    halo_err err;
    halo_err_clear(&err);
    int rc = design_characterize(d, v, n, &co->tb, &co->sim, res, &err);
    for (int i = 0; i < n; i++) netlist_free(v[i]);
    free(v);
    return rc ? halo_tcl_error(interp, &err) : TCL_OK;
}

static Tcl_Obj *metrics_dict(const opamp_result *r)
{
    Tcl_Obj *m = Tcl_NewDictObj();
    for (int k = 0; k < r->nmetrics; k++) halo_dict_put(m, r->keys[k], halo_num_obj(r->values[k]));
    return m;
}

/* ---------------------------------------------------------------- sizing_dataset */

typedef struct dataset_args {
    const char *out, *wrange, *lrange;
    int samples, batch, quiet, full_models;
    double seed, cl, vdd, ibias;
} dataset_args;

/* Rows already in a partial file from an interrupted run (complete lines). */
static int partial_rows(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int n = 0, c, last = '\n';
    while ((c = fgetc(f)) != EOF) {
        if (c == '\n') n++;
        last = c;
    }
    fclose(f);
    return last == '\n' ? n : -1;
}

static void write_rows(FILE *f, const size_space *s, const double *x, const opamp_result *res, int n, int first,
                       const dataset_args *a, const netlist *nl)
{
    netlist *sized = netlist_clone(nl);
    for (int i = 0; i < n; i++) {
        const opamp_result *r = &res[i];
        sspace_apply(s, x + (size_t)i * s->nvars, sized);
        char *nj = netjson_write_text(sized, 0);
        const char *keys[OPAMP_MAX_METRICS];
        for (int k = 0; k < r->nmetrics; k++) keys[k] = r->keys[k];
        size_row_info info = {.design = nl->name, .pdk = "sky130", .index = first + i, .seed = (uint64_t)a->seed,
                              .vdd = a->vdd, .vcm = a->vdd / 2, .cl = a->cl, .ibias = a->ibias,
                              .models = a->full_models ? "full PDK library" : "embedded sky130 models",
                              .status = sim_status_name(r->status), .detail = r->detail, .nmetrics = r->nmetrics,
                              .keys = keys, .values = r->values, .netlist_json = nj};
        char *line = size_row_json(s, x + (size_t)i * s->nvars, &info);
        fprintf(f, "%s\n", line);
        free(line);
        free(nj);
    }
    netlist_free(sized);
    fflush(f);
}

/* Sample i of a dataset: its own generator, so a resumed run or a shard
 * draws the same sizing for the same index. */
static void dataset_sample(const size_space *s, uint64_t seed, int i, double *x)
{
    halo_rng rng;
    rng_seed(&rng, seed * 0x9E3779B97F4A7C15ull + (uint64_t)i + 1);
    sspace_sample(s, &rng, x);
}

static int run_dataset(Tcl_Interp *interp, halo_design *d, const dataset_args *a, const size_space *s, Tcl_Obj *r)
{
    char partial[1100];
    snprintf(partial, sizeof partial, "%s.partial", a->out);
    int start = partial_rows(partial);
    if (start < 0 || start > a->samples) start = 0;
    FILE *f = fopen(partial, start ? "a" : "w");
    if (!f) return halo_tcl_fail(interp, HALO_E_WRITE, partial, strerror(errno));
    char_opts co;
    opamp_tb_defaults(&co.tb);
    co.tb.vdd = a->vdd, co.tb.cl = a->cl, co.tb.ibias = a->ibias, co.tb.vcm = a->vdd / 2;
    design_sim_opts_default(&co.sim);
    co.sim.full_models = a->full_models;
    if (halo_sim_memory_limit(interp, &co.sim) != TCL_OK) return TCL_ERROR;
    double t0 = seconds_now();
    int done = start, converged = 0, rc = TCL_OK;
    double *x = halo_xmalloc(sizeof *x * (size_t)a->batch * s->nvars);
    opamp_result *res = halo_xcalloc(a->batch, sizeof *res);
    while (done < a->samples && rc == TCL_OK) {
        int n = a->samples - done < a->batch ? a->samples - done : a->batch;
        for (int i = 0; i < n; i++) dataset_sample(s, (uint64_t)a->seed, done + i, x + (size_t)i * s->nvars);
        rc = characterize_sizings(interp, d, s, x, n, &co, res);
        if (rc != TCL_OK) break;
        write_rows(f, s, x, res, n, done, a, design_netlist(d));
        for (int i = 0; i < n; i++) {
            converged += res[i].status == SIM_OK;
            opamp_tb_result_free(&res[i]);
        }
        done += n;
        if (!a->quiet) {
            char msg[200];
            snprintf(msg, sizeof msg, "sizing_dataset: %d/%d simulated, %d converged, %.1f s\n", done, a->samples,
                     converged, seconds_now() - t0);
            halo_report(interp, msg);
        }
    }
    fclose(f);
    free(x);
    free(res);
    if (rc != TCL_OK) return rc;
    if (rename(partial, a->out) != 0) return halo_tcl_fail(interp, HALO_E_WRITE, a->out, strerror(errno));
    halo_dict_put(r, "file", Tcl_NewStringObj(a->out, -1));
    halo_dict_put(r, "rows", Tcl_NewIntObj(a->samples));
    halo_dict_put(r, "resumed_at", Tcl_NewIntObj(start));
    halo_dict_put(r, "converged_new", Tcl_NewIntObj(converged));
    halo_dict_put(r, "seconds", halo_num_obj(seconds_now() - t0));
    return TCL_OK;
}

/* sizing_dataset -out FILE -samples N ?options? */
static int SizingDatasetCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    dataset_args a = {.samples = 0, .batch = 32, .seed = 1, .cl = 1e-12, .vdd = 1.8, .ibias = 10e-6};
    opt_spec spec[] = {{"-out", OPT_STR, &a.out, 0, 0, ""}, {"-samples", OPT_INT, &a.samples, 1, 1e7, "1 to 10000000"},
                       {"-seed", OPT_NUM, &a.seed, 0, 4e9, "a seed from 0 to 4e9"},
                       {"-w_range", OPT_STR, &a.wrange, 0, 0, ""}, {"-l_range", OPT_STR, &a.lrange, 0, 0, ""},
                       {"-cl", OPT_NUM, &a.cl, 0, 1e-6, "a load from 0 to 1e-6 F"},
                       {"-vdd", OPT_NUM, &a.vdd, 0.1, 20, "a supply from 0.1 to 20 V"},
                       {"-ibias", OPT_NUM, &a.ibias, 0, 1e-2, "a bias current from 0 to 10 mA"},
                       {"-batch", OPT_INT, &a.batch, 1, 4096, "1 to 4096 sizings per batch"},
                       {"-full_models", OPT_INT, &a.full_models, 0, 1, "0 or 1"},
                       {"-quiet", OPT_INT, &a.quiet, 0, 1, "0 or 1"}, {NULL, 0, NULL, 0, 0, NULL}};
    if (halo_parse_opts(interp, objc, objv, 1, spec) != TCL_OK) return TCL_ERROR;
    if (!a.out || a.samples < 1) return halo_usage(interp, "sizing_dataset");
    double wr[2] = {0.5, 2}, lr[2] = {0.67, 2};
    if (parse_range(interp, "-w_range", a.wrange, wr) || parse_range(interp, "-l_range", a.lrange, lr)) return TCL_ERROR;
    size_space s;
    if (design_space(interp, cd, wr, lr, &s) != TCL_OK) return TCL_ERROR;
    Tcl_Obj *r = Tcl_NewDictObj();
    Tcl_IncrRefCount(r);
    int rc = run_dataset(interp, cd, &a, &s, r);
    if (rc == TCL_OK) {
        halo_dict_put(r, "variables", Tcl_NewIntObj(s.nvars));
        Tcl_SetObjResult(interp, r);
    }
    Tcl_DecrRefCount(r);
    sspace_free(&s);
    return rc;
}

/* ---------------------------------------------------------------- train_sizer */

/* The characterisation metrics a sizer conditions on by default, those of
 * them present in at least 90 % of the converged rows. */
static const char *const default_metrics[] = {
    "dc_gain_dB", "ugf_Hz", "phase_margin_deg", "cmrr_dB", "psrr_dB", "slew_rate_V_per_s",
    "icmr_min_V", "icmr_max_V", "vout_min_V", "vout_max_V", "power_W", NULL};

static int pick_metrics(Tcl_Interp *interp, const size_data *d, const char *list, const char **out, int *nm)
{
    *nm = 0;
    if (list) {
        int n;
        const char **items;
        if (Tcl_SplitList(interp, list, &n, &items) != TCL_OK) return TCL_ERROR;
        for (int i = 0; i < n && *nm < SIZER_MAX_METRICS; i++) {
            if (size_data_metric(d, items[i]) < 0) {
                Tcl_Free((char *)items);
                return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "-metrics", list, "metrics the data carries");
            }
            for (int k = 0; default_metrics[k]; k++)   /* a static name outlives the list */
                if (strcmp(default_metrics[k], items[i]) == 0) out[(*nm)++] = default_metrics[k];
        }
        Tcl_Free((char *)items);
        if (*nm != (int)n) return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "-metrics", list, "characterisation metrics");
        return TCL_OK;
    }
    int nconv = 0;
    for (int r = 0; r < d->nrows; r++) nconv += d->converged[r];
    for (int k = 0; default_metrics[k]; k++) {
        int col = size_data_metric(d, default_metrics[k]), have = 0;
        for (int r = 0; col >= 0 && r < d->nrows; r++) have += d->converged[r] && isfinite(d->m[(size_t)r * d->nmetrics + col]);
        if (nconv > 0 && have >= 0.9 * nconv) out[(*nm)++] = default_metrics[k];
    }
    if (*nm == 0) return halo_tcl_fail(interp, HALO_E_SIZ_DATA, d->design, "no characterisation metric in 90 % of the converged rows");
    return TCL_OK;
}

/* Converged rows with every chosen metric (and, with saturated, every
 * transistor saturated), in a seeded order. */
static int *usable_rows(const size_data *d, const char *const *metrics, int nm, int saturated, uint64_t seed, int *n)
{
    int *rows = halo_xmalloc(sizeof *rows * (d->nrows ? d->nrows : 1));
    int sat = size_data_metric(d, "n_not_saturated");
    *n = 0;
    for (int r = 0; r < d->nrows; r++) {
        int ok = d->converged[r];
        if (ok && saturated && sat >= 0) ok = d->m[(size_t)r * d->nmetrics + sat] == 0;
        for (int k = 0; k < nm && ok; k++) ok = isfinite(d->m[(size_t)r * d->nmetrics + size_data_metric(d, metrics[k])]);
        if (ok) rows[(*n)++] = r;
    }
    halo_rng rng;
    rng_seed(&rng, seed);
    rng_shuffle(&rng, rows, *n);
    return rows;
}

/* The data's variables as indices of the design's space (they must be
 * the same set: the data was made from this design). */
static int map_vars(Tcl_Interp *interp, const size_data *d, const size_space *s, int *space_of)
{
    if (d->nvars != s->nvars)
        return halo_tcl_fail(interp, HALO_E_SIZ_DATA, d->design, "its sizing variables are not the current design's");
    for (int v = 0; v < d->nvars; v++)
        if ((space_of[v] = sspace_find(s, d->var[v])) < 0)
            return halo_tcl_fail(interp, HALO_E_SIZ_DATA, d->var[v], "not a sizing variable of the current design");
    return TCL_OK;
}

/* Recognised blocks as lists of data variables: a block sizes every
 * variable that sets one of its devices. */
static int block_defs(const netlist *nl, const size_space *s, const int *space_of, int nvars, sizer_blockdef **defs,
                      int **storage)
{
    blocks_result br;
    halo_err err;
    halo_err_clear(&err);
    if (blocks_recognize(nl, &br, &err) != 0) return 0;
    *defs = halo_xcalloc(br.nblocks ? br.nblocks : 1, sizeof **defs);
    *storage = halo_xmalloc(sizeof **storage * ((size_t)br.nblocks * nvars + 1));
    static char names[256][48], kinds[256][16];
    int nb = 0;
    for (int b = 0; b < br.nblocks && nb < 256; b++) {
        int *vars = *storage + (size_t)nb * nvars, n = 0;
        for (int v = 0; v < nvars; v++) {
            const sspace_var *sv = &s->vars[space_of[v]];
            int hit = 0;
            for (int k = 0; k < sv->ndev && !hit; k++)
                for (int j = 0; j < br.blocks[b].ndev && !hit; j++) hit = sv->dev[k] == br.blocks[b].dev[j];
            if (hit) vars[n++] = v;
        }
        int same = 1;   /* named as recognize_blocks names it: the kind and its count */
        for (int j = 0; j < b; j++) same += br.blocks[j].kind == br.blocks[b].kind;
        snprintf(names[nb], 48, "%s%d", blocks_kind_name(br.blocks[b].kind), same);
        snprintf(kinds[nb], 16, "%s", blocks_kind_name(br.blocks[b].kind));
        (*defs)[nb] = (sizer_blockdef){names[nb], kinds[nb], n, vars};
        nb++;
    }
    blocks_result_free(&br);
    return nb;
}

typedef struct train_args {
    const char *data, *out, *metrics;
    double seed, test_fraction, lr;
    int steps, batch, d_model, depth, mlp, quiet, saturated;
} train_args;

typedef struct progress_ctx {
    Tcl_Interp *interp;
    int quiet;
    double t0;
} progress_ctx;

static void train_progress(void *ctx, const char *what, int step, int nsteps, double loss)
{
    progress_ctx *p = ctx;
    if (p->quiet || (step % (nsteps >= 5 ? nsteps / 5 : 1) != 0 && step != nsteps)) return;
    char msg[200];
    snprintf(msg, sizeof msg, "train_sizer: %-12s step %6d/%d  loss %.4f  %.1f s\n", what, step, nsteps, loss,
             seconds_now() - p->t0);
    halo_report(p->interp, msg);
}

static Tcl_Obj *sizer_summary(const sizer *z)
{
    Tcl_Obj *r = Tcl_NewDictObj(), *blocks = Tcl_NewDictObj(), *mets = Tcl_NewListObj(0, NULL),
            *vars = Tcl_NewListObj(0, NULL);
    for (int k = 0; k < z->nmetrics; k++) Tcl_ListObjAppendElement(NULL, mets, Tcl_NewStringObj(z->metric[k].key, -1));
    for (int v = 0; v < z->nvars; v++) Tcl_ListObjAppendElement(NULL, vars, Tcl_NewStringObj(z->var[v], -1));
    for (int b = 0; b < z->nblocks; b++) {
        const sizer_block *k = &z->blocks[b];
        Tcl_Obj *o = Tcl_NewDictObj(), *bv = Tcl_NewListObj(0, NULL);
        for (int i = 0; i < k->nvar; i++) Tcl_ListObjAppendElement(NULL, bv, Tcl_NewStringObj(z->var[k->var[i]], -1));
        halo_dict_put(o, "kind", Tcl_NewStringObj(k->kind, -1));
        halo_dict_put(o, "variables", bv);
        halo_dict_put(o, "loss", halo_num_obj(k->loss));
        halo_dict_put(o, "seconds", halo_num_obj(k->seconds));
        halo_dict_put(blocks, k->name, o);
    }
    halo_dict_put(r, "design", Tcl_NewStringObj(z->design, -1));
    halo_dict_put(r, "metrics", mets);
    halo_dict_put(r, "variables", vars);
    halo_dict_put(r, "blocks", blocks);
    halo_dict_put(r, "train_rows", Tcl_NewIntObj(z->ntrain));
    halo_dict_put(r, "mlp", Tcl_NewIntObj(z->mlp != NULL));
    if (z->mlp) halo_dict_put(r, "mlp_loss", halo_num_obj(z->mlp_loss));
    halo_dict_put(r, "forward", Tcl_NewIntObj(z->forward != NULL));
    if (z->forward) {
        Tcl_Obj *outs = Tcl_NewListObj(0, NULL);
        for (int j = 0; j < z->forward->nout; j++) Tcl_ListObjAppendElement(NULL, outs, Tcl_NewStringObj(z->forward->out[j].key, -1));
        halo_dict_put(r, "forward_nets", Tcl_NewIntObj(z->forward->nnets));
        halo_dict_put(r, "forward_outputs", outs);
        halo_dict_put(r, "forward_loss", halo_num_obj(z->forward->loss));
    }
    return r;
}

/* DIR/split.json: which rows the sizer never saw. */
static int write_split(Tcl_Interp *interp, const char *dir, const size_data *d, const int *rows, int ntest, int ntrain)
{
    su_buf b = {0};
    su_buf_printf(&b, "{\"train_rows\": %d, \"test\": [", ntrain);
    for (int i = 0; i < ntest; i++) su_buf_printf(&b, "%s\"%s\"", i ? ", " : "", d->id[rows[i]]);
    su_buf_add(&b, "]}\n");
    char path[1200];
    snprintf(path, sizeof path, "%s/split.json", dir);
    halo_err err;
    halo_err_clear(&err);
    int rc = halo_write_atomic(path, b.s, b.len, &err);
    su_buf_free(&b);
    return rc ? halo_tcl_error(interp, &err) : TCL_OK;
}

static int train_on(Tcl_Interp *interp, halo_design *d, const train_args *a, const size_data *data, Tcl_Obj **result)
{
    const char *metrics[SIZER_MAX_METRICS];
    int nm, n, rc = TCL_ERROR;
    if (pick_metrics(interp, data, a->metrics, metrics, &nm) != TCL_OK) return TCL_ERROR;
    size_space s;
    if (design_space(interp, d, NULL, NULL, &s) != TCL_OK) return TCL_ERROR;
    int *space_of = halo_xmalloc(sizeof *space_of * (data->nvars ? data->nvars : 1));
    int *rows = usable_rows(data, metrics, nm, a->saturated, (uint64_t)a->seed, &n);
    sizer_blockdef *defs = NULL;
    int *storage = NULL;
    if (map_vars(interp, data, &s, space_of) == TCL_OK) {
        int ntest = (int)floor(a->test_fraction * n + 0.5);
        double *lo = halo_xmalloc(sizeof *lo * data->nvars), *hi = halo_xmalloc(sizeof *hi * data->nvars);
        for (int v = 0; v < data->nvars; v++) lo[v] = s.vars[space_of[v]].lo, hi[v] = s.vars[space_of[v]].hi;
        int nb = block_defs(design_netlist(d), &s, space_of, data->nvars, &defs, &storage);
        sizer_train_opts o;
        sizer_train_opts_default(&o);
        o.train.seed = (uint64_t)a->seed;
        if (a->steps > 0) o.train.steps = a->steps, o.mlp_steps = a->steps;
        if (a->batch > 0) o.train.batch = a->batch;
        if (a->lr > 0) o.train.lr = (float)a->lr;
        if (a->d_model > 0) o.model.d_model = a->d_model;
        if (a->depth > 0) o.model.depth = a->depth;
        o.mlp = a->mlp;
        progress_ctx pc = {interp, a->quiet, seconds_now()};
        o.progress = train_progress, o.ctx = &pc;
        sizer *z = NULL;
        halo_err err;
        halo_err_clear(&err);
        if (sizer_train(data, rows + ntest, n - ntest, metrics, nm, defs, nb, lo, hi, &o, &z, &err) != 0 ||
            sizer_save(z, a->out, &err) != 0)
            halo_tcl_error(interp, &err);
        else if (write_split(interp, a->out, data, rows, ntest, n - ntest) == TCL_OK) {
            *result = sizer_summary(z);
            halo_dict_put(*result, "test_rows", Tcl_NewIntObj(ntest));
            halo_dict_put(*result, "seconds", halo_num_obj(seconds_now() - pc.t0));
            rc = TCL_OK;
        }
        sizer_free(z);
        free(lo);
        free(hi);
    }
    free(defs);
    free(storage);
    free(rows);
    free(space_of);
    sspace_free(&s);
    return rc;
}

/* train_sizer -data FILE -out DIR ?options? */
static int TrainSizerCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    train_args a = {.seed = 1, .test_fraction = 0.1, .mlp = 1, .saturated = 1};
    opt_spec spec[] = {{"-data", OPT_STR, &a.data, 0, 0, ""}, {"-out", OPT_STR, &a.out, 0, 0, ""}, {"-metrics", OPT_STR, &a.metrics, 0, 0, ""},
                       {"-seed", OPT_NUM, &a.seed, 0, 4e9, "a seed from 0 to 4e9"},
                       {"-test_fraction", OPT_NUM, &a.test_fraction, 0, 0.9, "a fraction from 0 to 0.9"},
                       {"-steps", OPT_INT, &a.steps, 1, 10000000, "1 to 10000000 steps"},
                       {"-batch", OPT_INT, &a.batch, 1, 65536, "1 to 65536"},
                       {"-lr", OPT_NUM, &a.lr, 1e-7, 1, "a learning rate from 1e-7 to 1"},
                       {"-d_model", OPT_INT, &a.d_model, 8, 1024, "a width from 8 to 1024"},
                       {"-depth", OPT_INT, &a.depth, 1, 32, "1 to 32 blocks"},
                       {"-mlp", OPT_INT, &a.mlp, 0, 1, "0 or 1"}, {"-quiet", OPT_INT, &a.quiet, 0, 1, "0 or 1"},
                       {"-saturated", OPT_INT, &a.saturated, 0, 1, "0 or 1"}, {NULL, 0, NULL, 0, 0, NULL}};
    if (halo_parse_opts(interp, objc, objv, 1, spec) != TCL_OK) return TCL_ERROR;
    if (!a.data || !a.out) return halo_usage(interp, "train_sizer");
    if (!halo_need_design(interp, cd)) return TCL_ERROR;
    size_data data;
    halo_err err;
    halo_err_clear(&err);
    if (size_data_read(a.data, &data, &err) != 0) return halo_tcl_error(interp, &err);
    Tcl_Obj *r = NULL;
    int rc = train_on(interp, cd, &a, &data, &r);
    size_data_free(&data);
    if (rc == TCL_OK) Tcl_SetObjResult(interp, r);
    return rc;
}

/* ---------------------------------------------------------------- size */

typedef struct size_args {
    const char *model, *spec, *method, *data;
    int samples, screen, refine, steps, simulate, full_models;
    double guidance, seed, cl, vdd, ibias;
} size_args;

/* The specification dict as a vector of the sizer's metrics (NaN where
 * the dict is silent). */
static int parse_spec(Tcl_Interp *interp, const sizer *z, const char *text, double *spec)
{
    for (int k = 0; k < z->nmetrics; k++) spec[k] = NAN;
    Tcl_Obj *o = Tcl_NewStringObj(text, -1);
    Tcl_IncrRefCount(o);
    Tcl_DictSearch it;
    Tcl_Obj *key, *val;
    int done, rc = TCL_OK, given = 0;
    if (Tcl_DictObjFirst(interp, o, &it, &key, &val, &done) != TCL_OK) {
        Tcl_DecrRefCount(o);
        return TCL_ERROR;
    }
    for (; !done && rc == TCL_OK; Tcl_DictObjNext(&it, &key, &val, &done)) {
        int k = sizer_metric_index(z, Tcl_GetString(key));
        double v;
        if (k < 0) rc = halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "-spec key", Tcl_GetString(key), "a metric the sizer was trained on");
        else if (Tcl_GetDoubleFromObj(NULL, val, &v) != TCL_OK || !isfinite(v))
            rc = halo_tcl_fail(interp, HALO_E_SIZ_VALUE, Tcl_GetString(key), Tcl_GetString(val), "a finite number");
        else spec[k] = v, given++;
    }
    Tcl_DictObjDone(&it);
    Tcl_DecrRefCount(o);
    if (rc == TCL_OK && given == 0) rc = halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "-spec", text, "a dict of at least one metric");
    return rc;
}

/* Mean relative difference of r's metrics to the given ones of spec;
 * infinite when the sizing failed or misses a metric. */
static double spec_distance(const sizer *z, const double *spec, const opamp_result *r)
{
    if (r->status != SIM_OK) return INFINITY;
    double m[SIZER_MAX_METRICS];
    for (int k = 0; k < z->nmetrics; k++) {
        int j = 0;
        while (j < r->nmetrics && strcmp(r->keys[j], z->metric[k].key) != 0) j++;
        m[k] = j < r->nmetrics ? r->values[j] : NAN;
    }
    return sizer_spec_distance(z, spec, m);
}

/* The candidate sizings of the chosen method into x (n * nvars). */
static int propose(Tcl_Interp *interp, sizer *z, const size_space *s, const int *space_of, const size_args *a,
                   const double *spec, int n, double *x)
{
    halo_err err;
    halo_err_clear(&err);
    double *u = halo_xmalloc(sizeof *u * (size_t)n * z->nvars);
    int rc = 0;
    if (strcmp(a->method, "diffusion") == 0)
        rc = sizer_sample(z, spec, n, (float)a->guidance, a->steps, (uint64_t)a->seed, u, &err);
    else if (strcmp(a->method, "mlp") == 0)
        rc = sizer_mlp_size(z, spec, u, &err);
    for (int i = 0; i < n && rc == 0; i++) {
        double *xi = x + (size_t)i * s->nvars;
        if (strcmp(a->method, "random") == 0) dataset_sample(s, (uint64_t)a->seed + 7777, i, xi);
        else {
            const double *ui = strcmp(a->method, "mlp") == 0 ? u : u + (size_t)i * z->nvars;
            for (int v = 0; v < z->nvars; v++) xi[space_of[v]] = ui[v];
            sspace_snap(s, xi);
        }
    }
    free(u);
    return rc ? halo_tcl_error(interp, &err) : TCL_OK;
}

typedef struct ranked {
    int index;
    double distance;
} ranked;

static int by_distance(const void *a, const void *b)
{
    const ranked *p = a, *q = b;
    if (p->distance < q->distance) return -1;
    if (p->distance > q->distance) return 1;
    return p->index - q->index;
}

/* The candidates in order; with the screen's predicted metrics (pred:
 * n * nmetrics, the sizer's order) when there are any. */
static Tcl_Obj *candidates_obj(const sizer *z, const size_space *s, const double *x, const opamp_result *res,
                               const double *pred, const ranked *order, int n)
{
    Tcl_Obj *list = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < n; i++) {
        int j = order[i].index;
        Tcl_Obj *c = Tcl_NewDictObj();
        halo_dict_put(c, "sizing", sizing_dict(s, x + (size_t)j * s->nvars));
        if (pred) {
            Tcl_Obj *p = Tcl_NewDictObj();
            for (int k = 0; k < z->nmetrics; k++)
                halo_dict_put(p, z->metric[k].key, halo_num_obj(pred[(size_t)j * z->nmetrics + k]));
            halo_dict_put(c, "predicted", p);
        }
        if (res) {
            halo_dict_put(c, "status", Tcl_NewStringObj(res[j].status == SIM_OK ? "ok" : sim_status_name(res[j].status), -1));
            halo_dict_put(c, "metrics", metrics_dict(&res[j]));
            halo_dict_put(c, "distance", halo_num_obj(isfinite(order[i].distance) ? order[i].distance : -1));
        }
        Tcl_ListObjAppendElement(NULL, list, c);
    }
    return list;
}

/* ---------------------------------------------------------------- size -method bo */

/* A sizing (space order, µm) as the sizer's normalised u (its variable
 * order): the GP's coordinates, in which every variable spreads alike. */
static void sizing_to_u(const sizer *z, const int *space_of, const double *x, double *u)
{
    for (int v = 0; v < z->nvars; v++) u[v] = sizer_u_of(z, v, x[space_of[v]]);
}

static void u_to_sizing(const sizer *z, const int *space_of, const size_space *s, const double *u, double *x)
{
    for (int v = 0; v < z->nvars; v++) x[space_of[v]] = sizer_x_of(z, v, u[v]);
    sspace_snap(s, x);
}

/* spec_distance of a dataset row; INFINITY when it misses a metric. */
static double row_distance(const sizer *z, const double *spec, const size_data *d, int r)
{
    double m[SIZER_MAX_METRICS];
    for (int k = 0; k < z->nmetrics; k++) {
        int c = size_data_metric(d, z->metric[k].key);
        m[k] = c < 0 ? NAN : d->m[(size_t)r * d->nmetrics + c];
    }
    return sizer_spec_distance(z, spec, m);
}

/* What the GP models: the log of the distance (relative errors span
 * decades; a failed sizing is not a point of the surface). */
static double bo_target(double distance)
{
    return log(distance + 1e-4);
}

/* The observations: u (cap * nvars) and targets, grown as sizings are
 * simulated. */
typedef struct bo_obs {
    int n, cap, d;
    double *u, *y;
} bo_obs;

static void bo_add(bo_obs *o, const double *u, double y)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 64;
        o->u = halo_xrealloc(o->u, sizeof *o->u * (size_t)o->cap * o->d);
        o->y = halo_xrealloc(o->y, sizeof *o->y * (size_t)o->cap);
    }
    memcpy(o->u + (size_t)o->n * o->d, u, sizeof *u * (size_t)o->d);
    o->y[o->n++] = y;
}

/* The dataset's converged rows as observations of this specification. */
static int bo_prior(Tcl_Interp *interp, const sizer *z, const size_space *s, const int *space_of, const char *path,
                    const double *spec, bo_obs *o)
{
    size_data d;
    halo_err err;
    halo_err_clear(&err);
    if (size_data_read(path, &d, &err) != 0) return halo_tcl_error(interp, &err);
    int *dspace = halo_xmalloc(sizeof *dspace * (size_t)(d.nvars ? d.nvars : 1));
    double *xs = halo_xmalloc(sizeof *xs * s->nvars), *u = halo_xmalloc(sizeof *u * z->nvars);
    int rc = map_vars(interp, &d, s, dspace);
    for (int r = 0; rc == TCL_OK && r < d.nrows; r++) {
        double dist = d.converged[r] ? row_distance(z, spec, &d, r) : INFINITY;
        if (!isfinite(dist)) continue;
        for (int v = 0; v < d.nvars; v++) xs[dspace[v]] = d.x[(size_t)r * d.nvars + v];
        sizing_to_u(z, space_of, xs, u);
        bo_add(o, u, bo_target(dist));
    }
    if (rc == TCL_OK && o->n < 2)
        rc = halo_tcl_fail(interp, HALO_E_SIZ_DATA, path, "fewer than 2 converged rows with the specification's metrics");
    free(u);
    free(xs);
    free(dspace);
    size_data_free(&d);
    return rc;
}

enum { BO_CANDIDATES = 2048, BO_LOCAL = 8 };

/* The indices of the (up to) BO_LOCAL lowest targets, best first. */
static int bo_best(const bo_obs *o, int *best)
{
    int nb = 0;
    for (int i = 0; i < o->n; i++) {
        int j;
        if (nb < BO_LOCAL) j = nb++;
        else if (o->y[i] < o->y[best[BO_LOCAL - 1]]) j = BO_LOCAL - 1;
        else continue;
        best[j] = i;
        for (; j > 0 && o->y[best[j]] < o->y[best[j - 1]]; j--) {
            int t = best[j];
            best[j] = best[j - 1], best[j - 1] = t;
        }
    }
    return nb;
}

/* Candidates in u: half drawn from the sizing space, half normal steps
 * (0.05 to 0.4 of a standard deviation) around the BO_LOCAL best
 * observations; all snapped onto the grid through the sizing. */
static void bo_candidates(const sizer *z, const size_space *s, const int *space_of, const bo_obs *o, halo_rng *rng,
                          double *cu)
{
    int best[BO_LOCAL], nb = bo_best(o, best);
    double *x = halo_xmalloc(sizeof *x * s->nvars);
    for (int c = 0; c < BO_CANDIDATES; c++) {
        double *u = cu + (size_t)c * z->nvars;
        if (c % 2 == 0 || nb == 0) {
            sspace_sample(s, rng, x);
        } else {
            const double *b = o->u + (size_t)best[rng_below(rng, nb)] * o->d;
            double step = 0.05 * pow(8.0, rng_uniform(rng));
            for (int v = 0; v < z->nvars; v++) u[v] = b[v] + step * rng_normal(rng);
            u_to_sizing(z, space_of, s, u, x);
        }
        sizing_to_u(z, space_of, x, u);
    }
    free(x);
}

/* Simple Bayesian optimisation, sequential: a GP on the observations
 * (the -data rows, then every sizing simulated here), and each of
 * a->samples rounds simulates the candidate of highest expected
 * improvement.  x and res get the simulated sizings in order. */
static int bo_search(Tcl_Interp *interp, halo_design *d, const sizer *z, const size_space *s, const int *space_of,
                     const size_args *a, const double *spec, const char_opts *co, double *x, opamp_result *res)
{
    bo_obs o = {.d = z->nvars};
    int rc = bo_prior(interp, z, s, space_of, a->data, spec, &o);
    double *cu = halo_xmalloc(sizeof *cu * (size_t)BO_CANDIDATES * z->nvars);
    double *mean = halo_xmalloc(sizeof *mean * BO_CANDIDATES), *sd = halo_xmalloc(sizeof *sd * BO_CANDIDATES);
    halo_rng rng;
    rng_seed(&rng, (uint64_t)a->seed * 0x9E3779B97F4A7C15ull + 424242);
    double ell = 0, noise = 0;
    for (int it = 0; rc == TCL_OK && it < a->samples; it++) {
        /* hyperparameters from the first fit, on the data alone */
        size_gp gp;
        int bad = it == 0 ? size_gp_fit(&gp, o.u, o.y, o.n, o.d) : size_gp_fit_with(&gp, o.u, o.y, o.n, o.d, ell, noise);
        ell = gp.ell, noise = gp.noise;
        if (bad) {
            rc = halo_tcl_fail(interp, HALO_E_SIZ_DATA, a->data, "the Gaussian process could not be fitted");
            break;
        }
        double best = o.y[0];
        for (int i = 1; i < o.n; i++) best = fmin(best, o.y[i]);
        bo_candidates(z, s, space_of, &o, &rng, cu);
        size_gp_predict(&gp, cu, BO_CANDIDATES, mean, sd);
        size_gp_free(&gp);
        int pick = size_best_improvement(mean, sd, BO_CANDIDATES, best);
        double *xi = x + (size_t)it * s->nvars;
        u_to_sizing(z, space_of, s, cu + (size_t)pick * z->nvars, xi);
        rc = characterize_sizings(interp, d, s, xi, 1, co, &res[it]);
        double dist = rc == TCL_OK ? spec_distance(z, spec, &res[it]) : INFINITY;
        /* a failed sizing is no observation; the next round draws anew */
        if (isfinite(dist)) bo_add(&o, cu + (size_t)pick * z->nvars, bo_target(dist));
    }
    free(sd);
    free(mean);
    free(cu);
    free(o.u);
    free(o.y);
    return rc;
}

/* n sizings x in the space's order as the sizer's variables (xs: n *
 * z->nvars), the order the forward model reads. */
static void in_sizer_order(const sizer *z, const size_space *s, const int *space_of, const double *x, int n,
                           double *xs)
{
    for (int i = 0; i < n; i++)
        for (int v = 0; v < z->nvars; v++) xs[(size_t)i * z->nvars + v] = x[(size_t)i * s->nvars + space_of[v]];
}

/* size -refine: the kept sizings x (space order) moved toward spec on the
 * forward model, snapped to the grid again, their predictions renewed.
 * A reach of 0.5 standard deviations per variable keeps them where the
 * forward model has seen data. */
static int refine_kept(Tcl_Interp *interp, sizer *z, const size_space *s, const int *space_of, const size_args *a,
                       const double *spec, double *x, double *pred)
{
    int n = a->samples;
    double *xs = halo_xmalloc(sizeof *xs * (size_t)n * z->nvars);
    halo_err err;
    halo_err_clear(&err);
    in_sizer_order(z, s, space_of, x, n, xs);
    int rc = sizer_refine(z, spec, xs, n, a->refine, 0.5, &err);
    for (int i = 0; i < n && rc == 0; i++) {
        for (int v = 0; v < z->nvars; v++) x[(size_t)i * s->nvars + space_of[v]] = xs[(size_t)i * z->nvars + v];
        sspace_snap(s, x + (size_t)i * s->nvars);
    }
    if (rc == 0) {
        in_sizer_order(z, s, space_of, x, n, xs);   /* the snapped sizings, as they will be simulated */
        rc = sizer_predict(z, xs, n, pred, &err);
    }
    free(xs);
    return rc ? halo_tcl_error(interp, &err) : TCL_OK;
}

/* size -screen: a->screen candidates of the method, the a->samples the
 * forward model predicts closest to spec kept in x (best first), their
 * predicted metrics in pred (a->samples * nmetrics). */
static int propose_screened(Tcl_Interp *interp, sizer *z, const size_space *s, const int *space_of,
                            const size_args *a, const double *spec, double *x, double *pred)
{
    int n = a->screen;
    double *all = halo_xmalloc(sizeof *all * (size_t)n * s->nvars);
    double *xs = halo_xmalloc(sizeof *xs * (size_t)n * z->nvars);
    double *m = halo_xmalloc(sizeof *m * (size_t)n * z->nmetrics);
    ranked *order = halo_xmalloc(sizeof *order * n);
    halo_err err;
    halo_err_clear(&err);
    int rc = propose(interp, z, s, space_of, a, spec, n, all);
    if (rc == TCL_OK) in_sizer_order(z, s, space_of, all, n, xs);   /* snapped, as they would be simulated */
    if (rc == TCL_OK && sizer_predict(z, xs, n, m, &err) != 0) rc = halo_tcl_error(interp, &err);
    if (rc == TCL_OK) {
        for (int i = 0; i < n; i++) order[i] = (ranked){i, sizer_spec_distance(z, spec, m + (size_t)i * z->nmetrics)};
        qsort(order, n, sizeof *order, by_distance);
        for (int i = 0; i < a->samples; i++) {
            memcpy(x + (size_t)i * s->nvars, all + (size_t)order[i].index * s->nvars, sizeof *x * s->nvars);
            memcpy(pred + (size_t)i * z->nmetrics, m + (size_t)order[i].index * z->nmetrics, sizeof *m * z->nmetrics);
        }
    }
    if (rc == TCL_OK && a->refine > 0) rc = refine_kept(interp, z, s, space_of, a, spec, x, pred);
    free(order);
    free(m);
    free(xs);
    free(all);
    return rc;
}

static int size_with(Tcl_Interp *interp, halo_design *d, sizer *z, const size_args *a, Tcl_Obj *r)
{
    double spec[SIZER_MAX_METRICS];
    if (parse_spec(interp, z, a->spec, spec) != TCL_OK) return TCL_ERROR;
    size_space s;
    if (design_space(interp, d, NULL, NULL, &s) != TCL_OK) return TCL_ERROR;
    size_data names = {.nvars = z->nvars, .var = z->var, .design = ""};
    int *space_of = halo_xmalloc(sizeof *space_of * z->nvars);
    double *x = halo_xmalloc(sizeof *x * (size_t)a->samples * s.nvars);
    opamp_result *res = a->simulate ? halo_xcalloc(a->samples, sizeof *res) : NULL;
    ranked *order = halo_xmalloc(sizeof *order * a->samples);
    double *pred = a->screen ? halo_xmalloc(sizeof *pred * (size_t)a->samples * z->nmetrics) : NULL;
    double t0 = seconds_now(), t1 = t0;
    char_opts co;
    opamp_tb_defaults(&co.tb);
    co.tb.vdd = a->vdd, co.tb.cl = a->cl, co.tb.ibias = a->ibias, co.tb.vcm = a->vdd / 2;
    design_sim_opts_default(&co.sim);
    co.sim.full_models = a->full_models;
    int rc = map_vars(interp, &names, &s, space_of), bo = strcmp(a->method, "bo") == 0;
    if (rc == TCL_OK && res) rc = halo_sim_memory_limit(interp, &co.sim);
    if (rc == TCL_OK && bo) {
        /* proposing is simulating: seconds_sampling counts the GP alone */
        rc = bo_search(interp, d, z, &s, space_of, a, spec, &co, x, res);
        t1 = seconds_now();
    } else {
        if (rc == TCL_OK)
            rc = a->screen ? propose_screened(interp, z, &s, space_of, a, spec, x, pred)
                           : propose(interp, z, &s, space_of, a, spec, a->samples, x);
        t1 = seconds_now();
        if (rc == TCL_OK && res) rc = characterize_sizings(interp, d, &s, x, a->samples, &co, res);
    }
    if (rc == TCL_OK) {
        for (int i = 0; i < a->samples; i++) order[i] = (ranked){i, res ? spec_distance(z, spec, &res[i]) : 0};
        if (res) qsort(order, a->samples, sizeof *order, by_distance);
        float c[SIZER_MAX_METRICS];
        int filled;
        sizer_condition(z, spec, c, &filled);
        halo_dict_put(r, "candidates", candidates_obj(z, &s, x, res, pred, order, a->samples));
        halo_dict_put(r, "method", Tcl_NewStringObj(a->method, -1));
        halo_dict_put(r, "screened", Tcl_NewIntObj(a->screen));
        halo_dict_put(r, "refined", Tcl_NewIntObj(a->refine));
        halo_dict_put(r, "filled_from_nearest_row", Tcl_NewIntObj(filled));
        halo_dict_put(r, "seconds_sampling", halo_num_obj(t1 - t0));
        halo_dict_put(r, "seconds_simulation", halo_num_obj(seconds_now() - t1));
    }
    for (int i = 0; res && i < a->samples; i++) opamp_tb_result_free(&res[i]);
    free(res);
    free(order);
    free(pred);
    free(x);
    free(space_of);
    sspace_free(&s);
    return rc;
}

/* The sizer in dir, or NULL with the loader's error in interp. */
static sizer *load_sizer(Tcl_Interp *interp, const char *dir)
{
    halo_err err;
    halo_err_clear(&err);
    sizer *z = sizer_load(dir, &err);
    if (!z) halo_tcl_error(interp, &err);
    return z;
}

/* The sizing dict a set_sizing or sizer_predict argument gives: itself,
 * or the "sizing" of a `size` candidate. */
/* dict's value under key, or NULL (the key object freed after). */
static Tcl_Obj *dict_value(Tcl_Obj *dict, const char *key)
{
    Tcl_Obj *k = Tcl_NewStringObj(key, -1), *v = NULL;
    Tcl_IncrRefCount(k);
    if (Tcl_DictObjGet(NULL, dict, k, &v) != TCL_OK) v = NULL;
    Tcl_DecrRefCount(k);
    return v;
}

static Tcl_Obj *sizing_of(Tcl_Obj *dict)
{
    Tcl_Obj *inner = dict_value(dict, "sizing");
    return inner ? inner : dict;
}

/* A size in um from val, for the sizing variable key: above 0, below
 * 10 cm. */
static int size_um(Tcl_Interp *interp, const char *key, Tcl_Obj *val, double *x)
{
    if (Tcl_GetDoubleFromObj(NULL, val, x) != TCL_OK || !(*x > 0 && *x < 1e5))
        return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, key, Tcl_GetString(val), "a size in um, above 0");
    return TCL_OK;
}

/* size -model DIR -spec DICT ?options? */
static int SizeCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    size_args a = {.method = "diffusion", .samples = 8, .simulate = 1, .guidance = 0.0, .seed = 1,
                   .cl = 1e-12, .vdd = 1.8, .ibias = 10e-6};
    opt_spec spec[] = {{"-model", OPT_STR, &a.model, 0, 0, ""}, {"-spec", OPT_STR, &a.spec, 0, 0, ""}, {"-method", OPT_STR, &a.method, 0, 0, ""},
                       {"-samples", OPT_INT, &a.samples, 1, 100000, "1 to 100000"},
                       {"-screen", OPT_INT, &a.screen, 0, 100000, "0 (no screen) or 1 to 100000 candidates"},
                       {"-refine", OPT_INT, &a.refine, 0, 100000, "0 (none) or 1 to 100000 steps"},
                       {"-guidance", OPT_NUM, &a.guidance, 0, 100, "a guidance scale from 0 to 100"},
                       {"-steps", OPT_INT, &a.steps, 1, 10000, "1 to 10000 sampling steps"},
                       {"-seed", OPT_NUM, &a.seed, 0, 4e9, "a seed from 0 to 4e9"},
                       {"-simulate", OPT_INT, &a.simulate, 0, 1, "0 or 1"},
                       {"-cl", OPT_NUM, &a.cl, 0, 1e-6, "a load from 0 to 1e-6 F"},
                       {"-vdd", OPT_NUM, &a.vdd, 0.1, 20, "a supply from 0.1 to 20 V"},
                       {"-ibias", OPT_NUM, &a.ibias, 0, 1e-2, "a bias current from 0 to 10 mA"},
                       {"-full_models", OPT_INT, &a.full_models, 0, 1, "0 or 1"},
                       {"-data", OPT_STR, &a.data, 0, 0, ""}, {NULL, 0, NULL, 0, 0, NULL}};
    if (halo_parse_opts(interp, objc, objv, 1, spec) != TCL_OK) return TCL_ERROR;
    if (!a.model || !a.spec) return halo_usage(interp, "size");
    if (strcmp(a.method, "diffusion") && strcmp(a.method, "mlp") && strcmp(a.method, "random") &&
        strcmp(a.method, "bo"))
        return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "-method", a.method, "diffusion, mlp, random or bo");
    if (strcmp(a.method, "bo") == 0 && (!a.data || !a.simulate))
        return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "-method", a.method,
                             "bo with -data ROWS.jsonl (the rows the sizer was trained on) and -simulate 1");
    char screen[24];
    snprintf(screen, sizeof screen, "%d", a.screen);
    if (a.screen && strcmp(a.method, "diffusion") && strcmp(a.method, "random"))
        return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "-screen", screen,
                             "0 with -method mlp or bo (the screen picks among drawn candidates)");
    if (a.refine && !a.screen) {
        char refine[24];
        snprintf(refine, sizeof refine, "%d", a.refine);
        return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "-refine", refine, "0 unless -screen picks the sizings to refine");
    }
    if (a.screen && a.screen < a.samples)
        return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "-screen", screen,
                             "0, or at least -samples candidates to keep -samples of");
    if (strcmp(a.method, "mlp") == 0) a.samples = 1;   /* a regressor has one answer */
    if (!halo_need_design(interp, cd)) return TCL_ERROR;
    sizer *z = load_sizer(interp, a.model);
    if (!z) return TCL_ERROR;
    Tcl_Obj *r = Tcl_NewDictObj();
    Tcl_IncrRefCount(r);
    int rc = size_with(interp, cd, z, &a, r);
    if (rc == TCL_OK) Tcl_SetObjResult(interp, r);
    Tcl_DecrRefCount(r);
    sizer_free(z);
    return rc;
}

/* ---------------------------------------------------------------- set_sizing, sizer_info */

/* set_sizing DICT: a dict of sizing variables (µm), or a candidate of
 * `size` (a dict with a "sizing" key). */
static int SetSizingCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 2) return halo_usage(interp, "set_sizing");
    Tcl_Obj *dict = sizing_of(objv[1]);
    size_space s;
    if (design_space(interp, cd, NULL, NULL, &s) != TCL_OK) return TCL_ERROR;
    netlist *nl = netlist_clone(design_netlist(cd));
    double *x = halo_xmalloc(sizeof *x * s.nvars);
    sspace_read(&s, nl, x);
    Tcl_DictSearch it;
    Tcl_Obj *key, *val;
    int done, rc = Tcl_DictObjFirst(interp, dict, &it, &key, &val, &done), n = 0, searching = rc == TCL_OK;
    for (; rc == TCL_OK && !done; Tcl_DictObjNext(&it, &key, &val, &done)) {
        int v = sspace_find(&s, Tcl_GetString(key));
        double value;
        if (v < 0) rc = halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "set_sizing key", Tcl_GetString(key), "a sizing variable of the design (XM1.W ...)");
        else if ((rc = size_um(interp, Tcl_GetString(key), val, &value)) == TCL_OK) x[v] = value, n++;
    }
    if (searching) Tcl_DictObjDone(&it);   /* also when a bad entry ended the search early */
    halo_err err;
    halo_err_clear(&err);
    if (rc == TCL_OK) {
        sspace_apply(&s, x, nl);
        if (design_adopt_netlist(cd, nl, &err) != 0) rc = halo_tcl_error(interp, &err);
        else nl = NULL, Tcl_SetObjResult(interp, Tcl_NewIntObj(n));
    }
    netlist_free(nl);
    free(x);
    sspace_free(&s);
    return rc;
}

/* sizer_info DIR */
static int SizerInfoCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    if (objc != 2) return halo_usage(interp, "sizer_info");
    sizer *z = load_sizer(interp, Tcl_GetString(objv[1]));
    if (!z) return TCL_ERROR;
    Tcl_SetObjResult(interp, sizer_summary(z));
    sizer_free(z);
    return TCL_OK;
}

/* The sizer-ordered sizing x (µm) of a dict giving every one of z's
 * variables (or a `size` candidate holding one under "sizing"). */
static int sizer_sizing(Tcl_Interp *interp, const sizer *z, Tcl_Obj *dict, double *x)
{
    Tcl_Obj *val;
    dict = sizing_of(dict);
    int n;
    if (Tcl_DictObjSize(NULL, dict, &n) != TCL_OK)
        return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "sizing", Tcl_GetString(dict), "a dict of sizing variables");
    for (int v = 0; v < z->nvars; v++) {
        if (!(val = dict_value(dict, z->var[v])))
            return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "sizing", z->var[v], "every variable of the sizer (this one is missing)");
        if (size_um(interp, z->var[v], val, &x[v]) != TCL_OK) return TCL_ERROR;
    }
    if (n != z->nvars)
        return halo_tcl_fail(interp, HALO_E_SIZ_VALUE, "sizing", Tcl_GetString(dict), "only the sizer's variables");
    return TCL_OK;
}

/* sizer_predict DIR SIZING: the forward model's metrics for one sizing. */
static int SizerPredictCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    if (objc != 3) return halo_usage(interp, "sizer_predict");
    sizer *z = load_sizer(interp, Tcl_GetString(objv[1]));
    if (!z) return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    double *x = halo_xmalloc(sizeof *x * z->nvars), m[SIZER_MAX_METRICS];
    int rc = sizer_sizing(interp, z, objv[2], x);
    if (rc == TCL_OK && sizer_predict(z, x, 1, m, &err) != 0) rc = halo_tcl_error(interp, &err);
    if (rc == TCL_OK) {
        Tcl_Obj *r = Tcl_NewDictObj();
        for (int k = 0; k < z->nmetrics; k++) halo_dict_put(r, z->metric[k].key, halo_num_obj(m[k]));
        Tcl_SetObjResult(interp, r);
    }
    free(x);
    sizer_free(z);
    return rc;
}

/* sizing_space ?-w_range {lo hi}? ?-l_range {lo hi}? */
static int SizingSpaceCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    const char *wrange = NULL, *lrange = NULL;
    opt_spec spec[] = {{"-w_range", OPT_STR, &wrange, 0, 0, ""}, {"-l_range", OPT_STR, &lrange, 0, 0, ""}, {NULL, 0, NULL, 0, 0, NULL}};
    if (halo_parse_opts(interp, objc, objv, 1, spec) != TCL_OK) return TCL_ERROR;
    double wr[2] = {0.5, 2}, lr[2] = {0.67, 2};
    if (parse_range(interp, "-w_range", wrange, wr) || parse_range(interp, "-l_range", lrange, lr)) return TCL_ERROR;
    size_space s;
    if (design_space(interp, cd, wr, lr, &s) != TCL_OK) return TCL_ERROR;
    Tcl_Obj *r = Tcl_NewDictObj();
    netlist *nl = design_netlist(cd);
    for (int i = 0; i < s.nvars; i++) {
        const sspace_var *v = &s.vars[i];
        Tcl_Obj *o = Tcl_NewDictObj(), *devs = Tcl_NewListObj(0, NULL);
        for (int k = 0; k < v->ndev; k++) Tcl_ListObjAppendElement(NULL, devs, Tcl_NewStringObj(nl->devs[v->dev[k]].name, -1));
        halo_dict_put(o, "nominal", halo_num_obj(v->nominal));
        halo_dict_put(o, "lo", halo_num_obj(v->lo));
        halo_dict_put(o, "hi", halo_num_obj(v->hi));
        halo_dict_put(o, "devices", devs);
        halo_dict_put(r, v->name, o);
    }
    sspace_free(&s);
    Tcl_SetObjResult(interp, r);
    return TCL_OK;
}

const HaloCmd halo_size_cmds[] = {
    {"sizing_space", SizingSpaceCmd, "sizing_space ?-w_range {LO HI}? ?-l_range {LO HI}?",
     "Returns the sizing space of the current design: one variable per W and L of each transistor (and the side of "
     "a MIM capacitor, the length of a poly resistor), devices of one match group and the symmetric pairs "
     "recognize_blocks finds sharing one variable at their nominal ratio; each with its nominal value, range (the "
     "nominal times the range factors, W 0.5..2 and L 0.67..2 by default, clipped to the technology's limits) and "
     "devices. Error SIZ-1 when nothing can be sized.",
     "Lists the design's sizing variables and their ranges."},
    {"sizing_dataset", SizingDatasetCmd,
     "sizing_dataset -out FILE.jsonl -samples N ?-seed S? ?-w_range {LO HI}? ?-l_range {LO HI}? ?-cl F? ?-vdd V? "
     "?-ibias A? ?-batch B? ?-full_models 0|1? ?-quiet 0|1?",
     "Samples N sizings of the current design (log-uniform within sizing_space, on a 10 nm grid; sample i has its "
     "own seed, so the same -seed gives the same rows anywhere), characterises each in the simulation workers with "
     "the open-loop op-amp testbench (characterize) and writes one JSONL row per sizing in the "
     "analog-circuits-sky130 schema: the sizing in sim_params.sweep.design.sizing, the sized netlist as "
     "netlist_json, the metrics, converged and the schema's error class for failed points, which are kept. Rows go "
     "to FILE.partial first; an interrupted run resumes there and the file is renamed when complete. Prints "
     "progress per batch. Returns {file rows resumed_at converged_new seconds variables}.",
     "Samples and simulates sizings as JSONL rows."},
    {"train_sizer", TrainSizerCmd,
     "train_sizer -data FILE.jsonl -out DIR ?-metrics LIST? ?-test_fraction F? ?-seed S? ?-steps N? ?-batch B? "
     "?-lr LR? ?-d_model D? ?-depth L? ?-mlp 0|1? ?-saturated 0|1? ?-quiet 0|1?",
     "Trains the inverse sizer of the current design on a sizing_dataset file: one conditional diffusion model "
     "(v-prediction, cosine schedule with zero terminal SNR, classifier-free guidance, adaLN-Zero transformer) per "
     "structural block of recognize_blocks, each recovering its block's sizing guided by the whole op-amp's "
     "metrics, the whole-netlist MLP regressor as the baseline (-mlp 0 skips it), and a forward model (sizing to "
     "metrics, for size -screen and -refine: five MLPs of 4 x 128 whose mean is the prediction, each metric "
     "log-scaled when positive throughout, the slew rate predicted as the lesser of its rising and falling edges). Metrics default to the "
     "characterisation metrics present in 90 % of the converged rows. Rows train when converged with every metric and, unless -saturated 0, every transistor saturated (n_not_saturated 0). A seeded -test_fraction (0.1) of the usable "
     "rows is held out and listed in DIR/split.json. Writes DIR/sizer.json and one safetensors file per block "
     "(and mlp.safetensors, forward.safetensors and forward_1 to forward_4.safetensors). Returns the sizer's summary with test_rows and seconds.",
     "Trains the per-block diffusion sizer."},
    {"size", SizeCmd,
     "size -model DIR -spec DICT ?-samples N? ?-method diffusion|mlp|random|bo? ?-screen M? ?-refine STEPS? ?-data ROWS.jsonl? ?-guidance W? "
     "?-steps S? ?-seed S? ?-simulate 0|1? ?-cl F? ?-vdd V? ?-ibias A? ?-full_models 0|1?",
     "Sizes the current design for a specification {metric value ...} (metrics the sizer was trained on; those "
     "left out are taken from the training row nearest on the given ones): -method diffusion samples N sizings "
     "from the per-block models and averages overlapping blocks (-guidance w: classifier-free guidance, v = (1 + w) "
     "v_cond - w v_uncond; the default 0 is the conditional model alone, which sized best on the bench); mlp gives the regressor's one sizing; random "
     "draws N from the sizing space (a baseline); bo is simple Bayesian optimisation (the other baseline): a "
     "Gaussian process on the log distance to the specification, fitted to the rows of -data (the sizing_dataset "
     "the sizer was trained on) and to each sizing simulated so far, N sequential rounds each simulating the "
     "candidate of highest expected improvement. -screen M (diffusion and random) draws M candidates instead, and "
     "the sizer's forward model (an ensemble of MLPs from sizing to metrics trained beside it) keeps the N it predicts closest "
     "to the specification; only those are simulated. -refine STEPS (with -screen) first moves each kept sizing "
     "toward the specification on the forward model: STEPS Adam steps on the mean squared relative difference of "
     "its predicted metrics, each normalised variable within 0.5 standard deviations of where it started. Each sizing is characterised and the candidates are ranked by "
     "the mean relative difference of their metrics to the specification. Returns {candidates {{sizing metrics "
     "status distance ?predicted?} ...} method screened refined filled_from_nearest_row seconds_sampling seconds_simulation}.",
     "Sizes the design for a specification."},
    {"set_sizing", SetSizingCmd, "set_sizing DICT",
     "Applies a sizing to the current design: a dict {XM1.W 12.5 XM1.L 0.5 ...} of sizing variables in um (or a "
     "candidate of size, using its sizing). Devices sharing a variable keep their ratio. The design's cells, "
     "placement and routing are dropped, as for a new netlist. Returns the number of variables set.",
     "Applies a sizing to the design."},
    {"sizer_predict", SizerPredictCmd, "sizer_predict DIR SIZING",
     "Predicts, without simulating, the metrics of one sizing with a trained sizer's forward model: SIZING is a dict "
     "giving every variable of the sizer in um (as sizing_space names them), or a candidate of size. Returns "
     "{metric value ...} in the sizer's metric order. A sizer without a forward model is refused "
     "(HALO_E_SIZ_STATE); a missing, extra or non-positive variable names itself (HALO_E_SIZ_VALUE).",
     "Predicts a sizing's metrics on the forward model."},
    {"sizer_info", SizerInfoCmd, "sizer_info DIR",
     "Returns a trained sizer's summary: design, metrics, variables, blocks {name {kind variables loss seconds}}, "
     "train_rows, mlp, forward and, with a forward model, forward_nets, forward_outputs (what its nets predict) and "
     "forward_loss.",
     "Says what a trained sizer holds."},
    {NULL}};
