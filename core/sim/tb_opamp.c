/*
 * tb_opamp.c -- the op-amp characterisation deck: options, the shared
 * model lines, the five instances of the design and their sources.  The
 * metrics and the ngspice -b script are in tb_opamp_measure.c; the
 * definitions in tb_opamp.h.
 */
#include "tb_opamp.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

void opamp_tb_defaults(opamp_tb_opts *o)
{
    o->vdd = 1.8;
    o->vcm = NAN;
    o->cl = 1e-12;
    o->ibias = 10e-6;
    o->vbias = NAN;
    o->noninv = NULL;
    o->gain_k = 5;
    o->ac_fstart_hz = 1;
    o->ac_fstop_hz = 10e9;
    o->ac_points_per_decade = 20;
    o->dc_step_v = 0.01;
    o->step_v = 0.3;
    o->tran_edge_s = 1e-9;
    o->tran_width_s = 1e-6;
    o->tran_step_s = 1e-9;
    o->tran_max_step_s = 20e-9;
}

const char *opamp_tb_region_name(opamp_region r)
{
    static const char *const names[] = {"saturation", "triode", "off", "unknown"};
    return names[(unsigned)r <= OPAMP_UNKNOWN ? r : OPAMP_UNKNOWN];
}

/* A message of the table whose "%s" body is formatted here. */
static int opc_fail(halo_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int opc_fail(halo_err *err, const char *fmt, ...)
{
    char body[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return halo_err_set(err, HALO_E_OPC_PORTS, NULL, 0, body);
}

/* ------------------------------------------------------------ models */

/* The first token of a line (lower case, malloc'd), skipping blanks. */
static char *first_token(const char *line, const char **rest)
{
    while (isspace((unsigned char)*line)) line++;
    const char *e = line;
    while (*e && !isspace((unsigned char)*e)) e++;
    if (rest) *rest = e;
    char *t = su_strndup(line, (size_t)(e - line));
    su_lower(t);
    return t;
}

/* Record, per subcircuit of the model text, the first M element inside:
 * ngspice names the device of an instance X1 of it "m.x1.<that name>". */
static void find_inner_mos(opamp_tb_models *m)
{
    char *open = NULL;
    int cap = 0;
    for (int i = 0; i < m->nlines; i++) {
        const char *rest;
        char *w = first_token(m->lines[i], &rest);
        if (strcmp(w, ".subckt") == 0) {
            free(open);
            open = first_token(rest, NULL);
        } else if (strcmp(w, ".ends") == 0) {
            free(open);
            open = NULL;
        } else if (open && w[0] == 'm') {
            su_grow((void **)&m->subckt, &cap, m->ninner + 1, sizeof *m->subckt);
            m->inner = halo_xrealloc(m->inner, (size_t)cap * sizeof *m->inner);
            m->subckt[m->ninner] = open;
            m->inner[m->ninner++] = w;
            open = NULL;   /* the first M element only */
            continue;
        }
        free(w);
    }
    free(open);
}

void opamp_tb_models_init(opamp_tb_models *m, const tb_models *src)
{
    memset(m, 0, sizeof *m);
    su_strvec s = {0};
    if (src->text) {
        su_strvec_push_lines(&s, src->text);
    } else {
        su_strvec_printf(&s, ".lib \"%s\" %s", src->lib_path, src->corner ? src->corner : "tt");
    }
    m->lines = s.v;
    m->nlines = s.n;
    m->label = su_strdup(src->label ? src->label : "models");
    find_inner_mos(m);
}

void opamp_tb_models_free(opamp_tb_models *m)
{
    for (int i = 0; i < m->nlines; i++) free(m->lines[i]);
    for (int i = 0; i < m->ninner; i++) {
        free(m->subckt[i]);
        free(m->inner[i]);
    }
    free(m->lines);
    free(m->subckt);
    free(m->inner);
    free(m->label);
    memset(m, 0, sizeof *m);
}

/* The MOS element inside model subcircuit `model`: from the model text,
 * else the foundry library's convention, "m" + the subcircuit's name (a
 * deck that only names the library with .lib). */
static void inner_name(const opamp_tb_models *m, const char *model, char *out, size_t n)
{
    char low[256];
    snprintf(low, sizeof low, "%s", model);
    su_lower(low);
    for (int i = 0; i < m->ninner; i++)
        if (strcmp(m->subckt[i], low) == 0) {
            snprintf(out, n, "%s", m->inner[i]);
            return;
        }
    snprintf(out, n, "m%s", low);
}

/* ------------------------------------------------------------ ports */

/* What each port of the design is in the testbench. */
typedef struct plan {
    int out;             /* port index of the output */
    int inp, inn;        /* of the non-inverting and inverting inputs */
} plan;

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && su_casecmp(s + n - k, suffix) == 0;
}

/* +1 a non-inverting name, -1 an inverting one, 0 neither. */
static int input_sense(const char *name)
{
    static const char *const plus[] = {"plus", "pos", "p", "+"};
    static const char *const minus[] = {"minus", "neg", "n", "m", "-"};
    for (size_t i = 0; i < sizeof plus / sizeof *plus; i++)
        if (ends_with_ci(name, plus[i])) return 1;
    for (size_t i = 0; i < sizeof minus / sizeof *minus; i++)
        if (ends_with_ci(name, minus[i])) return -1;
    return 0;
}

static const char *port_name(const netlist *nl, int port)
{
    return nl->nets[nl->ports[port]].name;
}

static netlist_netrole port_role(const netlist *nl, int port)
{
    return nl->nets[nl->ports[port]].role;
}

/* Which input is which: opts->noninv, else the names. */
static int pick_inputs(const netlist *nl, const int in[2], const char *noninv, plan *p, halo_err *err)
{
    const char *a = port_name(nl, in[0]), *b = port_name(nl, in[1]);
    if (noninv) {
        int k = su_casecmp(a, noninv) == 0 ? 0 : su_casecmp(b, noninv) == 0 ? 1 : -1;
        if (k < 0)
            return opc_fail(err, "The non-inverting input \"%s\" is not one of %s's inputs (%s, %s).", noninv,
                            nl->name, a, b);
        p->inp = in[k];
        p->inn = in[1 - k];
        return 0;
    }
    int sa = input_sense(a), sb = input_sense(b);
    if (sa == -sb && sa != 0) {
        p->inp = sa > 0 ? in[0] : in[1];
        p->inn = sa > 0 ? in[1] : in[0];
        return 0;
    }
    return opc_fail(err,
                    "Cannot tell which input of %s is non-inverting from the names %s and %s (expected one "
                    "like VINP, INP, IN+ and one like VINN, INN, IN-); name it with -noninv PORT.",
                    nl->name, a, b);
}

/* The roles the testbench can drive, and the ports it needs. */
static int make_plan(const netlist *nl, const char *noninv, plan *p, halo_err *err)
{
    int in[2] = {-1, -1}, nin = 0, nvdd = 0;
    p->out = -1;
    for (int i = 0; i < nl->nports; i++) {
        netlist_netrole r = port_role(nl, i);
        if (r == NL_INPUT_V) {
            if (nin == 2)
                return opc_fail(err, "%s has more than two input_v ports; the op-amp testbench drives two.",
                                nl->name);
            in[nin++] = i;
        } else if (r == NL_OUTPUT_V) {
            if (p->out >= 0)
                return opc_fail(err, "%s has two output_v ports (%s, %s); the op-amp testbench measures a "
                                     "single-ended output.", nl->name, port_name(nl, p->out), port_name(nl, i));
            p->out = i;
        } else if (r == NL_SUPPLY_POS) {
            nvdd++;
        } else if (r != NL_SUPPLY_NEG && r != NL_BIAS_CURRENT && r != NL_BIAS_VOLTAGE) {
            return opc_fail(err,
                            "The op-amp testbench cannot drive port %s of %s, whose role is %s; give it one of "
                            "supply_pos supply_neg input_v output_v bias_current bias_voltage "
                            "(read_testbench -roles).", port_name(nl, i), nl->name, netlist_netrole_name(r));
        }
    }
    if (nin != 2 || p->out < 0 || nvdd == 0)
        return opc_fail(err, "The op-amp testbench needs two input_v ports, an output_v port and a supply_pos "
                             "port; %s has %d input%s, %s output and %s supply.", nl->name, nin,
                        nin == 1 ? "" : "s", p->out < 0 ? "no" : "an", nvdd ? "a" : "no");
    return pick_inputs(nl, in, noninv, p, err);
}

/* Does a PMOS gate hang on this net (so the bias current flows out of it)? */
static int pmos_biased(const netlist *nl, int net)
{
    for (int d = 0; d < nl->ndevs; d++) {
        const netlist_device *dev = &nl->devs[d];
        for (int p = 0; p < dev->npins; p++)
            if (dev->pins[p].net == net && strcmp(dev->pins[p].role, "G") == 0) return dev->type == NL_PMOS;
    }
    return 0;
}

/* ------------------------------------------------------------ instances */

typedef struct inst {
    const char *tag;     /* ol cm ps fo gk */
    const char *inp;     /* node of the non-inverting input, NULL: inp_<tag> */
    const char *inn;     /* of the inverting input, NULL: inn_<tag> */
} inst;

/* The node an instance connects to port i. */
static void port_node(const netlist *nl, const plan *p, const inst *in, int i, char *buf, size_t n)
{
    netlist_netrole r = port_role(nl, i);
    if (r == NL_SUPPLY_NEG) snprintf(buf, n, "0");
    else if (r == NL_SUPPLY_POS) snprintf(buf, n, "vdd_%s", in->tag);
    else if (i == p->out) snprintf(buf, n, "out_%s", in->tag);
    else if (i == p->inp && in->inp) snprintf(buf, n, "%s", in->inp);
    else if (i == p->inp) snprintf(buf, n, "inp_%s", in->tag);
    else if (i == p->inn && in->inn) snprintf(buf, n, "%s", in->inn);
    else if (i == p->inn) snprintf(buf, n, "inn_%s", in->tag);
    else snprintf(buf, n, "b_%s_%s", port_name(nl, i), in->tag);
    su_lower(buf);
}

/* The instance line, its supply (AC 1 when vdd_ac), bias sources and load. */
static void add_instance(su_strvec *L, const netlist *nl, const plan *p, const inst *in, const opamp_tb_opts *o,
                         int vdd_ac)
{
    char node[300];
    su_buf b = {0};
    su_buf_printf(&b, "x%s", in->tag);
    for (int i = 0; i < nl->nports; i++) {
        port_node(nl, p, in, i, node, sizeof node);
        su_buf_printf(&b, " %s", node);
    }
    su_buf_printf(&b, " %s", nl->name);
    su_strvec_push(L, b.s);
    su_strvec_printf(L, "vdd_%s vdd_%s 0 dc %.12g%s", in->tag, in->tag, o->vdd, vdd_ac ? " ac 1" : "");
    for (int i = 0; i < nl->nports; i++) {
        netlist_netrole r = port_role(nl, i);
        port_node(nl, p, in, i, node, sizeof node);
        if (r == NL_BIAS_CURRENT && pmos_biased(nl, nl->ports[i]))
            su_strvec_printf(L, "i%s %s 0 dc %.12g", node, node, o->ibias);
        else if (r == NL_BIAS_CURRENT)
            su_strvec_printf(L, "i%s vdd_%s %s dc %.12g", node, in->tag, node, o->ibias);
        else if (r == NL_BIAS_VOLTAGE)
            su_strvec_printf(L, "v%s %s 0 dc %.12g", node, node, o->vbias);
    }
    su_strvec_printf(L, "cl_%s out_%s 0 %.12g", in->tag, in->tag, o->cl);
}

/* The three AC instances: open loop, common mode, supply. */
static void add_ac_instances(su_strvec *L, const netlist *nl, const plan *p, const opamp_tb_opts *o)
{
    static const inst ol = {"ol", NULL, NULL}, cm = {"cm", NULL, NULL}, ps = {"ps", NULL, NULL};
    su_strvec_push(L, su_strdup("* open loop, differential AC: DC feedback through 1 GH, AC ground through 1 F"));
    add_instance(L, nl, p, &ol, o, 0);
    su_strvec_printf(L, "vinp_ol inp_ol 0 dc %.12g ac 1", o->vcm);
    su_strvec_push(L, su_strdup("lfb_ol out_ol inn_ol 1G"));
    su_strvec_push(L, su_strdup("cfb_ol inn_ol 0 1"));
    su_strvec_push(L, su_strdup("* common mode: the same DC loop, AC 1 on both inputs"));
    add_instance(L, nl, p, &cm, o, 0);
    su_strvec_printf(L, "vinp_cm inp_cm 0 dc %.12g ac 1", o->vcm);
    su_strvec_push(L, su_strdup("lfb_cm out_cm lp_cm 1G"));
    su_strvec_push(L, su_strdup("cfb_cm lp_cm 0 1"));
    /* the AC in series after the 1 F: a 1 F capacitor to a source node
     * instead makes ngspice's transient take five times the steps */
    su_strvec_push(L, su_strdup("vinn_cm inn_cm lp_cm dc 0 ac 1"));
    su_strvec_push(L, su_strdup("* supply: the same DC loop, AC 1 on this instance's VDD"));
    add_instance(L, nl, p, &ps, o, 1);
    su_strvec_printf(L, "vinp_ps inp_ps 0 dc %.12g", o->vcm);
    su_strvec_push(L, su_strdup("lfb_ps out_ps inn_ps 1G"));
    su_strvec_push(L, su_strdup("cfb_ps inn_ps 0 1"));
}

/* The follower and the gain-K instance, both driven by vsw. */
static void add_dc_instances(su_strvec *L, const netlist *nl, const plan *p, const opamp_tb_opts *o,
                             const opamp_tb_deck *d)
{
    static const inst fo = {"fo", "sw", "out_fo"}, gk = {"gk", NULL, NULL};
    /* Two sources in series: vsw's DC value is swept, vstep's pulse makes
     * the slew step.  vstep starts at 0, so where ngspice falls back on a
     * transient operating point in the sweep (its sources at t = 0) the
     * input is still vsw's value, not the pulse's. */
    su_strvec_push(L, su_strdup("* the input of both: vsw is swept in DC, vstep in series makes the slew step"));
    su_strvec_printf(L, "vsw swd 0 dc %.12g", o->vcm - o->step_v);
    su_strvec_printf(L, "vstep sw swd dc 0 pulse(0 %.12g %.12g %.12g %.12g %.12g %.12g)", 2 * o->step_v, d->t_rise,
              o->tran_edge_s, o->tran_edge_s, o->tran_width_s, 2 * d->t_stop);
    su_strvec_push(L, su_strdup("* unity-gain follower"));
    add_instance(L, nl, p, &fo, o, 0);
    su_strvec_printf(L, "* non-inverting gain %.12g: loss-less E-source input and feedback dividers", o->gain_k);
    add_instance(L, nl, p, &gk, o, 0);
    su_strvec_printf(L, "vcm_gk cm_gk 0 dc %.12g", o->vcm);
    su_strvec_printf(L, "ein_gk inp_gk cm_gk sw cm_gk %.12g", 1.0 / o->gain_k);
    su_strvec_printf(L, "efb_gk inn_gk cm_gk out_gk cm_gk %.12g", 1.0 / o->gain_k);
}

/* The element name halo's SPICE writer gives a device (its letter added
 * when the name lacks it), lower case, as ngspice names it. */
static void written_name(const netlist_device *dev, char *out, size_t n)
{
    if (tolower((unsigned char)dev->name[0]) != tolower((unsigned char)dev->element))
        snprintf(out, n, "%c%s", dev->element, dev->name);
    else
        snprintf(out, n, "%s", dev->name);
    su_lower(out);
}

/* The MOS devices of xol and the .save lines of their operating point. */
static void add_devices(su_strvec *L, const netlist *nl, const opamp_tb_models *m, opamp_tb_deck *d)
{
    for (int i = 0; i < nl->ndevs; i++) {
        const netlist_device *dev = &nl->devs[i];
        if (!netlist_is_mos(dev)) continue;
        char name[300], inner[300], stem[700];
        written_name(dev, name, sizeof name);
        if (dev->element == 'X') {
            inner_name(m, dev->model, inner, sizeof inner);
            snprintf(stem, sizeof stem, "@m.xol.%s.%s", name, inner);
        } else {
            snprintf(stem, sizeof stem, "@m.xol.%s", name);
        }
        d->dev_names = halo_xrealloc(d->dev_names, (size_t)(d->ndevs + 1) * sizeof *d->dev_names);
        d->dev_vecs = halo_xrealloc(d->dev_vecs, (size_t)(d->ndevs + 1) * sizeof *d->dev_vecs);
        d->dev_names[d->ndevs] = su_strdup(dev->name);
        d->dev_vecs[d->ndevs++] = su_strdup(stem);
        su_strvec_printf(L, ".save %s[vgs] %s[vds] %s[vth] %s[vdsat]", stem, stem, stem, stem);
        /* the same device in the follower and the gain-K instance: their
         * DC sweeps bound ICMR and the output range by saturation */
        for (int k = 0; k < 2; k++) {
            char other[720];
            opamp_tb_instance_stem(stem, k ? "gk" : "fo", other, sizeof other);
            su_strvec_printf(L, ".save %s[vgs] %s[vds] %s[vth] %s[vdsat]", other, other, other, other);
        }
    }
}

void opamp_tb_instance_stem(const char *stem, const char *inst, char *out, size_t n)
{
    const char *at = strstr(stem, ".xol.");
    if (!at) {
        snprintf(out, n, "%s", stem);
        return;
    }
    snprintf(out, n, "%.*s.x%s.%s", (int)(at - stem), stem, inst, at + 5);
}

/* ------------------------------------------------------------ options */

static int bad_value(halo_err *err, const char *name, double v, const char *expected)
{
    char num[40];
    snprintf(num, sizeof num, "%g", v);
    return halo_err_set(err, HALO_E_OPC_VALUE, NULL, 0, name, num, expected);
}

/* Resolve vcm and vbias, and check every option. */
static int check_opts(const opamp_tb_opts *in, opamp_tb_opts *o, halo_err *err)
{
    *o = *in;
    if (!(o->vdd > 0)) return bad_value(err, "vdd", o->vdd, "a supply voltage > 0");
    if (isnan(o->vcm)) o->vcm = o->vdd / 2;
    if (isnan(o->vbias)) o->vbias = o->vdd / 2;
    if (!(o->vcm > 0 && o->vcm < o->vdd)) return bad_value(err, "vcm", o->vcm, "a voltage between 0 and vdd");
    if (!(o->cl >= 0) || !isfinite(o->cl)) return bad_value(err, "cl", o->cl, "a capacitance >= 0");
    if (!isfinite(o->ibias) || !isfinite(o->vbias))
        return bad_value(err, "ibias/vbias", isfinite(o->ibias) ? o->vbias : o->ibias, "a finite number");
    if (!(o->gain_k > 1) || !isfinite(o->gain_k)) return bad_value(err, "gain_k", o->gain_k, "a gain > 1");
    if (!(o->ac_fstart_hz > 0 && o->ac_fstop_hz > o->ac_fstart_hz) || !isfinite(o->ac_fstop_hz))
        return bad_value(err, "ac_fstop_hz", o->ac_fstop_hz, "a frequency above ac_fstart_hz > 0");
    if (o->ac_points_per_decade < 1 || o->ac_points_per_decade > 1000)
        return bad_value(err, "ac_points_per_decade", o->ac_points_per_decade, "1 .. 1000");
    if (!(o->dc_step_v > 0 && o->dc_step_v <= o->vdd / 4))
        return bad_value(err, "dc_step_v", o->dc_step_v, "a step > 0 and at most vdd/4");
    if (!(o->step_v > 0 && o->step_v < o->vdd)) return bad_value(err, "step_v", o->step_v, "a step > 0 below vdd");
    if (!(o->tran_edge_s > 0 && o->tran_width_s > o->tran_edge_s) || !isfinite(o->tran_width_s))
        return bad_value(err, "tran_width_s", o->tran_width_s, "a time above tran_edge_s > 0");
    if (!(o->tran_step_s > 0 && o->tran_max_step_s >= o->tran_step_s && o->tran_max_step_s <= o->tran_width_s / 10))
        return bad_value(err, "tran_max_step_s", o->tran_max_step_s,
                         "a step of at most tran_width_s/10, not below tran_step_s > 0");
    return 0;
}

/* ------------------------------------------------------------ the deck */

static void add_commands(opamp_tb_deck *d)
{
    const opamp_tb_opts *o = &d->o;
    su_strvec c = {0};
    su_strvec_push(&c, su_strdup("op"));
    su_strvec_printf(&c, "ac dec %d %.12g %.12g", o->ac_points_per_decade, o->ac_fstart_hz, o->ac_fstop_hz);
    su_strvec_printf(&c, "dc vsw 0 %.12g %.12g", o->vdd, o->dc_step_v);
    su_strvec_printf(&c, "tran %.12g %.12g 0 %.12g", o->tran_step_s, d->t_stop, o->tran_max_step_s);
    d->commands = c.v;
    d->ncommands = c.n;
}

/* The vectors each analysis brings back: the device vectors of xol at the
 * operating point, those of xfo and xgk in the DC sweep (.save keeps them
 * in every analysis). */
static void add_wants(opamp_tb_deck *d)
{
    static const char *const fixed[] = {"0:out_ol", "0:vdd_ol#branch", "1:frequency", "1:out_ol", "1:out_cm",
                                        "1:out_ps", "2:sw", "2:out_fo", "2:out_gk", "3:time", "3:out_fo"};
    static const char *const params[] = {"vgs", "vds", "vth", "vdsat"};
    su_strvec w = {0};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) su_strvec_push(&w, su_strdup(fixed[i]));
    for (int k = 0; k < d->ndevs; k++)
        for (int j = 0; j < 4; j++) {
            su_strvec_printf(&w, "0:%s[%s]", d->dev_vecs[k], params[j]);
            for (int i = 0; i < 2; i++) {
                char other[720];
                opamp_tb_instance_stem(d->dev_vecs[k], i ? "gk" : "fo", other, sizeof other);
                su_strvec_printf(&w, "2:%s[%s]", other, params[j]);
            }
        }
    d->want = w.v;
    d->nwant = w.n;
}

