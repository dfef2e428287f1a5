/* test_netjson.c -- netlist_json read/write and round trips with SPICE. */
#include "netlist/netjson.h"
#include "netlist/spice.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static const char *schema_example =
    "{\"nets\": [{\"name\": \"VDD\", \"role\": \"supply_pos\", \"external\": true},"
    "            {\"name\": \"VIN\", \"role\": \"input_v\", \"external\": true},"
    "            {\"name\": \"VSS\", \"role\": \"supply_neg\", \"external\": true},"
    "            {\"name\": \"NET1\", \"role\": \"internal\", \"external\": false}],"
    " \"devices\": [{\"name\": \"M1\", \"type\": \"nmos\", \"model\": \"nmos4\","
    "   \"pins\": [{\"role\": \"D\", \"net\": \"NET1\"}, {\"role\": \"G\", \"net\": \"VIN\"},"
    "              {\"role\": \"S\", \"net\": \"VSS\"}, {\"role\": \"B\", \"net\": \"VSS\"}],"
    "   \"params\": {\"W\": 10.0, \"L\": 0.5}},"
    "  {\"name\": \"XC1\", \"type\": \"cap\", \"model\": \"sky130_fd_pr__cap_mim_m3_1\","
    "   \"pins\": [{\"role\": \"P\", \"net\": \"NET1\"}, {\"role\": \"N\", \"net\": \"VSS\"}],"
    "   \"params\": {\"W\": 10, \"L\": 10}},"
    "  {\"name\": \"R1\", \"type\": \"res\", \"model\": \"\","
    "   \"pins\": [{\"role\": \"P\", \"net\": \"NET1\"}, {\"role\": \"N\", \"net\": \"VDD\"}],"
    "   \"params\": {\"r\": 10000}}]}";

static netlist *rj(const char *text, halo_err *err)
{
    halo_err_clear(err);
    return netjson_read_text(text, strlen(text), "n.json", err);
}

TEST(reads_schema_example)
{
    halo_err err;
    netlist *nl = rj(schema_example, &err);
    CHECK(nl != NULL);
    if (!nl) { printf("    %s\n", err.msg); return; }
    CHECK_INT(nl->ndevs, 3);
    CHECK_INT(nl->nports, 3);
    CHECK_STR(nl->name, "n");
    CHECK_INT(nl->devs[0].element, 'M');
    CHECK_INT(nl->devs[1].element, 'X');
    CHECK_INT(nl->devs[2].element, 'R');
    netlist_free(nl);
}

/* JSON -> SPICE -> JSON keeps every device, connection and parameter. */
TEST(json_spice_json)
{
    halo_err err;
    netlist *a = rj(schema_example, &err);
    CHECK(a != NULL);
    if (!a) return;
    char *sp = spice_write_text(a, NULL);
    netlist *b = spice_read_text(sp, strlen(sp), "n.sp", NULL, &err);
    CHECK(b != NULL);
    if (!b) { printf("    %s\n%s", err.msg, sp); free(sp); netlist_free(a); return; }
    char *ja = netjson_write_text(a, 0), *jb = netjson_write_text(b, 0);
    CHECK_STR(ja, jb);
    char why[256] = "";
    CHECK(netlist_compare(a, b, 0, why, sizeof why) == 0);
    if (*why) printf("    %s\n", why);
    free(ja);
    free(jb);
    free(sp);
    netlist_free(a);
    netlist_free(b);
}

/* A value keeps all its digits through write and read (cJSON's printer
 * keeps 15 when they come within DBL_EPSILON). */
