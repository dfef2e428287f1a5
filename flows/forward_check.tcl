# forward_check.tcl -- how well a sizer's forward model (the surrogate
# behind `size -screen` and `-refine`) predicts the sizings it never saw:
# each held-out row of its split.json predicted with sizer_predict and
# compared with the row's simulated metrics.
#
#   halo flows/forward_check.tcl -data ROWS.jsonl -model DIR
#
# ROWS.jsonl is the sizing_dataset the sizer was trained on (its split
# names the held-out rows).  Prints, per metric, the median and the 90th
# percentile of |predicted - simulated| / |simulated|, in %.

set opts [dict create -data {} -model {}]
foreach {k v} $argv {
    if {![dict exists $opts $k]} {puts stderr "forward_check: unknown option $k"; exit 2}
    dict set opts $k $v
}
dict with opts {}
if {${-data} eq "" || ${-model} eq ""} {puts stderr "forward_check: -data ROWS.jsonl and -model DIR are required"; exit 2}

proc slurp {path} {
    set f [open $path]
    set text [read $f]
    close $f
    return $text
}

set info [sizer_info ${-model}]
set metrics [dict get $info metrics]
set held [dict create]
foreach id [dict get [::halo::flow::json_decode [slurp [file join ${-model} split.json]]] test] {dict set held $id 1}
set n 0
foreach line [split [slurp ${-data}] \n] {
    if {$line eq ""} continue
    set row [::halo::flow::json_decode $line]
    if {![dict exists $held [dict get $row circuit_id]]} continue
    set simulated [::halo::flow::json_decode [dict get $row metrics]]
    set sizing [dict get [::halo::flow::json_decode [dict get $row sim_params]] sweep design sizing]
    set predicted [sizer_predict ${-model} $sizing]
    foreach k $metrics {
        set s [dict get $simulated $k]
        lappend err($k) [expr {100.0 * abs([dict get $predicted $k] - $s) / max(abs($s), 1e-30)}]
    }
    incr n
}
puts "[dict get $info design]: forward model of ${-model} ([dict get $info forward_nets] nets; outputs [dict get $info forward_outputs])"
puts "  $n held-out rows; |predicted - simulated| / |simulated|, %"
puts [format "  %-20s %8s %8s" metric median p90]
foreach k $metrics {
    set e [lsort -real $err($k)]
    puts [format "  %-20s %8.2f %8.2f" $k [lindex $e [expr {[llength $e] / 2}]] [lindex $e [expr {int(0.9 * ([llength $e] - 1))}]]]
}
