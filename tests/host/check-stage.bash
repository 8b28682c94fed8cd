# shellcheck shell=bash
# make-check stages of tests/host (sourced by scripts/check.sh, which sets
# top and defines stage).
# shellcheck disable=SC2154
host_stages() {
	stage --timeout 120 check-sh "$top/tests/host/check_sh.sh"
	stage --timeout 300 shellcheck "$top/tests/host/shellcheck.sh"
	stage --timeout 120 jring "$top/tests/host/jring_check.sh"
}
