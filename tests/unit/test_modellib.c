/* test_modellib.c -- model library loading (sections, includes,
 * continuations, comments) and reduction (param chains, bin selection,
 * errors) on small synthetic libraries, plus the real sky130 library when
 * a PDK is present. */
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L   /* mkdtemp */
#endif
#include "sim/modellib.h"
#include "base/strutil.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static void put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0700);
    *slash = '/';
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void rm(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    unlink(path);
}

static const char *path_of(const char *rel)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    return path;
}

/* A two-corner library: top.lib selects sub/models.lib's section, which
 * includes common.spice (relative to sub/), which includes fets.spice. */
static void write_library(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/halo-modellib-XXXXXX");
    if (!mkdtemp(tmpdir)) return;
    put("top.lib",
        "* a corner library\n"
        ".lib tt\n"
        ".lib \"sub/models.lib\" tt   $ the typical corner\n"
        ".endl tt\n"
        "\n"
        ".LIB ss\n"
        ".lib 'sub/models.lib' ss ; slow\n"
        ".endl\n");
    put("sub/models.lib",
        "* sections of the device library\n"
        ".lib tt\n"
        ".param corner_vth = 0.4\n"
        ".include \"common.spice\"\n"
        ".endl\n"
        ".lib ss\n"
        ".param corner_vth = 0.5\n"
        ".include \"missing.spice\"\n"
        ".endl\n"
        ".lib broken\n"
        ".include \"unclosed.spice\"\n"
        ".endl\n");
    put("sub/common.spice",
        "* shared by every corner\n"
        ".option scale=1.0u\n"
        ".param\n"
        "+ base_a = 1.5   ; first of a chain\n"
        "* a comment line inside the statement\n"
        "+ base_b = {base_a*2}\n"
        "+ unused_p = 7\n"
        ".param chain_c = 'base_b + 1' other_unused = 3\n"
        ".param vth_diff_0 = 0.01 vth_diff_1 = 0.02 vth_diff_2 = 0.03\n"
        ".include \"fets.spice\"\n"
        ".subckt res2 a b w=1 l=1\n"
        "r1 a b {chain_c*l/w}\n"
        ".ends res2\n"
        ".subckt unused_cell a b\n"
        "r1 a b {other_unused}\n"
        ".ends\n"
        ".model pmod.0 pmos level=54 lmin=0.15e-6 lmax=1e-6 wmin=1e-6 wmax=10e-6 vth0=-0.4\n"
        ".model pmod.1 pmos level=54 lmin=1e-6 lmax=10e-6 wmin=1e-6 wmax=10e-6 vth0=-0.45\n"
        ".model dmod d is=1e-15\n");
    put("sub/fets.spice",
        ".SUBCKT NFET d g s b\n"
        "+ \n"
        ".param l = 1 w = 1 nf = 1\n"
        "mfet d g s b nch l = {l} w = {w} nf = {nf}\n"
        "dleak s b dmod\n"
        ".model nch.0 nmos\n"
        "+ lmin = 1.5e-07 lmax = 5.0e-07 wmin = 1.0e-06 wmax = 5.0e-06\n"
        "+ level = 54 vth0 = {corner_vth + vth_diff_0}\n"
        ".model nch.1 nmos\n"
        "+ lmin = 5.0e-07 lmax = 2.0e-06 wmin = 1.0e-06 wmax = 5.0e-06\n"
        "+ level = 54 vth0 = {corner_vth + vth_diff_1}\n"
        ".model nch.2 nmos\n"
        "+ lmin = 1.5e-07 lmax = 5.0e-07 wmin = 5.0e-06 wmax = 2.0e-05\n"
        "+ level = 54 vth0 = {corner_vth + vth_diff_2}\n"
        ".ends NFET\n"
        "* a variant whose body doubles the drawn length\n"
        ".subckt nfet_long d g s b l=1 w=1\n"
        "xin d g s b nfet l = {l*2} w = {w}\n"
        ".ends\n");
    put("sub/unclosed.spice", ".subckt open_cell a b\nr1 a b 1k\n");
}

