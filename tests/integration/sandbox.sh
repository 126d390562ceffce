#!/bin/bash
# sandbox.sh — hotlined's confinement through real daemons (docs/SANDBOX.md):
# a forbidden system call made by the running daemon kills it with SIGSYS
# (the HOTLINE_SANDBOX_SELFTEST hook), the same call passes with
# "Sandbox = no"; under the filter a station does everything it is for (send,
# receipt, inbox, export and verify, hotline test, an AlarmCommand script,
# restart). As root: the daemon runs as User (nobody) after start-up and
# still works, and root without User is refused with one line.
. "$(dirname "$0")/lib.sh"

# start_env NAME VAR=VALUE...: start with extra environment for the daemon.
start_env() {
	local n=$1
	shift
	env "$@" "$HLD" -c "$T/$n/hotline.conf" >>"$T/$n/log" 2>&1 &
	echo $! >"$T/$n/pid"
	for _ in $(seq 200); do
		hl "$n" status >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$T/$n/pid")" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# wait_exit NAME: sets RC to the daemon's exit status as bash reports it
# (128+signal) within 10 s, or "timeout". Not in a $(...) subshell: only
# this shell can wait for its own children.
wait_exit() {
	local pid
	pid=$(cat "$T/$1/pid")
	RC=timeout
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && return
	wait "$pid" 2>/dev/null
	RC=$?
	rm -f "$T/$1/pid"
}

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
SIGSYS_STATUS=$((128 + $(kill -l SYS)))

# --- the two keys' values ------------------------------------------------------
STATION_EXTRA="Sandbox = maybe" write_config washington moscow
out=$("$HLD" -c "$T/washington/hotline.conf" --check-config 2>&1)
check "Sandbox = maybe refused: FILE:LINE: Sandbox: want yes or no" \
	grep -q "hotline.conf:[0-9]*: Sandbox: want yes or no, not 'maybe'" <<<"$out"
# (as root write_config adds a User line of its own: give the bad one instead)
STATION_USER="9lives" STATION_EXTRA="" write_config washington moscow
if [ "$(id -u)" -ne 0 ]; then
	sed -i 's/^Socket = hotline.sock$/&\nUser = 9lives/' "$T/washington/hotline.conf"
fi
out=$("$HLD" -c "$T/washington/hotline.conf" --check-config 2>&1)
check "User = 9lives refused: bad user name" grep -q "hotline.conf:[0-9]*: User: bad user name '9lives'" <<<"$out"

# --- a forbidden call kills the running daemon --------------------------------
write_config washington moscow
for call in ptrace mount bpf socket-packet; do
	: >"$T/washington/log"
	if start_env washington "HOTLINE_SANDBOX_SELFTEST=$call"; then
		pass "self-test $call: the station came up and answered under the filter"
	else
		fail "self-test $call: the station came up and answered under the filter"
	fi
	wait_exit washington
	check "self-test $call: the daemon was killed by SIGSYS (status $RC, want $SIGSYS_STATUS)" \
		[ "$RC" = "$SIGSYS_STATUS" ]
	check "self-test $call: the call was made from the running loop" \
		grep -q "sandbox self-test: calling $call" "$T/washington/log"
	check_not "self-test $call: the daemon did not survive the call" \
		grep -q "was not stopped" "$T/washington/log"
done
check "the policy is logged in one line" grep -Eq "sandbox on: seccomp allowlist of [0-9]+ system calls \(daemon[ )]" \
	"$T/washington/log"

# The control: the same hook without the filter makes the call and lives.
: >"$T/washington/log"
STATION_EXTRA="Sandbox = no" write_config washington moscow
start_env washington HOTLINE_SANDBOX_SELFTEST=ptrace || fail "Sandbox = no: station starts"
check "Sandbox = no: said in the log" grep -q "sandbox off (Sandbox = no)" "$T/washington/log"
check "Sandbox = no: the self-test call returns" wait_until 10 grep -q "ptrace returned" "$T/washington/log"
check "Sandbox = no: the daemon lives on" kill -0 "$(cat "$T/washington/pid")"
stop washington
check "an unknown self-test name is refused" bash -c \
	"HOTLINE_SANDBOX_SELFTEST=reboot '$HLD' -c '$T/washington/hotline.conf' 2>&1 | grep -q 'HOTLINE_SANDBOX_SELFTEST=reboot: unknown'"
rm -rf "$T/washington/state"

# --- everything a station does, under the filter ------------------------------
cat >"$T/alarm.sh" <<'SH'
#!/bin/sh
# An ordinary alarm script: subshells, pipes, external tools, a file.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
n=$(printf '%s\n' "$HOTLINE_ALARM_TEXT" | wc -c | tr -d ' ')
echo "$now $HOTLINE_ALARM_STATE $HOTLINE_ALARM_KIND $HOTLINE_ALARM_PEER $(id -u) $n" |
	cat >>"$(dirname "$0")/alarms.log"
SH
chmod 755 "$T/alarm.sh"
STATION_EXTRA="AlarmCommand = $T/alarm.sh
AlarmAfter = 2s" write_config washington moscow
write_config moscow washington
: >"$T/washington/log"
start washington && start moscow || { fail "start daemons"; exit 1; }
check "AlarmCommand adds the exec profile" grep -q "sandbox on: .*(daemon + AlarmCommand (exec)" "$T/washington/log"
check "line comes up" wait_until 10 line_up washington moscow
check "send washington -> moscow" hl washington send moscow "under seccomp"
check "send moscow -> washington" hl moscow send washington "the reply"
check "washington's entry receipted" wait_until 10 all_receipted washington moscow
check "moscow's entry receipted" wait_until 10 all_receipted moscow washington
check "moscow's inbox holds it" grep -q "under seccomp" <(hl moscow log washington --json | jq -r .text)
check "hotline test answered through both filters" hl washington test moscow
check "export from the daemon" hl washington export moscow -o "$T/w.hlt"
check "the export verifies" "$HL" verify "$T/w.hlt"
stop moscow
alarm_ran() { grep -q "raised line-down moscow" "$T/alarms.log" 2>/dev/null; }
check "AlarmCommand ran under the filter (line-down)" wait_until 15 alarm_ran
check "the alarm script completed its pipeline" grep -Eq "raised line-down moscow [0-9]+ [0-9]+$" "$T/alarms.log"
check "washington survived running it" kill -0 "$(cat "$T/washington/pid")"
start moscow || fail "moscow restarts"
check "line comes back" wait_until 10 line_up washington moscow
cleared() { grep -q "cleared line-down moscow" "$T/alarms.log"; }
check "AlarmCommand ran again for the clearing" wait_until 15 cleared
pid=$(cat "$T/washington/pid")
kill -TERM "$pid"
wait "$pid"
rc=$?
rm -f "$T/washington/pid"
check "clean stop under the filter: exit status 0 (got $rc)" [ "$rc" = 0 ]
start washington || fail "washington restarts"
check "line comes back after a restart" wait_until 10 line_up washington moscow
hl washington send moscow "after restart" >/dev/null
check "message after restart receipted" wait_until 10 all_receipted washington moscow
stop washington
stop moscow

# --- dropping root --------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	for t in "runs as User after start-up" "still sends and receives as User" \
		"state and socket handed to User" "root without User refused"; do
		echo "SKIP: $t (needs root)"
	done
	exit $FAILED
fi
if ! NOBODY_UID=$(id -u nobody 2>/dev/null); then
	echo "SKIP: runs as User after start-up (no user 'nobody')"
	exit $FAILED
fi
NOBODY_GID=$(id -g nobody)
# nobody must reach StateDir by name (SQLite's journal): traversable parents.
chmod 711 "$T" "$T/washington"
STATION_USER=nobody write_config washington moscow
: >"$T/washington/log"
start washington || fail "washington starts as root with User = nobody"
pid=$(cat "$T/washington/pid")
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
check "runs as nobody: real, effective, saved uid all $NOBODY_UID (got $uids)" \
	[ "$uids" = "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" ]
check "and gid all $NOBODY_GID (got $gids)" [ "$gids" = "$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID" ]
check "ps agrees" [ "$(ps -o uid= -p "$pid" | tr -d ' ')" = "$NOBODY_UID" ]
check "no capabilities left" grep -q "^CapEff:[[:space:]]*0*$" "/proc/$pid/status"
check "no_new_privs and seccomp filter mode" \
	bash -c "grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$pid/status && grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status"
check "the log names the account" grep -q "running as User nobody (uid $NOBODY_UID" "$T/washington/log"
check "StateDir handed to nobody" [ "$(stat -c %u "$T/washington/state")" = "$NOBODY_UID" ]
check "the database handed to nobody" [ "$(stat -c %u "$T/washington/state/hotline.db")" = "$NOBODY_UID" ]
check "socket owned by nobody:$NOBODY_GID, mode 0660" \
	[ "$(stat -c '%u:%g %a' "$T/washington/hotline.sock")" = "$NOBODY_UID:$NOBODY_GID 660" ]
check "the private key stays root's (read before the drop)" [ "$(stat -c '%u %a' "$T/washington/station.key")" = "0 600" ]
start moscow || fail "moscow starts"
check "line comes up with washington as nobody" wait_until 10 line_up washington moscow
check "send as nobody" hl washington send moscow "from nobody"
check "receipted (the store written as nobody)" wait_until 10 all_receipted washington moscow
check "receive as nobody" hl moscow send washington "to nobody"
check "stored by washington" wait_until 10 \
	bash -c "'$HL' -c '$T/washington/hotline.conf' log moscow --json | grep -q 'to nobody'"
stop washington
start washington || fail "restart as root with User = nobody (state already nobody's)"
check "after restart: still nobody" [ "$(ps -o uid= -p "$(cat "$T/washington/pid")" | tr -d ' ')" = "$NOBODY_UID" ]
hl washington send moscow "again" >/dev/null
check "after restart: receipted" wait_until 10 all_receipted washington moscow
stop washington
stop moscow

# Root without User: refused in one line naming the fix, nothing created.
new_station kiev || fail "set up kiev"
write_config kiev moscow
sed -i '/^User = /d' "$T/kiev/hotline.conf"
out=$("$HLD" -c "$T/kiev/hotline.conf" 2>&1)
rc=$?
check "root without User: exit status 1 (got $rc)" [ "$rc" = 1 ]
check "root without User: one line" [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]
check "root without User: names the fix" grep -q 'started as root without User: add "User = ACCOUNT"' <<<"$out"
check "root without User: nothing created" [ ! -e "$T/kiev/state" ]
check "--check-config as root without User passes" "$HLD" -c "$T/kiev/hotline.conf" --check-config
STATION_USER=hotline-no-such-user write_config kiev moscow
out=$("$HLD" -c "$T/kiev/hotline.conf" 2>&1)
rc=$?
check "unknown User: exit status 1 (got $rc)" [ "$rc" = 1 ]
check "unknown User: one line naming it" grep -q 'User hotline-no-such-user: no such user' <<<"$out"
check "unknown User: nothing created" [ ! -e "$T/kiev/state" ]
exit $FAILED
