#!/bin/bash
# layers.sh — the layering rule (src/LAYERS, docs/ARCHITECTURE.md) holds on
# the tree, and scripts/check-layers.sh catches what would break it: an
# upward call, an upward include, a private header used from outside its
# folder. The planted files live in a copy of src/ and of the objects.
. "$(dirname "$0")/lib.sh"
CHECK="$ROOT/scripts/check-layers.sh"
OBJ="$BUILD_DIR/obj"
[ -d "$OBJ/line" ] || { fail "no objects in $OBJ (build first)"; exit 1; }

out=$(sh "$CHECK" "$OBJ" "$ROOT/src" 2>&1)
rc=$?
check "the tree follows src/LAYERS ($(tail -n 1 <<<"$out"))" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/    /' <<<"$out" | head -n 20

cp -R "$ROOT/src" "$T/src"
cp -R "$OBJ" "$T/obj"
CF="-std=c11 -D_GNU_SOURCE -I$T/src $(pkg-config --cflags libsodium sqlite3 libuv jansson)"

# The check on the copy must fail (exit 1) and say what matches pattern.
refused() {
	local what=$1 pattern=$2 out rc
	out=$(sh "$CHECK" "$T/obj" "$T/src" 2>&1)
	rc=$?
	check "$what fails the check (exit $rc)" [ "$rc" -eq 1 ]
	check "... saying so" grep -q -- "$pattern" <<<"$out"
}

# util calling up into the API, through the API's own header.
cat >"$T/src/util/planted.c" <<'C'
#include "api/api.h"
void hl_planted(void);
void hl_planted(void) { hl_api_stop(0); }
C
cc $CF -c -o "$T/obj/util/planted.o" "$T/src/util/planted.c" || fail "compile the planted call"
out=$(sh "$CHECK" "$T/obj" "$T/src" 2>&1)
rc=$?
check "an upward call fails the check (exit $rc)" [ "$rc" -eq 1 ]
check "... naming the object, the symbol and the rule" \
	grep -q 'util/planted.o: uses hl_api_stop (api/api): util may not use api' <<<"$out"
check "... and the upward include" grep -q 'util/planted.c: includes "api/api.h": util may not use api' <<<"$out"
rm -f "$T/src/util/planted.c" "$T/obj/util/planted.o"

# A call with no include: the symbol check alone catches it.
cat >"$T/src/line/planted.c" <<'C'
struct hl_line;
void hl_blob_pump(struct hl_line *l);
void hl_planted(struct hl_line *l);
void hl_planted(struct hl_line *l) { hl_blob_pump(l); }
C
cc $CF -c -o "$T/obj/line/planted.o" "$T/src/line/planted.c" || fail "compile the planted call"
out=$(sh "$CHECK" "$T/obj" "$T/src" 2>&1)
check "the line calling a feature by name fails the check" \
	grep -q 'line/planted.o: uses hl_blob_pump (station/blob_line): line may not use station' <<<"$out"
rm -f "$T/src/line/planted.c" "$T/obj/line/planted.o"

# A header private to the line, included by a feature.
echo '#include "line/session_int.h"' >"$T/src/station/planted.h"
refused "a private header used outside its folder" 'station/planted.h: includes "line/session_int.h": private to line'
rm -f "$T/src/station/planted.h"

# An object outside every layer folder.
cp "$T/obj/util/buf.o" "$T/obj/stray.o"
refused "an object outside the layer folders" 'stray.o: an object outside every layer folder'
rm -f "$T/obj/stray.o"
# Sources the rule cannot see: a folder src/LAYERS does not name, a file at
# the top of src/, and a layer's source that was never built.
mkdir -p "$T/src/extra"
echo 'int hl_extra(void);' >"$T/src/extra/extra.c"
refused "a folder the rule does not name" 'extra/extra.c: in extra/, a folder .* does not name'
rm -rf "$T/src/extra"
echo 'int hl_top(void);' >"$T/src/top.c"
refused "a source at the top of src/" 'src/top.c: a source outside every layer folder'
rm -f "$T/src/top.c"
mv "$T/obj/line/path.o" "$T/path.o.kept"
refused "a layer source without its object (a partial build)" 'line/path.c: no object'
mv "$T/path.o.kept" "$T/obj/line/path.o"
out=$(sh "$CHECK" "$T/obj" "$T/src" 2>&1)
check "with the plants removed the copy passes again" [ $? -eq 0 ]
exit $FAILED
