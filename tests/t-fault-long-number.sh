#!/bin/sh
# SPDX-License-Identifier: ISC
# A 400-digit message count: a protocol error (111).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake long-number
fake_iw
wait_idling
expect_exit 111 5 "protocol error"
check_nolog "no wake" "$IW_LOG" "new mail"
result "111 \"protocol error\""
done_testing
