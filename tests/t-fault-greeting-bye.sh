#!/bin/sh
# SPDX-License-Identifier: ISC
# BYE in the greeting (server shutting down): a temporary failure (111).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake greeting-bye
fake_iw
expect_exit 111 5 "server closed the connection"
no_credentials
result "111 \"server closed the connection\""
done_testing
