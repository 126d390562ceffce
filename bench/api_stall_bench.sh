#!/bin/bash
# api_stall_bench.sh — what a large API answer costs the loop that also
# keeps the line alive (H12): on a line whose store holds 200,000 entries
# (BENCH_QUICK=1: 20,000; bench/tools/storefill), one client reads a whole
# `log` and then an `inbox` while another times
# `status` round trips on its own connection (bench/tools/api_stall.py): a
# status cannot be answered while the loop is held, so the slowest round
# trip bounds the longest stall. Figures: api_log_ms (the whole log),
# api_log_mib, api_stall_{p50,p99,max}_ms during the log, and the max
# during the inbox (api_stall_inbox_max_ms).
. "$(dirname "$0")/../tests/integration/lib.sh"
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
HL=$B/hotline HLD=$B/hotlined FILL=$B/bench/tools/storefill
TOTAL=${BENCH_STALL_ENTRIES:-200000}
[ -n "${BENCH_QUICK:-}" ] && TOTAL=20000
[ -x "$FILL" ] || { echo "api_stall_bench: $FILL missing (make bench builds it)" >&2; exit 1; }
PY=$ROOT/bench/tools/api_stall.py

new_station a && new_station b || exit 1
write_config a b
write_config b a
mkdir -m 700 "$T/a/state" "$T/b/state"
"$FILL" "$T/a/state/hotline.db" "$T/a/station.key" "$T/b/station.key" $((TOTAL / 2)) || exit 1
cp "$T/a/state/hotline.db" "$T/b/state/hotline.db"
start a && start b || exit 1
wait_until 60 line_up a b || { echo "api_stall_bench: line not up" >&2; exit 1; }
wait_until 30 all_receipted a b || exit 1
sleep 1
echo "api_stall_entries $TOTAL count"
read -r bytes ms p50 p99 max n < <(python3 "$PY" "$T/a/hotline.sock" '{"cmd":"log","peer":"b"}') ||
	exit 1
echo "# log: $bytes bytes in $ms ms; $n status round trips during it"
echo "api_log_ms $ms ms"
echo "api_log_mib $((bytes / 1048576)) MiB"
echo "api_stall_p50_ms $p50 ms"
echo "api_stall_p99_ms $p99 ms"
echo "api_stall_max_ms $max ms"
read -r bytes ms p50 p99 max n < <(python3 "$PY" "$T/a/hotline.sock" '{"cmd":"inbox"}') || exit 1
echo "# inbox: $bytes bytes in $ms ms"
echo "api_stall_inbox_max_ms $max ms"
dead=$(cat "$T/a/log" "$T/b/log" | grep -c 'path dead')
echo "# paths declared dead meanwhile: $dead"
exit 0
