# slurm.tcl -- a real one-machine Slurm cluster for halo's tests.
#
# Plain Tcl 8.6 (no packages).  Needs root and Debian's slurm-wlm + munge
# (installed on demand by slurm_available).  Typical tcltest use:
#
#   source [file join [file dirname [info script]] slurm.tcl]
#   testConstraint slurm [expr {[slurm_available] eq ""}]
#   test osiris-slurm-1 {dataset shards as a job array} -constraints slurm -setup {
#       set dir [makeDirectory slurmcl]
#       set cl  [slurm_start $dir]
#   } -body {
#       set job [slurm_submit_array -outdir $dir/out $cl flows/osiris_slurm.sh 3 $dir/ds ...]
#       slurm_wait $cl $job 300
#   } -cleanup {
#       slurm_stop $cl
#   } -result ...
#
# Public procs:
#   slurm_available                         -> "" or a reason why not
#   slurm_start DIR ?-timeout S? ?-cpus N? ?-conf LINES? -> cluster dict
#       (-conf: extra slurm.conf lines, e.g. "SchedulerParameters=...")
#   slurm_submit_array ?opts? CLUSTER SCRIPT N ?arg ...?  -> job id
#       opts: -outdir DIR   (default CLUSTER(dir)/out; slurm-%A_%a.out go there)
#             -chdir DIR    (default [pwd])
#             -name NAME    (job name, default: the script's #SBATCH or Slurm's)
#             -sbatch LIST  (more sbatch options)
#             -wrap BOOL    (default 1: run SCRIPT through a wrapper that writes
#                            OUTDIR/task-<job>_<task>.rc with the exit code)
#   slurm_wait CLUSTER JOBID ?TIMEOUT?      -> dict task -> {state S exit E source X ?rc R?}
#   slurm_stop CLUSTER                      -> stops all daemons it started
#   slurm_cmd CLUSTER prog ?arg ...?        -> runs squeue/sinfo/... with SLURM_CONF
#
# Cluster dict keys: dir conf node cpus ctld_port slurmd_port munge_dir
#   munge_socket munge_own pidfiles {munged slurmctld slurmd}
#   logs {munged slurmctld slurmd start} outdir

namespace eval ::slurm {
    variable avail     ;# cached result of slurm_available
    variable installed_tried 0
    variable jobs      ;# array: "$conf,$jobid" -> dict n outdir wrapped
    array set jobs {}
    variable wrapseq 0
    variable sbin {/usr/sbin /sbin /usr/local/sbin /usr/bin /bin /usr/local/bin}
}

# ---------------------------------------------------------------- helpers

# Full path of a program, looking in PATH and the sbin dirs; "" if absent.
proc ::slurm::bin {name} {
    set p [auto_execok $name]
    if {$p ne ""} { return [lindex $p 0] }
    foreach d $::slurm::sbin {
        set f [file join $d $name]
        if {[file executable $f] && ![file isdirectory $f]} { return $f }
    }
    return ""
}

proc ::slurm::is_root {} {
    if {[catch {exec id -u} uid]} { return [expr {$::tcl_platform(user) eq "root"}] }
    return [expr {[string trim $uid] eq "0"}]
}

proc ::slurm::missing {} {
    set miss {}
    foreach p {munged munge slurmctld slurmd sbatch squeue sinfo scontrol scancel} {
        if {[bin $p] eq ""} { lappend miss $p }
    }
    return $miss
}

# Last N lines of a file ("" if unreadable).
proc ::slurm::tail {file {n 20}} {
    if {[catch {open $file r} f]} { return "" }
    set data [read $f]
    close $f
    set lines [split [string trimright $data \n] \n]
    return [join [lrange $lines end-[expr {$n - 1}] end] \n]
}

proc ::slurm::tails {cluster {n 20}} {
    set out ""
    dict for {what file} [dict get $cluster logs] {
        set t [tail $file $n]
        if {$t ne ""} { append out "\n--- $what ($file):\n$t" }
    }
    return $out
}

