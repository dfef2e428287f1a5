/*
 * cmd_complete.c -- the layout foundation model's commands: layout_raster
 * (a cell as a channel raster and back), layout_patches (training pairs),
 * train_layout_model (pre-training and per-task fine-tuning of the
 * U-Net), complete_layout (inference, legalisation, shapes into the
 * cell), cut_shapes (delete a layer's shapes in a box, the benchmark's
 * deletion) and layout_model_info.
 *
 * The commands parse and check arguments, call core/complete, and turn
 * the result into a dict; they keep no state.
 */
#include "halo_tcl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "complete/complete.h"
#include "complete/legalise.h"
#include "complete/patches.h"
#include "complete/raster.h"
#include "nn/nn_safetensors.h"

/* ---------------------------------------------------------------- shared parsing */

/* -pixel in um -> nm on the technology grid. */
static int pixel_nm(Tcl_Interp *interp, halo_design *d, double um, int32_t *px)
{
    const halo_tech *t = design_tech(d);
    int32_t grid = t && t->grid_nm > 0 ? t->grid_nm : 5;
    long nm = (long)(um * 1000 + 0.5);
    if (nm < grid || nm > 10000 || nm % grid) {
        char v[64];
        snprintf(v, sizeof v, "%g", um);
        char want[96];
        snprintf(want, sizeof want, "a multiple of the %d nm grid between %d nm and 10 um", (int)grid, (int)grid);
        return halo_tcl_fail(interp, HALO_E_LFM_VALUE, "-pixel", v, want);
    }
    *px = (int32_t)nm;
    return TCL_OK;
}

/* -channels {NAME {LAYER ...} ...}, or sky130's table when NULL. */
static int parse_chanmap(Tcl_Interp *interp, const char *text, lfm_chanmap *m)
{
    if (!text) {
        lfm_chanmap_sky130(m);
        return TCL_OK;
    }
    memset(m, 0, sizeof *m);
    Tcl_Obj *o = Tcl_NewStringObj(text, -1);
    Tcl_IncrRefCount(o);
    Tcl_Obj **v;
    int n, rc = TCL_OK;
    if (Tcl_ListObjGetElements(NULL, o, &n, &v) != TCL_OK || n % 2 || n == 0 || n / 2 > LFM_MAX_CHANNELS)
        rc = halo_tcl_fail(interp, HALO_E_LFM_VALUE, "-channels", text, "a list of channel names and layer lists");
    for (int i = 0; i < n && rc == TCL_OK; i += 2) {
        Tcl_Obj **ls;
        int nl;
        char layers[128] = "";
        if (Tcl_ListObjGetElements(NULL, v[i + 1], &nl, &ls) != TCL_OK || nl == 0) nl = -1;
        for (int k = 0; k < nl; k++) {
            if (strlen(layers) + strlen(Tcl_GetString(ls[k])) + 2 > sizeof layers) nl = -1;
            else {
                if (k) strcat(layers, " ");
                strcat(layers, Tcl_GetString(ls[k]));
            }
        }
        if (nl < 0 || lfm_chanmap_add(m, Tcl_GetString(v[i]), layers) < 0)
            rc = halo_tcl_fail(interp, HALO_E_LFM_VALUE, "-channels entry", Tcl_GetString(v[i]),
                               "a new channel name (at most 23 characters) and its layers");
    }
    Tcl_DecrRefCount(o);
    return rc;
}

/* The box {x0 y0 x1 y1} in um as nm. */
static int parse_box_um(Tcl_Interp *interp, const char *what, const char *text, lay_box *b)
{
    Tcl_Obj *o = Tcl_NewStringObj(text, -1);
    Tcl_IncrRefCount(o);
    Tcl_Obj **v;
    int n;
    double c[4];
    int ok = Tcl_ListObjGetElements(NULL, o, &n, &v) == TCL_OK && n == 4;
    for (int i = 0; ok && i < 4; i++) ok = Tcl_GetDoubleFromObj(NULL, v[i], &c[i]) == TCL_OK && c[i] > -5e5 && c[i] < 5e5;
    Tcl_DecrRefCount(o);
    if (!ok || c[2] <= c[0] || c[3] <= c[1])
        return halo_tcl_fail(interp, HALO_E_LFM_VALUE, what, text, "{x0 y0 x1 y1} in um with x0 < x1 and y0 < y1");
    *b = lay_box_make((int32_t)(c[0] * 1000 + (c[0] < 0 ? -0.5 : 0.5)), (int32_t)(c[1] * 1000 + (c[1] < 0 ? -0.5 : 0.5)),
                      (int32_t)(c[2] * 1000 + (c[2] < 0 ? -0.5 : 0.5)), (int32_t)(c[3] * 1000 + (c[3] < 0 ? -0.5 : 0.5)));
    return TCL_OK;
}

static Tcl_Obj *channel_names_obj(const lfm_chanmap *m)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (int i = 0; i < m->nch; i++) Tcl_ListObjAppendElement(NULL, l, Tcl_NewStringObj(m->name[i], -1));
    return l;
}

/* The GDS files a -gds list names: files as given, directories as the
 * *.gds files in them and in their subdirectories (a layout_corpus.tcl
 * tree), in name order. */
static int gds_files(Tcl_Interp *interp, const char *list, Tcl_Obj **out)
{
    Tcl_Obj *o = Tcl_NewStringObj(list, -1), *res = Tcl_NewListObj(0, NULL);
    Tcl_IncrRefCount(o);
    Tcl_IncrRefCount(res);
    Tcl_Obj **v;
    int n, rc = TCL_OK;
    if (Tcl_ListObjGetElements(interp, o, &n, &v) != TCL_OK) rc = TCL_ERROR;
    for (int i = 0; i < n && rc == TCL_OK; i++) {
        Tcl_StatBuf *sb = Tcl_AllocStatBuf();
        int isdir = Tcl_FSStat(v[i], sb) == 0 && S_ISDIR(Tcl_GetModeFromStat(sb));
        Tcl_Free((char *)sb);
        if (!isdir) {
            Tcl_ListObjAppendElement(NULL, res, v[i]);
            continue;
        }
        Tcl_Obj *cmd = Tcl_ObjPrintf("lsort [glob -nocomplain -directory {%s} *.gds */*.gds]", Tcl_GetString(v[i]));
        Tcl_IncrRefCount(cmd);
        rc = Tcl_EvalObjEx(interp, cmd, 0);
        Tcl_DecrRefCount(cmd);
        if (rc == TCL_OK) Tcl_ListObjAppendList(NULL, res, Tcl_GetObjResult(interp));
    }
    Tcl_DecrRefCount(o);
    int nres = 0;
    Tcl_ListObjLength(NULL, res, &nres);
    if (rc == TCL_OK && nres == 0) rc = halo_tcl_fail(interp, HALO_E_LFM_DATA, "-gds names no GDS file");
    if (rc != TCL_OK) {
        Tcl_DecrRefCount(res);
        return TCL_ERROR;
    }
    *out = res;
    return TCL_OK;
}

/* Every top cell of every file as a raster in c. */
static int load_corpus(Tcl_Interp *interp, halo_design *d, const char *gds, int32_t px, lfm_corpus *c)
{
    Tcl_Obj *files;
    if (gds_files(interp, gds, &files) != TCL_OK) return TCL_ERROR;
    Tcl_Obj **v;
    int n;
    Tcl_ListObjGetElements(NULL, files, &n, &v);
    halo_err err;
    halo_err_clear(&err);
    int rc = TCL_OK;
    for (int i = 0; i < n && rc == TCL_OK; i++)
        if (lfm_corpus_add_gds(c, Tcl_GetString(v[i]), design_tech(d), px, &err) < 0) rc = halo_tcl_error(interp, &err);
    Tcl_DecrRefCount(files);
    if (rc == TCL_OK && c->n == 0) rc = halo_tcl_fail(interp, HALO_E_LFM_DATA, "the GDS files hold no shapes");
    return rc;
}

/* ---------------------------------------------------------------- layout_raster */

/* Writes one [C,H,W] tensor over raster r's grid as safetensors with the
 * channel table and the grid's origin and pixel, so a reader can place
 * every pixel: the layout raster itself (v NULL) or a model's output. */
