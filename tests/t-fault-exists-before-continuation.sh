#!/bin/sh
# SPDX-License-Identifier: ISC
# Mail reported in answer to IDLE, before its "+": counts (0).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake exists-before-continuation
fake_iw
expect_exit 0 5 "new mail (3 -> 4)"
result "0 \"new mail (3 -> 4)\""
done_testing
