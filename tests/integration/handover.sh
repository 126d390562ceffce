#!/bin/bash
# handover.sh — `hotline handover`: the shift's page through real daemons.
# A FLASH from the peer past its deadline is listed first as waiting for
# our acknowledgement, and leaves the list once acknowledged; our message
# the peer holds but has not acknowledged is "delivered". With the peer
# away, the page shows the line down, its open alarm, the outage and the
# failed link test of the period, our new message NOT DELIVERED, and our
# check-ins that moscow's operator left unanswered;
# --json carries every section; a bad --since is a usage error.
. "$(dirname "$0")/lib.sh"

STATION_EXTRA="TestInterval = 2s
TestDeadline = 3s
AlarmAfter = 2s
AckDeadlines = flash=2s,immediate=3s,priority=4s,routine=5s"
new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
PEER_EXTRA="CheckIn = every 4s
CheckInDeadline = 2s" write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
wait_until 20 line_up washington moscow || { fail "line up"; exit 1; }

out=$(hl washington handover)
echo "$out" | sed 's/^/    /' | head -40
check "handover prints its header and the line" grep -q '^HANDOVER  washington' <<<"$out"
check "... the line is up" grep -qE '^  moscow +up' <<<"$out"
check "... no open alarm" bash -c "grep -A1 '^OPEN ALARMS (0)' <<<'$out' | grep -q none"

hl moscow send washington -p routine "Routine traffic, later." >/dev/null
hl moscow send washington -p flash "FLASH: launch detected, confirm at once" >/dev/null
hl washington send moscow -p priority "Please confirm the schedule for Friday." >/dev/null
overdue() { hl washington inbox --unacked --json | jq -e -s 'length == 2 and .[0].ack.state == "overdue"' >/dev/null; }
check "moscow's FLASH falls overdue at washington" wait_until 20 overdue
peer_overdue() { hl washington log moscow --json | jq -e -s '[.[] | select(.own and .kind == "MESSAGE" and .ack.state == "overdue")] | length == 1' >/dev/null; }
check "... and our PRIORITY goes unacknowledged by moscow" wait_until 20 peer_overdue
out=$(hl washington handover)
echo "$out" | sed 's/^/    /' | head -40
section_of() { # TITLE: the lines of that section
	awk -v t="$1" 'index($0, t) == 1 { on = 1; print; next } /^[A-Z]/ { on = 0 } on' <<<"$out"
}
ours=$(section_of "WAITING FOR OUR ACKNOWLEDGEMENT")
check "two wait for our acknowledgement" grep -q '^WAITING FOR OUR ACKNOWLEDGEMENT (2)' <<<"$ours"
check "... the FLASH first, overdue" bash -c "sed -n 2p <<<'$ours' | grep -qE '^  FLASH +moscow#2 +received .*OVERDUE'"
check "... with its text" grep -q 'launch detected, confirm at once' <<<"$ours"
theirs=$(section_of "OURS NOT YET ACKNOWLEDGED")
check "ours waits for moscow's acknowledgement, delivered" \
	grep -qE '^  PRIORITY +washington#[0-9]+@moscow +sent .*OVERDUE .* delivered$' <<<"$theirs"
hl washington ack moscow#2 >/dev/null
check "after the ack, one waits for ours" \
	bash -c "'$HL' -c '$T/washington/hotline.conf' handover | grep -q '^WAITING FOR OUR ACKNOWLEDGEMENT (1)'"

stop moscow
hl washington send moscow -p immediate "Are you there? Line check after the storm." >/dev/null
down_alarm() { hl washington status --json | jq -e -s '.[0].lines[0].alarms | map(.kind) | index("line-down") != null' >/dev/null; }
check "the line-down alarm is raised" wait_until 20 down_alarm
failed_test() { hl washington handover --json | jq -e -s '.[0].tests[0].failed >= 1' >/dev/null; }
check "a link test fails while moscow is away" wait_until 20 failed_test

out=$(hl washington handover)
echo "$out" | sed 's/^/    /' | head -60
check "the page shows the line down" grep -qE '^  moscow +(down|connecting)' <<<"$out"
check "... the open line-down alarm" grep -qE '^  moscow +line-down' <<<"$out"
check "... the ongoing outage" grep -qE '^  moscow +from .*\(ONGOING\)' <<<"$out"
check "... a failed link test" grep -qE '^  moscow +[0-9]+ answered, [1-9][0-9]* FAILED' <<<"$out"
check "... our new message NOT DELIVERED" \
	grep -qE '^  IMMEDIATE +washington#[0-9]+@moscow +sent .* NOT DELIVERED$' <<<"$out"

json=$(hl washington handover --json)
check "--json has every section" jq -e -s '.[0] | has("lines") and has("alarms") and has("awaiting_our_ack")
	and has("awaiting_peer_ack") and has("notices_awaiting_reply") and has("outages") and has("tests")
	and has("checkins") and .ok == true' >/dev/null <<<"$json"
check "--json: the outage is ongoing (end_ms null)" \
	jq -e -s '[.[0].outages[] | select(.end_ms == null)] | length == 1' >/dev/null <<<"$json"
since=$(jq -s '.[0].now_ms - .[0].since_ms' <<<"$json")
check "the default period is 8 hours" test "$since" = 28800000

check "the check-ins moscow left unanswered are listed as missed, delivered" \
	grep -qE '^    MISSED washington#[0-9]+@moscow .*\(ours: delivered, not answered\)' <<<"$out"
check "--json counts them" jq -e -s '.[0].checkins[0].missed >= 1' >/dev/null <<<"$json"

hl washington handover --since 2099-01-01 >/dev/null 2>&1
check "a --since in the future is a usage error" test $? -eq 2
hl washington handover --since yesterday >/dev/null 2>&1
check "a --since that is not a time is a usage error" test $? -eq 2
json=$(hl washington handover --json --since 30s)
since=$(jq -s '.[0].now_ms - .[0].since_ms' <<<"$json")
check "--since 30s sets the period" test "$since" = 30000
stop washington
exit $FAILED
