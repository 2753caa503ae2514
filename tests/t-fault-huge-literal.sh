#!/bin/sh
# SPDX-License-Identifier: ISC
# A literal announcing 4 GiB (2^32 bytes, which is 0 in 32 bits) whose text
# is "* 99 EXISTS" lines: a size past the literal limit (and past 32 bits)
# is a protocol error at once (111); it is never allocated or skipped
# through, and nothing inside it wakes imapwait.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake huge-literal
fake_iw
wait_idling
expect_exit 111 5 "protocol error"
check_nolog "no wake from inside the literal" "$IW_LOG" "new mail"
check_rss 6144
result "111"
done_testing
