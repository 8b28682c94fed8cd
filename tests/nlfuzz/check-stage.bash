# shellcheck shell=bash
# make-check stage of tests/nlfuzz (sourced by scripts/check.sh, which
# sets top and defines stage): the netlink fuzzer in one VM on the last
# kernel (every kernel with VM_FULL=1: scripts/check.sh says why),
# 3000 requests against a live three-replica cluster and decoys
# (Documentation/nlfuzz.rst).  The seed rotates with the hour unless
# NLFUZZ_SEED is set; the guest prints it and the command that
# reproduces a failure.
# shellcheck disable=SC2154
vm_stages() {
	local k=$1 seed=${NLFUZZ_SEED:-$(date -u +%Y%m%d%H)}
	on_kernel last "$k" || return 0
	stage --timeout 300 "nlfuzz-$k" "$top/scripts/vm" --kernel "$k" \
		--timeout 280 -- "$top/tests/nlfuzz/guest.bash" \
		--seed "$seed" --count "${NLFUZZ_COUNT:-3000}"
}
