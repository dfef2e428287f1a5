/*
 * modellib.c -- loading a SPICE model library once and reducing it per
 * design (see modellib.h).
 *
 * Loading turns each file into logical statements (comments stripped,
 * '+' lines kept as continuation lines of one statement) appended to one
 * text arena, and indexes them.  Reduction is two passes: first the used
 * subckts and models, followed through instance lines with the geometry
 * each use implies (to pick bins), then the .params the kept text names,
 * to a fixpoint.  The output is the kept statements in library order.
 */
#include "modellib.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/eng.h"
#include "base/expr.h"
#include "base/fileio.h"

#define MAX_FILE_DEPTH 32
#define MAX_EVAL_DEPTH 48
#define MAX_GEOMS 256          /* per object; beyond that the object keeps all bins */
/* ngspice accepts a bin when the geometry is within 1e-9 m of a bound
 * (older releases: the half-open [min,max)); a slightly wider window keeps
 * a superset of what any of them selects. */
#define BIN_TOL_M 2e-9

enum { K_OTHER, K_MODEL, K_PARAM, K_OPTION, K_SUBCKT, K_ENDS };

typedef struct mstmt {
    size_t off, len;           /* text in the arena */
    int file, line;            /* where it starts */
    int kind;                  /* K_* */
} mstmt;

typedef struct msub {
    char *name;
    int first, end;            /* statements [first, end): .subckt .. .ends */
    int mfirst, mend;          /* its internal .model cards in models[] */
} msub;

typedef struct mmodel {
    int stmt;
    int owner;                 /* subckt index, -1 at top level */
    char *name;                /* full name (base.N for a bin) */
    size_t baselen;            /* length of the base name */
    int has_bounds;            /* lmin lmax wmin wmax all literal */
    double lmin, lmax, wmin, wmax;
    int next_in_group;         /* next top-level bin of the same base, -1 */
} mmodel;

typedef struct mparam {
    int stmt;
    size_t name_off, name_len; /* in the arena */
    size_t val_off, val_len;
    int next_same;             /* next assignment of the same name, -1 */
} mparam;

struct modellib {
    char *path, *section;
    su_buf text;               /* arena of statement text */
    mstmt *st;
    int nst, capst;
    char **files;
    int nfiles, capfiles;
    msub *subs;
    int nsubs, capsubs;
    mmodel *models;
    int nmodels, capmodels;
    mparam *params;
    int nparams, capparams;
    int *options;
    int noptions, capoptions;
    su_map submap;             /* subckt name -> index */
    su_map modelmap;           /* top-level model full name -> index */
    su_map groupmap;           /* top-level bin base name -> first bin */
    su_map parammap;           /* param name -> first assignment */
    double scale;
    int wnflag;
    int n_ignored, n_top_models;
};

/* ------------------------------------------------------------------ text */

static int is_id0(int c) { return isalpha(c) || c == '_'; }
static int is_id(int c) { return isalnum(c) || c == '_'; }

/* Copy of s[0..n) as a C string in buf (truncated to cap-1). */
static const char *cstr(char *buf, size_t cap, const char *s, size_t n)
{
    if (n >= cap) n = cap - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

/* First token of a statement equals kw (case-insensitive). */
static int first_is(const char *s, size_t n, const char *kw)
{
    size_t k = strlen(kw);
    if (n < k || su_ncasecmp(s, kw, k) != 0) return 0;
    return n == k || isspace((unsigned char)s[k]);
}

/* The i-th whitespace-separated token of s[0..n) ('+' continuation marks
 * are separators), quotes stripped.  Returns its length, 0 when absent. */
static size_t token_at(const char *s, size_t n, int i, const char **tok)
{
    size_t p = 0;
    for (int k = 0;; k++) {
        while (p < n && (isspace((unsigned char)s[p]) || (s[p] == '+' && p > 0 && s[p - 1] == '\n'))) p++;
        if (p >= n) return 0;
        size_t b = p;
        if (s[p] == '"' || s[p] == '\'') {
            char q = s[p++];
            b = p;
            while (p < n && s[p] != q) p++;
            if (k == i) { *tok = s + b; return p - b; }
            if (p < n) p++;
            continue;
        }
        while (p < n && !isspace((unsigned char)s[p])) p++;
        if (k == i) { *tok = s + b; return p - b; }
    }
}

static int count_tokens(const char *s, size_t n)
{
    const char *t;
    int k = 0;
    while (token_at(s, n, k, &t)) k++;
    return k;
}

/* Split s[0..n) into NAME = VALUE assignments found at nesting depth 0
 * (a name starts a token; '==' is not an assignment).  A value runs to the
 * next assignment's name, so unbraced expressions with blanks survive.
 * Calls fn(ctx, name, nlen, val, vlen) for each. */
typedef void (*assign_fn)(void *ctx, const char *name, size_t nlen, const char *val, size_t vlen);

static void trim_value(const char *s, size_t *b, size_t *e)
{
    for (;;) {
        while (*b < *e && isspace((unsigned char)s[*b])) (*b)++;
        if (*b < *e && s[*b] == '+' && *b > 0 && s[*b - 1] == '\n') { (*b)++; continue; }
        break;
    }
    for (;;) {
        while (*e > *b && isspace((unsigned char)s[*e - 1])) (*e)--;
        if (*e > *b && s[*e - 1] == '+' && *e - 1 > 0 && s[*e - 2] == '\n') { (*e)--; continue; }
        break;
    }
}

static void split_assign(const char *s, size_t n, assign_fn fn, void *ctx)
{
    size_t name_b = 0, name_e = 0, val_b = 0;
    int have = 0, depth = 0;
    char quote = 0;
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (quote) {
            if (c == quote) quote = 0;
            i++;
            continue;
        }
        if (c == '\'' || c == '"') { quote = c; i++; continue; }
        if (c == '{' || c == '(' || c == '[') { depth++; i++; continue; }
        if (c == '}' || c == ')' || c == ']') { if (depth > 0) depth--; i++; continue; }
        int starts = depth == 0 && is_id0((unsigned char)c) &&
                     (i == 0 || isspace((unsigned char)s[i - 1]) ||
                      (s[i - 1] == '+' && (i == 1 || s[i - 2] == '\n')));
        if (!starts) { i++; continue; }
        size_t j = i;
        while (j < n && is_id((unsigned char)s[j])) j++;
        size_t k = j;
        while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
        if (k < n && s[k] == '=' && (k + 1 >= n || s[k + 1] != '=')) {
            if (have) {
                size_t b = val_b, e = i;
                trim_value(s, &b, &e);
                fn(ctx, s + name_b, name_e - name_b, s + b, e - b);
            }
            have = 1;
            name_b = i;
            name_e = j;
            val_b = k + 1;
            i = k + 1;
            continue;
        }
        i = j;
    }
    if (have) {
        size_t b = val_b, e = n;
        trim_value(s, &b, &e);
        fn(ctx, s + name_b, name_e - name_b, s + b, e - b);
    }
}

