# check.sh — the fault suite's checker (sourced by netns.sh): after a fault,
# both stations' records must be whole and identical, and every message the
# driver saw acknowledged must be delivered exactly once, in order, receipted.

# received_texts FROM: the texts of the messages FROM authored, as the peer
# stored them, in seq order.
received_texts() {
	local from=$1 to
	to=$(peer_of "$from")
	hl "$to" log "$from" --json | jq -r 'select(.own == false and .kind == "MESSAGE") | "\(.seq)\t\(.text)"' |
		sort -n | cut -f 2-
}

# check_delivery FROM: the messages driven from FROM (in $T/acked.FROM).
check_delivery() {
	local from=$1 to n dup extra missing
	to=$(peer_of "$from")
	[ -f "$T/acked.$from" ] || return 0
	touch "$T/unacked.$from"
	received_texts "$from" >"$T/received.$from"
	n=$(wc -l <"$T/acked.$from")
	dup=$(sort "$T/received.$from" | uniq -d | head -n 3 | tr '\n' ' ')
	check "$from -> $to: no message stored twice${dup:+ (twice: $dup)}" [ -z "$dup" ]
	missing=$(comm -23 <(sort "$T/acked.$from") <(sort -u "$T/received.$from") | head -n 3 | tr '\n' ' ')
	check "$from -> $to: all $n acknowledged messages delivered${missing:+ (missing: $missing)}" \
		[ -z "$missing" ]
	# In order: the acknowledged texts, picked out of what was stored in seq
	# order, are exactly the driver's order (sends were one at a time).
	check "$from -> $to: delivered in the order sent" \
		cmp -s "$T/acked.$from" <(grep -Fxf "$T/acked.$from" "$T/received.$from")
	extra=$(comm -23 <(sort -u "$T/received.$from") <(sort -u "$T/acked.$from" "$T/unacked.$from") |
		head -n 3 | tr '\n' ' ')
	check "$from -> $to: nothing stored that was not sent${extra:+ (unknown: $extra)}" [ -z "$extra" ]
	local unr
	unr=$(hl "$from" log "$to" --json | jq -r 'select(.own == true and .receipted != true) | .seq' | head -n 3 |
		tr '\n' ' ')
	check "$from -> $to: every entry receipted${unr:+ (not: seq $unr)}" [ -z "$unr" ]
}

identical_ok() { [ "$1" -eq 0 ] && grep -q identical <<<"$2"; }

# fault_check: waits until both stations hold receipts for everything, then
# checks both exported records and every driven direction.
fault_check() {
	local t0=$SECONDS
	if wait_until "$FAULT_SETTLE" all_receipted alpha && wait_until 5 all_receipted bravo; then
		pass "all entries receipted, both ways (settled in $((SECONDS - t0)) s)"
	else
		fail "not all entries receipted within $FAULT_SETTLE s: alpha $(line_json alpha), bravo $(line_json bravo)"
	fi
	local n out rc
	for n in alpha bravo; do
		rm -f "$T/$n.hlt"
		check "$n exports its record" hl "$n" export "$(peer_of "$n")" -o "$T/$n.hlt"
		out=$("$HL" verify "$T/$n.hlt" 2>&1)
		rc=$?
		check "$n's record verifies ($(head -n 1 <<<"$out" | sed 's|^/.*/||'))" [ "$rc" -eq 0 ]
	done
	out=$("$HL" verify "$T/alpha.hlt" --against "$T/bravo.hlt" 2>&1)
	rc=$?
	check "both records identical (verify --against)" identical_ok "$rc" "$out"
	[ "$rc" -eq 0 ] || sed 's/^/    /' <<<"$out" | head -n 5
	check_delivery alpha
	check_delivery bravo
	check "both daemons still running" daemons_alive
	local san
	san=$(cat "$T"/alpha/log "$T"/bravo/log | grep -E 'Sanitizer|runtime error:' | head -n 1)
	check "no sanitizer report in the daemons' logs${san:+ ($san)}" [ -z "$san" ]
}

daemons_alive() {
	[ -n "${PID[alpha]:-}" ] && [ -n "${PID[bravo]:-}" ] &&
		kill -0 "${PID[alpha]}" 2>/dev/null && kill -0 "${PID[bravo]}" 2>/dev/null
}
