#!/bin/sh
# SPDX-License-Identifier: ISC
# imapwait-loop with a wrong password: imapwait says the login failed and
# exits 100; the loop says it stops, and stops with 100 after that one
# attempt (no retry that could lock the account), the hook never run.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

printf 'not-the-password\n' >"$TESTDIR/wrong.pass"
chmod 600 "$TESTDIR/wrong.pass"
log_mark
loop_start wrong "touch $TESTDIR/hook-ran" -P "$TESTDIR/wrong.pass"
wait_pid_exit "$LOOP_PID" "$(scaled 20)"
check_exit 'wrong password: the loop exits 100' 100 $?
check_log 'imapwait says why' "$LOOP_LOG" 'login failed'
check_log 'the loop says it stops' "$LOOP_LOG" 'permanent failure (exit 100), stopping'
check 'one login attempt, no retry' test "$(count "$LOOP_LOG" 'login failed')" -eq 1
check 'the hook never ran' test ! -e "$TESTDIR/hook-ran"
check 'no pause announced' test "$(count "$LOOP_LOG" 'retrying in')" -eq 0

done_testing
