/*
 * sim_engine.c -- the worker side of simulation: libngspice in-process.
 *
 * Owns: the one libngspice instance of a worker process (initialised once,
 * reused for every job), loading a deck from a line array (ngSpice_Circ),
 * running each requested analysis with ngSpice_Command, and sending back
 * the vectors of the plots the analyses made, read straight from ngspice's
 * memory (ngGet_Vec_Info).  Runs only in a forked worker (sim_pool.c); it
 * never returns to the caller's code: on EOF or after ngspice's controlled
 * exit it ends the process with _exit.
 *
 * How success is judged: ngspice's API returns 0 for failed analyses too,
 * so an analysis counts as done only when it made a new plot, its output
 * does not say "aborted", and its vectors hold data.  Anything else is
 * left for sim_classify() in the shell, which reads the log we send back.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ngspice/sharedspice.h>

#include "sim.h"
#include "sim_wire.h"

/* ngspice's output of the current job.  The head matters most for
 * classification (load errors come first), and the tail holds the final
 * verdict, so a long log keeps both ends. */
#define LOG_HEAD_MAX (96 * 1024)
#define LOG_TAIL_MAX (32 * 1024)

static su_buf g_log;
static char g_tail[LOG_TAIL_MAX];
static size_t g_tail_len;
static size_t g_dropped;
static int g_exited;            /* ngspice called its controlled exit */

static void log_reset(void)
{
    g_log.len = 0;
    if (g_log.s) g_log.s[0] = '\0';
    g_tail_len = 0;
    g_dropped = 0;
}

static void log_line(const char *s)
{
    size_t n = strlen(s);
    if (g_log.len + n + 1 <= LOG_HEAD_MAX && g_tail_len == 0) {
        su_buf_addn(&g_log, s, n);
        su_buf_addn(&g_log, "\n", 1);
        return;
    }
    /* past the head: keep a rolling tail of whole lines */
    if (n + 1 > LOG_TAIL_MAX) n = LOG_TAIL_MAX - 1;
    if (g_tail_len + n + 1 > LOG_TAIL_MAX) {
        size_t cut = g_tail_len + n + 1 - LOG_TAIL_MAX;
        char *nl = memchr(g_tail + cut, '\n', g_tail_len - cut);
        if (nl) cut = (size_t)(nl + 1 - g_tail);
        if (cut > g_tail_len) cut = g_tail_len;
        memmove(g_tail, g_tail + cut, g_tail_len - cut);
        g_tail_len -= cut;
        g_dropped += cut;
    }
    memcpy(g_tail + g_tail_len, s, n);
    g_tail[g_tail_len + n] = '\n';
    g_tail_len += n + 1;
}

/* ngspice prefixes every line with "stdout " or "stderr ". */
static int on_output(char *s, int id, void *user)
{
    (void)id;
    (void)user;
    if (strncmp(s, "stdout ", 7) == 0 || strncmp(s, "stderr ", 7) == 0) s += 7;
    if (strncmp(s, "*****", 5) == 0 || strncmp(s, "** ngspice", 10) == 0 ||
        strncmp(s, "** Creation", 11) == 0)
        return 0;                               /* the banner */
    log_line(s);
    return 0;
}

static int on_exit_request(int status, NG_BOOL unload, NG_BOOL quit, int id, void *user)
{
    (void)unload;
    (void)quit;
    (void)id;
    (void)user;
    g_exited = 1;
    char msg[96];
    snprintf(msg, sizeof msg, "halo: ngspice requested exit (status %d)", status);
    log_line(msg);
    return 0;
}

static const char *full_log(su_buf *out)
{
    su_buf_add(out, g_log.s ? g_log.s : "");
    if (g_tail_len) {
        su_buf_printf(out, "[... %zu bytes of output left out ...]\n", g_dropped);
        su_buf_addn(out, g_tail, g_tail_len);
    }
    return out->s ? out->s : "";
}

/* Is vector `name` of the plot of command `cmd` wanted?  An entry "N:name"
 * wants it from command N's plot only (so the device vectors a .save
 * keeps in every analysis come back from the one that needs them). */
static int wanted(const char *name, int cmd, char **want, int nwant)
{
    if (nwant == 0) return 1;
    for (int i = 0; i < nwant; i++) {
        const char *w = want[i], *colon = strchr(w, ':');
        if (colon && colon > w && strspn(w, "0123456789") == (size_t)(colon - w)) {
            if (atoi(w) != cmd) continue;
            w = colon + 1;
        }
        if (su_casecmp(name, w) == 0) return 1;
    }
    return 0;
}

/* Append the vectors of plot `plot` (those wanted) to the response. */
static void put_plot_vectors(su_buf *resp, const char *plot, int cmd, char **want, int nwant, int *has_data)
{
    char **names = ngSpice_AllVecs((char *)plot);
    int count = 0;
    for (int i = 0; names && names[i]; i++)
        if (wanted(names[i], cmd, want, nwant)) count++;
    wire_put_u32(resp, (uint32_t)count);
    *has_data = count > 0;
    for (int i = 0; names && names[i]; i++) {
        if (!wanted(names[i], cmd, want, nwant)) continue;
        char full[512];
        snprintf(full, sizeof full, "%s.%s", plot, names[i]);
        pvector_info v = ngGet_Vec_Info(full);
        int len = v ? v->v_length : 0;
        int cplx = v && v->v_compdata != NULL;
        if (len <= 0) *has_data = 0;
        wire_put_str(resp, names[i]);
        wire_put_u32(resp, (uint32_t)cplx);
        wire_put_u32(resp, (uint32_t)(len > 0 ? len : 0));
        for (int k = 0; k < len; k++) {
            double re = cplx ? v->v_compdata[k].cx_real : v->v_realdata[k];
            wire_put_f64s(resp, &re, 1);
        }
        for (int k = 0; cplx && k < len; k++) wire_put_f64s(resp, &v->v_compdata[k].cx_imag, 1);
    }
}

