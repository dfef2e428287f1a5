/* test_lvs.c -- LVS comparison: equivalent netlists in disguise match, and
 * each kind of layout error is found and named. */
#include "verify/lvs.h"
#include "netlist/spice.h"
#include "base/strutil.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- helpers */

static netlist *read_text(const char *text)
{
    halo_err err;
    return spice_read_text(text, strlen(text), "t.sp", NULL, &err);
}

/* Finger counts as set_fingers would leave them (2 or 3 by position). */
static void set_all_nf(netlist *nl)
{
    for (int i = 0; i < nl->ndevs; i++)
        if (netlist_is_mos(&nl->devs[i])) netlist_set_nf(&nl->devs[i], 2 + i % 2);
}

static netlist *read_example(const char *name)
{
    const char *src = getenv("HALO_SRCDIR");
    const char *bases[] = {src ? src : ".", "../.."};
    halo_err err;
    for (int b = 0; b < 2; b++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/examples/%s/%s.spice", bases[b], name, name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        fclose(f);
        netlist *nl = spice_read_file(path, NULL, &err);
        if (nl) set_all_nf(nl);
        return nl;
    }
    printf("    note: examples/%s not found (set HALO_SRCDIR)\n", name);
    return NULL;
}

/* How the "layout" copy of a netlist is disguised or broken. */
typedef struct xform {
    unsigned seed;              /* 0: same order and names */
    int swap;                   /* swap S/D and P/N of about half the devices */
    int split;                  /* one nf=1 device per finger, as Magic extracts */
    const char *skip;           /* device left out */
    const char *const *rename;  /* old, new, ..., NULL: net names changed */
} xform;

static unsigned next_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xffffff;
}

static const char *renamed(const xform *x, const char *name)
{
    for (int i = 0; x->rename && x->rename[i]; i += 2)
        if (strcmp(x->rename[i], name) == 0) return x->rename[i + 1];
    return name;
}

static void copy_params(netlist_device *to, const netlist_device *from)
{
    for (int p = 0; p < from->nparams; p++) {
        if (from->params[p].text) netlist_param_set_text(to, from->params[p].name, from->params[p].text);
        else netlist_param_set(to, from->params[p].name, from->params[p].value);
    }
    to->nf = from->nf;
    to->wmode = from->wmode;
}

/* One copy of device d (finger k of nf when splitting), pins maybe swapped. */
static void add_copy(netlist *nl, const netlist *src, int d, const int *netmap, const char *name, int swap, int nf)
{
    const netlist_device *s = &src->devs[d];
    int nd = netlist_device_add(nl, name, s->type, s->element, s->model);
    for (int p = 0; p < s->npins; p++) {
        const char *role = s->pins[p].role;
        if (swap && strcmp(role, "D") == 0) role = "S";
        else if (swap && strcmp(role, "S") == 0) role = "D";
        else if (swap && strcmp(role, "P") == 0) role = "N";
        else if (swap && strcmp(role, "N") == 0) role = "P";
        netlist_device_add_pin(nl, nd, role, netmap[s->pins[p].net]);
    }
    copy_params(&nl->devs[nd], s);
    if (nf > 1) {
        netlist_param_set(&nl->devs[nd], "W", netlist_total_w(s) / nf);
        nl->devs[nd].nf = 1;
    }
}

