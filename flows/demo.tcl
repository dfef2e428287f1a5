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
# difference with report_qos.  The exploration loop extends this flow.

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
