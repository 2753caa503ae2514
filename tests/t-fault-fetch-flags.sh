#!/bin/sh
# SPDX-License-Identifier: ISC
# FETCH flag updates for 5 s are not new mail; then 3 -> 4 is.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake fetch-flags
fake_iw
wait_idling
expect_running 1
expect_exit 0 8 "new mail (3 -> 4)"
result "no wake, then 0"
done_testing
