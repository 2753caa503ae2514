#!/bin/sh
# SPDX-License-Identifier: ISC
# -h and --help: the usage and a pointer to the manual on stdout, exit 0,
# nothing on stderr; a bad option: the usage on stderr, exit 100.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"

for h in -h --help; do
	$IMAPWAIT $h >"$TESTDIR/out" 2>"$TESTDIR/err"
	check_exit "imapwait $h: exit 0" 0 $?
	check_log "imapwait $h: the usage on stdout" "$TESTDIR/out" 'usage: imapwait'
	check_log "imapwait $h: points at the manual" "$TESTDIR/out" 'imapwait(1)'
	check "imapwait $h: nothing on stderr" test ! -s "$TESTDIR/err"
done
$IMAPWAIT -Z localhost >"$TESTDIR/out" 2>"$TESTDIR/err"
check_exit 'a bad option: exit 100' 100 $?
check_log 'a bad option: the usage on stderr' "$TESTDIR/err" 'usage: imapwait'
check 'a bad option: nothing on stdout' test ! -s "$TESTDIR/out"
done_testing
