#!/bin/bash
# The benchmark, run inside a scripts/vm guest by `make bench`
# (Documentation/bench.rst): fio against every target in the same VM, the
# targets set up side by side once, the runs interleaved, so that what it
# reports are ratios measured in one run:
#
#   raw     the backing device alone
#   drbd    DRBD 8.4, protocol C, 2 nodes
#   synod2  synod, 2 replicas, --q1 1 --q2 2: DRBD's copies and wait
#   synod3  synod, 3 replicas: a majority of 3
#   nomac   synod3 with frame MACs off (not by default; a test-build knob)
#   small3  synod3 with --small-requests: 16 KiB requests, as before 1 MiB
#           became the default (not by default)
#   engread3  synod3 with every read through the engine (fast_reads=0;
#           not by default)
#
# Every replica reaches its peers over loopback (scripts/bench-targets.bash).
# The backing devices are null_blk disks with memory_backed=1 and a
# volatile write cache, so flushes are real work for everyone (brd has
# no cache and ignores them).  Workloads (direct=1, libaio, time based):
#
#   rand4k-qd1       4 KiB random writes, iodepth 1: the latency of a write
#   rand4k-qd32      4 KiB random writes, iodepth 32: pipelining, batching
#   seq1m-qd4        1 MiB sequential writes, iodepth 4: throughput
#   randread4k-qd32  4 KiB random reads, iodepth 32
#   mix70-qd32       4 KiB random, 70% reads and 30% writes, iodepth 32
#   durable4k-qd1    4 KiB random writes each followed by fsync (a flush)
#
# ROUNDS rounds; in each, every workload on every target (the target
# order rotates by round), then the slow-follower runs: one follower's
# packets delayed (netem on lo) for SLOW_TARGETS on the SLOW workloads.
# Then one traced run per STAGES workload on synod3, whose tracepoints
# give the time per stage.  Last, with every target torn down, the scale
# run: SCALE three-replica synod volumes side by side (their memory,
# threads, time to lead, and fio on one and on SCALE_FIO of them).
# Reported per target and workload: medians of
# the rounds of IOPS, MB/s, total latency (fio's lat_ns) mean, p50, p99
# and p99.9, and CPU-seconds per I/O (/proc/stat of the VM, all CPUs,
# over the measured part of the run); the ratios and the issue's goals
# (scripts/bench-report.py), and build/bench/last.json.  It asserts
# nothing about timing.  A target that cannot be set up is reported (the
# failing command and its output) and skipped; the exit status is then 1.
#
# Environment (all optional; scripts/vm passes SYNOD_* into the guest):
#   SYNOD_BENCH_TARGETS    targets               (default "raw drbd synod2 synod3")
#   SYNOD_BENCH_WORKLOADS  workloads             (default all six)
#   SYNOD_BENCH_ROUNDS     rounds                (default 3)
#   SYNOD_BENCH_RUNTIME    seconds per fio run   (default 10)
#   SYNOD_BENCH_RAMP       fio ramp_time, s      (default 2)
#   SYNOD_BENCH_SIZE       region fio uses       (default 96M)
#   SYNOD_BENCH_BACKING    nullb or brd          (default nullb)
#   SYNOD_BENCH_CACHE_MB   null_blk cache, MiB   (default 32)
#   SYNOD_BENCH_NULLB_IRQ  null_blk irqmode      (default 0: a bio ends
#                          inside its submission; 2: from a timer
#                          SYNOD_BENCH_NULLB_NSEC later, default 10000,
#                          as a disk ends it from its interrupt)
#   SYNOD_BENCH_SLOW       slow-follower workloads ("" skips; default rand4k-qd32)
#   SYNOD_BENCH_SLOW_TARGETS  targets slowed     (default "drbd synod3")
#   SYNOD_BENCH_SLOW_DELAY netem delay           (default 5ms)
#   SYNOD_BENCH_STAGES     traced workloads on synod3 ("" skips;
#                          default "rand4k-qd1 rand4k-qd32")
#   SYNOD_BENCH_PROFILE    profiled runs, TARGET:WORKLOAD each ("" skips,
#                          the default; e.g. "drbd:rand4k-qd32
#                          synod3:rand4k-qd32"): perf samples every CPU
#                          during one more run, not counted in the medians
#   SYNOD_BENCH_JSON       where the JSON goes   (default $W/last.json)
#   SYNOD_BENCH_DRBD_NET   extra drbdsetup-84 connect options
#   SYNOD_BENCH_B          build directory       (default $B or TOP/build)
#   SYNOD_BENCH_BUILD_RC   exit status of `make all`; non-zero skips synod
#   SYNOD_BENCH_TIME_SCALE synod's time_scale    (default 4): stretches
#                          election and lease timeouts so that a TCG guest
#                          on a busy host keeps its leader; no cost per write
#   SYNOD_BENCH_SCALE      volumes of the scale run (default 64; "" or 0
#                          skips): three-replica volumes in this VM after
#                          everything above, on loop devices over tmpfs
#                          (scripts/bench-scale.bash): memory pinned and
#                          threads per idle replica, create-to-leader time,
#                          aggregate 4k QD32 IOPS
#   SYNOD_BENCH_SCALE_FIO  volumes the scale run's second fio run writes
#                          to at once (default 16; the first writes to one)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${SYNOD_BENCH_B:-${B:-$top/build}}
KO=$B/kmod-test/$(uname -r)/synod.ko
CTL=$B/user/synodctl
DRBDSETUP=/usr/lib/drbd/drbdsetup-84