/* Calls fn for each identifier of s[0..n), skipping numbers with their
 * exponent and suffix letters ("1.5e-9", "2meg"). */
typedef void (*ident_fn)(void *ctx, const char *id, size_t len);

static void scan_idents(const char *s, size_t n, ident_fn fn, void *ctx)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (is_id0(c)) {
            size_t j = i + 1;
            while (j < n && is_id((unsigned char)s[j])) j++;
            fn(ctx, s + i, j - i);
            i = j;
        } else if (isdigit(c) || (c == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]))) {
            size_t j = i;
            while (j < n && (isdigit((unsigned char)s[j]) || s[j] == '.')) j++;
            if (j < n && (s[j] == 'e' || s[j] == 'E')) {
                size_t k = j + 1;
                if (k < n && (s[k] == '+' || s[k] == '-')) k++;
                if (k < n && isdigit((unsigned char)s[k])) {
                    j = k;
                    while (j < n && isdigit((unsigned char)s[j])) j++;
                }
            }
            while (j < n && is_id((unsigned char)s[j])) j++;   /* suffix, units */
            i = j;
        } else {
            i++;
        }
    }
}

/* ---------------------------------------------------------------- loading */

typedef struct reader {
    modellib *lib;
    halo_err *err;
    int sub_depth;             /* .subckt nesting of the statement stream */
    int cur_sub;               /* the open top-level subckt, -1 */
    int in_control;
} reader;

static const char *stmt_text(const modellib *lib, int i) { return lib->text.s + lib->st[i].off; }

static int add_file(modellib *lib, const char *path)
{
    su_grow((void **)&lib->files, &lib->capfiles, lib->nfiles + 1, sizeof *lib->files);
    lib->files[lib->nfiles] = su_strdup(path);
    return lib->nfiles++;
}

static char *resolve_path(const char *from, const char *name, size_t nlen)
{
    if (nlen > 0 && name[0] == '/') return su_strndup(name, nlen);
    const char *slash = strrchr(from, '/');
    size_t dl = slash ? (size_t)(slash - from + 1) : 0;
    char *p = halo_xmalloc(dl + nlen + 1);
    memcpy(p, from, dl);
    memcpy(p + dl, name, nlen);
    p[dl + nlen] = '\0';
    return p;
}

/* The literal value of lmin/lmax/wmin/wmax in a .model card. */
static void model_bounds(mmodel *m, const char *s, size_t n)
{
    static const char *const keys[4] = {"lmin", "lmax", "wmin", "wmax"};
    double v[4];
    int found = 0;
    for (size_t i = 0; i + 4 < n; i++) {
        char c = s[i] | 0x20;
        if ((c != 'l' && c != 'w') || (i > 0 && is_id((unsigned char)s[i - 1]))) continue;
        if (is_id((unsigned char)s[i + 4])) continue;
        int k;
        for (k = 0; k < 4; k++)
            if (su_ncasecmp(s + i, keys[k], 4) == 0) break;
        if (k == 4) continue;
        size_t p = i + 4;
        while (p < n && (s[p] == ' ' || s[p] == '\t')) p++;
        if (p >= n || s[p] != '=') continue;
        p++;
        while (p < n && (s[p] == ' ' || s[p] == '\t')) p++;
        const char *end;
        double x;
        if (eng_parse_prefix(s + p, &x, &end) == 0 && (end >= s + n || isspace((unsigned char)*end))) {
            v[k] = x;
            found |= 1 << k;
        } else {
            found &= ~(1 << k);
            found |= 1 << (k + 4);   /* an expression: not literal */
        }
        i = p;
    }
    if (found == 0xf) {
        m->has_bounds = 1;
        m->lmin = v[0];
        m->lmax = v[1];
        m->wmin = v[2];
        m->wmax = v[3];
    }
}

