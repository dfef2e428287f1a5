/*
 * test_tech.c -- the embedded sky130 tech loads with the numbers of
 * shared/pdk-facts/sky130.md, and bad tech files are refused with the
 * right message ids.
 */
#define _POSIX_C_SOURCE 200809L

#include "unit.h"
#include "tech/tech.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static halo_tech *load_sky130(void)
{
    halo_err err;
    halo_err_clear(&err);
    halo_tech *t = tech_load("sky130", &err);
    if (!t) printf("    tech_load(sky130): %s\n", err.msg);
    return t;
}

/* A small valid tech.json with one rule, the rule text given by the test. */
static char *tiny_tech(char *buf, size_t size, const char *rule)
{
    snprintf(buf, size,
             "{\"name\": \"t\", \"grid_um\": 0.005,\n"
             " \"layers\": [{\"name\": \"met1\", \"gds\": [68, 20], \"pin\": [68, 16],"
             " \"label\": null, \"kind\": \"metal\", \"source\": \"s\"}],\n"
             " \"rules\": [%s],\n"
             " \"devices\": []}\n", rule);
    return buf;
}

/* Load JSON text that must fail; returns the message id, fills err. */
static halo_msg_id load_fails(const char *text, halo_err *err)
{
    halo_err_clear(err);
    halo_tech *t = tech_load_json(text, "test.json", err);
    if (t) {
        tech_free(t);
        return HALO_OK;
    }
    return err->id;
}

TEST(embedded_loads)
{
    halo_tech *t = load_sky130();
    CHECK(t != NULL);
    if (!t) return;
    CHECK_STR(t->name, "sky130");
    CHECK_STR(t->source_file, "(embedded)");
    CHECK_INT(t->grid_nm, 5);
    CHECK(t->n_layers >= 30);
    CHECK(t->n_rules >= 150);
    CHECK(t->n_devices >= 18);
    CHECK(t->pdk_root == NULL);
    tech_free(t);
}

TEST(met1_rules_and_layer)
{
    halo_tech *t = load_sky130();
    if (!t) { CHECK(0); return; }
    const tech_rule *r = tech_find_rule(t, "m1.2");
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(r->value_nm, 140);
        CHECK_STR(r->kind, "spacing");
        CHECK_STR(r->layer, "met1");
    }
    r = tech_find_rule(t, "m1.6");
    CHECK(r && r->value_nm2 == 83000);
    r = tech_find_rule(t, "licon.5c");
    CHECK(r && r->value_nm == 60 && strcmp(r->kind, "enclosure_one_side") == 0);
    const tech_layer *l = tech_find_layer(t, "met1");
    CHECK(l != NULL);
    if (l) {
        CHECK_INT(l->gds_layer, 68);
        CHECK_INT(l->gds_datatype, 20);
        CHECK_INT(l->pin_datatype, 16);
        CHECK_INT(l->label_datatype, 5);
        CHECK_STR(l->direction, "horizontal");
        CHECK_INT(l->width_nm, 140);
        CHECK(l->pitch_nm >= l->width_nm + l->spacing_nm);
    }
    l = tech_find_layer(t, "diff");
    CHECK(l && l->label_datatype == 6);
    l = tech_find_layer(t, "capm");
    CHECK(l && l->gds_layer == 89 && l->gds_datatype == 44 && l->pin_datatype == -1);
    tech_free(t);
}