static void remove_library(void)
{
    rm("sub/unclosed.spice");
    rm("sub/fets.spice");
    rm("sub/common.spice");
    rm("sub/models.lib");
    rm("top.lib");
    rmdir(path_of("sub"));
    rmdir(tmpdir);
}

static int reduce(const modellib *lib, const modellib_use *u, size_t n, su_buf *out, halo_err *err)
{
    out->len = 0;
    if (out->s) out->s[0] = '\0';
    return modellib_reduce(lib, u, n, out, err);
}

static int has(const su_buf *b, const char *s) { return b->s && strstr(b->s, s) != NULL; }

TEST(load_sections_includes_continuations)
{
    write_library();
    halo_err err;
    halo_err_clear(&err);
    modellib *lib = NULL;
    int rc = modellib_load(path_of("top.lib"), "tt", &lib, &err);
    if (rc) printf("    %s\n", err.msg);
    CHECK_INT(rc, 0);
    if (!lib) { remove_library(); return; }
    modellib_info in;
    modellib_get_info(lib, &in);
    CHECK_INT(in.n_files, 4);          /* top, models (tt only), common, fets */
    CHECK_INT(in.n_subckts, 4);        /* res2 unused_cell NFET nfet_long */
    CHECK_INT(in.n_models, 3);         /* pmod.0 pmod.1 dmod (nch.* are NFET's) */
    CHECK_INT(in.n_options, 1);
    CHECK_INT(in.n_params, 9);         /* corner_vth + 3 + 2 + 3: one line, several names */
    CHECK_NEAR(in.scale, 1e-6, 1e-18);

    /* everything of a subckt use, through its body to models and params */
    su_buf out = {0};
    modellib_use u = {"nfet", 0, 0};
    CHECK_INT(reduce(lib, &u, 1, &out, &err), 0);
    CHECK(has(&out, ".SUBCKT NFET d g s b\n+\n.param l = 1 w = 1 nf = 1\n"));
    CHECK(has(&out, ".model nch.0") && has(&out, ".model nch.1") && has(&out, ".model nch.2"));
    CHECK(has(&out, ".model dmod d"));          /* referenced by the body */
    CHECK(has(&out, ".option scale=1.0u\n"));
    CHECK(has(&out, ".param corner_vth = 0.4\n"));
    CHECK(has(&out, ".param vth_diff_2 = 0.03\n"));
    CHECK(!has(&out, "the typical corner") && !has(&out, "comment") && !has(&out, "slow"));
    CHECK(!has(&out, "pmod") && !has(&out, "res2") && !has(&out, "unused"));
    /* every line ends in a newline */
    CHECK(out.len > 0 && out.s[out.len - 1] == '\n');
    su_buf_free(&out);
    modellib_free(lib);

    /* the ss section follows its own include, which is missing */
    rc = modellib_load(path_of("top.lib"), "ss", &lib, &err);
    CHECK_INT(rc, HALO_E_OPEN);
    CHECK(lib == NULL);
    CHECK(strstr(err.msg, "models.lib:8: Cannot open") != NULL);
    CHECK(strstr(err.msg, "missing.spice") != NULL);
    remove_library();
}

