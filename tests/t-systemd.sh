#!/bin/sh
# SPDX-License-Identifier: ISC
# The systemd units (scripts/systemd) pass "systemd-analyze verify", the
# system template and the user one, each as an instance, with ExecStart
# pointed at this tree's imapwait-service (verify wants the binary to
# exist), and so does imapwait.service that they are part of; they keep
# their promises: exit 100 is never restarted, the account file is found
# where the comments say, the system unit's state directory holds the
# account example's state path. As make install puts them under another
# PREFIX, they name the programs there and still pass.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

if ! need systemd-analyze systemd; then
	not_ok 'systemd-analyze is installed' "see $TESTDIR/apt.log"
	done_testing
fi

# verify WHAT UNIT [--user|--as-is]: the unit, a template as instance
# imapwait@test, verified
nverify=0
verify() {
	nverify=$((nverify + 1))
	_d=$TESTDIR/verify$nverify
	_n=${2##*/}
	_n=${_n%@.service}
	[ "$_n" = "${2##*/}" ] || _n=$_n@test.service
	mkdir -p "$_d"
	if [ "${3:-}" = --as-is ]; then
		cp "$2" "$_d/$_n"
	else
		sed "s,^ExecStart=/usr/local/bin/imapwait-service ,ExecStart=$TOP/scripts/imapwait-service ," \
			"$2" >"$_d/$_n"
	fi
	if [ "${3:-}" = --user ]; then
		mkdir -p "$TESTDIR/xdg"
		chmod 700 "$TESTDIR/xdg"
		XDG_RUNTIME_DIR=$TESTDIR/xdg systemd-analyze --user verify --man=no \
			"$_d/$_n" >"$_d/verify.log" 2>&1
	else
		systemd-analyze verify --man=no "$_d/$_n" >"$_d/verify.log" 2>&1
	fi
	_st=$?
	# it warns (and goes on) about keys it does not understand: none allowed
	if [ "$_st" -eq 0 ] && [ ! -s "$_d/verify.log" ]; then
		ok "$1 passes systemd-analyze verify"
	else
		not_ok "$1 passes systemd-analyze verify" "exit $_st"
		show "$_d/verify.log"
	fi
}

system=$TOP/scripts/systemd/imapwait@.service
user=$TOP/scripts/systemd/user/imapwait@.service
parent=$TOP/scripts/systemd/imapwait.service
verify 'the system unit imapwait@.service' "$system"
verify 'the user unit user/imapwait@.service' "$user" --user
verify 'the all-accounts unit imapwait.service' "$parent"
check 'the system unit is part of imapwait.service' grep -qx 'PartOf=imapwait.service' "$system"

for u in "$system" "$user"; do
	name=${u#"$TOP"/}
	check "$name: exit 100 is not restarted" grep -qx 'RestartPreventExitStatus=100' "$u"
	check "$name: restarts after a delay" grep -qE '^RestartSec=[1-9]' "$u"
	check "$name: runs imapwait-service where make install puts it" \
		grep -q '^ExecStart=/usr/local/bin/imapwait-service ' "$u"
	check "$name: NoNewPrivileges" grep -qx 'NoNewPrivileges=yes' "$u"
done
check 'system unit: the account file is /etc/imapwait/%i.conf' \
	grep -q '^ExecStart=.* /etc/imapwait/%i.conf$' "$system"
check 'user unit: the account file is ~/.config/imapwait/%i.conf (%E)' \
	grep -q '^ExecStart=.* %E/imapwait/%i.conf$' "$user"
check 'system unit: ProtectSystem=full' grep -qx 'ProtectSystem=full' "$system"
check 'system unit: PrivateTmp' grep -qx 'PrivateTmp=yes' "$system"
check 'the manuals they point to exist' \
	test -f "$TOP/scripts/imapwait-service.8" -a -f "$TOP/scripts/imapwait.conf.5"

# /var/lib/imapwait for the system unit, root's: imapwait-service makes
# each RUNAS user's directory in it (CAP_CHOWN), where the account
# example keeps state; no other user can make that directory first
check 'system unit: StateDirectory=imapwait' grep -qx 'StateDirectory=imapwait' "$system"
check 'system unit: writable by root alone (0755)' \
	grep -qx 'StateDirectoryMode=0755' "$system"
check 'system unit: may give a RUNAS user its directory (CAP_CHOWN)' \
	grep -q '^CapabilityBoundingSet=.*CAP_CHOWN' "$system"
st=$(sed -n 's/^#*STATE=//p' "$TOP/scripts/account.conf.example")
case $st in
/var/lib/imapwait/?*/?*) ok "the account example's STATE ($st) is in a directory of its own there" ;;
*) not_ok "the account example's STATE ($st) is in a directory of its own there" ;;
esac

# installed elsewhere, the units name the programs there (no DESTDIR, so
# that verify finds them), and still pass
prefix=$TESTDIR/prefix
if make -s -C "$TOP" -o imapwait install PREFIX="$prefix" >"$TESTDIR/install.log" 2>&1; then
	ok "make install PREFIX=$prefix"
else
	not_ok "make install PREFIX=$prefix"
	show "$TESTDIR/install.log"
fi
isystem=$prefix/lib/systemd/system/imapwait@.service
iuser=$prefix/share/systemd/user/imapwait@.service
check 'installed system unit: ExecStart is in BINDIR' \
	grep -q "^ExecStart=$prefix/bin/imapwait-service /etc/imapwait/%i.conf\$" "$isystem"
check 'installed user unit: ExecStart is in BINDIR' \
	grep -q "^ExecStart=$prefix/bin/imapwait-service %E/imapwait/%i.conf\$" "$iuser"
verify 'the installed system unit' "$isystem" --as-is
verify 'the installed user unit' "$iuser" --user
verify 'the installed imapwait.service' "$prefix/lib/systemd/system/imapwait.service" --as-is
check 'the installed init script runs imapwait-service from BINDIR' \
	grep -q "^DAEMON=\${DAEMON:-$prefix/bin/imapwait-service}\$" "$prefix/share/imapwait/init.d/imapwait"

# a unit with a mistake fails the same check, so the check can fail
sed 's/^NoNewPrivileges=yes/NoNewPrivileges=perhaps/' "$system" >"$TESTDIR/broken@.service"
systemd-analyze verify --man=no "$TESTDIR/broken@.service" >"$TESTDIR/broken.log" 2>&1
if [ -s "$TESTDIR/broken.log" ]; then
	ok 'a broken unit is caught (the check is not blind)'
else
	not_ok 'a broken unit is caught (the check is not blind)'
fi

done_testing
