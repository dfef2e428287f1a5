/* test_fileio.c -- guarded reads, atomic writes, the string map. */
#include "base/fileio.h"
#include "base/strutil.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TEST(refuses_non_regular_files)
{
    halo_err err;
    size_t len;
    halo_err_clear(&err);
    CHECK(halo_read_file("/dev/zero", &len, &err, NULL, 0) == NULL);   /* would never end */
    CHECK_INT(err.id, HALO_E_OPEN);
    CHECK(strstr(err.msg, "not a regular file") != NULL);
    CHECK(halo_read_file("/tmp", &len, &err, "a.sp", 3) == NULL);
    CHECK(strncmp(err.msg, "a.sp:3: Cannot open /tmp", 24) == 0);
    CHECK(halo_read_file("/nonexistent/x", &len, &err, NULL, 0) == NULL);
    CHECK(strstr(err.msg, "No such file") != NULL);
}

TEST(atomic_write_then_read)
{
    char path[] = "/tmp/halo-fileio-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    halo_err err;
    halo_err_clear(&err);
    CHECK(halo_write_atomic(path, "abc\0def", 7, &err) == 0);
    size_t len = 0;
    char *text = halo_read_file(path, &len, &err, NULL, 0);
    CHECK(text && len == 7 && memcmp(text, "abc\0def", 7) == 0 && text[7] == '\0');
    free(text);
    /* the bound is the caller's: 7 bytes pass at 7, not at 6 */
    text = halo_read_file_max(path, &len, 7, &err, NULL, 0);
    CHECK(text && len == 7);
    free(text);
    CHECK(halo_read_file_max(path, &len, 6, &err, NULL, 0) == NULL);
    CHECK(strstr(err.msg, "file too large") != NULL);
    CHECK(halo_write_atomic("/nonexistent/dir/x", "a", 1, &err) == HALO_E_WRITE);
    unlink(path);
}

TEST(string_map)
{
    su_map m;
    su_map_init(&m, 1);
    char key[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "Net%d", i);
        su_map_put(&m, key, i);
    }
    CHECK_INT(su_map_get(&m, "net999"), 999);
    CHECK_INT(su_map_get(&m, "NET0"), 0);
    CHECK_INT(su_map_get(&m, "net1000"), -1);
    su_map_put(&m, "net5", 55);
    CHECK_INT(su_map_get(&m, "Net5"), 55);
    CHECK_INT(m.count, 1000);
    su_map_free(&m);
}

UNIT_MAIN("test_fileio")
