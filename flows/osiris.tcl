# osiris.tcl -- OSIRIS's dataset flow: finger arrangements x explored
# layout variants of one circuit, each verified (DRC, LVS, parasitics,
# pre/post simulation) and written as GDS + QoS records.  Copy it and
# change the inputs, or run it as it is:
#
#   halo flows/osiris.tcl ?-example NAME? -out DIR ?generate_dataset options ...?
#   halo flows/osiris.tcl -netlist FILE -pairs FILE -testbench FILE -out DIR ...
#
# NAME is one of examples/ (default miller_ota).  Every other option goes to
# generate_dataset (-arrangements M -variants N -mode random|rl -jobs J
# -shard I/N -seed S ...).  The same command run again resumes an
# interrupted dataset; flows/osiris_slurm.sh runs the shards as a Slurm job
# array, merge_dataset joins them.  At the end it prints the best and the
# worst variants by pscore.

set root [file dirname [file dirname [file normalize [info script]]]]
set opts [dict create -example miller_ota -netlist {} -pairs {} -testbench {} -pdk_root {}]
set rest {}
foreach {key value} $argv {
    if {[dict exists $opts $key]} {dict set opts $key $value} else {lappend rest $key $value}
}
set example [file join $root examples [dict get $opts -example]]
foreach {key file} {-netlist .spice -pairs pairs.json -testbench testbench.spice} {
    if {[dict get $opts $key] eq ""} {
        dict set opts $key [file join $example [expr {$key eq "-netlist" ? "[dict get $opts -example].spice" : $file}]]
    }
}

if {[dict get $opts -pdk_root] ne ""} {
    pdk load sky130 -root [dict get $opts -pdk_root]
} else {
    pdk load sky130
}
read_spice [dict get $opts -netlist]
read_constraints [dict get $opts -pairs]
read_testbench [dict get $opts -testbench]

set summary [generate_dataset {*}$rest]
puts [format "%d of %d variants verified and written to %s (%d arrangements), %.1f s" \
          [dict get $summary records] [dict get $summary expected] [dict get $summary dir] \
          [dict get $summary arrangements] [dict get $summary seconds]]

report_dataset [dict get $summary dir]
