#!/bin/sh
# SPDX-License-Identifier: ISC
# The -v trace shows the protocol but never a password: the C: lines of
# LOGIN and AUTHENTICATE carry "<redacted>" instead, and neither the
# password nor its base64 form appears anywhere.
. "$(dirname "$0")/lib.sh"

# no_secret NAME PASSWORD USER: the run's log holds no trace of it
no_secret() {
	_pw=$2
	_b64=$(printf '\000%s\000%s' "$3" "$_pw" | base64 -w 0)
	check_nolog "$1: the password is not in the trace" "$IW_LOG" "$_pw"
	check_nolog "$1: nor its AUTHENTICATE PLAIN form" "$IW_LOG" "$_b64"
	check_nolog "$1: nor its LOGIN form" "$IW_LOG" \
		"$(printf '%s' "$_pw" | sed 's/[\\"]/\\&/g')"
}

alicepw=$(cat "$DOVECOT/alice.pass")
bobpw=$(cat "$DOVECOT/bob.pass")

iw_run alice-plain -v -t 1
check_exit 'alice, -v: exit 2 at -t 1' 2 "$IW_STATUS"
check 'the trace shows "C: ... AUTHENTICATE PLAIN <redacted>"' \
	grep -qE ': C: [^ ]+ AUTHENTICATE PLAIN <redacted>$' "$IW_LOG"
check 'and the server'"'"'s side ("S: ...")' grep -q ': S: ' "$IW_LOG"
no_secret 'alice, PLAIN' "$alicepw" alice

iw_run alice-login -v -t 1 -a login
check_exit 'alice, -v -a login: exit 2 at -t 1' 2 "$IW_STATUS"
check 'the trace shows "C: ... LOGIN ... <redacted>"' \
	grep -qE ': C: [^ ]+ LOGIN .*<redacted>' "$IW_LOG"
no_secret 'alice, LOGIN' "$alicepw" alice

iw_run bob-plain -v -t 1 -u bob -P "$DOVECOT/bob.pass"
check_exit 'bob, -v: exit 2 at -t 1' 2 "$IW_STATUS"
no_secret 'bob, PLAIN' "$bobpw" bob
check_nolog 'bob, PLAIN: no part of his password' "$IW_LOG" 'wörd'

iw_run bob-login -v -t 1 -u bob -P "$DOVECOT/bob.pass" -a login
check_exit 'bob, -v -a login: exit 2 at -t 1' 2 "$IW_STATUS"
check 'the trace shows "C: ... LOGIN ... <redacted>"' \
	grep -qE ': C: [^ ]+ LOGIN .*<redacted>' "$IW_LOG"
no_secret 'bob, LOGIN' "$bobpw" bob
check_nolog 'bob, LOGIN: no part of his password' "$IW_LOG" 'wörd'

# the password from a command (-c) is kept out of the trace as well
iw_run alice-cmd -v -t 1 -c "cat '$DOVECOT/alice.pass'"
check_exit 'alice, -c command: exit 2 at -t 1' 2 "$IW_STATUS"
no_secret 'alice, -c' "$alicepw" alice

# a rejected login: the error quotes the server, not the password
printf '%s\n' "$bobpw-wrong" >"$TESTDIR/wrong.pass"
chmod 600 "$TESTDIR/wrong.pass"
iw_run bob-wrong -v -u bob -P "$TESTDIR/wrong.pass"
check_exit 'bob, wrong password: exit 100' 100 "$IW_STATUS"
no_secret 'bob, wrong password' "$bobpw-wrong" bob
check_nolog 'bob, wrong password: no part of it' "$IW_LOG" 'wörd'

done_testing
