/* test_extract.c -- layout-to-netlist extraction: the generator cells give
 * the devices they were built for, broken layouts give opens, shorts and
 * label warnings, and (when magic is on PATH and the PDK's Magic tech is
 * found through HALO_PDK_ROOT) every cell of the generator sweep agrees
 * with Magic's extraction of the same GDS. */
#include "layout/devgen.h"
#include "verify/extract.h"
#include "layout/gds.h"
#include "base/strutil.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static halo_tech *tech(void)
{
    static halo_tech *t;
    halo_err err;
    if (!t) t = tech_load("sky130", &err);
    return t;
}

static ext_result *extract_cell(lay_lib *lib, int cell, lay_flat **keep)
{
    halo_err err;
    lay_flat *f = flat_build(lib, cell);
    ext_result *r = extract_run(f, tech(), lib->cells[cell]->name, &err);
    if (!r) printf("    extract: %s\n", err.msg);
    if (keep) *keep = f;
    else flat_free(f);
    return r;
}

static const char *pin_net(const ext_result *r, const netlist_device *d, const char *role)
{
    for (int i = 0; i < d->npins; i++)
        if (strcmp(d->pins[i].role, role) == 0) return r->nl->nets[d->pins[i].net].name;
    return "(none)";
}

static double param(const netlist_device *d, const char *name)
{
    double v = -1;
    netlist_param_get(d, name, &v);
    return v;
}

static int count_warnings(const ext_result *r, const char *code)
{
    int n = 0;
    for (int i = 0; i < r->nwarnings; i++) n += strcmp(r->warnings[i].code, code) == 0;
    return n;
}

/* ---------------------------------------------------------------- the sweep */

/* The cells of tests/devgen_magic.test: MOS W x L x nf of both types, MIM
 * caps 2..30 um, resistors by value and by width, multipliers, dummies. */
typedef struct sweep_spec {
    const char *dev;
    double w, l, ohms;
    int nf, m, dummies;
} sweep_spec;

static int sweep_specs(sweep_spec *out)
{
    static const char *const types[] = {"nfet_01v8", "pfet_01v8"};
    static const double ws[] = {0.42, 1, 2.1, 5, 20}, ls[] = {0.15, 0.5, 2}, cw[] = {2, 5, 10, 20, 30};
    static const double rs[] = {1000, 2000, 5000, 10000, 20000, 50000}, rw[] = {0.35, 0.69, 1.41, 2.85, 5.73};
    static const int nfs[] = {1, 2, 3, 4, 8, 16};
    int n = 0;
    for (int t = 0; t < 2; t++)
        for (int a = 0; a < 5; a++)
            for (int b = 0; b < 3; b++)
                for (int c = 0; c < 6; c++)
                    if (ws[a] / nfs[c] >= 0.42 - 1e-9) out[n++] = (sweep_spec){types[t], ws[a], ls[b], 0, nfs[c], 1, 0};
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++) out[n++] = (sweep_spec){"cap_mim_m3_1", cw[a], cw[b], 0, 0, 0, 0};
    for (int a = 0; a < 6; a++) out[n++] = (sweep_spec){"res_high_po", 0, 0, rs[a], 0, 0, 0};
    for (int a = 0; a < 5; a++) out[n++] = (sweep_spec){"res_high_po", rw[a], 5, 0, 0, 0, 0};
    out[n++] = (sweep_spec){"res_xhigh_po", 0, 0, 50000, 0, 0, 0};
    out[n++] = (sweep_spec){"res_xhigh_po_1p41", 0, 10, 0, 0, 0, 0};
    out[n++] = (sweep_spec){"nfet_01v8", 4, 0.15, 0, 2, 3, 1};
    out[n++] = (sweep_spec){"pfet_01v8", 8, 0.5, 0, 4, 1, 1};
    return n;
}

static int spec_of(const sweep_spec *s, devgen_spec *d)
{
    halo_err err;
    if (strstr(s->dev, "fet")) return devgen_spec_mos(tech(), s->dev, s->w, s->l, s->nf, s->m, s->dummies, d, &err);
    if (strstr(s->dev, "cap")) return devgen_spec_cap(tech(), s->dev, s->w, s->l, d, &err);
    return devgen_spec_res(tech(), s->dev, s->w, s->l, s->ohms, d, &err);
}