TEST(devices)
{
    halo_tech *t = load_sky130();
    if (!t) { CHECK(0); return; }
    const tech_device *d = tech_find_device(t, "nfet_01v8");
    CHECK(d != NULL);
    if (d) {
        CHECK_INT(d->w_min_nm, 420);
        CHECK_INT(d->l_min_nm, 150);
        CHECK_STR(d->pins, "D G S B");
        CHECK_STR(d->type, "nmos");
    }
    CHECK(tech_find_device(t, "SKY130_FD_PR__NFET_01V8") == d);
    d = tech_find_device(t, "pfet_01v8_lvt");
    CHECK(d && d->l_min_nm == 350);
    d = tech_find_device(t, "sky130_fd_pr__cap_mim_m3_1");
    CHECK(d != NULL);
    if (d) {
        CHECK_NEAR(d->cap_area_f_per_um2, 2.00e-15, 1e-20);
        CHECK_NEAR(d->cap_perim_f_per_um, 0.19e-15, 1e-20);
    }
    d = tech_find_device(t, "res_high_po");
    CHECK(d && d->n_widths == 5);
    if (d && d->n_widths == 5) {
        CHECK_INT(d->widths_nm[0], 350);
        CHECK_INT(d->widths_nm[4], 5730);
        CHECK_NEAR(d->sheet_ohm, 319.8, 1e-9);
    }
    CHECK(tech_find_device(t, "sky130_fd_pr__res_xhigh_po_1p41") != NULL);
    CHECK(tech_find_device(t, "no_such_device") == NULL);
    tech_free(t);
}

TEST(pex)
{
    halo_tech *t = load_sky130();
    if (!t) { CHECK(0); return; }
    int found = 0;
    for (int i = 0; i < t->n_pex_layers; i++)
        if (strcmp(t->pex_layers[i].layer, "met1") == 0) {
            CHECK_NEAR(t->pex_layers[i].sheet_ohm, 0.125, 1e-12);
            CHECK_NEAR(t->pex_layers[i].area_af_per_um2, 25.78, 1e-9);
            CHECK_INT(t->pex_layers[i].sidewall_offset_nm, 250);
            found++;
        }
    for (int i = 0; i < t->n_pex_contacts; i++)
        if (strcmp(t->pex_contacts[i].cut, "mcon") == 0) {
            CHECK_NEAR(t->pex_contacts[i].ohm, 9.3, 1e-9);
            found++;
        }
    for (int i = 0; i < t->n_pex_overlaps; i++)
        if (strcmp(t->pex_overlaps[i].upper, "met1") == 0
            && strcmp(t->pex_overlaps[i].lower, "li1") == 0) {
            CHECK_NEAR(t->pex_overlaps[i].area_af_per_um2, 114.20, 1e-9);
            found++;
        }
    CHECK_INT(found, 3);
    tech_free(t);
}

/* The loader enforces the grid; this guards the data against a loader
 * that someday stops doing so, and checks provenance on every entry. */
TEST(every_entry_on_grid_with_source)
{
    halo_tech *t = load_sky130();
    if (!t) { CHECK(0); return; }
    for (int i = 0; i < t->n_rules; i++) {
        const tech_rule *r = &t->rules[i];
        if (r->value_nm % t->grid_nm != 0 || !r->source[0]
            || !tech_find_layer(t, r->layer)) {
            printf("    rule %d (%s) off grid, unsourced or on an unknown layer\n", i + 1, r->id);
            CHECK(0);
        }
    }
    for (int i = 0; i < t->n_layers; i++) {
        const tech_layer *l = &t->layers[i];
        CHECK(l->source[0] != '\0');
        CHECK(l->width_nm % 5 == 0 && l->spacing_nm % 5 == 0 && l->pitch_nm % 5 == 0);
    }
    for (int i = 0; i < t->n_devices; i++)
        CHECK(t->devices[i].source[0] != '\0');
    tech_free(t);
}

TEST(bad_json_text)
{
    halo_err err;
    CHECK_INT(load_fails("{\"name\": \"t\",\n \"grid_um\": }", &err), HALO_E_TEC_FORMAT);
    CHECK(strstr(err.msg, "test.json: invalid JSON near line 2") != NULL);
    CHECK_INT(load_fails("[1, 2]", &err), HALO_E_TEC_FORMAT);
}

