#!/bin/bash
# config_errors.sh — the real daemon (hotlined -c FILE, the normal start path)
# refuses each malformed configuration or unsafe start-up condition with exactly
# one error line naming file, line and key, exit status 1 and nothing started.
# Run from the repository root; BUILD (default "build") holds the binaries.
set -u
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$PWD/$BUILD" ;; esac
HL="$BUILD/hotline"
HLD="$BUILD/hotlined"
unset HOTLINE_CONFIG

T=$(mktemp -d /tmp/hotline-cfgerr.XXXXXX) || { echo "FAIL: mktemp"; exit 1; }
chmod 700 "$T"
FAILED=0
BG_PID=

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	if [ -n "$BG_PID" ]; then
		kill -9 "$BG_PID" 2>/dev/null
		wait "$BG_PID" 2>/dev/null
	fi
	[ -z "${KEEP:-}" ] && rm -rf "$T"
}
trap cleanup EXIT

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }
check() { # description, command...
	local d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}

# Shows what the daemon did, indented so it never reads as a PASS/FAIL line.
show() { # DIR
	echo "    exit status: $(cat "$1/rc")"
	echo "    stdout:"
	sed 's/^/      | /' "$1/out"
	echo "    stderr:"
	sed 's/^/      | /' "$1/err"
}

if ! [ -x "$HL" ] || ! [ -x "$HLD" ]; then
	fail "binaries $HL and $HLD exist"
	exit 1
fi

free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-60999)
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo 0
}

# Real keys, so every case has exactly the one defect it is about.
for k in own moscow beijing; do
	if ! "$HL" keygen -o "$T/$k.key"; then
		fail "generate keys"
		exit 1
	fi
done
OWN_PUB=$("$HL" pubkey -f "$T/own.key")
MOSCOW_PUB=$("$HL" pubkey -f "$T/moscow.key")
BEIJING_PUB=$("$HL" pubkey -f "$T/beijing.key")
if [ ${#OWN_PUB} -ne 88 ] || [ ${#MOSCOW_PUB} -ne 88 ] || [ ${#BEIJING_PUB} -ne 88 ] ||
	[ "$OWN_PUB" = "$MOSCOW_PUB" ] || [ "$MOSCOW_PUB" = "$BEIJING_PUB" ]; then
	fail "public keys are 88 distinct characters"
	exit 1
fi
PORT=$(free_port)

# new_case NAME < config: a directory holding hotline.conf and a 0600 copy of
# the station key. A line of the config starting with ">>" is the one at fault:
# the marker is removed and its line number kept in BADLINE.
new_case() {
	D="$T/$1"
	CONF="$D/hotline.conf"
	mkdir -p "$D"
	chmod 700 "$D"
	install -m 600 "$T/own.key" "$D/station.key"
	BADLINE=0
	local n=0 l
	: >"$CONF"
	while IFS= read -r l; do
		n=$((n + 1))
		if [ "${l#>>}" != "$l" ]; then
			BADLINE=$n
			l=${l#>>}
		fi
		printf '%s\n' "$l" >>"$CONF"
	done
}

# run_daemon ARGS...: the daemon in the case's directory D; killed if it
# wrongly keeps running, so such a case fails instead of hanging.
run_daemon() {
	timeout -k 2 10 "$HLD" "$@" >"$D/out" 2>"$D/err"
	echo $? >"$D/rc"
}

# one_line FILE: exactly one newline-terminated, non-empty line.
one_line() {
	[ "$(awk 'END { print NR }' "$1")" = 1 ] && [ -s "$1" ] && [ -z "$(tail -c 1 "$1")" ]
}

# refused NAME KEY WORDS: hotlined -c CONF exits 1 with stdout empty and one
# stderr line "hotlined: CONF:BADLINE: KEY: ..." containing WORDS, before it
# created its StateDir (configuration errors come before any side effect).
refused() {
	local name=$1 key=$2 words=$3 why=""
	[ "$BADLINE" -gt 0 ] || { fail "$name (test bug: no >> line)"; return; }
	run_daemon -c "$CONF"
	local rc line
	rc=$(cat "$D/rc")
	line=$(head -n 1 "$D/err")
	[ "$rc" = 1 ] || why="$why exit status $rc, want 1;"
	[ -s "$D/out" ] && why="$why stdout not empty;"
	one_line "$D/err" || why="$why stderr is not exactly one line;"
	case $line in
	"hotlined: $CONF:$BADLINE: $key: "*) ;;
	*) why="$why want prefix 'hotlined: $CONF:$BADLINE: $key: ';" ;;
	esac
	case $line in
	*"$words"*) ;;
	*) why="$why message lacks '$words';" ;;
	esac
	[ -e "$D/state" ] && why="$why StateDir was created;"
	if [ -z "$why" ]; then
		pass "$name"
	else
		fail "$name:$why"
		show "$D"
	fi
}

