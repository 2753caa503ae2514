#!/bin/sh
# The connection is reset (TCP RST) while imapwait idles: 111.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake idle-reset
fake_iw
wait_idling
expect_exit 111 5
result "111"
done_testing
