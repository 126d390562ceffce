# lib.sh — shared helpers for integration tests: real stations (keys, config,
# hotlined processes) in a temporary directory on 127.0.0.1. Source it.
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case "$BUILD" in
/*) BUILD_DIR=$BUILD ;;
*) BUILD_DIR=$ROOT/$BUILD ;;
esac
HL="$BUILD_DIR/hotline"
HLD="$BUILD_DIR/hotlined"
TOOLS="$BUILD_DIR/tests"
T=$(mktemp -d /tmp/hotline-test.XXXXXX)
chmod 700 "$T"
FAILED=0
declare -A PORT PUB

cleanup() {
	for p in "$T"/*/pid; do
		[ -f "$p" ] && { kill -9 "$(cat "$p")" && wait "$(cat "$p")"; } 2>/dev/null
	done
	wait 2>/dev/null
	if [ "$FAILED" -ne 0 ] && [ -z "${KEEP:-}" ]; then
		for l in "$T"/*/log; do
			[ -f "$l" ] && { echo "--- $l (last 30 lines)"; tail -n 30 "$l"; }
		done
	fi
	[ -z "${KEEP:-}" ] && rm -rf "$T"
}
trap cleanup EXIT

pass() { echo "PASS: $*"; }
# check_not description, command...: passes when the command fails.
check_not() {
	local d=$1
	shift
	if "$@"; then fail "$d"; else pass "$d"; fi
}
fail() { echo "FAIL: $*"; FAILED=1; }
check() { # description, command...
	local d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}

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

# new_station NAME: directory, key, port.
new_station() {
	local n=$1
	mkdir -p "$T/$n"
	chmod 700 "$T/$n"
	"$HL" keygen -o "$T/$n/station.key" || return 1
	PUB[$n]=$("$HL" pubkey -f "$T/$n/station.key")
	PORT[$n]=$(free_port)
}

# write_config NAME PEER [PEER...]: each peer dialled at its port.
write_config() {
	local n=$1
	shift
	{
		echo "[Station]"
		echo "Name = $n"
		echo "PrivateKeyFile = station.key"
		echo "Listen = 127.0.0.1:${PORT[$n]}"
		echo "StateDir = state"
		echo "Socket = hotline.sock"
		# Started as root, a station must name its account (sandbox.sh).
		[ "$(id -u)" -eq 0 ] && echo "User = ${STATION_USER:-root}"
		[ -n "${STATION_EXTRA:-}" ] && printf '%s\n' "$STATION_EXTRA"
		for p in "$@"; do
			echo
			echo "[Peer $p]"
			echo "PublicKey = ${PUB[$p]}"
			echo "Endpoint = 127.0.0.1:${PORT[$p]}"
			[ -n "${PSK:-}" ] && echo "PresharedKeyFile = $PSK"
			echo "KeepaliveInterval = ${KEEPALIVE:-1s}"
			[ -n "${PEER_EXTRA:-}" ] && printf '%s\n' "$PEER_EXTRA"
		done
	} >"$T/$n/hotline.conf"
}

hl() { # NAME args...: run the client against a station
	local n=$1
	shift
	"$HL" -c "$T/$n/hotline.conf" "$@"
}

# start NAME: runs its hotlined (with HLD_ENV, e.g. "LD_PRELOAD=... FAKETIME=+3h",
# in its environment: env execs, so the pid is the daemon's) and waits for its API.
start() {
	local n=$1
	# shellcheck disable=SC2086 # HLD_ENV is a list of VAR=value words
	env ${HLD_ENV:-} "$HLD" -c "$T/$n/hotline.conf" >>"$T/$n/log" 2>&1 &
	echo $! >"$T/$n/pid"
	for _ in $(seq 200); do
		hl "$n" status >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$T/$n/pid")" 2>/dev/null || { echo "hotlined $n died" >&2; return 1; }
		sleep 0.05
	done
	echo "hotlined $n did not come up" >&2
	return 1
}

stop() {
	local n=$1 pid
	pid=$(cat "$T/$n/pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$T/$n/pid"
}

kill9() {
	local n=$1 pid
	pid=$(cat "$T/$n/pid" 2>/dev/null) || return 0
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$T/$n/pid"
}

# field NAME PEER JQ-FIELD: a field of the line to PEER in `status --json`.
field() {
	hl "$1" status --json | jq -r --arg p "$2" ".lines[] | select(.peer == \$p) | .$3"
}

# wait_until SECONDS command...: poll until it succeeds.
wait_until() {
	local s=$1
	shift
	local end=$((SECONDS + s))
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

line_up() { [ "$(field "$1" "$2" state)" = up ]; }
all_receipted() { # NAME PEER: every own entry covered by the peer's receipt
	local s
	s=$(hl "$1" status --json | jq -r --arg p "$2" '.lines[] | select(.peer == $p) | "\(.own_seq) \(.receipted_seq)"')
	# No answer is no proof: an empty s would compare equal to itself.
	[ -n "$s" ] && [ "${s% *}" = "${s#* }" ]
}

# chain NAME PEER own|peer: "seq id" lines of one chain of the line.
chain() {
	local sel=true
	[ "$3" = peer ] && sel=false
	hl "$1" log "$2" --json | jq -r "select(.own == $sel) | \"\(.seq) \(.id)\"" | sort -n
}
