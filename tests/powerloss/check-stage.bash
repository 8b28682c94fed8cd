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

# One VM, on the newest kernel of KERNELS only (make powerloss KERNEL=6.1
# runs the other): the ext4 proof of lwreplay (8 marks, 5 flush points),
# then synod (3 marks x exact and subset, 10 flush points per replica).
# About 8 to 10 minutes under TCG; on every kernel it would take make
# check past its 90-minute CI budget.  POWERLOSS_SEED fixes the seed
# (default: today's date, printed with the command to reproduce).
vm_stages() {
	on_kernel last "$1" || return 0
	stage --timeout 900 "powerloss-$1" "$top/tests/powerloss/run.sh" \
		--kernel "$1"
}
