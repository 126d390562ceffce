#!/bin/bash
# hostile2.sh — a peer that lies about the two chains, through a real
# washington station: a HELLO claiming more (or another) of washington's
# entries than it wrote, or another hash for its own newest entry, or a
# rolled-back chain that then signs an old seq again; receipts that fork
# (another hash for a receipted seq, a seq never written); a clock far off;
# receipts withheld. peerctl holds moscow's key (no moscow daemon runs). Each
# lie must stop the line with its reason and an alarm and keep everything
# stored; the clock and receipt faults must raise their alarms and clear them.
. "$(dirname "$0")/lib.sh"
PC="$TOOLS/peerctl"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
cat >"$T/alarm.sh" <<'SH'
#!/bin/sh
echo "$HOTLINE_ALARM_STATE $HOTLINE_ALARM_KIND $HOTLINE_ALARM_PEER $HOTLINE_ALARM_TEXT" >>"$(dirname "$0")/alarms.log"
SH
chmod 755 "$T/alarm.sh"
STATION_EXTRA="ReceiptTimeout = 2s
MaxClockSkew = 2s
AlarmCommand = $T/alarm.sh" write_config washington moscow
start washington || { fail "start washington"; exit 1; }
W=127.0.0.1:${PORT[washington]}
WPUB=${PUB[washington]}
MKEY=$T/moscow/station.key

pc() { "$PC" "$@" 2>&1 | sed 's/^/    peerctl: /'; return "${PIPESTATUS[0]}"; }
act() { pc act "$W" --key "$MKEY" --peer "$WPUB" "$@"; }
mark() { MARK=$(wc -l <"$T/washington/log"); }
logged() { tail -n +$((MARK + 1)) "$T/washington/log" | grep -q -- "$1"; }
f() { field washington moscow "$1"; }
state_is() { [ "$(f state)" = "$1" ]; }
reason_has() { f stopped_reason | grep -qi -- "$1"; }
alarm_open() { hl washington status --json | jq -e --arg k "$1" '.lines[0].alarms[] | select(.kind == $k)' >/dev/null; }
alarm_gone() { ! alarm_open "$1"; }
alarm_text_has() { # KIND TEXT
	hl washington status --json | jq -r --arg k "$1" '.lines[0].alarms[] | select(.kind == $k) | .text' |
		grep -qi -- "$2"
}
command_ran() { grep -q -- "$1" "$T/alarms.log" 2>/dev/null; }
heads() { echo "own $(f own_seq), peer $(f peer_seq), receipted $(f receipted_seq)"; }
own_is() { [ "$(f own_seq)" = "$1" ]; }

# A new washington store with two entries each way, washington's receipted
# by moscow: own 2, peer 2, receipted 2. Its two sends wait unsigned until a
# HELLO confirms the record (docs/PROTOCOL.md §4.2): a first session does
# that, and the next one finds them signed and receipts them.
fresh() {
	stop washington
	rm -rf "$T/washington/state" "$T/alarms.log"
	start washington || return 1
	hl washington send moscow "w-1" 2>/dev/null && hl washington send moscow "w-2" 2>/dev/null &&
		act ping >/dev/null && wait_until 5 own_is 2 &&
		act send-valid m-1 send-valid m-2 expect-receipt 2 receipt-head ping >/dev/null &&
		[ "$(heads)" = "own 2, peer 2, receipted 2" ]
}

# The checks every stop shares. NAME REASON-PATTERN HEADS-BEFORE
stopped() {
	check "$1: line stopped" wait_until 5 state_is stopped
	check "$1: stopped_reason says why ($(f stopped_reason))" reason_has "$2"
	check "$1: alarm raised with that reason" wait_until 5 alarm_text_has equivocation "$2"
	check "$1: AlarmCommand ran for it" wait_until 5 command_ran "raised equivocation moscow"
	check "$1: everything stored is kept ($3)" [ "$(heads)" = "$3" ]
}

check "set up: washington holds 2 entries each way, 2 receipted" fresh

# ---- Withheld receipts: the no-receipt alarm (ReceiptTimeout 2 s) ----
check_not "no no-receipt alarm while everything is receipted" alarm_open no-receipt
act wait-entry idle 7 receipt-head idle 3 >"$T/nr.out" 2>&1 &
NR=$!
check "moscow (peerctl) connected" wait_until 10 state_is up
hl washington send moscow "w-3" >/dev/null
check "no-receipt alarm raised after ReceiptTimeout" wait_until 6 alarm_open no-receipt
check "its text counts the waiting entry" alarm_text_has no-receipt "1 entries wait for moscow's receipt"
check "AlarmCommand ran for it" command_ran "raised no-receipt moscow"
check "the entry stays queued (1 unreceipted)" [ "$(f unreceipted)" = 1 ]
check "the alarm clears once the receipt comes" wait_until 10 alarm_gone no-receipt
check "AlarmCommand ran for the clearing" wait_until 5 command_ran "cleared no-receipt moscow"
check "receipted_seq is 3" [ "$(f receipted_seq)" = 3 ]
wait $NR
rc=$?
cat "$T/nr.out"
check "the station kept the silent peer's connection open throughout" [ $rc -eq 0 ]

# ---- A peer clock 10 s ahead (MaxClockSkew 2 s): clock-skew alarm ----
check_not "no clock-skew alarm while moscow's clock was right" alarm_open clock-skew
act --clock-offset 10000 send-valid "dated ahead" expect-receipt 3 idle 6 clock-offset 0 idle 6 \
	>"$T/cs.out" 2>&1 &
