/*
 * spice.h -- SPICE netlists in and out of the netlist database.
 *
 * Owns: reading SPICE (.subckt/.ends, .param and {expr} / 'expr' values,
 * '+' continuations, '*' ';' and '$' comments, case-insensitive keywords,
 * engineering suffixes, .include, .global, .model types, elements M X R C
 * L Q D V I, instance params, the OSIRIS placeholder nf=ZZZ) and flattening
 * the hierarchy under one top cell with '/'-joined names; writing a flat
 * netlist back as one .subckt that ngspice accepts with the PDK's models.
 * The first line is NOT a title: halo reads netlist files, not decks.
 * Callers: tclcmds (read_spice, write_spice), fuzz/fuzz_spice.c, tests.
 */
#ifndef HALO_SPICE_H
#define HALO_SPICE_H

#include "base/halo_err.h"
#include "netlist.h"

/* How geometry values (W, L, ad, pd ...) are written.  AUTO: honour an
 * .option scale when the file has one; else an M element with a model of
 * its own (.model) is plain SPICE, metres; a PDK device decides by
 * magnitude, each of W and L on its own: below 5e-3 it is metres
 * (w=10.5e-7, w=1.05u), from 0.05 up micrometres (W=1.05, sky130's
 * .option scale=1.0u convention), in between it fits neither and is
 * refused.  UM and M force one convention for the whole file. */
typedef enum { SPICE_UNITS_AUTO = 0, SPICE_UNITS_UM, SPICE_UNITS_M } spice_units;

typedef struct spice_read_opts {
    const char *top;     /* subcircuit to flatten as the design, NULL = infer */
    int wmode;           /* NETLIST_W_TOTAL (default) or NETLIST_W_PER_FINGER */
    int no_include;      /* refuse .include (used by the fuzzer) */
    int skip_include;    /* pass over .include lines (only the structure is
                            wanted: spice_subckt_ports) */
    spice_units units;
    /* models starting with this are PDK subcircuits: an M, R or C element
     * naming one becomes an X instance (NULL or "": none) */
    const char *subckt_prefix;
} spice_read_opts;

/* Below this a geometry value read by magnitude is in metres, from
 * SPICE_UM_MIN up in micrometres. */
#define SPICE_METRES_MAX 5e-3
#define SPICE_UM_MIN 0.05

typedef struct spice_write_opts {
    /* 0: MOS written as W=<total> nf=<fingers> (BSIM4, LVS convention).
     * 1: W=<finger width> m=<nf*m>, the form ngspice 39 simulates correctly
     *    with the sky130 models (its nf handling is wrong). */
    int fingers_as_m;
    const char *comment; /* extra header comment line, or NULL */
    /* 1: a .subckt even without ports (a post-layout netlist is always one);
     * 0: a netlist without ports is written as bare elements */
    int always_subckt;
} spice_write_opts;

/* Read a file.  Returns NULL and fills err ("FILE:LINE: ...") on error. */
netlist *spice_read_file(const char *path, const spice_read_opts *opts, halo_err *err);
/* Read text held in memory; name is used in messages and to resolve
 * .include relative paths (its directory). */
netlist *spice_read_text(const char *text, size_t len, const char *name,
                         const spice_read_opts *opts, halo_err *err);

/* The ports of .subckt subckt in text as the reader sees them (comments,
 * '+' continuations, params:, NAME=VALUE and .control blocks are not
 * ports), without elaborating anything; .include lines are passed over.
 * 0 with *nports and the line of the .subckt (*nports -1 when text
 * defines no such subcircuit), or the error of a text that does not
 * parse. */
int spice_subckt_ports(const char *text, size_t len, const char *name, const char *subckt, int *nports, int *line,
                       halo_err *err);

/* Netlist as SPICE text (malloc'd, caller frees). */
char *spice_write_text(const netlist *nl, const spice_write_opts *opts);
int spice_write_file(const netlist *nl, const char *path, const spice_write_opts *opts,
                     halo_err *err);

/* Type of a device model / PDK subcircuit name by its conventional name
 * (sky130_fd_pr__nfet_01v8 -> nmos, ..cap_mim.. -> cap); -1 if unknown. */
int spice_model_type(const char *model, netlist_devtype *type);

#endif