static char *cur_plot_name(void)
{
    char *p = ngSpice_CurPlot();
    return su_strdup(p ? p : "");
}

/* Run one analysis; append its plot (name, ok, vectors) to resp. */
static void run_command(su_buf *resp, char *command, int cmd, char **want, int nwant)
{
    char *before = cur_plot_name();
    size_t log_mark = g_log.len, tail_mark = g_tail_len;
    if (!g_exited) ngSpice_Command(command);
    char *after = cur_plot_name();
    int made_plot = !g_exited && strcmp(before, after) != 0 && strcmp(after, "const") != 0;
    /* "aborted" in what this analysis printed means it gave up */
    const char *seg = g_tail_len ? g_tail + (tail_mark < g_tail_len ? tail_mark : 0)
                                 : (g_log.s ? g_log.s + log_mark : "");
    int aborted = strstr(seg, "aborted") != NULL || strstr(seg, "simulation interrupted") != NULL;
    wire_put_str(resp, made_plot ? after : "");
    if (!made_plot) {
        wire_put_u32(resp, 0);
        wire_put_u32(resp, 0);
    } else {
        su_buf vecs = {0};
        int has_data = 0;
        put_plot_vectors(&vecs, after, cmd, want, nwant, &has_data);
        wire_put_u32(resp, (uint32_t)(has_data && !aborted));
        su_buf_addn(resp, vecs.s, vecs.len);
        su_buf_free(&vecs);
    }
    free(before);
    free(after);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char **get_strings(wire_rd *rd, int *n)
{
    uint32_t count = wire_get_u32(rd);
    if (rd->bad || count > rd->left / 4) {
        rd->bad = 1;
        *n = 0;
        return NULL;
    }
    char **v = halo_xmalloc((count + 1u) * sizeof *v);
    for (uint32_t i = 0; i < count; i++) v[i] = wire_get_str(rd);
    v[count] = NULL;
    *n = (int)count;
    return v;
}

static void free_strings(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* Fault injection for the tests of the pool (like SQLite's test hooks):
 * the request's fault field (sim_job.fault, never deck text) makes this
 * worker fail that way once the circuit is loaded, as a crashing ngspice
 * would. */
static void inject_fault(char **faults, int nfaults)
{
    for (int i = 0; i < nfaults; i++) {
        const char *f = faults[i];
        if (strcmp(f, "segv") == 0) raise(SIGSEGV);
        if (strcmp(f, "abort") == 0) abort();
        if (strcmp(f, "exit") == 0) _exit(7);
        if (strcmp(f, "hang") == 0)
            for (;;) pause();
    }
}

/* One request -> one response. */
static void serve_one(int fd, const char *req, size_t len)
{
    wire_rd rd = {req, len, 0};
    int nlines = 0, ncmds = 0, nwant = 0;
    uint32_t magic = wire_get_u32(&rd);
    char **lines = get_strings(&rd, &nlines);
    char **cmds = get_strings(&rd, &ncmds);
    char **want = get_strings(&rd, &nwant);
    int nfaults = 0;
    char **faults = get_strings(&rd, &nfaults);
    double t0 = now_s();
    su_buf resp = {0};
    log_reset();
    wire_put_u32(&resp, SIM_WIRE_RESPONSE);
    if (rd.bad || magic != SIM_WIRE_REQUEST) {
        log_line("halo: malformed request to the simulation worker");
        ncmds = 0;
    } else {
        if (ngSpice_Circ(lines) != 0 && !g_exited) log_line("halo: ngspice refused the circuit");
        inject_fault(faults, nfaults);
    }
    su_buf plots = {0};
    for (int i = 0; i < ncmds; i++) run_command(&plots, cmds[i], i, want, nwant);
    if (!g_exited) {
        ngSpice_Command("destroy all");
        ngSpice_Command("remcirc");
    }
    double dt = now_s() - t0;
    su_buf logtext = {0};
    wire_put_u32(&resp, (uint32_t)g_exited);
    wire_put_f64s(&resp, &dt, 1);
    wire_put_str(&resp, full_log(&logtext));
    wire_put_u32(&resp, (uint32_t)ncmds);
    if (plots.len) su_buf_addn(&resp, plots.s, plots.len);
    (void)wire_send_frame(fd, resp.s, resp.len);
    su_buf_free(&logtext);
    su_buf_free(&plots);
    su_buf_free(&resp);
    free_strings(lines, nlines);
    free_strings(cmds, ncmds);
    free_strings(want, nwant);
    free_strings(faults, nfaults);
}

void sim_engine_serve(int fd)
{
    ngSpice_Init(on_output, NULL, on_exit_request, NULL, NULL, NULL, NULL);
    /* Debian's libngspice evaluates devices with OpenMP.  Parallelism is
     * the pool's job (one process per core); OpenMP threads on top of it
     * only fight for the same cores, and spin when they are busy. */
    ngSpice_Command("set num_threads=1");
    for (;;) {
        char *req = NULL;
        size_t len = 0;
        if (wire_recv_frame(fd, &req, &len) != 0) _exit(0);
        serve_one(fd, req, len);
        free(req);
        if (g_exited) _exit(3);   /* ngspice's state is gone; let the pool replace us */
    }
}
