#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: "* 2 FETCH (FLAGS (\Seen UID 99999))" while idling. "UID" there
# is a keyword inside FLAGS, not the UID item: not new mail, and never a
# UID. The real "* 4 EXISTS" a second later wakes it, and the state says
# EXAMINE's UIDNEXT 4 plus one arrival: 5, never 100000 (which would make
# every later message "already seen").
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

state=$TESTDIR/state
state_put "$state" "1 4 3 0"
fake fetch-flags-uid
fake_iw -s "$state"
wait_idling
expect_exit 0 5 "new mail (3 -> 4)"
check_uidnext "$state" 5
check_state "the state file says \"1 5 4 0 1\"" "$state" "1 5 4 0 1"
result "0, UIDNEXT 5"
done_testing
