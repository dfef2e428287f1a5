.param wn=4
.subckt inv in out vdd vss wp=2
XMP out in vdd vdd sky130_fd_pr__pfet_01v8 W={wp} L=0.15 nf=ZZZ
XMN out in vss vss sky130_fd_pr__nfet_01v8 W={wn} L=0.15
+ m=2
R1 in out 10k ; c
C1 out 0 1p $ c
V1 vdd 0 DC 1.8 AC 1
I1 out 0 PULSE(0 1 1n)
Q1 a b c pnp 2
D1 a b dm
L1 a b 1n
M1 a b c d nch w=1u l=1u
.ends
