#!/bin/bash
# export_chunk.sh — an export whose entries end just as a chunk of the
# stream fills (the daemon frames the file in ~64 KiB steps, and an empty
# frame means "the end"): the file is still whole, END record included, and
# verifies. Before the fix the export said it succeeded with the trailer
# missing (found by the kill -9 fault test in CI).
. "$(dirname "$0")/lib.sh"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
wait_until 20 line_up washington moscow || { fail "line up"; exit 1; }

# 60000 + 5500 bytes of text: the first entry leaves the first 64 KiB step
# short, the second fills it, and nothing follows.
hl washington send moscow "$(head -c 60000 /dev/zero | tr '\0' 'a')" >/dev/null
hl washington send moscow "$(head -c 5500 /dev/zero | tr '\0' 'b')" >/dev/null
check "both receipted" wait_until 20 all_receipted washington moscow
hl washington export moscow -o "$T/w.hlt"
check "the export succeeds" test $? -eq 0
out=$("$HL" verify "$T/w.hlt" 2>&1)
echo "$out" | sed 's/^/    /' | head -5
check "... and the file is whole: it verifies (END record included)" "$HL" verify "$T/w.hlt" --quiet
check "... with both entries" grep -q "2 entries" <<<"$out"
hl moscow export washington -o "$T/m.hlt"
check "moscow's export of the same line verifies too" "$HL" verify "$T/m.hlt" --quiet
stop washington
stop moscow
exit $FAILED
