/*
 * flow.c -- halo's pipeline from C, through core/design.h alone.
 *
 *   flow NETLIST.spice OUT_DIR [SEED]
 *
 * reads the netlist onto the embedded sky130, draws one legal finger
 * arrangement, generates the device cells, places, routes, checks DRC and
 * LVS, extracts parasitics, and simulates the built-in OpampTestbench
 * before and after layout; it writes OUT_DIR/flow.gds and prints one line
 * per stage.  The same steps as the Tcl commands of flows/demo.tcl, with
 * the same seed, give the same figures (tests/examples.test compares
 * them).  Exit status 0 when the layout is DRC clean, matches its
 * schematic and both simulations converge.
 */
#include <stdio.h>
#include <stdlib.h>

#include "design.h"

/* Print a failed stage's error and return the exit status. */
static int fail(const char *stage, const halo_err *err)
{
    fprintf(stderr, "flow: %s: %s\n", stage, err->msg);
    return 1;
}

static int lay_out(halo_design *d, uint64_t seed, halo_err *err)
{
    devgen_opts dev = {0};
    place_opts po = {0};
    route_opts ro;
    po.seed = seed;
    po.effort = 1;
    po.objective = PLACE_OBJ_BOTH;
    route_opts_default(&ro);
    if (design_sample_fingers(d, seed, err) != 0) return fail("fingers", err);
    if (design_generate_devices(d, &dev, err) != 0) return fail("generate_devices", err);
    if (design_place(d, &po, 5, 500, err) != 0) return fail("place", err);
    double area, bbox, hpwl;
    design_place_qos(d, &area, &bbox, &hpwl);
    printf("place: %d devices, area %.2f um^2, HPWL %.3f um\n", design_placement(d, NULL)->n, area, hpwl);
    if (design_route(d, &ro, 0, err) != 0) return fail("route", err);
    const route_stats *rs;
    design_routing(d, &rs);
    printf("route: %d of %d nets routed\n", rs->routed, rs->nets);
    return rs->failed != 0;
}

static int verify(halo_design *d, int cell, halo_err *err)
{
    int violations, match, owned;
    if (design_check_drc(d, cell, &violations, err) != 0) return fail("check_drc", err);
    netlist *schematic = design_schematic(d, NULL, NULL, &owned, err);
    if (!schematic) return fail("check_lvs", err);
    int rc = design_check_lvs(d, cell, schematic, &match, err);
    if (owned) netlist_free(schematic);
    if (rc != 0) return fail("check_lvs", err);
    const pex_result *pex;
    const ext_result *ext;
    if (design_extract_parasitics(d, cell, PEX_C, NULL, &pex, &ext, err) != 0) return fail("extract_parasitics", err);
    double total = 0;
    for (int i = 0; i < pex->ncaps; i++) total += pex->caps[i].farad;
    printf("verify: %d DRC violations, LVS %s, %.1f fF of parasitic capacitance\n", violations,
           match ? "match" : "MISMATCH", total * 1e15);
    return violations != 0 || !match;
}

static int simulate(halo_design *d, halo_err *err)
{
    tb_builtin_opts bo;
    testbench_builtin_defaults(&bo);
    bo.vin_dc = bo.vdd / 2;
    bo.vbias = bo.vdd / 2;
    testbench *tb = testbench_builtin("OpampTestbench", design_netlist(d), &bo, NULL, err);
    if (!tb) return fail("testbench", err);
    design_set_testbench(d, tb);
    design_sim_opts so;
    design_sim_opts_default(&so);
    tb_deck decks[2];
    if (design_deck(d, 0, &so, &decks[0], err) != 0) return fail("pre-layout deck", err);
    if (design_deck(d, 1, &so, &decks[1], err) != 0) {
        tb_deck_free(&decks[0]);
        return fail("post-layout deck", err);
    }
    sim_result r[2];
    int cached[2], rc = design_run_decks(d, decks, 2, &so, r, cached, err);
    tb_deck_free(&decks[0]);
    tb_deck_free(&decks[1]);
    if (rc != 0) return fail("simulate", err);
    sim_pscore ps;
    char why[300];
    int bad = r[0].status != SIM_OK || r[1].status != SIM_OK || sim_pscore_compute(&r[0], &r[1], &ps, why, sizeof why);
    if (bad) printf("simulate: %s / %s\n", sim_status_name(r[0].status), sim_status_name(r[1].status));
    else printf("simulate: pre and post converged; pscore %.6g V over %d points\n", ps.overall, ps.npoints);
    sim_result_free(&r[0]);
    sim_result_free(&r[1]);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: flow NETLIST.spice OUT_DIR [SEED]\n");
        return 2;
    }
    uint64_t seed = argc == 4 ? strtoull(argv[3], NULL, 10) : 1;
    halo_err err;
    halo_err_clear(&err);
    halo_tech *tech = tech_load("sky130", &err);
    if (!tech) return fail("technology", &err);
    halo_design *d = design_new(tech);
    spice_read_opts so = {.wmode = NETLIST_W_TOTAL};
    int rc = design_read_spice(d, argv[1], &so, &err) != 0 ? fail("read_spice", &err) : 0;
    if (rc == 0) printf("read: %s, %d devices\n", design_netlist(d)->name, design_netlist(d)->ndevs);
    if (rc == 0) rc = lay_out(d, seed, &err);
    int cell = 0;
    design_placement(d, &cell);
    if (rc == 0) rc = verify(d, cell, &err);
    if (rc == 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/flow.gds", argv[2]);
        if (gds_write_file(design_layout(d), &cell, 1, path, &err) != 0) rc = fail("write_gds", &err);
    }
    if (rc == 0) rc = simulate(d, &err);
    design_free(d);
    return rc;
}
