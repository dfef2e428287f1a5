# predict_moves.tcl -- move models, the predictors explore -guide needs.
#
# A placement model (predict_bench.tcl) pictures a whole placement; ranking
# the candidate moves of one placement asks it to tell apart pictures that
# differ by one device moved 100 nm, which it was never trained to do.
# A move model is trained on exactly that: per example, a move dataset
# (predictor_dataset -siblings: verified parent placements, each with
# single random moves rerouted and verified as explore does; the picture
# is the child and the child minus the parent, the label pscore_move the
# child's pscore over the parent's), then the fixed CNN on pscore_move.
#
# Then the check that matters for guidance, on fresh placements (seeds no
# dataset saw): -candidates random moves of each are scored by the move
# model and by the example's placement model (-baseline), then every one
# is simulated.  Per model the table gives the mean Spearman correlation
# of predicted with simulated pscore over the placements, and how much
# lower the simulated pscore of the candidate it ranks first is than the
# candidates' mean (log ratio as a percentage), each with a 95 % t
# interval.  A useless ranking scores 0 on both.
#
#   halo flows/predict_moves.tcl ?-out DIR? ?-examples LIST? ?-samples N? ?-siblings K?
#        ?-size S? ?-epochs E? ?-width W? ?-probe P? ?-candidates C? ?-baseline DIR?
#        ?-jobs J? ?-seed S?
#
# DIR/<example>/move_cnn.safetensors is the move model (datasets already
# in DIR are reused); flows/predict_explore.tcl -models DIR -model move_cnn
# explores with it.  The examples run in -jobs child processes.

set root [file dirname [file dirname [file normalize [info script]]]]
source [file join $root flows bench_common.tcl]
set opts [flow_options predict_moves [dict create -out /tmp/halo-predict-moves -examples {ota_5t miller_ota ahuja_ota ff_ota lpf} \
              -samples 4000 -siblings 8 -size 32 -epochs 20 -width 0.5 -probe 30 -candidates 16 \
              -baseline [file join $root models predict] -jobs 2 -seed 1 -one {}] $argv]
dict with opts {}
set out [file normalize ${-out}]
file mkdir $out

# Ranks 0 .. n-1 of a list of numbers (ties in list order).
proc ranks {l} {
    set r [lrepeat [llength $l] 0]
    set k 0
    foreach i [lsort -indices -real $l] {lset r $i $k; incr k}
    return $r
}

proc spearman {a b} {
    set ra [ranks $a]
    set rb [ranks $b]
    set m [expr {([llength $a] - 1) / 2.0}]
    set sab 0.0
    set saa 0.0
    set sbb 0.0
    foreach x $ra y $rb {
        set sab [expr {$sab + ($x - $m) * ($y - $m)}]
        set saa [expr {$saa + ($x - $m) ** 2}]
        set sbb [expr {$sbb + ($y - $m) ** 2}]
    }
    expr {$saa > 0 && $sbb > 0 ? $sab / sqrt($saa * $sbb) : 0.0}
}

proc save {path value} {
    set f [open $path.part w]
    puts $f $value
    close $f
    file rename -force $path.part $path
}

# ------------------------------------------------------------------ one example (a child)

# Score the candidates with each model, then simulate them all.  Returns
# {model {rho top_gain} ...} or {} when too few candidates verified.
proc probe_one {models cands} {
    set scores [dict create]
    dict for {name file} $models {dict set scores $name [predict -model $file -moves $cands]}
    snapshot save probe_start
    set sim {}
    set keep {}
    for {set i 0} {$i < [llength $cands]} {incr i} {
        snapshot restore probe_start
        if {![::halo::flow::apply_move {*}[lindex $cands $i]]} continue
        set v [::halo::flow::validate 0]
        if {![dict get $v ok]} continue
        lappend sim [dict get $v qos pscore]
        lappend keep $i
    }
    snapshot restore probe_start
    snapshot delete probe_start
    if {[llength $keep] < 5} {return {}}
    set avg [mean [lmap p $sim {expr {log($p)}}]]
    set r [dict create]
    dict for {name s} $scores {
        set pred [lmap i $keep {lindex $s $i 1}]
        set top [lindex [lsort -indices -real $pred] 0]
        dict set r $name [list [spearman $pred $sim] [expr {log([lindex $sim $top]) - $avg}]]
    }
    return $r
}

