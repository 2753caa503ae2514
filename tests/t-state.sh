#!/bin/sh
# SPDX-License-Identifier: ISC
# With a state file (-s), no delivery is lost and none wakes twice:
# the first run records and wakes once; a delivery while nobody watches
# wakes the next run at once; a delivery during IDLE wakes that run only.
. "$(dirname "$0")/lib.sh"

state=$TESTDIR/state
empty_mailbox alice
rm -f "$state"

# first run: nothing recorded yet, so it records and wakes (like a fetch
# at boot)
iw_run first -s "$state"
check_exit 'first run without a state file: exit 0' 0 "$IW_STATUS"
check_log 'logs "no state yet, recorded uidvalidity"' "$IW_LOG" 'no state yet, recorded uidvalidity'
check 'the state file exists' test -s "$state"
check 'the state file is mode 0600' test "$(stat -c %a "$state" 2>/dev/null)" = 600
check 'the state file holds "uidvalidity uidnext ..."' \
	grep -qE '^[0-9]+ [0-9]+( |$)' "$state"

# second run: nothing new, so it waits; SIGTERM ends it by the signal
if idle second -s "$state"; then
	sleep 2
	check 'nothing new since: the next run idles' alive "$IW_PID"
	kill -TERM "$IW_PID"
	wait_pid_exit "$IW_PID" "$(scaled 5)"
	check_exit 'SIGTERM: it dies by the signal (143)' 143 $?
fi

# a delivery while imapwait is not running wakes the next run at once
deliver alice INBOX 'while away'
t0=$(now_ms)
iw_run third -s "$state"
ms=$(($(now_ms) - t0))
check_exit 'mail while not watching: exit 0' 0 "$IW_STATUS"
check_log 'logs "new mail while not watching (uidnext"' "$IW_LOG" 'new mail while not watching (uidnext'
check "without idling first ($ms ms)" test ! -s "$IW_READY"

# and only once: the run after that idles
if idle fourth -s "$state"; then
	sleep 2
	check 'the same mail does not wake a second run' alive "$IW_PID"

	# a delivery during IDLE wakes it ...
	deliver alice INBOX 'while watching'
	wait_pid_exit "$IW_PID" "$(scaled 10)"
	check_exit 'a delivery during IDLE: exit 0' 0 $?
	check_log 'logs "new mail (1 -> 2)"' "$IW_LOG" 'new mail (1 -> 2)'
fi

# ... and that delivery does not wake the next run again
if idle fifth -s "$state"; then
	sleep 2
	check 'mail seen during IDLE does not wake the next run' alive "$IW_PID"
	kill -TERM "$IW_PID"
	wait_pid_exit "$IW_PID" "$(scaled 5)"
	check_exit 'SIGTERM: it dies by the signal (143)' 143 $?
fi

# a delivery between two runs (while the hook would run): one more wake
deliver alice INBOX 'during the hook'
iw_run sixth -s "$state"
check_exit 'a delivery between runs: the next run exits 0' 0 "$IW_STATUS"
if idle seventh -s "$state"; then
	sleep 1
	check '... and the one after idles' alive "$IW_PID"
	kill -TERM "$IW_PID"
	wait_pid_exit "$IW_PID" "$(scaled 5)" >/dev/null
fi

# a corrupt state file is a warning, treated as missing
printf 'garbage\n' >"$state"
iw_run corrupt -s "$state"
check_exit 'corrupt state file: exit 0 as if there were none' 0 "$IW_STATUS"
check_log 'warns about it' "$IW_LOG" 'warning:'
check_log 'and records afresh' "$IW_LOG" 'no state yet, recorded uidvalidity'
if idle aftercorrupt -s "$state"; then
	sleep 1
	check 'the rewritten state file works: the next run idles' alive "$IW_PID"
fi

done_testing