# Run a command with extra environment variables set (restored afterwards).
# Returns {rc output}; stdout and stderr are merged.
proc ::slurm::run_env {envd args} {
    set saved {}
    dict for {k v} $envd {
        if {[info exists ::env($k)]} { dict set saved $k [list 1 $::env($k)] } else { dict set saved $k [list 0 ""] }
        set ::env($k) $v
    }
    if {[lsearch -glob $args {>*}] < 0} { lappend args 2>@1 }
    set rc [catch {exec {*}$args} out]
    dict for {k s} $saved {
        if {[lindex $s 0]} { set ::env($k) [lindex $s 1] } else { unset -nocomplain ::env($k) }
    }
    return [list $rc $out]
}

proc ::slurm::cmd {cluster prog args} {
    set exe [bin $prog]
    if {$exe eq ""} { error "slurm: $prog not found" }
    run_env [dict create SLURM_CONF [dict get $cluster conf]] $exe {*}$args
}

proc ::slurm_cmd {cluster prog args} {
    lassign [::slurm::cmd $cluster $prog {*}$args] rc out
    if {$rc} { error "$prog failed: $out" }
    return $out
}

proc ::slurm::alive {pid} {
    if {![string is integer -strict $pid] || $pid <= 1} { return 0 }
    if {[catch {open /proc/$pid/stat r} f]} { return 0 }
    set s [read $f]
    close $f
    # the state field follows "(comm) "; a zombie counts as dead
    set s [string range $s [expr {[string last ")" $s] + 2}] end]
    return [expr {[lindex $s 0] ne "Z"}]
}

# Command line of a process as a string ("" if gone).
proc ::slurm::cmdline {pid} {
    if {[catch {open /proc/$pid/cmdline r} f]} { return "" }
    fconfigure $f -translation binary
    set s [read $f]
    close $f
    return [string map [list \0 " "] $s]
}

proc ::slurm::readpid {file} {
    if {[catch {open $file r} f]} { return "" }
    set p [string trim [read $f]]
    close $f
    if {[string is integer -strict $p]} { return $p }
    return ""
}

# Stop the process whose pid is in FILE, if it is alive and its command line
# contains NAME (guards against a recycled pid).  Waits up to WAIT seconds,
# then SIGKILL.  Returns 1 if something was stopped.
proc ::slurm::stop_pidfile {file name {wait 15}} {
    set pid [readpid $file]
    if {$pid eq "" || ![alive $pid] || [string first $name [cmdline $pid]] < 0} {
        file delete -force $file
        return 0
    }
    catch {exec kill -TERM $pid}
    set end [expr {[clock milliseconds] + $wait * 1000}]
    while {[alive $pid] && [clock milliseconds] < $end} { after 100 }
    if {[alive $pid]} {
        catch {exec kill -KILL $pid}
        set end [expr {[clock milliseconds] + 5000}]
        while {[alive $pid] && [clock milliseconds] < $end} { after 100 }
    }
    file delete -force $file
    return 1
}

# Pids of processes (other than us) whose environment holds SLURM_CONF=CONF:
# slurmd passes it on to slurmstepd and the jobs' processes.
proc ::slurm::procs_with_conf {conf} {
    set needle "SLURM_CONF=$conf\0"
    set res {}
    foreach d [glob -nocomplain -directory /proc -tails {[0-9]*}] {
        if {$d == [pid] || ![string is integer -strict $d]} continue
        if {[catch {open /proc/$d/environ r} f]} continue
        fconfigure $f -translation binary
        set e [read $f]
        close $f
        if {[string first $needle "$e\0"] >= 0} { lappend res $d }
    }
    return $res
}

# Is TCP port P free for a listener on all addresses?
proc ::slurm::port_free {p} {
    if {[catch {socket -server ::slurm::noop $p} s]} { return 0 }
    close $s
    if {[catch {socket -server ::slurm::noop -myaddr 127.0.0.1 $p} s]} { return 0 }
    close $s
    return 1
}
proc ::slurm::noop {args} { catch {close [lindex $args 0]} }

# A free port below the Linux ephemeral range, not in AVOID.
proc ::slurm::pick_port {{avoid {}}} {
    for {set i 0} {$i < 200} {incr i} {
        set p [expr {20000 + int(rand() * 12000)}]
        if {$p in $avoid} continue
        if {[port_free $p]} { return $p }
    }
    error "slurm: no free TCP port found in 20000-32000"
}

