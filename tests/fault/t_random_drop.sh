#!/bin/bash
# t_random_drop.sh — 20% of packets dropped at random on both paths, both
# ways, for a sustained run: every message is delivered exactly once, in
# order, and both records end identical.
#   FAULT_DROP_MSGS  messages alpha -> bravo, one per 50 ms (default 200; 60 with FAULT_QUICK=1)
#   FAULT_DROP_PCT   drop percentage (default 20)
. "$(dirname "$0")/netns.sh"
MSGS=${FAULT_DROP_MSGS:-200}
[ -n "${FAULT_QUICK:-}" ] && MSGS=${FAULT_DROP_MSGS:-60}
PCT=${FAULT_DROP_PCT:-20}

fault_setup
start_both || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 15 both_up
random_drop "$PCT" 0 1 || { fail "install the nft drop rules"; exit 1; }
t0=$SECONDS
driver_bg bravo r 100000 0.2
driver alpha m "$MSGS" 0.05
stop_driver bravo
info "drove $MSGS messages alpha -> bravo and $(acked_count bravo) bravo -> alpha in $((SECONDS - t0)) s under ${PCT}% loss"
if wait_until "$FAULT_SETTLE" all_receipted alpha && wait_until 10 all_receipted bravo; then
	pass "everything receipted while ${PCT}% of packets are still being dropped ($((SECONDS - t0)) s after the start)"
else
	fail "not everything receipted under ${PCT}% loss within $FAULT_SETTLE s: alpha $(line_json alpha)"
fi
dropped=$(ip netns exec "$NS_B" nft list table inet hlfault_drop 2>/dev/null |
	sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
check "the fault was real: $dropped packets dropped" [ "$dropped" -gt 0 ]
info "connections closed during the run: $(cat "$T/alpha/log" "$T/bravo/log" | grep -c 'closed: ')"
unrandom_drop
fault_check
exit $FAILED
