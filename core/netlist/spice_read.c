/*
 * spice_read.c -- SPICE netlist reader and flattener (see spice.h).
 *
 * Three passes:
 *   1. lines:     physical lines -> logical lines (comments dropped, '+'
 *                 continuations joined, .include spliced), each tokenised
 *                 with '=' glued to its name and value, and {..} '..' (..)
 *                 kept whole.
 *   2. structure: .subckt bodies, top-level elements, global .params,
 *                 .global nets, .model types; skipped .control/.lib blocks.
 *   3. elaborate: the top cell is walked recursively; each X instance of a
 *                 defined subcircuit is flattened with its own parameter
 *                 scope, every other element becomes a netlist device.
 */
#include "spice.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/eng.h"
#include "base/expr.h"
#include "base/fileio.h"
#include "base/strutil.h"

#define SPICE_MAX_INCLUDE_DEPTH 8
#define SPICE_MAX_NESTING 64
#define SPICE_MAX_DEVICES 2000000

typedef struct sline {
    char **tok;
    int ntok;
    int line;
    int file;            /* index into reader.files */
} sline;

typedef struct subckt {
    char *name;
    int def_line;        /* index of the .subckt line */
    int first_port_tok;  /* tokens [first_port_tok, first_param_tok) are ports */
    int first_param_tok;
    int *body;           /* line indices of elements and .params */
    int nbody, capbody;
} subckt;

typedef struct penv {
    const struct penv *parent;
    char **names;
    double *vals;
    int n, cap;
} penv;

typedef struct reader {
    const spice_read_opts *opts;
    halo_err *err;
    char **files;
    int nfiles, capfiles;
    sline *lines;
    int nlines, caplines;
    subckt *subs;
    int nsubs, capsubs;
    su_map sub_index;
    int *top_body;
    int ntop, captop;
    char **globals;
    int nglobals, capglobals;
    su_map models;       /* .model name -> netlist_devtype */
    double scale;        /* .option scale for M elements, metres per unit */
    netlist *nl;
    penv global_env;
    char clipped[4][24]; /* ring of short quotes for messages (clip) */
    int next_clip;
} reader;

typedef struct inst_ctx {
    const subckt *sc;    /* NULL at top level */
    char **actual;       /* parent net name per port */
    const char *prefix;  /* "X1/" */
    penv *env;
    double mult;
    int depth;
    const char *chain;   /* instance path for recursion messages */
} inst_ctx;

/* ---------------------------------------------------------------- errors */

static const char *line_file(const reader *r, const sline *l)
{
    return r->files[l->file];
}

static int fail_at(reader *r, const sline *l, halo_msg_id id, const char *a, const char *b)
{
    return halo_err_set(r->err, id, l ? line_file(r, l) : NULL, l ? l->line : 0, a, b);
}

/* Text of the input quoted in a message.  A line may come from any file
 * an .include pulled in (".include /etc/shadow"), so messages carry
 * file:line and a short, printable prefix of the text only. */
#define QUOTE_MAX 20
static const char *clip(reader *r, const char *text)
{
    char *quoted = r->clipped[r->next_clip++ % 4];
    size_t n = 0;
    for (; text[n] && n < QUOTE_MAX; n++)
        quoted[n] = isprint((unsigned char)text[n]) ? text[n] : '?';
    strcpy(quoted + n, text[n] ? "..." : "");
    return quoted;
}

static int fail_tok(reader *r, const sline *l, halo_msg_id id, const char *tok, const char *b)
{
    return fail_at(r, l, id, clip(r, tok), b);
}

/* ---------------------------------------------------------------- pass 1 */

/* Cut an inline comment: ';' anywhere, '$' after whitespace or a comma
 * (which separate words alike) or at the start.  ngspice cuts at any '$' after whitespace, but Magic's
 * ext2spice names the substrate node $SUB, so a '$' that starts a word of
 * name characters is a name; "$" alone, "$;" or "$*" is a comment (else a
 * net "$" would be written as a comment). */
static void strip_inline_comment(char *s)
{
    int quote = 0, brace = 0;
    for (char *p = s; *p; p++) {
        int dollar = *p == '$' && (p == s || isspace((unsigned char)p[-1]) || p[-1] == ',')
                     && !(isalnum((unsigned char)p[1]) || p[1] == '_');
        if (*p == '\'' && !brace) quote = !quote;
        else if (*p == '{') brace++;
        else if (*p == '}' && brace) brace--;
        else if (!quote && !brace && (*p == ';' || dollar)) {
            *p = '\0';
            return;
        }
    }
}

static void add_token(char ***tok, int *ntok, int *cap, const char *s, size_t n)
{
    su_grow((void **)tok, cap, *ntok + 1, sizeof **tok);
    (*tok)[(*ntok)++] = su_strndup(s, n);
}

/* Length of the token at s: whitespace and commas separate, but braces,
 * quotes and parentheses group ("PULSE(0 1 1n)", "{a + b}", "'a + b'"). */
static size_t token_length(const char *s)
{
    size_t i = 0;
    int paren = 0, brace = 0, quote = 0;
    for (; s[i]; i++) {
        char c = s[i];
        if (quote) {
            if (c == '\'') quote = 0;
            continue;
        }
        if (c == '\'') quote = 1;
        else if (c == '{') brace++;
        else if (c == '}' && brace) brace--;
        else if (c == '(') paren++;
        else if (c == ')' && paren) paren--;
        else if (!paren && !brace && (isspace((unsigned char)c) || c == ',' || c == '=')) break;
    }
    return i ? i : 1;
}

/* Split a logical line into tokens; "a = b", "a= b", "a =b" become "a=b". */
static void tokenize(const char *s, sline *l)
{
    char **tok = NULL;
    int ntok = 0, cap = 0;
    while (*s) {
        while (isspace((unsigned char)*s) || *s == ',') s++;
        if (!*s) break;
        if (*s == '=') {
            s++;
            while (isspace((unsigned char)*s)) s++;
            size_t n = *s ? token_length(s) : 0;
            if (ntok > 0 && !strchr(tok[ntok - 1], '=')) {
                char *joined = halo_xmalloc(strlen(tok[ntok - 1]) + n + 2);
                sprintf(joined, "%s=%.*s", tok[ntok - 1], (int)n, s);
                free(tok[ntok - 1]);
                tok[ntok - 1] = joined;
            } else {
                char *bad = halo_xmalloc(n + 2);
                sprintf(bad, "=%.*s", (int)n, s);
                add_token(&tok, &ntok, &cap, bad, strlen(bad));
                free(bad);
            }
            s += n;
            continue;
        }
        size_t n = token_length(s);
        add_token(&tok, &ntok, &cap, s, n);
        s += n;
    }
    l->tok = tok;
    l->ntok = ntok;
}

static int add_file_name(reader *r, const char *name)
{
    su_grow((void **)&r->files, &r->capfiles, r->nfiles + 1, sizeof *r->files);
    r->files[r->nfiles] = su_strdup(name);
    return r->nfiles++;
}

static void push_line(reader *r, const char *text, int line, int file)
{
    su_grow((void **)&r->lines, &r->caplines, r->nlines + 1, sizeof *r->lines);
    sline *l = &r->lines[r->nlines];
    tokenize(text, l);
    l->line = line;
    l->file = file;
    if (l->ntok == 0) {
        free(l->tok);
        return;
    }
    r->nlines++;
}

