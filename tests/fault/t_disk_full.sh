#!/bin/bash
# t_disk_full.sh — the receiver's StateDir is a small tmpfs that fills up
# mid-stream: the sender keeps its queue (entries stay unreceipted), the
# receiver says why (log line or status alarm), nothing is stored half-way,
# and once space returns every entry is delivered and both records are
# identical.
#   FAULT_TMPFS_MB    size of bravo's StateDir (default 8)
#   FAULT_DISK_MSGS   ~4 KiB messages sent while the disk is full (default 80;
#                     40 with FAULT_QUICK=1)
#   FAULT_DISK_HOLD   seconds the disk stays full after the last send (default 5)
. "$(dirname "$0")/netns.sh"
MB=${FAULT_TMPFS_MB:-8}
MSGS=${FAULT_DISK_MSGS:-80}
[ -n "${FAULT_QUICK:-}" ] && MSGS=${FAULT_DISK_MSGS:-40}
HOLD=${FAULT_DISK_HOLD:-5}

fault_setup
mkdir -p "$T/bravo/state"
mount -t tmpfs -o "size=${MB}m,mode=0700" hlfault "$T/bravo/state" 2>"$T/mount.err" ||
	skip "cannot mount a tmpfs: $(head -n 1 "$T/mount.err")"
MOUNTS+=("$T/bravo/state")
start_both || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 15 both_up
driver alpha warm 10 0
check "warm-up messages receipted" wait_until 10 all_receipted alpha

# Fill the file system to the last block.
dd if=/dev/zero of="$T/bravo/state/filler" bs=64k 2>/dev/null
dd if=/dev/zero of="$T/bravo/state/filler2" bs=512 2>/dev/null
avail=$(df -k --output=avail "$T/bravo/state" | tail -n 1 | tr -d ' ')
check "bravo's StateDir is full (${avail} KiB left)" [ "$avail" -eq 0 ]
t_full=$SECONDS
l_full=$(wc -l <"$T/bravo/log")
PAD=" $(head -c 4000 /dev/zero | tr '\0' x)" driver alpha big "$MSGS" 0.05
# An attachment too: its chunks meet the full disk on bravo (H12).
head -c $((300 * 1024)) /dev/urandom >"$T/att.bin"
aseq=$(hl alpha send bravo --file "$T/att.bin" "attachment while bravo's disk is full" --json | jq -r .seq)
check "alpha stores an attachment while bravo's disk is full (entry $aseq)" [ "${aseq:-0}" -gt 0 ]
echo "attachment while bravo's disk is full" >>"$T/acked.alpha" # for fault_check
sleep "$HOLD"
queued=$(unreceipted alpha)
check "alpha keeps its queue: $queued of $MSGS entries unreceipted while bravo's disk is full" \
	[ "${queued:-0}" -gt 0 ]
check "bravo is still running and answers" hl bravo status --json >/dev/null
# Reported either way: a log line, or an alarm in `status --json`.
why=$(grep -iE 'space|full|commit failed|store' "$T/bravo/log" | grep -v 'station bravo up' | head -n 1 |
	sed 's/^[^ ]* //')
alarm=$(hl bravo status --json | jq -c '[.lines[0].alarms // [] | .[] | {kind, text}]')
info "bravo's alarms while full: $alarm"
reported() { [ -n "$why" ] || [ "$alarm" != "[]" ]; }
check "bravo reports the error (log: ${why:-nothing})" reported
# How hard the stations churn while the store cannot commit (a figure, not
# a pass/fail criterion: the issue sets no bound).
churn=$(tail -n +"$((l_full + 1))" "$T/bravo/log" | grep -c 'closed: ')
info "bravo closed $churn connections in $((SECONDS - t_full)) s while its disk was full"
# A full disk must not turn into a reconnect storm: the sessions stay up and
# the peer is asked to resend once the store may take entries again.
check "no reconnect storm while the disk is full ($churn connections closed)" [ "$churn" -le 10 ]
rm -f "$T/bravo/state/filler" "$T/bravo/state/filler2"
t_free=$SECONDS
if wait_until "$FAULT_SETTLE" all_receipted alpha; then
	[ -n "${SHOWLOG:-}" ] && tail -n +"$((l_full + 1))" "$T/bravo/log" | head -60 >&2
	pass "everything receipted $((SECONDS - t_free)) s after space returned (disk full for $((t_free - t_full)) s)"
else
	fail "not everything receipted within $FAULT_SETTLE s of space returning: alpha $(line_json alpha)"
fi
att_state() { hl bravo inbox --json | jq -r --argjson q "$aseq" 'select(.seq == $q) | .attachment.state'; }
att_complete() { [ "$(att_state)" = complete ]; }
check "the attachment arrives complete, hash verified, after space returned" wait_until 30 att_complete
hl bravo attachment "alpha#$aseq" -o "$T/att.out" >/dev/null 2>&1
check "bravo's copy of the attachment is alpha's file, byte for byte" cmp -s "$T/att.bin" "$T/att.out"
# An alarm (where the daemon keeps them in status) must clear with its cause.
if [ "$alarm" != "[]" ]; then
	no_alarm() { [ "$(hl bravo status --json | jq -c '.lines[0].alarms // []')" = "[]" ]; }
	check "bravo's alarm clears once space has returned" wait_until 15 no_alarm
fi
fault_check
exit $FAILED
