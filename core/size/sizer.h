/*
 * sizer.h -- the inverse sizer: one diffusion model per structural block,
 * each guided by the whole op-amp's performance, and the recombination of
 * their sizings (seed: diffusion-inverse-sizing, Azevedo, Leibl et al.);
 * with the whole-netlist MLP regressor of the seed's reference [6] as the
 * baseline trained beside it.
 *
 * Owns: sizer (variables, their normalisation, the conditioning metrics
 * and their transforms, the blocks with their models), its training from
 * sizing rows, sampling N sizings for one specification, and its files.
 *
 * Normalisation: a sizing variable x (µm) becomes u = (ln x - mean) / std
 * over the training rows; a metric whose name ends in _Hz, _W, _A or
 * _V_per_s (a positive quantity spanning decades) is taken as log10 |v|,
 * the others (dB, degrees, volts) as they are; then standardised.
 * Blocks: each names the variables of its devices (the caller maps
 * recognised blocks onto the sizing space); a variable no block names
 * gets a block of its own.  Recombination: a variable in several blocks
 * gets the mean of their u; devices that must be alike already share one
 * variable (size_space), so symmetry holds within and across blocks.
 * A specification may leave metrics out: they are taken from the training
 * row nearest on the metrics it gives (so the condition stays a
 * performance the circuit has shown), and the result says so.
 * Files: DIR/sizer.json (variables, metrics, normalisation, blocks,
 * provenance), DIR/<block>.safetensors per block, DIR/mlp.safetensors.
 *
 * Screening: a forward model (sizer_forward.h: an ensemble of MLPs from
 * the normalised sizing to the metrics, trained on the same rows) predicts
 * each candidate's performance without simulating it, so `size -screen N`
 * can draw N candidates and simulate only the ones predicted closest to
 * the specification.  It is a surrogate, not a judge: every sizing `size`
 * reports is simulated.  Its files: DIR/forward.safetensors, then
 * DIR/forward_1.safetensors ... for the other members.
 */
#ifndef HALO_SIZER_H
#define HALO_SIZER_H

#include <stdint.h>

#include "base/halo_err.h"
#include "size/ddpm.h"
#include "size/size_data.h"
#include "size/size_mlp.h"
#include "size/sizer_forward.h"

typedef struct sizer_block {
    char name[48];            /* "dp1", "cm2" ... from recognize_blocks */
    char kind[16];
    int nvar;
    int *var;                 /* indices into the sizer's variables */
    ddpm *model;
    double loss;              /* final training loss */
    double seconds;           /* training time */
} sizer_block;

typedef struct sizer {
    char design[80];
    int nvars;
    char (*var)[80];
    double *lo, *hi;          /* the sizing space's range per variable, µm */
    double *umean, *ustd;     /* of ln x */
    int nmetrics;
    sizer_metric metric[SIZER_MAX_METRICS];
    int nblocks;
    sizer_block *blocks;
    size_mlp *mlp;            /* the baseline, or NULL */
    double mlp_loss, mlp_seconds;
    sizer_forward *forward;   /* the surrogate that screens and refines candidates, or NULL */
    int ntrain;
    float *train_c;           /* ntrain * nmetrics, normalised: the nearest-row fill */
} sizer;

/* Variable v's normalised value u of a size x (µm), and back (clipped to
 * the variable's range). */
double sizer_u_of(const sizer *s, int v, double x);
double sizer_x_of(const sizer *s, int v, double u);

typedef struct sizer_blockdef {
    const char *name, *kind;
    int nvar;
    const int *var;
} sizer_blockdef;

typedef struct sizer_train_opts {
    ddpm_config model;        /* dx and dc are set per block */
    ddpm_train_opts train;
    int mlp;                  /* also train the MLP baseline (1) */
    int mlp_hidden, mlp_layers, mlp_steps;
    int forward;              /* also train the forward model (1); it takes the MLP's width and steps */
    int forward_nets, forward_layers;   /* its ensemble members (5) and their depth (4) */
    void (*progress)(void *ctx, const char *what, int step, int nsteps, double loss);
    void *ctx;
} sizer_train_opts;

void sizer_train_opts_default(sizer_train_opts *o);

/* Train a sizer on rows[0..nrows-1] of d (converged, every metric of
 * metrics[] finite), conditioned on metrics[0..nm-1], one model per block
 * of defs (variables of d by index; lo, hi: the space's ranges). */
int sizer_train(const size_data *d, const int *rows, int nrows, const char *const *metrics, int nm,
                const sizer_blockdef *defs, int nblocks, const double *lo, const double *hi,
                const sizer_train_opts *o, sizer **out, halo_err *err);
void sizer_free(sizer *s);
/* An empty sizer with room for nvars variables and nblocks blocks (the
 * loader fills it). */
sizer *sizer_alloc(int nvars, int nblocks);

/* Metric index by key, -1 when the sizer is not conditioned on it. */
int sizer_metric_index(const sizer *s, const char *key);

/* The condition for a specification: spec[nmetrics] in SI units, NaN for
 * a metric left out; c[nmetrics] gets the normalised condition, *filled
 * the number of metrics taken from the nearest training row. */
void sizer_condition(const sizer *s, const double *spec, float *c, int *filled);

/* n sizings (x: n * nvars, µm, within the ranges) for one specification
 * by the per-block diffusion models: guidance is the classifier-free
 * guidance scale, steps the sampling steps. */
int sizer_sample(sizer *s, const double *spec, int n, float guidance, int steps, uint64_t seed, double *x,
                 halo_err *err);
/* The MLP baseline's one sizing for spec (x: nvars µm). */
int sizer_mlp_size(sizer *s, const double *spec, double *x, halo_err *err);

/* The forward model's metrics (n * nmetrics, SI units, the sizer's metric
 * order) for n sizings x (n * nvars, µm); HALO_E_SIZ_STATE when the sizer
 * has no forward model. */
int sizer_predict(sizer *s, const double *x, int n, double *metrics, halo_err *err);
/* Mean relative difference of metrics m (one sizing's, predicted or
 * simulated, the sizer's order) to the ones spec gives; infinite when m
 * lacks one of them (NaN).  The screen ranks by it, and `size` ranks the
 * simulated candidates by it. */
double sizer_spec_distance(const sizer *s, const double *spec, const double *m);
/* Move n sizings x (n * nvars, µm; in place) toward spec on the forward
 * model: `steps` Adam steps (lr 0.02) on the mean squared relative
 * difference of the predicted metrics to the given ones, each normalised
 * variable kept within `reach` of its start (where the model has seen
 * data nearby) and within the ranges. */
int sizer_refine(sizer *s, const double *spec, double *x, int n, int steps, double reach, halo_err *err);

int sizer_save(const sizer *s, const char *dir, halo_err *err);
sizer *sizer_load(const char *dir, halo_err *err);

#endif
