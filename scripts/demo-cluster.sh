#!/bin/bash
# The cluster demo, run inside a VM by `make demo`: three replicas of one
# volume in three network namespaces, ext4 on the leader, the leader cut
# off, failover to another replica, the files checked there, status.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$top/build}
ko=$B/kmod/$(uname -r)/synod.ko
ctl=$B/user/synodctl

step() { printf '\n\033[1m## %s\033[0m\n' "$*"; }
run() { echo "# $*"; "$@"; }
in_node() { local n=$1; shift; ip netns exec "synod-c$n" "$@"; }
addr() { echo "10.77.0.$(($1 + 1))"; }
field() {
	in_node "$1" "$ctl" -j status r0 | python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d[0] if isinstance(d, list) else d
print(d.get(sys.argv[1]))' "$2"
}
wait_leader() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(field "$1" role)" = leader ] && return 0
		(( i % 10 == 0 )) && in_node "$1" "$ctl" volume promote r0 || true
		sleep 0.3
	done
	echo "demo: node $1 did not become leader" >&2
	return 1
}

step "load the module ($(uname -r)); three namespaces on a bridge"
run insmod "$ko"
modprobe loop
ip link add synbr type bridge && ip link set synbr up
head -c 32 /dev/urandom | base64 > /tmp/r0.key
for n in 0 1 2; do
	ip netns add "synod-c$n"
	ip link add "synv$n" type veth peer name eth0 netns "synod-c$n"
	ip link set "synv$n" master synbr up
	in_node $n ip addr add "$(addr $n)/24" dev eth0
	in_node $n ip link set eth0 up
	in_node $n ip link set lo up
	truncate -s 128M "/tmp/backing$n.img"
	eval "loop$n=$(losetup -f --show /tmp/backing$n.img)"
done

step "create replica r0 on nodes 0, 1, 2 and bring them up"
for n in 0 1 2; do
	peers=()
	for p in 0 1 2; do
		[ $p = $n ] || peers+=(--peer "$p=$(addr $p):7790")
	done
	l=loop$n
	run in_node $n "$ctl" volume create r0 --backing "${!l}" --node $n \
		--listen "$(addr $n):7790" "${peers[@]}" \
		--secret-file /tmp/r0.key --on-no-quorum error
	run in_node $n "$ctl" volume up r0
done

step "promote node 0; ext4 on its disk; write files"
run in_node 0 "$ctl" volume promote r0
wait_leader 0
d0=$(field 0 device)
run mkfs.ext4 -q "$d0"
mkdir -p /srv/r0
run mount "$d0" /srv/r0
for i in 1 2 3; do head -c 200K /dev/urandom > /srv/r0/file$i; done
sync
(cd /srv/r0 && sha256sum file1 file2 file3) | tee /tmp/r0.sums
run in_node 0 "$ctl" status r0

step "cut the leader (node 0) off the network"
run in_node 0 ip link set eth0 down
umount -l /srv/r0 || true

step "promote node 1; check the files there"
run in_node 1 "$ctl" volume promote r0
wait_leader 1
d1=$(field 1 device)
run fsck.ext4 -fn "$d1"
run mount "$d1" /srv/r0
(cd /srv/r0 && sha256sum -c /tmp/r0.sums)
run umount /srv/r0

step "heal: node 0 comes back as a follower"
run in_node 0 ip link set eth0 up
for ((i = 0; i < 60; i++)); do
	[ "$(field 0 role)" = follower ] && break
	sleep 0.3
done
for n in 0 1 2; do run in_node $n "$ctl" status r0; done
run in_node 1 "$ctl" -j -p status r0

step "clean up"
for n in 0 1 2; do
	in_node $n "$ctl" volume down r0 --force
	in_node $n "$ctl" volume delete r0
	ip netns del "synod-c$n"
done
run rmmod synod
losetup -D
echo
echo "demo: done"
