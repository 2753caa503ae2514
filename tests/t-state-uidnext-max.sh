#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: UIDNEXT 4294967295 (the largest 32-bit UID), then one arrival.
# The state stores 4294967295 (a lag is allowed, a number past 32 bits
# is not: 4294967296 would read as corrupt); the next run reads it without
# a warning and, nothing being new, idles.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

state=$TESTDIR/state
state_put "$state" "1 4294967295 3 0"
fake uidnext-max --connections 2
fake_iw -s "$state"
wait_idling
expect_exit 0 5 "new mail (3 -> 4)"
check_uidnext "$state" 4294967295
check_state "the state file says \"1 4294967295 4 0 1\"" "$state" "1 4294967295 4 0 1"

FAULT_NAME="state-uidnext-max-next"
fake_iw -s "$state"
wait_idling
check_nolog "the next run reads it: no warning" "$IW_LOG" "warning"
expect_running 1
iw_stop
check_exit "SIGTERM ends it by the signal" 143 "$IW_STATUS"
result "0, then idles"
done_testing
