/*
 * sim_pool.c -- the shell side of simulation: worker processes, deadlines,
 * and turning what a worker sent (or did not send) into a classified job.
 *
 * Owns: sim_pool (forked workers, each serving sim_engine_serve on one end
 * of a socketpair), the scheduling of a batch of jobs over the workers,
 * per-job deadlines enforced with poll() and SIGKILL, replacement of dead
 * workers, the private directory workers run in (ngspice drops BSIM check
 * files into its working directory), each worker's address-space limit
 * (setrlimit), sim_classify and the job/plot helpers.
 *
 * Why fork without exec: the worker is this same library, so there is no
 * helper binary to find at run time, in the build tree or installed.  The
 * child touches only ngspice and core/, never Tcl, and leaves with _exit.
 */
#include "sim.h"
#include "sim_wire.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define SIM_MAX_WORKERS 16
#define SIM_DEFAULT_TIMEOUT 60.0

/* ------------------------------------------------------------------ jobs */

static const char *const status_names[] = {
    "", "no_convergence", "singular_matrix", "timeout", "sim_error", "model_not_found",
    "no_output_port",
};

const char *sim_status_name(sim_status s)
{
    if ((int)s < 0 || (size_t)s >= sizeof status_names / sizeof status_names[0]) return "sim_error";
    return status_names[s];
}

static void plot_free(sim_plot *p)
{
    for (int i = 0; i < p->nvecs; i++) {
        free(p->vecs[i].name);
        free(p->vecs[i].re);
        free(p->vecs[i].im);
    }
    free(p->vecs);
    free(p->name);
}

void sim_job_init(sim_job *job, char **lines, int nlines, char **commands, int ncommands, char **want, int nwant,
                  double timeout_s)
{
    memset(job, 0, sizeof *job);
    job->lines = lines, job->nlines = nlines;
    job->commands = commands, job->ncommands = ncommands;
    job->want = want, job->nwant = nwant;
    job->timeout_s = timeout_s;
}

void sim_job_clear(sim_job *job)
{
    for (int i = 0; i < job->nplots; i++) plot_free(&job->plots[i]);
    free(job->plots);
    free(job->detail);
    free(job->log);
    job->plots = NULL;
    job->nplots = 0;
    job->detail = NULL;
    job->log = NULL;
    job->status = SIM_OK;
    job->seconds = 0;
}

const sim_vector *sim_plot_vector(const sim_plot *plot, const char *name)
{
    for (int i = 0; plot && i < plot->nvecs; i++)
        if (su_casecmp(plot->vecs[i].name, name) == 0) return &plot->vecs[i];
    return NULL;
}

/* ------------------------------------------------------- classification */

/* The line of log holding needle, without its newline (malloc'd). */
static char *line_with(const char *log, const char *hit)
{
    const char *b = hit, *e = hit;
    while (b > log && b[-1] != '\n') b--;
    while (*e && *e != '\n') e++;
    while (b < e && (*b == ' ' || *b == '\t')) b++;
    return su_strndup(b, (size_t)(e - b));
}

/* Ordered: the first rule whose needle occurs decides.  Model lookup
 * failures come first because they make every later analysis fail too;
 * a singular matrix outranks the convergence failures it causes. */
static const struct {
    const char *needle;
    sim_status status;
} classify_rules[] = {
    {"can't find model", SIM_MODEL_NOT_FOUND},
    {"unable to find definition of model", SIM_MODEL_NOT_FOUND},
    {"could not find a valid modelname", SIM_MODEL_NOT_FOUND},
    {"unknown subckt", SIM_MODEL_NOT_FOUND},
    {"no model bin", SIM_MODEL_NOT_FOUND},
    {"fatal error", SIM_ERROR},          /* e.g. BSIM4 parameter checks */
    {"undefined parameter", SIM_ERROR},
    {"singular matrix", SIM_SINGULAR_MATRIX},
    {"timestep too small", SIM_NO_CONVERGENCE},
    {"gmin stepping failed", SIM_NO_CONVERGENCE},
    {"source stepping failed", SIM_NO_CONVERGENCE},
    {"iteration limit reached", SIM_NO_CONVERGENCE},
    {"too many iterations without convergence", SIM_NO_CONVERGENCE},
    {"no convergence", SIM_NO_CONVERGENCE},
};

