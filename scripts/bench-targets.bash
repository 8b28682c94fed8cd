# shellcheck shell=bash
# The targets of scripts/bench.sh (sourced by it): their backing devices,
# set up, lead check, slow-follower link and teardown.  Every replica of
# every target talks to its peers over loopback, each node on its own
# address in 127.0.0.0/8, so that DRBD and synod cross the same path and a
# qdisc on lo can slow one node's traffic (the slow-follower run):
#
#   drbd    DRBD 8.4 protocol C: r0 (primary) 127.0.1.1:7788, r1 127.0.1.2
#   synod2  synod, 2 replicas, --q1 1 --q2 2 (DRBD's copies and wait):
#           volumes s2n0 (leader), s2n1 on 127.0.2.1-2:7790
#   synod3  synod, 3 replicas: s3n0 (leader), s3n1, s3n2 on 127.0.3.1-3
#   nomac   synod3 with frame MACs off (test build only): nmn0..2 on
#           127.0.4.1-3, to show what authenticating every frame costs
#   small3  synod3 created with --small-requests (16 KiB requests, as
#           before 1 MiB became the default): smn0..2 on 127.0.5.1-3
#   engread3  synod3 whose leader sends every read through the engine
#           (module parameter fast_reads=0 while it runs): ern0..2 on
#           127.0.6.1-3, to show what reads past the engine bring
#
# All synod volumes are in the VM's own network namespace; a volume's
# name is local (the volumes of one cluster agree on the secret, node ids
# and addresses), so the three replicas of one cluster live side by side.
#
# Uses from bench.sh: try, fail, wait_until, $W, $KO, $CTL, $DRBDSETUP,
# $TIME_SCALE, $BACKING, $CACHE_MB, $NULLB_IRQ, $NULLB_NSEC.

# ---- backing devices ------------------------------------------------------------

RD_MB=160	# fio's region, synod's 18 MiB of metadata and DRBD's fit
NBK=0		# backing devices handed out so far
BK=		# the last one (backing_new sets it: no subshell, NBK counts)

# backing_setup COUNT: make COUNT backing devices of $BACKING available.
# brd allocates pages on first write; null_blk (memory_backed=1 with a
# volatile cache of $CACHE_MB MiB, flushed on REQ_PREFLUSH, FUA honoured)
# is created per device through configfs in backing_new.
backing_setup() {
	case "$BACKING" in
	brd) modprobe brd rd_nr="$1" rd_size=$((RD_MB * 1024)) ;;
	nullb)
		modprobe null_blk nr_devices=0 || return 1
		mountpoint -q /sys/kernel/config ||
			mount -t configfs none /sys/kernel/config || return 1
		[ -d /sys/kernel/config/nullb ]
		;;
	*) echo "bench: SYNOD_BENCH_BACKING must be nullb or brd" >&2; return 2 ;;
	esac
}

# backing_new: the next backing device, in $BK.  A null_blk disk is named
# after its configfs directory (nullbN).
backing_new() {
	local d
	case "$BACKING" in
	brd) BK=/dev/ram$NBK ;;
	nullb)
		d=/sys/kernel/config/nullb/nullb$NBK
		mkdir "$d" && echo "$RD_MB" > "$d/size" &&
			echo 1 > "$d/memory_backed" &&
			echo "$CACHE_MB" > "$d/cache_size" &&
			echo "$NULLB_IRQ" > "$d/irqmode" &&
			echo "$NULLB_NSEC" > "$d/completion_nsec" &&
			echo 1 > "$d/power" || return 1
		BK=/dev/nullb$NBK
		wait_until 10 test -b "$BK" || return 1
		;;
	esac
	NBK=$((NBK + 1))
}

backing_teardown() {
	local d
	case "$BACKING" in
	brd) rmmod brd 2>/dev/null ;;
	nullb)
		for d in /sys/kernel/config/nullb/nullb*; do
			[ -d "$d" ] || continue
			echo 0 > "$d/power" 2>/dev/null
			rmdir "$d"
		done
		rmmod null_blk 2>/dev/null
		;;
	esac
	return 0
}

# ---- raw -------------------------------------------------------------------------

RAW_DEV=
target_raw_setup() {
	backing_new || { fail raw "cannot make a $BACKING backing device"; return 1; }
	RAW_DEV=$BK
	echo "   raw: $RAW_DEV"
}

# ---- drbd ------------------------------------------------------------------------

drbd_cstate() { timeout 10 "$DRBDSETUP" cstate "$1" 2>/dev/null; }
drbd_dstate() { timeout 10 "$DRBDSETUP" dstate "$1" 2>/dev/null; }
drbd_connected() { [ "$(drbd_cstate 0)" = Connected ] && [ "$(drbd_cstate 1)" = Connected ]; }
drbd_uptodate() { [ "$(drbd_dstate 0)" = UpToDate/UpToDate ]; }

