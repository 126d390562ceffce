#!/bin/sh
# check-layers.sh — the layering rule of src/ (docs/ARCHITECTURE.md), checked
# on what the compiler and linker see: every hl_ symbol an object uses, and
# every header a source file includes, must come from its own folder or
# from a folder that src/LAYERS lets it use; a header NAME_int.h is private
# to its own folder. Prints one line per crossing and exits 1 if any.
#
# usage: check-layers.sh [OBJDIR [SRCDIR [LAYERS]]]
#   OBJDIR  objects, one folder per layer (default build/obj)
#   SRCDIR  sources, the same folders (default src)
#   LAYERS  the rule file (default SRCDIR/LAYERS): "folder: may use..."
set -u
OBJDIR=${1:-build/obj}
SRCDIR=${2:-src}
LAYERS=${3:-$SRCDIR/LAYERS}
NM=${NM:-nm}
[ -f "$LAYERS" ] || { echo "check-layers: no rule file $LAYERS" >&2; exit 2; }
[ -d "$OBJDIR" ] || { echo "check-layers: no objects in $OBJDIR (build first)" >&2; exit 2; }
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# The rule: folder, then the folders it may use. Comments and blank lines
# are skipped.
sed -e 's/#.*//' -e 's/:/ /' "$LAYERS" | awk 'NF' >"$tmp/rule"
folders=$(awk '{print $1}' "$tmp/rule")

# Symbols: "D folder file sym" for definitions, "U folder file sym" for uses.
# One nm over every object (-A names the object on each line): a process per
# object made this check slow on a loaded machine.
objs=""
for f in $folders; do
	for o in "$OBJDIR/$f"/*.o; do
		[ -f "$o" ] || continue
		b=${o##*/}
		# Left over from a file since moved: not part of the tree.
		[ -f "$SRCDIR/$f/${b%.o}.c" ] && objs="$objs $o"
	done
done
: >"$tmp/syms"
if [ -n "$objs" ]; then
	# shellcheck disable=SC2086 # one word per object, no spaces in paths
	{ "$NM" -A --defined-only -g $objs | sed 's/^/D /'; "$NM" -A -u $objs | sed 's/^/U /'; } |
		awk '{
			o = $2; sub(/:.*/, "", o); sym = $NF
			if (sym !~ /^hl_/) next
			n = split(o, p, "/"); b = p[n]; sub(/\.o$/, "", b)
			print $1, p[n - 1], b, sym
		}' >"$tmp/syms"
fi
# An object outside every layer folder belongs to no layer: an error too.
stray=$(find "$OBJDIR" -maxdepth 1 -name '*.o' | head -n 5)
for o in $stray; do
	echo "$o: an object outside every layer folder of $LAYERS"
done
# So is a source the rule cannot see: one in a folder src/LAYERS does not
# name, or at the top of src/. And a layer's source with no object would
# pass unchecked (an old or partial build): the check refuses to pass then.
for s in "$SRCDIR"/*.c "$SRCDIR"/*.h "$SRCDIR"/*/*.c "$SRCDIR"/*/*.h; do
	[ -f "$s" ] || continue
	d=${s%/*}
	if [ "$d" = "$SRCDIR" ]; then
		stray="$stray $s"
		echo "$s: a source outside every layer folder of $LAYERS"
		continue
	fi
	f=${d##*/}
	case " $(echo $folders) " in
	*" $f "*) ;;
	*)
		stray="$stray $s"
		echo "$s: in $f/, a folder $LAYERS does not name"
		continue
		;;
	esac
	case "$s" in
	*.c)
		b=${s##*/}
		if [ ! -f "$OBJDIR/$f/${b%.c}.o" ]; then
			stray="$stray $s"
			echo "$s: no object $OBJDIR/$f/${b%.c}.o (build first)"
		fi
		;;
	esac
done

# Includes: "folder file header-folder header" for each #include "x/y.h";
# a header named without a folder is the including file's own folder's.
srcs=""
for f in $folders; do
	for s in "$SRCDIR/$f"/*.c "$SRCDIR/$f"/*.h; do
		[ -f "$s" ] && srcs="$srcs $s"
	done
done
: >"$tmp/incs"
if [ -n "$srcs" ]; then
	# shellcheck disable=SC2086
	grep -H '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' $srcs |
		awk '{
			f = $0; sub(/:.*/, "", f)
			h = $0; sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
			n = split(f, p, "/"); m = split(h, q, "/")
			print p[n - 1], p[n], (m > 1 ? q[1] : p[n - 1]), h
		}' >"$tmp/incs"
fi

awk -v rulef="$tmp/rule" -v incf="$tmp/incs" '
BEGIN {
	while ((getline l < rulef) > 0) {
		n = split(l, w, " ")
		known[w[1]] = 1
		for (i = 2; i <= n; i++) may[w[1] " " w[i]] = 1
	}
}
$1 == "D" { def[$4] = $2; defin[$4] = $3; next }
$1 == "U" { use[++nu] = $2 " " $3 " " $4 }
END {
	bad = 0
	for (i = 1; i <= nu; i++) {
		split(use[i], u, " ")
		if (!(u[3] in def)) continue # libsodium, libuv...: not ours
		to = def[u[3]]
		if (to == u[1] || may[u[1] " " to]) continue
		printf "%s/%s.o: uses %s (%s/%s): %s may not use %s\n", u[1], u[2], u[3], to, defin[u[3]], u[1], to
		bad = 1
	}
	while ((getline l < incf) > 0) {
		split(l, w, " ")
		if (!(w[3] in known)) {
			printf "%s/%s: includes \"%s\": no such layer folder\n", w[1], w[2], w[4]
			bad = 1
		} else if (w[3] != w[1] && !may[w[1] " " w[3]]) {
			printf "%s/%s: includes \"%s\": %s may not use %s\n", w[1], w[2], w[4], w[1], w[3]
			bad = 1
		} else if (w[3] != w[1] && w[4] ~ /_int\.h$/) {
			printf "%s/%s: includes \"%s\": private to %s\n", w[1], w[2], w[4], w[3]
			bad = 1
		}
	}
	exit bad
}' "$tmp/syms" >"$tmp/out"
rc=$?
[ -n "$stray" ] && rc=1
cat "$tmp/out"
if [ "$rc" -eq 0 ]; then
	echo "check-layers: $(awk '$1 == "U"' "$tmp/syms" | wc -l | tr -d ' ') symbol uses and $(wc -l <"$tmp/incs" | tr -d ' ') includes follow $LAYERS"
fi
exit "$rc"
