#!/bin/bash
# make check: every test tier, fastest first, on every supported kernel.
#
# Each stage prints TAP-style lines ("ok ..." / "not ok ..."); we count
# them across stages.  A stage that fails without naming a failed test
# counts as one failure, so a crash or build error is never lost.  The
# last line is the summary "N passed, N failed[, N skipped]".
#
# usage: scripts/check.sh            (KERNELS="6.1 6.12" by default)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$top/build}
export B
KERNELS=${KERNELS:-6.1 6.12}
log=$B/check.log
mkdir -p "$B"
: > "$log"
pass=0 fail=0 skip=0
failed_names=()

# stage NAME COMMAND...: run, stream output, count results.
stage() {
	local name=$1 out rc p f s
	shift
	echo "=== $name: $*"
	out=$B/check-stage.out
	"$@" 2>&1 | tee "$out" | tee -a "$log"
	rc=${PIPESTATUS[0]}
	s=$(grep -cE '^ok .*# *(skip|SKIP)' "$out")
	p=$(grep -cE '^ok ' "$out")
	p=$((p - s))
	f=$(grep -cE '^not ok ' "$out")
	while IFS= read -r l; do failed_names+=("$name: $l"); done \
		< <(grep -E '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		failed_names+=("$name: exited $rc")
	elif [ "$rc" -eq 0 ] && [ $((p + f + s)) -eq 0 ]; then
		p=1	# a stage without its own test lines passes as one
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	echo "=== $name: $p passed, $f failed, $s skipped (exit $rc)"
}

stage build make -C "$top" --no-print-directory all
stage docs "$top/tests/host/docs_check.sh"
stage lint "$top/tests/host/tests_lint.sh"
stage unit make -C "$top" --no-print-directory unit-check
if grep -q '^sim-check:' "$top/tests/sim/sim.mk" 2>/dev/null; then
	stage sim make -C "$top" --no-print-directory sim-check
fi
stage kunit "$top/scripts/kunit.sh" "$B"
# scripts/vm itself, from a checkout under /tmp (one short boot)
stage vm-tmp "$top/tests/host/vm_tmp.sh" "${KERNELS%% *}"
for k in $KERNELS; do
	stage "vm-$k" "$top/scripts/vm" --kernel "$k" --timeout 2400 -- \
		bats --tap "$top/tests/vm"
done
for k in $KERNELS; do
	stage "crash-$k" "$top/tests/crash/run.sh" --kernel "$k"
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "Failed:"
	printf '  %s\n' "${failed_names[@]}"
fi
echo "Full log: $log"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
