#!/bin/bash
# clockstep.sh — clock steps and the handshake's replay rule (H12 item 3). A
# station run 3 h ahead (libfaketime) and restarted with the true time gets
# its line back at once, with an alarm and an event naming the step on both
# sides; a replayed message 1 is still refused inside the window (already
# seen, also across a restart) and outside it (too old), and one that comes
# into the window hours later is answered but never used; two paths whose
# handshakes arrive out of order both come up; a refused rekey is tried again.
. "$(dirname "$0")/lib.sh"
PC="$TOOLS/peerctl"
PROXY="$TOOLS/corrupt_proxy"

FTLIB=
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
	[ -f "$f" ] && { FTLIB=$f; break; }
done
if [ -z "$FTLIB" ]; then
	echo "SKIP: clockstep (needs libfaketime: Debian package faketime, see scripts/deps.sh)"
	exit 0
fi
command -v sqlite3 >/dev/null || { fail "sqlite3 is needed to read washington's store"; exit 1; }
# The wall clock only: the monotonic one drives the timers and stays true.
# Under ASan (make check-asan) the preloaded library comes before ASan's
# runtime, which ASan refuses unless told that this order is meant.
faked() {
	echo "LD_PRELOAD=$FTLIB FAKETIME_DONT_FAKE_MONOTONIC=1" \
		"ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 $*"
}

pc() { "$PC" "$@" 2>&1 | sed 's/^/    peerctl: /'; return "${PIPESTATUS[0]}"; }
mark() { MARK=$(wc -l <"$T/$1/log"); }
logged() { tail -n +$((MARK + 1)) "$T/$1/log" | grep -q -- "$2"; }
not_up() { [ "$(field "$1" "$2" state)" != up ]; }
inbox_has() { hl "$1" inbox | grep -q -- "$2"; }
alarm_text() { # NAME PEER KIND: the open alarm's text, empty if none
	hl "$1" status --json | jq -r --arg p "$2" --arg k "$3" \
		'.lines[] | select(.peer == $p) | .alarms[] | select(.kind == $k) | .text'
}
has_alarm() { [ -n "$(alarm_text "$@")" ]; }
no_alarm() { [ -z "$(alarm_text "$@")" ]; }
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
sql() { sqlite3 -readonly "$T/$1/state/hotline.db" "$2"; }
# How far the newest handshake washington accepted from moscow lies ahead of
# washington's clock, in seconds (TAI64N: 2^62 + 10 + unix seconds).
stored_ahead() {
	local hex
	hex=$(sql washington "SELECT hex(substr(tai64n, 1, 8)) FROM handshakes")
	echo $((0x$hex - 0x400000000000000a - $(date +%s)))
}

# ---- 1. 3 h ahead, then corrected -----------------------------------------
# moscow dials, washington cannot (it has no Endpoint for moscow: behind NAT),
# so only moscow's own handshakes can bring the line up. MaxClockSkew 1 s:
# the window is then 61 s.
new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
STATION_EXTRA="MaxClockSkew = 1s" write_config washington moscow
sed -i '/^Endpoint/d' "$T/washington/hotline.conf"
write_config moscow washington
start washington || { fail "start washington"; exit 1; }
HLD_ENV=$(faked FAKETIME=+3h) start moscow || { fail "start moscow 3 h ahead"; exit 1; }
check "moscow, 3 h ahead, brings the line up" wait_until 10 line_up washington moscow
ahead=$(stored_ahead)
check "washington stored moscow's handshake time, 3 h ahead of its clock ($ahead s)" \
	in_range "$ahead" 10700 10810
hl moscow send washington "sent 3 h ahead" >/dev/null
check "moscow -> washington delivered while 3 h ahead" wait_until 10 inbox_has washington 'sent 3 h ahead'

stop moscow
wait_until 10 not_up washington moscow
mark washington
start moscow || { fail "restart moscow with the true time"; exit 1; }
check "moscow, restarted with the true time, has its line back within 5 s" \
	wait_until 5 line_up washington moscow
check "washington refused none of moscow's handshakes" \
	bash -c "! tail -n +$((MARK + 1)) '$T/washington/log' | grep -q 'handshake refused'"
check "washington accepted it within the window, after moscow proved it" \
	logged washington 'accepted within the ±61 s window'
text=$(alarm_text washington moscow clock-step)
check "washington: clock-step alarm open ($text)" [ -n "$text" ]
check "... it says how far moscow's clock went back" grep -Eq '10[78][0-9]{2} s' <<<"$text"
ev=$(sql washington "SELECT count(*) || ' ' || CAST(max(value) AS INTEGER) FROM events WHERE kind = 20")
check "washington: a clock-step event recorded ($ev: count, seconds)" \
	in_range "${ev#* }" 10700 10810
