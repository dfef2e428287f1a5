# model.tcl -- the embedded sky130 device models: BSIM4 parameter sets
# (fixed part + fitted part), MIM and poly-resistor coefficients, and the
# writer of pdk/sky130/models/sky130_embedded.lib.spice.
#
# The fitted values live in fitted_params.tcl (written by fit.tcl); without
# it the initial guesses below are used.

namespace eval model {
    variable here [file dirname [file normalize [info script]]]

    # Parameters every card carries and the fit does not touch.
    variable fixed_common {
        level 54 version 4.5 binunit 1 paramchk 0
        mobmod 0 capmod 2 igcmod 0 igbmod 0 geomod 0 rdsmod 0 rbodymod 0
        rgatemod 0 permod 1 acnqsmod 0 trnqsmod 0 tempmod 0 diomod 1 fnoimod 1 tnoimod 0
        tnom 27 epsrox 3.9 xj 1.5e-7 ndep 1.7e17 nsd 1e20 ngate 0
        dvt2 0 dvt0w 0 dvt1w 5.3e6 dvt2w -0.032 w0 2.5e-6 k3 0 k3b 0
        dwg 0 dwb 0 b0 0 b1 0 a1 0 a2 1 cit 0 cdscb 0 cdscd 0
        alpha0 0 alpha1 0 beta0 30 agidl 0 bgidl 2.3e9 cgidl 0.5 egidl 0.8
        kt1 -0.3 kt1l 0 kt2 0.022 ute -1.5 ua1 1e-9 ub1 -1e-18 uc1 0 at 3.3e4 prt 0
        xjbvs 1 bvs 10 xtis 3 njs 1 tpb 0.0016 tpbsw 0.0016 tpbswg 0.0016 tcj 0.0008 tcjsw 0.0008 tcjswg 0.0008
        ef 1 noia 6.25e41 noib 3.125e26 noic 8.75e9 em 4.1e7
        rsh 0 rdsw_unused 0
        xpart 0 ckappas 0.6 clc 1e-7 cle 0.6
    }
    # junction / diode figures (own estimates from the Magic diffusion
    # capacitance figures of sky130.md §5.3; they only act when the
    # instance gives ad/as/pd/ps, which the real models default to 0 too)
    variable fixed_n {
        cjs 7.9e-4 cjsws 2.8e-10 cjswgs 2.8e-10 mjs 0.44 mjsws 0.3 mjswgs 0.3
        pbs 0.73 pbsws 0.73 pbswgs 0.73 jss 2.7e-6 jsws 5e-13 jswgs 5e-13
    }
    variable fixed_p {
        cjs 8.1e-4 cjsws 3.0e-10 cjswgs 3.0e-10 mjs 0.34 mjsws 0.3 mjswgs 0.3
        pbs 0.7 pbsws 0.7 pbswgs 0.7 jss 2.7e-6 jsws 5e-13 jswgs 5e-13
    }

