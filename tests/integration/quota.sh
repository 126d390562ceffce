#!/bin/bash
# quota.sh — a peer sending valid entries without end hits the quota on its
# stored entries ([Peer] QuotaEntries / QuotaBytes per QuotaWindow) with a
# "quota" alarm, instead of filling the disk. With the real peer daemon: the
# entries over the quota wait at the peer and arrive in the next window,
# nothing lost, and the alarm clears. With peerctl as the peer: exactly the
# quota is stored and receipted, the rest is not, the session stays up.
. "$(dirname "$0")/lib.sh"
PC="$TOOLS/peerctl"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
cat >"$T/alarm.sh" <<'SH'
#!/bin/sh
echo "$HOTLINE_ALARM_STATE $HOTLINE_ALARM_KIND $HOTLINE_ALARM_PEER" >>"$(dirname "$0")/alarms.log"
SH
chmod 755 "$T/alarm.sh"
: >"$T/alarms.log"
# conf_w ENTRIES WINDOW: washington's quota for moscow (the last section).
conf_w() {
	STATION_EXTRA="AlarmCommand = $T/alarm.sh" write_config washington moscow
	printf 'QuotaEntries = %s\nQuotaWindow = %s\n' "$1" "$2" >>"$T/washington/hotline.conf"
}
conf_w 3 3s
write_config moscow washington
start washington && start moscow || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 10 line_up washington moscow

alarm_open() { hl washington status --json | jq -e '.lines[0].alarms[] | select(.kind == "quota")' >/dev/null; }
inbox_count() { [ "$(hl washington inbox | grep -c 'flood message')" -eq "$1" ]; }

# 1. The real moscow sends 8 messages at once; washington stores 3 per 3 s
# window. Even if a window ends among them, one window gets 4 or more.
for i in 1 2 3 4 5 6 7 8; do
	hl moscow send washington "flood message $i" >/dev/null || fail "moscow send $i"
done
check "quota alarm raised on washington" wait_until 5 alarm_open
check "AlarmCommand ran for it (kind quota)" wait_until 5 grep -q '^raised quota moscow' "$T/alarms.log"
check "the log says which quota was exceeded" \
	grep -q 'ALARM quota: peer moscow.*more than its quota (3 entries' "$T/washington/log"
check "not all 8 stored at once" bash -c "[ \$('$HL' -c '$T/washington/hotline.conf' inbox | grep -c 'flood message') -lt 8 ]"
check "in later windows the rest arrives: all 8, nothing lost" wait_until 20 inbox_count 8
check "moscow's entries are all receipted in the end" wait_until 10 all_receipted moscow washington
check "the alarm clears in a window without excess" bash -c "
	for _ in \$(seq 100); do
		'$HL' -c '$T/washington/hotline.conf' status --json |
			jq -e '[.lines[0].alarms[] | select(.kind == \"quota\")] | length == 0' >/dev/null && exit 0
		sleep 0.1
	done; exit 1"
check "AlarmCommand ran for the clearing" grep -q '^cleared quota moscow' "$T/alarms.log"
check "the line stayed up throughout" line_up washington moscow

# 2. peerctl as moscow, against a long window: exactly the quota is stored.
stop moscow
stop washington
conf_w 3 1h
start washington || { fail "restart washington"; exit 1; }
N=$(field washington moscow peer_seq)
W=127.0.0.1:${PORT[washington]}
pc() { "$PC" "$@" 2>&1 | sed 's/^/    peerctl: /'; return "${PIPESTATUS[0]}"; }
check "peerctl: 3 entries stored and receipted" \
	pc act "$W" --key "$T/moscow/station.key" --peer "${PUB[washington]}" \
	send-valid q1 send-valid q2 send-valid q3 expect-receipt $((N + 3))
check "peerctl: 2 more sent, the session stays open (PING answered)" \
	pc act "$W" --key "$T/moscow/station.key" --peer "${PUB[washington]}" \
	send-valid q4 send-valid q5 ping
check "washington stored exactly 3 of the 5 (peer_seq $((N + 3)))" \
	[ "$(field washington moscow peer_seq)" = $((N + 3)) ]
check "quota alarm open" alarm_open
check "the line is not stopped (quota is no fault of the record)" \
	[ "$(field washington moscow state)" != stopped ]
check "the entry over the quota is not receipted" bash -c "
	! '$PC' act '$W' --key '$T/moscow/station.key' --peer '${PUB[washington]}' --timeout 2 \
		send-valid q4 expect-receipt $((N + 4)) >/dev/null 2>&1"
check "washington still serves its operators" bash -c "'$HL' -c '$T/washington/hotline.conf' status >/dev/null"

# 3. Attachment bytes have their own quota (QuotaAttachmentBytes): a file
# over it arrives over several windows, and never holds back a message.
# Two fresh stations: peerctl signed entries in moscow's name above.
new_station geneva && new_station vienna || { fail "set up geneva and vienna"; exit 1; }
STATION_EXTRA="AlarmCommand = $T/alarm.sh" write_config geneva vienna
printf 'QuotaAttachmentBytes = 64K\nQuotaWindow = 2s\n' >>"$T/geneva/hotline.conf"
write_config vienna geneva
start geneva && start vienna || { fail "start geneva and vienna"; exit 1; }
check "geneva-vienna line comes up" wait_until 10 line_up geneva vienna
head -c $((200 * 1024)) /dev/urandom >"$T/file.bin"
hl vienna send geneva --file "$T/file.bin" "a 200 KiB file over a 64 KiB quota" >/dev/null ||
	fail "vienna sends the file"
hl vienna send geneva -p flash "FLASH behind the file" >/dev/null || fail "vienna sends the FLASH"
att() { hl geneva inbox --json | jq -r "select(.seq == 1) | .attachment.$1"; }
flash_in() { hl geneva inbox | grep -q 'FLASH behind the file'; }
attach_alarm() {
	hl geneva status --json |
		jq -e '.lines[0].alarms[] | select(.kind == "quota" and (.text | test("attachment")))' >/dev/null
}
check "the attachment quota raises the quota alarm, naming attachments" wait_until 10 attach_alarm
check "the FLASH after the file is delivered" wait_until 10 flash_in
st=$(att state)
check "... while the file is still pending ($st)" [ "$st" = pending ]
have=$(att have)
check "at most two windows' 64 KiB of it stored by then ($have bytes)" [ "${have:-999999}" -le 131072 ]
complete() { [ "$(att state)" = complete ]; }
check "in later windows the file completes" wait_until 40 complete
hl geneva attachment "vienna#1" -o "$T/file.out" >/dev/null 2>&1 || fail "geneva writes the file out"
check "its bytes are the file's" cmp -s "$T/file.bin" "$T/file.out"
exit $FAILED
