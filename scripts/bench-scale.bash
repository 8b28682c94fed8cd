# shellcheck shell=bash
# The scale run of scripts/bench.sh (sourced by it; issue 10, "Many
# volumes per host"): SCALE three-replica synod volumes in the one VM
# (3 x SCALE replicas), then what they cost:
#
#   memory   /proc/meminfo before the first volume (module loaded, every
#            backing device made) and once all are up and idle: the
#            delta of MemTotal - MemFree - Buffers - Cached - SReclaimable
#            (memory nothing can reclaim; Cached holds the tmpfs backing
#            store and the page cache) and of Slab, SUnreclaim,
#            VmallocUsed, KernelStack and PageTables
#   threads  tasks (/proc/*/task) before, after the first volume and
#            after the last, by name
#   time     from a volume's first `volume create` to its node 0 leading
#   CPU      the VM's busy share while idle, before and with the volumes
#   IOPS     fio 4k random writes, iodepth 32 (bench.sh's rand4k-qd32) on
#            one volume's leader, then on SCALE_FIO leaders at once
#
# Backing devices are loop devices (direct I/O asked for) over sparse
# files on a tmpfs: their pages are Shmem (part of Cached) and stay out
# of the formula, where null_blk's or brd's pages would be counted as
# synod's.  Volume V's replicas scV n0..n2 listen on 127.1.V.1-3:7790 (in
# the VM's own namespace, as bench-targets.bash does), cluster scale-V,
# one secret file each.  Creating stops early, and the figures are of
# the volumes made, when MemAvailable falls below SCALE_MIN_AVAIL_MB, or
# a create, up or promote fails or a volume takes over SCALE_STEP_S to
# lead.  The figures go to $W/scale.tsv (key, tab, value lines) for
# bench-report.py --scale.
#
# Uses from bench.sh: ctl, synod_field, synod_is_leader, synod_insmod,
# wait_until, busy_jiffies, tick, say, fail, $W, $KO, $CTL, $RUNTIME,
# $RAMP, $top.

SCALE_MB=64		# per backing device: synod's ~18 MiB of metadata and fio's region
SCALE_FIO_SIZE=16M	# fio's region on each synod device
SCALE_MIN_AVAIL_MB=400
SCALE_STEP_S=120	# the most one volume may take from create to leader
SCALE_DIR=/run/synod-scale	# the tmpfs of the backing files
SCALE_TSV=$W/scale.tsv
SCALE_LOOPS=()		# loop devices made, volume-major: 3 per volume
SCALE_MADE=0		# volumes created (up or not): torn down at the end

scale_put() { printf '%s\t%s\n' "$1" "$2" >> "$SCALE_TSV"; }

# scale_mem TAG: the meminfo fields the report needs, as TAG_FIELD kB.
scale_mem() {
	local k v _u
	while read -r k v _u; do
		k=${k%:}
		case "$k" in
		MemTotal | MemFree | MemAvailable | Buffers | Cached | Shmem | \
			SReclaimable | SUnreclaim | Slab | VmallocUsed | \
			KernelStack | PageTables | Percpu)
			scale_put "mem_$1_$k" "$v" ;;
		esac
	done < /proc/meminfo
}

mem_avail_mb() { awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo; }

# scale_tasks TAG: every task now, and those not named kworker/* (a
# shared pool that grows and shrinks with load), and synod's own, by
# name with the numbers taken out (synod-rx/N, synod-tx/N-P, synodN).
scale_tasks() {
	local comms
	comms=$(cat /proc/[0-9]*/task/[0-9]*/comm 2>/dev/null)
	scale_put "tasks_$1" "$(printf '%s\n' "$comms" | grep -c .)"
	scale_put "tasks_nokw_$1" "$(printf '%s\n' "$comms" | grep -vc '^kworker/')"
	scale_put "tasks_synod_$1" "$(printf '%s\n' "$comms" | grep -c '^synod')"
	printf '%s\n' "$comms" | grep '^synod' | sed 's/[0-9]\+/N/g' | sort |
		uniq -c | while read -r c name; do scale_put "tasks_kind_$1_$name" "$c"; done
}

# scale_idle_cpu TAG SECONDS: the VM's busy CPU share while nothing but
# the volumes runs (their heartbeats and timers), in percent of all CPUs.
scale_idle_cpu() {
	local c0 c1
	busy_jiffies
	c0=$JIF
	tick "$2"
	busy_jiffies
	c1=$JIF
	scale_put "idle_cpu_pct_$1" "$(awk -v j=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
		-v s="$2" -v n="$(nproc)" 'BEGIN { printf "%.1f", 100 * j / hz / s / n }')"
}

scale_addr() { echo "127.1.$1.$(($2 + 1))"; }

