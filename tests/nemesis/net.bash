# shellcheck shell=bash
# Network nemeses, in the nodes' namespaces (tests/vm/cluster.bash: node N
# is 10.77.0.(N+1) on eth0): the link down; one-way drops with nftables
# (table inet nem); tc netem on all links (every node's egress) or on one
# link (prio with 4 bands on the node's eth0, a u32 filter on the peer's
# address sending it to band 4, netem there).
# Sourced by guest.bash: globals (seed, quiet, stale, VOL, NODES, NEM_TMP,
# SCEN_DIR, DM_*, FAULTS, DEFERRED, ...) are shared across these files.
# shellcheck disable=SC2034,SC2154

# netem_args KIND PARAM: NET_ARGS = netem's options; NET_KINDS = the fault
# kinds they count as
netem_args() {
	local d p
	case "$1" in
	netem-delay) d=${2%ms}; NET_ARGS="delay ${d}ms $((d / 2))ms"; NET_KINDS=netem-delay ;;
	netem-loss) NET_ARGS="loss $2"; NET_KINDS=netem-loss ;;
	# netem reorders by sending some packets at once, the rest delayed
	netem-reorder) NET_ARGS="delay 60ms reorder $2 50%"; NET_KINDS=netem-reorder ;;
	netem-duplicate) NET_ARGS="duplicate $2"; NET_KINDS=netem-duplicate ;;
	netem-corrupt) NET_ARGS="corrupt $2"; NET_KINDS=netem-corrupt ;;
	netem-mix)
		d=${2%%ms/*} p=${2#*/}
		NET_ARGS="delay ${d}ms $((d / 2))ms reorder 10% loss $p duplicate 3%"
		NET_KINDS="netem-delay netem-reorder netem-loss netem-duplicate" ;;
	esac
}

# net_heal N: everything a round may have left in node N's namespace
net_heal() {
	in_node "$1" nft delete table inet nem 2>/dev/null
	in_node "$1" tc qdisc del dev eth0 root 2>/dev/null
	in_node "$1" ip link set eth0 up
}

net_heal_all() {
	local n
	for n in "${NODES[@]}"; do net_heal "$n"; done
}

# net_round KIND NODE LINK PEER DUR PARAM: LINK is all or a peer index,
# PEER that peer's node id
net_round() {
	local kind=$1 n=$2 link=$3 peer=$4 dur=$5 p=$6 l m k hook match
	l=$(leader_now) || l=none
	case "$kind" in
	link-down)
		count_fault link-down
		nem_log "inject link-down node $n (leader $l)"
		in_node "$n" ip link set eth0 down
		sleep "$dur"
		in_node "$n" ip link set eth0 up
		nem_log "heal link-down node $n" ;;
	oneway-drop)
		count_fault oneway-drop
		if [ "$p" = out ]; then hook=output; else hook=input; fi
		if [ "$link" = all ]; then
			if [ "$p" = out ]; then match='oifname "eth0"'; else match='iifname "eth0"'; fi
		elif [ "$p" = out ]; then
			match="ip daddr $(addr "$peer")"
		else
			match="ip saddr $(addr "$peer")"
		fi
		nem_log "inject oneway-drop node $n $hook $match (leader $l)"
		in_node "$n" nft -f - <<-EOF
		table inet nem {
			chain c {
				type filter hook $hook priority 0; policy accept;
				$match drop
			}
		}
		EOF
		sleep "$dur"
		in_node "$n" nft delete table inet nem
		nem_log "heal oneway-drop node $n" ;;
	netem-*)
		netem_args "$kind" "$p"
		for k in $NET_KINDS; do count_fault "$k"; done
		if [ "$link" = all ]; then
			nem_log "inject $kind all links: netem $NET_ARGS (leader $l)"
			for m in "${NODES[@]}"; do
				# shellcheck disable=SC2086
				in_node "$m" tc qdisc add dev eth0 root netem $NET_ARGS
			done
			sleep "$dur"
			for m in "${NODES[@]}"; do
				in_node "$m" tc qdisc del dev eth0 root
			done
		else
			nem_log "inject $kind link $n->$peer: netem $NET_ARGS (leader $l)"
			in_node "$n" tc qdisc add dev eth0 root handle 1: prio bands 4
			# shellcheck disable=SC2086
			in_node "$n" tc qdisc add dev eth0 parent 1:4 handle 40: netem $NET_ARGS
			in_node "$n" tc filter add dev eth0 parent 1:0 protocol ip prio 1 \
				u32 match ip dst "$(addr "$peer")/32" flowid 1:4
			sleep "$dur"
			in_node "$n" tc qdisc del dev eth0 root
		fi
		nem_log "heal $kind" ;;
	esac
}
