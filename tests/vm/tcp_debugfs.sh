#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The TCP transport, end to end, in one VM: three nodes in three network
# namespaces on a bridge.  Needs a module built with the test hook:
#
#   make B=$PWD/build kmod KCFLAGS='-Werror -DSYNOD_TCP_DEBUGFS'
#   scripts/vm --kernel 6.1 --mem 1024 -- bash tests/vm/tcp_debugfs.sh
#
#      ns n0                ns n1                ns n2
#   node 0 (t0)          node 1 (t1)          node 2 (t2, t3 = impostor)
#   10.9.0.1 fd00::1     10.9.0.2 fd00::2     10.9.0.3 fd00::3
#      veth0                veth1                veth2
#        \                    |                    /
#         vb0 -------------- br0 (ns sw) -------- vb2
#
# Every node listens on [::]:7790 (dual stack); the links mix IPv4 and
# IPv6.  Checks: frames in order and intact between all pairs, oversize
# refused, wrong secret / cluster / unknown node refused and counted, a
# link cut with "ip link set down" noticed and healed, stop/start,
# set_peer, and after destroy and rmmod no thread, socket or kernel
# complaint.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$TOP/build}
KO=$B/kmod/$(uname -r)/synod.ko
CTL=/sys/module/synod/parameters/tcp_debug
PORT=7790
fails=0

log() { echo "tcp_debugfs: $*"; }
fail() { log "FAIL: $*"; fails=$((fails + 1)); }
ok() { log "ok: $*"; }

cleanup() {
	for id in 0 1 2 3; do echo "destroy $id" > $CTL 2>/dev/null; done
	for ns in n0 n1 n2 sw; do ip netns del $ns 2>/dev/null; done
	rmmod synod 2>/dev/null
}
trap cleanup EXIT

# cmd NS LINE: write one command to the hook from namespace NS
cmd() { ip netns exec "$1" sh -c "echo '$2' > $CTL"; }
# val T N KEY: a counter of transport T about node N (N "-" for the t line)
val() {
	if [ "$2" = - ]; then
		awk -v t="t$1" -v k="$3" '$1 == t && $2 == "self" {
			for (i = 3; i < NF; i++) if ($i == k) print $(i + 1) }' $CTL
	else
		awk -v t="t$1" -v n="n$2" -v k="$3" '$1 == t && $2 == n {
			for (i = 3; i < NF; i++) if ($i == k) print $(i + 1) }' $CTL
	fi
}
# wait_for SECONDS CONDITION...: poll every 0.2 s; prints the time taken
wait_for() {
	local limit=$1 start=$SECONDS
	shift
	while ! "$@"; do
		[ $((SECONDS - start)) -ge "$limit" ] && return 1
		sleep 0.2
	done
	echo $((SECONDS - start))
}
all_connected() {
	local a b
	for a in 0 1 2; do for b in 0 1 2; do
		[ $a = $b ] && continue
		[ "$(val $a $b state)" = 2 ] || return 1
	done; done
}
peer_state_is() { [ "$(val $1 $2 state)" = "$3" ]; }
delivered() {	# every frame sent from a to b arrived
	local a b
	for a in 0 1 2; do for b in 0 1 2; do
		[ $a = $b ] && continue
		[ "$(val $a $b sent)" = "$(val $b $a rx)" ] || return 1
	done; done
}
check_clean() {	# no gaps, reorders or corruption anywhere
	local a b bad=0
	for a in 0 1 2; do for b in 0 1 2; do
		[ $a = $b ] && continue
		for k in gaps reorder corrupt; do
			v=$(val $a $b $k)
			[ "$v" = 0 ] || { fail "t$a from n$b: $k=$v"; bad=1; }
		done
	done; done
	return $bad
}
send_all() {	# send_all COUNT SIZE
	local a b
	for a in 0 1 2; do for b in 0 1 2; do
		[ $a = $b ] && continue
		cmd n$a "send $a $b $1 $2" || fail "send $a->$b $1x$2"
	done; done
}

# ---- topology -------------------------------------------------------------
insmod "$KO" || { log "cannot insmod $KO"; exit 1; }
[ -w $CTL ] || { log "no $CTL: build with KCFLAGS=-DSYNOD_TCP_DEBUGFS"; exit 1; }
echo "tcp_debugfs: start" > /dev/kmsg
ip netns add sw
ip -n sw link add br0 type bridge
ip -n sw link set br0 up
for i in 0 1 2; do
	ip netns add n$i
	ip link add veth$i netns n$i type veth peer name vb$i netns sw
	ip -n sw link set vb$i master br0 up
	ip -n n$i link set lo up
	ip -n n$i addr add 10.9.0.$((i + 1))/24 dev veth$i
	ip -n n$i addr add fd00::$((i + 1))/64 dev veth$i nodad
	ip -n n$i link set veth$i up
