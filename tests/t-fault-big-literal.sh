#!/bin/sh
# SPDX-License-Identifier: ISC
# A 15 MiB literal (under imapwait's 16 MiB limit) whose text is
# "* 99 EXISTS" lines: skipped through a small buffer, never allocated, no
# wake from inside; then a real "* 4 EXISTS" is new mail (3 -> 4).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake big-literal
fake_iw
wait_idling
expect_exit 0 10 "new mail (3 -> 4)"
check_nolog "no wake from inside the literal" "$IW_LOG" "new mail (3 -> 99)"
check_rss 6144
result "skipped, then 0; small RSS"
done_testing
