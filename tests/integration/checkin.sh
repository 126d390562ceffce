#!/bin/bash
# checkin.sh — regular contact through real daemons: washington's line to
# moscow has a check-in every 5 s that moscow's operator must answer within
# 3 s. Answered check-ins, an unanswered one (operator absent) and one
# written while moscow is down are each recorded as such on both sides —
# status, report and log — the unanswered one covered by moscow's signed
# receipt (the line worked, the people did not), the last one not.
. "$(dirname "$0")/lib.sh"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
PEER_EXTRA=$'CheckIn = every 5s\nCheckInDeadline = 3s' write_config washington moscow
PEER_EXTRA="CheckInDeadline = 3s" write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
wait_until 20 line_up washington moscow || { fail "line up"; exit 1; }
OP=$(id -un)

# The check-in moscow has not answered yet, if any ("washington#N").
waiting_checkin() {
	hl moscow inbox --unacked --json | jq -r 'select(.kind == "CHECKIN" and .ack.state == "waiting") | .ref' | head -n 1
}
answered=0
for _ in 1 2; do
	ref=""
	for _ in $(seq 150); do ref=$(waiting_checkin); [ -n "$ref" ] && break; sleep 0.1; done
	[ -n "$ref" ] || break
	hl moscow ack "$ref" --note "on watch" >/dev/null && answered=$((answered + 1))
	echo "    answered $ref"
done
check "two check-ins arrive and are answered within their deadline" test "$answered" = 2
text=$(hl moscow inbox --json | jq -s -r '[.[] | select(.kind == "CHECKIN")][0].text')
echo "    check-in text: $text"
check "a check-in states its scheduled time and deadline" \
	grep -Eq '^Scheduled check-in [0-9-]+ [0-9:]+ UTC; acknowledge within 3s$' <<<"$text"

# The operator is absent: the next one goes unanswered.
missed() { # NAME PEER SIDE: a check-in of that side recorded missed
	test "$(field "$1" "$2" "checkin.$3.missed")" -ge 1 2>/dev/null
}
check "washington records a sent check-in as missed" wait_until 15 missed washington moscow sent
check "moscow records a received check-in as missed" wait_until 5 missed moscow washington received
has_alarm() {
	hl "$1" status --json | jq -e --arg p "$2" --arg k "$3" \
		'.lines[] | select(.peer == $p) | .alarms | map(.kind) | index($k) != null' >/dev/null
}
check "washington has the checkin-missed alarm" has_alarm washington moscow checkin-missed
check "moscow has it too" has_alarm moscow washington checkin-missed
check "both count the answered ones" \
	test "$(field washington moscow checkin.sent.answered)" = 2 -a "$(field moscow washington checkin.received.answered)" = 2
st=$(hl washington status)
echo "$st" | grep -A2 'check-ins' | sed 's/^/    /'
check "washington's status text shows the schedule and the misses" \
	grep -Eq 'moscow check-ins: every 5s.*next' <<<"$st"
check "... sent: 2 answered, N MISSED" grep -Eq 'sent: .* 2 answered, [1-9][0-9]* MISSED' <<<"$st"
check "moscow's status text: received, MISSED" \
	bash -c "'$HL' -c '$T/moscow/hotline.conf' status | grep -Eq 'received: .* 2 answered, [1-9][0-9]* MISSED'"

# One written while moscow is down: missed, and not delivered.
stop moscow
sleep 6
down_missed() {
	hl washington report moscow --json |
		jq -e '[.checkins[] | select(.own and (.delivered | not) and .state == "missed")] | length >= 1' >/dev/null
}
check "a check-in written while moscow is down is missed, without a receipt" wait_until 10 down_missed
start moscow || { fail "restart moscow"; exit 1; }
wait_until 20 line_up washington moscow
wait_until 20 all_receipted washington moscow

rep=$(hl washington report moscow --json)
check "washington's report: answered check-ins, by the operator, delivered" \
	jq -e --arg op "$OP" '[.checkins[] | select(.own and .state == "answered" and .delivered and .answered_by == $op)] | length == 2' <<<"$rep"
# A check-in missed while the line worked: the receipt proves delivery.
mref=$(jq -r '[.checkins[] | select(.own and .state == "missed")][0].ref' <<<"$rep")
check "washington's report: a missed check-in that moscow's signed receipt covered by its deadline" \
	jq -e '[.checkins[] | select(.own and .state == "missed" and .delivered_by_deadline)] | length >= 1' <<<"$rep"
check "... and one missed while moscow was down: no receipt by its deadline (delivered since)" \
	jq -e '[.checkins[] | select(.own and .state == "missed" and .delivered and (.delivered_by_deadline | not))] | length >= 1' <<<"$rep"
txt=$(hl washington report moscow)
echo "$txt" | sed -n '/^check-ins/,/^$/p' | head -12 | sed 's/^/    /'
check "report text: delivered (peer's signed receipt)  MISSED" \
	grep -q "delivered (peer's signed receipt)  MISSED: not answered by its deadline" <<<"$txt"
check "report text: answered by the operator" grep -q "delivered (peer's signed receipt)  answered by $OP" <<<"$txt"
check "report text: NOT DELIVERED by its deadline  MISSED" \
	grep -q "NOT DELIVERED by its deadline (receipted later)  MISSED" <<<"$txt"
mrep=$(hl moscow report washington --json)
check "moscow's report: received check-ins, 2 answered and missed ones" \
	jq -e '([.checkins[] | select((.own | not) and .state == "answered")] | length == 2) and ([.checkins[] | select((.own | not) and .state == "missed")] | length >= 1)' <<<"$mrep"
# The seq of the first missed one is the same entry on both sides.
seq=${mref#*#}; seq=${seq%@*}
check "moscow's record has that check-in missed too" \
	jq -e --argjson s "$seq" '[.checkins[] | select((.own | not) and .seq == $s and .state == "missed")] | length == 1' <<<"$mrep"
log=$(hl washington log moscow)
check "washington's log: a CHECKIN delivered, NOT ACKNOWLEDGED" grep -q 'CHECKIN .*\[delivered, NOT ACKNOWLEDGED' <<<"$log"
check "... and one acknowledged by the operator" grep -q "CHECKIN .*\[acknowledged by $OP" <<<"$log"
ev=$(hl washington report moscow --json | jq -r '.checkins | length')
check "the report lists every check-in ($ev, at least 4)" test "$ev" -ge 4

# A late answer keeps the miss on record but clears the alarm on both sides.
mseq_name="washington#$seq"
hl moscow ack "$mseq_name" --note "late, sorry" >/dev/null
check "a late answer is accepted" test $? -eq 0
late=$(hl moscow report washington --json | jq -c --argjson s "$seq" '.checkins[] | select(.seq == $s and (.own | not))')
check "... and recorded as missed, answered late" jq -e --arg op "$OP" '.state == "missed" and .answered_by == $op' <<<"$late"
stop washington
stop moscow
exit $FAILED
