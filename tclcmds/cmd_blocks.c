/*
 * cmd_blocks.c -- recognize_blocks: the structural and functional blocks
 * of the current design (core/size/blocks.h holds the rules).
 */
#include "halo_tcl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "size/blocks.h"

/* Block names: the kind and its ordinal among the blocks of that kind. */
static void block_names(const blocks_result *r, char (*names)[32])
{
    int seen[BLK_NKINDS] = {0};
    for (int b = 0; b < r->nblocks; b++)
        snprintf(names[b], sizeof names[b], "%s%d", blocks_kind_name(r->blocks[b].kind), ++seen[r->blocks[b].kind]);
}

static Tcl_Obj *name_obj(const netlist *nl, int dev)
{
    return Tcl_NewStringObj(nl->devs[dev].name, -1);
}

static Tcl_Obj *block_obj(const netlist *nl, const blocks_result *r, int b, const char *name)
{
    const blocks_block *blk = &r->blocks[b];
    Tcl_Obj *o = Tcl_NewDictObj(), *devs = Tcl_NewListObj(0, NULL), *funcs = Tcl_NewListObj(0, NULL),
            *sym = Tcl_NewListObj(0, NULL);
    for (int k = 0; k < blk->ndev; k++) {
        Tcl_ListObjAppendElement(NULL, devs, name_obj(nl, blk->dev[k]));
        Tcl_ListObjAppendElement(NULL, funcs, Tcl_NewStringObj(blocks_func_name(r->func[blk->dev[k]]), -1));
    }
    for (int k = 0; k < blk->nsym; k++) {
        Tcl_Obj *pair[2] = {name_obj(nl, blk->sym[k][0]), name_obj(nl, blk->sym[k][1])};
        Tcl_ListObjAppendElement(NULL, sym, Tcl_NewListObj(2, pair));
    }
    halo_dict_put(o, "name", Tcl_NewStringObj(name, -1));
    halo_dict_put(o, "kind", Tcl_NewStringObj(blocks_kind_name(blk->kind), -1));
    halo_dict_put(o, "devices", devs);
    halo_dict_put(o, "functions", funcs);
    halo_dict_put(o, "symmetric", sym);
    return o;
}

static Tcl_Obj *result_obj(const netlist *nl, const blocks_result *r, char (*names)[32])
{
    Tcl_Obj *o = Tcl_NewDictObj(), *blocks = Tcl_NewListObj(0, NULL), *devs = Tcl_NewDictObj(),
            *symb = Tcl_NewListObj(0, NULL);
    char *listed = halo_xcalloc((size_t)nl->ndevs + 1, 1);
    for (int b = 0; b < r->nblocks; b++) {
        Tcl_ListObjAppendElement(NULL, blocks, block_obj(nl, r, b, names[b]));
        for (int k = 0; k < r->blocks[b].ndev; k++) listed[r->blocks[b].dev[k]] = 1;
    }
    for (int i = 0; i < nl->ndevs; i++)   /* every device of a block, in netlist order */
        if (listed[i]) halo_dict_put(devs, nl->devs[i].name, Tcl_NewStringObj(blocks_func_name(r->func[i]), -1));
    for (int k = 0; k < r->nsymblocks; k++) {
        Tcl_Obj *pair[2] = {Tcl_NewStringObj(names[r->symblocks[k][0]], -1),
                            Tcl_NewStringObj(names[r->symblocks[k][1]], -1)};
        Tcl_ListObjAppendElement(NULL, symb, Tcl_NewListObj(2, pair));
    }
    free(listed);
    halo_dict_put(o, "blocks", blocks);
    halo_dict_put(o, "devices", devs);
    halo_dict_put(o, "symmetric_blocks", symb);
    return o;
}

static const char *short_func(blocks_func f)
{
    return f == BLK_FN_GM ? "gm" : blocks_func_name(f);
}