done
A4=(10.9.0.1 10.9.0.2 10.9.0.3)
A6=("[fd00::1]" "[fd00::2]" "[fd00::3]")
SECRET=correct-horse-battery-staple

# node i reaches node j over IPv4 when i+j is odd, else IPv6
addr_of() { if [ $((($1 + $2) % 2)) = 1 ]; then echo "${A4[$2]}:$PORT"; else echo "${A6[$2]}:$PORT"; fi; }
create() {	# create ID SELF [extra args]
	local i=$1 self=$2 peers="" j
	shift 2
	for j in 0 1 2; do [ $j = $self ] || peers="$peers peer=$j@$(addr_of $self $j)"; done
	cmd n$self "create $i self=$self cluster=c1 secret=$SECRET listen=[::]:$PORT$peers $*"
}

# ---- 1. mesh comes up -------------------------------------------------------
for i in 0 1 2; do create $i $i && cmd n$i "start $i" || fail "create/start $i"; done
if t=$(wait_for 20 all_connected); then ok "mesh connected in ${t}s"; else fail "mesh not connected"; cat $CTL; fi

# ---- 2. frames in order, small and largest ---------------------------------
send_all 200 64
send_all 20 20480
send_all 50 1000
if t=$(wait_for 20 delivered); then ok "all frames delivered in ${t}s"; else fail "frames missing"; cat $CTL; fi
check_clean && ok "frames in order and intact"
# a PIECE frame's size, three at a time (an idle ring of 64 KiB takes
# them): the greedy read takes one and part of the next, whose rest is
# received in place (rx_place(), checked in rx_placed())
for i in 1 2 3 4 5; do
	send_all 3 16408
	wait_for 20 delivered > /dev/null || fail "frames of 16408 bytes missing"
done
check_clean && ok "frames of 16408 bytes in order and intact"
placed_all=1
for a in 0 1 2; do for b in 0 1 2; do
	[ $a = $b ] && continue
	p=$(val $a $b placed)
	# only frames of 8 KiB or more are placed, never more than came
	[ "$p" -gt 0 ] && [ "$p" -le "$(val $a $b rx)" ] || { fail "t$a from n$b: placed=$p"; placed_all=0; }
done; done
[ $placed_all = 1 ] && ok "large frames received in place between all pairs ($(val 1 0 placed) of $(val 1 0 rx) frames from node 0 at node 1)"
for a in 0 1 2; do for b in 0 1 2; do
	[ $a = $b ] && continue
	[ "$(val $a $b up)" = 1 ] && [ "$(val $a $b down)" = 0 ] ||
		fail "t$a link events for n$b: up $(val $a $b up) down $(val $a $b down)"
done; done
cmd n0 "send 0 1 1 20496" 2>/dev/null && fail "oversize frame accepted" || ok "oversize frame refused"
# flood node 1 with 4 MiB: the ring, 64 KiB while idle, must grow (it may
# refuse some meanwhile), and no loss of order
cmd n0 "send 0 1 200 20480" 2>/dev/null
log "flood: nobufs=$(val 0 1 nobufs) sent=$(val 0 1 sent) ring=$(val 0 1 ring) grows=$(val 0 1 grows)"
wait_for 30 delivered > /dev/null || fail "flood not delivered"
check_clean && ok "flood in order"
log "flood: $(val 1 0 placed) frames received in place at node 1"
[ "$(val 0 1 grows)" -gt 0 ] && ok "ring grew under the flood ($(val 0 1 grows) times)" ||
	fail "ring never grew: $(val 0 1 ring) bytes"
# idle for its shrink window (5 s): back to 64 KiB
ring_small() { [ "$(val 0 1 ring)" = 65536 ]; }
if t=$(wait_for 20 ring_small); then ok "idle ring shrank back in ${t}s ($(val 0 1 shrinks) shrinks)"; else fail "idle ring still $(val 0 1 ring) bytes"; fi

# ---- 3. refusals ------------------------------------------------------------
impostor() {	# impostor SELF ARGS...: t3 in n2 dialling node 0
	local self=$1
	shift
	cmd n2 "create 3 self=$self listen=[::]:7791 peer=0@${A4[0]}:$PORT $*" &&
		cmd n2 "start 3" || fail "impostor create"
}
ref0() { val 0 $1 refused | cut -d/ -f$(($2 + 1)); }	# ref0 NODE REASON
ref_unknown() { val 0 - unknown_refused | cut -d/ -f$(($1 + 1)); }
ref0_seen() { [ "$(ref0 $1 $2)" -gt 0 ]; }
ref_unknown_seen() { [ "$(ref_unknown $1)" -gt 0 ]; }
val_is() { [ "$(val $1 $2 $3)" = "$4" ]; }	# val_is T N KEY VALUE
impostor 2 "cluster=c1 secret=wrong-secret-0123456789"
wait_for 10 ref0_seen 2 0 >/dev/null &&
	ok "wrong secret refused ($(ref0 2 0) by node 0)" ||
	fail "wrong secret not refused: $(val 0 2 refused)"
