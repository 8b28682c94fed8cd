#!/bin/bash
# The single-VM nemesis runner, host side: boots one VM (scripts/vm, 3 GiB)
# that runs tests/nemesis/guest.bash: three replicas in namespaces on
# device-mapper backings, the workload with a stale reader on the first
# leader, the seed's rounds of faults, and the end-of-run checks.  Prints
# one TAP line per scenario and writes OUT/summary.json (and
# OUT/SCENARIO/summary.json each); a failure prints the command that
# reproduces it (the schedule, not the TCG interleaving).
#
# usage: tests/nemesis/run.sh --seed N [--kernel 6.1|6.12] [--scenario S[:ROUNDS][@SEED]]...
#            [--rounds R] [--quiet S] [--stale-read] [--out DIR] [--timeout S]
#        tests/nemesis/run.sh --seed N [--scenario S]... [--rounds R] --dry-run
#        tests/nemesis/run.sh --long BUDGET_S [--kernels "6.1 6.12"] [--seed N]
#        tests/nemesis/run.sh --self-test
#   scenarios: net disk ops mix fs (drawn from the seed), short (make
#   check's 8 fixed kinds, shorter rounds), short-net short-opsdisk (its
#   halves); default mix, 8 rounds.
#   Several scenarios run one after another in the same VM, each on a
#   fresh cluster; @SEED gives one its own seed (then OUT/S-SEED/).
#   --stale-read loads the module with test_stale_read=1 (the negative
#   control: the run must fail).  OUT defaults to build/nemesis/SEED.
#   --long runs seeds in a row (scenarios in turn, kernels in turn) until
#   BUDGET_S seconds have passed and writes build/nemesis/long/figures.json.
# Documentation/nemesis.rst.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
export B
here=$top/tests/nemesis
seed='' kernel=6.1 rounds=8 quiet=30 stale=0 dry=0 out='' timeout='' long=''
kernels="6.1 6.12" selftest=0 scens=()

usage() { sed -n '/^# usage:/,/^# Doc/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--seed) seed=${2:?}; shift 2 ;;
	--kernel) kernel=${2:?}; shift 2 ;;
	--scenario) scens+=("${2:?}"); shift 2 ;;
	--rounds) rounds=${2:?}; shift 2 ;;
	--quiet) quiet=${2:?}; shift 2 ;;
	--stale-read) stale=1; shift ;;
	--dry-run) dry=1; shift ;;
	--out) out=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--long) long=${2:?}; shift 2 ;;
	--kernels) kernels=${2:?}; shift 2 ;;
	--self-test) selftest=1; shift ;;
	*) usage ;;
	esac
