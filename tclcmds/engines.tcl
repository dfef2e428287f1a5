# engines.tcl -- the external signoff engines behind check_drc -engine magic
# and check_lvs -engine netgen: Magic's DRC and extraction, Netgen's LVS,
# and the checks a trustworthy cross-check adds to Netgen.
#
# Compiled into halo (tclcmds/engines_embedded.c) with the Magic scripts of
# tools/magic/ and pdk/sky130/netgen_setup.tcl, which the C side stores in
# ::halo::engine::text(NAME) before sourcing this file.  The procs take
# files and return dicts; the commands in cmd_verify.c write the GDS and
# schematic and report.  Tests call them directly to batch many cells
# into one Magic run.
#
# Netgen alone accepts three wrong layouts (../shared/pdk/README.md): gate
# and drain labels swapped, a pin floating behind a missing contact, two
# unconnected pieces with one label.  netgen_lvs therefore also fails on a
# **Mismatch** in Netgen's pin table, on a layout port that connects no
# device terminal while the schematic's port does, and extract's caller on
# Magic's warning that a label is attached to more than one unconnected
# node.

namespace eval ::halo::engine {
    variable text
    variable runs 0
}

# A fresh scratch directory under TMPDIR (or /tmp).
proc ::halo::engine::tempdir {} {
    variable runs
    set base [expr {[info exists ::env(TMPDIR)] ? $::env(TMPDIR) : "/tmp"}]
    set dir [file join $base halo-engine-[pid]-[incr runs]-[clock microseconds]]
    file mkdir $dir
    return $dir
}

proc ::halo::engine::write {path data} {
    set f [open $path w]
    puts -nonewline $f $data
    close $f
}

proc ::halo::engine::slurp {path} {
    set f [open $path r]
    set data [read $f]
    close $f
    return $data
}

# The external programs run under timeout(1): a hung Magic, Netgen or
# KLayout is stopped after ::halo::engine_timeout seconds (default 1800).
proc ::halo::engine::limit {} {
    expr {[info exists ::halo::engine_timeout] ? $::halo::engine_timeout : 1800}
}

proc ::halo::engine::bounded {} {
    if {[auto_execok timeout] eq ""} {return {}}
    list timeout --kill-after=10 [limit]
}

# Raise ENG-5 when the options of a failed exec say timeout(1) stopped it.
proc ::halo::engine::check_timeout {tool opts} {
    set code [dict get $opts -errorcode]
    if {[lindex $code 0] eq "CHILDSTATUS" && [lindex $code 2] in {124 137}} {
        error "$tool did not finish within [limit] s and was stopped (set ::halo::engine_timeout S to allow more)" \
            {} {HALO ENG TIMEOUT 5}
    }
}

# Run one of the embedded Magic scripts in batch; returns Magic's log.
proc ::halo::engine::run_magic {techfile script dir settings} {
    variable text
    if {[auto_execok magic] eq ""} {
        error "Magic is not installed (Debian package magic)" {} {HALO ENG NOTOOL 1}
    }
    set path [file join $dir $script]
    write $path $text($script)
    set saved {}
    foreach {k v} [concat [list TECH $techfile] $settings] {
        if {[info exists ::env(HALO_MAGIC_$k)]} {lappend saved $k $::env(HALO_MAGIC_$k)}
        set ::env(HALO_MAGIC_$k) $v
    }
    try {
        set log [exec -ignorestderr {*}[bounded] magic -dnull -noconsole -rcfile /dev/null $path 2>@1]
    } on error {msg opts} {
        check_timeout Magic $opts
        error "Magic failed on $script: [string range $msg 0 400]" {} {HALO ENG MAGIC 2}
    } finally {
        foreach {k v} [concat [list TECH $techfile] $settings] {unset -nocomplain ::env(HALO_MAGIC_$k)}
        foreach {k v} $saved {set ::env(HALO_MAGIC_$k) $v}
    }
    return $log
}