TEST(missing_and_ill_typed_fields)
{
    char buf[1024];
    halo_err err;
    tiny_tech(buf, sizeof buf, "{\"id\": \"m1.2\", \"kind\": \"spacing\", \"layer\": \"met1\","
              " \"source\": \"s\"}");
    CHECK_INT(load_fails(buf, &err), HALO_E_TEC_FORMAT);
    CHECK(strstr(err.msg, "rule 1 (m1.2): value_um missing") != NULL);
    tiny_tech(buf, sizeof buf, "{\"id\": \"m1.2\", \"kind\": \"spacing\", \"layer\": \"met1\","
              " \"value_um\": \"0.14\", \"source\": \"s\"}");
    CHECK_INT(load_fails(buf, &err), HALO_E_TEC_FORMAT);
    CHECK(strstr(err.msg, "value_um must be a number") != NULL);
    tiny_tech(buf, sizeof buf, "{\"id\": \"m1.6\", \"kind\": \"area\", \"layer\": \"met1\","
              " \"value_um\": 0.083, \"source\": \"s\"}");
    CHECK_INT(load_fails(buf, &err), HALO_E_TEC_FORMAT);
    CHECK(strstr(err.msg, "area_um2 missing") != NULL);
    tiny_tech(buf, sizeof buf, "{\"id\": \"x.1\", \"kind\": \"spacing\", \"layer\": \"met9\","
              " \"value_um\": 0.14, \"source\": \"s\"}");
    CHECK_INT(load_fails(buf, &err), HALO_E_TEC_FORMAT);
    CHECK(strstr(err.msg, "\"met9\" is not a layer") != NULL);
}

TEST(off_grid_value)
{
    char buf[1024];
    halo_err err;
    tiny_tech(buf, sizeof buf, "{\"id\": \"m1.2\", \"kind\": \"spacing\", \"layer\": \"met1\","
              " \"value_um\": 0.142, \"source\": \"s\"}");
    CHECK_INT(load_fails(buf, &err), HALO_E_TEC_FORMAT);
    CHECK(strstr(err.msg, "rule 1 (m1.2): value_um = 0.142 um is off the 5 nm grid") != NULL);
    tiny_tech(buf, sizeof buf, "{\"id\": \"m1.2\", \"kind\": \"spacing\", \"layer\": \"met1\","
              " \"value_um\": 0.14, \"source\": \"s\"}");
    halo_err_clear(&err);
    halo_tech *t = tech_load_json(buf, "test.json", &err);
    CHECK(t != NULL);
    if (t) CHECK_INT(t->rules[0].value_nm, 140);
    tech_free(t);
}

TEST(pin_on_other_gds_layer)
{
    halo_err err;
    const char *text =
        "{\"name\": \"t\", \"grid_um\": 0.005, \"rules\": [], \"devices\": [],\n"
        " \"layers\": [{\"name\": \"pwell\", \"gds\": [64, 44], \"pin\": [122, 16],"
        " \"kind\": \"well\", \"source\": \"s\"}]}";
    CHECK_INT(load_fails(text, &err), HALO_E_TEC_FORMAT);
    CHECK(strstr(err.msg, "layer 1 (pwell): pin is on GDS layer 122") != NULL);
}

TEST(load_by_name_and_path)
{
    halo_err err;
    halo_err_clear(&err);
    CHECK(tech_load("gf180", &err) == NULL);
    CHECK_INT(err.id, HALO_E_TEC_UNKNOWN);
    halo_err_clear(&err);
    CHECK(tech_load("/nonexistent/tech.json", &err) == NULL);
    CHECK_INT(err.id, HALO_E_OPEN);

    char path[] = "/tmp/halo_test_techXXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    FILE *f = fdopen(fd, "w");
    fputs(tech_sky130_json, f);
    fclose(f);
    halo_err_clear(&err);
    halo_tech *t = tech_load(path, &err);
    CHECK(t != NULL);
    if (t) {
        CHECK_STR(t->source_file, path);
        CHECK_INT(tech_find_rule(t, "m1.2")->value_nm, 140);
    }
    tech_free(t);
    unlink(path);
}

