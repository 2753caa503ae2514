#!/bin/sh
# SPDX-License-Identifier: ISC
# The server never answers the login: 111 once the step deadline (-w 3)
# has passed, not a hang.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake login-stall
fake_iw -w "$(scaled 3)"
expect_exit 111 5 "timed out waiting for the server"
check "it waited for the deadline (>= 3 s)" test "$IW_MS" -ge 2900
result "111 after -w"
done_testing
