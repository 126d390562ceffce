#!/bin/bash
# hostile.sh — a live line (washington <-> moscow) under attack by peerctl:
# unpinned keys, replayed handshakes, garbage, stalls, floods, and tampered or
# equivocating entries signed with moscow's own key. The daemon must answer
# none of it, store none of it, keep the real line working, and stop the line
# for good on equivocation.
. "$(dirname "$0")/lib.sh"
PC="$TOOLS/peerctl"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 10 line_up washington moscow
W=127.0.0.1:${PORT[washington]}
WPUB=${PUB[washington]}
MKEY=$T/moscow/station.key
# Strangers come from another loopback address than moscow: the daemon
# rate-limits handshakes per source address.
EVIL=127.0.0.66

# Runs peerctl; its output goes to the test log, prefixed.
pc() { "$PC" "$@" 2>&1 | sed 's/^/    peerctl: /'; return "${PIPESTATUS[0]}"; }
# Why washington closed: its log since the last mark must say so (a silent
# close for the wrong reason would pass the zero-bytes check as well).
mark() { MARK=$(wc -l <"$T/washington/log"); }
logged() { tail -n +$((MARK + 1)) "$T/washington/log" | grep -q -- "$1"; }
inbox_has() { hl "$1" inbox | grep -q -- "$2"; }
not_up() { [ "$(field "$1" "$2" state)" != up ]; }
peer_seq_is() { [ "$(field washington moscow peer_seq)" = "$1" ]; }
reason_has() { field washington moscow stopped_reason | grep -qi -- "$1"; }

# 1. A key nobody pinned gets no byte back.
"$HL" keygen -o "$T/stranger.key" >/dev/null
mark
check "unpinned key: closed, zero bytes back" \
	pc probe "$W" --bind $EVIL --key "$T/stranger.key" --peer "$WPUB" --expect-refused
check "unpinned key: refused as an unknown peer" wait_until 2 logged 'closed: unknown peer'

# 3. Garbage, in parallel (the stalled ones last the daemon's 5 s handshake deadline).
declare -A JOB
bg() { local n=$1; shift; "$PC" "$@" --bind $EVIL >"$T/g-$n.out" 2>&1 & JOB[$n]=$!; }
bg rand1 garbage "$W" --bytes 1 --seed one
bg rand100 garbage "$W" --bytes 100 --seed hundred
bg rand70000 garbage "$W" --bytes 70000 --seed big
bg framed garbage "$W" --framed --bytes 200 --seed framed
bg zero garbage "$W" --zero-frame --bytes 0
bg stall garbage "$W" --stall --bytes 10

# 4. Meanwhile the real line works.
hl washington send moscow "line check during attack" >/dev/null
check "washington -> moscow delivered during the attack" \
	wait_until 10 inbox_has moscow 'line check during attack'
check "washington's entry receipted by moscow" wait_until 10 all_receipted washington moscow

for n in rand1 rand100 rand70000 framed zero stall; do
	if wait "${JOB[$n]}"; then pass "garbage $n: $(cat "$T/g-$n.out")"
	else fail "garbage $n: $(cat "$T/g-$n.out")"; fi
done
check "line still up after the attacks" line_up washington moscow
check "the line never dropped" bash -c "! grep -q 'line down' '$T/washington/log'"
check "washington holds no entry from the attackers" [ -z "$(chain washington moscow peer)" ]
check "washington holds exactly its one entry" [ "$(chain washington moscow own | wc -l)" -eq 1 ]

# From here peerctl is moscow (its key file); the real moscow must be away,
# or the daemon would just swap sessions between the two.
stop moscow
wait_until 10 not_up washington moscow

# A flood from one address is cut off by the rate limit, silently, and does
# not lock out moscow's address.
mark
flood=0
# All at once: one after another, a slow machine (ASan, other load) spreads
# them over more than the 2 s the burst of 20 at 10/s allows, and the limit
# never has to act.
pids=()
for _ in $(seq 40); do
	"$PC" garbage "$W" --bind $EVIL --zero-frame --bytes 0 >/dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || flood=1; done
check "flood of 40 connections: each closed with zero bytes" [ $flood -eq 0 ]
check "flood: the rate limit cut it off" wait_until 2 logged 'handshake rate limit for this address'

