# osiris_inputs.tcl -- OSIRIS's own inputs, as it publishes them, through
# both of its stages.  A netlist folder in OSIRIS's format (its
# 1_input/netlist/<c>/): <c>.sp, the circuit template with nf=ZZZ and W per
# finger in metres; pairs.json, the matched pairs; <c>_pre.spice, the
# testbench template with its `XXX` placeholder, its placeholder .lib path
# and a `write ... v(NODE)` naming the output -- becomes a dataset of finger
# arrangements x explored layout variants, every variant rerouted and
# verified (DRC, LVS, parasitics, pre/post simulation) before it is kept.
#
#   halo flows/osiris_inputs.tcl NETLIST_DIR -out OUT ?-arrangements A? ?-variants V?
#        ?-seed S? ?-jobs J? ?-values LIST? ?-pdk_root DIR? ?-check 0|1? ?generate_dataset options?
#
# Defaults: 3 arrangements x 5 variants, finger counts from OSIRIS's
# {2 4 6}, the embedded sky130 models unless -pdk_root (or $PDK_ROOT) names
# an installed sky130A.  With ngspice on the PATH, -check 1 (the default)
# then runs each arrangement's pre-layout deck in a plain `ngspice -b` with
# the whole model library and prints the largest deviation of |v(out)|
# from the response halo stored in the dataset.

if {[llength $argv] < 1 || [string match -* [lindex $argv 0]]} {
    puts stderr "usage: halo [info script] NETLIST_DIR -out OUT ?-arrangements A? ?-variants V? ?-seed S? ?-jobs J? ?-values LIST? ?-pdk_root DIR? ?-check 0|1?"
    exit 2
}
set dir [file normalize [lindex $argv 0]]
set circuit [file tail $dir]
set opts [dict create -arrangements 3 -variants 5 -values {2 4 6} -pdk_root {} -check 1]
if {[info exists env(PDK_ROOT)] && [file isdirectory [file join $env(PDK_ROOT) sky130A]]} {
    dict set opts -pdk_root $env(PDK_ROOT)
}
foreach {key value} [lrange $argv 1 end] {dict set opts $key $value}
foreach file [list $circuit.sp pairs.json ${circuit}_pre.spice] {
    if {![file exists [file join $dir $file]]} {
        puts stderr "osiris_inputs: $dir has no $file (an OSIRIS netlist folder holds $circuit.sp, pairs.json, ${circuit}_pre.spice)"
        exit 2
    }
}

set root [dict get $opts -pdk_root]
if {$root ne ""} {pdk load sky130 -root $root} else {pdk load sky130}
read_spice [file join $dir $circuit.sp] -width per_finger
read_constraints [file join $dir pairs.json]
read_testbench [file join $dir ${circuit}_pre.spice]
set check [dict get $opts -check]
set gen [dict remove $opts -pdk_root -check]

set summary [generate_dataset {*}$gen]
puts [format "%d of %d variants verified and written to %s (%d arrangements, models: %s), %.1f s" \
          [dict get $summary records] [dict get $summary expected] [dict get $summary dir] \
          [dict get $summary arrangements] [expr {$root eq "" ? "embedded sky130" : "sky130 from $root"}] \
          [dict get $summary seconds]]
report_dataset [dict get $summary dir]

# ------------------------------------------------------------ the check

# |v(node)| of a write_testbench deck as a plain ngspice -b computes it.
proc ngspice_magnitudes {deck node} {
    set f [open $deck]
    set text [read $f]
    close $f
    set data $deck.wrdata
    set at [string last "\n.endc" $text]
    set f [open $deck.run.cir w]
    puts -nonewline $f "[string range $text 0 $at]wrdata $data v($node)\n[string range $text [expr {$at + 1}] end]"
    close $f
    catch {exec ngspice -b $deck.run.cir 2>@1}
    set f [open $data]
    set mags [lmap line [split [string trim [read $f]] \n] {lassign $line fr re im; expr {hypot($re, $im)}}]
    close $f
    return $mags
}

if {$check && [auto_execok ngspice] ne ""} {
    set out [dict get $summary dir]
    set worst 0.0
    set checked 0
    foreach afile [lsort [glob -nocomplain -directory [file join $out arrangements] {a[0-9][0-9][0-9][0-9].json}]] {
        set a [::halo::flow::json_decode [read [set f [open $afile]]][close $f]]
        set traj [file join $out variants [file rootname [file tail $afile]] v0000.traj.json]
        if {![file exists $traj]} continue
        set t [::halo::flow::json_decode [read [set f [open $traj]]][close $f]]
        set_fingers [dict get $a fingers]
        set deck [file join $out logs check-[file rootname [file tail $afile]].cir]
        write_testbench $deck -stage pre -models [expr {$root eq "" ? "reduced" : "full"}]
        set ref [ngspice_magnitudes $deck [dict get $t node]]
        foreach h [dict get $t pre mag_V] n $ref {
            set worst [expr {max($worst, abs($h - $n) / max(abs($n), 1e-30))}]
        }
        incr checked
    }
    puts [format "pre-layout |v(%s)| of %d arrangements against a plain ngspice -b of the same decks: largest deviation %.3g %%" \
              [dict get $t node] $checked [expr {100 * $worst}]]
}
