# shellcheck shell=bash
# (variables come from guest.bash and are read by the sourced helpers)
# shellcheck disable=SC2034,SC2154
# synod under power loss with a volatile write cache: sourced by
# tests/powerloss/guest.bash (which defines WORK, B, LWREPLAY, say, tap,
# scratch, lw_create, lw_remove, mark).  Documentation/powerloss.rst.
#
#   synod-c0 10.77.0.1  \
#   synod-c1 10.77.0.2  -- bridge synbr      each backing: lwN over two
#   synod-c2 10.77.0.3  /                    loops (data 64 MiB, log)
#
# 1. Three replicas on dm-log-writes, synod-load for RUN_S seconds while
#    leadership is moved twice; every 10 s, on all three logs at once:
#    T0 = now, mark mK, T1 = now.
# 2. For chosen marks, exact and with an extra subset of the plain
#    writes after the mark: replay three images, attach them in fresh
#    namespaces, an election within ELECT_S, no corruption in the middle
#    of a journal, the leader reads every block, lincheck --cut T0:T1.
# 3. Per replica, generic/482 style: replay to flush/FUA entries and
#    attach alone: recovery succeeds, nothing corrupt in the middle.

VOL=r0
RUN_S=${POWERLOSS_RUN_S:-60}
BLOCKS=${POWERLOSS_BLOCKS:-256}
ELECT_S=120
BACKING_SIZE=64M
LOG_SIZE=2G
LOAD=$B/tests/synod-load
LINCHECK=$B/tests/lincheck
# What journal recovery prints for damage in the middle of the ring
# (kmod/replica_ctl.c recover_found/recover_corrupt, create); torn
# tails ("torn record(s)") are expected and fine.
MID_CORRUPT='is corrupt|unreadable slot|journal entry for slot .* dropped|past the log window|fenced'
# The kernel-log check of contract9.md section 7.
SPLAT='WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|blocked for more than|soft lockup|rcu.*stall|possible circular locking|possible recursive locking|inconsistent lock state|sleeping function called|kmemleak'

# helpers.bash and cluster.bash are bats helpers: give them what bats
# would (they are sourced, never edited).
pl_source_helpers() {
	BATS_TEST_DIRNAME=$top/tests/vm
	BATS_TEST_TMPDIR=$WORK/tmp
	BATS_TEST_NUMBER=powerloss
	mkdir -p "$BATS_TEST_TMPDIR"
	# shellcheck source=../vm/helpers.bash
	. "$top/tests/vm/helpers.bash"
	# shellcheck source=../vm/cluster.bash
	. "$top/tests/vm/cluster.bash"
	WAIT_WHO=powerloss
}

now() { "$LOAD" now; }

# klog_mark TEXT: a line in the kernel log to scope later checks to
klog_mark() { echo "powerloss: $1" > /dev/kmsg; }
klog_since() { dmesg | sed -n "/powerloss: $1\$/,\$p"; }

# pl_form: the three replicas on lw0..lw2, up, node 0 leading.
pl_form() {
	local n
	new_secret
	for n in 0 1 2; do
		lw_create "lw$n" "$BACKING_SIZE" "$LOG_SIZE" || return 1
		replica_create_on "$VOL" "$n" "0 1 2" "/dev/mapper/lw$n" \
			--on-no-quorum error || return 1
	done
	for n in 0 1 2; do
		ctl "$n" volume up "$VOL" || return 1
	done
	settle_leader 0 "$VOL" 0 1 2 || return 1
	for n in 0 1 2; do
		mark "lw$n" created || return 1
	done
}

# pl_marks: every 10 s until the run ends, T0 / mark mK on all / T1, into
# $WORK/marks; leadership moves to node 1 after the first mark and to
# node 2 after the third.
pl_marks() {
	local k=0 t0 t1 n start=$SECONDS
	: > "$WORK/marks"
	while [ $((SECONDS - start + 10)) -le "$RUN_S" ]; do
		sleep 10
		k=$((k + 1))
		t0=$(now)
		for n in 0 1 2; do
			mark "lw$n" "m$k"
		done
		t1=$(now)
		echo "m$k $t0 $t1" >> "$WORK/marks"
		say "mark m$k: $t0 .. $t1"
		case $k in
		1) promote_and_wait 1 "$VOL" && say "node 1 leads" ;;
		3) promote_and_wait 2 "$VOL" && say "node 2 leads" ;;
		esac
	done
}

