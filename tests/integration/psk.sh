#!/bin/bash
# psk.sh — a line with a pre-shared key runs Noise IKpsk2: with the same key
# on both sides the line comes up and carries messages; with different keys,
# or a key on one side only, it never comes up and nothing is delivered.
. "$(dirname "$0")/lib.sh"

new_psk() { head -c 32 /dev/urandom | base64 >"$1" && chmod 600 "$1"; }
new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
new_psk "$T/washington/moscow.psk"
cp "$T/washington/moscow.psk" "$T/moscow/washington.psk"
PSK=moscow.psk write_config washington moscow
PSK=washington.psk write_config moscow washington
start washington && start moscow || { fail "start daemons"; exit 1; }
check "IKpsk2 line comes up with the same key on both sides" wait_until 10 line_up washington moscow
check "log names the IKpsk2 handshake" grep -q 'IKpsk2' "$T/washington/log"
hl washington send moscow "over the PSK line" >/dev/null
check "message delivered and receipted" wait_until 10 all_receipted washington moscow
check "moscow holds it" [ "$(hl moscow inbox --json | jq -r .text)" = "over the PSK line" ]

# Different keys: the handshake fails at message 2, so the line stays down.
stop moscow
new_psk "$T/moscow/washington.psk"
start moscow
sleep 2
check "different PSKs: line never comes up" [ "$(field washington moscow state)" != up ]
check "different PSKs: moscow's side not up either" [ "$(field moscow washington state)" != up ]
hl washington send moscow "must wait" >/dev/null
sleep 1
check "nothing delivered over a mismatched PSK" [ "$(field moscow washington peer_seq)" = 1 ]

# A PSK on one side only: the responder refuses the mismatch.
stop moscow
write_config moscow washington
start moscow
sleep 2
check "PSK on one side only: line never comes up" [ "$(field washington moscow state)" != up ]
check "the refusal is logged" grep -q 'pre-shared key' "$T/washington/log" "$T/moscow/log"

# Same key again: the stored message goes through.
stop moscow
cp "$T/washington/moscow.psk" "$T/moscow/washington.psk"
PSK=washington.psk write_config moscow washington
start moscow
check "matching PSK again: line up" wait_until 10 line_up washington moscow
check "the waiting message is delivered" wait_until 10 all_receipted washington moscow
exit $FAILED
