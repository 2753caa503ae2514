#!/bin/sh
# A state file that cannot be written must not turn every start into a
# wake (a loop would run its hook back to back for the same mail): the
# run stops with 100 and says why, before any wake is claimed.
. "$(dirname "$0")/lib.sh"

empty_mailbox alice

# the state path is a directory
mkdir -p "$TESTDIR/isdir"
iw_run dir -s "$TESTDIR/isdir"
check_exit 'state path is a directory: exit 100' 100 "$IW_STATUS"
check_log 'says it cannot write the state file' "$IW_LOG" 'unable to write state file'
check_nolog 'does not claim to have recorded a state' "$IW_LOG" 'no state yet, recorded'

# the state path is in a directory that does not exist
iw_run missing -s "$TESTDIR/no/such/dir/state"
check_exit 'state directory missing: exit 100' 100 "$IW_STATUS"
check_log 'says it cannot write the state file' "$IW_LOG" 'unable to write state file'

# once the path is fixed, the first run records and wakes, the next idles
iw_run fixed -s "$TESTDIR/state"
check_exit 'a writable state file: the first run wakes' 0 "$IW_STATUS"
if idle again -s "$TESTDIR/state"; then
	check 'the next run idles' alive "$IW_PID"
	kill -TERM "$IW_PID"
	wait_pid_exit "$IW_PID" "$(scaled 5)"
fi

done_testing
