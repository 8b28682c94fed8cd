#!/bin/bash
# Checks that the shell tests can fail where they mean to: prints TAP.
#
#   1. No test line is a bare '[ A ] && [ B ]'.  Under bats (errexit and
#      an ERR trap) a failure left of '&&' does not fail the test, so
#      such a line checks only B.  Write two lines.  (A predicate
#      function whose last command is such a list is fine: its status
#      is its return value.)
#   2. No '! cmd' line ends a statement that is not a test's last
#      (errexit ignores '!'): such lines end in '|| false'.
#   3. VM tests grep the kernel log only since their own mark
#      (kernel_log_since_mark): a bare 'dmesg | grep' also matches the
#      lines of earlier tests in the same VM.
#
# usage: tests/host/tests_lint.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# tap STATUS DESCRIPTION; $n and $failed
. "$top/tests/lib/tap.bash"

echo "1..3"
cd "$top" || exit 1
files=(tests/vm/*.bats tests/vm/*.bash tests/crash/*.bats tests/crash/*.bash)

# 1: '[ ... ] && [ ... ]' as a whole line
bad=$(grep -nE '^[[:space:]]*\[ .* \] && \[ .* \][[:space:]]*$' "${files[@]}")
[ -z "$bad" ] || echo "$bad" | sed 's/^/# only the right side is checked: /'
tap "$([ -z "$bad" ]; echo $?)" "no test line checks only the right side of '&&'"

# 2: '! cmd' not followed by '|| false', unless the next line closes the
# test or function (then its status is the result)
bad=$(awk '
	FNR == 1 { prev = "" }
	prev != "" && $0 !~ /^[[:space:]]*}[[:space:]]*$/ { print prev_at; }
	{ prev = ""; }
	/^[[:space:]]*! / && $0 !~ /\|\| false[[:space:]]*$/ && $0 !~ /[\\|&]$/ {
		prev = $0; prev_at = FILENAME ":" FNR ": " $0
	}' "${files[@]}")
[ -z "$bad" ] || echo "$bad" | sed 's/^/# a "!" that errexit ignores: /'
tap "$([ -z "$bad" ]; echo $?)" "every '! cmd' that is not a test's last line ends in '|| false'"
# 3: 'dmesg | grep' in a VM test
bad=$(grep -nE '^[[:space:]]*dmesg \| grep' tests/vm/*.bats)
[ -z "$bad" ] || echo "$bad" | sed 's/^/# reads the whole kernel log: /'
tap "$([ -z "$bad" ]; echo $?)" "VM tests grep the kernel log since their own mark"
exit "$failed"
