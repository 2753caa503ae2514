#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: the EXAMINE response has "* 3 EXISTS", then "* 4 EXISTS" (a
# delivery while the server answered). The first count is what this
# connection has seen; the rise is new mail: exit 0 before idling, with no
# state file at all.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake examine-exists-twice
fake_iw
expect_exit 0 5 "new mail (3 -> 4)"
record_lacks "no IDLE was needed" "^[^# ]+ IDLE$"
result "0"
done_testing
