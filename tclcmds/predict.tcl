# predict.tcl -- predictor_dataset: the placement-quality dataset of the
# predictors (core/predict), made by halo's own pipeline.
#
# Each sample is a placement of the current design, made diverse on
# purpose: finger arrangements (-arrangements drawn by enumerate_fingers),
# the annealer at several efforts and seeds, best-of-one random sequence
# pairs (deliberately poor placements), then 0 .. -moves random legal
# perturb moves.  Each is routed, verified (DRC 0, LVS match), extracted
# and simulated before and after layout (validate, as explore does); its
# picture (placement_features) is taken from the placement alone.  A
# sample that fails any stage is counted under that stage and left out.
#
# Written into -out DIR:
#   samples.jsonl          one line per sample: how it was made and its
#                          labels
#   predictor.safetensors  features [N, 17, S, S] and metric.<name> [N]
#   labels.json            each label's spread (min, quartiles, max)
# Labels: pscore and pscore_osiris (OSIRIS's), area, hpwl, wirelength,
# and for every post-layout metric of the testbench both its value and
# shift_<metric>: |post - pre| / |pre|; once every sample is in,
# pscore_rel (pscore over its arrangement's median) and arrangement (its
# index), in predictor.safetensors and labels.json.
#
# With -siblings K the samples are moves instead (the data of a move
# model, which explore -guide needs to rank candidate moves): each
# placement made as above is verified as the parent, then K single random
# moves of -step nm (explore's moves, flips included) are each applied to
# it, rerouted incrementally and verified as explore does.  A sample is
# one such child: its picture is a move picture (placement_features
# -before: the child, then child minus parent; 34 channels) and it gains
# the label pscore_move, its pscore over its parent's.

proc ::halo::flow::predictor_dataset_defaults {} {
    dict create -out {} -samples 200 -size 64 -seed 1 -arrangements 4 -moves 6 -efforts {0.2 1 3} \
        -poor 0.2 -step 200 -siblings 0
}

proc ::halo::flow::predictor_dataset {args} {
    set o [parse_options predictor_dataset [predictor_dataset_defaults] $args]
    if {[dict get $o -out] eq ""} {raise XPL 2 predictor_dataset -out {} "a directory"}
    foreach k {-samples -size -arrangements -step} {need_int predictor_dataset $k [dict get $o $k] 1}
    need_int predictor_dataset -moves [dict get $o -moves] 0
    need_int predictor_dataset -siblings [dict get $o -siblings] 0
    need_int predictor_dataset -seed [dict get $o -seed] 0
    need_number predictor_dataset -poor [dict get $o -poor]
    foreach e [dict get $o -efforts] {need_number predictor_dataset -efforts $e}
    set dir [file normalize [dict get $o -out]]
    file mkdir $dir
    set saved $::halo::output
    set report $::halo::output
    set ::halo::output ""
    try {
        set r [predictor_samples $o $dir $report]
    } finally {
        set ::halo::output $saved
    }
    return $r
}

# The arrangements: drawn by enumerate_fingers (the template's finger
# counts are placeholders).
proc ::halo::flow::predictor_arrangements {o} {
    enumerate_fingers -sample [dict get $o -arrangements] -seed [dict get $o -seed]
}

# Place the current arrangement one of the ways a sample is made; returns
# how, as a dict.
proc ::halo::flow::predictor_place {o rngVar} {
    upvar 1 $rngVar rng
    set seed [expr {[rng_next rng] & 0x7FFFFFFF}]
    set efforts [dict get $o -efforts]
    if {[rng_below rng 1000] < 1000 * [dict get $o -poor]} {
        place -seed $seed -random 1
        set how [dict create placer random seed $seed]
    } else {
        set effort [lindex $efforts [rng_below rng [llength $efforts]]]
        place -seed $seed -effort $effort
        set how [dict create placer anneal effort $effort seed $seed]
    }
    set devices [placed_devices]
    set kinds [lrange $::halo::flow::moves 0 5]
    set want [rng_below rng [expr {[dict get $o -moves] + 1}]]
    set done 0
    for {set t 0} {$t < 4 * $want && $done < $want} {incr t} {
        set device [lindex $devices [rng_below rng [llength $devices]]]
        set move [lindex $kinds [rng_below rng [llength $kinds]]]
        if {[apply_move $device $move [dict get $o -step]]} {incr done}
    }
    dict set how moves $done
    return $how
}

