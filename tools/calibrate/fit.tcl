#!/usr/bin/env tclsh8.6
# fit.tcl -- fit the embedded sky130 model parameters to the reference CSVs
# (no PDK needed) and write tools/calibrate/fitted_params.tcl and
# pdk/sky130/models/sky130_embedded.lib.spice.
#
# usage: tclsh8.6 fit.tcl ?stage ...?   stages: passives dc cv lib (default: all)
#   env HALO_FIT_ITERS  Levenberg-Marquardt iterations per DC fit (default 25)
#
# Method: Levenberg-Marquardt on normalized parameters. One ngspice -b run
# evaluates the current point and all finite-difference neighbours (one
# .model card per candidate, every geometry, the whole Vgs x Vds grid), a
# second run tries three damping factors at once.

source [file join [file dirname [info script]] common.tcl]
source [file join [file dirname [info script]] model.tcl]

# ---------------------------------------------------------------- linear algebra
# Solve A x = b (A n x n list of rows), Gaussian elimination with pivoting.
proc solve {A b} {
    set n [llength $b]
    for {set i 0} {$i < $n} {incr i} {lset A $i [concat [lindex $A $i] [lindex $b $i]]}
    for {set c 0} {$c < $n} {incr c} {
        set p $c; set best [expr {abs([lindex $A $c $c])}]
        for {set r [expr {$c + 1}]} {$r < $n} {incr r} {
            set v [expr {abs([lindex $A $r $c])}]
            if {$v > $best} {set best $v; set p $r}
        }
        if {$best < 1e-300} {return [lrepeat $n 0.0]}
        if {$p != $c} {set t [lindex $A $p]; lset A $p [lindex $A $c]; lset A $c $t}
        set rowc [lindex $A $c]
        set piv [lindex $rowc $c]
        for {set r [expr {$c + 1}]} {$r < $n} {incr r} {
            set rowr [lindex $A $r]
            set f [expr {[lindex $rowr $c] / $piv}]
            if {$f == 0} continue
            set new {}
            foreach a $rowr bb $rowc {lappend new [expr {$a - $f * $bb}]}
            lset A $r $new
        }
    }
    set x [lrepeat $n 0.0]
    for {set r [expr {$n - 1}]} {$r >= 0} {incr r -1} {
        set s [lindex $A $r $n]
        for {set c [expr {$r + 1}]} {$c < $n} {incr c} {set s [expr {$s - [lindex $A $r $c] * [lindex $x $c]}]}
        lset x $r [expr {$s / [lindex $A $r $r]}]
    }
    return $x
}

# ---------------------------------------------------------------- parameter mapping
# spec: list of {name init scale lo hi}; x normalized: p = init + scale*x
proc x2p {spec x} {
    set d {}
    foreach s $spec xi $x {
        lassign $s n init sc lo hi
        set v [expr {$init + $sc * $xi}]
        if {$v < $lo} {set v $lo}
        if {$v > $hi} {set v $hi}
        dict set d $n $v
    }
    return $d
}

