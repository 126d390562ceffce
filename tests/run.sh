#!/bin/sh
# run.sh — runs every test program (unit binaries, then integration scripts,
# then the fault-injection suite), keeps each one's output in $BUILD/test-logs,
# and ends with "N passed, N failed".
# Only tests/fault/t_*.sh are fault tests (netns.sh and check.sh there are the
# harness); they need root and network namespaces and report SKIP otherwise.
# A program reports through cmocka's summary or lines "PASS: x" / "FAIL: x" /
# "SKIP: x"; one that exits non-zero without reporting a failure counts as one.
BUILD=${BUILD:-build}
export BUILD
logs="$BUILD/test-logs"
rm -rf "$logs"
mkdir -p "$logs"
total_pass=0
total_fail=0
total_skip=0
only=${TESTS:-}

run_one() { # name, command...
	name=$1
	shift
	log="$logs/$name.log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	cp=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\./\1/p' "$log" | tail -n 1)
	cf=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:/\1/p' "$log" | tail -n 1)
	p=$((p + ${cp:-0}))
	f=$((f + ${cf:-0}))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL: $name exited with status $rc" >>"$log"
	fi
	if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		f=1
		echo "FAIL: $name reported no test" >>"$log"
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	status=ok
	[ "$f" -ne 0 ] && status=FAILED
	printf '%-32s %-6s %4d passed %3d failed %3d skipped  %ss\n' "$name" "$status" "$p" "$f" "$s" $((end - start))
	if [ "$f" -ne 0 ]; then
		grep -E '^(FAIL: |\[  FAILED  \]|\[  ERROR   \])' "$log" | head -n 20 | sed 's/^/    /'
		echo "    (full output: $log)"
	fi
	if [ "$s" -gt 0 ]; then
		grep '^SKIP: ' "$log" | head -n 3 | sed 's/^/    /'
		[ "$s" -gt 3 ] && echo "    ... and $((s - 3)) more skipped (see $log)"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	case "$n" in *.d) continue ;; esac
	[ -n "$only" ] && ! echo "$n" | grep -q -- "$only" && continue
	run_one "$n" "$t"
done
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	[ "$n" = lib ] && continue
	[ -n "$only" ] && ! echo "$n" | grep -q -- "$only" && continue
	run_one "$n" bash "$t"
done
for t in tests/fault/t_*.sh; do
	[ -f "$t" ] || continue
	n=fault_$(basename "$t" .sh | sed 's/^t_//')
	[ -n "$only" ] && ! echo "$n" | grep -q -- "$only" && continue
	run_one "$n" bash "$t"
done

if [ "$total_skip" -gt 0 ]; then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
