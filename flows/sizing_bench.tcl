# sizing_bench.tcl -- inverse sizing of the Miller OTA and the folded-cascode
# OTA (seed: diffusion-inverse-sizing), all measured in one run here:
#
#   1. sizing_dataset: -samples seeded sizings per circuit, each characterised
#      (gain, UGF, phase margin, CMRR, PSRR, slew rate, ICMR, output swing,
#      power) in the simulation workers;
#   2. train_sizer: one diffusion model per structural block plus the
#      whole-netlist MLP baseline, a seeded 10 % of the usable rows held out;
#   3. for every held-out specification (the metrics of a held-out sizing):
#      diffusion_1: one diffusion sample (the seed's protocol);
#      diffusion_k: best of -k samples, ranked by simulation;
#      dscreen_1: -screen diffusion samples, the one the sizer's forward
#        model predicts closest simulated (one simulation, as the MLP);
#      dscreen_k: the -k of -screen samples predicted closest, best by
#        simulation;
#      mlp: the MLP regressor's one sizing;
#      random_k: best of -k draws from the sizing space (the same
#        simulations as diffusion's best-of-k);
#      rscreen_k: the -k of -screen random draws predicted closest (what
#        the forward model does without the diffusion models);
#      drefine_k, rrefine_k: dscreen_k and rscreen_k with the kept
#        sizings first moved toward the specification on the forward
#        model (size -refine, -refine Adam steps);
#      bo_k: simple Bayesian optimisation, -k sequential rounds of a GP on
#        the training rows and expected improvement (the same simulations).
#      Each simulated; the relative difference of each metric to the
#      specification, in %;
#   4. tables per circuit: per metric and method the median of the
#      absolute relative difference; then the median and the interquartile
#      range of the signed one;
#   5. the seed's pictures: box plots of the relative differences, and
#      histograms of 100 diffusion samples for one specification with the
#      truth marked (PNG), and the same for the 100 of 20 x -screen
#      samples the forward model predicts closest;
#   6. sampling time of 100 sizings for one specification (no simulation).
#
#   halo flows/sizing_bench.tcl ?-out DIR? ?-circuits LIST? ?-samples N?
#        ?-steps N? ?-k K? ?-screen M? ?-refine R? ?-methods LIST? ?-tests T?
#        ?-guidance W? ?-seed S? ?-saturated 0|1?
#
# Datasets and sizers already in DIR are reused (delete them to redo).

set root [file dirname [file dirname [file normalize [info script]]]]
set opts [dict create -out /tmp/halo-sizing-bench -circuits {miller_ota fcoa} -samples 1000 -steps 8000 \
              -k 8 -screen 256 -refine 100 -methods {} -tests 0 -guidance 0 -seed 1 -saturated 0]
foreach {k v} $argv {
    if {![dict exists $opts $k]} {puts stderr "sizing_bench: unknown option $k"; exit 2}
    dict set opts $k $v
}
dict with opts {}
set out [file normalize ${-out}]
file mkdir $out
set methods {diffusion_1 diffusion_k dscreen_1 dscreen_k drefine_k mlp random_k rscreen_k rrefine_k bo_k}
if {${-methods} ne ""} {
    foreach m ${-methods} {
        if {$m ni $methods} {puts stderr "sizing_bench: unknown method $m (one of: $methods)"; exit 2}
    }
    set methods ${-methods}
}

proc circuit_files {root c} {
    if {$c eq "fcoa"} {
        return [list [file join $root examples sizing fcoa.spice] [file join $root examples sizing fcoa_pairs.json]]
    }
    return [list [file join $root examples $c $c.spice] [file join $root examples $c pairs.json]]
}

# The sizing ranges of a circuit (sizing_dataset -w_range -l_range): the
# defaults (W x0.5..2, L x0.67..2), except the FCOA, whose self-biased
# cascode generator (weak diodes for vbpc and vbnc) leaves saturation in
# 90 % of the samples at those ranges: +-25 % there.
proc circuit_ranges {c} {
    if {$c eq "fcoa"} {return {-w_range {0.8 1.25} -l_range {0.8 1.25}}}
    return {}
}

proc load_circuit {root c} {
    pdk load sky130
    lassign [circuit_files $root $c] spice pairs
    read_spice $spice
    read_constraints $pairs
}

proc slurp {path} {
    set f [open $path]
    set v [read $f]
    close $f
    return $v
}

# The held-out rows: circuit_id -> metrics dict.
proc test_specs {data split metrics} {
    set ids [dict get [::halo::flow::json_decode [slurp $split]] test]
    set want [dict create]
    foreach id $ids {dict set want $id 1}
    set specs [dict create]
    foreach line [split [slurp $data] \n] {
        if {$line eq ""} continue
        set row [::halo::flow::json_decode $line]
        set id [dict get $row circuit_id]
        if {![dict exists $want $id]} continue
        set m [::halo::flow::json_decode [dict get $row metrics]]
        set spec [dict create]
        foreach k $metrics {dict set spec $k [dict get $m $k]}
        dict set specs $id $spec
    }
    return $specs
}

