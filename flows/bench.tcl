# bench.tcl -- figures for every stage of halo: the front end (reading
# netlists, finger arrangements), simulation, device generation,
# verification, placement (bench_place.tcl) and routing (bench_route.tcl).  Prints times and
# figures; asserts nothing.
#
#   halo flows/bench.tcl        (or: make bench)

set root [file dirname [file dirname [file normalize [info script]]]]
set ::halo::output ""

proc usec {script {n 1}} {
    set t [lindex [uplevel 1 [list time $script $n]] 0]
    return $t
}

puts [format "%-11s %9s %9s %12s %10s %12s %12s" example "read(us)" "json(us)" arrangements "count(us)" "list/s" "sample1k(us)"]
foreach ex {miller_ota ahuja_ota ff_ota ota_5t lpf} {
    set dir [file join $root examples $ex]
    set read [usec {read_spice [file join $dir $ex.spice]} 200]
    read_constraints [file join $dir pairs.json]
    set json [file join [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}] bench-$ex.json]
    write_netlist_json $json
    set rj [usec {read_netlist_json $json} 200]
    read_spice [file join $dir $ex.spice]
    read_constraints [file join $dir pairs.json]
    set count [enumerate_fingers -count]
    set tcount [usec {enumerate_fingers -count} 200]
    set values [expr {$count <= 600000 ? {} : {-values {1 2 3 4 5 6 8}}}]
    set n [llength [enumerate_fingers {*}$values]]
    set tlist [usec {enumerate_fingers {*}$values}]
    set rate [expr {$n / ($tlist / 1e6)}]
    set tsample [usec {enumerate_fingers -sample 1000 -seed 1} 5]
    puts [format "%-11s %9.1f %9.1f %12s %10.1f %12.0f %12.0f" $ex $read $rj $count $tcount $rate $tsample]
    file delete $json
}

# ---------------------------------------------------------------- simulation
# Per-simulation wall time seen from Tcl (deck building, worker round trip,
# ngspice load + op + 2 AC analyses, metrics), warm: workers started and, for
# a real PDK, its library loaded once.  "first" is the first simulation of
# the process: it starts a worker and, with a real PDK, reads the library.

proc ms {script {n 1}} {
    expr {[lindex [uplevel 1 [list time $script $n]] 0] / 1000.0}
}

# Median of n runs of script, in ms.
proc median_ms {script n} {
    set t {}
    for {set i 0} {$i < $n} {incr i} {lappend t [uplevel 1 [list ms $script]]}
    lindex [lsort -real $t] [expr {$n / 2}]
}

proc sim_bench {label} {
    global root
    puts [format "\n%s" $label]
    puts [format "%-11s %10s %10s %10s %12s %10s" example "first(ms)" "sim(ms)" "worker(ms)" "pre+post(ms)" "converged"]
    foreach ex {miller_ota ahuja_ota ff_ota ota_5t lpf} {
        set dir [file join $root examples $ex]
        read_spice [file join $dir $ex.spice]
        read_constraints [file join $dir pairs.json]
        set_fingers [lindex [enumerate_fingers -sample 1 -seed 1] 0]
        read_testbench [file join $dir testbench.spice]
        set first [ms {set r [simulate -nocache]}]
        set sim [median_ms {set r [simulate -nocache]} 9]
        set worker [expr {[dict get $r seconds] * 1000}]
        # pre+post pair, as report_qos runs them (concurrently on the pool);
        # the post-layout netlist here is the schematic itself (a seeded
        # finger arrangement)
        set post [file join [expr {[info exists ::env(TMPDIR)] ? $::env(TMPDIR) : "/tmp"}] bench-$ex-post.sp]
        write_spice $post -fingers m
        read_post_netlist $post
        set pair [median_ms {report_qos -nocache} 5]
        file delete $post
        puts [format "%-11s %10.1f %10.1f %10.1f %12.1f %10s" $ex $first $sim $worker $pair [dict get $r converged]]
    }
}

sim_bench "simulation, embedded sky130 models"
set pdkroot [expr {[info exists env(HALO_PDK_ROOT)] ? $env(HALO_PDK_ROOT) : [file join $root .. shared pdk]}]
if {[file exists [file join $pdkroot sky130A libs.tech ngspice sky130.lib.spice]]} {
    pdk load sky130 -root $pdkroot
    sim_bench "simulation, real sky130 models ($pdkroot), library reduced per design"
    read_spice [file join $root examples miller_ota miller_ota.spice]
    read_testbench [file join $root examples miller_ota testbench.spice]
    puts [format "miller_ota with the whole library spliced in (-models full): %.0f ms" \
        [ms {simulate -nocache -models full}]]
    pdk load sky130
} else {
    puts "\n(no real PDK at $pdkroot: real-model figures skipped; set HALO_PDK_ROOT)"
}

