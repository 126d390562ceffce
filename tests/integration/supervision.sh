#!/bin/bash
# supervision.sh — link tests, alarms, the availability report and metrics
# through real daemons: `hotline test` answered by the peer's daemon,
# scheduled tests, a line-down and a missed-test alarm raised once each (the
# AlarmCommand runs once, not every second) and cleared when the peer returns,
# the report showing the outage, and the metrics file.
. "$(dirname "$0")/lib.sh"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
cat >"$T/alarm.sh" <<'SH'
#!/bin/sh
echo "$HOTLINE_ALARM_STATE $HOTLINE_ALARM_KIND $HOTLINE_ALARM_PEER $HOTLINE_ALARM_PATH $HOTLINE_STATION" >>"$(dirname "$0")/alarms.log"
SH
chmod 755 "$T/alarm.sh"
STATION_EXTRA="TestInterval = 2s
TestDeadline = 3s
AlarmAfter = 2s
AlarmCommand = $T/alarm.sh
MetricsFile = $T/washington/metrics.prom" write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 10 line_up washington moscow

out=$(hl washington test moscow)
check "hotline test: answered" [ $? -eq 0 ]
check "hotline test prints the round trip" grep -Eq "answered in [0-9.]+ ms" <<<"$out"
check "the TEST and its TEST_REPLY are in the record" \
	[ "$(hl washington log moscow --json | jq -r '.kind' | grep -c '^TEST')" -ge 2 ]
tests_ok_at_least() { [ "$(hl washington report moscow --json | jq -r '.tests.ok')" -ge "$1" ]; }
check "scheduled tests run and are answered" wait_until 10 tests_ok_at_least 3
check "metrics file written" wait_until 10 grep -q 'hotline_line_up{peer="moscow"} 1' "$T/washington/metrics.prom"

# The peer goes away: line-down after AlarmAfter, once.
stop moscow
alarm_open() { hl washington status --json | jq -e --arg k "$1" '.lines[0].alarms[] | select(.kind == $k)' >/dev/null; }
check "line-down alarm raised" wait_until 10 alarm_open line-down
out=$(hl washington test moscow 2>&1)
check "hotline test fails when nobody answers" [ $? -eq 1 ]
check "test-missed alarm raised" wait_until 10 alarm_open test-missed
sleep 3
check "AlarmCommand ran once for line-down, not every second" \
	[ "$(grep -c '^raised line-down moscow - washington' "$T/alarms.log")" -eq 1 ]
check "the path alarm for the configured path too" alarm_open path-down
check "status text shows the open alarm" grep -q "line-down" <(hl washington status)

# The peer returns: the alarms clear, the command runs once more for each.
start moscow
check "line comes back" wait_until 10 line_up washington moscow
alarm_gone() { ! alarm_open "$1"; }
check "line-down cleared" wait_until 10 alarm_gone line-down
check "test-missed cleared by the next answered test" wait_until 10 alarm_gone test-missed
check "AlarmCommand ran once for the clearing" \
	[ "$(grep -c '^cleared line-down moscow' "$T/alarms.log")" -eq 1 ]

rep=$(hl washington report moscow --json)
q() { jq -e "$1" <<<"$rep" >/dev/null; }
check "report: availability below 100%" q '.availability.line.pct < 100'
check "report: the outage is listed" q '.outages | length >= 1'
check "report: the failed test is counted" q '.tests.failed >= 1'
check "report: RTT percentiles for the path" q '.rtt[0].p50_ms != null' 
check "report text" grep -qi "availability" <(hl washington report moscow)
check "report --svg writes a picture" hl washington report moscow --svg "$T/line.svg"
check "the picture is SVG" grep -q "<svg" "$T/line.svg"

# Open alarms are stored: a restarted station shows them at once, before
# AlarmAfter could have raised them anew.
stop moscow
check "line-down raised again" wait_until 10 alarm_open line-down
stop washington
start washington
check "a restarted station still shows the open alarm" alarm_open line-down
check "and did not run the command again for it" \
	[ "$(grep -c '^raised line-down moscow - washington' "$T/alarms.log")" -eq 2 ]
exit $FAILED