# refused_start NAME WORD...: exit 1, stdout empty, one stderr line
# "hotlined: ..." containing every WORD.
refused_start() {
	local name=$1 why="" w line rc
	shift
	run_daemon -c "$CONF"
	rc=$(cat "$D/rc")
	line=$(head -n 1 "$D/err")
	[ "$rc" = 1 ] || why="$why exit status $rc, want 1;"
	[ -s "$D/out" ] && why="$why stdout not empty;"
	one_line "$D/err" || why="$why stderr is not exactly one line;"
	case $line in "hotlined: "*) ;; *) why="$why line does not start 'hotlined: ';" ;; esac
	for w in "$@"; do
		case $line in *"$w"*) ;; *) why="$why message lacks '$w';" ;; esac
	done
	if [ -z "$why" ]; then
		pass "$name"
	else
		fail "$name:$why"
		show "$D"
	fi
}

STATION="[Station]
Name = washington
PrivateKeyFile = station.key
Listen = 127.0.0.1:$PORT
StateDir = state
Socket = hotline.sock"
# Started as root, a station must name its account (see sandbox.sh).
[ "$(id -u)" -eq 0 ] && STATION="$STATION
User = root"

# --- syntax and value errors: FILE:LINE: KEY: message -----------------------

new_case unknown-key <<EOF
$STATION
>>Colour = red
EOF
refused "unknown key in [Station]" Colour "unknown key in [Station]"

new_case unknown-key-peer <<EOF
$STATION

[Peer moscow]
PublicKey = $MOSCOW_PUB
>>Listen = 127.0.0.1:7340
EOF
refused "Station key in [Peer] is unknown there" Listen "unknown key in [Peer]"

new_case unknown-section <<EOF
$STATION
>>[Stations]
EOF
refused "unknown section" "[Stations]" "unknown section"

new_case outside-section <<EOF
# a comment first
>>Name = washington
$STATION
EOF
refused "key outside any section" Name "outside any section"

new_case missing-name <<EOF
# hotline
>>[Station]
PrivateKeyFile = station.key
Listen = 127.0.0.1:$PORT
StateDir = state
EOF
refused "missing Name" Name "missing"

new_case missing-privkey <<EOF
>>[Station]
Name = washington
Listen = 127.0.0.1:$PORT
StateDir = state
EOF
refused "missing PrivateKeyFile" PrivateKeyFile "missing"

new_case missing-statedir <<EOF

>>[Station]
Name = washington
PrivateKeyFile = station.key
EOF
refused "missing StateDir" StateDir "missing"

new_case bad-duration <<EOF
$STATION

[Peer moscow]
PublicKey = $MOSCOW_PUB
>>KeepaliveInterval = 5 parsecs
EOF
refused "bad duration (5 parsecs)" KeepaliveInterval "bad duration '5 parsecs'"

new_case duration-range <<EOF
$STATION
>>TestInterval = 10ms
EOF
refused "duration out of range (TestInterval 10ms)" TestInterval "out of range"

new_case endpoint-noport <<EOF
$STATION

[Peer moscow]
PublicKey = $MOSCOW_PUB
>>Endpoint = 198.51.100.7
EOF
refused "bad endpoint: no port" Endpoint "bad address '198.51.100.7'"

new_case endpoint-bigport <<EOF
$STATION

[Peer moscow]
PublicKey = $MOSCOW_PUB
Endpoint = 198.51.100.7:7340
>>Endpoint = 198.51.100.8:70000
EOF
refused "bad endpoint: port 70000" Endpoint "bad address '198.51.100.8:70000'"

new_case endpoint-hostname <<EOF
$STATION

[Peer moscow]
PublicKey = $MOSCOW_PUB
>>Endpoint = moscow.example.org:7340
EOF
refused "bad endpoint: hostname" Endpoint "bad address 'moscow.example.org:7340'"

new_case listen-hostname <<EOF
[Station]
Name = washington
PrivateKeyFile = station.key
>>Listen = localhost:$PORT
StateDir = state
EOF
refused "bad Listen: hostname" Listen "bad address"

new_case pubkey-truncated <<EOF
$STATION

[Peer moscow]
>>PublicKey = ${MOSCOW_PUB:0:60}
EOF
refused "bad PublicKey: truncated base64" PublicKey "not a hotline public key"

new_case dup-peer <<EOF
$STATION

[Peer moscow]
PublicKey = $MOSCOW_PUB

>>[Peer moscow]
PublicKey = $BEIJING_PUB
EOF
refused "duplicate peer names" "[Peer moscow]" "peer name used twice"

new_case dup-peer-key <<EOF
$STATION

[Peer moscow]
PublicKey = $MOSCOW_PUB

[Peer beijing]
>>PublicKey = $MOSCOW_PUB
EOF
refused "two peers with the same PublicKey" PublicKey "same key as [Peer moscow]"