# Two resources in one kernel: minor 0 (r0, primary) and minor 1 (r1),
# each other's peer, protocol C.  Both backing devices are all zeros, so
# the initial sync is skipped on purpose (new-current-uuid --clear-bitmap,
# the documented way for fresh disks).  DRBD's own defaults otherwise.
target_drbd_setup() {
	local r m dev
	[ -x "$DRBDSETUP" ] || { fail drbd "$DRBDSETUP missing (drbd-utils)"; return 1; }
	try drbd modprobe drbd usermode_helper=/bin/true || return 1
	echo "   $(head -n 1 /proc/drbd)"
	mkdir -p /run/lock
	for m in 0 1; do
		r=r$m
		backing_new || { fail drbd "cannot make a $BACKING backing device"; return 1; }
		dev=$BK
		try drbd drbdmeta --force "$m" v08 "$dev" internal create-md || return 1
		try drbd "$DRBDSETUP" new-resource "$r" || return 1
		try drbd "$DRBDSETUP" new-minor "$r" "$m" 0 || return 1
		try drbd "$DRBDSETUP" attach "$m" "$dev" "$dev" internal || return 1
		# shellcheck disable=SC2086 # extra options, split on purpose
		try drbd "$DRBDSETUP" connect "$r" "ipv4:127.0.1.$((m + 1)):7788" \
			"ipv4:127.0.1.$((2 - m)):7788" --protocol=C \
			${SYNOD_BENCH_DRBD_NET:-} || return 1
	done
	if ! wait_until 60 drbd_connected; then
		fail drbd "not connected after 60 s: $(tr '\n' ' ' < /proc/drbd)"
		return 1
	fi
	try drbd "$DRBDSETUP" new-current-uuid --clear-bitmap 0 || return 1
	if ! wait_until 30 drbd_uptodate; then
		fail drbd "disks not UpToDate/UpToDate after 30 s: $(tr '\n' ' ' < /proc/drbd)"
		return 1
	fi
	try drbd "$DRBDSETUP" primary 0 || return 1
	cat /proc/drbd
}

drbd_teardown() {
	[ -d /sys/module/drbd ] || return 0
	timeout 30 "$DRBDSETUP" secondary 0 >/dev/null 2>&1
	timeout 30 "$DRBDSETUP" down r0 >/dev/null 2>&1
	timeout 30 "$DRBDSETUP" down r1 >/dev/null 2>&1
	rmmod drbd 2>/dev/null
	return 0
}

# ---- synod -----------------------------------------------------------------------

ctl() { timeout -k 5 30 "$CTL" "$@"; }
# synod_field VOLUME KEY: the first "KEY": value of VOLUME's status -j
# (top-level keys come before the peers list); no python per poll.
synod_field() {
	ctl -j status "$1" 2>/dev/null | grep -o "\"$2\": *[^,}]*" | head -n 1 |
		sed 's/^[^:]*: *//; s/"//g'
}
synod_is_leader() { [ "$(synod_field "$1" role)" = leader ]; }

# synod_shape TARGET: "PREFIX GROUP REPLICAS" of a synod target.
synod_shape() {
	case "$1" in
	synod2) echo "s2n 2 2" ;;
	synod3) echo "s3n 3 3" ;;
	nomac) echo "nmn 4 3" ;;
	small3) echo "smn 5 3" ;;
	engread3) echo "ern 6 3" ;;
	*) return 1 ;;
	esac
}

# The address of node N of group G, and of the node a slow-follower run
# slows: the last node of the target (a follower).
synod_addr() { echo "127.0.$1.$(($2 + 1))"; }
slow_addr() {
	local prefix g n
	case "$1" in
	drbd) echo 127.0.1.2 ;;
	*) read -r prefix g n <<<"$(synod_shape "$1")" && synod_addr "$g" $((n - 1)) ;;
	esac
}

# synod_lead TARGET: node 0 leads again if a stall of the host moved
# leadership since the last run (bounded: 10 promotes, 3 s each).
synod_lead() {
	local prefix g n i
	read -r prefix g n <<<"$(synod_shape "$1")"
	for ((i = 0; i < 10; i++)); do
		synod_is_leader "${prefix}0" && return 0
		echo "# ${prefix}0 does not lead: promoting it again"
		ctl volume promote "${prefix}0" >/dev/null 2>&1
		wait_until 3 synod_is_leader "${prefix}0" && return 0
	done
	return 1
}

synod_insmod() {
	[ -d /sys/module/synod ] && return 0
	try "$1" insmod "$KO" time_scale="$TIME_SCALE"
}

