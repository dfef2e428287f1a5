/*
 * size_bo.h -- simple Bayesian optimisation: the search baseline the
 * sizers are compared with (issue 24's "random search / simple Bayesian
 * optimisation with the same number of simulations").
 *
 * Owns: a Gaussian process over points in a normalised space
 * (squared-exponential kernel, unit signal variance on standardised
 * targets; the length scale and the noise chosen on a small grid by the
 * log marginal likelihood), its posterior mean and standard deviation at
 * new points, and expected improvement for minimisation.  The caller owns
 * the loop: fit, score candidates, simulate the best, add it, fit again.
 * Linear algebra is OpenBLAS's (LAPACK dpotrf/dpotrs, cblas_dtrsm).
 */
#ifndef HALO_SIZE_BO_H
#define HALO_SIZE_BO_H

typedef struct size_gp {
    int n, d;
    double *u;                /* n * d training points */
    double *L;                /* n * n Cholesky factor (lower, column-major) of K + noise I */
    double *alpha;            /* (K + noise I)^-1 (y - mean) / std */
    double ymean, ystd;       /* standardisation of the targets */
    double ell, noise;        /* the chosen length scale and noise variance */
    double log_ml;            /* their log marginal likelihood */
} size_gp;

/* Fit to n points u (n * d) with targets y (finite).  Returns 0, or -1
 * when n < 2 or no grid point gave a positive definite matrix. */
int size_gp_fit(size_gp *gp, const double *u, const double *y, int n, int d);
/* The same with the length scale and noise given (a search refitting
 * after each new point keeps those the first fit chose). */
int size_gp_fit_with(size_gp *gp, const double *u, const double *y, int n, int d, double ell, double noise);
/* Posterior mean and standard deviation (of the target, not standardised)
 * at m points q (m * d). */
void size_gp_predict(const size_gp *gp, const double *q, int m, double *mean, double *sd);
void size_gp_free(size_gp *gp);

/* Expected improvement below best of a normal (mean, sd). */
double size_expected_improvement(double mean, double sd, double best);
/* The index of the highest expected improvement among m predictions
 * (the first on ties). */
int size_best_improvement(const double *mean, const double *sd, int m, double best);

#endif
