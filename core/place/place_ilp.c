/*
 * place_ilp.c -- exact positions of one sequence pair by integer linear
 * programming (GLPK).
 *
 * For a pair and orientations, x and y separate into two independent
 * problems, each solved by glp_intopt:
 *   variables    X_i integer (grid units), the extent E (width or height),
 *                per net lo_k and hi_k (its pins' span), per symmetry class
 *                S_k = 4 * axis (x only)
 *   constraints  i before j in the pair's graph: X_j - X_i >= the halos'
 *                separation in grid steps; every halo inside [0, E];
 *                lo_k <= pin <= hi_k; pairs: 2g(X_a + X_b) + w_a + w_b = S_k,
 *                a lone member 4g X + 2w = S_k (x), Y_a = Y_b (y)
 *   objective    hpwl_weight * sum(hi - lo) + extent_weight * E
 * The separations come from the pair, so the result is legal by
 * construction; the ILP only chooses the slack the packing leaves, trading
 * wirelength against the boundary.  The LP relaxation is solved first;
 * the branch and bound starts from a known solution (the packing, or the
 * area-only problem's) and stops within 0.1 % of the optimum or at a node
 * limit, never at a clock, so results do not depend on the machine.
 */
#include "place_int.h"

#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

/* A growing coordinate matrix in GLPK's 1-based triplet form. */
typedef struct ilp_matrix {
    int *ia, *ja;
    double *ar;
    int n, cap;
} ilp_matrix;

static void mat_add(ilp_matrix *m, int row, int col, double v)
{
    if (m->n + 2 > m->cap) {
        m->cap = m->cap ? 2 * m->cap : 256;
        m->ia = halo_xrealloc(m->ia, (size_t)m->cap * sizeof *m->ia);
        m->ja = halo_xrealloc(m->ja, (size_t)m->cap * sizeof *m->ja);
        m->ar = halo_xrealloc(m->ar, (size_t)m->cap * sizeof *m->ar);
    }
    m->n++;
    m->ia[m->n] = row;
    m->ja[m->n] = col;
    m->ar[m->n] = v;
}

static int add_row(glp_prob *lp, int type, double bound)
{
    int r = glp_add_rows(lp, 1);
    glp_set_row_bnds(lp, r, type, bound, bound);   /* GLPK ignores the bound a type does not use */
    return r;
}

static int64_t ceil_div(int64_t v, int64_t g)
{
    return v >= 0 ? (v + g - 1) / g : -((-v) / g);
}

/* Column layout of one axis problem. */
typedef struct ilp_cols {
    int x0;        /* X_i at x0 + i */
    int extent;
    int net0;      /* lo_k at net0 + 2k, hi_k at net0 + 2k + 1 */
    int sym0;      /* S_k at sym0 + k (x only) */
} ilp_cols;

static void add_separations(sp_ctx *c, const sp_state *s, int vertical, glp_prob *lp, ilp_matrix *m,
                            const ilp_cols *col)
{
    int n = c->n;
    for (int i = 0; i < n; i++) {
        int oi = place_orient_index(s->orient[i]);
        for (int j = 0; j < n; j++) {
            if (i == j) continue;
            int oj = place_orient_index(s->orient[j]);
            int64_t sep;
            /* j before i: left of (x) or below (y). */
            if (!vertical && c->pos_p[j] < c->pos_p[i] && c->pos_m[j] < c->pos_m[i])
                sep = c->ir->items[j].w + c->marg[j][oj][2] + c->marg[i][oi][0];
            else if (vertical && c->pos_p[j] > c->pos_p[i] && c->pos_m[j] < c->pos_m[i])
                sep = c->ir->items[j].h + c->marg[j][oj][3] + c->marg[i][oi][1];
            else
                continue;
            int r = add_row(lp, GLP_LO, (double)ceil_div(sep, c->g));
            mat_add(m, r, col->x0 + i, 1);
            mat_add(m, r, col->x0 + j, -1);
        }
    }
}

static void add_extent_and_pins(sp_ctx *c, const sp_state *s, int vertical, glp_prob *lp, ilp_matrix *m,
                                const ilp_cols *col, const int *net_col)
{
    for (int i = 0; i < c->n; i++) {
        const place_item *it = &c->ir->items[i];
        const int32_t *mg = c->marg[i][place_orient_index(s->orient[i])];
        int xc = col->x0 + i;
        glp_set_col_kind(lp, xc, GLP_IV);
        glp_set_col_bnds(lp, xc, GLP_DB, (double)ceil_div(mg[vertical ? 1 : 0], c->g),
                         (double)(LAY_COORD_LIMIT / 2 / c->g));
        int r = add_row(lp, GLP_LO, vertical ? it->h + mg[3] : it->w + mg[2]);
        mat_add(m, r, col->extent, 1);
        mat_add(m, r, xc, -c->g);
        for (int p = 0; p < it->npins; p++) {
            int k = net_col[it->pins[p].net];
            if (k < 0) continue;
            int64_t x2, y2;
            place_pin_pos2(it, &it->pins[p], s->orient[i], 0, 0, &x2, &y2);
            double off = (vertical ? y2 : x2) / 2.0;
            r = add_row(lp, GLP_UP, off);   /* lo - gX <= off */
            mat_add(m, r, k, 1);
            mat_add(m, r, xc, -c->g);
            r = add_row(lp, GLP_LO, off);   /* hi - gX >= off */
            mat_add(m, r, k + 1, 1);
            mat_add(m, r, xc, -c->g);
        }
    }
}

