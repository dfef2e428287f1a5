/* test_tb_opamp.c -- the op-amp characterisation testbench: the
 * measurements on plain vectors, the deck built from port roles (and the
 * designs it refuses), and the metrics of a job whose vectors are known in
 * closed form. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "design.h"
#include "netlist/spice.h"
#include "sim/sim_models.h"
#include "sim/tb_opamp.h"
#include "unit.h"

TEST(slope_range_and_crossings)
{
    double x[11], y[11], g[11];
    for (int i = 0; i < 11; i++) {
        x[i] = 0.1 * i;
        y[i] = x[i] * x[i];
    }
    opamp_tb_slope(x, y, 11, g);
    CHECK_NEAR(g[0], 0.1, 1e-12);            /* forward difference at the start */
    CHECK_NEAR(g[5], 1.0, 1e-12);            /* central differences are exact on a parabola */
    CHECK_NEAR(g[10], 1.9, 1e-12);           /* backward at the end */
    double s[11] = {0, 0.5, 0.8, 1, 1, 1, 1, 0.95, 0.7, 0.2, 0};
    double lo, hi, tlo, thi;
    int ilo, ihi;
    CHECK_INT(opamp_tb_range(x, s, 11, 5, 0.9, &lo, &hi, &ilo, &tlo, &ihi, &thi), 0);
    CHECK_INT(ilo, 2);
    CHECK_NEAR(tlo, 0.5, 1e-12);
    CHECK_NEAR(lo, 0.25, 1e-12);
    CHECK_INT(ihi, 7);
    CHECK_NEAR(hi, 0.72, 1e-12);
    CHECK_INT(opamp_tb_range(x, s, 11, 1, 0.9, &lo, &hi, &ilo, &tlo, &ihi, &thi), -1);
    double flat[11] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_INT(opamp_tb_range(x, flat, 11, 5, 0.9, &lo, &hi, &ilo, &tlo, &ihi, &thi), 0);
    CHECK_NEAR(lo, 0.0, 0);                  /* the range reaches both ends of the sweep */
    CHECK_NEAR(hi, 1.0, 1e-15);
    double w[6] = {0, 1, 2, 1, 0, 2};
    CHECK_INT(opamp_tb_cross(w, 6, 0, 1.5, 1), 2);
    CHECK_INT(opamp_tb_cross(w, 6, 2, 1.5, 1), 5);
    CHECK_INT(opamp_tb_cross(w, 6, 0, 0.5, 0), 4);
    CHECK_INT(opamp_tb_cross(w, 6, 0, 3, 1), -1);
}

static const char *AMP = ".subckt amp VDD VSS VINN VINP VOUT IBIAS\n"
                         "XM1 a VINP t VSS sky130_fd_pr__nfet_01v8 W=2 L=0.5\n"
                         "XM2 VOUT VINN t VSS sky130_fd_pr__nfet_01v8 W=2 L=0.5\n"
                         "XM3 a a VDD VDD sky130_fd_pr__pfet_01v8 W=2 L=0.5\n"
                         "XM4 VOUT a VDD VDD sky130_fd_pr__pfet_01v8 W=2 L=0.5\n"
                         "XM5 t IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=2 L=1\n"
                         "XM6 IBIAS IBIAS VSS VSS sky130_fd_pr__nfet_01v8 W=2 L=1\n"
                         ".ends\n";

static netlist *read_amp(const char *text)
{
    spice_read_opts ro = {.wmode = NETLIST_W_TOTAL};
    halo_err err;
    netlist *nl = spice_read_text(text, strlen(text), "amp.sp", &ro, &err);
    if (!nl) printf("    %s\n", err.msg);
    return nl;
}

/* The index of the first deck line starting with prefix, -1 when none. */
static int line_of(const opamp_tb_deck *d, const char *prefix)
{
    for (int i = 0; i < d->nlines; i++)
        if (strncmp(d->lines[i], prefix, strlen(prefix)) == 0) return i;
    return -1;
}

