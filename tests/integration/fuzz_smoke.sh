#!/bin/bash
# fuzz_smoke.sh — builds the libFuzzer targets (make fuzz-build, clang with
# ASan + UBSan), runs each once over its saved crash inputs
# (tests/fuzz/regress/NAME/) and fuzzes it for FUZZ_SMOKE_SECONDS (default 10)
# on a copy of its seed corpus, two targets at a time. One PASS/FAIL line per
# target; SKIP without clang. Longer runs: make fuzz FUZZ_SECONDS=N.
set -u
here=${BASH_SOURCE[0]%/*}
[ "$here" = "${BASH_SOURCE[0]}" ] && here=.
cd "$here/../.." || exit 1
SECS=${FUZZ_SMOKE_SECONDS:-10}
FB=build/fuzz
W="$FB/smoke"

if ! command -v clang >/dev/null 2>&1; then
	echo "SKIP: fuzz (clang not installed)"
	exit 0
fi
# Under `make check` the outer make's flags (BUILD, SANITIZE, jobserver) are
# in the environment; fuzz-build sets its own.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

names=()
for f in tests/fuzz/fuzz_*.c; do
	names+=("$(basename "$f" .c)")
done
if [ "${#names[@]}" -eq 0 ]; then
	echo "FAIL: fuzz targets (none in tests/fuzz)"
	exit 1
fi

rm -rf "$W"
mkdir -p "$W"
if ! make --no-print-directory -j"$(nproc)" fuzz-build >"$W/build.log" 2>&1; then
	echo "FAIL: fuzz build (make fuzz-build)"
	tail -n 20 "$W/build.log" | sed 's/^/    /'
	exit 1
fi

FAILED=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }
# The sanitizer's report, indented so it never reads as a PASS/FAIL line.
show() { # LOG
	grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_|.*runtime error|artifact_prefix|Test unit written)' "$1" |
		head -n 8 | sed 's/^/    /'
}

# Regression inputs first: each must run through without a finding.
for t in "${names[@]}"; do
	inputs=("tests/fuzz/regress/$t"/*)
	[ -f "${inputs[0]}" ] || continue
	mkdir -p "$W/regress-artifacts/$t"
	if "$FB/bin/$t" -artifact_prefix="$W/regress-artifacts/$t/" "${inputs[@]}" \
		>"$W/$t.regress.log" 2>&1; then
		pass "fuzz $t regression inputs (${#inputs[@]})"
	else
		fail "fuzz $t regression inputs"
		show "$W/$t.regress.log"
	fi
done

run_one() { # NAME
	local t=$1
	mkdir -p "$W/corpus/$t" "$W/artifacts/$t"
	if [ -d "tests/fuzz/corpus/$t" ]; then
		cp -R "tests/fuzz/corpus/$t/." "$W/corpus/$t/"
	fi
	"$FB/bin/$t" -max_total_time="$SECS" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$W/artifacts/$t/" "$W/corpus/$t" >"$W/$t.log" 2>&1
	echo $? >"$W/$t.rc"
}

par=$(nproc 2>/dev/null || echo 2)
[ "$par" -gt 2 ] && par=2
running=0
for t in "${names[@]}"; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$par" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

for t in "${names[@]}"; do
	rc=$(cat "$W/$t.rc" 2>/dev/null || echo 99)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/$t.log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		pass "fuzz $t ${SECS}s (${runs:-?} runs)"
	else
		fail "fuzz $t (exit $rc; input kept in $W/artifacts/$t/, log $W/$t.log)"
		show "$W/$t.log"
	fi
done
exit "$FAILED"
