/*
 * rng.h -- halo's seeded random generator.
 *
 * Owns: xoshiro256** seeded through splitmix64, and the few draws core
 * needs (uniform integers without modulo bias, uniform doubles, normals,
 * categorical draws).  Every
 * random choice in halo takes an explicit halo_rng so that the same seed
 * gives the same bytes on any machine.
 */
#ifndef HALO_RNG_H
#define HALO_RNG_H

#include <stdint.h>

typedef struct halo_rng { uint64_t s[4]; } halo_rng;

void rng_seed(halo_rng *r, uint64_t seed);
uint64_t rng_next(halo_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t rng_below(halo_rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double rng_uniform(halo_rng *r);
/* Standard normal (Box-Muller over two fresh uniforms: no hidden state). */
double rng_normal(halo_rng *r);
/* An index drawn with probabilities p[0..n-1] (non-negative, any sum > 0);
 * -1 when they sum to zero. */
int rng_categorical(halo_rng *r, const float *p, int n);
/* Shuffle a[0..n) in place (Fisher-Yates, from the end, rng_below draws). */
void rng_shuffle(halo_rng *r, int *a, int n);

#endif
