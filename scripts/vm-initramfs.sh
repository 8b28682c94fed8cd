#!/bin/sh
# Build (once per kernel) the small busybox initramfs that boots a Debian
# kernel into the host's root filesystem shared read-only over virtio-9p,
# with a writable overlay on tmpfs.  See scripts/vm.
#
# MODROOT is the directory holding lib/modules/KVER: / for Debian's
# kernels, the staging root for the debug kernel (which has 9p, virtio
# and overlayfs built in, so its image carries no module).
#
# usage: scripts/vm-initramfs.sh KVER BUILD_DIR [MODROOT]  -> prints the image path
set -eu
KVER=${1:?usage: vm-initramfs.sh KVER BUILD_DIR [MODROOT]}
B=${2:?usage: vm-initramfs.sh KVER BUILD_DIR [MODROOT]}
MODROOT=${3:-/}
here=$(cd "$(dirname "$0")" && pwd)
img=$B/vm/initramfs-$KVER.cpio.gz
# Fresh when newer than this script and the kernel's module list (find
# -newer, because test -nt is not POSIX).
if [ -f "$img" ] && [ -f "$MODROOT/lib/modules/$KVER/modules.dep" ] &&
   [ -n "$(find "$img" -newer "$here/vm-initramfs.sh" \
	-newer "$MODROOT/lib/modules/$KVER/modules.dep")" ]; then
	echo "$img"
	exit 0
fi
[ -x /bin/busybox ] || { echo "vm-initramfs: /bin/busybox missing (make deps: busybox-static)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/lib/modules" "$root/proc" "$root/sys" \
	"$root/dev" "$root/lower" "$root/rw" "$root/newroot"
cp /bin/busybox "$root/bin/busybox"
for app in sh mount umount mkdir insmod switch_root cat sleep poweroff echo; do
	ln -s busybox "$root/bin/$app"
done

# The modules 9p and overlayfs need, in dependency order.  On 6.12 virtio
# is built in, so modprobe prints "builtin" for it and we skip those.
for m in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe -d "$MODROOT" -S "$KVER" --show-depends "$m"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' > "$root/order.tmp"
: > "$root/lib/modules/order"
while read -r ko; do
	name=$(basename "$ko")
	case "$name" in
	*.ko.xz)  xz -dc "$ko" > "$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$ko" > "$root/lib/modules/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz)  gzip -dc "$ko" > "$root/lib/modules/${name%.gz}"; name=${name%.gz} ;;
	*)        cp "$ko" "$root/lib/modules/$name" ;;
	esac
	echo "$name" >> "$root/lib/modules/order"
done < "$root/order.tmp"
rm -f "$root/order.tmp"

cat > "$root/init" <<'INIT'
#!/bin/sh
# Stage 1: load 9p and overlay, mount the host root read-only under a tmpfs
# overlay, then hand over to the project's stage-2 script (synod_init=).
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do insmod "/lib/modules/$m" || echo "initramfs: insmod $m failed"; done < /lib/modules/order
stage2=
for w in $(cat /proc/cmdline); do
	case "$w" in synod_init=*) stage2=${w#synod_init=} ;; esac
done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro hostroot /lower || {
	echo "initramfs: cannot mount the host root over 9p"; poweroff -f; }
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot || {
	echo "initramfs: overlay mount failed"; poweroff -f; }
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/bash "$stage2"
INIT
chmod +x "$root/init"
mkdir -p "$B/vm"
# A name of our own, renamed into place: the multi-VM harness boots
# several VMs at once, and each may find the image stale and build it.
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$img.tmp.$$"
mv -f "$img.tmp.$$" "$img"
echo "$img"
