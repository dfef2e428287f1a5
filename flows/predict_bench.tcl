# predict_bench.tcl -- placement-quality prediction on every example, all
# measured in one run on this machine: the dataset (predictor_dataset),
# each label's spread, the fixed CNN baseline, the NAS search and its best
# architecture trained with the same protocol, and transfer (a model of
# -pretrain fine-tuned on each other circuit at alpha = 0.1, 0.01, 0 of
# its data, the seed's Table 3).
#
#   halo flows/predict_bench.tcl ?-out DIR? ?-examples LIST? ?-samples N? ?-size S?
#        ?-epochs E? ?-search_epochs SE? ?-minutes M? ?-candidates C? ?-width W?
#        ?-pretrain EX? ?-metric M? ?-jobs J? ?-seed S?
#
# The circuits run in -jobs child processes (default 2, one per core,
# each with a single-threaded OpenBLAS: small GEMMs gain nothing from a
# second thread).  Datasets already in DIR are reused.

set root [file dirname [file dirname [file normalize [info script]]]]
source [file join $root flows bench_common.tcl]
set opts [flow_options predict_bench [dict create -out /tmp/halo-predict-bench -examples {ota_5t miller_ota ahuja_ota ff_ota lpf} \
              -samples 5000 -size 32 -epochs 20 -search_epochs 4 -minutes 20 -candidates 1000 -width 0.5 \
              -pretrain miller_ota -metric pscore -jobs 2 -seed 1 -one {} -phase {}] $argv]
dict with opts {}
set out [file normalize ${-out}]
file mkdir $out

proc save {path value} {
    set f [open $path.part w]
    puts $f $value
    close $f
    file rename -force $path.part $path
}

proc slurp {path} {
    set f [open $path]
    set v [read $f]
    close $f
    return $v
}

proc common {} {
    upvar #0 opts o
    list -metric [dict get $o -metric] -width [dict get $o -width] -seed [dict get $o -seed] -quiet 1
}

# ------------------------------------------------------------------ one circuit (a child)

proc run_one {ex} {
    global root out opts
    dict with opts {}
    set dir [file join $out $ex]
    set data [file join $dir predictor.safetensors]
    set r [dict create circuit $ex]
    if {![file exists $data]} {
        set ::halo::output ""
        load_example $root $ex
        set d [predictor_dataset -out $dir -samples ${-samples} -size ${-size} -arrangements 8 -seed ${-seed}]
        dict set r dataset_seconds [dict get $d seconds]
    }
    dict set r labels [::halo::flow::json_decode [slurp [file join $dir labels.json]]]
    set cnn [train_predictor -data $data -arch cnn -epochs ${-epochs} -out [file join $dir cnn.safetensors] {*}[common]]
    dict set r cnn [dict remove $cnn architecture]
    set nas [nas_search -data $data -epochs ${-search_epochs} -minutes ${-minutes} -candidates ${-candidates} \
                 -out [file join $dir nas_search.safetensors] {*}[common]]
    dict set r search [dict create candidates [dict get $nas candidates] minutes [dict get $nas minutes] \
                           best_val [dict get $nas val_acc] mean_val [dict get $nas mean_val_acc] \
                           architecture [dict get $nas architecture]]
    set final [train_predictor -data $data -arch [dict get $nas architecture] -epochs ${-epochs} \
                   -out [file join $dir nas.safetensors] {*}[common]]
    dict set r nas [dict remove $final architecture]
    save [file join $dir result.tcl] $r
}

# Fine-tune the pretrained models of -pretrain on ex at each alpha.
proc run_transfer {ex} {
    global out opts
    dict with opts {}
    set data [file join $out $ex predictor.safetensors]
    set r [dict create]
    foreach kind {cnn nas} {
        set init [file join $out ${-pretrain} $kind.safetensors]
        foreach alpha {0.1 0.01 0} {
            set epochs [expr {$alpha == 0 ? 0 : ${-epochs}}]
            set t [train_predictor -data $data -init $init -alpha $alpha -epochs $epochs -batch 16 {*}[common]]
            dict set r $kind $alpha [dict get $t test_acc]
        }
    }
    save [file join $out $ex transfer.tcl] $r
}

