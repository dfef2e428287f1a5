/*
 * cmd_agent.c -- rl_agent: the exploration agents of
 * core/explore/explore_agent.h from Tcl.
 *
 * The agents by handle ("agent1", "agent2", ...) are the design's
 * (core/explore/agent_set.h, design_agents), freed with it.  Every value
 * from a script is checked here -- list lengths, numbers, masks, the
 * agent's kind -- before core sees it, and a bad one raises an AGT-n error
 * with -errorcode {HALO AGT <kind> <n>}.
 */
#include "halo_tcl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore/agent_set.h"
#include "base/strutil.h"

static const char *const kind_names[] = {"ppo", "reinforce", "sppo"};

/* ---------------------------------------------------------------- arguments */

/* "wrong # args" for one subcommand, with the project's usage errorcode. */
static int sub_usage(Tcl_Interp *interp, const char *usage)
{
    Tcl_SetObjResult(interp, Tcl_ObjPrintf("wrong # args: should be \"rl_agent %s\"", usage));
    Tcl_SetErrorCode(interp, "HALO", "CMD", "USAGE", "0", NULL);
    return TCL_ERROR;
}

/* The agent named by obj, of the wanted kind (-1: any). */
static xagent_entry *find_agent(Tcl_Interp *interp, halo_design *d, Tcl_Obj *obj, int want, const char *sub)
{
    const char *name = Tcl_GetString(obj);
    xagent_entry *e = xagent_set_find(design_agents(d), name);
    if (!e) {
        halo_tcl_fail(interp, HALO_E_AGT_HANDLE, name);
        return NULL;
    }
    if (want >= 0 && (int)e->kind != want) {
        halo_tcl_fail(interp, HALO_E_AGT_KIND, name, kind_names[e->kind], sub, kind_names[want]);
        return NULL;
    }
    return e;
}

/* A finite number, or AGT-6 naming what it is for. */
static int get_real(Tcl_Interp *interp, Tcl_Obj *obj, const char *what, double *v)
{
    if (Tcl_GetDoubleFromObj(NULL, obj, v) != TCL_OK || !isfinite(*v))
        return halo_tcl_fail(interp, HALO_E_AGT_VALUE, what, Tcl_GetString(obj), "a finite number");
    return TCL_OK;
}

static int get_seed(Tcl_Interp *interp, Tcl_Obj *obj, const char *what, uint64_t *v)
{
    Tcl_WideInt w;
    if (Tcl_GetWideIntFromObj(NULL, obj, &w) != TCL_OK)
        return halo_tcl_fail(interp, HALO_E_AGT_VALUE, what, Tcl_GetString(obj), "an integer");
    *v = (uint64_t)w;
    return TCL_OK;
}

static int get_int(Tcl_Interp *interp, Tcl_Obj *obj, const char *what, int *v)
{
    if (Tcl_GetIntFromObj(NULL, obj, v) != TCL_OK)
        return halo_tcl_fail(interp, HALO_E_AGT_VALUE, what, Tcl_GetString(obj), "an integer");
    return TCL_OK;
}

/* The elements of a list that must hold `expect` of them (-1: any > 0). */
static int get_list(Tcl_Interp *interp, Tcl_Obj *list, const char *what, int expect, Tcl_Obj ***elems, int *n)
{
    if (Tcl_ListObjGetElements(NULL, list, n, elems) != TCL_OK)
        return halo_tcl_fail(interp, HALO_E_AGT_VALUE, what, Tcl_GetString(list), "a list");
    if (expect >= 0 && *n != expect) return halo_tcl_fail(interp, HALO_E_AGT_LENGTH, what, *n, expect);
    if (expect < 0 && *n == 0) return halo_tcl_fail(interp, HALO_E_AGT_LENGTH, what, 0, 1);
    return TCL_OK;
}

/* A list of exactly `expect` finite numbers into out. */
static int get_floats(Tcl_Interp *interp, Tcl_Obj *list, const char *what, int expect, float *out)
{
    Tcl_Obj **el;
    int n;
    if (get_list(interp, list, what, expect, &el, &n) != TCL_OK) return TCL_ERROR;
    char item[64];
    snprintf(item, sizeof item, "%s value", what);
    for (int i = 0; i < n; i++) {
        double v;
        if (get_real(interp, el[i], item, &v) != TCL_OK) return TCL_ERROR;
        out[i] = (float)v;
    }
    return TCL_OK;
}

