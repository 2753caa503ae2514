#!/bin/sh
# SPDX-License-Identifier: ISC
# With mbedTLS 3.6, TLS 1.3 everywhere t-mbedtls36.sh does not look:
# STARTTLS upgrades to TLS 1.3 and the capabilities are asked again; a
# delivery wakes it (application data after the server's session
# tickets); the pin and -C (file and directory) decide as with TLS 1.2,
# and a rejected certificate is 100 with no credential sent. The 3.6
# build is made here, in a copy of the tree, as t-mbedtls36.sh does.
# repeat: no
. "$(dirname "$0")/lib.sh"

m36=$TOP/tests/tmp/mbedtls36
build=$TESTDIR/build36
mkdir -p "$TOP/tests/tmp"

bin=
if ! sh "$TOP/tests/mbedtls36.sh" "$m36" >"$TESTDIR/fetch.log" 2>&1; then
	not_ok 'mbedTLS 3.6 unpacked into tests/tmp/mbedtls36'
	show "$TESTDIR/fetch.log"
else
	rm -rf "$build"
	mkdir -p "$build"
	for f in "$TOP"/Makefile "$TOP"/*.c "$TOP"/*.h; do
		[ -f "$f" ] && cp "$f" "$build/"
	done
	if (cd "$build" && make -B CC="${CC:-cc}" MBEDTLS="$m36" imapwait) >"$TESTDIR/build.log" 2>&1; then
		bin=$build/imapwait
	else
		not_ok 'imapwait builds against mbedTLS 3.6'
		show "$TESTDIR/build.log"
	fi
fi
[ -n "$bin" ] || done_testing
# shellcheck disable=SC2034 # read by iw_start
IMAPWAIT=$bin

# tls13 WHAT: the trace of the last run shows TLS 1.3
tls13() {
	if grep -qE ': TLS: TLS ?v?1\.3' "$IW_LOG"; then
		ok "$1: TLS 1.3 negotiated"
	else
		not_ok "$1: TLS 1.3 negotiated"
		show "$IW_LOG"
	fi
}

# woke WHAT: a delivery wakes the idling run: exit 0, "new mail (0 -> 1)"
woke() {
	deliver alice INBOX "$1"
	wait_pid_exit "$IW_PID" "$(scaled 10)"
	check_exit "$1: a delivery during IDLE: exit 0" 0 $?
	check_log "$1: logs \"new mail (0 -> 1)\"" "$IW_LOG" 'new mail (0 -> 1)'
}

# no_creds WHAT: Dovecot saw no LOGIN or AUTHENTICATE since log_mark
no_creds() {
	wait_log 'imap-login: ' 5
	if credentials_seen; then
		not_ok "$1: the server received no credentials"
		log_since | show /dev/stdin
	else
		ok "$1: the server received no credentials"
	fi
}

# --- implicit TLS and STARTTLS, woken by a delivery ------------------------

empty_mailbox alice
if idle implicit -v; then
	tls13 'implicit TLS'
	woke 'implicit TLS 1.3'
fi

empty_mailbox alice
if idle starttls -v -S -p "$STARTTLS_PORT"; then
	tls13 'STARTTLS'
	tls=$(grep -n ': TLS: ' "$IW_LOG" | head -n 1 | cut -d : -f 1)
	if [ -n "$tls" ] && sed -n "$tls,\$p" "$IW_LOG" | grep -qE ': C: a[0-9]+ CAPABILITY$'; then
		ok 'STARTTLS: CAPABILITY asked again after the TLS 1.3 handshake'
	else
		not_ok 'STARTTLS: CAPABILITY asked again after the TLS 1.3 handshake'
		show "$IW_LOG"
	fi
	woke 'STARTTLS, TLS 1.3'
fi

# --- certificates ------------------------------------------------------------

fp=$(openssl x509 -in "$DOVECOT/server.pem" -noout -fingerprint -sha256 | sed 's/.*=//')

iw_run pin -t 1 -v -F "$fp"
check_exit '-F right, with -C: idles, exit 2 at -t 1' 2 "$IW_STATUS"
tls13 '-F right'

log_mark
iw_run badpin -F "$(printf '%064d' 0)"
check_exit '-F wrong: exit 100' 100 "$IW_STATUS"
check_log '-F wrong: "certificate verification failed"' "$IW_LOG" 'certificate verification failed'
no_creds '-F wrong'

log_mark
iw_run otherca -C "$OTHERCA"
check_exit '-C another CA: exit 100' 100 "$IW_STATUS"
check_log '-C another CA: "certificate verification failed"' "$IW_LOG" 'certificate verification failed'
no_creds '-C another CA'

log_mark
iw_run starttls-otherca -S -p "$STARTTLS_PORT" -C "$OTHERCA"
check_exit '-S, -C another CA: exit 100' 100 "$IW_STATUS"
no_creds '-S, -C another CA'

mkdir -p "$TESTDIR/cadir"
cp "$CA" "$TESTDIR/cadir/test-ca.pem"
iw_run cadir -t 1 -C "$TESTDIR/cadir"
check_exit '-C a directory with the CA: idles, exit 2 at -t 1' 2 "$IW_STATUS"

done_testing
