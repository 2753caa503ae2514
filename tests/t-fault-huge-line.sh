#!/bin/sh
# SPDX-License-Identifier: ISC
# A line of 100 MiB without CRLF while idling: a protocol error (111),
# found once the line buffer is full, with the memory of an idle imapwait
# (the line is never held whole).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake huge-line
fake_iw
wait_idling
expect_exit 111 10 "protocol error"
check_rss 6144
result "111 \"protocol error\", small RSS"
done_testing
