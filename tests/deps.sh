#!/bin/sh
# deps.sh: make sure the Debian packages that make check needs are there.
# As root, install what is missing (one apt-get update, one install); as
# anyone else, print the command to run and fail.
#
# Installing dovecot-imapd may start the system's Dovecot on 143/993. The
# tests run their own on other ports, so where no policy-rc.d exists one
# that forbids starting services is put in place for the install only; a
# service that starts anyway is left alone.
set -u

pkgs='make gcc libc6-dev libmbedtls-dev dovecot-imapd openssl valgrind
python3 iproute2 shellcheck mandoc clang libclang-rt-14-dev time
ca-certificates runit daemontools s6 getmail6 dovecot-lmtpd'

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
	echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y$missing" >&2
	exit 1
fi

policy=/usr/sbin/policy-rc.d
ours=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	ours=1
	trap 'rm -f "$policy"' EXIT
	trap 'exit 130' INT TERM
fi

echo "tests/deps.sh: installing$missing" >&2
apt-get update -q -o DPkg::Lock::Timeout=600 || exit 1
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends $missing || exit 1

if [ -n "$ours" ]; then
	rm -f "$policy"
	trap - EXIT
fi
exit 0
