# Shared helpers for the bats tests that run inside a scripts/vm guest, as
# root, with the host's tree at the same paths.  Load with
#	load helpers
# and call synod_setup / synod_teardown from setup() and teardown().
#
# Every object a test makes (loop devices, mounts, volumes) is recorded so
# that teardown removes it even when the test fails half way, and the
# kernel log of the test is checked for warnings, BUGs and oopses.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
B=${B:-$TOP/build}
KO=$B/kmod-test/$(uname -r)/synod.ko
CTL=$B/user/synodctl

SYNOD_LOOPS=()
SYNOD_MOUNTS=()

# Load loop and synod, and mark the kernel log so that the check at the
# end only sees this test's lines.
synod_setup() {
	modprobe loop 2>/dev/null || true
	lsmod | grep -q '^synod ' || insmod "$KO"
	SYNOD_MARK="synod-test: start $BATS_TEST_NUMBER $$ $RANDOM"
	echo "$SYNOD_MARK" > /dev/kmsg
}

# Kernel log lines since synod_setup().
kernel_log_since_mark() {
	dmesg | sed -n "/$SYNOD_MARK/,\$p"
}

# The counters a volume prints going down since synod_setup(), one line
# per volume taken down: the module prints them in three lines ("V: down;
# frames dropped: ...", "V: down, continued: ..." and, last, "V: down,
# superblock: ..."; one line came near printk's limit), joined here with
# "; " so that every counter is on the line a test greps for ": down;
# frames dropped".  Paired by volume name, in case two volumes go down at
# once.
down_lines() {
	kernel_log_since_mark | awk '
		function vol(l, what) {
			sub(what ".*", "", l)
			sub(/^.* /, "", l)
			return l
		}
		/: down; frames dropped: / {
			held[vol($0, ": down; frames dropped: ")] = $0
			next
		}
		/: down, (continued|superblock): / {
			k = vol($0, ": down, [a-z]*: ")
			r = $0
			sub(/.*: down, [a-z]*: /, "", r)
			held[k] = held[k] "; " r
			if ($0 ~ /: down, superblock: /) {
				print held[k]
				delete held[k]
			}
		}
		END { for (k in held) print held[k] }'
}