static void add_model(reader *r, int si)
{
    modellib *lib = r->lib;
    const char *s = stmt_text(lib, si), *tok;
    size_t n = lib->st[si].len;
    size_t tl = token_at(s, n, 1, &tok);
    if (!tl) return;
    su_grow((void **)&lib->models, &lib->capmodels, lib->nmodels + 1, sizeof *lib->models);
    mmodel *m = &lib->models[lib->nmodels];
    memset(m, 0, sizeof *m);
    m->stmt = si;
    m->owner = r->cur_sub;
    m->name = su_strndup(tok, tl);
    m->next_in_group = -1;
    m->baselen = tl;
    size_t d = tl;
    while (d > 0 && isdigit((unsigned char)tok[d - 1])) d--;
    if (d > 1 && d < tl && tok[d - 1] == '.') m->baselen = d - 1;
    model_bounds(m, s, n);
    int mi = lib->nmodels++;
    if (m->owner >= 0) return;
    lib->n_top_models++;
    if (su_map_get(&lib->modelmap, m->name) < 0) su_map_put(&lib->modelmap, m->name, mi);
    if (m->baselen < tl) {
        char base[512];
        cstr(base, sizeof base, m->name, m->baselen);
        int g = su_map_get(&lib->groupmap, base);
        if (g < 0) {
            su_map_put(&lib->groupmap, base, mi);
        } else {
            while (lib->models[g].next_in_group >= 0) g = lib->models[g].next_in_group;
            lib->models[g].next_in_group = mi;
        }
    }
}

typedef struct param_ctx { reader *r; int stmt; } param_ctx;

static void add_param_cb(void *ctx, const char *name, size_t nlen, const char *val, size_t vlen)
{
    param_ctx *pc = ctx;
    modellib *lib = pc->r->lib;
    su_grow((void **)&lib->params, &lib->capparams, lib->nparams + 1, sizeof *lib->params);
    mparam *p = &lib->params[lib->nparams];
    p->stmt = pc->stmt;
    p->name_off = (size_t)(name - lib->text.s);
    p->name_len = nlen;
    p->val_off = (size_t)(val - lib->text.s);
    p->val_len = vlen;
    p->next_same = -1;
    char key[512];
    cstr(key, sizeof key, name, nlen);
    int first = su_map_get(&lib->parammap, key);
    if (first < 0) {
        su_map_put(&lib->parammap, key, lib->nparams);
    } else {
        while (lib->params[first].next_same >= 0) first = lib->params[first].next_same;
        lib->params[first].next_same = lib->nparams;
    }
    lib->nparams++;
}

static void option_cb(void *ctx, const char *name, size_t nlen, const char *val, size_t vlen)
{
    modellib *lib = ctx;
    char v[64];
    double x;
    cstr(v, sizeof v, val, vlen);
    if (nlen == 5 && su_ncasecmp(name, "scale", 5) == 0 && eng_parse(v, &x) == 0 && x > 0) lib->scale = x;
    if (nlen == 6 && su_ncasecmp(name, "wnflag", 6) == 0 && eng_parse(v, &x) == 0) lib->wnflag = x != 0;
}

static int read_lib_file(reader *r, const char *path, const char *section, const char *from,
                         int from_line, int depth);

/* One logical statement at the arena's tail [off, len): keep and index
 * it, act on it (.include, .lib FILE SEC) or drop it.  *state is the
 * section state of the file being read. */
enum { S_OUT, S_IN, S_SKIP };