# scale_backing COUNT: a tmpfs, COUNT sparse files of SCALE_MB and a loop
# device on each, with direct I/O if the kernel does it on tmpfs (6.1
# does not: losetup --direct-io=on fails with EINVAL; the loop device
# then goes through tmpfs's page cache, which is tmpfs's store anyway:
# nothing is cached twice).
scale_backing() {
	local i f dev dio=on
	modprobe loop 2>/dev/null
	mkdir -p "$SCALE_DIR"
	mountpoint -q "$SCALE_DIR" || mount -t tmpfs -o size=50% scale "$SCALE_DIR" || return 1
	for ((i = 0; i < $1; i++)); do
		f=$SCALE_DIR/b$i.img
		truncate -s "${SCALE_MB}M" "$f" || return 1
		dev=
		[ "$dio" = on ] && dev=$(timeout 30 losetup -f --show --direct-io=on "$f" 2>"$W/scale-losetup.err")
		if [ -z "$dev" ]; then
			[ "$dio" = on ] && echo "   losetup --direct-io=on: $(cat "$W/scale-losetup.err"); without it"
			dio=off
			dev=$(timeout 30 losetup -f --show "$f" 2>"$W/scale-losetup.err") ||
				{ cat "$W/scale-losetup.err"; return 1; }
		fi
		SCALE_LOOPS+=("$dev")
	done
	for dev in "${SCALE_LOOPS[@]}"; do
		[ "$(cat "/sys/block/${dev#/dev/}/loop/dio" 2>/dev/null)" = 1 ] || dio=off
	done
	scale_put backing "loop on tmpfs, ${SCALE_MB} MiB sparse, direct-io $dio"
	echo "   $1 loop devices on $SCALE_DIR (${SCALE_MB} MiB sparse files), direct-io $dio"
}

# scale_volume V: create, bring up and promote volume V's three replicas
# on loop devices 3(V-1)..3(V-1)+2; prints why it failed.
scale_volume() {
	local v=$1 k p peers secret end out
	secret=$W/scale-secret-$v
	head -c 32 /dev/urandom | base64 > "$secret"
	chmod 600 "$secret"
	end=$((SECONDS + SCALE_STEP_S))
	for ((k = 0; k < 3; k++)); do
		peers=()
		for ((p = 0; p < 3; p++)); do
			[ "$p" = "$k" ] || peers+=(--peer "$p=$(scale_addr "$v" "$p"):7790")
		done
		out=$(ctl volume create "sc${v}n$k" --backing "${SCALE_LOOPS[3 * (v - 1) + k]}" \
			--node "$k" --listen "$(scale_addr "$v" "$k"):7790" "${peers[@]}" \
			--cluster "scale-$v" --secret-file "$secret" 2>&1) ||
			{ echo "volume create sc${v}n$k: $out"; return 1; }
	done
	for ((k = 0; k < 3; k++)); do
		out=$(ctl volume up "sc${v}n$k" 2>&1) || { echo "volume up sc${v}n$k: $out"; return 1; }
	done
	while [ "$SECONDS" -lt "$end" ]; do
		ctl volume promote "sc${v}n0" >/dev/null 2>&1
		wait_until 3 synod_is_leader "sc${v}n0" && return 0
	done
	echo "sc${v}n0 not leader ${SCALE_STEP_S} s after its first create (last promote: $(ctl volume promote "sc${v}n0" 2>&1 | tr '\n' ' '))"
	return 1
}

# scale_lead V: node 0 of V leads (promoted again if it lost it; 3 tries).
scale_lead() {
	local i
	for ((i = 0; i < 3; i++)); do
		synod_is_leader "sc${1}n0" && return 0
		ctl volume promote "sc${1}n0" >/dev/null 2>&1
		wait_until 3 synod_is_leader "sc${1}n0" && return 0
	done
	return 1
}

# scale_fio LABEL DEV...: one fio run, one job per device (bench.sh's
# rand4k-qd32 options), bounded like run_fio; the sum over the jobs goes
# to scale.tsv as fio_LABEL_*.
scale_fio() {
	local label=$1 json=$W/scale-$1.json pid i limit c0="" c1 dev jobs=()
	shift
	for dev in "$@"; do jobs+=(--name="$(basename "$dev")" --filename="$dev"); done
	rm -f "$json"
	fio --direct=1 --ioengine=libaio --rw=randwrite --bs=4k --iodepth=32 \
		--size="$SCALE_FIO_SIZE" --time_based --runtime="$RUNTIME" \
		--ramp_time="$RAMP" --norandommap --randrepeat=0 \
		--lat_percentiles=1 --unified_rw_reporting=mixed \
		--output-format=json --output="$json" "${jobs[@]}" > "$W/scale-$label.fio.log" 2>&1 &
	pid=$!
	limit=$((RUNTIME + RAMP + 90 + 5 * $#))
	for ((i = 0; i < limit * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		if [ -z "$c0" ] && [ "$i" -ge $((RAMP * 10)) ]; then
			busy_jiffies
			c0=$JIF
		fi
		tick 0.1
	done
	busy_jiffies
	c1=$JIF
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid" 2>/dev/null
		scale_put "fio_${label}_error" "did not finish within ${limit}s (I/O stuck?)"
		return 1
	fi
	if ! wait "$pid"; then
		scale_put "fio_${label}_error" "fio failed: $(tr '\n' ' ' < "$W/scale-$label.fio.log" | cut -c1-300)"
		return 1
	fi
	# shellcheck disable=SC2154 # top is bench.sh's
	python3 "$top/scripts/bench-report.py" fiosum "$label" "$json" \
		"$((c1 - ${c0:-$c1}))" "$(getconf CLK_TCK)" >> "$SCALE_TSV" || {
		scale_put "fio_${label}_error" "cannot parse $json"; return 1; }
	grep "^fio_${label}_" "$SCALE_TSV" | tr '\n' ' '
	echo
}

# scale_run COUNT FIO_COUNT
scale_run() {
	local n=$1 nfio=$2 v t0 t1 dt out why="" lost=0 devs=() dev made avail
	: > "$SCALE_TSV"
	scale_put requested "$n"
	if [ "${SYNOD_BENCH_BUILD_RC:-0}" != 0 ] || [ ! -f "$KO" ] || [ ! -x "$CTL" ]; then
		scale_put made 0
		scale_put stopped "not run: no module or synodctl (make all failed?)"
		return 1
	fi
	synod_insmod scale || { scale_put made 0; scale_put stopped "insmod failed"; return 1; }
	if ! scale_backing $((3 * n)); then
		scale_put made 0
		scale_put stopped "cannot make $((3 * n)) loop devices on tmpfs"
		return 1
	fi
	sleep 2
	scale_mem before
	scale_tasks before
	scale_idle_cpu before 5
	for ((v = 1; v <= n; v++)); do
		avail=$(mem_avail_mb)
		if [ "$avail" -lt "$SCALE_MIN_AVAIL_MB" ]; then
			why="MemAvailable ${avail} MiB < ${SCALE_MIN_AVAIL_MB} MiB before volume $v"
			break
		fi
		SCALE_MADE=$v	# (scale_volume runs in a subshell)
		t0=$EPOCHREALTIME
		if ! out=$(scale_volume "$v"); then
			why="volume $v: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"
			break
		fi
		t1=$EPOCHREALTIME
		dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		scale_put up_s "$v $dt"
		[ "$v" = 1 ] && scale_tasks first
		if ((v % 8 == 0 || v == 1)); then
			echo "   volume $v up in $dt s; MemAvailable $(mem_avail_mb) MiB"
		fi
	done
	made=$(grep -c '^up_s' "$SCALE_TSV")
	[ -n "$why" ] && echo "   stopped: $why"
	scale_put made "$made"
	[ -n "$why" ] && scale_put stopped "stopped at $made of $n volumes: $why"
	[ "$made" -gt 0 ] || return 1
	say "scale: $made volumes up; idle 10 s, then memory and threads"
	scale_idle_cpu after 10
	scale_mem after
	scale_tasks after
	for ((v = 1; v <= made; v++)); do
		synod_is_leader "sc${v}n0" || lost=$((lost + 1))
	done
	scale_put leaders_lost "$lost"
	echo "   leaders lost while idle: $lost of $made"
	for ((v = 1; v <= made && ${#devs[@]} < nfio; v++)); do
		scale_lead "$v" || continue
		dev=$(synod_field "sc${v}n0" device)
		case "$dev" in /*) ;; *) dev=/dev/$dev ;; esac
		[ -b "$dev" ] && devs+=("$dev")
	done
	if [ "${#devs[@]}" -eq 0 ]; then
		scale_put fio_error "no volume leads: no fio"
		return 1
	fi
	say "scale: fio rand4k-qd32 on ${devs[0]} alone, then on ${#devs[@]} devices at once"
	scale_fio single "${devs[0]}" || return 1
	scale_fio many "${devs[@]}"
}

# scale_teardown: every scale volume down and deleted, the module out,
# the loop devices and the tmpfs gone.  Quiet; bounded by ctl's timeouts.
# Eight volumes' replicas at a time: one by one, a down took 1.3 s with
# 64 volumes up under TCG (8 minutes for 192).
scale_teardown() {
	local v k dev
	if [ -d /sys/module/synod ]; then
		for ((v = 1; v <= SCALE_MADE; v++)); do
			for k in 0 1 2; do
				{ ctl volume down "sc${v}n$k" --force; ctl volume delete "sc${v}n$k"; } >/dev/null 2>&1 &
			done
			((v % 8 == 0)) && wait
		done
		wait
		rmmod synod 2>/dev/null
	fi
	SCALE_MADE=0
	for dev in "${SCALE_LOOPS[@]}"; do losetup -d "$dev" 2>/dev/null; done
	SCALE_LOOPS=()
	mountpoint -q "$SCALE_DIR" && umount "$SCALE_DIR"
	return 0
}
