# all.tcl -- runs every halo test and ends with one line "N passed, N failed".
#
#   halo tests/all.tcl ?PATTERN?
#
# 1. the C unit tests (tests/unit/test_*) and the fuzz-crasher replays
#    (tests/unit/regress_*) built by `make check`, each a program printing
#    "unit NAME: N passed, N failed";
# 2. every tcltest suite tests/*.test, each in its own halo process so a
#    crash or a sanitizer report fails that suite and nothing else.
# HALO_SRCDIR / HALO_BUILDDIR locate the trees (default: beside this file).

set here [file dirname [file normalize [info script]]]
set srcdir [expr {[info exists env(HALO_SRCDIR)] ? $env(HALO_SRCDIR) : [file dirname $here]}]
set builddir [expr {[info exists env(HALO_BUILDDIR)] ? $env(HALO_BUILDDIR) : $srcdir}]
set env(HALO_SRCDIR) $srcdir
set env(HALO_BUILDDIR) $builddir
set pattern [expr {$argc > 0 ? [lindex $argv 0] : "*"}]

set passed 0
set failed 0
set skipped 0
set failures {}

proc run_program {name cmd} {
    global passed failed failures
    set rc [catch {exec -ignorestderr {*}$cmd 2>@1} out]
    set counted 0
    foreach line [split $out \n] {
        if {[regexp {^FAIL (.*)} $line -> what]} {lappend failures "$name: $what"}
        if {[regexp {^unit [^:]*: (\d+) passed, (\d+) failed} $line -> p f]} {
            incr passed $p
            incr failed $f
            set counted 1
        }
    }
    if {!$counted || ($rc && ![regexp {[1-9]\d* failed} $out])} {
        incr failed
        lappend failures "$name: did not complete"
        puts [string range $out end-3000 end]
    }
    if {$rc || [regexp {FAIL} $out]} {
        foreach line [split $out \n] {
            if {[string match "    *" $line] || [string match "FAIL*" $line]} {puts "  $name: $line"}
        }
    }
}

# ---------------------------------------------------------------- C units
puts "== C unit tests"
foreach exe [lsort [glob -nocomplain -directory [file join $builddir tests unit] test_*]] {
    if {[file extension $exe] ne "" || ![file executable $exe]} continue
    if {![string match $pattern [file tail $exe]]} continue
    run_program [file tail $exe] [list $exe]
}
foreach {exe target} {regress_spice fuzz_spice regress_netjson fuzz_netjson
                      regress_testbench fuzz_testbench regress_modellib fuzz_modellib
                      regress_gds fuzz_gds regress_verify fuzz_verify
                      regress_safetensors fuzz_safetensors regress_pairs fuzz_pairs
                      regress_techjson fuzz_techjson regress_postnet fuzz_postnet
                      regress_dataset fuzz_dataset} {
    set path [file join $builddir tests unit $exe]
    if {![string match $pattern $exe]} continue
    if {![file executable $path]} {
        incr failed
        lappend failures "$exe: not built (run make check)"
        continue
    }
    run_program $exe [list $path [file join $srcdir fuzz crashers $target] [file join $srcdir fuzz corpus $target]]
}
puts "   unit totals so far: $passed passed, $failed failed"

# ---------------------------------------------------------------- tcltest
puts "== tcltest suites"
set halo [info nameofexecutable]
foreach file [lsort [glob -nocomplain -directory $here *.test]] {
    if {![string match $pattern [file tail $file]]} continue
    set rc [catch {exec -ignorestderr $halo $file 2>@1} out]
    set counted 0
    foreach line [split $out \n] {
        if {[regexp {Total\s+(\d+)\s+Passed\s+(\d+)\s+Skipped\s+(\d+)\s+Failed\s+(\d+)} $line -> t p s f]} {
            incr passed $p
            incr skipped $s
            incr failed $f
            set counted 1
            puts "   [file tail $file]: $p passed, $f failed, $s skipped"
        }
        if {[regexp {^==== (\S+) FAILED$} $line -> name]} {lappend failures "[file tail $file]: $name"}
        if {[regexp {^\+\+\+\+ (\S+) SKIPPED: (.*)} $line -> name why]} {puts "     skipped $name: $why"}
    }
    if {!$counted} {
        incr failed
        lappend failures "[file tail $file]: did not complete"
    }
    if {!$counted || [regexp {FAILED} $out]} {puts $out}
}

if {[llength $failures]} {
    puts "== failures"
    foreach f $failures {puts "   $f"}
}
puts "$passed passed, $failed failed, $skipped skipped"
exit [expr {$failed > 0}]
