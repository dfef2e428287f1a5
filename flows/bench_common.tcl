# bench_common.tcl -- not a flow: what the predictor benches share,
# sourced by predict_bench.tcl, predict_explore.tcl and predict_moves.tcl.
#   flow_options NAME DEFAULTS ARGV   the options dict, or exit 2 naming an
#       unknown option
#   load_example ROOT EX   the example's netlist, pairs and testbench
#   fresh_start SEED       a finger arrangement and annealed placement of
#       the loaded example drawn from SEED
#   mean LIST, t_interval LIST (mean and 95 % half-width, Student's t)
#   run_children SCRIPT OPTS EXAMPLES ARGS...   one child halo per example,
#       at most [dict get OPTS -jobs] at once, each with a one-thread
#       OpenBLAS (small GEMMs gain nothing from a second thread)

proc flow_options {name defaults argv} {
    set opts $defaults
    foreach {k v} $argv {
        if {![dict exists $opts $k]} {puts stderr "$name: unknown option $k"; exit 2}
        dict set opts $k $v
    }
    return $opts
}

proc fresh_start {seed} {
    set_fingers [lindex [enumerate_fingers -sample 1 -seed $seed] 0]
    generate_devices
    place -seed $seed
}

proc load_example {root ex} {
    pdk load sky130
    read_spice [file join $root examples $ex $ex.spice]
    read_constraints [file join $root examples $ex pairs.json]
    read_testbench [file join $root examples $ex testbench.spice]
}

proc mean {l} {expr {[tcl::mathop::+ 0.0 {*}$l] / max([llength $l], 1)}}

# Two-sided 97.5 % quantiles of Student's t, df 1..30 (past 30 the df-30
# value, slightly conservative).
variable ::t_quantiles {12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 2.201 2.179 2.160 2.145
    2.131 2.120 2.110 2.101 2.093 2.086 2.080 2.074 2.069 2.064 2.060 2.056 2.052 2.048 2.045 2.042}

# Mean and half-width of the 95 % t interval of a list.
proc t_interval {l} {
    set n [llength $l]
    set m [mean $l]
    if {$n < 2} {return [list $m 0]}
    set var [expr {[tcl::mathop::+ 0.0 {*}[lmap d $l {expr {($d - $m) ** 2}}]] / ($n - 1)}]
    list $m [expr {[lindex $::t_quantiles [expr {min($n - 1, 30) - 1}]] * sqrt($var / $n)}]
}

# Run SCRIPT once per example as a child halo with OPTS (minus -one) and
# -one EX plus ARGS; a failed child is reported, the others go on.
proc run_children {script opts examples args} {
    set halo [info nameofexecutable]
    set left $examples
    set running {}
    while {[llength $left] || [llength $running]} {
        while {[llength $running] < [dict get $opts -jobs] && [llength $left]} {
            set ex [lindex $left 0]
            set left [lrange $left 1 end]
            set ::env(OPENBLAS_NUM_THREADS) 1
            set cmd [list $halo $script {*}[dict remove $opts -one] -one $ex {*}$args]
            lappend running [list $ex [open |[concat $cmd 2>@1] r]]
        }
        # wait for the oldest child
        lassign [lindex $running 0] ex ch
        set text [read $ch]
        if {[catch {close $ch} msg]} {puts "[file tail $script]: $ex $args failed:\n$text$msg"}
        set running [lrange $running 1 end]
    }
}