    # Fitted DC parameters: name {initial scale lo hi}
    variable dcfree_n {
        vth0   {0.45  0.05  0.1  0.9}
        lvth0  {0     0.02 -0.3  0.3}
        wvth0  {0     0.02 -0.3  0.3}
        k1     {0.55  0.1   0.1  1.5}
        k2     {0.0   0.02 -0.3  0.3}
        dvt0   {2.0   0.5   0.01 20}
        dvt1   {0.5   0.1   0.05 3}
        lpe0   {5e-8  2e-8 -1e-7 5e-7}
        u0     {0.03  0.005 0.005 0.08}
        lu0    {0     0.002 -0.03 0.03}
        wu0    {0     0.002 -0.03 0.03}
        ua     {1e-9  5e-10 -5e-9 1e-8}
        ub     {1e-18 5e-19 -1e-17 1e-17}
        uc     {0     5e-11 -5e-10 5e-10}
        vsat   {1e5   2e4   3e4  3e5}
        lvsat  {0     1e4  -2e5  2e5}
        a0     {1.0   0.3   0.0  5}
        ags    {0.1   0.1   0.0  2}
        keta   {-0.03 0.02 -0.5  0.2}
        rdsw   {200   50    0    2000}
        nfactor {1.0  0.2   0.1  4}
        voff   {-0.1  0.03 -0.5  0.2}
        cdsc   {0     1e-4  0    1e-2}
        eta0   {0.05  0.02  0    1}
        etab   {-0.05 0.02 -0.5  0.1}
        dsub   {0.5   0.1   0.05 3}
        pclm   {1.0   0.2   0.05 10}
        pdiblc1 {0.3  0.1   0    2}
        pdiblc2 {0.005 0.002 0   0.1}
        pvag   {0.5   0.3   0    10}
        delta  {0.01  0.005 0.001 0.1}
        lint   {1e-8  5e-9 -5e-8 5e-8}
        wint   {1e-8  5e-9 -5e-8 1e-7}
        minv   {0     0.2  -2    2}
        pvth0  {0     0.01 -0.2  0.2}
        pu0    {0     0.001 -0.02 0.02}
        wvsat  {0     1e4  -2e5  2e5}
        lua    {0     2e-10 -5e-9 5e-9}
        wua    {0     2e-10 -5e-9 5e-9}
        lrdsw  {0     20   -1000 1000}
        wrdsw  {0     20   -1000 1000}
        lnfactor {0   0.1  -2    2}
        wnfactor {0   0.1  -2    2}
        lvoff  {0     0.01 -0.2  0.2}
        lpclm  {0     0.1  -5    5}
        lpdiblc2 {0   0.001 -0.05 0.05}
        leta0  {0     0.01 -0.5  0.5}
        wk2    {0     0.01 -0.2  0.2}
        dvw_a  {0     0.01 -0.2  0.2}
        dvw_w  {10    3     1    100}
        toxe   {4.1e-9 1e-10 3e-9 6e-9}
    }
    variable dcfree_p {
        vth0   {-0.45 0.05 -0.9  -0.1}
        lvth0  {0     0.02 -0.3  0.3}
        wvth0  {0     0.02 -0.3  0.3}
        k1     {0.5   0.1   0.1  1.5}
        k2     {0.0   0.02 -0.3  0.3}
        dvt0   {2.0   0.5   0.01 20}
        dvt1   {0.5   0.1   0.05 3}
        lpe0   {5e-8  2e-8 -1e-7 5e-7}
        u0     {0.008 0.002 0.001 0.03}
        lu0    {0     0.001 -0.01 0.01}
        wu0    {0     0.001 -0.01 0.01}
        ua     {1e-9  5e-10 -5e-9 1e-8}
        ub     {1e-18 5e-19 -1e-17 1e-17}
        uc     {0     5e-11 -5e-10 5e-10}
        vsat   {8e4   2e4   2e4  3e5}
        lvsat  {0     1e4  -2e5  2e5}
        a0     {1.0   0.3   0.0  5}
        ags    {0.1   0.1   0.0  2}
        keta   {-0.03 0.02 -0.5  0.2}
        rdsw   {400   100   0    3000}
        nfactor {1.0  0.2   0.1  4}
        voff   {-0.1  0.03 -0.5  0.2}
        cdsc   {0     1e-4  0    1e-2}
        eta0   {0.05  0.02  0    1}
        etab   {-0.05 0.02 -0.5  0.1}
        dsub   {0.5   0.1   0.05 3}
        pclm   {1.0   0.2   0.05 10}
        pdiblc1 {0.3  0.1   0    2}
        pdiblc2 {0.005 0.002 0   0.1}
        pvag   {0.5   0.3   0    10}
        delta  {0.01  0.005 0.001 0.1}
        lint   {1e-8  5e-9 -5e-8 5e-8}
        wint   {1e-8  5e-9 -5e-8 1e-7}
        minv   {0     0.2  -2    2}
        pvth0  {0     0.01 -0.2  0.2}
        pu0    {0     0.001 -0.02 0.02}
        wvsat  {0     1e4  -2e5  2e5}
        lua    {0     2e-10 -5e-9 5e-9}
        wua    {0     2e-10 -5e-9 5e-9}
        lrdsw  {0     20   -1000 1000}
        wrdsw  {0     20   -1000 1000}
        lnfactor {0   0.1  -2    2}
        wnfactor {0   0.1  -2    2}
        lvoff  {0     0.01 -0.2  0.2}
        lpclm  {0     0.1  -5    5}
        lpdiblc2 {0   0.001 -0.05 0.05}
        leta0  {0     0.01 -0.5  0.5}
        wk2    {0     0.01 -0.2  0.2}
        dvw_a  {0     0.01 -0.2  0.2}
        dvw_w  {10    3     1    100}
        toxe   {4.1e-9 1e-10 3e-9 6e-9}
    }
    # Fitted capacitance parameters (stage 2): name {initial scale lo hi}
    variable cvfree {
        cgso   {2.5e-10 5e-11 0 1e-9}
        cgdo   {2.5e-10 5e-11 0 1e-9}
        cf     {5e-11   2e-11 0 3e-10}
        dlc    {1e-8    5e-9 -5e-8 1e-7}
        dwc    {0       5e-9 -5e-8 1e-7}
        voffcv {0       0.03 -0.5 0.5}
        noff   {1       0.2  0.1  4}
        acde   {1       0.2  0.1  3}
        moin   {15      3    5    40}
        cgbo   {0       1e-11 0   1e-10}
    }

