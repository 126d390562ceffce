#!/bin/bash
# attach.sh — `hotline send --file`: attachments through real daemons. A small
# file arrives byte for byte; a 50 MiB one (paced by AttachmentRate) is in
# flight when a FLASH sent after it overtakes it, survives the receiver's
# kill -9 midway, resumes from what it held (not from 0) and arrives intact;
# bad files and references are refused.
. "$(dirname "$0")/lib.sh"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
PEER_EXTRA="AttachmentRate = 6M" write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
up() { line_up washington moscow; }
wait_until 20 up || { fail "line up"; exit 1; }

# att_json NAME SEQ: the attachment object of washington's entry SEQ in moscow's inbox.
att() { hl moscow inbox --json | jq -c -s --argjson q "$2" "[.[] | select(.seq == \$q)][0].attachment // empty" 2>/dev/null | sed -n 1p | jq -r ".$1" 2>/dev/null; }

# 1. A small file, byte for byte.
head -c 300000 /dev/urandom >"$T/small.bin"
id=$(hl washington send moscow --file "$T/small.bin" "Chart of the strait attached")
check "send --file prints the entry id" grep -qE '^[0-9a-f]{64}$' <<<"$id"
small_done() { [ "$(att state 1)" = complete ]; }
check "moscow receives the small attachment complete" wait_until 20 small_done
check "... with its name and size" test "$(att name 1):$(att size 1)" = "small.bin:300000"
check "... and the message text without the descriptor" \
	test "$(hl moscow inbox --json | jq -r -s '.[] | select(.seq == 1) | .text')" = "Chart of the strait attached"
hl moscow attachment washington#1 -o "$T/small.out"
check "hotline attachment writes it out" test $? -eq 0
check "... identical to the original" cmp -s "$T/small.bin" "$T/small.out"
check "moscow's text inbox shows it complete" bash -c "'$HL' -c '$T/moscow/hotline.conf' inbox | grep -q 'attachment: small.bin (293.0 KiB) .* complete'"
delivered() { hl washington log moscow --json | jq -e -s '.[] | select(.own and .seq == 1) | .attachment.delivered == true' >/dev/null; }
check "washington's log shows it delivered" wait_until 10 delivered

# 2. 50 MiB at 6 MiB/s: about 8 s on the wire.
head -c $((50 * 1024 * 1024)) /dev/urandom >"$T/big.bin"
hl washington send moscow --file "$T/big.bin" -p routine "Map set, 50 MiB" >/dev/null
check "the 50 MiB attachment is uploaded and its entry stored" test $? -eq 0
hl washington send moscow -p flash "FLASH: sent after the map" >/dev/null
flash_in() { hl moscow inbox --json | jq -e -s '.[] | select(.seq == 3 and .precedence == "flash")' >/dev/null; }
check "the FLASH sent after it reaches moscow" wait_until 10 flash_in
state=$(att state 2)
have=$(att have 2)
echo "    when the FLASH was stored: attachment $state, $have of $((50 * 1024 * 1024)) bytes"
check "... while the attachment is still pending" test "$state" = pending
check "... and incomplete" test "$have" -lt $((50 * 1024 * 1024))
out=$(hl moscow attachment washington#2 -o "$T/early.out" 2>&1)
check "fetching it while pending is refused" grep -q 'pending' <<<"$out"
check "... and writes no file" test ! -e "$T/early.out"
check "moscow's text inbox says PENDING" bash -c "'$HL' -c '$T/moscow/hotline.conf' inbox | grep -q 'attachment: big.bin (50.0 MiB) .* PENDING'"

# 3. kill -9 the receiver midway; it resumes from what it held.
midway() { h=$(att have 2); [ -n "$h" ] && [ "$h" -gt $((12 * 1024 * 1024)) ]; }
check "the transfer passes 12 MiB" wait_until 30 midway
kill9 moscow
start moscow || { fail "restart moscow"; exit 1; }
resumed_at=$(att have 2)
echo "    after kill -9 and restart moscow holds $resumed_at bytes"
check "the restarted receiver kept what it had (did not start again from 0)" \
	test "${resumed_at:-0}" -gt $((8 * 1024 * 1024))
wait_until 20 up
big_done() { [ "$(att state 2)" = complete ]; }
check "the 50 MiB attachment completes after the reconnect" wait_until 60 big_done
hl moscow attachment washington#2 >"$T/big.out"
check "... and arrives intact" cmp -s "$T/big.bin" "$T/big.out"
check "moscow recorded no hash mismatch" bash -c "! grep -q 'does not match its hash' '$T/moscow/log'"

# 4. Refusals.
out=$(hl washington send moscow --file "$T/nonexistent" "x" 2>&1)
check "a missing file is refused" test $? -ne 0
check "... saying so" grep -q 'No such file' <<<"$out"
truncate -s $((101 * 1024 * 1024)) "$T/huge.bin"
out=$(hl washington send moscow --file "$T/huge.bin" 2>&1)
check "a file over 100 MiB is refused" grep -q 'larger than 100 MiB' <<<"$out"
: >"$T/empty.bin"
check_not "an empty file is refused" hl washington send moscow --file "$T/empty.bin"
out=$(hl moscow attachment washington#99 -o "$T/x" 2>&1)
check "the attachment of an unknown entry is refused" test $? -ne 0 -a ! -e "$T/x"
out=$(hl moscow attachment washington#3 -o "$T/x" 2>&1)
check "an entry without an attachment says so" grep -q 'has no attachment' <<<"$out"
seq_before=$(field washington moscow own_seq)
out=$(python3 - "$T/washington/hotline.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile()
def ask(req):
    s.sendall(json.dumps(req).encode() + b"\n"); return f.readline().strip()
print(ask({"cmd": "send", "peer": "moscow", "text": "x", "attachment": "ab" * 32}))
print(ask({"cmd": "attach-begin", "peer": "moscow", "hash": "ab" * 32, "size": 3, "name": "a/b"}))
print(ask({"cmd": "attach-begin", "peer": "moscow", "hash": "ab" * 32, "size": 3, "name": "t.txt"}))
print(ask({"cmd": "attach-chunk", "peer": "moscow", "hash": "ab" * 32, "offset": 1, "data": "eHl6"}))
print(ask({"cmd": "attach-chunk", "peer": "moscow", "hash": "ab" * 32, "offset": 0, "data": "eHl6"}))
print(ask({"cmd": "send", "peer": "moscow", "text": "x", "attachment": "ab" * 32}))
PY
)
echo "$out" | sed 's/^/    reply: /'
check "send with an attachment never uploaded is refused" \
	bash -c "sed -n 1p <<<'$out' | grep -q 'not uploaded'"
check "a name with a slash is refused" bash -c "sed -n 2p <<<'$out' | grep -q 'name must be'"
check "a chunk at the wrong offset is refused" bash -c "sed -n 4p <<<'$out' | grep -q 'continue from there'"
check "content that does not match its hash is refused" bash -c "sed -n 5p <<<'$out' | grep -q 'does not match its hash'"
check "... and cannot be sent" bash -c "sed -n 6p <<<'$out' | grep -q 'not complete'"
check "nothing was stored for the refused sends" test "$(field washington moscow own_seq)" = "$seq_before"
hl moscow export washington -o "$T/m.hlt" >/dev/null 2>&1
check "moscow's record with attachment entries verifies" hl moscow verify "$T/m.hlt" --quiet
stop washington
stop moscow
exit $FAILED
