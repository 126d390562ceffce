#!/bin/bash
# outbox.sh — nothing is signed before the peer's HELLO confirms the record
# in this daemon run, and nothing an operator submits is lost meanwhile:
# sends, notices and ACKs written before it are queued unsigned (drafts,
# kept across kill -9), shown as such by status, log and inbox, and signed
# and delivered exactly once, in order, right after the confirming HELLO;
# scheduled link tests and check-ins wait; `hotline test` is refused. A
# confirmed line stays confirmed for the run (the peer down, a reload that
# restarts it); a line a reload adds waits for its own HELLO.
. "$(dirname "$0")/lib.sh"
APICLIENT="$ROOT/tests/tools/apiclient.py"

new_station washington && new_station moscow && new_station charlie || { fail "set up stations"; exit 1; }
STATION_EXTRA="TestInterval = 1s" PEER_EXTRA="CheckIn = every 2s" write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
wait_until 20 line_up washington moscow || { fail "line up"; exit 1; }

own_seq() { field washington moscow own_seq; }
queued() { field washington moscow queued; }
queued_is() { test "$(queued)" = "$1"; }
# Washington's chain as moscow holds it: "SEQ KIND TEXT" per entry.
at_moscow() { hl moscow log washington --json | jq -r 'select(.own == false) | "\(.seq) \(.kind) \(.text)"'; }
texts_at_moscow() { at_moscow | awk '$2 == "MESSAGE" {print $3}'; }
kinds_since() { at_moscow | awk -v s="$1" '$1 > s {print $2}' | tr '\n' ' '; }

hl washington send moscow "before-1" >/dev/null
check "a send on a confirmed line is signed at once" wait_until 10 all_receipted washington moscow
check "... with record confirmed in status" test "$(field washington moscow record)" = confirmed

# 1. The peer down: the line stays confirmed, a send is signed (no new HELLO needed).
stop moscow
out=$(hl washington send moscow "while-down")
check "a send while the confirmed peer is down is signed (an id printed)" grep -qE '^[0-9a-f]{64}$' <<<"$out"
check "... nothing queued" test "$(queued)" = 0

# 2. Washington restarts while moscow is down: unconfirmed, everything waits.
stop washington
start washington || { fail "restart washington"; exit 1; }
base=$(own_seq)
check "after a restart the record is unconfirmed" test "$(field washington moscow record)" = unconfirmed
err=$(hl washington send moscow "d-1" 2>&1 >"$T/d1.out")
check "a send before the HELLO succeeds (exit 0) and prints no entry id" test ! -s "$T/d1.out"
check "... it says it is queued, not yet signed, and why" grep -q 'queued as draft [0-9]*, not yet signed.*moscow.s HELLO confirms' <<<"$err"
json=$(hl washington --json send moscow -p flash "d-2")
check "the API reply: queued, a draft number, no seq or id" \
	jq -e '.ok == true and .queued == true and (.draft | type) == "number" and .seq == null and .id == null' <<<"$json"
# Pipelined: answered in order, draft numbers consecutive.
if command -v python3 >/dev/null; then
	pipe=$(python3 - "$T/washington/hotline.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"".join(json.dumps({"cmd": "send", "peer": "moscow", "text": f"d-{i}"}).encode() + b"\n" for i in range(3, 7)))
f = s.makefile("rb")
print(" ".join(str(json.loads(f.readline()).get("draft")) for _ in range(4)))
PY
	)
	read -r a b c e <<<"$pipe"
	check "pipelined sends while unconfirmed: drafts $pipe, consecutive, in request order" \
		test -n "$e" -a "$b" = $((a + 1)) -a "$c" = $((a + 2)) -a "$e" = $((a + 3))
else
	for i in 3 4 5 6; do hl washington send moscow "d-$i" 2>/dev/null; done
fi
check "nothing was signed: own_seq still $base" test "$(own_seq)" = "$base"
check "status shows 6 queued" test "$(queued)" = 6
check "status text says what waits" bash -c \
	"'$HL' -c '$T/washington/hotline.conf' status | grep -q '6 queued, not yet signed: signed and sent once'"
check "log --json shows the drafts as queued, not yet signed, without seq or id" \
	test "$(hl washington log moscow --json | jq -s '[.[] | select(.queued == true and .state == "queued, not yet signed" and .seq == null and .id == null)] | length')" = 6
check "log text marks them" test "$(hl washington log moscow | grep -c 'QUEUED, NOT YET SIGNED')" = 6
hand=$(hl washington handover)
check "handover lists them" grep -q 'QUEUED, NOT YET SIGNED (6)' <<<"$hand"
out=$(hl washington test moscow 2>&1)
check "hotline test is refused before the HELLO, saying why" \
	grep -q 'peer has not yet confirmed this station.s record' <<<"$out"
sleep 3 # past TestInterval and a check-in instant: both wait
check "the scheduled link test and check-in waited: own_seq still $base" test "$(own_seq)" = "$base"

# 3. kill -9 with drafts queued: they survive.
kill9 washington
start washington || { fail "restart washington after kill -9"; exit 1; }
check "after kill -9 the 6 drafts are still queued" test "$(queued)" = 6
hl washington send moscow "d-7" 2>/dev/null
check "a later send queues behind them (7 queued)" test "$(queued)" = 7

