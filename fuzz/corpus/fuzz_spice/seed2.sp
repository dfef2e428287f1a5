.subckt a x y
X1 x y b
.ends
.subckt b p q
R1 p q {1k*2}
.ends
