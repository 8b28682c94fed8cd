# TAP output for the host-side check scripts (tests/host/docs_check.sh,
# tests/sim/check.sh).  Source it, call tap once per check, print "1..$n"
# before the first or after the last, and exit $failed.
#
# tap STATUS DESCRIPTION: the next TAP line, "ok" if STATUS is 0 and
# "not ok" (setting failed=1) otherwise.
# tap_run DESCRIPTION COMMAND...: run COMMAND, then tap its status.
# shellcheck disable=SC2034 # n and failed: read by the sourcing script
n=0 failed=0
tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

tap_run() {
	local desc=$1

	shift
	"$@"
	tap $? "$desc"
}
