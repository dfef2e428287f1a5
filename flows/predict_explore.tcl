# predict_explore.tcl -- does a placement-quality predictor make
# exploration find good layouts sooner?  For each example and each of
# -seeds starting placements (a fresh finger arrangement and annealing
# seed, none of them in the predictor's training data), OSIRIS's random
# exploration runs twice from the same placement with the same budget of
# -variants simulated variants: unguided, and with -guide MODEL (each move
# the best of -candidates random draws by the predictor).  A variant is
# top-decile when its pscore is in the lowest 10 % of the 2 x -variants
# variants of its seed (both arms from the same start): the count per arm
# says which finds more of the best layouts within reach.  The per-seed
# difference guided minus unguided is paired; the table gives its mean
# and a 95 % t interval over seeds.  A finer paired measure follows: the
# difference of the arms' mean log pscore per seed (negative: guided
# variants are better), with its 95 % interval, as a percentage.  -out
# FILE keeps every pscore.
#
#   halo flows/predict_explore.tcl ?-models DIR? ?-model nas|cnn? ?-examples LIST?
#        ?-seeds S? ?-variants V? ?-candidates K?
#
# DIR holds flows/predict_bench.tcl's output (DIR/<example>/nas.safetensors).

set root [file dirname [file dirname [file normalize [info script]]]]
set opts [dict create -models /tmp/halo-predict-bench -model nas -examples {ota_5t miller_ota ahuja_ota ff_ota lpf} \
              -seeds 30 -variants 40 -candidates 16 -out {}]
foreach {k v} $argv {
    if {![dict exists $opts $k]} {puts stderr "predict_explore: unknown option $k"; exit 2}
    dict set opts $k $v
}
dict with opts {}
set ::halo::output ""

source [file join $root flows bench_common.tcl]

proc pscores {r} {lmap x [dict get $r records] {dict get $x pscore}}

puts [format "Predictor-guided vs unguided random exploration, %d seeds x %d simulated variants per arm (%s model, best of %d)" \
          ${-seeds} ${-variants} ${-model} ${-candidates}]
puts [format "%-11s %7s %7s %9s %20s   %-26s" circuit random guided mean_diff "95% CI" \
          "mean pscore, guided/random"]

set wins 0
set finer 0
foreach ex ${-examples} {
    set model [file join ${-models} $ex ${-model}.safetensors]
    if {![file exists $model]} {puts "$ex: no model $model"; continue}
    load_example $root $ex
    set runs {}
    for {set s 1} {$s <= ${-seeds}} {incr s} {
        set seed [expr {1000 + $s}]
        set_fingers [lindex [enumerate_fingers -sample 1 -seed $seed] 0]
        generate_devices
        place -seed $seed
        snapshot save start
        if {[catch {explore -variants ${-variants} -seed $s} a]} {puts "$ex seed $s: $a"; continue}
        snapshot restore start
        if {[catch {explore -variants ${-variants} -seed $s -guide $model -guide_candidates ${-candidates}} b]} {
            puts "$ex seed $s: $b"
            continue
        }
        lappend runs [list [pscores $a] [pscores $b]]
    }
    set diffs {}
    set logd {}
    set cr 0
    set cg 0
    foreach r $runs {
        lassign $r a b
        set all [lsort -real [concat $a $b]]
        set cut [lindex $all [expr {int(floor(0.1 * ([llength $all] - 1)))}]]
        set na [llength [lmap x $a {expr {$x <= $cut ? 1 : [continue]}}]]
        set nb [llength [lmap x $b {expr {$x <= $cut ? 1 : [continue]}}]]
        incr cr $na
        incr cg $nb
        lappend diffs [expr {$nb - $na}]
        lappend logd [expr {[mean [lmap x $b {expr {log($x)}}]] - [mean [lmap x $a {expr {log($x)}}]]}]
    }
    if {${-out} ne ""} {
        set f [open ${-out} a]
        puts $f [list $ex $runs]
        close $f
    }
    lassign [t_interval $diffs] mean half
    lassign [t_interval $logd] lmean lhalf
    puts [format "%-11s %7d %7d %+9.2f %20s   %+.1f %% \[%+.1f, %+.1f\]" $ex $cr $cg $mean \
              [format "\[%+.2f, %+.2f\]" [expr {$mean - $half}] [expr {$mean + $half}]] \
              [expr {100 * (exp($lmean) - 1)}] [expr {100 * (exp($lmean - $lhalf) - 1)}] \
              [expr {100 * (exp($lmean + $lhalf) - 1)}]]
    if {$lmean + $lhalf < 0} {incr finer}
    if {$mean - $half > 0} {incr wins}
}
puts "Guided finds more top-decile variants (95 % interval above 0) on $wins of [llength ${-examples}] circuits;"
puts "its variants have a lower mean pscore (95 % interval below 0) on $finer."
