#!/bin/bash
# notice.sh — `hotline notice` through two real stations: for every shipped
# form a valid notice reaches the other station and is rendered there as that
# form (values, name and version); invalid fills are refused naming the field,
# with nothing stored; a call-request is answered by a call-reply that refers
# to it, and the request awaits its reply until then.
. "$(dirname "$0")/lib.sh"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
STATION_EXTRA="FormsDir = $ROOT/forms" write_config washington moscow
STATION_EXTRA="FormsDir = $ROOT/forms" write_config moscow washington
start washington && start moscow || { fail "start stations"; exit 1; }
up() { test "$(field washington moscow state)" = up; }
wait_until 20 up || { fail "line up"; exit 1; }

jqe() { jq -e "$@" >/dev/null; }
long() { head -c "$1" </dev/zero | tr '\0' x; }

# ---- the fills: one valid per form, with the canonical values expected ----
declare -A VALID EXPECT INVALID FROM
# Arguments are separated by '|' (no value below holds one).
VALID[launch-notification]="launch_date=2027-03-01|window_start=2027-03-01T06:00Z|window_end=2027-03-01T10:00:00Z|missile_class=icbm|missile_count=02|launch_area=62.9N  40.4E radius 20km|impact_area=65N 172.5E;65.5N 173W; 64N 174.5E|reference=LN-2027-001|remarks=Line one
line two"
EXPECT[launch-notification]='{"launch_date":"2027-03-01","window_start":"2027-03-01T06:00:00Z","window_end":"2027-03-01T10:00:00Z","missile_class":"icbm","missile_count":"2","launch_area":"62.9N 40.4E radius 20km","impact_area":"65N 172.5E; 65.5N 173W; 64N 174.5E","reference":"LN-2027-001","remarks":"Line one\nline two"}'
VALID[incident-at-sea]="incident_time=2026-11-20T14:32:00Z|position=43.1N 131.9E|incident_type=near-collision|own_units=DDG-85 McCampbell
MH-60R helicopter|other_units=Udaloy-class destroyer|closest_approach_nm=0.250|casualties=none|description=Crossed our bow at 200 yards at 14:32.|reference=INC-7"
EXPECT[incident-at-sea]='{"incident_time":"2026-11-20T14:32:00Z","position":"43.1N 131.9E","incident_type":"near-collision","own_units":"DDG-85 McCampbell\nMH-60R helicopter","other_units":"Udaloy-class destroyer","closest_approach_nm":"0.25","casualties":"none","description":"Crossed our bow at 200 yards at 14:32.","reference":"INC-7"}'
VALID[call-request]="proposed_time=2026-12-01T10:00Z|duration_min=030|topic=Annual review of the line|participants=Ministers of defence"
EXPECT[call-request]='{"proposed_time":"2026-12-01T10:00:00Z","duration_min":"30","topic":"Annual review of the line","participants":"Ministers of defence"}'
VALID[call-reply]="decision=decline|counter_time=2026-12-02T10:00Z|remarks=The next day suits better."
EXPECT[call-reply]='{"decision":"decline","counter_time":"2026-12-02T10:00:00Z","remarks":"The next day suits better."}'
# A call-reply answers the other station's call-request: moscow sends it.
FROM[call-reply]=moscow

# Invalid fills, one per line: FIELD (what the refusal must name) and the
# changes to the valid fill: field=value replaces or adds, -field removes.
INVALID[launch-notification]="launch_date|-launch_date
launch_date|launch_date=2027-02-30
missile_class|missile_class=mrbm
missile_count|missile_count=21
launch_area|launch_area=95N 40.4E radius 20km
impact_area|impact_area=65N 172E; 65N 172E; 64N 174E
window_start|window_start=2027-03-01T06:00+03:00
remarks|remarks=$(long 2001)
bogus|bogus=1"
INVALID[incident-at-sea]="incident_time|incident_time=2026-11-20 14:32
position|position=43.1 131.9
incident_type|incident_type=ramming
closest_approach_nm|closest_approach_nm=1000.5
casualties|casualties=some
description|-description
reference|reference=$(long 65)"
INVALID[call-request]="duration_min|duration_min=4
duration_min|duration_min=thirty
proposed_time|proposed_time=tomorrow
topic|-topic
topic|topic=$(long 201)
participants|participants=line one
line two"
INVALID[call-reply]="decision|decision=maybe
decision|-decision
counter_time|counter_time=2026-13-01T00:00Z
remarks|remarks=$(long 1001)
colour|colour=blue
decision|decision=accept|decision=decline"

