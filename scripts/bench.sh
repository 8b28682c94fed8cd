#!/bin/bash
# The benchmark, run inside a scripts/vm guest by `make bench`: fio against
# three targets in the same VM, all on brd ramdisks so that the disk is not
# the bottleneck and the ratios compare the replication paths:
#
#   raw    the backing device alone (one ramdisk)
#   drbd   DRBD 8.4, protocol C, two resources connected over loopback
#   synod  synod, three replicas in three network namespaces on a bridge
#   nomac  the same synod cluster with frame MACs off (a test-build knob;
#          crc32c instead), to show what authenticating every frame costs
#
# Three workloads per target (direct=1, libaio, time based):
#
#   rand4k-qd1   4 KiB random writes, iodepth 1
#   rand4k-qd32  4 KiB random writes, iodepth 32
#   seq1m-qd4    1 MiB sequential writes, iodepth 4
#
# It prints a table (IOPS, bandwidth, mean and p99 completion latency), the
# ratios synod/drbd and synod/raw per workload, the cost of frame
# authentication (synod/nomac: IOPS and p99 with MACs over without), and
# one summary line for issue notes.  It asserts nothing about timing.  A target that cannot be
# set up is reported (the failing command and its output) and skipped; the
# exit status is then non-zero.
#
# Environment (all optional; scripts/vm passes SYNOD_* into the guest):
#   SYNOD_BENCH_TARGETS    targets, in order       (default "raw drbd synod nomac")
#   SYNOD_BENCH_WORKLOADS  workloads, in order     (default all three)
#   SYNOD_BENCH_RUNTIME    seconds per fio run     (default 20)
#   SYNOD_BENCH_RAMP       fio ramp_time, seconds  (default 2)
#   SYNOD_BENCH_SIZE       region fio writes in    (default 96M)
#   SYNOD_BENCH_BACKING    brd (ramdisks) or loop (loop devices over files
#                          on the guest's tmpfs)   (default brd)
#   SYNOD_BENCH_DRBD_NET   extra drbdsetup-84 connect options, e.g.
#                          "--tcp-cork=no"          (default none: DRBD's
#                          own defaults, as users run it)
#   SYNOD_BENCH_B          build directory         (default $B or TOP/build)
#   SYNOD_BENCH_BUILD_RC   exit status of `make all`; non-zero skips synod
#   SYNOD_BENCH_TIME_SCALE synod's time_scale module parameter (default 4):
#                          stretches election and lease timeouts so that
#                          a TCG guest on a busy host keeps its leader
#                          through a run; it changes no cost per write
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${SYNOD_BENCH_B:-${B:-$top/build}}
KO=$B/kmod-test/$(uname -r)/synod.ko
CTL=$B/user/synodctl
DRBDSETUP=/usr/lib/drbd/drbdsetup-84

TARGETS=${SYNOD_BENCH_TARGETS:-raw drbd synod nomac}
WORKLOADS=${SYNOD_BENCH_WORKLOADS:-rand4k-qd1 rand4k-qd32 seq1m-qd4}
RUNTIME=${SYNOD_BENCH_RUNTIME:-20}
RAMP=${SYNOD_BENCH_RAMP:-2}
SIZE=${SYNOD_BENCH_SIZE:-96M}
TIME_SCALE=${SYNOD_BENCH_TIME_SCALE:-4}
# Every backing device is a brd ramdisk of this many KiB (fio's region,
# synod's 18 MiB of superblocks and journal ahead of its data area, and
# DRBD's internal metadata fit).
RD_KIB=$((160 * 1024))
# Backing devices: DEVS[0] raw, DEVS[1..3] synod nodes 0-2, DEVS[4..5] drbd
# resources 0-1.
RD_NR=6
BACKING=${SYNOD_BENCH_BACKING:-brd}
DEVS=()

W=/tmp/synod-bench
RESULTS=$W/results.tsv
FAILURES=$W/failures
SECRET=$W/secret

mkdir -p "$W"
: > "$RESULTS"
: > "$FAILURES"

say() { printf '\n== %s\n' "$*"; }

# fail TARGET WHY: remember that TARGET did not (fully) run, and why.
fail() {
	local t=$1
	shift
	printf '%s\t%s\n' "$t" "$*" >> "$FAILURES"
	echo "bench: $t: $*" >&2
}

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

# ---- fio -----------------------------------------------------------------------

