#!/bin/sh
# deps.sh — make sure hotline's Debian build and test dependencies are installed.
# As root it installs what is missing (and says what); otherwise it prints the
# exact apt-get line to run and fails. Idempotent: does nothing when all is there.
set -u
PKGS="build-essential pkg-config libsodium-dev libsqlite3-dev libuv1-dev libjansson-dev libinih-dev libcmocka-dev libncurses-dev libseccomp-dev jq iproute2 nftables clang valgrind"
quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "hotline: missing Debian packages:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "hotline: installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends $missing >&2; then
	apt-get update >&2 && apt-get install -y --no-install-recommends $missing >&2 || exit 1
fi
exit 0
