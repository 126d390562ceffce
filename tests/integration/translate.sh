#!/bin/bash
# translate.sh — translations through real stations: a translator attaches an
# English translation to the peer's Russian message; it is shown beside the
# original (JSON and text), a second operator certifies it, its own translator
# cannot, nor can anyone twice; it stays in this station's records (not in the
# exported transcript, not at the peer). [Operators] names the two operators.
. "$(dirname "$0")/lib.sh"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
# root's calls are recorded as Petrov, uid 65534's (nobody) as Ivanova.
STATION_EXTRA=$'[Operators]\nroot = Petrov\n65534 = Ivanova' write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
up() { test "$(field washington moscow state)" = up; }
wait_until 20 up || { fail "line up"; exit 1; }
jqe() { jq -e "$@" >/dev/null; }

ORIG="Подтверждаем получение уведомления. Связь в 10:00 UTC."
MARK="We confirm receipt of the notification. Call at 10:00 UTC. (tr-7Q3X)"
hl moscow send washington --lang ru "$ORIG" >/dev/null
arrived() { test "$(field washington moscow peer_seq)" = 1; }
check "moscow's Russian message reaches washington" wait_until 20 arrived

id=$(hl washington translate moscow#1 --lang en "$MARK")
check "translate prints the translation's number" test "$id" = 1
entry() { hl washington inbox --json | jq -c -s '.[] | select(.seq == 1)'; }
e=$(entry)
check "inbox JSON: the original text and language are unchanged" \
	jqe --arg o "$ORIG" '.text == $o and .lang == "ru"' <<<"$e"
check "... the translation is beside it: id, lang, text, translator (mapped), time, uncertified" \
	jqe --arg m "$MARK" '.translations | length == 1 and (.[0] | .id == 1 and .lang == "en" and
		.text == $m and .translator == "Petrov" and (.created_ms | type) == "number" and
		.certified_by == null and .certified_ms == null)' <<<"$e"
check "log JSON shows it too" bash -c "'$HL' -c '$T/washington/hotline.conf' log moscow --json |
	jq -e -s '.[] | select(.own == false and .seq == 1) | .translations[0].id == 1' >/dev/null"
text=$(hl washington inbox)
check "inbox text: the original first, marked authoritative" \
	bash -c 'grep -A1 -- "--- ORIGINAL (ru), authoritative:" | grep -qF "$1"' _ "$ORIG" <<<"$text"
check "... then the translation, marked UNCERTIFIED, with its translator" \
	bash -c 'grep -A1 -- "--- TRANSLATION 1 (en) by Petrov, .*: UNCERTIFIED" | grep -qF "$1"' _ "$MARK" <<<"$text"
orig_line=$(grep -nF "$ORIG" <<<"$text" | cut -d: -f1)
tr_line=$(grep -nF "$MARK" <<<"$text" | cut -d: -f1)
check "... the original above the translation" test "${orig_line:-0}" -lt "${tr_line:-0}"

# ---- certification ----
out=$(hl washington certify 1 2>&1)
check "its own translator cannot certify it" \
	grep -q 'a translation cannot be certified by its own translator' <<<"$out"
check "... and it stays uncertified" jqe '.translations[0].certified_by == null' <<<"$(entry)"
out=$(hl washington certify 99 2>&1)
check "certify of an unknown translation is refused" grep -q 'no translation 99' <<<"$out"
out=$(hl washington certify x1 2>&1)
check "certify of a non-number is refused by the command" grep -q "'x1' is not a translation number" <<<"$out"

if [ "$(id -u)" -eq 0 ]; then
	# A second operator: uid 65534 reaches the test's socket (and reads its
	# config) through the test's own directories only.
	chmod 711 "$T" "$T/washington"
	chmod 666 "$T/washington/hotline.sock"
	chmod 644 "$T/washington/hotline.conf"
	as_other() { setpriv --reuid=65534 --regid=65534 --clear-groups "$HL" -c "$T/washington/hotline.conf" "$@"; }
	out=$(as_other certify 1 2>&1)
	check "another operator certifies it (recorded as Ivanova)" grep -q 'translation 1 certified by Ivanova' <<<"$out"
	e=$(entry)
	check "inbox JSON: certified_by and certified_ms recorded" \
		jqe '.translations[0] | .certified_by == "Ivanova" and .certified_ms >= .created_ms' <<<"$e"
	check "inbox text: CERTIFIED by Ivanova" \
		bash -c "'$HL' -c '$T/washington/hotline.conf' inbox | grep -q -- '--- TRANSLATION 1 (en) by Petrov, .*: CERTIFIED by Ivanova, '"
	out=$(as_other certify 1 2>&1)
	check "a second certification is refused" grep -q 'translation 1 is certified already (by Ivanova)' <<<"$out"
	out=$(hl washington certify 1 2>&1)
	check "... also by another operator" grep -q 'certified already' <<<"$out"
	# The map also names the author of signed entries.
	hl washington send moscow "Received, thank you" >/dev/null
	op() { hl moscow inbox --json | jq -r -s '.[] | select(.text == "Received, thank you") | .operator'; }
	got() { test "$(op)" = Petrov; }
	check "[Operators]: washington's entry reaches moscow signed by operator Petrov" wait_until 20 got
	as_other send moscow "Second operator here" >/dev/null
	op2() { test "$(hl moscow inbox --json | jq -r -s '.[] | select(.text == "Second operator here") | .operator')" = Ivanova; }
	check "... and uid 65534's by Ivanova" wait_until 20 op2
