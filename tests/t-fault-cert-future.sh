#!/bin/sh
# A certificate not valid until 2090: 100, and no credentials sent.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

make_cert future DNS:localhost ca 20900101000000Z 20910101000000Z
fake normal --cert "$TESTDIR/future.pem" --key "$TESTDIR/future.key"
fake_iw
expect_exit 100 5 "certificate verification failed"
no_credentials
result "100 \"certificate verification failed\", no LOGIN"
done_testing
