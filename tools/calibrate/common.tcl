# common.tcl -- shared helpers of the sky130 embedded-model calibration.
#
# Owns: the measurement grids (device geometries, bias sweeps), running
# ngspice in batch mode, reading its wrdata output, and the CSV format of
# the reference data under pdk/sky130/models/calibration/.
# Sourced by gen_reference.tcl, fit.tcl and report.tcl.

namespace eval cal {
    variable here [file dirname [file normalize [info script]]]
    variable root [file normalize [file join $here .. ..]]
    variable caldir [file join $root pdk sky130 models calibration]
    variable libfile [file join $root pdk sky130 models sky130_embedded.lib.spice]
    variable workdir [expr {[info exists ::env(HALO_CAL_WORK)] ? $::env(HALO_CAL_WORK) : "/tmp/halo_calib"}]
    file mkdir $workdir

    # DC grid: Vgs 0..1.8 step 0.05 (inner), Vds 0.1..1.8 step 0.1 (outer).
    variable vgs_start 0.0 vgs_stop 1.8 vgs_step 0.05
    variable vds_start 0.1 vds_stop 1.8 vds_step 0.1

    # DC geometries {w l vbs}: vbs for nfet; the pfet uses -vbs (reverse bias).
    # The first nine are the report grid; the rest are the sizes the
    # examples use and body-effect devices.
    variable geoms {
        {0.42 0.15 0} {0.42 0.5 0} {0.42 1 0}
        {1 0.15 0}    {1 0.5 0}    {1 1 0}
        {5 0.15 0}    {5 0.5 0}    {5 1 0}
        {2 2 0} {16 0.5 0} {24 1 0} {8 0.18 0}
        {5 0.15 -0.3} {5 0.5 -0.3} {5 1 -0.3}
    }
    # Capacitance grid: W=5 (and 16), several L; Vgs x Vds; f = 1 MHz.
    variable cgeoms {{5 0.15} {5 0.5} {5 1} {16 0.5}}
    variable cvgs {0 0.3 0.5 0.7 0.9 1.2 1.8}
    variable cvds {0 0.9}
    variable cfreq 1e6
}

proc cal::pdk_lib {{pdkroot ""}} {
    if {$pdkroot eq ""} {
        if {[info exists ::env(HALO_PDK_ROOT)]} {set pdkroot $::env(HALO_PDK_ROOT)} else {set pdkroot /work/shared/pdk}
    }
    set f [file join $pdkroot sky130A libs.tech ngspice sky130.lib.spice]
    if {![file exists $f]} {error "real sky130 library not found: $f (give the PDK root as argument or HALO_PDK_ROOT)"}
    return $f
}

proc cal::seq {a b s} {
    set out {}
    set n [expr {int(round(($b - $a) / $s))}]
    for {set i 0} {$i <= $n} {incr i} {lappend out [format %.4g [expr {$a + $i * $s}]]}
    return $out
}
proc cal::vgs_list {} {variable vgs_start; variable vgs_stop; variable vgs_step; seq $vgs_start $vgs_stop $vgs_step}
proc cal::vds_list {} {variable vds_start; variable vds_stop; variable vds_step; seq $vds_start $vds_stop $vds_step}

proc cal::writefile {f text} {set fh [open $f w]; fconfigure $fh -translation lf; puts -nonewline $fh $text; close $fh}
proc cal::readfile {f} {set fh [open $f]; set t [read $fh]; close $fh; return $t}

# Run ngspice -b on a deck text; return its stdout+stderr. Raises on failure.
proc cal::ngspice {deck tag} {
    variable workdir
    set f [file join $workdir $tag.sp]
    writefile $f $deck
    if {[catch {exec ngspice -b $f 2>@1} out]} {
        # ngspice returns nonzero on some warnings; accept if no fatal error
        if {[regexp -nocase {error|fatal|aborted} $out] && ![regexp {No. of Data Rows} $out]} {
            error "ngspice failed on $f:\n[string range $out end-3000 end]"
        }
    }
    writefile [file join $workdir $tag.log] $out
    return $out
}

# Read a wrdata file written with wr_singlescale + wr_vecnames.
# Returns {names rows}, rows a list of lists of numbers (first = scale).
proc cal::read_wrdata {f} {
    set fh [open $f]
    gets $fh header
    set rows {}
    while {[gets $fh line] >= 0} {
        if {[string trim $line] eq ""} continue
        lappend rows [regexp -all -inline {\S+} $line]
    }
    close $fh
    return [list [regexp -all -inline {\S+} $header] $rows]
}

# Device instance + ammeter lines for the DC deck. kind nfet|pfet.
# Gate/drain nodes: nfet g d (bulk node bn<k>), pfet gp dp.
proc cal::dc_instances {kind geoms modelname {prefix ""} {subckt 1} {params {}}} {
    set lines {}
    set k 0
    foreach gm $geoms {
        lassign $gm w l vbs
        set id "${prefix}$k"
        if {$kind eq "nfet"} {set g g; set d d; set vb $vbs} else {set g gp; set d dp; set vb [expr {-$vbs}]}
        lappend lines "vm$id $d d$id 0"
        if {$vbs == 0} {set bn 0} else {set bn b$id; lappend lines "vb$id b$id 0 $vb"}
        if {$subckt} {
            lappend lines "x$id d$id $g 0 $bn $modelname w=$w l=$l"
        } else {
            lappend lines "m$id d$id $g 0 $bn $modelname w=$w l=$l delvto=[model::delvto $params $w]"
        }
        incr k
    }
    return $lines
}

proc cal::dc_sources {} {
    return [list "vg g 0 0" "vd d 0 0" "egp gp 0 g 0 -1" "edp dp 0 d 0 -1"]
}