text=$(alarm_text moscow washington local-clock-step)
check "moscow: local-clock-step alarm open, its clock behind its own records ($text)" [ -n "$text" ]
ev=$(sql moscow "SELECT count(*) FROM events WHERE kind = 20")
check "moscow: a clock-step event recorded ($ev)" [ "$ev" -ge 1 ]
hl washington send moscow "w after the step" >/dev/null
hl moscow send washington "m after the step" >/dev/null
check "washington -> moscow delivered after the step" wait_until 10 inbox_has moscow 'w after the step'
check "moscow -> washington delivered after the step" wait_until 10 inbox_has washington 'm after the step'
check "both receipted" wait_until 10 all_receipted washington moscow
check "... both ways" wait_until 10 all_receipted moscow washington
ahead=$(stored_ahead)
check "the stored newest is not lowered ($ahead s ahead)" [ "$ahead" -ge 10700 ]

# ---- 2. replays after the clock-step acceptance ----------------------------
# peerctl is moscow from here (its key); the real moscow is away.
W=127.0.0.1:${PORT[washington]}
WPUB=${PUB[washington]}
MKEY=$T/moscow/station.key
stop moscow
wait_until 10 not_up washington moscow
as_moscow() { local c=$1; shift; pc "$c" "$W" --key "$MKEY" --peer "$WPUB" "$@"; }
check "a message 1 dated now (3 h before the stored one) completes" \
	as_moscow probe --save-msg1 "$T/m1-now"
mark washington
check "its replay inside the window: closed, zero bytes back" pc replay "$W" "$T/m1-now"
check "... refused as already seen" wait_until 2 logged washington 'stale handshake refused: .*accepted already'
check "a message 1 dated 57 s back (window 61 s) completes" \
	as_moscow probe --hs-offset -57000 --save-msg1 "$T/m1-edge"
sleep 5
mark washington
check "its replay 5 s later, past the window's edge: closed, zero bytes back" pc replay "$W" "$T/m1-edge"
check "... refused as outside the window" wait_until 2 logged washington 'stale handshake refused: .*outside'
mark washington
check "a fresh message 1 dated 5 min back: refused" as_moscow probe --hs-offset -300000 --expect-refused
check "... as outside the window" wait_until 2 logged washington 'stale handshake refused: .*outside'
ahead_at=$SECONDS
check "a message 1 dated 3 h 2 min ahead (newer than the stored one) completes" \
	as_moscow probe --hs-offset 10920000 --save-msg1 "$T/m1-ahead"
mark washington
check "its replay: closed, zero bytes back" pc replay "$W" "$T/m1-ahead"
check "... refused (not newer, and far outside the window)" \
	wait_until 2 logged washington 'stale handshake refused: .*outside'
check "a message 1 dated now completes again" as_moscow probe --save-msg1 "$T/m1-restart"
stop washington
start washington || { fail "restart washington"; exit 1; }
mark washington
check "its replay after washington restarts (what it had seen is forgotten): zero bytes back" \
	pc replay "$W" "$T/m1-restart"
check "... refused: not newer than one accepted inside the window before the restart" \
	wait_until 2 logged washington 'stale handshake refused: .*before our restart'

# ---- 3. a replay whose time has come is never used ---------------------------
# m1-ahead was accepted dated 3 h ahead, outside the window, so it was not
# remembered. Once washington's clock reaches its date (both stations are
# restarted that far ahead) its replay lies in the window and is answered with
# message 2; but the session waits for the initiator's first transport
# message, which only the holder of message 1's ephemeral key can seal: it is
# closed unused, and the live session stays.
stop washington
off=$((10920 - (SECONDS - ahead_at) - 3))
HLD_ENV=$(faked FAKETIME=+$off) start washington || { fail "start washington ${off} s ahead"; exit 1; }
HLD_ENV=$(faked FAKETIME=+$off) start moscow || { fail "start moscow ${off} s ahead"; exit 1; }
check "both ${off} s ahead: line up" wait_until 10 line_up washington moscow
check "washington's clock-step alarm clears once its clock has passed moscow's newest claim" \
	wait_until 3 no_alarm washington moscow clock-step
sleep 1
mark washington
check "the replay, now inside washington's window, is answered, then closed by washington unused" \
	pc replay "$W" "$T/m1-ahead" --answered
