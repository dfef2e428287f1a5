/* test_blocks.c -- block recognition (core/size/blocks) on circuits whose
 * blocks are worked out by hand from their schematics, on degenerate
 * netlists, and on random ones (invariants only). */
#include "base/rng.h"
#include "netlist/constraints.h"
#include "netlist/spice.h"
#include "size/blocks.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static netlist *read_text(const char *text)
{
    halo_err err;
    netlist *nl = spice_read_text(text, strlen(text), "t.sp", NULL, &err);
    if (!nl) printf("    %s\n", err.msg);
    return nl;
}

static void match(netlist *nl, const char *a, const char *b)
{
    halo_err err;
    const char *names[2] = {a, b};
    if (constraints_match(nl, names, 2, "t", &err) != 0) printf("    %s\n", err.msg);
}

static const char *short_func(blocks_func f)
{
    return f == BLK_FN_GM ? "gm" : blocks_func_name(f);
}

/* The blocks as one line: "kind:DEV,DEV[A=B] ..." in the result's order. */
static void describe_blocks(const netlist *nl, const blocks_result *r, char *out, size_t len)
{
    size_t o = 0;
    out[0] = 0;
    for (int b = 0; b < r->nblocks && o < len; b++) {
        const blocks_block *blk = &r->blocks[b];
        o += (size_t)snprintf(out + o, len - o, "%s%s:", b ? " " : "", blocks_kind_name(blk->kind));
        for (int k = 0; k < blk->ndev && o < len; k++)
            o += (size_t)snprintf(out + o, len - o, "%s%s", k ? "," : "", nl->devs[blk->dev[k]].name);
        for (int k = 0; k < blk->nsym && o < len; k++)
            o += (size_t)snprintf(out + o, len - o, "[%s=%s]", nl->devs[blk->sym[k][0]].name,
                                  nl->devs[blk->sym[k][1]].name);
    }
}

/* Every device's function: "DEV:func ..." in netlist order. */
static void describe_funcs(const netlist *nl, const blocks_result *r, char *out, size_t len)
{
    size_t o = 0;
    out[0] = 0;
    for (int i = 0; i < nl->ndevs && o < len; i++)
        o += (size_t)snprintf(out + o, len - o, "%s%s:%s", i ? " " : "", nl->devs[i].name, short_func(r->func[i]));
}

static void describe_symblocks(const blocks_result *r, char *out, size_t len)
{
    size_t o = 0;
    out[0] = 0;
    for (int k = 0; k < r->nsymblocks && o < len; k++)
        o += (size_t)snprintf(out + o, len - o, "%s%d=%d", k ? " " : "", r->symblocks[k][0], r->symblocks[k][1]);
}

/* Recognise nl and compare with the expected blocks and functions. */
#define CHECK_BLOCKS(nl, want_blocks, want_funcs)                          \
    do {                                                                  \
        blocks_result r_;                                                 \
        halo_err e_;                                                      \
        char got_[2048];                                                  \
        CHECK(blocks_recognize((nl), &r_, &e_) == 0);                     \
        describe_blocks((nl), &r_, got_, sizeof got_);                    \
        CHECK_STR(got_, want_blocks);                                     \
        describe_funcs((nl), &r_, got_, sizeof got_);                     \
        CHECK_STR(got_, want_funcs);                                      \
        blocks_result_free(&r_);                                          \
    } while (0)

/* The 5T OTA (examples/ota_5t): XM1/XM2 the NMOS pair, XM3/XM4 the PMOS
 * mirror load (XM3 the diode, on XM1's side), XM5 the tail mirroring the
 * IBIAS diode XM6.  The load mirror's sides are the two images across
 * the axis; XM5/XM6 are matched but a 2:1 mirror, so not equal. */
static const char *ota_5t =
    ".subckt ota_5t VDD VSS VINP VINN VOUT IBIAS\n"
    "XM1 n1 VINP tail VSS sky130_fd_pr__nfet_01v8 W=16 L=0.5\n"
    "XM2 VOUT VINN tail VSS sky130_fd_pr__nfet_01v8 W=16 L=0.5\n"
    "XM3 n1 n1 VDD VDD sky130_fd_pr__pfet_01v8 W=8 L=0.5\n"
    "XM4 VOUT n1 VDD VDD sky130_fd_pr__pfet_01v8 W=8 L=0.5\n"
    "XM5 tail IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=24 L=1\n"
    "XM6 IBIAS IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=12 L=1\n"
    ".ends\n";

