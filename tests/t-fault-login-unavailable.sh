#!/bin/sh
# SPDX-License-Identifier: ISC
# [UNAVAILABLE] in answer to the login (the authentication backend is
# down): a temporary failure (111), not a rejected password.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake login-unavailable
fake_iw -v
expect_exit 111 5 "login failed: "
result "111 \"login failed\""
done_testing
