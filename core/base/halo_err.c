/*
 * halo_err.c -- formatting of core error reports from the message table.
 */
#include "halo_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "strutil.h"

static const halo_msg_info msg_table[HALO_E__COUNT] = {
    {"GEN", 0, "OK", "No error."},
#define HALO_MSG(sym, mod, num, kind, fmt) {mod, num, kind, fmt},
#include "messages.def"
#undef HALO_MSG
};

const halo_msg_info *halo_msg_lookup(halo_msg_id id)
{
    if ((int)id < 0 || id >= HALO_E__COUNT) return NULL;
    return &msg_table[id];
}

void halo_err_clear(halo_err *err)
{
    if (!err) return;
    memset(err, 0, sizeof *err);
}

int halo_err_set(halo_err *err, halo_msg_id id, const char *file, int line, ...)
{
    if (!err) return id;
    const halo_msg_info *info = halo_msg_lookup(id);
    char body[640];
    va_list ap;
    va_start(ap, line);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(body, sizeof body, info ? info->format : "Unknown error.", ap);
#pragma GCC diagnostic pop
    va_end(ap);
    err->id = id;
    err->line = line;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    if (file && *file && line > 0)
        snprintf(err->msg, sizeof err->msg, "%s:%d: %s", file, line, body);
    else if (file && *file)
        snprintf(err->msg, sizeof err->msg, "%s: %s", file, body);
    else
        snprintf(err->msg, sizeof err->msg, "%s", body);
    return id;
}

/* A name as a message may show it: control and non-ASCII bytes as \xNN,
 * at most 40 characters of it. */
static void printable_name(const char *name, char *out, size_t len)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && o + 8 < len; p++) {
        if (o >= 40) {
            strcpy(out + o, "...");
            return;
        }
        if (*p >= 0x20 && *p < 0x7f) out[o++] = (char)*p;
        else o += (size_t)snprintf(out + o, len - o, "\\x%02x", *p);
    }
    out[o] = '\0';
}

int halo_err_check_name(halo_err *err, const char *file, int line, const char *what, const char *name,
                        int cell_kind)
{
    const char *why = su_name_problem(name, cell_kind ? SU_NAME_CELL : SU_NAME_MEMBER);
    if (!why) return 0;
    char shown[64];
    printable_name(name, shown, sizeof shown);
    return halo_err_set(err, HALO_E_NAME, file, line, what, shown, why);
}
