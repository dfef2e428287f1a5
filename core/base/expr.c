/*
 * expr.c -- recursive-descent evaluator of parameter expressions (expr.h).
 */
#include "expr.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eng.h"
#include "strutil.h"

#define EXPR_MAX_DEPTH 200

typedef struct parser {
    const char *p;
    expr_lookup_fn lookup;
    void *ctx;
    int depth;
    int failed;
    char *why;
    size_t whylen;
} parser;

static double parse_ternary(parser *ps);

static double fail(parser *ps, const char *fmt, const char *arg)
{
    if (!ps->failed) {
        snprintf(ps->why, ps->whylen, fmt, arg);
        ps->failed = 1;
    }
    return 0.0;
}

static void skip_space(parser *ps)
{
    while (isspace((unsigned char)*ps->p)) ps->p++;
}

/* Consume op when the input continues with it. */
static int accept(parser *ps, const char *op)
{
    skip_space(ps);
    size_t n = strlen(op);
    if (strncmp(ps->p, op, n) != 0) return 0;
    ps->p += n;
    return 1;
}

static int call_function(const char *name, double *a, int n, double *out)
{
    static const struct { const char *name; double (*fn)(double); } unary[] = {
        {"sqrt", sqrt}, {"exp", exp}, {"log", log}, {"ln", log}, {"log10", log10},
        {"abs", fabs}, {"sin", sin}, {"cos", cos}, {"tan", tan}, {"atan", atan},
        {"floor", floor}, {"ceil", ceil}, {"int", trunc}, {"round", round},
    };
    for (size_t i = 0; i < sizeof unary / sizeof unary[0]; i++) {
        if (su_casecmp(name, unary[i].name) == 0) {
            if (n != 1) return -1;
            *out = unary[i].fn(a[0]);
            return 0;
        }
    }
    if (su_casecmp(name, "sgn") == 0 && n == 1) {
        *out = (a[0] > 0) - (a[0] < 0);
        return 0;
    }
    if (n == 2 && su_casecmp(name, "min") == 0) { *out = fmin(a[0], a[1]); return 0; }
    if (n == 2 && su_casecmp(name, "max") == 0) { *out = fmax(a[0], a[1]); return 0; }
    if (n == 2 && su_casecmp(name, "pow") == 0) { *out = pow(a[0], a[1]); return 0; }
    return -1;
}

static double parse_call(parser *ps, const char *name)
{
    double args[4];
    int n = 0;
    if (!accept(ps, ")")) {
        do {
            double v = parse_ternary(ps);
            if (n < 4) args[n] = v;
            n++;
        } while (!ps->failed && accept(ps, ","));
        if (!accept(ps, ")")) return fail(ps, "missing ) after the arguments of %s", name);
    }
    double out = 0;
    if (ps->failed) return 0;
    if (n > 4 || call_function(name, args, n, &out) != 0)
        return fail(ps, "unknown function or wrong argument count: %s", name);
    return out;
}

static double parse_primary(parser *ps)
{
    skip_space(ps);
    const char *s = ps->p;
    if (accept(ps, "(")) {
        double v = parse_ternary(ps);
        if (!accept(ps, ")")) return fail(ps, "missing )%s", "");
        return v;
    }
    if (isdigit((unsigned char)*s) || (*s == '.' && isdigit((unsigned char)s[1]))) {
        double v;
        const char *end;
        if (eng_parse_prefix(s, &v, &end) != 0) return fail(ps, "bad number at \"%.20s\"", s);
        ps->p = end;
        return v;
    }
    if (isalpha((unsigned char)*s) || *s == '_') {
        size_t n = 0;
        while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.') n++;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(n < 127 ? n : 127), s);
        ps->p = s + n;
        if (accept(ps, "(")) return parse_call(ps, name);
        double v;
        if (ps->lookup && ps->lookup(ps->ctx, name, &v) == 0) return v;
        return fail(ps, "unknown parameter %s", name);
    }
    if (!*s) return fail(ps, "expression ends too early%s", "");
    return fail(ps, "unexpected \"%.20s\"", s);
}

static double parse_unary(parser *ps);

static double parse_power(parser *ps)
{
    double base = parse_primary(ps);
    if (accept(ps, "**") || accept(ps, "^")) return pow(base, parse_unary(ps));
    return base;
}

static double parse_unary(parser *ps)
{
    if (++ps->depth > EXPR_MAX_DEPTH) return fail(ps, "expression nested too deeply%s", "");
    double v;
    if (accept(ps, "-")) v = -parse_unary(ps);
    else if (accept(ps, "+")) v = parse_unary(ps);
    else if (accept(ps, "!")) v = parse_unary(ps) == 0.0;
    else v = parse_power(ps);
    ps->depth--;
    return v;
}

static double parse_mul(parser *ps)
{
    double v = parse_unary(ps);
    while (!ps->failed) {
        if (accept(ps, "*")) v *= parse_unary(ps);
        else if (accept(ps, "/")) v /= parse_unary(ps);
        else if (accept(ps, "%")) v = fmod(v, parse_unary(ps));
        else break;
    }
    return v;
}

static double parse_add(parser *ps)
{
    double v = parse_mul(ps);
    while (!ps->failed) {
        if (accept(ps, "+")) v += parse_mul(ps);
        else if (accept(ps, "-")) v -= parse_mul(ps);
        else break;
    }
    return v;
}

static double parse_cmp(parser *ps)
{
    double v = parse_add(ps);
    while (!ps->failed) {
        if (accept(ps, "==")) v = v == parse_add(ps);
        else if (accept(ps, "!=")) v = v != parse_add(ps);
        else if (accept(ps, "<=")) v = v <= parse_add(ps);
        else if (accept(ps, ">=")) v = v >= parse_add(ps);
        else if (accept(ps, "<")) v = v < parse_add(ps);
        else if (accept(ps, ">")) v = v > parse_add(ps);
        else break;
    }
    return v;
}

static double parse_and(parser *ps)
{
    double v = parse_cmp(ps);
    while (!ps->failed && accept(ps, "&&")) {
        double w = parse_cmp(ps);
        v = (v != 0) && (w != 0);
    }
    return v;
}

static double parse_or(parser *ps)
{
    double v = parse_and(ps);
    while (!ps->failed && accept(ps, "||")) {
        double w = parse_and(ps);
        v = (v != 0) || (w != 0);
    }
    return v;
}

static double parse_ternary(parser *ps)
{
    if (++ps->depth > EXPR_MAX_DEPTH) return fail(ps, "expression nested too deeply%s", "");
    double cond = parse_or(ps);
    double v = cond;
    if (!ps->failed && accept(ps, "?")) {
        double a = parse_ternary(ps);
        if (!accept(ps, ":")) {
            ps->depth--;
            return fail(ps, "missing : in a ?: expression%s", "");
        }
        double b = parse_ternary(ps);
        v = cond != 0 ? a : b;
    }
    ps->depth--;
    return v;
}

int expr_eval(const char *text, expr_lookup_fn lookup, void *ctx, double *out,
              char *why, size_t whylen)
{
    char dummy[8];
    parser ps = {text, lookup, ctx, 0, 0, why ? why : dummy, why ? whylen : sizeof dummy};
    double v = parse_ternary(&ps);
    skip_space(&ps);
    if (!ps.failed && *ps.p) fail(&ps, "unexpected \"%.20s\"", ps.p);
    if (!ps.failed && !isfinite(v)) fail(&ps, "the result is not a finite number%s", "");
    if (ps.failed) return -1;
    *out = v;
    return 0;
}
