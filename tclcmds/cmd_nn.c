/*
 * cmd_nn.c -- the neural-network commands: nn_info, nn_copy.
 *
 * The models themselves (placement-quality CNN, layout U-Net, diffusion
 * sizer, the exploration agents) get their commands with them; nn_info
 * reads any safetensors file -- halo's or PyTorch's -- and tells what is
 * in it.
 */
#include "halo_tcl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/nn_safetensors.h"
#include "base/strutil.h"

static Tcl_Obj *shape_obj(const nn_param *p)
{
    Tcl_Obj *l = Tcl_NewListObj(0, NULL);
    for (int d = 0; d < p->ndim; d++) Tcl_ListObjAppendElement(NULL, l, Tcl_NewIntObj(p->shape[d]));
    return l;
}

static void report(Tcl_Interp *interp, const char *path, const nn_params *ps, const nn_meta *meta)
{
    su_buf b = {NULL, 0, 0};
    const char *arch = nn_meta_get(meta, "architecture");
    su_buf_printf(&b, "%s: %d tensors, %zu parameters (F32, %zu bytes)\n", path, ps->n, nn_params_count(ps),
                  4 * nn_params_count(ps));
    if (arch) su_buf_printf(&b, "  architecture: %s\n", arch);
    for (int i = 0; i < meta->n; i++)
        if (strcmp(meta->key[i], "architecture") != 0) su_buf_printf(&b, "  %s: %s\n", meta->key[i], meta->value[i]);
    for (int k = 0; k < ps->n; k++) {
        const nn_param *p = ps->p[k];
        su_buf_printf(&b, "  %-40s F32 [", p->name);
        for (int d = 0; d < p->ndim; d++) su_buf_printf(&b, "%s%d", d ? ", " : "", p->shape[d]);
        su_buf_printf(&b, "]\n");
    }
    halo_report(interp, b.s);
    su_buf_free(&b);
}

static Tcl_Obj *info_obj(const char *path, const nn_params *ps, const nn_meta *meta)
{
    Tcl_Obj *d = Tcl_NewDictObj();
    halo_dict_put(d, "file", Tcl_NewStringObj(path, -1));
    halo_dict_put(d, "tensors", Tcl_NewIntObj(ps->n));
    halo_dict_put(d, "parameters", Tcl_NewWideIntObj((Tcl_WideInt)nn_params_count(ps)));
    const char *arch = nn_meta_get(meta, "architecture");
    halo_dict_put(d, "architecture", Tcl_NewStringObj(arch ? arch : "", -1));
    Tcl_Obj *md = Tcl_NewDictObj();
    for (int i = 0; i < meta->n; i++)
        Tcl_DictObjPut(NULL, md, Tcl_NewStringObj(meta->key[i], -1), Tcl_NewStringObj(meta->value[i], -1));
    halo_dict_put(d, "metadata", md);
    Tcl_Obj *ts = Tcl_NewDictObj();
    for (int k = 0; k < ps->n; k++) {
        const nn_param *p = ps->p[k];
        double sum = 0;
        for (size_t i = 0; i < p->n; i++) sum += p->w[i];
        Tcl_Obj *t = Tcl_NewDictObj();
        halo_dict_put(t, "shape", shape_obj(p));
        halo_dict_put(t, "sum", Tcl_NewDoubleObj(sum));
        Tcl_DictObjPut(NULL, ts, Tcl_NewStringObj(p->name, -1), t);
    }
    halo_dict_put(d, "tensor", ts);
    return d;
}

/* nn_info FILE */
static int NnInfoCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    if (objc != 2) return halo_usage(interp, "nn_info");
    const char *path = Tcl_GetString(objv[1]);
    nn_params ps;
    nn_meta meta = {NULL, NULL, 0};
    nn_params_init(&ps);
    halo_err err;
    halo_err_clear(&err);
    if (nn_safetensors_read(path, &ps, &meta, &err) != 0) {
        nn_params_free(&ps);
        nn_meta_free(&meta);
        return halo_tcl_error(interp, &err);
    }
    report(interp, path, &ps, &meta);
    Tcl_SetObjResult(interp, info_obj(path, &ps, &meta));
    nn_params_free(&ps);
    nn_meta_free(&meta);
    return TCL_OK;
}

/* nn_copy IN OUT ?-metadata DICT?: read with halo's reader, write with
 * its writer, the metadata merged with DICT. */
static int NnCopyCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    (void)cd;
    if (objc != 3 && objc != 5) return halo_usage(interp, "nn_copy");
    Tcl_Obj *extra = NULL;
    if (objc == 5) {
        if (strcmp(Tcl_GetString(objv[3]), "-metadata") != 0)
            return halo_tcl_fail(interp, HALO_E_CMD_OPTION, Tcl_GetString(objv[3]), "-metadata");
        int n;
        if (Tcl_DictObjSize(NULL, objv[4], &n) != TCL_OK)
            return halo_tcl_fail(interp, HALO_E_CMD_VALUE, "-metadata", Tcl_GetString(objv[4]), "a dict of strings");
        extra = objv[4];
    }
    nn_params ps;
    nn_meta meta = {NULL, NULL, 0};
    nn_params_init(&ps);
    halo_err err;
    halo_err_clear(&err);
    int rc = nn_safetensors_read(Tcl_GetString(objv[1]), &ps, &meta, &err);
    if (rc == 0 && extra) {
        Tcl_DictSearch search;
        Tcl_Obj *k, *v;
        int done;
        Tcl_DictObjFirst(NULL, extra, &search, &k, &v, &done);
        for (; !done; Tcl_DictObjNext(&search, &k, &v, &done)) nn_meta_set(&meta, Tcl_GetString(k), Tcl_GetString(v));
        Tcl_DictObjDone(&search);
    }
    if (rc == 0) rc = nn_safetensors_write(Tcl_GetString(objv[2]), &ps, &meta, &err);
    Tcl_Obj *result = rc == 0 ? info_obj(Tcl_GetString(objv[2]), &ps, &meta) : NULL;
    nn_params_free(&ps);
    nn_meta_free(&meta);
    if (rc != 0) return halo_tcl_error(interp, &err);
    Tcl_SetObjResult(interp, result);
    return TCL_OK;
}

const HaloCmd halo_nn_cmds[] = {
    {"nn_info", NnInfoCmd, "nn_info FILE",
     "Reads a model file in the safetensors format (halo's or PyTorch's) and prints its tensors, parameter "
     "count, architecture and metadata. Returns a dict: file tensors parameters architecture metadata, and tensor "
     "(per name: shape, and sum, the sum of its values as a check).",
     "Prints a safetensors model file's tensors and metadata."},
    {"nn_copy", NnCopyCmd, "nn_copy IN OUT ?-metadata DICT?",
     "Reads the safetensors file IN and writes it to OUT with halo's writer (F32, header padded to 8 bytes, "
     "written atomically), merging DICT into its metadata -- e.g. to record the architecture of weights "
     "trained in PyTorch. Returns nn_info's dict of OUT.",
     "Rewrites a safetensors file with halo's writer."},
    {NULL, NULL, NULL, NULL, NULL},
};
