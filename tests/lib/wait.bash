# Bounded polling, shared by the VM tests (tests/vm/cluster.bash), the
# guest side of the crash tests (tests/crash/guest.bash) and the nemesis
# runner (tests/nemesis/guest.bash).
#
# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds; on
# timeout say so on stderr, prefixed with $WAIT_WHO if set, and fail.
#
# The bound is SECONDS x 5 tries, and polling also stops once
# $WAIT_SLACK (default 3) times SECONDS of wall clock have passed: a CMD
# that itself takes seconds (a status poll of two nodes on a loaded
# host) made a `wait_for 120` run past 20 minutes on tries alone
# (session 32).  The slack keeps a wait that passes on a slow host
# passing; what it cuts is a wait already lost.  On the debug kernel
# (KASAN, lockdep, one TCG thread: every poll several times slower) the
# default is 10.  Read without a fork: forks are dear under TCG.
read -r _wait_rel < /proc/sys/kernel/osrelease || _wait_rel=
case $_wait_rel in
*-synod-debug) : "${WAIT_SLACK:=10}" ;;
esac

# Its locals are named apart: bash scopes them dynamically, so CMD sees
# them, and one of CMD's own without `local` must not change the count.
wait_for() {
	local _wf_t=$1 _wf_n=0 _wf_start=$SECONDS
	shift
	while ((_wf_n < _wf_t * 5)); do
		_wf_n=$((_wf_n + 1))
		"$@" && return 0
		((SECONDS - _wf_start > ${WAIT_SLACK:-3} * _wf_t)) && break
		sleep 0.2
	done
	echo "${WAIT_WHO:+$WAIT_WHO: }timed out after ${_wf_t}s ($_wf_n tries in $((SECONDS - _wf_start)) s): $*" >&2
	return 1
}