proc ::slurm::nodename {} {
    if {![catch {exec hostname -s} h] && [regexp {^[A-Za-z0-9][A-Za-z0-9_-]*$} [string trim $h]]} {
        return [string trim $h]
    }
    set h [lindex [split [info hostname] .] 0]
    if {[regexp {^[A-Za-z0-9][A-Za-z0-9_-]*$} $h]} { return $h }
    return localhost
}

proc ::slurm::nproc {} {
    if {![catch {exec nproc} n] && [string is integer -strict [string trim $n]]} { return [string trim $n] }
    return 1
}

proc ::slurm::writefile {file data {perm {}}} {
    set f [open $file w]
    if {$perm ne ""} { catch {file attributes $file -permissions $perm} }
    puts -nonewline $f $data
    close $f
}

# ---------------------------------------------------------------- availability

proc ::slurm_available {} {
    if {[info exists ::slurm::avail]} { return $::slurm::avail }
    set ::slurm::avail [::slurm::check_available]
}

proc ::slurm::check_available {} {
    if {[info exists ::env(HALO_NO_SLURM)] && $::env(HALO_NO_SLURM) ni {"" 0}} {
        return "Slurm tests disabled by HALO_NO_SLURM"
    }
    if {$::tcl_platform(os) ne "Linux"} { return "Slurm harness needs Linux (this is $::tcl_platform(os))" }
    set root [is_root]
    set miss [missing]
    if {[llength $miss]} {
        if {!$root} { return "not root and Slurm/munge missing ([join $miss {, }])" }
        if {[bin apt-get] eq ""} { return "Slurm/munge missing ([join $miss {, }]) and no apt-get to install them" }
        if {$::slurm::installed_tried} { return "Slurm/munge missing ([join $miss {, }]) after an install attempt" }
        set ::slurm::installed_tried 1
        set envd [dict create DEBIAN_FRONTEND noninteractive]
        set apt [bin apt-get]
        lassign [run_env $envd $apt install -y -qq slurm-wlm munge] rc out
        if {$rc} {
            lassign [run_env $envd $apt update -qq] urc uout
            lassign [run_env $envd $apt install -y -qq slurm-wlm munge] rc out
            if {$rc} {
                set lines [split [string trim "$uout\n$out"] \n]
                return "apt-get install slurm-wlm munge failed (no network or no package?):\n[join [lrange $lines end-9 end] \n]"
            }
        }
        set miss [missing]
        if {[llength $miss]} { return "Slurm/munge still missing after install: [join $miss {, }]" }
    }
    if {!$root} { return "not root: the one-machine Slurm (SlurmUser=root, jobs as root) needs root" }
    return ""
}

# ---------------------------------------------------------------- start

# Start munged with files in MDIR.  Returns 1 on success.
proc ::slurm::start_munged {mdir logvar} {
    upvar 1 $logvar log
    file mkdir $mdir
    catch {file attributes $mdir -permissions 0755}
    set key [file join $mdir munge.key]
    if {![file exists $key] || [file size $key] < 32} {
        set r [open /dev/urandom rb]
        set bytes [read $r 1024]
        close $r
        file delete -force $key
        set f [open $key {WRONLY CREAT EXCL BINARY} 0400]
        puts -nonewline $f $bytes
        close $f
    }
    catch {file attributes $key -permissions 0400}
    set log [file join $mdir munged.log]
    set sock [file join $mdir munge.socket]
    set pidf [file join $mdir munged.pid]
    stop_pidfile $pidf munged 5
    file delete -force $sock $sock.lock
    set rc [catch {exec [bin munged] --force --key-file=$key --socket=$sock --pid-file=$pidf \
                       --log-file=$log --seed-file=[file join $mdir munged.seed] \
                       </dev/null >>& [file join $mdir munged.start]} err]
    # munged only returns once its socket is ready; double-check by a round trip
    set end [expr {[clock milliseconds] + 5000}]
    while {[clock milliseconds] < $end} {
        if {[file exists $pidf] && [alive [readpid $pidf]] &&
            ![catch {exec [bin munge] -n -S $sock | [bin unmunge] -S $sock} out]} { return 1 }
        after 100
    }
    stop_pidfile $pidf munged 5
    return 0
}

