#!/bin/sh
# SPDX-License-Identifier: ISC
# A literal (in three pieces) whose text holds "* 9 EXISTS" lines is data,
# not a response: no wake. Then a real 4 EXISTS is new mail.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake literal-exists
fake_iw
wait_idling
expect_running 1
expect_exit 0 8 "new mail (3 -> 4)"
check_nolog "nothing from inside the literal" "$IW_LOG" "new mail (3 -> 9)"
result "no wake, then 0"
done_testing
