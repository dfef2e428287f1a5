# predict_explore.tcl -- does a placement-quality predictor make
# exploration find good layouts sooner?  For each example and each of
# -seeds starting placements (a fresh finger arrangement and annealing
# seed, none of them in the predictor's training data), exploration runs
# once per arm from the same placement with the same budget of -variants
# simulated variants.  The arms (-arms, default {random guided}):
#   random       OSIRIS's random exploration, a walk (variant j from j-1)
#   guided       the same walk, each move the best of -candidates random
#                draws by the predictor (explore -guide MODEL)
#   random_best  random moves from the best variant so far (explore -from
#                best: a stochastic hill climb), no predictor
#   guided_best  the hill climb with the predictor choosing each move
#   veto_best    the hill climb, each move a uniform pick among the better
#                half of -candidates draws by the predictor (-guide_pick veto)
# A variant is top-decile when its pscore is in the lowest 10 % of all the
# arms' variants of its seed: the count per arm says which finds more of
# the best layouts within reach.  Each arm is compared with random (and
# guided_best and veto_best with random_best: the predictor's own share of
# the climb):
# the per-seed difference of the counts is paired, and the table gives its
# mean and a 95 % t interval over seeds.  A finer paired measure follows:
# the difference of the arms' mean log pscore per seed (negative: the
# second arm's variants are better), with its 95 % interval, as a
# percentage.  -out FILE keeps every pscore.
#
#   halo flows/predict_explore.tcl ?-models DIR? ?-model nas|cnn? ?-examples LIST?
#        ?-seeds S? ?-variants V? ?-candidates K? ?-arms LIST? ?-out FILE?
#
# DIR holds flows/predict_bench.tcl's output (DIR/<example>/nas.safetensors).

set root [file dirname [file dirname [file normalize [info script]]]]
source [file join $root flows bench_common.tcl]
set opts [flow_options predict_explore [dict create -models /tmp/halo-predict-bench -model nas -examples {ota_5t miller_ota ahuja_ota ff_ota lpf} \
              -seeds 30 -variants 40 -candidates 16 -arms {random guided} -out {}] $argv]
dict with opts {}
set ::halo::output ""

proc pscores {r} {lmap x [dict get $r records] {dict get $x pscore}}

foreach arm ${-arms} {
    if {$arm ni {random guided random_best guided_best veto_best}} {
        puts stderr "predict_explore: -arms: $arm is not random, guided, random_best, guided_best or veto_best"
        exit 2
    }
}
if {[lindex ${-arms} 0] ne "random"} {puts stderr "predict_explore: -arms must start with random"; exit 2}

# explore's options of an arm.
proc arm_options {arm model candidates} {
    set o {}
    if {[string match *_best $arm]} {lappend o -from best}
    if {[string match guided* $arm]} {lappend o -guide $model -guide_candidates $candidates}
    if {[string match veto* $arm]} {lappend o -guide $model -guide_candidates $candidates -guide_pick veto}
    return $o
}

# The comparisons (a b): every arm against random, and guided_best against
# random_best when both run.
set comparisons [lmap arm [lrange ${-arms} 1 end] {list random $arm}]
foreach arm {guided_best veto_best} {
    if {"random_best" in ${-arms} && $arm in ${-arms}} {lappend comparisons [list random_best $arm]}
}
set classic [expr {${-arms} eq {random guided}}]

if {$classic} {
    puts [format "Predictor-guided vs unguided random exploration, %d seeds x %d simulated variants per arm (%s model, best of %d)" \
              ${-seeds} ${-variants} ${-model} ${-candidates}]
    puts [format "%-11s %7s %7s %9s %20s   %-26s" circuit random guided mean_diff "95% CI" \
              "mean pscore, guided/random"]
} else {
    puts [format "Exploration arms %s, %d seeds x %d simulated variants per arm (%s model, best of %d)" \
              [join ${-arms} ", "] ${-seeds} ${-variants} ${-model} ${-candidates}]
    puts [format "%-11s %-24s %6s %6s %9s %20s   %-26s" circuit "arm a -> arm b" a b mean_diff "95% CI" \
              "mean pscore, b/a"]
}