proc ::slurm_start {dir args} {
    set opts [dict merge {-timeout 60 -cpus {} -conf {}} $args]
    foreach k [dict keys $args] {
        if {$k ni {-timeout -cpus -conf}} { error "slurm_start: unknown option $k (use -timeout S, -cpus N, -conf LINES)" }
    }
    set avail [slurm_available]
    if {$avail ne ""} { error "slurm_start: Slurm not available: $avail" }
    set dir [file normalize $dir]
    file mkdir $dir
    catch {file attributes $dir -permissions 0755}

    # a previous run in this DIR may have left daemons behind: stop them
    if {[file exists [file join $dir cluster.dict]]} {
        catch {
            set f [open [file join $dir cluster.dict]]; set old [read $f]; close $f
            slurm_stop $old
        }
    }
    foreach sub {state log out jobs} {
        file delete -force [file join $dir $sub]
        file mkdir [file join $dir $sub]
    }
    set node [::slurm::nodename]
    # Unix socket paths are limited to 108 bytes: munged's socket and the
    # slurmstepd sockets in SlurmdSpoolDir (<node>_<job>.<step>, ~25 more
    # bytes) must fit.  For a long DIR, keep those two in a short /tmp dir.
    set rundir $dir
    if {[string length $dir/spool/${node}_4294967291.4294967291] > 100} {
        set rundir /tmp/halo-slurm-[pid]-[string range [clock milliseconds] end-5 end]
        file mkdir $rundir
        catch {file attributes $rundir -permissions 0755}
        catch {file delete -force [file join $dir run]; file link -symbolic [file join $dir run] $rundir}
    }
    file delete -force [file join $rundir spool]
    file mkdir [file join $rundir spool]
    set cpus [dict get $opts -cpus]
    if {$cpus eq ""} { set cpus [::slurm::nproc] }
    set conf [file join $dir slurm.conf]
    set startlog [file join $dir log start.log]
    set cl [dict create dir $dir rundir $rundir conf $conf node $node cpus $cpus outdir [file join $dir out] \
                munge_own 0 munge_dir "" munge_socket "" \
                pidfiles [dict create munged "" \
                              slurmctld [file join $dir slurmctld.pid] \
                              slurmd [file join $dir slurmd.pid]] \
                logs [dict create start $startlog \
                          slurmctld [file join $dir log slurmctld.log] \
                          slurmd [file join $dir log slurmd.log]]]

    # --- munge: our own daemon, socket, key.  A unix socket path must stay
    # under 108 bytes, and munged refuses group/world-writable dirs, so fall
    # back to a short private dir under /tmp, and last to a system munged.
    set cands {}
    set mdir [file join $rundir munge]
    if {[string length $mdir/munge.socket] < 100} { lappend cands $mdir }
    lappend cands /tmp/halo-munge-[pid]-[string range [clock milliseconds] end-5 end]
    set ok 0
    foreach m $cands {
        if {[::slurm::start_munged $m mlog]} {
            dict set cl munge_own 1
            dict set cl munge_dir $m
            dict set cl munge_socket [file join $m munge.socket]
            dict set cl pidfiles munged [file join $m munged.pid]
            dict set cl logs munged $mlog
            set ok 1
            break
        }
        set why [::slurm::tail $mlog 10]\n[::slurm::tail [file join $m munged.start] 5]
        if {$m ne $mdir} { catch {file delete -force $m} }
    }
    if {!$ok} {
        set sys /run/munge/munge.socket.2
        if {[file exists $sys] && ![catch {exec [::slurm::bin munge] -n -S $sys | [::slurm::bin unmunge] -S $sys}]} {
            dict set cl munge_socket $sys   ;# use, but never stop, the system munged
        } else {
            error "slurm_start: could not start munged:\n$why"
        }
    }

    # --- slurm.conf
    set p1 [::slurm::pick_port]
    set p2 [::slurm::pick_port [list $p1]]
    dict set cl ctld_port $p1
    dict set cl slurmd_port $p2
    set sock [dict get $cl munge_socket]
    set c "# written by halo tests/slurm.tcl\n"
    foreach {k v} [list \
        ClusterName local \
        SlurmctldHost "$node\(127.0.0.1)" \
        SlurmctldPort $p1 \
        SlurmdPort $p2 \
        AuthType auth/munge \
        CredType cred/munge \
        AuthInfo socket=$sock \
        ProctrackType proctrack/linuxproc \
        TaskPlugin task/none \
        SelectType select/cons_tres \
        SelectTypeParameters CR_Core \
        SlurmUser root \
        SlurmdUser root \
        ReturnToService 2 \
        MpiDefault none \
        SwitchType switch/none \
        JobAcctGatherType jobacct_gather/none \
        AccountingStorageType accounting_storage/none \
        JobCompType jobcomp/none \
        MinJobAge 3600 \
        SchedulerParameters batch_sched_delay=0,sched_min_interval=0 \
        MaxArraySize 10001 \
        KillWait 5 \
        InactiveLimit 0 \
        StateSaveLocation [file join $dir state] \
        SlurmdSpoolDir [file join $rundir spool] \
        SlurmctldPidFile [dict get $cl pidfiles slurmctld] \
        SlurmdPidFile [dict get $cl pidfiles slurmd] \
        SlurmctldLogFile [dict get $cl logs slurmctld] \
        SlurmdLogFile [dict get $cl logs slurmd] \
        ] { append c "$k=$v\n" }
    if {[dict get $opts -conf] ne ""} { append c [string trim [dict get $opts -conf]]\n }
    append c "NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN\n"
    append c "PartitionName=main Nodes=$node Default=YES MaxTime=INFINITE State=UP\n"
    ::slurm::writefile $conf $c 0644
    ::slurm::writefile [file join $dir cluster.dict] $cl

    # --- daemons
    set envd [dict create SLURM_CONF $conf]
    set fail ""
    foreach {d argv} [list slurmctld [list -f $conf] slurmd [list -f $conf -N $node]] {
        lassign [::slurm::run_env $envd [::slurm::bin $d] {*}$argv </dev/null >>& $startlog] rc out
        if {$rc} { set fail "$d did not start: $out"; break }
        set pf [dict get $cl pidfiles $d]
        set end [expr {[clock milliseconds] + 15000}]
        while {![::slurm::alive [::slurm::readpid $pf]] && [clock milliseconds] < $end} { after 100 }
        if {![::slurm::alive [::slurm::readpid $pf]]} { set fail "$d did not write a live pid to $pf"; break }
    }
    if {$fail eq ""} {
        set end [expr {[clock milliseconds] + 1000 * [dict get $opts -timeout]}]
        set state ""
        while 1 {
            lassign [::slurm::cmd $cl sinfo -h -n $node -o %t] rc state
            set state [string trim $state]
            if {!$rc && $state eq "idle"} break
            if {!$rc && ([string match {down*} $state] || [string match {drain*} $state])} {
                ::slurm::cmd $cl scontrol update NodeName=$node State=RESUME
            }
            foreach d {slurmctld slurmd} {
                if {![::slurm::alive [::slurm::readpid [dict get $cl pidfiles $d]]]} {
                    set fail "$d died while waiting for node $node to become idle"
                }
            }
            if {$fail ne ""} break
            if {[clock milliseconds] > $end} {
                set fail "node $node not idle after [dict get $opts -timeout] s (sinfo: $state)"
                break
            }
            after 200
        }
    }
    if {$fail ne ""} {
        set t [::slurm::tails $cl 15]
        catch {slurm_stop $cl}
        error "slurm_start: $fail$t"
    }
    return $cl
}