static int deliver(reader *r, size_t off, int file, int line, const char *section, int *state,
                   int *found, int depth)
{
    modellib *lib = r->lib;
    su_buf *t = &lib->text;
    const char *s = t->s + off;
    size_t n = t->len - off;
    const char *fname = lib->files[file];
#define DROP() do { t->len = off; t->s[off] = '\0'; } while (0)

    if (first_is(s, n, ".endl")) {
        *state = S_OUT;
        DROP();
        return 0;
    }
    if (first_is(s, n, ".lib") && count_tokens(s, n) == 2) {
        const char *tok;
        size_t tl = token_at(s, n, 1, &tok);
        if (*state == S_OUT && section && strlen(section) == tl && su_ncasecmp(tok, section, tl) == 0) {
            *state = S_IN;
            *found = 1;
        } else {
            *state = S_SKIP;
        }
        DROP();
        return 0;
    }
    if (*state == S_SKIP || (section && *state == S_OUT)) {
        DROP();
        return 0;
    }
    if (r->in_control) {
        if (first_is(s, n, ".endc")) r->in_control = 0;
        DROP();
        return 0;
    }
    if (first_is(s, n, ".control")) {
        r->in_control = 1;
        DROP();
        return 0;
    }
    if (first_is(s, n, ".end")) {
        DROP();
        return 0;
    }
    int is_inc = first_is(s, n, ".include") || first_is(s, n, ".inc");
    if (is_inc || first_is(s, n, ".lib")) {
        const char *tok, *stok = NULL;
        size_t tl = token_at(s, n, 1, &tok), sl = 0;
        if (!is_inc) sl = token_at(s, n, 2, &stok);
        if (!tl || (!is_inc && !sl)) {
            int rc = halo_err_set(r->err, HALO_E_MDL_SYNTAX, fname, line,
                                  is_inc ? ".include needs a file name" : ".lib needs a file name and a section");
            DROP();
            return rc;
        }
        char *p = resolve_path(fname, tok, tl);
        char *sec = stok ? su_strndup(stok, sl) : NULL;
        DROP();
        char *from = su_strdup(fname);   /* lib->files may move */
        int rc = read_lib_file(r, p, sec, from, line, depth + 1);
        free(from);
        free(p);
        free(sec);
        return rc;
    }

    su_grow((void **)&lib->st, &lib->capst, lib->nst + 1, sizeof *lib->st);
    int si = lib->nst++;
    mstmt *st = &lib->st[si];
    st->off = off;
    st->len = n;
    st->file = file;
    st->line = line;
    st->kind = K_OTHER;
    int is_sub = first_is(s, n, ".subckt"), is_ends = first_is(s, n, ".ends");
    int is_model = first_is(s, n, ".model");
    if (is_model) st->kind = K_MODEL;

    if (r->sub_depth > 0) {
        if (is_sub) {
            r->sub_depth++;
            st->kind = K_SUBCKT;
        } else if (is_ends) {
            st->kind = K_ENDS;
            if (--r->sub_depth == 0) {
                msub *sc = &lib->subs[r->cur_sub];
                sc->end = si + 1;
                sc->mend = lib->nmodels;
                r->cur_sub = -1;
            }
        } else if (first_is(s, n, ".param")) {
            st->kind = K_PARAM;
        } else if (is_model) {
            add_model(r, si);
        }
        return 0;
    }
    if (is_sub) {
        const char *tok;
        size_t tl = token_at(s, n, 1, &tok);
        if (!tl) {
            lib->nst--;
            DROP();
            return halo_err_set(r->err, HALO_E_MDL_SYNTAX, fname, line, ".subckt needs a name");
        }
        st->kind = K_SUBCKT;
        su_grow((void **)&lib->subs, &lib->capsubs, lib->nsubs + 1, sizeof *lib->subs);
        msub *sc = &lib->subs[lib->nsubs];
        sc->name = su_strndup(tok, tl);
        sc->first = si;
        sc->end = -1;
        sc->mfirst = sc->mend = lib->nmodels;
        if (su_map_get(&lib->submap, sc->name) < 0) su_map_put(&lib->submap, sc->name, lib->nsubs);
        r->cur_sub = lib->nsubs++;
        r->sub_depth = 1;
        return 0;
    }
    if (is_ends) {
        lib->nst--;
        DROP();
        return halo_err_set(r->err, HALO_E_MDL_SYNTAX, fname, line, ".ends without a matching .subckt");
    }
    if (is_model) {
        add_model(r, si);
        return 0;
    }
    if (first_is(s, n, ".param")) {
        st->kind = K_PARAM;
        param_ctx pc = {r, si};
        split_assign(s, n, add_param_cb, &pc);
        return 0;
    }
    if (first_is(s, n, ".option") || first_is(s, n, ".options") || first_is(s, n, ".opt")) {
        st->kind = K_OPTION;
        su_grow((void **)&lib->options, &lib->capoptions, lib->noptions + 1, sizeof *lib->options);
        lib->options[lib->noptions++] = si;
        split_assign(s, n, option_cb, lib);
        return 0;
    }
    /* anything else at top level (.func, .temp, elements...) is not part
     * of a model library's definitions: count it and drop it */
    lib->n_ignored++;
    lib->nst--;
    DROP();
    return 0;
#undef DROP
}

/* Where a trailing comment starts in p[0..n): ';' anywhere, '$' or "//"
 * after a blank, as ngspice strips them. */
static size_t strip_comment(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == ';') return i;
        if ((c == '$' || (c == '/' && i + 1 < n && p[i + 1] == '/')) &&
            (i == 0 || p[i - 1] == ' ' || p[i - 1] == '\t'))
            return i;
    }
    return n;
}

static int read_lib_file(reader *r, const char *path, const char *section, const char *from,
                         int from_line, int depth)
{
    modellib *lib = r->lib;
    if (depth > MAX_FILE_DEPTH)
        return halo_err_set(r->err, HALO_E_MDL_DEPTH, from, from_line, MAX_FILE_DEPTH, path);
    size_t len;
    char *buf = halo_read_file(path, &len, r->err, from, from_line);
    if (!buf) return r->err->id;
    int file = add_file(lib, path);
    int state = S_OUT, found = 0, rc = 0;
    int lineno = 0, pend_line = 0;
    size_t pend = (size_t)-1;
    su_buf *t = &lib->text;
    const char *p = buf, *end = buf + len;
    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        lineno++;
        while (p < le && (*p == ' ' || *p == '\t')) p++;
        if (p == le || *p == '*') { p = next; continue; }
        size_t n = strip_comment(p, (size_t)(le - p));
        while (n > 0 && isspace((unsigned char)p[n - 1])) n--;
        if (n == 0) { p = next; continue; }
        if (*p == '+') {
            if (pend == (size_t)-1) {
                rc = halo_err_set(r->err, HALO_E_MDL_SYNTAX, path, lineno,
                                  "Continuation line '+' with no line to continue");
                break;
            }
            su_buf_addn(t, "\n", 1);
            su_buf_addn(t, p, n);
        } else {
            if (pend != (size_t)-1) rc = deliver(r, pend, file, pend_line, section, &state, &found, depth);
            if (rc) break;
            pend = t->len;
            pend_line = lineno;
            su_buf_addn(t, p, n);
        }
        p = next;
    }
    if (rc == 0 && pend != (size_t)-1) rc = deliver(r, pend, file, pend_line, section, &state, &found, depth);
    free(buf);
    if (rc == 0 && section && !found)
        rc = halo_err_set(r->err, HALO_E_MDL_SECTION, from, from_line, path, section);
    return rc;
}

