#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The numbers of scripts/bench.sh (Documentation/bench.rst).

  bench-report.py fio ROUND TARGET LABEL FIO_JSON CPU_TICKS HZ
      one fio run as a tab-separated line for results.tsv: round, target,
      label, IOPS, bytes/s, lat_ns mean, p50, p99, p99.9, CPU-seconds per
      I/O, I/Os, fsync lat_ns mean (0 without fsync)

  bench-report.py report --results F --failures F --targets "..."
      --workloads "..." --slow "..." --slow-delay D --info "..."
      --traces DIR [--counters FILE] [--scale FILE] --json FILE
      medians of the rounds, ratios, the issue's goals, the time per stage
      from the traced runs (DIR/trace-WORKLOAD.txt); a table on stdout,
      everything in FILE as JSON, and one "bench: ..." line for notes.

  bench-report.py fiosum LABEL FIO_JSON CPU_TICKS HZ
      one fio run of several jobs (the scale run) summed, as scale.tsv
      lines fio_LABEL_KEY, tab, value

With --scale FILE (scripts/bench-scale.bash's scale.tsv) the report adds
the scale run: memory and threads per idle replica, create-to-leader
times, IOPS of one volume and of several at once, and three more goals.

Latency is fio's lat_ns (submission to completion), not clat_ns.
"""
import argparse
import bisect
import json
import re
import statistics
import sys

FIELDS = ['iops', 'bw', 'lat_mean', 'lat_p50', 'lat_p99', 'lat_p999',
          'cpu_per_io', 'ios', 'fsync_mean']


def fio_line(a):
    """One run: fio's JSON (unified_rw_reporting=mixed) to a TSV line."""
    rnd, target, label, path, ticks, hz = a
    with open(path) as f:
        text = f.read()
    d = json.loads(text[text.index('{'):])	# fio may print notes first
    job = d['jobs'][0]
    if job.get('error'):
        raise SystemExit('fio job error %d' % job['error'])
    m = job['mixed']
    lat = m['lat_ns']
    pct = lat.get('percentile', {})
    ios = m['total_ios']
    cpu = int(ticks) / float(hz) / ios if ios else 0.0
    fsync = job.get('sync', {}).get('lat_ns', {}).get('mean', 0) or 0
    print('\t'.join([rnd, target, label, '%.1f' % m['iops'],
                     str(m['bw_bytes']), '%.0f' % lat['mean'],
                     str(pct.get('50.000000', 0)), str(pct.get('99.000000', 0)),
                     str(pct.get('99.900000', 0)), '%.3e' % cpu, str(ios),
                     '%.0f' % fsync]))


def fio_sum(a):
    """One fio run of one job per device: the sum of their IOPS."""
    label, path, ticks, hz = a
    with open(path) as f:
        text = f.read()
    d = json.loads(text[text.index('{'):])
    jobs = d['jobs']
    errs = [j['error'] for j in jobs if j.get('error')]
    if errs:
        raise SystemExit('fio job error %d' % errs[0])
    iops = [j['mixed']['iops'] for j in jobs]
    ios = sum(j['mixed']['total_ios'] for j in jobs)
    lat = sum(j['mixed']['lat_ns']['mean'] * j['mixed']['total_ios'] for j in jobs)
    p99 = max(j['mixed']['lat_ns'].get('percentile', {}).get('99.000000', 0) for j in jobs)
    for k, v in (('jobs', len(jobs)), ('iops', '%.1f' % sum(iops)),
                 ('iops_min', '%.1f' % min(iops)), ('iops_max', '%.1f' % max(iops)),
                 ('ios', ios), ('lat_mean', '%.0f' % (lat / ios if ios else 0)),
                 ('lat_p99_max', p99),
                 ('cpu_per_io', '%.3e' % (int(ticks) / float(hz) / ios if ios else 0))):
        print('fio_%s_%s\t%s' % (label, k, v))


# meminfo fields whose deltas the scale report shows (kB in scale.tsv)
MEM_FIELDS = ['Slab', 'SUnreclaim', 'SReclaimable', 'VmallocUsed', 'KernelStack',
              'PageTables', 'Percpu', 'Shmem', 'Cached', 'MemAvailable']


def pinned_kb(m):
    """What nothing can reclaim: not free, not page cache (Cached holds
    tmpfs, the scale run's backing store), not reclaimable slab."""
    return (m['MemTotal'] - m['MemFree'] - m.get('Buffers', 0) -
            m.get('Cached', 0) - m.get('SReclaimable', 0))


def scale_figures(path):
    """scale.tsv -> the scale run's figures (None where not measured)."""
    kv, up = {}, []
    for line in open(path):
        if '\t' not in line:
            continue
        k, v = line.rstrip('\n').split('\t', 1)
        if k == 'up_s':
            vol, sec = v.split()
            up.append((int(vol), float(sec)))
        else:
            kv[k] = v
    num = lambda k: float(kv[k]) if k in kv else None
    made = int(kv.get('made', 0))
    out = {'requested': int(kv.get('requested', 0)), 'made': made,
           'replicas': 3 * made, 'stopped': kv.get('stopped'),
           'backing': kv.get('backing'), 'leaders_lost': num('leaders_lost'),
           'seconds': num('seconds'),
           'idle_cpu_pct': {'before': num('idle_cpu_pct_before'),
                            'after': num('idle_cpu_pct_after')},
           'errors': {k: v for k, v in kv.items() if k.endswith('error')}}
    mem = {}
    for tag in ('before', 'after'):
        mem[tag] = {k[len('mem_%s_' % tag):]: int(v) for k, v in kv.items()
                    if k.startswith('mem_%s_' % tag)}
    rep = 3 * made
    if made and mem['before'].get('MemTotal') and mem['after'].get('MemTotal'):
        d = pinned_kb(mem['after']) - pinned_kb(mem['before'])
        out['mem_pinned_mib'] = d / 1024.0
        out['mem_per_replica_mib'] = d / 1024.0 / rep
        out['mem_per_volume_mib'] = d / 1024.0 / made
        dm = {f: (mem['after'][f] - mem['before'][f]) / 1024.0 / rep
              for f in MEM_FIELDS if f in mem['after'] and f in mem['before']}
        # what no meminfo field names: pages taken from the page
        # allocator directly (alloc_pages) and user memory
        dm['other'] = d / 1024.0 / rep - sum(dm.get(f, 0) for f in (
            'SUnreclaim', 'VmallocUsed', 'KernelStack', 'PageTables', 'Percpu'))
        out['mem_delta_per_replica_mib'] = dm
    else:
        out['mem_pinned_mib'] = out['mem_per_replica_mib'] = out['mem_per_volume_mib'] = None
        out['mem_delta_per_replica_mib'] = {}
    out['mem_before_kb'], out['mem_after_kb'] = mem['before'], mem['after']
    th = {}
    for k in ('tasks', 'tasks_nokw', 'tasks_synod'):
        b, f, a = num(k + '_before'), num(k + '_first'), num(k + '_after')
        th[k] = {'before': b, 'first': f, 'after': a,
                 'per_replica': (a - b) / rep if rep and a is not None and b is not None else None,
                 # the slope: what each replica after the first volume's adds
                 'per_added_replica': (a - f) / (rep - 3)
                 if rep > 3 and a is not None and f is not None else None}
    kinds = {}
    for k, v in kv.items():
        for tag in ('before', 'after'):
            pre = 'tasks_kind_%s_' % tag
            if k.startswith(pre):
                kinds.setdefault(k[len(pre):], {})[tag] = int(v)
    th['synod_kinds_per_replica'] = {
        n: (x.get('after', 0) - x.get('before', 0)) / rep if rep else None
        for n, x in sorted(kinds.items())}
    out['threads'] = th
    up.sort()
    secs = [x[1] for x in up]
    out['up_s'] = {'n': len(secs), 'median': statistics.median(secs) if secs else None,
                   'max': max(secs) if secs else None, 'first': secs[0] if secs else None,
                   'last': secs[-1] if secs else None, 'each': secs}
    single, many = num('fio_single_iops'), num('fio_many_iops')
    out['fio'] = {'single_iops': single, 'many_iops': many,
                  'many_jobs': num('fio_many_jobs'),
                  'many_iops_min': num('fio_many_iops_min'),
                  'many_iops_max': num('fio_many_iops_max'),
                  'single_cpu_per_io': num('fio_single_cpu_per_io'),
                  'many_cpu_per_io': num('fio_many_cpu_per_io'),
                  'single_lat_mean': num('fio_single_lat_mean'),
                  'many_lat_mean': num('fio_many_lat_mean'),
                  'ratio': many / single if single and many is not None else None}
    return out


def print_scale(sc):
    print()
    print('scale run: %d of %d three-replica volumes (%d replicas) in this VM; %s' % (
        sc['made'], sc['requested'], sc['replicas'], sc['backing'] or 'no backing'))
    if sc['stopped']:
        print('  %s' % sc['stopped'])
    if sc['mem_per_replica_mib'] is not None:
        print('  memory pinned, idle (delta of MemTotal-MemFree-Buffers-Cached-SReclaimable):')
        print('    %.1f MiB in all, %.2f MiB per replica, %.2f MiB per 3-replica volume' % (
            sc['mem_pinned_mib'], sc['mem_per_replica_mib'], sc['mem_per_volume_mib']))
        print('    per replica, deltas (MiB; other = pinned - SUnreclaim - VmallocUsed'
              ' - KernelStack - PageTables - Percpu: alloc_pages and user memory):')
        print('      ' + ' '.join(
            '%s=%.2f' % (k, v) for k, v in sc['mem_delta_per_replica_mib'].items()))
    t = sc['threads']
    if t['tasks']['per_replica'] is not None:
        print('  tasks per replica: %.2f (%.2f without kworkers, %.2f named synod*); '
              'each replica after the first volume\'s adds %s (%s without kworkers)' % (
                  t['tasks']['per_replica'], t['tasks_nokw']['per_replica'],
                  t['tasks_synod']['per_replica'], fmt(t['tasks']['per_added_replica']),
                  fmt(t['tasks_nokw']['per_added_replica'])))
        if t['synod_kinds_per_replica']:
            print('    synod tasks per replica by name: ' + ' '.join(
                '%s=%.2f' % (k, v) for k, v in t['synod_kinds_per_replica'].items()))
    u = sc['up_s']
    if u['n']:
        print('  create -> node 0 leads, per volume: median %.2f s, max %.2f s; '
              'first %.2f s, last %.2f s' % (u['median'], u['max'], u['first'], u['last']))
    ic = sc['idle_cpu_pct']
    if ic['after'] is not None:
        print('  VM CPU busy while idle: %s%% before the volumes, %.1f%% with them (of all CPUs)' % (
            '-' if ic['before'] is None else '%.1f' % ic['before'], ic['after']))
    if sc['leaders_lost'] is not None:
        print('  leaders lost while idle (before fio): %d' % sc['leaders_lost'])
    f = sc['fio']
    if f['single_iops'] is not None:
        print('  4k QD32 random writes: one volume %.0f IOPS (%.1f us CPU/IO); '
              '%s at once %s IOPS in all (%s each, %s us CPU/IO): %sx' % (
                  f['single_iops'], (f['single_cpu_per_io'] or 0) * 1e6,
                  '-' if f['many_jobs'] is None else '%d' % f['many_jobs'],
                  '-' if f['many_iops'] is None else '%.0f' % f['many_iops'],
                  '-' if f['many_iops_min'] is None else '%.0f-%.0f' % (
                      f['many_iops_min'], f['many_iops_max']),
                  '-' if f['many_cpu_per_io'] is None else '%.1f' % (f['many_cpu_per_io'] * 1e6),
                  fmt(f['ratio'])))
    for k, v in sorted(sc['errors'].items()):
        print('  %s: %s' % (k, v))
    if sc['seconds'] is not None:
        print('  the scale run took %d s' % sc['seconds'])


def load(path):
    """results.tsv -> {(target, label): [run dict per round]}"""
    runs = {}
    for line in open(path):
        p = line.rstrip('\n').split('\t')
        if len(p) != 3 + len(FIELDS):
            continue
        x = dict(zip(FIELDS, map(float, p[3:])))
        x['round'] = p[0]
        runs.setdefault((p[1], p[2]), []).append(x)
    return runs


def median_of(rs):
    return {k: statistics.median(r[k] for r in rs) for k in FIELDS}


def ratio(a, b, key):
    if a is None or b is None or not b.get(key):
        return None
    return a[key] / b[key]


def fmt(v):
    if v is None:
        return '-'
    return '%.2f' % v if v >= 0.1 else '%.3g' % v


def pctl(xs, p):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))]


