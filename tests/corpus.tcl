# corpus.tcl -- the verification corpus: layouts with a known verdict, for
# the cross-check of halo's DRC and LVS against Magic and Netgen
# (tests/verify_corpus.test) and for the verification benchmark
# (flows/bench.tcl).
#
# An entry is a dict:
#   cell       a flat cell of the current layout (what Magic reads too)
#   schematic  SPICE text whose .subckt named like the cell is the reference
#   break      "" for a correct layout, else what was broken: spacing width
#              area enclosure (DRC) or open short swap split nf (LVS)
#   rules      for DRC breaks, the rule ids of which halo must name one
#   names      for LVS breaks, the net, pin or device names of which halo's
#              report must mention one
#   lvs        0 for entries that judge DRC only (their schematic is empty)
#   magic_blind  rules of the break Magic's 2020 tech does not check: Magic
#              must find the layout clean (halo and KLayout's deck flag it)
#   klayout_blind  1 when the open_pdks KLayout deck cannot see the break
#              (it codes capm against met2; it types no diffusion by its
#              implant): the deck must find the layout clean
#
# Every generator cell of the sweep is an entry; a sample of transistor
# cells is broken in every way; the five examples' device rows and a
# current mirror wired with met1, vias and met2 (and its broken copies:
# an open, a short, the devices too close) and the examples placed and
# routed (and an open in each) are the multi-device layouts.  Sourced by tests and by flows/bench.tcl, so it
# needs nothing from testutil.tcl.

set corpus_examples [file join [file dirname [file dirname [file normalize [info script]]]] examples]

# The sweep: MOS W x L x nf for both types (finger width >= 0.42 um),
# MIM caps 2x2 .. 30x30 um, resistors 1 k .. 50 kOhm and every allowed width.
proc sweep_specs {} {
    set specs {}
    foreach type {nfet_01v8 pfet_01v8} {
        foreach w {0.42 1 2.1 5 20} {
            foreach l {0.15 0.5 2} {
                foreach nf {1 2 3 4 8 16} {
                    if {double($w) / $nf < 0.42 - 1e-9} continue
                    lappend specs [list $type -w $w -l $l -nf $nf]
                }
            }
        }
    }
    foreach w {2 5 10 20 30} {
        foreach l {2 5 10 20 30} {
            lappend specs [list cap_mim_m3_1 -w $w -l $l]
        }
    }
    foreach r {1000 2000 5000 10000 20000 50000} {
        lappend specs [list res_high_po -r $r]
    }
    foreach w {0.35 0.69 1.41 2.85 5.73} {
        lappend specs [list res_high_po -w $w -l 5]
    }
    lappend specs {res_xhigh_po -r 50000} {res_xhigh_po_1p41 -l 10}
    # multipliers and dummy gates
    lappend specs {nfet_01v8 -w 4 -l 0.15 -nf 2 -m 3 -dummies 1} {pfet_01v8 -w 8 -l 0.5 -nf 4 -dummies 1}
    return $specs
}

# Build every cell of the sweep; returns {CELL SPEC ...}.
proc build_sweep {} {
    set cells {}
    foreach spec [sweep_specs] {
        dict set cells [generate_device {*}$spec] $spec
    }
    return $cells
}


# The SPICE instance of a generator cell's device, from the cell's name
# (the generators name cells by model and size:
# nfet_01v8_w2p1_l0p15_nf4_m2_dum), with its terminals on nets
# prefix+terminal, the body on $body when given.  Returns {LINE PORTS}:
# PORTS are the terminals that are pins of the cell.
proc corpus_device {cell name prefix {nf_delta 0} {body ""}} {
    set num {([0-9]+(?:p[0-9]+)?)}
    if {[regexp "^(\[np\]fet_01v8)_w${num}_l${num}_nf(\\d+)(?:_m(\\d+))?" $cell -> model w l nf m]} {
        if {$m eq ""} {set m 1}
        set w [expr {[string map {p .} $w] * $m}]
        set l [string map {p .} $l]
        set nf [expr {$nf * $m + $nf_delta}]
        set b [expr {$body ne "" && $model eq "nfet_01v8" ? $body : "${prefix}B"}]
        return [list "X$name ${prefix}D ${prefix}G ${prefix}S $b sky130_fd_pr__$model W=$w L=$l nf=$nf m=1" \
                    [list ${prefix}D ${prefix}G ${prefix}S ${prefix}B]]
    }
    if {[regexp "^(cap_mim_m3_\\d)_w${num}_l${num}$" $cell -> model w l]} {
        return [list "X$name ${prefix}P ${prefix}N sky130_fd_pr__$model W=[string map {p .} $w] L=[string map {p .} $l] MF=1" \
                    [list ${prefix}P ${prefix}N]]
    }
    if {[regexp "^(res_x?high_po(?:_\\d+p\\d+)?)_w${num}_l${num}$" $cell -> model w l]} {
        # the body terminal is the substrate, which is no pin of the cell
        set b [expr {$body ne "" ? $body : "${prefix}B"}]
        return [list "X$name ${prefix}P ${prefix}N $b sky130_fd_pr__$model W=[string map {p .} $w] L=[string map {p .} $l]" \
                    [list ${prefix}P ${prefix}N]]
    }
    error "corpus_device: cannot tell the device of cell $cell"
}