/* Build the whole sweep into lib; cells[i] is spec i's cell. */
static int build_sweep(lay_lib *lib, devgen_spec *specs, int *cells)
{
    static sweep_spec ss[200];
    int n = sweep_specs(ss);
    for (int i = 0; i < n; i++) {
        halo_err err;
        cells[i] = -1;
        if (spec_of(&ss[i], &specs[i]) == 0) cells[i] = devgen_build(lib, tech(), &specs[i], &err);
    }
    return n;
}

/* What is wrong with halo's extraction of a generated cell, or "". */
static const char *check_cell(const ext_result *r, const devgen_spec *s, char *why, size_t len)
{
    if (r->nl->ndevs != 1) {
        snprintf(why, len, "%d devices", r->nl->ndevs);
        return why;
    }
    const netlist_device *d = &r->nl->devs[0];
    if (strcmp(d->model, s->dev->model) != 0 && !(s->kind == DEVGEN_POLYRES && strstr(s->dev->model, d->model))) {
        snprintf(why, len, "model %s", d->model);
        return why;
    }
    double w = s->kind == DEVGEN_MOS ? s->w_nm * 1e-3 * s->nf * s->m : s->w_nm * 1e-3;
    if (fabs(param(d, "W") - w) > 1e-6 || fabs(param(d, "L") - s->l_nm * 1e-3) > 1e-6) {
        snprintf(why, len, "W %g L %g, want %g %g", param(d, "W"), param(d, "L"), w, s->l_nm * 1e-3);
        return why;
    }
    if (s->kind == DEVGEN_MOS) {
        if (d->nf != s->nf * s->m) {
            snprintf(why, len, "nf %d", d->nf);
            return why;
        }
        const char *roles[] = {"D", "G", "S", "B"};
        for (int i = 0; i < 4; i++)
            if (strcmp(pin_net(r, d, roles[i]), roles[i]) != 0) {
                snprintf(why, len, "pin %s on %s", roles[i], pin_net(r, d, roles[i]));
                return why;
            }
    } else if (strcmp(pin_net(r, d, "P"), "P") != 0 || strcmp(pin_net(r, d, "N"), "N") != 0) {
        snprintf(why, len, "pins P %s N %s", pin_net(r, d, "P"), pin_net(r, d, "N"));
        return why;
    }
    if (s->kind == DEVGEN_POLYRES) {
        /* the layout cannot tell res_high_po_0p35 from res_high_po at
         * w 0.35: like Magic, extraction names the family and gives its R */
        const tech_device *fam = tech_find_device(tech(), strstr(s->dev->name, "xhigh") ? "res_xhigh_po" : "res_high_po");
        double want = fam->sheet_ohm * s->l_nm / (double)s->w_nm + fam->end_ohm;
        if (fabs(param(d, "R") - want) > 1e-6 * want) {
            snprintf(why, len, "R %g, want %g", param(d, "R"), want);
            return why;
        }
    }
    if (r->nwarnings) {
        snprintf(why, len, "warning %s", r->warnings[0].message);
        return why;
    }
    return "";
}

TEST(sweep_cells_extract_as_built)
{
    lay_lib *lib = lay_lib_new("sweep", tech());
    static devgen_spec specs[200];
    static int cells[200];
    int n = build_sweep(lib, specs, cells), good = 0;
    CHECK_INT(n, 148);
    for (int i = 0; i < n; i++) {
        if (cells[i] < 0) continue;
        ext_result *r = extract_cell(lib, cells[i], NULL);
        char why[256];
        const char *bad = r ? check_cell(r, &specs[i], why, sizeof why) : "no result";
        if (bad[0]) printf("    %s: %s\n", lib->cells[cells[i]]->name, bad);
        else good++;
        extract_free(r);
    }
    CHECK_INT(good, 148);
    lay_lib_free(lib);
}

/* ---------------------------------------------------------------- broken layouts */

static int build_one(lay_lib *lib, const char *dev, double w, double l, int nf)
{
    devgen_spec s;
    halo_err err;
    if (devgen_spec_mos(tech(), dev, w, l, nf, 1, 0, &s, &err)) return -1;
    return devgen_build(lib, tech(), &s, &err);
}

/* A copy of cell src under a new name, without the rectangles of layer
 * that lie inside box (closed). */
