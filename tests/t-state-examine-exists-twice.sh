#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: the EXAMINE response has "* 3 EXISTS", "* 4 EXISTS", then
# "[UIDNEXT 5]", which already counts the fourth message; the state said
# UIDNEXT 4. Exit 0, and the state stores the server's UIDNEXT 5, never
# 5 + 1 (ahead of the server: the next message would be "already seen").
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

state=$TESTDIR/state
state_put "$state" "1 4 3 0"
fake examine-exists-twice
fake_iw -s "$state"
expect_exit 0 5
check_uidnext "$state" 5
check_state "the state file says \"1 5 4 0 1\"" "$state" "1 5 4 0 1"
result "0, UIDNEXT 5"
done_testing