# The reference of one generator cell checked on its own: a subcircuit
# named name whose pins are the cell's terminals.
proc corpus_schematic {cell name {nf_delta 0}} {
    lassign [corpus_device $cell M1 "" $nf_delta] line ports
    return ".subckt $name $ports\n$line\n.ends $name\n"
}

# A flat copy of cell named name, shapes and pins transformed by script
# (evaluated with vars layer box net for each shape, pin_name pin_layer
# pin_box for each pin; it may set keep 0 to drop the item).
proc corpus_copy {cell name {shape_script ""} {pin_script ""}} {
    new_cell $name
    foreach s [get_shapes $cell] {
        lassign $s - layer box net
        set keep 1
        if {$shape_script ne ""} {eval $shape_script}
        if {$keep} {
            if {$net eq ""} {add_shape $name $layer $box} else {add_shape $name $layer $box $net}
        }
    }
    foreach p [get_pins $cell] {
        lassign $p pin_name pin_layer pin_box
        set keep 1
        if {$pin_script ne ""} {eval $pin_script}
        if {$keep} {add_pin $name $pin_name $pin_layer $pin_box}
    }
    return $name
}

proc corpus_bbox {cell} {
    set x0 1e9; set y0 1e9; set x1 -1e9; set y1 -1e9
    foreach s [get_shapes $cell] {
        lassign [lindex $s 2] a b c d
        set x0 [expr {min($x0, $a)}]; set y0 [expr {min($y0, $b)}]
        set x1 [expr {max($x1, $c)}]; set y1 [expr {max($y1, $d)}]
    }
    return [list $x0 $y0 $x1 $y1]
}

# Shapes of cell on layer (and net when given): {INDEX {x0 y0 x1 y1}} ...
proc corpus_shapes {cell layer {net *}} {
    set out {}
    foreach s [get_shapes $cell -layer $layer] {
        lassign $s i - box n
        if {[string match $net $n]} {lappend out [list $i $box]}
    }
    return $out
}

proc corpus_round {v} {return [expr {round($v * 1000) / 1000.0}]}

