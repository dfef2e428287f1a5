/*
 * design_char.c -- a design's op-amp characterisation (design.h): the
 * testbench of core/sim/tb_opamp built for the design or for sized copies
 * of it, with the models design_deck would use (the embedded ones, or the
 * real PDK's library reduced to the bins every netlist needs, or whole),
 * run as one job per netlist on the design's worker pool, every job handed
 * to the pool at once so that all workers stay busy.  With a PDK each
 * netlist gets the library reduced to its own bins (ngspice parses the
 * models of every deck, and the union over a spread of widths is several
 * times one netlist's); the model lines are split once per distinct text
 * and shared by every deck that needs it, so a sizing dataset of a
 * thousand variants holds a few copies of them.  Nothing goes to disk.
 */
#include "design_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "sim/tb_opamp.h"

/* The model sets of a run: one per distinct model text, shared by every
 * deck that needs that text. */
typedef struct model_set {
    uint64_t hash;
    char *key;                 /* the model text, or the .lib line */
    opamp_tb_models m;
} model_set;

typedef struct model_sets {
    model_set *v;
    int n, cap;
} model_sets;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void model_sets_free(model_sets *ms)
{
    for (int i = 0; i < ms->n; i++) {
        free(ms->v[i].key);
        opamp_tb_models_free(&ms->v[i].m);
    }
    free(ms->v);
    memset(ms, 0, sizeof *ms);
}

/* The models one netlist needs (variant NULL: the design itself): with a
 * PDK, its library reduced to the bins of that netlist's own geometry, so
 * ngspice parses no bin a job does not use; a text already seen is
 * shared, not copied. */
static const opamp_tb_models *models_for(halo_design *d, netlist *const *variant, const design_sim_opts *so,
                                         model_sets *ms, halo_err *err)
{
    tb_models tm;
    char *owned = NULL, label[1200];
    if (design_sim_models(d, variant, variant ? 1 : 0, so, &tm, &owned, label, sizeof label, err) != 0) return NULL;
    char *key = tm.text ? owned : NULL;
    if (!key) {
        su_buf b = {0};
        su_buf_printf(&b, ".lib %s %s", tm.lib_path, tm.corner ? tm.corner : "tt");
        key = b.s;
    }
    uint64_t h = fnv1a(key);
    for (int i = 0; i < ms->n; i++)
        if (ms->v[i].hash == h && strcmp(ms->v[i].key, key) == 0) {
            free(key);
            return &ms->v[i].m;
        }
    su_grow((void **)&ms->v, &ms->cap, ms->n + 1, sizeof *ms->v);
    model_set *set = &ms->v[ms->n++];
    set->hash = h;
    set->key = key;
    opamp_tb_models_init(&set->m, &tm);
    if (key != owned) free(owned);
    return &set->m;
}

/* The netlists to characterise: the variants, or the design alone. */
static int char_targets(halo_design *d, netlist *const **variants, int n, netlist **self, halo_err *err)
{
    *self = design_need_netlist(d, err);
    if (!*self) return 1;
    if (n < 1 || (!*variants && n != 1))
        return halo_err_set(err, HALO_E_OPC_PORTS, NULL, 0,
                            "design_characterize: give the design itself (no variants, n = 1) or n >= 1 variants.");
    if (!*variants) *variants = (netlist *const *)self;
    return 0;
}

/* Build the deck of one netlist with the design's own subcircuit text. */
static int build_one(const netlist *nl, const opamp_tb_models *m, const opamp_tb_opts *o, opamp_tb_deck *deck,
                     halo_err *err)
{
    char *dut = design_sim_subckt(nl);
    int rc = opamp_tb_build(nl, dut, m, o, deck, err);
    free(dut);
    return rc;
}

/* Say which variant a deck could not be built for. */
static void name_variant(halo_err *err, int i, int n)
{
    char head[48];
    int k = snprintf(head, sizeof head, "Variant %d of %d: ", i, n);
    size_t len = strlen(err->msg), room = sizeof err->msg - 1 - (size_t)k;
    if (len > room) len = room;   /* the message's tail gives way */
    memmove(err->msg + k, err->msg, len);
    memcpy(err->msg, head, (size_t)k);
    err->msg[k + len] = '\0';
}

int design_characterize(halo_design *d, netlist *const *variants, int n, const opamp_tb_opts *o,
                        const design_sim_opts *so, opamp_result *res, halo_err *err)
{
    netlist *self;
    int given = variants != NULL;
    if (char_targets(d, &variants, n, &self, err) != 0) return 1;
    model_sets ms = {0};
    opamp_tb_deck *decks = halo_xcalloc((size_t)n, sizeof *decks);
    sim_job *jobs = halo_xcalloc((size_t)n, sizeof *jobs);
    sim_job **run = halo_xcalloc((size_t)n, sizeof *run);
    int built = 0, rc = 0;
    for (; built < n && rc == 0; built++) {
        const opamp_tb_models *m = models_for(d, given ? &variants[built] : NULL, so, &ms, err);
        rc = !m || build_one(variants[built], m, o, &decks[built], err);
        sim_job_init(&jobs[built], decks[built].lines, decks[built].nlines, decks[built].commands,
                     decks[built].ncommands, decks[built].want, decks[built].nwant, so->timeout_s);
        run[built] = &jobs[built];
    }
    if (rc != 0 && given && n > 1) name_variant(err, built - 1, n);
    if (rc == 0) rc = sim_pool_run(design_sim_pool(d, so), run, n, err);
    for (int i = 0; i < built; i++) {
        if (rc == 0) opamp_tb_result(&decks[i], &jobs[i], &res[i]);
        sim_job_clear(&jobs[i]);
        opamp_tb_deck_free(&decks[i]);
    }
    free(run);
    free(jobs);
    free(decks);
    model_sets_free(&ms);
    return rc != 0;
}

int design_characterize_deck(halo_design *d, const opamp_tb_opts *o, const design_sim_opts *so, char **text,
                             halo_err *err)
{
    netlist *self;
    netlist *const *variants = NULL;
    if (char_targets(d, &variants, 1, &self, err) != 0) return 1;
    model_sets ms = {0};
    const opamp_tb_models *m = models_for(d, NULL, so, &ms, err);
    opamp_tb_deck deck;
    int rc = !m || build_one(self, m, o, &deck, err);
    if (rc == 0) {
        *text = opamp_tb_deck_text(&deck);
        opamp_tb_deck_free(&deck);
    }
    model_sets_free(&ms);
    return rc != 0;
}
