# shellcheck shell=bash
# make-check stages of tests/nemesis (sourced by scripts/check.sh, which
# sets top and B and defines stage).  The seed rotates daily and is
# printed: NEMESIS_SEED=N scripts/check.sh (or make nemesis SEED=N ...)
# runs the same schedule again.
# shellcheck disable=SC2154
host_stages() {
	stage --timeout 60 nemesis-schedule "$top/tests/nemesis/run.sh" --self-test
}

# One VM on the last kernel of KERNELS (VM_FULL=1: on each; the crash
# tests run on the first), one cluster, 8 rounds of 15 to 18 s (the leader's
# link down for 25 s): the net kinds (leader cut off, one-way drop, netem
# mix, netem corrupt), then disk and ops (follower dm-error, dm-delay,
# down --force of the leader, promote storm).
vm_stages() {
	local k=$1 seed=${NEMESIS_SEED:-$(date +%Y%m%d)}
	on_kernel last "$k" || return 0
	echo "nemesis: seed $seed (NEMESIS_SEED=$seed reproduces it)"
	stage --timeout 600 "nemesis-$k" "$top/tests/nemesis/run.sh" \
		--kernel "$k" --seed "$seed" --quiet 20 --timeout 570 \
		--scenario short:8 \
		--out "$B/nemesis/check-$k/$seed"
}