# The broken copies of a transistor cell: a list of entries.
proc corpus_break_mos {cell} {
    set entries {}
    set bb [corpus_bbox $cell]
    set far_x [corpus_round [expr {[lindex $bb 2] + 1.0}]]
    set far_y [corpus_round [expr {[lindex $bb 1]}]]
    # the gate pad (met1 of G) and the metal column right of it
    lassign [lindex [corpus_shapes $cell met1 G] 0] gi gbox
    set gap 1e9
    foreach m [corpus_shapes $cell met1] {
        lassign [lindex $m 1] a b c d
        if {[lindex $m 0] == $gi || $b >= [lindex $gbox 3] || $d <= [lindex $gbox 1]} continue
        if {$a >= [lindex $gbox 2]} {set gap [expr {min($gap, $a - [lindex $gbox 2])}]}
    }
    # spacing: the gate pad stretched to 70 nm of its neighbour (it keeps
    # covering its contact, so only the spacing breaks)
    set dx [corpus_round [expr {$gap - 0.07}]]
    lappend entries [dict create cell [corpus_copy $cell ${cell}__spacing \
        "if {\$layer eq {met1} && \$net eq {G}} {lassign \$box a b c d; set box \[list \$a \$b \[expr {\$c+$dx}\] \$d\]}"] \
        break spacing rules {m1.2} names {}]
    # width: the first source column narrowed to 100 nm
    set col [lindex [corpus_shapes $cell met1 S] 0 1]
    lassign $col a b c d
    set mid [expr {($a + $c) / 2}]
    set narrow [list [corpus_round [expr {$mid - 0.05}]] $b [corpus_round [expr {$mid + 0.05}]] $d]
    lappend entries [dict create cell [corpus_copy $cell ${cell}__width \
        "if {\$layer eq {met1} && \$box eq {$col}} {set box {$narrow}}"] \
        break width rules {m1.1} names {}]
    # area: a lone 0.2 x 0.2 um met1 square beside the cell
    set c [corpus_copy $cell ${cell}__area]
    add_shape $c met1 [list $far_x $far_y [expr {$far_x + 0.2}] [expr {$far_y + 0.2}]]
    lappend entries [dict create cell $c break area rules {m1.6} names {}]
    # enclosure: a source mcon moved 50 nm right, out of its li1 and met1
    set mc [lindex [corpus_shapes $cell mcon S] 0 1]
    lassign $mc a b c d
    set moved [list [corpus_round [expr {$a + 0.05}]] $b [corpus_round [expr {$c + 0.05}]] $d]
    lappend entries [dict create cell [corpus_copy $cell ${cell}__enclosure \
        "if {\$layer eq {mcon} && \$box eq {$mc}} {set box {$moved}}"] \
        break enclosure rules {m1.4 m1.5 ct.4} names {}]
    # open: the gate contact removed, so the G pin floats
    lappend entries [dict create cell [corpus_copy $cell ${cell}__open \
        "if {\$layer eq {licon1} && \$net eq {G}} {set keep 0}"] \
        break open rules {} names {G}]
    # short: a met1 bridge from the first source column to the drain column
    set s0 [lindex [corpus_shapes $cell met1 S] 0 1]
    set dcol {}
    foreach m [corpus_shapes $cell met1 D] {
        lassign [lindex $m 1] a b c d
        if {$a > [lindex $s0 2] && ($dcol eq "" || $a < [lindex $dcol 0])} {set dcol [lindex $m 1]}
    }
    set ylo [expr {max([lindex $s0 1], [lindex $dcol 1])}]
    set yhi [expr {min([lindex $s0 3], [lindex $dcol 3])}]
    set ym [expr {($ylo + $yhi) / 2}]
    set c [corpus_copy $cell ${cell}__short]
    add_shape $c met1 [list [lindex $s0 2] [corpus_round [expr {$ym - 0.15}]] [lindex $dcol 0] [corpus_round [expr {$ym + 0.15}]]]
    lappend entries [dict create cell $c break short rules {} names {S D}]
    # swap: gate and drain labels exchanged
    lappend entries [dict create cell [corpus_copy $cell ${cell}__swap "" \
        {if {$pin_name eq "G"} {set pin_name D} elseif {$pin_name eq "D"} {set pin_name G}}] \
        break swap rules {} names {G D}]
    # split: a second, unconnected piece labelled D
    set c [corpus_copy $cell ${cell}__split]
    set piece [list $far_x $far_y [expr {$far_x + 0.5}] [expr {$far_y + 0.5}]]
    add_shape $c met1 $piece
    add_pin $c D met1 $piece
    lappend entries [dict create cell $c break split rules {} names {D}]
    # nf: the layout has one finger fewer than the schematic (same total W)
    lappend entries [dict create cell [corpus_copy $cell ${cell}__nf] break nf rules {} names {M1 XM1 nf} \
                         nf_delta 1]
    return $entries
}

# The cells of the sweep whose copies are broken: both types, small and
# large, one to sixteen fingers.
proc corpus_break_sample {cells} {
    set sample {}
    foreach pattern {
        nfet_01v8_w0p42_l0p15_nf1 nfet_01v8_w1_l0p15_nf2 nfet_01v8_w2p1_l0p5_nf4 nfet_01v8_w5_l0p15_nf8
        nfet_01v8_w20_l2_nf16 nfet_01v8_w5_l2_nf3 pfet_01v8_w0p42_l0p15_nf1 pfet_01v8_w1_l0p5_nf2
        pfet_01v8_w2p1_l0p15_nf4 pfet_01v8_w5_l0p5_nf8 pfet_01v8_w20_l0p15_nf16
    } {
        if {[lsearch -exact $cells $pattern] >= 0} {lappend sample $pattern}
    }
    return $sample
}

# Run body for each example and each of two finger arrangements (drawn
# with seed 7), the arrangement applied and its device cells generated;
# in body, example is the example's name and k counts 1, 2.
proc corpus_foreach_arrangement {body} {
    foreach dir [lsort [glob -type d -directory $::corpus_examples *]] {
        set example [file tail $dir]
        if {![file exists [file join $dir $example.spice]]} continue   ;# examples/c: C code
        read_spice [file join $dir $example.spice]
        read_constraints [file join $dir pairs.json]
        set k 0
        foreach arrangement [enumerate_fingers -sample 2 -seed 7] {
            set_fingers $arrangement
            generate_devices
            uplevel 1 [list set example $example]
            uplevel 1 [list set k [incr k]]
            uplevel 1 $body
        }
    }
}

