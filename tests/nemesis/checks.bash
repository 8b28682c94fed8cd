# shellcheck shell=bash
# The end of every nemesis run: heal, a quiet period, stop the workload,
# the history check (lincheck), every replica's applied_index equal, the
# data areas' checksums equal, the kernel log since the run's mark clean
# (contract section 7), an fsck when the fs scenario used ext4; then
# summary.json (contract section 6).
# Sourced by guest.bash: globals (seed, quiet, stale, VOL, NODES, NEM_TMP,
# SCEN_DIR, DM_*, FAULTS, DEFERRED, ...) are shared across these files.
# shellcheck disable=SC2034,SC2154

# The kernel log check of the contract (section 7).
KLOG_BAD='WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|blocked for more than|soft lockup|rcu.*stall|possible circular locking|possible recursive locking|inconsistent lock state|sleeping function called|kmemleak'

REASONS=()
VERDICT=ok
# fail_reason [--violation|--gave-up] TEXT: the run fails, and why
fail_reason() {
	local v=error
	case "$1" in
	--violation) v=violation; shift ;;
	--gave-up) v=gave-up; shift ;;
	esac
	REASONS+=("$*")
	# the worst verdict wins: violation > gave-up > error
	case "$VERDICT/$v" in
	ok/* | error/violation | error/gave-up | gave-up/violation) VERDICT=$v ;;
	esac
	nem_log "FAIL ($v): $*"
}

# applied_equal: every node has applied the same slot, nothing to catch up
applied_equal() {
	local n a first=
	for n in "${NODES[@]}"; do
		a=$(field "$n" $VOL applied_index)
		[ -n "$a" ] && [ "$(field "$n" $VOL catchup)" = 0 ] &&
			[ "$(field "$n" $VOL resync)" = false ] || return 1
		[ -z "$first" ] && first=$a
		[ "$a" = "$first" ] || return 1
	done
}

# heal_all: no fault left anywhere; replicas that are down come back
# (restart_node: the --hold-fd node's may wait for the workload to stop)
heal_all() {
	local n
	net_heal_all
	dm_heal_all
	for n in "${NODES[@]}"; do
		[ "$(field "$n" $VOL role)" = down ] && restart_node "$n"
	done
	nem_log "healed"
}

# data_sum N: md5 of node N's whole data area, read from its loop device
data_sum() {
	local l=${DM_LOOP[$1]}
	blockdev --flushbufs "$l"
	dd if="$l" bs=1M skip=$((DM_DOFF * 512)) iflag=skip_bytes,direct 2>/dev/null |
		md5sum | cut -d' ' -f1
}

# klog_check: the kernel log since the mark, free of the contract's
# patterns.  dmesg is followed into a file from the mark on (klog_start),
# so a ring buffer that wrapped during a long run loses nothing.
KLOG_PID=
klog_start() {
	dmesg -w > "$SCEN_DIR/kernel.log" 2>&1 &
	KLOG_PID=$!
}
klog_check() {
	local since
	sleep 1
	[ -n "$KLOG_PID" ] && kill "$KLOG_PID" 2>/dev/null
	wait "$KLOG_PID" 2>/dev/null
	KLOG_PID=
	since=$(sed -n "/$SYNOD_MARK/,\$p" "$SCEN_DIR/kernel.log")
	if [ -z "$since" ]; then
		fail_reason "kernel log: the run's mark is missing"
		return
	fi
	if grep -E "$KLOG_BAD" <<< "$since" > "$SCEN_DIR/kernel.bad"; then
		fail_reason "kernel log: $(head -n 1 "$SCEN_DIR/kernel.bad")"
		grep -E -B 5 -A 30 "$KLOG_BAD" <<< "$since" | head -n 120 >&2
	fi
}

# ---- fs scenario: ext4 on the first 24 MiB of the leader's disk, fio
# writing and verifying files in it; synod-load runs at 32 MiB.
FS_PID='' FS_MNT=/mnt/nemfs
LOAD_OFFSET=0
fs_start() {
	local l d
	l=$(leader_now) || l=0
	d=$(dev_of "$l" $VOL)
	LOAD_OFFSET=$((32 << 20))
	mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 "$d" 24M || {
		fail_reason "fs: mkfs failed"
		return 1
	}
	mount_at "$d" "$FS_MNT"
	(
		i=0
		while [ ! -e "$NEM_TMP/stop" ]; do
			i=$((i + 1))
			fio --name=v$i --filename="$FS_MNT/f$((i % 3))" --size=4M \
				--rw=randwrite --bs=4k-64k --direct=1 --ioengine=psync \
				--verify=crc32c --do_verify=1 --randseed=$i \
				--output="$NEM_TMP/fio.$i" >/dev/null 2>&1
			grep -q "verify:.*bad\|crc32c: verify failed" "$NEM_TMP/fio.$i" &&
				cp "$NEM_TMP/fio.$i" "$SCEN_DIR/fio.bad.$i"
			echo "$i $(grep -o 'err= *[0-9-]*' "$NEM_TMP/fio.$i" | head -n 1)"
		done
	) > "$SCEN_DIR/fio.log" 2>&1 &
	FS_PID=$!
	nem_log "fs: ext4 on node $l ($d), fio verify loop pid $FS_PID"
}

# fs_stop: fio ends, umount, e2fsck -fn on the current leader's disk
fs_stop() {
	local l d
	[ -n "$FS_PID" ] || return 0
	wait_for 120 pid_gone "$FS_PID" || kill "$FS_PID" 2>/dev/null
	wait "$FS_PID" 2>/dev/null
	FS_PID=
	umount "$FS_MNT" || umount -l "$FS_MNT"
	ls "$SCEN_DIR"/fio.bad.* >/dev/null 2>&1 &&
		fail_reason --violation "fs: fio verify errors ($(ls "$SCEN_DIR"/fio.bad.*))"
	l=$(leader_now) || { fail_reason "fs: no leader for fsck"; return; }
	d=$(dev_of "$l" $VOL)
	if ! e2fsck -fn "$d" > "$SCEN_DIR/fsck.out" 2>&1; then
		fail_reason --violation "fs: e2fsck -fn on node $l: $(tail -n 1 "$SCEN_DIR/fsck.out")"
	fi
	nem_log "fs: fsck on node $l: $(tail -n 1 "$SCEN_DIR/fsck.out")"
}

LC_OPS=0 LC_UNKNOWN=0 LC_LINE=
# history_check: lincheck over the workload's history
history_check() {
	local rc
	if ! [ -x "$LINCHECK" ] || ! [ -x "$LOAD" ]; then
		fail_reason "no history check: synod-load or lincheck not built"
		return
	fi
	"$LINCHECK" --summary "$SCEN_DIR/lincheck.json" "$SCEN_DIR/hist" \
		> "$SCEN_DIR/lincheck.out" 2>&1
	rc=$?
	LC_LINE=$(tail -n 1 "$SCEN_DIR/lincheck.out")
	LC_OPS=$(jq -r '.ops // 0' "$SCEN_DIR/lincheck.json" 2>/dev/null || echo 0)
	LC_UNKNOWN=$(jq -r '.unknown // 0' "$SCEN_DIR/lincheck.json" 2>/dev/null || echo 0)
	nem_log "lincheck (exit $rc): $LC_LINE"
	case "$rc" in
	0) [ "${LC_OPS:-0}" -gt 0 ] || fail_reason "lincheck checked no ops" ;;
	1) fail_reason --violation "$LC_LINE"
	   head -n 60 "$SCEN_DIR/lincheck.out" >&2 ;;
	*) if [[ $LC_LINE == *GAVE-UP* ]]; then
		fail_reason --gave-up "$LC_LINE"
	   else
		fail_reason "lincheck exited $rc: $LC_LINE"
	   fi ;;
	esac
}

# end_checks: the whole end of a run (verdict in VERDICT, REASONS)
end_checks() {
	local n s first='' sums=''
	heal_all
	nem_log "quiet ${quiet} s"
	sleep "$quiet"
	workload_stop
	fs_stop
	for n in "${!DEFERRED[@]}"; do restart_node "$n"; done
	for n in "${NODES[@]}"; do
		[ "$(field "$n" $VOL role)" = down ] && restart_node "$n"
	done
	wait_for 60 leader_now > /dev/null ||
		settle_leader 0 $VOL "${NODES[@]}" || fail_reason "no leader after the heal"
	history_check
	if ! wait_for 180 applied_equal; then
		fail_reason "applied_index not equal 180 s after the end"
	fi
	for n in "${NODES[@]}"; do
		ctl "$n" -j status $VOL > "$SCEN_DIR/status.$n" 2>&1
		nem_log "node $n: role $(field "$n" $VOL role) applied $(field "$n" $VOL applied_index)"
	done
	for n in "${NODES[@]}"; do ctl "$n" volume down $VOL; done
	for n in "${NODES[@]}"; do
		s=$(data_sum "$n")
		sums+=" $n:$s"
		[ -z "$first" ] && first=$s
		[ "$s" = "$first" ] || fail_reason --violation "data areas differ:$sums"
	done
	nem_log "data area md5:$sums"
	klog_check
	nem_log "verdict $VERDICT"
}

# nem_kernel: "6.1" or "6.12" from uname -r
nem_kernel() { uname -r | sed -E 's/^([0-9]+\.[0-9]+).*/\1/'; }

