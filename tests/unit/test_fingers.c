/* test_fingers.c -- finger arrangements against counts worked out by hand. */
#include "netlist/constraints.h"
#include "fingers/fingers.h"
#include "netlist/spice.h"
#include "base/strutil.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

/* XM1, XM2: W=8 -> nf in {1,2,4,5,8,10,16} (8000/nf a multiple of 5 nm and
 * >= 420 nm): 7 values.  XM3: W=0.84 -> {1,2}.  XC1 is not a transistor. */
static const char *text =
    ".subckt s a b c\n"
    "XM1 a b c c sky130_fd_pr__nfet_01v8 W=8 L=0.5 nf=ZZZ\n"
    "XM2 b a c c sky130_fd_pr__nfet_01v8 W=8 L=0.5 nf=ZZZ\n"
    "XM3 c a b b sky130_fd_pr__pfet_01v8 W=0.84 L=0.5 nf=ZZZ\n"
    "XC1 a b sky130_fd_pr__cap_mim_m3_1 W=5 L=5\n"
    ".ends\n";

static netlist *design(void)
{
    halo_err err;
    return spice_read_text(text, strlen(text), "s.sp", NULL, &err);
}

static uint64_t count(const netlist *nl, const halo_tech *tech, const int *vals, int n)
{
    fingers_space fs;
    halo_err err;
    if (fingers_space_build(nl, tech, vals, n, &fs, &err) != 0) return 999999;
    uint64_t c = 0;
    fingers_count_u64(&fs, &c);
    fingers_space_free(&fs);
    return c;
}

TEST(hand_counts)
{
    halo_err err;
    halo_tech *tech = tech_load("sky130", &err);
    netlist *nl = design();
    CHECK(tech && nl);
    if (!tech || !nl) return;
    CHECK_INT(count(nl, tech, NULL, 0), 7 * 7 * 2);
    const char *pair[] = {"XM1", "XM2"};
    CHECK(constraints_match(nl, pair, 2, "t", &err) == 0);
    CHECK_INT(count(nl, tech, NULL, 0), 7 * 2);
    const int vals[] = {2, 3, 4};
    CHECK_INT(count(nl, tech, vals, 3), 2 * 1);   /* XM1/XM2 {2,4}, XM3 {2} */
    netlist_free(nl);
    tech_free(tech);
}

TEST(enumeration_matches_count_and_order)
{
    halo_err err;
    halo_tech *tech = tech_load("sky130", &err);
    netlist *nl = design();
    const char *pair[] = {"XM1", "XM2"};
    constraints_match(nl, pair, 2, "t", &err);
    fingers_space fs;
    CHECK(fingers_space_build(nl, tech, NULL, 0, &fs, &err) == 0);
    int digits[8], n = 0, prev = -1, ordered = 1;
    for (int more = fingers_first(&fs, digits); more; more = fingers_next(&fs, digits)) {
        int key = fingers_value(&fs, digits, 0) * 100 + fingers_value(&fs, digits, 2);
        ordered &= key > prev;
        prev = key;
        CHECK(fingers_value(&fs, digits, 0) == fingers_value(&fs, digits, 1));
        n++;
    }
    CHECK_INT(n, 14);
    CHECK(ordered);
    char text_count[64];
    fingers_count_text(&fs, text_count, sizeof text_count);
    CHECK_STR(text_count, "14");
    fingers_space_free(&fs);
    netlist_free(nl);
    tech_free(tech);
}

/* Sampled tuples come in enumeration order, without repeats. */
static int lex_less(const int *x, const int *y, int n)
{
    for (int g = 0; g < n; g++)
        if (x[g] != y[g]) return x[g] < y[g];
    return 0;
}

TEST(sampling)
{
    halo_err err;
    halo_tech *tech = tech_load("sky130", &err);
    netlist *nl = design();
    fingers_space fs;
    CHECK(fingers_space_build(nl, tech, NULL, 0, &fs, &err) == 0);
    int *a, *b;
    int na = fingers_sample(&fs, 20, 5, &a), nb = fingers_sample(&fs, 20, 5, &b);
    CHECK_INT(na, 20);
    CHECK_INT(nb, 20);
    CHECK(memcmp(a, b, sizeof(int) * 20 * (size_t)fs.ngroups) == 0);
    for (int i = 1; i < na; i++) CHECK(lex_less(a + (i - 1) * fs.ngroups, a + i * fs.ngroups, fs.ngroups));
    free(b);
    nb = fingers_sample(&fs, 20, 6, &b);
    CHECK(memcmp(a, b, sizeof(int) * 20 * (size_t)fs.ngroups) != 0);
    free(a);
    free(b);
    na = fingers_sample(&fs, 1000, 1, &a);
    CHECK_INT(na, 98);     /* more than exist: all of them */
    free(a);
    fingers_space_free(&fs);
    netlist_free(nl);
    tech_free(tech);
}

TEST(huge_count_is_exact)
{
    /* 40 unmatched transistors with W=8: 7^40 arrangements */
    su_buf b = {0};
    su_buf_add(&b, ".subckt big a b\n");
    for (int i = 0; i < 40; i++) su_buf_printf(&b, "XM%d a b a a sky130_fd_pr__nfet_01v8 W=8 L=0.5\n", i);
    su_buf_add(&b, ".ends\n");
    halo_err err;
    netlist *nl = spice_read_text(b.s, b.len, "big.sp", NULL, &err);
    halo_tech *tech = tech_load("sky130", &err);
    fingers_space fs;
    CHECK(fingers_space_build(nl, tech, NULL, 0, &fs, &err) == 0);
    char text_count[128];
    fingers_count_text(&fs, text_count, sizeof text_count);
    CHECK_STR(text_count, "6366805760909027985741435139224001");   /* 7^40 */
    uint64_t c;
    CHECK(fingers_count_u64(&fs, &c) != 0);
    int *s;
    CHECK_INT(fingers_sample(&fs, 50, 3, &s), 50);
    free(s);
    fingers_space_free(&fs);
    su_buf_free(&b);
    netlist_free(nl);
    tech_free(tech);
}

TEST(apply)
{
    halo_err err;
    halo_tech *tech = tech_load("sky130", &err);
    netlist *nl = design();
    const char *pair[] = {"XM1", "XM2"};
    constraints_match(nl, pair, 2, "t", &err);
    const char *names[] = {"XM1"};
    int four[] = {4}, three[] = {3};
    CHECK(fingers_apply(nl, tech, names, four, 1, &err) == 0);
    CHECK_INT(nl->devs[1].nf, 4);                  /* the matched partner too */
    CHECK_NEAR(netlist_finger_w(&nl->devs[0]), 2, 0);
    CHECK(fingers_apply(nl, tech, names, three, 1, &err) == HALO_E_FNG_ILLEGAL);
    CHECK_INT(nl->devs[0].nf, 4);                  /* unchanged */
    const char *both[] = {"XM1", "XM2"};
    int diff[] = {2, 4};
    CHECK(fingers_apply(nl, tech, both, diff, 2, &err) == HALO_E_FNG_ILLEGAL);
    CHECK(strstr(err.msg, "matched") != NULL);
    const char *cap[] = {"XC1"};
    CHECK(fingers_apply(nl, tech, cap, four, 1, &err) == HALO_E_FNG_DEVICE);
    netlist_free(nl);
    tech_free(tech);
}

UNIT_MAIN("test_fingers")