# The multi-device layouts: each example's devices in a row (the top cell
# generate_devices makes) for two finger arrangements, flattened.  Nothing
# is wired yet, so every device terminal is a net of its own except the
# substrate, which the nfets' taps and the resistors' bodies share.  Each
# terminal pin is labelled DEVICE_TERMINAL at the top (not the nfets'
# bodies: one substrate cannot carry several names), so that the
# comparison pairs devices by name: unlabelled, the identical devices of a
# row are symmetric and Netgen pairs them arbitrarily.
proc corpus_rows {} {
    set entries {}
    corpus_foreach_arrangement {
        set name ${example}__row$k
        flatten_cell $example $name
        set lines {}
        set ports {}
        foreach inst [get_instances $example] {
            lassign $inst dev cell x y
            lassign [corpus_device $cell $dev ${dev}_ 0 sub] line terminals
            lappend lines $line
            foreach pin [get_pins $cell] {
                lassign $pin terminal layer box
                if {$terminal eq "B" && [string match nfet* $cell]} continue
                lassign $box a b c d
                add_pin $name ${dev}_$terminal $layer [list [expr {$a + $x}] [expr {$b + $y}] \
                                                           [expr {$c + $x}] [expr {$d + $y}]]
                lappend ports ${dev}_$terminal
            }
        }
        lappend entries [dict create cell $name break "" rules {} names {} \
                             schematic ".subckt $name $ports\n[join $lines \n]\n.ends $name\n"]
    }
    return $entries
}

# A via (cut) at x y with its met1 and met2 landings: met1 is the caller's.
proc corpus_via {cell x y} {
    add_shape $cell via [list [expr {$x - 0.075}] [expr {$y - 0.075}] [expr {$x + 0.075}] [expr {$y + 0.075}]]
}

# A wired current mirror: two nfets side by side (the second at dx um),
# met1 landings added on the gate pads and the first drain, vias, and met2
# straps for the gate net (both gates and the first drain) and the sources.
# break: "" for the correct one, "open" leaves out the first drain's via,
# "short" joins the two straps, "spacing" puts the second nfet dx um away.
proc corpus_mirror {name dx {break ""}} {
    set c [generate_device nfet_01v8 -w 2 -l 0.5 -nf 2]
    set top ${name}__wired
    new_cell $top
    add_instance $top $c M1 0 0
    add_instance $top $c M2 $dx 0
    set pins [dict create]
    foreach p [get_pins $c] {dict set pins [lindex $p 0] [lindex $p 2]}
    lassign [dict get $pins G] gx0 gy0 gx1 gy1
    lassign [dict get $pins D] dx0 dy0 dx1 dy1
    lassign [dict get $pins S] sx0 sy0 sx1 sy1
    set gvx [expr {($gx0 + $gx1) / 2}]
    set gvy [expr {$gy0 - 0.1 + ($gy1 - $gy0 + 0.1) / 2}]
    set dvx [expr {($dx0 + $dx1) / 2}]
    set dvy [expr {$dy0 + ($dy1 + 0.1 - $dy0) / 2}]
    set svx [expr {($sx0 + $sx1) / 2}]
    set svy [expr {($sy0 + $sy1) / 2}]
    foreach off [list 0 $dx] {
        # the gate pad grown down, so a via fits with its enclosure
        add_shape $top met1 [list [expr {$gx0 + $off}] [expr {$gy0 - 0.1}] [expr {$gx1 + $off}] $gy1]
        corpus_via $top [expr {$gvx + $off}] $gvy
        corpus_via $top [expr {$svx + $off}] $svy
    }
    # the first drain bar widened and grown up for its via
    add_shape $top met1 [list [expr {$dvx - 0.13}] $dy0 [expr {$dvx + 0.13}] [expr {$dy1 + 0.1}]]
    if {$break ne "open"} {corpus_via $top $dvx $dvy}
    set gstrap [list [expr {$gvx - 0.16}] [expr {$gvy - 0.13}] [expr {$gvx + $dx + 0.16}] [expr {$dvy + 0.13}]]
    set sstrap [list [expr {$svx - 0.16}] [expr {$svy - 0.13}] [expr {$svx + $dx + 0.16}] [expr {$svy + 0.13}]]
    add_shape $top met2 $gstrap
    add_shape $top met2 $sstrap
    if {$break eq "short"} {
        add_shape $top met2 [list [expr {$svx - 0.16}] [lindex $sstrap 1] [expr {$svx + 0.16}] [lindex $gstrap 3]]
    }
    add_pin $top G met2 $gstrap
    add_pin $top S met2 $sstrap
    add_pin $top D2 met1 [list [expr {$dx0 + $dx}] $dy0 [expr {$dx1 + $dx}] $dy1]
    add_pin $top B met1 [dict get $pins B]
    flatten_cell $top $name
    set line "sky130_fd_pr__nfet_01v8 W=2 L=0.5 nf=2 m=1"
    set rules [dict get {"" {} open {} short {} spacing {m1.2 difftap.3}} $break]
    set names [dict get {"" {} open {G M1 XM1} short {G S} spacing {}} $break]
    return [dict create cell $name break [expr {$break eq "" ? "" : $break}] rules $rules names $names \
                schematic ".subckt $name G S D2 B\nXM1 G G S B $line\nXM2 D2 G S B $line\n.ends $name\n"]
}

