#!/bin/bash
# handshake_bench.sh — the responder's handshake rate and one handshake's
# latency against a real hotlined that pins 32 peers (bench/tools/hsload:
# real IK initiators, each pinned key with one handshake in flight, from
# 127.0.0.2-254 under the daemon's per-source limit), and the responder's
# Noise work alone in process for comparison.
. "$(dirname "$0")/../tests/integration/lib.sh"
# lib.sh joins BUILD to the checkout's path; an absolute BUILD is its own.
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
HL=$B/hotline HLD=$B/hotlined HSLOAD=$B/bench/tools/hsload
TOTAL=${BENCH_HANDSHAKES:-6000}
NLAT=${BENCH_HANDSHAKE_NLAT:-300}
SECS=2
if [ -n "${BENCH_QUICK:-}" ]; then
	TOTAL=800 NLAT=50 SECS=0.3
fi
KEYS=${BENCH_HANDSHAKE_KEYS:-32}
[ -x "$HSLOAD" ] || { echo "handshake_bench: $HSLOAD missing (make bench builds it)" >&2; exit 1; }

new_station hub || exit 1
{
	echo "[Station]"
	echo "Name = hub"
	echo "PrivateKeyFile = station.key"
	echo "Listen = 127.0.0.1:${PORT[hub]}"
	echo "StateDir = state"
	echo "Socket = hotline.sock"
	[ "$(id -u)" -eq 0 ] && echo "User = root"
	# Peers without an Endpoint: the station only answers, never dials.
	i=0
	"$HSLOAD" keys "$KEYS" | while read -r k; do
		printf '\n[Peer p%d]\nPublicKey = %s\n' "$i" "$k"
		i=$((i + 1))
	done
} >"$T/hub/hotline.conf"
start hub || exit 1
pid=$(cat "$T/hub/pid")

"$HSLOAD" rate "127.0.0.1:${PORT[hub]}" "${PUB[hub]}" --total "$TOTAL" --keys "$KEYS" --pid "$pid" || {
	echo "handshake_bench: rate run failed; daemon log:" >&2
	tail -n 20 "$T/hub/log" >&2
	exit 1
}
# What the daemon said about the sessions, so a surprise shows in the output.
echo "# daemon log: $(grep -c 'session up' "$T/hub/log") 'session up', $(grep -c 'rate limit' "$T/hub/log") rate-limited, $(grep -c 'too many handshakes' "$T/hub/log") over the half-open cap, $(grep -c 'replayed or stale' "$T/hub/log") stale"
# The run may have emptied the daemon's per-source buckets; full again in 2 s.
sleep 2
"$HSLOAD" latency "127.0.0.1:${PORT[hub]}" "${PUB[hub]}" --count "$NLAT" || exit 1
kill -0 "$pid" 2>/dev/null || { echo "handshake_bench: hotlined died" >&2; exit 1; }
stop hub
"$HSLOAD" inprocess "$SECS" || exit 1
exit 0
