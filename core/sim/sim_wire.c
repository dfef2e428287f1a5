/*
 * sim_wire.c -- framing and encoding of shell <-> worker messages.
 * See sim_wire.h.
 */
#include "sim_wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void wire_put_u32(su_buf *b, uint32_t v)
{
    su_buf_addn(b, (const char *)&v, sizeof v);
}

void wire_put_str(su_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    wire_put_u32(b, (uint32_t)n);
    if (n) su_buf_addn(b, s, n);
}

void wire_put_f64s(su_buf *b, const double *v, size_t n)
{
    if (n) su_buf_addn(b, (const char *)v, n * sizeof *v);
}

uint32_t wire_get_u32(wire_rd *rd)
{
    uint32_t v = 0;
    if (rd->bad || rd->left < sizeof v) {
        rd->bad = 1;
        return 0;
    }
    memcpy(&v, rd->p, sizeof v);
    rd->p += sizeof v;
    rd->left -= sizeof v;
    return v;
}

char *wire_get_str(wire_rd *rd)
{
    uint32_t n = wire_get_u32(rd);
    if (rd->bad || rd->left < n) {
        rd->bad = 1;
        return su_strdup("");
    }
    char *s = su_strndup(rd->p, n);
    rd->p += n;
    rd->left -= n;
    return s;
}

double *wire_get_f64s(wire_rd *rd, size_t n)
{
    if (rd->bad || n > rd->left / sizeof(double)) {
        rd->bad = 1;
        return NULL;
    }
    double *v = halo_xmalloc((n ? n : 1) * sizeof *v);
    if (n) memcpy(v, rd->p, n * sizeof *v);
    rd->p += n * sizeof *v;
    rd->left -= n * sizeof *v;
    return v;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int wire_send_frame(int fd, const char *payload, size_t len)
{
    uint32_t n = (uint32_t)len;
    if (len > SIM_WIRE_MAX_FRAME) {
        errno = EMSGSIZE;
        return -1;
    }
    if (send_all(fd, (const char *)&n, sizeof n) != 0) return -1;
    return send_all(fd, payload, len);
}

static int recv_all(int fd, char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = read(fd, p, n);
        if (k == 0) return -1;
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int wire_recv_frame(int fd, char **out, size_t *len)
{
    uint32_t n;
    *out = NULL;
    if (recv_all(fd, (char *)&n, sizeof n) != 0 || n > SIM_WIRE_MAX_FRAME) return -1;
    char *buf = halo_xmalloc(n + 1u);
    if (recv_all(fd, buf, n) != 0) {
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}