/* A mask: `expect` values, each 0 or 1. */
static int get_mask(Tcl_Interp *interp, Tcl_Obj *list, int expect, unsigned char *out)
{
    Tcl_Obj **el;
    int n;
    if (get_list(interp, list, "MASK", expect, &el, &n) != TCL_OK) return TCL_ERROR;
    for (int i = 0; i < n; i++) {
        int v;
        if (Tcl_GetIntFromObj(NULL, el[i], &v) != TCL_OK || (v != 0 && v != 1))
            return halo_tcl_fail(interp, HALO_E_AGT_VALUE, "MASK value", Tcl_GetString(el[i]), "0 or 1");
        out[i] = (unsigned char)v;
    }
    return TCL_OK;
}

/* CANDIDATES: n lists of fdim numbers, into *feats (malloc'ed). */
static int get_candidates(Tcl_Interp *interp, Tcl_Obj *list, int fdim, float **feats, int *n)
{
    Tcl_Obj **el;
    *feats = NULL;
    if (get_list(interp, list, "CANDIDATES", -1, &el, n) != TCL_OK) return TCL_ERROR;
    *feats = halo_xmalloc((size_t)*n * (size_t)fdim * sizeof **feats);
    for (int i = 0; i < *n; i++) {
        char what[48];
        snprintf(what, sizeof what, "Candidate %d", i);
        if (get_floats(interp, el[i], what, fdim, *feats + (size_t)i * fdim) != TCL_OK) {
            free(*feats);
            *feats = NULL;
            return TCL_ERROR;
        }
    }
    return TCL_OK;
}

/* ---------------------------------------------------------------- create */

static int add_agent(Tcl_Interp *interp, halo_design *d, xagent_kind kind, void *agent)
{
    Tcl_SetObjResult(interp, Tcl_NewStringObj(xagent_set_add(design_agents(d), kind, agent), -1));
    return TCL_OK;
}

/* One option of rl_agent ppo into o (which indexes ppo_options). */
static int ppo_option(Tcl_Interp *interp, int which, Tcl_Obj *v, const char *name, int dims[2],
                      xagent_ppo_opts *o)
{
    switch (which) {
    case 0: return get_int(interp, v, name, &dims[0]);
    case 1: return get_int(interp, v, name, &dims[1]);
    case 2: return get_int(interp, v, name, &o->hidden);
    case 3: return get_real(interp, v, name, &o->lr);
    case 4: return get_real(interp, v, name, &o->gamma);
    case 5: return get_real(interp, v, name, &o->lambda);
    case 6: return get_real(interp, v, name, &o->clip);
    case 7: return get_real(interp, v, name, &o->entropy_coef);
    case 8: return get_int(interp, v, name, &o->epochs);
    default: return get_seed(interp, v, name, &o->seed);
    }
}

#define PPO_USAGE                                                                                          \
    "ppo -state_dim D -actions A ?-hidden H? ?-lr X? ?-gamma X? ?-lambda X? ?-clip X? ?-entropy X? ?-epochs N? " \
    "?-seed S?"

/* The options of rl_agent ppo or sppo (names: the two dimension options
 * first, then ppo_option's); AGT errors or the usage when a dimension is
 * missing.  Ranges are core's to check (AGT-1). */
static int ppo_family_options(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], const char *const options[],
                              const char *expected, const char *usage, int dims[2], xagent_ppo_opts *o)
{
    xagent_ppo_defaults(o);
    int given[2] = {0, 0};
    for (int i = 2; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, expected, &which) != TCL_OK) return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v || ppo_option(interp, which, v, options[which], dims, o) != TCL_OK) return TCL_ERROR;
        if (which < 2) given[which] = 1;
    }
    if (!given[0] || !given[1]) return sub_usage(interp, usage);
    return TCL_OK;
}