# ---------------------------------------------------------------- LM driver
# evalfn: command taking a list of parameter dicts, returning a list of
# residual vectors (one per candidate). Minimizes sum r^2.
proc lm {spec evalfn iters {lambda 1e-2}} {
    set np [llength $spec]
    set x [lrepeat $np 0.0]
    set h 0.05
    set r0 [lindex [{*}$evalfn [list [x2p $spec $x]]] 0]
    set cost [sumsq $r0]
    puts [format "  start cost %.6g" $cost]
    for {set it 0} {$it < $iters} {incr it} {
        # Jacobian: all neighbours in one run
        set cands [list [x2p $spec $x]]
        for {set i 0} {$i < $np} {incr i} {
            set xh $x; lset xh $i [expr {[lindex $x $i] + $h}]
            lappend cands [x2p $spec $xh]
        }
        set rs [{*}$evalfn $cands]
        set r0 [lindex $rs 0]
        set cost [sumsq $r0]
        set J {}
        for {set i 0} {$i < $np} {incr i} {
            set col {}
            foreach a [lindex $rs [expr {$i + 1}]] b $r0 {lappend col [expr {($a - $b) / $h}]}
            lappend J $col
        }
        # normal equations
        set JTJ {}; set JTr {}
        for {set i 0} {$i < $np} {incr i} {
            set ci [lindex $J $i]
            set row {}
            for {set j 0} {$j < $np} {incr j} {
                if {$j < $i} {lappend row [lindex $JTJ $j $i]; continue}
                set s 0.0
                foreach a $ci b [lindex $J $j] {set s [expr {$s + $a * $b}]}
                lappend row $s
            }
            lappend JTJ $row
            set s 0.0
            foreach a $ci b $r0 {set s [expr {$s + $a * $b}]}
            lappend JTr [expr {-$s}]
        }
        # try three dampings in one run
        set lams [list [expr {$lambda / 10.0}] $lambda [expr {$lambda * 10.0}] [expr {$lambda * 100.0}]]
        set steps {}; set cands {}
        foreach lam $lams {
            set A $JTJ
            for {set i 0} {$i < $np} {incr i} {
                lset A $i $i [expr {[lindex $JTJ $i $i] * (1.0 + $lam) + 1e-9}]
            }
            set dx [solve $A $JTr]
            set xn {}
            foreach a $x d $dx {
                # keep steps sane
                if {$d > 3} {set d 3} elseif {$d < -3} {set d -3}
                lappend xn [expr {$a + $d}]
            }
            lappend steps $xn
            lappend cands [x2p $spec $xn]
        }
        set rs [{*}$evalfn $cands]
        set best -1; set bestc $cost
        for {set k 0} {$k < [llength $lams]} {incr k} {
            set c [sumsq [lindex $rs $k]]
            if {$c < $bestc} {set bestc $c; set best $k}
        }
        if {$best < 0} {
            set lambda [expr {$lambda * 100.0}]
            puts [format "  iter %2d cost %.6g (no improvement, lambda %.3g)" $it $cost $lambda]
            if {$lambda > 1e6} break
            continue
        }
        set x [lindex $steps $best]
        # re-centre the normalized space on the clamped parameters
        set newp [x2p $spec $x]
        set lambda [lindex $lams $best]
        set rel [expr {($cost - $bestc) / $cost}]
        puts [format "  iter %2d cost %.6g -> %.6g (lambda %.3g)" $it $cost $bestc $lambda]
        set cost $bestc
        if {$rel < 1e-4} break
    }
    return [x2p $spec $x]
}

proc sumsq {r} {set s 0.0; foreach v $r {set s [expr {$s + $v * $v}]}; return $s}

# ---------------------------------------------------------------- DC residuals
# Reference loaded once.
set REF [cal::load_dc_ref]
set VGS [cal::vgs_list]
set VDS [cal::vds_list]

proc dc_eval {kind base cands} {
    # base: full dict of current fitted params; cands: list of dicts of free params
    set ng [llength $cal::geoms]
    set lines [list "* fit $kind" ".option scale=1e-6"]
    lappend lines {*}[cal::dc_sources]
    set vecs {}
    set c 0
    foreach cd $cands {
        set p [dict merge $base $cd]
        lappend lines [model::card cm$c $kind $p]
        lappend lines {*}[cal::dc_instances $kind $cal::geoms cm$c c${c}_ 0 $p]
        for {set k 0} {$k < $ng} {incr k} {lappend vecs i(vmc${c}_$k)}
        incr c
    }
    set outf [file join $cal::workdir fit_$kind.txt]
    file delete $outf
    lappend lines {*}[cal::dc_control $outf $vecs] ".end"
    if {[catch {cal::ngspice [join $lines \n]\n fit_$kind} err] || ![file exists $outf]} {
        cal::writefile [file join $cal::workdir fit_$kind.err] $err
        if {[llength $cands] > 1} {
            # find the bad candidate(s): evaluate one by one
            set out {}
            foreach cd $cands {lappend out [lindex [dc_eval $kind $base [list $cd]] 0]}
            return $out
        }
        puts "  (ngspice failed on a candidate; penalised)"
        return [list [lrepeat $::NRES 10.0]]
    }
    lassign [cal::read_wrdata $outf] names rows
    set out {}
    for {set c 0} {$c < [llength $cands]} {incr c} {
        set r {}
        for {set k 0} {$k < $ng} {incr k} {
            set col [expr {1 + $c * $ng + $k}]
            set sim {}
            foreach row $rows {lappend sim [expr {abs([lindex $row $col])}]}
            lappend r {*}[dc_resid $kind $k $sim]
        }
        lappend out $r
    }
    set ::NRES [llength $r]
    return $out
}

