# failover.sh — repeated failover under traffic (source it after netns.sh;
# a library like netns.sh, not a test): alpha sends a message every 50 ms;
# each run black-holes (both ways, nft) the path both stations report as
# active and measures the time from the cut to the delivery of the first
# message alpha wrote after it. Used by t_failover_*.sh and
# bench/failover_bench.sh.
#
# What every run checks (check/pass/fail lines; the timings in FAILOVER_MS):
#   - before the cut: both stations report the same active path, the other
#     path is a working standby on both, and each reports exactly the two
#     configured paths (no session counted as a path of its own);
#   - the first message written after the cut is delivered within
#     FAILOVER_MAX_MS (default 1000, the issue's bound);
#   - both stations then report the other path as active;
#   - after a short cut of path 0 (the preferred one), once its sessions
#     answer again on both stations, the traffic stays on path 1 for
#     FAILBACK_HOLD_S (a path that lost receipts is taken back only after it
#     has worked for 10 s, PROTOCOL §2.4), on both.
# Runs alternate between a short black-hole (removed after 1 s, before
# DeadAfter closes the sessions: the path comes back as it is) and a long one
# (4 s: the cut sessions are closed and the path is dialled again); each run
# cuts whichever path carries the traffic then, so no run waits for the 10 s
# failback.
#   FAILOVER_AFTER_REKEY=1  cut each run right after the active path's session
#                           was replaced by a rekey (set RekeyAfter small
#                           through FAULT_PEER_EXTRA)

FAILOVER_MS=()
FAILOVER_MAX_MS=${FAILOVER_MAX_MS:-1000}

# status_of NAME: the line as `status --json` shows it (one request).
status_of() { hl "$1" status --json 2>/dev/null | jq -c '.lines[0]'; }

# path_view NAME: "ACTIVE STATE0 STATE1 NPATHS" in one request.
path_view() {
	status_of "$1" | jq -r '"\(.active_path) \(.paths[0].state // "none") \(.paths[1].state // "none") \(.paths | length)"'
}

# ready_on PATH: both stations carry the traffic on PATH, the other path is
# a working standby on both, and neither shows a third path.
ready_on() {
	local o=$((1 - $1)) n a v
	for n in alpha bravo; do
		read -r -a v <<<"$(path_view "$n")"
		[ "${v[0]}" = "$1" ] && [ "${v[3]}" = 2 ] && [ "${v[$((o + 1))]}" = standby ] || return 1
	done
}
# ready: as ready_on, on whichever path alpha reports active (the path in READY_PATH).
ready() {
	READY_PATH=$(active_path alpha)
	case "$READY_PATH" in 0 | 1) ready_on "$READY_PATH" ;; *) return 1 ;; esac
}
both_on() { on_path alpha "$1" && on_path bravo "$1"; }
# answers_on PATH: neither station holds PATH's session suspect any more.
answers_on() {
	local n v
	for n in alpha bravo; do
		read -r -a v <<<"$(path_view "$n")"
		case "${v[$(($1 + 1))]}" in standby | active) ;; *) return 1 ;; esac
	done
}
# stays_on PATH SECONDS: both stations report PATH active for that long.
stays_on() {
	local end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		both_on "$1" || return 1
		sleep 0.2
	done
}
FAILBACK_HOLD_S=${FAILBACK_HOLD_S:-3}

# rtt_known NAME: the line's rtt_ms and every up path's are measured.
rtt_known() {
	status_of "$1" | jq -e '.rtt_ms != null and all(.paths[]; .state == "down" or .state == "connecting" or .rtt_ms != null)' \
		>/dev/null
}
# rtt_late NAME: prints the paths up for RTT_LATE_MS or more whose RTT is
# still unknown (a PING goes with HELLO: one round trip should do).
RTT_LATE_MS=500
rtt_late() {
	status_of "$1" | jq -c --argjson t "$RTT_LATE_MS" \
		'[.paths[] | select(.up_for_ms != null and .up_for_ms >= $t and .rtt_ms == null) | {index, up_for_ms}] | select(length > 0)'
}

# first_after RECEIVER T_MS: "STORED_MS WRITTEN_MS" of the first message of
# the peer written (time_ms, the author's clock: one host) at or after T_MS.
first_after() {
	hl "$1" log "$(peer_of "$1")" --json 2>/dev/null |
		jq -r --argjson t "$2" 'select(.own == false and .kind == "MESSAGE" and .time_ms >= $t) | "\(.seq) \(.stored_ms) \(.time_ms)"' |
		sort -n | head -n 1 | awk '{print $2, $3}'
}

# sessions_up_on NAME PATH: how many sessions came up on PATH so far (a
# rekey adds one), from the station's log.
sessions_up_on() { grep -c "path $2 ([^)]*): session up" "$T/$1/log"; }
rekeyed_since() { [ "$(sessions_up_on alpha "$1")" -gt "$2" ]; } # PATH COUNT

