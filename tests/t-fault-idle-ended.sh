#!/bin/sh
# SPDX-License-Identifier: ISC
# The server ends IDLE by itself (a tagged OK, no DONE sent): not new mail
# and not a permanent failure, but the session is over: 111.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake idle-ended
fake_iw
wait_idling
expect_exit 111 5 "server ended IDLE"
result "111"
done_testing