static void add_symmetry(sp_ctx *c, int vertical, glp_prob *lp, ilp_matrix *m, const ilp_cols *col)
{
    for (int u = 0; u < c->nunits; u++) {
        int a = c->pair_a[u], b = c->pair_b[u];
        if (vertical) {
            if (a == b) continue;
            int r = add_row(lp, GLP_FX, 0);
            mat_add(m, r, col->x0 + a, 1);
            mat_add(m, r, col->x0 + b, -1);
            continue;
        }
        int r = add_row(lp, GLP_FX, -(double)((int64_t)c->ir->items[a].w + c->ir->items[b].w));
        if (a == b) {
            mat_add(m, r, col->x0 + a, 4.0 * c->g);
        } else {
            mat_add(m, r, col->x0 + a, 2.0 * c->g);
            mat_add(m, r, col->x0 + b, 2.0 * c->g);
        }
        mat_add(m, r, col->sym0 + c->unit_class[u], -1);
    }
}

/* Nets with two or more pins get a (lo, hi) column pair; net_col[k] is lo's column or -1. */
static int net_columns(sp_ctx *c, int first, int *net_col)
{
    int nn = c->ir->nnets;
    int *count = halo_xcalloc((size_t)nn + 1, sizeof *count);
    for (int i = 0; i < c->n; i++)
        for (int p = 0; p < c->ir->items[i].npins; p++) count[c->ir->items[i].pins[p].net]++;
    int next = first;
    for (int k = 0; k < nn; k++) {
        net_col[k] = count[k] >= 2 ? next : -1;
        if (count[k] >= 2) next += 2;
    }
    free(count);
    return (next - first) / 2;
}

/* A known solution (the packing) handed to the branch and bound as its
 * first incumbent, so the search starts with a bound and a time-limited
 * run always has an answer at least as good. */
typedef struct ilp_hint {
    double *x;       /* 1-based column values, or NULL */
    int given;
    int nodes;       /* subproblems selected so far */
} ilp_hint;

/* Branch-and-bound nodes per axis: the search stops there with its best
 * solution (a count, not a clock, so a seed gives one placement on any
 * machine). */
#define ILP_NODE_LIMIT 4000

static void ilp_callback(glp_tree *tree, void *info)
{
    ilp_hint *h = info;
    int reason = glp_ios_reason(tree);
    if (h->x && !h->given && reason == GLP_IHEUR) {
        h->given = 1;
        glp_ios_heur_sol(tree, h->x);
    }
    if (reason == GLP_ISELECT && ++h->nodes > ILP_NODE_LIMIT) glp_ios_terminate(tree);
}

/* Column values of positions pos (nm) for one axis. */
static double *hint_columns(const sp_ctx *c, const sp_state *s, int vertical, const int32_t *pos, const ilp_cols *col,
                            const int *net_col, int ncols)
{
    double *x = halo_xcalloc((size_t)ncols + 1, sizeof *x);
    int *seen = halo_xcalloc((size_t)ncols + 1, sizeof *seen);
    for (int i = 0; i < c->n; i++) {
        const place_item *it = &c->ir->items[i];
        const int32_t *mg = c->marg[i][place_orient_index(s->orient[i])];
        x[col->x0 + i] = pos[i] / c->g;
        double end = (double)pos[i] + (vertical ? it->h + mg[3] : it->w + mg[2]);
        if (end > x[col->extent]) x[col->extent] = end;
        for (int p = 0; p < it->npins; p++) {
            int k = net_col[it->pins[p].net];
            if (k < 0) continue;
            int64_t x2, y2;
            place_pin_pos2(it, &it->pins[p], s->orient[i], 0, 0, &x2, &y2);
            double v = pos[i] + (vertical ? y2 : x2) / 2.0;
            if (!seen[k] || v < x[k]) x[k] = v;
            if (!seen[k] || v > x[k + 1]) x[k + 1] = v;
            seen[k] = 1;
        }
    }
    for (int u = 0; !vertical && u < c->nunits; u++) {
        int a = c->pair_a[u], b = c->pair_b[u];
        x[col->sym0 + c->unit_class[u]] = 2.0 * pos[a] + c->ir->items[a].w + 2.0 * pos[b] + c->ir->items[b].w;
    }
    free(seen);
    return x;
}

/* Solve one axis; positions in nm into pos (hint: a legal start or NULL).
 * 0, or -1. */