int modellib_load(const char *lib_path, const char *section, modellib **out, halo_err *err)
{
    *out = NULL;
    modellib *lib = halo_xcalloc(1, sizeof *lib);
    lib->path = su_strdup(lib_path);
    lib->section = section ? su_strdup(section) : NULL;
    lib->scale = 1.0;
    su_map_init(&lib->submap, 1);
    su_map_init(&lib->modelmap, 1);
    su_map_init(&lib->groupmap, 1);
    su_map_init(&lib->parammap, 1);
    su_buf_addn(&lib->text, "", 0);
    reader r = {lib, err, 0, -1, 0};
    int rc = read_lib_file(&r, lib_path, section, NULL, 0, 0);
    if (rc == 0 && r.sub_depth > 0) {
        const msub *sc = &lib->subs[r.cur_sub];
        const mstmt *st = &lib->st[sc->first];
        rc = halo_err_set(err, HALO_E_MDL_UNCLOSED, lib->files[st->file], st->line, sc->name);
    }
    if (rc) {
        modellib_free(lib);
        return rc;
    }
    *out = lib;
    return 0;
}

void modellib_get_info(const modellib *lib, modellib_info *info)
{
    memset(info, 0, sizeof *info);
    info->n_files = lib->nfiles;
    info->n_statements = lib->nst;
    info->n_params = lib->nparams;
    info->n_subckts = lib->nsubs;
    info->n_models = lib->n_top_models;
    info->n_options = lib->noptions;
    info->n_ignored = lib->n_ignored;
    info->text_bytes = lib->text.len;
    info->scale = lib->scale;
}

void modellib_free(modellib *lib)
{
    if (!lib) return;
    free(lib->path);
    free(lib->section);
    su_buf_free(&lib->text);
    free(lib->st);
    for (int i = 0; i < lib->nfiles; i++) free(lib->files[i]);
    free(lib->files);
    for (int i = 0; i < lib->nsubs; i++) free(lib->subs[i].name);
    free(lib->subs);
    for (int i = 0; i < lib->nmodels; i++) free(lib->models[i].name);
    free(lib->models);
    free(lib->params);
    free(lib->options);
    su_map_free(&lib->submap);
    su_map_free(&lib->modelmap);
    su_map_free(&lib->groupmap);
    su_map_free(&lib->parammap);
    free(lib);
}

/* --------------------------------------------------------------- reducing */

/* A binning geometry in metres; a dimension that is not ok means "any". */
typedef struct geom {
    double w_m, l_m;
    int w_ok, l_ok;
} geom;

typedef struct geomset {
    geom *g;
    int n, cap;
    int any;                   /* saw a use with unknown geometry, or too many */
} geomset;

typedef struct work { int sub; geom g; } work;

typedef struct reducer {
    const modellib *lib;
    char *sub_keep;            /* per subckt */
    geomset *sub_geoms;
    char *model_keep;          /* per model (top-level and internal) */
    char *param_keep;          /* per assignment */
    work *queue;
    int nq, capq;
    int *pstack;               /* params whose values are still to scan */
    int np, capp;
    int *members;              /* scratch: the bins of one group */
    int nmem, capmem;
} reducer;

static int same_geom(const geom *a, const geom *b)
{
    if (a->w_ok != b->w_ok || a->l_ok != b->l_ok) return 0;
    if (a->w_ok && fabs(a->w_m - b->w_m) > 1e-15) return 0;
    if (a->l_ok && fabs(a->l_m - b->l_m) > 1e-15) return 0;
    return 1;
}

/* Adds g to subckt s's uses; queues the subckt's body when g is new. */
static void use_sub(reducer *rd, int s, geom g)
{
    geomset *gs = &rd->sub_geoms[s];
    rd->sub_keep[s] = 1;
    if (!g.w_ok || !g.l_ok) {
        if (gs->any) return;
        gs->any = 1;
        g.w_ok = g.l_ok = 0;
    } else {
        if (gs->any) return;
        for (int i = 0; i < gs->n; i++)
            if (same_geom(&gs->g[i], &g)) return;
        if (gs->n >= MAX_GEOMS) {
            gs->any = 1;
            g.w_ok = g.l_ok = 0;
        } else {
            su_grow((void **)&gs->g, &gs->cap, gs->n + 1, sizeof *gs->g);
            gs->g[gs->n++] = g;
        }
    }
    su_grow((void **)&rd->queue, &rd->capq, rd->nq + 1, sizeof *rd->queue);
    rd->queue[rd->nq++] = (work){s, g};
}

static int in_bin(double v, double lo, double hi)
{
    return v >= lo - BIN_TOL_M && v <= hi + BIN_TOL_M;
}

static void add_member(reducer *rd, int m)
{
    su_grow((void **)&rd->members, &rd->capmem, rd->nmem + 1, sizeof *rd->members);
    rd->members[rd->nmem++] = m;
}

/* The bins of top-level group g (its first model) into rd->members. */
static void group_members(reducer *rd, int g)
{
    rd->nmem = 0;
    for (; g >= 0; g = rd->lib->models[g].next_in_group) add_member(rd, g);
}

