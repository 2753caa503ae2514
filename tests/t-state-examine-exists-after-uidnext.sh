#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: the EXAMINE response has "* 3 EXISTS", "[UIDNEXT 4]", then
# "* 4 EXISTS"; the state said UIDNEXT 4, so only the second EXISTS tells
# of the new message. New mail: exit 0, state UIDNEXT 4 + 1 = 5.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

state=$TESTDIR/state
state_put "$state" "1 4 3 0"
fake examine-exists-after-uidnext
fake_iw -s "$state"
expect_exit 0 5 "new mail (3 -> 4)"
check_uidnext "$state" 5
check_state "the state file says \"1 5 4 0 1\"" "$state" "1 5 4 0 1"
result "0, UIDNEXT 5"
done_testing
