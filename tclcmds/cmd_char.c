/*
 * cmd_char.c -- characterize: the op-amp figures of the current design
 * (gain, UGF, phase margin, CMRR, PSRR, slew rate, input and output
 * ranges, power, operating regions) from one simulation job.
 *
 * The testbench and the metric definitions are core's (sim/tb_opamp.h),
 * the run the design's (design_characterize); this module parses options
 * and turns the result into a dict.
 */
#include "halo_tcl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/eng.h"
#include "base/fileio.h"
#include "sim/tb_opamp.h"

typedef struct char_opts {
    opamp_tb_opts tb;
    design_sim_opts run;
    const char *deck;    /* -deck FILE, or NULL */
} char_opts;

static int parse_char_opts(Tcl_Interp *interp, int objc, Tcl_Obj *const objv[], char_opts *o)
{
    static const char *const options[] = {"-vdd", "-vcm", "-cl", "-ibias", "-vbias", "-timeout", "-noninv",
                                          "-deck", "-full_models", NULL};
    static const char *const expected = "-vdd, -vcm, -cl, -ibias, -vbias, -timeout, -noninv, -deck or -full_models";
    opamp_tb_defaults(&o->tb);
    design_sim_opts_default(&o->run);
    o->deck = NULL;
    double *num[] = {&o->tb.vdd, &o->tb.vcm, &o->tb.cl, &o->tb.ibias, &o->tb.vbias, &o->run.timeout_s};
    for (int i = 1; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, expected, &which) != TCL_OK) return TCL_ERROR;
        if (which == 8) {
            o->run.full_models = 1;
            continue;
        }
        Tcl_Obj *v = halo_option_value(interp, objv, objc, &i);
        if (!v) return TCL_ERROR;
        if (which == 6) {
            o->tb.noninv = Tcl_GetString(v);
        } else if (which == 7) {
            o->deck = Tcl_GetString(v);
        } else if ((Tcl_GetDoubleFromObj(NULL, v, num[which]) != TCL_OK &&
                    eng_parse(Tcl_GetString(v), num[which]) != 0) ||
                   !isfinite(*num[which]) || (which == 5 && !(*num[which] > 0))) {
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, options[which], Tcl_GetString(v),
                                 which == 5 ? "seconds > 0" : "a number in SI units (1e-12, 1p)");
        }
    }
    return halo_sim_memory_limit(interp, &o->run);
}

/* ok: every analysis ran; partial: the operating point did, a later
 * analysis failed; failed: nothing was measured. */
static const char *status_word(const opamp_result *r)
{
    if (r->status == SIM_OK) return "ok";
    return r->nmetrics > 0 ? "partial" : "failed";
}

static Tcl_Obj *result_obj(const opamp_result *r)
{
    Tcl_Obj *o = Tcl_NewDictObj();
    for (int i = 0; i < r->nmetrics; i++) halo_dict_put(o, r->keys[i], halo_num_obj(r->values[i]));
    halo_dict_put(o, "status", Tcl_NewStringObj(status_word(r), -1));
    halo_dict_put(o, "error", Tcl_NewStringObj(sim_status_name(r->status), -1));
    halo_dict_put(o, "detail", Tcl_NewStringObj(r->detail ? r->detail : "", -1));
    Tcl_Obj *bad = Tcl_NewListObj(0, NULL), *devs = Tcl_NewDictObj();
    for (int k = 0; k < r->ndevs; k++) {
        if (r->regions[k] != OPAMP_SAT && r->regions[k] != OPAMP_UNKNOWN)
            Tcl_ListObjAppendElement(NULL, bad, Tcl_NewStringObj(r->dev_names[k], -1));
        Tcl_Obj *e = Tcl_NewDictObj();
        halo_dict_put(e, "region", Tcl_NewStringObj(opamp_tb_region_name(r->regions[k]), -1));
        if (r->regions[k] != OPAMP_UNKNOWN) {
            halo_dict_put(e, "vov_V", Tcl_NewDoubleObj(r->vov_v[k]));
            halo_dict_put(e, "vds_margin_V", Tcl_NewDoubleObj(r->vds_margin_v[k]));
        }
        halo_dict_put(devs, r->dev_names[k], e);
    }
    halo_dict_put(o, "not_saturated", bad);
    halo_dict_put(o, "devices", devs);
    halo_dict_put(o, "seconds", Tcl_NewDoubleObj(r->seconds));
    if (r->log) halo_dict_put(o, "log", Tcl_NewStringObj(r->log, -1));
    return o;
}