/* Keep the bins in rd->members that geometry g can select; all of them
 * when g is "any" or selects none (ngspice then reports the gap itself). */
static void keep_bins(reducer *rd, geom g)
{
    const modellib *lib = rd->lib;
    const int *members = rd->members;
    int nm = rd->nmem;
    int any = 0;
    if (g.w_ok && g.l_ok) {
        for (int i = 0; i < nm; i++) {
            const mmodel *m = &lib->models[members[i]];
            if (!m->has_bounds || (in_bin(g.l_m, m->lmin, m->lmax) && in_bin(g.w_m, m->wmin, m->wmax))) {
                rd->model_keep[members[i]] = 1;
                any = 1;
            }
        }
    }
    if (!any)
        for (int i = 0; i < nm; i++) rd->model_keep[members[i]] = 1;
}

/* ----- evaluating an instance's l and w inside a subckt body */

typedef struct env {
    const reducer *rd;
    int sub;                   /* subckt whose parameters are in scope, -1 */
    const geom *g;             /* the use of that subckt */
    int depth;
} env;

typedef struct find_ctx {
    const char *name;
    size_t nlen;
    const char *val;
    size_t vlen;
} find_ctx;

static void find_cb(void *ctx, const char *name, size_t nlen, const char *val, size_t vlen)
{
    find_ctx *fc = ctx;
    if (nlen == fc->nlen && su_ncasecmp(name, fc->name, nlen) == 0) {
        fc->val = val;   /* the last definition wins */
        fc->vlen = vlen;
    }
}

static int env_lookup(void *ctx, const char *name, double *value);

/* Value text of a parameter, braces or quotes stripped, evaluated. */
static int eval_value(env *e, const char *val, size_t vlen, double *out)
{
    while (vlen > 0 && isspace((unsigned char)*val)) { val++; vlen--; }
    while (vlen > 0 && isspace((unsigned char)val[vlen - 1])) vlen--;
    if (vlen >= 2 && ((val[0] == '{' && val[vlen - 1] == '}') || (val[0] == '\'' && val[vlen - 1] == '\''))) {
        val++;
        vlen -= 2;
    }
    if (e->depth >= MAX_EVAL_DEPTH) return -1;
    char *text = su_strndup(val, vlen);
    for (char *c = text; *c; c++)
        if (*c == '\n' || (*c == '+' && c > text && c[-1] == '\n')) *c = ' ';
    char why[128];
    e->depth++;
    int rc = expr_eval(text, env_lookup, e, out, why, sizeof why);
    e->depth--;
    free(text);
    return rc;
}

static int env_lookup(void *ctx, const char *name, double *value)
{
    env *e = ctx;
    const modellib *lib = e->rd->lib;
    size_t nl = strlen(name);
    if (e->sub >= 0) {
        if (su_casecmp(name, "l") == 0 || su_casecmp(name, "w") == 0) {
            int is_l = (name[0] | 0x20) == 'l';
            if (is_l ? !e->g->l_ok : !e->g->w_ok) return -1;
            *value = (is_l ? e->g->l_m : e->g->w_m) / lib->scale;
            return 0;
        }
        /* the subckt's own parameters: header defaults, then body .params */
        const msub *sc = &lib->subs[e->sub];
        find_ctx fc = {name, nl, NULL, 0};
        for (int i = sc->first; i < sc->end; i++)
            if (i == sc->first || lib->st[i].kind == K_PARAM)
                split_assign(stmt_text(lib, i), lib->st[i].len, find_cb, &fc);
        if (fc.val) return eval_value(e, fc.val, fc.vlen, value);
    }
    int pi = su_map_get(&lib->parammap, name);
    if (pi < 0) return -1;
    while (lib->params[pi].next_same >= 0) pi = lib->params[pi].next_same;
    const mparam *p = &lib->params[pi];
    env outer = *e;
    outer.sub = -1;   /* global parameters see only globals */
    return eval_value(&outer, lib->text.s + p->val_off, p->val_len, value);
}

typedef struct inst_ctx {
    const char *l, *w, *nf;
    size_t ll, wl, nfl;
} inst_ctx;

static void inst_cb(void *ctx, const char *name, size_t nlen, const char *val, size_t vlen)
{
    inst_ctx *ic = ctx;
    if (nlen == 1 && (name[0] | 0x20) == 'l') { ic->l = val; ic->ll = vlen; }
    if (nlen == 1 && (name[0] | 0x20) == 'w') { ic->w = val; ic->wl = vlen; }
    if (nlen == 2 && su_ncasecmp(name, "nf", 2) == 0) { ic->nf = val; ic->nfl = vlen; }
}

/* The binning geometry of instance statement si of subckt sub used with
 * g; is_mos divides w by nf when the library sets wnflag. */
static geom inst_geom(const reducer *rd, int sub, const geom *g, int si, int is_mos)
{
    const modellib *lib = rd->lib;
    geom out = {0, 0, 0, 0};
    inst_ctx ic;
    memset(&ic, 0, sizeof ic);
    split_assign(stmt_text(lib, si), lib->st[si].len, inst_cb, &ic);
    env e = {rd, sub, g, 0};
    double v;
    if (ic.l && eval_value(&e, ic.l, ic.ll, &v) == 0) {
        out.l_m = v * lib->scale;
        out.l_ok = 1;
    }
    if (ic.w && eval_value(&e, ic.w, ic.wl, &v) == 0) {
        out.w_m = v * lib->scale;
        out.w_ok = 1;
        double nf;
        if (is_mos && lib->wnflag && ic.nf && eval_value(&e, ic.nf, ic.nfl, &nf) == 0 && nf > 0)
            out.w_m /= nf;
    }
    return out;
}