# residuals for one geometry: log current error (weighted by region) plus
# log output-conductance error in saturation.
proc dc_resid {kind k sim} {
    global REF VGS VDS
    set ref [dict get $REF $kind,$k]
    lassign [lindex $cal::geoms $k] w l
    set fl [expr {1e-11 * $w}]
    set nvg [llength $VGS]
    set r {}
    set i 0
    foreach vd $VDS {
        foreach vg $VGS {
            set a [lindex $sim $i]; set b [lindex $ref $i]
            if {$vg >= 0.6} {set wt 1.0} elseif {$vg >= 0.3} {set wt 0.5} else {set wt 0.25}
            lappend r [expr {$wt * log(($a + $fl) / ($b + $fl))}]
            incr i
        }
    }
    # gds: central differences in vds for vgs >= 0.5, vds 0.3..1.7
    set nvd [llength $VDS]
    for {set j 2} {$j < $nvd - 1} {incr j} {
        for {set g 10} {$g < $nvg} {incr g 2} {
            set ip [expr {($j + 1) * $nvg + $g}]; set im [expr {($j - 1) * $nvg + $g}]
            set gs [expr {[lindex $sim $ip] - [lindex $sim $im]}]
            set gr [expr {[lindex $ref $ip] - [lindex $ref $im]}]
            set fl2 [expr {0.02 * abs($gr) + 1e-12}]
            if {$gs < $fl2} {set gs $fl2}
            if {$gr < $fl2} {set gr $fl2}
            lappend r [expr {0.5 * log($gs / $gr)}]
        }
    }
    return $r
}

proc specof {freedict names} {
    set spec {}
    foreach n $names {
        set s [dict get $freedict $n]
        lappend spec [list $n {*}$s]
    }
    return $spec
}

proc fit_dc {kind iters {names {}}} {
    set free [set model::dcfree_[string index $kind 0]]
    if {$names eq ""} {
        set names [dict keys $free]
        set names [lsearch -all -inline -not -exact $names toxe]
    }
    # start from the current values
    set spec {}
    foreach n $names {
        lassign [dict get $free $n] init sc lo hi
        lappend spec [list $n [dict get $model::params($kind) $n] $sc $lo $hi]
    }
    puts "DC fit $kind: [llength $spec] parameters"
    set p [lm $spec [list dc_eval $kind $model::params($kind)] $iters]
    set model::params($kind) [dict merge $model::params($kind) $p]
}

# ---------------------------------------------------------------- CV residuals
proc load_cv_ref {} {
    lassign [cal::read_csv [file join $cal::caldir passives.csv]] hdr rows
    set ref {}
    foreach r $rows {
        if {[lindex $r 0] ne "mos"} continue
        lassign $r t kind W L vg vd q v
        dict set ref [format "%s,%g,%g,%g,%g,%s" $kind $W $L $vg $vd $q] $v
    }
    return $ref
}
set CVREF [load_cv_ref]

proc cv_eval {kind base cands} {
    global CVREF
    set w [expr {2 * 3.14159265358979 * $cal::cfreq}]
    set sg [expr {$kind eq "nfet" ? 1 : -1}]
    set lines [list "* cv fit" ".option scale=1e-6"]
    set lets {}; set vecs {}; set keys {}
    set n 0
    set c 0
    foreach cd $cands {
        lappend lines [model::card cm$c $kind [dict merge $base $cd]]
        foreach gm $cal::cgeoms {
            lassign $gm W L
            foreach vg $cal::cvgs {
                foreach vd $cal::cvds {
                    lappend lines "vg$n g$n 0 dc [expr {$sg * $vg}] ac 1" "vd$n d$n 0 dc [expr {$sg * $vd}]"
                    lappend lines "m$n d$n g$n 0 0 cm$c w=$W l=$L"
                    lappend lets "let cgg$n = -imag(i(vg$n))/$w" "let cgd$n = imag(i(vd$n))/$w"
                    lappend vecs cgg$n cgd$n
                    if {$c == 0} {lappend keys [format "%s,%g,%g,%g,%g" $kind $W $L $vg $vd]}
                    incr n
                }
            }
        }
        incr c
    }
    set outf [file join $cal::workdir cvfit.txt]
    file delete $outf
    lappend lines ".control" "set wr_singlescale" "set wr_vecnames" "option numdgt=7" \
        "ac lin 1 $cal::cfreq $cal::cfreq" {*}$lets "wrdata $outf $vecs" ".endc" ".end"
    cal::ngspice [join $lines \n]\n cvfit
    lassign [cal::read_wrdata $outf] names rows
    set row [lindex $rows 0]
    set out {}
    set nk [llength $keys]
    for {set c 0} {$c < [llength $cands]} {incr c} {
        set r {}
        set i 0
        foreach k $keys {
            set base [expr {1 + 2 * ($c * $nk + $i)}]
            set cgg [lindex $row $base]; set cgd [lindex $row [expr {$base + 1}]]
            set rg [dict get $CVREF $k,cgg]; set rd [dict get $CVREF $k,cgd]
            lappend r [expr {($cgg - $rg) / $rg}]
            lappend r [expr {0.7 * ($cgd - $rd) / ($rg)}]
            incr i
        }
        lappend out $r
    }
    return $out
}