TEST(deck_from_port_roles)
{
    netlist *nl = read_amp(AMP);
    CHECK(nl != NULL);
    if (!nl) return;
    char *text = NULL;
    halo_err err;
    CHECK_INT(sim_models_embedded("tt", &text, &err), 0);
    tb_models tm = {text, NULL, NULL, "embedded"};
    opamp_tb_models m;
    opamp_tb_models_init(&m, &tm);
    opamp_tb_opts o;
    opamp_tb_defaults(&o);
    opamp_tb_deck d;
    CHECK_INT(opamp_tb_build(nl, AMP, &m, &o, &d, &err), 0);
    /* VINP is the non-inverting input although VINN comes first */
    int k = line_of(&d, "xol ");
    CHECK(k >= 0 && strcmp(d.lines[k], "xol vdd_ol 0 inn_ol inp_ol out_ol b_ibias_ol amp") == 0);
    CHECK(line_of(&d, "xfo vdd_fo 0 out_fo sw out_fo b_ibias_fo amp") >= 0);
    CHECK(line_of(&d, "ib_ibias_gk vdd_gk b_ibias_gk dc 1e-05") >= 0);   /* an NMOS diode: pushed in */
    CHECK(line_of(&d, "ein_gk inp_gk cm_gk sw cm_gk 0.2") >= 0);
    CHECK_INT(d.ndevs, 6);
    CHECK_STR(d.dev_vecs[0], "@m.xol.xm1.m0");   /* the embedded models' inner element */
    CHECK_INT(d.ncommands, 4);
    CHECK_STR(d.commands[3], "tran 1e-09 2.102e-06 0 2e-08");
    CHECK_STR(d.want[0], "0:out_ol");
    CHECK(d.lines[d.models_at] == m.lines[0]);    /* the model lines are shared */
    CHECK_NEAR(d.o.vcm, 0.9, 0);
    opamp_tb_deck_free(&d);
    opamp_tb_models_free(&m);
    /* a deck that only names the foundry library: its naming convention */
    tb_models lib = {NULL, "/pdk/sky130.lib.spice", "tt", "foundry"};
    opamp_tb_models_init(&m, &lib);
    CHECK_INT(opamp_tb_build(nl, AMP, &m, &o, &d, &err), 0);
    CHECK_STR(d.lines[d.models_at], ".lib \"/pdk/sky130.lib.spice\" tt");
    CHECK_STR(d.dev_vecs[4], "@m.xol.xm5.msky130_fd_pr__nfet_01v8");
    opamp_tb_deck_free(&d);
    /* refused: a bad option, a missing input, inputs whose names say nothing */
    o.vcm = 2;
    CHECK(opamp_tb_build(nl, AMP, &m, &o, &d, &err) != 0 && err.id == HALO_E_OPC_VALUE);
    opamp_tb_defaults(&o);
    nl->nets[nl->ports[2]].role = NL_INTERNAL;
    CHECK(opamp_tb_build(nl, AMP, &m, &o, &d, &err) != 0 && err.id == HALO_E_OPC_PORTS);
    CHECK(strstr(err.msg, "whose role is internal") != NULL);
    nl->nets[nl->ports[2]].role = NL_INPUT_V;
    free(nl->nets[nl->ports[3]].name);
    nl->nets[nl->ports[3]].name = su_strdup("VREF");
    CHECK(opamp_tb_build(nl, AMP, &m, &o, &d, &err) != 0 && strstr(err.msg, "-noninv PORT") != NULL);
    o.noninv = "vref";
    CHECK_INT(opamp_tb_build(nl, AMP, &m, &o, &d, &err), 0);
    CHECK(line_of(&d, "xol vdd_ol 0 inn_ol inp_ol ") >= 0);
    opamp_tb_deck_free(&d);
    opamp_tb_models_free(&m);
    netlist_free(nl);
    free(text);
}

/* ------------------------------------------------------------ a job of known vectors */

static void put_vec(sim_plot *p, const char *name, const double *re, const double *im, int n)
{
    p->vecs = realloc(p->vecs, (size_t)(p->nvecs + 1) * sizeof *p->vecs);
    sim_vector *v = &p->vecs[p->nvecs++];
    v->name = su_strdup(name);
    v->len = n;
    v->is_complex = im != NULL;
    v->re = malloc((size_t)n * sizeof(double));
    memcpy(v->re, re, (size_t)n * sizeof(double));
    v->im = NULL;
    if (im) {
        v->im = malloc((size_t)n * sizeof(double));
        memcpy(v->im, im, (size_t)n * sizeof(double));
    }
}

static void put_one(sim_plot *p, const char *name, double v)
{
    put_vec(p, name, &v, NULL, 1);
}

