# bench_place.tcl -- placement figures per example: time, HPWL and areas
# of the annealer + ILP against the ILP alone on the initial sequence pair
# and against the best of 100 random sequence pairs (each solved by the
# ILP).  Sourced by bench.tcl; runs alone too:
#
#   halo flows/bench_place.tcl

if {![info exists root]} {
    set root [file dirname [file dirname [file normalize [info script]]]]
    set ::halo::output ""
}

# OSIRIS's RL areas (um^2, sum of component boxes) for comparison.
set osiris_rl_area {miller_ota 1733 ahuja_ota 1797 ff_ota 768.5 ota_5t 444.5 lpf 6635}

proc place_bench_example {ex seeds} {
    global root
    set dir [file join $root examples $ex]
    read_spice [file join $dir $ex.spice]
    read_constraints [file join $dir pairs.json]
    set_fingers [lindex [enumerate_fingers -sample 1 -seed 1] 0]
    generate_devices
    set rows {}
    foreach {label opts} {"SA+ILP" {} "ILP only" {-effort 0} "best of 100 random" {-random 100}} {
        set t {}; set hpwl 0; set bbox 0
        foreach seed $seeds {
            set r [place -seed $seed {*}$opts]
            lappend t [dict get $r time_ms]
            set hpwl [expr {$hpwl + [dict get $r hpwl]}]
            set bbox [expr {$bbox + [dict get $r bbox_area]}]
            set area [dict get $r area]
            set halo_area [dict get $r halo_area]
        }
        set n [llength $seeds]
        lappend rows [list $label [lindex [lsort -real $t] [expr {$n / 2}]] [expr {$hpwl / $n}] [expr {$bbox / $n}]]
    }
    list $rows $area $halo_area
}

# The smallest sum of device boxes over 50 sampled finger arrangements.
proc min_device_area {ex} {
    global root
    set dir [file join $root examples $ex]
    read_spice [file join $dir $ex.spice]
    read_constraints [file join $dir pairs.json]
    set best ""
    foreach arr [enumerate_fingers -sample 50 -seed 2] {
        set_fingers $arr
        generate_devices
        set a 0
        foreach d [report_devices] {set a [expr {$a + [dict get $d area]}]}
        if {$best eq "" || $a < $best} {set best $a}
    }
    return $best
}

puts "\nplacement (median time over seeds 1..5; HPWL and boundary area are means; one finger arrangement)"
puts [format "%-11s %-19s %9s %10s %12s" example method "time(ms)" "HPWL(um)" "bbox(um^2)"]
foreach ex {miller_ota ahuja_ota ff_ota ota_5t lpf} {
    lassign [place_bench_example $ex {1 2 3 4 5}] rows area halo_area
    foreach row $rows {
        lassign $row label t hpwl bbox
        puts [format "%-11s %-19s %9.2f %10.1f %12.1f" $ex $label $t $hpwl $bbox]
    }
    set amin [min_device_area $ex]
    puts [format "%-11s device boxes %.1f um^2 (min over 50 arrangements %.1f), halo boxes %.1f um^2; OSIRIS RL area %s um^2" \
              $ex $area $amin $halo_area [dict get $osiris_rl_area $ex]]
}
