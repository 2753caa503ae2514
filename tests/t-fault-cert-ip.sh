#!/bin/sh
# The test CA's usual certificate names DNS:localhost only: connecting to
# 127.0.0.1 must fail the name check (100), and no credentials are sent.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake normal
HOST=127.0.0.1
fake_iw
expect_exit 100 5 "certificate verification failed"
no_credentials
result "100 \"certificate verification failed\", no LOGIN"
done_testing
