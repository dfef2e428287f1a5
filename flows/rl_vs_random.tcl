# rl_vs_random.tcl -- does OSIRIS-style RL exploration beat random
# exploration because it learns?  Three arms per circuit and seed, at the
# same budget (M finger arrangements x N verified variants each; every
# variant costs one post-layout simulation), on the same arrangement pool
# (enumerate_fingers -sample P -seed S, P = 4M):
#   random   M arrangements drawn uniformly from the pool, random moves
#   rl       the outer REINFORCE agent picks M from the pool; one inner
#            sppo agent explores all of them, learning as it goes
#   rl-off   the same agents and sampling with learning switched off
#            (generate_dataset -learn 0): what search structure alone gives
# Per run: the best (lowest) pscore, the smallest area, and the fraction of
# its variants in the top decile (by pscore) of all variants the three arms
# of that seed produced.  Then, per circuit, the paired differences
# rl - random and rl - rl-off over the seeds: mean and 95 % confidence
# interval (Student t); an interval that excludes 0 is marked *.
#
#   halo flows/rl_vs_random.tcl ?-arrangements M? ?-variants N? ?-seeds LIST?
#                               ?-examples LIST? ?-curves DIR?
#
# -curves DIR keeps each rl run's learning.csv and learning.svg there.

set root [file dirname [file dirname [file normalize [info script]]]]
set o [dict merge {-arrangements 5 -variants 30 -seeds {1 2 3 4 5 6 7 8 9 10}
                   -examples {miller_ota ahuja_ota ff_ota ota_5t lpf} -curves {}} $argv]
set base [file join [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}] halo-rl-vs-random-[pid]]
set arms {random rl rl-off}

# Student t quantile 0.975 for df = 1..30 (larger: 1.96).
set t975 {12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 2.201 2.179 2.160 2.145 2.131
          2.120 2.110 2.101 2.093 2.086 2.080 2.074 2.069 2.064 2.060 2.056 2.052 2.048 2.045 2.042}

proc mean {v} {expr {[tcl::mathop::+ {*}$v] / double([llength $v])}}

# {mean lo hi} of the paired differences d.
proc ci {d} {
    global t975
    set n [llength $d]
    set m [mean $d]
    if {$n < 2} {return [list $m $m $m]}
    set ss 0.0
    foreach x $d {set ss [expr {$ss + ($x - $m) ** 2}]}
    set t [expr {$n - 1 <= 30 ? [lindex $t975 [expr {$n - 2}]] : 1.96}]
    set half [expr {$t * sqrt($ss / ($n - 1)) / sqrt($n)}]
    list $m [expr {$m - $half}] [expr {$m + $half}]
}

proc run_arm {arm out seed o} {
    set opts [list -out $out -arrangements [dict get $o -arrangements] -variants [dict get $o -variants] \
                  -seed $seed -quiet 1 -pool [expr {4 * [dict get $o -arrangements]}]]
    switch $arm {
        random {lappend opts -mode random}
        rl {lappend opts -mode rl}
        rl-off {lappend opts -mode rl -learn 0}
    }
    generate_dataset {*}$opts
    lmap r [read_dataset $out] {list [dict get $r pscore] [dict get $r area]}
}

puts [format "%-11s %4s %-7s %12s %10s %9s %6s %7s" circuit seed arm "best pscore" "min area" "top 10%" sims s]
set table [dict create]
foreach ex [dict get $o -examples] {
    set dir [file join $root examples $ex]
    pdk load sky130
    read_spice [file join $dir $ex.spice]
    read_constraints [file join $dir pairs.json]
    read_testbench [file join $dir testbench.spice]
    foreach seed [dict get $o -seeds] {
        set runs [dict create]
        set secs [dict create]
        foreach arm $arms {
            set out [file join $base $ex-$arm-$seed]
            set t0 [clock milliseconds]
            dict set runs $arm [run_arm $arm $out $seed $o]
            dict set secs $arm [expr {([clock milliseconds] - $t0) / 1000.0}]
            if {$arm eq "rl" && [dict get $o -curves] ne ""} {
                file mkdir [dict get $o -curves]
                foreach f {learning.csv learning.svg} {
                    file copy -force [file join $out $f] [file join [dict get $o -curves] $ex-$seed-$f]
                }
            }
            file delete -force $out
        }
        # the top decile of every variant this seed's three arms produced
        set all [lsort -real [concat {*}[lmap arm $arms {lmap v [dict get $runs $arm] {lindex $v 0}}]]]
        set cut [lindex $all [expr {max(0, int(ceil(0.1 * [llength $all])) - 1)}]]
        foreach arm $arms {
            set v [dict get $runs $arm]
            set p [tcl::mathfunc::min {*}[lmap x $v {lindex $x 0}]]
            set a [tcl::mathfunc::min {*}[lmap x $v {lindex $x 1}]]
            set top [expr {[llength [lsearch -all -exact [lmap x $v {expr {[lindex $x 0] <= $cut}}] 1]] / double([llength $v])}]
            dict lappend table $ex/$arm [list $p $a $top]
            puts [format "%-11s %4d %-7s %12.6g %10.2f %9.3f %6d %7.1f" $ex $seed $arm $p $a $top [llength $v] \
                      [dict get $secs $arm]]
        }
    }
}

puts "\nPaired differences over seeds [dict get $o -seeds] ([dict get $o -arrangements] arrangements x\
      [dict get $o -variants] variants per arm; pool [expr {4 * [dict get $o -arrangements]}]):"
puts "best pscore and min area: lower is better; top 10%: higher is better.  * = the 95 % CI excludes 0."
puts [format "%-11s %-16s %-34s %-34s %-30s" circuit comparison "best pscore" "min area (um^2)" "top-10% fraction"]
foreach ex [dict get $o -examples] {
    foreach other {random rl-off} {
        set cells {}
        foreach k {0 1 2} {
            set d {}
            foreach x [dict get $table $ex/rl] y [dict get $table $ex/$other] {lappend d [expr {[lindex $x $k] - [lindex $y $k]}]}
            lassign [ci $d] m lo hi
            set star [expr {$lo > 0 || $hi < 0 ? "*" : " "}]
            lappend cells [format "%+.4g \[%+.4g, %+.4g\]%s" $m $lo $hi $star]
        }
        puts [format "%-11s %-16s %-34s %-34s %-30s" $ex "rl - $other" {*}$cells]
    }
}
file delete -force $base
