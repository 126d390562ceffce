#!/usr/bin/env bash
# manpages.sh — the manual pages: each passes mandoc's lint and renders
# without groff warnings, and none has drifted from the code: hotline.1 holds
# every subcommand and option `hotline --help` prints, hotline.conf.5 every
# key src/config/config.c accepts, and neither documents one that does not exist.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
HOTLINE="$BUILD/hotline"
fails=0

pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1"
	fails=$((fails + 1))
}
skip() { echo "SKIP: $1"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pages=(man/*.[1-8])

# ---- lint ----
for p in "${pages[@]}"; do
	n=$(basename "$p")
	if ! command -v mandoc >/dev/null; then
		skip "mandoc lint $n (mandoc is not installed)"
		continue
	fi
	if mandoc -T lint -W warning "$p" >"$tmp/lint" 2>&1; then
		pass "mandoc lint $n"
	else
		fail "mandoc lint $n: $(head -n 5 "$tmp/lint" | tr '\n' ' ')"
	fi
done
for p in "${pages[@]}"; do
	n=$(basename "$p")
	if ! command -v man >/dev/null; then
		skip "groff warnings $n (man is not installed)"
		continue
	fi
	# man-db passes --warnings on to groff (-w); anything on stderr is one.
	LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat man --warnings -E UTF-8 -l "$p" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && [ -s "$tmp/out" ]; then
		pass "groff warnings $n"
	else
		fail "groff warnings $n (exit $rc): $(head -n 5 "$tmp/err" | tr '\n' ' ')"
	fi
done

# roff source to plain words: \- and font escapes out, macro names dropped.
plain() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\&//g' \
		-e 's/\\(em/ /g' -e 's/^\.[A-Za-z][A-Za-z]*[ ]*//' -e 's/"//g' "$@"
}

# ---- hotline.1 against hotline --help ----
if [ ! -x "$HOTLINE" ]; then
	fail "drift hotline.1: $HOTLINE is missing (build it first)"
	exit 1
fi
"$HOTLINE" --help >"$tmp/help" 2>&1
subs=$(sed -n '/^commands:/,/^$/p' "$tmp/help" | awk 'NF >= 2 && /^  [a-z]/ { print $1 }')
[ -n "$subs" ] || fail "drift: no subcommands found in hotline --help"

# The COMMANDS section's entries: the first word of each .TP tag line.
# Tags inside .RS/.RE are a command's options, not commands.
awk '/^\.SH COMMANDS/ { on = 1; next } /^\.SH / { on = 0 }
	on && /^\.RS/ { depth++ } on && /^\.RE/ { depth-- }
	on && tag { print; tag = 0 } on && depth == 0 && /^\.TP/ { tag = 1 }' man/hotline.1 |
	plain | awk '{ print $1 }' | sort -u >"$tmp/entries"
# SYNOPSIS: one block per ".B hotline SUB" up to the next .br/.PP.
awk '/^\.SH SYNOPSIS/ { on = 1; next } /^\.SH / { on = 0 }
	on && /^\.(br|PP)/ { blk = "" ; next }
	on && /^\.B hotline [a-z]/ { blk = $3 }
	on && blk != "" { print blk "\t" $0 }' man/hotline.1 >"$tmp/synopsis"

missing=""
for s in $subs; do
	grep -qx -- "$s" "$tmp/entries" || missing="$missing $s"
done
if [ -z "$missing" ]; then
	pass "drift: every subcommand of hotline --help has an entry in hotline.1 ($(echo $subs | wc -w))"
else
	fail "drift: subcommands of hotline --help without an entry in hotline.1:$missing"
fi

extra=""
while read -r e; do
	echo "$subs" | grep -qx -- "$e" || extra="$extra $e"
done <"$tmp/entries"
if [ -z "$extra" ]; then
	pass "drift: every subcommand entry in hotline.1 is in hotline --help"
else
	fail "drift: hotline.1 documents subcommands hotline --help does not list:$extra"
fi

# Options: -x or --word after a blank, '[' or '|'.
options() { grep -oE '(^|[][ |(])--?[a-zA-Z][a-zA-Z-]*' | sed 's/^[][ |(]//' | sort -u; }

missing=""
for o in $(sed -n '/^options:/,$p' "$tmp/help" | options); do
	awk '/^\.SH GLOBAL OPTIONS/ { on = 1; next } /^\.SH / { on = 0 } on' man/hotline.1 |
		plain | grep -qE -- "(^|[^a-zA-Z-])$o([^a-zA-Z-]|$)" || missing="$missing $o"
done
if [ -z "$missing" ]; then
	pass "drift: every global option of hotline --help is in hotline.1 GLOBAL OPTIONS"
else
	fail "drift: global options missing from hotline.1 GLOBAL OPTIONS:$missing"
fi

missing=""
n=0
for s in $subs; do
	[ "$s" = help ] && continue
	"$HOTLINE" "$s" --help >"$tmp/sub" 2>&1
	# The command's own part of "usage: hotline [-c FILE] [--json] SUB ARGS".
	own=$(sed -n "s/^usage: hotline .* $s //p" "$tmp/sub" | head -n 1)
	for o in $(echo "$own" | options); do
		n=$((n + 1))
		awk -F '\t' -v s="$s" '$1 == s { print $2 }' "$tmp/synopsis" | plain |
			grep -qE -- "(^|[^a-zA-Z-])$o([^a-zA-Z-]|$)" || missing="$missing $s:$o"
		plain man/hotline.1 | grep -qE -- "(^|[^a-zA-Z-])$o([^a-zA-Z-]|$)" ||
			missing="$missing $s:$o(nowhere)"
	done
done
if [ -z "$missing" ] && [ "$n" -gt 0 ]; then
	pass "drift: every option of each hotline SUB --help is in that subcommand's synopsis in hotline.1 ($n)"
else
	fail "drift: options of hotline SUB --help missing from hotline.1:$missing"
fi

# ---- hotline.conf.5 against src/config/config.c ----
# The key table: [K_X] = { "Name", SEC_STATION|SEC_PEER, repeatable }.
sed -n 's/^[[:space:]]*\[K_[A-Z0-9_]*\][[:space:]]*=[[:space:]]*{[[:space:]]*"\([A-Za-z]*\)",[[:space:]]*SEC_\([A-Z]*\),.*/\2 \1/p' \
	src/config/config.c | sort -u >"$tmp/code_keys"
# Documented: the tag of each .TP under .SH [Station] / .SH [Peer NAME];
# a tag may name several keys (".BR A ", " B").
awk '/^\.SH \[Station\]/ { sec = "STATION"; next } /^\.SH \[Peer/ { sec = "PEER"; next }
	/^\.SH / { sec = "" }
	sec != "" && tag { print sec "\t" $0; tag = 0 } sec != "" && /^\.TP/ { tag = 1 }' man/hotline.conf.5 |
	while IFS=$'\t' read -r sec line; do
		for w in $(echo "$line" | plain | tr ',' ' '); do
			case "$w" in [A-Z][a-zA-Z]*) echo "$sec $w" ;; esac
		done
	done | sort -u >"$tmp/doc_keys"