proc rel_diff {value target} {
    expr {100.0 * ($value - $target) / max(abs($target), 1e-30)}
}

proc quantile {sorted q} {
    set n [llength $sorted]
    if {$n == 0} {return nan}
    set pos [expr {$q * ($n - 1)}]
    set i [expr {int(floor($pos))}]
    set j [expr {min($i + 1, $n - 1)}]
    set f [expr {$pos - $i}]
    expr {(1 - $f) * [lindex $sorted $i] + $f * [lindex $sorted $j]}
}

# Size one specification with one method; the chosen candidate's metrics
# (or {} when it failed).
proc size_one {model data spec method k screen refine seed guidance} {
    switch $method {
        diffusion_1 {set r [size -model $model -spec $spec -method diffusion -samples 1 -seed $seed -guidance $guidance]}
        diffusion_k {set r [size -model $model -spec $spec -method diffusion -samples $k -seed $seed -guidance $guidance]}
        dscreen_1   {set r [size -model $model -spec $spec -method diffusion -samples 1 -screen $screen -seed $seed -guidance $guidance]}
        dscreen_k   {set r [size -model $model -spec $spec -method diffusion -samples $k -screen $screen -seed $seed -guidance $guidance]}
        rscreen_k   {set r [size -model $model -spec $spec -method random -samples $k -screen $screen -seed $seed]}
        drefine_k   {set r [size -model $model -spec $spec -method diffusion -samples $k -screen $screen -refine $refine -seed $seed -guidance $guidance]}
        rrefine_k   {set r [size -model $model -spec $spec -method random -samples $k -screen $screen -refine $refine -seed $seed]}
        mlp         {set r [size -model $model -spec $spec -method mlp]}
        random_k    {set r [size -model $model -spec $spec -method random -samples $k -seed $seed]}
        bo_k        {set r [size -model $model -spec $spec -method bo -data $data -samples $k -seed $seed]}
    }
    set best [lindex [dict get $r candidates] 0]
    if {[dict get $best status] ne "ok"} {return {}}
    return [dict get $best metrics]
}

# The seed's Fig. 7: one histogram per metric of the simulated candidates
# of a `size` result, the specification marked.
proc sample_histogram {result metrics spec path title} {
    set panels {}
    foreach k $metrics {
        set values {}
        foreach cand [dict get $result candidates] {
            if {[dict get $cand status] eq "ok" && [dict exists $cand metrics $k]} {lappend values [dict get $cand metrics $k]}
        }
        # a metric no sample has (a broken amplifier has no UGF) gets no panel
        if {[llength $values] == 0} {
            puts "   [file tail $path]: none of the samples has $k"
            continue
        }
        lappend panels [dict create title $k values $values truth [dict get $spec $k]]
    }
    write_chart $path -kind hist -cols 4 -panels $panels -width 1400 -height 900 -title $title
}

