#!/bin/bash
# api_hostile.sh — the local API under abuse: only the socket's owner and
# group get in (filesystem permission, tried as 'nobody'); oversized,
# malformed and stalled requests get an error reply (or are closed) without
# affecting the daemon or its other clients; clients past the limit are
# turned away. The client is tests/tools/apiclient.py (python3).
. "$(dirname "$0")/lib.sh"
APICLIENT="$ROOT/tests/tools/apiclient.py"

if ! command -v python3 >/dev/null; then
	echo "SKIP: api_hostile (python3 not installed)"
	exit 0
fi

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
# moscow comes up once, so that its HELLO confirms washington's record and
# sends are signed at once (not queued as drafts: outbox.sh), then stays
# down: the API is what is under test. Idle clients are closed after 2 s
# here (60 s by default).
STATION_EXTRA="ApiIdleTimeout = 2s" write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start washington and moscow"; exit 1; }
wait_until 20 line_up washington moscow || { fail "line up once"; exit 1; }
stop moscow
SOCK=$T/washington/hotline.sock
PID=$(cat "$T/washington/pid")

api() { python3 "$APICLIENT" "$SOCK" "$@"; }
alive() { kill -0 "$PID" 2>/dev/null && hl washington status >/dev/null; }

# --- who may connect ---------------------------------------------------------
check "API socket is mode 0660" [ "$(stat -c %a "$SOCK")" = 660 ]
check "API socket belongs to the daemon's user" [ "$(stat -c %u "$SOCK")" = "$(id -u)" ]
# as GROUP: apiclient.py's "connect" as the user nobody with only that group
# (a python3 from the system PATH: root's own may live where nobody cannot go).
as() {
	setpriv --reuid=nobody --regid="$1" --clear-groups -- \
		env PATH=/usr/local/bin:/usr/bin:/bin python3 - "$SOCK" connect "${@:2}" <"$APICLIENT"
}
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		env PATH=/usr/local/bin:/usr/bin:/bin python3 -c pass 2>/dev/null; then
	# Every directory on the way is traversable by anyone, so only the
	# socket's own mode stands between 'nobody' and the daemon.
	chmod 711 "$T" "$T/washington"
	check "'nobody' can reach the socket path (so the test means something)" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- test -S "$SOCK"
	out=$(as nogroup 2>&1)
	echo "    as nobody:nogroup: $out"
	check "a user neither owner nor in the group is refused by the filesystem" \
		grep -q 'refused: Permission denied' <<<"$out"
	out=$(as "$(stat -c %g "$SOCK")" "sent by a group member" 2>&1)
	echo "    as nobody in the socket's group: $out"
	check "a user in the socket's group is let in (the group is the operators')" \
		grep -q 'connected: status ok' <<<"$out"
	check "... and what it sends is signed as its operator, 'nobody' (SO_PEERCRED)" \
		bash -c "'$HL' -c '$T/washington/hotline.conf' log moscow --json |
			jq -e 'select(.text == \"sent by a group member\") | .operator == \"nobody\"' >/dev/null"
	chmod 700 "$T" "$T/washington"
else
	echo "SKIP: socket permission test (needs root, setpriv, a 'nobody' user and a system python3)"
fi

# --- hostile requests --------------------------------------------------------
api malformed
[ $? -eq 0 ] || FAILED=1
check "daemon alive after malformed requests" alive
api oversize
[ $? -eq 0 ] || FAILED=1
check "daemon alive after oversized requests" alive
api idle 2
[ $? -eq 0 ] || FAILED=1
check "idle clients logged as closed" grep -q 'no complete request for 2 s; closed' "$T/washington/log"
api clients 64
[ $? -eq 0 ] || FAILED=1
api pipeline 600
[ $? -eq 0 ] || FAILED=1
check "daemon alive after the client flood" alive
check "the valid send of the abuse test is in the transcript" \
	bash -c "'$HL' -c '$T/washington/hotline.conf' log moscow | grep -q 'still here after the abuse'"
check "the daemon logged no error" bash -c "! grep -Eq 'ERROR|AddressSanitizer|runtime error' '$T/washington/log'"
stop washington
exit $FAILED
