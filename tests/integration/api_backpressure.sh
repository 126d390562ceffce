#!/bin/bash
# api_backpressure.sh — the local API's backpressure (docs/API.md "Limits")
# through a real daemon on a line of 6,000 entries (bench/tools/storefill):
# a client that reads none of its replies is no longer read from (its
# requests stay in the socket: it cannot write them all) and costs the
# daemon little memory, for small replies (status) and for large answers
# produced in steps (log); when it reads, everything is answered in order.
# At most HL_API_MAX_LISTINGS listings are in progress: one more waits for a
# place and gets it when a paused one's client reads. A client that takes
# nothing of a reply for ApiIdleTimeout is closed, its answer cut off.
# Requests naming an entry by an id prefix wait for their scan in steps and
# are answered in order.
# (api_backpressure.py does the clients.)
. "$(dirname "$0")/lib.sh"

FILL=$BUILD_DIR/bench/tools/storefill
[ -x "$FILL" ] || { fail "storefill missing: make tests builds $FILL"; exit 1; }
PER=3000
new_station a && new_station b || { fail "set up stations"; exit 1; }
write_config a b
mkdir -m 700 "$T/a/state"
"$FILL" "$T/a/state/hotline.db" "$T/a/station.key" "$T/b/station.key" "$PER" ||
	{ fail "storefill"; exit 1; }
# ASan's allocator holds freed memory in a quarantine (256 MiB by default),
# which shows as RSS: keep it small so the RSS checks (a few MiB) say what
# the daemon holds, not what it freed.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1
export ASAN_OPTIONS
start a || { fail "start station a"; exit 1; }
PY=$ROOT/tests/integration/api_backpressure.py
run() { python3 "$PY" "$1" "$T/a/hotline.sock" "$(cat "$T/a/pid")" "${@:2}" || FAILED=1; }

run unread status 5000 0
run unread log 12 $((2 * PER))
run places $((2 * PER))
run prefix
stop a

STATION_EXTRA="ApiIdleTimeout = 2s" write_config a b
start a || { fail "restart station a"; exit 1; }
run stalled 2
check "the daemon logged why it closed the stalled client" \
	grep -q 'took nothing of its reply for 2 s; closed' "$T/a/log"
kill -0 "$(cat "$T/a/pid")" 2>/dev/null
check "station a is still running" test $? -eq 0
exit $FAILED
