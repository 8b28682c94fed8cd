#!/bin/sh
# Install every Debian package that synod's build, tests and demo need.
# Quick when all are present: dpkg-query first, apt-get only for what is missing.
set -eu

PKGS="build-essential make gcc pkg-config bc bison flex kmod cpio xz-utils
zstd libssl-dev libelf-dev zlib1g-dev dwarves
linux-image-amd64 linux-headers-amd64
linux-image-6.12-amd64 linux-headers-6.12-amd64
linux-source-6.1
clang llvm bpftool libbpf-dev
libnl-3-dev libnl-genl-3-dev libcmocka-dev libblkid-dev
qemu-system-x86 busybox-static
bats e2fsprogs xfsprogs fio iproute2 util-linux
python3 valgrind drbd-utils sparse iputils-ping libcap2-bin dmsetup
nftables shellcheck jq python3-yaml linux-perf"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