LINE = re.compile(r'\s(\d+\.\d+): (synod_\w+): (.*)$')


def stages(path, leader, fio_lat_mean, cluster=None):
    """Time per stage of the leader's writes in one traced run.

    The join: synod_rq_completed names the slot a write was chosen in;
    synod_slot_chosen and synod_rq_applied of that slot on the leader
    give the two middle stages; synod_rq_queued and synod_rq_proposed
    (by request id) the first two.
    """
    queued, proposed, chosen, applied, done = {}, {}, {}, {}, []
    durable, per_slot = {}, []
    ev_lists = {'msg_out': {}, 'msg_in': {}, 'jdone': {}}
    link = {'tx': {}, 'rx': {}}
    first_on_cpu, wrapped = {}, False
    for line in open(path, errors='replace'):
        m = LINE.search(line)
        if not m:
            w = WRAPPED.search(line)
            if w:
                wrapped = int(w.group(1)) < int(w.group(2))
            continue
        t = float(m.group(1)) * 1e6		# us
        c = CPU.search(line)
        if c and c.group(1) not in first_on_cpu:
            first_on_cpu[c.group(1)] = t
        kv = dict(x.split('=', 1) for x in m.group(3).split() if '=' in x)
        ev = m.group(2)
        vol = kv.get('volume')
        if ev == 'synod_rq_queued' and vol == leader:
            queued[kv['req']] = t
        elif ev == 'synod_rq_proposed' and kv.get('status') == '0':
            proposed[kv['req']] = t
        elif ev == 'synod_slot_chosen' and vol == leader and kv.get('leader') == '1':
            chosen[kv['slot']] = t
            if int(kv.get('writes', 0)):
                per_slot.append(int(kv['writes']))
        elif ev == 'synod_rq_applied' and vol == leader and kv.get('leader') == '1':
            applied[kv['slot']] = t
        elif ev == 'synod_rq_completed' and vol == leader and \
                kv.get('op') == '1' and kv.get('status') == '0' and kv.get('slot', '0') != '0':
            done.append((kv['req'], kv['slot'], t, int(kv['latency_ns']) / 1000.0))
        elif ev == 'synod_journal_durable' and vol:
            durable.setdefault(vol, []).append((int(kv['ns']) / 1000.0, int(kv['records'])))
            ev_lists['jdone'].setdefault(vol, []).append((t, t - int(kv['ns']) / 1000.0))
        elif ev in ('synod_msg_out', 'synod_msg_in') and vol and \
                not int(kv.get('flags', '0'), 0) & MSGF_NACK:
            key = (vol, int(kv['peer']), int(kv['type']))
            ev_lists[ev[6:]].setdefault(key, []).append(
                (t, int(kv['lo']), int(kv['hi'])))
        elif ev in ('synod_link_tx', 'synod_link_rx') and \
                (cluster is None or kv['cluster'] == cluster):
            key = (kv['cluster'], kv['from'], kv['to'], kv['seq'], kv['len'])
            link[ev[11:]].setdefault(key, []).append((t, int(kv['how'])))
    st = {k: [] for k in ('submit', 'commit', 'complete', 'apply', 'engine')}
    joined = 0
    for req, slot, tc, eng in done:
        if req not in queued or req not in proposed or slot not in chosen:
            continue
        joined += 1
        tq, tp, tch = queued[req], proposed[req], chosen[slot]
        st['submit'].append(tp - tq)
        st['commit'].append(tch - tp)
        st['complete'].append(tc - tch)
        if slot in applied:
            st['apply'].append(applied[slot] - tch)
        st['engine'].append(eng)
    out = {'writes': len(done), 'joined': joined,
           'writes_per_slot': statistics.mean(per_slot) if per_slot else 0,
           'fio_lat_mean_us': fio_lat_mean / 1000.0 if fio_lat_mean else None}
    for k, xs in st.items():
        out[k] = {'mean_us': statistics.mean(xs) if xs else 0,
                  'p50_us': pctl(xs, 50), 'p99_us': pctl(xs, 99), 'n': len(xs)}
    # A buffer that wrapped kept each CPU's last events: only the time
    # after every CPU's first kept event is whole.
    whole = max(first_on_cpu.values()) if wrapped and first_on_cpu else 0
    out['hops'] = hops(ev_lists, leader, [
        (proposed[req], chosen[slot], int(slot)) for req, slot, _, _ in done
        if req in proposed and slot in chosen and proposed[req] >= whole])
    out['link'] = link_times(link)
    out['journal'] = {}
    for vol, xs in sorted(durable.items()):
        out['journal'][vol] = {
            'groups': len(xs),
            'mean_us': statistics.mean(x[0] for x in xs),
            'p50_us': pctl([x[0] for x in xs], 50),
            'records_per_group': statistics.mean(x[1] for x in xs)}
    return out