static int copy_without(lay_lib *lib, int src, const char *name, int layer, lay_box box)
{
    int c = lay_cell_new(lib, name);
    lay_cell *s = lib->cells[src], *d = lib->cells[c];
    for (int i = 0; i < s->nrects; i++) {
        lay_box b = s->rects[i].box;
        if (layer >= 0 && s->rects[i].layer == layer && b.x0 >= box.x0 && b.x1 <= box.x1 && b.y0 >= box.y0 && b.y1 <= box.y1)
            continue;
        lay_rect_add(d, s->rects[i].layer, b, -1);
    }
    for (int i = 0; i < s->npins; i++) lay_pin_add(d, s->pins[i].name, s->pins[i].layer, s->pins[i].box);
    return c;
}

static const lay_pin *find_pin(const lay_cell *c, const char *name)
{
    for (int i = 0; i < c->npins; i++)
        if (strcmp(c->pins[i].name, name) == 0) return &c->pins[i];
    return NULL;
}

/* The box left of the first gate over the diffusion: source column 0. */
static lay_box first_column(const lay_lib *lib, int c)
{
    const lay_cell *cell = lib->cells[c];
    int poly = lay_layer_find(lib, "poly"), diff = lay_layer_find(lib, "diff");
    lay_box d = {0, 0, 0, 0};
    for (int i = 0; i < cell->nrects; i++)
        if (cell->rects[i].layer == diff) d = cell->rects[i].box;
    int32_t gx = d.x1;
    for (int i = 0; i < cell->nrects; i++) {
        lay_box b = cell->rects[i].box;
        if (cell->rects[i].layer == poly && b.x0 < d.x1 && b.x1 > d.x0 && b.y0 < d.y0 && b.x0 < gx) gx = b.x0;
    }
    return lay_box_make(d.x0, d.y0, gx, d.y1);
}

/* S bar joined to the D bar by met1 beyond the device's right edge. */
static void add_bridge(lay_lib *lib, int c)
{
    lay_cell *cell = lib->cells[c];
    const lay_pin *s = find_pin(cell, "S"), *d = find_pin(cell, "D");
    int m1 = lay_layer_find(lib, "met1");
    lay_box bb = lay_cell_bbox(lib, c);
    lay_rect_add(cell, m1, lay_box_make(bb.x1 + 300, s->box.y0, bb.x1 + 600, d->box.y1), -1);
    lay_rect_add(cell, m1, lay_box_make(s->box.x1 - 100, s->box.y0, bb.x1 + 600, s->box.y1), -1);
    lay_rect_add(cell, m1, lay_box_make(d->box.x1 - 100, d->box.y0, bb.x1 + 600, d->box.y1), -1);
}

/* The broken variants of an nfet (w 2, nf 2): no G pad mcon (open gate),
 * no licons in source column 0 (open source), S bridged to D (short).
 * Returns the count; cells[] their indices. */
static int build_broken(lay_lib *lib, int *cells)
{
    int c = build_one(lib, "nfet_01v8", 2, 0.15, 2);
    const lay_pin *g = find_pin(lib->cells[c], "G");
    cells[0] = copy_without(lib, c, "broken_open_gate", lay_layer_find(lib, "mcon"), g->box);
    cells[1] = copy_without(lib, c, "broken_open_source", lay_layer_find(lib, "licon1"), first_column(lib, c));
    cells[2] = copy_without(lib, c, "broken_short", -1, lay_box_make(0, 0, 0, 0));
    add_bridge(lib, cells[2]);
    return 3;
}

/* ---------------------------------------------------------------- Magic's .ext */

/* Magic's port names of the last .ext file read. */
static char mports[16][64];
static int nmports;

typedef struct mdev {
    char model[80];
    char term[4][64];         /* MOS: B G S D; cap: P N; res: B P N */
    int nterm;
    double w, l;              /* nm */
    int nf;
} mdev;

/* Devices of a Magic .ext file, parallel MOS fingers merged as Netgen
 * merges them (same model, L, gate, bulk and S/D pair: W adds). */
