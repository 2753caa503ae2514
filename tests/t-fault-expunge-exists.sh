#!/bin/sh
# SPDX-License-Identifier: ISC
# EXISTS after every EXPUNGE, with the count imapwait already knows
# (3 EXISTS, 3 EXPUNGE + 2 EXISTS, 2 EXISTS, 1 EXPUNGE + 1 EXISTS): no
# wake. Then 2 EXISTS, one more than the 1 left: new mail (1 -> 2).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake expunge-exists
fake_iw
wait_idling
expect_running 1
expect_exit 0 8 "new mail (1 -> 2)"
result "no wake, then 0 on 1 -> 2"
done_testing