# A sample's labels from validate's result.
proc ::halo::flow::predictor_labels {v} {
    set q [dict get $v qos]
    set l [dict create]
    foreach k {pscore pscore_osiris area hpwl} {dict set l $k [dict get $q $k]}
    dict set l wirelength [dict get $v route wirelength]
    set pre [dict get $q pre metrics]
    dict for {k post} [dict get $q post metrics] {
        dict set l $k $post
        if {[dict exists $pre $k] && [dict get $pre $k] != 0} {
            dict set l shift_$k [expr {abs($post - [dict get $pre $k]) / abs([dict get $pre $k])}]
        }
    }
    return $l
}

proc ::halo::flow::predictor_samples {o dir report} {
    set n [dict get $o -samples]
    set size [dict get $o -size]
    set arrangements [predictor_arrangements $o]
    set raw [file join $dir features.f32.part]
    set rawch [open $raw wb]
    set jsonl [open [file join $dir samples.jsonl.part] w]
    set rng [derive_seed [dict get $o -seed] predictor_dataset]
    set rows {}
    set failures [dict create]
    set t0 [clock milliseconds]
    progress_start $report $n "predictor_dataset [dict get [report_design] name]"
    try {
        set per [expr {max(1, ($n + [llength $arrangements] - 1) / [llength $arrangements])}]
        set siblings [dict get $o -siblings]
        set ai 0
        foreach fingers $arrangements {
            # each arrangement's share of the -samples attempts
            set quota [expr {min($n, [incr ai] * $per)}]
            set_fingers $fingers
            clear_layout
            generate_devices
            while {[set used [expr {[llength $rows] + [failure_total $failures]}]] < $quota} {
                if {[catch {predictor_place $o rng} how]} {
                    dict incr failures place
                } elseif {![dict get [set v [validate 1]] ok]} {
                    dict incr failures [dict get $v cause]
                } elseif {$siblings == 0} {
                    predictor_keep $rawch $jsonl rows $fingers $how [placement_features -size $size] \
                        [predictor_labels $v]
                } else {
                    predictor_children $o $rawch $jsonl rows failures rng $fingers $how $v [expr {$quota - $used}]
                }
                progress_set [llength $rows] [failure_total $failures]
            }
        }
    } finally {
        close $rawch
        close $jsonl
        progress_end
    }
    if {![llength $rows]} {raise XPL 4 all "no sample could be routed and verified"}
    set rows [predictor_relative $rows]
    # metrics every sample has
    set names [dict keys [dict get [lindex $rows 0] labels]]
    foreach r $rows {
        set names [lmap m $names {expr {[dict exists $r labels $m] ? $m : [continue]}}]
    }
    set metrics [dict create]
    foreach m $names {dict set metrics $m [lmap r $rows {dict get $r labels $m}]}
    set file [file join $dir predictor.safetensors]
    # the channels placement_features draws (twice that for move pictures)
    set channels [llength [dict get [placement_features -size 4] channels]]
    if {[dict get $o -siblings]} {set channels [expr {2 * $channels}]}
    predictor_data $file -features $raw -size $size -metrics $metrics -channels $channels \
        -meta [list circuit [dict get [report_design] name] samples [llength $rows] \
                   input [expr {[dict get $o -siblings] ? "move" : "placement"}]]
    file delete $raw
    file rename -force [file join $dir samples.jsonl.part] [file join $dir samples.jsonl]
    set spread [predictor_spread $metrics]
    set pairs {}
    dict for {m s} $spread {lappend pairs $m [jnumdict $s]}
    write_atomic [file join $dir labels.json] [jobj $pairs]\n
    dict create dir $dir file $file samples [llength $rows] failures $failures \
        seconds [expr {([clock milliseconds] - $t0) / 1000.0}] labels $spread
}

