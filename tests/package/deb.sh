#!/bin/bash
# deb.sh — the Debian package end to end, on this machine: built with
# dpkg-buildpackage in a copy of the tree (the working tree is not touched),
# lintian without errors, installed with dpkg -i (programs, account,
# directories and modes, the unit present and not enabled), the station run
# as the unit runs it (as hotline, READY=1, operators through group
# hotline), then removed and purged: the package's files and empty
# directories go, a station's record stays. Leaves the machine as it found
# it. Needs root and dpkg-buildpackage; else SKIP. KEEP=1 keeps the work
# directory.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FAILED=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }
check() { # description, command...
	local d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}
check_not() { # description, command...: passes when the command fails
	local d=$1
	shift
	if "$@"; then fail "$d"; else pass "$d"; fi
}
skip() { echo "SKIP: deb ($*)"; exit 0; }

[ "$(id -u)" -eq 0 ] || skip "not root: dpkg -i needs root"
command -v dpkg-buildpackage >/dev/null || skip "dpkg-buildpackage not installed (apt-get install dpkg-dev)"
command -v dh >/dev/null || skip "debhelper not installed"
# Never touch a real station.
st=$(dpkg-query -W -f='${Status}' hotline 2>/dev/null)
case "$st" in *installed* | *config-files* | *unpacked*) skip "a hotline package is already installed here ($st)" ;; esac
for d in /etc/hotline /var/lib/hotline /run/hotline; do
	[ -e "$d" ] && skip "$d exists: a station may live here"
done
user_existed=0
group_existed=0
getent passwd hotline >/dev/null && user_existed=1
getent group hotline >/dev/null && group_existed=1

W=$(mktemp -d /tmp/hotline-deb.XXXXXX)
DPID=""
LPID=""
cleanup() {
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null
	wait 2>/dev/null
	case "$(dpkg-query -W -f='${Status}' hotline 2>/dev/null)" in
	*installed* | *config-files* | *unpacked* | *half*) dpkg --purge hotline >/dev/null 2>&1 ;;
	esac
	rm -rf /etc/hotline /var/lib/hotline /run/hotline
	if [ "$user_existed" -eq 0 ] && getent passwd hotline >/dev/null; then userdel hotline; fi
	if [ "$group_existed" -eq 0 ] && getent group hotline >/dev/null; then groupdel hotline; fi
	if [ "$FAILED" -ne 0 ] && [ -f "$W/build.log" ]; then
		echo "--- $W/build.log (last 25 lines)"
		tail -n 25 "$W/build.log"
	fi
	[ -z "${KEEP:-}" ] && rm -rf "$W"
}
trap cleanup EXIT