static int read_ext(const char *path, mdev *out, int max)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return -1;
    char line[4096];
    double nm = 1;
    int n = 0;
    nmports = 0;
    while (fgets(line, sizeof line, fp)) {
        double a, b, c;
        if (sscanf(line, "port \"%63[^\"]\"", mports[nmports]) == 1 && nmports < 15) nmports++;
        if (sscanf(line, "scale %lf %lf %lf", &a, &b, &c) == 3) nm = c / 100000.0;
        if (strncmp(line, "device ", 7) != 0 || n == max) continue;
        mdev d = {0};
        char kind[32];
        if (sscanf(line, "device %31s %79s", kind, d.model) != 2) continue;
        char *p = strstr(line, " l="), *q = strstr(line, " w=");
        d.l = p ? atof(p + 3) * nm : 0;
        d.w = q ? atof(q + 3) * nm : 0;
        d.nf = 1;
        const char *s = line;
        char names[6][64];
        int nn = 0;
        while ((s = strchr(s, '"')) && nn < 6) {
            const char *e = strchr(s + 1, '"');
            if (!e) break;
            snprintf(names[nn++], 64, "%.*s", (int)(e - s - 1), s + 1);
            s = e + 1;
        }
        if (strcmp(kind, "msubckt") == 0 && nn == 4) {          /* B G t1 t2 */
            for (int i = 0; i < 4; i++) snprintf(d.term[i], 64, "%.63s", names[i]);
            d.nterm = 4;
        } else if (strcmp(kind, "csubckt") == 0 && nn == 3) {   /* sub P N */
            snprintf(d.term[0], 64, "%.63s", names[1]);
            snprintf(d.term[1], 64, "%.63s", names[2]);
            d.nterm = 2;
        } else if (strcmp(kind, "rsubckt") == 0 && nn == 4) {   /* sub body P N */
            snprintf(d.term[0], 64, "%.63s", names[0]);
            snprintf(d.term[1], 64, "%.63s", names[2]);
            snprintf(d.term[2], 64, "%.63s", names[3]);
            d.nterm = 3;
        } else {
            continue;
        }
        int merged = 0;
        for (int i = 0; i < n && d.nterm == 4 && !merged; i++) {
            mdev *o = &out[i];
            if (strcmp(o->model, d.model) || o->l != d.l || strcmp(o->term[0], d.term[0]) ||
                strcmp(o->term[1], d.term[1]))
                continue;
            if ((!strcmp(o->term[2], d.term[2]) && !strcmp(o->term[3], d.term[3])) ||
                (!strcmp(o->term[2], d.term[3]) && !strcmp(o->term[3], d.term[2]))) {
                o->w += d.w;
                o->nf++;
                merged = 1;
            }
        }
        if (!merged) out[n++] = d;
    }
    fclose(fp);
    return n;
}

/* A consistent, one-to-one map of Magic node names to halo nets. */
typedef struct nodemap {
    char name[64][64];
    int net[64];
    int n;
} nodemap;

static int map_ok(nodemap *m, const char *name, int net, int commit)
{
    for (int i = 0; i < m->n; i++) {
        if (strcmp(m->name[i], name) == 0) return m->net[i] == net;
        if (m->net[i] == net) return 0;
    }
    if (commit && m->n < 64) {
        snprintf(m->name[m->n], 64, "%s", name);
        m->net[m->n++] = net;
    }
    return 1;
}

/* halo pins of device d in the order of Magic's terminals (S/D or P/N
 * swapped when swap). */
static int halo_terms(const netlist_device *d, int swap, int *nets)
{
    static const char *const mos[] = {"B", "G", "S", "D"}, *const cap[] = {"P", "N"}, *const res[] = {"B", "P", "N"};
    const char *const *roles = d->type == NL_CAP ? cap : d->type == NL_RES ? res : mos;
    int n = d->type == NL_CAP ? 2 : d->type == NL_RES ? 3 : 4;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < d->npins; i++)
            if (strcmp(d->pins[i].role, roles[k]) == 0) nets[k] = d->pins[i].net;
    if (swap && n >= 3) {
        int t = nets[n - 1];
        nets[n - 1] = nets[n - 2];
        nets[n - 2] = t;
    }
    return n;
}

/* Names two terminal orders share with Magic's labelled nodes: S/D (or
 * P/N) order is arbitrary in both extractions, the names are not. */
static int name_score(const ext_result *r, const mdev *md, const netlist_device *d, int swap)
{
    int nets[4], n = halo_terms(d, swap, nets), score = 0;
    for (int k = 0; k < n && k < md->nterm; k++) score += strcmp(r->nl->nets[nets[k]].name, md->term[k]) == 0;
    return score;
}