# pl_run: the workload with the marks, then everything torn down so the
# logs are complete.  Fails if the run itself went wrong.
pl_run() {
	local n devs=() lpid rc
	for n in 0 1 2; do
		devs+=(--dev "$(dev_of "$n" "$VOL")")
	done
	mkdir -p "$WORK/hist"
	"$LOAD" run "${devs[@]}" --procs 4 --blocks "$BLOCKS" --max-blocks 4 \
		--read-pct 50 --seconds "$RUN_S" --seed "$SEED" \
		--out "$WORK/hist" > "$WORK/load.out" 2>&1 &
	lpid=$!
	pl_marks
	wait "$lpid"
	rc=$?
	cat "$WORK/load.out"
	now > "$WORK/end"
	[ "$rc" -eq 0 ] || { say "synod-load exited $rc"; return 1; }
	for n in 0 1 2; do
		ctl "$n" volume down "$VOL" --force
		ctl "$n" volume delete "$VOL"
	done
	CLUSTER_NODES=()
	for n in 0 1 2; do
		lw_remove "lw$n" || return 1
		"$LWREPLAY" list "$WORK/lw$n.log" > "$WORK/lw$n.list" || return 1
	done
}

# pl_images MARK [SUBSET_SEED]: img0..img2 from the three logs
pl_images() {
	local n size
	size=$(stat -c %s "$WORK/lw0.data")
	for n in 0 1 2; do
		"$LWREPLAY" replay "$WORK/lw$n.log" "$WORK/img$n" --size "$size" \
			--to-mark "$1" ${2:+--extra-subset $(($2 + n))} \
			> "$WORK/replay.out" || return 1
		say "node $n: $(cat "$WORK/replay.out")"
	done
}

# pl_attach N IMG: node N's replica attached on a loop over IMG (not up)
pl_attach() {
	local l
	l=$(losetup -f --show "$2") || return 1
	eval "LOOP_$1=$l"
	CLUSTER_NODES+=("$1")
	ctl "$1" volume attach "$VOL" --backing "$l" --secret-file "$SECRET_FILE"
}

# pl_detach: every attached replica gone, loops detached, namespaces new
pl_detach() {
	local n
	for n in "${CLUSTER_NODES[@]}"; do
		ctl "$n" volume down "$VOL" --force 2>/dev/null
		ctl "$n" volume delete "$VOL" 2>/dev/null
	done
	CLUSTER_NODES=()
	cluster_net_teardown
	losetup -D
}

# pl_check_mark NAME T0 T1 [SUBSET_SEED]: one replayed power loss of the
# whole cluster.  Prints the lincheck line; returns 0 linearizable,
# 1 lincheck found a violation, 2 lincheck gave up or errored, 3 another
# check failed (attach, election, corruption, the final read).
pl_check_mark() {
	local m=$1 t0=$2 t1=$3 sub=${4:-} n l what rc tag
	what="$m${sub:+ + subset $sub}"
	tag="check $what $RANDOM"
	pl_images "$m" "$sub" || return 3
	cluster_net 0 1 2
	klog_mark "$tag"
	for n in 0 1 2; do
		pl_attach "$n" "$WORK/img$n" || { say "$what: attach $n failed"; pl_detach; return 3; }
	done
	for n in 0 1 2; do
		ctl "$n" volume up "$VOL"
	done
	if ! wait_for "$ELECT_S" agreed_leader "$VOL" 0 1 2; then
		say "$what: no agreed leader within $ELECT_S s"
		pl_detach
		return 3
	fi
	l=$(field 0 "$VOL" leader)
	if klog_since "$tag" | grep -E "$MID_CORRUPT"; then
		say "$what: journal corrupt in the middle (above)"
		pl_detach
		return 3
	fi
	klog_since "$tag" | grep -E 'torn record' | sed 's/^/#   /'
	rm -f "$WORK/final.jsonl"
	if ! timeout 120 "$LOAD" read-all --dev "$(dev_of "$l" "$VOL")" \
		--blocks "$BLOCKS" --out "$WORK/final.jsonl" --client 9999; then
		say "$what: the leader (node $l) could not read every block"
		pl_detach
		return 3
	fi
	"$LINCHECK" --cut "$t0:$t1" --final "$WORK/final.jsonl" \
		--summary "$WORK/lincheck.json" "$WORK/hist" > "$WORK/lincheck.out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$WORK/lincheck.out" | tail -n 40
	say "$what (leader $l): $(tail -n 1 "$WORK/lincheck.out")"
	pl_detach
	return $rc
}

