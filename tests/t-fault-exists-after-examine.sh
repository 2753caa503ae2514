#!/bin/sh
# SPDX-License-Identifier: ISC
# Mail that arrives after EXAMINE and before IDLE counts: the EXISTS
# comes right after EXAMINE's OK, and the server says nothing more.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake exists-after-examine
fake_iw
expect_exit 0 5 "new mail (3 -> 4)"
result "0 \"new mail (3 -> 4)\""
done_testing