# ---------------------------------------------------------------- jobs

proc ::slurm_submit_array {args} {
    set opts [dict create -outdir "" -chdir [pwd] -name "" -sbatch {} -wrap 1]
    while {[string match -* [lindex $args 0]]} {
        set args [lassign $args o v]
        if {$o eq "--"} { set args [linsert $args 0 $v]; break }
        if {![dict exists $opts $o]} { error "slurm_submit_array: unknown option $o" }
        dict set opts $o $v
    }
    if {[llength $args] < 3} {
        error {usage: slurm_submit_array ?-outdir D? ?-chdir D? ?-name N? ?-sbatch LIST? ?-wrap BOOL? CLUSTER SCRIPT N ?arg ...?}
    }
    set sargs [lassign $args cl script n]
    if {![string is integer -strict $n] || $n < 1} { error "slurm_submit_array: N must be a positive integer, got \"$n\"" }
    set script [file normalize $script]
    if {![file readable $script]} { error "slurm_submit_array: no such script $script" }
    set outdir [dict get $opts -outdir]
    if {$outdir eq ""} { set outdir [dict get $cl outdir] }
    set outdir [file normalize $outdir]
    file mkdir $outdir
    set chdir [file normalize [dict get $opts -chdir]]

    set submit $script
    if {[dict get $opts -wrap]} {
        # wrapper: copy the script's #SBATCH header, run it, record its exit code
        set f [open $script]; set body [read $f]; close $f
        set lines [split $body \n]
        set interp {}
        if {[string match "#!*" [lindex $lines 0]]} { set interp [string trim [string range [lindex $lines 0] 2 end]] }
        set hdr {}
        foreach l [lrange $lines 1 end] {
            if {[string match "#SBATCH*" $l]} { lappend hdr $l; continue }
            if {[string trim $l] eq "" || [string match "#*" $l]} continue
            break
        }
        if {[file executable $script]} {
            set run [list $script]
        } elseif {$interp ne ""} {
            set run [concat $interp [list $script]]
        } else {
            set run [list /bin/sh $script]
        }
        set q {}
        foreach w $run { lappend q '[string map {' '\\''} $w]' }
        set rcdir '[string map {' '\\''} $outdir]'
        set w "#!/bin/sh\n[join $hdr \n]\n"
        append w "# halo slurm.tcl wrapper for $script\n"
        append w "[join $q] \"\$@\"\nrc=\$?\n"
        append w "echo \$rc > $rcdir/task-\${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID}.rc\nexit \$rc\n"
        set submit [file join [dict get $cl dir] jobs wrap-[pid]-[incr ::slurm::wrapseq].sh]
        ::slurm::writefile $submit $w 0755
    }
    set sb [list --parsable --array=0-[expr {$n - 1}] --chdir=$chdir \
                --output=[file join $outdir slurm-%A_%a.out]]
    if {[dict get $opts -name] ne ""} { lappend sb --job-name=[dict get $opts -name] }
    lappend sb {*}[dict get $opts -sbatch]
    lassign [::slurm::cmd $cl sbatch {*}$sb $submit {*}$sargs] rc out
    set id [lindex [split [lindex [split [string trim $out] \n] end] ";"] 0]
    if {$rc || ![string is integer -strict $id]} {
        error "slurm_submit_array: sbatch failed: $out[::slurm::tails $cl 10]"
    }
    set ::slurm::jobs([dict get $cl conf],$id) [dict create n $n outdir $outdir wrapped [dict get $opts -wrap]]
    return $id
}

