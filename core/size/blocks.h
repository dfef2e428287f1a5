/*
 * blocks.h -- structural and functional building blocks of a circuit, the
 * decomposition the block-wise sizers work on (Massier/Graeb's sizing
 * rules; Leibl & Graeb, SMACD 2024; the seed diffusion-inverse-sizing,
 * section II.A and Figs. 1-2).
 *
 * Owns: recognising, in a flat netlist, the blocks (differential pairs,
 * simple and cascode current mirrors, cascodes, level shifters, single
 * transistors, passives), one function per transistor (bias, load,
 * transconductance), the pairs of devices a sizer must size equally inside
 * a block, and the pairs of blocks that are mirror images.  Pure C; reads
 * the netlist, never changes it.  Callers: tclcmds (recognize_blocks), the
 * sizers of core/size.
 *
 * Terms.  A transistor is an nmos, pmos, npn or pnp device; its drain,
 * gate and source are the pins D G S (C B E for a BJT).  It is diode-
 * connected when gate = drain.  A transistor lacking one of those pins,
 * or with its drain or gate on its source (a dummy, a MOS capacitor), is
 * degenerate: a `single` block without a function.  Rails are the nets
 * whose role is supply_pos, supply_neg, bias_voltage or bias_current:
 * they are never signal and lie on every symmetry axis.  The supplies are
 * known only by their roles (read_spice guesses them from the names).
 *
 * Structural rules, applied in this order (a device found by an earlier
 * rule is not a candidate of a later one unless said):
 *   dp       two transistors of one type sharing their source, on different
 *            gates.  The source must not be a supply (a tail node) -- on a
 *            supply only a pair whose two gates are input nets counts
 *            (pseudo-differential).  Diode-connection does not exclude: in
 *            a unity-gain buffer the feedback ties one input device's gate
 *            to its drain (the lpf's XM2).  When more than two share a
 *            source, only matched pairs (same match group) are dps.
 *   ccm      a group of >= 2 transistors of one type sharing gate and
 *            source (the lower devices), each with exactly one transistor
 *            of its type whose source is its drain (the upper devices),
 *            the upper ones sharing one gate, and the lower gate tied to
 *            the drain of a lower device (the classic 4-transistor mirror)
 *            or of an upper one (the high-swing mirror of the folded
 *            cascode): two stacked mirrors.  That branch is the reference.
 *            Devices: lower reference, lower outputs, upper reference,
 *            upper outputs.
 *   cm       a group of >= 2 transistors of one type sharing gate and
 *            source, one at least diode-connected (the reference), that
 *            is no ccm; any number of outputs (one NMOS diode may bias a
 *            tail and a sink).  Devices: the diodes first, then outputs.
 *   cascode  a transistor, not diode-connected and in no dp or ccm, whose
 *            source is no rail and is the drain of another transistor of
 *            its type, and whose gate is no signal net (a bias).  A cm
 *            output may also be a cascode (blocks overlap).  Two cascodes
 *            on one gate that are symmetric (below) form one block.
 *   ls       a level shifter: a diode-connected transistor in no dp, cm or
 *            ccm.  The current fed into it (by a mirror output or a source)
 *            becomes a gate voltage for devices that do not share its
 *            source -- cascode gates (the fcoa's XMB5, XMB6), a stacked
 *            bias (the ahuja_ota's XM11), a diode-stack reference (the
 *            miller_ota's XM9).  A diode that does share its source with
 *            another device's gate is a cm reference instead.
 *   single   every transistor in no block above (the common-source second
 *            stage of a Miller OTA).
 *   passive  every resistor, capacitor and inductor, one block each.
 *   Sources and other devices are in no block.
 *
 * Signal nets: the nets of role input_v, input_i or rf_input and the gates
 * of every dp, then whatever they reach through a transistor from gate to
 * drain (common source), gate to source (follower), source to drain
 * (common gate, cascode), and through a resistor, capacitor or inductor
 * either way; rails stop the spread.
 *
 * Functions (per block; a device in several blocks takes the function of
 * the first of dp, ccm, cm, cascode, ls, single it is in):
 *   dp       transconductance (whatever drives the gates).
 *   cm, ccm  load when the mirror's input node (the reference branch's
 *            drain) is a signal net (the 5T OTA's PMOS mirror, the fcoa's
 *            output mirror), else bias (tail and sink sources, bias
 *            generators).
 *   cascode  load when its source or drain is a signal net (a cascode
 *            passes the signal current to a high-impedance node, like a
 *            load), else bias.
 *   ls       load when its drain is a signal net (a diode load), else bias.
 *   single   transconductance when its gate is a signal net that is not a
 *            diode-connected node; load when the gate is a signal diode
 *            node (it mirrors a load); else bias.  Degenerate: none.
 *   passive  none.
 *
 * Symmetry.  The differential axis: the two devices of each dp are mirror
 * images, and so are their drain nets and then (when no clash and no
 * rail) their gate nets.  From there two transistors of one type, each
 * not yet paired, are mirror images when for each of D G S their nets are
 * equal, already images, or both free and no rail (then they become
 * images), one of them at least already images -- this walks up a mirror
 * load, cascodes, the folded branches and second stages; two resistors,
 * capacitors or inductors likewise by their two terminals, either way
 * round.  Two devices are symmetric (sized equally) when they are
 * images, or in one match group -- except a mirror's reference branch and
 * an output of the same mirror matched only by the constraints: their
 * width ratio is the mirror's gain (2 in the ota_5t's tail), which a sizer
 * must be free to choose.  A block's pairs are its symmetric device pairs;
 * two blocks of one kind and size are mirror images when their devices
 * pair up one to one as symmetric.
 *
 * Invariants of a result: every transistor is in at least one block,
 * blocks are ordered by kind (in blocks_kind order) and then by their
 * lowest device index; func has one entry per netlist device.  Runs in
 * O(n log n) plus the size of the nets' neighbourhoods; no allocation
 * outlives blocks_result_free.
 */
#ifndef HALO_BLOCKS_H
#define HALO_BLOCKS_H

#include "base/halo_err.h"
#include "netlist/netlist.h"

typedef enum { BLK_DP, BLK_CM, BLK_CCM, BLK_CASCODE, BLK_LS, BLK_SINGLE, BLK_PASSIVE, BLK_NKINDS } blocks_kind;
typedef enum { BLK_FN_NONE = -1, BLK_FN_BIAS, BLK_FN_LOAD, BLK_FN_GM } blocks_func;

typedef struct blocks_block {
    blocks_kind kind;
    blocks_func func;    /* the block's function (its devices' unless they
                            are also in a block that comes first) */
    int ndev;
    int *dev;            /* netlist device indices, in the kind's order */
    int nsym;
    int (*sym)[2];       /* pairs of device indices to size equally */
} blocks_block;

typedef struct blocks_result {
    int nblocks;
    blocks_block *blocks;
    int ndev;            /* the netlist's device count */
    blocks_func *func;   /* per netlist device; BLK_FN_NONE outside blocks */
    int nsymblocks;
    int (*symblocks)[2]; /* pairs of block indices that are mirror images */
} blocks_result;

/* Recognise the blocks of nl into *r (which the caller frees with
 * blocks_result_free, also after an error).  0, or BLK-1 when nl is NULL. */
int blocks_recognize(const netlist *nl, blocks_result *r, halo_err *err);
void blocks_result_free(blocks_result *r);

/* "dp" "cm" "ccm" "cascode" "ls" "single" "passive"; "bias" "load"
 * "transconductance" "none". */
const char *blocks_kind_name(blocks_kind k);
const char *blocks_func_name(blocks_func f);

#endif