static netlist *disguise(const netlist *src, const xform *x)
{
    netlist *nl = netlist_new(src->name);
    unsigned rs = x->seed;
    int *netmap = calloc((size_t)src->nnets + 1, sizeof *netmap);
    int *perm = calloc((size_t)src->nnets + src->ndevs + 1, sizeof *perm);
    for (int i = 0; i < src->nnets; i++) perm[i] = i;
    for (int i = src->nnets - 1; x->seed && i > 0; i--) {
        int j = (int)(next_rand(&rs) % (unsigned)(i + 1)), t = perm[i];
        perm[i] = perm[j], perm[j] = t;
    }
    for (int k = 0; k < src->nnets; k++) {
        const netlist_net *n = &src->nets[perm[k]];
        char name[64];
        snprintf(name, sizeof name, "net%d", k);
        netmap[perm[k]] = netlist_net_get(nl, n->external || !x->seed ? renamed(x, n->name) : name);
        if (n->external) netlist_add_port(nl, netmap[perm[k]]);
    }
    for (int i = 0; i < src->ndevs; i++) perm[i] = i;
    for (int i = src->ndevs - 1; x->seed && i > 0; i--) {
        int j = (int)(next_rand(&rs) % (unsigned)(i + 1)), t = perm[i];
        perm[i] = perm[j], perm[j] = t;
    }
    for (int k = 0; k < src->ndevs; k++) {
        const netlist_device *s = &src->devs[perm[k]];
        if (x->skip && strcmp(x->skip, s->name) == 0) continue;
        int swap = x->swap && (next_rand(&rs) & 1);
        int nf = x->split && netlist_is_mos(s) ? s->nf : 1;
        char name[128];
        for (int f = 0; f < nf; f++) {
            snprintf(name, sizeof name, nf > 1 ? "L_%s_f%d" : "L_%s", s->name, f);
            add_copy(nl, src, perm[k], netmap, name, swap, nf);
        }
    }
    free(netmap);
    free(perm);
    return nl;
}

static lvs_result *compare(const netlist *layout, const netlist *schematic)
{
    lvs_opts o;
    lvs_opts_default(&o);
    return lvs_compare(layout, schematic, &o);
}

/* Index of the first item of kind whose schematic/layout field contains
 * name (NULL: any), or -1. */
static int find_item(const lvs_result *r, const char *kind, const char *sname, const char *lname)
{
    for (int i = 0; i < r->nitems; i++) {
        const lvs_item *it = &r->items[i];
        if (strcmp(it->kind, kind) != 0) continue;
        if (sname && !strstr(it->schematic, sname)) continue;
        if (lname && !strstr(it->layout, lname)) continue;
        return i;
    }
    return -1;
}

static void dump(const lvs_result *r)
{
    for (int i = 0; i < r->nitems; i++)
        printf("    item %s [%s | %s] %s\n", r->items[i].kind, r->items[i].layout, r->items[i].schematic,
               r->items[i].message);
}

/* Every schematic device maps to the layout copy made from it. */
static int maps_to_copies(const lvs_result *r, const netlist *sch, const netlist *lay)
{
    for (int d = 0; d < sch->ndevs; d++) {
        int m = r->dev_map[d];
        char want[128];
        snprintf(want, sizeof want, "L_%s", sch->devs[d].name);
        if (m < 0 || strncmp(lay->devs[m].name, want, strlen(want)) != 0) return 0;
    }
    return 1;
}

static netlist *ota5t(void) { return read_example("ota_5t"); }

/* ---------------------------------------------------------------- equivalent */

TEST(identical_netlists_match)
{
    netlist *a = ota5t();
    CHECK(a != NULL);
    if (!a) return;
    netlist *b = netlist_clone(a);
    lvs_result *r = compare(b, a);
    CHECK(r->match);
    CHECK_INT(r->nitems, 0);
    CHECK_INT(r->schematic_devices, 6);
    CHECK_INT(r->layout_devices, 6);
    CHECK_INT(r->schematic_nets, 8);
    for (int d = 0; d < a->ndevs; d++) CHECK_INT(r->dev_map[d], d);
    for (int n = 0; n < a->nnets; n++) CHECK_INT(r->net_map[n], n);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}

TEST(renamed_nets_and_reordered_devices_match)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    xform x = {12345, 0, 0, NULL, NULL};
    netlist *b = disguise(a, &x);
    lvs_result *r = compare(b, a);
    CHECK(r->match);
    if (!r->match) dump(r);
    CHECK(maps_to_copies(r, a, b));
    int tail = netlist_net_find(a, "tail");
    CHECK(r->net_map[tail] >= 0 && strncmp(b->nets[r->net_map[tail]].name, "net", 3) == 0);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}

