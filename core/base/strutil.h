/*
 * strutil.h -- small string, buffer and hash-map helpers shared by core.
 *
 * Owns: checked allocation (halo_xmalloc & co.), case-insensitive
 * comparison, a growable text buffer (su_buf) and a string -> int map
 * (su_map, open addressing) used for name lookups in netlists and tables,
 * and the rule for what a name may hold (su_name_problem).
 * Allocation failure aborts, as Tcl's ckalloc panics: every other error in
 * core is reported through halo_err.
 */
#ifndef HALO_STRUTIL_H
#define HALO_STRUTIL_H

#include <stdarg.h>
#include <stddef.h>

void *halo_xmalloc(size_t n);
void *halo_xcalloc(size_t n, size_t size);
void *halo_xrealloc(void *p, size_t n);
char *su_strdup(const char *s);
char *su_strndup(const char *s, size_t n);

int su_casecmp(const char *a, const char *b);
int su_ncasecmp(const char *a, const char *b, size_t n);
void su_lower(char *s);
/* 1 when s starts with prefix, ignoring case. */
int su_has_prefix_ci(const char *s, const char *prefix);
/* 1 when s contains needle, ignoring case. */
int su_contains_ci(const char *s, const char *needle);

/* Grow *array (of elem bytes each) so it holds at least need elements. */
void su_grow(void **array, int *cap, int need, size_t elem);

typedef struct su_buf {
    char *s;        /* NUL-terminated, never NULL after the first append */
    size_t len, cap;
} su_buf;

void su_buf_add(su_buf *b, const char *text);
void su_buf_addn(su_buf *b, const char *text, size_t n);
void su_buf_printf(su_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void su_buf_free(su_buf *b);

/* A growing array of owned strings (deck lines, analysis commands). */
typedef struct su_strvec {
    char **v;
    int n, cap;
} su_strvec;
/* Append a malloc'd string (taken). */
void su_strvec_push(su_strvec *s, char *owned);
/* Append a formatted string. */
void su_strvec_printf(su_strvec *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append each non-empty line of text, trailing blanks, tabs and CR cut. */
void su_strvec_push_lines(su_strvec *s, const char *text);

/* String -> int map.  Keys are copied; case-sensitive unless made with
 * su_map_init(m, 1). */
typedef struct su_map {
    char **keys;
    int *vals;
    int cap, count;
    int nocase;
} su_map;

void su_map_init(su_map *m, int nocase);
void su_map_free(su_map *m);
/* Value for key, or -1 when absent. */
int su_map_get(const su_map *m, const char *key);
void su_map_put(su_map *m, const char *key, int val);

/* What a name may hold.  Names travel into GDS structures, SPICE decks,
 * JSON, Tcl lists and file names, so a name is 1..SU_NAME_MAX printable
 * ASCII bytes: no space, control character or non-ASCII byte, none of
 * ( ) { } ' " = ; , (SPICE punctuation), and a leading '$' followed by a
 * letter, digit or '_' (Magic's $SUB; "$" alone is a comment).  A cell,
 * subcircuit or design name may become a file name, so it also holds no
 * '/' or '\\' and is not "." or "..".  Device, instance, net, pin and tensor
 * names may use '/', the hierarchy separator ("X1/M3", "enc.0.weight").
 * Returns NULL when the name is fine, else a phrase saying what is wrong. */
#define SU_NAME_MAX 255
typedef enum { SU_NAME_CELL, SU_NAME_MEMBER } su_name_kind;
const char *su_name_problem(const char *name, su_name_kind kind);
/* A cell name made from a file's name (the last component, without its
 * extension when strip_ext): every byte a cell name may not hold becomes
 * '_', so "my ota.json" names the design my_ota.  Caller frees. */
char *su_name_from_path(const char *path, int strip_ext);

#endif