static int try_match(const ext_result *r, nodemap *m, const mdev *md, const netlist_device *d)
{
    int first = name_score(r, md, d, 1) > name_score(r, md, d, 0);
    for (int t = 0; t < 2; t++) {
        int swap = t == 0 ? first : !first, nets[4];
        int n = halo_terms(d, swap, nets);
        if (n != md->nterm) return 0;
        nodemap save = *m;
        int ok = 1;
        for (int k = 0; k < n && ok; k++) ok = map_ok(m, md->term[k], nets[k], 1);
        if (ok) return 1;
        *m = save;
    }
    return 0;
}

/* Whether a name_conflict warning names name (the second name of a net). */
static int conflict_names(const ext_result *r, const char *name)
{
    char both[80];
    snprintf(both, sizeof both, " and %s ", name);
    for (int i = 0; i < r->nwarnings; i++)
        if (strcmp(r->warnings[i].code, "name_conflict") == 0 &&
            strstr(r->warnings[i].message, both))
            return 1;
    return 0;
}

/* Compare one cell: "" when devices, sizes and connectivity agree. */
static const char *compare_magic(const ext_result *r, const mdev *md, int nm, char *why, size_t len)
{
    if (nm != r->nl->ndevs) {
        snprintf(why, len, "Magic %d devices (merged), halo %d", nm, r->nl->ndevs);
        return why;
    }
    static nodemap m;
    memset(&m, 0, sizeof m);
    int used[16] = {0};
    for (int i = 0; i < nm; i++) {
        /* candidates tried best named first: greedy matching then pairs
         * the fingers whose labelled terminals agree */
        int found = -1;
        for (int want = 4; want >= 0 && found < 0; want--)
            for (int j = 0; j < r->nl->ndevs && j < 16 && found < 0; j++) {
                const netlist_device *d = &r->nl->devs[j];
                if (used[j] || strcmp(d->model, md[i].model) != 0) continue;
                if (fabs(param(d, "W") * 1000 - md[i].w) > 0.5 || fabs(param(d, "L") * 1000 - md[i].l) > 0.5) continue;
                if ((d->type == NL_NMOS || d->type == NL_PMOS) && d->nf != md[i].nf) continue;
                int sc0 = name_score(r, &md[i], d, 0), sc1 = name_score(r, &md[i], d, 1);
                if ((sc0 > sc1 ? sc0 : sc1) != want) continue;
                if (try_match(r, &m, &md[i], d)) found = j;
            }
        if (found < 0) {
            snprintf(why, len, "Magic %.64s w=%g l=%g nf=%d (%.32s %.32s %.32s %.32s) has no halo match", md[i].model, md[i].w,
                     md[i].l, md[i].nf, md[i].term[0], md[i].term[1], md[i].term[2], md[i].term[3]);
            return why;
        }
        used[found] = 1;
    }
    /* labelled Magic nodes must be halo nets of the same name (a net with
     * two names keeps halo's first, with a name_conflict warning) */
    for (int i = 0; i < m.n; i++)
        if (!strchr(m.name[i], '#') && m.name[i][0] != '$' &&
            strcmp(m.name[i], r->nl->nets[m.net[i]].name) != 0 && !conflict_names(r, m.name[i])) {
            snprintf(why, len, "Magic node %.64s is halo net %.64s", m.name[i], r->nl->nets[m.net[i]].name);
            return why;
        }
    /* every Magic port is a halo port of that name */
    for (int i = 0; i < nmports; i++) {
        int net = netlist_net_find(r->nl, mports[i]);
        if ((net < 0 || !r->nl->nets[net].external) && !conflict_names(r, mports[i])) {
            snprintf(why, len, "Magic port %.64s is no halo port", mports[i]);
            return why;
        }
    }
    if (nmports != r->nl->nports + count_warnings(r, "name_conflict")) {
        snprintf(why, len, "Magic %d ports, halo %d", nmports, r->nl->nports);
        return why;
    }
    return "";
}

static int file_exists(const char *p)
{
    return access(p, R_OK) == 0;
}

/* Run Magic once over the sweep GDS (tools/magic/extract_cells.tcl). */
static void run_magic(const char *dir, const char *techf, const char *src)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "HALO_MAGIC_TECH='%s' HALO_MAGIC_GDS='%s/sweep.gds' HALO_MAGIC_DIR='%s' "
             "magic -dnull -noconsole -rcfile /dev/null '%s/tools/magic/extract_cells.tcl' >'%s/magic.log' 2>&1",
             techf, dir, dir, src, dir);
    if (system(cmd) != 0) printf("    magic failed, see %s/magic.log\n", dir);
}

