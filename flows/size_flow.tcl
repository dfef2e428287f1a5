# size_flow.tcl -- a specification to a verified, post-layout-simulated
# layout in one flow: size the circuit with its trained sizer, apply the
# best candidate, then fingers, placement, routing, DRC, LVS, parasitics
# and simulation before and after layout.
#
#   halo flows/size_flow.tcl ?-circuit miller_ota|fcoa? ?-model DIR? ?-spec DICT?
#        ?-samples N? ?-screen M? ?-refine STEPS? ?-seed S? ?-pdk_root DIR?
#
# With -pdk_root (a PDK_ROOT holding sky130A) the foundry's models simulate
# and the layout is also judged by Magic's DRC, the KLayout deck and Netgen.
#
# The default model is the one shipped in models/size/<circuit>; the
# default specification asks for 3 dB more gain than the nominal sizing at
# 10 % less power, and leaves the other metrics to the sizer.  -screen M
# (default 256) draws M diffusion samples and simulates the -samples the
# sizer's forward model predicts closest (0: simulate -samples draws);
# -refine STEPS (default 100; 0 with -screen 0) first moves those toward
# the specification on the forward model.

set root [file dirname [file dirname [file normalize [info script]]]]
set opts [dict create -circuit miller_ota -model {} -spec {} -samples 16 -screen 256 -refine 100 -seed 1 -pdk_root {}]
foreach {k v} $argv {
    if {![dict exists $opts $k]} {puts stderr "size_flow: unknown option $k"; exit 2}
    dict set opts $k $v
}
dict with opts {}
if {${-model} eq ""} {set -model [file join $root models size ${-circuit}]}

if {${-pdk_root} ne ""} {pdk load sky130 -root ${-pdk_root}} else {pdk load sky130}
if {${-circuit} eq "fcoa"} {
    read_spice [file join $root examples sizing fcoa.spice]
    read_constraints [file join $root examples sizing fcoa_pairs.json]
} else {
    read_spice [file join $root examples ${-circuit} ${-circuit}.spice]
    read_constraints [file join $root examples ${-circuit} pairs.json]
}
set metrics [dict get [sizer_info ${-model}] metrics]

set nominal [characterize]
puts "Nominal sizing of ${-circuit}:"
foreach k $metrics {puts [format "  %-20s %.4g" $k [dict get $nominal $k]]}
if {${-spec} eq ""} {
    # two metrics given; size fills the others from the training row
    # nearest on these two (filled_from_nearest_row)
    set spec [dict create dc_gain_dB [expr {[dict get $nominal dc_gain_dB] + 3}] \
                  power_W [expr {[dict get $nominal power_W] * 0.9}]]
} else {
    set spec ${-spec}
}

set r [size -model ${-model} -spec $spec -samples ${-samples} -screen ${-screen} -refine ${-refine} -seed ${-seed}]
set best [lindex [dict get $r candidates] 0]
if {${-screen} > 0} {
    set drawn "the ${-samples} of ${-screen} diffusion samples the forward model predicts closest"
    if {${-refine} > 0} {append drawn ", refined (${-refine} steps)"}
} else {
    set drawn "${-samples} diffusion samples"
}
puts [format "\nsize: %s, in %.3f s, simulated in %.1f s; the best (mean relative difference %.2f %%):" \
          $drawn [dict get $r seconds_sampling] [dict get $r seconds_simulation] [expr {100 * [dict get $best distance]}]]
puts "  ([dict get $r filled_from_nearest_row] metrics not in the specification were taken from the nearest training row)"
puts [format "  %-20s %12s %12s" metric spec sized]
foreach k $metrics {
    if {[dict exists $spec $k]} {set want [format %12.4g [dict get $spec $k]]} else {set want [format %12s -]}
    puts [format "  %-20s %s %12.4g" $k $want [dict get $best metrics $k]]
}
set_sizing $best
puts "\nApplied it (set_sizing):"
report_design

set_fingers [lindex [enumerate_fingers -sample 1 -seed ${-seed}] 0]
generate_devices
place -seed ${-seed}
route
set drc [check_drc]
set lvs [check_lvs]
set pex [extract_parasitics]
puts [format "\nLayout: %d DRC violations, LVS %s, %.1f fF of parasitic capacitance" $drc \
          [expr {$lvs ? "match" : "MISMATCH"}] [dict get $pex total_fF]]
if {${-pdk_root} ne ""} {
    puts [format "Sign-off: Magic DRC %d, KLayout deck %d, Netgen %s" [check_drc -engine magic] \
              [check_drc -engine klayout] [expr {[check_lvs -engine netgen] ? "match" : "MISMATCH"}]]
}

read_testbench OpampTestbench
set pre [simulate -stage pre]
set post [simulate -stage post]
puts "\nOpen loop (OpampTestbench), before and after layout:"
foreach k {dc_gain_dB ugf_Hz phase_at_ugf_deg power_W} {
    if {[dict exists $pre metrics $k] && [dict exists $post metrics $k]} {
        puts [format "  %-18s %12.4g %12.4g" $k [dict get $pre metrics $k] [dict get $post metrics $k]]
    }
}
