#!/bin/sh
# The password command (-c): a helper that hangs is cut off at the step
# deadline (111), and one that fails is a temporary failure (111); neither
# leaves imapwait waiting forever.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"

# nothing listens on this port: if the command were accepted, the
# connect would fail with 111 too, so the log line tells which it was
t0=$(now_ms)
$IMAPWAIT -w 2 -u alice -p 9 -c 'sleep 30' localhost 2>"$TESTDIR/hang.log"
rc=$?
ms=$(($(now_ms) - t0))
check_exit 'a hanging password command: exit 111' 111 "$rc"
check_log 'says the command timed out' "$TESTDIR/hang.log" 'the password command timed out'
check "cut off at the deadline, not later ($ms ms)" test "$ms" -lt "$(scaled 10000)"

$IMAPWAIT -w 2 -u alice -p 9 -c 'exit 3' localhost 2>"$TESTDIR/fail.log"
check_exit 'a failing password command: exit 111' 111 $?
check_log 'says it failed, with its status' "$TESTDIR/fail.log" 'the password command failed (status 3)'

$IMAPWAIT -w 2 -u alice -p 9 -c 'true' localhost 2>"$TESTDIR/empty.log"
check_exit 'a password command that prints nothing: exit 100' 100 $?
check_log 'says the password is empty' "$TESTDIR/empty.log" 'empty password'

done_testing
