#!/bin/bash
# The guest side of a nemesis run (tests/nemesis/run.sh boots the VM):
# three replicas of one volume in network namespaces, each on a
# device-mapper table over a loop device, the workload (synod-load) on the
# leader, then the seed's rounds of faults, each injected and healed with
# its time, then the end-of-run checks (checks.bash).  Also runs on the
# host with --dry-run, which only prints the schedule.
#
# usage: guest.bash --seed N --out DIR [--scenario S[:ROUNDS][@SEED]]...
#                   [--rounds R] [--quiet S] [--stale-read] [--dry-run]
#   DIR gets one directory per scenario: summary.json, nemesis.log (every
#   injection and heal, with `synod-load now` times), hist/ (the
#   workload's history), lincheck.out, status and kernel log excerpts.
# Documentation/nemesis.rst describes the scenarios and the checks.
set -u
NEM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$NEM_HERE/../.." && pwd)
# shellcheck source=tests/nemesis/schedule.bash
. "$NEM_HERE/schedule.bash"

seed='' out='' rounds=8 quiet=30 stale=0 dry=0 scens=()
while [ $# -gt 0 ]; do
	case "$1" in
	--seed) seed=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--scenario) scens+=("${2:?}"); shift 2 ;;
	--rounds) rounds=${2:?}; shift 2 ;;
	--quiet) quiet=${2:?}; shift 2 ;;
	--stale-read) stale=1; shift ;;
	--dry-run) dry=1; shift ;;
	*) sed -n '/^# usage:/,/^# Doc/p' "$0" >&2; exit 2 ;;
	esac