TEST(ota_5t)
{
    netlist *nl = read_text(ota_5t);
    CHECK(nl != NULL);
    if (!nl) return;
    match(nl, "XM1", "XM2");
    match(nl, "XM3", "XM4");
    match(nl, "XM5", "XM6");
    CHECK_BLOCKS(nl, "dp:XM1,XM2[XM1=XM2] cm:XM3,XM4[XM3=XM4] cm:XM6,XM5",
                 "XM1:gm XM2:gm XM3:load XM4:load XM5:bias XM6:bias");
    netlist_free(nl);
}

/* The folded-cascode OTA (examples/sizing/fcoa.spice, the seed's Fig. 2):
 * dp XM1/XM2; XMB1 mirrored by the tail XM0 and the bias branches
 * XMB2/XMB4; XMB3 (vbp) mirrored by the fold current sources XM3/XM4 and
 * by XMB7; XM5/XM6 the folded cascodes; XM7-XM10 the high-swing cascode
 * mirror load (lower gates on n5, the drain of the upper reference XM7);
 * XMB5 and XMB6 the diodes making the cascode gate voltages. */
static const char *fcoa =
    ".subckt fcoa VDD VSS VINP VINN VOUT IBIAS\n"
    "XM1 f1 VINP tail VSS sky130_fd_pr__nfet_01v8 W=16 L=0.5\n"
    "XM2 f2 VINN tail VSS sky130_fd_pr__nfet_01v8 W=16 L=0.5\n"
    "XM0 tail IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=16 L=1\n"
    "XM3 f1 vbp VDD VDD sky130_fd_pr__pfet_01v8 W=16 L=1\n"
    "XM4 f2 vbp VDD VDD sky130_fd_pr__pfet_01v8 W=16 L=1\n"
    "XM5 n5 vbpc f1 VDD sky130_fd_pr__pfet_01v8 W=16 L=0.5\n"
    "XM6 VOUT vbpc f2 VDD sky130_fd_pr__pfet_01v8 W=16 L=0.5\n"
    "XM7 n5 vbnc m1 VSS sky130_fd_pr__nfet_01v8 W=8 L=0.5\n"
    "XM8 VOUT vbnc m2 VSS sky130_fd_pr__nfet_01v8 W=8 L=0.5\n"
    "XM9 m1 n5 VSS VSS sky130_fd_pr__nfet_01v8 W=8 L=1\n"
    "XM10 m2 n5 VSS VSS sky130_fd_pr__nfet_01v8 W=8 L=1\n"
    "XMB1 IBIAS IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=4 L=1\n"
    "XMB2 vbp IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=4 L=1\n"
    "XMB3 vbp vbp VDD VDD sky130_fd_pr__pfet_01v8 W=4 L=1\n"
    "XMB4 vbpc IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=4 L=1\n"
    "XMB5 vbpc vbpc VDD VDD sky130_fd_pr__pfet_01v8 W=1 L=2\n"
    "XMB7 vbnc vbp VDD VDD sky130_fd_pr__pfet_01v8 W=4 L=1\n"
    "XMB6 vbnc vbnc VSS VSS sky130_fd_pr__nfet_01v8 W=1 L=2\n"
    ".ends\n";

TEST(fcoa)
{
    netlist *nl = read_text(fcoa);
    CHECK(nl != NULL);
    if (!nl) return;
    CHECK_BLOCKS(nl,
                 "dp:XM1,XM2[XM1=XM2] cm:XMB1,XM0,XMB2,XMB4 cm:XMB3,XM3,XM4,XMB7[XM3=XM4] "
                 "ccm:XM9,XM10,XM7,XM8[XM9=XM10][XM7=XM8] cascode:XM5,XM6[XM5=XM6] ls:XMB5 ls:XMB6",
                 "XM1:gm XM2:gm XM0:bias XM3:bias XM4:bias XM5:load XM6:load XM7:load XM8:load XM9:load "
                 "XM10:load XMB1:bias XMB2:bias XMB3:bias XMB4:bias XMB5:bias XMB7:bias XMB6:bias");
    netlist_free(nl);
}