# The design written as SPICE, its subcircuit renamed to name.
proc corpus_design_spice {design name} {
    set f [file tempfile path halo-corpus.spice]
    close $f
    write_spice $path
    set f [open $path]
    set text [read $f]
    close $f
    file delete $path
    regsub -all "(\\.(?:subckt|ends)) $design\\M" $text "\\1 $name" text
    return $text
}

# Routed layouts: each example placed and routed for two finger
# arrangements, flattened, with the ports' pins the router writes; the
# design netlist is the reference.  The first of each also broken: one
# via of a signal net's pin access removed (an open, still DRC-clean), and
# a square touching a wire at its corner only (a width break).
proc corpus_routed {} {
    set entries {}
    corpus_foreach_arrangement {
        place -seed $k
        route
        set name ${example}__routed$k
        flatten_cell $example $name
        lappend entries [dict create cell $name break "" rules {} names {} \
                             schematic [corpus_design_spice $example $name]]
        if {$k > 1} continue
        set open ${example}__routed_open
        flatten_cell $example $open
        set signal {}
        dict for {net d} [dict get [report_route] net] {
            if {![dict get $d supply] && [dict get $d terminals] > 1 && $signal eq ""} {set signal $net}
        }
        foreach shape [get_shapes $open -layer via] {
            lassign $shape index layer box net
            if {$net eq $signal} {
                edit_shape $open $index delete
                break
            }
        }
        lappend entries [dict create cell $open break open rules {} names [list $signal] \
                             schematic [corpus_design_spice $example $open]]
        # a width break: a square on the topmost met2 shape's upper-right
        # corner, overlapping it by 30 nm only, leaves a diagonal neck
        set neck ${example}__routed_neck
        flatten_cell $example $neck
        set top {}
        foreach shape [get_shapes $neck -layer met2] {
            if {$top eq "" || [lindex $shape 2 3] > [lindex $top 2 3]} {set top $shape}
        }
        lassign [lindex $top 2] x0 y0 x1 y1
        add_shape $neck met2 [list [expr {$x1 - 0.03}] [expr {$y1 - 0.03}] [expr {$x1 + 0.3}] [expr {$y1 + 0.3}]]
        lappend entries [dict create cell $neck break width rules {m2.1} names {} \
                             schematic [corpus_design_spice $example $neck]]
    }
    return $entries
}


# ------------------------------------------------------------ rule families
# A broken case for every rule family halo draws that the generator cells
# and routed layouts above do not break (li, licon, poly, nwell, via,
# via2, met3, via3, met4, capm, implants, rpm), each beside its clean
# counterpart (the generator cells themselves, the routed layouts, and the
# MIM cap with a route landing on its plate below).  These entries judge
# DRC only (lvs 0): their breaks add or remove shapes of no device.
# magic_blind names rules Magic's 2020 tech does not check (capm.10; capm.2b,
# whose cifspacing never fires):
# there Magic must find the layout clean and KLayout's deck flags it.

# The first box of layer (and net) in cell.
proc corpus_box {cell layer {net *}} {
    lindex [corpus_shapes $cell $layer $net] 0 1
}

proc corpus_grow {box d} {
    lassign $box a b c e
    list [corpus_round [expr {$a - $d}]] [corpus_round [expr {$b - $d}]] [corpus_round [expr {$c + $d}]] [corpus_round [expr {$e + $d}]]
}

