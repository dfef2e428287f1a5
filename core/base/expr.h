/*
 * expr.h -- arithmetic expressions of SPICE parameters ({w*2}, 'l+0.1').
 *
 * Owns: a recursive-descent evaluator over doubles with SPICE's operators
 * (?: || && == != < > <= >= + - * / % unary - + ! and ^ or ** for powers),
 * engineering numbers ("2u"), functions (sqrt exp log ln log10 abs min max
 * pow sin cos tan atan floor ceil int round sgn) and parameter names
 * resolved through a caller-supplied lookup.  Nesting is bounded, so no
 * input can exhaust the stack.
 */
#ifndef HALO_EXPR_H
#define HALO_EXPR_H

#include <stddef.h>

/* Returns 0 and stores the value when name is a parameter, -1 otherwise. */
typedef int (*expr_lookup_fn)(void *ctx, const char *name, double *value);

/* Evaluate text.  On error returns -1 and writes a short reason ("unknown
 * parameter wn", "missing )") to why. */
int expr_eval(const char *text, expr_lookup_fn lookup, void *ctx, double *out,
              char *why, size_t whylen);

#endif