/* Runs whenever Magic and the PDK's Magic tech are here.  Magic works in a
 * fresh directory under TMPDIR, removed after a pass; HALO_EXTRACT_MAGIC_DIR
 * names a directory to keep its extraction in (and reuse) instead. */
TEST(sweep_agrees_with_magic)
{
    char why[1200], techf[1200], tmp[600];
    if (!unit_on_path("magic")) SKIP("needs Magic: magic not on PATH (Debian package magic)");
    const char *root = unit_pdk_root(why, sizeof why);
    if (!root) SKIP("needs the sky130 PDK's Magic tech: %s", why);
    snprintf(techf, sizeof techf, "%s/sky130A/libs.tech/magic/sky130A.tech", root);
    if (access(techf, R_OK) != 0) SKIP("needs the sky130 PDK's Magic tech: no %s", techf);
    const char *src = getenv("HALO_SRCDIR");
    if (!src || !*src) SKIP("needs tools/magic/extract_cells.tcl: set HALO_SRCDIR to the source tree");
    const char *dir = getenv("HALO_EXTRACT_MAGIC_DIR");
    int scratch = !dir || !*dir;
    if (scratch) {
        const char *t = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/halo_test_extract.XXXXXX", t && *t ? t : "/tmp");
        dir = mkdtemp(tmp);
        CHECK(dir != NULL);
        if (!dir) return;
    }
    lay_lib *lib = lay_lib_new("sweep", tech());
    static devgen_spec specs[200];
    static int cells[200];
    int n = build_sweep(lib, specs, cells);
    n += build_broken(lib, cells + n);
    char path[1024];
    int missing = 0;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s.ext", dir, lib->cells[cells[i]]->name);
        missing += !file_exists(path);
    }
    if (missing) {
        halo_err err;
        snprintf(path, sizeof path, "%s/sweep.gds", dir);
        CHECK_INT(gds_write_file(lib, NULL, 0, path, &err), 0);
        run_magic(dir, techf, src);
    }
    int compared = 0, agree = 0, fingers = 0;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s.ext", dir, lib->cells[cells[i]]->name);
        static mdev md[64];
        int nm = read_ext(path, md, 64);
        if (nm < 0) {
            printf("    %s: no Magic extraction\n", lib->cells[cells[i]]->name);
            continue;
        }
        ext_result *r = extract_cell(lib, cells[i], NULL);
        char why[512];
        const char *bad = compare_magic(r, md, nm, why, sizeof why);
        compared++;
        for (int k = 0; k < nm; k++) fingers += md[k].nf;
        if (bad[0]) printf("    %s: %s\n", lib->cells[cells[i]]->name, bad);
        else agree++;
        extract_free(r);
    }
    printf("    Magic agreement: %d of %d cells (%d Magic devices/fingers)\n", agree, compared, fingers);
    CHECK_INT(compared, n);
    CHECK_INT(agree, compared);
    lay_lib_free(lib);
    if (scratch && !*unit_failed_) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        CHECK_INT(system(cmd), 0);
    }
}

TEST(missing_contacts_are_opens)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int cells[3];
    build_broken(lib, cells);
    /* the G pad's mcon gone: the pad no longer reaches the gate's li1 */
    ext_result *r = extract_cell(lib, cells[0], NULL);
    CHECK_INT(r->nl->ndevs, 1);
    CHECK(strncmp(pin_net(r, &r->nl->devs[0], "G"), "net", 3) == 0);
    CHECK(netlist_net_find(r->nl, "G") >= 0);          /* the pad alone */
    CHECK_STR(pin_net(r, &r->nl->devs[0], "D"), "D");
    extract_free(r);
    /* a source column's licons gone: that diffusion is its own net, so the
     * two fingers no longer share terminals and are two devices */
    r = extract_cell(lib, cells[1], NULL);
    CHECK_INT(r->nl->ndevs, 2);
    for (int i = 0; i < r->nl->ndevs; i++) CHECK_INT(r->nl->devs[i].nf, 1);
    extract_free(r);
    lay_lib_free(lib);
}

TEST(met1_bridge_is_a_short)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int cells[3];
    build_broken(lib, cells);
    ext_result *r = extract_cell(lib, cells[2], NULL);
    CHECK_INT(r->nl->ndevs, 1);
    const netlist_device *dv = &r->nl->devs[0];
    CHECK_STR(pin_net(r, dv, "S"), pin_net(r, dv, "D"));
    CHECK_INT(count_warnings(r, "name_conflict"), 1);
    CHECK_INT(r->nwarnings, 1);
    extract_free(r);
    lay_lib_free(lib);
}

