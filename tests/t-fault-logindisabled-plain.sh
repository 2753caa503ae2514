#!/bin/sh
# SPDX-License-Identifier: ISC
# LOGINDISABLED but AUTH=PLAIN: imapwait logs in with AUTHENTICATE PLAIN,
# never LOGIN, and then works: new mail wakes it (0).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake logindisabled-plain
fake_iw -v
wait_idling
record_lacks "no LOGIN command" "^[^# ]+ LOGIN "
record_has "AUTHENTICATE PLAIN was used" "^[^# ]+ AUTHENTICATE PLAIN"
expect_exit 0 5 "new mail (3 -> 4)"
result "AUTHENTICATE PLAIN, 0"
done_testing
