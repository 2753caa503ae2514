#!/bin/sh
# SPDX-License-Identifier: ISC
# A peer that accepts TCP and never says a word (nor reads the ClientHello):
# 111 within the handshake deadline (-w 3).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake silent
fake_iw -w "$(scaled 3)"
expect_exit 111 5
check "it waited for the deadline (>= 3 s)" test "$IW_MS" -ge 2900
result "111 within -w"
done_testing
