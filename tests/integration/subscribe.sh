#!/bin/bash
# subscribe.sh — the API's event subscription through real daemons: an entry
# event reaches a subscriber within a second of the send (both stations),
# line and alarm events follow a line drop and its return, a subscriber is
# not closed as idle, what it sends is ignored, and one that stops reading is
# sent the overflow event and closed instead of growing the daemon.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: subscribe (python3 not installed)"; exit 0; }
SUB="$ROOT/tests/integration/subscriber.py"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
STATION_EXTRA="AlarmAfter = 1s
ApiIdleTimeout = 2s"
write_config washington moscow
# The bursts below are more than the default entry quota (10000 a day).
PEER_EXTRA="QuotaEntries = 100000" write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
wait_until 20 line_up washington moscow || { fail "line up"; exit 1; }

python3 "$SUB" log "$T/moscow/hotline.sock" "$T/m.events" &
python3 "$SUB" log "$T/washington/hotline.sock" "$T/w.events" &
python3 "$SUB" poke "$T/moscow/hotline.sock" "$T/p.events" &
has() { grep -q "$2" "$1" 2>/dev/null; }
wait_until 5 has "$T/m.events" subscribed && wait_until 5 has "$T/w.events" subscribed &&
	wait_until 5 has "$T/p.events" subscribed
check "subscribe answers {\"ok\":true,\"subscribed\":true}" \
	grep -q $'\t{"ok":true,"subscribed":true}$' "$T/m.events"

# events FILE: the JSON of its event lines (not the reply, not EOF).
events() { grep -v -e $'\t{"ok"' -e $'\tEOF$' "$1" | cut -f2-; }
t0=$(date +%s%3N)
id=$(hl washington send moscow -p flash --exercise "Проверка связи: FLASH")
entry_at() { # FILE SEQ OWN: the arrival time of that entry event
	grep -v -e $'\t{"ok"' -e $'\tEOF$' "$1" | while IFS=$'\t' read -r ms line; do
		jq -e --argjson s "$2" --argjson o "$3" \
			'select(.event == "entry" and .seq == $s and .own == $o)' >/dev/null <<<"$line" &&
			{ echo "$ms"; break; }
	done
}
got_m() { [ -n "$(entry_at "$T/m.events" 1 false)" ]; }
wait_until 5 got_m
dt=$(( $(entry_at "$T/m.events" 1 false) - t0 ))
echo "    moscow's subscriber saw the FLASH ${dt} ms after the send began"
check "moscow's subscriber sees the peer's entry within 1 s (${dt} ms)" test "$dt" -lt 1000
ev=$(events "$T/m.events" | jq -c 'select(.event == "entry")' | head -n 1)
echo "    $ev"
check "... with peer, author, own, seq, id, kind, precedence and exercise" jq -e --arg id "$id" \
	'.peer == "washington" and .author == "washington" and .own == false and .seq == 1 and
	 .kind == "MESSAGE" and .precedence == "flash" and .exercise == true and (.id | length) == 64' \
	<<<"$ev"
got_w() { [ -n "$(entry_at "$T/w.events" 1 true)" ]; }
check "washington's subscriber sees its own entry (own true)" wait_until 5 got_w
check "... with the id the send returned" bash -c "grep -q '$id' '$T/w.events'"

# A request on a subscribed connection is ignored: no reply comes.
sleep 0.5
check_not "a request sent after subscribing gets no reply" \
	bash -c "cut -f2- '$T/p.events' | grep -v '\"subscribed\"' | grep -q '\"ok\"'"

# Idle: ApiIdleTimeout is 2 s; subscribers are not closed for it.
sleep 3
hl washington send moscow "after the idle timeout" >/dev/null
got2() { [ -n "$(entry_at "$T/m.events" 2 false)" ]; }
check "a subscriber silent past ApiIdleTimeout still gets events" wait_until 5 got2
check_not "... and was not closed" grep -q $'\tEOF$' "$T/m.events"

