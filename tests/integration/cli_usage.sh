#!/usr/bin/env bash
# cli_usage.sh — argument handling of the `hotline` client that needs no
# daemon: usage errors (exit 2), help, and text checks done before connecting.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
HOTLINE="$BUILD/hotline"
fails=0

if [ ! -x "$HOTLINE" ]; then
	echo "FAIL: $HOTLINE is missing (build it first)"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out="$tmp/out"
err="$tmp/err"

pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: $2"
	sed 's/^/    stderr: /' "$err" | head -n 5
	fails=$((fails + 1))
}

# run ARGS...: runs hotline with stdin from /dev/null unless $STDIN names a file.
run() {
	"$HOTLINE" "$@" <"${STDIN:-/dev/null}" >"$out" 2>"$err"
	rc=$?
}

# expect NAME RC STDERR_REGEX ARGS...
expect() {
	local name=$1 want=$2 pattern=$3
	shift 3
	run "$@"
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, expected $want"
	elif [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$err"; then
		fail "$name" "stderr does not match /$pattern/"
	else
		pass "$name"
	fi
}

# A station whose daemon is not running: the socket does not exist.
sock="$tmp/state/hotline.sock"
mkdir -p "$tmp/state"
chmod 700 "$tmp" "$tmp/state"
if "$HOTLINE" keygen -o "$tmp/station.key" && "$HOTLINE" keygen -o "$tmp/peer.key" &&
	peerpub=$("$HOTLINE" pubkey -f "$tmp/peer.key"); then
	cat >"$tmp/hotline.conf" <<EOF
[Station]
Name = washington
PrivateKeyFile = $tmp/station.key
StateDir = $tmp/state
Socket = $sock

[Peer moscow]
PublicKey = $peerpub
Endpoint = 127.0.0.1:7341
EOF
	conf="$tmp/hotline.conf"
else
	echo "FAIL: setup: hotline keygen/pubkey failed; socket tests cannot run"
	fails=$((fails + 1))
	conf="$tmp/missing.conf"
fi
no_daemon="cannot reach hotlined at $sock"

expect no-args 2 '^usage: hotline'
expect unknown-command 2 "unknown command 'frobnicate'" frobnicate
expect unknown-global-option 2 "unknown option '--bogus'" --bogus status
expect c-without-file 2 'needs a FILE' -c
expect send-without-peer 2 'missing PEER' -c "$conf" send
expect send-bad-precedence 2 'precedence must be' -c "$conf" send moscow -p urgent hello
expect send-too-many-args 2 'too many arguments' -c "$conf" send moscow hello world
expect send-unknown-option 2 "unknown option '--bogus'" -c "$conf" send moscow --bogus hi
expect send-bad-lang 2 'not a language tag' -c "$conf" send moscow --lang 'e n' hi
expect log-without-peer 2 'missing PEER' -c "$conf" log
expect status-extra-arg 2 'unexpected argument' -c "$conf" status now
expect inbox-extra-arg 2 'unexpected argument' -c "$conf" inbox moscow

# --help on stdout, exit 0, naming every command.
run --help
missing=""
for c in status send inbox log keygen pubkey help; do
	grep -Eq "^  $c " "$out" || missing="$missing $c"
done
if [ "$rc" -eq 0 ] && [ -z "$missing" ]; then pass help; else fail help "exit $rc, missing:$missing"; fi

# check_help NAME WORD ARGS...: exit 0 and the usage of WORD on stdout.
check_help() {
	local name=$1 word=$2
	shift 2
	run "$@"
	if [ "$rc" -eq 0 ] && grep -q "^usage: hotline .*$word" "$out"; then
		pass "$name"
	else
		fail "$name" "exit $rc"
	fi
}
check_help help-command send help send
check_help command-help send send --help
check_help command-help-after-peer log log moscow --help
expect help-unknown 2 "no command 'nope'" help nope

run --version
if [ "$rc" -eq 0 ] && [ "$(cat "$out")" = "hotline 0.1.0" ]; then pass version; else fail version "exit $rc, '$(cat "$out")'"; fi

# No daemon: exit 1, naming the socket, whichever way the options come.
expect status-no-daemon 1 "$no_daemon" -c "$conf" status
expect status-json-after-command 1 "$no_daemon" status --json -c "$conf"
expect log-options-after-peer 1 "$no_daemon" -c "$conf" log moscow --json
HOTLINE_CONFIG=$conf expect config-from-env 1 "$no_daemon" inbox
expect config-missing 1 "$tmp/nonexistent.conf" -c "$tmp/nonexistent.conf" status
run -c "$conf" status
if [ ! -s "$out" ]; then pass no-daemon-stdout-empty; else fail no-daemon-stdout-empty "stdout not empty"; fi

# Text is checked before the daemon is contacted: these must not mention the socket.
expect_local() { # NAME PATTERN ARGS... (exit 1 or 2, message, no connection attempt)
	local name=$1 pattern=$2
	shift 2
	run "$@"
	if [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ]; then
		fail "$name" "exit $rc, expected 1 or 2"
	elif ! grep -Eq -- "$pattern" "$err"; then
		fail "$name" "stderr does not match /$pattern/"
	elif grep -q 'cannot reach' "$err"; then
		fail "$name" "contacted the daemon before checking the text"
	else
		pass "$name"
	fi
}
printf 'caf\xe9 \xff\xfe\n' >"$tmp/bad-utf8"
STDIN="$tmp/bad-utf8" expect_local send-invalid-utf8-stdin 'UTF-8' -c "$conf" send moscow
STDIN="$tmp/bad-utf8" expect_local send-invalid-utf8-dash 'UTF-8' -c "$conf" send moscow -
expect_local send-invalid-utf8-arg 'UTF-8' -c "$conf" send moscow "$(printf '\xc0\xaf')"
printf 'a\0b' >"$tmp/nul"
STDIN="$tmp/nul" expect_local send-nul-stdin 'UTF-8' -c "$conf" send moscow
printf 'line\033[2Jclear' >"$tmp/esc"
STDIN="$tmp/esc" expect_local send-escape-stdin 'control characters' -c "$conf" send moscow
head -c 61441 /dev/zero | tr '\0' a >"$tmp/big"
STDIN="$tmp/big" expect_local send-too-long-stdin '61440' -c "$conf" send moscow
expect_local send-too-long-arg '61440' -c "$conf" send moscow "$(cat "$tmp/big")"
printf ' \n\t\n' >"$tmp/blank"
STDIN="$tmp/blank" expect_local send-empty-stdin 'empty' -c "$conf" send moscow
expect_local send-empty-arg 'empty' -c "$conf" send moscow ''

# The limit is inclusive: exactly 61440 bytes (multi-byte UTF-8 too) passes
# the local checks and only then fails for want of a daemon.
head -c 61440 "$tmp/big" >"$tmp/max"
STDIN="$tmp/max" expect send-max-length-stdin 1 "$no_daemon" -c "$conf" send moscow -p FLASH
{ printf 'ж%.0s' $(seq 20480); head -c 20480 "$tmp/big"; } >"$tmp/max-cyr" # 2 + 1 bytes
if [ "$(wc -c <"$tmp/max-cyr")" -eq 61440 ]; then
	STDIN="$tmp/max-cyr" expect send-max-length-utf8 1 "$no_daemon" -c "$conf" send moscow --lang ru
else
	fail send-max-length-utf8 "could not build the test text"
fi
expect send-dash-text-after-ddash 1 "$no_daemon" -c "$conf" send moscow -- '-starts with a dash'

[ "$fails" -eq 0 ]
