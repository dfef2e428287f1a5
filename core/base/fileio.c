/*
 * fileio.c -- guarded whole-file reads and atomic writes (see fileio.h).
 */
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strutil.h"

char *halo_read_file(const char *path, size_t *len, halo_err *err, const char *from, int line)
{
    return halo_read_file_max(path, len, HALO_MAX_INPUT_BYTES, err, from, line);
}

char *halo_read_file_max(const char *path, size_t *len, long long max, halo_err *err, const char *from, int line)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        halo_err_set(err, HALO_E_OPEN, from, line, path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || (long long)st.st_size > max) {
        halo_err_set(err, HALO_E_OPEN, from, line, path,
                     S_ISREG(st.st_mode) ? "file too large" : "not a regular file");
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        halo_err_set(err, HALO_E_OPEN, from, line, path, strerror(errno));
        return NULL;
    }
    char *buf = halo_xmalloc((size_t)st.st_size + 1);
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        halo_err_set(err, HALO_E_READ, from, line, path, strerror(errno));
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int halo_write_atomic(const char *path, const char *data, size_t len, halo_err *err)
{
    char *tmp = halo_xmalloc(strlen(path) + 32);
    sprintf(tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int rc = 0;
    if (!f) {
        rc = halo_err_set(err, HALO_E_WRITE, NULL, 0, path, strerror(errno));
    } else {
        int bad = fwrite(data, 1, len, f) != len;
        bad |= fclose(f) != 0;
        if (bad || rename(tmp, path) != 0) {
            rc = halo_err_set(err, HALO_E_WRITE, NULL, 0, path, strerror(errno));
            remove(tmp);
        }
    }
    free(tmp);
    return rc;
}
