/*
 * sizer_forward.h -- the sizer's forward surrogate: from a sizing to the
 * op-amp's performance, so that `size -screen` can rank candidates and
 * `size -refine` can move them without simulating (see sizer.h).
 *
 * Owns: sizer_forward (an ensemble of MLPs over the normalised sizing,
 * their outputs and those outputs' transforms), its training from the
 * sizer's rows, prediction, the distance to a specification and the
 * refinement by gradient descent through it.
 *
 * Outputs: one per conditioning metric, except a metric the testbench
 * defines as the lesser of two measured parts (the slew rate is the lesser
 * of the rising and falling edges' rates, tb_opamp.h), which gets its two
 * parts when the rows carry them, and the prediction takes the lesser.
 * A lesser-of is a kink a smooth network rounds off; two smooth parts are
 * what it learns well (Miller OTA, held-out rows: slew error 7.3 % as one
 * output, 4.5 % as two).
 * Transforms: an output whose training values are all positive is taken
 * as log10 (its squared error is then a relative error, which is what the
 * specification distance measures); the others as they are; then
 * standardised.  These are the forward model's own, independent of the
 * diffusion models' conditioning transforms.
 * Ensemble: nets members from different seeds, the mean of their
 * standardised outputs; averaging halves the held-out error of the
 * metrics a single net fits worst.
 *
 * A sizer saved before ensembles (sizer.json "forward": true) loads as one
 * net whose outputs are the conditioning metrics with their transforms.
 */
#ifndef HALO_SIZER_FORWARD_H
#define HALO_SIZER_FORWARD_H

#include "base/halo_err.h"
#include "size/size_data.h"
#include "size/size_mlp.h"

#define SIZER_MAX_METRICS 16
#define SIZER_MAX_FORWARD 16                        /* ensemble members */
#define SIZER_MAX_OUTPUTS (2 * SIZER_MAX_METRICS)   /* every metric split in two at most */

typedef struct sizer_metric {
    char key[32];
    int logscale;             /* log10 |v| before standardising */
    double mean, std;         /* of the transformed value */
} sizer_metric;

typedef struct sizer_forward {
    int nnets;
    size_mlp *net[SIZER_MAX_FORWARD];   /* u [nvars] -> standardised outputs [nout] */
    int nout;
    sizer_metric out[SIZER_MAX_OUTPUTS];
    int part[SIZER_MAX_METRICS][2];     /* metric k = the lesser of outputs part[k][0], part[k][1] (equal for a plain one) */
    double loss, seconds;               /* mean final training loss, total training time */
} sizer_forward;

/* How to train one: members, their shape and steps. */
typedef struct sizer_forward_opts {
    int nets, hidden, layers, steps;
    uint64_t seed;
    void (*progress)(void *ctx, const char *what, int step, int nsteps, double loss);
    void *ctx;
} sizer_forward_opts;

void sizer_forward_free(sizer_forward *f);

struct sizer;

/* Train the sizer's forward model on rows[0..n-1] of d (u: n * nvars,
 * their normalised sizings; mcol: the data column of each conditioning
 * metric); replaces any it had. */
int sizer_forward_train(struct sizer *s, const size_data *d, const int *rows, int n, const int *mcol, const float *u,
                        const sizer_forward_opts *o, halo_err *err);

/* The value of a standardised output t, and back. */
double sizer_metric_value(const sizer_metric *m, double t);
double sizer_metric_standard(const sizer_metric *m, double v);

/* A model trainer's progress (step, nsteps, loss) passed on as the
 * sizer's progress, naming the model trained. */
typedef struct sizer_progress_relay {
    void (*progress)(void *ctx, const char *what, int step, int nsteps, double loss);
    void *ctx;
    const char *what;
} sizer_progress_relay;
void sizer_relay_progress(void *relay, int step, int nsteps, double loss);

/* One MLP (hidden x layers) trained `steps` steps from in [n][din] to
 * out [n][dout]: a forward member here, the inverse baseline in sizer.c.
 * Progress is reported under `what`. */
size_mlp *sizer_train_mlp(const float *in, int din, const float *out, int dout, int n, const sizer_forward_opts *o,
                          const char *what, uint64_t seed, double *loss, double *seconds, halo_err *err);

#endif
