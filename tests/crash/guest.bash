# Guest side of the crash tests: sourced by every script that
# tests/crash/crash.bash runs in a node's VM (through scripts/vmctl), so
# polling loops run next to the kernel instead of one host round trip per
# try.  The host passes SYNOD_NODE (this VM's node id) in the environment
# and RUN (this VM's run directory, shared with the host) in the script.
#
# Node N has address 10.77.0.(N+1) on each of its point-to-point links;
# its NIC towards node M has MAC 52:54:00:77:0N:0M (crash.bash picks the
# UDP ports behind them).

# (no subshells here: under TCG every fork costs, and this is sourced
# by every script)
TOP=${BASH_SOURCE[0]%/tests/crash/guest.bash}
B=${B:-$TOP/build}
CTL=$B/user/synodctl
VOL=r0
MNT=/mnt/synod
NODES="0 1 2"
N=${SYNOD_NODE:?the host sets SYNOD_NODE}

addr() { echo "10.77.0.$(($1 + 1))"; }

# The NIC whose MAC is $1
nic_by_mac() {
	local d
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address")" = "$1" ] && { echo "${d##*/}"; return 0; }
	done
	echo "no NIC with MAC $1" >&2
	return 1
}

# node_boot: drivers, links and the module, once per boot.  Each link
# is a /32 with the peer's address on the other end (ip addr ... peer),
# so the same local address works on both NICs without a bridge (three
# bridged links would make a loop).
node_boot() {
	local m nic
	klog_mark
	modprobe virtio_blk
	modprobe virtio_net
	wait_for 10 test -b /dev/vda
	for m in $NODES; do
		[ "$m" = "$N" ] && continue
		wait_for 10 nic_by_mac "52:54:00:77:0$N:0$m" > /dev/null
		nic=$(nic_by_mac "52:54:00:77:0$N:0$m")
		ip link set "$nic" up
		ip addr add "$(addr "$N")/32" peer "$(addr "$m")/32" dev "$nic"
	done
	# the clock port (tests/crash/clockprobe.c probes it from the host)
	modprobe virtio_console 2>/dev/null || true
	[ -x "$B/tests/synod-load" ] && clock_serve_start
	# timeouts scaled: other VMs on the host stall ours for seconds;
	# SYNOD_CRASH_MODPARAMS adds test knobs (negative controls)
	lsmod | grep -q '^synod ' ||
		insmod "$B/kmod-test/$(uname -r)/synod.ko" \
			time_scale="${SYNOD_CRASH_TIME_SCALE:-1}" \
			${SYNOD_CRASH_MODPARAMS:-}
	stall_detectors_relax
	mkdir -p "$MNT"
}

# stall_detectors_relax: the tests pause VMs (SIGSTOP) for up to
# PAUSE_MAX_S (tests/crash/crash.bats) while the guest's clock runs on,
# so on resume the soft-lockup (2 x watchdog_thresh: 20 s) and RCU-stall
# (21 s) detectors would report the pause itself.  Raise both to 60 s: a
# real stall in our code still trips them, a test's pause does not.
stall_detectors_relax() {
	echo 30 > /proc/sys/kernel/watchdog_thresh
	echo 60 > /sys/module/rcupdate/parameters/rcu_cpu_stall_timeout
}

# clock_port: the device of the virtio-serial port named synod.clock
# (no udev here, so no /dev/virtio-ports/ link: look it up in sysfs)
clock_port() {
	local d
	for d in /sys/class/virtio-ports/*; do
		if [ "$(cat "$d/name" 2>/dev/null)" = synod.clock ]; then
			echo "/dev/${d##*/}"
			return 0
		fi
	done
	return 1
}

# clock_serve_start: answer the host's clock probes for this boot
clock_serve_start() {
	local port
	wait_for 10 clock_port > /dev/null || return 1
	port=$(clock_port)
	setsid "$B/tests/synod-load" clock-serve "$port" \
		> "$RUN/clock-serve.log" 2>&1 < /dev/null &
}

# peers_reachable: one ping to every peer, a few tries (links come up
# as the other VMs boot)
peers_reachable() {
	local m
	for m in $NODES; do
		[ "$m" = "$N" ] && continue
		wait_for 30 ping -c 1 -W 1 "$(addr "$m")" > /dev/null || return 1
	done
}

