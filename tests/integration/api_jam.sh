#!/bin/bash
# api_jam.sh — an operator cannot jam the daemon (docs/THREAT-MODEL.md): on a
# line whose store holds 200,000 entries (written by bench/tools/storefill),
# while a message goes across every 100 ms, clients pipe thousands of `log`
# and `inbox` requests and never read, and another reads log after log
# (api_jam.py). The daemon must keep its memory bounded, keep every path
# alive on both sides, deliver every message in order and answer other
# clients promptly.
#
# HL_JAM_ENTRIES (default 200000, both chains together) and HL_JAM_SECONDS
# (default 20) size the run. Under AddressSanitizer (check-asan) the default
# store is 40,000 entries: the instrumented daemon is several times slower
# to fill and list, and the point (steps between network work, memory
# bounded by the output cap and the listing's compact state) holds at any
# size. The RSS limit is justified in the comment below.
. "$(dirname "$0")/lib.sh"

FILL=$BUILD_DIR/bench/tools/storefill
[ -x "$FILL" ] || { fail "storefill missing: make tests builds $FILL"; exit 1; }
asan=0
ldd "$HLD" 2>/dev/null | grep -q libasan && asan=1
ENTRIES=${HL_JAM_ENTRIES:-$([ $asan = 1 ] && echo 40000 || echo 200000)}
SECONDS_JAM=${HL_JAM_SECONDS:-20}
PER=$((ENTRIES / 2))

new_station a && new_station b || { fail "set up stations"; exit 1; }
write_config a b
write_config b a
mkdir -m 700 "$T/a/state" "$T/b/state"
"$FILL" "$T/a/state/hotline.db" "$T/a/station.key" "$T/b/station.key" "$PER" ||
	{ fail "storefill"; exit 1; }
cp "$T/a/state/hotline.db" "$T/b/state/hotline.db"
# ASan's allocator holds freed memory in a quarantine (256 MiB by default):
# keep it small so RSS still says what the daemon holds.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8 start a &&
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8 start b ||
	{ fail "start stations"; exit 1; }
check "the line comes up on $ENTRIES stored entries" wait_until 60 line_up a b
check "... with every entry receipted" wait_until 30 all_receipted a b
sleep 1
rss0=$(awk '/^VmRSS:/ {print $2}' "/proc/$(cat "$T/a/pid")/status")
# The limit: the daemon at rest (rss0), plus what the jam may hold at most:
# per listing in progress its compact state (about 72 bytes per entry of the
# line: a 48-byte name slot and a 24-byte order key; with the merge sort's
# half-size scratch, under 100 bytes), at most three here (two jammers, one
# reader), plus 1 MiB of unwritten output per client and SQLite's cache
# growing as the listings read. 3 x 100 B x ENTRIES + 64 MiB of slack. A
# daemon that answers requests it cannot write (before this fix) holds a
# whole log reply per request: 90 MiB and more each on 200,000 entries.
limit=$((rss0 + 3 * 100 * ENTRIES / 1024 + 65536))
echo "# $ENTRIES entries; RSS at rest $rss0 KiB; limit $limit KiB"
t0=$(date +%s%3N)
python3 "$ROOT/tests/integration/api_jam.py" "$T/a/hotline.sock" "$T/b/hotline.sock" \
	"$(cat "$T/a/pid")" b "$SECONDS_JAM" "$limit"
rc=$?
[ $rc -ne 0 ] && FAILED=1
kill -0 "$(cat "$T/a/pid")" 2>/dev/null
check "station a is still running" test $? -eq 0
check "every message sent is receipted" wait_until 30 all_receipted a b

# A dead path is logged ("path dead: nothing received for N ms"), closes the
# session and is recorded as path-down/line-down events the report counts.
for n in a b; do
	dead=$(grep -c 'path dead' "$T/$n/log")
	check "station $n declared no path dead ($dead)" test "$dead" -eq 0
	peer=b
	[ $n = b ] && peer=a
	outages=$(hl "$n" report "$peer" --json 2>/dev/null | jq --argjson t "$t0" \
		'[.outages[] | select((.end_ms // 9e15) >= $t)] | length')
	check "station $n's report shows no outage since the jam began (${outages:-none})" test "${outages:-1}" -eq 0
done
exit $FAILED
