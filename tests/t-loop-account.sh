#!/bin/sh
# SPDX-License-Identifier: ISC
# imapwait-service's account file: LOGIN= names the login; USER= is still
# read, with a warning that it is going away; a key it does not know (a
# typo such as PASFILE=) is a warning that names it; HOOK_TIMEOUT= is
# the loop's -T. And -h (or --help) of imapwait-loop and imapwait-service
# prints the usage and where the manual is, on stdout, exit 0. A stand-in
# for imapwait: no server needed.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

# service NAME CODES: imapwait-service on $FAKE/account.conf (written
# before by the caller), the stand-in exiting with CODES
service() {
	FAKE=$TESTDIR/$1
	export FAKE
	# shellcheck disable=SC2086
	printf '%s\n' $2 >"$FAKE/codes"
	(cd "$FAKE" && IMAPWAIT=$fake_imapwait USER=tester \
		sh "$TOP/scripts/imapwait-service" account.conf \
		>"$FAKE/out" 2>"$FAKE/log" </dev/null)
}

# conf NAME LINES...: $TESTDIR/NAME/account.conf
conf() {
	mkdir -p "$TESTDIR/$1"
	_d=$TESTDIR/$1
	shift
	printf '%s\n' 'HOST=mail.example.org' "STATE=$_d/state" "$@" >"$_d/account.conf"
}

conf login 'LOGIN=carol' "HOOK='echo \"hook ran as \$USER\"'"
service login '0 100'
check_exit 'LOGIN=: the loop ends with 100' 100 $?
check 'LOGIN= is the login (-u)' grep -q '^\[-u\]\[carol\]' "$FAKE/args"
check_log 'the hook keeps the Unix USER' "$FAKE/out" 'hook ran as tester'
check 'no warning' test "$(grep -c 'imapwait-service' "$FAKE/log")" -eq 0

conf user 'USER=carol' 'HOOK=true'
service user '100'
check 'USER=: still the login (-u)' grep -q '^\[-u\]\[carol\]' "$FAKE/args"
check_log 'with a warning that it is going away' "$FAKE/log" \
	'imapwait-service: ./account.conf: USER= is going away: name the login LOGIN=carol'

conf both 'LOGIN=carol' 'USER=dave' 'HOOK=true'
service both '100'
check 'LOGIN= and USER=: LOGIN wins' grep -q '^\[-u\]\[carol\]' "$FAKE/args"
check_log 'and USER= is said to be ignored' "$FAKE/log" 'USER= ignored, LOGIN= names the login'

conf typo 'LOGIN=carol' 'PASFILE=/etc/imapwait/carol.pass' 'HOOK=true' 'lower=fine' 'Mailbox=x'
service typo '100'
check_log 'an unknown key is a warning that names it' "$FAKE/log" \
	'imapwait-service: ./account.conf: unknown key PASFILE, ignored'
check_log 'a key in the wrong case too' "$FAKE/log" \
	'imapwait-service: ./account.conf: unknown key Mailbox, ignored'
check 'two warnings: a lower-case helper variable is not a key' \
	test "$(grep -c 'unknown key' "$FAKE/log")" -eq 2
check 'the account still runs' test "$(cat "$FAKE/n")" -eq 1

sl=$(marker account)
conf timeout 'LOGIN=carol' "HOOK='$sl 301'" 'HOOK_TIMEOUT=1'
service timeout '0 100'
check_log 'HOOK_TIMEOUT=1: the hook is ended after 1 s' "$FAKE/log" 'the hook still runs after 1 s (-T): ending it'
check 'and nothing of it is left' test -z "$(left account)"
kill_marked account

# help H COMMAND...: prints the usage and the manual on stdout, exit 0
help() {
	"$@" >"$TESTDIR/help.out" 2>"$TESTDIR/help.err"
	_st=$?
	if [ "$_st" -eq 0 ] && grep -q "^usage: $1" "$TESTDIR/help.out" &&
	    grep -q "man $1" "$TESTDIR/help.out" && [ ! -s "$TESTDIR/help.err" ]; then
		ok "$*: the usage and the manual on stdout, exit 0"
	else
		not_ok "$*: the usage and the manual on stdout, exit 0" "exit $_st"
		show "$TESTDIR/help.out"
		show "$TESTDIR/help.err"
	fi
}
PATH=$TOP/scripts:$PATH
help imapwait-loop -h
help imapwait-loop --help
help imapwait-service -h
help imapwait-service --help

done_testing
