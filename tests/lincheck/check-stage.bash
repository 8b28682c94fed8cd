# shellcheck shell=bash
# make-check stage of tests/lincheck (sourced by scripts/check.sh, which
# sets top and defines stage): the checker's cases, simulator histories
# and the READ_NO_INDEX mutant (tests/lincheck/check.sh), about 10 s.
# shellcheck disable=SC2154
host_stages() {
	stage --timeout 300 lincheck make -C "$top" --no-print-directory \
		lincheck-check
}
