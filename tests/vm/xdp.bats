#!/usr/bin/env bats
# XDP smoke: an XDP program calling synod's kfunc loads on the stock
# kernel, runs once per received packet, and the module counts the calls.
# This keeps the module BTF + kfunc chain honest on every kernel.
#
#   ns "synod-xa"                 ns "synod-xb"
#   veth xa0 192.0.2.1/24 <-----> veth xb0 192.0.2.2/24  [XDP: xdp_smoke]

# TOP, B, KO, CTL; synod_setup marks the kernel log and synod_teardown
# fails the test on a warning, BUG or oops logged since the mark
load helpers

PROG=$B/bpf/xdp_smoke.bpf.o
PIN=/sys/fs/bpf/synod_xdp_smoke

xa() { ip netns exec synod-xa "$@"; }
xb() { ip netns exec synod-xb "$@"; }
# bpftool must see the pin in /sys/fs/bpf, but "ip netns exec" remounts
# /sys for the namespace; nsenter switches only the network namespace.
xbnet() { nsenter --net=/run/netns/synod-xb "$@"; }

calls() {
	"$CTL" -j stats | sed -n 's/.*"xdp_kfunc_calls": *\([0-9]*\).*/\1/p'
}

setup() {
	synod_setup
	ip netns add synod-xa
	ip netns add synod-xb
	ip link add xa0 netns synod-xa type veth peer name xb0 netns synod-xb
	xa ip addr add 192.0.2.1/24 dev xa0
	xb ip addr add 192.0.2.2/24 dev xb0
	xa ip link set xa0 up
	xb ip link set xb0 up
	xa ip link set lo up
	xb ip link set lo up
}

teardown() {
	xbnet bpftool net detach xdp dev xb0 2>/dev/null || true
	rm -f "$PIN"
	ip netns del synod-xa 2>/dev/null || true
	ip netns del synod-xb 2>/dev/null || true
	# a detached program is freed after an RCU grace period; until then
	# it holds the module
	for _ in $(seq 50); do
		lsmod | grep -q '^synod ' || break
		rmmod synod 2>/dev/null && break
		sleep 0.1
	done
	synod_teardown
}

@test "xdp: the program calling synod_xdp_ping() loads and attaches" {
	run bpftool prog load "$PROG" "$PIN" type xdp
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run xbnet bpftool net attach xdp pinned "$PIN" dev xb0
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run xbnet ip link show dev xb0
	echo "$output"
	[[ "$output" == *"prog/xdp id"* ]]
}

@test "xdp: the kfunc runs once per received packet and the count is read over netlink" {
	before=$(calls)
	[ -n "$before" ]
	bpftool prog load "$PROG" "$PIN" type xdp
	xbnet bpftool net attach xdp pinned "$PIN" dev xb0
	# 5 echo requests reach xb0; ARP adds a few more frames.
	xa ping -c 5 -i 0.2 -W 2 192.0.2.2
	after=$(calls)
	echo "calls before=$before after=$after"
	[ "$after" -ge $((before + 5)) ]
	[ "$after" -le $((before + 20)) ]
}

@test "xdp: the module cannot be removed while a program uses its kfunc" {
	bpftool prog load "$PROG" "$PIN" type xdp
	run rmmod synod
	[ "$status" -ne 0 ]
	rm -f "$PIN"
	# the program is freed after an RCU grace period
	for _ in $(seq 50); do rmmod synod 2>/dev/null && break; sleep 0.1; done
	! lsmod | grep -q '^synod ' || false
}
