#!/bin/sh
#SBATCH --job-name=halo-osiris
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --output=slurm-halo-osiris-%A_%a.out
#
# One shard of a halo OSIRIS dataset generation per Slurm array task.
#
# Submit (from the halo checkout, so flows/osiris.tcl is found; N tasks = N shards):
#
#   sbatch --array=0-7 flows/osiris_slurm.sh OUTDIR -arrangements 20 -variants 50 ...
#
# then, once all tasks are done, merge the shards:
#
#   halo -c 'merge_dataset -out OUTDIR/merged {*}[glob OUTDIR/shard-*]'
#
# Task I (0-based) of N runs
#
#   $HALO $FLOW -out OUTDIR/shard-<I+1>-of-<N> <args...> -shard <I+1>/<N>
#
# and writes its exit code to OUTDIR/task-<I>.rc (read back by tests/slurm.tcl's
# slurm_wait when Slurm accounting is not available).  It exits non-zero if halo fails.
#
# Arguments / environment:
#   $1 (or $OUT)      output directory (required); the rest of the arguments are
#                     passed to osiris.tcl.  If $OUT is set, all arguments go to
#                     osiris.tcl.  ($HALO_ARGS, word-split, is prepended to them.)
#   HALO              halo executable (default: `halo` on PATH)
#   FLOW              flow script (default: flows/osiris.tcl, relative to the job's
#                     working directory, i.e. where sbatch ran or --chdir)
# Put the output folder under the job's log with e.g. --output=OUTDIR/slurm-%A_%a.out.

HALO=${HALO:-halo}
FLOW=${FLOW:-flows/osiris.tcl}

if [ -z "${OUT:-}" ]; then
    if [ $# -lt 1 ]; then
        echo "osiris_slurm.sh: usage: sbatch --array=0-(N-1) osiris_slurm.sh OUTDIR [osiris args...]" >&2
        exit 2
    fi
    OUT=$1
    shift
fi

TASK=${SLURM_ARRAY_TASK_ID:-}
if [ -z "$TASK" ]; then
    echo "osiris_slurm.sh: SLURM_ARRAY_TASK_ID not set (submit with sbatch --array=0-(N-1))" >&2
    exit 2
fi
COUNT=${SLURM_ARRAY_TASK_COUNT:-}
if [ -z "$COUNT" ]; then
    # old Slurm: no SLURM_ARRAY_TASK_COUNT
    if [ -n "${SLURM_ARRAY_TASK_MAX:-}" ] && [ -n "${SLURM_ARRAY_TASK_MIN:-}" ]; then
        COUNT=$((SLURM_ARRAY_TASK_MAX - SLURM_ARRAY_TASK_MIN + 1))
    else
        COUNT=1
    fi
fi
# shards are numbered 1..N, relative to the lowest task id (--array=0-7 or 1-8 both work)
MIN=${SLURM_ARRAY_TASK_MIN:-0}
I=$((TASK - MIN + 1))

mkdir -p "$OUT" || exit 1
SHARD_DIR="$OUT/shard-$I-of-$COUNT"

echo "halo-osiris: task $TASK shard $I/$COUNT on $(hostname) -> $SHARD_DIR"
# shellcheck disable=SC2086
"$HALO" "$FLOW" -out "$SHARD_DIR" ${HALO_ARGS:-} "$@" -shard "$I/$COUNT"
rc=$?
echo "$rc" > "$OUT/task-$TASK.rc"
if [ "$rc" -ne 0 ]; then
    echo "halo-osiris: task $TASK (shard $I/$COUNT) failed with exit code $rc" >&2
fi
exit "$rc"