/* rl_agent ppo ... */
static int SubPpo(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    static const char *const options[] = {"-state_dim", "-actions", "-hidden", "-lr", "-gamma", "-lambda",
                                          "-clip", "-entropy", "-epochs", "-seed", NULL};
    xagent_ppo_opts o;
    int dims[2] = {0, 0};
    if (ppo_family_options(interp, objc, objv, options,
                           "-state_dim, -actions, -hidden, -lr, -gamma, -lambda, -clip, -entropy, -epochs or -seed",
                           PPO_USAGE, dims, &o) != TCL_OK)
        return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    xagent_ppo *a = xagent_ppo_new(dims[0], dims[1], &o, &err);
    if (!a) return halo_tcl_error(interp, &err);
    return add_agent(interp, d, XAGENT_PPO, a);
}

#define SPPO_USAGE                                                                                      \
    "sppo -context_dim C -features F ?-hidden H? ?-lr X? ?-gamma X? ?-lambda X? ?-clip X? ?-entropy X? " \
    "?-epochs N? ?-seed S?"

/* rl_agent sppo ...: the options of ppo, with -context_dim and -features
 * for -state_dim and -actions (the same slots of ppo_option). */
static int SubSppo(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    static const char *const options[] = {"-context_dim", "-features", "-hidden", "-lr", "-gamma", "-lambda",
                                          "-clip", "-entropy", "-epochs", "-seed", NULL};
    xagent_ppo_opts o;
    int dims[2] = {0, 0};
    if (ppo_family_options(interp, objc, objv, options,
                           "-context_dim, -features, -hidden, -lr, -gamma, -lambda, -clip, -entropy, -epochs or -seed",
                           SPPO_USAGE, dims, &o) != TCL_OK)
        return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    xagent_sppo *a = xagent_sppo_new(dims[0], dims[1], &o, &err);
    if (!a) return halo_tcl_error(interp, &err);
    return add_agent(interp, d, XAGENT_SPPO, a);
}

/* rl_agent load FILE: an sppo agent saved by rl_agent save. */
static int SubLoad(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    (void)objc;
    halo_err err;
    halo_err_clear(&err);
    xagent_sppo *a = xagent_sppo_load(Tcl_GetString(objv[2]), &err);
    if (!a) return halo_tcl_error(interp, &err);
    return add_agent(interp, d, XAGENT_SPPO, a);
}

/* rl_agent reinforce -features F ?-hidden H? ?-lr X? ?-seed S? */
static int SubReinforce(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    static const char *const options[] = {"-features", "-hidden", "-lr", "-seed", NULL};
    xagent_rf_opts o;
    xagent_rf_defaults(&o);
    int fdim = 0, given = 0;
    for (int i = 2; i < objc; i++) {
        int which, rc;
        if (halo_get_option(interp, objv, objc, &i, options, "-features, -hidden, -lr or -seed", &which) != TCL_OK)
            return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        if (which == 0) {
            rc = get_int(interp, v, options[0], &fdim);
            given = 1;
        } else if (which == 1) {
            rc = get_int(interp, v, options[1], &o.hidden);
        } else if (which == 2) {
            rc = get_real(interp, v, options[2], &o.lr);
        } else {
            rc = get_seed(interp, v, options[3], &o.seed);
        }
        if (rc != TCL_OK) return TCL_ERROR;
    }
    if (!given) return sub_usage(interp, "reinforce -features F ?-hidden H? ?-lr X? ?-seed S?");
    halo_err err;
    halo_err_clear(&err);
    xagent_rf *a = xagent_rf_new(fdim, &o, &err);
    if (!a) return halo_tcl_error(interp, &err);
    return add_agent(interp, d, XAGENT_RF, a);
}

/* ---------------------------------------------------------------- acting */

/* STATE ?MASK? of a ppo agent into state (state_dim) and mask (actions,
 * all 1 when no MASK was given). */
static int ppo_inputs(Tcl_Interp *interp, const xagent_entry *e, int objc, Tcl_Obj *const objv[], float *state,
                      unsigned char *mask)
{
    xagent_ppo *a = e->ppo;
    if (get_floats(interp, objv[3], "STATE", xagent_ppo_state_dim(a), state) != TCL_OK) return TCL_ERROR;
    int n = xagent_ppo_actions(a);
    if (objc == 5) return get_mask(interp, objv[4], n, mask);
    memset(mask, 1, (size_t)n);
    return TCL_OK;
}

