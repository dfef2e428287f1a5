.subckt c a vss
C1 a vss 1e6
.ends
