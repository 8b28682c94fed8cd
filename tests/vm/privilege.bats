#!/usr/bin/env bats
# Who may do what (issue 8, item 11).  volume create, attach and delete
# open and overwrite block devices, so they need CAP_SYS_ADMIN, as nbd's
# netlink commands do; status (and the other commands) stay open to
# CAP_NET_ADMIN.  And the module users load has none of the test build's
# knobs.
#
#   root                       create r0 on L1; create r1 on L2, delete r1
#   capsh --drop=cap_sys_admin create r2 on L3, attach r1, delete r0:
#                              EPERM, and nothing changes;
#                              status, status r0: work

load helpers

setup() {
	synod_setup
}

teardown() {
	synod_teardown
}

# nosys CMD...: CMD without CAP_SYS_ADMIN (CAP_NET_ADMIN kept)
nosys() {
	capsh --drop=cap_sys_admin -- -c '"$@"' nosys "$@"
}

@test "privilege: create, attach and delete need CAP_SYS_ADMIN; status does not" {
	local L1 L2 L3 sum3 cmd
	L1=$(new_loop 64M)
	L2=$(new_loop 64M)
	L3=$(new_loop 64M)
	"$CTL" volume create r0 --backing "$L1"
	"$CTL" volume create r1 --backing "$L2"
	"$CTL" volume delete r1
	sum3=$(dev_sum "$L3")
	# capsh really drops it: the shell's bounding set has no cap_sys_admin
	run nosys capsh --has-p=cap_sys_admin
	[ "$status" -ne 0 ]
	run nosys capsh --has-p=cap_net_admin
	[ "$status" -eq 0 ]
	for cmd in "volume create r2 --backing $L3" "volume attach r1 --backing $L2" \
		   "volume delete r0"; do
		expect_refusal "Operation not permitted" "needs CAP_SYS_ADMIN" \
			nosys "$CTL" $cmd
	done
	[ "$(volume_names)" = r0 ]
	[ "$(dev_sum "$L3")" = "$sum3" ]
	can_open_excl "$L2"
	run nosys "$CTL" status r0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"r0: device"* ]]
	run nosys "$CTL" -j status
	[ "$status" -eq 0 ]
	[[ "$output" == *'"name": "r0"'* ]] || [[ "$output" == *'"name":"r0"'* ]]
	# the refusals are the kernel's, not synodctl's: root still may
	"$CTL" volume attach r1 --backing "$L2"
	"$CTL" volume delete r1
}

# Names of the knobs declared with SYNOD_TEST_PARAM() in kmod/.
test_params() {
	grep -rhoE 'SYNOD_TEST_PARAM\([a-z0-9_]+' "$TOP/kmod" --include='*.c' |
		sed 's/.*(//' | sort -u
}

@test "privilege: the user build has no test-only module parameter" {
	local user test p
	user=$B/kmod/$(uname -r)/synod.ko
	test=$B/kmod-test/$(uname -r)/synod.ko
	[ -f "$user" ]
	[ -f "$test" ]
	[ -n "$(test_params)" ]
	modinfo -p "$user"
	for p in $(test_params); do
		# the test build has it (so this check can see one) ...
		modinfo -p "$test" | grep -q "^$p:"
		# ... the user build does not ("! cmd" would not fail a test)
		if modinfo -p "$user" | grep "^$p:"; then false; fi
	done
	if modinfo -p "$user" | grep 'TEST BUILD ONLY'; then false; fi
}
