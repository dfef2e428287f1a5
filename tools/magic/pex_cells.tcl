# pex_cells.tcl -- Magic batch script: parasitic (C) extraction of every
# cell of a GDS file, for cross-checking halo's pex against Magic.
#
#   magic -dnull -noconsole -rcfile /dev/null pex_cells.tcl
#
# Environment: HALO_MAGIC_TECH, HALO_MAGIC_GDS, HALO_MAGIC_DIR (where the
# .ext and .spice files go), HALO_MAGIC_CELLS (optional, default every
# cell).  Each cell is extracted flat (see extract_cells.tcl).
#
# Things this Magic (8.3.105, sky130A.tech of Dec 2020) gets wrong, and
# what the script does about them:
#   - "extract no adjust": its hierarchical capacitance adjustment writes
#     negative "subcap" lines even for flat cells (a lone 10 x 0.5 um met1
#     wire loses 0.31 of its 0.99 fF), which ext2spice then subtracts.
#   - Capacitance is only right when the layout is on the 10 nm grid (halo's
#     cross-check snaps its layouts before writing the GDS).
#   - ext2spice drops the capacitance to substrate of a labelled substrate
#     net; the .ext file keeps it: read node and cap lines from the .ext.
# The .ext "node" line carries a node's capacitance to substrate (aF, 4th
# field) and "cap" lines the couplings (aF); a net's total is their sum.
tech load $env(HALO_MAGIC_TECH)
scalegrid 1 2
cif istyle sky130(vendor)
gds read $env(HALO_MAGIC_GDS)
set cells [expr {[info exists env(HALO_MAGIC_CELLS)] ? $env(HALO_MAGIC_CELLS) : [cellname list allcells]}]
cd $env(HALO_MAGIC_DIR)
foreach c $cells {
    if {$c eq "(UNNAMED)"} continue
    load $c
    select top cell
    extract no adjust
    extract all
    ext2spice cthresh 0
    ext2spice -o $c.spice
}
quit -noprompt
