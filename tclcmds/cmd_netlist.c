/*
 * cmd_netlist.c -- the design in and out: read_spice, read_netlist_json,
 * write_spice, write_netlist_json, report_design.
 */
#include "halo_tcl.h"

#include <stdio.h>
#include <string.h>

#include "base/fileio.h"
#include "netlist/netjson.h"
#include "netlist/spice.h"
#include "base/strutil.h"

/* The design's name as the result of a read. */
static int read_done(Tcl_Interp *interp, halo_design *d, int rc, const halo_err *err)
{
    if (rc != 0) return halo_tcl_error(interp, err);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(design_netlist(d)->name, -1));
    return TCL_OK;
}

static int ReadSpiceCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    static const char *const options[] = {"-top", "-width", "-units", NULL};
    if (objc < 2) return halo_usage(interp, "read_spice");
    spice_read_opts opts = {.wmode = NETLIST_W_TOTAL};
    for (int i = 2; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-top, -width or -units", &which) != TCL_OK)
            return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        const char *s = Tcl_GetString(v);
        if (which == 0) {
            opts.top = s;
        } else if (which == 1) {
            if (strcmp(s, "total") != 0 && strcmp(s, "per_finger") != 0)
                return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-width", s, "total or per_finger");
            opts.wmode = strcmp(s, "total") == 0 ? NETLIST_W_TOTAL : NETLIST_W_PER_FINGER;
        } else {
            if (strcmp(s, "auto") == 0) opts.units = SPICE_UNITS_AUTO;
            else if (strcmp(s, "um") == 0) opts.units = SPICE_UNITS_UM;
            else if (strcmp(s, "m") == 0) opts.units = SPICE_UNITS_M;
            else return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-units", s, "auto, um or m");
        }
    }
    halo_err err;
    halo_err_clear(&err);
    return read_done(interp, d, design_read_spice(d, Tcl_GetString(objv[1]), &opts, &err), &err);
}

static int ReadNetlistJsonCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 2) return halo_usage(interp, "read_netlist_json");
    halo_err err;
    halo_err_clear(&err);
    return read_done(interp, cd, design_read_netlist_json(cd, Tcl_GetString(objv[1]), &err), &err);
}

static int WriteNetlistJsonCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    if (objc != 2) return halo_usage(interp, "write_netlist_json");
    netlist *nl = halo_need_design(interp, cd);
    if (!nl) return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    if (netjson_write_file(nl, Tcl_GetString(objv[1]), &err) != 0) return halo_tcl_error(interp, &err);
    return TCL_OK;
}

/* write_spice FILE -stage post: the netlist extract_parasitics made. */
static int write_post(Tcl_Interp *interp, halo_design *d, const char *path)
{
    const char *text = design_post_text(d);
    if (!text)
        return halo_tcl_fail(interp, HALO_E_CMD_STAGE,
                             "write_spice -stage post needs a post-layout netlist: run extract_parasitics "
                             "(or read_post_netlist) first.");
    halo_err err;
    halo_err_clear(&err);
    if (halo_write_atomic(path, text, strlen(text), &err) != 0) return halo_tcl_error(interp, &err);
    return TCL_OK;
}

static int WriteSpiceCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char *const options[] = {"-stage", "-fingers", NULL};
    if (objc < 2) return halo_usage(interp, "write_spice");
    spice_write_opts opts = {0, NULL, 0};
    int post = 0;
    for (int i = 2; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-stage or -fingers", &which) != TCL_OK) return TCL_ERROR;
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        const char *s = Tcl_GetString(v);
        if (which == 0 && strcmp(s, "post") == 0) post = 1;
        else if (which == 0 && strcmp(s, "schematic") != 0)
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-stage", s, "schematic or post");
        if (which == 1 && strcmp(s, "nf") != 0 && strcmp(s, "m") != 0)
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-fingers", s, "nf or m");
        if (which == 1) opts.fingers_as_m = strcmp(s, "m") == 0;
    }
    if (post) return write_post(interp, cd, Tcl_GetString(objv[1]));
    netlist *nl = halo_need_design(interp, cd);
    if (!nl) return TCL_ERROR;
    halo_err err;
    halo_err_clear(&err);
    if (spice_write_file(nl, Tcl_GetString(objv[1]), &opts, &err) != 0) return halo_tcl_error(interp, &err);
    return TCL_OK;
}

/* ---------------------------------------------------------------- report */

