#!/bin/bash
# failover_bench.sh — failover time on two real paths (network namespaces):
# messages flow one every 50 ms; the active path is silently black-holed;
# the time from the cut to the first delivery over the backup, median of
# several runs, with zero loss required; and the detection time on an idle
# line (keepalive only). Needs root, ip netns and nft; prints nothing else.
RUNS=${FAILOVER_RUNS:-10}
[ -n "${BENCH_QUICK:-}" ] && RUNS=1
. "$(dirname "$0")/../tests/fault/netns.sh"
TNAME=failover_bench
fault_setup >/dev/null
start_both >/dev/null || { echo "failover_bench: cannot start stations" >&2; exit 1; }
wait_until 20 both_up >/dev/null || exit 1
wait_until 30 on_path alpha 0 >/dev/null || exit 1
driver_bg alpha m 1000000 0.05
times=()
for r in $(seq "$RUNS"); do
	wait_until 40 on_path alpha 0 >/dev/null || { echo "run $r: not back on the primary" >&2; break; }
	sleep 2
	t_cut=$(now_ms)
	blackhole 0
	# Failover time: from the cut to the delivery that ends the longest
	# silence after it (a message already in flight may still land on the
	# old path just after the cut; that is not the failover).
	sleep 3
	after=$(delivery_times bravo | awk -v c="$t_cut" '
		$1 > c - 500 { if (p != "" && $1 > c && $1 - p > g) { g = $1 - p; a = $1 } p = $1 }
		END { print a }')
	[ -n "$after" ] && times+=($((after - t_cut)))
	echo "run $r: $((${after:-0} - t_cut)) ms" >&2
	unblackhole 0
done
stop_driver alpha
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}' <<<"$sorted")
echo "failover_ms $median ms"
echo "failover_max_ms $(tail -n 1 <<<"$sorted") ms"
echo "failover_runs ${#times[@]} runs"
# Zero loss: every acknowledged message delivered, exactly once.
wait_until 60 all_receipted alpha >/dev/null
acked=$(sort "$T/acked.alpha" | uniq | wc -l)
got=$(hl bravo log alpha --json | jq -r 'select(.own == false and .kind == "MESSAGE") | .text' | sort | uniq | wc -l)
dups=$(hl bravo log alpha --json | jq -r 'select(.own == false and .kind == "MESSAGE") | .text' | sort | uniq -d | wc -l)
echo "failover_lost_entries $((acked > got ? acked - got : 0)) entries"
echo "failover_duplicate_entries $dups entries"
# Idle line: nothing waits for a receipt, so only keepalives notice.
wait_until 40 on_path alpha 0 >/dev/null
sleep 3
echo "idle: before the cut: $(hl alpha status --json | jq -c '.lines[0] | {active_path, unreceipted, paths}')" >&2
t_cut=$(now_ms)
blackhole 0
wait_until 20 on_path alpha 1 >/dev/null
echo "failover_idle_detect_ms $(($(now_ms) - t_cut)) ms"
unblackhole 0
exit 0