proc corpus_family {cell break rules {extra {}}} {
    dict create cell $cell break $break rules $rules names {} lvs 0 {*}$extra \
        schematic ".subckt $cell\n.ends $cell\n"
}

# A MIM cap cell placed in a parent, a route landing on its bottom plate's
# strip beside the capm from below (met3 down to a via2 and met2), and the
# pins: the clean hierarchy the router makes.  script adds the break to
# the parent (vars: top, capm, plate, top4 -- boxes in the parent).
proc corpus_mim {name {script ""}} {
    set c [generate_device cap_mim_m3_1 -w 5 -l 5]
    set top ${name}
    new_cell $top
    add_instance $top $c C1 0 0
    set capm [corpus_box $c capm]
    set plate [corpus_box $c met3]
    set top4 [corpus_box $c met4]
    # the landing: met3 from 0.6 below the plate up into its strip
    add_shape $top met3 {1.0 -2.0 1.6 0.9} N
    add_shape $top via2 {1.2 -1.6 1.4 -1.4} N
    add_shape $top met2 {1.115 -1.685 1.485 -1.315} N
    add_shape $top met2 {1.115 -2.6 1.485 -1.315} N
    add_pin $top N met2 {1.115 -2.6 1.485 -2.2}
    add_pin $top P met4 $top4
    if {$script ne ""} {eval $script}
    return $top
}

