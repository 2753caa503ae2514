#!/bin/sh
# SPDX-License-Identifier: ISC
# A tagged OK with a tag imapwait never sent, before the real answer (NO):
# it must not count as logged in. A foreign tag is a protocol error (111),
# and no EXAMINE follows.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake unknown-tag-login
fake_iw -v
expect_exit 111 5 "protocol error"
record_lacks "no EXAMINE after the foreign OK" "^[^# ]+ (EXAMINE|SELECT) "
result "111, no EXAMINE"
done_testing
