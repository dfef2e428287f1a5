# fitted_params.tcl -- written by fit.tcl on 2026-11-22 03:47
set params(nfet) {
    vth0 0.54377
    lvth0 0.0106026
    wvth0 -0.00237865
    k1 0.593825
    k2 -0.0428691
    dvt0 1.10312
    dvt1 0.392183
    lpe0 7.76423e-08
    u0 0.0740204
    lu0 -0.00174981
    wu0 0.03
    ua 1.13269e-09
    ub 1.99487e-18
    uc 5e-10
    vsat 74936.1
    lvsat 1357.48
    a0 1.56438
    ags 0.381905
    keta 0.2
    rdsw 0
    nfactor 2.69959
    voff -0.0895739
    cdsc 0.000387849
    eta0 0
    etab -0.5
    dsub 1.20396
    pclm 0.542288
    pdiblc1 0.148762
    pdiblc2 0.0042375
    pvag 0.0199797
    delta 0.0194367
    lint 2.65254e-08
    wint -5e-08
    minv 1.47435
    pvth0 0.000972115
    pu0 -0.00124636
    wvsat -15599
    lua -2.43019e-11
    wua 5e-09
    lrdsw 5.02185
    wrdsw -301.544
    lnfactor 0.0198226
    wnfactor 0.137348
    lvoff -0.00197131
    lpclm -0.0367207
    lpdiblc2 0.000562437
    leta0 0.0254144
    wk2 -0.2
    dvw_a -0.0278658
    dvw_w 8.24345
    toxe 4.27964e-09
    cgso 2.41533e-10
    cgdo 2.27927e-10
    cf 4.06707e-11
    dlc 1.01363e-08
    dwc 2.0512e-08
    voffcv -0.108572
    noff 2.8482
    acde 0.1
    moin 40
    cgbo 0
}
set params(pfet) {
    vth0 -0.734817
    lvth0 0.00157227
    wvth0 0.0893849
    k1 0.455261
    k2 0.0199709
    dvt0 12.5034
    dvt1 1.672
    lpe0 5.29541e-08
    u0 0.00799983
    lu0 0.000145149
    wu0 -0.00278487
    ua 4.57654e-10
    ub 1.51376e-19
    uc -6.79192e-11
    vsat 147393
    lvsat -6726.63
    a0 5
    ags 0.715966
    keta 0.2
    rdsw 3000
    nfactor 1.49723
    voff 0.0575368
    cdsc 0.01
    eta0 0.00755035
    etab -0.00393974
    dsub 0.115802
    pclm 0.484141
    pdiblc1 0
    pdiblc2 0
    pvag 0
    delta 0.0119797
    lint 2.96433e-08
    wint -5e-08
    minv 0.672209
    pvth0 -0.000238211
    pu0 -0.000159851
    wvsat -4974.49
    lua -9.94479e-11
    wua -8.8878e-10
    lrdsw 144.753
    wrdsw 1000
    lnfactor 0.592866
    wnfactor 0.242512
    lvoff -0.0202478
    lpclm 0.00418149
    lpdiblc2 0.000228787
    leta0 0.000115799
    wk2 0.053126
    dvw_a -0.00874229
    dvw_w 2.79782
    toxe 4.58336e-09
    cgso 2.77863e-10
    cgdo 1.06837e-10
    cf 8.6962e-12
    dlc -1.86028e-09
    dwc -5e-08
    voffcv 0.142196
    noff 3.94789
    acde 3
    moin 5
    cgbo 1e-10
}
set mim {ca 1.999999977700594e-15 cp 1.9000003952607532e-16 dw -0.025}
set res {
    res_high_po_0p35 {1111.4908426482918 589.9900775132194 372.3472808677474 0.35}
    res_high_po_0p69 {493.8590738626616 257.76693643265276 340.94874654367914 0.69}
    res_high_po_1p41 {231.3398697813452 184.4666243811457 182.87377871364976 1.41}
    res_high_po_2p85 {114.54766175204409 76.39718598789534 140.94356133325425 2.85}
    res_high_po_5p73 {56.45980481304495 68.05328758294836 -0.008539756203274162 5.73}
    res_xhigh_po_0p35 {5713.714116305672 587.5283833207453 -0.010891306492624181 0.35}
}
