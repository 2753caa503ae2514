#!/bin/sh
# SPDX-License-Identifier: ISC
# A greeting of 100 MiB without CRLF: a protocol error (111), small RSS,
# and no credentials sent.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake huge-greeting
fake_iw
expect_exit 111 10 "protocol error"
check_rss 6144
no_credentials
result "111 \"protocol error\", small RSS"
done_testing