# ---------------------------------------------------------------- device generation
# generate_devices from an empty layout: every cell drawn (resolution of the
# devices, drawing, halos, the preview top cell), median of 200 runs, for one
# arrangement and as the mean over 20 sampled arrangements.
puts [format "\n%-11s %8s %8s %12s %12s" "devices" cells shapes "one(ms)" "20 arr.(ms)"]
foreach ex {miller_ota ahuja_ota ff_ota ota_5t lpf} {
    set dir [file join $root examples $ex]
    read_spice [file join $dir $ex.spice]
    read_constraints [file join $dir pairs.json]
    set arrangements [enumerate_fingers -sample 20 -seed 7]
    set_fingers [lindex $arrangements 0]
    set one [median_ms {clear_layout; generate_devices} 200]
    set shapes 0
    foreach c [report_layout] {incr shapes [dict get $c shapes]}
    set cells [llength [report_layout]]
    set total 0
    foreach a $arrangements {
        set_fingers $a
        set total [expr {$total + [median_ms {clear_layout; generate_devices} 21]}]
    }
    puts [format "%-11s %8d %8d %12.3f %12.3f" $ex $cells $shapes $one [expr {$total / [llength $arrangements]}]]
}

# ---------------------------------------------------------------- verification
# The verification corpus (tests/corpus.tcl: every generator cell, the
# examples' device rows, the broken copies) checked by halo -- DRC,
# extraction + LVS, parasitic extraction -- and, when Magic, Netgen and the
# reference PDK are there, by Magic's drc(full), Magic's extraction and
# Netgen, all in one run.  Magic reads the whole corpus once per step (its
# start-up and tech loading are paid once, in its favour); Netgen runs once
# per layout, as a flow would.
source [file join $root tests corpus.tcl]
clear_layout
set entries [corpus_build]
set scratch [file join [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}] halo-bench-[pid]]
file mkdir $scratch [file join $scratch sch] [file join $scratch magic]
set schematics [dict create]
set lvs_cells [dict create]   ;# the cells LVS judges (corpus_family entries: DRC only)
foreach e $entries {
    if {![dict exists $e lvs] || [dict get $e lvs]} {dict set lvs_cells [dict get $e cell] 1}
    set path [file join $scratch sch [dict get $e cell].spice]
    set f [open $path w]
    puts -nonewline $f [dict get $e schematic]
    close $f
    dict set schematics [dict get $e cell] $path
}
set cells [dict keys $schematics]
set lvs_schematics [dict filter $schematics script {cell path} {dict exists $lvs_cells $cell}]
set t_drc 0; set t_lvs 0; set t_pex 0; set shapes 0
foreach cell $cells {
    set t_drc [expr {$t_drc + [ms {check_drc -cell $cell}]}]
    if {[dict exists $lvs_cells $cell]} {
        set t_lvs [expr {$t_lvs + [ms {check_lvs -cell $cell -netlist [dict get $schematics $cell]}]}]
    }
    set t_pex [expr {$t_pex + [ms {extract_parasitics -cell $cell}]}]
    foreach s [get_shapes $cell] {incr shapes}
}
set t_halo [expr {$t_drc + $t_lvs + $t_pex}]
puts [format "\nverification of %d layouts (%d shapes)" [llength $cells] $shapes]
puts [format "  halo   DRC %8.1f ms   extract+LVS %8.1f ms   PEX %8.1f ms   total %8.1f ms  (%.3f ms per layout)" \
          $t_drc $t_lvs $t_pex $t_halo [expr {$t_halo / [llength $cells]}]]

