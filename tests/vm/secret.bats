#!/usr/bin/env bats
# The shared secret of a replicated volume on disk (issue 8, item 12).
# The superblock keeps only a fingerprint of it (format 2, see
# Documentation/ondisk.rst); attach takes the secret file again and
# refuses a missing or wrong one; a format 1 superblock, which stored the
# secret itself, is converted by the first attach with the right secret.
#
#   /dev/loopN  <- one replica (node 0) of a two-node volume whose peer
#                  never comes up: no network needed, nothing is written
#                  to the data area

load helpers

VOL=s0

setup() {
	synod_setup
	L=$(new_loop 64M)
	KEY=$BATS_TEST_TMPDIR/key
	new_key "$KEY"
	chmod 600 "$KEY"
}

teardown() {
	synod_teardown
}

# new_key FILE: a fresh random secret (64 base64 characters, no newline)
new_key() {
	head -c 48 /dev/urandom | base64 -w 0 > "$1"
}

# wrong_secret_refused FILE: attach of $L with this secret file is
# refused as the wrong secret (EKEYREJECTED)
wrong_secret_refused() {
	expect_refusal "Key was rejected by service" "wrong secret" \
		"$CTL" volume attach $VOL --backing "$L" --secret-file "$1"
}

# secret_required: attach of $L is refused without a secret file
# (ENOKEY) and with another random one (EKEYREJECTED)
secret_required() {
	expect_refusal "Required key not available" "needs its secret" \
		"$CTL" volume attach $VOL --backing "$L"
	new_key "$BATS_TEST_TMPDIR/other"
	wrong_secret_refused "$BATS_TEST_TMPDIR/other"
}

# create [ARGS]: the two-node volume on $L, with more create arguments
create() {
	"$CTL" volume create $VOL --backing "$L" --node 0 \
		--listen 127.0.0.1:7790 --peer 1=127.0.0.2:7790 \
		--secret-file "$KEY" "$@"
}

# holds_secret DEV: does any byte range of DEV (read past the page cache)
# equal the secret (the key file less one trailing newline, at most 64
# bytes), or its first 16 bytes?
holds_secret() {
	blockdev --flushbufs "$1"
	python3 - "$1" "$KEY" <<'PY'
import sys
dev, key = sys.argv[1], open(sys.argv[2], 'rb').read()
if key.endswith(b'\n'):
    key = key[:-1]
key = key[:64]
with open(dev, 'rb') as f:
    data = f.read()
found = key in data or key[:16] in data
print('secret %s on %s' % ('found' if found else 'not found', dev))
sys.exit(0 if found else 1)
PY
}

# no_secret_on DEV: the secret is nowhere on DEV (a function, because a
# bare "! cmd" never fails a bats test)
no_secret_on() {
	! holds_secret "$1"
}

# sb_format DEV COPY: the format version (le32 at 8) of superblock COPY
sb_format() {
	blockdev --flushbufs "$1"
	python3 -c 'import struct, sys
f = open(sys.argv[1], "rb"); f.seek(int(sys.argv[2]) * 4096 + 8)
print(struct.unpack("<I", f.read(4))[0])' "$1" "$2"
}

# to_format1 DEV: rewrite both superblock copies as format 1 wrote them,
# with the secret of $KEY (the file less one trailing newline, at most 64
# bytes) in the secret field (length at 0x0b4, bytes at 0x0b8, instead of
# the fingerprint), checksums recomputed.
to_format1() {
	local copy key
	key=$(od -An -v -tx1 "$KEY" | tr -d ' \n')
	[[ "$key" != *0a ]] || key=${key%0a}
	key=${key:0:128}
	# a new volume is format 3; format 1 has 68 KiB journal slots
	# (0x78) and no payload ring, in a journal of the same 17 MiB
	for copy in 0 1; do
		[ "$(sb_format "$1" $copy)" = 3 ] || return 1
		sb_write "$1" $copy 8 "$(le32 1)" 0x78 "$(le32 69632)" \
			0xb4 "$(le32 $((${#key} / 2)))" \
			0xb8 "$(printf '%-128s' "$key" | tr ' ' 0)"
	done
}

@test "secret: the superblock holds a fingerprint, not the secret" {
	create
	"$CTL" volume delete $VOL
	no_secret_on "$L"
	[ "$(sb_format "$L" 0)" = 3 ]
	[ "$(sb_format "$L" 1)" = 3 ]
	# and not after the replica ran (superblock updates) either
	"$CTL" volume attach $VOL --backing "$L" --secret-file "$KEY"
	"$CTL" volume up $VOL
	"$CTL" volume promote $VOL || true
	sleep 2
	"$CTL" volume down $VOL --force
	"$CTL" volume delete $VOL
	no_secret_on "$L"
}

@test "secret: attach without, with a wrong and with the right secret file" {
	local sum
	create
	"$CTL" status $VOL | grep -q 'format 3'
	"$CTL" volume delete $VOL
	sum=$(dev_sum "$L")
	secret_required
	# the same bytes but one: still wrong
	python3 -c 'import sys; k = bytearray(open(sys.argv[1], "rb").read()); k[5] ^= 1; open(sys.argv[2], "wb").write(k)' \
		"$KEY" "$BATS_TEST_TMPDIR/near"
	wrong_secret_refused "$BATS_TEST_TMPDIR/near"
	[ -z "$(volume_names)" ]
	[ "$(dev_sum "$L")" = "$sum" ]
	"$CTL" volume attach $VOL --backing "$L" --secret-file "$KEY"
	[ "$(volume_names)" = $VOL ]
	# a single-replica volume takes no secret
	L2=$(new_loop 64M)
	"$CTL" volume create r1 --backing "$L2"
	"$CTL" volume delete r1
	expect_refusal "Invalid argument" "takes no secret" \
		"$CTL" volume attach r1 --backing "$L2" --secret-file "$KEY"
}

@test "secret: a format 1 superblock is converted by attach with the right secret" {
	local sum
	# format 1 had no LARGE flag: --small-requests makes a volume whose
	# superblock differs from format 1's only where to_format1 writes
	create --small-requests
	"$CTL" volume delete $VOL
	to_format1 "$L"
	holds_secret "$L"
	sum=$(dev_sum "$L")
	secret_required
	[ "$(dev_sum "$L")" = "$sum" ]
	"$CTL" volume attach $VOL --backing "$L" --secret-file "$KEY"
	kernel_log_since_mark | grep "$VOL: superblock converted to format 2"
	"$CTL" status $VOL | grep -q 'format 2'
	"$CTL" volume delete $VOL
	no_secret_on "$L"
	[ "$(sb_format "$L" 0)" = 2 ]
	[ "$(sb_format "$L" 1)" = 2 ]
	# and it attaches as format 2 from now on
	"$CTL" volume attach $VOL --backing "$L" --secret-file "$KEY"
	[ "$(kernel_log_since_mark | grep -c 'superblock converted')" = 1 ]
}
