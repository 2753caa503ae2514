#!/bin/sh
# SPDX-License-Identifier: ISC
# An expired certificate (valid in January 2020) from the right CA for the
# right name: a certificate_expired alert ends the handshake, no IMAP
# command, exit 100.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"
. "$(dirname "$0")/handshake.sh"

make_cert expired DNS:localhost ca 20200101000000Z 20200201000000Z
fake normal --cert "$TESTDIR/expired.pem" --key "$TESTDIR/expired.key"
fake_iw
expect_exit 100 5 "certificate verification failed: The certificate validity has expired"
aborted_with certificate_expired
no_credentials
result "100 \"certificate verification failed\", certificate_expired, no command"
done_testing
