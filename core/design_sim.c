/*
 * design_sim.c -- a design's simulation: the testbench, the post-layout
 * netlist, the decks of both stages with the models of the loaded
 * technology, the worker pool and the result cache (design.h).  The work
 * is in core/sim: testbench (decks), sim_pool/sim_engine (libngspice in
 * workers), sim_models and modellib (the models a deck needs).
 */
#include "design_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "sim/sim_models.h"

static void result_copy(sim_result *dst, const sim_result *src)
{
    *dst = *src;
    dst->detail = su_strdup(src->detail ? src->detail : "");
    size_t n = (size_t)src->npoints * sizeof(double);
    dst->freq = dst->mag = dst->phase_deg = dst->re = dst->im = NULL;
    dst->log = src->log ? su_strdup(src->log) : NULL;
    if (src->npoints) {
        dst->freq = halo_xmalloc(n);
        dst->mag = halo_xmalloc(n);
        dst->phase_deg = halo_xmalloc(n);
        dst->re = halo_xmalloc(n);
        dst->im = halo_xmalloc(n);
        memcpy(dst->freq, src->freq, n);
        memcpy(dst->mag, src->mag, n);
        memcpy(dst->phase_deg, src->phase_deg, n);
        memcpy(dst->re, src->re, n);
        memcpy(dst->im, src->im, n);
    }
}

void design_sim_shutdown(halo_design *d)
{
    sim_pool_free(d->sim.pool);
    d->sim.pool = NULL;
}

void design_sim_free(halo_design *d)
{
    design_sim *s = &d->sim;
    testbench_free(s->tb);
    free(s->post_text);
    free(s->post_source);
    sim_pool_free(s->pool);
    modellib_free(s->lib);
    free(s->lib_key);
    for (int i = 0; i < DESIGN_SIM_CACHE; i++) {
        free(s->cache[i].key);
        sim_result_free(&s->cache[i].result);
    }
    memset(s, 0, sizeof *s);
}

void design_sim_opts_default(design_sim_opts *o)
{
    o->timeout_s = 60;
    o->full_models = 0;
    o->nocache = 0;
    o->memory_mb = SIM_DEFAULT_MEMORY_MB;
}

/* ---------------------------------------------------------------- inputs */

void design_set_testbench(halo_design *d, testbench *tb)
{
    testbench_free(d->sim.tb);
    d->sim.tb = tb;
}

const testbench *design_testbench(const halo_design *d)
{
    return d->sim.tb;
}

void design_set_post(halo_design *d, char *text, const char *source)
{
    free(d->sim.post_text);
    free(d->sim.post_source);
    d->sim.post_text = text;
    d->sim.post_source = source ? su_strdup(source) : NULL;
}

const char *design_post_text(const halo_design *d)
{
    return d->sim.post_text;
}

const char *design_post_source(const halo_design *d)
{
    return d->sim.post_source;
}

int design_read_post(halo_design *d, const char *path, halo_err *err)
{
    netlist *nl = design_need_netlist(d, err);
    if (!nl) return 1;
    size_t len;
    char *text = halo_read_file(path, &len, err, NULL, 0);
    if (!text) return 1;
    if (strlen(text) != len) {
        free(text);
        return halo_err_set(err, HALO_E_TBN_POST, NULL, 0,
                            "A post-layout netlist must be text; this file holds NUL bytes.");
    }
    if (testbench_check_post(text, path, nl->name, nl->nports, err) != 0) {
        free(text);
        return 1;
    }
    design_set_post(d, text, path);
    return 0;
}

/* ---------------------------------------------------------------- decks */

/* The design as simulated: an unset finger count (template placeholder
 * ZZZ) is one finger.  A clone, freed by the caller. */
static netlist *simulated_design(const netlist *design)
{
    netlist *nl = netlist_clone(design);
    for (int i = 0; i < nl->ndevs; i++)
        if (netlist_is_mos(&nl->devs[i]) && nl->devs[i].nf == 0) netlist_set_nf(&nl->devs[i], 1);
    return nl;
}

/* The schematic subcircuit, fingers as W=<finger> m=<nf>. */
char *design_sim_subckt(const netlist *design)
{
    netlist *nl = simulated_design(design);
    spice_write_opts wo = {1, "schematic (pre-layout) netlist", 0};
    char *text = spice_write_text(nl, &wo);
    netlist_free(nl);
    return text;
}