# Magic's drc(full) of cells of a GDS file (every cell when cells is
# empty): dict CELL -> {count N why {TEXT ...}}.
proc ::halo::engine::magic_drc {techfile gds {cells {}}} {
    set dir [tempdir]
    set out [file join $dir drc.txt]
    set settings [list GDS $gds OUT $out]
    if {[llength $cells]} {lappend settings CELLS $cells}
    run_magic $techfile drc_cells.tcl $dir $settings
    set result [dict create]
    set cell ""
    foreach line [split [slurp $out] \n] {
        if {[regexp {^(\S+) (\d+)$} $line -> cell n]} {
            dict set result $cell [dict create count $n why {}]
        } elseif {$cell ne "" && [regexp {^    (.*) :: } $line -> text]} {
            dict with result $cell {lappend why $text}
        }
    }
    file delete -force $dir
    return $result
}

# Magic's flat LVS extraction of cells into dir: dict CELL -> {spice PATH
# warnings {TEXT ...}}.
proc ::halo::engine::magic_extract {techfile gds cells dir} {
    set log [run_magic $techfile extract_lvs.tcl $dir [list GDS $gds DIR $dir CELLS $cells]]
    set result [dict create]
    set cell ""
    foreach line [split $log \n] {
        if {[regexp {^HALO_CELL (\S+)} $line -> cell]} {
            dict set result $cell [dict create spice [file join $dir $cell.spice] warnings {}]
        } elseif {$cell ne "" && [regexp {^Feedback #\d+: (.*)$} $line -> text]} {
            dict with result $cell {lappend warnings $text}
        }
    }
    return $result
}

# Ports of a subcircuit in a SPICE file and how many device terminals each
# connects: dict PORT -> N.  Continuation lines are joined.
proc ::halo::engine::port_use {spice cell} {
    set text [string map [list "\n+" " "] [slurp $spice]]
    set ports {}
    set inside 0
    set use [dict create]
    foreach line [split $text \n] {
        set words [regexp -all -inline {\S+} $line]
        set key [string tolower [lindex $words 0]]
        if {$key eq ".subckt" && [string equal -nocase [lindex $words 1] $cell]} {
            set inside 1
            foreach p [lrange $words 2 end] {
                if {[string first = $p] < 0} {dict set use $p 0}
            }
        } elseif {$key eq ".ends"} {
            set inside 0
        } elseif {$inside && [regexp {^[xXmMcCrR]} $key]} {
            foreach w [lrange $words 1 end] {
                if {[string first = $w] >= 0} break
                if {[dict exists $use $w]} {dict incr use $w}
            }
        }
    }
    return $use
}

# Netgen LVS of a layout netlist against a schematic, with the checks
# Netgen lacks.  Returns a dict: match (0/1, everything agrees), netgen
# (0/1, Netgen's own verdict), problems {TEXT ...}, report (Netgen's
# output file).  The layout netlist gets nf=1 on every MOS finger so that
# Netgen's parallel merge counts fingers (see netgen_setup.tcl).
proc ::halo::engine::netgen_lvs {layout schematic cell dir} {
    variable text
    if {[auto_execok netgen-lvs] eq ""} {
        error "Netgen is not installed (Debian package netgen-lvs)" {} {HALO ENG NOTOOL 1}
    }
    set setup [file join $dir netgen_setup.tcl]
    if {![file exists $setup]} {write $setup $text(netgen_setup.tcl)}
    set lay [file join $dir $cell.layout.spice]
    set netlist [regsub -all -line {^(X\S*\s.*sky130_fd_pr__[np]fet\S*\s.*)$} [slurp $layout] {\1 nf=1}]
    # a cell without pins comes out of ext2spice as a top-level circuit,
    # which Netgen cannot name: make it the subcircuit it is
    if {![regexp -line -nocase "^\\.subckt\\s+[string map {. \\.} $cell]\\s*" $netlist]} {
        set netlist [regsub -line {^\* Top level circuit (\S+)\s*$} $netlist {.subckt \1}]
        set netlist [regsub -line {^\.end\s*$} $netlist {.ends}]
    }
    write $lay $netlist
    set out [file join $dir $cell.netgen.txt]
    if {[catch {exec {*}[bounded] netgen-lvs -batch lvs [list $lay $cell] [list $schematic $cell] $setup $out} log opts]} {
        check_timeout Netgen $opts
    }
    set report [expr {[file exists $out] ? [slurp $out] : $log}]
    set netgen [expr {[regexp {Result: Circuits match uniquely} $log]
                      && ![regexp {Property errors were found} $log]}]
    set problems {}
    if {!$netgen} {lappend problems "Netgen: netlists do not match"}
    foreach line [split $report \n] {
        if {[regexp {^(\S+)\s+\|(\S+) \*\*Mismatch\*\*} $line -> a b]} {
            lappend problems "pin $a of the layout is pin $b of the schematic"
        }
    }
    set lay_use [port_use $lay $cell]
    dict for {port n} [port_use $schematic $cell] {
        if {![dict exists $lay_use $port]} {
            lappend problems "pin $port is missing from the layout"
        } elseif {$n > 0 && [dict get $lay_use $port] == 0} {
            lappend problems "pin $port connects no device in the layout"
        }
    }
    return [dict create match [expr {[llength $problems] == 0}] netgen $netgen \
                problems $problems report $report]
}

# Magic extraction + Netgen for cells of a GDS file, each against its
# schematic (dict CELL -> SPICE file whose subcircuit CELL is the
# reference).  Returns dict CELL -> the netgen_lvs dict, with Magic's label
# warnings added to its problems.
proc ::halo::engine::lvs_cells {techfile gds schematics {dir ""}} {
    set own [expr {$dir eq ""}]
    if {$own} {set dir [tempdir]}
    set extracted [magic_extract $techfile $gds [dict keys $schematics] $dir]
    set result [dict create]
    dict for {cell schematic} $schematics {
        if {![dict exists $extracted $cell] || ![file exists [dict get $extracted $cell spice]]} {
            dict set result $cell [dict create match 0 netgen 0 problems [list "Magic wrote no netlist"] report ""]
            continue
        }
        set r [netgen_lvs [dict get $extracted $cell spice] $schematic $cell $dir]
        foreach w [dict get $extracted $cell warnings] {
            if {[string match "*attached to more than one unconnected node*" $w]} {
                dict lappend r problems "Magic: $w"
                dict set r match 0
            }
        }
        dict set result $cell $r
    }
    if {$own} {file delete -force $dir}
    return $result
}

# ------------------------------------------------------------------ KLayout

# The open_pdks sky130 KLayout deck (FEOL on) on a GDS file: dict
#   count   markers that count (not waived)
#   items   one dict per marker: rule, cell (where the deck found it),
#           where (the marker as the deck wrote it, in that cell's
#           coordinates), waived ("" or why the marker is the deck's, not
#           a rule's)
# The deck checks the file's one top cell.  It is GPLv3 and runs as a
# separate program.  Four of its codings report what the rule text does
# not forbid, and halo waives exactly those markers, saying why:
#   m3.3ab, m4.5ab  the deck splits metal into "huge" (wider than 3 um)
#                   and the rest and measures between the parts, so where
#                   a wire joins a wide plate of the same shape it reports
#                   a pair of coincident edges (distance 0).  The rule is a
#                   spacing between shapes; a joint has none.  A pair with
#                   any gap counts.
#   licon.7         coded for every licon without two opposite edges
#                   closer than 0.171 um, it flags the 0.19 x 2.0 um slot
#                   contacts of precision-resistor heads (licon.1b/1c),
#                   which are no tap contacts.
#   licon.1         it exempts the 0.19 x 2.0 um head slots of rpm
#                   resistors from the 0.17 um contact size but not those
#                   of urpm (res_xhigh_po) resistors; an edge of exactly
#                   0.19 or 2.0 um is such a slot.
#   licon.12        NC in the periphery rules (a guideline DRC does not
#                   check); the deck approximates it as any gate's S/D
#                   diffusion wider than 5.7 um.  halo's transistors carry
#                   licons along every S/D strip, which is what it asks.
proc ::halo::engine::klayout_drc {deck gds} {
    if {[auto_execok klayout] eq ""} {
        error "KLayout is not installed (Debian package klayout)" {} {HALO ENG NOTOOL 3}
    }
    set dir [tempdir]
    set report [file join $dir report.xml]
    try {
        exec -ignorestderr {*}[bounded] klayout -b -r $deck -rd input=$gds -rd report=$report 2>@1
    } on error {msg opts} {
        file delete -force $dir
        check_timeout KLayout $opts
        error "KLayout failed on its DRC deck: [string range $msg 0 400]" {} {HALO ENG KLAYOUT 4}
    }
    set xml [slurp $report]
    file delete -force $dir
    set items {}
    set count 0
    foreach {- rule cell value} [regexp -all -inline {<item>.*?<category>'?([^'<]*)'?</category>.*?<cell>([^<]*)</cell>.*?<values>(.*?)</values>} $xml] {
        set where [string trim [regsub -all {<[^>]*>} $value " "]]
        set why [klayout_waiver $rule $where]
        if {$why eq ""} {incr count}
        lappend items [dict create rule $rule cell $cell where $where waived $why]
    }
    dict create count $count items $items
}

# Why a marker of the deck is not a violation of the rule, or "".
proc ::halo::engine::klayout_waiver {rule where} {
    if {$rule in {m3.3ab m4.5ab} && [regexp {edge-pair: \(([^;]+);([^)]+)\)/\(([^;]+);([^)]+)\)} $where -> a b c d]} {
        if {[segment_gap $a $b $c $d] == 0} {
            return "a wire joined to a plate wider than 3 um in one shape: the deck's seam, no spacing"
        }
    }
    if {$rule eq "licon.7" && [regexp {polygon: \(([^)]*)\)} $where -> pts]} {
        set xs {}
        set ys {}
        foreach p [split $pts ";"] {
            lassign [split $p ,] x y
            lappend xs $x
            lappend ys $y
        }
        set w [expr {[tcl::mathfunc::max {*}$xs] - [tcl::mathfunc::min {*}$xs]}]
        set h [expr {[tcl::mathfunc::max {*}$ys] - [tcl::mathfunc::min {*}$ys]}]
        set small [expr {min($w, $h)}]
        set large [expr {max($w, $h)}]
        if {abs($small - 0.19) < 1e-6 && abs($large - 2.0) < 1e-6} {
            return "a precision-resistor head slot (licon.1b x licon.1c), not a tap contact"
        }
    }
    if {$rule eq "licon.1" && [regexp {^edge: \(([^;]+);([^)]+)\)$} $where -> a b]} {
        lassign [split $a ,] x0 y0
        lassign [split $b ,] x1 y1
        set len [expr {hypot($x1 - $x0, $y1 - $y0)}]
        if {abs($len - 0.19) < 1e-6 || abs($len - 2.0) < 1e-6} {
            return "a precision-resistor head slot (licon.1b x licon.1c): the deck exempts slots under rpm, not under urpm (res_xhigh_po)"
        }
    }
    if {$rule eq "licon.12"} {
        return "NC (a guideline DRC does not check); halo's S/D strips are contacted along their width"
    }
    return ""
}

