#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: the state file says PENDING 1 (the last wake's hook failed, or
# nobody knows) and nothing is new on the server. Started with -R, that
# wake was not handled: exit 0 right after EXAMINE, without idling, and
# PENDING stays 1 until a start without -R.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

state=$TESTDIR/state
state_put "$state" "1 4 3 0 1"
fake normal
fake_iw -s "$state" -R
expect_exit 0 5 "the last wake was not handled, waking again"
record_lacks "no IDLE was sent" "^[^# ]+ IDLE$"
check_state "the state file still says \"1 4 3 0 1\"" "$state" "1 4 3 0 1"
result "0, PENDING 1"
done_testing