static Tcl_Obj *params_dict(const netlist_device *d)
{
    Tcl_Obj *o = Tcl_NewDictObj();
    if (netlist_is_mos(d)) {
        double w = netlist_total_w(d);
        if (w > 0) Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("W", -1), halo_num_obj(w));
        else if (netlist_finger_w(d) > 0)   /* a per-finger template before set_fingers */
            Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("W_finger", -1), halo_num_obj(netlist_finger_w(d)));
    }
    for (int i = 0; i < d->nparams; i++) {
        const netlist_param *p = &d->params[i];
        if (netlist_is_mos(d) && strcmp(p->name, "W") == 0) continue;
        Tcl_DictObjPut(NULL, o, Tcl_NewStringObj(p->name, -1),
                       p->text ? Tcl_NewStringObj(p->text, -1) : halo_num_obj(p->value));
    }
    return o;
}

static const char *units_name(int units)
{
    switch (units) {
    case NETLIST_UNITS_UM: return "um";
    case NETLIST_UNITS_M: return "m";
    case NETLIST_UNITS_SCALE: return "scale";
    default: return "";
    }
}

static Tcl_Obj *device_dict(const netlist *nl, const netlist_device *d)
{
    Tcl_Obj *o = Tcl_NewDictObj(), *pins = Tcl_NewListObj(0, NULL);
    for (int p = 0; p < d->npins; p++) {
        Tcl_ListObjAppendElement(NULL, pins, Tcl_NewStringObj(d->pins[p].role, -1));
        Tcl_ListObjAppendElement(NULL, pins, Tcl_NewStringObj(nl->nets[d->pins[p].net].name, -1));
    }
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("type", -1), Tcl_NewStringObj(netlist_devtype_name(d->type), -1));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("model", -1), Tcl_NewStringObj(d->model, -1));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("pins", -1), pins);
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("params", -1), params_dict(d));
    if (netlist_is_mos(d))
        Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("nf", -1), d->nf ? Tcl_NewIntObj(d->nf) : Tcl_NewStringObj("ZZZ", -1));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("match", -1), Tcl_NewIntObj(d->match_group));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("element", -1), Tcl_NewStringObj((char[]){d->element, 0}, -1));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("units", -1), Tcl_NewStringObj(units_name(d->units), -1));
    if (d->origin) Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("origin", -1), Tcl_NewStringObj(d->origin, -1));
    if (netlist_is_sim_only(d)) Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("sim_only", -1), Tcl_NewBooleanObj(1));
    return o;
}

static Tcl_Obj *design_dict(const netlist *nl)
{
    Tcl_Obj *o = Tcl_NewDictObj(), *ports = Tcl_NewListObj(0, NULL), *nets = Tcl_NewDictObj();
    Tcl_Obj *devs = Tcl_NewDictObj(), *counts = Tcl_NewDictObj();
    for (int i = 0; i < nl->nports; i++) Tcl_ListObjAppendElement(NULL, ports, Tcl_NewStringObj(nl->nets[nl->ports[i]].name, -1));
    for (int i = 0; i < nl->nnets; i++) {
        Tcl_Obj *n = Tcl_NewDictObj();
        Tcl_DictObjPut(NULL, n, Tcl_NewStringObj("role", -1), Tcl_NewStringObj(netlist_netrole_name(nl->nets[i].role), -1));
        Tcl_DictObjPut(NULL, n, Tcl_NewStringObj("external", -1), Tcl_NewBooleanObj(nl->nets[i].external));
        Tcl_DictObjPut(NULL, nets, Tcl_NewStringObj(nl->nets[i].name, -1), n);
    }
    int count[NL_NTYPES] = {0};
    for (int i = 0; i < nl->ndevs; i++) {
        Tcl_DictObjPut(NULL, devs, Tcl_NewStringObj(nl->devs[i].name, -1), device_dict(nl, &nl->devs[i]));
        count[nl->devs[i].type]++;
    }
    for (int t = 0; t < NL_NTYPES; t++)
        if (count[t]) Tcl_DictObjPut(NULL, counts, Tcl_NewStringObj(netlist_devtype_name((netlist_devtype)t), -1), Tcl_NewIntObj(count[t]));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("name", -1), Tcl_NewStringObj(nl->name, -1));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("source", -1), Tcl_NewStringObj(nl->source, -1));
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("ports", -1), ports);
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("nets", -1), nets);
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("devices", -1), devs);
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("counts", -1), counts);
    Tcl_DictObjPut(NULL, o, Tcl_NewStringObj("match_groups", -1), halo_match_groups_obj(nl));
    return o;
}

