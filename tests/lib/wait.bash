# Bounded polling, shared by the VM tests (tests/vm/cluster.bash) and the
# guest side of the crash tests (tests/crash/guest.bash).
#
# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds; on
# timeout say so on stderr, prefixed with $WAIT_WHO if set, and fail.
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 5; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	echo "${WAIT_WHO:+$WAIT_WHO: }timed out after ${t}s: $*" >&2
	return 1
}