nk=$(wc -l <"$tmp/code_keys")
if [ "$nk" -lt 20 ]; then
	fail "drift: only $nk keys extracted from src/config/config.c's key table (has its shape changed?)"
else
	missing=$(comm -23 "$tmp/code_keys" "$tmp/doc_keys" | awk '{ printf " [%s] %s", $1, $2 }')
	if [ -z "$missing" ]; then
		pass "drift: every key src/config/config.c accepts is in hotline.conf.5, in its section ($nk)"
	else
		fail "drift: keys src/config/config.c accepts that hotline.conf.5 does not document:$missing"
	fi
	extra=$(comm -13 "$tmp/code_keys" "$tmp/doc_keys" | awk '{ printf " [%s] %s", $1, $2 }')
	if [ -z "$extra" ]; then
		pass "drift: every key hotline.conf.5 documents is accepted by src/config/config.c ($(wc -l <"$tmp/doc_keys"))"
	else
		fail "drift: keys hotline.conf.5 documents that src/config/config.c does not accept:$extra"
	fi
fi

# hotlined.8 leaves the key reference to hotline.conf.5 and points at it.
if grep -q '^\.BR hotline\.conf (5)' man/hotlined.8 && grep -q '^\.BR hotline\.conf (5)' man/hotline.1; then
	pass "hotline.1 and hotlined.8 point at hotline.conf(5)"
else
	fail "hotline.1 or hotlined.8 does not point at hotline.conf(5)"
fi

[ "$fails" -eq 0 ]
