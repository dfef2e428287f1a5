# rl_transfer.tcl -- does an inner agent trained on some circuits explore
# another one better?  The agent (rl_agent sppo) sees features that mean
# the same in every circuit, so one saved agent can explore any.
#
# Training: one generate_dataset -mode rl run on each training circuit in
# turn, all with the same -agent FILE (read at the start, written back at
# the end), -train_seeds of them per circuit.  Then, on the target circuit,
# three arms at the same budget and on the same arrangement pool, per seed:
#   transfer  the trained agent (a copy of FILE per seed), learning on
#   fresh     a new agent, learning on
#   random    random exploration of arrangements drawn from the pool
# and the paired differences transfer - fresh and transfer - random with
# 95 % confidence intervals, as flows/rl_vs_random.tcl prints them.
#
#   halo flows/rl_transfer.tcl ?-train LIST? ?-target EX? ?-seeds LIST?
#                              ?-train_seeds LIST? ?-arrangements M? ?-variants N?
#                              ?-lr X? ?-batch N?

set root [file dirname [file dirname [file normalize [info script]]]]
source [file join $root flows rl_stats.tcl]
set o [dict merge {-train {miller_ota ahuja_ota ff_ota ota_5t} -target lpf -seeds {1 2 3 4 5 6 7 8 9 10}
                   -train_seeds {101 102} -arrangements 5 -variants 30 -lr {} -batch {}} $argv]
set base [file join [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}] halo-rl-transfer-[pid]]
file mkdir $base
set agent [file join $base trained.safetensors]
set pool [expr {4 * [dict get $o -arrangements]}]
set common [list -arrangements [dict get $o -arrangements] -variants [dict get $o -variants] -pool $pool]
foreach k {-lr -batch} {if {[dict get $o $k] ne ""} {lappend common $k [dict get $o $k]}}

set t0 [clock milliseconds]
foreach seed [dict get $o -train_seeds] {
    foreach ex [dict get $o -train] {
        rl_load_example $root $ex
        set out [file join $base train-$ex-$seed]
        set v [rl_run $out [list {*}$common -seed $seed -mode rl -agent $agent]]
        set s [dict get [rl_scores [dict create rl $v]] rl]
        puts [format "trained on %-11s seed %4d: best pscore %.6g, %d variants" $ex $seed [lindex $s 0] [llength $v]]
        file delete -force $out
    }
}
puts [format "training: %.1f s\n" [expr {([clock milliseconds] - $t0) / 1000.0}]]

set ex [dict get $o -target]
rl_load_example $root $ex
set arms [dict create transfer {-mode rl} fresh {-mode rl} random {-mode random}]
puts [format "%-11s %4s %-9s %12s %10s %9s" circuit seed arm "best pscore" "min area" "top 10%"]
set table [dict create]
foreach seed [dict get $o -seeds] {
    set runs [dict create]
    dict for {arm opts} $arms {
        set out [file join $base $ex-$arm-$seed]
        if {$arm eq "transfer"} {
            file copy -force $agent [file join $base copy.safetensors]
            lappend opts -agent [file join $base copy.safetensors]
        }
        dict set runs $arm [rl_run $out [list {*}$common -seed $seed {*}$opts]]
        file delete -force $out
    }
    dict for {arm s} [rl_scores $runs] {
        dict lappend table $arm $s
        puts [format "%-11s %4d %-9s %12.6g %10.2f %9.3f" $ex $seed $arm {*}$s]
    }
}
puts "\nPaired differences on $ex over seeds [dict get $o -seeds] (trained on [dict get $o -train]):"
rl_diff_header
rl_print_diffs $ex $table {"transfer - fresh" transfer fresh "transfer - random" transfer random}
file delete -force $base