MSG_ACCEPT, MSG_ACCEPTED = 3, 4	# enum synod_msg_type (kmod/core/wire.h)
MSGF_NACK = 0x01			# a refusal (SYNOD_MSGF_NACK)
CPU = re.compile(r'\[(\d+)\]')
WRAPPED = re.compile(r'entries-in-buffer/entries-written: (\d+)/(\d+)')
NODE_OF = re.compile(r'^(.*\D)(\d+)$')	# the bench names volumes <cluster>n<node>


def first_after(xs, t, slot=None, limit=256):
    """The first (time, lo, hi) of time-sorted @xs at or after @t whose
    [lo, hi] holds @slot (any if None); None if none in @limit steps."""
    i = bisect.bisect_left(xs, (t, -1, -1))
    for x in xs[i:i + limit]:
        if slot is None or x[1] <= slot <= x[2]:
            return x
    return None


def hops(ev, leader, writes):
    """The accept round of each write (proposed -> chosen on the leader)
    split into its hops, along the follower whose acknowledgement came
    back first (with three replicas, the one that made the quorum):

      send      proposed -> the leader queued the ACCEPT to that follower
      net_out   -> the follower's engine took it (push, wire, receive
                   thread, tag check, the replica's lock)
      f_wait    -> the follower's journal write began
      f_journal -> that write was durable
      f_ack     -> the follower queued its ACCEPTED
      net_back  -> the leader's engine took it
      quorum    -> chosen (the leader's own record, the core)

    The seven add up to 'commit' (of these writes: a write whose path is
    not whole in the trace is left out).  'leader_journal' is the
    leader's own record from proposed to durable, which runs beside them.
    Needs the msg and link tracepoints (kernels from 2026-12).
    """
    m = NODE_OF.match(leader)
    names = ('send', 'net_out', 'f_wait', 'f_journal', 'f_ack', 'net_back', 'quorum')
    res = {k: [] for k in names + ('leader_journal', 'commit')}
    if not m or not ev['msg_out']:
        return None
    prefix, lid = m.group(1), int(m.group(2))
    for xs in list(ev['msg_out'].values()) + list(ev['msg_in'].values()) + \
            list(ev['jdone'].values()):
        xs.sort()
    jstart = {v: sorted((s0, t1, 0) for t1, s0 in xs) for v, xs in ev['jdone'].items()}
    followers = sorted(set(p for (v, p, ty) in ev['msg_out'] if v == leader and p != lid))
    for tp, tch, slot in writes:
        best = None
        for f in followers:
            fv = '%s%d' % (prefix, f)
            ao = first_after(ev['msg_out'].get((leader, f, MSG_ACCEPT), []), tp, slot)
            ai = ao and first_after(ev['msg_in'].get((fv, lid, MSG_ACCEPT), []), ao[0], slot)
            js = ai and first_after(jstart.get(fv, []), ai[0])
            ko = js and first_after(ev['msg_out'].get((fv, lid, MSG_ACCEPTED), []), js[1], slot)
            ki = ko and first_after(ev['msg_in'].get((leader, f, MSG_ACCEPTED), []), ko[0], slot)
            if ki and ki[0] <= tch and (best is None or ki[0] < best[-1]):
                best = (tp, ao[0], ai[0], js[0], js[1], ko[0], ki[0])
        if best is None:
            continue
        t = best + (tch,)
        for i, k in enumerate(names):
            res[k].append(t[i + 1] - t[i])
        res['commit'].append(tch - tp)
        lj = first_after(jstart.get(leader, []), tp)
        if lj:
            res['leader_journal'].append(lj[1] - tp)
    return {k: {'mean_us': statistics.mean(xs) if xs else 0,
                'p50_us': pctl(xs, 50), 'p99_us': pctl(xs, 99), 'n': len(xs)}
            for k, xs in res.items()}


