#!/bin/sh
# SPDX-License-Identifier: ISC
# BYE while idling (server shutdown): 111.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake idle-bye
fake_iw
wait_idling
expect_exit 111 5 "server closed the connection"
result "111 \"server closed the connection\""
done_testing
