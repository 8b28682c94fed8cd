# Host side of the crash tests: three VMs (scripts/vmctl), one synod
# replica each on a persistent disk file, joined by a full mesh of
# point-to-point QEMU UDP links on 127.0.0.1.  tests/crash/run.sh sets
# SYNOD_CRASH_DIR (all state, removed at exit) and SYNOD_CRASH_KERNEL.
#
#            node 0  10.77.0.1
#            /            \
#   udp P01<->P10     udp P02<->P20
#          /                \
#   node 1  10.77.0.2 -- udp P12<->P21 -- node 2  10.77.0.3
#
# Pij = base + 10*i + j is node i's local port on its link to node j;
# QEMU's "-netdev socket,udp=127.0.0.1:Pji,localaddr=127.0.0.1:Pij" is
# connectionless, so either end can be killed and restarted.  Inside, each
# NIC carries the node's /32 with the peer's address as its other end
# (tests/crash/guest.bash).

# (from this file's path: bats files in subdirectories load it too)
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMCTL=$TOP/scripts/vmctl
: "${SYNOD_CRASH_DIR:?run through tests/crash/run.sh}"
KERNEL=${SYNOD_CRASH_KERNEL:-6.1}
S=$SYNOD_CRASH_DIR

vmdir() { echo "$S/vm$1"; }

# pick_ports: a base such that base..base+29 are free UDP ports here
# (other engineers' VMs share the machine); kept in $S/port_base
pick_ports() {
	local base p used
	for _ in $(seq 1 20); do
		base=$(( (RANDOM % 300) * 100 + 20000 ))
		used=$(ss -Huan 2>/dev/null | awk '{ print $4 }')
		for ((p = base; p < base + 30; p++)); do
			grep -q ":$p\$" <<< "$used" && continue 2
		done
		echo "$base" > "$S/port_base"
		return 0
	done
	echo "no free UDP port range" >&2
	return 1
}

# net_args N: the QEMU arguments of node N's two links
net_args() {
	local n=$1 m base
	base=$(cat "$S/port_base")
	for m in 0 1 2; do
		[ "$m" = "$n" ] && continue
		echo --qemu-arg -netdev --qemu-arg \
			"socket,id=l$m,udp=127.0.0.1:$((base + 10 * m + n)),localaddr=127.0.0.1:$((base + 10 * n + m))"
		echo --qemu-arg -device --qemu-arg \
			"virtio-net-pci,netdev=l$m,mac=52:54:00:77:0$n:0$m"
	done
}

# clock_args N: QEMU arguments of node N's clock port: a virtio-serial
# port named synod.clock whose host end is the unix socket
# DIR/clock.sock (QEMU listens; tests/crash/clockprobe connects)
clock_args() {
	local d
	d=$(vmdir "$1")
	echo --qemu-arg -device --qemu-arg virtio-serial-pci,id=vser
	echo --qemu-arg -chardev --qemu-arg \
		"socket,id=clk,path=$d/clock.sock,server=on,wait=off"
	echo --qemu-arg -device --qemu-arg \
		"virtserialport,bus=vser.0,chardev=clk,name=synod.clock"
}

# clock_probe_start N: the host's prober of node N's clock, once per run
# (it reconnects across reboots); it ends with the runner (run.sh's pid)
clock_probe_start() {
	local d p
	d=$(vmdir "$1")
	p=$(cat "$d/clockprobe.pid" 2>/dev/null) || true
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null && return 0
	setsid "$B/tests/clockprobe" probe "$d/clock.sock" "$d/clock.log" \
		--owner "${SYNOD_VM_OWNER:-$$}" --life "${SYNOD_CRASH_LIFE:-1200}" \
		> /dev/null 2>&1 < /dev/null 3>&- &
	echo $! > "$d/clockprobe.pid"
}