# Keep one sample: its picture (placement_features' dict) into the raw
# file, its row into rows and samples.jsonl.
proc ::halo::flow::predictor_keep {rawch jsonl rowsVar fingers how f labels} {
    upvar 1 $rowsVar rows
    puts -nonewline $rawch [dict get $f data]
    lappend rows [dict create sample [llength $rows] fingers $fingers {*}$how labels $labels]
    set hj {}
    dict for {a b} $how {lappend hj $a [expr {[string is double -strict $b] ? [jnum $b] : [jstr $b]}]}
    puts $jsonl [jobj [list sample [llength $rows] fingers [jnumdict $fingers] how [jobj $hj] \
                           labels [jnumdict $labels]]]
}

# The move samples of one verified parent placement (v its validation):
# up to -siblings single random moves, each from the parent, rerouted
# incrementally and verified as explore's variants are, at most budget
# attempts.  The design is left at the parent placement.
proc ::halo::flow::predictor_children {o rawch jsonl rowsVar failuresVar rngVar fingers how v budget} {
    upvar 1 $rowsVar rows $failuresVar failures $rngVar rng
    set size [dict get $o -size]
    set before [dict get [placement_features -size $size] data]
    set parent [dict get $v qos pscore]
    set devices [placed_devices]
    set kinds $::halo::flow::moves
    snapshot save predictor_parent
    try {
        for {set c 0} {$c < [dict get $o -siblings] && $c < $budget} {incr c} {
            snapshot restore predictor_parent
            set device [lindex $devices [rng_below rng [llength $devices]]]
            set move [lindex $kinds [rng_below rng [llength $kinds]]]
            if {![apply_move $device $move [dict get $o -step]]} {
                dict incr failures halo
                continue
            }
            set cv [validate 0]
            if {![dict get $cv ok]} {
                dict incr failures [dict get $cv cause]
                continue
            }
            set labels [predictor_labels $cv]
            dict set labels pscore_move [expr {[dict get $labels pscore] / max($parent, 1e-300)}]
            predictor_keep $rawch $jsonl rows $fingers \
                [dict merge $how [dict create parent_pscore $parent device $device move $move]] \
                [placement_features -size $size -before $before] $labels
        }
    } finally {
        snapshot restore predictor_parent
        snapshot delete predictor_parent
    }
}

# Two labels about the placement rather than the arrangement: the index
# of the sample's finger arrangement (arrangement), and pscore_rel, its
# pscore over the median pscore of the samples of the same arrangement
# (halo's pscore varies more between arrangements than within one).
proc ::halo::flow::predictor_relative {rows} {
    set by [dict create]
    foreach r $rows {dict lappend by [dict get $r fingers] [dict get $r labels pscore]}
    set median [dict create]
    set index [dict create]
    dict for {f v} $by {
        set v [lsort -real $v]
        dict set median $f [lindex $v [expr {[llength $v] / 2}]]
        dict set index $f [dict size $index]
    }
    lmap r $rows {
        set f [dict get $r fingers]
        dict set r labels arrangement [dict get $index $f]
        dict set r labels pscore_rel [expr {[dict get $r labels pscore] / max([dict get $median $f], 1e-300)}]
        set r
    }
}

# Per metric: min, q25, median, q75, max and the relative spread
# (q75 - q25) / |median|.
proc ::halo::flow::predictor_spread {metrics} {
    set out [dict create]
    dict for {m vals} $metrics {
        set s [lsort -real $vals]
        set n [llength $s]
        set q [lmap f {0 0.25 0.5 0.75 1} {lindex $s [expr {int(round($f * ($n - 1)))}]}]
        lassign $q lo q1 med q3 hi
        dict set out $m [dict create min $lo q25 $q1 median $med q75 $q3 max $hi \
                             rel_iqr [expr {$med != 0 ? ($q3 - $q1) / abs($med) : 0}]]
    }
    return $out
}