TARGETS=${SYNOD_BENCH_TARGETS:-raw drbd synod2 synod3}
WORKLOADS=${SYNOD_BENCH_WORKLOADS:-rand4k-qd1 rand4k-qd32 seq1m-qd4 randread4k-qd32 mix70-qd32 durable4k-qd1}
ROUNDS=${SYNOD_BENCH_ROUNDS:-3}
RUNTIME=${SYNOD_BENCH_RUNTIME:-10}
RAMP=${SYNOD_BENCH_RAMP:-2}
SIZE=${SYNOD_BENCH_SIZE:-96M}
BACKING=${SYNOD_BENCH_BACKING:-nullb}
CACHE_MB=${SYNOD_BENCH_CACHE_MB:-32}
NULLB_IRQ=${SYNOD_BENCH_NULLB_IRQ:-0}
NULLB_NSEC=${SYNOD_BENCH_NULLB_NSEC:-10000}
SLOW=${SYNOD_BENCH_SLOW-rand4k-qd32}
SLOW_TARGETS=${SYNOD_BENCH_SLOW_TARGETS:-drbd synod3}
SLOW_DELAY=${SYNOD_BENCH_SLOW_DELAY:-5ms}
STAGES=${SYNOD_BENCH_STAGES-rand4k-qd1 rand4k-qd32}
PROFILE=${SYNOD_BENCH_PROFILE-}
TIME_SCALE=${SYNOD_BENCH_TIME_SCALE:-4}
SCALE=${SYNOD_BENCH_SCALE-64}
SCALE_FIO=${SYNOD_BENCH_SCALE_FIO:-16}

W=/tmp/synod-bench
JSON=${SYNOD_BENCH_JSON:-$W/last.json}
RESULTS=$W/results.tsv
FAILURES=$W/failures
TRACE=/sys/kernel/tracing

mkdir -p "$W" "$(dirname "$JSON")"
rm -f "$W/tick"
mkfifo "$W/tick" && exec 7<> "$W/tick"
: > "$RESULTS"
: > "$FAILURES"
: > "$W/counters.txt"

say() { printf '\n== %s\n' "$*"; }

# fail TARGET WHY: remember that TARGET did not (fully) run, and why.
fail() {
	local t=$1
	shift
	printf '%s\t%s\n' "$t" "$*" >> "$FAILURES"
	echo "bench: $t: $*" >&2
}
failed() { cut -f1 "$FAILURES" | grep -qxF "$1"; }

# try TARGET CMD...: run CMD (bounded to 60 s), show it and its output; on
# failure record the command and its output against TARGET and return 1.
try() {
	local t=$1 out rc
	shift
	echo "# $*"
	if [ "$(type -t "$1")" = function ]; then
		out=$("$@" 2>&1)	# our functions bound themselves
	else
		out=$(timeout -k 5 60 "$@" 2>&1)
	fi
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out"
	if [ $rc -ne 0 ]; then
		fail "$t" "'$*' exited $rc: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-400)"
		return 1
	fi
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s until it succeeds, for
# SECONDS of wall time (CMD itself may be slow under TCG).
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

# shellcheck source=scripts/bench-targets.bash
. "$top/scripts/bench-targets.bash"
# shellcheck source=scripts/bench-scale.bash
. "$top/scripts/bench-scale.bash"

# ---- fio -----------------------------------------------------------------------

workload_args() {
	case "$1" in
	rand4k-qd1) echo "--rw=randwrite --bs=4k --iodepth=1" ;;
	rand4k-qd32) echo "--rw=randwrite --bs=4k --iodepth=32" ;;
	seq1m-qd4) echo "--rw=write --bs=1M --iodepth=4" ;;
	randread4k-qd32) echo "--rw=randread --bs=4k --iodepth=32" ;;
	mix70-qd32) echo "--rw=randrw --rwmixread=70 --bs=4k --iodepth=32" ;;
	durable4k-qd1) echo "--rw=randwrite --bs=4k --iodepth=1 --fsync=1" ;;
	*) return 1 ;;
	esac
}

