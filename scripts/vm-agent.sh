#!/bin/bash
# Guest side of scripts/vmctl: the command a long-lived VM runs instead of
# a test.  It serves requests that the host drops into RUN/req (RUN is
# the VM's writable 9p run directory, mounted at the same path as on the
# host), several at a time:
#
#   host writes  req/ID.cmd       a bash script (renamed into place)
#   agent        req/ID.run       the script, claimed
#                req/ID.pid       its process group (setsid)
#                req/ID.out       stdout and stderr, as they come
#                req/ID.rc        exit status, renamed into place at the end
#   host writes  req/ID.cancel    kill the script's process group
#   host writes  RUN/poweroff     leave the loop: scripts/vm-guest.sh then
#                                 saves the kernel log and powers off
#
# RUN/ready appears once the agent serves.  Polling a 9p directory is
# crude but needs nothing in the guest beyond bash, and under TCG the
# 0.1 s period costs little next to starting a process.
#
# usage (inside a scripts/vm guest): scripts/vm-agent.sh RUN
set -u
run=${1:?usage: vm-agent.sh RUN}
req=$run/req
mkdir -p "$req"
echo "vm-agent: serving $req on $(uname -r)"
: > "$run/ready"

start() {
	local id=$1
	mv "$req/$id.cmd" "$req/$id.run" 2>/dev/null || return 0
	setsid bash -c 'bash "$1.run" > "$1.out" 2>&1 < /dev/null
			echo $? > "$1.rc.tmp"; mv "$1.rc.tmp" "$1.rc"' \
		vm-agent-req "$req/$id" &
	echo $! > "$req/$id.pid"
}

cancel() {
	local id=$1 pid
	pid=$(cat "$req/$id.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null
	rm -f "$req/$id.cancel"
	echo "vm-agent: cancelled $id"
}

while [ ! -e "$run/poweroff" ]; do
	for f in "$req"/*.cmd; do
		[ -e "$f" ] || continue
		f=${f##*/}
		start "${f%.cmd}"
	done
	for f in "$req"/*.cancel; do
		[ -e "$f" ] || continue
		f=${f##*/}
		cancel "${f%.cancel}"
	done
	sleep 0.1
done
echo "vm-agent: powering off"