/* Case-insensitive strstr. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (su_ncasecmp(p, needle, n) == 0) return p;
    return NULL;
}

sim_status sim_classify(const char *log, char **detail)
{
    if (!log) log = "";
    for (size_t r = 0; r < sizeof classify_rules / sizeof classify_rules[0]; r++) {
        const char *hit = find_ci(log, classify_rules[r].needle);
        if (hit) {
            if (detail) *detail = line_with(log, hit);
            return classify_rules[r].status;
        }
    }
    /* unclassified: quote the first error, else the last line */
    const char *hit = find_ci(log, "error");
    if (!hit) hit = find_ci(log, "aborted");
    if (detail) {
        if (hit) {
            *detail = line_with(log, hit);
        } else {
            const char *end = log + strlen(log);
            while (end > log && end[-1] == '\n') end--;
            const char *b = end;
            while (b > log && b[-1] != '\n') b--;
            *detail = b < end ? su_strndup(b, (size_t)(end - b)) : su_strdup("ngspice failed without a message");
        }
    }
    return SIM_ERROR;
}

/* ------------------------------------------------------------- workers */

typedef struct sim_worker {
    pid_t pid;           /* 0 when not running */
    int fd;              /* our end of the socketpair */
    sim_job *job;        /* the job it is running, NULL when idle */
    double deadline;     /* monotonic seconds */
    su_buf rx;           /* bytes of the response received so far */
    long mem_limit_mb;   /* the limit it was started with, 0 for none */
} sim_worker;

struct sim_pool {
    int nworkers;
    sim_worker w[SIM_MAX_WORKERS];
    char dir[256];       /* where workers run; "" until made */
    int spawned;
    long mem_limit_mb;   /* address space a worker may add to its start-up size */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

sim_pool *sim_pool_new(int nworkers)
{
    sim_pool *p = halo_xmalloc(sizeof *p);
    memset(p, 0, sizeof *p);
    if (nworkers < 1) nworkers = 1;
    if (nworkers > SIM_MAX_WORKERS) nworkers = SIM_MAX_WORKERS;
    p->nworkers = nworkers;
    p->mem_limit_mb = SIM_DEFAULT_MEMORY_MB;
    for (int i = 0; i < SIM_MAX_WORKERS; i++) p->w[i].fd = -1;
    return p;
}

int sim_pool_size(const sim_pool *pool)
{
    return pool->nworkers;
}

int sim_pool_spawned(const sim_pool *pool)
{
    return pool->spawned;
}

/* Kill (if needed) and reap a worker; describe how it ended in why. */
static void worker_stop(sim_worker *w, int kill_it, char *why, size_t whylen)
{
    if (why && whylen) why[0] = '\0';
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
    if (w->pid > 0) {
        int st = 0;
        if (kill_it) kill(w->pid, SIGKILL);
        while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR) {
        }
        if (why && whylen) {
            if (WIFSIGNALED(st))
                snprintf(why, whylen, "the ngspice worker died of signal %d (%s)", WTERMSIG(st),
                         strsignal(WTERMSIG(st)));
            else if (WIFEXITED(st))
                snprintf(why, whylen, "the ngspice worker exited with status %d", WEXITSTATUS(st));
        }
    }
    w->pid = 0;
    w->job = NULL;
    w->rx.len = 0;
}

/* The private working directory of the workers. */
static int pool_dir(sim_pool *p, halo_err *err)
{
    if (p->dir[0]) return 0;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    snprintf(p->dir, sizeof p->dir, "%s/halo-sim-XXXXXX", tmp);
    if (!mkdtemp(p->dir)) {
        int e = errno;
        halo_err_set(err, HALO_E_WRITE, NULL, 0, p->dir, strerror(e));
        p->dir[0] = '\0';
        return -1;
    }
    return 0;
}