else
	echo "SKIP: certification by a second operator (needs root to run a caller as another uid)"
fi

# ---- refusals ----
out=$(hl washington translate moscow#1 --lang 'e n' "x" 2>&1)
check "a bad language tag is refused" grep -q "'e n' is not a language tag" <<<"$out"
out=$(python3 - "$T/washington/hotline.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
f = s.makefile()
for req in ({"cmd": "translate", "entry": "moscow#1", "lang": "en_GB", "text": "x"},
            {"cmd": "translate", "entry": "moscow#1", "lang": "en", "text": ""},
            {"cmd": "certify", "id": 0},
            {"cmd": "certify", "id": "1"}):
    s.sendall(json.dumps(req).encode() + b"\n")
    print(f.readline().strip())
PY
)
echo "$out" | sed 's/^/    reply: /'
check "API: a bad language tag is refused" grep -q '"ok": *false.*lang must be a language tag' <<<"$(sed -n 1p <<<"$out")"
check "API: an empty translation is refused" grep -q '"ok": *false.*text must be' <<<"$(sed -n 2p <<<"$out")"
check "API: translation id 0 is refused" grep -q '"ok": *false.*id must be' <<<"$(sed -n 3p <<<"$out")"
check "API: a translation id that is not a number is refused" grep -q '"ok": *false' <<<"$(sed -n 4p <<<"$out")"
out=$(hl washington translate moscow#1 --lang ru "x" 2>&1)
check "a translation into the original's own language is refused" grep -q 'is in ru already' <<<"$out"
out=$(hl washington translate moscow#99 --lang en "x" 2>&1)
check "a translation of an unknown entry is refused" grep -q 'no entry moscow#99' <<<"$out"
out=$(hl washington translate tokyo#1 --lang en "x" 2>&1)
check "... of an unknown author too" grep -q "'tokyo' is neither this station nor a configured peer" <<<"$out"
check "nothing was stored for the refusals: still one translation" \
	jqe '.translations | length == 1' <<<"$(entry)"
printf 'Second translation, from standard input (tr-9K2W)\n' | hl washington translate moscow#1 --lang de - >/dev/null
check "translate reads the text from standard input" \
	jqe '.translations | length == 2 and .[1].lang == "de" and (.[1].text | startswith("Second translation"))' <<<"$(entry)"

# ---- station-local: not in the transcript, not at the peer ----
hl washington export moscow -o "$T/w.hlt" >/dev/null 2>&1
check "washington's exported transcript verifies" hl washington verify "$T/w.hlt" --quiet
check "... and does not contain the translation" bash -c "! grep -a -q 'tr-7Q3X' '$T/w.hlt'"
check "... but does contain the original" grep -a -q "Связь в 10:00 UTC" "$T/w.hlt"
check "moscow's log shows no translation of its message" \
	bash -c "'$HL' -c '$T/moscow/hotline.conf' log washington --json |
	jq -e -s '[.[] | select(.own) | .translations | length] | add == 0' >/dev/null"
hl moscow status >/dev/null
check "moscow's store holds no trace of it" bash -c "! cat '$T'/moscow/state/hotline.db* | grep -a -q 'tr-7Q3X'"
check "washington's store does (the check above can fail)" bash -c "cat '$T'/washington/state/hotline.db* | grep -a -q 'tr-7Q3X'"

# Translations survive a restart (they are in the store, committed).
stop washington
start washington || fail "restart washington"
check "after a restart the translations are still shown" jqe '.translations | length == 2' <<<"$(entry)"

# ---- [Operators] is checked like every other section ----
cp "$T/washington/hotline.conf" "$T/bad.conf"
printf '\n[Operators]\n' >>"$T/bad.conf"
"$HLD" -c "$T/bad.conf" --check-config >"$T/bad.out" 2>&1
check "a second [Operators] section is refused" grep -q 'Operators.*section given twice' "$T/bad.out"
sed -i 's/^65534 = Ivanova$/9lives = Ivanova/' "$T/washington/hotline.conf"
"$HLD" -c "$T/washington/hotline.conf" --check-config >"$T/bad.out" 2>&1
check "an [Operators] key that is neither a login nor a uid is refused, with its line" \
	grep -q 'hotline.conf:[0-9]*: 9lives: not a login name or a numeric uid' "$T/bad.out"
stop washington
stop moscow
exit $FAILED
