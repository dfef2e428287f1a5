/*
 * rng.c -- xoshiro256** (Blackman & Vigna), seeded by splitmix64.
 */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void rng_seed(halo_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(halo_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Rejection sampling: draws above the largest multiple of n are redrawn. */
uint64_t rng_below(halo_rng *r, uint64_t n)
{
    if (n <= 1) return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = rng_next(r); while (x >= limit);
    return x % n;
}

double rng_uniform(halo_rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

double rng_normal(halo_rng *r)
{
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;   /* log(0) */
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

int rng_categorical(halo_rng *r, const float *p, int n)
{
    double total = 0;
    for (int i = 0; i < n; i++) total += p[i] > 0 ? p[i] : 0;
    if (!(total > 0)) return -1;
    double x = rng_uniform(r) * total, acc = 0;
    int last = -1;
    for (int i = 0; i < n; i++) {
        if (!(p[i] > 0)) continue;
        acc += p[i];
        last = i;
        if (x < acc) return i;
    }
    return last;   /* rounding at the top end */
}

void rng_shuffle(halo_rng *r, int *a, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(r, (uint64_t)i + 1), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
