#!/bin/sh
# SPDX-License-Identifier: ISC
# A literal size past 2^64 ({18446744073709551617}, which wraps to 1) and
# then "* 9 EXISTS": a protocol error (111), never a wake.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake literal-overflow
fake_iw
wait_idling
expect_exit 111 5 "protocol error"
result "111 \"protocol error\""
done_testing