/* A telescopic OTA with a classic 4-transistor PMOS cascode mirror load
 * (XM7/XM8 diodes on XM5/XM6 diodes' drains: XM5 the lower diode, XM7 the
 * upper) and NMOS cascodes XM3/XM4 on a bias port.  A ccm whose two
 * stacked mirrors both have diodes; the upper diode XM7 is not a level
 * shifter, being in the ccm. */
TEST(telescopic_classic_ccm)
{
    netlist *nl = read_text(".subckt tel VDD VSS VINP VINN VOUT IBIAS VBN\n"
                            "XM1 a1 VINP tail VSS sky130_fd_pr__nfet_01v8 W=8 L=0.5\n"
                            "XM2 a2 VINN tail VSS sky130_fd_pr__nfet_01v8 W=8 L=0.5\n"
                            "XM3 n1 VBN a1 VSS sky130_fd_pr__nfet_01v8 W=8 L=0.5\n"
                            "XM4 VOUT VBN a2 VSS sky130_fd_pr__nfet_01v8 W=8 L=0.5\n"
                            "XM5 p1 p1 VDD VDD sky130_fd_pr__pfet_01v8 W=8 L=0.5\n"
                            "XM6 p2 p1 VDD VDD sky130_fd_pr__pfet_01v8 W=8 L=0.5\n"
                            "XM7 n1 n1 p1 VDD sky130_fd_pr__pfet_01v8 W=8 L=0.5\n"
                            "XM8 VOUT n1 p2 VDD sky130_fd_pr__pfet_01v8 W=8 L=0.5\n"
                            "XM9 tail IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=8 L=1\n"
                            "XM10 IBIAS IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=4 L=1\n"
                            ".ends\n");
    CHECK(nl != NULL);
    if (!nl) return;
    CHECK_BLOCKS(nl,
                 "dp:XM1,XM2[XM1=XM2] cm:XM10,XM9 ccm:XM5,XM6,XM7,XM8[XM5=XM6][XM7=XM8] "
                 "cascode:XM3,XM4[XM3=XM4]",
                 "XM1:gm XM2:gm XM3:load XM4:load XM5:load XM6:load XM7:load XM8:load XM9:bias XM10:bias");
    netlist_free(nl);
}

/* Bipolar: an NPN pair with a PNP mirror load and an NPN tail mirror; the
 * collector, base and emitter play drain, gate and source. */
TEST(bipolar)
{
    netlist *nl = read_text(".model qn npn\n.model qp pnp\n"
                            ".subckt bj VDD VSS VINP VINN VOUT IBIAS\n"
                            "Q1 c1 VINP e VSS qn\n"
                            "Q2 VOUT VINN e VSS qn\n"
                            "Q3 c1 c1 VDD VDD qp\n"
                            "Q4 VOUT c1 VDD VDD qp\n"
                            "Q5 e IBIAS VSS VSS qn\n"
                            "Q6 IBIAS IBIAS VSS VSS qn\n"
                            ".ends\n");
    CHECK(nl != NULL);
    if (!nl) return;
    CHECK_BLOCKS(nl, "dp:Q1,Q2[Q1=Q2] cm:Q3,Q4[Q3=Q4] cm:Q6,Q5",
                 "Q1:gm Q2:gm Q3:load Q4:load Q5:bias Q6:bias");
    netlist_free(nl);
}

/* A fully differential two-stage amplifier: the second stages, the
 * current-source loads and the Miller R/C branches are singles and
 * passives that are mirror images of each other across the axis (found
 * from the pair, through the loads, up the second stages, even with XR2
 * written the other way round); the two sinks are images inside the
 * bias mirror. */
