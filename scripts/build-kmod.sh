#!/bin/sh
# Build synod.ko for one kernel release, with module BTF, out of tree.
#
# Kbuild writes objects next to the sources it compiles.  To keep the
# source tree clean we build from a tree of symlinks under
# BUILD_DIR/kmod/KVER (cp -as), refreshed on each run so that added and
# removed files are seen.
#
# With --test the module goes to BUILD_DIR/kmod-test/KVER and is compiled
# with -DSYNOD_TESTING: the build the tests load, with the test-only
# module parameters of kmod/testing.h.  Users get the other one.
#
# The debug kernel (KVER ending in -synod-debug, scripts/debug-kernel.sh)
# is built against its own build tree in the cache: it has vmlinux (for
# module BTF) and tools/bpf/resolve_btfids already.
#
# usage: scripts/build-kmod.sh [--test] KVER BUILD_DIR [make args...]
set -eu
variant=kmod flags=
if [ "${1:-}" = --test ]; then
	variant=kmod-test flags=-DSYNOD_TESTING
	shift
fi
KVER=${1:?usage: build-kmod.sh [--test] KVER BUILD_DIR}
B=${2:?usage: build-kmod.sh [--test] KVER BUILD_DIR}
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
case "$KVER" in
*-synod-debug)
	tree=$("$top/scripts/debug-kernel.sh" dir)/linux-source-6.12
	[ "$("$top/scripts/debug-kernel.sh" kver)" = "$KVER" ] || exit 1
	;;
*)	tree=$("$top/scripts/prepare-kernel.sh" "$KVER" "$B") ;;
esac
out=$B/$variant/$KVER

mkdir -p "$out"
find "$out" -type l -delete
cp -as "$top/Kbuild" "$top/kmod" "$out/"
make -C "$tree" M="$out" KCFLAGS="${KCFLAGS:--Werror} $flags" "$@" modules

# Without a .BTF section the XDP kfuncs cannot be resolved: fail loudly.
if ! objdump -h "$out/synod.ko" | grep -q '\.BTF'; then
	echo "build-kmod: $out/synod.ko has no .BTF section" >&2
	exit 1
fi
echo "build-kmod: $out/synod.ko (with module BTF)"