proc run_circuit {c} {
    global root out opts methods
    dict with opts {}
    set dir [file join $out $c]
    file mkdir $dir
    load_circuit $root $c
    set data [file join $dir data.jsonl]
    set t0 [clock milliseconds]
    if {![file exists $data]} {
        sizing_dataset -out $data -samples ${-samples} -seed ${-seed} -batch 50 {*}[circuit_ranges $c]
    }
    set t_data [expr {([clock milliseconds] - $t0) / 1000.0}]
    set model [file join $dir sizer]
    set t0 [clock milliseconds]
    if {![file exists [file join $model sizer.json]]} {
        set info [train_sizer -data $data -out $model -seed ${-seed} -steps ${-steps} -saturated ${-saturated}]
    } else {
        set info [sizer_info $model]
    }
    set t_train [expr {([clock milliseconds] - $t0) / 1000.0}]
    set metrics [dict get $info metrics]
    set specs [test_specs $data [file join $model split.json] $metrics]
    if {${-tests} > 0} {set specs [dict create {*}[lrange $specs 0 [expr {2 * ${-tests} - 1}]]]}

    # relative differences: diffs(method,metric) = list
    set fails [dict create]
    foreach m $methods {dict set fails $m 0}
    set i 0
    set t0 [clock milliseconds]
    dict for {id spec} $specs {
        incr i
        foreach m $methods {
            set got [size_one $model $data $spec $m ${-k} ${-screen} ${-refine} [expr {${-seed} + $i}] ${-guidance}]
            if {$got eq ""} {dict incr fails $m; continue}
            foreach k $metrics {
                if {[dict exists $got $k]} {lappend diffs($m,$k) [rel_diff [dict get $got $k] [dict get $spec $k]]}
            }
        }
        if {$i % 10 == 0} {puts stderr "sizing_bench: $c $i/[dict size $specs] specifications"}
    }
    set t_eval [expr {([clock milliseconds] - $t0) / 1000.0}]

    # sampling speed: 100 sizings for one specification, no simulation
    set spec0 [lindex [dict values $specs] 0]
    set t0 [clock microseconds]
    size -model $model -spec $spec0 -samples 100 -simulate 0 -seed 99
    set t_sample [expr {([clock microseconds] - $t0) / 1e6}]

    puts ""
    puts "== $c: [dict get $info train_rows] training rows, [dict size $specs] held-out specifications, [dict size [dict get $info blocks]] blocks"
    puts [format "   dataset %.0f s (-samples ${-samples}), training %.0f s, evaluation %.0f s, 100 samples for one specification %.3f s" \
              $t_data $t_train $t_eval $t_sample]
    set med_abs [dict create]
    foreach m $methods {
        foreach k $metrics {
            if {![info exists diffs($m,$k)]} continue
            dict set med_abs $m $k [quantile [lsort -real [lmap v $diffs($m,$k) {expr {abs($v)}}]] 0.5]
        }
    }
    puts "   median |relative difference| to the specification, %"
    puts [format "   %-20s%s" metric [join [lmap m $methods {format %12s $m}] ""]]
    foreach k $metrics {
        set line [format "   %-20s" $k]
        foreach m $methods {
            if {[dict exists $med_abs $m $k]} {
                append line [format %12.2f [dict get $med_abs $m $k]]
            } else {
                append line [format %12s -]
            }
        }
        puts $line
    }
    puts "   relative difference, %: median \[interquartile range\]"
    puts [format "   %-20s%s" metric [join [lmap m $methods {format %24s $m}] ""]]
    foreach k $metrics {
        set line [format "   %-20s" $k]
        foreach m $methods {
            if {![info exists diffs($m,$k)]} {append line [format %24s -]; continue}
            set s [lsort -real $diffs($m,$k)]
            append line [format %24s [format "%+.2f \[%+.1f,%+.1f\]" [quantile $s 0.5] [quantile $s 0.25] [quantile $s 0.75]]]
        }
        puts $line
    }
    puts "   failed sizings: [join [lmap m $methods {format %s=%d $m [dict get $fails $m]}] {, }]"
    foreach {m sims} [list diffusion_k ${-k} dscreen_k ${-k} dscreen_1 1 drefine_k ${-k}] {
        if {$m ni $methods} continue
        set within [llength [lsearch -all -inline -not [lmap k $metrics {
            expr {[dict exists $med_abs $m $k] && [dict get $med_abs $m $k] <= 5.0}}] 0]]
        set beats {}
        foreach other {mlp random_k rscreen_k rrefine_k bo_k} {
            if {$other ni $methods} continue
            set w 0
            foreach k $metrics {
                if {[dict exists $med_abs $m $k] && [dict exists $med_abs $other $k] &&
                    [dict get $med_abs $m $k] < [dict get $med_abs $other $k]} {incr w}
            }
            lappend beats "$other $w"
        }
        puts "   $m ($sims simulation[expr {$sims > 1 ? "s" : ""}]): median |diff| <= 5 % on $within of [llength $metrics] metrics; better on N of [llength $metrics] than: [join $beats {, }]"
    }

    # the seed's pictures
    set series {}
    foreach m $methods {
        set groups {}
        foreach k $metrics {lappend groups [expr {[info exists diffs($m,$k)] ? $diffs($m,$k) : {}}]}
        lappend series $m $groups
    }
    write_chart [file join $out ${c}_box.png] -kind box -title "$c: relative difference to the specification" \
        -ylabel "%" -groups $metrics -series $series -width 1400 -height 600 -outliers 0 -ref 0
    set plain [size -model $model -spec $spec0 -samples 100 -seed 7 -guidance ${-guidance}]
    sample_histogram $plain $metrics $spec0 [file join $out ${c}_hist.png] \
        "$c: 100 diffusion samples for one specification (truth marked)"
    set screened [size -model $model -spec $spec0 -samples 100 -screen [expr {20 * ${-screen}}] -seed 7 \
                      -guidance ${-guidance}]
    sample_histogram $screened $metrics $spec0 [file join $out ${c}_hist_screened.png] \
        "$c: the 100 of [expr {20 * ${-screen}}] diffusion samples the forward model predicts closest (truth marked)"
    puts "   pictures: [join [lmap p {box hist hist_screened} {file join $out ${c}_$p.png}] {, }]"
}

foreach c ${-circuits} {run_circuit $c}
