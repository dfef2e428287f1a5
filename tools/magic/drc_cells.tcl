# drc_cells.tcl -- Magic batch script: DRC of every cell of a GDS file.
#
#   magic -dnull -noconsole -rcfile /dev/null drc_cells.tcl
#
# Environment: HALO_MAGIC_TECH (sky130A.tech), HALO_MAGIC_GDS (input),
# HALO_MAGIC_OUT (report), HALO_MAGIC_CELLS (optional: cells to check,
# default every cell).  The report has one line per cell, "CELL COUNT",
# followed by one indented line per rule violated, "    RULE TEXT :: BOX".
#
# What this Magic (8.3.105, sky130A.tech of Dec 2020) needs for true
# verdicts (../shared/pdk/README.md): scalegrid 1 2 before gds read (halo
# writes on the 5 nm grid), the vendor input style so pin labels on either
# GDS purpose become ports, and the full DRC style.
tech load $env(HALO_MAGIC_TECH)
scalegrid 1 2
cif istyle sky130(vendor)
gds read $env(HALO_MAGIC_GDS)
set cells [expr {[info exists env(HALO_MAGIC_CELLS)] ? $env(HALO_MAGIC_CELLS) : [cellname list allcells]}]
set out [open $env(HALO_MAGIC_OUT) w]
drc style drc(full)
foreach c $cells {
    if {$c eq "(UNNAMED)"} continue
    load $c
    select top cell
    drc check
    drc catchup
    set n [drc list count total]
    if {$n eq ""} {set n 0}
    puts $out "$c $n"
    if {$n > 0} {
        foreach {why boxes} [drc listall why] {
            puts $out "    $why :: [lindex $boxes 0]"
        }
    }
}
close $out
quit -noprompt