def link_times(link):
    """Frames seen at both ends of a link: time from the sender beginning
    to write it to the receiver handing it to its replica, the tag
    check's share, and how many the engine wrote itself (push).  A
    frame received pairs with the last one sent before it under the
    same key (sequence numbers start over at each connection)."""
    wire, mac, pushed = [], [], 0
    for key, rxs in link['rx'].items():
        txs = sorted(link['tx'].get(key, []))
        for trx, mac_ns in rxs:
            i = bisect.bisect_right(txs, (trx, float('inf'))) - 1
            if i < 0:
                continue
            wire.append(trx - txs[i][0])
            mac.append(mac_ns / 1000.0)
            pushed += txs[i][1]
    if not wire:
        return None
    return {'frames': len(wire), 'pushed': pushed,
            'wire_p50_us': pctl(wire, 50), 'wire_p99_us': pctl(wire, 99),
            'mac_p50_us': pctl(mac, 50), 'mac_mean_us': statistics.mean(mac)}


HOP_NAMES = [
    ('send', 'proposed -> ACCEPT queued to the follower that acked first'),
    ('net_out', '-> its engine took it (push, wire, rx thread, tag, lock)'),
    ('f_wait', '-> its journal write began'),
    ('f_journal', '-> its record durable'),
    ('f_ack', '-> its ACCEPTED queued'),
    ('net_back', '-> the leader\'s engine took it'),
    ('quorum', '-> chosen (own record, core)'),
    ('leader_journal', 'proposed -> the leader\'s own record durable (beside)'),
]


