#!/bin/sh
# SPDX-License-Identifier: ISC
# The Debian package, as root on a machine with dpkg: debian/ builds the
# .deb (the test suite not run inside the build), lintian reports no
# error or warning, hardening-check passes on /usr/bin/imapwait; it
# installs with no service enabled or started, the installed imapwait
# wakes on a delivery to the test Dovecot, and remove and purge leave
# nothing behind. A machine where imapwait is installed already is left
# alone.
# repeat: no
# parallel: no
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v dpkg-buildpackage >/dev/null; then
	ok '# skip: needs root and dpkg-buildpackage (tests/deps.sh)'
	done_testing
fi
case $(dpkg-query -W -f='${db:Status-Abbrev}' imapwait 2>/dev/null) in
'' | ?n*) ;;
*)
	ok '# skip: imapwait is installed on this machine; not touching it'
	done_testing
	;;
esac

ver=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
upstream=${ver%-*}
src=$TESTDIR/src/imapwait-$upstream
deb=$TESTDIR/src/imapwait_${ver}_$arch.deb
installed=
# apt-get, not dpkg: it waits for the lock of another install
apt() {
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"
}
trap '[ -z "$installed" ] || apt purge imapwait >/dev/null 2>&1' EXIT

# enabled: every way a service can be set to start at boot
enabled() {
	for _f in /etc/systemd/system/*.wants/* /etc/rc?.d/S*; do
		if [ -e "$_f" ] || [ -L "$_f" ]; then echo "$_f"; fi
	done
}

# --- build ------------------------------------------------------------------

mkdir -p "$src"
(cd "$TOP" && tar -cf - --exclude=./.git --exclude=./tests/tmp \
	--exclude=./debian/imapwait --exclude=./debian/.debhelper .) |
	tar -xf - -C "$src"
(cd "$src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) \
	>"$TESTDIR/build.log" 2>&1 </dev/null
st=$?
check_exit "dpkg-buildpackage -us -uc -b" 0 "$st"
[ "$st" -eq 0 ] || show "$TESTDIR/build.log"
check "it made ${deb##*/}" test -s "$deb"
check_nolog 'the build gave no warning (compiler, dpkg)' "$TESTDIR/build.log" ': warning:'
check_nolog 'the test suite did not run in the build' "$TESTDIR/build.log" 'tests/run'
[ -s "$deb" ] || done_testing

lintian -I "$TESTDIR/src/imapwait_${ver}_$arch.changes" >"$TESTDIR/lintian.log" 2>&1
if grep -qE '^[EW]: ' "$TESTDIR/lintian.log"; then
	not_ok 'lintian: no error or warning'
	show "$TESTDIR/lintian.log"
else
	ok 'lintian: no error or warning'
fi
if hardening-check --nocfprotection "$src/debian/imapwait/usr/bin/imapwait" \
    >"$TESTDIR/hardening.log" 2>&1; then
	ok 'hardening-check: PIE, stack protector, fortify, relro, bindnow'
else
	not_ok 'hardening-check: PIE, stack protector, fortify, relro, bindnow'
	show "$TESTDIR/hardening.log"
fi
dpkg-deb -I "$deb" >"$TESTDIR/info.log"
check_log 'Depends from shlibs (libmbedtls)' "$TESTDIR/info.log" 'libmbedtls'

# --- install ----------------------------------------------------------------

enabled >"$TESTDIR/enabled.before"
installed=1
apt install --no-install-recommends "$deb" >"$TESTDIR/install.log" 2>&1 </dev/null
check_exit 'it installs' 0 $?
for f in /usr/bin/imapwait /usr/bin/imapwait-loop /usr/bin/imapwait-service \
    /usr/share/man/man1/imapwait.1.gz /usr/share/man/man1/imapwait-loop.1.gz \
    /usr/share/man/man5/imapwait.conf.5.gz /usr/share/man/man8/imapwait-service.8.gz \
    /lib/systemd/system/imapwait@.service /usr/lib/systemd/user/imapwait@.service \
    /etc/init.d/imapwait /usr/share/imapwait/account.conf.example \
    /usr/share/imapwait/runit/run /usr/share/doc/imapwait/copyright; do
	check "installs $f" test -e "$f"
done
check 'the units run /usr/bin/imapwait-service' grep -q \
	'^ExecStart=/usr/bin/imapwait-service ' /lib/systemd/system/imapwait@.service
check 'so does the init script' grep -q \
	'^DAEMON=${DAEMON:-/usr/bin/imapwait-service}' /etc/init.d/imapwait
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify --man=no imapwait@test.service imapwait.service \
		>"$TESTDIR/verify.log" 2>&1
	st=$?
	if [ "$st" -eq 0 ] && [ ! -s "$TESTDIR/verify.log" ]; then
		ok 'the installed units pass systemd-analyze verify'
	else
		not_ok 'the installed units pass systemd-analyze verify' "exit $st"
		show "$TESTDIR/verify.log"
	fi
fi
enabled >"$TESTDIR/enabled.after"
if cmp -s "$TESTDIR/enabled.before" "$TESTDIR/enabled.after"; then
	ok 'nothing is enabled to start at boot'
else
	not_ok 'nothing is enabled to start at boot'
	diff "$TESTDIR/enabled.before" "$TESTDIR/enabled.after" | sed 's/^/#   | /'
fi
check 'no loop was started' test ! -e /run/imapwait

# --- the installed imapwait against the test Dovecot -----------------------

v=$(/usr/bin/imapwait -V 2>&1)
check "imapwait -V says $upstream ($v)" test "${v#imapwait "$upstream" }" != "$v"
for p in imapwait-loop imapwait-service; do
	check "/usr/bin/$p -h exits 0" sh -c "/usr/bin/$p -h >/dev/null"
done
IMAPWAIT=/usr/bin/imapwait
empty_mailbox alice
if idle installed -t "$(scaled 30)"; then
	deliver alice INBOX 'to the installed imapwait'
	wait_pid_exit "$IW_PID" "$(scaled 20)"
	check_exit '/usr/bin/imapwait: a delivery wakes it (exit 0)' 0 $?
	check_log 'and it says so' "$IW_LOG" 'new mail (0 -> 1)'
fi

# --- remove and purge -------------------------------------------------------

apt remove imapwait >"$TESTDIR/remove.log" 2>&1 </dev/null
check_exit 'it is removed' 0 $?
check 'the programs are gone' test ! -e /usr/bin/imapwait -a ! -e /usr/bin/imapwait-loop
apt purge imapwait >"$TESTDIR/purge.log" 2>&1 </dev/null
check_exit 'and purged' 0 $?
installed=
check 'purge removes the init script (a conffile)' test ! -e /etc/init.d/imapwait
check 'and the share directory' test ! -e /usr/share/imapwait
check 'dpkg knows nothing of it' sh -c '! dpkg-query -W imapwait >/dev/null 2>&1'
left=$(ls /etc/rc?.d/*imapwait* /etc/systemd/system/*/imapwait* \
	/var/lib/systemd/deb-systemd-helper-enabled/*imapwait* 2>/dev/null | head -n 3)
check "no rc.d or systemd link is left (${left:-none})" test -z "$left"
enabled >"$TESTDIR/enabled.purged"
check 'no boot link is left' cmp -s "$TESTDIR/enabled.before" "$TESTDIR/enabled.purged"

done_testing