# Undo everything, newest first, then fail if the kernel complained.
synod_teardown() {
	local i m j
	# What the test left running in the background would hold bats'
	# output open (the VM would never finish) or the disks busy.
	for j in $(jobs -p); do
		kill -9 "$j" 2>/dev/null || true
	done
	for ((i = ${#SYNOD_MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${SYNOD_MOUNTS[i]}
		mountpoint -q "$m" && umount "$m"
	done
	if lsmod | grep -q '^synod '; then
		for v in $(volume_names); do
			"$CTL" volume delete "$v" || true
		done
		rmmod synod
	fi
	for ((i = ${#SYNOD_LOOPS[@]} - 1; i >= 0; i--)); do
		losetup -d "${SYNOD_LOOPS[i]}" 2>/dev/null || true
	done
	# and those new_loop made in a subshell (l=$(new_loop 64M)): its
	# SYNOD_LOOPS entry went with the subshell; their backing files
	# tell them
	losetup -n -l -O NAME,BACK-FILE 2>/dev/null | while read -r d f; do
		[[ "$f" == "${BATS_TEST_TMPDIR:?}"/backing.* ]] || continue
		losetup -d "$d" 2>/dev/null || true
	done
	# bats (1.8) removes the tests' directories only when the whole
	# run ends, and /tmp is a tmpfs of half the VM's memory: the
	# backing files written by every test before filled it, and a
	# test late in the suite failed with ENOSPC (CI, 2026-12-04)
	# (-xdev: never into a file system a failed umount left mounted)
	find "${BATS_TEST_TMPDIR:?}" -xdev -mindepth 1 -delete 2>/dev/null || true
	if kernel_log_since_mark | grep -E 'WARNING:|BUG:|Oops|general protection|KASAN'; then
		echo "kernel log has warnings (above)" >&2
		return 1
	fi
}

# Names of all volumes, one per line.
volume_names() {
	"$CTL" -j status | grep -o '"name": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'
}

# new_loop SIZE: a loop device over a fresh sparse file of SIZE (truncate
# syntax: 64M); prints the device.  Called in a subshell ($(new_loop)),
# its SYNOD_LOOPS entry is lost: teardown finds the device by its
# backing file instead.
new_loop() {
	local f dev
	f=$(mktemp "$BATS_TEST_TMPDIR/backing.XXXXXX")
	truncate -s "$1" "$f"
	dev=$(losetup -f --show "$f")
	SYNOD_LOOPS+=("$dev")
	echo "$dev"
}

# mount_at DEV DIR [OPTS]: mount and remember to unmount.
mount_at() {
	mkdir -p "$2"
	mount ${3:+-o "$3"} "$1" "$2"
	SYNOD_MOUNTS+=("$2")
}

# One field of `synodctl -j status NAME`.
status_field() {
	"$CTL" -j status "$1" | grep -o "\"$2\": *[^,}]*" | sed 's/^[^:]*: *//; s/"//g'
}

# Checksum of a whole device (or file), to prove a refusal changed nothing.
# synod writes with bios, past the loop device's page cache: drop it first.
dev_sum() {
	[ -b "$1" ] && blockdev --flushbufs "$1"
	md5sum < "$1" | cut -d' ' -f1
}

# expect_refusal ERRNO_TEXT REASON_REGEX CMD...: CMD exits 1 and its error
# names both the kernel's reason and the errno.
# shellcheck disable=SC2154 # status and output: set by bats' run
expect_refusal() {
	local errtext=$1 reason=$2
	shift 2
	run "$@"
	echo "status=$status output=$output"
	[ "$status" -eq 1 ]
	[[ "$output" =~ $reason ]]
	[[ "$output" == *"$errtext"* ]]
}

# sb_write DEV COPY OFFSET HEX [OFFSET HEX]...: overwrite bytes of
# superblock COPY (0 or 1) from each OFFSET with HEX (the bytes, in hex)
# and recompute the copy's CRC-32C, as a newer (or broken) writer would.
# The checksum is the last 4 bytes of the 4 KiB copy, over everything
# before it (Documentation/ondisk.rst).
sb_write() {
	blockdev --flushbufs "$1"
	python3 "$BATS_TEST_DIRNAME/sb_copy.py" write "$@"
}

# sb_newest DEV: "SEQ PROMISED_BALLOT" of the newer of DEV's two
# superblock copies, each checked against its CRC-32C; fails if neither
# copy is valid or the two sequences are not consecutive (copies are
# written one at a time, each after the other).
sb_newest() {
	blockdev --flushbufs "$1"
	python3 "$BATS_TEST_DIRNAME/sb_copy.py" newest "$1"
}

# le32 VALUE: VALUE as a little-endian u32, in hex (for sb_write)
le32() {
	local h
	h=$(printf '%08x' $(($1)))
	echo "${h:6:2}${h:4:2}${h:2:2}${h:0:2}"
}

# sb_patch DEV COPY FIELD_OFFSET VALUE: overwrite one little-endian u32
# of superblock COPY and recompute its CRC-32C (sb_write).
sb_patch() {
	sb_write "$1" "$2" "$3" "$(le32 "$4")"
}

# flip_byte DEV OFFSET: invert one byte in place (a media error).
flip_byte() {
	blockdev --flushbufs "$1"
	python3 - "$1" "$2" <<'PY'
import os, sys
dev, off = sys.argv[1], int(sys.argv[2], 0)
with open(dev, 'r+b', buffering=0) as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0xff]))
    os.fsync(f.fileno())
PY
}

# Is DEV free to be opened exclusively (nobody holds a claim on it)?
can_open_excl() {
	python3 -c 'import os, sys; os.close(os.open(sys.argv[1], os.O_RDWR | os.O_EXCL))' "$1"
}

# raw_volume_create NAME BACKING [FLAG...]: send VOLUME_CREATE straight
# over generic netlink, bypassing synodctl's own checks, so that the
# kernel's validation is what answers; each FLAG (an attribute number of
# kmod/uapi/synod.h) is added as an empty flag attribute.  Prints
# "errno=N msg=TEXT"; exits 0 if the kernel accepted, 1 if it refused.
# RAW_CMD=N sends command N instead (2: VOLUME_ATTACH).
raw_volume_create() {
	RAW_CMD=${RAW_CMD:-1} python3 - "$@" <<'PY'
import os, socket, struct, sys

NETLINK_EXT_ACK, NLMSG_ERROR, NLM_F_REQUEST, NLM_F_ACK = 11, 2, 1, 4
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 0x10, 3, 1, 2
SYNOD_A_VOLUME_NAME, SYNOD_A_VOLUME_BACKING = 2, 3

def attr(kind, payload):
    a = struct.pack('HH', 4 + len(payload), kind) + payload
    return a + b'\0' * (-len(a) % 4)

def attrs(buf):
    while len(buf) >= 4:
        n, kind = struct.unpack_from('HH', buf)
        yield kind & 0x3fff, buf[4:n]
        buf = buf[(n + 3) & ~3:]

def request(sock, family, cmd, body):
    msg = struct.pack('BBH', cmd, 1, 0) + body
    sock.send(struct.pack('IHHII', 16 + len(msg), family,
                          NLM_F_REQUEST | NLM_F_ACK, 1, 0) + msg)
    replies = []
    while True:
        data = sock.recv(65536)
        while data:
            n, kind, flags = struct.unpack_from('IHH', data)
            if kind == NLMSG_ERROR:
                err = -struct.unpack_from('i', data, 16)[0]
                text = ''
                if flags & 0x200:    # NLM_F_ACK_TLVS, after the echoed header
                    for k, v in attrs(data[20 + 16:n]):
                        if k == 1:   # NLMSGERR_ATTR_MSG
                            text = v.rstrip(b'\0').decode()
                return err, text, replies
            replies.append(data[20:n])
            data = data[(n + 3) & ~3:]

s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)  # NETLINK_GENERIC
s.setsockopt(270, NETLINK_EXT_ACK, 1)       # SOL_NETLINK
s.setsockopt(270, 10, 1)                    # NETLINK_CAP_ACK: TLVs follow the header
s.bind((0, 0))
err, text, replies = request(s, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                             attr(CTRL_ATTR_FAMILY_NAME, b'synod\0'))
family = [struct.unpack('H', v[:2])[0] for k, v in attrs(replies[0])
          if k == CTRL_ATTR_FAMILY_ID][0]
name, backing = (a.encode() for a in sys.argv[1:3])
flags = b''.join(attr(int(f), b'') for f in sys.argv[3:])
err, text, _ = request(s, family, int(os.environ['RAW_CMD']),
                       attr(SYNOD_A_VOLUME_NAME, name + b'\0') +
                       attr(SYNOD_A_VOLUME_BACKING, backing + b'\0') +
                       flags)
print('errno=%d msg=%s' % (err, text))
sys.exit(1 if err else 0)
PY
}

# pid_gone PID: the background job PID has ended (bash reaps it).
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# job_rc PID SECONDS: wait at most SECONDS for background job PID and set
# RC to its exit status; a job still running then (hung in the kernel)
# sets 124, as timeout(1) would.  Not in a $(...): a subshell cannot wait
# for its parent's jobs.
# shellcheck disable=SC2034 # RC is the caller's
job_rc() {
	RC=0
	if ! wait_for "$2" pid_gone "$1"; then
		echo "job $1 still running after $2 s: hung?" >&2
		RC=124
		return 0
	fi
	wait "$1" || RC=$?
}
