/* test_netlist.c -- the netlist database: vocabularies, roles, clone, compare. */
#include "netlist/constraints.h"
#include "netlist/netlist.h"
#include "unit.h"

#include <string.h>

TEST(vocabularies)
{
    netlist_devtype t;
    CHECK(netlist_devtype_parse("nmos", &t) == 0 && t == NL_NMOS);
    CHECK(netlist_devtype_parse("other", &t) == 0 && t == NL_OTHER);
    CHECK(netlist_devtype_parse("NMOS", &t) != 0);
    netlist_netrole r;
    CHECK(netlist_netrole_parse("bias_current", &r) == 0 && r == NL_BIAS_CURRENT);
    CHECK(netlist_netrole_parse("power", &r) != 0);
    CHECK(netlist_pinrole_valid("SUB") && netlist_pinrole_valid("X") && !netlist_pinrole_valid("Q"));
}

TEST(role_guessing)
{
    CHECK_INT(netlist_guess_netrole("VDD", 1), NL_SUPPLY_POS);
    CHECK_INT(netlist_guess_netrole("vss", 1), NL_SUPPLY_NEG);
    CHECK_INT(netlist_guess_netrole("0", 0), NL_SUPPLY_NEG);
    CHECK_INT(netlist_guess_netrole("VINP", 1), NL_INPUT_V);
    CHECK_INT(netlist_guess_netrole("VOUT", 1), NL_OUTPUT_V);
    CHECK_INT(netlist_guess_netrole("IBIAS", 1), NL_BIAS_CURRENT);
    CHECK_INT(netlist_guess_netrole("VBIAS1", 1), NL_BIAS_VOLTAGE);
    CHECK_INT(netlist_guess_netrole("net7", 0), NL_INTERNAL);
    CHECK_INT(netlist_guess_netrole("net7", 1), NL_UNKNOWN);
}

static netlist *pair(void)
{
    netlist *nl = netlist_new("p");
    int a = netlist_net_get(nl, "A"), b = netlist_net_get(nl, "B");
    netlist_add_port(nl, a);
    for (int i = 0; i < 3; i++) {
        char name[8];
        snprintf(name, sizeof name, "XM%d", i + 1);
        int d = netlist_device_add(nl, name, i < 2 ? NL_NMOS : NL_PMOS, 'X', "sky130_fd_pr__nfet_01v8");
        netlist_device_add_pin(nl, d, "D", a);
        netlist_device_add_pin(nl, d, "G", b);
        netlist_device_add_pin(nl, d, "S", b);
        netlist_device_add_pin(nl, d, "B", b);
        netlist_param_set(&nl->devs[d], "W", 4);
    }
    return nl;
}

TEST(clone_and_compare)
{
    netlist *a = pair(), *b = netlist_clone(a);
    char why[200];
    CHECK(netlist_compare(a, b, 0, why, sizeof why) == 0);
    netlist_param_set(&b->devs[1], "W", 4.5);
    CHECK(netlist_compare(a, b, 1e-9, why, sizeof why) != 0);
    CHECK(strstr(why, "XM2") != NULL);
    CHECK(netlist_device_add(a, "xm1", NL_NMOS, 'X', "") < 0);   /* names ignore case */
    netlist_free(a);
    netlist_free(b);
}

TEST(match_groups_merge)
{
    netlist *nl = pair();
    halo_err err;
    const char *g1[] = {"XM1", "XM2"};
    CHECK(constraints_match(nl, g1, 2, "test", &err) == 0);
    CHECK_INT(nl->nmatch_groups, 1);
    const char *bad[] = {"XM1", "XM3"};
    CHECK(constraints_match(nl, bad, 2, "test", &err) == HALO_E_CON_TYPE);
    const char *unknown[] = {"XM1", "XM9"};
    CHECK(constraints_match(nl, unknown, 2, "test", &err) == HALO_E_CON_DEVICE);
    CHECK(strstr(err.msg, "XM9") != NULL);
    const char *self[] = {"XM1", "XM1"};
    CHECK(constraints_match(nl, self, 2, "test", &err) == HALO_E_CON_SELF);
    const char *pairs = "{\"pairs\": [[\"XM1\", \"XM2\"], [\"XM2\", \"XM9\"]]}";
    CHECK(constraints_read_pairs_text(nl, pairs, strlen(pairs), "pairs.json", &err) == HALO_E_CON_DEVICE);
    CHECK(strstr(err.msg, "pairs.json") != NULL);
    CHECK_INT(nl->nmatch_groups, 1);   /* unchanged by the failed file */
    netlist_free(nl);
}

UNIT_MAIN("test_netlist")
