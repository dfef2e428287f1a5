/*
 * fuzz_dataset.c -- libFuzzer harness of the dataset readers.
 *
 * A dataset's files are read by Tcl procs (tclcmds/dataset.tcl:
 * read_dataset, report_dataset, merge_dataset) over one C decoder,
 * ::halo::flow::json_decode (cJSON, tclcmds/cmd_explore.c); they are
 * written by the Tcl writers jobj/jstr/jnum (tclcmds/explore.tcl).  So
 * the harness runs them as the shell does: one interpreter with the halo
 * package (Halo_Init), the input laid out as a dataset directory on disk.
 *
 * The input holds the files, separated by lines "====":
 *   index.jsonl, variants/a0000/v0000.traj.json, summary.json,
 *   manifest.json, arrangements/a0000.json, variants/a0000/v0000.json,
 *   variants/a0000/v0000.row.json, shard.txt
 * a file whose part is missing is not written (shard.txt then holds 1/1).
 * Then read_dataset DIR -trajectories 1, report_dataset DIR and
 * merge_dataset -out OUT DIR run, and after a merge read_dataset OUT.
 * Oracles, beyond no crash, leak or timeout:
 *   - each command returns, or fails with a halo error (-errorcode
 *     {HALO ...}): a file from outside never gets a bare Tcl error;
 *   - the JSON writers round-trip through the reader: every string and
 *     number of every record read, written again with jstr / jnum, decodes
 *     to the same value;
 *   - a merge keeps what it copies: OUT's manifest decodes as DIR's, its
 *     records are the variant records of DIR, and its summary's failures
 *     (jnumdict of the arrangement summaries' decoded failures) decode to
 *     the same counts.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
/* The harness creates the interpreter, so it calls libtcl itself; the
 * package's sources (built with it by make fuzz-build) go through the
 * stubs Halo_Init sets up, as in the shell. */
#undef USE_TCL_STUBS
#include <tcl.h>

int Halo_Init(Tcl_Interp *interp);

static Tcl_Interp *interp;
static char root[64];   /* the process's directory; DIR and OUT inside */

static const char *const parts[] = {
    "index.jsonl", "variants/a0000/v0000.traj.json", "summary.json", "manifest.json",
    "arrangements/a0000.json", "variants/a0000/v0000.json", "variants/a0000/v0000.row.json", "shard.txt",
};
enum { NPARTS = sizeof parts / sizeof parts[0] };

static void cleanup(void)
{
    if (interp && root[0]) {
        Tcl_Obj *cmd = Tcl_ObjPrintf("file delete -force {%s}", root);
        Tcl_IncrRefCount(cmd);
        Tcl_EvalObjEx(interp, cmd, 0);
        Tcl_DecrRefCount(cmd);
    }
}

static void setup(void)
{
    Tcl_FindExecutable(NULL);
    interp = Tcl_CreateInterp();
    if (Halo_Init(interp) != TCL_OK) {
        fprintf(stderr, "Halo_Init: %s\n", Tcl_GetStringResult(interp));
        abort();
    }
    if (Tcl_Eval(interp, "set ::halo::output {}") != TCL_OK) abort();
    snprintf(root, sizeof root, "/tmp/fuzz_dataset.XXXXXX");
    if (!mkdtemp(root)) abort();
    atexit(cleanup);
}

/* Run a command (a list of words); TCL_OK, or TCL_ERROR after checking it
 * is a halo error.  *result gets the result (a new reference) on TCL_OK. */
static int run(Tcl_Obj *cmd, Tcl_Obj **result)
{
    Tcl_IncrRefCount(cmd);
    int rc = Tcl_EvalObjEx(interp, cmd, TCL_EVAL_GLOBAL);
    if (rc == TCL_OK) {
        if (result) {
            *result = Tcl_GetObjResult(interp);
            Tcl_IncrRefCount(*result);
        }
    } else {
        Tcl_Obj *opts = Tcl_GetReturnOptions(interp, rc), *key = Tcl_NewStringObj("-errorcode", -1), *code = NULL;
        Tcl_IncrRefCount(opts);
        Tcl_IncrRefCount(key);
        Tcl_DictObjGet(NULL, opts, key, &code);
        Tcl_Obj *first = NULL;
        if (code) Tcl_ListObjIndex(NULL, code, 0, &first);
        if (!first || strcmp(Tcl_GetString(first), "HALO") != 0) {
            Tcl_Obj *ikey = Tcl_NewStringObj("-errorinfo", -1), *info = NULL;
            Tcl_IncrRefCount(ikey);
            Tcl_DictObjGet(NULL, opts, ikey, &info);
            fprintf(stderr, "%s: not a halo error (-errorcode %s):\n%s\n", Tcl_GetString(cmd),
                    code ? Tcl_GetString(code) : "none", info ? Tcl_GetString(info) : Tcl_GetStringResult(interp));
            abort();
        }
        Tcl_DecrRefCount(key);
        Tcl_DecrRefCount(opts);
        rc = TCL_ERROR;
    }
    Tcl_DecrRefCount(cmd);
    Tcl_ResetResult(interp);
    return rc;
}