/* ----- following references */

typedef struct ref_ctx {
    reducer *rd;
    int sub;                   /* the subckt being walked */
    const geom *g;
    int stmt;
    int is_inst;               /* an element line (its l/w give geometry) */
    int have_geom;
    geom ig;
} ref_ctx;

/* Geometry an element line passes to what it references; a use of
 * unknown size leaves its l/w unresolved, so the subckt's defaults never
 * stand in for the design's sizes. */
static geom ref_geom(ref_ctx *rc, int is_mos)
{
    geom any = {0, 0, 0, 0};
    if (!rc->is_inst) return any;
    if (!rc->have_geom) {
        rc->ig = inst_geom(rc->rd, rc->sub, rc->g, rc->stmt, is_mos);
        rc->have_geom = 1;
    }
    return rc->ig;
}

static void ref_cb(void *ctx, const char *id, size_t len)
{
    ref_ctx *rc = ctx;
    reducer *rd = rc->rd;
    const modellib *lib = rd->lib;
    char name[512];
    if (len >= sizeof name) return;
    cstr(name, sizeof name, id, len);
    const char *line = stmt_text(lib, rc->stmt);
    int is_mos = (line[0] | 0x20) == 'm';
    /* the subckt's own models first: they shadow global ones */
    if (rc->sub >= 0) {
        const msub *sc = &lib->subs[rc->sub];
        rd->nmem = 0;
        for (int m = sc->mfirst; m < sc->mend; m++) {
            const mmodel *md = &lib->models[m];
            if (md->owner != rc->sub) continue;
            if ((md->baselen == len && su_ncasecmp(md->name, name, len) == 0) || su_casecmp(md->name, name) == 0)
                add_member(rd, m);
        }
        if (rd->nmem) {
            keep_bins(rd, ref_geom(rc, is_mos));
            return;
        }
    }
    int s = su_map_get(&lib->submap, name);
    if (s >= 0) {
        use_sub(rd, s, ref_geom(rc, 0));
        return;
    }
    int m = su_map_get(&lib->modelmap, name);
    if (m >= 0) rd->model_keep[m] = 1;
    int g = su_map_get(&lib->groupmap, name);
    if (g >= 0) {
        group_members(rd, g);
        keep_bins(rd, ref_geom(rc, is_mos));
    }
}

/* Walk a subckt body used with geometry g. */
static void walk_sub(reducer *rd, int s, const geom *g)
{
    const modellib *lib = rd->lib;
    const msub *sc = &lib->subs[s];
    int depth = 0;
    for (int i = sc->first + 1; i < sc->end - 1; i++) {
        const mstmt *st = &lib->st[i];
        if (st->kind == K_SUBCKT) depth++;
        if (st->kind == K_ENDS) depth--;
        if (st->kind == K_MODEL || st->kind == K_PARAM || st->kind == K_SUBCKT || st->kind == K_ENDS) continue;
        const char *t = stmt_text(lib, i);
        ref_ctx rc = {rd, s, g, i, depth == 0 && isalpha((unsigned char)t[0]), 0, {0, 0, 0, 0}};
        /* skip the element's own name: "msky130_..." is not a reference */
        const char *tok;
        size_t tl = token_at(t, st->len, 0, &tok);
        size_t skip = rc.is_inst ? (size_t)(tok - t) + tl : 0;
        scan_idents(t + skip, st->len - skip, ref_cb, &rc);
    }
}

static void mark_param_name(reducer *rd, const char *id, size_t len)
{
    const modellib *lib = rd->lib;
    char name[512];
    if (len >= sizeof name) return;
    int p = su_map_get(&lib->parammap, cstr(name, sizeof name, id, len));
    for (; p >= 0; p = lib->params[p].next_same) {
        if (rd->param_keep[p]) continue;
        rd->param_keep[p] = 1;
        su_grow((void **)&rd->pstack, &rd->capp, rd->np + 1, sizeof *rd->pstack);
        rd->pstack[rd->np++] = p;
    }
}

static void param_cb(void *ctx, const char *id, size_t len) { mark_param_name(ctx, id, len); }

static void scan_stmt_params(reducer *rd, int i)
{
    scan_idents(stmt_text(rd->lib, i), rd->lib->st[i].len, param_cb, rd);
}

/* Statements of subckt s that are emitted: all but the bins not kept. */
static int sub_stmt_kept(const reducer *rd, int s, int i, int *mcur)
{
    const modellib *lib = rd->lib;
    if (lib->st[i].kind != K_MODEL) return 1;
    const msub *sc = &lib->subs[s];
    while (*mcur < sc->mend && lib->models[*mcur].stmt < i) (*mcur)++;
    if (*mcur < sc->mend && lib->models[*mcur].stmt == i) return rd->model_keep[*mcur];
    return 1;
}

typedef struct emit { int stmt, kind, idx; } emit;

