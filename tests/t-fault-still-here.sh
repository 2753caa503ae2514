#!/bin/sh
# SPDX-License-Identifier: ISC
# "* OK Still here" every 100 ms for 6 s: no wake and no busy loop (CPU
# time stays near zero), then new mail wakes it.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake still-here
fake_iw
wait_idling
expect_running 2
check_cpu 300
expect_exit 0 8 "new mail (3 -> 4)"
check_cpu 400
result "no wake, low CPU, then 0"
done_testing
