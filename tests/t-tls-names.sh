#!/bin/sh
# SPDX-License-Identifier: ISC
# The name in the ClientHello and the name checked: a host name is sent
# as SNI; a trailing dot is dropped for both (imap.example.org. is
# imap.example.org); an IP address is never sent as SNI (RFC 6066
# section 3) and is matched against the certificate's IP addresses, with
# mbedTLS 2.28 as with 3.6.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"
. "$(dirname "$0")/handshake.sh"

# run NAME SCENARIO [fakeimap options]: a fresh fake server and record
run() {
	FAULT_NAME=$1
	FAKE_REC=$TESTDIR/$1.rec
	rm -f "$FAKE_REC"
	_sc=$2
	shift 2
	fake "$_sc" "$@"
}

# woke WHAT: the run reached IDLE and woke on the fake's new mail
woke() {
	expect_exit 0 10 'new mail (3 -> 4)'
	if grep -Eq '^# 1 tls ' "$FAKE_REC"; then
		ok "$1: the handshake completed"
	else
		not_ok "$1: the handshake completed"
		show "$FAKE_REC"
	fi
}

make_cert ipsan 'DNS:localhost, IP:127.0.0.1'
make_cert ipother 'DNS:localhost, IP:127.0.0.2'

run by-name new-mail
fake_iw
woke 'by name'
sni_was localhost

run trailing-dot new-mail
HOST=localhost.
fake_iw
HOST=localhost
woke 'localhost. (a trailing dot)'
sni_was localhost

run by-address new-mail --cert "$TESTDIR/ipsan.pem" --key "$TESTDIR/ipsan.key"
HOST=127.0.0.1
fake_iw
HOST=localhost
woke '127.0.0.1, a certificate with IP:127.0.0.1'
sni_was none

run other-address normal --cert "$TESTDIR/ipother.pem" --key "$TESTDIR/ipother.key"
HOST=127.0.0.1
fake_iw
HOST=localhost
expect_exit 100 5 'name mismatch: asked for 127.0.0.1, the certificate is for DNS:localhost, IP:127.0.0.2'
aborted_with bad_certificate
sni_was none
done_testing