done
case "$seed$rounds$quiet" in ''|*[!0-9]*) echo "nemesis: --seed, --rounds and --quiet take numbers" >&2; exit 2 ;; esac
[ ${#scens[@]} -gt 0 ] || scens=(mix)

# scen_spec NAME[:ROUNDS][@SEED]: SP_NAME, SP_ROUNDS, SP_SEED, SP_DIR (the
# scenario's directory: NAME, or NAME-SEED when it names its own seed)
scen_spec() {
	local s=$1
	SP_SEED=$seed SP_ROUNDS=$rounds
	if [[ $s == *@* ]]; then SP_SEED=${s#*@}; s=${s%@*}; fi
	if [[ $s == *:* ]]; then SP_ROUNDS=${s#*:}; s=${s%%:*}; fi
	SP_NAME=$s SP_DIR=$s
	[[ $1 == *@* ]] && SP_DIR=$s-$SP_SEED
	case "$SP_SEED$SP_ROUNDS" in ''|*[!0-9]*) echo "nemesis: bad scenario '$1'" >&2; exit 2 ;; esac
}

if [ "$dry" = 1 ]; then
	for s in "${scens[@]}"; do
		scen_spec "$s"
		echo "# seed $SP_SEED scenario $SP_NAME"
		nem_schedule "$SP_SEED" "$SP_NAME" "$SP_ROUNDS" || exit 2
	done
	exit 0
fi
[ -n "$out" ] || { echo "nemesis: --out DIR is needed" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "nemesis: the guest side runs as root in a VM (tests/nemesis/run.sh)" >&2; exit 2; }

# tests/vm's helpers expect to run under bats; give them what they read.
# shellcheck disable=SC2034  # read by the sourced helpers
BATS_TEST_DIRNAME=$TOP/tests/vm
# shellcheck disable=SC2034
BATS_TEST_NUMBER=nemesis
BATS_TEST_TMPDIR=$(mktemp -d /tmp/nemesis.XXXXXX)
export DM_DISABLE_UDEV=1
# shellcheck source=tests/vm/helpers.bash
. "$TOP/tests/vm/helpers.bash"
# shellcheck source=tests/vm/cluster.bash
. "$TOP/tests/vm/cluster.bash"
# shellcheck source=tests/nemesis/checks.bash
. "$NEM_HERE/checks.bash"
# shellcheck source=tests/nemesis/net.bash
. "$NEM_HERE/net.bash"
# shellcheck source=tests/nemesis/disk.bash
. "$NEM_HERE/disk.bash"
# shellcheck source=tests/nemesis/ops.bash
. "$NEM_HERE/ops.bash"

VOL=nem
NODES=(0 1 2)
LOAD=$B/tests/synod-load
LINCHECK=$B/tests/lincheck
NEM_TMP=$BATS_TEST_TMPDIR
export WAIT_WHO=nemesis

# nem_now: CLOCK_MONOTONIC ns, the workload's clock (/proc/uptime, in
# CLOCK_BOOTTIME, only while synod-load is not built: no suspend in a VM)
nem_now() {
	if [ -x "$LOAD" ]; then
		"$LOAD" now
	else
		local u
		read -r u _ < /proc/uptime
		echo "${u/./}0000000"
	fi
}

# nem_log WORDS...: one line of the run's log, with the time, also on stdout
nem_log() {
	local t
	t=$(nem_now)
	echo "$t $*" >> "$SCEN_DIR/nemesis.log"
	echo "nemesis: [$t] $*"
}

# leader_now: the node every up node agrees leads (empty if none)
leader_now() {
	local n l
	for n in "${NODES[@]}"; do
		l=$(field "$n" $VOL leader 2>/dev/null)
		case "$l" in [0-7]) is_role "$l" $VOL leader && { echo "$l"; return 0; } ;; esac
	done
	return 1
}

# others N: the other nodes, in id order
others() { local n; for n in "${NODES[@]}"; do [ "$n" = "$1" ] || echo "$n"; done; }

# set_dev_link N: /tmp/.../devN points at node N's synod disk (its minor
# changes when the replica is deleted and attached again; the workload
# opens the links)
set_dev_link() {
	local d
	d=$(dev_of "$1" $VOL)
	[ -n "$d" ] && ln -sfn "$d" "$NEM_TMP/dev$1"
}

# ---------------------------------------------------------------- setup

modules() {
	local m
	for m in loop veth bridge dm-mod dm-flakey dm-delay sch_netem sch_prio \
		cls_u32 nf_tables; do
		modprobe "$m" 2>/dev/null || echo "nemesis: modprobe $m failed" >&2
	done
}

# cluster_up: module, network, backings, volume, leader 0, device links
cluster_up() {
	local n ko_args=(time_scale=8)
	[ "$stale" = 1 ] && ko_args+=(test_stale_read=1)
	modules
	lsmod | grep -q '^synod ' && rmmod synod
	insmod "$KO" "${ko_args[@]}" || return 1
	synod_setup	# the kernel-log mark of this run (helpers.bash)
	klog_start
	cluster_net "${NODES[@]}"
	new_secret
	for n in "${NODES[@]}"; do
		dm_backing "$n" || return 1
		replica_create_on $VOL "$n" "${NODES[*]}" "/dev/mapper/nem$n" \
			--on-no-quorum error || return 1
	done
	for n in "${NODES[@]}"; do
		dm_layout "$n" || return 1	# disk.bash: three segments
	done
	for n in "${NODES[@]}"; do ctl "$n" volume up $VOL || return 1; done
	settle_leader 0 $VOL "${NODES[@]}" || return 1
	for n in "${NODES[@]}"; do set_dev_link "$n"; done
	nem_log "setup leader 0 journal ${DM_JOFF}+${DM_JLEN} data ${DM_DOFF} (sectors)"
}

cluster_down() {
	local n
	for n in "${NODES[@]}"; do
		ctl "$n" volume down $VOL --force 2>/dev/null
		ctl "$n" volume delete $VOL 2>/dev/null
	done
	dm_remove_all
	cluster_net_teardown
	# shellcheck disable=SC2034  # cluster.bash's list
	CLUSTER_NODES=()
	lsmod | grep -q '^synod ' && rmmod synod
}

# ------------------------------------------------------------- workload

WL_PID=
# workload_start: 4 procs on the leader's disk (then the others, in
# turn, as leadership moves) and a --hold-fd reader on the first leader
workload_start() {
	local l devs=() n
	l=$(leader_now) || l=0
	HOLD_NODE=$l
	devs=(--dev "$NEM_TMP/dev$l")
	for n in $(others "$l"); do devs+=(--dev "$NEM_TMP/dev$n"); done
	mkdir -p "$SCEN_DIR/hist"
	rm -f "$NEM_TMP/stop"
	if [ -x "$LOAD" ]; then
		"$LOAD" run "${devs[@]}" --procs 4 --blocks 64 --max-blocks 4 \
			--read-pct 50 --seed "$seed" --out "$NEM_TMP/hist" \
			--stop-file "$NEM_TMP/stop" --node "$l" --hold-fd \
			--offset "$LOAD_OFFSET" \
			> "$SCEN_DIR/load.out" 2>&1 &
		WL_PID=$!
	else
		# Placeholder until synod-load exists: writes, no history.
		echo "nemesis: $LOAD not built: placeholder dd workload, no history check" >&2
		(
			while [ ! -e "$NEM_TMP/stop" ]; do
				dd if=/dev/urandom of="$NEM_TMP/dev$l" bs=4k count=4 \
					seek=$((LOAD_OFFSET / 4096 + RANDOM % 64)) oflag=direct 2>/dev/null ||
					sleep 0.5
			done
		) > "$SCEN_DIR/load.out" 2>&1 &
		WL_PID=$!
	fi
	nem_log "workload pid $WL_PID on node $l, hold-fd on node $l"
}

# workload_stop: stop file, then TERM, then KILL (bounded)
workload_stop() {
	[ -n "$WL_PID" ] || return 0
	touch "$NEM_TMP/stop"
	wait_for 60 pid_gone "$WL_PID" || kill -TERM "$WL_PID" 2>/dev/null
	wait_for 15 pid_gone "$WL_PID" || kill -KILL "$WL_PID" 2>/dev/null
	wait "$WL_PID" 2>/dev/null
	WL_PID=
	rm -rf "$SCEN_DIR/hist"
	[ -d "$NEM_TMP/hist" ] && cp -r "$NEM_TMP/hist" "$SCEN_DIR/hist"
	nem_log "workload stopped: $(tail -n 1 "$SCEN_DIR/load.out" 2>/dev/null)"
}
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# ---------------------------------------------------------------- rounds

declare -A FAULTS=()
# count_fault KIND: one more injection of KIND (summary.json)
count_fault() { FAULTS[$1]=$((${FAULTS[$1]:-0} + 1)); }

# resolve TARGET FOLLOWER-INDEX: NEM_NODE = the node a round hits now
resolve() {
	local l f
	l=$(leader_now) || l=
	if [ "$1" = leader ]; then
		NEM_NODE=${l:-0}
	else
		# shellcheck disable=SC2207
		f=($(others "${l:-0}"))
		NEM_NODE=${f[$2]}
	fi
}

# run_round LINE: one line of the schedule: inject, hold, heal
run_round() {
	local _r r _k kind _t target _l link _d dur _p param fi=0 peer
	read -r _r r _k kind _t target _l link _d dur _p param <<< "$1"
	[ "$link" = all ] || fi=$link
	resolve "$target" "$fi"
	# shellcheck disable=SC2207
	local o=($(others "$NEM_NODE"))
	peer=${o[${fi}]}
	case "$kind" in
	link-down | oneway-drop | netem-*) net_round "$kind" "$NEM_NODE" "$link" "$peer" "$dur" "$param" ;;
	dm-* | flakey-*) disk_round "$kind" "$NEM_NODE" "$dur" "$param" ;;
	down-force | promote-storm) ops_round "$kind" "$NEM_NODE" "$dur" "$param" "$r" ;;
	*) nem_log "unknown kind $kind"; return 1 ;;
	esac
	# between rounds: a leader again, asked for (bounded, not a failure:
	# the checks at the end judge the run)
	wait_for 40 leader_now > /dev/null || nem_log "round $r: no leader 40 s after the heal"
}