proc fit_cv {kind iters {with_tox 0}} {
    set spec {}
    set free $model::cvfree
    if {$with_tox} {dict set free toxe [dict get [set model::dcfree_[string index $kind 0]] toxe]}
    foreach {n s} $free {
        lassign $s init sc lo hi
        lappend spec [list $n [dict get $model::params($kind) $n] $sc $lo $hi]
    }
    puts "CV fit $kind: [llength $spec] parameters"
    set p [lm $spec [list cv_eval $kind $model::params($kind)] $iters]
    set model::params($kind) [dict merge $model::params($kind) $p]
}

# ---------------------------------------------------------------- passives (linear least squares)
proc fit_passives {} {
    lassign [cal::read_csv [file join $cal::caldir passives.csv]] hdr rows
    # MIM: C = ca*a + cp*p with a = (w+dw)(l+dw), p = 2(w+l+2dw)
    set dw [dict get $model::mim dw]
    set A {{0 0} {0 0}}; set b {0 0}
    set rr {}
    foreach r $rows {
        switch [lindex $r 0] {
            mim {
                lassign $r t dev W L - - q v
                set a [expr {($W + $dw) * ($L + $dw)}]; set p [expr {2 * ($W + $L + 2 * $dw)}]
                # relative weighting
                set wt [expr {1.0 / $v}]
                set a [expr {$a * $wt}]; set p [expr {$p * $wt}]; set y 1.0
                lset A 0 0 [expr {[lindex $A 0 0] + $a * $a}]
                lset A 0 1 [expr {[lindex $A 0 1] + $a * $p}]
                lset A 1 0 [expr {[lindex $A 1 0] + $a * $p}]
                lset A 1 1 [expr {[lindex $A 1 1] + $p * $p}]
                lset b 0 [expr {[lindex $b 0] + $a * $y}]
                lset b 1 [expr {[lindex $b 1] + $p * $y}]
            }
            res {
                lassign $r t dev L V - - q v
                if {$V == 0.1} {dict lappend rr $dev [list $L $v]}
            }
        }
    }
    lassign [solve $A $b] ca cp
    dict set model::mim ca $ca
    dict set model::mim cp $cp
    puts [format "MIM: ca %.4g F/um2 cp %.4g F/um" $ca $cp]
    set model::res {}
    dict for {dev pts} $rr {
        # R = rs*l + re0 + re1/sqrt(l), relative weights
        set A [lrepeat 3 [lrepeat 3 0.0]]; set b [lrepeat 3 0.0]
        foreach pt $pts {
            lassign $pt L R
            set f [list [expr {$L / $R}] [expr {1.0 / $R}] [expr {1.0 / sqrt($L) / $R}]]
            for {set i 0} {$i < 3} {incr i} {
                for {set j 0} {$j < 3} {incr j} {lset A $i $j [expr {[lindex $A $i $j] + [lindex $f $i] * [lindex $f $j]}]}
                lset b $i [expr {[lindex $b $i] + [lindex $f $i]}]
            }
        }
        lassign [solve $A $b] rs re0 re1
        regexp {_(\d)p(\d+)$} $dev -> wi wf
        set w "$wi.$wf"
        dict set model::res $dev [list $rs $re0 $re1 $w]
        puts [format "%s: rs %.5g ohm/um, re0 %.5g, re1 %.5g" $dev $rs $re0 $re1]
    }
}

# ---------------------------------------------------------------- save
proc save_params {} {
    set t "# fitted_params.tcl -- written by fit.tcl on [clock format [clock seconds] -format {%Y-%m-%d %H:%M}]\n"
    foreach k {nfet pfet} {
        append t "set params($k) {\n"
        dict for {n v} $model::params($k) {append t "    $n [model::fmt $v]\n"}
        append t "}\n"
    }
    append t "set mim {$model::mim}\n"
    append t "set res {\n"
    dict for {n v} $model::res {append t "    $n {$v}\n"}
    append t "}\n"
    cal::writefile [file join $model::here fitted_params.tcl] $t
}

proc write_lib {} {
    cal::writefile $cal::libfile [model::lib_text]
    puts "wrote $cal::libfile ([file size $cal::libfile] bytes)"
}

if {[info exists ::fit_no_main]} return
set stages [expr {[llength $argv] ? $argv : {passives dc cv dc2 lib}}]
set iters [expr {[info exists ::env(HALO_FIT_ITERS)] ? $::env(HALO_FIT_ITERS) : 25}]
set t0 [clock seconds]
foreach st $stages {
    switch $st {
        passives {fit_passives}
        dc {foreach k {nfet pfet} {fit_dc $k $iters}}
        cv {foreach k {nfet pfet} {fit_cv $k 15 1}}
        dc2 {foreach k {nfet pfet} {fit_dc $k [expr {$iters / 2}]}}
        lib {}
        default {error "unknown stage $st"}
    }
    save_params
    puts "stage $st done at [expr {[clock seconds] - $t0}] s"
}
write_lib