TEST(ota_5t_shuffled_and_sd_swapped_matches)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    for (unsigned seed = 1; seed <= 20; seed++) {
        xform x = {seed, 1, 0, NULL, NULL};
        netlist *b = disguise(a, &x);
        lvs_result *r = compare(b, a);
        CHECK(r->match);
        if (!r->match) dump(r);
        CHECK(maps_to_copies(r, a, b));
        lvs_free(r);
        netlist_free(b);
    }
    netlist_free(a);
}

TEST(split_fingers_match_nf_form)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    xform x = {7, 1, 1, NULL, NULL};
    netlist *b = disguise(a, &x);
    CHECK(b->ndevs > a->ndevs);
    lvs_result *r = compare(b, a);
    CHECK(r->match);
    if (!r->match) dump(r);
    CHECK_INT(r->layout_devices, 6);
    CHECK(maps_to_copies(r, a, b));
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}

TEST(multiplier_and_parallel_passives)
{
    netlist *s = read_text(".subckt t a b g vss\n"
                           "XM1 a g b vss sky130_fd_pr__nfet_01v8 W=4 L=0.5 nf=2 m=2\n"
                           "XC1 a vss sky130_fd_pr__cap_mim_m3_1 W=10 L=10 MF=2\n"
                           "XR1 a b vss sky130_fd_pr__res_high_po_0p35 L=5\n"
                           ".ends\n");
    netlist *l = read_text(".subckt t a b g vss\n"
                           "XA b g a vss sky130_fd_pr__nfet_01v8 W=2 L=0.5 nf=1\n"
                           "XB a g b vss sky130_fd_pr__nfet_01v8 W=2 L=0.5 nf=1\n"
                           "XD a g b vss sky130_fd_pr__nfet_01v8 W=4 L=0.5 nf=2\n"
                           "XC vss a sky130_fd_pr__cap_mim_m3_1 W=10 L=10\n"
                           "XE a vss sky130_fd_pr__cap_mim_m3_1 W=10 L=10\n"
                           "XR b a vss sky130_fd_pr__res_high_po W=0.35 L=5\n"
                           ".ends\n");
    CHECK(s && l);
    if (!s || !l) return;
    lvs_result *r = compare(l, s);
    CHECK(r->match);
    if (!r->match) dump(r);
    CHECK_INT(r->layout_devices, 3);
    lvs_free(r);
    /* one parallel finger fewer: total W and nf are short */
    netlist *l2 = read_text(".subckt t a b g vss\n"
                            "XA b g a vss sky130_fd_pr__nfet_01v8 W=2 L=0.5 nf=1\n"
                            "XD a g b vss sky130_fd_pr__nfet_01v8 W=4 L=0.5 nf=2\n"
                            "XC vss a sky130_fd_pr__cap_mim_m3_1 W=10 L=10\n"
                            "XR b a vss sky130_fd_pr__res_high_po_0p35 L=5\n"
                            ".ends\n");
    r = compare(l2, s);
    CHECK(!r->match);
    CHECK(find_item(r, "property", "XM1", NULL) >= 0);
    CHECK(find_item(r, "property", "XC1", NULL) >= 0);
    lvs_free(r);
    netlist_free(s);
    netlist_free(l);
    netlist_free(l2);
}

/* Fully symmetric differential stage: every left/right swap is an
 * automorphism; names pick the orientation, sizes the halves. */