static int write_grid_tensor(Tcl_Interp *interp, const lfm_raster *r, const lfm_chanmap *m, const char *name,
                             const char *format, const float *v, const uint8_t *cmd, int ncmd, const char *path)
{
    nn_params ps;
    nn_params_init(&ps);
    int shape[3] = {r->c, r->h, r->w}, cshape[3] = {ncmd, r->h, r->w};
    nn_param *p = nn_params_add(&ps, name, 3, shape);
    for (size_t i = 0; p && i < p->n; i++) p->w[i] = v ? v[i] : r->v[i];
    /* the command planes the model was given, as its input has them */
    nn_param *c = cmd && ncmd > 0 && p ? nn_params_add(&ps, "command", 3, cshape) : NULL;
    size_t hw = (size_t)r->h * r->w;
    for (size_t i = 0; c && i < c->n; i++) c->w[i] = lfm_cmd_value(cmd[i % hw], ncmd, (int)(i / hw));
    if (cmd && ncmd > 0 && !c) p = NULL;
    nn_meta meta = {NULL, NULL, 0};
    char text[4096], num[64];
    lfm_chanmap_to_text(m, text, sizeof text);
    nn_meta_set(&meta, "format", format);
    nn_meta_set(&meta, "channels", text);
    snprintf(num, sizeof num, "%d", (int)r->px);
    nn_meta_set(&meta, "pixel_nm", num);
    snprintf(num, sizeof num, "%d", (int)r->x0);
    nn_meta_set(&meta, "x0_nm", num);
    snprintf(num, sizeof num, "%d", (int)r->y0);
    nn_meta_set(&meta, "y0_nm", num);
    nn_meta_set(&meta, "rows", "row 0 is the bottom (smallest y)");
    halo_err err;
    halo_err_clear(&err);
    int rc = p ? nn_safetensors_write(path, &ps, &meta, &err) : halo_err_set(&err, HALO_E_NOMEM, NULL, 0);
    nn_params_free(&ps);
    nn_meta_free(&meta);
    return rc ? halo_tcl_error(interp, &err) : TCL_OK;
}

static Tcl_Obj *raster_dict(const lfm_raster *r, const lfm_chanmap *m)
{
    Tcl_Obj *d = Tcl_NewDictObj(), *on = Tcl_NewDictObj(), *shape = Tcl_NewListObj(0, NULL);
    halo_dict_put(d, "channels", channel_names_obj(m));
    Tcl_ListObjAppendElement(NULL, shape, Tcl_NewIntObj(r->c));
    Tcl_ListObjAppendElement(NULL, shape, Tcl_NewIntObj(r->h));
    Tcl_ListObjAppendElement(NULL, shape, Tcl_NewIntObj(r->w));
    halo_dict_put(d, "shape", shape);
    Tcl_Obj *org = Tcl_NewListObj(0, NULL);
    Tcl_ListObjAppendElement(NULL, org, halo_num_obj(r->x0 / 1000.0));
    Tcl_ListObjAppendElement(NULL, org, halo_num_obj(r->y0 / 1000.0));
    halo_dict_put(d, "origin", org);
    halo_dict_put(d, "pixel", halo_num_obj(r->px / 1000.0));
    for (int i = 0; i < m->nch; i++) halo_dict_put(on, m->name[i], Tcl_NewLongObj(lfm_raster_count(r, i)));
    halo_dict_put(d, "on", on);
    return d;
}

/* layout_raster -from FILE -into CELL: the raster's channels, vectorised,
 * drawn on each channel's first layer. */
static int raster_into(Tcl_Interp *interp, halo_design *d, const char *path, const char *cellname)
{
    nn_params ps;
    nn_meta meta = {NULL, NULL, 0};
    nn_params_init(&ps);
    halo_err err;
    halo_err_clear(&err);
    lfm_chanmap m;
    int rc = TCL_ERROR;
    lfm_raster *r = NULL;
    if (nn_safetensors_read(path, &ps, &meta, &err)) {
        rc = halo_tcl_error(interp, &err);
        goto done;
    }
    nn_param *p = nn_params_find(&ps, "layout");
    const char *pxs = nn_meta_get(&meta, "pixel_nm"), *xs = nn_meta_get(&meta, "x0_nm"), *ys = nn_meta_get(&meta, "y0_nm");
    if (!p || p->ndim != 3 || !pxs || !xs || !ys || lfm_chanmap_from_text(nn_meta_get(&meta, "channels"), &m) ||
        m.nch != p->shape[0] || atoi(pxs) <= 0) {
        rc = halo_tcl_fail(interp, HALO_E_LFM_FILE, path, "layout raster",
                           "it needs a [C,H,W] tensor \"layout\" and channels, pixel_nm, x0_nm, y0_nm metadata");
        goto done;
    }
    r = lfm_raster_new(p->shape[0], p->shape[1], p->shape[2], atoi(xs), atoi(ys), atoi(pxs));
    if (!r) {
        rc = halo_tcl_fail(interp, HALO_E_NOMEM);
        goto done;
    }
    for (size_t i = 0; i < p->n; i++) r->v[i] = p->w[i] >= 0.5f;
    lay_lib *lib = design_layout(d);
    int cell = lay_cell_find(lib, cellname);
    if (cell < 0 && (cell = lay_cell_new(lib, cellname)) < 0) {
        rc = halo_tcl_fail(interp, HALO_E_LFM_VALUE, "-into", cellname, "a cell name");
        goto done;
    }
    Tcl_Obj *res = Tcl_NewDictObj();
    for (int ch = 0; ch < m.nch; ch++) {
        char lname[64];
        int layer = lay_layer_find(lib, lfm_chanmap_layer(&m, ch, lname, sizeof lname));
        lay_box *bx;
        int nb = layer < 0 ? 0 : lfm_raster_boxes(r, ch, &bx);
        for (int i = 0; i < nb; i++) lay_rect_add(lib->cells[cell], layer, bx[i], -1);
        if (layer >= 0 && nb > 0) free(bx);
        if (nb > 0) halo_dict_put(res, m.name[ch], Tcl_NewIntObj(nb));
    }
    Tcl_SetObjResult(interp, res);
    rc = TCL_OK;
done:
    lfm_raster_free(r);
    nn_params_free(&ps);
    nn_meta_free(&meta);
    return rc;
}

/* layout_raster ?CELL? ?-pixel UM? ?-channels MAP? ?-window BOX? ?-out FILE?
 * | layout_raster -from FILE -into CELL */
static int LayoutRasterCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    int first = 1;
    Tcl_Obj *cellname = NULL;
    if (objc > 1 && Tcl_GetString(objv[1])[0] != '-') cellname = objv[1], first = 2;
    double pixel = 0.04;
    const char *channels = NULL, *window = NULL, *out = NULL, *from = NULL, *into = NULL;
    opt_spec spec[] = {{"-pixel", OPT_NUM, &pixel, 0.001, 10, "a pixel size in um"},
                       {"-channels", OPT_STR, &channels, 0, 0, NULL},
                       {"-window", OPT_STR, &window, 0, 0, NULL},
                       {"-out", OPT_STR, &out, 0, 0, NULL},
                       {"-from", OPT_STR, &from, 0, 0, NULL},
                       {"-into", OPT_STR, &into, 0, 0, NULL},
                       {NULL, 0, NULL, 0, 0, NULL}};
    if (halo_parse_opts(interp, objc, objv, first, spec) != TCL_OK) return TCL_ERROR;
    if (from || into) {
        if (!from || !into || cellname) return halo_usage(interp, "layout_raster");
        return raster_into(interp, d, from, into);
    }
    int cell;
    int32_t px;
    lfm_chanmap m;
    lay_box win = lay_box_make(0, 0, 0, 0);
    if (halo_pick_flat_cell(interp, d, cellname, &cell) != TCL_OK || pixel_nm(interp, d, pixel, &px) != TCL_OK ||
        parse_chanmap(interp, channels, &m) != TCL_OK || (window && parse_box_um(interp, "-window", window, &win)))
        return TCL_ERROR;
    lfm_raster *r = lfm_raster_cell(design_layout(d), cell, &m, px, win);
    if (!r) return halo_tcl_fail(interp, HALO_E_LFM_DATA, "the cell is empty or the window too large");
    int rc = out ? write_grid_tensor(interp, r, &m, "layout", "halo.layout_raster", NULL, NULL, 0, out) : TCL_OK;
    if (rc == TCL_OK) Tcl_SetObjResult(interp, raster_dict(r, &m));
    lfm_raster_free(r);
    return rc;
}

/* ---------------------------------------------------------------- layout_patches */

static int parse_task(Tcl_Interp *interp, const char *name, lfm_task *t)
{
    if (lfm_task_parse(name, t))
        return halo_tcl_fail(interp, HALO_E_LFM_VALUE, "-task", name, "pretrain, contact, via, nwell, nwell_edge or route");
    return TCL_OK;
}

