#!/bin/sh
# SPDX-License-Identifier: ISC
# A certificate that does not verify is a permanent failure (exit 100), and
# the password is never sent: neither the trace nor the server's log shows
# a LOGIN or an AUTHENTICATE from that connection.
. "$(dirname "$0")/lib.sh"

# no_credentials NAME: the run's trace and the server's log show none
no_credentials() {
	if grep -qE ': C: .*(LOGIN|AUTHENTICATE)' "$IW_LOG"; then
		not_ok "$1: no LOGIN or AUTHENTICATE in the trace"
		show "$IW_LOG"
	else
		ok "$1: no LOGIN or AUTHENTICATE in the trace"
	fi
	if ! wait_log 'imap-login: ' 5; then
		not_ok "$1: Dovecot logged the connection"
		return
	fi
	if credentials_seen; then
		not_ok "$1: the server received no credentials"
		log_since | show /dev/stdin
	elif login_disconnects | grep -q 'user=<>'; then
		ok "$1: the server received no credentials"
	else
		not_ok "$1: the server received no credentials" 'no "user=<>" disconnect line'
		log_since | show /dev/stdin
	fi
}

# A certificate from a CA that is not the one given with -C.
log_mark
iw_run otherca -v -C "$OTHERCA"
check_exit 'certificate from another CA: exit 100' 100 "$IW_STATUS"
check_log 'logs "certificate verification failed:"' "$IW_LOG" 'certificate verification failed:'
no_credentials 'another CA'

# The right CA, but the name asked for is not in the certificate
# (it names DNS:localhost only).
log_mark
HOST=127.0.0.1
iw_run mismatch -v
HOST=localhost
check_exit 'host name mismatch (127.0.0.1): exit 100' 100 "$IW_STATUS"
check_log 'logs "certificate verification failed:"' "$IW_LOG" 'certificate verification failed:'
no_credentials 'name mismatch'

# A pinned fingerprint that does not match.
log_mark
iw_run badpin -v -F "$(printf '%064d' 0)"
check_exit 'wrong -F fingerprint: exit 100' 100 "$IW_STATUS"
no_credentials 'wrong fingerprint'

# The right fingerprint, colons and all, is accepted.
fp=$(openssl x509 -in "$DOVECOT/server.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
iw_run goodpin -t 1 -F "$fp"
check_exit 'matching -F fingerprint: idles, exit 2 at -t 1' 2 "$IW_STATUS"

# -C also takes a directory of CA certificates.
mkdir -p "$TESTDIR/cadir"
cp "$CA" "$TESTDIR/cadir/test-ca.pem"
iw_run cadir -t 1 -C "$TESTDIR/cadir"
check_exit '-C with a CA directory: idles, exit 2 at -t 1' 2 "$IW_STATUS"

# STARTTLS on the plain port, verified the same way.
iw_run starttls -t 1 -S -p "$STARTTLS_PORT"
check_exit '-S on the STARTTLS port: idles, exit 2 at -t 1' 2 "$IW_STATUS"
log_mark
iw_run starttls-otherca -v -S -p "$STARTTLS_PORT" -C "$OTHERCA"
check_exit '-S with a certificate from another CA: exit 100' 100 "$IW_STATUS"
no_credentials 'STARTTLS, another CA'

done_testing
