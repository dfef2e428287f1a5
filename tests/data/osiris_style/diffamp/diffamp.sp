.subckt diffamp VDD GND INN INP OUT
M1 tail VB GND GND sky130_fd_pr__nfet_01v8 l=300e-9 w=8.4e-7 nf=ZZZ
M2 x INN tail GND sky130_fd_pr__nfet_01v8 l=150e-9 w=12.6e-7 nf=ZZZ
M3 y INP tail GND sky130_fd_pr__nfet_01v8 l=150e-9 w=12.6e-7 nf=ZZZ
M4 x x VDD VDD sky130_fd_pr__pfet_01v8 l=150e-9 w=8.4e-7 nf=ZZZ
M5  y x  VDD VDD sky130_fd_pr__pfet_01v8 l=150e-9 w=8.4e-7 nf=ZZZ
M6 OUT y VDD VDD sky130_fd_pr__pfet_01v8 l=150e-9 w=16.8e-7 nf=ZZZ
M7 OUT VB GND GND sky130_fd_pr__nfet_01v8 l=300e-9 w=8.4e-7 nf=ZZZ
M8 VB VB GND GND sky130_fd_pr__nfet_01v8 l=300e-9 w=8.4e-7 nf=ZZZ
M9 VB VB VDD VDD sky130_fd_pr__pfet_01v8 l=150e-9 w=4.2e-7 nf=ZZZ
C1 z OUT sky130_fd_pr__cap_mim_m3_1 l=12.0e-6 w=12.0e-6
R1 y z resistor r=4.7k
.ends diffamp