/* A halo helper on one value, which must succeed: [NAME VALUE]. */
static Tcl_Obj *call1(const char *name, Tcl_Obj *value)
{
    Tcl_Obj *cmd = Tcl_NewListObj(0, NULL), *r = NULL;
    Tcl_ListObjAppendElement(NULL, cmd, Tcl_NewStringObj(name, -1));
    Tcl_ListObjAppendElement(NULL, cmd, value);
    if (run(cmd, &r) != TCL_OK) {
        fprintf(stderr, "%s failed on %s\n", name, Tcl_GetString(value));
        abort();
    }
    return r;
}

static Tcl_Obj *path_obj(const char *dir, const char *rel)
{
    return Tcl_ObjPrintf("%s/%s%s%s", root, dir, rel ? "/" : "", rel ? rel : "");
}

/* ---------------------------------------------------------- laying out */

static void write_file(const char *dir, const char *rel, const uint8_t *data, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/%s", root, dir, rel);
    for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (n && fwrite(data, 1, n, f) != n) abort();
    fclose(f);
}

static void lay_out(const uint8_t *data, size_t size)
{
    Tcl_Obj *cmd = Tcl_ObjPrintf("file delete -force {%s/ds} {%s/out}; file mkdir {%s/ds}", root, root, root);
    if (run(cmd, NULL) != TCL_OK) abort();
    static const char sep[] = "\n====\n";
    const uint8_t *p = data, *end = data + size;
    int k = 0;
    for (; k < NPARTS && p <= end; k++) {
        const uint8_t *s = p;
        while (s + 6 <= end && memcmp(s, sep, 6) != 0) s++;
        if (s + 6 > end) s = end;
        write_file("ds", parts[k], p, (size_t)(s - p));
        p = s + 6;
        if (s == end) {
            k++;
            break;
        }
    }
    if (k < NPARTS) write_file("ds", "shard.txt", (const uint8_t *)"1/1\n", 4);
}

/* ---------------------------------------------------------- round trips */

/* Every string and number of a decoded JSON text, through the writers. */
static void leaves_round_trip(const cJSON *j)
{
    for (const cJSON *c = j->child; c; c = c->next) leaves_round_trip(c);
    if (cJSON_IsString(j)) {
        char *quoted = cJSON_PrintUnformatted(j);   /* the string alone, decoded as the record's */
        Tcl_Obj *s = call1("::halo::flow::json_decode", Tcl_NewStringObj(quoted, -1));
        cJSON_free(quoted);
        Tcl_Obj *text = call1("::halo::flow::jstr", s), *back = call1("::halo::flow::json_decode", text);
        if (strcmp(Tcl_GetString(back), Tcl_GetString(s)) != 0) {
            fprintf(stderr, "jstr/json_decode: \"%s\" came back as \"%s\" (via %s)\n", Tcl_GetString(s),
                    Tcl_GetString(back), Tcl_GetString(text));
            abort();
        }
        Tcl_DecrRefCount(s);
        Tcl_DecrRefCount(text);
        Tcl_DecrRefCount(back);
    } else if (cJSON_IsNumber(j) && isfinite(j->valuedouble)) {
        /* (not cJSON_Print: it keeps 15 digits of a number 17 would give) */
        char num[40];
        snprintf(num, sizeof num, "%.17g", j->valuedouble);
        Tcl_Obj *v = call1("::halo::flow::json_decode", Tcl_NewStringObj(num, -1));
        Tcl_Obj *text = call1("::halo::flow::jnum", v);
        double want = j->valuedouble, got;
        if (strcmp(Tcl_GetString(text), "null") == 0) {
            fprintf(stderr, "jnum: %s (%.17g) written as null\n", Tcl_GetString(v), want);
            abort();
        } else {
            Tcl_Obj *back = call1("::halo::flow::json_decode", text);
            if (Tcl_GetDoubleFromObj(NULL, back, &got) != TCL_OK || got != want) {
                fprintf(stderr, "jnum/json_decode: %.17g came back as %s (via %s)\n", want, Tcl_GetString(back),
                        Tcl_GetString(text));
                abort();
            }
            Tcl_DecrRefCount(back);
        }
        Tcl_DecrRefCount(v);
        Tcl_DecrRefCount(text);
    }
}

