#!/bin/bash
# Stage 2 of a scripts/vm guest, running as PID 1 inside the overlay of the
# host root.  Mounts what a test expects (run, tmp, bpffs, debugfs,
# tracefs), mounts the run directory (a writable 9p share) at its host
# path, runs the command from it with the host's working directory, and
# leaves the exit status in RUN/rc before powering off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

mountpoint -q /proc || mount -t proc proc /proc
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/pts /dev/shm /run/lock
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t bpf bpf /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ln -sf /proc/self/fd /dev/fd
hostname synod-vm
ip link set lo up

run=
for w in $(cat /proc/cmdline); do
	case "$w" in synod_run=*) run=${w#synod_run=} ;; esac
done
# (mkdir: the host path may be hidden, e.g. under the guest's own /tmp)
[ -n "$run" ] && mkdir -p "$run"
if [ -z "$run" ] || ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 synodrun "$run"; then
	echo "vm-guest: cannot mount the run directory '$run'"
	poweroff -f
fi

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
