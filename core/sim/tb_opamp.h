/*
 * tb_opamp.h -- the op-amp characterisation testbench: one deck, one
 * simulation job, every figure the sizing work needs.
 *
 * Owns: opamp_tb_opts (the test conditions), the deck built from a
 * design's port roles, its .subckt text and the model library, the
 * metrics computed from the finished job (opamp_result), and the same deck
 * as one `ngspice -b` input whose .control block prints every metric as
 * "halo_<key> = value" by the very definitions below, so a plain ngspice
 * run can check halo's numbers.  Pure C, no Tcl; nothing here prints.
 *
 * The deck holds five independent instances of the design, each with its
 * own supply source (so its current can be read), its own bias sources and
 * a load CL on its output; VSS ports are ground.  bias_current ports take
 * ibias from the instance's VDD (into ground when a PMOS gate hangs on the
 * port), bias_voltage ports sit at vbias.
 *   xol  open loop, differential AC: the non-inverting input at vcm with
 *        AC 1; the inverting one fed back from the output through 1 GH and
 *        AC-grounded through 1 F (closed loop at DC, so the operating point
 *        is the amplifier's own; open from far below 1 Hz);
 *   xcm  the same DC loop, AC 1 on both inputs (on the inverting one by a
 *        source in series between it and the 1 F);
 *   xps  the same as xol without input AC, AC 1 on this instance's VDD;
 *   xfo  unity-gain follower (output tied to the inverting input) driven
 *        by node sw = vsw + vstep: vsw's DC value is swept 0 -> vdd (vstep
 *        is 0 then), and in the transient vsw sits at vcm - step_v while
 *        vstep's pulse steps the input up by 2 step_v and back;
 *   xgk  non-inverting gain K: input vcm + (v(sw) - vcm)/K and the
 *        inverting input at vcm + (vout - vcm)/K, both made by E sources,
 *        so the feedback does not load the output; its ideal output equals
 *        v(sw).
 * The analyses, in this order, are the job's commands: op, ac dec
 * ac_points_per_decade ac_fstart_hz ac_fstop_hz, dc vsw 0 vdd dc_step_v,
 * tran tran_step_s tstop 0 tran_max_step_s (with .option trtol=0.2: on
 * these decks it measures the slew rates within about 2 % of a 0.2 ns
 * fixed step in a fifth of the points a 2 ns fixed step takes).
 *
 * Which input is non-inverting: the port named by opts.noninv, else by
 * name -- a name ending in P, +, PLUS or POS (VINP, INP, VIP, IN+) against
 * one ending in N, M, -, MINUS or NEG (VINN, INN, VIN, INM, IN-); anything
 * else is refused with a message saying to name it.
 *
 * Metric definitions (SI units; a metric that cannot be measured is
 * absent, never 0):
 *   vout_dc_V          v(out_ol) at the operating point
 *   vdd_current_A      current of xol's supply source at the operating
 *                      point, ngspice's sign (negative: the supply sources
 *                      current); bias currents drawn from VDD included
 *   power_W            |vdd_current_A| * vdd
 *   n_not_saturated    MOS devices of xol not in saturation at the
 *                      operating point: vgs < vth (off or subthreshold) or
 *                      vds < vdsat (triode), with BSIM4's own vgs, vds, vth
 *                      and vdsat of the device (ngspice reports them with
 *                      the PMOS sign folded in, so both polarities compare
 *                      alike); the names are in opamp_result
 *   dc_gain_dB         20 log10 |v(out_ol)| at the first AC point (1 Hz)
 *   ugf_Hz             the first AC point pair where the dB gain of xol
 *                      falls through 0 dB (from > 0 to <= 0), interpolated
 *                      linearly in log10(f)
 *   phase_at_ugf_deg   phase of v(out_ol) at ugf_Hz (interpolated the same
 *                      way), continuous from the 1 Hz point (each point
 *                      takes the 2 pi multiple nearest the previous one,
 *                      ngspice's cph); about 0 at 1 Hz for a correctly
 *                      assigned non-inverting input
 *   phase_margin_deg   180 + phase_at_ugf_deg
 *   cmrr_dB            dc_gain_dB - 20 log10 |v(out_cm)| at 1 Hz
 *   psrr_dB            dc_gain_dB - 20 log10 |v(out_ps)| at 1 Hz
 *   icmr_min_V, icmr_max_V
 *                      follower xfo, DC sweep x = vsw: the slope g(x) of
 *                      v(out_fo) is the central difference (one-sided at
 *                      the two ends of the sweep).  The criterion at each
 *                      point is c(x) = min(g(x) - 0.9, the saturation
 *                      margins min(vgs - vth, vds - vdsat) of every MOS of
 *                      xfo that is saturated at the point nearest vcm);
 *                      starting there (where c must be >= 0, else both are
 *                      absent) the range extends down and up while c >= 0;
 *                      each end is the x where c crosses 0, interpolated
 *                      linearly between the two points, or the sweep's end.
 *                      So the input range is where the follower tracks AND
 *                      its transistors stay saturated (the slope alone
 *                      misses an NMOS pair's tail collapsing: at DC the
 *                      follower tracks on a starved tail);
 *                      min(a, b) is computed as (a + b - |a - b|) / 2 in
 *                      both halo and the script, so the two agree
 *   vout_min_V, vout_max_V
 *                      gain-K instance xgk, the same walk from the point
 *                      nearest vcm on c(x) = min(K * dv(out_gk) / dvsw -
 *                      K/2, xgk's saturation margins as above), i.e. the
 *                      incremental gain dvout/dvin stays >= K/2 and the
 *                      transistors saturated; the ends are v(out_gk) at
 *                      those x (interpolated alike)
 *   slew_rise_V_per_s, slew_fall_V_per_s
 *                      follower xfo, transient: levels y0 = v(out_fo) when
 *                      the input starts to rise, y1 when it starts to fall,
 *                      y2 at the end; rising: (th90 - th10) / (t90 - t10)
 *                      with th = y0 + {0.1, 0.9}(y1 - y0) and t the first
 *                      upward crossing of each after the input starts to
 *                      rise (linear interpolation in time); falling alike
 *                      from y1 to y2.  Absent when the output moves by
 *                      less than 10 % of the input step.
 *   slew_rate_V_per_s  the smaller of the two: a slew-rate specification
 *                      holds for both edges
 * Callers: core/design_char.c (design_characterize), tests/unit.
 */