/* The real PDK's library, loaded once per path and corner. */
static int load_modellib(design_sim *s, const char *path, const char *corner, halo_err *err)
{
    char key[2048];
    snprintf(key, sizeof key, "%s|%s", path, corner);
    if (s->lib && strcmp(s->lib_key, key) == 0) return 0;
    modellib_free(s->lib);
    free(s->lib_key);
    s->lib = NULL;
    s->lib_key = NULL;
    if (modellib_load(path, corner, &s->lib, err) != 0) return 1;
    s->lib_key = su_strdup(key);
    return 0;
}

/* The library's models that the design's devices use and the post-layout
 * netlist's when post -- or, given extra netlists (sized variants of the
 * design, whose widths may fall into other bins), those the extra ones
 * use: the text in *owned. */
static int reduced_models(halo_design *d, int post, const char *dut_text, netlist *const *extra, int nextra,
                          char **owned, halo_err *err)
{
    modellib_use *uses = NULL;
    size_t n = 0, cap = 0;
    netlist *dut = NULL;
    spice_read_opts ro = {.top = d->nl->name, .wmode = NETLIST_W_TOTAL, .no_include = 1};
    halo_err perr;
    if (post)   /* the schematic's uses are the design's own */
        dut = spice_read_text(dut_text, strlen(dut_text), "post-layout netlist", &ro, &perr);
    netlist *fingered = nextra ? NULL : simulated_design(d->nl);
    if (fingered) sim_models_uses(fingered, &uses, &n, &cap);
    if (dut) sim_models_uses(dut, &uses, &n, &cap);
    netlist **sized = halo_xcalloc((size_t)nextra + 1, sizeof *sized);
    for (int i = 0; i < nextra; i++) {
        sized[i] = simulated_design(extra[i]);
        sim_models_uses(sized[i], &uses, &n, &cap);
    }
    su_buf text = {0};
    int rc = modellib_reduce(d->sim.lib, uses, n, &text, err);
    free(uses);
    for (int i = 0; i < nextra; i++) netlist_free(sized[i]);
    free(sized);
    netlist_free(dut);
    netlist_free(fingered);
    if (rc != 0) {
        su_buf_free(&text);
        return 1;
    }
    *owned = text.s ? text.s : su_strdup("");
    return 0;
}

/* Model text (or .lib line) for the loaded technology.  *owned is freed
 * by the caller. */
static int choose_models(halo_design *d, int post, const design_sim_opts *o, const char *dut_text,
                         netlist *const *extra, int nextra, tb_models *m, char **owned, char *label,
                         size_t labellen, halo_err *err)
{
    const halo_tech *t = d->tech;
    const char *corner = t->corner[0] ? t->corner : "tt";
    *owned = NULL;
    memset(m, 0, sizeof *m);
    m->label = label;
    if (!t->spice_lib) {
        if (sim_models_embedded(corner, owned, err) != 0) return 1;
        m->text = *owned;
        snprintf(label, labellen, "embedded sky130 models (%s)", corner);
        return 0;
    }
    if (o->full_models) {
        m->lib_path = t->spice_lib;
        m->corner = corner;
        snprintf(label, labellen, "sky130 %s models from %s", corner, t->spice_lib);
        return 0;
    }
    if (load_modellib(&d->sim, t->spice_lib, corner, err) != 0) return 1;
    if (reduced_models(d, post, dut_text, extra, nextra, owned, err) != 0) return 1;
    m->text = *owned;
    snprintf(label, labellen, "sky130 %s models from %s, reduced to %zu bytes", corner, t->spice_lib,
             strlen(*owned));
    return 0;
}

int design_deck(halo_design *d, int post, const design_sim_opts *o, tb_deck *deck, halo_err *err)
{
    design_sim *s = &d->sim;
    netlist *nl = design_need_netlist(d, err);
    if (!nl) return 1;
    if (!s->tb)
        return halo_err_set(err, HALO_E_SIM_STATE, NULL, 0,
                            "No testbench: read one with read_testbench FILE (or a built-in type such as OpampTestbench).");
    char *dut = NULL;
    if (post) {
        if (!s->post_text)
            return halo_err_set(err, HALO_E_SIM_STATE, NULL, 0,
                                "No post-layout netlist: read one with read_post_netlist FILE.");
        if (testbench_check_post(s->post_text, s->post_source, nl->name, nl->nports, err) != 0) return 1;
        dut = su_strdup(s->post_text);
    } else {
        dut = design_sim_subckt(nl);
    }
    tb_models m;
    char *owned = NULL, label[1200];
    if (choose_models(d, post, o, dut, NULL, 0, &m, &owned, label, sizeof label, err) != 0) {
        free(dut);
        return 1;
    }
    int rc = testbench_deck(s->tb, nl, dut, &m, post ? "post-layout" : "pre-layout", deck, err);
    free(dut);
    free(owned);
    return rc != 0;
}