if {${-one} ne ""} {
    if {${-phase} eq "transfer"} {run_transfer ${-one}} else {run_one ${-one}}
    exit 0
}

# ------------------------------------------------------------------ the parent

set t0 [clock seconds]
run_children [file join $root flows predict_bench.tcl] [dict remove $opts -phase] ${-examples} -phase train
set others [lsearch -all -inline -not -exact ${-examples} ${-pretrain}]
if {[file exists [file join $out ${-pretrain} nas.safetensors]]} {
    run_children [file join $root flows predict_bench.tcl] [dict remove $opts -phase] $others -phase transfer
}

# The pictures' channel count, from an architecture the search found (in=C).
set channels ?
foreach ex ${-examples} {
    set path [file join $out $ex result.tcl]
    if {[file exists $path] && [regexp {in=(\d+)} [dict get [slurp $path] search architecture] -> channels]} break
}
puts "Placement-quality prediction, label ${-metric} (good: the lowest 75 % of the train part), pictures\
      ${-size} x ${-size} x $channels, width ${-width}; CNN and the NAS architecture both trained ${-epochs} epochs\
      (Adam 5e-4, batch 48, L2 1e-3); NAS: ${-search_epochs} epochs per candidate, at most ${-minutes} min;\
      split test 20 % / val 16 % / train 64 %; all on [exec nproc] cores, [dict get $opts -jobs] circuits at a time.\n"
set cnn_sum 0; set nas_sum 0; set n 0; set wins 0
foreach ex ${-examples} {
    set path [file join $out $ex result.tcl]
    if {![file exists $path]} {puts "$ex: no result"; continue}
    set r [slurp $path]
    set lab [dict get $r labels ${-metric}]
    set made [expr {[dict exists $r dataset_seconds] ? [format " (made in %.0f s)" [dict get $r dataset_seconds]] : ""}]
    puts [format "%s: %d samples%s; %s median %.4g, rel. IQR %.2f, threshold %.4g" $ex \
              [expr {[dict get $r cnn train] + [dict get $r cnn val] + [dict get $r cnn test]}] $made ${-metric} \
              [dict get $lab median] [dict get $lab rel_iqr] [dict get $r cnn threshold]]
    puts [format "  %-6s %8s %8s %12s %9s %8s" model test_acc majority "metric MAE" params train_s]
    foreach kind {cnn nas} {
        set m [dict get $r $kind]
        puts [format "  %-6s %8.2f %8.2f %12.4g %9d %8.1f" [string toupper $kind] [expr {100 * [dict get $m test_acc]}] \
                  [expr {100 * [dict get $m test_majority]}] [dict get $m test_mae] [dict get $m parameters] \
                  [dict get $m seconds]]
    }
    set s [dict get $r search]
    puts [format "  NAS search: %d candidates in %.1f min, best val %.2f, mean val %.2f" [dict get $s candidates] \
              [dict get $s minutes] [expr {100 * [dict get $s best_val]}] [expr {100 * [dict get $s mean_val]}]]
    puts "  NAS architecture: [dict get $s architecture]"
    set tp [file join $out $ex transfer.tcl]
    if {[file exists $tp]} {
        set t [slurp $tp]
        foreach kind {cnn nas} {
            puts [format "  transfer from %s, %s: alpha 0.1 %.2f, 0.01 %.2f, 0 %.2f" ${-pretrain} [string toupper $kind] \
                      [expr {100 * [dict get $t $kind 0.1]}] [expr {100 * [dict get $t $kind 0.01]}] \
                      [expr {100 * [dict get $t $kind 0]}]]
        }
    }
    set c [dict get $r cnn test_acc]; set a [dict get $r nas test_acc]
    set cnn_sum [expr {$cnn_sum + $c}]; set nas_sum [expr {$nas_sum + $a}]; incr n
    if {$a > $c} {incr wins}
    puts ""
}
if {$n} {
    puts [format "Average test accuracy over %d circuits: CNN %.2f %%, NAS %.2f %%; NAS better on %d of %d.\
                  Total %.1f min." $n [expr {100 * $cnn_sum / $n}] [expr {100 * $nas_sum / $n}] $wins $n \
              [expr {([clock seconds] - $t0) / 60.0}]]
}