# volume_create SECRET_FILE [OPTION...]: this node's replica on /dev/vda
volume_create() {
	local m peers=() secret=$1
	shift
	for m in $NODES; do
		[ "$m" = "$N" ] || peers+=(--peer "$m=$(addr "$m"):7790")
	done
	"$CTL" volume create "$VOL" --backing /dev/vda --node "$N" \
		--listen "$(addr "$N"):7790" "${peers[@]}" \
		--secret-file "$secret" --cluster "$VOL" "$@"
}

# field KEY: one top-level field of status -j (the first occurrence:
# top-level fields come before the peers array); no python, every
# process is slow under TCG
field() {
	"$CTL" -j status "$VOL" | grep -o "\"$1\": *[^,}]*" | head -n 1 |
		sed 's/^[^:]*: *//; s/"//g'
}
dev() { field device; }
# fields KEY...: several top-level fields from one status call, on one line
fields() {
	local st k out=()
	st=$("$CTL" -j status "$VOL")
	for k in "$@"; do
		out+=("$(grep -o "\"$k\": *[^,}]*" <<< "$st" | head -n 1 |
			 sed 's/^[^:]*: *//; s/"//g')")
	done
	echo "${out[*]}"
}
is_field() { [ "$(field "$1")" = "$2" ]; }
# field_ge KEY N: numeric field at least N
field_ge() { local v; v=$(field "$1"); [ -n "$v" ] && [ "$v" -ge "$2" ]; }

# wait_for SECONDS CMD... (tests/lib/wait.bash), naming this node
. "$TOP/tests/lib/wait.bash"
# shellcheck disable=SC2034  # read by wait_for (tests/lib/wait.bash)
WAIT_WHO="node $N"

# promote_and_wait: make this node the leader (bounded; long enough for
# the old leader's lease to run out at time_scale 8)
promote_and_wait() {
	local i
	for ((i = 0; i < 12; i++)); do
		"$CTL" volume promote "$VOL" || true
		wait_for 4 is_field role leader && return 0
	done
	echo "node $N did not become leader" >&2
	return 1
}

# writer_start LOG COUNT: a background writer on the mounted volume.  File
# fN gets 64 KiB of random data; after fsync of the file and of its
# directory, its "sha256  name" line is appended to LOG with one write,
# so a complete line in LOG means the file was durable before (a file
# whose write or fsync failed is not logged).  Between files, 16 KiB are
# appended to a file that is never fsync'd, so that unsynced data is in
# flight too.  COUNT bounds it.
writer_start() {
	local log=$1 count=$2
	mkdir -p "$MNT/w"
	: > "$log"
	setsid bash -c '
		cd "$1/w" || exit 1
		for ((i = 1; i <= $3; i++)); do
			head -c 64K /dev/urandom > "f$i" || continue
			sync "f$i" . || continue
			line=$(sha256sum "f$i") || continue
			echo "$line" >> "$2"
			head -c 16K /dev/urandom >> unsynced
		done' writer "$MNT" "$log" "$count" > "$RUN/writer.log" 2>&1 < /dev/null &
}

# write_synced DIR PREFIX COUNT SUMS: COUNT fsync'd 64 KiB files, their
# sums appended to SUMS
write_synced() {
	local i
	mkdir -p "$1"
	for ((i = 1; i <= $3; i++)); do
		head -c 64K /dev/urandom > "$1/$2$i"
		sync "$1/$2$i" "$1"
		(cd "$1" && sha256sum "$2$i") >> "$4"
	done
}

# refuses_writes: opening the disk for writing fails with EROFS
refuses_writes() {
	local out
	if out=$(dd if=/dev/zero of="$(dev)" bs=4k count=1 oflag=direct 2>&1); then
		echo "node $N accepted a write" >&2
		return 1
	fi
	echo "$out"
	[[ "$out" == *"Read-only file system"* ]]
}

# The kernel-log check (contract section 7): any of these since the mark
# fails a run.
KLOG_BAD='WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|blocked for more than|soft lockup|rcu.*stall|possible circular locking|possible recursive locking|inconsistent lock state|sleeping function called|kmemleak'

# klog_mark: a unique line in the kernel log, remembered in RUN/klog_mark
# (on the host: it outlives this boot, and the next boot writes its own)
klog_mark() {
	local m="synod-crash: node $N mark $EPOCHREALTIME.$RANDOM"
	echo "$m" > /dev/kmsg
	echo "$m" > "$RUN/klog_mark"
}

