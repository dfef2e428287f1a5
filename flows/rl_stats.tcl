# rl_stats.tcl -- what flows/rl_vs_random.tcl and flows/rl_transfer.tcl
# share: running one arm of a comparison and the paired statistics.

# Student t quantile 0.975 for df = 1..30 (larger: 1.96).
set ::rl_t975 {12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 2.201 2.179 2.160 2.145 2.131
               2.120 2.110 2.101 2.093 2.086 2.080 2.074 2.069 2.064 2.060 2.056 2.052 2.048 2.045 2.042}

proc rl_mean {v} {expr {[tcl::mathop::+ {*}$v] / double([llength $v])}}

# {mean lo hi}: the mean of the paired differences d and its 95 % CI.
proc rl_ci {d} {
    set n [llength $d]
    set m [rl_mean $d]
    if {$n < 2} {return [list $m $m $m]}
    set ss 0.0
    foreach x $d {set ss [expr {$ss + ($x - $m) ** 2}]}
    set t [expr {$n - 1 <= 30 ? [lindex $::rl_t975 [expr {$n - 2}]] : 1.96}]
    set half [expr {$t * sqrt($ss / ($n - 1)) / sqrt($n)}]
    list $m [expr {$m - $half}] [expr {$m + $half}]
}

# "+m [+lo, +hi]*" (* when the interval excludes 0).
proc rl_ci_text {d} {
    lassign [rl_ci $d] m lo hi
    format "%+.4g \[%+.4g, %+.4g\]%s" $m $lo $hi [expr {$lo > 0 || $hi < 0 ? "*" : " "}]
}

# One arm's run: generate_dataset into out with opts; the {pscore area}
# of every variant.
proc rl_run {out opts} {
    generate_dataset -out $out -quiet 1 {*}$opts
    lmap r [read_dataset $out] {list [dict get $r pscore] [dict get $r area]}
}

# Per arm {best_pscore min_area top_fraction}, the top decile (by pscore)
# taken over every variant of every arm in runs (arm -> variants).
proc rl_scores {runs} {
    set all [lsort -real [concat {*}[lmap {arm v} $runs {lmap x $v {lindex $x 0}}]]]
    set cut [lindex $all [expr {max(0, int(ceil(0.1 * [llength $all])) - 1)}]]
    set out [dict create]
    dict for {arm v} $runs {
        set p [tcl::mathfunc::min {*}[lmap x $v {lindex $x 0}]]
        set a [tcl::mathfunc::min {*}[lmap x $v {lindex $x 1}]]
        set top [expr {[llength [lsearch -all -exact [lmap x $v {expr {[lindex $x 0] <= $cut}}] 1]] / double([llength $v])}]
        dict set out $arm [list $p $a $top]
    }
    return $out
}

# Load an example for generate_dataset.
proc rl_load_example {root ex} {
    set dir [file join $root examples $ex]
    pdk load sky130
    read_spice [file join $dir $ex.spice]
    read_constraints [file join $dir pairs.json]
    read_testbench [file join $dir testbench.spice]
}

# The paired-difference table: for each (label a b), the differences a - b
# of each score over the seeds (table: arm -> list of score triples).
proc rl_print_diffs {name table pairs} {
    foreach {label a b} $pairs {
        set cells {}
        foreach k {0 1 2} {
            set d {}
            foreach x [dict get $table $a] y [dict get $table $b] {lappend d [expr {[lindex $x $k] - [lindex $y $k]}]}
            lappend cells [rl_ci_text $d]
        }
        puts [format "%-11s %-18s %-34s %-34s %-30s" $name $label {*}$cells]
    }
}

proc rl_diff_header {} {
    puts "best pscore and min area: lower is better; top 10%: higher is better.  * = the 95 % CI excludes 0."
    puts [format "%-11s %-18s %-34s %-34s %-30s" circuit comparison "best pscore" "min area (um^2)" "top-10% fraction"]
}
