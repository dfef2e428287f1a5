/*
 * size_bo.c -- the Gaussian process and expected improvement of the
 * Bayesian-optimisation baseline (see size_bo.h).
 */
#include "size_bo.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

/* LAPACK's Cholesky factorisation and solve, which OpenBLAS exports;
 * Debian's libopenblas-dev ships no lapack.h beside cblas.h. */
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
extern void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda, double *b,
                    const int *ldb, int *info);

static double sq_dist(const double *a, const double *b, int d)
{
    double s = 0;
    for (int k = 0; k < d; k++) s += (a[k] - b[k]) * (a[k] - b[k]);
    return s;
}

/* Squared distances of the n points, column-major n x n. */
static double *distances(const double *u, int n, int d)
{
    double *D = halo_xmalloc(sizeof *D * (size_t)n * n);
    for (int j = 0; j < n; j++)
        for (int i = j; i < n; i++) D[(size_t)j * n + i] = D[(size_t)i * n + j] = sq_dist(u + (size_t)i * d, u + (size_t)j * d, d);
    return D;
}

/* K + noise I for length scale ell from the squared distances. */
static void kernel_matrix(const double *D, int n, double ell, double noise, double *K)
{
    double g = -0.5 / (ell * ell);
    for (size_t k = 0; k < (size_t)n * n; k++) K[k] = exp(g * D[k]);
    for (int i = 0; i < n; i++) K[(size_t)i * n + i] += noise;
}

/* Factor K, solve for alpha; the log marginal likelihood, or -INFINITY
 * when K is not positive definite. */
static double factor_and_solve(double *K, const double *z, int n, double *alpha)
{
    int info = 0, one = 1;
    dpotrf_("L", &n, K, &n, &info);
    if (info != 0) return -INFINITY;
    memcpy(alpha, z, sizeof *alpha * (size_t)n);
    dpotrs_("L", &n, &one, K, &n, alpha, &n, &info);
    if (info != 0) return -INFINITY;
    double fit = 0, logdet = 0;
    for (int i = 0; i < n; i++) {
        fit += z[i] * alpha[i];
        logdet += log(K[(size_t)i * n + i]);
    }
    return -0.5 * fit - logdet - 0.5 * n * log(2 * M_PI);
}

/* The targets standardised into z (malloc'd). */
static double *standardise(size_gp *gp, const double *y, int n)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) s += y[i], s2 += y[i] * y[i];
    gp->ymean = s / n;
    double var = s2 / n - gp->ymean * gp->ymean;
    gp->ystd = var > 1e-24 ? sqrt(var) : 1;
    double *z = halo_xmalloc(sizeof *z * (size_t)n);
    for (int i = 0; i < n; i++) z[i] = (y[i] - gp->ymean) / gp->ystd;
    return z;
}

int size_gp_fit_with(size_gp *gp, const double *u, const double *y, int n, int d, double ell, double noise)
{
    memset(gp, 0, sizeof *gp);
    if (n < 2 || d < 1 || !(ell > 0) || !(noise > 0)) return -1;
    double *z = standardise(gp, y, n), *D = distances(u, n, d);
    double *K = halo_xmalloc(sizeof *K * (size_t)n * n), *alpha = halo_xmalloc(sizeof *alpha * (size_t)n);
    kernel_matrix(D, n, ell, noise, K);
    gp->log_ml = factor_and_solve(K, z, n, alpha);
    free(D);
    free(z);
    if (!isfinite(gp->log_ml)) {
        free(K);
        free(alpha);
        return -1;
    }
    gp->n = n, gp->d = d, gp->ell = ell, gp->noise = noise;
    gp->u = halo_xmalloc(sizeof *gp->u * (size_t)n * d);
    memcpy(gp->u, u, sizeof *gp->u * (size_t)n * d);
    gp->L = K, gp->alpha = alpha;
    return 0;
}

int size_gp_fit(size_gp *gp, const double *u, const double *y, int n, int d)
{
    memset(gp, 0, sizeof *gp);
    if (n < 2 || d < 1) return -1;
    double *z = standardise(gp, y, n), *D = distances(u, n, d);
    double *K = halo_xmalloc(sizeof *K * (size_t)n * n), *alpha = halo_xmalloc(sizeof *alpha * (size_t)n);
    /* points are standardised per dimension: typical distances grow as
       sqrt(d), so the grid does too */
    static const double ells[] = {0.25, 0.5, 1, 2}, noises[] = {1e-3, 1e-2, 1e-1, 3e-1};
    double best = -INFINITY, ell = 0, noise = 0;
    for (size_t a = 0; a < sizeof ells / sizeof *ells; a++)
        for (size_t b = 0; b < sizeof noises / sizeof *noises; b++) {
            kernel_matrix(D, n, ells[a] * sqrt((double)d), noises[b], K);
            double ml = factor_and_solve(K, z, n, alpha);
            if (ml > best) best = ml, ell = ells[a] * sqrt((double)d), noise = noises[b];
        }
    free(K);
    free(alpha);
    free(D);
    free(z);
    return isfinite(best) ? size_gp_fit_with(gp, u, y, n, d, ell, noise) : -1;
}

void size_gp_predict(const size_gp *gp, const double *q, int m, double *mean, double *sd)
{
    int n = gp->n;
    double g = -0.5 / (gp->ell * gp->ell);
    /* Ks: n x m column-major, column j the kernel of point j with the data */
    double *Ks = halo_xmalloc(sizeof *Ks * (size_t)n * (m ? m : 1));
    for (int j = 0; j < m; j++)
        for (int i = 0; i < n; i++) Ks[(size_t)j * n + i] = exp(g * sq_dist(gp->u + (size_t)i * gp->d, q + (size_t)j * gp->d, gp->d));
    for (int j = 0; j < m; j++) mean[j] = cblas_ddot(n, Ks + (size_t)j * n, 1, gp->alpha, 1);
    /* v = L^-1 Ks; the variance is 1 - |v|^2 (standardised) */
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, m, 1.0, gp->L, n, Ks, n);
    for (int j = 0; j < m; j++) {
        double v2 = cblas_ddot(n, Ks + (size_t)j * n, 1, Ks + (size_t)j * n, 1), var = 1 - v2;
        sd[j] = sqrt(var > 1e-12 ? var : 1e-12) * gp->ystd;
        mean[j] = gp->ymean + gp->ystd * mean[j];
    }
    free(Ks);
}

void size_gp_free(size_gp *gp)
{
    free(gp->u);
    free(gp->L);
    free(gp->alpha);
    memset(gp, 0, sizeof *gp);
}

double size_expected_improvement(double mean, double sd, double best)
{
    if (!(sd > 0)) return best > mean ? best - mean : 0;
    double z = (best - mean) / sd;
    double cdf = 0.5 * erfc(-z / sqrt(2)), pdf = exp(-0.5 * z * z) / sqrt(2 * M_PI);
    return (best - mean) * cdf + sd * pdf;
}

int size_best_improvement(const double *mean, const double *sd, int m, double best)
{
    int pick = 0;
    double top = -1;
    for (int c = 0; c < m; c++) {
        double ei = size_expected_improvement(mean[c], sd[c], best);
        if (ei > top) top = ei, pick = c;
    }
    return pick;
}