/* Operating point: XM1 saturated, XM2 in triode, the others saturated. */
static void fake_op(sim_plot *p, const opamp_tb_deck *d)
{
    put_one(p, "out_ol", 0.9);
    put_one(p, "vdd_ol#branch", -50e-6);
    for (int k = 0; k < d->ndevs; k++) {
        char name[300];
        double v[4] = {0.7, k == 1 ? 0.05 : 0.5, 0.5, 0.1};   /* vgs vds vth vdsat */
        static const char *const params[] = {"vgs", "vds", "vth", "vdsat"};
        for (int j = 0; j < 4; j++) {
            snprintf(name, sizeof name, "%s[%s]", d->dev_vecs[k], params[j]);
            put_one(p, name, v[j]);
        }
    }
}

/* One pole: A0 = 1000 at fp = 1 kHz; the common-mode and supply gains flat. */
static void fake_ac(sim_plot *p)
{
    enum { N = 201 };
    double f[N], fi[N], re[N], im[N], cm[N], ps[N], zero[N];
    for (int i = 0; i < N; i++) {
        f[i] = pow(10, i / 20.0);
        fi[i] = zero[i] = 0;
        double x = f[i] / 1e3;
        re[i] = 1000 / (1 + x * x);
        im[i] = -1000 * x / (1 + x * x);
        cm[i] = 0.01;
        ps[i] = 0.1;
    }
    put_vec(p, "frequency", f, fi, N);
    put_vec(p, "out_ol", re, im, N);
    put_vec(p, "out_cm", cm, zero, N);
    put_vec(p, "out_ps", ps, zero, N);
}

/* The follower tracks between 0.3 and 1.5 V (slope 0.1 outside); the
 * gain-K stage's output between 0.2 and 1.6 V. */
static double clip(double x, double lo, double hi)
{
    return x < lo ? lo - 0.1 * (lo - x) : x > hi ? hi + 0.1 * (x - hi) : x;
}

static void fake_dc(sim_plot *p)
{
    enum { N = 181 };
    double x[N], fo[N], gk[N];
    for (int i = 0; i < N; i++) {
        x[i] = 0.01 * i;
        fo[i] = clip(x[i], 0.3, 1.5);
        gk[i] = clip(x[i], 0.2, 1.6);
    }
    put_vec(p, "sw", x, NULL, N);
    put_vec(p, "out_fo", fo, NULL, N);
    put_vec(p, "out_gk", gk, NULL, N);
}

/* The follower's output slews up at 10 V/us and down at 20 V/us. */
static void fake_tran(sim_plot *p, const opamp_tb_deck *d)
{
    int n = 2103;
    double *t = malloc((size_t)n * sizeof *t), *y = malloc((size_t)n * sizeof *y);
    for (int i = 0; i < n; i++) {
        t[i] = 1e-9 * i;
        double v = 0.6;
        if (t[i] > d->t_rise) v = fmin(1.2, 0.6 + 10e6 * (t[i] - d->t_rise));
        if (t[i] > d->t_fall) v = fmax(0.6, 1.2 - 20e6 * (t[i] - d->t_fall));
        y[i] = v;
    }
    put_vec(p, "time", t, NULL, n);
    put_vec(p, "out_fo", y, NULL, n);
    free(t);
    free(y);
}

