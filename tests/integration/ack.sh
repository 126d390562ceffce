#!/bin/bash
# ack.sh — precedence that acts and human acknowledgement, through real
# daemons: an unacknowledged FLASH raises `ack-overdue` on the receiver at
# its deadline (not before), the sender's log shows it delivered and NOT
# acknowledged (and a message the peer never got as NOT DELIVERED), `inbox
# --unacked` lists what waits most urgent first, `hotline ack` clears the
# alarms on both sides and refuses what it must, a note and a reply's
# reference travel, and a restart keeps the state.
. "$(dirname "$0")/lib.sh"

STATION_EXTRA="AckDeadlines = flash=4s,immediate=1h,priority=2h,routine=3h"
new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
wait_until 20 line_up washington moscow || { fail "line up"; exit 1; }
OP=$(id -un)

alarm_since() { # NAME PEER KIND: since_ms of the open alarm, or nothing
	hl "$1" status --json | jq -r --arg p "$2" --arg k "$3" \
		'.lines[] | select(.peer == $p) | .alarms[] | select(.kind == $k) | .since_ms'
}
has_alarm() { test -n "$(alarm_since "$@")"; }
# entry NAME VIEW... JQ: the JSON of the one entry whose text starts with $PFX
entry() { local n=$1; shift; hl "$n" "$@" --json | jq -c -s --arg p "$PFX" '[.[] | select(.text | startswith($p))] | .[0]'; }

hl washington send moscow -p flash "F1 flash, please acknowledge" >/dev/null
check "a FLASH is sent" test $? -eq 0
check "... and receipted" wait_until 20 all_receipted washington moscow
PFX="F1 flash"
f1=$(entry moscow inbox)
stored=$(jq -r .stored_ms <<<"$f1")
echo "    moscow's view: $f1"
check "moscow's inbox: F1 waits for an ack, due 4 s after moscow stored it" \
	jq -e --argjson s "$stored" '.ack.state == "waiting" and .ack.due_ms == $s + 4000 and .ref == "washington#1"' <<<"$f1"
check "moscow's inbox text counts the deadline down" bash -c "'$HL' -c '$T/moscow/hotline.conf' inbox | grep -q 'ACK DUE in [0-9]s'"
check_not "no ack-overdue alarm before the deadline" has_alarm moscow washington ack-overdue
check "moscow raises ack-overdue once F1 is past due" wait_until 15 has_alarm moscow washington ack-overdue
since=$(alarm_since moscow washington ack-overdue)
late=$((since - stored))
echo "    alarm raised $late ms after moscow stored F1 (deadline 4000 ms)"
check "... not before the deadline" test "$late" -ge 4000
check "... and within 2.5 s after it" test "$late" -le 6500
check "... its text names the entry and the command" \
	bash -c "'$HL' -c '$T/moscow/hotline.conf' status | grep -q 'ack-overdue: washington#1 FLASH.*hotline ack washington#1'"
check "moscow's inbox says ACK OVERDUE" bash -c "'$HL' -c '$T/moscow/hotline.conf' inbox | grep -q 'ACK OVERDUE'"
check "washington raises unacknowledged" wait_until 5 has_alarm washington moscow unacknowledged
w1=$(entry washington log moscow)
check "washington's log JSON: F1 receipted and its ack overdue" \
	jq -e '.receipted == true and .ack.state == "overdue" and .ack.overdue_ms >= 0 and .own == true' <<<"$w1"
wlog=$(hl washington log moscow)
check "washington's log text: delivered, NOT ACKNOWLEDGED" grep -q 'F*\[delivered, NOT ACKNOWLEDGED, overdue [0-9]*s\]' <<<"$wlog"

# Not delivered is not the same as not acknowledged.
stop moscow
hl washington send moscow -p flash "F2 flash while moscow is down" >/dev/null
down_f2() { PFX="F2 flash"; entry washington log moscow | jq -e '.ack.state == "overdue" and .receipted == false' >/dev/null; }
check "F2 (never delivered) goes overdue at washington" wait_until 15 down_f2
wlog=$(hl washington log moscow)
echo "$wlog" | grep -E '^\S.*(FLASH|ROUTINE)' | sed 's/^/    /'
check "... shown as NOT DELIVERED" grep -q '\[NOT DELIVERED (no receipt), ack overdue' <<<"$wlog"
check "... while F1 is delivered, NOT ACKNOWLEDGED" grep -q '\[delivered, NOT ACKNOWLEDGED' <<<"$wlog"

# A restart of moscow keeps its watch: F1 still overdue, the alarm still open.
start moscow || { fail "restart moscow"; exit 1; }
wait_until 20 line_up washington moscow
check "after a restart moscow still has ack-overdue" has_alarm moscow washington ack-overdue
check "... and F2 arrives" wait_until 20 all_receipted washington moscow
hl washington send moscow -p routine "R1 routine" >/dev/null
hl washington send moscow -p immediate "I1 immediate" >/dev/null
wait_until 20 all_receipted washington moscow
order=$(hl moscow inbox --unacked --json | jq -r '.text[0:2]' | tr '\n' ' ')
echo "    inbox --unacked: $order"
check "inbox --unacked: overdue first, then by precedence (F1 F2 I1 R1)" test "$order" = "F1 F2 I1 R1 "
check "inbox --unacked text lists the four" \
	test "$(hl moscow inbox --unacked | grep -c '^[0-9].*washington#')" = 4

