/*
 * unit.h -- the tiny harness of halo's C unit tests.
 *
 * Each tests/unit/test_*.c is one program: TEST(name) { ... } blocks run by
 * UNIT_MAIN, CHECK* macros record failures with file:line.  The program
 * prints one "ok NAME" / "FAIL NAME: why" line per test and a final
 * "unit FILE: N passed, N failed" line that tests/all.tcl adds up; its exit
 * status is nonzero when a test failed.
 */
#ifndef HALO_UNIT_H
#define HALO_UNIT_H

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(int *failed);
struct unit_case { const char *name; unit_fn fn; };

#define UNIT_MAX_CASES 256
static struct unit_case unit_cases[UNIT_MAX_CASES];
static int unit_ncases;

#define TEST(name)                                                        \
    static void test_##name(int *unit_failed_);                           \
    __attribute__((constructor)) static void reg_##name(void)             \
    {                                                                     \
        if (unit_ncases < UNIT_MAX_CASES)                                 \
            unit_cases[unit_ncases++] = (struct unit_case){#name, test_##name}; \
    }                                                                     \
    static void test_##name(int *unit_failed_)

#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond)) {                                                    \
            printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            *unit_failed_ = 1;                                            \
        }                                                                 \
    } while (0)

#define CHECK_INT(a, b)                                                   \
    do {                                                                  \
        long long ua_ = (long long)(a), ub_ = (long long)(b);             \
        if (ua_ != ub_) {                                                 \
            printf("    %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, ua_, ub_); \
            *unit_failed_ = 1;                                            \
        }                                                                 \
    } while (0)

#define CHECK_STR(a, b)                                                   \
    do {                                                                  \
        const char *ua_ = (a), *ub_ = (b);                                \
        if (!ua_ || !ub_ || strcmp(ua_, ub_) != 0) {                      \
            printf("    %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
                   ua_ ? ua_ : "(null)", ub_ ? ub_ : "(null)");           \
            *unit_failed_ = 1;                                            \
        }                                                                 \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                             \
    do {                                                                  \
        double ua_ = (a), ub_ = (b);                                      \
        if (!(fabs(ua_ - ub_) <= (tol))) {                                \
            printf("    %s:%d: %s == %.12g, expected %.12g\n", __FILE__, __LINE__, #a, ua_, ub_); \
            *unit_failed_ = 1;                                            \
        }                                                                 \
    } while (0)

#define UNIT_MAIN(file)                                                   \
    int main(void)                                                        \
    {                                                                     \
        int passed = 0, failed = 0;                                       \
        for (int i = 0; i < unit_ncases; i++) {                           \
            int f = 0;                                                    \
            unit_cases[i].fn(&f);                                         \
            printf("%s %s\n", f ? "FAIL" : "ok", unit_cases[i].name);     \
            if (f) failed++; else passed++;                               \
        }                                                                 \
        printf("unit %s: %d passed, %d failed\n", file, passed, failed);  \
        return failed ? 1 : 0;                                            \
    }

#endif
