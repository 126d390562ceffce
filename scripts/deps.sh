#!/bin/sh
# deps.sh — make sure hotline's Debian build and test dependencies are installed.
# As root it installs what is missing (and says what); otherwise it prints the
# exact apt-get line to run and fails. Idempotent: does nothing when all is there.
# HOTLINE_NO_DEPS_CHECK=1 skips it: debian/rules sets it, since dpkg-buildpackage
# has checked the package's Build-Depends (a subset: no test tools) already.
set -u
[ "${HOTLINE_NO_DEPS_CHECK:-}" = 1 ] && exit 0
# BUILD: needed to build and run the tests. EXTRA: the fault suite, fuzzing,
# valgrind, the man-page lint, the Debian package (tests/package/deb.sh), the
# console test (tmux) and the clock-step test (faketime: libfaketime);
# each of those tests says SKIP without its tool. As root both are installed;
# otherwise only missing BUILD packages fail (the EXTRA line is printed).
BUILD_PKGS="build-essential pkg-config libsodium-dev libsqlite3-dev libuv1-dev libjansson-dev libinih-dev libcmocka-dev libncurses-dev libseccomp-dev jq"
EXTRA_PKGS="iproute2 nftables clang valgrind mandoc debhelper dpkg-dev fakeroot lintian tmux faketime"
quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1

missing_of() {
	m=""
	for p in "$@"; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
		case "$st" in
		*"install ok installed"*) ;;
		*) m="$m $p" ;;
		esac
	done
	echo "$m"
}
# shellcheck disable=SC2086
missing_build=$(missing_of $BUILD_PKGS)
# shellcheck disable=SC2086
missing_extra=$(missing_of $EXTRA_PKGS)
missing="$missing_build$missing_extra"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	if [ -n "$missing_build" ]; then
		echo "hotline: missing Debian packages:$missing_build" >&2
		echo "run: sudo apt-get install -y$missing" >&2
		exit 1
	fi
	[ "$quiet" -eq 1 ] || echo "hotline: some tests will be skipped without:$missing_extra (sudo apt-get install -y$missing_extra)" >&2
	exit 0
fi
echo "hotline: installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends $missing >&2; then
	apt-get update >&2 && apt-get install -y --no-install-recommends $missing >&2 || exit 1
fi
exit 0
