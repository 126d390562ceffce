#!/bin/bash
# exchange.sh — two real daemons on loopback: 1,000 messages each way, sent
# concurrently; every one delivered exactly once, in order, and covered by
# the peer's signed receipt on the sender's side; both hold the same chains.
. "$(dirname "$0")/lib.sh"
N=${N:-1000}

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 10 line_up washington moscow

sender() { # FROM TO PREFIX
	local i
	for i in $(seq "$N"); do
		hl "$1" send "$2" "$3-$i" >/dev/null || { echo "send $3-$i failed" >&2; return 1; }
	done
}
sender washington moscow w &
a=$!
sender moscow washington m &
b=$!
wait $a; ra=$?
wait $b; rb=$?
check "all $N sends accepted washington->moscow" [ "$ra" -eq 0 ]
check "all $N sends accepted moscow->washington" [ "$rb" -eq 0 ]

check "washington: every entry receipted by moscow" wait_until 60 all_receipted washington moscow
check "moscow: every entry receipted by washington" wait_until 60 all_receipted moscow washington
check "washington own_seq = $N" [ "$(field washington moscow own_seq)" = "$N" ]
check "moscow own_seq = $N" [ "$(field moscow washington own_seq)" = "$N" ]

# Exactly once and in order: the receiver's copy of the sender's chain has
# texts PREFIX-1..PREFIX-N at seq 1..N, and equals the sender's own chain.
texts() { hl "$1" log "$2" --json | jq -r "select(.own == false) | \"\(.seq) \(.text)\"" | sort -n; }
expect() { for i in $(seq "$N"); do echo "$i $1-$i"; done; }
check "moscow received w-1..w-$N once each, in order" diff <(texts moscow washington) <(expect w)
check "washington received m-1..m-$N once each, in order" diff <(texts washington moscow) <(expect m)
check "washington's chain identical on both sides" diff <(chain washington moscow own) <(chain moscow washington peer)
check "moscow's chain identical on both sides" diff <(chain moscow washington own) <(chain washington moscow peer)
check "every own entry shows receipted in the log" \
	[ "$(hl washington log moscow --json | jq -r 'select(.own) | .receipted' | sort -u)" = true ]

# A clean restart resumes without resending anything new or losing state.
stop moscow
start moscow
check "line comes back after restart" wait_until 10 line_up washington moscow
hl washington send moscow "after restart" >/dev/null
check "message after restart receipted" wait_until 10 all_receipted washington moscow
check "moscow holds $((N + 1)) entries of washington" [ "$(field moscow washington peer_seq)" = "$((N + 1))" ]
exit $FAILED
