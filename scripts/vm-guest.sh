#!/bin/bash
# Stage 2 of a scripts/vm guest, running as PID 1 inside the overlay of the
# host root.  Mounts what a test expects (run, tmp, bpffs, debugfs,
# tracefs), mounts the run directory (a writable 9p share) at its host
# path, runs the command from it with the host's working directory, and
# leaves the exit status in RUN/rc before powering off.
#
# The guest gets a clean tmpfs on /tmp, which hides the host's /tmp.  A
# checkout, build directory or working directory under the host's /tmp
# (the host lists them in RUN/keep) is bound back at its own path from a
# view of the host's /tmp taken before the tmpfs covers it.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

mountpoint -q /proc || mount -t proc proc /proc
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/synod/host-tmp /run/synod/run
mount --bind /tmp /run/synod/host-tmp
run='' modules=''
for w in $(cat /proc/cmdline); do
	case "$w" in
	synod_run=*) run=${w#synod_run=} ;;
	synod_modules=*) modules=${w#synod_modules=} ;;
	esac
done
# The debug kernel's modules are staged outside /lib/modules on the host
# (scripts/debug-kernel.sh): bind them where modprobe looks.
if [ -n "$modules" ]; then
	mkdir -p "/lib/modules/$(uname -r)"
	mount --bind "$modules" "/lib/modules/$(uname -r)" ||
		echo "vm-guest: cannot bind the modules at $modules"
fi
# Mounted aside first: its host path may be under /tmp, hidden below.
if [ -z "$run" ] || ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 synodrun /run/synod/run; then
	echo "vm-guest: cannot mount the run directory '$run'"
	poweroff -f
fi
mount -t tmpfs -o mode=1777 tmpfs /tmp
# keep_host_tmp PATH: if PATH is under the host's /tmp, bind its top
# directory there (e.g. /tmp/x for /tmp/x/build) back into the guest's.
keep_host_tmp() {
	local top
	case "$1" in /tmp/?*) ;; *) return 0 ;; esac
	top=${1#/tmp/}
	top=/tmp/${top%%/*}
	mountpoint -q "$top" && return 0
	[ -d "/run/synod/host-tmp/${top#/tmp/}" ] || return 0
	mkdir -p "$top" && mount --bind "/run/synod/host-tmp/${top#/tmp/}" "$top"
}
for f in /run/synod/run/cwd /run/synod/run/keep; do
	[ -f "$f" ] || continue
	while IFS= read -r p; do
		keep_host_tmp "$p"
	done < "$f"
done
mkdir -p "$run"
if ! mount --move /run/synod/run "$run"; then
	echo "vm-guest: cannot move the run directory to '$run'"
	poweroff -f
fi
mkdir -p /dev/pts /dev/shm /run/lock
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t bpf bpf /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ln -sf /proc/self/fd /dev/fd
hostname synod-vm
ip link set lo up

# The host wrote: cwd (one line), env (sourced), cmd (NUL-separated argv).
cd "$(cat "$run/cwd")" || echo 127 > "$run/rc"
if [ ! -f "$run/rc" ]; then
	. "$run/env"
	mapfile -d '' argv < "$run/cmd"
	"${argv[@]}" > "$run/out" 2>&1 < /dev/null
	echo $? > "$run/rc.tmp"
	dmesg > "$run/dmesg"
	mv "$run/rc.tmp" "$run/rc"
fi
sync
umount "$run"
poweroff -f