# klog_check: no line matching KLOG_BAD since this boot's mark; a mark
# missing from the log (ring overflowed, or not marked) is a failure too
klog_check() {
	local m log
	m=$(cat "$RUN/klog_mark") || { echo "node $N: no kernel log mark" >&2; return 1; }
	log=$(dmesg | awk -v m="$m" 'index($0, m) { on = 1 } on')
	if [ -z "$log" ]; then
		echo "node $N: mark '$m' is not in the kernel log" >&2
		return 1
	fi
	if grep -E "$KLOG_BAD" <<< "$log"; then
		echo "node $N: the kernel log since '$m' has the warnings above" >&2
		return 1
	fi
	echo "node $N: kernel log clean since the mark ($(wc -l <<< "$log") lines)"
}

# The workload (tests/workload, contract9 section 4) on 16 blocks at
# LOAD_OFFSET, past what the earlier steps' ext4 used (the step zeroes
# them first: value 0 is the initial content)
LOAD_OFFSET=$((100 << 20))
LOAD_BLOCKS=16

# load_start BASE [ARGS...]: synod-load on this node's disk in the
# background, clients from BASE, history in RUN/$LOAD_HIST (default
# hist), clock domain vmN (vmN.bB with LOAD_BOOT=B: the guest's clock
# restarts at each boot, so each boot is its own domain); stops at
# RUN/stop (bounded by --seconds)
load_start() {
	local base=$1 hist=$RUN/${LOAD_HIST:-hist}
	shift
	rm -rf "$hist" "$RUN/stop" "$RUN/load.log"
	setsid "$B/tests/synod-load" run --dev "$(dev)" --procs 3 \
		--blocks "$LOAD_BLOCKS" --max-blocks 4 --read-pct 50 \
		--seconds "${LOAD_SECONDS:-300}" --stop-file "$RUN/stop" --seed $((base + 1)) \
		--out "$hist" --client-base "$base" \
		--clock-name "vm$N${LOAD_BOOT:+.b$LOAD_BOOT}" \
		--node "$N" --offset "$LOAD_OFFSET" --run "$(load_run_id)" "$@" \
		> "$RUN/load.log" 2>&1 < /dev/null &
	echo $! > "$RUN/load.pid"
}

# load_run_id: the run id every VM's workload writes into its blocks:
# one run, so a block another VM wrote is not "of another run".  From
# the run's secret, which every VM of the run has a copy of.
load_run_id() {
	local c
	read -r c _ < <(cksum < "$RUN/secret")
	echo "$((c + 1))"
}

# load_stop: stop the workload, wait (bounded) for its summary line.  A
# replica that does not lead holds its requests (--on-no-quorum suspend,
# the default: up to 120 s, admin-guide.rst), so a worker may sit in one:
# taking the volume down fails what it holds, as a user would after a
# failover; then it comes up again.
load_stop() {
	: > "$RUN/stop"
	if ! wait_for 20 load_done; then
		echo "node $N ($(fields role)): the workload waits on held requests; volume down, up"
		"$CTL" volume down "$VOL"
		wait_for 30 load_done || cat "$RUN/load.log" >&2
		"$CTL" volume up "$VOL"
		load_done || return 1
	fi
	cat "$RUN/load.log"
}
load_done() { grep -q '^synod-load: run id' "$RUN/load.log"; }

# load_zero: zero the workload's blocks through this (leading) node
load_zero() {
	dd if=/dev/zero of="$(dev)" bs=4k count="$LOAD_BLOCKS" \
		seek=$((LOAD_OFFSET / 4096)) oflag=direct status=none
}

# promote_when FILE: in the background, wait (bounded) for FILE to
# appear (the host makes it), then promote this node; RUN/promoted gets
# "ok" or "failed" (a host round trip is seconds under load: too slow
# inside a 12 s pause)
promote_when() {
	rm -f "$RUN/promoted" "$1"
	setsid bash -c '. "$1"; RUN=$2
		wait_for 120 test -e "$3" || exit 1
		if promote_and_wait; then r=ok; else r=failed; fi
		# whole or absent: the host polls for it
		echo "$r $(fields role)" > "$RUN/promoted.tmp"
		mv "$RUN/promoted.tmp" "$RUN/promoted"' promote_when \
		"$TOP/tests/crash/guest.bash" "$RUN" "$1" \
		> "$RUN/promote_when.log" 2>&1 < /dev/null &
}

# report: status and kernel log, for a failed test
report() {
	echo "--- node $N: status -j"
	"$CTL" -j status 2>&1
	echo "--- node $N: dmesg (tail)"
	dmesg | tail -n 40
}
