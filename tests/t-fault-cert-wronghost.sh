#!/bin/sh
# A certificate from the right CA for another host (mail.example.org):
# 100, and no credentials sent.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

make_cert otherhost DNS:mail.example.org
fake normal --cert "$TESTDIR/otherhost.pem" --key "$TESTDIR/otherhost.key"
fake_iw
expect_exit 100 5 "certificate verification failed"
no_credentials
result "100 \"certificate verification failed\", no LOGIN"
done_testing
