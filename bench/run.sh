#!/bin/sh
# run.sh — runs each benchmark given (built programs, or bench/*_bench.sh),
# keeps its output in $BUILD/bench/NAME.out, and gathers every "name value
# unit" line of every output there into bench/results.json.
BUILD=${BUILD:-build}
export BUILD
mkdir -p "$BUILD/bench"
status=0
for b in "$@" bench/*_bench.sh; do
	[ -f "$b" ] || continue
	n=$(basename "$b" .sh)
	echo "== $n"
	case "$b" in
	*.sh) bash "$b" >"$BUILD/bench/$n.out" ;;
	*) "$b" >"$BUILD/bench/$n.out" ;;
	esac
	rc=$?
	cat "$BUILD/bench/$n.out"
	if [ "$rc" -ne 0 ]; then
		echo "FAILED: $n (status $rc)"
		status=1
	fi
done
sh bench/collect.sh "$BUILD"/bench/*.out >bench/results.json.tmp &&
	mv bench/results.json.tmp bench/results.json &&
	echo "wrote bench/results.json"
exit $status
