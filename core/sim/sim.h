/*
 * sim.h -- circuit simulation with libngspice in worker processes.
 *
 * Owns: sim_job (a deck as lines, the analyses to run on it, and what came
 * back: status, log, one plot of vectors per analysis), the classification
 * of failures into the dataset schema's error vocabulary, and sim_pool, a
 * small pool of forked worker processes that each hold their own
 * libngspice.  The deck is handed to ngspice as a line array and results
 * come back as memory vectors: no temporary files, no ngspice subprocess.
 *
 * Why processes: ngspice keeps global state, can abort, crash or loop
 * forever on a bad deck.  A worker that crashes, exits or passes its
 * deadline is killed and replaced; the job gets `sim_error` or `timeout`
 * and the caller (the shell) goes on.
 *
 * Invariants: a job's plots[] has exactly one entry per command, in order;
 * a plot's ok is 1 only when ngspice produced the analysis's data.  A job
 * with status SIM_OK has every plot ok.  Nothing here prints.
 * Callers: testbench.c (which builds decks), tclcmds/cmd_sim.c, tests.
 */
#ifndef HALO_SIM_H
#define HALO_SIM_H

#include "base/halo_err.h"

/* The schema's error vocabulary (analog-circuits-sky130 `error` column). */
typedef enum {
    SIM_OK = 0,
    SIM_NO_CONVERGENCE,
    SIM_SINGULAR_MATRIX,
    SIM_TIMEOUT,
    SIM_ERROR,
    SIM_MODEL_NOT_FOUND,
    SIM_NO_OUTPUT_PORT
} sim_status;

/* "" for SIM_OK, else the schema string ("no_convergence", ...). */
const char *sim_status_name(sim_status s);

typedef struct sim_vector {
    char *name;          /* ngspice's name, lower case: "vout", "vdd#branch" */
    int is_complex;
    int len;
    double *re, *im;     /* im is NULL for real vectors */
} sim_vector;

typedef struct sim_plot {
    char *name;          /* ngspice's plot name: "op1", "ac2" */
    int ok;              /* the analysis completed with data */
    sim_vector *vecs;
    int nvecs;
} sim_plot;

typedef struct sim_job {
    /* input, owned by the caller */
    char **lines;        /* the deck; lines[0] is its title, the last ".end" */
    int nlines;
    char **commands;     /* analyses run after loading ("op", "ac dec 50 1k 1G") */
    int ncommands;
    char **want;         /* vector names to bring back; NULL/0 = all; "N:name"
                            brings name back from command N's plot only */
    int nwant;
    double timeout_s;    /* wall-clock limit for load + analyses; <= 0: 60 s */
    const char *fault;   /* test hook: "segv", "abort", "exit" or "hang" makes
                            the worker fail so once the circuit is loaded
                            (NULL: none); travels beside the deck, never in
                            it, so no deck text can trigger it */
    /* output, filled by sim_pool_run, freed by sim_job_clear */
    sim_status status;
    char *detail;        /* one line saying why, "" when OK */
    char *log;           /* ngspice's output for this job (may be cut) */
    sim_plot *plots;     /* ncommands entries when the job ran */
    int nplots;
    double seconds;      /* wall time of the job in its worker */
} sim_job;

/* Clear a job and point it at a deck's lines, analyses and wanted vectors
 * (borrowed, not copied). */
void sim_job_init(sim_job *job, char **lines, int nlines, char **commands, int ncommands, char **want, int nwant,
                  double timeout_s);

/* Free a job's outputs (not its inputs); the job can be run again. */
void sim_job_clear(sim_job *job);

/* A vector of a plot by name (case-insensitive), NULL when absent. */
const sim_vector *sim_plot_vector(const sim_plot *plot, const char *name);

/* Classify a failed job from ngspice's output: which schema error explains
 * it, and one line of detail (malloc'd) quoting the deciding message. */
sim_status sim_classify(const char *log, char **detail);

typedef struct sim_pool sim_pool;

/* A pool of up to nworkers processes (1..16), started lazily. */
sim_pool *sim_pool_new(int nworkers);
void sim_pool_free(sim_pool *pool);
int sim_pool_size(const sim_pool *pool);
/* Address space (MB) a worker may add to its start-up size, 0 for no
 * limit; idle workers are replaced so the next run has the new limit. */
#define SIM_DEFAULT_MEMORY_MB 2048
void sim_pool_set_memory_limit(sim_pool *pool, long mb);
/* Start every worker now (so the first job does not pay for it). */
int sim_pool_warm(sim_pool *pool, halo_err *err);
/* Run jobs, as many at once as there are workers.  Every job gets a status;
 * returns nonzero (and fills err) only when no worker can be started. */
int sim_pool_run(sim_pool *pool, sim_job **jobs, int njobs, halo_err *err);
/* Workers started since the pool was made (replacements included). */
int sim_pool_spawned(const sim_pool *pool);

/* The worker side, in sim_engine.c: serve requests on fd until it closes. */
void sim_engine_serve(int fd);

#endif
