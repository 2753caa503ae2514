#!/bin/sh
# SPDX-License-Identifier: ISC
# A certificate for localhost from a CA imapwait does not trust: the
# handshake ends with an unknown_ca alert, no IMAP command is sent, exit
# 100; the message names the certificate (subject, names, fingerprint in
# the form -F takes) and points at -C and -F.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"
. "$(dirname "$0")/handshake.sh"

make_cert otherca DNS:localhost other-ca
fake normal --cert "$TESTDIR/otherca.pem" --key "$TESTDIR/otherca.key"
fake_iw
expect_exit 100 5 "certificate verification failed: The certificate is not correctly signed by the trusted CA"
aborted_with unknown_ca
no_credentials
check_log 'names the subject' "$IW_LOG" 'subject CN=localhost'
check_log 'names the names' "$IW_LOG" 'names DNS:localhost'
check_log 'gives the fingerprint as -F takes it' "$IW_LOG" "SHA-256 $(fingerprint "$TESTDIR/otherca.pem")"
check_log 'points at -C and -F' "$IW_LOG" 'give its CA with -C, or pin it with -F'
result "100 \"certificate verification failed\", unknown_ca, no command"
done_testing
