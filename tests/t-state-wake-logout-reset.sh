#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: an offline wake (the state says UIDNEXT 2, the server 4), then
# the server resets the connection in answer to LOGOUT. The wake is real
# and was recorded before the session ended: exit 0 (not 111, which would
# run no hook while the next start finds the state current), and the
# state file says PENDING 1.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

state=$TESTDIR/state
state_put "$state" "1 2 1 0"
fake wake-logout-reset
fake_iw -s "$state"
expect_exit 0 5 "new mail while not watching"
record_has "the server got the LOGOUT" "^[^# ]+ LOGOUT$"
record_has "and reset the connection" "^# 1 reset$"
check_uidnext "$state" 4
check_state "the state file says \"1 4 3 0 1\" (PENDING 1)" "$state" "1 4 3 0 1"
result "0, PENDING 1"
done_testing
