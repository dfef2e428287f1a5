#!/usr/bin/env tclsh8.6
# gen_reference.tcl -- run the REAL sky130 tt models (ngspice -b) and store
# the reference data the embedded models are fitted to, as CSV files in
# pdk/sky130/models/calibration/:
#   nfet_dc.csv pfet_dc.csv   Id(Vgs, Vds) for every geometry in cal::geoms
#   mos_cap.csv               Cgg, Cgd at 1 MHz (W, L, Vgs, Vds grid)
#   passives.csv              res_high_po_* / res_xhigh_po_0p35 R, MIM C
#   circuits_real.csv         Miller OTA open loop + example testbenches
#
# usage: tclsh8.6 gen_reference.tcl ?PDK_ROOT?   (default $HALO_PDK_ROOT or /work/shared/pdk)

source [file join [file dirname [info script]] common.tcl]

set lib [cal::pdk_lib [lindex $argv 0]]
file mkdir $cal::caldir
set t0 [clock seconds]

# ---------------------------------------------------------------- DC
proc gen_dc {lib} {
    set outf [file join $cal::workdir ref_dc.txt]
    cal::ngspice [cal::dc_deck "real sky130 DC reference" $lib $outf] ref_dc
    lassign [cal::read_wrdata $outf] names rows
    set vgs [cal::vgs_list]; set vds [cal::vds_list]
    set ng [llength $cal::geoms]
    foreach kind {nfet pfet} off [list 0 $ng] {
        set csv "w,l,vbs,vgs,vds,id\n# $kind: id = |drain current| (A); pfet voltages are magnitudes (Vgs=-vgs, Vds=-vds, Vbs=-vbs)\n"
        for {set k 0} {$k < $ng} {incr k} {
            lassign [lindex $cal::geoms $k] w l vbs
            set i 0
            foreach vd $vds {
                foreach vg $vgs {
                    set id [expr {abs([lindex $rows $i [expr {1 + $off + $k}]])}]
                    append csv [format "%g,%g,%g,%g,%g,%.6e\n" $w $l $vbs $vg $vd $id]
                    incr i
                }
            }
        }
        cal::writefile [file join $cal::caldir ${kind}_dc.csv] $csv
    }
}

# ---------------------------------------------------------------- caps and passives
# Shared by the reference and the report (embedded): returns {deck resultnames}.
proc cap_passive_deck {libline} {
    set lines [list "* capacitance / passives" $libline]
    set lets {}
    set names {}
    set w [expr {2 * 3.14159265358979 * $cal::cfreq}]
    set n 0
    foreach kind {nfet pfet} {
        set sg [expr {$kind eq "nfet" ? 1 : -1}]
        foreach gm $cal::cgeoms {
            lassign $gm W L
            foreach vg $cal::cvgs {
                foreach vd $cal::cvds {
                    lappend lines "vg$n g$n 0 dc [expr {$sg * $vg}] ac 1" "vd$n d$n 0 dc [expr {$sg * $vd}]"
                    lappend lines "x$n d$n g$n 0 0 sky130_fd_pr__${kind}_01v8 w=$W l=$L"
                    lappend lets "let cgg$n = -imag(i(vg$n))/$w" "let cgd$n = imag(i(vd$n))/$w"
                    lappend names [list mos $kind $W $L $vg $vd cgg$n cgd$n]
                    incr n
                }
            }
        }
    }
    # MIM caps
    foreach wl {5 10 16 22 31} {
        lappend lines "vc$n c$n 0 dc 0 ac 1" "xc$n c$n 0 sky130_fd_pr__cap_mim_m3_1 w=$wl l=$wl"
        lappend lets "let cap$n = -imag(i(vc$n))/$w"
        lappend names [list mim cap_mim_m3_1 $wl $wl cap$n]
        incr n
    }
    lappend lines "xc$n c$n 0 sky130_fd_pr__cap_mim_m3_1 w=10 l=20 mf=1" "vc$n c$n 0 dc 0 ac 1"
    lappend lets "let cap$n = -imag(i(vc$n))/$w"
    lappend names [list mim cap_mim_m3_1 10 20 cap$n]
    incr n
    # resistors: R = V / I at 0.1 V and 1.0 V
    set rcells {}
    foreach c {0p35 0p69 1p41 2p85 5p73} {lappend rcells sky130_fd_pr__res_high_po_$c}
    lappend rcells sky130_fd_pr__res_xhigh_po_0p35
    foreach cell $rcells {
        foreach L {1 2.7 10 71.4} {
            foreach v {0.1 1.0} {
                lappend lines "vr$n r$n 0 dc $v" "xr$n r$n 0 0 $cell l=$L"
                lappend lets "let res$n = -$v/i(vr$n)"
                lappend names [list res [string range $cell 14 end] $L $v res$n]
                incr n
            }
        }
    }
    set outf [file join $cal::workdir cap_passive]
    set acv {}; set opv {}
    foreach nm $names {
        if {[lindex $nm 0] eq "mos"} {lappend acv {*}[lrange $nm end-1 end]} elseif {[lindex $nm 0] eq "mim"} {lappend acv [lindex $nm end]} else {lappend opv [lindex $nm end]}
    }
    set oplets {}; set aclets {}
    foreach l $lets {if {[string match "let res*" $l]} {lappend oplets $l} else {lappend aclets $l}}
    lappend lines ".control" "set wr_singlescale" "set wr_vecnames" "option numdgt=7" \
        "op" {*}$oplets "wrdata ${outf}_op.txt $opv" \
        "ac lin 1 $cal::cfreq $cal::cfreq" {*}$aclets "wrdata ${outf}_ac.txt $acv" ".endc" ".end"
    return [list [join $lines \n]\n $names $outf]
}

