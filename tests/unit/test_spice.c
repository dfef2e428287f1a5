/* test_spice.c -- the SPICE reader and writer on inline netlists. */
#include "netlist/spice.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static netlist *rd(const char *text, halo_err *err)
{
    halo_err_clear(err);
    return spice_read_text(text, strlen(text), "t.sp", NULL, err);
}

static double param(const netlist *nl, const char *dev, const char *name)
{
    int d = netlist_device_find(nl, dev);
    double v = -1;
    if (d < 0 || netlist_param_get(&nl->devs[d], name, &v) != 0) return -1;
    return v;
}

static const char *pin_net(const netlist *nl, const char *dev, int pin)
{
    int d = netlist_device_find(nl, dev);
    return d < 0 || pin >= nl->devs[d].npins ? "?" : nl->nets[nl->devs[d].pins[pin].net].name;
}

static const char *ota =
    "* a comment line\n"
    ".param wn=4 lin=0.5\n"
    ".subckt ota VDD VSS VINP VINN VOUT IBIAS\n"
    "XM1 n1 VINP tail VSS sky130_fd_pr__nfet_01v8 W={2*wn} L=lin nf=ZZZ m=1 ; inline comment\n"
    "XM2 VOUT VINN tail VSS sky130_fd_pr__nfet_01v8\n"
    "+ W = 8 L = 0.5 nf=2\n"
    "XM3 n1 n1 VDD VDD sky130_fd_pr__pfet_01v8 W='wn*1' L=1 $ ngspice comment\n"
    "XM4 VOUT n1 VDD VDD sky130_fd_pr__pfet_01v8 W=4 L=1\n"
    "XM5 tail IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=4 L=1\n"
    "XC1 VOUT n1 sky130_fd_pr__cap_mim_m3_1 W=10 L=10 MF=1\n"
    "XR1 n1 mid VSS sky130_fd_pr__res_high_po_0p35 L=3.5\n"
    "R2 mid VOUT 10k\n"
    "C3 VOUT 0 1.5p\n"
    ".ends ota\n";

TEST(reads_ota_template)
{
    halo_err err;
    netlist *nl = rd(ota, &err);
    CHECK(nl != NULL);
    if (!nl) { printf("    %s\n", err.msg); return; }
    CHECK_STR(nl->name, "ota");
    CHECK_INT(nl->ndevs, 9);
    CHECK_INT(nl->nports, 6);
    CHECK_NEAR(param(nl, "XM1", "W"), 8, 0);
    CHECK_NEAR(param(nl, "XM1", "L"), 0.5, 0);
    CHECK_INT(nl->devs[netlist_device_find(nl, "XM1")].nf, 0);     /* ZZZ */
    CHECK_INT(nl->devs[netlist_device_find(nl, "XM2")].nf, 2);
    CHECK_NEAR(param(nl, "XM3", "W"), 4, 0);
    CHECK_INT(nl->devs[netlist_device_find(nl, "XM3")].type, NL_PMOS);
    CHECK_INT(nl->devs[netlist_device_find(nl, "XC1")].type, NL_CAP);
    CHECK_INT(nl->devs[netlist_device_find(nl, "XR1")].type, NL_RES);
    CHECK_STR(nl->devs[netlist_device_find(nl, "XR1")].pins[2].role, "B");
    CHECK_NEAR(param(nl, "R2", "r"), 10e3, 0);
    CHECK_NEAR(param(nl, "C3", "c"), 1.5e-12, 0);
    CHECK_STR(pin_net(nl, "XM1", 1), "VINP");
    CHECK_STR(nl->devs[netlist_device_find(nl, "XM1")].pins[1].role, "G");
    CHECK_INT(nl->nets[netlist_net_find(nl, "VDD")].role, NL_SUPPLY_POS);
    CHECK_INT(nl->nets[netlist_net_find(nl, "VOUT")].role, NL_OUTPUT_V);
    CHECK_INT(nl->nets[netlist_net_find(nl, "IBIAS")].role, NL_BIAS_CURRENT);
    CHECK_INT(nl->nets[netlist_net_find(nl, "tail")].role, NL_INTERNAL);
    netlist_free(nl);
}

