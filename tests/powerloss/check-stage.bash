# shellcheck shell=bash
# make-check stages of tests/powerloss (sourced by scripts/check.sh, which
# sets top and B and defines stage).  Documentation/powerloss.rst.
# shellcheck disable=SC2154
host_stages() {
	local work="$B/powerloss/host"
	mkdir -p "$work"
	stage --timeout 60 lwreplay "$B/tests/lwreplay_test" \
		"$B/tests/lwreplay" "$work"
}

# One VM per kernel: ext4 proof of lwreplay, then synod (3 marks x exact
# and subset, 10 flush points per replica).  POWERLOSS_SEED fixes the
# seed (default: today's date, printed with the command to reproduce).
vm_stages() {
	pending_stage "not yet run in a VM" --timeout 420 "powerloss-$1" "$top/tests/powerloss/run.sh" \
		--kernel "$1"
}
