# bench.tcl -- figures for halo's front end: reading netlists, counting,
# listing and sampling finger arrangements.  Prints times; asserts nothing.
#
#   halo flows/bench.tcl        (or: make bench)

set root [file dirname [file dirname [file normalize [info script]]]]
set ::halo::output ""

proc usec {script {n 1}} {
    set t [lindex [uplevel 1 [list time $script $n]] 0]
    return $t
}

puts [format "%-11s %9s %9s %12s %10s %12s %12s" example "read(us)" "json(us)" arrangements "count(us)" "list/s" "sample1k(us)"]
foreach ex {miller_ota ahuja_ota ff_ota ota_5t lpf} {
    set dir [file join $root examples $ex]
    set read [usec {read_spice [file join $dir $ex.spice]} 200]
    read_constraints [file join $dir pairs.json]
    set json [file join [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}] bench-$ex.json]
    write_netlist_json $json
    set rj [usec {read_netlist_json $json} 200]
    read_spice [file join $dir $ex.spice]
    read_constraints [file join $dir pairs.json]
    set count [enumerate_fingers -count]
    set tcount [usec {enumerate_fingers -count} 200]
    set values [expr {$count <= 600000 ? {} : {-values {1 2 3 4 5 6 8}}}]
    set n [llength [enumerate_fingers {*}$values]]
    set tlist [usec {enumerate_fingers {*}$values}]
    set rate [expr {$n / ($tlist / 1e6)}]
    set tsample [usec {enumerate_fingers -sample 1000 -seed 1} 5]
    puts [format "%-11s %9.1f %9.1f %12s %10.1f %12.0f %12.0f" $ex $read $rj $count $tcount $rate $tsample]
    file delete $json
}

# ---------------------------------------------------------------- simulation
# Per-simulation wall time seen from Tcl (deck building, worker round trip,
# ngspice load + op + 2 AC analyses, metrics), warm: workers started and, for
# a real PDK, its library loaded once.  "first" is the first simulation of
# the process: it starts a worker and, with a real PDK, reads the library.

proc ms {script {n 1}} {
    expr {[lindex [uplevel 1 [list time $script $n]] 0] / 1000.0}
}

# Median of n runs of script, in ms.
proc median_ms {script n} {
    set t {}
    for {set i 0} {$i < $n} {incr i} {lappend t [uplevel 1 [list ms $script]]}
    lindex [lsort -real $t] [expr {$n / 2}]
}

proc sim_bench {label} {
    global root
    puts [format "\n%s" $label]
    puts [format "%-11s %10s %10s %10s %12s %10s" example "first(ms)" "sim(ms)" "worker(ms)" "pre+post(ms)" "converged"]
    foreach ex {miller_ota ahuja_ota ff_ota ota_5t lpf} {
        set dir [file join $root examples $ex]
        read_spice [file join $dir $ex.spice]
        read_constraints [file join $dir pairs.json]
        set_fingers [lindex [enumerate_fingers -sample 1 -seed 1] 0]
        read_testbench [file join $dir testbench.spice]
        set first [ms {set r [simulate -nocache]}]
        set sim [median_ms {set r [simulate -nocache]} 9]
        set worker [expr {[dict get $r seconds] * 1000}]
        # pre+post pair, as report_qos runs them (concurrently on the pool);
        # the post-layout netlist here is the schematic itself (a seeded
        # finger arrangement)
        set post [file join [expr {[info exists ::env(TMPDIR)] ? $::env(TMPDIR) : "/tmp"}] bench-$ex-post.sp]
        write_spice $post -fingers m
        read_post_netlist $post
        set pair [median_ms {report_qos -nocache} 5]
        file delete $post
        puts [format "%-11s %10.1f %10.1f %10.1f %12.1f %10s" $ex $first $sim $worker $pair [dict get $r converged]]
    }
}

sim_bench "simulation, embedded sky130 models"
set pdkroot [expr {[info exists env(HALO_PDK_ROOT)] ? $env(HALO_PDK_ROOT) : [file join $root .. shared pdk]}]
if {[file exists [file join $pdkroot sky130A libs.tech ngspice sky130.lib.spice]]} {
    pdk load sky130 -root $pdkroot
    sim_bench "simulation, real sky130 models ($pdkroot), library reduced per design"
    read_spice [file join $root examples miller_ota miller_ota.spice]
    read_testbench [file join $root examples miller_ota testbench.spice]
    puts [format "miller_ota with the whole library spliced in (-models full): %.0f ms" \
        [ms {simulate -nocache -models full}]]
    pdk load sky130
} else {
    puts "\n(no real PDK at $pdkroot: real-model figures skipped; set HALO_PDK_ROOT)"
}

# ---------------------------------------------------------------- device generation
# generate_devices from an empty layout: every cell drawn (resolution of the
# devices, drawing, halos, the preview top cell), median of 200 runs, for one
# arrangement and as the mean over 20 sampled arrangements.
puts [format "\n%-11s %8s %8s %12s %12s" "devices" cells shapes "one(ms)" "20 arr.(ms)"]
foreach ex {miller_ota ahuja_ota ff_ota ota_5t lpf} {
    set dir [file join $root examples $ex]
    read_spice [file join $dir $ex.spice]
    read_constraints [file join $dir pairs.json]
    set arrangements [enumerate_fingers -sample 20 -seed 7]
    set_fingers [lindex $arrangements 0]
    set one [median_ms {clear_layout; generate_devices} 200]
    set shapes 0
    foreach c [report_layout] {incr shapes [dict get $c shapes]}
    set cells [llength [report_layout]]
    set total 0
    foreach a $arrangements {
        set_fingers $a
        set total [expr {$total + [median_ms {clear_layout; generate_devices} 21]}]
    }
    puts [format "%-11s %8d %8d %12.3f %12.3f" $ex $cells $shapes $one [expr {$total / [llength $arrangements]}]]
}
