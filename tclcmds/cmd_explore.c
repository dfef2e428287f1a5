/*
 * cmd_explore.c -- the exploration and dataset commands: explore,
 * generate_dataset, merge_dataset, read_dataset and report_dataset.
 *
 * Owns: their rows in the command table (usage and help text) and the two
 * helpers their Tcl layer needs from C: ::halo::flow::message, which
 * formats a message of core/messages.def as error options, and
 * ::halo::flow::json_decode, which turns JSON (through cJSON) into Tcl
 * values.  The commands themselves are procs in tclcmds/explore.tcl and
 * tclcmds/dataset.tcl (compiled in): they sequence the stage commands and
 * write files, which Tcl does best; each command here forwards its
 * arguments to ::halo::flow::NAME.
 */
#include "halo_tcl.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Each command has its own small proc naming its target, rather than one
 * proc reading objv[0], so that a user may rename or wrap the command. */
static int forward(Tcl_Interp *interp, const char *name, int objc, Tcl_Obj *const objv[])
{
    return halo_forward_flow(interp, name, objc, objv);
}

static int ExploreCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    return forward(interp, "explore", objc, objv);
}

static int GenerateDatasetCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    return forward(interp, "generate_dataset", objc, objv);
}

static int ReadDatasetCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    return forward(interp, "read_dataset", objc, objv);
}

static int ReportDatasetCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    return forward(interp, "report_dataset", objc, objv);
}

static int MergeDatasetCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    return forward(interp, "merge_dataset", objc, objv);
}

/* ::halo::flow::message MODULE NUMBER ?ARG ...? -> {-errorcode CODE TEXT}:
 * the message's %s slots filled in order. */
static int MessageCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    int number;
    if (objc < 3 || Tcl_GetIntFromObj(interp, objv[2], &number) != TCL_OK) {
        Tcl_SetObjResult(interp, Tcl_NewStringObj("usage: ::halo::flow::message MODULE NUMBER ?ARG ...?", -1));
        return TCL_ERROR;
    }
    const char *module = Tcl_GetString(objv[1]);
    for (int id = 1; id < HALO_E__COUNT; id++) {
        const halo_msg_info *m = halo_msg_lookup((halo_msg_id)id);
        if (strcmp(m->module, module) != 0 || m->number != number) continue;
        Tcl_Obj *text = Tcl_NewObj();
        int arg = 3;
        for (const char *p = m->format; *p; p++) {
            if (p[0] == '%' && p[1] == 's') {
                if (arg < objc) Tcl_AppendObjToObj(text, objv[arg++]);
                p++;
            } else if (p[0] == '%' && p[1] == '%') {
                Tcl_AppendToObj(text, "%", 1);
                p++;
            } else {
                Tcl_AppendToObj(text, p, 1);
            }
        }
        Tcl_Obj *code = Tcl_ObjPrintf("HALO %s %s %d", m->module, m->kind, m->number);
        Tcl_Obj *out[3] = {Tcl_NewStringObj("-errorcode", -1), code, text};
        Tcl_SetObjResult(interp, Tcl_NewListObj(3, out));
        return TCL_OK;
    }
    Tcl_SetObjResult(interp, Tcl_ObjPrintf("no message %s-%d", module, number));
    return TCL_ERROR;
}

/* A decoded JSON string as a Tcl string, through Tcl's utf-8 encoding:
 * cJSON turns an escape such as \ud83d\ude00 into UTF-8 bytes that a Tcl
 * 8.6 string does not hold as they are; decoded, they give the characters
 * Tcl makes of the same bytes read from a file, so a string reads the same
 * whichever way a JSON text writes it. */
static Tcl_Obj *string_obj(Tcl_Encoding utf8, const char *s)
{
    Tcl_DString ds;
    Tcl_ExternalToUtfDString(utf8, s, -1, &ds);
    Tcl_Obj *o = Tcl_NewStringObj(Tcl_DStringValue(&ds), Tcl_DStringLength(&ds));
    Tcl_DStringFree(&ds);
    return o;
}

/* A cJSON value as a Tcl value: objects as dicts, arrays as lists,
 * booleans as 1/0, null as "". */