set pdkroot [file normalize [file join $root .. shared pdk]]
if {[info exists env(HALO_PDK_ROOT)]} {set pdkroot $env(HALO_PDK_ROOT)}
set magictech [file join $pdkroot sky130A libs.tech magic sky130A.tech]
if {[auto_execok magic] ne "" && [auto_execok netgen-lvs] ne "" && [file exists $magictech]} {
    set gds [file join $scratch corpus.gds]
    write_gds $gds -cells $cells
    set t_mdrc [ms {::halo::engine::magic_drc $magictech $gds $cells}]
    set t_mlvs [ms {::halo::engine::lvs_cells $magictech $gds $lvs_schematics [file join $scratch magic]}]
    set t_magic [expr {$t_mdrc + $t_mlvs}]
    puts [format "  Magic, one process for all layouts:  DRC %8.1f ms   extract+Netgen %8.1f ms   total %8.1f ms  (%.1f ms per layout)" \
              $t_mdrc $t_mlvs $t_magic [expr {$t_magic / [llength $cells]}]]
    puts [format "    halo is %.0fx faster" [expr {$t_magic / $t_halo}]]
    # As a flow runs them on each new layout (OSIRIS per variant): Magic
    # started for the DRC and for the extraction, then Netgen -- on every
    # 8th layout of the corpus, against halo on the same layouts.
    set sample {}
    for {set i 0} {$i < [llength $cells]} {incr i 8} {lappend sample [lindex $cells $i]}
    set t_flow 0
    set t_hs 0
    foreach cell $sample {
        set one [file join $scratch one.gds]
        write_gds $one -cells [list $cell]
        set t_flow [expr {$t_flow + [ms {::halo::engine::magic_drc $magictech $one [list $cell]}]}]
        set t_hs [expr {$t_hs + [ms {check_drc -cell $cell}] + [ms {extract_parasitics -cell $cell}]}]
        if {[dict exists $lvs_cells $cell]} {
            set t_flow [expr {$t_flow + [ms {::halo::engine::lvs_cells $magictech $one [dict create $cell [dict get $schematics $cell]] [file join $scratch magic]}]}]
            set t_hs [expr {$t_hs + [ms {check_lvs -cell $cell -netlist [dict get $schematics $cell]}]}]
        }
    }
    puts [format "  Magic per layout, as a flow runs it (%d layouts): %8.1f ms per layout; halo %.3f ms per layout: %.0fx faster" \
              [llength $sample] [expr {$t_flow / [llength $sample]}] [expr {$t_hs / [llength $sample]}] [expr {$t_flow / $t_hs}]]
} else {
    puts "  (Magic, Netgen or the reference PDK at $pdkroot missing: no comparison)"
}
file delete -force $scratch

# Scaling: one transistor cell placed n times in a grid (2 um apart), as a
# flat layout; time per shape should stay flat as n grows.
puts [format "\n%-8s %8s %10s %12s %10s %12s" copies shapes "DRC(ms)" "extract(ms)" "PEX(ms)" "us/shape"]
set unit [generate_device nfet_01v8 -w 2 -l 0.15 -nf 4]
lassign [dict get [lindex [lsearch -inline -index 1 [lmap c [report_layout] {list $c [dict get $c cell]}] $unit] 0] bbox] ux0 uy0 ux1 uy1
foreach n {1 10 100 400} {
    set grid grid$n
    new_cell $grid
    set cols [expr {int(ceil(sqrt($n)))}]
    for {set i 0} {$i < $n} {incr i} {
        add_instance $grid $unit X$i [expr {($i % $cols) * ($ux1 - $ux0 + 2)}] [expr {($i / $cols) * ($uy1 - $uy0 + 2)}]
    }
    flatten_cell $grid ${grid}_flat
    set shapes [llength [get_shapes ${grid}_flat]]
    set td [ms {check_drc -cell ${grid}_flat}]
    set tl [ms {extract -cell ${grid}_flat}]
    set tp [ms {extract_parasitics -cell ${grid}_flat}]
    puts [format "%-8d %8d %10.2f %12.2f %10.2f %12.2f" $n $shapes $td $tl $tp [expr {1000.0 * ($td + $tl + $tp) / $shapes}]]
}
# A hostile layout (fuzz/crashers/fuzz_verify/timeout-staircase-drc.gds, 528
# bytes): an off-grid array of 2603 x 2 copies of a small square about
# 0.4 nm apart, whose union is a staircase of thousands of 1 nm slabs.  It
# took 2.3 s of DRC and 4.4 s of PEX before the region scans learned y
# order; what it costs now:
read_gds [file join $root fuzz crashers fuzz_verify timeout-staircase-drc.gds]
set t_sdrc [ms {check_drc -cell TOP}]
set t_sext [ms {extract -cell TOP}]
set t_spex [ms {extract_parasitics -cell TOP -mode rc}]
puts [format "\nhostile staircase (10,412 overlapping shapes): DRC %.1f ms   extract %.1f ms   PEX (rc) %.1f ms" \
          $t_sdrc $t_sext $t_spex]

source [file join $root flows bench_place.tcl]
source [file join $root flows bench_route.tcl]
source [file join $root flows bench_dataset.tcl]