/* One row: name, kind, devices with their functions, symmetric pairs. */
static void table_row(su_buf *b, const netlist *nl, const blocks_result *r, int k, const char *name)
{
    const blocks_block *blk = &r->blocks[k];
    su_buf devs = {0};
    su_buf_add(&devs, "");
    for (int i = 0; i < blk->ndev; i++)
        su_buf_printf(&devs, "%s%s(%s)", i ? " " : "", nl->devs[blk->dev[i]].name, short_func(r->func[blk->dev[i]]));
    if (blk->nsym == 0) {
        su_buf_printf(b, "  %-10s %-8s %s\n", name, blocks_kind_name(blk->kind), devs.s);
    } else {
        su_buf_printf(b, "  %-10s %-8s %-44s", name, blocks_kind_name(blk->kind), devs.s);
        for (int i = 0; i < blk->nsym; i++)
            su_buf_printf(b, " %s=%s", nl->devs[blk->sym[i][0]].name, nl->devs[blk->sym[i][1]].name);
        su_buf_add(b, "\n");
    }
    su_buf_free(&devs);
}

static void table_report(Tcl_Interp *interp, const netlist *nl, const blocks_result *r, char (*names)[32])
{
    su_buf b = {0};
    su_buf_printf(&b, "Blocks of %s: %d blocks (gm = transconductance)\n", nl->name, r->nblocks);
    su_buf_printf(&b, "  %-10s %-8s %-44s %s\n", "block", "kind", "devices (function)", "symmetric");
    for (int k = 0; k < r->nblocks; k++) table_row(&b, nl, r, k, names[k]);
    su_buf_add(&b, "  symmetric blocks:");
    for (int k = 0; k < r->nsymblocks; k++)
        su_buf_printf(&b, " %s=%s", names[r->symblocks[k][0]], names[r->symblocks[k][1]]);
    su_buf_add(&b, r->nsymblocks ? "\n" : " none\n");
    halo_report(interp, b.s);
    su_buf_free(&b);
}

static int RecognizeBlocksCmd(ClientData cd, Tcl_Interp *interp, int objc, Tcl_Obj *const objv[])
{
    static const char *const options[] = {"-table", NULL};
    int table = 0;
    for (int i = 1; i < objc; i++) {
        int which;
        if (halo_get_option(interp, objv, objc, &i, options, "-table", &which) != TCL_OK) return TCL_ERROR;
        table = 1;
    }
    const netlist *nl = design_netlist(cd);
    blocks_result r;
    halo_err err;
    halo_err_clear(&err);
    if (blocks_recognize(nl, &r, &err) != 0) {
        blocks_result_free(&r);
        return halo_tcl_error(interp, &err);
    }
    char (*names)[32] = halo_xcalloc((size_t)r.nblocks + 1, sizeof *names);
    block_names(&r, names);
    if (table) table_report(interp, nl, &r, names);
    Tcl_SetObjResult(interp, result_obj(nl, &r, names));
    free(names);
    blocks_result_free(&r);
    return TCL_OK;
}

const HaloCmd halo_blocks_cmds[] = {
    {"recognize_blocks", RecognizeBlocksCmd, "recognize_blocks ?-table?",
     "Splits the current design into the structural blocks of the sizing-rules method (dp differential "
     "pair, cm current mirror, ccm cascode current mirror, cascode, ls level shifter, single transistor, "
     "passive) and gives every transistor a function: bias, load or transconductance. Mirrors whose input "
     "node carries the signal are loads, the others bias; dps and common-source stages are "
     "transconductance. Also finds the device pairs of a block to size equally (a dp's two devices, the "
     "two sides of a mirror across the differential axis, devices of one match group except a mirror's "
     "reference with an output) and the pairs of blocks that are mirror images. Returns a dict: blocks "
     "(each with name, kind, devices, functions, symmetric), devices (device -> function) and "
     "symmetric_blocks; -table also prints them as a table. core/size/blocks.h states the rules.",
     "Recognises the sizing blocks and each device's function."},
    {NULL, NULL, NULL, NULL, NULL},
};
