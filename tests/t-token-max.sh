#!/bin/sh
# SPDX-License-Identifier: ISC
# The token limit that the manual gives (8192 bytes) is the one enforced:
# a 7,000-byte token with -a xoauth2 and an 8,192-byte one with -a
# oauthbearer reach the server whole (exit 0 on the fake's new mail); one
# byte more is refused before connecting (100, "too long").
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

# token FILE N: a token of N bytes (and a newline) in FILE, mode 0600
token() {
	(umask 077 && head -c "$2" /dev/zero | tr '\0' 'T' >"$1" && echo >>"$1")
}

# sent WHAT TOKENFILE: the AUTHENTICATE of the record carries the token
sent() {
	_ir=$(sed -n 's/^[^# ][^ ]* AUTHENTICATE [A-Z0-9]* //p' "$FAKE_REC" | head -n 1)
	if printf '%s' "$_ir" | base64 -d 2>/dev/null | grep -qF "auth=Bearer $(head -n 1 "$2")"; then
		ok "$1: the server got the whole token"
	else
		not_ok "$1: the server got the whole token" "initial response of ${#_ir} base64 bytes"
	fi
}

token "$TESTDIR/t7000" 7000
token "$TESTDIR/t8192" 8192
token "$TESTDIR/t8193" 8193

FAULT_NAME=xoauth2-7000
FAKE_REC=$TESTDIR/$FAULT_NAME.rec
fake oauth
fake_iw -a xoauth2 -P "$TESTDIR/t7000"
expect_exit 0 10 'new mail (3 -> 4)'
sent '-a xoauth2, 7000 bytes' "$TESTDIR/t7000"

FAULT_NAME=oauthbearer-8192
FAKE_REC=$TESTDIR/$FAULT_NAME.rec
fake oauth
fake_iw -a oauthbearer -P "$TESTDIR/t8192"
expect_exit 0 10 'new mail (3 -> 4)'
sent '-a oauthbearer, 8192 bytes' "$TESTDIR/t8192"

$IMAPWAIT -a xoauth2 -u alice -P "$TESTDIR/t8193" -p 9 localhost 2>"$TESTDIR/t8193.log"
check_exit '8193 bytes: exit 100' 100 $?
check_log '8193 bytes: says too long, and the limit' "$TESTDIR/t8193.log" 'too long (8192 bytes at most)'
done_testing
