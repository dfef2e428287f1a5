/*
 * strutil.c -- string, buffer and map helpers (see strutil.h).
 */
#include "strutil.h"

#include <ctype.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *halo_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

void *halo_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) abort();
    return p;
}

void *halo_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) abort();
    return q;
}

char *su_strdup(const char *s)
{
    return su_strndup(s ? s : "", s ? strlen(s) : 0);
}

char *su_strndup(const char *s, size_t n)
{
    char *p = halo_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

int su_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
        if (ca != cb || !ca) return ca - cb;
    }
}

int su_ncasecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int ca = tolower((unsigned char)a[i]), cb = tolower((unsigned char)b[i]);
        if (ca != cb || !ca) return ca - cb;
    }
    return 0;
}

void su_lower(char *s)
{
    for (; s && *s; s++) *s = (char)tolower((unsigned char)*s);
}

int su_has_prefix_ci(const char *s, const char *prefix)
{
    return su_ncasecmp(s, prefix, strlen(prefix)) == 0;
}

int su_contains_ci(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (su_ncasecmp(s, needle, n) == 0) return 1;
    return n == 0;
}

void su_grow(void **array, int *cap, int need, size_t elem)
{
    if (need <= *cap) return;
    int ncap = *cap ? *cap : 8;
    while (ncap < need) ncap *= 2;
    *array = halo_xrealloc(*array, (size_t)ncap * elem);
    memset((char *)*array + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
    *cap = ncap;
}

void su_buf_addn(su_buf *b, const char *text, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 64;
        while (ncap < b->len + n + 1) ncap *= 2;
        b->s = halo_xrealloc(b->s, ncap);
        b->cap = ncap;
    }
    memcpy(b->s + b->len, text, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void su_buf_add(su_buf *b, const char *text)
{
    su_buf_addn(b, text, strlen(text));
}

void su_buf_printf(su_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        su_buf_addn(b, small, (size_t)n);
        return;
    }
    char *big = halo_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    su_buf_addn(b, big, (size_t)n);
    free(big);
}

void su_buf_free(su_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

/* FNV-1a, folded to lower case for case-insensitive maps. */
static uint32_t map_hash(const char *key, int nocase)
{
    uint32_t h = 2166136261u;
    for (; *key; key++) {
        unsigned char c = (unsigned char)*key;
        if (nocase) c = (unsigned char)tolower(c);
        h = (h ^ c) * 16777619u;
    }
    return h;
}

static int map_eq(const su_map *m, const char *a, const char *b)
{
    return m->nocase ? su_casecmp(a, b) == 0 : strcmp(a, b) == 0;
}

void su_map_init(su_map *m, int nocase)
{
    memset(m, 0, sizeof *m);
    m->nocase = nocase;
}

void su_map_free(su_map *m)
{
    for (int i = 0; i < m->cap; i++) free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->count = 0;
}

static int map_slot(const su_map *m, const char *key)
{
    uint32_t mask = (uint32_t)m->cap - 1;
    uint32_t i = map_hash(key, m->nocase) & mask;
    while (m->keys[i] && !map_eq(m, m->keys[i], key)) i = (i + 1) & mask;
    return (int)i;
}

int su_map_get(const su_map *m, const char *key)
{
    if (!m->cap) return -1;
    int i = map_slot(m, key);
    return m->keys[i] ? m->vals[i] : -1;
}

static void map_rehash(su_map *m, int ncap)
{
    su_map old = *m;
    m->cap = ncap;
    m->count = 0;
    m->keys = halo_xcalloc((size_t)ncap, sizeof *m->keys);
    m->vals = halo_xcalloc((size_t)ncap, sizeof *m->vals);
    for (int i = 0; i < old.cap; i++) {
        if (!old.keys[i]) continue;
        int s = map_slot(m, old.keys[i]);
        m->keys[s] = old.keys[i];
        m->vals[s] = old.vals[i];
        m->count++;
    }
    free(old.keys);
    free(old.vals);
}

void su_map_put(su_map *m, const char *key, int val)
{
    if ((m->count + 1) * 2 > m->cap) map_rehash(m, m->cap ? m->cap * 2 : 16);
    int i = map_slot(m, key);
    if (!m->keys[i]) {
        m->keys[i] = su_strdup(key);
        m->count++;
    }
    m->vals[i] = val;
}

const char *su_name_problem(const char *name, su_name_kind kind)
{
    size_t n = strlen(name);
    if (n == 0) return "it is empty";
    if (n > SU_NAME_MAX) return "it is longer than 255 bytes";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == ' ') return "it holds a space";
        if (c < 0x20 || c == 0x7f) return "it holds a control character";
        if (c > 0x7e) return "it holds a non-ASCII byte";
        if (strchr("(){}'\"=;,", c))
            return "it holds one of ( ) { } ' \" = ; , which SPICE reads as punctuation";
        if (kind == SU_NAME_CELL && (c == '/' || c == '\\'))
            return "a cell or subcircuit name holds no '/' or '\\' (it may become a file name)";
    }
    if (name[0] == '$' && !(isalnum((unsigned char)name[1]) || name[1] == '_'))
        return "a '$' that starts a name is followed by a letter, digit or '_' (else SPICE reads a comment)";
    if (kind == SU_NAME_CELL && (strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
        return "a cell or subcircuit name is not '.' or '..' (it may become a file name)";
    return NULL;
}

char *su_name_from_path(const char *path, int strip_ext)
{
    const char *slash = strrchr(path, '/');
    char *name = su_strdup(slash ? slash + 1 : path);
    char *dot = strrchr(name, '.');
    if (strip_ext && dot && dot != name) *dot = '\0';
    if (strlen(name) > SU_NAME_MAX) name[SU_NAME_MAX] = '\0';
    for (char *p = name; *p; p++)
        if (*p <= ' ' || *p >= 0x7f || *p == '\\') *p = '_';
    if (su_name_problem(name, SU_NAME_CELL)) {   /* "", "." or ".." */
        free(name);
        name = su_strdup("design");
    }
    return name;
}

/* ---------------------------------------------------------------- string vectors */

void su_strvec_push(su_strvec *s, char *owned)
{
    su_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
    s->v[s->n++] = owned;
}

void su_strvec_printf(su_strvec *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *line = halo_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(line, (size_t)n + 1, fmt, ap);
    va_end(ap);
    su_strvec_push(s, line);
}

void su_strvec_push_lines(su_strvec *s, const char *text)
{
    while (text && *text) {
        const char *e = strchr(text, '\n');
        size_t n = e ? (size_t)(e - text) : strlen(text);
        size_t k = n;
        while (k && (text[k - 1] == '\r' || text[k - 1] == ' ' || text[k - 1] == '\t')) k--;
        if (k) su_strvec_push(s, su_strndup(text, k));
        text += n + (e ? 1 : 0);
    }
}