static int read_text_lines(reader *r, const char *text, size_t len, int file, int depth);
static int flush_logical(reader *r, su_buf *logical, int line, int file, int depth);

static char *strip_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) return su_strndup(s + 1, n - 2);
    return su_strdup(s);
}

/* Path of an .include relative to the including file's directory. */
static char *include_path(const char *from, const char *name)
{
    char *bare = strip_quotes(name);
    const char *slash = strrchr(from, '/');
    if (bare[0] == '/' || !slash) return bare;
    char *path = halo_xmalloc((size_t)(slash - from) + strlen(bare) + 2);
    sprintf(path, "%.*s/%s", (int)(slash - from), from, bare);
    free(bare);
    return path;
}

static int do_include(reader *r, const sline *l, int depth)
{
    if (l->ntok < 2) return fail_at(r, l, HALO_E_SPC_SYNTAX, ".include needs a file name", NULL);
    if (r->opts->skip_include) return 0;
    if (r->opts->no_include)
        return fail_at(r, l, HALO_E_SPC_SYNTAX, ".include is not allowed here", NULL);
    if (depth >= SPICE_MAX_INCLUDE_DEPTH)
        return fail_at(r, l, HALO_E_SPC_SYNTAX, ".include nested too deeply", NULL);
    char *path = include_path(line_file(r, l), l->tok[1]);
    size_t len;
    char *text = halo_read_file(path, &len, r->err, line_file(r, l), l->line);
    if (!text) {
        free(path);
        return r->err->id;
    }
    int file = add_file_name(r, path);
    free(path);
    int rc = read_text_lines(r, text, len, file, depth + 1);
    free(text);
    return rc;
}

static int is_directive(const sline *l, const char *name)
{
    return su_casecmp(l->tok[0], name) == 0;
}

/* Turn text into logical lines; .include lines are replaced by the lines of
 * the included file as they are met. */
static int read_text_lines(reader *r, const char *text, size_t len, int file, int depth)
{
    su_buf logical = {0};
    int logical_line = 0;
    const char *p = text, *end = text + len;
    int lineno = 0, rc = 0;
    while (p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *phys = su_strndup(p, n);
        p += n + (nl ? 1 : 0);
        lineno++;
        for (char *c = phys; *c; c++)
            if (*c == '\r' || *c == '\t' || *c == '\0') *c = ' ';
        char *t = phys;
        while (isspace((unsigned char)*t)) t++;
        if (*t == '*' || *t == '\0') {
            free(phys);
            continue;
        }
        strip_inline_comment(t);
        if (*t == '+') {
            if (!logical_line) {
                free(phys);
                rc = halo_err_set(r->err, HALO_E_SPC_CONTINUE, r->files[file], lineno);
                break;
            }
            su_buf_add(&logical, " ");
            su_buf_add(&logical, t + 1);
            free(phys);
            continue;
        }
        if (logical_line) rc = flush_logical(r, &logical, logical_line, file, depth);
        su_buf_free(&logical);
        su_buf_add(&logical, t);
        logical_line = lineno;
        free(phys);
    }
    if (!rc && logical_line) rc = flush_logical(r, &logical, logical_line, file, depth);
    su_buf_free(&logical);
    return rc;
}

static void free_line(sline *l)
{
    for (int i = 0; i < l->ntok; i++) free(l->tok[i]);
    free(l->tok);
}

