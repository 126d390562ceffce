#!/bin/bash
# crash.sh — kill -9 mid-stream, five kill points for the receiver and five
# for the sender: after a restart both sides hold exactly the same chain,
# every send that was acknowledged is delivered exactly once, nothing twice.
. "$(dirname "$0")/lib.sh"
PER_ROUND=${PER_ROUND:-120}
ROUNDS=${ROUNDS:-5}

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 10 line_up washington moscow

# sender ROUND: sends PER_ROUND messages washington->moscow; a failed send
# (daemon down) is retried under a new text, because the failed one may or
# may not have been committed. Acknowledged texts go to $T/acked.ROUND.
sender() {
	local r=$1 i a
	: >"$T/acked.$r"
	for i in $(seq "$PER_ROUND"); do
		for a in $(seq 300); do
			if hl washington send moscow "r$r-m$i-a$a" >/dev/null 2>&1; then
				echo "r$r-m$i-a$a" >>"$T/acked.$r"
				break
			fi
			sleep 0.05
		done
	done
}

received() { hl moscow log washington --json | jq -r 'select(.own == false) | .text'; }

round() { # ROUND VICTIM DELAY
	local r=$1 victim=$2 delay=$3
	sender "$r" &
	local sp=$!
	sleep "$delay"
	local before
	before=$(field washington moscow own_seq 2>/dev/null)
	kill9 "$victim"
	sleep 0.3
	start "$victim" || { fail "round $r: restart $victim"; return; }
	wait $sp
	if ! wait_until 30 all_receipted washington moscow; then
		fail "round $r ($victim killed after ${delay}s, at own_seq ${before:-?}): not all receipted"
		return
	fi
	local dup missing
	dup=$(received | sort | uniq -d | head -n 3)
	missing=$(comm -23 <(sort "$T/acked.$r") <(received | sort) | head -n 3)
	if [ -n "$dup" ]; then
		fail "round $r: duplicated entries: $dup"
	elif [ -n "$missing" ]; then
		fail "round $r: acknowledged but not delivered: $missing"
	elif ! diff <(chain washington moscow own) <(chain moscow washington peer) >/dev/null; then
		fail "round $r: chains differ between the two stations"
	else
		pass "round $r: kill -9 $victim after ${delay}s (washington own_seq ${before:-?}): no loss, no duplicate, identical chains"
	fi
}

r=0
for victim in moscow washington; do
	for k in $(seq "$ROUNDS"); do
		r=$((r + 1))
		# Kill points spread over the stream, with jitter.
		delay=$(printf '0.%02d' $((k * 12 + RANDOM % 10)))
		round "$r" "$victim" "$delay"
	done
done
check "moscow's chain is gapless 1..own_seq" \
	[ "$(chain moscow washington peer | awk '{print $1}' | tr '\n' ' ')" = "$(seq -s ' ' 1 "$(field washington moscow own_seq)") " ]
exit $FAILED
