#!/bin/sh
# SPDX-License-Identifier: ISC
# A PREAUTH greeting: already logged in, so no LOGIN or AUTHENTICATE is
# sent; imapwait goes straight to EXAMINE, idles, and new mail wakes it.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake preauth
fake_iw
wait_idling
no_credentials
record_has "EXAMINE sent" "^[^# ]+ EXAMINE "
expect_exit 0 5 "new mail (3 -> 4)"
result "no LOGIN, idles, 0"
done_testing
