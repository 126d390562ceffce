#!/bin/sh
# valgrind-run.sh — runs each unit-test binary under memcheck (make
# valgrind): a memory error, a definite or indirect leak, in the test or in a
# process it forks, fails it, and so does the test failing. One
# PASS/FAIL/SKIP line per binary; logs in BUILD/logs/.
#
# usage: valgrind-run.sh BUILD "SKIP..." NAME...
#   BUILD  the valgrind build tree (tests/NAME built without sanitizers)
#   SKIP   names left out, space-separated (the Makefile says why for each)
#   NAME   unit tests, as tests/unit/NAME.c
# VALGRIND and VALGRIND_FLAGS from the environment.
set -u
[ $# -ge 2 ] || { echo "usage: valgrind-run.sh BUILD SKIP NAME..." >&2; exit 2; }
build=$1 skip=$2
shift 2
VALGRIND=${VALGRIND:-valgrind}
logs=$build/logs
rm -rf "$logs"
mkdir -p "$logs"
fail=0
for t in "$@"; do
	case " $skip " in *" $t "*) echo "SKIP: valgrind $t (VALGRIND_SKIP)"; continue ;; esac
	start=$(date +%s)
	vg=$logs/$t.valgrind
	# shellcheck disable=SC2086 # the flags are words
	$VALGRIND $VALGRIND_FLAGS --log-file="$vg" "$build/tests/$t" >"$logs/$t.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	# Reports are "==PID== ..." lines (valgrind's own warnings are "--PID--").
	if grep -q '^==[0-9]*== ' "$vg"; then
		echo "FAIL: valgrind $t (memcheck errors or leaks, ${secs}s; see $vg)"
		grep -E '^==[0-9]+== .' "$vg" | head -n 12 | sed 's/^/    /'
		fail=1
	elif [ "$rc" -ne 0 ]; then
		echo "FAIL: valgrind $t (the test failed: exit $rc, ${secs}s; see $logs/$t.log)"
		fail=1
	else
		echo "PASS: valgrind $t (${secs}s)"
	fi
done
exit $fail
