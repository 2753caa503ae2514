#!/bin/sh
# SPDX-License-Identifier: ISC
# A certificate for localhost from the trusted CA whose keyUsage is only
# cRLSign: no TLS server may use it.
# The handshake ends with an unsupported_certificate alert, no IMAP
# command and so no credential is sent, exit 100, and the message says
# the server needs another certificate.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"
. "$(dirname "$0")/handshake.sh"

fake normal --cert "$CERTS/ku.pem" --key "$CERTS/ku.key"
fake_iw
expect_exit 100 5 "certificate verification failed: Usage does not match the keyUsage extension"
aborted_with unsupported_certificate
no_credentials
check_log 'says it is no TLS server certificate' "$IW_LOG" 'it is not a TLS server certificate, the server needs another one'
result "100 \"Usage does not match the keyUsage extension\", unsupported_certificate, no command"
done_testing