int design_sim_models(halo_design *d, netlist *const *variants, int n, const design_sim_opts *o, tb_models *m,
                      char **owned, char *label, size_t labellen, halo_err *err)
{
    return choose_models(d, 0, o, NULL, variants, n, m, owned, label, labellen, err);
}

/* ---------------------------------------------------------------- running */

static int pool_workers(void)
{
    const char *env = getenv("HALO_SIM_WORKERS");
    int n = env ? atoi(env) : 0;
    if (n <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus < 1 ? 1 : cpus > 4 ? 4 : (int)cpus;
    }
    return n;
}

static sim_pool *get_pool(design_sim *s)
{
    if (!s->pool) s->pool = sim_pool_new(pool_workers());
    return s->pool;
}

sim_pool *design_sim_pool(halo_design *d, const design_sim_opts *o)
{
    sim_pool *pool = get_pool(&d->sim);
    sim_pool_set_memory_limit(pool, o->memory_mb);
    return pool;
}

static char *deck_key(const tb_deck *d)
{
    su_buf b = {0};
    for (int i = 0; i < d->nlines; i++) su_buf_printf(&b, "%s\n", d->lines[i]);
    for (int i = 0; i < d->ncommands; i++) su_buf_printf(&b, "!%s\n", d->commands[i]);
    su_buf_printf(&b, "@%s %s %g %d %s\n", d->out_vec, d->supply_vec ? d->supply_vec : "-", d->vdd, d->type,
                  d->fault ? d->fault : "-");
    return b.s;
}

static const sim_result *cache_find(design_sim *s, const char *key)
{
    for (int i = 0; i < DESIGN_SIM_CACHE; i++)
        if (s->cache[i].key && strcmp(s->cache[i].key, key) == 0) return &s->cache[i].result;
    return NULL;
}

static void cache_put(design_sim *s, const char *key, const sim_result *r)
{
    design_sim_cached *e = &s->cache[s->cache_next];
    s->cache_next = (s->cache_next + 1) % DESIGN_SIM_CACHE;
    free(e->key);
    sim_result_free(&e->result);
    e->key = su_strdup(key);
    result_copy(&e->result, r);
}

static void job_of_deck(sim_job *j, const tb_deck *deck, double timeout_s)
{
    sim_job_init(j, deck->lines, deck->nlines, deck->commands, deck->ncommands, deck->want, deck->nwant, timeout_s);
    j->fault = deck->fault;
}

int design_run_decks(halo_design *d, tb_deck *decks, int n, const design_sim_opts *o, sim_result *res,
                     int *cached, halo_err *err)
{
    design_sim *s = &d->sim;
    sim_job jobs[2];
    sim_job *torun[2];
    int idx[2], nrun = 0;
    char *keys[2] = {NULL, NULL};
    if (n > 2) n = 2;
    sim_pool_set_memory_limit(get_pool(s), o->memory_mb);
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < n; i++) {
        keys[i] = deck_key(&decks[i]);
        const sim_result *hit = o->nocache ? NULL : cache_find(s, keys[i]);
        cached[i] = hit != NULL;
        if (hit) {
            result_copy(&res[i], hit);
            continue;
        }
        job_of_deck(&jobs[i], &decks[i], o->timeout_s);
        torun[nrun] = &jobs[i];
        idx[nrun++] = i;
    }
    int rc = nrun ? sim_pool_run(get_pool(s), torun, nrun, err) : 0;
    for (int k = 0; k < nrun; k++) {
        int i = idx[k];
        sim_result_from_job(&decks[i], torun[k], &res[i]);
        if (res[i].status == SIM_OK) cache_put(s, keys[i], &res[i]);
        sim_job_clear(torun[k]);
    }
    free(keys[0]);
    free(keys[1]);
    if (rc != 0) {
        for (int i = 0; i < n; i++) sim_result_free(&res[i]);
        return 1;
    }
    return 0;
}
