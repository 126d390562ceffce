#!/bin/bash
# store_fault.sh — a storage error in the middle of a loop turn (H12 item 1).
# washington runs with tests/tools/sqlfault.c preloaded: in each round the
# k-th write of a transaction fails as SQLite fails on a full disk (the
# whole transaction rolled back on its own, SQLITE_FULL), while the turn
# also carries a pipelined burst of washington's own sends and entries
# arriving from moscow. k sweeps the writes of such a turn. Afterwards:
# no hole in either chain, no receipt beyond what washington durably holds,
# every client told the truth (an "ok" is stored exactly once, a refusal is
# stored nowhere), and the line carries on.
#   STORE_FAULT_ROUNDS   how many k to try (default 10)
. "$(dirname "$0")/lib.sh"
ROUNDS=${STORE_FAULT_ROUNDS:-10}
SHIM="$TOOLS/libsqlfault.so"
BURST="$ROOT/tests/tools/sendburst.py"
[ -f "$SHIM" ] || { fail "the fault shim $SHIM is not built (make tests)"; exit 1; }

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
write_config washington moscow
write_config moscow washington
CTL="$T/washington/fault"
# The sanitizers' runtime must come first; the shim is not instrumented.
HL_SQLFAULT_CTL=$CTL LD_PRELOAD=$SHIM ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	start washington || { fail "start washington (with the fault shim)"; exit 1; }
start moscow || { fail "start moscow"; exit 1; }
check "line comes up" wait_until 10 line_up washington moscow
hl washington send moscow "warm-up" >/dev/null && hl moscow send washington "warm-up" >/dev/null
check "warm-up receipted" wait_until 10 all_receipted washington moscow

# The longest run of moscow's seqs washington holds from 1 with no hole.
contiguous_peer() {
	hl washington log moscow --json | jq -r 'select(.own == false) | .seq' | sort -n |
		awk 'BEGIN { n = 0 } $1 == n + 1 { n = $1 } END { print n }'
}
# receipts_honest: moscow's newest receipt from washington covers nothing
# washington does not hold (read first: washington only gains).
receipts_honest() {
	local r c
	r=$(field moscow washington receipted_seq)
	c=$(contiguous_peer)
	[ "${r:-0}" -le "${c:-0}" ] || { echo "moscow holds a receipt for $r, washington holds 1..$c" >&2; return 1; }
}

: >"$T/w.results"
: >"$T/m.results"
fired=0
honest=1
for k in $(seq "$ROUNDS"); do
	echo "$k" >"$CTL"
	python3 "$BURST" "$T/washington/hotline.sock" moscow "w$k" 4 >"$T/w.round" 2>&1 &
	wp=$!
	python3 "$BURST" "$T/moscow/hotline.sock" washington "m$k" 3 >"$T/m.round" 2>&1 &
	mp=$!
	wait "$wp" || fail "round $k: washington's burst: $(tail -n 1 "$T/w.round")"
	wait "$mp" || fail "round $k: moscow's burst: $(tail -n 1 "$T/m.round")"
	receipts_honest || honest=0
	cat "$T/w.round" >>"$T/w.results"
	cat "$T/m.round" >>"$T/m.results"
	what=$(cat "$CTL" 2>/dev/null)
	case "$what" in
	fired:*)
		fired=$((fired + 1))
		echo "INFO: round $k: $(cut -c 1-90 <<<"$what"); washington's answers: $(awk '{printf "%s ", $1}' "$T/w.round")"
		;;
	*) echo "INFO: round $k: no k-th write in that turn" ;;
	esac
	rm -f "$CTL"
	wait_until 15 all_receipted washington moscow
	wait_until 15 all_receipted moscow washington
	receipts_honest || honest=0
done
check "the fault fired in several rounds ($fired of $ROUNDS)" [ "$fired" -ge 3 ]
refused=$(grep -c '^err ' "$T/w.results")
check "some of washington's sends were refused as not stored ($refused)" [ "$refused" -ge 1 ]
check "no receipt ever covered an entry washington did not hold" [ "$honest" -eq 1 ]
check "everything of washington's is receipted in the end" wait_until 20 all_receipted washington moscow
check "everything of moscow's is receipted in the end" wait_until 20 all_receipted moscow washington

# Clients told the truth: each "ok" stored once, in both records; each
# refusal nowhere.
texts() { hl "$1" log "$2" --json | jq -r --argjson own "$3" 'select(.own == $own and .kind == "MESSAGE") | .text' | sort; }
texts washington moscow true >"$T/w.own"
texts moscow washington false >"$T/m.peer"
texts moscow washington true >"$T/m.own"
texts washington moscow false >"$T/w.peer"
ok_w=$(awk '$1 == "ok" {print $2}' "$T/w.results" | sort)
err_w=$(awk '$1 == "err" {print $2}' "$T/w.results" | sort)
ok_m=$(awk '$1 == "ok" {print $2}' "$T/m.results" | sort)
dups() { uniq -d "$1" | head -n 3 | tr '\n' ' '; }
check "washington stored none of its messages twice $(dups "$T/w.own")" [ -z "$(dups "$T/w.own")" ]
check "moscow stored none of washington's twice $(dups "$T/m.peer")" [ -z "$(dups "$T/m.peer")" ]
check "washington stored none of moscow's twice $(dups "$T/w.peer")" [ -z "$(dups "$T/w.peer")" ]
missing=$(comm -23 <(echo "$ok_w") "$T/m.peer" | head -n 3 | tr '\n' ' ')
check "every send washington answered ok reached moscow${missing:+ (missing: $missing)}" [ -z "$missing" ]
missing=$(comm -23 <(echo "$ok_m") "$T/w.peer" | head -n 3 | tr '\n' ' ')
check "every send moscow answered ok reached washington${missing:+ (missing: $missing)}" [ -z "$missing" ]
ghost=$(comm -12 <(echo "$err_w") <(sort -u "$T/w.own" "$T/m.peer") | head -n 3 | tr '\n' ' ')
check "no send washington refused was stored anywhere${ghost:+ (stored: $ghost)}" [ -z "$ghost" ]

for n in washington moscow; do
	peer=moscow
	[ "$n" = moscow ] && peer=washington
	check "$n exports its record" hl "$n" export "$peer" -o "$T/$n.hlt"
	out=$("$HL" verify "$T/$n.hlt" 2>&1)
	check "$n's record verifies: no hole in either chain ($(head -n 1 <<<"$out" | sed 's|^/.*/||'))" \
		[ $? -eq 0 ]
done
check "the two records are identical" bash -c "'$HL' verify '$T/washington.hlt' --against '$T/moscow.hlt' | grep -q identical"

# The line carries on both ways.
hl washington send moscow "after the faults" >/dev/null || fail "send after the faults"
hl moscow send washington "after the faults too" >/dev/null || fail "moscow's send after the faults"
check "a message after the faults reaches moscow" wait_until 10 bash -c \
	"'$HL' -c '$T/moscow/hotline.conf' inbox | grep -q 'after the faults'"
check "and one reaches washington" wait_until 10 bash -c \
	"'$HL' -c '$T/washington/hotline.conf' inbox | grep -q 'after the faults too'"
check "washington says why the store failed (log)" grep -q 'store commit failed' "$T/washington/log"
exit $FAILED
