#!/bin/bash
# Checks that the shell tests can fail where they mean to: prints TAP.
#
#   1. No test line is a bare '[ A ] && [ B ]' (or '[[ A ]] && [[ B ]]',
#      on one line or split after the '&&').  Under bats (errexit and an
#      ERR trap) a failure left of '&&' does not fail the test, so such
#      a line checks only B.  Write two lines.  (A predicate function
#      whose last command is such a list is fine: its status is its
#      return value.)
#   2. No '! cmd' line ends a statement that is not a test's last
#      (errexit ignores '!'): such lines end in '|| false'.
#   3. VM tests grep the kernel log only since their own mark
#      (kernel_log_since_mark): a bare 'dmesg | grep' also matches the
#      lines of earlier tests in the same VM.  Any dmesg in tests/vm
#      counts, not only at the start of a line, unless cut at a mark
#      or only printed for a reader (to stderr).
#
# usage: tests/host/tests_lint.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# tap STATUS DESCRIPTION; $n and $failed
. "$top/tests/lib/tap.bash"

echo "1..3"
cd "$top" || exit 1
files=(tests/vm/*.bats tests/vm/*.bash tests/crash/*.bats tests/crash/*.bash)

# 1: '[ ... ] && [ ... ]' (or '[[ ... ]]') as a whole line, or split
# after the '&&' over lines, unless it is the last statement before a
# closing '}' (a predicate function's return value)
bad=$(grep -nE '^[[:space:]]*\[\[? .* \]\]? && \[\[? .* \]\]?[[:space:]]*$' "${files[@]}"
	awk '
	FNR == 1 { at = ""; cont = 0 }
	at != "" && !cont {
		if (!guarded && $0 !~ /^[[:space:]]*}[[:space:]]*$/) print at
		at = ""
	}
	at != "" && cont {
		cont = ($0 ~ /(&&|\\)[[:space:]]*$/)
		if ($0 ~ /\|\|/) guarded = 1	# "... || return 1"
	}
	at == "" && /^[[:space:]]*\[\[? .* \]\]? &&[[:space:]]*$/ {
		at = FILENAME ":" FNR ": " $0; cont = 1; guarded = 0
	}' "${files[@]}")
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
# 3: dmesg in a VM test or helper, anywhere on a line ('if dmesg |
# grep', 'grep X <(dmesg)', 'run bash -c "dmesg | grep"'), unless cut at
# a mark ('dmesg | sed -n "/MARK/,$p"') or only printed for a reader
# (the line ends in '>&2')
bad=$(grep -nE '(^|[^[:alnum:]_-])dmesg([^[:alnum:]_-]|$)' tests/vm/*.bats tests/vm/*.bash |
	grep -vE '^[^:]*:[0-9]+:[[:space:]]*#' |
	grep -vE "dmesg \\| sed -n [\"']/" |
	grep -vE '>&2[[:space:]]*$')
[ -z "$bad" ] || echo "$bad" | sed 's/^/# reads the whole kernel log: /'
tap "$([ -z "$bad" ]; echo $?)" "VM tests grep the kernel log since their own mark"
exit "$failed"