new_case dup-name <<EOF
$STATION
>>name = washington2
EOF
refused "duplicate Name key (any case)" Name "given twice"

new_case empty-value <<EOF
[Station]
Name = washington
PrivateKeyFile = station.key
>>Listen =     # nothing after the comment
StateDir = state
EOF
refused "empty value" Listen "empty value"

new_case no-equals <<EOF
$STATION
>>AlarmCommand /usr/local/bin/page
EOF
refused "line without '='" syntax "expected 'Key = Value'"

new_case peer-no-pubkey <<EOF
$STATION

>>[Peer moscow]
Endpoint = 198.51.100.7:7340

[Peer beijing]
PublicKey = $BEIJING_PUB
EOF
refused "peer with no PublicKey" PublicKey "missing (required in [Peer moscow])"

LONG=$(printf '/opt/%0250d' 0)
new_case long-line <<EOF
$STATION
>>AlarmCommand = $LONG
EOF
refused "over-long line" syntax "line too long"

new_case control-char <<EOF
$STATION
>>AlarmCommand = /bin/true$(printf '\033')[2J
EOF
refused "control character in a value" syntax "control character 0x1b"

# --- start-up errors after a good parse: still one line, exit 1 -------------

new_case key-0644 <<EOF
$STATION
EOF
chmod 644 "$D/station.key"
refused_start "private key file mode 0644" "$D/station.key" "0644" "chmod 600"

new_case key-missing <<EOF
$STATION
EOF
rm -f "$D/station.key"
refused_start "missing private key file" "$D/station.key" "No such file"

new_case key-garbage <<EOF
$STATION
EOF
printf 'not a key\n' >"$D/station.key"
refused_start "private key file not a key" "$D/station.key" "not a hotline private key"

new_case own-key <<EOF
$STATION

[Peer moscow]
PublicKey = $MOSCOW_PUB

[Peer mirror]
PublicKey = $OWN_PUB
EOF
refused_start "peer with the station's own key" "$CONF" "mirror" "own public key"

new_case statedir-0777 <<EOF
$STATION
EOF
mkdir -m 777 "$D/state"
chmod 777 "$D/state"
refused_start "StateDir mode 0777" "$D/state" "0777" "chmod 700"

new_case statedir-file <<EOF
$STATION
EOF
: >"$D/state"
refused_start "StateDir is a file" "$D/state" "not a directory"

# Listen in use: a good daemon holds the port; a second one (own StateDir and
# Socket, same Listen) must refuse to start.
new_case listen-first <<EOF
$STATION
EOF
FIRST="$D"
"$HLD" -c "$CONF" >"$D/log" 2>&1 &
BG_PID=$!
up=0
for _ in $(seq 200); do
	if "$HL" -c "$FIRST/hotline.conf" status >/dev/null 2>&1 &&
		(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
		up=1
		break
	fi
	kill -0 "$BG_PID" 2>/dev/null || break
	sleep 0.05
done
if [ "$up" = 1 ]; then
	pass "good configuration starts and listens on 127.0.0.1:$PORT"
	new_case listen-second <<EOF
$STATION
EOF
	refused_start "Listen address already in use" "Listen 127.0.0.1:$PORT" "in use"
	check "first daemon unharmed by the second" kill -0 "$BG_PID"
else
	fail "good configuration starts and listens on 127.0.0.1:$PORT"
	sed 's/^/    | /' "$FIRST/log"
fi
kill -TERM "$BG_PID" 2>/dev/null
wait "$BG_PID"
rc=$?
BG_PID=
check "first daemon stops cleanly on SIGTERM (exit status 0)" [ "$rc" = 0 ]

# --- the positive case and the usage error ------------------------------------

new_case check-ok <<EOF
$STATION

[Peer moscow]
PublicKey = $MOSCOW_PUB
Endpoint = 198.51.100.7:7340
EOF
run_daemon -c "$CONF" --check-config
if [ "$(cat "$D/rc")" = 0 ] && [ ! -s "$D/err" ] && one_line "$D/out" &&
	grep -q "^$CONF: configuration OK (station washington, 1 peer(s))\$" "$D/out"; then
	pass "good config with --check-config: exit 0, one 'configuration OK' line"
else
	fail "good config with --check-config: exit 0, one 'configuration OK' line"
	show "$D"
fi
check "--check-config creates nothing" [ ! -e "$D/state" ]

D="$T/no-config"
mkdir -p "$D"
run_daemon
if [ "$(cat "$D/rc")" = 2 ] && [ ! -s "$D/out" ] && grep -q '^usage: hotlined' "$D/err"; then
	pass "hotlined without -c: exit 2, usage on stderr"
else
	fail "hotlined without -c: exit 2, usage on stderr"
	show "$D"
fi

new_case no-such-file </dev/null
CONF="$D/nope.conf"
refused_start "config file that does not exist" "$CONF" "No such file"
exit $FAILED