/* layout_patches -gds LIST ?-task T? ?-count N? ?-size PX? ?-pixel UM? ?-seed S? ?-out FILE? */
static int LayoutPatchesCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    const char *gds = NULL, *task = "pretrain", *out = NULL;
    int count = 100, size = 64, seed = 1;
    double pixel = 0.04;
    opt_spec spec[] = {{"-gds", OPT_STR, &gds, 0, 0, NULL},
                       {"-task", OPT_STR, &task, 0, 0, NULL},
                       {"-count", OPT_INT, &count, 1, 100000, "1 to 100000 patches"},
                       {"-size", OPT_INT, &size, 8, 1024, "a patch side of 8 to 1024 pixels"},
                       {"-pixel", OPT_NUM, &pixel, 0.001, 10, "a pixel size in um"},
                       {"-seed", OPT_INT, &seed, 0, 2147483647, "a seed from 0 to 2^31-1"},
                       {"-out", OPT_STR, &out, 0, 0, NULL},
                       {NULL, 0, NULL, 0, 0, NULL}};
    if (halo_parse_opts(interp, objc, objv, 1, spec) != TCL_OK) return TCL_ERROR;
    if (!gds) return halo_usage(interp, "layout_patches");
    lfm_task t;
    int32_t px;
    if (parse_task(interp, task, &t) != TCL_OK || pixel_nm(interp, d, pixel, &px) != TCL_OK) return TCL_ERROR;
    lfm_chanmap m;
    lfm_chanmap_sky130(&m);
    lfm_corpus c;
    lfm_corpus_init(&c, &m);
    if (load_corpus(interp, d, gds, px, &c) != TCL_OK) {
        lfm_corpus_free(&c);
        return TCL_ERROR;
    }
    int C = m.nch, ncmd = lfm_task_cmd_channels(t);
    size_t xs = (size_t)(C + ncmd) * size * size, ys = (size_t)C * size * size;
    nn_params ps;
    nn_params_init(&ps);
    int xshape[4] = {out ? count : 1, C + ncmd, size, size}, yshape[4] = {out ? count : 1, C, size, size};
    nn_param *px_ = nn_params_add(&ps, "x", 4, xshape), *py_ = nn_params_add(&ps, "y", 4, yshape);
    long per_channel[LFM_MAX_CHANNELS] = {0};
    double removed = 0;
    halo_rng rng;
    rng_seed(&rng, (uint64_t)seed);
    int rc = px_ && py_ ? TCL_OK : halo_tcl_fail(interp, HALO_E_NOMEM);
    for (int i = 0; i < count && rc == TCL_OK; i++) {
        lfm_sample_info info;
        float *x = px_->w + (out ? (size_t)i * xs : 0), *y = py_->w + (out ? (size_t)i * ys : 0);
        if (lfm_sample(&c, t, size, &rng, x, y, &info))
            rc = halo_tcl_fail(interp, HALO_E_LFM_DATA, "the layouts have no element the task removes");
        else per_channel[info.channel]++, removed += info.removed;
    }
    if (rc == TCL_OK && out) {
        nn_meta meta = {NULL, NULL, 0};
        char text[4096], num[32];
        lfm_chanmap_to_text(&m, text, sizeof text);
        nn_meta_set(&meta, "format", "halo.layout_patches");
        nn_meta_set(&meta, "channels", text);
        nn_meta_set(&meta, "task", lfm_task_name(t));
        snprintf(num, sizeof num, "%d", (int)px);
        nn_meta_set(&meta, "pixel_nm", num);
        halo_err err;
        halo_err_clear(&err);
        if (nn_safetensors_write(out, &ps, &meta, &err)) rc = halo_tcl_error(interp, &err);
        nn_meta_free(&meta);
    }
    if (rc == TCL_OK) {
        Tcl_Obj *r = Tcl_NewDictObj(), *pc = Tcl_NewDictObj();
        halo_dict_put(r, "samples", Tcl_NewIntObj(count));
        halo_dict_put(r, "task", Tcl_NewStringObj(lfm_task_name(t), -1));
        halo_dict_put(r, "layouts", Tcl_NewIntObj(c.n));
        halo_dict_put(r, "size", Tcl_NewIntObj(size));
        halo_dict_put(r, "pixel", halo_num_obj(px / 1000.0));
        halo_dict_put(r, "channels", Tcl_NewIntObj(C + ncmd));
        for (int ch = 0; ch < C; ch++)
            if (per_channel[ch]) halo_dict_put(pc, m.name[ch], Tcl_NewLongObj(per_channel[ch]));
        halo_dict_put(r, "per_channel", pc);
        halo_dict_put(r, "removed_pixels_mean", Tcl_NewDoubleObj(removed / count));
        Tcl_SetObjResult(interp, r);
    }
    nn_params_free(&ps);
    lfm_corpus_free(&c);
    return rc;
}

/* ---------------------------------------------------------------- cut_shapes */

/* A rectangle minus a box: up to four pieces (below, above, left, right). */
static int box_minus(lay_box r, lay_box b, lay_box out[4])
{
    int n = 0;
    if (r.x1 <= b.x0 || r.x0 >= b.x1 || r.y1 <= b.y0 || r.y0 >= b.y1) {
        out[0] = r;
        return 1;
    }
    int32_t ya = r.y0 > b.y0 ? r.y0 : b.y0, yb = r.y1 < b.y1 ? r.y1 : b.y1;
    if (r.y0 < b.y0) out[n++] = lay_box_make(r.x0, r.y0, r.x1, b.y0);
    if (r.y1 > b.y1) out[n++] = lay_box_make(r.x0, b.y1, r.x1, r.y1);
    if (r.x0 < b.x0) out[n++] = lay_box_make(r.x0, ya, b.x0, yb);
    if (r.x1 > b.x1) out[n++] = lay_box_make(b.x1, ya, r.x1, yb);
    return n;
}

/* cut_shapes CELL -layers LIST -box BOX ?-mode inside|clip? */
static int CutShapesCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    if (objc < 2) return halo_usage(interp, "cut_shapes");
    const char *layers = NULL, *box = NULL, *mode = "inside";
    opt_spec spec[] = {{"-layers", OPT_STR, &layers, 0, 0, NULL},
                       {"-box", OPT_STR, &box, 0, 0, NULL},
                       {"-mode", OPT_STR, &mode, 0, 0, NULL},
                       {NULL, 0, NULL, 0, 0, NULL}};
    int cell;
    lay_box b;
    if (halo_pick_cell(interp, d, objv[1], &cell) != TCL_OK || halo_parse_opts(interp, objc, objv, 2, spec) != TCL_OK)
        return TCL_ERROR;
    if (!layers || !box) return halo_usage(interp, "cut_shapes");
    int clip = !strcmp(mode, "clip");
    if (!clip && strcmp(mode, "inside")) return halo_tcl_fail(interp, HALO_E_LFM_VALUE, "-mode", mode, "inside or clip");
    if (parse_box_um(interp, "-box", box, &b) != TCL_OK) return TCL_ERROR;
    lay_lib *lib = design_layout(d);
    char want[256] = {0};
    Tcl_Obj *lo = Tcl_NewStringObj(layers, -1);
    Tcl_IncrRefCount(lo);
    Tcl_Obj **lv;
    int nl, rc = TCL_OK;
    if (Tcl_ListObjGetElements(NULL, lo, &nl, &lv) != TCL_OK) nl = 0;
    for (int i = 0; i < nl && rc == TCL_OK; i++) {
        int l = lay_layer_find(lib, Tcl_GetString(lv[i]));
        if (l < 0 || l >= (int)sizeof want) rc = halo_tcl_fail(interp, HALO_E_LFM_VALUE, "-layers", Tcl_GetString(lv[i]), "a layer name");
        else want[l] = 1;
    }
    Tcl_DecrRefCount(lo);
    if (rc != TCL_OK) return rc;
    if (nl == 0) return halo_tcl_fail(interp, HALO_E_LFM_VALUE, "-layers", layers, "a list of layer names");
    lay_cell *c = lib->cells[cell];
    /* Rebuild the rectangle list: kept ones, and for clip the pieces of
     * the cut ones; appended pieces are not cut again. */
    int n0 = c->nrects, cut = 0;
    lay_rect *old = malloc((size_t)(n0 ? n0 : 1) * sizeof *old);
    if (!old) return halo_tcl_fail(interp, HALO_E_NOMEM);
    memcpy(old, c->rects, (size_t)n0 * sizeof *old);
    c->nrects = 0;
    for (int i = 0; i < n0; i++) {
        lay_rect r = old[i];
        int hit = r.layer < (int)sizeof want && want[r.layer] && r.box.x1 > b.x0 && r.box.x0 < b.x1 && r.box.y1 > b.y0 &&
                  r.box.y0 < b.y1;
        int inside = r.box.x0 >= b.x0 && r.box.x1 <= b.x1 && r.box.y0 >= b.y0 && r.box.y1 <= b.y1;
        if (!hit || (!clip && !inside)) {
            c->rects[c->nrects++] = r;
            continue;
        }
        cut++;
        if (!clip) continue;
        lay_box pieces[4];
        int np = box_minus(r.box, b, pieces);
        for (int k = 0; k < np; k++) lay_rect_add(c, r.layer, pieces[k], r.net);
    }
    free(old);
    Tcl_SetObjResult(interp, Tcl_NewIntObj(cut));
    return TCL_OK;
}

