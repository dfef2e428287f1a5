# extract_lvs.tcl -- Magic batch script: flat LVS extraction of cells of a
# GDS file, one SPICE netlist per cell, for Netgen.
#
#   magic -dnull -noconsole -rcfile /dev/null extract_lvs.tcl
#
# Environment: HALO_MAGIC_TECH, HALO_MAGIC_GDS, HALO_MAGIC_DIR (where
# CELL.spice goes), HALO_MAGIC_CELLS (the cells).  Each cell is flattened
# first (this Magic loses the bulk-to-tap connection of sub-cells in
# hierarchical extraction) without the labels of its sub-cells (a device
# cell's "D" is not a net name of the circuit), extracted, and written with
# ext2spice lvs as the subcircuit halo_flat_CELL.  Before each cell the log
# gets "HALO_CELL CELL"; Magic's extraction warnings (a label attached to
# more than one unconnected node) follow in the log as "Feedback #N: ...".
#
# ext2spice of this version writes W and L scaled by 1e6 with a "u" suffix
# on the 5 nm grid (w=1e+06u for 1 um); read as SPICE numbers these are the
# right values in um, which is what Netgen compares.
tech load $env(HALO_MAGIC_TECH)
scalegrid 1 2
cif istyle sky130(vendor)
gds read $env(HALO_MAGIC_GDS)
cd $env(HALO_MAGIC_DIR)
foreach c $env(HALO_MAGIC_CELLS) {
    puts "HALO_CELL $c"
    load $c
    select top cell
    extract all
    set n [feedback count]
    for {set i 1} {$i <= $n} {incr i} {feedback find $i}
    feedback clear
    ext2spice lvs
    ext2spice -o $c.spice
}
puts "HALO_DONE"
quit -noprompt
