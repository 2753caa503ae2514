#!/bin/sh
# SPDX-License-Identifier: ISC
# -S against a server without STARTTLS that offers plaintext login: 100,
# and no credentials ever sent in the clear.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake no-starttls --mode starttls
fake_iw -S
expect_exit 100 5
no_credentials
result "100, no LOGIN"
done_testing
