#!/bin/bash
# restore.sh — a station restored from an older backup of its state
# directory signs no seq a second time. Washington and moscow exchange
# messages; washington's state is copied (the backup); washington sends more
# (and its link tests and check-ins run) and moscow stores and receipts it
# all; washington's newer state is replaced by the backup and it starts
# with traffic due: operator sends, a link test (TestInterval 1s), a
# check-in (every 2s). Until moscow's HELLO confirms its record nothing may
# be signed; that HELLO shows the rollback: washington stops the line,
# naming the rollback and the queued entries it holds unsigned. Nothing
# moscow holds changes, moscow sees no equivocation, and the queued sends
# are still held, also after a restart.
. "$(dirname "$0")/lib.sh"

command -v sqlite3 >/dev/null || { fail "sqlite3 is needed to read moscow's store"; exit 1; }
new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
# No scheduled entries until the backup is taken, so that its seq is known.
write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
wait_until 20 line_up washington moscow || { fail "line up"; exit 1; }

# "SEQ ID" of washington's own entries, as washington holds them, and as moscow does.
own_chain() { hl washington log moscow --json | jq -r 'select(.own == true and .queued != true) | "\(.seq) \(.id)"' | sort -n; }
at_moscow() { hl moscow log washington --json | jq -r 'select(.own == false) | "\(.seq) \(.id)"' | sort -n; }
queued() { field washington moscow queued; }
stopped() { test "$(field washington moscow state)" = stopped; }
check_not_send() { ! hl washington send moscow "on the stopped line" >/dev/null 2>&1; }

for i in 1 2 3; do hl washington send moscow "w-$i" >/dev/null; hl moscow send washington "m-$i" >/dev/null; done
check "the first exchange is receipted" wait_until 20 all_receipted washington moscow
backup_seq=$(field washington moscow own_seq)

# The backup: a copy of the state directory of a stopped station.
stop washington
cp -a "$T/washington/state" "$T/backup"
# From now on link tests every second and check-ins every 2 s.
STATION_EXTRA="TestInterval = 1s" PEER_EXTRA="CheckIn = every 2s" write_config washington moscow
start washington || { fail "restart washington"; exit 1; }
wait_until 20 line_up washington moscow
for i in 4 5 6; do hl washington send moscow "w-$i" >/dev/null; done
sleep 3 # link tests and a check-in or two, signed and delivered
check "the newer traffic is receipted by moscow" wait_until 20 all_receipted washington moscow
newer_seq=$(field washington moscow own_seq)
check "washington signed more since the backup ($backup_seq -> $newer_seq)" test "$newer_seq" -gt "$((backup_seq + 3))"
stop washington
at_moscow >"$T/moscow.before"
moscow_before=$(hl moscow log washington --json | wc -l)
stop moscow

# The restore: the newer state replaced by the backup. Moscow stays down
# at first, so that washington has traffic due before any HELLO can come.
rm -rf "$T/washington/state"
cp -a "$T/backup" "$T/washington/state"
start washington || { fail "start the restored washington"; exit 1; }
check "the restored station holds the backup's chain (own_seq $backup_seq)" \
	test "$(field washington moscow own_seq)" = "$backup_seq"
check "its record is unconfirmed" test "$(field washington moscow record)" = unconfirmed
hl washington send moscow "after-restore-1" 2>/dev/null
hl washington send moscow -p flash "after-restore-2" 2>/dev/null
sleep 3 # a link test and a check-in are due meanwhile
check "before any HELLO nothing was signed (own_seq still $backup_seq)" \
	test "$(field washington moscow own_seq)" = "$backup_seq"
check "the two sends are queued" test "$(queued)" = 2

start moscow || { fail "start moscow"; exit 1; }
check "moscow's HELLO stops washington's line" wait_until 20 stopped
reason=$(field washington moscow stopped_reason)
echo "    stopped_reason: $reason"
check "the reason names the rollback" grep -q "restored from an old copy" <<<"$reason"
check "... and the queued entries held unsigned" grep -q "2 queued entries held, not signed" <<<"$reason"
sleep 2 # would-be link tests, check-ins and receipts
check "washington signed nothing after the restore (own_seq still $backup_seq)" \
	test "$(field washington moscow own_seq)" = "$backup_seq"
own_chain >"$T/washington.after"
second=$(join "$T/washington.after" "$T/moscow.before" | awk '$2 != $3' | head -n 3)
check "no seq moscow holds carries a second signature by washington${second:+: $second}" test -z "$second"
check "washington's whole chain is the prefix moscow holds" \
	test "$(head -n "$backup_seq" "$T/moscow.before")" = "$(cat "$T/washington.after")"
check "the queued sends are still held (2 queued)" test "$(queued)" = 2
check "... with their texts, marked queued, not yet signed" \
	test "$(hl washington log moscow --json | jq -r 'select(.queued == true) | .text' | tr '\n' ' ')" = "after-restore-1 after-restore-2 "
check "nothing moscow holds of washington changed" diff "$T/moscow.before" <(at_moscow)
check "moscow holds no new entry of washington's" \
	test "$(hl moscow log washington --json | wc -l)" = "$moscow_before"
check "moscow's line is not stopped" test "$(field moscow washington state)" != stopped
check "moscow raised no equivocation alarm" bash -c \
	"! '$HL' -c '$T/moscow/hotline.conf' status --json | jq -e '.lines[0].alarms[] | select(.kind == \"equivocation\")' >/dev/null"
check "moscow kept no conflicting entry" test "$(sqlite3 -readonly "$T/moscow/state/hotline.db" 'SELECT count(*) FROM conflicts')" = 0
check "washington alarmed" bash -c \
	"'$HL' -c '$T/washington/hotline.conf' status --json | jq -e '.lines[0].alarms[] | select(.text | test(\"restored from an old copy\"))' >/dev/null"
check "a send on the stopped line is refused" check_not_send
stop washington
start washington || { fail "restart washington"; exit 1; }
check "after a restart: still stopped" stopped
check "... and the drafts still held (2 queued)" test "$(queued)" = 2
exit $FAILED
