#!/bin/sh
# SPDX-License-Identifier: ISC
# A tagged response with a tag imapwait never sent, while idling, then a
# real "* 4 EXISTS": a foreign tag is a protocol error (111), read before
# the EXISTS comes, so no wake.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake unknown-tag
fake_iw
wait_idling
expect_exit 111 5 "protocol error"
check_nolog "no wake" "$IW_LOG" "new mail"
result "111"
done_testing
