#!/bin/bash
# export.sh — the record through real daemons: after a long exchange both
# stations export the line, both files verify offline, --against finds them
# identical; a range export verifies as a range and cannot pass as the whole
# line; pinned keys are checked; a damaged file is refused with its entry named.
. "$(dirname "$0")/lib.sh"
N=${N:-300}

new_station washington && new_station moscow || { fail "set up stations"; exit 1; }
write_config washington moscow
write_config moscow washington
start washington && start moscow || { fail "start daemons"; exit 1; }
check "line comes up" wait_until 10 line_up washington moscow
for i in $(seq "$N"); do
	hl washington send moscow "w$i" >/dev/null &
	hl moscow send washington -p flash --lang ru "м$i" >/dev/null
	wait $!
done
check "all receipted at washington" wait_until 30 all_receipted washington moscow
check "all receipted at moscow" wait_until 30 all_receipted moscow washington

W=$T/washington.hlt M=$T/moscow.hlt
hl washington export moscow >"$W"
check "washington exports to stdout" [ $? -eq 0 ]
check "moscow exports with -o" hl moscow export washington -o "$M"
check "no partial file left behind" [ ! -e "$M.partial" ]
check "washington's export verifies" "$HL" verify "$W"
check "moscow's export verifies" "$HL" verify "$M"
out=$("$HL" verify "$W" --against "$M")
check "--against: exit 0" [ $? -eq 0 ]
check "--against reports identical" grep -q identical <<<"$out"
check "summary counts both sides" grep -q "$N entries, seq 1..$N" <(hl washington export moscow | "$HL" verify /dev/stdin)

echo "${PUB[washington]}" >"$T/w.pub"
check "--keys with the right keys" "$HL" verify "$W" --keys "$T/w.pub,${PUB[moscow]}"
new_station stranger
check_not "--keys with a foreign key fails" "$HL" verify "$W" --keys "${PUB[stranger]},${PUB[moscow]}"

# One side ahead of the other: send while moscow is stopped.
stop moscow
hl washington send moscow "while moscow is away" >/dev/null
hl washington export moscow >"$W"
out=$("$HL" verify "$M" --against "$W")
check "--against names the entries one export lacks" grep -q "lacks washington seq $((N + 1))" <<<"$out"
start moscow

# A range: verifies, says so, and cannot pass as the whole line.
R=$T/range.hlt
check "range export" hl washington export moscow --from 10 --to 20 -o "$R"
out=$("$HL" verify "$R")
check "range verifies" [ $? -eq 0 ]
check "range says it is not the whole line" grep -q "NOT the whole line" <<<"$out"
cp "$R" "$T/r2.hlt"
printf '\001' | dd of="$T/r2.hlt" bs=1 seek=9 conv=notrunc 2>/dev/null   # kind: range -> full
check_not "a range relabelled as the whole line is refused" "$HL" verify "$T/r2.hlt"

# Damage: one flipped byte inside the entries is caught and located.
cp "$W" "$T/bad.hlt"
off=$(( $(stat -c %s "$W") / 2 ))
printf '\x55' | dd of="$T/bad.hlt" bs=1 seek="$off" conv=notrunc 2>/dev/null
out=$("$HL" verify "$T/bad.hlt" 2>&1)
rc=$?
check "a damaged file is refused with exit 1" [ "$rc" -eq 1 ]
check "the failure names a seq and a byte offset" grep -Eq "seq [0-9]+.*(byte|offset)|(byte|offset).*seq [0-9]+" <<<"$out"
head -c $(( $(stat -c %s "$W") - 7 )) "$W" >"$T/trunc.hlt"
check_not "a truncated file is refused" "$HL" verify "$T/trunc.hlt"

check_not "no proof on a line without equivocation" hl washington export moscow --proof -o "$T/p.hlt"
script -qec "$HL -c $T/washington/hotline.conf export moscow" /dev/null >/dev/null 2>&1
check "export to a terminal is refused as a usage error" [ $? -eq 2 ]

# Equivocation: a test holding moscow's key signs two different entries with
# one seq; washington stops the line and exports a proof that verifies as one.
stop moscow
MSEQ=$(field washington moscow peer_seq)
"$TOOLS/peerctl" act "127.0.0.1:${PORT[washington]}" --key "$T/moscow/station.key" \
	--peer "${PUB[washington]}" send-valid "one" expect-receipt $((MSEQ + 1)) \
	equivocate "another" expect-close >"$T/peerctl.out" 2>&1
check "the forged pair was sent" [ $? -eq 0 ]
check "washington stopped the line" wait_until 5 [ "$(field washington moscow state)" = stopped ]
P=$T/proof.hlt
check "export --proof" hl washington export moscow --proof -o "$P"
out=$("$HL" verify "$P")
check "the proof verifies" [ $? -eq 0 ]
check "verify calls it a proof of equivocation by moscow" grep -q "PROOF OF EQUIVOCATION: moscow" <<<"$out"
check "the proof names the seq" grep -q "seq $((MSEQ + 1))" <<<"$out"
check "the proof is small" [ "$(stat -c %s "$P")" -lt 4096 ]
hl washington export moscow >"$W"
check "the stopped line's record still verifies" "$HL" verify "$W" --quiet
exit $FAILED
