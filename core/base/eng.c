/*
 * eng.c -- SPICE engineering numbers (see eng.h).
 */
#include "eng.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"

/* Scale suffix at s: its decimal exponent (mil is handled by the caller). */
static int suffix_exponent(const char *s, int *len)
{
    static const struct { const char *sfx; int exp10; } table[] = {
        {"meg", 6}, {"t", 12}, {"g", 9}, {"k", 3}, {"m", -3},
        {"u", -6}, {"n", -9}, {"p", -12}, {"f", -15}, {"a", -18},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        size_t n = strlen(table[i].sfx);
        if (su_ncasecmp(s, table[i].sfx, n) == 0) {
            *len = (int)n;
            return table[i].exp10;
        }
    }
    *len = 0;
    return 0;
}

/* Length of the mantissa digits "12.5" at s (at least one digit), or 0. */
static size_t mantissa_length(const char *s)
{
    size_t i = 0, digits = 0;
    while (isdigit((unsigned char)s[i])) i++, digits++;
    if (s[i] == '.') {
        i++;
        while (isdigit((unsigned char)s[i])) i++, digits++;
    }
    return digits ? i : 0;
}

/* Length of an exponent "e-6" at s, or 0 when there is none. */
static size_t exponent_length(const char *s)
{
    if (*s != 'e' && *s != 'E') return 0;
    size_t i = 1;
    if (s[i] == '+' || s[i] == '-') i++;
    if (!isdigit((unsigned char)s[i])) return 0;
    while (isdigit((unsigned char)s[i])) i++;
    return i;
}

int eng_parse_prefix(const char *s, double *out, const char **end)
{
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    size_t mlen = mantissa_length(p);
    if (!mlen) return -1;
    p += mlen;
    size_t elen = exponent_length(p);
    long exp10 = 0;
    if (elen) {
        errno = 0;
        exp10 = strtol(p + 1, NULL, 10);
        if (exp10 > 100000 || exp10 < -100000) exp10 = exp10 > 0 ? 100000 : -100000;
        p += elen;
    }
    double mil = 1.0;
    int slen = 0;
    if (su_ncasecmp(p, "mil", 3) == 0) {
        mil = 25.4e-6;
        slen = 3;
    } else {
        exp10 += suffix_exponent(p, &slen);
    }
    p += slen;
    while (isalpha((unsigned char)*p)) p++;    /* units: ohm, F, V, Hz ... */

    char text[96];
    size_t sign_mant = (size_t)((s[0] == '+' || s[0] == '-') ? 1 : 0) + mlen;
    if (sign_mant > 60) return -1;
    snprintf(text, sizeof text, "%.*se%ld", (int)sign_mant, s, exp10);
    *out = strtod(text, NULL) * mil;
    if (end) *end = p;
    return 0;
}

int eng_parse(const char *text, double *out)
{
    const char *end;
    if (!text || eng_parse_prefix(text, out, &end) != 0) return -1;
    if (*end != '\0') return -1;
    if (!isfinite(*out)) return -1;
    return 0;
}

void eng_format(double v, char buf[32])
{
    if (v == 0) {
        snprintf(buf, 32, "0");
        return;
    }
    /* whole numbers as integers: m=10, not the shortest round trip 1e+01 */
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, 32, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}
