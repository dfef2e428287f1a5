/*
 * sim_metrics.h -- what a testbench simulation measures, and pscore.
 *
 * Owns: sim_result (status and schema error string, metrics with the
 * analog-circuits-sky130 schema's keys and SI units, and the output
 * trajectory of the AC sweep: frequency, |v(out)| in V, phase in degrees),
 * its computation from a finished sim_job, and the OSIRIS quality score.
 *
 * Metric definitions (each mirrors the ngspice `meas`/`let` line that
 * testbench_deck_text writes, so a plain ngspice -b run gives the same):
 *   vout_dc_V         v(out) at the operating point
 *   vdd_current_A     current of the supply source at the operating point,
 *                     ngspice's sign (negative = the supply sources current)
 *   power_W           |vdd_current_A| * the supply's DC voltage
 *   dc_gain_dB        20 log10 |v(out)| at 1 Hz (a one-point AC analysis)
 *   ugf_Hz            first frequency of the sweep where vdb(out) crosses
 *                     0 dB, interpolated linearly in frequency; absent when
 *                     it never crosses
 *   phase_at_ugf_deg  continuous phase of v(out) (ngspice cph, unwrapped
 *                     from the first sweep point) at ugf_Hz, in degrees
 *   f_3dB_Hz          (FilterTestbench) first frequency where vdb(out)
 *                     crosses dc_gain_dB - 3
 * pscore: RMSE between the pre- and post-layout |v(out)| (V) over the K
 * sweep points, and over the low, mid and high thirds of the points
 * (split at K/3 and 2K/3, rounded down).
 * pscore_osiris: the score OSIRIS's own post-processing computes (its
 * pex_score), on the REAL part of v(out) as ngspice's ASCII `write`
 * stores it: RMSE(Re pre, Re post) + 0.2 * (the number of points where NOT
 * (pre * 0.9 <= post <= pre * 1.1)), the interval written exactly so:
 * where pre < 0 it is empty and the point always counts.
 */
#ifndef HALO_SIM_METRICS_H
#define HALO_SIM_METRICS_H

#include "sim.h"
#include "testbench.h"

#define SIM_MAX_METRICS 12

typedef struct sim_result {
    sim_status status;
    char *detail;                 /* why it failed, "" when OK */
    int nmetrics;
    char keys[SIM_MAX_METRICS][24];
    double values[SIM_MAX_METRICS];
    int npoints;                  /* trajectory */
    double *freq, *mag, *phase_deg;
    double *re, *im;              /* v(out) as ngspice computed it (V), not rebuilt from mag/phase */
    double seconds;               /* simulation wall time in the worker */
    char *log;                    /* ngspice's output when it failed, else NULL */
} sim_result;

/* Compute a result from a finished job run on deck (takes no ownership). */
void sim_result_from_job(const tb_deck *deck, const sim_job *job, sim_result *r);
void sim_result_free(sim_result *r);
/* A metric by key, or NULL. */
const double *sim_result_metric(const sim_result *r, const char *key);

typedef struct sim_pscore {
    double overall, low, mid, high;
    int npoints;
    double osiris;                /* pscore_osiris */
    double osiris_rmse;           /* its RMSE part (V) */
    int osiris_out;               /* its count of points outside pre * [0.9, 1.1] */
} sim_pscore;

/* pscore (and pscore_osiris) of post against pre; nonzero (message in
 * why) when the two trajectories were not taken at the same frequencies or
 * one failed. */
int sim_pscore_compute(const sim_result *pre, const sim_result *post, sim_pscore *ps, char *why,
                       size_t whylen);

#define SIM_OSIRIS_TOLERANCE 0.1  /* pex_score's tolerance */
#define SIM_OSIRIS_WEIGHT 0.2     /* and the weight of a point out of it */

/* OSIRIS's pex_score of the real parts pre_re, post_re (n points, n >= 1):
 * RMSE + SIM_OSIRIS_WEIGHT * the points outside; *nout (may be NULL) gets
 * their count. */
double sim_pscore_osiris(const double *pre_re, const double *post_re, int n, int *nout);

#endif
