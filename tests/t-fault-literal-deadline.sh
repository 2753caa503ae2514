#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: while idling the server sends "* 1 FETCH (BODY[] {40}" and the
# first 12 bytes of the literal ("Subject: x\r\n"), then stalls past the -t
# deadline (-t 1). The other 28 bytes, sent in answer to DONE, start with
# "* 99 EXISTS\r\n": they are still the literal, data and never a
# response. Exit 2 (timed out), never "new mail (3 -> 99)".
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake literal-deadline
fake_iw -t 1
wait_idling
expect_exit 2 6 "timed out"
check_nolog "no wake from inside the literal" "$IW_LOG" "new mail"
result "2"
done_testing
