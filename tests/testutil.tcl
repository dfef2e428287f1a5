# testutil.tcl -- what the tcltest suites share: the tcltest setup, paths to
# the source tree and its examples, and constraints naming optional tools.
package require tcltest 2.5
namespace import ::tcltest::*
tcltest::configure -verbose {body error skip}

set srcdir $env(HALO_SRCDIR)
set builddir $env(HALO_BUILDDIR)
set examples [file join $srcdir examples]
set tmpdir [file join [tcltest::temporaryDirectory] halo-tests-[pid]]
file mkdir $tmpdir
# cleanupTests removes it, whatever the suite does itself.
proc tcltest::cleanupTestsHook {} {file delete -force $::tmpdir}

# ---------------------------------------------------------------- constraints
# A test that needs a tool or data halo does without names a constraint
# declared here with what it needs and why that is missing, and a skipped
# test says so: "++++ verify-11 SKIPPED: needs Magic with the sky130 tech:
# magic not on PATH (Debian package magic)".  tests/all.tcl lists the skips with their
# reasons, and counts a skip without a reason as a failure.

# constraint NAME NEEDS WHY: NAME holds when WHY is "", else a test it
# keeps from running prints "needs NEEDS: WHY".
proc constraint {name needs why} {
    set ::constraint_why($name) [expr {$why eq "" ? "" : "needs $needs: $why"}]
    tcltest::testConstraint $name [expr {$why eq ""}]
}

# Why a test whose constraints are CONSTRAINTS was skipped: the reasons of
# its false constraints.  tcltest passes the first false constraint of a
# list, or the whole expression.  (array names: info exists would define
# the constraint through tcltest's read trace.)
proc skip_reason {constraints} {
    set whys {}
    foreach c [regexp -all -inline {[A-Za-z_][\w.]*} $constraints] {
        if {![llength [array names tcltest::testConstraints -exact $c]]} {
            lappend whys "constraint $c is not defined"
            continue
        }
        if {$tcltest::testConstraints($c)} continue
        if {[info exists ::constraint_why($c)] && $::constraint_why($c) ne ""} {
            lappend whys $::constraint_why($c)
        } else {
            lappend whys "constraint $c is false (no reason given: declare it with constraint in tests/testutil.tcl)"
        }
    }
    if {![llength $whys]} {return $constraints}
    join [lsort -unique $whys] "; "
}

# tcltest (2.5.1 on) reports every skip through _noticeSkipped: from
# Skipped with the constraints, or with the reason given to tcltest::Skip.
if {[info commands tcltest::_noticeSkipped] ne ""} {
    rename tcltest::_noticeSkipped tcltest::_noticeSkippedBare
    proc tcltest::_noticeSkipped {name reason} {
        if {[string match *Skipped [lindex [info level -1] 0]]} {set reason [::skip_reason $reason]}
        tailcall tcltest::_noticeSkippedBare $name $reason
    }
}

# A program on PATH: "" or why not.
proc on_path {program package} {
    expr {[auto_execok $program] ne "" ? "" : "$program not on PATH (Debian package $package)"}
}

# The reference PDK: HALO_PDK_ROOT (tests/all.tcl sets it to the shared/pdk
# beside the project when that exists), else that shared/pdk.
set pdkroot [file normalize [file join $srcdir .. shared pdk]]
if {[info exists env(HALO_PDK_ROOT)]} {set pdkroot $env(HALO_PDK_ROOT)}
proc pdk_file {what path} {
    set f [file join $::pdkroot {*}$path]
    expr {[file exists $f] ? "" : "no $f ($what; set HALO_PDK_ROOT to a PDK_ROOT tree holding sky130A)"}
}
constraint pdk "the sky130 PDK" [pdk_file "the foundry's SPICE models" {sky130A libs.tech ngspice sky130.lib.spice}]
constraint ngspice "ngspice" [on_path ngspice ngspice]

# Magic (Debian's magic) and the reference PDK's Magic tech file.
set magictech [file join $pdkroot sky130A libs.tech magic sky130A.tech]
set why [on_path magic magic]
if {$why eq ""} {set why [pdk_file "Magic's sky130 tech" {sky130A libs.tech magic sky130A.tech}]}
constraint magic "Magic with the sky130 tech" $why
# Netgen compares against Magic's extraction.
if {$why eq ""} {set why [on_path netgen-lvs netgen-lvs]}
constraint netgen "Netgen with Magic's extraction" $why
unset why