/* The lines of a dataset file as Tcl reads them (slurp), each decoded by
 * cJSON as json_decode does, their leaves round-tripped. */
static void file_round_trip(Tcl_Obj *path)
{
    Tcl_Obj *text = call1("::halo::flow::slurp", path);
    Tcl_Obj *lines;
    Tcl_Obj *cmd = Tcl_NewListObj(0, NULL);
    Tcl_ListObjAppendElement(NULL, cmd, Tcl_NewStringObj("split", -1));
    Tcl_ListObjAppendElement(NULL, cmd, text);
    Tcl_ListObjAppendElement(NULL, cmd, Tcl_NewStringObj("\n", -1));
    if (run(cmd, &lines) != TCL_OK) abort();
    int n;
    Tcl_Obj **v;
    Tcl_ListObjGetElements(NULL, lines, &n, &v);
    for (int i = 0; i < n; i++) {
        int len;
        const char *s = Tcl_GetStringFromObj(v[i], &len);
        cJSON *j = cJSON_ParseWithLengthOpts(s, (size_t)len, NULL, 0);
        if (j) leaves_round_trip(j);
        cJSON_Delete(j);
    }
    Tcl_DecrRefCount(lines);
    Tcl_DecrRefCount(text);
}

/* What a merge must keep, as a Tcl script over DIR, OUT and OUT's records:
 * 1 when kept, else what changed. */
static const char merge_check[] =
    "{dir out recs} {\n"
    "  namespace path ::halo::flow\n"
    "  if {[json_decode [slurp $dir/manifest.json]] ne [json_decode [slurp $out/manifest.json]]} {return manifest}\n"
    "  set want {}\n"
    "  set m [dict get [json_decode [slurp $dir/manifest.json]] arrangements]\n"
    "  if {$m > 0 && [file exists $dir/variants/a0000/v0000.json]} {\n"
    "    foreach line [split [slurp $dir/variants/a0000/v0000.json] \\n] {\n"
    "      if {[trim_blank $line] ne {}} {lappend want [json_decode $line]}\n"
    "    }\n"
    "  }\n"
    "  if {$want ne $recs} {return records}\n"
    "  set a {}\n"
    "  if {$m > 0 && [file exists $dir/arrangements/a0000.json]} {\n"
    "    set a [dict get [json_decode [slurp $dir/arrangements/a0000.json]] failures]\n"
    "  }\n"
    "  set b [dict get [json_decode [slurp $out/summary.json]] failures]\n"
    "  if {[dict size $a] != [dict size $b]} {return failures}\n"
    "  dict for {k v} $a {if {![dict exists $b $k] || [dict get $b $k] != $v} {return failures}}\n"
    "  return 1\n"
    "}";

static void merged_keeps(Tcl_Obj *records)
{
    Tcl_Obj *cmd = Tcl_NewListObj(0, NULL), *kept = NULL;
    Tcl_ListObjAppendElement(NULL, cmd, Tcl_NewStringObj("apply", -1));
    Tcl_ListObjAppendElement(NULL, cmd, Tcl_NewStringObj(merge_check, -1));
    Tcl_ListObjAppendElement(NULL, cmd, path_obj("ds", NULL));
    Tcl_ListObjAppendElement(NULL, cmd, path_obj("out", NULL));
    Tcl_ListObjAppendElement(NULL, cmd, records);
    if (run(cmd, &kept) != TCL_OK || strcmp(Tcl_GetString(kept), "1") != 0) {
        fprintf(stderr, "merge_dataset did not keep the %s\n", kept ? Tcl_GetString(kept) : "files (the check failed)");
        abort();
    }
    Tcl_DecrRefCount(kept);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!interp) setup();
    lay_out(data, size);
    Tcl_Obj *records = NULL;
    if (run(Tcl_ObjPrintf("::halo::read_dataset {%s/ds} -trajectories 1", root), &records) == TCL_OK) {
        file_round_trip(path_obj("ds", "index.jsonl"));
        Tcl_DecrRefCount(records);
    }
    run(Tcl_ObjPrintf("::halo::report_dataset {%s/ds}", root), NULL);
    if (run(Tcl_ObjPrintf("::halo::merge_dataset -out {%s/out} {%s/ds}", root, root), NULL) == TCL_OK) {
        Tcl_Obj *out = NULL;   /* a merged dataset must read */
        if (run(Tcl_ObjPrintf("::halo::read_dataset {%s/out}", root), &out) != TCL_OK) {
            fprintf(stderr, "merge_dataset wrote a dataset read_dataset refuses\n");
            abort();
        }
        merged_keeps(out);
        Tcl_DecrRefCount(out);
    }
    return 0;
}