# Per-task states, as a dict task -> {state S exit E source X ?rc R?}.
proc ::slurm::collect {cl job} {
    set key [dict get $cl conf],$job
    set n ""; set outdir [dict get $cl outdir]
    if {[info exists ::slurm::jobs($key)]} {
        set n [dict get $::slurm::jobs($key) n]
        set outdir [dict get $::slurm::jobs($key) outdir]
    }
    set res [dict create]
    # 1. sacct, if accounting storage is configured
    lassign [cmd $cl sacct -n -P -X -j $job --format=JobID,State,ExitCode] rc out
    if {!$rc && ![string match -nocase "*disabled*" $out]} {
        foreach l [split $out \n] {
            lassign [split $l |] jid st ec
            if {[regexp "^${job}_(\\d+)\$" $jid -> t]} {
                dict set res $t [dict create state [lindex $st 0] exit [lindex [split $ec :] 0] source sacct]
            }
        }
    }
    # 2. the controller's memory of finished jobs (kept MinJobAge=3600 s)
    if {$n eq "" || [dict size $res] < $n} {
        lassign [cmd $cl scontrol -o show job $job] rc out
        if {!$rc} {
            foreach l [split $out \n] {
                if {[regexp {ArrayTaskId=(\d+)\s} $l -> t] && [regexp {JobState=(\S+)} $l -> st]
                    && ![dict exists $res $t]} {
                    set ec ""
                    regexp {ExitCode=(\d+)} $l -> ec
                    dict set res $t [dict create state $st exit $ec source scontrol]
                }
            }
        }
    }
    # 3. exit codes written by the tasks: task-<job>_<id>.rc (wrapper) or task-<id>.rc
    foreach f [glob -nocomplain -directory $outdir task-*.rc] {
        if {[regexp "^task-${job}_(\\d+)\\.rc\$" [file tail $f] -> t] ||
            [regexp {^task-(\d+)\.rc$} [file tail $f] -> t]} {
            set r [string trim [::slurm::tail $f 1]]
            if {![string is integer -strict $r]} continue
            if {[dict exists $res $t]} {
                dict set res $t rc $r
            } else {
                dict set res $t [dict create state [expr {$r == 0 ? "COMPLETED" : "FAILED"}] \
                                     exit $r source rcfile rc $r]
            }
        }
    }
    if {$n ne ""} {
        for {set t 0} {$t < $n} {incr t} {
            if {![dict exists $res $t]} { dict set res $t [dict create state UNKNOWN exit "" source none] }
        }
    }
    return [lsort -integer -stride 2 -index 0 $res]
}

