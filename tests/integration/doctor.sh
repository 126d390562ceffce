#!/usr/bin/env bash
# doctor.sh — `hotline doctor` against real stations: a healthy pair passes
# (exit 0); with the daemon stopped its handshake proves the peer pins us,
# and fails when the peer does not or the pre-shared keys differ; a broken
# station (loose key mode, state dir that is a file, closed endpoint) gets
# one FAIL line per problem and exit 1; usage errors exit 2.
set -u
source "$(dirname "$0")/lib.sh"

out="$T/out"

# doctor NAME [ARGS]: runs it, output in $out, status in $rc.
doctor() {
	local n=$1
	shift
	hl "$n" doctor "$@" >"$out" 2>&1
	rc=$?
}
has() { grep -Eq -- "$1" "$out"; }
show() { sed 's/^/    | /' "$out"; }
# expect DESCRIPTION RC [REGEX...]: the last doctor run exited RC and printed each line.
expect() {
	local d=$1 want=$2
	shift 2
	local bad=""
	[ "$rc" -eq "$want" ] || bad="exit $rc, expected $want"
	for re in "$@"; do
		has "$re" || bad="$bad; no line matching /$re/"
	done
	if [ -z "$bad" ]; then pass "$d"; else fail "$d: $bad"; show; fi
}

new_station washington
new_station moscow
write_config washington moscow
write_config moscow washington
start washington && start moscow || fail "stations start"
wait_until 20 line_up washington moscow
wait_until 20 line_up moscow washington

# ---- a healthy pair ----
for s in washington moscow; do
	p=moscow
	[ "$s" = moscow ] && p=washington
	doctor "$s"
	expect "doctor $s: healthy station, exit 0" 0 \
		"^ok    config: " "^ok    key: .*mode 0600" "^ok    state dir: " \
		"^ok    daemon: running" "^ok    line $p: up via " "^ok    endpoint $p 127\\.0\\.0\\.1:${PORT[$p]}: reachable.*path active"
	check_not "doctor $s: no FAIL line" has '^FAIL'
	# Only what depends on the machine (its clock, its disk) may warn.
	check_not "doctor $s: warnings only about the clock or the disk" \
		grep -Ev '^(ok  |warn  (clock|disk): |[0-9]+ ok, )' "$out"
	check_not "doctor $s: no handshake while the daemon runs" has 'handshake'
done
hl washington doctor --json >"$out" 2>&1
check "doctor --json: one object, ok true, no failed check" \
	jq -e '.ok == true and .failed == 0 and (.checks | length) >= 6 and
		all(.checks[]; .status != "fail")' "$out" >/dev/null

# ---- washington stopped: its doctor makes the handshake ----
stop washington
doctor washington
expect "doctor, daemon stopped: says so and exits 1" 1 \
	"^FAIL  daemon: not running" "^ok    listen: 127\\.0\\.0\\.1:${PORT[washington]} is free"
expect "doctor, daemon stopped: handshake to moscow answered (IK)" 1 \
	"^ok    endpoint moscow .*handshake answered \\(IK\\)"
check "doctor, daemon stopped: the daemon is the only FAIL" \
	test "$(grep -c '^FAIL' "$out")" -eq 1
doctor washington --no-handshake
expect "doctor --no-handshake: TCP only" 1 "^ok    endpoint moscow .*reachable.*handshake not tried \\(--no-handshake\\)"

# moscow pins another key for washington: the handshake gets silence.
stop moscow
new_station stranger
cp "$T/moscow/hotline.conf" "$T/moscow/hotline.conf.good"
sed -i "s|${PUB[washington]}|${PUB[stranger]}|" "$T/moscow/hotline.conf"
start moscow || fail "moscow restarts"
doctor washington
expect "doctor: a peer that has not pinned us is named" 1 \
	"^FAIL  endpoint moscow .*closed the connection without answering the handshake: it has not pinned this station's key"
stop moscow

# Pre-shared keys that differ: the answer does not decrypt.
head -c 32 /dev/urandom | base64 >"$T/washington/line.psk"
head -c 32 /dev/urandom | base64 >"$T/moscow/line.psk"
chmod 600 "$T/washington/line.psk" "$T/moscow/line.psk"
PSK=line.psk write_config washington moscow
PSK=line.psk write_config moscow washington
start moscow || fail "moscow restarts with a PSK"
doctor washington
expect "doctor: pre-shared keys that differ are named" 1 \
	"^ok    psk moscow: .*line\\.psk: mode 0600" \
	"^FAIL  endpoint moscow .*does not decrypt: the two pre-shared key files differ"
