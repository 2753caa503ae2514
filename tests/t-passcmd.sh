#!/bin/sh
# SPDX-License-Identifier: ISC
# The password command (-c): its whole run is bounded by -w, not only its
# first line: a helper that hangs, or prints its line and goes on, is cut
# off at the deadline with all it started (111); one that fails is a
# temporary failure (111), but "not found" or "not executable" from the
# shell (127, 126) is permanent (100); a SIGCHLD inherited as ignored
# changes nothing.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"

# nothing listens on port 9: a command that succeeds ends in a refused
# connection (111), so the log line tells which it was

# cut NAME COMMAND: with -w 2, cut off at the deadline (111), in time, and
# nothing it started is left
cut() {
	_t0=$(now_ms)
	$IMAPWAIT -w 2 -u alice -p 9 -c "$2" localhost 2>"$TESTDIR/$1.log"
	_rc=$?
	_ms=$(($(now_ms) - _t0))
	check_exit "$1: exit 111" 111 "$_rc"
	check_log "$1: says the command timed out" "$TESTDIR/$1.log" 'the password command timed out after 2 s (-w)'
	check "$1: cut off at the deadline, not later ($_ms ms)" test "$_ms" -lt "$(scaled 6000)"
	_left=$(pgrep -f "$3" 2>/dev/null)
	if [ -z "$_left" ]; then
		ok "$1: nothing the command started is left"
	else
		not_ok "$1: nothing the command started is left" "still running: $_left"
		# shellcheck disable=SC2086
		kill $_left 2>/dev/null
	fi
}

tag=0.$$$(date +%N)
cut hang "sleep 30 $tag" "sleep 30 $tag"
cut line-then-sleep "echo pw; sleep 25 $tag" "sleep 25 $tag"
cut sleep-infinity "echo pw; exec sleep infinity $tag" "sleep infinity $tag"

$IMAPWAIT -w 2 -u alice -p 9 -c 'exit 3' localhost 2>"$TESTDIR/fail.log"
check_exit 'a failing password command: exit 111' 111 $?
check_log 'says it failed, with its status' "$TESTDIR/fail.log" 'the password command failed (status 3)'

$IMAPWAIT -w 2 -u alice -p 9 -c 'true' localhost 2>"$TESTDIR/empty.log"
check_exit 'a password command that prints nothing: exit 100' 100 $?
check_log 'says the password is empty' "$TESTDIR/empty.log" 'empty password'

$IMAPWAIT -w 2 -u alice -p 9 -c "no-such-command-$tag" localhost 2>"$TESTDIR/notfound.log"
check_exit 'a password command not found (127): exit 100' 100 $?
check_log 'says it was not found' "$TESTDIR/notfound.log" 'the password command failed (status 127: not found)'

printf 'echo pw\n' >"$TESTDIR/noexec"
chmod 644 "$TESTDIR/noexec"
$IMAPWAIT -w 2 -u alice -p 9 -c "$TESTDIR/noexec" localhost 2>"$TESTDIR/noexec.log"
check_exit 'a password command not executable (126): exit 100' 100 $?
check_log 'says it is not executable' "$TESTDIR/noexec.log" 'the password command failed (status 126: not executable)'

# SIGCHLD ignored by whoever started imapwait: the command is still
# waited for, and its line used
(
	trap '' CHLD
	exec $IMAPWAIT -w 2 -u alice -p 9 -c 'echo pw' localhost 2>"$TESTDIR/sigchld.log"
)
check_exit 'SIGCHLD inherited as ignored: the password is read, the connect is refused: 111' 111 $?
check_log 'SIGCHLD inherited as ignored: it got as far as connecting' "$TESTDIR/sigchld.log" 'unable to connect to localhost:9'

done_testing
