/*
 * cmd_help.c -- help: the command list, one command's usage and summary,
 * and the message table (help messages); import: halo's commands in the
 * global namespace of a host interpreter (Magic, Netgen) without taking
 * the names it has.  Driven by the command tables, so it cannot go stale.
 */
#include "halo_tcl.h"

#include <stdio.h>
#include <string.h>

/* Append a paragraph wrapped at 78 columns; the text starts at column
 * indent on the current line and continues at that indent. */
static void append_wrapped(Tcl_Obj *out, const char *text, int indent)
{
    int col = indent;
    const char *p = text;
    int first = 1;
    while (*p) {
        const char *sp = strchr(p, ' ');
        int n = sp ? (int)(sp - p) : (int)strlen(p);
        if (!first && col + 1 + n > 78) {
            Tcl_AppendPrintfToObj(out, "\n%*s", indent, "");
            col = indent;
        } else if (!first) {
            Tcl_AppendToObj(out, " ", 1);
            col++;
        }
        Tcl_AppendToObj(out, p, n);
        col += n;
        first = 0;
        p += n;
        while (*p == ' ') p++;
    }
    Tcl_AppendToObj(out, "\n", 1);
}

static void list_commands(Tcl_Obj *out)
{
    Tcl_AppendToObj(out, "halo commands (help NAME for one; help messages for error ids):\n", -1);
    for (int t = 0; halo_cmd_tables[t]; t++)
        for (const HaloCmd *c = halo_cmd_tables[t]; c->name; c++) {
            Tcl_AppendPrintfToObj(out, "  %-19s", c->name);
            append_wrapped(out, c->brief, 21);
        }
}

static void list_messages(Tcl_Obj *out)
{
    Tcl_AppendToObj(out, "id        class   message\n", -1);
    for (int id = 1; id < HALO_E__COUNT; id++) {
        const halo_msg_info *m = halo_msg_lookup((halo_msg_id)id);
        Tcl_AppendPrintfToObj(out, "%s-%04d  %-7s %s\n", m->module, m->number, m->kind, m->format);
    }
}

static int HelpCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    if (objc > 2) return halo_usage(interp, "help");
    Tcl_Obj *out = Tcl_NewObj();
    if (objc == 1) {
        list_commands(out);
    } else if (strcmp(Tcl_GetString(objv[1]), "messages") == 0) {
        list_messages(out);
    } else {
        const HaloCmd *c = halo_find_cmd(Tcl_GetString(objv[1]));
        if (!c) {
            Tcl_DecrRefCount(out);
            return halo_tcl_fail(interp, HALO_E_CMD_HELP, Tcl_GetString(objv[1]));
        }
        Tcl_AppendPrintfToObj(out, "Usage: %s\n\n  ", c->usage);
        append_wrapped(out, c->summary, 2);
    }
    Tcl_IncrRefCount(out);
    halo_report(interp, Tcl_GetString(out));
    Tcl_DecrRefCount(out);
    return TCL_OK;
}

/* Is the global command NAME something other than halo's own? */
static int host_has(Tcl_Interp *interp, const char *name)
{
    Tcl_Obj *global = Tcl_ObjPrintf("::%s", name), *ours = Tcl_ObjPrintf("::halo::%s", name);
    Tcl_IncrRefCount(global);
    Tcl_IncrRefCount(ours);
    int other = 0;
    if (Tcl_FindCommand(interp, Tcl_GetString(global), NULL, 0)) {
        Tcl_Obj *cmd[3] = {Tcl_NewStringObj("namespace", -1), Tcl_NewStringObj("origin", -1), global};
        for (int i = 0; i < 2; i++) Tcl_IncrRefCount(cmd[i]);
        other = Tcl_EvalObjv(interp, 3, cmd, TCL_EVAL_GLOBAL) != TCL_OK ||
                strcmp(Tcl_GetStringResult(interp), Tcl_GetString(ours)) != 0;
        for (int i = 0; i < 2; i++) Tcl_DecrRefCount(cmd[i]);
        Tcl_ResetResult(interp);
    }
    Tcl_DecrRefCount(global);
    Tcl_DecrRefCount(ours);
    return other;
}

/* import: every halo command the global namespace does not already have
 * (Magic has extract, route and help; Netgen has help) becomes callable
 * without the prefix; the others stay halo::NAME.  Returns those. */
static int ImportCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    (void)objv;
    if (objc != 1) return halo_usage(interp, "import");
    Tcl_Namespace *global = Tcl_GetGlobalNamespace(interp);
    Tcl_Obj *kept = Tcl_NewListObj(0, NULL);
    for (int t = 0; halo_cmd_tables[t]; t++)
        for (const HaloCmd *c = halo_cmd_tables[t]; c->name; c++) {
            if (host_has(interp, c->name)) {
                Tcl_ListObjAppendElement(NULL, kept, Tcl_NewStringObj(c->name, -1));
                continue;
            }
            char pattern[96];
            snprintf(pattern, sizeof pattern, "::halo::%s", c->name);
            if (Tcl_Import(interp, global, pattern, 1) != TCL_OK) {
                Tcl_DecrRefCount(kept);
                return TCL_ERROR;
            }
        }
    Tcl_SetObjResult(interp, kept);
    return TCL_OK;
}

const HaloCmd halo_help_cmds[] = {
    {"help", HelpCmd, "help ?NAME|messages?",
     "Lists the commands, or one command's usage and description. Without NAME it lists every command "
     "with a one-line summary; with NAME it prints that command's usage line and what it does; with "
     "messages it lists every error id (MOD-NNNN), its class and its message. "
     "Errors raised by halo carry -errorcode {HALO MOD CLASS NNNN}.",
     "Lists the commands, or one command's usage and summary."},
    {"import", ImportCmd, "import",
     "Makes halo's commands callable without the halo:: prefix in the global namespace of the interpreter "
     "that loaded halo (package require halo), except names it already has, which stay halo::NAME: inside "
     "Magic these are extract, route and help, inside Netgen help. Returns the names left out. halo's own "
     "shell imports everything at start.",
     "Imports halo's commands, skipping names the host has."},
    {NULL, NULL, NULL, NULL, NULL},
};
