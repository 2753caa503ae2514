#!/bin/sh
# SPDX-License-Identifier: ISC
# NO [UNAVAILABLE] to EXAMINE (mailbox locked for now): 111.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake examine-unavailable
fake_iw
expect_exit 111 5 "unable to examine mailbox"
result "111 \"unable to examine mailbox\""
done_testing
