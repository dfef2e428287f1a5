/* test_eng.c -- SPICE engineering numbers. */
#include "base/eng.h"
#include "unit.h"

#include <stdlib.h>

static double val(const char *s)
{
    double v = -12345;
    if (eng_parse(s, &v) != 0) return -12345;
    return v;
}

TEST(suffixes)
{
    CHECK(val("10u") == 10e-6);
    CHECK(val("1.5meg") == 1.5e6);
    CHECK(val("1.5MEG") == 1.5e6);
    CHECK(val("2.2k") == 2.2e3);
    CHECK(val("3p") == 3e-12);
    CHECK(val("4f") == 4e-15);
    CHECK(val("5n") == 5e-9);
    CHECK(val("6m") == 6e-3);
    CHECK(val("7g") == 7e9);
    CHECK(val("8t") == 8e12);
    CHECK(val("9a") == 9e-18);
    CHECK_NEAR(val("1mil"), 25.4e-6, 1e-20);
}

TEST(units_and_exponents)
{
    CHECK(val("3pF") == 3e-12);
    CHECK(val("2.2kohm") == 2.2e3);
    CHECK(val("1Mohm") == 1e-3);        /* SPICE: M is milli */
    CHECK(val("1e-6") == 1e-6);
    CHECK(val("1.5e3k") == 1.5e6);
    CHECK(val("-2.5") == -2.5);
    CHECK(val(".5u") == 0.5e-6);
    CHECK(val("0.42") == 0.42);
    CHECK(val("10V") == 10);
}

TEST(bad_numbers)
{
    double v;
    CHECK(eng_parse("abc", &v) != 0);
    CHECK(eng_parse("", &v) != 0);
    CHECK(eng_parse("1.2.3", &v) != 0);
    CHECK(eng_parse("10u5", &v) != 0);
    CHECK(eng_parse("-", &v) != 0);
    CHECK(eng_parse("1e999999", &v) != 0);  /* not finite */
}

TEST(format_round_trip)
{
    const double vals[] = {0.42, 1e-5, 10e-6, 2.2e3, 1.0 / 3.0, 123456789.0, -0.15, 0};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char buf[32];
        eng_format(vals[i], buf);
        CHECK(strtod(buf, NULL) == vals[i]);
    }
    char buf[32];
    eng_format(0.42, buf);
    CHECK_STR(buf, "0.42");
    eng_format(8, buf);
    CHECK_STR(buf, "8");
    /* whole numbers print whole: the shortest round trip of 10 is 1e+01 */
    eng_format(10, buf);
    CHECK_STR(buf, "10");
    eng_format(2400, buf);
    CHECK_STR(buf, "2400");
    eng_format(-120, buf);
    CHECK_STR(buf, "-120");
    eng_format(1e20, buf);
    CHECK_STR(buf, "1e+20");
}

UNIT_MAIN("test_eng")