TEST(fully_differential_block_symmetry)
{
    netlist *nl = read_text(".subckt fd VDD VSS VINP VINN VOUTP VOUTN IBIAS VBP\n"
                            "XM1 n1 VINP tail VSS sky130_fd_pr__nfet_01v8 W=4 L=0.5\n"
                            "XM2 n2 VINN tail VSS sky130_fd_pr__nfet_01v8 W=4 L=0.5\n"
                            "XM3 n1 VBP VDD VDD sky130_fd_pr__pfet_01v8 W=4 L=1\n"
                            "XM4 n2 VBP VDD VDD sky130_fd_pr__pfet_01v8 W=4 L=1\n"
                            "XM5 tail IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=4 L=1\n"
                            "XM6 IBIAS IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=2 L=1\n"
                            "XM7 VOUTN n1 VDD VDD sky130_fd_pr__pfet_01v8 W=8 L=0.5\n"
                            "XM8 VOUTP n2 VDD VDD sky130_fd_pr__pfet_01v8 W=8 L=0.5\n"
                            "XM9 VOUTN IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=4 L=1\n"
                            "XM10 VOUTP IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=4 L=1\n"
                            "XC1 VOUTN z1 sky130_fd_pr__cap_mim_m3_1 W=10 L=10\n"
                            "XC2 VOUTP z2 sky130_fd_pr__cap_mim_m3_1 W=10 L=10\n"
                            "XR1 n1 z1 VSS sky130_fd_pr__res_high_po_0p35 L=2\n"
                            "XR2 z2 n2 VSS sky130_fd_pr__res_high_po_0p35 L=2\n"
                            ".ends\n");
    CHECK(nl != NULL);
    if (!nl) return;
    CHECK_BLOCKS(nl,
                 "dp:XM1,XM2[XM1=XM2] cm:XM6,XM5,XM9,XM10[XM9=XM10] single:XM3 single:XM4 single:XM7 "
                 "single:XM8 passive:XC1 passive:XC2 passive:XR1 passive:XR2",
                 "XM1:gm XM2:gm XM3:bias XM4:bias XM5:bias XM6:bias XM7:gm XM8:gm XM9:bias XM10:bias "
                 "XC1:none XC2:none XR1:none XR2:none");
    blocks_result r;
    halo_err err;
    char got[256];
    CHECK(blocks_recognize(nl, &r, &err) == 0);
    describe_symblocks(&r, got, sizeof got);
    CHECK_STR(got, "2=3 4=5 6=7 8=9");
    blocks_result_free(&r);
    netlist_free(nl);
}

/* Match groups: two matched outputs of one mirror are equal; a matched
 * reference and output are not (the gain); a matched pair of singles is a
 * pair of mirror-image blocks. */
TEST(match_groups)
{
    netlist *nl = read_text(".subckt m VDD VSS IBIAS o1 o2 o3 VB\n"
                            "XM1 IBIAS IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=2 L=1\n"
                            "XM2 o1 IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=4 L=1\n"
                            "XM3 o2 IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=4 L=1\n"
                            "XM4 o1 VB VDD VDD sky130_fd_pr__pfet_01v8 W=4 L=1\n"
                            "XM5 o3 VB VDD VDD sky130_fd_pr__pfet_01v8 W=4 L=1\n"
                            ".ends\n");
    CHECK(nl != NULL);
    if (!nl) return;
    match(nl, "XM1", "XM2");
    const char *three[] = {"XM1", "XM2", "XM3"};
    halo_err err;
    CHECK(constraints_match(nl, three, 3, "t", &err) == 0);
    match(nl, "XM4", "XM5");
    CHECK_BLOCKS(nl, "cm:XM1,XM2,XM3[XM2=XM3] single:XM4 single:XM5",
                 "XM1:bias XM2:bias XM3:bias XM4:bias XM5:bias");
    blocks_result r;
    char got[64];
    CHECK(blocks_recognize(nl, &r, &err) == 0);
    describe_symblocks(&r, got, sizeof got);
    CHECK_STR(got, "1=2");
    blocks_result_free(&r);
    netlist_free(nl);
}

/* Overlapping blocks: MO mirrors the diode MD (one source net x) and
 * stands on MS's drain with its gate on a bias, so it is a cm output and
 * a cascode; it takes the mirror's function.  MS is a plain current
 * source on a bias port. */
