#!/bin/sh
# SPDX-License-Identifier: ISC
# The test CA's usual certificate names DNS:localhost only: connecting to
# 127.0.0.1 fails the name check inside the handshake (bad_certificate,
# no IMAP command, exit 100), the message names the address asked for,
# and the address is never sent as SNI (RFC 6066 section 3).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"
. "$(dirname "$0")/handshake.sh"

fake normal
HOST=127.0.0.1
fake_iw
expect_exit 100 5 "certificate verification failed: name mismatch: asked for 127.0.0.1, the certificate is for DNS:localhost"
aborted_with bad_certificate
sni_was none
no_credentials
result "100 \"name mismatch\", bad_certificate, no SNI, no command"
done_testing
