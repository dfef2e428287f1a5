# all.tcl -- runs every halo test and ends with one line "N passed, N failed".
#
#   halo tests/all.tcl ?PATTERN?
#
# 1. the C unit tests and the fuzz-crasher replays built by `make check`:
#    one program tests/unit/test_X per source tests/unit/test_X.c and one
#    tests/unit/regress_X per fuzz/fuzz_X.c (a program not built fails), each
#    printing "unit NAME: N passed, N failed, N skipped" and "SKIP CASE: why"
#    per skipped case (exit 77: every case skipped);
# 2. every tcltest suite tests/*.test, each in its own halo process so a
#    crash or a sanitizer report fails that suite and nothing else; a skipped
#    test prints "++++ NAME SKIPPED: why" (tests/testutil.tcl).
# The skipped tests are listed with their reasons before the closing line;
# a skip without a reason counts as a failure.
# HALO_SRCDIR / HALO_BUILDDIR locate the trees (default: beside this file);
# HALO_PDK_ROOT the reference PDK of the cross-checks (default: shared/pdk
# beside the source tree, when it exists).

set here [file dirname [file normalize [info script]]]
set srcdir [expr {[info exists env(HALO_SRCDIR)] ? $env(HALO_SRCDIR) : [file dirname $here]}]
set builddir [expr {[info exists env(HALO_BUILDDIR)] ? $env(HALO_BUILDDIR) : $srcdir}]
set env(HALO_SRCDIR) $srcdir
set env(HALO_BUILDDIR) $builddir
if {![info exists env(HALO_PDK_ROOT)] && [file isdirectory [file join $srcdir .. shared pdk sky130A]]} {
    set env(HALO_PDK_ROOT) [file normalize [file join $srcdir .. shared pdk]]
}
set pattern [expr {$argc > 0 ? [lindex $argv 0] : "*"}]

set passed 0
set failed 0
set skipped 0
set failures {}
set skips {}

# A skipped test: NAME (file: test) and why.  A skip must say why.
proc skip {name why} {
    global skips failed failures
    lappend skips "$name: $why"
    if {$why eq "" || [string match "*no reason given*" $why] || [string match "constraint * is not defined" $why]} {
        incr failed
        lappend failures "$name: skipped without a reason ([expr {$why eq "" ? "none" : $why}])"
    }
}

proc run_program {name cmd} {
    global passed failed skipped failures
    set rc [catch {exec -ignorestderr {*}$cmd 2>@1} out opts]
    set status [expr {$rc ? [lindex [dict get $opts -errorcode] end] : 0}]
    set counted 0
    foreach line [split $out \n] {
        if {[regexp {^FAIL (.*)} $line -> what]} {lappend failures "$name: $what"}
        if {[regexp {^SKIP ([^:]*): (.*)} $line -> what why]} {skip "$name $what" $why}
        if {[regexp {^unit [^:]*: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?} $line -> p f s]} {
            incr passed $p
            incr failed $f
            if {$s ne ""} {incr skipped $s}
            set counted 1
        }
    }
    # 77: every case skipped (each said why on its SKIP line)
    if {!$counted || ($rc && $status != 77 && ![regexp {[1-9]\d* failed} $out])} {
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
# The programs the sources promise: each test_X.c is a test program, each
# fuzz harness fuzz_X.c a replay program regress_X.
proc unit_program {exe args} {
    global builddir failed failures pattern
    if {![string match $pattern $exe]} return
    set path [file join $builddir tests unit $exe]
    if {![file isfile $path] || ![file executable $path]} {
        incr failed
        lappend failures "$exe: not built (make build-tests; a new test program goes into UNIT_TESTS in Makefile.am)"
        return
    }
    run_program $exe [list $path {*}$args]
}
foreach src [lsort [glob -nocomplain -directory [file join $srcdir tests unit] test_*.c]] {
    unit_program [file rootname [file tail $src]]
}
foreach src [lsort [glob -nocomplain -directory [file join $srcdir fuzz] fuzz_*.c]] {
    set target [file rootname [file tail $src]]
    unit_program regress_[string range $target 5 end] \
        [file join $srcdir fuzz crashers $target] [file join $srcdir fuzz corpus $target]
}
puts "   unit totals so far: $passed passed, $failed failed, $skipped skipped"

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
        if {[regexp {^\+\+\+\+ (\S+) SKIPPED: ?(.*)} $line -> name why]} {
            puts "     skipped $name: $why"
            skip "[file tail $file] $name" $why
        }
    }
    if {!$counted} {
        incr failed
        lappend failures "[file tail $file]: did not complete"
    }
    if {!$counted || [regexp {FAILED} $out]} {puts $out}
}

if {[llength $skips]} {
    puts "== skipped ([llength $skips]; README.md, Testing, says how to run them)"
    foreach s $skips {puts "   $s"}
}
if {[llength $failures]} {
    puts "== failures"
    foreach f $failures {puts "   $f"}
}
puts "$passed passed, $failed failed, $skipped skipped"
exit [expr {$failed > 0}]
