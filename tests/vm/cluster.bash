# Helpers for cluster tests: N replicas of one volume, each in its own
# network namespace "synod-cN" (N = node id), joined by a bridge in the
# VM's root namespace.  Node N has address 10.77.0.(N+1) on its eth0 and
# listens on port 7790.  Load after helpers:
#	load helpers
#	load cluster

SECRET_FILE=${BATS_TEST_TMPDIR:-/tmp}/secret
CLUSTER_NODES=()

# cluster_test_setup NODES...: setup() of a cluster test file: the module
# loaded and the kernel log marked (synod_setup), and the network for
# these nodes.
cluster_test_setup() {
	synod_setup
	cluster_net "$@"
}

# cluster_test_teardown: teardown() of such a file: the replicas and the
# network, then everything synod_setup and the helpers made.
cluster_test_teardown() {
	local j i
	# a writer a failed test left in the background holds a volume
	# open, and its delete would fail: it goes first (at most 10 s for
	# each, should it wait in the kernel for I/O that never ends)
	for j in $(jobs -p); do
		kill -9 "$j" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$j" 2>/dev/null || break
			sleep 0.2
		done
	done
	cluster_teardown
	synod_teardown
}

# ns N: the namespace of node N
ns() { echo "synod-c$1"; }
# in_node N CMD...: run CMD in node N's namespace (and as root's /dev)
in_node() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
ctl() { local n=$1; shift; in_node "$n" "$CTL" "$@"; }
addr() { echo "10.77.0.$(($1 + 1))"; }

# cluster_net N...: namespaces, veths and the bridge for these nodes
cluster_net() {
	local n
	ip link show synbr >/dev/null 2>&1 || ip link add synbr type bridge
	ip link set synbr up
	for n in "$@"; do
		ip netns add "$(ns "$n")"
		ip link add "synv$n" type veth peer name eth0 netns "$(ns "$n")"
		ip link set "synv$n" master synbr up
		in_node "$n" ip addr add "$(addr "$n")/24" dev eth0
		in_node "$n" ip link set eth0 up
		in_node "$n" ip link set lo up
	done
}

# Processes a test started in a namespace (in_node ... &) die with it: a
# survivor would hold bats' output open and the VM would never finish.
cluster_net_teardown() {
	local n pids
	for n in 0 1 2 3 4 5 6; do
		pids=$(ip netns pids "$(ns "$n")" 2>/dev/null)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill -9 $pids 2>/dev/null || true
			sleep 0.2
		fi
		ip netns del "$(ns "$n")" 2>/dev/null || true
		ip link del "synv$n" 2>/dev/null || true
	done
	ip link del synbr 2>/dev/null || true
}

# new_secret: a fresh shared secret in $SECRET_FILE
new_secret() {
	head -c 32 /dev/urandom | base64 > "$SECRET_FILE"
	chmod 600 "$SECRET_FILE"
}

# replica_create VOLUME N "NODES" [extra create options...]: node N's
# replica on a fresh 64 MiB loop device ($LOOP_N), naming the other
# NODES as peers, with the secret of $SECRET_FILE and cluster name
# VOLUME (extra options come after these).  Not up yet.
replica_create() {
	local vol=$1 n=$2 nodes=$3
	shift 3
	replica_create_on "$vol" "$n" "$nodes" "$(new_loop 64M)" "$@"
}

# replica_create_on VOLUME N "NODES" BACKING [extra create options...]:
# the same on a backing device of the caller's (a device-mapper target
# over a loop device, for one, to fail it later).
replica_create_on() {
	local vol=$1 n=$2 nodes=$3 l=$4 p peers=()
	shift 4
	for p in $nodes; do
		[ "$p" = "$n" ] || peers+=(--peer "$p=$(addr "$p"):7790")
	done
	eval "LOOP_$n=$l"
	ctl "$n" volume create "$vol" --backing "$l" --node "$n" \
		--listen "$(addr "$n"):7790" "${peers[@]}" \
		--secret-file "$SECRET_FILE" --cluster "$vol" "$@"
	CLUSTER_NODES+=("$n")
}

# cluster_create VOLUME "NODES" [extra create options...]: a replica on a
# fresh 64 MiB loop device on every node, all up.
cluster_create() {
	cluster_create_opts_on all "$@"
}

# cluster_create_opts_on N VOLUME "NODES" [extra create options...]: the
# same, but only node N's replica gets the extra options (N = all: every
# replica does).
cluster_create_opts_on() {
	local only=$1 vol=$2 nodes=$3 n
	shift 3
	new_secret
	for n in $nodes; do
		if [ "$only" = all ] || [ "$only" = "$n" ]; then
			replica_create "$vol" "$n" "$nodes" "$@"
		else
			replica_create "$vol" "$n" "$nodes"
		fi
	done
	for n in $nodes; do
		ctl "$n" volume up "$vol"
	done
}

# field N VOLUME KEY: one top-level field of the volume's status -j (the
# first occurrence: top-level fields come before the peers array).  No
# python here: this is polled, and every process is slow under TCG.
field() {
	ctl "$1" -j status "$2" | grep -o "\"$3\": *[^,}]*" | head -n 1 |
		sed 's/^[^:]*: *//; s/"//g'
}

dev_of() { field "$1" "$2" device; }

