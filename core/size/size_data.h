/*
 * size_data.h -- sizing datasets: one JSONL row per simulated sizing, in
 * the analog-circuits-sky130 schema, and reading them back as matrices.
 *
 * Owns: the row text (circuit_id, base_circuit_id, topology,
 * source_dataset "halo", pdk, sim_params, converged, error, metrics,
 * netlist_json) and size_data, the rows read back: one sizing vector and
 * one metric vector per row.
 *
 * Where the sizing lives in a row: sim_params.sweep.design.sizing, a dict
 * of the sizing space's variables ("XM1.W": µm), with the sample's seed
 * and index beside it; netlist_json carries the sized devices (W, L in
 * µm) as the schema's devices[].params.  sim_params.sweep.test carries the
 * testbench's load and bias.  A failed point is kept: converged false, its
 * error class from the schema's vocabulary, and the metrics it did get.
 * Metrics are numbers in SI units (the schema's keys where it has them);
 * an absent metric is NaN in size_data.
 */
#ifndef HALO_SIZE_DATA_H
#define HALO_SIZE_DATA_H

#include <stdint.h>

#include "base/halo_err.h"
#include "size_space.h"

/* What a row records besides the sizing. */
typedef struct size_row_info {
    const char *design;       /* base_circuit_id and topology */
    const char *pdk;          /* "sky130" */
    int index;                /* sample number: circuit_id <design>_sNNNNN */
    uint64_t seed;            /* the dataset's seed */
    double vdd, vcm, cl, ibias;
    const char *models;       /* which model library simulated it */
    const char *status;       /* "" when converged, else the schema's error */
    const char *detail;       /* why it failed, or NULL */
    int nmetrics;
    const char *const *keys;
    const double *values;
    const char *netlist_json; /* the sized netlist, compact; may be NULL */
    const char *extra_json;   /* an object merged into metrics (may be NULL) */
} size_row_info;

/* One JSONL line (no newline), malloc'd. */
char *size_row_json(const size_space *s, const double *x, const size_row_info *info);

typedef struct size_data {
    int nvars;
    char (*var)[80];          /* variable names, in the first row's order */
    int nmetrics;
    char (*metric)[32];       /* every numeric metric key seen, sorted */
    int nrows;
    double *x;                /* nrows * nvars, µm */
    double *m;                /* nrows * nmetrics, NaN when absent */
    int *converged;           /* per row */
    char (*id)[48];           /* circuit_id per row */
    char design[80];          /* base_circuit_id of the first row */
} size_data;

/* Read a JSONL file of sizing rows.  Every row must carry the same
 * variables; a malformed line is refused naming path:line. */
int size_data_read(const char *path, size_data *d, halo_err *err);
void size_data_free(size_data *d);
/* Column of a metric, -1 when absent. */
int size_data_metric(const size_data *d, const char *key);

#endif