# The DC grid deck of both transistor types on every calibration geometry,
# with library lib (a .lib path, section tt), writing its currents to outfile.
proc cal::dc_deck {title lib outfile} {
    variable geoms
    set lines [list "* $title" ".lib \"$lib\" tt"]
    lappend lines {*}[dc_sources]
    set vecs {}
    foreach kind {nfet pfet} {
        set p [string index $kind 0]
        lappend lines {*}[dc_instances $kind $geoms sky130_fd_pr__${kind}_01v8 $p]
        for {set k 0} {$k < [llength $geoms]} {incr k} {lappend vecs i(vm$p$k)}
    }
    lappend lines {*}[dc_control $outfile $vecs] ".end"
    return [join $lines \n]\n
}

proc cal::dc_control {outfile vecs} {
    variable vgs_start; variable vgs_stop; variable vgs_step
    variable vds_start; variable vds_stop; variable vds_step
    return [list ".control" "set wr_singlescale" "set wr_vecnames" "option numdgt=7" \
        "dc vg $vgs_start $vgs_stop $vgs_step vd $vds_start $vds_stop $vds_step" \
        "wrdata $outfile [join $vecs { }]" ".endc"]
}

# Parse DC wrdata into dict: key "$kind,$gi" -> list of |Id| in grid order
# (vds outer, vgs inner).
proc cal::parse_dc {f kind ngeoms {prefix ""}} {
    lassign [read_wrdata $f] names rows
    set res {}
    for {set k 0} {$k < $ngeoms} {incr k} {
        set col [expr {$k + 1}]
        set v {}
        foreach r $rows {lappend v [expr {abs([lindex $r $col])}]}
        dict set res $k $v
    }
    return $res
}

# CSV helpers
proc cal::read_csv {f} {
    set fh [open $f]
    gets $fh header
    set hdr [split $header ,]
    set rows {}
    while {[gets $fh line] >= 0} {
        if {$line eq "" || [string index $line 0] eq "#"} continue
        lappend rows [split $line ,]
    }
    close $fh
    return [list $hdr $rows]
}

# Reference DC data as dict "kind,gi" -> list of Id (grid order).
proc cal::load_dc_ref {} {
    variable caldir; variable geoms
    set ref {}
    foreach kind {nfet pfet} {
        lassign [read_csv [file join $caldir ${kind}_dc.csv]] hdr rows
        foreach r $rows {
            lassign $r w l vbs vgs vds id
            set key [format %g,%g,%g $w $l $vbs]
            set gi -1
            set k 0
            foreach g $geoms {
                if {[format %g,%g,%g {*}$g] eq $key} {set gi $k; break}
                incr k
            }
            if {$gi < 0} continue
            dict lappend ref $kind,$gi $id
        }
    }
    return $ref
}

# ---------------------------------------------------------------- circuits
# Text of an example's DUT subckt with the finger placeholder removed.
proc cal::example_dut {name} {
    variable root
    set t [readfile [file join $root examples $name $name.spice]]
    regsub -all {[ \t]+nf=ZZZ} $t "" t
    return $t
}
proc cal::examples {} {
    variable root
    set out {}
    foreach d [lsort [glob -directory [file join $root examples] -type d *]] {
        if {[file exists [file join $d testbench.spice]]} {lappend out [file tail $d]}
    }
    return $out
}

# Decks {tag deck} for the circuit comparisons, with library line $libline
# (".lib \"path\" tt" for the real models, or the embedded text).
proc cal::circuit_decks {libpath} {
    set decks {}
    # Miller OTA open loop: DC closed through 1 GOhm / 1 F, AC open loop.
    set d "* miller_ota open-loop (calibration)\n.lib \"$libpath\" tt\n[example_dut miller_ota]\n"
    append d "XDUT vdd 0 vinp vinn vout miller_ota\nVDD vdd 0 1.8\nVIN vinp 0 dc 0.9 ac 1\n"
    append d "RF vout vinn 1G\nCF vinn 0 1\nCL vout 0 1p\n"
    append d ".control\nop\nprint v(vout) v(xdut.n2) v(xdut.tail) v(xdut.nbias)\n"
    append d "ac dec 50 1 1G\nmeas ac dcgain find vdb(vout) at=1\nmeas ac ugf when vdb(vout)=0\n"
    append d "let phdeg = 180/pi*cph(vout)\nmeas ac phugf find phdeg at=ugf\n.endc\n.end\n"
    lappend decks miller_openloop $d
    foreach ex [examples] {
        variable root
        set tb [readfile [file join $root examples $ex testbench.spice]]
        set tb [string map [list "{{SKY130_LIB}}" $libpath] $tb]
        # paste the DUT right after the .lib line
        set lines [split $tb \n]
        set out {}
        foreach ln $lines {
            lappend out $ln
            if {[regexp -nocase {^\.lib\s} $ln]} {lappend out [example_dut $ex]}
        }
        lappend decks tb_$ex [join $out \n]
    }
    return $decks
}

# Pull "name = value" results out of ngspice output.
proc cal::circuit_results {out} {
    set res {}
    foreach ln [split $out \n] {
        if {[regexp {^\s*(v\([a-z0-9_.]+\))\s*=\s*(\S+)} $ln -> n v]} {dict set res $n $v}
        if {[regexp {^(dcgain|ugf|phugf|gain_1k|gain_max|f_3db|gain_100meg)\s*=\s*(\S+)} $ln -> n v]} {dict set res $n $v}
    }
    if {[dict exists $res phugf]} {dict set res pm [expr {180.0 + [dict get $res phugf]}]}
    return $res
}
