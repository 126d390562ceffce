#!/bin/bash
# sdnotify.sh — hotlined under a service manager (systemd Type=notify):
# with NOTIFY_SOCKET set, READY=1 arrives once the API answers and the
# sandbox is on, exactly once, with a STATUS; SIGTERM sends STOPPING=1 and
# the daemon still exits 0. Both socket forms (a path, an abstract @name);
# as root also after dropping to User; a NOTIFY_SOCKET nobody listens on
# is a warning, not a failure. The manager's side is
# tests/tools/notify_listener.py.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null; then
	echo "SKIP: sdnotify (python3 not installed)"
	exit 0
fi
LISTENER="$ROOT/tests/tools/notify_listener.py"
quiet() { "$@" >/dev/null; }

new_station washington || { fail "keygen"; exit 1; }
write_config washington

# run_case LABEL ADDRESS: the whole exchange through one notify socket.
run_case() {
	local label=$1 addr=$2 out="$T/notify-$1.out" lpid pid rc n
	rm -f "$out" "$T/washington/log"
	: >"$T/washington/log"
	python3 "$LISTENER" "$addr" "$out" "$T/washington/hotline.sock" "$T/washington/log" &
	lpid=$!
	wait_until 10 grep -q '^bound$' "$out" 2>/dev/null || { fail "$label: listener bound"; return; }
	NOTIFY_SOCKET=$addr "$HLD" -c "$T/washington/hotline.conf" >>"$T/washington/log" 2>&1 &
	pid=$!
	echo "$pid" >"$T/washington/pid"
	check "$label: READY=1 arrives" wait_until 20 grep -q '^MSG "READY=1' "$out"
	check "$label: at READY=1 the API socket accepts and answers a status request" \
		wait_until 10 grep -qx 'API ok' "$out"
	check "$label: at READY=1 the seccomp filter is already in place" grep -qx 'SANDBOX on' "$out"
	check "$label: READY=1 carries a STATUS naming the station and its listener" \
		grep -qF "STATUS=station washington: 0 line(s), listening on 127.0.0.1:${PORT[washington]}" "$out"
	check "$label: the daemon answers the client after READY=1" quiet hl washington status
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	rm -f "$T/washington/pid"
	check "$label: exit status 0 after SIGTERM (got $rc)" [ "$rc" -eq 0 ]
	check "$label: STOPPING=1 sent on SIGTERM" wait_until 10 grep -q '^MSG "STOPPING=1\\nSTATUS=stopping (SIGTERM)"$' "$out"
	n=$(grep -c '^MSG "READY=1' "$out")
	check "$label: READY=1 sent exactly once (got $n)" [ "$n" -eq 1 ]
	check "$label: READY=1 before STOPPING=1" \
		[ "$(grep '^MSG' "$out" | head -n 1 | cut -c1-12)" = 'MSG "READY=1' ]
	check_not "$label: no warning about the notification" grep -q "readiness notification\|READY=1 to" "$T/washington/log"
	kill "$lpid" 2>/dev/null
	wait "$lpid" 2>/dev/null
}

run_case path "$T/notify.sock"
run_case abstract "@hotline-sdnotify-$$-$RANDOM"

# Started as root, the socket is connected before root is dropped: it keeps
# working as User (nobody), under the filter.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chmod 711 "$T" "$T/washington"
	STATION_USER=nobody write_config washington
	run_case as-nobody "$T/notify2.sock"
	check "as-nobody: the daemon did drop root" grep -q "running as User nobody" "$T/washington/log"
	STATION_USER=root write_config washington
else
	echo "SKIP: sdnotify as User after dropping root (not root, or no user nobody)"
fi

# Nobody listening: started all the same, with one warning.
: >"$T/washington/log"
NOTIFY_SOCKET="$T/nobody-here.sock" start washington
check "a NOTIFY_SOCKET nobody listens on: the daemon runs" quiet hl washington status
check "a NOTIFY_SOCKET nobody listens on: a warning names it" \
	grep -q "no readiness notification: NOTIFY_SOCKET=$T/nobody-here.sock" "$T/washington/log"
stop washington

[ "$FAILED" -eq 0 ]
