#!/bin/sh
# SPDX-License-Identifier: ISC
# NUL bytes in lines ("* OK Still\0here", "* 9\0 EXISTS"), then a real
# "* 4 EXISTS": a NUL is never valid in a response, so the first one is a
# protocol error (111); the EXISTS after it is never read.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake nul
fake_iw
wait_idling
expect_exit 111 5 "protocol error"
check_log "the error names the NUL byte" "$IW_LOG" "NUL"
check_nolog "no wake" "$IW_LOG" "new mail"
result "111"
done_testing
