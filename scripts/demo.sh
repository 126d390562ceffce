#!/bin/bash
# demo.sh — two stations, washington and moscow, on 127.0.0.1 in a temporary
# directory: keys generated and pinned, messages both ways, an operator's
# acknowledgement and a reply, a notice (a form), then each side's record
# and the shift handover. Everything it starts is stopped at the end.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HL="$ROOT/$BUILD/hotline"
HLD="$ROOT/$BUILD/hotlined"
DIR=$(mktemp -d /tmp/hotline-demo.XXXXXX)
chmod 700 "$DIR"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { # prints the command as a person would type it, then runs it
	local a line="$"
	for a in "$@"; do
		case "$a" in *" "*) line="$line \"$a\"" ;; *) line="$line $a" ;; esac
	done
	printf '%s\n' "$line" | sed "s#$ROOT/$BUILD/##g; s#$DIR#\$DEMO#g"
	"$@"
}

port() { # a free TCP port on 127.0.0.1
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-60999)
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	return 1
}
WPORT=$(port)
MPORT=$(port)

say "1. Each station makes its identity key (never leaves the station)"
for s in washington moscow; do
	mkdir -p "$DIR/$s" && chmod 700 "$DIR/$s"
	run "$HL" keygen -o "$DIR/$s/station.key"
done
WPUB=$("$HL" pubkey -f "$DIR/washington/station.key")
MPUB=$("$HL" pubkey -f "$DIR/moscow/station.key")
echo "washington public key: $WPUB"
echo "moscow public key:     $MPUB"
echo "(the stations exchange these strings out of band and pin each other's)"

say "2. Each station's configuration pins the other"
conf() { # name port peer peerpub peerport
	cat >"$DIR/$1/hotline.conf" <<CONF
[Station]
Name = $1
PrivateKeyFile = station.key
Listen = 127.0.0.1:$2
StateDir = state
Socket = hotline.sock
FormsDir = $ROOT/forms
$([ "$(id -u)" -eq 0 ] && echo "User = root")

[Peer $3]
PublicKey = $4
Endpoint = 127.0.0.1:$5
CONF
}
conf washington "$WPORT" moscow "$MPUB" "$MPORT"
conf moscow "$MPORT" washington "$WPUB" "$WPORT"
sed "s#$DIR#\$DEMO#g" "$DIR/washington/hotline.conf"

say "3. Start both daemons (logs interleaved below, prefixed by station)"
for s in washington moscow; do
	"$HLD" -c "$DIR/$s/hotline.conf" 2> >(sed -u "s/^/  [$s log] /" >&2) &
	pids+=($!)
done
W() { "$HL" -c "$DIR/washington/hotline.conf" "$@"; }
M() { "$HL" -c "$DIR/moscow/hotline.conf" "$@"; }
for _ in $(seq 100); do
	st=$(W status --json 2>/dev/null | jq -r '.lines[0].state' 2>/dev/null)
	[ "$st" = up ] && break
	sleep 0.1
done
[ "${st:-}" = up ] || { echo "demo: the line did not come up" >&2; exit 1; }
sleep 0.2
run "$HL" -c "$DIR/washington/hotline.conf" status

say "4. Messages both ways: each is signed, chained, stored, then receipted"
run "$HL" -c "$DIR/washington/hotline.conf" send moscow --lang en "Good morning. This is the Washington station. Line check."
run "$HL" -c "$DIR/moscow/hotline.conf" send washington --lang ru "Доброе утро. Говорит Москва. Связь в порядке."
run "$HL" -c "$DIR/washington/hotline.conf" send moscow -p flash --lang en "FLASH: unidentified launch detected over the Barents Sea. Please confirm it is your scheduled test."

say "5. A person acknowledges the FLASH (signed, naming the operator); the reply names what it answers"
run "$HL" -c "$DIR/moscow/hotline.conf" inbox --unacked
run "$HL" -c "$DIR/moscow/hotline.conf" ack washington#2 --note "Received, checking now"
run "$HL" -c "$DIR/moscow/hotline.conf" send washington -p immediate --lang ru --reply-to washington#2 "Подтверждаем: плановое испытание, уведомление было направлено вчера."
run "$HL" -c "$DIR/washington/hotline.conf" send moscow --lang en "Thank you. Understood."

say "6. A notice: a form, checked field by field, rendered as a form at the other station"
run "$HL" -c "$DIR/washington/hotline.conf" notice moscow call-request proposed_time=2026-12-01T10:00Z duration_min=30 "topic=Notification procedures"

for _ in $(seq 100); do
	a=$(W status --json | jq -r '.lines[0] | .unreceipted')
	b=$(M status --json | jq -r '.lines[0] | .unreceipted')
	[ "$a" = 0 ] && [ "$b" = 0 ] && break
	sleep 0.1
done

say "7. Washington's record: both chains; own entries carry the peer's signed receipt"
run "$HL" -c "$DIR/washington/hotline.conf" log moscow
say "8. Moscow's record of the same line"
run "$HL" -c "$DIR/moscow/hotline.conf" log washington
say "9. Line status, and what the next shift at Washington must know"
run "$HL" -c "$DIR/washington/hotline.conf" status
run "$HL" -c "$DIR/moscow/hotline.conf" status
run "$HL" -c "$DIR/washington/hotline.conf" handover

say "Done: stopping both stations and removing $DIR"
