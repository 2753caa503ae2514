#!/bin/sh
# SPDX-License-Identifier: ISC
# Secrets in memory: once logged in, the password is nowhere in
# imapwait's writable memory, also when the server greeted with PREAUTH
# and no login was needed; and imapwait cannot dump core (it makes itself
# non-dumpable before reading a secret: its /proc files (not the directory) then belong to
# root even when it runs as another user).
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

# run NAME SCENARIO: a fresh fake server and record
run() {
	FAULT_NAME=$1
	FAKE_REC=$TESTDIR/$1.rec
	rm -f "$FAKE_REC"
	fake "$2"
}

# not_in_memory WHAT: the password is not in the idling process's memory
not_in_memory() {
	python3 "$TOP/tests/memgrep.py" "$IW_PID" "$FAULT_PASS"
	case $? in
	1) ok "$1: the password is not in imapwait's memory while idling" ;;
	0) not_ok "$1: the password is not in imapwait's memory while idling" "found" ;;
	*) not_ok "$1: the password is not in imapwait's memory while idling" "memory not readable" ;;
	esac
}

run login normal
fake_iw
if wait_idling; then
	record_has 'login: the password was sent' '^[^#]+ AUTHENTICATE PLAIN'
	not_in_memory login
fi
iw_stop

run preauth preauth-idle
fake_iw
if wait_idling; then
	no_credentials
	not_in_memory PREAUTH
fi
iw_stop

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	run dumpable normal
	cp "$FAULT_PASS" "$TESTDIR/nobody.pass"
	chown 65534 "$TESTDIR/nobody.pass"
	IW_PREFIX='setpriv --reuid=65534 --regid=65534 --clear-groups'
	IW_T0=$(now_ms)
	IW_TIMEPID=
	iw_start dumpable -C "$CERTS/ca.pem" -p "$FAKE_PORT" -P "$TESTDIR/nobody.pass"
	IW_PREFIX=
	if wait_idling; then
		# setpriv execs imapwait: the pid is imapwait's
		owner=$(stat -c %u "/proc/$IW_PID/status" 2>/dev/null)
		check_exit 'running as uid 65534, its /proc files are root'"'"'s: not dumpable' 0 "$owner"
	fi
	iw_stop
else
	diag 'skip: the dumpable check needs root and setpriv'
fi
done_testing
