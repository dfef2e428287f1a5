# readme_images.tcl -- the device pictures in README.md.
#
#   halo tools/readme_images.tcl
#
# Draws a 4-finger nfet, a 3-finger pfet and a MIM capacitor from halo's
# sky130 generators, and a placed and a routed Miller OTA, into doc/images/
set root [file dirname [file dirname [file normalize [info script]]]]
set out [file join $root doc images]
file mkdir $out
set ::halo::output ""
write_image [file join $out nfet_4f.png] -width 800 \
    -cell [generate_device nfet_01v8 -w 4 -l 0.15 -nf 4]
write_image [file join $out pfet_3f.png] -width 800 \
    -cell [generate_device pfet_01v8 -w 6 -l 0.5 -nf 3]
write_image [file join $out mimcap.png] -width 600 \
    -cell [generate_device cap_mim_m3_1 -w 8 -l 6]
puts "wrote nfet_4f.png pfet_3f.png mimcap.png to $out"

# A placed Miller OTA: halo boxes, the symmetry axis of its matched pairs.
read_spice [file join $root examples miller_ota miller_ota.spice]
read_constraints [file join $root examples miller_ota pairs.json]
set_fingers [lindex [enumerate_fingers -sample 1 -seed 1] 0]
generate_devices
place -seed 1
write_image [file join $out miller_placement.png] -width 700
puts "wrote miller_placement.png to $out"

# The same placement routed: met2/met3 over the devices, supply nets wide,
# the capacitor's top plate reached on met4.
route
write_image [file join $out miller_routed.png] -width 900
puts "wrote miller_routed.png to $out"

# The demo's OSIRIS dataset (3 arrangements x 4 variants): the best and the
# worst variant by pscore, read back from their GDS.
read_testbench [file join $root examples miller_ota testbench.spice]
set dataset [file join [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}] halo-readme-dataset]
file delete -force $dataset
generate_dataset -out $dataset -arrangements 3 -variants 4 -seed 1 -quiet 1
set ranked [lsort -real -index 1 [lmap r [read_dataset $dataset] {list [dict get $r gds] [dict get $r pscore]}]]
foreach which {best worst} entry [list [lindex $ranked 0] [lindex $ranked end]] {
    read_gds [file join $dataset [lindex $entry 0]]
    write_image [file join $out miller_$which.png] -width 600
}
file delete -force $dataset
puts "wrote miller_best.png miller_worst.png to $out"