# The example circuits: the folders of examples/ holding NAME/NAME.spice
# (examples/c holds the C example of the flow).
proc example_names {} {
    set names {}
    foreach d [lsort [glob -nocomplain -type d -directory $::examples *]] {
        if {[file exists [file join $d [file tail $d].spice]]} {lappend names [file tail $d]}
    }
    return $names
}

proc write_file {path text} {
    set f [open $path w]
    puts -nonewline $f $text
    close $f
    return $path
}

proc read_file {path} {
    set f [open $path]
    set text [read $f]
    close $f
    return $text
}

# The error message and -errorcode of a script, for bad-input tests.
proc error_of {script} {
    if {[catch {uplevel 1 $script} msg opts]} {
        return [list $msg [dict get $opts -errorcode]]
    }
    return [list "no error" {}]
}

# Load an example: netlist and pairs.
proc load_example {name} {
    read_spice [file join $::examples $name $name.spice]
    read_constraints [file join $::examples $name pairs.json]
}

# Run a script in a plain tclsh with TCLLIBPATH set to libdir.  Under a
# sanitizer build the package carries ASan, which must come first in an
# uninstrumented process: preload the runtime the library links.
proc run_tclsh {libdir script} {
    set tclsh [auto_execok tclsh8.6]
    if {$tclsh eq ""} {set tclsh [auto_execok tclsh]}
    run_host $tclsh {} $libdir $script
}

# Run a script in another Tcl-driven program (host: its command line up to
# the script file, after: what follows the file) the same way.
proc run_host {host after libdir script} {
    set file [write_file [file join $::tmpdir tclsh-[incr ::tclsh_runs].tcl] $script]
    set saved [array get ::env]
    set ::env(TCLLIBPATH) [list $libdir]
    set lib [file join $::builddir .libs libhalo[info sharedlibextension]]
    if {[file exists $lib] && ![catch {exec ldd $lib} deps] && [regexp {(\S*libasan\.so\S*) => (\S+)} $deps -> _ asan]} {
        set ::env(LD_PRELOAD) $asan
        set ::env(ASAN_OPTIONS) detect_leaks=0
    }
    try {
        return [exec {*}$host $file {*}$after 2>@1]
    } finally {
        array unset ::env
        array set ::env $saved
    }
}
set tclsh_runs 0

# Run one of tools/magic/*.tcl in batch with HALO_MAGIC_* set from opts
# (a dict: GDS OUT DIR CELLS); returns Magic's log.
proc run_magic {script opts} {
    set ::env(HALO_MAGIC_TECH) $::magictech
    dict for {k v} $opts {set ::env(HALO_MAGIC_$k) $v}
    try {
        return [exec -ignorestderr magic -dnull -noconsole -rcfile /dev/null \
                    [file join $::srcdir tools magic $script] 2>@1]
    } finally {
        foreach k [array names ::env HALO_MAGIC_*] {unset ::env($k)}
    }
}


# The AC response of a deck written by write_testbench as a plain
# `ngspice -b` computes it: {FREQS MAGS} of v(NODE) over the deck's sweep
# (ngspice's wrdata of the last analysis, added before .endc).
proc ngspice_response {deck node} {
    set text [read_file $deck]
    set data [file join $::tmpdir wrdata-[incr ::ngspice_response_runs].txt]
    set at [string last "\n.endc" $text]
    set run [write_file $deck.wrdata.cir \
                 "[string range $text 0 $at]wrdata $data v($node)\n[string range $text [expr {$at + 1}] end]"]
    catch {exec ngspice -b $run 2>@1}
    set freqs {}
    set mags {}
    foreach line [split [string trim [read_file $data]] \n] {
        lassign $line f re im
        lappend freqs $f
        lappend mags [expr {hypot($re, $im)}]
    }
    list $freqs $mags
}
set ngspice_response_runs 0

# The largest relative difference of two equally long lists of numbers.
proc worst_relative {got want} {
    set worst 0.0
    foreach a $got b $want {
        set worst [expr {max($worst, abs($a - $b) / max(abs($b), 1e-30))}]
    }
    return $worst
}