# failover_start: both stations running, the line up; checks that the RTT is
# measured on every path within RTT_LATE_MS of its coming up (and on the
# whole line within 2 s) and starts the traffic. Sets LINE_UP_MS.
failover_start() {
	start_both || { fail "start daemons"; exit 1; }
	check "line comes up" wait_until 15 both_up
	LINE_UP_MS=$(now_ms)
	local late="" n l
	while [ $(($(now_ms) - LINE_UP_MS)) -lt 2000 ]; do
		for n in alpha bravo; do
			l=$(rtt_late "$n")
			[ -n "$l" ] && [ -z "$late" ] && late="$n $l"
		done
		rtt_known alpha && rtt_known bravo && break
		sleep 0.05
	done
	if rtt_known alpha && rtt_known bravo; then
		pass "RTT measured on both stations and every path $(($(now_ms) - LINE_UP_MS)) ms after the line came up"
	else
		fail "RTT still unknown 2 s after the line came up: alpha $(status_of alpha | jq -c '{rtt_ms, paths}'), bravo $(status_of bravo | jq -c '{rtt_ms, paths}')"
	fi
	check "no path up for ${RTT_LATE_MS} ms without an RTT${late:+ (seen: $late)}" [ -z "$late" ]
	driver_bg alpha m 1000000 0.05
}

# failover_run R: one run (see the top of the file).
failover_run() {
	local r=$1 a o n0 t_cut got hold
	if ! wait_until 20 ready; then
		fail "run $r: not ready: alpha $(path_view alpha), bravo $(path_view bravo) (active, states, paths)"
		return 1
	fi
	a=$READY_PATH
	o=$((1 - a))
	if [ -n "${FAILOVER_AFTER_REKEY:-}" ]; then
		n0=$(sessions_up_on alpha "$a")
		wait_until 10 rekeyed_since "$a" "$n0" || { fail "run $r: no rekey of path $a within 10 s"; return 1; }
		check "run $r: the line's RTT still known just after the rekey of path $a" \
			[ "$(field alpha rtt_ms)" != null ]
		on_path alpha "$a" || { fail "run $r: the rekey of path $a moved the traffic off it"; return 1; }
	else
		sleep 0.5
	fi
	blackhole "$a" || { fail "run $r: black-hole path $a"; return 1; }
	t_cut=$(now_ms)
	local end=$((SECONDS + FAILOVER_MAX_MS / 1000 + 10))
	while got=$(first_after bravo "$t_cut") && [ -z "$got" ] && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.05
	done
	if [ -z "$got" ]; then
		fail "run $r: nothing written after the cut of path $a delivered within $((FAILOVER_MAX_MS / 1000 + 10)) s"
		unblackhole "$a"
		return 1
	fi
	local written=${got#* }
	got=${got% *}
	FAILOVER_MS+=($((got - t_cut)))
	info "run $r: the first message after the cut was written $((written - t_cut)) ms after it"
	check "run $r: path $a cut: first message written after it delivered in $((got - t_cut)) ms (bound $FAILOVER_MAX_MS)" \
		[ $((got - t_cut)) -le "$FAILOVER_MAX_MS" ]
	check "run $r: both stations report path $o as active" wait_until 3 both_on "$o"
	hold=1
	[ $((r % 2)) -eq 0 ] && hold=4
	sleep "$hold"
	unblackhole "$a" || { fail "run $r: remove the black-hole of path $a"; return 1; }
	if [ "$hold" = 1 ] && [ "$a" = 0 ]; then
		# The cut sessions survived (shorter than DeadAfter) and were
		# suspect: answering a PING makes them eligible, not active.
		if wait_until 5 answers_on 0; then
			check "run $r: path 0 answers again; the traffic stays on path 1 for ${FAILBACK_HOLD_S} s (failback after 10 s of working)" \
				stays_on 1 "$FAILBACK_HOLD_S"
		else
			fail "run $r: path 0 still suspect 5 s after its black-hole was removed: alpha $(path_view alpha), bravo $(path_view bravo)"
		fi
	fi
	return 0
}

# failover_runs N: failover_start, then N runs (stops at a run that could not
# be set up), then the traffic is stopped and the record checked.
failover_runs() {
	local n=$1 r
	failover_start
	for r in $(seq "$n"); do
		failover_run "$r" || break
	done
	stop_driver alpha
	# No cut lasts 30 s (AlarmAfter): a path-down alarm would be false.
	local alarm
	alarm=$(grep -h 'ALARM path-down' "$T/alpha/log" "$T/bravo/log" | head -n 1)
	check "no path-down alarm for cuts shorter than AlarmAfter${alarm:+ ($alarm)}" [ -z "$alarm" ]
	info "failover times (ms): ${FAILOVER_MS[*]}"
	info "$(acked_count alpha) messages sent alpha -> bravo"
	fault_check
}

# failover_test RUNS QUICK_RUNS: a whole t_failover_*.sh test (FAILOVER_RUNS
# overrides the number of cuts) and its exit.
failover_test() {
	local runs=${FAILOVER_RUNS:-$1}
	[ -n "${FAULT_QUICK:-}" ] && runs=${FAILOVER_RUNS:-$2}
	fault_setup
	failover_runs "$runs"
	exit "$FAILED"
}
