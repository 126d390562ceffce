#!/bin/bash
# install.sh — `make install` into a staging directory (DESTDIR) installs
# exactly the documented tree (README, "Install") with the right modes, the
# installed programs run, the installed example configuration is accepted by
# the installed hotlined, the unit names the installed paths, the bash
# completion completes; `make uninstall` then leaves no file behind.
. "$(dirname "$0")/lib.sh"

# The tree for PREFIX=/usr SYSCONFDIR=/etc: installed path, mode, source
# (a man page is installed when its source exists; "-" always).
EXPECTED='
/usr/bin/hotline                                0755 -
/usr/bin/hotlined                               0755 -
/usr/lib/systemd/system/hotlined.service        0644 systemd/hotlined.service
/usr/share/bash-completion/completions/hotline  0644 completion/hotline.bash
/usr/share/doc/hotline/README.md                0644 README.md
/usr/share/doc/hotline/API.md                   0644 docs/API.md
/usr/share/doc/hotline/PROTOCOL.md              0644 docs/PROTOCOL.md
/usr/share/doc/hotline/SANDBOX.md               0644 docs/SANDBOX.md
/usr/share/doc/hotline/THREAT-MODEL.md          0644 docs/THREAT-MODEL.md
/usr/share/doc/hotline/examples/hotline.conf    0644 examples/hotline.conf
/usr/share/man/man1/hotline.1                   0644 man/hotline.1
/usr/share/man/man5/hotline.conf.5              0644 man/hotline.conf.5
/usr/share/man/man7/hotline-protocol.7          0644 man/hotline-protocol.7
/usr/share/man/man8/hotlined.8                  0644 man/hotlined.8
'
# The notice forms: each file of forms/ (the README lists them too).
for f in "$ROOT"/forms/*; do
	[ -f "$f" ] && EXPECTED+="/usr/share/hotline/forms/$(basename "$f") 0644 forms/$(basename "$f")"$'\n'
done

D="$T/dest"
mk() { make -s --no-print-directory -C "$ROOT" BUILD="$BUILD" "$@" >>"$T/make.log" 2>&1; }

check "make install DESTDIR PREFIX=/usr SYSCONFDIR=/etc" mk install DESTDIR="$D" PREFIX=/usr SYSCONFDIR=/etc

want=$(echo "$EXPECTED" | while read -r path mode src; do
	[ -z "$path" ] && continue
	[ "$src" = - ] || [ -f "$ROOT/$src" ] && echo "$path"
done | sort)
got=$(cd "$D" && find . \( -type f -o -type l \) | sed 's/^\.//' | sort)
if [ "$want" = "$got" ]; then
	pass "installed files are exactly the documented list ($(echo "$got" | wc -l) files)"
else
	fail "installed files differ from the documented list"
	diff <(echo "$want") <(echo "$got") | sed 's/^/    /'
fi

bad=""
while read -r path mode src; do
	[ -z "$path" ] || [ ! -e "$D$path" ] && continue
	m=$(stat -c %a "$D$path")
	[ "0$m" = "$mode" ] || bad+=" $path($m)"
	if [ "$src" != - ] && [ "$src" != systemd/hotlined.service ] && ! cmp -s "$ROOT/$src" "$D$path"; then
		bad+=" $path(content)"
	fi
done <<<"$EXPECTED"
check "modes 0755/0644 and contents as in the tree${bad:+:$bad}" [ -z "$bad" ]

# The README's Install section shows the same tree.
readme=$(sed -n '/^## Install/,/^## /p' "$ROOT/README.md" | grep -o '^/usr/[^ ]*' | sort)
rwant=$(echo "$EXPECTED" | awk 'NF { print $1 }' | sort)
check "README's Install section lists the same tree" [ "$readme" = "$rwant" ]

check "installed hotline --version" bash -c "'$D/usr/bin/hotline' --version | grep -q '^hotline [0-9]'"
check "installed hotlined --version" bash -c "'$D/usr/bin/hotlined' --version | grep -q '^hotlined [0-9]'"
check "unit: ExecStart is the installed hotlined with /etc/hotline/hotline.conf" \
	grep -qx 'ExecStart=/usr/bin/hotlined -c /etc/hotline/hotline.conf' "$D/usr/lib/systemd/system/hotlined.service"
check "unit: Type=notify, User=hotline" bash -c \
	"grep -qx Type=notify '$D/usr/lib/systemd/system/hotlined.service' && grep -qx User=hotline '$D/usr/lib/systemd/system/hotlined.service'"

# The example, with its own paths made local and every optional setting
# switched on: the installed hotlined accepts all of it.
mkdir -m 700 "$T/ex"
"$D/usr/bin/hotline" keygen -o "$T/ex/station.key" || fail "keygen"
head -c 32 /dev/urandom | base64 >"$T/ex/moscow.psk"
chmod 600 "$T/ex/moscow.psk"
sed -e 's/^#\([A-Z]\)/\1/' \
	-e "s|/etc/hotline/|$T/ex/|; s|/var/lib/hotline|$T/ex/state|; s|/run/hotline/|$T/ex/|" \
	-e "s|/usr/share/hotline/|$D/usr/share/hotline/|" \
	-e "s|^User = hotline|User = root|" \
	"$D/usr/share/doc/hotline/examples/hotline.conf" >"$T/ex/hotline.conf"
check "the example shows the optional settings, commented out (switched on here: $(grep -c '^#[A-Z]' "$D/usr/share/doc/hotline/examples/hotline.conf"))" \
	[ "$(grep -c '^#[A-Z]' "$D/usr/share/doc/hotline/examples/hotline.conf")" -ge 15 ]
check "the installed example configuration passes hotlined --check-config" \
	"$D/usr/bin/hotlined" -c "$T/ex/hotline.conf" --check-config

# Completion: commands, then the peers of the configuration.
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hotline; echo "${COMPREPLY[*]}"' \
		_ "$D/usr/share/bash-completion/completions/hotline" "$@"
}
check "completion: subcommands from the installed hotline's table" \
	[ "$(comp "$D/usr/bin/hotline" ke)" = keygen ]
check "completion: peers from [Peer NAME] of -c FILE" \
	[ "$(comp "$D/usr/bin/hotline" -c "$T/ex/hotline.conf" send "")" = moscow ]
check "completion: precedences after -p" \
	[ "$(comp "$D/usr/bin/hotline" send moscow -p i)" = immediate ]

check "make uninstall" mk uninstall DESTDIR="$D" PREFIX=/usr SYSCONFDIR=/etc
left=$(cd "$D" && find . \( -type f -o -type l \))
check "no file left after uninstall${left:+: $left}" [ -z "$left" ]
check "hotline's own directories removed" \
	[ ! -e "$D/usr/share/doc/hotline" -a ! -e "$D/usr/share/hotline" ]

# Another layout: /usr/local, hotlined in sbin; the unit follows.
D2="$T/dest2"
check "make install PREFIX=/usr/local SBINDIR=/usr/local/sbin" \
	mk install DESTDIR="$D2" PREFIX=/usr/local SBINDIR=/usr/local/sbin
check "unit names /usr/local/sbin/hotlined and still /etc/hotline (SYSCONFDIR default)" \
	grep -qx 'ExecStart=/usr/local/sbin/hotlined -c /etc/hotline/hotline.conf' \
	"$D2/usr/local/lib/systemd/system/hotlined.service"
check "hotlined in sbin, hotline in bin" \
	[ -x "$D2/usr/local/sbin/hotlined" -a -x "$D2/usr/local/bin/hotline" -a ! -e "$D2/usr/local/bin/hotlined" ]
check_not "nothing outside PREFIX (no /etc)" [ -e "$D2/etc" ]
mk uninstall DESTDIR="$D2" PREFIX=/usr/local SBINDIR=/usr/local/sbin
left=$(cd "$D2" && find . \( -type f -o -type l \))
check "no file left after uninstall of /usr/local${left:+: $left}" [ -z "$left" ]

[ "$FAILED" -eq 0 ]
