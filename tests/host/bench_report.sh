#!/bin/bash
# scripts/bench-report.py on made-up input: what `make bench` reports
# must be the medians of the rounds, the goals computed from them, and
# the stage of each traced write joined by request id and slot.  The
# benchmark itself takes 20 minutes in a VM and is not part of make
# check; its arithmetic is.  Prints TAP.
#
# usage: tests/host/bench_report.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# tap STATUS DESCRIPTION; $n and $failed
. "$top/tests/lib/tap.bash"
d=$(mktemp -d) || exit 1
[ -n "${KEEP:-}" ] || trap 'rm -rf "$d"' EXIT
R=$top/scripts/bench-report.py

# results.tsv: round target workload IOPS bytes/s lat_mean p50 p99 p99.9
# cpu/IO ios fsync_mean.  DRBD's rand4k-qd1 p50 is 600 us in every round;
# synod3's 900, 1200 (the median) and 3000; QD32 IOPS 5000 and 6500 / 6000.
{
	printf '1\tdrbd\trand4k-qd1\t1000\t4096000\t700000\t600000\t2000000\t3000000\t7.0e-04\t10000\t0\n'
	printf '2\tdrbd\trand4k-qd1\t1000\t4096000\t700000\t600000\t2000000\t3000000\t7.0e-04\t10000\t0\n'
	printf '3\tdrbd\trand4k-qd1\t1000\t4096000\t700000\t600000\t2000000\t3000000\t7.0e-04\t10000\t0\n'
	printf '1\tsynod3\trand4k-qd1\t500\t2048000\t1300000\t900000\t3000000\t4000000\t2.0e-03\t5000\t0\n'
	printf '2\tsynod3\trand4k-qd1\t400\t2048000\t1300000\t3000000\t3000000\t4000000\t2.0e-03\t5000\t0\n'
	printf '3\tsynod3\trand4k-qd1\t600\t2048000\t1300000\t1200000\t3000000\t4000000\t2.0e-03\t5000\t0\n'
	printf '1\tdrbd\trand4k-qd32\t5000\t20480000\t6000000\t5900000\t14000000\t18000000\t3.0e-04\t50000\t0\n'
	printf '1\tsynod3\trand4k-qd32\t6500\t26624000\t5000000\t4900000\t9000000\t12000000\t4.0e-04\t65000\t0\n'
	printf '2\tsynod3\trand4k-qd32\t6000\t24576000\t5000000\t4900000\t9000000\t12000000\t4.0e-04\t60000\t0\n'
} > "$d/results.tsv"
: > "$d/failures"
# A trace of two writes of s3n0: req 0x1 chosen in slot 7, req 0x2 in 8;
# 0x3 completes but was never seen queued (left out of the join).
cat > "$d/trace-rand4k-qd1.txt" <<'EOF'
# tracer: nop
  kworker/0:1H-9  [000] .....  10.000100: synod_rq_queued: volume=s3n0 req=0x1 op=1 sector=8 bytes=4096
  kworker/0:1H-9  [000] .....  10.000120: synod_rq_proposed: req=0x1 op=1 next_slot=8 status=0
  kworker/0:1H-9  [000] .....  10.000150: synod_msg_out: volume=s3n0 peer=1 type=3 lo=7 hi=7 count=1
  kworker/0:1H-9  [000] .....  10.000160: synod_msg_out: volume=s3n0 peer=2 type=3 lo=7 hi=7 count=1
  kworker/0:1H-9  [000] .....  10.000170: synod_link_tx: cluster=bench-synod3 from=0 to=1 seq=5 len=4096 how=1
  kworker/0:1H-9  [000] .....  10.000180: synod_link_tx: cluster=bench-synod3 from=0 to=2 seq=5 len=4096 how=0
  synod-rx/1-5    [001] .....  10.000290: synod_link_rx: cluster=bench-synod3 from=0 to=1 seq=5 len=4096 how=20000
  synod-rx/1-5    [001] .....  10.000300: synod_msg_in: volume=s3n1 peer=0 type=3 lo=7 hi=7 count=1
  synod-rx/2-6    [001] .....  10.000400: synod_msg_in: volume=s3n2 peer=0 type=3 lo=7 hi=7 count=1
  kworker/0:1H-9  [000] .....  10.000600: synod_journal_durable: volume=s3n0 records=1 seq=9 ns=400000
  synod-rx/1-5    [001] .....  10.000650: synod_journal_durable: volume=s3n1 records=1 seq=4 ns=300000
  synod-rx/1-5    [001] .....  10.000700: synod_msg_out: volume=s3n1 peer=0 type=4 lo=7 hi=7 count=0
  synod-rx/1-5    [001] .....  10.000660: synod_msg_out: volume=s3n1 peer=0 type=4 lo=7 hi=7 count=0 flags=0x1
  synod-rx/0-4    [001] .....  10.000680: synod_msg_in: volume=s3n0 peer=1 type=4 lo=7 hi=7 count=0 flags=0x1
  kworker/0:1H-9  [000] .....  10.000500: synod_link_tx: cluster=bench-synod3 from=0 to=1 seq=5 len=4096 how=0
  synod-rx/2-6    [001] .....  10.000900: synod_journal_durable: volume=s3n2 records=1 seq=4 ns=400000
  synod-rx/0-4    [001] .....  10.000900: synod_msg_in: volume=s3n0 peer=1 type=4 lo=7 hi=7 count=0
  synod-rx/2-6    [001] .....  10.000950: synod_msg_out: volume=s3n2 peer=0 type=4 lo=7 hi=7 count=0
  synod-rx/0-4    [001] .....  10.001000: synod_msg_in: volume=s3n0 peer=2 type=4 lo=7 hi=7 count=0
  synod-rx/0-4    [001] .....  10.001120: synod_journal_durable: volume=s3n1 records=1 seq=5 ns=250000
  synod-rx/0-4    [001] .....  10.001220: synod_slot_chosen: volume=s3n0 slot=7 writes=1 leader=1
  synod-rx/0-4    [001] .....  10.001260: synod_rq_applied: volume=s3n0 slot=7 writes=1 leader=1
  synod-rx/0-4    [001] .....  10.001300: synod_rq_completed: volume=s3n0 req=0x1 op=1 status=0 latency_ns=1200000 slot=7
  kworker/0:1H-9  [000] .....  10.002000: synod_rq_queued: volume=s3n0 req=0x2 op=1 sector=16 bytes=4096
  kworker/0:1H-9  [000] .....  10.002040: synod_rq_proposed: req=0x2 op=1 next_slot=9 status=0
  synod-rx/0-4    [001] .....  10.003040: synod_slot_chosen: volume=s3n0 slot=8 writes=1 leader=1
  synod-rx/0-4    [001] .....  10.003100: synod_rq_applied: volume=s3n0 slot=8 writes=1 leader=1
  synod-rx/0-4    [001] .....  10.003140: synod_rq_completed: volume=s3n0 req=0x2 op=1 status=0 latency_ns=1140000 slot=8
  synod-rx/0-4    [001] .....  10.004000: synod_rq_completed: volume=s3n0 req=0x3 op=1 status=0 latency_ns=1000000 slot=9
