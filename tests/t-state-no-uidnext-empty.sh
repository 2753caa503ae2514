#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: a server that sends no [UIDNEXT], and an empty mailbox; the
# state says UIDNEXT 5 (messages 1 to 4 came and went). One delivery
# wakes it once: the stored UIDNEXT is never lowered (5 + 1 arrival = 6,
# what the server has after the delivery); the next run, which finds one
# message with UID 5 (by UID FETCH), idles instead of waking again.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

state=$TESTDIR/state
state_put "$state" "1 5 0 0"
fake no-uidnext-empty --connections 2
fake_iw -s "$state"
wait_idling
expect_exit 0 5 "new mail (0 -> 1)"
check_uidnext "$state" 6
check_state "the state file says \"1 6 1 0 1\"" "$state" "1 6 1 0 1"

FAULT_NAME="state-no-uidnext-empty-next"
fake_iw -s "$state"
wait_idling
expect_running 1
iw_stop
check_exit "the same delivery does not wake the next run (SIGTERM: 143)" 143 "$IW_STATUS"
check_uidnext "$state" 6
result "0 once, then idles"
done_testing
