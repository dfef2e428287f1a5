/*
 * halo_main.c -- the halo shell: Tcl 8.6 with the halo commands imported.
 *
 *   halo                  interactive prompt (line editing and history with
 *                         libedit when stdin is a terminal), or a script
 *                         read from stdin
 *   halo FILE.tcl ?ARG..? run a script; argv0/argv/argc as in tclsh
 *   halo -c 'CMDS' ?ARG..? run a string
 *
 * The commands come from Halo_Init, the same entry point the loadable
 * package uses, so the shell and `package require halo` cannot drift apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tcl.h>

#include "config.h"

#ifdef HAVE_LIBEDIT
#include <editline/readline.h>
#endif

extern int Halo_Init(Tcl_Interp *interp);

static void usage(FILE *out)
{
    fputs("usage: halo ?FILE.tcl ?ARG ...??\n"
          "       halo -c SCRIPT ?ARG ...?\n"
          "       halo --version | --help\n"
          "Without a file, halo reads commands from the terminal (or a script from stdin).\n"
          "Type 'help' at the prompt for the command list.\n",
          out);
}

static void set_args(Tcl_Interp *interp, const char *argv0, int argc, char **argv)
{
    Tcl_Obj *list = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < argc; i++) Tcl_ListObjAppendElement(NULL, list, Tcl_NewStringObj(argv[i], -1));
    Tcl_SetVar2Ex(interp, "argv", NULL, list, TCL_GLOBAL_ONLY);
    Tcl_SetVar2Ex(interp, "argc", NULL, Tcl_NewIntObj(argc), TCL_GLOBAL_ONLY);
    Tcl_SetVar2Ex(interp, "argv0", NULL, Tcl_NewStringObj(argv0, -1), TCL_GLOBAL_ONLY);
}

/* The error just raised, with its stack: from the return options, not the
 * global errorInfo, which may hold an older error (Tcl's auto-loader leaves
 * one there) when the failure set none, as a script that cannot be opened. */
static int report_error(Tcl_Interp *interp)
{
    Tcl_Obj *opts = Tcl_GetReturnOptions(interp, TCL_ERROR), *key = Tcl_NewStringObj("-errorinfo", -1), *info = NULL;
    Tcl_IncrRefCount(opts);
    Tcl_IncrRefCount(key);
    if (Tcl_DictObjGet(NULL, opts, key, &info) != TCL_OK) info = NULL;
    fprintf(stderr, "%s\n", info ? Tcl_GetString(info) : Tcl_GetStringResult(interp));
    Tcl_DecrRefCount(key);
    Tcl_DecrRefCount(opts);
    return 1;
}

/* report_* and help print their own tables; echoing their dicts too would
 * bury the table, so the prompt shows other commands' results only. */
static int echoes_result(const char *cmd)
{
    while (*cmd == ' ' || *cmd == '\t') cmd++;
    return strncmp(cmd, "report_", 7) != 0 && strncmp(cmd, "help", 4) != 0 && strncmp(cmd, "pdk info", 8) != 0;
}

static char *read_command_line(const char *prompt)
{
#ifdef HAVE_LIBEDIT
    return readline(prompt);
#else
    fputs(prompt, stdout);
    fflush(stdout);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n > 0 && line[n - 1] == '\n') line[n - 1] = '\0';
    return line;
#endif
}

static void history_file(char *path, size_t n)
{
    const char *home = getenv("HOME");
    snprintf(path, n, "%s/.halo_history", home ? home : ".");
}

#ifdef HAVE_LIBEDIT
/* Tcl's exit ends the process from inside the loop below: save the
 * history from an exit handler, as Ctrl-D saves it at the loop's end. */
static void save_history(ClientData path)
{
    write_history((const char *)path);
}
#endif

