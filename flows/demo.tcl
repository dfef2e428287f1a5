# demo.tcl -- halo's main demo flow: the two-stage Miller OTA on the
# embedded sky130 technology.
#
#   halo flows/demo.tcl
#
# Loads the OSIRIS Miller OTA template and its matched pairs, prints the
# design, counts its legal finger arrangements (OSIRIS stage 1), and applies
# one of them.  Later stages (placement, routing, verification, simulation)
# extend this flow as they land.

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
