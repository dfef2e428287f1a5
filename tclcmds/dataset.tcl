# dataset.tcl -- generate_dataset and merge_dataset: OSIRIS's two stages
# (finger arrangements x explored variants) written as a dataset that is
# resumable, parallel (-jobs) and shardable (-shard I/N).
#
# Compiled into halo (tclcmds/dataset_tcl.c) after explore.tcl.
#
# A dataset directory:
#   manifest.json              the parameters; a rerun must match them
#   arrangements/aNNNN.json    an arrangement's summary, written when it is
#                              complete (fingers, failures by cause, best)
#   arrangements/aNNNN.netlist.json   its netlist in the netlist_json schema
#   variants/aNNNN/vNNNN.gds   the routed layout of one verified variant
#   variants/aNNNN/vNNNN.traj.json    pre/post output trajectories (mag_V,
#                              phase_deg, re_V, im_V)
#   variants/aNNNN/vNNNN.row.json     the variant as a row of the
#                              analog-circuits-sky130 schema (one line)
#   variants/aNNNN/vNNNN.json  its QoS record (one line); written last, so
#                              it is the variant's commit
#   index.jsonl, rows.jsonl    every record / row, in order (rebuilt at the
#                              end of every run and by merge_dataset)
#   summary.json               counts, failures by cause, gaps, sign-off
#   rejected/aNNNN/vNNNN.tK.gds, .json   a variant halo verified that the
#                              external sign-off (-signoff) rejected: its
#                              layout and the engines' verdicts (K counts
#                              the rejections of that variant slot)
#   logs/                      worker logs of -jobs runs
#
# Variant 0 of an arrangement is its baseline (place + route); variants
# 1..N-1 come from explore.  Arrangement i of the sample goes to shard
# (i mod N) + 1 and, inside a shard, to worker (position mod J).

namespace eval ::halo::flow {}

proc ::halo::flow::dataset_defaults {} {
    dict create -out {} -arrangements 10 -variants 10 -mode random -jobs 1 -shard 1/1 -seed 1 -step 100 \
        -flips 1 -retries 20 -pool 0 -episode 8 -alpha auto -beta auto -lr 1e-2 -outer_lr 1e-2 -quiet 0 \
        -values {} -place_tries 3 -signoff none -signoff_fraction 0.1 -agent {} -learn 1 -batch 16 -outer_batch 4
}

proc ::halo::flow::check_dataset_options {o} {
    if {[dict get $o -out] eq ""} {raise DST 1 -out "a directory"}
    if {[dict get $o -arrangements] ne "all"} {need_int generate_dataset -arrangements [dict get $o -arrangements] 1}
    need_int generate_dataset -variants [dict get $o -variants] 1
    need_int generate_dataset -jobs [dict get $o -jobs] 1
    need_int generate_dataset -seed [dict get $o -seed] 0
    need_int generate_dataset -pool [dict get $o -pool] 0
    if {[dict get $o -mode] ni {random rl}} {raise XPL 2 generate_dataset -mode [dict get $o -mode] "random or rl"}
    if {![regexp {^([0-9]+)/([0-9]+)$} [dict get $o -shard] -> i n] || $n < 1 || $i < 1 || $i > $n} {
        raise XPL 2 generate_dataset -shard [dict get $o -shard] "I/N with 1 <= I <= N"
    }
    if {[dict get $o -mode] eq "rl" && ([dict get $o -jobs] > 1 || $n > 1)} {raise DST 3}
    if {[dict get $o -mode] eq "rl" && [dict get $o -arrangements] eq "all"} {
        raise XPL 2 generate_dataset -arrangements all "a number with -mode rl (the agent picks them from a pool)"
    }
    foreach k {-lr -outer_lr} {need_number generate_dataset $k [dict get $o $k]}
    need_int generate_dataset -place_tries [dict get $o -place_tries] 1
    need_int generate_dataset -batch [dict get $o -batch] 1
    need_int generate_dataset -outer_batch [dict get $o -outer_batch] 1
    if {[dict get $o -learn] ni {0 1}} {raise XPL 2 generate_dataset -learn [dict get $o -learn] "0 or 1"}
    if {[dict get $o -agent] ne "" && [dict get $o -mode] ne "rl"} {
        raise XPL 2 generate_dataset -agent [dict get $o -agent] "no agent with -mode random"
    }
    foreach v [dict get $o -values] {need_int generate_dataset -values $v 1}
    check_signoff_options $o
}

# ------------------------------------------------------------------ sign-off

# The external engines of -signoff: none, magic (Magic's DRC on the
# hierarchical GDS), netgen (Magic's extraction + Netgen's LVS), klayout
# (the open_pdks deck), both (magic and netgen) or a list of them.
proc ::halo::flow::signoff_engines {o} {
    set s [dict get $o -signoff]
    if {$s eq "none"} {return {}}
    if {$s eq "both"} {return {magic netgen}}
    foreach e $s {
        if {$e ni {magic netgen klayout}} {
            raise XPL 2 generate_dataset -signoff $s "none, magic, netgen, klayout, both or a list of them"
        }
    }
    return [lsort -unique $s]
}

# -signoff needs the foundry's files (pdk load -root) and the engines'
# programs; say which is missing before any work.
proc ::halo::flow::check_signoff_options {o} {
    set engines [signoff_engines $o]
    if {![llength $engines]} return
    set f [dict get $o -signoff_fraction]
    if {![string is double -strict $f] || $f <= 0 || $f > 1} {
        raise XPL 2 generate_dataset -signoff_fraction $f "a fraction in (0, 1]"
    }
    if {[dict get [pdk info] root] eq ""} {
        raise DST 12 [dict get $o -signoff] "the foundry's rule decks are needed: load the PDK with pdk load sky130 -root PDK_ROOT first"
    }
    set programs [dict create magic magic netgen {magic netgen-lvs} klayout klayout]
    foreach e $engines {
        foreach p [dict get $programs $e] {
            if {[auto_execok $p] eq ""} {raise DST 12 [dict get $o -signoff] "$p is not installed (Debian package [expr {$p eq "netgen-lvs" ? "netgen-lvs" : $p}])"}
        }
    }
}

# Whether variant j of arrangement i is in the sign-off sample: a draw
# from the dataset's seed, so every rerun, worker and shard agrees.
proc ::halo::flow::signoff_sampled {ctx i j} {
    set o [dict get $ctx opts]
    set draw [expr {[derive_seed [dict get $o -seed] signoff [dict get $ctx template] $i $j] % 1000000}]
    expr {$draw < round([dict get $o -signoff_fraction] * 1000000)}
}