# peer_field N VOLUME PEER KEY: KEY of PEER in node N's peers array
# (numbers and booleans; peer objects start with "node")
peer_field() {
	ctl "$1" -j status "$2" | tr -d ' \n' |
		grep -o "{\"node\":$3,[^}]*}" | grep -o "\"$4\":[^,}]*" |
		head -n 1 | cut -d: -f2
}
peer_field_ge() { local v; v=$(peer_field "$@"); [ -n "$v" ] && [ "$v" -ge "$5" ]; }

# wait_for SECONDS CMD...: bounded polling
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.bash"

# have_blake2b: the kernel has blake2b-256 (loaded here if a module), so
# that links between current modules run link version 3 with BLAKE2b
# frame MACs at least; a kernel without it (the debug kernel's
# localmodconfig) runs version 2 with HMAC-SHA256.  Sets DEFAULT_LINK to
# "VERSION MAC" as if version 3 were the highest: have_poly1305 raises it.
# shellcheck disable=SC2034 # DEFAULT_LINK is for the tests
have_blake2b() {
	modprobe -q blake2b_generic 2>/dev/null || true
	if grep -q '^name *: blake2b-256$' /proc/crypto; then
		DEFAULT_LINK="3 blake2b"
		return 0
	fi
	DEFAULT_LINK="2 hmac-sha256"
	return 1
}

# have_poly1305: the kernel has poly1305 and blake2b-256 (loaded here if
# modules: the alias loads poly1305_generic and the x86 glue, as the
# module's own request does), so that links between current modules run
# link version 5 with Poly1305 frame MACs under one-time keys; without
# poly1305 they run 3, without blake2b-256 2 (have_blake2b).  Sets
# DEFAULT_LINK to "VERSION MAC" of the highest version this kernel has.
# shellcheck disable=SC2034 # DEFAULT_LINK is for the tests
have_poly1305() {
	have_blake2b || return 1
	modprobe -q crypto-poly1305 2>/dev/null || true
	if grep -q '^name *: poly1305$' /proc/crypto; then
		DEFAULT_LINK="5 poly1305"
		return 0
	fi
	return 1
}

# link_is N VOLUME PEER VERSION MAC: node N's link to PEER is up and
# runs link VERSION with frame MAC MAC (as status names it)
link_is() {
	[ "$(peer_field "$1" "$2" "$3" link_version)" = "$4" ] &&
		[ "$(peer_field "$1" "$2" "$3" link_mac)" = "\"$5\"" ]
}

is_role() { [ "$(field "$1" "$2" role)" = "$3" ]; }
is_field() { [ "$(field "$1" "$2" "$3")" = "$4" ]; }
# field_ge N VOLUME KEY VALUE: numeric field at least VALUE
field_ge() { local v; v=$(field "$1" "$2" "$3"); [ -n "$v" ] && [ "$v" -ge "$4" ]; }
# some_leader VOLUME NODES...: one of NODES leads
some_leader() {
	local vol=$1 n
	shift
	for n in "$@"; do is_role "$n" "$vol" leader && return 0; done
	return 1
}

# promote_and_wait N VOLUME: make node N the leader (bounded)
promote_and_wait() {
	local i
	for ((i = 0; i < 10; i++)); do
		ctl "$1" volume promote "$2" || true
		wait_for 3 is_role "$1" "$2" leader && return 0
	done
	echo "node $1 did not become leader" >&2
	ctl "$1" -j status "$2" >&2
	return 1
}

# agreed_leader VOLUME NODES...: every node names the same leader, and
# that node says it leads
agreed_leader() {
	local vol=$1 n l
	shift
	l=$(field "$1" "$vol" leader)
	[ -n "$l" ] && [ "$l" != null ] || return 1
	for n in "$@"; do
		[ "$(field "$n" "$vol" leader)" = "$l" ] || return 1
	done
	is_role "$l" "$vol" leader
}

# settle_leader N VOLUME NODES...: node N leads and all NODES follow it.
# Links form one by one after "up": a node that has heard of no leader
# yet may campaign and win first, so promote again (bounded).
settle_leader() {
	local want=$1 vol=$2 i
	shift 2
	for i in 1 2 3; do
		promote_and_wait "$want" "$vol" || continue
		wait_for 15 agreed_leader "$vol" "$@" &&
			[ "$(field "$1" "$vol" leader)" = "$want" ] && return 0
	done
	echo "node $want is not the agreed leader of $*" >&2
	return 1
}

cluster_teardown() {
	local n
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		for n in "${CLUSTER_NODES[@]}"; do
			echo "--- node $n status" >&2
			ctl "$n" -j status "$VOL" >&2 || true
		done
		echo "--- kernel log (synod)" >&2
		dmesg | grep -E 'synod|WARN|BUG|Oops' | tail -n 60 >&2
	fi
	for m in /mnt/synod-*; do
		mountpoint -q "$m" 2>/dev/null && umount -l "$m"
	done
	for n in "${CLUSTER_NODES[@]}"; do
		ctl "$n" volume down "$VOL" --force 2>/dev/null || true
		ctl "$n" volume delete "$VOL" 2>/dev/null || true
	done
	cluster_net_teardown
	losetup -D 2>/dev/null || true
	rmmod brd 2>/dev/null || true	# RAM disks a test backed replicas with
}