# 4. Moscow comes back: its HELLO confirms; the drafts are signed, in order, once.
start moscow || { fail "restart moscow"; exit 1; }
check "line comes up" wait_until 20 line_up washington moscow
check "the drafts are signed: nothing queued" wait_until 10 queued_is 0
check "every entry is receipted" wait_until 20 all_receipted washington moscow
check "moscow holds d-1..d-7 once each, in order, after before-1 and while-down" \
	test "$(texts_at_moscow | tr '\n' ' ')" = "before-1 while-down d-1 d-2 d-3 d-4 d-5 d-6 d-7 "
first7=$(kinds_since "$base" | cut -d' ' -f1-7)
check "the drafts took the first seqs after $base, before any link test or check-in ($first7)" \
	test "$first7" = "MESSAGE MESSAGE MESSAGE MESSAGE MESSAGE MESSAGE MESSAGE"
check "d-2 kept its FLASH precedence" \
	test "$(hl moscow log washington --json | jq -r 'select(.text == "d-2") | .precedence')" = flash
check "the waiting link test ran after the HELLO" wait_until 10 bash -c \
	"'$HL' -c '$T/moscow/hotline.conf' log washington --json | jq -s -e 'any(.[]; .own == false and .kind == \"TEST\")' >/dev/null"
check "... and the check-in" wait_until 10 bash -c \
	"'$HL' -c '$T/moscow/hotline.conf' log washington --json | jq -s -e 'any(.[]; .own == false and .kind == \"CHECKIN\")' >/dev/null"
check "washington's log holds no draft any more" \
	test "$(hl washington log moscow --json | jq -s '[.[] | select(.queued == true)] | length')" = 0
check "washington logged the confirmation" grep -q 'moscow: record confirmed' "$T/washington/log"

# 5. An ACK before the HELLO: queued, shown in the inbox, one only; signed after.
hl moscow send washington "please ack" >/dev/null
arrived() { hl washington inbox --json | jq -s -e 'any(.[]; .text == "please ack")' >/dev/null; }
check "moscow's message arrives" wait_until 20 arrived
ref=$(hl washington inbox --json | jq -r 'select(.text == "please ack") | .ref')
stop moscow
stop washington
start washington || { fail "restart washington"; exit 1; }
err=$(hl washington ack "$ref" 2>&1)
check "an ack before the HELLO is queued" grep -q "acknowledgement of $ref is queued as draft" <<<"$err"
out=$(hl washington ack "$ref" 2>&1)
check "a second ack of it is refused: one is queued" grep -q 'already has an acknowledgement by .* queued' <<<"$out"
check "inbox shows the entry not yet acknowledged, its ACK queued" \
	bash -c "'$HL' -c '$T/washington/hotline.conf' inbox | grep -q 'ACK DUE in .*our ACK queued by .*not yet signed'"
check "inbox --unacked still lists it" \
	bash -c "'$HL' -c '$T/washington/hotline.conf' inbox --unacked --json | jq -s -e 'any(.[]; .ref == \"$ref\" and (.ack.queued_ack.draft | type) == \"number\")' >/dev/null"
start moscow || { fail "restart moscow"; exit 1; }
acked() { hl moscow log washington --json | jq -s -e 'any(.[]; .own == true and .text == "please ack" and .ack.state == "acked")' >/dev/null; }
check "after the HELLO the ACK is signed and moscow sees its entry acknowledged" wait_until 20 acked

# 6. Reloads: a restarted line keeps its confirmation (same store, same run);
# a line added by a reload waits for its own HELLO.
stop moscow
PEER_EXTRA="CheckIn = every 2s
DeadAfter = 4" STATION_EXTRA="TestInterval = 1s" write_config washington moscow charlie
kill -HUP "$(cat "$T/washington/pid")"
check "the reload restarted moscow's line and added charlie's" \
	wait_until 5 grep -q 'reload: 0 line(s) unchanged, 1 restarted, 1 added' "$T/washington/log"
out=$(hl washington send moscow "after-reload")
check "a send on the restarted line is signed (the run's confirmation holds)" grep -qE '^[0-9a-f]{64}$' <<<"$out"
json=$(hl washington --json send charlie "to charlie")
check "a send on the added line is queued until charlie's HELLO" jq -e '.queued == true' <<<"$json"
check "charlie's line: record unconfirmed, 1 queued" \
	test "$(field washington charlie record)/$(field washington charlie queued)" = unconfirmed/1
write_config charlie washington
start charlie || { fail "start charlie"; exit 1; }
check "charlie's first HELLO (it holds none of ours) confirms, and the draft goes" \
	wait_until 20 bash -c "'$HL' -c '$T/charlie/hotline.conf' inbox | grep -q 'to charlie'"
check "charlie's line: nothing queued" test "$(field washington charlie queued)" = 0
check "the daemon logged no error" bash -c "! grep -Eq 'ERROR|AddressSanitizer|runtime error' '$T/washington/log'"
exit $FAILED
