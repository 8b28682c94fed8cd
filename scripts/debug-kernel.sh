#!/bin/bash
# Build the debug kernel: Debian's linux-source-6.12 with Debian's own
# config trimmed by localmodconfig to the modules the tests load
# (scripts/debug-kernel.modules), plus KASAN, lockdep, kmemleak,
# debugobjects and the hung-task detector.  The tree, its objects, the
# installed modules and the boot image live in a cache directory outside
# the work tree, because a build takes hours of CPU on two cores and
# build/ is laid anew with each clone:
#
#   ${SYNOD_DEBUG_CACHE:-/var/cache/synod/debug-kernel}/
#     linux-source-6.12/   source + objects (in-tree build; vmlinux and
#                          resolve_btfids for building synod.ko against it)
#     stage/lib/modules/KVER/   modules_install output (booted guests bind
#                          it on /lib/modules/KVER, see scripts/vm-guest.sh)
#     vmlinuz-KVER         the boot image
#     build.log            make output, appended to on every run
#     stamp                KVER, written last: the build is complete
#
# Every step is idempotent: the tree is unpacked once per tarball, the
# config is regenerated only when its inputs change (a hash of Debian's
# config, the module list and the options below), and make resumes a partial
# build.  A lock keeps two runs from building the same tree.
#
# usage: scripts/debug-kernel.sh build     build (foreground), print KVER
#        scripts/debug-kernel.sh start     build in the background (nohup)
#        scripts/debug-kernel.sh status    built / building / not built
#        scripts/debug-kernel.sh kver      print KVER if built, else fail
#        scripts/debug-kernel.sh dir       print the cache directory
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
C=${SYNOD_DEBUG_CACHE:-/var/cache/synod/debug-kernel}
src=$C/linux-source-6.12
JOBS=${JOBS:-2}

log() { echo "debug-kernel: $*" >&2; }

# Built means: the stamp names a release whose image and modules exist.
built_kver() {
	local k
	[ -f "$C/stamp" ] || return 1
	k=$(cat "$C/stamp")
	[ -n "$k" ] && [ -f "$C/vmlinuz-$k" ] &&
		[ -f "$C/stage/lib/modules/$k/modules.dep" ] || return 1
	echo "$k"
}

unpack() {
	local tarball
	tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1) || true
	if [ -z "$tarball" ]; then
		log "installing linux-source-6.12 (about 150 MB)"
		apt-get install -y linux-source-6.12 >&2 ||
			{ log "apt-get install linux-source-6.12 failed"; exit 1; }
		tarball=$(ls /usr/src/linux-source-6.12.tar.* | head -n 1)
	fi
	if [ -f "$src/.synod-unpacked" ] &&
	   [ "$(cat "$src/.synod-unpacked")" = "$(stat -c %Y "$tarball")" ]; then
		return 0
	fi
	log "unpacking $tarball into $C (once)"
	rm -rf "$src" "$C/stamp"
	tar -C "$C" -xf "$tarball"
	stat -c %Y "$tarball" > "$src/.synod-unpacked"
}

# The debug options on top of Debian's config.  9p, its virtio transport
# and overlayfs are built in so that the initramfs needs no modules.
# Kernel keyrings point at Debian's certificates, which the source package
# does not ship: empty them.  Modules are installed unsigned and
# uncompressed (faster, and the guest's kmod reads them as they are).
# DEBUG_INFO_BTF stays: synod.ko's kfuncs need vmlinux BTF.
apply_debug_options() {
	./scripts/config \
		--set-str LOCALVERSION "-synod-debug" -d LOCALVERSION_AUTO \
		-e KASAN -e KASAN_GENERIC -e KASAN_INLINE -d KASAN_OUTLINE \
		-e PROVE_LOCKING -e DEBUG_ATOMIC_SLEEP \
		-e DEBUG_KMEMLEAK -d DEBUG_KMEMLEAK_DEFAULT_OFF \
		-d DEBUG_KMEMLEAK_AUTO_SCAN \
		-e DEBUG_OBJECTS -e DEBUG_OBJECTS_FREE -e DEBUG_OBJECTS_WORK \
		-e DEBUG_OBJECTS_TIMERS --set-val DEBUG_OBJECTS_ENABLE_DEFAULT 1 \
		-e DETECT_HUNG_TASK -e SOFTLOCKUP_DETECTOR -e KALLSYMS_ALL \
		-e VIRTIO -e VIRTIO_PCI -e NET_9P -e NET_9P_VIRTIO -e NETFS_SUPPORT \
		-e 9P_FS -e OVERLAY_FS \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		-d MODULE_SIG_ALL -d MODULE_COMPRESS \
		-e DEBUG_INFO_BTF -e DEBUG_INFO_BTF_MODULES \
		-d DEBUG_INFO_SPLIT -d DEBUG_INFO_REDUCED
}