static int interactive(Tcl_Interp *interp)
{
    static char hist[4096];
    history_file(hist, sizeof hist);
#ifdef HAVE_LIBEDIT
    using_history();
    read_history(hist);
    Tcl_CreateExitHandler(save_history, hist);
#endif
    printf("halo %s -- analog back-end shell on Tcl %s. 'help' lists commands, 'exit' leaves.\n",
           Tcl_GetVar(interp, "::halo::version", TCL_GLOBAL_ONLY), TCL_PATCH_LEVEL);
    Tcl_Obj *cmd = Tcl_NewObj();
    Tcl_IncrRefCount(cmd);
    for (;;) {
        char *line = read_command_line(Tcl_GetCharLength(cmd) ? "   > " : "halo> ");
        if (!line) break;
        Tcl_AppendToObj(cmd, line, -1);
        Tcl_AppendToObj(cmd, "\n", 1);
        free(line);
        if (!Tcl_CommandComplete(Tcl_GetString(cmd))) continue;
        const char *text = Tcl_GetString(cmd);
#ifdef HAVE_LIBEDIT
        if (strspn(text, " \t\n") < strlen(text)) {
            char *entry = strdup(text);
            entry[strlen(entry) - 1] = '\0';
            add_history(entry);
            free(entry);
        }
#endif
        int rc = Tcl_RecordAndEvalObj(interp, cmd, 0);
        const char *result = Tcl_GetStringResult(interp);
        if (rc != TCL_OK) fprintf(stderr, "Error: %s\n", result);
        else if (*result && echoes_result(text)) printf("%s\n", result);
        fflush(stdout);
        Tcl_DecrRefCount(cmd);
        cmd = Tcl_NewObj();
        Tcl_IncrRefCount(cmd);
    }
    Tcl_DecrRefCount(cmd);
#ifdef HAVE_LIBEDIT
    Tcl_DeleteExitHandler(save_history, hist);
    save_history(hist);
#endif
    putchar('\n');
    return 0;
}

static int run_stdin(Tcl_Interp *interp)
{
    Tcl_Channel in = Tcl_GetStdChannel(TCL_STDIN);
    Tcl_Obj *script = Tcl_NewObj();
    Tcl_IncrRefCount(script);
    int rc = 0;
    if (in && Tcl_ReadChars(in, script, -1, 0) >= 0)
        rc = Tcl_EvalObjEx(interp, script, TCL_EVAL_GLOBAL) == TCL_OK ? 0 : report_error(interp);
    Tcl_DecrRefCount(script);
    return rc;
}

static int run(Tcl_Interp *interp, int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("halo %s\n", Tcl_GetVar(interp, "::halo::version", TCL_GLOBAL_ONLY));
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "-c") == 0) {
        if (argc < 3) {
            usage(stderr);
            return 2;
        }
        set_args(interp, argv[0], argc - 3, argv + 3);
        if (Tcl_EvalEx(interp, argv[2], -1, TCL_EVAL_GLOBAL) != TCL_OK) return report_error(interp);
        const char *result = Tcl_GetStringResult(interp);
        if (*result && echoes_result(argv[2])) printf("%s\n", result);
        return 0;
    }
    if (argc >= 2) {
        set_args(interp, argv[1], argc - 2, argv + 2);
        Tcl_SetVar(interp, "tcl_interactive", "0", TCL_GLOBAL_ONLY);
        return Tcl_EvalFile(interp, argv[1]) == TCL_OK ? 0 : report_error(interp);
    }
    set_args(interp, argv[0], 0, argv);
    int tty = isatty(0);
    Tcl_SetVar(interp, "tcl_interactive", tty ? "1" : "0", TCL_GLOBAL_ONLY);
    return tty ? interactive(interp) : run_stdin(interp);
}

/* In a sanitizer build (./configure --enable-sanitizers) a failed
 * allocation returns NULL, as in a normal build, instead of ending the
 * process: a simulation worker over its memory limit (sim_pool.c) then
 * fails as it does without the sanitizer.  ASan calls this hook at start;
 * other builds never do. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

int main(int argc, char **argv)
{
    Tcl_FindExecutable(argv[0]);
    Tcl_Interp *interp = Tcl_CreateInterp();
    if (Tcl_Init(interp) != TCL_OK) fprintf(stderr, "halo: warning: %s\n", Tcl_GetStringResult(interp));
    if (Halo_Init(interp) != TCL_OK) {
        fprintf(stderr, "halo: %s\n", Tcl_GetStringResult(interp));
        return 1;
    }
    Tcl_StaticPackage(interp, "Halo", Halo_Init, NULL);
    if (Tcl_Eval(interp, "namespace import ::halo::*") != TCL_OK) return report_error(interp);
    int rc = run(interp, argc, argv);
    Tcl_DeleteInterp(interp);
    Tcl_Finalize();
    return rc;
}
