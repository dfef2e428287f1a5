# dataset_flow.tcl -- the flow dataset.test runs in child processes (for
# SIGKILL, -jobs, -shard and Slurm): the Miller OTA, then generate_dataset
# with the arguments given.
#   halo dataset_flow.tcl SRCDIR ?generate_dataset options ...?
set example [file join [lindex $argv 0] examples miller_ota]
pdk load sky130
read_spice [file join $example miller_ota.spice]
read_constraints [file join $example pairs.json]
read_testbench [file join $example testbench.spice]
set summary [generate_dataset -quiet 1 {*}[lrange $argv 1 end]]
puts "records [dict get $summary records] missing [dict get $summary missing] resumed [dict get $summary resumed]"
