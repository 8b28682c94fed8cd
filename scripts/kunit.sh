#!/bin/sh
# Run synod's KUnit suites on User Mode Linux.
#
# Debian's kernels lack CONFIG_KUNIT, so we build a UML kernel from
# Debian's linux-source-6.1 with kunit.py.  The module's pure sources
# (kmod/core, kmod/uapi), the secret's fingerprint (kmod/secret.c, which
# needs only the kernel's SHA-256 library), the payload store, the
# journal's segment lists and payload ring planning (kmod/journal_seg.c,
# journal_pring.c, journal_plan.c, journal_share.c), messages cut by
# payload bytes (kmod/msg_cut.c), the TCP transport's send rings and
# queuers (kmod/tcp_ring.c, tcp_queue.c), a peer's pieces' assembly
# (kmod/replica_piece.c) and the suites (kmod/kunit) are
# linked, as a symlink tree, into lib/synod of that source tree; the UML
# build directory is cached under BUILD_DIR/kunit, so a rerun rebuilds
# only what changed.
#
# Prints one TAP line per test case ("ok - kunit: suite.case"; a skipped
# one ends in "# SKIP") and exits non-zero if any failed or the kernel did
# not build.
#
# usage: scripts/kunit.sh BUILD_DIR
set -eu
B=${1:?usage: kunit.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
src=$("$top/scripts/linux-source.sh" "$B")
dst=$src/lib/synod
kb=$B/kunit

rm -rf "$dst"
mkdir -p "$dst"
cp -as "$top/kmod/core" "$top/kmod/uapi" "$top/kmod/kunit" \
	"$top/kmod/secret.c" "$top/kmod/secret.h" "$dst/"
# the link keys (pure but for the crypto API) and the header they need
cp -as "$top/kmod/linkkey.c" "$top/kmod/linkkey.h" "$top/kmod/compat_net.h" "$dst/"
cp -as "$top/kmod/replica_held.c" "$top/kmod/replica_held.h" "$dst/"
# the payload store (pure but for page allocation) and its headers
cp -as "$top/kmod/payload.c" "$top/kmod/payload_seg.c" "$top/kmod/payload_retain.c" "$top/kmod/payload_land.c" "$top/kmod/payload.h" \
	"$top/kmod/journal.h" "$top/kmod/paypool.c" "$top/kmod/paypool.h" "$dst/"
# a journal record's payload as a segment list (pure but for the bio)
cp -as "$top/kmod/journal_seg.c" "$top/kmod/journal_pring.c" "$top/kmod/journal_pring.h" "$top/kmod/admit.h" "$dst/"
# the planning of a chunk's payload ring bytes, and the shares it finds
cp -as "$top/kmod/journal_plan.c" "$top/kmod/journal_share.c" "$top/kmod/journal_priv.h" "$dst/"
# messages cut by their payloads' bytes (pure)
cp -as "$top/kmod/msg_cut.c" "$top/kmod/msg_cut.h" "$dst/"
# the TCP transport's send rings (no socket) and the headers they need
cp -as "$top/kmod/tcp_ring.c" "$top/kmod/tcp_queue.c" "$top/kmod/tcp_priv.h" "$top/kmod/transport.h" \
	"$top/kmod/testing.h" "$dst/"
# a peer's pieces put together into a payload chain (pure but for the store)
cp -as "$top/kmod/replica_piece.c" "$top/kmod/replica_piece.h" "$dst/"
cat > "$dst/Kconfig" <<'KC'
config SYNOD_KUNIT_TEST
	bool "KUnit tests for synod's pure core and on-disk format" if !KUNIT_ALL_TESTS
	depends on KUNIT=y
	select CRYPTO
	select CRYPTO_HMAC
	select CRYPTO_SHA256
	select CRYPTO_BLAKE2B
	select CRYPTO_POLY1305
	select CRYPTO_LIB_SHA256
	default KUNIT_ALL_TESTS
KC
cat > "$dst/Makefile" <<'MK'
ccflags-y := -I$(srctree)/lib/synod -I$(srctree)/lib/synod/core -I$(srctree)/lib/synod/uapi
synod-objs := $(patsubst $(srctree)/lib/synod/%.c,%.o,$(wildcard $(srctree)/lib/synod/core/*.c $(srctree)/lib/synod/kunit/*.c $(srctree)/lib/synod/linkkey.c $(srctree)/lib/synod/secret.c $(srctree)/lib/synod/replica_held.c $(srctree)/lib/synod/payload.c $(srctree)/lib/synod/payload_seg.c $(srctree)/lib/synod/payload_retain.c $(srctree)/lib/synod/payload_land.c $(srctree)/lib/synod/paypool.c $(srctree)/lib/synod/journal_seg.c $(srctree)/lib/synod/journal_pring.c $(srctree)/lib/synod/journal_plan.c $(srctree)/lib/synod/journal_share.c $(srctree)/lib/synod/msg_cut.c $(srctree)/lib/synod/tcp_ring.c $(srctree)/lib/synod/tcp_queue.c $(srctree)/lib/synod/replica_piece.c))
obj-$(CONFIG_SYNOD_KUNIT_TEST) += synod.o
MK
grep -q 'lib/synod/Kconfig' "$src/lib/Kconfig.debug" ||
	echo 'source "lib/synod/Kconfig"' >> "$src/lib/Kconfig.debug"
grep -q 'SYNOD_KUNIT_TEST' "$src/lib/Makefile" ||
	echo 'obj-$(CONFIG_SYNOD_KUNIT_TEST) += synod/' >> "$src/lib/Makefile"

mkdir -p "$kb"
cat > "$kb/.kunitconfig" <<'KC'
CONFIG_KUNIT=y
CONFIG_SYNOD_KUNIT_TEST=y
CONFIG_DEBUG_KERNEL=y
CONFIG_PROVE_LOCKING=y
KC

log=$kb/kunit.log
set +e
(cd "$src" && /usr/bin/python3 tools/testing/kunit/kunit.py run \
	--build_dir="$kb" --kunitconfig="$kb/.kunitconfig" \
	--jobs="$(nproc)" --timeout=300) > "$log" 2>&1
rc=$?
set -e
# kunit.py marks each case "[PASSED] name" (suites are framed by ====).
# A skipped case is a TAP skip ("ok ... # SKIP"), which check.sh counts
# as skipped, not passed: a suite whose cases all skip tested nothing.
awk '
/^\[[0-9:]+\] =+ [a-z0-9_]+ \(/ { suite = $3 }
/^\[[0-9:]+\] \[(PASSED|FAILED|SKIPPED|CRASHED)\] / {
	st = $2; name = $3
	if (st == "[PASSED]") print "ok - kunit: " suite "." name
	else if (st == "[SKIPPED]") print "ok - kunit: " suite "." name " # SKIP"
	else print "not ok - kunit: " suite "." name
}' "$log"
if [ "$rc" -ne 0 ]; then
	tail -n 40 "$log"
	echo "kunit.sh: kunit.py exited $rc (log: $log)" >&2
	exit 1
fi
grep -E 'Testing complete|Ran [0-9]+ tests' "$log" | tail -n 1
if ! grep -q '\[PASSED\]' "$log"; then
	echo "kunit.sh: no test case ran" >&2
	exit 1
fi
