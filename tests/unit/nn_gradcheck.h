/*
 * nn_gradcheck.h -- finite-difference gradient checks for the nn tests.
 *
 * A check perturbs one input (or weight) element by +-eps, reruns the
 * caller's forward pass to a scalar loss summed in double, and compares
 * the central difference with the analytic gradient the backward pass
 * produced.  The error of one element is |num - ana| / max(|num| + |ana|,
 * floor), so elements whose true gradient is ~0 are judged absolutely;
 * the check returns the largest over the elements tried.
 */
#ifndef HALO_NN_GRADCHECK_H
#define HALO_NN_GRADCHECK_H

#include <math.h>
#include <stddef.h>

/* Runs the forward pass with the current values; returns the loss. */
typedef double (*nn_loss_fn)(void *ctx);

/* Largest relative error over up to max_checks elements of x (spread
 * evenly), g the analytic gradient of the loss with respect to x. */
static inline double nn_gradcheck(nn_loss_fn f, void *ctx, float *x, const float *g, size_t n, float eps,
                                  size_t max_checks)
{
    double worst = 0;
    size_t stride = max_checks && n > max_checks ? n / max_checks : 1;
    for (size_t i = 0; i < n; i += stride) {
        float keep = x[i];
        x[i] = keep + eps;
        double up = f(ctx);
        x[i] = keep - eps;
        double down = f(ctx);
        x[i] = keep;
        double num = (up - down) / (2.0 * (double)eps), ana = g[i];
        double scale = fabs(num) + fabs(ana);
        if (scale < 1e-2) scale = 1e-2;
        double err = fabs(num - ana) / scale;
        if (err > worst) worst = err;
    }
    return worst;
}

/* The loss the checks use: sum_i y[i] * r[i] with fixed random r, so
 * that dL/dy = r. */
static inline double nn_dot_loss(const float *y, const float *r, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)y[i] * r[i];
    return s;
}

#endif
