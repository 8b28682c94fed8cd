#!/bin/sh
# Print the Debian kernel releases we can build for and boot: those with
# both /boot/vmlinuz-KVER and /usr/src/linux-headers-KVER.  With an argument
# (a series such as 6.1 or 6.12, or a full release), print only the newest
# match.  Versions move with Debian's updates, so never hard-code them.
#
# The argument "debug" prints the release of the debug kernel
# (scripts/debug-kernel.sh) if it has been built; it is never listed,
# because its build tree lives in a cache that may not exist.
#
# usage: scripts/kernels.sh [SERIES|debug]
set -eu
list() {
	for v in /boot/vmlinuz-*; do
		[ -e "$v" ] || continue
		k=${v#/boot/vmlinuz-}
		[ -d "/usr/src/linux-headers-$k" ] && echo "$k"
	done | sort -V
}
if [ "${1:-}" = debug ]; then
	exec "$(dirname "$0")/debug-kernel.sh" kver
fi
if [ $# -eq 0 ]; then
	list
	exit 0
fi
m=$(list | while read -r k; do
	case "$k" in "$1"|"$1".*|"$1"-*) echo "$k" ;; esac
done | tail -n 1)
[ -n "$m" ] || { echo "kernels.sh: no installed kernel matches '$1' (make deps)" >&2; exit 1; }
echo "$m"