/* ---------------------------------------------------------------- train_layout_model */

typedef struct train_args {
    const char *gds, *val_gds, *out, *task, *init;
    int samples, steps, batch, size, base, levels, attn, stem, seed, val, quiet, progress;
    double lr, pixel, minutes, dice;
} train_args;

static void train_progress(void *ctx, long step, long steps, double loss, double seconds)
{
    char line[160];
    snprintf(line, sizeof line, "train_layout_model: step %ld/%ld loss %.4f (%.0f s)\n", step, steps, loss, seconds);
    halo_report((Tcl_Interp *)ctx, line);
}

static Tcl_Obj *scores_obj(const lfm_scores *s)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    halo_dict_put(d, "iou", Tcl_NewDoubleObj(s->iou));
    halo_dict_put(d, "dice", Tcl_NewDoubleObj(s->dice));
    return d;
}

/* A patch side (of option opt) the U-Net's levels can halve. */
static int check_patch_side(Tcl_Interp *interp, const char *opt, int size, int levels)
{
    if (size % (1 << levels) == 0) return TCL_OK;
    char v[32];
    snprintf(v, sizeof v, "%d", size);
    return halo_tcl_fail(interp, HALO_E_LFM_VALUE, opt, v, "a multiple of 2^levels");
}

static int start_model(Tcl_Interp *interp, halo_design *d, const train_args *a, lfm_task t, lfm_model *m)
{
    halo_err err;
    halo_err_clear(&err);
    if (a->init) {
        lfm_model src;
        if (lfm_model_load(a->init, &src, &err)) return halo_tcl_error(interp, &err);
        int rc = lfm_model_derive(m, &src, t, (uint64_t)a->seed, &err);
        lfm_model_free(&src);
        if (rc) return halo_tcl_error(interp, &err);
        /* The U-Net is convolutional and its attention has no positions,
         * so a copy may train and complete on larger patches (more context
         * round each pixel) than it was pre-trained on. */
        if (a->size && check_patch_side(interp, "-size", a->size, lfm_unet_config(m->net)->levels) != TCL_OK) {
            lfm_model_free(m);
            return TCL_ERROR;
        }
        if (a->size) m->patch = a->size;
        /* and at another pixel: a coarser one sees farther in the same
         * patch (an N-well's edge follows a tap up to 9 um away), the
         * copied weights then only a starting point */
        if (a->pixel > 0 && pixel_nm(interp, d, a->pixel, &m->px) != TCL_OK) {
            lfm_model_free(m);
            return TCL_ERROR;
        }
        return TCL_OK;
    }
    int32_t px;
    if (pixel_nm(interp, d, a->pixel > 0 ? a->pixel : 0.04, &px) != TCL_OK) return TCL_ERROR;
    int size = a->size ? a->size : 64;
    if (check_patch_side(interp, "-size", size, a->levels) != TCL_OK) return TCL_ERROR;
    lfm_chanmap map;
    lfm_chanmap_sky130(&map);
    lfm_cfg cfg = {map.nch, 0, a->stem, a->base, a->levels, 1, a->attn, a->attn ? 4 : 0};
    if (lfm_model_new(m, &cfg, &map, t, px, size, (uint64_t)a->seed, &err)) return halo_tcl_error(interp, &err);
    return TCL_OK;
}

/* train_layout_model -gds LIST -out FILE ?options? */
static int TrainLayoutModelCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    train_args a = {NULL, NULL, NULL, "pretrain", NULL, 0, 2000, 8, 0, 16, 3, 1, 8, 1, 200, 0, 100,
                    1e-3, 0, 0, 1.0};
    opt_spec spec[] = {{"-gds", OPT_STR, &a.gds, 0, 0, NULL},
                       {"-val_gds", OPT_STR, &a.val_gds, 0, 0, NULL},
                       {"-out", OPT_STR, &a.out, 0, 0, NULL},
                       {"-task", OPT_STR, &a.task, 0, 0, NULL},
                       {"-init", OPT_STR, &a.init, 0, 0, NULL},
                       {"-samples", OPT_INT, &a.samples, 0, 1000000, "0 (fresh pairs every step) or a pair count"},
                       {"-steps", OPT_INT, &a.steps, 1, 100000000, "a positive step count"},
                       {"-batch", OPT_INT, &a.batch, 1, 256, "1 to 256 pairs per step"},
                       {"-size", OPT_INT, &a.size, 8, 512, "a patch side of 8 to 512 pixels"},
                       {"-base", OPT_INT, &a.base, 1, 256, "1 to 256 channels"},
                       {"-levels", OPT_INT, &a.levels, 0, 6, "0 to 6 levels"},
                       {"-attn", OPT_INT, &a.attn, 0, 1, "0 or 1"},
                       {"-stem", OPT_INT, &a.stem, 1, 64, "1 to 64 channels"},
                       {"-seed", OPT_INT, &a.seed, 0, 2147483647, "a seed from 0 to 2^31-1"},
                       {"-val", OPT_INT, &a.val, 0, 100000, "0 to 100000 validation pairs"},
                       {"-quiet", OPT_INT, &a.quiet, 0, 1, "0 or 1"},
                       {"-progress", OPT_INT, &a.progress, 1, 100000000, "a positive step count"},
                       {"-lr", OPT_NUM, &a.lr, 1e-7, 1, "a learning rate from 1e-7 to 1"},
                       {"-pixel", OPT_NUM, &a.pixel, 0.001, 10, "a pixel size in um"},
                       {"-minutes", OPT_NUM, &a.minutes, 0, 100000, "a time limit in minutes (0: none)"},
                       {"-dice", OPT_NUM, &a.dice, 0, 100, "the Dice loss weight, 0 to 100"},
                       {NULL, 0, NULL, 0, 0, NULL}};
    if (halo_parse_opts(interp, objc, objv, 1, spec) != TCL_OK) return TCL_ERROR;
    if (!a.gds || !a.out) return halo_usage(interp, "train_layout_model");
    lfm_task t;
    if (parse_task(interp, a.task, &t) != TCL_OK) return TCL_ERROR;
    lfm_model m;
    memset(&m, 0, sizeof m);
    if (start_model(interp, d, &a, t, &m) != TCL_OK) return TCL_ERROR;
    lfm_corpus train, val;
    lfm_corpus_init(&train, &m.map);
    lfm_corpus_init(&val, &m.map);
    int rc = load_corpus(interp, d, a.gds, m.px, &train);
    if (rc == TCL_OK && a.val_gds) rc = load_corpus(interp, d, a.val_gds, m.px, &val);
    lfm_train_opts o = {a.steps, a.batch, a.samples, a.val_gds ? a.val : 0, (float)a.lr, (float)a.dice,
                        (uint64_t)a.seed, a.minutes * 60, a.quiet ? 0 : a.progress, train_progress, interp};
    lfm_train_result res;
    halo_err err;
    halo_err_clear(&err);
    if (rc == TCL_OK && lfm_train(&m, &train, a.val_gds ? &val : NULL, &o, &res, &err)) rc = halo_tcl_error(interp, &err);
    if (rc == TCL_OK && lfm_model_save(&m, a.out, &err)) rc = halo_tcl_error(interp, &err);
    if (rc == TCL_OK) {
        Tcl_Obj *r = Tcl_NewDictObj();
        halo_dict_put(r, "task", Tcl_NewStringObj(lfm_task_name(t), -1));
        halo_dict_put(r, "init", Tcl_NewStringObj(a.init ? a.init : "", -1));
        halo_dict_put(r, "layouts", Tcl_NewIntObj(train.n));
        halo_dict_put(r, "samples", Tcl_NewIntObj(a.samples));
        halo_dict_put(r, "steps", Tcl_NewLongObj(res.steps));
        halo_dict_put(r, "parameters", Tcl_NewWideIntObj((Tcl_WideInt)nn_params_count(lfm_unet_params(m.net))));
        halo_dict_put(r, "first_loss", Tcl_NewDoubleObj(res.first_loss));
        halo_dict_put(r, "last_loss", Tcl_NewDoubleObj(res.last_loss));
        if (a.val_gds && a.val > 0) {
            halo_dict_put(r, "val_loss", Tcl_NewDoubleObj(res.val_loss));
            halo_dict_put(r, "val", scores_obj(&res.val));
            halo_dict_put(r, "val_empty", scores_obj(&res.val_empty));
        }
        halo_dict_put(r, "seconds", Tcl_NewDoubleObj(res.seconds));
        halo_dict_put(r, "file", Tcl_NewStringObj(a.out, -1));
        Tcl_SetObjResult(interp, r);
    }
    lfm_corpus_free(&train);
    lfm_corpus_free(&val);
    lfm_model_free(&m);
    return rc;
}

