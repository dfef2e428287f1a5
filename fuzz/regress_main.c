/*
 * regress_main.c -- replays fuzzer inputs without libFuzzer.
 *
 * Linked with a harness (fuzz_spice.c, fuzz_netjson.c), it feeds every file
 * named on the command line (or found in the directories named) to
 * LLVMFuzzerTestOneInput, so the crashers the fuzzers found stay regression
 * tests in the ordinary (and the sanitizer) build.  Each argument is one
 * test ("ok DIR (N inputs)"); a bug aborts the program, which fails the
 * run.  Closes with "unit NAME: N passed, N failed".
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    size_t got = fread(buf, 1, (size_t)(n > 0 ? n : 0), f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, got);   /* aborts (and fails the run) on a bug */
    free(buf);
    return 0;
}

/* Replay a file, or every file of a directory; returns the count, -1 when
 * something could not be read. */
static int replay_all(const char *arg)
{
    struct stat st;
    if (stat(arg, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) return replay(arg) == 0 ? 1 : -1;
    DIR *d = opendir(arg);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", arg, e->d_name);
        if (replay(path) != 0) {
            closedir(d);
            return -1;
        }
        n++;
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        int n = replay_all(argv[i]);
        if (n < 0) {
            printf("FAIL %s: cannot read it\n", argv[i]);
            failed++;
        } else {
            printf("ok %s (%d inputs)\n", argv[i], n);
            passed++;
        }
    }
    printf("unit %s: %d passed, %d failed\n", argv[0], passed, failed);
    return failed != 0;
}
