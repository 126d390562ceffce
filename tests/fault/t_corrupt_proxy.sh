#!/bin/bash
# t_corrupt_proxy.sh — every byte between the stations passes a TCP relay
# (build/tests/corrupt_proxy) that flips a random byte in about one chunk in
# N: each damaged record is refused by the AEAD and its connection closed,
# the stations reconnect, and nothing damaged is ever stored — both records
# still verify and are identical, and every message arrives exactly once.
# alpha dials the relay on its own loopback; bravo only listens.
#   FAULT_PROXY_ONE_IN  corrupt one chunk in N (default 25)
#   FAULT_PROXY_MSGS    messages alpha -> bravo, one per 50 ms (default 200;
#                       60 with FAULT_QUICK=1)
#   FAULT_PROXY_SEED    the relay's random seed (default: random; printed)
. "$(dirname "$0")/netns.sh"
ONE_IN=${FAULT_PROXY_ONE_IN:-25}
MSGS=${FAULT_PROXY_MSGS:-200}
[ -n "${FAULT_QUICK:-}" ] && MSGS=${FAULT_PROXY_MSGS:-60}
SEED=${FAULT_PROXY_SEED:-$((RANDOM * 32768 + RANDOM + 1))}
PROXY="$TOOLS/corrupt_proxy"
PROXY_AT=127.0.0.1:7400

fault_setup
[ -x "$PROXY" ] || { fail "$PROXY not built (make tests)"; exit 1; }
write_config alpha bravo "$PROXY_AT"
write_config bravo alpha none
ip netns exec "$NS_A" "$PROXY" "$PROXY_AT" "${ADDR[bravo,0]}:$PORT" --one-in "$ONE_IN" --seed "$SEED" \
	2>"$T/proxy.log" &
BG+=("$!")
info "relay seed $SEED, one chunk in $ONE_IN corrupted (rerun with FAULT_PROXY_SEED=$SEED)"
start_both || { fail "start daemons"; exit 1; }
check "line comes up through the relay" wait_until 30 both_up
t0=$SECONDS
driver_bg bravo r 100000 0.2
driver alpha m "$MSGS" 0.05
stop_driver bravo
if wait_until "$FAULT_SETTLE" all_receipted alpha && wait_until 10 all_receipted bravo; then
	pass "everything receipted through the corrupting relay ($((SECONDS - t0)) s)"
else
	fail "not everything receipted within $FAULT_SETTLE s: alpha $(line_json alpha)"
fi
damaged=$(grep -c '^corrupt ' "$T/proxy.log")
conns=$(grep -c '^accept ' "$T/proxy.log")
check "the relay damaged $damaged chunks" [ "$damaged" -gt 0 ]
check "the connection was re-established: $conns connections" [ "$conns" -gt 1 ]
# The AEAD (or the handshake, for a damaged first message) refuses the bytes
# and the session is closed; "cryptographic check failed" is HL_ERR_CRYPTO.
aead=$(cat "$T/alpha/log" "$T/bravo/log" | grep -c 'closed: cryptographic check failed')
check "damaged records refused by the AEAD and the connection closed ($aead times)" [ "$aead" -gt 0 ]
info "close reasons: $(cat "$T/alpha/log" "$T/bravo/log" | sed -n 's/.*closed: //p' | sort | uniq -c |
	sort -rn | awk '{ n = $1; $1 = ""; printf "%s%s x%d", s, $0, n; s = ";" }')"
not_stopped() { [ "$(field alpha state)" != stopped ] && [ "$(field bravo state)" != stopped ]; }
check "the line was never stopped (no damage mistaken for a fork or equivocation)" not_stopped
fault_check
exit $FAILED
