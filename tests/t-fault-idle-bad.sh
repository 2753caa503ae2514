#!/bin/sh
# SPDX-License-Identifier: ISC
# A tagged BAD to IDLE although IDLE is advertised: 100.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake idle-bad
fake_iw
expect_exit 100 5
result "100"
done_testing
