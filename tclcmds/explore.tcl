# explore.tcl -- OSIRIS's exploration loop (the command explore) and the
# helpers it shares with dataset.tcl: JSON writing, atomic files, the seed
# stream, option parsing and the validation of one variant.
#
# Compiled into halo (tclcmds/explore_tcl.c) and sourced at start-up;
# cmd_explore.c registers the commands, with their help text, as thin
# forwarders to the procs here and in dataset.tcl.  This layer only sequences the stage
# commands every user can call (perturb, route -incremental, check_drc,
# check_lvs, extract_parasitics, report_qos, snapshot) and writes files;
# the numbers come from C: the stages themselves, the agents of rl_agent
# (PPO and REINFORCE on core/nn), and JSON parsing through cJSON.
#
# Invariants:
# - Determinism.  Every random choice comes from a splitmix64 stream whose
#   seed derives from (template, finger arrangement, variant index, user
#   seed), so a variant is the same bytes on any machine, in any shard, and
#   after any interruption.
# - A dataset variant is committed by renaming its record
#   (variants/aNNNN/vNNNN.json) into place after its GDS, trajectory and
#   seed-schema row; a variant without a record does not exist and is
#   redone.  Every file is written to a temporary name and renamed.
# - An arrangement is replayed from its baseline when it was interrupted:
#   the replay recomputes the same chain and skips what is committed, so a
#   resumed dataset equals an uninterrupted one record for record.

namespace eval ::halo::flow {
    variable progress
}

# ------------------------------------------------------------------ errors

# Raise message MOD-NUM of halo's message table (core/messages.def).
proc ::halo::flow::raise {mod num args} {
    return -code error -level 2 {*}[::halo::flow::message $mod $num {*}$args]
}

# ------------------------------------------------------------------ JSON