# ---- build in a copy: the files git knows (tracked, and new ones not
# ignored), so no build output of the working tree comes along ----
mkdir "$W/src"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
		(cd "$ROOT" && while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
		tar -C "$ROOT" --null -T - -cf - | tar -C "$W/src" -xf -
else
	tar -C "$ROOT" --exclude=./build --exclude=./.git --exclude=./debian/build -cf - . | tar -C "$W/src" -xf -
fi
check "tree copied to $W/src" [ -f "$W/src/debian/control" -a -f "$W/src/Makefile" ]
: >"$W/start-stamp"

(cd "$W/src" && dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1
check "dpkg-buildpackage -us -uc -b" [ $? -eq 0 ]
arch=$(dpkg --print-architecture)
deb=$(ls "$W"/hotline_*_"$arch".deb 2>/dev/null | head -n 1)
check "built hotline_VERSION_$arch.deb" [ -n "$deb" ]
[ -n "$deb" ] || exit 1
# (Others may be editing the tree meanwhile: look for the build's own output.)
untouched() {
	local f
	for f in debian/build debian/hotline debian/.debhelper debian/files debian/debhelper-build-stamp; do
		[ -e "$ROOT/$f" ] && [ "$ROOT/$f" -nt "$W/start-stamp" ] && return 1
	done
	[ -z "$(find "$ROOT/.." -maxdepth 1 -name 'hotline_*' -newer "$W/start-stamp" 2>/dev/null)" ]
}
check "the working tree got no build output (debian/build, ../hotline_*.deb ...)" untouched

if command -v lintian >/dev/null; then
	lintian --pedantic -I "$W"/hotline_*_"$arch".changes >"$W/lintian.log" 2>&1
	sed -n '/^[EWIPNX]: /p' "$W/lintian.log" | sed 's/^/    lintian /'
	n=$(grep -c '^E: ' "$W/lintian.log")
	check "lintian: no errors (E: $n, W: $(grep -c '^W: ' "$W/lintian.log"))" [ "$n" -eq 0 ]
else
	echo "SKIP: lintian (not installed)"
fi

# ---- install ----
dpkg -i "$deb" >"$W/install.log" 2>&1
check "dpkg -i $(basename "$deb")" [ $? -eq 0 ]
version=$(dpkg-query -W -f='${Version}' hotline)
check "/usr/bin/hotline --version is the package's ($version)" \
	[ "$(/usr/bin/hotline --version)" = "hotline ${version%%-*}" ]
check "/usr/bin/hotlined --version" [ "$(/usr/bin/hotlined --version)" = "hotlined ${version%%-*}" ]
pk=$(/usr/bin/hotline keygen | /usr/bin/hotline pubkey)
check "hotline keygen | hotline pubkey: an 88-character key" [ "${#pk}" -eq 88 ]

IFS=: read -r _ _ uid gid _ home shell <<<"$(getent passwd hotline)"
check "account hotline: a system account (uid $uid < 1000)" [ "${uid:-1000}" -lt 1000 ]
check "account hotline: primary group hotline" [ "$(getent group "$gid" | cut -d: -f1)" = hotline ]
check "account hotline: home /var/lib/hotline, no login shell ($shell)" \
	[ "$home" = /var/lib/hotline -a "${shell##*/}" = nologin ]
check "/etc/hotline root:hotline 0750" [ "$(stat -c '%U:%G %a' /etc/hotline)" = "root:hotline 750" ]
check "/var/lib/hotline hotline:hotline 0700" [ "$(stat -c '%U:%G %a' /var/lib/hotline)" = "hotline:hotline 700" ]
check "nothing installed into /etc/hotline (no live configuration)" [ -z "$(ls -A /etc/hotline)" ]
unit=/lib/systemd/system/hotlined.service
check "unit $unit installed" [ -f "$unit" ]
check "unit names /usr/bin/hotlined -c /etc/hotline/hotline.conf" \
	grep -qx 'ExecStart=/usr/bin/hotlined -c /etc/hotline/hotline.conf' "$unit"
check_not_enabled() {
	! ls /etc/systemd/system/*.wants/hotlined.service >/dev/null 2>&1 &&
		[ "$(systemctl is-enabled hotlined.service 2>/dev/null)" = disabled ]
}
check "unit not enabled (no .wants link; systemctl is-enabled: disabled)" check_not_enabled
installed_running() { # a hotlined from the package (not a test's) running
	local p
	for p in $(pidof hotlined); do
		[ "$(readlink "/proc/$p/exe")" = /usr/bin/hotlined ] && return 0
	done
	return 1
}
check_not "hotlined not started by the installation" installed_running
for f in /usr/share/man/man1/hotline.1.gz /usr/share/man/man8/hotlined.8.gz \
	/usr/share/doc/hotline/examples/hotline.conf /usr/share/doc/hotline/copyright \
	/usr/share/bash-completion/completions/hotline; do
	check "installed $f" [ -f "$f" ]
done
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify "$unit" >"$W/verify.log" 2>&1
	check "systemd-analyze verify $unit$(sed 's/^/; /' "$W/verify.log" | tr -d '\n')" [ $? -eq 0 ]
	score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	check "systemd-analyze security: exposure ${score:-?} (at most 2.0)" \
		awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.0) }'
fi

# ---- run the station as the unit does: as hotline from the start, the
# store in /var/lib/hotline, the socket in /run/hotline (0750), READY=1 on
# the notify socket; operators reach it through group hotline ----
port=0
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-60999)
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
sed "s|^Listen = .*|Listen = 127.0.0.1:$port|" /usr/share/doc/hotline/examples/hotline.conf \
	>/etc/hotline/hotline.conf
chown root:hotline /etc/hotline/hotline.conf
chmod 0640 /etc/hotline/hotline.conf
/usr/bin/hotline keygen -o /etc/hotline/station.key && chown hotline:hotline /etc/hotline/station.key
check "the example configuration, with a key, passes --check-config" \
	/usr/bin/hotlined -c /etc/hotline/hotline.conf --check-config
install -d -m 0750 -o hotline -g hotline /run/hotline # RuntimeDirectory=
hgid=$(getent group hotline | cut -d: -f3)
if command -v python3 >/dev/null && command -v setpriv >/dev/null; then
	addr="@hotline-deb-$$-$RANDOM" # abstract: no file permission for the account to pass
	python3 "$ROOT/tests/tools/notify_listener.py" "$addr" "$W/notify.out" \
		/run/hotline/hotline.sock "$W/daemon.log" &
	LPID=$!
	for _ in $(seq 100); do grep -q '^bound$' "$W/notify.out" 2>/dev/null && break; sleep 0.1; done
	: >"$W/daemon.log"
	(cd / && exec setpriv --reuid=hotline --regid=hotline --init-groups --no-new-privs \
		env -i PATH=/usr/bin:/bin NOTIFY_SOCKET="$addr" JOURNAL_STREAM=1:1 \
		/usr/bin/hotlined -c /etc/hotline/hotline.conf) >>"$W/daemon.log" 2>&1 &
	DPID=$!
	for _ in $(seq 200); do grep -q '^API ' "$W/notify.out" 2>/dev/null && break; sleep 0.1; done
	check "started as hotline: READY=1, and the API answers at that moment" grep -qx 'API ok' "$W/notify.out"
	check "started as hotline: the seccomp filter is on at READY=1" grep -qx 'SANDBOX on' "$W/notify.out"
	check "started as hotline: runs as hotline (uid $uid)" \
		[ "$(ps -o uid= -p "$DPID" | tr -d ' ')" = "$uid" ]
	check "the API socket: hotline:hotline 0660 in /run/hotline" \
		[ "$(stat -c '%U:%G %a' /run/hotline/hotline.sock)" = "hotline:hotline 660" ]
	check "the store: /var/lib/hotline/hotline.db, hotline's" \
		[ "$(stat -c %U /var/lib/hotline/hotline.db 2>/dev/null)" = hotline ]
	as_nobody() { # GROUP: hotline status as nobody with only that group
		setpriv --reuid=nobody --regid="$1" --clear-groups /usr/bin/hotline status >/dev/null 2>&1
	}
	check "an operator in group hotline: hotline status (default configuration path)" as_nobody "$hgid"
	check_not "a user outside group hotline cannot reach the station" as_nobody nogroup
	kill -TERM "$DPID"
	wait "$DPID"
	rc=$?
	DPID=""
	check "SIGTERM: exit 0 (got $rc)" [ "$rc" -eq 0 ]
	for _ in $(seq 50); do grep -q '^MSG "STOPPING=1' "$W/notify.out" && break; sleep 0.1; done
	check "SIGTERM: STOPPING=1 sent" grep -q '^MSG "STOPPING=1' "$W/notify.out"
	kill "$LPID" 2>/dev/null
	wait "$LPID" 2>/dev/null
	LPID=""
	[ "$FAILED" -ne 0 ] && sed 's/^/    daemon: /' "$W/daemon.log" | tail -n 20
else
	echo "SKIP: running the installed station (python3 or setpriv missing)"
fi

# ---- remove, then purge ----
rm -f /etc/hotline/hotline.conf /etc/hotline/station.key
rm -rf /run/hotline
dpkg -r hotline >>"$W/install.log" 2>&1
check "dpkg -r hotline" [ $? -eq 0 ]
check "removed: programs and unit gone" [ ! -e /usr/bin/hotline -a ! -e /usr/bin/hotlined -a ! -e "$unit" ]
check "removed: the account stays" [ -n "$(getent passwd hotline)" ]
dpkg --purge hotline >>"$W/install.log" 2>"$W/purge.err"
check "dpkg --purge hotline" [ $? -eq 0 ]
check "purged: /etc/hotline (empty) gone" [ ! -e /etc/hotline ]
if [ -e /var/lib/hotline/hotline.db ]; then
	check "purged: the station's record in /var/lib/hotline is kept" [ -f /var/lib/hotline/hotline.db ]
	check "purged: and said so" grep -q "/var/lib/hotline is not empty: kept" "$W/purge.err"
	rm -rf /var/lib/hotline
fi
check "purged: dpkg knows no hotline" [ -z "$(dpkg-query -W -f='${Status}' hotline 2>/dev/null)" ]
check "purged: no file of the package left" \
	[ ! -e /usr/share/doc/hotline -a ! -e /usr/share/man/man8/hotlined.8.gz -a ! -e /usr/share/bash-completion/completions/hotline ]

[ "$FAILED" -eq 0 ]
