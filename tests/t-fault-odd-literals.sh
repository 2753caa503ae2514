#!/bin/sh
# SPDX-License-Identifier: ISC
# Literals of 0, 1 and 2 bytes, two in one response, one holding only
# CRLF, one holding "* 9 EXISTS": no wake from them; then a real
# "* 4 EXISTS" is new mail (0).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake odd-literals
fake_iw
wait_idling
expect_exit 0 5 "new mail (3 -> 4)"
check_nolog "no wake from inside a literal" "$IW_LOG" "new mail (3 -> 9)"
result "0 on the real EXISTS"
done_testing
