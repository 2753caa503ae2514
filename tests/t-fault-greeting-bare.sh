#!/bin/sh
# SPDX-License-Identifier: ISC
# A greeting of just "* OK" (no text; RFC 9051 makes the text optional,
# and servers send it): accepted, so the session goes on and the real
# "* 4 EXISTS" during IDLE wakes it (0).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake greeting-bare
fake_iw
wait_idling
expect_exit 0 5 "new mail (3 -> 4)"
result "0"
done_testing
