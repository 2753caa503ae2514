#!/bin/sh
# SPDX-License-Identifier: ISC
# -F with a fingerprint that is not the server's (the case after a
# renewal): the pin is checked inside the handshake, which ends with an
# access_denied alert; no IMAP command, exit 100, and the message shows
# the fingerprint the server has, in the form -F takes.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"
. "$(dirname "$0")/handshake.sh"

fake normal
fake_iw -F "$(printf '%064d' 0)"
expect_exit 100 5 "certificate verification failed: fingerprint does not match -F: the server's is $(fingerprint "$CERTS/server.pem")"
aborted_with access_denied
no_credentials
result "100 \"fingerprint does not match -F\", access_denied, no command"
done_testing