/* rl_agent act H STATE ?MASK? */
static int SubAct(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    xagent_entry *e = find_agent(interp, d, objv[2], XAGENT_PPO, "act");
    if (!e) return TCL_ERROR;
    float *state = halo_xmalloc((size_t)xagent_ppo_state_dim(e->ppo) * sizeof *state);
    unsigned char *mask = halo_xmalloc((size_t)xagent_ppo_actions(e->ppo));
    int rc = ppo_inputs(interp, e, objc, objv, state, mask), action = -1;
    halo_err err;
    halo_err_clear(&err);
    if (rc == TCL_OK && xagent_ppo_act(e->ppo, state, mask, &action, &err) != 0) rc = halo_tcl_error(interp, &err);
    free(state);
    free(mask);
    if (rc == TCL_OK) Tcl_SetObjResult(interp, Tcl_NewIntObj(action));
    return rc;
}

/* CANDIDATES ?MASK? of a reinforce agent; feats and mask malloc'ed. */
static int rf_inputs(Tcl_Interp *interp, const xagent_entry *e, int objc, Tcl_Obj *const objv[], float **feats,
                     unsigned char **mask, int *n)
{
    *mask = NULL;
    if (get_candidates(interp, objv[3], xagent_rf_feat_dim(e->rf), feats, n) != TCL_OK) return TCL_ERROR;
    *mask = halo_xmalloc((size_t)*n);
    memset(*mask, 1, (size_t)*n);
    if (objc == 5) return get_mask(interp, objv[4], *n, *mask);
    return TCL_OK;
}

/* rl_agent choose H CANDIDATES ?MASK? */
static int SubChoose(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    xagent_entry *e = find_agent(interp, d, objv[2], XAGENT_RF, "choose");
    if (!e) return TCL_ERROR;
    float *feats;
    unsigned char *mask;
    int n, choice = -1;
    int rc = rf_inputs(interp, e, objc, objv, &feats, &mask, &n);
    halo_err err;
    halo_err_clear(&err);
    if (rc == TCL_OK && xagent_rf_choose(e->rf, feats, n, mask, &choice, &err) != 0)
        rc = halo_tcl_error(interp, &err);
    free(feats);
    free(mask);
    if (rc == TCL_OK) Tcl_SetObjResult(interp, Tcl_NewIntObj(choice));
    return rc;
}

/* CONTEXT CANDIDATES ?MASK? of an sppo agent at objv[3..]; ctx, feats and
 * mask malloc'ed. */
static int sppo_inputs(Tcl_Interp *interp, const xagent_entry *e, int objc, Tcl_Obj *const objv[], float **ctx,
                       float **feats, unsigned char **mask, int *n)
{
    *feats = NULL;
    *mask = NULL;
    *ctx = halo_xmalloc((size_t)xagent_sppo_ctx_dim(e->sppo) * sizeof **ctx);
    if (get_floats(interp, objv[3], "CONTEXT", xagent_sppo_ctx_dim(e->sppo), *ctx) != TCL_OK) return TCL_ERROR;
    if (get_candidates(interp, objv[4], xagent_sppo_feat_dim(e->sppo), feats, n) != TCL_OK) return TCL_ERROR;
    *mask = halo_xmalloc((size_t)*n);
    memset(*mask, 1, (size_t)*n);
    if (objc == 6) return get_mask(interp, objv[5], *n, *mask);
    return TCL_OK;
}

/* rl_agent pick H CONTEXT CANDIDATES ?MASK? */
static int SubPick(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    xagent_entry *e = find_agent(interp, d, objv[2], XAGENT_SPPO, "pick");
    if (!e) return TCL_ERROR;
    float *ctx, *feats;
    unsigned char *mask;
    int n = 0, choice = -1;
    int rc = sppo_inputs(interp, e, objc, objv, &ctx, &feats, &mask, &n);
    halo_err err;
    halo_err_clear(&err);
    if (rc == TCL_OK && xagent_sppo_act(e->sppo, ctx, feats, n, mask, &choice, &err) != 0)
        rc = halo_tcl_error(interp, &err);
    free(ctx);
    free(feats);
    free(mask);
    if (rc == TCL_OK) Tcl_SetObjResult(interp, Tcl_NewIntObj(choice));
    return rc;
}