int opamp_tb_build(const netlist *nl, const char *dut_text, const opamp_tb_models *m, const opamp_tb_opts *opts,
                   opamp_tb_deck *d, halo_err *err)
{
    memset(d, 0, sizeof *d);
    plan p = {-1, -1, -1};
    if (check_opts(opts, &d->o, err) != 0 || make_plan(nl, opts->noninv, &p, err) != 0) return 1;
    const opamp_tb_opts *o = &d->o;
    d->t_rise = o->tran_width_s / 10;
    d->t_fall = d->t_rise + o->tran_edge_s + o->tran_width_s;
    d->t_stop = d->t_fall + o->tran_edge_s + o->tran_width_s;
    su_strvec L = {0};
    su_strvec_printf(&L, "* halo op-amp characterisation of %s (inputs %s +, %s -; output %s), %s", nl->name,
              port_name(nl, p.inp), port_name(nl, p.inn), port_name(nl, p.out), m->label);
    d->models_at = L.n;
    d->nmodels = m->nlines;
    for (int i = 0; i < m->nlines; i++) su_strvec_push(&L, m->lines[i]);   /* borrowed */
    su_strvec_push_lines(&L, dut_text);
    add_ac_instances(&L, nl, &p, o);
    add_dc_instances(&L, nl, &p, o, d);
    /* a tight truncation error lets the transient take large steps on the
     * flat levels and small ones on the edges the slew rates come from */
    su_strvec_push(&L, su_strdup(".option trtol=0.2"));
    su_strvec_push(&L, su_strdup(".save v(out_ol) v(out_cm) v(out_ps) v(out_fo) v(out_gk) v(sw) i(vdd_ol)"));
    add_devices(&L, nl, m, d);
    su_strvec_push(&L, su_strdup(".end"));
    d->lines = L.v;
    d->nlines = L.n;
    add_commands(d);
    add_wants(d);
    return 0;
}

void opamp_tb_deck_free(opamp_tb_deck *d)
{
    for (int i = 0; i < d->nlines; i++)
        if (i < d->models_at || i >= d->models_at + d->nmodels) free(d->lines[i]);
    for (int i = 0; i < d->ncommands; i++) free(d->commands[i]);
    for (int i = 0; i < d->nwant; i++) free(d->want[i]);
    for (int i = 0; i < d->ndevs; i++) {
        free(d->dev_names[i]);
        free(d->dev_vecs[i]);
    }
    free(d->lines);
    free(d->commands);
    free(d->want);
    free(d->dev_names);
    free(d->dev_vecs);
    memset(d, 0, sizeof *d);
}