proc gen_cap_passive {lib} {
    lassign [cap_passive_deck ".lib \"$lib\" tt"] deck names outf
    cal::ngspice $deck ref_cap
    set vals [cap_passive_values $names $outf]
    set csv "kind,device,a,b,c,d,quantity,value\n# mos: kind,device,W,L,Vgs,Vds,(cgg|cgd),F (pfet voltages magnitudes); mim: W,L,-,-,c,F; res: L,V,-,-,r,Ohm\n"
    append csv [join $vals \n]\n
    cal::writefile [file join $cal::caldir passives.csv] $csv
}

proc cap_passive_values {names outf} {
    lassign [cal::read_wrdata ${outf}_ac.txt] hdr rows
    set row [lindex $rows 0]
    lassign [cal::read_wrdata ${outf}_op.txt] hdr oprows
    set oprow [lindex $oprows 0]
    # wrdata with singlescale: first column the scale, then one column per
    # (real) vector
    set col 1; set opcol 1
    set out {}
    foreach nm $names {
        switch [lindex $nm 0] {
            mos {
                lassign $nm t kind W L vg vd
                lappend out "mos,$kind,$W,$L,$vg,$vd,cgg,[lindex $row $col]"; incr col
                lappend out "mos,$kind,$W,$L,$vg,$vd,cgd,[lindex $row $col]"; incr col
            }
            mim {
                lassign $nm t dev W L
                lappend out "mim,$dev,$W,$L,,,c,[lindex $row $col]"; incr col
            }
            res {
                lassign $nm t dev L v
                lappend out "res,$dev,$L,$v,,,r,[lindex $oprow $opcol]"; incr opcol
            }
        }
    }
    return $out
}

# ---------------------------------------------------------------- circuits
proc gen_circuits {lib} {
    set csv "circuit,quantity,value\n"
    foreach {tag deck} [cal::circuit_decks $lib] {
        set out [cal::ngspice $deck real_$tag]
        dict for {k v} [cal::circuit_results $out] {append csv "$tag,$k,$v\n"}
    }
    cal::writefile [file join $cal::caldir circuits_real.csv] $csv
}

if {[info exists ::cal_no_main]} return
set what [expr {[llength $argv] > 1 ? [lrange $argv 1 end] : {dc cap circuits}}]
if {"dc" in $what} {gen_dc $lib; puts "DC reference done ([expr {[clock seconds] - $t0}] s)"}
if {"cap" in $what} {gen_cap_passive $lib; puts "cap/passive reference done ([expr {[clock seconds] - $t0}] s)"}
if {"circuits" in $what} {gen_circuits $lib; puts "circuit reference done ([expr {[clock seconds] - $t0}] s)"}