TEST(overlap)
{
    netlist *nl = read_text(".subckt ov VDD VSS IBIAS o VB\n"
                            "MD IBIAS IBIAS x VSS sky130_fd_pr__nfet_01v8 W=2 L=1\n"
                            "MO o IBIAS x VSS sky130_fd_pr__nfet_01v8 W=2 L=1\n"
                            "MS x VB VSS VSS sky130_fd_pr__nfet_01v8 W=4 L=1\n"
                            ".ends\n");
    CHECK(nl != NULL);
    if (!nl) return;
    CHECK_BLOCKS(nl, "cm:MD,MO cascode:MO single:MS", "MD:bias MO:bias MS:bias");
    netlist_free(nl);
}

/* What no rule fits: a dummy (all pins on VSS), a MOS capacitor (drain
 * on source), a transistor with a floating gate, one without a source
 * pin, a BJT with its base open, sources and a diode element.  Each
 * transistor is a block; the degenerate ones have no function. */
TEST(degenerate_devices)
{
    netlist *nl = netlist_new("odd");
    int vss = netlist_net_get(nl, "VSS"), a = netlist_net_get(nl, "a"), fl = netlist_net_get(nl, "fl");
    netlist_add_port(nl, vss);
    netlist_add_port(nl, a);
    int d;
    const struct { const char *name; netlist_devtype t; int dn, gn, sn; } devs[] = {
        {"DUMMY", NL_NMOS, vss, vss, vss}, {"MOSCAP", NL_PMOS, vss, a, vss}, {"FLOAT", NL_NMOS, a, fl, vss},
        {"NOSRC", NL_NMOS, a, a, -1},      {"QOPEN", NL_NPN, a, -1, vss},
    };
    for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
        int mos = devs[i].t == NL_NMOS || devs[i].t == NL_PMOS;
        d = netlist_device_add(nl, devs[i].name, devs[i].t, mos ? 'M' : 'Q', "");
        if (devs[i].dn >= 0) netlist_device_add_pin(nl, d, mos ? "D" : "C", devs[i].dn);
        if (devs[i].gn >= 0) netlist_device_add_pin(nl, d, mos ? "G" : "B", devs[i].gn);
        if (devs[i].sn >= 0) netlist_device_add_pin(nl, d, mos ? "S" : "E", devs[i].sn);
    }
    d = netlist_device_add(nl, "V1", NL_VSRC, 'V', "");
    netlist_device_add_pin(nl, d, "P", a);
    netlist_device_add_pin(nl, d, "N", vss);
    d = netlist_device_add(nl, "I1", NL_ISRC, 'I', "");
    netlist_device_add_pin(nl, d, "P", a);
    d = netlist_device_add(nl, "D1", NL_OTHER, 'D', "");
    netlist_device_add_pin(nl, d, "P", a);
    netlist_device_add_pin(nl, d, "N", a);
    d = netlist_device_add(nl, "R1", NL_RES, 'R', "");   /* one pin only */
    netlist_device_add_pin(nl, d, "P", a);
    CHECK_BLOCKS(nl, "single:DUMMY single:MOSCAP single:FLOAT single:NOSRC single:QOPEN passive:R1",
                 "DUMMY:none MOSCAP:none FLOAT:bias NOSRC:none QOPEN:none V1:none I1:none D1:none R1:none");
    netlist_free(nl);
}

TEST(empty_and_null)
{
    blocks_result r;
    halo_err err;
    halo_err_clear(&err);
    CHECK(blocks_recognize(NULL, &r, &err) == HALO_E_BLK_NODESIGN);
    CHECK_INT(r.nblocks, 0);
    CHECK(strstr(err.msg, "No design is loaded") != NULL);
    CHECK_STR(halo_msg_lookup(err.id)->module, "BLK");
    blocks_result_free(&r);
    netlist *nl = netlist_new("empty");
    CHECK(blocks_recognize(nl, &r, &err) == 0);
    CHECK_INT(r.nblocks, 0);
    CHECK_INT(r.ndev, 0);
    CHECK_INT(r.nsymblocks, 0);
    blocks_result_free(&r);
    blocks_result_free(NULL);
    netlist_free(nl);
    CHECK_STR(blocks_kind_name(BLK_CCM), "ccm");
    CHECK_STR(blocks_kind_name(BLK_NKINDS), "?");
    CHECK_STR(blocks_func_name(BLK_FN_GM), "transconductance");
    CHECK_STR(blocks_func_name(BLK_FN_NONE), "none");
}

