#!/bin/sh
# SPDX-License-Identifier: ISC
# The server rejects the credentials ([AUTHENTICATIONFAILED]): a permanent
# failure (100), with the server's text in the log.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake auth-failed
fake_iw -v
expect_exit 100 5 "login failed: "
check_log "the server's text is logged" "$IW_LOG" "Authentication failed."
result "100 \"login failed\""
done_testing
