#!/bin/bash
# keyprotect.sh — passphrase-encrypted private keys through the real programs:
# keygen and pubkey with --passphrase-fd, a daemon that opens its encrypted
# key from a descriptor (or PassphraseFile) and carries messages, a wrong or
# missing passphrase refused in one line with exit 1, and secret files and
# state directories with loose permissions refused with the fix in the message.
. "$(dirname "$0")/lib.sh"

PASS="$T/pass"           # what an operator would feed on a descriptor
printf 'tr0ub4dor & 3 horses\n' >"$PASS"
chmod 600 "$PASS"
WRONG="$T/wrong"
printf 'tr0ub4dor & 3 horse\n' >"$WRONG"

# one_line FILE: exactly one non-empty line.
one_line() { [ -s "$1" ] && [ "$(wc -l <"$1")" -eq 1 ]; }

# --- keygen and pubkey -------------------------------------------------------
mkdir -p "$T/washington" "$T/moscow"
chmod 700 "$T/washington" "$T/moscow"
KEY=$T/washington/station.key
check "keygen --passphrase-fd 3 -o FILE" "$HL" keygen --passphrase-fd 3 -o "$KEY" 3<"$PASS"
check "encrypted key file is mode 0600" [ "$(stat -c %a "$KEY")" = 600 ]
check "encrypted key file is one line in the encrypted format" \
	bash -c "[ \$(wc -l <'$KEY') -eq 1 ] && grep -qE '^hotline-encrypted-key-v1 [A-Za-z0-9+/]{139}=\$' '$KEY'"
check "keygen --passphrase-fd on stdout writes the encrypted format too" \
	bash -c "'$HL' keygen --passphrase-fd 3 3<'$PASS' | grep -q '^hotline-encrypted-key-v1 '"

