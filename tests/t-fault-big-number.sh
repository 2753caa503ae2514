#!/bin/sh
# SPDX-License-Identifier: ISC
# "* 18446744073709551620 EXISTS" (2^64 + 4, which wraps to 4 in 64 bits
# and would look like new mail): a protocol error (111).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake big-number
fake_iw
wait_idling
expect_exit 111 5 "protocol error"
check_nolog "no wake" "$IW_LOG" "new mail"
result "111 \"protocol error\""
done_testing