static Tcl_Obj *json_to_obj(Tcl_Encoding utf8, const cJSON *j)
{
    if (cJSON_IsObject(j)) {
        Tcl_Obj *d = Tcl_NewDictObj();
        for (const cJSON *c = j->child; c; c = c->next)
            Tcl_DictObjPut(NULL, d, string_obj(utf8, c->string), json_to_obj(utf8, c));
        return d;
    }
    if (cJSON_IsArray(j)) {
        Tcl_Obj *l = Tcl_NewListObj(0, NULL);
        for (const cJSON *c = j->child; c; c = c->next) Tcl_ListObjAppendElement(NULL, l, json_to_obj(utf8, c));
        return l;
    }
    if (cJSON_IsString(j)) return string_obj(utf8, j->valuestring);
    if (cJSON_IsBool(j)) return Tcl_NewBooleanObj(cJSON_IsTrue(j));
    if (cJSON_IsNumber(j)) {
        double v = j->valuedouble;
        if (v == floor(v) && fabs(v) < 9e15) return Tcl_NewWideIntObj((Tcl_WideInt)v);
        return Tcl_NewDoubleObj(v);
    }
    return Tcl_NewObj();
}

/* cJSON keeps a string as a C string, so the escape \u0000 (which jstr
 * writes for a NUL) would cut the string short.  The copy of text it
 * parses has each \u0000 replaced by C0 80, the bytes by which Tcl's own
 * strings hold U+0000, which cJSON copies as they are.  NULL when the text
 * has none (then it is parsed as it is; else an error's byte offset counts
 * each \u0000 before it as two bytes). */
static char *nul_escapes(const char *text, int len, int *outlen)
{
    if (!memmem(text, (size_t)len, "\\u0000", 6)) return NULL;
    char *out = ckalloc((unsigned)len + 1);
    int n = 0;
    for (int i = 0; i < len; i++) {
        if (text[i] == '\\' && i + 5 < len && memcmp(text + i, "\\u0000", 6) == 0) {
            out[n++] = (char)0xC0;
            out[n++] = (char)0x80;
            i += 5;
        } else if (text[i] == '\\' && i + 1 < len) {
            out[n++] = text[i++];   /* an escaped backslash is no escape */
            out[n++] = text[i];
        } else {
            out[n++] = text[i];
        }
    }
    out[n] = '\0';
    *outlen = n;
    return out;
}

/* ::halo::flow::json_decode TEXT */
static int JsonDecodeCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    if (objc != 2) {
        Tcl_WrongNumArgs(interp, 1, objv, "TEXT");
        return TCL_ERROR;
    }
    int len;
    const char *text = Tcl_GetStringFromObj(objv[1], &len);
    char *copy = nul_escapes(text, len, &len);
    if (copy) text = copy;
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, (size_t)len, &end, 0);
    /* one value and nothing after it but white space: cJSON stops after
     * the first value, and a line holding two is no record */
    const char *p = j ? end : NULL;
    while (p && p < text + len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    if (!j || p != text + len) {
        char at[32];
        snprintf(at, sizeof at, "byte %ld", j ? (long)(p - text) : end ? (long)(end - text) : 0L);
        cJSON_Delete(j);
        if (copy) ckfree(copy);
        return halo_tcl_fail(interp, HALO_E_DST_JSON, at);
    }
    Tcl_Encoding utf8 = Tcl_GetEncoding(NULL, "utf-8");
    Tcl_SetObjResult(interp, json_to_obj(utf8, j));
    Tcl_FreeEncoding(utf8);
    cJSON_Delete(j);
    if (copy) ckfree(copy);
    return TCL_OK;
}

/* The helpers live in ::halo::flow, outside the command table (no help). */
int halo_explore_helpers(Tcl_Interp *interp)
{
    Tcl_CreateObjCommand(interp, "::halo::flow::message", MessageCmd, NULL, NULL);
    Tcl_CreateObjCommand(interp, "::halo::flow::json_decode", JsonDecodeCmd, NULL, NULL);
    return TCL_OK;
}