check "... closed as never confirmed" logged washington 'not confirmed'
check "... the live session was not replaced" \
	bash -c "! tail -n +$((MARK + 1)) '$T/washington/log' | grep -Eq 'replaced by a newer|line down'"
check "... the line is still up" line_up washington moscow
hl moscow send washington "after the replay" >/dev/null
check "... and carries messages" wait_until 10 inbox_has washington 'after the replay'
stop moscow
stop washington

# ---- 4. two paths, the slower one's older handshake arriving second ----------
# oslo dials ottawa on two paths: directly, and through a relay that holds
# each connection 3 s (a slow path). ottawa starts a moment after oslo, so
# the slow path's message 1, written first, arrives after the direct path's
# retry with a newer one.
new_station ottawa && new_station oslo || { fail "set up ottawa and oslo"; exit 1; }
write_config ottawa oslo
sed -i '/^Endpoint/d' "$T/ottawa/hotline.conf"
SLOW=$(free_port)
write_config oslo ottawa
sed -i "s/^Endpoint = .*/&\nEndpoint = 127.0.0.1:$SLOW/" "$T/oslo/hotline.conf"
"$PROXY" "127.0.0.1:$SLOW" "127.0.0.1:${PORT[ottawa]}" --one-in 0 --hold 3000 --source 127.0.0.3 \
	2>"$T/proxy.log" &
PROXY_PID=$!
trap 'kill $PROXY_PID 2>/dev/null; cleanup' EXIT
sleep 0.2
start oslo || { fail "start oslo"; exit 1; }
sleep 0.3
start ottawa || { fail "start ottawa"; exit 1; }
both_up() {
	[ "$(hl oslo status --json | jq '[.lines[0].paths[] | select(.state == "active" or .state == "standby")] | length')" = 2 ]
}
check "both of oslo's paths come up within 8 s" wait_until 8 both_up
check "the slow path's handshake arrived older than the newest and was accepted" \
	grep -q 'before the newest accepted' "$T/ottawa/log"
check "ottawa refused no handshake" bash -c "! grep -q 'handshake refused' '$T/ottawa/log'"
check "no clock-step alarm for a reordering" no_alarm ottawa oslo clock-step
stop oslo
stop ottawa

# ---- 5. a clock stepped back while running: the refused rekey is retried ----
# rome (RekeyAfter 2 s) dials paris; its clock is set back 10 min while it
# runs (libfaketime reads the offset from a file), so paris refuses its
# rekeys as outside the window. Once the clock is right again the next retry
# rekeys, long before the session's keys expire (180 s).
new_station paris && new_station rome || { fail "set up paris and rome"; exit 1; }
write_config paris rome
sed -i '/^Endpoint/d' "$T/paris/hotline.conf"
PEER_EXTRA="RekeyAfter = 2s" write_config rome paris
echo "+0" >"$T/rome.clock"
start paris || { fail "start paris"; exit 1; }
HLD_ENV=$(faked FAKETIME_TIMESTAMP_FILE="$T/rome.clock" FAKETIME_CACHE_DURATION=1) start rome ||
	{ fail "start rome"; exit 1; }
check "rome -> paris line up" wait_until 10 line_up paris rome
# A rekey is a fresh session on the path. Which side then closes the old one
# first (each after a grace, so "rekeyed: replaced" on rome or "replaced by
# a newer session" on paris) is a race: the check is the new session.
mark rome
check "rome rekeys (RekeyAfter 2 s)" wait_until 10 logged rome 'session up (we dialled'
mark paris
echo "-10m" >"$T/rome.clock"
check "paris refuses rome's rekey once rome's clock is 10 min back" \
	wait_until 10 logged paris 'stale handshake refused: .*outside'
check "rome notices its own clock went back: local-clock-step alarm" \
	wait_until 5 has_alarm rome paris local-clock-step
sleep 4
refusals=$(tail -n +$((MARK + 1)) "$T/paris/log" | grep -c 'stale handshake refused')
check "rome retried the refused rekey ($refusals refusals in about 5 s)" [ "$refusals" -ge 2 ]
mark rome
echo "+0" >"$T/rome.clock"
check "with its clock right again rome rekeys within 8 s" wait_until 8 logged rome 'session up (we dialled'
check "... and its local-clock-step alarm clears" wait_until 5 no_alarm rome paris local-clock-step
# (A rekey swaps sessions; "line down" may be logged for the moment between.)
check "the session carried the line throughout: never dead, expired or the path down" \
	bash -c "! grep -Eq 'path dead|keys too old|\): down' '$T/paris/log'"
exit $FAILED