proc ::halo::flow::jstr {s} {
    set s [string map {\\ \\\\ \" \\\" \n \\n \r \\r \t \\t} $s]
    if {[regexp {[\x00-\x1f]} $s]} {
        set out ""
        foreach c [split $s ""] {
            scan $c %c code
            append out [expr {$code < 32 ? [format \\u%04x $code] : $c}]
        }
        set s $out
    }
    return "\"$s\""
}

# A number as JSON: integers as they are, doubles in Tcl's shortest
# round-trip form; NaN and infinities (which JSON lacks) become null.
proc ::halo::flow::jnum {v} {
    if {[string is entier -strict $v]} {return $v}
    if {![string is double -strict $v]} {return null}
    if {[catch {expr {double($v)}} d] || $d != $d || abs($d) > 1.7976931348623157e308} {return null}
    return $d
}

proc ::halo::flow::jbool {v} {expr {$v ? "true" : "false"}}

# {k1 json1 k2 json2 ...} -> {"k1":json1,...}; values already encoded.
proc ::halo::flow::jobj {pairs} {
    set parts {}
    foreach {k v} $pairs {lappend parts "[jstr $k]:$v"}
    return "\{[join $parts ,]\}"
}

proc ::halo::flow::jnums {values} {
    set parts {}
    foreach v $values {lappend parts [jnum $v]}
    return "\[[join $parts ,]\]"
}

# A dict of numbers -> a JSON object of numbers.
proc ::halo::flow::jnumdict {d} {
    set pairs {}
    dict for {k v} $d {lappend pairs $k [jnum $v]}
    jobj $pairs
}

# ------------------------------------------------------------------ files

# Files of the dataset are UTF-8 text with \n line ends.
proc ::halo::flow::slurp {path} {
    set f [open $path r]
    fconfigure $f -encoding utf-8 -translation lf
    try {return [read $f]} finally {close $f}
}

# A file's text without the blank (space, tab, CR, LF) at its ends.  Not
# Tcl's default [string trim] set, which also takes NUL: a manifest or a
# record padded with NULs would then pass for the JSON inside it.
proc ::halo::flow::trim_blank {text} {
    string trim $text " \t\r\n"
}

# Write data to path atomically: a temporary name in the same directory,
# then a rename, so a reader (or a resumed run) never sees half a file.
proc ::halo::flow::write_atomic {path data} {
    set tmp $path.tmp.[pid]
    set f [open $tmp w]
    fconfigure $f -encoding utf-8 -translation lf
    try {
        puts -nonewline $f $data
    } finally {
        close $f
    }
    file rename -force $tmp $path
}

# Leftovers of a killed run: temporary files never renamed.
proc ::halo::flow::remove_temporaries {dir} {
    foreach sub [list $dir {*}[glob -nocomplain -types d -directory $dir arrangements variants variants/*]] {
        foreach f [glob -nocomplain -directory $sub *.tmp.* tmp.*] {file delete -force $f}
    }
}

# ------------------------------------------------------------------ seeds

# splitmix64: the seed stream of the exploration (64-bit, masked in Tcl's
# big integers).  State lives in the caller's variable.
proc ::halo::flow::rng_next {varName} {
    upvar 1 $varName state
    set m 0xFFFFFFFFFFFFFFFF
    set state [expr {($state + 0x9E3779B97F4A7C15) & $m}]
    set z $state
    set z [expr {(($z ^ ($z >> 30)) * 0xBF58476D1CE4E5B9) & $m}]
    set z [expr {(($z ^ ($z >> 27)) * 0x94D049BB133111EB) & $m}]
    expr {$z ^ ($z >> 31)}
}

# Uniform integer in [0, n); the modulo bias is below n / 2^64.
proc ::halo::flow::rng_below {varName n} {
    upvar 1 $varName state
    expr {[rng_next state] % $n}
}

# A 63-bit seed from any strings: FNV-1a over their text, then one
# splitmix64 step to spread the bits.
proc ::halo::flow::derive_seed {args} {
    set h 0xCBF29CE484222325
    foreach b [split [encoding convertto utf-8 [join $args /]] ""] {
        scan $b %c c
        set h [expr {(($h ^ $c) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF}]
    }
    expr {[rng_next h] & 0x7FFFFFFFFFFFFFFF}
}

# ------------------------------------------------------------------ options

# Parse -key value pairs of args against the dict of defaults; an unknown
# option or a missing value raises XPL-1 naming the command.
proc ::halo::flow::parse_options {cmd defaults arglist} {
    set opts $defaults
    if {[llength $arglist] % 2} {
        raise XPL 1 $cmd [lindex $arglist end] [join [lsort [dict keys $defaults]] ", "]
    }
    foreach {k v} $arglist {
        if {![dict exists $defaults $k]} {raise XPL 1 $cmd $k [join [lsort [dict keys $defaults]] ", "]}
        dict set opts $k $v
    }
    return $opts
}

proc ::halo::flow::need_int {cmd opt v min} {
    if {![string is entier -strict $v] || $v < $min} {raise XPL 2 $cmd $opt $v "an integer >= $min"}
}

proc ::halo::flow::need_number {cmd opt v} {
    if {![string is double -strict $v]} {raise XPL 2 $cmd $opt $v "a number"}
}

# ------------------------------------------------------------------ stages

# Run script, adding its wall time in ms to times(key) in the caller.
proc ::halo::flow::timed {timesVar key script} {
    upvar 1 $timesVar times
    set t0 [clock microseconds]
    try {
        return [uplevel 1 $script]
    } finally {
        dict incr times $key [expr {[clock microseconds] - $t0}]
    }
}

# Reroute and verify the current placement: route (incremental unless
# full), DRC, LVS, parasitic extraction, pre/post simulation and QoS.
# Returns {ok 1 qos Q route R drc N times T} or {ok 0 cause C detail D
# times T}; the cause names the first stage that failed.
proc ::halo::flow::validate {full} {
    set times [dict create]
    set route_opts [expr {$full ? {} : {-incremental}}]
    if {[catch {timed times route {route {*}$route_opts}} r]} {return [list ok 0 cause route detail $r times $times]}
    if {[dict get $r failed] > 0} {
        return [list ok 0 cause route detail "[dict get $r failed] nets unrouted" times $times]
    }
    set drc [timed times drc {check_drc}]
    if {$drc > 0} {return [list ok 0 cause drc detail "$drc violations" times $times]}
    if {![timed times lvs {check_lvs}]} {return [list ok 0 cause lvs detail mismatch times $times]}
    if {[catch {timed times pex {extract_parasitics}} msg]} {
        return [list ok 0 cause pex detail $msg times $times]
    }
    if {[catch {timed times sim {report_qos}} q]} {return [list ok 0 cause sim detail $q times $times]}
    foreach stage {pre post} {
        if {![dict get $q $stage converged]} {
            return [list ok 0 cause [dict get $q $stage error] detail "$stage: [dict get $q $stage detail]" \
                        times $times]
        }
    }
    list ok 1 qos $q route $r drc $drc times $times
}

# The placement's devices: name -> {x y orient} (um), in design order.
proc ::halo::flow::placement_state {} {
    set out [dict create]
    dict for {name d} [dict get [report_placement] device] {
        dict set out $name [dict create x [dict get $d x] y [dict get $d y] orient [dict get $d orient]]
    }
    return $out
}

# One variant as a dict: what generate_dataset records and explore returns.
proc ::halo::flow::variant_dict {index move v seed} {
    set q [dict get $v qos]
    set times [dict create]
    dict for {k us} [dict get $v times] {dict set times $k [expr {$us / 1000.0}]}
    dict create variant $index move $move devices [placement_state] \
        pscore [dict get $q pscore] pscore_low [dict get $q pscore_low] pscore_mid [dict get $q pscore_mid] \
        pscore_high [dict get $q pscore_high] pscore_osiris [dict get $q pscore_osiris] \
        area [dict get $q area] bbox_area [dict get $q bbox_area] \
        hpwl [dict get $q hpwl] drc [dict get $v drc] lvs match \
        wirelength [dict get $v route wirelength] vias [dict get $v route vias] \
        pre [dict get $q pre metrics] post [dict get $q post metrics] \
        trajectory [list node [dict get $q post trajectory node] freq_Hz [dict get $q post trajectory freq_Hz] \
                        pre_mag_V [dict get $q pre trajectory mag_V] pre_phase_deg [dict get $q pre trajectory phase_deg] \
                        pre_re_V [dict get $q pre trajectory re_V] pre_im_V [dict get $q pre trajectory im_V] \
                        post_mag_V [dict get $q post trajectory mag_V] \
                        post_phase_deg [dict get $q post trajectory phase_deg] \
                        post_re_V [dict get $q post trajectory re_V] post_im_V [dict get $q post trajectory im_V]] \
        testbench_type [dict get $q testbench_type] sweep [dict get $q sweep] time_ms $times seed $seed \
        signoff {}
}

# ------------------------------------------------------------------ explore

# The moves: four one-step shifts and two flips per device.
variable ::halo::flow::moves {left right up down flip_x flip_y}

proc ::halo::flow::apply_move {device move step} {
    switch -- $move {
        flip_x {perturb $device -flip x}
        flip_y {perturb $device -flip y}
        default {perturb $device $move -step $step}
    }
}

proc ::halo::flow::explore_defaults {} {
    dict create -mode random -variants 10 -seed 1 -step 100 -flips 1 -retries 20 -callback {} -judge {} \
        -episode 8 -alpha auto -beta auto -penalty 1.0 -lr 3e-4 -gamma 0.95 -hidden 64 -epochs 4 -agent {} \
        -batch 64 -guide {} -guide_candidates 16 -guide_pick best -from last
}

proc ::halo::flow::explore {args} {
    set o [parse_options explore [explore_defaults] $args]
    check_explore_options $o
    set saved $::halo::output
    set ::halo::output ""
    try {
        if {[llength [placed_devices]] == 0} {raise XPL 3}
        set base [validate 1]
        if {![dict get $base ok]} {raise XPL 4 [dict get $base cause] [dict get $base detail]}
        set baseline [variant_dict 0 {} $base [dict get $o -seed]]
        set verdict [judge $o 0 $baseline]
        if {![dict get $verdict ok]} {raise XPL 4 [dict get $verdict cause] [dict get $verdict detail]}
        dict set baseline signoff [dict get $verdict signoff]
        if {[dict get $o -callback] ne ""} {uplevel #0 [list {*}[dict get $o -callback] 0 $baseline]}
        if {[dict get $o -mode] eq "random"} {
            set r [explore_random $o [dict get $baseline pscore]]
        } else {
            set r [explore_rl $o $baseline]
        }
    } finally {
        set ::halo::output $saved
    }
    dict set r baseline $baseline
    dict set r best [best_of [list $baseline {*}[dict get $r records]]]
    return $r
}

proc ::halo::flow::check_explore_options {o} {
    if {[dict get $o -mode] ni {random rl}} {raise XPL 2 explore -mode [dict get $o -mode] "random or rl"}
    need_int explore -variants [dict get $o -variants] 0
    need_int explore -seed [dict get $o -seed] 0
    need_int explore -step [dict get $o -step] 5
    need_int explore -retries [dict get $o -retries] 1
    need_int explore -episode [dict get $o -episode] 1
    need_int explore -hidden [dict get $o -hidden] 1
    need_int explore -epochs [dict get $o -epochs] 1
    need_int explore -batch [dict get $o -batch] 1
    need_int explore -guide_candidates [dict get $o -guide_candidates] 1
    if {[dict get $o -guide_pick] ni {best veto}} {
        raise XPL 2 explore -guide_pick [dict get $o -guide_pick] "best or veto"
    }
    if {[dict get $o -from] ni {last best}} {raise XPL 2 explore -from [dict get $o -from] "last or best"}
    if {[dict get $o -from] eq "best" && [dict get $o -mode] ne "random"} {
        raise XPL 2 explore -from best "-from best with -mode random only"
    }
    if {[dict get $o -guide] ne "" && [dict get $o -mode] ne "random"} {
        raise XPL 2 explore -guide [dict get $o -guide] "no -guide with -mode rl"
    }
    if {[dict get $o -guide] ne ""} {predictor_info [dict get $o -guide]}
    foreach k {-penalty -lr -gamma} {need_number explore $k [dict get $o $k]}
    foreach k {-alpha -beta} {
        if {[dict get $o $k] ne "auto"} {need_number explore $k [dict get $o $k]}
    }
    if {![string is boolean -strict [dict get $o -flips]]} {raise XPL 2 explore -flips [dict get $o -flips] "0 or 1"}
}

# The -judge's verdict on a variant halo verified, while the layout is
# that variant's: {ok 1 signoff S} (S: what the judge found, {} when it
# did not look) or {ok 0 cause C detail D signoff S}.  No judge: ok.
proc ::halo::flow::judge {o j rec} {
    if {[dict get $o -judge] eq ""} {return {ok 1 signoff {}}}
    uplevel #0 [list {*}[dict get $o -judge] $j $rec]
}

proc ::halo::flow::placed_devices {} {
    if {[catch {report_placement} p]} {return {}}
    dict keys [dict get $p device]
}

proc ::halo::flow::move_kinds {o} {
    expr {[dict get $o -flips] ? $::halo::flow::moves : [lrange $::halo::flow::moves 0 3]}
}

# The record with the lowest pscore (ties: smaller area, earlier).
proc ::halo::flow::best_of {records} {
    set best {}
    foreach r $records {
        if {$best eq "" || [dict get $r pscore] < [dict get $best pscore] ||
            ([dict get $r pscore] == [dict get $best pscore] && [dict get $r area] < [dict get $best area])} {
            set best $r
        }
    }
    dict create variant [dict get $best variant] pscore [dict get $best pscore] area [dict get $best area]
}

# Apply one move and validate the result.  A move that leaves the halo
# changes nothing; one that fails validation is rolled back to the
# placement before it.  Either way the cause is counted in the caller's
# failures.  Returns validate's dict (times gain perturb) or {ok 0 cause
# halo}.
proc ::halo::flow::try_move {device move step failuresVar} {
    upvar 1 $failuresVar failures
    snapshot save explore_prev
    set t0 [clock microseconds]
    if {![apply_move $device $move $step]} {
        dict incr failures halo
        return {ok 0 cause halo}
    }
    set perturb_us [expr {[clock microseconds] - $t0}]
    set v [validate 0]
    if {![dict get $v ok]} {
        dict incr failures [dict get $v cause]
        snapshot restore explore_prev
        return $v
    }
    dict set v times perturb $perturb_us
    return $v
}

# The next move of random exploration: uniform over devices and kinds;
# with -guide MODEL, the best of -guide_candidates uniform draws by the
# predictor's estimate of the metric (its regression output: finer than
# the probability of good, which saturates within one arrangement), or
# with -guide_pick veto a uniform pick among the better half of them;
# predict -moves scores them on copies of the placement, without
# simulating, and skips those that would leave their halo.  A guided move
# already made from the same placement is not chosen again while another
# candidate remains (triedVar: placement -> moves made from it): it would
# only simulate the same variant again, which a climb from an incumbent
# would otherwise do over and over.
proc ::halo::flow::pick_move {o devices kinds rngVar triedVar} {
    upvar 1 $rngVar rng $triedVar tried
    set draw {
        list [lindex $devices [rng_below rng [llength $devices]]] [lindex $kinds [rng_below rng [llength $kinds]]]
    }
    if {[dict get $o -guide] eq ""} {return [eval $draw]}
    set cands {}
    for {set k 0} {$k < [dict get $o -guide_candidates]} {incr k} {lappend cands [eval $draw]}
    set step [dict get $o -step]
    set scores [predict -model [dict get $o -guide] -moves [lmap c $cands {list {*}$c $step}]]
    # the legal candidates not yet made from here, best predicted first
    set here [placement_state]
    set done [expr {[dict exists $tried $here] ? [dict get $tried $here] : {}}]
    set legal {}
    set fresh {}
    for {set k 0} {$k < [llength $cands]} {incr k} {
        lassign [lindex $scores $k] p metric
        if {$p < 0} continue
        lappend legal [list $k $metric]
        if {[lindex $cands $k] ni $done} {lappend fresh [list $k $metric]}
    }
    if {[llength $fresh]} {set legal $fresh}
    if {![llength $legal]} {return [lindex $cands 0]}
    set legal [lsort -real -index 1 $legal]
    if {[dict get $o -guide_pick] eq "best"} {
        set pick [lindex $cands [lindex $legal 0 0]]
    } else {
        # veto: a uniform pick among the better half, so the guide only
        # rules out the moves it predicts worst and the search still explores
        set half [expr {([llength $legal] + 1) / 2}]
        set pick [lindex $cands [lindex $legal [rng_below rng $half] 0]]
    }
    dict lappend tried $here $pick
    return $pick
}

# Random exploration (OSIRIS): variant j starts from variant j-1; a move
# that leaves the halo or fails validation is rolled back and retried,
# up to -retries times per variant.  With -from best, variant j starts
# from the best variant so far (lowest pscore, the baseline first): a
# stochastic hill climb instead of a walk.
proc ::halo::flow::explore_random {o baseline_pscore} {
    set devices [placed_devices]
    set kinds [move_kinds $o]
    set records {}
    set failures [dict create]
    set tries 0
    set from_best [expr {[dict get $o -from] eq "best"}]
    set tried [dict create]
    set incumbent $baseline_pscore
    if {$from_best} {snapshot save explore_best}
    for {set j 1} {$j <= [dict get $o -variants]} {incr j} {
        if {$from_best} {snapshot restore explore_best}
        set seed [derive_seed [dict get $o -seed] variant $j]
        set rng $seed
        set done 0
        for {set attempt 0} {$attempt < [dict get $o -retries] && !$done} {incr attempt} {
            incr tries
            lassign [pick_move $o $devices $kinds rng tried] device move
            set v [try_move $device $move [dict get $o -step] failures]
            if {![dict get $v ok]} continue
            set rec [variant_dict $j [list device $device action $move attempt $attempt] $v $seed]
            set verdict [judge $o $j $rec]
            if {![dict get $verdict ok]} {
                dict incr failures [dict get $verdict cause]
                snapshot restore explore_prev
                continue
            }
            dict set rec signoff [dict get $verdict signoff]
            lappend records $rec
            if {[dict get $o -callback] ne ""} {uplevel #0 [list {*}[dict get $o -callback] $j $rec]}
            if {$from_best && [dict get $rec pscore] < $incumbent} {
                set incumbent [dict get $rec pscore]
                snapshot save explore_best
            }
            set done 1
        }
        if {!$done} {
            dict incr failures retry_cap
            break
        }
    }
    catch {snapshot delete explore_prev}
    catch {snapshot delete explore_best}
    dict create mode random variants [llength $records] tries $tries failures $failures records $records
}

# ------------------------------------------------------------------ RL

# Device kinds of the state vector.
variable ::halo::flow::kinds {nmos pmos cap res}

# The inner agent sees a layout through features that mean the same in
# every arrangement and every circuit, so one agent explores all the
# arrangements of a run and a saved one explores a circuit it never saw.
# An action is a candidate (device, move); its features:
#   kind one-hot (4) | position inside its halo box, x y in [0, 1] (2) |
#   orientation's mirror bits (2) | width, height over its halo box's (2) |
#   nearest other device, centre to centre, over sqrt(layout area) (1) |
#   devices it shares a D/G/S net with, over the others (1) | move one-hot (6)
# The context (the critic's input, and the actor's with each candidate):
#   episode progress (1) | kind mix (4) | area and pscore of the last
#   variant over the baseline's (2) | log2 of the device count / 5 (1)
variable ::halo::flow::rl_ctx_dim 8
variable ::halo::flow::rl_feat_dim 18

# The fraction of the other devices each device shares a D/G/S net with.
proc ::halo::flow::rl_net_context {devices} {
    set ::halo::output ""
    set design [dict get [report_design] devices]
    set nets [dict create]
    foreach d $devices {
        set own {}
        dict for {role net} [dict get $design $d pins] {if {$role ne "B"} {lappend own $net}}
        dict set nets $d [lsort -unique $own]
    }
    set share [dict create]
    foreach d $devices {
        set n 0
        foreach e $devices {
            if {$e eq $d} continue
            foreach net [dict get $nets $d] {if {$net in [dict get $nets $e]} {incr n; break}}
        }
        dict set share $d [expr {[llength $devices] > 1 ? double($n) / ([llength $devices] - 1) : 0.0}]
    }
    return $share
}

# Per device: its candidate features without the move part (12 values).
proc ::halo::flow::rl_device_features {types share} {
    set p [dict get [report_placement] device]
    set centres [dict create]
    set xs {}
    set ys {}
    dict for {name d} $p {
        dict set centres $name [list [expr {[dict get $d x] + [dict get $d w] / 2.0}] [expr {[dict get $d y] + [dict get $d h] / 2.0}]]
        lappend xs [dict get $d x] [expr {[dict get $d x] + [dict get $d w]}]
        lappend ys [dict get $d y] [expr {[dict get $d y] + [dict get $d h]}]
    }
    set span [expr {max(1e-9, sqrt(([tcl::mathfunc::max {*}$xs] - [tcl::mathfunc::min {*}$xs]) *
                                    ([tcl::mathfunc::max {*}$ys] - [tcl::mathfunc::min {*}$ys])))}]
    set out [dict create]
    dict for {name d} $p {
        set f {}
        foreach k $::halo::flow::kinds {lappend f [expr {$k eq [dict get $types $name]}]}
        lassign [dict get $d halo] hx0 hy0 hx1 hy1
        set fx [expr {$hx1 - $hx0 - [dict get $d w]}]
        set fy [expr {$hy1 - $hy0 - [dict get $d h]}]
        lappend f [expr {$fx > 0 ? ([dict get $d x] - $hx0) / $fx : 0.5}]
        lappend f [expr {$fy > 0 ? ([dict get $d y] - $hy0) / $fy : 0.5}]
        set orient [dict get $d orient]
        lappend f [expr {$orient in {MY R180 MXR90 R270}}] [expr {$orient in {MX R180 MYR90 R270}}]
        lappend f [expr {[dict get $d w] / max(1e-9, $hx1 - $hx0)}] [expr {[dict get $d h] / max(1e-9, $hy1 - $hy0)}]
        lassign [dict get $centres $name] cx cy
        set near $span
        dict for {other c} $centres {
            if {$other eq $name} continue
            set near [expr {min($near, hypot([lindex $c 0] - $cx, [lindex $c 1] - $cy))}]
        }
        lappend f [expr {$near / $span}] [dict get $share $name]
        dict set out $name $f
    }
    return $out
}

# The candidates (device, move) of the current placement: {actions feats}.
proc ::halo::flow::rl_candidates {devices kinds types share} {
    set per [rl_device_features $types $share]
    set actions {}
    set feats {}
    foreach d $devices {
        foreach m $kinds {
            lappend actions [list $d $m]
            lappend feats [list {*}[dict get $per $d] {*}[lmap k $::halo::flow::moves {expr {$k eq $m}}]]
        }
    }
    list $actions $feats
}

proc ::halo::flow::rl_context {step episode types area_ratio pscore_ratio} {
    set c [list [expr {double($step) / $episode}]]
    set n [dict size $types]
    foreach k $::halo::flow::kinds {
        set m 0
        dict for {name t} $types {if {$t eq $k} {incr m}}
        lappend c [expr {double($m) / max(1, $n)}]
    }
    lappend c [expr {min(10.0, $area_ratio)}] [expr {min(10.0, $pscore_ratio)}] [expr {log(max(1, $n)) / log(2) / 5.0}]
}

proc ::halo::flow::device_types {} {
    set types [dict create]
    set ::halo::output ""
    dict for {name d} [dict get [report_design] devices] {dict set types $name [dict get $d type]}
    return $types
}

# RL exploration: OSIRIS's inner agent, a PPO over (device, move)
# candidates (rl_agent sppo).  Each episode starts at the baseline and runs
# up to -episode verified steps.  Step reward
# r = alpha (pscore_b - pscore_j) + beta (area_b - area_j), lower being
# better; a move that leaves the halo or fails validation ends the episode
# with reward -penalty and is not retried; an episode cut by the step
# budget is bootstrapped with the critic's value where it stopped.  alpha
# and beta default to 1/pscore_b and 1/area_b, so r is a sum of relative
# improvements.  -agent H explores with an sppo agent the caller owns (one
# agent for every arrangement of a run); it learns whenever -batch steps
# have gathered, and what is left at the end stays for the caller's next
# call (or its final update).  Without -agent a fresh agent is made and
# learns from everything before it is freed.
proc ::halo::flow::explore_rl {o baseline} {
    set devices [placed_devices]
    set kinds [move_kinds $o]
    set types [device_types]
    set share [rl_net_context $devices]
    set ::halo::output ""
    set pb [dict get $baseline pscore]
    set ab [dict get $baseline area]
    set alpha [expr {[dict get $o -alpha] eq "auto" ? 1.0 / max($pb, 1e-12) : [dict get $o -alpha]}]
    set beta [expr {[dict get $o -beta] eq "auto" ? 1.0 / max($ab, 1e-12) : [dict get $o -beta]}]
    set agent [dict get $o -agent]
    set own [expr {$agent eq ""}]
    if {$own} {
        set agent [rl_agent sppo -context_dim $::halo::flow::rl_ctx_dim -features $::halo::flow::rl_feat_dim \
                       -hidden [dict get $o -hidden] -lr [dict get $o -lr] -gamma [dict get $o -gamma] \
                       -epochs [dict get $o -epochs] -seed [derive_seed [dict get $o -seed] agent]]
    }
    set records {}
    set failures [dict create]
    set learning {}
    set tries 0
    set episodes 0
    set best_reward -1e300
    set max_tries [expr {[dict get $o -variants] * [dict get $o -retries]}]
    set episode [dict get $o -episode]
    snapshot save explore_base
    try {
        while {[llength $records] < [dict get $o -variants] && $tries < $max_tries} {
            if {$episodes > 0} {snapshot restore explore_base}
            incr episodes
            set ar 1.0
            set pr 1.0
            set ended 0
            set episode_reward 0.0
            for {set step 0} {$step < $episode} {incr step} {
                incr tries
                lassign [rl_candidates $devices $kinds $types $share] actions feats
                set c [rl_agent pick $agent [rl_context $step $episode $types $ar $pr] $feats]
                lassign [lindex $actions $c] device move
                set v [try_move $device $move [dict get $o -step] failures]
                if {![dict get $v ok]} {
                    rl_agent reward $agent [expr {-[dict get $o -penalty]}] 1
                    set episode_reward [expr {$episode_reward - [dict get $o -penalty]}]
                    set ended 1
                    break
                }
                set j [expr {[llength $records] + 1}]
                set seed [derive_seed [dict get $o -seed] variant $j]
                set rec [variant_dict $j [list device $device action $move episode $episodes step $step] $v $seed]
                set verdict [judge $o $j $rec]
                if {![dict get $verdict ok]} {
                    dict incr failures [dict get $verdict cause]
                    snapshot restore explore_prev
                    rl_agent reward $agent [expr {-[dict get $o -penalty]}] 1
                    set episode_reward [expr {$episode_reward - [dict get $o -penalty]}]
                    set ended 1
                    break
                }
                dict set rec signoff [dict get $verdict signoff]
                set reward [expr {$alpha * ($pb - [dict get $rec pscore]) + $beta * ($ab - [dict get $rec area])}]
                dict set rec reward $reward
                set best_reward [expr {max($best_reward, $reward)}]
                set episode_reward [expr {$episode_reward + $reward}]
                lappend records $rec
                if {[dict get $o -callback] ne ""} {uplevel #0 [list {*}[dict get $o -callback] $j $rec]}
                set ar [expr {[dict get $rec area] / max($ab, 1e-12)}]
                set pr [expr {[dict get $rec pscore] / max($pb, 1e-12)}]
                rl_agent reward $agent $reward 0
                if {$j == [dict get $o -variants]} break
            }
            if {!$ended} {
                # cut by the step or variant budget, not ended: bootstrap
                rl_agent truncate $agent [rl_context [expr {min($step + 1, $episode)}] $episode $types $ar $pr]
            }
            lappend learning [dict create episode $episodes reward $episode_reward]
            if {[rl_agent pending $agent] >= [dict get $o -batch]} {
                lappend learning [dict merge {update 1} [rl_agent update $agent]]
            }
        }
        if {$own && [rl_agent pending $agent] > 0} {lappend learning [dict merge {update 1} [rl_agent update $agent]]}
    } finally {
        if {$own} {rl_agent delete $agent}
        catch {snapshot delete explore_prev}
        catch {snapshot delete explore_base}
    }
    if {[llength $records] < [dict get $o -variants]} {dict incr failures retry_cap}
    dict create mode rl variants [llength $records] tries $tries failures $failures records $records \
        episodes $episodes alpha $alpha beta $beta best_reward $best_reward learning $learning
}