cmd n2 "destroy 3"
impostor 2 "cluster=other secret=$SECRET"
wait_for 10 ref0_seen 2 1 >/dev/null &&
	ok "other cluster refused ($(ref0 2 1))" || fail "other cluster not refused: $(val 0 2 refused)"
cmd n2 "destroy 3"
impostor 5 "cluster=c1 secret=$SECRET"
wait_for 10 ref_unknown_seen 3 >/dev/null &&
	ok "unknown node refused ($(ref_unknown 3))" || fail "unknown node not refused: $(val 0 - unknown_refused)"
cmd n2 "destroy 3"
all_connected && ok "real links unharmed by impostors" || fail "impostor broke a link"
[ "$(dmesg | grep -c 'refused incoming link from .* claiming node 5: node id not configured')" = 1 ] &&
	ok "unknown node logged once" || fail "unknown-node log count $(dmesg | grep -c 'refused incoming link from .* claiming node 5')"

# ---- 4. link cut and healed ------------------------------------------------
ip -n sw link set vb2 down
if t=$(wait_for 15 peer_state_is 0 2 1); then ok "cut seen by node 0 in ${t}s"; else fail "cut not seen"; fi
wait_for 15 val_is 1 2 down 1 > /dev/null || fail "node 1 no link_event(down) for 2"
[ "$(val 0 2 down)" = 1 ] || fail "node 0 no link_event(down) for 2"
ip -n sw link set vb2 up
if t=$(wait_for 20 all_connected); then ok "healed in ${t}s after link up"; else fail "not healed"; cat $CTL; fi
send_all 100 500
wait_for 20 delivered > /dev/null || fail "frames after heal missing"
check_clean && ok "frames after heal in order"

# ---- 5. stop and start ------------------------------------------------------
cmd n1 "stop 1"
wait_for 10 peer_state_is 0 1 1 > /dev/null && ok "stop seen by node 0" || fail "stop not seen"
[ "$(val 1 0 state)" = 0 ] || fail "stopped transport state $(val 1 0 state)"
cmd n1 "send 1 0 1 64" 2>/dev/null && fail "send on stopped transport accepted"
cmd n1 "start 1" || fail "restart"
if t=$(wait_for 20 all_connected); then ok "restart reconnected in ${t}s"; else fail "restart"; fi
cmd n1 "stop 1 force"; cmd n1 "start 1"
wait_for 20 all_connected > /dev/null && ok "forced stop and restart" || fail "forced restart"
send_all 50 300
wait_for 20 delivered > /dev/null || fail "frames after restart missing"
check_clean && ok "frames after restart in order"

# ---- 6. set_peer ------------------------------------------------------------
cmd n0 "peer 0 2 none"
[ "$(val 0 2 state)" = 0 ] && ok "peer removed" || fail "removed peer state $(val 0 2 state)"
wait_for 10 peer_state_is 2 0 1 > /dev/null && ok "node 2 sees node 0 refuse it" || fail "node 2 still connected to removed-at-0"
cmd n0 "peer 0 2 $(addr_of 0 2)"
wait_for 20 all_connected > /dev/null && ok "peer re-added" || fail "peer re-add"

# ---- 7. teardown ------------------------------------------------------------
rmmod synod 2>/dev/null && fail "rmmod succeeded with live transports"
for i in 0 1 2; do cmd n$i "stop $i"; cmd n$i "destroy $i"; done
n=$(ps -e -o comm | grep -c '^synod-[rt]x')
[ "$n" = 0 ] && ok "no transport thread left" || fail "$n transport threads left"
for i in 0 1 2; do
	s=$(ip netns exec n$i ss -tanH "( sport = :$PORT or dport = :$PORT )" | grep -v TIME-WAIT | wc -l)
	[ "$s" = 0 ] || { fail "n$i: $s sockets left"; ip netns exec n$i ss -tan; }
done
rmmod synod && ok "rmmod" || fail "rmmod"
trap - EXIT
for ns in n0 n1 n2 sw; do ip netns del $ns; done
if dmesg | sed -n '/tcp_debugfs: start/,$p' | grep -E 'WARNING|BUG|Oops|lockdep|circular|INFO: task' ; then
	fail "kernel complained"
else
	ok "kernel log clean"
fi
dmesg | sed -n '/tcp_debugfs: start/,$p' | grep synod | head -40
log "$fails failures on $(uname -r)"
[ $fails = 0 ]
