# bench_route.tcl -- routing figures per example: full route time over
# placement seeds, and route -incremental after random perturbations
# against a full route of the same perturbed placement.  Sourced by
# bench.tcl; runs alone too:
#
#   halo flows/bench_route.tcl
#
# Targets (issue 7): Miller OTA full route < 100 ms, incremental < 20 ms.

if {![info exists root]} {
    set root [file dirname [file dirname [file normalize [info script]]]]
    set ::halo::output ""
}

proc route_bench_load {ex seed} {
    global root
    set dir [file join $root examples $ex]
    read_spice [file join $dir $ex.spice]
    read_constraints [file join $dir pairs.json]
    set_fingers [lindex [enumerate_fingers -sample 1 -seed $seed] 0]
    generate_devices
    place -seed $seed
}

proc median {values} {
    set s [lsort -real $values]
    lindex $s [expr {[llength $s] / 2}]
}

# Full routes: median and max time over placement seeds, wirelength and
# vias of the first.
proc route_bench_full {ex seeds} {
    set t {}
    set wl {}
    set vias {}
    foreach seed $seeds {
        route_bench_load $ex $seed
        route
        # the second run of the same placement: warm caches, as in a loop
        set r [route]
        lappend t [dict get $r time_ms]
        lappend wl [dict get $r wirelength]
        lappend vias [dict get $r vias]
    }
    list [median $t] [lindex [lsort -real $t] end] [median $wl] [median $vias]
}

# Perturbation loop: each step one random move, then route -incremental,
# then a full route of the same placement (so both see the same state).
proc route_bench_incremental {ex steps} {
    route_bench_load $ex 1
    route
    set names [dict keys [dict get [report_placement] device]]
    expr {srand(11)}
    set ti {}
    set tf {}
    set rerouted {}
    set faster 0
    for {set i 0} {$i < $steps} {incr i} {
        set dev [lindex $names [expr {int(rand() * [llength $names])}]]
        if {$i % 7 == 0} {perturb $dev -flip [expr {rand() < 0.5 ? "x" : "y"}]} else {
            perturb $dev [lindex {left right up down} [expr {int(rand() * 4)}]] -step [expr {100 * (1 + int(rand() * 5))}]
        }
        set r [route -incremental]
        set f [route]
        lappend ti [dict get $r time_ms]
        lappend tf [dict get $f time_ms]
        lappend rerouted [dict get $r rerouted]
        if {[dict get $r time_ms] < [dict get $f time_ms]} {incr faster}
    }
    list [median $ti] [lindex [lsort -real $ti] end] [median $tf] $faster [median $rerouted] \
        [dict get [route] nets]
}

puts "\nrouting: full route (median/max over placement seeds 1..5, second run of each) and\nroute -incremental after each of 100 random perturbations vs a full route of the same placement"
puts [format "%-11s %10s %9s %9s %6s | %10s %9s %10s %14s %9s" example "full(ms)" "max(ms)" "WL(um)" vias \
          "incr(ms)" "max(ms)" "full(ms)" "incr faster" rerouted]
foreach ex {miller_ota ahuja_ota ff_ota ota_5t lpf} {
    lassign [route_bench_full $ex {1 2 3 4 5}] tfull tmax wl vias
    lassign [route_bench_incremental $ex 100] ti timax tf faster rer nets
    puts [format "%-11s %10.2f %9.2f %9.1f %6d | %10.2f %9.2f %10.2f %10d/100 %6s/%d" $ex $tfull $tmax $wl $vias \
              $ti $timax $tf $faster $rer $nets]
}