STAGE_NAMES = [
    ('submit', 'queued -> proposed (the submission pass hands it to the core)'),
    ('commit', 'proposed -> chosen (accept round, quorum durable, window)'),
    ('apply', 'chosen -> applied (data area write; off the path if it completes first)'),
    ('complete', 'chosen -> completed'),
    ('engine', 'first dispatch -> completed (what status histograms count)'),
]


def print_stages(name, s):
    print('stages of %s: %d writes traced, %d joined; %.2f writes per slot' % (
        name, s['writes'], s['joined'], s['writes_per_slot']))
    for k, what in STAGE_NAMES:
        x = s[k]
        print('  %-9s %9.1f %9.1f %9.1f  %s' % (k, x['mean_us'], x['p50_us'], x['p99_us'], what))
    if s['fio_lat_mean_us'] is not None:
        print('  %-9s %9.1f %9s %9s  fio lat mean - engine mean (block layer, fio, completion)' % (
            'outside', s['fio_lat_mean_us'] - s['engine']['mean_us'], '', ''))
    h = s.get('hops')
    if h and h['send']['n']:
        print('  commit split into hops (%d writes, their commit mean %.1f us p50 %.1f us):' % (
            h['send']['n'], h['commit']['mean_us'], h['commit']['p50_us']))
        for k, what in HOP_NAMES:
            x = h[k]
            print('    %-14s %9.1f %9.1f %9.1f  %s' % (k, x['mean_us'], x['p50_us'], x['p99_us'], what))
    lk = s.get('link')
    if lk:
        print('  frames: %d seen at both ends, %d pushed; write begun -> handed over p50 %.1f us, p99 %.1f us; tag check p50 %.1f us' % (
            lk['frames'], lk['pushed'], lk['wire_p50_us'], lk['wire_p99_us'], lk['mac_p50_us']))
    for vol, j in s['journal'].items():
        print('  journal %s: %d group commits, mean %.1f us, p50 %.1f us, %.2f records each' % (
            vol, j['groups'], j['mean_us'], j['p50_us'], j['records_per_group']))


