#!/bin/sh
# A certificate for localhost from a CA imapwait does not trust: 100, and
# no credentials sent.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

make_cert otherca DNS:localhost other-ca
fake normal --cert "$TESTDIR/otherca.pem" --key "$TESTDIR/otherca.key"
fake_iw
expect_exit 100 5 "certificate verification failed"
no_credentials
result "100 \"certificate verification failed\", no LOGIN"
done_testing