/* A schematic of one nfet with nf fingers of total W on nets D G S B. */
static netlist *schematic(int nf, double w)
{
    netlist *nl = netlist_new("nfet");
    int dv = netlist_device_add(nl, "M1", NL_NMOS, 'X', "sky130_fd_pr__nfet_01v8");
    const char *roles[] = {"D", "G", "S", "B"};
    for (int i = 0; i < 4; i++) netlist_device_add_pin(nl, dv, roles[i], netlist_net_get(nl, roles[i]));
    const char *ports[] = {"S", "D", "G", "B"};      /* the generator's pin order */
    for (int i = 0; i < 4; i++) netlist_add_port(nl, netlist_net_find(nl, ports[i]));
    nl->devs[dv].nf = nf;
    nl->devs[dv].wmode = NETLIST_W_TOTAL;
    netlist_param_set(&nl->devs[dv], "W", w);
    netlist_param_set(&nl->devs[dv], "L", 0.15);
    return nl;
}

TEST(wrong_finger_count_is_seen)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = build_one(lib, "nfet_01v8", 2, 0.15, 4);
    ext_result *r = extract_cell(lib, c, NULL);
    CHECK_INT(r->nl->devs[0].nf, 4);
    CHECK_NEAR(param(&r->nl->devs[0], "W"), 2.0, 1e-9);
    netlist *right = schematic(4, 2.0), *wrong = schematic(3, 2.0);
    char why[256];
    int same = netlist_compare(right, r->nl, 1e-6, why, sizeof why) == 0;
    if (!same) printf("    %s\n", why);
    CHECK(same);
    CHECK_INT(netlist_compare(wrong, r->nl, 1e-6, why, sizeof why) != 0, 1);
    CHECK(strstr(why, "nf") != NULL);
    netlist_free(right);
    netlist_free(wrong);
    extract_free(r);
    lay_lib_free(lib);
}

TEST(label_on_two_pieces_and_label_off_shapes)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = lay_cell_new(lib, "top");
    lay_cell *cell = lib->cells[c];
    int m1 = lay_layer_find(lib, "met1");
    lay_rect_add(cell, m1, lay_box_make(0, 0, 1000, 200), -1);
    lay_rect_add(cell, m1, lay_box_make(0, 1000, 1000, 1200), -1);
    lay_label_add(cell, "VOUT", m1, 500, 100);
    lay_label_add(cell, "VOUT", m1, 500, 1100);
    lay_label_add(cell, "VIN", m1, 5000, 5000);
    ext_result *r = extract_cell(lib, c, NULL);
    CHECK_INT(r->nl->nnets, 2);
    CHECK_INT(count_warnings(r, "label_split"), 1);
    CHECK_INT(count_warnings(r, "pin_unconnected"), 1);
    CHECK(netlist_net_find(r->nl, "VOUT") >= 0);
    CHECK(netlist_net_find(r->nl, "VOUT#2") >= 0);
    CHECK_INT(r->nl->nports, 2);
    for (int i = 0; i < r->nwarnings; i++)
        if (strcmp(r->warnings[i].code, "label_split") == 0)
            CHECK_INT(r->warnings[i].net, netlist_net_find(r->nl, "VOUT#2"));
    extract_free(r);
    lay_lib_free(lib);
}

/* ---------------------------------------------------------------- hand-drawn structures */

static void rect(lay_lib *lib, int c, const char *layer, int32_t x0, int32_t y0, int32_t x1, int32_t y1)
{
    lay_rect_add(lib->cells[c], lay_layer_find(lib, layer), lay_box_make(x0, y0, x1, y1), -1);
}

