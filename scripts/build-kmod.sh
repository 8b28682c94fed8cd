#!/bin/sh
# Build synod.ko for one kernel release, with module BTF, out of tree.
#
# Kbuild writes objects next to the sources it compiles.  To keep the
# source tree clean we build from a tree of symlinks under
# BUILD_DIR/kmod/KVER (cp -as), refreshed on each run so that added and
# removed files are seen.
#
# usage: scripts/build-kmod.sh KVER BUILD_DIR [make args...]
set -eu
KVER=${1:?usage: build-kmod.sh KVER BUILD_DIR}
B=${2:?usage: build-kmod.sh KVER BUILD_DIR}
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
tree=$("$top/scripts/prepare-kernel.sh" "$KVER" "$B")
out=$B/kmod/$KVER

mkdir -p "$out"
find "$out" -type l -delete
cp -as "$top/Kbuild" "$top/kmod" "$out/"
make -C "$tree" M="$out" KCFLAGS="${KCFLAGS:--Werror}" "$@" modules

# Without a .BTF section the XDP kfuncs cannot be resolved: fail loudly.
if ! objdump -h "$out/synod.ko" | grep -q '\.BTF'; then
	echo "build-kmod: $out/synod.ko has no .BTF section" >&2
	exit 1
fi
echo "build-kmod: $out/synod.ko (with module BTF)"