static int emit_cmp(const void *a, const void *b)
{
    const emit *x = a, *y = b;
    if (x->stmt != y->stmt) return x->stmt < y->stmt ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void emit_stmt(su_buf *out, const modellib *lib, int i)
{
    su_buf_addn(out, stmt_text(lib, i), lib->st[i].len);
    su_buf_addn(out, "\n", 1);
}

int modellib_reduce(const modellib *lib, const modellib_use *uses, size_t n_uses, su_buf *out,
                    halo_err *err)
{
    reducer rd;
    memset(&rd, 0, sizeof rd);
    rd.lib = lib;
    rd.sub_keep = halo_xcalloc((size_t)lib->nsubs + 1, 1);
    rd.sub_geoms = halo_xcalloc((size_t)lib->nsubs + 1, sizeof *rd.sub_geoms);
    rd.model_keep = halo_xcalloc((size_t)lib->nmodels + 1, 1);
    rd.param_keep = halo_xcalloc((size_t)lib->nparams + 1, 1);
    int rc = 0;

    /* pass 1: subckts and models, with the geometries that reach them */
    for (size_t u = 0; u < n_uses && rc == 0; u++) {
        const char *name = uses[u].name ? uses[u].name : "";
        geom g = {uses[u].w_um * 1e-6, uses[u].l_um * 1e-6, uses[u].w_um > 0, uses[u].l_um > 0};
        int s = su_map_get(&lib->submap, name);
        int m = su_map_get(&lib->modelmap, name);
        int grp = su_map_get(&lib->groupmap, name);
        if (s >= 0) {
            use_sub(&rd, s, g);
        } else if (m >= 0 || grp >= 0) {
            if (m >= 0) rd.model_keep[m] = 1;
            if (grp >= 0) {
                group_members(&rd, grp);
                keep_bins(&rd, g);
            }
        } else {
            char where[600];
            snprintf(where, sizeof where, "%s%s%s", lib->path, lib->section ? " section " : "",
                     lib->section ? lib->section : "");
            rc = halo_err_set(err, HALO_E_MDL_NOTFOUND, NULL, 0, name, where);
        }
        for (int q = 0; q < rd.nq; q++) {
            work w = rd.queue[q];
            walk_sub(&rd, w.sub, &w.g);
        }
        rd.nq = 0;
    }

    if (rc == 0) {
        /* pass 2: the .params the kept text names, to a fixpoint */
        for (int i = 0; i < lib->noptions; i++) scan_stmt_params(&rd, lib->options[i]);
        for (int m = 0; m < lib->nmodels; m++)
            if (rd.model_keep[m] && lib->models[m].owner < 0) scan_stmt_params(&rd, lib->models[m].stmt);
        for (int s = 0; s < lib->nsubs; s++) {
            if (!rd.sub_keep[s]) continue;
            int mcur = lib->subs[s].mfirst;
            for (int i = lib->subs[s].first; i < lib->subs[s].end; i++)
                if (sub_stmt_kept(&rd, s, i, &mcur)) scan_stmt_params(&rd, i);
        }
        while (rd.np > 0) {
            const mparam *p = &lib->params[rd.pstack[--rd.np]];
            scan_idents(lib->text.s + p->val_off, p->val_len, param_cb, &rd);
        }

        /* output: the kept statements in library order */
        emit *em = NULL;
        int nem = 0, capem = 0;
#define PUSH(st_, k_, i_) do { su_grow((void **)&em, &capem, nem + 1, sizeof *em); \
        em[nem++] = (emit){(st_), (k_), (i_)}; } while (0)
        for (int i = 0; i < lib->noptions; i++) PUSH(lib->options[i], K_OPTION, i);
        for (int m = 0; m < lib->nmodels; m++)
            if (rd.model_keep[m] && lib->models[m].owner < 0) PUSH(lib->models[m].stmt, K_MODEL, m);
        for (int s = 0; s < lib->nsubs; s++)
            if (rd.sub_keep[s]) PUSH(lib->subs[s].first, K_SUBCKT, s);
        for (int p = 0; p < lib->nparams; p++)
            if (rd.param_keep[p]) PUSH(lib->params[p].stmt, K_PARAM, p);
#undef PUSH
        qsort(em, (size_t)nem, sizeof *em, emit_cmp);
        su_buf_printf(out, "* halo modellib: %s%s%s, reduced for %zu device use%s\n", lib->path,
                      lib->section ? " section " : "", lib->section ? lib->section : "", n_uses,
                      n_uses == 1 ? "" : "s");
        for (int k = 0; k < nem; k++) {
            const emit *e = &em[k];
            if (e->kind == K_PARAM) {
                const mparam *p = &lib->params[e->idx];
                su_buf_add(out, ".param ");
                su_buf_addn(out, lib->text.s + p->name_off, p->name_len);
                su_buf_add(out, " = ");
                su_buf_addn(out, lib->text.s + p->val_off, p->val_len);
                su_buf_addn(out, "\n", 1);
            } else if (e->kind == K_SUBCKT) {
                const msub *sc = &lib->subs[e->idx];
                int mcur = sc->mfirst;
                for (int i = sc->first; i < sc->end; i++)
                    if (sub_stmt_kept(&rd, e->idx, i, &mcur)) emit_stmt(out, lib, i);
            } else {
                emit_stmt(out, lib, e->stmt);
            }
        }
        free(em);
    }

    for (int s = 0; s < lib->nsubs; s++) free(rd.sub_geoms[s].g);
    free(rd.sub_geoms);
    free(rd.sub_keep);
    free(rd.model_keep);
    free(rd.param_keep);
    free(rd.queue);
    free(rd.pstack);
    free(rd.members);
    return rc;
}