# Refusals, each with a clear message and nothing written.
seq0=$(field moscow washington own_seq)
out=$(hl moscow ack 'not an entry!' 2>&1); rc=$?
check "a malformed ENTRY is a usage error" test $rc -eq 2
check "... that says what an entry name is" grep -q 'does not name an entry' <<<"$out"
out=$(hl moscow ack washington#99 2>&1)
check "an unknown entry is refused" grep -q 'no entry washington#99' <<<"$out"
out=$(hl moscow ack tokyo#1 2>&1)
check "an unknown station is refused" grep -q "neither this station nor a configured peer" <<<"$out"
hl washington test moscow >/dev/null 2>&1
tseq=$(hl moscow inbox --json | jq -s -r '[.[] | select(.kind == "TEST")] | .[0].seq')
out=$(hl moscow ack "washington#$tseq" 2>&1)
check "a link test is refused: it takes no ack" grep -q 'is a TEST entry: only messages, notices and check-ins' <<<"$out"
check "nothing was written by the refusals" test "$(field moscow washington own_seq)" = "$((seq0 + 1))" -o "$(field moscow washington own_seq)" = "$seq0"

# Acknowledge F1 with a note; then F2, I1, R1. F2 goes overdue first, so
# that the alarm must stay until the last overdue entry is acknowledged.
f2_overdue() { PFX="F2 flash"; entry moscow inbox | jq -e '.ack.state == "overdue"' >/dev/null; }
check "F2 goes overdue at moscow too" wait_until 15 f2_overdue
out=$(hl moscow ack washington#1 --note "Received, acting on it" --json)
echo "    ack reply: $out"
check "ack replies with the ACK's id and what it acknowledged" \
	jq -e '.ok == true and .acked == "washington#1" and .peer == "washington" and (.id | length) == 64' <<<"$out"
ackreply=$out
out=$(hl moscow ack washington#1 2>&1)
check "a second ack is refused, saying by whom" grep -q "washington#1 was already acknowledged by $OP at " <<<"$out"
ackseq=$(jq -r .seq <<<"$ackreply")
out=$(hl moscow ack "moscow#$ackseq" 2>&1)
check "acknowledging our own entry is refused" grep -q "is this station's own entry" <<<"$out"
PFX="F1 flash"
check "moscow's inbox: F1 acked by the operator" \
	bash -c "'$HL' -c '$T/moscow/hotline.conf' inbox --json | jq -e -s --arg op '$OP' '[.[] | select(.text | startswith(\"F1\"))][0].ack | .state == \"acked\" and .by == \$op' >/dev/null"
check_not "... still ack-overdue (F2 is overdue too)" test -z "$(alarm_since moscow washington ack-overdue)"
for e in 2 3 4; do hl moscow ack "washington#$e" >/dev/null || fail "ack washington#$e"; done
check_not "all acknowledged: moscow's ack-overdue alarm is gone" has_alarm moscow washington ack-overdue
check "inbox --unacked is empty" bash -c "'$HL' -c '$T/moscow/hotline.conf' inbox --unacked | grep -q 'nothing waits'"
gone() { ! has_alarm washington moscow unacknowledged; }
check "washington's unacknowledged alarm clears when the ACKs arrive" wait_until 15 gone
w1=$(PFX="F1 flash" entry washington log moscow)
echo "    washington's view: $w1"
check "washington's log JSON: F1 acked by moscow's operator, with the note" \
	jq -e --arg op "$OP" '.ack.state == "acked" and .ack.by == $op and .ack.note == "Received, acting on it" and .ack.ack_ref == "moscow#'"$ackseq"'"' <<<"$w1"
check "washington's log text: acknowledged by the operator" \
	bash -c "'$HL' -c '$T/washington/hotline.conf' log moscow | grep -q '\[acknowledged by $OP [0-9-]* [0-9:]*Z\]'"
check "... and the note under it" \
	bash -c "'$HL' -c '$T/washington/hotline.conf' log moscow | grep -q 'ack: moscow#$ackseq: Received, acting on it'"

# A reply names the entry it answers, at the peer too.
hl moscow send washington --reply-to washington#1 "Re F1: done" >/dev/null
check "send --reply-to is accepted" test $? -eq 0
out=$(hl moscow send washington --reply-to washington#99 "nothing" 2>&1)
check "--reply-to an unknown entry is refused" grep -q 'reply_to: no entry washington#99' <<<"$out"
wait_until 20 all_receipted moscow washington
r=$(PFX="Re F1" entry washington inbox)
check "washington sees the reply's reference as its own entry" \
	jq -e '.refs == ["washington#1@moscow"] and (.ref | startswith("moscow#"))' <<<"$r"
check "... and in text: re: washington#1@moscow" \
	bash -c "'$HL' -c '$T/washington/hotline.conf' inbox | grep -q 're: washington#1@moscow'"

# Restart of both: the acknowledged state is derived from the record.
stop washington
start washington || fail "restart washington"
check_not "after a restart washington has no unacknowledged alarm" has_alarm washington moscow unacknowledged
w1=$(PFX="F1 flash" entry washington log moscow)
check "... and F1 is still shown acked" jq -e '.ack.state == "acked"' <<<"$w1"
stop washington
stop moscow
exit $FAILED
