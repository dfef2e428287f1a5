# layout_model_judge.tcl -- the shipped contact, via, N-well and route models on layouts
# of netlists given on the command line (e.g. OSIRIS's published templates,
# xschem netlists), judged by halo and by the independent tools.
#
#   halo flows/layout_model_judge.tcl ?-pdk_root DIR? NETLIST ...
#
# For each netlist: one finger arrangement placed and routed by halo; the
# contacts round one contact, or the met1-met2 vias round one via, deleted
# (the box grown until LVS fails), or every N-well, or the middle 0.6 um
# of the longest met2 wire (its ends given as -from/-to); completed with models/layout/<task>.safetensors
# (N-wells: nwell.safetensors, its well's sides placed by nwell_edge.safetensors); then
# halo's DRC and LVS, Magic's DRC on the GDS as written, Magic's extraction
# with Netgen, and the open_pdks KLayout deck.  A netlist with a pairs.json
# beside it gets its match groups; an OSIRIS .sp is read with -width
# per_finger.  Prints one line per netlist and task.
set root [file dirname [file dirname [file normalize [info script]]]]
set pdkroot [file normalize [file join $root .. shared pdk]]
set netlists {}
for {set i 0} {$i < [llength $argv]} {incr i} {
    if {[lindex $argv $i] eq "-pdk_root"} {set pdkroot [lindex $argv [incr i]]} else {lappend netlists [lindex $argv $i]}
}
pdk load sky130 -root $pdkroot
set tmp [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}]
set ::halo::output ""
set techfile [dict get [pdk info] magic_tech]
set deck [file join $pdkroot sky130A libs.tech klayout sky130.drc]
proc run {name spice opts task} {
    set name ${name}_$task
    global techfile
    clear_layout
    read_spice $spice {*}$opts
    catch {read_constraints [file join [file dirname $spice] pairs.json]}
    set_fingers [lindex [enumerate_fingers -sample 1 -seed 3 -values {1 2 4}] 0]
    file delete -force [file join $::tmp judge_$name.spice]
    generate_devices; place -seed 2; route
    set top [dict get [report_design] name]
    write_spice $::tmp/judge_$name.spice
    flatten_cell $top truth_$name
    flatten_cell $top w_$name
    set cell w_$name
    switch $task {
        nwell {
            cut_shapes $cell -layers nwell -box {-1000 -1000 1000 1000}
            set opts2 {}
        }
        contact - via {
            # the cuts round one cut of the layer, the box grown until LVS fails
            set layer [expr {$task eq "contact" ? "licon1" : "via"}]
            set cuts [get_shapes $cell -layer $layer]
            lassign [lindex $cuts [expr {[llength $cuts] / 2}] 2] x0 y0 x1 y1
            set h 0.3
            while {[check_lvs -cell $cell -netlist $::tmp/judge_$name.spice]} {
                cut_shapes $cell -layers $layer -box [list [expr {$x0-$h}] [expr {$y0-$h}] [expr {$x1+$h}] [expr {$y1+$h}]]
                set h [expr {2*$h}]
            }
            set opts2 [list -window [list [expr {$x0-$h/2-0.3}] [expr {$y0-$h/2-0.3}] [expr {$x1+$h/2+0.3}] [expr {$y1+$h/2+0.3}]]]
        }
        route {
            # the middle 0.6 um of the longest met2 wire, its ends the points to join
            set best {}
            foreach s [get_shapes $cell -layer met2] {
                lassign [lindex $s 2] x0 y0 x1 y1
                if {$best eq "" || max($x1 - $x0, $y1 - $y0) > [lindex $best 0]} {
                    set best [list [expr {max($x1 - $x0, $y1 - $y0)}] $x0 $y0 $x1 $y1]
                }
            }
            lassign $best - x0 y0 x1 y1
            set cx [expr {($x0 + $x1) / 2}]; set cy [expr {($y0 + $y1) / 2}]
            if {$x1 - $x0 > $y1 - $y0} {
                set b [list [expr {$cx - 0.3}] [expr {$y0 - 0.02}] [expr {$cx + 0.3}] [expr {$y1 + 0.02}]]
                set opts2 [list -from [expr {$cx - 0.3}],$cy -to [expr {$cx + 0.3}],$cy]
            } else {
                set b [list [expr {$x0 - 0.02}] [expr {$cy - 0.3}] [expr {$x1 + 0.02}] [expr {$cy + 0.3}]]
                set opts2 [list -from $cx,[expr {$cy - 0.3}] -to $cx,[expr {$cy + 0.3}]]
            }
            cut_shapes $cell -layers met2 -box $b -mode clip
            lappend opts2 -window [list [expr {$cx - 1}] [expr {$cy - 1}] [expr {$cx + 1}] [expr {$cy + 1}]]
        }
    }
    set before [list [check_drc -cell $cell] [check_lvs -cell $cell -netlist $::tmp/judge_$name.spice]]
    set models [file join $::root models layout]
    set model [list -model [file join $models $task.safetensors]]
    if {$task eq "nwell"} {
        # the nwell model's well, its sides placed at 40 nm by nwell_edge
        set model [list -model [file join $models nwell_edge.safetensors] -coarse [file join $models nwell.safetensors] -patch 128]
    }
    set r [complete_layout {*}$model -cell $cell -truth truth_$name {*}$opts2]
    set after [list [check_drc -cell $cell] [check_lvs -cell $cell -netlist $::tmp/judge_$name.spice]]
    set g $::tmp/judge_$name.gds
    write_gds $g -cells $cell
    set f [open $::tmp/judge_$name.spice]; set t [read $f]; close $f
    regsub -all "(?n)^\\.subckt $top " $t ".subckt $cell " t
    regsub -all "(?n)^\\.ends $top\\s*$" $t ".ends $cell" t
    set f [open $::tmp/judge_${name}_c.spice w]; puts -nonewline $f $t; close $f
    set md [dict get [::halo::engine::magic_drc $techfile $g [list $cell]] $cell count]
    set nl [dict get [::halo::engine::lvs_cells $techfile $g [dict create $cell $::tmp/judge_${name}_c.spice]] $cell match]
    set kl [dict get [::halo::engine::klayout_drc $::deck $g] count]
    puts [format "%-26s %-7s before: DRC %s LVS %s | after: halo DRC %s LVS %s | Magic DRC %s Netgen %s KLayout %s | IoU %.3f" \
        $name $task {*}$before {*}$after $md $nl $kl [dict get $r iou]]
}
foreach task {contact via nwell route} {
    foreach n $netlists {
        set opts [expr {[file extension $n] eq ".sp" ? {-width per_finger} : {}}]
        run [file rootname [file tail $n]] $n $opts $task
    }
}
