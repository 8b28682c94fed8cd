#!/bin/bash
# scripts/check.sh's own test: a stage file is picked up, every stage
# prints its time, and a stage that outlives its timeout counts as one
# failure named "timed out after S s" (and is killed, not waited for).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/check-stage.bash" <<'EOS'
host_stages() {
	stage quick echo "ok 1 - quick"
	stage --timeout 2 sleeper sleep 60
	pending_stage "not ready" --timeout 5 later echo "ok 1 - later ran"
}
vm_stages() {
	on_kernel last "$1" && stage "once-$1" echo "ok 1 - once on $1"
	return 0
}
EOS
# shellcheck source=../lib/tap.bash
. "$top/tests/lib/tap.bash"
t0=$SECONDS
B=$tmp/b STAGES='^(quick|sleeper|later)$' CHECK_STAGE_FILES="$tmp/check-stage.bash" \
	"$top/scripts/check.sh" > "$tmp/out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/out"
tap_run "check.sh fails when a stage times out" [ "$rc" -ne 0 ]
tap_run "the stage file's stage ran" grep -q '^ok 1 - quick' "$tmp/out"
tap_run "each stage prints its time" grep -qE '^=== quick: [0-9]+ s$' "$tmp/out"
tap_run "a timed-out stage is one named failure" \
	grep -q 'sleeper: timed out after 2 s' "$tmp/out"
tap_run "a pending stage is a skip with its reason" \
	grep -q '^ok 1 - later # SKIP pending: not ready' "$tmp/out"
tap_run "the summary counts them" grep -qx '1 passed, 1 failed, 1 skipped' "$tmp/out"
tap_run "the timed-out stage was killed, not waited for" [ $((SECONDS - t0)) -lt 30 ]
tap_run "the total time is printed" grep -qE '^Total time: [0-9]+ s$' "$tmp/out"

# A stage for one kernel runs on the last of KERNELS only, and on each
# with VM_FULL=1.
for full in 0 1; do
	B=$tmp/b STAGES='^once-' KERNELS="ka kb" VM_FULL=$full \
		CHECK_STAGE_FILES="$tmp/check-stage.bash" \
		"$top/scripts/check.sh" > "$tmp/out$full" 2>&1
	sed 's/^/# /' "$tmp/out$full"
done
tap_run "a one-kernel stage runs on the last kernel" \
	grep -q '^ok 1 - once on kb' "$tmp/out0"
not_on_ka() { ! grep -q 'once on ka' "$tmp/out0"; }
on_both() { grep -q 'once on ka' "$tmp/out1" && grep -q 'once on kb' "$tmp/out1"; }
tap_run "and not on the others" not_on_ka
tap_run "VM_FULL=1 runs it on every kernel" on_both
echo "1..$n"
exit $failed
