#!/bin/sh
# SPDX-License-Identifier: ISC
# "* 4294967300 EXISTS" while idling: IMAP numbers are 32-bit, and this
# one is 4 when cut to 32 bits (new mail, 3 -> 4). A protocol error
# (111), never a wake. (32-bit builds: tests/unit.c.)
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake exists-past-32bit
fake_iw
wait_idling
expect_exit 111 5 "protocol error"
check_nolog "no wake" "$IW_LOG" "new mail"
result "111"
done_testing
