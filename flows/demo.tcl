# demo.tcl -- halo's main demo flow: the two-stage Miller OTA on the
# embedded sky130 technology.
#
#   halo flows/demo.tcl
#
# Loads the OSIRIS Miller OTA template and its matched pairs, prints the
# design, counts its legal finger arrangements (OSIRIS stage 1), and applies
# one of them, generates its device layouts, places and routes them (GDS
# and a picture), verifies the routed layout (DRC, LVS, parasitics), then
# simulates the design pre-layout (open loop, and in the OSIRIS unity-gain
# testbench) and post-layout from the extracted netlist, and scores the
# difference with report_qos.  Last, OSIRIS's two stages: a few finger
# arrangements x a few explored variants, each verified and written as a
# dataset, with the QoS table and pictures of the best and worst variant.

set root [file dirname [file dirname [file normalize [info script]]]]
set example [file join $root examples miller_ota]

pdk load sky130
read_spice [file join $example miller_ota.spice]
read_constraints [file join $example pairs.json]
report_design

set count [enumerate_fingers -count]
puts "\nLegal finger arrangements (values 1..16, matched devices equal, finger >= 0.42 um on the 5 nm grid): $count"

puts "Three of them, drawn reproducibly (-sample 3 -seed 1):"
set sample [enumerate_fingers -sample 3 -seed 1]
foreach arrangement $sample {puts "  $arrangement"}

set_fingers [lindex $sample 0]
puts "\nApplied the first; the netlist for ngspice (fingers as m, W per finger):"
set out [file join [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}] halo-demo-miller.spice]
write_spice $out -fingers m
set f [open $out]
puts [string trimright [read $f]]
close $f

# Device layouts: one cell per distinct device, clean under the foundry's
# Magic rules.
puts "\nDevice cells of this arrangement (sky130 generators):"
generate_devices
report_devices

# Placement (OSIRIS's baseline): annealing over symmetric sequence pairs,
# finished by an ILP; matched pairs mirrored about one axis, each device in
# a halo box it may later move in.
puts ""
set placed [place -seed 1]
report_placement

# Routing: global (Dijkstra over routing cells) then detailed A* on a
# lattice the design rules set, li1..met4, supply nets wide; the result
# goes into the design's cell with a pin per port.  Written as GDS and drawn.
puts ""
route
report_route
set gds [file join [file dirname $out] halo-demo-miller.gds]
write_gds $gds
write_image [file join [file dirname $out] halo-demo-miller.png]
puts "Wrote halo-demo-miller.gds and halo-demo-miller.png (the routed layout, halos and symmetry axis) to [file dirname $out]"

# Verification in-process: DRC, LVS against the schematic, and parasitic
# extraction, whose post-layout netlist the QoS below simulates.
set x [extract]
set pex [extract_parasitics]
puts [format "\nVerification of the routed layout: %d DRC violations; LVS %s (%d devices, %d nets);\n  %.1f fF of parasitic capacitance extracted" \
          [check_drc] [expr {[check_lvs] ? "match" : "MISMATCH"}] [dict get $x devices] [dict get $x nets] \
          [dict get $pex total_fF]]

# Pre-layout simulation, open loop: gain, unity-gain frequency, phase.
read_testbench OpampTestbench
set r [simulate]
puts "\nPre-layout, open loop (built-in OpampTestbench, embedded sky130 models):"
dict for {key value} [dict get $r metrics] {puts [format "  %-18s %.4g" $key $value]}

# The OSIRIS testbench (unity-gain buffer, 1 kHz..1 GHz): the schematic
# against the extracted post-layout netlist, scored as OSIRIS does.
read_testbench [file join $example testbench.spice]
puts ""
report_qos

# OSIRIS (flows/osiris.tcl does this for any circuit): 3 arrangements x 4
# variants; variant 0 is each arrangement's baseline P&R, the others move
# one device a step (random exploration), reroute incrementally and are
# verified again.  Only verified variants enter the dataset.
set dataset [file join [file dirname $out] halo-demo-dataset]
file delete -force $dataset
puts "\nOSIRIS dataset: 3 finger arrangements x 4 layout variants (random exploration)"
set summary [generate_dataset -out $dataset -arrangements 3 -variants 4 -seed 1]
puts [format "%d of %d variants verified (DRC clean, LVS match, simulated) and written to %s" \
          [dict get $summary records] [dict get $summary expected] [file tail $dataset]]
puts [format "\n%-22s %-16s %10s %10s %10s %10s %8s %7s" variant move pscore low mid high "area" HPWL]
set records [read_dataset $dataset]
foreach r $records {
    set move [expr {[dict get $r move] eq "" ? "baseline" : "[dict get $r move device] [dict get $r move action]"}]
    puts [format "%-22s %-16s %10.6f %10.3g %10.3g %10.6f %8.1f %7.1f" [dict get $r id] $move [dict get $r pscore] \
              [dict get $r pscore_low] [dict get $r pscore_mid] [dict get $r pscore_high] [dict get $r area] \
              [dict get $r hpwl]]
}
set ranked [lsort -real -index 1 [lmap r $records {list [dict get $r id] [dict get $r pscore] [dict get $r gds]}]]
foreach which {best worst} entry [list [lindex $ranked 0] [lindex $ranked end]] {
    lassign $entry id pscore gds
    read_gds [file join $dataset $gds]
    set png [file join [file dirname $out] halo-demo-$which.png]
    write_image $png
    puts [format "%-5s %s (pscore %.6f V): %s" $which $id $pscore [file tail $png]]
}