proc corpus_families {} {
    set entries {}
    # capm and the metals above: clean, and broken in the parent
    lappend entries [corpus_family [corpus_mim mim__landing] "" {}]
    lappend entries [corpus_family [corpus_mim mim__cut {
        lassign $capm a b c d
        add_shape $top met3 [list 2.0 [expr {$b - 0.6}] 2.6 [expr {$b + 0.8}]] N
    }] enclosure {capm.3 capm.2b} {klayout_blind 1}]
    lappend entries [corpus_family [corpus_mim mim__straddle {
        lassign $capm a b c d
        add_shape $top met1 [list [expr {$a - 1.0}] 3.0 [expr {$a + 1.0}] 3.5]
    }] enclosure {capm.10} {magic_blind {capm.10}}]
    lappend entries [corpus_family [corpus_mim mim__via2 {
        lassign $capm a b c d
        set x [expr {$c + 0.05}]
        add_shape $top via2 [list $x 3.0 [expr {$x + 0.2}] 3.2]
        add_shape $top met2 [list [expr {$x - 0.085}] 2.915 [expr {$x + 0.285}] 3.285]
    }] enclosure {capm.8 m3.4 via2.4}]
    lappend entries [corpus_family [corpus_mim mim__unrelated {
        lassign $plate a b c d
        add_shape $top met3 [list [expr {$c + 0.2}] 3.0 [expr {$c + 1.2}] 4.0]
    }] spacing {m3.2 capm.11}]
    lappend entries [corpus_family [corpus_mim mim__capm_space {
        set c [generate_device cap_mim_m3_1 -w 5 -l 5]
        lassign $capm a b cc d
        add_instance $top $c C2 [expr {$cc - $a + 0.5}] 0
    }] spacing {capm.2a}]
    # two bottom plates 0.8 um apart, and 1.3 um apart (clean)
    foreach {name gap break} {mim__plate_space 0.8 spacing mim__plate_space_ok 1.3 ""} {
        set rules [expr {$break eq "" ? {} : {capm.2b}}]
        set extra [expr {$break eq "" ? {} : {magic_blind {capm.2b} klayout_blind 1}}]
        lappend entries [corpus_family [corpus_mim $name [string map [list GAP $gap] {
            set c [generate_device cap_mim_m3_1 -w 5 -l 5]
            lassign $plate a b cc d
            add_instance $top $c C2 [expr {$cc - $a + GAP}] 0
        }]] $break $rules $extra]
    }
    # (a capm must be drawn with its plate: Magic reads capm over another
    # cell's met3 as no capacitor at all)
    set cap [generate_device cap_mim_m3_1 -w 5 -l 5]
    set c5 [corpus_copy $cap mim__capm_narrow]
    add_shape $c5 capm {3.0 0.2 3.8 1.0}
    lappend entries [corpus_family $c5 width {capm.1 capm.2a}]
    lappend entries [corpus_family [corpus_mim stack__via2_size {
        add_shape $top via2 {1.17 -1.63 1.43 -1.37} N
    }] width {via2.1a via2.2 via2.5}]
    lappend entries [corpus_family [corpus_mim stack__m3_width {
        add_shape $top met3 {1.6 -1.8 3.0 -1.6} N
    }] width {m3.1}]
    lappend entries [corpus_family [corpus_mim stack__m3_space {
        add_shape $top met3 {1.8 -2.0 2.8 -1.0}
    }] spacing {m3.2}]
    lappend entries [corpus_family [corpus_mim stack__m4_width {
        lassign $top4 a b c d
        add_shape $top met4 [list $c 3.0 [expr {$c + 1.5}] 3.2] P
    }] width {m4.1}]
    lappend entries [corpus_family [corpus_mim stack__m4_space {
        lassign $top4 a b c d
        add_shape $top met4 [list [expr {$c + 0.2}] 3.0 [expr {$c + 1.2}] 4.0]
    }] spacing {m4.2 m4.5a}]
    lappend entries [corpus_family [corpus_mim stack__via3_size {
        add_shape $top via3 {1.17 -0.93 1.43 -0.67} N
        add_shape $top met4 {1.04 -1.06 1.56 -0.54} N
    }] width {via3.1 via3.2 via3.4 m4.3} {magic_blind {via3.1}}]
    set v3 [corpus_box $cap via3]
    lappend entries [corpus_family [corpus_copy $cap mim__via3_size \
        "if {\$layer eq {via3} && \$box eq {$v3}} {set box {[corpus_grow $v3 0.03]}}"] width {via3.1 via3.2 capm.4 m4.3}]
    # front end of a transistor: li1, licon, poly
    set n [generate_device nfet_01v8 -w 2.1 -l 0.5 -nf 4]
    set li [corpus_box $n li1 S]
    lassign $li a b c d
    set mid [expr {($a + $c) / 2}]
    lappend entries [corpus_family [corpus_copy $n li__width \
        "if {\$layer eq {li1} && \$box eq {$li}} {set box {[corpus_round [expr {$mid - 0.05}]] $b [corpus_round [expr {$mid + 0.05}]] $d}}"] \
        width {li.1}]
    set c [corpus_copy $n li__space]
    add_shape $c li1 [list [corpus_round [expr {$a - 0.6}]] $b [corpus_round [expr {$a - 0.1}]] $d]
    lappend entries [corpus_family $c spacing {li.3 li.6}]
    set mc0 [corpus_box $n mcon S]
    lappend entries [corpus_family [corpus_copy $n ct__size \
        "if {\$layer eq {mcon} && \$box eq {$mc0}} {set box {[corpus_grow $mc0 0.02]}}"] width {ct.1 ct.2 ct.4}]
    set lc [corpus_box $n licon1 S]
    lappend entries [corpus_family [corpus_copy $n licon__size \
        "if {\$layer eq {licon1} && \$box eq {$lc}} {set box {[corpus_grow $lc 0.02]}}"] width {licon.1 licon.2 li.5 licon.11}]
    set g [corpus_box $n poly G]
    lassign $g a b c d
    set c1 [corpus_copy $n poly__space]
    add_shape $c1 poly [list $a [corpus_round [expr {$d + 0.1}]] $c [corpus_round [expr {$d + 0.6}]]]
    lappend entries [corpus_family $c1 spacing {poly.2}]
    set c2 [corpus_copy $n poly__width]
    add_shape $c2 poly [list $a $d [corpus_round [expr {$a + 0.1}]] [corpus_round [expr {$d + 0.5}]]] G
    lappend entries [corpus_family $c2 width {poly.1a}]
    # the wells of a pfet
    set pf [generate_device pfet_01v8 -w 2.1 -l 0.15 -nf 4]
    lassign [corpus_box $pf nwell] a b c d
    set c3 [corpus_copy $pf nwell__space]
    add_shape $c3 nwell [list [corpus_round [expr {$c + 0.5}]] $b [corpus_round [expr {$c + 2.0}]] $d]
    lappend entries [corpus_family $c3 spacing {nwell.2a nwell.4}]
    set c4 [corpus_copy $pf nwell__width]
    add_shape $c4 nwell [list [corpus_round [expr {$c + 3.0}]] $b [corpus_round [expr {$c + 3.5}]] [corpus_round [expr {$b + 3.0}]]]
    lappend entries [corpus_family $c4 width {nwell.1 nwell.4}]
    # implants, npc and resistor implants (Magic has no such layers: its
    # verdicts come from the types they give diffusion)
    lappend entries [corpus_family [corpus_copy $n imp__nsdm_missing "if {\$layer eq {nsdm}} {set keep 0}"] \
        enclosure {difftap.8 LU.3 licon.9} {klayout_blind 1}]
    lassign [corpus_bbox $n] a b c d
    set c6 [corpus_copy $n imp__nsdm_narrow]
    add_shape $c6 nsdm [list [corpus_round [expr {$c + 2.0}]] $b [corpus_round [expr {$c + 2.3}]] [corpus_round [expr {$b + 1.0}]]]
    lappend entries [corpus_family $c6 width {n/psd.1} {magic_blind {n/psd.1}}]
    # nsdm pulled back to 0.05 um beyond the diffusion's right edge
    lassign [corpus_box $n diff] da db dc dd
    lassign [corpus_box $n nsdm] na nb nc nd
    set c9 [corpus_copy $n imp__nsdm_enclosure \
                "if {\$layer eq {nsdm}} {set box {$na $nb [corpus_round [expr {$dc + 0.05}]] $nd}}"]
    lappend entries [corpus_family $c9 enclosure {n/psd.5a} {magic_blind {n/psd.5a}}]
    set c7 [corpus_copy $n npc__narrow]
    add_shape $c7 npc [list [corpus_round [expr {$c + 2.0}]] $b [corpus_round [expr {$c + 2.2}]] [corpus_round [expr {$b + 1.0}]]]
    lappend entries [corpus_family $c7 width {npc.1 licon.18} {magic_blind {npc.1 licon.18}}]
    set r [generate_device res_high_po -r 5000]
    lassign [corpus_bbox $r] a b c d
    set c8 [corpus_copy $r rpm__narrow]
    add_shape $c8 rpm [list [corpus_round [expr {$c + 1.0}]] $b [corpus_round [expr {$c + 2.0}]] [corpus_round [expr {$b + 3.0}]]]
    lappend entries [corpus_family $c8 width {rpm.1a} {magic_blind {rpm.1a}}]
    # a via (met1 to met2) of the wired mirror grown past its size
    set mc [dict get [corpus_mirror fam__mirror 3.5] cell]
    set v [corpus_box $mc via]
    lappend entries [corpus_family [corpus_copy $mc via__size \
        "if {\$layer eq {via} && \$box eq {$v}} {set box {[corpus_grow $v 0.03]}}"] width {via.1a via.4a via.5a m2.4 m2.5 m1.2}]
    return $entries
}