/* rl_agent truncate H NEXT_CONTEXT */
static int SubTruncate(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    (void)objc;
    xagent_entry *e = find_agent(interp, d, objv[2], XAGENT_SPPO, "truncate");
    if (!e) return TCL_ERROR;
    float *ctx = halo_xmalloc((size_t)xagent_sppo_ctx_dim(e->sppo) * sizeof *ctx);
    int rc = get_floats(interp, objv[3], "NEXT_CONTEXT", xagent_sppo_ctx_dim(e->sppo), ctx);
    if (rc == TCL_OK) xagent_sppo_truncate(e->sppo, ctx);
    free(ctx);
    return rc;
}

/* rl_agent pending H: steps (or choices) recorded since the last update. */
static int SubPending(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    (void)objc;
    xagent_entry *e = find_agent(interp, d, objv[2], -1, "pending");
    if (!e) return TCL_ERROR;
    int n = e->kind == XAGENT_PPO ? xagent_ppo_pending(e->ppo)
          : e->kind == XAGENT_RF  ? xagent_rf_pending(e->rf)
                                  : xagent_sppo_pending(e->sppo);
    Tcl_SetObjResult(interp, Tcl_NewIntObj(n));
    return TCL_OK;
}

/* rl_agent learning H 0|1 */
static int SubLearning(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    (void)objc;
    xagent_entry *e = find_agent(interp, d, objv[2], XAGENT_SPPO, "learning");
    if (!e) return TCL_ERROR;
    int on;
    if (Tcl_GetIntFromObj(NULL, objv[3], &on) != TCL_OK || (on != 0 && on != 1))
        return halo_tcl_fail(interp, HALO_E_AGT_VALUE, "Learning", Tcl_GetString(objv[3]), "0 or 1");
    xagent_sppo_set_learning(e->sppo, on);
    return TCL_OK;
}

/* rl_agent reward H R ?DONE?: DONE is an episode end, which only the ppo
 * agent has. */
static int SubReward(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    xagent_entry *e = find_agent(interp, d, objv[2], -1, "reward");
    if (!e) return TCL_ERROR;
    if (objc == 5 && e->kind == XAGENT_RF)
        return halo_tcl_fail(interp, HALO_E_AGT_KIND, e->name, kind_names[e->kind], "reward with DONE", "ppo or sppo");
    double r;
    int done = 0;
    if (get_real(interp, objv[3], "Reward", &r) != TCL_OK) return TCL_ERROR;
    if (objc == 5 && (Tcl_GetIntFromObj(NULL, objv[4], &done) != TCL_OK || (done != 0 && done != 1)))
        return halo_tcl_fail(interp, HALO_E_AGT_VALUE, "DONE", Tcl_GetString(objv[4]), "0 or 1");
    static const char *const records[] = {"act", "choose", "pick"};
    int pending = e->kind == XAGENT_PPO ? xagent_ppo_pending(e->ppo)
                : e->kind == XAGENT_RF  ? xagent_rf_pending(e->rf)
                                        : xagent_sppo_pending(e->sppo);
    if (pending == 0) {
        char why[160];
        snprintf(why, sizeof why, "Agent %s has no step to reward: rl_agent %s records one.", e->name,
                 records[e->kind]);
        return halo_tcl_fail(interp, HALO_E_AGT_STATE, why);
    }
    if (e->kind == XAGENT_PPO) xagent_ppo_reward(e->ppo, r, done);
    else if (e->kind == XAGENT_RF) xagent_rf_reward(e->rf, r);
    else xagent_sppo_reward(e->sppo, r, done);
    return TCL_OK;
}

/* rl_agent update H */
static int SubUpdate(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    (void)objc;
    xagent_entry *e = find_agent(interp, d, objv[2], -1, "update");
    if (!e) return TCL_ERROR;
    xagent_stats s;
    halo_err err;
    halo_err_clear(&err);
    int rc = e->kind == XAGENT_PPO ? xagent_ppo_update(e->ppo, &s, &err)
           : e->kind == XAGENT_RF  ? xagent_rf_update(e->rf, &s, &err)
                                   : xagent_sppo_update(e->sppo, &s, &err);
    if (rc != 0) return halo_tcl_error(interp, &err);
    Tcl_Obj *res = Tcl_NewDictObj();
    halo_dict_put(res, "steps", Tcl_NewIntObj(s.steps));
    halo_dict_put(res, "policy_loss", Tcl_NewDoubleObj(s.policy_loss));
    halo_dict_put(res, "value_loss", Tcl_NewDoubleObj(s.value_loss));
    halo_dict_put(res, "entropy", Tcl_NewDoubleObj(s.entropy));
    halo_dict_put(res, "mean_return", Tcl_NewDoubleObj(s.mean_return));
    Tcl_SetObjResult(interp, res);
    return TCL_OK;
}