TEST(symmetric_circuit_matches)
{
    netlist *s = read_text(".subckt d inp inn outp outn vdd vss vb\n"
                           "XM1 outp inp tail vss sky130_fd_pr__nfet_01v8 W=4 L=0.5 nf=2\n"
                           "XM2 outn inn tail vss sky130_fd_pr__nfet_01v8 W=4 L=0.5 nf=2\n"
                           "XM3 tail vb vss vss sky130_fd_pr__nfet_01v8 W=8 L=1 nf=4\n"
                           "XM4 outp vb2 vdd vdd sky130_fd_pr__pfet_01v8 W=4 L=0.5 nf=2\n"
                           "XM5 outn vb2 vdd vdd sky130_fd_pr__pfet_01v8 W=4 L=0.5 nf=2\n"
                           "XM6 vb2 vb2 vdd vdd sky130_fd_pr__pfet_01v8 W=2 L=0.5 nf=1\n"
                           "XM7 vb2 vb vss vss sky130_fd_pr__nfet_01v8 W=2 L=1 nf=1\n"
                           "XC1 x1 vss sky130_fd_pr__cap_mim_m3_1 W=10 L=10\n"
                           "XC2 x2 vss sky130_fd_pr__cap_mim_m3_1 W=20 L=20\n"
                           "XR1 outp x1 vss sky130_fd_pr__res_high_po_0p35 L=5\n"
                           "XR2 outn x2 vss sky130_fd_pr__res_high_po_0p35 L=5\n"
                           ".ends\n");
    CHECK(s != NULL);
    if (!s) return;
    for (unsigned seed = 1; seed <= 10; seed++) {
        xform x = {seed * 77, 1, 0, NULL, NULL};
        netlist *l = disguise(s, &x);
        lvs_result *r = compare(l, s);
        CHECK(r->match);
        if (!r->match) dump(r);
        int inp = netlist_net_find(s, "inp");
        CHECK_STR(l->nets[r->net_map[inp]].name, "inp");
        lvs_free(r);
        netlist_free(l);
    }
    netlist_free(s);
}

/* ---------------------------------------------------------------- broken */

static netlist *shuffled_ota(const netlist *a, const char *skip, const char *const *rename)
{
    xform x = {4242, 1, 0, skip, rename};
    return disguise(a, &x);
}

static int dev_index(const netlist *l, const char *name)
{
    return netlist_device_find(l, name);
}

TEST(swapped_gate_and_drain_labels_are_port_errors)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    static const char *const swap[] = {"VINN", "VOUT", "VOUT", "VINN", NULL};
    netlist *b = shuffled_ota(a, NULL, swap);
    lvs_result *r = compare(b, a);
    CHECK(!r->match);
    CHECK(find_item(r, "port", "VINN", "VOUT") >= 0);
    CHECK(find_item(r, "port", "VOUT", "VINN") >= 0);
    CHECK(find_item(r, "device", NULL, NULL) < 0);
    CHECK(find_item(r, "net", NULL, NULL) < 0);
    lvs_free(r);
    lvs_opts o;
    lvs_opts_default(&o);
    o.check_ports = 0;   /* what Netgen does: the structure alone matches */
    r = lvs_compare(b, a, &o);
    CHECK(r->match);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}

TEST(open_names_the_split_net)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    netlist *b = shuffled_ota(a, NULL, NULL);
    /* XM4's gate loses its contact to the mirror node n1 */
    int d = dev_index(b, "L_XM4");
    for (int p = 0; p < b->devs[d].npins; p++)
        if (strcmp(b->devs[d].pins[p].role, "G") == 0) b->devs[d].pins[p].net = netlist_net_get(b, "net99");
    lvs_result *r = compare(b, a);
    CHECK(!r->match);
    int i = find_item(r, "net", "n1", NULL);
    CHECK(i >= 0);
    if (i >= 0) CHECK(strstr(r->items[i].message, "open") != NULL);
    if (i < 0) dump(r);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}

