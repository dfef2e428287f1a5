/*
 * modellib.h -- a SPICE model library read once, reduced per design.
 *
 * Owns: loading a model library the way ngspice reads it (`.lib FILE
 * SECTION`, `.include`, `.lib NAME`/`.endl` sections, '+' continuations,
 * '*' comment lines and ';' / '$ ' trailing comments, case-insensitive
 * names) into an index of its top-level `.param` assignments, `.subckt`
 * blocks, `.model` cards (binned models `base.N` grouped by base, with
 * their literal lmin/lmax/wmin/wmax) and `.option` lines; and reducing it
 * to the self-contained SPICE text a deck needs for the devices a design
 * instantiates, so each circuit loaded into libngspice parses kilobytes of
 * models instead of the whole PDK.
 *
 * Invariants: the library is immutable after modellib_load, so one loaded
 * library may be reduced from several threads.  Reduction keeps a
 * subsequence of the library's statements in their original order (a
 * multi-name `.param` is split into one `.param` per kept name), so the
 * reduced text means to ngspice what the library meant for the kept names.
 * For binned models it keeps every bin ngspice could select for the given
 * geometries (bounds widened by a small tolerance), so ngspice's choice
 * among the kept bins is the choice it makes in the full library.
 *
 * Geometry: ngspice bins on the instance's l and w times `.option scale`
 * (in metres; w is divided by nf only under `.option wnflag=1` or the
 * hs/spe compatibility modes, which matters only for nf>1).  A use's
 * w_um / l_um are that binning geometry in µm: the per-finger W when the
 * deck writes fingers as W=<finger> m=<nf> (as halo's writer does).  Inside
 * a used subcircuit the instance lines' l/w expressions are evaluated with
 * the use's values, so a body that rescales (l = {l*1.1}) is followed.
 *
 * Callers: the simulation layer (splicing models into in-memory decks),
 * tests/unit/test_modellib.c.
 */
#ifndef HALO_MODELLIB_H
#define HALO_MODELLIB_H

#include <stddef.h>

#include "base/halo_err.h"
#include "base/strutil.h"

typedef struct modellib modellib;

/* One device use of a design: the subcircuit or model name it instantiates
 * (e.g. sky130_fd_pr__nfet_01v8) and its binning W and L in µm; 0 for
 * "any", which keeps every bin. */
typedef struct modellib_use {
    const char *name;
    double w_um;
    double l_um;
} modellib_use;

/* Counts of what a loaded library holds (for reports and tests). */
typedef struct modellib_info {
    int n_files;        /* files read (a file read twice counts twice) */
    int n_statements;   /* logical statements kept, subckt bodies included */
    int n_params;       /* top-level .param assignments (names, not lines) */
    int n_subckts;      /* top-level .subckt blocks */
    int n_models;       /* top-level .model cards */
    int n_options;      /* .option lines */
    int n_ignored;      /* other top-level statements, not reproduced */
    size_t text_bytes;  /* bytes of cleaned statement text */
    double scale;       /* .option scale (1 when absent) */
} modellib_info;

/* Read lib_path, selecting its `.lib section` (section NULL: the whole
 * file).  On error returns nonzero, fills err ("FILE:LINE: ...") and sets
 * *out to NULL. */
int modellib_load(const char *lib_path, const char *section, modellib **out, halo_err *err);

/* Append to out the SPICE text (lines ending in '\n') that defines the
 * used names for ngspice: the .option lines, the used subckts and models
 * and, transitively, what they reference (binned models: only the bins
 * the uses select), and every .param the kept text names, in library
 * order.  Same inputs give the same bytes.  An unknown name is an error
 * naming it; out is then left as it was. */
int modellib_reduce(const modellib *lib, const modellib_use *uses, size_t n_uses, su_buf *out,
                    halo_err *err);

void modellib_get_info(const modellib *lib, modellib_info *info);

void modellib_free(modellib *lib);

#endif
