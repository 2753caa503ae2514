#!/bin/sh
# SPDX-License-Identifier: ISC
# -S, and the certificate after STARTTLS is from a CA imapwait does not
# trust: the upgraded handshake ends with an unknown_ca alert, nothing
# follows the STARTTLS command (no CAPABILITY, no credential), exit 100.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

make_cert otherca DNS:localhost other-ca
fake starttls --mode starttls --cert "$TESTDIR/otherca.pem" --key "$TESTDIR/otherca.key"
fake_iw -S
expect_exit 100 5 "certificate verification failed: The certificate is not correctly signed by the trusted CA"
record_has 'STARTTLS was asked for' '^[^#]+ STARTTLS$'
record_lacks 'no completed TLS handshake' '^# 1 tls '
record_has 'the server got the fatal alert unknown_ca' '^# 1 alert unknown_ca$'
if sed -n '/^[^#]* STARTTLS$/,$p' "$FAKE_REC" | tail -n +2 | grep -q '^[^#]'; then
	not_ok 'no IMAP command after STARTTLS'
	show "$FAKE_REC"
else
	ok 'no IMAP command after STARTTLS'
fi
no_credentials
result "100 \"certificate verification failed\", unknown_ca after STARTTLS, no command"
done_testing
