#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Cross-check of the "synod" family three ways (Documentation/nlfuzz.rst):

  SPEC       Documentation/netlink/specs/synod.yaml
  POLICY     `nlfuzz policy`: the ops and policies the running kernel
             reports (CTRL_CMD_GETFAMILY, CTRL_CMD_GETPOLICY)
  TEMPLATES  `nlfuzz templates`: the attributes each handler in
             kmod/nl_*.c reads, as the fuzzer builds its requests

Fails if an op of the spec is missing in the kernel or lacks its
admin-perm flag, if an attribute of a request is not accepted by the
op's policy or has another type or other checks than the spec says, if
the kernel accepts an attribute the spec calls output-only, or if a
handler reads other attributes than the spec's request lists.  Notes
(not failures) the attributes the kernel's family-wide policy accepts
for an op whose request does not list them.

usage: spec_check.py SPEC POLICY TEMPLATES
"""
import sys

import yaml

GENL_ADMIN_PERM = 1
TYPES = {'u32': 'u32', 'u64': 'u64', 'u8': 'u8', 'flag': 'flag',
         'string': 'nul-string', 'binary': 'binary', 'nest': 'nested'}


def load_policy(path):
    ops, pols = {}, {}
    for line in open(path):
        w = line.split()
        if w[0] == 'op':
            ops[int(w[1])] = {'flags': int(w[3]), 'do': int(w[5]),
                              'dump': int(w[7])}
        elif w[0] == 'attr':
            d = dict(zip(w[4::2], w[5::2]))
            pols.setdefault(int(w[1]), {})[int(w[2])] = {
                'type': w[3], 'min-len': int(d['min-len']),
                'max-len': int(d['max-len']), 'max': d['max'],
                'nested': d['nested']}
    return ops, pols


def main():
    spec = yaml.safe_load(open(sys.argv[1]))
    ops, pols = load_policy(sys.argv[2])
    reads = {}
    for line in open(sys.argv[3]):
        w = line.split()
        reads[w[1]] = w[2:]
    bad, notes = [], []

    sets = {}
    for s in spec['attribute-sets']:
        val, attrs = 0, {}
        for a in s['attributes']:
            val = a.get('value', val + 1 if attrs else a.get('value', 1))
            attrs[a['name']] = dict(a, value=val)
        sets[s['name']] = attrs

    def check_attr(where, aset, name, pol, pidx):
        a = sets[aset][name]
        got = pol.get(pidx, {}).get(a['value'])
        if not got:
            bad.append(f'{where}: {name} ({a["value"]}) not accepted by '
                       f'the kernel policy {pidx}')
            return
        want = TYPES.get(a['type'], a['type'])
        if got['type'] != want:
            bad.append(f'{where}: {name} is {got["type"]} in the kernel, '
                       f'{a["type"]} in the spec')
        checks = a.get('checks', {})
        if 'max-len' in checks and got['max-len'] != checks['max-len']:
            bad.append(f'{where}: {name} max-len kernel {got["max-len"]} '
                       f'spec {checks["max-len"]}')
        if 'min-len' in checks and got['min-len'] != checks['min-len']:
            bad.append(f'{where}: {name} min-len kernel {got["min-len"]} '
                       f'spec {checks["min-len"]}')
        if 'max' in checks and got['max'] != str(checks['max']):
            bad.append(f'{where}: {name} max kernel {got["max"]} '
                       f'spec {checks["max"]}')
        if a['type'] == 'nest':
            nset = a['nested-attributes']
            for sub, sa in sets[nset].items():
                inpol = sa['value'] in pol.get(int(got['nested']), {})
                if sub in ('node', 'addr'):
                    check_attr(f'{where} nest', nset, sub, pol,
                               int(got['nested']))
                elif inpol and sa['type'] != 'pad':
                    bad.append(f'{where}: output-only {nset}.{sub} '
                               'accepted by the kernel')

    value = 0
    for op in spec['operations']['list']:
        value = op.get('value', value + 1)
        name = op['name']
        cname = name.upper().replace('-', '_')
        if 'event' in op:
            if value in ops:
                bad.append(f'{name}: an event, but the kernel has an op')
            continue
        if value not in ops:
            bad.append(f'{name} ({value}): no such op in the kernel')
            continue
        if 'admin-perm' in op.get('flags', []) and \
                not ops[value]['flags'] & GENL_ADMIN_PERM:
            bad.append(f'{name}: admin-perm in the spec, not in the kernel')
        req = op.get('do', {}).get('request', {}).get('attributes', [])
        pidx = ops[value]['do']
        for a in req:
            check_attr(name, op['attribute-set'], a, pols, pidx)
        if cname in reads and sorted(reads[cname]) != sorted(req):
            bad.append(f'{name}: the handler reads {sorted(reads[cname])}, '
                       f'the spec lists {sorted(req)}')
        elif cname not in reads:
            bad.append(f'{name}: nlfuzz has no template for it')
        extra = [n for n, a in sets[op['attribute-set']].items()
                 if a['value'] in pols.get(pidx, {}) and n not in req]
        if extra:
            notes.append(f'{name}: the family-wide policy also accepts '
                         f'{", ".join(extra)} (ignored by the handler)')
        for n, a in sets[op['attribute-set']].items():
            if a['value'] in pols.get(pidx, {}) and not any(
                    n in o.get('do', {}).get('request', {}).get(
                        'attributes', []) for o in spec['operations']['list']):
                bad.append(f'{name}: {n} is output-only in the spec but '
                           'the kernel accepts it')
    specced = {o.get('value') for o in spec['operations']['list']}
    for v in ops:
        if v not in range(1, value + 1):
            bad.append(f'kernel op {v} is not in the spec ({specced})')

    for n in notes:
        print(f'# note: {n}')
    for b in bad:
        print(f'# spec_check: {b}')
    print(f'spec_check: {len(ops)} ops, {len(bad)} mismatches')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