# target_synod_setup TARGET: create, bring up and promote its replicas;
# the device of node 0 ends up in SYNOD_DEV[TARGET].
declare -A SYNOD_DEV
target_synod_setup() {
	local t=$1 prefix g n k p peers quorum=() secret out i dev mac=0 small=()
	read -r prefix g n <<<"$(synod_shape "$t")"
	if [ "${SYNOD_BENCH_BUILD_RC:-0}" != 0 ]; then
		fail "$t" "not run: 'make all' failed (exit $SYNOD_BENCH_BUILD_RC) before the VM started; see its output above"
		return 1
	fi
	[ -f "$KO" ] || { fail "$t" "no module at $KO (run make all)"; return 1; }
	[ -x "$CTL" ] || { fail "$t" "no synodctl at $CTL (run make all)"; return 1; }
	synod_insmod "$t" || return 1
	[ "$t" = nomac ] && mac=1
	# transports created while it is set send no MACs (tcp_link.c)
	echo "$mac" > /sys/module/synod/parameters/test_frame_mac_off || {
		fail "$t" "cannot set test_frame_mac_off"; return 1; }
	[ "$n" = 2 ] && quorum=(--q1 1 --q2 2)
	[ "$t" = small3 ] && small=(--small-requests)
	secret=$W/secret-$t
	head -c 32 /dev/urandom | base64 > "$secret"
	chmod 600 "$secret"
	for ((k = 0; k < n; k++)); do
		backing_new || { fail "$t" "cannot make a $BACKING backing device"; return 1; }
		peers=()
		for ((p = 0; p < n; p++)); do
			[ "$p" = "$k" ] || peers+=(--peer "$p=$(synod_addr "$g" "$p"):7790")
		done
		try "$t" ctl volume create "$prefix$k" --backing "$BK" \
			--node "$k" --listen "$(synod_addr "$g" "$k"):7790" \
			"${peers[@]}" "${quorum[@]}" "${small[@]}" --cluster "bench-$t" \
			--secret-file "$secret" || return 1
	done
	echo 0 > /sys/module/synod/parameters/test_frame_mac_off
	for ((k = 0; k < n; k++)); do
		try "$t" ctl volume up "$prefix$k" || return 1
	done
	for ((i = 0; i < 10; i++)); do
		out=$(ctl volume promote "${prefix}0" 2>&1)
		echo "# ctl volume promote ${prefix}0: exit $? ${out:-(no output)}"
		wait_until 3 synod_is_leader "${prefix}0" && break
	done
	if ! synod_is_leader "${prefix}0"; then
		fail "$t" "${prefix}0 is not leader 30 s after 'synodctl volume promote' (10 tries; last said: ${out:-nothing}); its status -j: $(ctl -j status "${prefix}0" 2>&1 | tr '\n' ' ' | cut -c1-700)"
		return 1
	fi
	ctl status "${prefix}0"
	dev=$(synod_field "${prefix}0" device)
	case "$dev" in /*) ;; *) dev=/dev/$dev ;; esac
	if [ ! -b "$dev" ]; then
		fail "$t" "status of ${prefix}0 names device '$dev', which is not a block device"
		return 1
	fi
	SYNOD_DEV[$t]=$dev
}

synod_teardown() {
	local v
	[ -d /sys/module/synod ] || return 0
	for v in s2n0 s2n1 s3n0 s3n1 s3n2 nmn0 nmn1 nmn2; do
		ctl volume down "$v" --force >/dev/null 2>&1
		ctl volume delete "$v" >/dev/null 2>&1
	done
	rmmod synod || echo "bench: rmmod synod failed" >&2
	return 0
}

# ---- a slow follower -------------------------------------------------------------

# slow_on TARGET DELAY: every packet the slowed node of TARGET sends
# waits DELAY (netem in a band of a prio qdisc on lo, chosen by source
# address): as if its own link had that delay; everyone else's traffic
# takes the other bands, undelayed.
slow_on() {
	local a
	a=$(slow_addr "$1") || return 1
	tc qdisc del dev lo root 2>/dev/null
	tc qdisc add dev lo root handle 1: prio bands 3 \
		priomap 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 &&
		tc qdisc add dev lo parent 1:3 handle 30: netem delay "$2" limit 100000 &&
		tc filter add dev lo parent 1: protocol ip prio 1 u32 \
			match ip src "$a/32" flowid 1:3 || {
		fail "$1" "cannot slow $a with tc on lo"; slow_off; return 1; }
	echo "# $1: packets from $a delayed $2"
}

slow_off() { tc qdisc del dev lo root 2>/dev/null; return 0; }

# target_dev TARGET: the device fio runs on.
target_dev() {
	case "$1" in
	raw) echo "$RAW_DEV" ;;
	drbd) echo /dev/drbd0 ;;
	*) echo "${SYNOD_DEV[$1]:-}" ;;
	esac
}

# target_ready TARGET: before each run; synod's node 0 leads, and reads
# go past the engine under its lease (fastread.c) but for engread3's.
target_ready() {
	case "$1" in
	synod2 | synod3 | nomac | small3 | engread3)
		local fast=1
		[ "$1" = engread3 ] && fast=0
		echo $fast > /sys/module/synod/parameters/fast_reads ||
			{ fail "$1" "cannot set fast_reads"; return 1; }
		synod_lead "$1" ;;
	*) return 0 ;;
	esac
}

target_setup() {
	echo
	echo "== set up $1"
	case "$1" in
	raw) target_raw_setup ;;
	drbd) target_drbd_setup ;;
	synod2 | synod3 | nomac | small3 | engread3) target_synod_setup "$1" ;;
	*) fail "$1" "unknown target"; return 1 ;;
	esac
}