EOF

{
	echo 'synod: s3n1: down; frames dropped: 3 received, 0 not sent; payload store full 0 times; slots resent 0; frames sent 900, 850 pushed, 4 handed over'
	echo 'synod: s3n2: down; frames dropped: 0 received, 0 not sent; payload store full 0 times; slots resent 2'
	# s3n0's line is the module's own format (kmod/replica_ctl.c), its
	# numbers 1, 2, 3, ... in order, so the parser cannot drift from it
	python3 - "$top/kmod/replica_ctl.c" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
fmt = re.search(r'pr_info\("(%s: down; frames dropped[^"]*)\\n"', src).group(1)
n = iter(range(1, 100))
print('synod: ' + re.sub(r'%(llu|u|s)',
                         lambda m: 's3n0' if m.group(1) == 's' else str(next(n)), fmt))
PY
} > "$d/counters.txt"
out=$(python3 "$R" report --results "$d/results.tsv" --failures "$d/failures" \
	--targets "drbd synod3" --workloads "rand4k-qd1 rand4k-qd32" \
	--slow "" --slow-delay 5ms --info test --traces "$d" \
	--counters "$d/counters.txt" --json "$d/last.json" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
echo "1..15"
tap "$rc" "the report runs"

# jq-free checks: python reads the JSON back
q() { python3 -c "import json, sys; d = json.load(open('$d/last.json')); print($1)"; }
[ "$(q "d['median']['synod3/rand4k-qd1']['lat_p50']")" = 1200000.0 ]
tap $? "medians are of the rounds (p50 900, 3000, 1200 us -> 1200)"
[ "$(q "round(d['goals'][0]['value'], 3), d['goals'][0]['met']")" = "2.0 False" ]
tap $? "the QD1 latency goal is synod3's median p50 over DRBD's (2.0, not met)"
[ "$(q "round(d['goals'][1]['value'], 3), d['goals'][1]['met']")" = "1.25 True" ]
tap $? "the QD32 IOPS goal is the ratio of medians (6250 / 5000 = 1.25, met)"
s="d['stages']['rand4k-qd1']"
[ "$(q "${s}['joined'], round(${s}['commit']['mean_us'], 1), round(${s}['submit']['mean_us'], 1)")" = "2 1050.0 30.0" ]
tap $? "stages join by request and slot: 2 of 3 writes, commit (1100 + 1000) / 2 us, submit 30 us"
h="d['stages']['rand4k-qd1']['hops']"
[ "$(q "[round(${h}[k]['mean_us']) for k in ('send', 'net_out', 'f_wait', 'f_journal', 'f_ack', 'net_back', 'quorum', 'leader_journal')], ${h}['send']['n']")" = "[30, 150, 50, 300, 50, 200, 320, 480] 1" ]
tap $? "the commit of write 0x1 splits into hops along node 1, whose ACCEPTED came back first (a refusal is no ACCEPTED); they add up to its 1100 us"
l="d['stages']['rand4k-qd1']['link']"
[ "$(q "${l}['frames'], ${l}['pushed'], round(${l}['wire_p50_us']), round(${l}['mac_p50_us'])")" = "1 1 120 20" ]
tap $? "frames join by link, sequence number and length, with the last sent before (not the next connection's): 1 seen at both ends, pushed, 120 us, tag check 20 us"
[ "$(q "d['counters']['s3n1']['rx_dropped'], d['counters']['s3n1']['resent'], d['counters']['s3n1']['frames_pushed'], d['counters']['s3n2']['resent']")" = "3 0 850 2" ]
tap $? "the volumes' counters at volume down are in the JSON (with and without the frame counts)"
[ "$(q "[d['counters']['s3n0'][k] for k in ('rx_dropped', 'rx_nobuf', 'rx_nopay', 'rx_late', 'rx_bad', 'tx_dropped', 'store_full', 'resent', 'frames_sent', 'frames_pushed', 'frames_handed')], 'rx_bad' in d['counters']['s3n1']")" = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] False" ]
tap $? "the module's down line (its format in replica_ctl.c) parses: received drops by why, and the rest, in order"

# The scale run (scripts/bench-scale.bash): 40 of 64 volumes made, the
# rest stopped by the memory guard.  Pinned memory (MemTotal - MemFree -
# Buffers - Cached - SReclaimable) goes from 779000 to 3728120 kB: 2880
# MiB, 24 MiB for each of 120 replicas, though Cached (the tmpfs backing
# store) grew too.  Tasks: 12 a volume (4 a replica), also past the
# first.  Volume V leads 1 + V/10 s after its first create.
{
	printf 'requested\t64\nmade\t40\n'
	printf 'stopped\tstopped at 40 of 64 volumes: MemAvailable 350 MiB < 400 MiB before volume 41\n'
	printf 'backing\tloop on tmpfs, 64 MiB sparse, direct-io off\n'
	printf 'mem_before_%s\t%s\n' MemTotal 8000000 MemFree 7000000 Buffers 1000 \
		Cached 200000 SReclaimable 20000 Shmem 100000 Slab 50000 SUnreclaim 30000 \
		VmallocUsed 10000 KernelStack 2000 PageTables 3000 MemAvailable 7100000
	printf 'mem_after_%s\t%s\n' MemTotal 8000000 MemFree 3945880 Buffers 1000 \
		Cached 300000 SReclaimable 25000 Shmem 200000 Slab 173880 SUnreclaim 148880 \
		VmallocUsed 1976080 KernelStack 3920 PageTables 3000 MemAvailable 4100000
	printf 'tasks_before\t100\ntasks_nokw_before\t80\ntasks_synod_before\t0\n'
	printf 'tasks_first\t112\ntasks_nokw_first\t92\ntasks_synod_first\t9\n'
	printf 'tasks_after\t580\ntasks_nokw_after\t560\ntasks_synod_after\t360\n'
	printf 'tasks_kind_after_synod-rx/N\t120\ntasks_kind_after_synod-tx/N-N\t240\n'
	for v in $(seq 1 40); do printf 'up_s\t%d %d.%d\n' "$v" $((1 + v / 10)) $((v % 10)); done
	printf 'leaders_lost\t1\n'
	printf 'idle_cpu_pct_before\t2.5\nidle_cpu_pct_after\t61.0\n'
	printf 'fio_single_jobs\t1\nfio_single_iops\t1000.0\nfio_single_cpu_per_io\t1.0e-03\n'
	printf 'fio_many_jobs\t16\nfio_many_iops\t1200.0\nfio_many_cpu_per_io\t1.2e-03\n'
	printf 'seconds\t1234\n'
} > "$d/scale.tsv"
out=$(python3 "$R" report --results "$d/results.tsv" --failures "$d/failures" \
	--targets "drbd synod3" --workloads "rand4k-qd1 rand4k-qd32" \
	--slow "" --slow-delay 5ms --info test --traces "$d" \
	--counters "$d/counters.txt" --scale "$d/scale.tsv" --json "$d/scale.json" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
tap "$rc" "the report runs with --scale"
qs() { python3 -c "import json, sys; d = json.load(open('$d/scale.json')); s = d['scale']; print($1)"; }
[ "$(qs "round(s['mem_per_replica_mib'], 2), round(s['mem_per_volume_mib'], 2), round(s['mem_delta_per_replica_mib']['VmallocUsed'], 2), round(s['mem_delta_per_replica_mib']['other'], 2), s['made'], s['replicas']")" = "24.0 72.0 16.0 7.02 40 120" ]
tap $? "memory pinned per idle replica leaves out Cached (the tmpfs backing store): 2880 MiB / 120 replicas = 24 MiB, 72 per volume; VmallocUsed 16 per replica, and 7.02 of it in no field (24 - SUnreclaim 0.97 - vmalloc 16 - stacks 0.02)"
[ "$(qs "round(s['threads']['tasks_nokw']['per_added_replica'], 2), round(s['threads']['tasks']['per_replica'], 2), s['threads']['synod_kinds_per_replica']['synod-tx/N-N']")" = "4.0 4.0 2.0" ]
tap $? "tasks per replica: 4 past the first volume (the slope), 4 in all, 2 synod-tx each"
[ "$(qs "round(s['up_s']['median'], 2), round(s['up_s']['first'], 2), round(s['up_s']['last'], 2), s['up_s']['n'], s['idle_cpu_pct']['after']")" = "3.05 1.1 5.0 40 61.0" ] &&
	echo "$out" | grep -q 'CPU busy while idle: 2.5% before the volumes, 61.0% with them'
tap $? "create-to-leader: median, first and last over the volumes made; the idle CPU before and with them"
[ "$(qs "[(g['goal'][:7], round(g['value'], 2), g['met']) for g in d['goals'][6:]], len(d['goals'])")" = "[('scale: ', 24.0, False), ('scale: ', 4.0, False), ('scale: ', 1.2, False)] 9" ] &&
	echo "$out" | grep -q '^bench: .* | scale 40/64 vols: 24.00 MiB/replica, .* IOPS 16/1=1.20 | goals met 2/9 |' &&
	echo "$out" | grep -q 'stopped at 40 of 64 volumes: MemAvailable'
tap $? "three scale goals (24 MiB <= 2, 4 tasks <= 0.1, IOPS 1.2x >= 1.5: none met) count with the others, in the summary line; the early stop is printed"

# fiosum: one fio run, two jobs (devices): IOPS summed, latency weighted by I/Os
cat > "$d/many.json" <<'EOF'
note: fio may print something first
{"jobs": [
 {"jobname": "sd0", "error": 0, "mixed": {"iops": 100.0, "total_ios": 1000, "lat_ns": {"mean": 2000000.0, "percentile": {"99.000000": 5000000}}}},
 {"jobname": "sd1", "error": 0, "mixed": {"iops": 300.0, "total_ios": 3000, "lat_ns": {"mean": 1000000.0, "percentile": {"99.000000": 3000000}}}}
]}
EOF
out=$(python3 "$R" fiosum many "$d/many.json" 400 100)
echo "$out" | sed 's/^/# /'
[ "$(echo "$out" | grep -E '^fio_many_(jobs|iops|lat_mean|lat_p99_max|cpu_per_io)\s' | cut -f2 | tr '\n' ' ')" = "2 400.0 1250000 5000000 1.000e-03 " ]
tap $? "fiosum: 2 jobs, 400 IOPS in all, latency mean weighted by I/Os, worst p99, 4 CPU-s over 4000 I/Os"
exit "$failed"
