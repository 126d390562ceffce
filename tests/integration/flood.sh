#!/bin/bash
# flood.sh — a handshake flood from 59 source addresses (127.0.0.2..60) at
# washington while moscow sends it a message every 100 ms over the real line:
# every message must arrive, once, in order, with the line never dropping;
# when moscow restarts mid-flood the line must come back (washington's own
# dial is not subject to its half-open cap). Then the limits themselves, seen
# from the attacker's side: at most 64 handshakes half-open at once (the rest
# closed on arrival), each held one for its 5 s deadline only, and at most a
# burst of 20 from one source. The daemon never sends the flood a byte.
. "$(dirname "$0")/lib.sh"
FLOOD="$TOOLS/hsflood"
N=${N:-150}

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 10 line_up washington moscow
W=127.0.0.1:${PORT[washington]}
res() { sed -n "s/^$1=//p" "$2"; } # KEY FILE: a value hsflood printed
mark() { MARK_W=$(wc -l <"$T/washington/log"); MARK_M=$(wc -l <"$T/moscow/log"); }
since_w() { tail -n +$((MARK_W + 1)) "$T/washington/log"; }
w_logged() { since_w | grep -q -- "$1"; }
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; } # VALUE LO HI

# ---- The real line under a sustained flood ----
# 150 connections kept open, 200 new ones a second, round robin over 59
# sources (each under its own rate limit, so the half-open cap is what bites);
# every other one sends a random message 1 the daemon must try to decrypt.
mark
"$FLOOD" "$W" --from 127.0.0.2 --sources 59 --mixed --sustain 300 --concurrency 150 --rate 200 \
	>"$T/sustain.out" 2>&1 &
FP=$!
mkdir -p "$T/flood" && echo "$FP" >"$T/flood/pid" # lib.sh's cleanup kills it if we stop early
sleep 2
t0=$SECONDS
sent=0
for i in $(seq "$N"); do
	hl moscow send washington "f-$i" >/dev/null && sent=$((sent + 1))
	sleep 0.1
done
echo "    $sent messages sent in $((SECONDS - t0)) s under the flood"
check "all $N sends accepted by moscow" [ "$sent" -eq "$N" ]
check "every message receipted by washington" wait_until 30 all_receipted moscow washington
texts() { hl washington log moscow --json | jq -r 'select(.own == false) | "\(.seq) \(.text)"' | sort -n; }
expect() { for i in $(seq "$N"); do echo "$i f-$i"; done; }
check "washington received f-1..f-$N once each, in order" diff <(texts) <(expect)
late=$(hl washington log moscow --json | jq -s '[.[] | select(.own == false) | .stored_ms - .time_ms] | max')
check "each arrived within 3 s of being written (largest delay $late ms)" [ "$late" -lt 3000 ]
check "the line never dropped (washington's log)" bash -c "! tail -n +$((MARK_W + 1)) '$T/washington/log' | grep -Eq 'line down|path [0-9]+ .*: down'"
check "the line never dropped (moscow's log)" bash -c "! tail -n +$((MARK_M + 1)) '$T/moscow/log' | grep -Eq 'line down|path [0-9]+ .*: down'"
check "line up at washington" line_up washington moscow
check "line up at moscow" line_up moscow washington
refused=$(since_w | grep -c 'closed: too many handshakes in progress')
check "the flood was held at the half-open cap ($refused refused on arrival so far)" [ "$refused" -ge 100 ]

# moscow restarts while the flood goes on: its dials to washington meet the
# full half-open table, washington's dials to moscow do not.
mark
stop moscow
start moscow || fail "restart moscow"
check "after moscow restarts mid-flood the line comes back" wait_until 20 line_up washington moscow
echo "    $(since_w | grep -m1 'session up' | sed 's/.*: session up/session up/')"
hl moscow send washington "after restart" >/dev/null
check "a message after the restart arrives" wait_until 15 all_receipted moscow washington
check "washington still running" kill -0 "$(cat "$T/washington/pid")"

kill -TERM "$FP"
wait "$FP"
rm -f "$T/flood/pid"
echo "    hsflood: $(tr '\n' ' ' <"$T/sustain.out")"
check "sustained flood: thousands of connections ($(res opened "$T/sustain.out"))" \
	[ "$(res opened "$T/sustain.out")" -ge 2000 ]
check "sustained flood: zero bytes back" [ "$(res bytes_back "$T/sustain.out")" = 0 ]
check "sustained flood: no connection held past the 5 s deadline (longest $(res held_max_ms "$T/sustain.out") ms)" \
	[ "$(res held_max_ms "$T/sustain.out")" -lt 6500 ]

# ---- The half-open cap, measured: 2 stalled connections from each of 59
# sources at once. Only 64 may be half-open; the rest are closed on arrival.
sleep 6 # the sustained flood's last half-open handshakes reach their deadline
mark
"$FLOOD" "$W" --from 127.0.0.2 --sources 59 --per-source 2 --watch 9 >"$T/cap.out" 2>&1
echo "    hsflood: $(tr '\n' ' ' <"$T/cap.out")"
held=$(res open_at_probe "$T/cap.out")
check "cap: of 118 stalled connections, at most 64 held half-open ($held)" [ "$held" -le 64 ]
check "cap: ... and the cap, not something else, was the limit (held >= 60)" [ "$held" -ge 60 ]
check "cap: the other $(res closed_fast "$T/cap.out") closed within 1 s" \
	[ "$(res closed_fast "$T/cap.out")" -ge $((118 - 64)) ]
check "cap: washington says why" w_logged 'closed: too many handshakes in progress'
check "cap: each held one closed at its 5 s deadline ($(res held_min_ms "$T/cap.out")..$(res held_max_ms "$T/cap.out") ms)" \
	between "$(res held_min_ms "$T/cap.out")" 4500 6500
check "cap: ... the last one too" between "$(res held_max_ms "$T/cap.out")" 4500 6500
check "cap: none left open by the daemon" [ "$(res dropped_by_us "$T/cap.out")" = 0 ]
check "cap: zero bytes back" [ "$(res bytes_back "$T/cap.out")" = 0 ]
check "cap: the line stayed up" line_up washington moscow

# ---- The per-source limit: 30 stalled connections from one new source at
# once. A burst of 20 is allowed (then 10 a second); the rest are refused.
sleep 6
mark
"$FLOOD" "$W" --from 127.0.0.61 --sources 1 --per-source 30 --watch 9 >"$T/src.out" 2>&1
echo "    hsflood: $(tr '\n' ' ' <"$T/src.out")"
held=$(res open_at_probe "$T/src.out")
check "per source: of 30 at once, 20 held (one or two more if tokens refill meanwhile) ($held)" between "$held" 20 22
check "per source: washington names the rate limit for 127.0.0.61" \
	w_logged '127.0.0.61:[0-9]*: closed: handshake rate limit for this address'
check "per source: zero bytes back" [ "$(res bytes_back "$T/src.out")" = 0 ]
check "per source: moscow's own address is not limited: line up" line_up washington moscow
exit $FAILED
