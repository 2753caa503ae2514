#!/bin/sh
# SPDX-License-Identifier: ISC
# A certificate from the right CA for another host (mail.example.org):
# the handshake ends with a bad_certificate alert, no IMAP command, exit
# 100; the message names the name asked for and the certificate's names.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"
. "$(dirname "$0")/handshake.sh"

make_cert otherhost DNS:mail.example.org
fake normal --cert "$TESTDIR/otherhost.pem" --key "$TESTDIR/otherhost.key"
fake_iw
expect_exit 100 5 "certificate verification failed: name mismatch: asked for localhost, the certificate is for DNS:mail.example.org"
aborted_with bad_certificate
no_credentials
check_log 'gives the fingerprint' "$IW_LOG" "SHA-256 $(fingerprint "$TESTDIR/otherhost.pem")"
result "100 \"name mismatch\", bad_certificate, no command"
done_testing
