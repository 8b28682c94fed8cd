# Bounded polling, shared by the VM tests (tests/vm/cluster.bash) and the
# guest side of the crash tests (tests/crash/guest.bash).
#
# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds; on
# timeout say so on stderr, prefixed with $WAIT_WHO if set, and fail.
#
# The bound is SECONDS x 5 tries, and also $WAIT_SLACK (default 3) times
# SECONDS of wall clock: a CMD that itself takes seconds (a status poll
# of two nodes on a loaded host) made a `wait_for 120` run past 20
# minutes on tries alone (session 32).  The slack keeps a wait that
# passes on a slow host passing; what it cuts is a wait already lost.
# On the debug kernel (KASAN, lockdep, one TCG thread: every poll several
# times slower) the default is 10.
case $(uname -r) in
*-synod-debug) : "${WAIT_SLACK:=10}" ;;
esac

wait_for() {
	local t=$1 n=0 start=$SECONDS
	shift
	while ((n < t * 5)); do
		n=$((n + 1))
		"$@" && return 0
		((SECONDS - start > ${WAIT_SLACK:-3} * t)) && break
		sleep 0.2
	done
	echo "${WAIT_WHO:+$WAIT_WHO: }timed out after ${t}s ($n tries in $((SECONDS - start)) s): $*" >&2
	return 1
}
