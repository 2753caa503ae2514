#!/bin/sh
# SPDX-License-Identifier: ISC
# TLS is up but the greeting never comes: 111 at the step deadline.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake greeting-stall
fake_iw -w "$(scaled 3)"
expect_exit 111 5 "timed out waiting for the server"
no_credentials
result "111 after -w"
done_testing