/* ---------------------------------------------------------------- layout_model_info */

static int LayoutModelInfoCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    if (objc != 2) return halo_usage(interp, "layout_model_info");
    lfm_model m;
    halo_err err;
    halo_err_clear(&err);
    if (lfm_model_load(Tcl_GetString(objv[1]), &m, &err)) return halo_tcl_error(interp, &err);
    const lfm_cfg *c = lfm_unet_config(m.net);
    Tcl_Obj *r = Tcl_NewDictObj();
    halo_dict_put(r, "task", Tcl_NewStringObj(lfm_task_name(m.task), -1));
    halo_dict_put(r, "channels", channel_names_obj(&m.map));
    halo_dict_put(r, "pixel", halo_num_obj(m.px / 1000.0));
    halo_dict_put(r, "patch", Tcl_NewIntObj(m.patch));
    halo_dict_put(r, "command_channels", Tcl_NewIntObj(c->cmd_ch));
    halo_dict_put(r, "stem", Tcl_NewIntObj(c->stem_ch));
    halo_dict_put(r, "base", Tcl_NewIntObj(c->base_ch));
    halo_dict_put(r, "levels", Tcl_NewIntObj(c->levels));
    halo_dict_put(r, "attn", Tcl_NewIntObj(c->attn));
    halo_dict_put(r, "parameters", Tcl_NewWideIntObj((Tcl_WideInt)nn_params_count(lfm_unet_params(m.net))));
    halo_dict_put(r, "trained_steps", Tcl_NewLongObj(m.trained_steps));
    lfm_model_free(&m);
    Tcl_SetObjResult(interp, r);
    return TCL_OK;
}

/* ---------------------------------------------------------------- complete_layout */

typedef struct complete_args {
    const char *model, *cell, *window, *from, *to, *truth, *layers, *probabilities, *coarse;
    double threshold;
    int legalise, oracle, blind, stack, patch, coarse_phases;
} complete_args;

/* "X,Y" or "X Y" in um as nm. */
static int parse_point(Tcl_Interp *interp, const char *what, const char *text, int32_t *x, int32_t *y)
{
    double a, b;
    char c;
    if (sscanf(text, "%lf%*[, ]%lf%c", &a, &b, &c) != 2 || fabs(a) > 5e5 || fabs(b) > 5e5)
        return halo_tcl_fail(interp, HALO_E_LFM_VALUE, what, text, "a point X,Y in um");
    *x = (int32_t)lround(a * 1000), *y = (int32_t)lround(b * 1000);
    return TCL_OK;
}

/* The grid the scores are counted on: the model's pixel, or a finer one
 * when the model's is coarser than halo's default 40 nm, so that models
 * at different pixels are scored alike (a coarse pixel would otherwise
 * hide every edge error smaller than itself).  in and truth are the
 * completion's area rasterised at px; win is the window in its pixels. */
typedef struct score_grid {
    int32_t px;
    int k;                   /* scoring pixels per model pixel, a side */
    const lfm_raster *in, *truth;
    int win[4];
    lfm_raster *own[2];      /* the rasters made here (k > 1), to free */
} score_grid;

#define SCORE_PX_NM 40

static int32_t gcd32(int32_t a, int32_t b) { return b ? gcd32(b, a % b) : a; }

/* On the model's pixel the grid is the completion's own input and truth
 * rasters; only a coarser model's needs them again, finer. */
static int score_grid_open(const lfm_model *m, const lay_lib *lib, const lay_flat *f, int truth_cell, lay_box area,
                           const lfm_raster *in, const lfm_raster *truth, const int win[4], score_grid *g)
{
    g->px = m->px > SCORE_PX_NM ? gcd32(m->px, SCORE_PX_NM) : m->px;
    g->k = m->px / g->px;
    g->in = in, g->truth = truth;
    if (g->k > 1) {
        g->in = g->own[0] = lfm_raster_flat(f, &m->map, g->px, area);
        g->truth = g->own[1] = lfm_raster_cell(lib, truth_cell, &m->map, g->px, area);
    }
    for (int i = 0; i < 4; i++) g->win[i] = win[i] * g->k;
    return g->in && g->truth ? 0 : -1;
}

static void score_grid_close(score_grid *g)
{
    lfm_raster_free(g->own[0]), lfm_raster_free(g->own[1]);
}

/* Scores of pred ([C][ph][pw] pixels, k scoring pixels a side each)
 * against the truth cell's elements the input lacks. */
static void truth_scores(const lfm_model *m, const score_grid *g, const uint8_t *pred, int pw, int ph, int k,
                         lfm_scores *s)
{
    memset(s, 0, sizeof *s);
    const lfm_raster *in = g->in;
    size_t phw = (size_t)pw * ph;
    int x0 = g->win[0] < 0 ? 0 : g->win[0], y0 = g->win[1] < 0 ? 0 : g->win[1];
    int x1 = g->win[2] < in->w ? g->win[2] : in->w, y1 = g->win[3] < in->h ? g->win[3] : in->h;
    for (int ch = 0; ch < in->c; ch++) {
        if (!lfm_task_targets(m->task, &m->map, ch)) continue;
        const uint8_t *have = lfm_raster_plane(in, ch), *want = lfm_raster_plane(g->truth, ch);
        for (int y = y0; y < y1 && y / k < ph; y++)
            for (int x = x0; x < x1 && x / k < pw; x++) {
                size_t p = (size_t)y * in->w + x;
                int t = want[p] && !have[p], q = pred[(size_t)ch * phw + (size_t)(y / k) * pw + x / k];
                s->tp += t && q, s->fp += q && !t, s->fn += t && !q;
            }
    }
    lfm_scores_finish(s);
}

/* An N-well edge completion's coarse well (its command plane cmd) scored
 * as a prediction (within the window, as pred is), next to the edge
 * model's: what placing the sides gained. */
static int coarse_scores(const lfm_model *m, const score_grid *g, const lfm_raster *in, const uint8_t *cmd,
                         Tcl_Obj *res)
{
    size_t hw = (size_t)in->h * in->w;
    uint8_t *as_pred = calloc((size_t)in->c * hw, 1);
    if (!as_pred) return -1;
    int x0 = g->win[0] / g->k, y0 = g->win[1] / g->k, x1 = g->win[2] / g->k, y1 = g->win[3] / g->k;
    for (int ch = 0; ch < in->c; ch++) {
        if (!lfm_task_targets(m->task, &m->map, ch)) continue;
        const uint8_t *have = lfm_raster_plane(in, ch);
        for (int y = y0 < 0 ? 0 : y0; y < y1 && y < in->h; y++)
            for (int x = x0 < 0 ? 0 : x0; x < x1 && x < in->w; x++) {
                size_t p = (size_t)y * in->w + x;
                as_pred[(size_t)ch * hw + p] = cmd[p] && !have[p];
            }
    }
    lfm_scores s;
    truth_scores(m, g, as_pred, in->w, in->h, g->k, &s);
    halo_dict_put(res, "coarse_iou", Tcl_NewDoubleObj(s.iou));
    halo_dict_put(res, "coarse_dice", Tcl_NewDoubleObj(s.dice));
    free(as_pred);
    return 0;
}

/* -layers LIST: the task's channels to complete (others' predictions are
 * dropped), as a mask over channels; every name must be a layer of a
 * channel the task completes. */
