#!/bin/bash
# exercise.sh — `hotline send --exercise`: the entry carries the signed
# EXERCISE flag to the peer, and every view on both stations marks it
# unmistakably, while a real message next to it is not marked.
. "$(dirname "$0")/lib.sh"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
up() { test "$(field washington moscow state)" = up; }
wait_until 20 up || { fail "line up"; exit 1; }

hl washington send moscow --exercise -p flash "Exercise ALPHA: simulated launch report" >/dev/null
check "send --exercise is accepted" test $? -eq 0
hl washington send moscow "A real message, not an exercise" >/dev/null
receipted() { test "$(field washington moscow unreceipted)" = 0 && test "$(field washington moscow own_seq)" = 2; }
check "both reached moscow and were receipted" wait_until 20 receipted

json=$(hl moscow inbox --json)
# jqq PREFIX TEST: exactly one entry's text starts with PREFIX, and TEST holds for it.
jqq() { jq -e -s --arg p "$1" "[.[] | select((.text // \"\") | startswith(\$p))] | length == 1 and (.[0] | $2)" >/dev/null <<<"$json"; }
check "moscow's inbox: the exercise entry has exercise true" \
	jqq "Exercise ALPHA" '.exercise == true and .flags == 1'
check "... the real one has exercise false" \
	jqq "A real message" '.exercise == false and .flags == 0'
text=$(hl moscow inbox)
ex_block=$(awk '/Exercise ALPHA/ {print prev2; print prev; print} {prev2 = prev; prev = $0}' <<<"$text")
check "moscow's inbox text marks the exercise before and after its header" \
	grep -q '^\*\*\* EXERCISE \*\*\* .* \*\*\* EXERCISE \*\*\*$' <<<"$ex_block"
check "... and under it: NOT A REAL MESSAGE" grep -q 'EXERCISE - NOT A REAL MESSAGE' <<<"$ex_block"
check "exactly one entry is marked in moscow's inbox" \
	test "$(grep -c 'EXERCISE - NOT A REAL MESSAGE' <<<"$text")" = 1
check "washington's own log marks it too" \
	bash -c "'$HL' -c '$T/washington/hotline.conf' log moscow | grep -c 'EXERCISE - NOT A REAL MESSAGE' | grep -qx 1"
# The flag is inside the signed entry: the exported record keeps it and verifies.
hl moscow export washington -o "$T/m.hlt" >/dev/null 2>&1
check "moscow's record with the exercise entry verifies" hl moscow verify "$T/m.hlt" --quiet
# The API refuses a flag of the wrong type, and says which.
out=$(python3 - "$T/washington/hotline.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(json.dumps({"cmd": "send", "peer": "moscow", "text": "x", "exercise": "yes"}).encode() + b"\n")
print(s.makefile().readline().strip())
PY
)
echo "    reply: $out"
check "an exercise flag that is not a boolean is refused" grep -q '"ok": *false.*exercise' <<<"$out"
check "... and nothing was stored for it" test "$(field washington moscow own_seq)" = 2
stop washington
stop moscow
exit $FAILED
