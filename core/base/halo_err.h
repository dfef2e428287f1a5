/*
 * halo_err.h -- the error report every core function fills.
 *
 * Owns: the message table (messages.def) turned into an enum and a lookup,
 * and halo_err, the struct a failing core call fills instead of printing.
 * Invariant: a core function that returns nonzero has filled *err; one that
 * returns 0 has left it untouched.  Nothing in core/ prints or exits.
 * Callers: every core module; tclcmds/ turns a halo_err into a Tcl error
 * with -errorcode {HALO <module> <kind> <number>}.
 */
#ifndef HALO_ERR_H
#define HALO_ERR_H

#include <stddef.h>

typedef enum {
    HALO_OK = 0,
#define HALO_MSG(sym, mod, num, kind, fmt) sym,
#include "messages.def"
#undef HALO_MSG
    HALO_E__COUNT
} halo_msg_id;

typedef struct halo_msg_info {
    const char *module;   /* "SPC" */
    int number;           /* 3 */
    const char *kind;     /* "PARSE" */
    const char *format;   /* printf format of the message */
} halo_msg_info;

typedef struct halo_err {
    halo_msg_id id;       /* HALO_OK when no error */
    char file[256];       /* input file, "" when none */
    int line;             /* 1-based line in file, 0 when none */
    char msg[768];        /* "FILE:LINE: Message." ready to show */
} halo_err;

const halo_msg_info *halo_msg_lookup(halo_msg_id id);

/* Fill err with message id, formatted with the table's format and the
 * variadic arguments; file may be NULL, line 0.  Returns id so callers can
 * write `return halo_err_set(...)`. */
int halo_err_set(halo_err *err, halo_msg_id id, const char *file, int line, ...);

/* Check a name from outside against su_name_problem (strutil.h): returns 0
 * when it is fine, else fills err with GEN-6 naming what (e.g. "cell"),
 * the name shown printable and short, and what is wrong. */
int halo_err_check_name(halo_err *err, const char *file, int line, const char *what, const char *name,
                        int cell_kind);

/* Clear err to the no-error state. */
void halo_err_clear(halo_err *err);

#endif