# explore's -judge in a dataset run: a sampled variant is judged by each
# engine on the layout as written; one that any engine rejects (or that an
# engine cannot judge) is kept under rejected/ and refused.
proc ::halo::flow::signoff_judge {j rec} {
    variable current
    set ctx [dict get $current ctx]
    set i [dict get $current arrangement]
    if {![signoff_sampled $ctx $i $j]} {return {ok 1 signoff {}}}
    set verdict [dict create]
    set failed {}
    foreach e [signoff_engines [dict get $ctx opts]] {
        if {[catch {signoff_run $e} result]} {
            dict set verdict $e error
            if {![llength $failed]} {set failed [list signoff_error "$e: $result"]}
            continue
        }
        lassign $result key value bad
        dict set verdict $key $value
        if {$bad && ![llength $failed]} {set failed [list signoff_$e "$key $value"]}
    }
    if {[llength $failed]} {
        keep_rejected $ctx $i $j $verdict [lindex $failed 1]
        return [list ok 0 cause [lindex $failed 0] detail [lindex $failed 1] signoff $verdict]
    }
    return [list ok 1 signoff $verdict]
}

# One engine on the current layout: {key value failed}.
proc ::halo::flow::signoff_run {engine} {
    switch -- $engine {
        magic {
            set n [check_drc -engine magic]
            return [list magic_drc $n [expr {$n > 0}]]
        }
        klayout {
            set n [check_drc -engine klayout]
            return [list klayout_drc $n [expr {$n > 0}]]
        }
        netgen {
            set m [check_lvs -engine netgen]
            return [list netgen_lvs [expr {$m ? "match" : "mismatch"}] [expr {!$m}]]
        }
    }
}

# A rejected variant's layout and verdicts, under rejected/aNNNN/.
proc ::halo::flow::keep_rejected {ctx i j verdict detail} {
    set dir [file join [dict get $ctx dir] rejected [format a%04d $i]]
    file mkdir $dir
    set k 1
    while {[file exists [file join $dir [format v%04d.t%d.json $j $k]]]} {incr k}
    set base [file join $dir [format v%04d.t%d $j $k]]
    set tmpdir $dir/tmp.[pid]
    file mkdir $tmpdir
    write_gds $tmpdir/[file tail $base].gds
    file rename -force $tmpdir/[file tail $base].gds $base.gds
    file delete $tmpdir
    write_atomic $base.json [jobj [list id [jstr [variant_id $ctx $i $j]] detail [jstr $detail] \
                                       signoff [signoff_json $verdict] gds [jstr [file tail $base].gds]]]\n
}

# A record's sign-off verdicts as JSON: null when it was not sampled.
proc ::halo::flow::signoff_json {verdict} {
    if {![dict size $verdict]} {return null}
    set pairs {}
    dict for {k v} $verdict {lappend pairs $k [expr {[string is integer -strict $v] ? $v : [jstr $v]}]}
    jobj $pairs
}

# The run's context: options, template, arrangements, paths.
proc ::halo::flow::dataset_context {o} {
    set ::halo::output ""
    set design [report_design]
    set template [dict get $design name]
    set m [dict get $o -arrangements]
    set values [expr {[llength [dict get $o -values]] ? [list -values [dict get $o -values]] : {}}]
    if {[dict get $o -mode] eq "rl"} {
        set pool [dict get $o -pool]
        if {$pool == 0} {set pool [expr {4 * $m}]}
        set list [enumerate_fingers {*}$values -sample $pool -seed [dict get $o -seed]]
    } elseif {$m eq "all"} {
        set count [enumerate_fingers {*}$values -count]
        if {$count > 100000} {raise DST 4 $count}
        set list [enumerate_fingers {*}$values]
        set m [llength $list]
    } elseif {[dict get $o -pool] > 0} {
        # the pool -mode rl chooses from (same -pool, same -seed), and m of
        # it drawn uniformly: random and RL explore the same candidates
        set pool [enumerate_fingers {*}$values -sample [dict get $o -pool] -seed [dict get $o -seed]]
        set rng [derive_seed [dict get $o -seed] pool_draw]
        set left $pool
        set list {}
        while {[llength $list] < $m && [llength $left]} {
            set k [rng_below rng [llength $left]]
            lappend list [lindex $left $k]
            set left [lreplace $left $k $k]
        }
        set m [llength $list]
    } else {
        set list [enumerate_fingers {*}$values -sample $m -seed [dict get $o -seed]]
        set m [llength $list]
    }
    regexp {^([0-9]+)/([0-9]+)$} [dict get $o -shard] -> shard nshards
    dict create opts $o dir [file normalize [dict get $o -out]] template $template \
        devices [dict keys [dict get $design devices]] candidates $list m [expr {min($m, [llength $list])}] \
        n [dict get $o -variants] shard $shard nshards $nshards
}

# The manifest: everything a rerun or another shard must agree on.
proc ::halo::flow::manifest_json {ctx} {
    set o [dict get $ctx opts]
    set arr {}
    foreach a [dict get $ctx candidates] {lappend arr [jnumdict $a]}
    set pdk [pdk info]
    jobj [list format [jstr "halo-dataset 1"] template [jstr [dict get $ctx template]] \
              pdk [jstr [dict get $pdk name]] pdk_root [jstr [dict get $pdk root]] \
              corner [jstr [dict get $pdk corner]] mode [jstr [dict get $o -mode]] \
              arrangements [dict get $ctx m] variants [dict get $ctx n] seed [dict get $o -seed] \
              step_nm [dict get $o -step] flips [jbool [dict get $o -flips]] retries [dict get $o -retries] \
              episode [dict get $o -episode] alpha [jstr [dict get $o -alpha]] beta [jstr [dict get $o -beta]] \
              lr [jnum [dict get $o -lr]] outer_lr [jnum [dict get $o -outer_lr]] \
              values "\[[join [dict get $o -values] ,]\]" place_tries [dict get $o -place_tries] \
              {*}[signoff_manifest $o] \
              halo_version [jstr $::halo::version] candidates "\[[join $arr ,]\]"]
}

# The sign-off part of the manifest (nothing without -signoff, so that
# datasets made before it resume).
proc ::halo::flow::signoff_manifest {o} {
    set engines [signoff_engines $o]
    if {![llength $engines]} {return {}}
    list signoff [jstr $engines] signoff_fraction [jnum [dict get $o -signoff_fraction]]
}

