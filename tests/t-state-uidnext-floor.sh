#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: EXAMINE says 3 messages, UIDNEXT 4; while idling the server
# sends "* OK [UIDNEXT 5]", then "* 4 EXISTS" for the message that UID 4
# went to. An unsolicited UIDNEXT is a floor, not added to: one arrival,
# exit 0, state UIDNEXT 5 (not 6, which would be ahead of the server).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

state=$TESTDIR/state
state_put "$state" "1 4 3 0"
fake uidnext-floor
fake_iw -s "$state"
wait_idling
expect_exit 0 5 "new mail (3 -> 4)"
check_uidnext "$state" 5
check_state "the state file says \"1 5 4 0 1\"" "$state" "1 5 4 0 1"
result "0, UIDNEXT 5"
done_testing