static void format_value(char *buf, size_t n, const netlist_device *d, const char *name)
{
    double v;
    if (strcmp(name, "W") == 0 && netlist_is_mos(d) && d->wmode == NETLIST_W_PER_FINGER && d->nf == 0 &&
        netlist_param_get(d, "W", &v) == 0) {
        snprintf(buf, n, "%g/f", v);   /* a per-finger template before set_fingers */
        return;
    }
    if (strcmp(name, "W") == 0 && netlist_is_mos(d)) v = netlist_total_w(d);
    else if (netlist_param_get(d, name, &v) != 0) v = -1;
    if (v < 0) snprintf(buf, n, "-");
    else snprintf(buf, n, "%g", v);
}

/* The device's main value: W L nf m for MOS, R or C or W x L for others. */
static void device_line(su_buf *b, const netlist *nl, const netlist_device *d)
{
    char w[24], l[24], m[24], nf[16], value[48] = "";
    format_value(w, sizeof w, d, "W");
    format_value(l, sizeof l, d, "L");
    format_value(m, sizeof m, d, "m");
    if (netlist_is_mos(d)) snprintf(nf, sizeof nf, d->nf ? "%d" : "ZZZ", d->nf);
    else snprintf(nf, sizeof nf, "-");
    double v;
    if (netlist_param_get(d, "r", &v) == 0) snprintf(value, sizeof value, "R=%g", v);
    else if (netlist_param_get(d, "c", &v) == 0) snprintf(value, sizeof value, "C=%g", v);
    else if (netlist_param_get(d, "dc", &v) == 0) snprintf(value, sizeof value, "dc=%g", v);
    su_buf_printf(b, "  %-10s %-5s %-30s %-7s %-6s %-4s %-3s", d->name, netlist_devtype_name(d->type),
                  *d->model ? d->model : "-", w, l, nf, strcmp(m, "-") ? m : "1");
    for (int p = 0; p < d->npins; p++) su_buf_printf(b, " %s=%s", d->pins[p].role, nl->nets[d->pins[p].net].name);
    if (*value) su_buf_printf(b, " %s", value);
    if (d->match_group >= 0) su_buf_printf(b, "  [match %d]", d->match_group);
    su_buf_add(b, "\n");
}

/* What halo did to the netlist as written, and what it will not lay out. */
static void design_notes(su_buf *b, const netlist *nl)
{
    int by[4] = {0};
    for (int i = 0; i < nl->ndevs; i++) by[nl->devs[i].units]++;
    if (by[NETLIST_UNITS_M] || by[NETLIST_UNITS_SCALE]) {   /* said when something was converted */
        su_buf_add(b, "\n  geometry as written:");
        if (by[NETLIST_UNITS_UM]) su_buf_printf(b, " um %d", by[NETLIST_UNITS_UM]);
        if (by[NETLIST_UNITS_M]) su_buf_printf(b, " metres %d", by[NETLIST_UNITS_M]);
        if (by[NETLIST_UNITS_SCALE]) su_buf_printf(b, " .option-scale %d", by[NETLIST_UNITS_SCALE]);
        su_buf_add(b, " devices (converted to um)");
    }
    for (int i = 0; i < nl->ndevs; i++) {
        const netlist_device *d = &nl->devs[i];
        if (d->origin) su_buf_printf(b, "\n  mapped: %s (%s) -> %s", d->name, d->origin, d->model);
    }
    for (int i = 0; i < nl->ndevs; i++) {
        const netlist_device *d = &nl->devs[i];
        if (netlist_is_sim_only(d))
            su_buf_printf(b, "\n  simulation only (not laid out, not in LVS): %s (%s source)", d->name,
                          d->type == NL_ISRC ? "current" : "voltage");
    }
}

static void design_report(Tcl_Interp *interp, const netlist *nl)
{
    su_buf b = {0};
    su_buf_printf(&b, "Design %s (%s): %d devices, %d nets, %d ports\n", nl->name, nl->source, nl->ndevs, nl->nnets,
                  nl->nports);
    su_buf_add(&b, "  ports:");
    for (int i = 0; i < nl->nports; i++) {
        const netlist_net *n = &nl->nets[nl->ports[i]];
        su_buf_printf(&b, " %s(%s)", n->name, netlist_netrole_name(n->role));
    }
    su_buf_printf(&b, "\n  %-10s %-5s %-30s %-7s %-6s %-4s %-3s pins\n", "device", "type", "model", "W(um)", "L(um)",
                  "nf", "m");
    for (int i = 0; i < nl->ndevs; i++) device_line(&b, nl, &nl->devs[i]);
    int count[NL_NTYPES] = {0};
    for (int i = 0; i < nl->ndevs; i++) count[nl->devs[i].type]++;
    su_buf_add(&b, "  counts:");
    for (int t = 0; t < NL_NTYPES; t++)
        if (count[t]) su_buf_printf(&b, " %s %d", netlist_devtype_name((netlist_devtype)t), count[t]);
    design_notes(&b, nl);
    su_buf_printf(&b, "\n  match groups: %d", nl->nmatch_groups);
    for (int g = 0; g < nl->nmatch_groups; g++) {
        su_buf_add(&b, " {");
        int first = 1;
        for (int i = 0; i < nl->ndevs; i++)
            if (nl->devs[i].match_group == g) {
                su_buf_printf(&b, "%s%s", first ? "" : " ", nl->devs[i].name);
                first = 0;
            }
        su_buf_add(&b, "}");
    }
    su_buf_add(&b, "\n");
    halo_report(interp, b.s);
    su_buf_free(&b);
}

