#!/bin/sh
# Prepare a build tree for one Debian kernel so that synod.ko gets module
# BTF (which its XDP kfuncs need).
#
# Kbuild generates module BTF only when $(objtree)/vmlinux exists and
# $(objtree)/tools/bpf/resolve_btfids/resolve_btfids is present.  Debian's
# 6.12 headers ship both; 6.1's ship neither.  We copy the small
# linux-headers-KVER tree (never write into /usr/src), make its relative
# symlinks absolute, and for 6.1 cut the .BTF section out of
# /boot/vmlinuz-KVER and build resolve_btfids from linux-source-6.1.
#
# usage: scripts/prepare-kernel.sh KVER BUILD_DIR   -> prints the tree path
set -eu
KVER=${1:?usage: prepare-kernel.sh KVER BUILD_DIR}
B=${2:?usage: prepare-kernel.sh KVER BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
hdr=/usr/src/linux-headers-$KVER
out=$B/kernel/$KVER
stamp=$out/.synod-ready

[ -d "$hdr" ] || { echo "prepare-kernel: $hdr missing (make deps)" >&2; exit 1; }
# make -j runs this for the module and for vmlinux.h at once: one at a time.
mkdir -p "$B/kernel"
exec 9>"$B/kernel/.lock-$KVER"
flock 9
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stat -c %Y "$hdr/.config")" ]; then
	echo "$out"
	exit 0
fi

echo "prepare-kernel: preparing $out" >&2
rm -rf "$out"
mkdir -p "$B/kernel"
cp -a "$hdr" "$out"

# scripts and tools are relative symlinks into /usr/lib/linux-kbuild-*:
# they would dangle in the copy.
ln -sfn "$(readlink -f "$hdr/scripts")" "$out/scripts"
rm -f "$out/tools"
mkdir -p "$out/tools"
for t in "$(readlink -f "$hdr/tools")"/*; do
	ln -s "$t" "$out/tools/$(basename "$t")"
done

if [ ! -e "$out/vmlinux" ]; then
	src=$("$here/linux-source.sh" "$B")
	tmp=$out/.vmlinux.elf
	"$src/scripts/extract-vmlinux" "/boot/vmlinuz-$KVER" > "$tmp"
	objcopy -O binary --only-section=.BTF "$tmp" "$out/vmlinux"
	rm -f "$tmp"
	[ -s "$out/vmlinux" ] || { echo "prepare-kernel: no .BTF in /boot/vmlinuz-$KVER" >&2; exit 1; }
fi

if [ ! -x "$out/tools/bpf/resolve_btfids/resolve_btfids" ]; then
	src=$("$here/linux-source.sh" "$B")
	rm -f "$out/tools/bpf"
	mkdir -p "$out/tools/bpf/resolve_btfids"
	make -s -C "$src/tools/bpf/resolve_btfids" \
		O="$out/tools/bpf/resolve_btfids" >&2
fi

stat -c %Y "$hdr/.config" > "$stamp"
echo "$out"