workload_args() {
	case "$1" in
	rand4k-qd1) echo "--rw=randwrite --bs=4k --iodepth=1" ;;
	rand4k-qd32) echo "--rw=randwrite --bs=4k --iodepth=32" ;;
	seq1m-qd4) echo "--rw=write --bs=1M --iodepth=4" ;;
	*) return 1 ;;
	esac
}

# run_fio TARGET WORKLOAD DEV: one fio run; appends a line to $RESULTS.
# fio runs in the background, bounded: a device that stops completing I/O
# must not stop the whole benchmark (the process may stay stuck in D state;
# we leave it and go on).
run_fio() {
	local t=$1 wl=$2 dev=$3 args json pid i limit
	args=$(workload_args "$wl") || { fail "$t" "unknown workload $wl"; return 1; }
	json=$W/$t-$wl.json
	rm -f "$json"
	echo "# fio $wl on $dev ($args, ${RUNTIME}s)"
	# shellcheck disable=SC2086
	fio --name="$t-$wl" --filename="$dev" --direct=1 --ioengine=libaio \
		$args --size="$SIZE" --time_based --runtime="$RUNTIME" \
		--ramp_time="$RAMP" --norandommap --randrepeat=0 \
		--output-format=json --output="$json" > "$W/$t-$wl.fio.log" 2>&1 &
	pid=$!
	limit=$((RUNTIME + RAMP + 90))
	for ((i = 0; i < limit * 2; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid" 2>/dev/null
		fail "$t" "fio $wl on $dev did not finish within ${limit}s (I/O stuck?); see dmesg"
		return 2
	fi
	if ! wait "$pid"; then
		fail "$t" "fio $wl on $dev failed: $(tr '\n' ' ' < "$W/$t-$wl.fio.log" | cut -c1-400)"
		return 1
	fi
	python3 - "$t" "$wl" "$json" >> "$RESULTS" <<'PY' || { fail "$t" "cannot parse $json"; return 1; }
import json, sys
t, wl, path = sys.argv[1:4]
with open(path) as f:
    text = f.read()
# fio may print notes before the JSON object
d = json.loads(text[text.index('{'):])
job = d['jobs'][0]
if job.get('error'):
    raise SystemExit('fio job error %d' % job['error'])
w = job['write']
clat = w['clat_ns']
p99 = clat.get('percentile', {}).get('99.000000', 0)
print('\t'.join([t, wl, '%.1f' % w['iops'], str(w['bw_bytes']),
                 '%.0f' % clat['mean'], str(p99)]))
PY
	tail -n 1 "$RESULTS" | awk -F'\t' '{ printf "   %s %s: %.0f IOPS, %.1f MiB/s, clat mean %.1f us, p99 %.1f us\n", $1, $2, $3, $4 / 1048576, $5 / 1000, $6 / 1000 }'
}

# bench_target TARGET DEV: every workload on DEV; stops at the first hang.
bench_target() {
	local t=$1 dev=$2 wl size need
	size=$(blockdev --getsize64 "$dev" 2>/dev/null || echo 0)
	need=$(numfmt --from=iec "$SIZE")
	if [ "$size" -lt "$need" ]; then
		fail "$t" "$dev has $size bytes, fio needs $need"
		return 1
	fi
	for wl in $WORKLOADS; do
		case "$t" in synod | nomac) synod_lead ;; esac
		run_fio "$t" "$wl" "$dev"
		[ $? -eq 2 ] && return 1
	done
	return 0
}

# ---- targets -------------------------------------------------------------------

target_raw() {
	say "raw: ${DEVS[0]}"
	bench_target raw "${DEVS[0]}"
}

drbd_cstate() { timeout 10 "$DRBDSETUP" cstate "$1" 2>/dev/null; }
drbd_dstate() { timeout 10 "$DRBDSETUP" dstate "$1" 2>/dev/null; }

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

drbd_connected() { [ "$(drbd_cstate 0)" = Connected ] && [ "$(drbd_cstate 1)" = Connected ]; }
drbd_uptodate() { [ "$(drbd_dstate 0)" = UpToDate/UpToDate ]; }

# Two resources in one kernel, minor 0 on DEVS[4] and minor 1 on DEVS[5], each
# other's peer over 127.0.0.1 (ports 7788/7789), protocol C.  Both
# backing devices are all zeros, so the initial sync is skipped on purpose
# (new-current-uuid --clear-bitmap, the documented way for fresh disks).
target_drbd() {
	local r m dev port peer
	say "drbd: 8.4 protocol C, r0 (${DEVS[4]}, primary) <-> r1 (${DEVS[5]}) over loopback"
	[ -x "$DRBDSETUP" ] || { fail drbd "$DRBDSETUP missing (drbd-utils)"; return 1; }
	try drbd modprobe drbd usermode_helper=/bin/true || return 1
	echo "   $(head -n 1 /proc/drbd)"
	mkdir -p /run/lock
	for m in 0 1; do
		r=r$m dev=${DEVS[4 + m]}
		port=$((7788 + m)) peer=$((7789 - m))
		try drbd drbdmeta --force "$m" v08 "$dev" internal create-md || return 1
		try drbd "$DRBDSETUP" new-resource "$r" || return 1
		try drbd "$DRBDSETUP" new-minor "$r" "$m" 0 || return 1
		try drbd "$DRBDSETUP" attach "$m" "$dev" "$dev" internal || return 1
		try drbd "$DRBDSETUP" connect "$r" "ipv4:127.0.0.1:$port" \
			"ipv4:127.0.0.1:$peer" --protocol=C ${SYNOD_BENCH_DRBD_NET:-} || return 1
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
	bench_target drbd /dev/drbd0
	local rc=$?
	echo "   after the runs: $(sed -n 's/^ *0: *//p' /proc/drbd)"
	return $rc
}

drbd_teardown() {
	[ -d /sys/module/drbd ] || return 0
	timeout 30 "$DRBDSETUP" secondary 0 >/dev/null 2>&1
	timeout 30 "$DRBDSETUP" down r0 >/dev/null 2>&1
	timeout 30 "$DRBDSETUP" down r1 >/dev/null 2>&1
	rmmod drbd 2>/dev/null
}

# synod: nodes 0, 1, 2 in namespaces synod-c0..2 (as tests/vm/cluster.bash),
# address 10.77.0.(N+1), port 7790, backing DEVS[N+1].  Node 0 leads.
in_node() { local n=$1; shift; ip netns exec "synod-c$n" "$@"; }
ctl() { local n=$1; shift; in_node "$n" timeout -k 5 30 "$CTL" "$@"; }
addr() { echo "10.77.0.$(($1 + 1))"; }
# synod_field N KEY: the first "KEY": value of node N's status -j (top-level
# keys come before the peers list); no python per poll, it is slow here.
synod_field() {
	ctl "$1" -j status r0 2>/dev/null | grep -o "\"$2\": *[^,}]*" | head -n 1 |
		sed 's/^[^:]*: *//; s/"//g'
}
synod_is_leader() { [ "$(synod_field 0 role)" = leader ]; }

# synod_lead: before each run, node 0 leads again if a stall of the host
# moved leadership during the last one (bounded: 10 promotes, 3 s each)
synod_lead() {
	local i
	for ((i = 0; i < 10; i++)); do
		synod_is_leader && return 0
		echo "# node 0 does not lead: promoting it again"
		ctl 0 volume promote r0 >/dev/null 2>&1
		wait_until 3 synod_is_leader && return 0
	done
	return 1
}

# target_synod [synod|nomac]: nomac is the same cluster with frame MACs
# off (the test build's test_frame_mac_off, crc32c as link version 1
# had), only to measure what authenticating every frame costs.
target_synod() {
	local t=${1:-synod} n p peers i dev
	say "$t: 3 replicas (nodes 0, 1, 2 on ${DEVS[*]:1:3}) in network namespaces, node 0 leads"
	if [ "${SYNOD_BENCH_BUILD_RC:-0}" != 0 ]; then
		fail "$t" "not run: 'make all' failed (exit $SYNOD_BENCH_BUILD_RC) before the VM started; see its output above"
		return 1
	fi
	[ -f "$KO" ] || { fail "$t" "no module at $KO (run make all)"; return 1; }
	[ -x "$CTL" ] || { fail "$t" "no synodctl at $CTL (run make all)"; return 1; }
	try "$t" insmod "$KO" time_scale="$TIME_SCALE" || return 1
	if [ "$t" = nomac ]; then
		try "$t" sh -c 'echo 1 > /sys/module/synod/parameters/test_frame_mac_off' || return 1
	fi
	echo "   frame MACs: $([ "$(cat /sys/module/synod/parameters/test_frame_mac_off)" = Y ] && echo off || echo on)"
	try "$t" ip link add synbr type bridge || return 1
	ip link set synbr up
	head -c 32 /dev/urandom | base64 > "$SECRET"
	chmod 600 "$SECRET"
	for n in 0 1 2; do
		try "$t" ip netns add "synod-c$n" || return 1
		try "$t" ip link add "synv$n" type veth peer name eth0 netns "synod-c$n" || return 1
		ip link set "synv$n" master synbr up
		in_node "$n" ip addr add "$(addr "$n")/24" dev eth0
		in_node "$n" ip link set eth0 up
		in_node "$n" ip link set lo up
	done
	for n in 0 1 2; do
		peers=()
		for p in 0 1 2; do
			[ "$p" = "$n" ] || peers+=(--peer "$p=$(addr "$p"):7790")
		done
		try "$t" ctl "$n" volume create r0 --backing "${DEVS[n + 1]}" \
			--node "$n" --listen "$(addr "$n"):7790" "${peers[@]}" \
			--secret-file "$SECRET" || return 1
	done
	for n in 0 1 2; do
		try "$t" ctl "$n" volume up r0 || return 1
	done
	# Promote, and again every 3 s, until node 0 says leader (30 s at most).
	local out=
	for ((i = 0; i < 10; i++)); do
		out=$(ctl 0 volume promote r0 2>&1)
		echo "# ctl 0 volume promote r0: exit $? ${out:-(no output)}"
		wait_until 3 synod_is_leader && break
	done
	if ! synod_is_leader; then
		fail "$t" "node 0 is not leader 30 s after 'synodctl volume promote r0' (10 tries; last said: ${out:-nothing}); its status -j: $(ctl 0 -j status r0 2>&1 | tr '\n' ' ' | cut -c1-700)"
		for n in 0 1 2; do ctl "$n" status r0; done
		return 1
	fi
	for n in 0 1 2; do ctl "$n" status r0; done
	dev=$(synod_field 0 device)
	case "$dev" in /*) ;; *) dev=/dev/$dev ;; esac
	if [ ! -b "$dev" ]; then
		fail "$t" "status of node 0 names device '$dev', which is not a block device"
		return 1
	fi
	bench_target "$t" "$dev"
	local rc=$?
	echo "   after the runs:"
	for n in 0 1 2; do ctl "$n" status r0; done
	return $rc
}

synod_teardown() {
	local n
	if [ -d /sys/module/synod ]; then
		for n in 0 1 2; do
			ctl "$n" volume down r0 --force >/dev/null 2>&1
			ctl "$n" volume delete r0 >/dev/null 2>&1
		done
	fi
	for n in 0 1 2; do
		ip netns del "synod-c$n" 2>/dev/null
		ip link del "synv$n" 2>/dev/null
	done
	ip link del synbr 2>/dev/null
	[ -d /sys/module/synod ] && { rmmod synod || echo "bench: rmmod synod failed" >&2; }
	return 0
}

# ---- summary -------------------------------------------------------------------

summary() {
	python3 - "$RESULTS" "$FAILURES" "$WORKLOADS" "$TARGETS" "$1" <<'PY'
import sys
results, failures, workloads, targets, info = sys.argv[1:6]
workloads, targets = workloads.split(), targets.split()
r = {}
for line in open(results):
    t, wl, iops, bw, mean, p99 = line.rstrip('\n').split('\t')
    r[(t, wl)] = dict(iops=float(iops), bw=int(bw), mean=float(mean), p99=float(p99))
fails = [l.rstrip('\n').split('\t', 1) for l in open(failures) if l.strip()]

print()
print('%-12s %-6s %10s %10s %12s %12s' % ('workload', 'target', 'IOPS', 'MiB/s', 'clat mean', 'clat p99'))
print('-' * 67)
for wl in workloads:
    for t in targets:
        x = r.get((t, wl))
        if x is None:
            print('%-12s %-6s %10s %10s %12s %12s' % (wl, t, '-', '-', '-', '-'))
        else:
            print('%-12s %-6s %10.0f %10.1f %9.1f us %9.1f us' % (
                wl, t, x['iops'], x['bw'] / 1048576, x['mean'] / 1000, x['p99'] / 1000))
    print()

def ratio(a, b, key):
    if a is None or b is None or not b[key]:
        return None
    return a[key] / b[key]

def fmt(v):
    # two decimals, but keep three significant digits of small ratios
    if v is None:
        return '-'
    return '%.2f' % v if v >= 0.1 else '%.3g' % v

print('ratios, s = synod, d = drbd (IOPS: higher is better; p99 latency: lower is better)')
print('%-12s %12s %12s %12s %12s %12s' % ('workload', 'IOPS s/drbd', 'IOPS s/raw', 'p99 s/drbd', 'p99 s/raw', 'IOPS d/raw'))
parts = []
for wl in workloads:
    s, d, raw = r.get(('synod', wl)), r.get(('drbd', wl)), r.get(('raw', wl))
    sd, sr = ratio(s, d, 'iops'), ratio(s, raw, 'iops')
    pd, pr = ratio(s, d, 'p99'), ratio(s, raw, 'p99')
    print('%-12s %12s %12s %12s %12s %12s' % (wl, fmt(sd), fmt(sr), fmt(pd), fmt(pr),
          fmt(ratio(d, raw, 'iops'))))
    def iops(x):
        return '-' if x is None else '%.0f' % x['iops']
    parts.append('%s IOPS raw=%s drbd=%s synod=%s synod/drbd=%s synod/raw=%s' % (
        wl, iops(raw), iops(d), iops(s), fmt(sd), fmt(sr)))

print()
print('cost of authenticating every frame: synod (MACs on) / nomac (off), same run')
print('%-12s %12s %12s' % ('workload', 'IOPS on/off', 'p99 on/off'))
auth = []
for wl in workloads:
    s, n = r.get(('synod', wl)), r.get(('nomac', wl))
    ai, ap = ratio(s, n, 'iops'), ratio(s, n, 'p99')
    print('%-12s %12s %12s' % (wl, fmt(ai), fmt(ap)))
    auth.append('%s IOPS=%s p99=%s' % (wl, fmt(ai), fmt(ap)))
parts.append('auth on/off: ' + ' '.join(auth))

if fails:
    print()
    print('failures:')
    for f in fails:
        print('  %s: %s' % (f[0], f[1] if len(f) > 1 else ''))
failed = sorted(set(f[0] for f in fails))
print()
print('bench: %s | %s | %s' % (info, ' | '.join(parts),
      'FAILED: ' + ','.join(failed) if failed else 'all targets ran'))
PY
}

# ---- main ----------------------------------------------------------------------

[ "$(id -u)" = 0 ] || { echo "bench: run as root inside a VM (make bench)" >&2; exit 2; }
if [ -d /sys/module/brd ]; then
	echo "bench: brd is already loaded; this script wants its own ramdisks (run it in a VM: make bench)" >&2
	exit 2
fi
command -v fio >/dev/null || { echo "bench: fio missing (make deps)" >&2; exit 2; }

commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$top" diff --quiet HEAD 2>/dev/null || commit="$commit+dirty"
info="$(uname -r) $(nproc)cpu $commit fio=$(fio --version) ${RUNTIME}s/run ${SYNOD_BENCH_BACKING:-brd}"
say "synod bench: $info; targets: $TARGETS; workloads: $WORKLOADS"

trap 'drbd_teardown; synod_teardown; losetup -D 2>/dev/null; rmmod brd 2>/dev/null' EXIT
case "$BACKING" in
brd)
	if ! modprobe brd rd_nr=$RD_NR rd_size=$RD_KIB; then
		echo "bench: modprobe brd failed; no target can run" >&2
		exit 1
	fi
	for ((i = 0; i < RD_NR; i++)); do DEVS+=("/dev/ram$i"); done
	;;
loop)
	modprobe loop
	for ((i = 0; i < RD_NR; i++)); do
		truncate -s "${RD_KIB}K" "$W/backing$i.img"
		d=$(losetup -f --show "$W/backing$i.img") || exit 1
		DEVS+=("$d")
	done
	;;
*) echo "bench: SYNOD_BENCH_BACKING must be brd or loop" >&2; exit 2 ;;
esac

for t in $TARGETS; do
	case "$t" in
	raw) target_raw ;;
	drbd) target_drbd; drbd_teardown ;;
	synod) target_synod synod; synod_teardown ;;
	nomac) target_synod nomac; synod_teardown ;;
	*) fail "$t" "unknown target" ;;
	esac
done

summary "$info"
[ -s "$FAILURES" ] && exit 1
exit 0
