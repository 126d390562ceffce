#!/bin/bash
# console.sh — `hotline console` driven in tmux (send-keys, capture-pane) at
# 80x24 in a UTF-8 locale: it shows an incoming Cyrillic FLASH within a
# second, with the alarm banner; the ack key stores the ACK and changes the
# screen's alarm and ack state; an overdue ack raises the alarm; compose sends;
# it survives a resize to 120x40 and back; ? shows the help; q quits with 0.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "SKIP: console (tmux not installed)"; exit 0; }
loc=$(locale -a 2>/dev/null | grep -i -m1 -E '^(C|en_US|ru_RU)\.utf-?8$')
[ -n "$loc" ] || { echo "SKIP: console (no UTF-8 locale)"; exit 0; }

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
# AckDeadlines is the watch's key (seconds here, so overdue comes in the test).
ACKS=0
printf '[Station]\nName = x\nPrivateKeyFile = k\nAckDeadlines = flash=3s\n' >"$T/probe.conf"
"$HLD" --check-config -c "$T/probe.conf" 2>&1 | grep -qi 'AckDeadlines' || ACKS=1
[ "$ACKS" = 1 ] && STATION_EXTRA="AckDeadlines = flash=3s"
write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
wait_until 20 line_up washington moscow || { fail "line up"; exit 1; }

S=hlcon$$
tmux kill-session -t "$S" 2>/dev/null
tmux new-session -d -s "$S" -x 80 -y 24 \
	"env LANG=$loc LC_ALL=$loc TERM=screen '$HL' -c '$T/moscow/hotline.conf' console; echo \$? >'$T/rc'; sleep 30"
trap 'tmux kill-session -t "$S" 2>/dev/null; cleanup' EXIT
screen() { tmux capture-pane -p -t "$S"; }
shows() { screen | grep -q -- "$1"; }
check "the console draws the line status bar (washington UP)" wait_until 10 shows 'washington .*UP'
check "... and the key hints at the bottom" shows 'a ack .*c compose'
rows=$(screen | wc -l)
check "... in 24 rows" test "$rows" = 24

text="Срочно: проверка связи ёЁ"
t0=$(date +%s%3N)
hl washington send moscow -p flash "$text" >/dev/null
seen=""
for _ in $(seq 50); do
	if shows "$text"; then seen=$(date +%s%3N); break; fi
	sleep 0.1
done
if [ -n "$seen" ]; then
	dt=$((seen - t0))
	check "the FLASH in Cyrillic is on the screen, intact, within 1 s (${dt} ms)" test "$dt" -lt 1000
else
	fail "the FLASH never appeared on the screen"
fi
screen | sed 's/^/    | /'
check "... as a FLASH row" shows 'FLASH .*washington#1'
check "... with the alarm banner" shows '!! FLASH from washington#1'

if [ "$ACKS" = 1 ]; then
	check "... with its ack countdown" shows 'washington#1 *ACK [0-9]:[0-9][0-9]'
	tmux send-keys -t "$S" a
	acked() { hl moscow inbox --json | jq -e -s 'any(.[]; .seq == 1 and .ack.state == "acked")' >/dev/null; }
	check "the ack key stored the ACK (inbox says acked)" wait_until 5 acked
	check "... the screen shows it acked" wait_until 3 shows 'washington#1 *acked'
	banner_gone() { ! shows '!! FLASH'; }
	check "... and the FLASH alarm banner is gone" wait_until 3 banner_gone
	# An unanswered FLASH past its 3 s deadline: the overdue alarm.
	hl washington send moscow -p flash "Второй FLASH без ответа" >/dev/null
	check "a second FLASH shows its countdown" wait_until 3 shows 'washington#2 *ACK'
	check "past its deadline it shows OVERDUE" wait_until 8 shows 'washington#2 *OVERDUE'
	check "... and the overdue banner" shows '!! ACK OVERDUE'
else
	echo "SKIP: the ack key and the overdue alarm (the daemon has no ack command yet: watch branch)"
	tmux send-keys -t "$S" a
	check "the ack key answers (the daemon's refusal shown)" wait_until 3 shows 'ack refused'
fi

# Compose: c, precedence (field focus starts there with one peer), Tab to the text.
tmux send-keys -t "$S" c
check "c opens compose" wait_until 3 shows 'COMPOSE'
tmux send-keys -t "$S" i Tab Tab
tmux send-keys -t "$S" -l "Ответ: связь в норме"
tmux send-keys -t "$S" Enter
sent() { hl moscow log washington --json | jq -e -s 'any(.[]; .own and .precedence == "immediate" and .text == "Ответ: связь в норме")' >/dev/null; }
check "compose sent an IMMEDIATE message with the Cyrillic text" wait_until 5 sent
check "... and says so on the message line" wait_until 3 shows 'sent to washington'

# Resize to 120x40 and back: it still draws and answers keys.
tmux resize-window -t "$S" -x 120 -y 40
big() { [ "$(screen | wc -l)" = 40 ] && shows 'washington .*UP'; }
check "after a resize to 120x40 it redraws at the new size" wait_until 3 big
tmux resize-window -t "$S" -x 80 -y 24
small() { [ "$(screen | wc -l)" = 24 ] && shows 'washington .*UP' && shows "$text"; }
check "... and back at 80x24 (status bar and the FLASH visible)" wait_until 3 small
tmux send-keys -t "$S" '?'
check "? shows the key help" wait_until 3 shows 'acknowledge the selected entry'
tmux send-keys -t "$S" x
help_gone() { ! shows 'acknowledge the selected entry'; }
check "... and any key closes it" wait_until 3 help_gone
tmux send-keys -t "$S" Enter
check "Enter opens the entry view (original text, receipt, language)" \
	wait_until 3 shows 'ORIGINAL'
tmux send-keys -t "$S" Escape
check "Esc goes back to the inbox" wait_until 3 shows 'PRECEDENCE RECEIVED'

# The daemon goes away: the console says so and comes back with it.
stop moscow
check "with the daemon stopped it says 'daemon not reachable'" wait_until 5 shows 'daemon not reachable'
start moscow || fail "restart moscow"
back() { ! shows 'daemon not reachable' && shows 'washington'; }
check "... and recovers when it returns" wait_until 10 back

tmux send-keys -t "$S" q
quit() { [ -s "$T/rc" ]; }
check "q quits" wait_until 5 quit
check "... with status 0" test "$(cat "$T/rc" 2>/dev/null)" = 0
tmux kill-session -t "$S" 2>/dev/null
stop washington
stop moscow
exit $FAILED