TEST(metrics_of_known_vectors)
{
    netlist *nl = read_amp(AMP);
    if (!nl) return;
    tb_models lib = {NULL, "/pdk/sky130.lib.spice", "tt", "foundry"};
    opamp_tb_models m;
    opamp_tb_models_init(&m, &lib);
    opamp_tb_opts o;
    opamp_tb_defaults(&o);
    opamp_tb_deck d;
    halo_err err;
    CHECK_INT(opamp_tb_build(nl, AMP, &m, &o, &d, &err), 0);
    sim_job job = {0};
    job.nplots = 4;
    job.plots = calloc(4, sizeof *job.plots);
    for (int i = 0; i < 4; i++) {
        job.plots[i].name = su_strdup("p");
        job.plots[i].ok = 1;
    }
    fake_op(&job.plots[0], &d);
    fake_ac(&job.plots[1]);
    fake_dc(&job.plots[2]);
    fake_tran(&job.plots[3], &d);
    opamp_result r;
    opamp_tb_result(&d, &job, &r);
    CHECK_INT(r.status, SIM_OK);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "power_W"), 1.8 * 50e-6, 1e-15);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "dc_gain_dB"), 60 - 10 * log10(1 + 1e-6), 1e-9);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "cmrr_dB"), 100 - 10 * log10(1 + 1e-6), 1e-9);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "psrr_dB"), 80 - 10 * log10(1 + 1e-6), 1e-9);
    double ugf = 1e3 * sqrt(1000.0 * 1000.0 - 1);   /* |A| = 1 */
    CHECK_NEAR(*opamp_tb_result_metric(&r, "ugf_Hz"), ugf, 1e-3 * ugf);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "phase_margin_deg"), 180 - atan(ugf / 1e3) * 180 / M_PI, 0.05);
    /* the slope crosses 0.9 between the points around each knee */
    CHECK_NEAR(*opamp_tb_result_metric(&r, "icmr_min_V"), 0.30 + 0.01 * (0.9 - 0.55) / 0.45, 1e-9);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "icmr_max_V"), 1.50 - 0.01 * (0.9 - 0.55) / 0.45, 1e-9);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "vout_min_V"), 0.2, 0.01);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "vout_max_V"), 1.6, 0.01);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "slew_rise_V_per_s"), 10e6, 1e-6 * 10e6);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "slew_fall_V_per_s"), 20e6, 1e-6 * 20e6);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "slew_rate_V_per_s"), 10e6, 1e-6 * 10e6);
    CHECK_NEAR(*opamp_tb_result_metric(&r, "n_not_saturated"), 1, 0);
    CHECK_INT(r.regions[1], OPAMP_TRIODE);
    CHECK_STR(r.dev_names[1], "XM2");
    CHECK_NEAR(r.vds_margin_v[1], -0.05, 1e-12);
    opamp_tb_result_free(&r);
    /* a failed transient: its metrics go, the others stay, the status says why */
    job.plots[3].ok = 0;
    job.status = SIM_NO_CONVERGENCE;
    job.detail = su_strdup("doAnalyses: TRAN:  Timestep too small");
    opamp_tb_result(&d, &job, &r);
    CHECK_INT(r.status, SIM_NO_CONVERGENCE);
    CHECK(opamp_tb_result_metric(&r, "slew_rate_V_per_s") == NULL);
    CHECK(opamp_tb_result_metric(&r, "icmr_min_V") != NULL);
    opamp_tb_result_free(&r);
    sim_job_clear(&job);
    opamp_tb_deck_free(&d);
    opamp_tb_models_free(&m);
    netlist_free(nl);
}

/* Sized copies of ota_5t characterised in one call: a result each, in
 * order; a copy the testbench cannot drive is named in the error. */
TEST(design_characterize_variants)
{
    const char *src = getenv("HALO_SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/ota_5t/ota_5t.spice", src ? src : ".");
    halo_err err;
    halo_tech *tech = tech_load("sky130", &err);
    CHECK(tech != NULL);
    if (!tech) return;
    halo_design *d = design_new(tech);
    spice_read_opts ro = {.wmode = NETLIST_W_TOTAL};
    CHECK_INT(design_read_spice(d, path, &ro, &err), 0);
    netlist *v[3];
    double scale[3] = {1, 0.5, 2};
    for (int i = 0; i < 3; i++) {
        v[i] = netlist_clone(design_netlist(d));
        for (int k = 0; k < v[i]->ndevs; k++) {
            double w;
            if (netlist_param_get(&v[i]->devs[k], "W", &w) == 0) netlist_param_set(&v[i]->devs[k], "W", w * scale[i]);
        }
    }
    opamp_tb_opts o;
    opamp_tb_defaults(&o);
    design_sim_opts so;
    design_sim_opts_default(&so);
    opamp_result r[3], self;
    CHECK_INT(design_characterize(d, v, 3, &o, &so, r, &err), 0);
    CHECK_INT(design_characterize(d, NULL, 1, &o, &so, &self, &err), 0);
    for (int i = 0; i < 3; i++) CHECK_INT(r[i].status, SIM_OK);
    /* the first copy is the design itself; wider devices draw the same
     * bias current at a lower overdrive: more gain */
    CHECK_NEAR(*opamp_tb_result_metric(&r[0], "dc_gain_dB"), *opamp_tb_result_metric(&self, "dc_gain_dB"), 1e-9);
    CHECK(*opamp_tb_result_metric(&r[2], "dc_gain_dB") > *opamp_tb_result_metric(&r[1], "dc_gain_dB"));
    for (int i = 0; i < 3; i++) opamp_tb_result_free(&r[i]);
    opamp_tb_result_free(&self);
    v[1]->nets[v[1]->ports[2]].role = NL_INTERNAL;
    CHECK(design_characterize(d, v, 3, &o, &so, r, &err) != 0);
    CHECK(strncmp(err.msg, "Variant 1 of 3: The op-amp testbench cannot drive port VINP", 59) == 0);
    for (int i = 0; i < 3; i++) netlist_free(v[i]);
    design_free(d);
}

UNIT_MAIN("test_tb_opamp.c")
