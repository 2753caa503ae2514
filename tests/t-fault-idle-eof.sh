#!/bin/sh
# SPDX-License-Identifier: ISC
# The server closes the connection while imapwait idles, without a BYE: 111.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake idle-eof
fake_iw
wait_idling
expect_exit 111 5 "connection closed"
result "111 \"connection closed\""
done_testing