# Options that must have survived olddefconfig, or the kernel is not the
# one check-debug promises.
required="KASAN KASAN_GENERIC KASAN_INLINE PROVE_LOCKING DEBUG_ATOMIC_SLEEP
DEBUG_KMEMLEAK DEBUG_OBJECTS DEBUG_OBJECTS_WORK DEBUG_OBJECTS_TIMERS
DETECT_HUNG_TASK VIRTIO_PCI NET_9P NET_9P_VIRTIO 9P_FS OVERLAY_FS
DEBUG_INFO_BTF DEBUG_INFO_BTF_MODULES"

configure() {
	local base id mods o
	base=$(ls /boot/config-6.12.* 2>/dev/null | sort -V | tail -n 1) ||
		true
	[ -n "$base" ] || { log "no /boot/config-6.12.* (install Debian's 6.12 kernel)"; exit 1; }
	# Only the inputs of the config count: editing comments or other
	# parts of this script must not throw away hours of objects.
	id=$({ cat "$base" "$top/scripts/debug-kernel.modules"
	       declare -f apply_debug_options; echo "$required"; } |
	     sha256sum | cut -c1-16)
	if [ -f "$src/.config" ] && [ "$(cat "$src/.synod-config-id" 2>/dev/null)" = "$id" ]; then
		return 0
	fi
	log "configuring from $base + localmodconfig + debug options"
	rm -f "$C/stamp" "$src/.synod-config-id"
	mods=$C/lsmod.txt
	grep -v '^#' "$top/scripts/debug-kernel.modules" | awk 'NF { print $1 }' > "$mods"
	cp "$base" "$src/.config"
	(
		cd "$src"
		make olddefconfig >/dev/null
		# New symbols take their defaults; yes dies of SIGPIPE when
		# make is done, which must not count under pipefail.
		{ yes '' || true; } | make LSMOD="$mods" localmodconfig >/dev/null 2>"$C/localmodconfig.log" || {
			cat "$C/localmodconfig.log" >&2; exit 1; }
		apply_debug_options
		make olddefconfig >/dev/null
		for o in $required; do
			grep -q "^CONFIG_$o=y" .config ||
				{ log "CONFIG_$o is not =y after olddefconfig"; exit 1; }
		done
		grep -q '^# CONFIG_DEBUG_KMEMLEAK_AUTO_SCAN is not set' .config ||
			{ log "kmemleak auto scan still on"; exit 1; }
	)
	echo "$id" > "$src/.synod-config-id"
}

build() {
	local kver t0
	mkdir -p "$C"
	exec 9>"$C/.lock"
	flock -n 9 || { log "another build holds $C/.lock; waiting"; flock 9; }
	# that other build may have finished the work
	if kver=$(built_kver); then echo "$kver"; return 0; fi
	unpack
	configure
	t0=$(date +%s)
	log "make -j$JOBS bzImage modules (log: $C/build.log)"
	echo "=== $(date -u +%FT%TZ) make -j$JOBS bzImage modules" >> "$C/build.log"
	(cd "$src" && nice -n 19 make -j"$JOBS" bzImage modules) >> "$C/build.log" 2>&1 || {
		tail -n 30 "$C/build.log" >&2; log "build failed (log: $C/build.log)"; exit 1; }
	kver=$(make -s -C "$src" kernelrelease)
	log "modules_install into $C/stage"
	rm -rf "$C/stage/lib/modules/$kver"
	(cd "$src" && make INSTALL_MOD_PATH="$C/stage" INSTALL_MOD_STRIP=1 \
		DEPMOD=/sbin/depmod modules_install) >> "$C/build.log" 2>&1
	# The module links point back into the tree; the guest sees the host
	# root, so they resolve there too (build-kmod.sh uses the tree itself).
	cp "$src/arch/x86/boot/bzImage" "$C/vmlinuz-$kver"
	echo "=== $(date -u +%FT%TZ) done in $(( $(date +%s) - t0 )) s: $kver" >> "$C/build.log"
	echo "$kver" > "$C/stamp"
	echo "$kver"
}

case "${1:-build}" in
build)	built_kver || build ;;
start)
	mkdir -p "$C"
	nohup "$0" build > "$C/start.log" 2>&1 < /dev/null &
	log "building in the background (pid $!); progress: $C/build.log"
	;;
status)
	if k=$(built_kver); then echo "built $k"
	elif [ -f "$C/.lock" ] && ! flock -n "$C/.lock" true; then echo "building"
	else echo "not built"; fi
	;;
kver)	built_kver || { log "not built (make debug-kernel)"; exit 1; } ;;
dir)	echo "$C" ;;
*)	log "usage: debug-kernel.sh build|start|status|kver|dir"; exit 2 ;;
esac