static int parse_task_layers(Tcl_Interp *interp, const lfm_model *m, const char *text, uint8_t *keep)
{
    int n;
    const char **names;
    if (Tcl_SplitList(interp, text, &n, &names) != TCL_OK) return TCL_ERROR;
    memset(keep, 0, (size_t)m->map.nch);
    int rc = n ? TCL_OK : halo_tcl_fail(interp, HALO_E_LFM_VALUE, "-layers", text, "one or more layers the task completes");
    for (int i = 0; i < n && rc == TCL_OK; i++) {
        int ch = lfm_chanmap_of_layer(&m->map, names[i]);
        if (ch < 0 || !lfm_task_targets(m->task, &m->map, ch))
            rc = halo_tcl_fail(interp, HALO_E_LFM_VALUE, "-layers", names[i], "a layer the model's task completes");
        else keep[ch] = 1;
    }
    Tcl_Free((char *)names);
    return rc;
}

/* The predicted pixels per layer of the task's channels, as a dict. */
static Tcl_Obj *predicted_by_layer(const lfm_model *m, const lfm_raster *in, const uint8_t *pred)
{
    size_t hw = (size_t)in->h * in->w;
    Tcl_Obj *d = Tcl_NewDictObj();
    for (int ch = 0; ch < in->c; ch++) {
        if (!lfm_task_targets(m->task, &m->map, ch)) continue;
        long k = 0;
        for (size_t i = 0; i < hw; i++) k += pred[(size_t)ch * hw + i];
        char layer[64];
        if (k) halo_dict_put(d, lfm_chanmap_layer(&m->map, ch, layer, sizeof layer), Tcl_NewLongObj(k));
    }
    return d;
}

/* The scores of what legalisation drew (the cell's pixels the input
 * lacked, rasterised again over area on the scoring grid) against the
 * truth: the seed's figures after legalisation (its N-well IoU of 0.98). */
static int legalised_scores(Tcl_Interp *interp, const lfm_model *m, lay_lib *lib, int cell, const score_grid *g,
                            lay_box area, Tcl_Obj *res)
{
    const lfm_raster *in = g->in;
    lfm_raster *after = lfm_raster_cell(lib, cell, &m->map, g->px, area);
    size_t n = (size_t)in->c * in->h * in->w;
    uint8_t *drawn = after && after->h == in->h && after->w == in->w ? malloc(n) : NULL;
    if (!drawn) {
        lfm_raster_free(after);
        return halo_tcl_fail(interp, HALO_E_NOMEM);
    }
    for (size_t i = 0; i < n; i++) drawn[i] = after->v[i] && !in->v[i];
    lfm_scores s;
    truth_scores(m, g, drawn, in->w, in->h, 1, &s);
    halo_dict_put(res, "iou_legalised", Tcl_NewDoubleObj(s.iou));
    halo_dict_put(res, "dice_legalised", Tcl_NewDoubleObj(s.dice));
    free(drawn);
    lfm_raster_free(after);
    return TCL_OK;
}

static int run_completion(Tcl_Interp *interp, halo_design *d, const complete_args *a, lfm_model *m,
                          lfm_model *coarse, int cell, Tcl_Obj *res)
{
    lay_lib *lib = design_layout(d);
    lay_flat *f = flat_build(lib, cell);
    if (!f) return halo_tcl_fail(interp, HALO_E_NOMEM);
    lay_box win = f->bbox;
    int rc = a->window ? parse_box_um(interp, "-window", a->window, &win) : TCL_OK;
    int32_t fx = 0, fy = 0, tx = 0, ty = 0;
    if (rc == TCL_OK && (!a->from) != (!a->to))
        rc = halo_tcl_fail(interp, HALO_E_LFM_TASK, "-from and -to go together");
    if (rc == TCL_OK && a->from) rc = parse_point(interp, "-from", a->from, &fx, &fy);
    if (rc == TCL_OK && a->to) rc = parse_point(interp, "-to", a->to, &tx, &ty);
    if (rc == TCL_OK && m->task == LFM_ROUTE && !a->from)
        rc = halo_tcl_fail(interp, HALO_E_LFM_TASK, "a route model needs -from and -to, the points to join");
    int truth_cell = -1;
    if (rc == TCL_OK && a->truth) {
        Tcl_Obj *tn = Tcl_NewStringObj(a->truth, -1);
        Tcl_IncrRefCount(tn);
        rc = halo_pick_flat_cell(interp, d, tn, &truth_cell);
        Tcl_DecrRefCount(tn);
    }
    if (rc != TCL_OK || lay_box_empty(win)) {
        flat_free(f);
        return rc == TCL_OK ? halo_tcl_fail(interp, HALO_E_LFM_TASK, "the cell is empty") : rc;
    }
    lay_box area = lfm_context_area(m, win);
    lfm_raster *in = lfm_raster_flat(f, &m->map, m->px, area);
    lfm_raster *truth = truth_cell >= 0 && in ? lfm_raster_cell(lib, truth_cell, &m->map, m->px, area) : NULL;
    size_t hw = in ? (size_t)in->h * in->w : 0;
    int ncmd = lfm_model_cmd_channels(m);
    uint8_t *cmd = in && ncmd ? calloc(hw, 1) : NULL, *pred = in ? malloc((size_t)in->c * hw) : NULL;
    float *prob = NULL;
    if (!in || !pred || (ncmd && !cmd) || (truth_cell >= 0 && !truth)) rc = halo_tcl_fail(interp, HALO_E_NOMEM);
    if (rc == TCL_OK && a->oracle && !truth)
        rc = halo_tcl_fail(interp, HALO_E_LFM_TASK, "-oracle 1 needs -truth CELL, whose elements it legalises");
    uint8_t keep_mask[LFM_MAX_CHANNELS], *keep = NULL;
    score_grid grid = {0, 1, NULL, NULL, {0, 0, 0, 0}, {NULL, NULL}};
    if (rc == TCL_OK && a->layers && (rc = parse_task_layers(interp, m, a->layers, keep_mask)) == TCL_OK) keep = keep_mask;
    if (rc == TCL_OK && a->oracle && a->blind)
        rc = halo_tcl_fail(interp, HALO_E_LFM_TASK, "-oracle 1 and -blind 1 exclude each other");
    int wx0 = in ? (win.x0 - in->x0) / m->px : 0, wy0 = in ? (win.y0 - in->y0) / m->px : 0;
    int wx1 = in ? (win.x1 - in->x0 + m->px - 1) / m->px : 0, wy1 = in ? (win.y1 - in->y0 + m->px - 1) / m->px : 0;
    if (rc == TCL_OK) {
        if (cmd && m->task == LFM_ROUTE) lfm_command_route(m, in, keep, fx, fy, tx, ty, cmd);
        else if (cmd && m->task == LFM_NWELL_EDGE) {
            int phases = a->coarse_phases ? a->coarse_phases : LFM_COARSE_PHASES;
            if (lfm_command_coarse(coarse, f, win, in, (float)a->threshold, phases, cmd))
                rc = halo_tcl_fail(interp, HALO_E_NOMEM);
        } else if (cmd) lfm_command_window(in, wx0, wy0, wx1, wy1, cmd);
    }
    if (rc == TCL_OK) {
        if (a->blind) {
            /* no prediction at all: what the legaliser does without the model */
            prob = calloc((size_t)in->c * hw, sizeof *prob);
        } else if (a->oracle) {
            /* the truth as a perfect prediction: what legalisation alone achieves */
            if ((prob = malloc((size_t)in->c * hw * sizeof *prob)))
                for (size_t i = 0; i < (size_t)in->c * hw; i++) prob[i] = truth->v[i];
        } else prob = lfm_infer(m, in, cmd);
        if (!prob) rc = halo_tcl_fail(interp, HALO_E_NOMEM);
        else if (a->probabilities)
            rc = write_grid_tensor(interp, in, &m->map, "probability", "halo.layout_probability", prob, cmd,
                                   ncmd, a->probabilities);
    }
    if (rc == TCL_OK) {
        lfm_predicted(m, in, prob, (float)a->threshold, wx0, wy0, wx1, wy1, pred);
        halo_dict_put(res, "predicted", predicted_by_layer(m, in, pred));
        if (keep)
            for (int ch = 0; ch < in->c; ch++)
                if (!keep[ch]) memset(pred + (size_t)ch * hw, 0, hw);
        long npred = 0;
        for (size_t i = 0; i < (size_t)in->c * hw; i++) npred += pred[i];
        halo_dict_put(res, "predicted_pixels", Tcl_NewLongObj(npred));
        int win_px[4] = {wx0, wy0, wx1, wy1};
        if (truth && score_grid_open(m, lib, f, truth_cell, area, in, truth, win_px, &grid)) rc = halo_tcl_fail(interp, HALO_E_NOMEM);
        else if (truth) {
            lfm_scores s;
            truth_scores(m, &grid, pred, in->w, in->h, grid.k, &s);
            halo_dict_put(res, "iou", Tcl_NewDoubleObj(s.iou));
            halo_dict_put(res, "dice", Tcl_NewDoubleObj(s.dice));
            halo_dict_put(res, "truth_pixels", Tcl_NewLongObj((long)(s.tp + s.fn)));
            if (m->task == LFM_NWELL_EDGE && cmd && coarse_scores(m, &grid, in, cmd, res)) rc = halo_tcl_fail(interp, HALO_E_NOMEM);
        }
    }
    if (rc == TCL_OK && a->legalise) {
        lfm_shape *sh = NULL;
        int n = 0;
        halo_err err;
        halo_err_clear(&err);
        int win_px[4] = {wx0, wy0, wx1, wy1};
        if (lfm_legalise(m, in, prob, pred, cmd, win_px, a->stack, f, design_tech(d), &sh, &n, &err)) rc = halo_tcl_error(interp, &err);
        Tcl_Obj *added = Tcl_NewDictObj();
        int count[256] = {0};
        for (int i = 0; i < n; i++) {
            lay_rect_add(lib->cells[cell], sh[i].layer, sh[i].box, -1);
            if (sh[i].layer < 256) count[sh[i].layer]++;
        }
        for (int l = 0; l < lib->nlayers && l < 256; l++)
            if (count[l]) halo_dict_put(added, lib->layers[l].name, Tcl_NewIntObj(count[l]));
        halo_dict_put(res, "added", added);
        free(sh);
        if (rc == TCL_OK && truth) rc = legalised_scores(interp, m, lib, cell, &grid, area, res);
    }
    score_grid_close(&grid);
    free(prob), free(pred), free(cmd);
    lfm_raster_free(in), lfm_raster_free(truth);
    flat_free(f);
    return rc;
}

