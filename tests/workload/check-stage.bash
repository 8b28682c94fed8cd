# shellcheck shell=bash
# make-check stage of tests/workload (sourced by scripts/check.sh, which
# sets top and defines stage): synod-load on a host file with O_DIRECT,
# checked by lincheck (tests/workload/selftest.sh), about 30 s.  The
# real-kernel run is tests/vm/workload.bats, in the vm-K stages.
# shellcheck disable=SC2154
host_stages() {
	stage --timeout 300 workload make -C "$top" --no-print-directory \
		workload-check
}
