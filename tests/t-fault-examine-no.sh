#!/bin/sh
# SPDX-License-Identifier: ISC
# A tagged NO to EXAMINE (no such mailbox): a permanent failure (100).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake examine-no
fake_iw
expect_exit 100 5 "unable to examine mailbox"
check_log "the server's text is logged" "$IW_LOG" "Mailbox does not exist"
result "100 \"unable to examine mailbox\""
done_testing