static int flush_logical(reader *r, su_buf *logical, int line, int file, int depth)
{
    if (!logical->s) return 0;
    push_line(r, logical->s, line, file);
    if (r->nlines == 0) return 0;
    sline *l = &r->lines[r->nlines - 1];
    if (l->line != line || l->file != file) return 0;   /* the line was empty */
    if (is_directive(l, ".include") || is_directive(l, ".inc")) {
        sline copy = *l;
        r->nlines--;
        int rc = do_include(r, &copy, depth);
        free_line(&copy);
        return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------- pass 2 */

static void add_body(int **body, int *n, int *cap, int line)
{
    su_grow((void **)body, cap, *n + 1, sizeof **body);
    (*body)[(*n)++] = line;
}

static int is_kv(const char *tok)
{
    const char *eq = strchr(tok, '=');
    return eq && eq != tok;
}

static int start_subckt(reader *r, int li)
{
    sline *l = &r->lines[li];
    if (l->ntok < 2) return fail_at(r, l, HALO_E_SPC_SYNTAX, ".subckt needs a name", NULL);
    if (halo_err_check_name(r->err, line_file(r, l), l->line, "subcircuit", l->tok[1], 1)) return r->err->id;
    int prev = su_map_get(&r->sub_index, l->tok[1]);
    if (prev >= 0) {
        return halo_err_set(r->err, HALO_E_SPC_DUPLICATE, line_file(r, l), l->line, "subcircuit",
                            clip(r, l->tok[1]), r->lines[r->subs[prev].def_line].line);
    }
    int t = 2;
    while (t < l->ntok && !is_kv(l->tok[t]) && su_casecmp(l->tok[t], "params:") != 0) t++;
    int first_param = t;
    for (; t < l->ntok; t++) {
        if (su_casecmp(l->tok[t], "params:") == 0) continue;
        if (!is_kv(l->tok[t])) return fail_tok(r, l, HALO_E_SPC_PARAM, l->tok[t], NULL);
    }
    su_grow((void **)&r->subs, &r->capsubs, r->nsubs + 1, sizeof *r->subs);
    subckt *sc = &r->subs[r->nsubs];
    memset(sc, 0, sizeof *sc);
    sc->name = su_strdup(l->tok[1]);
    sc->def_line = li;
    sc->first_port_tok = 2;
    sc->first_param_tok = first_param;
    su_map_put(&r->sub_index, sc->name, r->nsubs);
    r->nsubs++;
    return 0;
}

/* Skip a block that ends with the directive end_name; returns the index of
 * its last line, or -1 when it is never closed. */
static int skip_block(reader *r, int li, const char *end_name)
{
    for (int j = li + 1; j < r->nlines; j++)
        if (is_directive(&r->lines[j], end_name)) return j;
    return -1;
}

static int record_model(reader *r, const sline *l)
{
    if (l->ntok < 3) return fail_at(r, l, HALO_E_SPC_SYNTAX, ".model needs a name and a type", NULL);
    char type[32];
    snprintf(type, sizeof type, "%.*s", (int)strcspn(l->tok[2], "("), l->tok[2]);
    static const struct { const char *name; netlist_devtype t; } kinds[] = {
        {"nmos", NL_NMOS}, {"pmos", NL_PMOS}, {"npn", NL_NPN}, {"pnp", NL_PNP},
        {"r", NL_RES}, {"res", NL_RES}, {"c", NL_CAP}, {"cap", NL_CAP}, {"d", NL_OTHER},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (su_casecmp(type, kinds[i].name) == 0) su_map_put(&r->models, l->tok[1], (int)kinds[i].t);
    return 0;
}

static void record_option(reader *r, const sline *l)
{
    for (int t = 1; t < l->ntok; t++) {
        if (su_has_prefix_ci(l->tok[t], "scale=")) {
            double v;
            if (eng_parse(l->tok[t] + 6, &v) == 0 && v > 0) r->scale = v;
        }
    }
}

static int structure_directive(reader *r, int *li, int *open, int *nopen, int capopen, int *stop)
{
    sline *l = &r->lines[*li];
    const char *d = l->tok[0];
    if (su_casecmp(d, ".subckt") == 0) {
        if (*nopen >= capopen)
            return halo_err_set(r->err, HALO_E_SPC_TOODEEP, line_file(r, l), l->line, SPICE_MAX_NESTING, d);
        int rc = start_subckt(r, *li);
        if (rc) return rc;
        open[(*nopen)++] = r->nsubs - 1;
    } else if (su_casecmp(d, ".ends") == 0) {
        if (*nopen == 0) return halo_err_set(r->err, HALO_E_SPC_STRAYENDS, line_file(r, l), l->line);
        (*nopen)--;
    } else if (su_casecmp(d, ".control") == 0 || (su_casecmp(d, ".lib") == 0 && l->ntok == 2)) {
        const char *end_name = su_casecmp(d, ".control") == 0 ? ".endc" : ".endl";
        int j = skip_block(r, *li, end_name);
        if (j < 0) return fail_at(r, l, HALO_E_SPC_SYNTAX, d[1] == 'c' ? ".control block without .endc" : ".lib section without .endl", NULL);
        *li = j;
    } else if (su_casecmp(d, ".param") == 0) {
        for (int t = 1; t < l->ntok; t++)
            if (!is_kv(l->tok[t])) return fail_tok(r, l, HALO_E_SPC_PARAM, l->tok[t], NULL);
        if (*nopen) {
            subckt *sc = &r->subs[open[*nopen - 1]];
            add_body(&sc->body, &sc->nbody, &sc->capbody, *li);
        } else {
            add_body(&r->top_body, &r->ntop, &r->captop, *li);
        }
    } else if (su_casecmp(d, ".global") == 0) {
        for (int t = 1; t < l->ntok; t++) {
            su_grow((void **)&r->globals, &r->capglobals, r->nglobals + 1, sizeof *r->globals);
            r->globals[r->nglobals++] = su_strdup(l->tok[t]);
        }
    } else if (su_casecmp(d, ".model") == 0) {
        return record_model(r, l);
    } else if (su_casecmp(d, ".option") == 0 || su_casecmp(d, ".options") == 0) {
        record_option(r, l);
    } else if (su_casecmp(d, ".end") == 0) {
        *stop = 1;
    }
    /* Analyses, .save, .meas, .temp, .lib references ... do not change the
     * circuit and are ignored. */
    return 0;
}

static int build_structure(reader *r)
{
    int open[SPICE_MAX_NESTING], nopen = 0, stop = 0;
    for (int li = 0; li < r->nlines && !stop; li++) {
        sline *l = &r->lines[li];
        int rc;
        if (l->tok[0][0] == '.') {
            rc = structure_directive(r, &li, open, &nopen, SPICE_MAX_NESTING, &stop);
            if (rc) return rc;
            continue;
        }
        if (nopen) {
            subckt *sc = &r->subs[open[nopen - 1]];
            add_body(&sc->body, &sc->nbody, &sc->capbody, li);
        } else {
            add_body(&r->top_body, &r->ntop, &r->captop, li);
        }
    }
    if (nopen) {
        const subckt *sc = &r->subs[open[nopen - 1]];
        return halo_err_set(r->err, HALO_E_SPC_UNBALANCED, line_file(r, &r->lines[sc->def_line]),
                            r->lines[sc->def_line].line, clip(r, sc->name));
    }
    return 0;
}

/* ---------------------------------------------------------------- params */

static void penv_set(penv *e, const char *name, double v)
{
    for (int i = 0; i < e->n; i++)
        if (su_casecmp(e->names[i], name) == 0) {
            e->vals[i] = v;
            return;
        }
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 8;
        e->names = halo_xrealloc(e->names, (size_t)e->cap * sizeof *e->names);
        e->vals = halo_xrealloc(e->vals, (size_t)e->cap * sizeof *e->vals);
    }
    e->names[e->n] = su_strdup(name);
    e->vals[e->n++] = v;
}

static void penv_free(penv *e)
{
    for (int i = 0; i < e->n; i++) free(e->names[i]);
    free(e->names);
    free(e->vals);
}

static int penv_lookup(void *ctx, const char *name, double *v)
{
    for (const penv *e = ctx; e; e = e->parent)
        for (int i = e->n - 1; i >= 0; i--)
            if (su_casecmp(e->names[i], name) == 0) {
                *v = e->vals[i];
                return 0;
            }
    return -1;
}

/* Value of a token: {expr}, 'expr', an engineering number, or a bare
 * expression of parameters. */
static int eval_value(reader *r, const sline *l, const penv *env, const char *text,
                      const char *what, double *out)
{
    size_t n = strlen(text);
    char why[160];
    if (n >= 2 && ((text[0] == '{' && text[n - 1] == '}') || (text[0] == '\'' && text[n - 1] == '\''))) {
        char *inner = su_strndup(text + 1, n - 2);
        int rc = expr_eval(inner, penv_lookup, (void *)env, out, why, sizeof why);
        free(inner);
        if (rc == 0) return 0;
    } else {
        if (eng_parse(text, out) == 0) return 0;
        if (!isdigit((unsigned char)text[0]) && text[0] != '.' &&
            expr_eval(text, penv_lookup, (void *)env, out, why, sizeof why) == 0)
            return 0;
        if (isdigit((unsigned char)text[0]) || text[0] == '.' || text[0] == '-' || text[0] == '+')
            return halo_err_set(r->err, HALO_E_SPC_NUMBER, line_file(r, l), l->line, clip(r, text), what);
    }
    char subject[200];
    snprintf(subject, sizeof subject, "%s = %s", what, clip(r, text));
    return halo_err_set(r->err, HALO_E_SPC_EXPR, line_file(r, l), l->line, subject, why);
}

static int eval_param_line(reader *r, const sline *l, penv *env, int first)
{
    for (int t = first; t < l->ntok; t++) {
        if (su_casecmp(l->tok[t], "params:") == 0) continue;
        char *eq = strchr(l->tok[t], '=');
        if (!eq || eq == l->tok[t]) return fail_tok(r, l, HALO_E_SPC_PARAM, l->tok[t], NULL);
        char *name = su_strndup(l->tok[t], (size_t)(eq - l->tok[t]));
        double v;
        int rc = eval_value(r, l, env, eq + 1, name, &v);
        if (!rc) penv_set(env, name, v);
        free(name);
        if (rc) return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------- pass 3 */

int spice_model_type(const char *model, netlist_devtype *type)
{
    static const struct { const char *needle; netlist_devtype t; } kinds[] = {
        {"nfet", NL_NMOS}, {"nmos", NL_NMOS}, {"pfet", NL_PMOS}, {"pmos", NL_PMOS},
        {"cap_mim", NL_CAP}, {"cap_var", NL_CAP}, {"cap_vpp", NL_CAP}, {"__cap", NL_CAP},
        {"__res", NL_RES}, {"res_", NL_RES}, {"npn", NL_NPN}, {"pnp", NL_PNP},
        {"diode", NL_OTHER}, {"__ind", NL_IND},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (su_contains_ci(model, kinds[i].needle)) {
            *type = kinds[i].t;
            return 0;
        }
    return -1;
}

/* Net name in the flat netlist for a node written inside ctx. */
static char *flat_node(const reader *r, const inst_ctx *ctx, const char *node)
{
    if (strcmp(node, "0") == 0) return su_strdup("0");
    for (int g = 0; g < r->nglobals; g++)
        if (su_casecmp(node, r->globals[g]) == 0) return su_strdup(r->globals[g]);
    if (ctx->sc) {
        const sline *def = &r->lines[ctx->sc->def_line];
        for (int p = ctx->sc->first_port_tok; p < ctx->sc->first_param_tok; p++)
            if (su_casecmp(node, def->tok[p]) == 0) return su_strdup(ctx->actual[p - ctx->sc->first_port_tok]);
    }
    char *name = halo_xmalloc(strlen(ctx->prefix) + strlen(node) + 1);
    sprintf(name, "%s%s", ctx->prefix, node);
    return name;
}

/* A device or node name as written on line l, checked against the name
 * rule (strutil.h): it goes into SPICE decks, GDS labels and JSON. */
static int check_name(reader *r, const sline *l, const char *what, const char *name)
{
    return halo_err_check_name(r->err, line_file(r, l), l->line, what, name, 0);
}

static int connect(reader *r, const sline *l, const inst_ctx *ctx, int dev, const char *role, const char *node)
{
    if (check_name(r, l, "node", node)) return r->err->id;
    char *flat = flat_node(r, ctx, node);
    int net = netlist_net_get(r->nl, flat);
    free(flat);
    netlist_device_add_pin(r->nl, dev, role, net);
    return 0;
}

static int new_device(reader *r, const inst_ctx *ctx, const sline *l, netlist_devtype type,
                      char element, const char *model, int *dev)
{
    if (r->nl->ndevs >= SPICE_MAX_DEVICES)
        return fail_at(r, l, HALO_E_SPC_SYNTAX, "Flattening creates more than 2000000 devices", NULL);
    if (check_name(r, l, "device", l->tok[0])) return r->err->id;
    char *name = halo_xmalloc(strlen(ctx->prefix) + strlen(l->tok[0]) + 1);
    sprintf(name, "%s%s", ctx->prefix, l->tok[0]);
    *dev = netlist_device_add(r->nl, name, type, element, model);
    if (*dev < 0) {
        int first = r->nl->devs[netlist_device_find(r->nl, name)].line;
        halo_err_set(r->err, HALO_E_SPC_DUPLICATE, line_file(r, l), l->line, "device", clip(r, name), first);
        free(name);
        return r->err->id;
    }
    free(name);
    r->nl->devs[*dev].line = l->line;
    return 0;
}

/* 12 significant digits: 1.0500000000000001 (10.5e-7 * 1e6) is 1.05, and
 * a tiny wrong value stays itself for its error message. */
static double round_um(double um)
{
    if (um == 0 || !isfinite(um)) return um;
    char buf[40];
    snprintf(buf, sizeof buf, "%.12g", um);
    return strtod(buf, NULL);
}

/* nf=ZZZ, nf='ZZZ' or nf={ZZZ}: OSIRIS's finger-count placeholder. */
static int is_placeholder_nf(const char *value)
{
    char *bare = strip_quotes(value);
    size_t n = strlen(bare);
    if (n >= 2 && bare[0] == '{' && bare[n - 1] == '}') {
        memmove(bare, bare + 1, n - 2);
        bare[n - 2] = '\0';
    }
    int yes = su_casecmp(bare, "ZZZ") == 0;
    free(bare);
    return yes;
}

/* nf: a positive integer, or the OSIRIS placeholder ZZZ (stored as 0). */
static int apply_nf(reader *r, const sline *l, const inst_ctx *ctx, netlist_device *d, const char *value)
{
    if (is_placeholder_nf(value)) {
        d->nf = 0;
        return 0;
    }
    double v;
    int rc = eval_value(r, l, ctx->env, value, "nf", &v);
    if (rc) return rc;
    if (v < 1 || v > 100000 || v != floor(v))
        return halo_err_set(r->err, HALO_E_SPC_NF, line_file(r, l), l->line, clip(r, d->name), clip(r, value));
    d->nf = (int)v;
    return 0;
}

/* ------------------------------------------------------------ geometry */

/* The convention one W or L value fits by its magnitude alone. */
static int units_by_magnitude(double v)
{
    if (v < SPICE_METRES_MAX) return NETLIST_UNITS_M;
    if (v >= SPICE_UM_MIN) return NETLIST_UNITS_UM;
    return NETLIST_UNITS_NONE;
}

/* One evaluated NAME=VALUE of an instance line, before unit conversion. */
typedef struct raw_param {
    char name[128];      /* canonical name (netlist_canonical_param) */
    const char *text;    /* the value as written */
    double value;
    int done;            /* evaluated */
} raw_param;

/* Micrometres per written unit of length for device d, or an error
 * naming the value that fits no convention.  W and L decide. */
static int device_units(reader *r, const sline *l, netlist_device *d, const raw_param *p, int n,
                        double *um_per_unit)
{
    spice_units mode = r->opts->units;
    *um_per_unit = 1.0;
    d->units = NETLIST_UNITS_NONE;
    int has_geometry = 0;
    for (int i = 0; i < n; i++) has_geometry |= netlist_param_dim(d, p[i].name) != NETLIST_DIM_NONE;
    if (!has_geometry) return 0;
    if (mode == SPICE_UNITS_UM) {
        d->units = NETLIST_UNITS_UM;
        return 0;
    }
    if (mode == SPICE_UNITS_M || (r->scale > 0) || d->element == 'M') {
        /* plain SPICE: metres, times .option scale when the file sets one */
        double scale = mode == SPICE_UNITS_M || !(r->scale > 0) ? 1.0 : r->scale;
        d->units = scale == 1.0 ? NETLIST_UNITS_M : NETLIST_UNITS_SCALE;
        *um_per_unit = scale * 1e6;
        return 0;
    }
    /* a PDK device with no declared convention: each of W and L by its
     * magnitude, and the two must agree */
    const raw_param *first = NULL;
    for (int i = 0; i < n; i++) {
        if (strcmp(p[i].name, "W") != 0 && strcmp(p[i].name, "L") != 0) continue;
        if (!(p[i].value > 0) || !isfinite(p[i].value)) continue;   /* apply_params says what */
        int u = units_by_magnitude(p[i].value);
        if (u == NETLIST_UNITS_NONE) {
            char why[300];
            snprintf(why, sizeof why, "%s=%s fits neither metres (below %g) nor micrometres (from %g); "
                     "write it in one of them, or say which with read_spice -units um|m",
                     p[i].name, clip(r, p[i].text), SPICE_METRES_MAX, SPICE_UM_MIN);
            return halo_err_set(r->err, HALO_E_SPC_UNITS, line_file(r, l), l->line, clip(r, d->name), why);
        }
        if (first && u != (int)d->units) {
            char why[300];
            snprintf(why, sizeof why, "%s=%s reads as %s but %s=%s as %s; write both in one unit",
                     first->name, clip(r, first->text), d->units == NETLIST_UNITS_M ? "metres" : "micrometres",
                     p[i].name, clip(r, p[i].text), u == NETLIST_UNITS_M ? "metres" : "micrometres");
            return halo_err_set(r->err, HALO_E_SPC_UNITS, line_file(r, l), l->line, clip(r, d->name), why);
        }
        first = &p[i];
        d->units = u;
    }
    if (d->units == NETLIST_UNITS_NONE) d->units = NETLIST_UNITS_UM;   /* only ad/pd ...: as sky130 writes */
    *um_per_unit = d->units == NETLIST_UNITS_M ? 1e6 : 1.0;
    return 0;
}

/* Evaluate the NAME=VALUE params of an instance line.  As in ngspice, a
 * value may use the params written before or after it on the same line
 * (xschem writes ad='int((nf+1)/2) * W/nf * 0.29'): each pass evaluates
 * what it can with the others in scope, until nothing changes. */
static int eval_instance_params(reader *r, const sline *l, const inst_ctx *ctx, netlist_device *d,
                                int first, raw_param *p, int n)
{
    penv local = {ctx->env, NULL, NULL, 0, 0};
    int left = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        const char *tok = l->tok[first + i];
        const char *eq = strchr(tok, '=');
        char *written = su_strndup(tok, (size_t)(eq - tok));
        netlist_canonical_param(d, written, p[i].name, sizeof p[i].name);
        free(written);
        p[i].text = eq + 1;
        /* the placeholder nf=ZZZ is apply_nf's; it is no number in scope */
        p[i].done = netlist_is_mos(d) && strcmp(p[i].name, "nf") == 0 && is_placeholder_nf(p[i].text);
        left += !p[i].done;
    }
    while (left > 0 && !rc) {
        int progress = 0;
        for (int i = 0; i < n; i++) {
            if (p[i].done) continue;
            double v;
            if (eval_value(r, l, &local, p[i].text, p[i].name, &v) != 0) continue;
            p[i].value = v;
            p[i].done = 1;
            progress = 1;
            left--;
            penv_set(&local, p[i].name, v);
        }
        if (!progress) {
            /* report the first one left, evaluated once more for its error */
            for (int i = 0; i < n; i++)
                if (!p[i].done) {
                    double v;
                    rc = eval_value(r, l, &local, p[i].text, p[i].name, &v);
                    break;
                }
        } else {
            halo_err_clear(r->err);
        }
    }
    penv_free(&local);
    return rc;
}

/* NAME=VALUE params of a device.  Geometry becomes µm (device_units says
 * from what); a W or L must be positive and finite. */
static int apply_params(reader *r, const sline *l, const inst_ctx *ctx, int dev, int first)
{
    netlist_device *d = &r->nl->devs[dev];
    int n = l->ntok - first;
    raw_param *p = halo_xcalloc((size_t)(n > 0 ? n : 1), sizeof *p);
    int rc = 0;
    for (int t = first; t < l->ntok && !rc; t++) {
        const char *eq = strchr(l->tok[t], '=');
        if (!eq || eq == l->tok[t]) rc = fail_tok(r, l, HALO_E_SPC_PARAM, l->tok[t], NULL);
    }
    if (!rc) rc = eval_instance_params(r, l, ctx, d, first, p, n);
    double um_per_unit = 1.0;
    if (!rc) rc = device_units(r, l, d, p, n, &um_per_unit);
    for (int i = 0; i < n && !rc; i++) {
        d = &r->nl->devs[dev];
        if (netlist_is_mos(d) && strcmp(p[i].name, "nf") == 0) {
            rc = apply_nf(r, l, ctx, d, p[i].text);
            continue;
        }
        double v = p[i].value;
        int dim = netlist_param_dim(d, p[i].name);
        if ((strcmp(p[i].name, "W") == 0 || strcmp(p[i].name, "L") == 0) && dim != NETLIST_DIM_NONE &&
            !(v > 0 && isfinite(v))) {
            char why[200];
            snprintf(why, sizeof why, "%s=%s must be a positive finite length", p[i].name, clip(r, p[i].text));
            rc = halo_err_set(r->err, HALO_E_SPC_UNITS, line_file(r, l), l->line, clip(r, d->name), why);
            break;
        }
        if (dim == NETLIST_DIM_LENGTH) v = round_um(v * um_per_unit);
        else if (dim == NETLIST_DIM_AREA) v = v * um_per_unit * um_per_unit;
        if (strcmp(p[i].name, "m") == 0) v *= ctx->mult;
        netlist_param_set(d, p[i].name, v);
    }
    free(p);
    if (rc) return rc;
    d = &r->nl->devs[dev];
    if (netlist_is_mos(d)) d->wmode = r->opts->wmode;
    if (ctx->mult != 1.0 && !netlist_param_find(d, "m")) netlist_param_set(d, "m", ctx->mult);
    return 0;
}

/* An M, R or C element (or an unknown X) naming one of the PDK's
 * subcircuits -- unless the file declares a .model of that name. */
static int is_pdk_subckt(const reader *r, const char *model)
{
    const char *prefix = r->opts->subckt_prefix;
    return prefix && *prefix && su_has_prefix_ci(model, prefix) && su_map_get(&r->models, model) < 0;
}

/* Index of the first NAME=VALUE token from start. */
static int first_kv(const sline *l, int start)
{
    int t = start;
    while (t < l->ntok && !is_kv(l->tok[t])) t++;
    return t;
}

static int elem_mos(reader *r, const inst_ctx *ctx, const sline *l)
{
    int kv = first_kv(l, 1);
    if (kv != 6) return fail_tok(r, l, HALO_E_SPC_NODES, l->tok[0], "4 nodes (d g s b) and a model");
    const char *model = l->tok[5];
    int mt = su_map_get(&r->models, model);
    netlist_devtype type;
    /* the PDK's transistors are subcircuits: ngspice runs them as X */
    char element = is_pdk_subckt(r, model) ? 'X' : 'M';
    if (element == 'X') {
        /* as an X instance only the model's name says what the device is
         * (and what it reads back as): it must name a transistor */
        if (spice_model_type(model, &type) != 0 || (type != NL_NMOS && type != NL_PMOS)) {
            char why[300];
            if (spice_model_type(model, &type) != 0)
                snprintf(why, sizeof why, "%s names %s, a PDK subcircuit halo does not know as a transistor "
                         "(its name says neither nfet nor pfet)", l->tok[0], model);
            else
                snprintf(why, sizeof why, "%s names %s, a %s model, on an M element", l->tok[0], model,
                         netlist_devtype_name(type));
            return fail_at(r, l, HALO_E_SPC_SYNTAX, why, NULL);
        }
    } else if (mt == NL_NMOS || mt == NL_PMOS) {
        type = (netlist_devtype)mt;
    } else if (spice_model_type(model, &type) != 0 || (type != NL_NMOS && type != NL_PMOS)) {
        type = (tolower((unsigned char)model[0]) == 'p') ? NL_PMOS : NL_NMOS;
    }
    int dev, rc = new_device(r, ctx, l, type, element, model, &dev);
    if (rc) return rc;
    static const char *roles[4] = {"D", "G", "S", "B"};
    for (int i = 0; i < 4; i++)
        if (connect(r, l, ctx, dev, roles[i], l->tok[1 + i])) return r->err->id;
    return apply_params(r, l, ctx, dev, 6);
}

/* Pin roles of a PDK device instance by its type and node count. */
static const char *pdk_pin_role(netlist_devtype type, int i, int n)
{
    static const char *mos[] = {"D", "G", "S", "B"};
    static const char *bjt[] = {"C", "B", "E", "SUB"};
    static const char *two[] = {"P", "N", "B"};
    switch (type) {
    case NL_NMOS: case NL_PMOS: return i < 4 ? mos[i] : "X";
    case NL_NPN: case NL_PNP:   return i < 4 ? bjt[i] : "X";
    case NL_RES: case NL_CAP: case NL_IND: return i < 3 ? two[i] : "X";
    case NL_OTHER: return (n == 2 && i < 2) ? two[i] : "X";
    default: return "X";
    }
}

static int elaborate_body(reader *r, inst_ctx *ctx);

static int instantiate_subckt(reader *r, const inst_ctx *ctx, const sline *l, int sub, int nnodes, int kv)
{
    const subckt *sc = &r->subs[sub];
    int nports = sc->first_param_tok - sc->first_port_tok;
    for (int i = 1; i <= nnodes; i++)
        if (check_name(r, l, "node", l->tok[i])) return r->err->id;
    if (check_name(r, l, "instance", l->tok[0])) return r->err->id;
    if (nnodes != nports)
        return halo_err_set(r->err, HALO_E_SPC_PORTS, line_file(r, l), l->line, clip(r, l->tok[0]), nnodes, clip(r, sc->name), nports);
    if (ctx->depth + 1 >= SPICE_MAX_NESTING)
        return halo_err_set(r->err, HALO_E_SPC_TOODEEP, line_file(r, l), l->line, SPICE_MAX_NESTING, clip(r, l->tok[0]));
    /* recursion: ctx->chain is "|top|a|b|", the subcircuits being expanded */
    if (ctx->chain) {
        char *needle = halo_xmalloc(strlen(sc->name) + 3);
        sprintf(needle, "|%s|", sc->name);
        int loop = strstr(ctx->chain, needle) != NULL;
        free(needle);
        if (loop)
            return halo_err_set(r->err, HALO_E_SPC_RECURSION, line_file(r, l), l->line, clip(r, sc->name), clip(r, l->tok[0]));
    }
    penv env = {&r->global_env, NULL, NULL, 0, 0};
    int rc = 0;
    double mult = ctx->mult;
    /* defaults of the .subckt line, overridden by the instance */
    const sline *def = &r->lines[sc->def_line];
    rc = eval_param_line(r, def, &env, sc->first_param_tok);
    for (int t = kv; !rc && t < l->ntok; t++) {
        const char *eq = strchr(l->tok[t], '=');
        if (!eq || eq == l->tok[t]) {
            rc = fail_tok(r, l, HALO_E_SPC_PARAM, l->tok[t], NULL);
            break;
        }
        char *name = su_strndup(l->tok[t], (size_t)(eq - l->tok[t]));
        double v;
        rc = eval_value(r, l, ctx->env, eq + 1, name, &v);
        if (!rc && su_casecmp(name, "m") == 0) mult *= v;
        else if (!rc) penv_set(&env, name, v);
        free(name);
    }
    char **actual = halo_xcalloc((size_t)(nports ? nports : 1), sizeof *actual);
    for (int i = 0; i < nports; i++) actual[i] = flat_node(r, ctx, l->tok[1 + i]);
    char *prefix = halo_xmalloc(strlen(ctx->prefix) + strlen(l->tok[0]) + 2);
    sprintf(prefix, "%s%s/", ctx->prefix, l->tok[0]);
    char *chain = halo_xmalloc((ctx->chain ? strlen(ctx->chain) : 1) + strlen(sc->name) + 3);
    sprintf(chain, "%s%s|", ctx->chain ? ctx->chain : "|", sc->name);
    inst_ctx child = {sc, actual, prefix, &env, mult, ctx->depth + 1, chain};
    if (!rc) rc = elaborate_body(r, &child);
    for (int i = 0; i < nports; i++) free(actual[i]);
    free(actual);
    free(prefix);
    free(chain);
    penv_free(&env);
    return rc;
}

static int elem_x(reader *r, const inst_ctx *ctx, const sline *l)
{
    int kv = 1;
    while (kv < l->ntok && !is_kv(l->tok[kv]) && su_casecmp(l->tok[kv], "params:") != 0) kv++;
    if (kv < 3) return fail_tok(r, l, HALO_E_SPC_NODES, l->tok[0], "nodes and a subcircuit name");
    const char *model = l->tok[kv - 1];
    int nnodes = kv - 2;
    int params = kv < l->ntok && su_casecmp(l->tok[kv], "params:") == 0 ? kv + 1 : kv;
    int sub = su_map_get(&r->sub_index, model);
    if (sub >= 0) return instantiate_subckt(r, ctx, l, sub, nnodes, params);
    /* Not defined here: a device model known by its name, or some other
     * sky130 subcircuit (typed "other"); anything else is an error. */
    netlist_devtype type;
    if (spice_model_type(model, &type) != 0) {
        if (!su_has_prefix_ci(model, "sky130_"))
            return halo_err_set(r->err, HALO_E_SPC_NOSUBCKT, line_file(r, l), l->line, clip(r, l->tok[0]), clip(r, model));
        type = NL_OTHER;
    }
    if ((type == NL_NMOS || type == NL_PMOS) && nnodes != 4)
        return fail_tok(r, l, HALO_E_SPC_NODES, l->tok[0], "4 nodes (d g s b) for a transistor");
    int dev, rc = new_device(r, ctx, l, type, 'X', model, &dev);
    if (rc) return rc;
    for (int i = 0; i < nnodes; i++)
        if (connect(r, l, ctx, dev, pdk_pin_role(type, i, nnodes), l->tok[1 + i])) return r->err->id;
    return apply_params(r, l, ctx, dev, params);
}

/* A token meant as a number (a model name never starts like one). */
static int looks_numeric(const char *s)
{
    if (*s == '+' || *s == '-') s++;
    if (*s == '.') s++;
    return isdigit((unsigned char)*s);
}

/* R, C and L: two nodes, then a value and/or a model in either order, then
 * NAME=VALUE params. */
static int elem_passive(reader *r, const inst_ctx *ctx, const sline *l, netlist_devtype type,
                        const char *value_name)
{
    int kv = first_kv(l, 1);
    if (kv < 3) return fail_tok(r, l, HALO_E_SPC_NODES, l->tok[0], "2 nodes");
    const char *model = "";
    const char *value = NULL;
    for (int t = 3; t < kv; t++) {
        if (!value && (looks_numeric(l->tok[t]) || l->tok[t][0] == '{' || l->tok[t][0] == '\''))
            value = l->tok[t];
        else if (!*model) model = l->tok[t];
        else return fail_at(r, l, HALO_E_SPC_SYNTAX, "too many values for a two-terminal element", NULL);
    }
    char element = (char)toupper((unsigned char)l->tok[0][0]);
    if (*model && is_pdk_subckt(r, model)) {
        /* C0 a b sky130_fd_pr__cap_mim_m3_1 w=.. l=..: a PDK subcircuit */
        netlist_devtype mt;
        if (spice_model_type(model, &mt) != 0 || mt != type) {
            /* as an X instance only the model's name says what it is */
            char why[300];
            if (spice_model_type(model, &mt) != 0)
                snprintf(why, sizeof why, "%.20s names %.40s, a PDK subcircuit halo does not know as a %s",
                         l->tok[0], model, netlist_devtype_name(type));
            else
                snprintf(why, sizeof why, "%.20s names %.40s, a %s model, on a %s element", l->tok[0], model,
                         netlist_devtype_name(mt), netlist_devtype_name(type));
            return fail_at(r, l, HALO_E_SPC_SYNTAX, why, NULL);
        }
        element = 'X';
    }
    int dev, rc = new_device(r, ctx, l, type, element, model, &dev);
    if (rc) return rc;
    if (connect(r, l, ctx, dev, "P", l->tok[1])) return r->err->id;
    if (connect(r, l, ctx, dev, "N", l->tok[2])) return r->err->id;
    if (value) {
        double v;
        rc = eval_value(r, l, ctx->env, value, value_name, &v);
        if (rc) return rc;
        netlist_param_set(&r->nl->devs[dev], value_name, v);
    }
    return apply_params(r, l, ctx, dev, kv);
}

static int elem_bjt(reader *r, const inst_ctx *ctx, const sline *l)
{
    int kv = first_kv(l, 1);
    int last = kv - 1;
    double area = 0;
    int has_area = last >= 1 && eng_parse(l->tok[last], &area) == 0;
    if (has_area) last--;
    int nnodes = last - 1;
    if (nnodes < 3 || nnodes > 4) return fail_tok(r, l, HALO_E_SPC_NODES, l->tok[0], "3 or 4 nodes and a model");
    const char *model = l->tok[last];
    /* a number there would be read as the area when written back */
    if (looks_numeric(model)) {
        char why[300];
        snprintf(why, sizeof why, "%.20s: model \"%.20s\" is a number (a BJT is Q C B E [SUB] MODEL [AREA])",
                 l->tok[0], model);
        return fail_at(r, l, HALO_E_SPC_SYNTAX, why, NULL);
    }
    int mt = su_map_get(&r->models, model);
    netlist_devtype type = mt == NL_PNP ? NL_PNP : NL_NPN;
    if (mt < 0 && su_contains_ci(model, "pnp")) type = NL_PNP;
    int dev, rc = new_device(r, ctx, l, type, 'Q', model, &dev);
    if (rc) return rc;
    static const char *roles[4] = {"C", "B", "E", "SUB"};
    for (int i = 0; i < nnodes; i++)
        if (connect(r, l, ctx, dev, roles[i], l->tok[1 + i])) return r->err->id;
    if (has_area) netlist_param_set(&r->nl->devs[dev], "area", area);
    return apply_params(r, l, ctx, dev, kv);
}

static int elem_diode(reader *r, const inst_ctx *ctx, const sline *l)
{
    int kv = first_kv(l, 1);
    if (kv < 4 || kv > 5) return fail_tok(r, l, HALO_E_SPC_NODES, l->tok[0], "2 nodes and a model");
    int dev, rc = new_device(r, ctx, l, NL_OTHER, 'D', l->tok[3], &dev);
    if (rc) return rc;
    if (connect(r, l, ctx, dev, "P", l->tok[1])) return r->err->id;
    if (connect(r, l, ctx, dev, "N", l->tok[2])) return r->err->id;
    if (kv == 5) {
        double area;
        rc = eval_value(r, l, ctx->env, l->tok[4], "area", &area);
        if (rc) return rc;
        netlist_param_set(&r->nl->devs[dev], "area", area);
    }
    return apply_params(r, l, ctx, dev, kv);
}

/* V and I: [DC] value, AC mag [phase], and a transient function kept as
 * text ("PULSE(0 1.8 1n ...)"). */
static int elem_source(reader *r, const inst_ctx *ctx, const sline *l, netlist_devtype type)
{
    if (l->ntok < 3) return fail_tok(r, l, HALO_E_SPC_NODES, l->tok[0], "2 nodes");
    int dev, rc = new_device(r, ctx, l, type, (char)toupper((unsigned char)l->tok[0][0]), "", &dev);
    if (rc) return rc;
    if (connect(r, l, ctx, dev, "P", l->tok[1])) return r->err->id;
    if (connect(r, l, ctx, dev, "N", l->tok[2])) return r->err->id;
    for (int t = 3; t < l->ntok && !rc; t++) {
        const char *tok = l->tok[t];
        double v;
        if (su_casecmp(tok, "dc") == 0 && t + 1 < l->ntok) {
            rc = eval_value(r, l, ctx->env, l->tok[++t], "dc", &v);
            if (!rc) netlist_param_set(&r->nl->devs[dev], "dc", v);
        } else if (su_casecmp(tok, "ac") == 0) {
            double mag = 1;
            if (t + 1 < l->ntok && eval_value(r, l, ctx->env, l->tok[t + 1], "ac", &mag) == 0) t++;
            halo_err_clear(r->err);
            netlist_param_set(&r->nl->devs[dev], "ac", mag);
            if (t + 1 < l->ntok && eng_parse(l->tok[t + 1], &v) == 0) {
                netlist_param_set(&r->nl->devs[dev], "acphase", v);
                t++;
            }
        } else if (strchr(tok, '(')) {
            netlist_param_set_text(&r->nl->devs[dev], "tran", tok);
        } else if (is_kv(tok)) {
            rc = apply_params(r, l, ctx, dev, t);
            break;
        } else {
            rc = eval_value(r, l, ctx->env, tok, "dc", &v);
            if (!rc) netlist_param_set(&r->nl->devs[dev], "dc", v);
        }
    }
    return rc;
}

/* Node and model names are single words.  The tokenizer keeps a
 * parenthesised group whole (a source's PULSE(0 1 1n)), so "(a b)" is one
 * token: in a name's place it is no name, and written back it would not
 * read as one.  A {expression} or 'expression' value may hold spaces. */
static int check_words(reader *r, const sline *l)
{
    char e = (char)tolower((unsigned char)l->tok[0][0]);
    if (e == 'v' || e == 'i') return 0;
    for (int t = 1; t < l->ntok && !is_kv(l->tok[t]); t++) {
        const char *s = l->tok[t];
        if (s[0] == '{' || s[0] == '\'') continue;
        for (const char *c = s; *c; c++)
            if (isspace((unsigned char)*c)) {
                char why[300];
                snprintf(why, sizeof why, "%s: \"%.120s\" is not a node or model name (a name is one word)",
                         l->tok[0], s);
                return fail_at(r, l, HALO_E_SPC_SYNTAX, why, NULL);
            }
    }
    return 0;
}

static int elaborate_element(reader *r, inst_ctx *ctx, const sline *l)
{
    int rc = check_words(r, l);
    if (rc) return rc;
    switch (tolower((unsigned char)l->tok[0][0])) {
    case 'm': return elem_mos(r, ctx, l);
    case 'x': return elem_x(r, ctx, l);
    case 'r': return elem_passive(r, ctx, l, NL_RES, "r");
    case 'c': return elem_passive(r, ctx, l, NL_CAP, "c");
    case 'l': return elem_passive(r, ctx, l, NL_IND, "l");
    case 'q': return elem_bjt(r, ctx, l);
    case 'd': return elem_diode(r, ctx, l);
    case 'v': return elem_source(r, ctx, l, NL_VSRC);
    case 'i': return elem_source(r, ctx, l, NL_ISRC);
    default:  return fail_tok(r, l, HALO_E_SPC_ELEMENT, l->tok[0], NULL);
    }
}

/* A cell's .params first (SPICE scoping does not depend on their place in
 * the body), then its elements in order. */
static int elaborate_body(reader *r, inst_ctx *ctx)
{
    const int *body = ctx->sc ? ctx->sc->body : r->top_body;
    int n = ctx->sc ? ctx->sc->nbody : r->ntop;
    for (int i = 0; i < n; i++) {
        const sline *l = &r->lines[body[i]];
        if (l->tok[0][0] != '.' || !ctx->sc) continue;
        int rc = eval_param_line(r, l, ctx->env, 1);
        if (rc) return rc;
    }
    for (int i = 0; i < n; i++) {
        const sline *l = &r->lines[body[i]];
        if (l->tok[0][0] == '.') continue;
        int rc = elaborate_element(r, ctx, l);
        if (rc) return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------- top */

static int is_instantiated(const reader *r, const subckt *candidate)
{
    for (int s = 0; s < r->nsubs; s++) {
        const subckt *sc = &r->subs[s];
        for (int i = 0; i < sc->nbody; i++) {
            const sline *l = &r->lines[sc->body[i]];
            if (tolower((unsigned char)l->tok[0][0]) != 'x' || sc == candidate) continue;
            for (int t = 1; t < l->ntok; t++)
                if (su_casecmp(l->tok[t], candidate->name) == 0) return 1;
        }
    }
    return 0;
}

static int has_top_elements(const reader *r)
{
    for (int i = 0; i < r->ntop; i++)
        if (r->lines[r->top_body[i]].tok[0][0] != '.') return 1;
    return 0;
}

static void list_subckts(const reader *r, su_buf *b, int only_uninstantiated)
{
    int first = 1;
    for (int s = 0; s < r->nsubs; s++) {
        if (only_uninstantiated && is_instantiated(r, &r->subs[s])) continue;
        su_buf_printf(b, "%s%s", first ? "" : ", ", r->subs[s].name);
        first = 0;
    }
    if (first) su_buf_add(b, "none");
}

/* The subcircuit to flatten: -top, else the only one nothing instantiates;
 * -1 means the file's top-level elements are the design. */
static int choose_top(reader *r, const char *source, int *top)
{
    su_buf b = {0};
    if (r->opts->top) {
        *top = su_map_get(&r->sub_index, r->opts->top);
        if (*top >= 0) return 0;
        su_buf_printf(&b, "No subcircuit named \"%s\"; the file defines: ", r->opts->top);
        list_subckts(r, &b, 0);
        su_buf_add(&b, ".");
    } else if (has_top_elements(r)) {
        *top = -1;
        return 0;
    } else {
        int found = -1, n = 0;
        for (int s = 0; s < r->nsubs; s++)
            if (!is_instantiated(r, &r->subs[s])) found = s, n++;
        if (n == 1) {
            *top = found;
            return 0;
        }
        if (r->nsubs == 0) return halo_err_set(r->err, HALO_E_SPC_EMPTY, source, 0);
        su_buf_add(&b, "Several subcircuits could be the design (");
        list_subckts(r, &b, 1);
        su_buf_add(&b, "); choose one with -top.");
    }
    halo_err_set(r->err, HALO_E_SPC_TOP, source, 0, b.s);
    su_buf_free(&b);
    return r->err->id;
}

static int elaborate_top(reader *r, int top)
{
    int rc = 0;
    for (int i = 0; i < r->ntop && !rc; i++) {
        const sline *l = &r->lines[r->top_body[i]];
        if (su_casecmp(l->tok[0], ".param") == 0) rc = eval_param_line(r, l, &r->global_env, 1);
    }
    if (rc) return rc;
    if (top < 0) {
        inst_ctx ctx = {NULL, NULL, "", &r->global_env, 1.0, 0, NULL};
        return elaborate_body(r, &ctx);
    }
    const subckt *sc = &r->subs[top];
    const sline *def = &r->lines[sc->def_line];
    int nports = sc->first_param_tok - sc->first_port_tok;
    free(r->nl->name);
    r->nl->name = su_strdup(sc->name);
    for (int p = 0; p < nports; p++) {
        int net = netlist_net_get(r->nl, def->tok[sc->first_port_tok + p]);
        netlist_add_port(r->nl, net);
        r->nl->nets[net].role = netlist_guess_netrole(r->nl->nets[net].name, 1);
    }
    penv env = {&r->global_env, NULL, NULL, 0, 0};
    rc = eval_param_line(r, def, &env, sc->first_param_tok);
    char **actual = halo_xcalloc((size_t)(nports ? nports : 1), sizeof *actual);
    for (int p = 0; p < nports; p++) actual[p] = su_strdup(def->tok[sc->first_port_tok + p]);
    char *chain = halo_xmalloc(strlen(sc->name) + 3);
    sprintf(chain, "|%s|", sc->name);
    inst_ctx ctx = {sc, actual, "", &env, 1.0, 0, chain};
    if (!rc) rc = elaborate_body(r, &ctx);
    for (int p = 0; p < nports; p++) free(actual[p]);
    free(actual);
    free(chain);
    penv_free(&env);
    return rc;
}

static void reader_free(reader *r)
{
    for (int i = 0; i < r->nlines; i++) free_line(&r->lines[i]);
    free(r->lines);
    for (int i = 0; i < r->nfiles; i++) free(r->files[i]);
    free(r->files);
    for (int i = 0; i < r->nsubs; i++) {
        free(r->subs[i].name);
        free(r->subs[i].body);
    }
    free(r->subs);
    su_map_free(&r->sub_index);
    free(r->top_body);
    for (int i = 0; i < r->nglobals; i++) free(r->globals[i]);
    free(r->globals);
    su_map_free(&r->models);
    penv_free(&r->global_env);
}

/* Read text into lines and build the subcircuit structure (passes 1-2). */
static int reader_open(reader *r, const char *text, size_t len, const char *name, const spice_read_opts *opts,
                       halo_err *err)
{
    memset(r, 0, sizeof *r);
    r->opts = opts;
    r->err = err;
    su_map_init(&r->sub_index, 1);
    su_map_init(&r->models, 1);
    int file = add_file_name(r, name ? name : "(text)");
    int rc = read_text_lines(r, text, len, file, 0);
    if (!rc) rc = build_structure(r);
    return rc;
}

netlist *spice_read_text(const char *text, size_t len, const char *name,
                         const spice_read_opts *opts, halo_err *err)
{
    static const spice_read_opts defaults = {.wmode = NETLIST_W_TOTAL};
    reader r;
    int rc = reader_open(&r, text, len, name, opts ? opts : &defaults, err);
    int top = -1;
    if (!rc) rc = choose_top(&r, r.files[0], &top);
    if (!rc) {
        char *dname = su_name_from_path(r.files[0], 0);
        r.nl = netlist_new(dname);
        free(dname);
        free(r.nl->source);
        r.nl->source = su_strdup(r.files[0]);
        rc = elaborate_top(&r, top);
    }
    if (!rc && r.nl->ndevs == 0) rc = halo_err_set(err, HALO_E_SPC_EMPTY, r.files[0], 0);
    netlist *nl = r.nl;
    if (rc) {
        netlist_free(nl);
        nl = NULL;
    }
    reader_free(&r);
    return nl;
}

int spice_subckt_ports(const char *text, size_t len, const char *name, const char *subckt, int *nports, int *line,
                       halo_err *err)
{
    static const spice_read_opts opts = {.wmode = NETLIST_W_TOTAL, .skip_include = 1};
    reader r;
    int rc = reader_open(&r, text, len, name, &opts, err);
    *nports = -1;
    *line = 0;
    int s = rc ? -1 : su_map_get(&r.sub_index, subckt);
    if (s >= 0) {
        *nports = r.subs[s].first_param_tok - r.subs[s].first_port_tok;
        *line = r.lines[r.subs[s].def_line].line;
    }
    reader_free(&r);
    return rc;
}

netlist *spice_read_file(const char *path, const spice_read_opts *opts, halo_err *err)
{
    size_t len;
    char *text = halo_read_file(path, &len, err, NULL, 0);
    if (!text) return NULL;
    netlist *nl = spice_read_text(text, len, path, opts, err);
    free(text);
    return nl;
}
