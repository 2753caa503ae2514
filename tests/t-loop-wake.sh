#!/bin/sh
# SPDX-License-Identifier: ISC
# Never lose a wake, against the real Dovecot: a wake is handled only
# once its hook has exited 0. The loop stopped by SIGTERM while the hook
# runs, or killed by SIGKILL, or stopped after a hook that failed, or
# stopped during the boot fetch (the first run, no state file yet): at
# its next start the hook runs again, once, told it is a retry, and the
# loop then idles.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

sl=$(marker wake)
runs=$TESTDIR/runs
# the hook notes why it ran; it hangs while "slow" exists, fails while
# "fail" does
hook="echo \"\$IMAPWAIT_REASON\" >>$runs; [ ! -e $TESTDIR/slow ] || $sl 300; [ ! -e $TESTDIR/fail ]"

# idles NAME N: the loop's Nth "idling"
idles() {
	wait_count "$LOOP_LOG" 'idling (' "$2" "$(scaled 20)" && return 0
	not_ok "$1: the loop idles" && show "$LOOP_LOG"
	return 1
}

# restart WHAT STATE: start the loop again on STATE: the hook runs once
# more (a retry), then the loop idles with no further run
restart() {
	rm -f "$TESTDIR/slow" "$TESTDIR/fail"
	before=$(count "$runs" '')
	loop_start "$1-again" "$hook" -s "$2"
	idles "$1, restarted" 1 || return
	sleep 1
	check "$1, restarted: the hook ran again, once" \
		test "$(count "$runs" '')" -eq $((before + 1))
	check "$1, restarted: told it is a retry ($(tail -n 1 "$runs"))" \
		test "$(tail -n 1 "$runs")" = retry
	check_log "$1, restarted: imapwait says why" "$LOOP_LOG" \
		'the last wake was not handled, waking again'
	kill -TERM "$LOOP_PID"
	wait_pid_exit "$LOOP_PID" 10 >/dev/null
}

# during_hook WHAT SIGNAL STATUS: a delivery runs the slow hook; SIGNAL
# to the loop while it runs
during_hook() {
	: >"$runs"
	empty_mailbox alice
	loop_start "$1" "$hook" -s "$TESTDIR/$1.state"
	idles "$1" 1 || return
	touch "$TESTDIR/slow"
	deliver alice INBOX "$1"
	if ! wait_count "$runs" new 1 "$(scaled 10)"; then
		not_ok "$1: a delivery runs the hook" && show "$LOOP_LOG"
		return
	fi
	sleep 0.5
	kill -"$2" "$LOOP_PID"
	wait_pid_exit "$LOOP_PID" 10
	check_exit "$1: the loop dies by SIG$2" "$3" $?
	# a killed loop cannot end its hook: the test does
	kill_marked wake
	restart "$1" "$TESTDIR/$1.state"
}

during_hook 'SIGTERM during the hook' TERM 143
during_hook 'SIGKILL during the hook' KILL 137

# a hook that failed, then the loop stopped in the pause after it
: >"$runs"
empty_mailbox alice
loop_start failed "$hook" -s "$TESTDIR/failed.state"
if idles 'a failed hook' 1; then
	touch "$TESTDIR/fail"
	deliver alice INBOX 'failed hook'
	if wait_text "$LOOP_LOG" 'hook failed (exit 1)' "$(scaled 10)"; then
		ok 'a failed hook: logged'
		kill -TERM "$LOOP_PID"
		wait_pid_exit "$LOOP_PID" 10 >/dev/null
		restart 'a failed hook' "$TESTDIR/failed.state"
	else
		not_ok 'a failed hook: logged' && show "$LOOP_LOG"
	fi
fi

# the boot fetch (no state file yet) cut short
: >"$runs"
touch "$TESTDIR/slow"
loop_start boot "$hook" -s "$TESTDIR/boot.state"
if wait_count "$runs" boot 1 "$(scaled 20)"; then
	ok 'the boot fetch: the hook runs at the first start, told it is the boot'
	sleep 0.5
	kill -TERM "$LOOP_PID"
	wait_pid_exit "$LOOP_PID" 10 >/dev/null
	check "the boot fetch cut short: nothing of the hook left ($(left wake))" test -z "$(left wake)"
	restart 'the boot fetch cut short' "$TESTDIR/boot.state"
else
	not_ok 'the boot fetch: the hook runs at the first start' && show "$LOOP_LOG"
fi
kill_marked wake

done_testing