TEST(param_chain_in_library_order)
{
    write_library();
    halo_err err;
    halo_err_clear(&err);
    modellib *lib = NULL;
    CHECK_INT(modellib_load(path_of("top.lib"), "tt", &lib, &err), 0);
    if (!lib) { remove_library(); return; }
    su_buf out = {0};
    modellib_use u = {"RES2", 2, 3};
    CHECK_INT(reduce(lib, &u, 1, &out, &err), 0);
    const char *a = strstr(out.s, ".param base_a = 1.5\n");
    const char *b = strstr(out.s, ".param base_b = {base_a*2}\n");
    const char *c = strstr(out.s, ".param chain_c = 'base_b + 1'\n");
    const char *s = strstr(out.s, ".subckt res2 a b w=1 l=1\nr1 a b {chain_c*l/w}\n.ends res2\n");
    CHECK(a && b && c && s);
    CHECK(a < b && b < c && c < s);
    CHECK(!has(&out, "unused_p") && !has(&out, "other_unused") && !has(&out, "corner_vth"));
    CHECK(!has(&out, "first of a chain"));
    /* deterministic */
    su_buf again = {0};
    CHECK_INT(reduce(lib, &u, 1, &again, &err), 0);
    CHECK(again.len == out.len && memcmp(again.s, out.s, out.len) == 0);
    su_buf_free(&again);
    su_buf_free(&out);
    modellib_free(lib);
    remove_library();
}

TEST(bins_selected_like_ngspice)
{
    write_library();
    halo_err err;
    halo_err_clear(&err);
    modellib *lib = NULL;
    CHECK_INT(modellib_load(path_of("top.lib"), "tt", &lib, &err), 0);
    if (!lib) { remove_library(); return; }
    su_buf out = {0};

    /* W=2 L=0.3 (µm, scale 1u): inside nch.0 only */
    modellib_use u = {"nfet", 2, 0.3};
    CHECK_INT(reduce(lib, &u, 1, &out, &err), 0);
    CHECK(has(&out, ".model nch.0") && !has(&out, ".model nch.1") && !has(&out, ".model nch.2"));
    CHECK(has(&out, "vth_diff_0") && !has(&out, "vth_diff_1") && !has(&out, "vth_diff_2"));

    /* on the L=0.5 boundary ngspice may take either neighbour: keep both */
    u.l_um = 0.5;
    CHECK_INT(reduce(lib, &u, 1, &out, &err), 0);
    CHECK(has(&out, ".model nch.0") && has(&out, ".model nch.1") && !has(&out, ".model nch.2"));

    /* a hair inside the tolerance still counts as the boundary */
    u.l_um = 0.5 + 1e-4;
    CHECK_INT(reduce(lib, &u, 1, &out, &err), 0);
    CHECK(has(&out, ".model nch.0") && has(&out, ".model nch.1"));

    /* two uses: the union of their bins */
    modellib_use two[2] = {{"nfet", 2, 1}, {"nfet", 10, 0.2}};
    CHECK_INT(reduce(lib, two, 2, &out, &err), 0);
    CHECK(!has(&out, ".model nch.0") && has(&out, ".model nch.1") && has(&out, ".model nch.2"));

    /* no geometry: every bin */
    modellib_use any = {"nfet", 0, 0.3};
    CHECK_INT(reduce(lib, &any, 1, &out, &err), 0);
    CHECK(has(&out, ".model nch.0") && has(&out, ".model nch.1") && has(&out, ".model nch.2"));

    /* a geometry no bin covers keeps all (ngspice reports it itself) */
    modellib_use outside = {"nfet", 50, 0.3};
    CHECK_INT(reduce(lib, &outside, 1, &out, &err), 0);
    CHECK(has(&out, ".model nch.0") && has(&out, ".model nch.1") && has(&out, ".model nch.2"));

    /* the body rescales: nfet_long L=0.3 instantiates nfet at L=0.6 */
    modellib_use lng = {"nfet_long", 2, 0.3};
    CHECK_INT(reduce(lib, &lng, 1, &out, &err), 0);
    CHECK(has(&out, ".subckt nfet_long") && has(&out, ".SUBCKT NFET"));
    CHECK(!has(&out, ".model nch.0") && has(&out, ".model nch.1") && !has(&out, ".model nch.2"));

    /* a top-level binned model used by its base name */
    modellib_use p = {"PMOD", 2, 3};
    CHECK_INT(reduce(lib, &p, 1, &out, &err), 0);
    CHECK(!has(&out, ".model pmod.0") && has(&out, ".model pmod.1"));
    CHECK(!has(&out, "nch"));

    su_buf_free(&out);
    modellib_free(lib);
    remove_library();
}

