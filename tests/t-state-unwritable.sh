#!/bin/sh
# SPDX-License-Identifier: ISC
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

# the state path is under a file: no directory can be made there, and
# that is said before connecting
: >"$TESTDIR/afile"
log_mark
iw_run under -s "$TESTDIR/afile/dir/state"
check_exit 'state directory cannot be made: exit 100' 100 "$IW_STATUS"
check_log 'says it cannot write the state file' "$IW_LOG" 'unable to write state file'
check_log '... and why' "$IW_LOG" 'Not a directory'
check_nolog 'before any login' "$IW_LOG" 'idling'
if credentials_seen; then
	not_ok 'no credentials sent before the state problem was found'
else
	ok 'no credentials sent before the state problem was found'
fi

# a state directory that does not exist yet is made, private
iw_run missing -s "$TESTDIR/no/such/dir/state"
check_exit 'state directory missing: made, and the first run wakes' 0 "$IW_STATUS"
check 'the state file is there' test -s "$TESTDIR/no/such/dir/state"
check 'the directory made is mode 0700' \
	test "$(stat -c %a "$TESTDIR/no/such/dir")" = 700

# once the path is fixed, the first run records and wakes, the next idles
iw_run fixed -s "$TESTDIR/state"
check_exit 'a writable state file: the first run wakes' 0 "$IW_STATUS"
if idle again -s "$TESTDIR/state"; then
	check 'the next run idles' alive "$IW_PID"
	kill -TERM "$IW_PID"
	wait_pid_exit "$IW_PID" "$(scaled 5)"
fi

done_testing
