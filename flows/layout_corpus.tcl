# layout_corpus.tcl -- verified layouts for the layout foundation model:
# for each circuit, N finger arrangements x placement seeds, each generated,
# placed and routed by halo, kept only when halo's DRC finds nothing and its
# LVS matches, and written as DIR/<circuit>/<circuit>_aA_sS.gds.
#
#   halo flows/layout_corpus.tcl DIR ?-circuits LIST? ?-arrangements N? ?-seeds N?
#
# The circuits are the examples' (examples/<name>/<name>.spice with its
# pairs.json, and examples/sizing/fcoa).  Prints one line per circuit:
# layouts kept, rejected, seconds.

set root [file dirname [file dirname [file normalize [info script]]]]
if {[llength $argv] < 1} {
    puts stderr "usage: halo flows/layout_corpus.tcl DIR ?-circuits LIST? ?-arrangements N? ?-seeds N?"
    exit 2
}
set out [lindex $argv 0]
set opts [dict create -circuits {ota_5t miller_ota ahuja_ota ff_ota lpf fcoa} -arrangements 4 -seeds 3]
foreach {k v} [lrange $argv 1 end] {
    if {![dict exists $opts $k]} {puts stderr "layout_corpus: unknown option $k"; exit 2}
    dict set opts $k $v
}

# The netlist and constraints of a circuit by name.
proc circuit_files {root name} {
    if {$name eq "fcoa"} {
        return [list [file join $root examples sizing fcoa.spice] [file join $root examples sizing fcoa_pairs.json]]
    }
    return [list [file join $root examples $name $name.spice] [file join $root examples $name pairs.json]]
}

pdk load sky130
set ::halo::output ""
foreach name [dict get $opts -circuits] {
    lassign [circuit_files $root $name] spice pairs
    set dir [file join $out $name]
    file mkdir $dir
    set t0 [clock milliseconds]
    read_spice $spice
    read_constraints $pairs
    set kept 0
    set rejected 0
    set a 0
    foreach arrangement [enumerate_fingers -sample [dict get $opts -arrangements] -seed 7 -values {1 2 4 6 8}] {
        incr a
        for {set s 1} {$s <= [dict get $opts -seeds]} {incr s} {
            set_fingers $arrangement
            if {[catch {generate_devices; place -seed $s; route} msg]} {incr rejected; continue}
            if {[check_drc] != 0 || ![check_lvs]} {incr rejected; continue}
            set base [file join $dir [format "%s_a%d_s%d" $name $a $s]]
            write_gds $base.gds
            write_spice $base.spice
            incr kept
        }
    }
    puts [format "%-12s %3d layouts kept, %d rejected, %.1f s" $name $kept $rejected \
              [expr {([clock milliseconds] - $t0) / 1000.0}]]
}