# busy_jiffies: CPU time of the whole VM so far, in USER_HZ ticks, in
# $JIF: user, nice, system, irq, softirq and steal of the "cpu" line of
# /proc/stat.  Builtins only: a fork under TCG costs milliseconds, and
# the samples must not be what they measure.
busy_jiffies() {
	local u n s irq sirq st
	read -r _ u n s _ _ irq sirq st _ < /proc/stat
	JIF=$((u + n + s + irq + sirq + st))
}

# tick SECONDS: sleep without a fork (a read that times out on a FIFO
# that no one writes).
tick() { read -rt "$1" -u 7 _; }

# run_fio ROUND TARGET WORKLOAD [LABEL]: one fio run on TARGET's device;
# appends a line to $RESULTS (LABEL replaces WORKLOAD there, for the
# slow-follower runs).  fio runs in the background, bounded: a device
# that stops completing I/O must not stop the whole benchmark (the
# process may stay stuck in D state; we leave it and go on).  CPU time
# is sampled when the ramp ends and when fio exits.
run_fio() {
	local round=$1 t=$2 wl=$3 label=${4:-$3} dev args json pid i limit c0="" c1
	dev=$(target_dev "$t")
	args=$(workload_args "$wl") || { fail "$t" "unknown workload $wl"; return 1; }
	json=$W/$t-$label-$round.json
	rm -f "$json"
	# shellcheck disable=SC2086 # $args is a list of options
	fio --name="$t-$label" --filename="$dev" --direct=1 --ioengine=libaio \
		$args --size="$SIZE" --time_based --runtime="$RUNTIME" \
		--ramp_time="$RAMP" --norandommap --randrepeat=0 \
		--lat_percentiles=1 --unified_rw_reporting=mixed \
		--output-format=json --output="$json" > "$W/$t-$label.fio.log" 2>&1 &
	pid=$!
	limit=$((RUNTIME + RAMP + 90))
	for ((i = 0; i < limit * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		if [ -z "$c0" ] && [ "$i" -ge $((RAMP * 10)) ]; then
			busy_jiffies
			c0=$JIF
			perf_ctl enable
		fi
		tick 0.1
	done
	busy_jiffies
	c1=$JIF
	perf_ctl disable
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid" 2>/dev/null
		fail "$t" "fio $label on $dev did not finish within ${limit}s (I/O stuck?); see dmesg"
		return 2
	fi
	if ! wait "$pid"; then
		fail "$t" "fio $label on $dev failed: $(tr '\n' ' ' < "$W/$t-$label.fio.log" | cut -c1-400)"
		return 1
	fi
	python3 "$top/scripts/bench-report.py" fio "$round" "$t" "$label" "$json" \
		"$((c1 - ${c0:-$c1}))" "$(getconf CLK_TCK)" >> "$RESULTS" ||
		{ fail "$t" "cannot parse $json"; return 1; }
	tail -n 1 "$RESULTS" | awk -F'\t' '{ printf "   round %s %-7s %-16s %8.0f IOPS %7.1f MiB/s  lat mean %8.1f p50 %8.1f p99 %8.1f us  %6.1f us CPU/IO\n", $1, $2, $3, $4, $5 / 1048576, $6 / 1000, $7 / 1000, $8 / 1000, $10 * 1e6 }'
}

# bench_run ROUND TARGET WORKLOAD [LABEL]: one run if TARGET is usable.
# A hung run marks the target failed: it takes no further runs.
bench_run() {
	failed "$2" && return 0
	if ! target_ready "$2"; then
		fail "$2" "not ready before $3 (leader lost and not regained)"
		return 0
	fi
	run_fio "$@"
	return 0
}

# ---- stages --------------------------------------------------------------------

# trace_run WORKLOAD: one run on synod3 with its tracepoints on; the
# trace is left in $W/trace-WORKLOAD.txt for bench-report.py.
trace_run() {
	local wl=$1
	mountpoint -q "$TRACE" || mount -t tracefs nodev "$TRACE" || return 1
	echo 0 > "$TRACE/tracing_on"
	echo > "$TRACE/trace"
	echo mono > "$TRACE/trace_clock"
	# per CPU; the hops add ~20 events a write (the report copes with a
	# buffer that wrapped, but fewer writes count)
	echo 65536 > "$TRACE/buffer_size_kb" ||
		echo 16384 > "$TRACE/buffer_size_kb" || say "trace buffer stays $(cat "$TRACE/buffer_size_kb") KiB"
	echo 1 > "$TRACE/events/synod/enable"
	echo 1 > "$TRACE/tracing_on"
	bench_run trace synod3 "$wl" "$wl-traced"
	echo 0 > "$TRACE/tracing_on"
	echo 0 > "$TRACE/events/synod/enable"
	cp "$TRACE/trace" "$W/trace-$wl.txt"
	# kept beside the JSON for a closer look (tens of MB)
	cp "$W/trace-$wl.txt" "$(dirname "$JSON")/" 2>/dev/null
	grep -q "entries-in-buffer" "$W/trace-$wl.txt" &&
		grep -m1 "entries-in-buffer" "$W/trace-$wl.txt"
	echo > "$TRACE/trace"
	echo 1408 > "$TRACE/buffer_size_kb"
}

# ---- profile -------------------------------------------------------------------

# perf_ctl enable|disable: while a profiled run is on (fds 8 and 9 open
# on perf's control and ack fifos), sample or stop; run_fio samples from
# the ramp's end to fio's exit, the window CPU per I/O counts.
PERF_ON=
perf_ctl() {
	[ -n "$PERF_ON" ] || return 0
	echo "$1" >&8
	# perf's start under TCG on a busy host took over 30 s once
	read -r -t 150 _ <&9 || say "profile: perf did not ack $1 within 150 s"
}

# profile_run TARGET WORKLOAD: one more run with perf sampling every CPU
# (cpu-clock: TCG has no PMU; kernel and module symbols from kallsyms)
# while fio runs past its ramp.  Where the CPU of a write goes, by module
# and by function, is left in $W/perf-TARGET-WORKLOAD.txt, beside the
# JSON, and its head printed.
profile_run() {
	local t=$1 wl=$2 data=$W/perf-$1-$2.data txt=$W/perf-$1-$2.txt pid
	perf --version >/dev/null 2>&1 || { say "profile: no perf for $(uname -r) (make deps; Debian 12 packages perf for 6.1)"; return 0; }
	case " $TARGETS " in *" $t "*) ;; *) say "profile: $t is not a target"; return 0 ;; esac
	failed "$t" && return 0
	rm -f "$W/perf.ctl" "$W/perf.ack"
	mkfifo "$W/perf.ctl" "$W/perf.ack" || return 0
	exec 8<> "$W/perf.ctl" 9<> "$W/perf.ack"
	# -D -1: disabled until run_fio enables it
	perf record -q -a -g -F 499 -e cpu-clock -D -1 \
		--control "fifo:$W/perf.ctl,$W/perf.ack" -o "$data" 2>"$W/perf.err" &
	pid=$!
	PERF_ON=1
	# perf takes seconds to start under TCG: its first ack says it is ready
	perf_ctl disable
	bench_run profile "$t" "$wl" "$wl-profiled"
	PERF_ON=
	kill -INT "$pid"
	wait "$pid"
	exec 8>&- 9>&-
	{
		echo "# perf: $t $wl, every CPU, cpu-clock at 499 Hz, during the fio run"
		perf report -i "$data" --no-children --sort dso --stdio -g none \
			--percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^$'
		echo
		perf report -i "$data" --no-children --sort dso,sym --stdio -g none \
			--percent-limit 0.4 2>/dev/null | grep -v '^#' | grep -v '^$'
	} > "$txt"
	# who calls the hottest functions (mutex spinning, MACs, copies):
	# call chains of every symbol above 2 %, not printed
	perf report -i "$data" --no-children --sort sym --stdio \
		-g caller,2,callee,function,percent --percent-limit 2 \
		2>/dev/null | grep -v '^#' | grep -v '^$' > "${txt%.txt}-callers.txt"
	cp "$txt" "${txt%.txt}-callers.txt" "$(dirname "$JSON")/" 2>/dev/null
	# a profile of a handful of samples says nothing: perf was not
	# sampling during the run (it started late, or failed)
	if [ "$(grep -c '%' "$txt")" -lt 5 ]; then
		say "profile of $t $wl: FAILED, perf recorded (almost) no samples during the run (see $W/perf.err)"
		rm -f "$data"
		return 0
	fi
	say "profile of $t $wl (share of all samples; also $(basename "$txt"))"
	head -n 45 "$txt"
	rm -f "$data"
}