/* A random netlist over few nets: transistors (some with pins missing),
 * passives and sources, random roles and match groups. */
static netlist *random_netlist(halo_rng *g)
{
    static const netlist_devtype types[] = {NL_NMOS, NL_PMOS, NL_NPN, NL_PNP, NL_RES, NL_CAP, NL_VSRC, NL_OTHER};
    static const char *const mos[] = {"D", "G", "S", "B"}, *const bjt[] = {"C", "B", "E", "SUB"},
                             *const two[] = {"P", "N", "B", "X"};
    netlist *nl = netlist_new("rnd");
    int nnets = 1 + (int)rng_below(g, 8), ndev = (int)rng_below(g, 24);
    for (int n = 0; n < nnets; n++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", n);
        int net = netlist_net_get(nl, name);
        nl->nets[net].role = (netlist_netrole)rng_below(g, NL_NROLES);
    }
    for (int i = 0; i < ndev; i++) {
        char name[16];
        snprintf(name, sizeof name, "D%d", i);
        netlist_devtype t = types[rng_below(g, sizeof types / sizeof types[0])];
        int d = netlist_device_add(nl, name, t, 'X', "");
        const char *const *roles = t == NL_NMOS || t == NL_PMOS ? mos : t == NL_NPN || t == NL_PNP ? bjt : two;
        for (int p = 0; p < 4; p++)
            if (rng_below(g, 8) != 0) netlist_device_add_pin(nl, d, roles[p], (int)rng_below(g, (uint64_t)nnets));
        nl->devs[d].match_group = rng_below(g, 3) == 0 ? (int)rng_below(g, 3) : -1;
    }
    nl->nmatch_groups = 3;
    return nl;
}

static int in_block(const blocks_block *b, int dev)
{
    for (int k = 0; k < b->ndev; k++) if (b->dev[k] == dev) return 1;
    return 0;
}

/* Invariants on 3000 random netlists: every transistor in a block, the
 * symmetric pairs inside their block, block pairs of one kind and size. */
TEST(random_netlists)
{
    halo_rng g;
    rng_seed(&g, 12345);
    int bad = 0;
    for (int iter = 0; iter < 3000 && !bad; iter++) {
        netlist *nl = random_netlist(&g);
        blocks_result r;
        halo_err err;
        bad |= blocks_recognize(nl, &r, &err) != 0 || r.ndev != nl->ndevs;
        for (int i = 0; i < nl->ndevs && !bad; i++) {
            netlist_devtype t = nl->devs[i].type;
            if (t != NL_NMOS && t != NL_PMOS && t != NL_NPN && t != NL_PNP) continue;
            int found = 0;
            for (int b = 0; b < r.nblocks; b++) found |= in_block(&r.blocks[b], i);
            bad |= !found;
        }
        for (int b = 0; b < r.nblocks && !bad; b++)
            for (int k = 0; k < r.blocks[b].nsym; k++)
                bad |= !in_block(&r.blocks[b], r.blocks[b].sym[k][0]) || !in_block(&r.blocks[b], r.blocks[b].sym[k][1]);
        for (int k = 0; k < r.nsymblocks && !bad; k++) {
            const blocks_block *a = &r.blocks[r.symblocks[k][0]], *b = &r.blocks[r.symblocks[k][1]];
            bad |= a->kind != b->kind || a->ndev != b->ndev || r.symblocks[k][0] >= r.symblocks[k][1];
        }
        if (bad) printf("    iteration %d broke an invariant\n", iter);
        blocks_result_free(&r);
        netlist_free(nl);
    }
    CHECK(!bad);
}

UNIT_MAIN("test_blocks")
