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
#                               ?-examples LIST? ?-curves DIR? ?-lr X? ?-batch N?
#
# -curves DIR keeps each rl run's learning.csv and learning.svg there; -lr
# and -batch are the inner agent's learning rate and update batch
# (generate_dataset's defaults otherwise).

set root [file dirname [file dirname [file normalize [info script]]]]
source [file join $root flows rl_stats.tcl]
set o [dict merge {-arrangements 5 -variants 30 -seeds {1 2 3 4 5 6 7 8 9 10}
                   -examples {miller_ota ahuja_ota ff_ota ota_5t lpf} -curves {} -lr {} -batch {}} $argv]
set base [file join [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}] halo-rl-vs-random-[pid]]
set pool [expr {4 * [dict get $o -arrangements]}]
set common [list -arrangements [dict get $o -arrangements] -variants [dict get $o -variants] -pool $pool]
foreach k {-lr -batch} {if {[dict get $o $k] ne ""} {lappend common $k [dict get $o $k]}}
set arms [dict create random {-mode random} rl {-mode rl} rl-off {-mode rl -learn 0}]

puts [format "%-11s %4s %-7s %12s %10s %9s %6s %7s" circuit seed arm "best pscore" "min area" "top 10%" sims s]
set table [dict create]
foreach ex [dict get $o -examples] {
    rl_load_example $root $ex
    foreach seed [dict get $o -seeds] {
        set runs [dict create]
        set secs [dict create]
        dict for {arm opts} $arms {
            set out [file join $base $ex-$arm-$seed]
            set t0 [clock milliseconds]
            dict set runs $arm [rl_run $out [list {*}$common -seed $seed {*}$opts]]
            dict set secs $arm [expr {([clock milliseconds] - $t0) / 1000.0}]
            if {$arm eq "rl" && [dict get $o -curves] ne ""} {
                file mkdir [dict get $o -curves]
                foreach f {learning.csv learning.svg} {
                    file copy -force [file join $out $f] [file join [dict get $o -curves] $ex-$seed-$f]
                }
            }
            file delete -force $out
        }
        dict for {arm s} [rl_scores $runs] {
            dict lappend table $ex/$arm $s
            lassign $s p a top
            puts [format "%-11s %4d %-7s %12.6g %10.2f %9.3f %6d %7.1f" $ex $seed $arm $p $a $top \
                      [llength [dict get $runs $arm]] [dict get $secs $arm]]
        }
    }
}

puts "\nPaired differences over seeds [dict get $o -seeds] ([dict get $o -arrangements] arrangements x\
      [dict get $o -variants] variants per arm; pool $pool):"
rl_diff_header
foreach ex [dict get $o -examples] {
    set t [dict create]
    foreach arm {random rl rl-off} {dict set t $arm [dict get $table $ex/$arm]}
    rl_print_diffs $ex $t {"rl - random" rl random "rl - rl-off" rl rl-off}
}
file delete -force $base