    # Current values: model::params(nfet|pfet) dicts of fitted names -> values
    variable params
    foreach k {nfet pfet} {
        set params($k) {}
        foreach {n spec} [set dcfree_[string index $k 0]] {dict set params($k) $n [lindex $spec 0]}
        foreach {n spec} $cvfree {dict set params($k) $n [lindex $spec 0]}
    }
    # passives: MIM C = ca*(w+dw)*(l+dw) + cp*2*(w+l+2*dw) ; resistors
    # R = rs*l + re0 + re1/sqrt(l)
    variable mim {ca 2.0e-15 cp 0.19e-15 dw -0.025}
    variable res {}
    set f [file join $here fitted_params.tcl]
    if {[file exists $f]} {
        # fitted values override the initial guesses (new parameters keep
        # their initial value)
        set init_n $params(nfet); set init_p $params(pfet)
        source $f
        set params(nfet) [dict merge $init_n $params(nfet)]
        set params(pfet) [dict merge $init_p $params(pfet)]
    }
}

proc model::fmt {v} {
    if {[string is double -strict $v]} {return [format %.6g $v]}
    return $v
}

# .model card text for one device kind with the given fitted dict.
proc model::card {name kind fitted} {
    variable fixed_common; variable fixed_n; variable fixed_p
    set type [expr {$kind eq "nfet" ? "nmos" : "pmos"}]
    set all [dict merge $fixed_common [expr {$kind eq "nfet" ? $fixed_n : $fixed_p}] $fitted]
    dict unset all rdsw_unused
    # instance-level large-width threshold shift, not a card parameter
    dict unset all dvw_a
    dict unset all dvw_w
    # tie the oxide thicknesses together
    dict set all toxp [dict get $all toxe]
    dict set all toxm [dict get $all toxe]
    set lines [list ".model $name $type"]
    set cur "+"
    foreach {k v} $all {
        set item " $k=[fmt $v]"
        if {[string length $cur] + [string length $item] > 78} {lappend lines $cur; set cur "+"}
        append cur $item
    }
    lappend lines $cur
    return [join $lines \n]
}

# delvto of a finger of width w (um) for fitted dict p
proc model::delvto {p w} {
    expr {[dict get $p dvw_a] * $w / ($w + [dict get $p dvw_w])}
}

