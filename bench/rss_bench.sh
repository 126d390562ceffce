#!/bin/bash
# rss_bench.sh — a real hotlined's resident memory (VmRSS): idle with 10
# configured peers (not running); and on a line whose store already holds
# 100,000 and 1,000,000 entries (BENCH_QUICK=1: 5,000 and 50,000; the
# rss_*store_entries lines say which), right after the line comes up and
# again after a few hundred new messages were sent and receipted. The stores
# are written directly by bench/tools/storefill (valid signed chains, as two
# stations that had exchanged them would hold), one copy per station.
. "$(dirname "$0")/../tests/integration/lib.sh"
# lib.sh joins BUILD to the checkout's path; an absolute BUILD is its own.
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
HL=$B/hotline HLD=$B/hotlined FILL=$B/bench/tools/storefill
BIG=${BENCH_RSS_BIG:-1000000}
SMALL=${BENCH_RSS_SMALL:-100000}
MSGS=${BENCH_RSS_MSGS:-300}
if [ -n "${BENCH_QUICK:-}" ]; then
	BIG=50000 SMALL=5000 MSGS=200
fi
[ -x "$FILL" ] || { echo "rss_bench: $FILL missing (make bench builds it)" >&2; exit 1; }

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$(cat "$T/$1/pid")/status"; }

# Idle: 10 pinned peers, each with an Endpoint where nothing listens, so
# the station dials them with its backoff as it would in a real outage.
new_station idle || exit 1
for i in $(seq 0 9); do
	new_station "peer$i" || exit 1
done
write_config idle peer0 peer1 peer2 peer3 peer4 peer5 peer6 peer7 peer8 peer9
start idle || exit 1
sleep 3
echo "rss_idle_kib $(rss idle) KiB"
stop idle

send_many() { # FROM TO N
	for i in $(seq "$3"); do
		hl "$1" send "$2" "rss bench message $i" >/dev/null || return 1
	done
}

# One size: NAME (figure prefix) and the total number of stored entries.
measure() {
	local name=$1 total=$2 a=${1}a b=${1}b per=$(($2 / 2)) t0
	new_station "$a" && new_station "$b" || return 1
	write_config "$a" "$b"
	write_config "$b" "$a"
	mkdir -m 700 "$T/$a/state" "$T/$b/state"
	t0=$SECONDS
	"$FILL" "$T/$a/state/hotline.db" "$T/$a/station.key" "$T/$b/station.key" "$per" || return 1
	cp "$T/$a/state/hotline.db" "$T/$b/state/hotline.db"
	echo "# $name: $total entries written in $((SECONDS - t0)) s ($(du -m "$T/$a/state/hotline.db" | cut -f1) MiB per store)"
	start "$a" && start "$b" || return 1
	wait_until 30 line_up "$a" "$b" || { echo "rss_bench: line $a-$b not up" >&2; return 1; }
	wait_until 30 all_receipted "$a" "$b" || return 1
	sleep 1
	echo "rss_${name}_entries_start_kib $(rss "$a") KiB"
	t0=$SECONDS
	send_many "$a" "$b" "$MSGS" || { echo "rss_bench: send failed" >&2; return 1; }
	wait_until 60 all_receipted "$a" "$b" || { echo "rss_bench: not receipted" >&2; return 1; }
	local own peer
	own=$(field "$a" "$b" own_seq)
	peer=$(field "$b" "$a" peer_seq)
	if [ "$own" -ne $((per + MSGS)) ] || [ "$peer" -ne "$own" ]; then
		echo "rss_bench: $a holds $own own entries, $b holds $peer of them; expected $((per + MSGS))" >&2
		return 1
	fi
	sleep 1
	echo "# $name: $MSGS messages sent and receipted in $((SECONDS - t0)) s"
	echo "rss_${name}_entries_kib $(rss "$a") KiB"
	echo "rss_${name}_entries_receiver_kib $(rss "$b") KiB"
	stop "$a"
	stop "$b"
	rm -rf "${T:?}/$a/state" "${T:?}/$b/state"
}

measure 100k "$SMALL" || exit 1
echo "rss_100k_store_entries $SMALL count"
measure 1m "$BIG" || exit 1
echo "rss_store_entries $BIG count"
exit 0