/* Cap the address space of this process at its present size plus mb
 * megabytes.  The worker is a fork of the shell, so it starts as large as
 * the shell is; the limit bounds what a deck can make it allocate (a
 * .control block's 300M-point vector).  ngspice then reports "can't
 * allocate" and exits, and the job is classified like any other failure. */
static void limit_address_space(long mb)
{
    if (mb <= 0) return;
    unsigned long long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu", &pages) != 1) pages = 0;
        fclose(f);
    }
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = (rlim_t)(pages * (unsigned long long)sysconf(_SC_PAGESIZE) +
                                         (unsigned long long)mb * 1024 * 1024);
    setrlimit(RLIMIT_AS, &rl);
}

/* In the child: keep only stdio and our socket, then serve forever. */
static void child_main(int fd, const char *dir, long mem_limit_mb)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    setpgid(0, 0);                   /* a Ctrl-C at the shell is not ours */
    signal(SIGINT, SIG_IGN);
    long maxfd = sysconf(_SC_OPEN_MAX);
    if (maxfd < 0 || maxfd > 4096) maxfd = 4096;
    for (int i = 3; i < maxfd; i++)
        if (i != fd) close(i);
    if (chdir(dir) != 0) _exit(4);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, 0);
        dup2(devnull, 1);            /* ngspice's stray printf()s */
        close(devnull);
    }
    limit_address_space(mem_limit_mb);
    sim_engine_serve(fd);
    _exit(0);
}

static int worker_start(sim_pool *p, sim_worker *w, halo_err *err)
{
    int sv[2];
    if (pool_dir(p, err) != 0) return -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        halo_err_set(err, HALO_E_SIM_WORKER, NULL, 0, "socketpair", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        halo_err_set(err, HALO_E_SIM_WORKER, NULL, 0, "fork", strerror(e));
        return -1;
    }
    if (pid == 0) {
        close(sv[0]);
        child_main(sv[1], p->dir, p->mem_limit_mb);
    }
    close(sv[1]);
    w->pid = pid;
    w->fd = sv[0];
    w->job = NULL;
    w->rx.len = 0;
    w->mem_limit_mb = p->mem_limit_mb;
    p->spawned++;
    return 0;
}

int sim_pool_warm(sim_pool *pool, halo_err *err)
{
    for (int i = 0; i < pool->nworkers; i++)
        if (pool->w[i].pid == 0 && worker_start(pool, &pool->w[i], err) != 0) return -1;
    return 0;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

void sim_pool_set_memory_limit(sim_pool *pool, long mb)
{
    if (mb < 0) mb = 0;
    if (mb == pool->mem_limit_mb) return;
    pool->mem_limit_mb = mb;
    /* idle workers carry the old limit: replace them on the next run */
    for (int i = 0; i < SIM_MAX_WORKERS; i++)
        if (!pool->w[i].job) worker_stop(&pool->w[i], 1, NULL, 0);
}

void sim_pool_free(sim_pool *pool)
{
    if (!pool) return;
    for (int i = 0; i < SIM_MAX_WORKERS; i++) {
        worker_stop(&pool->w[i], 1, NULL, 0);
        su_buf_free(&pool->w[i].rx);
    }
    if (pool->dir[0]) remove_dir(pool->dir);
    free(pool);
}

/* ------------------------------------------------------------ requests */

static void put_strings(su_buf *b, char **v, int n)
{
    wire_put_u32(b, (uint32_t)(n > 0 ? n : 0));
    for (int i = 0; i < n; i++) wire_put_str(b, v[i]);
}

static int send_job(sim_worker *w, const sim_job *job)
{
    su_buf req = {0};
    wire_put_u32(&req, SIM_WIRE_REQUEST);
    put_strings(&req, job->lines, job->nlines);
    put_strings(&req, job->commands, job->ncommands);
    put_strings(&req, job->want, job->nwant);
    char *fault[1] = {(char *)job->fault};
    put_strings(&req, fault, job->fault ? 1 : 0);
    int rc = wire_send_frame(w->fd, req.s, req.len);
    su_buf_free(&req);
    return rc;
}

static void fail_job(sim_job *job, sim_status st, const char *detail)
{
    job->status = st;
    free(job->detail);
    job->detail = su_strdup(detail);
}

/* Hand a job to worker w (starting it, and once more if the first send
 * finds a dead worker).  0 when the job is running. */
static int dispatch(sim_pool *p, sim_worker *w, sim_job *job, halo_err *err)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (w->pid == 0 && worker_start(p, w, err) != 0) return -1;
        if (send_job(w, job) == 0) {
            double t = job->timeout_s > 0 ? job->timeout_s : SIM_DEFAULT_TIMEOUT;
            w->job = job;
            w->deadline = now_s() + t;
            w->rx.len = 0;
            return 0;
        }
        worker_stop(w, 1, NULL, 0);
    }
    halo_err_set(err, HALO_E_SIM_WORKER, NULL, 0, "send", "the worker closed its connection");
    return -1;
}