WPUB=$("$HL" pubkey -f "$KEY" --passphrase-fd 3 3<"$PASS" 2>"$T/pubkey.err")
check "pubkey -f with the passphrase prints an 88-character key" [ ${#WPUB} -eq 88 ]
SPUB=$("$HL" pubkey --passphrase-fd 3 <"$KEY" 3<"$PASS")
check "pubkey from stdin with the passphrase on fd 3: the same key" [ "$SPUB" = "$WPUB" ]

"$HL" pubkey -f "$KEY" --passphrase-fd 3 3<"$WRONG" >"$T/out" 2>"$T/err"
rc=$?
echo "    pubkey, wrong passphrase: exit $rc: $(cat "$T/err")"
check "pubkey with a wrong passphrase: exit 1" [ $rc -eq 1 ]
check "pubkey with a wrong passphrase: one line" one_line "$T/err"
check "... which says so" grep -q 'wrong passphrase' "$T/err"
check "pubkey with a wrong passphrase: nothing on stdout" [ ! -s "$T/out" ]
"$HL" pubkey -f "$KEY" </dev/null >"$T/out" 2>"$T/err"
rc=$?
echo "    pubkey, no passphrase and no terminal: exit $rc: $(cat "$T/err")"
check "pubkey of an encrypted key without terminal or fd: exit 1, one line naming --passphrase-fd" \
	bash -c "[ $rc -eq 1 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q -- '--passphrase-fd' '$T/err'"
check_not "the passphrase is not accepted on the command line" \
	"$HL" keygen --passphrase 'tr0ub4dor & 3 horses' -o "$T/never.key"
check "... and no key file was written" [ ! -e "$T/never.key" ]

# --- a station with an encrypted key ----------------------------------------
PUB[washington]=$WPUB
PORT[washington]=$(free_port)
new_station moscow || { fail "set up moscow"; exit 1; }
write_config washington moscow
write_config moscow washington

# start_pw NAME FD-REDIRECT-FILE: the daemon with --passphrase-fd 3.
start_pw() {
	local n=$1
	"$HLD" -c "$T/$n/hotline.conf" --passphrase-fd 3 3<"$2" >>"$T/$n/log" 2>&1 &
	echo $! >"$T/$n/pid"
	for _ in $(seq 200); do
		hl "$n" status >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$T/$n/pid")" 2>/dev/null || { echo "hotlined $n died" >&2; return 1; }
		sleep 0.05
	done
	return 1
}
inbox_has() { hl "$1" inbox | grep -q -- "$2"; }

# refused NAME ARGS... : the daemon exits 1 with one line on stderr (in $T/err).
refused() {
	timeout -k 2 20 "$HLD" "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	echo "    hotlined $*: exit $rc: $(cat "$T/err")"
	[ $rc -eq 1 ] && one_line "$T/err"
}

check "hotlined with a wrong passphrase on fd 3: exit 1, one line" \
	refused -c "$T/washington/hotline.conf" --passphrase-fd 3 3<"$WRONG"
check "... and the line says: wrong passphrase, and names the key" \
	bash -c "grep -q 'wrong passphrase' '$T/err' && grep -qF '$KEY' '$T/err'"
check "hotlined with an encrypted key, no passphrase, no terminal: exit 1, one line" \
	refused -c "$T/washington/hotline.conf" </dev/null
check "... which names the ways to give it" \
	bash -c "grep -q -- '--passphrase-fd' '$T/err' && grep -q PassphraseFile '$T/err'"
check "hotlined --passphrase-fd on a closed descriptor: exit 1, one line" \
	refused -c "$T/washington/hotline.conf" --passphrase-fd 7
check "--check-config opens the encrypted key with the passphrase" \
	bash -c "'$HLD' -c '$T/washington/hotline.conf' --check-config --passphrase-fd 3 3<'$PASS' | grep -q 'configuration OK'"

check "hotlined --passphrase-fd 3 comes up" start_pw washington "$PASS"
check "its station key is the encrypted key's" grep -qF "key $WPUB" "$T/washington/log"
start moscow || fail "start moscow"
check "line comes up" wait_until 15 line_up washington moscow
hl washington send moscow "sealed key, open line" >/dev/null
check "washington -> moscow delivered" wait_until 10 inbox_has moscow 'sealed key, open line'
hl moscow send washington "reply to the sealed station" >/dev/null
check "moscow -> washington delivered" wait_until 10 inbox_has washington 'reply to the sealed station'
check "washington's entry receipted (signed with the decrypted key)" \
	wait_until 10 all_receipted washington moscow
stop washington

# PassphraseFile for an unattended station: the same key, no descriptor.
cp "$PASS" "$T/washington/passphrase"
chmod 644 "$T/washington/passphrase"
STATION_EXTRA="PassphraseFile = passphrase" write_config washington moscow
check "PassphraseFile mode 0644: refused, exit 1, one line" \
	refused -c "$T/washington/hotline.conf" </dev/null
check "... with the fix in the message" grep -q "chmod 600 $T/washington/passphrase" "$T/err"
chmod 600 "$T/washington/passphrase"
check "PassphraseFile mode 0600: the station comes up" start washington
check "line comes up again" wait_until 15 line_up washington moscow
stop washington
stop moscow

# --- loose permissions: refused with the fix in the message -----------------
chmod 640 "$KEY"
check "encrypted key file mode 0640: refused, exit 1, one line" \
	refused -c "$T/washington/hotline.conf"
check "... with the fix in the message" grep -q "chmod 600 $KEY" "$T/err"
chmod 600 "$KEY"
chmod 644 "$T/moscow/station.key"
check "plain key file mode 0644: refused, exit 1, one line" refused -c "$T/moscow/hotline.conf"
check "... with the fix in the message" grep -q "chmod 600 $T/moscow/station.key" "$T/err"
check_not "pubkey refuses the 0644 key file too" "$HL" pubkey -f "$T/moscow/station.key"
chmod 600 "$T/moscow/station.key"
chmod 770 "$T/moscow/state"
check "StateDir mode 0770 (group-writable): refused, exit 1, one line" \
	refused -c "$T/moscow/hotline.conf"
check "... with the fix in the message" grep -q "chmod 700 $T/moscow/state" "$T/err"
chmod 750 "$T/moscow/state"
head -c 32 /dev/urandom | base64 >"$T/moscow/line.psk"
chmod 604 "$T/moscow/line.psk"
PSK="$T/moscow/line.psk" write_config moscow washington
check "PresharedKeyFile mode 0604: refused, exit 1, one line" refused -c "$T/moscow/hotline.conf"
check "... with the fix in the message" grep -q "chmod 600 $T/moscow/line.psk" "$T/err"
write_config moscow washington
chmod 644 "$T/moscow/state/hotline.db"
check "database mode 0644: refused, exit 1, one line" refused -c "$T/moscow/hotline.conf"
check "... saying the mode is too open" grep -q "hotline.db: mode 0644 is too open" "$T/err"
chmod 600 "$T/moscow/state/hotline.db"
check "with every mode fixed, moscow starts again" start moscow
exit $FAILED
