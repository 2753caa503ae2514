#!/bin/sh
# SPDX-License-Identifier: ISC
# A plaintext IMAP server on the TLS port: the handshake fails (100), and
# nothing but the ClientHello ever reaches the server.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake normal --mode plain
fake_iw
expect_exit 100 5 "TLS handshake failed"
no_credentials
result "100 \"TLS handshake failed\", no LOGIN"
done_testing
