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

# The reference PDK beside the project (shared/pdk) when present.
set pdkroot [file normalize [file join $srcdir .. shared pdk]]
if {[info exists env(HALO_PDK_ROOT)]} {set pdkroot $env(HALO_PDK_ROOT)}
tcltest::testConstraint pdk [file exists [file join $pdkroot sky130A libs.tech ngspice sky130.lib.spice]]
tcltest::testConstraint ngspice [expr {[auto_execok ngspice] ne ""}]

proc example_names {} {
    lmap d [lsort [glob -nocomplain -type d -directory $::examples *]] {file tail $d}
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
    set file [write_file [file join $::tmpdir tclsh-[incr ::tclsh_runs].tcl] $script]
    set saved [array get ::env]
    set ::env(TCLLIBPATH) [list $libdir]
    set lib [file join $::builddir .libs libhalo[info sharedlibextension]]
    if {[file exists $lib] && ![catch {exec ldd $lib} deps] && [regexp {(\S*libasan\.so\S*) => (\S+)} $deps -> _ asan]} {
        set ::env(LD_PRELOAD) $asan
        set ::env(ASAN_OPTIONS) detect_leaks=0
    }
    try {
        return [exec {*}$tclsh $file]
    } finally {
        array unset ::env
        array set ::env $saved
    }
}
set tclsh_runs 0

# Magic (Debian's magic) and the reference PDK's Magic tech file.
set magictech [file join $pdkroot sky130A libs.tech magic sky130A.tech]
tcltest::testConstraint magic [expr {[auto_execok magic] ne "" && [file exists $magictech]}]

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
