#!/bin/sh
# SPDX-License-Identifier: ISC
# A line of 8190 characters, then one of 8193 (over the 8 KiB line
# buffer), then a real "* 4 EXISTS": the long line is a protocol error
# (111, "response too long"); no memory error (ASan and valgrind check).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake line-too-long
fake_iw
wait_idling
expect_exit 111 5 "response too long"
check_nolog "no wake" "$IW_LOG" "new mail"
result "111"
done_testing