TEST(numbers_round_trip_exactly)
{
    const char *sp = ".subckt a x vss\nV1 x vss 9.003879454643068\nR1 x vss 0.30000000000000004\n.ends\n";
    halo_err err;
    netlist *a = spice_read_text(sp, strlen(sp), "a.sp", NULL, &err);
    CHECK(a != NULL);
    if (!a) return;
    char *j = netjson_write_text(a, 0);
    netlist *b = netjson_read_text(j, strlen(j), "a.json", &err);
    CHECK(b != NULL);
    char why[256] = "";
    CHECK(b && netlist_compare(a, b, 0, why, sizeof why) == 0);
    if (*why) printf("    %s\n%s\n", why, j);
    CHECK(strstr(j, "9.003879454643068") != NULL);
    free(j);
    netlist_free(b);
    netlist_free(a);
}

TEST(template_placeholder)
{
    const char *t = ".subckt s d g s b\nXM1 d g s b sky130_fd_pr__nfet_01v8 W=2 L=0.5 nf=ZZZ\n.ends\n";
    spice_read_opts o = {.wmode = NETLIST_W_PER_FINGER};
    halo_err err;
    netlist *a = spice_read_text(t, strlen(t), "s.sp", &o, &err);
    CHECK(a != NULL);
    if (!a) return;
    char *j = netjson_write_text(a, 0);
    CHECK(strstr(j, "\"nf\":\"ZZZ\"") != NULL);
    CHECK(strstr(j, "\"W_finger\":2") != NULL);
    netlist *b = netjson_read_text(j, strlen(j), "s.json", &err);
    CHECK(b && b->devs[0].nf == 0 && b->devs[0].wmode == NETLIST_W_PER_FINGER);
    free(j);
    netlist_free(a);
    netlist_free(b);
}

static void expect(const char *text, halo_msg_id id, const char *needle, int *unit_failed_)
{
    halo_err err;
    netlist *nl = rj(text, &err);
    CHECK(nl == NULL);
    netlist_free(nl);
    CHECK_INT(err.id, id);
    if (!strstr(err.msg, needle)) printf("    message: %s\n", err.msg);
    CHECK(strstr(err.msg, needle) != NULL);
    CHECK(strncmp(err.msg, "n.json", 6) == 0);
}

TEST(bad_json)
{
    expect("{\"nets\": [", HALO_E_JSN_SYNTAX, "ends too early", unit_failed_);
    expect("{\"nets\": [}", HALO_E_JSN_SYNTAX, "line 1", unit_failed_);
    expect("{} x", HALO_E_JSN_SYNTAX, "after the end", unit_failed_);
    expect("[]", HALO_E_JSN_SCHEMA, "top level", unit_failed_);
    expect("{\"nets\": [], \"devices\": []}", HALO_E_JSN_SCHEMA, "empty", unit_failed_);
    expect("{\"nets\": [{\"name\": \"a\", \"role\": \"power\"}], \"devices\": []}", HALO_E_JSN_VOCAB, "power", unit_failed_);
    expect("{\"nets\": [{\"name\": \"a\"}], \"devices\": [{\"name\": \"R1\", \"type\": \"resistor\"}]}",
           HALO_E_JSN_VOCAB, "resistor", unit_failed_);
    expect("{\"nets\": [{\"name\": \"a\"}], \"devices\": [{\"name\": \"R1\", \"type\": \"res\", "
           "\"pins\": [{\"role\": \"P\", \"net\": \"zz\"}]}]}", HALO_E_JSN_NET, "zz", unit_failed_);
    expect("{\"nets\": [{\"name\": \"a b\"}], \"devices\": []}", HALO_E_JSN_SCHEMA, "net name", unit_failed_);
    expect("{\"nets\": [{\"name\": \"a\"}, {\"name\": \"a\"}], \"devices\": []}", HALO_E_JSN_SCHEMA, "twice", unit_failed_);
    expect("{\"nets\": [{\"name\": \"a\"}], \"devices\": [{\"name\": \"M1\", \"type\": \"nmos\", "
           "\"pins\": [{\"role\": \"D\", \"net\": \"a\"}]}]}", HALO_E_JSN_SCHEMA, "4 pins", unit_failed_);
}

UNIT_MAIN("test_netjson")