done
[ ${#scens[@]} -gt 0 ] || scens=(mix)

# ---- --self-test: the schedule is a function of the seed alone (TAP)
if [ "$selftest" = 1 ]; then
	# shellcheck source=../lib/tap.bash
	. "$top/tests/lib/tap.bash"
	dry() { "$here/guest.bash" --dry-run "$@"; }
	same_twice() {
		local a b
		a=$(dry --seed 20261201 --scenario mix --rounds 12) &&
			b=$(dry --seed 20261201 --scenario mix --rounds 12) &&
			[ -n "$a" ] && [ "$a" = "$b" ]
	}
	seeds_differ() { [ "$(dry --seed 1 --scenario mix)" != "$(dry --seed 2 --scenario mix)" ]; }
	every_kind() {
		# 200 rounds of mix draw every kind of every scenario at least once
		local s k
		s=$(dry --seed 7 --scenario mix --rounds 200)
		for k in link-down oneway-drop netem-delay netem-loss netem-reorder \
			netem-duplicate netem-corrupt dm-error-leader dm-error-follower \
			dm-delay flakey-error-writes flakey-corrupt flakey-drop-writes \
			down-force promote-storm; do
			grep -q " kind $k " <<< "$s" || { echo "# never drawn: $k"; return 1; }
		done
	}
	short_first() {
		dry --seed 3 --scenario short-net:4 | grep -q '^round 1 kind link-down target leader .* dur 25 ' &&
			dry --seed 3 --scenario short:8 | grep -q '^round 1 kind link-down target leader .* dur 25 '
	}
	fs_no_leader() { ! dry --seed 9 --scenario fs --rounds 100 | grep -q 'target leader'; }
	bad_scenario() { ! dry --seed 1 --scenario nosuch 2>/dev/null; }
	tap_run "dry-run: the same seed prints the same schedule twice" same_twice
	tap_run "dry-run: two seeds give two schedules" seeds_differ
	tap_run "dry-run: mix draws every fault kind" every_kind
	tap_run "dry-run: short-net and short start by cutting the leader off for 25 s" short_first
	tap_run "dry-run: fs never targets the leader" fs_no_leader
	tap_run "dry-run: an unknown scenario is refused" bad_scenario
	exit "$failed"
fi

[ -n "$seed" ] || seed=${NEMESIS_SEED:-$(date +%Y%m%d)}
case "$seed$rounds$quiet${timeout:-0}${long:-0}" in *[!0-9]*) echo "nemesis: numbers expected" >&2; exit 2 ;; esac

if [ "$dry" = 1 ]; then
	a=()
	for s in "${scens[@]}"; do a+=(--scenario "$s"); done
	exec "$here/guest.bash" --dry-run --seed "$seed" --rounds "$rounds" "${a[@]}"
fi

# ---- --long: seeds in a row until the budget is spent
if [ -n "$long" ]; then
	ldir=$B/nemesis/long
	mkdir -p "$ldir"
	: > "$ldir/runs"
	start=$SECONDS
	read -ra ks <<< "$kernels"
	all=(net disk ops mix)
	i=0 rc=0
	while [ $((SECONDS - start)) -lt "$long" ]; do
		k=${ks[i % ${#ks[@]}]}
		s=${all[(i / ${#ks[@]}) % ${#all[@]}]}
		sd=$((seed + i))
		o=$ldir/$k/$sd-$s
		"$0" --seed "$sd" --kernel "$k" --scenario "$s" --rounds "$rounds" \
			--out "$o" || rc=1
		[ -f "$o/summary.json" ] && jq -c . "$o/summary.json" >> "$ldir/runs"
		i=$((i + 1))
	done
	jq -s '{runs: length, seconds: '"$((SECONDS - start))"',
		ops: (map(.ops) | add), unknown: (map(.unknown) | add),
		faults: (map(.faults | to_entries[]) | group_by(.key) |
			map({(.[0].key): (map(.value) | add)}) | add),
		verdicts: (group_by(.verdict) | map({(.[0].verdict): length}) | add),
		failed: map(select(.verdict != "ok") | .reproduce)}' \
		"$ldir/runs" > "$ldir/figures.json"
	cat "$ldir/figures.json"
	exit "$rc"
fi

"$top/scripts/kernels.sh" "$kernel" > /dev/null || exit 2
kver=$("$top/scripts/kernels.sh" "$kernel")
for f in "$B/kmod-test/$kver/synod.ko" "$B/user/synodctl"; do
	[ -f "$f" ] || { echo "nemesis: no $f: run make first" >&2; exit 2; }
done
out=${out:-$B/nemesis/$seed}
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
nr=0
a=()
for s in "${scens[@]}"; do
	a+=(--scenario "$s")
	r=${s%@*}
	if [ "$r" = "${r#*:}" ]; then nr=$((nr + rounds)); else nr=$((nr + ${r#*:})); fi
done
[ "$stale" = 1 ] && a+=(--stale-read)
# a round lasts at most 25 s plus its heal; setup, quiet and checks ~4 min;
# four times that on the debug kernel (KASAN, lockdep, one TCG thread:
# rounds took about 105 s there)
slow=1
case "$kernel" in debug|*-synod-debug) slow=4 ;; esac
timeout=${timeout:-$(((nr * 60 + ${#scens[@]} * (quiet + 240) + 120) * slow))}

echo "nemesis: seed $seed kernel $kernel scenarios ${scens[*]} (NEMESIS_SEED=$seed reproduces the schedule)"
"$top/scripts/vm" --kernel "$kernel" --mem 3072 --timeout "$timeout" --run-dir "$out" \
	-- "$here/guest.bash" --seed "$seed" --out "$out" --rounds "$rounds" \
	--quiet "$quiet" "${a[@]}"
vmrc=$?

# one TAP line per scenario, from its summary
t=0 rc=0 sums=()
for s in "${scens[@]}"; do
	t=$((t + 1)) sd=$seed d=${s%%[:@]*}
	[[ $s == *@* ]] && sd=${s#*@} d=$d-$sd
	s=${s%%[:@]*}
	f=$out/$d/summary.json
	if [ -f "$f" ]; then
		sums+=("$f")
		v=$(jq -r .verdict "$f")
		line="nemesis $s seed $sd on $kernel: $(jq -r '"\(.ops) ops, \(.unknown) unknown, faults \(.faults | to_entries | map("\(.key)=\(.value)") | join(" ")), verdict \(.verdict)"' "$f")"
		if [ "$v" = ok ]; then
			echo "ok $t - $line"
		else
			echo "not ok $t - $line"
			echo "#   $(jq -r '.reasons | join("; ")' "$f")"
			echo "#   reproduce: $(jq -r .reproduce "$f")"
			rc=1
		fi
	else
		echo "not ok $t - nemesis $s seed $sd on $kernel: no summary (VM exit $vmrc)"
		echo "#   reproduce: make nemesis SEED=$sd KERNEL=$kernel SCENARIO=$s"
		rc=1
	fi
done
if [ ${#sums[@]} -eq 1 ]; then
	cp "${sums[0]}" "$out/summary.json"
elif [ ${#sums[@]} -gt 1 ]; then
	jq -s '{seed: .[0].seed, kernel: .[0].kernel,
		scenario: (map(.scenario) | join("+")),
		ops: (map(.ops) | add), unknown: (map(.unknown) | add),
		faults: (map(.faults | to_entries[]) | group_by(.key) |
			map({(.[0].key): (map(.value) | add)}) | add // {}),
		verdict: (map(.verdict) | if all(. == "ok") then "ok"
			elif any(. == "violation") then "violation"
			elif any(. == "gave-up") then "gave-up" else "error" end),
		reproduce: (map(select(.verdict != "ok") | .reproduce) | join("; ")),
		runs: .}' "${sums[@]}" > "$out/summary.json"
fi
[ "$vmrc" = 0 ] || [ "$rc" = 1 ] || { echo "nemesis: the VM exited $vmrc"; rc=1; }
echo "nemesis: results in $out"
exit "$rc"