TEST(short_names_both_nets)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    netlist *b = shuffled_ota(a, NULL, NULL);
    /* the mirror node n1 is shorted to tail */
    int n1 = -1, tail = -1;
    for (int d = 0; d < b->ndevs; d++)
        for (int p = 0; p < b->devs[d].npins; p++) {
            if (strcmp(b->devs[d].name, "L_XM3") == 0 && strcmp(b->devs[d].pins[p].role, "G") == 0)
                n1 = b->devs[d].pins[p].net;
            if (strcmp(b->devs[d].name, "L_XM5") == 0 && strcmp(b->devs[d].pins[p].role, "G") != 0 &&
                !b->nets[b->devs[d].pins[p].net].external)
                tail = b->devs[d].pins[p].net;   /* D or S: copied maybe swapped */
        }
    CHECK(n1 >= 0 && tail >= 0);
    for (int d = 0; d < b->ndevs; d++)
        for (int p = 0; p < b->devs[d].npins; p++)
            if (b->devs[d].pins[p].net == tail) b->devs[d].pins[p].net = n1;
    lvs_result *r = compare(b, a);
    CHECK(!r->match);
    int i = find_item(r, "net", "n1", NULL);
    CHECK(i >= 0 && strstr(r->items[i].schematic, "tail") && strstr(r->items[i].message, "short"));
    if (i < 0) dump(r);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}

TEST(missing_device_is_named)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    netlist *b = shuffled_ota(a, "XM6", NULL);
    lvs_result *r = compare(b, a);
    CHECK(!r->match);
    CHECK(find_item(r, "device", "XM6", NULL) >= 0);
    CHECK(find_item(r, "count", NULL, NULL) >= 0);
    CHECK(find_item(r, "device", "XM5", NULL) < 0);
    /* the other devices are still paired */
    CHECK(r->dev_map[netlist_device_find(a, "XM1")] == dev_index(b, "L_XM1"));
    if (find_item(r, "device", "XM6", NULL) < 0) dump(r);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}

TEST(extra_device_is_named)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    netlist *b = shuffled_ota(a, NULL, NULL);
    int d = netlist_device_add(b, "XEXTRA", NL_CAP, 'X', "sky130_fd_pr__cap_mim_m3_1");
    netlist_device_add_pin(b, d, "P", netlist_net_find(b, "VOUT"));
    netlist_device_add_pin(b, d, "N", netlist_net_find(b, "VSS"));
    netlist_param_set(&b->devs[d], "W", 5);
    netlist_param_set(&b->devs[d], "L", 5);
    lvs_result *r = compare(b, a);
    CHECK(!r->match);
    CHECK(find_item(r, "device", NULL, "XEXTRA") >= 0);
    CHECK(find_item(r, "device", "XM", NULL) < 0);
    if (find_item(r, "device", NULL, "XEXTRA") < 0) dump(r);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}

/* A property changed on the layout copy of XM<n> is reported on XM<n>. */
static void check_property(const char *dev, const char *what, double value, int nf, const char *expect,
                           int *unit_failed_)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    netlist *b = shuffled_ota(a, NULL, NULL);
    char lname[64];
    snprintf(lname, sizeof lname, "L_%s", dev);
    netlist_device *d = &b->devs[dev_index(b, lname)];
    if (what) netlist_param_set(d, what, value);
    if (nf) d->nf = nf;
    lvs_result *r = compare(b, a);
    CHECK(!r->match);
    int i = find_item(r, "property", dev, lname);
    CHECK(i >= 0);
    if (i >= 0) CHECK(strstr(r->items[i].message, expect) != NULL);
    CHECK_INT(r->nitems, 1);
    if (r->nitems != 1) dump(r);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}

TEST(wrong_w_l_nf_are_property_errors)
{
    check_property("XM1", "W", 12, 0, "W 16", unit_failed_);
    check_property("XM5", "L", 0.6, 0, "L 1", unit_failed_);
    check_property("XM3", NULL, 0, 5, "wrong finger count", unit_failed_);
}

TEST(tolerance_is_relative)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    netlist *b = netlist_clone(a);
    netlist_param_set(&b->devs[0], "W", 16.1);   /* 0.6 % off */
    lvs_result *r = compare(b, a);
    CHECK(r->match);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}


/* Netgen accepted a pin left floating by a missing contact: the label sits
 * on a lone piece of metal and the real output is an unnamed net. */
