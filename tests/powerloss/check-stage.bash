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