# finish_summary SCENARIO: summary.json (contract section 6) and the
# reproducing command on failure
finish_summary() {
	local scen=$1 k faults='' r reasons='' repro
	for k in "${!FAULTS[@]}"; do
		faults+="${faults:+,}\"$k\":${FAULTS[$k]}"
	done
	for r in "${REASONS[@]}"; do
		reasons+="${reasons:+,}$(jq -Rn --arg s "$r" '$s')"
	done
	repro="make nemesis SEED=$seed KERNEL=$(nem_kernel) SCENARIO=$scen ROUNDS=$(wc -l < "$SCEN_DIR/schedule")"
	[ "$stale" = 1 ] && repro+=" STALE_READ=1"
	cat > "$SCEN_DIR/summary.json" <<-EOF
	{"seed":$seed,"kernel":"$(nem_kernel)","scenario":"$scen","ops":${LC_OPS:-0},"unknown":${LC_UNKNOWN:-0},"faults":{$faults},"verdict":"$VERDICT","reproduce":"$repro","rounds":$(wc -l < "$SCEN_DIR/schedule"),"stale_read":$stale,"reasons":[$reasons]}
	EOF
	if [ "$VERDICT" != ok ]; then
		echo "nemesis: FAILED ($VERDICT): ${REASONS[*]}"
		echo "nemesis: reproduce with: $repro"
		echo "nemesis: (a seed fixes the schedule, not the interleaving)"
	fi
}
