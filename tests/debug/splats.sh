#!/bin/bash
# Find kernel splats and kmemleak reports, and say whose they are.
# Used by tests/debug/guest.sh (make check-debug) on the debug kernel's
# log; tests/debug/selftest.sh runs it on fixtures in make check.
#
#   splats.sh log DMESG MARK
#	Every splat (contract9 section 7 patterns) in DMESG after the first
#	line containing MARK.  One line per splat:
#	  splat: synod|not-synod|expected: FIRST LINE | frames: F1 < F2 < F3
#	"synod" when a line of the report names a function of the module
#	([synod]); "not-synod" names the first code frames instead (9p,
#	overlay...), and still fails.  "expected": the splat came in a test
#	that then called remark_log (tests/vm/engine.bats, a test that makes
#	a WARN on purpose and checks it); it is listed and does not fail.
#	Exit 1 if any splat other than "expected".
#
#   splats.sh leaks REPORT [LOADS]
#	Each object of a /sys/kernel/debug/kmemleak report:
#	  leak: synod|not-synod: size S, comm C | frames: F1 < F2 < F3
#	A frame of the loaded module shows as "... [synod]"; once the module
#	is gone, kmemleak prints a bare address, which LOADS (lines "ADDR
#	SIZE SECTION", the module's text sections at each unload, written by
#	tests/debug/bin/rmmod) maps back to synod.  Exit 1 if any leak.
set -u

# The patterns of contract9 section 7.
SPLAT='WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|blocked for more than|soft lockup|rcu.*stall|possible circular locking|possible recursive locking|inconsistent lock state|sleeping function called|kmemleak'

# Frames that only say which allocator was used: skipped when naming the
# owner of a leak.
ALLOC='kmemleak|kmalloc|kmem_cache|slab|kzalloc|kvmalloc|kvzalloc|krealloc|kstrdup|kmemdup|__vmalloc|vmalloc|alloc_pages|__get_free|mempool_alloc|__alloc|_noprof'

usage() { sed -n '/^#   splats/,/^set -u/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# Frames of the reporting machinery itself, not of the code at fault.
NOISE='^(dump_stack|show_stack|__warn|warn_|report_bug|handle_bug|exc_invalid_op|asm_exc_|kasan_|__asan_|print_|lockdep_|lock_acquire|__lock_acquire|check_prev|check_noncircular|validate_chain|__might_|might_sleep|___might)'

# The first three distinct "func+0x..." frames of a report (stdin).
frames() {
	grep -oE '[A-Za-z_.][A-Za-z0-9_.]*\+0x[0-9a-f]+/0x[0-9a-f]+( \[[a-z0-9_]+\])?' |
		grep -vE "$NOISE" | awk '!seen[$0]++' | head -n 3 |
		sed ':a;N;$!ba;s/\n/ < /g'
}

# log DMESG MARK
log_splats() {
	local file=$1 mark=$2
	awk -v mark="$mark" -v pat="$SPLAT" '
	# A report runs from its first line to its end marker, the next
	# test mark, or 120 lines, whichever comes first.
	function flush(kind) {
		if (!inrep) return
		out[n++] = kind "\t" first "\t" body
		inrep = 0
	}
	function settle(kind,   i) {
		# splats seen since the last mark get their verdict now
		# (no sub() on an array element: mawk drops the change)
		# (base + 0: mawk copies an unset variable as "", not 0)
		for (i = base + 0; i < n; i++) if (out[i] ~ /^pending\t/)
			out[i] = kind substr(out[i], 8)
		base = n
	}
	BEGIN { n = 0; base = 0 }
	!started { if (index($0, mark)) started = 1; next }
	{
		line = $0
		sub(/^\[[ 0-9.]+\] /, "", line)
		if (line ~ /synod-test: again /) {
			flush("pending"); settle("expected"); next
		}
		if (line ~ /synod-test: start / || line ~ /synod-check-debug: /) {
			flush("pending"); settle("fail"); next
		}
		if (inrep) {
			body = body "\n" line
			# lockdep draws a rule of dashes under its title:
			# only "=" rules and end-of-trace lines close
			if (line ~ /---\[ end trace|^=+$/ || ++len > 120)
				flush("pending")
			next
		}
		if (line ~ pat) {
			inrep = 1; first = line; body = line; len = 0
		}
	}
	END {
		flush("pending"); settle("fail")
		for (i = 0; i < n; i++) print out[i] "\036"
	}' "$file" | {
		local bad=0 rec kind first body who
		while IFS= read -r -d $'\036' rec; do
			rec=${rec#$'\n'}
			kind=${rec%%$'\t'*}; rec=${rec#*$'\t'}
			first=${rec%%$'\t'*}; body=${rec#*$'\t'}
			if [ "$kind" = expected ]; then
				who=expected
			elif grep -q '\[synod\]\|synod_' <<< "$body"; then
				who=synod bad=1
			else
				who=not-synod bad=1
			fi
			echo "splat: $who: $first | frames: $(frames <<< "$body")"
		done
		return "$bad"
	}
}

# A bare address (hex, no 0x) inside one of the recorded sections?
in_loads() {
	local a=$((16#$1)) addr size name
	[ -n "$loads" ] && [ -f "$loads" ] || return 1
	while read -r addr size name; do
		addr=${addr#0x}
		if [ "$a" -ge "$((16#$addr))" ] && [ "$a" -lt "$((16#$addr + size))" ]; then
			echo "$name+0x$(printf %x $((a - 16#$addr))) [synod, unloaded]"
			return 0
		fi
	done < "$loads"
	return 1
}

# leaks REPORT [LOADS]
leaks() {
	local file=$1 rec who size comm fr a s bt
	loads=${2:-}
	[ -s "$file" ] || return 0
	awk '/^unreferenced object/ && NR > 1 { printf "\036" } { print }
	     END { printf "\036" }' "$file" |
	while IFS= read -r -d $'\036' rec; do
		rec=${rec#$'\n'}
		[ -n "$rec" ] || continue
		size=$(sed -n 's/^unreferenced object [^ ]* (size \([0-9]*\)).*/\1/p' <<< "$rec")
		comm=$(sed -n 's/^ *comm "\([^"]*\)".*/\1/p' <<< "$rec")
		who=not-synod fr=
		# the backtrace's frames, with or without "[<address>] " in
		# front (6.12's kmemleak prints none: "    0xffffffffc02e906a")
		bt=$(sed -n '/^ *backtrace/,$p' <<< "$rec" | tail -n +2 |
			sed 's/^ *//; s/^\[<[0-9a-f]*>\] //')
		if grep -q '\[synod\]' <<< "$bt"; then
			who=synod
		else
			for a in $(grep -oE '^0x[0-9a-f]+$' <<< "$bt" | sed 's/^0x//'); do
				if s=$(in_loads "$a"); then who=synod fr=$s; break; fi
			done
		fi
		[ -n "$fr" ] || fr=$(grep -vE "$ALLOC" <<< "$bt" | frames)
		[ -n "$fr" ] || fr=$(head -n 3 <<< "$bt" | paste -sd '<')
		echo "leak: $who: size ${size:-?}, comm ${comm:-?} | frames: $fr"
	done
	# the pipeline's last command decides the status
	[ "$(grep -c '^unreferenced object' "$file")" = 0 ]
}

case "${1:-}" in
log)	[ $# = 3 ] || usage; log_splats "$2" "$3" ;;
leaks)	[ $# -ge 2 ] || usage; leaks "$2" "${3:-}" ;;
*)	usage ;;
esac
