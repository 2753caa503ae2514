#!/bin/sh
# SPDX-License-Identifier: ISC
# IDLE is sent and no "+" ever comes: 111 at the step deadline (-w 3).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake idle-no-continuation
fake_iw -w "$(scaled 3)"
expect_exit 111 5 "timed out waiting for the server"
check "it waited for the deadline (>= 3 s)" test "$IW_MS" -ge 2900
result "111 after -w"
done_testing