TEST(errors_name_the_culprit)
{
    write_library();
    halo_err err;
    halo_err_clear(&err);
    modellib *lib = NULL;
    CHECK_INT(modellib_load(path_of("top.lib"), "tt", &lib, &err), 0);
    if (lib) {
        su_buf out = {0};
        su_buf_add(&out, "keep");
        modellib_use u[2] = {{"nfet", 1, 1}, {"sky130_fd_pr__nope", 1, 1}};
        CHECK_INT(modellib_reduce(lib, u, 2, &out, &err), HALO_E_MDL_NOTFOUND);
        CHECK(strstr(err.msg, "\"sky130_fd_pr__nope\"") != NULL);
        CHECK_STR(out.s, "keep");
        su_buf_free(&out);
        modellib_free(lib);
    }

    /* a section the library does not have */
    CHECK_INT(modellib_load(path_of("top.lib"), "ff", &lib, &err), HALO_E_MDL_SECTION);
    CHECK(strstr(err.msg, "top.lib has no section \"ff\"") != NULL);

    /* a .subckt without .ends, reported where it starts */
    CHECK_INT(modellib_load(path_of("sub/models.lib"), "broken", &lib, &err), HALO_E_MDL_UNCLOSED);
    CHECK(strstr(err.msg, "unclosed.spice:1: .subckt open_cell") != NULL);

    /* an unreadable library */
    CHECK_INT(modellib_load(path_of("none.lib"), "tt", &lib, &err), HALO_E_OPEN);
    CHECK(strstr(err.msg, "none.lib") != NULL);

    /* a file that includes itself */
    put("loop.spice", ".include \"loop.spice\"\n");
    CHECK_INT(modellib_load(path_of("loop.spice"), NULL, &lib, &err), HALO_E_MDL_DEPTH);
    CHECK(strstr(err.msg, "loop.spice:1:") != NULL);
    rm("loop.spice");

    /* a stray continuation */
    put("cont.spice", "* nothing to continue\n+ a = 1\n");
    CHECK_INT(modellib_load(path_of("cont.spice"), NULL, &lib, &err), HALO_E_MDL_SYNTAX);
    CHECK(strstr(err.msg, "cont.spice:2:") != NULL);
    rm("cont.spice");
    remove_library();
}

/* The real sky130 library of the PDK (HALO_PDK_ROOT). */
TEST(real_sky130_library)
{
    char why[1200], lib_path[1200];
    const char *root = unit_pdk_root(why, sizeof why);
    if (!root) SKIP("needs the sky130 PDK: %s", why);
    snprintf(lib_path, sizeof lib_path, "%s/sky130A/libs.tech/ngspice/sky130.lib.spice", root);
    struct stat st;
    if (stat(lib_path, &st) != 0) SKIP("needs the sky130 PDK's SPICE models: no %s", lib_path);
    halo_err err;
    halo_err_clear(&err);
    modellib *lib = NULL;
    int rc = modellib_load(lib_path, "tt", &lib, &err);
    if (rc) printf("    %s\n", err.msg);
    CHECK_INT(rc, 0);
    if (!lib) return;
    modellib_info in;
    modellib_get_info(lib, &in);
    su_buf out = {0};
    modellib_use u = {"sky130_fd_pr__nfet_01v8", 1, 0.15};
    CHECK_INT(modellib_reduce(lib, &u, 1, &out, &err), 0);
    CHECK(has(&out, ".subckt  sky130_fd_pr__nfet_01v8 d g s b"));
    CHECK(has(&out, ".option scale=1.0u"));
    CHECK(out.len > 0 && out.len * 100 < in.text_bytes);   /* well under 1 % */
    su_buf_free(&out);
    modellib_free(lib);
}

UNIT_MAIN("test_modellib")