# Top-decile count of each arm of one seed's runs (a dict arm -> pscores).
proc top_decile_counts {run} {
    set all [lsort -real [concat {*}[dict values $run]]]
    set cut [lindex $all [expr {int(floor(0.1 * ([llength $all] - 1)))}]]
    set counts [dict create]
    dict for {arm p} $run {dict set counts $arm [llength [lmap x $p {expr {$x <= $cut ? 1 : [continue]}}]]}
    return $counts
}

proc mean_log {l} {mean [lmap x $l {expr {log($x)}}]}

set wins [dict create]
set finer [dict create]
foreach ex ${-examples} {
    set model [file join ${-models} $ex ${-model}.safetensors]
    if {![file exists $model]} {puts "$ex: no model $model"; continue}
    load_example $root $ex
    set runs {}
    for {set s 1} {$s <= ${-seeds}} {incr s} {
        set seed [expr {1000 + $s}]
        fresh_start $seed
        snapshot save start
        set run [dict create]
        foreach arm ${-arms} {
            snapshot restore start
            if {[catch {explore -variants ${-variants} -seed $s {*}[arm_options $arm $model ${-candidates}]} r]} {
                puts "$ex seed $s: $r"
                break
            }
            dict set run $arm [pscores $r]
        }
        if {[dict size $run] == [llength ${-arms}]} {lappend runs $run}
    }
    if {${-out} ne ""} {
        set f [open ${-out} a]
        puts $f [list $ex ${-arms} [lmap run $runs {dict values $run}]]
        close $f
    }
    set counts [lmap run $runs {top_decile_counts $run}]
    foreach cmp $comparisons {
        lassign $cmp a b
        set diffs [lmap c $counts {expr {[dict get $c $b] - [dict get $c $a]}}]
        set logd [lmap run $runs {expr {[mean_log [dict get $run $b]] - [mean_log [dict get $run $a]]}}]
        set ca [tcl::mathop::+ 0 {*}[lmap c $counts {dict get $c $a}]]
        set cb [tcl::mathop::+ 0 {*}[lmap c $counts {dict get $c $b}]]
        lassign [t_interval $diffs] mean half
        lassign [t_interval $logd] lmean lhalf
        set ci [format "\[%+.2f, %+.2f\]" [expr {$mean - $half}] [expr {$mean + $half}]]
        set ratio [format "%+.1f %% \[%+.1f, %+.1f\]" [expr {100 * (exp($lmean) - 1)}] \
                       [expr {100 * (exp($lmean - $lhalf) - 1)}] [expr {100 * (exp($lmean + $lhalf) - 1)}]]
        if {$classic} {
            puts [format "%-11s %7d %7d %+9.2f %20s   %s" $ex $ca $cb $mean $ci $ratio]
        } else {
            puts [format "%-11s %-24s %6d %6d %+9.2f %20s   %s" $ex "$a -> $b" $ca $cb $mean $ci $ratio]
        }
        if {$lmean + $lhalf < 0} {dict incr finer $cmp}
        if {$mean - $half > 0} {dict incr wins $cmp}
    }
}
foreach cmp $comparisons {
    lassign $cmp a b
    set w [expr {[dict exists $wins $cmp] ? [dict get $wins $cmp] : 0}]
    set f [expr {[dict exists $finer $cmp] ? [dict get $finer $cmp] : 0}]
    if {$classic} {
        puts "Guided finds more top-decile variants (95 % interval above 0) on $w of [llength ${-examples}] circuits;"
        puts "its variants have a lower mean pscore (95 % interval below 0) on $f."
    } else {
        puts "$b against $a: more top-decile variants (95 % interval above 0) on $w of [llength ${-examples}]\
              circuits, a lower mean pscore (interval below 0) on $f."
    }
}
