/* test_expr.c -- parameter expressions. */
#include "base/expr.h"
#include "unit.h"

#include <string.h>

static int lookup(void *ctx, const char *name, double *v)
{
    (void)ctx;
    if (strcmp(name, "wn") == 0) { *v = 4; return 0; }
    if (strcmp(name, "lin") == 0) { *v = 0.5; return 0; }
    return -1;
}

static double ev(const char *s)
{
    double v = -999;
    char why[128];
    if (expr_eval(s, lookup, NULL, &v, why, sizeof why) != 0) return -999;
    return v;
}

TEST(arithmetic)
{
    CHECK_NEAR(ev("1+2*3"), 7, 0);
    CHECK_NEAR(ev("(1+2)*3"), 9, 0);
    CHECK_NEAR(ev("2^3^2"), 512, 0);       /* right associative */
    CHECK_NEAR(ev("2**3"), 8, 0);
    CHECK_NEAR(ev("-2^2"), -4, 0);
    CHECK_NEAR(ev("7 % 4"), 3, 0);
    CHECK_NEAR(ev("10/4"), 2.5, 0);
    CHECK_NEAR(ev("1u*2"), 2e-6, 1e-20);
}

TEST(params_and_functions)
{
    CHECK_NEAR(ev("wn*2"), 8, 0);
    CHECK_NEAR(ev("lin+0.1"), 0.6, 1e-12);
    CHECK_NEAR(ev("sqrt(16)"), 4, 0);
    CHECK_NEAR(ev("max(wn, 7)"), 7, 0);
    CHECK_NEAR(ev("min(wn, 7)"), 4, 0);
    CHECK_NEAR(ev("abs(-3)"), 3, 0);
    CHECK_NEAR(ev("wn > 3 ? 1 : 2"), 1, 0);
    CHECK_NEAR(ev("wn == 4 && lin < 1"), 1, 0);
    CHECK_NEAR(ev("pow(2, 10)"), 1024, 0);
}

TEST(errors)
{
    double v;
    char why[128];
    CHECK(expr_eval("wx*2", lookup, NULL, &v, why, sizeof why) != 0);
    CHECK(strstr(why, "unknown parameter wx") != NULL);
    CHECK(expr_eval("(1+2", lookup, NULL, &v, why, sizeof why) != 0);
    CHECK(expr_eval("1+", lookup, NULL, &v, why, sizeof why) != 0);
    CHECK(expr_eval("1/0", lookup, NULL, &v, why, sizeof why) != 0);
    CHECK(expr_eval("foo(1)", lookup, NULL, &v, why, sizeof why) != 0);
    CHECK(expr_eval("1 2", lookup, NULL, &v, why, sizeof why) != 0);
    char deep[2000];
    memset(deep, '(', 1000);
    deep[1000] = '\0';
    CHECK(expr_eval(deep, lookup, NULL, &v, why, sizeof why) != 0);
    memset(deep, '-', 1999);
    deep[1999] = '\0';
    CHECK(expr_eval(deep, lookup, NULL, &v, why, sizeof why) != 0);
}

UNIT_MAIN("test_expr")
