#!/bin/sh
# SPDX-License-Identifier: ISC
# A tagged BAD to EXAMINE: a permanent failure (100).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake examine-bad
fake_iw
expect_exit 100 5 "unable to examine mailbox"
result "100 \"unable to examine mailbox\""
done_testing
