# extract_cells.tcl -- Magic batch script: extract every cell of a GDS file
# and write its SPICE netlist.
#
#   magic -dnull -noconsole -rcfile /dev/null extract_cells.tcl
#
# Environment: HALO_MAGIC_TECH, HALO_MAGIC_GDS, HALO_MAGIC_DIR (where the
# .ext and .spice files go), HALO_MAGIC_CELLS (optional, default every
# cell).  Each cell is extracted as a flat top cell (this Magic loses the
# bulk-to-tap connection of sub-cells in hierarchical extraction).  The
# .ext file keeps device sizes in internal units (see its "scale" line);
# this version's ext2spice mis-scales them with the 5 nm grid, so readers
# should take W and L from the .ext file.
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
    extract all
    ext2spice lvs
    ext2spice -o $c.spice
}
quit -noprompt