static Tcl_Obj *probs_obj(const float *p, int n)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < n; i++) Tcl_ListObjAppendElement(NULL, l, Tcl_NewDoubleObj(p[i]));
    return l;
}

/* rl_agent probs H STATE|CANDIDATES ?MASK? */
static int SubProbs(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    xagent_entry *e = find_agent(interp, d, objv[2], -1, "probs");
    if (!e) return TCL_ERROR;
    float *in = NULL, *p = NULL;
    unsigned char *mask = NULL;
    float *ctx = NULL;
    int n = 0, rc;
    if (e->kind == XAGENT_SPPO) {
        if (objc < 5) {
            free(ctx);
            return sub_usage(interp, "probs H CONTEXT CANDIDATES ?MASK? (an sppo agent)");
        }
        rc = sppo_inputs(interp, e, objc, objv, &ctx, &in, &mask, &n);
    } else if (objc == 6) {
        return sub_usage(interp, "probs H STATE|CANDIDATES ?MASK?");
    } else if (e->kind == XAGENT_PPO) {
        n = xagent_ppo_actions(e->ppo);
        in = halo_xmalloc((size_t)xagent_ppo_state_dim(e->ppo) * sizeof *in);
        mask = halo_xmalloc((size_t)n);
        rc = ppo_inputs(interp, e, objc, objv, in, mask);
    } else {
        rc = rf_inputs(interp, e, objc, objv, &in, &mask, &n);
    }
    if (rc == TCL_OK) {
        p = halo_xmalloc((size_t)n * sizeof *p);
        int all_masked = e->kind == XAGENT_PPO ? xagent_ppo_probs(e->ppo, in, mask, p)
                       : e->kind == XAGENT_RF  ? xagent_rf_probs(e->rf, in, n, mask, p)
                                               : xagent_sppo_probs(e->sppo, ctx, in, n, mask, p);
        if (all_masked) rc = halo_tcl_fail(interp, HALO_E_AGT_MASKED, e->kind == XAGENT_PPO ? "action" : "candidate");
        else Tcl_SetObjResult(interp, probs_obj(p, n));
    }
    free(ctx);
    free(in);
    free(mask);
    free(p);
    return rc;
}

/* ---------------------------------------------------------------- handles */

/* rl_agent save H FILE */
static int SubSave(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    (void)objc;
    xagent_entry *e = find_agent(interp, d, objv[2], -1, "save");
    if (!e) return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    const char *path = Tcl_GetString(objv[3]);
    int rc = e->kind == XAGENT_PPO ? xagent_ppo_save(e->ppo, path, &err)
           : e->kind == XAGENT_RF  ? xagent_rf_save(e->rf, path, &err)
                                   : xagent_sppo_save(e->sppo, path, &err);
    if (rc != 0) return halo_tcl_error(interp, &err);
    Tcl_SetObjResult(interp, objv[3]);
    return TCL_OK;
}

/* rl_agent delete H */
static int SubDelete(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    (void)objc;
    xagent_entry *e = find_agent(interp, d, objv[2], -1, "delete");
    if (!e) return TCL_ERROR;
    xagent_set_remove(design_agents(d), e);
    return TCL_OK;
}

/* rl_agent list: the handles, oldest first. */
static int SubList(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[])
{
    (void)objc;
    (void)objv;
    const xagent_set *set = design_agents(d);
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < set->n; i++) Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj(set->e[i].name, -1));
    Tcl_SetObjResult(interp, l);
    return TCL_OK;
}

/* ---------------------------------------------------------------- dispatch */

typedef int sub_proc(Tcl_Interp *interp, halo_design *d, int objc, Tcl_Obj *const objv[]);

typedef struct agent_sub {
    const char *name;         /* first: Tcl_GetIndexFromObjStruct reads it */
    sub_proc *proc;
    int min, max;             /* objc range, objv[0] being rl_agent */
    const char *usage;
} agent_sub;