TEST(floating_pin_names_the_port)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    static const char *const rename[] = {"VOUT", "net77", NULL};
    netlist *b = shuffled_ota(a, NULL, rename);
    netlist_add_port(b, netlist_net_get(b, "VOUT"));   /* the floating label */
    lvs_result *r = compare(b, a);
    CHECK(!r->match);
    int i = find_item(r, "net", "VOUT", NULL);
    CHECK(i >= 0 && strstr(r->items[i].layout, "net77") && strstr(r->items[i].message, "open"));
    if (i < 0) dump(r);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}

TEST(wrong_gate_connection_is_found)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    netlist *b = shuffled_ota(a, NULL, NULL);
    netlist_device *d = &b->devs[dev_index(b, "L_XM2")];
    for (int p = 0; p < d->npins; p++)
        if (strcmp(d->pins[p].role, "G") == 0) d->pins[p].net = netlist_net_find(b, "VINP");
    lvs_result *r = compare(b, a);
    CHECK(!r->match);
    /* XM2 still pairs with its copy; VINN lost its only terminal to VINP */
    CHECK(r->dev_map[netlist_device_find(a, "XM2")] == dev_index(b, "L_XM2"));
    CHECK(find_item(r, "net", "VINN", NULL) >= 0);
    if (find_item(r, "net", "VINN", NULL) < 0) dump(r);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
}

TEST(placeholder_nf_and_empty_netlists)
{
    netlist *a = ota5t();
    if (!a) { CHECK(0); return; }
    netlist *s = netlist_clone(a);
    for (int i = 0; i < s->ndevs; i++) s->devs[i].nf = 0;   /* nf=ZZZ: not compared */
    lvs_result *r = compare(a, s);
    CHECK(r->match);
    lvs_free(r);
    netlist *e1 = netlist_new("e"), *e2 = netlist_new("e");
    r = compare(e1, e2);
    CHECK(r->match);
    CHECK_INT(r->nitems, 0);
    lvs_free(r);
    r = compare(e1, a);
    CHECK(!r->match);
    CHECK(find_item(r, "count", NULL, NULL) >= 0);
    CHECK(find_item(r, "device", "XM1", NULL) >= 0);
    for (int d = 0; d < a->ndevs; d++) CHECK_INT(r->dev_map[d], -1);
    lvs_free(r);
    netlist_free(e1);
    netlist_free(e2);
    netlist_free(s);
    netlist_free(a);
}


/* 50 identical cells between shared nets: every cell is any other's
 * image, so the missing one may be named as any copy -- but exactly one
 * device is missing and the rest pair up cell by cell. */
TEST(missing_device_among_identical_cells)
{
    su_buf b = {0};
    su_buf_add(&b, ".subckt cells in out vdd vss vb\n");
    for (int i = 0; i < 50; i++) {
        su_buf_printf(&b, "XA%d m%d in t%d vss sky130_fd_pr__nfet_01v8 W=2 L=0.5 nf=1\n", i, i, i);
        su_buf_printf(&b, "XB%d out m%d t%d vss sky130_fd_pr__nfet_01v8 W=2 L=0.5 nf=1\n", i, i, i);
        su_buf_printf(&b, "XC%d t%d vb vss vss sky130_fd_pr__nfet_01v8 W=4 L=1 nf=2\n", i, i);
    }
    su_buf_add(&b, ".ends\n");
    netlist *a = read_text(b.s);
    su_buf_free(&b);
    CHECK(a != NULL);
    if (!a) return;
    xform x = {3, 1, 0, NULL, NULL};
    netlist *l = disguise(a, &x);
    lvs_result *r = compare(l, a);
    CHECK(r->match);
    lvs_free(r);
    netlist_free(l);
    xform y = {3, 1, 0, "XC17", NULL};
    l = disguise(a, &y);
    r = compare(l, a);
    CHECK(!r->match);
    int ndev = 0;
    for (int i = 0; i < r->nitems; i++) ndev += strcmp(r->items[i].kind, "device") == 0;
    CHECK_INT(ndev, 1);
    CHECK(find_item(r, "device", "XC", NULL) >= 0);
    CHECK(r->nitems <= 6);
    if (r->nitems > 6) dump(r);
    lvs_free(r);
    netlist_free(l);
    netlist_free(a);
}

