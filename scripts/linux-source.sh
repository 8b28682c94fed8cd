#!/bin/sh
# Unpack Debian's linux-source-6.1 tarball once into the build directory and
# print the tree's path.  KUnit (on User Mode Linux) and resolve_btfids for
# the 6.1 kernel are built from it.
#
# usage: scripts/linux-source.sh BUILD_DIR
set -eu
B=${1:?usage: linux-source.sh BUILD_DIR}
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "linux-source.sh: /usr/src/linux-source-6.1.tar.* missing (make deps)" >&2; exit 1; }
dst=$B/src/linux-source-6.1
stamp=$dst/.synod-unpacked
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stat -c %Y "$tarball")" ]; then
	echo "$dst"
	exit 0
fi
rm -rf "$dst"
mkdir -p "$B/src"
echo "linux-source.sh: unpacking $tarball (once)" >&2
tar -C "$B/src" -xf "$tarball"
stat -c %Y "$tarball" > "$stamp"
echo "$dst"
