/*
 * testbench.c -- reading testbench templates, generating the built-in
 * ones, and composing simulation decks.  See testbench.h for the rules.
 */
#include "testbench.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/eng.h"
#include "base/fileio.h"
#include "netlist/spice.h"
#include "base/strutil.h"

#define TB_DEFAULT_SWEEP "ac dec 50 1k 1G"
#define TB_PLACEHOLDER "{{SKY130_LIB}}"

/* A message of the table whose "%s" body is itself formatted here. */
static int tb_fail(halo_err *err, halo_msg_id id, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int tb_fail(halo_err *err, halo_msg_id id, const char *file, int line, const char *fmt, ...)
{
    char body[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return halo_err_set(err, id, file, line, body);
}

static const char *const type_names[] = {"OpampTestbench", "FilterTestbench"};

const char *testbench_type_name(tb_type t)
{
    return type_names[t == TB_FILTER ? 1 : 0];
}

static int type_parse(const char *s, tb_type *t)
{
    for (int i = 0; i < 2; i++)
        if (su_casecmp(s, type_names[i]) == 0) {
            *t = (tb_type)i;
            return 0;
        }
    return -1;
}

int testbench_is_builtin(const char *name)
{
    tb_type t;
    return type_parse(name, &t) == 0;
}

void testbench_builtin_defaults(tb_builtin_opts *o)
{
    o->vdd = 1.8;
    o->vin_dc = 0.9;
    o->cl = 1e-12;
    o->ibias = 10e-6;
    o->vbias = 0.9;
}

void testbench_free(testbench *tb)
{
    if (!tb) return;
    for (int i = 0; i < tb->nlines; i++) free(tb->lines[i]);
    for (int i = 0; i < tb->ncontrol; i++) free(tb->control[i]);
    free(tb->lines);
    free(tb->lineno);
    free(tb->control);
    free(tb->name);
    free(tb->source);
    free(tb->output);
    free(tb->ac_sweep);
    free(tb->fault);
    free(tb->models_line);
    free(tb->dut_name);
    for (int i = 0; i < tb->ndut_ports; i++) free(tb->dut_ports[i]);
    free(tb->dut_ports);
    free(tb);
}

/* ------------------------------------------------------------ tokens */

typedef struct toks {
    char **v;
    int n, cap;
} toks;

/* Split on blanks; "quoted" tokens keep their quotes. */
static void tokenize(const char *s, toks *t)
{
    t->n = 0;
    while (*s) {
        while (*s && isspace((unsigned char)*s)) s++;
        if (!*s) break;
        const char *b = s;
        if (*s == '"') {
            s++;
            while (*s && *s != '"') s++;
            if (*s) s++;
        } else {
            while (*s && !isspace((unsigned char)*s)) s++;
        }
        su_grow((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v);
        t->v[t->n++] = su_strndup(b, (size_t)(s - b));
    }
}

static void toks_free(toks *t)
{
    for (int i = 0; i < t->cap && i < t->n; i++) free(t->v[i]);
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

static void toks_clear(toks *t)
{
    for (int i = 0; i < t->n; i++) free(t->v[i]);
    t->n = 0;
}

/* The subcircuit an X line instantiates: its last token without '='. */
static int x_subckt_index(const toks *t)
{
    for (int i = t->n - 1; i > 0; i--)
        if (!strchr(t->v[i], '=')) return i;
    return -1;
}

/* ------------------------------------------------------------ parsing */

typedef struct parse_ctx {
    testbench *tb;
    const char *name;
    char dir[1024];      /* template's directory, "" for none */
    halo_err *err;
    int sub_depth;       /* .subckt nesting of the line being read */
    int sub_at;          /* index in lines of the open top-level .subckt */
    int sub_lineno;      /* its source line */
    char *ctl_output;    /* first v(NODE) of a write/print/wrdata in .control */
} parse_ctx;

static void add_line(testbench *tb, const char *text, int lineno)
{
    int cap = tb->nlines;   /* grown one by one: templates are small */
    tb->lines = halo_xrealloc(tb->lines, (size_t)(cap + 1) * sizeof *tb->lines);
    tb->lineno = halo_xrealloc(tb->lineno, (size_t)(cap + 1) * sizeof *tb->lineno);
    tb->lines[cap] = su_strdup(text);
    tb->lineno[cap] = lineno;
    tb->nlines = cap + 1;
}

static void add_control(testbench *tb, const char *text)
{
    tb->control = halo_xrealloc(tb->control, (size_t)(tb->ncontrol + 1) * sizeof *tb->control);
    tb->control[tb->ncontrol++] = su_strdup(text);
}

/* "* halo testbench: output=VOUT type=FilterTestbench" */
static int read_directive(parse_ctx *c, const char *line, int lineno)
{
    const char *p = line;
    while (*p == '*' || isspace((unsigned char)*p)) p++;
    if (!su_has_prefix_ci(p, "halo testbench:")) return 0;
    toks t = {0};
    tokenize(p + strlen("halo testbench:"), &t);
    int rc = 0;
    for (int i = 0; i < t.n && rc == 0; i++) {
        char *eq = strchr(t.v[i], '=');
        if (!eq) continue;
        *eq = '\0';
        const char *val = eq + 1;
        if (su_casecmp(t.v[i], "output") == 0) {
            if (!c->tb->output || !*c->tb->output) {
                free(c->tb->output);
                c->tb->output = su_strdup(val);
            }
        } else if (su_casecmp(t.v[i], "fault") == 0) {
            /* a test hook (sim_job.fault): the tests turn it on, no
               testbench can */
            const char *on = getenv("HALO_TEST_FAULTS");
            if (on && strcmp(on, "1") == 0) {
                free(c->tb->fault);
                c->tb->fault = su_strdup(val);
            }
        } else if (su_casecmp(t.v[i], "type") == 0) {
            if (type_parse(val, &c->tb->type) != 0)
                rc = halo_err_set(c->err, HALO_E_TBN_TYPE, c->name, lineno, val);
        }
    }
    toks_free(&t);
    return rc;
}

static int is_analysis(const char *word)
{
    static const char *const names[] = {"ac", "dc", "tran", "noise", "pz", "sens", "tf", "disto",
                                        "sp", "op", NULL};
    for (int i = 0; names[i]; i++)
        if (su_casecmp(word, names[i]) == 0) return 1;
    return 0;
}

/* An analysis (from .control or a dot card without the dot). */
static void take_analysis(parse_ctx *c, const char *line, const char *word)
{
    if (su_casecmp(word, "ac") == 0 && !c->tb->ac_sweep) {
        c->tb->ac_sweep = su_strdup(line);
        return;
    }
    if (su_casecmp(word, "op") != 0) c->tb->ndropped++;
}

/* dir made absolute against the working directory now: the simulation
 * worker that reads the deck runs elsewhere, so a relative .include
 * ("extra.inc" beside "tb.spice") must not depend on where it runs. */
static void absolute_dir(char *dir, size_t size)
{
    char cwd[1024];
    if (dir[0] == '/' || !getcwd(cwd, sizeof cwd)) return;
    char out[2200];
    if (strcmp(dir, ".") == 0) snprintf(out, sizeof out, "%s", cwd);
    else snprintf(out, sizeof out, "%s/%s", cwd, strncmp(dir, "./", 2) == 0 ? dir + 2 : dir);
    if (strlen(out) < size) memcpy(dir, out, strlen(out) + 1);
}

/* The path token of an .include/.lib line without its quotes (malloc'd). */
static char *bare_path(const char *tok)
{
    size_t n = strlen(tok);
    if (n >= 2 && tok[0] == '"' && tok[n - 1] == '"') return su_strndup(tok + 1, n - 2);
    if (n >= 1 && tok[0] == '"') return su_strdup(tok + 1);
    return su_strdup(tok);
}

/* Is the path the PDK's own model library, whatever directory it names? */
static int is_pdk_library(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return su_casecmp(base, "sky130.lib.spice") == 0;
}

/* Make the path of an .include/.lib line absolute against the template. */
static char *absolute_paths(parse_ctx *c, const char *line, const toks *t)
{
    if (t->n < 2 || !c->dir[0]) return su_strdup(line);
    const char *path = t->v[1];
    int quoted = path[0] == '"';
    const char *bare = quoted ? path + 1 : path;
    if (bare[0] == '/' || strstr(bare, "{{")) return su_strdup(line);
    su_buf b = {0};
    su_buf_printf(&b, "%s \"%s/", t->v[0], c->dir);
    su_buf_addn(&b, bare, strlen(bare) - (quoted && bare[0] && bare[strlen(bare) - 1] == '"'));
    su_buf_add(&b, "\"");
    for (int i = 2; i < t->n; i++) su_buf_printf(&b, " %s", t->v[i]);
    return b.s;
}

/* The models line: {{SKY130_LIB}} or a .lib of the PDK's sky130.lib.spice. */
static int take_models_line(parse_ctx *c, const char *line, int lineno)
{
    testbench *tb = c->tb;
    if (tb->lib_at >= 0)
        return tb_fail(c->err, HALO_E_TBN_PARSE, c->name, lineno,
                       "A second models line (%s or a .lib of sky130.lib.spice; the first is on line %d)",
                       TB_PLACEHOLDER, tb->models_lineno);
    tb->lib_at = tb->nlines;
    tb->models_line = su_strdup(line);
    tb->models_lineno = lineno;
    add_line(tb, line, lineno);
    return 0;
}

/* An .include/.lib card: the models line, or a file that must exist. */
static int take_include(parse_ctx *c, const char *line, int lineno, const toks *t, int is_lib)
{
    /* `.lib NAME` alone opens a library section (closed by .endl) */
    if (t->n < 2 || (is_lib && t->n < 3 && t->v[1][0] != '"')) {
        add_line(c->tb, line, lineno);
        return 0;
    }
    char *path = bare_path(t->v[1]);
    if (is_lib && is_pdk_library(path)) {
        free(path);
        return take_models_line(c, line, lineno);
    }
    char *abs = absolute_paths(c, line, t);
    toks at = {0};
    tokenize(abs, &at);
    char *resolved = at.n >= 2 ? bare_path(at.v[1]) : su_strdup(path);
    toks_free(&at);
    struct stat sb;
    int rc = 0;
    if (stat(resolved, &sb) != 0 || S_ISDIR(sb.st_mode)) {
        if (strcmp(resolved, path) == 0)
            rc = tb_fail(c->err, HALO_E_TBN_INCLUDE, c->name, lineno, "The file \"%s\" of %s does not exist",
                         path, t->v[0]);
        else
            rc = tb_fail(c->err, HALO_E_TBN_INCLUDE, c->name, lineno,
                         "The file \"%s\" of %s does not exist (looked for %s)", path, t->v[0], resolved);
    } else {
        add_line(c->tb, abs, lineno);
    }
    free(resolved);
    free(path);
    free(abs);
    return rc;
}

/* An element line whose node list is in parentheses, `x1 (a b c) amp`:
 * the same line without them (malloc'd), NULL when there are none, or
 * NULL with *rc set when the '(' is never closed. */
static char *unparenthesize(parse_ctx *c, const char *line, int lineno, int *rc)
{
    const char *p = line;
    while (*p && !isspace((unsigned char)*p)) p++;   /* the element's name */
    const char *name_end = p;
    while (isspace((unsigned char)*p)) p++;
    if (*p != '(') return NULL;
    const char *close = strchr(p, ')');
    if (!close) {
        *rc = tb_fail(c->err, HALO_E_TBN_PARSE, c->name, lineno,
                      "The node list of %.*s opens '(' and never closes it", (int)(name_end - line), line);
        return NULL;
    }
    su_buf b = {0};
    su_buf_addn(&b, line, (size_t)(name_end - line));
    su_buf_add(&b, " ");
    su_buf_addn(&b, p + 1, (size_t)(close - p - 1));
    su_buf_add(&b, " ");
    su_buf_add(&b, close + 1);
    toks t = {0};
    tokenize(b.s, &t);   /* one blank between tokens */
    su_buf out = {0};
    for (int i = 0; i < t.n; i++) su_buf_printf(&out, "%s%s", i ? " " : "", t.v[i]);
    toks_free(&t);
    su_buf_free(&b);
    return out.s;
}

/* The tokens of a .subckt line after its name that are ports (not params). */
static void subckt_ports(const toks *t, char ***ports, int *nports)
{
    *ports = NULL;
    *nports = 0;
    for (int i = 2; i < t->n; i++) {
        if (strchr(t->v[i], '=') || su_casecmp(t->v[i], "params:") == 0) break;
        *ports = halo_xrealloc(*ports, (size_t)(*nports + 1) * sizeof **ports);
        (*ports)[(*nports)++] = su_strdup(t->v[i]);
    }
}

/* A top-level .ends: when the block was `.subckt NAME PORTS` + `XXX`, it is
 * the placeholder of the design's definition; its lines leave the deck. */
static int close_subckt(parse_ctx *c, const char *line, int lineno)
{
    testbench *tb = c->tb;
    int at = c->sub_at;
    if (tb->nlines != at + 2 || su_casecmp(tb->lines[at + 1], "XXX") != 0) {
        add_line(tb, line, lineno);
        return 0;
    }
    if (tb->dut_name)
        return tb_fail(c->err, HALO_E_TBN_PARSE, c->name, c->sub_lineno,
                       "A second XXX placeholder .subckt (the first is on line %d)", tb->dut_lineno);
    toks t = {0};
    tokenize(tb->lines[at], &t);
    tb->dut_name = su_strdup(t.n > 1 ? t.v[1] : "");
    subckt_ports(&t, &tb->dut_ports, &tb->ndut_ports);
    toks_free(&t);
    tb->dut_lineno = c->sub_lineno;
    tb->dut_at = at;
    for (int i = at; i < tb->nlines; i++) free(tb->lines[i]);
    tb->nlines = at;
    return 0;
}

/* One logical line outside .control. */
static int take_line(parse_ctx *c, const char *line, int lineno, toks *t)
{
    testbench *tb = c->tb;
    toks_clear(t);
    tokenize(line, t);
    if (t->n == 0) return 0;
    const char *w = t->v[0];
    if (strstr(line, TB_PLACEHOLDER)) return take_models_line(c, line, lineno);
    if (w[0] == '.') {
        const char *card = w + 1;
        if (is_analysis(card)) {
            char *bare = su_strdup(line + (strchr(line, '.') - line) + 1);
            take_analysis(c, bare, card);
            free(bare);
            return 0;
        }
        if (su_casecmp(card, "meas") == 0 || su_casecmp(card, "measure") == 0 ||
            su_casecmp(card, "print") == 0 || su_casecmp(card, "plot") == 0 ||
            su_casecmp(card, "save") == 0 || su_casecmp(card, "probe") == 0 ||
            su_casecmp(card, "four") == 0 || su_casecmp(card, "width") == 0) {
            tb->ndropped++;
            return 0;
        }
        if (su_casecmp(card, "include") == 0 || su_casecmp(card, "inc") == 0)
            return take_include(c, line, lineno, t, 0);
        if (su_casecmp(card, "lib") == 0) return take_include(c, line, lineno, t, 1);
        if (su_casecmp(card, "subckt") == 0) {
            if (c->sub_depth++ == 0) {
                c->sub_at = tb->nlines;
                c->sub_lineno = lineno;
            }
            add_line(tb, line, lineno);
            return 0;
        }
        if (su_casecmp(card, "ends") == 0 && c->sub_depth > 0) {
            if (--c->sub_depth == 0) return close_subckt(c, line, lineno);
            add_line(tb, line, lineno);
            return 0;
        }
    } else if (isalpha((unsigned char)w[0])) {
        int rc = 0;
        char *plain = unparenthesize(c, line, lineno, &rc);
        if (rc) return rc;
        if (plain) {
            add_line(tb, plain, lineno);
            free(plain);
            return 0;
        }
    }
    add_line(tb, line, lineno);
    return 0;
}

/* The first v(NODE) of a write/print/wrdata line of .control: the node
 * OSIRIS's templates write out, taken as the output when nothing else
 * names one. */
static void control_output(parse_ctx *c, const toks *t)
{
    if (c->ctl_output || t->n < 2) return;
    const char *cmd = t->v[0];
    if (su_casecmp(cmd, "write") != 0 && su_casecmp(cmd, "print") != 0 && su_casecmp(cmd, "wrdata") != 0)
        return;
    for (int i = 1; i < t->n; i++) {
        const char *v = t->v[i];
        size_t n = strlen(v);
        if (n > 3 && su_has_prefix_ci(v, "v(") && v[n - 1] == ')') {
            char *node = su_strndup(v + 2, n - 3);
            if (!strpbrk(node, ",()")) {   /* v(a,b) is a difference, not a node */
                c->ctl_output = node;
                return;
            }
            free(node);
        }
    }
}

/* ngspice's inline comments, cut in place: ';' anywhere, '$' at the start
 * or after a blank except in .control (where it names a variable); quotes
 * and braces protect both.  Trailing blanks go too. */
static void strip_inline_comment(char *s, int in_control)
{
    char quote = 0;
    int brace = 0;
    for (char *p = s; *p; p++) {
        if (quote) {
            if (*p == quote) quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == '{') {
            brace++;
        } else if (*p == '}') {
            if (brace) brace--;
        } else if (!brace && (*p == ';' || (*p == '$' && !in_control &&
                                             (p == s || p[-1] == ' ' || p[-1] == '\t')))) {
            *p = '\0';
            break;
        }
    }
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
}

/* A first line that is an .include/.lib card: ngspice reads it as one
 * (OSIRIS's templates open with their .lib line), not as the title. */
static int is_include_card(const char *p)
{
    return (su_has_prefix_ci(p, ".lib") && isspace((unsigned char)p[4])) ||
           (su_has_prefix_ci(p, ".inc") && isspace((unsigned char)p[4])) ||
           (su_has_prefix_ci(p, ".include") && isspace((unsigned char)p[8]));
}

/* Logical lines: '+' continues the previous one.  Calls back per line. */
typedef struct logical {
    su_buf text;
    int lineno;
} logical;

static int flush_line(parse_ctx *c, logical *lg, int *in_control, int *ended, toks *t)
{
    if (lg->text.len == 0) return 0;
    char *line = lg->text.s;
    int lineno = lg->lineno;
    const char *p = line;
    while (isspace((unsigned char)*p)) p++;
    int rc = 0;
    if (*ended) {
        /* after .end nothing counts */
    } else if (*in_control) {
        toks_clear(t);
        tokenize(p, t);
        if (t->n && su_casecmp(t->v[0], ".endc") == 0) {
            *in_control = 0;
        } else if (t->n) {
            control_output(c, t);
            if (is_analysis(t->v[0])) take_analysis(c, p, t->v[0]);
            else if (!c->tb->keep_control) c->tb->ndropped++;
            if (c->tb->keep_control) add_control(c->tb, p);
        }
    } else if (su_has_prefix_ci(p, ".control") && (!p[8] || isspace((unsigned char)p[8]))) {
        *in_control = 1;
    } else if (su_has_prefix_ci(p, ".end") && (!p[4] || isspace((unsigned char)p[4]))) {
        *ended = 1;
    } else if (su_has_prefix_ci(p, ".endc")) {
        rc = tb_fail(c->err, HALO_E_TBN_PARSE, c->name, lineno, ".endc without .control");
    } else {
        rc = take_line(c, p, lineno, t);
    }
    lg->text.len = 0;
    lg->text.s[0] = '\0';
    return rc;
}

testbench *testbench_parse(const char *text, size_t len, const char *name, const char *output,
                           int keep_control, halo_err *err)
{
    testbench *tb = halo_xmalloc(sizeof *tb);
    memset(tb, 0, sizeof *tb);
    tb->name = su_strdup(name);
    tb->lib_at = -1;
    tb->dut_at = -1;
    tb->keep_control = keep_control;
    tb->output = su_strdup(output ? output : "");
    parse_ctx c = {tb, name, "", err, 0, 0, 0, NULL};
    const char *slash = strrchr(name, '/');
    if (slash && (size_t)(slash - name) < sizeof c.dir) {
        memcpy(c.dir, name, (size_t)(slash - name));
        c.dir[slash - name] = '\0';
    } else if (!slash) {
        snprintf(c.dir, sizeof c.dir, ".");
    }
    absolute_dir(c.dir, sizeof c.dir);
    logical lg = {{0}, 0};
    su_buf_add(&lg.text, "");
    toks t = {0};
    int in_control = 0, ended = 0, rc = 0, lineno = 0;
    size_t pos = 0;
    while (pos < len && rc == 0) {
        size_t e = pos;
        while (e < len && text[e] != '\n') e++;
        char *raw = su_strndup(text + pos, e - pos);
        size_t rl = strlen(raw);
        if (rl < e - pos) {
            rc = tb_fail(err, HALO_E_TBN_PARSE, name, lineno + 1, "NUL byte in the file");
            free(raw);
            break;
        }
        while (rl && (raw[rl - 1] == '\r' || raw[rl - 1] == ' ' || raw[rl - 1] == '\t')) raw[--rl] = '\0';
        lineno++;
        pos = e + 1;
        const char *p = raw;
        while (isspace((unsigned char)*p)) p++;
        if (lineno == 1 && !is_include_card(p)) {   /* the title */
            rc = read_directive(&c, raw, lineno);
        } else if (*p == '*') {
            rc = read_directive(&c, p, lineno);
        } else if (*p == '+') {
            if (lg.text.len == 0) {
                rc = tb_fail(err, HALO_E_TBN_PARSE, name, lineno,
                                  "Continuation line '+' with no line to continue");
            } else {
                char *body = su_strdup(p + 1);
                strip_inline_comment(body, in_control);
                if (*body) su_buf_printf(&lg.text, " %s", body);
                free(body);
            }
        } else if (*p) {
            rc = flush_line(&c, &lg, &in_control, &ended, &t);
            char *body = su_strdup(p);
            strip_inline_comment(body, in_control);
            if (*body) {
                su_buf_add(&lg.text, body);
                lg.lineno = lineno;
            }
            free(body);
        }
        free(raw);
    }
    if (rc == 0) rc = flush_line(&c, &lg, &in_control, &ended, &t);
    if (rc == 0 && in_control)
        rc = tb_fail(err, HALO_E_TBN_PARSE, name, lineno, ".control is never closed by .endc");
    if (rc == 0 && c.sub_depth > 0)
        rc = tb_fail(err, HALO_E_TBN_PARSE, name, c.sub_lineno, ".subckt is never closed by .ends");
    su_buf_free(&lg.text);
    toks_free(&t);
    if (rc == 0 && !tb->ac_sweep) tb->ac_sweep = su_strdup(TB_DEFAULT_SWEEP);
    if (rc == 0 && !*tb->output && c.ctl_output) {
        free(tb->output);
        tb->output = c.ctl_output;
        c.ctl_output = NULL;
    }
    free(c.ctl_output);
    if (rc != 0) {
        testbench_free(tb);
        return NULL;
    }
    return tb;
}

testbench *testbench_read(const char *path, const char *output, int keep_control, halo_err *err)
{
    size_t len = 0;
    char *text = halo_read_file(path, &len, err, NULL, 0);
    if (!text) return NULL;
    testbench *tb = testbench_parse(text, len, path, output, keep_control, err);
    free(text);
    if (tb) tb->source = su_strdup(path);
    return tb;
}

/* ------------------------------------------------------------ built-ins */

static void node_name(const netlist *nl, int net, char *out, size_t n)
{
    if (nl->nets[net].role == NL_SUPPLY_NEG) {
        snprintf(out, n, "0");
        return;
    }
    snprintf(out, n, "%s", nl->nets[net].name);
    su_lower(out);
}

/* Is an input port the inverting one?  By name: INN, VINN, INM, VIM, IN-. */
static int is_inverting(const char *name)
{
    size_t n = strlen(name);
    if (su_contains_ci(name, "minus") || strchr(name, '-')) return 1;
    if (su_contains_ci(name, "plus") || strchr(name, '+')) return 0;
    char last = (char)toupper((unsigned char)(n ? name[n - 1] : 0));
    return last == 'N' || last == 'M';
}

/* Does a pmos gate hang on this net (so bias current flows out of it)? */
static int pmos_biased(const netlist *nl, int net)
{
    for (int d = 0; d < nl->ndevs; d++) {
        const netlist_device *dev = &nl->devs[d];
        for (int p = 0; p < dev->npins; p++)
            if (dev->pins[p].net == net && strcmp(dev->pins[p].role, "G") == 0)
                return dev->type == NL_PMOS;
    }
    return 0;
}

testbench *testbench_builtin(const char *type, const netlist *nl, const tb_builtin_opts *o,
                             const char *output, halo_err *err)
{
    tb_type ty;
    if (type_parse(type, &ty) != 0) {
        halo_err_set(err, HALO_E_TBN_TYPE, NULL, 0, type);
        return NULL;
    }
    int inputs[2], ninputs = 0, out = -1, vdd = -1;
    for (int i = 0; i < nl->nports; i++) {
        const netlist_net *n = &nl->nets[nl->ports[i]];
        if (n->role == NL_INPUT_V && ninputs < 2) inputs[ninputs++] = nl->ports[i];
        else if (n->role == NL_INPUT_V) {
            tb_fail(err, HALO_E_TBN_ROLE, NULL, 0,
                         "%s drives at most two input_v ports; write a testbench template for %s.",
                         type, nl->name);
            return NULL;
        }
        if (n->role == NL_OUTPUT_V && out < 0) out = nl->ports[i];
        if (n->role == NL_SUPPLY_POS && vdd < 0) vdd = nl->ports[i];
        if (n->role != NL_INPUT_V && n->role != NL_OUTPUT_V && n->role != NL_SUPPLY_POS &&
            n->role != NL_SUPPLY_NEG && n->role != NL_BIAS_CURRENT && n->role != NL_BIAS_VOLTAGE) {
            if (n->role == NL_UNKNOWN)
                tb_fail(err, HALO_E_TBN_ROLE, NULL, 0,
                        "%s cannot drive port %s of %s: its role is unknown (halo could not guess it from the "
                        "name); give it one with read_testbench %s -roles {%s ROLE}, ROLE one of input_v "
                        "output_v supply_pos supply_neg bias_voltage bias_current, or write a testbench template.",
                        type, n->name, nl->name, type, n->name);
            else
                tb_fail(err, HALO_E_TBN_ROLE, NULL, 0,
                        "%s cannot drive port %s of %s, whose role is %s; give it another with read_testbench "
                        "%s -roles {%s ROLE} (input_v output_v supply_pos supply_neg bias_voltage bias_current) "
                        "or write a testbench template.",
                        type, n->name, nl->name, netlist_netrole_name(n->role), type, n->name);
            return NULL;
        }
    }
    if (ninputs == 0 || (out < 0 && !(output && *output))) {
        tb_fail(err, HALO_E_TBN_ROLE, NULL, 0,
                     "%s needs an input_v port and an output_v port; %s has %s.", type, nl->name,
                     ninputs == 0 ? "no input_v port" : "no output_v port");
        return NULL;
    }
    if (ty == TB_FILTER && ninputs != 1) {
        tb_fail(err, HALO_E_TBN_ROLE, NULL, 0, "FilterTestbench drives one input_v port; %s has two.",
                     nl->name);
        return NULL;
    }
    char node[256], outnode[256], vddnode[256] = "0", a[32], b[32];
    if (vdd >= 0) node_name(nl, vdd, vddnode, sizeof vddnode);   /* bias currents come from it */
    if (output && *output) snprintf(outnode, sizeof outnode, "%s", output);
    else node_name(nl, out, outnode, sizeof outnode);
    su_buf s = {0};
    su_buf_printf(&s, "* halo %s for %s\n", type_names[ty], nl->name);
    su_buf_printf(&s, "* halo testbench: output=%s type=%s\n", outnode, type_names[ty]);
    su_buf_add(&s, ".lib \"" TB_PLACEHOLDER "\" tt\n");
    su_buf_add(&s, "XDUT");
    for (int i = 0; i < nl->nports; i++) {
        node_name(nl, nl->ports[i], node, sizeof node);
        su_buf_printf(&s, " %s", node);
    }
    su_buf_printf(&s, " %s\n", nl->name);
    if (vdd >= 0) {
        node_name(nl, vdd, node, sizeof node);
        eng_format(o->vdd, a);
        su_buf_printf(&s, "VDD %s 0 dc %s\n", node, a);
    }
    int inv = ninputs == 2 ? (is_inverting(nl->nets[inputs[1]].name) ? 1 : 0) : -1;
    int noninv = ninputs == 2 ? 1 - inv : 0;
    node_name(nl, inputs[noninv], node, sizeof node);
    eng_format(o->vin_dc, a);
    su_buf_printf(&s, "VIN %s 0 dc %s ac 1\n", node, a);
    if (ninputs == 2) {
        /* DC: unity-gain feedback sets the operating point; AC from well
         * below 1 Hz: the loop is open (1 GOhm into 1 F: corner 0.16 nHz). */
        node_name(nl, inputs[inv], node, sizeof node);
        su_buf_printf(&s, "RFB %s %s 1G\nCFB %s 0 1\n", outnode, node, node);
    }
    for (int i = 0; i < nl->nports; i++) {
        int net = nl->ports[i];
        node_name(nl, net, node, sizeof node);
        if (nl->nets[net].role == NL_BIAS_CURRENT) {
            eng_format(o->ibias, a);
            if (pmos_biased(nl, net)) su_buf_printf(&s, "I_%s %s 0 dc %s\n", node, node, a);
            else su_buf_printf(&s, "I_%s %s %s dc %s\n", node, vddnode, node, a);
        } else if (nl->nets[net].role == NL_BIAS_VOLTAGE) {
            eng_format(o->vbias, a);
            su_buf_printf(&s, "V_%s %s 0 dc %s\n", node, node, a);
        }
    }
    eng_format(o->cl, b);
    su_buf_printf(&s, "CL %s 0 %s\n", outnode, b);
    su_buf_add(&s, ".control\nop\n" TB_DEFAULT_SWEEP "\n.endc\n.end\n");
    char *text = s.s;
    testbench *tb = testbench_parse(text, strlen(text), type_names[ty], NULL, 0, err);
    su_buf_free(&s);
    if (tb) tb->type = ty;
    return tb;
}

/* -------------------------------------------------------------- decks */

void tb_deck_free(tb_deck *d)
{
    for (int i = 0; i < d->nlines; i++) free(d->lines[i]);
    for (int i = 0; i < d->ncommands; i++) free(d->commands[i]);
    for (int i = 0; i < d->nwant; i++) free(d->want[i]);
    free(d->lines);
    free(d->commands);
    free(d->want);
    free(d->out_vec);
    free(d->supply_vec);
    free(d->fault);
    memset(d, 0, sizeof *d);
}

static void push_models(su_strvec *s, const tb_models *m)
{
    if (m->text) {
        su_strvec_push_lines(s, m->text);
    } else {
        su_buf b = {0};
        su_buf_printf(&b, ".lib \"%s\" %s", m->lib_path, m->corner ? m->corner : "tt");
        su_strvec_push(s, b.s);
    }
}

/* The DC value of a V source line's tokens (after the two nodes). */
static double source_dc(const toks *t)
{
    double v = 0;
    for (int i = 3; i < t->n; i++) {
        if (su_casecmp(t->v[i], "dc") == 0 && i + 1 < t->n) return eng_parse(t->v[i + 1], &v) == 0 ? v : 0;
        if (su_has_prefix_ci(t->v[i], "dc=")) return eng_parse(t->v[i] + 3, &v) == 0 ? v : 0;
        if (i == 3 && eng_parse(t->v[i], &v) == 0) return v;
    }
    return 0;
}

int testbench_check_placeholder(const testbench *tb, const netlist *design, halo_err *err)
{
    if (!tb->dut_name) return 0;
    int same = tb->ndut_ports == design->nports;
    for (int i = 0; same && i < design->nports; i++)
        same = su_casecmp(tb->dut_ports[i], design->nets[design->ports[i]].name) == 0;
    if (su_casecmp(tb->dut_name, design->name) == 0 && same) return 0;
    su_buf a = {0}, b = {0};
    for (int i = 0; i < tb->ndut_ports; i++) su_buf_printf(&a, "%s%s", i ? " " : "", tb->dut_ports[i]);
    for (int i = 0; i < design->nports; i++)
        su_buf_printf(&b, "%s%s", i ? " " : "", design->nets[design->ports[i]].name);
    if (su_casecmp(tb->dut_name, design->name) != 0)
        tb_fail(err, HALO_E_TBN_PLACEHOLDER, tb->name, tb->dut_lineno,
                "The XXX placeholder is .subckt %s but the design is %s (ports %s)", tb->dut_name,
                design->name, b.len ? b.s : "none");
    else
        tb_fail(err, HALO_E_TBN_PLACEHOLDER, tb->name, tb->dut_lineno,
                "The XXX placeholder .subckt %s has ports (%s) but the design has (%s), in this order",
                tb->dut_name, a.len ? a.s : "", b.len ? b.s : "");
    su_buf_free(&a);
    su_buf_free(&b);
    return -1;
}

/* Find the DUT instance; fill its node list.  0 or error. */
static int find_dut(const testbench *tb, const netlist *design, toks *dut, halo_err *err)
{
    if (testbench_check_placeholder(tb, design, err) != 0) return -1;
    toks t = {0};
    su_buf others = {0};
    int found = 0;
    for (int i = 0; i < tb->nlines; i++) {   /* every line: a definition after the instance counts too */
        toks_clear(&t);
        tokenize(tb->lines[i], &t);
        if (t.n == 0) continue;
        if (su_casecmp(t.v[0], ".subckt") == 0 && t.n > 1 && su_casecmp(t.v[1], design->name) == 0) {
            tb_fail(err, HALO_E_TBN_PARSE, tb->name, tb->lineno[i],
                         "The testbench defines .subckt %s itself; halo inserts the design's definition",
                         design->name);
            toks_free(&t);
            su_buf_free(&others);
            return -1;
        }
        if (found || toupper((unsigned char)t.v[0][0]) != 'X') continue;
        int k = x_subckt_index(&t);
        if (k <= 0) continue;
        if (su_casecmp(t.v[k], design->name) != 0) {
            su_buf_printf(&others, "%s%s", others.len ? ", " : "", t.v[k]);
            continue;
        }
        if (k - 1 != design->nports) {
            tb_fail(err, HALO_E_TBN_PARSE, tb->name, tb->lineno[i],
                         "%s connects %d nodes but subcircuit %s has %d ports", t.v[0], k - 1,
                         design->name, design->nports);
            toks_free(&t);
            su_buf_free(&others);
            return -1;
        }
        toks_clear(dut);
        for (int j = 1; j < k; j++) {
            su_grow((void **)&dut->v, &dut->cap, dut->n + 1, sizeof *dut->v);
            dut->v[dut->n++] = su_strdup(t.v[j]);
        }
        found = 1;
    }
    toks_free(&t);
    if (!found) {
        char what[600];
        snprintf(what, sizeof what, "it instantiates %s", others.len ? others.s : "no subcircuit at all");
        halo_err_set(err, HALO_E_TBN_DUT, tb->name, 0, design->name, what);
    }
    su_buf_free(&others);
    return found ? 0 : -1;
}

/* The supply source: a V element whose + node is the DUT's supply_pos. */
static void find_supply(const testbench *tb, const netlist *design, const toks *dut, tb_deck *d)
{
    const char *node = NULL;
    for (int i = 0; i < design->nports && i < dut->n; i++)
        if (design->nets[design->ports[i]].role == NL_SUPPLY_POS) {
            node = dut->v[i];
            break;
        }
    if (!node) return;
    toks t = {0};
    for (int i = 0; i < tb->nlines; i++) {
        toks_clear(&t);
        tokenize(tb->lines[i], &t);
        if (t.n < 3 || toupper((unsigned char)t.v[0][0]) != 'V') continue;
        if (su_casecmp(t.v[1], node) != 0) continue;
        char buf[300];
        snprintf(buf, sizeof buf, "%s#branch", t.v[0]);
        su_lower(buf);
        d->supply_vec = su_strdup(buf);
        d->vdd = source_dc(&t);
        break;
    }
    toks_free(&t);
}

static int is_ground(const char *node)
{
    return strcmp(node, "0") == 0 || su_casecmp(node, "gnd") == 0;
}

/* What a V or I element connects to node: 0 nothing; 1 a source between
 * node and ground (V: *dc its DC value seen from node, *ac whether it has
 * an ac part); 2 an I source on node (any other terminal). */
static int source_on(const toks *t, const char *node, double *dc, int *ac)
{
    if (t->n < 3) return 0;
    char kind = (char)toupper((unsigned char)t->v[0][0]);
    if (kind != 'V' && kind != 'I') return 0;
    int plus = su_casecmp(t->v[1], node) == 0, minus = su_casecmp(t->v[2], node) == 0;
    if (!plus && !minus) return 0;
    if (kind == 'I') return 2;
    if (plus == minus || !is_ground(plus ? t->v[2] : t->v[1])) return 0;
    *dc = source_dc(t) * (plus ? 1 : -1);
    *ac = 0;
    for (int i = 3; i < t->n; i++)
        if (su_casecmp(t->v[i], "ac") == 0 || su_has_prefix_ci(t->v[i], "ac=")) *ac = 1;
    return 1;
}

int testbench_port_roles(const testbench *tb, const netlist *design, netlist_netrole *roles,
                         halo_err *err)
{
    int np = design->nports;
    for (int i = 0; i < np; i++) roles[i] = NL_UNKNOWN;
    toks dut = {0};
    if (find_dut(tb, design, &dut, err) != 0) {
        toks_free(&dut);
        return -1;
    }
    const char *out = tb->output && *tb->output ? tb->output : NULL;
    for (int i = 0; i < np && !out; i++)
        if (design->nets[design->ports[i]].role == NL_OUTPUT_V) out = dut.v[i];
    /* the output node: its port, and the ports fed back from it */
    int outport = -1;
    for (int pass = 0; pass < 4 && out && outport < 0; pass++)
        for (int i = np - 1; i >= 0 && outport < 0; i--) {
            const netlist_net *n = &design->nets[design->ports[i]];
            if (su_casecmp(dut.v[i], out) != 0) continue;
            if ((pass == 0 && n->role == NL_OUTPUT_V) || (pass == 1 && su_casecmp(n->name, out) == 0) ||
                (pass == 2 && n->role == NL_UNKNOWN) || pass == 3)
                outport = i;
        }
    /* the sources on each port's node */
    double *dc = halo_xcalloc((size_t)np + 1, sizeof *dc);
    int *kind = halo_xcalloc((size_t)np + 1, sizeof *kind);   /* 0 none, 1 V dc, 2 V ac, 3 I */
    toks t = {0};
    for (int i = 0; i < np; i++) {
        if (out && su_casecmp(dut.v[i], out) == 0) continue;
        for (int l = 0; l < tb->nlines && !kind[i]; l++) {
            toks_clear(&t);
            tokenize(tb->lines[l], &t);
            double v = 0;
            int ac = 0, k = source_on(&t, dut.v[i], &v, &ac);
            if (k == 1) {
                kind[i] = ac ? 2 : 1;
                dc[i] = v;
            } else if (k == 2) {
                kind[i] = 3;
            }
        }
    }
    toks_free(&t);
    double vmax = 0, vmin = 0;
    for (int i = 0; i < np; i++)
        if (kind[i] == 1) {
            vmax = dc[i] > vmax ? dc[i] : vmax;
            vmin = dc[i] < vmin ? dc[i] : vmin;
        }
    for (int i = 0; i < np; i++) {
        if (out && su_casecmp(dut.v[i], out) == 0) roles[i] = i == outport ? NL_OUTPUT_V : NL_INPUT_V;
        else if (is_ground(dut.v[i])) roles[i] = NL_SUPPLY_NEG;
        else if (kind[i] == 2) roles[i] = NL_INPUT_V;
        else if (kind[i] == 3) roles[i] = NL_BIAS_CURRENT;
        else if (kind[i] == 1 && (dc[i] == 0 || (dc[i] < 0 && dc[i] == vmin))) roles[i] = NL_SUPPLY_NEG;
        else if (kind[i] == 1 && dc[i] > 0 && dc[i] == vmax) roles[i] = NL_SUPPLY_POS;
        else if (kind[i] == 1) roles[i] = NL_BIAS_VOLTAGE;
    }
    free(dc);
    free(kind);
    toks_free(&dut);
    return 0;
}

int testbench_deck(const testbench *tb, const netlist *design, const char *dut_text,
                   const tb_models *models, const char *stage, tb_deck *d, halo_err *err)
{
    memset(d, 0, sizeof *d);
    d->type = tb->type;
    toks dut = {0};
    if (find_dut(tb, design, &dut, err) != 0) {
        toks_free(&dut);
        return -1;
    }
    char out[256] = "";
    if (tb->output && *tb->output) {
        snprintf(out, sizeof out, "%s", tb->output);
    } else {
        for (int i = 0; i < design->nports && i < dut.n; i++)
            if (design->nets[design->ports[i]].role == NL_OUTPUT_V) {
                snprintf(out, sizeof out, "%s", dut.v[i]);
                break;
            }
    }
    if (!out[0]) {
        tb_fail(err, HALO_E_TBN_OUTPUT, tb->name, 0,
                     "no_output_port: the testbench names no output node and no port of the design "
                     "has role output_v; give read_testbench -output NODE.");
        toks_free(&dut);
        return -1;
    }
    su_lower(out);
    d->out_vec = su_strdup(out);
    find_supply(tb, design, &dut, d);
    toks_free(&dut);

    su_strvec L = {0};
    su_buf title = {0};
    su_buf_printf(&title, "* halo %s deck: testbench %s, design %s, %s", stage, tb->name, design->name,
                  models->label ? models->label : "models");
    su_strvec_push(&L, title.s);
    if (tb->lib_at < 0) push_models(&L, models);
    if (tb->dut_at < 0) su_strvec_push_lines(&L, dut_text);
    for (int i = 0; i < tb->nlines; i++) {
        if (i == tb->dut_at) su_strvec_push_lines(&L, dut_text);   /* where the XXX placeholder stood */
        if (i == tb->lib_at) push_models(&L, models);
        else su_strvec_push(&L, su_strdup(tb->lines[i]));
    }
    if (tb->dut_at >= tb->nlines) su_strvec_push_lines(&L, dut_text);
    if (tb->keep_control && tb->ncontrol) {
        su_strvec_push(&L, su_strdup(".control"));
        for (int i = 0; i < tb->ncontrol; i++) su_strvec_push(&L, su_strdup(tb->control[i]));
        su_strvec_push(&L, su_strdup(".endc"));
    }
    d->fault = tb->fault ? su_strdup(tb->fault) : NULL;
    su_strvec_push(&L, su_strdup(".end"));
    d->lines = L.v;
    d->nlines = L.n;

    su_strvec C = {0};
    su_strvec_push(&C, su_strdup("op"));
    su_strvec_push(&C, su_strdup("ac lin 1 1 1"));
    su_strvec_push(&C, su_strdup(tb->ac_sweep));
    d->commands = C.v;
    d->ncommands = C.n;

    su_strvec W = {0};
    su_strvec_push(&W, su_strdup("frequency"));
    su_strvec_push(&W, su_strdup(d->out_vec));
    if (d->supply_vec) su_strvec_push(&W, su_strdup(d->supply_vec));
    d->want = W.v;
    d->nwant = W.n;
    return 0;
}

char *testbench_deck_text(const tb_deck *d)
{
    su_buf b = {0};
    for (int i = 0; i < d->nlines - 1; i++) su_buf_printf(&b, "%s\n", d->lines[i]);
    const char *o = d->out_vec;
    su_buf_add(&b, ".control\nset numdgt=12\n");
    su_buf_add(&b, "* the same analyses halo runs in-process, with its metric definitions\n");
    su_buf_printf(&b, "%s\nlet halo_vout_dc_V = v(%s)\nprint halo_vout_dc_V\n", d->commands[0], o);
    if (d->supply_vec) {
        su_buf_printf(&b, "let halo_vdd_current_A = %s\nprint halo_vdd_current_A\n", d->supply_vec);
    }
    su_buf_printf(&b, "%s\nlet halo_dc_gain_dB = vdb(%s)\nprint halo_dc_gain_dB\n", d->commands[1], o);
    su_buf_add(&b, "let halo_g3 = halo_dc_gain_dB - 3\nset halo_g3 = \"$&halo_g3\"\n");
    su_buf_printf(&b, "%s\n", d->commands[2]);
    su_buf_printf(&b, "let halo_ph = cph(%s)\n", o);
    su_buf_printf(&b, "meas ac halo_ugf_Hz when vdb(%s)=0\n", o);
    su_buf_printf(&b, "meas ac halo_phase_rad find halo_ph when vdb(%s)=0\n", o);
    su_buf_add(&b, "let halo_phase_at_ugf_deg = halo_phase_rad * 180 / pi\nprint halo_phase_at_ugf_deg\n");
    if (d->type == TB_FILTER) su_buf_printf(&b, "meas ac halo_f_3dB_Hz when vdb(%s)=$halo_g3\n", o);
    su_buf_add(&b, ".endc\n.end\n");
    return b.s;
}

/* -------------------------------------------------------- post netlist */

int testbench_check_post(const char *text, const char *path, const char *name, int nports,
                         halo_err *err)
{
    /* the header as ngspice reads it, by halo's SPICE reader: params:,
     * NAME=VALUE, comments and continuations are no ports */
    int ports, line;
    if (!path) path = "post-layout netlist";
    if (spice_subckt_ports(text, strlen(text), path, name, &ports, &line, err) != 0) return err->id;
    if (ports < 0)
        return tb_fail(err, HALO_E_TBN_POST, path, 0,
                       "No .subckt %s in this post-layout netlist (it must define the design's subcircuit).", name);
    if (ports != nports)
        return tb_fail(err, HALO_E_TBN_POST, path, line, ".subckt %s has %d ports; the design has %d.", name, ports,
                       nports);
    return 0;
}