proc ::slurm_wait {cl job {timeout 300}} {
    set end [expr {[clock milliseconds] + 1000 * $timeout}]
    set errs 0
    while 1 {
        lassign [::slurm::cmd $cl squeue -h -j $job -o %T] rc out
        if {$rc} {
            if {[string match "*Invalid job id*" $out]} break  ;# already purged: done
            if {[incr errs] >= 10} {
                error "slurm_wait: squeue keeps failing for job $job: $out[::slurm::tails $cl 15]"
            }
        } else {
            set errs 0
            if {[string trim $out] eq ""} break
        }
        if {[clock milliseconds] > $end} {
            lassign [::slurm::cmd $cl squeue -j $job -t all] - sq
            error "slurm_wait: job $job not finished after $timeout s\n--- squeue:\n$sq[::slurm::tails $cl 15]"
        }
        after 250
    }
    ::slurm::collect $cl $job
}

# ---------------------------------------------------------------- stop

proc ::slurm_stop {cl} {
    set conf [dict get $cl conf]
    # cancel our jobs so no slurmstepd outlives slurmd
    set sd [dict get $cl pidfiles slurmctld]
    if {[::slurm::alive [::slurm::readpid $sd]]} {
        catch {::slurm::cmd $cl scancel --user=root}
        set end [expr {[clock milliseconds] + 10000}]
        while {[clock milliseconds] < $end} {
            lassign [::slurm::cmd $cl squeue -h -o %i] rc out
            if {$rc || [string trim $out] eq ""} break
            after 200
        }
    }
    ::slurm::stop_pidfile [dict get $cl pidfiles slurmd] slurmd
    ::slurm::stop_pidfile $sd slurmctld
    # anything still carrying our SLURM_CONF (slurmstepd, job processes)
    set left [::slurm::procs_with_conf $conf]
    if {[llength $left]} {
        catch {exec kill -TERM {*}$left}
        after 1000
        set left [::slurm::procs_with_conf $conf]
        if {[llength $left]} { catch {exec kill -KILL {*}$left} }
    }
    if {[dict get $cl munge_own]} {
        ::slurm::stop_pidfile [dict get $cl pidfiles munged] munged
        set m [dict get $cl munge_dir]
        file delete -force [file join $m munge.socket] [file join $m munge.socket.lock]
        if {[string match /tmp/halo-munge-* $m]} { catch {file delete -force $m} }
    }
    if {[dict exists $cl rundir] && [string match /tmp/halo-slurm-* [dict get $cl rundir]]} {
        catch {file delete -force [dict get $cl rundir]}
    }
    return
}