# Create the directory and its manifest, or check that the one there was
# made with the same parameters (the shard aside).
proc ::halo::flow::dataset_prepare {ctx} {
    set dir [dict get $ctx dir]
    if {[catch {file mkdir $dir [file join $dir arrangements] [file join $dir variants] [file join $dir logs]} msg]} {
        raise DST 13 $dir [regsub {^can't create directory "[^"]*": } $msg ""]
    }
    remove_temporaries $dir
    set want [manifest_json $ctx]
    set path [file join $dir manifest.json]
    set shard "[dict get $ctx shard]/[dict get $ctx nshards]"
    set sfile [file join $dir shard.txt]
    if {[file exists $path]} {
        if {[trim_blank [slurp $path]] ne $want} {raise DST 2 $dir}
        if {[file exists $sfile] && [trim_blank [slurp $sfile]] ne $shard} {raise DST 2 $dir}
    } else {
        write_atomic $path $want\n
    }
    write_atomic $sfile $shard\n
}

proc ::halo::flow::apath {ctx i} {file join [dict get $ctx dir] arrangements [format a%04d $i]}
proc ::halo::flow::vpath {ctx i j} {file join [dict get $ctx dir] variants [format a%04d $i] [format v%04d $j]}

# The arrangements of this shard, and of this worker inside it.
proc ::halo::flow::shard_slice {ctx worker jobs} {
    set mine {}
    set pos 0
    for {set i 0} {$i < [dict get $ctx m]} {incr i} {
        if {$i % [dict get $ctx nshards] != [dict get $ctx shard] - 1} continue
        if {$pos % $jobs == $worker} {lappend mine $i}
        incr pos
    }
    return $mine
}

# ------------------------------------------------------------------ progress

# A bar redrawn in place on a terminal; plain lines every 10% or 30 s
# otherwise; nothing when the report channel is "".
proc ::halo::flow::progress_start {channel total label} {
    variable progress
    set tty [expr {$channel ne "" && ![catch {chan configure $channel -mode}]}]
    set progress [dict create channel $channel total $total label $label done 0 failed 0 \
                      t0 [clock milliseconds] shown 0 last_line 0 last_pct -1 tty $tty resumed 0]
}

proc ::halo::flow::progress_set {done failed {resumed 0}} {
    variable progress
    if {![info exists progress] || $progress eq ""} return
    dict set progress done $done
    dict set progress failed $failed
    dict set progress resumed $resumed
    set now [clock milliseconds]
    set ch [dict get $progress channel]
    if {$ch eq ""} return
    set total [dict get $progress total]
    set pct [expr {$total ? 100 * $done / $total : 100}]
    if {[dict get $progress tty]} {
        if {$now - [dict get $progress shown] < 100 && $done < $total} return
        dict set progress shown $now
        puts -nonewline $ch "\r[progress_text 1]\x1b\[K"
        flush $ch
    } elseif {($done == $total && [dict get $progress last_pct] < 100) ||
              ($done < $total && $pct / 10 > [dict get $progress last_pct] / 10) ||
              $now - [dict get $progress last_line] > 30000} {
        dict set progress last_line $now
        dict set progress last_pct $pct
        puts $ch [progress_text 0]
        flush $ch
    }
}

proc ::halo::flow::progress_text {bar} {
    variable progress
    dict with progress {
        set secs [expr {max(1, [clock milliseconds] - $t0) / 1000.0}]
        set rate [expr {($done - $resumed) / $secs}]
        set eta [expr {$rate > 0 ? round(($total - $done) / $rate) : -1}]
        set etas [expr {$eta < 0 ? "?" : [format %d:%02d [expr {$eta / 60}] [expr {$eta % 60}]]}]
        set pct [expr {$total ? 100 * $done / $total : 100}]
        if {$bar} {
            set w 30
            set fill [expr {$total ? $w * $done / $total : $w}]
            return [format "%s \[%s%s\] %d/%d %3d%% %.1f variants/s ETA %s failures %d" $label \
                        [string repeat # $fill] [string repeat - [expr {$w - $fill}]] $done $total $pct $rate \
                        $etas $failed]
        }
        return [format "%s: %d/%d variants (%d%%), %.1f variants/s, ETA %s, %d failures" $label $done $total \
                    $pct $rate $etas $failed]
    }
}

proc ::halo::flow::progress_end {} {
    variable progress
    if {[dict get $progress channel] ne "" && [dict get $progress tty]} {
        puts [dict get $progress channel] ""
    }
    set progress ""
}

# ------------------------------------------------------------------ one arrangement

# Everything the writer of a variant needs, in a namespace variable so the
# explore callback can reach it.
variable ::halo::flow::current

# explore's callback: commit variant j of the current arrangement unless a
# previous run already did (then the recomputed variant is the same).
proc ::halo::flow::commit_variant {j rec} {
    variable current
    set ctx [dict get $current ctx]
    set i [dict get $current arrangement]
    set base [vpath $ctx $i $j]
    set resumed [file exists $base.json]
    if {!$resumed} {
        set t0 [clock microseconds]
        file mkdir [file dirname $base]
        # GDS names its library after the file: write the final name in a
        # private directory, then move it.
        set tmpdir [file dirname $base]/tmp.[pid]
        file mkdir $tmpdir
        write_gds $tmpdir/[file tail $base].gds
        file rename -force $tmpdir/[file tail $base].gds $base.gds
        file delete $tmpdir
        write_atomic $base.traj.json [trajectory_json [dict get $rec trajectory]]\n
        write_atomic $base.row.json [row_json $ctx $i $j $rec]\n
        dict set rec time_ms write [expr {([clock microseconds] - $t0) / 1000.0}]
        write_atomic $base.json [record_json $ctx $i $j $rec]\n
    }
    dict incr current committed
    worker_tick 1 0 $resumed
}

# The trajectories of a variant: per stage |v(out)|, its phase, and v(out)
# itself (re_V, im_V as ngspice computed them: pscore_osiris is a function
# of pre and post re_V).
proc ::halo::flow::trajectory_json {t} {
    set stages {}
    foreach s {pre post} {
        lappend stages $s [jobj [list mag_V [jnums [dict get $t ${s}_mag_V]] phase_deg [jnums [dict get $t ${s}_phase_deg]] \
                                     re_V [jnums [dict get $t ${s}_re_V]] im_V [jnums [dict get $t ${s}_im_V]]]]
    }
    jobj [list node [jstr [dict get $t node]] freq_Hz [jnums [dict get $t freq_Hz]] {*}$stages]
}

proc ::halo::flow::variant_id {ctx i j} {format %s/a%04d/v%04d [dict get $ctx template] $i $j}

# The QoS record of variant j of arrangement i (the index line).
proc ::halo::flow::record_json {ctx i j rec} {
    variable current
    set devs {}
    dict for {name d} [dict get $rec devices] {
        lappend devs $name [jobj [list x [jnum [dict get $d x]] y [jnum [dict get $d y]] \
                                      orient [jstr [dict get $d orient]]]]
    }
    set move [dict get $rec move]
    set movej [expr {$move eq "" ? "null" : [jobj [list device [jstr [dict get $move device]] \
                                                       action [jstr [dict get $move action]]]]}]
    set rel [format a%04d/v%04d $i $j]
    set extra {}
    if {[dict exists $rec reward]} {lappend extra reward [jnum [dict get $rec reward]]}
    jobj [list id [jstr [variant_id $ctx $i $j]] template [jstr [dict get $ctx template]] arrangement $i \
              variant $j mode [jstr [dict get $ctx opts -mode]] fingers [jnumdict [dict get $current fingers]] \
              move $movej devices [jobj $devs] pscore [jnum [dict get $rec pscore]] \
              pscore_low [jnum [dict get $rec pscore_low]] pscore_mid [jnum [dict get $rec pscore_mid]] \
              pscore_high [jnum [dict get $rec pscore_high]] pscore_osiris [jnum [dict get $rec pscore_osiris]] \
              area [jnum [dict get $rec area]] \
              bbox_area [jnum [dict get $rec bbox_area]] hpwl [jnum [dict get $rec hpwl]] \
              wirelength [jnum [dict get $rec wirelength]] vias [jnum [dict get $rec vias]] \
              pre [jnumdict [dict get $rec pre]] post [jnumdict [dict get $rec post]] \
              drc_violations [dict get $rec drc] lvs [jstr [dict get $rec lvs]] {*}$extra \
              signoff [signoff_json [dict get $rec signoff]] \
              seed [dict get $rec seed] gds [jstr variants/$rel.gds] trajectory [jstr variants/$rel.traj.json] \
              time_ms [jnumdict [dict get $rec time_ms]] halo_version [jstr $::halo::version]]
}

# The variant as a row of the analog-circuits-sky130 schema: metrics are
# the post-layout ones plus halo's pscore and area; sim_params says how.
proc ::halo::flow::row_json {ctx i j rec} {
    variable current
    set metrics [dict get $rec post]
    foreach k {pscore pscore_low pscore_mid pscore_high pscore_osiris area} {dict set metrics $k [dict get $rec $k]}
    set pdk [pdk info]
    set sim [jobj [list testbench [jstr [dict get $rec testbench_type]] \
                       analysis [jstr [dict get $rec sweep]] stage [jstr post_layout] \
                       models [jstr [expr {[dict get $pdk root] eq "" ? "embedded" : [dict get $pdk root]}]] \
                       corner [jstr [dict get $pdk corner]] convergence_opts "\{\}" sweep null \
                       pre_layout_metrics [jnumdict [dict get $rec pre]]]]
    set base [format %s_a%04d [dict get $ctx template] $i]
    jobj [list circuit_id [jstr [format %s_v%04d $base $j]] base_circuit_id [jstr $base] \
              topology [jstr [dict get $ctx template]] source_dataset [jstr halo] pdk [jstr [dict get $pdk name]] \
              sim_params [jstr $sim] converged true error [jstr ""] metrics [jstr [jnumdict $metrics]] \
              netlist_json [jstr [dict get $current netlist_json]]]
}

# Baseline P&R of arrangement i and its exploration; writes the
# arrangement summary when done.  Returns the summary as a dict.
proc ::halo::flow::dataset_arrangement {ctx i fingers {extra {}}} {
    variable current
    set summary [apath $ctx $i].json
    if {[file exists $summary]} {
        set s [::halo::flow::json_decode [slurp $summary]]
        set n [dict get $s committed]
        worker_tick $n [failure_total [dict get $s failures]] $n
        return $s
    }
    set o [dict get $ctx opts]
    set seed [derive_seed [dict get $ctx template] $fingers [dict get $o -seed]]
    set current [dict create ctx $ctx arrangement $i fingers $fingers committed 0]
    set failures [dict create]
    set result {}
    set ::halo::output ""
    set_fingers $fingers
    set xo [list -mode [dict get $o -mode] -variants [expr {[dict get $ctx n] - 1}] -seed $seed \
                -step [dict get $o -step] -flips [dict get $o -flips] -retries [dict get $o -retries] \
                -episode [dict get $o -episode] -alpha [dict get $o -alpha] -beta [dict get $o -beta] \
                -lr [dict get $o -lr] -batch [dict get $o -batch] \
                -callback ::halo::flow::commit_variant]
    if {[dict exists $ctx inner]} {lappend xo -agent [dict get $ctx inner]}
    if {[llength [signoff_engines $o]]} {lappend xo -judge ::halo::flow::signoff_judge}
    # A placement whose baseline cannot be routed and verified is not the
    # arrangement's fault: place again with the next derived seed, up to
    # -place_tries times (each failed try counts as a baseline failure).
    for {set try 0} {$try < [dict get $o -place_tries]} {incr try} {
        set place_seed [expr {($try == 0 ? $seed : [derive_seed $seed place $try]) & 0x7FFFFFFF}]
        if {[catch {
            # a fresh library: the GDS of a variant holds this arrangement's
            # cells only
            clear_layout
            generate_devices
            place -seed $place_seed
        } msg]} {
            dict incr failures place
            set result {}
            break
        }
        if {$try == 0} {write_netlist_files $ctx $i}
        if {![catch {explore {*}$xo} result opts]} {
            dict for {k v} [dict get $result failures] {dict incr failures $k $v}
            if {[dict exists $result learning]} {learning_note $i [dict get $result learning]}
            if {$try > 0} {lappend extra place_tries [expr {$try + 1}]}
            break
        }
        if {[lrange [dict get $opts -errorcode] 0 1] ne {HALO XPL}} {return -options $opts $result}
        # a baseline the sign-off rejected counts under the sign-off's cause
        if {[regexp {\((signoff_[a-z]+):} $result -> cause]} {
            dict incr failures $cause
        } else {
            dict incr failures baseline
        }
        dict set extra baseline_error $result
        set result {}
    }
    set s [dict create arrangement $i fingers $fingers seed $seed committed [dict get $current committed] \
               failures $failures {*}$extra]
    if {$result ne ""} {
        dict set s tries [dict get $result tries]
        dict set s baseline [dict create pscore [dict get $result baseline pscore] area [dict get $result baseline area]]
        dict set s best [dict get $result best]
    }
    if {[dict exists $ctx inner]} {
        # the inner agent learns from what is left of this arrangement and
        # is kept with it, before the summary commits the arrangement: a
        # resumed run reads it back and goes on exactly as this one would
        set u [rl_agent update [dict get $ctx inner]]
        if {[dict get $u steps] > 0} {learning_note $i [list [dict merge {update 1} $u]]}
        rl_agent save [dict get $ctx inner] [apath $ctx $i].agent.safetensors
        write_atomic [apath $ctx $i].learning.csv [learning_rows $i]
    }
    write_atomic $summary [summary_json $s]\n
    set current {}
    worker_tick 0 [failure_total $failures] 0
    return $s
}

proc ::halo::flow::failure_total {failures} {
    set n 0
    dict for {k v} $failures {incr n $v}
    return $n
}

proc ::halo::flow::summary_json {s} {
    set pairs [list arrangement [dict get $s arrangement] fingers [jnumdict [dict get $s fingers]] \
                   seed [dict get $s seed] committed [dict get $s committed] \
                   failures [jnumdict [dict get $s failures]]]
    foreach k {tries pool_index outer_reward place_tries} {
        if {[dict exists $s $k]} {lappend pairs $k [jnum [dict get $s $k]]}
    }
    if {[dict exists $s baseline_error]} {lappend pairs baseline_error [jstr [dict get $s baseline_error]]}
    foreach k {baseline best} {
        if {[dict exists $s $k]} {lappend pairs $k [jnumdict [dict get $s $k]]}
    }
    jobj $pairs
}

# The arrangement's netlist (netlist_json, compact) for the rows, and the
# testbench facts report_qos gives.
proc ::halo::flow::write_netlist_files {ctx i} {
    variable current
    set path [apath $ctx $i].netlist.json
    set tmp $path.tmp.[pid]
    write_netlist_json $tmp
    set text [regsub -all {[\n\t]} [slurp $tmp] ""]
    file delete $tmp
    write_atomic $path $text\n
    dict set current netlist_json $text
}

# Progress: a worker of -jobs prints lines its parent counts; a run in
# process updates its bar.  resumed counts variants found on disk.
variable ::halo::flow::tally {done 0 failed 0 resumed 0}

proc ::halo::flow::worker_tick {done failed resumed} {
    variable tally
    dict incr tally done $done
    dict incr tally failed $failed
    dict incr tally resumed $resumed
    if {[info exists ::env(HALO_DATASET_WORKER)]} {
        puts "halo-progress [dict get $tally done] [dict get $tally failed] [dict get $tally resumed]"
        flush stdout
        worker_check_parent
    } else {
        progress_show [dict get $tally done] [dict get $tally failed] [dict get $tally resumed]
    }
}

# A worker whose parent was killed stops too (Linux: /proc/PID).
proc ::halo::flow::worker_check_parent {} {
    lassign $::env(HALO_DATASET_WORKER) k j ppid
    if {$ppid ne "" && [file isdirectory /proc] && ![file exists /proc/$ppid]} {exit 3}
}

# ------------------------------------------------------------------ the command

proc ::halo::flow::generate_dataset {args} {
    set o [parse_options generate_dataset [dataset_defaults] $args]
    check_dataset_options $o
    set channel [expr {[dict get $o -quiet] ? "" : $::halo::output}]
    set saved $::halo::output
    variable tally
    set tally {done 0 failed 0 resumed 0}
    set t0 [clock milliseconds]
    try {
        set ctx [dataset_context $o]
        set worker [worker_role $ctx]
        if {$worker eq ""} {dataset_prepare $ctx}
        set jobs [dict get $o -jobs]
        if {$worker ne ""} {
            lassign $worker k jobs
            run_slice $ctx [shard_slice $ctx $k $jobs]
            exit 0
        }
        set total [expr {[llength [shard_slice $ctx 0 1]] * [dict get $ctx n]}]
        progress_start $channel $total "generate_dataset [dict get $ctx template]"
        if {$jobs > 1} {
            run_workers $ctx $jobs
        } elseif {[dict get $o -mode] eq "rl"} {
            run_rl $ctx
        } else {
            run_slice $ctx [shard_slice $ctx 0 1]
        }
        progress_end
        set summary [write_index $ctx [shard_slice $ctx 0 1]]
    } finally {
        set ::halo::output $saved
    }
    dict set summary seconds [expr {([clock milliseconds] - $t0) / 1000.0}]
    dict set summary resumed [dict get $tally resumed]
    return $summary
}

proc ::halo::flow::run_slice {ctx indices} {
    foreach i $indices {
        dataset_arrangement $ctx $i [lindex [dict get $ctx candidates] $i]
    }
}

# In a worker process of -jobs: {k J} from HALO_DATASET_WORKER when it
# names this dataset, else "".
proc ::halo::flow::worker_role {ctx} {
    if {![info exists ::env(HALO_DATASET_WORKER)]} {return {}}
    lassign $::env(HALO_DATASET_WORKER) k jobs ppid dir
    # A worker never starts workers: one that finds another dataset
    # (a script making two) stops rather than recurse.
    if {$dir ne [dict get $ctx dir]} {raise DST 10 $dir [dict get $ctx dir]}
    list $k $jobs
}

# -jobs J: rerun this flow's script J times as workers (each recomputes
# the design the same way, then takes its slice), count their progress
# lines, and fail naming the log of a worker that failed.
proc ::halo::flow::run_workers {ctx jobs} {
    if {![info exists ::argv0] || ![file isfile $::argv0] || [info script] eq ""} {raise DST 5}
    variable workers
    set workers [dict create]
    set exe [info nameofexecutable]
    for {set k 0} {$k < $jobs} {incr k} {
        set log [file join [dict get $ctx dir] logs worker-$k.log]
        set ::env(HALO_DATASET_WORKER) [list $k $jobs [pid] [dict get $ctx dir]]
        set ch [open |[list $exe $::argv0 {*}$::argv 2> $log] r]
        unset ::env(HALO_DATASET_WORKER)
        fconfigure $ch -blocking 0 -buffering line
        dict set workers $k [dict create ch $ch log $log done 0 failed 0 resumed 0 status running]
        fileevent $ch readable [list ::halo::flow::worker_readable $k]
    }
    while {[llength [lsearch -all -exact [lmap {k w} $workers {dict get $w status}] running]] > 0} {
        vwait ::halo::flow::workers
    }
    dict for {k w} $workers {
        if {[dict get $w status] ne "ok"} {raise DST 6 $k [dict get $w log] [log_tail [dict get $w log]]}
    }
}

# A worker's output is ready.  This runs from the event loop, where an
# error would leave the parent waiting for ever: any error marks the worker
# failed (its log then tells why) and ends the wait.
proc ::halo::flow::worker_readable {k} {
    variable workers
    if {[catch {worker_read $k} msg]} {
        catch {close [dict get $workers $k ch]}
        dict set workers $k status failed
        set f [open [dict get $workers $k log] a]
        puts $f "halo: reading this worker failed: $msg"
        close $f
    }
}

proc ::halo::flow::worker_read {k} {
    variable workers
    set ch [dict get $workers $k ch]
    while {[gets $ch line] >= 0} {
        if {[regexp {^halo-progress (\d+) (\d+) (\d+)$} $line -> d f r]} {
            dict set workers $k done $d
            dict set workers $k failed $f
            dict set workers $k resumed $r
        }
    }
    if {[eof $ch]} {
        fconfigure $ch -blocking 1
        set status [expr {[catch {close $ch}] ? "failed" : "ok"}]
        dict set workers $k status $status
    }
    set sum {0 0 0}
    dict for {j w} $workers {
        set sum [list [expr {[lindex $sum 0] + [dict get $w done]}] [expr {[lindex $sum 1] + [dict get $w failed]}] \
                     [expr {[lindex $sum 2] + [dict get $w resumed]}]]
    }
    progress_show {*}$sum
}

# The progress display is a convenience: if it cannot be drawn (a closed
# terminal), it is turned off and the run goes on.
proc ::halo::flow::progress_show {done failed resumed} {
    variable progress
    if {[catch {progress_set $done $failed $resumed} msg]} {
        dict set progress channel ""
        puts stderr "halo: progress display turned off: $msg"
    }
}

proc ::halo::flow::log_tail {path} {
    if {[catch {slurp $path} text]} {return ""}
    join [lrange [split [string trimright $text] \n] end-5 end] \n
}

# -mode rl: OSIRIS's two agents.  The outer one, REINFORCE over the
# finger-count vector (each candidate's fingers scaled by the largest
# value), picks the next arrangement among the pool's unused candidates;
# its reward is the best inner result, alpha (p_ref - p) + beta (a_ref - a)
# against the first arrangement's baseline; it learns from -outer_batch
# arrangements at a time.  The inner one (rl_agent sppo) is one agent for
# the whole run: made fresh, or read from -agent FILE when the file exists
# (and written back there at the end), so what it learns on one
# arrangement serves the next.  -learn 0 keeps both agents as they start
# (the learning-off arm of a comparison).  A resumed run replays the
# finished arrangements' outer choices and rewards from their summaries;
# the inner agent learns only from arrangements explored in this process.
proc ::halo::flow::run_rl {ctx} {
    set cands [dict get $ctx candidates]
    set devices [dict keys [lindex $cands 0]]
    set maxnf 1
    foreach c $cands {dict for {d v} $c {set maxnf [expr {max($maxnf, $v)}]}}
    set feats [lmap c $cands {lmap d $devices {expr {double([dict get $c $d]) / $maxnf}}}]
    set o [dict get $ctx opts]
    set learn [dict get $o -learn]
    set agent [rl_agent reinforce -features [llength $devices] -lr [dict get $o -outer_lr] \
                   -seed [derive_seed [dict get $o -seed] outer]]
    set inner [inner_agent $o]
    dict set ctx inner $inner
    rl_agent learning $inner $learn
    variable learning_log {}
    set used [lrepeat [llength $cands] 1]
    set ref {}
    set batched 0
    try {
        for {set i 0} {$i < [dict get $ctx m]} {incr i} {
            set c [rl_agent choose $agent $feats $used]
            lset used $c 0
            set resumed [file exists [apath $ctx $i].json]
            set s [dataset_arrangement $ctx $i [lindex $cands $c] [list pool_index $c]]
            if {$resumed && [file exists [apath $ctx $i].agent.safetensors]} {
                # the inner agent as it was when this arrangement committed
                rl_agent delete $inner
                set inner [rl_agent load [apath $ctx $i].agent.safetensors]
                rl_agent learning $inner $learn
                dict set ctx inner $inner
            }
            if {[dict exists $s pool_index] && [dict get $s pool_index] != $c} {raise DST 7 $i}
            if {![dict exists $s best]} {
                rl_agent reward $agent [expr {-[dict get $o -episode]}]
            } else {
                if {$ref eq ""} {set ref [dict get $s baseline]}
                set p_ref [dict get $ref pscore]
                set a_ref [dict get $ref area]
                set r [expr {(($p_ref - [dict get $s best pscore]) / max($p_ref, 1e-12)) +
                             ($a_ref - [dict get $s best area]) / max($a_ref, 1e-12)}]
                rl_agent reward $agent $r
            }
            incr batched
            if {$batched == [dict get $o -outer_batch] || $i == [dict get $ctx m] - 1} {
                if {$learn} {rl_agent update $agent}
                set batched 0
            }
        }
        if {[dict get $o -agent] ne ""} {rl_agent save $inner [dict get $o -agent]}
        write_learning [dict get $ctx dir]
    } finally {
        rl_agent delete $agent
        rl_agent delete $inner
    }
}

# The run's inner agent: -agent FILE's when the file exists, else fresh.
proc ::halo::flow::inner_agent {o} {
    set path [dict get $o -agent]
    if {$path ne "" && [file exists $path]} {return [rl_agent load $path]}
    rl_agent sppo -context_dim $::halo::flow::rl_ctx_dim -features $::halo::flow::rl_feat_dim \
        -lr [dict get $o -lr] -seed [derive_seed [dict get $o -seed] inner]
}

# The inner agent's learning curve: one entry per episode (its summed
# reward) and per update (steps, losses, entropy), with the arrangement.
proc ::halo::flow::learning_note {arrangement entries} {
    variable learning_log
    foreach e $entries {lappend learning_log [dict merge [dict create arrangement $arrangement] $e]}
}

# The learning-curve rows (CSV, no header) of arrangement i.
proc ::halo::flow::learning_rows {i} {
    variable learning_log
    set csv ""
    foreach e $learning_log {
        if {[dict get $e arrangement] != $i} continue
        if {[dict exists $e update]} {
            append csv [format "update,%s,,,%d,%.6g,%.6g,%.6g,%.6g\n" $i [dict get $e steps] \
                            [dict get $e policy_loss] [dict get $e value_loss] [dict get $e entropy] [dict get $e mean_return]]
        } else {
            append csv [format "episode,%s,%d,%.6g,,,,,\n" $i [dict get $e episode] [dict get $e reward]]
        }
    }
    return $csv
}

# learning.csv and learning.svg in the dataset directory, from every
# arrangement's rows (a resumed run's too: they are kept per arrangement).
proc ::halo::flow::write_learning {dir} {
    set csv "kind,arrangement,episode,reward,steps,policy_loss,value_loss,entropy,mean_return\n"
    set rewards {}
    set entropy {}
    set vloss {}
    foreach f [lsort [glob -nocomplain -directory [file join $dir arrangements] a*.learning.csv]] {
        foreach line [split [string trim [slurp $f]] \n] {
            if {$line eq ""} continue
            append csv $line\n
            set v [split $line ,]
            if {[lindex $v 0] eq "update"} {
                lappend entropy [lindex $v 7]
                lappend vloss [lindex $v 6]
            } else {
                lappend rewards [lindex $v 3]
            }
        }
    }
    write_atomic [file join $dir learning.csv] $csv
    write_atomic [file join $dir learning.svg] [learning_svg [list "reward per episode" $rewards \
        "policy entropy per update (nats)" $entropy "value loss per update" $vloss]]
}

# Panels of line charts, one per {title values} pair, as SVG.
proc ::halo::flow::learning_svg {panels} {
    set w 640
    set h 180
    set n [expr {[llength $panels] / 2}]
    set svg "<svg xmlns='http://www.w3.org/2000/svg' width='$w' height='[expr {$h * $n}]' font-family='sans-serif' font-size='12'>\n"
    append svg "<rect width='100%' height='100%' fill='white'/>\n"
    set k 0
    foreach {title values} $panels {
        set y0 [expr {$k * $h}]
        append svg "<text x='10' y='[expr {$y0 + 16}]'>$title ([llength $values] points)</text>\n"
        if {[llength $values] > 0} {
            set lo [tcl::mathfunc::min {*}$values]
            set hi [tcl::mathfunc::max {*}$values]
            if {$hi == $lo} {set hi [expr {$lo + 1}]}
            set pts {}
            set m [llength $values]
            for {set i 0} {$i < $m} {incr i} {
                set x [expr {50 + ($m > 1 ? 570.0 * $i / ($m - 1) : 0)}]
                set y [expr {$y0 + 160 - 130.0 * ([lindex $values $i] - $lo) / ($hi - $lo)}]
                lappend pts [format "%.1f,%.1f" $x $y]
            }
            append svg [format "<text x='4' y='%.0f'>%.3g</text><text x='4' y='%.0f'>%.3g</text>\n" \
                            [expr {$y0 + 34}] $hi [expr {$y0 + 164}] $lo]
            append svg "<polyline fill='none' stroke='#1f77b4' stroke-width='1.5' points='[join $pts { }]'/>\n"
        }
        incr k
    }
    append svg "</svg>\n"
}

# ------------------------------------------------------------ checking files

# The files of a dataset may come from elsewhere (a shard, a copy, a disk
# that filled up): a value read from one is checked before it is used, and
# a bad one is a halo error naming the file, never a Tcl error.

# text decoded as one JSON object, or DST mod/num with where and why.
proc ::halo::flow::json_object {text mod num where} {
    if {[catch {json_decode $text} d]} {raise $mod $num $where [string trimright $d .]}
    if {![string match "\{*" [string trimleft $text]]} {raise $mod $num $where "not a JSON object"}
    return $d
}

# The JSON object in the file path (DST-14 when it is missing or bad).
proc ::halo::flow::read_object {path} {
    if {![file isfile $path]} {raise DST 14 $path "missing"}
    json_object [slurp $path] DST 14 $path
}

# d's key as an integer >= 0, a dict of those, a number (DST-14 naming
# the file otherwise).
proc ::halo::flow::field_count {d key path} {
    if {![dict exists $d $key] || ![string is entier -strict [dict get $d $key]] || [dict get $d $key] < 0} {
        raise DST 14 $path "$key must be a count (an integer >= 0)"
    }
    dict get $d $key
}
proc ::halo::flow::field_counts {d key path} {
    if {![dict exists $d $key] || [catch {dict size [dict get $d $key]}]} {
        raise DST 14 $path "$key must be an object of counts"
    }
    dict for {k v} [dict get $d $key] {
        if {![string is entier -strict $v] || $v < 0} {raise DST 14 $path "$key: $k must be a count (an integer >= 0)"}
    }
    dict get $d $key
}
proc ::halo::flow::field_number {d key where} {
    if {![dict exists $d $key] || ![string is double -strict [dict get $d $key]]} {
        raise DST 11 $where "the record has no number $key"
    }
    dict get $d $key
}

# index.jsonl, rows.jsonl and summary.json from the committed files of
# the given arrangements.
proc ::halo::flow::write_index {ctx indices} {
    set dir [dict get $ctx dir]
    set index ""
    set rows ""
    set records 0
    set missing {}
    set failures [dict create]
    set arr_done 0
    set signed 0
    foreach i $indices {
        set sfile [apath $ctx $i].json
        if {[file exists $sfile]} {
            incr arr_done
            dict for {k v} [field_counts [read_object $sfile] failures $sfile] {dict incr failures $k $v}
        }
        # the committed variants, by one listing of the directory (a merge
        # may be asked for many more variants than the shards hold)
        set committed [dict create]
        foreach f [glob -nocomplain -tails -directory [file dirname [vpath $ctx $i 0]] v*.json] {
            if {[regexp {^v0*([0-9]+)\.json$} $f -> j]} {dict set committed $j 1}
        }
        for {set j 0} {$j < [dict get $ctx n]} {incr j} {
            if {![dict exists $committed $j] || ![file isfile [set base [vpath $ctx $i $j]].json]} {
                lappend missing [format a%04d/v%04d $i $j]
                continue
            }
            # one record, one line: a record that is not one JSON object
            # (or has no row) would make an index that does not read
            set line [string trimright [slurp $base.json] \n]
            if {[string first \n $line] >= 0} {raise DST 14 $base.json "a record must be one line"}
            json_object $line DST 14 $base.json
            if {![file isfile $base.row.json]} {raise DST 14 $base.json "its row $base.row.json is missing"}
            append index $line\n
            append rows [string trimright [slurp $base.row.json] \n]\n
            incr records
            if {[regexp {"signoff":\{} $line]} {incr signed}
        }
    }
    set rejected [dict filter $failures key signoff_*]
    write_atomic [file join $dir index.jsonl] $index
    write_atomic [file join $dir rows.jsonl] $rows
    set summary [dict create dir $dir template [dict get $ctx template] arrangements [llength $indices] \
                     arrangements_done $arr_done variants [dict get $ctx n] records $records \
                     expected [expr {[llength $indices] * [dict get $ctx n]}] missing [llength $missing] \
                     failures $failures]
    set extra {}
    if {$signed || [dict size $rejected]} {
        # sign-off: records judged and passed, variants judged and refused
        dict set summary signoff [dict create passed $signed rejected [failure_total $rejected] by_cause $rejected]
        lappend extra signoff [jobj [list passed $signed rejected [failure_total $rejected] \
                                         by_cause [jnumdict $rejected]]]
    }
    write_atomic [file join $dir summary.json] [jobj [list template [jstr [dict get $ctx template]] \
        arrangements [llength $indices] arrangements_done $arr_done records $records \
        expected [dict get $summary expected] missing [expr {[llength $missing] ? "\[\"[join $missing {","}]\"\]" : "\[\]"}] \
        failures [jnumdict $failures] {*}$extra]]\n
    return $summary
}

# ------------------------------------------------------------------ merge

# Join shard directories into one dataset: the manifests must agree, the
# shards must be 1/N..N/N exactly once, every arrangement of the sample
# must come from its own shard, and no variant may appear twice.
proc ::halo::flow::merge_dataset {args} {
    if {[llength $args] < 3 || [lindex $args 0] ne "-out"} {
        return -code error -errorcode {HALO CMD USAGE 0} "wrong # args: should be \"merge_dataset -out DIR SHARDDIR ?SHARDDIR ...?\""
    }
    set out [file normalize [lindex $args 1]]
    set shards [lrange $args 2 end]
    set manifest ""
    set seen [dict create]
    foreach s $shards {
        if {![file exists [file join $s manifest.json]]} {raise DST 8 $s "no manifest.json"}
        set m [trim_blank [slurp [file join $s manifest.json]]]
        if {$manifest eq ""} {
            set manifest $m
        } elseif {$m ne $manifest} {
            raise DST 8 $s "its manifest differs from that of [lindex $shards 0]"
        }
        if {![file isfile [file join $s shard.txt]]} {raise DST 8 $s "no shard.txt"}
        set shard [trim_blank [slurp [file join $s shard.txt]]]
        if {![regexp {^([0-9]+)/([0-9]+)$} $shard -> k nk] || $k < 1 || $k > $nk} {
            raise DST 8 $s "shard.txt holds \"[string range $shard 0 40]\", not I/N with 1 <= I <= N"
        }
        if {[dict exists $seen $shard]} {raise DST 8 $s "shard $shard appears twice"}
        dict set seen $shard $s
    }
    set md [json_object $manifest DST 8 [file join [lindex $shards 0] manifest.json]]
    # the manifest comes from outside: its counts bound the work, so they
    # must agree with what it lists (a run never has more arrangements than
    # candidates, nor more than generate_dataset allows)
    set m [expr {[dict exists $md arrangements] ? [dict get $md arrangements] : ""}]
    set n [expr {[dict exists $md variants] ? [dict get $md variants] : ""}]
    if {![dict exists $md candidates] || [catch {llength [dict get $md candidates]} ncand]} {set ncand 0}
    if {![string is integer -strict $m] || $m < 0 || $m > $ncand || $m > 100000} {
        raise DST 8 [lindex $shards 0] "its manifest's arrangements ($m) is not a count of the $ncand candidates it lists"
    }
    if {![string is integer -strict $n] || $n < 1 || $n > 1000000} {
        raise DST 8 [lindex $shards 0] "its manifest's variants ($n) is not a count from 1 to 1000000"
    }
    # (the merged summary lists every missing variant: the work grows with
    # arrangements x variants, whatever the shards hold)
    if {$m * $n > 1000000} {
        raise DST 8 [lindex $shards 0] "its manifest's arrangements x variants ($m x $n) is more than 1000000 variants"
    }
    set nshards [lindex [split [lindex [dict keys $seen] 0] /] 1]
    for {set i 1} {$i <= $nshards} {incr i} {
        if {![dict exists $seen $i/$nshards]} {raise DST 8 $out "shard $i/$nshards is missing"}
    }
    if {[dict size $seen] != $nshards} {raise DST 8 $out "the shards are not all of one split"}
    if {![dict exists $md template] || ![regexp {^[A-Za-z0-9_.-]+$} [dict get $md template]]} {
        raise DST 8 [lindex $shards 0] "its manifest names no template"
    }
    file mkdir $out [file join $out arrangements] [file join $out variants]
    write_atomic [file join $out manifest.json] $manifest\n
    write_atomic [file join $out shard.txt] 1/1\n
    for {set i 0} {$i < $m} {incr i} {
        set from [dict get $seen [expr {$i % $nshards + 1}]/$nshards]
        merge_arrangement $from $out $i $n $seen
    }
    set ctx [dict create dir $out template [dict get $md template] n $n]
    set indices {}
    for {set i 0} {$i < $m} {incr i} {lappend indices $i}
    set summary [write_index $ctx $indices]
    dict set summary shards $nshards
    return $summary
}

proc ::halo::flow::merge_arrangement {from out i n seen} {
    set a [format a%04d $i]
    dict for {shard dir} $seen {
        if {$dir ne $from && [llength [glob -nocomplain [file join $dir arrangements $a*] [file join $dir variants $a *]]]} {
            raise DST 8 $dir "arrangement $i belongs to another shard (duplicate)"
        }
    }
    foreach f [glob -nocomplain [file join $from arrangements $a*]] {
        if {![string match *.tmp.* $f]} {file copy -force $f [file join $out arrangements]}
    }
    set vdir [file join $from variants $a]
    if {[file isdirectory $vdir]} {
        file mkdir [file join $out variants $a]
        foreach f [glob -nocomplain -directory $vdir *] {
            if {![string match *.tmp.* $f]} {file copy -force $f [file join $out variants $a]}
        }
    }
}

# ------------------------------------------------------------------ reading

# The records of a dataset (index.jsonl) as dicts, in order; with
# -trajectories 1 each also gets its pre/post trajectories.
proc ::halo::flow::read_dataset {args} {
    if {[llength $args] ni {1 3} || ([llength $args] == 3 && [lindex $args 1] ne "-trajectories")} {
        return -code error -errorcode {HALO CMD USAGE 0} "wrong # args: should be \"read_dataset DIR ?-trajectories 0|1?\""
    }
    set dir [lindex $args 0]
    set traj [expr {[llength $args] == 3 ? [lindex $args 2] : 0}]
    set path [file join $dir index.jsonl]
    if {![file exists $path]} {raise DST 11 $dir "no index.jsonl (run generate_dataset or merge_dataset)"}
    set records {}
    set n 0
    foreach line [split [slurp $path] \n] {
        incr n
        if {[trim_blank $line] eq ""} continue
        set r [json_object $line DST 11 $path:$n]
        if {$traj} {
            if {![dict exists $r trajectory]} {raise DST 11 $path:$n "the record names no trajectory file"}
            set file [dataset_file $dir [dict get $r trajectory] $path:$n]
            if {[catch {json_decode [slurp $file]} t]} {raise DST 11 $file [string trimright $t .]}
            dict set r trajectory $t
        }
        lappend records $r
    }
    return $records
}

# A file a record names, which must lie inside the dataset: a relative
# path without "..", that stays in dir once links are resolved.
proc ::halo::flow::dataset_file {dir rel where} {
    set root [file normalize $dir]
    set bad "the record names \"$rel\", which is not a file inside the dataset"
    # (pathtype first: Tcl reads a leading ~ as a home directory)
    if {[file pathtype $rel] ne "relative" || "..." in [file split $rel] || ".." in [file split $rel]} {
        raise DST 11 $where $bad
    }
    # (normalize resolves links but for the last component: a child
    # component makes it resolve that one too)
    set full [file dirname [file normalize [file join $root $rel __]]]
    if {[string first $root/ $full/] != 0} {raise DST 11 $where $bad}
    if {![file isfile $full]} {raise DST 11 $where "the record names \"$rel\", which is not a file of the dataset"}
    return $full
}

# ------------------------------------------------------------------ report

# report_dataset DIR: what a dataset holds -- its records, failures by
# cause, and the best and the worst variant by pscore -- printed through
# the logger and returned as a dict.
proc ::halo::flow::report_dataset {args} {
    if {[llength $args] != 1} {
        return -code error -errorcode {HALO CMD USAGE 0} "wrong # args: should be \"report_dataset DIR\""
    }
    set dir [lindex $args 0]
    set k 0
    set records [lsort -real -index 1 [lmap r [read_dataset $dir] {
        set where "[file join $dir index.jsonl]: record [incr k]"
        if {![dict exists $r id]} {raise DST 11 $where "the record has no id"}
        list [dict get $r id] [field_number $r pscore $where] [field_number $r pscore_osiris $where] \
            [field_number $r area $where] [field_number $r hpwl $where]
    }]]
    set failures {}
    set sfile [file join $dir summary.json]
    if {[file exists $sfile]} {set sum [read_object $sfile]; set failures [field_counts $sum failures $sfile]}
    set text [format "Dataset %s: %d records" $dir [llength $records]]
    if {[dict size $failures]} {append text ", rejected before entering it by cause: $failures"}
    if {[file exists $sfile] && [dict exists $sum signoff]} {
        set so [dict get $sum signoff]
        if {[catch {dict size $so}]} {raise DST 14 $sfile "signoff must be an object"}
        field_count $so passed $sfile
        field_count $so rejected $sfile
        append text [format "\nSign-off: %d records judged and passed; %d variants rejected" \
                         [dict get $so passed] [dict get $so rejected]]
        dict set result signoff $so
    }
    set result [dict create dir $dir records [llength $records] failures $failures]
    if {[llength $records]} {
        append text \n[format "%-28s %12s %14s %10s %9s" variant "pscore (V)" pscore_osiris "area um2" "HPWL um"]
        foreach r [list [lindex $records 0] [lindex $records end]] label {best worst} {
            lassign $r id pscore posiris area hpwl
            append text \n[format "%-28s %12.6g %14.6g %10.2f %9.2f  %s" $id $pscore $posiris $area $hpwl $label]
            dict set result $label [dict create id $id pscore $pscore pscore_osiris $posiris area $area hpwl $hpwl]
        }
    }
    if {$::halo::output ne ""} {puts $::halo::output $text}
    return $result
}