# ---- main ----------------------------------------------------------------------

[ "$(id -u)" = 0 ] || { echo "bench: run as root inside a VM (make bench)" >&2; exit 2; }
for m in brd null_blk drbd synod; do
	if [ -d "/sys/module/$m" ]; then
		echo "bench: $m is already loaded; this script wants its own devices (run it in a VM: make bench)" >&2
		exit 2
	fi
done
command -v fio >/dev/null || { echo "bench: fio missing (make deps)" >&2; exit 2; }

commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$top" diff --quiet HEAD 2>/dev/null || commit="$commit+dirty"
info="$(uname -r) $(nproc)cpu $commit fio=$(fio --version) ${ROUNDS}x${RUNTIME}s $BACKING"
[ "$BACKING" = nullb ] && info="$info(cache ${CACHE_MB}M, irqmode $NULLB_IRQ)"
say "synod bench: $info; targets: $TARGETS; workloads: $WORKLOADS"

trap 'slow_off; drbd_teardown; scale_teardown; synod_teardown; backing_teardown' EXIT
ip link set lo up
ndev=0
for t in $TARGETS; do
	case "$t" in raw) ndev=$((ndev + 1)) ;; drbd | synod2) ndev=$((ndev + 2)) ;; *) ndev=$((ndev + 3)) ;; esac
