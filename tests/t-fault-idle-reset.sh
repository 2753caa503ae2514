#!/bin/sh
# SPDX-License-Identifier: ISC
# The connection is reset (a real TCP RST under TLS, no close_notify)
# while imapwait idles: 111, and the log says the peer reset it, which
# tells a reset from a plain close.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake idle-reset
fake_iw
wait_idling
expect_exit 111 5 "Connection reset by peer"
record_has "the server reset the connection" "^# 1 reset$"
result "111"
done_testing
