/*
 * unit.h -- the tiny harness of halo's C unit tests.
 *
 * Each tests/unit/test_*.c is one program: TEST(name) { ... } blocks run by
 * UNIT_MAIN, CHECK* macros record failures with file:line.  A test that
 * cannot run here (a tool or the PDK missing) says why with SKIP(...) and
 * returns; it is not a pass.  The program prints one "ok NAME" /
 * "FAIL NAME" / "SKIP NAME: why" line per test and a final
 * "unit FILE: N passed, N failed, N skipped" line that tests/all.tcl adds
 * up.  Exit status: 1 when a test failed, else 77 (automake's "skipped")
 * when every test skipped, else 0.
 */
#ifndef HALO_UNIT_H
#define HALO_UNIT_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Why the running test skips ("" while it runs). */
static char unit_skip_why[512];

/* Record why the running test cannot run here; a helper calls it and
 * returns a value that makes the test return. */
__attribute__((format(printf, 1, 2))) static inline void unit_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(unit_skip_why, sizeof unit_skip_why, fmt, ap);
    va_end(ap);
}

/* SKIP("needs Magic: %s", why): the test skips and returns. */
#define SKIP(...)                                                         \
    do {                                                                  \
        unit_skip(__VA_ARGS__);                                           \
        return;                                                           \
    } while (0)

/* A program on PATH. */
static inline int unit_on_path(const char *program)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v '%s' >/dev/null 2>&1", program);
    return system(cmd) == 0;
}

/* The reference PDK_ROOT of the cross-checks: HALO_PDK_ROOT (tests/all.tcl
 * sets it to the shared/pdk beside the source tree when that exists), else
 * HALO_SRCDIR/../shared/pdk.  NULL when it holds no sky130A; then WHY (of
 * LEN bytes) says so. */
static inline const char *unit_pdk_root(char *why, size_t len)
{
    static char root[1024];
    const char *env = getenv("HALO_PDK_ROOT"), *src = getenv("HALO_SRCDIR");
    if (env && *env) snprintf(root, sizeof root, "%s", env);
    else if (src && *src) snprintf(root, sizeof root, "%s/../shared/pdk", src);
    else {
        snprintf(why, len, "HALO_PDK_ROOT is not set (set it to a PDK_ROOT tree holding sky130A)");
        return NULL;
    }
    char path[1100];
    struct stat st;
    snprintf(path, sizeof path, "%s/sky130A", root);
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(why, len, "%sno %s (set HALO_PDK_ROOT to a PDK_ROOT tree holding sky130A)",
                 env && *env ? "" : "HALO_PDK_ROOT is not set and there is ", path);
        return NULL;
    }
    return root;
}

#define UNIT_MAIN(file)                                                   \
    int main(void)                                                        \
    {                                                                     \
        int passed = 0, failed = 0, skipped = 0;                          \
        for (int i = 0; i < unit_ncases; i++) {                           \
            int f = 0;                                                    \
            unit_skip_why[0] = 0;                                         \
            unit_cases[i].fn(&f);                                         \
            if (f) {                                                      \
                printf("FAIL %s\n", unit_cases[i].name);                  \
                failed++;                                                 \
            } else if (unit_skip_why[0]) {                                \
                printf("SKIP %s: %s\n", unit_cases[i].name, unit_skip_why); \
                skipped++;                                                \
            } else {                                                      \
                printf("ok %s\n", unit_cases[i].name);                    \
                passed++;                                                 \
            }                                                             \
        }                                                                 \
        printf("unit %s: %d passed, %d failed, %d skipped\n", file, passed, failed, skipped); \
        return failed ? 1 : passed == 0 && skipped > 0 ? 77 : 0;         \
    }

#endif