cp "$T/moscow/line.psk" "$T/washington/line.psk"
doctor washington
expect "doctor: the same pre-shared key passes (IKpsk2)" 1 "^ok    endpoint moscow .*handshake answered \\(IKpsk2\\)"

# ---- washington running, moscow stopped: the line is down ----
start washington || fail "washington restarts"
stop moscow
wait_until 10 bash -c "! '$HL' -c '$T/washington/hotline.conf' status --json | jq -e '.lines[0].state == \"up\"' >/dev/null"
doctor washington
expect "doctor: a line that is down, and its refused endpoint, exit 1" 1 \
	"^FAIL  line moscow: (connecting|down): " \
	"^FAIL  endpoint moscow 127\\.0\\.0\\.1:${PORT[moscow]}: connection refused"
stop washington

# ---- a broken station: three problems, three lines ----
new_station broken
PORT[closed]=$(free_port)
PUB[closed]=${PUB[moscow]}
write_config broken closed
chmod 644 "$T/broken/station.key"
echo "not a directory" >"$T/broken/state"
doctor broken
expect "doctor: broken station exits 1" 1
expect "doctor: key mode 0644 named, with the fix" 1 \
	"^FAIL  key: $T/broken/station\\.key: mode 0644 .*chmod 600 $T/broken/station\\.key"
expect "doctor: state dir that is a file named" 1 "^FAIL  state dir: $T/broken/state is not a directory"
expect "doctor: closed endpoint named" 1 \
	"^FAIL  endpoint closed 127\\.0\\.0\\.1:${PORT[closed]}: connection refused"
check "doctor: the summary counts the failures" has '^[0-9]+ ok, [0-9]+ warn, [4-9] FAIL$'

# A missing state dir under a missing parent: the daemon cannot create it.
rm -f "$T/broken/state"
chmod 600 "$T/broken/station.key"
sed -i 's|^StateDir = state|StateDir = gone/state|' "$T/broken/hotline.conf"
doctor broken
expect "doctor: state dir whose parent is missing" 1 "^FAIL  state dir: $T/broken/gone/state: missing, and so is its parent"
check_not "doctor: the fixed key file passes" has '^FAIL  key'

# Started as root with User: the account must get through every parent.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	sed -i -e 's|^StateDir = gone/state|StateDir = state|' -e 's|^User = .*|User = nobody|' \
		"$T/broken/hotline.conf"
	mkdir -p "$T/broken/state"
	chmod 700 "$T/broken/state"
	doctor broken
	expect "doctor: User that cannot reach StateDir" 1 "^ok    user: hotlined runs as nobody" \
		"^FAIL  state dir: $T/broken/state: nobody cannot pass through "
else
	echo "SKIP: doctor: User that cannot reach StateDir (needs root and a nobody account)"
fi

# The configuration's error, verbatim, and nothing else checked.
printf '[Station]\nName = broken\nBogus = 1\n' >"$T/broken/bad.conf"
"$HL" -c "$T/broken/bad.conf" doctor >"$out" 2>&1
rc=$?
expect "doctor: a configuration error is reported verbatim, exit 1" 1 \
	"^FAIL  config: $T/broken/bad\\.conf:3: Bogus: unknown key in \\[Station\\]$"
check "doctor: nothing else checked without a configuration" test "$(grep -c '^\(ok\|warn\|FAIL\) ' "$out")" -eq 1

# ---- usage ----
hl broken doctor --bogus >"$out" 2>&1
rc=$?
expect "doctor --bogus: usage error, exit 2" 2 "unknown option '--bogus'" "usage: hotline .* doctor"
hl broken doctor extra >"$out" 2>&1
rc=$?
expect "doctor with an operand: usage error, exit 2" 2 "unexpected argument 'extra'"
hl broken doctor --help >"$out" 2>&1
rc=$?
expect "doctor --help: exit 0" 0 "doctor \\[--no-handshake\\] \\[--json\\]"

exit "$FAILED"