def report(a):
    targets, workloads = a.targets.split(), a.workloads.split()
    slow = a.slow.split()
    runs = load(a.results)
    med = {k: median_of(v) for k, v in runs.items()}
    fails = [l.rstrip('\n').split('\t', 1) for l in open(a.failures) if l.strip()]

    def get(t, wl):
        return med.get((t, wl))

    print()
    print('medians of %s rounds; latency is fio lat_ns (submit to complete)' %
          (max((len(v) for v in runs.values()), default=0)))
    hdr = '%-22s %-7s %9s %8s %9s %9s %9s %9s %8s'
    print(hdr % ('workload', 'target', 'IOPS', 'MiB/s', 'lat mean', 'p50', 'p99', 'p99.9', 'CPU/IO'))
    print(hdr % ('', '', '', '', 'us', 'us', 'us', 'us', 'us'))
    print('-' * 98)
    labels = workloads + ['%s-slowpeer' % w for w in slow]
    for wl in labels:
        for t in targets:
            x = get(t, wl)
            if x is None:
                continue
            print('%-22s %-7s %9.0f %8.1f %9.1f %9.1f %9.1f %9.1f %8.1f' % (
                wl, t, x['iops'], x['bw'] / 1048576, x['lat_mean'] / 1e3,
                x['lat_p50'] / 1e3, x['lat_p99'] / 1e3, x['lat_p999'] / 1e3,
                x['cpu_per_io'] * 1e6))
        print()

    ratios = {}
    print('ratios of medians (IOPS, MB/s: higher is better; latency, CPU: lower is better)')
    rh = '%-16s %9s %9s %9s %9s %9s %9s %9s %9s'
    print(rh % ('workload', 'IOPS s2/d', 'IOPS s3/d', 'IOPS s3/r', 'p50 s2/d',
                'p50 s3/d', 'p99 s3/d', 'CPU s3/d', 'IOPS d/r'))
    for wl in workloads:
        s2, s3, d, r = get('synod2', wl), get('synod3', wl), get('drbd', wl), get('raw', wl)
        x = {'iops_s2_drbd': ratio(s2, d, 'iops'), 'iops_s3_drbd': ratio(s3, d, 'iops'),
             'iops_s3_raw': ratio(s3, r, 'iops'), 'iops_s2_raw': ratio(s2, r, 'iops'),
             'p50_s2_drbd': ratio(s2, d, 'lat_p50'), 'p50_s3_drbd': ratio(s3, d, 'lat_p50'),
             'p99_s2_drbd': ratio(s2, d, 'lat_p99'), 'p99_s3_drbd': ratio(s3, d, 'lat_p99'),
             'cpu_s3_drbd': ratio(s3, d, 'cpu_per_io'), 'cpu_s2_drbd': ratio(s2, d, 'cpu_per_io'),
             'iops_drbd_raw': ratio(d, r, 'iops'),
             'iops_s3_nomac': ratio(s3, get('nomac', wl), 'iops'),
             'iops_s3_small3': ratio(s3, get('small3', wl), 'iops'),
             'p99_s3_small3': ratio(s3, get('small3', wl), 'lat_p99'),
             'iops_s3_engread3': ratio(s3, get('engread3', wl), 'iops'),
             'p50_s3_engread3': ratio(s3, get('engread3', wl), 'lat_p50')}
        ratios[wl] = x
        print(rh % (wl, fmt(x['iops_s2_drbd']), fmt(x['iops_s3_drbd']), fmt(x['iops_s3_raw']),
                    fmt(x['p50_s2_drbd']), fmt(x['p50_s3_drbd']), fmt(x['p99_s3_drbd']),
                    fmt(x['cpu_s3_drbd']), fmt(x['iops_drbd_raw'])))
    if 'nomac' in targets:
        print('frame MACs: synod3 / nomac IOPS: ' + ' '.join(
            '%s=%s' % (wl, fmt(ratios[wl]['iops_s3_nomac'])) for wl in workloads))
    if 'engread3' in targets:
        print('reads past the engine: synod3 / engread3 IOPS: ' + ' '.join(
            '%s=%s' % (wl, fmt(ratios[wl]['iops_s3_engread3'])) for wl in workloads) +
            '; p50: ' + ' '.join(
            '%s=%s' % (wl, fmt(ratios[wl]['p50_s3_engread3'])) for wl in workloads))
    if 'small3' in targets:
        print('1 MiB requests: synod3 / small3 (16 KiB) IOPS: ' + ' '.join(
            '%s=%s' % (wl, fmt(ratios[wl]['iops_s3_small3'])) for wl in workloads) +
            '; p99: ' + ' '.join(
            '%s=%s' % (wl, fmt(ratios[wl]['p99_s3_small3'])) for wl in workloads))

    slowpeer = {}
    if slow:
        print()
        print('slow follower (%s on one follower\'s packets): p99 and IOPS, with / without' % a.slow_delay)
        for wl in slow:
            for t in targets:
                x, y = get(t, wl + '-slowpeer'), get(t, wl)
                if x is None:
                    continue
                slowpeer.setdefault(wl, {})[t] = {
                    'p99_ratio': ratio(x, y, 'lat_p99'), 'iops_ratio': ratio(x, y, 'iops'),
                    'p99_us': x['lat_p99'] / 1e3}
                print('  %-14s %-7s p99 %9.1f us = %sx its own, IOPS %sx' % (
                    wl, t, x['lat_p99'] / 1e3, fmt(ratio(x, y, 'lat_p99')),
                    fmt(ratio(x, y, 'iops'))))

    def goal(name, value, op, limit):
        met = None if value is None else (value <= limit if op == '<=' else value >= limit)
        return {'goal': name, 'value': value, 'op': op, 'limit': limit, 'met': met}

    r = lambda wl, k: ratios.get(wl, {}).get(k)
    sp = slowpeer.get('rand4k-qd32', {}).get('synod3', {})
    goals = [
        goal('4k QD1 median latency synod3/DRBD', r('rand4k-qd1', 'p50_s3_drbd'), '<=', 1.0),
        goal('4k QD32 IOPS synod3/DRBD', r('rand4k-qd32', 'iops_s3_drbd'), '>=', 1.2),
        goal('1M seq MB/s synod2/DRBD', r('seq1m-qd4', 'iops_s2_drbd'), '>=', 1.0),
        goal('1M seq MB/s synod3/DRBD', r('seq1m-qd4', 'iops_s3_drbd'), '>=', 0.8),
        goal('slow follower: synod3 4k QD32 p99 / its own', sp.get('p99_ratio'), '<=', 1.2),
        goal('CPU per 4k write (QD32) synod3/DRBD', r('rand4k-qd32', 'cpu_s3_drbd'), '<=', 1.5),
    ]
    sc = scale_figures(a.scale) if a.scale else None
    if sc:
        print_scale(sc)
        goals += [
            goal('scale: memory pinned per idle replica, MiB', sc['mem_per_replica_mib'], '<=', 2.0),
            goal('scale: tasks per replica added past volume 1',
                 sc['threads']['tasks_nokw']['per_added_replica'], '<=', 0.1),
            goal('scale: 4k QD32 IOPS %s volumes / one' % (
                '-' if sc['fio']['many_jobs'] is None else '%d' % sc['fio']['many_jobs']),
                sc['fio']['ratio'], '>=', 1.5),
        ]
    print()
    print('goals (issue 10), in this run:')
    for g in goals:
        state = 'not measured' if g['met'] is None else ('met' if g['met'] else 'NOT met')
        print('  %-46s %6s  goal %s %.1f  %s' % (g['goal'], fmt(g['value']), g['op'], g['limit'], state))

    st = {}
    for wl in workloads:
        path = '%s/trace-%s.txt' % (a.traces, wl)
        try:
            x = get('synod3', wl + '-traced')
            st[wl] = stages(path, 's3n0', x['lat_mean'] if x else None,
                            'bench-synod3')
        except OSError:
            continue
        print()
        print_stages('synod3 %s (traced run; us: mean, p50, p99)' % wl, st[wl])

    if fails:
        print()
        print('failures:')
        for f in fails:
            print('  %s: %s' % (f[0], f[1] if len(f) > 1 else ''))
    failed = sorted(set(f[0] for f in fails))
    met = sum(1 for g in goals if g['met'])
    parts = []
    for wl in workloads:
        x = ratios[wl]
        parts.append('%s s2/d=%s s3/d=%s p50 s3/d=%s' % (
            wl, fmt(x['iops_s2_drbd']), fmt(x['iops_s3_drbd']), fmt(x['p50_s3_drbd'])))
    if sc:
        parts.append('scale %d/%d vols: %s MiB/replica, +%s tasks/replica, up p50 %ss, IOPS %s/1=%s' % (
            sc['made'], sc['requested'], fmt(sc['mem_per_replica_mib']),
            fmt(sc['threads']['tasks_nokw']['per_replica']), fmt(sc['up_s']['median']),
            '-' if sc['fio']['many_jobs'] is None else '%d' % sc['fio']['many_jobs'],
            fmt(sc['fio']['ratio'])))
    print()
    print('bench: %s | %s | goals met %d/%d | %s' % (
        a.info, ' | '.join(parts), met, len(goals),
        'FAILED: ' + ','.join(failed) if failed else 'all targets ran'))

    counters = {}
    # Received drops by why (for want of a payload buffer, naming a
    # payload not here, late state-transfer answers, bad) in lines of
    # modules after 0.3.0; older lines have the total only.
    pat = re.compile(r'synod: (\S+): down; frames dropped: (\d+) received'
                     r'(?: \((\d+) for want of a payload buffer, (\d+) naming a payload not here, '
                     r'(\d+) late state-transfer answers, (\d+) bad\))?, (\d+) not sent; '
                     r'payload store full (\d+) times; slots resent (\d+)'
                     r'(?:; frames sent (\d+), (\d+) pushed, (\d+) handed over)?')
    for line in open(a.counters) if a.counters else []:
        m = pat.search(line)
        if m:
            keys = ('rx_dropped', 'rx_nobuf', 'rx_nopay', 'rx_late', 'rx_bad',
                    'tx_dropped', 'store_full', 'resent',
                    'frames_sent', 'frames_pushed', 'frames_handed')
            counters[m.group(1)] = {k: int(v) for k, v in zip(keys, m.groups()[1:])
                                    if v is not None}

    doc = {'info': a.info, 'counters': counters, 'targets': targets, 'workloads': workloads,
           'slow_delay': a.slow_delay,
           'runs': [dict(target=t, workload=wl, **x) for (t, wl), v in sorted(runs.items()) for x in v],
           'median': {'%s/%s' % k: v for k, v in sorted(med.items())},
           'ratios': ratios, 'slow_follower': slowpeer, 'goals': goals,
           'stages': st, 'scale': sc, 'failures': [dict(target=f[0], why=f[1] if len(f) > 1 else '') for f in fails]}
    with open(a.json, 'w') as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    print('(JSON: %s)' % a.json)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == 'fio':
        if len(sys.argv) != 8:
            raise SystemExit(__doc__)
        fio_line(sys.argv[2:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == 'fiosum':
        if len(sys.argv) != 6:
            raise SystemExit(__doc__)
        fio_sum(sys.argv[2:])
        return
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('cmd', choices=['report'])
    for o in ('results', 'failures', 'targets', 'workloads', 'slow', 'slow_delay',
              'info', 'traces', 'json'):
        p.add_argument('--' + o.replace('_', '-'), required=True)
    # the volumes' counters printed at volume down (drops, resends)
    p.add_argument('--counters', default='')
    # the scale run's figures (scripts/bench-scale.bash)
    p.add_argument('--scale', default='')
    report(p.parse_args())


if __name__ == '__main__':
    main()
