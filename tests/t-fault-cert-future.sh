#!/bin/sh
# SPDX-License-Identifier: ISC
# A certificate not valid until 2090: the handshake ends with a fatal
# alert (mbedTLS has none of its own for "not yet valid": it sends
# certificate_unknown), no IMAP command, exit 100.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"
. "$(dirname "$0")/handshake.sh"

make_cert future DNS:localhost ca 20900101000000Z 20910101000000Z
fake normal --cert "$TESTDIR/future.pem" --key "$TESTDIR/future.key"
fake_iw
expect_exit 100 5 "certificate verification failed: The certificate validity starts in the future"
aborted_with certificate_unknown
no_credentials
result "100 \"certificate verification failed\", certificate_unknown, no command"
done_testing
