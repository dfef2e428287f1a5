/*
 * nn_conv.h -- the convolution family of the nn core: 2-D convolution
 * (stride, padding, dilation, groups), nearest-neighbour upsampling by an
 * integer factor, 2-D max and average pooling.
 *
 * Owns: nn_conv2d (weight [Cout][Cin/groups][KH][KW] and optional bias
 * [Cout], PyTorch's names, shapes, default init and output-size formula),
 * nn_upsample, nn_maxpool2d, nn_avgpool2d (no parameters).  All tensors are
 * float32, contiguous, row-major NCHW; the layer convention is nn.h's.
 */
#ifndef HALO_NN_CONV_H
#define HALO_NN_CONV_H

#include "nn.h"

/* ---------------------------------------------------------------- conv2d */

typedef struct nn_conv2d {
    int cin, cout, groups;
    int kh, kw;
    int stride_h, stride_w;
    int pad_h, pad_w;         /* zero padding on both sides */
    int dil_h, dil_w;
    nn_param *weight;         /* [cout][cin/groups][kh][kw] */
    nn_param *bias;           /* [cout], NULL without bias */
} nn_conv2d;

/* Output extent of one axis, PyTorch's formula:
 * floor((in + 2 pad - dil (k - 1) - 1) / stride) + 1; 0 when the kernel
 * does not fit. */
int nn_conv_out_size(int in, int k, int stride, int pad, int dil);

/* Square kernel, stride, padding and dilation (set the _h/_w fields after
 * init for rectangular ones).  Registers "prefix.weight" and, when bias is
 * nonzero, "prefix.bias", both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as
 * PyTorch's reset_parameters.  Returns 0, or -1 for bad sizes (groups not
 * dividing cin and cout, nonpositive kernel/stride/dilation, negative
 * padding) or a parameter name already taken. */
int nn_conv2d_init(nn_conv2d *c, nn_params *ps, const char *prefix, int cin, int cout, int k, int stride,
                   int pad, int dil, int groups, int bias, halo_rng *rng);

/* Output height and width for an h x w input. */
void nn_conv2d_out_hw(const nn_conv2d *c, int h, int w, int *ho, int *wo);

/* y[n][cout][ho][wo] = conv(x[n][cin][h][w]) + bias. */
void nn_conv2d_forward(const nn_conv2d *c, const float *x, int n, int h, int w, float *y, nn_arena *ar);

/* Given the forward's x and dy (shaped as y): adds dL/dweight and
 * dL/dbias into their g, writes dL/dx into dx unless dx is NULL. */
void nn_conv2d_backward(const nn_conv2d *c, const float *x, int n, int h, int w, const float *dy, float *dx,
                        nn_arena *ar);

/* ---------------------------------------------------------------- upsample */

typedef struct nn_upsample {
    int scale;                /* integer factor on both axes */
} nn_upsample;

void nn_upsample_init(nn_upsample *u, int scale);
/* y[n][c][h*scale][w*scale], each input pixel repeated scale x scale. */
void nn_upsample_forward(const nn_upsample *u, const float *x, int n, int c, int h, int w, float *y);
/* dx[i] = sum of dy over the scale x scale block pixel i became. */
void nn_upsample_backward(const nn_upsample *u, int n, int c, int h, int w, const float *dy, float *dx);

/* ---------------------------------------------------------------- pooling */

typedef struct nn_pool2d {
    int kh, kw;
    int stride_h, stride_w;
    int pad_h, pad_w;
} nn_pool2d;
typedef nn_pool2d nn_maxpool2d;
typedef nn_pool2d nn_avgpool2d;

/* Square kernel; stride 0 means stride = kernel (PyTorch's default).
 * Returns 0, or -1 when pad > k/2 (PyTorch's limit: every window must hold
 * a real pixel) or sizes are nonpositive. */
int nn_pool2d_init(nn_pool2d *p, int k, int stride, int pad);
/* Output extent, floor mode (ceil_mode=False), no dilation. */
void nn_pool2d_out_hw(const nn_pool2d *p, int h, int w, int *ho, int *wo);

/* Max pooling; padding counts as -inf.  idx, when not NULL, receives for
 * each output the argmax as an index into its input plane (ih * w + iw,
 * PyTorch's return_indices), n*c*ho*wo ints the caller owns. */
void nn_maxpool2d_forward(const nn_maxpool2d *p, const float *x, int n, int c, int h, int w, float *y,
                          int *idx);
/* Routes dy to the argmaxes.  idx is the forward's; when NULL the argmaxes
 * are recomputed from x into arena scratch (x may be NULL when idx is
 * given).  Overwrites dx. */
void nn_maxpool2d_backward(const nn_maxpool2d *p, const float *x, const int *idx, int n, int c, int h, int w,
                           const float *dy, float *dx, nn_arena *ar);

/* Average pooling with count_include_pad=True: the divisor is always
 * kh*kw, padding counting as zeros. */
void nn_avgpool2d_forward(const nn_avgpool2d *p, const float *x, int n, int c, int h, int w, float *y);
void nn_avgpool2d_backward(const nn_avgpool2d *p, int n, int c, int h, int w, const float *dy, float *dx);

#endif