# The distance between two segments given as "x,y" end points (0 when
# they touch or overlap).
proc ::halo::engine::segment_gap {a b c d} {
    lassign [split $a ,] x1 y1
    lassign [split $b ,] x2 y2
    lassign [split $c ,] x3 y3
    lassign [split $d ,] x4 y4
    set best Inf
    foreach {px py} [list $x1 $y1 $x2 $y2] {
        set best [expr {min($best, [point_segment $px $py $x3 $y3 $x4 $y4])}]
    }
    foreach {px py} [list $x3 $y3 $x4 $y4] {
        set best [expr {min($best, [point_segment $px $py $x1 $y1 $x2 $y2])}]
    }
    # collinear overlap or crossing leaves an end point on the other
    return [expr {$best < 1e-9 ? 0 : $best}]
}

proc ::halo::engine::point_segment {px py ax ay bx by} {
    set dx [expr {$bx - $ax}]
    set dy [expr {$by - $ay}]
    set len2 [expr {$dx * $dx + $dy * $dy}]
    set t [expr {$len2 > 0 ? max(0.0, min(1.0, (($px - $ax) * $dx + ($py - $ay) * $dy) / $len2)) : 0.0}]
    expr {hypot($px - ($ax + $t * $dx), $py - ($ay + $t * $dy))}
}
