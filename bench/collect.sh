#!/bin/sh
# collect.sh — prints a JSON object {"name": {"value": n, "unit": "..."}} from
# every line "name value [unit]" in the files given; other lines are ignored
# and a later line with the same name wins.
awk '
/^[A-Za-z_][A-Za-z0-9_]* -?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?( [^ ].*)?$/ {
	name = $1; unit = ""
	for (i = 3; i <= NF; i++) unit = unit (i > 3 ? " " : "") $i
	gsub(/[\\"]/, "", unit)
	if (!(name in val)) order[n++] = name
	val[name] = $2; un[name] = unit
}
END {
	printf "{"
	for (i = 0; i < n; i++)
		printf "%s\n  \"%s\": {\"value\": %s, \"unit\": \"%s\"}", i ? "," : "", order[i], val[order[i]], un[order[i]]
	printf "%s}\n", n ? "\n" : ""
}' "$@"
