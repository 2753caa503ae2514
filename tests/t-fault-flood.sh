#!/bin/sh
# SPDX-License-Identifier: ISC
# 10,000 untagged lines a second for 6 s (keepalives, flag changes, the
# same count again), then new mail: no early wake, the right wake, with
# bounded CPU time and memory.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake flood
fake_iw
wait_idling
expect_running 2
expect_exit 0 9 "new mail (3 -> 4)"
check_cpu 1500
check_rss 6144
result "no early wake, 0, bounded CPU"
done_testing
