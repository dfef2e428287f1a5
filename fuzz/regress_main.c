/*
 * regress_main.c -- replays fuzzer inputs without libFuzzer.
 *
 * Linked with a harness (fuzz_spice.c, fuzz_netjson.c), it feeds every file
 * named on the command line (or found in the directories named) to
 * LLVMFuzzerTestOneInput, so the crashers the fuzzers found stay regression
 * tests in the ordinary (and the sanitizer) build.  Prints one line per
 * input and a closing "unit NAME: N passed, N failed".
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
    printf("ok %s\n", path);
    return 0;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) continue;
        if (!S_ISDIR(st.st_mode)) {
            replay(argv[i]) == 0 ? passed++ : failed++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            replay(path) == 0 ? passed++ : failed++;
        }
        if (d) closedir(d);
    }
    printf("unit %s: %d passed, %d failed\n", argv[0], passed, failed);
    return failed != 0;
}