# clock_map FROM_NS TO_NS NAME=N...: the lincheck --clock-map lines of
# the named nodes' clocks over that host interval (each name is one
# boot of node N)
clock_map() {
	local from=$1 to=$2 a
	shift 2
	for a in "$@"; do
		"$B/tests/clockprobe" map "${a%%=*}" "$(vmdir "${a#*=}")/clock.log" \
			"$from" "$to" || return 1
	done
}

# host_now: the host's CLOCK_MONOTONIC in ns (the clock of clock.log)
host_now() { "$B/tests/clockprobe" now; }

# crash_init: ports, a secret, three sparse 128 MiB disk files
crash_init() {
	local n
	pick_ports
	head -c 32 /dev/urandom | base64 > "$S/secret"
	chmod 600 "$S/secret"
	for n in 0 1 2; do
		mkdir -p "$(vmdir "$n")"
		cp "$S/secret" "$(vmdir "$n")/secret"
		rm -f "$S/disk$n"
		truncate -s 128M "$S/disk$n"
	done
}

# node_start N: boot node N's VM on its disk file (bounded by vmctl)
node_start() {
	local n=$1
	# shellcheck disable=SC2046  # net_args prints one word per line
	SYNOD_NODE=$n "$VMCTL" start "$(vmdir "$n")" --kernel "$KERNEL" \
		--mem 1024 --disk "$S/disk$n" --boot-timeout 240 \
		--life "${SYNOD_CRASH_LIFE:-1200}" $(net_args "$n") \
		$(clock_args "$n") || return 1
	clock_probe_start "$n"
}

# wait_pids PID...: wait for every one; fail if any failed
wait_pids() {
	local p rc=0
	for p in "$@"; do
		wait "$p" || rc=1
	done
	return $rc
}

# nodes_start N...: boot several at once
nodes_start() {
	local n pids=()
	for n in "$@"; do
		node_start "$n" &
		pids+=($!)
	done
	wait_pids "${pids[@]}"
}

# on N [--timeout S] SCRIPT: run SCRIPT in node N's VM with the guest
# helpers loaded; prints its output, returns its status
on() {
	local n=$1 t=60
	shift
	if [ "$1" = --timeout ]; then
		t=$2
		shift 2
	fi
	local start=$SECONDS rc=0
	printf '. %q\nRUN=%q\nset -e\n%s\n' "$TOP/tests/crash/guest.bash" \
		"$(vmdir "$n")" "$1" |
		"$VMCTL" exec "$(vmdir "$n")" --timeout "$t" - || rc=$?
	# a log of every step with its time, kept with SYNOD_CRASH_KEEP=1
	printf '%s node %s %3ss rc %s: %s\n' "$(date +%T)" "$n" \
		$((SECONDS - start)) "$rc" "$(tr -s '\n\t' '  ' <<< "$1")" >> "$S/on.log"
	return $rc
}

# on_all SCRIPT: run SCRIPT on nodes 0 1 2 at once; fails if one fails
on_all() {
	local n pids=() rc=0
	for n in 0 1 2; do
		on "$n" "$@" > "$S/on_all.$n" 2>&1 &
		pids+=($!)
	done
	for n in 0 1 2; do
		wait "${pids[n]}" || { rc=1; echo "--- node $n failed:"; }
		sed "s/^/node $n: /" "$S/on_all.$n"
	done
	return $rc
}

node_kill() { "$VMCTL" kill "$(vmdir "$1")"; }
node_pause() { "$VMCTL" pause "$(vmdir "$1")"; }
node_resume() { "$VMCTL" resume "$(vmdir "$1")"; }
node_alive() { "$VMCTL" alive "$(vmdir "$1")"; }

# hfield N KEY: a status field of node N, read from the host
hfield() { on "$1" --timeout 30 "field $2"; }

# snap NODES...: role, leader, quorum, commit_index and applied_index of
# each node, all read at once (one round trip); then snap_of N KEY
SNAP_KEYS="role leader quorum commit_index applied_index"
snap() {
	local n pids=()
	for n in "$@"; do
		rm -f "$S/snap.$n"
		on "$n" --timeout 30 "fields $SNAP_KEYS" > "$S/snap.$n" &
		pids+=($!)
	done
	wait_pids "${pids[@]}"
}
snap_of() {
	local k i=0
	for k in $SNAP_KEYS; do
		i=$((i + 1))
		[ "$k" = "$2" ] && { cut -d' ' -f$i "$S/snap.$1"; return; }
	done
	return 1
}

# agreed_leader L NODES...: L says it leads and every other one of NODES
# follows L
agreed_leader() {
	local l=$1 n
	shift
	snap "$@" || return 1
	for n in "$@"; do
		if [ "$n" = "$l" ]; then
			[ "$(snap_of "$n" role)" = leader ] || return 1
		else
			[ "$(snap_of "$n" role)" = follower ] &&
				[ "$(snap_of "$n" leader)" = "$l" ] || return 1
		fi
	done
}

# wait_agreed TRIES L NODES...: agreed_leader, tried TRIES times a
# second apart (each try is a round trip to every node: seconds here)
wait_agreed() {
	local tries=$1 i
	shift
	for ((i = 0; i < tries; i++)); do
		agreed_leader "$@" && return 0
		sleep 1
	done
	echo "no agreement on node $1 leading $*" >&2
	return 1
}

# settle_leader L NODES...: L leads and all of NODES follow it.  Links
# form one by one after "up", and a node that has heard of no leader yet
# may win first: promote again, a bounded number of times.
settle_leader() {
	local l=$1 i
	shift
	for i in 1 2 3; do
		on "$l" --timeout 90 promote_and_wait || continue
		wait_agreed 10 "$l" "$@" && return 0
	done
	echo "node $l is not the agreed leader of $*" >&2
	return 1
}

# leader_of NODES...: the node among NODES that says it leads (none: fail)
leader_of() {
	local n
	snap "$@" || return 1
	for n in "$@"; do
		[ "$(snap_of "$n" role)" = leader ] && { echo "$n"; return 0; }
	done
	return 1
}

# node_rejoin N OTHERS...: boot node N's VM again on its disk file,
# attach its replica from its journal, up; then wait (bounded) until it
# follows the leader among OTHERS and has applied that leader's
# commit_index (from the in-memory log, or by a state transfer when it
# is too far behind).  Prints "leader L commit_index C".
node_rejoin() {
	local n=$1 l c
	shift
	node_start "$n" || return 1
	on "$n" node_boot || return 1
	on "$n" --timeout 90 peers_reachable || return 1
	on "$n" '"$CTL" volume attach "$VOL" --backing /dev/vda \
			--secret-file "$RUN/secret" > /dev/null
		"$CTL" volume up "$VOL" > /dev/null' || return 1
	l=$(leader_of "$@") || { echo "no leader among $*" >&2; return 1; }
	c=$(snap_of "$l" commit_index)
	on "$n" --timeout 240 "
		wait_for 120 is_field role follower
		wait_for 180 field_ge applied_index $c" || return 1
	echo "leader $l commit_index $c"
}

# klog_check_all [NODES...]: the kernel log of every live node (default
# 0 1 2) since its boot mark is free of warnings (guest.bash klog_check);
# every node is checked and each one's findings printed before failing.
# SYNOD_CRASH_KLOG_INJECT=N writes a WARNING line into node N's log
# before checking it: the negative control of this check (it must fail).
klog_check_all() {
	local n rc=0 nodes=("$@")
	[ ${#nodes[@]} -gt 0 ] || nodes=(0 1 2)
	for n in "${nodes[@]}"; do
		node_alive "$n" || continue
		if [ "${SYNOD_CRASH_KLOG_INJECT:-}" = "$n" ]; then
			on "$n" 'echo "WARNING: injected by SYNOD_CRASH_KLOG_INJECT" > /dev/kmsg'
		fi
		on "$n" --timeout 60 klog_check || rc=1
	done
	return $rc
}

# crash_console FILE N: what a VM that is not running printed last; from
# its first oops or panic on, whole (up to 200 lines), so that the call
# trace reaches the log: the run directory is gone once the test ends.
crash_console() {
	local at
	at=$(grep -n -m1 -E 'cut here|BUG:|Oops|general protection|Kernel panic' \
		"$1" 2>/dev/null | cut -d: -f1)
	if [ -n "$at" ]; then
		echo "--- node $2: VM not running; console from its first oops"
		tail -n +"$(( at > 5 ? at - 5 : 1 ))" "$1" | head -n 200
	else
		echo "--- node $2: VM not running; console tail"
		tail -n 15 "$1" 2>/dev/null || true
	fi
}

# crash_report: every live node's status and kernel log (on failure)
crash_report() {
	local n
	for n in 0 1 2; do
		if node_alive "$n"; then
			on "$n" --timeout 30 report || true
		else
			crash_console "$(vmdir "$n")/console" "$n"
		fi
	done
}

# Tests in crash.bats are steps of one scenario: once one fails, the
# rest skip (each still reports) instead of failing for the same reason.
crash_step_setup() {
	[ ! -e "$S/failed" ] || skip "an earlier step failed"
}

crash_step_teardown() {
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -z "${BATS_TEST_SKIPPED:-}" ]; then
		: > "$S/failed"
		crash_report >&2
	fi
}
