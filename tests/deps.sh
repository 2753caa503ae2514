#!/bin/sh
# SPDX-License-Identifier: ISC
# deps.sh [demo]: make sure the Debian packages that make check needs (or,
# with "demo", only those make demo needs) are there. As root, install
# what is missing (one apt-get update, one install); as anyone else,
# print the command to run and fail.
#
# Installing dovecot-imapd would start the system's Dovecot on 143/993 and
# enable it for every boot. The tests and the demo run their own on other
# ports, so the install runs under a policy-rc.d that forbids starting
# services (where none exists yet), and whatever the install enabled for
# boot (systemd wants links, rc.d start links) is disabled again; what was
# enabled before is left as it was.
set -u

case ${1:-} in
demo) pkgs='make gcc libc6-dev libmbedtls-dev dovecot-imapd openssl iproute2' ;;
'') pkgs='make gcc libc6-dev libmbedtls-dev dovecot-imapd openssl valgrind
python3 iproute2 shellcheck mandoc clang libclang-rt-14-dev time
ca-certificates runit daemontools s6 getmail6 dovecot-lmtpd strace
debhelper dpkg-dev fakeroot lintian devscripts'
	# tests/t-m32.sh: 32-bit builds of the unit tests and the fuzz target
	if [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ]; then
		pkgs="$pkgs gcc-multilib lib32stdc++-12-dev"
	fi
	;;
*)
	echo 'usage: tests/deps.sh [demo]' >&2
	exit 100
	;;
esac

missing=
for p in $pkgs; do
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
	case $s in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/deps.sh: missing packages; as root run:" >&2
	echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi

# boot: what is set to start at boot, one line each
boot() {
	for _f in /etc/systemd/system/*.wants/* /etc/rc?.d/S*; do
		if [ -e "$_f" ] || [ -L "$_f" ]; then echo "$_f"; fi
	done
}

policy=/usr/sbin/policy-rc.d
ours=
tmp=$(mktemp -d) || exit 1
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	ours=1
fi
trap '[ -z "$ours" ] || rm -f "$policy"; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
boot | sort >"$tmp/before"

echo "tests/deps.sh: installing$missing" >&2
apt-get -o DPkg::Lock::Timeout=600 update -q || exit 1
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
	install -y -q --no-install-recommends $missing || exit 1

# disable for boot what the install enabled: the systemd units by their
# wants links (as "systemctl disable" would, which needs no running
# systemd), the init scripts with update-rc.d
boot | sort >"$tmp/after"
comm -13 "$tmp/before" "$tmp/after" | sed -n 's,^/etc/systemd/system/.*/,unit ,p
	s,^/etc/rc.\.d/S[0-9]*,init ,p' | sort -u >"$tmp/new"
while read -r kind name; do
	echo "tests/deps.sh: not starting $name at boot (as before the install)" >&2
	case $kind in
	unit)
		deb-systemd-helper disable "$name" >/dev/null 2>&1
		rm -f /etc/systemd/system/*.wants/"$name"
		;;
	init) update-rc.d "$name" disable >/dev/null 2>&1 || rm -f /etc/rc?.d/S??"$name" ;;
	esac
done <"$tmp/new"
exit 0
