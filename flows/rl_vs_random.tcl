# rl_vs_random.tcl -- OSIRIS's comparison of its RL exploration with random
# exploration, on the five example circuits, at the same simulation budget:
# M finger arrangements x N variants each (every verified variant costs one
# post-layout simulation).  Random: M arrangements sampled uniformly, each
# explored by random moves.  RL: the outer REINFORCE agent picks M
# arrangements from a pool of 4M, each explored by the inner PPO agent.
# Prints the best pscore reached (and that variant's area) and the smallest
# area, per circuit and mode, for each seed and their mean.
#
#   halo flows/rl_vs_random.tcl ?-arrangements M? ?-variants N? ?-seeds LIST?

set root [file dirname [file dirname [file normalize [info script]]]]
set o [dict merge {-arrangements 5 -variants 30 -seeds {1 2 3}} $argv]
set base [file join [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}] halo-rl-vs-random-[pid]]

proc best_of {dir} {
    set records [read_dataset $dir]
    set best [lindex [lsort -real -index 0 [lmap r $records {list [dict get $r pscore] [dict get $r area]}]] 0]
    set amin [tcl::mathfunc::min {*}[lmap r $records {dict get $r area}]]
    list {*}$best $amin [llength $records]
}

puts [format "%-11s %-6s %4s %12s %10s %10s %8s %8s" circuit mode seed "best pscore" "its area" "min area" sims "s"]
set table [dict create]
foreach ex {miller_ota ahuja_ota ff_ota ota_5t lpf} {
    set dir [file join $root examples $ex]
    pdk load sky130
    read_spice [file join $dir $ex.spice]
    read_constraints [file join $dir pairs.json]
    read_testbench [file join $dir testbench.spice]
    foreach seed [dict get $o -seeds] {
        foreach mode {random rl} {
            set out [file join $base $ex-$mode-$seed]
            set t0 [clock milliseconds]
            generate_dataset -out $out -mode $mode -arrangements [dict get $o -arrangements] \
                -variants [dict get $o -variants] -seed $seed -quiet 1
            set secs [expr {([clock milliseconds] - $t0) / 1000.0}]
            lassign [best_of $out] p a amin n
            dict lappend table $ex/$mode [list $p $a $amin $n]
            puts [format "%-11s %-6s %4d %12.6g %10.1f %10.1f %8d %8.1f" $ex $mode $seed $p $a $amin $n $secs]
            file delete -force $out
        }
    }
}

proc mean {values} {expr {[tcl::mathop::+ {*}$values] / double([llength $values])}}

puts "\nMean over seeds [dict get $o -seeds] ([dict get $o -arrangements] arrangements x [dict get $o -variants] variants per mode):"
puts [format "%-11s %14s %14s %12s %12s %8s" circuit "random pscore" "RL pscore" "random area" "RL area" "RL/random"]
foreach ex {miller_ota ahuja_ota ff_ota ota_5t lpf} {
    set rp [mean [lmap r [dict get $table $ex/random] {lindex $r 0}]]
    set lp [mean [lmap r [dict get $table $ex/rl] {lindex $r 0}]]
    set ra [mean [lmap r [dict get $table $ex/random] {lindex $r 1}]]
    set la [mean [lmap r [dict get $table $ex/rl] {lindex $r 1}]]
    puts [format "%-11s %14.6g %14.6g %12.1f %12.1f %8.2f" $ex $rp $lp $ra $la [expr {$lp / $rp}]]
}
file delete -force $base