TEST(pmos_bulk_is_the_nwell_and_its_tap)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = lay_cell_new(lib, "p");
    rect(lib, c, "nwell", -1000, -2000, 3000, 2000);
    rect(lib, c, "diff", 0, 0, 1500, 1000);
    rect(lib, c, "psdm", -200, -200, 1700, 1200);
    rect(lib, c, "poly", 600, -200, 900, 1200);
    rect(lib, c, "lvtn", 0, 0, 1500, 1000);
    rect(lib, c, "tap", 0, -1500, 1500, -1000);
    rect(lib, c, "licon1", 100, -1340, 270, -1170);
    rect(lib, c, "li1", 0, -1400, 400, -1100);
    lay_label_add(lib->cells[c], "VDD", lay_layer_find(lib, "li1"), 200, -1250);
    lay_label_add(lib->cells[c], "WELL", lay_layer_find(lib, "nwell"), 2500, 1500);
    ext_result *r = extract_cell(lib, c, NULL);
    CHECK_INT(r->nl->ndevs, 1);
    const netlist_device *d = &r->nl->devs[0];
    CHECK_STR(d->model, "sky130_fd_pr__pfet_01v8_lvt");
    CHECK_INT(d->type, NL_PMOS);
    CHECK_STR(pin_net(r, d, "B"), "VDD");
    CHECK_INT(count_warnings(r, "name_conflict"), 1);    /* WELL is VDD */
    CHECK_NEAR(param(d, "W"), 1.0, 1e-9);
    CHECK_NEAR(param(d, "L"), 0.3, 1e-9);
    CHECK(strcmp(pin_net(r, d, "S"), pin_net(r, d, "D")) != 0);
    /* AS: 0.6 x 1 um left of the gate; PS without the gate edge: 0.6+1+0.6 */
    CHECK_NEAR(r->geom[0].as, 0.6, 1e-9);
    CHECK_NEAR(r->geom[0].ps, 2.2, 1e-9);
    CHECK_NEAR(r->geom[0].ad, 0.6, 1e-9);
    extract_free(r);
    lay_lib_free(lib);
}

TEST(mim_top_plate_is_not_met3)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int c = lay_cell_new(lib, "cap");
    rect(lib, c, "met3", -500, -500, 5500, 4500);
    rect(lib, c, "capm", 0, 0, 5000, 4000);
    rect(lib, c, "via3", 1000, 1000, 1200, 1200);
    rect(lib, c, "met4", 800, 800, 1400, 1400);
    lay_label_add(lib->cells[c], "TOP", lay_layer_find(lib, "met4"), 1100, 1100);
    lay_label_add(lib->cells[c], "BOT", lay_layer_find(lib, "met3"), -400, -400);
    ext_result *r = extract_cell(lib, c, NULL);
    CHECK_INT(r->nl->ndevs, 1);
    const netlist_device *d = &r->nl->devs[0];
    CHECK_INT(d->type, NL_CAP);
    CHECK_STR(pin_net(r, d, "P"), "TOP");
    CHECK_STR(pin_net(r, d, "N"), "BOT");
    CHECK_NEAR(param(d, "W"), 5.0, 1e-9);
    CHECK_NEAR(param(d, "L"), 4.0, 1e-9);
    CHECK_INT(r->nwarnings, 0);
    extract_free(r);
    lay_lib_free(lib);
}

TEST(ten_thousand_rectangles_extract_as_many_devices)
{
    lay_lib *lib = lay_lib_new("t", tech());
    int dev = build_one(lib, "nfet_01v8", 2, 0.15, 4);
    int top = lay_cell_new(lib, "array");
    lay_box bb = lay_cell_bbox(lib, dev);
    int per = lib->cells[dev]->nrects, n = 0;
    for (int i = 0; n * per < 10000; i++, n++) {
        char name[16];
        snprintf(name, sizeof name, "X%d", i);
        lay_inst_add(lib, top, name, dev, (i % 12) * (bb.x1 - bb.x0 + 2000), (i / 12) * (bb.y1 - bb.y0 + 2000),
                     LAY_R0);
    }
    lay_flat *f = flat_build(lib, top);
    int total = 0;
    for (int l = 0; l < f->nlayers; l++) total += f->layers[l].n;
    struct timespec t0, t1;
    halo_err err;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ext_result *r = extract_run(f, tech(), "array", &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) * 1e-6;
    /* speed is the benchmark's business (flows/bench.tcl); shown for reference */
    printf("    %d rectangles, %d devices, %d nets: %.2f ms\n", total, r->nl->ndevs, r->nl->nnets, ms);
    CHECK(total >= 10000);
    CHECK_INT(r->nl->ndevs, n);
    CHECK_INT(r->nl->nnets, 3 * n + 1);   /* the ptaps all reach the one substrate */
    extract_free(r);
    flat_free(f);
    lay_lib_free(lib);
}

UNIT_MAIN("test_extract")
