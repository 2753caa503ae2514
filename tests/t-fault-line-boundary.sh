#!/bin/sh
# SPDX-License-Identifier: ISC
# Lines of 4088 to 4097 and 8183 to 8190 characters (off-by-one bait for
# the 8 KiB line buffer), then a real "* 4 EXISTS": every line fits, so 0
# on the real EXISTS; no memory error (the ASan and valgrind runs check).
# A line over the limit: t-fault-line-too-long.sh.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake line-boundary
fake_iw
wait_idling
expect_exit 0 5 "new mail (3 -> 4)"
result "0; no memory error"
done_testing
