#!/bin/bash
# The demo, run inside a VM by `make demo`: load synod, create a volume on
# a loop device, put ext4 on it, mount it, write a file, and print status.
# (make demo-single; make demo is the three-replica scripts/demo-cluster.sh.)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$top/build}
ko=$B/kmod/$(uname -r)/synod.ko
ctl=$B/user/synodctl

step() { printf '\n\033[1m## %s\033[0m\n' "$*"; }
run() { echo "# $*"; "$@"; }

step "load the module ($(uname -r))"
run insmod "$ko"
modprobe loop
truncate -s 256M /tmp/backing.img
loopdev=$(losetup -f --show /tmp/backing.img)

step "create a single-replica volume on $loopdev"
run "$ctl" volume create r0 --backing "$loopdev"
dev=$("$ctl" -j status r0 | sed -n 's/.*"device": *"\([^"]*\)".*/\1/p')

step "make ext4 on $dev, mount it, write a file"
run mkfs.ext4 -q "$dev"
mkdir -p /srv/r0
run mount "$dev" /srv/r0
echo "hello from synod" > /srv/r0/hello.txt
sync
run ls -l /srv/r0
run df -h /srv/r0

step "status"
run "$ctl" status
run "$ctl" -j -p status

step "clean up"
run umount /srv/r0
run "$ctl" volume delete r0
run rmmod synod
losetup -d "$loopdev"
echo
echo "demo: done"