# The line drops: a line event, then the line-down alarm after AlarmAfter.
kill9 washington
line_ev() { events "$T/m.events" | jq -e -s --arg s "$1" 'any(.[]; .event == "line" and .peer == "washington" and .state == $s)' >/dev/null; }
line_not_up() { events "$T/m.events" | jq -e -s 'any(.[]; .event == "line" and .state != "up")' >/dev/null; }
check "the line's drop is an event (state no longer up)" wait_until 10 line_not_up
alarm_ev() { events "$T/m.events" | jq -e -s --argjson on "$1" 'any(.[]; .event == "alarm" and .kind == "line-down" and .on == $on and .peer == "washington")' >/dev/null; }
check "the line-down alarm is an event (on: true) with its text" wait_until 10 alarm_ev true
events "$T/m.events" | jq -c 'select(.event == "alarm")' | head -n 1 | sed 's/^/    /'
start washington || fail "restart washington"
check "the line's return is an event (state up)" wait_until 20 line_ev up
check "the alarm's clearing is an event (on: false)" wait_until 10 alarm_ev false

# A burst of sends from washington (N of them, pipelined).
burst() {
	python3 - "$T/washington/hotline.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
f = s.makefile("rb")
n = int(sys.argv[2])
req = b'{"cmd":"send","peer":"moscow","text":"burst"}\n'
sent = got = 0
while got < n:
    while sent < n and sent - got < 2000:
        s.sendall(req); sent += 1
    f.readline(); got += 1
PY
}
peer_seq_at() { test "$(field moscow washington peer_seq)" -ge "$1"; }

# A reading subscriber sees every entry of a burst, in order, once. 3000
# events (~600 KB) fit the daemon's queue however slowly it reads, so this
# holds on a loaded machine too.
burst 3000
check "moscow stored the burst of 3000" wait_until 60 peer_seq_at 3002
seqs() { events "$T/m.events" | jq -r 'select(.event == "entry" and .own == false) | .seq'; }
all_seen() { test "$(seqs | tail -n 1)" = 3002; }
check "the reading subscriber kept up: it saw the burst's last entry" wait_until 30 all_seen
check "... every entry exactly once, in order (1..3002)" \
	bash -c "diff <(seq 1 3002) <(printf '%s\n' \"\$1\")" _ "$(seqs)"

# A subscriber that stops reading: the daemon queues at most 1 MiB for it,
# then sends the overflow event and closes it. 12000 entry events (~2.4 MB)
# are more than that plus the sockets' own buffers.
python3 "$SUB" stall "$T/moscow/hotline.sock" "$T/s.events" "$T/go" &
stall_pid=$!
wait_until 5 has "$T/s.events" subscribed
burst 12000
check "moscow stored the burst of 12000" wait_until 90 peer_seq_at 15002
touch "$T/go"
closed() { grep -q $'\tEOF$' "$T/s.events"; }
wait_until 20 closed || kill "$stall_pid"
last=$(tail -n 2 "$T/s.events" | head -n 1 | cut -f2-)
echo "    the stalled subscriber's last line: $last"
check "the stalled subscriber got {\"event\":\"overflow\"} as its last line" test "$last" = '{"event":"overflow"}'
check "... and was closed" bash -c "tail -n 1 '$T/s.events' | grep -q $'\tEOF$'"
n_entry=$(events "$T/s.events" | grep -c '"event":"entry"')
echo "    it had received $n_entry entry events before the overflow"
check "... after fewer events than the burst (the queue is bounded)" test "$n_entry" -lt 12000
check "the daemon warned in its log" grep -q 'API subscriber .*1 MiB of events not taken' "$T/moscow/log"
check "moscow is still up and answering" line_up moscow washington

# Subscribers are never idle-closed, so they have a bound of their own (16):
# the 17th is refused while every one before it is kept.
out=$(python3 - "$T/moscow/hotline.sock" <<'PY'
import socket, sys
socks, replies = [], []
for i in range(17):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    s.sendall(b'{"cmd":"subscribe"}\n')
    replies.append(s.makefile("rb").readline().decode().strip())
    socks.append(s)
ok = sum('"subscribed": true' in r or '"subscribed":true' in r for r in replies)
print(ok, replies[-1])
PY
)
echo "    $out"
n_ok=$(cut -d' ' -f1 <<<"$out")
check "16 are let in, less the earlier subscribers still open (up to three here)" \
	bash -c "[ $n_ok -ge 13 ] && [ $n_ok -le 16 ]"
check "... and the next is refused: 'too many subscribers'" grep -q 'too many subscribers' <<<"$out"

stop washington
stop moscow
wait
exit $FAILED