const HaloCmd halo_explore_cmds[] = {
    {"explore", ExploreCmd,
     "explore ?-mode random|rl? ?-variants N? ?-seed S? ?-step NM? ?-flips 0|1? ?-retries R? ?-callback CMD? ?-judge CMD? "
     "?-episode L? ?-alpha A|auto? ?-beta B|auto? ?-penalty P? ?-lr X? ?-gamma X? ?-hidden H? ?-epochs E? ?-agent H? "
     "?-batch N? ?-guide MODEL? ?-guide_candidates K? ?-guide_pick best|veto? ?-from last|best?",
     "OSIRIS's variant loop on the placed design.  The current placement is the baseline: it is routed "
     "and validated (DRC, LVS, parasitic extraction, pre/post simulation, QoS) first.  Each iteration "
     "moves one device (and its matched partner, mirrored) one -step (100 nm) left, right, up or down "
     "inside its halo, or flips it (-flips 0 keeps orientations), reroutes incrementally and validates.  "
     "-mode random (default): variant j starts from variant j-1 (-from last, OSIRIS's walk) or from the best variant so far (-from best: the lowest pscore, the baseline first; a stochastic hill climb); a move that leaves the halo or fails "
     "validation is rolled back and retried, at most -retries (20) times per variant; with -guide MODEL (a "
     "train_predictor or nas_search model of the design) each move is the best of K (16) random draws by the "
     "predictor's estimate of its metric (predict -moves), so only the most promising is simulated (-guide_pick veto: a uniform pick among the better half instead, the guide only ruling out the moves it predicts worst).  -mode rl: a PPO "
     "agent over candidate actions (rl_agent sppo) chooses (device, move), each candidate described by "
     "the device's kind, position in its halo, mirror bits, size in its halo, nearest device, net "
     "sharing and the move, with a context of episode progress, kind mix, area and pscore over the "
     "baseline's and device count; episodes of -episode (8) steps start at the baseline; step reward "
     "alpha (pscore_b - pscore_j) + beta (area_b - area_j), alpha and beta defaulting to 1/pscore_b and "
     "1/area_b (relative improvements); a failing move ends the episode with reward -penalty (1), one "
     "cut by the budget is bootstrapped with the critic's value; the agent learns whenever -batch (64) "
     "steps have gathered.  -agent H explores with an sppo agent the caller owns (kept, not freed); "
     "without it a fresh one (-lr 3e-4, -gamma, -hidden, -epochs) is made and freed.  "
     "Every random choice derives from -seed.  -callback CMD is called as CMD INDEX RECORD for the "
     "baseline (0) and each verified variant while the layout is that variant's.  -judge CMD, called the "
     "same way before it, may reject a variant halo verified (an external sign-off): it returns {ok 1 "
     "signoff S} or {ok 0 cause C detail D signoff S}; a rejected variant is rolled back and counted under "
     "its cause (a rejected baseline fails explore), an accepted one keeps S as its signoff.  Returns a dict: mode, "
     "variants, tries, failures (count per cause: halo, route, drc, lvs, pex, a simulation error, "
     "retry_cap), records (per variant: move, devices, pscore, pscore_low/mid/high, pscore_osiris, area, "
     "bbox_area, hpwl, wirelength, vias, pre and post metrics, trajectory (pre/post mag_V, phase_deg, "
     "re_V, im_V), time_ms per stage, seed; rl adds "
     "reward), baseline and best (lowest pscore); rl adds learning (per episode its summed reward, per "
     "update the dict rl_agent update returns).",
     "OSIRIS's variant loop on the placed design."},
    {"generate_dataset", GenerateDatasetCmd,
     "generate_dataset -out DIR ?-arrangements M|all? ?-variants N? ?-mode random|rl? ?-jobs J? ?-shard I/N? "
     "?-seed S? ?-step NM? ?-flips 0|1? ?-retries R? ?-pool P? ?-episode L? ?-alpha A? ?-beta B? ?-lr X? ?-outer_lr X? "
     "?-values LIST? ?-place_tries T? ?-signoff none|magic|netgen|klayout|both? ?-signoff_fraction F? ?-quiet 0|1? "
     "?-agent FILE? ?-learn 0|1? ?-batch N? ?-outer_batch N?",
     "OSIRIS's two stages on the current design (read_spice, read_constraints and read_testbench "
     "first): M finger arrangements (a seeded sample, default 10, or all) x N variants (default 10): "
     "variant 0 is the arrangement's baseline (generate_devices, place, route), variants 1..N-1 come "
     "from explore.  Each verified variant is written to DIR as its GDS, a QoS record (JSON: ids, "
     "fingers, device positions and orientations, pscore overall/low/mid/high, pscore_osiris, area, HPWL, "
     "pre/post metrics, DRC count, LVS verdict, per-stage times, seed, halo version), its pre/post "
     "trajectories (vNNNN.traj.json: freq_Hz, and per stage mag_V, phase_deg, re_V, im_V) "
     "and a row of the analog-circuits-sky130 schema; index.jsonl and rows.jsonl gather them and "
     "summary.json counts records, gaps and failures by cause.  Files are written under a temporary "
     "name and renamed, the record last, so a run killed at any moment and run again with the same "
     "command resumes with no duplicate, missing or corrupt record.  -jobs J reruns the flow's script J "
     "times as worker processes; -shard I/N makes only the I-th of N disjoint slices (arrangement i "
     "goes to shard i mod N + 1), for merge_dataset to join.  -mode rl adds OSIRIS's outer agent: "
     "REINFORCE over the finger-count vector (each finger count over the largest) picks the M "
     "arrangements from a pool of P (default 4M) candidates, rewarded by the best inner result as the "
     "relative improvement of pscore plus that of area over the first arrangement's baseline, learning "
     "from -outer_batch (4) arrangements at a time (learning rate -outer_lr, 0.01); one inner sppo agent "
     "explores every arrangement (learning rate -lr, 0.01; update batch -batch, 16 steps; -step, -flips, "
     "-retries, -episode, -alpha and -beta go to explore), read from -agent FILE when it exists and "
     "written back there at the end, saved with each arrangement so a resumed run goes on exactly, its "
     "learning curves in learning.csv and learning.svg; -learn 0 keeps both agents from learning (a "
     "comparison's learning-off arm); -mode random -pool P draws the M arrangements uniformly from that "
     "same pool; -mode rl runs in one process.  -values LIST limits the finger counts drawn "
     "(enumerate_fingers -values; OSIRIS uses {2 4 6}).  A baseline that cannot be routed and verified "
     "is placed again with the next derived seed, up to -place_tries (3) placements; each failed one "
     "counts as a baseline failure.  -signoff ENGINES (needs pdk load -root) judges a seeded sample "
     "(-signoff_fraction, 0.1) of the variants halo verified with external tools on the layout as "
     "written: magic (Magic's DRC on the hierarchical GDS), netgen (Magic's extraction and Netgen's "
     "LVS), klayout (the open_pdks deck), both (magic and netgen) or a list; a judged variant's record "
     "carries the verdicts (signoff: magic_drc, netgen_lvs, klayout_drc; null when not sampled), a "
     "rejected one is not verified: it stays out of the dataset, its GDS and verdicts go to "
     "rejected/, explore rolls it back and counts it by cause (signoff_magic, signoff_netgen, "
     "signoff_klayout, signoff_error), and summary.json's signoff gives passed and rejected.  "
     "Shows a progress bar on a "
     "terminal (plain lines otherwise) and returns the summary.",
     "Makes a dataset: arrangements x verified variants."},
    {"merge_dataset", MergeDatasetCmd, "merge_dataset -out DIR SHARDDIR ?SHARDDIR ...?",
     "Joins the outputs of generate_dataset -shard 1/N .. N/N into one dataset in DIR, the same as an "
     "unsharded run: the manifests must agree, every shard must be there once, every arrangement must "
     "come from its own shard and none twice; rebuilds index.jsonl, rows.jsonl and summary.json and "
     "returns the summary (missing counts the variants absent).",
     "Joins the shards of a sharded generate_dataset run."},
    {"read_dataset", ReadDatasetCmd, "read_dataset DIR ?-trajectories 0|1?",
     "Reads a dataset's index.jsonl and returns its QoS records as a list of dicts (keys as in the "
     "JSON: id, arrangement, variant, fingers, move, devices, pscore ..., time_ms); with -trajectories 1 "
     "each record's trajectory key holds its pre/post trajectories instead of their file name.",
     "Returns a dataset's QoS records as a list of dicts."},
    {"report_dataset", ReportDatasetCmd, "report_dataset DIR",
     "Prints what a dataset holds -- its number of records, the failures by cause that kept variants "
     "out of it, and the best and the worst variant by pscore (with pscore_osiris, area and HPWL) -- "
     "and returns it as a dict (dir records failures best worst).",
     "Prints and returns a summary of a dataset."},
    {NULL, NULL, NULL, NULL, NULL}};