proc model::mos_subckt {kind} {
    variable params
    set sub sky130_fd_pr__${kind}_01v8
    set t ".subckt $sub d g s b l=1 w=1 ad=0 as=0 pd=0 ps=0 nrd=0 nrs=0 sa=0 sb=0 sd=0 mult=1 nf=1\n"
    # delvto: fitted threshold shift of wide fingers, dvw_a*wf/(wf+dvw_w), wf = finger width in um
    set a [fmt [dict get $params($kind) dvw_a]]; set wc [fmt [dict get $params($kind) dvw_w]]
    append t "m0 d g s b halo_${kind}_01v8 l={l} w={w} ad={ad} as={as} pd={pd} ps={ps} nrd={nrd} nrs={nrs} sa={sa} sb={sb} sd={sd} nf={nf}\n"
    append t "+ delvto={$a*(w/nf)/((w/nf)+$wc)}\n"
    append t [card halo_${kind}_01v8 $kind $params($kind)]\n
    append t ".ends $sub\n"
    return $t
}

proc model::passives_text {} {
    variable mim; variable res
    set ca [dict get $mim ca]; set cp [dict get $mim cp]; set dw [dict get $mim dw]
    set t "* MIM capacitor, metal3 bottom plate (c1) / capm top plate (c0).\n"
    append t "* C = ca*(w+dw)*(l+dw) + cp*2*(w+l+2*dw); w, l in um; mf only for matching (unused).\n"
    append t ".subckt sky130_fd_pr__cap_mim_m3_1 c0 c1 w=1 l=1 mf=1\n"
    append t "c0 c0 c1 {[fmt $ca]*(w+([fmt $dw]))*(l+([fmt $dw])) + [fmt $cp]*2*(w+l+2*([fmt $dw]))}\n"
    append t ".ends sky130_fd_pr__cap_mim_m3_1\n"
    append t "*\n* Precision poly resistors: R = rs*l + re0 + re1/sqrt(l) (l in um, body) with\n"
    append t "* the parasitic capacitance to b split over both ends; mult only for matching.\n"
    foreach cell [lsort [dict keys $res]] {
        lassign [dict get $res $cell] rs re0 re1 w
        set cap [format %.4g [expr {0.106e-15 * $w}]]
        set capl [format %.4g [expr {2 * 0.0504e-15}]]
        append t ".subckt sky130_fd_pr__$cell r0 r1 b l=5 mult=1\n"
        append t "r0 r0 r1 r={[fmt $rs]*l + [fmt $re0] + [fmt $re1]/sqrt(l)}\n"
        append t "c0 r0 b {0.5*($cap*(l+4.16) + $capl*(l+4.16+$w))}\n"
        append t "c1 r1 b {0.5*($cap*(l+4.16) + $capl*(l+4.16+$w))}\n"
        append t ".ends sky130_fd_pr__$cell\n"
    }
    return $t
}

# Full library text.
proc model::lib_text {} {
    set date [clock format [clock seconds] -format %Y-%m-%d]
    set t "* sky130_embedded.lib.spice -- halo's embedded sky130 device models (tt only)\n"
    append t "*\n* These are NOT the SkyWater foundry models. They are compact models written\n"
    append t "* for halo (one BSIM4 card per device type, level=54, plus simple MIM and poly\n"
    append t "* resistor subcircuits) whose parameters were FITTED by tools/calibrate/ to\n"
    append t "* DC, capacitance and passive data simulated with the real sky130 tt models.\n"
    append t "* Fit date: $date. Accuracy: see pdk/sky130/models/CALIBRATION.md.\n"
    append t "* Use the real PDK (sky130.lib.spice) for sign-off; these exist so halo can\n"
    append t "* simulate its examples on a machine without a PDK.\n*\n"
    append t "* Instances use the real library's names, pins and parameters; geometry in um\n"
    append t "* (.option scale=1.0u). Write multi-finger devices as w=<finger W> m=<nf>\n"
    append t "* (nf is passed to BSIM4, which treats w as the total width).\n*\n"
    append t ".lib tt\n.option scale=1.0u\n*\n"
    append t [mos_subckt nfet]*\n[mos_subckt pfet]*\n[passives_text]
    append t ".endl tt\n"
    return $t
}