# ------------------------------------------------------------------ main

# run_scenario NAME ROUNDS DIR: one whole run, its summary.json in OUT/DIR
run_scenario() {
	local scen=$1 nr=$2 line
	SCEN_DIR=$out/$3
	rm -rf "$SCEN_DIR"
	mkdir -p "$SCEN_DIR"
	FAULTS=() REASONS=() DEFERRED=() VERDICT=ok LC_OPS=0 LC_UNKNOWN=0
	LOAD_OFFSET=0 HOLD_NODE='' WL_PID=''
	nem_schedule "$seed" "$scen" "$nr" > "$SCEN_DIR/schedule"
	echo "nemesis: seed $seed scenario $scen rounds $nr on $(uname -r)"
	cat "$SCEN_DIR/schedule"
	if ! cluster_up; then
		fail_reason "setup failed"
		finish_summary "$scen"
		cluster_down
		return 1
	fi
	[ "$scen" = fs ] && fs_start
	workload_start
	sleep 5
	# fd 3: the commands of a round must not eat the schedule
	while read -r line <&3; do
		nem_log "begin $line"
		run_round "$line"
	done 3< "$SCEN_DIR/schedule"
	end_checks	# checks.bash
	finish_summary "$scen"
	cluster_down
	[ "$VERDICT" = ok ]
}

rc=0
for s in "${scens[@]}"; do
	scen_spec "$s"
	seed=$SP_SEED	# the scenario's own, for everything drawn from it
	run_scenario "$SP_NAME" "$SP_ROUNDS" "$SP_DIR" || rc=1
done
exit "$rc"
