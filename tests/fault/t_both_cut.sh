#!/bin/bash
# t_both_cut.sh — both paths cut (ip link set down) while both stations keep
# submitting messages: sends are still acknowledged (queued locally), the
# line is reported down with the entries unreceipted, and after the links
# return every queued entry is delivered, exactly once, in order.
#   FAULT_OUTAGE  seconds both paths stay cut (default 30, the issue's figure;
#                 10 with FAULT_QUICK=1)
. "$(dirname "$0")/netns.sh"
OUTAGE=${FAULT_OUTAGE:-30}
[ -n "${FAULT_QUICK:-}" ] && OUTAGE=${FAULT_OUTAGE:-10}

fault_setup
start_both || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 15 both_up
driver_bg alpha m 100000 0.05
driver_bg bravo r 100000 0.2
sleep 2
cut_path 0 && cut_path 1 || { fail "cut both paths"; exit 1; }
t_cut=$SECONDS
n_cut=$(acked_count alpha)
not_up() { ! line_up "$1"; }
check "alpha sees the line go down" wait_until 15 not_up alpha
check "bravo sees the line go down" wait_until 15 not_up bravo
info "line reported down $((SECONDS - t_cut)) s after the cut"
sleep $((OUTAGE - (SECONDS - t_cut) > 0 ? OUTAGE - (SECONDS - t_cut) : 0))
queued=$(unreceipted alpha)
n_fix=$(acked_count alpha)
check "sends are still acknowledged during the outage ($((n_fix - n_cut)) by alpha)" [ $((n_fix - n_cut)) -gt 0 ]
check "alpha holds its queue: $queued entries unreceipted after ${OUTAGE} s" [ "${queued:-0}" -gt 0 ]
restore_path 0 && restore_path 1 || { fail "restore the paths"; exit 1; }
t_fix=$(now_ms)
if wait_until 30 both_up; then
	pass "line back up $(($(now_ms) - t_fix)) ms after the paths return"
else
	fail "line not back up within 30 s of the paths' return"
fi
sleep 1
stop_driver alpha
stop_driver bravo
info "$(acked_count alpha) messages alpha -> bravo, $(acked_count bravo) bravo -> alpha; $queued queued at alpha when the paths returned"
fault_check
exit $FAILED