done
if ! backing_setup "$ndev"; then
	echo "bench: cannot set up $BACKING backing devices; no target can run" >&2
	exit 1
fi
for t in $TARGETS; do
	target_setup "$t" || true
done

read -ra order <<<"$TARGETS"
for ((round = 1; round <= ROUNDS; round++)); do
	say "round $round of $ROUNDS"
	for wl in $WORKLOADS; do
		for ((i = 0; i < ${#order[@]}; i++)); do
			bench_run "$round" "${order[(i + round - 1) % ${#order[@]}]}" "$wl"
		done
	done
	for wl in $SLOW; do
		for t in $SLOW_TARGETS; do
			case " $TARGETS " in *" $t "*) ;; *) continue ;; esac
			failed "$t" && continue
			slow_on "$t" "$SLOW_DELAY" || continue
			bench_run "$round" "$t" "$wl" "$wl-slowpeer"
			slow_off
		done
	done
done

if [ -n "$STAGES" ] && [[ " $TARGETS " == *" synod3 "* ]]; then
	say "stages: traced runs on synod3 (not counted above)"
	for wl in $STAGES; do
		trace_run "$wl"
	done
fi

for p in $PROFILE; do
	profile_run "${p%%:*}" "${p#*:}"
done

if [[ " $TARGETS " == *" synod"* ]] && [ -d /sys/module/synod ]; then
	say "synod after the runs"
	for v in s2n0 s3n0 nmn0; do ctl status "$v" 2>/dev/null; done
fi
[ -d /sys/module/drbd ] && { say "drbd after the runs"; cat /proc/drbd; }
# Taking the volumes down makes each print its counters of frames dropped,
# payload store exhaustion and slots resent: what explains a stall.
if [ -d /sys/module/synod ]; then
	synod_teardown
	say "synod's counters at volume down (dmesg)"
	dmesg | grep -E ': down(; frames dropped|, continued): ' |
		sed 's/^\[[^]]*\] //' |
		tee "$W/counters.txt"
fi

# The scale run, on its own: the targets above are gone (their null_blk
# pages would count as memory otherwise), the module loaded afresh.
scale_args=()
if [ -n "$SCALE" ] && [ "$SCALE" != 0 ]; then
	drbd_teardown
	backing_teardown
	say "scale: $SCALE three-replica synod volumes, fio on 1 then $SCALE_FIO"
	scale_start=$SECONDS
	scale_run "$SCALE" "$SCALE_FIO" || fail scale "$(grep -E '^(stopped|fio_[a-z]*_?error)' "$SCALE_TSV" | cut -f2 | tr '\n' ' ' | cut -c1-400)"
	say "scale: tearing down"
	scale_teardown
	scale_put seconds $((SECONDS - scale_start))
	echo "   scale run took $((SECONDS - scale_start)) s"
	scale_args=(--scale "$SCALE_TSV")
fi

python3 "$top/scripts/bench-report.py" report --results "$RESULTS" \
	--failures "$FAILURES" --targets "$TARGETS" --workloads "$WORKLOADS" \
	--slow "$SLOW" --slow-delay "$SLOW_DELAY" --info "$info" \
	--traces "$W" --counters "$W/counters.txt" --json "$JSON" \
	"${scale_args[@]}" ||
	echo "bench: the report failed" >&2
[ -s "$FAILURES" ] && exit 1
exit 0