# pl_sweep N COUNT: replica N alone, replayed to COUNT of its flush/FUA
# entries after "created" (all: every one), each attached: recovery must
# succeed with nothing corrupt in the middle.  Adds to SWEPT and SWEEP_BAD.
pl_sweep() {
	local n=$1 count=$2 points e size tag bad=0 done=0
	size=$(stat -c %s "$WORK/lw0.data")
	points=$(awk '$2 == "MARK" && $5 == "created" { on = 1 }
		on && $2 ~ /FLUSH|FUA/ { print $1 }' "$WORK/lw$n.list")
	if [ "$count" != all ]; then
		points=$(echo "$points" | awk -v s="$SEED" -v n="$n" -v c="$count" '
			{ p[NR] = $1 }
			END {
				srand(s + n)
				for (i = 1; i <= c && NR > 0; i++) {
					j = int(rand() * NR) + 1; print p[j]
				}
			}' | sort -n -u)
	fi
	cluster_net "$n"
	for e in $points; do
		"$LWREPLAY" replay "$WORK/lw$n.log" "$WORK/img$n" --size "$size" \
			--to-entry "$e" > /dev/null || { bad=$((bad + 1)); continue; }
		tag="sweep $n $e $RANDOM"
		klog_mark "$tag"
		if ! pl_attach "$n" "$WORK/img$n"; then
			say "node $n entry $e: attach (journal recovery) failed"
			bad=$((bad + 1))
		elif klog_since "$tag" | grep -E "$MID_CORRUPT"; then
			say "node $n entry $e: journal corrupt in the middle (above)"
			bad=$((bad + 1))
		fi
		ctl "$n" volume delete "$VOL" 2>/dev/null
		CLUSTER_NODES=()
		losetup -D
		done=$((done + 1))
	done
	cluster_net_teardown
	SWEPT=$((SWEPT + done))
	SWEEP_BAD=$((SWEEP_BAD + bad))
	say "sweep node $n: $done flush points, $bad failed"
}

# pl_cleanup: whatever a failed run left: volumes, namespaces, dm
# targets, loops, the module
pl_cleanup() {
	local n
	for n in 0 1 2; do
		ip netns pids "$(ns "$n")" >/dev/null 2>&1 || continue
		ctl "$n" volume down "$VOL" --force 2>/dev/null
		ctl "$n" volume delete "$VOL" 2>/dev/null
	done
	CLUSTER_NODES=()
	cluster_net_teardown
	lsmod | grep -q '^synod ' && rmmod synod
	dmsetup remove_all --noudevsync 2>/dev/null
	losetup -D
}

# pl_summary VERDICT: summary.json (contract9.md section 6)
pl_summary() {
	local ops=0 unk=0
	if [ -f "$WORK/lincheck.json" ]; then
		ops=$(grep -o '"ops": *[0-9]*' "$WORK/lincheck.json" | grep -o '[0-9]*$')
		unk=$(grep -o '"unknown": *[0-9]*' "$WORK/lincheck.json" | grep -o '[0-9]*$')
	fi
	printf '{"seed":%s,"kernel":"%s","scenario":"powerloss%s","ops":%s,"unknown":%s,"faults":{"powerloss-mark":%s,"powerloss-flush-point":%s},"checks":%s,"lincheck_violations":%s,"verdict":"%s","reproduce":"make powerloss KERNEL=%s SEED=%s%s"}\n' \
		"$SEED" "$KERNEL" "${KNOB:+-no-flush}" "${ops:-0}" "${unk:-0}" \
		"$MARKS_DONE" "$SWEPT" "$CHECKS" "$LIN_VIOL" "$1" "$KERNEL" "$SEED" \
		"${KNOB:+ KNOB=1}" > "$OUT/summary.json"
	cat "$OUT/summary.json"
}

# guest.bash synod OUT KERNEL SEED SWEEP KNOB
mode_synod() {
	local m t0 t1 next k chosen rc verdict=ok params=time_scale=8 node mark_lines
	OUT=$1 KERNEL=$2 SEED=$3 SWEEP=$4 KNOB=${5:-0}
	[ "$KNOB" = 1 ] || KNOB=
	MARKS_DONE=0 SWEPT=0 SWEEP_BAD=0 CHECKS=0 LIN_VIOL=0
	RANDOM=$SEED
	for b in "$LOAD" "$LINCHECK" "$LWREPLAY"; do
		[ -x "$b" ] || { say "missing $b (make all)"; pl_summary error; return 1; }
	done
	scratch || return 1
	pl_source_helpers
	modprobe loop
	modprobe dm-log-writes
	[ -n "$KNOB" ] && params="$params test_journal_no_flush=1"
	# shellcheck disable=SC2086
	insmod "$KO" $params || return 1
	klog_mark "start $SEED"
	cluster_net 0 1 2
	if ! pl_form || ! pl_run; then
		say "the run failed"
		cluster_teardown
		pl_summary error
		return 1
	fi
	cluster_net_teardown
	mark_lines=$(wc -l < "$WORK/marks")
	say "$mark_lines marks; log entries: $(head -qn 1 "$WORK"/lw?.list | tr '\n' ' ')"
	# three marks, each exact and with one extra subset
	chosen=$(seq 1 "$mark_lines" | shuf --random-source=<(yes "$SEED") | head -n 3 | sort -n)
	for k in $chosen; do
		read -r m t0 t1 <<< "$(sed -n "${k}p" "$WORK/marks")"
		# a subset image may hold writes up to the next mark (lwreplay
		# stops its window there): its cut ends at that mark's T1
		next=$(sed -n "$((k + 1))p" "$WORK/marks" | cut -d' ' -f3)
		[ -n "$next" ] || next=$(cat "$WORK/end")
		for sub in "" "$((SEED + k))"; do
			CHECKS=$((CHECKS + 1))
			if [ -z "$sub" ]; then
				pl_check_mark "$m" "$t0" "$t1"
			else
				pl_check_mark "$m" "$t0" "$next" "$sub"
			fi
			rc=$?
			MARKS_DONE=$((MARKS_DONE + 1))
			tap "$rc" "replayed power loss at $m${sub:+ + subset $sub}: elected, no mid-journal corruption, linearizable"
			case $rc in
			0) ;;
			1) verdict=violation LIN_VIOL=$((LIN_VIOL + 1)) ;;
			2) [ "$verdict" = ok ] && verdict=gave-up ;;
			*) verdict=violation ;;
			esac
		done
	done
	# SWEEP points in all (all: every one of every replica)
	for node in 0 1 2; do
		if [ "$SWEEP" = all ]; then
			pl_sweep "$node" all
		else
			pl_sweep "$node" $(((SWEEP + 2 - node) / 3))
		fi
	done
	tap "$SWEEP_BAD" "per-replica sweep: $SWEPT flush points attached alone, recovery clean"
	[ "$SWEEP_BAD" -eq 0 ] || [ "$verdict" != ok ] || verdict=violation
	if klog_since "start $SEED" | grep -E "$SPLAT"; then
		tap 1 "kernel log since the start: no warning, BUG or lockup"
		verdict=error
	else
		tap 0 "kernel log since the start: no warning, BUG or lockup"
	fi
	rmmod synod
	pl_summary "$verdict"
	[ "$verdict" = ok ]
}
