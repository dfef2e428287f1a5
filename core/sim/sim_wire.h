/*
 * sim_wire.h -- the byte protocol between the shell and its simulation
 * workers (internal to sim_pool.c and sim_engine.c).
 *
 * Owns: framing (a 32-bit length, then the payload) and the encoding of
 * integers, strings and double arrays in a payload.  Both ends are the same
 * binary on the same machine, so values travel in host byte order.
 * A reader never trusts the bytes: every get checks what is left and sets
 * rd->bad instead of reading past the end.
 */
#ifndef HALO_SIM_WIRE_H
#define HALO_SIM_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "base/strutil.h"

#define SIM_WIRE_REQUEST  0x51525348u   /* "HSRQ" */
#define SIM_WIRE_RESPONSE 0x53525348u   /* "HSRS" */
#define SIM_WIRE_MAX_FRAME (512u * 1024 * 1024)

void wire_put_u32(su_buf *b, uint32_t v);
void wire_put_str(su_buf *b, const char *s);
void wire_put_f64s(su_buf *b, const double *v, size_t n);

typedef struct wire_rd {
    const char *p;
    size_t left;
    int bad;
} wire_rd;

uint32_t wire_get_u32(wire_rd *rd);
char *wire_get_str(wire_rd *rd);                /* malloc'd, "" when bad */
double *wire_get_f64s(wire_rd *rd, size_t n);   /* malloc'd, NULL when bad */

/* Send a whole frame (length + payload) on a socket; 0 or -1 (errno). */
int wire_send_frame(int fd, const char *payload, size_t len);
/* Blocking receive of one frame into *out (malloc'd); 0, or -1 on EOF or
 * error. */
int wire_recv_frame(int fd, char **out, size_t *len);

#endif