static int write_deck(Tcl_Interp *interp, halo_design *d, const char_opts *o)
{
    halo_err err;
    char *text = NULL;
    if (design_characterize_deck(d, &o->tb, &o->run, &text, &err) != 0) return halo_tcl_error(interp, &err);
    int rc = halo_write_atomic(o->deck, text, strlen(text), &err);
    free(text);
    return rc != 0 ? halo_tcl_error(interp, &err) : TCL_OK;
}

static int characterize_cmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    char_opts o;
    if (parse_char_opts(interp, objc, objv, &o) != TCL_OK) return TCL_ERROR;
    if (!halo_need_design(interp, d)) return TCL_ERROR;
    if (o.deck && write_deck(interp, d, &o) != TCL_OK) return TCL_ERROR;
    halo_err err;
    opamp_result r;
    if (design_characterize(d, NULL, 1, &o.tb, &o.run, &r, &err) != 0) return halo_tcl_error(interp, &err);
    Tcl_SetObjResult(interp, result_obj(&r));
    opamp_tb_result_free(&r);
    return TCL_OK;
}

const HaloCmd halo_char_cmds[] = {
    {"characterize", characterize_cmd,
     "characterize ?-vdd V? ?-vcm V? ?-cl F? ?-ibias A? ?-vbias V? ?-noninv PORT? ?-full_models? ?-timeout S? "
     "?-deck FILE?",
     "Characterises the design as an op-amp in one simulation job (a worker process holding libngspice) "
     "and returns a dict of its metrics, in SI units: dc_gain_dB (open loop at 1 Hz), ugf_Hz, "
     "phase_at_ugf_deg and phase_margin_deg (180 + the phase at the UGF, the phase continuous from 1 Hz), "
     "cmrr_dB and psrr_dB (at 1 Hz), slew_rise_V_per_s, slew_fall_V_per_s and slew_rate_V_per_s (the "
     "smaller; 10-90 % slopes of a unity-gain follower stepped from vcm-0.3 V to vcm+0.3 V and back), "
     "icmr_min_V and icmr_max_V (the follower's input range around vcm where its DC slope is >= 0.9), "
     "vout_min_V and vout_max_V (the output range of a non-inverting gain-5 stage where its incremental "
     "gain is >= 2.5), vout_dc_V, vdd_current_A, power_W and n_not_saturated (MOS devices with vgs < vth "
     "or vds < vdsat at the open-loop operating point); a metric that cannot be measured is absent.  Also "
     "status (ok, partial when an analysis after the operating point failed, failed), error (the schema's "
     "vocabulary, \"\" when ok), detail, not_saturated (their names), devices (per MOS device: region -- "
     "saturation, triode, off or unknown -- vov_V = vgs - vth and vds_margin_V = vds - vdsat) and "
     "seconds.  The design needs two input_v ports, an output_v and a supply_pos port (VSS ports are "
     "ground; bias_current ports take -ibias, 10 uA, bias_voltage ports sit at -vbias, vdd/2); the "
     "non-inverting input is the one named like VINP, INP or IN+, or -noninv PORT.  -vdd (1.8 V), -vcm "
     "(vdd/2), -cl (load, 1 pF).  Models as simulate: embedded, or the loaded PDK's reduced to the bins "
     "used, -full_models for the whole library.  -deck FILE also writes the deck as one ngspice -b input "
     "printing every metric as halo_<key>.  The definitions are in core/sim/tb_opamp.h.",
     "Characterises the design as an op-amp: gain, UGF, SR ..."},
    {NULL, NULL, NULL, NULL, NULL}};
