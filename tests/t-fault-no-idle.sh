#!/bin/sh
# SPDX-License-Identifier: ISC
# A server without IDLE: a permanent failure (100), said plainly, within
# the step deadline.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake no-idle
fake_iw
expect_exit 100 5 'server does not support IDLE'
check_rss 6144
result '100 "server does not support IDLE"'
done_testing
