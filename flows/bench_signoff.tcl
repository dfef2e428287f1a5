# bench_signoff.tcl -- sign-off figures: 200 variants across the five
# examples (4 finger arrangements x 10 variants each: the P&R baseline and 9
# explored variants), every one judged during generate_dataset by Magic's
# DRC on the hierarchical GDS as written and by Magic's extraction with
# Netgen's LVS (-signoff both -signoff_fraction 1), and by halo's own DRC
# and LVS, which every variant passes before it is judged.  Prints, per
# example, the records, the variants the sign-off rejected by cause, and
# the time; then the totals.  Needs Magic, Netgen and the reference PDK:
#
#   halo flows/bench_signoff.tcl ?-pdk_root DIR? ?-out DIR? ?-arrangements M? ?-variants N?
#
# Not a test: its figures go in the issue note and the README.

set root [file dirname [file dirname [file normalize [info script]]]]
set opts [dict create -pdk_root [file normalize [file join $root .. shared pdk]] \
              -out [file join [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}] halo-bench-signoff] \
              -arrangements 4 -variants 10]
if {[info exists env(PDK_ROOT)]} {dict set opts -pdk_root $env(PDK_ROOT)}
foreach {k v} $argv {
    if {![dict exists $opts $k]} {
        puts stderr "bench_signoff.tcl: unknown option $k; options: [dict keys $opts]"
        exit 1
    }
    dict set opts $k $v
}
set ::halo::output ""
set total [dict create records 0 rejected 0 judged 0 seconds 0.0]
puts [format "%-12s %8s %8s %9s %-32s %9s" example records judged "Magic/NG" "rejected (by cause)" seconds]
foreach ex {ahuja_ota ff_ota lpf miller_ota ota_5t} {
    set dir [file join $root examples $ex]
    pdk load sky130 -root [dict get $opts -pdk_root]
    read_spice [file join $dir $ex.spice]
    read_constraints [file join $dir pairs.json]
    read_testbench [file join $dir testbench.spice]
    set out [file join [dict get $opts -out] $ex]
    file delete -force $out
    set s [generate_dataset -out $out -arrangements [dict get $opts -arrangements] \
               -variants [dict get $opts -variants] -seed 19 -signoff both -signoff_fraction 1 -quiet 1]
    set so [expr {[dict exists $s signoff] ? [dict get $s signoff] : {passed 0 rejected 0 by_cause {}}}]
    set clean 0
    foreach r [read_dataset $out] {
        if {[dict get $r drc_violations] == 0 && [dict get $r lvs] eq "match" &&
            [dict get $r signoff] eq {magic_drc 0 netgen_lvs match}} {incr clean}
    }
    puts [format "%-12s %8d %8d %9s %-32s %9.1f" $ex [dict get $s records] \
              [expr {[dict get $so passed] + [dict get $so rejected]}] "$clean clean" \
              "[dict get $so rejected] [dict get $so by_cause]" [dict get $s seconds]]
    dict incr total records [dict get $s records]
    dict incr total rejected [dict get $so rejected]
    dict incr total judged [expr {[dict get $so passed] + [dict get $so rejected]}]
    dict set total seconds [expr {[dict get $total seconds] + [dict get $s seconds]}]
    dict incr total clean $clean
    if {[dict size [dict get $s failures]]} {puts "             failures by cause: [dict get $s failures]"}
}
puts [format "%-12s %8d %8d %9s %-32s %9.1f" total [dict get $total records] [dict get $total judged] \
          "[dict get $total clean] clean" [dict get $total rejected] [dict get $total seconds]]