CS=$!
check "clock-skew alarm raised" wait_until 5 alarm_open clock-skew
off=$(f clock_offset_ms)
check "status shows moscow's clock about 10 s ahead ($off ms)" \
	awk -v o="$off" 'BEGIN { exit !(o > 8500 && o < 11500) }'
check "the alarm says by how much" alarm_text_has clock-skew "moscow's clock is +[0-9.]* s off ours (bound 2.0 s)"
check "AlarmCommand ran for it" command_ran "raised clock-skew moscow"
ent=$(hl washington log moscow --json | jq -c 'select(.own == false and .seq == 3)')
skew=$(jq -r '.time_ms - .stored_ms' <<<"$ent")
check "the entry keeps moscow's time beside our storage time, ~10 s apart ($skew ms)" \
	awk -v s="$skew" 'BEGIN { exit !(s > 8500 && s < 11500) }'
check "the alarm clears when moscow's clock is right again" wait_until 10 alarm_gone clock-skew
check "AlarmCommand ran for the clearing" wait_until 5 command_ran "cleared clock-skew moscow"
wait $CS
rc=$?
cat "$T/cs.out"
check "the skewed peer was not cut off (peerctl finished its script)" [ $rc -eq 0 ]
check_not "a wrong clock does not stop the line" state_is stopped

# ---- HELLO: the peer says it holds none of our entries, below its receipt ----
# What an honest peer says after its store was restored (its own daemon then
# stops the line). Not a stop here: another path's receipt may overtake a
# HELLO, so a HELLO below our receipt is no proof. It must cost us nothing:
# the receipt it signed stays our proof of delivery, and the session works.
before=$(heads)
check "HELLO holding none of ours (below the receipt it signed): session kept" \
	act --hello ours-none ping
check "HELLO holding none of ours: receipted_seq and the rest unchanged ($before)" [ "$(heads)" = "$before" ]

# ---- HELLO: the peer's own chain rolled back, then seq 1 signed again ----
mark
before=$(heads)
check "rolled-back peer (HELLO: its chain empty) then signs a new seq 1: closed" \
	act --hello theirs-none ping send-valid "seq 1, rewritten" expect-close
check "rolled-back peer: washington logged the rollback at HELLO" \
	logged "peer says its newest entry is 0, we hold $(f peer_seq) of theirs"
stopped "rolled-back peer re-signing seq 1" "equivocation" "$before"
check "rolled-back peer: the proof exports" hl washington export moscow --proof -o "$T/proof.hlt"
out=$("$HL" verify "$T/proof.hlt")
check "rolled-back peer: the proof verifies as moscow's equivocation at seq 1" \
	grep -q "PROOF OF EQUIVOCATION: moscow" <<<"$out"
check "rolled-back peer: ... naming seq 1" grep -q "seq 1" <<<"$out"

# ---- HELLO: more of our entries than we wrote (our store restored) ----
check "set up again" fresh
mark
check "HELLO claiming seq 3 of washington's 2: closed" act --hello ours-ahead expect-close
stopped "HELLO ahead of our chain" "store restored from an old copy" "own 2, peer 2, receipted 2"
check "HELLO ahead: a send on the stopped line is refused" bash -c \
	"! '$HL' -c '$T/washington/hotline.conf' send moscow x >/dev/null 2>&1"
stop washington
start washington || fail "restart washington"
check "HELLO ahead: still stopped after a restart" state_is stopped
check "HELLO ahead: the reason kept" reason_has "store restored"
check "HELLO ahead: the alarm still open" alarm_open equivocation
check "HELLO ahead: a stopped line refuses moscow's handshake" \
	pc probe "$W" --key "$MKEY" --peer "$WPUB" --expect-refused

# ---- HELLO: another hash for our newest entry ----
# With an operator's send queued before it (washington restarted: nothing
# is signed until a HELLO confirms the record): it stays unsigned, held.
check "set up again" fresh
stop washington
start washington || fail "restart washington"
hl washington send moscow "held-1" 2>/dev/null
check "a send before the HELLO is queued (1 queued)" [ "$(f queued)" = 1 ]
check "HELLO naming another hash for washington's seq 2: closed" act --hello ours-forked expect-close
stopped "HELLO forking our chain" "different entry of ours at seq 2" "own 2, peer 2, receipted 2"
check "HELLO forking our chain: the reason says a queued entry is held" reason_has "1 queued entry held, not signed"
check "HELLO forking our chain: the queued send is still held, unsigned" [ "$(f queued)" = 1 ]

# ---- HELLO: another hash for the peer's own newest entry ----
# It signs, bound to this session, that its seq 2 is not the seq 2 it sent us.
check "set up again" fresh
check "HELLO naming another hash for moscow's own seq 2: closed" act --hello theirs-forked expect-close
stopped "HELLO forking the peer's own chain" "fork" "own 2, peer 2, receipted 2"

# ---- Receipts that fork ----
check "set up again" fresh
check "two signed receipts for washington's seq 2, different hashes: closed" \
	act receipt-head receipt-fork expect-close
stopped "forked receipt" "receipted a different entry of ours at seq 2" "own 2, peer 2, receipted 2"
stop washington
start washington || fail "restart washington"
check "forked receipt: still stopped after a restart" state_is stopped
check "forked receipt: the first, valid receipt is still the proof of delivery" [ "$(f receipted_seq)" = 2 ]

check "set up again" fresh
check "a signed receipt for washington's seq 3, never written: closed" act receipt-beyond expect-close
stopped "receipt for a seq never written" "we wrote only 2" "own 2, peer 2, receipted 2"
exit $FAILED
