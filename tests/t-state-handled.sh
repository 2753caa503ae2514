#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: the state file says PENDING 1 and nothing is new on the server.
# Started without -R, the caller ran its hook before starting imapwait
# again, so that wake is handled: it idles (no second wake), and the
# state file says PENDING 0.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

state=$TESTDIR/state
state_put "$state" "1 4 3 0 1"
fake normal
fake_iw -s "$state"
wait_idling
expect_running 1
check_state "the state file says \"1 4 3 0 0\"" "$state" "1 4 3 0 0"
iw_stop
check_exit "SIGTERM ends it by the signal (143)" 143 "$IW_STATUS"
result "idles, PENDING 0"
done_testing
