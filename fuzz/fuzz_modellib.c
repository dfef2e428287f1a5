/*
 * fuzz_modellib.c -- libFuzzer harness of the model-library reader and
 * its reduction.
 *
 * The input is written to a private temporary file (modellib reads files,
 * following .include and .lib; an input naming other files reaches only
 * what it names, and missing files are errors) and loaded whole and as
 * section "tt".  A load gives a library or an error with a message; a
 * library is reduced for a few names (geometry from the input's first
 * bytes), which must give text or an error with a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/modellib.h"

static void reduce_some(const modellib *lib, const uint8_t *data, size_t size)
{
    static const char *const names[] = {"nch", "sky130_fd_pr__nfet_01v8", "x", "m.0"};
    for (int i = 0; i < 4; i++) {
        double w = size > 1 ? data[1] / 16.0 : 0, l = size > 2 ? data[2] / 64.0 : 0;
        modellib_use u = {names[i], w, l};
        su_buf out = {0};
        halo_err err;
        halo_err_clear(&err);
        if (modellib_reduce(lib, &u, 1, &out, &err) != 0 && (err.id == HALO_OK || !err.msg[0])) abort();
        su_buf_free(&out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/halo-fuzz-lib-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    const char *sections[] = {NULL, "tt"};
    for (int s = 0; s < 2; s++) {
        modellib *lib = NULL;
        halo_err err;
        halo_err_clear(&err);
        if (modellib_load(path, sections[s], &lib, &err) != 0) {
            if (err.id == HALO_OK || !err.msg[0] || lib) abort();
            continue;
        }
        reduce_some(lib, data, size);
        modellib_free(lib);
    }
    unlink(path);
    return 0;
}
