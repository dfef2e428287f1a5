/*
 * cmd_help.c -- help: the command list, one command's usage and summary,
 * and the message table (help messages).  Driven by the command tables, so
 * it cannot go stale.
 */
#include "halo_tcl.h"

#include <stdio.h>
#include <string.h>

/* First sentence of a summary, for the command list. */
static Tcl_Obj *first_sentence(const char *summary)
{
    const char *dot = strstr(summary, ". ");
    int n = dot ? (int)(dot - summary) + 1 : (int)strlen(summary);
    return Tcl_NewStringObj(summary, n);
}

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
            Tcl_Obj *s = first_sentence(c->summary);
            Tcl_AppendPrintfToObj(out, "  %-19s", c->name);
            append_wrapped(out, Tcl_GetString(s), 21);
            Tcl_DecrRefCount(s);
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

const HaloCmd halo_help_cmds[] = {
    {"help", HelpCmd, "help ?NAME|messages?",
     "Lists the commands, or one command's usage and description. Without NAME it lists every command "
     "with a one-line summary; with NAME it prints that command's usage line and what it does; with messages lists every error id (MOD-NNNN), its class and its message. "
     "Errors raised by halo carry -errorcode {HALO MOD CLASS NNNN}."},
    {NULL, NULL, NULL, NULL},
};
