#!/bin/bash
# throughput_bench.sh — two real stations on loopback (real SQLite files,
# synchronous=FULL): messages per second end to end (stored by the peer and
# covered by its signed receipt back at the sender) for 64 B, 1 KiB and
# 16 KiB bodies; latency one message at a time; and the daemons' peak RSS.
. "$(dirname "$0")/../tests/integration/lib.sh"
N1K=${BENCH_N1K:-100000}
N64=${BENCH_N64:-100000}
N16K=${BENCH_N16K:-20000}
NLAT=${BENCH_NLAT:-2000}
if [ -n "${BENCH_QUICK:-}" ]; then
	N1K=10000 N64=10000 N16K=2000 NLAT=300
fi
WINDOW=${BENCH_WINDOW:-512}
new_station alpha && new_station bravo || exit 1
KEEPALIVE=5s
# The default quota (10,000 entries a day) would stop the run; the bench
# measures the line, not the quota.
PEER_EXTRA=$'QuotaEntries = 100000000\nQuotaBytes = 1099511627776'
write_config alpha bravo
write_config bravo alpha
start alpha && start bravo || exit 1
line_up() { test "$(field alpha bravo state)" = up; }
wait_until 20 line_up >/dev/null || { echo "line not up" >&2; exit 1; }
LOAD="$TOOLS/apiload"
# A stalled line must fail the bench, not hang it.
LIMIT=${BENCH_TIMEOUT:-600}
run() { timeout "$LIMIT" "$LOAD" "$@" || { echo "throughput_bench: $* failed or timed out" >&2; exit 1; }; }
run throughput "$T/alpha/hotline.sock" bravo "$N1K" 1024 "$WINDOW" 1k >"$T/1k.out"
cat "$T/1k.out"
run throughput "$T/alpha/hotline.sock" bravo "$N64" 64 "$WINDOW" 64b
run throughput "$T/alpha/hotline.sock" bravo "$N16K" 16384 "$WINDOW" 16k
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$(cat "$T/$1/pid")/status"; }
echo "rss_peak_kib $(hwm alpha) KiB"
echo "rss_peak_receiver_kib $(hwm bravo) KiB"
run latency "$T/alpha/hotline.sock" bravo "$T/bravo/hotline.sock" alpha "$NLAT" 1024
# Every entry costs the receiver one Ed25519 verify, the lowest ceiling on
# the path (group commit takes fdatasync off it): the fraction of that
# ceiling reached compares across machines. ceilings_bench ran first.
ceil=$(awk '$1 == "ceiling_ed25519_verify_per_s" {print $2}' "$BUILD_DIR/bench/ceilings_bench.out" 2>/dev/null)
tp=$(awk '$1 == "throughput_1k_msgs_per_s" {print $2}' "$T/1k.out")
if [ -n "$ceil" ] && [ -n "$tp" ]; then
	echo "throughput_1k_fraction_of_verify_ceiling $(awk -v a="$tp" -v b="$ceil" 'BEGIN {printf "%.3f", a / b}') ratio"
fi
echo "entries_stored $(field alpha bravo own_seq) entries"
exit 0
