#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: the -t deadline passes (-t 1), DONE is answered plainly, and
# the server's answer to LOGOUT carries "* 4 EXISTS" before its BYE. The
# mail is new whenever it is seen: exit 0 (not 2), and the state covers it.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

state=$TESTDIR/state
state_put "$state" "1 4 3 0"
fake timeout-exists-logout
fake_iw -s "$state" -t 1
wait_idling
expect_exit 0 6 "new mail (3 -> 4)"
record_has "LOGOUT was sent" "^[^# ]+ LOGOUT$"
check_state "the state file says \"1 5 4 0 1\"" "$state" "1 5 4 0 1"
result "0"
done_testing