static const agent_sub subs[] = {
    {"ppo", SubPpo, 2, 64, PPO_USAGE},
    {"reinforce", SubReinforce, 2, 64, "reinforce -features F ?-hidden H? ?-lr X? ?-seed S?"},
    {"sppo", SubSppo, 2, 64, SPPO_USAGE},
    {"load", SubLoad, 3, 3, "load FILE"},
    {"pick", SubPick, 5, 6, "pick H CONTEXT CANDIDATES ?MASK?"},
    {"truncate", SubTruncate, 4, 4, "truncate H NEXT_CONTEXT"},
    {"learning", SubLearning, 4, 4, "learning H 0|1"},
    {"pending", SubPending, 3, 3, "pending H"},
    {"act", SubAct, 4, 5, "act H STATE ?MASK?"},
    {"choose", SubChoose, 4, 5, "choose H CANDIDATES ?MASK?"},
    {"reward", SubReward, 4, 5, "reward H R ?DONE?"},
    {"update", SubUpdate, 3, 3, "update H"},
    {"probs", SubProbs, 4, 6, "probs H STATE|CANDIDATES ?MASK? | probs H CONTEXT CANDIDATES ?MASK?"},
    {"save", SubSave, 4, 4, "save H FILE"},
    {"delete", SubDelete, 3, 3, "delete H"},
    {"list", SubList, 2, 2, "list"},
    {NULL, NULL, 0, 0, NULL},
};

static int RlAgentCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    if (objc < 2) return halo_usage(interp, "rl_agent");
    int which;
    if (Tcl_GetIndexFromObjStruct(NULL, objv[1], subs, sizeof subs[0], "subcommand", TCL_EXACT, &which) != TCL_OK)
        return halo_tcl_fail(interp, HALO_E_AGT_SUBCMD, Tcl_GetString(objv[1]),
                             "ppo, reinforce, sppo, load, act, choose, pick, reward, truncate, learning, pending, update, "
                             "probs, save, delete or list");
    const agent_sub *s = &subs[which];
    if (objc < s->min || objc > s->max) return sub_usage(interp, s->usage);
    return s->proc(interp, d, objc, objv);
}

const HaloCmd halo_agent_cmds[] = {
    {"rl_agent", RlAgentCmd, "rl_agent SUBCOMMAND ?ARG ...?",
     "The learning agents of layout exploration. `rl_agent ppo -state_dim D -actions A ?-hidden H? ?-lr X? "
     "?-gamma X? ?-lambda X? ?-clip X? ?-entropy X? ?-epochs N? ?-seed S?` makes a PPO actor-critic over A "
     "actions (the inner agent: which device to move, and how); `rl_agent reinforce -features F ?-hidden H? ?-lr "
     "X? ?-seed S?` makes a REINFORCE chooser among candidates of F features (the outer agent: which finger "
     "arrangement); `rl_agent sppo -context_dim C -features F ?...ppo options...?` makes a PPO agent over a set of "
     "candidate actions, each with F features, scored with a C-value context (the inner agent that carries over "
     "between arrangements and circuits); `load FILE` makes one from a file `save` wrote. Each returns a handle H. `act H STATE ?MASK?` samples an action (MASK: 0/1 per action, 0 "
     "forbids it), `choose H CANDIDATES ?MASK?` samples the index of one candidate (a list of feature lists), "
     "`pick H CONTEXT CANDIDATES ?MASK?` samples an sppo agent's candidate, `reward H R ?DONE?` rewards the last one (DONE 1 ends a PPO episode), `truncate H NEXT_CONTEXT` closes an sppo episode cut by the step budget (bootstrapped with the critic's value there), `learning H 0|1` turns an sppo agent's weight updates off or on, `pending H` counts the steps recorded since the last update, `update H` learns from everything "
     "recorded since the last update and returns a dict: steps policy_loss value_loss entropy mean_return. "
     "`probs H STATE|CANDIDATES ?MASK?` returns the policy's probabilities, `save H FILE` writes the weights as "
     "safetensors (nn_info reads them), `delete H` frees an agent, `list` returns the handles. The same -seed "
     "gives the same choices.",
     "The learning agents of layout exploration."},
    {NULL, NULL, NULL, NULL, NULL},
};