/* -coarse FILE: an N-well edge model's coarse well comes from an nwell
 * model at a coarser pixel of the same channels; any other model takes
 * none. */
static int load_coarse_model(Tcl_Interp *interp, const complete_args *a, const lfm_model *m, lfm_model *coarse)
{
    if ((m->task == LFM_NWELL_EDGE) != (a->coarse != NULL))
        return halo_tcl_fail(interp, HALO_E_LFM_TASK, a->coarse ? "-coarse goes with an nwell_edge model only"
                                                                : "an nwell_edge model needs -coarse FILE, the nwell model whose "
                                                                  "well it places the sides of");
    if (!a->coarse && a->coarse_phases)
        return halo_tcl_fail(interp, HALO_E_LFM_TASK, "-coarse_phases goes with -coarse only");
    if (!a->coarse) return TCL_OK;
    halo_err err;
    halo_err_clear(&err);
    if (lfm_model_load(a->coarse, coarse, &err)) return halo_tcl_error(interp, &err);
    const char *why = coarse->task != LFM_NWELL ? "is not an nwell model"
                      : coarse->px < m->px      ? "has a finer pixel than the edge model"
                      : coarse->map.nch != m->map.nch ? "has other channels than the edge model"
                                                      : NULL;
    if (why) {
        char w[200];
        snprintf(w, sizeof w, "-coarse %s %s", a->coarse, why);
        lfm_model_free(coarse);
        return halo_tcl_fail(interp, HALO_E_LFM_TASK, w);
    }
    return TCL_OK;
}

/* complete_layout -model FILE ?-cell CELL? ?-window BOX? ?-from X,Y -to X,Y? ?-truth CELL? ?-threshold T? ?-legalise 0|1? */
static int CompleteLayoutCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    halo_design *d = cd;
    complete_args a = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0.5, 1, 0, 0, 1, 0, 0};
    opt_spec spec[] = {{"-model", OPT_STR, &a.model, 0, 0, NULL},
                       {"-cell", OPT_STR, &a.cell, 0, 0, NULL},
                       {"-window", OPT_STR, &a.window, 0, 0, NULL},
                       {"-from", OPT_STR, &a.from, 0, 0, NULL},
                       {"-to", OPT_STR, &a.to, 0, 0, NULL},
                       {"-truth", OPT_STR, &a.truth, 0, 0, NULL},
                       {"-threshold", OPT_NUM, &a.threshold, 0.01, 0.99, "a probability from 0.01 to 0.99"},
                       {"-legalise", OPT_INT, &a.legalise, 0, 1, "0 or 1"},
                       {"-oracle", OPT_INT, &a.oracle, 0, 1, "0 or 1"},
                       {"-blind", OPT_INT, &a.blind, 0, 1, "0 or 1"},
                       {"-stack", OPT_INT, &a.stack, 0, 1, "0 or 1"},
                       {"-layers", OPT_STR, &a.layers, 0, 0, NULL},
                       {"-probabilities", OPT_STR, &a.probabilities, 0, 0, NULL},
                       {"-coarse", OPT_STR, &a.coarse, 0, 0, NULL},
                       {"-patch", OPT_INT, &a.patch, 8, 1024, "a patch side of 8 to 1024 pixels"},
                       {"-coarse_phases", OPT_INT, &a.coarse_phases, 1, LFM_COARSE_PHASES_MAX,
                        "a count of 1 to 8"},
                       {NULL, 0, NULL, 0, 0, NULL}};
    if (halo_parse_opts(interp, objc, objv, 1, spec) != TCL_OK) return TCL_ERROR;
    if (!a.model) return halo_usage(interp, "complete_layout");
    int cell;
    Tcl_Obj *cn = a.cell ? Tcl_NewStringObj(a.cell, -1) : NULL;
    if (cn) Tcl_IncrRefCount(cn);
    int rc = halo_pick_flat_cell(interp, d, cn, &cell);
    if (cn) Tcl_DecrRefCount(cn);
    if (rc != TCL_OK) return rc;
    lfm_model m;
    halo_err err;
    halo_err_clear(&err);
    if (lfm_model_load(a.model, &m, &err)) return halo_tcl_error(interp, &err);
    if (m.task == LFM_PRETRAIN) {
        lfm_model_free(&m);
        return halo_tcl_fail(interp, HALO_E_LFM_TASK,
                             "the model is only pre-trained; fine-tune it for contact, via, nwell, nwell_edge or route first");
    }
    /* -patch: the U-Net is convolutional and its attention has no
     * positions, so it runs on patches of another side as it trained on */
    if (a.patch) {
        if (check_patch_side(interp, "-patch", a.patch, lfm_unet_config(m.net)->levels) != TCL_OK) {
            lfm_model_free(&m);
            return TCL_ERROR;
        }
        m.patch = a.patch;
    }
    lfm_model coarse = {0};
    if (load_coarse_model(interp, &a, &m, &coarse) != TCL_OK) {
        lfm_model_free(&m);
        return TCL_ERROR;
    }
    Tcl_Obj *res = Tcl_NewDictObj();
    Tcl_IncrRefCount(res);
    halo_dict_put(res, "task", Tcl_NewStringObj(lfm_task_name(m.task), -1));
    rc = run_completion(interp, d, &a, &m, a.coarse ? &coarse : NULL, cell, res);
    lfm_model_free(&m);
    if (a.coarse) lfm_model_free(&coarse);
    if (rc == TCL_OK) Tcl_SetObjResult(interp, res);
    Tcl_DecrRefCount(res);
    return rc;
}

/* ---------------------------------------------------------------- table */

