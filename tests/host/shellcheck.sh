#!/bin/bash
# Runs shellcheck -S warning over every shell file of the tree: prints TAP,
# one line per file it checks, so the log shows what was covered.
#
# The files: the shell scripts in scripts/ (by their #! line), and every
# *.sh, *.bash and *.bats file, tracked or new (not ignored: build/ is
# left out).  .shellcheckrc at the top lets shellcheck follow sourced
# files (tap.bash, wait.bash), so the variables they set are known.
# Any warning or error fails the file; nothing is excluded here.  Among
# them SC2314 and SC2315 (errors): '!' and '! [[ ]]' in a bats test do
# not fail it (errexit ignores them).
#
# usage: tests/host/shellcheck.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# tap STATUS DESCRIPTION; $n and $failed
. "$top/tests/lib/tap.bash"
cd "$top" || exit 1

if ! command -v shellcheck > /dev/null; then
	echo "shellcheck.sh: shellcheck is not installed (make deps)" >&2
	exit 1
fi

# shell_file PATH: a file of the tree shellcheck should read
shell_file() {
	case $1 in
	*.sh | *.bash | *.bats) return 0 ;;
	scripts/*) head -n 1 "$1" | grep -qE '^#!.*[/ ](ba)?sh([[:space:]]|$)' ;;
	*) return 1 ;;
	esac
}

if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	list=$(git ls-files --cached --others --exclude-standard -- \
		'*.sh' '*.bash' '*.bats' 'scripts/*')
else	# a tree without .git (an unpacked tarball)
	list=$(find . -path ./build -prune -o -path ./.git -prune -o -type f \
		\( -name '*.sh' -o -name '*.bash' -o -name '*.bats' \
		-o -path './scripts/*' \) -print | sed 's|^\./||')
fi
files=()
while IFS= read -r f; do
	[ -f "$f" ] && shell_file "$f" && files+=("$f")
done < <(sort -u <<< "$list")

echo "1..${#files[@]}"
shellcheck --version | sed -n 's/^version: /# shellcheck /p'
# One shellcheck per file, as many at once as there are CPUs (a file
# alone took CI two minutes); each writes its findings and status into
# $tmp under the file's index, and the TAP lines follow in file order.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in "${!files[@]}"; do
	printf '%s\0%s\0' "$i" "${files[i]}"
done | xargs -0 -n 2 -P "$(nproc)" sh -c \
	'shellcheck -S warning -f gcc "$2" > "$0/$1.out" 2>&1; echo $? > "$0/$1.rc"' \
	"$tmp"
for i in "${!files[@]}"; do
	out=$(cat "$tmp/$i.out" 2>/dev/null)
	rc=$(cat "$tmp/$i.rc" 2>/dev/null || echo 1)
	[ -z "$out" ] || sed 's/^/# /' <<< "$out"
	tap "$rc" "shellcheck: ${files[i]}"
done
[ "${#files[@]}" -gt 0 ] || { echo "shellcheck.sh: no file found" >&2; exit 1; }
exit "$failed"
