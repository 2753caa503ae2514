#!/bin/sh
# SPDX-License-Identifier: ISC
# "* -1 EXISTS" (strtoul would make it ULONG_MAX, new mail), then a real
# "* 4 EXISTS": a count is digits only, so "-1" is malformed: a protocol
# error (111), never a wake.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake negative-number
fake_iw
wait_idling
expect_exit 111 5 "protocol error"
check_nolog "no wake" "$IW_LOG" "new mail"
result "111"
done_testing
