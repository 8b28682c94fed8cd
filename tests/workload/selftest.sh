#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The make-check stage of synod-load (make workload-check), on the host
# without a VM: the workload runs on a file under BUILD_DIR opened with
# O_DIRECT, and lincheck checks what it recorded.
#   - 4 procs for 5 s with writes of up to 8 blocks and a --hold-fd
#     reader: linearizable; multi-block writes and held reads happened;
#   - --selftest stale (a worker answers an old value on purpose):
#     lincheck must flag it;
#   - kill -9 of a worker mid-run: still linearizable, the others go on;
#   - --stop-file and SIGTERM stop a run with its summary line;
#   - read-all after a run: linearizable with the run; a block corrupted
#     on disk is a violation; the block format matches the documented
#     one (decoded here by an independent Python reader);
#   - now and clock-serve answer with CLOCK_MONOTONIC.
# One TAP line per check; exits non-zero when any check failed.
#
# usage: tests/workload/selftest.sh BUILD_DIR
set -u
B=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
load=$B/tests/synod-load
lc=$B/tests/lincheck
mkdir -p "$B/tests"
tmp=$(mktemp -d "$B/tests/workload.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
n=0 failed=0
# tap STATUS DESCRIPTION; $n and $failed
. "$top/tests/lib/tap.bash"

# fresh DISK: a zeroed 1 MiB file (blocks of an earlier run would be
# another run's and flagged)
fresh() {
	rm -f "$1"
	truncate -s 1M "$1"
}

# lincheck_is VERDICT ARGS...: lincheck's last line ends with VERDICT
lincheck_is() {
	local want=$1 out
	shift
	out=$("$lc" "$@" 2>&1)
	tail -n 1 <<< "$out" | sed 's/^/# /'
	if [[ $(tail -n 1 <<< "$out") != *": $want" ]]; then
		head -n 20 <<< "$out" | sed 's/^/# /'
		return 1
	fi
}

# O_DIRECT must work where the disk file lives, or the test is not one.
fresh "$tmp/disk"
dd if=/dev/zero of="$tmp/disk" bs=4096 count=1 oflag=direct conv=notrunc \
	status=none
tap $? "O_DIRECT works on $(stat -f -c %T "$tmp") under $B"

# 1: the main run
fresh "$tmp/disk"
out=$("$load" run --dev "$tmp/disk" --procs 4 --blocks 16 --max-blocks 8 \
	--seconds 5 --seed 1 --out "$tmp/h1" --hold-fd 2> "$tmp/err1")
rc=$?
echo "# $out"
sed 's/^/# stderr: /' "$tmp/err1"
[ $rc -eq 0 ] && [[ $out == "synod-load: run id "*", 4 procs, "*" ops" ]] &&
	! grep -q warning "$tmp/err1"
tap $? "4 procs for 5 s: exit 0, summary line, no warning (O_DIRECT)"
lincheck_is linearizable "$tmp/h1"
tap $? "4 procs for 5 s with writes of 1-8 blocks: lincheck linearizable"
# a multi-block write: invoke lines of consecutive seqs with one call time
multi=$(grep -h '"invoke":true,"op":"write"' "$tmp"/h1/client-[0-3].jsonl |
	sed 's/.*"call":\([0-9]*\).*/\1/' | uniq -c | awk '$1 > 1' | wc -l)
held=$(grep -c '"op":"read".*"ok":true' "$tmp/h1/client-4.jsonl")
echo "# $multi multi-block writes, $held reads by the --hold-fd client 4"
[ "$multi" -gt 0 ] && [ "$held" -gt 0 ] && [ -s "$tmp/h1/load.json" ]
tap $? "multi-block writes, --hold-fd reads and load.json were recorded"

# 2: the stale reader must be caught
fresh "$tmp/disk"
"$load" run --dev "$tmp/disk" --procs 4 --blocks 16 --seconds 2 --seed 2 \
	--out "$tmp/h2" --selftest stale > /dev/null
lincheck_is VIOLATION "$tmp/h2"
tap $? "--selftest stale (a worker answers an old value): lincheck flags it"

# 3: kill -9 of a worker mid-run
fresh "$tmp/disk"
"$load" run --dev "$tmp/disk" --procs 4 --blocks 16 --max-blocks 8 \
	--seconds 4 --seed 3 --out "$tmp/h3" > "$tmp/out3" 2> "$tmp/err3" &
lp=$!
pids+=("$lp")
sleep 1.5
victim=$(pgrep -P "$lp" | head -n 1)
[ -n "$victim" ] && kill -9 "$victim"
wait "$lp"
rc=$?
sed 's/^/# /' "$tmp/out3" "$tmp/err3"
last=$(tail -n 1 "$tmp"/h3/client-*.jsonl | grep -c '"invoke":true')
echo "# killed pid ${victim:-none}; $last history files end in an invoke"
[ -n "$victim" ] && [ $rc -eq 0 ] && grep -q 'killed (SIGKILL)' "$tmp/err3"
tap $? "kill -9 of a worker: the run goes on and exits 0"
lincheck_is linearizable "$tmp/h3"
tap $? "kill -9 of a worker: lincheck linearizable"

# 4: --stop-file and SIGTERM
fresh "$tmp/disk"
"$load" run --dev "$tmp/disk" --procs 2 --blocks 8 --seed 4 \
	--out "$tmp/h4" --stop-file "$tmp/stop" > "$tmp/out4" 2>&1 &
lp=$!
pids+=("$lp")
sleep 1
touch "$tmp/stop"
rc=124
for _ in $(seq 50); do
	if ! kill -0 "$lp" 2>/dev/null; then
		wait "$lp"
		rc=$?
		break
	fi
	sleep 0.1
done
grep -q ' ops$' "$tmp/out4" && [ $rc -eq 0 ] &&
	lincheck_is linearizable "$tmp/h4"
tap $? "--stop-file stops a run within 5 s (exit $rc), linearizable"
fresh "$tmp/disk"
"$load" run --dev "$tmp/disk" --procs 2 --blocks 8 --seed 5 \
	--out "$tmp/h5" > "$tmp/out5" 2>&1 &
lp=$!
pids+=("$lp")
sleep 1
kill -TERM "$lp"
rc=124
for _ in $(seq 50); do
	if ! kill -0 "$lp" 2>/dev/null; then
		wait "$lp"
		rc=$?
		break
	fi
	sleep 0.1
done
grep -q ' ops$' "$tmp/out5" && [ $rc -eq 0 ] &&
	lincheck_is linearizable "$tmp/h5"
tap $? "SIGTERM stops a run within 5 s (exit $rc), linearizable"

# 5: read-all after run 1's disk: final reads agree with the history
fresh "$tmp/disk"
"$load" run --dev "$tmp/disk" --procs 4 --blocks 16 --max-blocks 8 \
	--seconds 2 --seed 6 --out "$tmp/h6" > /dev/null
run=$(sed 's/.*"run_id":\([0-9]*\).*/\1/' "$tmp/h6/load.json")
"$load" read-all --dev "$tmp/disk" --blocks 16 --run "$run" \
	--out "$tmp/h6/final.jsonl" > "$tmp/out6"
rc=$?
sed 's/^/# /' "$tmp/out6"
[ $rc -eq 0 ] && [ "$(wc -l < "$tmp/h6/final.jsonl")" -eq 16 ] &&
	lincheck_is linearizable "$tmp/h6"
tap $? "read-all: one line a block, linearizable with the run"
# the format, read by an independent decoder
python3 - "$tmp/disk" "$run" <<'EOF' | sed 's/^/# /'
import struct, sys
def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xffffffff
def xs(s):
    s ^= s >> 12; s ^= (s << 25) & 0xffffffffffffffff; s ^= s >> 27
    return s, (s * 0x2545F4914F6CDD1D) & 0xffffffffffffffff
disk, run = sys.argv[1], int(sys.argv[2])
raw = open(disk, 'rb').read()
good = 0
for b in range(16):
    blk = raw[b * 4096:(b + 1) * 4096]
    if blk == bytes(4096):
        continue
    magic, value, block, rid, crc = struct.unpack_from('<8sQQQI', blk)
    fill, s = b'', value
    while len(fill) < 4060:
        s, out = xs(s)
        fill += struct.pack('<Q', out)
    ok = (magic == b'SYNLOAD1' and block == b and rid == run and
          crc == crc32c(blk[:32] + bytes(4) + blk[36:]) and
          blk[36:] == fill[:4060])
    good += ok
    if not ok:
        print('block %d does not match the format' % b)
        sys.exit(1)
print('%d written blocks match the documented format' % good)
sys.exit(0 if good else 1)
EOF
tap "${PIPESTATUS[0]}" "blocks on disk match the documented format (magic, crc32c, filler)"
# a byte flipped on disk: read-all marks the block corrupt, lincheck flags it
printf '\xff' | dd of="$tmp/disk" bs=1 seek=$((3 * 4096 + 100)) \
	conv=notrunc status=none
"$load" read-all --dev "$tmp/disk" --blocks 16 --run "$run" \
	--out "$tmp/h6/final.jsonl" > /dev/null
grep -q '"block":3,.*"corrupt":true' "$tmp/h6/final.jsonl" &&
	lincheck_is VIOLATION "$tmp/h6"
tap $? "read-all: a block corrupted on disk is a violation"

# 6: clocks.  now lies between two readings of CLOCK_MONOTONIC
python3 - "$load" <<'EOF'
import subprocess, sys, time
t1 = time.monotonic_ns()
v = int(subprocess.check_output([sys.argv[1], 'now']))
t2 = time.monotonic_ns()
sys.exit(0 if t1 <= v <= t2 else 1)
EOF
tap $? "now prints CLOCK_MONOTONIC ns"
# clock-serve on a raw pty: 8-byte token in, token + monotonic ns out
python3 - "$load" <<'EOF'
import os, pty, struct, subprocess, sys, time, tty
m, s = pty.openpty()
tty.setraw(s)
p = subprocess.Popen([sys.argv[1], 'clock-serve', os.ttyname(s)])
ok = 0
try:
    for tok in (0x1122334455667788, 42, 7):
        t1 = time.monotonic_ns()
        os.write(m, struct.pack('<Q', tok))
        ans = b''
        while len(ans) < 16:
            ans += os.read(m, 16 - len(ans))
        t2 = time.monotonic_ns()
        got, ns = struct.unpack('<QQ', ans)
        ok += got == tok and t1 <= ns <= t2
finally:
    p.terminate()
    p.wait(timeout=5)
print('# %d of 3 probes answered within their round trip' % ok)
sys.exit(0 if ok == 3 else 1)
EOF
tap $? "clock-serve answers each 8-byte token with the token and its clock"

# 7: a run without its required options is refused
"$load" run --dev "$tmp/disk" --procs 1 --blocks 4 --out "$tmp/h7" \
	2> /dev/null
rc=$?
[ $rc -eq 2 ] && [ ! -e "$tmp/h7" ]
tap $? "run without --seed is refused (exit $rc)"

echo "1..$n"
exit $failed