static int decode_vector(wire_rd *rd, sim_vector *v)
{
    v->name = wire_get_str(rd);
    v->is_complex = (int)wire_get_u32(rd);
    uint32_t len = wire_get_u32(rd);
    if (rd->bad) return -1;
    v->len = (int)len;
    v->re = wire_get_f64s(rd, len);
    v->im = v->is_complex ? wire_get_f64s(rd, len) : NULL;
    return rd->bad ? -1 : 0;
}

/* Fill job from a complete response payload. */
static void decode_response(sim_job *job, const char *buf, size_t len, int *worker_gone)
{
    wire_rd rd = {buf, len, 0};
    uint32_t magic = wire_get_u32(&rd);
    *worker_gone = (int)wire_get_u32(&rd);
    double *dt = wire_get_f64s(&rd, 1);
    if (dt) job->seconds = dt[0];
    free(dt);
    job->log = wire_get_str(&rd);
    uint32_t nplots = wire_get_u32(&rd);
    if (rd.bad || magic != SIM_WIRE_RESPONSE || nplots > 4096) {
        fail_job(job, SIM_ERROR, "malformed response from the simulation worker");
        *worker_gone = 1;
        return;
    }
    job->plots = halo_xmalloc((nplots ? nplots : 1) * sizeof *job->plots);
    memset(job->plots, 0, (nplots ? nplots : 1) * sizeof *job->plots);
    int all_ok = (int)nplots == job->ncommands;
    for (uint32_t i = 0; i < nplots && !rd.bad; i++) {
        sim_plot *pl = &job->plots[i];
        job->nplots = (int)i + 1;
        pl->name = wire_get_str(&rd);
        pl->ok = (int)wire_get_u32(&rd);
        uint32_t nv = wire_get_u32(&rd);
        if (rd.bad || nv > rd.left / 12) {
            rd.bad = 1;
            break;
        }
        pl->vecs = halo_xmalloc((nv ? nv : 1) * sizeof *pl->vecs);
        memset(pl->vecs, 0, (nv ? nv : 1) * sizeof *pl->vecs);
        for (uint32_t k = 0; k < nv && !rd.bad; k++) {
            pl->nvecs = (int)k + 1;
            decode_vector(&rd, &pl->vecs[k]);
        }
        if (!pl->ok) all_ok = 0;
    }
    if (rd.bad) {
        fail_job(job, SIM_ERROR, "malformed response from the simulation worker");
        *worker_gone = 1;
        return;
    }
    if (all_ok && !*worker_gone) {
        job->status = SIM_OK;
        job->detail = su_strdup("");
    } else {
        job->status = sim_classify(job->log, &job->detail);
    }
}