static int ReportDesignCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)objv;
    if (objc != 1) return halo_usage(interp, "report_design");
    netlist *nl = halo_need_design(interp, cd);
    if (!nl) return TCL_ERROR;
    design_report(interp, nl);
    Tcl_SetObjResult(interp, design_dict(nl));
    return TCL_OK;
}

const HaloCmd halo_netlist_cmds[] = {
    {"read_spice", ReadSpiceCmd, "read_spice FILE ?-top SUBCKT? ?-width total|per_finger? ?-units auto|um|m?",
     "Reads a SPICE netlist as the current design. It is flattened under one top cell with "
     "'/'-joined hierarchical names. It reads .subckt/.ends, .param and {expr} or 'expr' values, '+' "
     "continuations, '*' ';' and '$' comments, .include, .global, engineering suffixes, and the "
     "elements M X R C L Q D V I, including X instances of PDK devices such as "
     "sky130_fd_pr__nfet_01v8 and the OSIRIS placeholder nf=ZZZ. The top is SUBCKT, else the file's "
     "top-level elements, else the one subcircuit no other instantiates. W is the total width of all "
     "fingers unless -width per_finger says the template gives one finger's width (as OSIRIS's "
     "templates do). Geometry (W, L, ad, pd ...) is converted to um: -units um or m says how the file "
     "writes it; auto (default) honours an .option scale, reads M elements with their own .model as "
     "plain SPICE metres, and reads each W and L of a PDK device by its magnitude (below 5e-3 metres, "
     "from 0.05 um, between refused). M, R or C elements naming a PDK subcircuit (sky130_fd_pr__...) "
     "become X instances. A resistor or capacitor given by value becomes a sky130 poly resistor or "
     "MIM capacitor of that value; ideal V and I sources inside the design are kept for simulation "
     "only; every W and L is checked against the technology's limits (report_design lists what was "
     "mapped). Errors name file:line. The first line is not a title. Returns the design name.",
     "Reads a SPICE netlist as the current design."},
    {"read_netlist_json", ReadNetlistJsonCmd, "read_netlist_json FILE",
     "Reads a netlist_json file as the current design. The file is the primitive of the "
     "analog-circuits-sky130 schema, {\"nets\": [...], \"devices\": [...]}; the external nets are its ports in their order. Device "
     "types, pin roles and net roles must be in the schema's vocabularies. Returns the design name "
     "(the file name without .json).",
     "Reads a netlist_json file as the current design."},
    {"write_netlist_json", WriteNetlistJsonCmd, "write_netlist_json FILE",
     "Writes the current design as netlist_json. Nets carry role and external; devices carry type, "
     "model, typed pins and params (MOS W and L in um, W the total width, nf the finger count or "
     "\"ZZZ\"). Written to a temporary name and renamed.",
     "Writes the current design as netlist_json."},
    {"write_spice", WriteSpiceCmd, "write_spice FILE ?-stage schematic|post? ?-fingers nf|m?",
     "Writes the current design as a SPICE .subckt. Ports keep their order; PDK devices are X instances with W and L "
     "in um, ready for ngspice with the sky130 model library. -fingers nf (default) writes the BSIM4/LVS "
     "form W=<total> nf=<fingers>; -fingers m writes W=<finger width> m=<fingers>, the form ngspice 39 "
     "simulates correctly with the sky130 models. -stage post writes the post-layout netlist once "
     "parasitics are extracted.",
     "Writes the current design as a SPICE .subckt."},
    {"report_design", ReportDesignCmd, "report_design",
     "Prints the current design and returns it as a dict. The table shows ports with their roles, each device with type, model, "
     "W, L, nf, m, pins and match group, device counts by type, match groups; the dict has the keys "
     "name source ports nets devices counts match_groups.",
     "Prints the current design and returns it as a dict."},
    {NULL, NULL, NULL, NULL, NULL},
};
