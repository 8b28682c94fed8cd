#!/bin/bash
# scripts/vm from a checkout under /tmp (issue 8, item 15).  The guest
# mounts a tmpfs of its own on /tmp; scripts/vm-guest.sh must bind the
# checkout back, or the command cannot even start (it exited 127).
#
# One VM boot with a trivial command: a copy of scripts/ under a fresh
# /tmp directory is the "checkout"; the build directory stays $B, so the
# cached initramfs is used.  Prints TAP.
#
# usage: tests/host/vm_tmp.sh [KERNEL]   (default 6.1)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
export B
kernel=${1:-6.1}
d=$(mktemp -d /tmp/synod-vmtmp.XXXXXX) || exit 1
trap 'rm -rf "$d"' EXIT
cp -a "$top/scripts" "$d/"

echo "1..1"
# In the guest: the working directory is the checkout, its scripts are
# there, and a file written there stays in the guest.
out=$(cd "$d" && scripts/vm --kernel "$kernel" --timeout 300 -- \
	bash -c 'echo "cwd=$(pwd)"; test -x scripts/vm-guest.sh && touch guest-file && echo seen' 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
if [ "$rc" -eq 0 ] && grep -qx "cwd=$d" <<<"$out" && grep -qx seen <<<"$out" &&
   [ ! -e "$d/guest-file" ]; then
	echo "ok 1 - scripts/vm runs a checkout under /tmp ($kernel)"
else
	echo "not ok 1 - scripts/vm runs a checkout under /tmp ($kernel): exit $rc"
	exit 1
fi