const HaloCmd halo_complete_cmds[] = {
    {"layout_raster", LayoutRasterCmd,
     "layout_raster ?CELL? ?-pixel UM? ?-channels MAP? ?-window BOX? ?-out FILE? | layout_raster -from FILE -into CELL",
     "Rasterises CELL's whole hierarchy (default the current cell) as a [C,H,W] picture, one channel per physical "
     "function, at -pixel UM (0.04) over -window {x0 y0 x1 y1} um (default the cell's bounding box; the origin "
     "rounded down to a whole pixel). A pixel is on when its centre lies in a shape of one of the channel's layers; "
     "row 0 is the bottom. -channels {NAME {LAYER ...} ...} replaces sky130's 21-channel table (nwell diff tap "
     "poly contact li1 mcon met1 via met2 via2 met3 via3 met4 via4 met5 nsdm psdm npc mim resistor), so another "
     "technology maps onto the same channels. -out writes the tensor \"layout\" as safetensors with the table, "
     "pixel and origin in its metadata. -from FILE -into CELL reads such a file back: each channel's pixels as "
     "maximal rectangles on the channel's first layer, added to CELL (made when absent). Returns a dict: "
     "channels shape origin pixel on (pixels per channel), or for -into the rectangles per channel.",
     "Turns a cell into a channel raster and back."},
    {"layout_patches", LayoutPatchesCmd,
     "layout_patches -gds LIST ?-task pretrain|contact|via|nwell|nwell_edge|route? ?-count N? ?-size PX? ?-pixel UM? ?-seed S? "
     "?-out FILE?",
     "Draws N (100) training pairs of -size PX (64) pixels from the top cells of the GDS files in LIST (a "
     "directory stands for its *.gds, e.g. a generate_dataset directory). pretrain: a channel drawn uniformly "
     "among those the layouts have (equal counts per layer type), a patch round one of its elements, a random "
     "subset of that channel's elements removed. contact and via: the cuts of one cut channel inside a random box "
     "removed; via also marks the box round them, grown by 0-8 pixels, in an extra command channel (the window "
     "complete_layout gives a via model; a quarter of via boxes cover the whole patch). nwell: every N-well of a patch drawn round a well or, one in four, anywhere. nwell_edge: every N-well of a patch drawn round a point on a side of a well, "
     "its command channel the well as a model at 4 times the pixel draws it (a coarse pixel on when its centre is in the well), each "
     "side then moved up to two coarse pixels in or out, as a coarse model's sides land: the pairs that teach a fine model to place a coarse "
     "well's sides. route: one stretch of a "
     "metal element cut out (three in four: across the wire's full width, inside its straight run, the length "
     "drawn towards 5/8 of the patch; else inside a random box), the two points where it met the rest marked in the command "
     "channel of its layer, one per route layer (li1 met1 met2 met3 met4; a cut meeting the rest once or three "
     "times is drawn again). -out writes tensors x [N,C+K,S,S] (input; K command channels: via 1, nwell_edge 1, route 5) and y [N,C,S,S] (removed elements) as safetensors. Returns a dict: samples task "
     "layouts size pixel channels per_channel removed_pixels_mean.",
     "Samples masked layout patches for training."},
    {"train_layout_model", TrainLayoutModelCmd,
     "train_layout_model -gds LIST -out FILE ?-task T? ?-init FILE? ?-val_gds LIST? ?-samples N? ?-steps N? "
     "?-batch B? ?-lr X? ?-size PX? ?-pixel UM? ?-stem C? ?-base C? ?-levels L? ?-attn 0|1? ?-dice W? ?-seed S? "
     "?-val N? ?-minutes M? ?-progress N? ?-quiet 0|1?",
     "Trains the layout U-Net (a 1x1 stem reducing the 21 channels to -stem 8, residual blocks with GroupNorm and "
     "SiLU over -levels 3 halvings from -base 16 channels, self-attention at the bottleneck with -attn 1, skip "
     "connections) with AdamW, warm-up and cosine decay (-lr 1e-3), on -batch 8 pairs per step of the layouts in "
     "-gds, loss BCE + -dice 1 x Dice. -task pretrain with -samples 0 (default) draws fresh masked patches every "
     "step; a task with -samples N trains on a fixed set of N pairs (that task's data). -init FILE fine-tunes a "
     "copy of a trained model (its pixel and weights, and its patch unless -size gives a larger one: the U-Net is "
     "convolutional and its attention has no positions, so a copy may train and complete with more context; new "
     "command channels random; -pixel UM gives the copy another pixel, a coarser one seeing farther in the same "
     "patch); without -init, -size is 64 and -pixel 0.04. -val_gds scores -val "
     "200 pairs of held-out layouts. -minutes stops early. Writes -out (safetensors). Returns a dict: task init "
     "layouts samples steps parameters first_loss last_loss val_loss val {iou dice} val_empty seconds file.",
     "Pre-trains or fine-tunes the layout U-Net."},
    {"complete_layout", CompleteLayoutCmd,
     "complete_layout -model FILE ?-cell CELL? ?-window BOX? ?-from X,Y -to X,Y? ?-truth CELL? ?-threshold T? "
     "?-legalise 0|1? ?-oracle 0|1? ?-blind 0|1? ?-stack 0|1? ?-layers LIST? ?-probabilities FILE? ?-coarse FILE? "
     "?-coarse_phases N? ?-patch PX?",
     "Completes CELL (default the current cell) with a fine-tuned model: the window (default the whole cell, with "
     "half a patch of context round it) is sliced twice into patches offset by half a patch and each pixel "
     "averaged over both (overlapping double sampling); pixels over -threshold (0.5) the cell lacks are the "
     "prediction. -legalise 1 (default) turns them into rule-clean shapes in the cell: exact cuts at the most "
     "probable spots where the enclosures and spacing hold, as many as fit in a blob, a blob without one moved up "
     "to four pixels to a spot that fits (contact, via; -stack 0 puts cuts of one layer only on any spot, against "
     "the model's habit of proposing several layers where one cut is missing), the well with gaps filled, N diffusion kept clear and "
     "every P diffusion and N tap enclosed (nwell), the most probable path joining the wiring at -from and -to, "
     "on the layer whose wiring both touch, as wide as that wiring (route; those points are required, and the "
     "model is told their layer: the -layers given, else the one whose wiring ends at both points, else at "
     "either). A via "
     "model's command channel is the window: draw it round the missing cuts. An nwell_edge model needs -coarse "
     "FILE, an nwell model at a coarser pixel: that model's well (inferred at its own pixel with half its own patch "
     "of context) is the edge model's command channel, and the edge model runs only on the patches across that "
     "well's sides, placing them at its own pixel; the other pixels keep the coarse well. The coarse model runs "
     "-coarse_phases times (default 4, at most 8), its grid shifted diagonally by that fraction of its pixel each "
     "time, and a pixel of the coarse well is on when its mean probability is over -threshold: a side lies "
     "mid-pixel on any one coarse grid, and the shifted grids place it to a fraction of the coarse pixel. Scores, legalisation "
     "and -probabilities are then at the edge model's pixel. -patch PX runs the model on patches of PX pixels a "
     "side (a multiple of 2^levels) instead of its own: the U-Net is convolutional and its attention has no "
     "positions, so a larger patch gives it more context than it trained with (the shipped nwell_edge model "
     "completes with -patch 128). -truth CELL scores the prediction before legalisation against the "
     "elements CELL has and the input lacks, and what legalisation drew likewise, on the model's pixel or, "
     "when that is coarser than 40 nm, on a 40 nm grid (each model pixel repeated), so models at different "
     "pixels score alike. Returns a dict: task predicted "
     "(pixels per layer) predicted_pixels added (shapes per layer) and "
     "with -truth iou dice truth_pixels iou_legalised dice_legalised (nwell_edge also coarse_iou coarse_dice, the "
     "coarse well's own scores). -layers LIST completes only those of the "
     "task's layers. -probabilities FILE writes the model's averaged per-pixel probabilities, the tensor "
     "\"probability\" [C,H,W] over the window and its context, as safetensors with the channel table, pixel and "
     "origin (x0_nm, y0_nm; row 0 at the bottom), and for a model with command channels the planes it was "
     "given, \"command\" [K,H,W] (a route's marks, a via window, the coarse well). check_drc and check_lvs judge the result. -oracle 1 legalises the "
     "truth's missing elements instead of the model's prediction: what legalisation alone achieves. -blind 1 "
     "legalises an empty prediction (every probability 0): what the legaliser does without the model.",
     "Completes a layout with a fine-tuned model."},
    {"layout_model_info", LayoutModelInfoCmd, "layout_model_info FILE",
     "Reads a layout model file and returns a dict: task channels pixel patch command_channels stem base levels "
     "attn parameters trained_steps.",
     "Describes a layout model file."},
    {"cut_shapes", CutShapesCmd, "cut_shapes CELL -layers LIST -box BOX ?-mode inside|clip?",
     "Deletes CELL's own rectangles on the layers in LIST that lie wholly inside -box {x0 y0 x1 y1} um (-mode "
     "inside, default), or cuts the box out of every one it overlaps, keeping the pieces outside (clip). Returns "
     "how many rectangles it deleted or cut. The completion benchmark's deletions.",
     "Deletes or cuts a layer's shapes inside a box."},
    {NULL, NULL, NULL, NULL, NULL},
};