/* An empty file at PATH, its directories made. */
static int make_file(const char *path)
{
    char cmd[1800];
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\" && : > '%s'", path, path);
    return system(cmd);
}

/* A PDK_ROOT tree as open_pdks lays it out, holding only the SPICE library
 * and Magic's tech: those are recorded, the absent Netgen setup and KLayout
 * deck are not.  Runs everywhere. */
TEST(set_root_fake_tree)
{
    char root[600], lib[800], magic[800], cmd[700];
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/halo_test_tech.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) { CHECK(0); return; }
    snprintf(lib, sizeof lib, "%s/sky130A/libs.tech/ngspice/sky130.lib.spice", root);
    snprintf(magic, sizeof magic, "%s/sky130A/libs.tech/magic/sky130A.tech", root);
    CHECK_INT(make_file(lib), 0);
    CHECK_INT(make_file(magic), 0);
    halo_tech *t = load_sky130();
    if (!t) { CHECK(0); return; }
    halo_err err;
    halo_err_clear(&err);
    CHECK_INT(tech_set_root(t, root, "ff", &err), 0);
    CHECK_STR(t->pdk_root, root);
    CHECK_STR(t->spice_lib, lib);
    CHECK_STR(t->magic_tech, magic);
    CHECK(t->netgen_setup == NULL && t->klayout_drc == NULL);
    CHECK_STR(t->corner, "ff");
    tech_free(t);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK_INT(system(cmd), 0);
}

/* The real PDK (HALO_PDK_ROOT). */
TEST(set_root_real_pdk)
{
    char why[1200], lib[1200], magic[1200];
    const char *root = unit_pdk_root(why, sizeof why);
    if (!root) SKIP("needs the sky130 PDK: %s", why);
    halo_tech *t = load_sky130();
    if (!t) { CHECK(0); return; }
    halo_err err;
    halo_err_clear(&err);
    int rc = tech_set_root(t, root, "ss", &err);
    if (rc) printf("    %s\n", err.msg);
    CHECK_INT(rc, 0);
    snprintf(lib, sizeof lib, "%s/sky130A/libs.tech/ngspice/sky130.lib.spice", root);
    snprintf(magic, sizeof magic, "%s/sky130A/libs.tech/magic/sky130A.tech", root);
    CHECK_STR(t->pdk_root, root);
    CHECK_STR(t->spice_lib, lib);
    CHECK_STR(t->corner, "ss");
    struct stat st;
    if (stat(magic, &st) == 0) CHECK_STR(t->magic_tech, magic);
    /* setting it twice replaces the record without leaking */
    CHECK_INT(tech_set_root(t, root, "tt", &err), 0);
    CHECK_STR(t->corner, "tt");
    tech_free(t);
}

TEST(set_root_missing)
{
    halo_tech *t = load_sky130();
    if (!t) { CHECK(0); return; }
    halo_err err;
    halo_err_clear(&err);
    CHECK_INT(tech_set_root(t, "/nonexistent", "tt", &err), HALO_E_TEC_ROOT);
    CHECK(strstr(err.msg, "/nonexistent/sky130A/libs.tech/ngspice/sky130.lib.spice"
                          " is missing") != NULL);
    CHECK(t->pdk_root == NULL && t->spice_lib == NULL);
    tech_free(t);
}

TEST(set_root_bad_corner)
{
    halo_tech *t = load_sky130();
    if (!t) { CHECK(0); return; }
    halo_err err;
    halo_err_clear(&err);
    CHECK_INT(tech_set_root(t, "/nonexistent", "typical", &err), HALO_E_TEC_CORNER);
    CHECK(strstr(err.msg, "\"typical\"") != NULL);
    CHECK(t->pdk_root == NULL);
    tech_free(t);
}

UNIT_MAIN("test_tech.c")
