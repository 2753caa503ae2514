#!/bin/sh
# SPDX-License-Identifier: ISC
# LOGINDISABLED and no AUTH=PLAIN: no way to log in over this connection.
# A permanent failure (100), and neither LOGIN nor AUTHENTICATE is sent.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake logindisabled
fake_iw
expect_exit 100 5
no_credentials
result "100, no LOGIN sent"
done_testing