other() { [ "$1" = washington ] && echo moscow || echo washington; }
own_seq() { field "$1" "$(other "$1")" own_seq; }

# args FORM [CHANGES]: the fill's arguments, one per line (NUL-free).
fill() {
	local form=$1 changes=$2 a k skip
	local -a base mods
	IFS='|' read -r -d '' -a base <<<"${VALID[$form]}"$'\0' || true
	IFS='|' read -r -d '' -a mods <<<"$changes"$'\0' || true
	FILL=()
	for a in "${base[@]}"; do
		a=${a%$'\n'}
		k=${a%%=*}
		skip=0
		for m in "${mods[@]}"; do
			m=${m%$'\n'}
			[ "${m#-}" = "$k" ] || [ "${m%%=*}" = "$k" ] && skip=1
		done
		[ "$skip" = 0 ] && FILL+=("$a")
	done
	for m in "${mods[@]}"; do
		m=${m%$'\n'}
		[ -n "$m" ] && [ "${m#-}" = "$m" ] && FILL+=("$m")
	done
}

# Every shipped form has fills here: a new form must come with its test.
for f in "$ROOT"/forms/*.form; do
	n=$(basename "$f" .form)
	n=${n%.v[0-9]*}
	check "form $n has test fills in notice.sh" test -n "${VALID[$n]:-}" -a -n "${INVALID[$n]:-}"
done

# ---- the forms are listed with their fields ----
forms=$(hl washington forms --json)
check "hotline forms lists every shipped form" \
	test "$(jq -r .name <<<"$forms" | sort | tr '\n' ' ')" = "call-reply call-request incident-at-sea launch-notification "
check "... with their fields (launch-notification: 9, missile_count an int 1..20)" \
	jqe -s '.[] | select(.name == "launch-notification") | (.fields | length) == 9 and
		(.fields[] | select(.name == "missile_count") | .type == "int" and .min == "1" and .max == "20")' <<<"$forms"
check "... call-reply answers call-request" \
	jqe -s '.[] | select(.name == "call-reply") | .answers == ["call-request"]' <<<"$forms"
hl washington forms call-request | grep -q 'duration_min.*int.*required.*5\.\.240'
check "hotline forms FORM shows a field's type, need and range" test $? -eq 0

# ---- valid notices, every form ----
declare -A SENT
order=(launch-notification incident-at-sea call-request call-reply)
for form in "${order[@]}"; do
	src=${FROM[$form]:-washington}
	dst=$(other "$src")
	fill "$form" ""
	extra=()
	[ "$form" = call-reply ] && extra=(--reply-to "${SENT[call-request]}")
	before=$(own_seq "$src")
	id=$(hl "$src" notice "$dst" "$form" "${FILL[@]}" "${extra[@]}" -p priority)
	check "$form: a valid notice is accepted ($src -> $dst)" test ${#id} = 64
	check "... and stored as one entry" test "$(own_seq "$src")" = $((before + 1))
	SENT[$form]="$src#$((before + 1))"
	arrived() { hl "$dst" log "$src" --json | jq -e -s --arg id "$id" 'any(.[]; .id == $id)' >/dev/null; }
	check "$form: the notice arrives at $dst" wait_until 20 arrived
	got=$(hl "$dst" log "$src" --json | jq -c -s --arg id "$id" '.[] | select(.id == $id)')
	check "$form: $dst renders it as form $form version 1, kind NOTICE" \
		jqe '.kind == "NOTICE" and .form.name == "'"$form"'" and .form.version == 1 and .precedence == "priority"' <<<"$got"
	check "$form: the field values at $dst equal the canonical values sent" \
		jqe --argjson want "${EXPECT[$form]}" '(.form.fields | map(select(.value != null) | {(.name): .value}) | add) == $want' <<<"$got"
	check "$form: the signed body names the form and its version" \
		jqe '.text | startswith("form='"$form"'\nversion=1\n")' <<<"$got"
done

# Text view: the form block with labels, not key=value text.
text=$(hl moscow inbox)
check "inbox text shows the form's title, name and version" grep -q 'Ballistic missile launch notification (launch-notification v1)' <<<"$text"
check "... and 'Label: value' lines" grep -q '^      Number of missiles: 2$' <<<"$text"
check "... multi-line values below their label" \
	bash -c 'grep -A2 "^      Remarks:$" | grep -q "^          line two$"' <<<"$text"

# ---- invalid fills, every form: refused naming the field, nothing stored ----
for form in "${order[@]}"; do
	src=${FROM[$form]:-washington}
	dst=$(other "$src")
	before=$(own_seq "$src")
	extra=()
	[ "$form" = call-reply ] && extra=(--reply-to "${SENT[call-request]}")
	n=0
	# Split the cases: a line starting with "FIELD|" begins one (a value
	# with a newline continues on the next line).
	cur=""
	cases=()
	while IFS= read -r line; do
		if [[ "$line" =~ ^[a-z_]+\| ]] && [ -n "$cur" ]; then
			cases+=("$cur")
			cur=$line
		elif [ -n "$cur" ]; then
			cur+=$'\n'"$line"
		else
			cur=$line
		fi
	done <<<"${INVALID[$form]}"
	cases+=("$cur")
	for c in "${cases[@]}"; do
		want=${c%%|*}
		fill "$form" "${c#*|}"
		out=$(hl "$src" notice "$dst" "$form" "${FILL[@]}" "${extra[@]}" 2>&1)
		rc=$?
		n=$((n + 1))
		short=$(head -c 90 <<<"${c#*|}" | tr '\n' ' ')
		check "$form invalid #$n ($short): refused, naming '$want'" \
			bash -c '[ "$1" -ne 0 ] && grep -q "$2" <<<"$3"' _ "$rc" "$want" "$out"
	done
	check "$form: $n invalid fills (at least 5)" test "$n" -ge 5
	check "$form: nothing was stored for them (own_seq unchanged)" test "$(own_seq "$src")" = "$before"
done
echo "    e.g.: $(hl washington notice moscow launch-notification missile_class=icbm 2>&1 | head -1)"

# ---- other refusals ----
before=$(own_seq washington)
out=$(hl washington notice moscow no-such-form a=b 2>&1)
check "an unknown form is refused, listing the forms" \
	grep -q "no form 'no-such-form' (forms: call-reply, call-request" <<<"$out"
out=$(python3 - "$T/washington/hotline.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
f = s.makefile()
for req in ({"cmd": "notice", "peer": "moscow", "form": "call-request", "fields": {"topic": 5}},
            {"cmd": "notice", "peer": "moscow", "form": "call-request", "fields": {"a=b": "c"}},
            {"cmd": "notice", "peer": "moscow", "form": "call-request", "version": 2,
             "fields": {"topic": "x"}},
            {"cmd": "notice", "peer": "moscow", "form": "call-request", "fields": ["topic=x"]}):
    s.sendall(json.dumps(req).encode() + b"\n")
    print(f.readline().strip())
PY
)
echo "$out" | sed 's/^/    reply: /'
check "API: a field value that is not a string is refused, naming the field" \
	grep -q '"ok": *false.*topic: the value must be a string' <<<"$(sed -n 1p <<<"$out")"
check "API: a field name with '=' is refused" grep -q '"ok": *false.*not a field name' <<<"$(sed -n 2p <<<"$out")"
check "API: a version the station does not have is refused" grep -q 'has no version 2' <<<"$(sed -n 3p <<<"$out")"
check "API: fields that are not an object are refused" grep -q '"ok": *false.*fields' <<<"$(sed -n 4p <<<"$out")"
check "... nothing was stored for any of them" test "$(own_seq washington)" = "$before"

# ---- call-request -> call-reply ----
rq=$(hl washington notice moscow call-request proposed_time=2026-12-05T09:00:00Z duration_min=15 \
	topic="Test of the procedure")
rq_name="washington#$(own_seq washington)"
arrived() { hl moscow inbox --json | jq -e -s --arg id "$rq" 'any(.[]; .id == $id)' >/dev/null; }
check "a call-request arrives at moscow" wait_until 20 arrived
awaiting() { # STATION VIEW: awaiting_reply of the request in that view
	if [ "$2" = inbox ]; then hl "$1" inbox --json; else hl "$1" log "$(other "$1")" --json; fi |
		jq -r -s --arg id "$rq" '.[] | select(.id == $id) | .awaiting_reply'
}
check "moscow's inbox: the request awaits a reply" test "$(awaiting moscow inbox)" = true
check "washington's log: its request awaits a reply" test "$(awaiting washington log)" = true
check "moscow's inbox text says AWAITING REPLY" bash -c "'$HL' -c '$T/moscow/hotline.conf' inbox | grep -A8 'Test of the procedure' | grep -q '!!! AWAITING REPLY'"

out=$(hl moscow notice washington call-reply decision=accept 2>&1)
check "a call-reply without --reply-to is refused" grep -q 'call-reply answers a notice: give reply_to' <<<"$out"
out=$(hl moscow notice washington call-reply decision=accept --reply-to "${SENT[launch-notification]}" 2>&1)
check "a call-reply to a launch-notification is refused" grep -q 'is a launch-notification, which a call-reply does not answer' <<<"$out"
out=$(hl moscow notice washington call-reply decision=accept --reply-to "${SENT[call-reply]}" 2>&1)
check "a call-reply to this station's own notice is refused" grep -q "is this station's own" <<<"$out"
out=$(hl moscow notice washington call-reply decision=accept --reply-to washington#999 2>&1)
check "a call-reply to an entry that does not exist is refused" grep -q 'no entry washington#999' <<<"$out"

rp=$(hl moscow notice washington call-reply decision=accept --reply-to "$rq_name" --lang ru \
	remarks="Согласны")
check "a call-reply with --reply-to the request is accepted" test ${#rp} = 64
replied() { test "$(awaiting washington log)" = false; }
check "washington's log: the request no longer awaits a reply" wait_until 20 replied
check "moscow's inbox: nor there (its own reply counts)" test "$(awaiting moscow inbox)" = false
got=$(hl washington log moscow --json | jq -c -s --arg id "$rp" '.[] | select(.id == $id)')
check "the reply at washington refers to the request (reply_to = its id)" \
	jqe --arg rq "$rq" '.reply_to == $rq and .form.name == "call-reply"' <<<"$got"
check "the reply was sent with --lang ru: its labels are Russian" \
	jqe '.lang == "ru" and .form.title == "Ответ на запрос о переговорах" and
		(.form.fields[] | select(.name == "decision") | .label == "Решение")' <<<"$got"
check "a reply form expects no reply itself (no awaiting_reply)" jqe 'has("awaiting_reply") | not' <<<"$got"

# The notices are ordinary signed entries: the transcript verifies.
hl washington export moscow -o "$T/w.hlt" >/dev/null 2>&1
check "washington's transcript with the notices verifies" hl washington verify "$T/w.hlt" --quiet
stop washington
stop moscow

# A schema that does not load stops the station, with its file and line.
mkdir "$T/forms"
cp "$ROOT"/forms/*.form "$T/forms/"
sed -i 's/^Max = 240$/Max = 2/' "$T/forms/call-request.form"
sed -i "s|^FormsDir = .*|FormsDir = $T/forms|" "$T/washington/hotline.conf"
out=$("$HLD" -c "$T/washington/hotline.conf" --check-config 2>&1)
check "--check-config refuses a broken schema in FormsDir, naming file, line and key" \
	grep -q 'FormsDir: .*call-request.form:[0-9]*: Max: less than Min' <<<"$out"
"$HLD" -c "$T/washington/hotline.conf" >"$T/broken.log" 2>&1 &
pid=$!
gone() { ! kill -0 "$pid" 2>/dev/null; }
check "... and hotlined does not start with it" wait_until 10 gone
wait "$pid" 2>/dev/null
exit $FAILED
