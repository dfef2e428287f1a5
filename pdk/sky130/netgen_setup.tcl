# netgen_setup.tcl -- halo's Netgen LVS setup for the sky130 devices halo
# draws: MOS transistors, MIM capacitors and high-resistance poly
# resistors.
#
#   netgen-lvs -batch lvs "layout.spice CELL" "schematic.spice CELL" netgen_setup.tcl out.txt
#
# Circuit 1 is the layout (Magic's ext2spice lvs), circuit 2 the schematic
# (halo's write_spice).  The devices are subcircuit calls that neither
# netlist defines, so Netgen makes placeholder cells of them; `cells list
# -all` includes those.
#
# What the comparison means:
#   - MOS: source and drain (pins 1 and 3) are permutable; parallel devices
#     (same gate, bulk and source/drain nets) merge with W added and L
#     critical, so Magic's one-device-per-finger layout compares with the
#     schematic's one device of total W.  nf adds too: halo's layout
#     netlists carry nf=1 per finger (see tclcmds/engines.tcl), so a wrong
#     finger count is a property error, which plain Netgen does not see.
#   - MIM caps: W and L compared, parallel caps merge by adding area.
#   - Poly resistors: ends permutable, W and L compared.
#   - Tolerance 1 % on every compared property.
permute default
property default
property parallel none

set cells1 [cells list -all -circuit1]
set cells2 [cells list -all -circuit2]

set devices {sky130_fd_pr__nfet_01v8 sky130_fd_pr__pfet_01v8 sky130_fd_pr__nfet_01v8_lvt
    sky130_fd_pr__pfet_01v8_lvt sky130_fd_pr__pfet_01v8_hvt}
foreach dev $devices {
    foreach c {1 2} {
        if {[lsearch [set cells$c] $dev] < 0} continue
        permute "-circuit$c $dev" 1 3
        property "-circuit$c $dev" parallel enable
        property "-circuit$c $dev" parallel {l critical} {w add} {nf add}
        property "-circuit$c $dev" tolerance {w 0.01} {l 0.01} {nf 0}
        property "-circuit$c $dev" delete as ad ps pd mult m sa sb sd nrd nrs
    }
}

set devices {sky130_fd_pr__cap_mim_m3_1 sky130_fd_pr__cap_mim_m3_2}
foreach dev $devices {
    foreach c {1 2} {
        if {[lsearch [set cells$c] $dev] < 0} continue
        property "-circuit$c $dev" parallel enable
        property "-circuit$c $dev" tolerance {w 0.01} {l 0.01}
        property "-circuit$c $dev" delete mult m mf
    }
}

set devices {sky130_fd_pr__res_high_po sky130_fd_pr__res_high_po_0p35 sky130_fd_pr__res_high_po_0p69
    sky130_fd_pr__res_high_po_1p41 sky130_fd_pr__res_high_po_2p85 sky130_fd_pr__res_high_po_5p73
    sky130_fd_pr__res_xhigh_po sky130_fd_pr__res_xhigh_po_0p35 sky130_fd_pr__res_xhigh_po_0p69
    sky130_fd_pr__res_xhigh_po_1p41 sky130_fd_pr__res_xhigh_po_2p85 sky130_fd_pr__res_xhigh_po_5p73}
foreach dev $devices {
    foreach c {1 2} {
        if {[lsearch [set cells$c] $dev] < 0} continue
        permute "-circuit$c $dev" 1 2
        property "-circuit$c $dev" tolerance {w 0.01} {l 0.01}
        property "-circuit$c $dev" delete mult m r
    }
}

# This Magic extracts every high-resistance poly resistor as the generic
# model with its width (sky130_fd_pr__res_high_po w=0.35); a schematic may
# name the fixed-width model instead.  When only the layout has the generic
# class and only the schematic a fixed-width one, they are one class.
foreach generic {sky130_fd_pr__res_high_po sky130_fd_pr__res_xhigh_po} {
    if {[lsearch $cells1 $generic] < 0 || [lsearch $cells2 $generic] >= 0} continue
    foreach w {0p35 0p69 1p41 2p85 5p73} {
        if {[lsearch $cells2 ${generic}_$w] >= 0} {
            # the fixed-width model carries its width in its name, and a
            # schematic may or may not repeat it as w: compare lengths
            property "-circuit1 $generic" delete w
            property "-circuit2 ${generic}_$w" delete w
            equate classes "-circuit1 $generic" "-circuit2 ${generic}_$w"
        }
    }
}
