#!/bin/sh
# SPDX-License-Identifier: ISC
# Invalid UTF-8 in a response text, then a real "* 4 EXISTS": response
# text is never parsed as UTF-8, so it is harmless: 0 on the real EXISTS.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake bad-utf8
fake_iw
wait_idling
expect_exit 0 5 "new mail (3 -> 4)"
result "0 on the real EXISTS"
done_testing
