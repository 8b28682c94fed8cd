# shellcheck shell=bash
# Operator nemeses: `volume down --force` of a replica (in-flight I/O
# fails) and `up` again; promote and demote storms on two or three nodes
# at once.
# Sourced by guest.bash: globals (seed, quiet, stale, VOL, NODES, NEM_TMP,
# SCEN_DIR, DM_*, FAULTS, DEFERRED, ...) are shared across these files.
# shellcheck disable=SC2034,SC2154

# storm_plan SEED ROUND NODE DUR: the node's commands for a storm, one
# "SLEEP_TENTHS promote|demote" line each, drawn in this shell (bash
# reseeds RANDOM in subshells; the plan must come from the seed)
storm_plan() {
	local t=0 s
	RANDOM=$(($1 * 1000 + $2 * 10 + $3))
	while [ "$t" -lt $(($4 * 10)) ]; do
		s=$((3 + RANDOM % 18))
		t=$((t + s))
		if [ $((RANDOM % 10)) -lt 7 ]; then
			echo "$s promote"
		else
			echo "$s demote"
		fi
	done
}

# storm_node N PLANFILE: run a node's storm (in the background)
storm_node() {
	local s cmd out
	while read -r s cmd; do
		sleep "$((s / 10)).$((s % 10))"
		out=$(ctl "$1" volume "$cmd" $VOL 2>&1)
		nem_log "storm node $1 $cmd: ${out:-ok}"
	done < "$2"
}

# ops_round KIND NODE DUR PARAM ROUND
ops_round() {
	local kind=$1 n=$2 dur=$3 p=$4 r=$5 l m nodes pids=()
	l=$(leader_now) || l=none
	count_fault "$kind"
	case "$kind" in
	down-force)
		nem_log "inject down-force node $n (leader $l)"
		ctl "$n" volume down $VOL --force || nem_log "down --force node $n failed"
		sleep "$dur"
		ctl "$n" volume up $VOL || nem_log "up node $n failed"
		nem_log "heal down-force node $n: up" ;;
	promote-storm)
		if [ "$p" = 3 ]; then
			nodes="${NODES[*]}"
		else
			# two nodes: all but one, the one chosen by the round
			nodes=$(others "${NODES[$(((seed + r) % 3))]}" | tr '\n' ' ')
		fi
		nem_log "inject promote-storm nodes $nodes for $dur s (leader $l)"
		for m in $nodes; do
			storm_plan "$seed" "$r" "$m" "$dur" > "$NEM_TMP/storm$m"
			storm_node "$m" "$NEM_TMP/storm$m" &
			pids+=($!)
		done
		wait "${pids[@]}"
		nem_log "heal promote-storm (over)" ;;
	esac
}