# One top cell placing every cell of the list on a grid, far enough apart
# (10 um) that no rule reaches from one to the next: a deck that checks a
# file's single top cell (KLayout's) then judges all of them in one run.
# Returns {CELL {x0 y0 x1 y1} ...}: where each landed in the top cell.
proc corpus_composite {top cells} {
    new_cell $top
    set where {}
    set x 0.0
    set y 0.0
    set row 0.0
    foreach cell $cells {
        lassign [corpus_cell_bbox $cell] a b c d
        if {$x > 400} {
            set x 0.0
            set y [expr {$y + $row + 10}]
            set row 0.0
        }
        set dx [corpus_round [expr {$x - $a}]]
        set dy [corpus_round [expr {$y - $b}]]
        add_instance $top $cell $cell $dx $dy
        dict set where $cell [list [expr {$a + $dx}] [expr {$b + $dy}] [expr {$c + $dx}] [expr {$d + $dy}]]
        set x [expr {$x + ($c - $a) + 10}]
        set row [expr {max($row, $d - $b)}]
    }
    return $where
}

# A cell's bounding box with its instances.
proc corpus_cell_bbox {cell} {
    foreach c [report_layout] {
        if {[dict get $c cell] eq $cell} {return [dict get $c bbox]}
    }
    error "no cell $cell"
}

# Build the corpus in the current layout; returns the list of entries.
proc corpus_build {} {
    set entries {}
    set cells [dict keys [build_sweep]]
    foreach cell $cells {
        set flat ${cell}__ok
        corpus_copy $cell $flat
        lappend entries [dict create cell $flat break "" rules {} names {}]
    }
    foreach cell [corpus_break_sample $cells] {
        lappend entries {*}[corpus_break_mos $cell]
    }
    set result [corpus_rows]
    lappend result {*}[corpus_routed]
    lappend result [corpus_mirror mirror__ok 3.5] [corpus_mirror mirror__open 3.5 open] \
        [corpus_mirror mirror__short 3.5 short] [corpus_mirror mirror__spacing 2.3 spacing]
    lappend result {*}[corpus_families]
    foreach e $entries {
        set cell [dict get $e cell]
        regsub {__[a-z]+$} $cell "" device
        set delta [expr {[dict exists $e nf_delta] ? [dict get $e nf_delta] : 0}]
        dict set e schematic [corpus_schematic $device $cell $delta]
        lappend result $e
    }
    return $result
}
