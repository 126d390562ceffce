#!/bin/bash
# t_kill9.sh — kill -9 of either daemon at random points while messages flow
# both ways, then an immediate restart: no acknowledged message lost, none
# stored twice, both records identical and valid.
#   FAULT_KILL_ITER  iterations (default 20; 6 with FAULT_QUICK=1)
. "$(dirname "$0")/netns.sh"
ITER=${FAULT_KILL_ITER:-20}
[ -n "${FAULT_QUICK:-}" ] && ITER=${FAULT_KILL_ITER:-6}

fault_setup
start_both || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 15 both_up
driver_bg alpha m 100000 0.05
driver_bg bravo r 100000 0.1
restarted=0
for k in $(seq "$ITER"); do
	# Kill points: anywhere from just after a restart to well into a run
	# of traffic, so both handshakes and streaming are hit.
	sleep "$(printf '%d.%02d' $((RANDOM % 2)) $((RANDOM % 100)))"
	victim=alpha
	[ $((RANDOM % 2)) -eq 0 ] && victim=bravo
	seq_at=$(field alpha own_seq 2>/dev/null)
	state=$(field "$victim" state 2>/dev/null)
	kill9 "$victim"
	sleep "0.$((RANDOM % 5))"
	if start "$victim"; then
		restarted=$((restarted + 1))
		info "iteration $k: kill -9 $victim (line ${state:-?}, alpha own_seq ${seq_at:-?}); restarted"
	else
		fail "iteration $k: $victim does not restart after kill -9"
		exit 1
	fi
done
check "$restarted of $ITER kill -9s survived with a clean restart" [ "$restarted" -eq "$ITER" ]
check "line comes up after the last restart" wait_until 15 both_up
sleep 1
stop_driver alpha
stop_driver bravo
info "$(acked_count alpha) messages acknowledged alpha -> bravo, $(acked_count bravo) bravo -> alpha; $(cat "$T"/unacked.* 2>/dev/null | wc -l) sends refused while a daemon was down"
fault_check
exit $FAILED
