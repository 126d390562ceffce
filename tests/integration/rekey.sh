#!/bin/bash
# rekey.sh — fresh handshakes under traffic: with RekeyAfter = 2s the
# sessions are replaced several times while messages flow every 50 ms, and
# nothing is lost, duplicated or held up (no silence near a rekey).
. "$(dirname "$0")/lib.sh"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
PEER_EXTRA="RekeyAfter = 2s" write_config washington moscow
PEER_EXTRA="RekeyAfter = 2s" write_config moscow washington
start washington && start moscow || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 10 line_up washington moscow
N=140
for i in $(seq "$N"); do
	hl washington send moscow "r$i" >/dev/null || fail "send r$i"
	sleep 0.05
done
check "every entry receipted" wait_until 20 all_receipted washington moscow
# Each rekey retires the old session on both sides after a grace; whichever
# closes it first logs why ("rekeyed: ..." by the dialler, "replaced by a
# newer session" by the other), the other sees "peer closed".
rekeys=$(cat "$T"/washington/log "$T"/moscow/log |
	grep -cE "rekeyed: replaced by a fresh handshake|replaced by a newer session")
check "sessions were rekeyed under traffic ($rekeys times)" [ "$rekeys" -ge 2 ]
texts() { hl moscow log washington --json | jq -r 'select(.own == false) | .text'; }
check "delivered once each, in order" diff <(texts) <(for i in $(seq "$N"); do echo "r$i"; done)
check "chains identical on both sides" diff <(chain washington moscow own) <(chain moscow washington peer)
gap=$(hl moscow log washington --json | jq -r 'select(.own == false) | .stored_ms' |
	awk 'NR > 1 && $1 - p > g { g = $1 - p } { p = $1 } END { print g + 0 }')
check "no delivery held up by a rekey (largest gap $gap ms)" [ "$gap" -lt 1000 ]
exit $FAILED
