#!/bin/bash
# failover_bench.sh — failover time on two real paths: messages flow one
# every 50 ms; the path both stations report active is silently black-holed
# (nft, both ways); the figure is the time from the cut to the delivery of
# the first message written after it (tests/fault/failover.sh), over
# FAILOVER_RUNS runs (default 20; 4 with BENCH_QUICK), median and max, with
# zero loss and duplication required. Three settings, each from a line a few
# seconds old:
#   failover_ms_*        two network namespaces, one veth pair per path
#   failover_alias_ms_*  both stations on one host, paths on two loopback
#                        addresses (no connection comes from the address of
#                        the path it is on)
#   failover_rekey_ms_*  the peer behind source NAT, RekeyAfter 2 s, each cut
#                        just after the active session was replaced by a rekey
# and the detection time on an idle line (keepalive only). Needs root, ip
# netns and nft; prints nothing else (each setting's check lines and the
# daemons' logs go to $BUILD/bench/failover_SETTING.log). Exits 1 if any
# check failed: a cut not delivered within 1 s, a loss, a disagreement.
RUNS=${FAILOVER_RUNS:-20}
[ -n "${BENCH_QUICK:-}" ] && RUNS=${FAILOVER_RUNS:-4}
export FAILOVER_RUNS=$RUNS

# One setting per process (the harness's namespaces and traps are global).
if [ -n "${FAILOVER_BENCH_SETTING:-}" ]; then
	# Figures on fd 3; the harness's check lines and logs go to stderr.
	exec 3>&1 1>&2
	. "$(dirname "$0")/../tests/fault/netns.sh"
	. "$(dirname "$0")/../tests/fault/failover.sh"
	TNAME=failover_bench_$FAILOVER_BENCH_SETTING
	NFAIL=0
	fail() { echo "FAIL: $TNAME: $*"; FAILED=1; NFAIL=$((NFAIL + 1)); } # counted for the figure
	fault_setup
	failover_runs "$RUNS"
	sorted=$(printf '%s\n' "${FAILOVER_MS[@]}" | sort -n)
	median=$(awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}' <<<"$sorted")
	echo "${FAILOVER_BENCH_PREFIX}_median $median ms" >&3
	echo "${FAILOVER_BENCH_PREFIX}_max $(tail -n 1 <<<"$sorted") ms" >&3
	echo "${FAILOVER_BENCH_PREFIX}_runs ${#FAILOVER_MS[@]} runs" >&3
	echo "${FAILOVER_BENCH_PREFIX}_failed_checks $NFAIL checks" >&3
	acked=$(sort -u "$T/acked.alpha" | wc -l)
	texts=$(hl bravo log alpha --json | jq -r 'select(.own == false and .kind == "MESSAGE") | .text')
	got=$(sort -u <<<"$texts" | wc -l)
	dups=$(sort <<<"$texts" | uniq -d | wc -l)
	echo "${FAILOVER_BENCH_PREFIX}_lost_entries $((acked > got ? acked - got : 0)) entries" >&3
	echo "${FAILOVER_BENCH_PREFIX}_duplicate_entries $dups entries" >&3
	if [ "$FAILOVER_BENCH_SETTING" = veth ]; then
		# Idle line: nothing waits for a receipt, so only keepalives notice.
		wait_until 30 ready >/dev/null
		a=$READY_PATH
		sleep 3
		t_cut=$(now_ms)
		blackhole "$a"
		wait_until 20 on_path alpha $((1 - a)) >/dev/null
		echo "failover_idle_detect_ms $(($(now_ms) - t_cut)) ms" >&3
		unblackhole "$a"
	fi
	[ "$FAILED" -eq 0 ]
	exit
fi

status=0
LOGDIR=${BUILD:-build}/bench
mkdir -p "$LOGDIR"
setting() { # NAME PREFIX [VAR=VALUE...]: the check lines and logs in LOGDIR
	local name=$1 prefix=$2 log="$LOGDIR/failover_$1.log"
	shift 2
	if ! env FAILOVER_BENCH_SETTING="$name" FAILOVER_BENCH_PREFIX="$prefix" "$@" bash "$0" 2>"$log"; then
		echo "failover_bench: $name: a check failed (a cut not delivered within 1 s, loss, ...):" >&2
		grep '^FAIL: ' "$log" | head -n 5 >&2
		echo "  (all of it in $log)" >&2
		status=1
	fi
}
setting veth failover_ms FAULT_TOPO=veth
setting alias failover_alias_ms FAULT_TOPO=lo
setting rekey failover_rekey_ms FAULT_TOPO=nat FAULT_PEER_EXTRA="RekeyAfter = 2s" FAILOVER_AFTER_REKEY=1
exit $status