TEST(flattens_hierarchy_with_params)
{
    const char *text =
        ".subckt inv in out vdd vss wp=2 wn=1\n"
        "XMP out in vdd vdd sky130_fd_pr__pfet_01v8 W={wp} L=0.15\n"
        "XMN out in vss vss sky130_fd_pr__nfet_01v8 W={wn} L=0.15\n"
        ".ends\n"
        ".subckt buf a y VDD VSS\n"
        "X1 a mid VDD VSS inv wp=4\n"
        "X2 mid y VDD VSS inv m=2\n"
        ".ends buf\n";
    halo_err err;
    netlist *nl = rd(text, &err);
    CHECK(nl != NULL);
    if (!nl) { printf("    %s\n", err.msg); return; }
    CHECK_STR(nl->name, "buf");
    CHECK_INT(nl->ndevs, 4);
    CHECK_NEAR(param(nl, "X1/XMP", "W"), 4, 0);
    CHECK_NEAR(param(nl, "X1/XMN", "W"), 1, 0);
    CHECK_NEAR(param(nl, "X2/XMP", "W"), 2, 0);
    CHECK_NEAR(param(nl, "X2/XMP", "m"), 2, 0);
    CHECK_STR(pin_net(nl, "X1/XMP", 0), "mid");
    CHECK_STR(pin_net(nl, "X2/XMN", 1), "mid");
    CHECK_STR(pin_net(nl, "X2/XMN", 0), "y");
    netlist_free(nl);
}

TEST(m_elements_in_metres)
{
    const char *text =
        ".model nch nmos level=1\n"
        "M1 d g 0 0 nch W=10u L=0.5u\n"
        "V1 d 0 DC 1.8\n"
        "V2 g 0 0.9 AC 1\n"
        "I1 d 0 PULSE(0 1m 1n 1n 1n 5n 10n)\n"
        "D1 d 0 dmod\n"
        "Q1 c b 0 pnpmod 2\n";
    halo_err err;
    netlist *nl = rd(text, &err);
    CHECK(nl != NULL);
    if (!nl) { printf("    %s\n", err.msg); return; }
    CHECK_NEAR(param(nl, "M1", "W"), 10, 0);
    CHECK_NEAR(param(nl, "M1", "L"), 0.5, 0);
    CHECK_NEAR(param(nl, "V1", "dc"), 1.8, 0);
    CHECK_NEAR(param(nl, "V2", "dc"), 0.9, 0);
    CHECK_NEAR(param(nl, "V2", "ac"), 1, 0);
    CHECK_INT(nl->devs[netlist_device_find(nl, "Q1")].type, NL_PNP);
    CHECK_INT(nl->devs[netlist_device_find(nl, "D1")].type, NL_OTHER);
    const netlist_param *p = netlist_param_find(&nl->devs[netlist_device_find(nl, "I1")], "tran");
    CHECK(p && p->text && strcmp(p->text, "PULSE(0 1m 1n 1n 1n 5n 10n)") == 0);
    netlist_free(nl);
}

/* Each malformed input gives one error with the right id and line. */
static void expect_error(const char *text, halo_msg_id id, int line, int *unit_failed_)
{
    halo_err err;
    netlist *nl = rd(text, &err);
    CHECK(nl == NULL);
    netlist_free(nl);
    if (err.id != id || err.line != line) printf("    got %d line %d: %s\n", err.id, err.line, err.msg);
    CHECK_INT(err.id, id);
    CHECK_INT(err.line, line);
    CHECK(strchr(err.msg, '\n') == NULL);
    CHECK(strncmp(err.msg, "t.sp", 4) == 0);
}

TEST(malformed_inputs)
{
    expect_error(".subckt a x y\nR1 x y 1k\n", HALO_E_SPC_UNBALANCED, 1, unit_failed_);
    expect_error("R1 x y 1k\n.ends\n", HALO_E_SPC_STRAYENDS, 2, unit_failed_);
    expect_error("R1 x y 1k\nK1 l1 l2 0.9\n", HALO_E_SPC_ELEMENT, 2, unit_failed_);
    expect_error("R1 x y 1k\nR2 x y 1.2.3k\n", HALO_E_SPC_NUMBER, 2, unit_failed_);
    expect_error("+ R1 x y 1k\n", HALO_E_SPC_CONTINUE, 1, unit_failed_);
    expect_error("X1 a b nosuch\n", HALO_E_SPC_NOSUBCKT, 1, unit_failed_);
    expect_error(".subckt s a b\nR1 a b 1\n.ends\nX1 a s\n", HALO_E_SPC_PORTS, 4, unit_failed_);
    expect_error(".subckt s a b\nX1 a b s\n.ends\nX1 a b s\n", HALO_E_SPC_RECURSION, 2, unit_failed_);
    expect_error("R1 x y {w*2}\n", HALO_E_SPC_EXPR, 1, unit_failed_);
    expect_error("R1 x y 1\nR1 y z 2\n", HALO_E_SPC_DUPLICATE, 2, unit_failed_);
    expect_error("XM1 d g s b sky130_fd_pr__nfet_01v8 W=1 L=1 nf=2.5\n", HALO_E_SPC_NF, 1, unit_failed_);
    expect_error("XM1 d g s sky130_fd_pr__nfet_01v8 W=1 L=1\n", HALO_E_SPC_NODES, 1, unit_failed_);
    expect_error("M1 d g s b\n", HALO_E_SPC_NODES, 1, unit_failed_);
    expect_error("* only a comment\n", HALO_E_SPC_EMPTY, 0, unit_failed_);
    expect_error(".subckt a x\nR1 x 0 1\n.ends\n.subckt b x\nR1 x 0 1\n.ends\n", HALO_E_SPC_TOP, 0, unit_failed_);
    expect_error(".subckt a x\nR1 x 0 1\n.ends\n.subckt a y\n.ends\n", HALO_E_SPC_DUPLICATE, 4, unit_failed_);
}

