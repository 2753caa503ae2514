#!/bin/sh
# The systemd units (scripts/systemd) pass "systemd-analyze verify", the
# system template and the user one, each as an instance, with ExecStart
# pointed at this tree's imapwait-service (verify wants the binary to
# exist); and they keep their promises: exit 100 is never restarted, the
# account file is found where the comments say.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

if ! need systemd-analyze systemd; then
	not_ok 'systemd-analyze is installed' "see $TESTDIR/apt.log"
	done_testing
fi

# verify WHAT UNIT [--user]: the unit as instance imapwait@test, verified
verify() {
	_d=$TESTDIR/${3:-system}
	mkdir -p "$_d"
	sed "s,^ExecStart=/usr/local/bin/imapwait-service ,ExecStart=$TOP/scripts/imapwait-service ," \
		"$2" >"$_d/imapwait@test.service"
	if [ -n "${3:-}" ]; then
		mkdir -p "$TESTDIR/xdg"
		chmod 700 "$TESTDIR/xdg"
		XDG_RUNTIME_DIR=$TESTDIR/xdg systemd-analyze --user verify --man=no \
			"$_d/imapwait@test.service" >"$_d/verify.log" 2>&1
	else
		systemd-analyze verify --man=no "$_d/imapwait@test.service" >"$_d/verify.log" 2>&1
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
verify 'the system unit imapwait@.service' "$system"
verify 'the user unit user/imapwait@.service' "$user" --user

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
check 'the manual they point to exists' test -f "$TOP/imapwait.1"

# a unit with a mistake fails the same check, so the check can fail
sed 's/^NoNewPrivileges=yes/NoNewPrivileges=perhaps/' "$system" >"$TESTDIR/broken@.service"
systemd-analyze verify --man=no "$TESTDIR/broken@.service" >"$TESTDIR/broken.log" 2>&1
if [ -s "$TESTDIR/broken.log" ]; then
	ok 'a broken unit is caught (the check is not blind)'
else
	not_ok 'a broken unit is caught (the check is not blind)'
fi

done_testing
