# bench_dataset.tcl -- exploration and dataset figures for the Miller OTA:
# the time of each stage of one verified variant (perturb, route
# -incremental, DRC, LVS, parasitic extraction, pre/post simulation and
# QoS, writing GDS + records), variants per second for one worker, with the
# embedded models and, when a real sky130 is at $PDK_ROOT or ../shared/pdk,
# with the foundry's models; then generate_dataset end to end with -jobs 1
# and -jobs 2.  Sourced by bench.tcl; runs alone too:
#
#   halo flows/bench_dataset.tcl
#
# Target (issue 9): <= 100 ms per verified variant per core with the
# embedded models.  OSIRIS reports 48 s per Miller variant.

if {![info exists root]} {
    set root [file dirname [file dirname [file normalize [info script]]]]
    set ::halo::output ""
}

proc dataset_bench_load {pdkroot} {
    global root
    set dir [file join $root examples miller_ota]
    if {$pdkroot eq ""} {pdk load sky130} else {pdk load sky130 -root $pdkroot}
    read_spice [file join $dir miller_ota.spice]
    read_constraints [file join $dir pairs.json]
    read_testbench [file join $dir testbench.spice]
}

# Mean of each stage's ms over the records (variant 0, the baseline, apart:
# it routes from scratch and simulates pre-layout too).
proc dataset_bench_stages {records} {
    set sums [dict create]
    set n 0
    foreach r $records {
        if {[dict get $r variant] == 0} continue
        incr n
        dict for {k v} [dict get $r time_ms] {dict set sums $k [expr {([dict exists $sums $k] ? [dict get $sums $k] : 0.0) + $v}]}
    }
    set out [dict create]
    foreach k {perturb route drc lvs pex sim write} {
        dict set out $k [expr {$n && [dict exists $sums $k] ? [dict get $sums $k] / $n : 0.0}]
    }
    return $out
}

proc dataset_bench_run {label pdkroot m n} {
    set base [expr {[info exists ::env(TMPDIR)] ? $::env(TMPDIR) : "/tmp"}]
    set dir [file join $base halo-bench-dataset-[pid]-[string map {" " _} $label]]
    file delete -force $dir
    dataset_bench_load $pdkroot
    set t0 [clock milliseconds]
    set s [generate_dataset -out $dir -arrangements $m -variants $n -seed 1 -quiet 1]
    set wall [expr {[clock milliseconds] - $t0}]
    set stages [dataset_bench_stages [read_dataset $dir]]
    set sum 0.0
    dict for {k v} $stages {set sum [expr {$sum + $v}]}
    puts -nonewline [format "%-16s" $label]
    dict for {k v} $stages {puts -nonewline [format " %7.2f" $v]}
    puts [format " %8.1f %9.1f %8.1f %9.1f" $sum [expr {1000.0 / $sum}] [expr {double($wall) / [dict get $s records]}] \
              [expr {1000.0 * [dict get $s records] / $wall}]]
    file delete -force $dir
}

puts "\nExploration and dataset generation, Miller OTA (ms per verified variant, one worker; OSIRIS: 48 s)"
puts [format "%-16s %7s %7s %7s %7s %7s %7s %7s %8s %9s %8s %9s" models perturb route drc lvs pex sim write \
          "variant" "var/s" "e2e ms" "e2e var/s"]
dataset_bench_run embedded "" 5 40
set bench_pdk [expr {[info exists env(PDK_ROOT)] ? $env(PDK_ROOT) : [file normalize [file join $root .. shared pdk]]}]
if {[file exists [file join $bench_pdk sky130A libs.tech ngspice sky130.lib.spice]]} {
    dataset_bench_run "foundry models" $bench_pdk 2 20
} else {
    puts "foundry models   (no sky130 at \$PDK_ROOT or ../shared/pdk: skipped)"
}
# The whole flow as users run it (flows/osiris.tcl, a process per run),
# one worker and two.
foreach jobs {1 2} {
    set dir [file join [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}] halo-bench-osiris-[pid]-$jobs]
    file delete -force $dir
    set t0 [clock milliseconds]
    exec [info nameofexecutable] [file join $root flows osiris.tcl] -out $dir -arrangements 8 -variants 25 -jobs $jobs -quiet 1
    set wall [expr {[clock milliseconds] - $t0}]
    puts [format "flows/osiris.tcl -arrangements 8 -variants 25 -jobs %d: %.1f s, %.1f variants/s" $jobs \
              [expr {$wall / 1000.0}] [expr {200000.0 / $wall}]]
    file delete -force $dir
}
puts "  variant = sum of the stages of an explored variant; e2e = wall time of generate_dataset per record"
puts "  (placement, baseline routing and the first pre-layout simulation of each arrangement included)"
