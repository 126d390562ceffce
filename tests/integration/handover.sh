#!/bin/bash
# handover.sh — `hotline handover`: the shift's page through real daemons.
# With the peer away, the page shows the line down, its open alarm, the
# outage and the failed link test of the period, and our message the peer
# has not acknowledged, marked NOT DELIVERED; --json carries every section;
# a bad --since is a usage error.
. "$(dirname "$0")/lib.sh"

STATION_EXTRA="TestInterval = 2s
TestDeadline = 3s
AlarmAfter = 2s"
new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
wait_until 20 line_up washington moscow || { fail "line up"; exit 1; }

out=$(hl washington handover)
echo "$out" | sed 's/^/    /' | head -40
check "handover prints its header and the line" grep -q '^HANDOVER  washington' <<<"$out"
check "... the line is up" grep -qE '^  moscow +up' <<<"$out"
check "... no open alarm" bash -c "grep -A1 '^OPEN ALARMS (0)' <<<'$out' | grep -q none"

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

json=$(hl washington handover --json)
check "--json has every section" jq -e -s '.[0] | has("lines") and has("alarms") and has("awaiting_our_ack")
	and has("awaiting_peer_ack") and has("notices_awaiting_reply") and has("outages") and has("tests")
	and has("checkins") and .ok == true' <<<"$json"
check "--json: the outage is ongoing (end_ms null)" \
	jq -e -s '[.[0].outages[] | select(.end_ms == null)] | length == 1' <<<"$json"
since=$(jq -s '.[0].now_ms - .[0].since_ms' <<<"$json")
check "the default period is 8 hours" test "$since" = 28800000

hl washington handover --since 2099-01-01 >/dev/null 2>&1
check "a --since in the future is a usage error" test $? -eq 2
hl washington handover --since yesterday >/dev/null 2>&1
check "a --since that is not a time is a usage error" test $? -eq 2
json=$(hl washington handover --json --since 30s)
since=$(jq -s '.[0].now_ms - .[0].since_ms' <<<"$json")
check "--since 30s sets the period" test "$since" = 30000
stop washington
exit $FAILED
