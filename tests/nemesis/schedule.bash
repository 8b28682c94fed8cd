# shellcheck shell=bash
# The nemesis schedule of a seed: which fault each round injects, on which
# role, over which link, for how long, with which parameter.  Pure bash and
# nothing but RANDOM, so `guest.bash --dry-run` on the host prints exactly
# the schedule the guest will run (Documentation/nemesis.rst).  A seed
# fixes the schedule, not the interleaving: TCG timing decides the rest.
#
# One line per round:
#	round R kind KIND target leader|follower|storm link 0|1|all dur S param P
# target: the role resolved when the round starts (ask, never assume:
# leadership moves on its own); follower and link are indexes into the
# other nodes in id order; param is kind-specific (netem amount, dm-delay
# ms, storm size, corrupt byte).

NEM_NET_KINDS="link-down oneway-drop netem-delay netem-loss netem-reorder netem-duplicate netem-corrupt"
NEM_DISK_KINDS="dm-error-leader dm-error-follower dm-delay flakey-error-writes flakey-corrupt flakey-drop-writes"
NEM_OPS_KINDS="down-force promote-storm"
# What a mounted ext4 on the leader lives through: never the leader's own
# disk or link (the file system would see EIO and abort, which tells
# nothing about synod), everything on a follower.
NEM_FS_KINDS="oneway-drop netem-delay netem-loss netem-reorder netem-duplicate netem-corrupt dm-error-follower dm-delay flakey-error-writes down-force"

# nem_kinds SCENARIO: the kinds a scenario draws from (empty: unknown)
nem_kinds() {
	case "$1" in
	net) echo "$NEM_NET_KINDS" ;;
	disk) echo "$NEM_DISK_KINDS" ;;
	ops) echo "$NEM_OPS_KINDS" ;;
	mix) echo "$NEM_NET_KINDS $NEM_DISK_KINDS $NEM_OPS_KINDS" ;;
	fs) echo "$NEM_FS_KINDS" ;;
	# make check's short set: fixed kinds, seeded targets and amounts
	short-net) echo "link-down oneway-drop netem-mix netem-corrupt" ;;
	short-opsdisk) echo "dm-error-follower dm-delay down-force promote-storm" ;;
	# both on one cluster (one setup and one end: make check's budget)
	short) echo "link-down oneway-drop netem-mix netem-corrupt dm-error-follower dm-delay down-force promote-storm" ;;
	esac
}

# nem_fixed SCENARIO: does the scenario run its kinds in order (1) or draw
# them at random (0)?
nem_fixed() { case "$1" in short*) return 0 ;; *) return 1 ;; esac; }

# Everything below sets the global NEM_R instead of printing: a command
# substitution is a subshell, and bash reseeds RANDOM in every subshell,
# which would make the schedule differ from run to run.

# nem_pick WORDS...: NEM_R = one of the words, from RANDOM
nem_pick() {
	local a=("$@")
	NEM_R=${a[RANDOM % ${#a[@]}]}
}

# nem_param KIND: NEM_R = the kind's amount, from RANDOM
nem_param() {
	case "$1" in
	netem-delay) NEM_R="$((50 + RANDOM % 350))ms" ;;	# jitter: half of it
	netem-loss) NEM_R="$((10 + RANDOM % 30))%" ;;
	netem-reorder) NEM_R="$((20 + RANDOM % 40))%" ;;
	netem-duplicate) NEM_R="$((5 + RANDOM % 25))%" ;;
	netem-corrupt) NEM_R="$((1 + RANDOM % 5))%" ;;
	netem-mix) NEM_R="$((20 + RANDOM % 200))ms/$((5 + RANDOM % 15))%" ;;
	dm-delay) NEM_R="$((20 + RANDOM % 480))" ;;
	promote-storm) NEM_R="$((2 + RANDOM % 2))" ;;
	flakey-corrupt) NEM_R="$((1 + RANDOM % 4096))" ;;
	oneway-drop) nem_pick out in ;;
	*) NEM_R=- ;;
	esac
}

# nem_target KIND: NEM_R = the role a kind hits (some kinds fix it)
nem_target() {
	case "$1" in
	dm-error-leader) NEM_R=leader ;;
	dm-error-follower | flakey-drop-writes | flakey-corrupt) NEM_R=follower ;;
	promote-storm) NEM_R=storm ;;
	*) nem_pick leader follower ;;
	esac
}

# nem_schedule SEED SCENARIO ROUNDS: the schedule, one line per round.
# The link-down round of short-net and short cuts the leader off for 25 s,
# so that a stale reader on it is exercised every time (the negative
# control needs it).
nem_schedule() {
	local seed=$1 scen=$2 rounds=$3 kinds r kind target link dur param
	read -ra kinds <<< "$(nem_kinds "$scen")"
	[ ${#kinds[@]} -gt 0 ] || { echo "nemesis: unknown scenario '$scen'" >&2; return 2; }
	RANDOM=$seed
	for ((r = 1; r <= rounds; r++)); do
		if nem_fixed "$scen"; then
			kind=${kinds[(r - 1) % ${#kinds[@]}]}
		else
			nem_pick "${kinds[@]}"
			kind=$NEM_R
		fi
		nem_target "$kind"
		target=$NEM_R
		[ "$scen" = fs ] && [ "$target" = leader ] && target=follower
		nem_pick 0 1 all
		link=$NEM_R
		dur=$((15 + RANDOM % 11))
		# make check's budget: short rounds, 15 to 18 s
		[ "$scen" = short ] && dur=$((15 + dur % 4))
		nem_param "$kind"
		param=$NEM_R
		if [[ $scen == short* ]] && [ "$kind" = link-down ]; then
			target=leader dur=25
		fi
		if [[ $scen == short* ]] && [ "$kind" = down-force ]; then
			target=leader
		fi
		echo "round $r kind $kind target $target link $link dur $dur param $param"
	done
}