# 2. A captured message 1 of moscow's, replayed, is refused silently, also
# after washington restarts (the last timestamp is stored).
check "probe as moscow completes the handshake" \
	pc probe "$W" --key "$MKEY" --peer "$WPUB" --save-msg1 "$T/msg1"
mark
check "replayed message 1: closed, zero bytes back" pc replay "$W" "$T/msg1"
check "replay: refused as a replay" wait_until 2 logged 'replayed or stale handshake refused'
stop washington
start washington || fail "restart washington"
mark
check "replay after washington restarts: closed, zero bytes back" pc replay "$W" "$T/msg1"
check "replay after restart: refused as a replay" wait_until 2 logged 'replayed or stale handshake refused'

# 5. Tampered entries. First one valid entry, so that a wrong prev can be signed.
check "valid entry from moscow's key stored and receipted" \
	pc act "$W" --key "$MKEY" --peer "$WPUB" send-valid "base" expect-receipt 1
check "washington peer_seq = 1" peer_seq_is 1
# xlink-back: validly signed, every hash right, but its cross-link names none
# of washington's entries where moscow's seq 1 named washington's seq 1.
declare -A WHY=([bad-sig]='bad signature' [bad-prev]='previous hash does not match'
	[bad-peerhash]='cross-link names an unknown entry' [wrong-line]='wrong author or line'
	[xlink-back]='cross-link goes back')
for t in bad-sig bad-prev bad-peerhash wrong-line xlink-back; do
	mark
	check "$t: connection closed" pc act "$W" --key "$MKEY" --peer "$WPUB" "$t" expect-close
	check "$t: refused for the right reason" wait_until 2 logged "entry seq 2 refused: ${WHY[$t]}"
	check "$t: nothing stored (peer_seq still 1)" peer_seq_is 1
done
check "xlink-back: the line is not stopped by it" [ "$(field washington moscow state)" != stopped ]
# After a restart the rule still holds: the head's cross-link is read back.
stop washington
start washington || fail "restart washington"
mark
check "xlink-back after a restart: connection closed" \
	pc act "$W" --key "$MKEY" --peer "$WPUB" xlink-back expect-close
check "xlink-back after a restart: refused for the right reason" \
	wait_until 2 logged "entry seq 2 refused: ${WHY[xlink-back]}"
check "xlink-back after a restart: nothing stored (peer_seq still 1)" peer_seq_is 1
check "bad-seq: WANT from seq 2, connection stays open" \
	pc act "$W" --key "$MKEY" --peer "$WPUB" bad-seq expect-want 2 ping
check "bad-seq: nothing stored (peer_seq still 1)" peer_seq_is 1
# The largest legal transport message (65535 bytes) carrying a malformed
# record: closed, and the daemon survives it (it once zeroed 16 bytes past its
# plaintext buffer here: "stack smashing detected").
check "max-size transport message: connection closed" \
	pc act "$W" --key "$MKEY" --peer "$WPUB" max-frame expect-close
check "max-size transport message: washington still running" \
	bash -c "kill -0 $(cat "$T/washington/pid") && '$HL' -c '$T/washington/hotline.conf' status >/dev/null"
kill -0 "$(cat "$T/washington/pid")" 2>/dev/null || start washington # go on testing
check "max-size transport message: nothing stored (peer_seq still 1)" peer_seq_is 1

# 6. Equivocation stops the line, for good.
check "equivocation: closed after a second, different seq-2 entry" \
	pc act "$W" --key "$MKEY" --peer "$WPUB" send-valid A expect-receipt 2 equivocate B expect-close
check "line state is stopped" [ "$(field washington moscow state)" = stopped ]
check "stopped_reason mentions equivocation" reason_has equivocation
out=$(hl washington send moscow x 2>&1)
rc=$?
echo "    send on the stopped line: exit $rc: $out"
check "send on the stopped line fails with exit 1" [ "$rc" -eq 1 ]
check "its message says the line is stopped, and why" grep -q 'line stopped: equivocation' <<<"$out"
mark
check "a stopped line refuses moscow's handshake" \
	pc probe "$W" --key "$MKEY" --peer "$WPUB" --expect-refused
check "refused because the line is stopped" wait_until 2 logged 'closed: line stopped'
stop washington
start washington || fail "restart washington"
check "still stopped after a restart" [ "$(field washington moscow state)" = stopped ]
check "stopped_reason kept after a restart" reason_has equivocation
exit $FAILED
