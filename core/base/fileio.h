/*
 * fileio.h -- reading and writing whole files safely.
 *
 * Owns: halo_read_file, which refuses anything but a regular file of
 * bounded size (so no input path can make a reader block on a fifo or
 * swallow /dev/zero), and halo_write_atomic, which writes to a temporary
 * name and renames, so an interrupted write never leaves half a file.
 */
#ifndef HALO_FILEIO_H
#define HALO_FILEIO_H

#include <stddef.h>
#include "halo_err.h"

#define HALO_MAX_INPUT_BYTES (256L * 1024 * 1024)
/* Tensor files (datasets, models) halo writes itself: a move dataset of
 * 4000 pictures of 30 x 32 x 32 floats is already 0.5 GB. */
#define HALO_MAX_DATA_BYTES (4L * 1024 * 1024 * 1024)

/* Whole file, NUL-terminated (malloc'd); *len gets its length.  from/line
 * name the place that asked for it (an .include line) in errors. */
char *halo_read_file(const char *path, size_t *len, halo_err *err, const char *from, int line);
/* The same with a bound of max bytes instead of HALO_MAX_INPUT_BYTES. */
char *halo_read_file_max(const char *path, size_t *len, long long max, halo_err *err, const char *from, int line);

int halo_write_atomic(const char *path, const char *data, size_t len, halo_err *err);

#endif
