# shellcheck shell=bash
# make-check stages of tests/debug (sourced by scripts/check.sh, which sets
# top and defines stage).  make check-debug itself is not a stage: it
# needs the debug kernel (make debug-kernel) and an hour or more of VM.
# shellcheck disable=SC2154
host_stages() {
	stage --timeout 60 debug-splats "$top/tests/debug/selftest.sh"
}
