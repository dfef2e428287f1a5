/*
 * predict_net.h -- the placement-quality networks: the NAS search space of
 * the seed (nas-placement-quality) and the fixed CNN baseline, as one
 * architecture description and one network that runs any of them on
 * halo's nn core.
 *
 * Owns: pn_arch (what a network is: three fixed stride-2 3x3 convolutions,
 * six sampled DAGs -- two after each of them -- and the head: global mean
 * pooling, FC fc, ReLU, FC 2), its text form (stored in a model file's
 * metadata), and pn_model (the layers built from an arch, forward and
 * backward over a batch).
 *
 * A DAG has an input vertex v0 (the tensors before it) and up to
 * PN_MAXV = 7 operation vertices v1..v7, ordered; an edge j -> k (j < k)
 * feeds v_j's output to v_k, whose input is the channel concatenation of
 * its incoming edges in j order.  The DAG's output is the concatenation of
 * its sinks (used vertices with no outgoing edge, v0 when nothing leaves
 * it), which feeds the next DAG or fixed convolution.  Vertex operations
 * (the seed's four), each followed by ReLU:
 *   c32  3x3 convolution, 32 filters
 *   c64  3x3 convolution, 64 filters
 *   a32  3x3 atrous convolution, 32 filters, dilation 2
 *   mix  MixConv: the input's channels split into 4 groups (equal, the
 *        remainder to the first, as MixConv's _split_channels), depthwise
 *        convolutions with kernels 7, 9, 11, 13; channels kept
 * Filter counts are multiplied by `width` (1 = the seed's), at least 4.
 * The fixed convolutions have stem[0..2] filters and ReLU.  The head's
 * outputs: [0] the logit of "good", [1] the standardised metric.
 *
 * The CNN baseline (pn_arch_cnn) is the same frame with every DAG one
 * 3x3 convolution: a VGG-style nine-convolution network.  Liu et al.'s
 * 3D-CNN itself (3-D convolutions over per-device maps) is not
 * reproduced: halo's nn core has no 3-D convolution.
 *
 * Text form, one line:
 *   pnet1 in=15 size=64 width=1 stem=32,64,64 fc=32 dags=D1|D2|D3|D4|D5|D6
 * where a DAG D is "EDGES;OPS", EDGES a comma list of j>k, OPS a comma
 * list of k=op for the vertices the edges reach ("-;-" is the empty DAG).
 */
#ifndef HALO_PREDICT_NET_H
#define HALO_PREDICT_NET_H

#include <stdint.h>

#include "base/halo_err.h"
#include "base/rng.h"
#include "nn/nn.h"

#define PN_NDAGS 6
#define PN_MAXV 7
#define PN_HEAD 2

typedef enum { PN_OP_C32, PN_OP_C64, PN_OP_A32, PN_OP_MIX, PN_NOPS } pn_op;

typedef struct pn_dag {
    unsigned char edge[PN_MAXV + 1][PN_MAXV + 1];   /* edge[j][k], j < k */
    signed char op[PN_MAXV + 1];                     /* op of v1..v7, -1 unused */
} pn_dag;

typedef struct pn_arch {
    int in_c, size;
    double width;
    int stem[3];
    int fc;
    pn_dag dag[PN_NDAGS];
} pn_arch;

const char *pn_op_name(pn_op op);

/* The fixed CNN baseline for in_c channels of size x size. */
void pn_arch_cnn(pn_arch *a, int in_c, int size, double width);
/* An arch with empty DAGs (the caller fills them). */
void pn_arch_empty(pn_arch *a, int in_c, int size, double width);
/* Whether vertex k (1..7) of d is used: some edge reaches it. */
int pn_dag_used(const pn_dag *d, int k);
/* Vertices used and edges of a DAG. */
void pn_dag_count(const pn_dag *d, int *vertices, int *edges);

/* Parameters of the network an arch describes (MixConv counted at its
 * largest kernel, so an upper bound for archs with MixConv), computed
 * without building it; pn_model_new refuses more than PN_MAX_PARAMS. */
#define PN_MAX_PARAMS 50e6
double pn_arch_params(const pn_arch *a);

/* Text form; the string is malloc'ed. */
char *pn_arch_format(const pn_arch *a);
/* Parse the text form; 0, or nonzero with HALO_E_PRD_ARCH naming the fault. */
int pn_arch_parse(const char *text, pn_arch *a, halo_err *err);

/* ---------------------------------------------------------------- the network */

typedef struct pn_model pn_model;

/* Build the layers of a (PyTorch default init from seed).  NULL with *err
 * when the arch is invalid (sizes; the picture too small for three
 * stride-2 convolutions). */
pn_model *pn_model_new(const pn_arch *a, uint64_t seed, halo_err *err);
void pn_model_free(pn_model *m);
const pn_arch *pn_model_arch(const pn_model *m);
nn_params *pn_model_params(pn_model *m);
/* Multiply-adds of one forward pass of one sample. */
double pn_model_macs(const pn_model *m);

/* x [n][in_c][size][size] -> out [n][PN_HEAD].  Keeps what backward needs
 * until the next forward. */
void pn_model_forward(pn_model *m, const float *x, int n, float *out);
/* dout [n][PN_HEAD] of the last forward: adds every parameter's gradient. */
void pn_model_backward(pn_model *m, const float *dout);

#endif