static int solve_axis(sp_ctx *c, const sp_state *s, int vertical, double hpwl_w, double ext_w, const int32_t *hint,
                      int32_t *pos)
{
    int n = c->n;
    int *net_col = halo_xmalloc(((size_t)c->ir->nnets + 1) * sizeof *net_col);
    ilp_cols col;
    col.x0 = 1;
    col.extent = n + 1;
    col.net0 = n + 2;
    int nnet = net_columns(c, col.net0, net_col);
    col.sym0 = col.net0 + 2 * nnet;
    int nsym = vertical ? 0 : c->nclasses;
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    glp_add_cols(lp, col.sym0 - 1 + nsym);
    glp_set_col_bnds(lp, col.extent, GLP_LO, 0, 0);
    glp_set_obj_coef(lp, col.extent, ext_w);
    for (int k = 0; k < nnet; k++) {
        glp_set_col_bnds(lp, col.net0 + 2 * k, GLP_FR, 0, 0);
        glp_set_col_bnds(lp, col.net0 + 2 * k + 1, GLP_FR, 0, 0);
        glp_set_obj_coef(lp, col.net0 + 2 * k, -hpwl_w);
        glp_set_obj_coef(lp, col.net0 + 2 * k + 1, hpwl_w);
    }
    for (int k = 0; k < nsym; k++) glp_set_col_bnds(lp, col.sym0 + k, GLP_FR, 0, 0);
    ilp_matrix m = {0};
    add_separations(c, s, vertical, lp, &m, &col);
    add_extent_and_pins(c, s, vertical, lp, &m, &col, net_col);
    add_symmetry(c, vertical, lp, &m, &col);
    glp_load_matrix(lp, m.n, m.ia, m.ja, m.ar);
    /* The LP relaxation first (its basis starts the branch and bound). */
    glp_smcp sm;
    glp_init_smcp(&sm);
    sm.msg_lev = GLP_MSG_OFF;
    /* Pin offsets off the grid leave many near-equal optima; 0.1 % of the
     * objective is plenty, and the node limit keeps a hard case bounded
     * (the hint guarantees an answer).  The time limit is only a guard. */
    ilp_hint h = {NULL, 0, 0};
    if (hint) h.x = hint_columns(c, s, vertical, hint, &col, net_col, glp_get_num_cols(lp));
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.mip_gap = 1e-3;
    parm.tm_lim = 10000;
    parm.cb_func = ilp_callback;
    parm.cb_info = &h;
    int rc = -1;
    if (glp_simplex(lp, &sm) == 0 && glp_get_status(lp) == GLP_OPT) {
        int ret = glp_intopt(lp, &parm);
        if ((ret == 0 || ret == GLP_ESTOP || ret == GLP_ETMLIM || ret == GLP_EMIPGAP) &&
            (glp_mip_status(lp) == GLP_OPT || glp_mip_status(lp) == GLP_FEAS)) {
            rc = 0;
            for (int i = 0; i < n; i++) pos[i] = (int32_t)llround(glp_mip_col_val(lp, col.x0 + i)) * c->g;
        }
    }
    free(h.x);
    glp_delete_prob(lp);
    free(m.ia);
    free(m.ja);
    free(m.ar);
    free(net_col);
    return rc;
}

int place_ilp_solve(sp_ctx *c, const sp_state *s, double hpwl_weight, double width_weight, double height_weight,
                    const sp_geom *hint, sp_geom *out)
{
    for (int k = 0; k < c->n; k++) {
        c->pos_p[s->gp[k]] = k;
        c->pos_m[s->gm[k]] = k;
    }
    glp_term_out(GLP_OFF);
    /* Without a start, wirelength in the objective can leave the search
     * with no incumbent at its node limit: start from the area-only
     * problem (difference constraints and symmetry; solved at once). */
    sp_geom start = {0};
    if (!hint && hpwl_weight > 0) {
        sp_geom_init(&start, c->n);
        if (place_ilp_solve(c, s, 0, width_weight > 0 ? width_weight : 1, height_weight > 0 ? height_weight : 1,
                            NULL, &start) == 0)
            hint = &start;
    }
    int rc = solve_axis(c, s, 0, hpwl_weight, width_weight, hint ? hint->x : NULL, out->x) == 0 &&
                     solve_axis(c, s, 1, hpwl_weight, height_weight, hint ? hint->y : NULL, out->y) == 0
                 ? 0
                 : -1;
    sp_geom_free(&start);
    if (rc != 0) return -1;
    out->width = out->height = 0;
    for (int i = 0; i < c->n; i++) {
        const int32_t *mg = c->marg[i][place_orient_index(s->orient[i])];
        int32_t r = out->x[i] + c->ir->items[i].w + mg[2], t = out->y[i] + c->ir->items[i].h + mg[3];
        if (r > out->width) out->width = r;
        if (t > out->height) out->height = t;
    }
    return 0;
}
