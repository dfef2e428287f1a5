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
