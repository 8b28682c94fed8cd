#!/bin/bash
# Cheap checks that the documents agree with the tree (issue 8, item 16),
# for the contradictions that crept in before: prints TAP.
#
#   1. README.md and Documentation/ link to nothing outside the
#      repository (no ../ that leaves it, no absolute path of a checkout
#      or home directory).
#   2. synodctl -V names the release and the on-disk format that
#      Documentation/ondisk.rst's version history gives for the newest
#      format, and that format is the newest the module defines.
#   3. Every bats file in tests/vm and every KUnit suite is described in
#      Documentation/build.rst.
#   4. README.md does not call built features missing.
#
# usage: tests/host/docs_check.sh   (after make user)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
# tap STATUS DESCRIPTION; $n and $failed
. "$top/tests/lib/tap.bash"

echo "1..4"
cd "$top" || exit 1
docs=(README.md Documentation/*.rst Documentation/synodctl.8
      Documentation/netlink/specs/synod.yaml)

# 1: paths that leave the repository
bad=$(grep -nE '\.\./\.\.|\.\./shared|/work/|/home/|/root/' "${docs[@]}")
[ -z "$bad" ] || echo "$bad" | sed 's/^/# outside the repository: /'
tap "$([ -z "$bad" ]; echo $?)" "documents link nothing outside the repository"

# 2: release and format agree
v=$("$B/user/synodctl" -V 2>&1)
echo "# $v"
rel=$(sed -n 's/^synodctl \([0-9.]*\) .*/\1/p' <<<"$v")
fmt=$(sed -n 's/.*on-disk format \([0-9]*\)).*/\1/p' <<<"$v")
newest=$(grep -oE 'SYNOD_SB_FORMAT_V[0-9]+' kmod/core/ondisk.h |
	 sed 's/.*_V//' | sort -n | tail -n 1)
hist=$(grep -E "^Version $fmt \(synod " Documentation/ondisk.rst)
echo "# newest format in ondisk.h: $newest; ondisk.rst: ${hist:-none}"
ok=1
[ -n "$rel" ] && [ "$fmt" = "$newest" ] &&
	[[ "$hist" == "Version $fmt (synod ${rel%.*},"* ||
	   "$hist" == "Version $fmt (synod ${rel%.*})"* ]] && ok=0
tap $ok "synodctl -V names the release and format of ondisk.rst's history"

# 3: test files and suites are in build.rst
missing=()
for f in tests/vm/*.bats; do
	grep -q "$(basename "$f")" Documentation/build.rst ||
		missing+=("$(basename "$f")")
done
for s in $(grep -ho '\.name = "synod_[a-z_]*"' kmod/kunit/*.c | cut -d'"' -f2); do
	grep -q "$s" Documentation/build.rst || missing+=("$s")
done
[ ${#missing[@]} -eq 0 ] || echo "# not in build.rst: ${missing[*]}"
tap ${#missing[@]} "build.rst describes every VM test file and KUnit suite"

# 4: what README's "Not yet" must not list again
bad=$(sed -n '/^\*\*State today\*\*/,/^$/p' README.md | tr '\n' ' ' |
      sed -n 's/.*Not yet://p' | grep -oiE 'state transfer|tracepoint|latency histogram')
[ -z "$bad" ] || echo "# README lists as missing: $bad"
tap "$([ -z "$bad" ]; echo $?)" "README's 'Not yet' lists nothing that is built"

exit $failed