/* ---------------------------------------------------------------- examples */

TEST(examples_match_shuffled_copies)
{
    const char *names[] = {"ota_5t", "miller_ota", "ahuja_ota", "ff_ota", "lpf"};
    for (int e = 0; e < 5; e++) {
        netlist *a = read_example(names[e]);
        CHECK(a != NULL);
        if (!a) continue;
        for (unsigned seed = 1; seed <= 5; seed++) {
            xform x = {seed * 31 + (unsigned)e, 1, seed % 2, NULL, NULL};
            netlist *b = disguise(a, &x);
            lvs_result *r = compare(b, a);
            CHECK(r->match);
            if (!r->match) printf("    %s seed %u\n", names[e], seed), dump(r);
            CHECK(maps_to_copies(r, a, b));
            lvs_free(r);
            netlist_free(b);
        }
        /* and one broken copy of each: a device missing */
        xform x = {99, 1, 0, "XM2", NULL};
        netlist *b = disguise(a, &x);
        lvs_result *r = compare(b, a);
        CHECK(!r->match && find_item(r, "device", "XM2", NULL) >= 0);
        if (find_item(r, "device", "XM2", NULL) < 0) printf("    %s\n", names[e]), dump(r);
        lvs_free(r);
        netlist_free(b);
        netlist_free(a);
    }
}

/* ---------------------------------------------------------------- speed */

/* n cells of a 4-transistor stage chained through distinct nets. */
static netlist *big_netlist(int cells)
{
    su_buf b = {0};
    su_buf_add(&b, ".subckt big in out vdd vss vb\n");
    for (int i = 0; i < cells; i++) {
        char prev[32], next[32];
        snprintf(prev, sizeof prev, i ? "s%d" : "in", i);
        snprintf(next, sizeof next, i + 1 < cells ? "s%d" : "out", i + 1);
        su_buf_printf(&b, "XA%d m%d %s t%d vss sky130_fd_pr__nfet_01v8 W=2 L=0.5 nf=1\n", i, i, prev, i);
        su_buf_printf(&b, "XB%d %s m%d t%d vss sky130_fd_pr__nfet_01v8 W=2 L=0.5 nf=1\n", i, next, i, i);
        su_buf_printf(&b, "XC%d t%d vb vss vss sky130_fd_pr__nfet_01v8 W=4 L=1 nf=2\n", i, i);
        su_buf_printf(&b, "XD%d m%d m%d vdd vdd sky130_fd_pr__pfet_01v8 W=2 L=0.5 nf=1\n", i, i, i);
    }
    su_buf_add(&b, ".ends\n");
    netlist *nl = read_text(b.s);
    su_buf_free(&b);
    return nl;
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

TEST(thousand_devices_match_and_one_missing_is_named)
{
    netlist *a = big_netlist(250);
    CHECK(a && a->ndevs == 1000);
    if (!a) return;
    xform x = {5, 1, 0, NULL, NULL};
    netlist *b = disguise(a, &x);
    double t0 = seconds();
    lvs_result *r = compare(b, a);
    double dt = seconds() - t0;
    CHECK(r->match);
    CHECK(maps_to_copies(r, a, b));
    printf("    1000 devices: %.1f ms\n", dt * 1e3);
    lvs_free(r);
    /* the times are for reference; speed is the benchmark's business */
    netlist *c = disguise(a, &(xform){6, 1, 0, "XB123", NULL});
    t0 = seconds();
    r = compare(c, a);
    dt = seconds() - t0;
    CHECK(!r->match && find_item(r, "device", "XB123", NULL) >= 0);
    printf("    1000 devices, one missing: %.1f ms, %d items\n", dt * 1e3, r->nitems);
    lvs_free(r);
    netlist_free(a);
    netlist_free(b);
    netlist_free(c);
}

UNIT_MAIN("test_lvs")
