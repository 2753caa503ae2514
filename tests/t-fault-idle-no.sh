#!/bin/sh
# SPDX-License-Identifier: ISC
# A tagged NO to IDLE although IDLE is advertised: 100.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake idle-no
fake_iw
expect_exit 100 5
result "100"
done_testing
