#!/bin/bash
# reload.sh — SIGHUP re-reads the configuration: a line whose settings did
# not change keeps its session (and loses nothing sent meanwhile), a new
# peer gets a line, a changed one restarts, a removed one is closed, and a
# file that does not load changes nothing.
. "$(dirname "$0")/lib.sh"

new_station alpha && new_station bravo && new_station charlie || { fail "set up stations"; exit 1; }
write_config alpha bravo
write_config bravo alpha
write_config charlie alpha
start alpha && start bravo && start charlie || { fail "start stations"; exit 1; }
line_is_up() { test "$(field alpha bravo state)" = up; }
wait_until 20 line_is_up || { fail "line alpha-bravo up"; exit 1; }
hup() { kill -HUP "$(cat "$T/alpha/pid")"; }
# The client reads the file too (for the socket): it uses a copy that
# stays valid while the daemon's own file is broken on purpose.
cp "$T/alpha/hotline.conf" "$T/alpha/client.conf"
hla() { "$HL" -c "$T/alpha/client.conf" "$@"; }
afield() { hla status --json | jq -r --arg p "$1" ".lines[] | select(.peer == \$p) | .$2"; }
up_for() { afield bravo 'paths[0].up_for_ms'; }
state_is() { test "$(afield "$1" state)" = "$2"; } # re-read at every try of wait_until
no_line() { test "$(hla status --json | jq --arg p "$1" '[.lines[] | select(.peer == $p)] | length')" = 0; }
delivered() { test "$(hl bravo log alpha --json | jq -r 'select(.own == false) | .text' | grep -c '^during reload ')" = "$1"; }
sessions_bravo() { grep -c 'session up' "$T/bravo/log"; }

# Messages keep flowing across every reload.
( for i in $(seq 1 60); do hla send bravo "during reload $i" >/dev/null || echo "send $i failed"; sleep 0.1; done ) \
	>"$T/sender.out" 2>&1 &
SENDER=$!

# 1. A peer added; bravo's line untouched.
sleep 1
before=$(up_for)
nb=$(sessions_bravo)
write_config alpha bravo charlie
hup
check "a peer added by SIGHUP gets a line that comes up" wait_until 20 state_is charlie up
after=$(up_for)
check "the unchanged line kept its session (up ${before} ms before, ${after} ms after)" \
	test "${after:-0}" -gt "${before:-0}"
check "... and the peer saw no new session" test "$(sessions_bravo)" = "$nb"
check "the reload is logged with what it did" grep -q 'reload: 1 line(s) unchanged, 0 restarted, 1 added, 0 removed' "$T/alpha/log"

# 2. A file that does not load changes nothing.
cp "$T/alpha/hotline.conf" "$T/alpha/good.conf"
echo "NoSuchKey = 1" >>"$T/alpha/hotline.conf"
hup
check "a config that does not load is reported" wait_until 5 grep -q 'reload: .*NoSuchKey.*nothing changed' "$T/alpha/log"
check "... the daemon still answers" hla status
check "... and both lines are still up" test "$(afield bravo state)/$(afield charlie state)" = up/up
cp "$T/alpha/good.conf" "$T/alpha/hotline.conf"

# 3. A changed peer restarts; a removed one is closed.
PEER_EXTRA="DeadAfter = 5" write_config alpha bravo
hup
check "a changed peer's line is restarted" wait_until 5 grep -q 'bravo: line closed by reload: settings changed' "$T/alpha/log"
check "... and comes back up" wait_until 20 state_is bravo up
check "a removed peer is no longer a line" \
	wait_until 5 no_line charlie
out=$(hla send charlie "to a removed peer" 2>&1)
check "... and sending to it is refused" grep -q 'no such peer' <<<"$out"

# 4. Station settings wait for a restart.
sed -i 's/^Listen = .*/Listen = 127.0.0.1:1/' "$T/alpha/hotline.conf"
hup
check "a changed [Station] setting is reported as waiting for a restart" \
	wait_until 5 grep -q 'reload: \[Station\] Listen changed: not applied until hotlined restarts' "$T/alpha/log"
check "... and the daemon still answers" hla status

wait "$SENDER"
check "every send during the reloads was accepted" test ! -s "$T/sender.out"
check "every message sent during the reloads reached bravo, once" \
	wait_until 30 delivered 60
check "no error logged" bash -c "! grep -Eq 'AddressSanitizer|runtime error' '$T/alpha/log'"
stop alpha
check "alpha stopped cleanly after the reloads" bash -c "grep -q 'shutting down (SIGTERM)' '$T/alpha/log'"
stop bravo
stop charlie
exit $FAILED