TEST(top_option)
{
    const char *text = ".subckt a x\nR1 x 0 1\n.ends\n.subckt b x\nR1 x 0 2\n.ends\n";
    spice_read_opts o = {.top = "b", .wmode = NETLIST_W_TOTAL};
    halo_err err;
    netlist *nl = spice_read_text(text, strlen(text), "t.sp", &o, &err);
    CHECK(nl && strcmp(nl->name, "b") == 0);
    CHECK(nl && param(nl, "R1", "r") == 2);
    netlist_free(nl);
    o.top = "c";
    nl = spice_read_text(text, strlen(text), "t.sp", &o, &err);
    CHECK(nl == NULL && err.id == HALO_E_SPC_TOP);
    CHECK(strstr(err.msg, "a, b") != NULL);
}

TEST(write_read_round_trip)
{
    halo_err err;
    netlist *a = rd(ota, &err);
    CHECK(a != NULL);
    if (!a) return;
    char *text = spice_write_text(a, NULL);
    netlist *b = spice_read_text(text, strlen(text), "w.sp", NULL, &err);
    CHECK(b != NULL);
    char why[256] = "";
    if (b) CHECK(netlist_compare(a, b, 1e-12, why, sizeof why) == 0);
    if (*why) printf("    %s\n%s", why, text);
    CHECK(strstr(text, "nf=ZZZ") != NULL);
    free(text);
    netlist_free(b);
    netlist_free(a);
}

TEST(fingers_as_multiplier)
{
    const char *text = ".subckt s d g s b\nXM1 d g s b sky130_fd_pr__nfet_01v8 W=8 L=0.5 nf=4 m=2\n.ends\n";
    halo_err err;
    netlist *nl = rd(text, &err);
    CHECK(nl != NULL);
    if (!nl) return;
    spice_write_opts o = {1, NULL, 0};
    char *out = spice_write_text(nl, &o);
    CHECK(strstr(out, "W=2 L=0.5 m=8") != NULL);
    CHECK(strstr(out, "nf=") == NULL);
    free(out);
    netlist_free(nl);
}

TEST(per_finger_width)
{
    const char *text = ".subckt s d g s b\nXM1 d g s b sky130_fd_pr__nfet_01v8 W=2 L=0.5 nf=ZZZ\n.ends\n";
    spice_read_opts o = {.wmode = NETLIST_W_PER_FINGER};
    halo_err err;
    netlist *nl = spice_read_text(text, strlen(text), "t.sp", &o, &err);
    CHECK(nl != NULL);
    if (!nl) return;
    netlist_device *d = &nl->devs[0];
    CHECK_NEAR(netlist_finger_w(d), 2, 0);
    CHECK_NEAR(netlist_total_w(d), 0, 0);
    netlist_set_nf(d, 3);
    CHECK_NEAR(netlist_total_w(d), 6, 0);
    CHECK_NEAR(netlist_finger_w(d), 2, 0);
    netlist_free(nl);
}

/* A PDK device with W or L below SPICE_UM_MIN um would read back by
 * magnitude as metres if written in um: it is written in metres. */
TEST(tiny_pdk_geometry_round_trip)
{
    const char *text = ".subckt s d g s b\nXM1 d g s b sky130_fd_pr__nfet_01v8 W=8e-06 L=0.15 ad=1e-6\n.ends\n";
    spice_read_opts o = {.wmode = NETLIST_W_TOTAL, .units = SPICE_UNITS_UM};
    halo_err err;
    netlist *a = spice_read_text(text, strlen(text), "t.sp", &o, &err);
    CHECK(a != NULL);
    if (!a) return;
    char *w = spice_write_text(a, NULL);
    CHECK(strstr(w, "W=8e-06u L=0.15u") != NULL);
    netlist *b = spice_read_text(w, strlen(w), "w.sp", NULL, &err);
    char why[256] = "";
    CHECK(b && netlist_compare(a, b, 1e-9, why, sizeof why) == 0);
    if (*why) printf("    %s\n%s", why, w);
    netlist_free(b);
    free(w);
    netlist_free(a);
}

UNIT_MAIN("test_spice")
