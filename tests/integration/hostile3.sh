#!/bin/bash
# hostile3.sh — a pinned peer that lies about attachments (PROTOCOL §2.6),
# through a real washington station; peerctl holds moscow's key (no moscow
# daemon runs). As the sender: chunks for a blob no signed entry announced,
# past what the station holds, overlapping, past the declared size, empty,
# of the largest size, shorter than their header, a flood of them, and
# content that does not match its hash (fetched 3 times in all, then given
# up, with the `attachment` alarm and `attachment-failed` events). As the
# receiver: BLOB_WANTs for unknown hashes, past the size, a flood, malformed.
# Throughout: the daemon keeps running, never stores what no signed entry
# announced, never holds more than the declared size, its memory stays
# bounded, and the line still delivers and receipts a message afterwards.
. "$(dirname "$0")/lib.sh"
PC="$TOOLS/peerctl"

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
write_config washington moscow
start washington || { fail "start washington"; exit 1; }
W=127.0.0.1:${PORT[washington]}
WPUB=${PUB[washington]}
MKEY=$T/moscow/station.key
DB=$T/washington/state/hotline.db
WPID=$(cat "$T/washington/pid")

pc() { "$PC" "$@" 2>&1 | sed 's/^/    peerctl: /'; return "${PIPESTATUS[0]}"; }
act() { pc act "$W" --key "$MKEY" --peer "$WPUB" "$@"; }
f() { field washington moscow "$1"; }
alive() { kill -0 "$WPID" 2>/dev/null && hl washington status >/dev/null 2>&1; }
sql() { sqlite3 -readonly "$DB" "$1"; }
blobs() { sql "SELECT count(*) FROM blobs"; }
failed_events() { sql "SELECT count(*) FROM events WHERE kind = 19 AND text LIKE '%$1%'"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$WPID/status"; }
# att SEQ FIELD: the attachment field of moscow's entry SEQ, as washington shows it.
att() {
	hl washington log moscow --json |
		jq -r -s --argjson q "$1" ".[] | select(.own == false and .seq == \$q) | .attachment.$2"
}
att_is() { [ "$(att "$1" "$2")" = "$3" ]; }
alarm_open() { hl washington status --json | jq -e --arg k "$1" '.lines[0].alarms[] | select(.kind == $k)' >/dev/null; }
alarm_gone() { ! alarm_open "$1"; }
next_seq() { echo $(($(f peer_seq) + 1)); }
command -v sqlite3 >/dev/null || { fail "sqlite3 is needed to read washington's store"; exit 1; }

# ---- Chunks for a blob no signed entry announced ----
check "no blob at the start" [ "$(blobs)" = 0 ]
check "stray chunks (one small, one of the largest size): the session stays open" \
	act stray-chunk 1000 stray-chunk 65474 ping
check "... and no blob was created for them" [ "$(blobs)" = 0 ]

# ---- A signed entry announces one; chunks out of order, overlapping, odd ----
# Only the chunk that continues what is held, at its full length (32 KiB,
# the last one shorter), is taken: anything else is dropped, and a chunk
# past what is held is answered by BLOB_WANT(have).
S=$(next_seq)
check "announce 140000 bytes; an odd-sized chunk dropped, a full one kept, a gap answered by BLOB_WANT(have)" \
	act announce 140000 expect-blob-want 0 chunk 0 1000 chunk 0 32768 chunk 70000 32768 \
	expect-blob-want 32768 chunk 16384 32768 chunk 0 32768 ping
check "the announced blob was created (1 blob)" [ "$(blobs)" = 1 ]
check "it holds 32768 bytes: the odd chunk, the gap, the overlap and the repeat were all dropped" \
	att_is "$S" have 32768
check "... and is still pending" att_is "$S" state pending

# ---- The largest record, a last chunk past the size, then the exact one ----
S=$(next_seq)
check "announce 140000: a chunk of the largest record size, four full chunks, a last one past the size" \
	act announce 140000 chunk 0 65474 chunk 0 32768 chunk 32768 32768 chunk 65536 32768 \
	chunk 98304 32768 chunk 131072 20000 ping
check "the largest record was not taken, nor the last chunk running past the size" \
	att_is "$S" have 131072
check "... and it is still pending" att_is "$S" state pending
S=$(next_seq)
check "announce 150000: four full chunks, then the exact last one" \
	act announce 150000 chunk 0 32768 chunk 32768 32768 chunk 65536 32768 chunk 98304 32768 \
	chunk 131072 18928 ping
check "the blob is complete (its hash verified)" wait_until 5 att_is "$S" state complete
check "it holds exactly its declared size" att_is "$S" have 150000
check "no blob anywhere holds more than its size" [ "$(sql 'SELECT count(*) FROM blobs WHERE have > size')" = 0 ]
check "no blob has more chunk bytes stored than its have" \
	[ "$(sql 'SELECT count(*) FROM blobs b WHERE (SELECT coalesce(sum(length(data)), 0) FROM blob_chunks WHERE blob = b.id) != b.have')" = 0 ]
check_not "no attachment alarm for a good transfer" alarm_open attachment

# ---- Malformed: empty chunk, a BLOB shorter than its header ----
check "an empty BLOB (header only, 40 bytes) closes the connection" act announce 1000 chunk 0 0 expect-close
check "a BLOB of 39 bytes closes the connection" act short-blob 39 expect-close
check "a BLOB of 0 bytes closes the connection" act short-blob 0 expect-close
check "washington still runs" alive

# ---- Content that does not match its hash: 3 tries in all, then failed ----
S=$(next_seq)
check "announce 70000 and serve bad content: asked exactly 3 times, then told 'I hold it all' (given up);" \
	act announce 70000 serve bad 3 chunk 0 60000 ping
check "... the blob is failed" att_is "$S" state failed
check "... holding nothing (the bad chunks discarded, the late good chunk ignored)" att_is "$S" have 0
id=$(att "$S" id)
check "... three attachment-failed events recorded" [ "$(failed_events "${id:0:16}")" = 3 ]
check "... the attachment alarm raised" alarm_open attachment
check "... the log says it was given up" grep -q "does not match its hash (3 of 3 tries): given up" "$T/washington/log"
check "a good attachment afterwards: served once" act announce 50000 serve good 1 ping
check "... complete" att_is "$(f peer_seq)" state complete
check "... and the attachment alarm cleared" wait_until 5 alarm_gone attachment

# ---- A flood of chunks nobody wants: memory stays bounded ----
before=$(blobs)
rss0=$(rss_kib)
S=$(next_seq)
check "announce 1000, then a flood of 2000 largest chunks (unknown hashes, past the size)" \
	act --timeout 10 announce 1000 chunk-flood 2000 ping
rss1=$(rss_kib)
echo "    washington's RSS: $rss0 KiB before the flood (~125 MiB), $rss1 KiB after"
check "RSS grew by less than 32 MiB" [ $((rss1 - rss0)) -lt 32768 ]
check "only the announced blob was created" [ "$(blobs)" = $((before + 1)) ]
check "... and it holds nothing" att_is "$S" have 0

# ---- Washington as the sender: WANTs that lie ----
head -c 200000 /dev/urandom >"$T/w.bin"
hl washington send moscow --file "$T/w.bin" "chart of the strait" >/dev/null
check "washington's attachment entry stored" test $? -eq 0
wseq=$(f own_seq)
check "WANTs for unknown hashes, past the size and a flood of both: no chunk sent, session open" \
	act wait-entry want-unknown want 200001 want-flood 2000 expect-no-blob 3 ping
check "WANT from 150000: the rest streams in order to the end" act wait-entry fetch 150000
check "WANT from 0: the whole blob streams, its hash verified" act wait-entry fetch 0
delivered() {
	hl washington log moscow --json |
		jq -e -s --argjson q "$wseq" '.[] | select(.own and .seq == $q) | .attachment.delivered == true' >/dev/null
}
check "washington records it delivered" wait_until 5 delivered
check "a BLOB_WANT of 39 bytes closes the connection" act short-want 39 expect-close
check "a BLOB_WANT of 41 bytes closes the connection" act short-want 41 expect-close

# ---- A blob left holding every byte but never checked ----
# (a store error between the last append and the hash check). After the
# next HELLO the station checks it, rather than telling the sender "I hold
# it all" and leaving it pending for ever: here the bytes held are not the
# content, so it is discarded and fetched again from 0.
S=$(next_seq)
check "announce 70000; two full chunks held" act announce 70000 chunk 0 32768 chunk 32768 32768 ping
check "... 65536 bytes held, pending" att_is "$S" have 65536
n_failed=$(failed_events "hash mismatch")
stop washington
sql_rw() { sqlite3 "$DB" "$1"; }
sql_rw "UPDATE blobs SET have = size WHERE state = 0 AND size = 70000"
check "the store now says it holds all 70000 bytes, unchecked" \
	[ "$(sql 'SELECT count(*) FROM blobs WHERE state = 0 AND have = size AND size = 70000')" = 1 ]
start washington || fail "restart washington"
WPID=$(cat "$T/washington/pid")
check "after the restart, a session with the peer (HELLO)" act ping
refetching() { [ "$(sql 'SELECT have || "/" || failures FROM blobs WHERE size = 70000 AND state = 0')" = 0/1 ]; }
check "the station checked it: a mismatch, held bytes dropped, fetched again from 0 (1 try used)" \
	wait_until 10 refetching
check "... with an attachment-failed event for it" [ "$(failed_events "hash mismatch")" -gt "$n_failed" ]

# ---- After all that, the line still delivers both ways ----
check "washington still runs" alive
S=$(next_seq)
check "moscow's message after the lies is stored and receipted" \
	act send-valid "after the lies" expect-receipt "$S"
check "... washington holds it" \
	bash -c "[ \"\$('$HL' -c '$T/washington/hotline.conf' log moscow --json | jq -r -s '.[] | select(.own == false and .seq == $S) | .text')\" = 'after the lies' ]"
hl washington send moscow "washington after the lies" >/dev/null
check "washington's message reaches moscow (peerctl) and is receipted" \
	act wait-entry receipt-head ping
receipted() { [ "$(f receipted_seq)" = "$(f own_seq)" ]; }
check "... washington holds moscow's receipt for it" wait_until 5 receipted
stop washington
exit $FAILED