#ifndef HALO_TB_OPAMP_H
#define HALO_TB_OPAMP_H

#include "base/halo_err.h"
#include "netlist/netlist.h"
#include "sim.h"
#include "testbench.h"

typedef struct opamp_tb_opts {
    double vdd;                /* supply, V (1.8) */
    double vcm;                /* input common mode, V (NAN: vdd/2) */
    double cl;                 /* load on every instance's output, F (1e-12) */
    double ibias;              /* current into each bias_current port, A (10e-6) */
    double vbias;              /* voltage of each bias_voltage port, V (NAN: vdd/2) */
    const char *noninv;        /* the non-inverting input's port name, NULL: by names */
    double gain_k;             /* closed-loop gain of the swing instance (5) */
    double ac_fstart_hz;       /* AC sweep start (1 Hz: the DC gain point) */
    double ac_fstop_hz;        /* and stop (10 GHz) */
    int ac_points_per_decade;  /* (20) */
    double dc_step_v;          /* input sweep step 0 -> vdd, V (0.01) */
    double step_v;             /* slew input vcm -/+ step_v, V (0.3) */
    double tran_edge_s;        /* rise and fall time of the input step (1 ns) */
    double tran_width_s;       /* time at each input level (1 us) */
    double tran_step_s;        /* transient print step (1 ns) */
    double tran_max_step_s;    /* largest internal step (20 ns): the edges get the
                                  small steps truncation error control (trtol 0.2)
                                  asks for, the flat levels few */
} opamp_tb_opts;

void opamp_tb_defaults(opamp_tb_opts *o);

/* The model part of the decks, split into lines once and shared by every
 * deck built from it (a sizing dataset builds hundreds), with the name of
 * the MOS element inside each MOS subcircuit of the text ("m0" in halo's
 * embedded models, "msky130_fd_pr__nfet_01v8" in the foundry's), which
 * names the device vectors ngspice makes. */
typedef struct opamp_tb_models {
    char **lines;              /* the model text, or the one .lib line */
    int nlines;
    char *label;               /* for the title */
    char **subckt;             /* lower-case subcircuit names ... */
    char **inner;              /* ... and the MOS element inside each */
    int ninner;
} opamp_tb_models;