proc run_one {ex} {
    global root out opts
    dict with opts {}
    set dir [file join $out $ex]
    set data [file join $dir predictor.safetensors]
    set r [dict create circuit $ex]
    set ::halo::output ""
    load_example $root $ex
    if {![file exists $data]} {
        set d [predictor_dataset -out $dir -samples ${-samples} -siblings ${-siblings} -size ${-size} \
                   -step 100 -arrangements 8 -seed ${-seed}]
        dict set r dataset [dict create samples [dict get $d samples] failures [dict get $d failures] \
                                seconds [dict get $d seconds] pscore_move [dict get $d labels pscore_move]]
    }
    set model [file join $dir move_cnn.safetensors]
    set t [train_predictor -data $data -metric pscore_move -arch cnn -epochs ${-epochs} -width ${-width} \
               -seed ${-seed} -quiet 1 -out $model]
    dict set r train [dict create test_acc [dict get $t test_acc] test_majority [dict get $t test_majority] \
                          seconds [dict get $t seconds]]
    set models [dict create move $model]
    set base [file join ${-baseline} ${ex}_rel_cnn.safetensors]
    if {[file exists $base]} {dict set models placement $base}
    set probes {}
    for {set s 1} {$s <= ${-probe}} {incr s} {
        set seed [expr {9000 + $s}]
        fresh_start $seed
        if {![dict get [::halo::flow::validate 1] ok]} continue
        set devices [::halo::flow::placed_devices]
        set rng [::halo::flow::derive_seed $seed probe]
        set cands {}
        for {set k 0} {$k < ${-candidates}} {incr k} {
            lappend cands [list [lindex $devices [::halo::flow::rng_below rng [llength $devices]]] \
                               [lindex $::halo::flow::moves [::halo::flow::rng_below rng 6]] 100]
        }
        set p [probe_one $models $cands]
        if {[dict size $p]} {lappend probes $p}
    }
    dict set r probes $probes
    save [file join $dir moves.tcl] $r
}

if {${-one} ne ""} {
    run_one ${-one}
    exit 0
}

# ------------------------------------------------------------------ the parent

set t0 [clock seconds]
run_children [file join $root flows predict_moves.tcl] $opts ${-examples}
puts [format "Move models (predictor_dataset -siblings %d, CNN on pscore_move, %d x %d move pictures, %d epochs, width %s);" \
          ${-siblings} ${-size} ${-size} ${-epochs} ${-width}]
puts [format "ranking %d candidate moves of %d fresh placements, every candidate simulated." ${-candidates} ${-probe}]
puts [format "%-11s %7s %7s %6s   %-8s %22s %26s" circuit samples "data s" "train s" model \
          {Spearman rho [95% CI]} {top-ranked vs mean [95% CI]}]
foreach ex ${-examples} {
    set f [file join $out $ex moves.tcl]
    if {![file exists $f]} {puts "$ex: no result"; continue}
    set ch [open $f]
    set r [read $ch]
    close $ch
    set samples [expr {[dict exists $r dataset] ? [dict get $r dataset samples] : "(reused)"}]
    set secs [expr {[dict exists $r dataset] ? [format %.0f [dict get $r dataset seconds]] : "-"}]
    set first 1
    foreach model {move placement} {
        set rows [lmap p [dict get $r probes] {expr {[dict exists $p $model] ? [dict get $p $model] : [continue]}}]
        if {![llength $rows]} continue
        lassign [t_interval [lmap x $rows {lindex $x 0}]] rho rh
        lassign [t_interval [lmap x $rows {lindex $x 1}]] g gh
        puts [format "%-11s %7s %7s %6s   %-8s %+5.2f \[%+5.2f, %+5.2f\]   %+6.1f %% \[%+6.1f, %+6.1f\] (n=%d)" \
                  [expr {$first ? $ex : ""}] [expr {$first ? $samples : ""}] [expr {$first ? $secs : ""}] \
                  [expr {$first ? [format %.0f [dict get $r train seconds]] : ""}] $model \
                  $rho [expr {$rho - $rh}] [expr {$rho + $rh}] \
                  [expr {100 * (exp($g) - 1)}] [expr {100 * (exp($g - $gh) - 1)}] [expr {100 * (exp($g + $gh) - 1)}] \
                  [llength $rows]]
        set first 0
    }
}
puts "[expr {[clock seconds] - $t0}] s in all"
