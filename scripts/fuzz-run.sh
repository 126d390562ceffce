#!/bin/sh
# fuzz-run.sh — runs each built libFuzzer target over its regression inputs,
# then fuzzes it for SECONDS on a fresh copy of its seed corpus (make fuzz).
# Exits 1 if any target crashes; the input is kept in BUILD/artifacts/NAME/.
#
# usage: fuzz-run.sh BUILD SECONDS NAME...
#   BUILD    the fuzz build tree (bin/NAME built; corpus/, artifacts/, logs/ made)
#   SECONDS  fuzzing time per target
#   NAME     targets, as tests/fuzz/NAME.c
set -u
[ $# -ge 2 ] || { echo "usage: fuzz-run.sh BUILD SECONDS NAME..." >&2; exit 2; }
build=$1 seconds=$2
shift 2
fail=0
mkdir -p "$build/logs"
for t in "$@"; do
	bin=$build/bin/$t corpus=$build/corpus/$t art=$build/artifacts/$t log=$build/logs/$t.log
	# The repository's corpus is never written: the fuzzer grows a copy.
	rm -rf "$corpus" "$art"
	mkdir -p "$corpus" "$art"
	[ -d "tests/fuzz/corpus/$t" ] && cp -R "tests/fuzz/corpus/$t/." "$corpus/"
	: >"$log"
	if ls "tests/fuzz/regress/$t"/* >/dev/null 2>&1 &&
		! "$bin" -artifact_prefix="$art/" "tests/fuzz/regress/$t"/* >>"$log" 2>&1; then
		echo "  FAIL   $t: a regression input crashes (see $log)"
		fail=1
		continue
	fi
	printf '  FUZZ   %s for %s s\n' "$t" "$seconds"
	if "$bin" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$art/" "$corpus" >>"$log" 2>&1; then
		grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$log" | tail -n 2 | sed 's/^/         /'
	else
		echo "  FAIL   $t crashed: input in $art/ (see $log)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_)' "$log" | head -n 5 | sed 's/^/         /'
		fail=1
	fi
done
exit $fail