void opamp_tb_models_init(opamp_tb_models *m, const tb_models *src);
void opamp_tb_models_free(opamp_tb_models *m);

typedef struct opamp_tb_deck {
    char **lines;              /* title first, ".end" last */
    int nlines;
    int models_at, nmodels;    /* lines[models_at ..] are the models' (borrowed) */
    char **commands;           /* op, ac, dc, tran */
    int ncommands;
    char **want;               /* the vectors to bring back, scoped "N:name" */
    int nwant;
    int ndevs;                 /* the design's MOS devices ... */
    char **dev_names;          /* ... by their names in the design ... */
    char **dev_vecs;           /* ... and their vector stem in xol ("@m.xol.xm1.m0") */
    opamp_tb_opts o;           /* the options, vcm and vbias resolved */
    double t_rise, t_fall, t_stop;   /* the transient's instants */
} opamp_tb_deck;

/* Build the deck for design (its ports' roles say what drives what);
 * dut_text is its .subckt; models must outlive the deck.  0, or nonzero
 * with err (OPC-1 when the design cannot be driven, OPC-2 for a bad
 * option). */
int opamp_tb_build(const netlist *design, const char *dut_text, const opamp_tb_models *models,
                   const opamp_tb_opts *o, opamp_tb_deck *deck, halo_err *err);
/* The deck as one ngspice -b input, its .control block running the same
 * analyses and printing every metric as "halo_<key> = value" (ngspice
 * prints names in lower case) and "halo_not_saturated NAME" per device. */
char *opamp_tb_deck_text(const opamp_tb_deck *deck);
/* A device's vector stem in instance inst ("fo", "gk") from its stem in
 * xol ("@m.xol.xm1.m0" -> "@m.xfo.xm1.m0"). */
void opamp_tb_instance_stem(const char *stem, const char *inst, char *out, size_t n);
void opamp_tb_deck_free(opamp_tb_deck *deck);

typedef enum { OPAMP_SAT = 0, OPAMP_TRIODE, OPAMP_OFF, OPAMP_UNKNOWN } opamp_region;

const char *opamp_tb_region_name(opamp_region r);   /* "saturation", "triode", "off", "unknown" */

#define OPAMP_MAX_METRICS 24

typedef struct opamp_result {
    sim_status status;         /* SIM_OK when every analysis ran */
    char *detail;              /* why not, "" when OK */
    int nmetrics;
    char keys[OPAMP_MAX_METRICS][24];
    double values[OPAMP_MAX_METRICS];
    int ndevs;                 /* the MOS devices at xol's operating point */
    char **dev_names;
    opamp_region *regions;
    double *vov_v;             /* vgs - vth */
    double *vds_margin_v;      /* vds - vdsat */
    double seconds;            /* the job's time in its worker */
    char *log;                 /* ngspice's output when an analysis failed, else NULL */
} opamp_result;

/* The metrics of a finished job run on deck.  The metrics of analyses that
 * ran are kept when a later one fails (status says which error). */
void opamp_tb_result(const opamp_tb_deck *deck, const sim_job *job, opamp_result *r);
void opamp_tb_result_free(opamp_result *r);
const double *opamp_tb_result_metric(const opamp_result *r, const char *key);

/* The measurements on plain vectors, shared by opamp_tb_result and the
 * unit tests.  The slope of y over x by central differences, one-sided at
 * the ends (n >= 2). */
void opamp_tb_slope(const double *x, const double *y, int n, double *g);
/* The range around point c where g >= th: *lo and *hi in x (interpolated
 * crossings, or the sweep's ends); each end lies between points i and i+1
 * at weight t (x[i] + t (x[i+1] - x[i])): *ilo, *tlo and *ihi, *thi, with
 * t = 0 at a sweep end.  -1 when g[c] < th. */
int opamp_tb_range(const double *x, const double *g, int n, int c, double th, double *lo, double *hi, int *ilo,
                double *tlo, int *ihi, double *thi);
/* The first i > from with y[i-1] < th <= y[i] (rise) or y[i-1] > th >= y[i]
 * (fall); -1 when none. */
int opamp_tb_cross(const double *y, int n, int from, double th, int rising);

#endif