/* Bytes arrived (or EOF) on a busy worker.  Returns 1 when its job ended. */
static int on_readable(sim_worker *w)
{
    char chunk[65536];
    ssize_t k = read(w->fd, chunk, sizeof chunk);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
    if (k <= 0) {
        char why[160];
        sim_job *job = w->job;
        worker_stop(w, 0, why, sizeof why);
        job->log = su_strdup("");
        fail_job(job, SIM_ERROR, why[0] ? why : "the ngspice worker died");
        return 1;
    }
    su_buf_addn(&w->rx, chunk, (size_t)k);
    uint32_t need;
    if (w->rx.len < sizeof need) return 0;
    memcpy(&need, w->rx.s, sizeof need);
    if (need > SIM_WIRE_MAX_FRAME) {
        sim_job *job = w->job;
        worker_stop(w, 1, NULL, 0);
        fail_job(job, SIM_ERROR, "malformed response from the simulation worker");
        return 1;
    }
    if (w->rx.len < sizeof need + need) return 0;
    int gone = 0;
    sim_job *job = w->job;
    decode_response(job, w->rx.s + sizeof need, need, &gone);
    if (job->status != SIM_OK && w->mem_limit_mb > 0 && find_ci(job->log, "can't allocate")) {
        char why[200];
        snprintf(why, sizeof why, "the simulation ran out of its memory limit (%ld MB over the worker's "
                 "start-up size; set ::halo::sim_memory_limit MB to change it)", w->mem_limit_mb);
        free(job->detail);
        job->detail = su_strdup(why);
        job->status = SIM_ERROR;
    }
    w->job = NULL;
    w->rx.len = 0;
    if (gone) worker_stop(w, 1, NULL, 0);
    return 1;
}

static void on_deadline(sim_worker *w)
{
    sim_job *job = w->job;
    double t = job->timeout_s > 0 ? job->timeout_s : SIM_DEFAULT_TIMEOUT;
    char msg[160];
    worker_stop(w, 1, NULL, 0);
    snprintf(msg, sizeof msg, "no result after %g s; the simulation was stopped", t);
    job->log = su_strdup("");
    fail_job(job, SIM_TIMEOUT, msg);
}

int sim_pool_run(sim_pool *pool, sim_job **jobs, int njobs, halo_err *err)
{
    int next = 0, done = 0, busy = 0;
    for (int j = 0; j < njobs; j++) sim_job_clear(jobs[j]);
    while (done < njobs) {
        for (int i = 0; i < pool->nworkers && next < njobs; i++) {
            sim_worker *w = &pool->w[i];
            if (w->job) continue;
            if (dispatch(pool, w, jobs[next], err) != 0) {
                if (busy == 0) {
                    /* nothing runs and nothing can: fail the rest */
                    for (; next < njobs; next++, done++) {
                        jobs[next]->log = su_strdup("");
                        fail_job(jobs[next], SIM_ERROR, err->msg);
                    }
                    return -1;
                }
                break;
            }
            next++;
            busy++;
        }
        struct pollfd fds[SIM_MAX_WORKERS];
        int idx[SIM_MAX_WORKERS], nfds = 0;
        double t = now_s(), soonest = INFINITY;
        for (int i = 0; i < pool->nworkers; i++) {
            sim_worker *w = &pool->w[i];
            if (!w->job) continue;
            if (w->deadline <= t) {
                on_deadline(w);
                done++;
                busy--;
                continue;
            }
            if (w->deadline < soonest) soonest = w->deadline;
            fds[nfds].fd = w->fd;
            fds[nfds].events = POLLIN;
            fds[nfds].revents = 0;
            idx[nfds++] = i;
        }
        if (nfds == 0) continue;
        int ms = (int)ceil((soonest - t) * 1000.0);
        if (ms < 1) ms = 1;
        int r = poll(fds, (nfds_t)nfds, ms);
        if (r < 0 && errno != EINTR) {
            /* cannot wait any more: stop what runs, fail what is left */
            halo_err_set(err, HALO_E_SIM_WORKER, NULL, 0, "poll", strerror(errno));
            for (int i = 0; i < pool->nworkers; i++) {
                sim_job *job = pool->w[i].job;
                if (!job) continue;
                worker_stop(&pool->w[i], 1, NULL, 0);
                job->log = su_strdup("");
                fail_job(job, SIM_ERROR, err->msg);
            }
            for (; next < njobs; next++) {
                jobs[next]->log = su_strdup("");
                fail_job(jobs[next], SIM_ERROR, err->msg);
            }
            return -1;
        }
        for (int k = 0; r > 0 && k < nfds; k++) {
            if (!fds[k].revents) continue;
            if (on_readable(&pool->w[idx[k]])) {
                done++;
                busy--;
            }
        }
    }
    return 0;
}
